/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Receive notification (tr_engine_rx_wait, rx_arm + rx_fd), run in the TSan
 * build too: the application sleeps on an idle queue and the worker wakes
 * it.
 *
 *   1. Arguments: a bad queue, a manual engine -> -EINVAL.
 *   2. An idle queue: rx_wait times out with 0, after sleeping.
 *   3. Ping-pong, N rounds: a feeder thread writes one frame, waits until
 *      the application has taken it, pauses, writes the next. The
 *      application sleeps between frames (rx_wait, or rx_arm + poll on
 *      rx_fd on odd rounds), each wait bounded by 5 s. A lost wake-up (the
 *      Dekker handshake between rx_arm and deliver() failing) shows as a
 *      wait that times out (5 s) while a frame is waiting: none may.
 *   4. The worker exiting (the peer closed: end of file) wakes an
 *      application blocked in rx_wait, which returns -EPIPE; after stop,
 *      frames still on the ring are returned first.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#include "io_test.h"

#define N 3000u

static struct tr_engine *eng;
static int sp[2];
static atomic_uint taken;    /* frames the application took (feeder waits on it) */
static atomic_uint sent;     /* frames the feeder wrote */
static atomic_bool app_done; /* the application gave up: the feeder stops too */

static void *feeder(void *arg)
{
	(void)arg;
	uint8_t f[64];
	uint64_t end = io_now_ms() + 60000;
	for (uint32_t s = 0; s < N && io_now_ms() < end; s++) {
		/* Relaxed: the count is only a pacing signal. */
		while (atomic_load_explicit(&taken, memory_order_relaxed) < s && io_now_ms() < end)
			if (atomic_load_explicit(&app_done, memory_order_relaxed))
				return NULL;
			else
				sched_yield();
		if (s % 3) {   /* pauses of 0, 50 and 100 us: the app is asleep or about to be */
			struct timespec ts = { 0, (long)(s % 3) * 50000 };
			nanosleep(&ts, NULL);
		}
		io_frame(f, 60, s, 0);
		if (write(sp[1], f, 60) != 60)
			break;
		/* Relaxed: read by the app's lost-wake-up check only. */
		atomic_fetch_add_explicit(&sent, 1, memory_order_relaxed);
	}
	return NULL;
}

struct app_res {
	unsigned got, waits, woken, timeouts_pending, in_order;
	unsigned arm_waiting, polled;
	int err;
};

static void *app(void *arg)
{
	struct app_res *r = arg;
	struct tr_buf *b[8];
	uint64_t end = io_now_ms() + 60000;
	uint32_t next = 0;
	while (r->got < N && io_now_ms() < end && r->timeouts_pending < 3) {
		unsigned n = tr_engine_rx_burst(eng, 0, b, 8);
		for (unsigned i = 0; i < n; i++) {
			uint32_t s;
			memcpy(&s, b[i]->data + 43, 4);
			if (s == next++)
				r->in_order++;
		}
		if (n) {
			tr_engine_buf_free_burst(eng, b, n);
			r->got += n;
			/* Relaxed: a pacing signal for the feeder. */
			atomic_store_explicit(&taken, r->got, memory_order_relaxed);
			continue;
		}
		int w;
		r->waits++;
		if (r->waits % 2) {
			w = tr_engine_rx_wait(eng, 0, 5000);
		} else {
			/* The two-step form, as an event loop would use it. */
			w = tr_engine_rx_arm(eng, 0);
			if (w == 0) {
				struct pollfd p = { .fd = tr_engine_rx_fd(eng, 0), .events = POLLIN };
				int pr = poll(&p, 1, 5000);
				r->polled++;
				if (pr == 1) {
					uint64_t v;
					T_CHECK(read(p.fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
					w = 1;
				}
			} else if (w > 0) {
				r->arm_waiting++;
			}
		}
		if (w > 0) {
			r->woken++;
		} else if (w == 0) {
			/* Relaxed: the feeder's count; a frame written before the
			 * wait began and not received within 5 s is a lost wake-up. */
			if (atomic_load_explicit(&sent, memory_order_relaxed) > r->got)
				r->timeouts_pending++;
		} else {
			r->err = w;
			break;
		}
	}
	/* Relaxed: a stop flag; nothing is published through it. */
	atomic_store_explicit(&app_done, true, memory_order_relaxed);
	return NULL;
}

static void check_args(void)
{
	struct tr_engine_config cfg = { .fds = &sp[0], .nqueues = 1, .nbufs = 256, .cpu_base = -1 };
	int err;
	T_CHECK_EQ(tr_engine_rx_wait(eng, 1, 0), -EINVAL);
	T_CHECK_EQ(tr_engine_rx_arm(eng, 1), -EINVAL);
	T_CHECK_EQ(tr_engine_rx_fd(eng, 1), -EINVAL);
	T_CHECK(tr_engine_rx_fd(eng, 0) >= 0);
	cfg.manual = true;
	struct tr_engine *m = tr_engine_create(&cfg, &err);
	T_ASSERT(m != NULL);
	T_CHECK_EQ(tr_engine_rx_wait(m, 0, 0), -EINVAL);
	T_CHECK_EQ(tr_engine_rx_arm(m, 0), -EINVAL);
	T_CHECK_EQ(tr_engine_rx_fd(m, 0), -EINVAL);
	tr_engine_destroy(m);
}

struct blocked {
	int r;
	uint64_t ms;
};

static void *block_in_wait(void *arg)
{
	struct blocked *bl = arg;
	uint64_t t0 = io_now_ms();
	bl->r = tr_engine_rx_wait(eng, 0, 20000);
	bl->ms = io_now_ms() - t0;
	return NULL;
}

/* 4b. after tr_engine_stop, frames still on the ring come first, then
 * -EPIPE at once. */
static void stopped_with_frames(void)
{
	int s2[2];
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s2) == 0);
	struct tr_engine_config cfg = { .fds = &s2[0], .nqueues = 1, .nbufs = 256, .cpu_base = -1 };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	uint8_t f[64];
	for (uint32_t s = 0; s < 2; s++) {
		io_frame(f, 60, s, 0);
		T_ASSERT(write(s2[1], f, 60) == 60);
	}
	T_CHECK_EQ(io_wait_rx(e, 2, 5000), 2);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	T_CHECK_EQ(tr_engine_rx_wait(e, 0, 5000), 2);
	T_CHECK_EQ(tr_engine_rx_arm(e, 0), 2);
	struct tr_buf *b[2];
	T_CHECK_EQ(tr_engine_rx_burst(e, 0, b, 2), 2);
	tr_engine_buf_free_burst(e, b, 2);
	uint64_t t0 = io_now_ms();
	T_CHECK_EQ(tr_engine_rx_wait(e, 0, 5000), -EPIPE);
	T_CHECK(io_now_ms() - t0 < 4000);
	tr_engine_destroy(e);
	close(s2[0]);
	close(s2[1]);
}

