/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv6 codec (RFC 4443) with Neighbor Discovery (RFC 4861): echo, error
 * messages (the invoking packet as a view), RS/RA/NS/NA/redirect with their
 * options (source/target link-layer address, prefix information, MTU).
 * The checksum always covers the IPv6 pseudo-header, so parse and emit take
 * the addresses (struct tr_l4_pseudo, family 6). Error conventions: see
 * udp.h (0 / -EINVAL / -EBADMSG, `why` strings).
 */
#ifndef TAPRING_ICMPV6_H
#define TAPRING_ICMPV6_H

#include <tapring/api.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/udp.h>          /* struct tr_l4_pseudo, TR_L4_NO_CKSUM */
#include <tapring/wire/icmp6.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TR_IPPROTO_ICMPV6 58

struct tr_icmpv6_view {
	uint8_t *buf;
	size_t len;
};

static inline struct tr_icmpv6_view tr_icmpv6_view_ro(const uint8_t *buf, size_t len)
{
	struct tr_icmpv6_view v = { (uint8_t *)(uintptr_t)buf, len };
	return v;
}

/* Make every getter safe: len >= 8. (Message-specific fixed parts such as
 * the NS target are checked by tr_icmpv6_parse().) */
TR_API int tr_icmpv6_check(const struct tr_icmpv6_view *v, const char **why);

static inline uint8_t tr_icmpv6_type(const struct tr_icmpv6_view *v)   { return v->buf[TR_ICMP6_OFF_TYPE]; }
static inline uint8_t tr_icmpv6_code(const struct tr_icmpv6_view *v)   { return v->buf[TR_ICMP6_OFF_CODE]; }
static inline uint16_t tr_icmpv6_cksum(const struct tr_icmpv6_view *v) { return tr_load_be16(v->buf + TR_ICMP6_OFF_CKSUM); }
static inline uint16_t tr_icmpv6_echo_id(const struct tr_icmpv6_view *v)  { return tr_load_be16(v->buf + TR_ICMP6_OFF_ID); }
static inline uint16_t tr_icmpv6_echo_seq(const struct tr_icmpv6_view *v) { return tr_load_be16(v->buf + TR_ICMP6_OFF_SEQ); }
static inline uint32_t tr_icmpv6_rest(const struct tr_icmpv6_view *v)  { return tr_load_be32(v->buf + 4); }

static inline void tr_icmpv6_set_type(struct tr_icmpv6_view *v, uint8_t t)   { v->buf[TR_ICMP6_OFF_TYPE] = t; }
static inline void tr_icmpv6_set_code(struct tr_icmpv6_view *v, uint8_t c)   { v->buf[TR_ICMP6_OFF_CODE] = c; }
static inline void tr_icmpv6_set_cksum(struct tr_icmpv6_view *v, uint16_t c) { tr_store_be16(v->buf + TR_ICMP6_OFF_CKSUM, c); }

/* Checksum (pseudo-header + len bytes, checksum field taken as zero), as
 * stored in the header (memory order). ph->family must be 6. */
TR_API uint16_t tr_icmpv6_compute_cksum(const struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph);
TR_API void tr_icmpv6_fill_cksum(struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph);

/* ---- ND options ---------------------------------------------------------- */

/* One raw option, as returned by the iterator. */
struct tr_nd_opt {
	uint8_t type;
	uint8_t len8;            /* length in units of 8 bytes (>= 1) */
	const uint8_t *data;     /* the whole option including type/len */
	size_t len;              /* len8 * 8 */
};

/*
 * Iterate over an options region (buf, len) from *off. Returns 1 and fills o
 * (advancing *off), 0 at the end, -EINVAL for a zero length or an option
 * running past the region ("icmp6: nd option length 0").
 */
TR_API int tr_nd_opt_next(const uint8_t *buf, size_t len, size_t *off, struct tr_nd_opt *o,
		   const char **why);

