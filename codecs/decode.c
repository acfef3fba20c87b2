/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole-frame decoder (tr_decode) and classify-only fast path (tr_classify).
 *
 * tr_decode() chains the per-protocol parse functions; each one checks its
 * own bounds, so the decoder only has to hand each the right slice:
 * [layer start, min(caplen, end of the enclosing datagram)). Padding after
 * the IP datagram is never passed on.
 */
#include <tapring/checksum.h>
#include <tapring/decode.h>
#include <tapring/dns.h>

#include "ipv4_pvt.h"

/* Record a static reason and fail: d->error points at it (no copy). */
__attribute__((cold))
static int dec_fail(struct tr_decoded *d, const char *why)
{
	d->error = why;
	d->layers |= TR_DEC_ERROR;
	return -EINVAL;
}

/* A codec's reason, or fallback should it have given none. */
__attribute__((cold))
static int dec_fail_why(struct tr_decoded *d, const char *why, const char *fallback)
{
	return dec_fail(d, why ? why : fallback);
}

static inline void set_payload(struct tr_decoded *d, size_t off, size_t n)
{
	d->payload_off = (uint32_t)off;
	d->payload_len = (uint32_t)n;
}

/* The fields every codec-parsed L4 layer (TCP, ICMP, ICMPv6) sets the same
 * way: rc is its parse's result (0, or -EBADMSG for a bad checksum, which
 * keeps the layer), and the checksum counts as checked only over the whole
 * datagram. A macro, as the layers are structs of different types. */
#define L4_LAYER_DONE(d, layer, bit, at, rc, whole) do { \
		(d)->layer.off = (uint16_t)(at); \
		(d)->layer.csum_ok = (whole) && (rc) == 0; \
		(d)->layer.csum_checked = (whole); \
		(d)->layers |= (bit); \
	} while (0)

/* DNS over UDP: header fields always (when 12 bytes are there), a full walk
 * only when the whole message was captured. */
static int dec_dns(struct tr_decoded *d, const uint8_t *frame, size_t off, size_t n, bool whole)
{
	const uint8_t *m = frame + off;
	d->layers |= TR_DEC_DNS;
	d->dns.off = (uint16_t)off;
	d->dns.len = (uint16_t)n;
	d->dns.parsed = false;
	if (n >= 12) {
		d->dns.id = tr_load_be16(m);
		d->dns.flags = tr_load_be16(m + 2);
		d->dns.qdcount = tr_load_be16(m + 4);
		d->dns.ancount = tr_load_be16(m + 6);
		d->dns.nscount = tr_load_be16(m + 8);
		d->dns.arcount = tr_load_be16(m + 10);
	}
	if (!whole)
		return 0;
	/* Scratch for the walk: names are decompressed into text here. Large
	 * (a few KiB) but on the stack, so tr_decode stays reentrant. */
	struct tr_dns_question q;
	struct tr_dns_rr rr;
	const char *why = NULL;
	int rc = tr_dns_validate(m, n, &q, &rr, &why);
	if (rc < 0)
		return dec_fail_why(d, why, "dns: malformed");
	d->dns.parsed = true;
	return 0;
}

/* Pseudo-header sum, inlined (addresses point into the frame). */
static inline uint32_t pseudo_sum(const struct tr_l4_pseudo *ph, uint8_t proto, uint32_t l4len)
{
	uint32_t s = tr_htons(proto) + tr_htons((uint16_t)l4len) + tr_htons((uint16_t)(l4len >> 16));
	unsigned n = ph->family == 4 ? 4 : 16;
	for (unsigned i = 0; i < n; i += 2)
		s += tr_load_raw16(ph->src + i) + tr_load_raw16(ph->dst + i);
	return s;   /* at most 35 words of 0xffff: no overflow */
}

/* Checksum of a short buffer (small UDP datagrams), inlined: 64-bit loads
 * with end-around carry and a 4/2/1-byte tail, as in checksum.c. */
