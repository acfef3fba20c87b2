/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TAP TX and RX throughput of the engine against the tunctl model (one
 * write() / read() syscall per frame), measured in the same run, A B A B.
 *
 * Setup: a namespace created here, a TAP whose kernel side lives in it
 * (IPv6 off, no addresses, txqueuelen 65536). Frames are Ethernet/IPv4/UDP
 * to 02:77:00:00:00:01 / 10.77.0.1: not the device's MAC, so the kernel
 * drops them early (PACKET_OTHERHOST) and never routes them.
 *
 * TX: baseline writes one prebuilt frame per write(); the engine path
 *     allocates pool buffers, copies the template in (as an application
 *     would) and hands bursts to tr_engine_tx_burst; timed until the
 *     worker has written them all (stats.tx).
 * RX: the TAP queue is pre-filled from the namespace side (AF_PACKET
 *     sendmmsg), then drained: baseline read() until EAGAIN; the engine is
 *     started on the full queue and timed (start included) until it has
 *     received them all, the main thread consuming the app ring.
 *
 * Needs root (exit 77 otherwise). Bounded: fixed frame counts, and every
 * wait gives up after a few seconds.
 *   usage: bench_tap_io [rounds (default 2)]
 */
#include <fcntl.h>
#include <stdatomic.h>

#include <tapring/engine.h>
#include <tapring/slab.h>

#include "io/io_test.h"

static char g_ns[16], g_dev[16];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- TX ----------------------------------------------------------------- */

static double tx_plain(int fd, unsigned len, unsigned n)
{
	uint8_t f[2048];
	io_frame(f, len, 1, 0);
	unsigned done = 0;
	double t0 = now_s();
	while (done < n && now_s() - t0 < 5) {
		if (write(fd, f, len) == (ssize_t)len)
			done++;
	}
	return done / (now_s() - t0);
}

static double tx_engine(int fd, unsigned len, unsigned n, enum tr_engine_rx_mode mode)
{
	uint8_t f[2048];
	io_frame(f, len, 1, 0);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 16384, .cpu_base = -1,
					.app_ring_size = 4096, .rx_mode = mode };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e || tr_engine_start(e) != 0) {
		fprintf(stderr, "engine: %s\n", strerror(-err));
		exit(1);
	}
	struct tr_engine_stats st;
	unsigned queued = 0;
	double t0 = now_s();
	while (queued < n && now_s() - t0 < 5) {
		struct tr_buf *b[64];
		unsigned want = n - queued > 64 ? 64 : n - queued;
		unsigned k = tr_engine_buf_alloc_burst(e, 0, b, want);
		for (unsigned i = 0; i < k; i++) {
			memcpy(b[i]->data, f, len);
			b[i]->len = len;
		}
		unsigned sent = 0;
		while (sent < k && now_s() - t0 < 5) {
			sent += tr_engine_tx_burst(e, 0, b + sent, k - sent);
			if (sent < k)
				sched_yield();
		}
		for (unsigned i = sent; i < k; i++)
			tr_engine_buf_free(e, b[i]);
		queued += sent;
		if (k < want)
			sched_yield();
	}
	do {
		tr_engine_stats(e, &st);
	} while (st.tx + st.orig_dropped < queued && now_s() - t0 < 10);
	double dt = now_s() - t0;
	tr_engine_stop(e);
	tr_engine_stats(e, &st);
	tr_engine_destroy(e);
	return st.tx / dt;
}

/* ---- RX ----------------------------------------------------------------- */

static unsigned drain_plain(int fd, double *secs)
{
	uint8_t f[2048];
	unsigned got = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	double t0 = now_s();
	while (read(fd, f, sizeof(f)) > 0)
		got++;
	*secs = now_s() - t0;
	fcntl(fd, F_SETFL, fl);
	return got;
}

static long prefill(unsigned len, unsigned n)
{
	return io_inject(g_ns, g_dev, n, len, 64);
}

static double rx_plain(int fd, unsigned len, unsigned n)
{
	double secs;
	drain_plain(fd, &secs);          /* empty leftovers */
	long in = prefill(len, n);
	unsigned got = drain_plain(fd, &secs);
	if (in <= 0 || got + 16 < (unsigned long)in)
		fprintf(stderr, "  (plain: injected %ld, read %u)\n", in, got);
	return got / secs;
}

