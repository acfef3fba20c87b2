/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv4 codec (RFC 792): see tapring/icmpv4.h. */
#include <tapring/icmpv4.h>

#include <string.h>

#include "cksum_pvt.h"
#include "err_pvt.h"

int tr_icmpv4_check(const struct tr_icmpv4_view *v, const char **why)
{
	if (v->len < TR_ICMP_HDR_LEN)
		TR__FAIL("icmp: truncated header");
	return 0;
}

uint16_t tr_icmpv4_compute_cksum(const struct tr_icmpv4_view *v)
{
	return tr__cksum_skip(0, v->buf, v->len, TR_ICMP_OFF_CKSUM);
}

void tr_icmpv4_fill_cksum(struct tr_icmpv4_view *v)
{
	tr_cksum_store(v->buf + TR_ICMP_OFF_CKSUM, tr_icmpv4_compute_cksum(v));
}

int tr_icmpv4_cksum_ok(const struct tr_icmpv4_view *v)
{
	return tr_cksum(v->buf, v->len) == 0;
}

static int icmpv4_has_echo_fields(uint8_t type)
{
	return type == TR_ICMP_ECHO_REQUEST || type == TR_ICMP_ECHO_REPLY ||
	       type == TR_ICMP_TIMESTAMP || type == TR_ICMP_TIMESTAMP_REPLY;
}

int tr_icmpv4_parse(const struct tr_icmpv4_view *v, struct tr_icmpv4_repr *r,
		    unsigned flags, const char **why)
{
	int rc = tr_icmpv4_check(v, why);
	if (rc < 0)
		return rc;
	r->type = tr_icmpv4_type(v);
	r->code = tr_icmpv4_code(v);
	r->u.rest = tr_icmpv4_rest(v);
	r->data = tr_icmpv4_data(v);
	r->data_len = tr_icmpv4_data_len(v);
	r->orig_ip_hlen = 0;
	if (icmpv4_has_echo_fields(r->type)) {
		r->u.echo.id = tr_icmpv4_echo_id(v);
		r->u.echo.seq = tr_icmpv4_echo_seq(v);
	} else if (r->type == TR_ICMP_DEST_UNREACH) {
		r->u.mtu = tr_load_be16(v->buf + TR_ICMP_OFF_MTU);
	} else if (r->type == TR_ICMP_PARAM_PROBLEM) {
		r->u.pointer = v->buf[TR_ICMP_OFF_POINTER];
	}
	/* u.gateway for redirects is the raw rest (host order a.b.c.d). */
	if (tr_icmpv4_is_error(r->type)) {
		if (r->data_len < 20)
			TR__FAIL("icmp: embedded ip header truncated");
		if ((r->data[0] >> 4) != 4)
			TR__FAIL("icmp: embedded packet is not ipv4");
		size_t ihl = (size_t)(r->data[0] & 0x0f) * 4;
		if (ihl < 20)
			TR__FAIL("icmp: embedded ip header length < 20");
		if (ihl > r->data_len)
			TR__FAIL("icmp: embedded ip header truncated");
		r->orig_ip_hlen = (uint8_t)ihl;
	}
	if (!(flags & TR_L4_NO_CKSUM) && !tr_icmpv4_cksum_ok(v)) {
		if (why)
			*why = "icmp: bad checksum";
		return -EBADMSG;
	}
	return 0;
}

int tr_icmpv4_emit(const struct tr_icmpv4_repr *r, uint8_t *buf, size_t len)
{
	size_t n = tr_icmpv4_emit_len(r);
	if (r->data_len > len || n > len)
		return -ENOSPC;
	if (r->data_len && r->data != buf + TR_ICMP_HDR_LEN)
		memmove(buf + TR_ICMP_HDR_LEN, r->data, r->data_len);
	struct tr_icmpv4_view v = { buf, n };
	buf[TR_ICMP_OFF_TYPE] = r->type;
	buf[TR_ICMP_OFF_CODE] = r->code;
	tr_store_be16(buf + TR_ICMP_OFF_CKSUM, 0);
	if (icmpv4_has_echo_fields(r->type)) {
		tr_store_be16(buf + TR_ICMP_OFF_ID, r->u.echo.id);
		tr_store_be16(buf + TR_ICMP_OFF_SEQ, r->u.echo.seq);
	} else if (r->type == TR_ICMP_DEST_UNREACH) {
		tr_store_be16(buf + 4, 0);
		tr_store_be16(buf + TR_ICMP_OFF_MTU, r->u.mtu);
	} else if (r->type == TR_ICMP_PARAM_PROBLEM) {
		tr_store_be32(buf + 4, 0);
		buf[TR_ICMP_OFF_POINTER] = r->u.pointer;
	} else {
		/* redirect gateway and any other type: the raw 32 bits */
		tr_store_be32(buf + 4, r->u.rest);
	}
	tr_icmpv4_fill_cksum(&v);
	return 0;
}
