/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's large buffer class through every release and transmit path
 * (no root: a SOCK_SEQPACKET socketpair is the queue fd), both rx paths:
 *  - stage init(): tr_worker_alloc_large until the class is empty; the
 *    last call returns NULL and counts large_empty; tr_worker_buf_room is
 *    large_buf_size - headroom; the buffers go back with tr_worker_drop;
 *  - per received frame (seq % 4), a large copy that is
 *      0: sent with tr_worker_tx (originated), the original dropped;
 *      1: put in bufs[i] and delivered (TR_ACT_DELIVER), the original
 *         released with tr_engine_buf_free;
 *      2: put in bufs[i] and sent with TR_ACT_TX (forwarded);
 *      3: dropped with tr_worker_drop, the original delivered;
 *  - the application frees delivered frames (both classes mixed) with
 *    tr_engine_buf_free_burst and sends large frames of its own with
 *    tr_engine_tx_burst;
 *  - at the end both classes are full again and the invariant holds.
 */
#include "io_test.h"

#define NFRAMES 200u
#define LARGE_N 8u
#define LARGE_SIZE 16384u

static int r_copied, r_test;
static int init_ok;

static int large_init(void *arg, struct tr_worker *w)
{
	(void)arg;
	struct tr_buf *b[LARGE_N + 1];
	unsigned n = 0;
	while (n <= LARGE_N && (b[n] = tr_worker_alloc_large(w)) != NULL)
		n++;
	init_ok = n == LARGE_N;
	for (unsigned i = 0; i < n; i++) {
		if (tr_worker_buf_room(w, b[i]) != LARGE_SIZE - 128)
			init_ok = 0;
		tr_worker_drop(w, b[i], r_test);
	}
	return 0;
}

static void large_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg;
	struct tr_engine *e = tr_worker_engine(w);
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *o = bufs[i];
		uint32_t s;
		memcpy(&s, o->data + 43, 4);
		struct tr_buf *l = tr_worker_alloc_large(w);
		if (!l) {
			acts[i] = TR_ACT_DROP(r_test);
			continue;
		}
		if (tr_worker_buf_room(w, l) < o->len + 1000) {
			tr_worker_drop(w, l, r_test);
			acts[i] = TR_ACT_DROP(r_test);
			continue;
		}
		memcpy(l->data, o->data, o->len);
		memset(l->data + o->len, 0x5a, 1000);   /* beyond a small buffer's frame */
		l->len = o->len + 1000;
		switch (s % 4) {
		case 0:
			if (tr_worker_tx(w, l) != 0)
				tr_worker_drop(w, l, r_test);
			acts[i] = TR_ACT_DROP(r_copied);
			break;
		case 1:
			bufs[i] = l;
			acts[i] = TR_ACT_DELIVER;
			tr_engine_buf_free(e, o);
			break;
		case 2:
			bufs[i] = l;
			acts[i] = TR_ACT_TX;
			tr_engine_buf_free(e, o);
			break;
		default:
			tr_worker_drop(w, l, r_test);
			acts[i] = TR_ACT_DELIVER;
			break;
		}
	}
}

