/* SPDX-License-Identifier: BSD-2-Clause */
/* tool/up.h: the engine + stack session behind `tapring up` and
 * `tapring demo` (public API only). */
#ifndef TAPRING_TOOL_UP_H
#define TAPRING_TOOL_UP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ebpfopt.h"

#define UP_MAX_ADDRS 16
#define UP_MAX_CPUS 64

struct up_cidr {
	int family;             /* 4 or 6 */
	uint8_t addr[16];
	uint8_t prefix;
};

struct up_opts {
	const char *tap;
	unsigned queues;
	struct up_cidr addr[UP_MAX_ADDRS];          /* the stack's addresses */
	unsigned naddr;
	struct up_cidr host_addr[UP_MAX_ADDRS];     /* the kernel side's */
	unsigned nhost_addr;
	uint8_t mac[6];
	bool have_mac;
	const char *netns;
	uint16_t udp_echo;
	const char *dns_hosts;
	uint16_t dns_port;
	const char *stats_file;
	double duration;        /* seconds, 0 = until a signal */
	const char *kernel_filter;
	const char *filter;
	unsigned filter_limit;
	const char *rx_mode;    /* auto | multishot | read */
	bool quiet;
	const char *dump_file;   /* --dump-file: mirror rx/tx into this capture file */
	const char *dump_filter; /* --dump-filter: pcap expression (validated by up_parse) */
	unsigned snaplen;        /* --snaplen: bytes kept per dumped frame (0: 262144) */
	const char *user;        /* --user USER[:GROUP]: drop root before the threads start */
	struct tool_ebpf_opts ebpf; /* --steering, --block */
	bool tun;                /* --tun: a TUN (raw IP, L3 stack) instead of a TAP */
	bool have_peer4, have_peer6;
	uint8_t peer4[4], peer6[16];  /* --peer: point-to-point peer of the host address */
	uint16_t udp_discard;    /* --udp-discard PORT (RFC 863) */
	bool offloads;           /* --offloads: vnet header, TUNSETOFFLOAD */
	unsigned offload_refuse; /* --offload-refuse LIST (test switch) */
	unsigned offload_refuse_b; /* fwd: --offload-refuse b:LIST (port B's) */
	const char *match_file;  /* --match: Hyperscan rules file (SIGHUP reloads it) */
	/* `tapring fwd`: two ports, no stack; port[0] is also tap/netns/host_addr above */
	unsigned nports;         /* 0 or 1: `up`; 2: `fwd` */
	struct up_port {
		const char *name;
		const char *netns;
		struct up_cidr addr[UP_MAX_ADDRS];   /* the kernel side's addresses */
		unsigned naddr;
		uint8_t mac[6];
		bool have_mac;       /* the kernel side's MAC */
	} port[2];
	int cpus[UP_MAX_CPUS];   /* --cpus LIST: worker q on cpus[q] */
	unsigned ncpus;          /* 0: workers unpinned (--cpus none, the default) */
	/* `tapring replay` (cmd_replay.c): the same session over a capture
	 * file, no device; up_start then runs a manual engine on replay_fd */
	bool replay;             /* parsed by up_parse_replay */
	const char *replay_in, *replay_out;   /* -r IN, -w OUT */
	bool replay_pcapng;      /* --pcapng: OUT is pcapng whatever its name */
	bool replay_json;        /* --json: the final stats on standard output */
	uint64_t seed;           /* --seed N: the stack's random choices (default 1) */
	int replay_fd;           /* set by cmd_replay: the engine's end of a socketpair */
};

struct up;

/* Parses `up` arguments (argv[0] is "up"). Returns 0, or an exit status
 * (2) after printing one clear message to stderr. */
int up_parse(int argc, char **argv, struct up_opts *o, const char *prog);
/* The same for `replay` (argv[0] "replay"): up's stack options plus -r,
 * -w, --pcapng, --json, --stats, --seed; the device options are refused.
 * 0, 1 for --help (nothing printed: the caller prints its usage), or 2
 * after one message. */
int up_parse_replay(int argc, char **argv, struct up_opts *o, const char *prog);
/* The engine of a started session (replay steps it). */
struct tr_engine *up_engine(struct up *u);