static inline uint32_t small_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		acc += v;
		acc += acc < v;
	}
	uint64_t t = 0;
	if (len & 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		t = v;
		p += 4;
	}
	if (len & 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		t += v;
		p += 2;
	}
	if (len & 1) {
		uint16_t v = 0;
		memcpy(&v, p, 1);   /* memory order [b, 0] on any endianness */
		t += v;
	}
	acc += t;
	acc += acc < t;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc + (uint32_t)(acc >> 32);
}

__attribute__((always_inline))
static inline int dec_udp(struct tr_decoded *d, const uint8_t *frame, size_t off, size_t avail,
		   bool whole, const struct tr_l4_pseudo *ph)
{
	const uint8_t *b = frame + off;
	if (avail < TR_UDP_HDR_LEN)
		return dec_fail(d, "udp: header truncated");
	d->udp.off = (uint16_t)off;
	d->udp.len = tr_load_be16(b + TR_UDP_OFF_LEN);
	if (whole) {
		/* The hot path, inlined: same checks and result as
		 * tr_udp_parse() (test_decode compares the two), without the
		 * calls. 8 <= length <= available, checksum 0 means "absent"
		 * over IPv4 and is an error over IPv6 (RFC 8200 §8.1). */
		size_t ulen = d->udp.len;
		if (TR_UNLIKELY(ulen < TR_UDP_HDR_LEN))
			return dec_fail(d, "udp: length < 8");
		if (TR_UNLIKELY(ulen > avail))
			return dec_fail(d, "udp: length > bytes available");
		d->udp.r.src_port = tr_load_be16(b + TR_UDP_OFF_SPORT);
		d->udp.r.dst_port = tr_load_be16(b + TR_UDP_OFF_DPORT);
		d->udp.r.payload = b + TR_UDP_HDR_LEN;
		d->udp.r.payload_len = ulen - TR_UDP_HDR_LEN;
		if (tr_load_raw16(b + TR_UDP_OFF_CKSUM) == 0) {
			/* Absent over IPv4. Over IPv6 it is illegal (RFC 8200
			 * §8.1): tr_udp_parse() rejects it (the stack relies on
			 * that), but a decoder keeps the layer and reports a
			 * bad checksum, as tshark does. */
			d->udp.r.cksum_present = 0;
			d->udp.csum_ok = ph->family != 6;
		} else {
			d->udp.r.cksum_present = 1;
			uint32_t sum = pseudo_sum(ph, TR_IPPROTO_UDP, (uint32_t)ulen);
			d->udp.csum_ok = tr_cksum_finish(ulen <= 64 ? small_sum(sum, b, ulen)
							 : tr_cksum_add(sum, b, ulen)) == 0;
		}
		d->udp.csum_checked = true;
	} else {
		/* Only part of the datagram (snaplen cut or first fragment):
		 * the length field cannot be checked against the data, and the
		 * checksum cannot be verified. */
		if (d->udp.len < TR_UDP_HDR_LEN)
			return dec_fail(d, "udp: length < 8");
		d->udp.r.src_port = tr_load_be16(b + TR_UDP_OFF_SPORT);
		d->udp.r.dst_port = tr_load_be16(b + TR_UDP_OFF_DPORT);
		d->udp.r.payload = b + TR_UDP_HDR_LEN;
		size_t pl = d->udp.len - TR_UDP_HDR_LEN;
		d->udp.r.payload_len = pl < avail - TR_UDP_HDR_LEN ? pl : avail - TR_UDP_HDR_LEN;
		d->udp.r.cksum_present = tr_load_raw16(b + TR_UDP_OFF_CKSUM) != 0;
		d->udp.csum_ok = false;
		/* A zero checksum over IPv6 is wrong whatever the data. */
		d->udp.csum_checked = !d->udp.r.cksum_present && ph->family == 6;
	}
	d->layers |= TR_DEC_UDP;
	size_t poff = off + TR_UDP_HDR_LEN;
	set_payload(d, poff, d->udp.r.payload_len);
	uint16_t sp = d->udp.r.src_port, dp = d->udp.r.dst_port;
	if (sp == 53 || dp == 53 || sp == 5353 || dp == 5353) {
		/* whole: the UDP length field was checked against the data. */
		return dec_dns(d, frame, poff, d->udp.r.payload_len, whole);
	}
	return 0;
}

