/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tapring engine: per-queue io_uring workers, the stage pipeline and the
 * application hand-off.
 *
 * The engine takes TAP queue fds (one per queue, owned by the caller and not
 * closed by the engine) and runs one worker thread per queue. A worker runs
 * to completion: rx burst -> stage 1 -> stage 2 -> ... -> tx burst, with at
 * most one io_uring_enter() per batch. Frames live in one slab pool
 * (<tapring/slab.h>); nothing is copied between the kernel, the stages and
 * the application.
 *
 * Threading: tr_engine_create/add_stage/counter/start/stop/destroy are called
 * from one control thread. For each queue q, the functions taking (e, q) on
 * the application side (rx_burst, tx_burst, buf_alloc*) are single-consumer /
 * single-producer: call them for a given q from one thread at a time.
 * tr_engine_buf_free() and the stats readers may be called from any thread.
 *
 * Two ports (cfg.fds2): worker q then owns queue q of both ports (one
 * io_uring, both fds registered) and runs both to completion. Every frame
 * carries the port it was received on (tr_buf_port); a stage sends it out
 * of either port (TR_ACT_TX: the port in its flags, TR_ACT_TX_PORT(p): port
 * p). tr_engine_add_fwd_stage() makes the engine an L2 bump in the wire.
 *
 * Accounting invariant, per queue and in total, exact once the engine is
 * stopped (approximate while it runs, since the counters are read without
 * stopping the workers):
 *   rx == delivered + tx_forwarded + dropped + held
 * where dropped is the sum over named drop reasons of frames that came from
 * rx. Frames originated by stages (tx_originated) or by the application
 * (tx_app) never enter that equation; their failures count in orig_dropped.
 */
#ifndef TAPRING_ENGINE_H
#define TAPRING_ENGINE_H

#include <tapring/api.h>

#include <stdbool.h>
#include <stdint.h>

#include <tapring/action.h> /* TR_ACT_*: what a stage decides for each frame */
#include <tapring/slab.h>   /* struct tr_buf, for tr_buf_shared */
#include <tapring/vnet.h>   /* struct tr_vnet_meta (offloads) */

