/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/match/match.c: the payload-rules stage, its reload and its dump.
 *
 * Generations. The rules in use are one immutable `struct gen` (database,
 * one scratch per queue cloned from a prototype, rule -> counter slot and
 * action), published through m->cur. A worker loads m->cur at the start of
 * each burst (and in its poll hook, so an idle worker also moves on) and
 * announces the generation it now uses in ws->seen. tr_match_reload builds
 * the next generation on its own thread, publishes it, waits until every
 * online worker has announced it (or gone offline), then frees the old one.
 * A worker never waits: the only blocking is on the reloading thread.
 *
 *   ws->seen == SEEN_OFFLINE  the queue uses no generation (never scanned
 *                             yet, or its stage fini ran)
 *   ws->seen == s             the queue uses generation s and touches no
 *                             older one any more
 *
 * Going online (the first burst) is a store-then-load on each side (the
 * worker stores seen, then loads cur; the reloader stores cur, then loads
 * seen), all seq_cst, so at least one side sees the other: either the
 * worker picks up the new generation, or the reloader waits for it.
 *
 * Per-rule counters are indexed by a slot per distinct ID, kept across
 * reloads, so an ID that stays keeps its count. Each queue's counters have
 * one writer (its worker); readers sum relaxed loads.
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
#include <tapring/ring.h>
#include <tapring/slab.h>

#include "match_pvt.h"
#include "stage_pvt.h"

#define SEEN_OFFLINE UINT64_MAX
#define DUMP_RING 1024u

struct gen {
	uint64_t seq;
	struct tr_match_ruleset *rs;
	hs_scratch_t **scratch;      /* one per queue */
	uint32_t *slot;              /* rule i -> counter slot (m->ids) */
	uint8_t *action;             /* rule i -> enum tr_match_action */
};

struct wstate {
	/* worker-local */
	struct gen *gen;             /* the generation this queue scans with */
	_Atomic uint64_t *cnt;       /* TR_MATCH_MAX_IDS counters, one writer */
	struct tr_ring *dump;        /* worker -> dump writer (SPSC), NULL without dump */
	/* shared */
	_Atomic uint64_t seen;       /* see the header comment */
	_Atomic uint64_t scanned, matched, dropped, dump_dropped, scan_errors;
} __attribute__((aligned(64)));

struct tr_match {
	struct tr_engine *e;
	unsigned nq;
	int reason;
	_Atomic(struct gen *) cur;
	struct wstate *ws;
	/* control side, under ctl: the ID table, reloads, stats walks */
	pthread_mutex_t ctl;
	char (*ids)[TR_MATCH_ID_MAX];
	unsigned nids;
	uint64_t next_seq;
	char last_err[512];
	_Atomic uint64_t reloads, reload_failures;
	/* async reload */
	pthread_mutex_t rl;          /* guards the fields below */
	pthread_t rl_thr;
	bool rl_joinable;
	char *rl_path;
	/* dump */
	struct tr_pcap_writer *pw;
	pthread_t dump_thr;
	bool dump_thr_ok;
	_Atomic bool dump_stop;
	_Atomic uint64_t dumped;
	int64_t mono_to_real;        /* ns to add to a CLOCK_MONOTONIC stamp */
};

/* Counters: single writer (this queue's worker, see struct wstate), relaxed
 * snapshots for readers: tr__cnt_add()/tr__cnt_get() from stage_pvt.h. */

/* ---- generations -------------------------------------------------------- */

static void gen_free(struct gen *g, unsigned nq)
{
	if (!g)
		return;
	if (g->scratch)
		for (unsigned q = 0; q < nq; q++)
			if (g->scratch[q])
				hs_free_scratch(g->scratch[q]);
	free(g->scratch);
	free(g->slot);
	free(g->action);
	tr_match_ruleset_free(g->rs);
	free(g);
}

/* Slot of id, appending it to the table (under ctl). -1 when full. */
static int id_slot(struct tr_match *m, const char *id)
{
	for (unsigned i = 0; i < m->nids; i++)
		if (!strcmp(m->ids[i], id))
			return (int)i;
	if (m->nids == TR_MATCH_MAX_IDS)
		return -1;
	strcpy(m->ids[m->nids], id);
	return (int)m->nids++;
}

