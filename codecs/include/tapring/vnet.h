/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio-net header codec (<tapring/wire/vnet.h>): the 12-byte header a TAP
 * with IFF_VNET_HDR puts in front of every frame, describing checksum and
 * segmentation offloads (GSO/USO/TSO super-frames of up to 64 KiB).
 *
 *   tr_vnet_parse        12 bytes -> repr; rejects unknown flags and types,
 *                        GSO without a size, UDP_L4 without NEEDS_CSUM
 *   tr_vnet_emit         repr -> 12 bytes
 *   tr_vnet_check_frame  validates a repr against the frame it describes
 *                        (checksum span inside the frame, the GSO type
 *                        matches the IP version and L4 protocol, full
 *                        IP/UDP lengths, at most 128 UDP segments) and
 *                        returns the offsets and the segment count
 *   tr_vnet_csum_complete  finishes a NEEDS_CSUM checksum in software
 *   tr_vnet_segment      builds one wire segment of a super-frame (GSO in
 *                        user space: UDP_L4, TCPv4, TCPv6)
 *   tr_vnet_prepare_gso  turns a full-length IP/UDP or IP/TCP frame into a
 *                        super-frame the kernel segments (repr + the
 *                        pseudo-header seed in the checksum field)
 *
 * Errors follow the codec family (see udp.h): 0 or a negative errno, and
 * a static string naming the problem in *why when why is not NULL.
 * Lengths: every function reads only [frame, frame + len).
 */
#ifndef TAPRING_VNET_H
#define TAPRING_VNET_H

#include <tapring/api.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/wire/vnet.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tr_vnet_repr {
	uint8_t flags;         /* TR_VNET_F_NEEDS_CSUM / TR_VNET_F_DATA_VALID */
	uint8_t gso_type;      /* TR_VNET_GSO_* without the ECN bit */
	bool ecn;              /* TR_VNET_GSO_ECN */
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;   /* from the frame start (the Ethernet header) */
	uint16_t csum_offset;
	uint16_t num_buffers;
};

/* Per-frame offload metadata as the engine keeps it (a side array indexed
 * by buffer id, see tr_engine_offload): the header and the number of wire
 * segments the frame stands for (1 without GSO). */
struct tr_vnet_meta {
	struct tr_vnet_repr hdr;
	uint16_t segs;
};

/* Parse the 12 bytes at buf (len >= 12). 0 or -EINVAL. */
TR_API int tr_vnet_parse(const uint8_t *buf, size_t len, struct tr_vnet_repr *r, const char **why);

static inline size_t tr_vnet_emit_len(void)
{
	return TR_VNET_HDR_LEN;
}

/* Write exactly 12 bytes at buf. 0, or -ENOSPC when len < 12. */
TR_API int tr_vnet_emit(const struct tr_vnet_repr *r, uint8_t *buf, size_t len);

/* What a validated header says about its frame. */
struct tr_vnet_info {
	uint16_t l3_off;       /* 14, or 18 behind one 802.1Q tag */
	uint16_t l4_off;       /* 0 when the frame is not IPv4/IPv6 TCP/UDP */
	uint16_t payload_off;  /* l4_off + L4 header length (0 if not TCP/UDP) */
	uint8_t ip_version;    /* 4, 6, or 0 */
	uint8_t l4_proto;      /* TR_IPPROTO_TCP / _UDP, else 0 */
	uint32_t payload_len;  /* L4 payload bytes (len - payload_off) */
	uint32_t segs;         /* frames on the wire: 1 without GSO */
};

/*
 * Validate r against the Ethernet frame [frame, frame + len) it precedes.
 * NEEDS_CSUM: csum_start >= 14 and csum_start + csum_offset + 2 <= len, and
 * for TCP/UDP starting at csum_start the offset of their checksum field.
 * GSO: IPv4/IPv6 (no extension headers) with TCP (TCPV4/TCPV6) or UDP
 * (UDP_L4, UDP), csum_start == the L4 offset, not an IPv4 fragment, the IP
 * total/payload length and the UDP length covering the whole frame (the
 * kernel loses data silently otherwise), hdr_len <= len, and for UDP_L4 at
 * most TR_VNET_UDP_MAX_SEGS segments. Fills *info (may be NULL). 0 or
 * -EINVAL.
 */
TR_API int tr_vnet_check_frame(const struct tr_vnet_repr *r, const uint8_t *frame, size_t len,
			struct tr_vnet_info *info, const char **why);

/*
 * Finish the checksum of a NEEDS_CSUM frame in place: the one's complement
 * sum of [csum_start, len) (the field holds the pseudo-header seed) stored
 * at csum_start + csum_offset; a UDP zero becomes 0xffff. The repr's flags
 * lose NEEDS_CSUM and gain DATA_VALID. No-op (0) without NEEDS_CSUM.
 * For a GSO super-frame, segment instead (each segment gets a full
 * checksum). 0 or -EINVAL (span outside the frame).
 */
TR_API int tr_vnet_csum_complete(struct tr_vnet_repr *r, uint8_t *frame, size_t len);

/*
 * Build segment k (0 <= k < info->segs) of a GSO super-frame that passed
 * tr_vnet_check_frame into out (no vnet header: a plain frame a device
 * without offloads can send): the headers up to info->payload_off, then
 * payload bytes [k * gso_size, ...), with the IPv4 total length, id (+k) and
 * header checksum, the IPv6 payload length, the UDP length, the TCP
 * sequence number (+k * gso_size, FIN/PSH only on the last segment, CWR only
 * on the first) and a full L4 checksum. Returns the segment's length, or
 * -ENOSPC (out_len too small), -EINVAL (k out of range), -ENOTSUP (UFO).
 */
TR_API int tr_vnet_segment(const struct tr_vnet_repr *r, const struct tr_vnet_info *info,
		    const uint8_t *frame, size_t len, uint32_t k, uint8_t *out, size_t out_len);

/*
 * Make the full-length IPv4/IPv6 TCP or UDP frame in [frame, len) a
 * super-frame for the kernel to cut into gso_size payload pieces: sets the
 * IP lengths, the UDP length, the IPv4 header checksum and the L4 checksum
 * field to the pseudo-header seed, and fills *r (NEEDS_CSUM, csum_start,
 * csum_offset, hdr_len, gso_type UDP_L4 / TCPV4 / TCPV6, or NONE when the
 * payload fits one segment or gso_size is 0). 0 or -EINVAL (not IP TCP/UDP,
 * more than 128 UDP segments).
 */
TR_API int tr_vnet_prepare_gso(struct tr_vnet_repr *r, uint8_t *frame, size_t len, uint16_t gso_size,
			const char **why);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_VNET_H */
