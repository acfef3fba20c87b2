/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP codec: scapy reference segments (SYN with MSS/SACK-perm/TS/wscale,
 * PSH|ACK with SACK blocks over IPv6, all nine flags), checksums, every
 * options error (bad lengths, running past the header), unknown options
 * skipped, EOL stopping the walk, data offset errors, truncations, and
 * emit round trips (byte-identical to the reference where the layout
 * matches Linux). Inputs sit in guard-page buffers.
 */
#include <tapring/tcp.h>

#include "helpers.h"
#include "vectors.h"

static const uint8_t a4s[4] = { 10, 77, 0, 1 }, a4d[4] = { 10, 77, 0, 2 };
static const uint8_t a6s[16] = { 0xfd, 0x77, [15] = 1 }, a6d[16] = { 0xfd, 0x77, [15] = 2 };
static const struct tr_l4_pseudo p4 = { 4, a4s, a4d }, p6 = { 6, a6s, a6d };

static int parse_bytes(const uint8_t *src, size_t len, const struct tr_l4_pseudo *ph,
		       struct tr_tcp_repr *r, unsigned flags, const char **why)
{
	uint8_t *g = t_guard_copy(src, len);
	struct tr_tcp_view v = tr_tcp_view_ro(g, len);
	return tr_tcp_parse(&v, ph, r, flags, why);
}

static int opts_bytes(const uint8_t *src, size_t len, struct tr_tcp_opts *o, const char **why)
{
	uint8_t *g = t_guard_copy(src, len);
	int rc = tr_tcp_opts_parse(g, len, o, why);
	t_guard_free(g, len);
	return rc;
}

static void test_vectors(void)
{
	struct tr_tcp_repr r;
	const char *why = NULL;
	T_CHECK_EQ(parse_bytes(v_tcp4_syn, sizeof(v_tcp4_syn), &p4, &r, 0, &why), 0);
	T_CHECK_EQ(r.src_port, 40000);
	T_CHECK_EQ(r.dst_port, 80);
	T_CHECK_EQ(r.seq, 1000);
	T_CHECK_EQ(r.flags, TR_TCP_SYN);
	T_CHECK_EQ(r.window, 64240);
	T_CHECK_EQ(r.opts.present, TR_TCP_HAS_MSS | TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS | TR_TCP_HAS_WSCALE);
	T_CHECK_EQ(r.opts.mss, 1460);
	T_CHECK_EQ(r.opts.wscale, 7);
	T_CHECK_EQ(r.opts.ts_val, 123456);
	T_CHECK_EQ(r.opts.ts_ecr, 0);
	T_CHECK_EQ(r.payload_len, 0);

	T_CHECK_EQ(parse_bytes(v_tcp6_sack, sizeof(v_tcp6_sack), &p6, &r, 0, &why), 0);
	T_CHECK_EQ(r.seq, 0xdeadbeef);
	T_CHECK_EQ(r.ack, 0x01020304);
	T_CHECK_EQ(r.flags, TR_TCP_PSH | TR_TCP_ACK);
	T_CHECK_EQ(r.opts.present, TR_TCP_HAS_SACK);
	T_CHECK_EQ(r.opts.sack_count, 2);
	T_CHECK_EQ(r.opts.sack[0].left, 100);
	T_CHECK_EQ(r.opts.sack[0].right, 200);
	T_CHECK_EQ(r.opts.sack[1].left, 300);
	T_CHECK_EQ(r.opts.sack[1].right, 400);
	T_CHECK_EQ(r.payload_len, 5);
	T_CHECK(memcmp(r.payload, "data!", 5) == 0);

	/* SYN|ACK|ECE|CWR|NS (scapy "SAECN"). */
	T_CHECK_EQ(parse_bytes(v_tcp4_ecn, sizeof(v_tcp4_ecn), &p4, &r, 0, &why), 0);
	T_CHECK_EQ(r.flags, TR_TCP_SYN | TR_TCP_ACK | TR_TCP_ECE | TR_TCP_CWR | TR_TCP_NS);

	/* Bad checksum: -EBADMSG with the repr filled; wrong family too. */
	why = NULL;
	T_CHECK_EQ(parse_bytes(v_tcp4_syn, sizeof(v_tcp4_syn), &p6, &r, 0, &why), -EBADMSG);
	T_CHECK_STR(why, "tcp: bad checksum");
	T_CHECK_EQ(r.opts.mss, 1460);
	uint8_t d[sizeof(v_tcp6_sack)];
	memcpy(d, v_tcp6_sack, sizeof(d));
	d[sizeof(d) - 1] ^= 1;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &p6, &r, 0, NULL), -EBADMSG);
	T_CHECK_EQ(parse_bytes(d, sizeof(d), NULL, &r, TR_L4_NO_CKSUM, NULL), 0);
	T_CHECK_EQ(parse_bytes(d, sizeof(d), NULL, &r, 0, NULL), -EINVAL);

	/* View getters. */
	uint8_t *g = t_guard_copy(v_tcp4_ecn, sizeof(v_tcp4_ecn));
	struct tr_tcp_view v = { g, sizeof(v_tcp4_ecn) };
	T_CHECK_EQ(tr_tcp_check(&v, NULL), 0);
	T_CHECK_EQ(tr_tcp_hdr_len(&v), 20);
	T_CHECK_EQ(tr_tcp_flags(&v) & TR_TCP_NS, TR_TCP_NS);
	tr_tcp_set_flags(&v, TR_TCP_FIN);
	T_CHECK_EQ(tr_tcp_flags(&v), TR_TCP_FIN);
	T_CHECK_EQ(tr_tcp_hdr_len(&v), 20);   /* NS clear kept the data offset */
	uint16_t ck = tr_tcp_compute_cksum(&v, &p4);
	tr_cksum_store(g + TR_TCP_OFF_CKSUM, ck);
	struct tr_tcp_repr r2;
	T_CHECK_EQ(tr_tcp_parse(&v, &p4, &r2, 0, NULL), 0);
	t_guard_free(g, sizeof(v_tcp4_ecn));
}