/* Build a generation from a compiled ruleset (ownership passes). Under ctl. */
static struct gen *gen_build(struct tr_match *m, struct tr_match_ruleset *rs, char *err, size_t errlen, int *errp)
{
	struct gen *g = calloc(1, sizeof(*g));
	hs_scratch_t *proto = NULL;
	unsigned n = rs->n;
	*errp = -ENOMEM;
	if (!g) {
		tr_match_ruleset_free(rs);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->rs = rs;
	g->scratch = calloc(m->nq, sizeof(*g->scratch));
	g->slot = calloc(n ? n : 1, sizeof(*g->slot));
	g->action = calloc(n ? n : 1, 1);
	if (!g->scratch || !g->slot || !g->action) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		int s = id_slot(m, rs->rules[i].id);
		if (s < 0) {
			snprintf(err, errlen, "more than %d distinct rule IDs since start", TR_MATCH_MAX_IDS);
			*errp = -E2BIG;
			goto fail;
		}
		g->slot[i] = (uint32_t)s;
		g->action[i] = (uint8_t)rs->rules[i].action;
	}
	if (rs->db) {
		/* One prototype, then a clone per queue: each worker owns its
		 * scratch, and none is ever allocated while scanning. */
		if (hs_alloc_scratch(rs->db, &proto) != HS_SUCCESS) {
			snprintf(err, errlen, "hs_alloc_scratch failed");
			goto fail;
		}
		for (unsigned q = 0; q < m->nq; q++)
			if (hs_clone_scratch(proto, &g->scratch[q]) != HS_SUCCESS) {
				snprintf(err, errlen, "hs_clone_scratch failed");
				goto fail;
			}
		hs_free_scratch(proto);
		proto = NULL;
	}
	g->seq = ++m->next_seq;
	*errp = 0;
	return g;
fail:
	if (proto)
		hs_free_scratch(proto);
	gen_free(g, m->nq);
	return NULL;
}

/* ---- the scan ----------------------------------------------------------- */

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The TCP or UDP payload of an Ethernet frame (up to two VLAN tags, IPv4,
 * or IPv6 with extension headers), or false. Non-first fragments carry no
 * L4 header and are not scanned. Bounds: every read is checked against
 * len first, written as `off > len || n > len - off` (no overflow).
 */
static bool l4_payload(const uint8_t *p, uint32_t len, const uint8_t **pl, uint32_t *plen)
{
	uint32_t off = 12;
	if (len < 14)
		return false;
	uint16_t et = be16(p + 12);
	for (int v = 0; v < 2 && (et == 0x8100 || et == 0x88a8); v++) {
		if (len - 14 < 4 * (uint32_t)(v + 1))
			return false;
		off += 4;
		et = be16(p + off);
	}
	off += 2;
	uint32_t end, proto;
	if (et == 0x0800) {
		if (len - off < 20 || (p[off] >> 4) != 4)
			return false;
		uint32_t ihl = (uint32_t)(p[off] & 15) * 4, tot = be16(p + off + 2);
		if (ihl < 20 || tot < ihl || tot > len - off)
			return false;
		if (be16(p + off + 6) & 0x1fff)
			return false;   /* not the first fragment */
		proto = p[off + 9];
		end = off + tot;    /* cuts Ethernet padding */
		off += ihl;
	} else if (et == 0x86dd) {
		if (len - off < 40 || (p[off] >> 4) != 6)
			return false;
		uint32_t plen6 = be16(p + off + 4);
		if (plen6 > len - off - 40)
			return false;
		proto = p[off + 6];
		end = off + 40 + plen6;
		off += 40;
		for (int k = 0; k < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44); k++) {
			if (off > end || end - off < 8)
				return false;
			uint32_t hl = proto == 44 ? 8 : ((uint32_t)p[off + 1] + 1) * 8;
			if (proto == 44 && (be16(p + off + 2) & 0xfff8))
				return false;   /* not the first fragment */
			if (hl > end - off)
				return false;
			proto = p[off];
			off += hl;
		}
	} else {
		return false;
	}
	if (proto == 17) {
		if (off > end || end - off < 8)
			return false;
		uint32_t ul = be16(p + off + 4);
		if (ul < 8 || ul > end - off)
			return false;
		*pl = p + off + 8;
		*plen = ul - 8;
		return true;
	}
	if (proto == 6) {
		if (off > end || end - off < 20)
			return false;
		uint32_t doff = (uint32_t)(p[off + 12] >> 4) * 4;
		if (doff < 20 || doff > end - off)
			return false;
		*pl = p + off + doff;
		*plen = end - off - doff;
		return true;
	}
	return false;
}

