/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole-frame decoder and fast classifier.
 *
 * tr_decode() walks Ethernet -> VLAN tags -> ARP | IPv4 | IPv6 (+ extension
 * chain) -> ICMP | ICMPv6 | UDP | TCP -> DNS (UDP port 53 or 5353) and
 * fills struct tr_decoded: a presence bit per layer (TR_DEC_*), each layer's
 * repr and its offset in the frame. Nothing is copied from the payload;
 * pointers inside the L4 reprs (payload, data) point into `frame`, so they
 * are valid as long as the frame is.
 *
 * Decoding stops at the first truncated or malformed layer; the layers
 * before it stay decoded, TR_DEC_ERROR is set and `error` holds a short
 * static reason naming the layer ("ipv4: header length < 20"). A cut VLAN tag
 * (or more than TR_ETH_MAX_VLAN tags) is such an error, but the 14-byte
 * Ethernet header stays decoded (TR_DEC_ETH) with the complete tags before
 * the bad one; eth.r.ethertype is then the bad tag's TPID. A wrong checksum
 * is not an error: the layer is present with csum_ok = false. That includes
 * a zero UDP checksum over IPv6 (illegal, RFC 8200 §8.1), which
 * tr_udp_parse() rejects but the decoder reports as csum_checked = true,
 * csum_ok = false, r.cksum_present = 0 (as tshark does).
 *
 * Checksums: the IPv4 header checksum is always verified. An L4 checksum is
 * verified only when the capture holds the whole datagram (caplen covers
 * the IP length); otherwise csum_checked = false and csum_ok is false too
 * (except a zero UDP checksum over IPv6, which is known bad either way).
 * Non-first IP fragments carry no L4 header: TR_DEC_FRAG is set and L4 is
 * not decoded. A first fragment (MF set, offset 0) decodes the L4 header
 * but cannot verify its checksum (csum_checked = false).
 *
 * A snaplen cut inside a part of an L4 message that its parser needs (an
 * ICMP error's embedded header, an ND target or options, TCP options) is
 * reported like any truncated layer: TR_DEC_ERROR, that layer absent.
 *
 * Fields of layers whose bit is clear are unspecified (the struct is not
 * cleared, which keeps the per-frame cost low).
 */
#ifndef TAPRING_DECODE_H
#define TAPRING_DECODE_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/arp.h>
#include <tapring/ethernet.h>
#include <tapring/icmpv4.h>
#include <tapring/icmpv6.h>
#include <tapring/ipv4.h>
#include <tapring/ipv6.h>
#include <tapring/link.h>
#include <tapring/tcp.h>
#include <tapring/udp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Presence bits (tr_decoded.layers). */
#define TR_DEC_ETH    0x0001u
#define TR_DEC_VLAN   0x0002u  /* eth.n_vlan >= 1 */
#define TR_DEC_ARP    0x0004u
#define TR_DEC_IPV4   0x0008u
#define TR_DEC_IPV6   0x0010u
#define TR_DEC_ICMP   0x0020u
#define TR_DEC_ICMP6  0x0040u
#define TR_DEC_UDP    0x0080u
#define TR_DEC_TCP    0x0100u
#define TR_DEC_DNS    0x0200u  /* UDP port 53/5353: see dns.parsed */
#define TR_DEC_FRAG   0x0400u  /* IP fragment (first or later) */
#define TR_DEC_TRUNC  0x0800u  /* caplen < wirelen (snaplen cut) */
#define TR_DEC_ERROR  0x1000u  /* error holds the reason */
#define TR_DEC_LINK   0x2000u  /* a non-Ethernet link header (link.r) */

struct tr_decoded {
	uint32_t layers;          /* TR_DEC_* */
	uint32_t dlt;             /* link type decoded from (TR_DLT_*) */
	uint32_t caplen;
	uint32_t wirelen;
	/* Offset and captured length of the bytes after the last decoded
	 * header (L4 payload, or L3 payload for unknown protocols). */
	uint32_t payload_off;
	uint32_t payload_len;

	struct {
		struct tr_eth_repr r;     /* includes vlan[] tags, outermost first */
		uint16_t off;             /* always 0 */
		uint16_t vlan_off[TR_ETH_MAX_VLAN];  /* offset of each tag's TPID */
	} eth;

	/* SLL, SLL2, NULL, LOOP and raw IP (TR_DEC_LINK): the link header
	 * at offset 0, r.hdr_len bytes (0 for raw IP). */
	struct {
		struct tr_link_repr r;
	} link;

	struct {
		struct tr_arp_repr r;
		uint16_t off;
	} arp;

	struct {
		struct tr_ipv4_repr r;    /* r.csum_ok: header checksum */
		uint16_t off;
		bool csum_ok;             /* = r.csum_ok */
	} ipv4;

	struct {
		struct tr_ipv6_repr r;    /* ext[] chain, r.upper = L4 protocol */
		uint16_t off;
	} ipv6;

	struct {
		struct tr_icmpv4_repr r;
		uint16_t off;
		bool csum_ok;
		bool csum_checked;
	} icmp;

	struct {
		struct tr_icmpv6_repr r;  /* full repr incl. ND options */
		uint8_t type;             /* = r.type */
		uint8_t code;
		uint32_t rest;            /* bytes 4..7 (echo: id << 16 | seq) */
		uint16_t off;
		uint32_t len;             /* ICMPv6 bytes available (captured, cut at the IP length) */
		/* NS, NA and redirect: the 16-byte target address (in the
		 * frame, like r.data); NULL for other types. */
		const uint8_t *target;
		/* Redirect: the 16-byte destination address; else NULL. */
		const uint8_t *redirect_dst;
		bool csum_ok;
		bool csum_checked;
	} icmp6;

	struct {
		struct tr_udp_repr r;
		uint16_t off;
		uint16_t len;             /* UDP length field */
		/* IPv4 zero checksum (absent): true. IPv6 zero checksum
		 * (illegal): false, with csum_checked true even when cut. */
		bool csum_ok;
		bool csum_checked;
	} udp;

	struct {
		struct tr_tcp_repr r;     /* r.opts: parsed options */
		uint16_t off;
		uint8_t hdr_len;          /* 20..60 */
		bool csum_ok;
		bool csum_checked;
	} tcp;

	struct {
		uint16_t off;             /* DNS message offset in the frame */
		uint16_t len;             /* captured DNS message length */
		bool parsed;              /* the DNS codec accepted the message */
		uint16_t id;              /* header fields, valid when len >= 12 */
		uint16_t flags;
		uint16_t qdcount, ancount, nscount, arcount;
	} dns;

	/* A static reason string ("ipv4: header length < 20"): never NULL,
	 * "" unless TR_DEC_ERROR. It outlives the frame. */
	const char *error;
};

/*
 * Decode one frame. frame holds caplen captured bytes of a frame that was
 * wirelen bytes long on the wire (wirelen >= caplen; pass caplen when not
 * truncated). Never reads outside [frame, frame + caplen).
 * Returns 0 when every present header decoded, or -EINVAL when decoding
 * stopped at a malformed/truncated layer (TR_DEC_ERROR, d->error).
 */
TR_API int tr_decode(const uint8_t *frame, size_t caplen, size_t wirelen, struct tr_decoded *d);

/*
 * Decode one frame of link type dlt (TR_DLT_*, as pcap_datalink() reports
 * it; LINKTYPE_RAW 101 is taken as RAW). EN10MB is tr_decode(). Other
 * supported types (tr_link_supported) set TR_DEC_LINK and link.r, then
 * decode the network layer as tr_decode does after Ethernet. A type
 * without a parser is an error "link: unsupported type N" with no layer
 * decoded (payload_off 0: the whole frame is the payload).
 */
TR_API int tr_decode_link(uint32_t dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
		   struct tr_decoded *d);

/* ---- classify-only fast path (like DPDK rte_net_get_ptype) ------------- */

/* Packet type bits (tr_classify.ptype). */
#define TR_PT_L2_ETHER     0x00000001u
#define TR_PT_L2_VLAN      0x00000002u  /* one tag */
#define TR_PT_L2_QINQ      0x00000004u  /* two or more tags */
#define TR_PT_L2_ARP       0x00000008u
#define TR_PT_L3_IPV4      0x00000010u
#define TR_PT_L3_IPV4_EXT  0x00000020u  /* IPv4 with options */
#define TR_PT_L3_IPV6      0x00000040u
#define TR_PT_L3_IPV6_EXT  0x00000080u  /* IPv6 with extension headers */
#define TR_PT_L4_TCP       0x00000100u
#define TR_PT_L4_UDP       0x00000200u
#define TR_PT_L4_ICMP      0x00000400u  /* ICMP or ICMPv6 */
#define TR_PT_L4_FRAG      0x00000800u  /* IP fragment: l4 fields describe none */
#define TR_PT_L4_OTHER     0x00001000u
#define TR_PT_L2_MASK      0x0000000fu
#define TR_PT_L3_MASK      0x000000f0u
#define TR_PT_L4_MASK      0x00001f00u
#define TR_PT_TRUNC        0x80000000u  /* a header did not fit in len */

struct tr_classify {
	uint32_t ptype;           /* TR_PT_* */
	uint16_t ethertype;       /* after VLAN tags */
	uint8_t l4_proto;         /* IP protocol / IPv6 upper layer (0 if none) */
	uint8_t n_vlan;
	uint16_t l2_len;          /* = l3 offset */
	uint16_t l3_len;          /* IP header incl. options / ext headers */
	uint16_t l4_off;          /* l2_len + l3_len */
	uint16_t l4_len;          /* TCP: header incl. options; UDP 8; ICMP 8 */
};

/*
 * Classify one frame: L2/L3/L4 types and header offsets. No checksums, no
 * field validation beyond what is needed to find the next header (IPv4
 * IHL, IPv6 extension lengths, TCP data offset) and bounds. Never reads
 * outside [frame, frame + len). Returns c->ptype (0 only for len < 14).
 */
TR_API uint32_t tr_classify(const uint8_t *frame, size_t len, struct tr_classify *c);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_DECODE_H */
