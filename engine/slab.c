/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/slab.c: the zero-copy buffer pool (see <tapring/slab.h>).
 *
 * Layout
 *   data   one mmap of nbufs * buf_size bytes (MAP_HUGETLB when asked and
 *          possible, rounded up to 2 MiB), buffer i at base + i * buf_size
 *   meta   nbufs struct tr_buf, 64-byte aligned, one line each, meta[i].id = i
 *   free   an MPMC tr_ring of struct tr_buf * with capacity nbufs: it can
 *          always hold every buffer, so a flush or remote free never fails
 *   caches per-worker stacks of up to 2 * size buffers, single-threaded
 *   large  optional second class: its own region (large_nbufs *
 *          large_buf_size), metadata meta[nbufs ..], and an MPMC free ring;
 *          large buffers never enter a cache, so every free path checks
 *          b->id >= nbufs (one predictable branch) and sends them home
 *
 * Alloc takes from the top of the owner's stack (the most recently freed,
 * cache-hot buffer) and refills from the free ring in one burst when short.
 * Free pushes onto the stack and, when it is full, flushes `size` buffers
 * back in one burst. So the shared ring is touched once per ~size buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tapring/slab.h>

#include "slab_pvt.h"
#include "stage_pvt.h"

#define TR__HUGE_2M (2u << 20)
#ifndef MADV_POPULATE_WRITE
#define TR_MADV_POPULATE_WRITE 23   /* Linux 5.14; glibc 2.36 headers may lack it */
#else
#define TR_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#endif
#define TR__NBUFS_MAX (1u << 24)
#define TR__BUF_FREE 0x46524545u   /* "FREE" in tr__state */
#define TR__BUF_USED 0x55534544u   /* "USED" */

struct tr_slab {
	uint8_t *base;
	size_t region;
	uint32_t nbufs;
	uint32_t buf_size;
	uint32_t headroom;
	bool huge;
	unsigned max_caches;
	struct tr_buf *meta;
	struct tr_ring *free_ring;
	/* large class (large_nbufs == 0: none) */
	uint8_t *lbase;
	size_t lregion;
	uint32_t large_nbufs;
	uint32_t large_buf_size;
	struct tr_ring *large_ring;
	TR__ATOMIC(uint64_t) large_allocs;      /* relaxed RMW: statistics only */
	TR__ATOMIC(uint64_t) large_alloc_fail;
	/* Counters of destroyed caches, folded in by tr_slab_cache_destroy. */
	TR__ATOMIC(uint64_t) dead_allocs;
	TR__ATOMIC(uint64_t) dead_alloc_fail;
	/* Live caches, for stats. A slot is claimed by CAS (C1) and released
	 * by a release store of NULL (C2); stats load it with acquire (C3). */
	TR__ATOMIC(struct tr_slab_cache *) *caches;
};

/* A buffer's data address, inline for the allocation fast path (the
 * exported tr_slab_buf_addr was a call per allocation: 8 of the ~41
 * instructions of tr_slab_alloc, callgrind). */
static inline uint8_t *tr__buf_addr(const struct tr_slab *s, uint32_t id)
{
	if (TR__LIKELY(id < s->nbufs))
		return s->base + (size_t)id * s->buf_size;
	return s->lbase + (size_t)(id - s->nbufs) * s->large_buf_size;
}

/* ---- debug helpers ---------------------------------------------------- */

__attribute__((noreturn, cold))
static void tr__slab_double_free(const struct tr_buf *b, const char *how)
{
	fprintf(stderr, "tapring: slab: double free of buffer id %u (%s)\n", b->id, how);
	abort();
}

#ifdef TR_DEBUG_POOL
__attribute__((noreturn, cold))
static void tr__slab_corrupt(const struct tr_buf *b, const char *what)
{
	fprintf(stderr, "tapring: slab: buffer id %u: %s\n", b->id, what);
	abort();
}

