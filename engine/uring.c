/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/uring.c: io_uring setup, capability probing and teardown for one
 * worker/queue. The per-frame helpers are inline in uring_pvt.h.
 *
 * Setup flags, best first (each step falls back on -EINVAL):
 *   SINGLE_ISSUER | DEFER_TASKRUN   completions run only when the worker
 *                                   enters the kernel: no IPIs, no
 *                                   task-work interrupts mid-batch
 *   COOP_TASKRUN                    older kernels
 *   (none)
 * SQPOLL, when asked for, replaces them (DEFER_TASKRUN excludes SQPOLL).
 * The ring must be created on the worker thread itself: with SINGLE_ISSUER
 * the creating task is the only one allowed to submit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uring_pvt.h"

int tr_uring_probe_multishot(void)
{
	struct io_uring ring;
	int ok = 0;
	if (io_uring_queue_init(4, &ring, 0) < 0)
		return 0;
	struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
	if (p) {
		ok = io_uring_opcode_supported(p, TR_IORING_OP_READ_MULTISHOT);
		io_uring_free_probe(p);
	}
	if (ok) {
		/* IORING_REGISTER_PBUF_RING (5.19+) is not in the opcode probe:
		 * try registering a small ring. */
		size_t sz;
		int err;
		struct io_uring_buf_ring *br = tr__buf_ring_setup(&ring, 8, TR__BGID, &sz, &err);
		if (!br)
			ok = 0;
		else
			tr__buf_ring_free(&ring, br, sz, TR__BGID);
	}
	io_uring_queue_exit(&ring);
	return ok;
}

static int ring_init(struct tr_uring *u, const struct tr_uring_params *p)
{
	static const unsigned try_flags[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_uring_params ip;
	int r = -EINVAL;
	if (p->sqpoll) {
		memset(&ip, 0, sizeof(ip));
		ip.flags = IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE;
		ip.cq_entries = p->cq_entries;
		ip.sq_thread_idle = 1000;
		r = io_uring_queue_init_params(p->sq_entries, &u->ring, &ip);
		if (r == 0) {
			u->setup_flags = ip.flags;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(try_flags) / sizeof(try_flags[0]); i++) {
		memset(&ip, 0, sizeof(ip));
		ip.flags = try_flags[i] | IORING_SETUP_CQSIZE;
		ip.cq_entries = p->cq_entries;
		r = io_uring_queue_init_params(p->sq_entries, &u->ring, &ip);
		if (r == 0) {
			u->setup_flags = ip.flags;
			return 0;
		}
		if (r != -EINVAL)
			break;
	}
	return r;
}

int tr_uring_init(struct tr_uring *u, const int *fds, unsigned nfds, const struct tr_uring_params *p)
{
	int r;
	memset(u, 0, sizeof(*u));
	u->fd = fds[0];
	u->nports = nfds;
	u->headroom = p->headroom;
	u->vnet = p->vnet;
	u->bid_base = p->bid_base;
	u->rx_len = p->buf_size - p->headroom + p->vnet;
	u->rx_depth = p->rx_depth;
	u->posted = calloc(p->nbufs, 1);
	if (!u->posted)
		return -ENOMEM;
	r = ring_init(u, p);
	if (r < 0)
		goto fail;
	u->ring_ok = true;
	r = io_uring_register_files(&u->ring, fds, nfds);
	if (r < 0)
		goto fail;
	if (p->multishot) {
		unsigned entries = 1;
		while (entries < p->rx_depth)
			entries <<= 1;
		for (unsigned i = 0; i < nfds; i++) {
			u->br[i] = tr__buf_ring_setup(&u->ring, entries, (uint16_t)(TR__BGID + i), &u->br_size, &r);
			if (!u->br[i])
				goto fail;
		}
		u->br_entries = entries;
		u->multishot = true;
	}
	tr_uring_sq_refresh(u);
	return 0;
fail:
	tr_uring_fini(u);
	return r;
}

void tr_uring_fini(struct tr_uring *u)
{
	if (u->ring_ok) {
		for (unsigned i = 0; i < TR_ENGINE_MAX_PORTS; i++)
			if (u->br[i])
				tr__buf_ring_free(&u->ring, u->br[i], u->br_size, (uint16_t)(TR__BGID + i));
		io_uring_queue_exit(&u->ring);
	}
	memset(u->br, 0, sizeof(u->br));
	u->ring_ok = false;
	free(u->posted);
	u->posted = NULL;
}
