/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/engine.c: the embedding API. Creates the pool, the per-queue rings
 * and caches, starts/stops the worker threads (worker.c), the application
 * hand-off and the lock-free statistics.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "worker_pvt.h"

static const char *const builtin_reasons[TR_ENGINE_DROP_BUILTIN_COUNT] = {
	[TR_ENGINE_DROP_APP_RING_FULL] = "app_ring_full",
	[TR_ENGINE_DROP_POOL_EMPTY] = "pool_empty",
	[TR_ENGINE_DROP_TX_ERROR] = "tx_error",
	[TR_ENGINE_DROP_SHORT_WRITE] = "short_write",
	[TR_ENGINE_DROP_SHUTDOWN] = "shutdown",
	[TR_ENGINE_DROP_BAD_ACTION] = "bad_action",
	[TR_ENGINE_DROP_RX_ERROR] = "rx_error",
	[TR_ENGINE_DROP_LARGE_EMPTY] = "large_empty",
	[TR_ENGINE_DROP_RX_TOO_BIG] = "rx_too_big",
	[TR_ENGINE_DROP_RX_BAD_VNET] = "rx_bad_vnet",
	[TR_ENGINE_DROP_PORT_DOWN] = "port_down",
	[TR_ENGINE_DROP_TX_FULL] = "tx_full",
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void worker_free(struct tr_worker *w)
{
	if (!w)
		return;
	free(w->rxb);
	free(w->dl);
	free(w->tmp);
	free(w->acts);
	free(w->retry);
	free(w->m_orig);
	free(w->m_acts);
	free(w->m_keep);
	free(w->m_idx);
	free(w->m_dlidx);
	free(w->m_tx);
	if (w->rx_efd >= 0)
		close(w->rx_efd);
	free(w);
}

/* Give the buffers in a worker's return ring back to the pool. Only when
 * that worker is not running (joined, or never started): the control thread
 * is then the ring's single consumer. */
static void drain_ret(struct tr_engine *e, struct tr_worker *w)
{
	void *tmp[64];
	unsigned n;
	if (!w->ret)
		return;
	while ((n = tr_ring_dequeue_burst_spsc(w->ret, tmp, 64)) > 0)
		tr_slab_free_burst_remote(e->slab, (struct tr_buf **)tmp, n);
	/* MPMC dequeue: an application thread may still allocate. */
	while (w->done && (n = tr_ring_dequeue_burst_mpmc(w->done, tmp, 64)) > 0)
		tr_slab_free_burst_remote(e->slab, (struct tr_buf **)tmp, n);
}

/* Return every frame left on the application rings (control thread, after
 * the workers and the application stopped using them). */
static void drain_app_rings(struct tr_engine *e)
{
	void *tmp[64];
	unsigned n;
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		struct tr_worker *w = e->w[q];
		if (!w)
			continue;
		/* Dequeue as the single consumer of to_app (the app is done) and
		 * of from_app (the worker has been joined). */
		if (w->to_app)
			while ((n = tr_ring_dequeue_burst_spsc(w->to_app, tmp, 64)) > 0)
				tr_slab_free_burst_remote(e->slab, (struct tr_buf **)tmp, n);
		if (w->from_app)
			while ((n = tr_ring_dequeue_burst_spsc(w->from_app, tmp, 64)) > 0)
				tr_slab_free_burst_remote(e->slab, (struct tr_buf **)tmp, n);
		drain_ret(e, w);
	}
}

static void engine_free(struct tr_engine *e)
{
	if (e->w) {
		drain_app_rings(e);
		for (unsigned q = 0; q < e->cfg.nqueues; q++) {
			struct tr_worker *w = e->w[q];
			if (!w)
				continue;
			if (w->cache)
				tr_slab_cache_destroy(w->cache);
			tr_ring_destroy(w->to_app);
			tr_ring_destroy(w->from_app);
			tr_ring_destroy(w->ret);
			tr_ring_destroy(w->done);
			worker_free(w);
		}
	}
	if (e->app_cache)
		for (unsigned q = 0; q < e->cfg.nqueues; q++)
			if (e->app_cache[q])
				tr_slab_cache_destroy(e->app_cache[q]);
	if (e->slab)
		tr_slab_destroy(e->slab);
	free(e->vmeta);
	free(e->tx_first_fail);
	free(e->app_cache);
	free(e->w);
	free(e->fds);
	free(e->fds2);
	free(e);
}

