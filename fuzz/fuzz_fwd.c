/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The options of `tapring fwd` (tool/fwdopt.c) and the list parsers they
 * use, built from the tool's own sources. The first byte picks the parser,
 * the rest is its input:
 *   0  tool_parse_offload_refuse ("[a:|b:]LIST")
 *   1  tool_parse_cpus ("0,2-3", "none"; max from byte 1)
 *   2  `tapring fwd` argv: the rest split at NUL bytes, through tool_fwd_parse
 * Checks beyond "no crash": an accepted refuse list sets only known offload
 * bits, on the port its prefix names (both without one), and its names
 * print back to a list that parses to the same bits; a rejected one sets
 * nothing. An accepted CPU list is "none" (no CPU) or 1..max CPUs, each
 * one this process may use, and printed back it parses to the same list;
 * a rejected one has a message. tool_fwd_parse returns 0, 1 or 2 and on 0
 * holds two distinct ports with valid names and every field in range.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/engine.h>
#include <tapring/tap.h>

#include "../tool/up.h"
#include "fuzz_tool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
FUZZ_TOOL_INITIALIZE("FUZZ_FWD_VERBOSE")

static void check_refuse(const char *s)
{
	unsigned a = 0, b = 0, back;
	char names[96];

	if (tool_parse_offload_refuse(s, &a, &b) != 0) {
		if (a || b)
			abort();
		return;
	}
	unsigned all = a | b;
	if (!all || (all & ~TR_OFFLOAD_ALL))
		abort();
	if (!strncmp(s, "a:", 2) ? b != 0 : !strncmp(s, "b:", 2) ? a != 0 : a != b)
		abort();
	tool_offload_names(all, names, sizeof(names));
	if (tool_parse_offloads(names, &back) != 0 || back != all)
		abort();
}

static void check_cpus(const char *s, unsigned max)
{
	int cpus[UP_MAX_CPUS], again[UP_MAX_CPUS];
	unsigned n = 12345, n2 = 0;
	char err[256] = "", text[UP_MAX_CPUS * 6 + 8];
	cpu_set_t allowed;

	if (tool_parse_cpus(s, cpus, max, &n, err, sizeof(err)) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		return;
	}
	if (!strcmp(s, "none")) {
		if (n != 0)
			abort();
		return;
	}
	if (n < 1 || n > max)
		abort();
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		abort();
	size_t off = 0;
	for (unsigned k = 0; k < n; k++) {
		if (cpus[k] < 0 || cpus[k] >= CPU_SETSIZE || !CPU_ISSET(cpus[k], &allowed))
			abort();
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%d", k ? "," : "", cpus[k]);
	}
	if (tool_parse_cpus(text, again, max, &n2, err, sizeof(err)) != 0 || n2 != n ||
	    memcmp(again, cpus, n * sizeof(int)))
		abort();
}

static bool name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len >= 1 && len < TR_TAP_NAME_MAX && !strchr(name, '/') && !strchr(name, '=') &&
	       !strchr(name, ',');
}

static void check_fwd_argv(char *buf, size_t len)
{
	char *argv[64];
	int argc = fuzz_tool_argv(buf, len, "fwd", argv, 64);
	struct up_opts o;
	int rc = tool_fwd_parse(argc, argv, &o);
	if (rc < 0 || rc > 2)
		abort();
	if (rc != 0)
		return;
	if (o.nports != 2 || !name_ok(o.port[0].name) || !name_ok(o.port[1].name) ||
	    !strcmp(o.port[0].name, o.port[1].name) || o.tap != o.port[0].name ||
	    o.netns != o.port[0].netns || o.queues == 0 || o.queues > TR_ENGINE_MAX_QUEUES)
		abort();
	for (unsigned p = 0; p < 2; p++) {
		if (o.port[p].naddr > UP_MAX_ADDRS || (o.port[p].have_mac && (o.port[p].mac[0] & 1)))
			abort();
		for (unsigned k = 0; k < o.port[p].naddr; k++)
			if (o.port[p].addr[k].prefix > (o.port[p].addr[k].family == 4 ? 32 : 128))
				abort();
	}
	if (((o.offload_refuse | o.offload_refuse_b) & ~TR_OFFLOAD_ALL) ||
	    ((o.offload_refuse || o.offload_refuse_b) && !o.offloads))
		abort();
	fuzz_tool_check_cpus(o.cpus, o.ncpus, UP_MAX_CPUS, o.queues);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	s = fuzz_tool_text(data, size);
	if (!s)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_refuse(s);
		break;
	case 1: {
		unsigned max = size > 1 ? 1u + data[1] % UP_MAX_CPUS : UP_MAX_CPUS;

		check_cpus(size > 1 ? s + 1 : s, max);
		break;
	}
	case 2:
		check_fwd_argv(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
