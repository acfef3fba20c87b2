/* A UDP socket callback that returns an action outside its contract
 * (tr_udp_cb in stack.h): TR_ACT_NEXT, TR_ACT_TX_PORT(p), an unknown kind,
 * a drop under an id that is not a stack drop reason. Each drops the frame
 * as "udp.bad_action", never forwarded: first through the fake io (the
 * counter, the accounting), then in a real single-port engine over a
 * socketpair, where TR_ACT_TX_PORT(1) used to end as "port_down" and
 * TR_ACT_TX_PORT(4) (the port field is 2 bits) used to go back out of
 * port 0. The callbacks within the contract still work. */
#include <sys/socket.h>
#include <time.h>

#include <tapring/engine.h>

#include "fake.h"
#include "stage_test.h"

/* The port a datagram is sent to picks what the callback returns. */
static uint32_t bad_cb(void *arg, struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	(void)arg; (void)s; (void)b;
	switch (m->dport) {
	case 6001: return TR_ACT_NEXT;
	case 6002: return TR_ACT_TX_PORT(1);
	case 6003: return TR_ACT_TX_PORT(4);
	case 6004: return 0x77;                                  /* no such kind */
	case 6005: return TR_ACT_DROP(TR_STACK_C_COUNT + 5);     /* no such counter */
	case 6006: return TR_ACT_DROP(TR_STACK_C_UDP_ECHO);      /* an event, not a drop reason */
	case 6007: return TR_ACT_DELIVER | (1u << 8);            /* an argument on a kind without one */
	case 6010: return TR_ACT_DROP(TR_STACK_C_UDP_MALFORMED); /* fine: a stack drop reason */
	case 6011: return TR_ACT_DELIVER;                        /* fine */
	default: return TR_UDP_CONSUMED;
	}
}

static const uint16_t bad_ports[] = { 6001, 6002, 6003, 6004, 6005, 6006, 6007 };
#define NBAD (sizeof(bad_ports) / sizeof(bad_ports[0]))

static void with_fake_io(void)
{
	struct tr_stack_config cfg;
	struct fake f;
	uint8_t fr[256];
	const uint8_t pl[4] = "bad";
	fk_default_config(&cfg);
	fk_init(&f, &cfg, 0);
	for (uint16_t p = 6001; p <= 6011; p++)
		T_CHECK_EQ(tr_udp_bind(f.h, 0, p, bad_cb, NULL), 0);
	fk_start(&f);
	for (unsigned i = 0; i < NBAD; i++) {
		uint32_t n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, bad_ports[i], pl, sizeof(pl));
		T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_BAD_ACTION));
		n = fk_udp6(fr, FK_PEER_IP6, FK_IP6, 999, bad_ports[i], pl, sizeof(pl));
		T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_BAD_ACTION));
	}
	T_CHECK_EQ(fk_cnt(&f, "udp.bad_action"), 2 * NBAD);
	T_CHECK_EQ(fk_cnt(&f, "udp.echo_replied"), 0);   /* 6006's event was not counted */
	T_CHECK(tr_stack_counter_is_drop(TR_STACK_C_UDP_BAD_ACTION));
	/* within the contract: unchanged */
	uint32_t n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 6010, pl, sizeof(pl));
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_MALFORMED));
	T_CHECK_EQ(fk_cnt(&f, "udp.malformed"), 1);
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 6011, pl, sizeof(pl));
	T_CHECK_EQ(fk_input(&f, fr, n), TR_ACT_DELIVER);
	n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, 6009, pl, sizeof(pl));
	T_CHECK(FK_IS_DROP(fk_input(&f, fr, n), UDP_CONSUMED));
	T_CHECK_EQ(f.ntx, 0);   /* nothing was sent anywhere */
	T_CHECK(fk_accounting_ok(&f));
	fk_fini(&f);
}

static void in_engine(void)
{
	int sp[2], err;
	struct tr_engine *e = stg_engine(sp);
	struct tr_stack_config cfg;
	fk_default_config(&cfg);
	struct tr_stack_host *h = tr_stack_host_create(&cfg, &err);
	T_ASSERT(h);
	for (unsigned i = 0; i < NBAD; i++)
		T_CHECK_EQ(tr_udp_bind(h, 4, bad_ports[i], bad_cb, NULL), 0);
	T_CHECK_EQ(tr_stack_stage_add(e, h), 0);
	T_ASSERT(tr_engine_start(e) == 0);

	uint8_t fr[2048];
	const uint8_t pl[4] = "bad";
	for (unsigned i = 0; i < NBAD; i++) {
		uint32_t n = fk_udp4(fr, FK_PEER_IP, FK_IP1, 999, bad_ports[i], pl, sizeof(pl));
		T_CHECK(write(sp[1], fr, n) == (ssize_t)n);
	}
	/* every frame taken in and accounted for; whatever the engine writes
	 * (its gratuitous ARPs) must not be one of ours coming back */
	struct tr_engine_stats st = { 0 };
	unsigned back = 0;
	double end = stg_now_s() + 5.0;
	while (stg_now_s() < end) {
		ssize_t r = recv(sp[1], fr, sizeof(fr), MSG_DONTWAIT);
		if (r > 34 && tr_load_be16(fr + 12) == TR_ETHERTYPE_IPV4 && fr[23] == TR_IPPROTO_UDP)
			back++;
		tr_engine_stats(e, &st);
		if (r <= 0 && st.rx == NBAD && st.dropped == NBAD)
			break;
		if (r <= 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	T_CHECK_EQ(tr_engine_stop(e), 0);
	while (recv(sp[1], fr, sizeof(fr), MSG_DONTWAIT) > 0)
		back += tr_load_be16(fr + 12) == TR_ETHERTYPE_IPV4 && fr[23] == TR_IPPROTO_UDP;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(back, 0);
	T_CHECK_EQ(st.rx, NBAD);
	T_CHECK_EQ(st.tx_forwarded, 0);
	T_CHECK_EQ(st.delivered, 0);
	T_CHECK_EQ(st.rx, st.delivered + st.tx_forwarded + st.dropped + st.held);
	T_CHECK_EQ(stg_reason(e, "udp.bad_action"), NBAD);
	T_CHECK_EQ(stg_reason(e, "port_down"), 0);
	tr_engine_destroy(e);
	tr_stack_host_destroy(h);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	with_fake_io();
	in_engine();
	return t_done();
}
