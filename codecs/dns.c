/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS message codec (RFC 1035), zero malloc: see tapring/dns.h. */
#include <tapring/dns.h>

#include <string.h>

#include "err_pvt.h"

/* ---- names --------------------------------------------------------------- */

/* Append one label's text with dig-style escapes. Returns 0 or -ENOSPC. */
static int label_to_text(const uint8_t *lab, size_t n, char *text, size_t cap, size_t *tl)
{
	size_t t = *tl;
	size_t i = 0;
	/* Fast path: plain bytes (0x21..0x7e except '.' and '\') are copied
	 * as they are; the escaping loop below takes over at the first other. */
	if (cap - t > n) {
		for (; i < n; i++) {
			uint8_t c = lab[i];
			if ((uint8_t)(c - 0x21) > 0x7e - 0x21 || c == '.' || c == '\\')
				break;
			text[t + i] = (char)c;
		}
		t += i;
	}
	for (; i < n; i++) {
		uint8_t c = lab[i];
		if (c == '.' || c == '\\') {
			if (cap - t < 3)
				return -ENOSPC;
			text[t++] = '\\';
			text[t++] = (char)c;
		} else if (c < 0x21 || c > 0x7e) {
			if (cap - t < 5)
				return -ENOSPC;
			text[t++] = '\\';
			text[t++] = (char)('0' + c / 100);
			text[t++] = (char)('0' + (c / 10) % 10);
			text[t++] = (char)('0' + c % 10);
		} else {
			if (cap - t < 2)
				return -ENOSPC;
			text[t++] = (char)c;
		}
	}
	*tl = t;
	return 0;
}

enum { STEP_END, STEP_PTR, STEP_LABEL };

#define NOSPC "dns: name buffer too small"

/*
 * One step of a name at pos, with the checks every reader of names makes:
 * STEP_END (the root label), STEP_PTR (a compression pointer to *target,
 * strictly before seg_start, the start of the label sequence holding it:
 * every jump moves backwards, so no loop can form), or STEP_LABEL (a label
 * of msg[pos] <= 63 bytes, all inside the message; *wire grows by its
 * uncompressed length, at most 255 in all). -EINVAL and *why otherwise.
 */
static int name_step(const uint8_t *msg, size_t len, size_t pos, size_t seg_start, size_t *wire,
		     size_t *target, const char **why)
{
	if (pos >= len)
		TR__FAIL("dns: name runs past message");
	uint8_t c = msg[pos];
	if (c == 0)
		return STEP_END;
	if ((c & TR_DNS_PTR_MASK) == TR_DNS_PTR_MASK) {
		if (len - pos < 2)
			TR__FAIL("dns: compression pointer truncated");
		*target = tr_load_be16(msg + pos) & TR_DNS_PTR_OFF_MASK;
		if (*target >= seg_start)
			TR__FAIL("dns: compression pointer does not point backwards");
		return STEP_PTR;
	}
	if (c & TR_DNS_PTR_MASK)
		TR__FAIL("dns: reserved label type");
	/* c <= 63 here (top bits are 00). */
	if (len - pos - 1 < c)
		TR__FAIL("dns: label runs past message");
	*wire += 1u + c;
	if (*wire + 1 > TR_DNS_NAME_MAX)
		TR__FAIL("dns: name longer than 255 bytes");
	return STEP_LABEL;
}

/*
 * Walk (and validate) the name at *off; with text != NULL also write its
 * text form. The validation-only mode (text == NULL, used by
 * tr_dns_validate) applies exactly the same checks.
 */
