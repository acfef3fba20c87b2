/* SPDX-License-Identifier: BSD-2-Clause */
/* Steering and blocklist options of a tool session (see ebpfopt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/ebpf.h>

#include "ebpfopt.h"

int tool_ebpf_opt(struct tool_ebpf_opts *o, const char *opt, const char *val, const char *prog)
{
	char why[256];

	if (!strcmp(opt, "steering")) {
		if (!strcmp(val, "symmetric"))
			o->steering = TOOL_STEER_SYMMETRIC;
		else if (!strcmp(val, "kernel"))
			o->steering = TOOL_STEER_KERNEL;
		else {
			fprintf(stderr, "%s: --steering: expected symmetric or kernel, got '%s'\n", prog, val);
			return 2;
		}
		return 0;
	}
	if (o->nblock >= TOOL_MAX_BLOCK) {
		fprintf(stderr, "%s: --block: at most %d rules on the command line "
			"(add more with tapring block add)\n", prog, TOOL_MAX_BLOCK);
		return 2;
	}
	if (tr_block_rule_parse(val, &o->block[o->nblock], why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: --block: %s\n", prog, why);
		return 2;
	}
	o->nblock++;
	return 0;
}

int tool_ebpf_start(struct tool_ebpf *k, const struct tool_ebpf_opts *o, const char *ifname,
		    int tap_fd, unsigned queues, bool quiet, char *err, size_t errlen)
{
	char msg[512];
	int e;

	memset(k, 0, sizeof(*k));
	k->fd = tap_fd;
	/* the test switch (docs/bpf.md): the kernel feature forced off */
	{
		const char *sw = getenv("TAPRING_TEST_NO_TUN_EBPF");

		tr_ebpf_test_no_tun_ioctls(sw && *sw && strcmp(sw, "0") != 0);
	}
	if (o->steering == TOOL_STEER_SYMMETRIC ||
	    (o->steering == TOOL_STEER_DEFAULT && queues > 1)) {
		k->steer = tr_steer_attach(tap_fd, msg, sizeof(msg), &e);
		if (!k->steer) {
			if (o->steering == TOOL_STEER_SYMMETRIC) {
				snprintf(err, errlen, "--steering symmetric: %s", msg);
				return e;
			}
			if (!quiet)
				fprintf(stderr, "warning: %s; the kernel chooses the queues\n", msg);
		}
	}
	k->block = tr_block_attach(tap_fd, ifname, msg, sizeof(msg), &e);
	if (!k->block) {
		if (o->nblock) {
			snprintf(err, errlen, "--block: %s", msg);
			tool_ebpf_stop(k);
			return e;
		}
		if (!quiet)
			fprintf(stderr, "warning: %s; `tapring block` will not work on %s\n", msg, ifname);
		return 0;
	}
	for (unsigned i = 0; i < o->nblock; i++) {
		if ((e = tr_block_add(k->block, &o->block[i])) != 0) {
			char r[64];

			tr_block_rule_format(&o->block[i], r, sizeof(r));
			snprintf(err, errlen, "--block %s: %s", r,
				 e == -ENOSPC ? "the blocklist is full" : strerror(-e));
			tool_ebpf_stop(k);
			return e;
		}
	}
	return 0;
}

void tool_ebpf_json(const struct tool_ebpf *k, FILE *f)
{
	uint64_t c[TR_BLOCK_NKINDS] = { 0 };
	uint64_t total = 0;

	if (k->block && tr_block_stats(k->block, c) != 0)
		memset(c, 0, sizeof(c));
	for (int i = 0; i < TR_BLOCK_NKINDS; i++)
		total += c[i];
	fprintf(f, ",\"steering\":\"%s\",\"kernel_blocked\":{\"total\":%llu",
		k->steer ? "symmetric" : "kernel", (unsigned long long)total);
	for (int i = 0; i < TR_BLOCK_NKINDS; i++)
		fprintf(f, ",\"%s\":%llu", tr_block_kind_name((enum tr_block_kind)i),
			(unsigned long long)c[i]);
	fputc('}', f);
}

int tool_ebpf_give(struct tool_ebpf *k, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int e = k->block ? tr_block_pins_chown(k->block, uid, gid) : 0;

	if (e)
		snprintf(err, errlen, "--user: cannot hand the blocklist pins to uid %u: %s",
			 (unsigned)uid, strerror(-e));
	return e;
}

void tool_ebpf_stop(struct tool_ebpf *k)
{
	tr_steer_detach(k->steer, k->fd);
	k->steer = NULL;
	tr_block_close(k->block, k->fd);
	k->block = NULL;
}
