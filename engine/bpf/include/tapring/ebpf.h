/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring eBPF stage-side module: kernel programs attached to a TAP device
 * that act on frames before the engine reads them (docs/bpf.md).
 *
 *   steering   TUNSETSTEERINGEBPF: a symmetric flow hash picks the queue,
 *              so both directions of a flow, and all fragments of a
 *              datagram, meet on one queue and one worker.
 *   blocklist  TUNSETFILTEREBPF: frames from blocked source prefixes or to
 *              blocked UDP/TCP destination ports are dropped in the kernel;
 *              the rules live in maps that can change while frames flow,
 *              optionally pinned under /sys/fs/bpf/tapring/<tap>/ so that
 *              another process (`tapring block`) can change them.
 *
 * Both programs see only frames going from the kernel to the engine. They
 * are embedded in the library (no object file is read at run time) and
 * loaded with libbpf. Loading needs CAP_BPF (or CAP_SYS_ADMIN) and the
 * ioctls need CAP_NET_ADMIN over the device.
 *
 * Errors: functions return 0 or a negative errno; constructors return NULL
 * and set *err. Where an `msg` buffer is taken, a failure also leaves one
 * readable sentence there, naming the feature (and for a verifier
 * rejection, the verifier's last lines).
 *
 * Test switch: after tr_ebpf_test_no_tun_ioctls(true) the two attach
 * functions behave as on a kernel without the ioctls (-EINVAL), so the
 * error paths can be tested on any kernel. (`tapring` sets it when
 * TAPRING_TEST_NO_TUN_EBPF=1 is in its environment.)
 *
 * Control path only, one thread at a time per object; nothing here runs
 * per frame in user space.
 */
#ifndef TAPRING_EBPF_H
#define TAPRING_EBPF_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* For tests: while on, TUNSETSTEERINGEBPF and TUNSETFILTEREBPF (attach and
 * detach) fail with -EINVAL as on a kernel without them. Process-wide; set
 * it from the thread that attaches, before attaching. */
TR_API void tr_ebpf_test_no_tun_ioctls(bool on);

/* ---- symmetric flow steering ------------------------------------------- */

struct tr_steer;

/* Loads the steering program and attaches it to the TAP behind tap_fd (any
 * one queue fd: the program belongs to the device). NULL on failure with
 * *err (-EPERM, -EINVAL: no such ioctl, -EACCES: verifier...) and msg. */
TR_API struct tr_steer *tr_steer_attach(int tap_fd, char *msg, size_t msglen, int *err);

/* Detaches (the kernel goes back to its own queue choice) and frees.
 * tap_fd may be -1 when the device is already gone. NULL is a no-op. */
TR_API void tr_steer_detach(struct tr_steer *s, int tap_fd);

/* The value the steering program returns for this frame, computed in user
 * space by the same parser and hash (engine/bpf/flow_hash.h). 0 for
 * non-IP or truncated frames. Reads only frame[0..len). */
TR_API uint32_t tr_steer_hash(const void *frame, size_t len);

/* The queue the kernel picks for this frame with nqueues queues attached:
 * (uint16_t)tr_steer_hash() % nqueues. nqueues 0 gives 0. */
TR_API unsigned tr_steer_queue(const void *frame, size_t len, unsigned nqueues);

/* ---- blocklist ---------------------------------------------------------- */

enum tr_block_kind {
	TR_BLOCK_SRC4 = 0,   /* IPv4 source prefix */
	TR_BLOCK_SRC6 = 1,   /* IPv6 source prefix */
	TR_BLOCK_UDP = 2,    /* UDP destination port */
	TR_BLOCK_TCP = 3,    /* TCP destination port */
	TR_BLOCK_NKINDS = 4,
};

struct tr_block_rule {
	enum tr_block_kind kind;
	uint8_t addr[16];    /* SRC4: 4 bytes, SRC6: 16, wire order, host bits zero */
	uint8_t prefix;      /* prefix length (0..32 / 0..128) */
	uint16_t port;       /* UDP/TCP: 1..65535 */
};

/* Parses "10.77.0.128/25", "fd77::/64", a bare address (a host prefix),
 * "udp/53" or "tcp/22". Host bits beyond the prefix are cleared. 0, or
 * -EINVAL with a reason in msg. */
TR_API int tr_block_rule_parse(const char *text, struct tr_block_rule *r, char *msg, size_t msglen);

/* Writes the rule in the form tr_block_rule_parse reads ("10.77.0.128/25",
 * "udp/53"). Returns the length snprintf would write. */
TR_API int tr_block_rule_format(const struct tr_block_rule *r, char *buf, size_t len);

/* Name of a kind for counters and JSON: "src4", "src6", "udp", "tcp". */
TR_API const char *tr_block_kind_name(enum tr_block_kind kind);

struct tr_block;

/* Loads the blocklist program with empty maps and attaches it to the TAP
 * behind tap_fd. With ifname non-NULL the maps are also pinned under
 * /sys/fs/bpf/tapring/<ifname>/ (the bpf filesystem is mounted there first
 * if nothing is; stale pins of that name are replaced). NULL on failure
 * with *err and msg. */
TR_API struct tr_block *tr_block_attach(int tap_fd, const char *ifname, char *msg, size_t msglen, int *err);

/* Opens the pinned maps of a running engine's TAP ifname, to change its
 * rules from another process. -ENOENT (msg says so) when no engine has
 * pinned a blocklist for that name. */
TR_API struct tr_block *tr_block_open(const char *ifname, char *msg, size_t msglen, int *err);

/* Adds a rule; it applies to the next frame the kernel sends. 0 (also when
 * it was present), -ENOSPC when the map is full, other -errno. */
TR_API int tr_block_add(struct tr_block *b, const struct tr_block_rule *r);
/* Removes a rule: 0, or -ENOENT if it was not there. */
TR_API int tr_block_del(struct tr_block *b, const struct tr_block_rule *r);
/* Up to max rules into out (sources, then ports); returns how many exist
 * (may exceed max), or -errno. */
TR_API int tr_block_list(struct tr_block *b, struct tr_block_rule *out, unsigned max);
/* Frames dropped so far, per kind (summed over CPUs). 0 or -errno. */
TR_API int tr_block_stats(struct tr_block *b, uint64_t counts[TR_BLOCK_NKINDS]);

/* Hands the pins (directory and maps) of an attached blocklist to uid/gid,
 * for a process about to drop root: it can then still remove them at
 * close (the emptied directory stays: its parent belongs to root), and
 * that user can open them. 0 (also when nothing is pinned) or -errno. */
TR_API int tr_block_pins_chown(struct tr_block *b, uid_t uid, gid_t gid);

/* For an attached blocklist: detaches the program (tap_fd may be -1 when
 * the device is gone), removes the pins and the pin directory. For an
 * opened one: closes the maps. NULL is a no-op. */
TR_API void tr_block_close(struct tr_block *b, int tap_fd);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_EBPF_H */
