/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/worker.c: the per-queue worker loop and the services stages call.
 *
 * One iteration (run to completion, at most one io_uring_enter):
 *   1. reap CQEs: up to `batch` received frames, every tx completion
 *   2. run the received burst through the stages, dispatch the actions
 *      (tx: an SQE straight away; deliver: SPSC ring to the application;
 *      drop: counted by reason, buffer back to the worker's cache)
 *   3. stage poll() hooks (timers, retries) with the batch's now_ns
 *   4. frames the application queued (app -> worker ring) become writes
 *   5. refill rx buffers from the cache, re-arm the multishot read
 *   6. one io_uring_enter: submit everything and collect completions
 *      (non-blocking if the iteration moved frames, else wait up to idle_us)
 *
 * With two ports (a forwarding engine) steps 1, 5 and 6 cover both ports'
 * queue q in the same ring: one loop, one enter, for both directions.
 *
 * No malloc, lock or per-frame syscall on this path.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault_pvt.h"
#include "slab_pvt.h"
#include "worker_pvt.h"

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);   /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tr__engine_report_error(struct tr_engine *e, unsigned q, int err)
{
	uint64_t expected = 0;
	uint64_t word = (uint64_t)q << 32 | (uint32_t)err;
	/* One CAS publishes the error and its queue together (err != 0, so
	 * word != 0): only the first reporter wins, and a reader that sees the
	 * word sees both halves of the same report. Release pairs with the
	 * acquire load in tr_engine_error, so whatever the worker did before
	 * failing is visible to a reader that saw the error; relaxed on failure
	 * (a loser publishes nothing). */
	(void)atomic_compare_exchange_strong_explicit(&e->first_error, &expected, word,
						      memory_order_release, memory_order_relaxed);
}

static void set_fatal(struct tr_worker *w, int err)
{
	if (w->fatal)
		return;
	w->fatal = true;
	/* Relaxed: read by the control thread after it acquires state ==
	 * TR__W_EXITED (released at the end of tr__worker_main) or after join. */
	atomic_store_explicit(&w->error, err, memory_order_relaxed);
	tr__engine_report_error(w->e, w->q, err);
}

static inline bool is_transient(int res)
{
	return res == -ECANCELED || res == -EAGAIN || res == -EINTR || res == -ENOBUFS;
}

/* Ports a write can take the fast path to (queue_tx): bit p set when port
 * p exists and is up, and neither offloads (a vnet header per write) nor a
 * mirror (a reference per write) are on. Hoisted out of the per-frame
 * path: recomputed at set-up and when a port fails (port_fail). */
static void tx_fast_update(struct tr_worker *w)
{
	unsigned m = ((1u << w->nports) - 1) & ~w->port_down;
	w->tx_fast = (w->vnet || w->m_on) ? 0 : m;
}

/* A port's device failed (deleted: -EBADFD; end of file). With one port
 * the worker stops, as before. With two only that port goes down: frames
 * for it are dropped as port_down, the other keeps flowing, and the error
 * is reported through tr_engine_error. */
static void port_fail(struct tr_worker *w, unsigned port, int err)
{
	if (w->nports == 1 || port >= w->nports) {
		set_fatal(w, err);
		return;
	}
	if (w->port_down & (1u << port))
		return;
	w->port_down |= 1u << port;
	tx_fast_update(w);
	tr__engine_report_error(w->e, w->q, err);
	if (w->port_down == (1u << w->nports) - 1)
		set_fatal(w, err);
}

/* The drop reason for a queue_tx failure. */
static inline unsigned tx_fail_reason(int r)
{
	return r == -ENETDOWN ? TR_ENGINE_DROP_PORT_DOWN
	       : r == -ENOBUFS ? TR_ENGINE_DROP_TX_FULL : TR_ENGINE_DROP_TX_ERROR;
}

/* Whether b's port (tr_buf_port) can take one more write: 0, -ENETDOWN
 * (no such port, or its device failed) or -ENOBUFS (tx_cap writes already
 * in flight there: its reader is stuck, and waiting would stall the
 * other direction). */
static inline int port_room(const struct tr_worker *w, unsigned port)
{
	if (port >= w->nports || (w->port_down & (1u << port)))
		return -ENETDOWN;
	if (w->u.tx_inflight_port[port] >= w->tx_cap)
		return -ENOBUFS;
	return 0;
}

/* Give back the worker's reference to b: inline onto the worker's cache
 * stack when it is the only one (tr__cache_push), else through slab.c
 * (shared or large buffers, a full stack, pool-checking builds). */
static inline void buf_free(struct tr_worker *w, struct tr_buf *b)
{
	if (!tr__cache_push(w->cache, b))
		tr_slab_free_local(w->cache, b);
}

/* Drop one frame with a reason; `origin` says which equation it leaves. */
static inline void drop_buf(struct tr_worker *w, struct tr_buf *b, unsigned origin, unsigned reason)
{
	if (origin == TR__ORIG_FWD) {
		tr__cnt_add(&w->cnt.drops[reason], 1);
		tr__cnt_add(&w->cnt.dropped, 1);
	} else {
		tr__cnt_add(&w->cnt.orig_drops[reason], 1);
		tr__cnt_add(&w->cnt.orig_dropped, 1);
	}
	b->verdict = 0;
	buf_free(w, b);
}

/* Hand the frames collected in m_tx (one extra reference each) to the
 * mirror; the callback owns those references from here on. */
static void mirror_tx_flush(struct tr_worker *w)
{
	if (w->m_ntx) {
		w->e->mirror.tx(w->e->mirror.arg, w, w->m_tx, w->m_ntx);
		w->m_ntx = 0;
	}
}

/* Write b on port (its vnet header, if any, already in place); the mirror
 * gets a reference to what was queued. 0 or -ENOSPC (SQ full). */
static inline int queue_write(struct tr_worker *w, struct tr_buf *b, unsigned origin, unsigned port)
{
	uint64_t enters = 0;
	int r = tr_uring_tx(&w->u, b, origin, port, 0, &enters);
	if (enters)
		tr__cnt_add(&w->cnt.enters, enters);
	if (w->m_on && r >= 0) {
		/* The reference is taken while this worker still holds its own
		 * (the write's completion is reaped on a later iteration). */
		tr_buf_ref(b);
		w->m_tx[w->m_ntx++] = b;
		if (w->m_ntx == TR__MIRROR_TX_CAP(w->batch))
			mirror_tx_flush(w);
	}
	return r;
}

/* Whether port caps (TR_OFFLOAD_*) take a super-frame of GSO type t. */
static bool gso_ok(uint8_t t, unsigned caps)
{
	if ((t & TR_VNET_GSO_ECN) && !(caps & TR_OFFLOAD_TSO_ECN))
		return false;
	switch (t & (uint8_t)~TR_VNET_GSO_ECN) {
	case TR_VNET_GSO_TCPV4:
		return caps & TR_OFFLOAD_TSO4;
	case TR_VNET_GSO_TCPV6:
		return caps & TR_OFFLOAD_TSO6;
	case TR_VNET_GSO_UDP_L4:
		return (caps & (TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6)) == (TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6);
	default:
		return true;   /* UFO and the like: passed on as they came */
	}
}

/* Software GSO: super-frame b goes to a port that lacks its GSO type. Each
 * segment (tr_vnet_segment: full lengths and checksums) is written from a
 * fresh buffer as TR__ORIG_SEG; b itself counts once in its origin's tx
 * counter and in tx_sw_gso, and goes back to the pool. A segment without
 * a buffer is an originated drop (pool_empty / large_empty); a super-frame
 * none of whose segments could be queued is dropped (origin, reason). */
