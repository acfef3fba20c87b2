/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Link layers other than Ethernet (<tapring/link.h>): SLL, SLL2, NULL and
 * LOOP in both byte orders, raw IP. Emit/parse round trips, getters, every
 * truncation point on a guard page (parse and the whole-frame decoder),
 * the table (names, unsupported types), and tr_decode_link() through each
 * link type down to UDP.
 */
#include <tapring/decode.h>
#include <tapring/link.h>

#include "helpers.h"

/* IPv4/UDP 10.77.0.1:1000 -> 10.77.0.2:7, payload "echo", checksums set. */
static const uint8_t ip4_udp[] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x04, 0x00, 0x00, 0x40, 0x11, 0x66, 0x39,
	0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02, 0x03, 0xe8, 0x00, 0x07,
	0x00, 0x0c, 0x00, 0x00, 'e', 'c', 'h', 'o',
};

/* Decode hdr + ip4_udp as dlt on a guard page; check the layers. */
static void decode_as(uint32_t dlt, const uint8_t *hdr, size_t hlen)
{
	uint8_t f[64];
	memcpy(f, hdr, hlen);
	memcpy(f + hlen, ip4_udp, sizeof(ip4_udp));
	size_t n = hlen + sizeof(ip4_udp);
	uint8_t *g = t_guard_copy(f, n);
	struct tr_decoded d;
	T_CHECK_EQ(tr_decode_link(dlt, g, n, n, &d), 0);
	T_CHECK(d.layers & TR_DEC_LINK);
	T_CHECK(!(d.layers & TR_DEC_ETH));
	T_CHECK(d.layers & TR_DEC_IPV4);
	T_CHECK(d.layers & TR_DEC_UDP);
	T_CHECK_EQ(d.dlt, dlt);
	T_CHECK_EQ(d.link.r.hdr_len, hlen);
	T_CHECK_EQ(d.ipv4.off, hlen);
	T_CHECK_EQ(d.udp.r.dst_port, 7);
	T_CHECK(d.udp.csum_ok);
	T_CHECK_EQ(d.payload_len, 4);
	/* Every cut: a short frame and a snaplen cut never read past it. */
	for (size_t k = 0; k < n; k++) {
		uint8_t *c = t_guard_copy(f, k);
		/* A short frame is an error at some layer; the link
		 * header is decoded once it is all there (raw IP: once
		 * there is a byte to read the version from, or at once for
		 * IPV4/IPV6, whose link type names the version). */
		T_CHECK_EQ(tr_decode_link(dlt, c, k, k, &d), -EINVAL);
		bool fixed = dlt == TR_DLT_IPV4 || dlt == TR_DLT_IPV6;
		T_CHECK_EQ(!!(d.layers & TR_DEC_LINK), (k >= hlen && (k > 0 || fixed)));
		tr_decode_link(dlt, c, k, n, &d);
		T_CHECK(d.layers & TR_DEC_TRUNC);
		if (k >= hlen + 20)
			T_CHECK(d.layers & TR_DEC_IPV4);
		t_guard_free(c, k);
	}
	t_guard_free(g, n);
}

