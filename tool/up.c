/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The session behind `tapring up` and `tapring demo`: a TAP (optionally
 * multiqueue, its kernel side optionally in a network namespace), the
 * engine with a cBPF prescreen, the stack, and a last stage that counts
 * frames nobody handled. Public API only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tapring/capture.h>
#include <tapring/addr.h>
#include <tapring/engine.h>
#include <tapring/filter.h>
#include <tapring/match.h>
#include <tapring/slab.h>
#include <tapring/stack.h>
#include <tapring/tap.h>

#include "privs.h"
#include "ebpfopt.h"
#include "up.h"
#include "uptap.h"

struct up {
	struct up_opts o;
	struct tr_tap *tap;
	struct tr_engine *e;
	struct tr_stack_host *host;
	struct tr_bpf_prog *kfilter;
	struct tr_bpf_prog *ufilter;
	struct tr_stage *prescreen;      /* tr_bpf_stage(ufilter) */
	struct tr_bpf_prog *dfilter;     /* --dump-filter */
	struct tr_mirror *mirror;        /* --dump-file, until up_stop */
	struct tr_mirror_stats dump_final;
	struct tool_ebpf kb;             /* steering + blocklist programs */
	struct tool_ebpf kb2;            /* fwd: the same on port B */
	struct tr_tap *tap2;             /* fwd: port B */
	struct tr_match *match;          /* --match */
	char ifname2[TR_TAP_NAME_MAX];
	int unhandled_reason;
	char ifname[TR_TAP_NAME_MAX];
	bool attached;                   /* an existing persistent TAP: kept at exit */
	uint64_t last_rx, last_tx;
	bool stopped;
};

/* ---- text parsers -------------------------------------------------------- */

int tool_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* digits only: strtoul would also skip leading white space and then
	 * take a sign (" 2", " +2" and " -0" were accepted; found by fuzz_cli) */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int tool_parse_cidr(const char *s, struct up_cidr *out, bool need_prefix)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long pfx;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (tr_addr_ipv4_parse(buf, out->addr) == 0) {
		out->family = 4;
		out->prefix = 32;
	} else if (tr_addr_ipv6_parse(buf, out->addr) == 0) {
		out->family = 6;
		out->prefix = 128;
	} else {
		return -EINVAL;
	}
	if (slash) {
		if (tool_parse_uint(slash + 1, out->family == 4 ? 32 : 128, &pfx))
			return -EINVAL;
		out->prefix = (uint8_t)pfx;
	} else if (need_prefix) {
		return -EINVAL;
	}
	return 0;
}

int tool_parse_mac(const char *s, uint8_t mac[6])
{
	if (tr_addr_mac_parse(s, mac) != 0)
		return -EINVAL;
	if (mac[0] & 1)
		return -EINVAL; /* multicast/broadcast cannot be a host MAC */
	return 0;
}

/* ---- argument parsing ---------------------------------------------------- */

enum {
	OPT_TAP = 256, OPT_QUEUES, OPT_ADDR, OPT_MAC, OPT_HOST_ADDR, OPT_NETNS,
	OPT_UDP_ECHO, OPT_DNS_HOSTS, OPT_DNS_PORT, OPT_STATS_FILE, OPT_DURATION,
	OPT_KFILTER, OPT_FILTER, OPT_FILTER_LIMIT, OPT_RX_MODE, OPT_QUIET, OPT_HELP,
	OPT_DUMP_FILE, OPT_DUMP_FILTER, OPT_SNAPLEN, OPT_USER, OPT_STEERING, OPT_BLOCK,
	OPT_TUN, OPT_PEER, OPT_CPUS,
	OPT_UDP_DISCARD, OPT_OFFLOADS, OPT_OFFLOAD_REFUSE, OPT_MATCH,
	OPT_PCAPNG, OPT_JSON, OPT_STATS, OPT_SEED,   /* replay only */
};

static const struct option up_longopts[] = {
	{ "tap", required_argument, NULL, OPT_TAP },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "mac", required_argument, NULL, OPT_MAC },
	{ "host-addr", required_argument, NULL, OPT_HOST_ADDR },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "udp-echo", required_argument, NULL, OPT_UDP_ECHO },
	{ "dns-hosts", required_argument, NULL, OPT_DNS_HOSTS },
	{ "dns-port", required_argument, NULL, OPT_DNS_PORT },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "kernel-filter", required_argument, NULL, OPT_KFILTER },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "filter-limit", required_argument, NULL, OPT_FILTER_LIMIT },
	{ "rx-mode", required_argument, NULL, OPT_RX_MODE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "dump-file", required_argument, NULL, OPT_DUMP_FILE },
	{ "dump-filter", required_argument, NULL, OPT_DUMP_FILTER },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "user", required_argument, NULL, OPT_USER },
	{ "steering", required_argument, NULL, OPT_STEERING },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "tun", no_argument, NULL, OPT_TUN },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "udp-discard", required_argument, NULL, OPT_UDP_DISCARD },
	{ "offloads", no_argument, NULL, OPT_OFFLOADS },
	{ "offload-refuse", required_argument, NULL, OPT_OFFLOAD_REFUSE },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "pcapng", no_argument, NULL, OPT_PCAPNG },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ NULL, 0, NULL, 0 },
};

/* replay: options about a device, threads or the kernel side have no
 * meaning there; refused by name. */
static bool replay_refuses(int c)
{
	switch (c) {
	case OPT_TAP: case OPT_QUEUES: case OPT_HOST_ADDR: case OPT_NETNS: case OPT_DURATION:
	case OPT_KFILTER: case OPT_RX_MODE: case OPT_DUMP_FILE: case OPT_DUMP_FILTER: case OPT_SNAPLEN:
	case OPT_USER: case OPT_STEERING: case OPT_BLOCK: case OPT_PEER: case OPT_OFFLOADS:
	case OPT_OFFLOAD_REFUSE: case OPT_CPUS:
		return true;
	default:
		return false;
	}
}