static __attribute__((noinline)) void tx_sw_gso(struct tr_worker *w, struct tr_buf *b, unsigned origin,
						 unsigned port)
{
	const struct tr_vnet_meta *m = &w->vmeta[b->id];
	struct tr_vnet_info in;
	if (tr_vnet_check_frame(&m->hdr, b->data, b->len, &in, NULL) != 0) {
		drop_buf(w, b, origin, TR_ENGINE_DROP_TX_ERROR);
		return;
	}
	const uint32_t headroom = w->u.headroom;
	unsigned sent = 0, reason = TR_ENGINE_DROP_TX_ERROR;
	for (unsigned k = 0; k < in.segs; k++) {
		struct tr_buf *s = tr_slab_alloc(w->cache);
		bool large = false;
		int len = -ENOSPC;
		for (int pass = 0; pass < 2; pass++) {
			if (!s) {
				reason = large ? TR_ENGINE_DROP_LARGE_EMPTY : TR_ENGINE_DROP_POOL_EMPTY;
				break;
			}
			s->data = tr_slab_buf_addr(w->slab, s->id) + headroom;
			len = tr_vnet_segment(&m->hdr, &in, b->data, b->len, k, s->data,
					      tr_slab_buf_room(w->slab, s));
			if (len != -ENOSPC || large)
				break;
			/* A segment beyond a small buffer: a large one. */
			buf_free(w, s);
			s = tr_slab_alloc_large(w->slab);
			large = true;
		}
		if (!s || len < 0) {
			if (s)
				buf_free(w, s);
			tr__cnt_add(&w->cnt.orig_drops[s ? TR_ENGINE_DROP_TX_ERROR : reason], 1);
			tr__cnt_add(&w->cnt.orig_dropped, 1);
			continue;
		}
		s->len = (uint32_t)len;
		s->flags = (uint16_t)(port << TR_BUF_PORT_SHIFT);   /* a plain frame: zero header */
		s->queue = (uint16_t)w->q;
		s->verdict = 0;
		memset(s->data - TR_VNET_HDR_LEN, 0, TR_VNET_HDR_LEN);
		if (queue_write(w, s, TR__ORIG_SEG, port) < 0) {
			drop_buf(w, s, TR__ORIG_SEG, TR_ENGINE_DROP_TX_ERROR);
			continue;
		}
		sent++;
	}
	if (!sent) {
		drop_buf(w, b, origin, reason);
		return;
	}
	tr__cnt_add(&w->cnt.tx_sw_gso, 1);
	tr__cnt_add(origin == TR__ORIG_FWD ? &w->cnt.tx_forwarded
		    : origin == TR__ORIG_STAGE ? &w->cnt.tx_originated : &w->cnt.tx_app, 1);
	b->verdict = 0;
	buf_free(w, b);
}

/* Offloads: write the frame's vnet header (its metadata, or a zero one)
 * into the 12 bytes before b->data, after making the frame fit its port:
 * a NEEDS_CSUM frame for a port without CSUM gets its checksum here
 * (tx_sw_csum), a super-frame for a port without its GSO type is cut in
 * software (tx_sw_gso; 1: b was consumed). -ENOSPC if a stage moved data
 * that close to the buffer start. */
static __attribute__((noinline)) int tx_vnet(struct tr_worker *w, struct tr_buf *b, unsigned origin,
					     unsigned port)
{
	if ((size_t)(b->data - tr_slab_buf_addr(w->slab, b->id)) < TR_VNET_HDR_LEN)
		return -ENOSPC;
	uint8_t *h = b->data - TR_VNET_HDR_LEN;
	if (!(b->flags & TR_BUF_F_VNET)) {
		memset(h, 0, TR_VNET_HDR_LEN);
		return 0;
	}
	struct tr_vnet_meta *m = &w->vmeta[b->id];
	const unsigned caps = w->tx_caps[port];
	if (m->hdr.gso_type != TR_VNET_GSO_NONE && !gso_ok(m->hdr.gso_type, caps)) {
		tx_sw_gso(w, b, origin, port);
		return 1;
	}
	if ((m->hdr.flags & TR_VNET_F_NEEDS_CSUM) && !(caps & TR_OFFLOAD_CSUM) &&
	    tr_vnet_csum_complete(&m->hdr, b->data, b->len) == 0) {
		b->flags = (uint16_t)((b->flags & ~TR_BUF_F_CSUM_PARTIAL) | TR_BUF_F_CSUM_VALID);
		tr__cnt_add(&w->cnt.tx_sw_csum, 1);
	}
	tr_vnet_emit(&m->hdr, h, TR_VNET_HDR_LEN);
	return 0;
}

/* Queue a write on b's port; on a full SQ (cannot happen with the sizing
 * in engine.c unless a stage floods tr_worker_tx), a failed port or one
 * with tx_cap writes in flight, the caller drops the frame
 * (tx_fail_reason). 1: the offload path consumed b (software GSO). */
static __attribute__((noinline)) int queue_tx_slow(struct tr_worker *w, struct tr_buf *b, unsigned origin)
{
	unsigned port = tr_buf_port(b);
	int r = port_room(w, port);
	if (r < 0)
		return r;
	/* Out of the pipeline: a frame a stage sends from inside process()
	 * and then reports STOLEN is not held (run_pipeline_ checks for
	 * TR__VERDICT_RX). */
	b->verdict = 0;
	if (w->vnet && (r = tx_vnet(w, b, origin, port)) != 0)
		return r;
	return queue_write(w, b, origin, port);
}

/* queue_tx's common case, inline: a port that is up, without
 * offloads or a mirror (tx_fast), with room for another write in flight
 * and a slot in the SQ known free. Anything else takes queue_tx_slow,
 * which checks each condition again and names the failure. */
static inline bool queue_tx_fast(struct tr_worker *w, struct tr_buf *b, unsigned origin)
{
	unsigned port = tr_buf_port(b);
	if (TR__LIKELY(((w->tx_fast >> port) & 1) && w->u.tx_inflight_port[port] < w->tx_cap &&
		       tr__uring_sq_fast(&w->u))) {
		b->verdict = 0;   /* out of the pipeline, see queue_tx_slow */
		tr__uring_prep_tx(&w->u, tr__uring_sqe_take(&w->u), b, origin, port, 0);
		return true;
	}
	return false;
}

static inline int queue_tx(struct tr_worker *w, struct tr_buf *b, unsigned origin)
{
	if (queue_tx_fast(w, b, origin))
		return 0;
	return queue_tx_slow(w, b, origin);
}

/* Sent application frames go back to the application's allocator, one
 * ring operation per burst: a per-frame enqueue moved the ring's producer
 * line to the application's core once per frame. The release inside the
 * ring pairs with the app's acquire in tr_engine_buf_alloc_burst. What the
 * ring cannot take goes to the worker's cache. */
static void done_flush(struct tr_worker *w)
{
	unsigned k = tr_ring_enqueue_burst_spsc(w->done, (void *const *)w->dn, w->ndn);
	if (k < w->ndn)
		tr_slab_free_burst_local(w->cache, w->dn + k, w->ndn - k);
	w->ndn = 0;
}

#ifdef TR_FAULT_INJECTION
/* Test-only (engine/fault_pvt.h): take one from an injected-fault count.
 * Relaxed: the counters publish nothing else, and the worker is their only
 * decrementer (the CAS only guards against a concurrent add). */
