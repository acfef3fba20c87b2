/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/uring_pvt.h: one io_uring instance per worker and TAP queue fd.
 *
 * Setup, probing and teardown live in uring.c; the per-frame SQE helpers
 * are inline here. Port p's queue fd is registered as fixed file p (one
 * port, or two for a forwarding engine). RX uses either one multishot read
 * per port, all into one provided-buffer ring (bid == tr_buf.id), or N
 * outstanding plain reads per port into pool buffers. user_data encodes
 * the operation kind, the frame origin (tx), the port and the buffer id.
 */
#ifndef TAPRING_URING_PVT_H
#define TAPRING_URING_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tapring/engine.h>
#include <tapring/slab.h>

#include "uring_compat_pvt.h"

/* user_data layout: kind << 56 | origin << 48 | port << 40 | tries << 32 | bid
 * (tries: a write's earlier -EAGAIN attempts, 0..TR__TX_MAX_RETRY, so the
 * retry count travels with the write instead of living in the frame). */
enum tr__ud_kind {
	TR__UD_RX_MS = 1,     /* multishot read */
	TR__UD_RX_READ = 2,   /* plain read into bid */
	TR__UD_TX = 3,        /* write of bid */
	TR__UD_CANCEL = 4,    /* shutdown cancel request */
};
enum tr__tx_origin {
	TR__ORIG_FWD = 0,     /* an rx frame sent back out (counts in the rx equation) */
	TR__ORIG_STAGE = 1,   /* stage-originated (tr_worker_alloc) */
	TR__ORIG_APP = 2,     /* application frame (tr_engine_tx_burst) */
	TR__ORIG_SEG = 3,     /* a software segment of a super-frame (tx_sw_gso): written and
	                       * counted in tx/tx_segments, not in the origin counters (the
	                       * super-frame counted there once) */
};

static inline uint64_t tr__ud(unsigned kind, unsigned origin, uint32_t bid)
{
	return ((uint64_t)kind << 56) | ((uint64_t)origin << 48) | bid;
}
static inline uint64_t tr__ud_p(unsigned kind, unsigned origin, unsigned port, uint32_t bid)
{
	return tr__ud(kind, origin, bid) | ((uint64_t)port << 40);
}
static inline unsigned tr__ud_port(uint64_t ud) { return (unsigned)(ud >> 40) & 0xff; }
static inline unsigned tr__ud_kind(uint64_t ud) { return (unsigned)(ud >> 56); }
static inline unsigned tr__ud_origin(uint64_t ud) { return (unsigned)(ud >> 48) & 0xff; }
static inline unsigned tr__ud_tries(uint64_t ud) { return (unsigned)(ud >> 32) & 0xff; }
static inline uint32_t tr__ud_bid(uint64_t ud) { return (uint32_t)ud; }

#define TR__BGID 7

struct tr_uring {
	struct io_uring ring;
	int fd;                        /* port 0's queue fd (registered as fixed 0) */
	unsigned nports;               /* fixed files 0..nports-1, one per port */
	bool multishot;                /* rx path: true multishot, false plain reads */
	unsigned ms_armed;             /* bit p: port p's multishot read is outstanding */
	bool ring_ok;                  /* io_uring_queue_init succeeded */
	unsigned setup_flags;          /* flags the ring was created with */
	/* provided-buffer rings (multishot), one per port, group TR__BGID + port:
	 * two multishot reads sharing one group stalled (socketpair test) */
	struct io_uring_buf_ring *br[TR_ENGINE_MAX_PORTS];
	size_t br_size;
	unsigned br_entries;
	unsigned br_added[TR_ENGINE_MAX_PORTS];   /* buffers added since the last advance */
	unsigned rx_depth;             /* buffers to keep posted for rx, per port */
	unsigned rx_posted;            /* buffers currently posted (rings or reads) */
	unsigned rx_posted_port[TR_ENGINE_MAX_PORTS];     /* the same per port */
	unsigned tx_inflight;          /* writes submitted, not completed */
	unsigned tx_inflight_port[TR_ENGINE_MAX_PORTS];   /* the same per port */
	unsigned sq_pending;           /* SQEs prepared, not yet submitted */
	unsigned sq_end;               /* sq.sqe_tail value at which the SQ was full when last
	                                * looked at (tr_uring_sq_refresh): see tr__uring_sq_fast */
	uint8_t *posted;               /* per bid (id - bid_base): 1 while posted for rx */
	uint32_t headroom;
	uint32_t rx_len;               /* buf_size - headroom (+ vnet) */
	uint32_t vnet;                 /* 12 with offloads: the header sits just before b->data */
	uint32_t bid_base;             /* first buffer id of the rx class (large class: nbufs) */
};

