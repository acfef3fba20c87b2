/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole-frame decoder and classifier: each sample frame decodes to the
 * expected layers and values; every truncation point (frame short on the
 * wire, and capture cut by a snaplen) on a guard page never over-reads and
 * gives an error naming a layer, or an unverified checksum; wrong checksums
 * are reported, not fatal; non-first fragments skip L4; tr_classify agrees
 * with tr_decode on offsets and types.
 */
#include <tapring/checksum.h>
#include <tapring/decode.h>

#include "frames.h"
#include "helpers.h"

static struct tr_decoded d;

static int dec(const uint8_t *f, size_t caplen, size_t wirelen)
{
	uint8_t *g = t_guard_copy(f, caplen);
	int rc = tr_decode(g, caplen, wirelen, &d);
	/* The error shape is consistent in every case. */
	T_CHECK_EQ(rc == 0, !(d.layers & TR_DEC_ERROR));
	T_CHECK_EQ(rc == 0, d.error[0] == '\0');
	t_guard_free(g, caplen);
	return rc;
}

static const struct sample_frame *find(const char *name)
{
	for (size_t i = 0; i < N_SAMPLE_FRAMES; i++)
		if (strcmp(sample_frames[i].name, name) == 0)
			return &sample_frames[i];
	T_ASSERT(!"no such sample frame");
	return NULL;
}

#define F(name) frame_##name, sizeof(frame_##name)

