/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Write completions with -EAGAIN and short writes (no root). Neither can
 * be provoked on demand through io_uring (it waits for room on pollable
 * files, and a TAP write is all or nothing), so the engine's test hook
 * (engine/fault_pvt.h) rewrites the results of real, successful writes on
 * a SOCK_SEQPACKET socketpair. Checked for each path:
 *  - transient -EAGAIN: every frame is retried and sent, tx_eagain counts
 *    the retries, nothing is dropped; the peer sees each frame once per
 *    attempt;
 *  - persistent -EAGAIN: a frame is given up only after TR__TX_MAX_RETRY
 *    attempts AND 20 ms, as tx_error, and the worker keeps running;
 *  - short writes: dropped as short_write, application frames in the
 *    originated equation, forwarded rx frames in the rx equation
 *    (rx == delivered + tx_forwarded + dropped + held);
 *  - every buffer is back in the pool at the end.
 */
#include <fcntl.h>

#include "io_test.h"

#include "../../engine/fault_pvt.h"

#define NBUFS 1024u

struct rig {
	int sp[2];
	struct tr_engine *e;
};

static void rig_open(struct rig *r, const struct tr_stage *st, uint32_t eagain, uint32_t shortw)
{
	int err = 0;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->sp) == 0);
	int big = 4 << 20;
	setsockopt(r->sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	T_ASSERT(fcntl(r->sp[1], F_SETFL, O_NONBLOCK) == 0);
	struct tr_engine_config c = { .fds = &r->sp[0], .nqueues = 1, .nbufs = NBUFS, .cpu_base = -1 };
	r->e = tr_engine_create(&c, &err);
	T_ASSERT(r->e != NULL);
	if (st)
		T_ASSERT(tr_engine_add_stage(r->e, st) == 0);
	int fr = tr__engine_inject_tx_faults(r->e, 0, eagain, shortw);
	if (fr == -EOPNOTSUPP) {
		tr_engine_destroy(r->e);
		close(r->sp[0]);
		close(r->sp[1]);
		t_skip("the write-fault hook is not compiled in (meson -Dfault_injection=enabled; "
		       "auto turns it on for debug and debugoptimized builds only)");
	}
	T_ASSERT(fr == 0);
	T_ASSERT(tr__engine_inject_tx_faults(r->e, 1, 0, 0) == -EINVAL);
	T_ASSERT(tr_engine_start(r->e) == 0);
}

/* Queue n application frames (sequence numbers from seq0). */
static void send_app(struct tr_engine *e, unsigned n, uint32_t seq0)
{
	struct tr_buf *b[64];
	T_ASSERT(n <= 64);
	T_ASSERT(tr_engine_buf_alloc_burst(e, 0, b, n) == n);
	for (unsigned i = 0; i < n; i++) {
		io_frame(b[i]->data, 60, seq0 + i, 0);
		b[i]->len = 60;
	}
	T_ASSERT(tr_engine_tx_burst(e, 0, b, n) == n);
}

/* Frames the peer has received so far (non-blocking drain). */
static unsigned peer_count(struct rig *r)
{
	uint8_t f[2048];
	unsigned n = 0;
	while (read(r->sp[1], f, sizeof(f)) > 0)
		n++;
	return n;
}

/* Wait until tx + orig_dropped reaches want (app frames settled). The
 * peer is drained meanwhile: every retry really writes, and a full peer
 * queue would make io_uring wait for room instead of completing. */
static unsigned wait_app_settled(struct rig *r, uint64_t want, struct tr_engine_stats *st)
{
	uint64_t end = io_now_ms() + 5000;
	unsigned seen = 0;
	do {
		seen += peer_count(r);
		tr_engine_stats(r->e, st);
		if (st->tx_app + st->orig_dropped >= want)
			break;
		io_sleep_ms(1);
	} while (io_now_ms() < end);
	return seen;
}

static uint64_t reason(struct tr_engine *e, unsigned id, int orig)
{
	struct tr_engine_reason_stat rs;
	if (tr_engine_reason(e, UINT32_MAX, id, &rs) != 0)
		return UINT64_MAX;
	return orig ? rs.orig_count : rs.count;
}