static void run(enum tr_engine_rx_mode mode)
{
	int sp[2], err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	int big = 1 << 20;
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct tr_engine_config c = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1,
				      .rx_mode = mode, .large_nbufs = LARGE_N,
				      .large_buf_size = LARGE_SIZE };
	/* Validation of the large fields. */
	struct tr_engine_config bad = c;
	bad.large_nbufs = 6;
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);
	bad.large_nbufs = 8;
	bad.large_buf_size = 1024;
	T_CHECK(tr_engine_create(&bad, &err) == NULL && err == -EINVAL);

	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	struct tr_slab *slab = tr_engine_slab(e);
	T_CHECK_EQ(tr_slab_large_nbufs(slab), LARGE_N);
	r_copied = tr_engine_counter(e, "test.copied");
	r_test = tr_engine_counter(e, "test.large");
	T_ASSERT(r_copied >= 0 && r_test >= 0);
	struct tr_stage st = { .name = "large", .init = large_init, .process = large_process };
	T_CHECK_EQ(tr_engine_add_stage(e, &st), 0);
	T_CHECK_EQ(tr_engine_start(e), 0);
	T_CHECK(init_ok);

	uint8_t f[2048];
	unsigned delivered = 0, large_seen = 0, back = 0, bad_back = 0;
	for (uint32_t s = 0; s < NFRAMES; s++) {
		io_frame(f, 200, s, 0);
		T_ASSERT(write(sp[1], f, 200) == 200);
		/* Pace: keep fewer than LARGE_N large buffers in flight. */
		if (s % 2 == 1) {
			io_wait_rx(e, s + 1, 5000);
			struct tr_buf *b[64];
			unsigned n;
			uint64_t end = io_now_ms() + 2000;
			do {
				n = tr_engine_rx_burst(e, 0, b, 64);
				for (unsigned i = 0; i < n; i++) {
					if (tr_slab_buf_is_large(slab, b[i])) {
						large_seen++;
						if (b[i]->len != 1200 || b[i]->data[1199] != 0x5a)
							bad_back++;
					}
				}
				tr_engine_buf_free_burst(e, b, n);
				delivered += n;
			} while (delivered < (s + 1) / 2 && io_now_ms() < end);
			while (recv(sp[1], f, sizeof(f), MSG_DONTWAIT) > 0)
				back++;
		}
	}
	/* The application sends large frames too. */
	struct tr_buf *ab[4];
	unsigned na = 0;
	for (; na < 4; na++) {
		ab[na] = tr_slab_alloc_large(slab);
		T_ASSERT(ab[na] != NULL);
		io_frame(ab[na]->data, 3000, 1000 + na, 0);
		ab[na]->len = 3000;
		ab[na]->queue = 0;
	}
	T_CHECK_EQ(tr_engine_tx_burst(e, 0, ab, 4), 4);
	uint64_t end = io_now_ms() + 3000;
	unsigned app_back = 0;
	while ((back < NFRAMES / 2 || app_back < 4) && io_now_ms() < end) {
		ssize_t r = recv(sp[1], f, sizeof(f), MSG_DONTWAIT);
		if (r == 1200)
			back++;
		else if (r == 2048)   /* 3000 bytes, truncated by our buffer */
			app_back++;
		else if (r < 0)
			io_sleep_ms(1);
		else
			bad_back++;
	}
	T_CHECK_EQ(back, NFRAMES / 2);
	T_CHECK_EQ(app_back, 4);
	T_CHECK_EQ(bad_back, 0);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	delivered += io_drain_app(e);
	T_CHECK_EQ(delivered, NFRAMES / 2);
	T_CHECK_EQ(large_seen, NFRAMES / 4);

	struct tr_engine_stats s;
	tr_engine_stats(e, &s);
	T_CHECK_EQ(s.rx, NFRAMES);
	T_CHECK_EQ(s.tx_originated, NFRAMES / 4);
	T_CHECK_EQ(s.tx_forwarded, NFRAMES / 4);
	T_CHECK_EQ(s.tx_app, 4);
	T_CHECK(io_invariant(e, &s));
	struct tr_engine_reason_stat r;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_LARGE_EMPTY, &r), 0);
	T_CHECK_EQ(r.orig_count, 1);                         /* init's last call */
	T_CHECK_STR(r.name, "large_empty");
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, (unsigned)r_test, &r), 0);
	T_CHECK_EQ(r.orig_count, LARGE_N + NFRAMES / 4);    /* init's + case 3 */
	T_CHECK_EQ(r.count, 0);
	T_CHECK_EQ(tr_slab_available(slab), 1024);
	T_CHECK_EQ(tr_slab_large_available(slab), LARGE_N);
	tr_engine_destroy(e);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	run(TR_ENGINE_RX_MULTISHOT);
	run(TR_ENGINE_RX_READ);
	return t_done();
}
