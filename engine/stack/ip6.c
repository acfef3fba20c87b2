/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 input, ICMPv6 (echo reply in place, port unreachable), Neighbor
 * Discovery (RFC 4861: NS -> NA for our addresses, DAD probes answered to
 * all-nodes, NA learning, resolution with NS) and IPv6 output.
 *
 * Accepted destinations: our unicast addresses (configured + link-local),
 * their solicited-node multicast groups, and all-nodes ff02::1. Fragments
 * are reassembled (reasm.c, shared with IPv4); atomic fragments (RFC 6946)
 * are processed on their own. Replies above the MTU leave as fragments
 * (frag.c).
 */
#include <errno.h>

#include <tapring/checksum.h>
#include <tapring/ethernet.h>
#include <tapring/icmpv6.h>
#include <tapring/ipv6.h>

#include "stack_pvt.h"

#define L3 TR_ETH_HDR_LEN
#define L4 (TR_ETH_HDR_LEN + TR_IPV6_HDR_LEN)

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

static bool ip6_is_mcast(const uint8_t *a) { return a[0] == 0xff; }

/* ff02::1:ffXX:XXXX (RFC 4291 2.7.1) for address a. */
static void ip6_snm(uint8_t out[16], const uint8_t *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, 13);
	memcpy(out + 13, a + 13, 3);
}

static bool ip6_is_our_snm(const struct tr_stack_host *h, const uint8_t *dst)
{
	uint8_t snm[16];
	for (unsigned i = 0; i < h->n_ip6; i++) {
		ip6_snm(snm, h->ip6[i]);
		if (memcmp(snm, dst, 16) == 0)
			return true;
	}
	return false;
}

/* Ethernet multicast MAC 33:33:xx:xx:xx:xx (RFC 2464 7). */
static void ip6_mcast_mac(uint8_t mac[6], const uint8_t *a)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, a + 12, 4);
}

static bool ip6_is_unspec(const uint8_t *a)
{
	for (int i = 0; i < 16; i++)
		if (a[i])
			return false;
	return true;
}

/* Source address for a destination: link-local for link-local or
 * multicast destinations, else the first configured address. */
static const uint8_t *ip6_pick_src(const struct tr_stack_host *h, const uint8_t *dst)
{
	bool ll = (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) || ip6_is_mcast(dst);
	for (unsigned i = 0; i < h->n_ip6; i++) {
		bool ill = h->ip6[i][0] == 0xfe && (h->ip6[i][1] & 0xc0) == 0x80;
		if (ill == ll)
			return h->ip6[i];
	}
	return h->n_ip6 ? h->ip6[0] : NULL;
}

static void ip6_hdr(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		    uint8_t hlim, uint32_t plen)
{
	struct tr_ipv6_repr r = {
		.hop_limit = hlim, .next = proto, .upper = proto, .payload_len = (uint16_t)plen,
	};
	memcpy(r.src, src, 16);
	memcpy(r.dst, dst, 16);
	tr_ipv6_emit(&r, ip, TR_IPV6_HDR_LEN);
}

/* ---- ICMPv6 echo, in place -------------------------------------------- */

