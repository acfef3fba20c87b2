/* SPDX-License-Identifier: BSD-2-Clause */
/* UDP wire layout (RFC 768). No logic. */
#ifndef TAPRING_WIRE_UDP_H
#define TAPRING_WIRE_UDP_H

#include <tapring/wire/common.h>

struct tr_udp_hdr {
	tr_be16 src_port;
	tr_be16 dst_port;
	tr_be16 len;        /* header + payload */
	tr_be16 cksum;      /* 0 over IPv4 = not computed */
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_udp_hdr) == 8, "udp header is 8 bytes");

#define TR_UDP_HDR_LEN     8u
#define TR_UDP_OFF_SPORT   0u
#define TR_UDP_OFF_DPORT   2u
#define TR_UDP_OFF_LEN     4u
#define TR_UDP_OFF_CKSUM   6u
#define TR_IPPROTO_UDP     17

#endif /* TAPRING_WIRE_UDP_H */