static int fill_defaults(struct tr_engine_config *c)
{
	if (!c->fds || c->nqueues == 0 || c->nqueues > TR_ENGINE_MAX_QUEUES)
		return -EINVAL;
	if (c->device != TR_ENGINE_DEV_TAP && c->device != TR_ENGINE_DEV_TUN)
		return -EINVAL;
	if (!c->nbufs)
		c->nbufs = 8192;
	if (!c->buf_size)
		c->buf_size = 2048;
	if (!c->headroom)
		c->headroom = 128;
	/* 256 when the pool is large enough to hold it (the worker's cache
	 * keeps 2 x batch, the app cache batch, rx 512 per queue): under load
	 * the worker then sleeps and wakes a quarter as often as with 64 (the
	 * echo flood on one core: +6% replies/s, median of 5 alternated runs;
	 * docs/perf/stack.md). Light traffic makes small batches anyway, so
	 * latency does not change. Small pools keep 64. */
	if (!c->batch)
		c->batch = c->nbufs / c->nqueues >= 4096 ? 256 : 64;
	if (!c->app_ring_size)
		c->app_ring_size = 1024;
	if (!c->idle_us)
		c->idle_us = 1000;
	/* io_uring buffer ids are 16 bits: the pool may not exceed 65536. */
	if (!tr__is_pow2(c->nbufs) || c->nbufs > 65536 || !tr__is_pow2(c->app_ring_size) ||
	    c->batch > 1024 || c->headroom >= c->buf_size || c->buf_size - c->headroom < 64 ||
	    (c->rx_bufs && !tr__is_pow2(c->rx_bufs)))
		return -EINVAL;
	if (c->offloads && !c->large_nbufs)
		c->large_nbufs = 256;
	/* The vnet path parses Ethernet frames: offloads are for TAPs. */
	if (c->offloads && (c->headroom < TR_VNET_HDR_LEN || (c->offload_flags & ~TR_OFFLOAD_ALL) ||
			    c->device != TR_ENGINE_DEV_TAP))
		return -EINVAL;
	if (c->large_nbufs && !c->large_buf_size)
		c->large_buf_size = (c->headroom + TR_SLAB_LARGE_ROOM + 63) & ~63u;
	if (c->large_nbufs && (!tr__is_pow2(c->large_nbufs) || c->large_nbufs > 65536 ||
			       c->large_buf_size <= c->buf_size || (c->large_buf_size & 63)))
		return -EINVAL;
	for (unsigned q = 0; q < c->nqueues; q++)
		if (c->fds[q] < 0 || (c->fds2 && c->fds2[q] < 0))
			return -EBADF;
	for (unsigned q = 0; c->cpus && q < c->nqueues; q++)
		if (c->cpus[q] < -1 || c->cpus[q] >= CPU_SETSIZE)
			return -EINVAL;
	if (c->force_fallback)
		c->rx_mode = TR_ENGINE_RX_READ;
	if (c->manual && c->sqpoll)
		return -EINVAL;   /* the caller's steps are the only submitter */
	return 0;
}

