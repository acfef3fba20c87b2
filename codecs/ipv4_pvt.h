/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 helper shared by tr_ipv4_parse and the decoder's inlined fast path
 * (private, never installed). The header checks they share are
 * tr__ipv4_hdr_bad in tapring/ipv4.h. */
#ifndef TAPRING_CODECS_IPV4_PVT_H
#define TAPRING_CODECS_IPV4_PVT_H

#include <string.h>

#include <tapring/ipv4.h>

/* Internal: the fields of r read straight from the fixed header at b
 * (already checked by tr__ipv4_hdr_bad); frag is the flags + offset word.
 * The caller fills what depends on options and fragments: hdr_len,
 * opt_len, mf, frag_off, payload_len, csum_ok. Inlined: the fast path
 * pays nothing for sharing it. */
static inline void tr__ipv4_repr_fixed(struct tr_ipv4_repr *r, const uint8_t *b, uint16_t frag)
{
	memcpy(r->src, b + TR_IPV4_OFF_SRC, 4);
	memcpy(r->dst, b + TR_IPV4_OFF_DST, 4);
	r->proto = b[TR_IPV4_OFF_PROTO];
	r->ttl = b[TR_IPV4_OFF_TTL];
	r->tos = b[TR_IPV4_OFF_TOS];
	r->df = (frag & TR_IPV4_FLAG_DF) != 0;
	r->id = tr_load_be16(b + TR_IPV4_OFF_ID);
	r->total_len = tr_load_be16(b + TR_IPV4_OFF_TOTLEN);
}

#endif /* TAPRING_CODECS_IPV4_PVT_H */
