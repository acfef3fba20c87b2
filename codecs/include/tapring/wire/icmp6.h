/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861) wire layout.
 * Offsets, types, option numbers; no logic.
 */
#ifndef TAPRING_WIRE_ICMP6_H
#define TAPRING_WIRE_ICMP6_H

#include <tapring/wire/common.h>

struct tr_icmp6_hdr {
	uint8_t type;
	uint8_t code;
	tr_be16 cksum;
	tr_be32 rest;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_icmp6_hdr) == 8, "icmp6 header is 8 bytes");

#define TR_ICMP6_HDR_LEN       8u
#define TR_ICMP6_OFF_TYPE      0u
#define TR_ICMP6_OFF_CODE      1u
#define TR_ICMP6_OFF_CKSUM     2u
#define TR_ICMP6_OFF_ID        4u
#define TR_ICMP6_OFF_SEQ       6u
#define TR_ICMP6_OFF_MTU       4u    /* packet too big */
#define TR_ICMP6_OFF_POINTER   4u    /* parameter problem */

/* Error types (< 128) and informational types. */
#define TR_ICMP6_DEST_UNREACH   1
#define TR_ICMP6_PACKET_TOO_BIG 2
#define TR_ICMP6_TIME_EXCEEDED  3
#define TR_ICMP6_PARAM_PROBLEM  4
#define TR_ICMP6_ECHO_REQUEST   128
#define TR_ICMP6_ECHO_REPLY     129
#define TR_ICMP6_ROUTER_SOLICIT 133
#define TR_ICMP6_ROUTER_ADVERT  134
#define TR_ICMP6_NEIGH_SOLICIT  135
#define TR_ICMP6_NEIGH_ADVERT   136
#define TR_ICMP6_REDIRECT       137

/* Destination unreachable codes. */
#define TR_ICMP6_UNREACH_NOROUTE 0
#define TR_ICMP6_UNREACH_ADMIN   1
#define TR_ICMP6_UNREACH_ADDR    3
#define TR_ICMP6_UNREACH_PORT    4

/*
 * ND message bodies (offsets from the start of the ICMPv6 header). The
 * options region starts at TR_ICMP6_<MSG>_OPTS_OFF.
 *   RS:       type code cksum | reserved(4)                          -> 8
 *   RA:       ... | cur_hop_limit(1) flags(1) router_lifetime(2)
 *             | reachable_time(4) | retrans_timer(4)                 -> 16
 *   NS:       ... | reserved(4) | target(16)                         -> 24
 *   NA:       ... | R S O flags + reserved(4) | target(16)           -> 24
 *   Redirect: ... | reserved(4) | target(16) | destination(16)       -> 40
 */
#define TR_ICMP6_RS_OPTS_OFF        8u
#define TR_ICMP6_RA_OFF_HOPLIMIT    4u
#define TR_ICMP6_RA_OFF_FLAGS       5u
#define TR_ICMP6_RA_OFF_LIFETIME    6u
#define TR_ICMP6_RA_OFF_REACHABLE   8u
#define TR_ICMP6_RA_OFF_RETRANS     12u
#define TR_ICMP6_RA_OPTS_OFF        16u
#define TR_ICMP6_NS_OFF_TARGET      8u
#define TR_ICMP6_NS_OPTS_OFF        24u
#define TR_ICMP6_NA_OFF_FLAGS       4u
#define TR_ICMP6_NA_OFF_TARGET      8u
#define TR_ICMP6_NA_OPTS_OFF        24u
#define TR_ICMP6_RD_OFF_TARGET      8u
#define TR_ICMP6_RD_OFF_DEST        24u
#define TR_ICMP6_RD_OPTS_OFF        40u

/* RA flags byte. */
#define TR_ICMP6_RA_F_MANAGED   0x80u
#define TR_ICMP6_RA_F_OTHER     0x40u
/* NA flags (first byte of the 32-bit field after the checksum). */
#define TR_ICMP6_NA_F_ROUTER    0x80u
#define TR_ICMP6_NA_F_SOLICITED 0x40u
#define TR_ICMP6_NA_F_OVERRIDE  0x20u

/* ND options: type(1) length(1, units of 8 bytes, 0 is invalid), data. */
#define TR_ND_OPT_SLLA          1
#define TR_ND_OPT_TLLA          2
#define TR_ND_OPT_PREFIX        3
#define TR_ND_OPT_REDIRECTED    4
#define TR_ND_OPT_MTU           5
#define TR_ND_OPT_UNIT          8u

/* Prefix information option (32 bytes, RFC 4861 §4.6.2). */
#define TR_ND_PREFIX_LEN        32u
#define TR_ND_PREFIX_OFF_PLEN   2u
#define TR_ND_PREFIX_OFF_FLAGS  3u
#define TR_ND_PREFIX_OFF_VALID  4u
#define TR_ND_PREFIX_OFF_PREF   8u
#define TR_ND_PREFIX_OFF_PREFIX 16u
#define TR_ND_PREFIX_F_ONLINK   0x80u
#define TR_ND_PREFIX_F_AUTO     0x40u
/* MTU option (8 bytes): type len reserved(2) mtu(4). */
#define TR_ND_MTU_LEN           8u
#define TR_ND_MTU_OFF_MTU       4u
/* Link-layer address option for Ethernet: type len mac(6). */
#define TR_ND_LLA_LEN           8u

#endif /* TAPRING_WIRE_ICMP6_H */
