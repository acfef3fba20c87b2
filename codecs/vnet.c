/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio-net header codec: see tapring/vnet.h. */
#include <tapring/vnet.h>

#include <string.h>

#include <tapring/checksum.h>
#include <tapring/wire/ipv4.h>
#include <tapring/wire/ipv6.h>
#include <tapring/wire/tcp.h>
#include <tapring/wire/udp.h>

#define ETH_LEN 14u
#define ET_IPV4 0x0800u
#define ET_IPV6 0x86ddu
#define ET_VLAN 0x8100u

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

int tr_vnet_parse(const uint8_t *buf, size_t len, struct tr_vnet_repr *r, const char **why)
{
	if (len < TR_VNET_HDR_LEN)
		return fail(why, "vnet: truncated header");
	uint8_t flags = buf[TR_VNET_OFF_FLAGS];
	uint8_t gt = buf[TR_VNET_OFF_GSO_TYPE];
	if (flags & ~TR_VNET_F_KNOWN)
		return fail(why, "vnet: unknown flags");
	r->flags = flags;
	r->gso_type = gt & TR_VNET_GSO_TYPE_MASK;
	r->ecn = (gt & TR_VNET_GSO_ECN) != 0;
	r->hdr_len = tr_load_le16(buf + TR_VNET_OFF_HDR_LEN);
	r->gso_size = tr_load_le16(buf + TR_VNET_OFF_GSO_SIZE);
	r->csum_start = tr_load_le16(buf + TR_VNET_OFF_CSUM_START);
	r->csum_offset = tr_load_le16(buf + TR_VNET_OFF_CSUM_OFF);
	r->num_buffers = tr_load_le16(buf + TR_VNET_OFF_NUM_BUFS);
	switch (r->gso_type) {
	case TR_VNET_GSO_NONE:
		if (r->ecn)
			return fail(why, "vnet: ecn bit without gso");
		return 0;
	case TR_VNET_GSO_TCPV4:
	case TR_VNET_GSO_TCPV6:
		break;
	case TR_VNET_GSO_UDP:
	case TR_VNET_GSO_UDP_L4:
		if (r->ecn)
			return fail(why, "vnet: ecn bit on udp gso");
		if (r->gso_type == TR_VNET_GSO_UDP_L4 && !(flags & TR_VNET_F_NEEDS_CSUM))
			return fail(why, "vnet: udp_l4 gso without needs_csum");
		break;
	default:
		return fail(why, "vnet: unknown gso type");
	}
	if (r->gso_size == 0)
		return fail(why, "vnet: gso without gso_size");
	return 0;
}

int tr_vnet_emit(const struct tr_vnet_repr *r, uint8_t *buf, size_t len)
{
	if (len < TR_VNET_HDR_LEN)
		return -ENOSPC;
	buf[TR_VNET_OFF_FLAGS] = r->flags;
	buf[TR_VNET_OFF_GSO_TYPE] = (uint8_t)(r->gso_type | (r->ecn ? TR_VNET_GSO_ECN : 0));
	tr_store_le16(buf + TR_VNET_OFF_HDR_LEN, r->hdr_len);
	tr_store_le16(buf + TR_VNET_OFF_GSO_SIZE, r->gso_size);
	tr_store_le16(buf + TR_VNET_OFF_CSUM_START, r->csum_start);
	tr_store_le16(buf + TR_VNET_OFF_CSUM_OFF, r->csum_offset);
	tr_store_le16(buf + TR_VNET_OFF_NUM_BUFS, r->num_buffers);
	return 0;
}

/* Locate L3/L4 in an Ethernet frame. *full: the IP length covers exactly
 * the rest of the frame; *frag: an IPv4 fragment. Every read is bounds
 * checked against len. */
