/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/worker_pvt.h: the engine and per-queue worker state (private).
 *
 * Ownership: everything in struct tr_worker except the fields marked
 * "shared" is touched only by the worker thread while it runs, and by the
 * control thread before pthread_create / after pthread_join (both edges
 * order the accesses). The shared fields are C11 atomics, each access
 * commented at its use with the access it pairs with.
 */
#ifndef TAPRING_WORKER_PVT_H
#define TAPRING_WORKER_PVT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <tapring/engine.h>
#include <tapring/ring.h>
#include <tapring/slab.h>

#include "uring_pvt.h"
#include "stage_pvt.h"

/* Worker states (tr_worker.state). */
enum {
	TR__W_INIT = 0,     /* thread created, setting up its ring / stages */
	TR__W_RUNNING = 1,  /* in its loop */
	TR__W_EXITED = 2,   /* left its loop and released its buffers */
	TR__W_FAILED = 3,   /* setup failed; nothing left held */
};

/* tr_buf.verdict markers used by the engine (verdict is engine-owned). */
#define TR__VERDICT_RX     0x52580000u   /* rx frame inside the pipeline */
#define TR__VERDICT_STOLEN 0x53544c4eu   /* rx frame a stage stole */
#define TR__VERDICT_ORIG   0x4f524947u   /* stage-originated (tr_worker_alloc) */

/* Capacity of tr_worker.m_tx: flushed to the mirror when full or at the
 * end of each iteration. */
#define TR__MIRROR_TX_CAP(batch) (2u * (batch))

/* A write that fails with -EAGAIN is retried on later iterations; it counts
 * as tx_error only after TR__TX_MAX_RETRY attempts AND TR__TX_RETRY_NS since
 * the first failure (a count alone is microseconds on a fast loop, too short
 * for a peer that was merely descheduled). The attempt count rides in the
 * write's user_data (tr__ud_tries) and in struct tr_retry; the time of the
 * first failure in tr_worker.tx_first_fail[buffer id]. Neither touches the
 * frame: struct tr_buf is one full cache line, and both are written on the
 * failure path only. */
#define TR__TX_MAX_RETRY 8u
#define TR__TX_RETRY_NS  20000000ull   /* 20 ms */

/*
 * Per-worker counters. Single writer: only the worker thread updates them,
 * with a relaxed load + relaxed store (tr__cnt_add), which is a plain
 * increment nobody else races with. Readers (stats, any thread) use relaxed
 * loads: each value is torn-free and at most a batch old, and no other data
 * is published through them, so no ordering is needed.
 */
struct tr__wcnt {
	_Atomic uint64_t rx, rx_bytes, tx, tx_bytes, tx_forwarded, tx_originated, tx_app;
	_Atomic uint64_t delivered, held, dropped, orig_dropped;
	_Atomic uint64_t batches, enters, rx_rearm, tx_eagain;
	_Atomic uint64_t rx_segs, tx_segs;                    /* offloads only (see tr_engine_stats) */
	_Atomic uint64_t rx_csum_valid, tx_sw_csum, tx_sw_gso;   /* offloads only */
	_Atomic uint64_t port_rx[TR_ENGINE_MAX_PORTS], port_rx_bytes[TR_ENGINE_MAX_PORTS];
	_Atomic uint64_t port_tx[TR_ENGINE_MAX_PORTS], port_tx_bytes[TR_ENGINE_MAX_PORTS];
	_Atomic uint64_t drops[TR_ENGINE_MAX_REASONS];       /* rx frames, by reason */
	_Atomic uint64_t orig_drops[TR_ENGINE_MAX_REASONS];  /* originated/app frames, by reason */
};


#define TR__DONE_BATCH 64

struct tr_retry {
	struct tr_buf *b;
	uint8_t origin;
	uint8_t tries;                 /* failed attempts so far, 1..TR__TX_MAX_RETRY */
};

