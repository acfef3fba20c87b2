/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/bpf/flow_hash.h: the flow parser and the symmetric flow hash,
 * one source compiled twice:
 *   - by clang -target bpf into the steering and blocklist programs
 *     (steer.bpf.c, block.bpf.c), where frame bytes come from
 *     bpf_skb_load_bytes();
 *   - by the C compiler into libtapring (flow_hash.c: tr_steer_hash()),
 *     where they come from a bounds-checked copy out of a buffer, so tests
 *     and the fuzz target run exactly the parsing the kernel runs.
 *
 * The includer defines, before including this file:
 *   TR_FH_CTX                    the frame handle type
 *   tr_fh_load(ctx, off, to, n)  copy n bytes at offset off into to;
 *                                0, or non-zero if the frame is shorter
 *   TR_FH_INLINE                 the inline attribute to use
 * Types are the kernel's __u8/__u16/__u32 (<linux/types.h>), which exist in
 * both worlds. No libc calls: the BPF side has none.
 *
 * Parsing (all offsets from the start of the Ethernet header):
 *   - up to TR_FH_MAX_VLAN 802.1Q / 802.1ad / 0x9100 tags are skipped;
 *   - IPv4: version 4 and IHL >= 5 or the frame counts as non-IP; a frame
 *     with MF set or a non-zero fragment offset is a fragment;
 *   - IPv6: version 6; up to TR_FH_MAX_EXT extension headers (hop-by-hop,
 *     routing, destination options, AH) are walked; a fragment header makes
 *     the frame a fragment; past the bound, or at ESP or an unknown header,
 *     the walk stops and the frame hashes without ports;
 *   - TCP (6), UDP (17), SCTP (132): both ports, when the first four L4
 *     bytes are in the frame.
 * A fragment hashes on the two addresses only (protocol and ports zero), so
 * every piece of a datagram, the first included, gets the same value.
 *
 * Hash (symmetric): the endpoints (address, then port) are put in order, the
 * lower first, so A->B and B->A feed identical words. Words, each a 32-bit
 * big-endian read of the wire bytes: the family, the low address (1 word
 * IPv4, 4 words IPv6), the high address, (low port << 16 | high port), the
 * protocol. Each is mixed with the MurmurHash3 32-bit block step, then the
 * MurmurHash3 finaliser. Non-IP frames hash to 0.
 */
#ifndef TAPRING_FLOW_HASH_H
#define TAPRING_FLOW_HASH_H

#include <linux/types.h>

#define TR_FH_MAX_VLAN 2
#define TR_FH_MAX_EXT  8
#define TR_FH_SEED     0x7a9e5c31u

/* One parsed frame. Addresses are host-order words of the wire bytes
 * (IPv4 uses word 0 only), so comparing words compares addresses. */
struct tr_flow {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport, dport;    /* host order; 0 unless has_ports */
	__u8 family;           /* 0 (not IP), 4 or 6 */
	__u8 proto;            /* L4 protocol; 0 for fragments */
	__u8 frag;             /* 1: an IPv4 or IPv6 fragment */
	__u8 has_ports;
};

static TR_FH_INLINE __u32 tr__fh_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | (__u32)p[3];
}

/* 0 when f describes the frame (family 0: not IP, or malformed IP), -1 when
 * the frame is too short to hold its Ethernet header. */