static const char up_usage[] =
	"usage: tapring up --tap NAME [--queues N] --addr CIDR [--addr CIDR]... [--mac MAC]\n"
	"                  [--host-addr CIDR]... [--netns NS] [--udp-echo PORT]\n"
	"                  [--dns-hosts FILE] [--dns-port PORT] [--stats-file PATH]\n"
	"                  [--duration SECONDS] [--kernel-filter EXPR] [--filter EXPR]\n"
	"                  [--filter-limit N] [--rx-mode auto|multishot|read] [--quiet]\n"
	"                  [--dump-file FILE [--dump-filter EXPR] [--snaplen N]]\n"
	"                  [--user USER[:GROUP]]\n"
	"                  [--steering symmetric|kernel] [--block RULE]...\n"
	"                  [--udp-discard PORT] [--offloads [--offload-refuse LIST]]\n"
	"  --steering MODE    symmetric (default with --queues > 1): an eBPF flow hash\n"
	"                     keeps both directions of a flow on one queue; kernel:\n"
	"                     the TUN driver's own choice\n"
	"  --block RULE       drop in the kernel frames from a source CIDR\n"
	"                     (10.77.0.128/25, fd77::/64) or to udp/PORT, tcp/PORT;\n"
	"                     change while running with `tapring block`\n"
	"                  [--tun [--peer ADDR]...] [--match FILE]\n"
	"  --match FILE       Hyperscan payload rules (docs/match.md); SIGHUP reloads them;\n"
	"                     with --dump-file, the file gets the frames dump rules select\n"
	"  --tun              a TUN instead of a TAP: raw IP, no Ethernet, no ARP/ND\n"
	"  --peer ADDR        TUN: the point-to-point peer of the --host-addr of ADDR's\n"
	"                     family (the stack's address, usually)\n"
	"                  [--cpus LIST|none]\n"
	"  --cpus LIST        pin worker q to the q-th CPU of LIST (e.g. 0,1 or 1-3);\n"
	"                     none (default): the scheduler places the workers. Keep\n"
	"                     workers off the CPUs of heavy local traffic sources\n"
	"  --dump-file FILE   mirror every rx/tx frame (zero-copy) into FILE: pcapng if it\n"
	"                     ends in .pcapng (direction flags, drop reasons as comments),\n"
	"                     else pcap\n"
	"  --user USER[:GROUP] after opening everything, drop root for good: USER's ids\n"
	"                     and groups, no capabilities, no_new_privs (every thread)\n"
	"  An existing persistent TAP NAME is attached to and kept (a user-owned one\n"
	"  needs no capability); otherwise NAME is created and removed at exit.\n";

/* The link type the device's frames have: raw IP on a TUN (DLT_RAW 12). */
static int up_dlt(const struct up_opts *o)
{
	return o->tun ? 12 : 1;
}

#define UP_ERR(...) do { fprintf(stderr, "%s: ", prog); fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); return 2; } while (0)

int up_opt_shared(struct up_opts *o, const char *opt, const char *arg, char *err, size_t errlen)
{
	if (!strcmp(opt, "duration")) {
		char *end;
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || *end || !(o->duration > 0) || o->duration > 1e7) {
			snprintf(err, errlen, "--duration: expected a positive number of seconds, got '%s'", arg);
			return -1;
		}
	} else if (!strcmp(opt, "user")) {
		struct tool_privs pv;
		if (tool_privs_parse(arg, &pv, err, errlen))
			return -1;
		o->user = arg;
	} else if (!strcmp(opt, "cpus")) {
		char eb[128];
		if (tool_parse_cpus(arg, o->cpus, UP_MAX_CPUS, &o->ncpus, eb, sizeof(eb))) {
			snprintf(err, errlen, "--cpus: %s", eb);
			return -1;
		}
	} else {
		snprintf(err, errlen, "internal: unknown shared option %s", opt);
		return -1;
	}
	return 0;
}

