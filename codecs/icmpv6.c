/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): see tapring/icmpv6.h. */
#include <tapring/icmpv6.h>

#include <string.h>

#include "cksum_pvt.h"
#include "err_pvt.h"

int tr_icmpv6_check(const struct tr_icmpv6_view *v, const char **why)
{
	if (v->len < TR_ICMP6_HDR_LEN)
		TR__FAIL("icmp6: truncated header");
	return 0;
}

uint16_t tr_icmpv6_compute_cksum(const struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph)
{
	return tr__cksum_skip(tr_l4_pseudo_sum(ph, TR_IPPROTO_ICMPV6, (uint32_t)v->len), v->buf, v->len,
			      TR_ICMP6_OFF_CKSUM);
}

void tr_icmpv6_fill_cksum(struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph)
{
	tr_cksum_store(v->buf + TR_ICMP6_OFF_CKSUM, tr_icmpv6_compute_cksum(v, ph));
}

int tr_nd_opt_next(const uint8_t *buf, size_t len, size_t *off, struct tr_nd_opt *o,
		   const char **why)
{
	size_t at = *off;
	if (at >= len)
		return 0;
	if (len - at < 2)
		TR__FAIL("icmp6: nd option truncated");
	uint8_t len8 = buf[at + 1];
	if (len8 == 0)
		TR__FAIL("icmp6: nd option length 0");
	size_t olen = (size_t)len8 * TR_ND_OPT_UNIT;
	if (olen > len - at)
		TR__FAIL("icmp6: nd option runs past message");
	o->type = buf[at];
	o->len8 = len8;
	o->data = buf + at;
	o->len = olen;
	*off = at + olen;
	return 1;
}

int tr_nd_opts_parse(const uint8_t *buf, size_t len, struct tr_nd_opts *o,
		     const char **why)
{
	struct tr_nd_opt opt;
	size_t off = 0;
	int rc;
	memset(o, 0, sizeof(*o));
	while ((rc = tr_nd_opt_next(buf, len, &off, &opt, why)) == 1) {
		switch (opt.type) {
		case TR_ND_OPT_SLLA:
		case TR_ND_OPT_TLLA:
			if (opt.len != TR_ND_LLA_LEN)
				TR__FAIL("icmp6: link-layer address option length != 8");
			if (opt.type == TR_ND_OPT_SLLA) {
				o->present |= TR_ND_HAS_SLLA;
				memcpy(o->slla, opt.data + 2, 6);
			} else {
				o->present |= TR_ND_HAS_TLLA;
				memcpy(o->tlla, opt.data + 2, 6);
			}
			break;
		case TR_ND_OPT_MTU:
			if (opt.len != TR_ND_MTU_LEN)
				TR__FAIL("icmp6: mtu option length != 8");
			o->present |= TR_ND_HAS_MTU;
			o->mtu = tr_load_be32(opt.data + TR_ND_MTU_OFF_MTU);
			break;
		case TR_ND_OPT_PREFIX: {
			if (opt.len != TR_ND_PREFIX_LEN)
				TR__FAIL("icmp6: prefix option length != 32");
			o->present |= TR_ND_HAS_PREFIX;
			if (o->prefix_count >= TR_ND_PREFIX_MAX) {
				if (o->prefix_dropped < UINT8_MAX)
					o->prefix_dropped++;
				break;
			}
			struct tr_nd_prefix *p = &o->prefix[o->prefix_count++];
			p->prefix_len = opt.data[TR_ND_PREFIX_OFF_PLEN];
			if (p->prefix_len > 128)
				TR__FAIL("icmp6: prefix length > 128");
			p->flags = opt.data[TR_ND_PREFIX_OFF_FLAGS];
			p->valid_lifetime = tr_load_be32(opt.data + TR_ND_PREFIX_OFF_VALID);
			p->preferred_lifetime = tr_load_be32(opt.data + TR_ND_PREFIX_OFF_PREF);
			memcpy(p->prefix, opt.data + TR_ND_PREFIX_OFF_PREFIX, 16);
			break;
		}
		default:
			if (o->unknown_count < UINT8_MAX)
				o->unknown_count++;
			break;
		}
	}
	return rc;
}

size_t tr_nd_opts_emit_len(const struct tr_nd_opts *o)
{
	size_t n = 0;
	if (o->present & TR_ND_HAS_SLLA)
		n += TR_ND_LLA_LEN;
	if (o->present & TR_ND_HAS_TLLA)
		n += TR_ND_LLA_LEN;
	if (o->present & TR_ND_HAS_MTU)
		n += TR_ND_MTU_LEN;
	if (o->present & TR_ND_HAS_PREFIX)
		n += TR_ND_PREFIX_LEN * (size_t)(o->prefix_count > TR_ND_PREFIX_MAX ? TR_ND_PREFIX_MAX : o->prefix_count);
	return n;
}