static void sample_values(void)
{
	T_CHECK_EQ(dec(F(udp_dns_query), sizeof(frame_udp_dns_query)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_UDP | TR_DEC_DNS);
	T_CHECK(d.ipv4.csum_ok && d.udp.csum_ok && d.udp.csum_checked);
	T_CHECK_EQ(d.ipv4.off, 14);
	T_CHECK_EQ(d.udp.off, 34);
	T_CHECK_EQ(d.udp.r.dst_port, 53);
	T_CHECK(d.dns.parsed);
	T_CHECK_EQ(d.dns.off, 42);
	T_CHECK_EQ(d.dns.len, sizeof(frame_udp_dns_query) - 42);
	T_CHECK_EQ(d.dns.id, 0xbeef);
	T_CHECK_EQ(d.dns.qdcount, 1);
	T_CHECK_EQ(d.dns.ancount, 0);

	T_CHECK_EQ(dec(F(udp_dns_resp), sizeof(frame_udp_dns_resp)), 0);
	T_CHECK(d.dns.parsed);
	T_CHECK_EQ(d.dns.ancount, 1);
	T_CHECK(d.dns.flags & 0x8000);

	T_CHECK_EQ(dec(F(ipv4_opts_tcp_syn), sizeof(frame_ipv4_opts_tcp_syn)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_TCP);
	T_CHECK_EQ(d.ipv4.r.hdr_len, 28);
	T_CHECK_EQ(d.tcp.off, 42);
	T_CHECK_EQ(d.tcp.hdr_len, 40);
	T_CHECK(d.tcp.csum_ok && d.tcp.csum_checked);
	T_CHECK_EQ(d.tcp.r.flags, TR_TCP_SYN);
	T_CHECK_EQ(d.tcp.r.opts.present & (TR_TCP_HAS_MSS | TR_TCP_HAS_WSCALE | TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS),
		   TR_TCP_HAS_MSS | TR_TCP_HAS_WSCALE | TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS);
	T_CHECK_EQ(d.tcp.r.opts.mss, 1460);
	T_CHECK_EQ(d.tcp.r.opts.wscale, 7);
	T_CHECK_EQ(d.tcp.r.opts.ts_val, 12345);
	T_CHECK_EQ(d.payload_off, 82);
	T_CHECK_EQ(d.payload_len, 0);

	T_CHECK_EQ(dec(F(vlan_icmp_echo), sizeof(frame_vlan_icmp_echo)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_VLAN | TR_DEC_IPV4 | TR_DEC_ICMP);
	T_CHECK_EQ(d.eth.r.n_vlan, 1);
	T_CHECK_EQ(d.eth.r.vlan[0].vid, 77);
	T_CHECK_EQ(d.eth.r.vlan[0].pcp, 5);
	T_CHECK_EQ(d.eth.vlan_off[0], 12);
	T_CHECK_EQ(d.ipv4.off, 18);
	T_CHECK_EQ(d.icmp.r.type, 8);
	T_CHECK_EQ(d.icmp.r.u.echo.id, 7);
	T_CHECK_EQ(d.icmp.r.u.echo.seq, 1);
	T_CHECK(d.icmp.csum_ok && d.icmp.csum_checked);
	T_CHECK_EQ(d.payload_len, 32);

	T_CHECK_EQ(dec(F(qinq_ipv6_udp), sizeof(frame_qinq_ipv6_udp)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_VLAN | TR_DEC_IPV6 | TR_DEC_UDP);
	T_CHECK_EQ(d.eth.r.n_vlan, 2);
	T_CHECK_EQ(d.eth.r.vlan[0].tpid, TR_ETHERTYPE_QINQ);
	T_CHECK_EQ(d.eth.r.vlan[0].vid, 100);
	T_CHECK_EQ(d.eth.r.vlan[1].tpid, TR_ETHERTYPE_VLAN);
	T_CHECK_EQ(d.eth.r.vlan[1].vid, 200);
	T_CHECK_EQ(d.eth.r.vlan[1].pcp, 3);
	T_CHECK_EQ(d.eth.vlan_off[1], 16);
	T_CHECK_EQ(d.ipv6.off, 22);
	T_CHECK(d.udp.csum_ok && d.udp.csum_checked);
	T_CHECK_EQ(d.payload_len, 13);

	T_CHECK_EQ(dec(F(ipv6_hbh_dst_icmp6), sizeof(frame_ipv6_hbh_dst_icmp6)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_ICMP6);
	T_CHECK_EQ(d.ipv6.r.n_ext, 2);
	T_CHECK_EQ(d.ipv6.r.upper, 58);
	T_CHECK_EQ(d.icmp6.off, 14 + 56);
	T_CHECK_EQ(d.icmp6.type, 128);
	T_CHECK(d.icmp6.csum_ok && d.icmp6.csum_checked);

	T_CHECK_EQ(dec(F(ipv6_ns), sizeof(frame_ipv6_ns)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_ICMP6);
	T_CHECK_EQ(d.icmp6.type, 135);
	T_CHECK(d.icmp6.csum_ok);

	T_CHECK_EQ(dec(F(ipv6_frag_first_udp), sizeof(frame_ipv6_frag_first_udp)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_FRAG | TR_DEC_UDP);
	T_CHECK(!d.udp.csum_checked && !d.udp.csum_ok);
	T_CHECK_EQ(d.udp.len, 72);
	T_CHECK_EQ(d.udp.r.payload_len, 24);   /* what this fragment holds */

	T_CHECK_EQ(dec(F(ipv6_frag_later), sizeof(frame_ipv6_frag_later)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_FRAG);
	T_CHECK_EQ(d.payload_off, 14 + 48);
	T_CHECK_EQ(d.payload_len, 40);

	T_CHECK_EQ(dec(F(ipv6_routing_ah_tcp), sizeof(frame_ipv6_routing_ah_tcp)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_TCP);
	T_CHECK_EQ(d.ipv6.r.ext[0], 43);
	T_CHECK_EQ(d.ipv6.r.ext[1], 51);
	/* Pseudo-header uses the routing header's final destination. */
	T_CHECK_EQ(d.ipv6.r.final_dst_off, 40 + 8);
	T_CHECK(d.tcp.csum_ok);

	T_CHECK_EQ(dec(F(arp_request), sizeof(frame_arp_request)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_ARP);
	T_CHECK_EQ(d.arp.r.op, 1);
	T_CHECK_EQ(d.arp.r.tpa[3], 2);
	T_CHECK_EQ(d.payload_len, 18);          /* Ethernet padding */
	T_CHECK_EQ(dec(F(arp_reply), sizeof(frame_arp_reply)), 0);
	T_CHECK_EQ(d.arp.r.op, 2);

	T_CHECK_EQ(dec(F(ipv4_frag_later), sizeof(frame_ipv4_frag_later)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_FRAG);
	T_CHECK_EQ(d.ipv4.r.frag_off, 1480);

	T_CHECK_EQ(dec(F(ipv4_udp_padded), sizeof(frame_ipv4_udp_padded)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_UDP);
	T_CHECK(d.udp.csum_ok);
	T_CHECK_EQ(d.payload_len, 2);           /* padding is not payload */

	/* ICMP error with the original datagram; a snaplen cut inside the
	 * embedded header is a truncated ICMP layer. */
	T_CHECK_EQ(dec(F(icmp_port_unreach), sizeof(frame_icmp_port_unreach)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_ICMP);
	T_CHECK_EQ(d.icmp.r.type, 3);
	T_CHECK_EQ(d.icmp.r.code, 3);
	T_CHECK_EQ(d.icmp.r.orig_ip_hlen, 20);
	T_CHECK(d.icmp.csum_ok);
	T_CHECK_EQ(dec(frame_icmp_port_unreach, 14 + 20 + 8 + 10, sizeof(frame_icmp_port_unreach)), -EINVAL);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_TRUNC | TR_DEC_ERROR);
	T_CHECK(strncmp(d.error, "icmp: ", 6) == 0);
	/* Cut after the embedded IP header: decodes, checksum unverified. */
	T_CHECK_EQ(dec(frame_icmp_port_unreach, 14 + 20 + 8 + 20 + 4, sizeof(frame_icmp_port_unreach)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_ICMP | TR_DEC_TRUNC);
	T_CHECK_EQ(d.icmp.r.type, 3);
	T_CHECK(!d.icmp.csum_checked && !d.icmp.csum_ok);
	/* The same bytes as a complete (short) datagram are malformed. */
	{
		uint8_t buf[64];
		memcpy(buf, frame_icmp_port_unreach, 52);
		tr_store_be16(buf + 16, 38);
		memset(buf + 24, 0, 2);
		tr_cksum_store(buf + 24, tr_cksum(buf + 14, 20));
		T_CHECK_EQ(dec(buf, 52, 52), -EINVAL);
		T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_ERROR);
		T_CHECK(strncmp(d.error, "icmp: ", 6) == 0);
	}

	T_CHECK_EQ(dec(F(ipv4_tcp_data), sizeof(frame_ipv4_tcp_data)), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_TCP);
	T_CHECK(d.ipv4.r.df);
	T_CHECK_EQ(d.payload_len, 18);
}

/* Bytes a frame needs on the wire for its datagram to be complete. */
static size_t needed(const struct tr_decoded *full)
{
	if (full->layers & TR_DEC_ARP)
		return full->arp.off + 28u;
	if (full->layers & TR_DEC_IPV4)
		return full->ipv4.off + full->ipv4.r.total_len;
	if (full->layers & TR_DEC_IPV6)
		return full->ipv6.off + 40u + full->ipv6.r.payload_len;
	return 14;
}

static void truncations(void)
{
	for (size_t i = 0; i < N_SAMPLE_FRAMES; i++) {
		const struct sample_frame *s = &sample_frames[i];
		T_ASSERT(dec(s->data, s->len, s->len) == 0);
		struct tr_decoded full = d;
		size_t need = needed(&full);
		for (size_t k = 0; k < s->len; k++) {
			/* (a) the frame really was k bytes long. */
			int rc = dec(s->data, k, k);
			if (k < need) {
				if (rc != -EINVAL)
					fprintf(stderr, "%s: k=%zu accepted\n", s->name, k);
				T_CHECK_EQ(rc, -EINVAL);
				T_CHECK(strchr(d.error, ':') != NULL);
			} else {
				T_CHECK_EQ(rc, 0);
				T_CHECK_EQ(d.layers, full.layers);
			}
			T_CHECK_EQ(d.layers & ~(full.layers | TR_DEC_ERROR), 0);
			/* (b) a capture cut to k bytes of a longer frame. */
			rc = dec(s->data, k, s->len);
			T_CHECK_EQ(d.layers & ~(full.layers | TR_DEC_ERROR | TR_DEC_TRUNC), 0);
			T_CHECK(d.layers & TR_DEC_TRUNC);
			if (k >= need) {
				T_CHECK_EQ(rc, 0);
			} else if (k >= full.payload_off && !(full.layers & (TR_DEC_ICMP | TR_DEC_ICMP6))) {
				/* All headers captured: decodes, checksum unverified. */
				if (rc != 0)
					fprintf(stderr, "%s: snap k=%zu: %s\n", s->name, k, d.error);
				T_CHECK_EQ(rc, 0);
				T_CHECK_EQ(d.layers & ~TR_DEC_TRUNC, full.layers);
				if (d.layers & TR_DEC_UDP)
					T_CHECK(!d.udp.csum_checked);
				if (d.layers & TR_DEC_TCP)
					T_CHECK(!d.tcp.csum_checked);
				if (d.layers & TR_DEC_DNS)
					T_CHECK(!d.dns.parsed);
			}
			if (k < 14) {
				T_CHECK_EQ(rc, -EINVAL);
				T_CHECK(strncmp(d.error, "eth: ", 5) == 0);
			}
		}
	}
}

static int dec_patched(const struct sample_frame *s, size_t off, uint8_t xor_val)
{
	uint8_t buf[256];
	T_ASSERT(s->len <= sizeof(buf));
	memcpy(buf, s->data, s->len);
	buf[off] ^= xor_val;
	return dec(buf, s->len, s->len);
}

static void checksums_and_errors(void)
{
	const struct sample_frame *dq = find("udp_dns_query");
	/* IPv4 header checksum wrong (the ID is not in the UDP pseudo-header). */
	T_CHECK_EQ(dec_patched(dq, 14 + 4, 0x01), 0);
	T_CHECK(d.layers & TR_DEC_IPV4);
	T_CHECK(!d.ipv4.csum_ok && !d.ipv4.r.csum_ok);
	T_CHECK(d.udp.csum_ok);
	T_CHECK(d.dns.parsed);
	/* UDP checksum wrong (the DNS id changed). */
	T_CHECK_EQ(dec_patched(dq, 42, 0x01), 0);
	T_CHECK(d.ipv4.csum_ok);
	T_CHECK(!d.udp.csum_ok && d.udp.csum_checked);
	T_CHECK(d.dns.parsed);
	T_CHECK_EQ(d.dns.id, 0xbfef);
	/* UDP checksum absent over IPv4 is valid. */
	{
		uint8_t buf[128];
		memcpy(buf, dq->data, dq->len);
		memset(buf + 40, 0, 2);
		T_CHECK_EQ(dec(buf, dq->len, dq->len), 0);
		T_CHECK(d.udp.csum_ok);
		T_CHECK_EQ(d.udp.r.cksum_present, 0);
	}
	/* Malformed DNS on port 53: decoded up to UDP, error names dns. */
	{
		uint8_t buf[128];
		memcpy(buf, dq->data, dq->len);
		buf[42 + 12] = 0xc0;              /* a compression pointer loop-ish */
		buf[42 + 13] = 0xff;
		memset(buf + 40, 0, 2);
		T_CHECK_EQ(dec(buf, dq->len, dq->len), -EINVAL);
		T_CHECK(d.layers & TR_DEC_UDP);
		T_CHECK(d.layers & TR_DEC_DNS);
		T_CHECK(!d.dns.parsed);
		T_CHECK(strncmp(d.error, "dns: ", 5) == 0);
	}
	/* TCP and ICMP checksums. */
	T_CHECK_EQ(dec_patched(find("ipv4_tcp_data"), 70, 0x20), 0);
	T_CHECK(!d.tcp.csum_ok && d.tcp.csum_checked);
	T_CHECK_EQ(dec_patched(find("vlan_icmp_echo"), 50, 0x20), 0);
	T_CHECK(!d.icmp.csum_ok && d.icmp.csum_checked);
	T_CHECK_EQ(dec_patched(find("ipv6_hbh_dst_icmp6"), 80, 0x20), 0);
	T_CHECK(!d.icmp6.csum_ok && d.icmp6.csum_checked);
	/* IPv4 header length 16: error names ipv4; Ethernet stays decoded. */
	T_CHECK_EQ(dec_patched(dq, 14, 0x45 ^ 0x44), -EINVAL);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_ERROR);
	T_CHECK_STR(d.error, "ipv4: header length < 20");
	/* TCP data offset 4. */
	T_CHECK_EQ(dec_patched(find("ipv4_tcp_data"), 46, (8 ^ 4) << 4), -EINVAL);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV4 | TR_DEC_ERROR);
	T_CHECK(strncmp(d.error, "tcp: ", 5) == 0);
	/* UDP length 4 < 8 */
	T_CHECK_EQ(dec_patched(dq, 14 + 20 + 5, (uint8_t)(dq->data[39] ^ 4)), -EINVAL);
	T_CHECK(strncmp(d.error, "udp: ", 5) == 0);
	/* IPv4 total length beyond the wire length in a snaplen capture. */
	{
		uint8_t buf[128];
		memcpy(buf, dq->data, dq->len);
		tr_store_be16(buf + 16, 200);
		uint8_t *g = t_guard_copy(buf, 40);
		T_CHECK_EQ(tr_decode(g, 40, dq->len, &d), -EINVAL);
		T_CHECK(strcmp(d.error, "ipv4: total length > bytes on the wire") == 0);
		t_guard_free(g, 40);
	}
	/* Too many VLAN tags. */
	{
		uint8_t buf[64] = { 0 };
		for (int i = 0; i < 6; i++)
			tr_store_be16(buf + 12 + 4 * i, TR_ETHERTYPE_VLAN);
		T_CHECK_EQ(dec(buf, sizeof(buf), sizeof(buf)), -EINVAL);
		T_CHECK_STR(d.error, "eth: more than 4 vlan tags");
	}
	/* An unknown ethertype decodes Ethernet only. */
	{
		uint8_t buf[60] = { 0 };
		tr_store_be16(buf + 12, 0x88cc);
		T_CHECK_EQ(dec(buf, sizeof(buf), sizeof(buf)), 0);
		T_CHECK_EQ(d.layers, TR_DEC_ETH);
		T_CHECK_EQ(d.payload_off, 14);
		T_CHECK_EQ(d.payload_len, 46);
	}
}

static void classify(void)
{
	struct tr_classify c;
	for (size_t i = 0; i < N_SAMPLE_FRAMES; i++) {
		const struct sample_frame *s = &sample_frames[i];
		T_ASSERT(dec(s->data, s->len, s->len) == 0);
		uint8_t *g = t_guard_copy(s->data, s->len);
		uint32_t pt = tr_classify(g, s->len, &c);
		T_CHECK_EQ(pt, c.ptype);
		T_CHECK(!(pt & TR_PT_TRUNC));
		T_CHECK_EQ(c.l2_len, d.eth.r.hdr_len);
		T_CHECK_EQ(c.n_vlan, d.eth.r.n_vlan);
		T_CHECK_EQ(c.ethertype, d.eth.r.ethertype);
		T_CHECK_EQ(!!(pt & TR_PT_L2_ARP), !!(d.layers & TR_DEC_ARP));
		T_CHECK_EQ(!!(pt & (TR_PT_L3_IPV4 | TR_PT_L3_IPV4_EXT)), !!(d.layers & TR_DEC_IPV4));
		T_CHECK_EQ(!!(pt & (TR_PT_L3_IPV6 | TR_PT_L3_IPV6_EXT)), !!(d.layers & TR_DEC_IPV6));
		T_CHECK_EQ(!!(pt & TR_PT_L4_UDP), !!(d.layers & TR_DEC_UDP) && !(d.layers & TR_DEC_FRAG));
		T_CHECK_EQ(!!(pt & TR_PT_L4_TCP), !!(d.layers & TR_DEC_TCP));
		T_CHECK_EQ(!!(pt & TR_PT_L4_ICMP), !!(d.layers & (TR_DEC_ICMP | TR_DEC_ICMP6)));
		T_CHECK_EQ(!!(pt & TR_PT_L4_FRAG), !!(d.layers & TR_DEC_FRAG));
		if (d.layers & TR_DEC_IPV4)
			T_CHECK_EQ(c.l3_len, d.ipv4.r.hdr_len);
		if (d.layers & TR_DEC_IPV6)
			T_CHECK_EQ(c.l3_len, d.ipv6.r.hdr_len);
		if (d.layers & TR_DEC_TCP) {
			T_CHECK_EQ(c.l4_off, d.tcp.off);
			T_CHECK_EQ(c.l4_len, d.tcp.hdr_len);
		}
		if (d.layers & TR_DEC_UDP)
			T_CHECK_EQ(c.l4_off, d.udp.off);
		t_guard_free(g, s->len);
		/* Every truncation: no over-read; once the L4 header fits the
		 * answer equals the full one. */
		size_t hdr_end = (size_t)c.l4_off + c.l4_len;
		if (!c.l4_off)
			hdr_end = c.l2_len;
		struct tr_classify full = c;
		for (size_t k = 0; k < s->len; k++) {
			uint8_t *t = t_guard_copy(s->data, k);
			uint32_t p = tr_classify(t, k, &c);
			if (k < 14)
				T_CHECK_EQ(p, 0);
			else if (k >= hdr_end)
				T_CHECK_EQ(p, full.ptype);
			else
				T_CHECK(p & TR_PT_TRUNC);
			t_guard_free(t, k);
		}
	}
	/* Eight IPv6 extension headers pass, nine are reported truncated. */
	uint8_t buf[14 + 40 + 9 * 8 + 8] = { 0 };
	tr_store_be16(buf + 12, TR_ETHERTYPE_IPV6);
	buf[14] = 0x60;
	buf[14 + 6] = TR_IPPROTO_DSTOPTS;
	for (int i = 0; i < 9; i++)
		buf[54 + 8 * i] = i < 8 ? TR_IPPROTO_DSTOPTS : TR_IPPROTO_UDP;
	uint32_t p = tr_classify(buf, sizeof(buf), &c);
	T_CHECK(p & TR_PT_TRUNC);
	T_CHECK(p & TR_PT_L3_IPV6_EXT);
	buf[54 + 8 * 7] = TR_IPPROTO_UDP;
	p = tr_classify(buf, sizeof(buf), &c);
	T_CHECK_EQ(p, TR_PT_L2_ETHER | TR_PT_L3_IPV6_EXT | TR_PT_L4_UDP);
	T_CHECK_EQ(c.l4_off, 14 + 40 + 64);
}

/* The decoder inlines UDP; it must agree with tr_udp_parse() on every
 * sample and on byte flips of the UDP header and payload. */
static void udp_inline_matches_codec(void)
{
	int compared = 0;
	for (size_t i = 0; i < N_SAMPLE_FRAMES; i++) {
		const struct sample_frame *s = &sample_frames[i];
		dec(s->data, s->len, s->len);
		if (!(d.layers & TR_DEC_UDP) || !d.udp.csum_checked)
			continue;
		size_t uoff = d.udp.off;
		bool v6 = d.layers & TR_DEC_IPV6;
		size_t l3 = v6 ? d.ipv6.off : d.ipv4.off;
		for (size_t pos = uoff; pos < s->len; pos++) {
			for (unsigned x = 0; x < 3; x++) {
				uint8_t buf[256];
				memcpy(buf, s->data, s->len);
				if (pos != uoff || x)
					buf[pos] ^= (uint8_t)(x == 0 ? 0x01 : x == 1 ? 0x80 : 0xff);
				int rc = dec(buf, s->len, s->len);
				/* The reference: the UDP codec on the same bytes. */
				size_t avail = v6 ? tr_load_be16(buf + l3 + 4) + 40u - (uoff - l3)
						  : tr_load_be16(buf + l3 + 2) - (uoff - l3);
				struct tr_l4_pseudo ph = { (uint8_t)(v6 ? 6 : 4),
							   buf + l3 + (v6 ? 8 : 12), buf + l3 + (v6 ? 24 : 16) };
				struct tr_udp_view v = tr_udp_view_ro(buf + uoff, avail);
				struct tr_udp_repr r;
				int ref = tr_udp_parse(&v, &ph, &r, 0, NULL);
				bool v6_zero = v6 && avail >= 8 && tr_load_raw16(buf + uoff + 6) == 0;
				if (v6_zero) {
					/* The codec rejects it; the decoder keeps
					 * the layer with a bad checksum. */
					T_CHECK_EQ(ref, -EINVAL);
					ref = tr_udp_parse(&v, &ph, &r, TR_L4_NO_CKSUM, NULL);
					if (ref == 0)
						ref = -EBADMSG;
				}
				if (ref == -EINVAL) {
					T_CHECK_EQ(rc, -EINVAL);
					T_CHECK(!(d.layers & TR_DEC_UDP));
					T_CHECK(strncmp(d.error, "udp: ", 5) == 0);
				} else {
					T_CHECK(d.layers & TR_DEC_UDP);
					T_CHECK_EQ(d.udp.csum_ok, ref == 0);
					T_CHECK_EQ(d.udp.r.src_port, r.src_port);
					T_CHECK_EQ(d.udp.r.dst_port, r.dst_port);
					T_CHECK_EQ(d.udp.r.payload_len, r.payload_len);
					T_CHECK_EQ(d.udp.r.cksum_present, r.cksum_present);
				}
				compared++;
			}
		}
	}
	T_CHECK(compared > 100);
}

/* The decoder inlines option-less, unfragmented IPv4; the repr it fills
 * must equal tr_ipv4_parse()'s on samples and on header byte flips. */
static void ipv4_inline_matches_codec(void)
{
	int compared = 0;
	for (size_t i = 0; i < N_SAMPLE_FRAMES; i++) {
		const struct sample_frame *s = &sample_frames[i];
		dec(s->data, s->len, s->len);
		if (!(d.layers & TR_DEC_IPV4))
			continue;
		size_t off = d.ipv4.off;
		for (size_t pos = off; pos < off + 20; pos++) {
			for (unsigned x = 0; x < 3; x++) {
				uint8_t buf[256];
				memcpy(buf, s->data, s->len);
				if (pos != off || x)
					buf[pos] ^= (uint8_t)(x == 0 ? 0x01 : x == 1 ? 0x40 : 0xff);
				dec(buf, s->len, s->len);
				struct tr_ipv4_view v = tr_ipv4_view_of(buf + off, s->len - off);
				struct tr_ipv4_repr r;
				int ref = tr_ipv4_parse(&v, &r, 0, NULL);
				T_CHECK_EQ(ref == 0 || ref == -EBADMSG, !!(d.layers & TR_DEC_IPV4));
				if (ref != 0 && ref != -EBADMSG)
					continue;
				const struct tr_ipv4_repr *q = &d.ipv4.r;
				T_CHECK(memcmp(q->src, r.src, 4) == 0 && memcmp(q->dst, r.dst, 4) == 0);
				T_CHECK_EQ(q->proto, r.proto);
				T_CHECK_EQ(q->ttl, r.ttl);
				T_CHECK_EQ(q->tos, r.tos);
				T_CHECK_EQ(q->df, r.df);
				T_CHECK_EQ(q->mf, r.mf);
				T_CHECK_EQ(q->csum_ok, r.csum_ok);
				T_CHECK_EQ(q->hdr_len, r.hdr_len);
				T_CHECK_EQ(q->opt_len, r.opt_len);
				T_CHECK_EQ(q->id, r.id);
				T_CHECK_EQ(q->frag_off, r.frag_off);
				T_CHECK_EQ(q->total_len, r.total_len);
				T_CHECK_EQ(q->payload_len, r.payload_len);
				T_CHECK_EQ(d.ipv4.csum_ok, r.csum_ok);
				compared++;
			}
		}
	}
	T_CHECK(compared > 100);
}

/* A zero UDP checksum over IPv6 is illegal: the codec rejects the
 * datagram, the decoder keeps the UDP layer with csum_ok = false. */
static void udp_zero_cksum_ipv6(void)
{
	const struct sample_frame *s = find("qinq_ipv6_udp");
	uint8_t buf[256];
	T_ASSERT(s->len <= sizeof(buf));
	memcpy(buf, s->data, s->len);
	T_ASSERT(dec(buf, s->len, s->len) == 0);
	size_t uoff = d.udp.off;
	uint16_t sp = d.udp.r.src_port, dp = d.udp.r.dst_port;
	memset(buf + uoff + 6, 0, 2);

	T_CHECK_EQ(dec(buf, s->len, s->len), 0);
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_VLAN | TR_DEC_IPV6 | TR_DEC_UDP);
	T_CHECK(d.udp.csum_checked);
	T_CHECK(!d.udp.csum_ok);
	T_CHECK_EQ(d.udp.r.cksum_present, 0);
	T_CHECK_EQ(d.udp.r.src_port, sp);
	T_CHECK_EQ(d.udp.r.dst_port, dp);
	T_CHECK_EQ(d.payload_off, uoff + 8);
	T_CHECK_EQ(d.payload_len, 13);
	T_CHECK_STR(d.error, "");

	/* The codec itself still rejects it (the stack relies on that). */
	struct tr_l4_pseudo ph = { 6, buf + d.ipv6.off + 8, buf + d.ipv6.off + 24 };
	struct tr_udp_view v = tr_udp_view_ro(buf + uoff, s->len - uoff);
	struct tr_udp_repr r;
	const char *why = NULL;
	T_CHECK_EQ(tr_udp_parse(&v, &ph, &r, 0, &why), -EINVAL);
	T_CHECK(why && strcmp(why, "udp: zero checksum over ipv6") == 0);

	/* Cut by a snaplen after the UDP header: known bad all the same. */
	T_CHECK_EQ(dec(buf, uoff + 8, s->len), 0);
	T_CHECK(d.layers & TR_DEC_UDP);
	T_CHECK(d.udp.csum_checked && !d.udp.csum_ok);

	/* Over IPv4 zero means absent (good), even when cut. */
	const struct sample_frame *q = find("udp_dns_query");
	memcpy(buf, q->data, q->len);
	memset(buf + 40, 0, 2);
	T_CHECK_EQ(dec(buf, 42, q->len), 0);
	T_CHECK(d.layers & TR_DEC_UDP);
	T_CHECK(!d.udp.csum_checked && !d.udp.csum_ok);
}

/* A cut VLAN tag keeps Ethernet (and the complete tags before it). */
static void vlan_cut_keeps_eth(void)
{
	const struct sample_frame *s = find("qinq_ipv6_udp");
	for (size_t k = 14; k < 22; k++) {
		T_CHECK_EQ(dec(s->data, k, k), -EINVAL);
		unsigned tags = k < 18 ? 0 : 1;
		T_CHECK_EQ(d.layers, TR_DEC_ETH | (tags ? TR_DEC_VLAN : 0) | TR_DEC_ERROR);
		T_CHECK(memcmp(d.eth.r.dst, s->data, 6) == 0);
		T_CHECK(memcmp(d.eth.r.src, s->data + 6, 6) == 0);
		T_CHECK_EQ(d.eth.r.n_vlan, tags);
		T_CHECK_EQ(d.eth.r.hdr_len, 14 + 4 * tags);
		T_CHECK_EQ(d.eth.r.ethertype, tags ? TR_ETHERTYPE_VLAN : TR_ETHERTYPE_QINQ);
		if (tags) {
			T_CHECK_EQ(d.eth.r.vlan[0].tpid, TR_ETHERTYPE_QINQ);
			T_CHECK_EQ(d.eth.r.vlan[0].vid, 100);
			T_CHECK_EQ(d.eth.r.vlan[0].inner_type, TR_ETHERTYPE_VLAN);
			T_CHECK_EQ(d.eth.vlan_off[0], 12);
		}
		T_CHECK_EQ(d.payload_off, 14 + 4 * tags);
		T_CHECK_EQ(d.payload_len, k - (14 + 4 * tags));
		T_CHECK_STR(d.error, "eth: vlan tag truncated");
		/* The same cut in a snaplen capture. */
		T_CHECK_EQ(dec(s->data, k, s->len), -EINVAL);
		T_CHECK_EQ(d.layers, TR_DEC_ETH | (tags ? TR_DEC_VLAN : 0) | TR_DEC_ERROR | TR_DEC_TRUNC);
	}
	/* Too many tags: the first TR_ETH_MAX_VLAN are kept. */
	uint8_t buf[64] = { 0 };
	for (int i = 0; i < 6; i++) {
		tr_store_be16(buf + 12 + 4 * i, TR_ETHERTYPE_VLAN);
		tr_store_be16(buf + 14 + 4 * i, (uint16_t)(10 + i));
	}
	T_CHECK_EQ(dec(buf, sizeof(buf), sizeof(buf)), -EINVAL);
	T_CHECK_STR(d.error, "eth: more than 4 vlan tags");
	T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_VLAN | TR_DEC_ERROR);
	T_CHECK_EQ(d.eth.r.n_vlan, TR_ETH_MAX_VLAN);
	T_CHECK_EQ(d.eth.r.vlan[3].vid, 13);
	T_CHECK_EQ(d.eth.vlan_off[3], 24);
	T_CHECK_EQ(d.eth.r.hdr_len, 14 + 4 * TR_ETH_MAX_VLAN);
	/* Shorter than the untagged header: nothing decoded. */
	T_CHECK_EQ(dec(s->data, 13, 13), -EINVAL);
	T_CHECK_EQ(d.layers, TR_DEC_ERROR);
}

/* Ethernet + IPv6 (fd77::1 -> fd77::2) + the ICMPv6 message r, emitted by
 * the codec. Returns the frame length. */
static size_t icmp6_frame(uint8_t *buf, size_t cap, const struct tr_icmpv6_repr *r)
{
	memset(buf, 0, 54);
	buf[0] = 0x33;
	buf[6] = 0x02;
	tr_store_be16(buf + 12, TR_ETHERTYPE_IPV6);
	uint8_t *ip = buf + 14;
	ip[0] = 0x60;
	ip[6] = TR_IPPROTO_ICMPV6;
	ip[7] = 255;
	ip[8] = 0xfd, ip[9] = 0x77, ip[23] = 1;
	ip[24] = 0xfd, ip[25] = 0x77, ip[39] = 2;
	size_t n = tr_icmpv6_emit_len(r);
	T_ASSERT(54 + n <= cap);
	tr_store_be16(ip + 4, (uint16_t)n);
	struct tr_l4_pseudo ph = { 6, ip + 8, ip + 24 };
	T_ASSERT(tr_icmpv6_emit(r, &ph, buf + 54, n) == 0);
	return 54 + n;
}

/* The ND target (NS, NA, redirect) and redirect destination point at the
 * addresses in the frame; other types have none. */
static void icmp6_nd_target(void)
{
	uint8_t buf[256];
	struct tr_icmpv6_repr r;
	static const uint8_t tgt[16] = { 0xfe, 0x80, [15] = 0x77 };
	static const uint8_t dst[16] = { 0xfd, 0x77, [14] = 1, [15] = 5 };
	const uint8_t types[] = { TR_ICMP6_NEIGH_SOLICIT, TR_ICMP6_NEIGH_ADVERT, TR_ICMP6_REDIRECT,
				  TR_ICMP6_ECHO_REQUEST, TR_ICMP6_ROUTER_SOLICIT };
	for (size_t i = 0; i < sizeof(types); i++) {
		memset(&r, 0, sizeof(r));
		r.type = types[i];
		if (r.type == TR_ICMP6_REDIRECT) {
			memcpy(r.u.redirect.target, tgt, 16);
			memcpy(r.u.redirect.dst, dst, 16);
		} else if (r.type != TR_ICMP6_ECHO_REQUEST) {
			memcpy(r.u.nd.target, tgt, 16);
			if (r.type == TR_ICMP6_NEIGH_ADVERT)
				r.u.nd.flags = TR_ICMP6_NA_F_SOLICITED;
		}
		size_t n = icmp6_frame(buf, sizeof(buf), &r);
		uint8_t *g = t_guard_copy(buf, n);
		T_CHECK_EQ(tr_decode(g, n, n, &d), 0);
		T_CHECK_EQ(d.layers, TR_DEC_ETH | TR_DEC_IPV6 | TR_DEC_ICMP6);
		T_CHECK_EQ(d.icmp6.type, r.type);
		T_CHECK(d.icmp6.csum_ok);
		bool nd = r.type == TR_ICMP6_NEIGH_SOLICIT || r.type == TR_ICMP6_NEIGH_ADVERT ||
			  r.type == TR_ICMP6_REDIRECT;
		T_CHECK_EQ(d.icmp6.target != NULL, nd);
		if (nd) {
			T_CHECK(d.icmp6.target == g + 54 + 8);
			T_CHECK(memcmp(d.icmp6.target, tgt, 16) == 0);
		}
		T_CHECK_EQ(d.icmp6.redirect_dst != NULL, r.type == TR_ICMP6_REDIRECT);
		if (d.icmp6.redirect_dst) {
			T_CHECK(d.icmp6.redirect_dst == g + 54 + 24);
			T_CHECK(memcmp(d.icmp6.redirect_dst, dst, 16) == 0);
		}
		t_guard_free(g, n);
		/* A snaplen cut inside the target: ICMPv6 is not decoded, so
		 * no consumer can see a half target. */
		if (nd) {
			g = t_guard_copy(buf, 54 + 20);
			T_CHECK_EQ(tr_decode(g, 54 + 20, n, &d), -EINVAL);
			T_CHECK(!(d.layers & TR_DEC_ICMP6));
			t_guard_free(g, 54 + 20);
		}
	}
	/* The sample NS frame. */
	const struct sample_frame *s = find("ipv6_ns");
	T_CHECK_EQ(dec(s->data, s->len, s->len), 0);
	T_CHECK_EQ(d.icmp6.type, TR_ICMP6_NEIGH_SOLICIT);
	T_CHECK(d.icmp6.target != NULL);
	T_CHECK(d.icmp6.redirect_dst == NULL);
}

int main(void)
{
	sample_values();
	truncations();
	checksums_and_errors();
	classify();
	udp_inline_matches_codec();
	ipv4_inline_matches_codec();
	udp_zero_cksum_ipv6();
	vlan_cut_keeps_eth();
	icmp6_nd_target();
	return t_done();
}