struct tr_engine *tr_engine_create(const struct tr_engine_config *cfg, int *err)
{
	struct tr_engine *e;
	int r, dummy;
	if (!err)
		err = &dummy;   /* optional, as for tr_slab_create and tr_ring_create */
	if (!cfg) {
		*err = -EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->cfg = *cfg;
	r = fill_defaults(&e->cfg);
	if (r < 0)
		goto fail;
	const unsigned nq = e->cfg.nqueues;
	e->fds = malloc(nq * sizeof(int));
	if (!e->fds) {
		r = -ENOMEM;
		goto fail;
	}
	memcpy(e->fds, cfg->fds, nq * sizeof(int));
	e->cfg.fds = e->fds;
	e->nports = 1;
	if (cfg->fds2) {
		e->fds2 = malloc(nq * sizeof(int));
		if (!e->fds2) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(e->fds2, cfg->fds2, nq * sizeof(int));
		e->cfg.fds2 = e->fds2;
		e->nports = 2;
	}

	/* RX path. */
	bool ms = tr_uring_probe_multishot();
	switch (e->cfg.rx_mode) {
	case TR_ENGINE_RX_MULTISHOT:
		if (!ms) {
			r = -ENOTSUP;
			goto fail;
		}
		e->rx_mode = TR_ENGINE_RX_MULTISHOT;
		break;
	case TR_ENGINE_RX_READ:
		e->rx_mode = TR_ENGINE_RX_READ;
		break;
	default:
		/* Two ports: plain reads. Two multishot reads in one ring
		 * stalled for seconds with frames waiting (test_io_fwd over
		 * socketpairs, kernel 6.18), even with one buffer group each. */
		e->rx_mode = ms && !e->fds2 ? TR_ENGINE_RX_MULTISHOT : TR_ENGINE_RX_READ;
		break;
	}
	/* Buffers posted for rx per queue: at most half the pool split over
	 * the queues (the rest serves frames in flight, the app rings and
	 * stage allocations). The provided-buffer ring is consumed in order,
	 * so its depth is the rx working set: 512 x 2 KB stays in L2/L3, while
	 * 4096 measured slower per frame at 1514 B (cold buffers); it is still
	 * deep enough that the multishot read rarely runs dry (-ENOBUFS, then
	 * re-armed). Plain reads want fewer: each is a separate request. */
	unsigned share = tr__pow2_floor(e->cfg.nbufs / (2 * nq * e->nports));
	if (e->cfg.rx_bufs)
		e->rx_depth = e->cfg.rx_bufs;
	else if (e->rx_mode == TR_ENGINE_RX_MULTISHOT)
		e->rx_depth = 512;
	else   /* every posted read is its own poll entry, woken by each frame */
		e->rx_depth = tr__pow2_floor(2 * (e->cfg.batch < 64 ? e->cfg.batch : 64));
	if (e->rx_depth > share)
		e->rx_depth = share;
	if (e->cfg.offloads) {   /* rx uses the large class */
		unsigned lshare = tr__pow2_floor(e->cfg.large_nbufs / (2 * nq));
		if (e->rx_depth > lshare)
			e->rx_depth = lshare;
	}
	if (e->rx_depth > 32768 || e->rx_depth < 1) {
		r = -EINVAL;
		goto fail;
	}

	struct tr_slab_config sc = {
		.nbufs = e->cfg.nbufs,
		.buf_size = e->cfg.buf_size,
		.headroom = e->cfg.headroom,
		.hugepages = e->cfg.hugepages,
		.max_caches = 2 * nq,
		.large_nbufs = e->cfg.large_nbufs,
		.large_buf_size = e->cfg.large_buf_size,
	};
	e->slab = tr_slab_create(&sc, &r);
	if (!e->slab)
		goto fail;

	/* Keep the pool out of fork() children (MADV_DONTFORK). Otherwise any
	 * fork of the embedding process (system(), popen(), a helper) turns
	 * every pool page copy-on-write, and the kernel's next copy into each
	 * rx buffer takes a write-protect fault inside the read: measured in
	 * the RX bench as most of the worker's time after one fork. Then fault
	 * every page in (a no-op if the pool was populated at mmap); writing
	 * each byte back keeps any debug poison intact. */
	{
		volatile uint8_t *base = tr_slab_base(e->slab);
		size_t size = tr_slab_region_size(e->slab);
		(void)madvise((void *)base, size, MADV_DONTFORK);   /* best effort */
		for (size_t off = 0; off < size; off += 4096)
			base[off] = base[off];
		if (tr_slab_large_base(e->slab))   /* already populated at mmap */
			(void)madvise(tr_slab_large_base(e->slab), tr_slab_large_region_size(e->slab),
				      MADV_DONTFORK);
	}

	if (e->cfg.offloads) {
		r = tr__engine_offload_setup(e);
		if (r < 0)
			goto fail;
		e->vmeta = calloc((size_t)e->cfg.nbufs + e->cfg.large_nbufs, sizeof(*e->vmeta));
		if (!e->vmeta) {
			r = -ENOMEM;
			goto fail;
		}
	}

	e->tx_first_fail = calloc((size_t)e->cfg.nbufs + e->cfg.large_nbufs, sizeof(*e->tx_first_fail));
	if (!e->tx_first_fail) {
		r = -ENOMEM;
		goto fail;
	}

	for (unsigned i = 0; i < TR_ENGINE_DROP_BUILTIN_COUNT; i++)
		tr_engine_counter(e, builtin_reasons[i]);

	e->w = calloc(nq, sizeof(*e->w));
	e->app_cache = calloc(nq, sizeof(*e->app_cache));
	if (!e->w || !e->app_cache) {
		r = -ENOMEM;
		goto fail;
	}
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	const unsigned b = e->cfg.batch;
	for (unsigned q = 0; q < nq; q++) {
		struct tr_worker *w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
		if (!w) {
			r = -ENOMEM;
			goto fail;
		}
		memset(w, 0, sizeof(*w));
		w->rx_efd = -1;
		e->w[q] = w;
		w->e = e;
		w->q = q;
		if (!e->cfg.manual) {
			w->rx_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (w->rx_efd < 0) {
				r = -errno;
				goto fail;
			}
		}
		w->fd = e->fds[q];
		w->fds[0] = e->fds[q];
		if (e->fds2)
			w->fds[1] = e->fds2[q];
		w->nports = e->nports;
		/* One port: writes wait in io_uring for room as before. Two:
		 * a stuck reader on one side must not pin the pool and stall
		 * the other direction, so its writes are capped. */
		w->tx_cap = e->nports > 1 ? 4 * b : UINT32_MAX;
		w->slab = e->slab;
		w->meta = tr_slab_buf(e->slab, 0);
		w->batch = b;
		w->vnet = e->cfg.offloads;
		w->vmeta = e->vmeta;
		w->tx_first_fail = e->tx_first_fail;
		for (unsigned p = 0; p < e->nports; p++)
			w->tx_caps[p] = e->offloads_port[p];
		if (cfg->cpus)
			w->cpu = cfg->cpus[q];
		else
			w->cpu = e->cfg.cpu_base < 0 ? -1 : (int)(((unsigned)e->cfg.cpu_base + q) % (unsigned)ncpu);
		w->retry_cap = 4 * b;
		if (q + 1 == nq)
			e->cfg.cpus = NULL;   /* the caller's array: not kept */
		w->rxb = calloc(b, sizeof(*w->rxb));
		w->dl = calloc(b, sizeof(*w->dl));
		w->tmp = calloc(b, sizeof(*w->tmp));
		w->acts = calloc(b, sizeof(*w->acts));
		w->retry = calloc(w->retry_cap, sizeof(*w->retry));
		if (!w->rxb || !w->dl || !w->tmp || !w->acts || !w->retry) {
			r = -ENOMEM;
			goto fail;
		}
		w->to_app = tr_ring_create(e->cfg.app_ring_size, &r);
		if (!w->to_app)
			goto fail;
		w->from_app = tr_ring_create(e->cfg.app_ring_size, &r);
		if (!w->from_app)
			goto fail;
		w->ret = tr_ring_create(e->cfg.app_ring_size, &r);
		if (!w->ret)
			goto fail;
		w->done = tr_ring_create(e->cfg.app_ring_size, &r);
		if (!w->done)
			goto fail;
		w->cache = tr_slab_cache_create(e->slab, 2 * b, &r);
		if (!w->cache)
			goto fail;
		e->app_cache[q] = tr_slab_cache_create(e->slab, b, &r);
		if (!e->app_cache[q])
			goto fail;
	}
	*err = 0;
	return e;
fail:
	engine_free(e);
	*err = r;
	return NULL;
}

int tr_engine_add_stage(struct tr_engine *e, const struct tr_stage *st)
{
	if (!e || !st || !st->process)
		return -EINVAL;
	if (e->started)
		return -EBUSY;
	if (e->nstages == TR_ENGINE_MAX_STAGES)
		return -ENOSPC;
	e->stages[e->nstages++] = *st;
	return 0;
}

int tr_engine_counter(struct tr_engine *e, const char *name)
{
	if (!e || !name || !name[0] || strlen(name) >= sizeof(e->reason_names[0]))
		return -EINVAL;
	for (unsigned i = 0; i < e->nreasons; i++)
		if (strcmp(e->reason_names[i], name) == 0)
			return (int)i;
	if (e->started)
		return -EBUSY;
	if (e->nreasons == TR_ENGINE_MAX_REASONS)
		return -ENOSPC;
	strcpy(e->reason_names[e->nreasons], name);
	return (int)e->nreasons++;
}

/* Manual engines: tear down queues [0, n) that were set up, on the
 * caller's thread (the rings' single issuer). */
static void manual_teardown(struct tr_engine *e, unsigned n)
{
	for (unsigned q = 0; q < n; q++) {
		struct tr_worker *w = e->w[q];
		/* Relaxed: this thread is the worker; nobody else writes state. */
		if (atomic_load_explicit(&w->state, memory_order_relaxed) != TR__W_RUNNING)
			continue;
		tr__worker_teardown(w);
		drain_ret(e, w);
		/* Release pairs with the acquire in tr_engine_running / wait. */
		atomic_store_explicit(&w->state, TR__W_EXITED, memory_order_release);
	}
}

/* cfg.manual: every queue set up on this thread, no worker thread. */
static int manual_start(struct tr_engine *e)
{
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		struct tr_worker *w = e->w[q];
		int r = tr__worker_setup(w);
		if (r < 0) {
			/* Relaxed: published by the release store just below. */
			atomic_store_explicit(&w->error, r, memory_order_relaxed);
			/* Release pairs with the acquire in tr_engine_wait. */
			atomic_store_explicit(&w->state, TR__W_FAILED, memory_order_release);
			manual_teardown(e, q);
			e->stopped = true;
			return r;
		}
		/* Release pairs with the acquire in tr_engine_running. */
		atomic_store_explicit(&w->state, TR__W_RUNNING, memory_order_release);
	}
	return 0;
}