struct tr_uring_params {
	unsigned sq_entries;
	unsigned cq_entries;
	unsigned rx_depth;
	uint32_t nbufs;
	uint32_t buf_size;
	uint32_t headroom;
	bool multishot;
	bool sqpoll;
	uint32_t vnet;        /* 0, or 12: reads/writes carry a virtio-net header */
	uint32_t bid_base;    /* rx buffers are ids bid_base .. bid_base + nbufs - 1 */
};

/* Probe (on a throw-away ring) whether the kernel offers multishot read and
 * provided-buffer rings. 1 yes, 0 no. */
int tr_uring_probe_multishot(void);
/* Create the ring on the calling (worker) thread, registering fds[0..nfds)
 * (one per port) as fixed files 0..nfds-1. 0 or -errno. */
int tr_uring_init(struct tr_uring *u, const int *fds, unsigned nfds, const struct tr_uring_params *p);
/* Unregister and free (after every op has been reaped). */
void tr_uring_fini(struct tr_uring *u);

/*
 * Look at the SQ's free space once per submit instead of on every SQE:
 * sq_end = the kernel's head + entries, the tail value at which the SQ is
 * full. The head only moves forward, so until the next look every tail
 * before sq_end is a free slot, whoever took the SQEs in between
 * (io_uring_get_sqe advances the same tail), with SQPOLL too (its thread
 * only frees more). 64-byte SQEs: ring_init never sets
 * IORING_SETUP_SQE128, which tr__uring_sqe_take's indexing relies on.
 */
static inline void tr_uring_sq_refresh(struct tr_uring *u)
{
	/* Acquire: pairs with the kernel's release of the SQ head once it has
	 * read the SQEs before it (with SQPOLL its thread does this at any
	 * time; without, only inside our own io_uring_enter). */
	u->sq_end = io_uring_smp_load_acquire(u->ring.sq.khead) + u->ring.sq.ring_entries;
}

/* Get an SQE, submitting once if the SQ is full. NULL if still none. */
static inline struct io_uring_sqe *tr_uring_sqe(struct tr_uring *u, uint64_t *enters)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	if (__builtin_expect(sqe == NULL, 0)) {
		(*enters)++;
		io_uring_submit(&u->ring);
		u->sq_pending = 0;
		tr_uring_sq_refresh(u);
		sqe = io_uring_get_sqe(&u->ring);
		/* With SQPOLL the kernel thread consumes SQEs on its own time, so
		 * the ring can still be full right after a submit (seen when
		 * that thread is descheduled on a busy machine): wait for room
		 * (IORING_ENTER_SQ_WAIT) rather than fail the frame. */
		if (!sqe && (u->setup_flags & IORING_SETUP_SQPOLL)) {
			(*enters)++;
			if (io_uring_sqring_wait(&u->ring) >= 0)
				sqe = io_uring_get_sqe(&u->ring);
		}
	}
	if (sqe)
		u->sq_pending++;
	return sqe;
}

/* Whether an SQE can be taken without reading the kernel's head or the
 * ring flags (the per-frame half of tr_uring_sqe): a slot known free at
 * the last tr_uring_sq_refresh is left. If not, call tr_uring_sqe. */
