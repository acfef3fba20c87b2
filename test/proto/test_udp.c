/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP codec: scapy reference datagrams over IPv4 and IPv6 (checksums), the
 * IPv4 "no checksum" case, zero checksum over IPv6, every truncation and
 * length-field error, parse/emit round trips with the payload in place and
 * copied. Every parser input sits in a guard-page buffer.
 */
#include <tapring/udp.h>

#include "helpers.h"
#include "vectors.h"

static const uint8_t a4s[4] = { 10, 77, 0, 1 }, a4d[4] = { 10, 77, 0, 2 };
static const uint8_t a6s[16] = { 0xfd, 0x77, [15] = 1 }, a6d[16] = { 0xfd, 0x77, [15] = 2 };

static int parse_bytes(const uint8_t *src, size_t len, const struct tr_l4_pseudo *ph,
		       struct tr_udp_repr *r, unsigned flags, const char **why)
{
	uint8_t *g = t_guard_copy(src, len);
	struct tr_udp_view v = tr_udp_view_ro(g, len);
	int rc = tr_udp_parse(&v, ph, r, flags, why);
	/* repr points into g: keep it mapped (tests are short-lived). */
	return rc;
}

static void test_vectors(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d }, p6 = { 6, a6s, a6d };
	struct tr_udp_repr r;
	const char *why = NULL;

	T_CHECK_EQ(parse_bytes(v_udp4, sizeof(v_udp4), &p4, &r, 0, &why), 0);
	T_CHECK_EQ(r.src_port, 1234);
	T_CHECK_EQ(r.dst_port, 53);
	T_CHECK_EQ(r.payload_len, 5);
	T_CHECK(memcmp(r.payload, "hello", 5) == 0);
	T_CHECK_EQ(r.cksum_present, 1);

	T_CHECK_EQ(parse_bytes(v_udp6, sizeof(v_udp6), &p6, &r, 0, &why), 0);
	T_CHECK_EQ(r.src_port, 5353);
	T_CHECK_EQ(r.payload_len, 3);

	/* Wrong addresses -> bad checksum, but the repr is filled. */
	struct tr_l4_pseudo bad = { 4, a4d, a4d };
	why = NULL;
	T_CHECK_EQ(parse_bytes(v_udp4, sizeof(v_udp4), &bad, &r, 0, &why), -EBADMSG);
	T_CHECK_STR(why, "udp: bad checksum");
	T_CHECK_EQ(r.dst_port, 53);
	/* ...and accepted when verification is off. */
	T_CHECK_EQ(parse_bytes(v_udp4, sizeof(v_udp4), NULL, &r, TR_L4_NO_CKSUM, NULL), 0);
	/* No pseudo-header without TR_L4_NO_CKSUM is a caller error. */
	T_CHECK_EQ(parse_bytes(v_udp4, sizeof(v_udp4), NULL, &r, 0, NULL), -EINVAL);

	/* Flip each payload bit: checksum must catch it. */
	uint8_t tmp[sizeof(v_udp4)];
	int caught = 0;
	for (size_t i = 8; i < sizeof(tmp); i++) {
		memcpy(tmp, v_udp4, sizeof(tmp));
		tmp[i] ^= 0x10;
		caught += parse_bytes(tmp, sizeof(tmp), &p4, &r, 0, NULL) == -EBADMSG;
	}
	T_CHECK_EQ(caught, (int)sizeof(tmp) - 8);

	/* Computed checksum equals what scapy stored. */
	uint8_t *g = t_guard_copy(v_udp6, sizeof(v_udp6));
	struct tr_udp_view v = { g, sizeof(v_udp6) };
	T_CHECK_EQ(tr_udp_check(&v, NULL), 0);
	uint16_t ck = tr_udp_compute_cksum(&v, &p6);
	T_CHECK(memcmp(&ck, v_udp6 + 6, 2) == 0);
	t_guard_free(g, sizeof(v_udp6));
}

static void test_zero_cksum(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d }, p6 = { 6, a6s, a6d };
	struct tr_udp_repr r;
	const char *why = NULL;
	uint8_t d[sizeof(v_udp4)];
	memcpy(d, v_udp4, sizeof(d));
	d[6] = d[7] = 0;
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &p4, &r, 0, &why), 0);
	T_CHECK_EQ(r.cksum_present, 0);
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &p6, &r, 0, &why), -EINVAL);
	T_CHECK_STR(why, "udp: zero checksum over ipv6");
}

