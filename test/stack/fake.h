/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test harness for the stack: a fake tr_stack_io that hands out heap
 * buffers (128 B headroom + room), records every transmitted frame, counts
 * drops per reason and checks the accounting equation; plus frame builders
 * that use the codecs' emit functions.
 *
 * Buffer tags (b->user2 low bits): FK_RX for frames fed to tr_stack_input, FK_ORIG
 * for frames the stack or the test allocated. The equation checked by
 * fk_accounting_ok():
 *   rx == tx_inplace + tx_stolen + passed + rx_dropped + held
 */
#ifndef TAPRING_TEST_STACK_FAKE_H
#define TAPRING_TEST_STACK_FAKE_H

#include <stdlib.h>

#include <tapring/arp.h>
#include <tapring/checksum.h>
#include <tapring/dns.h>
#include <tapring/ethernet.h>
#include <tapring/icmpv4.h>
#include <tapring/icmpv6.h>
#include <tapring/ipv4.h>
#include <tapring/ipv6.h>
#include <tapring/slab.h>
#include <tapring/stack.h>
#include <tapring/udp.h>

#include "helpers.h"
/* White-box: guard-mode inputs shrink the instance's buf_room to the frame
 * length so that in-place replies can only use bytes that exist. */
#include "../../engine/stack/stack_pvt.h"

#define FK_RX   1u
#define FK_ORIG 2u
#define FK_GUARD 4u
#define FK_HEADROOM 128u
#define FK_MAXREC 4096

struct fk_frame {
	uint8_t *d;
	uint32_t len;
};

struct fake {
	struct tr_stack_io io;
	struct tr_stack_host *h;
	struct tr_stack *s;
	uint32_t room;
	uint64_t now;
	bool fail_alloc;
	unsigned live;           /* buffers not yet freed */
	/* frames sent through io->tx (originated or released) */
	struct fk_frame tx[FK_MAXREC];
	unsigned ntx;
	/* accounting of rx frames */
	unsigned rx, tx_inplace, tx_stolen, passed, rx_dropped;
	unsigned orig_dropped;
	unsigned drops[TR_STACK_C_COUNT];   /* io->drop calls per reason (rx + orig) */
	/* the last in-place reply */
	uint8_t last[70000];
	uint32_t last_len;
	/* optional large class (fk_enable_large): room per buffer, limit */
	uint32_t large_room;
	unsigned large_live, large_max;
	unsigned adopted;        /* rx frames replaced by a large buffer */
};

#define FK_LARGE 8u

static inline struct tr_buf *fk_buf_new_room(struct fake *f, uint32_t tag, uint32_t room)
{
	struct tr_buf *b = aligned_alloc(64, sizeof(struct tr_buf));
	T_ASSERT(b);
	memset(b, 0, sizeof(*b));
	uint8_t *mem = malloc(FK_HEADROOM + room);
	T_ASSERT(mem);
	memset(mem, 0xa5, FK_HEADROOM + room);
	b->data = mem + FK_HEADROOM;
	b->next = (struct tr_buf *)(void *)mem;   /* the fake's mapping (user is the stack's) */
	b->user2 = tag | ((uint64_t)room << 8);
	atomic_store_explicit(&b->refcnt, 1, memory_order_relaxed);  /* single-threaded fake */
	f->live++;
	return b;
}

static inline struct tr_buf *fk_buf_new(struct fake *f, uint32_t tag)
{
	return fk_buf_new_room(f, tag, f->room);
}

/* An rx frame whose last byte is followed by a PROT_NONE page (also for
 * len 0: data then points at the guard page itself). Own mapping
 * bookkeeping: base in b->user, mapping size in b->user2 >> 8. */