int up_check_cpus(const struct up_opts *o, char *err, size_t errlen)
{
	if (o->ncpus && o->ncpus < o->queues) {
		snprintf(err, errlen, "--cpus: %u CPU%s listed for %u queues (one per queue)", o->ncpus,
			 o->ncpus > 1 ? "s" : "", o->queues);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct up_opts *o, const char *prog, bool replay);

int up_parse(int argc, char **argv, struct up_opts *o, const char *prog)
{
	return parse(argc, argv, o, prog, false);
}

int up_parse_replay(int argc, char **argv, struct up_opts *o, const char *prog)
{
	return parse(argc, argv, o, prog, true);
}

static int parse(int argc, char **argv, struct up_opts *o, const char *prog, bool replay)
{
	char eshared[320];
	unsigned long v;
	int c, li;

	memset(o, 0, sizeof(*o));
	o->queues = 1;
	o->replay = replay;
	o->seed = 1;
	o->replay_fd = -1;
	/* 0, not 1: glibc then also forgets a half-read option cluster of an
	 * earlier call (its pointer into that call's argv), so up_parse can be
	 * called more than once in a process (fuzz_cli does) */
	optind = 0;
	opterr = 0;
	while ((li = -1, c = getopt_long(argc, argv, replay ? ":hr:w:" : ":h", up_longopts, &li)) != -1) {
		if (replay && replay_refuses(c))
			UP_ERR("--%s: not available with replay (no device; see --help)", up_longopts[li].name);
		if (!replay && c >= OPT_PCAPNG && c <= OPT_SEED)
			UP_ERR("unknown option '--%s' (see --help)", up_longopts[li].name);
		switch (c) {
		case 'r':
			o->replay_in = optarg;
			break;
		case 'w':
			if (!*optarg)
				UP_ERR("-w: empty path");
			o->replay_out = optarg;
			break;
		case OPT_PCAPNG:
			o->replay_pcapng = true;
			break;
		case OPT_JSON:
			o->replay_json = true;
			break;
		case OPT_STATS:
			o->stats_file = optarg;
			break;
		case OPT_SEED: {
			unsigned long long sv;
			char *end;
			errno = 0;
			sv = *optarg >= '0' && *optarg <= '9' ? strtoull(optarg, &end, 10) : (end = optarg, 0);
			if (errno || end == optarg || *end)
				UP_ERR("--seed: expected a number 0..18446744073709551615, got '%s'", optarg);
			o->seed = sv;
			break;
		}
		case OPT_TAP:
			if (!*optarg || strlen(optarg) >= TR_TAP_NAME_MAX || strchr(optarg, '/') ||
			    strchr(optarg, ' '))
				UP_ERR("--tap: bad interface name '%s' (1-15 bytes, no '/' or spaces)", optarg);
			o->tap = optarg;
			break;
		case OPT_QUEUES:
			if (tool_parse_uint(optarg, TR_ENGINE_MAX_QUEUES, &v) || v == 0)
				UP_ERR("--queues: expected 1..%d, got '%s'", TR_ENGINE_MAX_QUEUES, optarg);
			o->queues = (unsigned)v;
			break;
		case OPT_ADDR:
			if (o->naddr >= UP_MAX_ADDRS)
				UP_ERR("--addr: at most %d addresses", UP_MAX_ADDRS);
			if (tool_parse_cidr(optarg, &o->addr[o->naddr], false))
				UP_ERR("--addr: bad address '%s' (expected IPv4 or IPv6 CIDR)", optarg);
			o->naddr++;
			break;
		case OPT_HOST_ADDR:
			if (o->nhost_addr >= UP_MAX_ADDRS)
				UP_ERR("--host-addr: at most %d addresses", UP_MAX_ADDRS);
			if (tool_parse_cidr(optarg, &o->host_addr[o->nhost_addr], true))
				UP_ERR("--host-addr: bad CIDR '%s' (expected e.g. 10.77.0.2/24)", optarg);
			o->nhost_addr++;
			break;
		case OPT_MAC:
			if (tool_parse_mac(optarg, o->mac))
				UP_ERR("--mac: bad MAC '%s' (expected unicast aa:bb:cc:dd:ee:ff)", optarg);
			o->have_mac = true;
			break;
		case OPT_NETNS:
			o->netns = optarg;
			break;
		case OPT_UDP_ECHO:
			if (tool_parse_uint(optarg, 65535, &v) || v == 0)
				UP_ERR("--udp-echo: bad port '%s'", optarg);
			o->udp_echo = (uint16_t)v;
			break;
		case OPT_DNS_HOSTS:
			if (access(optarg, R_OK) != 0)
				UP_ERR("--dns-hosts: cannot read '%s': %s", optarg, strerror(errno));
			o->dns_hosts = optarg;
			break;
		case OPT_DNS_PORT:
			if (tool_parse_uint(optarg, 65535, &v) || v == 0)
				UP_ERR("--dns-port: bad port '%s'", optarg);
			o->dns_port = (uint16_t)v;
			break;
		case OPT_STATS_FILE:
			o->stats_file = optarg;
			break;
		case OPT_DURATION:
			if (up_opt_shared(o, "duration", optarg, eshared, sizeof(eshared)))
				UP_ERR("%s", eshared);
			break;
		case OPT_KFILTER:
			o->kernel_filter = optarg;
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_FILTER_LIMIT:
			if (tool_parse_uint(optarg, TR_BPF_MAX_INSNS, &v) || v == 0)
				UP_ERR("--filter-limit: expected 1..%u, got '%s'", TR_BPF_MAX_INSNS, optarg);
			o->filter_limit = (unsigned)v;
			break;
		case OPT_RX_MODE:
			if (strcmp(optarg, "auto") && strcmp(optarg, "multishot") && strcmp(optarg, "read"))
				UP_ERR("--rx-mode: expected auto, multishot or read, got '%s'", optarg);
			o->rx_mode = optarg;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_DUMP_FILE:
			if (!*optarg)
				UP_ERR("--dump-file: empty path");
			o->dump_file = optarg;
			break;
		case OPT_DUMP_FILTER:
			o->dump_filter = optarg;   /* validated below, for the device's link type */
			break;
		case OPT_TUN:
			o->tun = true;
			break;
		case OPT_PEER: {
			struct up_cidr pc;
			if (tool_parse_cidr(optarg, &pc, false) || pc.prefix != (pc.family == 4 ? 32 : 128))
				UP_ERR("--peer: bad address '%s' (expected one IPv4 or IPv6 address)", optarg);
			if ((pc.family == 4 && o->have_peer4) || (pc.family == 6 && o->have_peer6))
				UP_ERR("--peer: one peer per address family");
			if (pc.family == 4) {
				memcpy(o->peer4, pc.addr, 4);
				o->have_peer4 = true;
			} else {
				memcpy(o->peer6, pc.addr, 16);
				o->have_peer6 = true;
			}
			break;
		}
		case OPT_MATCH:
			if (access(optarg, R_OK) != 0)
				UP_ERR("--match: cannot read '%s': %s", optarg, strerror(errno));
			o->match_file = optarg;
			break;
		case OPT_SNAPLEN:
			if (tool_parse_uint(optarg, 262144, &v) || v == 0)
				UP_ERR("--snaplen: expected 1..262144, got '%s'", optarg);
			o->snaplen = (unsigned)v;
			break;
		case OPT_USER:
			if (up_opt_shared(o, "user", optarg, eshared, sizeof(eshared)))
				UP_ERR("%s", eshared);
			break;
		case OPT_STEERING:
		case OPT_BLOCK:
			if (tool_ebpf_opt(&o->ebpf, c == OPT_STEERING ? "steering" : "block", optarg, prog))
				return 2;
			break;
		case OPT_UDP_DISCARD:
			if (tool_parse_uint(optarg, 65535, &v) || v == 0)
				UP_ERR("--udp-discard: bad port '%s'", optarg);
			o->udp_discard = (uint16_t)v;
			break;
		case OPT_OFFLOADS:
			o->offloads = true;
			break;
		case OPT_OFFLOAD_REFUSE:
			if (tool_parse_offloads(optarg, &o->offload_refuse))
				UP_ERR("--offload-refuse: expected a list of csum,tso4,tso6,tso_ecn,uso4,uso6,"
				       "tso,uso, got '%s'", optarg);
			break;
		case OPT_CPUS:
			if (up_opt_shared(o, "cpus", optarg, eshared, sizeof(eshared)))
				UP_ERR("%s", eshared);
			break;
		case 'h':
		case OPT_HELP:
			if (!replay)
				fputs(up_usage, stdout);
			return 1;
		case ':':
			UP_ERR("option %s needs a value", argv[optind - 1]);
		default:
			UP_ERR("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		UP_ERR("unexpected argument '%s'", argv[optind]);
	if (replay && !o->replay_in)
		UP_ERR("-r IN (the capture file to replay) is required");
	if (replay && !o->replay_out)
		UP_ERR("-w OUT (the capture file of transmitted frames) is required");
	if (replay && o->replay_json && !strcmp(o->replay_out, "-"))
		UP_ERR("--json with -w -: standard output carries the capture; "
		       "take the stats from standard error (the default) or --stats FILE");
	if (!o->tap && !replay)
		UP_ERR("--tap NAME is required");
	if (o->naddr == 0)
		UP_ERR("at least one --addr is required");
	if (o->dns_hosts && !o->dns_port)
		o->dns_port = 53;
	if ((o->dump_filter || o->snaplen) && !o->dump_file)
		UP_ERR("--dump-filter and --snaplen need --dump-file");
	if ((o->have_peer4 || o->have_peer6) && !o->tun)
		UP_ERR("--peer needs --tun (a point-to-point link)");
	if (o->tun && (o->ebpf.nblock || o->ebpf.steering == TOOL_STEER_SYMMETRIC))
		UP_ERR("--block and --steering symmetric parse Ethernet frames: not available with --tun");
	if (o->dump_filter) {
		char eb[256] = "";
		int fe = 0;
		struct tr_bpf_prog *p = tr_bpf_compile_dlt(o->dump_filter, up_dlt(o), 262144, true,
							   TR_BPF_NETMASK_UNKNOWN, 0, eb, sizeof(eb), &fe);
		if (!p)
			UP_ERR("--dump-filter: bad filter expression '%s': %s", o->dump_filter,
			       eb[0] ? eb : strerror(-fe));
		tr_bpf_free(p);
	}
	if (o->offload_refuse && !o->offloads)
		UP_ERR("--offload-refuse needs --offloads");
	if (o->udp_discard && (o->udp_discard == o->udp_echo || o->udp_discard == o->dns_port))
		UP_ERR("--udp-discard %u: the port is already used by another service", o->udp_discard);
	if (o->offloads && o->tun)
		UP_ERR("--offloads: the virtio-net header path parses Ethernet frames: not available with --tun");
	if (up_check_cpus(o, eshared, sizeof(eshared)))
		UP_ERR("%s", eshared);
	return 0;
}

/* ---- stages owned by the tool ------------------------------------------- */

/* Last stage: `up` has no application behind the stack, so whatever the
 * stack passed on is counted and dropped here, never silently. */
static void unhandled_process(void *arg, struct tr_worker *w, struct tr_buf **bufs,
			      uint32_t *acts, unsigned n)
{
	struct up *u = arg;

	(void)w;
	(void)bufs;
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_DROP(u->unhandled_reason);
}

/* ---- session ------------------------------------------------------------- */

#define SET_ERR(...) do { snprintf(err, errlen, __VA_ARGS__); } while (0)

static const char *tap_err(int e)
{
	return tr_tap_strerror(e);
}

/* The TAP's tx_dropped (frames the kernel filter rejected, among others).
 * The handle's link query runs in the device's namespace, moved or not. */
static int64_t kernel_dropped(struct up *u)
{
	struct tr_tap_link_info li;
	int64_t n;

	if (!u->tap || tr_tap_get_link(u->tap, &li) != 0)
		return -1;   /* replay: no device */
	n = (int64_t)li.stats.tx_dropped;
	if (u->tap2 && tr_tap_get_link(u->tap2, &li) == 0)
		n += (int64_t)li.stats.tx_dropped;
	return n;
}

struct match_json {
	FILE *f;
	bool first;
};

static void match_json_cb(void *arg, const char *id, uint64_t count)
{
	struct match_json *mj = arg;

	if (!mj->first)
		fputc(',', mj->f);
	mj->first = false;
	fprintf(mj->f, "\"%s\":%llu", id, (unsigned long long)count);
}

static void random_mac(uint8_t mac[6])
{
	struct timespec ts;
	uint32_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 12);
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x74; /* 't' */
	mac[2] = (uint8_t)(x >> 24);
	mac[3] = (uint8_t)(x >> 16);
	mac[4] = (uint8_t)(x >> 8);
	mac[5] = (uint8_t)x;
}

/* --user: the files the session rewrites later are created now and given
 * to the user (the capture file is opened by the mirror after the drop;
 * the stats file is rewritten by tmp+rename), then root is dropped. */
static int up_drop(struct up *u, char *err, size_t errlen)
{
	struct tool_privs pv;
	int e;

	if ((e = tool_privs_parse(u->o.user, &pv, err, errlen)) != 0)
		return e;
	if (u->o.dump_file && strcmp(u->o.dump_file, "-") &&
	    (e = tool_privs_precreate(&pv, u->o.dump_file, err, errlen)) != 0)
		return e;
	if (u->o.stats_file && (e = tool_privs_precreate(&pv, u->o.stats_file, err, errlen)) != 0)
		return e;
	if ((e = tool_ebpf_give(&u->kb, pv.uid, pv.gid, err, errlen)) != 0)
		return e;
	if (u->tap2 && (e = tool_ebpf_give(&u->kb2, pv.uid, pv.gid, err, errlen)) != 0)
		return e;   /* fwd: port B's pins too */
	if (u->o.netns && !u->o.quiet)
		fprintf(stderr, "tapring up: note: with --user and --netns, kernel_dropped stays 0: reading "
			"the TAP's counters in %s needs CAP_SYS_ADMIN (setns)\n", u->o.netns);
	return tool_privs_drop(&pv, err, errlen);
}

/* Create one TAP port (exclusive: a name in use is an error, not a
 * takeover) with its kernel side in netns, given addresses and MAC, up. */
static struct tr_tap *open_port(const char *name, unsigned queues, bool vnet, const char *netns,
				const struct up_cidr *addr, unsigned naddr, const uint8_t *mac, char *ifname, char *err,
				size_t errlen)
{
	struct tr_tap_config tc = TR_TAP_CONFIG_INIT;
	struct tr_tap *tap;
	int e = 0;

	tc.name = name;
	tc.flags = TR_TAP_EXCL | (queues > 1 ? TR_TAP_MULTI_QUEUE : 0) | (vnet ? TR_TAP_VNET_HDR : 0);
	tc.queues = queues;
	tap = tr_tap_create(&tc, &e);
	if (!tap) {
		if (e == -EPERM || e == -EACCES)
			SET_ERR("creating TAP %s needs CAP_NET_ADMIN (run as root)", name);
		else if (e == -EBUSY || e == -EEXIST)
			SET_ERR("TAP name %s is in use", name);
		else
			SET_ERR("cannot create TAP %s: %s", name, tap_err(e));
		return NULL;
	}
	snprintf(ifname, TR_TAP_NAME_MAX, "%s", tr_tap_name(tap));
	if (netns && (e = tr_tap_move_netns(tap, netns)) != 0) {
		SET_ERR("cannot move %s into netns %s: %s", ifname, netns, tap_err(e));
		goto fail;
	}
	if (mac && (e = tr_tap_set_mac(tap, mac)) != 0) {
		SET_ERR("cannot set the MAC of %s: %s", ifname, tap_err(e));
		goto fail;
	}
	for (unsigned i = 0; i < naddr; i++) {
		struct tr_tap_addr a = { 0 };

		a.family = addr[i].family == 4 ? AF_INET : AF_INET6;
		a.prefix_len = addr[i].prefix;
		memcpy(a.local, addr[i].addr, 16);
		if ((e = tr_tap_addr_add(tap, &a)) != 0) {
			SET_ERR("cannot add host address %u to %s: %s", i + 1, ifname, tap_err(e));
			goto fail;
		}
	}
	if ((e = tr_tap_set_up(tap, true)) != 0) {
		SET_ERR("cannot bring %s up: %s", ifname, tap_err(e));
		goto fail;
	}
	return tap;
fail:
	tr_tap_destroy(tap, TR_TAP_DESTROY_DELETE);
	return NULL;
}

/* `tapring fwd`: every frame still there after the filters and rules leaves
 * by the other port (the engine's forwarding stage). */
static int add_fwd_or_stack(struct up *u, const struct up_opts *o, struct tr_stack_config *sc, char *err,
			    size_t errlen);

struct up *up_start(const struct up_opts *o, char *err, size_t errlen, int *status)
{
	struct tr_tap_config tc = TR_TAP_CONFIG_INIT;
	struct tr_stack_config sc;
	struct tr_engine_config ec;
	int fds[TR_ENGINE_MAX_QUEUES], fds2[TR_ENGINE_MAX_QUEUES];
	struct up *u;
	int e = 0;
	char ebuf[256];
	const bool fwd = o->nports == 2;

	*status = 1;
	u = calloc(1, sizeof(*u));
	if (!u) {
		SET_ERR("out of memory");
		return NULL;
	}
	u->o = *o;

	/* 0. the rules first: a bad file fails before any device exists */
	struct tr_match_ruleset *rules = NULL;
	if (o->match_file) {
		char mb[512];

		if (tr_match_platform_check(mb, sizeof(mb)) != 0) {
			SET_ERR("--match: %s", mb);
			goto fail;
		}
		rules = tr_match_ruleset_load(o->match_file, mb, sizeof(mb), &e);
		if (!rules) {
			SET_ERR("--match: %s", mb);
			*status = 2;
			goto fail;
		}
	}

	/* 1-2. the TAP(s) and their kernel side: namespace, addresses, up
	 * (replay: none, the engine runs on the caller's socketpair) */
	if (o->replay) {
		snprintf(u->ifname, sizeof(u->ifname), "replay");
	} else if (fwd) {
		const struct up_port *a = &o->port[0], *b = &o->port[1];

		u->tap = open_port(a->name, o->queues, o->offloads, a->netns, a->addr, a->naddr,
				   a->have_mac ? a->mac : NULL, u->ifname, err, errlen);
		if (u->tap)
			u->tap2 = open_port(b->name, o->queues, o->offloads, b->netns, b->addr, b->naddr,
					    b->have_mac ? b->mac : NULL, u->ifname2, err, errlen);
		if (!u->tap || !u->tap2)
			goto fail;
	} else {
		/* 1. the TAP: exclusive, so a name in use is an error, not a takeover */
		tc.name = o->tap;
		tc.flags = TR_TAP_EXCL | (o->queues > 1 ? TR_TAP_MULTI_QUEUE : 0) | (o->tun ? TR_TAP_TUN : 0) |
			   (o->offloads ? TR_TAP_VNET_HDR : 0);
		tc.queues = o->queues;
		{
			struct tr_tap_link_info li;
			int plan = up_tap_plan(o, &tc, &li, err, errlen);

			if (plan < 0)
				goto fail;
			u->attached = plan == 1;
			u->tap = tr_tap_create(&tc, &e);
			if (!u->tap && u->attached) {
				up_tap_attach_error(&li, e, err, errlen);
				goto fail;
			}
		}
		if (!u->tap) {
			if (e == -EPERM || e == -EACCES)
				SET_ERR("creating TAP %s needs CAP_NET_ADMIN (run as root)", o->tap);
			else if (e == -EBUSY || e == -EEXIST)
				SET_ERR("TAP name %s is in use", o->tap);
			else
				SET_ERR("cannot create TAP %s: %s", o->tap, tap_err(e));
			goto fail;
		}
		snprintf(u->ifname, sizeof(u->ifname), "%s", tr_tap_name(u->tap));

		/* 2. its kernel side: namespace, addresses, up (an attached TAP: only
		 * what it lacks) */
		if (u->attached) {
			if (up_tap_attach_side(u->tap, o, err, errlen) != 0)
				goto fail;
		} else if (o->netns && (e = tr_tap_move_netns(u->tap, o->netns)) != 0) {
			SET_ERR("cannot move %s into netns %s: %s", u->ifname, o->netns, tap_err(e));
			goto fail;
		}
		for (unsigned i = 0; !u->attached && i < o->nhost_addr; i++) {
			struct tr_tap_addr a = { 0 };

			a.family = o->host_addr[i].family == 4 ? AF_INET : AF_INET6;
			a.prefix_len = o->host_addr[i].prefix;
			memcpy(a.local, o->host_addr[i].addr, 16);
			if (a.family == AF_INET && o->have_peer4) {
				a.has_peer = true;
				memcpy(a.peer, o->peer4, 4);
			} else if (a.family == AF_INET6 && o->have_peer6) {
				a.has_peer = true;
				memcpy(a.peer, o->peer6, 16);
			}
			if ((e = tr_tap_addr_add(u->tap, &a)) != 0) {
				SET_ERR("cannot add host address %u to %s: %s", i + 1, u->ifname, tap_err(e));
				goto fail;
			}
		}
		if (!u->attached && (e = tr_tap_set_up(u->tap, true)) != 0) {
			SET_ERR("cannot bring %s up: %s", u->ifname, tap_err(e));
			goto fail;
		}
	}

	/* 3. the stack's identity (up only) */
	memset(&sc, 0, sizeof(sc));
	if (!fwd) {
		if (o->have_mac)
			memcpy(sc.mac, o->mac, 6);
		else
			random_mac(sc.mac);
		for (unsigned i = 0; i < o->naddr; i++) {
			if (o->addr[i].family == 4)
				memcpy(sc.ip4[sc.n_ip4++], o->addr[i].addr, 4);
			else
				memcpy(sc.ip6[sc.n_ip6++], o->addr[i].addr, 16);
		}
		sc.l3_only = o->tun;
		sc.udp_echo_port = o->udp_echo;
		sc.dns_port = o->dns_port;
		sc.udp_discard_port = o->udp_discard;
		sc.hosts_path = o->dns_hosts;
		sc.seed = o->replay ? o->seed : 0;
		u->host = tr_stack_host_create(&sc, &e);
		if (!u->host) {
			SET_ERR("stack configuration rejected: %s", strerror(-e));
			goto fail;
		}
	}

	/* 4. filters */
	if (o->kernel_filter) {
		u->kfilter = tr_bpf_compile_dlt(o->kernel_filter, up_dlt(o), 262144, true,
						TR_BPF_NETMASK_UNKNOWN, o->filter_limit, ebuf, sizeof(ebuf), &e);
		if (!u->kfilter) {
			SET_ERR("--kernel-filter: %s", ebuf);
			*status = 2;
			goto fail;
		}
		for (unsigned q = 0; q < o->queues; q++)
			if ((e = tr_bpf_attach_tap(tr_tap_fd(u->tap, q), u->kfilter)) != 0 ||
			    (u->tap2 && (e = tr_bpf_attach_tap(tr_tap_fd(u->tap2, q), u->kfilter)) != 0)) {
				SET_ERR("--kernel-filter: cannot attach to %s: %s", u->ifname, strerror(-e));
				goto fail;
			}
	}
	if (o->filter) {
		u->ufilter = tr_bpf_compile_dlt(o->filter, up_dlt(o), 262144, true,
						TR_BPF_NETMASK_UNKNOWN, o->filter_limit, ebuf, sizeof(ebuf), &e);
		if (!u->ufilter) {
			SET_ERR("--filter: %s", ebuf);
			*status = 2;
			goto fail;
		}
	}

	/* 4b. kernel eBPF: queue steering and the blocklist, before any read.
	 * Both programs parse Ethernet headers: not on a TUN (raw IP), where
	 * the filter slot also holds --kernel-filter's eBPF translation. */
	if (!o->tun && !o->replay && (e = tool_ebpf_start(&u->kb, &o->ebpf, u->ifname, tr_tap_fd(u->tap, 0),
					    o->queues, o->quiet, err, errlen)) != 0)
		goto fail;
	if (fwd && (e = tool_ebpf_start(&u->kb2, &o->ebpf, u->ifname2, tr_tap_fd(u->tap2, 0), o->queues,
					o->quiet, err, errlen)) != 0)
		goto fail;

	/* 5. the engine: prescreen -> match -> stack -> unhandled (up), or
	 * prescreen -> match -> forward (fwd) */
	memset(&ec, 0, sizeof(ec));
	for (unsigned q = 0; q < o->queues; q++) {
		fds[q] = o->replay ? o->replay_fd : tr_tap_fd(u->tap, q);
		if (fwd)
			fds2[q] = tr_tap_fd(u->tap2, q);
	}
	ec.manual = o->replay;   /* no worker thread: replay steps the queue */
	ec.fds = fds;
	ec.fds2 = fwd ? fds2 : NULL;
	ec.nqueues = o->queues;
	ec.device = o->tun ? TR_ENGINE_DEV_TUN : TR_ENGINE_DEV_TAP;
	/* Placement: unpinned unless --cpus (docs/CLI.md, "Worker placement"). */
	ec.cpu_base = -1;
	ec.cpus = o->ncpus ? o->cpus : NULL;
	/* A large class, so reassembled datagrams up to 64 KiB (ping -s 65000)
	 * are answered: 64 x 64 KiB (docs/stack.md). With --offloads the
	 * engine's default (256, rx super-frames) covers reassembly too. */
	if (!o->offloads)
		ec.large_nbufs = 64;
	if (o->rx_mode && !strcmp(o->rx_mode, "multishot"))
		ec.rx_mode = TR_ENGINE_RX_MULTISHOT;
	else if (o->rx_mode && !strcmp(o->rx_mode, "read"))
		ec.rx_mode = TR_ENGINE_RX_READ;
	ec.offloads = o->offloads;
	ec.offload_refuse = o->offload_refuse;
	ec.offload_refuse2 = o->offload_refuse_b;
	u->e = tr_engine_create(&ec, &e);
	if (!u->e) {
		if (o->offloads && e != -ENOTSUP && e != -ENOMEM)
			SET_ERR("--offloads: cannot set up virtio-net header offloads on %s: %s", u->ifname,
				strerror(-e));
		else if (e == -ENOTSUP)
			SET_ERR("--rx-mode multishot: this kernel lacks IORING_OP_READ_MULTISHOT for TAP");
		else
			SET_ERR("cannot create the engine: %s", strerror(-e));
		goto fail;
	}
	if (u->ufilter) {
		/* The library's prescreen stage: frames the program rejects
		 * never reach the stack and count as "filter.rejected". */
		u->prescreen = tr_bpf_stage(u->e, u->ufilter, "filter.rejected", &e);
		if (!u->prescreen || (e = tr_engine_add_stage(u->e, u->prescreen)) != 0) {
			SET_ERR("cannot add the prescreen stage: %s", strerror(-e));
			goto fail;
		}
	}
	if (rules) {
		struct tr_match_config mc = { .dump_path = o->dump_file, .ifname = u->ifname };

		u->match = tr_match_create(u->e, rules, &mc, &e);
		rules = NULL;
		if (!u->match) {
			SET_ERR("--match: cannot set up the rules: %s", strerror(-e));
			goto fail;
		}
	}
	if (add_fwd_or_stack(u, o, &sc, err, errlen) != 0)
		goto fail;
	/* 6. --user: everything privileged is open; drop before the first
	 * thread (the mirror's writer, the workers) exists */
	if (o->user && (e = up_drop(u, err, errlen)) != 0)
		goto fail;
	/* With --match, --dump-file holds what the dump rules select. */
	if (o->dump_file && !o->match_file) {
		struct tr_mirror_config mc = { 0 };

		if (o->dump_filter) {
			u->dfilter = tr_bpf_compile_dlt(o->dump_filter, up_dlt(o), 262144, true,
							TR_BPF_NETMASK_UNKNOWN, 0, ebuf, sizeof(ebuf), &e);
			if (!u->dfilter) {
				SET_ERR("--dump-filter: %s", ebuf);
				*status = 2;
				goto fail;
			}
		}
		mc.path = o->dump_file;
		mc.format = tr_pcap_format_for(o->dump_file);
		mc.snaplen = o->snaplen;
		mc.filter = u->dfilter;
		mc.ifname = u->ifname;
		u->mirror = tr_mirror_create(u->e, &mc, &e);
		if (!u->mirror) {
			SET_ERR("--dump-file: cannot open %s: %s", o->dump_file, strerror(-e));
			goto fail;
		}
	}
	if ((e = tr_engine_start(u->e)) != 0) {
		SET_ERR("cannot start the engine: %s", strerror(-e));
		goto fail;
	}
	for (unsigned p = 0; o->offloads && !o->quiet && p < tr_engine_nports(u->e); p++) {
		char nb[96];
		unsigned on = tr_engine_port_offloads(u->e, p);
		fprintf(stderr, "%s: offloads on %s: %s\n", fwd ? "tapring fwd" : "tapring up", p ? u->ifname2 : u->ifname,
			on ? tool_offload_names(on, nb, sizeof(nb)) : "none (vnet header only)");
	}
	*status = 0;
	return u;
fail:
	tr_match_ruleset_free(rules);
	up_destroy(u);
	return NULL;
}

static int add_fwd_or_stack(struct up *u, const struct up_opts *o, struct tr_stack_config *sc, char *err,
			    size_t errlen)
{
	int e;

	(void)sc;
	if (o->nports == 2) {
		if ((e = tr_engine_add_fwd_stage(u->e)) != 0) {
			SET_ERR("cannot add the forwarding stage: %s", strerror(-e));
			return -1;
		}
		return 0;
	}
	if ((e = tr_stack_stage_add(u->e, u->host)) != 0) {
		SET_ERR("cannot add the stack stage: %s", strerror(-e));
		return -1;
	}
	struct tr_stage st = { .name = "unhandled", .arg = u, .process = unhandled_process };

	u->unhandled_reason = tr_engine_counter(u->e, "unhandled");
	if (u->unhandled_reason < 0 || (e = tr_engine_add_stage(u->e, &st)) != 0) {
		SET_ERR("cannot add the final stage");
		return -1;
	}
	return 0;
}

struct tr_engine *up_engine(struct up *u)
{
	return u->e;
}

int up_reload(struct up *u)
{
	if (!u->match)
		return -ENOENT;
	return tr_match_reload_async(u->match, u->o.match_file);
}

uint64_t up_counter(struct up *u, const char *name)
{
	struct tr_engine_stats st;
	unsigned n = tr_engine_nreasons(u->e);

	tr_engine_stats(u->e, &st);
	if (!strcmp(name, "rx"))
		return st.rx;
	if (!strcmp(name, "tx"))
		return st.tx;
	if (!strcmp(name, "delivered"))
		return st.delivered;
	if (!strcmp(name, "tx_forwarded"))
		return st.tx_forwarded;
	if (!strcmp(name, "tx_originated"))
		return st.tx_originated;
	if (!strcmp(name, "dropped"))
		return st.dropped;
	for (unsigned id = 0; id < n; id++) {
		struct tr_engine_reason_stat rs;

		if (tr_engine_reason(u->e, UINT32_MAX, id, &rs) == 0 && !strcmp(rs.name, name))
			return rs.count + rs.orig_count;
	}
	return 0;
}

void up_status_line(struct up *u, char *buf, size_t len, double interval_s)
{
	struct tr_engine_stats st;

	tr_engine_stats(u->e, &st);
	if (interval_s <= 0)
		interval_s = 1;
	snprintf(buf, len, "%s: rx %llu (%.0f pps)  tx %llu (%.0f pps)  dropped %llu  held %llu",
		 u->ifname, (unsigned long long)st.rx, (double)(st.rx - u->last_rx) / interval_s,
		 (unsigned long long)st.tx, (double)(st.tx - u->last_tx) / interval_s,
		 (unsigned long long)st.dropped, (unsigned long long)st.held);
	u->last_rx = st.rx;
	u->last_tx = st.tx;
}

void up_stats_json(struct up *u, FILE *f)
{
	struct tr_engine_stats st;
	unsigned nq = tr_engine_nqueues(u->e), nr = tr_engine_nreasons(u->e);
	int64_t kd = kernel_dropped(u);
	bool first = true;

	tr_engine_stats(u->e, &st);
	fprintf(f, "{\"tap\":\"%s\",\"rx\":%llu,\"tx\":%llu,\"rx_bytes\":%llu,\"tx_bytes\":%llu,"
		"\"delivered\":%llu,\"tx_forwarded\":%llu,\"tx_originated\":%llu,"
		"\"dropped\":%llu,\"held\":%llu,",
		u->ifname, (unsigned long long)st.rx, (unsigned long long)st.tx,
		(unsigned long long)st.rx_bytes, (unsigned long long)st.tx_bytes,
		(unsigned long long)st.delivered, (unsigned long long)st.tx_forwarded,
		(unsigned long long)st.tx_originated, (unsigned long long)st.dropped,
		(unsigned long long)st.held);
	/* The kernel side's keys (the device's tx_dropped, steering, the eBPF
	 * blocklist) only where there is a kernel side: not in replay. */
	if (!u->o.replay)
		fprintf(f, "\"kernel_dropped\":%lld,", (long long)(kd < 0 ? 0 : kd));
	fputs("\"drops\":{", f);
	for (unsigned id = 0; id < nr; id++) {
		struct tr_engine_reason_stat rs;

		if (tr_engine_reason(u->e, UINT32_MAX, id, &rs) != 0 || (rs.count + rs.orig_count) == 0)
			continue;
		fprintf(f, "%s\"%s\":%llu", first ? "" : ",", rs.name,
			(unsigned long long)(rs.count + rs.orig_count));
		first = false;
	}
	if (u->o.dump_file) {
		struct tr_mirror_stats ms = u->dump_final;

		if (u->mirror)
			tr_mirror_stats(u->mirror, &ms);
		fprintf(f, "},\"dump\":{\"written\":%llu,\"dropped\":%llu,\"filtered\":%llu",
			(unsigned long long)ms.written, (unsigned long long)ms.dropped,
			(unsigned long long)ms.filtered);
	}
	if (u->o.udp_discard) {
		uint64_t dg, db;

		tr_stack_discard_stats(u->host, &dg, &db);
		fprintf(f, "},\"discard\":{\"datagrams\":%llu,\"bytes\":%llu",
			(unsigned long long)dg, (unsigned long long)db);
	}
	if (u->o.offloads) {
		char nb[96];

		fprintf(f, "},\"offloads\":{\"on\":\"%s\",\"rx_segments\":%llu,\"tx_segments\":%llu",
			tool_offload_names(tr_engine_offloads(u->e), nb, sizeof(nb)),
			(unsigned long long)st.rx_segments, (unsigned long long)st.tx_segments);
		fprintf(f, ",\"rx_csum_valid\":%llu,\"tx_sw_csum\":%llu,\"tx_sw_gso\":%llu",
			(unsigned long long)st.rx_csum_valid, (unsigned long long)st.tx_sw_csum,
			(unsigned long long)st.tx_sw_gso);
		if (u->tap2)   /* fwd: port B's own set */
			fprintf(f, ",\"on_b\":\"%s\"",
				tool_offload_names(tr_engine_port_offloads(u->e, 1), nb, sizeof(nb)));
	}
	fputc('}', f);
	if (!u->o.replay)
		tool_ebpf_json(&u->kb, f);
	if (u->tap2) {   /* fwd: port B's steering and blocklist, the same keys in "port_b" */
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m) {
			tool_ebpf_json(&u->kb2, m);
			if (fclose(m) == 0 && buf)
				fprintf(f, ",\"port_b\":{%s}", buf[0] == ',' ? buf + 1 : buf);
			free(buf);
		}
	}
	fputs(",\"queues\":[", f);
	for (unsigned q = 0; q < nq; q++) {
		struct tr_engine_stats qs;

		tr_engine_queue_stats(u->e, q, &qs);
		fprintf(f, "%s{\"rx\":%llu,\"tx\":%llu,\"dropped\":%llu,\"segments\":{\"rx\":%llu,\"tx\":%llu}}",
			q ? "," : "", (unsigned long long)qs.rx, (unsigned long long)qs.tx,
			(unsigned long long)qs.dropped, (unsigned long long)qs.rx_segments,
			(unsigned long long)qs.tx_segments);
	}
	fputc(']', f);
	if (tr_engine_nports(u->e) == 2) {
		fputs(",\"ports\":[", f);
		for (unsigned p = 0; p < 2; p++) {
			struct tr_engine_port_stats ps;

			tr_engine_port_stats(u->e, p, &ps);
			fprintf(f, "%s{\"name\":\"%s\",\"rx\":%llu,\"tx\":%llu}", p ? "," : "",
				p ? u->ifname2 : u->ifname, (unsigned long long)ps.rx, (unsigned long long)ps.tx);
		}
		fputc(']', f);
	}
	if (u->match) {
		struct match_json mj = { .f = f, .first = true };
		struct tr_match_stats ms;

		fputs(",\"match\":{", f);
		tr_match_foreach(u->match, match_json_cb, &mj);
		tr_match_stats(u->match, &ms);
		fprintf(f, "},\"match_stats\":{\"scanned\":%llu,\"matched\":%llu,\"dropped\":%llu,"
			"\"dumped\":%llu,\"dump_dropped\":%llu,\"scan_errors\":%llu,\"reloads\":%llu,"
			"\"reload_failures\":%llu}",
			(unsigned long long)ms.scanned, (unsigned long long)ms.matched,
			(unsigned long long)ms.dropped, (unsigned long long)ms.dumped,
			(unsigned long long)ms.dump_dropped, (unsigned long long)ms.scan_errors,
			(unsigned long long)ms.reloads, (unsigned long long)ms.reload_failures);
	}
	fputs("}\n", f);
}

/* After --user, in a directory the user cannot write: rewrite the file
 * (created for the user before the drop) in place, in one write. A reader
 * racing with it can see a short file; tmp+rename is used whenever the
 * directory allows it. */
static int up_rewrite_in_place(struct up *u, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int fd, e = 0;

	if (!m)
		return -ENOMEM;
	up_stats_json(u, m);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		e = -errno;
	else if (pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
		e = -EIO;
	if (fd >= 0)
		close(fd);
	free(buf);
	return e;
}

int up_write_stats_file(struct up *u, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fd;

	/* mkstemp: a fresh random name opened with O_EXCL, so a symlink planted
	 * next to the stats file (a world-writable directory, tapring running
	 * as root) is never followed; the old "PATH.tmp.PID" was predictable
	 * and opened with O_CREAT|O_TRUNC, which followed it. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return up_rewrite_in_place(u, path);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
		int e = -errno;
		close(fd);
		unlink(tmp);
		return e;
	}
	up_stats_json(u, f);
	if (fclose(f) != 0) {
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path) != 0) {
		int e = -errno;
		unlink(tmp);
		return e;
	}
	return 0;
}

int up_error(struct up *u)
{
	return u->e ? tr_engine_error(u->e, NULL) : 0;
}

int up_stop(struct up *u)
{
	int rc = 0;

	if (!u)
		return 0;
	if (u->e && !u->stopped) {
		rc = tr_engine_stop(u->e);
		u->stopped = true;
	}
	if (u->match)   /* a reload in progress completes once the workers are offline */
		tr_match_reload_join(u->match);
	/* After the engine stopped: the writer drains every record, the file
	 * is closed complete, every buffer reference is released. */
	if (u->mirror) {
		int mr = tr_mirror_destroy(u->mirror, &u->dump_final);

		u->mirror = NULL;
		if (mr < 0)
			fprintf(stderr, "tapring up: writing %s failed: %s\n", u->o.dump_file, strerror(-mr));
	}
	return rc;
}

void up_destroy(struct up *u)
{
	if (!u)
		return;
	up_stop(u);
	/* The rules' dump writer releases its buffer references first. */
	tr_match_destroy(u->match);
	if (u->e)
		tr_engine_destroy(u->e);
	tool_ebpf_stop(&u->kb);   /* detach, unpin: while the TAP fd is open */
	tool_ebpf_stop(&u->kb2);
	if (u->tap)
		tr_tap_destroy(u->tap, u->attached ? TR_TAP_DESTROY_KEEP : TR_TAP_DESTROY_DELETE);
	if (u->tap2)
		tr_tap_destroy(u->tap2, TR_TAP_DESTROY_DELETE);
	tr_stack_host_destroy(u->host);
	tr_bpf_free(u->kfilter);
	tr_bpf_stage_free(u->prescreen);   /* after the engine is gone */
	tr_bpf_free(u->ufilter);
	tr_bpf_free(u->dfilter);
	free(u);
}
