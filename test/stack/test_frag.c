/* Fragmentation of a large tr_udp_sendto: headers prepended in the
 * headroom (zero copy for the first fragment), offsets multiple of 8, MF on
 * all but the last, one IP id, valid header checksums, and the fragments
 * concatenated give back the UDP datagram with a valid checksum. The
 * fragments then go through a second stack's reassembly and come back as
 * one datagram. Oversize over IPv6 (no fragmentation) is refused. */
#include "fake.h"

static uint32_t got_len;
static uint8_t got[8192];

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
	T_CHECK_EQ(fk_input(&f, fr, n), TR_STACK_ACT_TX);

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
	T_CHECK_EQ(fk_input(&p, f.tx[2].d, f.tx[2].len), TR_STACK_ACT_STOLEN);
	T_CHECK_EQ(fk_input(&p, f.tx[0].d, f.tx[0].len), TR_STACK_ACT_STOLEN);
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

	/* IPv6 does not fragment: too big is refused and counted */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	b->len = 1500;
	memset(b->data, 1, b->len);
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 6, NULL, FK_PEER_IP6, 3000, 4000), -EMSGSIZE);
	T_CHECK_EQ(f.drops[TR_STACK_C_TX_TOO_BIG], 1);
	/* a source that is not ours is refused */
	b = tr_stack_alloc(f.s);
	T_ASSERT(b);
	b->len = 4;
	T_CHECK_EQ(tr_udp_sendto(f.s, b, 4, FK_PEER_IP, FK_PEER_IP, 3000, 4000), -EINVAL);
	T_CHECK_EQ(f.ntx, 0);
	fk_fini(&f);
	return t_done();
}