static void locate(const uint8_t *f, size_t len, struct tr_vnet_info *in, bool *full, bool *frag)
{
	memset(in, 0, sizeof(*in));
	*full = false;
	*frag = false;
	in->l3_off = ETH_LEN;
	in->segs = 1;
	if (len < ETH_LEN)
		return;
	uint16_t et = tr_load_be16(f + 12);
	size_t off = ETH_LEN;
	if (et == ET_VLAN) {
		if (len < 18)
			return;
		et = tr_load_be16(f + 16);
		off = 18;
		in->l3_off = 18;
	}
	size_t l4;
	uint8_t proto;
	if (et == ET_IPV4) {
		if (len - off < TR_IPV4_MIN_HDR_LEN || (f[off] >> 4) != 4)
			return;
		size_t ihl = (size_t)(f[off] & 0xf) * 4;
		if (ihl < TR_IPV4_MIN_HDR_LEN || len - off < ihl)
			return;
		in->ip_version = 4;
		*full = tr_load_be16(f + off + TR_IPV4_OFF_TOTLEN) == len - off;
		*frag = (tr_load_be16(f + off + TR_IPV4_OFF_FRAG) & (TR_IPV4_FLAG_MF | TR_IPV4_FRAG_MASK)) != 0;
		proto = f[off + TR_IPV4_OFF_PROTO];
		l4 = off + ihl;
	} else if (et == ET_IPV6) {
		if (len - off < TR_IPV6_HDR_LEN || (f[off] >> 4) != 6)
			return;
		in->ip_version = 6;
		*full = tr_load_be16(f + off + TR_IPV6_OFF_PLEN) == len - off - TR_IPV6_HDR_LEN;
		proto = f[off + TR_IPV6_OFF_NEXT];
		l4 = off + TR_IPV6_HDR_LEN;
	} else {
		return;
	}
	if (proto == TR_IPPROTO_UDP && len - l4 >= TR_UDP_HDR_LEN) {
		in->l4_proto = TR_IPPROTO_UDP;
		in->l4_off = (uint16_t)l4;
		in->payload_off = (uint16_t)(l4 + TR_UDP_HDR_LEN);
	} else if (proto == TR_IPPROTO_TCP && len - l4 >= TR_TCP_HDR_LEN) {
		size_t doff = (size_t)(f[l4 + TR_TCP_OFF_DOFF] >> 4) * 4;
		if (doff < TR_TCP_HDR_LEN || len - l4 < doff)
			return;
		in->l4_proto = TR_IPPROTO_TCP;
		in->l4_off = (uint16_t)l4;
		in->payload_off = (uint16_t)(l4 + doff);
	}
	if (in->payload_off)
		in->payload_len = (uint32_t)(len - in->payload_off);
}

int tr_vnet_check_frame(const struct tr_vnet_repr *r, const uint8_t *frame, size_t len,
			struct tr_vnet_info *info, const char **why)
{
	struct tr_vnet_info tmp;
	struct tr_vnet_info *in = info ? info : &tmp;
	bool full, frag;
	if (len > 0xffffu + 18u)
		return fail(why, "vnet: frame longer than 64 KiB");
	locate(frame, len, in, &full, &frag);
	if (r->flags & TR_VNET_F_NEEDS_CSUM) {
		if (r->csum_start < ETH_LEN || r->csum_start >= len ||
		    r->csum_offset > len - r->csum_start || len - r->csum_start - r->csum_offset < 2)
			return fail(why, "vnet: checksum span outside the frame");
		if (in->l4_off && r->csum_start == in->l4_off) {
			uint16_t want = in->l4_proto == TR_IPPROTO_UDP ? TR_VNET_CSUM_OFF_UDP : TR_VNET_CSUM_OFF_TCP;
			if (r->csum_offset != want)
				return fail(why, "vnet: csum_offset is not the l4 checksum field");
		}
	}
	if (r->gso_type == TR_VNET_GSO_NONE)
		return 0;
	if (r->gso_size == 0)
		return fail(why, "vnet: gso without gso_size");
	if (r->hdr_len > len)
		return fail(why, "vnet: hdr_len beyond the frame");
	switch (r->gso_type) {
	case TR_VNET_GSO_TCPV4:
		if (in->ip_version != 4 || in->l4_proto != TR_IPPROTO_TCP)
			return fail(why, "vnet: tcpv4 gso on a frame that is not ipv4/tcp");
		break;
	case TR_VNET_GSO_TCPV6:
		if (in->ip_version != 6 || in->l4_proto != TR_IPPROTO_TCP)
			return fail(why, "vnet: tcpv6 gso on a frame that is not ipv6/tcp");
		break;
	case TR_VNET_GSO_UDP:
	case TR_VNET_GSO_UDP_L4:
		if (!in->ip_version || in->l4_proto != TR_IPPROTO_UDP)
			return fail(why, "vnet: udp gso on a frame that is not ip/udp");
		break;
	default:
		return fail(why, "vnet: unknown gso type");
	}
	if (r->ecn && in->l4_proto != TR_IPPROTO_TCP)
		return fail(why, "vnet: ecn bit on udp gso");
	if (!(r->flags & TR_VNET_F_NEEDS_CSUM) && r->gso_type == TR_VNET_GSO_UDP_L4)
		return fail(why, "vnet: udp_l4 gso without needs_csum");
	if ((r->flags & TR_VNET_F_NEEDS_CSUM) && r->csum_start != in->l4_off)
		return fail(why, "vnet: gso checksum does not start at the l4 header");
	if (frag)
		return fail(why, "vnet: gso on an ipv4 fragment");
	if (!full)
		return fail(why, "vnet: gso ip length is not the full length");
	if (in->l4_proto == TR_IPPROTO_UDP &&
	    tr_load_be16(frame + in->l4_off + TR_UDP_OFF_LEN) != len - in->l4_off)
		return fail(why, "vnet: gso udp length is not the full length");
	uint32_t unit = r->gso_size;
	if (r->gso_type == TR_VNET_GSO_UDP)   /* UFO: IP fragments of the whole datagram */
		in->segs = (uint32_t)((len - in->l4_off + unit - 1) / unit);
	else
		in->segs = in->payload_len ? (in->payload_len + unit - 1) / unit : 1;
	if (r->gso_type == TR_VNET_GSO_UDP_L4 && in->segs > TR_VNET_UDP_MAX_SEGS)
		return fail(why, "vnet: more than 128 udp segments");
	return 0;
}

