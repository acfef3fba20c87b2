/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP for Ethernet/IPv4 (RFC 826): parse and emit. */
#include <tapring/arp.h>

#include "err_pvt.h"

int tr_arp_parse(const struct tr_arp_view *v, struct tr_arp_repr *r, const char **why)
{
	if (TR_UNLIKELY(tr_arp_check(v) != 0)) {
		return tr__why(why, -EMSGSIZE, "arp: length < 28");
	}
	const uint8_t *b = v->buf;
	uint16_t htype = tr_load_be16(b + TR_ARP_OFF_HTYPE);
	uint16_t ptype = tr_load_be16(b + TR_ARP_OFF_PTYPE);
	if (TR_UNLIKELY(htype != TR_ARP_HTYPE_ETHER || ptype != 0x0800)) {
		return tr__why(why, -EINVAL, "arp: hardware/protocol type unsupported");
	}
	if (TR_UNLIKELY(b[TR_ARP_OFF_HLEN] != 6 || b[TR_ARP_OFF_PLEN] != 4)) {
		return tr__why(why, -EINVAL, "arp: address lengths != 6/4");
	}
	uint16_t op = tr_load_be16(b + TR_ARP_OFF_OP);
	if (TR_UNLIKELY(op != TR_ARP_OP_REQUEST && op != TR_ARP_OP_REPLY)) {
		return tr__why(why, -EINVAL, "arp: opcode unsupported");
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
