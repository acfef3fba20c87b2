/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fragmenting IP output, both families: the L4 message in b gets its IP
 * (and Ethernet) headers prepended in the headroom and leaves whole when it
 * fits the MTU, or as fragments otherwise.
 *
 * Fragment size: every fragment but the last carries a multiple of 8 bytes
 * of the message, as many as the MTU allows: (mtu - 20) & ~7 over IPv4,
 * (mtu - 40 - 8) & ~7 over IPv6 (1448 at 1500). The first fragment stays in
 * b (zero copy: its headers go into the headroom); fragments 2..n are
 * copied into new buffers first, so a failed allocation loses nothing
 * already sent.
 *
 * Rules a host follows here:
 *  - IPv4 (RFC 791, RFC 1122 3.3.3): all fragments share one 16-bit
 *    identification from the instance's counter; DF is clear on them (the
 *    host fragments its own datagram, like Linux does for ICMP replies).
 *  - IPv6 (RFC 8200 4.5): only the source fragments; every fragment has
 *    the fixed header and a fragment header (next header = the upper
 *    protocol, offset in 8-byte units, M on all but the last, a 32-bit
 *    identification drawn at random per datagram, RFC 7739). A message
 *    that fits the MTU gets no fragment header: no atomic fragments are
 *    ever made (RFC 8021). The MTU is the path MTU towards the
 *    destination (RFC 8201, below).
 *  IPv4 datagrams leave with DF clear, so IPv4 path MTU discovery (RFC
 *  1191) does not apply: fragmentation-needed messages are ignored.
 * The fragments of one datagram go out back to back in the same batch:
 * at most 64 of them, which covers 65535 bytes at any MTU >= 1100.
 */
#include <errno.h>

#include <tapring/ethernet.h>
#include <tapring/ipv4.h>
#include <tapring/ipv6.h>

#include "stack_pvt.h"

#define L3 TR_ETH_HDR_LEN
#define FRAG_MAX 64

/* Ethernet + IPv4 header for one fragment at d. */
static void ip4_hdr(struct tr_stack *s, uint8_t *d, int sidx, const uint8_t src[4], const uint8_t dst[4],
		    uint8_t proto, uint16_t id, uint32_t off, bool mf, uint32_t plen)
{
	memset(d + TR_ETH_OFF_DST, 0, 6);  /* filled on resolution */
	memcpy(d + TR_ETH_OFF_SRC, tr__ip4_src_mac(s->h, sidx), 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV4);
	struct tr_ipv4_repr ir = {
		.proto = proto, .ttl = 64, .id = id, .mf = mf, .frag_off = (uint16_t)off,
		.payload_len = (uint16_t)plen,
	};
	memcpy(ir.src, src, 4);
	memcpy(ir.dst, dst, 4);
	tr_ipv4_emit(&ir, d + L3, 20);
}

/* Ethernet + IPv6 header (+ fragment header when frag) at d. */
static uint32_t ip6_hdr(struct tr_stack *s, uint8_t *d, const uint8_t src[16], const uint8_t dst[16],
			uint8_t proto, bool frag, uint32_t id, uint32_t off, bool mf, uint32_t plen)
{
	memset(d + TR_ETH_OFF_DST, 0, 6);
	memcpy(d + TR_ETH_OFF_SRC, s->h->cfg.mac, 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV6);
	struct tr_ipv6_repr r = {
		.hop_limit = 64, .next = proto, .upper = proto,
		.payload_len = (uint16_t)(plen + (frag ? TR_IPV6_FRAG_LEN : 0)),
		.has_frag = frag, .frag_mf = mf, .frag_off = (uint16_t)off, .frag_id = id,
	};
	memcpy(r.src, src, 16);
	memcpy(r.dst, dst, 16);
	size_t n = tr_ipv6_emit_len(&r);
	tr_ipv6_emit(&r, d + L3, n);
	return L3 + (uint32_t)n;
}

/* Send one finished frame: to dmac, or through neighbour resolution. */
static int frame_out(struct tr_stack *s, struct tr_buf *x, int family, const uint8_t *dst, const uint8_t *dmac)
{
	if (dmac) {
		memcpy(x->data, dmac, 6);
		s->io.tx(s->io.ctx, x);
		return 0;
	}
	return family == 4 ? tr__ip4_output(s, x, dst) : tr__ip6_output(s, x, dst);
}

