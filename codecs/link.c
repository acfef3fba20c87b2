/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Non-Ethernet link layers: SLL, SLL2, NULL/LOOP, raw IP (see link.h).
 * tr_link_parse() dispatches through one table keyed by link type.
 */
#include <tapring/link.h>
#include <tapring/wire/eth.h>

#include "err_pvt.h"

static void clear_sll(struct tr_link_repr *r)
{
	r->pkttype = 0;
	r->hatype = 0;
	r->halen = 0;
	memset(r->addr, 0, sizeof(r->addr));
	r->ifindex = 0;
	r->family = 0;
	r->family_swapped = false;
}

/* The SLL protocol field is an Ethernet type except for a few device types
 * that put something else there (netlink family numbers, for one). */
static uint16_t sll_proto(uint16_t hatype, uint16_t proto)
{
	if (hatype == TR_ARPHRD_NETLINK)
		return 0;
	return proto >= 0x0600 ? proto : 0;   /* below: 802.3 length / LLC codes */
}

int tr_sll_parse(const struct tr_sll_view *v, struct tr_link_repr *r, const char **why)
{
	if (TR_UNLIKELY(tr_sll_check(v) != 0)) {
		return tr__why(why, -EMSGSIZE, "sll: frame length < " TR__STR(TR_SLL_HDR_LEN));
	}
	clear_sll(r);
	r->hdr_len = TR_SLL_HDR_LEN;
	r->pkttype = tr_sll_pkttype(v);
	r->hatype = tr_sll_hatype(v);
	r->halen = tr_sll_halen(v);
	memcpy(r->addr, tr_sll_addr(v), TR_SLL_ADDR_LEN);
	r->proto = sll_proto(r->hatype, tr_sll_proto(v));
	return 0;
}

int tr_sll2_parse(const struct tr_sll2_view *v, struct tr_link_repr *r, const char **why)
{
	if (TR_UNLIKELY(tr_sll2_check(v) != 0)) {
		return tr__why(why, -EMSGSIZE, "sll2: frame length < " TR__STR(TR_SLL2_HDR_LEN));
	}
	clear_sll(r);
	r->hdr_len = TR_SLL2_HDR_LEN;
	r->pkttype = tr_sll2_pkttype(v);
	r->hatype = tr_sll2_hatype(v);
	r->halen = tr_sll2_halen(v);
	memcpy(r->addr, tr_sll2_addr(v), TR_SLL_ADDR_LEN);
	r->ifindex = tr_sll2_ifindex(v);
	r->proto = sll_proto(r->hatype, tr_sll2_proto(v));
	return 0;
}

int tr_null_parse(const struct tr_null_view *v, struct tr_link_repr *r, const char **why)
{
	if (TR_UNLIKELY(tr_null_check(v) != 0)) {
		return tr__why(why, -EMSGSIZE, "null: frame length < " TR__STR(TR_NULL_HDR_LEN));
	}
	clear_sll(r);
	r->hdr_len = TR_NULL_HDR_LEN;
	uint32_t fam = tr_null_family(v);
	r->family = fam;
	/* tr_null_family swapped it when the little-endian reading had the
	 * value in its upper half: the header was big-endian. */
	r->family_swapped = (v->buf[2] | v->buf[3]) != 0;
	switch (fam) {
	case TR_BSD_AF_INET:
		r->proto = TR_ETHERTYPE_IPV4;
		break;
	case TR_BSD_AF_INET6_BSD:
	case TR_BSD_AF_INET6_FREEBSD:
	case TR_BSD_AF_INET6_DARWIN:
		r->proto = TR_ETHERTYPE_IPV6;
		break;
	default:
		r->proto = 0;
		break;
	}
	return 0;
}

int tr_rawip_parse(const uint8_t *buf, size_t len, unsigned ip_version, struct tr_link_repr *r,
		   const char **why)
{
	clear_sll(r);
	r->hdr_len = 0;
	r->proto = 0;
	if (ip_version == 0) {
		if (TR_UNLIKELY(len == 0)) {
			return tr__why(why, -EMSGSIZE, "raw: empty frame");
		}
		ip_version = buf[0] >> 4;
		if (ip_version != 4 && ip_version != 6) {
			return tr__why(why, -EINVAL, "raw: ip version not 4 or 6");
		}
	}
	r->proto = ip_version == 4 ? TR_ETHERTYPE_IPV4 : TR_ETHERTYPE_IPV6;
	return 0;
}

/* ---- the table --------------------------------------------------------------- */

enum link_kind { LK_ETH, LK_SLL, LK_SLL2, LK_NULL, LK_RAW, LK_RAW4, LK_RAW6 };

