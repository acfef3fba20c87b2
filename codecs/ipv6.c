/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 (RFC 8200): parse with the extension header chain, and emit. */
#include <tapring/ipv6.h>

#include "err_pvt.h"

int tr_ipv6_parse(const struct tr_ipv6_view *v, struct tr_ipv6_repr *r, unsigned flags,
		  const char **why)
{
	const uint8_t *b = v->buf;
	size_t len = v->len;

	if (TR_UNLIKELY(len < TR_IPV6_HDR_LEN)) {
		return tr__why(why, -EMSGSIZE, "ipv6: length < 40");
	}
	uint32_t vtf = tr_load_be32(b + TR_IPV6_OFF_VTF);
	if (TR_UNLIKELY((vtf >> 28) != 6)) {
		return tr__why(why, -EINVAL, "ipv6: version != 6");
	}
	size_t plen = tr_load_be16(b + TR_IPV6_OFF_PLEN);
	size_t end = TR_IPV6_HDR_LEN + plen;   /* the datagram ends here */
	if (TR_UNLIKELY(end > len)) {
		if (!(flags & TR_IPV6_PARSE_TRUNC_OK)) {
			return tr__why(why, -EMSGSIZE, "ipv6: payload length > bytes available");
		}
		end = len;   /* walk only what was captured */
	}

	uint8_t next = b[TR_IPV6_OFF_NEXT];
	size_t off = TR_IPV6_HDR_LEN;
	unsigned n = 0;
	r->has_frag = false;
	r->final_dst_off = 0;
	for (;;) {
		size_t elen;
		bool stop_after = false;
		switch (next) {
		case TR_IPPROTO_HOPOPTS:
			if (TR_UNLIKELY(n != 0)) {
				return tr__why(why, -EINVAL, "ipv6: hop-by-hop header not first");
			}
			/* fallthrough */
		case TR_IPPROTO_ROUTING:
		case TR_IPPROTO_DSTOPTS:
			if (TR_UNLIKELY(!tr_in_bounds(end, off, 2)))
				goto truncated;
			elen = ((size_t)b[off + TR_IPV6_EXT_OFF_LEN] + 1u) * 8u;
			break;
		case TR_IPPROTO_AH:
			if (TR_UNLIKELY(!tr_in_bounds(end, off, 2)))
				goto truncated;
			/* RFC 4302 §2.2: length in 4-octet units, minus 2. */
			elen = ((size_t)b[off + TR_IPV6_EXT_OFF_LEN] + 2u) * 4u;
			break;
		case TR_IPPROTO_FRAGMENT: {
			elen = TR_IPV6_FRAG_LEN;
			if (TR_UNLIKELY(!tr_in_bounds(end, off, elen)))
				goto truncated;
			uint16_t offm = tr_load_be16(b + off + TR_IPV6_FRAG_OFF_OFFM);
			r->has_frag = true;
			r->frag_off = offm & TR_IPV6_FRAG_OFF_MASK;   /* 8-octet units << 3 = bytes */
			r->frag_mf = (offm & TR_IPV6_FRAG_M) != 0;
			r->frag_id = tr_load_be32(b + off + TR_IPV6_FRAG_OFF_ID);
			/* A later fragment's data is not a header: stop here. */
			stop_after = r->frag_off != 0;
			break;
		}
		default:
			goto done;
		}
		if (TR_UNLIKELY(n == TR_IPV6_MAX_EXT)) {
			return tr__why(why, -ELOOP,
				       "ipv6: more than " TR__STR(TR_IPV6_MAX_EXT) " extension headers");
		}
		if (TR_UNLIKELY(!tr_in_bounds(end, off, elen)))
			goto truncated;
		if (next == TR_IPPROTO_ROUTING && b[off + 3] != 0 && elen >= 24) {
			/* Segments left: the final destination is the last
			 * address (types 0 and 2) or segment 0 (type 4, SRH). */
			uint8_t type = b[off + 2];
			if (type == 0 || type == 2)
				r->final_dst_off = (uint16_t)(off + elen - 16);
			else if (type == 4)
				r->final_dst_off = (uint16_t)(off + 8);
		}
		r->ext[n++] = next;
		next = b[off + TR_IPV6_EXT_OFF_NEXT];
		off += elen;
		if (stop_after)
			break;
	}
done:
	memcpy(r->src, b + TR_IPV6_OFF_SRC, 16);
	memcpy(r->dst, b + TR_IPV6_OFF_DST, 16);
	r->flow = vtf & 0xfffffu;
	r->tclass = (uint8_t)(vtf >> 20);
	r->hop_limit = b[TR_IPV6_OFF_HOPLIM];
	r->next = b[TR_IPV6_OFF_NEXT];
	r->upper = next;
	r->payload_len = (uint16_t)plen;
	r->hdr_len = (uint16_t)off;
	r->n_ext = (uint8_t)n;
	return 0;

truncated:
	return tr__why(why, -EMSGSIZE, "ipv6: extension header truncated");
}

size_t tr_ipv6_emit_len(const struct tr_ipv6_repr *r)
{
	return TR_IPV6_HDR_LEN + (r->has_frag ? TR_IPV6_FRAG_LEN : 0u);
}

int tr_ipv6_emit(const struct tr_ipv6_repr *r, uint8_t *buf, size_t len)
{
	if (r->flow > 0xfffffu || (r->has_frag && (r->frag_off & 7u)) ||
	    (r->has_frag && r->payload_len < TR_IPV6_FRAG_LEN))
		return -EINVAL;
	size_t need = tr_ipv6_emit_len(r);
	if (len < need)
		return -ENOSPC;
	tr_store_be32(buf + TR_IPV6_OFF_VTF, (6u << 28) | ((uint32_t)r->tclass << 20) | r->flow);
	tr_store_be16(buf + TR_IPV6_OFF_PLEN, r->payload_len);
	buf[TR_IPV6_OFF_NEXT] = r->has_frag ? TR_IPPROTO_FRAGMENT : r->upper;
	buf[TR_IPV6_OFF_HOPLIM] = r->hop_limit;
	memcpy(buf + TR_IPV6_OFF_SRC, r->src, 16);
	memcpy(buf + TR_IPV6_OFF_DST, r->dst, 16);
	if (r->has_frag) {
		uint8_t *f = buf + TR_IPV6_HDR_LEN;
		f[TR_IPV6_EXT_OFF_NEXT] = r->upper;
		f[1] = 0;
		tr_store_be16(f + TR_IPV6_FRAG_OFF_OFFM,
			      (uint16_t)((r->frag_off & TR_IPV6_FRAG_OFF_MASK) | (r->frag_mf ? TR_IPV6_FRAG_M : 0)));
		tr_store_be32(f + TR_IPV6_FRAG_OFF_ID, r->frag_id);
	}
	return 0;
}