static bool take_fault(_Atomic uint32_t *c)
{
	uint32_t n = atomic_load_explicit(c, memory_order_relaxed);
	while (n && !atomic_compare_exchange_weak_explicit(c, &n, n - 1, memory_order_relaxed,
							   memory_order_relaxed))
		;
	return n != 0;
}

/* -EAGAIN ones first, then short writes; else the real result. */
static int tx_fault(struct tr_worker *w, int res)
{
	if (take_fault(&w->fault_eagain))
		return -EAGAIN;
	if (take_fault(&w->fault_short))
		return res - 1;
	return res;
}
#endif

/* The counters of one reap's successful writes, added to w->cnt once per
 * reap instead of once per frame (readers already see them at most a batch
 * old, see struct tr__wcnt). */
struct tx_acc {
	uint64_t segs;
	uint64_t origin[4];   /* TR__ORIG_*; [TR__ORIG_SEG] is not a counter */
	uint64_t port_tx[TR_ENGINE_MAX_PORTS], port_bytes[TR_ENGINE_MAX_PORTS];
};

/* tx and tx_bytes are the sums of the per-port counts. */
static void tx_acc_flush(struct tr_worker *w, const struct tx_acc *a)
{
	uint64_t tx = 0, bytes = 0;
	for (unsigned p = 0; p < w->nports; p++) {
		tx += a->port_tx[p];
		bytes += a->port_bytes[p];
		tr__cnt_add(&w->cnt.port_tx[p], a->port_tx[p]);
		tr__cnt_add(&w->cnt.port_tx_bytes[p], a->port_bytes[p]);
	}
	tr__cnt_add(&w->cnt.tx, tx);
	tr__cnt_add(&w->cnt.tx_bytes, bytes);
	if (w->vnet)
		tr__cnt_add(&w->cnt.tx_segs, a->segs);
	tr__cnt_add(&w->cnt.tx_forwarded, a->origin[TR__ORIG_FWD]);
	tr__cnt_add(&w->cnt.tx_originated, a->origin[TR__ORIG_STAGE]);
	tr__cnt_add(&w->cnt.tx_app, a->origin[TR__ORIG_APP]);
}

static void tx_failed(struct tr_worker *w, uint64_t ud, int res);

/* A write's completion: counted, and its buffer recycled, inline; a failed
 * or short write goes to tx_failed. */
static inline void tx_done(struct tr_worker *w, uint64_t ud, int res, struct tx_acc *acc)
{
	struct tr_buf *b = &w->meta[tr__ud_bid(ud)];
	unsigned origin = tr__ud_origin(ud);
	unsigned port = tr__ud_port(ud);
#ifdef TR_FAULT_INJECTION
	/* Relaxed: a test switch; pairs with the relaxed store in
	 * tr__engine_inject_tx_faults, which publishes nothing else (see
	 * tx_fault). Test builds only. */
	if (__builtin_expect(atomic_load_explicit(&w->fault_on, memory_order_relaxed), 0) && res > 0)
		res = tx_fault(w, res);
#endif
	w->u.tx_inflight--;
	w->u.tx_inflight_port[port]--;
	if (TR__UNLIKELY(res < 0 || (uint32_t)res != b->len + w->u.vnet)) {
		tx_failed(w, ud, res);
		return;
	}
	acc->port_tx[port]++;
	acc->port_bytes[port] += b->len;
	if (w->vnet)
		acc->segs += (b->flags & TR_BUF_F_VNET) ? w->vmeta[b->id].segs : 1;
	/* TR__ORIG_SEG: its super-frame was counted at tx_sw_gso */
	acc->origin[origin & 3]++;
	/* An application frame nobody else references goes back to the
	 * application's allocator while its lines are still cached
	 * (tr_engine_buf_alloc_burst takes these first), in bursts: see
	 * done_flush. */
	if (origin == TR__ORIG_APP && tr_buf_refcnt(b) == 1 && b->id < w->e->cfg.nbufs) {
		w->dn[w->ndn++] = b;
		if (w->ndn == TR__DONE_BATCH)
			done_flush(w);
		return;
	}
	buf_free(w, b);
}

/* A write that failed (res < 0) or came out short: retried, or dropped
 * with its reason. */
static __attribute__((noinline)) void tx_failed(struct tr_worker *w, uint64_t ud, int res)
{
	struct tr_buf *b = &w->meta[tr__ud_bid(ud)];
	unsigned origin = tr__ud_origin(ud);
	unsigned port = tr__ud_port(ud);
	if (res == -EAGAIN || res == -ENOBUFS || res == -EINTR) {
		/* Retried on later iterations until both bounds of
		 * TR__TX_MAX_RETRY / TR__TX_RETRY_NS are used up (the state
		 * lives outside the frame, see worker_pvt.h). */
		unsigned tries = tr__ud_tries(ud);
		uint64_t *first = &w->tx_first_fail[b->id];
		tr__cnt_add(&w->cnt.tx_eagain, 1);
		if (tries == 0)
			*first = w->now_ns;
		bool give_up = tries >= TR__TX_MAX_RETRY && w->now_ns - *first >= TR__TX_RETRY_NS;
		if (!give_up && w->nretry < w->retry_cap) {
			w->retry[w->nretry].b = b;
			w->retry[w->nretry].origin = (uint8_t)origin;
			w->retry[w->nretry].tries = (uint8_t)(tries < TR__TX_MAX_RETRY ? tries + 1 : tries);
			w->nretry++;
			return;
		}
		drop_buf(w, b, origin, TR_ENGINE_DROP_TX_ERROR);
		return;
	}
	if (res >= 0) {
		drop_buf(w, b, origin, TR_ENGINE_DROP_SHORT_WRITE);
		return;
	}
	drop_buf(w, b, origin, res == -ECANCELED ? TR_ENGINE_DROP_SHUTDOWN : TR_ENGINE_DROP_TX_ERROR);
	if (!is_transient(res))
		port_fail(w, port, res);
}

/* Offloads: the read put a virtio-net header in the 12 bytes before
 * b->data. Parse and validate it against the frame, keep it in the side
 * array, mark the frame (TR_BUF_F_*). A header that does not fit its
 * frame is dropped as rx_bad_vnet. */
static __attribute__((noinline)) struct tr_buf *rx_vnet(struct tr_worker *w, struct tr_buf *b, int res)
{
	uint32_t len = (uint32_t)res - TR_VNET_HDR_LEN;
	struct tr_vnet_meta *m = &w->vmeta[b->id];
	struct tr_vnet_info in;
	b->queue = (uint16_t)w->q;
	b->ts = w->now_ns;
	tr__cnt_add(&w->cnt.rx, 1);
	if ((uint32_t)res < TR_VNET_HDR_LEN ||
	    tr_vnet_parse(b->data - TR_VNET_HDR_LEN, TR_VNET_HDR_LEN, &m->hdr, NULL) != 0 ||
	    tr_vnet_check_frame(&m->hdr, b->data, len, &in, NULL) != 0) {
		tr__cnt_add(&w->cnt.rx_segs, 1);
		drop_buf(w, b, TR__ORIG_FWD, TR_ENGINE_DROP_RX_BAD_VNET);
		return NULL;
	}
	m->segs = (uint16_t)in.segs;
	b->len = len;
	b->verdict = TR__VERDICT_RX;
	b->flags = (uint16_t)(TR_BUF_F_VNET |
			      ((m->hdr.flags & TR_VNET_F_NEEDS_CSUM) ? TR_BUF_F_CSUM_PARTIAL : 0) |
			      ((m->hdr.flags & TR_VNET_F_DATA_VALID) ? TR_BUF_F_CSUM_VALID : 0) |
			      (m->hdr.gso_type != TR_VNET_GSO_NONE ? TR_BUF_F_GSO : 0));
	tr__cnt_add(&w->cnt.rx_bytes, len);
	tr__cnt_add(&w->cnt.rx_segs, in.segs);
	/* DATA_VALID: the kernel verified the checksum (tun_put_user sets it
	 * for a CHECKSUM_UNNECESSARY skb); nothing here or in the stack
	 * checks it again (TR_BUF_F_CSUM_VALID). */
	if (m->hdr.flags & TR_VNET_F_DATA_VALID)
		tr__cnt_add(&w->cnt.rx_csum_valid, 1);
	return b;
}

