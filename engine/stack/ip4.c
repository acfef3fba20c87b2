/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 input (checks, reassembly, dispatch), ICMPv4 (echo reply in place,
 * port unreachable) and IPv4 output (fragmentation, neighbour resolution).
 *
 * Routing: every destination is treated as on-link (the stack serves the
 * TAP's link). 255.255.255.255 goes to the Ethernet broadcast address.
 */
#include <errno.h>

#include <tapring/checksum.h>
#include <tapring/ethernet.h>
#include <tapring/icmpv4.h>
#include <tapring/ipv4.h>

#include "stack_pvt.h"

#define L3 TR_ETH_HDR_LEN

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool ip4_is_bcast(const uint8_t *a)
{
	return a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255;
}

/* Source addresses that can never be a unicast sender. */
static bool ip4_bad_src(const uint8_t *a)
{
	return a[0] >= 224 || a[0] == 127;
}

/* The MAC we use as Ethernet source for our address index idx. */
static const uint8_t *ip4_src_mac(const struct tr_stack_host *h, int idx)
{
	return idx >= 0 ? h->ip4_mac[idx] : h->cfg.mac;
}

const uint8_t *tr__ip4_src_mac(const struct tr_stack_host *h, int idx)
{
	return ip4_src_mac(h, idx);
}

/* Echo request -> echo reply, in the request's buffer (zero copy): swap the
 * MACs and the addresses, TTL 64, type 0. Checksums are updated with RFC
 * 1624: swapping two header words leaves the one's complement sum as it
 * was, so only the TTL word and the ICMP type word change the sums. */
static uint32_t icmp4_echo(struct tr_stack *s, struct tr_buf *b, int idx, uint32_t hl,
			   struct tr_icmpv4_view *iv)
{
	uint8_t *d = b->data;
	uint8_t *ip = d + L3;
	uint8_t tmp[6];

	memcpy(tmp, d + TR_ETH_OFF_SRC, 6);
	memcpy(d + TR_ETH_OFF_DST, tmp, 6);
	memcpy(d + TR_ETH_OFF_SRC, ip4_src_mac(s->h, idx), 6);

	uint8_t a[4];
	memcpy(a, ip + TR_IPV4_OFF_SRC, 4);
	memcpy(ip + TR_IPV4_OFF_SRC, ip + TR_IPV4_OFF_DST, 4);
	memcpy(ip + TR_IPV4_OFF_DST, a, 4);

	uint16_t ck = tr_load_raw16(ip + TR_IPV4_OFF_CSUM);
	uint16_t oldw = tr_load_raw16(ip + TR_IPV4_OFF_TTL);
	ip[TR_IPV4_OFF_TTL] = 64;
	ck = tr_cksum_update16(ck, oldw, tr_load_raw16(ip + TR_IPV4_OFF_TTL));
	memcpy(ip + TR_IPV4_OFF_CSUM, &ck, 2);

	ck = tr_load_raw16(iv->buf + TR_ICMP_OFF_CKSUM);
	oldw = tr_load_raw16(iv->buf + TR_ICMP_OFF_TYPE);
	tr_icmpv4_set_type(iv, TR_ICMP_ECHO_REPLY);
	ck = tr_cksum_update16(ck, oldw, tr_load_raw16(iv->buf + TR_ICMP_OFF_TYPE));
	memcpy(iv->buf + TR_ICMP_OFF_CKSUM, &ck, 2);
	(void)hl;
	TR_CNT(s, ICMP4_ECHO);
	if (tr_load_be16(ip + TR_IPV4_OFF_TOTLEN) > s->h->cfg.mtu)
		return tr__ip4_reply_big(s, b);   /* a reassembled request */
	return TR_ACT_TX;
}

static uint32_t icmp4_input(struct tr_stack *s, struct tr_buf *b, int idx, uint32_t hl, uint32_t tl)
{
	struct tr_icmpv4_view iv = { b->data + L3 + hl, tl - hl };
	if (tr_icmpv4_check(&iv, NULL) != 0)
		return TR_DROP(s, ICMP4_MALFORMED);
	if (tr_cksum(iv.buf, iv.len) != 0)
		return TR_DROP(s, ICMP4_BAD_CSUM);
	switch (tr_icmpv4_type(&iv)) {
	case TR_ICMP_ECHO_REQUEST:
		/* Like Linux's icmp_echo_ignore_broadcasts: no reply to
		 * broadcast pings (smurf amplification). */
		if (idx < 0)
			return TR_DROP(s, ICMP4_UNHANDLED);
		return icmp4_echo(s, b, idx, hl, &iv);
	case TR_ICMP_ECHO_REPLY:
		/* Replies to the application's pings: its business. */
		TR_CNT(s, STACK_PASSED);
		return TR_ACT_NEXT;
	default:
		return TR_DROP(s, ICMP4_UNHANDLED);
	}
}

/* Destination unreachable (port) for the datagram in b, in a new buffer
 * sent straight back to the sender's MAC. Rate-limited per worker. */
void tr__icmp4_port_unreach(struct tr_stack *s, struct tr_buf *b)
{
	const uint8_t *ip = b->data + L3;
	int idx = tr__host_ip4_index(s->h, ip + TR_IPV4_OFF_DST);
	if (idx < 0)
		return;  /* never for broadcast (RFC 1122 3.2.2) */
	if (!tr__tb_take(&s->icmp4_tb, s->now)) {
		TR_CNT(s, ICMP4_RATE_LIMITED);
		return;
	}
	struct tr_buf *nb = tr__stack_alloc(s);
	if (!nb)
		return;
	uint32_t tl = tr_load_be16(ip + TR_IPV4_OFF_TOTLEN);
	/* RFC 1812 4.3.2.3: quote as much as fits in 576 bytes. */
	uint32_t quote = tl < 576 - 28 ? tl : 576 - 28;
	if (L3 + 28 + quote > s->io.buf_room)
		quote = s->io.buf_room > L3 + 28 ? s->io.buf_room - L3 - 28 : 0;
	uint8_t *d = nb->data;
	memcpy(d + TR_ETH_OFF_DST, b->data + TR_ETH_OFF_SRC, 6);
	memcpy(d + TR_ETH_OFF_SRC, ip4_src_mac(s->h, idx), 6);
	tr_store_be16(d + TR_ETH_OFF_TYPE, TR_ETHERTYPE_IPV4);

	struct tr_ipv4_repr ir = {
		.proto = TR_IPPROTO_ICMP, .ttl = 64, .id = s->ip4_id++,
		.payload_len = (uint16_t)(TR_ICMP_HDR_LEN + quote),
	};
	memcpy(ir.src, ip + TR_IPV4_OFF_DST, 4);
	memcpy(ir.dst, ip + TR_IPV4_OFF_SRC, 4);
	tr_ipv4_emit(&ir, d + L3, 20);
	struct tr_icmpv4_repr cr = {
		.type = TR_ICMP_DEST_UNREACH, .code = TR_ICMP_UNREACH_PORT,
		.data = ip, .data_len = quote,
	};
	tr_icmpv4_emit(&cr, d + L3 + 20, TR_ICMP_HDR_LEN + quote);
	nb->len = L3 + 20 + TR_ICMP_HDR_LEN + quote;
	s->io.tx(s->io.ctx, nb);
	TR_CNT(s, ICMP4_UNREACH);
}

uint32_t tr__ip4_input(struct tr_stack *s, struct tr_buf *b)
{
	struct tr_ipv4_view v = { b->data + L3, b->len - L3 };
	/* The header checks tr_ipv4_parse makes (one copy, in ipv4.h): a bad
	 * version is ip4.bad_version, every length reason ip4.bad_len (a
	 * fragment reaching past 65535 included, which reassembly would drop
	 * under the same name). */
	enum tr__ipv4_bad bad = tr__ipv4_hdr_bad(v.buf, v.len, TR__IPV4_CHK_VERSION | TR__IPV4_CHK_FRAG);
	if (TR_UNLIKELY(bad != TR__IPV4_OK))
		return bad == TR__IPV4_VERSION ? TR_DROP(s, IP4_BAD_VERSION) : TR_DROP(s, IP4_BAD_LEN);
	uint32_t hl = tr_ipv4_hdr_len(&v);
	if (tr_cksum(v.buf, hl) != 0)
		return TR_DROP(s, IP4_BAD_CSUM);
	const uint8_t *dst = tr_ipv4_dst(&v);
	int idx = tr__host_ip4_index(s->h, dst);
	if (idx < 0 && !ip4_is_bcast(dst))
		return TR_DROP(s, IP4_NOT_OURS);
	if (ip4_bad_src(tr_ipv4_src(&v)))
		return TR_DROP(s, IP4_BAD_SRC);
	uint32_t tl = tr_ipv4_total_len(&v);
	b->len = L3 + tl;  /* Ethernet padding is not part of the datagram */

	uint16_t frag = tr_load_be16(v.buf + TR_IPV4_OFF_FRAG);
	if (frag & (TR_IPV4_FLAG_MF | TR_IPV4_FRAG_MASK)) {
		struct tr_frag_in fi = {
			.family = 4, .proto = tr_ipv4_proto(&v), .id = tr_ipv4_id(&v),
			.src = tr_ipv4_src(&v), .dst = tr_ipv4_dst(&v),
			.l3 = L3, .hl = hl, .poff = L3 + hl, .plen = tl - hl,
			.off = (uint32_t)(frag & TR_IPV4_FRAG_MASK) * 8u,
			.mf = (frag & TR_IPV4_FLAG_MF) != 0,
		};
		uint32_t act = tr__reasm_input(s, &b, &fi);
		if (act != TR_ACT_NEXT)
			return act;
		v.buf = b->data + L3;
		/* b now holds the whole datagram; the header may come from
		 * another fragment (same addresses, possibly other options). */
		v.len = b->len - L3;
		hl = tr_ipv4_hdr_len(&v);
		tl = tr_ipv4_total_len(&v);
	}

	switch (tr_ipv4_proto(&v)) {
	case TR_IPPROTO_ICMP:
		return icmp4_input(s, b, idx, hl, tl);
	case TR_IPPROTO_UDP:
		return tr__udp_input(s, b, 4, L3, L3 + hl, tl - hl);
	default:
		TR_CNT(s, STACK_PASSED);
		return TR_ACT_NEXT;
	}
}

int tr__ip4_output(struct tr_stack *s, struct tr_buf *b, const uint8_t dst[4])
{
	return tr__ip_output(s, &s->n4, dst, ip4_is_bcast(dst) ? bcast_mac : NULL, b);
}

int tr__ip4_send(struct tr_stack *s, struct tr_buf *b, const uint8_t src[4], const uint8_t dst[4],
		 uint8_t proto)
{
	return tr__frag4_out(s, b, src, dst, proto, NULL);
}

uint32_t tr__ip4_reply_big(struct tr_stack *s, struct tr_buf *b)
{
	uint8_t *ip = b->data + L3;
	uint32_t hl = tr__ipv4_ihl_bytes(ip), tl = tr_load_be16(ip + TR_IPV4_OFF_TOTLEN);
	uint8_t src[4], dst[4], dmac[6];
	memcpy(src, ip + TR_IPV4_OFF_SRC, 4);
	memcpy(dst, ip + TR_IPV4_OFF_DST, 4);
	memcpy(dmac, b->data, 6);
	uint8_t proto = ip[TR_IPV4_OFF_PROTO];
	/* Re-frame the L4 message (options are not repeated) and fragment it:
	 * the received buffer itself leaves as the first fragment. */
	b->data += L3 + hl;
	b->len = tl - hl;
	tr__frag4_out(s, b, src, dst, proto, dmac);
	return TR_ACT_STOLEN;
}
