/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stack internals shared by the engine/stack .c files. Never installed.
 *
 * Threading: struct tr_stack_host is written only before workers start and
 * read-only afterwards (no atomics needed: thread creation orders it), except
 * h->nshare, the lock-free neighbour hint table (nshare.c).
 * struct tr_stack is owned by exactly one worker thread.
 */
#ifndef TAPRING_STACK_PVT_H
#define TAPRING_STACK_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <tapring/stack.h>
#include <tapring/slab.h>

#define TR_ETH_HLEN 14
#define TR_ETYPE_IP4 0x0800
#define TR_ETYPE_ARP 0x0806
#define TR_ETYPE_IP6 0x86dd

#define TR_STACK_MAX_SOCKS 64
#define TR_REASM_SLOT_FRAGS 64
#define TR_NEIGH_WAYS 4
#define TR_NEIGH_QMAX 64
#define TR_STACK_TICK_NS 10000000ull   /* timers run at most every 10 ms */

/* ---- neighbour cache (neigh.c): bounded, 4-way set associative ---------- */

enum { TR_NEIGH_FREE = 0, TR_NEIGH_INCOMPLETE, TR_NEIGH_REACHABLE };

struct tr_neigh {
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t state;
	uint8_t probes;          /* resolution attempts sent */
	uint16_t qhead, qcount;  /* pending frames ring inside q */
	uint64_t updated_ns;     /* creation or last confirmation */
	uint64_t next_probe_ns;
	uint64_t published_ns;   /* last hint published for other workers */
	struct tr_buf **q;       /* qlen slots, carved from the table's array */
};

struct tr_neigh_table {
	struct tr_neigh *e;
	struct tr_buf **qstore;
	uint32_t nsets;          /* entries / TR_NEIGH_WAYS, power of two */
	uint32_t qlen;
	uint32_t count;          /* entries not FREE */
	uint32_t incomplete;     /* entries INCOMPLETE (poll fast path) */
	uint8_t alen;            /* 4 or 16 */
	uint8_t family;          /* 4 or 6 */
};

/* ---- neighbour hints shared by the workers (nshare.c) ------------------- */

struct tr_nshare_slot {
	TR__ATOMIC(uint32_t) seq;   /* seqlock: odd while a writer owns the slot */
	TR__ATOMIC(uint64_t) k0, k1;  /* address + family */
	TR__ATOMIC(uint64_t) mac;   /* 6 bytes, bit 63 = valid */
	TR__ATOMIC(uint64_t) t;     /* learned at (ns) */
};

struct tr_nshare {
	struct tr_nshare_slot *slot;
	uint32_t mask;
};

#define TR_NSHARE_SLOTS 1024
int tr__nshare_init(struct tr_nshare *t, uint32_t slots);
void tr__nshare_fini(struct tr_nshare *t);
/* Any worker, any time: record ip -> mac (lossy). */
void tr__nshare_publish(struct tr_nshare *t, int family, const uint8_t *ip, const uint8_t mac[6],
			uint64_t now);
/* Any worker: a hint younger than max_age (mac and its learn time), or
 * false. */
bool tr__nshare_lookup(struct tr_nshare *t, int family, const uint8_t *ip, uint64_t now,
		       uint64_t max_age, uint8_t mac[6], uint64_t *learned);

/* ---- IPv4 and IPv6 reassembly (reasm.c) ---------------------------------- */

struct tr_reasm_frag {
	struct tr_buf *b;
	uint16_t off;            /* payload offset in the datagram (bytes) */
	uint16_t len;            /* payload bytes */
	uint16_t poff;           /* payload offset inside b->data */
};

/* One datagram being reassembled. The key is RFC 791's (src, dst, proto,
 * id) for IPv4 and RFC 8200's (src, dst, id) for IPv6. */