/* Sends b (fragment 0) and fr[1..nfrag-1]; counts them under counter.
 * Returns the first send error, or 0. */
static int frags_out(struct tr_stack *s, struct tr_buf *b, struct tr_buf **fr, uint32_t nfrag,
		     int family, const uint8_t *dst, const uint8_t *dmac, unsigned counter)
{
	int rc = 0;
	for (uint32_t k = 0; k < nfrag; k++) {
		int r = frame_out(s, k ? fr[k] : b, family, dst, dmac);
		if (r && !rc)
			rc = r;
	}
	s->cnt[counter] += nfrag;
	return rc;
}

/* Releases fragments 1..k-1 and b after an allocation failure. */
static int frag_fail(struct tr_stack *s, struct tr_buf *b, struct tr_buf **fr, uint32_t k)
{
	for (uint32_t j = 1; j < k; j++)
		s->io.drop(s->io.ctx, fr[j], TR_STACK_C_TX_NOBUF);
	tr__stack_drop_orig(s, b, TR_STACK_C_TX_NOBUF);
	return -ENOBUFS;
}

/* One datagram being fragmented: what every fragment's headers repeat. */
struct frag_dgram {
	int family;             /* 4 or 6 */
	int sidx;               /* IPv4: index of src among the host's addresses */
	const uint8_t *src, *dst;
	uint8_t proto;
	uint32_t id;            /* IPv4: 16 bits; IPv6: the fragment header's 32 */
	uint32_t hdr;           /* Ethernet + IP (+ fragment) header bytes */
};

/* Ethernet and IP headers of one fragment (off, mf, n payload bytes) at d. */
static void frag_hdr(struct tr_stack *s, const struct frag_dgram *g, uint8_t *d, uint32_t off,
		     bool mf, uint32_t n)
{
	if (g->family == 4)
		ip4_hdr(s, d, g->sidx, g->src, g->dst, g->proto, (uint16_t)g->id, off, mf, n);
	else
		ip6_hdr(s, d, g->src, g->dst, g->proto, true, g->id, off, mf, n);
}

/* Splits the L4 message in b into nfrag fragments of chunk bytes (the last
 * shorter): fragments 2..n are copied into new buffers first, then b gets
 * fragment 1's headers in its headroom, and all leave. Both families. */
static int frag_fill(struct tr_stack *s, struct tr_buf *b, const struct frag_dgram *g, uint32_t chunk,
		     uint32_t nfrag, const uint8_t *dmac, unsigned counter)
{
	uint32_t l4len = b->len;
	struct tr_buf *fr[FRAG_MAX];
	for (uint32_t k = 1; k < nfrag; k++) {
		fr[k] = tr__stack_alloc(s);
		if (!fr[k])
			return frag_fail(s, b, fr, k);
		uint32_t off = k * chunk;
		uint32_t n = l4len - off < chunk ? l4len - off : chunk;
		frag_hdr(s, g, fr[k]->data, off, k + 1 < nfrag, n);
		memcpy(fr[k]->data + g->hdr, b->data + off, n);
		fr[k]->len = g->hdr + n;
	}
	b->data -= g->hdr;
	b->len = g->hdr + chunk;
	frag_hdr(s, g, b->data, 0, true, chunk);
	return frags_out(s, b, fr, nfrag, g->family, g->dst, dmac, counter);
}