struct tr_worker {
	struct tr_engine *e;
	unsigned q;
	int fd;                        /* port 0's queue fd (fds[0]) */
	int fds[TR_ENGINE_MAX_PORTS];  /* queue q of each port */
	unsigned nports;
	unsigned port_down;            /* bit p: port p's device failed; frames for it drop */
	unsigned tx_fast;              /* bit p: writes to port p may take queue_tx's fast path
	                                * (worker.c, tx_fast_update) */
	unsigned tx_cap;               /* most writes in flight per port (4 x batch) */
	struct tr_uring u;
	struct tr_slab *slab;
	struct tr_buf *meta;           /* tr_slab_buf(slab, 0): metadata of every buffer by id (both
	                                * classes), so a completion's id is an index, not a call */
	struct tr_slab_cache *cache;   /* created/destroyed by the control thread, used only here */
	struct tr_ring *to_app;        /* worker -> app: delivered frames (SPSC) */
	struct tr_ring *from_app;      /* app -> worker: frames to transmit (SPSC) */
	struct tr_ring *ret;           /* any thread -> worker: freed buffers (refcnt 1)
	                                * kept hot for rx refill; MPMC enqueue, SPSC dequeue */
	struct tr_ring *done;          /* worker -> app: sent app frames (refcnt 1) kept hot
	                                * for tr_engine_buf_alloc; SPSC enqueue, MPMC dequeue */
	pthread_t thread;
	bool thread_ok;
	bool fatal;                    /* worker-local: leave the loop */
	unsigned batch;
	int cpu;                       /* -1: not pinned */
	uint64_t now_ns;
	struct tr_buf **rxb;           /* batch: frames reaped this iteration */
	struct tr_buf **dl;            /* batch: frames to deliver */
	struct tr_buf **tmp;           /* batch: scratch for alloc / app dequeue */
	uint32_t *acts;                /* batch */
	struct tr_buf *dn[TR__DONE_BATCH];  /* sent app frames on their way to `done`,
	                                     * enqueued once per reap (one release per
	                                     * burst, not per frame) */
	unsigned ndn;
	struct tr_retry *retry;        /* writes to resend after -EAGAIN */
	unsigned nretry, retry_cap;
	uint64_t *tx_first_fail;       /* e->tx_first_fail: by buffer id, the time a write
	                                * of that frame first failed (valid while tries > 0) */
	/* mirror (only allocated when a mirror is set, see tr_engine_set_mirror) */
	struct tr_buf **m_orig;         /* batch: rx frames as received (one extra ref each) */
	uint32_t *m_acts;               /* batch + 1: final action of m_orig[i]; slot [batch]
	                                 * absorbs the actions of frames the filter rejected */
	uint8_t *m_keep;                /* batch: mirror.filter verdicts */
	uint16_t *m_idx;                /* batch: position in m_orig of bufs[i] during the stages */
	uint16_t *m_dlidx;              /* batch: position in m_orig of dl[i] */
	struct tr_buf **m_tx;           /* frames about to be written (one extra ref each) */
	unsigned m_ntx;
	bool m_on;                     /* a mirror is set (copy of e->has_mirror, hot line) */
	bool vnet;                     /* offloads: vnet headers, rx into the large class */
	struct tr_vnet_meta *vmeta;    /* e->vmeta (offloads), indexed by buffer id */
	unsigned tx_caps[TR_ENGINE_MAX_PORTS];   /* offloads: TR_OFFLOAD_* port p accepted; a
	                                          * frame needing one it lacks is segmented or
	                                          * checksummed in software before the write */
#ifdef TR_FAULT_INJECTION
	/* Test-only fault injection (engine/fault_pvt.h): the next completions
	 * of successful writes are turned into -EAGAIN or short writes. */
	_Atomic bool fault_on;
	_Atomic uint32_t fault_eagain, fault_short;
#endif
	/* shared */
	_Atomic int state;             /* TR__W_*; written by the worker, read by control */
	_Atomic bool stop;             /* written by control, read by the worker */
	_Atomic int error;             /* first fatal error of this worker (negative errno) */
	/* Receive notification (tr_engine_rx_arm/rx_wait): the application
	 * sets rx_armed before it sleeps on rx_efd; the worker clears it and
	 * writes rx_efd after a delivery that found it set (deliver()), and
	 * writes rx_efd once more when it exits. -1 for a manual engine. */
	_Atomic bool rx_armed;
	int rx_efd;
	_Alignas(64) struct tr__wcnt cnt;
};

struct tr_engine {
	struct tr_engine_config cfg;   /* defaults filled in; cfg.fds points to fds below */
	int *fds;
	int *fds2;                     /* port 1 (two-port engine), else NULL */
	unsigned nports;
	enum tr_engine_rx_mode rx_mode;
	unsigned rx_depth;
	struct tr_slab *slab;
	struct tr_stage stages[TR_ENGINE_MAX_STAGES];
	unsigned nstages;
	char reason_names[TR_ENGINE_MAX_REASONS][32];
	unsigned nreasons;
	struct tr_engine_mirror mirror;  /* set before start (tr_engine_set_mirror) */
	bool has_mirror;
	struct tr_worker **w;
	struct tr_slab_cache **app_cache;   /* per queue, used by that queue's app thread */
	struct tr_vnet_meta *vmeta;         /* offloads: per buffer id (both classes) */
	uint64_t *tx_first_fail;            /* per buffer id (both classes), see TR__TX_MAX_RETRY;
	                                     * an entry is only touched by the worker writing
	                                     * that buffer */
	unsigned offloads_on;               /* TR_OFFLOAD_* the kernel accepted (port 0) */
	unsigned offloads_port[TR_ENGINE_MAX_PORTS];   /* the same per port */
	bool started, stopped;
	/* First worker error and its queue in one word, so a reader can never
	 * pair an error with another queue: (uint64_t)q << 32 | (uint32_t)err,
	 * 0 while no error. Set once by CAS from 0 (tr__engine_report_error). */
	_Atomic uint64_t first_error;
};

/* offload.c */
int tr__engine_offload_setup(struct tr_engine *e);

/* worker.c */
void *tr__worker_main(void *arg);
/* Manual engines (cfg.manual): the worker's set-up, one loop iteration and
 * its tear-down, run on the caller's thread (tr_engine_start/step/stop). */
int tr__worker_setup(struct tr_worker *w);
int tr__worker_step(struct tr_worker *w, uint64_t now_ns);
void tr__worker_teardown(struct tr_worker *w);
void tr__engine_report_error(struct tr_engine *e, unsigned q, int err);

#endif /* TAPRING_WORKER_PVT_H */
