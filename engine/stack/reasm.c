/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 and IPv6 reassembly (RFC 791 section 3.2, RFC 8200 section 4.5,
 * RFC 815 hole logic simplified by rejecting overlaps).
 *
 * Both families share one store per worker, bounded three ways: a fixed
 * number of datagram slots (a new datagram when all are busy evicts the
 * oldest: "ip4/ip6.reasm_evicted"), a budget of fragment buffers held
 * ("ip4/ip6.reasm_mem"), and a per-datagram fragment array (same reason).
 * Datagrams not complete within the timeout are dropped from poll
 * ("ip4/ip6.reasm_timeout"). Any overlap, duplicate or length
 * inconsistency discards the whole datagram ("ip4/ip6.reasm_overlap"):
 * RFC 5722's rule for IPv6, applied to IPv4 too (it defeats overlap-based
 * evasion). Each reason is counted under the family of the datagram.
 *
 * Fragments are stolen (zero copy) until the datagram is complete. The
 * datagram is then assembled in the buffer of the fragment that completed
 * it when it fits there (the only copy on this slow path): its own payload
 * is moved into place, the others are copied in and released as
 * "ip4/ip6.frag_merged". A datagram larger than that buffer is assembled in
 * a buffer of the large class (io->alloc_large), which takes the completing
 * frame's place (io->adopt) when the caller can take a replacement
 * (tr_stack_input_slot); otherwise, or when no large buffer holds it, the
 * datagram is dropped as "ip4/ip6.reasm_too_big".
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <tapring/ipv4.h>
#include <tapring/ipv6.h>

#include "stack_pvt.h"

/* Drop reasons by family: [0] IPv4, [1] IPv6. */
enum { R_MERGED, R_TIMEOUT, R_OVERLAP, R_MEM, R_TOO_BIG, R_EVICTED, R_BAD_LEN, R_OK, R_N };
static const unsigned reason_of[2][R_N] = {
	{ TR_STACK_C_IP4_FRAG_MERGED, TR_STACK_C_IP4_REASM_TIMEOUT, TR_STACK_C_IP4_REASM_OVERLAP,
	  TR_STACK_C_IP4_REASM_MEM, TR_STACK_C_IP4_REASM_TOO_BIG, TR_STACK_C_IP4_REASM_EVICTED,
	  TR_STACK_C_IP4_BAD_LEN, TR_STACK_C_IP4_REASM_OK },
	{ TR_STACK_C_IP6_FRAG_MERGED, TR_STACK_C_IP6_REASM_TIMEOUT, TR_STACK_C_IP6_REASM_OVERLAP,
	  TR_STACK_C_IP6_REASM_MEM, TR_STACK_C_IP6_REASM_TOO_BIG, TR_STACK_C_IP6_REASM_EVICTED,
	  TR_STACK_C_IP6_FRAG_BAD_LEN, TR_STACK_C_IP6_REASM_OK },
};

static inline unsigned rsn(unsigned family, unsigned r)
{
	return reason_of[family == 6][r];
}

int tr__reasm_init(struct tr_reasm *r, uint32_t slots, uint32_t bufs)
{
	memset(r, 0, sizeof(*r));
	if (slots == 0 || bufs == 0)
		return -EINVAL;
	r->slots = calloc(slots, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->nslots = slots;
	r->max_bufs = bufs;
	return 0;
}

static void slot_drop(struct tr_stack *s, struct tr_reasm *r, struct tr_reasm_slot *sl, unsigned reason)
{
	for (unsigned i = 0; i < sl->nfrags; i++)
		tr__stack_release_drop(s, sl->f[i].b, reason);
	r->bufs -= sl->nfrags;
	sl->nfrags = 0;
	sl->used = false;
	r->active--;
}

void tr__reasm_fini(struct tr_stack *s, struct tr_reasm *r)
{
	if (!r->slots)
		return;
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->slots[i].used)
			slot_drop(s, r, &r->slots[i], TR_STACK_C_STACK_SHUTDOWN);
	free(r->slots);
	r->slots = NULL;
}

void tr__reasm_poll(struct tr_stack *s, struct tr_reasm *r)
{
	if (r->active == 0)
		return;
	uint64_t tmo = s->h->cfg.reasm_timeout_ns;
	for (uint32_t i = 0; i < r->nslots; i++) {
		struct tr_reasm_slot *sl = &r->slots[i];
		if (sl->used && s->now - sl->created_ns >= tmo)
			slot_drop(s, r, sl, rsn(sl->family, R_TIMEOUT));
	}
}

