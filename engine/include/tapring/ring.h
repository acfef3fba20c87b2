/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring/ring.h: bounded lock-free rings of void * (SPSC and MPMC).
 *
 * The fast paths are inline so a burst costs no call. Names carry the
 * concurrency contract (STYLE.md rule 3):
 *   tr_ring_enqueue_*_spsc   at most ONE thread enqueues at a time
 *   tr_ring_dequeue_*_spsc   at most ONE thread dequeues at a time
 *   tr_ring_*_mpmc           any number of threads, lock-free
 * A single producer may use _spsc enqueue while several consumers use
 * _mpmc dequeue (and vice versa): each side only looks at the other side's
 * tail. Never mix _spsc and _mpmc calls on the SAME side concurrently
 * (switching flavour while that side is quiescent is fine).
 *
 *   burst  moves as many as possible, 0..n; returns the count moved
 *   bulk   moves all n or nothing; returns n or 0
 *
 * Capacity is the full power-of-two count given to tr_ring_create() (no
 * slot is sacrificed; see the invariant on struct tr_ring).
 *
 * The calls never block and never allocate. The MPMC calls may spin briefly
 * while an earlier thread on the same side publishes its tail (the same
 * "in-order tail update" rule as DPDK's rte_ring); a preempted thread can
 * therefore delay others on its side (after ~256 pauses the waiter calls
 * sched_yield() so the preempted thread can run), so prefer _spsc where the
 * topology allows it.
 */
#ifndef TAPRING_RING_H
#define TAPRING_RING_H

#include <tapring/api.h>

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
/* C++ embedders (e.g. Google Benchmark files): same layout via std::atomic. */
#include <atomic>
#define TR__ATOMIC(T) std::atomic<T>
using std::atomic_load_explicit;
using std::atomic_store_explicit;
using std::atomic_compare_exchange_weak_explicit;
using std::atomic_fetch_add_explicit;
using std::atomic_fetch_sub_explicit;
using std::memory_order_relaxed;
using std::memory_order_acquire;
using std::memory_order_release;
using std::memory_order_acq_rel;
extern "C" {
#else
#include <stdatomic.h>
#define TR__ATOMIC(T) _Atomic(T)
#endif

#define TR_CACHE_LINE 64
/* Alignment of struct tr_ring (two cache lines, see the struct). */
#define TR_RING_ALIGN (2 * TR_CACHE_LINE)
#define TR__ALIGNED(n) __attribute__((aligned(n)))
#define TR__ALWAYS_INLINE inline __attribute__((always_inline))
#define TR__LIKELY(x) __builtin_expect(!!(x), 1)
#define TR__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Largest count accepted by tr_ring_create(): head - tail must stay a
 * meaningful uint32_t difference, so the capacity is at most 2^31. */
#define TR_RING_MAX_COUNT (UINT32_C(1) << 31)

/*
 * internal: one side's indices (DPDK's headtail). On the producer side
 *   head  the next index a producer will claim (producers CAS it, MPMC)
 *   tail  every slot below it is written and visible to consumers
 * and symmetrically on the consumer side
 *   head  the next index a consumer will claim
 *   tail  every slot below it has been read and may be overwritten
 * tr__other is a private, plain copy of the OTHER side's tail, used only by
 * the _spsc calls on this side (a single thread), so a single producer reads
 * the consumer's cache line only when its cached view says "full" (and the
 * consumer likewise). The cached value is always <= the real tail, so a
 * stale copy only under-estimates room; it can never over-fill.
 */
struct tr__ring_side {
	TR__ATOMIC(uint32_t) head;
	TR__ATOMIC(uint32_t) tail;
	uint32_t tr__other;
} TR__ALIGNED(TR_CACHE_LINE);

/*
 * A ring. Layout is public only so the fast paths can be inlined; touch the
 * fields only through the functions below.
 *
 * Indices are free-running uint32_t values that wrap at 2^32; the slot of
 * index i is tr__slots[i & tr__mask]. With size a power of two <= 2^31:
 *
 *   Invariant (wraparound-safe, all arithmetic mod 2^32):
 *     cons.tail <= cons.head <= prod.tail <= prod.head <= cons.tail + size
 *   i.e. (uint32_t)(prod.head - cons.tail) <= size, and each "<=" above is
 *   meant as "the uint32_t difference later - earlier is <= size".
 *   count    = prod.tail - cons.tail   (entries visible to consumers)
 *   free     = size - (prod.head - cons.tail)
 *
 * Because differences are taken mod 2^32 and never exceed size <= 2^31, the
 * indices may wrap past UINT32_MAX at any moment (tested by starting a ring
 * at UINT32_MAX - k with tr__ring_set_index()). tr_ring_valid() checks the
 * invariant on a quiescent ring.
 */
struct tr_ring {
	/* read-only after create: its own line, never written again */
	uint32_t tr__size;       /* slot count == capacity, power of two */
	uint32_t tr__mask;       /* tr__size - 1 */
	uint32_t tr__flags;      /* internal: TR__RING_F_* */
	uint32_t tr__pad0;
	/* Each side gets its own 128-byte block: x86 cores prefetch the
	 * adjacent line of a pair, so one empty line between the producer and
	 * consumer lines keeps them from false sharing through the prefetcher
	 * (DPDK pads rte_ring the same way). */
	TR__ALIGNED(TR_RING_ALIGN) struct tr__ring_side tr__prod;  /* producers' line */
	TR__ALIGNED(TR_RING_ALIGN) struct tr__ring_side tr__cons;  /* consumers' line */
	TR__ALIGNED(TR_RING_ALIGN) void *tr__slots[]; /* tr__size entries */
};

/*
 * Create a ring of `count` slots (a power of two, 1 <= count <= 2^31). The
 * ring holds up to `count` entries. Returns NULL and sets *err to -EINVAL
 * (bad count) or -ENOMEM. The memory is TR_RING_ALIGN aligned.
 */
TR_API struct tr_ring *tr_ring_create(uint32_t count, int *err);
/* Free a ring created by tr_ring_create() (NULL is allowed). No thread may
 * still use it. Entries still in the ring are not freed. */
TR_API void tr_ring_destroy(struct tr_ring *r);
/* Bytes tr_ring_create() allocates for `count` slots (0 if count is bad);
 * with tr_ring_init() a ring can live in caller memory (shared, huge). */
TR_API size_t tr_ring_memsize(uint32_t count);
/* Initialise a ring in caller memory of tr_ring_memsize(count) bytes,
 * TR_RING_ALIGN-byte aligned. Returns 0 or -EINVAL. */
TR_API int tr_ring_init(struct tr_ring *r, uint32_t count);
/*
 * Debug check of the invariant above. Only meaningful on a quiescent ring
 * (no call in flight); returns 1 if it holds, 0 if not. Cheap but not for
 * the hot path: TR_RING_ASSERT_VALID() compiles to nothing unless
 * TR_DEBUG_POOL is defined.
 */
TR_API int tr_ring_valid(const struct tr_ring *r);
/* Prints the ring's indices to stderr with file:line and aborts. Called by
 * TR_RING_ASSERT_VALID() when tr_ring_valid() fails (so it is exported: an
 * embedder may build with TR_DEBUG_POOL). */
TR_API void tr_ring_invalid_abort(const struct tr_ring *r, const char *file, int line);
#ifdef TR_DEBUG_POOL
#define TR_RING_ASSERT_VALID(r) do { \
	if (!tr_ring_valid(r)) tr_ring_invalid_abort((r), __FILE__, __LINE__); \
} while (0)
#else
#define TR_RING_ASSERT_VALID(r) do { (void)(r); } while (0)
#endif

static inline unsigned tr_ring_capacity(const struct tr_ring *r)
{
	return r->tr__size;
}

/*
 * Entries currently in the ring. Exact on a quiescent ring; while others
 * run it is a snapshot that may be stale by the time it returns.
 */
static inline unsigned tr_ring_count(const struct tr_ring *r)
{
	/* Relaxed is enough: this is a statistic and synchronises nothing; no
	 * slot is read on its strength. Load cons.tail first so that a later
	 * (larger) prod.tail keeps the difference >= 0; clamp to size because
	 * the two loads are not one snapshot. */
	uint32_t ct = atomic_load_explicit(&r->tr__cons.tail, memory_order_relaxed);
	uint32_t pt = atomic_load_explicit(&r->tr__prod.tail, memory_order_relaxed);
	uint32_t n = pt - ct;
	return n > r->tr__size ? r->tr__size : n;
}

static inline unsigned tr_ring_free_count(const struct tr_ring *r)
{
	return tr_ring_capacity(r) - tr_ring_count(r);
}

#ifdef __cplusplus
#define TR__RESTRICT __restrict
#else
#define TR__RESTRICT restrict
#endif

/* internal: copy n pointers; unrolled by 4 (slots and caller arrays never
 * overlap, hence restrict, which lets the compiler use vector moves). */
static TR__ALWAYS_INLINE void tr__ring_copy(void **TR__RESTRICT d, void *const *TR__RESTRICT src, uint32_t n)
{
	/* 32-bit counts (a ring holds at most 2^31 slots): with size_t, gcc's
	 * loop analysis can assume 2^61 iterations and warn about pointer
	 * overflow (-Waggressive-loop-optimizations) at some inlined call sites. */
	uint32_t k = 0;
	for (; k + 4 <= n; k += 4) {
		d[k] = src[k];
		d[k + 1] = src[k + 1];
		d[k + 2] = src[k + 2];
		d[k + 3] = src[k + 3];
	}
	for (; k < n; k++)
		d[k] = src[k];
}

/* internal: copy n pointers into the slots starting at index idx (masked). */
static TR__ALWAYS_INLINE void tr__ring_put(struct tr_ring *r, uint32_t idx, void *const *objs, unsigned n)
{
	size_t i = idx & r->tr__mask;
	void **s = r->tr__slots;
	/* One element never wraps (i <= mask): skip the split check and the
	 * copy loop. Only when n is a compile-time 1 (burst/bulk of one), so
	 * runtime and larger bursts keep exactly the code they had. */
	if (__builtin_constant_p(n) && n == 1) {
		s[i] = objs[0];
		return;
	}
	if (TR__LIKELY(n <= r->tr__size - i)) {   /* i <= mask: no underflow */
		tr__ring_copy(s + i, objs, n);
	} else {
		uint32_t first = (uint32_t)(r->tr__size - i);
		tr__ring_copy(s + i, objs, first);
		tr__ring_copy(s, objs + first, n - first);
	}
}

/* internal: copy n pointers out of the slots starting at index idx. */
static TR__ALWAYS_INLINE void tr__ring_get(const struct tr_ring *r, uint32_t idx, void **objs, unsigned n)
{
	size_t i = idx & r->tr__mask;
	void *const *s = r->tr__slots;
	if (__builtin_constant_p(n) && n == 1) {   /* see tr__ring_put() */
		objs[0] = s[i];
		return;
	}
	if (TR__LIKELY(n <= r->tr__size - i)) {   /* i <= mask: no underflow */
		tr__ring_copy(objs, s + i, n);
	} else {
		uint32_t first = (uint32_t)(r->tr__size - i);
		tr__ring_copy(objs, s + i, first);
		tr__ring_copy(objs + first, s, n - first);
	}
}

static TR__ALWAYS_INLINE void tr__ring_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Spins in an MPMC tail wait before the waiter yields its CPU. */
#define TR_RING_SPINS_BEFORE_YIELD 256

/*
 * internal: wait until *tail == expect (MP-A3 / MC-A3). The thread we wait
 * for has claimed slots ahead of us; if it was preempted, pure spinning
 * would burn our whole time slice while it cannot run (with more threads
 * than cores, e.g. 2 cores and a remote-free thread, that costs a
 * scheduler tick per handoff). So after TR_RING_SPINS_BEFORE_YIELD pauses
 * (a few microseconds) we sched_yield(): a syscall, but only on this
 * contended slow path, never per frame when uncontended.
 *
 * Acquire pairs with the earlier thread's release store of the same tail
 * (MP-R2 / MC-R2); see the callers for why this must not be relaxed.
 */
__attribute__((noinline, cold))
static void tr__ring_wait_tail_slow(TR__ATOMIC(uint32_t) *tail, uint32_t expect)
{
	unsigned spins = 0;
	while (atomic_load_explicit(tail, memory_order_acquire) != expect) {
		tr__ring_pause();
		if (++spins == TR_RING_SPINS_BEFORE_YIELD) {
			spins = 0;
			sched_yield();
		}
	}
}

static TR__ALWAYS_INLINE void tr__ring_wait_tail(TR__ATOMIC(uint32_t) *tail, uint32_t expect)
{
	/* Acquire: as in the slow path. Uncontended, this is one load. */
	if (TR__UNLIKELY(atomic_load_explicit(tail, memory_order_acquire) != expect))
		tr__ring_wait_tail_slow(tail, expect);
}

/* ------------------------------------------------------------------------
 * Single producer / single consumer
 *
 * Labels used in the comments below:
 *   SP-A1  producer's acquire load of cons.tail
 *   SP-R1  producer's release store of prod.tail (publishes the slots)
 *   SC-A1  consumer's acquire load of prod.tail
 *   SC-R1  consumer's release store of cons.tail (frees the slots)
 *   MP-*, MC-*  the MPMC equivalents, further down
 * SP-R1 pairs with SC-A1 / MC-A1; SC-R1 pairs with SP-A1 / MP-A2 (MP-A1
 * is a head load that synchronises with nothing).
 * ------------------------------------------------------------------------ */

/* internal: single-producer enqueue; bulk (all or nothing) is a constant. */
static TR__ALWAYS_INLINE unsigned tr__ring_enqueue_sp(struct tr_ring *r, void *const *objs, unsigned n, int bulk)
{
	/* Relaxed: only this (single) producer ever writes prod.head/tail, so
	 * it reads back its own last store. */
	uint32_t head = atomic_load_explicit(&r->tr__prod.head, memory_order_relaxed);
	/* tr__other is a plain cached copy of cons.tail, private to this
	 * producer; it is <= the real cons.tail, so free_n only under-estimates. */
	uint32_t free_n = r->tr__size - (head - r->tr__prod.tr__other);
	/* free_n > size: the copy is from before an _mpmc phase on this side
	 * (calls may switch flavour while quiescent); refresh it as well. */
	if (free_n < n || TR__UNLIKELY(free_n > r->tr__size)) {
		/* SP-A1: acquire pairs with the consumer's release of cons.tail
		 * (SC-R1 / MC-R2): the consumer has finished reading every slot
		 * below the value we see, so we may overwrite them. */
		r->tr__prod.tr__other = atomic_load_explicit(&r->tr__cons.tail, memory_order_acquire);
		free_n = r->tr__size - (head - r->tr__prod.tr__other);
		if (free_n < n) {
			if (bulk || free_n == 0)
				return 0;
			n = free_n;
		}
	}
	tr__ring_put(r, head, objs, n);
	/* Relaxed: prod.head is read only by producers (MP-*), and with an
	 * _spsc producer there are no others; kept equal to tail so that
	 * tr_ring_valid() and a later _mpmc producer see a consistent ring. */
	atomic_store_explicit(&r->tr__prod.head, head + n, memory_order_relaxed);
	/* SP-R1: release publishes the slot writes above; pairs with the
	 * consumer's acquire load of prod.tail (SC-A1 / MC-A1). */
	atomic_store_explicit(&r->tr__prod.tail, head + n, memory_order_release);
	return n;
}

/* internal: single-consumer dequeue. */
static TR__ALWAYS_INLINE unsigned tr__ring_dequeue_sc(struct tr_ring *r, void **objs, unsigned n, int bulk)
{
	/* Relaxed: only this (single) consumer writes cons.head/tail. */
	uint32_t head = atomic_load_explicit(&r->tr__cons.head, memory_order_relaxed);
	/* tr__other: plain cached copy of prod.tail, private to this consumer;
	 * it is <= the real prod.tail, so "avail" only under-estimates. */
	uint32_t avail = r->tr__cons.tr__other - head;
	if (avail < n || TR__UNLIKELY(avail > r->tr__size)) {
		/* SC-A1: acquire pairs with the producer's release of prod.tail
		 * (SP-R1 / MP-R2): every slot below it is written and visible. */
		r->tr__cons.tr__other = atomic_load_explicit(&r->tr__prod.tail, memory_order_acquire);
		avail = r->tr__cons.tr__other - head;
		if (avail < n) {
			if (bulk || avail == 0)
				return 0;
			n = avail;
		}
	}
	tr__ring_get(r, head, objs, n);
	/* Relaxed: cons.head is read only by consumers; see the producer. */
	atomic_store_explicit(&r->tr__cons.head, head + n, memory_order_relaxed);
	/* SC-R1: release orders our slot reads above before the producer may
	 * reuse the slots; pairs with SP-A1 / MP-A2. */
	atomic_store_explicit(&r->tr__cons.tail, head + n, memory_order_release);
	return n;
}

static inline unsigned tr_ring_enqueue_burst_spsc(struct tr_ring *r, void *const *objs, unsigned n)
{
	return tr__ring_enqueue_sp(r, objs, n, 0);
}

static inline unsigned tr_ring_enqueue_bulk_spsc(struct tr_ring *r, void *const *objs, unsigned n)
{
	return tr__ring_enqueue_sp(r, objs, n, 1);
}

static inline unsigned tr_ring_dequeue_burst_spsc(struct tr_ring *r, void **objs, unsigned n)
{
	return tr__ring_dequeue_sc(r, objs, n, 0);
}

static inline unsigned tr_ring_dequeue_bulk_spsc(struct tr_ring *r, void **objs, unsigned n)
{
	return tr__ring_dequeue_sc(r, objs, n, 1);
}

/* ------------------------------------------------------------------------
 * Multi producer / multi consumer (DPDK-style two-phase: claim by CAS on
 * head, copy, then publish tail in claim order).
 *
 *   MP-A1  producer's load of prod.head (CAS expected value; orders
 *          MP-A2 after it, synchronises with nothing)
 *   MP-A2  producer's acquire load of cons.tail
 *   MP-C1  producer's CAS on prod.head (claims [old, old+n))
 *   MP-A3  producer's acquire wait for prod.tail == old
 *   MP-R2  producer's release store prod.tail = old + n
 *   MC-A0  consumer's load of cons.head (the MP-A1 of the consumer side)
 *   MC-A1  consumer's acquire load of prod.tail
 *   MC-C1  consumer's CAS on cons.head
 *   MC-A3  consumer's acquire wait for cons.tail == old
 *   MC-R2  consumer's release store cons.tail = old + n
 * ------------------------------------------------------------------------ */

static TR__ALWAYS_INLINE unsigned tr__ring_enqueue_mp(struct tr_ring *r, void *const *objs, unsigned n, int bulk)
{
	uint32_t head, ctail, used, free_n;
	/* MP-A1: acquire keeps the cons.tail load (MP-A2) from being satisfied
	 * before this load (DPDK uses an acquire fence at the same spot). It
	 * synchronises with nothing: the CAS (MP-C1) validates the value. */
	head = atomic_load_explicit(&r->tr__prod.head, memory_order_acquire);
	for (;;) {
		/* MP-A2: acquire pairs with the consumers' release of cons.tail
		 * (MC-R2 / SC-R1): slots below ctail are no longer being read. */
		ctail = atomic_load_explicit(&r->tr__cons.tail, memory_order_acquire);
		used = head - ctail;
		if (TR__UNLIKELY(used > r->tr__size)) {
			/* Our head is stale (consumers passed it): the two loads
			 * are not one snapshot. Reload and retry; the CAS would
			 * fail anyway. Acquire: same reason as MP-A1. */
			tr__ring_pause();
			head = atomic_load_explicit(&r->tr__prod.head, memory_order_acquire);
			continue;
		}
		free_n = r->tr__size - used;
		if (free_n < n) {
			if (bulk || free_n == 0)
				return 0;
			n = free_n;
		}
		/* MP-C1: the claim only reserves indices; the slot data is
		 * published later by MP-R2 and the slots are known free through
		 * MP-A2, so success needs no ordering of its own. On failure
		 * `head` is reloaded with acquire, for the same load-order reason
		 * as MP-A1; success is acquire too only because C11 forbids a
		 * failure order stronger than the success order (free on x86). */
		if (atomic_compare_exchange_weak_explicit(&r->tr__prod.head, &head, head + n,
							  memory_order_acquire, memory_order_acquire))
			break;
	}
	tr__ring_put(r, head, objs, n);
	/* MP-A3: wait until the producers that claimed before us have published
	 * (tails move in claim order). Acquire pairs with their MP-R2, so their
	 * slot writes happen-before our MP-R2 and a consumer that acquires our
	 * tail sees them too (a plain store does not extend their release
	 * sequence, hence acquire rather than relaxed here). */
	tr__ring_wait_tail(&r->tr__prod.tail, head);
	/* MP-R2: release publishes our slot writes; pairs with MC-A1 / SC-A1. */
	atomic_store_explicit(&r->tr__prod.tail, head + n, memory_order_release);
	return n;
}

static TR__ALWAYS_INLINE unsigned tr__ring_dequeue_mc(struct tr_ring *r, void **objs, unsigned n, int bulk)
{
	uint32_t head, ptail, avail;
	/* MC-A0: acquire for the same load-order reason as MP-A1 (keeps MC-A1
	 * after it); synchronises with nothing, MC-C1 validates the value. */
	head = atomic_load_explicit(&r->tr__cons.head, memory_order_acquire);
	for (;;) {
		/* MC-A1: acquire pairs with the producers' release of prod.tail
		 * (MP-R2 / SP-R1): the slots below ptail are written. */
		ptail = atomic_load_explicit(&r->tr__prod.tail, memory_order_acquire);
		avail = ptail - head;
		if (TR__UNLIKELY(avail > r->tr__size)) {
			/* Stale head (other consumers moved past it); retry.
			 * Acquire: as MC-A0. */
			tr__ring_pause();
			head = atomic_load_explicit(&r->tr__cons.head, memory_order_acquire);
			continue;
		}
		if (avail < n) {
			if (bulk || avail == 0)
				return 0;
			n = avail;
		}
		/* MC-C1: success needs no ordering: the slots are known written
		 * through MC-A1, and MC-R2 publishes that we are done with them.
		 * Failure reloads head with acquire (load order, as MP-C1); the
		 * success order matches it only to satisfy C11's rule. */
		if (atomic_compare_exchange_weak_explicit(&r->tr__cons.head, &head, head + n,
							  memory_order_acquire, memory_order_acquire))
			break;
	}
	tr__ring_get(r, head, objs, n);
	/* MC-A3: wait for earlier consumers to release their slots; acquire
	 * pairs with their MC-R2 so that a producer acquiring our tail (MP-A2)
	 * also happens-after their slot reads. */
	tr__ring_wait_tail(&r->tr__cons.tail, head);
	/* MC-R2: release orders our slot reads before reuse; pairs with MP-A2 /
	 * SP-A1. */
	atomic_store_explicit(&r->tr__cons.tail, head + n, memory_order_release);
	return n;
}

static inline unsigned tr_ring_enqueue_burst_mpmc(struct tr_ring *r, void *const *objs, unsigned n)
{
	return tr__ring_enqueue_mp(r, objs, n, 0);
}

static inline unsigned tr_ring_enqueue_bulk_mpmc(struct tr_ring *r, void *const *objs, unsigned n)
{
	return tr__ring_enqueue_mp(r, objs, n, 1);
}

static inline unsigned tr_ring_dequeue_burst_mpmc(struct tr_ring *r, void **objs, unsigned n)
{
	return tr__ring_dequeue_mc(r, objs, n, 0);
}

static inline unsigned tr_ring_dequeue_bulk_mpmc(struct tr_ring *r, void **objs, unsigned n)
{
	return tr__ring_dequeue_mc(r, objs, n, 1);
}

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_RING_H */