static inline struct tr_buf *fk_buf_guard(struct fake *f, const void *frame, uint32_t len)
{
	struct tr_buf *b = aligned_alloc(64, sizeof(struct tr_buf));
	T_ASSERT(b);
	memset(b, 0, sizeof(*b));
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = ((size_t)len + pg - 1) / pg;
	if (data_pages == 0)
		data_pages = 1;
	size_t total = (data_pages + 1) * pg;
	uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(base != MAP_FAILED);
	T_ASSERT(mprotect(base + data_pages * pg, pg, PROT_NONE) == 0);
	b->data = base + data_pages * pg - len;
	if (len)
		memcpy(b->data, frame, len);
	b->len = len;
	b->next = (struct tr_buf *)(void *)base;
	b->user2 = FK_RX | FK_GUARD | ((uint64_t)total << 8);
	atomic_store_explicit(&b->refcnt, 1, memory_order_relaxed);  /* single-threaded fake */
	f->live++;
	return b;
}

/* Drops one reference like tr_slab_free_local; frees at zero. The fake's
 * bookkeeping: mapping base in b->next, tag and mapping size in b->user2
 * (b->user belongs to the stack, e.g. socket rings). */
static inline void fk_buf_free(struct fake *f, struct tr_buf *b)
{
	/* relaxed: the fake is single-threaded */
	if (atomic_fetch_sub_explicit(&b->refcnt, 1, memory_order_relaxed) > 1)
		return;
	if (b->user2 & FK_GUARD)
		munmap((void *)b->next, (size_t)(b->user2 >> 8));
	else
		free((void *)b->next);
	if (b->user2 & FK_LARGE)
		f->large_live--;
	free(b);
	f->live--;
}

static inline void fk_record(struct fake *f, const struct tr_buf *b)
{
	if (f->ntx < FK_MAXREC) {
		f->tx[f->ntx].d = malloc(b->len ? b->len : 1);
		T_ASSERT(f->tx[f->ntx].d);
		memcpy(f->tx[f->ntx].d, b->data, b->len);
		f->tx[f->ntx].len = b->len;
	}
	f->ntx++;
}

static inline struct tr_buf *fk_io_alloc(void *ctx)
{
	struct fake *f = ctx;
	if (f->fail_alloc)
		return NULL;
	return fk_buf_new(f, FK_ORIG);
}

static inline struct tr_buf *fk_io_alloc_large(void *ctx)
{
	struct fake *f = ctx;
	if (f->fail_alloc || f->large_live >= f->large_max)
		return NULL;
	f->large_live++;
	return fk_buf_new_room(f, FK_ORIG | FK_LARGE, f->large_room);
}

/* Bytes from b->data to the end of its buffer: the heap buffer's end, or
 * the guard page of a guard-mode frame. */
static inline uint32_t fk_io_room(void *ctx, const struct tr_buf *b)
{
	(void)ctx;
	const uint8_t *base = (const uint8_t *)(const void *)b->next;
	const uint8_t *end = b->user2 & FK_GUARD
		? base + (b->user2 >> 8) - (size_t)sysconf(_SC_PAGESIZE)
		: base + FK_HEADROOM + (b->user2 >> 8);
	return (uint32_t)(end - b->data);
}

/* nb becomes the rx frame old was. */
static inline void fk_io_adopt(void *ctx, struct tr_buf *old, struct tr_buf *nb)
{
	struct fake *f = ctx;
	T_ASSERT(old->user2 & FK_RX);
	T_ASSERT(nb->user2 & FK_ORIG);
	nb->user2 = (nb->user2 & ~(uint64_t)FK_ORIG) | FK_RX;
	f->adopted++;
	fk_buf_free(f, old);
}

static inline int fk_io_tx(void *ctx, struct tr_buf *b)
{
	struct fake *f = ctx;
	fk_record(f, b);
	if (b->user2 & FK_RX)
		f->tx_stolen++;
	fk_buf_free(f, b);
	return 0;
}

static inline void fk_io_drop(void *ctx, struct tr_buf *b, unsigned reason)
{
	struct fake *f = ctx;
	T_ASSERT(reason < TR_STACK_C_COUNT);
	T_CHECK(tr_stack_counter_is_drop(reason));
	f->drops[reason]++;
	if (b->user2 & FK_RX)
		f->rx_dropped++;
	else
		f->orig_dropped++;
	fk_buf_free(f, b);
}