#ifdef __cplusplus
extern "C" {
#endif

struct tr_buf;      /* <tapring/slab.h> */
struct tr_slab;
struct tr_worker;
struct tr_engine;

/* ---- stage actions ------------------------------------------------------ */

/* TR_ACT_NEXT, _TX, _DELIVER, _STOLEN, TR_ACT_DROP(reason), TR_ACT_TX_PORT(port):
 * one encoding for every stage and the stack core, see <tapring/action.h>. */

/* Most named drop reasons an engine can register (engine-own ones included). */
#define TR_ENGINE_MAX_REASONS 128
#define TR_ENGINE_MAX_STAGES  16
#define TR_ENGINE_MAX_QUEUES  64
#define TR_ENGINE_MAX_PORTS   2

/* The port a frame was received on and is sent from: bits 14-15 of
 * tr_buf.flags (0 for frames the application or a stage allocated). */
#define TR_BUF_PORT_SHIFT 14
#define TR_BUF_PORT_MASK  (3u << TR_BUF_PORT_SHIFT)

/*
 * A pipeline stage. process() sees a burst of n frames (all with action
 * TR_ACT_NEXT on entry) and sets acts[i] for each. Frames it leaves at
 * TR_ACT_NEXT go to the next stage. All callbacks run on the worker thread
 * of the queue (tr_worker_queue()); a stage that keeps per-queue state
 * indexes it by that queue.
 */
struct tr_stage {
	const char *name;
	void *arg;
	int  (*init)(void *arg, struct tr_worker *w);                 /* optional, per worker, before start; 0 or -errno */
	void (*process)(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n);
	void (*poll)(void *arg, struct tr_worker *w, uint64_t now_ns);  /* optional, once per loop: timers/retries */
	void (*fini)(void *arg, struct tr_worker *w);                  /* optional: must release every stolen buffer */
};

/* ---- configuration ------------------------------------------------------ */

enum tr_engine_rx_mode {
	TR_ENGINE_RX_AUTO = 0,     /* multishot read if the kernel has it (one port), else plain reads */
	TR_ENGINE_RX_MULTISHOT,    /* IORING_OP_READ_MULTISHOT into a provided-buffer ring (fails if unsupported) */
	TR_ENGINE_RX_READ,         /* N outstanding plain IORING_OP_READs into pool buffers */
};

/* What the queue fds are: an Ethernet TAP, or a TUN carrying raw IP (no
 * link header; stages see raw IPv4/IPv6 frames, and the engine's capture
 * is link type RAW). */
enum tr_engine_device {
	TR_ENGINE_DEV_TAP = 0,
	TR_ENGINE_DEV_TUN = 1,
};

struct tr_engine_config {
	int *fds;                  /* nqueues TAP queue fds (caller keeps ownership): port 0 */
	int *fds2;                 /* NULL, or port 1's nqueues queue fds (a two-port engine:
	                            * worker q serves fds[q] and fds2[q]) */
	enum tr_engine_device device;  /* TAP (default) or TUN */
	unsigned nqueues;          /* 1..TR_ENGINE_MAX_QUEUES */
	unsigned nbufs;            /* pool buffers, power of two (0: 8192) */
	unsigned buf_size;         /* bytes per buffer incl. headroom (0: 2048) */
	unsigned headroom;         /* bytes before each frame (0: 128) */
	unsigned batch;            /* frames per rx/tx burst (0: 256 if nbufs/nqueues >= 4096,
	                            * else 64; max 1024) */
	unsigned app_ring_size;    /* worker<->app ring slots per queue, power of two (0: 1024) */
	unsigned rx_bufs;          /* buffers posted for rx per queue, power of two (0: multishot 512,
	                            * plain reads 2*batch up to 128; capped at nbufs/(2*nqueues)) */
	int cpu_base;              /* worker q pinned to (cpu_base + q) % ncpu; -1: no pinning */
	const int *cpus;           /* or, when set: worker q pinned to cpus[q] (nqueues entries,
	                            * -1: that worker unpinned; read during tr_engine_create only) */
	bool force_fallback;       /* force plain reads even if multishot works (same as rx_mode = TR_ENGINE_RX_READ) */
	bool sqpoll;               /* IORING_SETUP_SQPOLL (usually slower on few cores) */
	bool hugepages;            /* try huge pages for the pool */
	enum tr_engine_rx_mode rx_mode;
	unsigned idle_us;          /* longest idle wait before timers run again (0: 1000 us) */
	/* Large buffer class (64 KiB frames: offload super-frames, reassembled
	 * datagrams), see tr_worker_alloc_large. Power of two; 0: none (256
	 * when offloads are on). */
	unsigned large_nbufs;
	unsigned large_buf_size;   /* bytes per large buffer incl. headroom (0: headroom + 12-byte
	                            * vnet header + 65535-byte frame, rounded up to 64) */
	/* virtio-net header offloads (docs/offload.md). The fds must have been
	 * opened with IFF_VNET_HDR (TR_TAP_VNET_HDR). The engine sets
	 * TUNSETVNETHDRSZ 12 and TUNSETOFFLOAD with offload_flags, falling
	 * back one feature at a time (see tr_engine_offloads); rx lands in the
	 * large class, every read and write carries the 12-byte header. TAP
	 * devices only (TR_ENGINE_DEV_TUN with offloads: -EINVAL). */
	bool offloads;
	unsigned offload_flags;    /* TR_OFFLOAD_* to ask for (0: all of them) */
	unsigned offload_refuse;   /* test switch: TR_OFFLOAD_* bits treated as refused by the
	                            * kernel, to exercise the fallback */
	unsigned offload_refuse2;  /* the same for port 1 of a two-port engine (both ports get
	                            * vnet headers and their own TUNSETOFFLOAD; a frame for a
	                            * port lacking its GSO type or CSUM is segmented or
	                            * checksummed in software: tx_sw_gso, tx_sw_csum) */
	/* Manual drive (offline replay, tests, simulation): no worker threads.
	 * tr_engine_start sets every queue up on the calling thread, and that
	 * thread then runs each queue's loop one iteration at a time with
	 * tr_engine_step, giving the clock (virtual time) itself. Not with
	 * sqpoll; cpu_base/cpus are ignored. */
	bool manual;
};

/* TUNSETOFFLOAD features (the values of TUN_F_*). */
#define TR_OFFLOAD_CSUM     0x01u
#define TR_OFFLOAD_TSO4     0x02u
#define TR_OFFLOAD_TSO6     0x04u
#define TR_OFFLOAD_TSO_ECN  0x08u
#define TR_OFFLOAD_USO4     0x20u
#define TR_OFFLOAD_USO6     0x40u
#define TR_OFFLOAD_ALL      (TR_OFFLOAD_CSUM | TR_OFFLOAD_TSO4 | TR_OFFLOAD_TSO6 | \
			     TR_OFFLOAD_TSO_ECN | TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6)

