/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the targets that drive the tapring tool's own parsers
 * (fuzz_cli.c, fuzz_fwd.c). */
#ifndef TAPRING_FUZZ_TOOL_H
#define TAPRING_FUZZ_TOOL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsers report every rejection on stderr and --help prints on
 * stdout: send the target's own output to /dev/null. libFuzzer keeps the
 * FILE it saved at start, so its reports still reach the real stderr.
 * With the environment variable verbose_env set, everything is kept. */
static inline void fuzz_tool_quiet(const char *verbose_env)
{
	FILE *null;

	if (getenv(verbose_env))
		return;
	null = fopen("/dev/null", "w");
	if (!null)
		return;
	stderr = null;
	stdout = null;
}

/* The target's LLVMFuzzerInitialize: fuzz_tool_quiet(verbose_env). */
#define FUZZ_TOOL_INITIALIZE(verbose_env) \
	int LLVMFuzzerInitialize(int *argc, char ***argv); \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{ \
		(void)argc; \
		(void)argv; \
		fuzz_tool_quiet(verbose_env); \
		return 0; \
	}

/* The text after the selector byte, NUL-terminated, in a heap block of its
 * own (free it); NULL for an empty or oversized input. */
static inline char *fuzz_tool_text(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 4096)
		return NULL;
	s = malloc(size);
	if (!s)
		return NULL;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	return s;
}

/* argv for a subcommand: argv[0] = argv0, then buf[0..len) split at NUL
 * bytes (buf ends with one), at most max - 2 of them. Returns argc;
 * argv[argc] is NULL. */
static inline int fuzz_tool_argv(char *buf, size_t len, const char *argv0, char **argv, int max)
{
	int argc = 0;
	size_t i = 0;

	argv[argc++] = (char *)argv0;
	while (i < len && argc < max - 1) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	return argc;
}

/* An accepted --cpus: none (ncpus 0), or at least one CPU per queue, at
 * most max, each a valid CPU number; aborts otherwise. */
static inline void fuzz_tool_check_cpus(const int *cpus, unsigned ncpus, unsigned max, unsigned queues)
{
	if (ncpus > max || (ncpus && ncpus < queues))
		abort();
	for (unsigned k = 0; k < ncpus; k++)
		if (cpus[k] < 0 || cpus[k] >= CPU_SETSIZE)
			abort();
}

#endif
