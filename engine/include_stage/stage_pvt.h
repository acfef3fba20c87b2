/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/include_stage/stage_pvt.h (internal, never installed): the one
 * private header a stage library (engine/stack, filter, capture, bpf, match)
 * may include; everything else a stage uses from the core is public API
 * (<tapring/engine.h>, <tapring/slab.h>, <tapring/ring.h>). It holds the
 * few helpers that the core and the stages would otherwise each write
 * again: power-of-two arithmetic, the single-writer statistics counter,
 * and the one printf-style writer of caller error buffers (tr__errf: the
 * filter's tr__bpf_err, eBPF's tr__ebpf_msg and match use it under their
 * own names instead of a vsnprintf wrapper each).
 * It includes no core header: keep it that way (docs/ARCHITECTURE.md,
 * "Library boundaries").
 */
#ifndef TAPRING_STAGE_PVT_H
#define TAPRING_STAGE_PVT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static inline bool tr__is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Largest power of two <= v (1 for v <= 1). */
static inline uint32_t tr__pow2_floor(uint32_t v)
{
	uint32_t p = 1;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

/*
 * A statistics counter with exactly one writing thread and any number of
 * readers. The writer bumps it with a relaxed load + store (no locked RMW
 * needed: nobody else writes it); readers take relaxed snapshots. Nothing
 * is published through these counters, so no ordering is needed: each
 * caller's struct says which thread is the one writer.
 */
static inline void tr__cnt_add(_Atomic uint64_t *c, uint64_t v)
{
	/* Relaxed: single writer (see above); readers want a statistic. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline uint64_t tr__cnt_get(const _Atomic uint64_t *c)
{
	/* Relaxed: a statistics snapshot; pairs with no store (see above). */
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Internal: format into err[0..errlen); nothing when err is NULL or errlen 0. */
__attribute__((format(printf, 3, 4), cold, unused))
static void tr__errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif /* TAPRING_STAGE_PVT_H */
