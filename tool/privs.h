/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/privs.h: dropping root for good (`--user USER[:GROUP]` of `tapring
 * up`, `dump`, `fwd`). The caller opens everything that needs privilege
 * first (TAP queues, netns, capture sockets, BPF objects, files), then calls
 * tool_privs_drop() while it is still the only thread, then starts its
 * threads: they inherit the dropped credentials, the empty capability sets
 * and no_new_privs.
 */
#ifndef TAPRING_TOOL_PRIVS_H
#define TAPRING_TOOL_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TOOL_PRIVS_MAX_GROUPS 256

struct tool_privs {
	char user[64];       /* the name given (or the numeric id as text) */
	uid_t uid;
	gid_t gid;           /* GROUP if given, else the user's primary group */
	int ngroups;         /* supplementary groups (the user's, from /etc/group) */
	gid_t groups[TOOL_PRIVS_MAX_GROUPS];
};

/* Resolves "USER[:GROUP]" (names or numeric ids; a numeric USER without a
 * passwd entry needs an explicit GROUP). Returns 0, or -ENOENT/-EINVAL with
 * one clear line in err ("unknown user 'x'"). No privilege needed. */
int tool_privs_parse(const char *spec, struct tool_privs *p, char *err, size_t errlen);

/* Creates path (or truncates it) and gives it to the user, so the user can
 * rewrite it after the drop: O_NOFOLLOW (a symlink planted at path is
 * refused, not followed), a regular file only. 0 or -errno with err set. */
int tool_privs_precreate(const struct tool_privs *p, const char *path, char *err, size_t errlen);

/* Drops for good, in this order: setgroups(user's groups), setresgid,
 * setresuid, every capability set emptied (ambient, then effective,
 * permitted and inheritable with capset), PR_SET_NO_NEW_PRIVS. Then checks
 * the result (getresuid/getresgid, capget, that setuid(0) fails). Must be
 * called while the process has one thread (-EBUSY otherwise: the capability
 * sets and no_new_privs are per thread). 0 or -errno with err set. */
int tool_privs_drop(const struct tool_privs *p, char *err, size_t errlen);

/* The calling thread's capability sets are empty (effective, permitted,
 * inheritable; ambient via /proc is not checked here). */
bool tool_privs_caps_empty(void);

#endif
