/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SPSC ring, 1 producer thread / 1 consumer thread: every value 1..N
 * arrives exactly once and in order, with mixed burst and bulk sizes and a
 * small ring so that full/empty edges are hit constantly. The indices start
 * just below UINT32_MAX so the run crosses the wrap. Bounded: N items
 * (4M, 1M under TSan) and a 60 s deadline.
 */
#include <pthread.h>

#include <tapring/ring.h>

#include "core_test.h"
#include "helpers.h"
#include "../../engine/ring_pvt.h"   /* tr__ring_set_index (static library only) */

#define RING_SIZE 64
#define DEADLINE_NS (60ull * 1000000000ull)

static uint64_t n_items;
static uint64_t t_start;
static struct tr_ring *ring;
static _Atomic int timed_out;

static void *producer(void *arg)
{
	(void)arg;
	void *objs[32];
	uint64_t next = 1;
	unsigned spins = 0, k = 0;
	while (next <= n_items) {
		unsigned want = 1 + (k++ % 32);
		if (want > n_items - next + 1)
			want = (unsigned)(n_items - next + 1);
		for (unsigned i = 0; i < want; i++)
			objs[i] = (void *)(uintptr_t)(next + i);
		/* alternate bulk and burst */
		unsigned got = (k & 1) ? tr_ring_enqueue_bulk_spsc(ring, objs, want)
				       : tr_ring_enqueue_burst_spsc(ring, objs, want);
		if ((k & 1) && got != 0 && got != want)
			return (void *)1; /* bulk moved a partial count */
		next += got;
		if (!got) {
			ct_backoff(&spins);
			if ((k & 1023) == 0 && ct_now_ns() - t_start > DEADLINE_NS) {
				/* Relaxed: a flag checked by the test only; no data. */
				atomic_store_explicit(&timed_out, 1, memory_order_relaxed);
				return NULL;
			}
		}
	}
	return NULL;
}

int main(void)
{
	int err;
	n_items = CT_TSAN ? 1000000 : 4000000;
	ring = tr_ring_create(RING_SIZE, &err);
	T_ASSERT(ring != NULL);
	T_ASSERT(tr__ring_set_index(ring, UINT32_MAX - 1000) == 0);
	t_start = ct_now_ns();

	pthread_t th;
	T_ASSERT(pthread_create(&th, NULL, producer, NULL) == 0);

	void *objs[32];
	uint64_t expect = 1, bad_order = 0, bad_bulk = 0;
	unsigned spins = 0, k = 0;
	while (expect <= n_items) {
		unsigned want = 1 + (k++ % 29);
		unsigned got = (k & 2) ? tr_ring_dequeue_bulk_spsc(ring, objs, want)
				       : tr_ring_dequeue_burst_spsc(ring, objs, want);
		if ((k & 2) && got != 0 && got != want)
			bad_bulk++;
		for (unsigned i = 0; i < got; i++) {
			if ((uintptr_t)objs[i] != expect)
				bad_order++;
			expect++;
		}
		if (!got) {
			/* bulk may legitimately wait forever for the tail end */
			if ((k & 2) && n_items - expect + 1 < want)
				continue;
			ct_backoff(&spins);
			/* Relaxed: see producer. */
			if (atomic_load_explicit(&timed_out, memory_order_relaxed) ||
			    ((k & 1023) == 0 && ct_now_ns() - t_start > DEADLINE_NS))
				break;
		}
	}
	void *pret;
	pthread_join(th, &pret);
	T_CHECK(pret == NULL);
	T_CHECK_EQ(atomic_load_explicit(&timed_out, memory_order_relaxed), 0);
	T_CHECK_EQ(expect, n_items + 1);
	T_CHECK_EQ(bad_order, 0);
	T_CHECK_EQ(bad_bulk, 0);
	T_CHECK_EQ(tr_ring_count(ring), 0);
	T_CHECK(tr_ring_valid(ring));
	/* the run crossed the 2^32 wrap */
	T_CHECK(atomic_load_explicit(&ring->tr__prod.tail, memory_order_relaxed) < UINT32_MAX - 1000);
	printf("%llu items in %.2f s\n", (unsigned long long)n_items, (double)(ct_now_ns() - t_start) / 1e9);
	tr_ring_destroy(ring);
	return t_done();
}
