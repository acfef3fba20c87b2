/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio-net header codec (codecs/vnet.c):
 *  - parse/emit round trips over every flag and GSO type, byte layout
 *    (little-endian fields), rejects (unknown flags/type, GSO size 0,
 *    UDP_L4 without NEEDS_CSUM, ECN on UDP, short buffer), every length
 *    from 0 to 12 placed against a PROT_NONE page;
 *  - tr_vnet_check_frame on UDP/TCP super-frames over IPv4 and IPv6
 *    (segment counts, offsets) and the kernel's EINVAL cases: checksum
 *    span outside the frame, UDP csum_offset 16, hdr_len beyond the
 *    frame, more than 128 UDP segments, per-segment (not full) lengths,
 *    the wrong IP version; every frame ends at a guard page;
 *  - tr_vnet_prepare_gso + tr_vnet_segment: each segment's IP length, id,
 *    header checksum, UDP length, TCP sequence/flags and L4 checksum,
 *    checked with the byte-at-a-time reference checksum; the payload of
 *    the segments concatenated is the super-frame's payload;
 *  - tr_vnet_csum_complete on a NEEDS_CSUM frame.
 */
#include <tapring/checksum.h>
#include <tapring/vnet.h>

#include "helpers.h"

static void test_roundtrip(void)
{
	static const struct tr_vnet_repr reprs[] = {
		{ 0 },
		{ .flags = TR_VNET_F_DATA_VALID },
		{ .flags = TR_VNET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6 },
		{ .flags = TR_VNET_F_NEEDS_CSUM, .gso_type = TR_VNET_GSO_UDP_L4, .gso_size = 1472,
		  .hdr_len = 42, .csum_start = 34, .csum_offset = 6 },
		{ .flags = TR_VNET_F_NEEDS_CSUM, .gso_type = TR_VNET_GSO_TCPV4, .ecn = true, .gso_size = 1448,
		  .hdr_len = 66, .csum_start = 34, .csum_offset = 16, .num_buffers = 1 },
		{ .flags = TR_VNET_F_NEEDS_CSUM, .gso_type = TR_VNET_GSO_TCPV6, .gso_size = 0xfffe,
		  .hdr_len = 0xffff, .csum_start = 0x1234, .csum_offset = 0xabcd, .num_buffers = 0xffff },
		{ .gso_type = TR_VNET_GSO_UDP, .gso_size = 1480 },
	};
	for (size_t i = 0; i < sizeof(reprs) / sizeof(reprs[0]); i++) {
		uint8_t *b = t_guard_buf(12);
		struct tr_vnet_repr r;
		T_CHECK_EQ(tr_vnet_emit(&reprs[i], b, 12), 0);
		T_CHECK_EQ(tr_vnet_parse(b, 12, &r, NULL), 0);
		T_CHECK(memcmp(&r, &reprs[i], sizeof(r)) == 0);
		T_CHECK_EQ(tr_vnet_emit(&reprs[i], b, 11), -ENOSPC);
		t_guard_free(b, 12);
	}
	/* Wire layout: little-endian, ECN in the type byte. */
	uint8_t b[12];
	tr_vnet_emit(&reprs[4], b, 12);
	static const uint8_t want[12] = { 1, 0x81, 66, 0, 0xa8, 0x05, 34, 0, 16, 0, 1, 0 };
	T_CHECK(memcmp(b, want, 12) == 0);
	T_CHECK_EQ(tr_vnet_emit_len(), 12);
}

static void test_parse_rejects(void)
{
	struct tr_vnet_repr r;
	const char *why = NULL;
	static const uint8_t bad[][12] = {
		{ 0x04 },                                  /* RSC_INFO / unknown flag */
		{ 0x80 },
		{ 1, 2, 0, 0, 100 },                       /* gso type 2 */
		{ 1, 6, 0, 0, 100 },                       /* gso type 6 */
		{ 1, TR_VNET_GSO_UDP_L4, 42, 0, 0, 0 },    /* gso_size 0 */
		{ 0, TR_VNET_GSO_UDP_L4, 42, 0, 100, 0 },  /* UDP_L4 without NEEDS_CSUM */
		{ 1, TR_VNET_GSO_UDP_L4 | 0x80, 42, 0, 100, 0 },   /* ECN on UDP */
		{ 0, 0x80 },                               /* ECN without GSO */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *g = t_guard_copy(bad[i], 12);
		why = NULL;
		T_CHECK_EQ(tr_vnet_parse(g, 12, &r, &why), -EINVAL);
		T_CHECK(why != NULL && strncmp(why, "vnet: ", 6) == 0);
		t_guard_free(g, 12);
	}
	uint8_t ok[12] = { 1, 5, 42, 0, 0xc0, 5, 34, 0, 6, 0, 0, 0 };
	for (size_t len = 0; len <= 12; len++) {
		uint8_t *g = t_guard_copy(ok, len);
		T_CHECK_EQ(tr_vnet_parse(g, len, &r, NULL), len == 12 ? 0 : -EINVAL);
		t_guard_free(g, len);
	}
}