static bool key_eq(const struct tr_reasm_slot *sl, const struct tr_frag_in *fi)
{
	unsigned alen = fi->family == 4 ? 4 : 16;
	return sl->family == fi->family && sl->id == fi->id &&
	       (fi->family == 6 || sl->proto == fi->proto) &&
	       memcmp(sl->src, fi->src, alen) == 0 && memcmp(sl->dst, fi->dst, alen) == 0;
}

static struct tr_reasm_slot *slot_get(struct tr_stack *s, struct tr_reasm *r, const struct tr_frag_in *fi)
{
	struct tr_reasm_slot *freeslot = NULL, *oldest = NULL;
	for (uint32_t i = 0; i < r->nslots; i++) {
		struct tr_reasm_slot *sl = &r->slots[i];
		if (!sl->used) {
			if (!freeslot)
				freeslot = sl;
			continue;
		}
		if (key_eq(sl, fi))
			return sl;
		/* Creation order, not time: a whole burst shares one
		 * timestamp, and ties must not make one slot the victim
		 * every time. */
		if (!oldest || (int32_t)(sl->seq - oldest->seq) < 0)
			oldest = sl;
	}
	if (!freeslot) {
		slot_drop(s, r, oldest, rsn(oldest->family, R_EVICTED));
		freeslot = oldest;
	}
	memset(freeslot, 0, offsetof(struct tr_reasm_slot, f));
	freeslot->used = true;
	freeslot->family = fi->family;
	freeslot->id = fi->id;
	freeslot->proto = fi->proto;
	memcpy(freeslot->src, fi->src, fi->family == 4 ? 4 : 16);
	memcpy(freeslot->dst, fi->dst, fi->family == 4 ? 4 : 16);
	freeslot->created_ns = s->now;
	freeslot->seq = r->next_seq++;
	r->active++;
	return freeslot;
}

/* Discard the datagram and the current fragment with one reason. */
static uint32_t reasm_fail(struct tr_stack *s, struct tr_reasm *r, struct tr_reasm_slot *sl, unsigned reason)
{
	slot_drop(s, r, sl, reason);
	s->cnt[reason]++;
	return TR_ACT_DROP(reason);
}

