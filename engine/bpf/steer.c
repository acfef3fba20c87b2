/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Symmetric flow steering: loads steer.bpf.c (embedded as a skeleton) and
 * attaches it with TUNSETSTEERINGEBPF. While it is attached the TUN driver
 * also stops its own flow table (automq), so the engine's writes no longer
 * move flows between queues.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <bpf/libbpf.h>
#include <linux/if_tun.h>

#include <tapring/ebpf.h>

#include "ebpf_pvt.h"
#include "steer.skel.h"

struct tr_steer {
	struct tr_steer_bpf *skel;
};

struct tr_steer *tr_steer_attach(int tap_fd, char *msg, size_t msglen, int *err)
{
	struct tr__ebpf_load l = { 0 };
	struct tr_steer *s;
	char why[300];
	int e;

	if (tap_fd < 0) {
		*err = -EBADF;
		tr__ebpf_msg(msg, msglen, "flow steering: no TAP queue fd");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		tr__ebpf_msg(msg, msglen, "flow steering: out of memory");
		return NULL;
	}
	s->skel = tr_steer_bpf__open();
	if (!s->skel) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "flow steering: cannot open the embedded eBPF object: %s",
			     strerror(-e));
		goto fail;
	}
	if ((e = tr__ebpf_load_begin(&l, s->skel->progs.tr_steer)) == 0)
		e = tr_steer_bpf__load(s->skel);
	if (e) {
		tr__ebpf_load_error(&l, "flow steering", e, msg, msglen);
		tr__ebpf_load_end(&l);
		goto fail;
	}
	tr__ebpf_load_end(&l);
	e = tr__ebpf_tun_set(tap_fd, TUNSETSTEERINGEBPF, "TUNSETSTEERINGEBPF",
			     bpf_program__fd(s->skel->progs.tr_steer), why, sizeof(why));
	if (e) {
		tr__ebpf_msg(msg, msglen, "flow steering: %s", why);
		goto fail;
	}
	*err = 0;
	return s;
fail:
	tr_steer_bpf__destroy(s->skel);
	free(s);
	*err = e;
	return NULL;
}

void tr_steer_detach(struct tr_steer *s, int tap_fd)
{
	if (!s)
		return;
	if (tap_fd >= 0)
		(void)tr__ebpf_tun_set(tap_fd, TUNSETSTEERINGEBPF, "TUNSETSTEERINGEBPF", -1, NULL, 0);
	tr_steer_bpf__destroy(s->skel);
	free(s);
}
