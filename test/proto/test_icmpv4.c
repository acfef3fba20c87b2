/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv4 codec: scapy echo request, port unreachable and time exceeded
 * (embedded IPv4 header + 8 bytes exposed as a view), checksum verify and
 * compute, other types by type/code, every truncation, malformed embedded
 * headers, emit round trips and in-place echo-reply rewrite.
 */
#include <tapring/icmpv4.h>

#include "helpers.h"
#include "vectors.h"

static int parse_bytes(const uint8_t *src, size_t len, struct tr_icmpv4_repr *r,
		       unsigned flags, const char **why)
{
	uint8_t *g = t_guard_copy(src, len);
	struct tr_icmpv4_view v = tr_icmpv4_view_ro(g, len);
	return tr_icmpv4_parse(&v, r, flags, why);
}

static void test_vectors(void)
{
	struct tr_icmpv4_repr r;
	const char *why = NULL;
	T_CHECK_EQ(parse_bytes(v_icmp4_echo, sizeof(v_icmp4_echo), &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP_ECHO_REQUEST);
	T_CHECK_EQ(r.code, 0);
	T_CHECK_EQ(r.u.echo.id, 0x1234);
	T_CHECK_EQ(r.u.echo.seq, 1);
	T_CHECK_EQ(r.data_len, 8);
	T_CHECK(memcmp(r.data, "abcdefgh", 8) == 0);

	T_CHECK_EQ(parse_bytes(v_icmp4_unreach, sizeof(v_icmp4_unreach), &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP_DEST_UNREACH);
	T_CHECK_EQ(r.code, TR_ICMP_UNREACH_PORT);
	T_CHECK_EQ(r.orig_ip_hlen, 20);
	T_CHECK_EQ(r.data_len, 28);
	/* The embedded datagram: IPv4 10.77.0.2 -> 10.77.0.1 proto 17, ports. */
	T_CHECK_EQ(r.data[9], 17);
	T_CHECK_EQ(r.data[12], 10);
	T_CHECK_EQ(r.data[15], 2);
	T_CHECK_EQ(tr_load_be16(r.data + r.orig_ip_hlen), 33434);
	T_CHECK_EQ(tr_load_be16(r.data + r.orig_ip_hlen + 2), 33435);

	T_CHECK_EQ(parse_bytes(v_icmp4_timex, sizeof(v_icmp4_timex), &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP_TIME_EXCEEDED);
	T_CHECK_EQ(r.code, TR_ICMP_TIMXCEED_TTL);
	T_CHECK_EQ(r.orig_ip_hlen, 20);

	/* Checksum helpers agree with scapy. */
	uint8_t *g = t_guard_copy(v_icmp4_echo, sizeof(v_icmp4_echo));
	struct tr_icmpv4_view v = { g, sizeof(v_icmp4_echo) };
	T_CHECK_EQ(tr_icmpv4_check(&v, NULL), 0);
	T_CHECK(tr_icmpv4_cksum_ok(&v));
	uint16_t ck = tr_icmpv4_compute_cksum(&v);
	T_CHECK(memcmp(&ck, v_icmp4_echo + 2, 2) == 0);
	T_CHECK_EQ(tr_icmpv4_cksum(&v), 0x5435);

	/* In-place echo reply: type change + full checksum recompute, and the
	 * RFC 1624 incremental update gives the same result. */
	uint16_t old_word = tr_load_raw16(g), old_ck = tr_load_raw16(g + 2);
	tr_icmpv4_set_type(&v, TR_ICMP_ECHO_REPLY);
	uint16_t inc = tr_cksum_update16(old_ck, old_word, tr_load_raw16(g));
	tr_icmpv4_fill_cksum(&v);
	T_CHECK(tr_icmpv4_cksum_ok(&v));
	T_CHECK_EQ(inc, tr_load_raw16(g + 2));
	T_CHECK_EQ(tr_icmpv4_parse(&v, &r, 0, NULL), 0);
	T_CHECK_EQ(r.type, TR_ICMP_ECHO_REPLY);
	T_CHECK_EQ(r.u.echo.id, 0x1234);
	t_guard_free(g, sizeof(v_icmp4_echo));

	/* Bad checksum: every single-bit flip is caught, repr still filled. */
	uint8_t d[sizeof(v_icmp4_echo)];
	int caught = 0;
	/* From bit 8 on: flipping the type byte can turn echo (8) into
	 * parameter problem (12), which then fails structurally instead. */
	for (size_t i = 8; i < sizeof(d) * 8; i++) {
		memcpy(d, v_icmp4_echo, sizeof(d));
		d[i / 8] ^= (uint8_t)(1u << (i % 8));
		why = NULL;
		if (parse_bytes(d, sizeof(d), &r, 0, &why) == -EBADMSG && why &&
		    strcmp(why, "icmp: bad checksum") == 0)
			caught++;
	}
	T_CHECK_EQ(caught, (int)sizeof(d) * 8 - 8);
	memcpy(d, v_icmp4_echo, sizeof(d));
	d[3] ^= 1;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, 0, NULL), -EBADMSG);
	T_CHECK_EQ(r.u.echo.seq, 1);
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, TR_L4_NO_CKSUM, NULL), 0);
}