uint32_t tr__reasm_input(struct tr_stack *s, struct tr_buf **bp, const struct tr_frag_in *fi)
{
	struct tr_reasm *r = &s->reasm;
	struct tr_buf *b = *bp;
	const unsigned fam = fi->family;
	const uint32_t off = fi->off, plen = fi->plen;

	/* Every fragment but the last carries a multiple of 8 bytes; the
	 * datagram cannot pass 65535 bytes (IPv4 total length: header
	 * included; IPv6 payload length: unfragmentable extension headers
	 * included). */
	uint32_t limit = fam == 4 ? 65535u - fi->hl : 65535u - (fi->hl - 40u);
	if (plen == 0 || (fi->mf && (plen & 7)) || off + plen > limit) {
		s->cnt[rsn(fam, R_BAD_LEN)]++;
		return TR_ACT_DROP(rsn(fam, R_BAD_LEN));
	}

	struct tr_reasm_slot *sl = slot_get(s, r, fi);
	uint32_t end = off + plen;
	if (!fi->mf) {
		if (sl->total && sl->total != end)
			return reasm_fail(s, r, sl, rsn(fam, R_OVERLAP));
		sl->total = end;
	}
	if (sl->total && end > sl->total)
		return reasm_fail(s, r, sl, rsn(fam, R_OVERLAP));
	for (unsigned i = 0; i < sl->nfrags; i++) {
		const struct tr_reasm_frag *f = &sl->f[i];
		if (off < (uint32_t)f->off + f->len && f->off < end)
			return reasm_fail(s, r, sl, rsn(fam, R_OVERLAP));
	}
	/* The offset-0 fragment's headers become the datagram's: an IPv6
	 * datagram whose unfragmentable part would not fit the limit of a
	 * fragment already held is inconsistent. */
	if (off == 0) {
		if (sl->total && sl->total > limit)
			return reasm_fail(s, r, sl, rsn(fam, R_OVERLAP));
		sl->hl0 = (uint16_t)fi->hl;
		sl->nh0 = (uint16_t)fi->nh;
		sl->next0 = fi->next;
	}
	sl->have += plen;

	if (!(sl->total && sl->have == sl->total)) {
		/* Not complete: keep this fragment, if the budgets allow. */
		if (sl->nfrags >= TR_REASM_SLOT_FRAGS)
			return reasm_fail(s, r, sl, rsn(fam, R_MEM));
		if (r->bufs >= r->max_bufs) {
			if (sl->nfrags == 0) {
				sl->used = false;
				r->active--;
			} else {
				sl->have -= plen;
				if (off == 0)
					sl->hl0 = 0;
				if (!fi->mf)
					sl->total = 0;
			}
			s->cnt[rsn(fam, R_MEM)]++;
			return TR_ACT_DROP(rsn(fam, R_MEM));
		}
		sl->f[sl->nfrags++] = (struct tr_reasm_frag){
			.b = b, .off = (uint16_t)off, .len = (uint16_t)plen, .poff = (uint16_t)fi->poff,
		};
		r->bufs++;
		s->held++;
		return TR_ACT_STOLEN;
	}

	/* Complete. The headers come from the offset-0 fragment. */
	const uint32_t l3 = fi->l3;
	const struct tr_reasm_frag *first = NULL;
	if (off != 0) {
		for (unsigned i = 0; i < sl->nfrags; i++)
			if (sl->f[i].off == 0)
				first = &sl->f[i];
		if (!first || sl->hl0 == 0) /* cannot happen: have == total without overlap covers 0 */
			return reasm_fail(s, r, sl, rsn(fam, R_OVERLAP));
	}
	const uint32_t hl0 = sl->hl0, total = sl->total;
	const uint32_t need = l3 + hl0 + total;
	struct tr_buf *d = b;        /* where the datagram is assembled */
	if (need > tr__room(s, b)) {
		if (!s->slot || !s->io.alloc_large)
			return reasm_fail(s, r, sl, rsn(fam, R_TOO_BIG));
		d = s->io.alloc_large(s->io.ctx);
		if (!d)   /* the large class is empty: out of reassembly memory */
			return reasm_fail(s, r, sl, rsn(fam, R_MEM));
		uint32_t room = s->io.room(s->io.ctx, d);
		if (need > room) {
			/* The class is smaller than this datagram. The large
			 * buffer was never a frame: released uncounted here
			 * (the engine counts it among originated drops). */
			s->io.drop(s->io.ctx, d, rsn(fam, R_TOO_BIG));
			return reasm_fail(s, r, sl, rsn(fam, R_TOO_BIG));
		}
		s->big = d;
		s->big_room = room;
	}

	/* This fragment's payload first (it may move within b), then the
	 * headers, then the held fragments. */
	if (d == b)
		memmove(b->data + l3 + hl0 + off, b->data + fi->poff, plen);
	else
		memcpy(d->data + l3 + hl0 + off, b->data + fi->poff, plen);
	const struct tr_buf *hdr = first ? first->b : b;
	if (hdr != d)
		memcpy(d->data, hdr->data, l3 + hl0);
	for (unsigned i = 0; i < sl->nfrags; i++) {
		const struct tr_reasm_frag *f = &sl->f[i];
		memcpy(d->data + l3 + hl0 + f->off, f->b->data + f->poff, f->len);
	}
	const uint8_t next0 = sl->next0;
	const uint32_t nh0 = sl->nh0;
	slot_drop(s, r, sl, rsn(fam, R_MERGED));

	if (fam == 4) {
		struct tr_ipv4_view v = { d->data + l3, hl0 + total };
		tr_ipv4_set_total_len(&v, (uint16_t)(hl0 + total));
		tr_store_be16(v.buf + TR_IPV4_OFF_FRAG, 0);
		tr_ipv4_fill_csum(&v);
	} else {
		uint8_t *ip = d->data + l3;
		ip[nh0] = next0;
		tr_store_be16(ip + TR_IPV6_OFF_PLEN, (uint16_t)(hl0 - TR_IPV6_HDR_LEN + total));
	}
	d->len = need;
	if (d != b) {
		/* The large buffer becomes the received frame. */
		s->io.adopt(s->io.ctx, b, d);
		*s->slot = d;
		*bp = d;
	}
	s->cnt[rsn(fam, R_OK)]++;
	return TR_ACT_NEXT;
}
