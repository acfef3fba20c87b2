/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv4 codec (RFC 792): view, repr, parse, emit. Echo request/reply carry
 * id/seq/payload; destination unreachable, time exceeded, source quench,
 * redirect and parameter problem expose the embedded original IPv4 header +
 * leading bytes as a view (r->data); other types are kept by type/code with
 * the 4 "rest of header" bytes and the body as raw data.
 * Error conventions: see udp.h (0 / -EINVAL / -EBADMSG, `why` strings).
 */
#ifndef TAPRING_ICMPV4_H
#define TAPRING_ICMPV4_H

#include <tapring/api.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/checksum.h>
#include <tapring/wire/common.h>
#include <tapring/wire/icmp.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TR_L4_NO_CKSUM
#define TR_L4_NO_CKSUM 0x1u   /* same value as in udp.h */
#endif

/* An ICMP message in place: buf at the ICMP header, len = IP payload length. */
struct tr_icmpv4_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_icmpv4_view tr_icmpv4_view_ro(const uint8_t *buf, size_t len)
{
	struct tr_icmpv4_view v = { (uint8_t *)(uintptr_t)buf, len };
	return v;
}

/* Make every getter safe: len >= 8. */
TR_API int tr_icmpv4_check(const struct tr_icmpv4_view *v, const char **why);

static inline uint8_t tr_icmpv4_type(const struct tr_icmpv4_view *v)   { return v->buf[TR_ICMP_OFF_TYPE]; }
static inline uint8_t tr_icmpv4_code(const struct tr_icmpv4_view *v)   { return v->buf[TR_ICMP_OFF_CODE]; }
static inline uint16_t tr_icmpv4_cksum(const struct tr_icmpv4_view *v) { return tr_load_be16(v->buf + TR_ICMP_OFF_CKSUM); }
static inline uint16_t tr_icmpv4_echo_id(const struct tr_icmpv4_view *v)  { return tr_load_be16(v->buf + TR_ICMP_OFF_ID); }
static inline uint16_t tr_icmpv4_echo_seq(const struct tr_icmpv4_view *v) { return tr_load_be16(v->buf + TR_ICMP_OFF_SEQ); }
static inline uint32_t tr_icmpv4_rest(const struct tr_icmpv4_view *v)  { return tr_load_be32(v->buf + 4); }
static inline uint8_t *tr_icmpv4_data(const struct tr_icmpv4_view *v)  { return v->buf + TR_ICMP_HDR_LEN; }
static inline size_t tr_icmpv4_data_len(const struct tr_icmpv4_view *v) { return v->len - TR_ICMP_HDR_LEN; }

static inline void tr_icmpv4_set_type(struct tr_icmpv4_view *v, uint8_t t)   { v->buf[TR_ICMP_OFF_TYPE] = t; }
static inline void tr_icmpv4_set_code(struct tr_icmpv4_view *v, uint8_t c)   { v->buf[TR_ICMP_OFF_CODE] = c; }
static inline void tr_icmpv4_set_cksum(struct tr_icmpv4_view *v, uint16_t c) { tr_store_be16(v->buf + TR_ICMP_OFF_CKSUM, c); }
static inline void tr_icmpv4_set_echo_id(struct tr_icmpv4_view *v, uint16_t i)  { tr_store_be16(v->buf + TR_ICMP_OFF_ID, i); }
static inline void tr_icmpv4_set_echo_seq(struct tr_icmpv4_view *v, uint16_t s) { tr_store_be16(v->buf + TR_ICMP_OFF_SEQ, s); }

/* Checksum over the whole message (len bytes) with the checksum field taken
 * as zero, as stored in the header (memory order). */
TR_API uint16_t tr_icmpv4_compute_cksum(const struct tr_icmpv4_view *v);
/* Recompute and store the checksum in place. */
TR_API void tr_icmpv4_fill_cksum(struct tr_icmpv4_view *v);
/* Nonzero when the stored checksum is correct. */
TR_API int tr_icmpv4_cksum_ok(const struct tr_icmpv4_view *v);

/* True for the error types that embed the original datagram. */
static inline int tr_icmpv4_is_error(uint8_t type)
{
	return type == TR_ICMP_DEST_UNREACH || type == TR_ICMP_SOURCE_QUENCH ||
	       type == TR_ICMP_REDIRECT || type == TR_ICMP_TIME_EXCEEDED ||
	       type == TR_ICMP_PARAM_PROBLEM;
}

struct tr_icmpv4_repr {
	uint8_t type;
	uint8_t code;
	union {
		struct { uint16_t id, seq; } echo;  /* echo request/reply, timestamp */
		uint16_t mtu;                       /* dest unreach code 4 (0 if unset) */
		uint32_t gateway;                   /* redirect: host order a.b.c.d */
		uint8_t pointer;                    /* parameter problem */
		uint32_t rest;                      /* any type: raw bytes 4..7 */
	} u;
	/*
	 * Echo: the payload. Error types: the embedded original IPv4 header plus
	 * leading payload bytes (RFC 792: header + 64 bits; Linux sends more).
	 * Parse checks it holds at least a 20-byte IPv4 header with version 4
	 * ("icmp: embedded ip header truncated"); orig_ip_hlen is its IHL*4 and
	 * data + orig_ip_hlen the first original payload bytes
	 * (data_len - orig_ip_hlen of them, usually 8: ports for UDP/TCP).
	 * Other types: the body after the 8-byte header. Emit copies from here
	 * unless data == buf + 8.
	 */
	const uint8_t *data;
	size_t data_len;
	uint8_t orig_ip_hlen;    /* parse, error types only */
};

/* Returns 0, -EINVAL, or -EBADMSG (bad checksum, repr filled). */
TR_API int tr_icmpv4_parse(const struct tr_icmpv4_view *v, struct tr_icmpv4_repr *r,
		    unsigned flags, const char **why);

static inline size_t tr_icmpv4_emit_len(const struct tr_icmpv4_repr *r)
{
	return TR_ICMP_HDR_LEN + r->data_len;
}

/*
 * Write exactly tr_icmpv4_emit_len(r) bytes and the checksum. The 4 bytes
 * after the checksum come from u.echo for echo/timestamp types, from u.mtu
 * for unreachable (zero upper half), u.gateway for redirect, u.pointer for
 * parameter problem (then 3 zero bytes), else u.rest. Returns 0 or -ENOSPC.
 */
TR_API int tr_icmpv4_emit(const struct tr_icmpv4_repr *r, uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ICMPV4_H */
