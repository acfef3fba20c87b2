/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Slab pool get/put cost per buffer, tapring vs DPDK rte_mempool with a
 * per-lcore cache (baseline, same run, alternated, median of REPS):
 *   single   tr_slab_alloc + tr_slab_free_local
 *            vs rte_mempool_get + rte_mempool_put
 *   burst 32 tr_slab_alloc_burst + tr_slab_free_burst_local
 *            vs rte_mempool_get_bulk + rte_mempool_put_bulk
 * Both pools: 8192 buffers of 2048 bytes, cache 256. tapring's alloc also
 * initialises each buffer's metadata (refcnt = 1, data, len = 0), which a
 * bare rte_mempool_get does not do (an mbuf pool would, in rte_pktmbuf_alloc).
 * So two more lines compare with rte_pktmbuf_alloc(_bulk) + rte_pktmbuf_free
 * (_bulk) on an mbuf pool, which do reset metadata and check refcounts.
 * Cycles per buffer for one get + one put.
 */
#include <stdio.h>
#include <string.h>

#include <tapring/slab.h>

#include "bench_common.h"
#include "machine.h"

#ifdef TR_BENCH_DPDK
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#endif

#define NBUFS 8192
#define BUF_SIZE 2048
#define CACHE 256
#define REPS 7
#define OPS (1u << 20)

static struct tr_slab_cache *tcache;
#ifdef TR_BENCH_DPDK
static struct rte_mempool *mp, *mbp;
#endif

static __attribute__((noinline)) double tr_single(void)
{
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS; i++) {
		struct tr_buf *b = tr_slab_alloc(tcache);
		__asm__ __volatile__("" : : "r"(b) : "memory");
		tr_slab_free_local(tcache, b);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

static __attribute__((noinline)) double tr_burst(void)
{
	struct tr_buf *v[32];
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS / 32; i++) {
		unsigned n = tr_slab_alloc_burst(tcache, v, 32);
		__asm__ __volatile__("" : : "r"(v) : "memory");
		tr_slab_free_burst_local(tcache, v, n);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

/* Exercise the refill/flush path too: hold 600 buffers (more than the
 * cache) then give them back, in bursts of 32. */
static __attribute__((noinline)) double tr_churn(void)
{
	static struct tr_buf *v[640];
	uint64_t t0 = bc_tsc();
	unsigned rounds = OPS / 640;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned k = 0; k < 640; k += 32)
			tr_slab_alloc_burst(tcache, v + k, 32);
		for (unsigned k = 0; k < 640; k += 32)
			tr_slab_free_burst_local(tcache, v + k, 32);
	}
	return (double)(bc_tsc() - t0) / ((double)rounds * 640);
}

#ifdef TR_BENCH_DPDK
static __attribute__((noinline)) double rte_single(void)
{
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS; i++) {
		void *o;
		if (rte_mempool_get(mp, &o) != 0)
			abort();
		__asm__ __volatile__("" : : "r"(o) : "memory");
		rte_mempool_put(mp, o);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

static __attribute__((noinline)) double rte_burst(void)
{
	void *v[32];
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS / 32; i++) {
		if (rte_mempool_get_bulk(mp, v, 32) != 0)
			abort();
		__asm__ __volatile__("" : : "r"(v) : "memory");
		rte_mempool_put_bulk(mp, v, 32);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

/* The like-for-like baseline: mbufs also reset their metadata on alloc and
 * check the reference count on free, as tr_buf does. */
static __attribute__((noinline)) double mbuf_single(void)
{
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mbp);
		if (!m)
			abort();
		__asm__ __volatile__("" : : "r"(m) : "memory");
		rte_pktmbuf_free(m);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

static __attribute__((noinline)) double mbuf_burst(void)
{
	struct rte_mbuf *v[32];
	uint64_t t0 = bc_tsc();
	for (unsigned i = 0; i < OPS / 32; i++) {
		if (rte_pktmbuf_alloc_bulk(mbp, v, 32) != 0)
			abort();
		__asm__ __volatile__("" : : "r"(v) : "memory");
		rte_pktmbuf_free_bulk(v, 32);
	}
	return (double)(bc_tsc() - t0) / OPS;
}

static __attribute__((noinline)) double rte_churn(void)
{
	static void *v[640];
	uint64_t t0 = bc_tsc();
	unsigned rounds = OPS / 640;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned k = 0; k < 640; k += 32)
			if (rte_mempool_get_bulk(mp, v + k, 32) != 0)
				abort();
		for (unsigned k = 0; k < 640; k += 32)
			rte_mempool_put_bulk(mp, v + k, 32);
	}
	return (double)(bc_tsc() - t0) / ((double)rounds * 640);
}
#endif

