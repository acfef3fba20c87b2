/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/ring.c: creation and debug helpers of the lock-free rings. The
 * enqueue/dequeue fast paths are inline in <tapring/ring.h>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/ring.h>

#include "ring_pvt.h"

static int tr__ring_count_ok(uint32_t count)
{
	return count != 0 && count <= TR_RING_MAX_COUNT && (count & (count - 1)) == 0;
}

size_t tr_ring_memsize(uint32_t count)
{
	if (!tr__ring_count_ok(count))
		return 0;
	/* sizeof(struct tr_ring) is a multiple of TR_RING_ALIGN; round the
	 * slot array up to the alignment as well (aligned_alloc wants that). */
	size_t sz = sizeof(struct tr_ring) + (size_t)count * sizeof(void *);
	return (sz + TR_RING_ALIGN - 1) & ~(size_t)(TR_RING_ALIGN - 1);
}

int tr_ring_init(struct tr_ring *r, uint32_t count)
{
	if (!r || !tr__ring_count_ok(count) || ((uintptr_t)r & (TR_RING_ALIGN - 1)))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->tr__size = count;
	r->tr__mask = count - 1;
	/* Not yet shared with any thread: relaxed stores; publication of the
	 * ring pointer itself (thread creation, a release store) orders them. */
	atomic_store_explicit(&r->tr__prod.head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tr__prod.tail, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tr__cons.head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tr__cons.tail, 0, memory_order_relaxed);
	r->tr__prod.tr__other = 0;
	r->tr__cons.tr__other = 0;
	return 0;
}

struct tr_ring *tr_ring_create(uint32_t count, int *err)
{
	size_t sz = tr_ring_memsize(count);
	int e = 0;
	struct tr_ring *r = NULL;
	if (!sz) {
		e = -EINVAL;
		goto out;
	}
	r = aligned_alloc(TR_RING_ALIGN, sz);
	if (!r) {
		e = -ENOMEM;
		goto out;
	}
	tr_ring_init(r, count);
out:
	if (err)
		*err = e;
	return r;
}

void tr_ring_destroy(struct tr_ring *r)
{
	free(r);
}

int tr_ring_valid(const struct tr_ring *r)
{
	/* Relaxed: a debug check on a quiescent ring; the caller has already
	 * synchronised with the last operation (joined the threads). */
	uint32_t ph = atomic_load_explicit(&r->tr__prod.head, memory_order_relaxed);
	uint32_t pt = atomic_load_explicit(&r->tr__prod.tail, memory_order_relaxed);
	uint32_t ch = atomic_load_explicit(&r->tr__cons.head, memory_order_relaxed);
	uint32_t ct = atomic_load_explicit(&r->tr__cons.tail, memory_order_relaxed);
	uint32_t size = r->tr__size;
	if (size == 0 || (size & (size - 1)) || r->tr__mask != size - 1)
		return 0;
	/* cons.tail <= cons.head <= prod.tail <= prod.head <= cons.tail + size,
	 * each step as a uint32_t difference from cons.tail. */
	uint32_t d_ch = ch - ct, d_pt = pt - ct, d_ph = ph - ct;
	if (!(d_ch <= d_pt && d_pt <= d_ph && d_ph <= size))
		return 0;
	/* The _spsc private copies (tr__other) are not checked: after _mpmc use
	 * they are legitimately stale, and the fast paths detect that. */
	return 1;
}

void tr_ring_invalid_abort(const struct tr_ring *r, const char *file, int line)
{
	/* Relaxed: a diagnostic before abort(); nothing is read on its strength. */
	fprintf(stderr, "tapring: ring %p violates its index invariant at %s:%d "
		"(size %u prod %u/%u cons %u/%u)\n", (const void *)r, file, line, r->tr__size,
		atomic_load_explicit(&r->tr__prod.head, memory_order_relaxed),
		atomic_load_explicit(&r->tr__prod.tail, memory_order_relaxed),
		atomic_load_explicit(&r->tr__cons.head, memory_order_relaxed),
		atomic_load_explicit(&r->tr__cons.tail, memory_order_relaxed));
	abort();
}

int tr__ring_set_index(struct tr_ring *r, uint32_t start)
{
	if (tr_ring_count(r) != 0 || !tr_ring_valid(r))
		return -EBUSY;
	/* Relaxed: quiescent ring, test-only; see tr_ring_valid(). */
	atomic_store_explicit(&r->tr__prod.head, start, memory_order_relaxed);
	atomic_store_explicit(&r->tr__prod.tail, start, memory_order_relaxed);
	atomic_store_explicit(&r->tr__cons.head, start, memory_order_relaxed);
	atomic_store_explicit(&r->tr__cons.tail, start, memory_order_relaxed);
	r->tr__prod.tr__other = start;
	r->tr__cons.tr__other = start;
	return 0;
}
