/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 (RFC 791): parse (options, fragments, checksum) and emit. */
#include <tapring/checksum.h>
#include <tapring/ipv4.h>

#include "err_pvt.h"
#include "ipv4_pvt.h"

void tr_ipv4_fill_csum(struct tr_ipv4_view *v)
{
	unsigned hl = tr_ipv4_hdr_len(v);
	memset(v->buf + TR_IPV4_OFF_CSUM, 0, 2);
	tr_cksum_store(v->buf + TR_IPV4_OFF_CSUM, tr_cksum(v->buf, hl));
}

bool tr_ipv4_csum_ok(const struct tr_ipv4_view *v)
{
	return tr_cksum(v->buf, tr_ipv4_hdr_len(v)) == 0;
}

/* Header checksum check; the option-less 20-byte header (nearly every
 * packet) is summed inline as five 32-bit words. */
static inline bool ip4_hdr_sum_ok(const uint8_t *b, unsigned hl)
{
	if (TR_LIKELY(hl == TR_IPV4_MIN_HDR_LEN)) {
		uint32_t w[5];
		memcpy(w, b, sizeof(w));
		uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
		s = (s & 0xffffffffu) + (s >> 32);
		return tr_cksum_finish((uint32_t)s + (uint32_t)(s >> 32)) == 0;
	}
	return tr_cksum(b, hl) == 0;
}

/* Walk options [20, hl): EOL ends the list, NOP is one byte, every other
 * option is type, length (>= 2, covering type and length), data. */
static int ip4_walk_opts(const uint8_t *b, unsigned hl, const char **why)
{
	unsigned off = TR_IPV4_OFF_OPTS;
	while (off < hl) {
		uint8_t t = b[off];
		if (t == TR_IPV4_OPT_EOL)
			return 0;
		if (t == TR_IPV4_OPT_NOP) {
			off++;
			continue;
		}
		if (TR_UNLIKELY(hl - off < 2))
			return tr__why(why, -EINVAL, "ipv4: option truncated");
		unsigned olen = b[off + 1];
		if (TR_UNLIKELY(olen < 2 || olen > hl - off))
			return tr__why(why, -EINVAL, "ipv4: option length invalid");
		off += olen;
	}
	return 0;
}

/* What tr_ipv4_parse() returns and reports for each header check failure. */
static const struct {
	int rc;
	const char *why;
} ip4_bad[] = {
	[TR__IPV4_SHORT] = { -EMSGSIZE, "ipv4: length < 20" },
	[TR__IPV4_VERSION] = { -EINVAL, "ipv4: version != 4" },
	[TR__IPV4_IHL] = { -EINVAL, "ipv4: header length < 20" },
	[TR__IPV4_HDR_CUT] = { -EMSGSIZE, "ipv4: header length > bytes available" },
	[TR__IPV4_TOTLEN] = { -EINVAL, "ipv4: total length < header length" },
	[TR__IPV4_TOTLEN_CUT] = { -EMSGSIZE, "ipv4: total length > bytes available" },
	[TR__IPV4_FRAG_END] = { -EINVAL, "ipv4: fragment end > 65535" },
};

int tr_ipv4_parse(const struct tr_ipv4_view *v, struct tr_ipv4_repr *r, unsigned flags,
		  const char **why)
{
	const uint8_t *b = v->buf;
	enum tr__ipv4_bad bad = tr__ipv4_hdr_bad(b, v->len, TR__IPV4_CHK_VERSION | TR__IPV4_CHK_FRAG |
						 ((flags & TR_IPV4_PARSE_TRUNC_OK) ? TR__IPV4_CHK_TRUNC_OK : 0));
	if (TR_UNLIKELY(bad != TR__IPV4_OK))
		return tr__why(why, ip4_bad[bad].rc, ip4_bad[bad].why);
	unsigned hl = tr__ipv4_ihl_bytes(b);
	unsigned tl = tr_load_be16(b + TR_IPV4_OFF_TOTLEN);
	uint16_t frag = tr_load_be16(b + TR_IPV4_OFF_FRAG);
	if (hl > TR_IPV4_MIN_HDR_LEN) {
		int rc = ip4_walk_opts(b, hl, why);
		if (TR_UNLIKELY(rc))
			return rc;
		r->opt_len = (uint8_t)(hl - TR_IPV4_MIN_HDR_LEN);
		memcpy(r->opts, b + TR_IPV4_OFF_OPTS, r->opt_len);
	} else {
		r->opt_len = 0;
	}
	tr__ipv4_repr_fixed(r, b, frag);
	r->mf = (frag & TR_IPV4_FLAG_MF) != 0;
	r->hdr_len = (uint8_t)hl;
	r->frag_off = (uint16_t)((frag & TR_IPV4_FRAG_MASK) * 8u);
	r->payload_len = (uint16_t)(tl - hl);
	if (flags & TR_IPV4_PARSE_NO_CSUM) {
		r->csum_ok = true;
		return 0;
	}
	r->csum_ok = ip4_hdr_sum_ok(b, hl);
	if (TR_UNLIKELY(!r->csum_ok))
		return tr__why(why, -EBADMSG, "ipv4: bad header checksum");
	return 0;
}

size_t tr_ipv4_emit_len(const struct tr_ipv4_repr *r)
{
	return TR_IPV4_MIN_HDR_LEN + (((size_t)r->opt_len + 3u) & ~(size_t)3u);
}

int tr_ipv4_emit(const struct tr_ipv4_repr *r, uint8_t *buf, size_t len)
{
	if (r->opt_len > TR_IPV4_MAX_OPT_LEN || (r->frag_off & 7u) ||
	    r->frag_off / 8u > TR_IPV4_FRAG_MASK)
		return -EINVAL;
	size_t hl = tr_ipv4_emit_len(r);
	size_t tl = hl + r->payload_len;
	if (tl > 65535u)
		return -EINVAL;
	if (len < hl)
		return -ENOSPC;
	uint16_t frag = (uint16_t)((r->df ? TR_IPV4_FLAG_DF : 0) | (r->mf ? TR_IPV4_FLAG_MF : 0) |
				   (r->frag_off / 8u));
	buf[TR_IPV4_OFF_VER_IHL] = (uint8_t)(0x40u | (hl / 4u));
	buf[TR_IPV4_OFF_TOS] = r->tos;
	tr_store_be16(buf + TR_IPV4_OFF_TOTLEN, (uint16_t)tl);
	tr_store_be16(buf + TR_IPV4_OFF_ID, r->id);
	tr_store_be16(buf + TR_IPV4_OFF_FRAG, frag);
	buf[TR_IPV4_OFF_TTL] = r->ttl;
	buf[TR_IPV4_OFF_PROTO] = r->proto;
	memset(buf + TR_IPV4_OFF_CSUM, 0, 2);
	memcpy(buf + TR_IPV4_OFF_SRC, r->src, 4);
	memcpy(buf + TR_IPV4_OFF_DST, r->dst, 4);
	if (r->opt_len) {
		memcpy(buf + TR_IPV4_OFF_OPTS, r->opts, r->opt_len);
		/* Pad to a 4-byte boundary with EOL (0). */
		memset(buf + TR_IPV4_OFF_OPTS + r->opt_len, TR_IPV4_OPT_EOL,
		       hl - TR_IPV4_MIN_HDR_LEN - r->opt_len);
	}
	tr_cksum_store(buf + TR_IPV4_OFF_CSUM, tr_cksum(buf, hl));
	return 0;
}
