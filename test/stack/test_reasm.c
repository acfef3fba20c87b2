/* IPv4 reassembly: in-order and out-of-order fragments of a UDP echo
 * datagram are reassembled (zero copy until complete) and answered;
 * overlaps, timeouts, oversize datagrams and a fragment flood are dropped
 * with their counters while the held-buffer bound and the accounting
 * equation hold. */
#include "fake.h"

static uint8_t dgram[4096];   /* UDP header + payload */
static uint32_t dlen;

static void make_dgram(uint32_t plen)
{
	static uint8_t pl[4096];
	for (uint32_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i * 31 + 3);
	dlen = fk_udp_l4(dgram, 4, FK_PEER_IP, FK_IP1, 5000, 7, pl, plen);
}

static uint32_t frag(uint8_t *fr, uint32_t id, uint32_t off, uint32_t len, bool mf)
{
	return fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, dgram + off, len,
		      (uint16_t)id, (uint16_t)off, mf);
}

static void check_echo(struct fake *f)
{
	T_CHECK_EQ(f->last_len, 14 + 20 + dlen);
	T_CHECK(fk_ip4_csums_ok(f->last, f->last_len));
	T_CHECK_EQ(tr_load_be16(f->last + 20) & 0x3fff, 0);   /* no fragment bits */
	T_CHECK(memcmp(f->last + 34 + 8, dgram + 8, dlen - 8) == 0);
	T_CHECK_EQ(tr_load_be16(f->last + 36), 5000);
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[2048];
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	make_dgram(1000);   /* 1008 bytes: fragments of 400, 400, 208 */

	/* in order, then out of order */
	fk_reasm_orders(&f, fr, frag, check_echo, TR_STACK_C_IP4_FRAG_MERGED, "ip4.reasm_ok");
	uint32_t n;

	/* overlap: the whole datagram goes */
	n = frag(fr, 4, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	n = frag(fr, 4, 392, 400, true);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), IP4_REASM_OVERLAP));
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(f.drops[TR_STACK_C_IP4_REASM_OVERLAP], 1);
	/* duplicate counts as overlap too */
	n = frag(fr, 5, 0, 400, true);
	fk_input(&f, fr, n);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), IP4_REASM_OVERLAP));
	/* a fragment other than the last with a length not a multiple of 8 */
	n = frag(fr, 6, 0, 401, true);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), IP4_BAD_LEN));
	/* counters count frames: held fragments + the current one */
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_overlap"), 4);

	/* timeout */
	n = frag(fr, 7, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_STOLEN);
	fk_poll(&f, 29000000000ull);
	T_CHECK_EQ(tr_stack_held(f.s), 1);
	fk_poll(&f, 2000000000ull);
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_timeout"), 1);

	/* too big for one 2048-byte buffer */
	make_dgram(3000);
	for (uint32_t off = 0; off < dlen; off += 1000) {
		uint32_t l = dlen - off < 1000 ? dlen - off : 1000;
		n = frag(fr, 8, off, l, off + l < dlen);
		fk_input(&f, fr, n);
	}
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_too_big"), 4);   /* 4 fragments */
	T_CHECK_EQ(tr_stack_held(f.s), 0);

	/* a reassembled 1808-byte ping: the reply exceeds the MTU and leaves
	 * as two fragments (the received buffer is the first) */
	{
		static uint8_t pl[1800], icmp[1808], whole[1808];
		for (unsigned i = 0; i < sizeof(pl); i++)
			pl[i] = (uint8_t)(i * 13);
		uint32_t il = fk_icmp4_echo_l4(icmp, TR_ICMP_ECHO_REQUEST, 9, 9, pl, sizeof(pl));
		unsigned before = f.tx_stolen;
		fk_clear_tx(&f);
		for (uint32_t off = 0; off < il; off += 904) {
			uint32_t l = il - off < 904 ? il - off : 904;
			n = fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_ICMP, icmp + off, l,
				   0x999, (uint16_t)off, off + l < il);
			uint32_t act = fk_input(&f, fr, n);
			T_CHECK_EQ(act, TR_ACT_STOLEN);
		}
		T_CHECK_EQ(f.tx_stolen, before + 1);
		T_ASSERT(f.ntx == 2);
		uint32_t got = 0;
		for (unsigned i = 0; i < 2; i++) {
			const uint8_t *d = f.tx[i].d;
			struct tr_ipv4_view v = { (uint8_t *)(uintptr_t)d + 14, f.tx[i].len - 14 };
			T_ASSERT(tr_ipv4_check(&v) == 0);
			T_CHECK(tr_ipv4_csum_ok(&v));
			T_CHECK(tr_ipv4_total_len(&v) <= 1500);
			T_CHECK(memcmp(d, FK_PEER_MAC, 6) == 0);
			T_CHECK(memcmp(tr_ipv4_src(&v), FK_IP1, 4) == 0);
			T_CHECK_EQ(tr_ipv4_mf(&v), i == 0);
			memcpy(whole + tr_ipv4_frag_off(&v), tr_ipv4_payload(&v), tr_ipv4_payload_len(&v));
			got += (uint32_t)tr_ipv4_payload_len(&v);
		}
		T_CHECK_EQ(got, il);
		T_CHECK_EQ(whole[0], TR_ICMP_ECHO_REPLY);
		T_CHECK_EQ(tr_cksum(whole, il), 0);
		T_CHECK(memcmp(whole + 8, pl, sizeof(pl)) == 0);
		fk_clear_tx(&f);
	}

	/* flood of first fragments with distinct ids: bounded slots/buffers */
	make_dgram(1000);
	for (int i = 0; i < 10000; i++) {
		n = frag(fr, (uint16_t)(100 + i), 0, 400, true);
		fk_input(&f, fr, n);
		T_ASSERT(tr_stack_held(f.s) <= 16);   /* 16 slots x 1 fragment */
	}
	T_CHECK_EQ(tr_stack_held(f.s), 16);
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_evicted"), 10000 - 16);
	/* flood of fragments of few datagrams: the 64-buffer budget */
	for (int i = 0; i < 2000; i++) {
		n = frag(fr, (uint16_t)(50000 + i % 8), (uint32_t)(i / 8) * 8, 8, true);
		fk_input(&f, fr, n);
		T_ASSERT(tr_stack_held(f.s) <= 64);
	}
	T_CHECK(fk_cnt(&f, "ip4.reasm_mem") > 0);
	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);   /* releases the held fragments (stack.shutdown) */
	return t_done();
}
