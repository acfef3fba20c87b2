/*
 * Rings, one element at a time with a compile-time count of 1: that call
 * shape takes ring.h's single-slot fast path (no wrap check, no copy loop),
 * which runtime counts never reach. Checked across the index wrap at
 * UINT32_MAX: SPSC 1 producer / 1 consumer in strict order, a capacity-1
 * ring's full/empty edges, and MPMC 2 producers / 2 consumers where every
 * value arrives exactly once (sum check). Burst and bulk alternate.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <tapring/ring.h>

#include "helpers.h"
#include "../../engine/ring_pvt.h"   /* tr__ring_set_index (static library only) */

#define N 400000u

static struct tr_ring *spsc, *mpmc;
static _Atomic unsigned long mpmc_sum;

static void *spsc_producer(void *arg)
{
	(void)arg;
	for (uintptr_t v = 1; v <= N;) {
		void *o = (void *)v;
		unsigned got = (v & 1) ? tr_ring_enqueue_burst_spsc(spsc, &o, 1)
				       : tr_ring_enqueue_bulk_spsc(spsc, &o, 1);
		v += got;
		if (!got)
			sched_yield();
	}
	return NULL;
}

static void *mpmc_producer(void *arg)
{
	uintptr_t base = (uintptr_t)arg;

	for (uintptr_t v = 1; v <= N / 4;) {
		void *o = (void *)(base + v);
		unsigned got = (v & 1) ? tr_ring_enqueue_burst_mpmc(mpmc, &o, 1)
				       : tr_ring_enqueue_bulk_mpmc(mpmc, &o, 1);
		v += got;
		if (!got)
			sched_yield();
	}
	return NULL;
}

static void *mpmc_consumer(void *arg)
{
	unsigned long sum = 0;
	unsigned k = 0;

	(void)arg;
	for (unsigned c = 0; c < N / 4;) {
		void *o;
		unsigned got = (k++ & 1) ? tr_ring_dequeue_burst_mpmc(mpmc, &o, 1)
					 : tr_ring_dequeue_bulk_mpmc(mpmc, &o, 1);
		if (got) {
			sum += (uintptr_t)o;
			c++;
		} else {
			sched_yield();
		}
	}
	/* relaxed: the main thread reads the total only after joining every
	 * consumer, and pthread_join orders these adds before that read. */
	atomic_fetch_add_explicit(&mpmc_sum, sum, memory_order_relaxed);
	return NULL;
}

int main(void)
{
	pthread_t th, p[2], q[2];
	int err;
	unsigned k = 0, order_errors = 0, too_many = 0;

	/* SPSC across the wrap, strict order */
	spsc = tr_ring_create(16, &err);
	T_ASSERT(spsc != NULL);
	T_ASSERT(tr__ring_set_index(spsc, UINT32_MAX - 1000) == 0);
	T_ASSERT(pthread_create(&th, NULL, spsc_producer, NULL) == 0);
	for (uintptr_t expect = 1; expect <= N;) {
		void *o = NULL;
		unsigned got = (k++ & 2) ? tr_ring_dequeue_bulk_spsc(spsc, &o, 1)
					 : tr_ring_dequeue_burst_spsc(spsc, &o, 1);
		if (got > 1)
			too_many++;
		if (got) {
			if ((uintptr_t)o != expect)
				order_errors++;
			expect++;
		} else {
			sched_yield();
		}
	}
	pthread_join(th, NULL);
	T_CHECK_EQ(order_errors, 0);
	T_CHECK_EQ(too_many, 0);
	T_CHECK(tr_ring_valid(spsc));
	T_CHECK_EQ(tr_ring_count(spsc), 0);
	tr_ring_destroy(spsc);

	/* capacity 1: full and empty edges, across the wrap */
	struct tr_ring *one = tr_ring_create(1, &err);
	T_ASSERT(one != NULL);
	T_ASSERT(tr__ring_set_index(one, UINT32_MAX - 3) == 0);
	for (uintptr_t i = 1; i < 10; i++) {
		void *o = (void *)i, *x = NULL;
		T_CHECK_EQ(tr_ring_enqueue_burst_spsc(one, &o, 1), 1);
		T_CHECK_EQ(tr_ring_enqueue_bulk_spsc(one, &o, 1), 0);
		T_CHECK_EQ(tr_ring_dequeue_bulk_spsc(one, &x, 1), 1);
		T_CHECK(x == o);
		T_CHECK_EQ(tr_ring_dequeue_burst_spsc(one, &x, 1), 0);
	}
	tr_ring_destroy(one);

	/* MPMC 2x2 across the wrap: every value exactly once */
	mpmc = tr_ring_create(8, &err);
	T_ASSERT(mpmc != NULL);
	T_ASSERT(tr__ring_set_index(mpmc, UINT32_MAX - 77) == 0);
	for (int i = 0; i < 2; i++) {
		T_ASSERT(pthread_create(&p[i], NULL, mpmc_producer, (void *)(uintptr_t)(i * 10000000ul)) == 0);
		T_ASSERT(pthread_create(&q[i], NULL, mpmc_consumer, NULL) == 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(q[i], NULL);
	unsigned long want = 0;
	for (unsigned long i = 0; i < 2; i++)
		for (unsigned long v = 1; v <= N / 4; v++)
			want += i * 10000000ul + v;
	T_CHECK_EQ(atomic_load_explicit(&mpmc_sum, memory_order_relaxed), want);
	T_CHECK_EQ(tr_ring_count(mpmc), 0);
	T_CHECK(tr_ring_valid(mpmc));
	tr_ring_destroy(mpmc);
	return t_done();
}