struct tr_reasm_slot {
	bool used;
	uint8_t family;          /* 4 or 6 */
	uint8_t proto;           /* IPv4 only */
	uint8_t next0;           /* IPv6: Next Header of the offset-0 fragment's fragment header */
	uint32_t id;
	uint8_t src[16], dst[16];
	uint16_t hl0;            /* offset-0 fragment: header bytes kept (IPv4 header, or IPv6
	                          * header + unfragmentable extension headers); 0 = not seen */
	uint16_t nh0;            /* IPv6: offset from L3 of the Next Header byte that named
	                          * the fragment header in the offset-0 fragment */
	uint32_t total;          /* datagram payload length once the last fragment is seen, else 0 */
	uint32_t have;           /* payload bytes received */
	uint64_t created_ns;
	uint32_t seq;            /* creation order: eviction picks the lowest */
	unsigned nfrags;
	struct tr_reasm_frag f[TR_REASM_SLOT_FRAGS];
};

struct tr_reasm {
	struct tr_reasm_slot *slots;
	uint32_t nslots;
	uint32_t bufs;           /* fragment buffers held now (both families) */
	uint32_t max_bufs;
	uint32_t active;         /* slots in use */
	uint32_t next_seq;
};

/* One fragment as the IP input layers describe it to reasm.c. */
struct tr_frag_in {
	uint8_t family;
	uint8_t proto;           /* IPv4 */
	uint8_t next;            /* IPv6: the fragment header's Next Header */
	uint32_t id;
	const uint8_t *src, *dst;
	uint32_t l3;             /* IP header offset in b->data */
	uint32_t hl;             /* header bytes to keep (see hl0) */
	uint32_t nh;             /* IPv6: see nh0 */
	uint32_t poff;           /* fragment data offset in b->data */
	uint32_t plen;           /* fragment data bytes */
	uint32_t off;            /* fragment offset in bytes */
	bool mf;
};

/* ---- IPv6 path MTUs learned from Packet Too Big (frag.c) ---------------- */

#define TR_PMTU_ENTRIES 8
#define TR_PMTU_AGE_NS (600ull * 1000000000ull)   /* RFC 8201 5.3: 10 minutes */

struct tr_pmtu {
	uint8_t dst[16];
	uint16_t mtu;            /* 0: free */
	uint64_t expires_ns;
};

/* ---- token bucket ------------------------------------------------------- */

struct tr_tbucket {
	uint64_t last_ns;
	uint64_t tokens;         /* in units of 1e-9 token */
	uint64_t cap;
	uint32_t rate;           /* tokens per second */
};

static inline void tr__tb_init(struct tr_tbucket *tb, uint32_t rate, uint32_t burst)
{
	tb->rate = rate;
	tb->cap = (uint64_t)burst * 1000000000ull;
	tb->tokens = tb->cap;
	tb->last_ns = 0;
}

/* true when one token was taken. */
static inline bool tr__tb_take(struct tr_tbucket *tb, uint64_t now)
{
	if (now > tb->last_ns) {
		uint64_t dt = now - tb->last_ns;
		if (dt > 10000000000ull)
			dt = 10000000000ull;
		tb->tokens += dt * tb->rate;
		if (tb->tokens > tb->cap)
			tb->tokens = tb->cap;
		tb->last_ns = now;
	}
	if (tb->tokens < 1000000000ull)
		return false;
	tb->tokens -= 1000000000ull;
	return true;
}

/* ---- hosts table (hosts.c) ---------------------------------------------- */

struct tr_hosts_ent {
	uint32_t name;           /* offset into names (NUL terminated, lowercase) */
	uint16_t name_len;
	uint8_t family;
	uint8_t addr[16];
};

struct tr_hosts {
	struct tr_hosts_ent *ent;
	unsigned n, cap;
	char *names;
	size_t names_len, names_cap;
};

int tr__hosts_parse(struct tr_hosts *t, const char *text, size_t len);
void tr__hosts_free(struct tr_hosts *t);
int tr__hosts_lookup(const struct tr_hosts *t, const char *name, size_t name_len,
		     int family, uint8_t *out, unsigned max);

