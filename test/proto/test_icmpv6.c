/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMPv6 codec: scapy echo, NS (SLLA), NA (TLLA, flags), RS, RA (SLLA, MTU,
 * prefix information), redirect and port unreachable, each with the IPv6
 * pseudo-header checksum; ND option errors (zero length, running past the
 * message, wrong sizes), unknown options skipped, truncation of every ND
 * fixed part, emit byte-identical to scapy, and round trips.
 */
#include <tapring/icmpv6.h>

#include "helpers.h"
#include "vectors.h"

static const uint8_t fd1[16] = { 0xfd, 0x77, [15] = 1 }, fd2[16] = { 0xfd, 0x77, [15] = 2 };
static const uint8_t ll1[16] = { 0xfe, 0x80, [15] = 1 }, ll2[16] = { 0xfe, 0x80, [15] = 2 };
static const uint8_t allnodes[16] = { 0xff, 0x02, [15] = 1 }, allrouters[16] = { 0xff, 0x02, [15] = 2 };
static const uint8_t snm2[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 2 };
static const uint8_t fd9[16] = { 0xfd, 0x77, 0, 9, [15] = 9 };
static const uint8_t pfx[16] = { 0xfd, 0x77, 0, 1 };
static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };

static int parse_bytes(const uint8_t *src, size_t len, const uint8_t *s, const uint8_t *d,
		       struct tr_icmpv6_repr *r, unsigned flags, const char **why)
{
	struct tr_l4_pseudo ph = { 6, s, d };
	uint8_t *g = t_guard_copy(src, len);
	struct tr_icmpv6_view v = tr_icmpv6_view_ro(g, len);
	return tr_icmpv6_parse(&v, &ph, r, flags, why);
}

/* Emit r and compare with the reference bytes. */
static void check_emit_same(const struct tr_icmpv6_repr *r, const uint8_t *s, const uint8_t *d,
			    const uint8_t *ref, size_t n)
{
	struct tr_l4_pseudo ph = { 6, s, d };
	uint8_t buf[256];
	memset(buf, 0xaa, sizeof(buf));
	T_CHECK_EQ(tr_icmpv6_emit_len(r), n);
	T_CHECK_EQ(tr_icmpv6_emit(r, &ph, buf, sizeof(buf)), 0);
	T_CHECK(memcmp(buf, ref, n) == 0);
	T_CHECK_EQ(buf[n], 0xaa);
	T_CHECK_EQ(tr_icmpv6_emit(r, &ph, buf, n - 1), -ENOSPC);
}