static int name_walk(const uint8_t *msg, size_t len, size_t *off, char *text,
		     size_t cap, const char **why)
{
	size_t pos = *off;
	size_t seg_start = pos;  /* start of the label sequence being read */
	size_t wire = 0;         /* uncompressed length so far, without the root */
	size_t tl = 0;
	unsigned jumps = 0;
	int jumped = 0;

	if (text && cap < 2) {
		return tr__why(why, -ENOSPC, NOSPC);
	}
	for (;;) {
		size_t target;
		int st = name_step(msg, len, pos, seg_start, &wire, &target, why);
		if (st < 0)
			return st;
		if (st == STEP_END) {
			if (!jumped)
				*off = pos + 1;
			break;
		}
		if (st == STEP_PTR) {
			if (++jumps > TR_DNS_MAX_JUMPS)
				TR__FAIL("dns: too many compression pointers");
			if (!jumped) {
				*off = pos + 2;
				jumped = 1;
			}
			pos = seg_start = target;
			continue;
		}
		uint8_t c = msg[pos];
		if (text) {
			if (tl) {
				if (cap - tl < 2)
					goto nospc;
				text[tl++] = '.';
			}
			if (label_to_text(msg + pos + 1, c, text, cap, &tl) < 0)
				goto nospc;
		}
		pos += 1u + c;
	}
	if (!text)
		return 0;
	if (tl == 0)
		text[tl++] = '.';
	text[tl] = '\0';
	return (int)tl;
nospc:
	return tr__why(why, -ENOSPC, NOSPC);
}

int tr_dns_name_decode(const uint8_t *msg, size_t len, size_t *off, char *text,
		       size_t cap, const char **why)
{
	if (!text) {
		return tr__why(why, -ENOSPC, NOSPC);
	}
	return name_walk(msg, len, off, text, cap, why);
}

int tr_dns_name_skip(const uint8_t *msg, size_t len, size_t *off, const char **why)
{
	size_t pos = *off, start = *off, wire = 0;
	for (;;) {
		size_t target;
		int st = name_step(msg, len, pos, start, &wire, &target, why);
		if (st < 0)
			return st;
		if (st == STEP_END) {
			*off = pos + 1;
			return 0;
		}
		if (st == STEP_PTR) {   /* the name ends here; the rest is elsewhere */
			*off = pos + 2;
			return 0;
		}
		pos += 1u + msg[pos];
	}
}

int tr_dns_name_encode(const char *text, uint8_t *out, size_t cap, const char **why)
{
	size_t o = 0;            /* bytes of out used */
	size_t lab = 0;          /* index of the current label's length byte */
	size_t ll = 0;           /* current label length */
	const char *p = text;

	if (p[0] == '\0' || (p[0] == '.' && p[1] == '\0')) {
		if (cap < 1)
			goto nospc;
		out[0] = 0;
		return 1;
	}
	if (cap < 1)
		goto nospc;
	out[o++] = 0;            /* placeholder length of the first label */
	for (;;) {
		char ch = *p;
		if (ch == '\0' || ch == '.') {
			if (ll == 0)
				TR__FAIL("dns: empty label in name");
			out[lab] = (uint8_t)ll;
			if (ch == '\0' || p[1] == '\0')
				break;
			p++;
			if (o >= TR_DNS_NAME_MAX - 1)
				TR__FAIL("dns: name longer than 255 bytes");
			if (o >= cap)
				goto nospc;
			lab = o;
			out[o++] = 0;
			ll = 0;
			continue;
		}
		unsigned v;
		if (ch == '\\') {
			if (p[1] >= '0' && p[1] <= '9') {
				if (!(p[2] >= '0' && p[2] <= '9' && p[3] >= '0' && p[3] <= '9'))
					TR__FAIL("dns: bad \\DDD escape in name");
				v = (unsigned)(p[1] - '0') * 100 + (unsigned)(p[2] - '0') * 10 + (unsigned)(p[3] - '0');
				if (v > 255)
					TR__FAIL("dns: \\DDD escape > 255 in name");
				p += 4;
			} else if (p[1] == '\0') {
				TR__FAIL("dns: trailing backslash in name");
			} else {
				v = (unsigned char)p[1];
				p += 2;
			}
		} else {
			v = (unsigned char)ch;
			p++;
		}
		if (++ll > TR_DNS_LABEL_MAX)
			TR__FAIL("dns: label longer than 63 bytes");
		/* +1 keeps room for the root byte within 255. */
		if (o + 1 >= TR_DNS_NAME_MAX)
			TR__FAIL("dns: name longer than 255 bytes");
		if (o >= cap)
			goto nospc;
		out[o++] = (uint8_t)v;
	}
	if (o >= cap)
		goto nospc;
	out[o++] = 0;
	return (int)o;
nospc:
	if (why)
		*why = "dns: output buffer too small for name";
	return -ENOSPC;
}

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

