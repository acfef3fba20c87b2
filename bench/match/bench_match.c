/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_match: the payload-rules stage against its baselines, same run,
 * same payloads (UDP/TCP over IPv4/IPv6, 16-1400 byte payloads, 1 in 8
 * carrying one of the literals):
 *   1. tr_match_process (frame parse + hs_scan + counters, bursts of 32)
 *      vs a raw hs_scan loop over the pre-extracted payloads with the same
 *      database flags: the stage's overhead (target <= 10%);
 *   2. Hyperscan vs a naive memmem loop (every literal over every payload)
 *      with 10 and 100 literal rules.
 * A/B alternated, median of ROUNDS. TR_BENCH_ITERS sets passes per round
 * (default 200; a smoke run: TR_BENCH_ITERS=5).
 */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/engine.h>
#include <tapring/match.h>

#include "core/bench_common.h"
#include "machine.h"
#include "match/match_test.h"

#define NF 1024
#define ROUNDS 7

static struct mframe frames[NF];
static struct tr_buf *bufs[NF];
static const uint8_t *pl[NF];
static uint32_t plen[NF];
static char lits[100][24];
static volatile uint64_t sink;

static int on_hit(unsigned id, unsigned long long f, unsigned long long t, unsigned fl, void *ctx)
{
	(void)id; (void)f; (void)t; (void)fl;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void build(void)
{
	const int kinds[] = { MF_UDP4, MF_TCP4, MF_UDP6, MF_TCP6 };
	static char payload[1500];
	uint32_t x = 12345;
	for (unsigned i = 0; i < NF; i++) {
		x = x * 1103515245u + 12345u;
		unsigned n = 16 + (x >> 8) % 1385;
		for (unsigned k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			payload[k] = (char)('a' + (x >> 16) % 26);
		}
		if (i % 8 == 0) {
			const char *l = lits[(i / 8) % 10];
			size_t ll = strlen(l);
			if (ll < n)
				memcpy(payload + n / 2 - ll / 2, l, ll);
		}
		mframe_build(&frames[i], kinds[i % 4], payload, n);
		bufs[i] = &frames[i].b;
	}
}

/* Same extraction the stage does, done once up front for the baselines. */
static void extract(void)
{
	for (unsigned i = 0; i < NF; i++) {
		const uint8_t *d = frames[i].data;
		bool v6 = d[12] == 0x86;
		unsigned ip = 14, l4 = ip + (v6 ? 40 : 20);
		bool tcp = v6 ? d[ip + 6] == 6 : d[ip + 9] == 6;
		unsigned tot = v6 ? 40u + (unsigned)(d[ip + 4] << 8 | d[ip + 5]) : (unsigned)(d[ip + 2] << 8 | d[ip + 3]);
		unsigned hl = tcp ? (unsigned)(d[l4 + 12] >> 4) * 4 : 8;
		pl[i] = d + l4 + hl;
		plen[i] = ip + tot - l4 - hl;
	}
}

static char *rules_file(unsigned nrules)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/bench_match_%d.rules", (int)getpid());
	FILE *f = fopen(path, "w");
	for (unsigned r = 0; r < nrules; r++)
		fprintf(f, "r%u:/%s/\n", r, lits[r]);
	fclose(f);
	return path;
}