static const struct link_row {
	uint32_t dlt;
	enum link_kind kind;
	const char *name;     /* libpcap's pcap_datalink_val_to_name() */
} link_table[] = {
	{ TR_DLT_EN10MB, LK_ETH, "EN10MB" },
	{ TR_DLT_LINUX_SLL, LK_SLL, "LINUX_SLL" },
	{ TR_DLT_LINUX_SLL2, LK_SLL2, "LINUX_SLL2" },
	{ TR_DLT_NULL, LK_NULL, "NULL" },
	{ TR_DLT_LOOP, LK_NULL, "LOOP" },
	{ TR_DLT_RAW, LK_RAW, "RAW" },
	{ TR_LINKTYPE_RAW, LK_RAW, "RAW" },
	{ TR_DLT_IPV4, LK_RAW4, "IPV4" },
	{ TR_DLT_IPV6, LK_RAW6, "IPV6" },
};

static const struct link_row *link_row_of(uint32_t dlt)
{
	for (size_t i = 0; i < sizeof(link_table) / sizeof(link_table[0]); i++)
		if (link_table[i].dlt == dlt)
			return &link_table[i];
	return NULL;
}

bool tr_link_supported(uint32_t dlt)
{
	return link_row_of(dlt) != NULL;
}

const char *tr_link_name(uint32_t dlt)
{
	const struct link_row *row = link_row_of(dlt);
	return row ? row->name : NULL;
}

int tr_link_parse(uint32_t dlt, const uint8_t *buf, size_t len, struct tr_link_repr *r,
		  const char **why)
{
	const struct link_row *row = link_row_of(dlt);
	int rc;
	r->dlt = dlt;
	if (!row || row->kind == LK_ETH) {
		return tr__why(why, -EPROTONOSUPPORT, "link: unsupported type");
	}
	switch (row->kind) {
	case LK_SLL: {
		struct tr_sll_view v = tr_sll_view_of(buf, len);
		rc = tr_sll_parse(&v, r, why);
		break;
	}
	case LK_SLL2: {
		struct tr_sll2_view v = tr_sll2_view_of(buf, len);
		rc = tr_sll2_parse(&v, r, why);
		break;
	}
	case LK_NULL: {
		struct tr_null_view v = tr_null_view_of(buf, len);
		rc = tr_null_parse(&v, r, why);
		break;
	}
	case LK_RAW4:
		rc = tr_rawip_parse(buf, len, 4, r, why);
		break;
	case LK_RAW6:
		rc = tr_rawip_parse(buf, len, 6, r, why);
		break;
	default:
		rc = tr_rawip_parse(buf, len, 0, r, why);
		break;
	}
	r->dlt = dlt;
	return rc;
}

int tr_link_emit_len(uint32_t dlt)
{
	const struct link_row *row = link_row_of(dlt);
	if (!row)
		return -1;
	switch (row->kind) {
	case LK_SLL: return TR_SLL_HDR_LEN;
	case LK_SLL2: return TR_SLL2_HDR_LEN;
	case LK_NULL: return TR_NULL_HDR_LEN;
	case LK_ETH: return -1;
	default: return 0;
	}
}

int tr_link_emit(const struct tr_link_repr *r, uint8_t *buf, size_t len)
{
	int need = tr_link_emit_len(r->dlt);
	if (need < 0)
		return -EPROTONOSUPPORT;
	if (len < (size_t)need)
		return -ENOSPC;
	size_t alen = r->halen < TR_SLL_ADDR_LEN ? r->halen : TR_SLL_ADDR_LEN;
	switch (need) {
	case TR_SLL_HDR_LEN:
		tr_store_be16(buf + TR_SLL_OFF_PKTTYPE, r->pkttype);
		tr_store_be16(buf + TR_SLL_OFF_HATYPE, r->hatype);
		tr_store_be16(buf + TR_SLL_OFF_HALEN, r->halen);
		memset(buf + TR_SLL_OFF_ADDR, 0, TR_SLL_ADDR_LEN);
		memcpy(buf + TR_SLL_OFF_ADDR, r->addr, alen);
		tr_store_be16(buf + TR_SLL_OFF_PROTO, r->proto);
		break;
	case TR_SLL2_HDR_LEN:
		tr_store_be16(buf + TR_SLL2_OFF_PROTO, r->proto);
		tr_store_be16(buf + TR_SLL2_OFF_RESERVED, 0);
		tr_store_be32(buf + TR_SLL2_OFF_IFINDEX, r->ifindex);
		tr_store_be16(buf + TR_SLL2_OFF_HATYPE, r->hatype);
		buf[TR_SLL2_OFF_PKTTYPE] = (uint8_t)r->pkttype;
		buf[TR_SLL2_OFF_HALEN] = (uint8_t)r->halen;
		memset(buf + TR_SLL2_OFF_ADDR, 0, TR_SLL_ADDR_LEN);
		memcpy(buf + TR_SLL2_OFF_ADDR, r->addr, alen);
		break;
	case TR_NULL_HDR_LEN:
		if (r->dlt == TR_DLT_LOOP) {
			tr_store_be32(buf, r->family);
		} else {
			uint32_t f = r->family;
			memcpy(buf, &f, 4);   /* host order, as BSD writes it */
		}
		break;
	default:
		break;
	}
	return need;
}