/* A buffer came back from an rx op: a frame (returned) or nothing (NULL). */
/* Receive counters of one reap, added to the worker's counters once at its
 * end (tr__cnt_add is a load and a store each; four per frame were ~10%
 * of the per-frame rx instructions). Frames are only handed on after the
 * reap, so every frame is in rx before it is in any other counter. */
struct rx_acc {
	uint64_t port_rx[TR_ENGINE_MAX_PORTS];
	uint64_t port_rx_bytes[TR_ENGINE_MAX_PORTS];
	uint64_t rx, rx_bytes;
};

static inline void rx_acc_flush(struct tr_worker *w, const struct rx_acc *a)
{
	for (unsigned p = 0; p < w->nports; p++)
		if (a->port_rx[p]) {
			tr__cnt_add(&w->cnt.port_rx[p], a->port_rx[p]);
			tr__cnt_add(&w->cnt.port_rx_bytes[p], a->port_rx_bytes[p]);
		}
	if (a->rx) {
		tr__cnt_add(&w->cnt.rx, a->rx);
		tr__cnt_add(&w->cnt.rx_bytes, a->rx_bytes);
	}
}

static inline struct tr_buf *rx_buf(struct tr_worker *w, uint32_t bid, int res, unsigned port,
				    struct rx_acc *acc)
{
	struct tr_buf *b = &w->meta[bid];
	w->u.posted[bid - w->u.bid_base] = 0;
	w->u.rx_posted--;
	if (res <= 0) {
		buf_free(w, b);
		return NULL;
	}
	acc->port_rx[port]++;   /* every frame read, whatever follows */
	acc->port_rx_bytes[port] += (uint64_t)res;
	if (__builtin_expect((uint32_t)res > w->u.rx_len ||
			     (w->vnet && (uint32_t)res == w->u.rx_len), 0)) {
		/* A frame larger than the rx buffer: counted and dropped, never
		 * passed on truncated. Through io_uring a TAP read that the
		 * buffer cut short returns the buffer's length (measured on
		 * 6.18 with a 30000-byte super-frame and a 16 KiB large class),
		 * so with offloads a completely filled buffer counts as
		 * truncated: the default large buffer leaves 51 bytes more than
		 * the largest frame (12 + 14 + 65535), so only a smaller
		 * large_buf_size can make an exact fit look truncated. A plain
		 * read's full length (> rx_len) is caught too. */
		tr__cnt_add(&w->cnt.rx, 1);
		tr__cnt_add(&w->cnt.rx_bytes, (uint64_t)res);
		if (w->vnet)
			tr__cnt_add(&w->cnt.rx_segs, 1);   /* its real count is unknown */
		drop_buf(w, b, TR__ORIG_FWD, TR_ENGINE_DROP_RX_TOO_BIG);
		return NULL;
	}
	if (w->vnet) {
		b = rx_vnet(w, b, res);
		if (b)
			b->flags |= (uint16_t)(port << TR_BUF_PORT_SHIFT);
		return b;
	}
	b->len = (uint32_t)res;
	b->flags = (uint16_t)(port << TR_BUF_PORT_SHIFT);   /* no offload metadata; the port */
	b->queue = (uint16_t)w->q;
	b->verdict = TR__VERDICT_RX;
	b->ts = w->now_ns;
	acc->rx++;
	acc->rx_bytes += (uint64_t)res;
	return b;
}

/* Reap completions: every tx/cancel CQE, and rx CQEs until `max` frames. */
static unsigned reap(struct tr_worker *w, struct tr_buf **out, unsigned max)
{
	struct io_uring_cq *cq = &w->u.ring.cq;
	/* The CQ tail is read once per reap, not once per CQE as
	 * io_uring_for_each_cqe does: acquire, pairing with the kernel's
	 * release of the tail after it wrote the CQEs (io_commit_cqring).
	 * The head is ours alone (io_uring_cq_advance below). */
	const unsigned head0 = *cq->khead;
	const unsigned tail = io_uring_smp_load_acquire(cq->ktail);
	const unsigned mask = cq->ring_mask;
	unsigned head = head0, n = 0, ntx = 0;
	struct tx_acc acc;
	struct rx_acc racc;
	memset(&acc, 0, sizeof(acc));
	memset(&racc, 0, sizeof(racc));
	while (head != tail) {
		/* 16-byte CQEs: ring_init never sets IORING_SETUP_CQE32. */
		const struct io_uring_cqe *cqe = &cq->cqes[head & mask];
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		head++;
		if (TR__LIKELY(tr__ud_kind(ud) == TR__UD_TX)) {
			ntx++;
			tx_done(w, ud, res, &acc);
			continue;
		}
		unsigned fl = cqe->flags;
		unsigned port = tr__ud_port(ud);
		struct tr_buf *b;
		switch (tr__ud_kind(ud)) {
		case TR__UD_RX_MS:
			if (fl & IORING_CQE_F_BUFFER) {
				w->u.rx_posted_port[port]--;
				b = rx_buf(w, (fl >> IORING_CQE_BUFFER_SHIFT) + w->u.bid_base, res, port, &racc);
				if (b)
					out[n++] = b;
			}
			if (res == 0) {
				/* End of file: a TAP never returns 0, a socket or
				 * pipe whose peer is gone does. Re-arming would
				 * spin, so stop like on a device error. */
				port_fail(w, port, -EPIPE);
			}
			if (!(fl & IORING_CQE_F_MORE)) {
				w->u.ms_armed &= ~(1u << port);
				if (res == -ENOBUFS || res > 0)
					tr__cnt_add(&w->cnt.rx_rearm, 1);
				else if (res < 0 && !is_transient(res))
					port_fail(w, port, res);
			}
			break;
		case TR__UD_RX_READ:
			w->u.rx_posted_port[port]--;
			/* res > 0 without a frame: too big, already counted and
			 * dropped by rx_buf; the port is fine. */
			b = rx_buf(w, tr__ud_bid(ud), res, port, &racc);
			if (b)
				out[n++] = b;
			else if (res == 0)
				port_fail(w, port, -EPIPE);   /* end of file, see above */
			else if (res < 0 && !is_transient(res))
				port_fail(w, port, res);
			break;
		default:
			break;
		}
		if (n == max)
			break;
	}
	io_uring_cq_advance(&w->u.ring, head - head0);
	rx_acc_flush(w, &racc);
	if (ntx)
		tx_acc_flush(w, &acc);
	if (w->ndn)
		done_flush(w);
	return n;
}

/* Make rx_efd readable. EAGAIN (the counter at its maximum) leaves it
 * readable too, so the result is not needed. */
static void rx_wake(struct tr_worker *w)
{
	uint64_t one = 1;
	if (w->rx_efd >= 0 && write(w->rx_efd, &one, sizeof(one)) < 0)
		return;
}

/* Wake the application sleeping on queue q's rx_efd (tr_engine_rx_wait);
 * only after a delivery found the queue armed, so a busy application never
 * costs the worker this write. */
