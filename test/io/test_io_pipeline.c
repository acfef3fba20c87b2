/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stage pipeline, every action kind, the app hand-off and the accounting
 * invariant, on both rx paths (multishot read and plain reads, and once with
 * an SQPOLL ring), without
 * root: each queue fd is one end of a SOCK_SEQPACKET socketpair.
 *
 * Frame seq s (4 bytes at offset 43) decides its fate in stage "cls":
 *   s%5==0 drop ("t_drop")   s%5==1 TR_ACT_TX      s%5==2 TR_ACT_DELIVER
 *   s%5==3 stolen; s%3==0 sent at once from inside process(), the others
 *          released from poll(): even s tx, odd s dropped ("t_stolen")
 *   s%5==4 NEXT -> stage "pass" -> delivered after the last stage
 * and for s%10==0 the stage also originates one frame (tx_originated).
 * The application sends back delivered frames with even s (tx_app) and
 * frees the rest. Every count is checked exactly, then the pool is full.
 */
#include <poll.h>

#include "io_test.h"

#define NQ 2
#define NFRAMES 1000u
#define MAXSTOLEN 4096

struct cls_state {
	int r_drop, r_stolen;
	struct tr_buf *stolen[NQ][MAXSTOLEN];
	unsigned nstolen[NQ];
	unsigned inits, finis;
};

static uint32_t seq_of(const struct tr_buf *b)
{
	uint32_t s;
	memcpy(&s, b->data + 43, 4);
	return s;
}

static int cls_init(void *arg, struct tr_worker *w)
{
	struct cls_state *c = arg;
	(void)w;
	__atomic_fetch_add(&c->inits, 1, __ATOMIC_RELAXED);   /* test-only tally */
	return 0;
}

static void cls_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct cls_state *c = arg;
	unsigned q = tr_worker_queue(w);
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = seq_of(bufs[i]);
		switch (s % 5) {
		case 0: acts[i] = TR_ACT_DROP(c->r_drop); break;
		case 1: acts[i] = TR_ACT_TX; break;
		case 2: acts[i] = TR_ACT_DELIVER; break;
		case 3:
			if (s % 3 == 0) {
				/* steal and send at once, from inside process() */
				acts[i] = TR_ACT_STOLEN;
				if (tr_worker_tx(w, bufs[i]) != 0)
					tr_worker_drop(w, bufs[i], c->r_drop);
			} else if (c->nstolen[q] < MAXSTOLEN) {
				c->stolen[q][c->nstolen[q]++] = bufs[i];
				acts[i] = TR_ACT_STOLEN;
			} else {
				acts[i] = TR_ACT_DROP(c->r_drop);
			}
			break;
		default: acts[i] = TR_ACT_NEXT; break;
		}
		if (s % 10 == 0) {
			struct tr_buf *o = tr_worker_alloc(w);
			if (o) {
				io_frame(o->data, 60, 0xffffff00u + (s & 0xff), 0);
				o->len = 60;
				if (tr_worker_tx(w, o) != 0)
					tr_worker_drop(w, o, c->r_drop);
			}
		}
	}
}

static void cls_release(struct cls_state *c, struct tr_worker *w)
{
	unsigned q = tr_worker_queue(w);
	for (unsigned i = 0; i < c->nstolen[q]; i++) {
		struct tr_buf *b = c->stolen[q][i];
		if (seq_of(b) % 2 == 0 && tr_worker_tx(w, b) == 0)
			continue;
		tr_worker_drop(w, b, c->r_stolen);
	}
	c->nstolen[q] = 0;
}

static void cls_poll(void *arg, struct tr_worker *w, uint64_t now)
{
	(void)now;
	cls_release(arg, w);
}

static void cls_fini(void *arg, struct tr_worker *w)
{
	struct cls_state *c = arg;
	cls_release(c, w);
	__atomic_fetch_add(&c->finis, 1, __ATOMIC_RELAXED);
}

static void pass_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	unsigned *seen = arg;
	(void)w; (void)bufs; (void)acts;
	__atomic_fetch_add(seen, n, __ATOMIC_RELAXED);
}

