/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 reassembly (RFC 791 section 3.2, RFC 815 hole logic simplified by
 * rejecting overlaps).
 *
 * Bounded three ways: a fixed number of datagram slots (a new datagram when
 * all are busy evicts the oldest: "ip4.reasm_evicted"), a per-worker budget
 * of fragment buffers held ("ip4.reasm_mem"), and a per-datagram fragment
 * array ("ip4.reasm_mem"). Datagrams not complete within the timeout are
 * dropped from poll ("ip4.reasm_timeout"). Any overlap, duplicate or length
 * inconsistency discards the whole datagram ("ip4.reasm_overlap"): this
 * follows RFC 5722's rule for IPv6 and defeats overlap-based evasion.
 *
 * Fragments are stolen (zero copy) until the datagram is complete. The
 * datagram is then assembled in the buffer of the fragment that completed
 * it (the only copy on this slow path): its own payload is moved into
 * place, the others are copied in and released as "ip4.frag_merged". The
 * result must fit one pool buffer ("ip4.reasm_too_big" otherwise): with
 * 64 KiB buffers any datagram does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <tapring/ipv4.h>

#include "stack_pvt.h"

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
			slot_drop(s, r, sl, TR_STACK_C_IP4_REASM_TIMEOUT);
	}
}

static struct tr_reasm_slot *slot_get(struct tr_stack *s, struct tr_reasm *r, const uint8_t *ip)
{
	uint16_t id = tr_load_be16(ip + TR_IPV4_OFF_ID);
	uint8_t proto = ip[TR_IPV4_OFF_PROTO];
	struct tr_reasm_slot *freeslot = NULL, *oldest = NULL;
	for (uint32_t i = 0; i < r->nslots; i++) {
		struct tr_reasm_slot *sl = &r->slots[i];
		if (!sl->used) {
			if (!freeslot)
				freeslot = sl;
			continue;
		}
		if (sl->id == id && sl->proto == proto &&
		    memcmp(sl->src, ip + TR_IPV4_OFF_SRC, 4) == 0 &&
		    memcmp(sl->dst, ip + TR_IPV4_OFF_DST, 4) == 0)
			return sl;
		/* Creation order, not time: a whole burst shares one
		 * timestamp, and ties must not make one slot the victim
		 * every time. */
		if (!oldest || (int32_t)(sl->seq - oldest->seq) < 0)
			oldest = sl;
	}
	if (!freeslot) {
		slot_drop(s, r, oldest, TR_STACK_C_IP4_REASM_EVICTED);
		freeslot = oldest;
	}
	memset(freeslot, 0, offsetof(struct tr_reasm_slot, f));
	freeslot->used = true;
	freeslot->id = id;
	freeslot->proto = proto;
	memcpy(freeslot->src, ip + TR_IPV4_OFF_SRC, 4);
	memcpy(freeslot->dst, ip + TR_IPV4_OFF_DST, 4);
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
	return TR_STACK_ACT_DROP(reason);
}

uint32_t tr__reasm_input(struct tr_stack *s, struct tr_buf *b, uint32_t l3, uint32_t hl,
			 uint32_t poff, uint32_t plen, uint32_t off, bool mf)
{
	struct tr_reasm *r = &s->reasm;
	uint8_t *ip = b->data + l3;

	/* Every fragment but the last carries a multiple of 8 bytes; the
	 * datagram payload cannot pass 65535 - header. */
	if (plen == 0 || (mf && (plen & 7)) || off + plen > 65535u - hl)
		return TR_DROP(s, IP4_BAD_LEN);

	struct tr_reasm_slot *sl = slot_get(s, r, ip);
	uint32_t end = off + plen;
	if (!mf) {
		if (sl->total && sl->total != end)
			return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_OVERLAP);
		sl->total = end;
	}
	if (sl->total && end > sl->total)
		return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_OVERLAP);
	for (unsigned i = 0; i < sl->nfrags; i++) {
		const struct tr_reasm_frag *f = &sl->f[i];
		if (off < (uint32_t)f->off + f->len && f->off < end)
			return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_OVERLAP);
	}
	sl->have += plen;

	if (!(sl->total && sl->have == sl->total)) {
		/* Not complete: keep this fragment, if the budgets allow. */
		if (sl->nfrags >= TR_REASM_SLOT_FRAGS)
			return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_MEM);
		if (r->bufs >= r->max_bufs) {
			if (sl->nfrags == 0) {
				sl->used = false;
				r->active--;
			} else {
				sl->have -= plen;
			}
			return TR_DROP(s, IP4_REASM_MEM);
		}
		sl->f[sl->nfrags++] = (struct tr_reasm_frag){
			.b = b, .off = (uint16_t)off, .len = (uint16_t)plen, .poff = (uint16_t)poff,
		};
		r->bufs++;
		s->held++;
		return TR_STACK_ACT_STOLEN;
	}

	/* Complete: assemble in b. Header from the offset-0 fragment. */
	uint32_t hl0 = hl;
	const struct tr_reasm_frag *first = NULL;
	if (off != 0) {
		for (unsigned i = 0; i < sl->nfrags; i++)
			if (sl->f[i].off == 0)
				first = &sl->f[i];
		if (!first) /* cannot happen: have == total without overlap covers 0 */
			return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_OVERLAP);
		hl0 = (uint32_t)(first->b->data[l3] & 0x0f) * 4u;
	}
	if (l3 + hl0 + sl->total > s->io.buf_room)
		return reasm_fail(s, r, sl, TR_STACK_C_IP4_REASM_TOO_BIG);

	memmove(b->data + l3 + hl0 + off, b->data + poff, plen);
	if (first)
		memcpy(b->data, first->b->data, l3 + hl0);
	for (unsigned i = 0; i < sl->nfrags; i++) {
		const struct tr_reasm_frag *f = &sl->f[i];
		memcpy(b->data + l3 + hl0 + f->off, f->b->data + f->poff, f->len);
	}
	uint32_t total = sl->total;
	slot_drop(s, r, sl, TR_STACK_C_IP4_FRAG_MERGED);

	struct tr_ipv4_view v = { b->data + l3, hl0 + total };
	tr_ipv4_set_total_len(&v, (uint16_t)(hl0 + total));
	tr_store_be16(v.buf + TR_IPV4_OFF_FRAG, 0);
	tr_ipv4_fill_csum(&v);
	b->len = l3 + hl0 + total;
	TR_CNT(s, IP4_REASM_OK);
	return TR_STACK_ACT_NEXT;
}
