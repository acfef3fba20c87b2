/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ring cost per element, tapring vs DPDK rte_ring (baseline, same run,
 * same compiler flags, alternated A B A B; the median of REPS is printed).
 *
 *   1t   one thread: enqueue a burst then dequeue it (cycles per element
 *        for the enqueue+dequeue pair), ring 1024 slots
 *   2t   a producer thread and a consumer thread, N elements in bursts;
 *        cycles per element end to end. The consumer is pinned to the
 *        first CPU the process may use and the producer to the second, so
 *        the figure is always the cross-core one: unpinned, the scheduler
 *        sometimes put both threads on one CPU (they then take turns
 *        through sched_yield and never bounce a cache line), and the MPMC
 *        burst-1 figure moved between ~105 and ~900 cycles from run to run
 *        of the same binary (5 Dec: the "3x ring regression" of issue 14
 *        was this; the two binaries were identical but for the build id).
 * at bursts 1, 8 and 32, SPSC (rte: sp/sc calls) and MPMC (rte: mp/mc).
 * rte_ring lives in our memory via rte_ring_init(), so no EAL is needed.
 *
 * Output: one line per case: tapring cyc/elem, rte cyc/elem, ratio
 * (tapring / rte; < 1.0 means tapring is faster).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <tapring/ring.h>

#include "bench_common.h"
#include "machine.h"

#ifdef TR_BENCH_DPDK
#include <rte_ring.h>
#endif

#define RING_SIZE 1024
#define REPS 5
#define OPS_1T (1u << 20)     /* elements per 1-thread measurement */
#define OPS_2T (1u << 20)     /* elements per 2-thread measurement */

enum impl { IMPL_TR, IMPL_RTE };
/* MODE_SPSC_BULK: the all-or-nothing _bulk_spsc calls (1-thread cases only). */
enum mode { MODE_SPSC, MODE_MPMC, MODE_SPSC_BULK };

static struct tr_ring *tring;
#ifdef TR_BENCH_DPDK
static struct rte_ring *rring;
#endif

static inline __attribute__((always_inline)) unsigned enq(enum impl im, enum mode md, void *const *o, unsigned n)
{
#ifdef TR_BENCH_DPDK
	if (im == IMPL_RTE && md == MODE_SPSC_BULK)
		return rte_ring_sp_enqueue_bulk(rring, o, n, NULL);
	if (im == IMPL_RTE)
		return md == MODE_SPSC ? rte_ring_sp_enqueue_burst(rring, o, n, NULL)
				       : rte_ring_mp_enqueue_burst(rring, o, n, NULL);
#endif
	(void)im;
	if (md == MODE_SPSC_BULK)
		return tr_ring_enqueue_bulk_spsc(tring, o, n);
	return md == MODE_SPSC ? tr_ring_enqueue_burst_spsc(tring, o, n)
			       : tr_ring_enqueue_burst_mpmc(tring, o, n);
}

static inline __attribute__((always_inline)) unsigned deq(enum impl im, enum mode md, void **o, unsigned n)
{
#ifdef TR_BENCH_DPDK
	if (im == IMPL_RTE && md == MODE_SPSC_BULK)
		return rte_ring_sc_dequeue_bulk(rring, o, n, NULL);
	if (im == IMPL_RTE)
		return md == MODE_SPSC ? rte_ring_sc_dequeue_burst(rring, o, n, NULL)
				       : rte_ring_mc_dequeue_burst(rring, o, n, NULL);
#endif
	(void)im;
	if (md == MODE_SPSC_BULK)
		return tr_ring_dequeue_bulk_spsc(tring, o, n);
	return md == MODE_SPSC ? tr_ring_dequeue_burst_spsc(tring, o, n)
			       : tr_ring_dequeue_burst_mpmc(tring, o, n);
}

/* The loops are instantiated per (impl, mode, burst) by constant
 * propagation: always_inline + constant arguments, so no runtime branch on
 * the implementation sits in the measured loop. */
static inline __attribute__((always_inline)) double run_1t(enum impl im, enum mode md, unsigned burst)
{
	void *in[32], *out[32];
	for (unsigned i = 0; i < 32; i++)
		in[i] = (void *)(uintptr_t)(i + 1);
	unsigned iters = OPS_1T / burst;
	uint64_t sink = 0;
	uint64_t t0 = bc_tsc();
	for (unsigned it = 0; it < iters; it++) {
		enq(im, md, in, burst);
		sink += deq(im, md, out, burst);
		__asm__ __volatile__("" : : "r"(out) : "memory");
	}
	uint64_t t1 = bc_tsc();
	if (sink != (uint64_t)iters * burst)
		fprintf(stderr, "bench_ring: lost elements\n");
	return (double)(t1 - t0) / ((double)iters * burst);
}

