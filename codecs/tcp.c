/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP codec (RFC 9293; options RFC 7323, RFC 2018): see tapring/tcp.h. */
#include <tapring/tcp.h>

#include <string.h>

#include "cksum_pvt.h"
#include "err_pvt.h"

int tr_tcp_check(const struct tr_tcp_view *v, const char **why)
{
	if (v->len < TR_TCP_HDR_LEN)
		TR__FAIL("tcp: truncated header");
	size_t hl = tr_tcp_hdr_len(v);
	if (hl < TR_TCP_HDR_LEN) {
		static const char *const bad_doff[5] = {
			"tcp: data offset 0 < 5", "tcp: data offset 1 < 5", "tcp: data offset 2 < 5",
			"tcp: data offset 3 < 5", "tcp: data offset 4 < 5",
		};
		TR__FAIL(bad_doff[hl / 4]);
	}
	if (hl > v->len)
		TR__FAIL("tcp: header length exceeds segment");
	return 0;
}

uint16_t tr_tcp_compute_cksum(const struct tr_tcp_view *v, const struct tr_l4_pseudo *ph)
{
	return tr__cksum_skip(tr_l4_pseudo_sum(ph, TR_IPPROTO_TCP, (uint32_t)v->len), v->buf, v->len,
			      TR_TCP_OFF_CKSUM);
}

