/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ethernet II and IEEE 802.1Q / 802.1ad tag wire layout (IEEE 802.3 clause
 * 3.2, IEEE 802.1Q clause 9.6). Offsets and constants only, no logic.
 */
#ifndef TAPRING_WIRE_ETH_H
#define TAPRING_WIRE_ETH_H

#include <tapring/wire/common.h>

#define TR_ETH_ADDR_LEN      6
#define TR_ETH_HDR_LEN       14
#define TR_ETH_OFF_DST       0
#define TR_ETH_OFF_SRC       6
#define TR_ETH_OFF_TYPE      12

#define TR_VLAN_TAG_LEN      4      /* TPID is the previous "type" field */
#define TR_VLAN_OFF_TCI      0      /* relative to the tag, after the TPID */
#define TR_VLAN_OFF_TYPE     2
#define TR_VLAN_PCP_SHIFT    13
#define TR_VLAN_DEI_MASK     0x1000u
#define TR_VLAN_VID_MASK     0x0fffu

#define TR_ETHERTYPE_IPV4    0x0800
#define TR_ETHERTYPE_ARP     0x0806
#define TR_ETHERTYPE_VLAN    0x8100 /* 802.1Q C-tag */
#define TR_ETHERTYPE_IPV6    0x86dd
#define TR_ETHERTYPE_QINQ    0x88a8 /* 802.1ad S-tag */
#define TR_ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard stacked tag */

struct tr_eth_hdr {
	uint8_t dst[TR_ETH_ADDR_LEN];
	uint8_t src[TR_ETH_ADDR_LEN];
	tr_be16 type;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_eth_hdr) == TR_ETH_HDR_LEN, "eth header is 14 bytes");

struct tr_vlan_hdr {
	tr_be16 tci;
	tr_be16 type;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_vlan_hdr) == TR_VLAN_TAG_LEN, "vlan tag is 4 bytes");

#endif /* TAPRING_WIRE_ETH_H */
