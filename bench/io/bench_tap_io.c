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
 * TX: baseline writes one prebuilt frame per write(). Two engine paths,
 *     each writing the 64 header bytes of the template into every buffer
 *     (hdr_bytes; TR_BENCH_FULLCOPY=1: whole frames): "app": an
 *     application thread allocates pool buffers and hands bursts to
 *     tr_engine_tx_burst (cross-core hand-off); "stage": a stage's poll()
 *     on the worker originates one burst per loop iteration
 *     (tr_worker_alloc, tr_worker_tx), run to completion on one core.
 *     app: timed until the worker has written them all (stats.tx);
 *     stage: over its send window (struct tx_src), the main thread
 *     blocked meanwhile.
 * RX: the TAP queue is pre-filled from the namespace side (AF_PACKET
 *     sendmmsg), then drained: baseline read() until EAGAIN; the engine is
 *     started on the full queue, and its rate is taken over the receive
 *     window, first batch to last (struct rx_window): "app" = the main
 *     thread consumes the app ring; "stage" = a last stage consumes every
 *     frame on the worker (counted as the drop reason "bench.consumed").
 * TR_BENCH_RAW=1 first prints bare io_uring loops (no engine) as ceilings.
 * TR_BENCH_OVERHEAD=1 prints only the engine's CPU per 64 B frame over the
 * bare io_uring loop, the two alternated in each round (see overhead()).
 *
 * Needs root (exit 77 otherwise). Bounded: fixed frame counts, and every
 * wait gives up after a few seconds.
 *   usage: bench_tap_io [rounds (default 2)]
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/eventfd.h>

#include <liburing.h>

#include <tapring/engine.h>
#include <tapring/slab.h>

#include "io/io_test.h"
#include "bench_json.h"
#include "core/bench_common.h"

