/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TAP receive: frames sent out of the device inside its namespace (AF_PACKET)
 * arrive on the engine exactly once each, with the right length and bytes,
 * on both rx paths (multishot read into a provided-buffer ring, and plain
 * reads). No stage: everything is delivered to the application ring.
 * Every buffer is back in the pool after stop.
 */
#include "io_test.h"

#define N 3000u

static void run(enum tr_engine_rx_mode mode, unsigned len)
{
	char ns[16], dev[16];
	int fd;
	io_tap_setup(ns, dev, 1, &fd);
	struct tr_engine_config cfg = {
		.fds = &fd, .nqueues = 1, .nbufs = 8192, .cpu_base = -1, .rx_mode = mode,
		.app_ring_size = 4096,
	};
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	long sent = io_inject(ns, dev, N, len, 16);
	T_CHECK_EQ(sent, N);
	uint64_t got = io_wait_rx(e, N, 5000);
	io_sleep_ms(50);    /* anything extra would show up now */
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(got, N);
	T_CHECK_EQ(st.rx, N);
	T_CHECK_EQ(st.rx_bytes, (uint64_t)N * len);
	T_CHECK_EQ(st.delivered, N);

	/* The application sees every frame, in order, intact. */
	unsigned seen = 0, bad = 0;
	struct tr_buf *b[64];
	unsigned n;
	uint8_t ref[2048];
	while ((n = tr_engine_rx_burst(e, 0, b, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			io_frame(ref, len, seen, seen % 16);
			if (b[i]->len != len || memcmp(b[i]->data, ref, len) != 0)
				bad++;
			seen++;
			tr_engine_buf_free(e, b[i]);
		}
	}
	T_CHECK_EQ(seen, N);
	T_CHECK_EQ(bad, 0);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_stats(e, &st);
	T_CHECK(io_invariant(e, &st));
	if (mode == TR_ENGINE_RX_MULTISHOT)
		printf("multishot: %llu re-arms for %u frames\n", (unsigned long long)st.rx_rearm, N);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 8192);
	tr_engine_destroy(e);
	close(fd);
}

int main(void)
{
	run(TR_ENGINE_RX_MULTISHOT, 60);
	run(TR_ENGINE_RX_READ, 60);
	run(TR_ENGINE_RX_MULTISHOT, 1514);
	run(TR_ENGINE_RX_READ, 1514);
	return t_done();
}
