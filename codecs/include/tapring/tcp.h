/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP segment codec (RFC 9293) over IPv4 and IPv6: view, repr with parsed
 * options (MSS, window scale, SACK-permitted, SACK blocks, timestamps),
 * parse and emit. Error and checksum conventions: see udp.h.
 */
#ifndef TAPRING_TCP_H
#define TAPRING_TCP_H

#include <tapring/api.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/udp.h>          /* struct tr_l4_pseudo, TR_L4_NO_CKSUM */
#include <tapring/wire/tcp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- view ---------------------------------------------------------------- */

/* A TCP segment in place: buf at the TCP header, len = IP payload length. */
struct tr_tcp_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_tcp_view tr_tcp_view_ro(const uint8_t *buf, size_t len)
{
	struct tr_tcp_view v = { (uint8_t *)(uintptr_t)buf, len };
	return v;
}

/*
 * Make every getter safe: len >= 20, data offset >= 5 and header length
 * <= len. tr_tcp_set_doff() invalidates it.
 */
TR_API int tr_tcp_check(const struct tr_tcp_view *v, const char **why);

static inline uint16_t tr_tcp_src_port(const struct tr_tcp_view *v) { return tr_load_be16(v->buf + TR_TCP_OFF_SPORT); }
static inline uint16_t tr_tcp_dst_port(const struct tr_tcp_view *v) { return tr_load_be16(v->buf + TR_TCP_OFF_DPORT); }
static inline uint32_t tr_tcp_seq(const struct tr_tcp_view *v)      { return tr_load_be32(v->buf + TR_TCP_OFF_SEQ); }
static inline uint32_t tr_tcp_ack(const struct tr_tcp_view *v)      { return tr_load_be32(v->buf + TR_TCP_OFF_ACK); }
/* Header length in bytes (data offset * 4). */
static inline size_t tr_tcp_hdr_len(const struct tr_tcp_view *v)    { return (size_t)(v->buf[TR_TCP_OFF_DOFF] >> TR_TCP_DOFF_SHIFT) * 4u; }
/* 9-bit flags, TR_TCP_FIN .. TR_TCP_NS. */
static inline uint16_t tr_tcp_flags(const struct tr_tcp_view *v)
{
	return (uint16_t)(v->buf[TR_TCP_OFF_FLAGS] | ((v->buf[TR_TCP_OFF_DOFF] & TR_TCP_NS_BIT) << 8));
}
static inline uint16_t tr_tcp_window(const struct tr_tcp_view *v)   { return tr_load_be16(v->buf + TR_TCP_OFF_WINDOW); }
static inline uint16_t tr_tcp_cksum(const struct tr_tcp_view *v)    { return tr_load_be16(v->buf + TR_TCP_OFF_CKSUM); }
static inline uint16_t tr_tcp_urgent(const struct tr_tcp_view *v)   { return tr_load_be16(v->buf + TR_TCP_OFF_URGENT); }
static inline uint8_t *tr_tcp_options(const struct tr_tcp_view *v)  { return v->buf + TR_TCP_HDR_LEN; }
static inline size_t tr_tcp_options_len(const struct tr_tcp_view *v) { return tr_tcp_hdr_len(v) - TR_TCP_HDR_LEN; }
static inline uint8_t *tr_tcp_payload(const struct tr_tcp_view *v)  { return v->buf + tr_tcp_hdr_len(v); }
static inline size_t tr_tcp_payload_len(const struct tr_tcp_view *v) { return v->len - tr_tcp_hdr_len(v); }