static char g_ns[16], g_dev[16];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of one thread of this process (Linux per-thread CPU clock,
 * the encoding glibc's pthread_getcpuclockid uses). */
static double thread_cpu_s(pid_t tid)
{
	struct timespec ts;
	clockid_t id = (clockid_t)(((~(unsigned)tid) << 3) | 6u);
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double self_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The CPU both sides of a comparison run on (-1: anywhere). The overhead
 * mode pins the bare loop's thread and the engine's worker to the same CPU
 * (TR_BENCH_CPU, default 0): left to the scheduler, each process's loop
 * settled on one vCPU or the other, and on the EPYC guest one vCPU can be
 * 1.6x slower than the other for minutes (host SMT contention), which
 * made the TX figures bimodal per run (250 or 400 ns for the same loop). */
static int g_pin_cpu = -1;

static int engine_cpu(void)
{
	if (getenv("TR_BENCH_CPU"))
		return atoi(getenv("TR_BENCH_CPU"));
	return g_pin_cpu;
}

/* tid of the engine worker thread named tr-io-q0, or 0. */
static pid_t worker_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	pid_t tid = 0;
	while (d && (de = readdir(d)) != NULL) {
		char path[300], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strncmp(comm, "tr-io-q0", 8) == 0)
			tid = (pid_t)atoi(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return tid;
}

/* Per run: wall-clock rate and CPU nanoseconds per frame (all threads the
 * path uses: the loop itself, or the engine worker + the application
 * thread). CPU time is far less sensitive than wall time to other load on
 * this shared 2-core machine. */
struct res {
	double pps;
	double cpu_ns;
};

/* ---- TX ----------------------------------------------------------------- */

/* Bytes of the template an engine path writes into each buffer: the
 * headers (Ethernet + IPv4 + UDP = 42, rounded up to 64), as DPDK
 * testpmd's txonly does per mbuf; the payload is whatever the recycled
 * buffer holds. The plain loop writes one prebuilt frame and copies
 * nothing per frame either. TR_BENCH_FULLCOPY=1 copies whole frames. */
static bool g_full_copy;

static inline unsigned hdr_bytes(unsigned len)
{
	return g_full_copy || len < 64 ? len : 64;
}

static struct res tx_plain(int fd, unsigned len, unsigned n)
{
	uint8_t f[2048];
	io_frame(f, len, 1, 0);
	unsigned done = 0;
	double t0 = now_s(), c0 = self_cpu_s();
	while (done < n && now_s() - t0 < 5) {
		if (write(fd, f, len) == (ssize_t)len)
			done++;
	}
	struct res r = { done / (now_s() - t0), (self_cpu_s() - c0) * 1e9 / done };
	return r;
}

static struct res tx_engine(int fd, unsigned len, unsigned n, enum tr_engine_rx_mode mode)
{
	uint8_t f[2048];
	io_frame(f, len, 1, 0);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 16384, .cpu_base = engine_cpu(),
					.app_ring_size = 4096, .rx_mode = mode };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e || tr_engine_start(e) != 0) {
		fprintf(stderr, "engine: %s\n", strerror(-err));
		exit(1);
	}
	struct tr_engine_stats st;
	unsigned queued = 0;
	pid_t wt = worker_tid();
	double t0 = now_s(), c0 = self_cpu_s(), w0 = thread_cpu_s(wt);
	while (queued < n && now_s() - t0 < 5) {
		struct tr_buf *b[64];
		unsigned want = n - queued > 64 ? 64 : n - queued;
		unsigned k = tr_engine_buf_alloc_burst(e, 0, b, want);
		for (unsigned i = 0; i < k; i++) {
			memcpy(b[i]->data, f, hdr_bytes(len));
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
	double cpu = self_cpu_s() - c0 + thread_cpu_s(wt) - w0;
	if (getenv("TR_BENCH_VERBOSE")) {
		tr_engine_stats(e, &st);
		fprintf(stderr, "  worker %.0f ns/frame, app %.0f ns/frame, %.1f frames/enter\n",
			(thread_cpu_s(wt) - w0) * 1e9 / (double)st.tx,
			(self_cpu_s() - c0) * 1e9 / (double)st.tx, (double)st.tx / (double)st.enters);
	}
	tr_engine_stop(e);
	tr_engine_stats(e, &st);
	tr_engine_destroy(e);
	struct res r = { st.tx / dt, cpu * 1e9 / (double)st.tx };
	return r;
}

/* Reference ceilings (diagnostic, TR_BENCH_RAW=1): bare io_uring loops, no
 * engine, the same ring flags and a registered file. */
static int raw_ring_init(struct io_uring *ring, int fd)
{
	struct io_uring_params ip = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN };
	if (io_uring_queue_init_params(256, ring, &ip) < 0)
		return -1;
	if (io_uring_register_files(ring, &fd, 1) < 0) {
		io_uring_queue_exit(ring);
		return -1;
	}
	return 0;
}

/* Reap every ready CQE; the count of those with res >= min_res. */
static unsigned raw_reap(struct io_uring *ring, int min_res)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0, ok = 0;
	io_uring_for_each_cqe(ring, head, cqe) {
		seen++;
		if (cqe->res >= min_res)
			ok++;
	}
	io_uring_cq_advance(ring, seen);
	return ok;
}

/* 64 writes per submit of prebuilt frames (nb = 1: all the same buffer). */
static __attribute__((noinline)) struct res tx_raw(int fd, unsigned len, unsigned n, unsigned nb)
{
	static uint8_t f[64][2048];
	struct io_uring ring;
	struct res r = { 0, 0 };
	if (raw_ring_init(&ring, fd) < 0)
		return r;
	for (unsigned i = 0; i < 64; i++)
		io_frame(f[i], len, 1, 0);
	unsigned done = 0, sub = 0;
	cpu_set_t mask = bc_pin(g_pin_cpu);
	double t0 = now_s(), c0 = self_cpu_s();
	while (done < n && now_s() - t0 < 5) {
		for (unsigned i = 0; i < 64; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			io_uring_prep_write(sqe, 0, f[nb > 1 ? i : 0], len, 0);
			sqe->flags |= IOSQE_FIXED_FILE;
		}
		sub += 64;
		io_uring_submit_and_get_events(&ring);
		done += raw_reap(&ring, (int)len);
		if (sub > done + 4096)
			break;
	}
	r.pps = done / (now_s() - t0);
	r.cpu_ns = (self_cpu_s() - c0) * 1e9 / (done ? done : 1);
	bc_unpin(&mask);
	io_uring_queue_exit(&ring);
	return r;
}

