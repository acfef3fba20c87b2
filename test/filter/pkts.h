/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Synthetic Ethernet frames for the cBPF tests, fuzz seeds and benchmark:
 * a deterministic mix of IPv4/IPv6 TCP/UDP/ICMP, VLAN and QinQ, IPv6
 * extension headers, IPv4 options and fragments, ARP, broadcast/multicast,
 * odd EtherTypes, plus short and garbage frames. Header-only (static).
 *
 *   unsigned fp_build_mix(struct fp_pkt *out, unsigned max, uint32_t seed)
 *
 * Each frame has len bytes in data (<= FP_MAX). Checksums are not filled
 * (filters do not look at them).
 */
#ifndef TAPRING_TEST_FILTER_PKTS_H
#define TAPRING_TEST_FILTER_PKTS_H

#include <stdint.h>
#include <string.h>

#define FP_MAX 1536

struct fp_pkt {
	uint32_t len;
	uint8_t data[FP_MAX];
};

struct fp_b {
	uint8_t *p;
	uint32_t n;
};

static inline uint32_t fp_rand(uint32_t *s)
{
	/* xorshift32: deterministic across runs */
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static inline void fp_u8(struct fp_b *b, unsigned v) { if (b->n < FP_MAX) b->p[b->n++] = (uint8_t)v; }
static inline void fp_u16(struct fp_b *b, unsigned v) { fp_u8(b, v >> 8); fp_u8(b, v); }
static inline void fp_u32(struct fp_b *b, uint32_t v) { fp_u16(b, v >> 16); fp_u16(b, v & 0xffff); }
static inline void fp_bytes(struct fp_b *b, const uint8_t *d, unsigned n) { for (unsigned i = 0; i < n; i++) fp_u8(b, d[i]); }
static inline void fp_fill(struct fp_b *b, unsigned n, uint32_t *s) { for (unsigned i = 0; i < n; i++) fp_u8(b, fp_rand(s)); }
static inline void fp_put16(struct fp_b *b, unsigned at, unsigned v) { if (at + 1 < b->n) { b->p[at] = (uint8_t)(v >> 8); b->p[at + 1] = (uint8_t)v; } }

static inline void fp_eth(struct fp_b *b, const uint8_t dst[6], const uint8_t src[6],
			  const unsigned *vlans, unsigned nvlan, unsigned type)
{
	fp_bytes(b, dst, 6);
	fp_bytes(b, src, 6);
	for (unsigned i = 0; i < nvlan; i++) {
		fp_u16(b, i == 0 && nvlan > 1 ? 0x88a8 : 0x8100);
		fp_u16(b, vlans[i]);
	}
	fp_u16(b, type);
}

/* IPv4 header with ihl_words (>= 5) and frag field (flags|offset). Returns the
 * offset of the total-length field so it can be patched. */
static inline unsigned fp_ip4(struct fp_b *b, uint32_t src, uint32_t dst, unsigned proto,
			      unsigned ihl_words, unsigned frag, unsigned ttl)
{
	unsigned start = b->n;
	fp_u8(b, 0x40 | (ihl_words & 0xf));
	fp_u8(b, 0);
	fp_u16(b, 0);             /* total length, patched */
	fp_u16(b, 0x1234);
	fp_u16(b, frag);
	fp_u8(b, ttl);
	fp_u8(b, proto);
	fp_u16(b, 0);
	fp_u32(b, src);
	fp_u32(b, dst);
	for (unsigned i = 5; i < ihl_words; i++)
		fp_u32(b, 0x01010101);   /* NOP options */
	return start + 2;
}

static inline unsigned fp_ip6(struct fp_b *b, const uint8_t src[16], const uint8_t dst[16], unsigned nh)
{
	unsigned start = b->n;
	fp_u32(b, 0x60000000);
	fp_u16(b, 0);             /* payload length, patched */
	fp_u8(b, nh);
	fp_u8(b, 64);
	fp_bytes(b, src, 16);
	fp_bytes(b, dst, 16);
	return start + 4;
}

/* Generic 8-byte IPv6 extension header (hop-by-hop, routing, dest opts),
 * or a fragment header (type 44). */
static inline void fp_ip6_ext(struct fp_b *b, unsigned type, unsigned nh)
{
	(void)type;
	fp_u8(b, nh);
	fp_u8(b, 0);
	fp_u16(b, type == 44 ? 0x0001 : 0x0104);
	fp_u32(b, type == 44 ? 0xabcdef01u : 0);
}

static inline void fp_l4(struct fp_b *b, unsigned proto, unsigned sport, unsigned dport,
			 unsigned flags_or_type, unsigned payload, uint32_t *s)
{
	if (proto == 6) {
		fp_u16(b, sport);
		fp_u16(b, dport);
		fp_u32(b, fp_rand(s));
		fp_u32(b, fp_rand(s));
		fp_u8(b, 0x50);
		fp_u8(b, flags_or_type);
		fp_u16(b, 0xffff);
		fp_u32(b, 0);
	} else if (proto == 17) {
		fp_u16(b, sport);
		fp_u16(b, dport);
		fp_u16(b, 8 + payload);
		fp_u16(b, 0);
	} else if (proto == 1 || proto == 58) {
		fp_u8(b, flags_or_type);
		fp_u8(b, 0);
		fp_u16(b, 0);
		fp_u32(b, 0x00010001);
	}
	fp_fill(b, payload, s);
}

static const unsigned fp_ports[] = { 53, 80, 443, 22, 123, 8080, 1, 2, 3, 1500, 5353, 67, 68, 1023, 1024, 65535 };

/* Build up to max frames into out; returns the count. */
static inline unsigned fp_build_mix(struct fp_pkt *out, unsigned max, uint32_t seed)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 2 };
	static const uint8_t mcast4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t v6a[16] = { 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t v6b[16] = { 0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const uint8_t v6m[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint32_t v4addr[] = { 0x0a4d0001, 0x0a4d0002, 0x0a000001, 0xc0a80101,
					   0xac100005, 0x08080808, 0xe00000fb, 0xffffffff };
	uint32_t s = seed;
	unsigned n = 0;

	for (unsigned i = 0; n < max && i < max * 4; i++) {
		struct fp_b b = { out[n].data, 0 };
		unsigned kind = i % 16;
		unsigned vl[2] = { 100 + (fp_rand(&s) % 3) * 100, 200 };
		unsigned nvlan = (fp_rand(&s) % 5 == 0) ? 1 + fp_rand(&s) % 2 : 0;
		const uint8_t *dst = (fp_rand(&s) % 9 == 0) ? bcast : mac_b;
		unsigned sport = fp_ports[fp_rand(&s) % 16], dport = fp_ports[fp_rand(&s) % 16];
		unsigned payload = fp_rand(&s) % 4 == 0 ? 200 + fp_rand(&s) % 1000 : fp_rand(&s) % 64;
		uint32_t sa = v4addr[fp_rand(&s) % 8], da = v4addr[fp_rand(&s) % 6];
		unsigned lenat;
		memset(out[n].data, 0, sizeof(out[n].data));

		switch (kind) {
		case 0: case 1: case 2: case 3: {   /* IPv4 TCP/UDP, sometimes options/fragments */
			unsigned proto = kind & 1 ? 17 : 6;
			unsigned ihl = fp_rand(&s) % 6 == 0 ? 6 + fp_rand(&s) % 3 : 5;
			unsigned frag = 0x4000;
			if (fp_rand(&s) % 7 == 0)
				frag = fp_rand(&s) % 2 ? 0x2000 : 0x00b9;   /* MF, or non-first fragment */
			fp_eth(&b, dst, mac_a, vl, nvlan, 0x0800);
			unsigned ipst = b.n;
			lenat = fp_ip4(&b, sa, da, proto, ihl, frag, 64);
			fp_l4(&b, proto, sport, dport, (unsigned[]){ 0x02, 0x12, 0x10, 0x18, 0x11, 0x04 }[fp_rand(&s) % 6],
			      payload, &s);
			fp_put16(&b, lenat, b.n - ipst);
			break;
		}
		case 4: case 5: {   /* IPv4 ICMP */
			fp_eth(&b, dst, mac_a, vl, nvlan, 0x0800);
			unsigned ipst = b.n;
			lenat = fp_ip4(&b, sa, da, 1, 5, 0, fp_rand(&s) % 2 ? 64 : 1);
			fp_l4(&b, 1, 0, 0, (unsigned[]){ 8, 0, 3, 11 }[fp_rand(&s) % 4], payload % 56, &s);
			fp_put16(&b, lenat, b.n - ipst);
			break;
		}
		case 6: case 7: case 8: {   /* IPv6 TCP/UDP/ICMPv6, with extension headers */
			unsigned proto = (unsigned[]){ 6, 17, 58 }[kind - 6];
			unsigned next = proto, ext[3], next_ext = fp_rand(&s) % 4;
			for (unsigned e = 0; e < next_ext; e++)
				ext[e] = (unsigned[]){ 0, 43, 44, 60 }[fp_rand(&s) % 4];
			fp_eth(&b, fp_rand(&s) % 5 == 0 ? mcast6 : dst, mac_a, vl, nvlan, 0x86dd);
			unsigned pl0 = b.n + 40;
			lenat = fp_ip6(&b, v6a, fp_rand(&s) % 5 == 0 ? v6m : v6b, next_ext ? ext[0] : proto);
			for (unsigned e = 0; e < next_ext; e++)
				fp_ip6_ext(&b, ext[e], e + 1 < next_ext ? ext[e + 1] : proto);
			next = proto;
			fp_l4(&b, next, sport, dport,
			      proto == 58 ? (unsigned[]){ 128, 129, 135, 136 }[fp_rand(&s) % 4] : 0x02,
			      payload, &s);
			fp_put16(&b, lenat, b.n - pl0);
			break;
		}
		case 9: {   /* ARP request/reply */
			fp_eth(&b, fp_rand(&s) % 2 ? bcast : mac_b, mac_a, vl, nvlan, 0x0806);
			fp_u16(&b, 1); fp_u16(&b, 0x0800); fp_u8(&b, 6); fp_u8(&b, 4);
			fp_u16(&b, 1 + fp_rand(&s) % 2);
			fp_bytes(&b, mac_a, 6); fp_u32(&b, sa);
			fp_bytes(&b, mac_b, 6); fp_u32(&b, da);
			fp_fill(&b, 18, &s);   /* Ethernet padding */
			break;
		}
		case 10: {   /* IPv4 multicast/broadcast UDP (mDNS, DHCP) */
			fp_eth(&b, fp_rand(&s) % 2 ? mcast4 : bcast, mac_a, vl, nvlan, 0x0800);
			unsigned ipst = b.n;
			lenat = fp_ip4(&b, sa, fp_rand(&s) % 2 ? 0xe00000fb : 0xffffffff, 17, 5, 0, 255);
			fp_l4(&b, 17, 5353, fp_rand(&s) % 2 ? 5353 : 67, 0, payload, &s);
			fp_put16(&b, lenat, b.n - ipst);
			break;
		}
		case 11: {   /* odd EtherTypes: LLDP, 802.3 length field, GRE in IPv4 */
			unsigned t = (unsigned[]){ 0x88cc, 0x0040, 0x0800 }[fp_rand(&s) % 3];
			fp_eth(&b, dst, mac_a, vl, nvlan, t);
			if (t == 0x0800) {
				unsigned ipst = b.n;
				lenat = fp_ip4(&b, sa, da, 47, 5, 0, 64);
				fp_fill(&b, 24, &s);
				fp_put16(&b, lenat, b.n - ipst);
			} else {
				fp_fill(&b, 46, &s);
			}
			break;
		}
		case 12: {   /* short frames: runts of every size up to a full header */
			unsigned full = 14 + 20 + 8;
			fp_eth(&b, dst, mac_a, NULL, 0, 0x0800);
			unsigned ipst = b.n;
			lenat = fp_ip4(&b, sa, da, 17, 5, 0, 64);
			fp_l4(&b, 17, 53, 53, 0, 0, &s);
			fp_put16(&b, lenat, b.n - ipst);
			b.n = fp_rand(&s) % full;
			break;
		}
		case 13: {   /* random garbage */
			fp_fill(&b, fp_rand(&s) % 128, &s);
			break;
		}
		case 14: {   /* IPv4 with bogus IHL (< 5 or past the end) */
			fp_eth(&b, dst, mac_a, vl, nvlan, 0x0800);
			unsigned ipst = b.n;
			lenat = fp_ip4(&b, sa, da, fp_rand(&s) % 2 ? 6 : 17, 5, 0, 64);
			b.p[ipst] = (uint8_t)(0x40 | (fp_rand(&s) % 2 ? 2 : 15));
			fp_fill(&b, fp_rand(&s) % 40, &s);
			fp_put16(&b, lenat, b.n - ipst);
			break;
		}
		default: {   /* IPv6 fragment (non-first) carrying UDP */
			fp_eth(&b, dst, mac_a, vl, nvlan, 0x86dd);
			unsigned pl0 = b.n + 40;
			lenat = fp_ip6(&b, v6b, v6a, 44);
			fp_u8(&b, 17); fp_u8(&b, 0); fp_u16(&b, 0x0101); fp_u32(&b, 7);
			fp_fill(&b, 30, &s);
			fp_put16(&b, lenat, b.n - pl0);
			break;
		}
		}
		out[n].len = b.n;
		n++;
	}
	return n;
}

#endif /* TAPRING_TEST_FILTER_PKTS_H */