static inline void fk_clear_tx(struct fake *f)
{
	for (unsigned i = 0; i < f->ntx && i < FK_MAXREC; i++)
		free(f->tx[i].d);
	f->ntx = 0;
}

/* Default test host: MAC 02:00:00:77:00:01, 10.77.0.1 and 10.77.0.2
 * (the second published with MAC 02:00:00:77:00:02), fd77::1. */
static const uint8_t __attribute__((unused)) FK_MAC[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x01 };
static const uint8_t __attribute__((unused)) FK_MAC2[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x02 };
static const uint8_t __attribute__((unused)) FK_IP1[4] = { 10, 77, 0, 1 };
static const uint8_t __attribute__((unused)) FK_IP2[4] = { 10, 77, 0, 2 };
static const uint8_t __attribute__((unused)) FK_PEER_MAC[6] = { 0x02, 0x00, 0x00, 0x77, 0x00, 0x99 };
static const uint8_t __attribute__((unused)) FK_PEER_IP[4] = { 10, 77, 0, 99 };
static const uint8_t __attribute__((unused)) FK_IP6[16] = { 0xfd, 0x77, [15] = 1 };
static const uint8_t __attribute__((unused)) FK_PEER_IP6[16] = { 0xfd, 0x77, [15] = 0x99 };

static inline void fk_default_config(struct tr_stack_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, FK_MAC, 6);
	c->n_ip4 = 2;
	memcpy(c->ip4[0], FK_IP1, 4);
	memcpy(c->ip4[1], FK_IP2, 4);
	memcpy(c->ip4_mac[1], FK_MAC2, 6);
	c->n_ip6 = 1;
	memcpy(c->ip6[0], FK_IP6, 16);
}

static inline void fk_init(struct fake *f, const struct tr_stack_config *cfg, uint32_t room)
{
	memset(f, 0, sizeof(*f));
	f->room = room ? room : 2048;
	f->now = 1000000000ull;
	f->io = (struct tr_stack_io){
		.ctx = f, .alloc = fk_io_alloc, .tx = fk_io_tx, .drop = fk_io_drop,
		.headroom = FK_HEADROOM, .buf_room = f->room,
	};
	int err = 0;
	f->h = tr_stack_host_create(cfg, &err);
	if (!f->h)
		fprintf(stderr, "host create: %d\n", err);
	T_ASSERT(f->h);
}

/* Gives the stack a large class of max buffers of room bytes (call
 * between fk_init and fk_start). */
static inline void fk_enable_large(struct fake *f, uint32_t room, unsigned max)
{
	f->large_room = room;
	f->large_max = max;
	f->io.alloc_large = fk_io_alloc_large;
	f->io.room = fk_io_room;
	f->io.adopt = fk_io_adopt;
}

static inline void fk_start(struct fake *f)
{
	int err = 0;
	f->s = tr_stack_create(f->h, &f->io, &err);
	if (!f->s)
		fprintf(stderr, "stack create: %d\n", err);
	T_ASSERT(f->s);
	tr_stack_poll(f->s, f->now);   /* the stack's clock: last input/poll time */
}

static inline void fk_fini(struct fake *f)
{
	tr_stack_destroy(f->s);
	f->s = NULL;
	tr_stack_host_destroy(f->h);
	fk_clear_tx(f);
	T_CHECK_EQ(f->live, 0);   /* every buffer came back */
}

/* Feed one frame; handles the action like the engine would. */
static inline uint32_t fk_input_buf(struct fake *f, struct tr_buf *b)
{
	f->rx++;
	/* The slot form: b may come back replaced by a large buffer. */
	uint32_t act = tr_stack_input_slot(f->s, &b, f->now);
	switch (TR_ACT_KIND(act)) {
	case TR_ACT_TX:
		f->tx_inplace++;
		T_ASSERT(b->len <= sizeof(f->last));
		memcpy(f->last, b->data, b->len);
		f->last_len = b->len;
		fk_buf_free(f, b);
		break;
	case TR_ACT_NEXT:
	case TR_ACT_DELIVER:
		f->passed++;
		fk_buf_free(f, b);
		break;
	case TR_ACT_STOLEN:
		break;
	default: {
		unsigned r = TR_ACT_REASON(act);
		T_CHECK(r < TR_STACK_C_COUNT && tr_stack_counter_is_drop(r));
		f->rx_dropped++;
		fk_buf_free(f, b);
	}
	}
	return act;
}