struct scan_ctx {
	struct wstate *ws;
	const struct gen *g;
	unsigned hits, drop, dump;
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *arg)
{
	struct scan_ctx *c = arg;
	(void)from;
	(void)to;
	(void)flags;
	/* HS_FLAG_SINGLEMATCH: at most one call per rule and scan. */
	tr__cnt_add(&c->ws->cnt[c->g->slot[id]], 1);
	c->hits++;
	c->drop |= c->g->action[id] == TR_MATCH_DROP;
	c->dump |= c->g->action[id] == TR_MATCH_DUMP;
	return 0;   /* keep going: every rule that matches counts */
}

/* The quiescent point: switch to the current generation if it moved. */
static inline struct gen *refresh(struct tr_match *m, struct wstate *ws)
{
	/* Acquire pairs with the release store of cur in publish() (and with
	 * the seq_cst store there): the generation's database, scratch and
	 * tables are complete before this worker uses them. */
	struct gen *g = atomic_load_explicit(&m->cur, memory_order_acquire);
	if (g != ws->gen) {
		ws->gen = g;
		/* Release pairs with the acquire load of seen in wait_quiescent:
		 * every scan this worker made with the older generation (the
		 * bursts before this one) happens-before the reloader frees it. */
		atomic_store_explicit(&ws->seen, g->seq, memory_order_release);
	}
	return g;
}

static struct gen *go_online(struct tr_match *m, struct wstate *ws)
{
	/* seq_cst store of "online, nothing seen yet", then a seq_cst load
	 * of cur: pairs with publish()'s seq_cst store of cur followed by its
	 * seq_cst loads of seen (store-load on both sides; see the header). */
	atomic_store_explicit(&ws->seen, 0, memory_order_seq_cst);
	struct gen *g = atomic_load_explicit(&m->cur, memory_order_seq_cst);
	ws->gen = g;
	/* Release: as in refresh(). */
	atomic_store_explicit(&ws->seen, g->seq, memory_order_release);
	return g;
}

void tr_match_process(struct tr_match *m, unsigned q, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct wstate *ws = &m->ws[q];
	struct gen *g = ws->gen ? refresh(m, ws) : go_online(m, ws);
	if (!g->rs->db)
		return;
	hs_scratch_t *scratch = g->scratch[q];
	uint64_t scanned = 0, matched = 0, dropped = 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *pl;
		uint32_t plen;
		if (!l4_payload(bufs[i]->data, bufs[i]->len, &pl, &plen) || plen == 0)
			continue;
		struct scan_ctx c = { .ws = ws, .g = g };
		scanned++;
		if (hs_scan(g->rs->db, (const char *)pl, plen, 0, scratch, on_match, &c) != HS_SUCCESS) {
			tr__cnt_add(&ws->scan_errors, 1);
			continue;
		}
		if (!c.hits)
			continue;
		matched++;
		if (c.dump && ws->dump) {
			struct tr_buf *b = bufs[i];
			tr_buf_ref(b);   /* the dump writer's reference */
			/* Release inside the ring pairs with the writer's acquire
			 * dequeue: the frame bytes are complete. */
			if (tr_ring_enqueue_burst_spsc(ws->dump, (void *const *)&b, 1) != 1) {
				tr_engine_buf_free(m->e, b);
				tr__cnt_add(&ws->dump_dropped, 1);
			}
		}
		if (c.drop) {
			acts[i] = TR_ACT_DROP(m->reason < 0 ? 0 : m->reason);
			dropped++;
		}
	}
	tr__cnt_add(&ws->scanned, scanned);
	if (matched)
		tr__cnt_add(&ws->matched, matched);
	if (dropped)
		tr__cnt_add(&ws->dropped, dropped);
}