int main(void)
{
	bench_machine_print(stdout);
	if (hs_valid_platform() != HS_SUCCESS) {
		printf("SKIP: Hyperscan does not run on this CPU\n");
		return 77;
	}
	unsigned iters = getenv("TR_BENCH_ITERS") ? (unsigned)atoi(getenv("TR_BENCH_ITERS")) : 200;
	if (!iters)
		iters = 1;
	for (unsigned r = 0; r < 100; r++)
		snprintf(lits[r], sizeof(lits[r]), "lit%02uzq%cx", r, 'a' + r % 26);
	build();
	extract();
	uint64_t bytes = 0;
	for (unsigned i = 0; i < NF; i++)
		bytes += plen[i];
	printf("payloads: %u frames, mean payload %.0f B, 1 in 8 carries a literal\n", NF, (double)bytes / NF);

	for (unsigned nr = 10; nr <= 100; nr *= 10) {
		char err[512];
		int e;
		struct tr_match_ruleset *rs = tr_match_ruleset_load(rules_file(nr), err, sizeof(err), &e);
		if (!rs) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		struct tr_match_config mc = { .nqueues = 1 };
		struct tr_match *m = tr_match_create(NULL, rs, &mc, &e);
		/* The baseline database: the same patterns and flags, compiled apart. */
		const char *ex[100];
		unsigned fl[100], ids[100];
		for (unsigned r = 0; r < nr; r++) {
			ex[r] = lits[r];
			fl[r] = HS_FLAG_SINGLEMATCH;
			ids[r] = r;
		}
		hs_database_t *db;
		hs_compile_error_t *ce;
		hs_scratch_t *sc = NULL;
		if (hs_compile_multi(ex, fl, ids, nr, HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS ||
		    hs_alloc_scratch(db, &sc) != HS_SUCCESS)
			return 1;
		double t_stage[ROUNDS], t_raw[ROUNDS], t_mem[ROUNDS];
		uint32_t acts[32];
		for (unsigned round = 0; round < ROUNDS; round++) {
			/* raw, stage, raw: the stage sits between two baseline
			 * passes over the same warm data, and the baseline is
			 * their mean (order effects cancel). */
			uint64_t hits = 0;
			uint64_t t0 = bench_machine_now_ns();
			for (unsigned it = 0; it < iters; it++)
				for (unsigned i = 0; i < NF; i++)
					hs_scan(db, (const char *)pl[i], plen[i], 0, sc, on_hit, &hits);
			uint64_t t1 = bench_machine_now_ns();
			for (unsigned it = 0; it < iters; it++)
				for (unsigned i = 0; i < NF; i += 32)
					tr_match_process(m, 0, bufs + i, acts, 32);
			uint64_t t2a = bench_machine_now_ns();
			for (unsigned it = 0; it < iters; it++)
				for (unsigned i = 0; i < NF; i++)
					hs_scan(db, (const char *)pl[i], plen[i], 0, sc, on_hit, &hits);
			uint64_t t2 = bench_machine_now_ns();
			uint64_t mh = 0;
			unsigned mem_iters = iters / 10 ? iters / 10 : 1;   /* memmem is slow: fewer passes */
			for (unsigned it = 0; it < mem_iters; it++)
				for (unsigned i = 0; i < NF; i++)
					for (unsigned r = 0; r < nr; r++)
						mh += memmem(pl[i], plen[i], lits[r], strlen(lits[r])) != NULL;
			uint64_t t3 = bench_machine_now_ns();
			sink += hits + mh;
			t_stage[round] = (double)(t2a - t1) / ((double)iters * NF);
			t_raw[round] = (double)((t1 - t0) + (t2 - t2a)) / (2.0 * iters * NF);
			t_mem[round] = (double)(t3 - t2) / ((double)mem_iters * NF);
		}
		double s = bc_median(t_stage, ROUNDS), r = bc_median(t_raw, ROUNDS), mm = bc_median(t_mem, ROUNDS);
		printf("%3u literal rules: stage %.1f ns/pkt, raw hs_scan %.1f ns/pkt -> overhead %+.1f%% (target <= 10%%)\n",
		       nr, s, r, 100.0 * (s - r) / r);
		printf("%3u literal rules: naive memmem %.1f ns/pkt -> Hyperscan (raw) is %.1fx faster\n", nr, mm, mm / r);
		hs_free_scratch(sc);
		hs_free_database(db);
		tr_match_destroy(m);
		unlink(rules_file(nr));
	}
	return 0;
}
