/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the tests that run the stack as a stage of a real engine over a
 * socketpair (test_stage.c, test_udp_bad_action.c). */
#ifndef TAPRING_TEST_STACK_STAGE_TEST_H
#define TAPRING_TEST_STACK_STAGE_TEST_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <tapring/engine.h>

#include "helpers.h"

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

/* A threaded one-queue engine whose queue fd is sp[0] of a new
 * SOCK_SEQPACKET socketpair (the test writes and reads sp[1]); skips the
 * test where no engine can be made. */
static inline struct tr_engine *stg_engine(int sp[2])
{
	int err;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config ec = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1 };
	struct tr_engine *e = tr_engine_create(&ec, &err);
	if (!e)
		t_skip("engine unavailable here: %s", strerror(-err));
	return e;
}

#endif
