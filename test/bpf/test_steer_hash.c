/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The steering hash in user space (tr_steer_hash: engine/bpf/flow_hash.h,
 * the source the kernel program is built from) over crafted frames:
 * symmetry, fragments, VLAN/QinQ, IPv6 extension headers and their bound,
 * non-IP, malformed and truncated frames (each prefix of each frame ends at
 * a PROT_NONE page), spread over queues, and a known answer computed here
 * from the documented definition (docs/bpf.md).
 */
#include <tapring/ebpf.h>

#include "helpers.h"
#include "frames.h"

static uint8_t buf[2048];

static uint32_t h_of(const struct fb *f)
{
	unsigned len = fb_build(f, buf);
	uint8_t *g = t_guard_copy(buf, len);
	uint32_t h = tr_steer_hash(g, len);
	t_guard_free(g, len);
	return h;
}

/* Every prefix of the frame, ending at a guard page: must not fault. */
static void all_prefixes(const struct fb *f)
{
	unsigned len = fb_build(f, buf);
	for (unsigned n = 0; n <= len; n++) {
		uint8_t *g = t_guard_copy(buf, n);
		(void)tr_steer_hash(g, n);
		t_guard_free(g, n);
	}
	T_CHECK(tr_steer_hash(NULL, 100) == 0);
}

/* The documented hash, written out independently. */
static uint32_t rotl(uint32_t x, int r) { return x << r | x >> (32 - r); }
static uint32_t mix(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u; k = rotl(k, 15); k *= 0x1b873593u;
	h ^= k; h = rotl(h, 13); return h * 5 + 0xe6546b64u;
}
static uint32_t ref_v4(uint32_t a, uint16_t pa, uint32_t b, uint16_t pb, uint8_t proto)
{
	if (a > b || (a == b && pa > pb)) {
		uint32_t t = a; a = b; b = t;
		uint16_t u = pa; pa = pb; pb = u;
	}
	uint32_t h = 0x7a9e5c31u;
	h = mix(h, 4); h = mix(h, a); h = mix(h, b);
	h = mix(h, (uint32_t)pa << 16 | pb); h = mix(h, proto);
	h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
	return h;
}

