/* UDP: echo service over IPv4 and IPv6 (reply in place, checksums valid),
 * bound socket callbacks (consume, reply in place with a new length,
 * deliver), port unreachable for closed ports with its token-bucket rate
 * limit, and the UDP input checks. */
#include "fake.h"

static unsigned cb_calls;
static uint32_t cb_last_len;

static uint32_t consume_cb(void *arg, struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	(void)s; (void)b;
	T_CHECK(arg == &cb_calls);
	cb_calls++;
	cb_last_len = m->len;
	T_CHECK_EQ(m->sport, 4000);
	return TR_UDP_CONSUMED;
}

/* Upper-cases the payload and appends '!' */
static uint32_t upper_cb(void *arg, struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	(void)arg;
	for (uint32_t i = 0; i < m->len; i++)
		if (m->payload[i] >= 'a' && m->payload[i] <= 'z')
			m->payload[i] = (uint8_t)(m->payload[i] - 32);
	m->payload[m->len] = '!';
	return tr_udp_reply(s, b, m, m->len + 1);
}

static uint32_t deliver_cb(void *arg, struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	(void)arg; (void)s; (void)b; (void)m;
	return TR_ACT_DELIVER;
}

int main(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[2048];
	const uint8_t msg[] = "hello tapring";
	fk_default_config(&cfg);
	cfg.udp_echo_port = 7;
	fk_init(&f, &cfg, 0);
	T_CHECK_EQ(tr_udp_bind(f.h, 4, 9000, consume_cb, &cb_calls), 0);
	T_CHECK_EQ(tr_udp_bind(f.h, 0, 9001, upper_cb, NULL), 0);
	T_CHECK_EQ(tr_udp_bind(f.h, 6, 9002, deliver_cb, NULL), 0);
	T_CHECK_EQ(tr_udp_bind(f.h, 4, 9000, consume_cb, NULL), -EADDRINUSE);
	T_CHECK_EQ(tr_udp_bind(f.h, 4, 7, consume_cb, NULL), -EADDRINUSE);
	T_CHECK_EQ(tr_udp_bind(f.h, 4, 0, consume_cb, NULL), -EINVAL);
	int rerr;
	struct tr_ring *ring = tr_ring_create(4, &rerr);
	T_ASSERT(ring);
	T_CHECK_EQ(tr_udp_bind_ring(f.h, 0, 9100, &ring, 1), 0);
	T_CHECK_EQ(tr_udp_bind_ring(f.h, 0, 9100, &ring, 1), -EADDRINUSE);
	fk_start(&f);

	/* echo v4: ports and addresses swapped, payload intact */
	uint32_t n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4000, 7, msg, sizeof(msg));
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	uint8_t exp[2048];
	uint32_t m = fk_udp_l4(exp, 4, FK_IP1, FK_PEER_IP, 7, 4000, msg, sizeof(msg));
	T_CHECK_EQ(f.last_len, n);
	T_CHECK(memcmp(f.last + 34, exp, m) == 0);   /* UDP header incl. checksum */
	T_CHECK(memcmp(f.last, FK_PEER_MAC, 6) == 0);
	T_CHECK(memcmp(f.last + 26, FK_IP1, 4) == 0 && memcmp(f.last + 30, FK_PEER_IP, 4) == 0);
	T_CHECK(fk_ip4_csums_ok(f.last, f.last_len));
	/* echo v6 */
	n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4000, 7, msg, sizeof(msg));
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	m = fk_udp_l4(exp, 6, FK_IP6, FK_PEER_IP6, 7, 4000, msg, sizeof(msg));
	T_CHECK(memcmp(f.last + 54, exp, m) == 0);
	T_CHECK(fk_ip6_l4_csum_ok(f.last, f.last_len));
	T_CHECK_EQ(fk_cnt(&f, "udp.echo_replied"), 2);

	/* socket callbacks */
	n = fk_udp4(fr, FK_PEER_IP, FK_IP2, 4000, 9000, msg, 5);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_CONSUMED));
	T_CHECK_EQ(cb_calls, 1);
	T_CHECK_EQ(cb_last_len, 5);
	T_CHECK_EQ(fk_cnt(&f, "udp.consumed"), 1);
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4001, 9001, (const uint8_t *)"abc", 3);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	m = fk_udp_l4(exp, 4, FK_IP1, FK_PEER_IP, 9001, 4001, (const uint8_t *)"ABC!", 4);
	T_CHECK_EQ(f.last_len, 34 + m);
	T_CHECK(memcmp(f.last + 34, exp, m) == 0);
	T_CHECK(fk_ip4_csums_ok(f.last, f.last_len));
	n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4001, 9001, (const uint8_t *)"xyz", 3);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_TX);
	T_CHECK(memcmp(f.last + 54 + 8, "XYZ!", 4) == 0);
	T_CHECK(fk_ip6_l4_csum_ok(f.last, f.last_len));
	n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4001, 9002, msg, 3);
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_DELIVER);
	/* 9002 is bound for IPv6 only */
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4001, 9002, msg, 3);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_NO_PORT));
	T_CHECK_EQ(f.ntx, 1);
	fk_clear_tx(&f);

	/* ring socket: zero copy hand-off with an extra reference */
	unsigned cap = tr_ring_capacity(ring);
	for (unsigned i = 0; i < cap + 2; i++) {
		uint8_t p[3] = { 'r', 'g', (uint8_t)i };
		n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4100, 9100, p, 3);
		uint32_t act = fk_input(&f, fr, n);
		if (i < cap)
			T_CHECK(FK_IS_DROP(act, UDP_TO_RING));
		else
			T_CHECK(FK_IS_DROP(act, UDP_RING_FULL));
	}
	T_CHECK_EQ(tr_ring_count(ring), cap);
	for (unsigned i = 0; i < cap; i++) {
		void *obj;
		T_ASSERT(tr_ring_dequeue_burst_spsc(ring, &obj, 1) == 1);
		struct tr_buf *rb = obj;
		uint32_t off = (uint32_t)(rb->user >> 32), len = (uint32_t)rb->user;
		T_CHECK_EQ(off, 42);
		T_CHECK_EQ(len, 3);
		T_CHECK(rb->data[off] == 'r' && rb->data[off + 2] == (uint8_t)i);
		fk_buf_free(&f, rb);   /* the application's reference */
	}
	T_CHECK_EQ(fk_cnt(&f, "udp.to_ring"), cap);
	T_CHECK_EQ(fk_cnt(&f, "udp.ring_full"), 2);
	tr_ring_destroy(ring);

	/* port unreachable: content, then the rate limit (burst 10, 100/s) */
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4002, 5555, msg, sizeof(msg));
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_NO_PORT));
	T_ASSERT(f.ntx == 1);
	{
		const uint8_t *d = f.tx[0].d;
		T_CHECK(memcmp(d, FK_PEER_MAC, 6) == 0);
		T_CHECK(fk_ip4_csums_ok(d, f.tx[0].len));
		T_CHECK_EQ(d[23], TR_IPPROTO_ICMP);
		T_CHECK(memcmp(d + 26, FK_IP1, 4) == 0 && memcmp(d + 30, FK_PEER_IP, 4) == 0);
		T_CHECK_EQ(d[34], TR_ICMP_DEST_UNREACH);
		T_CHECK_EQ(d[35], TR_ICMP_UNREACH_PORT);
		T_CHECK_EQ(f.tx[0].len, 14 + 20 + 8 + (n - 14));   /* whole original quoted */
		T_CHECK(memcmp(d + 42, fr + 14, n - 14) == 0);
	}
	fk_clear_tx(&f);
	/* 8 more tokens of the burst of 10 (1 used above, 1 by the v4 9002 test) */
	for (int i = 0; i < 30; i++) {
		n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4002, 5555, msg, 4);
		T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_NO_PORT));
	}
	T_CHECK_EQ(f.ntx, 8);
	T_CHECK_EQ(fk_cnt(&f, "icmp4.rate_limited"), 22);
	T_CHECK_EQ(fk_cnt(&f, "udp.no_port"), 32);
	/* 50 ms later: 5 tokens */
	f.now += 50000000ull;
	fk_clear_tx(&f);
	for (int i = 0; i < 20; i++) {
		n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4002, 5555, msg, 4);
		fk_input(&f, fr, n);
	}
	T_CHECK_EQ(f.ntx, 5);
	fk_clear_tx(&f);
	/* v6 port unreachable has its own bucket */
	n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4002, 5555, msg, 4);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_NO_PORT));
	T_ASSERT(f.ntx == 1);
	T_CHECK_EQ(f.tx[0].d[54], TR_ICMP6_DEST_UNREACH);
	T_CHECK_EQ(f.tx[0].d[55], TR_ICMP6_UNREACH_PORT);
	T_CHECK(fk_ip6_l4_csum_ok(f.tx[0].d, f.tx[0].len));
	fk_clear_tx(&f);
	/* no ICMP error for a broadcast destination */
	const uint8_t bcast[4] = { 255, 255, 255, 255 };
	f.now += 1000000000ull;
	n = fk_udp4(fr, FK_PEER_IP, bcast, 4002, 5555, msg, 4);
	memcpy(fr, FK_BCAST, 6);
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_NO_PORT));
	T_CHECK_EQ(f.ntx, 0);

	/* checks */
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4000, 7, msg, sizeof(msg));
	fr[n - 2] ^= 0x10;
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), UDP_BAD_CSUM));
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4000, 7, msg, sizeof(msg));
	tr_store_be16(fr + 34 + 4, 2000);  /* UDP length > IP payload */
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), UDP_MALFORMED));
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 4000, 7, msg, sizeof(msg));
	memset(fr + 34 + 6, 0, 2);  /* no checksum over IPv4: accepted */
	T_CHECK_EQ(fk_input_guard(&f, fr, n), TR_ACT_TX);
	T_CHECK(f.last[40] == 0 && f.last[41] == 0);
	n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 4000, 7, msg, sizeof(msg));
	memset(fr + 54 + 6, 0, 2);  /* zero checksum over IPv6: dropped */
	T_CHECK(FK_IS_DROP(fk_input_guard(&f, fr, n), UDP_BAD_CSUM));

	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
	return t_done();
}