/* The options `up` and `fwd` share, parsed one way for both: opt is
 * "duration", "user" or "cpus" (without dashes), arg its value. 0, or -1
 * with one message (no program prefix) in err. */
int up_opt_shared(struct up_opts *o, const char *opt, const char *arg, char *err, size_t errlen);
/* After parsing: --cpus must list one CPU per queue. 0, or -1 + err. */
int up_check_cpus(const struct up_opts *o, char *err, size_t errlen);

/* The `up`/`fwd` main loop: start, status line, stats file every second,
 * SIGHUP reloads --match, SIGINT/SIGTERM/--duration stop. Exit status. */
int up_run(const struct up_opts *o, const char *prog);

/* Creates the TAP, configures the kernel side, starts engine + stack.
 * NULL with one clear message in err (and *status the exit status). */
struct up *up_start(const struct up_opts *o, char *err, size_t errlen, int *status);

/* One-line summary for the live status line. */
void up_status_line(struct up *u, char *buf, size_t len, double interval_s);
/* Stats as one JSON object. */
void up_stats_json(struct up *u, FILE *f);
/* Atomically rewrite path with the stats JSON (tmp + rename). */
int up_write_stats_file(struct up *u, const char *path);
/* Engine error (e.g. device deleted), 0 if none. */
int up_error(struct up *u);
/* Reload the --match file on a thread of its own (SIGHUP). 0, -EBUSY while
 * a reload runs, -ENOENT without --match. */
int up_reload(struct up *u);
/* Stops the engine (every buffer returned), removes the TAP. Returns 0 or
 * the engine's first error. */
int up_stop(struct up *u);
/* Frees everything and deletes the TAP (stops first if needed). */
void up_destroy(struct up *u);
/* Value of a named drop reason (all queues), or of an engine counter:
 * "rx", "tx", "delivered", "tx_forwarded", "tx_originated", "dropped". */
uint64_t up_counter(struct up *u, const char *name);

struct tr_bpf_prog;
/* Compiles expr (a pcap filter expression) or loads ddd_file (tcpdump -ddd
 * text), validated, at most limit instructions (0: default). *out is NULL
 * when neither is given. Returns 0, or an exit status after printing one
 * line "tapring CMD: ..." to stderr. */
int tool_load_filter(const char *cmd, const char *expr, const char *ddd_file, int snaplen,
		     unsigned limit, struct tr_bpf_prog **out);
/* The same for frames of link type dlt (DLT_ value). */
int tool_load_filter_dlt(const char *cmd, const char *expr, const char *ddd_file, int dlt,
			 int snaplen, unsigned limit, struct tr_bpf_prog **out);

/* TUNSETOFFLOAD feature names (offloadopt.c): "csum,tso4,uso" -> bits;
 * 0 or -1. And bits -> "csum,tso4,..." in buf. */
int tool_parse_offloads(const char *s, unsigned *out);
const char *tool_offload_names(unsigned f, char *buf, size_t len);
/* `fwd --offload-refuse [a:|b:]LIST`: LIST's bits ORed into *a (port A),
 * *b (port B), or both when there is no prefix. 0, or -1 (nothing set). */
int tool_parse_offload_refuse(const char *s, unsigned *a, unsigned *b);
/* `tapring fwd` arguments (argv[0] is "fwd"; tool/fwdopt.c). Returns 0, 1
 * (--help printed) or 2 after one clear message on stderr. */
int tool_fwd_parse(int argc, char **argv, struct up_opts *o);

/* Text parsers shared by the subcommands. */
int tool_parse_cidr(const char *s, struct up_cidr *out, bool need_prefix);
int tool_parse_mac(const char *s, uint8_t mac[6]);
int tool_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* --cpus: a cpu-list ("0,1", "1-3") of CPUs this process may use, into
 * out[0..*n) (at most max), or "none" (*n = 0). 0, or -EINVAL with a
 * message in err. (tool/cpus.c) */
int tool_parse_cpus(const char *s, int *out, unsigned max, unsigned *n, char *err, size_t errlen);

#endif