static inline uint32_t fk_input(struct fake *f, const void *frame, uint32_t len)
{
	struct tr_buf *b = fk_buf_new(f, FK_RX);
	T_ASSERT(len <= f->room);
	memcpy(b->data, frame, len);
	b->len = len;
	return fk_input_buf(f, b);
}

/* The frame ends at a PROT_NONE page and the stack is told that the buffer
 * holds exactly len bytes: any read or write past them faults. Replies that
 * must grow the frame are then dropped as "tx.too_big". */
static inline uint32_t fk_input_guard(struct fake *f, const void *frame, uint32_t len)
{
	uint32_t room = f->s->io.buf_room;
	f->s->io.buf_room = len;
	uint32_t act = fk_input_buf(f, fk_buf_guard(f, frame, len));
	f->s->io.buf_room = room;
	return act;
}

static inline void fk_poll(struct fake *f, uint64_t advance_ns)
{
	f->now += advance_ns;
	tr_stack_poll(f->s, f->now);
}

static inline bool fk_accounting_ok(const struct fake *f)
{
	unsigned held = tr_stack_held(f->s);
	bool ok = f->rx == f->tx_inplace + f->tx_stolen + f->passed + f->rx_dropped + held;
	if (!ok)
		fprintf(stderr, "accounting: rx %u != tx %u + tx_stolen %u + passed %u + dropped %u + held %u\n",
			f->rx, f->tx_inplace, f->tx_stolen, f->passed, f->rx_dropped, held);
	return ok;
}

static inline uint64_t fk_cnt(const struct fake *f, const char *name)
{
	int id = tr_stack_counter_find(name);
	T_ASSERT(id >= 0);
	return tr_stack_counter(f->s, (unsigned)id);
}

#define FK_IS_DROP(act, id) ((act) == TR_ACT_DROP(TR_STACK_C_##id))

/* ---- frame builders (codec emit functions) ------------------------------- */

static inline uint32_t fk_eth(uint8_t *out, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	struct tr_eth_repr r = { .ethertype = type };
	memcpy(r.dst, dst, 6);
	memcpy(r.src, src, 6);
	T_ASSERT(tr_eth_emit(&r, out, 14) == 0);
	return 14;
}

static const uint8_t __attribute__((unused)) FK_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static inline uint32_t fk_arp(uint8_t *out, uint16_t op, const uint8_t *sha, const uint8_t *spa,
		       const uint8_t *tpa, const uint8_t *eth_dst)
{
	uint32_t n = fk_eth(out, eth_dst, sha, TR_ETHERTYPE_ARP);
	struct tr_arp_repr r = { .op = op };
	memcpy(r.sha, sha, 6);
	memcpy(r.spa, spa, 4);
	memcpy(r.tpa, tpa, 4);
	T_ASSERT(tr_arp_emit(&r, out + n, 28) == 0);
	/* pad to the Ethernet minimum like a real NIC would */
	memset(out + n + 28, 0, 18);
	return 60;
}

/* IPv4 datagram with l4 (already built) as payload. */
static inline uint32_t fk_ip4(uint8_t *out, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
		       const uint8_t *dst, uint8_t proto, const uint8_t *l4, uint32_t l4len,
		       uint16_t id, uint16_t frag_off, bool mf)
{
	uint32_t n = fk_eth(out, dmac, smac, TR_ETHERTYPE_IPV4);
	struct tr_ipv4_repr r = {
		.proto = proto, .ttl = 64, .id = id, .frag_off = frag_off, .mf = mf,
		.payload_len = (uint16_t)l4len,
	};
	memcpy(r.src, src, 4);
	memcpy(r.dst, dst, 4);
	T_ASSERT(tr_ipv4_emit(&r, out + n, 20) == 0);
	memcpy(out + n + 20, l4, l4len);
	return n + 20 + l4len;
}