static __attribute__((noinline, cold)) void rx_notify(struct tr_worker *w)
{
	/* Relaxed: the frames were published by the ring's release and the
	 * fence in deliver(); the exchange only decides who writes (one
	 * write per arming). Pairs with the store in tr_engine_rx_arm. */
	if (atomic_exchange_explicit(&w->rx_armed, false, memory_order_relaxed))
		rx_wake(w);
}

static unsigned deliver(struct tr_worker *w, struct tr_buf **bufs, unsigned n)
{
	if (!n)
		return 0;
	/* The ring's release on its producer tail publishes the frames'
	 * contents to the consumer's acquire in tr_engine_rx_burst. */
	unsigned k = tr_ring_enqueue_burst_spsc(w->to_app, (void *const *)bufs, n);
	tr__cnt_add(&w->cnt.delivered, k);
	/* Pairs with the seq_cst fence in tr_engine_rx_arm: orders the
	 * enqueue's store of the producer tail before the load of rx_armed
	 * (Dekker, see engine.c). One fence per delivered batch. */
	atomic_thread_fence(memory_order_seq_cst);
	/* Relaxed: ordered by the fence above; pairs with the application's
	 * store in tr_engine_rx_arm. */
	if (atomic_load_explicit(&w->rx_armed, memory_order_relaxed))
		rx_notify(w);
	for (unsigned i = k; i < n; i++)
		drop_buf(w, bufs[i], TR__ORIG_FWD, TR_ENGINE_DROP_APP_RING_FULL);
	return k;
}

/*
 * With `mirror` (a compile-time constant at each call site, so the plain
 * path carries no mirror code): every frame gets one extra reference up
 * front, m_orig keeps the original pointers (a stage may replace bufs[i]
 * through tr_worker_unshare), m_idx follows each surviving frame back to
 * its m_orig slot and m_acts records its final action for mirror.rx.
 */
static inline __attribute__((always_inline)) void
run_pipeline_(struct tr_worker *w, struct tr_buf **bufs, unsigned n, const bool mirror)
{
	struct tr_engine *e = w->e;
	uint32_t *acts = w->acts;
	unsigned ndl = 0;
	unsigned n_orig = 0;
	if (mirror) {
		/* Frames the mirror's filter rejects get no reference; their
		 * m_idx points at the spare slot m_acts[batch]. */
		memset(w->m_keep, 1, n);
		if (e->mirror.filter)
			e->mirror.filter(e->mirror.arg, w, bufs, w->m_keep, n);
		for (unsigned i = 0; i < n; i++) {
			if (!w->m_keep[i]) {
				w->m_idx[i] = (uint16_t)w->batch;
				continue;
			}
			tr_buf_ref(bufs[i]);
			w->m_orig[n_orig] = bufs[i];
			w->m_idx[i] = (uint16_t)n_orig;
			w->m_acts[n_orig++] = TR_ACT_DELIVER;
		}
	}
	for (unsigned s = 0; s < e->nstages && n; s++) {
		const struct tr_stage *st = &e->stages[s];
		unsigned k = 0;
		for (unsigned i = 0; i < n; i++)
			acts[i] = TR_ACT_NEXT;
		st->process(st->arg, w, bufs, acts, n);
		for (unsigned i = 0; i < n; i++) {
			struct tr_buf *b = bufs[i];
			uint32_t a = acts[i];
			uint32_t *fin = mirror ? &w->m_acts[w->m_idx[i]] : NULL;
			switch (TR_ACT_KIND(a)) {
			case TR_ACT_NEXT:
				if (mirror)
					w->m_idx[k] = w->m_idx[i];
				bufs[k++] = b;
				break;
			case TR_ACT_KIND_TX_PORT:   /* out of another port */
				if (TR__UNLIKELY(TR_ACT_REASON(a) >= w->nports)) {
					/* no such port: the flags' port field would
					 * wrap it onto another one */
					if (mirror)
						*fin = TR_ACT_DROP(TR_ENGINE_DROP_BAD_ACTION);
					drop_buf(w, b, TR__ORIG_FWD, TR_ENGINE_DROP_BAD_ACTION);
					break;
				}
				tr_buf_set_port(b, TR_ACT_REASON(a));
				/* fall through */
			case TR_ACT_TX: {
				if (mirror)
					*fin = TR_ACT_TX;
				int r = queue_tx(w, b, TR__ORIG_FWD);
				if (r < 0) {
					if (mirror)
						*fin = TR_ACT_DROP(tx_fail_reason(r));
					drop_buf(w, b, TR__ORIG_FWD, tx_fail_reason(r));
				}
				break;
			}
			case TR_ACT_DELIVER:
				if (mirror)
					w->m_dlidx[ndl] = w->m_idx[i];
				w->dl[ndl++] = b;
				break;
			case TR_ACT_STOLEN:
				if (mirror)
					*fin = TR_ACT_STOLEN;
				/* Unless the stage already sent or dropped it from
				 * inside process() (its verdict changed then, and
				 * it never counted as held). */
				if (b->verdict == TR__VERDICT_RX) {
					b->verdict = TR__VERDICT_STOLEN;
					tr__cnt_add(&w->cnt.held, 1);
				}
				break;
			case TR_ACT_KIND_DROP:
				if (TR_ACT_REASON(a) < e->nreasons) {
					if (mirror)
						*fin = a;
					drop_buf(w, b, TR__ORIG_FWD, TR_ACT_REASON(a));
					break;
				}
				/* unknown reason id */
				if (mirror)
					*fin = TR_ACT_DROP(TR_ENGINE_DROP_BAD_ACTION);
				drop_buf(w, b, TR__ORIG_FWD, TR_ENGINE_DROP_BAD_ACTION);
				break;
			default:
				if (mirror)
					*fin = TR_ACT_DROP(TR_ENGINE_DROP_BAD_ACTION);
				drop_buf(w, b, TR__ORIG_FWD, TR_ENGINE_DROP_BAD_ACTION);
				break;
			}
		}
		n = k;
	}
	for (unsigned i = 0; i < n; i++) {
		if (mirror)
			w->m_dlidx[ndl] = w->m_idx[i];
		w->dl[ndl++] = bufs[i];
	}
	unsigned took = deliver(w, w->dl, ndl);
	if (mirror) {
		for (unsigned i = took; i < ndl; i++)
			w->m_acts[w->m_dlidx[i]] = TR_ACT_DROP(TR_ENGINE_DROP_APP_RING_FULL);
		if (n_orig)
			e->mirror.rx(e->mirror.arg, w, w->m_orig, w->m_acts, n_orig);
	}
}

static void run_pipeline(struct tr_worker *w, struct tr_buf **bufs, unsigned n)
{
	run_pipeline_(w, bufs, n, false);
}

static void run_pipeline_mirror(struct tr_worker *w, struct tr_buf **bufs, unsigned n)
{
	run_pipeline_(w, bufs, n, true);
}

