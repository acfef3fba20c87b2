/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv4 wire layout (RFC 792). Offsets, types and codes only; no logic.
 */
#ifndef TAPRING_WIRE_ICMP_H
#define TAPRING_WIRE_ICMP_H

#include <tapring/wire/common.h>

/* Fixed 8-byte header: type, code, checksum, then 4 type-specific bytes. */
struct tr_icmp_hdr {
	uint8_t type;
	uint8_t code;
	tr_be16 cksum;
	tr_be32 rest;     /* echo: id(16) seq(16); unreach: unused(16) mtu(16) */
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_icmp_hdr) == 8, "icmp header is 8 bytes");

#define TR_ICMP_HDR_LEN      8u
#define TR_ICMP_OFF_TYPE     0u
#define TR_ICMP_OFF_CODE     1u
#define TR_ICMP_OFF_CKSUM    2u
#define TR_ICMP_OFF_ID       4u   /* echo, timestamp, info */
#define TR_ICMP_OFF_SEQ      6u
#define TR_ICMP_OFF_MTU      6u   /* dest unreachable code 4 (RFC 1191) */
#define TR_ICMP_OFF_GATEWAY  4u   /* redirect */
#define TR_ICMP_OFF_POINTER  4u   /* parameter problem */

/* Types (IANA icmp-parameters). */
#define TR_ICMP_ECHO_REPLY        0
#define TR_ICMP_DEST_UNREACH      3
#define TR_ICMP_SOURCE_QUENCH     4
#define TR_ICMP_REDIRECT          5
#define TR_ICMP_ECHO_REQUEST      8
#define TR_ICMP_ROUTER_ADVERT     9
#define TR_ICMP_ROUTER_SOLICIT    10
#define TR_ICMP_TIME_EXCEEDED     11
#define TR_ICMP_PARAM_PROBLEM     12
#define TR_ICMP_TIMESTAMP         13
#define TR_ICMP_TIMESTAMP_REPLY   14

/* Destination unreachable codes. */
#define TR_ICMP_UNREACH_NET       0
#define TR_ICMP_UNREACH_HOST      1
#define TR_ICMP_UNREACH_PROTO     2
#define TR_ICMP_UNREACH_PORT      3
#define TR_ICMP_UNREACH_FRAG      4   /* fragmentation needed, DF set */
#define TR_ICMP_UNREACH_ADMIN     13

/* Time exceeded codes. */
#define TR_ICMP_TIMXCEED_TTL      0
#define TR_ICMP_TIMXCEED_REASS    1

#endif /* TAPRING_WIRE_ICMP_H */