static void test_malformed(void)
{
	struct tr_icmpv4_repr r;
	const char *why;
	for (size_t n = 0; n < 8; n++) {
		why = NULL;
		T_CHECK_EQ(parse_bytes(v_icmp4_echo, n, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
		T_CHECK_STR(why, "icmp: truncated header");
	}
	/* Error messages: embedded header must be >= 20 bytes, version 4, IHL
	 * sane and inside the message. Truncations 8..27 of the unreachable
	 * (without checksum, the length check must speak first). */
	for (size_t n = 8; n < 28; n++) {
		why = NULL;
		T_CHECK_EQ(parse_bytes(v_icmp4_unreach, n, &r, TR_L4_NO_CKSUM, &why), n < 28 ? -EINVAL : 0);
		T_CHECK_STR(why, "icmp: embedded ip header truncated");
	}
	uint8_t d[sizeof(v_icmp4_unreach)];
	memcpy(d, v_icmp4_unreach, sizeof(d));
	d[8] = 0x65;
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp: embedded packet is not ipv4");
	d[8] = 0x44;
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp: embedded ip header length < 20");
	d[8] = 0x48;   /* 32-byte header, only 28 bytes present */
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp: embedded ip header truncated");
	d[8] = 0x46;   /* 24 bytes: fits, 4 bytes of original payload */
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &r, TR_L4_NO_CKSUM, NULL), 0);
	T_CHECK_EQ(r.orig_ip_hlen, 24);

	/* Unknown type: kept by type/code with raw rest and body. */
	uint8_t u[12] = { 42, 7, 0, 0, 1, 2, 3, 4, 9, 9, 9, 9 };
	tr_cksum_store(u + 2, tr_cksum(u, sizeof(u)));
	T_CHECK_EQ(parse_bytes(u, sizeof(u), &r, 0, NULL), 0);
	T_CHECK_EQ(r.type, 42);
	T_CHECK_EQ(r.code, 7);
	T_CHECK_EQ(r.u.rest, 0x01020304);
	T_CHECK_EQ(r.data_len, 4);
}