static void rig_close(struct rig *r)
{
	struct tr_engine_stats st;
	T_CHECK_EQ(tr_engine_stop(r->e), 0);
	tr_engine_stats(r->e, &st);
	T_CHECK(io_invariant(r->e, &st));
	io_drain_app(r->e);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(r->e)), NBUFS);
	tr_engine_destroy(r->e);
	close(r->sp[0]);
	close(r->sp[1]);
}

static void test_transient_eagain(void)
{
	struct rig r;
	struct tr_engine_stats st;
	rig_open(&r, NULL, 5, 0);
	send_app(r.e, 20, 0);
	unsigned seen = wait_app_settled(&r, 20, &st);
	T_CHECK_EQ(st.tx_app, 20);
	T_CHECK_EQ(st.tx_eagain, 5);
	T_CHECK_EQ(st.orig_dropped, 0);
	uint64_t end = io_now_ms() + 2000;
	while (seen < 25 && io_now_ms() < end) {
		seen += peer_count(&r);
		io_sleep_ms(1);
	}
	T_CHECK_EQ(seen, 25);   /* 20 frames + 5 rewritten attempts */
	rig_close(&r);
}

static void test_persistent_eagain(void)
{
	struct rig r;
	struct tr_engine_stats st;
	rig_open(&r, NULL, UINT32_MAX, 0);
	uint64_t t0 = io_now_ms();
	send_app(r.e, 3, 0);
	wait_app_settled(&r, 3, &st);
	uint64_t waited = io_now_ms() - t0;
	T_CHECK_EQ(st.tx_app, 0);
	T_CHECK_EQ(st.orig_dropped, 3);
	T_CHECK_EQ(reason(r.e, TR_ENGINE_DROP_TX_ERROR, 1), 3);
	T_CHECK(st.tx_eagain >= 3 * 8);    /* TR__TX_MAX_RETRY attempts each */
	T_CHECK(waited >= 20);             /* and TR__TX_RETRY_NS (20 ms) */
	T_CHECK_EQ(tr_engine_error(r.e, NULL), 0);   /* transient: no fatal error */
	/* The worker keeps serving: new frames are tried and given up too. */
	send_app(r.e, 2, 3);
	wait_app_settled(&r, 5, &st);
	T_CHECK_EQ(st.orig_dropped, 5);
	rig_close(&r);
}

static void test_short_app(void)
{
	struct rig r;
	struct tr_engine_stats st;
	rig_open(&r, NULL, 0, 4);
	send_app(r.e, 10, 0);
	wait_app_settled(&r, 10, &st);
	T_CHECK_EQ(st.tx_app, 6);
	T_CHECK_EQ(st.orig_dropped, 4);
	T_CHECK_EQ(reason(r.e, TR_ENGINE_DROP_SHORT_WRITE, 1), 4);
	T_CHECK_EQ(reason(r.e, TR_ENGINE_DROP_SHORT_WRITE, 0), 0);
	rig_close(&r);
}

/* Every received frame is sent back out (forwarded). */
static void echo_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg; (void)w; (void)bufs;
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_TX;
}

static void test_short_forwarded(void)
{
	struct rig r;
	struct tr_engine_stats st;
	struct tr_stage echo = { .name = "echo", .process = echo_process };
	rig_open(&r, &echo, 1, 3);   /* one -EAGAIN (retried), then three short */
	uint8_t f[64];
	for (uint32_t s = 0; s < 12; s++) {
		io_frame(f, 60, s, 0);
		T_ASSERT(write(r.sp[1], f, 60) == 60);
	}
	uint64_t end = io_now_ms() + 5000;
	do {
		tr_engine_stats(r.e, &st);
		if (st.tx_forwarded + st.dropped >= 12)
			break;
		io_sleep_ms(1);
	} while (io_now_ms() < end);
	T_CHECK_EQ(st.rx, 12);
	T_CHECK_EQ(st.tx_forwarded, 9);
	T_CHECK_EQ(st.dropped, 3);
	T_CHECK_EQ(st.tx_eagain, 1);
	T_CHECK_EQ(reason(r.e, TR_ENGINE_DROP_SHORT_WRITE, 0), 3);
	T_CHECK(io_invariant(r.e, &st));
	rig_close(&r);
}

int main(void)
{
	test_transient_eagain();
	test_persistent_eagain();
	test_short_app();
	test_short_forwarded();
	return t_done();
}
