/* Neighbour hints shared between workers: an ARP reply or NS learned on
 * one worker resolves the queue of another at its next tick, a destination
 * another worker already knows is sent at once without a request, hints
 * expire with the reachable time; and two threads hammering one slot table
 * (publish + lookup, MAC derived from the address) never observe a torn
 * entry (run under TSan in the tsan suite). */
#include <pthread.h>

#include "fake.h"

/* A second worker instance on f's host. */
static void fk_second(struct fake *g, struct fake *f)
{
	memset(g, 0, sizeof(*g));
	g->room = f->room;
	g->now = f->now;
	g->io = (struct tr_stack_io){
		.ctx = g, .alloc = fk_io_alloc, .tx = fk_io_tx, .drop = fk_io_drop,
		.headroom = FK_HEADROOM, .buf_room = g->room,
	};
	g->h = f->h;
	fk_start(g);
}

static int send_to(struct fake *f, int family, const uint8_t *ip)
{
	struct tr_buf *b = tr_stack_alloc(f->s);
	T_ASSERT(b);
	memcpy(b->data, "hint", 4);
	b->len = 4;
	return tr_udp_sendto(f->s, b, family, NULL, ip, 1, 2);
}

#define NT_ITERS 200000
static struct tr_nshare *nt_table;
static _Atomic unsigned nt_bad;

static void nt_mac(uint8_t mac[6], const uint8_t ip[4])
{
	mac[0] = 0x02;
	mac[1] = (uint8_t)(ip[3] * 7);
	memcpy(mac + 2, ip, 4);
}

static void *nt_thread(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint32_t seed = 1 + id;
	for (int i = 0; i < NT_ITERS; i++) {
		seed = seed * 1103515245u + 12345u;
		uint8_t ip[4] = { 10, 77, (uint8_t)(seed >> 20), (uint8_t)(seed >> 12) }, mac[6], got[6];
		uint64_t when;
		if ((seed >> 8) & 1) {
			nt_mac(mac, ip);
			tr__nshare_publish(nt_table, 4, ip, mac, 1000);
		} else if (tr__nshare_lookup(nt_table, 4, ip, 1000, 1000000, got, &when)) {
			nt_mac(mac, ip);
			if (memcmp(mac, got, 6) != 0 || when != 1000)
				atomic_fetch_add_explicit(&nt_bad, 1, memory_order_relaxed);  /* counter only */
		}
	}
	return NULL;
}

