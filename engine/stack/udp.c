/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UDP: input checks and demultiplexing to the built-in services (echo, DNS)
 * and bound sockets, in-place replies, and zero-copy tr_udp_sendto().
 */
#include <errno.h>

#include <tapring/checksum.h>
#include <tapring/ethernet.h>
#include <tapring/ipv4.h>
#include <tapring/ipv6.h>
#include <tapring/udp.h>
#include <tapring/vnet.h>

#include "stack_pvt.h"
#include "stage_pvt.h"

#define L3 TR_ETH_HDR_LEN

/* A new socket slot for port; NULL and *rc on error. */
static struct tr_udp_sock *udp_bind_slot(struct tr_stack_host *h, int family, uint16_t port, int *rc)
{
	*rc = -EINVAL;
	if (!h || port == 0 || (family != 0 && family != 4 && family != 6))
		return NULL;
	bool v4 = family != 6, v6 = family != 4;
	*rc = -EADDRINUSE;
	if ((v4 && h->port4[port]) || (v6 && h->port6[port]) ||
	    port == h->cfg.udp_echo_port || port == h->cfg.dns_port || port == h->cfg.udp_discard_port)
		return NULL;
	*rc = -ENOSPC;
	if (h->nsocks >= TR_STACK_MAX_SOCKS)
		return NULL;
	struct tr_udp_sock *so = &h->socks[h->nsocks++];
	memset(so, 0, sizeof(*so));
	if (v4)
		h->port4[port] = (uint8_t)h->nsocks;
	if (v6)
		h->port6[port] = (uint8_t)h->nsocks;
	*rc = 0;
	return so;
}

int tr_udp_bind(struct tr_stack_host *h, int family, uint16_t port, tr_udp_cb cb, void *arg)
{
	int rc;
	if (!cb)
		return -EINVAL;
	struct tr_udp_sock *so = udp_bind_slot(h, family, port, &rc);
	if (so) {
		so->cb = cb;
		so->arg = arg;
	}
	return rc;
}

int tr_udp_bind_ring(struct tr_stack_host *h, int family, uint16_t port,
		     struct tr_ring *const *rings, unsigned nrings)
{
	int rc;
	if (!rings || nrings == 0 || nrings > TR_STACK_MAX_QUEUES)
		return -EINVAL;
	for (unsigned i = 0; i < nrings; i++)
		if (!rings[i])
			return -EINVAL;
	struct tr_udp_sock *so = udp_bind_slot(h, family, port, &rc);
	if (so) {
		so->nrings = nrings;
		memcpy(so->rings, rings, nrings * sizeof(rings[0]));
	}
	return rc;
}

/* Ring mode: one extra reference travels with the frame to the
 * application; the stack's reference ends as "udp.to_ring". */
static uint32_t udp_to_ring(struct tr_stack *s, const struct tr_udp_sock *so, struct tr_buf *b,
			    const struct tr_udp_meta *m)
{
	struct tr_ring *r = s->queue < so->nrings ? so->rings[s->queue] : NULL;
	/* This worker is the ring's only producer, so free space seen here
	 * can only grow until our enqueue: the enqueue below cannot fail. */
	if (!r || tr_ring_free_count(r) == 0)
		return TR_DROP(s, UDP_RING_FULL);
	b->user = ((uint64_t)(uint32_t)(m->payload - b->data) << 32) | m->len;
	tr_buf_ref(b);
	void *obj = b;
	tr_ring_enqueue_burst_spsc(r, &obj, 1);
	return TR_DROP(s, UDP_TO_RING);
}

struct tr_buf *tr_stack_alloc(struct tr_stack *s)
{
	return tr__stack_alloc(s);
}

/* Rewrites b into the reply to m: MACs, addresses and ports swapped, payload
 * length new_len. When the payload is unchanged and we answer from the
 * address it was sent to, the UDP checksum is left alone: swapping the
 * pseudo-header addresses and the two ports does not change the sum. */