static int dec_tcp(struct tr_decoded *d, const uint8_t *frame, size_t off, size_t avail,
		   bool whole, const struct tr_l4_pseudo *ph)
{
	struct tr_tcp_view v = tr_tcp_view_ro(frame + off, avail);
	const char *why = NULL;
	int rc = tr_tcp_parse(&v, ph, &d->tcp.r, whole ? 0 : TR_L4_NO_CKSUM, &why);
	if (rc < 0 && rc != -EBADMSG)
		return dec_fail_why(d, why, "tcp: malformed");
	d->tcp.hdr_len = (uint8_t)tr_tcp_hdr_len(&v);
	L4_LAYER_DONE(d, tcp, TR_DEC_TCP, off, rc, whole);
	set_payload(d, off + d->tcp.hdr_len, avail - d->tcp.hdr_len);
	return 0;
}

static int dec_icmp(struct tr_decoded *d, const uint8_t *frame, size_t off, size_t avail, bool whole)
{
	struct tr_icmpv4_view v = tr_icmpv4_view_ro(frame + off, avail);
	const char *why = NULL;
	int rc = tr_icmpv4_parse(&v, &d->icmp.r, whole ? 0 : TR_L4_NO_CKSUM, &why);
	if (rc < 0 && rc != -EBADMSG)
		return dec_fail_why(d, why, "icmp: malformed");
	L4_LAYER_DONE(d, icmp, TR_DEC_ICMP, off, rc, whole);
	set_payload(d, off + TR_ICMP_HDR_LEN, avail - TR_ICMP_HDR_LEN);
	return 0;
}

static int dec_icmp6(struct tr_decoded *d, const uint8_t *frame, size_t off, size_t avail,
		     bool whole, const struct tr_l4_pseudo *ph)
{
	const uint8_t *b = frame + off;
	if (avail < TR_ICMP6_HDR_LEN)
		return dec_fail(d, "icmp6: header truncated");
	struct tr_icmpv6_view v = tr_icmpv6_view_ro(b, avail);
	const char *why = NULL;
	int rc = tr_icmpv6_parse(&v, ph, &d->icmp6.r, whole ? 0 : TR_L4_NO_CKSUM, &why);
	if (rc < 0 && rc != -EBADMSG)
		return dec_fail_why(d, why, "icmp6: malformed");
	d->icmp6.type = b[TR_ICMP6_OFF_TYPE];
	d->icmp6.code = b[TR_ICMP6_OFF_CODE];
	/* The parse above checked the fixed ND part (target, redirect
	 * destination) is captured. */
	d->icmp6.target = NULL;
	d->icmp6.redirect_dst = NULL;
	switch (d->icmp6.type) {
	case TR_ICMP6_NEIGH_SOLICIT:
	case TR_ICMP6_NEIGH_ADVERT:
		d->icmp6.target = b + TR_ICMP6_NS_OFF_TARGET;   /* = NA's offset */
		break;
	case TR_ICMP6_REDIRECT:
		d->icmp6.target = b + TR_ICMP6_RD_OFF_TARGET;
		d->icmp6.redirect_dst = b + TR_ICMP6_RD_OFF_DEST;
		break;
	default:
		break;
	}
	d->icmp6.rest = tr_load_be32(b + 4);
	d->icmp6.len = (uint32_t)avail;
	L4_LAYER_DONE(d, icmp6, TR_DEC_ICMP6, off, rc, whole);
	set_payload(d, off + TR_ICMP6_HDR_LEN, avail - TR_ICMP6_HDR_LEN);
	return 0;
}

