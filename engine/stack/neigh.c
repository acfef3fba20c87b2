/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Neighbour cache shared by ARP (IPv4) and ND (IPv6).
 *
 * Bounded by construction: a fixed array of entries, 4-way set associative
 * (hash of the address picks the set). Inserting into a full set evicts the
 * oldest resolved entry, or when all four are still resolving the oldest of
 * those (its pending frames are dropped as "neigh.evicted"). A flood of
 * senders therefore recycles entries and never grows the table.
 *
 * Each INCOMPLETE entry owns a small ring of frames waiting for the MAC
 * (frames the stack originated: replies, ICMP errors, tr_udp_sendto; counted
 * in s->queued, not in the rx "held" gauge). They leave either when the answer
 * arrives (dst MAC written, sent through io->tx) or when resolution gives up
 * ("neigh.timeout").
 */
#include <errno.h>
#include <stdlib.h>

#include "stack_pvt.h"

int tr__neigh_init(struct tr_neigh_table *t, uint32_t entries, uint32_t qlen, int family)
{
	memset(t, 0, sizeof(*t));
	if (entries < TR_NEIGH_WAYS || (entries & (entries - 1)) || qlen == 0 || qlen > TR_NEIGH_QMAX)
		return -EINVAL;
	t->e = calloc(entries, sizeof(*t->e));
	t->qstore = calloc((size_t)entries * qlen, sizeof(*t->qstore));
	if (!t->e || !t->qstore) {
		free(t->e);
		free(t->qstore);
		t->e = NULL;
		t->qstore = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < entries; i++)
		t->e[i].q = t->qstore + (size_t)i * qlen;
	t->nsets = entries / TR_NEIGH_WAYS;
	t->qlen = qlen;
	t->family = (uint8_t)family;
	t->alen = family == 4 ? 4 : 16;
	return 0;
}

static void neigh_flush_drop(struct tr_stack *s, struct tr_neigh_table *t, struct tr_neigh *n,
			     unsigned reason)
{
	while (n->qcount) {
		struct tr_buf *b = n->q[n->qhead];
		n->qhead = (uint16_t)((n->qhead + 1) % t->qlen);
		n->qcount--;
		s->queued--;
		s->cnt[reason]++;
		s->io.drop(s->io.ctx, b, reason);
	}
	n->qhead = 0;
}

static void neigh_free(struct tr_neigh_table *t, struct tr_neigh *n)
{
	if (n->state == TR_NEIGH_INCOMPLETE)
		t->incomplete--;
	if (n->state != TR_NEIGH_FREE)
		t->count--;
	n->state = TR_NEIGH_FREE;
	n->qcount = 0;
	n->qhead = 0;
}

void tr__neigh_fini(struct tr_stack *s, struct tr_neigh_table *t)
{
	if (!t->e)
		return;
	for (uint32_t i = 0; i < t->nsets * TR_NEIGH_WAYS; i++) {
		struct tr_neigh *n = &t->e[i];
		if (n->state != TR_NEIGH_FREE) {
			neigh_flush_drop(s, t, n, TR_STACK_C_STACK_SHUTDOWN);
			neigh_free(t, n);
		}
	}
	free(t->e);
	free(t->qstore);
	t->e = NULL;
	t->qstore = NULL;
}

/* FNV-1a over the low address bytes: the interesting bits of on-link
 * neighbours sit at the end of the address. */
