/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Slab pool under a multi-threaded workload (run under TSan too):
 * W worker threads, each with its own cache, allocate bursts, write a
 * per-thread pattern, and
 *   - free some locally (own cache),
 *   - pass some to the next worker through an SPSC ring, which checks the
 *     pattern and frees them remotely (tr_slab_free_remote / _burst_remote),
 *   - share some (tr_buf_ref) with the next worker, both sides dropping
 *     their reference on different threads.
 * The pool is small, so exhaustion (counted backpressure) happens too.
 * At the end every buffer is back: tr_slab_available() == nbufs and the
 * allocation counters balance. Bounded by rounds and a 60 s deadline.
 */
#include <pthread.h>

#include <tapring/slab.h>

#include "core_test.h"
#include "helpers.h"

#define W 3
#define NBUFS 256
#define DEADLINE_NS (60ull * 1000000000ull)

static struct tr_slab *slab;
static struct tr_ring *links[W];   /* worker i -> worker (i + 1) % W */
static unsigned rounds;
static uint64_t t_start;
static _Atomic int producers_done;

struct wres {
	uint64_t allocated, bad_pattern, exhausted, shortfall;
	int timed_out;
};
static struct wres res[W];

static void drain(struct tr_ring *in, unsigned id, struct wres *r)
{
	struct tr_buf *got[32];
	unsigned n = tr_ring_dequeue_burst_spsc(in, (void **)got, 32);
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *b = got[i];
		unsigned from = (id + W - 1) % W;
		if (b->len != 64 || b->data[0] != (uint8_t)(0xa0 + from) || b->data[63] != (uint8_t)b->id)
			r->bad_pattern++;
	}
	/* Remote free: this thread is not the allocator's owner. Alternate
	 * the single and burst flavours. */
	if (n & 1) {
		for (unsigned i = 0; i < n; i++)
			tr_slab_free_remote(slab, got[i]);
	} else if (n) {
		tr_slab_free_burst_remote(slab, got, n);
	}
}

static void *worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	struct wres *r = &res[id];
	int err;
	struct tr_slab_cache *c = tr_slab_cache_create(slab, 32, &err);
	if (!c)
		return (void *)1;
	struct tr_ring *out = links[id], *in = links[(id + W - 1) % W];
	struct tr_buf *bufs[48];
	for (unsigned round = 0; round < rounds; round++) {
		unsigned want = 1 + round % 48;
		unsigned n = tr_slab_alloc_burst(c, bufs, want);
		if (n < want) {
			r->exhausted++;
			r->shortfall += want - n;
		}
		r->allocated += n;
		for (unsigned i = 0; i < n; i++) {
			bufs[i]->data[0] = (uint8_t)(0xa0 + id);
			bufs[i]->data[63] = (uint8_t)bufs[i]->id;
			bufs[i]->len = 64;
		}
		/* a third: local free; a third: shared (extra ref) and sent; rest sent */
		unsigned local = n / 3, shared = n / 3;
		tr_slab_free_burst_local(c, bufs, local);
		for (unsigned i = local; i < local + shared; i++)
			tr_buf_ref(bufs[i]);
		unsigned sent = 0, spins = 0;
		while (sent < n - local) {
			sent += tr_ring_enqueue_burst_spsc(out, (void *const *)&bufs[local + sent], n - local - sent);
			drain(in, id, r);   /* keep our inbound ring moving: no deadlock */
			if (sent < n - local) {
				ct_backoff(&spins);
				if (ct_now_ns() - t_start > DEADLINE_NS) {
					r->timed_out = 1;
					goto out;
				}
			}
		}
		/* drop our own reference on the shared ones (the receiver drops
		 * the other, on its thread, in any order) */
		for (unsigned i = local; i < local + shared; i++)
			tr_slab_free_local(c, bufs[i]);
		drain(in, id, r);
	}
out:
	/* Release: our sends are in the rings before the count moves; pairs
	 * with the acquire load in the final drain loop below. */
	atomic_fetch_add_explicit(&producers_done, 1, memory_order_release);
	while (atomic_load_explicit(&producers_done, memory_order_acquire) < W) {
		drain(in, id, &res[id]);
		if (ct_now_ns() - t_start > DEADLINE_NS) {
			r->timed_out = 1;
			break;
		}
		sched_yield();
	}
	drain(in, id, r);
	drain(in, id, r);
	while (tr_ring_count(in))
		drain(in, id, r);
	tr_slab_cache_destroy(c);
	return NULL;
}

int main(void)
{
	int err;
	rounds = CT_TSAN ? 3000 : 10000;
	struct tr_slab_config cfg = { .nbufs = NBUFS, .max_caches = W };
	slab = tr_slab_create(&cfg, &err);
	T_ASSERT(slab != NULL);
	for (int i = 0; i < W; i++) {
		links[i] = tr_ring_create(64, &err);
		T_ASSERT(links[i] != NULL);
	}
	t_start = ct_now_ns();
	pthread_t th[W];
	for (int i = 0; i < W; i++)
		T_ASSERT(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0);
	for (int i = 0; i < W; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		T_CHECK(ret == NULL);
	}
	uint64_t allocated = 0, bad = 0, exhausted = 0, shortfall = 0;
	for (int i = 0; i < W; i++) {
		allocated += res[i].allocated;
		bad += res[i].bad_pattern;
		exhausted += res[i].exhausted;
		shortfall += res[i].shortfall;
		T_CHECK_EQ(res[i].timed_out, 0);
	}
	struct tr_slab_stats st;
	tr_slab_stats(slab, &st);
	T_CHECK_EQ(bad, 0);
	T_CHECK(allocated > 0);
	T_CHECK_EQ(st.allocs, allocated);
	T_CHECK_EQ(st.alloc_fail, shortfall);   /* every shortfall counted */
	T_CHECK_EQ(tr_slab_available(slab), NBUFS);
	T_CHECK_EQ(st.in_use, 0);
	T_CHECK_EQ(st.caches, 0);
	/* every buffer's refcount is back to 0 */
	int zero = 1;
	for (uint32_t i = 0; i < NBUFS; i++)
		zero &= tr_buf_refcnt(tr_slab_buf(slab, i)) == 0;
	T_CHECK(zero);
	printf("%llu buffers allocated, %llu short bursts (alloc_fail %llu), %.2f s\n",
	       (unsigned long long)allocated, (unsigned long long)exhausted,
	       (unsigned long long)st.alloc_fail, (double)(ct_now_ns() - t_start) / 1e9);
	for (int i = 0; i < W; i++)
		tr_ring_destroy(links[i]);
	tr_slab_destroy(slab);
	return t_done();
}