static void test_emit(void)
{
	uint8_t buf[64];
	struct tr_icmpv4_repr r = { .type = TR_ICMP_ECHO_REQUEST, .data = (const uint8_t *)"abcdefgh",
				    .data_len = 8 };
	r.u.echo.id = 0x1234;
	r.u.echo.seq = 1;
	T_CHECK_EQ(tr_icmpv4_emit_len(&r), 16);
	memset(buf, 0xaa, sizeof(buf));
	T_CHECK_EQ(tr_icmpv4_emit(&r, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_icmp4_echo, sizeof(v_icmp4_echo)) == 0);
	T_CHECK_EQ(buf[16], 0xaa);
	T_CHECK_EQ(tr_icmpv4_emit(&r, buf, 15), -ENOSPC);

	/* Port unreachable around an original datagram: same bytes as scapy. */
	struct tr_icmpv4_repr u = { .type = TR_ICMP_DEST_UNREACH, .code = TR_ICMP_UNREACH_PORT,
				    .data = v_icmp4_unreach + 8, .data_len = 28 };
	T_CHECK_EQ(tr_icmpv4_emit(&u, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_icmp4_unreach, sizeof(v_icmp4_unreach)) == 0);

	/* Round trips: frag-needed MTU, param problem pointer, redirect gateway,
	 * timestamp id/seq. */
	struct tr_icmpv4_repr cases[4] = {
		{ .type = TR_ICMP_DEST_UNREACH, .code = TR_ICMP_UNREACH_FRAG, .data = v_icmp4_unreach + 8, .data_len = 28 },
		{ .type = TR_ICMP_PARAM_PROBLEM, .code = 0, .data = v_icmp4_unreach + 8, .data_len = 28 },
		{ .type = TR_ICMP_REDIRECT, .code = 1, .data = v_icmp4_unreach + 8, .data_len = 28 },
		{ .type = TR_ICMP_TIMESTAMP, .code = 0, .data = (const uint8_t *)"123456789012", .data_len = 12 },
	};
	cases[0].u.mtu = 1400;
	cases[1].u.pointer = 9;
	cases[2].u.gateway = 0x0a4d00fe;
	cases[3].u.echo.id = 77;
	cases[3].u.echo.seq = 78;
	for (int i = 0; i < 4; i++) {
		struct tr_icmpv4_repr b;
		T_ASSERT(tr_icmpv4_emit(&cases[i], buf, sizeof(buf)) == 0);
		T_CHECK_EQ(parse_bytes(buf, tr_icmpv4_emit_len(&cases[i]), &b, 0, NULL), 0);
		T_CHECK_EQ(b.type, cases[i].type);
		T_CHECK_EQ(b.code, cases[i].code);
		T_CHECK_EQ(b.data_len, cases[i].data_len);
		T_CHECK(memcmp(b.data, cases[i].data, b.data_len) == 0);
	}
	struct tr_icmpv4_repr b;
	T_ASSERT(tr_icmpv4_emit(&cases[0], buf, sizeof(buf)) == 0);
	T_CHECK_EQ(parse_bytes(buf, 36, &b, 0, NULL), 0);
	T_CHECK_EQ(b.u.mtu, 1400);
	T_ASSERT(tr_icmpv4_emit(&cases[1], buf, sizeof(buf)) == 0);
	T_CHECK_EQ(parse_bytes(buf, 36, &b, 0, NULL), 0);
	T_CHECK_EQ(b.u.pointer, 9);
	T_ASSERT(tr_icmpv4_emit(&cases[2], buf, sizeof(buf)) == 0);
	T_CHECK_EQ(parse_bytes(buf, 36, &b, 0, NULL), 0);
	T_CHECK_EQ(b.u.gateway, 0x0a4d00fe);
	T_ASSERT(tr_icmpv4_emit(&cases[3], buf, sizeof(buf)) == 0);
	T_CHECK_EQ(parse_bytes(buf, 20, &b, 0, NULL), 0);
	T_CHECK_EQ(b.u.echo.id, 77);
	T_CHECK_EQ(b.u.echo.seq, 78);

	/* Data already in place: no copy, same result. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 8, "abcdefgh", 8);
	r.data = buf + 8;
	T_CHECK_EQ(tr_icmpv4_emit(&r, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_icmp4_echo, sizeof(v_icmp4_echo)) == 0);
}

int main(void)
{
	test_vectors();
	test_malformed();
	test_emit();
	return t_done();
}
