/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Link layers other than Ethernet: Linux cooked captures (SLL, SLL2), the
 * BSD loopback header (NULL, LOOP) and raw IP (RAW, IPV4, IPV6). Views,
 * one repr, parse and emit, and one table that maps a pcap link type to its
 * parser (tr_link_parse), so a new link type is one table row.
 *
 * Each parse fills struct tr_link_repr: hdr_len (where the network layer
 * starts) and proto, the Ethernet type of what follows (0x0800, 0x86dd,
 * 0x0806, ...; 0 when the link layer does not say or names something that
 * is not an Ethernet type). Everything above is decoded as for Ethernet.
 *
 * NULL and LOOP: the 4-byte family is in the writer's byte order for NULL
 * and network order for LOOP, but files in the wild have both orders in
 * both types; like tcpdump, a value with a nonzero upper half is read
 * byte-swapped (family_swapped). IPv4 is AF 2; IPv6 is 24, 28 or 30 (the
 * BSDs and macOS disagree); other values leave proto 0.
 *
 * Raw IP (RAW): the version nibble picks IPv4 or IPv6; IPV4 and IPV6 say
 * it in the link type.
 *
 * Errors: 0 or a negative errno. -EMSGSIZE the buffer is shorter than the
 * header, -EINVAL a malformed field (raw IP of another version, an empty
 * raw frame), -EPROTONOSUPPORT a link type with no parser. When why is
 * not NULL a static reason naming the layer is stored there ("sll: frame
 * length < 16", "link: unsupported type").
 */
#ifndef TAPRING_LINK_H
#define TAPRING_LINK_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tapring/wire/link.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Linux cooked v1 ------------------------------------------------------ */

struct tr_sll_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_sll_view tr_sll_view_of(const uint8_t *p, size_t len)
{
	struct tr_sll_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

static inline int tr_sll_check(const struct tr_sll_view *v)
{
	return v->len >= TR_SLL_HDR_LEN ? 0 : -EMSGSIZE;
}

static inline uint16_t tr_sll_pkttype(const struct tr_sll_view *v) { return tr_load_be16(v->buf + TR_SLL_OFF_PKTTYPE); }
static inline uint16_t tr_sll_hatype(const struct tr_sll_view *v) { return tr_load_be16(v->buf + TR_SLL_OFF_HATYPE); }
static inline uint16_t tr_sll_halen(const struct tr_sll_view *v) { return tr_load_be16(v->buf + TR_SLL_OFF_HALEN); }
static inline const uint8_t *tr_sll_addr(const struct tr_sll_view *v) { return v->buf + TR_SLL_OFF_ADDR; }
static inline uint16_t tr_sll_proto(const struct tr_sll_view *v) { return tr_load_be16(v->buf + TR_SLL_OFF_PROTO); }
/* Changing the protocol invalidates an earlier parse. */
static inline void tr_sll_set_proto(struct tr_sll_view *v, uint16_t p) { tr_store_be16(v->buf + TR_SLL_OFF_PROTO, p); }
static inline void tr_sll_set_pkttype(struct tr_sll_view *v, uint16_t t) { tr_store_be16(v->buf + TR_SLL_OFF_PKTTYPE, t); }

/* ---- Linux cooked v2 ------------------------------------------------------ */

struct tr_sll2_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_sll2_view tr_sll2_view_of(const uint8_t *p, size_t len)
{
	struct tr_sll2_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

static inline int tr_sll2_check(const struct tr_sll2_view *v)
{
	return v->len >= TR_SLL2_HDR_LEN ? 0 : -EMSGSIZE;
}

static inline uint16_t tr_sll2_proto(const struct tr_sll2_view *v) { return tr_load_be16(v->buf + TR_SLL2_OFF_PROTO); }
static inline uint32_t tr_sll2_ifindex(const struct tr_sll2_view *v) { return tr_load_be32(v->buf + TR_SLL2_OFF_IFINDEX); }
static inline uint16_t tr_sll2_hatype(const struct tr_sll2_view *v) { return tr_load_be16(v->buf + TR_SLL2_OFF_HATYPE); }
static inline uint8_t tr_sll2_pkttype(const struct tr_sll2_view *v) { return v->buf[TR_SLL2_OFF_PKTTYPE]; }
static inline uint8_t tr_sll2_halen(const struct tr_sll2_view *v) { return v->buf[TR_SLL2_OFF_HALEN]; }
static inline const uint8_t *tr_sll2_addr(const struct tr_sll2_view *v) { return v->buf + TR_SLL2_OFF_ADDR; }
/* Changing the protocol invalidates an earlier parse. */
static inline void tr_sll2_set_proto(struct tr_sll2_view *v, uint16_t p) { tr_store_be16(v->buf + TR_SLL2_OFF_PROTO, p); }
static inline void tr_sll2_set_ifindex(struct tr_sll2_view *v, uint32_t i) { tr_store_be32(v->buf + TR_SLL2_OFF_IFINDEX, i); }

/* ---- BSD loopback (NULL, LOOP) -------------------------------------------- */

struct tr_null_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_null_view tr_null_view_of(const uint8_t *p, size_t len)
{
	struct tr_null_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

static inline int tr_null_check(const struct tr_null_view *v)
{
	return v->len >= TR_NULL_HDR_LEN ? 0 : -EMSGSIZE;
}

/* The family in either byte order: little-endian first, swapped when the
 * upper half is nonzero (every AF value is below 65536). */
static inline uint32_t tr_null_family(const struct tr_null_view *v)
{
	const uint8_t *b = v->buf;
	uint32_t le = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		      (uint32_t)b[3] << 24;
	return (le & 0xffff0000u) ? __builtin_bswap32(le) : le;
}

/* ---- the repr and the table ------------------------------------------------ */

struct tr_link_repr {
	uint32_t dlt;          /* TR_DLT_* the header was parsed as */
	uint16_t hdr_len;      /* bytes before the network layer */
	uint16_t proto;        /* Ethernet type of the payload, 0: none */
	/* SLL, SLL2 */
	uint16_t pkttype;      /* TR_SLL_HOST ... TR_SLL_OUTGOING */
	uint16_t hatype;       /* ARPHRD_* of the device */
	uint16_t halen;        /* address length as on the wire (addr keeps <= 8) */
	uint8_t addr[TR_SLL_ADDR_LEN];
	uint32_t ifindex;      /* SLL2 only */
	/* NULL, LOOP */
	uint32_t family;       /* AF value, host order */
	bool family_swapped;   /* the header was big-endian (read swapped) */
};

/* Each parses a header at the start of v. r->dlt is set by tr_link_parse
 * (the same parser serves NULL and LOOP, RAW and its aliases). */
TR_API int tr_sll_parse(const struct tr_sll_view *v, struct tr_link_repr *r, const char **why);
TR_API int tr_sll2_parse(const struct tr_sll2_view *v, struct tr_link_repr *r, const char **why);
TR_API int tr_null_parse(const struct tr_null_view *v, struct tr_link_repr *r, const char **why);
/* Raw IP: proto from the version nibble (ip_version 0) or fixed (4, 6). */
TR_API int tr_rawip_parse(const uint8_t *buf, size_t len, unsigned ip_version, struct tr_link_repr *r,
		   const char **why);

/* True when tr_link_parse knows dlt (EN10MB included: tr_decode's own). */
TR_API bool tr_link_supported(uint32_t dlt);

/* Short name as libpcap spells it ("LINUX_SLL2"), or NULL. */
TR_API const char *tr_link_name(uint32_t dlt);

/* Parse the link header of a frame of type dlt (not EN10MB, which
 * tr_eth_parse handles). -EPROTONOSUPPORT for a type without parser. */
TR_API int tr_link_parse(uint32_t dlt, const uint8_t *buf, size_t len, struct tr_link_repr *r,
		  const char **why);

/* Bytes tr_link_emit writes for dlt: 16, 20, 4, or 0 for raw IP; -1 when
 * the type has no emitter (EN10MB included). */
TR_API int tr_link_emit_len(uint32_t dlt);

/* Write the header of r (r->dlt) into buf: SLL/SLL2 from pkttype, hatype,
 * halen (addr bytes beyond halen are zeroed), proto and ifindex; NULL in
 * host order and LOOP in network order from family. Returns the length
 * written, -ENOSPC, or -EPROTONOSUPPORT. */
TR_API int tr_link_emit(const struct tr_link_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_LINK_H */
