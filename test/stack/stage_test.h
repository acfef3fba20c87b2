/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the tests that run the stack as a stage of a real engine over a
 * socketpair (test_stage.c, test_udp_bad_action.c). */
#ifndef TAPRING_TEST_STACK_STAGE_TEST_H
#define TAPRING_TEST_STACK_STAGE_TEST_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <tapring/engine.h>

/* CLOCK_MONOTONIC in seconds, for bounded waits. */
static inline double stg_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The engine-wide count of the drop reason called name (UINT64_MAX: no
 * such reason). */
static inline uint64_t stg_reason(struct tr_engine *e, const char *name)
{
	for (unsigned id = 0; id < tr_engine_nreasons(e); id++) {
		struct tr_engine_reason_stat rs;
		if (tr_engine_reason(e, UINT32_MAX, id, &rs) == 0 && strcmp(rs.name, name) == 0)
			return rs.count;
	}
	return UINT64_MAX;
}

#endif
