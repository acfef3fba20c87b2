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

static uint32_t frag(uint8_t *fr, uint16_t id, uint32_t off, uint32_t len, bool mf)
{
	return fk_ip4(fr, FK_MAC, FK_PEER_MAC, FK_PEER_IP, FK_IP1, TR_IPPROTO_UDP, dgram + off, len,
		      id, (uint16_t)off, mf);
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

	/* in order */
	uint32_t n = frag(fr, 1, 0, 400, true);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_STACK_ACT_STOLEN);
	n = frag(fr, 1, 400, 400, true);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_STACK_ACT_STOLEN);
	T_CHECK_EQ(tr_stack_held(f.s), 2);
	n = frag(fr, 1, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_TX);
	check_echo(&f);
	T_CHECK_EQ(tr_stack_held(f.s), 0);
	T_CHECK_EQ(f.drops[TR_STACK_C_IP4_FRAG_MERGED], 2);
	T_CHECK_EQ(fk_cnt(&f, "ip4.reasm_ok"), 1);

	/* out of order: last, first, middle */
	n = frag(fr, 2, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
	n = frag(fr, 2, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
	n = frag(fr, 2, 400, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_TX);
	check_echo(&f);
	/* the offset-0 fragment completes it */
	n = frag(fr, 3, 400, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
	n = frag(fr, 3, 800, 208, false);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
	n = frag(fr, 3, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_TX);
	check_echo(&f);
	T_CHECK_EQ(tr_stack_held(f.s), 0);

	/* overlap: the whole datagram goes */
	n = frag(fr, 4, 0, 400, true);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
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
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_STOLEN);
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
