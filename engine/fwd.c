/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/fwd.c: the forwarding stage of a two-port engine. Every frame that
 * reaches it leaves by the other port, same queue, same buffer: an L2 bump
 * in the wire (DPDK l2fwd, Suricata inline). It reads only the frame's
 * port bits, so ARP, ND, multicast and broadcast pass like anything else.
 */
#include <errno.h>

#include "worker_pvt.h"

static void fwd_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg;
	(void)w;
	/* Two ports: the other one is port ^ 1. */
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_TX_PORT(tr_buf_port(bufs[i]) ^ 1u);
}

int tr_engine_add_fwd_stage(struct tr_engine *e)
{
	if (!e || e->nports != 2)
		return -EINVAL;
	struct tr_stage st = { .name = "fwd", .process = fwd_process };
	return tr_engine_add_stage(e, &st);
}
