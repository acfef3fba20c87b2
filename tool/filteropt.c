/* SPDX-License-Identifier: BSD-2-Clause */
/* Filter options shared by read, dump and up: a pcap expression or a raw
 * cBPF file (tcpdump -ddd format), validated, with a size cap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/filter.h>

#include "up.h"

static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (buf) {
		n = fread(buf, 1, max, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

int tool_load_filter(const char *cmd, const char *expr, const char *ddd_file, int snaplen,
		     unsigned limit, struct tr_bpf_prog **out)
{
	return tool_load_filter_dlt(cmd, expr, ddd_file, 1, snaplen, limit, out);
}

int tool_load_filter_dlt(const char *cmd, const char *expr, const char *ddd_file, int dlt,
			 int snaplen, unsigned limit, struct tr_bpf_prog **out)
{
	char ebuf[512];
	int e;

	*out = NULL;
	if (expr && *expr && ddd_file) {
		fprintf(stderr, "tapring %s: give a filter expression or --filter-bpf, not both\n", cmd);
		return 2;
	}
	if (expr && *expr) {
		*out = tr_bpf_compile_dlt(expr, dlt, snaplen, true, TR_BPF_NETMASK_UNKNOWN, limit,
				      ebuf, sizeof(ebuf), &e);
		if (!*out) {
			fprintf(stderr, "tapring %s: bad filter expression '%s': %s\n", cmd, expr, ebuf);
			return 1;
		}
	} else if (ddd_file) {
		char *text = slurp(ddd_file, 1 << 20);

		if (!text) {
			fprintf(stderr, "tapring %s: cannot read %s: %s\n", cmd, ddd_file, strerror(errno));
			return 1;
		}
		*out = tr_bpf_load_ddd(text, limit, ebuf, sizeof(ebuf), &e);
		free(text);
		if (!*out) {
			fprintf(stderr, "tapring %s: invalid BPF program in %s: %s\n", cmd, ddd_file, ebuf);
			return 1;
		}
	}
	return 0;
}