static void run(enum tr_engine_rx_mode mode, bool sqpoll)
{
	int sp[NQ][2], fds[NQ];
	static struct cls_state cs;
	unsigned pass_seen = 0;
	memset(&cs, 0, sizeof(cs));
	for (unsigned q = 0; q < NQ; q++) {
		T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp[q]) == 0);
		fds[q] = sp[q][0];
	}
	struct tr_engine_config cfg = {
		.fds = fds, .nqueues = NQ, .nbufs = 4096, .batch = 32, .cpu_base = -1,
		.rx_mode = mode, .app_ring_size = 2048, .idle_us = 500, .sqpoll = sqpoll,
	};
	int err = 0;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e && mode == TR_ENGINE_RX_MULTISHOT && err == -ENOTSUP) {
		printf("multishot read unsupported here: only the read path ran\n");
		return;
	}
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_rx_mode(e, 0), mode);
	cs.r_drop = tr_engine_counter(e, "t_drop");
	cs.r_stolen = tr_engine_counter(e, "t_stolen");
	T_CHECK(cs.r_drop >= TR_ENGINE_DROP_BUILTIN_COUNT);
	T_CHECK_EQ(tr_engine_counter(e, "t_drop"), cs.r_drop);          /* lookup, not a new id */
	T_CHECK_EQ(tr_engine_counter(e, "app_ring_full"), TR_ENGINE_DROP_APP_RING_FULL);
	struct tr_stage s1 = { .name = "cls", .arg = &cs, .init = cls_init, .process = cls_process,
			       .poll = cls_poll, .fini = cls_fini };
	struct tr_stage s2 = { .name = "pass", .arg = &pass_seen, .process = pass_process };
	T_CHECK_EQ(tr_engine_add_stage(e, &s1), 0);
	T_CHECK_EQ(tr_engine_add_stage(e, &s2), 0);
	T_CHECK_EQ(tr_engine_start(e), 0);
	T_CHECK_EQ(tr_engine_add_stage(e, &s2), -EBUSY);
	T_CHECK_EQ(tr_engine_counter(e, "late"), -EBUSY);
	T_CHECK(tr_engine_running(e, 0) && tr_engine_running(e, 1));

	/* Inject: queue q gets seq with s % NQ == q. */
	uint8_t f[128];
	for (uint32_t s = 0; s < NFRAMES; s++) {
		io_frame(f, 60, s, s);
		T_ASSERT(write(sp[s % NQ][1], f, 60) == 60);
	}
	uint64_t got = io_wait_rx(e, NFRAMES, 5000);
	T_CHECK_EQ(got, NFRAMES);
	struct tr_engine_stats mid;
	tr_engine_stats(e, &mid);
	T_CHECK(mid.held <= NFRAMES);   /* a gauge read while running never wraps */

	/* Application: send back even seq, free odd. */
	unsigned expect_deliv = 0, expect_fwd = 0, expect_drop = 0, expect_stolen_drop = 0, expect_orig = 0,
		 expect_app = 0;
	for (uint32_t s = 0; s < NFRAMES; s++) {
		switch (s % 5) {
		case 0: expect_drop++; break;
		case 1: expect_fwd++; break;
		case 3:
			if (s % 3 == 0 || s % 2 == 0)
				expect_fwd++;
			else
				expect_stolen_drop++;
			break;
		default: expect_deliv++; if (s % 2 == 0) expect_app++; break;
		}
		if (s % 10 == 0)
			expect_orig++;
	}
	unsigned app_rx = 0, app_tx = 0;
	uint64_t end = io_now_ms() + 5000;
	while (app_rx < expect_deliv && io_now_ms() < end) {
		for (unsigned q = 0; q < NQ; q++) {
			struct tr_buf *b[32];
			unsigned n = tr_engine_rx_burst(e, q, b, 32);
			for (unsigned i = 0; i < n; i++) {
				T_CHECK_EQ(b[i]->queue, q);
				T_CHECK_EQ(b[i]->len, 60);
				if (seq_of(b[i]) % 2 == 0) {
					if (tr_engine_tx_burst(e, q, &b[i], 1) == 1) {
						app_tx++;
						continue;
					}
				}
				tr_engine_buf_free(e, b[i]);
			}
			app_rx += n;
		}
		io_sleep_ms(1);
	}
	T_CHECK_EQ(app_rx, expect_deliv);
	T_CHECK_EQ(app_tx, expect_app);

	/* The far ends must see every tx'd frame: forwarded + originated + app. */
	unsigned want_out = expect_fwd + expect_orig + expect_app, out = 0;
	end = io_now_ms() + 5000;
	while (out < want_out && io_now_ms() < end) {
		for (unsigned q = 0; q < NQ; q++) {
			uint8_t rb[2048];
			while (recv(sp[q][1], rb, sizeof(rb), MSG_DONTWAIT) > 0)
				out++;
		}
		io_sleep_ms(1);
	}
	T_CHECK_EQ(out, want_out);

	T_CHECK_EQ(tr_engine_stop(e), 0);
	T_CHECK_EQ(tr_engine_stop(e), 0);   /* idempotent */
	T_CHECK_EQ(cs.inits, NQ);
	T_CHECK_EQ(cs.finis, NQ);
	T_CHECK_EQ(pass_seen, NFRAMES / 5);  /* only s%5==4 reach the second stage */

	struct tr_engine_stats st, q0, q1;
	tr_engine_stats(e, &st);
	T_CHECK_EQ(st.rx, NFRAMES);
	T_CHECK_EQ(st.rx_bytes, NFRAMES * 60ull);
	T_CHECK_EQ(st.delivered, expect_deliv);
	T_CHECK_EQ(st.tx_forwarded, expect_fwd);
	T_CHECK_EQ(st.tx_originated, expect_orig);
	T_CHECK_EQ(st.tx_app, expect_app);
	T_CHECK_EQ(st.tx, want_out);
	T_CHECK_EQ(st.held, 0);
	T_CHECK_EQ(st.dropped, expect_drop + expect_stolen_drop);
	T_CHECK_EQ(st.orig_dropped, 0);
	T_CHECK(io_invariant(e, &st));
	T_CHECK(st.enters > 0 && st.batches > 0);
	T_CHECK_EQ(tr_engine_queue_stats(e, 0, &q0), 0);
	T_CHECK_EQ(tr_engine_queue_stats(e, 1, &q1), 0);
	T_CHECK_EQ(tr_engine_queue_stats(e, 2, &q1) , -EINVAL);
	tr_engine_queue_stats(e, 1, &q1);
	T_CHECK_EQ(q0.rx, NFRAMES / 2);
	T_CHECK_EQ(q0.rx + q1.rx, st.rx);
	T_CHECK_EQ(q0.rx, q0.delivered + q0.tx_forwarded + q0.dropped + q0.held);
	T_CHECK_EQ(q1.rx, q1.delivered + q1.tx_forwarded + q1.dropped + q1.held);

	struct tr_engine_reason_stat r;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, (unsigned)cs.r_drop, &r), 0);
	T_CHECK_STR(r.name, "t_drop");
	T_CHECK_EQ(r.count, expect_drop);
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, (unsigned)cs.r_stolen, &r), 0);
	T_CHECK_EQ(r.count, expect_stolen_drop);
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_APP_RING_FULL, &r), 0);
	T_CHECK_STR(r.name, "app_ring_full");
	T_CHECK_EQ(r.count, 0);
	T_CHECK_EQ(tr_engine_reason(e, 0, 999, &r), -EINVAL);
	T_CHECK_EQ(tr_engine_error(e, NULL), 0);

	T_CHECK_EQ(io_drain_app(e), 0);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 4096);
	tr_engine_destroy(e);
	for (unsigned q = 0; q < NQ; q++) {
		close(sp[q][0]);
		close(sp[q][1]);
	}
}

int main(void)
{
	printf("rx path: plain reads\n");
	run(TR_ENGINE_RX_READ, false);
	printf("rx path: multishot read\n");
	run(TR_ENGINE_RX_MULTISHOT, false);
	printf("rx path: multishot read, SQPOLL ring\n");
	run(TR_ENGINE_RX_MULTISHOT, true);
	return t_done();
}
