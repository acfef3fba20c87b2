/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/fwdopt.c: the options of `tapring fwd` (tool_fwd_parse), apart from
 * the command so that fuzz/fuzz_fwd.c can drive them; the list parsers it
 * uses are tool_parse_offload_refuse (offloadopt.c) and tool_parse_cpus
 * (cpus.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapring/engine.h>
#include <tapring/tap.h>

#include "ebpfopt.h"
#include "up.h"

enum {
	F_PORT = 256, F_QUEUES, F_MATCH, F_FILTER, F_KFILTER, F_STATS_FILE, F_DURATION, F_DUMP_FILE, F_QUIET,
	F_RX_MODE, F_HELP, F_BLOCK, F_STEERING, F_USER, F_CPUS, F_OFFLOADS, F_OFFLOAD_REFUSE,
};

static const struct option fwd_longopts[] = {
	{ "port", required_argument, NULL, F_PORT },
	{ "queues", required_argument, NULL, F_QUEUES },
	{ "match", required_argument, NULL, F_MATCH },
	{ "filter", required_argument, NULL, F_FILTER },
	{ "kernel-filter", required_argument, NULL, F_KFILTER },
	{ "stats-file", required_argument, NULL, F_STATS_FILE },
	{ "duration", required_argument, NULL, F_DURATION },
	{ "dump-file", required_argument, NULL, F_DUMP_FILE },
	{ "quiet", no_argument, NULL, F_QUIET },
	{ "rx-mode", required_argument, NULL, F_RX_MODE },
	{ "help", no_argument, NULL, F_HELP },
	{ "block", required_argument, NULL, F_BLOCK },
	{ "steering", required_argument, NULL, F_STEERING },
	{ "user", required_argument, NULL, F_USER },
	{ "cpus", required_argument, NULL, F_CPUS },
	{ "offloads", no_argument, NULL, F_OFFLOADS },
	{ "offload-refuse", required_argument, NULL, F_OFFLOAD_REFUSE },
	{ NULL, 0, NULL, 0 },
};

static const char fwd_usage[] =
	"usage: tapring fwd --port SPEC --port SPEC [--queues N] [--match FILE] [--filter EXPR]\n"
	"                   [--kernel-filter EXPR] [--stats-file PATH] [--duration S]\n"
	"                   [--dump-file FILE] [--rx-mode auto|read|multishot] [--quiet]\n"
	"                   [--block RULE]... [--steering symmetric|kernel]\n"
	"                   [--user USER[:GROUP]] [--cpus LIST|none]\n"
	"                   [--offloads [--offload-refuse [a:|b:]LIST]...]\n"
	"  SPEC  NAME[,netns=NS][,addr=CIDR]...[,mac=MAC]: a TAP whose kernel side is in NS\n"
	"        with these addresses and MAC; frames read on one port leave by the other\n"
	"  --match FILE      Hyperscan payload rules (docs/match.md); SIGHUP reloads them\n"
	"  --dump-file FILE  with --match: the frames dump rules select; else every frame\n"
	"  --block RULE      kernel blocklist on both TAPs: a source CIDR, udp/PORT or\n"
	"                    tcp/PORT (as `tapring up --block`)\n"
	"  --user USER[:GROUP] after opening both TAPs, drop root for good (as `up --user`)\n"
	"  --cpus LIST       pin worker q (both ports' queue q) to the q-th CPU of LIST;\n"
	"                    none (the default) leaves the workers to the scheduler\n"
	"  --offloads        virtio-net headers on both TAPs: super-frames (GSO) and\n"
	"                    unfinished checksums cross as they are; for a port that\n"
	"                    lacks a feature the other has, the engine segments or\n"
	"                    checksums in software (stats: offloads.tx_sw_gso/_csum)\n"
	"  --offload-refuse [a:|b:]LIST  test switch: treat these features (csum,tso4,\n"
	"                    tso6,tso_ecn,uso4,uso6) as refused on both ports, or with\n"
	"                    a: or b: on that port only\n";

#define FWD_ERR(...) do { fprintf(stderr, "tapring fwd: "); fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); return 2; } while (0)

/* NAME[,netns=NS][,addr=CIDR]...[,mac=MAC]; spec is modified in place. */
static int parse_spec(char *spec, struct up_port *p)
{
	char *save = NULL, *tok = strtok_r(spec, ",", &save);

	memset(p, 0, sizeof(*p));
	if (!tok || !*tok || strlen(tok) >= TR_TAP_NAME_MAX || strchr(tok, '/') || strchr(tok, '='))
		FWD_ERR("--port: bad interface name in '%s' (1-15 bytes, no '/' or '=')", spec);
	p->name = tok;
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		if (!strncmp(tok, "netns=", 6) && tok[6]) {
			p->netns = tok + 6;
		} else if (!strncmp(tok, "addr=", 5)) {
			if (p->naddr >= UP_MAX_ADDRS)
				FWD_ERR("--port %s: at most %d addresses", p->name, UP_MAX_ADDRS);
			if (tool_parse_cidr(tok + 5, &p->addr[p->naddr], true))
				FWD_ERR("--port %s: bad address '%s' (expected a CIDR, e.g. 10.77.0.2/24)", p->name,
					tok + 5);
			p->naddr++;
		} else if (!strncmp(tok, "mac=", 4)) {
			if (tool_parse_mac(tok + 4, p->mac))
				FWD_ERR("--port %s: bad MAC '%s' (expected unicast aa:bb:cc:dd:ee:ff)", p->name, tok + 4);
			p->have_mac = true;
		} else {
			FWD_ERR("--port %s: unknown field '%s' (netns=, addr=, mac=)", p->name, tok);
		}
	}
	return 0;
}

