/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP codec (RFC 768) over IPv4 and IPv6: view, repr, parse, emit.
 *
 * Also defines the pieces every L4 codec of this family shares:
 *   struct tr_l4_pseudo  the IP addresses for the pseudo-header checksum
 *   TR_L4_NO_CKSUM       parse flag: skip checksum verification
 *
 * Error reporting (all tr_udp/tcp/icmpv4/icmpv6/dns parse functions): return
 * 0 or a negative errno; when `why` is not NULL it receives a static string
 * naming the layer ("udp: length 6 < 8"). -EBADMSG is reserved for "the
 * checksum is wrong": the repr is then completely filled, so a dumper can
 * print the packet and flag the checksum. Every other error leaves the repr
 * unspecified.
 */
#ifndef TAPRING_UDP_H
#define TAPRING_UDP_H

#include <tapring/api.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/checksum.h>
#include <tapring/wire/common.h>
#include <tapring/wire/udp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shared L4 bits (identical in tcp.h / icmpv6.h via this header) ----- */

/* Parse flag: do not verify the checksum (e.g. offloaded or already done). */
#define TR_L4_NO_CKSUM 0x1u

/*
 * Source and destination addresses for the pseudo-header. family is 4 or 6;
 * src/dst point at 4 or 16 raw network-order bytes (usually straight into
 * the IP header of the same frame: nothing is copied).
 */
struct tr_l4_pseudo {
	uint8_t family;          /* 4 or 6 */
	const uint8_t *src;
	const uint8_t *dst;
};

/* Partial pseudo-header sum for protocol proto and upper-layer length l4len
 * (feed it to tr_cksum_add()). A family other than 4/6 yields 0. */
static inline uint32_t tr_l4_pseudo_sum(const struct tr_l4_pseudo *ph, uint8_t proto,
					uint32_t l4len)
{
	if (ph->family == 4)
		return tr_cksum_pseudo_ipv4(ph->src, ph->dst, proto, l4len);
	if (ph->family == 6)
		return tr_cksum_pseudo_ipv6(ph->src, ph->dst, proto, l4len);
	return 0;
}

/* ---- view ---------------------------------------------------------------- */

/* A UDP datagram in place: buf points at the UDP header, len is the number
 * of bytes available (IP payload length, i.e. already cut at the IP total
 * length). Nothing is copied. */
struct tr_udp_view {
	uint8_t *buf;
	size_t len;
};

/* Build a view over read-only bytes. Only the getters may then be used. */
static inline struct tr_udp_view tr_udp_view_ro(const uint8_t *buf, size_t len)
{
	struct tr_udp_view v = { (uint8_t *)(uintptr_t)buf, len };
	return v;
}

/*
 * Make every getter safe: len >= 8 and 8 <= length field <= len. After this
 * tr_udp_payload_len() is the length field minus 8 (bytes beyond the length
 * field, e.g. padding, are ignored). Setting the length field with
 * tr_udp_set_len() invalidates this check.
 */
TR_API int tr_udp_check(const struct tr_udp_view *v, const char **why);

static inline uint16_t tr_udp_src_port(const struct tr_udp_view *v) { return tr_load_be16(v->buf + TR_UDP_OFF_SPORT); }
static inline uint16_t tr_udp_dst_port(const struct tr_udp_view *v) { return tr_load_be16(v->buf + TR_UDP_OFF_DPORT); }
static inline uint16_t tr_udp_len(const struct tr_udp_view *v)      { return tr_load_be16(v->buf + TR_UDP_OFF_LEN); }
static inline uint16_t tr_udp_cksum(const struct tr_udp_view *v)    { return tr_load_be16(v->buf + TR_UDP_OFF_CKSUM); }
static inline uint8_t *tr_udp_payload(const struct tr_udp_view *v)  { return v->buf + TR_UDP_HDR_LEN; }
static inline size_t tr_udp_payload_len(const struct tr_udp_view *v) { return (size_t)tr_udp_len(v) - TR_UDP_HDR_LEN; }

static inline void tr_udp_set_src_port(struct tr_udp_view *v, uint16_t p) { tr_store_be16(v->buf + TR_UDP_OFF_SPORT, p); }
static inline void tr_udp_set_dst_port(struct tr_udp_view *v, uint16_t p) { tr_store_be16(v->buf + TR_UDP_OFF_DPORT, p); }
static inline void tr_udp_set_len(struct tr_udp_view *v, uint16_t l)      { tr_store_be16(v->buf + TR_UDP_OFF_LEN, l); }
static inline void tr_udp_set_cksum(struct tr_udp_view *v, uint16_t c)    { tr_store_be16(v->buf + TR_UDP_OFF_CKSUM, c); }

/*
 * Checksum of the datagram (length field bytes) with the pseudo-header, as
 * stored in the header (memory order, see checksum.h). Over IPv4 a computed
 * 0 is returned as 0xffff (RFC 768). Call after tr_udp_check().
 */
TR_API uint16_t tr_udp_compute_cksum(const struct tr_udp_view *v, const struct tr_l4_pseudo *ph);

/* ---- repr ---------------------------------------------------------------- */

struct tr_udp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	/* Parse: points into the view (length-field bytes). Emit: source of the
	 * payload; if it already sits at buf + 8 nothing is copied. */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t cksum_present;   /* parse: 0 when IPv4 checksum field is 0 */
};

/*
 * Check and parse. ph may be NULL only with TR_L4_NO_CKSUM. Over IPv6 a zero
 * checksum is an error ("udp: zero checksum over ipv6", RFC 8200 §8.1).
 * Returns 0, -EINVAL (malformed/truncated), or -EBADMSG (bad checksum, repr
 * filled).
 */
TR_API int tr_udp_parse(const struct tr_udp_view *v, const struct tr_l4_pseudo *ph,
		 struct tr_udp_repr *r, unsigned flags, const char **why);

/* 8 + payload_len. */
static inline size_t tr_udp_emit_len(const struct tr_udp_repr *r)
{
	return TR_UDP_HDR_LEN + r->payload_len;
}

/*
 * Write exactly tr_udp_emit_len(r) bytes at buf (len must be >= that, else
 * -ENOSPC; payload_len > 65527 gives -EMSGSIZE). Copies the payload unless
 * r->payload == buf + 8 (or payload_len is 0). ph != NULL: the checksum is
 * computed; ph == NULL: checksum field 0 (only valid over IPv4). Returns 0.
 */
TR_API int tr_udp_emit(const struct tr_udp_repr *r, const struct tr_l4_pseudo *ph,
		uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_UDP_H */
