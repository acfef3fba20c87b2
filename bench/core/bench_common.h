/* SPDX-License-Identifier: BSD-2-Clause */
/* Timing helpers shared by the core benches: TSC cycles and ns, and a
 * median over alternated A/B repetitions. */
#ifndef TAPRING_BENCH_CORE_COMMON_H
#define TAPRING_BENCH_CORE_COMMON_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static inline uint64_t bc_tsc(void)
{
	return __rdtsc();
}

static inline uint64_t bc_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait step for a full/empty ring in the 2-thread runs: pause, and yield
 * after 1024 misses so that a descheduled peer on a loaded 2-core box can
 * run (same for both implementations). */
static inline void bc_idle(unsigned *spins)
{
	__builtin_ia32_pause();
	if (++*spins >= 1024) {
		*spins = 0;
		sched_yield();
	}
}

/* Pin the calling thread to cpu (cpu < 0: leave it where it is) and return
 * the mask it had, for bc_unpin. The benches that compare an engine worker
 * with a bare loop run both on one CPU: the two vCPUs of these guests can
 * differ 1.6x in speed for minutes (docs/PERFORMANCE.md). */
static inline cpu_set_t bc_pin(int cpu)
{
	cpu_set_t old, one;
	sched_getaffinity(0, sizeof(old), &old);
	if (cpu >= 0) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	return old;
}

static inline void bc_unpin(const cpu_set_t *old)
{
	sched_setaffinity(0, sizeof(*old), old);
}

static int bc_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static inline double bc_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bc_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One A/B benchmark case: a = tapring, b = its baseline (NULL: none). */
struct bc_case {
	const char *name;
	double (*a)(void);
	double (*b)(void);
};

#define BC_MAX_REPS 64

/* Runs c->a and c->b alternately reps times (b only when with_b) and
 * returns their medians (*mb = 0 without b). */
static inline void bc_ab_medians(const struct bc_case *c, int reps, bool with_b,
				 double *ma, double *mb)
{
	double va[BC_MAX_REPS], vb[BC_MAX_REPS];

	if (reps > BC_MAX_REPS)
		reps = BC_MAX_REPS;
	for (int r = 0; r < reps; r++) {
		va[r] = c->a();
		vb[r] = with_b && c->b ? c->b() : 0;
	}
	*ma = bc_median(va, reps);
	*mb = bc_median(vb, reps);
}

#endif