int main(void)
{
	struct tr_stack_config cfg;
	static struct fake a, b;
	uint8_t fr[256], mac[6];
	fk_default_config(&cfg);
	cfg.neigh_reachable_ns = 60000000000ull;
	fk_init(&a, &cfg, 0);
	fk_start(&a);
	fk_second(&b, &a);

	/* A asks for X; the reply lands on B; A's queue leaves at its tick */
	const uint8_t x[4] = { 10, 77, 0, 20 }, xmac[6] = { 0x02, 0, 0, 0x77, 0, 0x20 };
	T_CHECK_EQ(send_to(&a, 4, x), 0);
	T_CHECK_EQ(send_to(&a, 4, x), 0);
	T_CHECK_EQ(tr_stack_queued(a.s), 2);
	T_CHECK_EQ(a.ntx, 1);   /* the ARP request */
	fk_clear_tx(&a);
	uint32_t n = fk_arp(fr, TR_ARP_OP_REPLY, xmac, x, FK_IP1, FK_MAC);
	T_CHECK(FK_IS_DROP(fk_input(&b, fr, n), ARP_CONSUMED));
	fk_poll(&a, 20000000ull);
	T_CHECK_EQ(tr_stack_queued(a.s), 0);
	T_ASSERT(a.ntx == 2);
	T_CHECK(memcmp(a.tx[0].d, xmac, 6) == 0 && memcmp(a.tx[1].d, xmac, 6) == 0);
	T_CHECK_EQ(fk_cnt(&a, "neigh.resolved"), 1);
	T_CHECK_EQ(tr_stack_neigh_lookup(a.s, 4, x, mac), 0);
	fk_clear_tx(&a);

	/* Y announced itself to B (a request for us): A sends to Y at once */
	const uint8_t y[4] = { 10, 77, 0, 21 }, ymac[6] = { 0x02, 0, 0, 0x77, 0, 0x21 };
	n = fk_arp(fr, TR_ARP_OP_REQUEST, ymac, y, FK_IP1, FK_BCAST);
	T_CHECK_EQ(fk_input(&b, fr, n), TR_ACT_TX);
	T_CHECK_EQ(send_to(&a, 4, y), 0);
	T_ASSERT(a.ntx == 1);
	T_CHECK(memcmp(a.tx[0].d, ymac, 6) == 0);
	T_CHECK_EQ(fk_cnt(&a, "arp.requests_sent"), 1);   /* only the one for X */
	fk_clear_tx(&a);

	/* IPv6: Z's NS with SLLA reached B; A sends to Z without an NS */
	const uint8_t z[16] = { 0xfd, 0x77, [15] = 0x22 }, zmac[6] = { 0x02, 0, 0, 0x77, 0, 0x22 };
	struct tr_icmpv6_repr ns = { .type = TR_ICMP6_NEIGH_SOLICIT };
	memcpy(ns.u.nd.target, FK_IP6, 16);
	ns.opts.present = TR_ND_HAS_SLLA;
	memcpy(ns.opts.slla, zmac, 6);
	n = fk_icmp6(fr, FK_MAC, zmac, z, FK_IP6, 255, &ns);
	T_CHECK_EQ(fk_input(&b, fr, n), TR_ACT_TX);
	T_CHECK_EQ(send_to(&a, 6, z), 0);
	T_ASSERT(a.ntx == 1);
	T_CHECK(memcmp(a.tx[0].d, zmac, 6) == 0);
	T_CHECK_EQ(fk_cnt(&a, "nd.ns_sent"), 0);
	fk_clear_tx(&a);

	/* hints expire: W learned by B 61 s ago is asked for again */
	const uint8_t w[4] = { 10, 77, 0, 23 }, wmac[6] = { 0x02, 0, 0, 0x77, 0, 0x23 };
	n = fk_arp(fr, TR_ARP_OP_REQUEST, wmac, w, FK_IP1, FK_BCAST);
	fk_input(&b, fr, n);
	a.now += 61000000000ull;
	fk_poll(&a, 0);
	fk_clear_tx(&a);
	T_CHECK_EQ(send_to(&a, 4, w), 0);
	T_CHECK_EQ(tr_stack_queued(a.s), 1);
	T_CHECK_EQ(fk_cnt(&a, "arp.requests_sent"), 2);

	T_CHECK(fk_accounting_ok(&a));
	T_CHECK(fk_accounting_ok(&b));
	fk_clear_tx(&a);
	fk_clear_tx(&b);
	tr_stack_destroy(b.s);
	T_CHECK_EQ(b.live, 0);

	/* concurrent publish/lookup on one small table */
	struct tr_nshare t;
	T_ASSERT(tr__nshare_init(&t, 64) == 0);
	nt_table = &t;
	pthread_t th[2];
	for (uintptr_t i = 0; i < 2; i++)
		T_ASSERT(pthread_create(&th[i], NULL, nt_thread, (void *)i) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	T_CHECK_EQ(atomic_load(&nt_bad), 0);
	uint8_t probe[4] = { 10, 77, 1, 1 }, pm[6], got[6];
	uint64_t when;
	nt_mac(pm, probe);
	tr__nshare_publish(&t, 4, probe, pm, 5);
	T_CHECK(tr__nshare_lookup(&t, 4, probe, 6, 100, got, &when) && memcmp(got, pm, 6) == 0);
	uint8_t probe6[16] = { 10, 77, 1, 1 };   /* same leading bytes, family 6 */
	T_CHECK(!tr__nshare_lookup(&t, 6, probe6, 6, 100, got, &when));   /* family is part of the key */
	tr__nshare_fini(&t);

	fk_fini(&a);
	return t_done();
}