/* Upper layer at off with avail captured bytes of the IP payload. Always
 * inlined so each IP path gets a copy specialised for its address family. */
__attribute__((always_inline))
static inline int dec_l4(struct tr_decoded *d, const uint8_t *frame, uint8_t proto, size_t off,
		  size_t avail, bool whole, const struct tr_l4_pseudo *ph)
{
	switch (proto) {
	case TR_IPPROTO_UDP:
		return dec_udp(d, frame, off, avail, whole, ph);
	case TR_IPPROTO_TCP:
		return dec_tcp(d, frame, off, avail, whole, ph);
	case TR_IPPROTO_ICMP:
		if (ph->family == 4)
			return dec_icmp(d, frame, off, avail, whole);
		break;
	case TR_IPPROTO_ICMPV6:
		if (ph->family == 6)
			return dec_icmp6(d, frame, off, avail, whole, ph);
		break;
	default:
		break;
	}
	set_payload(d, off, avail);
	return 0;
}

/*
 * The common IPv4 case, inlined: no options, not a fragment, the whole
 * datagram captured. Fills exactly what tr_ipv4_parse() would (test_decode
 * compares the two); anything else returns false and takes the general
 * path, which also produces the error messages.
 */
static inline bool dec_ipv4_fast(struct tr_decoded *d, const uint8_t *frame, size_t off, int *rc)
{
	size_t cap = d->caplen - off;
	const uint8_t *b = frame + off;
	/* What this path leaves to the general one first (options,
	 * fragments: a cheap early exit), then the header checks of
	 * tr_ipv4_parse, the one copy in ipv4.h. With version and IHL known
	 * here the compiler folds that call down to the total length tests;
	 * the fragment-end test is not asked for, as it cannot fail at
	 * offset 0 (total length <= 65535). */
	if (TR_UNLIKELY(cap < TR_IPV4_MIN_HDR_LEN || b[0] != 0x45))
		return false;
	uint16_t frag = tr_load_be16(b + TR_IPV4_OFF_FRAG);
	if (TR_UNLIKELY((frag & (TR_IPV4_FLAG_MF | TR_IPV4_FRAG_MASK)) ||
			tr__ipv4_hdr_bad(b, cap, TR__IPV4_CHK_VERSION) != TR__IPV4_OK))
		return false;
	unsigned tl = tr_load_be16(b + TR_IPV4_OFF_TOTLEN);
	struct tr_ipv4_repr *r = &d->ipv4.r;
	uint32_t w[5];
	memcpy(w, b, sizeof(w));
	uint64_t sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffffu) + (sum >> 32);
	r->csum_ok = tr_cksum_finish((uint32_t)sum + (uint32_t)(sum >> 32)) == 0;
	tr__ipv4_repr_fixed(r, b, frag);
	r->mf = false;
	r->hdr_len = TR_IPV4_MIN_HDR_LEN;
	r->opt_len = 0;
	r->frag_off = 0;
	r->payload_len = (uint16_t)(tl - TR_IPV4_MIN_HDR_LEN);
	d->ipv4.off = (uint16_t)off;
	d->ipv4.csum_ok = r->csum_ok;
	d->layers |= TR_DEC_IPV4;
	struct tr_l4_pseudo ph = { 4, b + TR_IPV4_OFF_SRC, b + TR_IPV4_OFF_DST };
	*rc = dec_l4(d, frame, r->proto, off + TR_IPV4_MIN_HDR_LEN, tl - TR_IPV4_MIN_HDR_LEN, true, &ph);
	return true;
}