static uint32_t udp_reply(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m,
			  uint32_t new_len, bool same_payload)
{
	const struct tr_stack_host *h = s->h;
	uint8_t *d = b->data;
	uint8_t *udp = m->payload - TR_UDP_HDR_LEN;
	uint32_t l4 = (uint32_t)(udp - d);
	/* Drops are returned uncounted: the caller (or the socket dispatch)
	 * counts the reason exactly once. */
	if (new_len > 65507u || l4 + TR_UDP_HDR_LEN + new_len > tr__room(s, b))
		return TR_ACT_DROP(TR_STACK_C_TX_TOO_BIG);
	bool recompute = !same_payload || new_len != m->len;
	/* Offloads: a NEEDS_CSUM frame keeps its checksum unfinished (the
	 * kernel completes it, per segment for a super-frame): the field gets
	 * the pseudo-header seed instead of a full checksum. */
	const bool partial = (b->flags & TR_BUF_F_CSUM_PARTIAL) != 0;
	struct tr_vnet_meta *vm = (b->flags & TR_BUF_F_GSO) && s->io.offload ? s->io.offload(s->io.ctx, b) : NULL;
	if (vm && new_len != m->len) {
		uint32_t segs = (new_len + vm->hdr.gso_size - 1u) / vm->hdr.gso_size;
		if (segs > TR_VNET_UDP_MAX_SEGS)
			return TR_ACT_DROP(TR_STACK_C_TX_TOO_BIG);
		vm->segs = (uint16_t)(segs ? segs : 1);
	}
	uint8_t tmp[16];

	memcpy(tmp, d + TR_ETH_OFF_SRC, 6);
	memcpy(d + TR_ETH_OFF_DST, tmp, 6);
	uint16_t p = tr_load_raw16(udp + TR_UDP_OFF_SPORT);
	memcpy(udp + TR_UDP_OFF_SPORT, udp + TR_UDP_OFF_DPORT, 2);
	memcpy(udp + TR_UDP_OFF_DPORT, &p, 2);
	tr_store_be16(udp + TR_UDP_OFF_LEN, (uint16_t)(TR_UDP_HDR_LEN + new_len));

	struct tr_l4_pseudo ph;
	if (m->family == 4) {
		uint8_t *ip = d + L3;
		int idx = tr__host_ip4_index(h, m->dst);
		if (idx < 0) {
			/* Sent to broadcast: answer from our first address. */
			if (h->cfg.n_ip4 == 0)
				return TR_ACT_DROP(TR_STACK_C_IP4_NOT_OURS);
			idx = 0;
			recompute = true;
		}
		memcpy(d + TR_ETH_OFF_SRC, h->ip4_mac[idx], 6);
		memcpy(ip + TR_IPV4_OFF_DST, m->src, 4);
		memcpy(ip + TR_IPV4_OFF_SRC, h->cfg.ip4[idx], 4);
		struct tr_ipv4_view v = { ip, l4 - L3 + TR_UDP_HDR_LEN + new_len };
		tr_ipv4_set_total_len(&v, (uint16_t)v.len);
		tr_ipv4_set_ttl(&v, 64);
		tr_ipv4_fill_csum(&v);
		ph = (struct tr_l4_pseudo){ 4, ip + TR_IPV4_OFF_SRC, ip + TR_IPV4_OFF_DST };
		if (tr_load_raw16(udp + TR_UDP_OFF_CKSUM) == 0)
			recompute = false;  /* the sender used none: keep none */
	} else {
		uint8_t *ip = d + L3;
		const uint8_t *src = m->dst;
		if (tr__host_ip6_index(h, src) < 0) {
			src = tr__ip6_pick_src(h, m->src);
			if (!src)
				return TR_ACT_DROP(TR_STACK_C_IP6_NOT_OURS);
			recompute = true;
		}
		memcpy(d + TR_ETH_OFF_SRC, h->cfg.mac, 6);
		memcpy(tmp, src, 16);
		memcpy(ip + TR_IPV6_OFF_DST, m->src, 16);
		memcpy(ip + TR_IPV6_OFF_SRC, tmp, 16);
		ip[TR_IPV6_OFF_HOPLIM] = 64;
		tr_store_be16(ip + TR_IPV6_OFF_PLEN, (uint16_t)(l4 - L3 - TR_IPV6_HDR_LEN + TR_UDP_HDR_LEN + new_len));
		ph = (struct tr_l4_pseudo){ 6, ip + TR_IPV6_OFF_SRC, ip + TR_IPV6_OFF_DST };
	}
	if (recompute && partial) {
		uint16_t seed = tr_cksum_raw_fold(tr_l4_pseudo_sum(&ph, TR_IPPROTO_UDP, TR_UDP_HDR_LEN + new_len));
		memcpy(udp + TR_UDP_OFF_CKSUM, &seed, 2);
	} else if (recompute) {
		struct tr_udp_view uv = { udp, TR_UDP_HDR_LEN + new_len };
		tr_udp_set_cksum(&uv, 0);
		uint16_t ck = tr_udp_compute_cksum(&uv, &ph);
		memcpy(udp + TR_UDP_OFF_CKSUM, &ck, 2);
	}
	b->len = l4 + TR_UDP_HDR_LEN + new_len;
	if (vm)
		return TR_ACT_TX;   /* the kernel cuts it into MTU-sized datagrams */
	if (m->family == 4 && b->len - L3 > h->cfg.mtu)
		return tr__ip4_reply_big(s, b);   /* fragment the reply */
	if (m->family == 6 && b->len - L3 > h->cfg.mtu)
		return tr__ip6_reply_big(s, b, l4, TR_IPPROTO_UDP);
	return TR_ACT_TX;
}

