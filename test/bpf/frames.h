/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frame builders for the eBPF tests (fb_ prefix): Ethernet with optional
 * VLAN tags, IPv4 or IPv6 (optional extension headers and fragment
 * header), and the first bytes of a TCP/UDP/SCTP header. Checksums are
 * filled where the kernel would look (IPv4 header, UDP 0).
 */
#ifndef TAPRING_TEST_BPF_FRAMES_H
#define TAPRING_TEST_BPF_FRAMES_H

#include <stdint.h>
#include <string.h>

struct fb {
	unsigned nvlan;            /* 0..3 tags */
	uint16_t vlan_tpid;        /* 0x8100 (0: 0x8100) */
	int v6;
	uint8_t src[16], dst[16];  /* IPv4 uses 4 bytes */
	uint8_t proto;             /* 6, 17, 132, 1... */
	uint16_t sport, dport;
	int frag;                  /* 0 none, 1 first (MF, offset 0), 2 middle, 3 last */
	unsigned frag_off;         /* 8-byte units, for 2 and 3 */
	uint32_t frag_id;
	unsigned next_ext;         /* IPv6: number of destination-options headers */
	unsigned payload;          /* L4 payload bytes after the 8-byte header */
};

static inline void fb_ip4(uint8_t a[16], unsigned x, unsigned y)
{
	memset(a, 0, 16);
	a[0] = 10; a[1] = 77; a[2] = (uint8_t)x; a[3] = (uint8_t)y;
}

static inline void fb_ip6(uint8_t a[16], unsigned x)
{
	memset(a, 0, 16);
	a[0] = 0xfd; a[1] = 0x77; a[14] = (uint8_t)(x >> 8); a[15] = (uint8_t)x;
}

/* Writes the frame into p (room for 2048 bytes); returns its length. */
static inline unsigned fb_build(const struct fb *f, uint8_t *p)
{
	static const uint8_t dmac[6] = { 0x02, 0x77, 0, 0, 0, 0x01 }, smac[6] = { 0x02, 0x77, 0, 0, 0, 0x02 };
	unsigned o = 12, l3, l4;
	unsigned l4len = (f->frag >= 2 ? 0 : 8) + f->payload;

	memset(p, 0, 2048);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	for (unsigned i = 0; i < f->nvlan; i++) {
		uint16_t tpid = f->vlan_tpid ? f->vlan_tpid : 0x8100;
		p[o] = (uint8_t)(tpid >> 8); p[o + 1] = (uint8_t)tpid;
		p[o + 2] = 0; p[o + 3] = (uint8_t)(10 + i);
		o += 4;
	}
	p[o] = f->v6 ? 0x86 : 0x08; p[o + 1] = f->v6 ? 0xdd : 0x00;
	l3 = o + 2;
	if (!f->v6) {
		uint8_t *ip = p + l3;
		unsigned tot = 20 + l4len;
		ip[0] = 0x45; ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot;
		ip[4] = (uint8_t)(f->frag_id >> 8); ip[5] = (uint8_t)f->frag_id;
		unsigned fo = 0;
		if (f->frag == 1) fo = 0x2000;
		else if (f->frag == 2) fo = 0x2000 | f->frag_off;
		else if (f->frag == 3) fo = f->frag_off;
		ip[6] = (uint8_t)(fo >> 8); ip[7] = (uint8_t)fo;
		ip[8] = 64; ip[9] = f->proto;
		memcpy(ip + 12, f->src, 4);
		memcpy(ip + 16, f->dst, 4);
		uint32_t sum = 0;
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		ip[10] = (uint8_t)(sum >> 8); ip[11] = (uint8_t)sum;
		l4 = l3 + 20;
	} else {
		uint8_t *ip = p + l3;
		unsigned ext = f->next_ext * 8 + (f->frag ? 8 : 0);
		unsigned plen = ext + l4len;
		ip[0] = 0x60; ip[4] = (uint8_t)(plen >> 8); ip[5] = (uint8_t)plen; ip[7] = 64;
		memcpy(ip + 8, f->src, 16);
		memcpy(ip + 24, f->dst, 16);
		uint8_t *nh = ip + 6;
		unsigned q = l3 + 40;
		for (unsigned i = 0; i < f->next_ext; i++) {
			*nh = 60;            /* destination options, 8 bytes: PadN */
			nh = p + q;
			p[q + 1] = 0; p[q + 2] = 1; p[q + 3] = 4;
			q += 8;
		}
		if (f->frag) {
			*nh = 44;
			nh = p + q;
			unsigned off = f->frag == 1 ? 0 : f->frag_off;
			unsigned v = off << 3 | (f->frag == 3 ? 0 : 1);
			p[q + 2] = (uint8_t)(v >> 8); p[q + 3] = (uint8_t)v;
			p[q + 4] = (uint8_t)(f->frag_id >> 24); p[q + 5] = (uint8_t)(f->frag_id >> 16);
			p[q + 6] = (uint8_t)(f->frag_id >> 8); p[q + 7] = (uint8_t)f->frag_id;
			q += 8;
		}
		*nh = f->proto;
		l4 = q;
	}
	if (f->frag < 2) {
		uint8_t *h = p + l4;
		h[0] = (uint8_t)(f->sport >> 8); h[1] = (uint8_t)f->sport;
		h[2] = (uint8_t)(f->dport >> 8); h[3] = (uint8_t)f->dport;
		if (f->proto == 17) {
			h[4] = (uint8_t)(l4len >> 8); h[5] = (uint8_t)l4len;
		}
	}
	for (unsigned i = 0; i < f->payload; i++)
		p[l4 + (f->frag >= 2 ? 0 : 8) + i] = (uint8_t)(i * 7 + f->frag_id);
	unsigned len = l4 + l4len;
	return len < 60 ? 60 : len;
}

/* The same flow seen the other way: addresses and ports swapped. */
static inline struct fb fb_reverse(const struct fb *f)
{
	struct fb r = *f;
	memcpy(r.src, f->dst, 16);
	memcpy(r.dst, f->src, 16);
	r.sport = f->dport;
	r.dport = f->sport;
	return r;
}

#endif