static uint32_t icmp6_echo(struct tr_stack *s, struct tr_buf *b, struct tr_icmpv6_view *iv)
{
	uint8_t *d = b->data;
	uint8_t *ip = d + L3;
	uint8_t tmp[16];

	memcpy(tmp, d + TR_ETH_OFF_SRC, 6);
	memcpy(d + TR_ETH_OFF_DST, tmp, 6);
	memcpy(d + TR_ETH_OFF_SRC, s->h->cfg.mac, 6);
	/* Swapping the addresses leaves the pseudo-header sum unchanged; the
	 * hop limit is not covered by any checksum. */
	memcpy(tmp, ip + TR_IPV6_OFF_SRC, 16);
	memcpy(ip + TR_IPV6_OFF_SRC, ip + TR_IPV6_OFF_DST, 16);
	memcpy(ip + TR_IPV6_OFF_DST, tmp, 16);
	ip[TR_IPV6_OFF_HOPLIM] = 64;

	uint16_t ck = tr_load_raw16(iv->buf + TR_ICMP6_OFF_CKSUM);
	uint16_t oldw = tr_load_raw16(iv->buf + TR_ICMP6_OFF_TYPE);
	tr_icmpv6_set_type(iv, TR_ICMP6_ECHO_REPLY);
	ck = tr_cksum_update16(ck, oldw, tr_load_raw16(iv->buf + TR_ICMP6_OFF_TYPE));
	memcpy(iv->buf + TR_ICMP6_OFF_CKSUM, &ck, 2);
	TR_CNT(s, ICMP6_ECHO);
	if (b->len - L3 > s->h->cfg.mtu)   /* a reassembled request */
		return tr__ip6_reply_big(s, b, (uint32_t)(iv->buf - d), TR_IPPROTO_ICMPV6);
	return TR_ACT_TX;
}

/* ---- Neighbor Discovery -------------------------------------------------- */

/* Build an NA at b->data (Ethernet + IPv6 + NA with a TLLA option). */
static uint32_t nd_build_na(struct tr_stack *s, struct tr_buf *b, const uint8_t *dst_mac,
			    const uint8_t *dst, const uint8_t *target, uint8_t flags)
{
	uint8_t d_ip[16], t_ip[16], d_mac[6];
	memcpy(d_ip, dst, 16);     /* the arguments may point into b */
	memcpy(t_ip, target, 16);
	memcpy(d_mac, dst_mac, 6);
	uint8_t *d = b->data;
	memcpy(d + TR_ETH_OFF_DST, d_mac, 6);
	memcpy(d + TR_ETH_OFF_SRC, s->h->cfg.mac, 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV6);
	struct tr_icmpv6_repr r = { .type = TR_ICMP6_NEIGH_ADVERT };
	r.u.nd.flags = flags;
	memcpy(r.u.nd.target, t_ip, 16);
	r.opts.present = TR_ND_HAS_TLLA;
	memcpy(r.opts.tlla, s->h->cfg.mac, 6);
	size_t n = tr_icmpv6_emit_len(&r);
	if (L4 + n > s->io.buf_room)
		return TR_DROP(s, TX_TOO_BIG);
	ip6_hdr(d + L3, t_ip, d_ip, TR_IPPROTO_ICMPV6, 255, (uint32_t)n);
	struct tr_l4_pseudo ph = { 6, d + L3 + TR_IPV6_OFF_SRC, d + L3 + TR_IPV6_OFF_DST };
	if (tr_icmpv6_emit(&r, &ph, d + L4, n) != 0)
		return TR_DROP(s, ND_MALFORMED);
	b->len = (uint32_t)(L4 + n);
	TR_CNT(s, ND_NA_SENT);
	return TR_ACT_TX;
}

static uint32_t nd_ns_input(struct tr_stack *s, struct tr_buf *b, struct tr_icmpv6_view *iv,
			    const struct tr_l4_pseudo *ph)
{
	struct tr_icmpv6_repr r;
	if (tr_icmpv6_parse(iv, ph, &r, TR_L4_NO_CKSUM, NULL) != 0)
		return TR_DROP(s, ND_MALFORMED);
	if (ip6_is_mcast(r.u.nd.target))
		return TR_DROP(s, ND_MALFORMED);
	if (tr__host_ip6_index(s->h, r.u.nd.target) < 0)
		return TR_DROP(s, ND_NOT_FOR_US);
	const uint8_t *src = ph->src;
	if (ip6_is_unspec(src)) {
		/* DAD probe (RFC 4861 7.1.1: to solicited-node, no SLLA):
		 * defend with an NA to all-nodes, not solicited (7.2.4). */
		if (!ip6_is_mcast(ph->dst) || (r.opts.present & TR_ND_HAS_SLLA))
			return TR_DROP(s, ND_MALFORMED);
		uint8_t mac[6];
		ip6_mcast_mac(mac, all_nodes);
		return nd_build_na(s, b, mac, all_nodes, r.u.nd.target, TR_ICMP6_NA_F_OVERRIDE);
	}
	const uint8_t *dmac = b->data + TR_ETH_OFF_SRC;
	if (r.opts.present & TR_ND_HAS_SLLA) {
		if (r.opts.slla[0] & 1)
			return TR_DROP(s, ND_MALFORMED);
		tr__neigh_update(s, &s->n6, src, r.opts.slla, true);
		dmac = r.opts.slla;
	}
	return nd_build_na(s, b, dmac, src, r.u.nd.target,
			   TR_ICMP6_NA_F_SOLICITED | TR_ICMP6_NA_F_OVERRIDE);
}