static inline uint32_t fk_icmp4_echo_l4(uint8_t *l4, uint8_t type, uint16_t id, uint16_t seq,
				 const uint8_t *data, uint32_t dlen)
{
	struct tr_icmpv4_repr r = { .type = type, .data = data, .data_len = dlen };
	r.u.echo.id = id;
	r.u.echo.seq = seq;
	T_ASSERT(tr_icmpv4_emit(&r, l4, 8 + dlen) == 0);
	return 8 + dlen;
}

static inline uint32_t fk_udp_l4(uint8_t *l4, int family, const uint8_t *src, const uint8_t *dst,
			  uint16_t sport, uint16_t dport, const uint8_t *data, uint32_t dlen)
{
	struct tr_udp_repr r = { .src_port = sport, .dst_port = dport, .payload = data, .payload_len = dlen };
	struct tr_l4_pseudo ph = { (uint8_t)family, src, dst };
	T_ASSERT(tr_udp_emit(&r, &ph, l4, 8 + dlen) == 0);
	return 8 + dlen;
}

static inline uint32_t fk_udp4(uint8_t *out, const uint8_t *src, const uint8_t *dst, uint16_t sport,
			uint16_t dport, const uint8_t *data, uint32_t dlen)
{
	static uint8_t l4[65536];
	uint32_t n = fk_udp_l4(l4, 4, src, dst, sport, dport, data, dlen);
	return fk_ip4(out, FK_MAC, FK_PEER_MAC, src, dst, TR_IPPROTO_UDP, l4, n, 0x1234, 0, false);
}

static inline uint32_t fk_ip6(uint8_t *out, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
		       const uint8_t *dst, uint8_t proto, uint8_t hlim, const uint8_t *l4, uint32_t l4len)
{
	uint32_t n = fk_eth(out, dmac, smac, TR_ETHERTYPE_IPV6);
	struct tr_ipv6_repr r = { .hop_limit = hlim, .next = proto, .upper = proto,
				  .payload_len = (uint16_t)l4len };
	memcpy(r.src, src, 16);
	memcpy(r.dst, dst, 16);
	T_ASSERT(tr_ipv6_emit(&r, out + n, 40) == 0);
	memcpy(out + n + 40, l4, l4len);
	return n + 40 + l4len;
}

static inline uint32_t fk_udp6(uint8_t *out, const uint8_t *src, const uint8_t *dst, uint16_t sport,
			uint16_t dport, const uint8_t *data, uint32_t dlen)
{
	static uint8_t l4[65536];
	uint32_t n = fk_udp_l4(l4, 6, src, dst, sport, dport, data, dlen);
	return fk_ip6(out, FK_MAC, FK_PEER_MAC, src, dst, TR_IPPROTO_UDP, 64, l4, n);
}

/* An ICMPv6 message (repr) inside IPv6 inside Ethernet. */
static inline uint32_t fk_icmp6(uint8_t *out, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
			 const uint8_t *dst, uint8_t hlim, const struct tr_icmpv6_repr *r)
{
	uint8_t l4[2048];
	size_t n = tr_icmpv6_emit_len(r);
	struct tr_l4_pseudo ph = { 6, src, dst };
	T_ASSERT(n <= sizeof(l4));
	T_ASSERT(tr_icmpv6_emit(r, &ph, l4, n) == 0);
	return fk_ip6(out, dmac, smac, src, dst, TR_IPPROTO_ICMPV6, hlim, l4, (uint32_t)n);
}

/* Solicited-node multicast address and MAC of a. */
static inline void fk_snm(uint8_t out[16], const uint8_t *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, 13);
	memcpy(out + 13, a + 13, 3);
}

static inline void fk_mcast_mac(uint8_t mac[6], const uint8_t *a)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, a + 12, 4);
}

