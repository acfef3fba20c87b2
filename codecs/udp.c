/* SPDX-License-Identifier: BSD-2-Clause */
/* UDP codec (RFC 768): see tapring/udp.h. */
#include <tapring/udp.h>

#include <string.h>

int tr_udp_check(const struct tr_udp_view *v, const char **why)
{
	if (v->len < TR_UDP_HDR_LEN) {
		if (why)
			*why = "udp: truncated header";
		return -EINVAL;
	}
	size_t l = tr_udp_len(v);
	if (l < TR_UDP_HDR_LEN) {
		if (why)
			*why = "udp: length field < 8";
		return -EINVAL;
	}
	if (l > v->len) {
		if (why)
			*why = "udp: length field exceeds ip payload";
		return -EINVAL;
	}
	return 0;
}

uint16_t tr_udp_compute_cksum(const struct tr_udp_view *v, const struct tr_l4_pseudo *ph)
{
	size_t l = tr_udp_len(v);
	uint32_t sum = tr_l4_pseudo_sum(ph, TR_IPPROTO_UDP, (uint32_t)l);
	/* Header without the checksum field, then the payload. */
	sum = tr_cksum_add(sum, v->buf, TR_UDP_OFF_CKSUM);
	sum = tr_cksum_add(sum, v->buf + TR_UDP_HDR_LEN, l - TR_UDP_HDR_LEN);
	uint16_t ck = tr_cksum_finish(sum);
	/* RFC 768: a computed zero is transmitted as all ones (0 = "none"). */
	return ck == 0 ? 0xffff : ck;
}

int tr_udp_parse(const struct tr_udp_view *v, const struct tr_l4_pseudo *ph,
		 struct tr_udp_repr *r, unsigned flags, const char **why)
{
	int rc = tr_udp_check(v, why);
	if (rc < 0)
		return rc;
	r->src_port = tr_udp_src_port(v);
	r->dst_port = tr_udp_dst_port(v);
	r->payload = tr_udp_payload(v);
	r->payload_len = tr_udp_payload_len(v);
	r->cksum_present = tr_load_raw16(v->buf + TR_UDP_OFF_CKSUM) != 0;
	if (flags & TR_L4_NO_CKSUM)
		return 0;
	if (!ph || (ph->family != 4 && ph->family != 6)) {
		if (why)
			*why = "udp: no pseudo-header for checksum";
		return -EINVAL;
	}
	if (!r->cksum_present) {
		if (ph->family == 4)
			return 0;
		if (why)
			*why = "udp: zero checksum over ipv6";
		return -EINVAL;
	}
	/* Verify over the stored field: a sum of all-ones means correct. */
	uint32_t sum = tr_l4_pseudo_sum(ph, TR_IPPROTO_UDP, tr_udp_len(v));
	sum = tr_cksum_add(sum, v->buf, tr_udp_len(v));
	if (tr_cksum_finish(sum) != 0) {
		if (why)
			*why = "udp: bad checksum";
		return -EBADMSG;
	}
	return 0;
}

int tr_udp_emit(const struct tr_udp_repr *r, const struct tr_l4_pseudo *ph,
		uint8_t *buf, size_t len)
{
	if (r->payload_len > 0xffffu - TR_UDP_HDR_LEN)
		return -EMSGSIZE;
	size_t n = tr_udp_emit_len(r);
	if (len < n)
		return -ENOSPC;
	struct tr_udp_view v = { buf, n };
	tr_udp_set_src_port(&v, r->src_port);
	tr_udp_set_dst_port(&v, r->dst_port);
	tr_udp_set_len(&v, (uint16_t)n);
	tr_store_be16(buf + TR_UDP_OFF_CKSUM, 0);
	if (r->payload_len && r->payload != buf + TR_UDP_HDR_LEN)
		memmove(buf + TR_UDP_HDR_LEN, r->payload, r->payload_len);
	if (ph)
		tr_cksum_store(buf + TR_UDP_OFF_CKSUM, tr_udp_compute_cksum(&v, ph));
	return 0;
}