int tr_dns_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	/* Ignore one trailing unescaped dot (but keep "." for the root). */
	if (la > 1 && a[la - 1] == '.' && a[la - 2] != '\\')
		la--;
	if (lb > 1 && b[lb - 1] == '.' && b[lb - 2] != '\\')
		lb--;
	if (la == 0 && lb == 1 && b[0] == '.')
		return 1;
	if (lb == 0 && la == 1 && a[0] == '.')
		return 1;
	if (la != lb)
		return 0;
	for (size_t i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

/* ---- records ------------------------------------------------------------- */

int tr_dns_txt_next(const struct tr_dns_rr *rr, size_t *off, const uint8_t **s,
		    size_t *slen)
{
	size_t o = *off;
	if (o >= rr->rdlen)
		return 0;
	size_t n = rr->rdata[o];
	if (n > (size_t)rr->rdlen - o - 1)
		return -EINVAL;
	*s = rr->rdata + o + 1;
	*slen = n;
	*off = o + 1 + n;
	return 1;
}

static void msg_advance(struct tr_dns_msg *m)
{
	while (m->left == 0 && m->section < TR_DNS_SEC_END) {
		m->section++;
		switch (m->section) {
		case TR_DNS_SEC_AN: m->left = m->hdr.ancount; break;
		case TR_DNS_SEC_NS: m->left = m->hdr.nscount; break;
		case TR_DNS_SEC_AR: m->left = m->hdr.arcount; break;
		default: m->left = 0; break;
		}
	}
}

int tr_dns_parse_header(struct tr_dns_msg *m, const uint8_t *buf, size_t len,
			const char **why)
{
	if (len < TR_DNS_HDR_LEN)
		TR__FAIL("dns: message shorter than 12-byte header");
	m->buf = buf;
	m->len = len;
	m->hdr.id = tr_load_be16(buf + TR_DNS_OFF_ID);
	m->hdr.flags = tr_load_be16(buf + TR_DNS_OFF_FLAGS);
	m->hdr.qdcount = tr_load_be16(buf + TR_DNS_OFF_QDCOUNT);
	m->hdr.ancount = tr_load_be16(buf + TR_DNS_OFF_ANCOUNT);
	m->hdr.nscount = tr_load_be16(buf + TR_DNS_OFF_NSCOUNT);
	m->hdr.arcount = tr_load_be16(buf + TR_DNS_OFF_ARCOUNT);
	m->off = TR_DNS_HDR_LEN;
	m->section = TR_DNS_SEC_QD;
	m->left = m->hdr.qdcount;
	msg_advance(m);
	return 0;
}

/* with_text == 0: names are validated but not written (q->name untouched). */
static int next_question(struct tr_dns_msg *m, struct tr_dns_question *q, int with_text,
			 const char **why)
{
	if (m->section != TR_DNS_SEC_QD)
		return 0;
	size_t off = m->off;
	int rc = name_walk(m->buf, m->len, &off, with_text ? q->name : NULL, sizeof(q->name), why);
	if (rc < 0)
		return rc;
	if (m->len - off < TR_DNS_QFIXED_LEN)
		TR__FAIL("dns: question truncated");
	q->type = tr_load_be16(m->buf + off);
	q->qclass = tr_load_be16(m->buf + off + 2);
	m->off = off + TR_DNS_QFIXED_LEN;
	m->left--;
	msg_advance(m);
	return 1;
}

/* Decode a name inside rdata: pointers may reach anywhere before, inline
 * labels must stay inside rdata (end). */
static int rdata_name(const struct tr_dns_msg *m, size_t end, size_t *off, char *text,
		      const char **why)
{
	int rc = name_walk(m->buf, end, off, text, TR_DNS_NAME_TEXT_MAX, why);
	if (rc == -EINVAL && why && *why && strcmp(*why, "dns: name runs past message") == 0)
		*why = "dns: name runs past rdata";
	return rc < 0 ? rc : 0;
}

int tr_dns_next_question(struct tr_dns_msg *m, struct tr_dns_question *q,
			 const char **why)
{
	return next_question(m, q, 1, why);
}

/* with_text == 0: as tr_dns_next_rr, but names (owner and inside rdata)
 * are only validated, not written: the fast path of tr_dns_validate. */
static int next_rr(struct tr_dns_msg *m, struct tr_dns_rr *rr, int with_text, const char **why)
{
#define TXT(field) (with_text ? (field) : NULL)
	while (m->section == TR_DNS_SEC_QD) {
		/* Unread question: fully validated (pointers followed) so the
		 * verdict doesn't depend on whether the caller read it. */
		size_t off = m->off;
		int rc = name_walk(m->buf, m->len, &off, NULL, 0, why);
		if (rc < 0)
			return rc;
		if (m->len - off < TR_DNS_QFIXED_LEN)
			TR__FAIL("dns: question truncated");
		m->off = off + TR_DNS_QFIXED_LEN;
		m->left--;
		msg_advance(m);
	}
	if (m->section >= TR_DNS_SEC_END)
		return 0;

	const uint8_t *b = m->buf;
	size_t off = m->off;
	int rc = name_walk(b, m->len, &off, TXT(rr->name), sizeof(rr->name), why);
	if (rc < 0)
		return rc;
	if (m->len - off < TR_DNS_RRFIXED_LEN)
		TR__FAIL("dns: record header truncated");
	rr->type = tr_load_be16(b + off);
	rr->rclass = tr_load_be16(b + off + 2);
	rr->ttl = tr_load_be32(b + off + 4);
	rr->rdlen = tr_load_be16(b + off + 8);
	rr->section = m->section;
	off += TR_DNS_RRFIXED_LEN;
	if (rr->rdlen > m->len - off)
		TR__FAIL("dns: rdata runs past message");
	rr->rdata = b + off;
	size_t end = off + rr->rdlen;
	size_t p = off;

	switch (rr->type) {
	case TR_DNS_T_A:
		if (rr->rdlen != 4)
			TR__FAIL("dns: A rdata length != 4");
		memcpy(rr->u.a, rr->rdata, 4);
		p = end;
		break;
	case TR_DNS_T_AAAA:
		if (rr->rdlen != 16)
			TR__FAIL("dns: AAAA rdata length != 16");
		memcpy(rr->u.aaaa, rr->rdata, 16);
		p = end;
		break;
	case TR_DNS_T_CNAME:
	case TR_DNS_T_NS:
	case TR_DNS_T_PTR:
		if ((rc = rdata_name(m, end, &p, TXT(rr->u.target), why)) < 0)
			return rc;
		break;
	case TR_DNS_T_MX:
		if (rr->rdlen < 3)
			TR__FAIL("dns: MX rdata truncated");
		rr->u.mx.pref = tr_load_be16(b + p);
		p += 2;
		if ((rc = rdata_name(m, end, &p, TXT(rr->u.mx.exchange), why)) < 0)
			return rc;
		break;
	case TR_DNS_T_SRV:
		if (rr->rdlen < 7)
			TR__FAIL("dns: SRV rdata truncated");
		rr->u.srv.priority = tr_load_be16(b + p);
		rr->u.srv.weight = tr_load_be16(b + p + 2);
		rr->u.srv.port = tr_load_be16(b + p + 4);
		p += 6;
		if ((rc = rdata_name(m, end, &p, TXT(rr->u.srv.target), why)) < 0)
			return rc;
		break;
	case TR_DNS_T_SOA:
		if ((rc = rdata_name(m, end, &p, TXT(rr->u.soa.mname), why)) < 0)
			return rc;
		if ((rc = rdata_name(m, end, &p, TXT(rr->u.soa.rname), why)) < 0)
			return rc;
		if (end - p != 20)
			TR__FAIL("dns: SOA rdata length mismatch");
		rr->u.soa.serial = tr_load_be32(b + p);
		rr->u.soa.refresh = tr_load_be32(b + p + 4);
		rr->u.soa.retry = tr_load_be32(b + p + 8);
		rr->u.soa.expire = tr_load_be32(b + p + 12);
		rr->u.soa.minimum = tr_load_be32(b + p + 16);
		p = end;
		break;
	case TR_DNS_T_TXT: {
		size_t o = 0;
		const uint8_t *s;
		size_t sl;
		uint16_t cnt = 0;
		while ((rc = tr_dns_txt_next(rr, &o, &s, &sl)) == 1)
			cnt++;
		if (rc < 0)
			TR__FAIL("dns: TXT string runs past rdata");
		rr->u.txt.count = cnt;
		p = end;
		break;
	}
	default:
		p = end;
		break;
	}
	if (p != end)
		TR__FAIL("dns: rdata length mismatch");
	m->off = end;
	m->left--;
	msg_advance(m);
	return 1;
#undef TXT
}

int tr_dns_next_rr(struct tr_dns_msg *m, struct tr_dns_rr *rr, const char **why)
{
	return next_rr(m, rr, 1, why);
}

int tr_dns_validate(const uint8_t *buf, size_t len, struct tr_dns_question *q,
		    struct tr_dns_rr *rr, const char **why)
{
	struct tr_dns_msg m;
	int rc = tr_dns_parse_header(&m, buf, len, why);
	if (rc < 0)
		return rc;
	/* Same checks as the iterators, without producing name text. */
	while ((rc = next_question(&m, q, 0, why)) == 1)
		;
	if (rc < 0)
		return rc;
	while ((rc = next_rr(&m, rr, 0, why)) == 1)
		;
	return rc;
}

/* ---- writer -------------------------------------------------------------- */

void tr_dns_writer_init(struct tr_dns_writer *w, uint8_t *buf, size_t cap,
			const struct tr_dns_header *h)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap < TR_DNS_HDR_LEN) {
		w->err = -ENOSPC;
		return;
	}
	tr_store_be16(buf + TR_DNS_OFF_ID, h->id);
	tr_store_be16(buf + TR_DNS_OFF_FLAGS, h->flags);
	memset(buf + TR_DNS_OFF_QDCOUNT, 0, 8);
	w->len = TR_DNS_HDR_LEN;
}