uint32_t tr_udp_reply(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m, uint32_t new_len)
{
	return udp_reply(s, b, m, new_len, false);
}

/* What a socket callback returned, held to its contract (stack.h,
 * tr_udp_cb): TX, STOLEN (tr_udp_reply's results), DELIVER, or a drop
 * under a stack drop reason (counted here). Anything else would be passed
 * on to the engine undefined (TR_ACT_TX_PORT(p) would forward to a port
 * the engine may not have): it drops as udp.bad_action. */
static uint32_t udp_cb_action(struct tr_stack *s, uint32_t act)
{
	switch (TR_ACT_KIND(act)) {
	case TR_ACT_TX:
	case TR_ACT_STOLEN:
	case TR_ACT_DELIVER:
		if (TR_ACT_REASON(act) == 0)
			return act;
		break;
	case TR_ACT_KIND_DROP:
		if (tr_stack_counter_is_drop(TR_ACT_REASON(act))) {
			s->cnt[TR_ACT_REASON(act)]++;
			return act;
		}
		break;
	default:
		break;
	}
	return TR_DROP(s, UDP_BAD_ACTION);
}

uint32_t tr__udp_input(struct tr_stack *s, struct tr_buf *b, int family, uint32_t l3,
		       uint32_t l4, uint32_t l4len)
{
	const struct tr_stack_host *h = s->h;
	struct tr_udp_view uv = { b->data + l4, l4len };
	if (tr_udp_check(&uv, NULL) != 0)
		return TR_DROP(s, UDP_MALFORMED);
	uint8_t *ip = b->data + l3;
	struct tr_udp_meta m = { .family = (uint8_t)family };
	struct tr_l4_pseudo ph;
	if (family == 4) {
		memcpy(m.src, ip + TR_IPV4_OFF_SRC, 4);
		memcpy(m.dst, ip + TR_IPV4_OFF_DST, 4);
		ph = (struct tr_l4_pseudo){ 4, ip + TR_IPV4_OFF_SRC, ip + TR_IPV4_OFF_DST };
	} else {
		memcpy(m.src, ip + TR_IPV6_OFF_SRC, 16);
		memcpy(m.dst, ip + TR_IPV6_OFF_DST, 16);
		ph = (struct tr_l4_pseudo){ 6, ip + TR_IPV6_OFF_SRC, ip + TR_IPV6_OFF_DST };
	}
	uint32_t ulen = tr_udp_len(&uv);
	if (b->flags & (TR_BUF_F_CSUM_PARTIAL | TR_BUF_F_CSUM_VALID)) {
		/* Offloads: NEEDS_CSUM (the field holds only the pseudo-header
		 * seed: the data comes from the local kernel, which vouches for
		 * it) or DATA_VALID (the kernel checked it). */
	} else if (tr_load_raw16(uv.buf + TR_UDP_OFF_CKSUM) == 0) {
		if (family == 6)  /* RFC 8200 8.1: mandatory over IPv6 */
			return TR_DROP(s, UDP_BAD_CSUM);
	} else if (tr_cksum_finish(tr_cksum_add(tr_l4_pseudo_sum(&ph, TR_IPPROTO_UDP, ulen),
						uv.buf, ulen)) != 0) {
		return TR_DROP(s, UDP_BAD_CSUM);
	}
	m.sport = tr_udp_src_port(&uv);
	m.dport = tr_udp_dst_port(&uv);
	m.payload = tr_udp_payload(&uv);
	m.len = ulen - TR_UDP_HDR_LEN;
	m.segs = 1;
	if (b->flags & TR_BUF_F_GSO) {
		const struct tr_vnet_meta *vm = s->io.offload ? s->io.offload(s->io.ctx, b) : NULL;
		if (vm && vm->hdr.gso_type == TR_VNET_GSO_UDP_L4) {
			m.gso_size = vm->hdr.gso_size;
			m.segs = vm->segs;
		}
	}

	if (m.dport == h->cfg.udp_discard_port && m.dport) {
		/* RFC 863: count and drop. Single-writer counters (stage_pvt.h):
		 * this worker is the only writer of its queue's line;
		 * tr_stack_discard_stats reads them with relaxed loads. */
		struct tr_discard_cnt *dc = &h->discard[s->queue % TR_STACK_MAX_QUEUES];
		tr__cnt_add(&dc->datagrams, m.segs);
		tr__cnt_add(&dc->bytes, m.len);
		return TR_DROP(s, UDP_DISCARDED);
	}
	if (m.segs > 1 && m.dport == h->cfg.dns_port && m.dport)
		return tr__udp_gso_split(s, b, &m);

	if (m.dport == h->cfg.udp_echo_port && m.dport) {
		uint32_t act = udp_reply(s, b, &m, m.len, true);
		if (act == TR_ACT_TX || act == TR_ACT_STOLEN)
			TR_CNT(s, UDP_ECHO);   /* STOLEN: sent as fragments */
		else
			s->cnt[TR_ACT_REASON(act)]++;
		return act;
	}
	if (m.dport == h->cfg.dns_port && m.dport)
		return tr__dns_input(s, b, &m);
	uint8_t si = family == 4 ? h->port4[m.dport] : h->port6[m.dport];
	if (si) {
		const struct tr_udp_sock *so = &h->socks[si - 1];
		if (!so->cb)
			return udp_to_ring(s, so, b, &m);
		return udp_cb_action(s, so->cb(so->arg, s, b, &m));
	}
	if (family == 4)
		tr__icmp4_port_unreach(s, b);
	else
		tr__icmp6_port_unreach(s, b);
	return TR_DROP(s, UDP_NO_PORT);
}