static void test_malformed(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d };
	struct tr_udp_repr r;
	const char *why;
	/* Every truncation of the reference datagram fails cleanly. */
	for (size_t n = 0; n < sizeof(v_udp4); n++) {
		why = NULL;
		int rc = parse_bytes(v_udp4, n, &p4, &r, 0, &why);
		T_CHECK_EQ(rc, -EINVAL);
		T_CHECK(why != NULL && strncmp(why, "udp: ", 5) == 0);
	}
	why = NULL;
	parse_bytes(v_udp4, 7, &p4, &r, 0, &why);
	T_CHECK_STR(why, "udp: truncated header");
	why = NULL;
	parse_bytes(v_udp4, 12, &p4, &r, 0, &why);
	T_CHECK_STR(why, "udp: length field exceeds ip payload");

	uint8_t d[sizeof(v_udp4) + 3];
	memcpy(d, v_udp4, sizeof(v_udp4));
	d[4] = 0, d[5] = 7;
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(v_udp4), &p4, &r, 0, &why), -EINVAL);
	T_CHECK_STR(why, "udp: length field < 8");

	/* Trailing bytes beyond the length field (padding) are ignored. */
	memcpy(d, v_udp4, sizeof(v_udp4));
	memset(d + sizeof(v_udp4), 0xee, 3);
	T_CHECK_EQ(parse_bytes(d, sizeof(d), &p4, &r, 0, NULL), 0);
	T_CHECK_EQ(r.payload_len, 5);
}

static void test_emit(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d }, p6 = { 6, a6s, a6d };
	struct tr_udp_repr r = { .src_port = 1234, .dst_port = 53,
				 .payload = (const uint8_t *)"hello", .payload_len = 5 };
	uint8_t buf[64];
	T_CHECK_EQ(tr_udp_emit_len(&r), 13);
	memset(buf, 0xaa, sizeof(buf));
	T_CHECK_EQ(tr_udp_emit(&r, &p4, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_udp4, sizeof(v_udp4)) == 0);
	T_CHECK_EQ(buf[13], 0xaa);  /* exactly emit_len bytes */
	T_CHECK_EQ(tr_udp_emit(&r, &p4, buf, 12), -ENOSPC);

	/* IPv6, payload already in place (no copy path). */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 8, "abc", 3);
	struct tr_udp_repr r6 = { .src_port = 5353, .dst_port = 5353, .payload = buf + 8, .payload_len = 3 };
	T_CHECK_EQ(tr_udp_emit(&r6, &p6, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, v_udp6, sizeof(v_udp6)) == 0);

	/* Round trip: parse(emit(r)) == r, for payload sizes 0..40 (odd too). */
	uint8_t pay[40];
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 1);
	int ok = 0;
	for (size_t n = 0; n <= sizeof(pay); n++) {
		struct tr_udp_repr a = { .src_port = (uint16_t)(1000 + n), .dst_port = 7,
					 .payload = pay, .payload_len = n }, b;
		T_ASSERT(tr_udp_emit(&a, (n & 1) ? &p6 : &p4, buf, sizeof(buf)) == 0);
		if (parse_bytes(buf, tr_udp_emit_len(&a), (n & 1) ? &p6 : &p4, &b, 0, NULL) == 0 &&
		    b.src_port == a.src_port && b.dst_port == 7 && b.payload_len == n &&
		    memcmp(b.payload, pay, n) == 0)
			ok++;
	}
	T_CHECK_EQ(ok, (int)sizeof(pay) + 1);

	/* No pseudo-header: checksum field left 0 (IPv4 "not computed"). */
	T_CHECK_EQ(tr_udp_emit(&r, NULL, buf, sizeof(buf)), 0);
	T_CHECK_EQ(buf[6] | buf[7], 0);
	struct tr_udp_repr huge = { .payload_len = 65528 };
	T_CHECK_EQ(tr_udp_emit(&huge, NULL, buf, sizeof(buf)), -EMSGSIZE);
}

/* A datagram whose checksum computes to 0 must carry 0xffff (RFC 768). */
static void test_cksum_ffff(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d };
	uint8_t buf[16] = { 0 };
	uint8_t pay[2] = { 0, 0 };
	struct tr_udp_repr r = { .src_port = 1, .dst_port = 2, .payload = pay, .payload_len = 2 };
	/* Find payload bytes that make the raw checksum 0. */
	T_ASSERT(tr_udp_emit(&r, &p4, buf, sizeof(buf)) == 0);
	uint16_t ck;
	memcpy(&ck, buf + 6, 2);
	/* Adding the complement of the checksum to the payload turns the
	 * computed value into 0 (i.e. 0xffff on the wire). */
	memcpy(pay, &ck, 2);
	T_ASSERT(tr_udp_emit(&r, &p4, buf, sizeof(buf)) == 0);
	T_CHECK_EQ(buf[6], 0xff);
	T_CHECK_EQ(buf[7], 0xff);
	struct tr_udp_repr b;
	T_CHECK_EQ(parse_bytes(buf, 10, &p4, &b, 0, NULL), 0);
}

int main(void)
{
	test_vectors();
	test_zero_cksum();
	test_malformed();
	test_emit();
	test_cksum_ffff();
	return t_done();
}