int tr_engine_step(struct tr_engine *e, unsigned q, uint64_t now_ns)
{
	if (!e || !e->cfg.manual || q >= e->cfg.nqueues || !e->started || e->stopped)
		return -EINVAL;
	return tr__worker_step(e->w[q], now_ns);
}

static void stop_and_join(struct tr_engine *e)
{
	if (e->cfg.manual) {
		manual_teardown(e, e->cfg.nqueues);
		return;
	}
	for (unsigned q = 0; q < e->cfg.nqueues; q++)
		/* Release pairs with the acquire at the top of worker_loop. */
		atomic_store_explicit(&e->w[q]->stop, true, memory_order_release);
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		if (e->w[q]->thread_ok) {
			pthread_join(e->w[q]->thread, NULL);
			e->w[q]->thread_ok = false;
		}
		/* Frees that raced with the worker's exit. */
		drain_ret(e, e->w[q]);
	}
}

int tr_engine_start(struct tr_engine *e)
{
	if (!e)
		return -EINVAL;
	if (e->started)
		return -EBUSY;
	e->started = true;
	if (e->cfg.manual)
		return manual_start(e);
	int r = 0;
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		struct tr_worker *w = e->w[q];
		int pr = pthread_create(&w->thread, NULL, tr__worker_main, w);
		if (pr != 0) {
			r = -pr;
			break;
		}
		w->thread_ok = true;
	}
	/* Wait (bounded, 10 s) until every worker is running or failed. */
	for (unsigned q = 0; r == 0 && q < e->cfg.nqueues; q++) {
		for (unsigned t = 0; t < 10000; t++) {
			/* Acquire pairs with the worker's release of its state. */
			int st = atomic_load_explicit(&e->w[q]->state, memory_order_acquire);
			if (st == TR__W_FAILED) {
				/* Relaxed: ordered by the acquire of the state above. */
				r = atomic_load_explicit(&e->w[q]->error, memory_order_relaxed);
				break;
			}
			if (st != TR__W_INIT)
				break;
			sleep_ms(1);
		}
		/* Acquire: as in the loop (the worker's release of its state). */
		if (r == 0 && atomic_load_explicit(&e->w[q]->state, memory_order_acquire) == TR__W_INIT)
			r = -ETIMEDOUT;
	}
	if (r < 0) {
		stop_and_join(e);
		e->stopped = true;
	}
	return r;
}

