/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring/slab.h: the zero-copy buffer pool.
 *
 * One mmap'd data region of nbufs fixed-size buffers (huge pages when asked
 * and available), plus a separate, cache-line aligned metadata array with
 * one struct tr_buf per buffer. Buffer id i lives at
 *     tr_slab_base(s) + i * tr_slab_buf_size(s)
 * so the region can be registered with io_uring as fixed buffers or handed
 * out through a provided-buffer ring with bid == tr_buf.id.
 *
 * Free buffers sit in a shared lock-free MPMC ring. Each worker owns a
 * tr_slab_cache (single-threaded) that refills and flushes in bursts, so
 * the common alloc/free touches no shared cache line. A buffer freed on
 * another thread goes straight back to the shared ring
 * (tr_slab_free_remote), lock-free.
 *
 * Exhaustion is backpressure: alloc returns fewer buffers than asked and
 * the shortfall is counted in alloc_fail; nothing blocks.
 *
 * With TR_DEBUG_POOL (meson -Ddebug_pool=true) freed buffers are poisoned
 * with 0x6b and a double free aborts with a message naming the buffer id.
 */
#ifndef TAPRING_SLAB_H
#define TAPRING_SLAB_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TR_SLAB_DEFAULT_NBUFS     4096u
#define TR_SLAB_DEFAULT_BUF_SIZE  2048u
#define TR_SLAB_BIG_BUF_SIZE      65536u   /* vnet_hdr offload (GSO/GRO) class */
#define TR_SLAB_DEFAULT_HEADROOM  128u
/* Large class default: headroom + 12-byte vnet header + 65535-byte frame,
 * rounded up to 64 (with the default headroom: 65728). */
#define TR_SLAB_LARGE_ROOM        (12u + 65535u)
#define TR_SLAB_DEFAULT_MAX_CACHES 16u
#define TR_SLAB_DEFAULT_CACHE_SIZE 256u
#define TR_SLAB_POISON            0x6b     /* TR_DEBUG_POOL fill of freed data */

/* A zero field means "use the default" (TR_SLAB_DEFAULT_*). */
struct tr_slab_config {
	uint32_t nbufs;        /* number of buffers, power of two, <= 2^24 */
	uint32_t buf_size;     /* bytes per buffer incl. headroom: multiple of
	                        * 64, 2048 default, 65536 for vnet_hdr offloads */
	uint32_t headroom;     /* bytes reserved before the frame (default 128),
	                        * < buf_size */
	bool hugepages;        /* try MAP_HUGETLB, fall back silently */
	unsigned max_caches;   /* max per-worker caches (default 16) */
	/* Optional large class (64 KiB frames: vnet_hdr super-frames,
	 * reassembled datagrams). 0 buffers: no large class. Large buffers
	 * have ids nbufs .. nbufs + large_nbufs - 1, live in a second region
	 * and free list, and never enter a cache: every free path (local,
	 * remote, burst) sends them back to their own class. */
	uint32_t large_nbufs;     /* power of two, or 0 */
	uint32_t large_buf_size;  /* bytes per large buffer incl. headroom, multiple of
	                           * 64, > buf_size (0: TR_SLAB_DEFAULT_LARGE_SIZE) */
};

/*
 * Per-buffer metadata: exactly one cache line, in an array separate from
 * the data (so scanning metadata does not pull packet bytes into cache).
 * After allocation the holder owns every field except id and refcnt.
 */
struct tr_buf {
	uint8_t *data;             /* frame start (buffer base + headroom) */
	uint32_t len;              /* frame length in bytes */
	uint32_t id;               /* index in the pool == io_uring bid; const */
	uint16_t queue;            /* rx queue / worker that received it */
	uint16_t flags;            /* engine-defined: TR_BUF_F_* */
	uint32_t verdict;          /* pipeline verdict / drop reason (engine) */
	TR__ATOMIC(uint32_t) refcnt; /* 0 while free; see tr_buf_ref() */
	uint32_t tr__state;        /* internal: free/allocated marker (debug) */
	uint64_t user;             /* free for the application / stages */
	uint64_t ts;               /* receive timestamp, ns (engine) */
	struct tr_buf *next;       /* free for the holder: chain buffers */
	uint64_t user2;            /* free for the application / stages */
} TR__ALIGNED(TR_CACHE_LINE);

