/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/ebpfopt.h: the kernel eBPF programs of a tool session (steering and
 * blocklist), shared by `tapring up` and any other command that owns a TAP
 * (public API <tapring/ebpf.h> only).
 *
 * Usage: fill struct tool_ebpf_opts from the command line (tool_ebpf_opt()
 * handles --steering and --block), call tool_ebpf_start() once the TAP
 * exists and before the engine reads, tool_ebpf_json() in the stats, and
 * tool_ebpf_stop() before the TAP is destroyed.
 */
#ifndef TAPRING_TOOL_EBPFOPT_H
#define TAPRING_TOOL_EBPFOPT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <tapring/ebpf.h>

#define TOOL_MAX_BLOCK 64

enum tool_steering {
	TOOL_STEER_DEFAULT = 0,   /* symmetric when queues > 1, best effort */
	TOOL_STEER_SYMMETRIC,     /* asked for: a failure is an error */
	TOOL_STEER_KERNEL,        /* the kernel's own choice, no program */
};

struct tool_ebpf_opts {
	enum tool_steering steering;
	struct tr_block_rule block[TOOL_MAX_BLOCK];   /* --block, parsed */
	unsigned nblock;
};

struct tool_ebpf {
	struct tr_steer *steer;
	struct tr_block *block;
	int fd;                   /* the queue fd the programs were attached with */
};

/* Handles "--steering VALUE" (opt "steering") or "--block RULE" (opt
 * "block"). Returns 0, or 2 after printing "PROG: ..." to stderr. */
int tool_ebpf_opt(struct tool_ebpf_opts *o, const char *opt, const char *val, const char *prog);

/* Attaches what the options ask for to the TAP ifname through tap_fd
 * (queue 0's). The blocklist is always attempted (empty unless --block),
 * pinned for `tapring block`. A failure of something the user asked for
 * (--steering symmetric, --block) fails with one message in err; a failure
 * of a default is reported once on stderr (unless quiet) and the session
 * goes on without it. 0 or -errno. */
int tool_ebpf_start(struct tool_ebpf *k, const struct tool_ebpf_opts *o, const char *ifname,
		    int tap_fd, unsigned queues, bool quiet, char *err, size_t errlen);

/* ,"steering":"symmetric|kernel","kernel_blocked":{"total":N,"src4":..,...}
 * (a leading comma; zeros when no blocklist is attached). */
void tool_ebpf_json(const struct tool_ebpf *k, FILE *f);

/* Before dropping root (--user): the pins go to uid/gid, so the session
 * can still remove them at exit. 0 or -errno (message in err). */
int tool_ebpf_give(struct tool_ebpf *k, uid_t uid, gid_t gid, char *err, size_t errlen);

/* Detaches both programs and removes the pins. Safe to call twice. */
void tool_ebpf_stop(struct tool_ebpf *k);

/* `tapring block add|del|list --tap NAME [RULE...]`. */
int tool_cmd_block(int argc, char **argv);

#endif