/* ---- stage hooks --------------------------------------------------------- */

static void stage_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	tr_match_process(arg, tr_worker_queue(w), bufs, acts, n);
}

static void stage_poll(void *arg, struct tr_worker *w, uint64_t now)
{
	struct tr_match *m = arg;
	struct wstate *ws = &m->ws[tr_worker_queue(w)];
	(void)now;
	if (ws->gen)   /* online: an idle worker passes its quiescent point here */
		refresh(m, ws);
}

static void stage_fini(void *arg, struct tr_worker *w)
{
	struct tr_match *m = arg;
	struct wstate *ws = &m->ws[tr_worker_queue(w)];
	ws->gen = NULL;
	/* Release pairs with the acquire in wait_quiescent: this worker's
	 * last scan happens-before any free that reads "offline". */
	atomic_store_explicit(&ws->seen, SEEN_OFFLINE, memory_order_release);
}

/* ---- dump writer ----------------------------------------------------------- */

static void dump_drain(struct tr_match *m)
{
	struct tr_buf *b[64];
	for (unsigned q = 0; q < m->nq; q++) {
		unsigned k;
		/* Acquire inside the ring pairs with the worker's release enqueue. */
		while ((k = tr_ring_dequeue_burst_spsc(m->ws[q].dump, (void **)b, 64)) > 0)
			for (unsigned i = 0; i < k; i++) {
				uint64_t ts = (uint64_t)((int64_t)b[i]->ts + m->mono_to_real);
				if (tr_pcap_writer_write(m->pw, b[i]->data, b[i]->len, b[i]->len, ts, TR_PCAP_DIR_IN,
							 NULL) == 0)
					/* Relaxed: a statistic; only this thread writes it. */
					atomic_fetch_add_explicit(&m->dumped, 1, memory_order_relaxed);
				tr_engine_buf_free(m->e, b[i]);
			}
	}
}

static void *dump_main(void *arg)
{
	struct tr_match *m = arg;
	/* Acquire pairs with the release store in tr_match_destroy. */
	while (!atomic_load_explicit(&m->dump_stop, memory_order_acquire)) {
		dump_drain(m);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	dump_drain(m);
	return NULL;
}

/* ---- lifecycle ------------------------------------------------------------- */

struct tr_match *tr_match_create(struct tr_engine *e, struct tr_match_ruleset *rs,
				 const struct tr_match_config *cfg, int *err)
{
	struct tr_match *m = calloc(1, sizeof(*m));
	char eb[256];
	int r = -ENOMEM;
	if (!m || !rs) {
		r = rs ? -ENOMEM : -EINVAL;
		goto fail0;
	}
	m->e = e;
	m->nq = e ? tr_engine_nqueues(e) : (cfg ? cfg->nqueues : 0);
	m->reason = -1;
	if (m->nq == 0 || m->nq > 1024 || (!e && cfg && cfg->dump_path)) {
		r = -EINVAL;
		goto fail0;
	}
	pthread_mutex_init(&m->ctl, NULL);
	pthread_mutex_init(&m->rl, NULL);
	m->ws = aligned_alloc(64, m->nq * sizeof(*m->ws));
	m->ids = calloc(TR_MATCH_MAX_IDS, sizeof(*m->ids));
	if (!m->ws || !m->ids)
		goto fail;
	memset(m->ws, 0, m->nq * sizeof(*m->ws));
	for (unsigned q = 0; q < m->nq; q++) {
		m->ws[q].cnt = calloc(TR_MATCH_MAX_IDS, sizeof(*m->ws[q].cnt));
		if (!m->ws[q].cnt)
			goto fail;
		atomic_init(&m->ws[q].seen, SEEN_OFFLINE);
	}
	if ((r = tr_match_ruleset_compile(rs, eb, sizeof(eb))) < 0)
		goto fail;
	int ge;
	struct gen *g = gen_build(m, rs, eb, sizeof(eb), &ge);
	rs = NULL;
	if (!g) {
		r = ge;
		goto fail;
	}
	/* Relaxed: no worker runs yet; tr_engine_start's thread creation
	 * publishes it. */
	atomic_store_explicit(&m->cur, g, memory_order_relaxed);
	if (cfg && cfg->dump_path) {
		struct timespec mo, re;
		m->pw = tr_pcap_writer_open(cfg->dump_path, tr_pcap_format_for(cfg->dump_path), 0, cfg->ifname, &r);
		if (!m->pw)
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &mo);
		clock_gettime(CLOCK_REALTIME, &re);
		m->mono_to_real = ((int64_t)re.tv_sec - mo.tv_sec) * 1000000000ll + (re.tv_nsec - mo.tv_nsec);
		for (unsigned q = 0; q < m->nq; q++)
			if (!(m->ws[q].dump = tr_ring_create(DUMP_RING, &r)))
				goto fail;
		if ((r = -pthread_create(&m->dump_thr, NULL, dump_main, m)) != 0)
			goto fail;
		m->dump_thr_ok = true;
	}
	if (e) {
		struct tr_stage st = { .name = "match", .arg = m, .process = stage_process, .poll = stage_poll,
				       .fini = stage_fini };
		m->reason = tr_engine_counter(e, "match");
		if (m->reason < 0) {
			r = m->reason;
			goto fail;
		}
		if ((r = tr_engine_add_stage(e, &st)) < 0)
			goto fail;
	}
	*err = 0;
	return m;
fail:
	tr_match_ruleset_free(rs);
	tr_match_destroy(m);
	*err = r;
	return NULL;
fail0:
	tr_match_ruleset_free(rs);
	free(m);
	*err = r;
	return NULL;
}

