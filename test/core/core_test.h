/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared bits of the core tests: time bounds and sanitizer detection. */
#ifndef TAPRING_TEST_CORE_H
#define TAPRING_TEST_CORE_H

#include <sched.h>
#include <stdint.h>
#include <time.h>

#if defined(__SANITIZE_THREAD__)
#define CT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CT_TSAN 1
#endif
#endif
#ifndef CT_TSAN
#define CT_TSAN 0
#endif

static inline uint64_t ct_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Back off in a spin loop: pause a little, then let the other thread run
 * (the test machine has 2 cores shared with builds). */
static inline void ct_backoff(unsigned *spins)
{
	if (++*spins < 64)
		return;
	*spins = 0;
	sched_yield();
}

#endif
