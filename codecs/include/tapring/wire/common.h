/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Byte-order-typed wire fields and unaligned load/store helpers.
 *
 * Frame bytes are never cast to struct pointers (STYLE.md rule 7): every
 * multi-byte field is read with memcpy-based helpers that compile to a single
 * (possibly byte-swapping) load on x86-64. Getters return host order; setters
 * take host order and write network order. No helper here checks bounds: the
 * caller's view has done that once (tr_<proto>_check()).
 */
#ifndef TAPRING_WIRE_COMMON_H
#define TAPRING_WIRE_COMMON_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Network-order integers. Distinct typedefs document intent in wire structs. */
typedef uint16_t tr_be16;
typedef uint32_t tr_be32;
typedef uint64_t tr_be64;

/* internal: pins a wire struct's size; _Static_assert in C, static_assert
 * in C++ (the benches include these headers). */
#ifdef __cplusplus
#define TR__STATIC_ASSERT static_assert
#else
#define TR__STATIC_ASSERT _Static_assert
#endif

#define TR_LIKELY(x)   __builtin_expect(!!(x), 1)
#define TR_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* internal: host <-> network order */
static inline uint16_t tr__bswap16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t tr__bswap32(uint32_t v) { return __builtin_bswap32(v); }

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline tr_be16 tr_htons(uint16_t v) { return tr__bswap16(v); }
static inline tr_be32 tr_htonl(uint32_t v) { return tr__bswap32(v); }
#else
static inline tr_be16 tr_htons(uint16_t v) { return v; }
static inline tr_be32 tr_htonl(uint32_t v) { return v; }
#endif
static inline uint16_t tr_ntohs(tr_be16 v) { return tr_htons(v); }
static inline uint32_t tr_ntohl(tr_be32 v) { return tr_htonl(v); }

/* Unaligned big-endian loads and stores at p (no bounds check). */
static inline uint16_t tr_load_be16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return tr_ntohs(v);
}

static inline uint32_t tr_load_be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return tr_ntohl(v);
}

static inline void tr_store_be16(uint8_t *p, uint16_t v)
{
	tr_be16 n = tr_htons(v);
	memcpy(p, &n, sizeof(n));
}

static inline void tr_store_be32(uint8_t *p, uint32_t v)
{
	tr_be32 n = tr_htonl(v);
	memcpy(p, &n, sizeof(n));
}

/* Raw (network-order) 16-bit load, for checksum arithmetic. */
static inline uint16_t tr_load_raw16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Overflow-safe bounds check (STYLE.md rule 8): true when [off, off+n) lies
 * inside a buffer of len bytes. Never computes off + n.
 */
static inline int tr_in_bounds(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_WIRE_COMMON_H */