static void refill_rx_port(struct tr_worker *w, unsigned port)
{
	const unsigned *posted = &w->u.rx_posted_port[port];   /* moved by tr_uring_rx_post */
	uint64_t enters = 0;
	const uint32_t headroom = w->u.headroom;
	while (*posted < w->u.rx_depth) {
		unsigned want = w->u.rx_depth - *posted;
		if (want > w->batch)
			want = w->batch;
		/* Buffers the application just freed come first: they are the
		 * most recently touched ones, so the kernel's copy into them
		 * hits the cache. The shared pool ring is FIFO and would cycle
		 * through the whole pool (measured: 2-3x the per-frame cost at
		 * 1514 B with a 16k-buffer pool). The acquire inside the ring
		 * pairs with the release of the freeing thread's enqueue in
		 * tr_engine_buf_free: its last writes to the buffer are done. */
		unsigned got = 0;
		if (__builtin_expect(w->vnet, 0)) {
			/* Offloads: rx buffers come from the large class. */
			while (got < want && (w->tmp[got] = tr_slab_alloc_large(w->slab)) != NULL)
				got++;
		} else {
			got = tr_ring_dequeue_burst_spsc(w->ret, (void **)w->tmp, want);
			/* Freed by another thread: fetch their metadata lines
			 * together (see app_tx), and put data back at the
			 * headroom (the application may have moved it). */
			for (unsigned i = 0; i < got; i++)
				__builtin_prefetch(w->tmp[i], 1);
			for (unsigned i = 0; i < got; i++) {
				struct tr_buf *t = w->tmp[i];
				t->data = TR__LIKELY(t->id < w->cache->nbufs) ? tr__cache_data(w->cache, t->id)
									      : tr_slab_buf_addr(w->slab, t->id) + headroom;
			}
			/* Then our own stack, inline (tr__cache_pop sets data),
			 * and a burst refill from the pool only when it is empty. */
			struct tr_buf *b;
			while (got < want && (b = tr__cache_pop(w->cache)) != NULL)
				w->tmp[got++] = b;
			if (got < want)
				got += tr_slab_alloc_burst(w->cache, w->tmp + got, want - got);
		}
		for (unsigned i = 0; i < got; i++) {
			if (tr_uring_rx_post(&w->u, w->tmp[i], port, &enters) < 0) {
				tr_slab_free_burst_local(w->cache, w->tmp + i, got - i);
				got = 0;
				break;
			}
		}
		if (got < want)
			break;   /* pool short: try again next iteration */
	}
	if (enters)
		tr__cnt_add(&w->cnt.enters, enters);
	tr_uring_rx_commit(&w->u);
}

/* Keep rx_depth buffers posted for each working port: in its
 * provided-buffer ring (multishot) or as plain reads. */
static void refill_rx(struct tr_worker *w)
{
	for (unsigned p = 0; p < w->nports; p++)
		if (!(w->port_down & (1u << p)))
			refill_rx_port(w, p);
}

static unsigned app_tx(struct tr_worker *w)
{
	/* Acquire inside the ring pairs with the app's release in
	 * tr_engine_tx_burst: the frame bytes it wrote are visible. */
	unsigned n = tr_ring_dequeue_burst_spsc(w->from_app, (void **)w->tmp, w->batch);
	/* The application wrote these frames on its own core: start every
	 * cross-core line transfer at once, metadata first (queue_tx reads
	 * data/len/id), then the frames' first lines (the kernel's copy in the
	 * coming io_uring_enter reads them), instead of one miss after
	 * another. TX through the app ring at 64 B: 4.0-4.3x -> 5.1-5.3x the
	 * plain loop, 6 alternated runs (docs/perf/io.md). */
	for (unsigned i = 0; i < n; i++)
		__builtin_prefetch(w->tmp[i]);
	for (unsigned i = 0; i < n; i++)
		__builtin_prefetch(w->tmp[i]->data);
	for (unsigned i = 0; i < n; i++) {
		int r = queue_tx(w, w->tmp[i], TR__ORIG_APP);
		if (r < 0)
			drop_buf(w, w->tmp[i], TR__ORIG_APP, tx_fail_reason(r));
	}
	return n;
}

static unsigned resend_retries(struct tr_worker *w)
{
	unsigned n = w->nretry;
	w->nretry = 0;
	uint64_t enters = 0;
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *b = w->retry[i].b;
		int r = port_room(w, tr_buf_port(b));
		if (r == 0)
			r = tr_uring_tx(&w->u, b, w->retry[i].origin, tr_buf_port(b), w->retry[i].tries,
					&enters);
		if (r < 0)
			drop_buf(w, b, w->retry[i].origin, tx_fail_reason(r));
	}
	if (enters)
		tr__cnt_add(&w->cnt.enters, enters);
	return n;
}

static void enter(struct tr_worker *w, bool busy)
{
	int r;
	bool submits = w->u.sq_pending != 0;   /* else the SQ head cannot move (but with SQPOLL,
	                                          * and a stale sq_end is only conservative) */
	tr__cnt_add(&w->cnt.enters, 1);
	if (busy || io_uring_cq_ready(&w->u.ring)) {
		r = io_uring_submit_and_get_events(&w->u.ring);
	} else {
		struct io_uring_cqe *cqe = NULL;
		struct __kernel_timespec ts = {
			.tv_sec = w->e->cfg.idle_us / 1000000u,
			.tv_nsec = (long long)(w->e->cfg.idle_us % 1000000u) * 1000,
		};
		r = io_uring_submit_and_wait_timeout(&w->u.ring, &cqe, 1, &ts, NULL);
	}
	w->u.sq_pending = 0;
	if (submits)
		tr_uring_sq_refresh(&w->u);
	if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY)
		set_fatal(w, r);
}

static void pin(struct tr_worker *w)
{
	if (w->cpu < 0)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);   /* best effort */
}

/* One iteration at time now_ns; returns the frames it moved. `wait`: may
 * block up to idle_us for completions when nothing moved (the threaded
 * loop); a manual engine's step never waits. */
static inline __attribute__((always_inline)) unsigned worker_iter(struct tr_worker *w, uint64_t now_ns,
								     bool wait)
{
	struct tr_engine *e = w->e;
	bool busy;
	{
		w->now_ns = now_ns;
		unsigned moved = 0;
		unsigned n = reap(w, w->rxb, w->batch);
		if (n) {
			if (w->m_on)   /* one predictable branch per batch */
				run_pipeline_mirror(w, w->rxb, n);
			else
				run_pipeline(w, w->rxb, n);
			moved += n;
		}
		for (unsigned s = 0; s < e->nstages; s++)
			if (e->stages[s].poll)
				e->stages[s].poll(e->stages[s].arg, w, w->now_ns);
		if (w->nretry)
			moved += resend_retries(w);
		moved += app_tx(w);
		if (w->m_on)
			mirror_tx_flush(w);
		refill_rx(w);
		if (w->u.multishot)
			for (unsigned p = 0; p < w->nports; p++)
				if (w->u.rx_posted_port[p] && !((w->u.ms_armed | w->port_down) & (1u << p))) {
					uint64_t enters = 0;
					tr_uring_rx_arm(&w->u, p, &enters);
				}
		if (moved)
			tr__cnt_add(&w->cnt.batches, 1);
		busy = !wait || moved != 0 || w->u.sq_pending != 0;
		/* The inline cache operations' statistics, once per iteration
		 * and before the enter may sleep (slab_pvt.h). */
		tr__cache_publish(w->cache);
		enter(w, busy);
		return moved;
	}
}

static void worker_loop(struct tr_worker *w)
{
	/* Acquire pairs with the release store in tr_engine_stop. */
	while (!atomic_load_explicit(&w->stop, memory_order_acquire) && !w->fatal)
		(void)worker_iter(w, mono_ns(), true);
}

int tr__worker_step(struct tr_worker *w, uint64_t now_ns)
{
	if (w->fatal)
		return atomic_load_explicit(&w->error, memory_order_relaxed);   /* only this thread writes it */
	if (now_ns < w->now_ns)
		now_ns = w->now_ns;   /* the clock never goes back */
	unsigned moved = worker_iter(w, now_ns, false);
	if (w->fatal)
		return atomic_load_explicit(&w->error, memory_order_relaxed);   /* as above */
	/* Work left: completions the enter just posted, writes in flight,
	 * resends and prepared SQEs all need another step. */
	return (int)(moved + io_uring_cq_ready(&w->u.ring) + w->u.tx_inflight + w->nretry +
		     w->u.sq_pending);
}

