/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Two-port engine with the forwarding stage, without root: each port's
 * queue fd is one end of a SOCK_SEQPACKET socketpair, the test plays both
 * wires at the other ends. On both rx paths:
 *   - frames sent into port A (0) come out of port B (1) and the other way
 *     round, byte for byte, on the same queue, from the same buffer (the
 *     mirror sees the rx and the tx of each frame with one buffer id);
 *   - per-port rx/tx counters, and rx == tx_forwarded + dropped + held
 *     across both ports;
 *   - a stuck reader on B (its socket full): the frames for B beyond the
 *     in-flight cap are dropped as tx_full while B -> A keeps flowing on
 *     the same worker;
 *   - B gone (its peer closed: end of file): A's frames are counted and
 *     dropped as port_down, the worker keeps running, tr_engine_error
 *     reports it.
 */
#include <poll.h>

#include "io_test.h"

#define NQ 2
#define NF 600u          /* frames per direction and queue */
#define MAXSEQ (4 * NQ * NF + 4096)

/* seq -> buffer id seen by the mirror on rx / tx (written by the worker of
 * the seq's queue only, read after stop: the join orders them). */
static uint32_t rx_id[MAXSEQ], tx_id[MAXSEQ];
static uint8_t rx_seen[MAXSEQ], tx_seen[MAXSEQ];
static struct tr_engine *g_e;

static uint32_t seq_of(const struct tr_buf *b)
{
	uint32_t s;
	memcpy(&s, b->data + 43, 4);
	return s;
}

static void m_rx(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, const uint32_t *acts, unsigned n)
{
	(void)arg; (void)w; (void)acts;
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = seq_of(bufs[i]);
		if (s < MAXSEQ) {
			rx_id[s] = bufs[i]->id;
			rx_seen[s]++;
		}
		tr_engine_buf_free(g_e, bufs[i]);
	}
}

static void m_tx(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, unsigned n)
{
	(void)arg; (void)w;
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = seq_of(bufs[i]);
		if (s < MAXSEQ) {
			tx_id[s] = bufs[i]->id;
			tx_seen[s]++;
		}
		tr_engine_buf_free(g_e, bufs[i]);
	}
}

/* Read every frame waiting at fd; checks the bytes against seq's frame. */
static unsigned drain(int fd, unsigned len)
{
	uint8_t rb[2048], want[2048];
	unsigned n = 0;
	ssize_t r;
	while ((r = recv(fd, rb, sizeof(rb), MSG_DONTWAIT)) > 0) {
		uint32_t s;
		memcpy(&s, rb + 43, 4);
		io_frame(want, len, s, s);
		if ((unsigned)r != len || memcmp(rb, want, len) != 0) {
			fprintf(stderr, "frame seq %u differs after forwarding\n", s);
			t_failures++;
		}
		n++;
	}
	return n;
}

static bool check_invariant(struct tr_engine *e)
{
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	return io_invariant(e, &st) && st.rx == st.delivered + st.tx_forwarded + st.dropped + st.held;
}