/* ---- statistics --------------------------------------------------------- */

struct tr_engine_stats {
	uint64_t rx;               /* frames received from the TAP */
	uint64_t rx_bytes;
	uint64_t tx;               /* frames written to the TAP (all origins) */
	uint64_t tx_bytes;
	uint64_t tx_forwarded;     /* rx frames a stage sent back out (TR_ACT_TX or stolen then tr_worker_tx) */
	uint64_t tx_originated;    /* stage-originated frames written (tr_worker_alloc + tr_worker_tx) */
	uint64_t tx_app;           /* application frames written (tr_engine_tx_burst) */
	uint64_t delivered;        /* rx frames put on the application ring */
	uint64_t held;             /* rx frames currently stolen by stages (gauge) */
	uint64_t dropped;          /* rx frames dropped, sum over reasons */
	uint64_t orig_dropped;     /* stage/app-originated frames dropped (tx errors, shutdown) */
	uint64_t batches;          /* loop iterations that moved at least one frame */
	uint64_t enters;           /* io_uring_enter calls (submit/wait) */
	uint64_t rx_rearm;         /* multishot reads re-armed (-ENOBUFS or !F_MORE) */
	uint64_t tx_eagain;        /* tx writes retried after -EAGAIN */
	uint64_t rx_segments;      /* wire frames the rx frames stand for (== rx without offloads) */
	uint64_t tx_segments;      /* wire frames the written frames stand for (== tx without offloads) */
	/* offloads only (0 without): */
	uint64_t rx_csum_valid;    /* frames read with DATA_VALID (the kernel checked the checksum) */
	uint64_t tx_sw_csum;       /* NEEDS_CSUM frames checksummed in software: their port lacks CSUM */
	uint64_t tx_sw_gso;        /* super-frames segmented in software (their port lacks the GSO
	                            * type): each counts once in tx_forwarded/_originated/_app, its
	                            * segments are written (tx, tx_segments) but not counted there */
};

/* One named drop reason with its counts; see tr_engine_reason(). */
struct tr_engine_reason_stat {
	const char *name;
	uint64_t count;            /* rx frames dropped with this reason */
	uint64_t orig_count;       /* originated/app frames dropped with this reason */
};

/* Engine-own drop reasons, registered by tr_engine_create with these ids. */
enum {
	TR_ENGINE_DROP_APP_RING_FULL = 0,  /* "app_ring_full": the application did not keep up */
	TR_ENGINE_DROP_POOL_EMPTY,         /* "pool_empty": no buffer to originate a frame / refill rx */
	TR_ENGINE_DROP_TX_ERROR,           /* "tx_error": write failed (or EAGAIN retries exhausted) */
	TR_ENGINE_DROP_SHORT_WRITE,        /* "short_write": write returned fewer bytes than the frame */
	TR_ENGINE_DROP_SHUTDOWN,           /* "shutdown": frames pending when the engine stopped */
	TR_ENGINE_DROP_BAD_ACTION,         /* "bad_action": a stage set an unknown action, an unknown
	                                    * drop reason or TR_ACT_TX_PORT of a port the engine lacks */
	TR_ENGINE_DROP_RX_ERROR,           /* "rx_error": empty or truncated read */
	TR_ENGINE_DROP_LARGE_EMPTY,        /* "large_empty": no large buffer (class absent or exhausted) */
	TR_ENGINE_DROP_RX_TOO_BIG,         /* "rx_too_big": frame larger than the rx buffer (truncated by the kernel) */
	TR_ENGINE_DROP_RX_BAD_VNET,        /* "rx_bad_vnet": offloads: a virtio-net header that does not
	                                    * parse or does not match its frame */
	TR_ENGINE_DROP_PORT_DOWN,          /* "port_down": the destination port's device is gone */
	TR_ENGINE_DROP_TX_FULL,            /* "tx_full" (two-port engines): the destination port has
	                                    * 4 x batch writes in flight already (its reader is stuck) */
	TR_ENGINE_DROP_BUILTIN_COUNT
};

