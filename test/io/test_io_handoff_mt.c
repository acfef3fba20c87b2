/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Application hand-off under concurrency (runs in the TSan build): per
 * queue, one application thread takes delivered frames (rx_burst), stamps
 * them and sends them back (tx_burst), while a feeder thread writes frames
 * into the socketpair and a reader thread counts what comes back. The app
 * thread also frees every 4th frame (tr_engine_buf_free) and sends a fresh
 * one from tr_engine_buf_alloc instead. The feeder keeps at most 512 frames in flight,
 * so nothing may be dropped; every frame is accounted for.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "io_test.h"

#define NQ 2
#define N 20000u

static struct tr_engine *eng;
static int sp[NQ][2];
static atomic_uint echoed[NQ], freed[NQ], extra_sent[NQ], back[NQ];
static atomic_bool stop_app;

static void *feeder(void *arg)
{
	unsigned q = (unsigned)(uintptr_t)arg;
	uint8_t f[64];
	uint64_t end = io_now_ms() + 20000;
	for (uint32_t s = 0; s < N; s++) {
		/* Pace: at most 512 frames in flight, less than the app ring, so a
		 * drop here would be an engine bug, not a slow consumer. */
		while (s - atomic_load_explicit(&back[q], memory_order_relaxed) > 512 && io_now_ms() < end)
			io_sleep_ms(1);
		io_frame(f, 60, s, q);
		if (write(sp[q][1], f, 60) != 60)
			break;
	}
	return NULL;
}

static void *app(void *arg)
{
	unsigned q = (unsigned)(uintptr_t)arg;
	struct tr_buf *b[32], *out[32];
	uint64_t end = io_now_ms() + 20000;
	while (!atomic_load_explicit(&stop_app, memory_order_relaxed) && io_now_ms() < end) {
		unsigned n = tr_engine_rx_burst(eng, q, b, 32), k = 0;
		for (unsigned i = 0; i < n; i++) {
			uint32_t s;
			memcpy(&s, b[i]->data + 43, 4);
			if (s % 4 == 3) {
				/* free it and send a fresh frame instead */
				tr_engine_buf_free(eng, b[i]);
				atomic_fetch_add_explicit(&freed[q], 1, memory_order_relaxed);
				struct tr_buf *nb = tr_engine_buf_alloc(eng, q);
				if (!nb)
					continue;
				io_frame(nb->data, 60, s, q);
				nb->len = 60;
				nb->data[50] = 0xee;
				out[k++] = nb;
				atomic_fetch_add_explicit(&extra_sent[q], 1, memory_order_relaxed);
			} else {
				b[i]->data[50] = 0xaa;   /* write in place: the worker must see it */
				out[k++] = b[i];
			}
		}
		unsigned done = 0;
		while (done < k) {
			done += tr_engine_tx_burst(eng, q, out + done, k - done);
			if (done < k)
				io_sleep_ms(1);
		}
		atomic_fetch_add_explicit(&echoed[q], k, memory_order_relaxed);
		if (!n)
			io_sleep_ms(1);
	}
	return NULL;
}

int main(void)
{
	int fds[NQ];
	for (unsigned q = 0; q < NQ; q++) {
		T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp[q]) == 0);
		fds[q] = sp[q][0];
	}
	struct tr_engine_config cfg = { .fds = fds, .nqueues = NQ, .nbufs = 4096, .cpu_base = -1,
					.app_ring_size = 1024, .batch = 32 };
	int err;
	eng = tr_engine_create(&cfg, &err);
	T_ASSERT(eng != NULL);
	T_CHECK_EQ(tr_engine_start(eng), 0);
	pthread_t tf[NQ], ta[NQ];
	for (unsigned q = 0; q < NQ; q++) {
		T_ASSERT(pthread_create(&ta[q], NULL, app, (void *)(uintptr_t)q) == 0);
		T_ASSERT(pthread_create(&tf[q], NULL, feeder, (void *)(uintptr_t)q) == 0);
	}
	/* This thread is the reader of both far ends. */
	unsigned marked = 0;
	uint64_t end = io_now_ms() + 30000;
	while ((atomic_load(&back[0]) < N || atomic_load(&back[1]) < N) && io_now_ms() < end) {
		int any = 0;
		for (unsigned q = 0; q < NQ; q++) {
			uint8_t rb[256];
			ssize_t r;
			while ((r = recv(sp[q][1], rb, sizeof(rb), MSG_DONTWAIT)) > 0) {
				atomic_fetch_add_explicit(&back[q], 1, memory_order_relaxed);
				any = 1;
				if (r == 60 && (rb[50] == 0xaa || rb[50] == 0xee))
					marked++;
			}
		}
		if (!any)
			io_sleep_ms(1);
	}
	for (unsigned q = 0; q < NQ; q++)
		pthread_join(tf[q], NULL);
	atomic_store_explicit(&stop_app, true, memory_order_relaxed);
	for (unsigned q = 0; q < NQ; q++)
		pthread_join(ta[q], NULL);
	T_CHECK_EQ(tr_engine_stop(eng), 0);
	struct tr_engine_stats st;
	tr_engine_stats(eng, &st);
	for (unsigned q = 0; q < NQ; q++) {
		T_CHECK_EQ(atomic_load(&back[q]), N);
		T_CHECK_EQ(atomic_load(&echoed[q]), N);
		T_CHECK_EQ(atomic_load(&freed[q]), N / 4);
	}
	T_CHECK_EQ(marked, NQ * N);
	T_CHECK_EQ(st.rx, NQ * N);
	T_CHECK_EQ(st.delivered, NQ * N);
	T_CHECK_EQ(st.tx_app, NQ * N);
	T_CHECK_EQ(st.dropped, 0);
	T_CHECK(io_invariant(eng, &st));
	io_drain_app(eng);
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(eng)), 4096);
	tr_engine_destroy(eng);
	return t_done();
}
