/* ARP responder: a reply (built in place) for each published address with
 * its own MAC, requests for other hosts ignored and counted, gratuitous ARP
 * on start, replies learned, malformed ARP counted. */
#include "fake.h"

static void check_reply(struct fake *f, const uint8_t *ip, const uint8_t *mac)
{
	struct tr_eth_view ev = { f->last, f->last_len };
	T_ASSERT(tr_eth_check(&ev) == 0);
	T_CHECK(memcmp(tr_eth_dst(&ev), FK_PEER_MAC, 6) == 0);
	T_CHECK(memcmp(tr_eth_src(&ev), mac, 6) == 0);
	T_CHECK_EQ(tr_eth_type(&ev), TR_ETHERTYPE_ARP);
	T_CHECK_EQ(f->last_len, 42);
	uint8_t *copy = t_guard_copy(f->last + 14, f->last_len - 14);
	struct tr_arp_view av = { copy, f->last_len - 14 };
	struct tr_arp_repr r;
	T_CHECK_EQ(tr_arp_parse(&av, &r, NULL), 0);
	T_CHECK_EQ(r.op, TR_ARP_OP_REPLY);
	T_CHECK(memcmp(r.sha, mac, 6) == 0);
	T_CHECK(memcmp(r.spa, ip, 4) == 0);
	T_CHECK(memcmp(r.tha, FK_PEER_MAC, 6) == 0);
	T_CHECK(memcmp(r.tpa, FK_PEER_IP, 4) == 0);
	t_guard_free(copy, f->last_len - 14);
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[128];
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* gratuitous ARP: one announcement per address, spa == tpa */
	tr_stack_start(f.s, f.now);
	T_CHECK_EQ(f.ntx, 2);
	T_CHECK_EQ(fk_cnt(&f, "arp.gratuitous_sent"), 2);
	for (unsigned i = 0; i < 2 && i < f.ntx; i++) {
		const uint8_t *d = f.tx[i].d;
		T_CHECK_EQ(f.tx[i].len, 42);
		T_CHECK(memcmp(d, FK_BCAST, 6) == 0);
		struct tr_arp_view av = { (uint8_t *)d + 14, 28 };
		struct tr_arp_repr r;
		T_CHECK_EQ(tr_arp_parse(&av, &r, NULL), 0);
		T_CHECK_EQ(r.op, TR_ARP_OP_REQUEST);
		T_CHECK(memcmp(r.spa, r.tpa, 4) == 0);
		T_CHECK(memcmp(r.spa, i == 0 ? FK_IP1 : FK_IP2, 4) == 0);
		T_CHECK(memcmp(r.sha, i == 0 ? FK_MAC : FK_MAC2, 6) == 0);
	}
	fk_clear_tx(&f);

	/* a request for each published address -> reply in place with its MAC */
	uint32_t n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST);
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	check_reply(&f, FK_IP1, FK_MAC);
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP2, FK_BCAST);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	check_reply(&f, FK_IP2, FK_MAC2);
	T_CHECK_EQ(fk_cnt(&f, "arp.replied"), 2);
	/* the requester was learned */
	uint8_t mac[6];
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, FK_PEER_IP, mac), 0);
	T_CHECK(memcmp(mac, FK_PEER_MAC, 6) == 0);

	/* a request for somebody else: ignored, counted, not learned */
	const uint8_t other[4] = { 10, 77, 0, 50 }, asker[4] = { 10, 77, 0, 51 };
	const uint8_t askmac[6] = { 0x02, 0, 0, 0x77, 0, 0x51 };
	n = fk_arp(fr, TR_ARP_OP_REQUEST, askmac, asker, other, FK_BCAST);
	uint32_t act = fk_input_guard(&f, fr, n);
	T_CHECK(FK_IS_DROP(act, ARP_NOT_FOR_US));
	T_CHECK_EQ(fk_cnt(&f, "arp.not_for_us"), 1);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, asker, mac), -ENOENT);
	T_CHECK_EQ(f.ntx, 0);

	/* a reply to us is learned and consumed */
	const uint8_t r_ip[4] = { 10, 77, 0, 60 }, r_mac[6] = { 0x02, 0, 0, 0x77, 0, 0x60 };
	n = fk_arp(fr, TR_ARP_OP_REPLY, r_mac, r_ip, FK_IP1, FK_MAC);
	act = fk_input(&f, fr, n);
	T_CHECK(FK_IS_DROP(act, ARP_CONSUMED));
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, r_ip, mac), 0);
	T_CHECK(memcmp(mac, r_mac, 6) == 0);

	/* malformed: wrong hlen, truncated body, sender MAC = broadcast */
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST);
	fr[14 + 4] = 8;
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ARP_MALFORMED));
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, FK_BCAST);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, 14 + 27), ARP_MALFORMED));
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_BCAST, FK_PEER_IP, FK_IP1, FK_BCAST);
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), ARP_MALFORMED));
	T_CHECK_EQ(fk_cnt(&f, "arp.malformed"), 3);
	/* frame to another unicast MAC */
	const uint8_t else_mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	n = fk_arp(fr, TR_ARP_OP_REQUEST, FK_PEER_MAC, FK_PEER_IP, FK_IP1, else_mac);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), ETH_NOT_OURS));
	/* runt */
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, 13), ETH_RUNT));

	/* pool exhausted: no announcement, counted, nothing sent */
	f.fail_alloc = true;
	tr_stack_start(f.s, f.now);
	T_CHECK_EQ(f.ntx, 0);
	T_CHECK_EQ(fk_cnt(&f, "arp.gratuitous_sent"), 2);
	T_CHECK_EQ(fk_cnt(&f, "tx.nobuf"), 2);
	f.fail_alloc = false;

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