/* An Ethernet + IPv4/IPv6 + UDP/TCP frame with `payload` bytes of payload
 * (pattern i * 7 + 3), lengths set to the full length. Returns its length. */
static size_t mk_frame(uint8_t *f, int v6, int tcp, size_t payload)
{
	size_t l3 = 14, iph = v6 ? 40 : 20, l4h = tcp ? 32 : 8;
	size_t len = l3 + iph + l4h + payload;
	memset(f, 0, l3 + iph + l4h);
	memcpy(f, "\x02\x77\x00\x00\x00\x01\x02\x77\x00\x00\x00\x02", 12);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	uint8_t *ip = f + l3, *l4 = f + l3 + iph;
	uint8_t proto = tcp ? 6 : 17;
	if (v6) {
		ip[0] = 0x60;
		tr_store_be16(ip + 4, (uint16_t)(iph - 40 + l4h + payload));
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0xfd; ip[9] = 0x77; ip[23] = 2;
		ip[24] = 0xfd; ip[25] = 0x77; ip[39] = 1;
	} else {
		ip[0] = 0x45;
		tr_store_be16(ip + 2, (uint16_t)(iph + l4h + payload));
		tr_store_be16(ip + 4, 0x1000);
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 10; ip[13] = 77; ip[14] = 1; ip[15] = 2;
		ip[16] = 10; ip[17] = 77; ip[18] = 0; ip[19] = 1;
		tr_cksum_store(ip + 10, tr_cksum(ip, 20));
	}
	tr_store_be16(l4, 40000);
	tr_store_be16(l4 + 2, 9);
	if (tcp) {
		tr_store_be32(l4 + 4, 0xfffff000u);   /* wraps inside the super-frame */
		tr_store_be32(l4 + 8, 77);
		l4[12] = 8 << 4;
		l4[13] = 0x18 | 0x01 | 0x80;          /* PSH ACK FIN CWR */
		tr_store_be16(l4 + 14, 512);
		memcpy(l4 + 20, "\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02", 12);
	} else {
		tr_store_be16(l4 + 4, (uint16_t)(l4h + payload));
	}
	for (size_t i = 0; i < payload; i++)
		f[l3 + iph + l4h + i] = (uint8_t)(i * 7 + 3);
	return len;
}

/* The L4 checksum of frame f verifies (reference implementation over a
 * pseudo-header copy). */
static int l4_ok(const uint8_t *f, size_t len)
{
	int v6 = f[12] == 0x86;
	size_t l3 = 14, l4 = v6 ? 54 : l3 + (size_t)(f[14] & 0xf) * 4;
	size_t l4len = len - l4;
	static uint8_t buf[70000];
	size_t n = 0;
	if (v6) {
		memcpy(buf, f + l3 + 8, 32);
		n = 32;
		buf[n++] = 0; buf[n++] = 0;
		buf[n++] = (uint8_t)(l4len >> 8); buf[n++] = (uint8_t)l4len;
		buf[n++] = 0; buf[n++] = 0; buf[n++] = 0; buf[n++] = f[l3 + 6];
	} else {
		memcpy(buf, f + l3 + 12, 8);
		n = 8;
		buf[n++] = 0; buf[n++] = f[l3 + 9];
		buf[n++] = (uint8_t)(l4len >> 8); buf[n++] = (uint8_t)l4len;
	}
	memcpy(buf + n, f + l4, l4len);
	return tr_cksum_reference(buf, n + l4len) == 0;
}

