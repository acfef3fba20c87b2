/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio-net header wire layout (struct virtio_net_hdr_mrg_rxbuf, virtio
 * 1.x section 5.1.6): 12 bytes in front of every frame a TAP with
 * IFF_VNET_HDR and TUNSETVNETHDRSZ 12 reads or writes. Multi-byte fields are
 * LITTLE-endian (virtio 1.x; a TAP is little-endian unless TUNSETVNETLE /
 * TUNSETVNETBE say otherwise, and x86 is). Offsets, masks, constants only.
 */
#ifndef TAPRING_WIRE_VNET_H
#define TAPRING_WIRE_VNET_H

#include <tapring/wire/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t tr_le16;

struct tr_vnet_hdr {
	uint8_t flags;        /* TR_VNET_F_* */
	uint8_t gso_type;     /* TR_VNET_GSO_* | TR_VNET_GSO_ECN */
	tr_le16 hdr_len;      /* bytes of headers to copy into every segment */
	tr_le16 gso_size;     /* payload bytes per segment (the MSS) */
	tr_le16 csum_start;   /* checksum covers [csum_start, end of frame) */
	tr_le16 csum_offset;  /* ... and goes at csum_start + csum_offset */
	tr_le16 num_buffers;  /* mrg_rxbuf: buffers of this frame (TAP reads: 0 or 1) */
} __attribute__((packed));
TR__STATIC_ASSERT(sizeof(struct tr_vnet_hdr) == 12, "virtio_net_hdr_mrg_rxbuf is 12 bytes");

#define TR_VNET_HDR_LEN        12u
#define TR_VNET_OFF_FLAGS      0u
#define TR_VNET_OFF_GSO_TYPE   1u
#define TR_VNET_OFF_HDR_LEN    2u
#define TR_VNET_OFF_GSO_SIZE   4u
#define TR_VNET_OFF_CSUM_START 6u
#define TR_VNET_OFF_CSUM_OFF   8u
#define TR_VNET_OFF_NUM_BUFS   10u

#define TR_VNET_F_NEEDS_CSUM   0x01u  /* checksum unfinished: see csum_start/offset */
#define TR_VNET_F_DATA_VALID   0x02u  /* the checksum was checked (rx) */
#define TR_VNET_F_RSC_INFO     0x04u  /* not used on TAPs; rejected */
#define TR_VNET_F_KNOWN        (TR_VNET_F_NEEDS_CSUM | TR_VNET_F_DATA_VALID)

#define TR_VNET_GSO_NONE       0u
#define TR_VNET_GSO_TCPV4      1u
#define TR_VNET_GSO_UDP        3u     /* UFO: one datagram, IP-fragmented */
#define TR_VNET_GSO_TCPV6      4u
#define TR_VNET_GSO_UDP_L4     5u     /* USO: one datagram per segment */
#define TR_VNET_GSO_ECN        0x80u  /* TCP: the super-frame carries CWR */
#define TR_VNET_GSO_TYPE_MASK  0x7fu

/* The Linux limits a TAP write enforces (PLATFORM.md): UDP_L4 super-frames
 * of more than 128 segments give EINVAL (UDP_MAX_SEGMENTS). */
#define TR_VNET_UDP_MAX_SEGS   128u
/* Checksum field offsets from csum_start. */
#define TR_VNET_CSUM_OFF_UDP   6u
#define TR_VNET_CSUM_OFF_TCP   16u

/* Little-endian 16-bit load/store (no bounds check). */
static inline uint16_t tr_load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline void tr_store_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_WIRE_VNET_H */