static inline bool tr__uring_sq_fast(const struct tr_uring *u)
{
	return (int)(u->sq_end - u->ring.sq.sqe_tail) > 0;
}

/* Take the next SQE; only after tr__uring_sq_fast said yes. */
static inline struct io_uring_sqe *tr__uring_sqe_take(struct tr_uring *u)
{
	struct io_uring_sq *sq = &u->ring.sq;
	unsigned tail = sq->sqe_tail;
	sq->sqe_tail = tail + 1;
	u->sq_pending++;
	return &sq->sqes[tail & sq->ring_mask];
}

/* Fill sqe with a write of b on port and count it in flight. */
static inline void tr__uring_prep_tx(struct tr_uring *u, struct io_uring_sqe *sqe, struct tr_buf *b,
				     unsigned origin, unsigned port, unsigned tries)
{
	io_uring_prep_write(sqe, (int)port, b->data - u->vnet, b->len + u->vnet, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, tr__ud_p(TR__UD_TX, origin, port, b->id) | (uint64_t)tries << 32);
	u->tx_inflight++;
	u->tx_inflight_port[port]++;
}

/* Queue a write of b on port (no copy); tries (< 256) comes back in the
 * completion's tr__ud_tries. 0 or -ENOSPC (SQ full even after submit). */
static inline int tr_uring_tx(struct tr_uring *u, struct tr_buf *b, unsigned origin, unsigned port,
			      unsigned tries, uint64_t *enters)
{
	struct io_uring_sqe *sqe = tr_uring_sqe(u, enters);
	if (!sqe)
		return -ENOSPC;
	tr__uring_prep_tx(u, sqe, b, origin, port, tries);
	return 0;
}

/* Post one rx buffer for port: into its provided-buffer ring (multishot;
 * made visible by tr_uring_rx_commit) or as a plain read. 0 or -ENOSPC. */
static inline int tr_uring_rx_post(struct tr_uring *u, struct tr_buf *b, unsigned port, uint64_t *enters)
{
	uint8_t *addr = b->data - u->vnet;
	if (u->multishot) {
		io_uring_buf_ring_add(u->br[port], addr, u->rx_len, (unsigned short)(b->id - u->bid_base),
				      io_uring_buf_ring_mask(u->br_entries), (int)u->br_added[port]);
		u->br_added[port]++;
	} else {
		struct io_uring_sqe *sqe = tr_uring_sqe(u, enters);
		if (!sqe)
			return -ENOSPC;
		io_uring_prep_read(sqe, (int)port, addr, u->rx_len, 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, tr__ud_p(TR__UD_RX_READ, 0, port, b->id));
	}
	u->rx_posted_port[port]++;
	u->posted[b->id - u->bid_base] = 1;
	u->rx_posted++;
	return 0;
}

/* Publish buffers added to the provided-buffer ring (release store of the
 * ring tail inside liburing; pairs with the kernel's acquire of the tail). */
static inline void tr_uring_rx_commit(struct tr_uring *u)
{
	for (unsigned p = 0; u->multishot && p < u->nports; p++)
		if (u->br_added[p]) {
			io_uring_buf_ring_advance(u->br[p], (int)u->br_added[p]);
			u->br_added[p] = 0;
		}
}

/* (Re-)arm port's multishot read. 0 or -ENOSPC. */
static inline int tr_uring_rx_arm(struct tr_uring *u, unsigned port, uint64_t *enters)
{
	struct io_uring_sqe *sqe = tr_uring_sqe(u, enters);
	if (!sqe)
		return -ENOSPC;
	tr__prep_read_multishot(sqe, (int)port, true, (uint16_t)(TR__BGID + port));
	io_uring_sqe_set_data64(sqe, tr__ud_p(TR__UD_RX_MS, 0, port, 0));
	u->ms_armed |= 1u << port;
	return 0;
}

#endif /* TAPRING_URING_PVT_H */