int main(void)
{
	bench_machine_print(stdout);
	int err;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct tr_slab_config cfg = { .nbufs = NBUFS, .buf_size = BUF_SIZE, .headroom = 128, .max_caches = 2 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	if (!s)
		return 1;
	tcache = tr_slab_cache_create(s, CACHE, &err);
	if (!tcache)
		return 1;
	int have_rte = 0;
#ifdef TR_BENCH_DPDK
	char *eal_argv[] = { "bench_slab", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
			     "--file-prefix=trcore", "-l", "0-1", "--log-level=1", NULL };
	if (rte_eal_init(10, eal_argv) < 0) {
		fprintf(stderr, "bench_slab: rte_eal_init failed; no DPDK baseline\n");
	} else {
		/* n = 2^k - 1 is rte_mempool's optimum (ring of 2^k) */
		mp = rte_mempool_create("trbench", NBUFS - 1, BUF_SIZE, CACHE, 0, NULL, NULL, NULL, NULL,
					SOCKET_ID_ANY, 0);
		mbp = rte_pktmbuf_pool_create("trmbuf", NBUFS - 1, CACHE, 0, BUF_SIZE, SOCKET_ID_ANY);
		if (!mp || !mbp)
			fprintf(stderr, "bench_slab: rte_mempool_create failed; no DPDK baseline\n");
		else
			have_rte = 1;
	}
#endif
	printf("bench_slab: %u buffers x %u B, cache %u, median of %d alternated runs, cycles per buffer (get+put)\n",
	       NBUFS, BUF_SIZE, CACHE, REPS);
	const struct bc_case cases[] = {
#ifdef TR_BENCH_DPDK
		{ "single", tr_single, rte_single },
		{ "burst 32", tr_burst, rte_burst },
		{ "churn 640 (refill/flush)", tr_churn, rte_churn },
		{ "single vs mbuf", tr_single, mbuf_single },
		{ "burst 32 vs mbuf", tr_burst, mbuf_burst },
#else
		{ "single", tr_single, NULL },
		{ "burst 32", tr_burst, NULL },
		{ "churn 640 (refill/flush)", tr_churn, NULL },
#endif
	};
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double a, b;
		bc_ab_medians(&cases[c], REPS, have_rte, &a, &b);
		if (have_rte)
			printf("%-26s tapring %7.2f cyc/buf   %s %7.2f cyc/buf   ratio %.2f\n",
			       cases[c].name, a, strstr(cases[c].name, "mbuf") ? "rte_pktmbuf" : "rte_mempool", b, a / b);
		else
			printf("%-26s tapring %7.2f cyc/buf   (no DPDK baseline)\n", cases[c].name, a);
	}
	struct tr_slab_stats st;
	tr_slab_cache_destroy(tcache);
	tr_slab_stats(s, &st);
	printf("tapring pool after run: available %u of %u, alloc_fail %llu\n", st.available, st.nbufs,
	       (unsigned long long)st.alloc_fail);
	tr_slab_destroy(s);
#ifdef TR_BENCH_DPDK
	if (mp)
		rte_mempool_free(mp);
	if (mbp)
		rte_mempool_free(mbp);
	if (have_rte || mp)
		rte_eal_cleanup();
#endif
	return 0;
}