/* Mark b free and poison its whole data buffer with 0x6b. */
static void tr__slab_debug_on_free(struct tr_slab *s, struct tr_buf *b)
{
	if (b->tr__state != TR__BUF_USED)
		tr__slab_double_free(b, "state is not allocated");
	b->tr__state = TR__BUF_FREE;
	memset(tr_slab_buf_addr(s, b->id), TR_SLAB_POISON, tr_slab_buf_size_of(s, b));
}

/* Check b is free and its poison is intact (no write after free). Checked:
 * the headroom and the first 512 bytes of the frame area (where stray
 * writes land) and the last 64 bytes, to keep debug builds usable. */
static void tr__slab_debug_on_alloc(struct tr_slab *s, struct tr_buf *b)
{
	const uint8_t *p = tr_slab_buf_addr(s, b->id);
	const uint32_t size = tr_slab_buf_size_of(s, b);
	uint32_t head = s->headroom + 512, tail = 64;
	if (head > size)
		head = size;
	if (tail > size - head)
		tail = size - head;
	if (b->tr__state != TR__BUF_FREE)
		tr__slab_corrupt(b, "allocated while not free (pool corrupted)");
	for (uint32_t i = 0; i < head; i++)
		if (p[i] != TR_SLAB_POISON)
			tr__slab_corrupt(b, "poison overwritten: write after free");
	for (uint32_t i = size - tail; i < size; i++)
		if (p[i] != TR_SLAB_POISON)
			tr__slab_corrupt(b, "poison overwritten: write after free");
	b->tr__state = TR__BUF_USED;
}
#else
static inline void tr__slab_debug_on_free(struct tr_slab *s, struct tr_buf *b)
{
	(void)s;
	(void)b;
}
static inline void tr__slab_debug_on_alloc(struct tr_slab *s, struct tr_buf *b)
{
	(void)s;
	(void)b;
}
#endif

/* ---- create / destroy ------------------------------------------------- */

/*
 * Anonymous region of *len bytes (rounded up to 2 MiB), 2 MiB aligned,
 * backed by transparent huge pages where the kernel gives them
 * (/sys/kernel/mm/transparent_hugepage/enabled "always" or "madvise").
 * MADV_HUGEPAGE must come before the pages are touched: populating first
 * (MAP_POPULATE) faults 4 KiB pages in, and khugepaged collapses them
 * only much later, if ever. A 32 MiB pool is then 16 TLB entries instead
 * of 8192 for every copy the kernel makes into it. Populated up front
 * (MADV_POPULATE_WRITE, else one write per page) so no frame ever takes a
 * page fault. NULL with errno on failure.
 */
