/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP for Ethernet/IPv4 (RFC 826): parse and emit. */
#include <tapring/arp.h>

#include "err_pvt.h"

int tr_arp_parse(const struct tr_arp_view *v, struct tr_arp_repr *r, char *err, size_t errlen)
{
	if (TR_UNLIKELY(tr_arp_check(v) != 0)) {
		tr__codec_err(err, errlen, "arp: length %zu < 28", v->len);
		return -EMSGSIZE;
	}
	const uint8_t *b = v->buf;
	uint16_t htype = tr_load_be16(b + TR_ARP_OFF_HTYPE);
	uint16_t ptype = tr_load_be16(b + TR_ARP_OFF_PTYPE);
	if (TR_UNLIKELY(htype != TR_ARP_HTYPE_ETHER || ptype != 0x0800)) {
		tr__codec_err(err, errlen, "arp: hardware/protocol type %u/0x%04x unsupported", htype, ptype);
		return -EINVAL;
	}
	if (TR_UNLIKELY(b[TR_ARP_OFF_HLEN] != 6 || b[TR_ARP_OFF_PLEN] != 4)) {
		tr__codec_err(err, errlen, "arp: address lengths %u/%u != 6/4",
			b[TR_ARP_OFF_HLEN], b[TR_ARP_OFF_PLEN]);
		return -EINVAL;
	}
	uint16_t op = tr_load_be16(b + TR_ARP_OFF_OP);
	if (TR_UNLIKELY(op != TR_ARP_OP_REQUEST && op != TR_ARP_OP_REPLY)) {
		tr__codec_err(err, errlen, "arp: opcode %u unsupported", op);
		return -EINVAL;
	}
	r->op = op;
	memcpy(r->sha, b + TR_ARP_OFF_SHA, 6);
	memcpy(r->spa, b + TR_ARP_OFF_SPA, 4);
	memcpy(r->tha, b + TR_ARP_OFF_THA, 6);
	memcpy(r->tpa, b + TR_ARP_OFF_TPA, 4);
	return 0;
}

size_t tr_arp_emit_len(const struct tr_arp_repr *r)
{
	(void)r;
	return TR_ARP_LEN;
}

int tr_arp_emit(const struct tr_arp_repr *r, uint8_t *buf, size_t len)
{
	if (len < TR_ARP_LEN)
		return -ENOSPC;
	tr_store_be16(buf + TR_ARP_OFF_HTYPE, TR_ARP_HTYPE_ETHER);
	tr_store_be16(buf + TR_ARP_OFF_PTYPE, 0x0800);
	buf[TR_ARP_OFF_HLEN] = 6;
	buf[TR_ARP_OFF_PLEN] = 4;
	tr_store_be16(buf + TR_ARP_OFF_OP, r->op);
	memcpy(buf + TR_ARP_OFF_SHA, r->sha, 6);
	memcpy(buf + TR_ARP_OFF_SPA, r->spa, 4);
	memcpy(buf + TR_ARP_OFF_THA, r->tha, 6);
	memcpy(buf + TR_ARP_OFF_TPA, r->tpa, 4);
	return 0;
}