/* ---- host (shared) and instance (per worker) ----------------------------- */

struct tr_udp_sock {
	tr_udp_cb cb;            /* callback mode, or NULL for ring mode */
	void *arg;
	unsigned nrings;
	struct tr_ring *rings[TR_STACK_MAX_QUEUES];
};

/* Discard service totals of one worker queue: single writer (that
 * worker: relaxed load + store, no RMW needed), read by any thread with
 * relaxed loads (statistics; nothing else is published through them). One
 * cache line per queue. */
struct tr_discard_cnt {
	_Alignas(64) TR__ATOMIC(uint64_t) datagrams;
	TR__ATOMIC(uint64_t) bytes;
};

struct tr_stack_host {
	struct tr_stack_config cfg;
	uint8_t ip4_mac[TR_STACK_MAX_ADDRS][6];
	uint8_t ip6[TR_STACK_MAX_ADDRS + 1][16];
	unsigned n_ip6;
	struct tr_udp_sock socks[TR_STACK_MAX_SOCKS];
	unsigned nsocks;
	uint8_t port4[65536];    /* socket index + 1, 0 = closed */
	uint8_t port6[65536];
	struct tr_hosts hosts;
	struct tr_stage_ctx *stages;   /* stage adapters made from this host (stage.c) */
	/* The parts written while workers run: lock-free, see nshare.c, and
	 * the discard counters (one line per queue, see tr_discard_cnt). */
	struct tr_nshare *nshare;
	struct tr_discard_cnt *discard;   /* TR_STACK_MAX_QUEUES entries */
};

/* stage.c: free the adapters of h (from tr_stack_host_destroy). */
void tr__stage_free_all(struct tr_stack_host *h);

struct tr_stack {
	const struct tr_stack_host *h;
	struct tr_nshare *nshare;  /* h->nshare, writable */
	struct tr_stack_io io;
	uint64_t now;
	uint64_t next_tick;
	unsigned held;           /* rx frames stolen (IPv4 fragments awaiting reassembly) */
	unsigned queued;         /* originated frames waiting for a neighbour */
	uint16_t ip4_id;         /* IPv4 identification for originated datagrams */
	unsigned queue;          /* worker queue (socket ring index) */
	struct tr_neigh_table n4, n6;
	struct tr_reasm reasm;
	/* The frame being processed by tr_stack_input_slot (NULL when the
	 * caller cannot take a replacement), and the large buffer that
	 * replaced it, with its room. */
	struct tr_buf **slot;
	struct tr_buf *big;
	uint32_t big_room;
	uint64_t rng;            /* xorshift64* state: IPv6 fragment identifications */
	struct tr_pmtu pmtu6[TR_PMTU_ENTRIES];
	unsigned npmtu;          /* entries in use (0: no lookup at all) */
	struct tr_tbucket icmp4_tb, icmp6_tb;
	uint64_t cnt[TR_STACK_C_COUNT];
};

#define TR_CNT(s, id) ((s)->cnt[TR_STACK_C_##id]++)
#define TR_DROP(s, id) (TR_CNT(s, id), TR_ACT_DROP(TR_STACK_C_##id))

/* Release a stolen buffer (held--). */
static inline void tr__stack_release_drop(struct tr_stack *s, struct tr_buf *b, unsigned reason)
{
	s->held--;
	s->cnt[reason]++;
	s->io.drop(s->io.ctx, b, reason);
}

static inline void tr__stack_release_tx(struct tr_stack *s, struct tr_buf *b)
{
	s->held--;
	s->io.tx(s->io.ctx, b);
}

/* Drop an originated frame (not an rx frame) with a counted reason. */
static inline void tr__stack_drop_orig(struct tr_stack *s, struct tr_buf *b, unsigned reason)
{
	s->cnt[reason]++;
	s->io.drop(s->io.ctx, b, reason);
}

