/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Deleting the TAP under a running engine: the worker gets an error CQE
 * (-EBADFD from the detached queue), leaves its loop, releases everything
 * and reports the error; tr_engine_wait returns, stop returns the error,
 * the application can no longer queue frames, every buffer is back.
 * Both rx paths, with frames in flight just before the delete.
 */
#include "io_test.h"

static void run(enum tr_engine_rx_mode mode)
{
	char ns[16], dev[16];
	int fd;
	io_tap_setup(ns, dev, 1, &fd);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 4096, .cpu_base = -1,
					.rx_mode = mode };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	T_CHECK_EQ(io_inject(ns, dev, 500, 60, 4), 500);
	T_CHECK_EQ(io_wait_rx(e, 500, 5000), 500);
	T_CHECK_EQ(tr_engine_wait(e, 50), -ETIMEDOUT);     /* still running */
	T_CHECK(tr_engine_running(e, 0));

	T_CHECK_EQ(t_sh("ip -n %s link del %s", ns, dev), 0);
	T_CHECK_EQ(tr_engine_wait(e, 3000), 0);
	T_CHECK(!tr_engine_running(e, 0));
	unsigned q = 99;
	int r = tr_engine_error(e, &q);
	printf("%s: worker reported %d (%s)\n", mode == TR_ENGINE_RX_READ ? "read" : "multishot",
	       r, strerror(-r));
	T_CHECK(r < 0);
	T_CHECK_EQ(q, 0);
	struct tr_buf *b = tr_engine_buf_alloc(e, 0);
	T_ASSERT(b != NULL);
	b->len = 60;
	T_CHECK_EQ(tr_engine_tx_burst(e, 0, &b, 1), 0);   /* worker gone: caller keeps it */
	tr_engine_buf_free(e, b);
	T_CHECK_EQ(tr_engine_stop(e), r);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.rx, 500);
	T_CHECK(io_invariant(e, &st));
	T_CHECK_EQ(io_drain_app(e), 500);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 4096);
	tr_engine_destroy(e);
	close(fd);
}

int main(void)
{
	run(TR_ENGINE_RX_MULTISHOT);
	run(TR_ENGINE_RX_READ);
	return t_done();
}