/* Offset of the options region for ND types, 0 for other types. */
static size_t nd_opts_off(uint8_t type)
{
	switch (type) {
	case TR_ICMP6_ROUTER_SOLICIT: return TR_ICMP6_RS_OPTS_OFF;
	case TR_ICMP6_ROUTER_ADVERT:  return TR_ICMP6_RA_OPTS_OFF;
	case TR_ICMP6_NEIGH_SOLICIT:  return TR_ICMP6_NS_OPTS_OFF;
	case TR_ICMP6_NEIGH_ADVERT:   return TR_ICMP6_NA_OPTS_OFF;
	case TR_ICMP6_REDIRECT:       return TR_ICMP6_RD_OPTS_OFF;
	default:                      return 0;
	}
}

int tr_icmpv6_parse(const struct tr_icmpv6_view *v, const struct tr_l4_pseudo *ph,
		    struct tr_icmpv6_repr *r, unsigned flags, const char **why)
{
	int rc = tr_icmpv6_check(v, why);
	if (rc < 0)
		return rc;
	const uint8_t *b = v->buf;
	r->type = tr_icmpv6_type(v);
	r->code = tr_icmpv6_code(v);
	r->u.rest = tr_icmpv6_rest(v);
	r->opts.present = 0;
	r->opts.prefix_count = 0;
	r->data = b + TR_ICMP6_HDR_LEN;
	r->data_len = v->len - TR_ICMP6_HDR_LEN;

	size_t ooff = nd_opts_off(r->type);
	if (ooff) {
		if (r->code != 0)
			TR__FAIL("icmp6: nd message code != 0");
		if (v->len < ooff)
			TR__FAIL("icmp6: nd message truncated");
		switch (r->type) {
		case TR_ICMP6_ROUTER_ADVERT:
			r->u.ra.hop_limit = b[TR_ICMP6_RA_OFF_HOPLIMIT];
			r->u.ra.flags = b[TR_ICMP6_RA_OFF_FLAGS];
			r->u.ra.router_lifetime = tr_load_be16(b + TR_ICMP6_RA_OFF_LIFETIME);
			r->u.ra.reachable_time = tr_load_be32(b + TR_ICMP6_RA_OFF_REACHABLE);
			r->u.ra.retrans_timer = tr_load_be32(b + TR_ICMP6_RA_OFF_RETRANS);
			break;
		case TR_ICMP6_NEIGH_SOLICIT:
		case TR_ICMP6_NEIGH_ADVERT:
			r->u.nd.flags = r->type == TR_ICMP6_NEIGH_ADVERT ? b[TR_ICMP6_NA_OFF_FLAGS] : 0;
			memcpy(r->u.nd.target, b + TR_ICMP6_NS_OFF_TARGET, 16);
			if (r->u.nd.target[0] == 0xff)
				TR__FAIL("icmp6: nd target is multicast");
			break;
		case TR_ICMP6_REDIRECT:
			memcpy(r->u.redirect.target, b + TR_ICMP6_RD_OFF_TARGET, 16);
			memcpy(r->u.redirect.dst, b + TR_ICMP6_RD_OFF_DEST, 16);
			break;
		default:
			break;
		}
		rc = tr_nd_opts_parse(b + ooff, v->len - ooff, &r->opts, why);
		if (rc < 0)
			return rc;
		r->data = b + ooff;
		r->data_len = v->len - ooff;
	} else if (r->type == TR_ICMP6_ECHO_REQUEST || r->type == TR_ICMP6_ECHO_REPLY) {
		r->u.echo.id = tr_icmpv6_echo_id(v);
		r->u.echo.seq = tr_icmpv6_echo_seq(v);
	}
	/* packet too big / param problem: u.mtu / u.pointer are the raw rest. */

	if (flags & TR_L4_NO_CKSUM)
		return 0;
	if (!ph || ph->family != 6)
		TR__FAIL("icmp6: no ipv6 pseudo-header for checksum");
	uint32_t sum = tr_l4_pseudo_sum(ph, TR_IPPROTO_ICMPV6, (uint32_t)v->len);
	sum = tr_cksum_add(sum, b, v->len);
	if (tr_cksum_finish(sum) != 0) {
		if (why)
			*why = "icmp6: bad checksum";
		return -EBADMSG;
	}
	return 0;
}

size_t tr_icmpv6_emit_len(const struct tr_icmpv6_repr *r)
{
	size_t ooff = nd_opts_off(r->type);
	if (ooff)
		return ooff + tr_nd_opts_emit_len(&r->opts);
	return TR_ICMP6_HDR_LEN + r->data_len;
}

