/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6: fixed header and extension chains from real frames (hop-by-hop,
 * destination options, routing, AH length formula, fragment first/later),
 * the chain-length bound, hop-by-hop position, truncation at every byte,
 * payload cut at payload_len, emit round trip with a fragment header.
 */
#include <tapring/ipv6.h>

#include "frames.h"
#include "helpers.h"

static int parse_copy(const uint8_t *p, size_t len, struct tr_ipv6_repr *r, unsigned flags,
		      const char **err)
{
	uint8_t *g = t_guard_copy(p, len);
	struct tr_ipv6_view v = { g, len };
	*err = "";
	int rc = tr_ipv6_parse(&v, r, flags, err);
	t_guard_free(g, len);
	return rc;
}

int main(void)
{
	const char *err = "";
	struct tr_ipv6_repr r;

	/* HBH + DST + ICMPv6 */
	const uint8_t *p = frame_ipv6_hbh_dst_icmp6 + 14;
	size_t n = sizeof(frame_ipv6_hbh_dst_icmp6) - 14;
	T_CHECK_EQ(parse_copy(p, n, &r, 0, &err), 0);
	T_CHECK_EQ(r.n_ext, 2);
	T_CHECK_EQ(r.ext[0], TR_IPPROTO_HOPOPTS);
	T_CHECK_EQ(r.ext[1], TR_IPPROTO_DSTOPTS);
	T_CHECK_EQ(r.upper, TR_IPPROTO_ICMPV6);
	T_CHECK_EQ(r.next, TR_IPPROTO_HOPOPTS);
	T_CHECK_EQ(r.hdr_len, 56);
	T_CHECK(!r.has_frag);
	static const uint8_t s6[16] = { 0xfd, 0x77, [15] = 1 };
	T_CHECK(memcmp(r.src, s6, 16) == 0);
	T_CHECK_EQ(r.payload_len, n - 40);

	/* Every truncation point: strict parse fails with a message, and
	 * TRUNC_OK parses once the chain is captured. */
	for (size_t k = 0; k < n; k++) {
		T_CHECK_EQ(parse_copy(p, k, &r, 0, &err), -EMSGSIZE);
		T_CHECK(strncmp(err, "ipv6: ", 6) == 0);
		int rc = parse_copy(p, k, &r, TR_IPV6_PARSE_TRUNC_OK, &err);
		T_CHECK_EQ(rc, k >= 56 ? 0 : -EMSGSIZE);
	}
	T_CHECK_EQ(parse_copy(p, 50, &r, TR_IPV6_PARSE_TRUNC_OK, &err), -EMSGSIZE);
	T_CHECK_STR(err, "ipv6: extension header truncated");

	/* Routing + AH ((len + 2) * 4) + TCP */
	p = frame_ipv6_routing_ah_tcp + 14;
	n = sizeof(frame_ipv6_routing_ah_tcp) - 14;
	T_CHECK_EQ(parse_copy(p, n, &r, 0, &err), 0);
	T_CHECK_EQ(r.n_ext, 2);
	T_CHECK_EQ(r.ext[0], TR_IPPROTO_ROUTING);
	T_CHECK_EQ(r.ext[1], TR_IPPROTO_AH);
	T_CHECK_EQ(r.upper, TR_IPPROTO_TCP);
	T_CHECK_EQ(r.hdr_len, n - 20);         /* TCP header without options follows */

	/* First fragment: the walk continues to UDP; later fragment stops. */
	p = frame_ipv6_frag_first_udp + 14;
	n = sizeof(frame_ipv6_frag_first_udp) - 14;
	T_CHECK_EQ(parse_copy(p, n, &r, 0, &err), 0);
	T_CHECK(r.has_frag && r.frag_mf);
	T_CHECK_EQ(r.frag_off, 0);
	T_CHECK_EQ(r.frag_id, 0xabcd);
	T_CHECK_EQ(r.upper, TR_IPPROTO_UDP);
	T_CHECK_EQ(r.hdr_len, 48);
	T_CHECK(!tr_ipv6_is_later_frag(&r));
	p = frame_ipv6_frag_later + 14;
	n = sizeof(frame_ipv6_frag_later) - 14;
	T_CHECK_EQ(parse_copy(p, n, &r, 0, &err), 0);
	T_CHECK(r.has_frag && !r.frag_mf);
	T_CHECK_EQ(r.frag_off, 32);
	T_CHECK(tr_ipv6_is_later_frag(&r));
	T_CHECK_EQ(r.upper, TR_IPPROTO_UDP);
	T_CHECK_EQ(r.hdr_len, 48);

	/* Chain bound: 8 destination-options headers pass, 9 are rejected. */
	uint8_t big[40 + 10 * 8 + 8];
	for (unsigned cnt = 8; cnt <= 9; cnt++) {
		memset(big, 0, sizeof(big));
		memcpy(big, frame_ipv6_hbh_dst_icmp6 + 14, 40);
		big[6] = TR_IPPROTO_DSTOPTS;
		size_t L = 40 + cnt * 8 + 8;
		tr_store_be16(big + 4, (uint16_t)(L - 40));
		for (unsigned i = 0; i < cnt; i++)
			big[40 + 8 * i] = i + 1 < cnt ? TR_IPPROTO_DSTOPTS : TR_IPPROTO_UDP;
		int rc = parse_copy(big, L, &r, 0, &err);
		if (cnt == 8) {
			T_CHECK_EQ(rc, 0);
			T_CHECK_EQ(r.n_ext, 8);
			T_CHECK_EQ(r.upper, TR_IPPROTO_UDP);
		} else {
			T_CHECK_EQ(rc, -ELOOP);
			T_CHECK_STR(err, "ipv6: more than 8 extension headers");
		}
	}
	/* Hop-by-hop must come first. */
	memcpy(big, frame_ipv6_hbh_dst_icmp6 + 14, 56);
	big[6] = TR_IPPROTO_DSTOPTS;
	big[40] = TR_IPPROTO_HOPOPTS;
	T_CHECK_EQ(parse_copy(big, 56, &r, TR_IPV6_PARSE_TRUNC_OK, &err), -EINVAL);
	T_CHECK_STR(err, "ipv6: hop-by-hop header not first");
	/* Version and short buffer. */
	memcpy(big, frame_ipv6_hbh_dst_icmp6 + 14, 40);
	big[0] = 0x45;
	T_CHECK_EQ(parse_copy(big, 40, &r, TR_IPV6_PARSE_TRUNC_OK, &err), -EINVAL);
	T_CHECK_STR(err, "ipv6: version != 6");
	T_CHECK_EQ(parse_copy(big, 39, &r, 0, &err), -EMSGSIZE);
	T_CHECK_STR(err, "ipv6: length < 40");
	/* An extension length running past payload_len (inside the buffer). */
	memcpy(big, frame_ipv6_hbh_dst_icmp6 + 14, 56);
	big[41] = 5;     /* HBH claims 48 bytes */
	T_CHECK_EQ(parse_copy(big, sizeof(big), &r, 0, &err), -EMSGSIZE);
	T_CHECK_STR(err, "ipv6: extension header truncated");

	/* Padding past payload_len is ignored by the check. */
	{
		uint8_t pad[40 + 8 + 20] = { 0 };
		memcpy(pad, frame_ipv6_frag_later + 14, 48);
		tr_store_be16(pad + 4, 8);
		uint8_t *g = t_guard_copy(pad, sizeof(pad));
		struct tr_ipv6_view v = { g, sizeof(pad) };
		T_CHECK_EQ(tr_ipv6_check(&v), 0);
		T_CHECK_EQ(tr_ipv6_payload_len(&v), 8);
		T_CHECK_EQ(tr_ipv6_version(&v), 6);
		T_CHECK_EQ(tr_ipv6_next(&v), TR_IPPROTO_FRAGMENT);
		tr_ipv6_set_hop_limit(&v, 3);
		T_CHECK_EQ(tr_ipv6_hop_limit(&v), 3);
		v.len = 47;
		T_CHECK_EQ(tr_ipv6_check(&v), -EMSGSIZE);
		t_guard_free(g, sizeof(pad));
	}

	/* Emit round trip with a fragment header. */
	struct tr_ipv6_repr e = { .flow = 0xabcde, .tclass = 0x2e, .hop_limit = 64,
				  .upper = TR_IPPROTO_UDP, .payload_len = 8 + 16,
				  .has_frag = true, .frag_mf = true, .frag_off = 1448,
				  .frag_id = 0x01020304 };
	memcpy(e.src, s6, 16);
	memcpy(e.dst, s6, 16);
	uint8_t out[40 + 8 + 16] = { 0 };
	T_CHECK_EQ(tr_ipv6_emit_len(&e), 48);
	T_CHECK_EQ(tr_ipv6_emit(&e, out, 47), -ENOSPC);
	T_CHECK_EQ(tr_ipv6_emit(&e, out, sizeof(out)), 0);
	T_CHECK_EQ(parse_copy(out, sizeof(out), &r, 0, &err), 0);
	T_CHECK_EQ(r.flow, 0xabcde);
	T_CHECK_EQ(r.tclass, 0x2e);
	T_CHECK_EQ(r.hop_limit, 64);
	T_CHECK_EQ(r.next, TR_IPPROTO_FRAGMENT);
	T_CHECK_EQ(r.upper, TR_IPPROTO_UDP);
	T_CHECK(r.has_frag && r.frag_mf);
	T_CHECK_EQ(r.frag_off, 1448);
	T_CHECK_EQ(r.frag_id, 0x01020304);
	T_CHECK_EQ(r.payload_len, 24);
	e.flow = 0x100000;
	T_CHECK_EQ(tr_ipv6_emit(&e, out, sizeof(out)), -EINVAL);
	/* And without: exactly the sample's 40-byte header. */
	const uint8_t *q = frame_qinq_ipv6_udp + 22;
	T_CHECK_EQ(parse_copy(q, sizeof(frame_qinq_ipv6_udp) - 22, &r, 0, &err), 0);
	T_CHECK_EQ(tr_ipv6_emit_len(&r), 40);
	T_CHECK_EQ(tr_ipv6_emit(&r, out, sizeof(out)), 0);
	T_CHECK(memcmp(out, q, 40) == 0);
	return t_done();
}