int tr_engine_stop(struct tr_engine *e)
{
	if (!e)
		return -EINVAL;
	if (e->started && !e->stopped) {
		stop_and_join(e);
		e->stopped = true;
	}
	return tr_engine_error(e, NULL);
}

void tr_engine_destroy(struct tr_engine *e)
{
	if (!e)
		return;
	tr_engine_stop(e);
	engine_free(e);
}

/* Queue q's worker has left its loop (or never started it): nothing will be
 * delivered or sent on that queue any more. Acquire pairs with the worker's
 * final release of its state: everything it wrote before (the error, the
 * counters, the last delivered frames) is visible. */
static bool worker_gone(const struct tr_worker *w)
{
	int st = atomic_load_explicit(&w->state, memory_order_acquire);
	return st == TR__W_EXITED || st == TR__W_FAILED;
}

int tr_engine_wait(struct tr_engine *e, int timeout_ms)
{
	if (!e)
		return -EINVAL;
	for (long t = 0; timeout_ms < 0 || t <= timeout_ms; t++) {
		unsigned done = 0;
		for (unsigned q = 0; q < e->cfg.nqueues; q++)
			if (worker_gone(e->w[q]) || !e->started)
				done++;
		if (done == e->cfg.nqueues)
			return 0;
		if (timeout_ms >= 0 && t == timeout_ms)
			break;
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

int tr_engine_error(const struct tr_engine *e, unsigned *queue)
{
	struct tr_engine *me = (struct tr_engine *)e;
	/* Acquire pairs with the release CAS in tr__engine_report_error: the
	 * error and its queue arrive together in one word. */
	uint64_t word = atomic_load_explicit(&me->first_error, memory_order_acquire);
	int err = (int)(uint32_t)word;
	if (queue)
		*queue = (unsigned)(word >> 32);
	return err;
}

bool tr_engine_running(const struct tr_engine *e, unsigned q)
{
	if (!e || q >= e->cfg.nqueues)
		return false;
	/* Acquire pairs with the worker's release stores of its state. */
	return atomic_load_explicit(&((struct tr_worker *)e->w[q])->state, memory_order_acquire) ==
	       TR__W_RUNNING;
}

unsigned tr_engine_nqueues(const struct tr_engine *e)
{
	return e->cfg.nqueues;
}

unsigned tr_engine_nports(const struct tr_engine *e)
{
	return e->nports;
}

struct tr_slab *tr_engine_slab(struct tr_engine *e)
{
	return e->slab;
}

enum tr_engine_device tr_engine_device(const struct tr_engine *e)
{
	return e->cfg.device;
}

enum tr_engine_rx_mode tr_engine_rx_mode(const struct tr_engine *e, unsigned q)
{
	(void)q;   /* one mode for all queues today */
	return e->rx_mode;
}

/* ---- application hand-off ---------------------------------------------- */

unsigned tr_engine_rx_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n)
{
	if (q >= e->cfg.nqueues)
		return 0;
	/* The ring's acquire of the producer tail pairs with the worker's
	 * release in deliver(): the frame bytes are visible. */
	return tr_ring_dequeue_burst_spsc(e->w[q]->to_app, (void **)bufs, n);
}

/* ---- receive notification (DPDK's rx interrupt mode, for an idle queue) --
 *
 * A Dekker handshake between the application (rx_arm: store rx_armed, fence,
 * read the ring's count) and the worker (deliver(): publish the frames,
 * fence, read rx_armed). With both fences seq_cst, one of the two must see
 * the other's store: either rx_arm counts the new frames (and the caller
 * does not sleep) or the worker sees the queue armed and writes rx_efd. */

int tr_engine_rx_fd(const struct tr_engine *e, unsigned q)
{
	if (!e || q >= e->cfg.nqueues || e->cfg.manual)
		return -EINVAL;
	return e->w[q]->rx_efd;
}

int tr_engine_rx_arm(struct tr_engine *e, unsigned q)
{
	if (!e || q >= e->cfg.nqueues || e->cfg.manual)
		return -EINVAL;
	struct tr_worker *w = e->w[q];
	/* Relaxed: ordered before the count below by the fence; the worker's
	 * exchange in rx_notify() reads it. */
	atomic_store_explicit(&w->rx_armed, true, memory_order_relaxed);
	/* Pairs with the seq_cst fence in deliver(), after its enqueue. */
	atomic_thread_fence(memory_order_seq_cst);
	unsigned c = tr_ring_count(w->to_app);
	if (c == 0 && !worker_gone(w))
		return 0;
	/* Frames are waiting (or never will be): no notification wanted.
	 * Relaxed: a notification that raced with this store only leaves
	 * rx_efd readable, which the next wait reads as a spurious wake-up. */
	atomic_store_explicit(&w->rx_armed, false, memory_order_relaxed);
	return c ? (int)c : -EPIPE;
}

int tr_engine_rx_wait(struct tr_engine *e, unsigned q, int timeout_ms)
{
	int r = tr_engine_rx_arm(e, q);
	if (r != 0)
		return r;
	struct tr_worker *w = e->w[q];
	struct pollfd p = { .fd = w->rx_efd, .events = POLLIN };
	int pr = poll(&p, 1, timeout_ms);
	int perr = pr < 0 ? -errno : 0;
	if (pr > 0) {
		uint64_t v;
		if (read(w->rx_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			perr = -errno;
	}
	/* Relaxed: see tr_engine_rx_arm. */
	atomic_store_explicit(&w->rx_armed, false, memory_order_relaxed);
	unsigned c = tr_ring_count(w->to_app);
	if (c)
		return (int)c;
	if (perr)
		return perr;
	return worker_gone(w) ? -EPIPE : 0;
}

unsigned tr_engine_tx_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n)
{
	if (q >= e->cfg.nqueues)
		return 0;
	struct tr_worker *w = e->w[q];
	if (worker_gone(w))   /* nobody would send these: the caller keeps them */
		return 0;
	/* Release inside the ring pairs with the worker's acquire in app_tx(). */
	return tr_ring_enqueue_burst_spsc(w->from_app, (void *const *)bufs, n);
}

unsigned tr_engine_buf_alloc_burst(struct tr_engine *e, unsigned q, struct tr_buf **bufs, unsigned n)
{
	if (q >= e->cfg.nqueues)
		return 0;
	struct tr_worker *w = e->w[q];
	/* Frames of ours the worker has sent come first (still cached). The
	 * acquire inside the ring pairs with the worker's release in done_flush;
	 * MPMC dequeue because the worker's shutdown and tr_engine_stop also
	 * drain this ring. */
	unsigned k = tr_ring_dequeue_burst_mpmc(w->done, (void **)bufs, n);
	const uint32_t headroom = tr_slab_headroom(e->slab);
	for (unsigned i = 0; i < k; i++) {
		bufs[i]->data = tr_slab_buf_addr(e->slab, bufs[i]->id) + headroom;
		bufs[i]->len = 0;
	}
	if (k < n)
		k += tr_slab_alloc_burst(e->app_cache[q], bufs + k, n - k);
	for (unsigned i = 0; i < k; i++) {
		bufs[i]->queue = (uint16_t)q;
		bufs[i]->flags = 0;
		bufs[i]->verdict = 0;
	}
	return k;
}

struct tr_buf *tr_engine_buf_alloc(struct tr_engine *e, unsigned q)
{
	struct tr_buf *b = NULL;
	return tr_engine_buf_alloc_burst(e, q, &b, 1) ? b : NULL;
}

void tr_engine_buf_free(struct tr_engine *e, struct tr_buf *b)
{
	unsigned q = b->queue;
	/* A large buffer goes straight home (the return rings refill the
	 * small-class rx path, which offloads do not use). */
	if (__builtin_expect(b->id >= e->cfg.nbufs || e->cfg.offloads, 0))
		q = UINT32_MAX;
	/* Relaxed refcount read: if it is 1, the caller holds the only
	 * reference, so nobody can change it concurrently (taking a new one
	 * needs a reference). Such a buffer goes, still at refcnt 1, to the
	 * return ring of the worker that received or allocated it, which
	 * reuses it for rx while it is hot in the cache. */
	if (q < e->cfg.nqueues && tr_buf_refcnt(b) == 1) {
		struct tr_worker *w = e->w[q];
		/* Acquire pairs with the worker's release of its state: a
		 * worker that has exited no longer drains the ring. */
		if (atomic_load_explicit(&w->state, memory_order_acquire) == TR__W_RUNNING &&
		    /* Release inside the ring pairs with the worker's acquire
		     * in refill_rx. */
		    tr_ring_enqueue_burst_mpmc(w->ret, (void *const *)&b, 1) == 1)
			return;
	}
	tr_slab_free_remote(e->slab, b);
}

void tr_engine_buf_free_burst(struct tr_engine *e, struct tr_buf **bufs, unsigned n)
{
	unsigned i = 0;
	while (i < n) {
		unsigned q = bufs[i]->queue;
		if (q >= e->cfg.nqueues || tr_buf_refcnt(bufs[i]) != 1 || bufs[i]->id >= e->cfg.nbufs ||
		    e->cfg.offloads) {
			tr_slab_free_remote(e->slab, bufs[i++]);
			continue;
		}
		/* A run of sole-owner buffers of one queue goes to that
		 * worker's return ring in one ring operation (same rules and
		 * pairing as tr_engine_buf_free). */
		unsigned j = i + 1, k = 0;
		while (j < n && bufs[j]->queue == q && tr_buf_refcnt(bufs[j]) == 1 &&
		       bufs[j]->id < e->cfg.nbufs)
			j++;
		/* Acquire pairs with the worker's release of its state, as in
		 * tr_engine_buf_free. */
		if (atomic_load_explicit(&e->w[q]->state, memory_order_acquire) == TR__W_RUNNING)
			k = tr_ring_enqueue_burst_mpmc(e->w[q]->ret, (void *const *)(bufs + i), j - i);
		if (k < j - i)
			tr_slab_free_burst_remote(e->slab, bufs + i + k, j - i - k);
		i = j;
	}
}

/* ---- statistics --------------------------------------------------------- */

static void add_worker(const struct tr_worker *w, struct tr_engine_stats *st)
{
	const struct tr__wcnt *c = &w->cnt;
	st->rx += tr__cnt_get(&c->rx);
	st->rx_bytes += tr__cnt_get(&c->rx_bytes);
	st->tx += tr__cnt_get(&c->tx);
	st->tx_bytes += tr__cnt_get(&c->tx_bytes);
	st->tx_forwarded += tr__cnt_get(&c->tx_forwarded);
	st->tx_originated += tr__cnt_get(&c->tx_originated);
	st->tx_app += tr__cnt_get(&c->tx_app);
	st->delivered += tr__cnt_get(&c->delivered);
	st->held += tr__cnt_get(&c->held);
	st->dropped += tr__cnt_get(&c->dropped);
	st->orig_dropped += tr__cnt_get(&c->orig_dropped);
	st->batches += tr__cnt_get(&c->batches);
	st->enters += tr__cnt_get(&c->enters);
	st->rx_rearm += tr__cnt_get(&c->rx_rearm);
	st->tx_eagain += tr__cnt_get(&c->tx_eagain);
	/* Without offloads every frame is one wire frame (no counting on the
	 * hot path). */
	st->rx_segments += w->vnet ? tr__cnt_get(&c->rx_segs) : tr__cnt_get(&c->rx);
	st->tx_segments += w->vnet ? tr__cnt_get(&c->tx_segs) : tr__cnt_get(&c->tx);
	st->rx_csum_valid += tr__cnt_get(&c->rx_csum_valid);
	st->tx_sw_csum += tr__cnt_get(&c->tx_sw_csum);
	st->tx_sw_gso += tr__cnt_get(&c->tx_sw_gso);
}

void tr_engine_stats(const struct tr_engine *e, struct tr_engine_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned q = 0; q < e->cfg.nqueues; q++)
		add_worker(e->w[q], st);
}

int tr_engine_queue_stats(const struct tr_engine *e, unsigned q, struct tr_engine_stats *st)
{
	if (q >= e->cfg.nqueues)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	add_worker(e->w[q], st);
	return 0;
}

int tr_engine_port_stats(const struct tr_engine *e, unsigned port, struct tr_engine_port_stats *st)
{
	if (!e || !st || port >= e->nports)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		const struct tr__wcnt *c = &e->w[q]->cnt;
		st->rx += tr__cnt_get(&c->port_rx[port]);
		st->rx_bytes += tr__cnt_get(&c->port_rx_bytes[port]);
		st->tx += tr__cnt_get(&c->port_tx[port]);
		st->tx_bytes += tr__cnt_get(&c->port_tx_bytes[port]);
	}
	return 0;
}