static bool ops_outstanding(const struct tr_worker *w)
{
	return w->u.ms_armed || (!w->u.multishot && w->u.rx_posted) || w->u.tx_inflight;
}

/* Leave nothing behind: stages release stolen frames, pending writes go
 * out, outstanding rx is cancelled and reaped, every buffer the worker
 * holds returns to its cache. Bounded in time (2 s). */
static void worker_shutdown(struct tr_worker *w)
{
	struct tr_engine *e = w->e;
	for (unsigned s = e->nstages; s-- > 0;)
		if (e->stages[s].fini)
			e->stages[s].fini(e->stages[s].arg, w);
	if (!w->fatal && w->nretry)
		resend_retries(w);
	/* Frames the application queued but we never sent, and buffers it
	 * freed into our return ring. */
	unsigned n;
	while ((n = tr_ring_dequeue_burst_spsc(w->ret, (void **)w->tmp, w->batch)) > 0)
		tr_slab_free_burst_local(w->cache, w->tmp, n);
	while ((n = tr_ring_dequeue_burst_spsc(w->from_app, (void **)w->tmp, w->batch)) > 0)
		for (unsigned i = 0; i < n; i++)
			drop_buf(w, w->tmp[i], TR__ORIG_APP, TR_ENGINE_DROP_SHUTDOWN);
	for (unsigned i = 0; i < w->nretry; i++)
		drop_buf(w, w->retry[i].b, w->retry[i].origin, TR_ENGINE_DROP_SHUTDOWN);
	w->nretry = 0;

	uint64_t enters = 0;
	struct io_uring_sqe *sqe = tr_uring_sqe(&w->u, &enters);
	if (sqe) {
		io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
		io_uring_sqe_set_data64(sqe, tr__ud(TR__UD_CANCEL, 0, 0));
	}
	uint64_t deadline = mono_ns() + 2000000000ull;
	bool first = true;
	while (first || (ops_outstanding(w) && mono_ns() < deadline)) {
		struct io_uring_cqe *cqe = NULL;
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 10000000 };
		first = false;
		tr__cnt_add(&w->cnt.enters, 1);
		io_uring_submit_and_wait_timeout(&w->u.ring, &cqe, 1, &ts, NULL);
		if (!e->cfg.manual)   /* a manual engine keeps its caller's clock */
			w->now_ns = mono_ns();
		while ((n = reap(w, w->rxb, w->batch)) > 0)
			for (unsigned i = 0; i < n; i++)
				drop_buf(w, w->rxb[i], TR__ORIG_FWD, TR_ENGINE_DROP_SHUTDOWN);
		/* Retries that showed up during shutdown are not resent. */
		for (unsigned i = 0; i < w->nretry; i++)
			drop_buf(w, w->retry[i].b, w->retry[i].origin, TR_ENGINE_DROP_SHUTDOWN);
		w->nretry = 0;
	}
	/* Sent app frames the application did not take back. MPMC dequeue:
	 * an application thread may be allocating concurrently. */
	while ((n = tr_ring_dequeue_burst_mpmc(w->done, (void **)w->tmp, w->batch)) > 0)
		tr_slab_free_burst_local(w->cache, w->tmp, n);
	if (ops_outstanding(w)) {
		fprintf(stderr, "tapring: queue %u: %u rx / %u tx ops not reaped at shutdown\n",
			w->q, w->u.rx_posted, w->u.tx_inflight);
		return;   /* leak rather than free memory the kernel may still write */
	}
	/* Buffers still sitting in the provided-buffer ring. */
	if (w->u.multishot) {
		uint32_t nb = w->vnet ? tr_slab_large_nbufs(w->slab) : tr_slab_nbufs(w->slab);
		for (uint32_t i = 0; i < nb && w->u.rx_posted; i++) {
			if (w->u.posted[i]) {
				w->u.posted[i] = 0;
				w->u.rx_posted--;
				buf_free(w, tr_slab_buf(w->slab, i + w->u.bid_base));
			}
		}
	}
}

/* Set up queue w on the calling thread (its ring: SINGLE_ISSUER makes this
 * thread the only submitter) and run the stages' init. 0 or -errno, with
 * nothing left held. */
int tr__worker_setup(struct tr_worker *w)
{
	struct tr_engine *e = w->e;
	unsigned s;
	int r;

	struct tr_uring_params p = {
		.rx_depth = e->rx_depth,
		.nbufs = tr_slab_nbufs(e->slab),
		.buf_size = tr_slab_buf_size(e->slab),
		.headroom = tr_slab_headroom(e->slab),
		.multishot = e->rx_mode == TR_ENGINE_RX_MULTISHOT,
		.sqpoll = e->cfg.sqpoll,
	};
	if (w->vnet) {   /* rx into the large class, 12-byte header first */
		p.nbufs = tr_slab_large_nbufs(e->slab);
		p.buf_size = tr_slab_large_buf_size(e->slab);
		p.bid_base = tr_slab_nbufs(e->slab);
		p.vnet = TR_VNET_HDR_LEN;
	}
	unsigned sq = 1;
	while (sq < 4 * w->batch + w->nports * (p.multishot ? 8 : e->rx_depth))
		sq <<= 1;
	p.sq_entries = sq;
	p.cq_entries = 2 * (sq + (p.multishot ? e->rx_depth : 0));
	if (!e->cfg.manual)
		w->now_ns = mono_ns();
	r = tr_uring_init(&w->u, w->fds, w->nports, &p);
	if (r < 0)
		return r;
	tx_fast_update(w);
	for (s = 0; s < e->nstages; s++) {
		if (e->stages[s].init && (r = e->stages[s].init(e->stages[s].arg, w)) < 0) {
			while (s-- > 0)
				if (e->stages[s].fini)
					e->stages[s].fini(e->stages[s].arg, w);
			tr_uring_fini(&w->u);
			tr__cache_publish(w->cache);
			return r;
		}
	}
	tr__cache_publish(w->cache);   /* what the stages' init() allocated (slab_pvt.h) */
	return 0;
}

/* Leave the loop's state behind: stage fini, every buffer back, ring gone. */
void tr__worker_teardown(struct tr_worker *w)
{
	worker_shutdown(w);
	if (w->m_on)
		mirror_tx_flush(w);   /* writes queued by stage fini() */
	tr_uring_fini(&w->u);
	tr__cache_publish(w->cache);   /* the shutdown's inline frees (slab_pvt.h) */
}

void *tr__worker_main(void *arg)
{
	struct tr_worker *w = arg;
	char name[16];
	int r;
	snprintf(name, sizeof(name), "tr-io-q%u", w->q);
	pthread_setname_np(pthread_self(), name);
	pin(w);
	r = tr__worker_setup(w);
	if (r < 0)
		goto fail;
	/* Release pairs with the acquire in tr_engine_start / tr_engine_running:
	 * the ring and stage state set up above happen-before "running". */
	atomic_store_explicit(&w->state, TR__W_RUNNING, memory_order_release);
	worker_loop(w);
	tr__worker_teardown(w);
	/* Release pairs with the acquire in tr_engine_wait / tr_engine_error:
	 * the error and counters written above are visible once "exited" is. */
	atomic_store_explicit(&w->state, TR__W_EXITED, memory_order_release);
	rx_wake(w);   /* an application in tr_engine_rx_wait sees "exited" */
	return NULL;
fail:
	/* Relaxed: published by the release store of the state just below. */
	atomic_store_explicit(&w->error, r, memory_order_relaxed);
	/* Release pairs with the acquire in tr_engine_start. */
	atomic_store_explicit(&w->state, TR__W_FAILED, memory_order_release);
	rx_wake(w);
	return NULL;
}

