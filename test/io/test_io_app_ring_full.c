/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A slow application never stalls receive: with a 16-slot app ring and no
 * consumer, 16 frames are delivered and the rest are counted as
 * "app_ring_full" drops while rx keeps going. Also covers config errors
 * and a failing stage init().
 */
#include "io_test.h"

#define N 300u

static int fini_calls;

static int ok_init(void *arg, struct tr_worker *w) { (void)arg; (void)w; return 0; }
static int bad_init(void *arg, struct tr_worker *w) { (void)arg; (void)w; return -EIO; }
static void nop_process(void *arg, struct tr_worker *w, struct tr_buf **b, uint32_t *a, unsigned n)
{
	(void)arg; (void)w; (void)b; (void)a; (void)n;
}
static void count_fini(void *arg, struct tr_worker *w)
{
	(void)arg; (void)w;
	__atomic_fetch_add(&fini_calls, 1, __ATOMIC_RELAXED);
}

/* A stage init() failure: start returns it, earlier stages are finalised,
 * nothing is left running and every buffer is back. */
static void init_failure(void)
{
	int sp[2], err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config c = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1 };
	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	struct tr_stage good = { .name = "good", .init = ok_init, .process = nop_process, .fini = count_fini };
	struct tr_stage bad = { .name = "bad", .init = bad_init, .process = nop_process, .fini = count_fini };
	T_CHECK_EQ(tr_engine_add_stage(e, &good), 0);
	T_CHECK_EQ(tr_engine_add_stage(e, &bad), 0);
	T_CHECK_EQ(tr_engine_start(e), -EIO);
	T_CHECK_EQ(fini_calls, 1);             /* only the stage whose init succeeded */
	T_CHECK(!tr_engine_running(e, 0));
	T_CHECK_EQ(tr_engine_wait(e, 0), 0);
	T_CHECK_EQ(tr_engine_start(e), -EBUSY);
	tr_engine_stop(e);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 1024);
	tr_engine_destroy(e);
	close(sp[0]);
	close(sp[1]);
}

static void config_errors(void)
{
	int fd = 0, err = 0;
	struct tr_engine_config c = { .fds = &fd, .nqueues = 1, .cpu_base = -1 };
	struct tr_engine_config bad;
	bad = c; bad.nqueues = 0;
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	bad = c; bad.nbufs = 1000;                 /* not a power of two */
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	bad = c; bad.nbufs = 131072;               /* bids are 16 bits */
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	bad = c; bad.app_ring_size = 100;
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	bad = c; bad.headroom = 4096;              /* >= buf_size */
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	int badfd = -1;
	bad = c; bad.fds = &badfd;
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EBADF);
	T_CHECK(tr_engine_create(NULL, &err) == NULL && err == -EINVAL);

	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_nreasons(e), TR_ENGINE_DROP_BUILTIN_COUNT);
	T_CHECK_EQ(tr_engine_counter(e, ""), -EINVAL);
	T_CHECK_EQ(tr_engine_counter(e, "a_name_that_is_much_too_long_for_the_table"), -EINVAL);
	char name[32];
	int last = 0;
	for (unsigned i = TR_ENGINE_DROP_BUILTIN_COUNT; i < TR_ENGINE_MAX_REASONS; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		last = tr_engine_counter(e, name);
	}
	T_CHECK_EQ(last, TR_ENGINE_MAX_REASONS - 1);
	T_CHECK_EQ(tr_engine_counter(e, "one_more"), -ENOSPC);
	struct tr_stage st = { .name = "x" };
	T_CHECK_EQ(tr_engine_add_stage(e, &st), -EINVAL);   /* no process() */
	T_CHECK_EQ(tr_engine_stop(e), 0);                   /* never started */
	tr_engine_destroy(e);
}

int main(void)
{
	config_errors();
	init_failure();

	int sp[2];
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config cfg = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024,
					.app_ring_size = 16, .cpu_base = -1 };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);
	uint8_t f[64];
	for (uint32_t s = 0; s < N; s++) {
		io_frame(f, 60, s, 0);
		T_ASSERT(write(sp[1], f, 60) == 60);
	}
	T_CHECK_EQ(io_wait_rx(e, N, 5000), N);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	struct tr_engine_reason_stat r;
	T_CHECK_EQ(tr_engine_reason(e, 0, TR_ENGINE_DROP_APP_RING_FULL, &r), 0);
	T_CHECK_EQ(st.rx, N);
	T_CHECK_EQ(st.delivered, 16);
	T_CHECK_EQ(r.count, N - 16);
	T_CHECK_EQ(st.dropped, N - 16);
	T_CHECK(io_invariant(e, &st));
	/* The 16 delivered frames are still there after stop, oldest first. */
	struct tr_buf *b[32];
	unsigned n = tr_engine_rx_burst(e, 0, b, 32);
	T_CHECK_EQ(n, 16);
	uint32_t s0 = 1;
	if (n)
		memcpy(&s0, b[0]->data + 43, 4);
	T_CHECK_EQ(s0, 0);
	for (unsigned i = 0; i < n; i++)
		tr_engine_buf_free(e, b[i]);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 1024);
	tr_engine_destroy(e);
	close(sp[0]);
	close(sp[1]);
	return t_done();
}