static int dec_ipv4(struct tr_decoded *d, const uint8_t *frame, size_t off)
{
	int frc;
	if (TR_LIKELY(dec_ipv4_fast(d, frame, off, &frc)))
		return frc;
	size_t cap = d->caplen - off, wire = d->wirelen - off;
	bool cut = cap < wire;
	struct tr_ipv4_view v = tr_ipv4_view_of(frame + off, cap);
	struct tr_ipv4_repr *r = &d->ipv4.r;
	const char *why = NULL;
	int rc = tr_ipv4_parse(&v, r, cut ? TR_IPV4_PARSE_TRUNC_OK : 0, &why);
	/* -EBADMSG (bad header checksum) is reported through csum_ok. */
	if (rc < 0 && rc != -EBADMSG)
		return dec_fail_why(d, why, "ipv4: malformed");
	if (r->total_len > wire)
		return dec_fail(d, "ipv4: total length > bytes on the wire");
	d->ipv4.off = (uint16_t)off;
	d->ipv4.csum_ok = r->csum_ok;
	d->layers |= TR_DEC_IPV4;

	size_t l4 = off + r->hdr_len;
	bool whole = r->total_len <= cap;
	size_t avail = (whole ? r->total_len : cap) - r->hdr_len;
	if (tr_ipv4_is_frag(r)) {
		d->layers |= TR_DEC_FRAG;
		if (r->frag_off != 0) {
			set_payload(d, l4, avail);
			return 0;
		}
		whole = false;   /* first fragment: the L4 checksum covers more */
	}
	struct tr_l4_pseudo ph = { 4, r->src, r->dst };
	/* The pseudo-header points at the frame, not at the repr copies. */
	ph.src = frame + off + TR_IPV4_OFF_SRC;
	ph.dst = frame + off + TR_IPV4_OFF_DST;
	return dec_l4(d, frame, r->proto, l4, avail, whole, &ph);
}

static int dec_ipv6(struct tr_decoded *d, const uint8_t *frame, size_t off)
{
	size_t cap = d->caplen - off, wire = d->wirelen - off;
	bool cut = cap < wire;
	struct tr_ipv6_view v = tr_ipv6_view_of(frame + off, cap);
	struct tr_ipv6_repr *r = &d->ipv6.r;
	const char *why = NULL;
	int rc = tr_ipv6_parse(&v, r, cut ? TR_IPV6_PARSE_TRUNC_OK : 0, &why);
	if (rc < 0)
		return dec_fail_why(d, why, "ipv6: malformed");
	size_t end = (size_t)TR_IPV6_HDR_LEN + r->payload_len;
	if (end > wire)
		return dec_fail(d, "ipv6: payload length > bytes on the wire");
	d->ipv6.off = (uint16_t)off;
	d->layers |= TR_DEC_IPV6;

	bool whole = end <= cap;
	size_t l4 = off + r->hdr_len;
	size_t avail = (whole ? end : cap) - r->hdr_len;
	if (r->has_frag) {
		d->layers |= TR_DEC_FRAG;
		if (r->frag_off != 0) {
			set_payload(d, l4, avail);
			return 0;
		}
		whole = whole && !r->frag_mf;
	}
	if (r->upper == TR_IPPROTO_NONE) {
		set_payload(d, l4, avail);
		return 0;
	}
	struct tr_l4_pseudo ph = { 6, frame + off + TR_IPV6_OFF_SRC,
				   frame + off + (r->final_dst_off ? r->final_dst_off : TR_IPV6_OFF_DST) };
	return dec_l4(d, frame, r->upper, l4, avail, whole, &ph);
}

static void dec_eth_vlan_offs(struct tr_decoded *d)
{
	if (d->eth.r.n_vlan) {
		d->layers |= TR_DEC_VLAN;
		for (unsigned i = 0; i < d->eth.r.n_vlan; i++)
			d->eth.vlan_off[i] = (uint16_t)(TR_ETH_OFF_TYPE + i * TR_VLAN_TAG_LEN);
	}
}

/*
 * tr_eth_parse() failed on a frame that holds the 14-byte header: a VLAN tag
 * is cut or there are more than TR_ETH_MAX_VLAN of them (d->error says
 * which). The codec still filled the header and the complete tags before
 * the bad one (tshark shows those too), with the bad tag's TPID as
 * ethertype, so no later layer is decoded.
 */