/* ---- engine lifecycle --------------------------------------------------- */

/* Create an engine (pool, rings, per-queue io_uring instances). Returns NULL
 * and sets *err when err is not NULL (-EINVAL bad config, -ENOMEM, -ENOTSUP
 * if rx_mode asks for multishot the kernel lacks, other -errno from
 * io_uring_queue_init). */
TR_API struct tr_engine *tr_engine_create(const struct tr_engine_config *cfg, int *err);

/* Append a stage (copied; arg is not). Before tr_engine_start. 0 or -errno
 * (-EBUSY if started, -ENOSPC past TR_ENGINE_MAX_STAGES, -EINVAL). */
TR_API int tr_engine_add_stage(struct tr_engine *e, const struct tr_stage *st);

/* Register or look up a named drop reason, before start. Returns its id
 * (>= 0, usable in TR_ACT_DROP and tr_worker_drop) or -errno (-ENOSPC,
 * -EBUSY after start, -EINVAL). The name is copied. */
TR_API int tr_engine_counter(struct tr_engine *e, const char *name);

/* Run stage init() on every worker, then start the worker threads.
 * 0 or -errno (the first init() error; nothing is left running). */
TR_API int tr_engine_start(struct tr_engine *e);

/*
 * Manual engines (cfg.manual) only: one iteration of queue q's worker loop
 * on the calling thread, which must be the one that called
 * tr_engine_start (the io_uring instance accepts no other submitter):
 * reap completions, run the received frames through the stages, the
 * stages' poll() hooks, the application's frames, rx refill and one
 * non-blocking io_uring_enter. now_ns is the loop's clock
 * (tr_worker_now_ns, poll's now_ns, the frames' ts): any time base, but
 * never going back (an earlier value is taken as the last one). Never
 * blocks. Returns how much work is still under way or was just done
 * (frames moved, completions posted, writes in flight): call again until
 * it returns 0, then the queue is idle and every frame it was given has
 * been handled. -EINVAL (not a manual engine, not started, stopped, q out
 * of range) or the queue's fatal error (negative errno, as
 * tr_engine_error). tr_engine_stop, also from this thread, tears the
 * queues down (stage fini, every buffer back).
 */
TR_API int tr_engine_step(struct tr_engine *e, unsigned q, uint64_t now_ns);

/* Stop the workers and join them. Each worker cancels its outstanding
 * I/O, reaps it, drops pending tx frames ("shutdown"), runs stage fini() and
 * returns every buffer it holds to the pool. Frames already on the
 * application rings stay there (rx_burst still returns them); destroy frees
 * the rest. Idempotent. Returns the first worker error (see
 * tr_engine_error) or 0. */
TR_API int tr_engine_stop(struct tr_engine *e);

/* Stop if needed, free everything. The caller's fds stay open. */
TR_API void tr_engine_destroy(struct tr_engine *e);

/* Block until every worker has exited by itself (error such as the device
 * being deleted) or timeout_ms elapses (-1: forever). Returns 0 if all
 * workers have exited, -ETIMEDOUT otherwise. Does not join (call stop). */
TR_API int tr_engine_wait(struct tr_engine *e, int timeout_ms);

/* First error a worker hit (negative errno, e.g. -EBADFD when the device was
 * deleted), 0 if none. *queue (optional) gets the queue that reported it. */
TR_API int tr_engine_error(const struct tr_engine *e, unsigned *queue);

