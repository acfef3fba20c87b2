/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print_dns.c: DNS messages as text and JSON, for print.c's DNS layer.
 * Every multi-byte read is guarded by a bounds check of the overflow-safe
 * form `off > len || n > len - off` (STYLE.md rule 8).
 */
#include <string.h>

#include <tapring/dns.h>
#include <tapring/wire/dns.h>

#include "print_pvt.h"

/* Raw bytes (TXT strings) on a text line: printable ASCII as is, anything
 * else as a backslash and three octal digits, so hostile data cannot inject
 * control characters into a terminal. */
static void put_text_bytes(struct tool_pout *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c >= 0x20 && c < 0x7f) {
			tool_pout_putc(o, (char)c);
		} else {
			char e[4] = { '\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)),
				      (char)('0' + (c & 7)) };
			tool_pout_put(o, e, 4);
		}
	}
}

/* ---- DNS records ------------------------------------------------------------ */

/*
 * The decoder locates the DNS message; its records are read here with the
 * DNS codec's iterator (<tapring/dns.h>), so the tool and the engine agree
 * on what is malformed. Names arrive as presentation text without the
 * trailing dot (the root is "."), with '.', '\' and bytes outside
 * 0x21..0x7e inside labels escaped dig-style ("\.", "\\", "\DDD").
 */

/* The DNS message the decoder located, checked against caplen once more
 * (the decoder's offsets are 16-bit). */
static int dns_msg_of(const struct tool_print_frame *fr, const struct tr_decoded *d,
		      const uint8_t **p, size_t *len)
{
	size_t off = d->dns.off, n = d->dns.len;
	if (off > fr->caplen || n > fr->caplen - off)
		return 0;
	*p = fr->data + off;
	*len = n;
	return 1;
}

static const char *dns_type_name(uint16_t t)
{
	switch (t) {
	case TR_DNS_T_A: return "A";
	case TR_DNS_T_NS: return "NS";
	case TR_DNS_T_CNAME: return "CNAME";
	case TR_DNS_T_SOA: return "SOA";
	case TR_DNS_T_PTR: return "PTR";
	case TR_DNS_T_MX: return "MX";
	case TR_DNS_T_TXT: return "TXT";
	case TR_DNS_T_AAAA: return "AAAA";
	case TR_DNS_T_SRV: return "SRV";
	case TR_DNS_T_OPT: return "OPT";
	case TR_DNS_T_ANY: return "ANY";
	default: return NULL;
	}
}

static void put_dns_type(struct tool_pout *o, uint16_t t)
{
	const char *n = dns_type_name(t);
	if (n) {
		tool_pout_puts(o, n);
	} else {
		tool_pout_puts(o, "Type");
		tool_pout_u64(o, t);
	}
}

/* A name: JSON mode as the codec wrote it; text mode fully qualified
 * ("web.example.com.", the root "."). */
static void put_name(struct tool_pout *o, const char *s, int text)
{
	tool_pout_puts(o, s);
	if (text && strcmp(s, "."))
		tool_pout_putc(o, '.');
}

/* One record's data as text (JSON mode: the value of "data", escaped by the
 * caller; text mode: tcpdump's order for MX and SRV). */
