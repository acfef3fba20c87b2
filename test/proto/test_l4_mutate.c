/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Mutation round trips for the L4 codecs: the scapy vectors are mutated
 * (1-4 random bytes, random truncation; fixed seed, bounded count) and fed
 * to each parser in a guard-page buffer. Whatever parses must emit again,
 * and the emitted bytes must parse (checksum verified) to the same repr.
 */
#include <tapring/icmpv4.h>
#include <tapring/icmpv6.h>
#include <tapring/tcp.h>
#include <tapring/udp.h>

#include "helpers.h"
#include "vectors.h"

#define ITERS 40000

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const uint8_t a4s[4] = { 10, 77, 0, 1 }, a4d[4] = { 10, 77, 0, 2 };
static const uint8_t a6s[16] = { 0xfd, 0x77, [15] = 1 }, a6d[16] = { 0xfd, 0x77, [15] = 2 };

/* Mutated copy of src, placed so that its last byte sits just before a
 * PROT_NONE page (one guard mapping reused: mmap per input is slow). */
static uint8_t *guard_end;
static uint8_t *mutate(const uint8_t *src, size_t len, size_t *n)
{
	static uint8_t tmp[256];
	if (!guard_end)
		guard_end = t_guard_buf(sizeof(tmp)) + sizeof(tmp);
	memcpy(tmp, src, len);
	unsigned k = 1 + rnd() % 4;
	for (unsigned i = 0; i < k; i++)
		tmp[rnd() % len] = (uint8_t)rnd();
	*n = (rnd() % 4 == 0) ? rnd() % (len + 1) : len;
	uint8_t *p = guard_end - *n;
	memcpy(p, tmp, *n);
	return p;
}

static int same_opts(const struct tr_tcp_opts *a, const struct tr_tcp_opts *b)
{
	if (a->present != b->present)
		return 0;
	if ((a->present & TR_TCP_HAS_MSS) && a->mss != b->mss)
		return 0;
	if ((a->present & TR_TCP_HAS_WSCALE) && a->wscale != b->wscale)
		return 0;
	if ((a->present & TR_TCP_HAS_TS) && (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr))
		return 0;
	if ((a->present & TR_TCP_HAS_SACK) &&
	    (a->sack_count != b->sack_count || memcmp(a->sack, b->sack, sizeof(a->sack[0]) * a->sack_count)))
		return 0;
	return 1;
}

static void test_tcp(void)
{
	static const struct { const uint8_t *b; size_t n; } vec[] = {
		{ v_tcp4_syn, sizeof(v_tcp4_syn) }, { v_tcp6_sack, sizeof(v_tcp6_sack) }, { v_tcp4_ecn, sizeof(v_tcp4_ecn) },
	};
	struct tr_l4_pseudo ph = { 6, a6s, a6d };
	int parsed = 0, good = 0, too_long = 0;
	static uint8_t out[256];
	for (int it = 0; it < ITERS; it++) {
		size_t n, vi = rnd() % 3;
		uint8_t *g = mutate(vec[vi].b, vec[vi].n, &n);
		struct tr_tcp_view v = tr_tcp_view_ro(g, n);
		struct tr_tcp_repr a, b;
		if (tr_tcp_parse(&v, NULL, &a, TR_L4_NO_CKSUM, NULL) == 0) {
			parsed++;
			int rc = tr_tcp_emit(&a, &ph, out, sizeof(out));
			if (rc == -EINVAL && tr_tcp_opts_emit_len(&a.opts) > 40) {
				too_long++;
			} else if (rc == 0) {
				struct tr_tcp_view v2 = tr_tcp_view_ro(out, tr_tcp_emit_len(&a));
				if (tr_tcp_parse(&v2, &ph, &b, 0, NULL) == 0 && a.src_port == b.src_port &&
				    a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack && a.flags == b.flags &&
				    a.window == b.window && a.urgent == b.urgent && same_opts(&a.opts, &b.opts) &&
				    a.payload_len == b.payload_len && memcmp(a.payload, b.payload, a.payload_len) == 0)
					good++;
			}
		}
	}
	T_CHECK(parsed > ITERS / 10);
	T_CHECK_EQ(good + too_long, parsed);
}

static void test_udp(void)
{
	struct tr_l4_pseudo p4 = { 4, a4s, a4d };
	int parsed = 0, good = 0;
	static uint8_t out[256];
	for (int it = 0; it < ITERS; it++) {
		size_t n;
		uint8_t *g = mutate(v_udp4, sizeof(v_udp4), &n);
		struct tr_udp_view v = tr_udp_view_ro(g, n);
		struct tr_udp_repr a, b;
		if (tr_udp_parse(&v, NULL, &a, TR_L4_NO_CKSUM, NULL) == 0) {
			parsed++;
			if (tr_udp_emit(&a, &p4, out, sizeof(out)) == 0) {
				struct tr_udp_view v2 = tr_udp_view_ro(out, tr_udp_emit_len(&a));
				if (tr_udp_parse(&v2, &p4, &b, 0, NULL) == 0 && a.src_port == b.src_port &&
				    a.dst_port == b.dst_port && a.payload_len == b.payload_len &&
				    memcmp(a.payload, b.payload, a.payload_len) == 0 && b.cksum_present)
					good++;
			}
		}
	}
	T_CHECK(parsed > ITERS / 10);
	T_CHECK_EQ(good, parsed);
}