static uint32_t nd_na_input(struct tr_stack *s, struct tr_icmpv6_view *iv, const struct tr_l4_pseudo *ph)
{
	struct tr_icmpv6_repr r;
	if (tr_icmpv6_parse(iv, ph, &r, TR_L4_NO_CKSUM, NULL) != 0)
		return TR_DROP(s, ND_MALFORMED);
	if (ip6_is_mcast(r.u.nd.target))
		return TR_DROP(s, ND_MALFORMED);
	/* Only existing entries learn from NAs (unsolicited NAs must not
	 * create entries, RFC 4861 7.2.5). */
	if ((r.opts.present & TR_ND_HAS_TLLA) && !(r.opts.tlla[0] & 1))
		tr__neigh_update(s, &s->n6, r.u.nd.target, r.opts.tlla, false);
	return TR_DROP(s, ND_CONSUMED);
}

void tr__nd_solicit(struct tr_stack *s, const uint8_t ip[16])
{
	const uint8_t *src = ip6_pick_src(s->h, ip);
	if (!src)
		return;
	struct tr_buf *b = tr__stack_alloc(s);
	if (!b)
		return;
	uint8_t snm[16];
	ip6_snm(snm, ip);
	uint8_t *d = b->data;
	ip6_mcast_mac(d + TR_ETH_OFF_DST, snm);
	memcpy(d + TR_ETH_OFF_SRC, s->h->cfg.mac, 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV6);
	struct tr_icmpv6_repr r = { .type = TR_ICMP6_NEIGH_SOLICIT };
	memcpy(r.u.nd.target, ip, 16);
	r.opts.present = TR_ND_HAS_SLLA;
	memcpy(r.opts.slla, s->h->cfg.mac, 6);
	size_t n = tr_icmpv6_emit_len(&r);
	ip6_hdr(d + L3, src, snm, TR_IPPROTO_ICMPV6, 255, (uint32_t)n);
	struct tr_l4_pseudo ph = { 6, d + L3 + TR_IPV6_OFF_SRC, d + L3 + TR_IPV6_OFF_DST };
	tr_icmpv6_emit(&r, &ph, d + L4, n);
	b->len = (uint32_t)(L4 + n);
	s->io.tx(s->io.ctx, b);
	TR_CNT(s, ND_NS_SENT);
}

/* ---- ICMPv6 dispatch ----------------------------------------------------- */

