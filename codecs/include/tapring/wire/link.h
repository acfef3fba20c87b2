/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Non-Ethernet link layers as pcap files and AF_PACKET carry them: Linux
 * cooked v1 (LINKTYPE_LINUX_SLL) and v2 (LINKTYPE_LINUX_SLL2), the BSD
 * loopback header (LINKTYPE_NULL, LINKTYPE_LOOP), raw IP. Offsets and
 * constants only, no logic (https://www.tcpdump.org/linktypes.html).
 */
#ifndef TAPRING_WIRE_LINK_H
#define TAPRING_WIRE_LINK_H

#include <tapring/wire/common.h>

/* Link types (pcap DLT_ values as libpcap reports them on Linux, and the
 * LINKTYPE_ value that differs for raw IP). */
#define TR_DLT_NULL          0     /* 4-byte AF, byte order of the writer */
#define TR_DLT_EN10MB        1
#define TR_DLT_RAW           12    /* raw IPv4 or IPv6 (Linux DLT value) */
#define TR_LINKTYPE_RAW      101   /* the same in a pcap file header */
#define TR_DLT_LOOP          108   /* 4-byte AF, network order */
#define TR_DLT_LINUX_SLL     113
#define TR_DLT_IPV4          228
#define TR_DLT_IPV6          229
#define TR_DLT_LINUX_SLL2    276

/* Linux cooked v1: 16 bytes. */
#define TR_SLL_HDR_LEN       16
#define TR_SLL_OFF_PKTTYPE   0
#define TR_SLL_OFF_HATYPE    2
#define TR_SLL_OFF_HALEN     4
#define TR_SLL_OFF_ADDR      6
#define TR_SLL_ADDR_LEN      8
#define TR_SLL_OFF_PROTO     14

/* Linux cooked v2: 20 bytes. */
#define TR_SLL2_HDR_LEN      20
#define TR_SLL2_OFF_PROTO    0
#define TR_SLL2_OFF_RESERVED 2
#define TR_SLL2_OFF_IFINDEX  4
#define TR_SLL2_OFF_HATYPE   8
#define TR_SLL2_OFF_PKTTYPE  10
#define TR_SLL2_OFF_HALEN    11
#define TR_SLL2_OFF_ADDR     12

/* Packet types (linux/if_packet.h PACKET_*). */
#define TR_SLL_HOST          0
#define TR_SLL_BROADCAST     1
#define TR_SLL_MULTICAST     2
#define TR_SLL_OTHERHOST     3
#define TR_SLL_OUTGOING      4

/* ARPHRD values the link layer looks at (linux/if_arp.h). */
#define TR_ARPHRD_ETHER      1
#define TR_ARPHRD_LOOPBACK   772
#define TR_ARPHRD_NONE       0xfffe
#define TR_ARPHRD_NETLINK    824

/* BSD loopback: 4 bytes of address family. */
#define TR_NULL_HDR_LEN      4
#define TR_BSD_AF_INET       2
#define TR_BSD_AF_INET6_BSD  24    /* NetBSD, OpenBSD, BSD/OS */
#define TR_BSD_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly */
#define TR_BSD_AF_INET6_DARWIN 30  /* macOS */

struct tr_sll_hdr {
	tr_be16 pkttype;
	tr_be16 hatype;
	tr_be16 halen;
	uint8_t addr[TR_SLL_ADDR_LEN];
	tr_be16 proto;
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_sll_hdr) == TR_SLL_HDR_LEN, "sll header is 16 bytes");

struct tr_sll2_hdr {
	tr_be16 proto;
	tr_be16 reserved;
	tr_be32 ifindex;
	tr_be16 hatype;
	uint8_t pkttype;
	uint8_t halen;
	uint8_t addr[TR_SLL_ADDR_LEN];
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_sll2_hdr) == TR_SLL2_HDR_LEN, "sll2 header is 20 bytes");

#endif /* TAPRING_WIRE_LINK_H */