int tr_vnet_csum_complete(struct tr_vnet_repr *r, uint8_t *frame, size_t len)
{
	if (!(r->flags & TR_VNET_F_NEEDS_CSUM))
		return 0;
	if (r->csum_start >= len || r->csum_offset > len - r->csum_start ||
	    len - r->csum_start - r->csum_offset < 2)
		return -EINVAL;
	uint16_t ck = tr_cksum_finish(tr_cksum_add(0, frame + r->csum_start, len - r->csum_start));
	if (ck == 0 && r->csum_offset == TR_VNET_CSUM_OFF_UDP)
		ck = 0xffff;   /* RFC 768: 0 means "no checksum" */
	tr_cksum_store(frame + r->csum_start + r->csum_offset, ck);
	r->flags = (uint8_t)((r->flags & ~TR_VNET_F_NEEDS_CSUM) | TR_VNET_F_DATA_VALID);
	return 0;
}

/* Full L4 checksum of [l4, l4 + l4len) with the pseudo-header of the IP
 * header at l3, stored in place. */
static void l4_cksum(uint8_t *f, const struct tr_vnet_info *in, size_t l4len)
{
	uint8_t *l3 = f + in->l3_off, *l4 = f + in->l4_off;
	size_t ckoff = in->l4_proto == TR_IPPROTO_UDP ? TR_UDP_OFF_CKSUM : TR_TCP_OFF_CKSUM;
	uint32_t sum = in->ip_version == 4
			       ? tr_cksum_pseudo_ipv4(l3 + TR_IPV4_OFF_SRC, l3 + TR_IPV4_OFF_DST,
						      in->l4_proto, (uint32_t)l4len)
			       : tr_cksum_pseudo_ipv6(l3 + TR_IPV6_OFF_SRC, l3 + TR_IPV6_OFF_DST,
						      in->l4_proto, (uint32_t)l4len);
	memset(l4 + ckoff, 0, 2);
	uint16_t ck = tr_cksum_finish(tr_cksum_add(sum, l4, l4len));
	if (ck == 0 && in->l4_proto == TR_IPPROTO_UDP)
		ck = 0xffff;
	tr_cksum_store(l4 + ckoff, ck);
}

static void ipv4_fix(uint8_t *l3, size_t total, uint16_t id_add)
{
	size_t ihl = (size_t)(l3[0] & 0xf) * 4;
	tr_store_be16(l3 + TR_IPV4_OFF_TOTLEN, (uint16_t)total);
	tr_store_be16(l3 + TR_IPV4_OFF_ID, (uint16_t)(tr_load_be16(l3 + TR_IPV4_OFF_ID) + id_add));
	memset(l3 + TR_IPV4_OFF_CSUM, 0, 2);
	tr_cksum_store(l3 + TR_IPV4_OFF_CSUM, tr_cksum(l3, ihl));
}