/* A source stage: poll() originates frames on the worker until n are queued.
 * Its send window runs from its first poll() to the poll() that sees all n
 * written (stats.tx + orig_dropped): the worker's CPU time and the wall
 * time of that window, read on the worker, as the RX paths' rx_window
 * leaves out thread start and ring set-up (one-time costs; the bare loop
 * sets its ring up before its clock starts too). At the end the stage
 * wakes the main thread through an eventfd, so the main thread blocks for
 * the whole run instead of polling the counters every 200 us (which cost
 * it 12-16 us of CPU per poll on the EPYC guest: ~15 ns per 64 B frame,
 * none of it the engine's). */
static unsigned g_src_burst = 64;   /* as the bare loop's writes per submit */
struct tx_src {
	const uint8_t *tmpl;
	unsigned len;
	unsigned left;
	unsigned n;
	int efd;                 /* eventfd, written once at the end of the window */
	bool started, done;
	double cpu0, cpu1;       /* worker thread CPU time at the window's ends */
	double t0, t1;           /* wall time at the window's ends */
};

static void noop_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts,
			 unsigned n)
{
	(void)arg; (void)w; (void)bufs; (void)acts; (void)n;
}

static void src_poll(void *arg, struct tr_worker *w, uint64_t now_ns)
{
	struct tx_src *s = arg;

	(void)now_ns;
	if (!s->started) {
		s->started = true;
		s->cpu0 = self_cpu_s();   /* this is the worker thread */
		s->t0 = now_s();
	}
	/* One burst per loop iteration, like a traffic generator's tx burst:
	 * the worker reaps the writes' completions between bursts. Unbounded,
	 * this loop would run the pool dry before the first reap (every frame
	 * in flight at once: a 32 MiB working set and an overflowing CQ). */
	for (unsigned burst = 0; s->left && burst < g_src_burst; burst++) {
		struct tr_buf *b = tr_worker_alloc(w);
		if (!b)
			return;
		memcpy(b->data, s->tmpl, hdr_bytes(s->len));
		b->len = s->len;
		if (tr_worker_tx(w, b) != 0) {
			tr_worker_drop(w, b, TR_ENGINE_DROP_POOL_EMPTY);
			return;
		}
		s->left--;
	}
	if (!s->left && !s->done) {
		/* Every frame queued: the window ends once all are written
		 * (their completions reaped on a later iteration). */
		struct tr_engine_stats st;
		tr_engine_queue_stats(tr_worker_engine(w), tr_worker_queue(w), &st);
		if (st.tx + st.orig_dropped >= s->n) {
			uint64_t one = 1;
			s->done = true;
			s->cpu1 = self_cpu_s();
			s->t1 = now_s();
			if (write(s->efd, &one, sizeof(one)) != sizeof(one))
				perror("eventfd");
		}
	}
}

static struct res tx_engine_stage(int fd, unsigned len, unsigned n)
{
	uint8_t f[2048];
	io_frame(f, len, 1, 0);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 16384, .cpu_base = engine_cpu() };
	if (getenv("TR_BENCH_BATCH"))   /* also sizes the worker's rings (tr__worker_setup) */
		cfg.batch = (unsigned)atoi(getenv("TR_BENCH_BATCH"));
	struct tx_src src = { .tmpl = f, .len = len, .left = n, .n = n, .efd = eventfd(0, EFD_CLOEXEC) };
	struct tr_stage st = { .name = "bench.src", .arg = &src, .process = noop_process,
			       .poll = src_poll };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (src.efd < 0 || !e || tr_engine_add_stage(e, &st) != 0) {
		fprintf(stderr, "engine: %s\n", strerror(src.efd < 0 ? errno : -err));
		exit(1);
	}
	struct tr_engine_stats es;
	double t0 = now_s(), c0 = self_cpu_s();
	if (tr_engine_start(e) != 0)
		exit(1);
	struct pollfd pfd = { .fd = src.efd, .events = POLLIN };
	int pr = poll(&pfd, 1, 10000);   /* bounded: 10 s */
	double dt = now_s() - t0;
	double main_cpu = self_cpu_s() - c0;   /* start-up and the wait: the whole run */
	pid_t wt = worker_tid();              /* not timed any more */
	double wcpu = thread_cpu_s(wt);       /* the worker since its start */
	tr_engine_stop(e);                    /* joins the worker: src is its own again */
	tr_engine_stats(e, &es);
	tr_engine_destroy(e);
	close(src.efd);
	struct res r;
	if (pr == 1 && src.done) {
		r.pps = (double)es.tx / (src.t1 - src.t0);
		r.cpu_ns = ((src.cpu1 - src.cpu0) + main_cpu) * 1e9 / (double)es.tx;
	} else {
		fprintf(stderr, "  (stage: %llu of %u frames written within 10 s)\n",
			(unsigned long long)es.tx, n);
		r.pps = (double)es.tx / dt;
		r.cpu_ns = (wcpu + main_cpu) * 1e9 / (double)(es.tx ? es.tx : 1);
	}
	if (getenv("TR_BENCH_VERBOSE"))
		fprintf(stderr, "  window: worker %.1f ns/frame, main thread %.1f ns/frame; whole run: worker "
			"%.1f ns/frame (with its start-up), %.1f frames/enter\n",
			(src.cpu1 - src.cpu0) * 1e9 / (double)es.tx, main_cpu * 1e9 / (double)es.tx,
			wcpu * 1e9 / (double)es.tx, (double)es.tx / (double)es.enters);
	return r;
}