static void test_icmpv4(void)
{
	static const struct { const uint8_t *b; size_t n; } vec[] = {
		{ v_icmp4_echo, sizeof(v_icmp4_echo) }, { v_icmp4_unreach, sizeof(v_icmp4_unreach) },
		{ v_icmp4_timex, sizeof(v_icmp4_timex) },
	};
	int parsed = 0, good = 0;
	static uint8_t out[256];
	for (int it = 0; it < ITERS; it++) {
		size_t n, vi = rnd() % 3;
		uint8_t *g = mutate(vec[vi].b, vec[vi].n, &n);
		struct tr_icmpv4_view v = tr_icmpv4_view_ro(g, n);
		struct tr_icmpv4_repr a, b;
		if (tr_icmpv4_parse(&v, &a, TR_L4_NO_CKSUM, NULL) == 0) {
			parsed++;
			if (tr_icmpv4_emit(&a, out, sizeof(out)) == 0) {
				struct tr_icmpv4_view v2 = tr_icmpv4_view_ro(out, tr_icmpv4_emit_len(&a));
				int ok = tr_icmpv4_parse(&v2, &b, 0, NULL) == 0 && a.type == b.type &&
					 a.code == b.code && a.data_len == b.data_len &&
					 memcmp(a.data, b.data, a.data_len) == 0 && a.orig_ip_hlen == b.orig_ip_hlen;
				/* What emit promises to keep, per type. */
				if (a.type == TR_ICMP_ECHO_REQUEST || a.type == TR_ICMP_ECHO_REPLY)
					ok &= a.u.echo.id == b.u.echo.id && a.u.echo.seq == b.u.echo.seq;
				else if (a.type == TR_ICMP_DEST_UNREACH)
					ok &= a.u.mtu == b.u.mtu;
				else if (a.type == TR_ICMP_PARAM_PROBLEM)
					ok &= a.u.pointer == b.u.pointer;
				else
					ok &= a.u.rest == b.u.rest;
				good += ok;
			}
		}
	}
	T_CHECK(parsed > ITERS / 10);
	T_CHECK_EQ(good, parsed);
}

static void test_icmpv6(void)
{
	static const struct { const uint8_t *b; size_t n; } vec[] = {
		{ v_icmp6_echo, sizeof(v_icmp6_echo) }, { v_icmp6_ns, sizeof(v_icmp6_ns) },
		{ v_icmp6_na, sizeof(v_icmp6_na) }, { v_icmp6_rs, sizeof(v_icmp6_rs) },
		{ v_icmp6_ra, sizeof(v_icmp6_ra) }, { v_icmp6_redirect, sizeof(v_icmp6_redirect) },
		{ v_icmp6_unreach, sizeof(v_icmp6_unreach) },
	};
	struct tr_l4_pseudo ph = { 6, a6s, a6d };
	int parsed = 0, good = 0;
	static uint8_t out[512];
	for (int it = 0; it < ITERS; it++) {
		size_t n, vi = rnd() % 7;
		uint8_t *g = mutate(vec[vi].b, vec[vi].n, &n);
		struct tr_icmpv6_view v = tr_icmpv6_view_ro(g, n);
		struct tr_icmpv6_repr a, b;
		if (tr_icmpv6_parse(&v, NULL, &a, TR_L4_NO_CKSUM, NULL) == 0) {
			parsed++;
			if (tr_icmpv6_emit(&a, &ph, out, sizeof(out)) == 0) {
				struct tr_icmpv6_view v2 = tr_icmpv6_view_ro(out, tr_icmpv6_emit_len(&a));
				int ok = tr_icmpv6_parse(&v2, &ph, &b, 0, NULL) == 0 && a.type == b.type && a.code == b.code;
				switch (a.type) {
				case TR_ICMP6_NEIGH_SOLICIT:
				case TR_ICMP6_NEIGH_ADVERT:
					ok &= a.u.nd.flags == b.u.nd.flags && memcmp(a.u.nd.target, b.u.nd.target, 16) == 0;
					break;
				case TR_ICMP6_ROUTER_ADVERT:
					ok &= a.u.ra.hop_limit == b.u.ra.hop_limit && a.u.ra.flags == b.u.ra.flags &&
					      a.u.ra.router_lifetime == b.u.ra.router_lifetime &&
					      a.u.ra.reachable_time == b.u.ra.reachable_time &&
					      a.u.ra.retrans_timer == b.u.ra.retrans_timer;
					break;
				case TR_ICMP6_REDIRECT:
					ok &= memcmp(&a.u.redirect, &b.u.redirect, sizeof(a.u.redirect)) == 0;
					break;
				case TR_ICMP6_ROUTER_SOLICIT:
					break;
				default:
					ok &= a.u.rest == b.u.rest && a.data_len == b.data_len &&
					      memcmp(a.data, b.data, a.data_len) == 0;
					break;
				}
				if (a.type >= TR_ICMP6_ROUTER_SOLICIT && a.type <= TR_ICMP6_REDIRECT) {
					ok &= a.opts.present == b.opts.present && a.opts.prefix_count == b.opts.prefix_count;
					if (a.opts.present & TR_ND_HAS_SLLA)
						ok &= memcmp(a.opts.slla, b.opts.slla, 6) == 0;
					if (a.opts.present & TR_ND_HAS_TLLA)
						ok &= memcmp(a.opts.tlla, b.opts.tlla, 6) == 0;
					if (a.opts.present & TR_ND_HAS_MTU)
						ok &= a.opts.mtu == b.opts.mtu;
					for (unsigned i = 0; i < a.opts.prefix_count; i++)
						ok &= memcmp(&a.opts.prefix[i], &b.opts.prefix[i], sizeof(a.opts.prefix[i])) == 0;
				}
				good += ok;
			}
		}
	}
	T_CHECK(parsed > ITERS / 20);
	T_CHECK_EQ(good, parsed);
}

int main(void)
{
	test_tcp();
	test_udp();
	test_icmpv4();
	test_icmpv6();
	return t_done();
}