static TR_FH_INLINE int tr_flow_parse(TR_FH_CTX ctx, struct tr_flow *f)
{
	__u8 b[40];
	__u32 off = 12, l4;
	__u16 et;
	__u8 nh;
	int i;

	__builtin_memset(f, 0, sizeof(*f));
	if (tr_fh_load(ctx, 12, b, 2))
		return -1;
	et = (__u16)(b[0] << 8 | b[1]);
	for (i = 0; i < TR_FH_MAX_VLAN; i++) {
		if (et != 0x8100 && et != 0x88a8 && et != 0x9100)
			break;
		/* tag: TPID at off (already read), TCI, then the next type */
		if (tr_fh_load(ctx, off + 4, b, 2))
			return 0;
		et = (__u16)(b[0] << 8 | b[1]);
		off += 4;
	}
	off += 2;

	if (et == 0x0800) {
		__u32 ihl;

		if (tr_fh_load(ctx, off, b, 20))
			return 0;
		ihl = (__u32)(b[0] & 0x0f) * 4;
		if ((b[0] >> 4) != 4 || ihl < 20)
			return 0;
		f->family = 4;
		f->src[0] = tr__fh_be32(b + 12);
		f->dst[0] = tr__fh_be32(b + 16);
		if (((b[6] << 8 | b[7]) & 0x3fff) != 0) {   /* MF or offset */
			f->frag = 1;
			return 0;
		}
		nh = b[9];
		l4 = off + ihl;
	} else if (et == 0x86dd) {
		if (tr_fh_load(ctx, off, b, 40))
			return 0;
		if ((b[0] >> 4) != 6)
			return 0;
		f->family = 6;
		for (i = 0; i < 4; i++) {
			f->src[i] = tr__fh_be32(b + 8 + 4 * i);
			f->dst[i] = tr__fh_be32(b + 24 + 4 * i);
		}
		nh = b[6];
		l4 = off + 40;
		for (i = 0; i < TR_FH_MAX_EXT; i++) {
			if (nh == 44) {                     /* fragment header */
				f->frag = 1;
				return 0;
			}
			if (nh != 0 && nh != 43 && nh != 60 && nh != 51)
				break;
			if (tr_fh_load(ctx, l4, b, 2))
				return 0;                   /* addresses, no L4 */
			/* AH counts 4-byte units minus 2, the others 8-byte
			 * units minus 1 (RFC 4302, RFC 8200) */
			l4 += nh == 51 ? ((__u32)b[1] + 2) * 4 : ((__u32)b[1] + 1) * 8;
			nh = b[0];
		}
		if (nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 44)
			return 0;                           /* chain longer than the bound */
	} else {
		return 0;
	}

	f->proto = nh;
	if (nh == 6 || nh == 17 || nh == 132) {
		if (tr_fh_load(ctx, l4, b, 4) == 0) {
			f->sport = (__u16)(b[0] << 8 | b[1]);
			f->dport = (__u16)(b[2] << 8 | b[3]);
			f->has_ports = 1;
		}
	}
	return 0;
}

static TR_FH_INLINE __u32 tr__fh_rotl(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* MurmurHash3's 32-bit block step. */
static TR_FH_INLINE __u32 tr__fh_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = tr__fh_rotl(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = tr__fh_rotl(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* -1, 0, 1: the order of endpoint (a, pa) against (b, pb). */
static TR_FH_INLINE int tr__fh_cmp(const __u32 *a, __u16 pa, const __u32 *b, __u16 pb, int words)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i >= words)
			break;
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

static TR_FH_INLINE __u32 tr_flow_hash(const struct tr_flow *f)
{
	const __u32 *lo = f->src, *hi = f->dst;
	__u16 plo = f->sport, phi = f->dport;
	int words = f->family == 6 ? 4 : 1;
	__u32 h = TR_FH_SEED;
	int i;

	if (f->family == 0)
		return 0;
	if (tr__fh_cmp(f->src, f->sport, f->dst, f->dport, words) > 0) {
		lo = f->dst;
		hi = f->src;
		plo = f->dport;
		phi = f->sport;
	}
	h = tr__fh_mix(h, f->family);
	for (i = 0; i < 4; i++)
		if (i < words)
			h = tr__fh_mix(h, lo[i]);
	for (i = 0; i < 4; i++)
		if (i < words)
			h = tr__fh_mix(h, hi[i]);
	h = tr__fh_mix(h, (__u32)plo << 16 | phi);
	h = tr__fh_mix(h, f->proto);
	/* MurmurHash3 finaliser: every input bit reaches the low 16 bits the
	 * kernel keeps (it truncates the program's result to u16) */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#endif /* TAPRING_FLOW_HASH_H */
