/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Faults (SECURITY.md): pool exhaustion under load, and -ENOBUFS on the
 * multishot read.
 *
 * A small pool (512 buffers, 128 posted for rx) and an application that
 * does not consume: every delivered frame keeps its buffer, so the pool runs
 * dry while 3000 frames arrive. The engine must then stop reading (the rest
 * waits in, or is dropped by, the TAP's kernel queue: counted there as
 * tx_dropped), never crash or lose a buffer; in multishot mode the provided
 * buffer ring runs empty, the read ends with -ENOBUFS and is re-armed later
 * (counted in rx_rearm). Recovery: once the application frees everything,
 * reading resumes by itself and a second load of 1000 frames, consumed as
 * it arrives, is received completely. Conservation at the end: every frame
 * sent is either received by the engine or counted by the kernel as
 * dropped, the engine's equation holds, and every buffer is back.
 */
#include "io_test.h"

#define NBUFS 512u

static unsigned drain(struct tr_engine *e)
{
	struct tr_buf *b[64];
	unsigned n, total = 0;

	while ((n = tr_engine_rx_burst(e, 0, b, 64)) > 0) {
		for (unsigned i = 0; i < n; i++)
			tr_engine_buf_free(e, b[i]);
		total += n;
	}
	return total;
}

static void run(enum tr_engine_rx_mode mode)
{
	char ns[16], dev[16];
	int fd, err;
	struct tr_engine_stats st;

	io_tap_setup(ns, dev, 1, &fd);
	struct tr_engine_config cfg = {
		.fds = &fd, .nqueues = 1, .nbufs = NBUFS, .cpu_base = -1, .rx_mode = mode,
		.app_ring_size = 4096, .rx_bufs = 128, .batch = 32,
	};
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	long long kd0 = io_ns_stat(ns, dev, "tx_dropped");

	/* 1. load with nobody consuming: the pool runs dry */
	long sent1 = io_inject(ns, dev, 3000, 200, 16);
	T_CHECK_EQ(sent1, 3000);
	uint64_t prev = UINT64_MAX;
	for (int i = 0; i < 100; i++) {        /* until rx stops moving (<= 2 s) */
		io_sleep_ms(20);
		tr_engine_stats(e, &st);
		if (st.rx == prev)
			break;
		prev = st.rx;
	}
	tr_engine_stats(e, &st);
	printf("%s: pool dry after %llu of 3000 frames, %u buffers free, %llu re-arms\n",
	       mode == TR_ENGINE_RX_MULTISHOT ? "multishot" : "read", (unsigned long long)st.rx,
	       tr_slab_available(tr_engine_slab(e)), (unsigned long long)st.rx_rearm);
	T_CHECK(st.rx < 3000);                 /* the pool (512) cannot hold 3000 */
	T_CHECK(st.rx >= NBUFS / 2);
	T_CHECK_EQ(st.delivered, st.rx);       /* nothing dropped by the engine */
	T_CHECK(io_invariant(e, &st));
	if (mode == TR_ENGINE_RX_MULTISHOT)
		T_CHECK(st.rx_rearm >= 1);     /* the buffer ring ran dry: -ENOBUFS */

	/* 2. the application frees everything: reading resumes by itself */
	uint64_t rx1 = st.rx, got = drain(e), last = 0, quiet_since = io_now_ms();
	uint64_t end = io_now_ms() + 3000;
	while (io_now_ms() < end && io_now_ms() - quiet_since < 200) {
		got += drain(e);       /* what the TAP queue still held comes in */
		io_sleep_ms(5);
		tr_engine_stats(e, &st);
		if (st.rx != last) {
			last = st.rx;
			quiet_since = io_now_ms();
		}
	}
	got += drain(e);
	tr_engine_stats(e, &st);
	T_CHECK(st.rx > rx1);                  /* queued frames came in after the drain */

	/* 3. a second load, consumed as it arrives: every frame is received */
	uint64_t rx2 = st.rx;
	long sent2 = io_inject(ns, dev, 1000, 200, 16);
	T_CHECK_EQ(sent2, 1000);
	end = io_now_ms() + 5000;
	while (io_now_ms() < end) {
		got += drain(e);
		tr_engine_stats(e, &st);
		if (st.rx >= rx2 + 1000)
			break;
		io_sleep_ms(2);
	}
	io_sleep_ms(50);
	got += drain(e);
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.rx, rx2 + 1000);        /* full recovery: nothing lost */
	T_CHECK_EQ(got, st.rx);

	T_CHECK_EQ(tr_engine_stop(e), 0);
	got += drain(e);
	tr_engine_stats(e, &st);
	T_CHECK(io_invariant(e, &st));
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), NBUFS);
	/* conservation across the kernel: sent == engine rx + TAP tx_dropped */
	long long kd = io_ns_stat(ns, dev, "tx_dropped") - kd0;
	printf("sent %ld, engine rx %llu, kernel dropped %lld\n", sent1 + sent2,
	       (unsigned long long)st.rx, kd);
	T_CHECK_EQ((long long)st.rx + kd, (long long)(sent1 + sent2));
	tr_engine_destroy(e);
	close(fd);
}

int main(void)
{
	run(TR_ENGINE_RX_MULTISHOT);
	run(TR_ENGINE_RX_READ);
	return t_done();
}