/* Checks that a recorded frame's IPv4 header and L4 checksums verify. */
static inline bool fk_ip4_csums_ok(const uint8_t *d, uint32_t len)
{
	struct tr_ipv4_view v = { (uint8_t *)(uintptr_t)d + 14, len - 14 };
	if (tr_ipv4_check(&v) != 0 || !tr_ipv4_csum_ok(&v))
		return false;
	uint32_t hl = tr_ipv4_hdr_len(&v), tl = tr_ipv4_total_len(&v);
	if (tr_ipv4_mf(&v) || tr_ipv4_frag_off(&v))
		return true;  /* L4 spans fragments */
	const uint8_t *l4 = d + 14 + hl;
	uint32_t l4len = tl - hl;
	if (tr_ipv4_proto(&v) == TR_IPPROTO_ICMP)
		return tr_cksum(l4, l4len) == 0;
	if (tr_ipv4_proto(&v) == TR_IPPROTO_UDP) {
		if (l4[6] == 0 && l4[7] == 0)
			return true;
		return tr_cksum_finish(tr_cksum_add(tr_cksum_pseudo_ipv4(d + 26, d + 30, 17, l4len), l4, l4len)) == 0;
	}
	return true;
}

static inline bool fk_ip6_l4_csum_ok(const uint8_t *d, uint32_t len)
{
	if (len < 54)
		return false;
	uint32_t plen = tr_load_be16(d + 18);
	if (54 + plen > len)
		return false;
	return tr_cksum_finish(tr_cksum_add(tr_cksum_pseudo_ipv6(d + 22, d + 38, d[20], plen), d + 54, plen)) == 0;
}

/* A builder of fragment frames of one test datagram: fragment id, byte
 * offset off, len bytes, more-fragments flag. */
typedef uint32_t (*fk_frag_fn)(uint8_t *fr, uint32_t id, uint32_t off, uint32_t len, bool mf);

/* The orders both reassembly tests (IPv4, IPv6) start with, over a 1008-byte
 * datagram in fragments of 400, 400 and 208 bytes made by mk: in order
 * (id 1), then last-first-middle (id 2) and middle-last-first (id 3, so
 * the offset-0 fragment completes it). Each completed datagram is echoed
 * whole (check) and nothing stays held. merged is the family's
 * FRAG_MERGED counter, ok its "ip4.reasm_ok" or "ip6.reasm_ok" name. */
static inline void fk_reasm_orders(struct fake *f, uint8_t *fr, fk_frag_fn mk, void (*check)(struct fake *),
				   unsigned merged, const char *ok)
{
	uint32_t n = mk(fr, 1, 0, 400, true);
	T_CHECK_EQ(fk_input_guard(f, fr, n), TR_ACT_STOLEN);
	n = mk(fr, 1, 400, 400, true);
	T_CHECK_EQ(fk_input_guard(f, fr, n), TR_ACT_STOLEN);
	T_CHECK_EQ(tr_stack_held(f->s), 2);
	n = mk(fr, 1, 800, 208, false);
	T_CHECK_EQ(fk_input(f, fr, n), TR_ACT_TX);
	check(f);
	T_CHECK_EQ(tr_stack_held(f->s), 0);
	T_CHECK_EQ(f->drops[merged], 2);
	T_CHECK_EQ(fk_cnt(f, ok), 1);

	static const uint32_t order[2][3] = { { 800, 0, 400 }, { 400, 800, 0 } };
	for (uint32_t id = 2; id <= 3; id++) {
		for (unsigned k = 0; k < 3; k++) {
			uint32_t off = order[id - 2][k];
			n = mk(fr, id, off, off == 800 ? 208 : 400, off != 800);
			T_CHECK_EQ(fk_input(f, fr, n), k < 2 ? TR_ACT_STOLEN : TR_ACT_TX);
		}
		check(f);
	}
	T_CHECK_EQ(tr_stack_held(f->s), 0);
	T_CHECK_EQ(fk_cnt(f, ok), 3);
}

#endif /* TAPRING_TEST_STACK_FAKE_H */
