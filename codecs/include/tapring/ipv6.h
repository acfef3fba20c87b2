/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 (RFC 8200): view, repr, parse (with the extension header chain), emit.
 *
 * tr_ipv6_check() guarantees: buffer >= 40 and 40 + payload_len <= buffer
 * length. After it every fixed-header getter is safe and the payload is cut
 * at payload_len (Ethernet padding ignored).
 *
 * tr_ipv6_parse() validates the version and walks the extension chain:
 * hop-by-hop (0), routing (43), fragment (44), destination options (60) with
 * the (len+1)*8 formula, AH (51) with (len+2)*4, until an upper-layer
 * protocol or No Next Header (59). At most TR_IPV6_MAX_EXT headers are
 * walked; longer chains are rejected (-ELOOP). The numbers of the headers
 * walked are recorded in order in ext[]. Errors: -EMSGSIZE (short), -EINVAL
 * (version, hop-by-hop not first), -ELOOP (chain too long).
 */
#ifndef TAPRING_IPV6_H
#define TAPRING_IPV6_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tapring/wire/ipv6.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TR_IPV6_MAX_EXT 8

struct tr_ipv6_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_ipv6_view tr_ipv6_view_of(const uint8_t *p, size_t len)
{
	struct tr_ipv6_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

static inline int tr_ipv6_check(const struct tr_ipv6_view *v)
{
	if (v->len < TR_IPV6_HDR_LEN)
		return -EMSGSIZE;
	size_t pl = tr_load_be16(v->buf + TR_IPV6_OFF_PLEN);
	if (pl > v->len - TR_IPV6_HDR_LEN)
		return -EMSGSIZE;
	return 0;
}

static inline uint8_t tr_ipv6_version(const struct tr_ipv6_view *v) { return v->buf[0] >> 4; }
static inline uint8_t tr_ipv6_tclass(const struct tr_ipv6_view *v) { return (uint8_t)(tr_load_be32(v->buf) >> 20); }
static inline uint32_t tr_ipv6_flow(const struct tr_ipv6_view *v) { return tr_load_be32(v->buf) & 0xfffffu; }
static inline uint16_t tr_ipv6_payload_len(const struct tr_ipv6_view *v) { return tr_load_be16(v->buf + TR_IPV6_OFF_PLEN); }
static inline uint8_t tr_ipv6_next(const struct tr_ipv6_view *v) { return v->buf[TR_IPV6_OFF_NEXT]; }
static inline uint8_t tr_ipv6_hop_limit(const struct tr_ipv6_view *v) { return v->buf[TR_IPV6_OFF_HOPLIM]; }
static inline const uint8_t *tr_ipv6_src(const struct tr_ipv6_view *v) { return v->buf + TR_IPV6_OFF_SRC; }
static inline const uint8_t *tr_ipv6_dst(const struct tr_ipv6_view *v) { return v->buf + TR_IPV6_OFF_DST; }
/* set_payload_len and set_next invalidate an earlier check/parse. */
static inline void tr_ipv6_set_payload_len(struct tr_ipv6_view *v, uint16_t l) { tr_store_be16(v->buf + TR_IPV6_OFF_PLEN, l); }
static inline void tr_ipv6_set_next(struct tr_ipv6_view *v, uint8_t n) { v->buf[TR_IPV6_OFF_NEXT] = n; }
static inline void tr_ipv6_set_hop_limit(struct tr_ipv6_view *v, uint8_t h) { v->buf[TR_IPV6_OFF_HOPLIM] = h; }
static inline void tr_ipv6_set_src(struct tr_ipv6_view *v, const uint8_t a[16]) { memcpy(v->buf + TR_IPV6_OFF_SRC, a, 16); }
static inline void tr_ipv6_set_dst(struct tr_ipv6_view *v, const uint8_t a[16]) { memcpy(v->buf + TR_IPV6_OFF_DST, a, 16); }

struct tr_ipv6_repr {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t flow;        /* 20 bits */
	uint8_t tclass;
	uint8_t hop_limit;
	uint8_t next;         /* Next Header of the fixed header */
	uint8_t upper;        /* upper-layer protocol after the chain (59: none) */
	uint16_t payload_len; /* from the fixed header */
	uint16_t hdr_len;     /* 40 + all extension headers: upper layer starts here */
	uint8_t n_ext;
	uint8_t ext[TR_IPV6_MAX_EXT];   /* extension header numbers, in order */
	/* Offset from the IPv6 header of the final destination address named
	 * by a routing header with segments left (types 0, 2, 4): the address
	 * the upper-layer pseudo-header uses (RFC 8200 §8.1). 0: use dst. */
	uint16_t final_dst_off;
	/* Fragment header (valid when has_frag). */
	bool has_frag;
	bool frag_mf;
	uint16_t frag_off;    /* bytes */
	uint32_t frag_id;
};

#define TR_IPV6_PARSE_TRUNC_OK 0x2u  /* buffer may be shorter than 40 + payload_len */

static inline bool tr_ipv6_is_later_frag(const struct tr_ipv6_repr *r) { return r->has_frag && r->frag_off != 0; }

TR_API int tr_ipv6_parse(const struct tr_ipv6_view *v, struct tr_ipv6_repr *r, unsigned flags,
		  const char **why);

/* 40, plus 8 when has_frag: emit writes the fixed header and, if has_frag,
 * a fragment header (other extension headers in ext[] are not emitted). */
TR_API size_t tr_ipv6_emit_len(const struct tr_ipv6_repr *r);

/* Write exactly tr_ipv6_emit_len(r) bytes. payload_len must cover the
 * fragment header (if any) and the upper-layer data; the fixed header's next
 * header is 44 when has_frag (then the fragment header's next is r->upper),
 * otherwise r->upper. Returns 0, -ENOSPC or -EINVAL (bad field ranges). */
TR_API int tr_ipv6_emit(const struct tr_ipv6_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_IPV6_H */
