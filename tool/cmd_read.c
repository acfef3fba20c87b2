/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring read: decode a pcap or pcapng capture offline.
 *
 *   tapring read -r FILE [-c COUNT] [--json] [FILTER EXPRESSION...]
 *
 * Frames come from libpcap (pcap_open_offline reads both formats) in any
 * link type: tr_decode_link() starts from the file's (Ethernet, Linux
 * cooked v1/v2, BSD loopback, raw IP); frames of a link type it does not
 * know are printed as raw bytes with an error, and the file is still read.
 * A trailing filter expression is compiled by libpcap on the file's own
 * handle, as tcpdump does (so it is for the file's link type, and a NULL
 * file written in the other byte order gets its family constants swapped);
 * --filter-bpf FILE takes raw cBPF in tcpdump -ddd format. Either is
 * validated and run by our own executor (<tapring/filter.h>), whose
 * verdicts equal libpcap's bpf_filter on every packet.
 * Each selected frame is decoded and printed by tool/print.c, one line per
 * frame. Malformed frames are data: their line carries the reason and the
 * exit status stays 0.
 *
 * Exit status: 0 success, 1 runtime error (file, format, filter), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <tapring/filter.h>

#include "cmds.h"
#include "print.h"
#include "up.h"

#define TOOL_READ_MAX_FILTER 4096

static void read_usage(FILE *f)
{
	fprintf(f,
		"usage: tapring read -r FILE [-c COUNT] [--json] [FILTER EXPRESSION...]\n"
		"\n"
		"Decode a pcap or pcapng file, one line per frame (Ethernet, Linux cooked\n"
		"SLL/SLL2, BSD loopback NULL/LOOP and raw IP; other link types as raw bytes).\n"
		"  -r FILE      capture file to read (pcap or pcapng)\n"
		"  -c COUNT     stop after COUNT printed frames\n"
		"  --json       one JSON object per frame instead of text\n"
		"  --filter-bpf FILE  raw cBPF (tcpdump -ddd format) instead of an expression\n"
		"  --filter-limit N   largest filter program accepted (default 8192 insns)\n"
		"  -h, --help   this help\n"
		"FILTER is a pcap filter expression (as in tcpdump), e.g. 'udp port 53'.\n");
}

__attribute__((format(printf, 1, 2)))
static void read_err(const char *fmt, ...)
{
	va_list ap;
	fputs("tapring read: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Strict positive decimal count: "10" yes; "", "0", "-1", "1x", "1e3" no. */
static int parse_count(const char *s, unsigned long long *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Compile expr on the file's own handle (its link type, snaplen and byte
 * order, as tcpdump does), then validate it into our executor. */
static int read_compile(pcap_t *p, const char *expr, unsigned limit, struct tr_bpf_prog **out)
{
	struct bpf_program bp;
	char ebuf[256];
	int e;
	if (pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		read_err("bad filter expression '%s': %s", expr, pcap_geterr(p));
		return 1;
	}
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct tr_bpf_insn), "bpf_insn layout");
	*out = tr_bpf_from_insns((const struct tr_bpf_insn *)(const void *)bp.bf_insns, bp.bf_len,
				 limit, ebuf, sizeof(ebuf), &e);
	pcap_freecode(&bp);
	if (!*out) {
		read_err("bad filter expression '%s': %s", expr, ebuf);
		return 1;
	}
	return 0;
}

/* Join argv[first..argc) with single spaces, as tcpdump does. */
static int join_filter(int argc, char **argv, int first, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);
		size_t need = n + (len ? 1 : 0);
		if (need >= cap - len)
			return -E2BIG;
		if (len)
			out[len++] = ' ';
		memcpy(out + len, argv[i], n);
		len += n;
		out[len] = '\0';
	}
	return 0;
}

int tool_cmd_read(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "count", required_argument, NULL, 'c' },
		{ "read", required_argument, NULL, 'r' },
		{ "filter-bpf", required_argument, NULL, 'B' },
		{ "filter-limit", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	unsigned long long count = 0;   /* 0: no limit */
	enum tool_print_fmt fmt = TOOL_PRINT_TEXT;
	const char *bpf_file = NULL;
	unsigned long limit = 0;
	int c;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, which starts the filter. */
	while ((c = getopt_long(argc, argv, "+:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			file = optarg;
			break;
		case 'c':
			if (parse_count(optarg, &count) != 0) {
				read_err("bad count '%s' (want a positive integer)", optarg);
				return 2;
			}
			break;
		case 'j':
			fmt = TOOL_PRINT_JSON;
			break;
		case 'B':
			bpf_file = optarg;
			break;
		case 'L':
			if (tool_parse_uint(optarg, TR_BPF_MAX_INSNS, &limit) != 0 || limit == 0) {
				read_err("bad --filter-limit '%s' (want 1..%u)", optarg, TR_BPF_MAX_INSNS);
				return 2;
			}
			break;
		case 'h':
			read_usage(stdout);
			return 0;
		case ':':
			read_err("option '%s' needs an argument (try --help)", argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				read_err("unknown option '-%c' (try --help)", optopt);
			else
				read_err("unknown option '%s' (try --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (!file) {
		read_err("missing -r FILE (try --help)");
		return 2;
	}

	char filter[TOOL_READ_MAX_FILTER];
	if (join_filter(argc, argv, optind, filter, sizeof(filter)) != 0) {
		read_err("filter expression longer than %d bytes", TOOL_READ_MAX_FILTER - 1);
		return 2;
	}

	char errbuf[PCAP_ERRBUF_SIZE];
	errbuf[0] = '\0';
	pcap_t *p = pcap_open_offline(file, errbuf);
	if (!p) {
		/* libpcap's message often starts with the file name already. */
		if (errbuf[0] && !strncmp(errbuf, file, strlen(file)))
			read_err("%s", errbuf);
		else
			read_err("%s: %s", file, errbuf[0] ? errbuf : "cannot open");
		return 1;
	}
	int rc = 0;
	int dlt = pcap_datalink(p);

	struct tr_bpf_prog *prog = NULL;
	if (filter[0] && !bpf_file)
		rc = read_compile(p, filter, (unsigned)limit, &prog);
	else
		rc = tool_load_filter("read", filter, bpf_file, pcap_snapshot(p), (unsigned)limit, &prog);
	if (rc) {
		pcap_close(p);
		return rc;
	}

	/* One large stdio buffer: printing costs one write per 256 KiB. */
	static char outbuf[1 << 18];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long long index = 0, printed = 0;
	int r;
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		index++;
		if (prog && tr_bpf_run(prog, data, h->len, h->caplen) == 0)
			continue;
		struct tool_print_frame fr = {
			.index = index,
			.ts_sec = (int64_t)h->ts.tv_sec,
			.ts_usec = (uint32_t)h->ts.tv_usec,
			.data = data,
			.caplen = h->caplen,
			.wirelen = h->len,
			.dlt = (uint32_t)dlt,
		};
		if (tool_print_frame_file(stdout, fmt, &fr) != 0) {
			read_err("write error: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (count && ++printed >= count)
			break;
	}
	if (r == PCAP_ERROR) {
		fflush(stdout);
		read_err("%s: %s", file, pcap_geterr(p));
		rc = 1;
	}
	if (fflush(stdout) != 0 && rc == 0) {
		read_err("write error: %s", strerror(errno));
		rc = 1;
	}
	tr_bpf_free(prog);
	pcap_close(p);
	return rc;
}
