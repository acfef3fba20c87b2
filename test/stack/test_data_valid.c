/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DATA_VALID is honoured: a UDP datagram to the discard service whose
 * checksum is WRONG, in a frame marked TR_BUF_F_CSUM_VALID (the engine sets
 * it for a virtio-net header with DATA_VALID: the kernel checked the
 * checksum; test_io_data_valid shows the kernel side), is taken without a
 * software check, IPv4 and IPv6; the same bytes without the mark are
 * dropped as udp.bad_csum, so the mark alone made the difference. The
 * frame's bytes are not touched either way (no completion attempted), and
 * a correct datagram without the mark is taken too (control).
 */
#include "fake.h"

static uint32_t input_flags(struct fake *f, const uint8_t *fr, uint32_t n, uint16_t flags, uint8_t *after)
{
	struct tr_buf *b = fk_buf_new(f, FK_RX);
	memcpy(b->data, fr, n);
	b->len = n;
	b->flags = flags;
	uint8_t *d = b->data;
	uint32_t act = tr_stack_input(f->s, b, f->now);
	f->rx++;
	memcpy(after, d, n);   /* the fake's buffers stay valid until freed below */
	if (TR_ACT_KIND(act) == TR_ACT_KIND_DROP)
		f->rx_dropped++;
	else
		f->passed++;
	fk_buf_free(f, b);
	return act;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	static uint8_t fr[2048], after[2048];
	const uint8_t msg[] = "data valid: trust the kernel";
	fk_default_config(&cfg);
	cfg.udp_discard_port = 9;
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	uint64_t dg, by;

	for (int fam = 4; fam <= 6; fam += 2) {
		uint32_t n = fam == 4 ? fk_udp4(fr, FK_PEER_IP, FK_IP1, 4000, 9, msg, sizeof(msg))
				      : fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4000, 9, msg, sizeof(msg));
		const uint32_t ck = n - sizeof(msg) - 2;   /* the UDP checksum field */
		/* Control: correct checksum, no mark. */
		T_CHECK(FK_IS_DROP(input_flags(&f, fr, n, 0, after), UDP_DISCARDED));
		fr[ck] ^= 0x21;   /* now wrong */
		T_CHECK(FK_IS_DROP(input_flags(&f, fr, n, 0, after), UDP_BAD_CSUM));
		T_CHECK(FK_IS_DROP(input_flags(&f, fr, n, TR_BUF_F_VNET | TR_BUF_F_CSUM_VALID, after),
				   UDP_DISCARDED));
		T_CHECK(memcmp(fr, after, n) == 0);   /* not "fixed" or completed */
	}
	T_CHECK_EQ(fk_cnt(&f, "udp.discarded"), 4);
	T_CHECK_EQ(fk_cnt(&f, "udp.bad_csum"), 2);
	tr_stack_discard_stats(f.h, &dg, &by);
	T_CHECK_EQ(dg, 4);
	T_CHECK_EQ(by, 4 * sizeof(msg));
	T_CHECK_EQ(f.rx, f.rx_dropped + f.passed);
	fk_fini(&f);
	return t_done();
}
