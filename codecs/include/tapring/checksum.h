/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internet checksum (RFC 1071) with a wide fast path, pseudo-headers, and
 * incremental update (RFC 1624).
 *
 * Byte order: sums are computed over 16-bit words loaded in *memory* order
 * (RFC 1071 §2(B): the sum is byte-order independent), so the value returned
 * by tr_cksum_finish() is stored into a header with memcpy as-is (or
 * tr_cksum_store()), never byte-swapped.
 *
 * Chaining: tr_cksum_add() may be called repeatedly; every chunk except the
 * last must have an even length. The accumulator never overflows when chained.
 *
 * Verification: tr_cksum_finish(sum over a region that includes its checksum
 * field) == 0 means the checksum is correct.
 */
#ifndef TAPRING_CHECKSUM_H
#define TAPRING_CHECKSUM_H

#include <tapring/api.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Add len bytes at buf to the running sum; returns the new (partially
 * folded) 32-bit sum. buf may be unaligned. */
TR_API uint32_t tr_cksum_add(uint32_t sum, const void *buf, size_t len);

/* Fold to 16 bits and complement: the value to store in a checksum field. */
static inline uint16_t tr_cksum_finish(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Fold to 16 bits without complement (what DPDK's rte_raw_cksum returns). */
static inline uint16_t tr_cksum_raw_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Complete checksum of one buffer. */
static inline uint16_t tr_cksum(const void *buf, size_t len)
{
	return tr_cksum_finish(tr_cksum_add(0, buf, len));
}

/* Store a finished checksum at p (memory order, unaligned-safe). */
static inline void tr_cksum_store(uint8_t *p, uint16_t ck)
{
	memcpy(p, &ck, sizeof(ck));
}

/* Pseudo-header partial sums (RFC 768/793 for IPv4, RFC 8200 §8.1 for IPv6).
 * Addresses are raw network-order bytes; l4len is the upper-layer length in
 * host order. Feed the result as the initial sum to tr_cksum_add(). */
TR_API uint32_t tr_cksum_pseudo_ipv4(const uint8_t src[4], const uint8_t dst[4],
			      uint8_t proto, uint32_t l4len);
TR_API uint32_t tr_cksum_pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16],
			      uint8_t next_header, uint32_t l4len);

/* RFC 1624 eqn. 3 incremental update: HC' = ~(~HC + ~m + m'). All values are
 * raw 16-bit words in memory order (as loaded with memcpy). */
TR_API uint16_t tr_cksum_update16(uint16_t old_cksum, uint16_t old_word, uint16_t new_word);
/* The same for a 32-bit field (e.g. an IPv4 address), raw memory order. */
TR_API uint16_t tr_cksum_update32(uint16_t old_cksum, uint32_t old_val, uint32_t new_val);

/* Reference implementation (byte at a time) for tests and benchmarks. */
TR_API uint16_t tr_cksum_reference(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_CHECKSUM_H */
