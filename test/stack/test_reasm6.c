/* IPv6 reassembly (RFC 8200 4.5) through the fake io: fragments of UDP
 * echo datagrams in order and out of order are reassembled and answered;
 * an overlap or a duplicate discards the whole datagram (RFC 5722); a
 * datagram not complete in time goes as ip6.reasm_timeout; one that does
 * not fit the completing fragment's buffer goes as ip6.reasm_too_big
 * without a large class and is reassembled in a large buffer with one
 * (which replaces the rx frame, and the reply leaves as fragments); the
 * shared held-buffer budget and slot count hold under a flood of both
 * families; an atomic fragment (RFC 6946) is answered on its own without
 * touching a reassembly in progress; bad fragment lengths are counted.
 * The accounting equation is checked throughout. */
#include "fake.h"

static uint8_t dgram[70000];   /* UDP or ICMPv6 message */
static uint32_t dlen;

static void make_udp(uint32_t plen)
{
	static uint8_t pl[70000];
	for (uint32_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i * 31 + 3);
	dlen = fk_udp_l4(dgram, 6, FK_PEER_IP6, FK_IP6, 5000, 7, pl, plen);
}

/* Ethernet + IPv6 + fragment header + dgram[off .. off+len). */
static uint32_t frag6(uint8_t *fr, uint8_t upper, uint32_t id, uint32_t off, uint32_t len, bool mf)
{
	uint32_t n = fk_eth(fr, FK_MAC, FK_PEER_MAC, TR_ETHERTYPE_IPV6);
	struct tr_ipv6_repr r = {
		.hop_limit = 64, .next = TR_IPPROTO_FRAGMENT, .upper = upper,
		.payload_len = (uint16_t)(8 + len), .has_frag = true, .frag_mf = mf,
		.frag_off = (uint16_t)off, .frag_id = id,
	};
	memcpy(r.src, FK_PEER_IP6, 16);
	memcpy(r.dst, FK_IP6, 16);
	T_ASSERT(tr_ipv6_emit(&r, fr + n, 48) == 0);
	memcpy(fr + n + 48, dgram + off, len);
	return n + 48 + len;
}

static uint32_t ufrag(uint8_t *fr, uint32_t id, uint32_t off, uint32_t len, bool mf)
{
	return frag6(fr, TR_IPPROTO_UDP, id, off, len, mf);
}