/* ---- RX ----------------------------------------------------------------- */

static int g_consumed = -1;
/* TR_BENCH_APP_WAIT=1: the "app" RX path sleeps in tr_engine_rx_wait on an
 * empty ring instead of napping 50 us between polls. */
static bool g_app_wait;

/* The receive window: worker time (tr_buf.ts, the reap time of a frame's
 * batch) of the first and the last batch, and the size of the first one.
 * The rate is taken over (first batch, last batch]: thread start and ring
 * set-up are one-time costs, not per-frame ones (the plain loop's open()
 * is not timed either). */
struct rx_window {
	uint64_t first, last;
	unsigned n_first;
};

static void window_add(struct rx_window *wd, struct tr_buf *const *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = bufs[i]->ts;
		if (wd->first == 0) {
			wd->first = ts;
			wd->n_first = 0;
		}
		if (ts == wd->first)
			wd->n_first++;
		if (ts > wd->last)
			wd->last = ts;
	}
}

/* The "stage" RX path's sink: the window (see rx_window), the worker's CPU
 * time at its ends, and an eventfd written once the expected frames have
 * all been consumed, so the main thread blocks for the whole run instead
 * of polling the counters (a poll every 50 us cost the main thread 70-115
 * ns per 64 B frame on the EPYC guest, none of it the engine's: the same
 * reason as tx_src). Written by the worker; read after the eventfd fired
 * or after stop (join). */
struct rx_sink {
	struct rx_window win;
	uint64_t seen, want;
	int efd;
	bool done;
	double cpu0, cpu1;   /* worker thread CPU at the first and the last batch */
};
static struct rx_sink g_sink;

/* Last stage of the "stage" RX path: every frame is consumed on the worker. */
static void sink_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts,
			 unsigned n)
{
	struct rx_sink *s = arg;
	(void)w;
	if (s->win.first == 0)
		s->cpu0 = self_cpu_s();   /* this is the worker thread */
	window_add(&s->win, bufs, n);
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_DROP(g_consumed);
	s->seen += n;
	if (!s->done && s->seen >= s->want) {
		uint64_t one = 1;
		s->done = true;
		s->cpu1 = self_cpu_s();
		if (write(s->efd, &one, sizeof(one)) != sizeof(one))
			perror("eventfd");
	}
}

static unsigned drain_plain(int fd, double *secs, double *cpu)
{
	uint8_t f[2048];
	unsigned got = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	double t0 = now_s(), c0 = self_cpu_s();
	while (read(fd, f, sizeof(f)) > 0)
		got++;
	*secs = now_s() - t0;
	*cpu = self_cpu_s() - c0;
	fcntl(fd, F_SETFL, fl);
	return got;
}

static long prefill(unsigned len, unsigned n)
{
	return io_inject(g_ns, g_dev, n, len, 64);
}

static struct res rx_plain(int fd, unsigned len, unsigned n)
{
	double secs, cpu;
	drain_plain(fd, &secs, &cpu);          /* empty leftovers */
	long in = prefill(len, n);
	unsigned got = drain_plain(fd, &secs, &cpu);
	if (in <= 0 || got + 16 < (unsigned long)in)
		fprintf(stderr, "  (plain: injected %ld, read %u)\n", in, got);
	struct res r = { got / secs, cpu * 1e9 / got };
	return r;
}

