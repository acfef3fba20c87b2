/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 fixed header and extension header layouts (RFC 8200, RFC 4302 for AH).
 * Offsets, masks and constants only.
 */
#ifndef TAPRING_WIRE_IPV6_H
#define TAPRING_WIRE_IPV6_H

#include <tapring/wire/common.h>
#include <tapring/wire/ipv4.h>   /* TR_IPPROTO_* numbers are shared */

#define TR_IPV6_HDR_LEN       40
#define TR_IPV6_OFF_VTF       0    /* version 4 | traffic class 8 | flow 20 */
#define TR_IPV6_OFF_PLEN      4
#define TR_IPV6_OFF_NEXT      6
#define TR_IPV6_OFF_HOPLIM    7
#define TR_IPV6_OFF_SRC       8
#define TR_IPV6_OFF_DST       24

/* Generic extension header: next header, then length in 8-octet units not
 * counting the first 8 (hop-by-hop, routing, destination options). AH counts
 * 4-octet units minus 2 (RFC 4302 §2.2). The fragment header is always 8. */
#define TR_IPV6_EXT_OFF_NEXT  0
#define TR_IPV6_EXT_OFF_LEN   1
#define TR_IPV6_EXT_MIN_LEN   8

#define TR_IPV6_FRAG_LEN      8
#define TR_IPV6_FRAG_OFF_OFFM 2    /* offset 13 bits | res 2 | M 1 */
#define TR_IPV6_FRAG_OFF_ID   4
#define TR_IPV6_FRAG_OFF_MASK 0xfff8u
#define TR_IPV6_FRAG_M        0x0001u

struct tr_ipv6_hdr {
	tr_be32 vtf;
	tr_be16 payload_len;
	uint8_t next;
	uint8_t hop_limit;
	uint8_t src[16];
	uint8_t dst[16];
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_ipv6_hdr) == TR_IPV6_HDR_LEN, "IPv6 header is 40 bytes");

struct tr_ipv6_frag_hdr {
	uint8_t next;
	uint8_t reserved;
	tr_be16 offm;
	tr_be32 id;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_ipv6_frag_hdr) == TR_IPV6_FRAG_LEN, "IPv6 fragment header is 8 bytes");

#endif /* TAPRING_WIRE_IPV6_H */
