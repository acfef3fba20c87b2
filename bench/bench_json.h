/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/bench_json.h: machine-readable results for ./run bench.
 *
 * With TR_BENCH_JSON=PATH in the environment a benchmark writes, besides
 * its usual text,
 *   {"bench": NAME, "date": "YYYY-MM-DDTHH:MM:SSZ", "command": "argv...",
 *    "env": {"TR_...": "..."}, "machine": {bench_machine_json},
 *    "results": [ {row}, ... ]}
 * Rows are flat objects whose body the caller formats (bench_json_row with
 * printf-style "\"key\": value" pairs). The file is closed by an atexit
 * handler, so every exit path leaves valid JSON. Without the variable every
 * call is a no-op. The syscall cost is measured once, at begin.
 */
#ifndef TAPRING_BENCH_JSON_H
#define TAPRING_BENCH_JSON_H

#include <stdarg.h>
#include <time.h>

#include "machine.h"

extern char **environ;

static FILE *bench_json_f;
static unsigned bench_json_rows;

static void bench_json_end(void)
{
	if (!bench_json_f)
		return;
	fputs("\n]}\n", bench_json_f);
	fclose(bench_json_f);
	bench_json_f = NULL;
}

/* Opens TR_BENCH_JSON (if set) and writes the header. */
static inline void bench_json_begin(const char *name, int argc, char **argv)
{
	const char *path = getenv("TR_BENCH_JSON");
	if (!path || !*path || bench_json_f)
		return;
	bench_json_f = fopen(path, "w");
	if (!bench_json_f) {
		fprintf(stderr, "%s: cannot write %s\n", name, path);
		return;
	}
	FILE *f = bench_json_f;
	char date[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs("{\"bench\": \"", f);
	bench_machine_json_str(f, name);
	fprintf(f, "\", \"date\": \"%s\", \"command\": \"", date);
	for (int i = 0; i < argc; i++) {
		if (i)
			fputc(' ', f);
		bench_machine_json_str(f, argv[i]);
	}
	fputs("\", \"env\": {", f);
	int n = 0;
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (strncmp(*e, "TR_", 3) != 0 || !eq || !strncmp(*e, "TR_BENCH_JSON=", 14))
			continue;
		fputs(n++ ? ", \"" : "\"", f);
		for (const char *c = *e; c < eq; c++)
			fputc(*c, f);
		fputs("\": \"", f);
		bench_machine_json_str(f, eq + 1);
		fputc('"', f);
	}
	struct bench_machine m;
	bench_machine_get(&m);
	fputs("}, \"machine\": ", f);
	bench_machine_json(f, &m);
	fputs(", \"results\": [", f);
	fflush(f);
	atexit(bench_json_end);
}

/* One result row; fmt formats the object's body, e.g.
 *   bench_json_row("\"dir\": \"tx\", \"len\": %u, \"pps\": %.0f", len, pps); */
__attribute__((format(printf, 1, 2))) static inline void bench_json_row(const char *fmt, ...)
{
	if (!bench_json_f)
		return;
	va_list ap;
	fputs(bench_json_rows++ ? ",\n {" : "\n {", bench_json_f);
	va_start(ap, fmt);
	vfprintf(bench_json_f, fmt, ap);
	va_end(ap);
	fputc('}', bench_json_f);
	fflush(bench_json_f);
}

#endif /* TAPRING_BENCH_JSON_H */