static void check_echo(struct fake *f)
{
	T_CHECK_EQ(f->last_len, 14 + 40 + dlen);
	T_CHECK_EQ(f->last[14 + 6], TR_IPPROTO_UDP);   /* no fragment header left */
	T_CHECK_EQ(tr_load_be16(f->last + 18), dlen);
	T_CHECK(fk_ip6_l4_csum_ok(f->last, f->last_len));
	T_CHECK(memcmp(f->last + 54 + 8, dgram + 8, dlen - 8) == 0);
	T_CHECK_EQ(tr_load_be16(f->last + 54 + 2), 5000);   /* back to the sender's port */
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	static uint8_t fr[4096];
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	make_udp(1000);   /* 1008 bytes: fragments of 400, 400, 208 */

	/* in order, then out of order */
	fk_reasm_orders(&f, fr, ufrag, check_echo, TR_STACK_C_IP6_FRAG_MERGED, "ip6.reasm_ok");
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_ok"), 0);
	uint32_t n;
	/* the same id from another source is another datagram */
	n = ufrag(fr, 3, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	fr[14 + 8 + 15] ^= 1;   /* source fd77::98 */
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	T_CHECK_EQ(tr_stack_held(f.s), 2);
	fk_poll(&f, 31000000000ull);
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_timeout"), 2);

	/* overlap: the whole datagram goes (RFC 5722) */
	n = ufrag(fr, 4, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = ufrag(fr, 4, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = ufrag(fr, 4, 392, 400, true);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), IP6_REASM_OVERLAP));
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_overlap"), 3);
	/* the fragment that would have completed it starts a new datagram */
	n = ufrag(fr, 4, 400, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	/* duplicate */
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), IP6_REASM_OVERLAP));
	T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_overlap"), 5);
	/* two different last fragments */
	n = ufrag(fr, 5, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = ufrag(fr, 5, 400, 200, false);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), IP6_REASM_OVERLAP));
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(f.drops[TR_STACK_C_IP4_REASM_OVERLAP], 0);

	/* bad lengths (RFC 8200 4.5): M set and not a multiple of 8, empty,
	 * past 65535 */
	n = ufrag(fr, 6, 0, 401, true);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), IP6_FRAG_BAD_LEN));
	n = ufrag(fr, 6, 0, 0, true);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), IP6_FRAG_BAD_LEN));
	n = ufrag(fr, 6, 65528, 16, false);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), IP6_FRAG_BAD_LEN));
	T_CHECK_EQ(fk_cnt(&f, "ip6.frag_bad_len"), 3);
	T_CHECK_EQ(tr_stack_held(f.s), 0);

	/* atomic fragment (offset 0, M clear): answered on its own, without a
	 * fragment header in the reply, while a reassembly with the same id
	 * is in progress and stays untouched (RFC 6946) */
	n = ufrag(fr, 7, 400, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = ufrag(fr, 7, 0, dlen, false);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	check_echo(&f);
	T_CHECK_EQ(fk_cnt(&f, "ip6.atomic_frags"), 1);
	T_CHECK_EQ(tr_stack_held(f.s), 1);
	n = ufrag(fr, 7, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = ufrag(fr, 7, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	check_echo(&f);
	/* an atomic ICMPv6 echo request: the reply carries no fragment header */
	{
		static uint8_t pl[100];
		struct tr_icmpv6_repr er = { .type = TR_ICMP6_ECHO_REQUEST, .data = pl, .data_len = sizeof(pl) };
		er.u.echo.id = 1;
		er.u.echo.seq = 2;
		struct tr_l4_pseudo ph = { 6, FK_PEER_IP6, FK_IP6 };
		dlen = (uint32_t)tr_icmpv6_emit_len(&er);
		T_ASSERT(tr_icmpv6_emit(&er, &ph, dgram, dlen) == 0);
		n = frag6(fr, TR_IPPROTO_ICMPV6, 8, 0, dlen, false);
		T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
		T_CHECK_EQ(f.last_len, 14 + 40 + dlen);
		T_CHECK_EQ(f.last[20], TR_IPPROTO_ICMPV6);
		T_CHECK_EQ(f.last[54], TR_ICMP6_ECHO_REPLY);
		T_CHECK(fk_ip6_l4_csum_ok(f.last, f.last_len));
		T_CHECK_EQ(fk_cnt(&f, "ip6.atomic_frags"), 2);
	}
	T_CHECK(fk_accounting_ok(&f));

	/* too big for one 2048-byte buffer and no large class */
	make_udp(3000);
	for (uint32_t off = 0; off < dlen; off += 1000) {
		uint32_t l = dlen - off < 1000 ? dlen - off : 1000;
		n = ufrag(fr, 9, off, l, off + l < dlen);
		fk_input(&f, fr, n);
	}
	T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_too_big"), 4);
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK(fk_accounting_ok(&f));

	/* flood: first fragments of distinct ids, IPv6 and IPv4 mixed, share
	 * the 16 slots; then fragments of few datagrams hit the 64-buffer
	 * budget (both families count into it) */
	make_udp(1000);
	for (int i = 0; i < 4000; i++) {
		if (i & 1) {
			n = ufrag(fr, (uint32_t)(100000 + i), 0, 400, true);
		} else {
			n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, dgram, 400,
				   (uint16_t)i, 0, true);
		}
		T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
		T_ASSERT(tr_stack_held(f.s) <= 16);
	}
	T_CHECK_EQ(tr_stack_held(f.s), 16);
	T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_evicted") + fk_cnt(&f, "ip4.reasm_evicted"), 4000 - 16);
	T_CHECK(fk_cnt(&f, "ip6.reasm_evicted") > 1000);
	T_CHECK(fk_cnt(&f, "ip4.reasm_evicted") > 1000);
	for (int i = 0; i < 3000; i++) {
		n = ufrag(fr, (uint32_t)(7000000 + i % 8), (uint32_t)(i / 8) * 8, 8, true);
		fk_input(&f, fr, n);
		T_ASSERT(tr_stack_held(f.s) <= 64);
	}
	T_CHECK_EQ(tr_stack_held(f.s), 64);
	T_CHECK(fk_cnt(&f, "ip6.reasm_mem") > 0);
	T_CHECK(f.live <= 64 + 1);
	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);   /* releases the held fragments (stack.shutdown) */

	/* With a large class (2 buffers of 64 KiB + 128): a 60000-byte ping
	 * over IPv6, like `ping -6 -s 60000`, in 1448-byte fragments sent in
	 * reverse order. The datagram is assembled in a large buffer, which
	 * replaces the completing rx frame; the reply leaves as fragments. */
	fk_init(&f, &cfg, 0);
	fk_enable_large(&f, 65536 + 128, 2);
	fk_start(&f);
	{
		static uint8_t pl[60000], whole[70000];
		for (unsigned i = 0; i < sizeof(pl); i++)
			pl[i] = (uint8_t)(i * 7 + (i >> 9));
		struct tr_icmpv6_repr er = { .type = TR_ICMP6_ECHO_REQUEST, .data = pl, .data_len = sizeof(pl) };
		er.u.echo.id = 77;
		er.u.echo.seq = 1;
		struct tr_l4_pseudo ph = { 6, FK_PEER_IP6, FK_IP6 };
		dlen = (uint32_t)tr_icmpv6_emit_len(&er);
		T_ASSERT(tr_icmpv6_emit(&er, &ph, dgram, dlen) == 0);
		/* the reply goes straight back to the request's source MAC */
		uint32_t last_off = (dlen - 1) / 1448 * 1448;
		unsigned nfr = 0;
		for (int64_t off = last_off; off >= 0; off -= 1448) {
			uint32_t l = dlen - (uint32_t)off < 1448 ? dlen - (uint32_t)off : 1448;
			n = frag6(fr, TR_IPPROTO_ICMPV6, 0xabcdef01u, (uint32_t)off, l, (uint32_t)off + l < dlen);
			uint32_t act = fk_input(&f, fr, n);
			T_CHECK_EQ(act, TR_ACT_STOLEN);
			nfr++;
		}
		T_CHECK_EQ(nfr, 42);
		T_CHECK_EQ(f.adopted, 1);
		T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_ok"), 1);
		T_CHECK_EQ(fk_cnt(&f, "icmp6.echo_replied"), 1);
		T_CHECK_EQ(f.drops[TR_STACK_C_IP6_FRAG_MERGED], 41);
		/* the reply: 42 fragments of one random id, the large buffer
		 * (now the rx frame) leaving as the first */
		T_CHECK_EQ(fk_cnt(&f, "ip6.frags_sent"), 42);
		T_ASSERT(f.ntx == 42);
		T_CHECK_EQ(f.tx_stolen, 1);
		uint32_t id = tr_load_be32(f.tx[0].d + 54 + 4), got = 0;
		for (unsigned i = 0; i < f.ntx; i++) {
			const uint8_t *d = f.tx[i].d;
			T_CHECK(f.tx[i].len <= 14 + 1500);
			T_CHECK(memcmp(d, FK_PEER_MAC, 6) == 0);
			T_CHECK_EQ(d[20], TR_IPPROTO_FRAGMENT);
			T_CHECK_EQ(d[54], TR_IPPROTO_ICMPV6);
			T_CHECK_EQ(tr_load_be32(d + 58), id);
			T_CHECK(memcmp(d + 22, FK_IP6, 16) == 0);
			uint16_t offm = tr_load_be16(d + 56);
			uint32_t off = offm & 0xfff8u, pl6 = tr_load_be16(d + 18) - 8u;
			T_CHECK_EQ(off, i * 1448);
			T_CHECK_EQ((offm & 1) != 0, i + 1 < f.ntx);
			T_CHECK(i + 1 == f.ntx || pl6 == 1448);
			T_CHECK_EQ(f.tx[i].len, 62 + pl6);
			memcpy(whole + off, d + 62, pl6);
			got += pl6;
		}
		T_CHECK_EQ(got, dlen);
		T_CHECK_EQ(whole[0], TR_ICMP6_ECHO_REPLY);
		struct tr_l4_pseudo rph = { 6, FK_IP6, FK_PEER_IP6 };
		T_CHECK_EQ(tr_cksum_finish(tr_cksum_add(tr_l4_pseudo_sum(&rph, TR_IPPROTO_ICMPV6, dlen), whole, dlen)), 0);
		T_CHECK(memcmp(whole + 8, pl, sizeof(pl)) == 0);
		T_CHECK_EQ(f.large_live, 0);
		fk_clear_tx(&f);

		/* the large class empty: the datagram is dropped as
		 * ip6.reasm_mem, every fragment counted */
		f.large_max = 0;
		for (uint32_t off = 0; off < dlen; off += 1448) {
			uint32_t l = dlen - off < 1448 ? dlen - off : 1448;
			n = frag6(fr, TR_IPPROTO_ICMPV6, 5, off, l, off + l < dlen);
			fk_input(&f, fr, n);
		}
		T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_mem"), 42);
		T_CHECK_EQ(tr_stack_held(f.s), 0);
		/* a class too small for this datagram: ip6.reasm_too_big */
		f.large_max = 2;
		f.large_room = 30000;
		for (uint32_t off = 0; off < dlen; off += 1448) {
			uint32_t l = dlen - off < 1448 ? dlen - off : 1448;
			n = frag6(fr, TR_IPPROTO_ICMPV6, 6, off, l, off + l < dlen);
			fk_input(&f, fr, n);
		}
		T_CHECK_EQ(fk_cnt(&f, "ip6.reasm_too_big"), 42);
		T_CHECK_EQ(f.large_live, 0);
		T_CHECK_EQ(f.ntx, 0);
	}
	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