/* True while queue q's worker runs its loop. */
TR_API bool tr_engine_running(const struct tr_engine *e, unsigned q);

TR_API unsigned tr_engine_nqueues(const struct tr_engine *e);
TR_API unsigned tr_engine_nports(const struct tr_engine *e);   /* 1, or 2 with cfg.fds2 */
TR_API struct tr_slab *tr_engine_slab(struct tr_engine *e);
/* The configured device kind (TR_ENGINE_DEV_TAP or TR_ENGINE_DEV_TUN). */
TR_API enum tr_engine_device tr_engine_device(const struct tr_engine *e);

/* On a TAP queue fd opened with IFF_VNET_HDR: TUNSETVNETHDRSZ 12. 0,
 * -ENOTTY (not a TUN/TAP fd), -EINVAL (no IFF_VNET_HDR), -errno. */
TR_API int tr_tap_vnet_setup(int fd);
/* TUNSETOFFLOAD with the features `want` (TR_OFFLOAD_*), falling back one
 * group at a time (TSO_ECN, USO4|USO6, TSO4|TSO6, then CSUM) while the
 * kernel says EINVAL; `refuse` (a test switch) makes any set containing
 * those bits fail like an old kernel. *on gets what was accepted (possibly
 * 0). 0 or -errno (other than EINVAL). Device-wide: one fd is enough. */
TR_API int tr_tap_set_offloads(int fd, unsigned want, unsigned refuse, unsigned *on);

/* TR_OFFLOAD_* features the kernel accepted (0 without offloads; with
 * offloads and nothing accepted, vnet headers are still exchanged). */
TR_API unsigned tr_engine_offloads(const struct tr_engine *e);
/* The same for one port of a two-port engine (port 0: tr_engine_offloads). */
TR_API unsigned tr_engine_port_offloads(const struct tr_engine *e, unsigned port);
/* True when the engine runs with vnet headers (cfg.offloads). */
TR_API bool tr_engine_has_vnet(const struct tr_engine *e);

/*
 * Offload metadata of b (a side array indexed by buffer id: tr_buf stays
 * one cache line). NULL when the engine runs without offloads. On rx the
 * engine fills it and sets TR_BUF_F_VNET (+ CSUM_PARTIAL / CSUM_VALID /
 * GSO) in b->flags. To transmit a super-frame, fill it (tr_engine_set_gso
 * does) and set TR_BUF_F_VNET; without that bit a tx carries a zero
 * header. Valid from any thread that owns b.
 */
TR_API struct tr_vnet_meta *tr_engine_offload(struct tr_engine *e, const struct tr_buf *b);

/*
 * Make b (a full-length IPv4/IPv6 TCP or UDP frame, up to 64 KiB: use a
 * large buffer) a super-frame the kernel cuts into gso_size payload pieces
 * and checksums (tr_vnet_prepare_gso), and record that in b's metadata.
 * gso_size 0 or a payload within one segment: a single frame with the
 * checksum left to the kernel. 0, -ENOTSUP (engine without offloads),
 * -EINVAL (not TCP/UDP over IP, > 128 UDP segments).
 */
TR_API int tr_engine_set_gso(struct tr_engine *e, struct tr_buf *b, uint16_t gso_size);

/*
 * Software segmentation (GSO in user space) for an application that
 * cannot take super-frames: cut super-frame b (TR_BUF_F_GSO, or meta
 * given) into at most n fresh buffers of queue q's allocator, each a plain
 * frame with full checksums. b is not consumed. Returns the number of
 * segments written to out (all of them), or -ENOSPC (n too small),
 * -ENOBUFS (pool short; nothing allocated is kept), -EINVAL.
 */
TR_API int tr_engine_gso_segment(struct tr_engine *e, unsigned q, const struct tr_buf *b,
			  struct tr_buf **out, unsigned n);

/*
 * Finish the L4 checksum of a NEEDS_CSUM frame in place
 * (tr_vnet_csum_complete) and clear TR_BUF_F_CSUM_PARTIAL. For a frame
 * that leaves through a device or file without offloads. 0 or -EINVAL.
 */