/* Wait until every queue uses generation seq or is offline (under ctl).
 * Workers pass a quiescent point at least once per loop (idle_us). */
static void wait_quiescent(struct tr_match *m, uint64_t seq)
{
	for (unsigned q = 0; q < m->nq; q++)
		/* seq_cst load pairs with go_online's seq_cst store (store-load
		 * on both sides) and, as an acquire, with the release stores of
		 * seen in refresh() and stage_fini(). */
		while (atomic_load_explicit(&m->ws[q].seen, memory_order_seq_cst) < seq) {
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
		}
}

int tr_match_reload(struct tr_match *m, const char *path, char *err, size_t errlen)
{
	char eb[512] = "";
	int r;
	/* Parse and compile first, without holding anything: the workers
	 * keep scanning with the current rules meanwhile. */
	struct tr_match_ruleset *rs = tr_match_ruleset_load(path, eb, sizeof(eb), &r);
	pthread_mutex_lock(&m->ctl);
	struct gen *g = rs ? gen_build(m, rs, eb, sizeof(eb), &r) : NULL;
	if (!g) {
		snprintf(m->last_err, sizeof(m->last_err), "%s", eb);
		/* Relaxed: statistics. */
		atomic_fetch_add_explicit(&m->reload_failures, 1, memory_order_relaxed);
		pthread_mutex_unlock(&m->ctl);
		if (err && errlen)
			snprintf(err, errlen, "%s", eb);
		return r;
	}
	/* Relaxed: cur is written only here and in create, both under ctl. */
	struct gen *old = atomic_load_explicit(&m->cur, memory_order_relaxed);
	/* seq_cst store (a release too): pairs with the acquire loads in
	 * refresh() (the generation is complete before it is seen) and with
	 * go_online's seq_cst load (store-load, see the header). */
	atomic_store_explicit(&m->cur, g, memory_order_seq_cst);
	wait_quiescent(m, g->seq);
	gen_free(old, m->nq);
	m->last_err[0] = '\0';
	/* Relaxed: statistics. */
	atomic_fetch_add_explicit(&m->reloads, 1, memory_order_relaxed);
	pthread_mutex_unlock(&m->ctl);
	return 0;
}

static void *reload_main(void *arg)
{
	struct tr_match *m = arg;
	pthread_mutex_lock(&m->rl);
	char *path = m->rl_path;
	m->rl_path = NULL;
	pthread_mutex_unlock(&m->rl);
	char eb[512];
	if (tr_match_reload(m, path, eb, sizeof(eb)) < 0)
		fprintf(stderr, "tapring: match reload failed, keeping the old rules: %s\n", eb);
	free(path);
	return NULL;
}