/* Up to 64 reads per submit into 64 fixed 2 KiB buffers, as many as frames
 * were injected (a read on an empty TAP would wait: io_uring polls it even
 * with O_NONBLOCK set), each wait bounded by 100 ms. */
static __attribute__((noinline)) struct res rx_raw(int fd, unsigned len, unsigned n)
{
	static uint8_t f[64][2048];
	struct io_uring ring;
	struct res r = { 0, 0 };
	double secs, cpu;
	drain_plain(fd, &secs, &cpu);
	if (raw_ring_init(&ring, fd) < 0)
		return r;
	long in = prefill(len, n);
	unsigned got = 0;
	cpu_set_t mask = bc_pin(g_pin_cpu);
	double t0 = now_s(), c0 = self_cpu_s();
	while (in > 0 && got < (unsigned long)in && now_s() - t0 < 5) {
		unsigned k = (unsigned long)in - got > 64 ? 64 : (unsigned)((unsigned long)in - got);
		for (unsigned i = 0; i < k; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, 0, f[i], sizeof(f[i]), 0);
			sqe->flags |= IOSQE_FIXED_FILE;
		}
		struct io_uring_cqe *cqe = NULL;
		struct __kernel_timespec ts = { 0, 100000000 };
		if (io_uring_submit_and_wait_timeout(&ring, &cqe, k, &ts, NULL) < 0)
			break;
		got += raw_reap(&ring, 1);
	}
	r.pps = got / (now_s() - t0);
	r.cpu_ns = (self_cpu_s() - c0) * 1e9 / (got ? got : 1);
	bc_unpin(&mask);
	io_uring_queue_exit(&ring);   /* cancels reads still waiting */
	if (in <= 0 || got + 16 < (unsigned long)in)
		fprintf(stderr, "  (raw: injected %ld, read %u)\n", in, got);
	return r;
}

