/* SPDX-License-Identifier: BSD-2-Clause */
/* engine/bpf/ebpf_pvt.h: shared helpers of the eBPF module (not installed). */
#ifndef TAPRING_EBPF_PVT_H
#define TAPRING_EBPF_PVT_H

#include <stdarg.h>
#include <stddef.h>

#include <bpf/libbpf.h>

#include "stage_pvt.h"

/* snprintf into msg when msg is non-NULL: the engine's one formatter. */
#define tr__ebpf_msg tr__errf

/* Load state around a skeleton's open + load: libbpf's own printing is
 * captured (not written to stderr), and the program's verifier log goes to
 * a buffer so a rejection can be reported. */
struct tr__ebpf_load {
	char *log;           /* verifier log (malloc'd, 64 KiB) */
	libbpf_print_fn_t old_print;
};
int tr__ebpf_load_begin(struct tr__ebpf_load *l, struct bpf_program *prog);
void tr__ebpf_load_end(struct tr__ebpf_load *l);
/* One message for a failed open/load of feature ("steering"...): names the
 * capability for -EPERM, quotes the verifier's last lines otherwise. */
void tr__ebpf_load_error(const struct tr__ebpf_load *l, const char *feature, int err,
			 char *msg, size_t msglen);

/* A skeleton's load (after its open) with the program prog's verifier log
 * captured: 0, or a negative errno and one message in msg (see
 * tr__ebpf_load_error). skel is the skeleton's ->skeleton. */
int tr__ebpf_skel_load(struct bpf_object_skeleton *skel, struct bpf_program *prog, const char *feature,
		       char *msg, size_t msglen);
/* The first steps of every tr_*_attach: checks tap_fd and allocates size
 * zeroed bytes; NULL with *err (-EBADF, -ENOMEM) and msg set otherwise. */
void *tr__ebpf_attach_alloc(int tap_fd, size_t size, const char *feature, char *msg, size_t msglen,
			    int *err);

/* TUNSETSTEERINGEBPF / TUNSETFILTEREBPF with prog_fd (-1 detaches). 0 or
 * -errno; honours tr_ebpf_test_no_tun_ioctls(). On failure msg
 * names the ioctl and what the errno means. */
int tr__ebpf_tun_set(int tap_fd, unsigned long req, const char *ioctl_name, int prog_fd,
		     char *msg, size_t msglen);

#endif /* TAPRING_EBPF_PVT_H */