#define DEF_1T(name, im, md, b) \
	static __attribute__((noinline)) double name(void) { return run_1t(im, md, b); }
DEF_1T(tr_sp_1, IMPL_TR, MODE_SPSC, 1)
DEF_1T(tr_sp_8, IMPL_TR, MODE_SPSC, 8)
DEF_1T(tr_sp_32, IMPL_TR, MODE_SPSC, 32)
DEF_1T(tr_mp_1, IMPL_TR, MODE_MPMC, 1)
DEF_1T(tr_mp_8, IMPL_TR, MODE_MPMC, 8)
DEF_1T(tr_mp_32, IMPL_TR, MODE_MPMC, 32)
DEF_1T(tr_spb_1, IMPL_TR, MODE_SPSC_BULK, 1)
#ifdef TR_BENCH_DPDK
DEF_1T(rte_sp_1, IMPL_RTE, MODE_SPSC, 1)
DEF_1T(rte_sp_8, IMPL_RTE, MODE_SPSC, 8)
DEF_1T(rte_sp_32, IMPL_RTE, MODE_SPSC, 32)
DEF_1T(rte_mp_1, IMPL_RTE, MODE_MPMC, 1)
DEF_1T(rte_mp_8, IMPL_RTE, MODE_MPMC, 8)
DEF_1T(rte_mp_32, IMPL_RTE, MODE_MPMC, 32)
DEF_1T(rte_spb_1, IMPL_RTE, MODE_SPSC_BULK, 1)
#endif

/* ---- two threads ------------------------------------------------------ */

struct tt_arg {
	enum impl im;
	enum mode md;
	unsigned burst;
};

static _Atomic int tt_go;
/* CPUs of the 2-thread runs: the consumer (main thread) and the producer. */
static int cpu_cons = -1, cpu_prod = -1;

static void pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline __attribute__((always_inline)) void tt_produce(enum impl im, enum mode md, unsigned burst)
{
	void *in[32];
	for (unsigned i = 0; i < 32; i++)
		in[i] = (void *)(uintptr_t)(i + 1);
	/* Relaxed: start flag only; the ring operations carry the data. */
	while (!atomic_load_explicit(&tt_go, memory_order_relaxed))
		;
	uint64_t sent = 0;
	unsigned spins = 0;
	while (sent < OPS_2T) {
		unsigned n = burst;
		if (n > OPS_2T - sent)
			n = (unsigned)(OPS_2T - sent);
		unsigned got = enq(im, md, in, n);
		if (!got)
			bc_idle(&spins);
		sent += got;
	}
}

static inline __attribute__((always_inline)) void tt_consume(enum impl im, enum mode md, unsigned burst)
{
	void *out[32];
	uint64_t recv = 0;
	unsigned spins = 0;
	while (recv < OPS_2T) {
		unsigned got = deq(im, md, out, burst);
		if (!got)
			bc_idle(&spins);
		recv += got;
	}
}

static void *tt_producer(void *p)
{
	struct tt_arg *a = p;
	pin_self(cpu_prod);
	/* dispatch once per run; the inner loops are specialised below */
	if (a->im == IMPL_TR) {
		if (a->md == MODE_SPSC)
			tt_produce(IMPL_TR, MODE_SPSC, a->burst);
		else
			tt_produce(IMPL_TR, MODE_MPMC, a->burst);
	}
#ifdef TR_BENCH_DPDK
	else {
		if (a->md == MODE_SPSC)
			tt_produce(IMPL_RTE, MODE_SPSC, a->burst);
		else
			tt_produce(IMPL_RTE, MODE_MPMC, a->burst);
	}
#endif
	return NULL;
}

static double run_2t(enum impl im, enum mode md, unsigned burst)
{
	struct tt_arg a = { im, md, burst };
	pthread_t th;
	atomic_store_explicit(&tt_go, 0, memory_order_relaxed);
	pthread_create(&th, NULL, tt_producer, &a);
	uint64_t t0 = bc_tsc();
	/* Relaxed: see tt_produce. */
	atomic_store_explicit(&tt_go, 1, memory_order_relaxed);
	if (im == IMPL_TR) {
		if (md == MODE_SPSC)
			tt_consume(IMPL_TR, MODE_SPSC, burst);
		else
			tt_consume(IMPL_TR, MODE_MPMC, burst);
	}
#ifdef TR_BENCH_DPDK
	else {
		if (md == MODE_SPSC)
			tt_consume(IMPL_RTE, MODE_SPSC, burst);
		else
			tt_consume(IMPL_RTE, MODE_MPMC, burst);
	}
#endif
	uint64_t t1 = bc_tsc();
	pthread_join(th, NULL);
	return (double)(t1 - t0) / OPS_2T;
}

