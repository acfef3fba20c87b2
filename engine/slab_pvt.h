/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/slab_pvt.h (internal): the per-worker cache's layout and its
 * inline fast halves, for the worker's per-frame allocate and free.
 *
 * tr_slab_alloc / tr_slab_free_local are calls into slab.c (no LTO): with
 * their prologues, the statistics they publish on every call and the
 * large-class and debug branches, they were 30 + 32 instructions of the
 * ~290 the engine spent per 64 B TX frame (callgrind). The worker instead
 * pops and pushes the same stack inline (tr__cache_pop / tr__cache_push)
 * and falls back to the exported functions for everything else: an empty
 * or full stack (refill / flush in bursts), a shared or large buffer, and
 * every TR_DEBUG_POOL build (poison checks live in slab.c only).
 *
 * Statistics: the inline halves do not touch pub_count or allocs. The
 * allocations they made wait in pend_allocs, and tr__cache_publish (called
 * by every exported cache operation, and by the worker once per loop
 * iteration, before it may sleep) folds them in and mirrors count. So the
 * pool's figures stay exact whenever the owner is not in the middle of an
 * iteration, which is what tr_slab_stats promises ("exact only when no
 * thread is allocating").
 */
#ifndef TAPRING_SLAB_PVT_H
#define TAPRING_SLAB_PVT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <tapring/slab.h>

#include "stage_pvt.h"

struct tr_slab_cache {
	struct tr_slab *s;
	unsigned size;                 /* refill target and flush amount */
	unsigned cap;                  /* 2 * size: stack capacity */
	unsigned count;                /* buffers on the stack (owner only) */
	unsigned slot;                 /* index in s->caches */
	/* Copies of the pool's constants for the inline halves (one line with
	 * count and objs, no pointer chase to the pool). */
	uint8_t *data0;                /* base + headroom: buffer 0's frame start */
	uint32_t buf_size;
	uint32_t nbufs;                /* small-class ids are < nbufs */
	uint32_t pend_allocs;          /* inline allocations not yet in allocs (owner only) */
	/* Owner-written mirrors/counters that other threads read for stats:
	 * the owner updates them with relaxed load + store (no RMW: a single
	 * writer), readers use relaxed loads (statistics, order irrelevant). */
	TR__ATOMIC(uint32_t) pub_count;
	TR__ATOMIC(uint64_t) allocs;
	TR__ATOMIC(uint64_t) alloc_fail;
	struct tr_buf *objs[];         /* cap entries */
};

/* Owner thread: mirror count and fold the inline allocations into the
 * statistics readers see (tr_slab_stats, tr_slab_available). */
static inline void tr__cache_publish(struct tr_slab_cache *c)
{
	if (c->pend_allocs) {
		tr__cnt_add(&c->allocs, c->pend_allocs);   /* single writer: the owner */
		c->pend_allocs = 0;
	}
	/* Relaxed: a statistic for tr_slab_available(); see pub_count. */
	atomic_store_explicit(&c->pub_count, c->count, memory_order_relaxed);
}

/* The frame start (at the headroom) of small-class buffer `id`. */
static inline uint8_t *tr__cache_data(const struct tr_slab_cache *c, uint32_t id)
{
	return c->data0 + (size_t)id * c->buf_size;
}

/* Owner thread: the hottest buffer off the stack, initialised like
 * tr_slab_alloc's (refcnt 1, data at the headroom, len 0), or NULL when
 * the stack is empty: then call tr_slab_alloc, which refills in a burst
 * and counts a failure. */
static inline struct tr_buf *tr__cache_pop(struct tr_slab_cache *c)
{
#ifdef TR_DEBUG_POOL
	(void)c;
	return NULL;   /* slab.c checks the poison of every allocation */
#else
	if (TR__UNLIKELY(c->count == 0))
		return NULL;
	struct tr_buf *b = c->objs[--c->count];
	/* Relaxed: the buffer is on our own stack; no other thread can see
	 * it until we hand it on through a ring (release/acquire). */
	atomic_store_explicit(&b->refcnt, 1, memory_order_relaxed);
	b->data = tr__cache_data(c, b->id);
	b->len = 0;
	c->pend_allocs++;
	return b;
#endif
}

/* Owner thread: drop the only reference to a small-class buffer and push
 * it on the stack. false (nothing done) when b is shared, large, the stack
 * is full, or the build checks the pool: then call tr_slab_free_local.
 * The refcnt load is slab.c's F1 (acquire, pairing with the release half
 * of other holders' earlier decrements, F2 in tr__buf_put): when it reads
 * 1 we hold the only reference, nobody can take another, and a relaxed
 * store of 0 replaces the RMW; the buffer reaches its next owner through
 * this thread or the free ring (release). */
static inline bool tr__cache_push(struct tr_slab_cache *c, struct tr_buf *b)
{
#ifdef TR_DEBUG_POOL
	(void)c;
	(void)b;
	return false;   /* slab.c poisons and marks every free */
#else
	if (TR__UNLIKELY(atomic_load_explicit(&b->refcnt, memory_order_acquire) != 1 ||   /* F1 */
			 b->id >= c->nbufs || c->count == c->cap))
		return false;
	atomic_store_explicit(&b->refcnt, 0, memory_order_relaxed);   /* only holder, see above */
	c->objs[c->count++] = b;
	return true;
#endif
}

#endif /* TAPRING_SLAB_PVT_H */