static void test_echo_and_errors(void)
{
	struct tr_icmpv6_repr r;
	const char *why = NULL;
	T_CHECK_EQ(parse_bytes(v_icmp6_echo, sizeof(v_icmp6_echo), fd1, fd2, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_ECHO_REQUEST);
	T_CHECK_EQ(r.u.echo.id, 7);
	T_CHECK_EQ(r.u.echo.seq, 9);
	T_CHECK_EQ(r.data_len, 5);
	T_CHECK(memcmp(r.data, "ping6", 5) == 0);
	check_emit_same(&r, fd1, fd2, v_icmp6_echo, sizeof(v_icmp6_echo));

	/* The checksum covers the pseudo-header: other addresses fail. */
	why = NULL;
	T_CHECK_EQ(parse_bytes(v_icmp6_echo, sizeof(v_icmp6_echo), fd2, fd1 + 0, &r, 0, &why), 0);
	T_CHECK_EQ(parse_bytes(v_icmp6_echo, sizeof(v_icmp6_echo), fd1, fd9, &r, 0, &why), -EBADMSG);
	T_CHECK_STR(why, "icmp6: bad checksum");
	T_CHECK_EQ(r.u.echo.seq, 9);
	T_CHECK_EQ(parse_bytes(v_icmp6_echo, sizeof(v_icmp6_echo), fd1, fd9, &r, TR_L4_NO_CKSUM, NULL), 0);
	/* An IPv4 pseudo-header is refused. */
	struct tr_l4_pseudo p4 = { 4, fd1, fd2 };
	uint8_t *g = t_guard_copy(v_icmp6_echo, sizeof(v_icmp6_echo));
	struct tr_icmpv6_view v = { g, sizeof(v_icmp6_echo) };
	T_CHECK_EQ(tr_icmpv6_parse(&v, &p4, &r, 0, NULL), -EINVAL);
	T_CHECK_EQ(tr_icmpv6_parse(&v, NULL, &r, 0, NULL), -EINVAL);
	/* In place: request -> reply, swap addresses, refill checksum. */
	struct tr_l4_pseudo rev = { 6, fd2, fd1 };
	tr_icmpv6_set_type(&v, TR_ICMP6_ECHO_REPLY);
	tr_icmpv6_fill_cksum(&v, &rev);
	T_CHECK_EQ(tr_icmpv6_parse(&v, &rev, &r, 0, NULL), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_ECHO_REPLY);
	t_guard_free(g, sizeof(v_icmp6_echo));

	T_CHECK_EQ(parse_bytes(v_icmp6_unreach, sizeof(v_icmp6_unreach), fd1, fd2, &r, 0, NULL), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_DEST_UNREACH);
	T_CHECK_EQ(r.code, TR_ICMP6_UNREACH_PORT);
	T_CHECK_EQ(r.data_len, 48);
	T_CHECK_EQ(r.data[0] >> 4, 6);
	check_emit_same(&r, fd1, fd2, v_icmp6_unreach, sizeof(v_icmp6_unreach));

	for (size_t n = 0; n < 8; n++) {
		why = NULL;
		T_CHECK_EQ(parse_bytes(v_icmp6_echo, n, fd1, fd2, &r, 0, &why), -EINVAL);
		T_CHECK_STR(why, "icmp6: truncated header");
	}

	/* Packet too big: the MTU round trips. */
	struct tr_icmpv6_repr ptb = { .type = TR_ICMP6_PACKET_TOO_BIG, .data = v_icmp6_unreach + 8,
				      .data_len = 48 };
	ptb.u.mtu = 1280;
	struct tr_l4_pseudo ph = { 6, fd1, fd2 };
	uint8_t buf[128];
	T_CHECK_EQ(tr_icmpv6_emit(&ptb, &ph, buf, sizeof(buf)), 0);
	T_CHECK_EQ(parse_bytes(buf, 56, fd1, fd2, &r, 0, NULL), 0);
	T_CHECK_EQ(r.u.mtu, 1280);
}

static void test_nd(void)
{
	struct tr_icmpv6_repr r;
	const char *why = NULL;

	T_CHECK_EQ(parse_bytes(v_icmp6_ns, sizeof(v_icmp6_ns), fd1, snm2, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_NEIGH_SOLICIT);
	T_CHECK(memcmp(r.u.nd.target, fd2, 16) == 0);
	T_CHECK_EQ(r.opts.present, TR_ND_HAS_SLLA);
	T_CHECK(memcmp(r.opts.slla, mac1, 6) == 0);
	check_emit_same(&r, fd1, snm2, v_icmp6_ns, sizeof(v_icmp6_ns));

	T_CHECK_EQ(parse_bytes(v_icmp6_na, sizeof(v_icmp6_na), fd2, fd1, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_NEIGH_ADVERT);
	T_CHECK_EQ(r.u.nd.flags, TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE);
	T_CHECK(memcmp(r.u.nd.target, fd2, 16) == 0);
	T_CHECK_EQ(r.opts.present, TR_ND_HAS_TLLA);
	T_CHECK(memcmp(r.opts.tlla, mac2, 6) == 0);
	check_emit_same(&r, fd2, fd1, v_icmp6_na, sizeof(v_icmp6_na));

	T_CHECK_EQ(parse_bytes(v_icmp6_rs, sizeof(v_icmp6_rs), fd1, allrouters, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_ROUTER_SOLICIT);
	T_CHECK_EQ(r.opts.present, TR_ND_HAS_SLLA);
	check_emit_same(&r, fd1, allrouters, v_icmp6_rs, sizeof(v_icmp6_rs));

	T_CHECK_EQ(parse_bytes(v_icmp6_ra, sizeof(v_icmp6_ra), ll1, allnodes, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_ROUTER_ADVERT);
	T_CHECK_EQ(r.u.ra.hop_limit, 64);
	T_CHECK(r.u.ra.flags & TR_ICMP6_RA_F_MANAGED);
	T_CHECK(!(r.u.ra.flags & TR_ICMP6_RA_F_OTHER));
	T_CHECK_EQ(r.u.ra.router_lifetime, 1800);
	T_CHECK_EQ(r.u.ra.reachable_time, 30000);
	T_CHECK_EQ(r.u.ra.retrans_timer, 1000);
	T_CHECK_EQ(r.opts.present, TR_ND_HAS_SLLA | TR_ND_HAS_MTU | TR_ND_HAS_PREFIX);
	T_CHECK_EQ(r.opts.mtu, 1500);
	T_CHECK_EQ(r.opts.prefix_count, 1);
	T_CHECK_EQ(r.opts.prefix[0].prefix_len, 64);
	T_CHECK_EQ(r.opts.prefix[0].flags, TR_ND_PREFIX_F_ONLINK | TR_ND_PREFIX_F_AUTO);
	T_CHECK_EQ(r.opts.prefix[0].valid_lifetime, 86400);
	T_CHECK_EQ(r.opts.prefix[0].preferred_lifetime, 14400);
	T_CHECK(memcmp(r.opts.prefix[0].prefix, pfx, 16) == 0);
	check_emit_same(&r, ll1, allnodes, v_icmp6_ra, sizeof(v_icmp6_ra));

	T_CHECK_EQ(parse_bytes(v_icmp6_redirect, sizeof(v_icmp6_redirect), ll1, fd1, &r, 0, &why), 0);
	T_CHECK_EQ(r.type, TR_ICMP6_REDIRECT);
	T_CHECK(memcmp(r.u.redirect.target, ll2, 16) == 0);
	T_CHECK(memcmp(r.u.redirect.dst, fd9, 16) == 0);
	T_CHECK_EQ(r.opts.present, TR_ND_HAS_TLLA);
	check_emit_same(&r, ll1, fd1, v_icmp6_redirect, sizeof(v_icmp6_redirect));

	/* Truncating any ND message inside its fixed part fails. */
	static const struct { const uint8_t *b; size_t fixed; } fx[] = {
		{ v_icmp6_ns, 24 }, { v_icmp6_na, 24 }, { v_icmp6_rs, 8 }, { v_icmp6_ra, 16 },
		{ v_icmp6_redirect, 40 },
	};
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		for (size_t n = 8; n < fx[i].fixed; n++) {
			why = NULL;
			T_CHECK_EQ(parse_bytes(fx[i].b, n, fd1, fd2, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
			T_CHECK_STR(why, "icmp6: nd message truncated");
		}
	/* Cutting inside an option. */
	why = NULL;
	T_CHECK_EQ(parse_bytes(v_icmp6_ns, 28, fd1, snm2, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp6: nd option runs past message");
	why = NULL;
	T_CHECK_EQ(parse_bytes(v_icmp6_ns, 25, fd1, snm2, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp6: nd option truncated");
	/* Cut exactly after the fixed part: valid, no options. */
	T_CHECK_EQ(parse_bytes(v_icmp6_ns, 24, fd1, snm2, &r, TR_L4_NO_CKSUM, NULL), 0);
	T_CHECK_EQ(r.opts.present, 0);

	/* Nonzero code on ND is malformed. */
	uint8_t d[64];
	memcpy(d, v_icmp6_ns, sizeof(v_icmp6_ns));
	d[1] = 1;
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(v_icmp6_ns), fd1, snm2, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp6: nd message code != 0");
	/* Multicast target. */
	memcpy(d, v_icmp6_ns, sizeof(v_icmp6_ns));
	d[8] = 0xff;
	why = NULL;
	T_CHECK_EQ(parse_bytes(d, sizeof(v_icmp6_ns), fd1, snm2, &r, TR_L4_NO_CKSUM, &why), -EINVAL);
	T_CHECK_STR(why, "icmp6: nd target is multicast");
}

static int opts_bytes(const uint8_t *b, size_t n, struct tr_nd_opts *o, const char **why)
{
	uint8_t *g = t_guard_copy(b, n);
	int rc = tr_nd_opts_parse(g, n, o, why);
	t_guard_free(g, n);
	return rc;
}

static void test_options(void)
{
	struct tr_nd_opts o;
	const char *why;
	/* Zero-length option is malformed (RFC 4861 §4.6). */
	static const uint8_t zero[16] = { 1, 1, 2, 0, 0, 0, 0, 0, 14, 0 };
	why = NULL;
	T_CHECK_EQ(opts_bytes(zero, 16, &o, &why), -EINVAL);
	T_CHECK_STR(why, "icmp6: nd option length 0");
	/* Unknown options (nonce 14, RDNSS 25 with 3 units) are skipped. */
	uint8_t unk[40] = { 14, 1, 1, 2, 3, 4, 5, 6, 25, 3 };
	unk[32] = 1, unk[33] = 1, memcpy(unk + 34, mac1, 6);
	T_CHECK_EQ(opts_bytes(unk, 40, &o, NULL), 0);
	T_CHECK_EQ(o.unknown_count, 2);
	T_CHECK_EQ(o.present, TR_ND_HAS_SLLA);
	T_CHECK(memcmp(o.slla, mac1, 6) == 0);
	/* Wrong fixed sizes. */
	static const struct { uint8_t b[40]; size_t n; const char *why; } bad[] = {
		{ { 1, 2 }, 16, "icmp6: link-layer address option length != 8" },
		{ { 5, 2 }, 16, "icmp6: mtu option length != 8" },
		{ { 3, 1 }, 8, "icmp6: prefix option length != 32" },
		{ { 3, 4, 129 }, 32, "icmp6: prefix length > 128" },
		{ { 1, 1, 0, 0, 0, 0, 0, 0, 5 }, 9, "icmp6: nd option truncated" },
		{ { 3, 5 }, 32, "icmp6: nd option runs past message" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		T_CHECK_EQ(opts_bytes(bad[i].b, bad[i].n, &o, &why), -EINVAL);
		T_CHECK_STR(why, bad[i].why);
	}
	/* Iterator: three options then the end. */
	size_t off = 0;
	struct tr_nd_opt one;
	int n = 0;
	uint8_t *g = t_guard_copy(v_icmp6_ra + 16, sizeof(v_icmp6_ra) - 16);
	while (tr_nd_opt_next(g, sizeof(v_icmp6_ra) - 16, &off, &one, NULL) == 1)
		n++;
	T_CHECK_EQ(n, 3);
	T_CHECK_EQ(off, sizeof(v_icmp6_ra) - 16);
	t_guard_free(g, sizeof(v_icmp6_ra) - 16);

	/* More prefixes than the array: counted, not stored. */
	uint8_t many[32 * 6] = { 0 };
	for (int i = 0; i < 6; i++) {
		many[32 * i] = 3;
		many[32 * i + 1] = 4;
		many[32 * i + 2] = 64;
	}
	T_CHECK_EQ(opts_bytes(many, sizeof(many), &o, NULL), 0);
	T_CHECK_EQ(o.prefix_count, TR_ND_PREFIX_MAX);
	T_CHECK_EQ(o.prefix_dropped, 6 - TR_ND_PREFIX_MAX);

	/* RA with two prefixes and all options: emit -> parse round trip. */
	struct tr_icmpv6_repr a = { .type = TR_ICMP6_ROUTER_ADVERT };
	a.u.ra.hop_limit = 255;
	a.u.ra.flags = TR_ICMP6_RA_F_OTHER;
	a.u.ra.router_lifetime = 9000;
	a.opts.present = TR_ND_HAS_SLLA | TR_ND_HAS_TLLA | TR_ND_HAS_MTU | TR_ND_HAS_PREFIX;
	memcpy(a.opts.slla, mac1, 6);
	memcpy(a.opts.tlla, mac2, 6);
	a.opts.mtu = 9000;
	a.opts.prefix_count = 2;
	a.opts.prefix[0] = (struct tr_nd_prefix){ 64, TR_ND_PREFIX_F_AUTO, 1, 2, { 0xfd, 0x77 } };
	a.opts.prefix[1] = (struct tr_nd_prefix){ 48, TR_ND_PREFIX_F_ONLINK, 3, 4, { 0xfd, 0x78 } };
	struct tr_l4_pseudo ph = { 6, ll1, allnodes };
	uint8_t buf[256];
	T_CHECK_EQ(tr_icmpv6_emit_len(&a), 16 + 8 + 8 + 8 + 64);
	T_CHECK_EQ(tr_icmpv6_emit(&a, &ph, buf, sizeof(buf)), 0);
	struct tr_icmpv6_repr b;
	T_CHECK_EQ(parse_bytes(buf, tr_icmpv6_emit_len(&a), ll1, allnodes, &b, 0, NULL), 0);
	T_CHECK_EQ(b.u.ra.hop_limit, 255);
	T_CHECK_EQ(b.u.ra.flags, TR_ICMP6_RA_F_OTHER);
	T_CHECK_EQ(b.u.ra.router_lifetime, 9000);
	T_CHECK_EQ(b.opts.present, a.opts.present);
	T_CHECK_EQ(b.opts.mtu, 9000);
	T_CHECK_EQ(b.opts.prefix_count, 2);
	T_CHECK_EQ(b.opts.prefix[1].prefix_len, 48);
	T_CHECK_EQ(b.opts.prefix[1].valid_lifetime, 3);
	T_CHECK_EQ(b.opts.prefix[1].prefix[1], 0x78);
	T_CHECK(memcmp(b.opts.tlla, mac2, 6) == 0);
	T_CHECK_EQ(tr_icmpv6_emit(&a, NULL, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
	test_echo_and_errors();
	test_nd();
	test_options();
	return t_done();
}