static void test_malformed(void)
{
	struct tr_tcp_repr r;
	const char *why;
	for (size_t n = 0; n < sizeof(v_tcp4_syn); n++) {
		why = NULL;
		T_CHECK_EQ(parse_bytes(v_tcp4_syn, n, &p4, &r, 0, &why), -EINVAL);
		T_CHECK(why && strncmp(why, "tcp: ", 5) == 0);
	}
	uint8_t d[40];
	memcpy(d, v_tcp4_syn, 40);
	d[12] = 0x30;   /* data offset 3 */
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, 40, &p4, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "tcp: data offset 3 < 5");
	d[12] = 0xf0;   /* 60 bytes > 40 */
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, 40, &p4, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "tcp: header length exceeds segment");

	struct tr_tcp_opts o;
	static const struct { uint8_t b[12]; size_t n; const char *why; } bad[] = {
		{ { 2, 3, 5 }, 3, "tcp: mss option length != 4" },
		{ { 3, 4, 1, 1 }, 4, "tcp: wscale option length != 3" },
		{ { 4, 3, 0 }, 3, "tcp: sack-permitted option length != 2" },
		{ { 8, 8, 0, 0, 0, 0, 0, 0 }, 8, "tcp: timestamp option length != 10" },
		{ { 5, 9, 0, 0, 0, 0, 0, 0, 0 }, 9, "tcp: sack option length not 2+8n (n 1..4)" },
		{ { 5, 2 }, 2, "tcp: sack option length not 2+8n (n 1..4)" },
		{ { 1, 1, 2 }, 3, "tcp: option length byte missing" },
		{ { 99, 1, 0, 0 }, 4, "tcp: option length < 2" },
		{ { 99, 0, 0, 0 }, 4, "tcp: option length < 2" },
		{ { 1, 2, 4, 5, 0 }, 4, "tcp: option runs past header" },
		{ { 99, 12 }, 4, "tcp: option runs past header" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		T_CHECK_EQ(opts_bytes(bad[i].b, bad[i].n, &o, &why), -EINVAL);
		T_CHECK_STR(why, bad[i].why);
	}
	/* SACK with 5 blocks (42 bytes) cannot fit, but its length is checked
	 * on its own as well: */
	uint8_t s5[42] = { 5, 42 };
	why = NULL;
	T_CHECK_EQ(opts_bytes(s5, sizeof(s5), &o, &why), -EINVAL);
	T_CHECK_STR(why, "tcp: sack option length not 2+8n (n 1..4)");

	/* Unknown kinds skipped by length; EOL ends the walk (garbage after). */
	static const uint8_t ok[] = { 30, 4, 0xaa, 0xbb, 1, 2, 4, 0x05, 0xdc, 0, 0xff, 0xff };
	T_CHECK_EQ(opts_bytes(ok, sizeof(ok), &o, NULL), 0);
	T_CHECK_EQ(o.unknown_count, 1);
	T_CHECK_EQ(o.present, TR_TCP_HAS_MSS);
	T_CHECK_EQ(o.mss, 1500);
	/* Options region consisting of NOPs only / empty. */
	static const uint8_t nops[] = { 1, 1, 1, 1 };
	T_CHECK_EQ(opts_bytes(nops, 4, &o, NULL), 0);
	T_CHECK_EQ(o.present, 0);
	T_CHECK_EQ(opts_bytes(nops, 0, &o, NULL), 0);
}