__attribute__((cold))
static int dec_eth_tags_bad(struct tr_decoded *d, size_t caplen)
{
	d->eth.off = 0;
	d->layers |= TR_DEC_ETH | TR_DEC_ERROR;
	dec_eth_vlan_offs(d);
	set_payload(d, d->eth.r.hdr_len, caplen - d->eth.r.hdr_len);
	return -EINVAL;
}

/* The network layer at off, named by an Ethernet type. */
static inline int dec_net(struct tr_decoded *d, const uint8_t *frame, size_t off, uint16_t type)
{
	size_t caplen = d->caplen;
	switch (type) {
	case TR_ETHERTYPE_IPV4:
		return dec_ipv4(d, frame, off);
	case TR_ETHERTYPE_IPV6:
		return dec_ipv6(d, frame, off);
	case TR_ETHERTYPE_ARP: {
		struct tr_arp_view av = tr_arp_view_of(frame + off, caplen - off);
		const char *why = NULL;
		if (tr_arp_parse(&av, &d->arp.r, &why) < 0)
			return dec_fail_why(d, why, "arp: malformed");
		d->arp.off = (uint16_t)off;
		d->layers |= TR_DEC_ARP;
		set_payload(d, off + TR_ARP_LEN, caplen - off - TR_ARP_LEN);
		return 0;
	}
	default:
		return 0;
	}
}

/* Common start of both entry points; returns the (clamped) caplen. */
static inline size_t dec_begin(struct tr_decoded *d, uint32_t dlt, size_t caplen, size_t wirelen)
{
	d->layers = 0;
	d->dlt = dlt;
	d->error = "";
	if (wirelen < caplen)
		wirelen = caplen;
	/* Offsets are 16-bit in the repr structs: longer frames are cut to
	 * the first 64 KiB (no Ethernet frame is that long). */
	if (caplen > 65535)
		caplen = 65535;
	if (wirelen > 65535)
		wirelen = 65535;
	d->caplen = (uint32_t)caplen;
	d->wirelen = (uint32_t)wirelen;
	if (caplen < wirelen)
		d->layers |= TR_DEC_TRUNC;
	set_payload(d, 0, caplen);
	return caplen;
}

int tr_decode(const uint8_t *frame, size_t caplen, size_t wirelen, struct tr_decoded *d)
{
	caplen = dec_begin(d, TR_DLT_EN10MB, caplen, wirelen);

	uint16_t type;
	if (TR_LIKELY(caplen >= TR_ETH_HDR_LEN) &&
	    !tr_eth_is_vlan_tpid(type = tr_load_be16(frame + TR_ETH_OFF_TYPE))) {
		/* Untagged: what tr_eth_parse() fills, inlined. */
		memcpy(d->eth.r.dst, frame + TR_ETH_OFF_DST, 6);
		memcpy(d->eth.r.src, frame + TR_ETH_OFF_SRC, 6);
		d->eth.r.ethertype = type;
		d->eth.r.n_vlan = 0;
		d->eth.r.hdr_len = TR_ETH_HDR_LEN;
	} else {
		struct tr_eth_view ev = tr_eth_view_of(frame, caplen);
		const char *why = NULL;
		if (tr_eth_parse(&ev, &d->eth.r, &why) < 0) {
			dec_fail_why(d, why, "eth: malformed");
			if (caplen < TR_ETH_HDR_LEN)
				return -EINVAL;
			return dec_eth_tags_bad(d, caplen);
		}
	}
	d->eth.off = 0;
	d->layers |= TR_DEC_ETH;
	dec_eth_vlan_offs(d);
	size_t off = d->eth.r.hdr_len;
	set_payload(d, off, caplen - off);
	return dec_net(d, frame, off, d->eth.r.ethertype);
}

