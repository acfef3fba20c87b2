/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARP for Ethernet/IPv4 (RFC 826). Offsets and constants only, no logic.
 */
#ifndef TAPRING_WIRE_ARP_H
#define TAPRING_WIRE_ARP_H

#include <tapring/wire/common.h>

#define TR_ARP_LEN          28      /* Ethernet/IPv4 ARP body */
#define TR_ARP_OFF_HTYPE    0
#define TR_ARP_OFF_PTYPE    2
#define TR_ARP_OFF_HLEN     4
#define TR_ARP_OFF_PLEN     5
#define TR_ARP_OFF_OP       6
#define TR_ARP_OFF_SHA      8
#define TR_ARP_OFF_SPA      14
#define TR_ARP_OFF_THA      18
#define TR_ARP_OFF_TPA      24

#define TR_ARP_HTYPE_ETHER  1
#define TR_ARP_OP_REQUEST   1
#define TR_ARP_OP_REPLY     2

struct tr_arp_hdr {
	tr_be16 htype;
	tr_be16 ptype;
	uint8_t hlen;
	uint8_t plen;
	tr_be16 op;
	uint8_t sha[6];
	uint8_t spa[4];
	uint8_t tha[6];
	uint8_t tpa[4];
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_arp_hdr) == TR_ARP_LEN, "Ethernet/IPv4 ARP is 28 bytes");

#endif /* TAPRING_WIRE_ARP_H */
