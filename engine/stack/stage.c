/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stack as an engine stage: one struct tr_stack per worker, its io
 * mapped onto tr_worker_alloc / tr_worker_tx / tr_worker_drop, and its drop
 * reasons registered as engine counters (same names).
 */
#include <errno.h>
#include <stdlib.h>

#include <tapring/engine.h>
#include <tapring/ethernet.h>

#include "stack_pvt.h"

struct stack_worker {
	struct tr_stage_ctx *st;
	struct tr_worker *w;
	struct tr_stack *s;
	bool started;
};

struct tr_stage_ctx {
	struct tr_stage_ctx *next;      /* list on the host, freed with it */
	struct tr_stack_host *h;
	struct tr_engine *e;
	bool l3;                        /* a TUN: raw IP on the wire (L3 mode) */
	uint32_t headroom, buf_room;
	int reason[TR_STACK_C_COUNT];   /* engine id per stack drop reason */
	struct stack_worker q[TR_ENGINE_MAX_QUEUES];
};

static struct tr_buf *io_alloc(void *ctx)
{
	struct stack_worker *sw = ctx;
	return tr_worker_alloc(sw->w);
}

/* The one switch between reassembly and the engine's large class. */
static struct tr_buf *io_alloc_large(void *ctx)
{
	struct stack_worker *sw = ctx;
	return tr_worker_alloc_large(sw->w);
}

static uint32_t io_room(void *ctx, const struct tr_buf *b)
{
	struct stack_worker *sw = ctx;
	return tr_worker_buf_room(sw->w, b);
}

static struct tr_vnet_meta *io_offload(void *ctx, const struct tr_buf *b)
{
	struct stack_worker *sw = ctx;
	return tr_engine_offload(tr_worker_engine(sw->w), b);
}

static void io_adopt(void *ctx, struct tr_buf *old, struct tr_buf *nb)
{
	struct stack_worker *sw = ctx;
	tr_worker_adopt(sw->w, old, nb);
}

static void io_drop(void *ctx, struct tr_buf *b, unsigned reason)
{
	struct stack_worker *sw = ctx;
	int id = reason < TR_STACK_C_COUNT ? sw->st->reason[reason] : -1;
	if (id < 0)
		id = sw->st->reason[TR_STACK_C_TX_NOBUF];
	tr_worker_drop(sw->w, b, id);
}

/*
 * The link edge of L3 mode (a TUN): the stack works on Ethernet frames, the
 * wire carries raw IP. Going in, a pseudo Ethernet header goes into the
 * headroom (destination our MAC so the frame is ours, the type from the IP
 * version); going out, every frame loses its first 14 bytes again. These
 * two functions are the only places that know.
 */
static void l3_push(const struct tr_stack_host *h, struct tr_buf *b)
{
	uint16_t type = b->len && (b->data[0] >> 4) == 6 ? TR_ETHERTYPE_IPV6 : TR_ETHERTYPE_IPV4;
	b->data -= TR_ETH_HLEN;
	b->len += TR_ETH_HLEN;
	memcpy(b->data, h->cfg.mac, 6);
	memset(b->data + 6, 0, 6);
	b->data[6] = 0x02;              /* a locally administered "peer" */
	tr_store_be16(b->data + 12, type);
}

static void l3_pull(struct tr_buf *b)
{
	b->data += TR_ETH_HLEN;
	b->len -= TR_ETH_HLEN;
}

static int io_tx(void *ctx, struct tr_buf *b)
{
	struct stack_worker *sw = ctx;
	if (sw->st->l3)
		l3_pull(b);
	int rc = tr_worker_tx(sw->w, b);
	if (rc) {
		/* The worker's tx batch is full: the frame is lost, counted. */
		tr_worker_drop(sw->w, b, sw->st->reason[TR_STACK_C_TX_NOBUF]);
	}
	return rc;
}

static int stage_init(void *arg, struct tr_worker *w)
{
	struct tr_stage_ctx *st = arg;
	unsigned q = tr_worker_queue(w);
	if (q >= TR_ENGINE_MAX_QUEUES)
		return -EINVAL;
	struct stack_worker *sw = &st->q[q];
	sw->st = st;
	sw->w = w;
	struct tr_stack_io io = {
		.ctx = sw, .alloc = io_alloc, .tx = io_tx, .drop = io_drop,
		.headroom = st->headroom, .buf_room = st->buf_room,
		.room = io_room, .offload = io_offload,
		.alloc_large = io_alloc_large, .adopt = io_adopt,
	};
	int err;
	sw->s = tr_stack_create(st->h, &io, &err);
	if (!sw->s)
		return err;
	tr_stack_set_queue(sw->s, q);
	return 0;
}