static uint32_t icmp6_input(struct tr_stack *s, struct tr_buf *b, uint32_t l4, uint32_t len,
			    bool to_unicast)
{
	uint8_t *ip = b->data + L3;
	struct tr_icmpv6_view iv = { b->data + l4, len };
	struct tr_l4_pseudo ph = { 6, ip + TR_IPV6_OFF_SRC, ip + TR_IPV6_OFF_DST };
	if (tr_icmpv6_check(&iv, NULL) != 0)
		return TR_DROP(s, ICMP6_MALFORMED);
	if (tr_cksum_finish(tr_cksum_add(tr_l4_pseudo_sum(&ph, TR_IPPROTO_ICMPV6, (uint32_t)len),
					 iv.buf, len)) != 0)
		return TR_DROP(s, ICMP6_BAD_CSUM);
	uint8_t type = tr_icmpv6_type(&iv);
	switch (type) {
	case TR_ICMP6_ECHO_REQUEST:
		if (!to_unicast)
			return TR_DROP(s, ICMP6_UNHANDLED);
		return icmp6_echo(s, b, &iv);
	case TR_ICMP6_ECHO_REPLY:
		TR_CNT(s, STACK_PASSED);
		return TR_ACT_NEXT;
	case TR_ICMP6_PACKET_TOO_BIG:
		/* RFC 8201 4: about a packet we sent (the quoted source is
		 * ours); the MTU field follows the type/code/checksum. */
		if (len < 8 + TR_IPV6_HDR_LEN)
			return TR_DROP(s, ICMP6_MALFORMED);
		if (tr__host_ip6_index(s->h, iv.buf + 8 + TR_IPV6_OFF_SRC) >= 0)
			tr__pmtu6_learn(s, iv.buf + 8 + TR_IPV6_OFF_DST, tr_load_be32(iv.buf + 4));
		return TR_DROP(s, ICMP6_PTB);
	case TR_ICMP6_NEIGH_SOLICIT:
	case TR_ICMP6_NEIGH_ADVERT:
	case TR_ICMP6_ROUTER_SOLICIT:
	case TR_ICMP6_ROUTER_ADVERT:
	case TR_ICMP6_REDIRECT:
		/* RFC 4861 7.1: ND messages must arrive with hop limit 255
		 * (proof they were not forwarded). */
		if (ip[TR_IPV6_OFF_HOPLIM] != 255)
			return TR_DROP(s, ND_BAD_HLIM);
		if (type == TR_ICMP6_NEIGH_SOLICIT)
			return nd_ns_input(s, b, &iv, &ph);
		if (type == TR_ICMP6_NEIGH_ADVERT)
			return nd_na_input(s, &iv, &ph);
		return TR_DROP(s, ND_CONSUMED);
	default:
		return TR_DROP(s, ICMP6_UNHANDLED);
	}
}

void tr__icmp6_port_unreach(struct tr_stack *s, struct tr_buf *b)
{
	const uint8_t *ip = b->data + L3;
	if (tr__host_ip6_index(s->h, ip + TR_IPV6_OFF_DST) < 0)
		return;  /* not for multicast destinations (RFC 4443 2.4 e.3) */
	if (!tr__tb_take(&s->icmp6_tb, s->now)) {
		TR_CNT(s, ICMP6_RATE_LIMITED);
		return;
	}
	struct tr_buf *nb = tr__stack_alloc(s);
	if (!nb)
		return;
	/* RFC 4443 2.4 c: as much of the invoking packet as fits in the
	 * minimum MTU (1280). */
	uint32_t orig = b->len - L3;
	uint32_t quote = orig < 1280 - 48 ? orig : 1280 - 48;
	if (L4 + 8 + quote > s->io.buf_room)
		quote = s->io.buf_room > L4 + 8 ? s->io.buf_room - L4 - 8 : 0;
	uint8_t *d = nb->data;
	memcpy(d + TR_ETH_OFF_DST, b->data + TR_ETH_OFF_SRC, 6);
	memcpy(d + TR_ETH_OFF_SRC, s->h->cfg.mac, 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV6);
	ip6_hdr(d + L3, ip + TR_IPV6_OFF_DST, ip + TR_IPV6_OFF_SRC, TR_IPPROTO_ICMPV6, 64, 8 + quote);
	struct tr_icmpv6_repr r = {
		.type = TR_ICMP6_DEST_UNREACH, .code = TR_ICMP6_UNREACH_PORT,
		.data = ip, .data_len = quote,
	};
	struct tr_l4_pseudo ph = { 6, d + L3 + TR_IPV6_OFF_SRC, d + L3 + TR_IPV6_OFF_DST };
	tr_icmpv6_emit(&r, &ph, d + L4, 8 + quote);
	nb->len = L4 + 8 + quote;
	s->io.tx(s->io.ctx, nb);
	TR_CNT(s, ICMP6_UNREACH);
}