/* Does the name at message offset moff equal the uncompressed wire suffix
 * s (ending in the root byte)? Follows pointers already in the message
 * (written by us, so they point backwards; still bounded). */
static int comp_match(const struct tr_dns_writer *w, size_t moff, const uint8_t *s)
{
	unsigned jumps = 0;
	for (;;) {
		if (moff >= w->len)
			return 0;
		uint8_t c = w->buf[moff];
		if ((c & TR_DNS_PTR_MASK) == TR_DNS_PTR_MASK) {
			if (w->len - moff < 2 || ++jumps > TR_DNS_MAX_JUMPS)
				return 0;
			size_t t = tr_load_be16(w->buf + moff) & TR_DNS_PTR_OFF_MASK;
			if (t >= moff)
				return 0;
			moff = t;
			continue;
		}
		if (c != *s)
			return 0;
		if (c == 0)
			return 1;
		if (c > TR_DNS_LABEL_MAX || w->len - moff - 1 < c)
			return 0;
		for (unsigned i = 1; i <= c; i++)
			if (lower((char)w->buf[moff + i]) != lower((char)s[i]))
				return 0;
		moff += 1u + c;
		s += 1u + c;
	}
}

static void comp_remember(struct tr_dns_writer *w, size_t off)
{
	if (w->ncomp < TR_DNS_COMP_MAX && off <= TR_DNS_PTR_OFF_MASK)
		w->comp[w->ncomp++] = (uint16_t)off;
}