int tool_fwd_parse(int argc, char **argv, struct up_opts *o)
{
	char eb[320];
	unsigned long v;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->queues = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", fwd_longopts, NULL)) != -1) {
		switch (c) {
		case F_PORT:
			if (o->nports == 2)
				FWD_ERR("exactly two --port options");
			if ((r = parse_spec(optarg, &o->port[o->nports])) != 0)
				return r;
			o->nports++;
			break;
		case F_QUEUES:
			if (tool_parse_uint(optarg, TR_ENGINE_MAX_QUEUES, &v) || v == 0)
				FWD_ERR("--queues: expected 1..%d, got '%s'", TR_ENGINE_MAX_QUEUES, optarg);
			o->queues = (unsigned)v;
			break;
		case F_MATCH:
			if (access(optarg, R_OK) != 0)
				FWD_ERR("--match: cannot read '%s': %s", optarg, strerror(errno));
			o->match_file = optarg;
			break;
		case F_FILTER:
			o->filter = optarg;
			break;
		case F_KFILTER:
			o->kernel_filter = optarg;
			break;
		case F_STATS_FILE:
			o->stats_file = optarg;
			break;
		case F_DURATION:
		case F_USER:
		case F_CPUS:
			if (up_opt_shared(o, c == F_DURATION ? "duration" : c == F_USER ? "user" : "cpus", optarg,
					  eb, sizeof(eb)))
				FWD_ERR("%s", eb);
			break;
		case F_OFFLOADS:
			o->offloads = true;
			break;
		case F_OFFLOAD_REFUSE:
			if (tool_parse_offload_refuse(optarg, &o->offload_refuse, &o->offload_refuse_b))
				FWD_ERR("--offload-refuse: expected [a:|b:] and a list of csum,tso4,tso6,tso_ecn,"
					"uso4,uso6, got '%s'", optarg);
			break;
		case F_DUMP_FILE:
			if (!*optarg)
				FWD_ERR("--dump-file: empty path");
			o->dump_file = optarg;
			break;
		case F_QUIET:
			o->quiet = true;
			break;
		case F_RX_MODE:
			if (strcmp(optarg, "auto") && strcmp(optarg, "multishot") && strcmp(optarg, "read"))
				FWD_ERR("--rx-mode: expected auto, multishot or read, got '%s'", optarg);
			o->rx_mode = optarg;
			break;
		case F_BLOCK:
		case F_STEERING:
			if (tool_ebpf_opt(&o->ebpf, c == F_BLOCK ? "block" : "steering", optarg, "tapring fwd"))
				return 2;
			break;
		case 'h':
		case F_HELP:
			fputs(fwd_usage, stdout);
			return 1;
		case ':':
			FWD_ERR("option %s needs a value", argv[optind - 1]);
		default:
			FWD_ERR("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		FWD_ERR("unexpected argument '%s'", argv[optind]);
	if (o->nports != 2)
		FWD_ERR("exactly two --port options are required (got %u)", o->nports);
	if (!strcmp(o->port[0].name, o->port[1].name))
		FWD_ERR("the two ports must have different names");
	if ((o->offload_refuse || o->offload_refuse_b) && !o->offloads)
		FWD_ERR("--offload-refuse needs --offloads");
	if (up_check_cpus(o, eb, sizeof(eb)))
		FWD_ERR("%s", eb);
	/* port A doubles as up's single TAP for the shared code paths */
	o->tap = o->port[0].name;
	o->netns = o->port[0].netns;
	return 0;
}

