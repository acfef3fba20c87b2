/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 (RFC 791): view, repr, parse, emit.
 *
 * tr_ipv4_check() guarantees: buffer >= 20, IHL >= 5, header_len <=
 * total_len <= buffer length. After it every getter is safe, and the payload
 * is [hdr_len, total_len) (Ethernet padding past total_len is ignored).
 *
 * tr_ipv4_parse() additionally validates the version, the fragment end
 * (offset + total length <= 65535), walks the options (EOL / NOP /
 * type-length-value, each bounds-checked) and verifies the header checksum.
 * Errors: -EMSGSIZE (short/inconsistent lengths), -EINVAL (bad version,
 * IHL < 5, total length < header length, fragment past 65535, malformed
 * option), -EBADMSG (checksum wrong; the repr is still fully filled, so
 * callers may report and continue). why, when non-NULL, receives a static
 * reason such as "ipv4: header length < 20".
 * The reserved flag (TR_IPV4_FLAG_RF) is accepted and ignored, as Linux,
 * smoltcp and tshark do: rejecting it would make the decoder hide layers
 * that every other tool shows, and the stack drop what Linux delivers.
 */
#ifndef TAPRING_IPV4_H
#define TAPRING_IPV4_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tapring/wire/ipv4.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tr_ipv4_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_ipv4_view tr_ipv4_view_of(const uint8_t *p, size_t len)
{
	struct tr_ipv4_view v = { (uint8_t *)(uintptr_t)p, len };
	return v;
}

/* internal: raw getters used by check (bounds are the caller's job). */
static inline unsigned tr__ipv4_ihl_bytes(const uint8_t *b) { return (unsigned)(b[0] & 0x0f) * 4u; }

/*
 * internal: the IPv4 header checks, written once. tr_ipv4_check(),
 * tr_ipv4_parse(), the decoder's inlined fast path and the stack's input all
 * call this, each with the checks it needs (chk is a constant at every call
 * site, so the unused tests compile away). Returns the first failure, in
 * this order, or TR__IPV4_OK.
 */
enum tr__ipv4_bad {
	TR__IPV4_OK = 0,
	TR__IPV4_SHORT,       /* buffer < 20 bytes */
	TR__IPV4_VERSION,     /* version != 4 (with TR__IPV4_CHK_VERSION) */
	TR__IPV4_IHL,         /* IHL < 5 */
	TR__IPV4_HDR_CUT,     /* header longer than the buffer */
	TR__IPV4_TOTLEN,      /* total length < header length */
	TR__IPV4_TOTLEN_CUT,  /* total length > buffer (unless TR__IPV4_CHK_TRUNC_OK) */
	TR__IPV4_FRAG_END,    /* fragment offset + total length > 65535 (with TR__IPV4_CHK_FRAG):
			       * the reassembled datagram could not be expressed */
};
#define TR__IPV4_CHK_VERSION  0x1u
#define TR__IPV4_CHK_FRAG     0x2u
#define TR__IPV4_CHK_TRUNC_OK 0x4u

static inline enum tr__ipv4_bad tr__ipv4_hdr_bad(const uint8_t *b, size_t len, unsigned chk)
{
	if (len < TR_IPV4_MIN_HDR_LEN)
		return TR__IPV4_SHORT;
	if ((chk & TR__IPV4_CHK_VERSION) && (b[0] >> 4) != 4)
		return TR__IPV4_VERSION;
	unsigned hl = tr__ipv4_ihl_bytes(b);
	if (hl < TR_IPV4_MIN_HDR_LEN)
		return TR__IPV4_IHL;
	if (hl > len)
		return TR__IPV4_HDR_CUT;
	unsigned tl = tr_load_be16(b + TR_IPV4_OFF_TOTLEN);
	if (tl < hl)
		return TR__IPV4_TOTLEN;
	if (tl > len && !(chk & TR__IPV4_CHK_TRUNC_OK))
		return TR__IPV4_TOTLEN_CUT;
	if ((chk & TR__IPV4_CHK_FRAG) &&
	    (uint32_t)(tr_load_be16(b + TR_IPV4_OFF_FRAG) & TR_IPV4_FRAG_MASK) * 8u + tl > 65535u)
		return TR__IPV4_FRAG_END;
	return TR__IPV4_OK;
}

static inline int tr_ipv4_check(const struct tr_ipv4_view *v)
{
	return tr__ipv4_hdr_bad(v->buf, v->len, 0) == TR__IPV4_OK ? 0 : -EMSGSIZE;
}