static uint32_t neigh_hash(const struct tr_neigh_table *t, const uint8_t *ip)
{
	uint32_t h = 2166136261u;
	unsigned from = t->alen == 4 ? 0 : 8;
	for (unsigned i = from; i < t->alen; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h ^ (h >> 15);
}

static struct tr_neigh *neigh_set(struct tr_neigh_table *t, const uint8_t *ip)
{
	return &t->e[(neigh_hash(t, ip) & (t->nsets - 1)) * TR_NEIGH_WAYS];
}

struct tr_neigh *tr__neigh_find(struct tr_neigh_table *t, const uint8_t *ip)
{
	struct tr_neigh *set = neigh_set(t, ip);
	for (unsigned w = 0; w < TR_NEIGH_WAYS; w++)
		if (set[w].state != TR_NEIGH_FREE && memcmp(set[w].ip, ip, t->alen) == 0)
			return &set[w];
	return NULL;
}

/* A slot for ip in its set: free, else the oldest resolved, else the oldest
 * resolving entry (whose queue is dropped). */
static struct tr_neigh *neigh_alloc(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *ip)
{
	struct tr_neigh *set = neigh_set(t, ip);
	struct tr_neigh *victim = NULL;
	for (unsigned w = 0; w < TR_NEIGH_WAYS; w++) {
		struct tr_neigh *n = &set[w];
		if (n->state == TR_NEIGH_FREE) {
			victim = n;
			break;
		}
		if (!victim ||
		    (victim->state == TR_NEIGH_INCOMPLETE && n->state == TR_NEIGH_REACHABLE) ||
		    (victim->state == n->state && n->updated_ns < victim->updated_ns))
			victim = n;
	}
	if (victim->state != TR_NEIGH_FREE) {
		neigh_flush_drop(s, t, victim, TR_STACK_C_NEIGH_EVICTED);
		neigh_free(t, victim);
	}
	memset(victim->ip, 0, sizeof(victim->ip));
	memcpy(victim->ip, ip, t->alen);
	victim->probes = 0;
	victim->qhead = 0;
	victim->qcount = 0;
	victim->updated_ns = s->now;
	victim->next_probe_ns = 0;
	t->count++;
	return victim;
}

/* n becomes REACHABLE at mac (confirmed at `when`) and its pending frames
 * leave, oldest first. */
static void neigh_resolve(struct tr_stack *s, struct tr_neigh_table *t, struct tr_neigh *n,
			  const uint8_t mac[6], uint64_t when)
{
	if (n->state == TR_NEIGH_INCOMPLETE) {
		t->incomplete--;
		s->cnt[TR_STACK_C_NEIGH_RESOLVED]++;
	}
	n->state = TR_NEIGH_REACHABLE;
	memcpy(n->mac, mac, 6);
	n->updated_ns = when;
	while (n->qcount) {
		struct tr_buf *b = n->q[n->qhead];
		n->qhead = (uint16_t)((n->qhead + 1) % t->qlen);
		n->qcount--;
		s->queued--;
		memcpy(b->data, mac, 6);
		s->io.tx(s->io.ctx, b);
	}
	n->qhead = 0;
}

void tr__neigh_update(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *ip,
		      const uint8_t mac[6], bool create)
{
	struct tr_neigh *n = tr__neigh_find(t, ip);
	if (!n) {
		if (!create)
			return;
		n = neigh_alloc(s, t, ip);
	}
	bool changed = n->state != TR_NEIGH_REACHABLE || memcmp(n->mac, mac, 6) != 0;
	neigh_resolve(s, t, n, mac, s->now);
	/* Learned from the network: tell the other workers (their requests
	 * may be answered on this queue). Hints are never re-published, so a
	 * hint cannot outlive the confirmation it came from. A steady
	 * neighbour is re-published only every 1/8 of the reachable time:
	 * the shared cache line is not touched for every ARP frame. */
	if (changed || s->now - n->published_ns >= s->h->cfg.neigh_reachable_ns / 8) {
		n->published_ns = s->now;
		tr__nshare_publish(s->nshare, t->family, ip, mac, s->now);
	}
}

static void neigh_probe(struct tr_stack *s, struct tr_neigh_table *t, struct tr_neigh *n)
{
	n->probes++;
	n->next_probe_ns = s->now + s->h->cfg.neigh_retry_ns;
	if (t->family == 4)
		tr__arp_request(s, n->ip);
	else
		tr__nd_solicit(s, n->ip);
}

int tr__neigh_output(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *ip,
		     struct tr_buf *b)
{
	if (s->h->cfg.l3_only) {
		/* L3 mode (a TUN): nothing to resolve; the link edge (stage.c)
		 * takes the pseudo Ethernet header off. */
		s->io.tx(s->io.ctx, b);
		return 0;
	}
	struct tr_neigh *n = tr__neigh_find(t, ip);
	if (n && n->state == TR_NEIGH_REACHABLE) {
		memcpy(b->data, n->mac, 6);
		s->io.tx(s->io.ctx, b);
		return 0;
	}
	uint8_t hint[6];
	uint64_t when;
	if (!n && tr__nshare_lookup(s->nshare, t->family, ip, s->now,
				    s->h->cfg.neigh_reachable_ns, hint, &when)) {
		/* Another worker knows it: no need to ask the network. */
		n = neigh_alloc(s, t, ip);
		neigh_resolve(s, t, n, hint, when);
		memcpy(b->data, hint, 6);
		s->io.tx(s->io.ctx, b);
		return 0;
	}
	if (!n) {
		n = neigh_alloc(s, t, ip);
		n->state = TR_NEIGH_INCOMPLETE;
		t->incomplete++;
		n->q[0] = b;
		n->qcount = 1;
		s->queued++;
		neigh_probe(s, t, n);
		return 1;
	}
	if (n->qcount >= t->qlen) {
		s->cnt[TR_STACK_C_NEIGH_QUEUE_FULL]++;
		s->io.drop(s->io.ctx, b, TR_STACK_C_NEIGH_QUEUE_FULL);
		return -ENOBUFS;
	}
	n->q[(n->qhead + n->qcount) % t->qlen] = b;
	n->qcount++;
	s->queued++;
	return 1;
}

void tr__neigh_poll(struct tr_stack *s, struct tr_neigh_table *t)
{
	const struct tr_stack_config *c = &s->h->cfg;
	uint32_t total = t->nsets * TR_NEIGH_WAYS;
	if (t->count == 0)
		return;
	for (uint32_t i = 0; i < total; i++) {
		struct tr_neigh *n = &t->e[i];
		if (n->state == TR_NEIGH_INCOMPLETE) {
			uint8_t hint[6];
			uint64_t when;
			if (tr__nshare_lookup(s->nshare, t->family, n->ip, s->now,
					      c->neigh_reachable_ns, hint, &when)) {
				/* Answered on another worker: flush the queue. */
				neigh_resolve(s, t, n, hint, when);
				continue;
			}
			if (s->now < n->next_probe_ns)
				continue;
			if (n->probes >= c->neigh_probes) {
				neigh_flush_drop(s, t, n, TR_STACK_C_NEIGH_TIMEOUT);
				neigh_free(t, n);
			} else {
				neigh_probe(s, t, n);
			}
		} else if (n->state == TR_NEIGH_REACHABLE) {
			if (s->now - n->updated_ns >= c->neigh_reachable_ns)
				neigh_free(t, n);
		}
	}
}