uint32_t tr__udp_gso_split(struct tr_stack *s, struct tr_buf *b, const struct tr_udp_meta *m)
{
	const struct tr_vnet_meta *vm = s->io.offload ? s->io.offload(s->io.ctx, b) : NULL;
	struct tr_vnet_info in;
	if (!vm || tr_vnet_check_frame(&vm->hdr, b->data, b->len, &in, NULL) != 0)
		return TR_DROP(s, UDP_MALFORMED);
	for (uint32_t k = 0; k < in.segs; k++) {
		struct tr_buf *c = tr__stack_alloc(s);
		if (!c)
			break;   /* counted as tx.nobuf */
		int n = tr_vnet_segment(&vm->hdr, &in, b->data, b->len, k, c->data, s->io.buf_room);
		if (n < 0) {
			tr__stack_drop_orig(s, c, TR_STACK_C_TX_TOO_BIG);
			continue;
		}
		c->len = (uint32_t)n;
		c->flags = 0;   /* a plain datagram with a full checksum */
		struct tr_udp_meta cm = *m;
		cm.payload = c->data + in.payload_off;
		cm.len = (uint32_t)n - in.payload_off;
		cm.segs = 1;
		cm.gso_size = 0;
		uint32_t act = tr__dns_input(s, c, &cm);   /* counts its own drop reasons */
		if (act == TR_ACT_TX)
			s->io.tx(s->io.ctx, c);
		else
			s->io.drop(s->io.ctx, c, TR_ACT_KIND(act) == TR_ACT_KIND_DROP ? TR_ACT_REASON(act)
									     : TR_STACK_C_UDP_CONSUMED);
	}
	return TR_DROP(s, UDP_GSO_SPLIT);
}

int tr_udp_sendto(struct tr_stack *s, struct tr_buf *b, int family,
		  const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	const struct tr_stack_host *h = s->h;
	int rc = -EINVAL;
	if (!dst || (family != 4 && family != 6) || dport == 0)
		goto drop;
	if (b->len > (family == 4 ? 65507u : 65527u)) {
		tr__stack_drop_orig(s, b, TR_STACK_C_TX_TOO_BIG);
		return -EMSGSIZE;
	}
	if (family == 4) {
		if (!src) {
			if (h->cfg.n_ip4 == 0)
				goto drop;
			src = h->cfg.ip4[0];
		} else if (tr__host_ip4_index(h, src) < 0) {
			goto drop;
		}
	} else {
		if (!src)
			src = tr__ip6_pick_src(h, dst);
		if (!src || tr__host_ip6_index(h, src) < 0)
			goto drop;
	}
	/* Prepend the UDP header into the headroom (zero copy). */
	b->data -= TR_UDP_HDR_LEN;
	struct tr_udp_repr r = {
		.src_port = sport, .dst_port = dport,
		.payload = b->data + TR_UDP_HDR_LEN, .payload_len = b->len,
	};
	struct tr_l4_pseudo ph = { (uint8_t)family, src, dst };
	b->len += TR_UDP_HDR_LEN;
	tr_udp_emit(&r, &ph, b->data, b->len);
	TR_CNT(s, UDP_SENT);
	if (family == 4)
		return tr__ip4_send(s, b, src, dst, TR_IPPROTO_UDP);
	return tr__ip6_send(s, b, src, dst, TR_IPPROTO_UDP);
drop:
	tr__stack_drop_orig(s, b, TR_STACK_C_NEIGH_NO_ROUTE);
	return rc;
}
