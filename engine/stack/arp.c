/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARP (RFC 826) responder and resolver.
 *
 * Answers requests for every published address (each may carry its own MAC,
 * like enet's ARP responder), building the reply in place in the request's
 * buffer. Learning follows RFC 826's merge rule: a sender already in the
 * cache is refreshed by any ARP packet; a new entry is created only when the
 * packet targets one of our addresses, so traffic between other hosts
 * cannot fill the table.
 */
#include <tapring/arp.h>
#include <tapring/ethernet.h>

#include "stack_pvt.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

uint32_t tr__arp_input(struct tr_stack *s, struct tr_buf *b)
{
	const struct tr_stack_host *h = s->h;
	struct tr_arp_view av = { b->data + TR_ETH_HDR_LEN, b->len - TR_ETH_HDR_LEN };
	struct tr_arp_repr r;
	if (tr_arp_parse(&av, &r, NULL) != 0)
		return TR_DROP(s, ARP_MALFORMED);
	/* A sender claiming broadcast/multicast or our own MAC is bogus. */
	if ((r.sha[0] & 1) || memcmp(r.sha, h->cfg.mac, 6) == 0)
		return TR_DROP(s, ARP_MALFORMED);

	int idx = tr__host_ip4_index(h, r.tpa);
	bool sender_valid = !(r.spa[0] == 0 && r.spa[1] == 0 && r.spa[2] == 0 && r.spa[3] == 0) &&
			    tr__host_ip4_index(h, r.spa) < 0;
	if (idx < 0) {
		if (sender_valid)
			tr__neigh_update(s, &s->n4, r.spa, r.sha, false);
		return TR_DROP(s, ARP_NOT_FOR_US);
	}
	if (sender_valid)
		tr__neigh_update(s, &s->n4, r.spa, r.sha, true);
	if (r.op != TR_ARP_OP_REQUEST)
		return TR_DROP(s, ARP_CONSUMED);

	/* Reply in place: the request's buffer becomes the reply. */
	const uint8_t *mymac = h->ip4_mac[idx];
	struct tr_arp_repr rep = { .op = TR_ARP_OP_REPLY };
	memcpy(rep.sha, mymac, 6);
	memcpy(rep.spa, h->cfg.ip4[idx], 4);
	memcpy(rep.tha, r.sha, 6);
	memcpy(rep.tpa, r.spa, 4);
	struct tr_eth_view ev = { b->data, b->len };
	tr_eth_set_dst(&ev, r.sha);
	tr_eth_set_src(&ev, mymac);
	tr_arp_emit(&rep, av.buf, av.len);
	b->len = TR_ETH_HDR_LEN + TR_ARP_LEN;
	TR_CNT(s, ARP_REPLIED);
	return TR_ACT_TX;
}

static bool arp_send(struct tr_stack *s, const uint8_t sha[6], const uint8_t spa[4], const uint8_t tpa[4])
{
	struct tr_buf *b = tr__stack_alloc(s);
	if (!b)
		return false;
	struct tr_eth_view ev = { b->data, TR_ETH_HDR_LEN };
	tr_eth_set_dst(&ev, bcast);
	tr_eth_set_src(&ev, sha);
	tr_eth_set_type(&ev, TR_ETHERTYPE_ARP);
	struct tr_arp_repr r = { .op = TR_ARP_OP_REQUEST };
	memcpy(r.sha, sha, 6);
	memcpy(r.spa, spa, 4);
	memcpy(r.tpa, tpa, 4);
	tr_arp_emit(&r, b->data + TR_ETH_HDR_LEN, TR_ARP_LEN);
	b->len = TR_ETH_HDR_LEN + TR_ARP_LEN;
	s->io.tx(s->io.ctx, b);
	return true;
}

void tr__arp_request(struct tr_stack *s, const uint8_t ip[4])
{
	const struct tr_stack_host *h = s->h;
	if (h->cfg.n_ip4 == 0)
		return;
	if (arp_send(s, h->ip4_mac[0], h->cfg.ip4[0], ip))
		TR_CNT(s, ARP_REQ_SENT);
}

void tr__arp_gratuitous(struct tr_stack *s)
{
	const struct tr_stack_host *h = s->h;
	/* RFC 5227 section 3: an announcement is a request with spa == tpa. */
	for (unsigned i = 0; i < h->cfg.n_ip4; i++) {
		if (arp_send(s, h->ip4_mac[i], h->cfg.ip4[i], h->cfg.ip4[i]))
			TR_CNT(s, ARP_GRATUITOUS);
	}
}