static inline void tr_tcp_set_src_port(struct tr_tcp_view *v, uint16_t p) { tr_store_be16(v->buf + TR_TCP_OFF_SPORT, p); }
static inline void tr_tcp_set_dst_port(struct tr_tcp_view *v, uint16_t p) { tr_store_be16(v->buf + TR_TCP_OFF_DPORT, p); }
static inline void tr_tcp_set_seq(struct tr_tcp_view *v, uint32_t s)      { tr_store_be32(v->buf + TR_TCP_OFF_SEQ, s); }
static inline void tr_tcp_set_ack(struct tr_tcp_view *v, uint32_t a)      { tr_store_be32(v->buf + TR_TCP_OFF_ACK, a); }
static inline void tr_tcp_set_window(struct tr_tcp_view *v, uint16_t w)   { tr_store_be16(v->buf + TR_TCP_OFF_WINDOW, w); }
static inline void tr_tcp_set_cksum(struct tr_tcp_view *v, uint16_t c)    { tr_store_be16(v->buf + TR_TCP_OFF_CKSUM, c); }
static inline void tr_tcp_set_urgent(struct tr_tcp_view *v, uint16_t u)   { tr_store_be16(v->buf + TR_TCP_OFF_URGENT, u); }
static inline void tr_tcp_set_flags(struct tr_tcp_view *v, uint16_t f)
{
	v->buf[TR_TCP_OFF_FLAGS] = (uint8_t)f;
	v->buf[TR_TCP_OFF_DOFF] = (uint8_t)((v->buf[TR_TCP_OFF_DOFF] & ~TR_TCP_NS_BIT) | ((f >> 8) & 1u));
}
/* Invalidates tr_tcp_check(). words is 5..15. */
static inline void tr_tcp_set_doff(struct tr_tcp_view *v, unsigned words)
{
	v->buf[TR_TCP_OFF_DOFF] = (uint8_t)((v->buf[TR_TCP_OFF_DOFF] & 0x0fu) | (words << TR_TCP_DOFF_SHIFT));
}

/* Checksum over the whole segment (len bytes) with the pseudo-header, as
 * stored in the header (memory order). Call after tr_tcp_check(). */
TR_API uint16_t tr_tcp_compute_cksum(const struct tr_tcp_view *v, const struct tr_l4_pseudo *ph);

/* ---- options ------------------------------------------------------------- */

#define TR_TCP_SACK_MAX 4

/* Which options a repr carries (bits of tr_tcp_opts.present). */
#define TR_TCP_HAS_MSS       0x01u
#define TR_TCP_HAS_WSCALE    0x02u
#define TR_TCP_HAS_SACK_PERM 0x04u
#define TR_TCP_HAS_SACK      0x08u
#define TR_TCP_HAS_TS        0x10u

struct tr_tcp_sack_block {
	uint32_t left;
	uint32_t right;
};

struct tr_tcp_opts {
	uint8_t present;         /* TR_TCP_HAS_* */
	uint8_t wscale;
	uint16_t mss;
	uint8_t sack_count;      /* 0..4 */
	uint8_t unknown_count;   /* parse: options of unknown kind skipped */
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct tr_tcp_sack_block sack[TR_TCP_SACK_MAX];
};

/*
 * Walk an options region (len bytes, e.g. tr_tcp_options()). EOL ends the
 * walk, NOP is skipped, known kinds must have their exact length (SACK:
 * 2 + 8n with 1 <= n <= 4), unknown kinds are skipped by their length
 * (>= 2). A length running past the region is an error. Returns 0 or
 * -EINVAL with why ("tcp: option 2 length 3 != 4").
 */
TR_API int tr_tcp_opts_parse(const uint8_t *opt, size_t len, struct tr_tcp_opts *o,
		      const char **why);

/* Bytes tr_tcp_emit() writes for the options in o: NOP-aligned 32-bit
 * groups in Linux's layout (MSS; SACK-perm+TS; NOP+wscale; NOP NOP+SACK).
 * Over 40 means the repr cannot be emitted (tr_tcp_emit: -EINVAL). */
TR_API size_t tr_tcp_opts_emit_len(const struct tr_tcp_opts *o);

/* ---- repr ---------------------------------------------------------------- */

struct tr_tcp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint16_t flags;          /* TR_TCP_* 9 bits */
	uint16_t window;
	uint16_t urgent;
	struct tr_tcp_opts opts;
	/* Parse: points into the view. Emit: copied unless already at the
	 * payload position. */
	const uint8_t *payload;
	size_t payload_len;
};

/* Check, parse options, verify the checksum (unless TR_L4_NO_CKSUM).
 * Returns 0, -EINVAL, or -EBADMSG (bad checksum, repr filled). */
TR_API int tr_tcp_parse(const struct tr_tcp_view *v, const struct tr_l4_pseudo *ph,
		 struct tr_tcp_repr *r, unsigned flags, const char **why);

/* 20 + padded options + payload_len. */
TR_API size_t tr_tcp_emit_len(const struct tr_tcp_repr *r);

/*
 * Write exactly tr_tcp_emit_len(r) bytes: header, options (layout above;
 * a Linux SYN's options come out byte-identical), payload (copied
 * unless already in place), checksum when ph != NULL (else 0). Returns 0,
 * -ENOSPC (len too small) or -EINVAL (options over 40 bytes, sack_count > 4).
 */
TR_API int tr_tcp_emit(const struct tr_tcp_repr *r, const struct tr_l4_pseudo *ph,
		uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_TCP_H */
