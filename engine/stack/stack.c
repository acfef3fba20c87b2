/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stack core: the host object, per-worker instances, frame dispatch, timers
 * and counters. Protocol handling lives in arp.c, ip4.c, ip6.c, udp.c and
 * dns.c; tables in neigh.c, reasm.c and hosts.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include <tapring/ethernet.h>

#include "stack_pvt.h"

static const char *const counter_names[TR_STACK_C_COUNT] = {
#define TR__STACK_NAME(id, name, kind) [TR_STACK_C_##id] = name,
	TR_STACK_COUNTERS(TR__STACK_NAME)
#undef TR__STACK_NAME
};

#define D 1
#define E 0
static const uint8_t counter_is_drop[TR_STACK_C_COUNT] = {
#define TR__STACK_KIND(id, name, kind) [TR_STACK_C_##id] = kind,
	TR_STACK_COUNTERS(TR__STACK_KIND)
#undef TR__STACK_KIND
};
#undef D
#undef E

const char *tr_stack_counter_name(unsigned id)
{
	return id < TR_STACK_C_COUNT ? counter_names[id] : NULL;
}

bool tr_stack_counter_is_drop(unsigned id)
{
	return id < TR_STACK_C_COUNT && counter_is_drop[id];
}

int tr_stack_counter_find(const char *name)
{
	for (unsigned i = 0; i < TR_STACK_C_COUNT; i++)
		if (strcmp(counter_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

/* ---- host ---------------------------------------------------------------- */

static int read_file(const char *path, char **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= (64u << 20)) {
				free(buf);
				fclose(f);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	int err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

struct tr_stack_host *tr_stack_host_create(const struct tr_stack_config *cfg, int *err)
{
	int rc = -EINVAL;
	if (!cfg || cfg->n_ip4 > TR_STACK_MAX_ADDRS || cfg->n_ip6 > TR_STACK_MAX_ADDRS)
		goto fail;
	if (is_zero(cfg->mac, 6) || (cfg->mac[0] & 1))
		goto fail;
	struct tr_stack_host *h = calloc(1, sizeof(*h));
	if (!h) {
		rc = -ENOMEM;
		goto fail;
	}
	h->cfg = *cfg;
	struct tr_stack_config *c = &h->cfg;
	if (!c->mtu)
		c->mtu = 1500;
	if (!c->neigh_entries)
		c->neigh_entries = 256;
	if (!c->neigh_queue)
		c->neigh_queue = 8;
	if (!c->neigh_probes)
		c->neigh_probes = 3;
	if (!c->neigh_retry_ns)
		c->neigh_retry_ns = 1000000000ull;
	if (!c->neigh_reachable_ns)
		c->neigh_reachable_ns = 300ull * 1000000000ull;
	if (!c->reasm_slots)
		c->reasm_slots = 16;
	if (!c->reasm_frags)
		c->reasm_frags = 64;
	if (!c->reasm_timeout_ns)
		c->reasm_timeout_ns = 30ull * 1000000000ull;
	if (!c->icmp_rate)
		c->icmp_rate = 100;
	if (!c->icmp_burst)
		c->icmp_burst = 10;
	rc = -EINVAL;
	if (c->mtu < 576 || c->neigh_entries < TR_NEIGH_WAYS ||
	    (c->neigh_entries & (c->neigh_entries - 1)) || c->neigh_queue > TR_NEIGH_QMAX)
		goto fail_h;
	if (c->udp_discard_port &&
	    (c->udp_discard_port == c->udp_echo_port || c->udp_discard_port == c->dns_port))
		goto fail_h;
	for (unsigned i = 0; i < c->n_ip4; i++)
		memcpy(h->ip4_mac[i], is_zero(c->ip4_mac[i], 6) ? c->mac : c->ip4_mac[i], 6);
	for (unsigned i = 0; i < c->n_ip6; i++)
		memcpy(h->ip6[h->n_ip6++], c->ip6[i], 16);
	if (!c->no_link_local) {
		/* RFC 4291 appendix A: modified EUI-64 from the MAC. */
		uint8_t *ll = h->ip6[h->n_ip6++];
		memset(ll, 0, 16);
		ll[0] = 0xfe;
		ll[1] = 0x80;
		ll[8] = c->mac[0] ^ 0x02;
		ll[9] = c->mac[1];
		ll[10] = c->mac[2];
		ll[11] = 0xff;
		ll[12] = 0xfe;
		ll[13] = c->mac[3];
		ll[14] = c->mac[4];
		ll[15] = c->mac[5];
	}
	if (c->hosts_path) {
		char *text = NULL;
		size_t len = 0;
		rc = read_file(c->hosts_path, &text, &len);
		if (rc)
			goto fail_h;
		rc = tr__hosts_parse(&h->hosts, text, len);
		free(text);
		if (rc)
			goto fail_h;
	} else if (c->hosts_text) {
		rc = tr__hosts_parse(&h->hosts, c->hosts_text, strlen(c->hosts_text));
		if (rc)
			goto fail_h;
	}
	h->discard = aligned_alloc(64, TR_STACK_MAX_QUEUES * sizeof(*h->discard));
	if (h->discard)
		memset(h->discard, 0, TR_STACK_MAX_QUEUES * sizeof(*h->discard));
	h->nshare = calloc(1, sizeof(*h->nshare));
	if (!h->discard || !h->nshare || tr__nshare_init(h->nshare, TR_NSHARE_SLOTS) != 0) {
		rc = -ENOMEM;
		goto fail_h;
	}
	c->hosts_path = NULL;  /* not kept: the caller's storage */
	c->hosts_text = NULL;
	if (err)
		*err = 0;
	return h;
fail_h:
	if (h->nshare)
		tr__nshare_fini(h->nshare);
	free(h->nshare);
	free(h->discard);
	tr__hosts_free(&h->hosts);
	free(h);
fail:
	if (err)
		*err = rc;
	return NULL;
}

void tr_stack_host_destroy(struct tr_stack_host *h)
{
	if (!h)
		return;
	tr__stage_free_all(h);
	tr__nshare_fini(h->nshare);
	free(h->nshare);
	free(h->discard);
	tr__hosts_free(&h->hosts);
	free(h);
}

void tr_stack_discard_stats(const struct tr_stack_host *h, uint64_t *datagrams, uint64_t *bytes)
{
	uint64_t d = 0, b = 0;
	for (unsigned q = 0; q < TR_STACK_MAX_QUEUES; q++) {
		/* Relaxed: statistics, see struct tr_discard_cnt. */
		d += atomic_load_explicit(&h->discard[q].datagrams, memory_order_relaxed);
		b += atomic_load_explicit(&h->discard[q].bytes, memory_order_relaxed);
	}
	*datagrams = d;
	*bytes = b;
}

const struct tr_stack_config *tr_stack_host_config(const struct tr_stack_host *h)
{
	return &h->cfg;
}

unsigned tr_stack_host_ip6(const struct tr_stack_host *h, const uint8_t **addrs)
{
	if (addrs)
		*addrs = h->n_ip6 ? h->ip6[0] : NULL;
	return h->n_ip6;
}

int tr_stack_hosts_lookup(const struct tr_stack_host *h, const char *name, size_t name_len,
			  int family, uint8_t *out, unsigned max)
{
	return tr__hosts_lookup(&h->hosts, name, name_len, family, out, max);
}

int tr__host_ip4_index(const struct tr_stack_host *h, const uint8_t ip[4])
{
	for (unsigned i = 0; i < h->cfg.n_ip4; i++)
		if (memcmp(h->cfg.ip4[i], ip, 4) == 0)
			return (int)i;
	return -1;
}

int tr__host_ip6_index(const struct tr_stack_host *h, const uint8_t ip[16])
{
	for (unsigned i = 0; i < h->n_ip6; i++)
		if (memcmp(h->ip6[i], ip, 16) == 0)
			return (int)i;
	return -1;
}

/* ---- per-worker instance ------------------------------------------------- */

/* splitmix64 (Vigna): spreads a small seed over all 64 bits. */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* cfg.seed set: the random state and the first IPv4 id come from the seed
 * and the queue only (deterministic output, tapring replay). */
static void seed_rng(struct tr_stack *s, unsigned queue)
{
	uint64_t x = splitmix64(s->h->cfg.seed ^ ((uint64_t)queue << 48));
	s->rng = x ? x : 0x9e3779b97f4a7c15ull;
	s->ip4_id = (uint16_t)(splitmix64(x) >> 48);
}

struct tr_stack *tr_stack_create(const struct tr_stack_host *h, const struct tr_stack_io *io, int *err)
{
	int rc = -EINVAL;
	struct tr_stack *s = NULL;
	if (!h || !io || !io->alloc || !io->tx || !io->drop || io->headroom < 62 || io->buf_room < 128)
		goto fail;
	if (io->alloc_large && (!io->room || !io->adopt))
		goto fail;
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->h = h;
	s->nshare = h->nshare;
	s->io = *io;
	const struct tr_stack_config *c = &h->cfg;
	rc = tr__neigh_init(&s->n4, c->neigh_entries, c->neigh_queue, 4);
	if (rc)
		goto fail;
	rc = tr__neigh_init(&s->n6, c->neigh_entries, c->neigh_queue, 6);
	if (rc)
		goto fail;
	rc = tr__reasm_init(&s->reasm, c->reasm_slots, c->reasm_frags);
	if (rc)
		goto fail;
	/* Different starting IP ids per instance (workers share addresses). */
	s->ip4_id = (uint16_t)(((uintptr_t)s >> 6) * 40503u);
	if (c->seed)
		seed_rng(s, 0);
	else if (getrandom(&s->rng, sizeof(s->rng), GRND_NONBLOCK) != (ssize_t)sizeof(s->rng))
		s->rng = (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	if (s->rng == 0)
		s->rng = 0x9e3779b97f4a7c15ull;
	tr__tb_init(&s->icmp4_tb, c->icmp_rate, c->icmp_burst);
	tr__tb_init(&s->icmp6_tb, c->icmp_rate, c->icmp_burst);
	if (err)
		*err = 0;
	return s;
fail:
	if (s)
		tr_stack_destroy(s);
	if (err)
		*err = rc;
	return NULL;
}

void tr_stack_destroy(struct tr_stack *s)
{
	if (!s)
		return;
	tr__reasm_fini(s, &s->reasm);
	tr__neigh_fini(s, &s->n4);
	tr__neigh_fini(s, &s->n6);
	free(s);
}

void tr_stack_start(struct tr_stack *s, uint64_t now_ns)
{
	s->now = now_ns;
	s->next_tick = now_ns;
	if (!s->h->cfg.l3_only)
		tr__arp_gratuitous(s);
}

/* Our MAC, a published MAC, broadcast or multicast. */
static bool eth_dst_ours(const struct tr_stack *s, const uint8_t *dst)
{
	if (dst[0] & 1)
		return true;  /* broadcast and multicast: filtered per protocol */
	if (memcmp(dst, s->h->cfg.mac, 6) == 0)
		return true;
	for (unsigned i = 0; i < s->h->cfg.n_ip4; i++)
		if (memcmp(dst, s->h->ip4_mac[i], 6) == 0)
			return true;
	return false;
}

static uint32_t stack_input(struct tr_stack *s, struct tr_buf *b, uint64_t now_ns)
{
	s->now = now_ns;
	struct tr_eth_view ev = { b->data, b->len };
	if (tr_eth_check(&ev) != 0)
		return TR_DROP(s, ETH_RUNT);
	if (!eth_dst_ours(s, tr_eth_dst(&ev)))
		return TR_DROP(s, ETH_NOT_OURS);
	switch (tr_eth_type(&ev)) {
	case TR_ETHERTYPE_ARP:
		return tr__arp_input(s, b);
	case TR_ETHERTYPE_IPV4:
		return tr__ip4_input(s, b);
	case TR_ETHERTYPE_IPV6:
		return tr__ip6_input(s, b);
	default:
		/* VLAN-tagged and other protocols are not the stack's: the
		 * next stage (or the application) gets them. */
		TR_CNT(s, STACK_PASSED);
		return TR_ACT_NEXT;
	}
}

uint32_t tr_stack_input(struct tr_stack *s, struct tr_buf *b, uint64_t now_ns)
{
	s->slot = NULL;   /* no replacement possible: reassembly stays in place */
	uint32_t a = stack_input(s, b, now_ns);
	s->big = NULL;
	return a;
}

uint32_t tr_stack_input_slot(struct tr_stack *s, struct tr_buf **slot, uint64_t now_ns)
{
	s->slot = slot;
	uint32_t a = stack_input(s, *slot, now_ns);
	s->slot = NULL;
	s->big = NULL;
	return a;
}

void tr_stack_input_burst(struct tr_stack *s, struct tr_buf **bufs, uint32_t *acts,
			  unsigned n, uint64_t now_ns)
{
	for (unsigned i = 0; i < n; i++)
		acts[i] = tr_stack_input_slot(s, &bufs[i], now_ns);
}

/* xorshift64* (Vigna): fragment identifications only need to be hard to
 * predict from the outside and rarely repeat (RFC 7739), not to be
 * cryptographic. Seeded from getrandom() at creation. */
uint32_t tr__rand32(struct tr_stack *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void tr_stack_poll(struct tr_stack *s, uint64_t now_ns)
{
	s->now = now_ns;
	if (now_ns < s->next_tick)
		return;
	s->next_tick = now_ns + TR_STACK_TICK_NS;
	tr__neigh_poll(s, &s->n4);
	tr__neigh_poll(s, &s->n6);
	tr__reasm_poll(s, &s->reasm);
}

uint64_t tr_stack_counter(const struct tr_stack *s, unsigned id)
{
	return id < TR_STACK_C_COUNT ? s->cnt[id] : 0;
}

void tr_stack_set_queue(struct tr_stack *s, unsigned queue)
{
	s->queue = queue;
	if (s->h->cfg.seed)
		seed_rng(s, queue);
}

unsigned tr_stack_held(const struct tr_stack *s)
{
	return s->held;
}

unsigned tr_stack_queued(const struct tr_stack *s)
{
	return s->queued;
}

unsigned tr_stack_neigh_count(const struct tr_stack *s, int family)
{
	return family == 4 ? s->n4.count : s->n6.count;
}

int tr_stack_neigh_lookup(const struct tr_stack *s, int family, const uint8_t *ip, uint8_t mac[6])
{
	struct tr_neigh_table *t = (struct tr_neigh_table *)(family == 4 ? &s->n4 : &s->n6);
	struct tr_neigh *n = tr__neigh_find(t, ip);
	if (!n || n->state != TR_NEIGH_REACHABLE)
		return -ENOENT;
	memcpy(mac, n->mac, 6);
	return 0;
}

const struct tr_stack_host *tr_stack_get_host(const struct tr_stack *s)
{
	return s->h;
}
