/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error paths without root:
 *  - a stage setting an unknown action, an unregistered drop reason or
 *    TR_ACT_TX_PORT of a port the engine lacks (1 on a one-port engine, and
 *    4, which the 2-bit port field of the flags used to wrap onto port 0):
 *    the frame is dropped as "bad_action", nothing leaks;
 *  - the far end of the queue fd goes away (socketpair peer closed: reads
 *    return end-of-file, writes fail with EPIPE): the worker stops by itself
 *    and reports -EPIPE, tr_engine_wait returns, stop returns the error,
 *    every buffer is back and the invariant holds. Both rx paths.
 */
#include "io_test.h"

static void bad_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg; (void)w;
	for (unsigned i = 0; i < n; i++) {
		uint32_t s;
		memcpy(&s, bufs[i]->data + 43, 4);
		static const uint32_t act[5] = { 77u, TR_ACT_DROP(999), TR_ACT_TX_PORT(1), TR_ACT_TX_PORT(4),
						 TR_ACT_DELIVER };
		acts[i] = act[s % 5];
	}
}

static void run(enum tr_engine_rx_mode mode)
{
	int sp[2], err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config c = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1,
				      .rx_mode = mode };
	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	struct tr_stage st = { .name = "bad", .process = bad_process };
	T_CHECK_EQ(tr_engine_add_stage(e, &st), 0);
	T_CHECK_EQ(tr_engine_start(e), 0);
	uint8_t f[64];
	for (uint32_t s = 0; s < 30; s++) {
		io_frame(f, 60, s, 0);
		T_ASSERT(write(sp[1], f, 60) == 60);
	}
	T_CHECK_EQ(io_wait_rx(e, 30, 5000), 30);
	struct tr_engine_reason_stat r;
	T_CHECK_EQ(tr_engine_reason(e, 0, TR_ENGINE_DROP_BAD_ACTION, &r), 0);
	T_CHECK_EQ(r.count, 24);
	T_CHECK_EQ(tr_engine_error(e, NULL), 0);

	close(sp[1]);                                  /* the "device" goes away */
	T_CHECK_EQ(tr_engine_wait(e, 3000), 0);
	unsigned q = 9;
	T_CHECK_EQ(tr_engine_error(e, &q), -EPIPE);
	T_CHECK_EQ(q, 0);
	T_CHECK_EQ(tr_engine_stop(e), -EPIPE);
	struct tr_engine_stats s;
	tr_engine_stats(e, &s);
	T_CHECK_EQ(s.rx, 30);
	T_CHECK_EQ(s.delivered, 6);
	T_CHECK_EQ(s.dropped, 24);
	T_CHECK_EQ(s.tx, 0);
	T_CHECK(io_invariant(e, &s));
	T_CHECK_EQ(io_drain_app(e), 6);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 1024);
	tr_engine_destroy(e);
	close(sp[0]);
}

/* The queue reported with the first error is the failing worker's, also
 * when that is not queue 0; a bad config with err == NULL is just NULL. */
static void second_queue_error(void)
{
	int a[2], b[2], err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a) == 0);
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b) == 0);
	int fds[2] = { a[0], b[0] };
	struct tr_engine_config c = { .fds = fds, .nqueues = 2, .nbufs = 1024, .cpu_base = -1 };
	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	close(b[1]);                                   /* queue 1's "device" goes away */
	for (int i = 0; i < 300 && tr_engine_error(e, NULL) == 0; i++)
		usleep(10000);
	unsigned q = 9;
	T_CHECK_EQ(tr_engine_error(e, &q), -EPIPE);
	T_CHECK_EQ(q, 1);
	T_CHECK(tr_engine_running(e, 0));
	tr_engine_destroy(e);
	close(a[1]);
	close(a[0]);
	close(b[0]);

	struct tr_engine_config bad = { .fds = fds, .nqueues = 1, .nbufs = 1000 };
	T_CHECK(tr_engine_create(&bad, NULL) == NULL);
}

int main(void)
{
	run(TR_ENGINE_RX_MULTISHOT);
	run(TR_ENGINE_RX_READ);
	second_queue_error();
	return t_done();
}