/* Append a name (text) at w->len, compressed when compress != 0. Returns 0,
 * -EINVAL or -ENOSPC; on error w->len may have moved (caller rolls back). */
static int write_name(struct tr_dns_writer *w, const char *text, int compress)
{
	uint8_t wire[TR_DNS_NAME_MAX];
	int wl = tr_dns_name_encode(text, wire, sizeof(wire), NULL);
	if (wl < 0)
		return wl;
	size_t s = 0;
	/* Find the longest suffix already in the message. */
	int hit = -1;
	size_t hit_at = (size_t)wl;
	if (compress) {
		for (s = 0; wire[s] != 0; s += 1u + wire[s]) {
			for (unsigned i = 0; i < w->ncomp; i++) {
				if (comp_match(w, w->comp[i], wire + s)) {
					hit = i;
					break;
				}
			}
			if (hit >= 0) {
				hit_at = s;
				break;
			}
		}
	}
	size_t inl = hit >= 0 ? hit_at : (size_t)wl;  /* inline bytes */
	size_t need = inl + (hit >= 0 ? 2 : 0);
	if (need > w->cap - w->len)
		return -ENOSPC;
	/* Remember each new label sequence start (suffixes of this name). */
	for (s = 0; s < inl && wire[s] != 0; s += 1u + wire[s])
		comp_remember(w, w->len + s);
	memcpy(w->buf + w->len, wire, inl);
	w->len += inl;
	if (hit >= 0) {
		tr_store_be16(w->buf + w->len, (uint16_t)(0xc000u | w->comp[hit]));
		w->len += 2;
	}
	return 0;
}

