/* Fragmentation of a large tr_udp_sendto: headers prepended in the
 * headroom (zero copy for the first fragment), offsets multiple of 8, MF on
 * all but the last, one IP id, valid header checksums, and the fragments
 * concatenated give back the UDP datagram with a valid checksum. The
 * fragments then go through a second stack's reassembly and come back as
 * one datagram. The same over IPv6: fragment headers with one random id per
 * datagram, 1448-byte fragments, reassembled by a peer; no atomic fragments
 * for datagrams that fit; past the payload limit refused. */
#include "fake.h"

static uint32_t got_len;
static uint8_t got[70000];

static uint32_t sink_cb(void *arg, struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	(void)arg; (void)s; (void)b;
	memcpy(got, m->payload, m->len);
	got_len = m->len;
	return TR_UDP_CONSUMED;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[128];
	static uint8_t payload[4000], whole[8192];
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i ^ (i >> 8));
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 65536 - FK_HEADROOM);
	fk_start(&f);
	/* learn the peer first so frames go out at once */
	uint32_t n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);

	struct tr_buf *b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	uint8_t *first_data = b->data;
	memcpy(b->data, payload, sizeof(payload));
	b->len = sizeof(payload);
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 4, FK_IP2, FK_PEER_IP, 3000, 4000), 0);
	/* 4008 bytes of UDP, 1480 per fragment: 1480 + 1480 + 1048 */
	T_ASSERT(f.ntx == 3);
	T_CHECK_EQ(fk_cnt(&f, "ip4.frags_sent"), 3);
	uint16_t id = tr_load_be16(f.tx[0].d + 18);
	uint32_t total = 0;
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *d = f.tx[i].d;
		struct tr_ipv4_view v = { (uint8_t *)(uintptr_t)d + 14, f.tx[i].len - 14 };
		T_ASSERT(tr_ipv4_check(&v) == 0);
		T_CHECK(tr_ipv4_csum_ok(&v));
		T_CHECK(memcmp(d, FK_PEER_MAC, 6) == 0);
		T_CHECK(memcmp(d + 6, FK_MAC2, 6) == 0);   /* the MAC of 10.77.0.2 */
		T_CHECK_EQ(tr_ipv4_id(&v), id);
		T_CHECK_EQ(tr_ipv4_frag_off(&v), i * 1480);
		T_CHECK_EQ(tr_ipv4_mf(&v), i < 2);
		T_CHECK(f.tx[i].len <= 14 + 1500);
		uint32_t pl = tr_ipv4_payload_len(&v);
		T_CHECK(i == 2 || pl % 8 == 0);
		memcpy(whole + tr_ipv4_frag_off(&v), tr_ipv4_payload(&v), pl);
		total += pl;
	}
	T_CHECK_EQ(total, 8 + sizeof(payload));
	T_CHECK_EQ(tr_load_be16(whole + 4), total);
	T_CHECK(memcmp(whole + 8, payload, sizeof(payload)) == 0);
	T_CHECK_EQ(tr_cksum_finish(tr_cksum_add(tr_cksum_pseudo_ipv4(FK_IP2, FK_PEER_IP, 17, total),
						whole, total)), 0);
	(void)first_data;

	/* the peer side: a stack owning 10.77.0.99 reassembles them */
	struct tr_stack_config pc;
	struct fake p;
	memset(&pc, 0, sizeof(pc));
	memcpy(pc.mac, FK_PEER_MAC, 6);
	pc.n_ip4 = 1;
	memcpy(pc.ip4[0], FK_PEER_IP, 4);
	fk_init(&p, &pc, 65536 - FK_HEADROOM);
	T_CHECK_EQ(tr_udp_bind(p.h, 4, 4000, sink_cb, NULL), 0);
	fk_start(&p);
	T_CHECK_EQ(fk_input(&p, f.tx[2].d, f.tx[2].len), TR_ACT_STOLEN);
	T_CHECK_EQ(fk_input(&p, f.tx[0].d, f.tx[0].len), TR_ACT_STOLEN);
	T_CHECK(FK_IS_DROP(fk_input(&p, f.tx[1].d, f.tx[1].len), UDP_CONSUMED));
	T_CHECK_EQ(got_len, sizeof(payload));
	T_CHECK(memcmp(got, payload, sizeof(payload)) == 0);
	T_CHECK(fk_accounting_ok(&p));
	fk_fini(&p);
	fk_clear_tx(&f);

	/* small datagram: one frame, headers in the headroom */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	uint8_t *orig = b->data;
	memcpy(b->data, "hi", 2);
	b->len = 2;
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 4, NULL, FK_PEER_IP, 3000, 4000), 0);
	T_ASSERT(f.ntx == 1);
	T_CHECK_EQ(f.tx[0].len, 14 + 20 + 8 + 2);
	T_CHECK(fk_ip4_csums_ok(f.tx[0].d, f.tx[0].len));
	T_CHECK(memcmp(f.tx[0].d + 42, "hi", 2) == 0);
	(void)orig;
	fk_clear_tx(&f);

	/* a second datagram gets another IPv4 id; fragments leave with DF
	 * clear */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	memcpy(b->data, payload, 2000);
	b->len = 2000;
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 4, NULL, FK_PEER_IP, 3000, 4000), 0);
	T_ASSERT(f.ntx == 2);
	T_CHECK(tr_load_be16(f.tx[0].d + 18) != id);
	for (unsigned i = 0; i < 2; i++) {
		T_CHECK_EQ(tr_load_be16(f.tx[i].d + 18), tr_load_be16(f.tx[0].d + 18));
		T_CHECK_EQ(f.tx[i].d[20] & 0x40, 0);   /* DF */
		T_CHECK(fk_ip4_csums_ok(f.tx[i].d, f.tx[i].len));
	}
	fk_clear_tx(&f);

	/* IPv6 (RFC 8200 4.5): 4008 bytes of UDP in 1448-byte fragments
	 * (1500 - 40 - 8, rounded down to 8): 1448 + 1448 + 1112, each with
	 * a fragment header of one random 32-bit id */
	{
		uint32_t ids[2];
		for (unsigned round = 0; round < 2; round++) {
			b = tr_stack_alloc(f.s);
			T_ASSERT(b);
			memcpy(b->data, payload, sizeof(payload));
			b->len = sizeof(payload);
			/* the neighbour is unknown: the fragments wait for it
			 * in its queue (8 frames) and leave on the NA */
			T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), 0);
			if (round == 0) {
				struct tr_icmpv6_repr na = { .type = TR_ICMP6_NEIGH_ADVERT };
				na.u.nd.flags = TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE;
				memcpy(na.u.nd.target, FK_PEER_IP6, 16);
				na.opts.present = TR_ND_HAS_TLLA;
				memcpy(na.opts.tlla, FK_PEER_MAC, 6);
				n = fk_icmp6(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 255, &na);
				T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), ND_CONSUMED));
			}
			/* round 0: the NS, then the three fragments */
			unsigned first = round == 0 ? 1 : 0;
			T_ASSERT(f.ntx == first + 3);
			T_CHECK_EQ(fk_cnt(&f, "ip6.frags_sent"), 3 * (round + 1));
			ids[round] = tr_load_be32(f.tx[first].d + 58);
			total = 0;
			for (unsigned i = 0; i < 3; i++) {
				const uint8_t *d = f.tx[first + i].d;
				uint32_t len = f.tx[first + i].len;
				T_CHECK(memcmp(d, FK_PEER_MAC, 6) == 0);
				T_CHECK(len <= 14 + 1500);
				T_CHECK_EQ(d[20], TR_IPPROTO_FRAGMENT);
				T_CHECK_EQ(d[54], TR_IPPROTO_UDP);
				T_CHECK_EQ(d[55], 0);
				T_CHECK_EQ(tr_load_be32(d + 58), ids[round]);
				uint16_t offm = tr_load_be16(d + 56);
				T_CHECK_EQ(offm & 0xfff8u, i * 1448);
				T_CHECK_EQ(offm & 6u, 0);          /* reserved bits */
				T_CHECK_EQ((offm & 1u) != 0, i < 2);
				uint32_t pl = tr_load_be16(d + 18) - 8u;
				T_CHECK_EQ(len, 62 + pl);
				T_CHECK_EQ(pl, i < 2 ? 1448u : 1112u);
				memcpy(whole + (offm & 0xfff8u), d + 62, pl);
				total += pl;
			}
			T_CHECK_EQ(total, 8 + sizeof(payload));
			T_CHECK_EQ(tr_load_be16(whole + 4), total);
			T_CHECK(memcmp(whole + 8, payload, sizeof(payload)) == 0);
			T_CHECK_EQ(tr_cksum_finish(tr_cksum_add(tr_cksum_pseudo_ipv6(FK_IP6, FK_PEER_IP6, 17, total),
								whole, total)), 0);
			/* the peer side reassembles them (out of order) */
			struct tr_stack_config pc6;
			struct fake p6;
			memset(&pc6, 0, sizeof(pc6));
			memcpy(pc6.mac, FK_PEER_MAC, 6);
			pc6.n_ip6 = 1;
			memcpy(pc6.ip6[0], FK_PEER_IP6, 16);
			fk_init(&p6, &pc6, 65536 - FK_HEADROOM);
			T_CHECK_EQ(tr_udp_bind(p6.h, 6, 4000, sink_cb, NULL), 0);
			fk_start(&p6);
			got_len = 0;
			T_CHECK_EQ(fk_input(&p6, f.tx[first + 2].d, f.tx[first + 2].len), TR_ACT_STOLEN);
			T_CHECK_EQ(fk_input(&p6, f.tx[first].d, f.tx[first].len), TR_ACT_STOLEN);
			T_CHECK(FK_IS_DROP(fk_input(&p6, f.tx[first + 1].d, f.tx[first + 1].len), UDP_CONSUMED));
			T_CHECK_EQ(got_len, sizeof(payload));
			T_CHECK(memcmp(got, payload, sizeof(payload)) == 0);
			T_CHECK_EQ(fk_cnt(&p6, "ip6.reasm_ok"), 1);
			T_CHECK(fk_accounting_ok(&p6));
			fk_fini(&p6);
			fk_clear_tx(&f);
		}
		T_CHECK(ids[0] != ids[1]);
	}
	/* Packet Too Big (RFC 8201) for a packet we sent to the peer: later
	 * datagrams to it are cut for 1280 (1232-byte fragments); a PTB
	 * below 1280 keeps 1280 (RFC 8021: no atomic fragments), one about a
	 * packet that was not ours is ignored, and the entry expires after
	 * 10 minutes. */
	{
		static uint8_t quoted[1240];
		struct tr_ipv6_repr qr = { .hop_limit = 64, .next = 17, .upper = 17, .payload_len = 1200 };
		memcpy(qr.src, FK_IP6, 16);
		memcpy(qr.dst, FK_PEER_IP6, 16);
		T_ASSERT(tr_ipv6_emit(&qr, quoted, 40) == 0);
		struct tr_icmpv6_repr ptb = { .type = TR_ICMP6_PACKET_TOO_BIG, .data = quoted, .data_len = sizeof(quoted) };
		static uint8_t pf[2048];
		unsigned plen[3] = { 1280, 1000, 1280 };
		for (unsigned k = 0; k < 3; k++) {
			ptb.u.mtu = k == 0 ? 1400 : plen[k];
			if (k == 2)   /* not ours: quoted source is the peer */
				memcpy(quoted + 8, FK_PEER_IP6, 16);
			uint32_t pn = fk_icmp6(pf, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 64, &ptb);
			T_CHECK(FK_IS_DROP(fk_input(&f, pf, pn), ICMP6_PTB));
		}
		T_CHECK_EQ(fk_cnt(&f, "ip6.pmtu_lowered"), 2);   /* 1400, then 1280 (1000 clamped) */
		b = tr_stack_alloc(f.s);
		T_ASSERT(b);
		memcpy(b->data, payload, sizeof(payload));
		b->len = sizeof(payload);
		T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), 0);
		T_ASSERT(f.ntx == 4);   /* 4008 = 1232 * 3 + 312 */
		for (unsigned i = 0; i < 4; i++) {
			T_CHECK(f.tx[i].len <= 14 + 1280);
			T_CHECK_EQ(tr_load_be16(f.tx[i].d + 56) & 0xfff8u, i * 1232);
		}
		fk_clear_tx(&f);
		/* other destinations keep the link MTU; after 10 minutes the
		 * peer is back at 1500 */
		f.now += 601ull * 1000000000ull;
		b = tr_stack_alloc(f.s);
		T_ASSERT(b);
		memcpy(b->data, payload, sizeof(payload));
		b->len = sizeof(payload);
		/* the neighbour entry has aged out too: the fragments wait
		 * for the NA that answers the new NS */
		tr_stack_poll(f.s, f.now);
		T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), 0);
		{
			struct tr_icmpv6_repr na = { .type = TR_ICMP6_NEIGH_ADVERT };
			na.u.nd.flags = TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE;
			memcpy(na.u.nd.target, FK_PEER_IP6, 16);
			na.opts.present = TR_ND_HAS_TLLA;
			memcpy(na.opts.tlla, FK_PEER_MAC, 6);
			uint32_t pn = fk_icmp6(pf, FK_MAC, FK_PEER_MAC, FK_PEER_IP6, FK_IP6, 255, &na);
			fk_input(&f, pf, pn);
		}
		unsigned nfr = 0;
		for (unsigned i = 0; i < f.ntx; i++)
			if (f.tx[i].d[20] == TR_IPPROTO_FRAGMENT) {
				T_CHECK(nfr == 2 || f.tx[i].len == 14 + 48 + 1448);
				nfr++;
			}
		T_CHECK_EQ(nfr, 3);
		fk_clear_tx(&f);
	}

	/* a datagram that fits the MTU gets no fragment header (RFC 8021:
	 * no atomic fragments) */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	b->len = 1500 - 48;
	memset(b->data, 1, b->len);
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), 0);
	T_ASSERT(f.ntx == 1);
	T_CHECK_EQ(f.tx[0].len, 14 + 1500);
	T_CHECK_EQ(f.tx[0].d[20], TR_IPPROTO_UDP);
	T_CHECK(fk_ip6_l4_csum_ok(f.tx[0].d, f.tx[0].len));
	fk_clear_tx(&f);
	/* past the IPv6 payload limit: refused */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	b->len = 65528;   /* refused before any byte is read */
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), -EMSGSIZE);
	T_CHECK_EQ(f.drops[TR_STACK_C_TX_TOO_BIG], 1);
	T_CHECK_EQ(f.ntx, 0);
	/* a source that is not ours is refused */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	b->len = 4;
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 4, FK_PEER_IP, FK_PEER_IP, 3000, 4000), -EINVAL);
	T_CHECK_EQ(f.ntx, 0);
	fk_fini(&f);
	return t_done();
}