static struct res rx_engine(int fd, unsigned len, unsigned n, enum tr_engine_rx_mode mode, uint64_t *rearm,
			    bool sink)
{
	double secs, cpu;
	drain_plain(fd, &secs, &cpu);
	struct tr_engine_config cfg = { .fds = &fd, .nqueues = 1, .nbufs = 16384, .cpu_base = engine_cpu(),
					.app_ring_size = 8192, .rx_mode = mode };
	if (getenv("TR_BENCH_NBUFS"))
		cfg.nbufs = (unsigned)atoi(getenv("TR_BENCH_NBUFS"));
	if (getenv("TR_BENCH_RXBUFS"))
		cfg.rx_bufs = (unsigned)atoi(getenv("TR_BENCH_RXBUFS"));
	if (getenv("TR_BENCH_BATCH"))
		cfg.batch = (unsigned)atoi(getenv("TR_BENCH_BATCH"));
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e) {
		fprintf(stderr, "engine: %s\n", strerror(-err));
		exit(1);
	}
	memset(&g_sink, 0, sizeof(g_sink));
	g_sink.efd = -1;
	if (sink) {
		struct tr_stage sst = { .name = "bench.sink", .arg = &g_sink, .process = sink_process };
		g_consumed = tr_engine_counter(e, "bench.consumed");
		g_sink.efd = eventfd(0, EFD_CLOEXEC);
		if (g_consumed < 0 || g_sink.efd < 0 || tr_engine_add_stage(e, &sst) != 0)
			exit(1);
	}
	long in = prefill(len, n);
	struct tr_engine_stats st;
	struct rx_window app_win = { 0, 0, 0 };
	g_sink.want = in > 0 ? (uint64_t)in : 1;
	double t0 = now_s(), c0 = self_cpu_s();
	if (tr_engine_start(e) != 0)
		exit(1);
	pid_t wt = worker_tid();
	if (sink) {
		/* Blocks until the sink has consumed every injected frame (5 s
		 * at most); the eventfd write is the sink's last access to
		 * g_sink before stop. */
		struct pollfd pfd = { .fd = g_sink.efd, .events = POLLIN };
		if (poll(&pfd, 1, 5000) != 1)
			fprintf(stderr, "  (sink: %llu of %ld frames within 5 s)\n", (unsigned long long)g_sink.seen, in);
	}
	while (!sink) {
		struct tr_buf *b[256];
		unsigned k = tr_engine_rx_burst(e, 0, b, 256);
		window_add(&app_win, b, k);
		tr_engine_buf_free_burst(e, b, k);
		if (k == 0 && g_app_wait) {
			tr_engine_rx_wait(e, 0, 20);   /* TR_BENCH_APP_WAIT=1 */
		} else if (k == 0) {
			/* leave the core to the worker (2 vCPUs) */
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		}
		tr_engine_stats(e, &st);
		if (st.rx >= (uint64_t)in || now_s() - t0 >= 5)
			break;
	}
	double dt = now_s() - t0;
	double app_cpu = self_cpu_s() - c0;
	double wcpu = thread_cpu_s(wt);   /* worker: since its start */
	tr_engine_stop(e);
	tr_engine_stats(e, &st);
	*rearm = st.rx_rearm;
	const struct rx_window *wd = sink ? &g_sink.win : &app_win;
	double span = (double)(wd->last - wd->first) * 1e-9;
	double nwin = (double)(st.rx - wd->n_first);
	double rate = span > 0 ? nwin / span : st.rx / dt;
	/* The sink path: the worker over the window plus the main thread
	 * (start-up, then blocked), per frame of the window. The app path:
	 * the worker since its start plus the polling application thread. */
	double cpu_ns = sink && g_sink.done && nwin > 0 ? ((g_sink.cpu1 - g_sink.cpu0) + app_cpu) * 1e9 / nwin
						     : (wcpu + app_cpu) * 1e9 / (double)st.rx;
	if (getenv("TR_BENCH_VERBOSE"))
		fprintf(stderr, "  worker %.0f ns/frame since its start, %.0f over the window (sink path), main thread %.0f ns/frame\n"
			"  window %.3f ms (%u frames in the first batch), start included %.3f ms\n"
			"  rx %llu enters %llu batches %llu dt %.3f\n", wcpu * 1e9 / (double)st.rx,
			sink && nwin > 0 ? (g_sink.cpu1 - g_sink.cpu0) * 1e9 / nwin : 0.0,
			app_cpu * 1e9 / (double)st.rx, span * 1e3, wd->n_first, dt * 1e3,
			(unsigned long long)st.rx, (unsigned long long)st.enters,
			(unsigned long long)st.batches, dt);
	if (st.rx < (uint64_t)in)
		fprintf(stderr, "  (engine: injected %ld, received %llu)\n", in, (unsigned long long)st.rx);
	io_drain_app(e);
	tr_engine_destroy(e);
	if (g_sink.efd >= 0)
		close(g_sink.efd);
	struct res r = { rate, cpu_ns };
	return r;
}

/* TR_BENCH_OVERHEAD=1: the engine's CPU per 64 B frame over the bare
 * io_uring loop, TX (stage path vs 64 buffers in flight) and RX (multishot
 * and plain reads, stage path), each pair alternated in every round (the
 * order reversed on every other round), medians over the rounds of each
 * figure and of each round's ratio. This is the figure issue 12 targets
 * (<= 10%); the main table's "over bare" compares runs minutes apart. */
static void overhead(int fd, int rounds)
{
	g_pin_cpu = getenv("TR_BENCH_CPU") ? atoi(getenv("TR_BENCH_CPU")) : 0;
	printf("overhead: the bare loops and the engine's worker run on CPU %d\n", g_pin_cpu);
	static const char *const name[3] = { "tx 64 wr/stage", "rx 64 ms/stage", "rx 64 rd/stage" };
	double bare[3][10], eng[3][10], x[3][10];
	for (int r = 0; r < rounds; r++)
		for (int c = 0; c < 3; c++) {
			uint64_t rearm = 0;
			struct res b = { 0, 0 }, e = { 0, 0 };
			for (int k = 0; k < 2; k++) {
				if ((k == 0) == (r % 2 == 0))   /* bare first on even rounds */
					b = c == 0 ? tx_raw(fd, 64, 400000, 64) : rx_raw(fd, 64, 60000);
				else
					e = c == 0 ? tx_engine_stage(fd, 64, 400000)
						   : rx_engine(fd, 64, 60000, c == 1 ? TR_ENGINE_RX_MULTISHOT
										     : TR_ENGINE_RX_READ, &rearm, true);
			}
			bare[c][r] = b.cpu_ns;
			eng[c][r] = e.cpu_ns;
			x[c][r] = b.cpu_ns > 0 ? e.cpu_ns / b.cpu_ns : 0;
			printf("overhead round %d  %-15s bare io_uring %6.1f ns  engine %6.1f ns  %+5.1f%%\n", r + 1,
			       name[c], b.cpu_ns, e.cpu_ns, (x[c][r] - 1) * 100);
		}
	for (int c = 0; c < 3; c++) {
		double mb = bc_median(bare[c], rounds), me = bc_median(eng[c], rounds), mx = bc_median(x[c], rounds);
		printf("OVERHEAD %-15s bare io_uring %6.1f ns  engine %6.1f ns  engine over bare %+5.1f%% "
		       "(median of %d rounds' ratios; target <= +10%%)\n", name[c], mb, me, (mx - 1) * 100, rounds);
		bench_json_row("\"dir\": \"%s\", \"len\": 64, \"path\": \"overhead %s\", \"rounds\": %d, "
			       "\"bare_cpu_ns\": %.1f, \"cpu_ns\": %.1f, \"x_bare\": %.4f",
			       c ? "rx" : "tx", name[c] + 6, rounds, mb, me, mx);
	}
}