/* A fresh buffer for an originated frame, or NULL (counted tx.nobuf). */
static inline struct tr_buf *tr__stack_alloc(struct tr_stack *s)
{
	struct tr_buf *b = s->io.alloc(s->io.ctx);
	if (!b)
		s->cnt[TR_STACK_C_TX_NOBUF]++;
	return b;
}

/* Bytes from b->data to the end of b's buffer: in-place replies must fit. */
static inline uint32_t tr__room(const struct tr_stack *s, const struct tr_buf *b)
{
	if (b == s->big)
		return s->big_room;
	return s->io.room ? s->io.room(s->io.ctx, b) : s->io.buf_room;
}

/* neigh.c */
int tr__neigh_init(struct tr_neigh_table *t, uint32_t entries, uint32_t qlen, int family);
void tr__neigh_fini(struct tr_stack *s, struct tr_neigh_table *t);
struct tr_neigh *tr__neigh_find(struct tr_neigh_table *t, const uint8_t *ip);
/* Learn ip -> mac. create: make an entry when absent. Flushes pending frames. */
void tr__neigh_update(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *ip,
		      const uint8_t mac[6], bool create);
/* Frame b (Ethernet header complete but the destination MAC) goes to ip:
 * sent now (originated=true: io->tx), queued (awaiting resolution), or
 * dropped. Returns 0 sent, 1 queued, -ENOBUFS dropped. */
int tr__neigh_output(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *ip,
		     struct tr_buf *b);
void tr__neigh_poll(struct tr_stack *s, struct tr_neigh_table *t);

/* reasm.c */
int tr__reasm_init(struct tr_reasm *r, uint32_t slots, uint32_t bufs);
void tr__reasm_fini(struct tr_stack *s, struct tr_reasm *r);
void tr__reasm_poll(struct tr_stack *s, struct tr_reasm *r);
/* Fragment fi in *bp. Returns the action for the frame: STOLEN (held), a
 * DROP, or NEXT meaning *bp now holds the whole datagram (IPv4: no
 * fragment bits, total length and checksum redone; IPv6: the fragment
 * header removed, payload length redone). *bp may then be a large buffer
 * that replaced the received one (s->big). */
uint32_t tr__reasm_input(struct tr_stack *s, struct tr_buf **bp, const struct tr_frag_in *fi);

/* arp.c / ip4.c / ip6.c / udp.c / dns.c */
uint32_t tr__arp_input(struct tr_stack *s, struct tr_buf *b);
void tr__arp_request(struct tr_stack *s, const uint8_t ip[4]);
void tr__arp_gratuitous(struct tr_stack *s);
uint32_t tr__ip4_input(struct tr_stack *s, struct tr_buf *b);
uint32_t tr__ip6_input(struct tr_stack *s, struct tr_buf *b);
void tr__nd_solicit(struct tr_stack *s, const uint8_t ip[16]);
/* Deliver a verified UDP datagram (b: whole frame, l4 offset). */
uint32_t tr__udp_input(struct tr_stack *s, struct tr_buf *b, int family, uint32_t l3,
		       uint32_t l4, uint32_t l4len);
/* The DNS responder: payload rewritten in place; returns the action. */
uint32_t tr__dns_input(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m);
/* udp.c: a UDP super-frame for a per-datagram service (DNS): each datagram
 * is cut into a buffer of its own (tr_vnet_segment) and answered; the
 * super-frame ends as "udp.gso_split". */
uint32_t tr__udp_gso_split(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m);
/* Output an IPv4/IPv6 datagram in b (Ethernet + IP headers built, dst MAC
 * unresolved) to next hop ip. Handles neighbour resolution; b is consumed. */
int tr__ip4_output(struct tr_stack *s, struct tr_buf *b, const uint8_t dst[4]);
int tr__ip6_output(struct tr_stack *s, struct tr_buf *b, const uint8_t dst[16]);
/* Their common tail: a frame for a group address (IPv4 broadcast, IPv6
 * multicast) leaves at once to group_mac; any other goes through the
 * neighbour table t (sent, queued, or dropped: -ENOBUFS). */