int main(void)
{
	struct fb f;

	/* symmetry and sensitivity, v4 and v6, UDP/TCP/SCTP */
	static const uint8_t protos[3] = { 17, 6, 132 };
	uint32_t seen[192];
	unsigned nseen = 0, dup = 0;
	for (int v6 = 0; v6 < 2; v6++)
		for (unsigned pi = 0; pi < 3; pi++)
			for (unsigned i = 0; i < 32; i++) {
				memset(&f, 0, sizeof(f));
				f.v6 = v6;
				f.proto = protos[pi];
				if (v6) { fb_ip6(f.src, 0x100 + i); fb_ip6(f.dst, 1); }
				else { fb_ip4(f.src, 1, 2 + i); fb_ip4(f.dst, 0, 1); }
				f.sport = (uint16_t)(40000 + i * 13);
				f.dport = 7;
				f.payload = 16;
				struct fb r = fb_reverse(&f);
				uint32_t h = h_of(&f);
				T_CHECK(h == h_of(&r));
				T_CHECK(h != 0);
				for (unsigned k = 0; k < nseen; k++)
					dup += seen[k] == h;
				seen[nseen++] = h;
				f.sport++;
				T_CHECK(h_of(&f) != h);        /* ports count */
				f.sport--;
				if (i == 0)
					all_prefixes(&f);
			}
	T_CHECK(dup == 0);

	/* known answer: the definition in docs/bpf.md */
	memset(&f, 0, sizeof(f));
	f.proto = 17; fb_ip4(f.src, 1, 9); fb_ip4(f.dst, 8, 1); f.sport = 5353; f.dport = 7;
	T_CHECK_EQ(h_of(&f), ref_v4(0x0a4d0109u, 5353, 0x0a4d0801u, 7, 17));
	f.proto = 1;   /* ICMP: no ports, protocol still counts */
	T_CHECK_EQ(h_of(&f), ref_v4(0x0a4d0109u, 0, 0x0a4d0801u, 0, 1));

	/* VLAN, QinQ: the tags do not change the flow; past the bound it is
	 * not parsed (queue 0) */
	memset(&f, 0, sizeof(f));
	f.proto = 17; fb_ip4(f.src, 3, 3); fb_ip4(f.dst, 0, 1); f.sport = 1234; f.dport = 53;
	uint32_t plain = h_of(&f);
	f.nvlan = 1;
	T_CHECK_EQ(h_of(&f), plain);
	f.nvlan = 2; f.vlan_tpid = 0x88a8;
	T_CHECK_EQ(h_of(&f), plain);
	all_prefixes(&f);
	f.nvlan = 3;
	T_CHECK_EQ(h_of(&f), 0);

	/* IPv4 fragments: every piece, and both directions, hash alike, on
	 * the addresses only (the same as a non-first fragment of any proto) */
	memset(&f, 0, sizeof(f));
	f.proto = 17; fb_ip4(f.src, 4, 4); fb_ip4(f.dst, 0, 1); f.sport = 999; f.dport = 7;
	f.frag_id = 0x1234; f.payload = 64;
	uint32_t whole = h_of(&f);
	f.frag = 1;
	uint32_t h1 = h_of(&f);
	f.frag = 2; f.frag_off = 9;
	T_CHECK_EQ(h_of(&f), h1);
	f.frag = 3; f.frag_off = 18;
	T_CHECK_EQ(h_of(&f), h1);
	struct fb rf = fb_reverse(&f);
	T_CHECK_EQ(h_of(&rf), h1);
	T_CHECK(h1 != whole && h1 != 0);
	f.proto = 6;
	T_CHECK_EQ(h_of(&f), h1);
	all_prefixes(&f);

	/* IPv6 fragments, with and without extension headers before them */
	memset(&f, 0, sizeof(f));
	f.v6 = 1; f.proto = 17; fb_ip6(f.src, 0x55); fb_ip6(f.dst, 1); f.sport = 999; f.dport = 7;
	f.frag_id = 0xabcdef; f.payload = 64;
	uint32_t whole6 = h_of(&f);
	f.next_ext = 2;
	T_CHECK_EQ(h_of(&f), whole6);          /* ext headers walked to the ports */
	all_prefixes(&f);
	f.next_ext = 0; f.frag = 1;
	uint32_t f6 = h_of(&f);
	T_CHECK(f6 != whole6 && f6 != 0);
	f.frag = 2; f.frag_off = 100;
	T_CHECK_EQ(h_of(&f), f6);
	f.frag = 3; f.frag_off = 200; f.next_ext = 3;
	T_CHECK_EQ(h_of(&f), f6);
	all_prefixes(&f);
	/* a chain longer than the bound: addresses only, like a fragment */
	f.frag = 0; f.next_ext = 9;
	T_CHECK_EQ(h_of(&f), f6);
	f.next_ext = 8;                        /* exactly the bound: ports seen */
	T_CHECK_EQ(h_of(&f), whole6);

	/* non-IP and malformed IP go to queue 0 */
	memset(buf, 0, sizeof(buf));
	buf[12] = 0x08; buf[13] = 0x06;        /* ARP */
	T_CHECK_EQ(tr_steer_hash(buf, 60), 0);
	T_CHECK_EQ(tr_steer_queue(buf, 60, 2), 0);
	memset(&f, 0, sizeof(f));
	f.proto = 17; fb_ip4(f.src, 1, 1); fb_ip4(f.dst, 0, 1);
	unsigned len = fb_build(&f, buf);
	buf[14] = 0x44;                        /* IHL 4 */
	T_CHECK_EQ(tr_steer_hash(buf, len), 0);
	buf[14] = 0x65;                        /* version 6 in an IPv4 frame */
	T_CHECK_EQ(tr_steer_hash(buf, len), 0);
	T_CHECK_EQ(tr_steer_hash(buf, 13), 0);
	T_CHECK_EQ(tr_steer_queue(buf, len, 0), 0);

	/* spread: 1024 UDP flows over 2 and 4 queues stay within 10 points
	 * of even */
	unsigned q2[2] = { 0 }, q4[4] = { 0 };
	for (unsigned i = 0; i < 1024; i++) {
		memset(&f, 0, sizeof(f));
		f.proto = 17; fb_ip4(f.src, 1 + i / 200, 2 + i % 200); fb_ip4(f.dst, 0, 1);
		f.sport = (uint16_t)(1024 + i * 31); f.dport = 7;
		len = fb_build(&f, buf);
		q2[tr_steer_queue(buf, len, 2)]++;
		q4[tr_steer_queue(buf, len, 4)]++;
	}
	printf("1024 flows: 2 queues %u/%u, 4 queues %u/%u/%u/%u\n", q2[0], q2[1], q4[0], q4[1], q4[2], q4[3]);
	for (int i = 0; i < 2; i++)
		T_CHECK(q2[i] > 410 && q2[i] < 614);
	for (int i = 0; i < 4; i++)
		T_CHECK(q4[i] > 154 && q4[i] < 358);
	return t_done();
}