static void report(const char *what, double a, double b, int have_b)
{
	if (have_b)
		printf("%-22s tapring %7.2f cyc/elem   rte_ring %7.2f cyc/elem   ratio %.2f\n", what, a, b, a / b);
	else
		printf("%-22s tapring %7.2f cyc/elem   (no DPDK baseline built)\n", what, a);
}

int main(int argc, char **argv)
{
	bench_machine_print(stdout);
	int err;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (int c = 0; c < CPU_SETSIZE && cpu_prod < 0; c++)
			if (CPU_ISSET(c, &allowed)) {
				if (cpu_cons < 0)
					cpu_cons = c;
				else
					cpu_prod = c;
			}
	if (cpu_cons < 0)
		cpu_cons = 0;
	if (cpu_prod < 0) {
		cpu_prod = cpu_cons;
		printf("bench_ring: only one CPU allowed: the 2t figures are same-CPU ones\n");
	}
	pin_self(cpu_cons);
	tring = tr_ring_create(RING_SIZE, &err);
	if (!tring)
		return 1;
	int have_rte = 0;
#ifdef TR_BENCH_DPDK
	ssize_t sz = rte_ring_get_memsize(RING_SIZE);
	rring = aligned_alloc(64, (size_t)sz);
	if (!rring || rte_ring_init(rring, "bench", RING_SIZE, 0) != 0)
		return 1;
	have_rte = 1;
#endif
	/* TSC rate, to print ns too */
	uint64_t n0 = bc_ns(), c0 = bc_tsc();
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
	double ghz = (double)(bc_tsc() - c0) / (double)(bc_ns() - n0);
	printf("bench_ring: TSC %.2f GHz, ring %u slots, median of %d alternated runs, "
	       "consumer on CPU %d, producer on CPU %d\n", ghz, RING_SIZE, REPS, cpu_cons, cpu_prod);

	const struct bc_case cases[] = {
#ifdef TR_BENCH_DPDK
		{ "1t spsc burst 1", tr_sp_1, rte_sp_1 },
		{ "1t spsc bulk 1", tr_spb_1, rte_spb_1 },
		{ "1t spsc burst 8", tr_sp_8, rte_sp_8 },
		{ "1t spsc burst 32", tr_sp_32, rte_sp_32 },
		{ "1t mpmc burst 1", tr_mp_1, rte_mp_1 },
		{ "1t mpmc burst 8", tr_mp_8, rte_mp_8 },
		{ "1t mpmc burst 32", tr_mp_32, rte_mp_32 },
#else
		{ "1t spsc burst 1", tr_sp_1, NULL },
		{ "1t spsc bulk 1", tr_spb_1, NULL },
		{ "1t spsc burst 8", tr_sp_8, NULL },
		{ "1t spsc burst 32", tr_sp_32, NULL },
		{ "1t mpmc burst 1", tr_mp_1, NULL },
		{ "1t mpmc burst 8", tr_mp_8, NULL },
		{ "1t mpmc burst 32", tr_mp_32, NULL },
#endif
	};
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double a, b;
		bc_ab_medians(&cases[c], REPS, true, &a, &b);
		report(cases[c].name, a, b, have_rte);
	}
	const unsigned bursts[] = { 1, 8, 32 };
	int only_1t = argc > 1 && strcmp(argv[1], "1t") == 0;
	for (int md = 0; md < 2 && !only_1t; md++)
		for (unsigned i = 0; i < 3; i++) {
			double va[REPS], vb[REPS];
			for (int r = 0; r < REPS; r++) {
				va[r] = run_2t(IMPL_TR, (enum mode)md, bursts[i]);
				vb[r] = have_rte ? run_2t(IMPL_RTE, (enum mode)md, bursts[i]) : 0;
			}
			char name[64];
			snprintf(name, sizeof(name), "2t %s burst %u", md ? "mpmc" : "spsc", bursts[i]);
			report(name, bc_median(va, REPS), bc_median(vb, REPS), have_rte);
		}
	tr_ring_destroy(tring);
#ifdef TR_BENCH_DPDK
	free(rring);
#endif
	return 0;
}