int main(void)
{
	const char *err = "";
	static const uint8_t mac[6] = { 0x02, 0x77, 0, 0, 0, 1 };

	/* SLL: emit, getters, parse, every cut. */
	struct tr_link_repr r = { .dlt = TR_DLT_LINUX_SLL, .pkttype = TR_SLL_OUTGOING,
				  .hatype = TR_ARPHRD_ETHER, .halen = 6, .proto = 0x0800 }, p;
	memcpy(r.addr, mac, 6);
	T_CHECK_EQ(tr_link_emit_len(TR_DLT_LINUX_SLL), 16);
	uint8_t h[20];
	T_CHECK_EQ(tr_link_emit(&r, h, 15), -ENOSPC);
	T_CHECK_EQ(tr_link_emit(&r, h, sizeof(h)), 16);
	uint8_t *g = t_guard_copy(h, 16);
	struct tr_sll_view sv = tr_sll_view_of(g, 16);
	T_CHECK_EQ(tr_sll_check(&sv), 0);
	T_CHECK_EQ(tr_sll_pkttype(&sv), TR_SLL_OUTGOING);
	T_CHECK_EQ(tr_sll_hatype(&sv), 1);
	T_CHECK_EQ(tr_sll_halen(&sv), 6);
	T_CHECK_EQ(tr_sll_proto(&sv), 0x0800);
	T_CHECK(memcmp(tr_sll_addr(&sv), mac, 6) == 0);
	T_CHECK_EQ(tr_sll_parse(&sv, &p, &err), 0);
	T_CHECK_EQ(p.hdr_len, 16);
	T_CHECK_EQ(p.proto, 0x0800);
	T_CHECK_EQ(p.pkttype, TR_SLL_OUTGOING);
	T_CHECK(memcmp(p.addr, mac, 6) == 0 && p.addr[6] == 0 && p.addr[7] == 0);
	t_guard_free(g, 16);
	for (size_t k = 0; k < 16; k++) {
		uint8_t *c = t_guard_copy(h, k);
		struct tr_sll_view cv = tr_sll_view_of(c, k);
		T_CHECK_EQ(tr_sll_parse(&cv, &p, &err), -EMSGSIZE);
		T_CHECK(strncmp(err, "sll: frame length", 17) == 0);
		t_guard_free(c, k);
	}
	decode_as(TR_DLT_LINUX_SLL, h, 16);
	/* Netlink devices put a family number there, not an Ethernet type;
	 * an 802.2 LLC code (below 0x600) is not one either. */
	r.hatype = TR_ARPHRD_NETLINK;
	tr_link_emit(&r, h, sizeof(h));
	T_CHECK_EQ(tr_link_parse(TR_DLT_LINUX_SLL, h, 16, &p, &err), 0);
	T_CHECK_EQ(p.proto, 0);
	r.hatype = 1;
	r.proto = 4;
	tr_link_emit(&r, h, sizeof(h));
	T_CHECK_EQ(tr_link_parse(TR_DLT_LINUX_SLL, h, 16, &p, &err), 0);
	T_CHECK_EQ(p.proto, 0);

	/* SLL2 */
	r = (struct tr_link_repr){ .dlt = TR_DLT_LINUX_SLL2, .pkttype = TR_SLL_HOST,
				   .hatype = TR_ARPHRD_ETHER, .halen = 6, .proto = 0x0800,
				   .ifindex = 0x01020304 };
	memcpy(r.addr, mac, 6);
	T_CHECK_EQ(tr_link_emit(&r, h, sizeof(h)), 20);
	g = t_guard_copy(h, 20);
	struct tr_sll2_view s2 = tr_sll2_view_of(g, 20);
	T_CHECK_EQ(tr_sll2_check(&s2), 0);
	T_CHECK_EQ(tr_sll2_proto(&s2), 0x0800);
	T_CHECK_EQ(tr_sll2_ifindex(&s2), 0x01020304u);
	T_CHECK_EQ(tr_sll2_hatype(&s2), 1);
	T_CHECK_EQ(tr_sll2_pkttype(&s2), 0);
	T_CHECK_EQ(tr_sll2_halen(&s2), 6);
	T_CHECK_EQ(g[2], 0);   /* reserved */
	T_CHECK_EQ(tr_sll2_parse(&s2, &p, &err), 0);
	T_CHECK_EQ(p.ifindex, 0x01020304u);
	T_CHECK_EQ(p.hdr_len, 20);
	t_guard_free(g, 20);
	for (size_t k = 0; k < 20; k++) {
		uint8_t *c = t_guard_copy(h, k);
		struct tr_sll2_view cv = tr_sll2_view_of(c, k);
		T_CHECK_EQ(tr_sll2_parse(&cv, &p, &err), -EMSGSIZE);
		T_CHECK(strncmp(err, "sll2: frame length", 18) == 0);
		t_guard_free(c, k);
	}
	decode_as(TR_DLT_LINUX_SLL2, h, 20);

	/* NULL in host order, LOOP in network order, and each in the other
	 * order as files in the wild have them. */
	static const uint32_t fams[] = { 2, 24, 28, 30, 7 };
	for (unsigned i = 0; i < 5; i++) {
		for (int loop = 0; loop < 2; loop++) {
			r = (struct tr_link_repr){ .dlt = loop ? TR_DLT_LOOP : TR_DLT_NULL,
						   .family = fams[i] };
			T_CHECK_EQ(tr_link_emit(&r, h, sizeof(h)), 4);
			T_CHECK_EQ(h[loop ? 3 : 0], fams[i]);
			for (int swap = 0; swap < 2; swap++) {
				uint8_t b[4];
				for (int k = 0; k < 4; k++)
					b[k] = swap ? h[3 - k] : h[k];
				g = t_guard_copy(b, 4);
				struct tr_null_view nv = tr_null_view_of(g, 4);
				T_CHECK_EQ(tr_null_family(&nv), fams[i]);
				T_CHECK_EQ(tr_link_parse(r.dlt, g, 4, &p, &err), 0);
				T_CHECK_EQ(p.family, fams[i]);
				T_CHECK_EQ(p.family_swapped, (loop != swap));
				T_CHECK_EQ(p.proto, i == 0 ? 0x0800 : i < 4 ? 0x86dd : 0);
				T_CHECK_EQ(p.dlt, r.dlt);
				t_guard_free(g, 4);
			}
			if (i == 0)
				decode_as(r.dlt, h, 4);
		}
	}
	for (size_t k = 0; k < 4; k++) {
		uint8_t *c = t_guard_copy(h, k);
		T_CHECK_EQ(tr_link_parse(TR_DLT_NULL, c, k, &p, &err), -EMSGSIZE);
		T_CHECK(strncmp(err, "null: frame length", 18) == 0);
		t_guard_free(c, k);
	}

	/* Raw IP: the version nibble (RAW, LINKTYPE_RAW) or the type. */
	T_CHECK_EQ(tr_link_emit_len(TR_DLT_RAW), 0);
	decode_as(TR_DLT_RAW, h, 0);
	decode_as(TR_LINKTYPE_RAW, h, 0);
	decode_as(TR_DLT_IPV4, h, 0);
	uint8_t v5[20] = { 0x50 };
	T_CHECK_EQ(tr_link_parse(TR_DLT_RAW, v5, 20, &p, &err), -EINVAL);
	T_CHECK_STR(err, "raw: ip version not 4 or 6");
	T_CHECK_EQ(tr_link_parse(TR_DLT_RAW, v5, 0, &p, &err), -EMSGSIZE);
	T_CHECK_STR(err, "raw: empty frame");
	uint8_t v6[1] = { 0x60 };
	T_CHECK_EQ(tr_link_parse(TR_DLT_RAW, v6, 1, &p, NULL), 0);
	T_CHECK_EQ(p.proto, 0x86dd);
	T_CHECK_EQ(tr_link_parse(TR_DLT_IPV6, v5, 20, &p, NULL), 0);
	T_CHECK_EQ(p.proto, 0x86dd);
	struct tr_decoded d;
	/* IPV6 link type with an IPv4 packet: an IPv6 error, not a misread. */
	T_CHECK_EQ(tr_decode_link(TR_DLT_IPV6, ip4_udp, sizeof(ip4_udp), sizeof(ip4_udp), &d), -EINVAL);
	T_CHECK(strncmp(d.error, "ipv6:", 5) == 0);

	/* The table. */
	T_CHECK(tr_link_supported(TR_DLT_EN10MB) && tr_link_supported(TR_DLT_LINUX_SLL2) &&
		tr_link_supported(TR_LINKTYPE_RAW) && tr_link_supported(TR_DLT_NULL));
	T_CHECK(!tr_link_supported(147) && !tr_link_supported(TR_DLT_RAW + 1));
	T_CHECK_STR(tr_link_name(TR_DLT_LINUX_SLL2), "LINUX_SLL2");
	T_CHECK_STR(tr_link_name(TR_DLT_LOOP), "LOOP");
	T_CHECK(tr_link_name(147) == NULL);
	T_CHECK_EQ(tr_link_parse(147, ip4_udp, sizeof(ip4_udp), &p, &err), -EPROTONOSUPPORT);
	T_CHECK_STR(err, "link: unsupported type");
	T_CHECK_EQ(tr_link_parse(TR_DLT_EN10MB, ip4_udp, sizeof(ip4_udp), &p, NULL), -EPROTONOSUPPORT);
	r.dlt = 147;
	T_CHECK_EQ(tr_link_emit(&r, h, sizeof(h)), -EPROTONOSUPPORT);

	/* An unsupported type decodes nothing and says why; EN10MB is tr_decode. */
	T_CHECK_EQ(tr_decode_link(147, ip4_udp, sizeof(ip4_udp), sizeof(ip4_udp), &d), -EINVAL);
	T_CHECK_EQ(d.layers, TR_DEC_ERROR);
	T_CHECK_STR(d.error, "link: unsupported type");
	T_CHECK_EQ(d.payload_off, 0);
	T_CHECK_EQ(d.payload_len, sizeof(ip4_udp));
	uint8_t eth[14 + sizeof(ip4_udp)] = { 0 };
	eth[12] = 0x08;
	memcpy(eth + 14, ip4_udp, sizeof(ip4_udp));
	T_CHECK_EQ(tr_decode_link(TR_DLT_EN10MB, eth, sizeof(eth), sizeof(eth), &d), 0);
	T_CHECK((d.layers & (TR_DEC_ETH | TR_DEC_UDP | TR_DEC_LINK)) == (TR_DEC_ETH | TR_DEC_UDP));
	T_CHECK_EQ(d.dlt, TR_DLT_EN10MB);
	return t_done();
}
