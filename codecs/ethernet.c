/* SPDX-License-Identifier: BSD-2-Clause */
/* Ethernet II + 802.1Q/802.1ad tags: parse and emit. */
#include <tapring/ethernet.h>

#include "err_pvt.h"

int tr_eth_parse(const struct tr_eth_view *v, struct tr_eth_repr *r, const char **why)
{
	if (TR_UNLIKELY(tr_eth_check(v) != 0)) {
		return tr__why(why, -EMSGSIZE, "eth: frame length < 14");
	}
	const uint8_t *b = v->buf;
	memcpy(r->dst, b + TR_ETH_OFF_DST, 6);
	memcpy(r->src, b + TR_ETH_OFF_SRC, 6);
	uint16_t type = tr_load_be16(b + TR_ETH_OFF_TYPE);
	size_t off = TR_ETH_HDR_LEN;   /* just past the current type field */
	unsigned n = 0;

	int rc = 0;
	while (tr_eth_is_vlan_tpid(type)) {
		if (TR_UNLIKELY(n == TR_ETH_MAX_VLAN)) {
			rc = tr__why(why, -EINVAL, "eth: more than " TR__STR(TR_ETH_MAX_VLAN) " vlan tags");
			break;
		}
		if (TR_UNLIKELY(!tr_in_bounds(v->len, off, TR_VLAN_TAG_LEN))) {
			rc = tr__why(why, -EMSGSIZE, "eth: vlan tag truncated");
			break;
		}
		uint16_t tci = tr_load_be16(b + off + TR_VLAN_OFF_TCI);
		uint16_t inner = tr_load_be16(b + off + TR_VLAN_OFF_TYPE);
		struct tr_vlan_tag *t = &r->vlan[n++];
		t->tpid = type;
		t->vid = tci & TR_VLAN_VID_MASK;
		t->pcp = (uint8_t)(tci >> TR_VLAN_PCP_SHIFT);
		t->dei = (tci & TR_VLAN_DEI_MASK) != 0;
		t->inner_type = inner;
		type = inner;
		off += TR_VLAN_TAG_LEN;
	}
	/* Also on a bad tag: the header and the complete tags before it, with
	 * the bad tag's TPID as ethertype (a decoder still shows them). */
	r->ethertype = type;
	r->n_vlan = (uint8_t)n;
	r->hdr_len = (uint8_t)off;
	return rc;
}

size_t tr_eth_emit_len(const struct tr_eth_repr *r)
{
	return TR_ETH_HDR_LEN + (size_t)r->n_vlan * TR_VLAN_TAG_LEN;
}

int tr_eth_emit(const struct tr_eth_repr *r, uint8_t *buf, size_t len)
{
	if (r->n_vlan > TR_ETH_MAX_VLAN)
		return -EINVAL;
	size_t need = tr_eth_emit_len(r);
	if (len < need)
		return -ENOSPC;
	memcpy(buf + TR_ETH_OFF_DST, r->dst, 6);
	memcpy(buf + TR_ETH_OFF_SRC, r->src, 6);
	size_t off = TR_ETH_OFF_TYPE;
	for (unsigned i = 0; i < r->n_vlan; i++) {
		const struct tr_vlan_tag *t = &r->vlan[i];
		uint16_t tci = (uint16_t)(((unsigned)(t->pcp & 7u) << TR_VLAN_PCP_SHIFT) |
					  (t->dei ? TR_VLAN_DEI_MASK : 0) |
					  (t->vid & TR_VLAN_VID_MASK));
		tr_store_be16(buf + off, t->tpid);
		tr_store_be16(buf + off + 2, tci);
		off += TR_VLAN_TAG_LEN;
	}
	tr_store_be16(buf + off, r->ethertype);
	return 0;
}