unsigned tr_engine_nreasons(const struct tr_engine *e)
{
	return e->nreasons;
}

int tr_engine_reason(const struct tr_engine *e, unsigned q, unsigned id, struct tr_engine_reason_stat *out)
{
	if (id >= e->nreasons || (q != UINT32_MAX && q >= e->cfg.nqueues))
		return -EINVAL;
	out->name = e->reason_names[id];
	out->count = 0;
	out->orig_count = 0;
	for (unsigned i = 0; i < e->cfg.nqueues; i++) {
		if (q != UINT32_MAX && i != q)
			continue;
		out->count += tr__cnt_get(&e->w[i]->cnt.drops[id]);
		out->orig_count += tr__cnt_get(&e->w[i]->cnt.orig_drops[id]);
	}
	return 0;
}

/* ---- mirror hook -------------------------------------------------------- */

int tr_engine_set_mirror(struct tr_engine *e, const struct tr_engine_mirror *m)
{
	if (!e || (m && (!m->rx || !m->tx)))
		return -EINVAL;
	if (e->started)
		return -EBUSY;
	if (!m) {
		for (unsigned q = 0; q < e->cfg.nqueues; q++)
			e->w[q]->m_on = false;
		e->has_mirror = false;
		return 0;
	}
	/* Per-worker batch arrays, sized once here so the hot path never
	 * allocates. Batch indices fit in uint16_t (batch <= 1024). */
	for (unsigned q = 0; q < e->cfg.nqueues; q++) {
		struct tr_worker *w = e->w[q];
		unsigned b = w->batch;
		if (!w->m_orig) {
			w->m_orig = calloc(b, sizeof(*w->m_orig));
			w->m_acts = calloc(b + 1, sizeof(*w->m_acts));
			w->m_keep = calloc(b, sizeof(*w->m_keep));
			w->m_idx = calloc(b, sizeof(*w->m_idx));
			w->m_dlidx = calloc(b, sizeof(*w->m_dlidx));
			w->m_tx = calloc(TR__MIRROR_TX_CAP(b), sizeof(*w->m_tx));
		}
		if (!w->m_orig || !w->m_acts || !w->m_keep || !w->m_idx || !w->m_dlidx || !w->m_tx)
			return -ENOMEM;   /* worker_free releases what was allocated */
		w->m_ntx = 0;
	}
	for (unsigned q = 0; q < e->cfg.nqueues; q++)
		e->w[q]->m_on = true;
	e->mirror = *m;
	e->has_mirror = true;
	return 0;
}

const char *tr_engine_reason_name(const struct tr_engine *e, unsigned id)
{
	if (!e || id >= e->nreasons)
		return NULL;
	return e->reason_names[id];
}