/* Removes the 8-byte fragment header at L3 + fh from the frame in b: the
 * Ethernet header and the unfragmentable part move up by 8 bytes (the
 * upper-layer data stays where it is), the Next Header byte at L3 + nh
 * takes the fragment header's Next Header, the payload length shrinks. */
static void ip6_strip_frag(struct tr_buf *b, uint32_t fh, uint32_t nh)
{
	uint8_t next = b->data[L3 + fh];
	memmove(b->data + TR_IPV6_FRAG_LEN, b->data, L3 + fh);
	b->data += TR_IPV6_FRAG_LEN;
	b->len -= TR_IPV6_FRAG_LEN;
	uint8_t *ip = b->data + L3;
	ip[nh] = next;
	tr_store_be16(ip + TR_IPV6_OFF_PLEN, (uint16_t)(tr_load_be16(ip + TR_IPV6_OFF_PLEN) - TR_IPV6_FRAG_LEN));
}

/* A frame with a fragment header (r parsed from it). Returns NEXT when *bp
 * now holds a datagram without one (an atomic fragment, or the last
 * fragment completed a datagram), else the frame's action. */
static uint32_t ip6_frag_input(struct tr_stack *s, struct tr_buf **bp, const struct tr_ipv6_repr *r)
{
	struct tr_buf *b = *bp;
	uint8_t *ip = b->data + L3;
	uint32_t end = TR_IPV6_HDR_LEN + tr_load_be16(ip + TR_IPV6_OFF_PLEN);
	/* Find the fragment header: after the unfragmentable headers
	 * (hop-by-hop, routing, destination options), which the codec has
	 * already bounded. nh: where the Next Header naming it sits. */
	uint32_t off = TR_IPV6_HDR_LEN, nh = TR_IPV6_OFF_NEXT;
	uint8_t next = ip[TR_IPV6_OFF_NEXT];
	while (next == TR_IPPROTO_HOPOPTS || next == TR_IPPROTO_ROUTING || next == TR_IPPROTO_DSTOPTS) {
		nh = off;
		next = ip[off];
		off += ((uint32_t)ip[off + 1] + 1u) * 8u;
	}
	if (next != TR_IPPROTO_FRAGMENT)   /* behind AH or similar: not ours to undo */
		return TR_DROP(s, IP6_UNSUPPORTED);
	uint32_t data = off + TR_IPV6_FRAG_LEN;
	if (r->frag_off == 0 && !r->frag_mf) {
		/* RFC 6946: an atomic fragment is processed on its own, never
		 * mixed with a reassembly in progress. */
		ip6_strip_frag(b, off, nh);
		TR_CNT(s, IP6_ATOMIC_FRAG);
		return TR_ACT_NEXT;
	}
	struct tr_frag_in fi = {
		.family = 6, .next = ip[off], .id = r->frag_id,
		.src = ip + TR_IPV6_OFF_SRC, .dst = ip + TR_IPV6_OFF_DST,
		.l3 = L3, .hl = off, .nh = nh, .poff = L3 + data, .plen = end - data,
		.off = r->frag_off, .mf = r->frag_mf,
	};
	return tr__reasm_input(s, bp, &fi);
}

