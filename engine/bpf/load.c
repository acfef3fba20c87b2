/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading the embedded programs and attaching them to a TAP: the pieces
 * steer.c and block.c share. libbpf prints its diagnostics through one
 * process-wide callback; while one of our skeletons loads, that callback is
 * swapped for one that discards them (the verifier log is captured in the
 * program's own log buffer instead and quoted in the error message), then
 * restored. Control path only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <bpf/libbpf.h>
#include <linux/if_tun.h>

#include <tapring/ebpf.h>

#include "ebpf_pvt.h"

#define LOG_SIZE (64u * 1024u)

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int tr__ebpf_load_begin(struct tr__ebpf_load *l, struct bpf_program *prog)
{
	l->log = calloc(1, LOG_SIZE);
	if (!l->log)
		return -ENOMEM;
	l->old_print = libbpf_set_print(quiet_print);
	/* log level 0: libbpf asks for no log on the first attempt and retries
	 * with level 1 into this buffer only if the load fails */
	return bpf_program__set_log_buf(prog, l->log, LOG_SIZE);
}

void tr__ebpf_load_end(struct tr__ebpf_load *l)
{
	libbpf_set_print(l->old_print);
	free(l->log);
	l->log = NULL;
}

int tr__ebpf_skel_load(struct bpf_object_skeleton *skel, struct bpf_program *prog, const char *feature,
		       char *msg, size_t msglen)
{
	struct tr__ebpf_load l = { 0 };
	int e = tr__ebpf_load_begin(&l, prog);
	if (e == 0)
		e = bpf_object__load_skeleton(skel);
	if (e)
		tr__ebpf_load_error(&l, feature, e, msg, msglen);
	tr__ebpf_load_end(&l);
	return e;
}

void *tr__ebpf_attach_alloc(int tap_fd, size_t size, const char *feature, char *msg, size_t msglen,
			    int *err)
{
	if (tap_fd < 0) {
		*err = -EBADF;
		tr__ebpf_msg(msg, msglen, "%s: no TAP queue fd", feature);
		return NULL;
	}
	void *p = calloc(1, size);
	if (!p) {
		*err = -ENOMEM;
		tr__ebpf_msg(msg, msglen, "%s: out of memory", feature);
	}
	return p;
}

/* The last n non-empty lines of the log, joined by " | ". */
static void last_lines(const char *log, unsigned n, char *out, size_t outlen)
{
	size_t len = strlen(log);
	const char *start;
	unsigned found = 0;

	out[0] = '\0';
	while (len && (log[len - 1] == '\n' || log[len - 1] == ' '))
		len--;
	start = log + len;
	while (start > log && found < n) {
		start--;
		if (*start == '\n' && start + 1 < log + len && start[1] != '\n')
			found++;
	}
	if (*start == '\n')
		start++;
	size_t o = 0;
	for (const char *p = start; p < log + len && o + 4 < outlen; p++) {
		if (*p == '\n') {
			if (o && out[o - 1] != ' ') {
				memcpy(out + o, " | ", 3);
				o += 3;
			}
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

void tr__ebpf_load_error(const struct tr__ebpf_load *l, const char *feature, int err,
			 char *msg, size_t msglen)
{
	char tail[400];

	if (err == -EPERM) {
		tr__ebpf_msg(msg, msglen,
			     "%s: loading the eBPF program needs CAP_BPF (or CAP_SYS_ADMIN) and "
			     "CAP_NET_ADMIN: run as root", feature);
		return;
	}
	tail[0] = '\0';
	if (l->log && l->log[0])
		last_lines(l->log, 3, tail, sizeof(tail));
	if (tail[0])
		tr__ebpf_msg(msg, msglen, "%s: the kernel's verifier rejected the eBPF program (%s): %s",
			     feature, strerror(-err), tail);
	else
		tr__ebpf_msg(msg, msglen, "%s: cannot load the eBPF program: %s", feature, strerror(-err));
}

/* Control path only, set and read by the thread that attaches (see
 * tr_ebpf_test_no_tun_ioctls): no concurrent access to order. */
static bool no_tun_ioctls;

void tr_ebpf_test_no_tun_ioctls(bool on)
{
	no_tun_ioctls = on;
}

int tr__ebpf_tun_set(int tap_fd, unsigned long req, const char *ioctl_name, int prog_fd,
		     char *msg, size_t msglen)
{
	int e;

	if (tap_fd < 0)
		return -EBADF;
	if (no_tun_ioctls) {
		e = EINVAL;   /* what a kernel without the ioctl answers */
	} else if (ioctl(tap_fd, req, &prog_fd) == 0) {
		return 0;
	} else {
		e = errno;
	}
	if (e == EINVAL || e == ENOTTY)
		tr__ebpf_msg(msg, msglen, "this kernel does not support %s on TAP devices "
			     "(Linux 4.16 or later is needed)", ioctl_name);
	else if (e == EPERM || e == EACCES)
		tr__ebpf_msg(msg, msglen, "%s needs CAP_NET_ADMIN over the device: run as root", ioctl_name);
	else
		tr__ebpf_msg(msg, msglen, "%s failed: %s", ioctl_name, strerror(e));
	return -e;
}