#define TR_ND_PREFIX_MAX 4

struct tr_nd_prefix {
	uint8_t prefix_len;
	uint8_t flags;           /* TR_ND_PREFIX_F_ONLINK | _AUTO */
	uint32_t valid_lifetime;
	uint32_t preferred_lifetime;
	uint8_t prefix[16];
};

/* Parsed ND options. present bits: */
#define TR_ND_HAS_SLLA   0x01u
#define TR_ND_HAS_TLLA   0x02u
#define TR_ND_HAS_MTU    0x04u
#define TR_ND_HAS_PREFIX 0x08u

struct tr_nd_opts {
	uint8_t present;
	uint8_t slla[6];
	uint8_t tlla[6];
	uint8_t prefix_count;    /* stored prefixes, <= TR_ND_PREFIX_MAX */
	uint8_t prefix_dropped;  /* parse: prefixes beyond the array */
	uint8_t unknown_count;   /* parse: options skipped (unknown / redirected header) */
	uint32_t mtu;
	struct tr_nd_prefix prefix[TR_ND_PREFIX_MAX];
};

/* Parse an options region into o (wrong-length SLLA/TLLA (!= 8 bytes for
 * Ethernet), prefix (!= 32) and MTU (!= 8) are errors). */
TR_API int tr_nd_opts_parse(const uint8_t *buf, size_t len, struct tr_nd_opts *o,
		     const char **why);

/* Bytes tr_icmpv6_emit() writes for the options in o. */
TR_API size_t tr_nd_opts_emit_len(const struct tr_nd_opts *o);

/* ---- repr ---------------------------------------------------------------- */

struct tr_icmpv6_repr {
	uint8_t type;
	uint8_t code;
	union {
		struct { uint16_t id, seq; } echo;  /* echo request/reply */
		uint32_t mtu;                       /* packet too big */
		uint32_t pointer;                   /* parameter problem */
		struct {
			uint8_t hop_limit;
			uint8_t flags;              /* TR_ICMP6_RA_F_* */
			uint16_t router_lifetime;
			uint32_t reachable_time;
			uint32_t retrans_timer;
		} ra;
		struct {
			uint8_t flags;              /* NA: TR_ICMP6_NA_F_*; NS: 0 */
			uint8_t target[16];
		} nd;                               /* NS and NA */
		struct {
			uint8_t target[16];
			uint8_t dst[16];
		} redirect;
		uint32_t rest;                      /* other types: bytes 4..7 */
	} u;
	struct tr_nd_opts opts;  /* RS/RA/NS/NA/redirect */
	/*
	 * Echo: payload. Errors: the invoking packet (as much as fits). ND:
	 * unused on parse (options are in opts); emit ignores it for ND.
	 * Other types: bytes after the 8-byte header. Emit copies from here
	 * unless data == buf + 8.
	 */
	const uint8_t *data;
	size_t data_len;
};

/*
 * Check, parse, verify the checksum (ph: family 6; may be NULL only with
 * TR_L4_NO_CKSUM). ND messages: code must be 0, fixed part present, options
 * valid. Returns 0, -EINVAL, or -EBADMSG (bad checksum, repr filled).
 */
TR_API int tr_icmpv6_parse(const struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph,
		    struct tr_icmpv6_repr *r, unsigned flags, const char **why);

/* Fixed part for the type + options (ND) or + data_len (others). */
TR_API size_t tr_icmpv6_emit_len(const struct tr_icmpv6_repr *r);

/* Write exactly tr_icmpv6_emit_len(r) bytes and the checksum (ph family 6,
 * required). Options are emitted in the order SLLA, TLLA, MTU, prefixes.
 * Returns 0, -ENOSPC or -EINVAL (ph missing / not IPv6). */
TR_API int tr_icmpv6_emit(const struct tr_icmpv6_repr *r, const struct tr_l4_pseudo *ph,
		   uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ICMPV6_H */