int tr_tcp_opts_parse(const uint8_t *opt, size_t len, struct tr_tcp_opts *o,
		      const char **why)
{
	memset(o, 0, sizeof(*o));
	size_t off = 0;
	while (off < len) {
		uint8_t kind = opt[off];
		if (kind == TR_TCP_OPT_EOL)
			break;
		if (kind == TR_TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (len - off < 2)
			TR__FAIL("tcp: option length byte missing");
		size_t olen = opt[off + 1];
		if (olen < 2)
			TR__FAIL("tcp: option length < 2");
		if (olen > len - off)
			TR__FAIL("tcp: option runs past header");
		const uint8_t *p = opt + off;
		switch (kind) {
		case TR_TCP_OPT_MSS:
			if (olen != TR_TCP_OPTLEN_MSS)
				TR__FAIL("tcp: mss option length != 4");
			o->present |= TR_TCP_HAS_MSS;
			o->mss = tr_load_be16(p + 2);
			break;
		case TR_TCP_OPT_WSCALE:
			if (olen != TR_TCP_OPTLEN_WSCALE)
				TR__FAIL("tcp: wscale option length != 3");
			o->present |= TR_TCP_HAS_WSCALE;
			o->wscale = p[2];
			break;
		case TR_TCP_OPT_SACK_PERM:
			if (olen != TR_TCP_OPTLEN_SACK_PERM)
				TR__FAIL("tcp: sack-permitted option length != 2");
			o->present |= TR_TCP_HAS_SACK_PERM;
			break;
		case TR_TCP_OPT_SACK: {
			size_t n = (olen - 2) / 8;
			if ((olen - 2) % 8 != 0 || n < 1 || n > TR_TCP_SACK_MAX)
				TR__FAIL("tcp: sack option length not 2+8n (n 1..4)");
			o->present |= TR_TCP_HAS_SACK;
			o->sack_count = (uint8_t)n;
			for (size_t i = 0; i < n; i++) {
				o->sack[i].left = tr_load_be32(p + 2 + 8 * i);
				o->sack[i].right = tr_load_be32(p + 6 + 8 * i);
			}
			break;
		}
		case TR_TCP_OPT_TS:
			if (olen != TR_TCP_OPTLEN_TS)
				TR__FAIL("tcp: timestamp option length != 10");
			o->present |= TR_TCP_HAS_TS;
			o->ts_val = tr_load_be32(p + 2);
			o->ts_ecr = tr_load_be32(p + 6);
			break;
		default:
			if (o->unknown_count < UINT8_MAX)
				o->unknown_count++;
			break;
		}
		off += olen;
	}
	return 0;
}

/*
 * Options go out in 32-bit-aligned groups padded with NOPs, in the layout
 * Linux uses (so a Linux-like SYN is reproduced byte for byte):
 *   MSS                        02 04 mm mm
 *   SACK-perm + timestamps     04 02 08 0a <val> <ecr>   (either alone: NOP NOP first)
 *   window scale               01 03 03 ws
 *   SACK blocks                01 01 05 len <blocks>
 * Every group is a multiple of 4 bytes, so no EOL padding is needed.
 */
size_t tr_tcp_opts_emit_len(const struct tr_tcp_opts *o)
{
	size_t n = 0;
	if (o->present & TR_TCP_HAS_MSS)
		n += 4;
	if (o->present & (TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS))
		n += (o->present & TR_TCP_HAS_TS) ? 12 : 4;
	if (o->present & TR_TCP_HAS_WSCALE)
		n += 4;
	if (o->present & TR_TCP_HAS_SACK)
		n += 4 + 8u * (o->sack_count > TR_TCP_SACK_MAX ? TR_TCP_SACK_MAX + 1u : o->sack_count);
	return n;
}

size_t tr_tcp_emit_len(const struct tr_tcp_repr *r)
{
	return TR_TCP_HDR_LEN + tr_tcp_opts_emit_len(&r->opts) + r->payload_len;
}

/* Write the options (no checks: tr_tcp_emit validated them). Returns bytes. */
static size_t tcp_opts_write(const struct tr_tcp_opts *o, uint8_t *p)
{
	size_t n = 0;
	if (o->present & TR_TCP_HAS_MSS) {
		p[n] = TR_TCP_OPT_MSS;
		p[n + 1] = TR_TCP_OPTLEN_MSS;
		tr_store_be16(p + n + 2, o->mss);
		n += TR_TCP_OPTLEN_MSS;
	}
	if (o->present & (TR_TCP_HAS_SACK_PERM | TR_TCP_HAS_TS)) {
		if (o->present & TR_TCP_HAS_SACK_PERM) {
			p[n] = TR_TCP_OPT_SACK_PERM;
			p[n + 1] = TR_TCP_OPTLEN_SACK_PERM;
		} else {
			p[n] = p[n + 1] = TR_TCP_OPT_NOP;
		}
		n += 2;
		if (o->present & TR_TCP_HAS_TS) {
			p[n] = TR_TCP_OPT_TS;
			p[n + 1] = TR_TCP_OPTLEN_TS;
			tr_store_be32(p + n + 2, o->ts_val);
			tr_store_be32(p + n + 6, o->ts_ecr);
			n += TR_TCP_OPTLEN_TS;
		} else {
			p[n] = p[n + 1] = TR_TCP_OPT_NOP;
			n += 2;
		}
	}
	if (o->present & TR_TCP_HAS_WSCALE) {
		p[n] = TR_TCP_OPT_NOP;
		p[n + 1] = TR_TCP_OPT_WSCALE;
		p[n + 2] = TR_TCP_OPTLEN_WSCALE;
		p[n + 3] = o->wscale;
		n += 4;
	}
	if (o->present & TR_TCP_HAS_SACK) {
		p[n] = p[n + 1] = TR_TCP_OPT_NOP;
		p[n + 2] = TR_TCP_OPT_SACK;
		p[n + 3] = (uint8_t)(2 + 8 * o->sack_count);
		for (unsigned i = 0; i < o->sack_count; i++) {
			tr_store_be32(p + n + 4 + 8 * i, o->sack[i].left);
			tr_store_be32(p + n + 8 + 8 * i, o->sack[i].right);
		}
		n += 4 + 8u * o->sack_count;
	}
	return n;
}

int tr_tcp_emit(const struct tr_tcp_repr *r, const struct tr_l4_pseudo *ph,
		uint8_t *buf, size_t len)
{
	const struct tr_tcp_opts *o = &r->opts;
	if ((o->present & TR_TCP_HAS_SACK) && (o->sack_count < 1 || o->sack_count > TR_TCP_SACK_MAX))
		return -EINVAL;
	size_t ol = tr_tcp_opts_emit_len(o);
	if (ol > TR_TCP_HDR_MAX - TR_TCP_HDR_LEN)
		return -EINVAL;
	size_t hl = TR_TCP_HDR_LEN + ol;
	if (r->payload_len > len || hl > len - r->payload_len)
		return -ENOSPC;
	size_t n = hl + r->payload_len;
	/* Move the payload first: options may overlap where it came from. */
	if (r->payload_len && r->payload != buf + hl)
		memmove(buf + hl, r->payload, r->payload_len);
	struct tr_tcp_view v = { buf, n };
	tr_tcp_set_src_port(&v, r->src_port);
	tr_tcp_set_dst_port(&v, r->dst_port);
	tr_tcp_set_seq(&v, r->seq);
	tr_tcp_set_ack(&v, r->ack);
	buf[TR_TCP_OFF_DOFF] = (uint8_t)((hl / 4) << TR_TCP_DOFF_SHIFT);
	tr_tcp_set_flags(&v, r->flags);
	tr_tcp_set_window(&v, r->window);
	tr_store_be16(buf + TR_TCP_OFF_CKSUM, 0);
	tr_tcp_set_urgent(&v, r->urgent);
	tcp_opts_write(o, buf + TR_TCP_HDR_LEN);
	if (ph)
		tr_cksum_store(buf + TR_TCP_OFF_CKSUM, tr_tcp_compute_cksum(&v, ph));
	return 0;
}

int tr_tcp_parse(const struct tr_tcp_view *v, const struct tr_l4_pseudo *ph,
		 struct tr_tcp_repr *r, unsigned flags, const char **why)
{
	int rc = tr_tcp_check(v, why);
	if (rc < 0)
		return rc;
	rc = tr_tcp_opts_parse(tr_tcp_options(v), tr_tcp_options_len(v), &r->opts, why);
	if (rc < 0)
		return rc;
	r->src_port = tr_tcp_src_port(v);
	r->dst_port = tr_tcp_dst_port(v);
	r->seq = tr_tcp_seq(v);
	r->ack = tr_tcp_ack(v);
	r->flags = tr_tcp_flags(v);
	r->window = tr_tcp_window(v);
	r->urgent = tr_tcp_urgent(v);
	r->payload = tr_tcp_payload(v);
	r->payload_len = tr_tcp_payload_len(v);
	if (flags & TR_L4_NO_CKSUM)
		return 0;
	if (!ph || (ph->family != 4 && ph->family != 6))
		TR__FAIL("tcp: no pseudo-header for checksum");
	uint32_t sum = tr_l4_pseudo_sum(ph, TR_IPPROTO_TCP, (uint32_t)v->len);
	sum = tr_cksum_add(sum, v->buf, v->len);
	if (tr_cksum_finish(sum) != 0) {
		if (why)
			*why = "tcp: bad checksum";
		return -EBADMSG;
	}
	return 0;
}
