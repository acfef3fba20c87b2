/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/xcore.h: how far apart the host has put our two vCPUs, right now.
 *
 * Two threads pinned to cores a and b bounce one cache line each way; the
 * mean round trip is printed next to every cross-core figure. On these
 * VMs it moves between about 130 ns and 600+ ns from one minute to the
 * next (the host moves its vCPU threads), and every frame a cross-core
 * pipeline hands over costs a few such transfers, so a cross-core rate
 * means little without it. Bounded: at most XCORE_TRIPS round trips and
 * about one second.
 */
#ifndef TAPRING_BENCH_XCORE_H
#define TAPRING_BENCH_XCORE_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define XCORE_TRIPS 100000u

struct xcore_line {
	_Alignas(64) _Atomic uint32_t ping;   /* written by the caller's thread */
	_Alignas(64) _Atomic uint32_t pong;   /* written by the echo thread */
	_Alignas(64) _Atomic uint32_t stop;   /* caller gives up (time bound) */
	int core;
};

static inline uint64_t xcore_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void xcore_pin(int core)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(core, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static void *xcore_echo(void *arg)
{
	struct xcore_line *l = arg;
	xcore_pin(l->core);
	for (uint32_t i = 1; i <= XCORE_TRIPS; i++) {
		/* Acquire pairs with the caller's release of ping. */
		while (atomic_load_explicit(&l->ping, memory_order_acquire) != i)
			/* Relaxed: only a give-up flag, no data behind it. */
			if (atomic_load_explicit(&l->stop, memory_order_relaxed))
				return NULL;
		/* Release pairs with the caller's acquire of pong. */
		atomic_store_explicit(&l->pong, i, memory_order_release);
	}
	return NULL;
}

/* Mean cache-line round trip between cores a and b in ns, or -1. The
 * calling thread's affinity is restored afterwards. */
static inline double xcore_round_trip_ns(int a, int b)
{
	static struct xcore_line l;
	cpu_set_t saved;
	pthread_t t;
	double res = -1;
	uint32_t i;

	atomic_store_explicit(&l.ping, 0, memory_order_relaxed);
	atomic_store_explicit(&l.pong, 0, memory_order_relaxed);
	atomic_store_explicit(&l.stop, 0, memory_order_relaxed);
	l.core = b;
	if (pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) != 0)
		return -1;
	xcore_pin(a);
	if (pthread_create(&t, NULL, xcore_echo, &l) != 0)
		goto out;
	uint64_t t0 = xcore_now_ns(), deadline = t0 + 1000000000u;
	for (i = 1; i <= XCORE_TRIPS; i++) {
		/* Release pairs with the echo thread's acquire of ping. */
		atomic_store_explicit(&l.ping, i, memory_order_release);
		/* Acquire pairs with the echo thread's release of pong. */
		uint32_t spins = 0;
		while (atomic_load_explicit(&l.pong, memory_order_acquire) != i)
			if ((++spins & 4095) == 0 && xcore_now_ns() > deadline)
				break;
		if (atomic_load_explicit(&l.pong, memory_order_acquire) != i)
			break;
	}
	if (i > XCORE_TRIPS)
		res = (double)(xcore_now_ns() - t0) / XCORE_TRIPS;
	/* Relaxed: the echo thread only polls it. */
	atomic_store_explicit(&l.stop, 1, memory_order_relaxed);
	pthread_join(t, NULL);
out:
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	return res;
}

#endif /* TAPRING_BENCH_XCORE_H */