static void test_emit(void)
{
	uint8_t buf[128];
	struct tr_tcp_repr r = { .src_port = 40000, .dst_port = 80, .seq = 1000, .flags = TR_TCP_SYN,
				 .window = 64240 };
	r.opts.present = TR_TCP_HAS_MSS | TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS | TR_TCP_HAS_WSCALE;
	r.opts.mss = 1460;
	r.opts.wscale = 7;
	r.opts.ts_val = 123456;
	T_CHECK_EQ(tr_tcp_emit_len(&r), 40);
	memset(buf, 0xaa, sizeof(buf));
	T_CHECK_EQ(tr_tcp_emit(&r, &p4, buf, sizeof(buf)), 0);
	/* Same bytes as scapy's (Linux-style) SYN, checksum included. */
	T_CHECK(memcmp(buf, v_tcp4_syn, sizeof(v_tcp4_syn)) == 0);
	T_CHECK_EQ(buf[40], 0xaa);
	T_CHECK_EQ(tr_tcp_emit(&r, &p4, buf, 39), -ENOSPC);

	struct tr_tcp_repr s = { .src_port = 443, .dst_port = 50000, .seq = 0xdeadbeef, .ack = 0x01020304,
				 .flags = TR_TCP_PSH | TR_TCP_ACK, .window = 501,
				 .payload = (const uint8_t *)"data!", .payload_len = 5 };
	s.opts.present = TR_TCP_HAS_SACK;
	s.opts.sack_count = 2;
	s.opts.sack[0] = (struct tr_tcp_sack_block){ 100, 200 };
	s.opts.sack[1] = (struct tr_tcp_sack_block){ 300, 400 };
	T_CHECK_EQ(tr_tcp_emit(&s, &p6, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_tcp6_sack, sizeof(v_tcp6_sack)) == 0);

	/* Round trips over every option combination that fits. */
	int tried = 0, ok = 0;
	for (unsigned mask = 0; mask < 32; mask++) {
		for (unsigned ns = 1; ns <= 4; ns++) {
			struct tr_tcp_repr a = { .src_port = 1, .dst_port = 2, .seq = mask, .ack = ns,
						 .flags = (uint16_t)(mask * 13 & 0x1ff), .window = 3, .urgent = 4,
						 .payload = (const uint8_t *)"xyz", .payload_len = mask & 3 };
			a.opts.present = (uint8_t)mask;
			a.opts.mss = 536;
			a.opts.wscale = 14;
			a.opts.ts_val = 0x11223344;
			a.opts.ts_ecr = 0x55667788;
			a.opts.sack_count = (uint8_t)ns;
			for (unsigned i = 0; i < ns; i++)
				a.opts.sack[i] = (struct tr_tcp_sack_block){ i * 1000, i * 1000 + 500 };
			int rc = tr_tcp_emit(&a, &p4, buf, sizeof(buf));
			if (tr_tcp_opts_emit_len(&a.opts) > 40) {
				T_CHECK_EQ(rc, -EINVAL);
				continue;
			}
			tried++;
			T_ASSERT(rc == 0);
			struct tr_tcp_repr b;
			if (parse_bytes(buf, tr_tcp_emit_len(&a), &p4, &b, 0, NULL) != 0)
				continue;
			if (b.flags != a.flags || b.seq != a.seq || b.ack != a.ack || b.urgent != 4 ||
			    b.window != 3 || b.opts.present != a.opts.present || b.payload_len != a.payload_len)
				continue;
			if ((mask & TR_TCP_HAS_MSS) && b.opts.mss != 536)
				continue;
			if ((mask & TR_TCP_HAS_WSCALE) && b.opts.wscale != 14)
				continue;
			if ((mask & TR_TCP_HAS_TS) && (b.opts.ts_val != 0x11223344 || b.opts.ts_ecr != 0x55667788))
				continue;
			if ((mask & TR_TCP_HAS_SACK) &&
			    (b.opts.sack_count != ns || b.opts.sack[ns - 1].right != (ns - 1) * 1000 + 500))
				continue;
			ok++;
		}
	}
	T_CHECK(tried > 60);
	T_CHECK_EQ(ok, tried);

	struct tr_tcp_repr bad = { 0 };
	bad.opts.present = TR_TCP_HAS_SACK;
	bad.opts.sack_count = 0;
	T_CHECK_EQ(tr_tcp_emit(&bad, &p4, buf, sizeof(buf)), -EINVAL);
	bad.opts.sack_count = 5;
	T_CHECK_EQ(tr_tcp_emit(&bad, &p4, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	test_vectors();
	test_malformed();
	test_emit();
	return t_done();
}