TR_API int tr_engine_csum_complete(struct tr_engine *e, struct tr_buf *b);

/* Which rx path queue q uses: TR_ENGINE_RX_MULTISHOT or TR_ENGINE_RX_READ. */
TR_API enum tr_engine_rx_mode tr_engine_rx_mode(const struct tr_engine *e, unsigned q);

/* ---- application hand-off (see threading note above) ------------------- */

/* Take up to n delivered frames of queue q. The caller owns them: free with
 * tr_engine_buf_free or send with tr_engine_tx_burst. Returns the count. */
TR_API unsigned tr_engine_rx_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n);

/* ---- sleeping while a queue is idle (DPDK's rx interrupt mode) ----------
 *
 * An application thread that polls tr_engine_rx_burst on an idle queue
 * burns a CPU the worker (and, on a small host, the kernel's sender) could
 * use. Instead it can sleep until the worker delivers:
 *
 *     for (;;) {
 *             unsigned n = tr_engine_rx_burst(e, q, bufs, 64);
 *             if (n) { ...; continue; }
 *             int r = tr_engine_rx_wait(e, q, 100);   // frames, 0, or -errno
 *             if (r < 0) break;                       // -EPIPE: worker exited
 *     }
 *
 * The worker pays for this only while the queue is armed: one eventfd
 * write for the delivery that ends the wait (a seq_cst fence per delivered
 * batch otherwise). Not for manual engines (-EINVAL): nothing delivers
 * while their only thread waits. Same threading as rx_burst: one thread
 * per queue. */

/* Wait up to timeout_ms (-1: forever) for frames on queue q's application
 * ring. Returns the number waiting (> 0) at once if there are any, else
 * after the worker delivered; 0 on timeout or a spurious wake-up (call
 * again); -EPIPE when the worker has exited (device gone, tr_engine_stop)
 * and the ring is empty; -EINVAL for a bad q or a manual engine; or a
 * negative errno from poll (-EINTR). */
TR_API int tr_engine_rx_wait(struct tr_engine *e, unsigned q, int timeout_ms);

/* The same in two steps, for an event loop that waits on many fds
 * (epoll). tr_engine_rx_fd: queue q's eventfd (owned by the engine,
 * non-blocking), or -EINVAL. tr_engine_rx_arm: asks for one notification;
 * returns 0 when armed and the ring is empty (now wait for POLLIN on the
 * fd, then read its 8-byte counter to clear it), or the number of frames
 * already waiting (> 0, not armed: take them first), or -EPIPE/-EINVAL as
 * rx_wait. A notification disarms the queue; arm again before each wait.
 * The fd may also turn readable spuriously (once when the worker exits). */
TR_API int tr_engine_rx_fd(const struct tr_engine *e, unsigned q);
TR_API int tr_engine_rx_arm(struct tr_engine *e, unsigned q);

/* Queue up to n frames (data/len set) for transmission on queue q. Returns
 * how many were accepted; ownership of those passes to the engine, the
 * caller keeps the rest. Works before start (sent once running). */
TR_API unsigned tr_engine_tx_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n);

/* Fresh buffers for the application side of queue q (data = base +
 * headroom, len = 0). Returns the count (< n when the pool is short). */
TR_API unsigned tr_engine_buf_alloc_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n);
TR_API struct tr_buf *tr_engine_buf_alloc(struct tr_engine *e, unsigned q);

/* Return a buffer from any thread (drops one reference). */
TR_API void tr_engine_buf_free(struct tr_engine *e, struct tr_buf *b);
/* Same for n buffers in one shared-ring operation (any thread). */
TR_API void tr_engine_buf_free_burst(struct tr_engine *e, struct tr_buf **bufs, unsigned n);

/* ---- statistics --------------------------------------------------------- */

/* Totals over all queues. Lock-free: each counter has one writer (its
 * worker); readers use relaxed loads, so a snapshot taken while running may
 * mix batches. */
TR_API void tr_engine_stats(const struct tr_engine *e, struct tr_engine_stats *st);
/* One queue's counters. -EINVAL if q is out of range. */
TR_API int tr_engine_queue_stats(const struct tr_engine *e, unsigned q, struct tr_engine_stats *st);