/* tr_buf.flags bits (set by the engine's offload path, docs/offload.md).
 * Without offloads the engine never sets them and ignores them on tx. */
#define TR_BUF_F_VNET          0x0001u  /* the frame has offload metadata (tr_engine_offload):
                                         * a tx writes that vnet header instead of a zero one */
#define TR_BUF_F_CSUM_PARTIAL  0x0002u  /* NEEDS_CSUM: the L4 checksum field holds the
                                         * pseudo-header seed; do not verify it */
#define TR_BUF_F_CSUM_VALID    0x0004u  /* DATA_VALID: the kernel checked the checksum */
#define TR_BUF_F_GSO           0x0008u  /* a super-frame of several wire segments */

#ifdef __cplusplus
static_assert(sizeof(struct tr_buf) == TR_CACHE_LINE, "tr_buf is one cache line");
#else
_Static_assert(sizeof(struct tr_buf) == TR_CACHE_LINE, "tr_buf is one cache line");
#endif

struct tr_slab;
struct tr_slab_cache;

/* Create a pool. NULL cfg means all defaults. Returns NULL and sets *err
 * to -EINVAL (bad config) or -ENOMEM. All buffers start free. */
TR_API struct tr_slab *tr_slab_create(const struct tr_slab_config *cfg, int *err);
/* Unmap the pool. Caches must be destroyed first; no buffer may be in use. */
TR_API void tr_slab_destroy(struct tr_slab *s);

TR_API uint8_t *tr_slab_base(const struct tr_slab *s);        /* start of the one mmap'd data region */
TR_API size_t tr_slab_region_size(const struct tr_slab *s);   /* bytes mapped (>= nbufs * buf_size) */
TR_API uint32_t tr_slab_buf_size(const struct tr_slab *s);
TR_API uint32_t tr_slab_headroom(const struct tr_slab *s);
TR_API uint32_t tr_slab_nbufs(const struct tr_slab *s);
TR_API bool tr_slab_hugepages(const struct tr_slab *s);       /* true if MAP_HUGETLB succeeded */
/* Buffer base (no headroom) of id, small or large class. */
TR_API uint8_t *tr_slab_buf_addr(const struct tr_slab *s, uint32_t id);
/* Metadata by id (0 .. nbufs + large_nbufs - 1), NULL out of range. */
TR_API struct tr_buf *tr_slab_buf(const struct tr_slab *s, uint32_t id);
/* Metadata of the buffer containing addr (either region), or NULL if addr
 * is outside both (e.g. a CQE's buffer address). */
TR_API struct tr_buf *tr_slab_buf_of(const struct tr_slab *s, const void *addr);

/* ---- large class (see tr_slab_config.large_nbufs) ---- */
TR_API uint32_t tr_slab_large_nbufs(const struct tr_slab *s);     /* 0: no large class */
TR_API uint32_t tr_slab_large_buf_size(const struct tr_slab *s);  /* 0 without a large class */
TR_API uint8_t *tr_slab_large_base(const struct tr_slab *s);      /* NULL without a large class */
TR_API size_t tr_slab_large_region_size(const struct tr_slab *s);
/* True if b belongs to the large class. */
TR_API bool tr_slab_buf_is_large(const struct tr_slab *s, const struct tr_buf *b);
/* Size of b's buffer (buf_size or large_buf_size). */
TR_API uint32_t tr_slab_buf_size_of(const struct tr_slab *s, const struct tr_buf *b);
/* Bytes from b->data to the end of b's buffer (0 if data lies outside). */
TR_API uint32_t tr_slab_buf_room(const struct tr_slab *s, const struct tr_buf *b);
/* One large buffer from any thread (lock-free MPMC free list; large frames
 * are rare enough per byte that a cache is not worth it). refcnt = 1,
 * data = base + headroom, len = 0. NULL when the class is absent or empty
 * (counted in large_alloc_fail). Free it with any tr_slab_free_*. */
TR_API struct tr_buf *tr_slab_alloc_large(struct tr_slab *s);
/* Large buffers in the free list: == large_nbufs when all are back. */
TR_API unsigned tr_slab_large_available(const struct tr_slab *s);