static void test_check_frame(void)
{
	static uint8_t f[70000];
	struct tr_vnet_info in;
	const char *why;
	for (int v6 = 0; v6 < 2; v6++) {
		size_t payload = 64 * 1000 + 100;   /* 65 segments */
		size_t len = mk_frame(f, v6, 0, payload);
		uint8_t *g = t_guard_copy(f, len);
		struct tr_vnet_repr r;
		T_CHECK_EQ(tr_vnet_prepare_gso(&r, g, len, 1000, NULL), 0);
		T_CHECK_EQ(r.gso_type, TR_VNET_GSO_UDP_L4);
		T_CHECK_EQ(r.csum_start, v6 ? 54 : 34);
		T_CHECK_EQ(r.csum_offset, 6);
		T_CHECK_EQ(r.hdr_len, v6 ? 62 : 42);
		T_CHECK_EQ(tr_vnet_check_frame(&r, g, len, &in, NULL), 0);
		T_CHECK_EQ(in.segs, 65);
		T_CHECK_EQ(in.ip_version, v6 ? 6 : 4);
		T_CHECK_EQ(in.l4_proto, 17);
		T_CHECK_EQ(in.payload_len, payload);
		T_CHECK_EQ(in.payload_off, v6 ? 62 : 42);
		/* The kernel's EINVAL cases. */
		struct tr_vnet_repr b = r;
		b.csum_offset = 16;
		why = NULL;
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, &why), -EINVAL);
		T_CHECK(why != NULL);
		b = r;
		b.hdr_len = (uint16_t)(len + 1 > 0xffff ? 0xffff : len + 1);
		if (len < 0xffff)
			T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		b = r;
		b.gso_size = 400;   /* 161 segments */
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		b = r;
		b.flags = 0;
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		b = r;
		b.csum_start = (uint16_t)(len - 1);
		b.gso_type = TR_VNET_GSO_NONE;
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		b = r;
		b.gso_type = v6 ? TR_VNET_GSO_TCPV6 : TR_VNET_GSO_TCPV4;
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		b = r;
		b.gso_type = v6 ? TR_VNET_GSO_TCPV4 : TR_VNET_GSO_TCPV6;
		T_CHECK_EQ(tr_vnet_check_frame(&b, g, len, NULL, NULL), -EINVAL);
		/* Per-segment lengths instead of full ones. */
		uint8_t *ul = g + (v6 ? 54 : 34) + 4;
		uint16_t save = tr_load_be16(ul);
		tr_store_be16(ul, 1480);
		T_CHECK_EQ(tr_vnet_check_frame(&r, g, len, NULL, NULL), -EINVAL);
		tr_store_be16(ul, save);
		uint8_t *il = g + 14 + (v6 ? 4 : 2);
		save = tr_load_be16(il);
		tr_store_be16(il, 1500);
		T_CHECK_EQ(tr_vnet_check_frame(&r, g, len, NULL, NULL), -EINVAL);
		tr_store_be16(il, save);
		/* Every truncation of the frame: never reads past the end. */
		for (size_t cut = 0; cut < 80; cut++) {
			uint8_t *h = t_guard_copy(g, cut);
			(void)tr_vnet_check_frame(&r, h, cut, &in, NULL);
			T_CHECK_EQ(tr_vnet_check_frame(&r, h, cut, NULL, NULL), -EINVAL);
			t_guard_free(h, cut);
		}
		t_guard_free(g, len);
	}
	/* Plain NEEDS_CSUM frame: complete it and verify. */
	size_t len = mk_frame(f, 0, 0, 1000);
	struct tr_vnet_repr r;
	T_CHECK_EQ(tr_vnet_prepare_gso(&r, f, len, 1472, NULL), 0);
	T_CHECK_EQ(r.gso_type, TR_VNET_GSO_NONE);
	T_CHECK_EQ(r.flags, TR_VNET_F_NEEDS_CSUM);
	T_CHECK_EQ(tr_vnet_check_frame(&r, f, len, &in, NULL), 0);
	T_CHECK_EQ(in.segs, 1);
	T_CHECK(!l4_ok(f, len));
	T_CHECK_EQ(tr_vnet_csum_complete(&r, f, len), 0);
	T_CHECK(l4_ok(f, len));
	T_CHECK_EQ(r.flags, TR_VNET_F_DATA_VALID);
	/* Not IP: no GSO, but a checksum span inside the frame is fine. */
	memset(f, 0, 100);
	struct tr_vnet_repr raw = { .flags = TR_VNET_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 10 };
	T_CHECK_EQ(tr_vnet_check_frame(&raw, f, 100, &in, NULL), 0);
	T_CHECK_EQ(in.ip_version, 0);
	raw.gso_type = TR_VNET_GSO_UDP_L4;
	raw.gso_size = 10;
	T_CHECK_EQ(tr_vnet_check_frame(&raw, f, 100, &in, NULL), -EINVAL);
}