int main(int argc, char **argv)
{
	bench_machine_print(stdout);
	bench_json_begin("tap_io", argc, argv);
	int rounds = argc > 1 ? atoi(argv[1]) : 2;
	const char *only = getenv("TR_BENCH_ONLY");   /* "tx" or "rx" */
	if (rounds < 1 || rounds > 10)
		rounds = 2;
	g_app_wait = getenv("TR_BENCH_APP_WAIT") && !strcmp(getenv("TR_BENCH_APP_WAIT"), "1");
	t_require_net_admin();
	int fd = -1;
	io_tap_setup(g_ns, g_dev, 1, &fd);
	t_sh("ip -n %s link set %s txqueuelen 65536", g_ns, g_dev);

	g_full_copy = getenv("TR_BENCH_FULLCOPY") != NULL;
	if (getenv("TR_BENCH_OVERHEAD")) {
		overhead(fd, rounds);
		close(fd);
		return 0;
	}
	if (getenv("TR_BENCH_SRC_BURST"))
		g_src_burst = (unsigned)atoi(getenv("TR_BENCH_SRC_BURST"));
	if (getenv("TR_BENCH_RAW")) {
		for (int i = 0; i < 4; i++) {
			unsigned len = i % 2 ? 1514 : 64;
			struct res p = tx_plain(fd, len, 200000);
			struct res q = tx_raw(fd, len, 400000, (unsigned)(i / 2 ? 64 : 1));
			printf("raw  tx %-5u bufs=%-2d plain %8.0f pps %5.0f ns  bare io_uring %8.0f pps %5.0f ns  %5.2fx\n",
			       len, i / 2 ? 64 : 1, p.pps, p.cpu_ns, q.pps, q.cpu_ns, q.pps / p.pps);
			bench_json_row("\"dir\": \"tx\", \"len\": %u, \"path\": \"bare_uring\", \"bufs\": %d, "
				       "\"plain_pps\": %.0f, \"plain_cpu_ns\": %.1f, \"pps\": %.0f, \"cpu_ns\": %.1f",
				       len, i / 2 ? 64 : 1, p.pps, p.cpu_ns, q.pps, q.cpu_ns);
		}
		for (int i = 0; i < 4; i++) {
			unsigned len = i % 2 ? 1514 : 64;
			struct res p = rx_plain(fd, len, 60000);
			struct res q = rx_raw(fd, len, 60000);
			printf("raw  rx %-5u         plain %8.0f pps %5.0f ns  bare io_uring %8.0f pps %5.0f ns  %5.2fx\n",
			       len, p.pps, p.cpu_ns, q.pps, q.cpu_ns, q.pps / p.pps);
			bench_json_row("\"dir\": \"rx\", \"len\": %u, \"path\": \"bare_uring\", "
				       "\"plain_pps\": %.0f, \"plain_cpu_ns\": %.1f, \"pps\": %.0f, \"cpu_ns\": %.1f",
				       len, p.pps, p.cpu_ns, q.pps, q.cpu_ns);
		}
	}
	/* TR_BENCH_LENS=64,256,...: the frame sizes (default 64 and 1514) */
	unsigned lens[16] = { 64, 1514 };
	size_t nlens = 2;
	if (getenv("TR_BENCH_LENS")) {
		char *p = getenv("TR_BENCH_LENS");
		for (nlens = 0; *p && nlens < 16; p++) {
			unsigned long v = strtoul(p, &p, 10);
			if (v >= 60 && v <= 1514)
				lens[nlens++] = (unsigned)v;
			if (!*p)
				break;
		}
		if (nlens == 0)
			lens[nlens++] = 64;
	}
	printf("tap_io: TAP frames, engine (io_uring, default config) vs plain read()/write() per frame\n");
	printf("  engine paths: stage = frames made/consumed by a stage on the worker (run to completion);\n"
	       "  app = through the SPSC rings to/from an application thread; ms = multishot read, rd = plain reads\n");
	printf("  pps = wall-clock frames/s; cpu_ns = CPU ns per frame over every thread involved\n");
	printf("%-4s %-5s %-9s %10s %9s %10s %9s %7s %7s\n", "dir", "bytes", "engine", "plain_pps",
	       "plain_cpu", "eng_pps", "eng_cpu", "pps_x", "cpu_x");
	for (int dir = 0; dir < 2; dir++) {
		if (only && strcmp(only, dir ? "rx" : "tx") != 0)
			continue;
		for (size_t li = 0; li < nlens; li++) {
			unsigned len = lens[li];
			if (getenv("TR_BENCH_LEN") && (unsigned)atoi(getenv("TR_BENCH_LEN")) != len)
				continue;
			unsigned n = dir == 0 ? (len < 512 ? 400000 : 200000) : 60000;
			static const enum tr_engine_rx_mode modes[] = { TR_ENGINE_RX_MULTISHOT, TR_ENGINE_RX_MULTISHOT,
									TR_ENGINE_RX_READ, TR_ENGINE_RX_READ };
			static const char *const mname[] = { "ms/stage", "ms/app", "rd/stage", "rd/app" };
			static const char *const tname[] = { "wr/stage", "wr/app" };
			for (int m = 0; m < (dir ? 4 : 2); m++) {
				struct res bs = { 0, 0 }, es = { 0, 0 };
				const char *name = dir ? mname[m] : tname[m];
				bool stage = (m % 2) == 0;
				for (int r = 0; r < rounds; r++) {
					uint64_t rearm = 0;
					struct res p = dir ? rx_plain(fd, len, n) : tx_plain(fd, len, n);
					struct res q = dir ? rx_engine(fd, len, n, modes[m], &rearm, stage)
						     : stage ? tx_engine_stage(fd, len, n)
							     : tx_engine(fd, len, n, TR_ENGINE_RX_AUTO);
					printf("%-4s %-5u %-9s %10.0f %9.0f %10.0f %9.0f %6.2fx %6.2fx\n",
					       dir ? "rx" : "tx", len, name, p.pps, p.cpu_ns, q.pps, q.cpu_ns,
					       q.pps / p.pps, p.cpu_ns / q.cpu_ns);
					bs.pps += p.pps / rounds; bs.cpu_ns += p.cpu_ns / rounds;
					es.pps += q.pps / rounds; es.cpu_ns += q.cpu_ns / rounds;
				}
				printf("%-4s %-5u %-9s %10.0f %9.0f %10.0f %9.0f %6.2fx %6.2fx  mean of %d\n",
				       dir ? "RX" : "TX", len, name, bs.pps, bs.cpu_ns, es.pps, es.cpu_ns,
				       es.pps / bs.pps, bs.cpu_ns / es.cpu_ns, rounds);
				bench_json_row("\"dir\": \"%s\", \"len\": %u, \"path\": \"%s\", \"rounds\": %d, "
					       "\"src_burst\": %u, \"batch\": %d, \"plain_pps\": %.0f, "
					       "\"plain_cpu_ns\": %.1f, \"pps\": %.0f, \"cpu_ns\": %.1f",
					       dir ? "rx" : "tx", len, name, rounds, g_src_burst,
					       getenv("TR_BENCH_BATCH") ? atoi(getenv("TR_BENCH_BATCH")) : 0,
					       bs.pps, bs.cpu_ns, es.pps, es.cpu_ns);
			}
		}
	}
	close(fd);
	return 0;
}
