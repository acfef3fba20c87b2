/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring dump`: capture from an interface (ewpcap + enet_if_dump, with
 * tcpdump's habits). Frames come from an AF_PACKET TPACKET_V3 ring
 * (<tapring/capture.h>); a filter expression is compiled to classic BPF,
 * validated, and attached in the kernel so rejected frames never reach us
 * (programs longer than the kernel's 4096-instruction limit run in user
 * space with our executor instead). Output: the same decoded lines as
 * `tapring read` (text or --json), or a capture file with -w (pcapng when
 * the name ends in .pcapng). At exit, tcpdump-style counts go to stderr.
 *
 * Exit status: 0 success, 1 runtime error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/capture.h>
#include <tapring/filter.h>

#include "cmds.h"
#include "print.h"
#include "privs.h"
#include "up.h"

#define DUMP_MAX_FILTER 8192

struct dump {
	struct tr_capture *cap;
	struct tr_pcap_writer *w;
	const struct tr_bpf_prog *uprog;   /* user-space filter (kernel one too long) */
	enum tool_print_fmt fmt;
	uint32_t dlt;                      /* the capture's link type */
	struct tool_pout out;
	uint64_t count, limit;
	uint64_t filtered_out;
	int werr;
};

static struct tr_capture *volatile dump_cap;
static volatile sig_atomic_t dump_stop;

static void on_signal(int sig)
{
	(void)sig;
	dump_stop = 1;
	if (dump_cap)
		tr_capture_breakloop(dump_cap);
}

static void usage(FILE *f)
{
	fputs("usage: tapring dump -i IFACE [-c COUNT] [-s SNAPLEN] [-w FILE] [--json] [-p]\n"
	      "                    [-B KiB] [--immediate|--timeout MS] [--filter-limit N]\n"
	      "                    [--filter-bpf FILE] [--user USER[:GROUP]] [FILTER EXPRESSION...]\n"
	      "       tapring dump -D\n"
	      "  -i IFACE        interface to capture on\n"
	      "  -c COUNT        stop after COUNT frames\n"
	      "  -s SNAPLEN      bytes kept per frame (default 262144)\n"
	      "  -w FILE         write frames to FILE (pcap; pcapng if FILE ends in .pcapng; - = stdout)\n"
	      "  --json          one JSON object per frame instead of text\n"
	      "  -p              do not put the interface into promiscuous mode\n"
	      "  -B KiB          capture ring size (default 2048)\n"
	      "  --immediate     hand over each frame at once\n"
	      "  --timeout MS    block timeout (default 100)\n"
	      "  --filter-limit N  largest filter program accepted (default 8192 insns)\n"
	      "  --filter-bpf FILE raw cBPF in tcpdump -ddd format instead of an expression\n"
	      "  --user USER[:GROUP] once the socket and FILE are open, drop root for good\n"
	      "                  (USER's ids and groups, no capabilities, no_new_privs)\n"
	      "  -D              list interfaces with their addresses and flags\n", f);
}

/* tcpdump's words for the link types a capture can have. */
static const char *link_desc(uint32_t dlt)
{
	switch (dlt) {
	case TR_PCAP_DLT_EN10MB: return "EN10MB (Ethernet)";
	case TR_PCAP_DLT_RAW: return "RAW (Raw IP)";
	case TR_PCAP_DLT_LINUX_SLL2: return "LINUX_SLL2 (Linux cooked v2)";
	default: return "unknown";
	}
}

static int list_interfaces(void)
{
	struct ifaddrs *ifa, *i;
	unsigned idx_seen[256];
	unsigned nseen = 0;

	if (getifaddrs(&ifa) != 0) {
		fprintf(stderr, "tapring dump: getifaddrs: %s\n", strerror(errno));
		return 1;
	}
	/* one entry per interface, in ifindex order of first appearance */
	for (i = ifa; i; i = i->ifa_next) {
		unsigned idx = if_nametoindex(i->ifa_name);
		bool seen = false;

		for (unsigned k = 0; k < nseen; k++)
			seen |= idx_seen[k] == idx;
		if (seen || nseen >= 256)
			continue;
		idx_seen[nseen++] = idx;
		printf("%u.%s [", idx, i->ifa_name);
		static const struct { unsigned f; const char *n; } fl[] = {
			{ IFF_UP, "Up" }, { IFF_RUNNING, "Running" }, { IFF_LOOPBACK, "Loopback" },
			{ IFF_PROMISC, "Promisc" }, { IFF_BROADCAST, "Broadcast" },
			{ IFF_MULTICAST, "Multicast" }, { IFF_POINTOPOINT, "PointToPoint" },
		};
		bool first = true;
		for (size_t k = 0; k < sizeof(fl) / sizeof(fl[0]); k++)
			if (i->ifa_flags & fl[k].f) {
				printf("%s%s", first ? "" : ", ", fl[k].n);
				first = false;
			}
		printf("]\n");
		for (struct ifaddrs *j = ifa; j; j = j->ifa_next) {
			char a[INET6_ADDRSTRLEN];

			if (strcmp(j->ifa_name, i->ifa_name) || !j->ifa_addr)
				continue;
			if (j->ifa_addr->sa_family == AF_PACKET) {
				const struct sockaddr_ll *ll = (const void *)j->ifa_addr;
				if (ll->sll_halen == 6)
					printf("    link  %02x:%02x:%02x:%02x:%02x:%02x\n", ll->sll_addr[0],
					       ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3],
					       ll->sll_addr[4], ll->sll_addr[5]);
			} else if (j->ifa_addr->sa_family == AF_INET) {
				const struct sockaddr_in *s4 = (const void *)j->ifa_addr;
				const struct sockaddr_in *m4 = (const void *)j->ifa_netmask;
				int pfx = m4 ? __builtin_popcount(m4->sin_addr.s_addr) : 32;
				inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
				printf("    inet  %s/%d\n", a, pfx);
			} else if (j->ifa_addr->sa_family == AF_INET6) {
				const struct sockaddr_in6 *s6 = (const void *)j->ifa_addr;
				const struct sockaddr_in6 *m6 = (const void *)j->ifa_netmask;
				int pfx = 0;
				for (int b = 0; m6 && b < 16; b++)
					pfx += __builtin_popcount(m6->sin6_addr.s6_addr[b]);
				inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
				printf("    inet6 %s/%d\n", a, pfx);
			}
		}
	}
	freeifaddrs(ifa);
	return 0;
}

static void on_frame(void *arg, const struct tr_capture_pkt *p)
{
	struct dump *d = arg;

	if (d->limit && d->count >= d->limit)
		return;
	if (d->uprog && tr_bpf_run(d->uprog, p->data, p->len, p->caplen) == 0) {
		d->filtered_out++;
		return;
	}
	d->count++;
	if (d->w) {
		int dir = p->pkttype == PACKET_OUTGOING ? TR_PCAP_DIR_OUT : TR_PCAP_DIR_IN;
		int e = tr_pcap_writer_write(d->w, p->data, p->caplen, p->len, p->ts_ns, dir, NULL);
		if (e && !d->werr)
			d->werr = e;
		return;
	}
	struct tool_print_frame fr = {
		.index = d->count,
		.ts_sec = (int64_t)(p->ts_ns / 1000000000u),
		.ts_usec = (uint32_t)((p->ts_ns % 1000000000u) / 1000u),
		.data = p->data,
		.caplen = p->caplen,
		.wirelen = p->len,
		.dlt = d->dlt,
	};
	tool_print_frame(&d->out, d->fmt, &fr);
}

enum { OPT_JSON = 256, OPT_IMMEDIATE, OPT_TIMEOUT, OPT_FILTER_LIMIT, OPT_FILTER_BPF, OPT_HELP, OPT_USER };

int tool_cmd_dump(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "filter-limit", required_argument, NULL, OPT_FILTER_LIMIT },
		{ "filter-bpf", required_argument, NULL, OPT_FILTER_BPF },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "user", required_argument, NULL, OPT_USER },
		{ NULL, 0, NULL, 0 },
	};
	struct tr_capture_config cc = { .promisc = true };
	struct dump d;
	const char *wfile = NULL, *bpf_file = NULL;
	unsigned filter_limit = 0;
	bool list = false, have_timeout = false;
	unsigned long v;
	char filter[DUMP_MAX_FILTER];
	struct tr_bpf_prog *prog = NULL;
	struct tool_privs pv;
	const char *user = NULL;
	char perr[512];
	int c, e, rc = 0;

	memset(&d, 0, sizeof(d));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:c:s:w:pB:Dh", lo, NULL)) != -1) {
		switch (c) {
		case 'i': cc.ifname = optarg; break;
		case 'c':
			if (tool_parse_uint(optarg, UINT32_MAX, &v) || v == 0) {
				fprintf(stderr, "tapring dump: -c: expected a positive count, got '%s'\n", optarg);
				return 2;
			}
			d.limit = v;
			break;
		case 's':
			if (tool_parse_uint(optarg, 262144, &v)) {
				fprintf(stderr, "tapring dump: -s: expected 0..262144, got '%s'\n", optarg);
				return 2;
			}
			cc.snaplen = (uint32_t)v;
			break;
		case 'w': wfile = optarg; break;
		case 'p': cc.promisc = false; break;
		case 'B':
			if (tool_parse_uint(optarg, 1u << 20, &v) || v == 0) {
				fprintf(stderr, "tapring dump: -B: expected 1..1048576 KiB, got '%s'\n", optarg);
				return 2;
			}
			cc.buffer_kib = (uint32_t)v;
			break;
		case 'D': list = true; break;
		case OPT_JSON: d.fmt = TOOL_PRINT_JSON; break;
		case OPT_IMMEDIATE: cc.immediate = true; break;
		case OPT_TIMEOUT:
			if (tool_parse_uint(optarg, 60000, &v) || v == 0) {
				fprintf(stderr, "tapring dump: --timeout: expected 1..60000 ms, got '%s'\n", optarg);
				return 2;
			}
			cc.timeout_ms = (int)v;
			have_timeout = true;
			break;
		case OPT_FILTER_LIMIT:
			if (tool_parse_uint(optarg, TR_BPF_MAX_INSNS, &v) || v == 0) {
				fprintf(stderr, "tapring dump: --filter-limit: expected 1..%u, got '%s'\n",
					TR_BPF_MAX_INSNS, optarg);
				return 2;
			}
			filter_limit = (unsigned)v;
			break;
		case OPT_FILTER_BPF: bpf_file = optarg; break;
		case OPT_USER:
			if (tool_privs_parse(optarg, &pv, perr, sizeof(perr))) {
				fprintf(stderr, "tapring dump: %s\n", perr);
				return 2;
			}
			user = optarg;
			break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		case ':':
			fprintf(stderr, "tapring dump: option %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "tapring dump: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (list)
		return list_interfaces();
	if (cc.immediate && have_timeout) {
		fprintf(stderr, "tapring dump: --immediate and --timeout exclude each other\n");
		return 2;
	}
	if (!cc.ifname) {
		fprintf(stderr, "tapring dump: -i IFACE is required (tapring dump -D lists interfaces)\n");
		return 2;
	}
	filter[0] = '\0';
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(filter);
		if (snprintf(filter + l, sizeof(filter) - l, "%s%s", l ? " " : "", argv[i]) >=
		    (int)(sizeof(filter) - l)) {
			fprintf(stderr, "tapring dump: filter expression too long\n");
			return 2;
		}
	}

	/* The capture knows the link type (from the interface's ARPHRD type,
	 * or Linux cooked v2 for "any"); it receives nothing before
	 * tr_capture_activate(), so the filter is still in place first. */
	d.cap = tr_capture_open(&cc, &e);
	if (!d.cap) {
		if (e == -EPERM || e == -EACCES)
			fprintf(stderr, "tapring dump: capturing needs CAP_NET_RAW (run as root)\n");
		else if (e == -ENODEV)
			fprintf(stderr, "tapring dump: %s: no such interface\n", cc.ifname);
		else
			fprintf(stderr, "tapring dump: %s: %s\n", cc.ifname, strerror(-e));
		return 1;
	}
	d.dlt = tr_capture_dlt(d.cap);
	rc = tool_load_filter_dlt("dump", filter, bpf_file, (int)d.dlt,
				  cc.snaplen ? (int)cc.snaplen : 262144, filter_limit, &prog);
	if (rc) {
		tr_capture_close(d.cap);
		return rc;
	}
	if (prog) {
		unsigned n;
		const struct tr_bpf_insn *ins = tr_bpf_insns(prog, &n);

		if (n > TR_BPF_KERNEL_MAX_INSNS || tr_capture_set_filter(d.cap, ins, n) != 0)
			d.uprog = prog; /* too long for the kernel: run it here */
	}
	if (wfile && user && strcmp(wfile, "-") &&
	    tool_privs_precreate(&pv, wfile, perr, sizeof(perr)) != 0) {
		fprintf(stderr, "tapring dump: -w: %s\n", perr);
		rc = 1;
		goto out;
	}
	if (wfile) {
		d.w = tr_pcap_writer_open_link(wfile, tr_pcap_format_for(wfile),
					       cc.snaplen ? cc.snaplen : 262144, cc.ifname, d.dlt, &e);
		if (!d.w) {
			fprintf(stderr, "tapring dump: cannot write %s: %s\n", wfile, strerror(-e));
			rc = 1;
			goto out;
		}
	} else {
		tool_pout_file(&d.out, stdout);
	}
	if ((e = tr_capture_activate(d.cap)) != 0) {
		fprintf(stderr, "tapring dump: %s: %s\n", cc.ifname, strerror(-e));
		rc = 1;
		goto out;
	}
	/* the socket, its ring, its filter and the file are open: drop */
	if (user && tool_privs_drop(&pv, perr, sizeof(perr)) != 0) {
		fprintf(stderr, "tapring dump: %s\n", perr);
		rc = 1;
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	dump_cap = d.cap;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "tapring dump: listening on %s, link-type %s, snapshot length %u bytes\n",
		cc.ifname, link_desc(d.dlt), cc.snaplen ? cc.snaplen : 262144);

	while (!dump_stop && (!d.limit || d.count < d.limit)) {
		unsigned max = d.limit ? (unsigned)(d.limit - d.count) : 0;
		int r = tr_capture_dispatch(d.cap, 200, max, on_frame, &d);

		if (!d.w && d.out.len)
			tool_pout_flush(&d.out);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "tapring dump: %s: %s\n", cc.ifname, strerror(-r));
			rc = 1;
			break;
		}
		if (d.werr) {
			fprintf(stderr, "tapring dump: writing %s: %s\n", wfile, strerror(-d.werr));
			rc = 1;
			break;
		}
	}
out:
	dump_cap = NULL;
	if (!d.w)
		tool_pout_flush(&d.out);
	if (d.w && tr_pcap_writer_close(d.w) != 0) {
		fprintf(stderr, "tapring dump: writing %s failed\n", wfile);
		rc = 1;
	}
	if (d.cap) {
		struct tr_capture_stats st;

		if (tr_capture_stats(d.cap, &st) == 0) {
			fprintf(stderr, "%llu packets captured\n", (unsigned long long)d.count);
			fprintf(stderr, "%llu packets received by filter\n",
				(unsigned long long)(st.received - d.filtered_out));
			fprintf(stderr, "%llu packets dropped by kernel\n", (unsigned long long)st.dropped);
			fprintf(stderr, "%llu packets dropped by interface\n",
				(unsigned long long)st.if_dropped);
		}
		tr_capture_close(d.cap);
	}
	tr_bpf_free(prog);
	return rc;
}
