/* IPv4 neighbour resolution: frames to an unknown neighbour wait in a
 * bounded per-entry queue while ARP requests are retried, are sent with the
 * learned MAC when the reply comes, are dropped as neigh.timeout when it
 * never comes, overflow as neigh.queue_full; entries age out; a full set
 * evicts (neigh.evicted); a flood of 10k senders keeps the table bounded. */
#include "fake.h"

static int send_to(struct fake *f, const uint8_t *ip, const char *msg)
{
	struct tr_buf *b = tr_stack_alloc(f->s);
	T_ASSERT(b);
	size_t l = strlen(msg);
	memcpy(b->data, msg, l);
	b->len = (uint32_t)l;
	return tr_udp_sendto(f->s, b, 4, NULL, ip, 1111, 2222);
}

static unsigned count_arp_requests(struct fake *f, const uint8_t *tpa)
{
	unsigned c = 0;
	for (unsigned i = 0; i < f->ntx && i < FK_MAXREC; i++) {
		const uint8_t *d = f->tx[i].d;
		if (f->tx[i].len >= 42 && tr_load_be16(d + 12) == TR_ETHERTYPE_ARP &&
		    tr_load_be16(d + 20) == TR_ARP_OP_REQUEST && memcmp(d + 38, tpa, 4) == 0 &&
		    memcmp(d, FK_BCAST, 6) == 0 && memcmp(d + 28, FK_IP1, 4) == 0)
			c++;
	}
	return c;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[256], mac[6];
	fk_default_config(&cfg);
	cfg.neigh_reachable_ns = 5000000000ull;
	fk_init(&f, &cfg, 0);
	fk_start(&f);

	/* queue while resolving, retry after 1 s, flush on the reply */
	const uint8_t a[4] = { 10, 77, 0, 9 }, amac[6] = { 0x02, 0, 0, 0x77, 0, 9 };
	T_CHECK_EQ(send_to(&f, a, "one"), 0);
	T_CHECK_EQ(send_to(&f, a, "two"), 0);
	T_CHECK_EQ(send_to(&f, a, "three"), 0);
	T_CHECK_EQ(tr_stack_queued(f.s), 3);
	T_CHECK_EQ(count_arp_requests(&f, a), 1);
	T_CHECK_EQ(f.ntx, 1);
	fk_poll(&f, 500000000ull);
	T_CHECK_EQ(count_arp_requests(&f, a), 1);
	fk_poll(&f, 600000000ull);
	T_CHECK_EQ(count_arp_requests(&f, a), 2);
	fk_clear_tx(&f);
	uint32_t n = fk_arp(fr, TR_ARP_OP_REPLY, amac, a, FK_IP1, FK_MAC);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), ARP_CONSUMED));
	T_CHECK_EQ(tr_stack_queued(f.s), 0);
	T_ASSERT(f.ntx == 3);
	const char *want[3] = { "one", "two", "three" };
	for (int i = 0; i < 3; i++) {
		const uint8_t *d = f.tx[i].d;
		T_CHECK(memcmp(d, amac, 6) == 0);
		T_CHECK(memcmp(d + 6, FK_MAC, 6) == 0);
		T_CHECK(fk_ip4_csums_ok(d, f.tx[i].len));
		T_CHECK(memcmp(d + 42, want[i], strlen(want[i])) == 0);   /* in order */
	}
	T_CHECK_EQ(fk_cnt(&f, "neigh.resolved"), 1);
	fk_clear_tx(&f);
	/* resolved: sent at once */
	T_CHECK_EQ(send_to(&f, a, "four"), 0);
	T_CHECK_EQ(f.ntx, 1);
	T_CHECK_EQ(tr_stack_queued(f.s), 0);
	fk_clear_tx(&f);

	/* no answer: 3 probes, then the queue is dropped as neigh.timeout */
	const uint8_t b4[4] = { 10, 77, 0, 10 };
	T_CHECK_EQ(send_to(&f, b4, "lost1"), 0);
	T_CHECK_EQ(send_to(&f, b4, "lost2"), 0);
	for (int i = 0; i < 5; i++)
		fk_poll(&f, 1000000000ull);
	T_CHECK_EQ(count_arp_requests(&f, b4), 3);
	T_CHECK_EQ(fk_cnt(&f, "neigh.timeout"), 2);
	T_CHECK_EQ(f.drops[TR_STACK_C_NEIGH_TIMEOUT], 2);
	T_CHECK_EQ(tr_stack_queued(f.s), 0);
	fk_clear_tx(&f);

	/* bounded queue: 8 per entry */
	const uint8_t c4[4] = { 10, 77, 0, 11 };
	for (int i = 0; i < 10; i++)
		send_to(&f, c4, "x");
	T_CHECK_EQ(tr_stack_queued(f.s), 8);
	T_CHECK_EQ(fk_cnt(&f, "neigh.queue_full"), 2);

	/* aging: 10.77.0.9 (refreshed 5 polls ago) is gone after its lifetime */
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, a, mac), -ENOENT);
	n = fk_arp(fr, TR_ARP_OP_REPLY, amac, a, FK_IP1, FK_MAC);
	fk_input(&f, fr, n);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, a, mac), 0);
	fk_poll(&f, 4000000000ull);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, a, mac), 0);
	fk_poll(&f, 1100000000ull);
	T_CHECK_EQ(tr_stack_neigh_lookup(f.s, 4, a, mac), -ENOENT);
	fk_clear_tx(&f);
	fk_fini(&f);

	/* eviction in a one-set table (4 entries) of resolving entries */
	fk_default_config(&cfg);
	cfg.neigh_entries = 4;
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	for (int i = 0; i < 5; i++) {
		uint8_t ip[4] = { 10, 77, 1, (uint8_t)(i + 1) };
		T_CHECK_EQ(send_to(&f, ip, "e"), 0);
		f.now += 1000;
	}
	T_CHECK_EQ(tr_stack_neigh_count(f.s, 4), 4);
	T_CHECK_EQ(fk_cnt(&f, "neigh.evicted"), 1);
	T_CHECK_EQ(tr_stack_queued(f.s), 4);
	fk_clear_tx(&f);
	fk_fini(&f);

	/* flood: 10k ARP requests for us from random senders */
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	fk_start(&f);
	uint32_t seed = 99;
	for (int i = 0; i < 10000; i++) {
		uint8_t spa[4] = { 10, 77 }, sha[6] = { 0x02 };
		seed = seed * 1103515245u + 12345u;
		spa[2] = (uint8_t)(seed >> 16);
		spa[3] = (uint8_t)(seed >> 24) | 1;
		memcpy(sha + 2, spa, 4);
		n = fk_arp(fr, TR_ARP_OP_REQUEST, sha, spa, FK_IP1, FK_BCAST);
		T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
		T_ASSERT(tr_stack_neigh_count(f.s, 4) <= 256);
	}
	T_CHECK(tr_stack_neigh_count(f.s, 4) <= 256);
	T_CHECK(tr_stack_neigh_count(f.s, 4) > 128);
	T_CHECK_EQ(fk_cnt(&f, "arp.replied"), 10000);
	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