static void *tr__map_thp(size_t *len)
{
	size_t hl = (*len + TR__HUGE_2M - 1) & ~(size_t)(TR__HUGE_2M - 1);
	size_t span = hl + TR__HUGE_2M;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uint8_t *p = (uint8_t *)(((uintptr_t)raw + TR__HUGE_2M - 1) & ~(uintptr_t)(TR__HUGE_2M - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + span > p + hl)
		munmap(p + hl, (size_t)(raw + span - (p + hl)));
	(void)madvise(p, hl, MADV_HUGEPAGE);   /* best effort: THP "never" ignores it */
	if (madvise(p, hl, TR_MADV_POPULATE_WRITE) != 0) {
		/* before 5.14: touch every page (page size, not 2 MiB: the
		 * kernel may have fallen back to small pages) */
		long pg = sysconf(_SC_PAGESIZE);
		for (size_t off = 0; off < hl; off += (size_t)(pg > 0 ? pg : 4096))
			p[off] = 0;
	}
	*len = hl;
	return p;
}

static void *tr__map_region(size_t *len, bool huge, bool *got_huge)
{
	void *p;
	*got_huge = false;
	if (huge) {
		size_t hl = (*len + TR__HUGE_2M - 1) & ~(size_t)(TR__HUGE_2M - 1);
		p = mmap(NULL, hl, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		if (p != MAP_FAILED) {
			*len = hl;
			*got_huge = true;
			return p;
		}
		/* No reserved huge pages: fall back silently (documented). */
	}
	return tr__map_thp(len);
}

struct tr_slab *tr_slab_create(const struct tr_slab_config *cfg, int *err)
{
	struct tr_slab_config c = { 0 };
	struct tr_slab *s = NULL;
	int e = -EINVAL;

	if (cfg)
		c = *cfg;
	if (!c.nbufs)
		c.nbufs = TR_SLAB_DEFAULT_NBUFS;
	if (!c.buf_size)
		c.buf_size = TR_SLAB_DEFAULT_BUF_SIZE;
	if (!c.headroom)
		c.headroom = TR_SLAB_DEFAULT_HEADROOM;
	if (!c.max_caches)
		c.max_caches = TR_SLAB_DEFAULT_MAX_CACHES;
	if (c.large_nbufs && !c.large_buf_size)
		c.large_buf_size = (c.headroom + TR_SLAB_LARGE_ROOM + 63) & ~63u;
	if (!tr__is_pow2(c.nbufs) || c.nbufs > TR__NBUFS_MAX || c.buf_size < 64 ||
	    (c.buf_size & 63) || c.headroom >= c.buf_size || c.max_caches > 4096)
		goto fail;
	if (c.large_nbufs && (!tr__is_pow2(c.large_nbufs) || c.large_nbufs > TR__NBUFS_MAX - c.nbufs ||
			      (c.large_buf_size & 63) || c.large_buf_size <= c.buf_size ||
			      c.large_buf_size > (1u << 24)))
		goto fail;

	e = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->nbufs = c.nbufs;
	s->buf_size = c.buf_size;
	s->headroom = c.headroom;
	s->max_caches = c.max_caches;
	s->region = (size_t)c.nbufs * c.buf_size;
	s->base = tr__map_region(&s->region, c.hugepages, &s->huge);
	if (!s->base)
		goto fail;
	const uint32_t nall = c.nbufs + c.large_nbufs;
	if (c.large_nbufs) {
		s->large_nbufs = c.large_nbufs;
		s->large_buf_size = c.large_buf_size;
		s->lregion = (size_t)c.large_nbufs * c.large_buf_size;
		bool lhuge;
		s->lbase = tr__map_region(&s->lregion, c.hugepages, &lhuge);
		if (!s->lbase)
			goto fail;
		s->large_ring = tr_ring_create(c.large_nbufs, &e);
		if (!s->large_ring)
			goto fail;
	}
	s->meta = aligned_alloc(TR_CACHE_LINE, (size_t)nall * sizeof(struct tr_buf));
	s->caches = calloc(c.max_caches, sizeof(*s->caches));
	s->free_ring = tr_ring_create(c.nbufs, &e);
	if (!s->meta || !s->caches || !s->free_ring) {
		e = -ENOMEM;
		goto fail;
	}
	memset(s->meta, 0, (size_t)nall * sizeof(struct tr_buf));
	for (uint32_t i = 0; i < nall; i++) {
		struct tr_buf *b = &s->meta[i];
		b->id = i;
		b->data = tr_slab_buf_addr(s, i) + c.headroom;
		b->tr__state = TR__BUF_FREE;
		/* Relaxed: the pool is not shared yet. */
		atomic_store_explicit(&b->refcnt, 0, memory_order_relaxed);
	}
#ifdef TR_DEBUG_POOL
	memset(s->base, TR_SLAB_POISON, s->region);
	if (s->lbase)
		memset(s->lbase, TR_SLAB_POISON, s->lregion);
#endif
	/* Fill the free ring in order (single thread: the spsc flavour). */
	for (uint32_t i = 0; i < c.nbufs; i++) {
		void *p = &s->meta[i];
		if (tr_ring_enqueue_bulk_spsc(s->free_ring, &p, 1) != 1) {
			e = -EINVAL;
			goto fail;
		}
	}
	for (uint32_t i = c.nbufs; i < nall; i++) {
		void *p = &s->meta[i];
		if (tr_ring_enqueue_bulk_spsc(s->large_ring, &p, 1) != 1) {
			e = -EINVAL;
			goto fail;
		}
	}
	if (err)
		*err = 0;
	return s;
fail:
	if (s) {
		tr_ring_destroy(s->large_ring);
		if (s->lbase)
			munmap(s->lbase, s->lregion);
		tr_ring_destroy(s->free_ring);
		free(s->caches);
		free(s->meta);
		if (s->base)
			munmap(s->base, s->region);
		free(s);
	}
	if (err)
		*err = e;
	return NULL;
}

void tr_slab_destroy(struct tr_slab *s)
{
	if (!s)
		return;
	tr_ring_destroy(s->large_ring);
	if (s->lbase)
		munmap(s->lbase, s->lregion);
	tr_ring_destroy(s->free_ring);
	free(s->caches);
	free(s->meta);
	munmap(s->base, s->region);
	free(s);
}

/* ---- accessors -------------------------------------------------------- */

uint8_t *tr_slab_base(const struct tr_slab *s) { return s->base; }
size_t tr_slab_region_size(const struct tr_slab *s) { return s->region; }
uint32_t tr_slab_buf_size(const struct tr_slab *s) { return s->buf_size; }
uint32_t tr_slab_headroom(const struct tr_slab *s) { return s->headroom; }
uint32_t tr_slab_nbufs(const struct tr_slab *s) { return s->nbufs; }
bool tr_slab_hugepages(const struct tr_slab *s) { return s->huge; }

uint8_t *tr_slab_buf_addr(const struct tr_slab *s, uint32_t id)
{
	return tr__buf_addr(s, id);
}

struct tr_buf *tr_slab_buf(const struct tr_slab *s, uint32_t id)
{
	return id < s->nbufs + s->large_nbufs ? &s->meta[id] : NULL;
}

struct tr_buf *tr_slab_buf_of(const struct tr_slab *s, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, b = (uintptr_t)s->base;
	if (a >= b && a - b < (uintptr_t)s->nbufs * s->buf_size)
		return &s->meta[(a - b) / s->buf_size];
	b = (uintptr_t)s->lbase;
	if (s->lbase && a >= b && a - b < (uintptr_t)s->large_nbufs * s->large_buf_size)
		return &s->meta[s->nbufs + (a - b) / s->large_buf_size];
	return NULL;
}

uint32_t tr_slab_large_nbufs(const struct tr_slab *s) { return s->large_nbufs; }
uint32_t tr_slab_large_buf_size(const struct tr_slab *s) { return s->large_buf_size; }
uint8_t *tr_slab_large_base(const struct tr_slab *s) { return s->lbase; }
size_t tr_slab_large_region_size(const struct tr_slab *s) { return s->lregion; }

bool tr_slab_buf_is_large(const struct tr_slab *s, const struct tr_buf *b)
{
	return b->id >= s->nbufs;
}

uint32_t tr_slab_buf_size_of(const struct tr_slab *s, const struct tr_buf *b)
{
	return b->id < s->nbufs ? s->buf_size : s->large_buf_size;
}

uint32_t tr_slab_buf_room(const struct tr_slab *s, const struct tr_buf *b)
{
	const uint8_t *base = tr_slab_buf_addr(s, b->id);
	uint32_t size = tr_slab_buf_size_of(s, b);
	if (b->data < base || b->data > base + size)
		return 0;
	return (uint32_t)(base + size - b->data);
}

/* ---- caches ----------------------------------------------------------- */

struct tr_slab_cache *tr_slab_cache_create(struct tr_slab *s, unsigned size, int *err)
{
	struct tr_slab_cache *c;
	int e = 0;
	if (!s || size > s->nbufs) {
		e = -EINVAL;
		goto out;
	}
	if (!size)
		size = TR_SLAB_DEFAULT_CACHE_SIZE < s->nbufs ? TR_SLAB_DEFAULT_CACHE_SIZE : s->nbufs;
	c = calloc(1, sizeof(*c) + 2 * (size_t)size * sizeof(c->objs[0]));
	if (!c) {
		e = -ENOMEM;
		goto out;
	}
	c->s = s;
	c->size = size;
	c->cap = 2 * size;
	c->data0 = s->base + s->headroom;
	c->buf_size = s->buf_size;
	c->nbufs = s->nbufs;
	for (unsigned i = 0; i < s->max_caches; i++) {
		struct tr_slab_cache *expect = NULL;
		/* C1: release publishes the initialised cache to stats readers
		 * (pairs with C3); relaxed on failure: we just try the next slot. */
		if (atomic_compare_exchange_strong_explicit(&s->caches[i], &expect, c,
							    memory_order_release, memory_order_relaxed)) {
			c->slot = i;
			if (err)
				*err = 0;
			return c;
		}
	}
	free(c);
	e = -ENOSPC;
out:
	if (err)
		*err = e;
	return NULL;
}

struct tr_slab *tr_slab_cache_slab(const struct tr_slab_cache *c)
{
	return c->s;
}

/* Push the top n buffers of the stack back to the shared ring. */
static void tr__cache_flush_n(struct tr_slab_cache *c, unsigned n)
{
	c->count -= n;
	/* The free ring holds nbufs entries, so it always has room for every
	 * buffer: this bulk can only fail if the pool is corrupted. */
	if (tr_ring_enqueue_bulk_mpmc(c->s->free_ring, (void *const *)&c->objs[c->count], n) != n) {
		fprintf(stderr, "tapring: slab: free ring overflow (buffer freed twice?)\n");
		abort();
	}
}

void tr_slab_cache_flush(struct tr_slab_cache *c)
{
	if (c->count)
		tr__cache_flush_n(c, c->count);
	tr__cache_publish(c);
}

void tr_slab_cache_destroy(struct tr_slab_cache *c)
{
	struct tr_slab *s;
	if (!c)
		return;
	s = c->s;
	tr_slab_cache_flush(c);
	/* Relaxed RMW: counters only; several caches may die concurrently. */
	atomic_fetch_add_explicit(&s->dead_allocs,
				  atomic_load_explicit(&c->allocs, memory_order_relaxed), memory_order_relaxed);
	atomic_fetch_add_explicit(&s->dead_alloc_fail,
				  atomic_load_explicit(&c->alloc_fail, memory_order_relaxed), memory_order_relaxed);
	/* C2: release, so a reader that no longer sees the cache (C3) also
	 * sees the folded counters and the flushed ring state. */
	atomic_store_explicit(&s->caches[c->slot], NULL, memory_order_release);
	free(c);
}

/* ---- alloc ------------------------------------------------------------ */

static inline void tr__buf_init(struct tr_slab *s, struct tr_buf *b)
{
	tr__slab_debug_on_alloc(s, b);
	/* Relaxed: the buffer came out of a ring (acquire) or our own stack;
	 * no other thread can see it until we hand it on through a ring. */
	atomic_store_explicit(&b->refcnt, 1, memory_order_relaxed);
	b->data = tr__buf_addr(s, b->id) + s->headroom;
	b->len = 0;
}

struct tr_buf *tr_slab_alloc_large(struct tr_slab *s)
{
	void *p = NULL;
	if (!s->large_nbufs)
		return NULL;
	/* The ring's acquire pairs with the release of the enqueue in
	 * tr__large_push: the freeing thread's last accesses are done. */
	if (tr_ring_dequeue_burst_mpmc(s->large_ring, &p, 1) != 1) {
		/* Relaxed RMW: a statistic; any thread may allocate. */
		atomic_fetch_add_explicit(&s->large_alloc_fail, 1, memory_order_relaxed);
		return NULL;
	}
	struct tr_buf *b = p;
	tr__buf_init(s, b);
	atomic_fetch_add_explicit(&s->large_allocs, 1, memory_order_relaxed);   /* statistic */
	return b;
}

unsigned tr_slab_large_available(const struct tr_slab *s)
{
	return s->large_ring ? tr_ring_count(s->large_ring) : 0;
}

/* Up to n <= c->cap buffers. */
static unsigned tr__alloc_chunk(struct tr_slab_cache *c, struct tr_buf **bufs, unsigned n)
{
	struct tr_slab *s = c->s;
	unsigned count = c->count, m;
	if (count < n) {
		/* Refill to size + n in one burst, so the next few allocs hit
		 * the stack; never beyond the stack's capacity. */
		unsigned want = c->size + n - count;
		if (want > c->cap - count)
			want = c->cap - count;
		count += tr_ring_dequeue_burst_mpmc(s->free_ring, (void **)&c->objs[count], want);
	}
	m = n < count ? n : count;
	for (unsigned i = 0; i < m; i++) {
		struct tr_buf *b = c->objs[--count];
		tr__buf_init(s, b);
		bufs[i] = b;
	}
	c->count = count;
	return m;
}

unsigned tr_slab_alloc_burst(struct tr_slab_cache *c, struct tr_buf **bufs, unsigned n)
{
	unsigned done = 0;
	while (done < n) {
		unsigned want = n - done < c->cap ? n - done : c->cap;
		unsigned got = tr__alloc_chunk(c, bufs + done, want);
		done += got;
		if (got < want)
			break;
	}
	if (done < n)
		tr__cnt_add(&c->alloc_fail, n - done);
	tr__cnt_add(&c->allocs, done);
	tr__cache_publish(c);
	return done;
}

struct tr_buf *tr_slab_alloc(struct tr_slab_cache *c)
{
	struct tr_buf *b = NULL;
	if (TR__LIKELY(c->count)) {
		/* common case: pop the hottest buffer off our own stack */
		b = c->objs[--c->count];
		tr__buf_init(c->s, b);
		tr__cnt_add(&c->allocs, 1);
		tr__cache_publish(c);
		return b;
	}
	return tr_slab_alloc_burst(c, &b, 1) ? b : NULL;
}

/* ---- free ------------------------------------------------------------- */

/* A large buffer whose last reference is gone goes straight back to the
 * large free ring (release inside the MPMC enqueue, pairing with the
 * acquire of tr_slab_alloc_large's dequeue). Always fits: the ring holds
 * large_nbufs entries. */
__attribute__((noinline))
static void tr__large_push(struct tr_slab *s, struct tr_buf *b)
{
	void *p = b;
	tr__slab_debug_on_free(s, b);
	if (tr_ring_enqueue_bulk_mpmc(s->large_ring, &p, 1) != 1) {
		fprintf(stderr, "tapring: slab: large free ring overflow (buffer freed twice?)\n");
		abort();
	}
}

/*
 * Drop one reference; true if it was the last (the caller recycles).
 *
 * Fast path: refcnt == 1 means the caller holds the only reference. Nobody
 * else can take one (tr_buf_ref() requires holding a reference), so no
 * other thread can write refcnt now and a plain store replaces the RMW.
 * The load is acquire (F1): it pairs with the release half of other
 * holders' earlier decrements (F2), so their accesses to the buffer
 * happen-before we recycle it.
 */
static inline bool tr__buf_put(struct tr_buf *b)
{
	uint32_t rc = atomic_load_explicit(&b->refcnt, memory_order_acquire); /* F1 */
	if (TR__LIKELY(rc == 1)) {
		/* Relaxed: we are the only holder (see above); the buffer is
		 * published to its next owner through the free ring (release). */
		atomic_store_explicit(&b->refcnt, 0, memory_order_relaxed);
		return true;
	}
	if (TR__UNLIKELY(rc == 0))
		tr__slab_double_free(b, "refcnt already 0");
	/* F2: acq_rel: release orders our accesses before whoever drops the
	 * last reference; acquire (when we are last) pairs with the other
	 * holders' F2 release, like F1. */
	rc = atomic_fetch_sub_explicit(&b->refcnt, 1, memory_order_acq_rel);
	if (TR__UNLIKELY(rc == 0))
		tr__slab_double_free(b, "refcnt went below 0");
	return rc == 1;
}

void tr_slab_free_local(struct tr_slab_cache *c, struct tr_buf *b)
{
	if (!tr__buf_put(b))
		return;
	if (TR__UNLIKELY(b->id >= c->s->nbufs)) {
		tr__large_push(c->s, b);
		return;
	}
	tr__slab_debug_on_free(c->s, b);
	if (TR__UNLIKELY(c->count == c->cap))
		tr__cache_flush_n(c, c->size);
	c->objs[c->count++] = b;
	tr__cache_publish(c);
}

void tr_slab_free_burst_local(struct tr_slab_cache *c, struct tr_buf **bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *b = bufs[i];
		if (!tr__buf_put(b))
			continue;
		if (TR__UNLIKELY(b->id >= c->s->nbufs)) {
			tr__large_push(c->s, b);
			continue;
		}
		tr__slab_debug_on_free(c->s, b);
		if (TR__UNLIKELY(c->count == c->cap))
			tr__cache_flush_n(c, c->size);
		c->objs[c->count++] = b;
	}
	tr__cache_publish(c);
}

static void tr__remote_push(struct tr_slab *s, struct tr_buf **bufs, unsigned n)
{
	/* Always fits (ring capacity == nbufs); see tr__cache_flush_n. */
	if (tr_ring_enqueue_bulk_mpmc(s->free_ring, (void *const *)bufs, n) != n) {
		fprintf(stderr, "tapring: slab: free ring overflow (buffer freed twice?)\n");
		abort();
	}
}

void tr_slab_free_remote(struct tr_slab *s, struct tr_buf *b)
{
	if (!tr__buf_put(b))
		return;
	if (TR__UNLIKELY(b->id >= s->nbufs)) {
		tr__large_push(s, b);
		return;
	}
	tr__slab_debug_on_free(s, b);
	tr__remote_push(s, &b, 1);
}

void tr_slab_free_burst_remote(struct tr_slab *s, struct tr_buf **bufs, unsigned n)
{
	struct tr_buf *batch[32];
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!tr__buf_put(bufs[i]))
			continue;
		if (TR__UNLIKELY(bufs[i]->id >= s->nbufs)) {
			tr__large_push(s, bufs[i]);
			continue;
		}
		tr__slab_debug_on_free(s, bufs[i]);
		batch[k++] = bufs[i];
		if (k == 32) {
			tr__remote_push(s, batch, k);
			k = 0;
		}
	}
	if (k)
		tr__remote_push(s, batch, k);
}