static inline int tr__ip_output(struct tr_stack *s, struct tr_neigh_table *t, const uint8_t *dst,
				const uint8_t *group_mac, struct tr_buf *b)
{
	if (group_mac) {
		memcpy(b->data, group_mac, 6);
		s->io.tx(s->io.ctx, b);
		return 0;
	}
	return tr__neigh_output(s, t, dst, b) < 0 ? -ENOBUFS : 0;
}

/* Prepend Ethernet + IP headers to the L4 message in b (b->data, b->len,
 * headroom used) and send it (fragmenting IPv4 above the MTU). b consumed. */
int tr__ip4_send(struct tr_stack *s, struct tr_buf *b, const uint8_t src[4], const uint8_t dst[4],
		 uint8_t proto);
int tr__ip6_send(struct tr_stack *s, struct tr_buf *b, const uint8_t src[16], const uint8_t dst[16],
		 uint8_t proto);
/* Port unreachable back to the sender of the datagram in b (rate-limited;
 * b itself is left to the caller). */
void tr__icmp4_port_unreach(struct tr_stack *s, struct tr_buf *b);
void tr__icmp6_port_unreach(struct tr_stack *s, struct tr_buf *b);

/* b holds a complete IPv4 reply frame larger than the MTU (answer to a
 * reassembled request): send it as fragments to its Ethernet destination.
 * b is consumed (the rx frame leaves through io->tx): returns STOLEN. */
uint32_t tr__ip4_reply_big(struct tr_stack *s, struct tr_buf *b);
/* The same for IPv6: b holds Ethernet + IPv6 header + the upper-layer
 * message at l4 (extension headers in between are not repeated). */
uint32_t tr__ip6_reply_big(struct tr_stack *s, struct tr_buf *b, uint32_t l4, uint8_t proto);

/* frag.c: the fragmenting output for both families. b->data is the L4
 * message (b->len bytes) with headroom for Ethernet + IP (+ fragment)
 * headers. Sends it whole when it fits the MTU, else as fragments: the
 * first stays in b (zero copy), the others are copied into new buffers.
 * IPv4 fragments leave with DF clear (a host may fragment its own
 * datagrams, RFC 1122 3.3.3); IPv6 fragments carry a fragment header with
 * a random identification (RFC 8200 4.5, RFC 7739) and no atomic
 * fragments are ever made (RFC 8021). dmac NULL: resolve the neighbour;
 * else sent straight to dmac. b consumed. 0, -EMSGSIZE, -ENOBUFS. */
int tr__frag4_out(struct tr_stack *s, struct tr_buf *b, const uint8_t src[4], const uint8_t dst[4],
		  uint8_t proto, const uint8_t *dmac);
int tr__frag6_out(struct tr_stack *s, struct tr_buf *b, const uint8_t src[16], const uint8_t dst[16],
		  uint8_t proto, const uint8_t *dmac);
/* Ethernet source MAC for our IPv4 address index idx (-1: the interface's). */
const uint8_t *tr__ip4_src_mac(const struct tr_stack_host *h, int idx);
uint32_t tr__rand32(struct tr_stack *s);
/* IPv6: the MTU towards dst (the link MTU unless a Packet Too Big lowered
 * it, never below 1280), and recording a Packet Too Big for dst. */
uint32_t tr__pmtu6_get(struct tr_stack *s, const uint8_t dst[16]);
void tr__pmtu6_learn(struct tr_stack *s, const uint8_t dst[16], uint32_t mtu);
const uint8_t *tr__ip6_pick_src(const struct tr_stack_host *h, const uint8_t *dst);
int tr__host_ip4_index(const struct tr_stack_host *h, const uint8_t ip[4]);
int tr__host_ip6_index(const struct tr_stack_host *h, const uint8_t ip[16]);

#endif /* TAPRING_STACK_PVT_H */
