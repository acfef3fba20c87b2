/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Two-queue TAP: the kernel spreads injected flows (64 source ports) over
 * both queue fds by flow hash; both workers receive, the totals are exact,
 * and frames the application sends on each queue reach the device.
 */
#include "io_test.h"

#define N 4000u
#define NTX 1000u

int main(void)
{
	char ns[16], dev[16];
	int fds[2];
	io_tap_setup(ns, dev, 2, fds);
	struct tr_engine_config cfg = {
		.fds = fds, .nqueues = 2, .nbufs = 16384, .cpu_base = 0, .app_ring_size = 8192,
	};
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	long sent = io_inject(ns, dev, N, 60, 64);
	T_CHECK_EQ(sent, N);
	T_CHECK_EQ(io_wait_rx(e, N, 5000), N);
	struct tr_engine_stats q0, q1;
	tr_engine_queue_stats(e, 0, &q0);
	tr_engine_queue_stats(e, 1, &q1);
	printf("queue 0: %llu frames, queue 1: %llu frames\n",
	       (unsigned long long)q0.rx, (unsigned long long)q1.rx);
	T_CHECK(q0.rx > 0);
	T_CHECK(q1.rx > 0);
	T_CHECK_EQ(q0.rx + q1.rx, N);
	T_CHECK_EQ(q0.delivered, q0.rx);
	T_CHECK_EQ(q1.delivered, q1.rx);
	T_CHECK_EQ(io_drain_app(e), N);

	/* tx on both queues */
	long long rx0 = io_ns_stat(ns, dev, "rx_packets");
	for (unsigned q = 0; q < 2; q++) {
		unsigned queued = 0;
		uint64_t end = io_now_ms() + 5000;
		while (queued < NTX && io_now_ms() < end) {
			struct tr_buf *b[32];
			unsigned n = tr_engine_buf_alloc_burst(e, q, b, NTX - queued > 32 ? 32 : NTX - queued);
			for (unsigned i = 0; i < n; i++) {
				io_frame(b[i]->data, 60, queued + i, q);
				b[i]->len = 60;
			}
			unsigned k = tr_engine_tx_burst(e, q, b, n);
			for (unsigned i = k; i < n; i++)
				tr_engine_buf_free(e, b[i]);
			queued += k;
			if (k < n)
				io_sleep_ms(1);
		}
		T_CHECK_EQ(queued, NTX);
	}
	uint64_t end = io_now_ms() + 5000;
	struct tr_engine_stats st;
	do {
		io_sleep_ms(2);
		tr_engine_stats(e, &st);
	} while (st.tx < 2 * NTX && io_now_ms() < end);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_queue_stats(e, 0, &q0);
	tr_engine_queue_stats(e, 1, &q1);
	T_CHECK_EQ(q0.tx_app, NTX);
	T_CHECK_EQ(q1.tx_app, NTX);
	T_CHECK_EQ(io_ns_stat(ns, dev, "rx_packets") - rx0, 2 * NTX);
	tr_engine_stats(e, &st);
	T_CHECK(io_invariant(e, &st));
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 16384);
	tr_engine_destroy(e);
	close(fds[0]);
	close(fds[1]);
	return t_done();
}