static double rx_engine(int fd, unsigned len, unsigned n, enum tr_engine_rx_mode mode, uint64_t *rearm)
{
	double secs;
	drain_plain(fd, &secs);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 16384, .cpu_base = -1,
					.app_ring_size = 8192, .rx_mode = mode };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e) {
		fprintf(stderr, "engine: %s\n", strerror(-err));
		exit(1);
	}
	long in = prefill(len, n);
	struct tr_engine_stats st;
	double t0 = now_s();
	if (tr_engine_start(e) != 0)
		exit(1);
	do {
		struct tr_buf *b[256];
		unsigned k = tr_engine_rx_burst(e, 0, b, 256);
		for (unsigned i = 0; i < k; i++)
			tr_engine_buf_free(e, b[i]);
		if (k == 0)
			sched_yield();   /* leave the core to the worker */
		tr_engine_stats(e, &st);
	} while (st.rx < (uint64_t)in && now_s() - t0 < 5);
	double dt = now_s() - t0;
	tr_engine_stop(e);
	tr_engine_stats(e, &st);
	*rearm = st.rx_rearm;
	if (getenv("TR_BENCH_VERBOSE"))
		fprintf(stderr, "  rx %llu enters %llu batches %llu dt %.3f\n", (unsigned long long)st.rx,
			(unsigned long long)st.enters, (unsigned long long)st.batches, dt);
	if (st.rx < (uint64_t)in)
		fprintf(stderr, "  (engine: injected %ld, received %llu)\n", in, (unsigned long long)st.rx);
	io_drain_app(e);
	tr_engine_destroy(e);
	return st.rx / dt;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2;
	const char *only = getenv("TR_BENCH_ONLY");   /* "tx" or "rx" */
	if (rounds < 1 || rounds > 10)
		rounds = 2;
	t_require_net_admin();
	int fd = -1;
	io_tap_setup(g_ns, g_dev, 1, &fd);
	t_sh("ip -n %s link set %s txqueuelen 65536", g_ns, g_dev);

	static const unsigned lens[] = { 64, 1514 };
	printf("tap_io: TAP frames/s, engine (io_uring, batch 64) vs plain read()/write() per frame\n");
	printf("%-4s %-5s %-9s %12s %10s %12s %10s %7s\n", "dir", "bytes", "engine", "plain_pps",
	       "plain_ns", "engine_pps", "engine_ns", "ratio");
	for (size_t li = 0; li < 2 && !(only && strcmp(only, "rx") == 0); li++) {
		unsigned len = lens[li];
		unsigned ntx = len < 512 ? 400000 : 200000;
		double bp = 0, ep = 0;
		for (int r = 0; r < rounds; r++) {
			double p = tx_plain(fd, len, ntx);
			double q = tx_engine(fd, len, ntx, TR_ENGINE_RX_AUTO);
			printf("%-4s %-5u %-9s %12.0f %10.1f %12.0f %10.1f %6.2fx\n", "tx", len, "uring",
			       p, 1e9 / p, q, 1e9 / q, q / p);
			bp += p;
			ep += q;
		}
		printf("%-4s %-5u %-9s %12.0f %10.1f %12.0f %10.1f %6.2fx  (mean)\n", "TX", len, "uring",
		       bp / rounds, 1e9 * rounds / bp, ep / rounds, 1e9 * rounds / ep, ep / bp);
	}
	for (size_t li = 0; li < 2 && !(only && strcmp(only, "tx") == 0); li++) {
		unsigned len = lens[li];
		unsigned nrx = len < 512 ? 60000 : 20000;
		static const enum tr_engine_rx_mode modes[] = { TR_ENGINE_RX_MULTISHOT, TR_ENGINE_RX_READ };
		static const char *const mname[] = { "multishot", "read" };
		for (int m = 0; m < 2; m++) {
			double bp = 0, ep = 0;
			for (int r = 0; r < rounds; r++) {
				uint64_t rearm = 0;
				double p = rx_plain(fd, len, nrx);
				double q = rx_engine(fd, len, nrx, modes[m], &rearm);
				printf("%-4s %-5u %-9s %12.0f %10.1f %12.0f %10.1f %6.2fx  rearm=%llu\n", "rx",
				       len, mname[m], p, 1e9 / p, q, 1e9 / q, q / p,
				       (unsigned long long)rearm);
				bp += p;
				ep += q;
			}
			printf("%-4s %-5u %-9s %12.0f %10.1f %12.0f %10.1f %6.2fx  (mean)\n", "RX", len,
			       mname[m], bp / rounds, 1e9 * rounds / bp, ep / rounds, 1e9 * rounds / ep,
			       ep / bp);
		}
	}
	close(fd);
	return 0;
}
