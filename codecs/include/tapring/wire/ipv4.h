/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 header wire layout (RFC 791). Offsets, masks and constants only.
 */
#ifndef TAPRING_WIRE_IPV4_H
#define TAPRING_WIRE_IPV4_H

#include <tapring/wire/common.h>

#define TR_IPV4_MIN_HDR_LEN   20
#define TR_IPV4_MAX_HDR_LEN   60
#define TR_IPV4_MAX_OPT_LEN   40
#define TR_IPV4_OFF_VER_IHL   0
#define TR_IPV4_OFF_TOS       1
#define TR_IPV4_OFF_TOTLEN    2
#define TR_IPV4_OFF_ID        4
#define TR_IPV4_OFF_FRAG      6
#define TR_IPV4_OFF_TTL       8
#define TR_IPV4_OFF_PROTO     9
#define TR_IPV4_OFF_CSUM      10
#define TR_IPV4_OFF_SRC       12
#define TR_IPV4_OFF_DST       16
#define TR_IPV4_OFF_OPTS      20

#define TR_IPV4_FLAG_RF       0x8000u   /* reserved, must be zero */
#define TR_IPV4_FLAG_DF       0x4000u
#define TR_IPV4_FLAG_MF       0x2000u
#define TR_IPV4_FRAG_MASK     0x1fffu   /* offset in 8-byte units */

#define TR_IPV4_OPT_EOL       0
#define TR_IPV4_OPT_NOP       1

#define TR_IPPROTO_HOPOPTS    0
#define TR_IPPROTO_ICMP       1
#define TR_IPPROTO_TCP        6
#define TR_IPPROTO_UDP        17
#define TR_IPPROTO_ROUTING    43
#define TR_IPPROTO_FRAGMENT   44
#define TR_IPPROTO_AH         51
#define TR_IPPROTO_ICMPV6     58
#define TR_IPPROTO_NONE       59
#define TR_IPPROTO_DSTOPTS    60

struct tr_ipv4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	tr_be16 total_len;
	tr_be16 id;
	tr_be16 frag;
	uint8_t ttl;
	uint8_t proto;
	tr_be16 csum;
	uint8_t src[4];
	uint8_t dst[4];
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_ipv4_hdr) == TR_IPV4_MIN_HDR_LEN, "IPv4 header is 20 bytes");

#endif /* TAPRING_WIRE_IPV4_H */