/* Per-port counters (totals over all queues). */
struct tr_engine_port_stats {
	uint64_t rx, rx_bytes;     /* frames received on this port */
	uint64_t tx, tx_bytes;     /* frames written to this port (all origins) */
};
/* 0, or -EINVAL if port >= tr_engine_nports(e). Same snapshot rules as
 * tr_engine_stats. */
TR_API int tr_engine_port_stats(const struct tr_engine *e, unsigned port, struct tr_engine_port_stats *st);

/* Number of registered drop reasons (ids 0..n-1). */
TR_API unsigned tr_engine_nreasons(const struct tr_engine *e);
/* Reason id's name and counts (queue q, or all queues when q == UINT32_MAX).
 * 0 or -EINVAL. */
TR_API int tr_engine_reason(const struct tr_engine *e, unsigned q, unsigned id, struct tr_engine_reason_stat *out);

/* ---- mirror hook (capture) --------------------------------------------- */

/*
 * An observer of every frame the workers receive and transmit, for
 * zero-copy capture (<tapring/capture.h> tr_mirror_create uses it).
 * Both callbacks run on the worker thread of the queue, once per batch.
 */
struct tr_engine_mirror {
	void *arg;
	/* After the stages ran on an rx burst: the frames AS RECEIVED (the
	 * original buffers, even if a stage replaced bufs[i] through
	 * tr_worker_unshare) and each frame's final action: TR_ACT_TX,
	 * TR_ACT_DELIVER, TR_ACT_STOLEN or TR_ACT_DROP(reason) (reason id for
	 * tr_engine_reason_name; app ring overflow shows as app_ring_full). A
	 * frame a stage stole and then sent or dropped from inside process()
	 * shows as TR_ACT_STOLEN. Each frame comes with one extra reference
	 * the callback now owns and must release (tr_slab_free_remote or
	 * tr_engine_buf_free), at once or later from any thread. The callback
	 * must not modify the frames. */
	void (*rx)(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, const uint32_t *acts, unsigned n);
	/* Just before frames are written (forwarded, stage-originated and
	 * application frames; EAGAIN resends are not reported again), one
	 * extra reference each, owned by the callback as above. */
	void (*tx)(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, unsigned n);
	/* Optional: called with each rx burst before the stages and before
	 * any reference is taken (every keep[i] is 1 on entry). Frames left
	 * at keep[i] == 0 get no extra reference and are not passed to rx():
	 * a cheap reject for a capture filter. Must not modify the frames. */
	void (*filter)(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, uint8_t *keep, unsigned n);
};

/* Install the mirror (copied; arg is not), before tr_engine_start. NULL
 * removes it. 0, -EBUSY after start, -EINVAL (e NULL or a callback
 * missing). Without a mirror the workers pay one predictable branch per
 * batch. */
TR_API int tr_engine_set_mirror(struct tr_engine *e, const struct tr_engine_mirror *m);

/* Name of drop reason id ("ip4.bad_csum"), NULL if out of range. */
TR_API const char *tr_engine_reason_name(const struct tr_engine *e, unsigned id);

/* ---- forwarding ---------------------------------------------------------- */

/*
 * Append the forwarding stage to a two-port engine (before start; usually
 * last): every frame still at TR_ACT_NEXT when it runs leaves by the other
 * port on the same queue, from the same buffer (TR_ACT_TX_PORT), counted as
 * tx_forwarded. Stages added before it see every frame first and may drop
 * or steal it. A frame the other port cannot take is dropped as
 * "port_down" (device gone) or "tx_full" (too many writes in flight);
 * neither ever waits. 0, -EINVAL (one-port engine), -EBUSY, -ENOSPC.
 */
TR_API int tr_engine_add_fwd_stage(struct tr_engine *e);

/* ---- worker services for stages (call only from that worker's thread) -- */

/* New frame from the worker's pool cache (data = base + headroom, len = 0),
 * NULL on exhaustion (counted as pool_empty). Send it with tr_worker_tx or
 * release it with tr_worker_drop. */
TR_API struct tr_buf *tr_worker_alloc(struct tr_worker *w);