/* ---- fault injection (tests) --------------------------------------------- */

int tr__engine_inject_tx_faults(struct tr_engine *e, unsigned q, uint32_t eagain, uint32_t short_writes)
{
	if (!e || q >= e->cfg.nqueues)
		return -EINVAL;
#ifdef TR_FAULT_INJECTION
	struct tr_worker *w = e->w[q];
	/* Relaxed: counters and switch publish nothing else; they pair with
	 * the relaxed loads and CAS in take_fault and the load in tx_done. */
	atomic_fetch_add_explicit(&w->fault_eagain, eagain, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->fault_short, short_writes, memory_order_relaxed);
	atomic_store_explicit(&w->fault_on, true, memory_order_relaxed);
	return 0;
#else
	(void)eagain;
	(void)short_writes;
	return -EOPNOTSUPP;
#endif
}

/* ---- services for stages ------------------------------------------------ */

/* A freshly allocated stage-originated frame, or NULL (b) counted as an
 * originated drop under reason. */
static struct tr_buf *orig_fresh(struct tr_worker *w, struct tr_buf *b, unsigned reason)
{
	if (!b) {
		tr__cnt_add(&w->cnt.orig_drops[reason], 1);
		tr__cnt_add(&w->cnt.orig_dropped, 1);
		return NULL;
	}
	b->verdict = TR__VERDICT_ORIG;
	b->queue = (uint16_t)w->q;
	b->flags = 0;
	return b;
}

struct tr_buf *tr_worker_alloc_large(struct tr_worker *w)
{
	return orig_fresh(w, tr_slab_alloc_large(w->slab), TR_ENGINE_DROP_LARGE_EMPTY);
}

uint32_t tr_worker_buf_room(const struct tr_worker *w, const struct tr_buf *b)
{
	return tr_slab_buf_room(w->slab, b);
}

static __attribute__((noinline)) struct tr_buf *worker_alloc_slow(struct tr_worker *w)
{
	/* The stack is empty (refill from the pool in a burst), or the build
	 * checks the pool (TR_DEBUG_POOL): slab.c. */
	return orig_fresh(w, tr_slab_alloc(w->cache), TR_ENGINE_DROP_POOL_EMPTY);
}

struct tr_buf *tr_worker_alloc(struct tr_worker *w)
{
	struct tr_buf *b = tr__cache_pop(w->cache);   /* inline; counted at tr__cache_publish */
	if (TR__UNLIKELY(!b))
		return worker_alloc_slow(w);
	b->verdict = TR__VERDICT_ORIG;   /* as orig_fresh */
	b->queue = (uint16_t)w->q;
	b->flags = 0;
	return b;
}

static __attribute__((noinline)) int worker_tx_slow(struct tr_worker *w, struct tr_buf *b)
{
	/* An rx frame (stolen earlier, or being stolen right now inside
	 * process()) counts as forwarded; a tr_worker_alloc frame as
	 * originated. Only a frame already counted as held leaves "held". */
	uint32_t v = b->verdict;
	unsigned origin = v == TR__VERDICT_ORIG ? TR__ORIG_STAGE : TR__ORIG_FWD;
	if (queue_tx(w, b, origin) < 0) {   /* SQ or the port's writes full, or the port down */
		b->verdict = v;
		return -ENOSPC;
	}
	if (v == TR__VERDICT_STOLEN)
		tr__cnt_add(&w->cnt.held, (uint64_t)-1);
	return 0;
}

/* The fast path writes a frame that is not counted as held (no stolen rx
 * frame) through queue_tx_fast; a call with nothing to save around it, so
 * no registers to spill. Everything else: worker_tx_slow. */
int tr_worker_tx(struct tr_worker *w, struct tr_buf *b)
{
	uint32_t v = b->verdict;
	if (TR__LIKELY(v != TR__VERDICT_STOLEN) &&
	    queue_tx_fast(w, b, v == TR__VERDICT_ORIG ? TR__ORIG_STAGE : TR__ORIG_FWD))
		return 0;
	return worker_tx_slow(w, b);
}

void tr_worker_drop(struct tr_worker *w, struct tr_buf *b, int reason_id)
{
	unsigned origin = TR__ORIG_STAGE;
	unsigned reason = (reason_id >= 0 && (unsigned)reason_id < w->e->nreasons)
				  ? (unsigned)reason_id : TR_ENGINE_DROP_BAD_ACTION;
	if (b->verdict != TR__VERDICT_ORIG) {
		origin = TR__ORIG_FWD;
		if (b->verdict == TR__VERDICT_STOLEN)
			tr__cnt_add(&w->cnt.held, (uint64_t)-1);
	}
	drop_buf(w, b, origin, reason);
}

struct tr_buf *tr_worker_unshare(struct tr_worker *w, struct tr_buf **slot)
{
	struct tr_buf *b = *slot;
	if (!tr_buf_shared(b))
		return b;
	/* A large frame is copied into another large buffer. */
	bool large = tr_slab_buf_is_large(w->slab, b);
	struct tr_buf *c = large ? tr_slab_alloc_large(w->slab) : tr_slab_alloc(w->cache);
	if (!c) {
		unsigned why = large ? TR_ENGINE_DROP_LARGE_EMPTY : TR_ENGINE_DROP_POOL_EMPTY;
		tr__cnt_add(&w->cnt.orig_drops[why], 1);
		tr__cnt_add(&w->cnt.orig_dropped, 1);
		return NULL;
	}
	/* Same offset from the buffer start as the original (keeps the
	 * headroom a stage may have used), unless it would not fit. */
	uint8_t *cbase = tr_slab_buf_addr(w->slab, c->id);
	const uint32_t size = tr_slab_buf_size_of(w->slab, c);
	size_t off = (size_t)(b->data - tr_slab_buf_addr(w->slab, b->id));
	if (off > size || b->len > size - off)
		off = tr_slab_headroom(w->slab);
	c->data = cbase + off;
	memcpy(c->data, b->data, b->len);
	c->len = b->len;
	c->queue = b->queue;
	c->flags = b->flags;
	c->verdict = b->verdict;   /* keeps TR__VERDICT_RX/STOLEN: same accounting */
	c->user = b->user;
	c->user2 = b->user2;
	c->ts = b->ts;
	c->next = b->next;
	if (w->vmeta)
		w->vmeta[c->id] = w->vmeta[b->id];
	/* Our reference to the original goes; the other holder keeps it. */
	buf_free(w, b);
	*slot = c;
	return c;
}

void tr_worker_adopt(struct tr_worker *w, struct tr_buf *old, struct tr_buf *nb)
{
	/* nb inherits old's place in the accounting (TR__VERDICT_RX or
	 * STOLEN), as a tr_worker_unshare copy does; old's buffer goes back
	 * uncounted, it is no longer a frame. */
	nb->verdict = old->verdict;
	nb->queue = old->queue;
	nb->ts = old->ts;
	buf_free(w, old);
}

unsigned tr_worker_queue(const struct tr_worker *w)
{
	return w->q;
}

uint64_t tr_worker_now_ns(const struct tr_worker *w)
{
	return w->now_ns;
}

struct tr_engine *tr_worker_engine(const struct tr_worker *w)
{
	return w->e;
}