/*
 * A per-worker cache holding up to 2 * size buffers (size 0 means
 * TR_SLAB_DEFAULT_CACHE_SIZE). Single-threaded: only the thread that owns
 * it may call alloc/free_local with it. Returns NULL with *err = -EINVAL,
 * -ENOMEM or -ENOSPC (max_caches reached).
 */
TR_API struct tr_slab_cache *tr_slab_cache_create(struct tr_slab *s, unsigned size, int *err);
/* Flush the cache's buffers back to the pool and free it (owner thread). */
TR_API void tr_slab_cache_destroy(struct tr_slab_cache *c);
/* Give every buffer in the cache back to the shared pool (owner thread). */
TR_API void tr_slab_cache_flush(struct tr_slab_cache *c);
TR_API struct tr_slab *tr_slab_cache_slab(const struct tr_slab_cache *c);

/*
 * Allocate up to n buffers into bufs[]. Returns the count delivered; less
 * than n only on exhaustion, and the shortfall is added to alloc_fail.
 * Each buffer comes with refcnt = 1, data = base + headroom, len = 0; the
 * other fields are NOT reset (queue, flags, verdict, user... hold stale
 * values: set what you use).
 */
TR_API unsigned tr_slab_alloc_burst(struct tr_slab_cache *c, struct tr_buf **bufs, unsigned n);
/* One buffer, or NULL on exhaustion (counted). */
TR_API struct tr_buf *tr_slab_alloc(struct tr_slab_cache *c);
/* Owner thread of c: drop one reference; at zero the buffer goes to c. */
TR_API void tr_slab_free_local(struct tr_slab_cache *c, struct tr_buf *b);
TR_API void tr_slab_free_burst_local(struct tr_slab_cache *c, struct tr_buf **bufs, unsigned n);
/* Any thread, no cache needed: drop one reference; at zero the buffer goes
 * straight back to the shared lock-free free ring. */
TR_API void tr_slab_free_remote(struct tr_slab *s, struct tr_buf *b);
TR_API void tr_slab_free_burst_remote(struct tr_slab *s, struct tr_buf **bufs, unsigned n);

/*
 * +1 reference (capture, mirror, retransmit queue: keep the buffer without
 * copying it). The caller must already hold a reference. Each reference is
 * dropped with one free_local/free_remote; the last one recycles it. A
 * buffer with refcnt > 1 is shared: treat its data as read-only.
 */
static inline void tr_buf_ref(struct tr_buf *b)
{
	/* Relaxed: the caller already holds a reference, so the buffer cannot
	 * be recycled concurrently; handing the new reference to another
	 * thread goes through a ring (release/acquire) that orders it. The
	 * matching decrement is the acq_rel fetch_sub in the free path. */
	atomic_fetch_add_explicit(&b->refcnt, 1, memory_order_relaxed);
}

static inline uint32_t tr_buf_refcnt(const struct tr_buf *b)
{
	/* Relaxed: informational snapshot only. */
	return atomic_load_explicit(&b->refcnt, memory_order_relaxed);
}

struct tr_slab_stats {
	uint64_t alloc_fail;   /* buffers asked for but not delivered (all caches) */
	uint64_t allocs;       /* buffers delivered by alloc (all caches) */
	uint32_t available;    /* in_pool + in_caches */
	uint32_t in_use;       /* nbufs - available */
	uint32_t in_pool;      /* in the shared free ring */
	uint32_t in_caches;    /* held by per-worker caches */
	uint32_t nbufs;
	uint32_t caches;       /* live caches */
	bool hugepages;
	uint32_t large_nbufs;      /* large class (0: none) */
	uint32_t large_available;  /* large buffers free */
	uint64_t large_allocs;
	uint64_t large_alloc_fail;
};
/* Snapshot of the counters; exact only when no thread is allocating. */
TR_API void tr_slab_stats(const struct tr_slab *s, struct tr_slab_stats *st);
/* Small-class buffers in the pool + caches: == nbufs at shutdown (exact
 * when quiet). The large class: tr_slab_large_available. */
TR_API unsigned tr_slab_available(const struct tr_slab *s);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_SLAB_H */
