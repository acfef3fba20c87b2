/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_machine: prints the machine stamp as one JSON object (CPU model,
 * cores, kernel, syscall_ns measured now) for the harnesses written in
 * Python or shell (bench/run_bench.py, bench/peers/bench_peers.py).
 *   bench_machine [--text]
 */
#include "machine.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--text") == 0) {
		bench_machine_print(stdout);
		return 0;
	}
	struct bench_machine m;
	bench_machine_get(&m);
	bench_machine_json(stdout, &m);
	putchar('\n');
	return 0;
}