uint32_t tr__ip6_input(struct tr_stack *s, struct tr_buf *b)
{
	struct tr_ipv6_view v = { b->data + L3, b->len - L3 };
	if (v.len < TR_IPV6_HDR_LEN)
		return TR_DROP(s, IP6_BAD_LEN);
	if (tr_ipv6_version(&v) != 6)
		return TR_DROP(s, IP6_BAD_VERSION);
	if (tr_ipv6_check(&v) != 0)
		return TR_DROP(s, IP6_BAD_LEN);
	const uint8_t *dst = tr_ipv6_dst(&v);
	bool unicast = tr__host_ip6_index(s->h, dst) >= 0;
	if (!unicast && memcmp(dst, all_nodes, 16) != 0 && !ip6_is_our_snm(s->h, dst))
		return TR_DROP(s, IP6_NOT_OURS);
	if (ip6_is_mcast(tr_ipv6_src(&v)))
		return TR_DROP(s, IP6_BAD_SRC);
	uint32_t plen = tr_ipv6_payload_len(&v);
	b->len = L4 + plen;

	uint8_t next = tr_ipv6_next(&v);
	uint32_t l4 = L4;
	if (next != TR_IPPROTO_ICMPV6 && next != TR_IPPROTO_UDP) {
		/* Walk extension headers with the codec (bounded chain). A
		 * first fragment must hold the whole chain (RFC 7112): one
		 * that does not fails here as ip6.bad_len. */
		struct tr_ipv6_repr r;
		v.len = b->len - L3;
		if (tr_ipv6_parse(&v, &r, 0, NULL) != 0)
			return TR_DROP(s, IP6_BAD_LEN);
		if (r.has_frag) {
			uint32_t act = ip6_frag_input(s, &b, &r);
			if (act != TR_ACT_NEXT)
				return act;
			/* b now holds a datagram without fragment header
			 * (reassembled, or an atomic fragment): walk again. */
			v.buf = b->data + L3;
			v.len = b->len - L3;
			if (tr_ipv6_parse(&v, &r, 0, NULL) != 0)
				return TR_DROP(s, IP6_BAD_LEN);
			if (r.has_frag)   /* a second fragment header (RFC 8200 4.1: once) */
				return TR_DROP(s, IP6_UNSUPPORTED);
		}
		next = r.upper;
		l4 = L3 + r.hdr_len;
		if (next != TR_IPPROTO_ICMPV6 && next != TR_IPPROTO_UDP) {
			TR_CNT(s, STACK_PASSED);
			return TR_ACT_NEXT;
		}
	}
	uint32_t len = b->len - l4;
	if (next == TR_IPPROTO_ICMPV6)
		return icmp6_input(s, b, l4, len, unicast);
	return tr__udp_input(s, b, 6, L3, l4, len);
}

int tr__ip6_output(struct tr_stack *s, struct tr_buf *b, const uint8_t dst[16])
{
	uint8_t mac[6];
	bool group = ip6_is_mcast(dst);
	if (group)
		ip6_mcast_mac(mac, dst);
	return tr__ip_output(s, &s->n6, dst, group ? mac : NULL, b);
}

int tr__ip6_send(struct tr_stack *s, struct tr_buf *b, const uint8_t src[16], const uint8_t dst[16],
		 uint8_t proto)
{
	return tr__frag6_out(s, b, src, dst, proto, NULL);
}

uint32_t tr__ip6_reply_big(struct tr_stack *s, struct tr_buf *b, uint32_t l4, uint8_t proto)
{
	uint8_t *ip = b->data + L3;
	uint32_t end = L4 + tr_load_be16(ip + TR_IPV6_OFF_PLEN);
	uint8_t src[16], dst[16], dmac[6];
	memcpy(src, ip + TR_IPV6_OFF_SRC, 16);
	memcpy(dst, ip + TR_IPV6_OFF_DST, 16);
	memcpy(dmac, b->data, 6);
	/* Re-frame the upper-layer message (extension headers the request
	 * carried are not repeated) and fragment it: the received buffer
	 * leaves as the first fragment. */
	b->data += l4;
	b->len = end - l4;
	tr__frag6_out(s, b, src, dst, proto, dmac);
	return TR_ACT_STOLEN;
}

const uint8_t *tr__ip6_pick_src(const struct tr_stack_host *h, const uint8_t *dst)
{
	return ip6_pick_src(h, dst);
}