int tr_vnet_segment(const struct tr_vnet_repr *r, const struct tr_vnet_info *in,
		    const uint8_t *frame, size_t len, uint32_t k, uint8_t *out, size_t out_len)
{
	if (r->gso_type == TR_VNET_GSO_UDP)
		return -ENOTSUP;
	if (r->gso_type == TR_VNET_GSO_NONE || !in->payload_off || k >= in->segs ||
	    in->payload_off > len || r->gso_size == 0)
		return -EINVAL;
	size_t hl = in->payload_off;
	size_t poff = (size_t)k * r->gso_size;
	if (poff > len - hl || (poff == len - hl && len != hl))
		return -EINVAL;
	size_t plen = len - hl - poff;
	if (plen > r->gso_size)
		plen = r->gso_size;
	if (out_len < hl + plen)
		return -ENOSPC;
	memcpy(out, frame, hl);
	memcpy(out + hl, frame + hl + poff, plen);
	size_t seglen = hl + plen;
	uint8_t *l3 = out + in->l3_off, *l4 = out + in->l4_off;
	if (in->ip_version == 4)
		ipv4_fix(l3, seglen - in->l3_off, (uint16_t)k);
	else
		tr_store_be16(l3 + TR_IPV6_OFF_PLEN, (uint16_t)(seglen - in->l3_off - TR_IPV6_HDR_LEN));
	if (in->l4_proto == TR_IPPROTO_UDP) {
		tr_store_be16(l4 + TR_UDP_OFF_LEN, (uint16_t)(seglen - in->l4_off));
	} else {
		tr_store_be32(l4 + TR_TCP_OFF_SEQ, tr_load_be32(l4 + TR_TCP_OFF_SEQ) + (uint32_t)poff);
		uint8_t fl = l4[TR_TCP_OFF_FLAGS];
		if (k + 1 != in->segs)
			fl &= (uint8_t)~(TR_TCP_FIN | TR_TCP_PSH);
		if (k != 0)
			fl &= (uint8_t)~TR_TCP_CWR;
		l4[TR_TCP_OFF_FLAGS] = fl;
	}
	l4_cksum(out, in, seglen - in->l4_off);
	return (int)seglen;
}

int tr_vnet_prepare_gso(struct tr_vnet_repr *r, uint8_t *frame, size_t len, uint16_t gso_size,
			const char **why)
{
	struct tr_vnet_info in;
	bool full, frag;
	if (len > 0xffffu + 18u)
		return fail(why, "vnet: frame longer than 64 KiB");
	locate(frame, len, &in, &full, &frag);
	if (!in.l4_proto)
		return fail(why, "vnet: gso needs an ipv4/ipv6 tcp or udp frame");
	if (frag)
		return fail(why, "vnet: gso on an ipv4 fragment");
	uint8_t *l3 = frame + in.l3_off, *l4 = frame + in.l4_off;
	size_t l4len = len - in.l4_off;
	if (in.ip_version == 4) {
		if (len - in.l3_off > 0xffffu)
			return fail(why, "vnet: ipv4 datagram longer than 65535");
		ipv4_fix(l3, len - in.l3_off, 0);
	} else {
		if (len - in.l3_off - TR_IPV6_HDR_LEN > 0xffffu)
			return fail(why, "vnet: ipv6 payload longer than 65535");
		tr_store_be16(l3 + TR_IPV6_OFF_PLEN, (uint16_t)(len - in.l3_off - TR_IPV6_HDR_LEN));
	}
	size_t ckoff = TR_TCP_OFF_CKSUM;
	memset(r, 0, sizeof(*r));
	if (in.l4_proto == TR_IPPROTO_UDP) {
		tr_store_be16(l4 + TR_UDP_OFF_LEN, (uint16_t)l4len);
		ckoff = TR_UDP_OFF_CKSUM;
		r->gso_type = TR_VNET_GSO_UDP_L4;
	} else {
		r->gso_type = in.ip_version == 4 ? TR_VNET_GSO_TCPV4 : TR_VNET_GSO_TCPV6;
	}
	uint32_t segs = gso_size ? (in.payload_len + gso_size - 1u) / gso_size : 1;
	if (gso_size == 0 || segs <= 1)
		r->gso_type = TR_VNET_GSO_NONE;
	else if (r->gso_type == TR_VNET_GSO_UDP_L4 && segs > TR_VNET_UDP_MAX_SEGS)
		return fail(why, "vnet: more than 128 udp segments");
	/* The seed the kernel (or tr_vnet_csum_complete) finishes: the folded
	 * pseudo-header sum over the full L4 length, not complemented. */
	uint32_t sum = in.ip_version == 4
			       ? tr_cksum_pseudo_ipv4(l3 + TR_IPV4_OFF_SRC, l3 + TR_IPV4_OFF_DST,
						      in.l4_proto, (uint32_t)l4len)
			       : tr_cksum_pseudo_ipv6(l3 + TR_IPV6_OFF_SRC, l3 + TR_IPV6_OFF_DST,
						      in.l4_proto, (uint32_t)l4len);
	tr_cksum_store(l4 + ckoff, tr_cksum_raw_fold(sum));
	r->flags = TR_VNET_F_NEEDS_CSUM;
	r->csum_start = in.l4_off;
	r->csum_offset = (uint16_t)ckoff;
	r->hdr_len = in.payload_off;
	if (r->gso_type != TR_VNET_GSO_NONE)
		r->gso_size = gso_size;
	return 0;
}