static int put_bytes(struct tr_dns_writer *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return -ENOSPC;
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int put16(struct tr_dns_writer *w, uint16_t v)
{
	uint8_t b[2];
	tr_store_be16(b, v);
	return put_bytes(w, b, 2);
}

static int put32(struct tr_dns_writer *w, uint32_t v)
{
	uint8_t b[4];
	tr_store_be32(b, v);
	return put_bytes(w, b, 4);
}

int tr_dns_write_question(struct tr_dns_writer *w, const struct tr_dns_question *q)
{
	if (w->err)
		return w->err;
	if (w->section != TR_DNS_SEC_QD || w->count[TR_DNS_SEC_QD] == 0xffff)
		return -EINVAL;
	size_t save_len = w->len;
	uint8_t save_nc = w->ncomp;
	int rc = write_name(w, q->name, 1);
	if (rc == 0)
		rc = put16(w, q->type);
	if (rc == 0)
		rc = put16(w, q->qclass);
	if (rc < 0) {
		w->len = save_len;
		w->ncomp = save_nc;
		return rc;
	}
	w->count[TR_DNS_SEC_QD]++;
	return 0;
}

static int write_rdata(struct tr_dns_writer *w, const struct tr_dns_rr *rr)
{
	int rc;
	switch (rr->type) {
	case TR_DNS_T_A:
		return put_bytes(w, rr->u.a, 4);
	case TR_DNS_T_AAAA:
		return put_bytes(w, rr->u.aaaa, 16);
	case TR_DNS_T_CNAME:
	case TR_DNS_T_NS:
	case TR_DNS_T_PTR:
		return write_name(w, rr->u.target, 1);
	case TR_DNS_T_MX:
		if ((rc = put16(w, rr->u.mx.pref)) < 0)
			return rc;
		return write_name(w, rr->u.mx.exchange, 1);
	case TR_DNS_T_SRV:
		if ((rc = put16(w, rr->u.srv.priority)) < 0 || (rc = put16(w, rr->u.srv.weight)) < 0 ||
		    (rc = put16(w, rr->u.srv.port)) < 0)
			return rc;
		return write_name(w, rr->u.srv.target, 0);   /* RFC 2782: no compression */
	case TR_DNS_T_SOA:
		if ((rc = write_name(w, rr->u.soa.mname, 1)) < 0 ||
		    (rc = write_name(w, rr->u.soa.rname, 1)) < 0 ||
		    (rc = put32(w, rr->u.soa.serial)) < 0 || (rc = put32(w, rr->u.soa.refresh)) < 0 ||
		    (rc = put32(w, rr->u.soa.retry)) < 0 || (rc = put32(w, rr->u.soa.expire)) < 0)
			return rc;
		return put32(w, rr->u.soa.minimum);
	default:
		if (rr->rdlen && !rr->rdata)
			return -EINVAL;
		return put_bytes(w, rr->rdata, rr->rdlen);
	}
}

int tr_dns_write_rr(struct tr_dns_writer *w, enum tr_dns_section section,
		    const struct tr_dns_rr *rr)
{
	if (w->err)
		return w->err;
	if (section < TR_DNS_SEC_AN || section > TR_DNS_SEC_AR || section < w->section ||
	    w->count[section] == 0xffff)
		return -EINVAL;
	size_t save_len = w->len;
	uint8_t save_nc = w->ncomp;
	int rc = write_name(w, rr->name, 1);
	if (rc == 0)
		rc = put16(w, rr->type);
	if (rc == 0)
		rc = put16(w, rr->rclass);
	if (rc == 0)
		rc = put32(w, rr->ttl);
	size_t rdlen_at = w->len;
	if (rc == 0)
		rc = put16(w, 0);
	if (rc == 0)
		rc = write_rdata(w, rr);
	if (rc == 0 && w->len - rdlen_at - 2 > 0xffff)
		rc = -EMSGSIZE;
	if (rc < 0) {
		w->len = save_len;
		w->ncomp = save_nc;
		return rc;
	}
	tr_store_be16(w->buf + rdlen_at, (uint16_t)(w->len - rdlen_at - 2));
	w->section = (uint8_t)section;
	w->count[section]++;
	return 0;
}

int tr_dns_writer_finish(struct tr_dns_writer *w)
{
	if (w->err)
		return w->err;
	if (w->len > 0xffff)
		return -EMSGSIZE;
	tr_store_be16(w->buf + TR_DNS_OFF_QDCOUNT, w->count[TR_DNS_SEC_QD]);
	tr_store_be16(w->buf + TR_DNS_OFF_ANCOUNT, w->count[TR_DNS_SEC_AN]);
	tr_store_be16(w->buf + TR_DNS_OFF_NSCOUNT, w->count[TR_DNS_SEC_NS]);
	tr_store_be16(w->buf + TR_DNS_OFF_ARCOUNT, w->count[TR_DNS_SEC_AR]);
	return (int)w->len;
}

/* ---- DNS over TCP -------------------------------------------------------- */

int tr_dns_tcp_frame(const uint8_t *buf, size_t len, const uint8_t **msg,
		     size_t *msg_len, const char **why)
{
	if (len < 2) {
		if (why)
			*why = "dns-tcp: length prefix incomplete";
		return -EAGAIN;
	}
	size_t n = tr_load_be16(buf);
	if (n < TR_DNS_HDR_LEN)
		TR__FAIL("dns-tcp: message length < 12");
	if (n > len - 2) {
		if (why)
			*why = "dns-tcp: message incomplete";
		return -EAGAIN;
	}
	*msg = buf + 2;
	*msg_len = n;
	return (int)(n + 2);
}

void tr_dns_stream_init(struct tr_dns_stream *s, uint8_t *buf, size_t cap)
{
	s->buf = buf;
	s->cap = cap;
	s->have = 0;
	s->consumed = 0;
}

int tr_dns_stream_feed(struct tr_dns_stream *s, const uint8_t *data, size_t n)
{
	if (n > s->cap - s->have) {
		/* Compact: drop the messages already handed out. */
		size_t keep = s->have - s->consumed;
		if (n > s->cap - keep)
			return -ENOSPC;
		memmove(s->buf, s->buf + s->consumed, keep);
		s->have = keep;
		s->consumed = 0;
	}
	if (n > (size_t)INT32_MAX)
		return -EINVAL;
	memcpy(s->buf + s->have, data, n);
	s->have += n;
	return (int)n;
}

int tr_dns_stream_next(struct tr_dns_stream *s, const uint8_t **msg, size_t *msg_len,
		       const char **why)
{
	int rc = tr_dns_tcp_frame(s->buf + s->consumed, s->have - s->consumed, msg, msg_len, why);
	if (rc < 0)
		return rc;
	s->consumed += (size_t)rc;
	if (s->consumed == s->have)
		s->consumed = s->have = 0;  /* nothing pending: restart at the front */
	return 1;
}