int tr__frag4_out(struct tr_stack *s, struct tr_buf *b, const uint8_t src[4], const uint8_t dst[4],
		  uint8_t proto, const uint8_t *dmac)
{
	int sidx = tr__host_ip4_index(s->h, src);
	uint32_t l4len = b->len;
	uint32_t mtu = s->h->cfg.mtu;
	uint16_t id = s->ip4_id++;

	if (20 + l4len <= mtu) {
		b->data -= L3 + 20;
		b->len += L3 + 20;
		ip4_hdr(s, b->data, sidx, src, dst, proto, id, 0, false, l4len);
		return frame_out(s, b, 4, dst, dmac);
	}

	uint32_t chunk = (mtu - 20) & ~7u;
	uint32_t nfrag = (l4len + chunk - 1) / chunk;
	if (nfrag > FRAG_MAX || L3 + 20 + chunk > s->io.buf_room) {
		tr__stack_drop_orig(s, b, TR_STACK_C_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	const struct frag_dgram g = {
		.family = 4, .sidx = sidx, .src = src, .dst = dst, .proto = proto, .id = id,
		.hdr = L3 + 20,
	};
	return frag_fill(s, b, &g, chunk, nfrag, dmac, TR_STACK_C_IP4_FRAGS_SENT);
}

/* ---- IPv6 path MTU (RFC 8201) ---------------------------------------------
 * A handful of per-worker entries, learned from Packet Too Big messages
 * about our own packets. Everything is on-link, so a lowered path MTU is
 * the exception (a neighbour with a smaller MTU): no lookup happens while
 * the table is empty. Entries expire after 10 minutes (RFC 8201 5.3), then
 * the link MTU is tried again. A PTB below 1280 means 1280: IPv6 links
 * carry at least that, and atomic fragments are not made (RFC 8021). */

uint32_t tr__pmtu6_get(struct tr_stack *s, const uint8_t dst[16])
{
	uint32_t mtu = s->h->cfg.mtu;
	if (s->npmtu == 0)
		return mtu;
	for (unsigned i = 0; i < TR_PMTU_ENTRIES; i++) {
		struct tr_pmtu *p = &s->pmtu6[i];
		if (!p->mtu)
			continue;
		if (s->now >= p->expires_ns) {
			p->mtu = 0;
			s->npmtu--;
			continue;
		}
		if (memcmp(p->dst, dst, 16) == 0)
			return p->mtu < mtu ? p->mtu : mtu;
	}
	return mtu;
}

void tr__pmtu6_learn(struct tr_stack *s, const uint8_t dst[16], uint32_t mtu)
{
	if (mtu < 1280)
		mtu = 1280;
	if (mtu >= tr__pmtu6_get(s, dst))
		return;   /* RFC 8201 4: never raise from a PTB */
	struct tr_pmtu *slot = NULL;
	for (unsigned i = 0; i < TR_PMTU_ENTRIES && !slot; i++)
		if (s->pmtu6[i].mtu && memcmp(s->pmtu6[i].dst, dst, 16) == 0)
			slot = &s->pmtu6[i];
	for (unsigned i = 0; i < TR_PMTU_ENTRIES && !slot; i++)
		if (!s->pmtu6[i].mtu)
			slot = &s->pmtu6[i];
	if (!slot) {   /* full: replace the entry closest to expiry */
		slot = &s->pmtu6[0];
		for (unsigned i = 1; i < TR_PMTU_ENTRIES; i++)
			if (s->pmtu6[i].expires_ns < slot->expires_ns)
				slot = &s->pmtu6[i];
	} else if (!slot->mtu) {
		s->npmtu++;
	}
	memcpy(slot->dst, dst, 16);
	slot->mtu = (uint16_t)mtu;
	slot->expires_ns = s->now + TR_PMTU_AGE_NS;
	s->cnt[TR_STACK_C_IP6_PMTU_LOWERED]++;
}

int tr__frag6_out(struct tr_stack *s, struct tr_buf *b, const uint8_t src[16], const uint8_t dst[16],
		  uint8_t proto, const uint8_t *dmac)
{
	uint32_t l4len = b->len;
	uint32_t mtu = tr__pmtu6_get(s, dst);
	const uint32_t hdr = L3 + TR_IPV6_HDR_LEN + TR_IPV6_FRAG_LEN;

	if (TR_IPV6_HDR_LEN + l4len <= mtu) {
		b->data -= L3 + TR_IPV6_HDR_LEN;
		b->len += L3 + TR_IPV6_HDR_LEN;
		ip6_hdr(s, b->data, src, dst, proto, false, 0, 0, false, l4len);
		return frame_out(s, b, 6, dst, dmac);
	}

	/* RFC 8200 5: the link MTU is at least 1280, so chunk >= 1232. */
	uint32_t chunk = (mtu - TR_IPV6_HDR_LEN - TR_IPV6_FRAG_LEN) & ~7u;
	uint32_t nfrag = (l4len + chunk - 1) / chunk;
	if (l4len > 65535u - TR_IPV6_FRAG_LEN || nfrag > FRAG_MAX || hdr + chunk > s->io.buf_room) {
		tr__stack_drop_orig(s, b, TR_STACK_C_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	const struct frag_dgram g = {
		.family = 6, .src = src, .dst = dst, .proto = proto, .id = tr__rand32(s), .hdr = hdr,
	};
	return frag_fill(s, b, &g, chunk, nfrag, dmac, TR_STACK_C_IP6_FRAGS_SENT);
}