static bool reload_running(struct tr_match *m)
{
	if (!m->rl_joinable)
		return false;
	if (pthread_tryjoin_np(m->rl_thr, NULL) == 0) {
		m->rl_joinable = false;
		return false;
	}
	return true;
}

int tr_match_reload_async(struct tr_match *m, const char *path)
{
	int r = 0;
	pthread_mutex_lock(&m->rl);
	if (reload_running(m)) {
		r = -EBUSY;
	} else if (!(m->rl_path = strdup(path))) {
		r = -ENOMEM;
	} else if ((r = -pthread_create(&m->rl_thr, NULL, reload_main, m)) == 0) {
		m->rl_joinable = true;
	} else {
		free(m->rl_path);
		m->rl_path = NULL;
	}
	pthread_mutex_unlock(&m->rl);
	return r;
}

void tr_match_reload_join(struct tr_match *m)
{
	pthread_mutex_lock(&m->rl);
	if (m->rl_joinable) {
		pthread_join(m->rl_thr, NULL);
		m->rl_joinable = false;
	}
	pthread_mutex_unlock(&m->rl);
}

void tr_match_last_error(struct tr_match *m, char *buf, size_t len)
{
	pthread_mutex_lock(&m->ctl);
	snprintf(buf, len, "%s", m->last_err);
	pthread_mutex_unlock(&m->ctl);
}

void tr_match_stats(struct tr_match *m, struct tr_match_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned q = 0; q < m->nq; q++) {
		struct wstate *ws = &m->ws[q];
		st->scanned += tr__cnt_get(&ws->scanned);
		st->matched += tr__cnt_get(&ws->matched);
		st->dropped += tr__cnt_get(&ws->dropped);
		st->dump_dropped += tr__cnt_get(&ws->dump_dropped);
		st->scan_errors += tr__cnt_get(&ws->scan_errors);
	}
	/* Relaxed: statistics. */
	st->dumped = atomic_load_explicit(&m->dumped, memory_order_relaxed);
	st->reloads = atomic_load_explicit(&m->reloads, memory_order_relaxed);
	st->reload_failures = atomic_load_explicit(&m->reload_failures, memory_order_relaxed);
	st->generation = 1 + st->reloads;
}

void tr_match_foreach(struct tr_match *m, void (*fn)(void *arg, const char *id, uint64_t count), void *arg)
{
	pthread_mutex_lock(&m->ctl);   /* keeps cur alive: only reload frees it, under ctl */
	/* Relaxed: cur is only written under ctl, which we hold. */
	struct gen *g = atomic_load_explicit(&m->cur, memory_order_relaxed);
	for (unsigned i = 0; g && i < g->rs->n; i++) {
		uint64_t sum = 0;
		for (unsigned q = 0; q < m->nq; q++)
			sum += tr__cnt_get(&m->ws[q].cnt[g->slot[i]]);
		fn(arg, g->rs->rules[i].id, sum);
	}
	pthread_mutex_unlock(&m->ctl);
}

void tr_match_destroy(struct tr_match *m)
{
	if (!m)
		return;
	tr_match_reload_join(m);
	if (m->dump_thr_ok) {
		/* Release pairs with the acquire in dump_main. */
		atomic_store_explicit(&m->dump_stop, true, memory_order_release);
		pthread_join(m->dump_thr, NULL);
	}
	if (m->pw)
		tr_pcap_writer_close(m->pw);
	/* Relaxed: every thread that used cur has been joined. */
	gen_free(atomic_load_explicit(&m->cur, memory_order_relaxed), m->nq);
	if (m->ws)
		for (unsigned q = 0; q < m->nq; q++) {
			free(m->ws[q].cnt);
			if (m->ws[q].dump) {
				struct tr_buf *b;
				while (tr_ring_dequeue_burst_spsc(m->ws[q].dump, (void **)&b, 1) == 1)
					tr_engine_buf_free(m->e, b);
				tr_ring_destroy(m->ws[q].dump);
			}
		}
	free(m->ws);
	free(m->ids);
	free(m->rl_path);
	pthread_mutex_destroy(&m->ctl);
	pthread_mutex_destroy(&m->rl);
	free(m);
}