static inline uint8_t tr_ipv4_version(const struct tr_ipv4_view *v) { return v->buf[0] >> 4; }
static inline unsigned tr_ipv4_hdr_len(const struct tr_ipv4_view *v) { return tr__ipv4_ihl_bytes(v->buf); }
static inline uint8_t tr_ipv4_tos(const struct tr_ipv4_view *v) { return v->buf[TR_IPV4_OFF_TOS]; }
static inline uint16_t tr_ipv4_total_len(const struct tr_ipv4_view *v) { return tr_load_be16(v->buf + TR_IPV4_OFF_TOTLEN); }
static inline uint16_t tr_ipv4_id(const struct tr_ipv4_view *v) { return tr_load_be16(v->buf + TR_IPV4_OFF_ID); }
static inline bool tr_ipv4_df(const struct tr_ipv4_view *v) { return tr_load_be16(v->buf + TR_IPV4_OFF_FRAG) & TR_IPV4_FLAG_DF; }
static inline bool tr_ipv4_mf(const struct tr_ipv4_view *v) { return tr_load_be16(v->buf + TR_IPV4_OFF_FRAG) & TR_IPV4_FLAG_MF; }
/* Fragment offset in bytes. */
static inline uint32_t tr_ipv4_frag_off(const struct tr_ipv4_view *v)
{
	return (uint32_t)(tr_load_be16(v->buf + TR_IPV4_OFF_FRAG) & TR_IPV4_FRAG_MASK) * 8u;
}
static inline uint8_t tr_ipv4_ttl(const struct tr_ipv4_view *v) { return v->buf[TR_IPV4_OFF_TTL]; }
static inline uint8_t tr_ipv4_proto(const struct tr_ipv4_view *v) { return v->buf[TR_IPV4_OFF_PROTO]; }
static inline uint16_t tr_ipv4_csum(const struct tr_ipv4_view *v) { return tr_load_be16(v->buf + TR_IPV4_OFF_CSUM); }
static inline const uint8_t *tr_ipv4_src(const struct tr_ipv4_view *v) { return v->buf + TR_IPV4_OFF_SRC; }
static inline const uint8_t *tr_ipv4_dst(const struct tr_ipv4_view *v) { return v->buf + TR_IPV4_OFF_DST; }
static inline const uint8_t *tr_ipv4_payload(const struct tr_ipv4_view *v) { return v->buf + tr_ipv4_hdr_len(v); }
static inline size_t tr_ipv4_payload_len(const struct tr_ipv4_view *v) { return tr_ipv4_total_len(v) - tr_ipv4_hdr_len(v); }

/* Setters write in place and leave the checksum stale: call
 * tr_ipv4_fill_csum() (or update it incrementally, RFC 1624) afterwards.
 * set_total_len invalidates an earlier tr_ipv4_check(). */
static inline void tr_ipv4_set_tos(struct tr_ipv4_view *v, uint8_t t) { v->buf[TR_IPV4_OFF_TOS] = t; }
static inline void tr_ipv4_set_total_len(struct tr_ipv4_view *v, uint16_t l) { tr_store_be16(v->buf + TR_IPV4_OFF_TOTLEN, l); }
static inline void tr_ipv4_set_id(struct tr_ipv4_view *v, uint16_t id) { tr_store_be16(v->buf + TR_IPV4_OFF_ID, id); }
static inline void tr_ipv4_set_ttl(struct tr_ipv4_view *v, uint8_t t) { v->buf[TR_IPV4_OFF_TTL] = t; }
static inline void tr_ipv4_set_proto(struct tr_ipv4_view *v, uint8_t p) { v->buf[TR_IPV4_OFF_PROTO] = p; }
static inline void tr_ipv4_set_src(struct tr_ipv4_view *v, const uint8_t a[4]) { memcpy(v->buf + TR_IPV4_OFF_SRC, a, 4); }
static inline void tr_ipv4_set_dst(struct tr_ipv4_view *v, const uint8_t a[4]) { memcpy(v->buf + TR_IPV4_OFF_DST, a, 4); }

/* Recompute the header checksum in place (after tr_ipv4_check()). */
TR_API void tr_ipv4_fill_csum(struct tr_ipv4_view *v);
/* True when the header checksum verifies (after tr_ipv4_check()). */
TR_API bool tr_ipv4_csum_ok(const struct tr_ipv4_view *v);

struct tr_ipv4_repr {
	uint8_t src[4];
	uint8_t dst[4];
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	bool df;
	bool mf;
	bool csum_ok;         /* parse: header checksum verified (or skipped, see flags) */
	uint8_t hdr_len;      /* 20..60 (emit: derived from opt_len) */
	uint8_t opt_len;      /* 0..40, multiple of 4 for emit */
	uint16_t id;
	uint16_t frag_off;    /* bytes (multiple of 8) */
	uint16_t total_len;   /* from the header (emit: derived) */
	uint16_t payload_len; /* total_len - hdr_len (emit: caller sets it) */
	uint8_t opts[TR_IPV4_MAX_OPT_LEN];
};

/* Parse flags. */
#define TR_IPV4_PARSE_NO_CSUM   0x1u  /* skip the checksum (csum_ok = true) */
/* Accept a buffer shorter than total_len (a capture cut by its snaplen): only
 * the header must fit. The payload available is then len - hdr_len. */
#define TR_IPV4_PARSE_TRUNC_OK  0x2u

/* True for a fragment that is not the first (L4 header absent). */
static inline bool tr_ipv4_is_later_frag(const struct tr_ipv4_repr *r) { return r->frag_off != 0; }
static inline bool tr_ipv4_is_frag(const struct tr_ipv4_repr *r) { return r->frag_off != 0 || r->mf; }

TR_API int tr_ipv4_parse(const struct tr_ipv4_view *v, struct tr_ipv4_repr *r, unsigned flags,
		  const char **why);

/* hdr_len (20 + opt_len rounded up to 4) + payload_len bytes is the
 * datagram; tr_ipv4_emit writes only the header: returns 20 + opt_len
 * rounded up to a multiple of 4. */
TR_API size_t tr_ipv4_emit_len(const struct tr_ipv4_repr *r);

/* Write exactly tr_ipv4_emit_len(r) header bytes: total_len =
 * emit_len + r->payload_len, options padded with EOL, checksum computed.
 * The payload (written by the caller after the header) is not touched.
 * Returns 0, -ENOSPC, or -EINVAL (opt_len > 40, frag_off not a multiple of 8
 * or too large, total length > 65535). */
TR_API int tr_ipv4_emit(const struct tr_ipv4_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_IPV4_H */
