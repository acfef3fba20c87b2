/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * MPMC ring, P producers / C consumers (3/3 on a 2-core box: oversubscribed
 * on purpose, so threads get preempted mid-operation). Each value encodes
 * (producer, sequence). Checks:
 *   - every value arrives exactly once (a per-value atomic counter is 1)
 *   - for each consumer, the sequences it sees from one producer increase
 *     (the only order an MPMC ring can promise: a producer's items leave in
 *     the order it enqueued them, but items may be split among consumers)
 *   - bulk calls move all or nothing
 * Indices start below UINT32_MAX so the run crosses the wrap. Bounded by
 * item count and a 60 s deadline.
 */
#include <pthread.h>

#include <tapring/ring.h>

#include "core_test.h"
#include "helpers.h"
#include "../../engine/ring_pvt.h"   /* tr__ring_set_index (static library only) */

#define NP 3
#define NC 3
#define RING_SIZE 128
#define DEADLINE_NS (60ull * 1000000000ull)
#define SEQ_BITS 24

static uint32_t per_producer;
static uint64_t t_start;
static struct tr_ring *ring;
static _Atomic uint8_t *seen[NP];
static _Atomic uint64_t consumed;
static _Atomic int stop;

struct cons_result {
	uint64_t got, bad_order, bad_bulk, bad_value;
};

static void *producer(void *arg)
{
	uintptr_t p = (uintptr_t)arg;
	void *objs[16];
	uint32_t next = 0;
	unsigned spins = 0, k = (unsigned)p;
	while (next < per_producer) {
		unsigned want = 1 + (k++ % 16);
		if (want > per_producer - next)
			want = per_producer - next;
		for (unsigned i = 0; i < want; i++)
			/* +1 so that no value is NULL */
			objs[i] = (void *)((p << SEQ_BITS | (next + i)) + 1);
		int bulk = k & 1;
		unsigned got = bulk ? tr_ring_enqueue_bulk_mpmc(ring, objs, want)
				    : tr_ring_enqueue_burst_mpmc(ring, objs, want);
		if (bulk && got && got != want)
			return (void *)1;
		next += got;
		if ((k & 63) == 0)
			sched_yield();
		if (!got) {
			ct_backoff(&spins);
			/* Relaxed: test-control flag, carries no data. */
			if (atomic_load_explicit(&stop, memory_order_relaxed) ||
			    ct_now_ns() - t_start > DEADLINE_NS)
				return (void *)2;
		}
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct cons_result *res = arg;
	int64_t last[NP];
	void *objs[16];
	unsigned spins = 0, k = 0;
	uint64_t total = (uint64_t)NP * per_producer;
	for (int i = 0; i < NP; i++)
		last[i] = -1;
	for (;;) {
		unsigned want = 1 + (k++ % 13);
		int bulk = (k & 3) == 0;
		unsigned got = bulk ? tr_ring_dequeue_bulk_mpmc(ring, objs, want)
				    : tr_ring_dequeue_burst_mpmc(ring, objs, want);
		if (bulk && got && got != want)
			res->bad_bulk++;
		for (unsigned i = 0; i < got; i++) {
			uintptr_t v = (uintptr_t)objs[i] - 1;
			uintptr_t p = v >> SEQ_BITS;
			int64_t seq = (int64_t)(v & ((1u << SEQ_BITS) - 1));
			if (p >= NP || seq >= per_producer) {
				res->bad_value++;
				continue;
			}
			if (seq <= last[p])
				res->bad_order++;
			last[p] = seq;
			/* Relaxed RMW: a counter per value, read after join. */
			atomic_fetch_add_explicit(&seen[p][seq], 1, memory_order_relaxed);
		}
		res->got += got;
		if (got) {
			/* Relaxed: progress counter, only compared to the total. */
			atomic_fetch_add_explicit(&consumed, got, memory_order_relaxed);
			/* Let the other consumers in now and then, so that one
			 * producer's items really get split among consumers. */
			if ((k & 31) == 0)
				sched_yield();
			continue;
		}
		if (atomic_load_explicit(&consumed, memory_order_relaxed) >= total)
			return NULL;
		ct_backoff(&spins);
		if (atomic_load_explicit(&stop, memory_order_relaxed) || ct_now_ns() - t_start > DEADLINE_NS)
			return NULL;
	}
}

int main(void)
{
	int err;
	per_producer = CT_TSAN ? 100000 : 400000;
	ring = tr_ring_create(RING_SIZE, &err);
	T_ASSERT(ring != NULL);
	T_ASSERT(tr__ring_set_index(ring, UINT32_MAX - 5000) == 0);
	for (int p = 0; p < NP; p++) {
		seen[p] = calloc(per_producer, sizeof(*seen[p]));
		T_ASSERT(seen[p] != NULL);
	}
	t_start = ct_now_ns();
	pthread_t pt[NP], ctd[NC];
	struct cons_result res[NC] = { 0 };
	for (int c = 0; c < NC; c++)
		T_ASSERT(pthread_create(&ctd[c], NULL, consumer, &res[c]) == 0);
	for (int p = 0; p < NP; p++)
		T_ASSERT(pthread_create(&pt[p], NULL, producer, (void *)(uintptr_t)p) == 0);
	for (int p = 0; p < NP; p++) {
		void *ret;
		pthread_join(pt[p], &ret);
		T_CHECK(ret == NULL);
	}
	for (int c = 0; c < NC; c++)
		pthread_join(ctd[c], NULL);

	uint64_t got = 0, bad_order = 0, bad_bulk = 0, bad_value = 0;
	for (int c = 0; c < NC; c++) {
		got += res[c].got;
		bad_order += res[c].bad_order;
		bad_bulk += res[c].bad_bulk;
		bad_value += res[c].bad_value;
	}
	uint64_t missing = 0, dup = 0;
	for (int p = 0; p < NP; p++)
		for (uint32_t s = 0; s < per_producer; s++) {
			uint8_t n = atomic_load_explicit(&seen[p][s], memory_order_relaxed);
			missing += n == 0;
			dup += n > 1;
		}
	T_CHECK_EQ(got, (uint64_t)NP * per_producer);
	T_CHECK_EQ(missing, 0);
	T_CHECK_EQ(dup, 0);
	T_CHECK_EQ(bad_order, 0);
	T_CHECK_EQ(bad_bulk, 0);
	T_CHECK_EQ(bad_value, 0);
	T_CHECK_EQ(tr_ring_count(ring), 0);
	T_CHECK(tr_ring_valid(ring));
	T_CHECK(atomic_load_explicit(&ring->tr__prod.tail, memory_order_relaxed) < UINT32_MAX - 5000);
	for (int c = 0; c < NC; c++)
		printf("consumer %d: %llu items\n", c, (unsigned long long)res[c].got);
	printf("%llu items in %.2f s\n", (unsigned long long)got, (double)(ct_now_ns() - t_start) / 1e9);
	for (int p = 0; p < NP; p++)
		free(seen[p]);
	tr_ring_destroy(ring);
	return t_done();
}
