/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/capture/mirror.c: zero-copy capture of the engine's own frames.
 *
 * Hot path (worker thread, per batch, inside the engine's mirror hook):
 * rx frames the filter rejects are dropped before the engine references
 * them (the hook's filter callback); tx frames are filtered in the tx hook.
 * Then push one 3-slot record per frame on the queue's SPSC
 * ring: {struct tr_buf * (one reference, owned by the record), meta
 * (direction | final action << 8), timestamp}. Records always go in and
 * come out whole: the worker enqueues 3*k slots in one bulk operation after
 * checking the free space (it is the only producer, so the space can only
 * grow meanwhile), and the writer dequeues multiples of 3 from a count that
 * is always a multiple of 3. A record that does not fit releases its
 * reference at once and counts as dropped. No lock, allocation or syscall.
 *
 * Writer thread: drains the rings in queue order, writes the frames with
 * tr_pcap_writer (snaplen applied there), releases the references in bursts
 * (tr_slab_free_burst_remote) and sleeps 1 ms when every ring is empty.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tapring/capture.h>
#include <tapring/engine.h>
#include <tapring/filter.h>
#include <tapring/ring.h>
#include <tapring/slab.h>

#include "stage_pvt.h"

#define MIRROR_DEFAULT_RING 4096u
#define MIRROR_SLOTS 3u              /* ring slots per record */
#define MIRROR_WBATCH 64u            /* records per writer dequeue */
#define MIRROR_MAX_BATCH 1024u       /* tr_engine_config.batch limit */

/* Per-queue counters. dropped/filtered: single writer (that queue's
 * worker); written/write_errors: single writer (the writer thread). Each
 * is updated with a relaxed load + relaxed store and read with relaxed
 * loads by tr_mirror_stats: statistics only, nothing is published through
 * them. */
struct mirror_q {
	struct tr_ring *ring;
	_Alignas(64) _Atomic uint64_t dropped, filtered;
	_Alignas(64) _Atomic uint64_t written, write_errors;
	/* worker-local scratch for one batch: 3 slots per frame */
	_Alignas(64) void *rec[MIRROR_SLOTS * MIRROR_MAX_BATCH];
	struct tr_buf *rel[MIRROR_MAX_BATCH];
};

struct tr_mirror {
	struct tr_engine *e;
	struct tr_slab *slab;
	struct tr_pcap_writer *pw;
	const struct tr_bpf_prog *filter;
	unsigned nq;
	int64_t mono_to_real;            /* CLOCK_REALTIME - CLOCK_MONOTONIC at create, ns */
	pthread_t thread;
	bool thread_ok;
	int err;                         /* first write error (writer thread; read after join) */
	_Atomic bool stop;               /* control -> writer: producers are done, drain and exit */
	struct mirror_q *q;
};


static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Push the accepted frames of one batch (one worker = one producer). */
static void push(struct tr_mirror *m, struct tr_worker *w, struct tr_buf *const *bufs,
		 const uint32_t *acts, unsigned n, unsigned dir)
{
	struct mirror_q *mq = &m->q[tr_worker_queue(w)];
	uint64_t tx_ts = tr_worker_now_ns(w);
	unsigned k = 0, nrel = 0;
	for (unsigned i = 0; i < n; i++) {
		struct tr_buf *b = bufs[i];
		/* rx frames were filtered before the engine referenced them
		 * (hook_filter); tx frames are filtered here. */
		if (dir == TR_PCAP_DIR_OUT && m->filter &&
		    tr_bpf_run(m->filter, b->data, b->len, b->len) == 0) {
			tr__cnt_add(&mq->filtered, 1);
			mq->rel[nrel++] = b;
			continue;
		}
		uint64_t meta = dir | (acts ? (uint64_t)acts[i] << 8 : 0);
		mq->rec[MIRROR_SLOTS * k] = b;
		mq->rec[MIRROR_SLOTS * k + 1] = (void *)(uintptr_t)meta;
		mq->rec[MIRROR_SLOTS * k + 2] = (void *)(uintptr_t)(dir == TR_PCAP_DIR_IN ? b->ts : tx_ts);
		k++;
	}
	/* Only this worker produces, so the free space seen here can only grow
	 * before the bulk enqueue below: all k' records fit. */
	unsigned room = tr_ring_free_count(mq->ring) / MIRROR_SLOTS;
	unsigned put = k < room ? k : room;
	if (put) {
		/* The ring's release on its producer tail pairs with the
		 * writer's acquire in its dequeue: the record slots (and the
		 * frame bytes, written before the hook ran) are visible. */
		unsigned got = tr_ring_enqueue_bulk_spsc(mq->ring, mq->rec, MIRROR_SLOTS * put);
		if (got != MIRROR_SLOTS * put)
			put = 0;   /* cannot happen (see above); never leak */
	}
	if (put < k) {
		tr__cnt_add(&mq->dropped, k - put);
		for (unsigned i = put; i < k; i++)
			mq->rel[nrel++] = mq->rec[MIRROR_SLOTS * i];
	}
	/* On the worker: buffers whose last reference this is go to the
	 * worker's own return ring, which its rx refill takes first (hot in
	 * the cache); the others just lose one reference. */
	if (nrel)
		tr_engine_buf_free_burst(m->e, mq->rel, nrel);
}

/* rx burst, before the engine takes any reference: rejected frames cost
 * only the filter run. */
static void hook_filter(void *arg, struct tr_worker *w, struct tr_buf *const *bufs,
			uint8_t *keep, unsigned n)
{
	struct tr_mirror *m = arg;
	struct mirror_q *mq = &m->q[tr_worker_queue(w)];
	unsigned rej = 0;
	for (unsigned i = 0; i < n; i++) {
		if (tr_bpf_run(m->filter, bufs[i]->data, bufs[i]->len, bufs[i]->len) == 0) {
			keep[i] = 0;
			rej++;
		}
	}
	if (rej)
		tr__cnt_add(&mq->filtered, rej);
}

static void hook_rx(void *arg, struct tr_worker *w, struct tr_buf *const *bufs,
		    const uint32_t *acts, unsigned n)
{
	push(arg, w, bufs, acts, n, TR_PCAP_DIR_IN);
}

static void hook_tx(void *arg, struct tr_worker *w, struct tr_buf *const *bufs, unsigned n)
{
	/* tx batches can be up to 2*batch long (TR__MIRROR_TX_CAP); split to
	 * the scratch size. */
	while (n) {
		unsigned c = n < MIRROR_MAX_BATCH ? n : MIRROR_MAX_BATCH;
		push(arg, w, bufs, NULL, c, TR_PCAP_DIR_OUT);
		bufs += c;
		n -= c;
	}
}

/* Write one record; returns the buffer for release. */
static struct tr_buf *write_rec(struct tr_mirror *m, struct mirror_q *mq, void *const *rec)
{
	struct tr_buf *b = rec[0];
	uint64_t meta = (uint64_t)(uintptr_t)rec[1];
	uint64_t ts = (uint64_t)(uintptr_t)rec[2];
	unsigned dir = (unsigned)(meta & 0xff);
	uint32_t act = (uint32_t)(meta >> 8);
	char comment[64];
	const char *cm = NULL;
	if (dir == TR_PCAP_DIR_IN && TR_ACT_KIND(act) == TR_ACT_KIND_DROP) {
		const char *name = tr_engine_reason_name(m->e, TR_ACT_REASON(act));
		snprintf(comment, sizeof(comment), "drop: %s", name ? name : "unknown");
		cm = comment;
	}
	int r = tr_pcap_writer_write(m->pw, b->data, b->len, b->len,
				     (uint64_t)((int64_t)ts + m->mono_to_real), (int)dir, cm);
	if (r < 0) {
		tr__cnt_add(&mq->write_errors, 1);
		if (!m->err)
			m->err = r;
	} else {
		tr__cnt_add(&mq->written, 1);
	}
	return b;
}

/* One pass over every ring. Returns the number of records written. */
static unsigned drain_once(struct tr_mirror *m)
{
	void *rec[MIRROR_SLOTS * MIRROR_WBATCH];
	struct tr_buf *rel[MIRROR_WBATCH];
	unsigned total = 0;
	for (unsigned q = 0; q < m->nq; q++) {
		struct mirror_q *mq = &m->q[q];
		/* Acquire inside the ring pairs with the worker's release in
		 * push(). The count is a multiple of 3 (see the file comment),
		 * so a burst of a multiple of 3 returns whole records. */
		unsigned n = tr_ring_dequeue_burst_spsc(mq->ring, rec, MIRROR_SLOTS * MIRROR_WBATCH);
		unsigned nr = n / MIRROR_SLOTS;
		for (unsigned i = 0; i < nr; i++)
			rel[i] = write_rec(m, mq, rec + MIRROR_SLOTS * i);
		if (nr)
			tr_slab_free_burst_remote(m->slab, rel, nr);
		total += nr;
	}
	return total;
}

static void *writer_main(void *arg)
{
	struct tr_mirror *m = arg;
	bool dirty = false;
	pthread_setname_np(pthread_self(), "tr-mirror");
	for (;;) {
		/* Acquire pairs with the release store in tr_mirror_destroy,
		 * which comes after tr_engine_stop joined the workers: once
		 * stop reads true, every record they pushed is in the rings
		 * and one more empty pass means all were written. */
		bool stop = atomic_load_explicit(&m->stop, memory_order_acquire);
		unsigned n = drain_once(m);
		if (n) {
			dirty = true;
			continue;
		}
		if (stop)
			break;
		if (dirty) {
			tr_pcap_writer_flush(m->pw);   /* readable while running */
			dirty = false;
		}
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void mirror_free(struct tr_mirror *m)
{
	if (!m)
		return;
	if (m->q) {
		for (unsigned q = 0; q < m->nq; q++)
			tr_ring_destroy(m->q[q].ring);
		free(m->q);
	}
	free(m);
}

struct tr_mirror *tr_mirror_create(struct tr_engine *e, const struct tr_mirror_config *cfg, int *err)
{
	int r = -EINVAL;
	struct tr_mirror *m = NULL;
	unsigned rs = cfg && cfg->ring_size ? cfg->ring_size : MIRROR_DEFAULT_RING;
	if (!e || !cfg || !cfg->path || (rs & (rs - 1)) || rs > (1u << 24))
		goto fail;
	if (!cfg->ring_size) {
		/* Records pin pool buffers: by default let a lagging writer hold
		 * at most a quarter of the pool, so rx never starves for it. */
		unsigned cap = tr_slab_nbufs(tr_engine_slab(e)) / (4u * tr_engine_nqueues(e));
		while (rs > 1 && rs > cap)
			rs >>= 1;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto fail;
	}
	m->e = e;
	m->slab = tr_engine_slab(e);
	m->filter = cfg->filter;
	m->nq = tr_engine_nqueues(e);
	m->q = aligned_alloc(64, m->nq * sizeof(*m->q));
	if (!m->q) {
		r = -ENOMEM;
		goto fail;
	}
	memset(m->q, 0, m->nq * sizeof(*m->q));
	/* 3 slots per record: round the slot count up to a power of two. */
	uint32_t slots = 1;
	while (slots < MIRROR_SLOTS * rs)
		slots <<= 1;
	for (unsigned q = 0; q < m->nq; q++) {
		m->q[q].ring = tr_ring_create(slots, &r);
		if (!m->q[q].ring)
			goto fail;
	}
	struct tr_engine_mirror hook = { .arg = m, .rx = hook_rx, .tx = hook_tx,
					 .filter = m->filter ? hook_filter : NULL };
	r = tr_engine_set_mirror(e, &hook);
	if (r < 0)
		goto fail;
	/* A TUN engine's frames are raw IP. */
	m->pw = tr_pcap_writer_open_link(cfg->path, cfg->format, cfg->snaplen, cfg->ifname,
					 tr_engine_device(e) == TR_ENGINE_DEV_TUN ? TR_PCAP_DLT_RAW
										 : TR_PCAP_DLT_EN10MB, &r);
	if (!m->pw) {
		tr_engine_set_mirror(e, NULL);
		goto fail;
	}
	m->mono_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	int pr = pthread_create(&m->thread, NULL, writer_main, m);
	if (pr != 0) {
		tr_engine_set_mirror(e, NULL);
		tr_pcap_writer_close(m->pw);
		r = -pr;
		goto fail;
	}
	m->thread_ok = true;
	return m;
fail:
	mirror_free(m);
	if (err)
		*err = r;
	return NULL;
}

int tr_mirror_stats(const struct tr_mirror *m, struct tr_mirror_stats *st)
{
	if (!m || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	for (unsigned q = 0; q < m->nq; q++) {
		st->written += tr__cnt_get(&m->q[q].written);
		st->dropped += tr__cnt_get(&m->q[q].dropped);
		st->filtered += tr__cnt_get(&m->q[q].filtered);
		st->write_errors += tr__cnt_get(&m->q[q].write_errors);
	}
	return 0;
}

int tr_mirror_destroy(struct tr_mirror *m, struct tr_mirror_stats *st)
{
	if (!m)
		return -EINVAL;
	if (m->thread_ok) {
		/* Release pairs with the writer's acquire in writer_main. */
		atomic_store_explicit(&m->stop, true, memory_order_release);
		pthread_join(m->thread, NULL);
	}
	/* The writer has exited: this thread is now the rings' only consumer.
	 * Anything left (records pushed after the writer's last pass, if the
	 * caller broke the "after tr_engine_stop" rule) is still written. */
	while (drain_once(m) > 0)
		;
	int r = m->err;
	int cr = tr_pcap_writer_close(m->pw);
	if (!r && cr < 0)
		r = cr;
	if (st)
		tr_mirror_stats(m, st);
	mirror_free(m);
	return r;
}