static size_t nd_opts_write(const struct tr_nd_opts *o, uint8_t *p)
{
	size_t n = 0;
	if (o->present & TR_ND_HAS_SLLA) {
		p[n] = TR_ND_OPT_SLLA;
		p[n + 1] = 1;
		memcpy(p + n + 2, o->slla, 6);
		n += TR_ND_LLA_LEN;
	}
	if (o->present & TR_ND_HAS_TLLA) {
		p[n] = TR_ND_OPT_TLLA;
		p[n + 1] = 1;
		memcpy(p + n + 2, o->tlla, 6);
		n += TR_ND_LLA_LEN;
	}
	if (o->present & TR_ND_HAS_MTU) {
		p[n] = TR_ND_OPT_MTU;
		p[n + 1] = 1;
		tr_store_be16(p + n + 2, 0);
		tr_store_be32(p + n + TR_ND_MTU_OFF_MTU, o->mtu);
		n += TR_ND_MTU_LEN;
	}
	if (o->present & TR_ND_HAS_PREFIX) {
		unsigned cnt = o->prefix_count > TR_ND_PREFIX_MAX ? TR_ND_PREFIX_MAX : o->prefix_count;
		for (unsigned i = 0; i < cnt; i++) {
			const struct tr_nd_prefix *pf = &o->prefix[i];
			uint8_t *q = p + n;
			q[0] = TR_ND_OPT_PREFIX;
			q[1] = TR_ND_PREFIX_LEN / TR_ND_OPT_UNIT;
			q[TR_ND_PREFIX_OFF_PLEN] = pf->prefix_len;
			q[TR_ND_PREFIX_OFF_FLAGS] = pf->flags;
			tr_store_be32(q + TR_ND_PREFIX_OFF_VALID, pf->valid_lifetime);
			tr_store_be32(q + TR_ND_PREFIX_OFF_PREF, pf->preferred_lifetime);
			tr_store_be32(q + 12, 0);
			memcpy(q + TR_ND_PREFIX_OFF_PREFIX, pf->prefix, 16);
			n += TR_ND_PREFIX_LEN;
		}
	}
	return n;
}

int tr_icmpv6_emit(const struct tr_icmpv6_repr *r, const struct tr_l4_pseudo *ph,
		   uint8_t *buf, size_t len)
{
	if (!ph || ph->family != 6)
		return -EINVAL;
	if (!nd_opts_off(r->type) && r->data_len > len)
		return -ENOSPC;          /* also keeps emit_len from wrapping */
	size_t n = tr_icmpv6_emit_len(r);
	if (n > len)
		return -ENOSPC;
	size_t ooff = nd_opts_off(r->type);
	if (!ooff && r->data_len && r->data != buf + TR_ICMP6_HDR_LEN)
		memmove(buf + TR_ICMP6_HDR_LEN, r->data, r->data_len);
	buf[TR_ICMP6_OFF_TYPE] = r->type;
	buf[TR_ICMP6_OFF_CODE] = r->code;
	tr_store_be16(buf + TR_ICMP6_OFF_CKSUM, 0);
	switch (r->type) {
	case TR_ICMP6_ECHO_REQUEST:
	case TR_ICMP6_ECHO_REPLY:
		tr_store_be16(buf + TR_ICMP6_OFF_ID, r->u.echo.id);
		tr_store_be16(buf + TR_ICMP6_OFF_SEQ, r->u.echo.seq);
		break;
	case TR_ICMP6_ROUTER_SOLICIT:
		tr_store_be32(buf + 4, 0);
		break;
	case TR_ICMP6_ROUTER_ADVERT:
		buf[TR_ICMP6_RA_OFF_HOPLIMIT] = r->u.ra.hop_limit;
		buf[TR_ICMP6_RA_OFF_FLAGS] = r->u.ra.flags;
		tr_store_be16(buf + TR_ICMP6_RA_OFF_LIFETIME, r->u.ra.router_lifetime);
		tr_store_be32(buf + TR_ICMP6_RA_OFF_REACHABLE, r->u.ra.reachable_time);
		tr_store_be32(buf + TR_ICMP6_RA_OFF_RETRANS, r->u.ra.retrans_timer);
		break;
	case TR_ICMP6_NEIGH_SOLICIT:
	case TR_ICMP6_NEIGH_ADVERT:
		tr_store_be32(buf + 4, 0);
		if (r->type == TR_ICMP6_NEIGH_ADVERT)
			buf[TR_ICMP6_NA_OFF_FLAGS] = r->u.nd.flags;
		memcpy(buf + TR_ICMP6_NS_OFF_TARGET, r->u.nd.target, 16);
		break;
	case TR_ICMP6_REDIRECT:
		tr_store_be32(buf + 4, 0);
		memcpy(buf + TR_ICMP6_RD_OFF_TARGET, r->u.redirect.target, 16);
		memcpy(buf + TR_ICMP6_RD_OFF_DEST, r->u.redirect.dst, 16);
		break;
	default:
		/* mtu, pointer and any other type: the raw 32 bits */
		tr_store_be32(buf + 4, r->u.rest);
		break;
	}
	if (ooff)
		nd_opts_write(&r->opts, buf + ooff);
	struct tr_icmpv6_view v = { buf, n };
	tr_icmpv6_fill_cksum(&v, ph);
	return 0;
}