/* ---- stats ------------------------------------------------------------ */

void tr_slab_stats(const struct tr_slab *s, struct tr_slab_stats *st)
{
	memset(st, 0, sizeof(*st));
	/* Relaxed: statistics; see the counters' comments. */
	st->allocs = atomic_load_explicit(&s->dead_allocs, memory_order_relaxed);
	st->alloc_fail = atomic_load_explicit(&s->dead_alloc_fail, memory_order_relaxed);
	for (unsigned i = 0; i < s->max_caches; i++) {
		/* C3: acquire pairs with C1 (cache initialised) and C2. The
		 * caller must not destroy caches while reading stats. */
		struct tr_slab_cache *c = atomic_load_explicit(&s->caches[i], memory_order_acquire);
		if (!c)
			continue;
		st->caches++;
		/* Relaxed: statistics (single writer: the cache's owner). */
		st->in_caches += atomic_load_explicit(&c->pub_count, memory_order_relaxed);
		st->allocs += atomic_load_explicit(&c->allocs, memory_order_relaxed);
		st->alloc_fail += atomic_load_explicit(&c->alloc_fail, memory_order_relaxed);
	}
	st->in_pool = tr_ring_count(s->free_ring);
	st->nbufs = s->nbufs;
	st->available = st->in_pool + st->in_caches;
	st->in_use = st->available > s->nbufs ? 0 : s->nbufs - st->available;
	st->hugepages = s->huge;
	st->large_nbufs = s->large_nbufs;
	st->large_available = tr_slab_large_available(s);
	/* Relaxed: statistics. */
	st->large_allocs = atomic_load_explicit(&s->large_allocs, memory_order_relaxed);
	st->large_alloc_fail = atomic_load_explicit(&s->large_alloc_fail, memory_order_relaxed);
}

unsigned tr_slab_available(const struct tr_slab *s)
{
	struct tr_slab_stats st;
	tr_slab_stats(s, &st);
	return st.available;
}