static void stage_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct tr_stage_ctx *st = arg;
	struct stack_worker *sw = &st->q[tr_worker_queue(w)];
	uint64_t now = tr_worker_now_ns(w);
	for (unsigned i = 0; i < n; i++) {
		/* A frame a mirror (capture) still references is read-only, and
		 * the stack answers in place: give it a private copy first. No
		 * copy happens unless a capture holds the frame. */
		if (tr_buf_shared(bufs[i]) && !tr_worker_unshare(w, &bufs[i])) {
			acts[i] = TR_ACT_DROP(TR_ENGINE_DROP_POOL_EMPTY);
			continue;
		}
		if (st->l3)
			l3_push(st->h, bufs[i]);
		/* bufs[i] may come back replaced by a large buffer holding
		 * a reassembled datagram (tr_worker_adopt); it has the same
		 * layout, pseudo Ethernet header included. */
		uint32_t a = tr_stack_input_slot(sw->s, &bufs[i], now);
		/* The frame leaves as it came (NEXT, DELIVER) or as the reply
		 * built in place (TX): raw IP again. Stolen frames leave later
		 * through io_tx; dropped ones are freed. */
		if (st->l3 && a <= TR_ACT_DELIVER)
			l3_pull(bufs[i]);
		if (TR_ACT_KIND(a) == TR_ACT_KIND_DROP) {
			unsigned r = TR_ACT_REASON(a);
			/* Every drop the stack returns is one of its drop
			 * reasons (a socket callback's bad action is
			 * udp.bad_action); should one not be, it still leaves
			 * counted, as the engine's bad_action (an action
			 * outside its contract), never as a delivery. */
			int id = r < TR_STACK_C_COUNT ? st->reason[r] : -1;
			a = TR_ACT_DROP(id >= 0 ? id : TR_ENGINE_DROP_BAD_ACTION);
		}
		acts[i] = a;
	}
}

static void stage_poll(void *arg, struct tr_worker *w, uint64_t now_ns)
{
	struct tr_stage_ctx *st = arg;
	struct stack_worker *sw = &st->q[tr_worker_queue(w)];
	if (!sw->s)
		return;
	if (!sw->started) {
		/* Announce from the running loop (tx services are live), once
		 * per host: the workers share the addresses. */
		sw->started = true;
		if (tr_worker_queue(w) == 0)
			tr_stack_start(sw->s, now_ns);
	}
	tr_stack_poll(sw->s, now_ns);
}

static void stage_fini(void *arg, struct tr_worker *w)
{
	struct tr_stage_ctx *st = arg;
	struct stack_worker *sw = &st->q[tr_worker_queue(w)];
	tr_stack_destroy(sw->s);
	sw->s = NULL;
}

int tr_stack_stage_add(struct tr_engine *e, struct tr_stack_host *h)
{
	if (!e || !h)
		return -EINVAL;
	struct tr_slab *slab = tr_engine_slab(e);
	if (!slab)
		return -EINVAL;
	struct tr_stage_ctx *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->h = h;
	st->e = e;
	st->l3 = tr_engine_device(e) == TR_ENGINE_DEV_TUN;
	if (st->l3 != h->cfg.l3_only || (st->l3 && tr_slab_headroom(slab) < TR_ETH_HLEN)) {
		free(st);
		return -EINVAL;   /* a TUN engine needs an L3 host and room for the edge */
	}
	st->headroom = tr_slab_headroom(slab);
	st->buf_room = tr_slab_buf_size(slab) - st->headroom;
	for (unsigned i = 0; i < TR_STACK_C_COUNT; i++) {
		st->reason[i] = -1;
		if (!tr_stack_counter_is_drop(i))
			continue;
		int id = tr_engine_counter(e, tr_stack_counter_name(i));
		if (id < 0) {
			free(st);
			return id;
		}
		st->reason[i] = id;
	}
	struct tr_stage stage = {
		.name = "stack", .arg = st, .init = stage_init, .process = stage_process,
		.poll = stage_poll, .fini = stage_fini,
	};
	int rc = tr_engine_add_stage(e, &stage);
	if (rc) {
		free(st);
		return rc;
	}
	/* The engine has no stage destructor: st is owned by the host, which
	 * must outlive the engine, and freed by tr_stack_host_destroy(). */
	st->next = h->stages;
	h->stages = st;
	return 0;
}

void tr__stage_free_all(struct tr_stack_host *h)
{
	while (h->stages) {
		struct tr_stage_ctx *st = h->stages;
		h->stages = st->next;
		free(st);
	}
}
