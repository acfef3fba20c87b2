/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/machine.h: the machine stamp every benchmark prints first.
 *
 * Ratios against one-syscall-per-frame loops move with the cost of a
 * syscall (about 1 us on the earlier PVM host, about 75 ns on today's), so
 * no figure means anything without the CPU, the kernel and a syscall cost
 * measured in the same run. bench_machine_print() writes one line
 *   machine: cpu="..." cores=N kernel=X syscall_ns=Y
 * and bench_machine_json() the same as a JSON object for result files.
 * The syscall cost is the median of 9 rounds of 20000 getppid() calls
 * (bounded: well under 100 ms).
 */
#ifndef TAPRING_BENCH_MACHINE_H
#define TAPRING_BENCH_MACHINE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

struct bench_machine {
	char cpu[128];
	char kernel[96];
	long cores;
	double syscall_ns;
};

static inline uint64_t bench_machine_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int bench_machine_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median ns of one raw getppid syscall (not the libc-cached kind). */
static inline double bench_syscall_ns(void)
{
	enum { ROUNDS = 9, CALLS = 20000 };
	double r[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = bench_machine_now_ns();
		for (int j = 0; j < CALLS; j++)
			(void)syscall(SYS_getppid);
		r[i] = (double)(bench_machine_now_ns() - t0) / CALLS;
	}
	qsort(r, ROUNDS, sizeof(r[0]), bench_machine_cmp);
	return r[ROUNDS / 2];
}

static inline void bench_machine_get(struct bench_machine *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->cpu, sizeof(m->cpu), "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "model name", 10) != 0)
				continue;
			const char *v = strchr(line, ':');
			if (!v)
				break;
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			snprintf(m->cpu, sizeof(m->cpu), "%s", v);
			m->cpu[strcspn(m->cpu, "\n")] = '\0';
			break;
		}
		fclose(f);
	}
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
	m->cores = sysconf(_SC_NPROCESSORS_ONLN);
	m->syscall_ns = bench_syscall_ns();
}

/* Writes s as a JSON string body (quotes and backslashes escaped). */
static inline void bench_machine_json_str(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
}

static inline void bench_machine_json(FILE *out, const struct bench_machine *m)
{
	fputs("{\"cpu\": \"", out);
	bench_machine_json_str(out, m->cpu);
	fprintf(out, "\", \"cores\": %ld, \"kernel\": \"", m->cores);
	bench_machine_json_str(out, m->kernel);
	fprintf(out, "\", \"syscall_ns\": %.1f}", m->syscall_ns);
}

/* Measures the machine and prints the one-line stamp to out. */
static inline void bench_machine_print(FILE *out)
{
	struct bench_machine m;
	bench_machine_get(&m);
	fprintf(out, "machine: cpu=\"%s\" cores=%ld kernel=%s syscall_ns=%.1f\n", m.cpu, m.cores,
		m.kernel, m.syscall_ns);
}

#endif /* TAPRING_BENCH_MACHINE_H */