static void run(enum tr_engine_rx_mode mode)
{
	int a[NQ][2], b[NQ][2], fa[NQ], fb[NQ];
	for (unsigned q = 0; q < NQ; q++) {
		T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a[q]) == 0);
		T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b[q]) == 0);
		fa[q] = a[q][0];
		fb[q] = b[q][0];

	}
	memset(rx_seen, 0, sizeof(rx_seen));
	memset(tx_seen, 0, sizeof(tx_seen));
	struct tr_engine_config one = { .fds = fa, .nqueues = NQ, .cpu_base = -1 };
	int err = 0;
	struct tr_engine *e1 = tr_engine_create(&one, &err);
	T_ASSERT(e1 != NULL);
	T_CHECK_EQ(tr_engine_nports(e1), 1);
	T_CHECK_EQ(tr_engine_add_fwd_stage(e1), -EINVAL);   /* one port: nowhere to forward */
	struct tr_engine_port_stats ps;
	T_CHECK_EQ(tr_engine_port_stats(e1, 1, &ps), -EINVAL);
	T_CHECK_EQ(tr_engine_port_stats(e1, 0, &ps), 0);
	tr_engine_destroy(e1);

	struct tr_engine_config cfg = {
		.fds = fa, .fds2 = fb, .nqueues = NQ, .nbufs = 4096, .batch = 32, .cpu_base = -1,
		.rx_mode = mode, .idle_us = 500,
	};
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e && mode == TR_ENGINE_RX_MULTISHOT && err == -ENOTSUP) {
		printf("multishot read unsupported here: only the read path ran\n");
		return;
	}
	T_ASSERT(e != NULL);
	g_e = e;
	T_CHECK_EQ(tr_engine_nports(e), 2);
	T_CHECK_EQ(tr_engine_rx_mode(e, 0), TR_ENGINE_RX_READ);
	struct tr_engine_mirror m = { .rx = m_rx, .tx = m_tx };
	T_CHECK_EQ(tr_engine_set_mirror(e, &m), 0);
	T_CHECK_EQ(tr_engine_add_fwd_stage(e), 0);
	T_CHECK_EQ(tr_engine_start(e), 0);

	/* 1. Both directions, both queues: seq s goes into queue s % NQ, A
	 * for s < NQ*NF, B above. Sent in rounds so no socket fills. */
	const unsigned len = 100, total = 2 * NQ * NF;
	unsigned sent = 0, at_a = 0, at_b = 0;
	uint64_t end = io_now_ms() + 10000;
	while ((at_a + at_b < total) && io_now_ms() < end) {
		for (unsigned k = 0; k < 64 && sent < total; k++, sent++) {
			uint8_t f[256];
			uint32_t s = sent;
			unsigned q = s % NQ;
			io_frame(f, len, s, s);
			int fd = s < NQ * NF ? a[q][1] : b[q][1];
			T_ASSERT(write(fd, f, len) == (ssize_t)len);
		}
		for (unsigned q = 0; q < NQ; q++) {
			at_b += drain(b[q][1], len);
			at_a += drain(a[q][1], len);
		}
		io_sleep_ms(1);
	}
	T_CHECK_EQ(at_b, NQ * NF);
	T_CHECK_EQ(at_a, NQ * NF);
	struct tr_engine_port_stats p0, p1;
	T_CHECK_EQ(tr_engine_port_stats(e, 0, &p0), 0);
	T_CHECK_EQ(tr_engine_port_stats(e, 1, &p1), 0);
	T_CHECK_EQ(p0.rx, NQ * NF);
	T_CHECK_EQ(p1.tx, NQ * NF);
	T_CHECK_EQ(p1.rx, NQ * NF);
	T_CHECK_EQ(p0.tx, NQ * NF);
	T_CHECK_EQ(p0.rx_bytes, (uint64_t)NQ * NF * len);
	T_CHECK_EQ(p1.tx_bytes, (uint64_t)NQ * NF * len);

	/* 2. B's reader on queue 0 stops reading: its socket fills, the
	 * writes wait in io_uring, and past the cap frames for B drop as
	 * tx_full. B -> A on the same worker keeps flowing meanwhile. */
	uint32_t s0 = total;
	const unsigned flood = 3000, back = 200;
	for (unsigned k = 0; k < flood; k++) {
		uint8_t f[256];
		uint32_t s = s0 + k * NQ;     /* queue 0 */
		io_frame(f, len, s, s);
		struct pollfd pf = { .fd = a[0][1], .events = POLLOUT };
		if (poll(&pf, 1, 1000) != 1)
			break;
		T_ASSERT(write(a[0][1], f, len) == (ssize_t)len);
		if (k % 64 == 0)
			io_sleep_ms(1);
	}
	io_wait_rx(e, total + flood, 5000);
	struct tr_engine_reason_stat full;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_TX_FULL, &full), 0);
	T_CHECK_STR(full.name, "tx_full");
	T_CHECK(full.count > 0);
	printf("stuck reader: %llu of %u frames for B dropped as tx_full\n",
	       (unsigned long long)full.count, flood);
	unsigned got_back = 0;
	for (unsigned k = 0; k < back; k++) {
		uint8_t f[256];
		uint32_t s = s0 + (flood + k) * NQ;
		io_frame(f, len, s, s);
		T_ASSERT(write(b[0][1], f, len) == (ssize_t)len);
	}
	end = io_now_ms() + 5000;
	while (got_back < back && io_now_ms() < end) {
		got_back += drain(a[0][1], len);
		io_sleep_ms(1);
	}
	T_CHECK_EQ(got_back, back);   /* the other direction never waited */
	/* Unstick B: everything still in flight goes out. */
	unsigned b_late = 0;
	end = io_now_ms() + 5000;
	for (;;) {
		b_late += drain(b[0][1], len);
		struct tr_engine_stats st;
		tr_engine_stats(e, &st);
		if (st.rx == st.tx_forwarded + st.dropped || io_now_ms() > end)
			break;
		io_sleep_ms(2);
	}
	b_late += drain(b[0][1], len);
	T_CHECK_EQ(b_late + full.count, flood);
	T_CHECK(check_invariant(e));

	/* 3. B goes away on queue 0 (its wire end closed: end of file). */
	close(b[0][1]);
	b[0][1] = -1;
	end = io_now_ms() + 3000;
	while (tr_engine_error(e, NULL) == 0 && io_now_ms() < end)
		io_sleep_ms(2);
	T_CHECK_EQ(tr_engine_error(e, NULL), -EPIPE);
	struct tr_engine_stats before, after;
	tr_engine_stats(e, &before);
	const unsigned late = 100;
	for (unsigned k = 0; k < late; k++) {
		uint8_t f[256];
		uint32_t s = s0 + (flood + back + k) * NQ;
		io_frame(f, len, s, s);
		T_ASSERT(write(a[0][1], f, len) == (ssize_t)len);
	}
	io_wait_rx(e, before.rx + late, 5000);
	io_sleep_ms(20);
	tr_engine_stats(e, &after);
	T_CHECK_EQ(after.rx - before.rx, late);
	struct tr_engine_reason_stat down;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_PORT_DOWN, &down), 0);
	T_CHECK_STR(down.name, "port_down");
	T_CHECK_EQ(down.count, late);
	T_CHECK(tr_engine_running(e, 0));
	T_CHECK(tr_engine_running(e, 1));

	T_CHECK_EQ(tr_engine_stop(e), -EPIPE);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.held, 0);
	T_CHECK_EQ(st.delivered, 0);
	T_CHECK(check_invariant(e));
	T_CHECK_EQ(st.rx, total + flood + back + late);
	T_CHECK_EQ(tr_engine_port_stats(e, 0, &p0), 0);
	T_CHECK_EQ(tr_engine_port_stats(e, 1, &p1), 0);
	T_CHECK_EQ(p0.rx + p1.rx, st.rx);
	T_CHECK_EQ(p0.tx + p1.tx, st.tx);

	/* Zero copy: every forwarded frame left from the buffer it came in. */
	unsigned same = 0, fwd = 0;
	for (uint32_t s = 0; s < MAXSEQ; s++) {
		if (!tx_seen[s])
			continue;
		fwd++;
		T_CHECK_EQ(rx_seen[s], 1);
		T_CHECK_EQ(tx_seen[s], 1);
		if (rx_id[s] == tx_id[s])
			same++;
	}
	T_CHECK(fwd >= total + back);
	T_CHECK_EQ(same, fwd);

	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 4096);
	tr_engine_destroy(e);
	for (unsigned q = 0; q < NQ; q++) {
		close(a[q][0]);
		close(a[q][1]);
		close(b[q][0]);
		if (b[q][1] >= 0)
			close(b[q][1]);
	}
}

int main(void)
{
	printf("rx path: plain reads\n");
	run(TR_ENGINE_RX_READ);
	printf("rx path: auto (plain reads for two ports)\n");
	run(TR_ENGINE_RX_AUTO);
	return t_done();
}
