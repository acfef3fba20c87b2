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
	struct tr_steer *s;
	char why[300];
	int e;

	s = tr__ebpf_attach_alloc(tap_fd, sizeof(*s), "flow steering", msg, msglen, err);
	if (!s)
		return NULL;
	s->skel = tr_steer_bpf__open();
	if (!s->skel) {
		e = -errno;
		tr__ebpf_msg(msg, msglen, "flow steering: cannot open the embedded eBPF object: %s",
			     strerror(-e));
		goto fail;
	}
	e = tr__ebpf_skel_load(s->skel->skeleton, s->skel->progs.tr_steer, "flow steering", msg, msglen);
	if (e)
		goto fail;
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