static void dns_data_text(struct tool_pout *o, const struct tr_dns_rr *rr, int text)
{
	switch (rr->type) {
	case TR_DNS_T_A:
		put_ip4(o, rr->u.a);
		return;
	case TR_DNS_T_AAAA:
		put_ip6(o, rr->u.aaaa);
		return;
	case TR_DNS_T_CNAME:
	case TR_DNS_T_NS:
	case TR_DNS_T_PTR:
		put_name(o, rr->u.target, text);
		return;
	case TR_DNS_T_MX:
		if (text) {              /* tcpdump: "name. pref" */
			put_name(o, rr->u.mx.exchange, text);
			tool_pout_putc(o, ' ');
			tool_pout_u64(o, rr->u.mx.pref);
			return;
		}
		tool_pout_u64(o, rr->u.mx.pref);
		tool_pout_putc(o, ' ');
		put_name(o, rr->u.mx.exchange, text);
		return;
	case TR_DNS_T_SRV:
		if (text) {              /* tcpdump: "target.:port prio weight" */
			put_name(o, rr->u.srv.target, text);
			tool_pout_putc(o, ':');
			tool_pout_u64(o, rr->u.srv.port);
			tool_pout_putc(o, ' ');
			tool_pout_u64(o, rr->u.srv.priority);
			tool_pout_putc(o, ' ');
			tool_pout_u64(o, rr->u.srv.weight);
			return;
		}
		tool_pout_u64(o, rr->u.srv.priority);
		tool_pout_putc(o, ' ');
		tool_pout_u64(o, rr->u.srv.weight);
		tool_pout_putc(o, ' ');
		tool_pout_u64(o, rr->u.srv.port);
		tool_pout_putc(o, ' ');
		put_name(o, rr->u.srv.target, text);
		return;
	case TR_DNS_T_SOA: {
		const uint32_t v[5] = { rr->u.soa.serial, rr->u.soa.refresh, rr->u.soa.retry,
					rr->u.soa.expire, rr->u.soa.minimum };
		put_name(o, rr->u.soa.mname, text);
		tool_pout_putc(o, ' ');
		put_name(o, rr->u.soa.rname, text);
		for (int i = 0; i < 5; i++) {
			tool_pout_putc(o, ' ');
			tool_pout_u64(o, v[i]);
		}
		return;
	}
	case TR_DNS_T_TXT: {
		/* Zone-file style: each character-string quoted, '"' and '\'
		 * backslash-escaped, strings separated by one space. Text mode
		 * also escapes bytes outside printable ASCII. */
		size_t off = 0, len;
		const uint8_t *str;
		int first = 1;
		while (tr_dns_txt_next(rr, &off, &str, &len) == 1) {
			if (!first)
				tool_pout_putc(o, ' ');
			first = 0;
			tool_pout_putc(o, '"');
			for (size_t k = 0; k < len; k++) {
				char c = (char)str[k];
				if (c == '"' || c == '\\')
					tool_pout_putc(o, '\\');
				if (text)
					put_text_bytes(o, &c, 1);
				else
					tool_pout_putc(o, c);
			}
			tool_pout_putc(o, '"');
		}
		return;
	}
	default:
		tool_pout_hex(o, rr->rdata, rr->rdlen);
		return;
	}
}


/* ---- DNS as text ------------------------------------------------------------ */

static const char *dns_rcode_name(unsigned rc)
{
	static const char *const n[] = { NULL, "FormErr", "ServFail", "NXDomain",
					 "NotImp", "Refused" };
	return rc < sizeof(n) / sizeof(n[0]) ? n[rc] : NULL;
}

/* tcpdump-like DNS summary. Returns a reason when the records are
 * malformed/truncated (printed up to that point). */
const char *tool_print_dns_text(struct tool_pout *o, const struct tool_print_frame *fr,
				const struct tr_decoded *d)
{
	const uint8_t *p;
	size_t len;
	const char *why = NULL;
	struct tr_dns_msg m;
	if (!dns_msg_of(fr, d, &p, &len) || tr_dns_parse_header(&m, p, len, &why) < 0) {
		tool_pout_puts(o, "[|domain]");      /* tcpdump's mark for a cut header */
		return why ? why : "dns: message outside the capture";
	}
	const struct tr_dns_header *h = &m.hdr;
	unsigned rc = tr_dns_rcode(h);
	tool_pout_u64(o, h->id);
	if (tr_dns_qr(h)) {
		if (h->flags & TR_DNS_F_AA)
			tool_pout_putc(o, '*');
		if (!(h->flags & TR_DNS_F_RA))
			tool_pout_putc(o, '-');
		if (rc) {
			const char *n = dns_rcode_name(rc);
			tool_pout_putc(o, ' ');
			if (n) {
				tool_pout_puts(o, n);
			} else {
				tool_pout_puts(o, "rcode ");
				tool_pout_u64(o, rc);
			}
		}
	} else if (h->flags & TR_DNS_F_RD) {
		tool_pout_putc(o, '+');
	}
	/* Questions are shown for queries only (responses: counts and
	 * answers), as tcpdump does without -v. */
	struct tr_dns_question q;
	int r;
	while ((r = tr_dns_next_question(&m, &q, &why)) == 1) {
		if (tr_dns_qr(h))
			continue;
		tool_pout_putc(o, ' ');
		put_dns_type(o, q.type);
		tool_pout_puts(o, "? ");
		put_name(o, q.name, 1);
	}
	if (r == 0 && tr_dns_qr(h)) {
		struct tr_dns_rr rr;
		unsigned i = 0;
		tool_pout_putc(o, ' ');
		tool_pout_u64(o, h->ancount);
		tool_pout_putc(o, '/');
		tool_pout_u64(o, h->nscount);
		tool_pout_putc(o, '/');
		tool_pout_u64(o, h->arcount);
		while ((r = tr_dns_next_rr(&m, &rr, &why)) == 1 && rr.section == TR_DNS_SEC_AN) {
			tool_pout_puts(o, i++ ? ", " : " ");
			put_dns_type(o, rr.type);
			if (dns_type_name(rr.type)) {
				tool_pout_putc(o, ' ');
				dns_data_text(o, &rr, 1);
			}
		}
	}
	tool_pout_puts(o, " (");
	tool_pout_u64(o, len);
	tool_pout_putc(o, ')');
	return r < 0 ? (why ? why : "dns: malformed") : NULL;
}