int tr_decode_link(uint32_t dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
		   struct tr_decoded *d)
{
	if (TR_LIKELY(dlt == TR_DLT_EN10MB))
		return tr_decode(frame, caplen, wirelen, d);
	caplen = dec_begin(d, dlt, caplen, wirelen);
	const char *why = NULL;
	if (tr_link_parse(dlt, frame, caplen, &d->link.r, &why) < 0)
		return dec_fail_why(d, why, "link: malformed");
	d->layers |= TR_DEC_LINK;
	size_t off = d->link.r.hdr_len;
	set_payload(d, off, caplen - off);
	return dec_net(d, frame, off, d->link.r.proto);
}

/* ---- classify ------------------------------------------------------------ */

uint32_t tr_classify(const uint8_t *f, size_t len, struct tr_classify *c)
{
	c->ptype = 0;
	c->ethertype = 0;
	c->l4_proto = 0;
	c->n_vlan = 0;
	c->l2_len = 0;
	c->l3_len = 0;
	c->l4_off = 0;
	c->l4_len = 0;
	if (TR_UNLIKELY(len < TR_ETH_HDR_LEN))
		return 0;
	if (len > 65535)
		len = 65535;

	uint32_t pt = TR_PT_L2_ETHER;
	uint16_t type = tr_load_be16(f + TR_ETH_OFF_TYPE);
	size_t off = TR_ETH_HDR_LEN;
	unsigned n = 0;
	while (TR_UNLIKELY(tr_eth_is_vlan_tpid(type))) {
		if (n == TR_ETH_MAX_VLAN || !tr_in_bounds(len, off, TR_VLAN_TAG_LEN)) {
			pt |= TR_PT_TRUNC;
			goto out_l2;
		}
		type = tr_load_be16(f + off + TR_VLAN_OFF_TYPE);
		off += TR_VLAN_TAG_LEN;
		n++;
	}
out_l2:
	if (n)
		pt |= n == 1 ? TR_PT_L2_VLAN : TR_PT_L2_QINQ;
	c->n_vlan = (uint8_t)n;
	c->ethertype = type;
	c->l2_len = (uint16_t)off;
	if (pt & TR_PT_TRUNC)
		return c->ptype = pt;

	size_t l3len;
	uint8_t proto;
	if (TR_LIKELY(type == TR_ETHERTYPE_IPV4)) {
		if (TR_UNLIKELY(!tr_in_bounds(len, off, TR_IPV4_MIN_HDR_LEN)))
			return c->ptype = pt | TR_PT_TRUNC;
		const uint8_t *ip = f + off;
		l3len = tr__ipv4_ihl_bytes(ip);
		if (TR_UNLIKELY(l3len < TR_IPV4_MIN_HDR_LEN || !tr_in_bounds(len, off, l3len)))
			return c->ptype = pt | TR_PT_TRUNC;
		pt |= l3len == TR_IPV4_MIN_HDR_LEN ? TR_PT_L3_IPV4 : TR_PT_L3_IPV4_EXT;
		proto = ip[TR_IPV4_OFF_PROTO];
		/* MF or a nonzero offset: the L4 header is absent or partial. */
		if (TR_UNLIKELY(tr_load_be16(ip + TR_IPV4_OFF_FRAG) & (TR_IPV4_FLAG_MF | TR_IPV4_FRAG_MASK))) {
			c->l3_len = (uint16_t)l3len;
			c->l4_off = (uint16_t)(off + l3len);
			c->l4_proto = proto;
			return c->ptype = pt | TR_PT_L4_FRAG;
		}
	} else if (type == TR_ETHERTYPE_IPV6) {
		if (TR_UNLIKELY(!tr_in_bounds(len, off, TR_IPV6_HDR_LEN)))
			return c->ptype = pt | TR_PT_TRUNC;
		proto = f[off + TR_IPV6_OFF_NEXT];
		l3len = TR_IPV6_HDR_LEN;
		pt |= TR_PT_L3_IPV6;
		for (unsigned i = 0; i < TR_IPV6_MAX_EXT; i++) {
			size_t e = off + l3len;
			size_t elen;
			if (TR_LIKELY(proto != TR_IPPROTO_HOPOPTS && proto != TR_IPPROTO_ROUTING &&
				      proto != TR_IPPROTO_DSTOPTS && proto != TR_IPPROTO_FRAGMENT &&
				      proto != TR_IPPROTO_AH))
				break;
			if (!tr_in_bounds(len, e, 8))
				return c->ptype = (pt & ~TR_PT_L3_IPV6) | TR_PT_L3_IPV6_EXT | TR_PT_TRUNC;
			pt = (pt & ~TR_PT_L3_IPV6) | TR_PT_L3_IPV6_EXT;
			if (proto == TR_IPPROTO_FRAGMENT) {
				proto = f[e];
				l3len += 8;
				/* offset or M nonzero: a fragment (RFC 8200 §4.5) */
				if (tr_load_be16(f + e + 2) & (TR_IPV6_FRAG_OFF_MASK | TR_IPV6_FRAG_M)) {
					c->l3_len = (uint16_t)l3len;
					c->l4_off = (uint16_t)(off + l3len);
					c->l4_proto = proto;
					return c->ptype = pt | TR_PT_L4_FRAG;
				}
				continue;
			}
			elen = proto == TR_IPPROTO_AH ? ((size_t)f[e + 1] + 2u) * 4u
						      : ((size_t)f[e + 1] + 1u) * 8u;
			proto = f[e];
			l3len += elen;
		}
		if (TR_UNLIKELY(!tr_in_bounds(len, off, l3len)))
			return c->ptype = pt | TR_PT_TRUNC;
		if (TR_UNLIKELY(proto == TR_IPPROTO_HOPOPTS || proto == TR_IPPROTO_ROUTING ||
				proto == TR_IPPROTO_DSTOPTS || proto == TR_IPPROTO_FRAGMENT ||
				proto == TR_IPPROTO_AH))
			return c->ptype = pt | TR_PT_TRUNC;   /* chain longer than the bound */
	} else {
		if (type == TR_ETHERTYPE_ARP)
			pt |= TR_PT_L2_ARP;
		return c->ptype = pt;
	}

	size_t l4 = off + l3len;
	c->l3_len = (uint16_t)l3len;
	c->l4_off = (uint16_t)l4;
	c->l4_proto = proto;
	switch (proto) {
	case TR_IPPROTO_TCP: {
		if (TR_UNLIKELY(!tr_in_bounds(len, l4, TR_TCP_HDR_LEN)))
			return c->ptype = pt | TR_PT_L4_TCP | TR_PT_TRUNC;
		size_t th = (size_t)(f[l4 + TR_TCP_OFF_DOFF] >> 4) * 4u;
		if (TR_UNLIKELY(th < TR_TCP_HDR_LEN || !tr_in_bounds(len, l4, th)))
			return c->ptype = pt | TR_PT_L4_TCP | TR_PT_TRUNC;
		c->l4_len = (uint16_t)th;
		return c->ptype = pt | TR_PT_L4_TCP;
	}
	case TR_IPPROTO_UDP:
		if (TR_UNLIKELY(!tr_in_bounds(len, l4, TR_UDP_HDR_LEN)))
			return c->ptype = pt | TR_PT_L4_UDP | TR_PT_TRUNC;
		c->l4_len = TR_UDP_HDR_LEN;
		return c->ptype = pt | TR_PT_L4_UDP;
	case TR_IPPROTO_ICMP:
	case TR_IPPROTO_ICMPV6:
		if (TR_UNLIKELY(!tr_in_bounds(len, l4, 8)))
			return c->ptype = pt | TR_PT_L4_ICMP | TR_PT_TRUNC;
		c->l4_len = 8;
		return c->ptype = pt | TR_PT_L4_ICMP;
	default:
		return c->ptype = pt | TR_PT_L4_OTHER;
	}
}
