/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP wire layout (RFC 9293, options RFC 7323 / 2018). No logic. */
#ifndef TAPRING_WIRE_TCP_H
#define TAPRING_WIRE_TCP_H

#include <tapring/wire/common.h>

struct tr_tcp_hdr {
	tr_be16 src_port;
	tr_be16 dst_port;
	tr_be32 seq;
	tr_be32 ack;
	uint8_t doff_ns;    /* data offset (4 bits, in 32-bit words) | reserved | NS */
	uint8_t flags;      /* CWR ECE URG ACK PSH RST SYN FIN */
	tr_be16 window;
	tr_be16 cksum;
	tr_be16 urgent;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_tcp_hdr) == 20, "tcp header is 20 bytes");

#define TR_TCP_HDR_LEN      20u
#define TR_TCP_HDR_MAX      60u
#define TR_TCP_OFF_SPORT    0u
#define TR_TCP_OFF_DPORT    2u
#define TR_TCP_OFF_SEQ      4u
#define TR_TCP_OFF_ACK      8u
#define TR_TCP_OFF_DOFF     12u
#define TR_TCP_OFF_FLAGS    13u
#define TR_TCP_OFF_WINDOW   14u
#define TR_TCP_OFF_CKSUM    16u
#define TR_TCP_OFF_URGENT   18u
#define TR_TCP_DOFF_SHIFT   4u
#define TR_TCP_NS_BIT       0x01u   /* in the data-offset byte */
#define TR_IPPROTO_TCP      6

/* Flags as one 9-bit host value (NS is bit 8). */
#define TR_TCP_FIN  0x001u
#define TR_TCP_SYN  0x002u
#define TR_TCP_RST  0x004u
#define TR_TCP_PSH  0x008u
#define TR_TCP_ACK  0x010u
#define TR_TCP_URG  0x020u
#define TR_TCP_ECE  0x040u
#define TR_TCP_CWR  0x080u
#define TR_TCP_NS   0x100u

/* Option kinds and their fixed lengths. */
#define TR_TCP_OPT_EOL        0
#define TR_TCP_OPT_NOP        1
#define TR_TCP_OPT_MSS        2   /* len 4 */
#define TR_TCP_OPT_WSCALE     3   /* len 3 */
#define TR_TCP_OPT_SACK_PERM  4   /* len 2 */
#define TR_TCP_OPT_SACK       5   /* len 2 + 8n */
#define TR_TCP_OPT_TS         8   /* len 10 */
#define TR_TCP_OPTLEN_MSS       4u
#define TR_TCP_OPTLEN_WSCALE    3u
#define TR_TCP_OPTLEN_SACK_PERM 2u
#define TR_TCP_OPTLEN_TS        10u

#endif /* TAPRING_WIRE_TCP_H */