/* New frame from the large class (data = base + headroom, len = 0, room:
 * tr_worker_buf_room), NULL when the engine has no large class or it is
 * exhausted (counted as large_empty in orig_drops). Every release and
 * transmit path (tr_worker_tx/drop, TR_ACT_*, tr_engine_buf_free*, the
 * mirror's references) accepts it and returns it to the large class. */
TR_API struct tr_buf *tr_worker_alloc_large(struct tr_worker *w);

/* Bytes available from b->data to the end of b's buffer, either class. */
TR_API uint32_t tr_worker_buf_room(const struct tr_worker *w, const struct tr_buf *b);

/* Queue a stage-originated or previously stolen frame for tx in this batch,
 * on the port in its flags (tr_buf_port). 0, or -ENOSPC when the worker's
 * tx batch is full, or (two-port engines) that port is down or has
 * 4 x batch writes in flight: the caller still owns the frame and may
 * retry from poll() or drop it. */
TR_API int tr_worker_tx(struct tr_worker *w, struct tr_buf *b);

/* Drop a stolen (or stage-allocated) frame with a counted reason. */
TR_API void tr_worker_drop(struct tr_worker *w, struct tr_buf *b, int reason_id);

/*
 * Copy-on-write for stages that modify a frame in place. If *slot is shared
 * (tr_buf_shared: a mirror or another holder also references it), copy its
 * bytes and metadata into a fresh buffer from the worker cache, drop this
 * worker's reference to the original (the other holder keeps it intact),
 * store the copy in *slot and return it. An unshared frame is returned as
 * is. NULL on pool exhaustion (counted as pool_empty in orig_drops; *slot is
 * unchanged and still owned by the caller). The engine accepts that a stage
 * replaced bufs[i] with the result: the copy is what gets transmitted,
 * delivered or stolen, and the frame still counts as one rx frame.
 */
TR_API struct tr_buf *tr_worker_unshare(struct tr_worker *w, struct tr_buf **slot);

/* For a stage that rebuilds a received frame in another buffer (the stack
 * reassembling a datagram into the large class), inside process(): nb
 * (from tr_worker_alloc or tr_worker_alloc_large) takes the place of the
 * received frame old. nb inherits old's accounting (it now is that rx
 * frame: the action the stage sets applies to it) and old is released
 * uncounted; the stage stores nb in bufs[i]. old must not be shared. */
TR_API void tr_worker_adopt(struct tr_worker *w, struct tr_buf *old, struct tr_buf *nb);

/* True if another holder also references b (refcnt > 1, e.g. the mirror):
 * its bytes are then read-only; copy first (tr_worker_unshare). */
static inline bool tr_buf_shared(const struct tr_buf *b)
{
	/* Acquire pairs with the acq_rel fetch_sub in the other holder's free
	 * (tr_slab_free_*): when this reads 1, that holder's last reads of
	 * the data (e.g. the capture writer's) happen-before the caller's
	 * writes to it. */
	return atomic_load_explicit(&b->refcnt, memory_order_acquire) > 1;
}

/* The port b was received on (0 for allocated frames) and the one it is
 * written to by TR_ACT_TX, tr_worker_tx or tr_engine_tx_burst. */
static inline unsigned tr_buf_port(const struct tr_buf *b)
{
	return (b->flags & TR_BUF_PORT_MASK) >> TR_BUF_PORT_SHIFT;
}
static inline void tr_buf_set_port(struct tr_buf *b, unsigned port)
{
	b->flags = (uint16_t)((b->flags & ~TR_BUF_PORT_MASK) | ((port << TR_BUF_PORT_SHIFT) & TR_BUF_PORT_MASK));
}

TR_API unsigned tr_worker_queue(const struct tr_worker *w);
TR_API uint64_t tr_worker_now_ns(const struct tr_worker *w);   /* CLOCK_MONOTONIC (manual engines: the
                                                                 * caller's clock), cached per batch */
TR_API struct tr_engine *tr_worker_engine(const struct tr_worker *w);

#ifdef __cplusplus
}
#endif

#endif /* TAPRING_ENGINE_H */