/* ---- DNS as JSON ----------------------------------------------------------------- */

/* Data text of one record as a JSON string: rendered into a stack buffer
 * (names are < 1016 bytes, SOA two names and five numbers) then escaped.
 * TXT and unknown data can reach 2 * 65535 bytes: when the text does not
 * fit, the rdata goes out as hex, which needs no escaping. */
static void json_dns_data(struct tool_pout *o, const struct tr_dns_rr *rr)
{
	char tmp[4096];
	struct tool_pout t;
	tool_pout_buf(&t, tmp, sizeof(tmp));
	dns_data_text(&t, rr, 0);
	if (t.total <= t.cap) {
		tool_pout_json_str(o, tmp, t.len);
		return;
	}
	tool_pout_putc(o, '"');
	tool_pout_hex(o, rr->rdata, rr->rdlen);
	tool_pout_putc(o, '"');
}

const char *tool_print_dns_json(struct tool_pout *o, int *first, const struct tool_print_frame *fr,
				const struct tr_decoded *d)
{
	static const struct jk sect[4] = { JK_INIT("qd"), JK_INIT("an"), JK_INIT("ns"),
					   JK_INIT("ar") };
	const uint8_t *p;
	size_t len;
	const char *why = NULL;
	struct tr_dns_msg m;
	if (!dns_msg_of(fr, d, &p, &len))
		return "dns: message outside the capture";
	if (tr_dns_parse_header(&m, p, len, &why) < 0)
		return why ? why : "dns: malformed header";
	const struct tr_dns_header *h = &m.hdr;
	jkey(o, first, K("dns"));
	int f = 1;
	tool_pout_putc(o, '{');
	jnum(o, &f, K("id"), h->id);
	jbool(o, &f, K("qr"), tr_dns_qr(h));
	jnum(o, &f, K("opcode"), tr_dns_opcode(h));
	jnum(o, &f, K("rcode"), tr_dns_rcode(h));

	struct tr_dns_question q;
	int r, n = 0;
	jkey(o, &f, sect[0]);
	tool_pout_putc(o, '[');
	while ((r = tr_dns_next_question(&m, &q, &why)) == 1) {
		int g = 1;
		if (n++)
			tool_pout_putc(o, ',');
		tool_pout_putc(o, '{');
		jkey(o, &g, K("name"));
		tool_pout_json_str(o, q.name, strlen(q.name));
		jnum(o, &g, K("type"), q.type);
		jnum(o, &g, K("class"), q.qclass);
		tool_pout_putc(o, '}');
	}
	tool_pout_putc(o, ']');

	/* Records arrive in section order; empty sections are skipped by the
	 * iterator, so open and close the arrays as the section advances. */
	unsigned cur = TR_DNS_SEC_AN;
	jkey(o, &f, sect[cur]);
	tool_pout_putc(o, '[');
	n = 0;
	if (r == 0) {
		struct tr_dns_rr rr;
		while ((r = tr_dns_next_rr(&m, &rr, &why)) == 1) {
			while (cur < rr.section && cur < TR_DNS_SEC_AR) {
				tool_pout_putc(o, ']');
				jkey(o, &f, sect[++cur]);
				tool_pout_putc(o, '[');
				n = 0;
			}
			int g = 1;
			if (n++)
				tool_pout_putc(o, ',');
			tool_pout_putc(o, '{');
			jkey(o, &g, K("name"));
			tool_pout_json_str(o, rr.name, strlen(rr.name));
			jnum(o, &g, K("type"), rr.type);
			jnum(o, &g, K("class"), rr.rclass);
			jnum(o, &g, K("ttl"), rr.ttl);
			jkey(o, &g, K("data"));
			json_dns_data(o, &rr);
			tool_pout_putc(o, '}');
		}
	}
	tool_pout_putc(o, ']');
	while (cur < TR_DNS_SEC_AR) {
		jkey(o, &f, sect[++cur]);
		tool_pout_put(o, "[]", 2);
	}
	tool_pout_putc(o, '}');
	return r < 0 ? (why ? why : "dns: malformed") : NULL;
}
