/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cBPF executor benchmark: ns per packet of tr_bpf_run() against libpcap's
 * bpf_filter() (the baseline, measured in the same run), over a mix of 64
 * synthetic frames (test/filter/pkts.h), for four filters. Rounds alternate
 * A B A B; the reported figure per side is the median round, and the ratio
 * is baseline / ours (> 1 means we are faster).
 *
 *   bench_bpf [rounds]      (default 15)
 *
 * Every verdict is also cross-checked against libpcap before timing.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include <tapring/filter.h>

#include "filter/pkts.h"
#include "bench_json.h"

#define NPKT 64
#define REPS 2000

static struct fp_pkt frames[NPKT];

static volatile uint32_t sink;

static double time_pcap(const struct bpf_insn *ins)
{
	uint32_t acc = 0;
	uint64_t t0 = bench_machine_now_ns();
	for (int r = 0; r < REPS; r++)
		for (int i = 0; i < NPKT; i++)
			acc += bpf_filter(ins, frames[i].data, frames[i].len, frames[i].len);
	uint64_t t1 = bench_machine_now_ns();
	sink += acc;
	return (double)(t1 - t0) / ((double)REPS * NPKT);
}

static double time_ours(const struct tr_bpf_prog *p)
{
	uint32_t acc = 0;
	uint64_t t0 = bench_machine_now_ns();
	for (int r = 0; r < REPS; r++)
		for (int i = 0; i < NPKT; i++)
			acc += tr_bpf_run(p, frames[i].data, frames[i].len, frames[i].len);
	uint64_t t1 = bench_machine_now_ns();
	sink += acc;
	return (double)(t1 - t0) / ((double)REPS * NPKT);
}

int main(int argc, char **argv)
{
	bench_machine_print(stdout);
	bench_json_begin("filter", argc, argv);
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	static char big[4096];
	struct { const char *name; const char *expr; int opt; } cases[] = {
		{ "udp port 53", "udp port 53", 1 },
		{ "tcp syn", "tcp[tcpflags] & tcp-syn != 0", 1 },
		{ "net and not port", "net 10.0.0.0/8 and not port 22", 1 },
		{ "3 ports (unopt)", "port 1001 or port 1002 or port 53", 0 },
		{ "14 ports (unopt)", big, 0 },
	};
	int fail = 0;

	if (rounds < 3)
		rounds = 3;
	/* ~200 instructions unoptimized: a list of ports. */
	size_t off = 0;
	for (int i = 1; i <= 14; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%sport %d", i > 1 ? " or " : "",
					i == 14 ? 53 : 1000 + i);
	if (fp_build_mix(frames, NPKT, 0xbe9c4u) != NPKT)
		return 1;

	printf("cBPF executor: ns/packet over %d frames x %d reps, median of %d alternating rounds\n",
	       NPKT, REPS, rounds);
	printf("%-20s %6s %10s %10s %8s %7s\n", "filter", "insns", "libpcap", "tapring", "ratio", "pass");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		pcap_t *pc = pcap_open_dead(DLT_EN10MB, 262144);
		struct bpf_program bp;
		char err[256];
		int rc;
		if (!pc || pcap_compile(pc, &bp, cases[c].expr, cases[c].opt, 0) != 0) {
			fprintf(stderr, "compile %s failed\n", cases[c].name);
			return 1;
		}
		struct tr_bpf_prog *p = tr_bpf_compile(cases[c].expr, 262144, cases[c].opt, 0, 0,
						       err, sizeof(err), &rc);
		if (!p) {
			fprintf(stderr, "tr_bpf_compile %s: %s\n", cases[c].name, err);
			return 1;
		}
		/* TR_BENCH_INTERP=1: time the interpreter instead of the JIT. */
		const char *interp = getenv("TR_BENCH_INTERP");
		if (interp && strcmp(interp, "1") == 0)
			tr_bpf_set_jit(p, false);
		unsigned pass = 0;
		for (int i = 0; i < NPKT; i++) {
			uint32_t a = bpf_filter(bp.bf_insns, frames[i].data, frames[i].len, frames[i].len);
			uint32_t b = tr_bpf_run(p, frames[i].data, frames[i].len, frames[i].len);
			if (a != b) {
				fprintf(stderr, "verdict mismatch %s frame %d: %u vs %u\n", cases[c].name, i, a, b);
				fail = 1;
			}
			pass += a != 0;
		}
		double *ta = calloc((size_t)rounds, sizeof(double)), *tb = calloc((size_t)rounds, sizeof(double));
		if (!ta || !tb)
			return 1;
		(void)time_pcap(bp.bf_insns);   /* warm-up */
		(void)time_ours(p);
		for (int r = 0; r < rounds; r++) {
			if (r & 1) {
				tb[r] = time_ours(p);
				ta[r] = time_pcap(bp.bf_insns);
			} else {
				ta[r] = time_pcap(bp.bf_insns);
				tb[r] = time_ours(p);
			}
		}
		qsort(ta, (size_t)rounds, sizeof(double), bench_machine_cmp);
		qsort(tb, (size_t)rounds, sizeof(double), bench_machine_cmp);
		double a = ta[rounds / 2], b = tb[rounds / 2];
		printf("%-20s %6u %10.2f %10.2f %7.2fx %4u/%d\n", cases[c].name, bp.bf_len, a, b, a / b,
		       pass, NPKT);
		bench_json_row("\"filter\": \"%s\", \"insns\": %u, \"libpcap_ns\": %.3f, \"tapring_ns\": %.3f",
			       cases[c].name, bp.bf_len, a, b);
		free(ta);
		free(tb);
		tr_bpf_free(p);
		pcap_freecode(&bp);
		pcap_close(pc);
	}
	return fail;
}