int main(void)
{
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config cfg = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1,
					.app_ring_size = 256, .batch = 32 };
	int err;
	eng = tr_engine_create(&cfg, &err);
	T_ASSERT(eng != NULL);
	check_args();
	T_CHECK_EQ(tr_engine_start(eng), 0);

	/* 2. idle: a timeout, after a real sleep (lower bound only) */
	uint64_t t0 = io_now_ms();
	T_CHECK_EQ(tr_engine_rx_wait(eng, 0, 60), 0);
	T_CHECK(io_now_ms() - t0 >= 50);
	/* arm then disarm by finding frames: one frame, then arm sees it */
	uint8_t f[64];
	io_frame(f, 60, 0, 0);
	T_ASSERT(write(sp[1], f, 60) == 60);
	T_CHECK_EQ(io_wait_rx(eng, 1, 5000), 1);
	T_CHECK_EQ(tr_engine_rx_arm(eng, 0), 1);
	T_CHECK_EQ(tr_engine_rx_wait(eng, 0, 0), 1);
	struct tr_buf *one;
	T_CHECK_EQ(tr_engine_rx_burst(eng, 0, &one, 1), 1);
	tr_engine_buf_free(eng, one);

	/* 3. ping-pong */
	struct app_res res;
	memset(&res, 0, sizeof(res));
	pthread_t tf, ta;
	T_ASSERT(pthread_create(&ta, NULL, app, &res) == 0);
	T_ASSERT(pthread_create(&tf, NULL, feeder, NULL) == 0);
	pthread_join(tf, NULL);
	pthread_join(ta, NULL);
	printf("ping-pong: %u frames, %u waits, %u woken (%u found frames when arming), %u polls, "
	       "%u lost wake-ups\n", res.got, res.waits, res.woken, res.arm_waiting, res.polled,
	       res.timeouts_pending);
	T_CHECK_EQ(res.err, 0);
	T_CHECK_EQ(res.got, N);
	T_CHECK_EQ(res.in_order, N);
	T_CHECK_EQ(res.timeouts_pending, 0);
	/* The feeder waits for each frame to be taken, so the app must have
	 * gone to wait between frames, and been woken, many times over. */
	T_CHECK(res.waits >= N / 2);
	T_CHECK(res.woken >= N / 2);
	T_CHECK(res.polled > 0);

	/* 4a. the worker exits (end of file on the socket): a waiter blocked
	 * on the empty ring wakes with -EPIPE, long before its 20 s timeout */
	struct blocked bl = { 1, 0 };
	pthread_t tb;
	T_ASSERT(pthread_create(&tb, NULL, block_in_wait, &bl) == 0);
	io_sleep_ms(50);
	close(sp[1]);
	pthread_join(tb, NULL);
	T_CHECK_EQ(bl.r, -EPIPE);
	T_CHECK(bl.ms < 10000);
	T_CHECK_EQ(tr_engine_wait(eng, 10000), 0);   /* the worker exited by itself */
	t0 = io_now_ms();
	T_CHECK_EQ(tr_engine_rx_wait(eng, 0, 5000), -EPIPE);
	T_CHECK(io_now_ms() - t0 < 4000);
	T_CHECK_EQ(tr_engine_rx_arm(eng, 0), -EPIPE);
	tr_engine_stop(eng);
	struct tr_engine_stats st;
	tr_engine_stats(eng, &st);
	T_CHECK_EQ(st.rx, N + 1);
	T_CHECK_EQ(st.delivered, N + 1);
	T_CHECK_EQ(st.dropped, 0);
	T_CHECK(io_invariant(eng, &st));
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(eng)), 1024);
	tr_engine_destroy(eng);
	close(sp[0]);
	stopped_with_frames();
	return t_done();
}