static void test_segment(void)
{
	static uint8_t f[70000], seg[2048], cat[70000];
	for (int v6 = 0; v6 < 2; v6++) {
		for (int tcp = 0; tcp < 2; tcp++) {
			size_t payload = tcp ? 40000 : 10 * 1200 + 1;
			uint16_t mss = tcp ? 1448 : 1200;
			size_t len = mk_frame(f, v6, tcp, payload);
			struct tr_vnet_repr r;
			struct tr_vnet_info in;
			T_CHECK_EQ(tr_vnet_prepare_gso(&r, f, len, mss, NULL), 0);
			r.ecn = tcp != 0;
			uint8_t *g = t_guard_copy(f, len);
			T_CHECK_EQ(tr_vnet_check_frame(&r, g, len, &in, NULL), 0);
			uint32_t want = (uint32_t)((payload + mss - 1) / mss);
			T_CHECK_EQ(in.segs, want);
			size_t got = 0, hl = in.payload_off;
			for (uint32_t k = 0; k < in.segs; k++) {
				int n = tr_vnet_segment(&r, &in, g, len, k, seg, sizeof(seg));
				T_ASSERT(n > 0);
				size_t plen = (size_t)n - hl;
				T_CHECK_EQ(plen, k + 1 < in.segs ? mss : payload - (size_t)k * mss);
				memcpy(cat + got, seg + hl, plen);
				got += plen;
				T_CHECK(l4_ok(seg, (size_t)n));
				if (v6) {
					T_CHECK_EQ(tr_load_be16(seg + 18), (size_t)n - 54);
				} else {
					T_CHECK_EQ(tr_load_be16(seg + 16), (size_t)n - 14);
					T_CHECK_EQ(tr_load_be16(seg + 18), 0x1000 + k);
					T_CHECK_EQ(tr_cksum_reference(seg + 14, 20), 0);
				}
				const uint8_t *l4 = seg + (v6 ? 54 : 34);
				if (tcp) {
					T_CHECK_EQ(tr_load_be32(l4 + 4), (uint32_t)(0xfffff000u + k * mss));
					T_CHECK_EQ((l4[13] & 0x09) != 0, k + 1 == in.segs);
					T_CHECK_EQ((l4[13] & 0x80) != 0, k == 0);
					T_CHECK((l4[13] & 0x10) != 0);
				} else {
					T_CHECK_EQ(tr_load_be16(l4 + 4), (size_t)n - (v6 ? 54 : 34));
				}
			}
			T_CHECK_EQ(got, payload);
			T_CHECK(memcmp(cat, f + hl, payload) == 0);
			T_CHECK_EQ(tr_vnet_segment(&r, &in, g, len, in.segs, seg, sizeof(seg)), -EINVAL);
			T_CHECK_EQ(tr_vnet_segment(&r, &in, g, len, 0, seg, hl + 10), -ENOSPC);
			t_guard_free(g, len);
		}
	}
	/* The super-frame itself completes to a valid checksum too (the seed
	 * is the full-length pseudo-header sum). */
	size_t len = mk_frame(f, 1, 0, 5000);
	struct tr_vnet_repr r;
	T_CHECK_EQ(tr_vnet_prepare_gso(&r, f, len, 1000, NULL), 0);
	T_CHECK_EQ(tr_vnet_csum_complete(&r, f, len), 0);
	T_CHECK(l4_ok(f, len));
	/* UDP_L4 above 128 segments is refused up front. */
	len = mk_frame(f, 0, 0, 129 * 100);
	T_CHECK_EQ(tr_vnet_prepare_gso(&r, f, len, 100, NULL), -EINVAL);
}

int main(void)
{
	test_roundtrip();
	test_parse_rejects();
	test_check_frame();
	test_segment();
	return t_done();
}
