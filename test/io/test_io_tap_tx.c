/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TAP transmit: N frames the application hands to the engine
 * (tr_engine_tx_burst) are written to the TAP and show up in the device's
 * rx_packets/rx_bytes counters inside its namespace; tx == tx_app == N.
 */
#include "io_test.h"

#define N 5000u
#define LEN 98u

int main(void)
{
	char ns[16], dev[16];
	int fd;
	io_tap_setup(ns, dev, 1, &fd);
	long long rx0 = io_ns_stat(ns, dev, "rx_packets");
	long long by0 = io_ns_stat(ns, dev, "rx_bytes");
	T_ASSERT(rx0 >= 0 && by0 >= 0);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 4096, .cpu_base = -1 };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	unsigned queued = 0;
	uint64_t end = io_now_ms() + 10000;
	while (queued < N && io_now_ms() < end) {
		struct tr_buf *b[64];
		unsigned want = N - queued > 64 ? 64 : N - queued;
		unsigned n = tr_engine_buf_alloc_burst(e, 0, b, want);
		for (unsigned i = 0; i < n; i++) {
			io_frame(b[i]->data, LEN, queued + i, 0);
			b[i]->len = LEN;
		}
		unsigned k = tr_engine_tx_burst(e, 0, b, n);
		for (unsigned i = k; i < n; i++)
			tr_engine_buf_free(e, b[i]);
		queued += k;
		if (k < n || n < want)
			io_sleep_ms(1);
	}
	T_CHECK_EQ(queued, N);
	struct tr_engine_stats st;
	end = io_now_ms() + 5000;
	do {
		io_sleep_ms(2);
		tr_engine_stats(e, &st);
	} while (st.tx < N && io_now_ms() < end);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.tx, N);
	T_CHECK_EQ(st.tx_app, N);
	T_CHECK_EQ(st.tx_bytes, (uint64_t)N * LEN);
	T_CHECK_EQ(st.orig_dropped, 0);
	T_CHECK_EQ(io_ns_stat(ns, dev, "rx_packets") - rx0, N);
	T_CHECK_EQ(io_ns_stat(ns, dev, "rx_bytes") - by0, (long long)N * LEN);
	printf("tx %u frames in %llu enters\n", N, (unsigned long long)st.enters);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 4096);
	tr_engine_destroy(e);
	close(fd);
	return t_done();
}
