/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print.c: text and JSON renderings of one frame (see print.h).
 *
 * The frame is decoded with tr_decode() into a stack struct; what the
 * decoder does not keep is read back from the frame bytes here, always
 * within caplen: DNS records (through the DNS codec's iterator) and the raw
 * TCP option order for text mode.
 * Every multi-byte read below is guarded by a bounds check of the
 * overflow-safe form `off > len || n > len - off` (STYLE.md rule 8).
 */
#include "print.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tapring/addr.h>
#include <tapring/decode.h>
#include <tapring/dns.h>
#include <tapring/wire/dns.h>
#include <tapring/wire/icmp.h>
#include <tapring/wire/icmp6.h>
#include <tapring/wire/tcp.h>

/* ---- sink ------------------------------------------------------------------ */

void tool_pout_buf(struct tool_pout *o, char *buf, size_t cap)
{
	o->buf = cap ? buf : NULL;
	o->cap = cap ? cap - 1 : 0;
	o->len = 0;
	o->total = 0;
	o->f = NULL;
	o->err = 0;
	if (cap)
		buf[0] = '\0';
}

void tool_pout_file(struct tool_pout *o, FILE *f)
{
	o->buf = o->scratch;
	o->cap = sizeof(o->scratch);
	o->len = 0;
	o->total = 0;
	o->f = f;
	o->err = 0;
}

int tool_pout_flush(struct tool_pout *o)
{
	if (!o->f) {
		if (o->buf)
			o->buf[o->len] = '\0';   /* len <= cap - 1 of the caller's cap */
		return 0;
	}
	if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
	return o->err ? -o->err : 0;
}

void tool_pout_put(struct tool_pout *o, const char *s, size_t n)
{
	o->total += n;
	if (TR_LIKELY(n <= o->cap - o->len)) {   /* the common case: it fits */
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		return;
	}
	while (n) {
		size_t room = o->cap - o->len;
		if (room == 0) {
			if (!o->f)
				return;          /* buffer sink: count only */
			tool_pout_flush(o);
			continue;
		}
		size_t k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void tool_pout_puts(struct tool_pout *o, const char *s)
{
	tool_pout_put(o, s, strlen(s));
}

void tool_pout_putc(struct tool_pout *o, char c)
{
	if (o->len < o->cap) {
		o->buf[o->len++] = c;
		o->total++;
		return;
	}
	tool_pout_put(o, &c, 1);
}

void tool_pout_u64(struct tool_pout *o, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tool_pout_put(o, tmp + i, sizeof(tmp) - i);
}

static const char hexdig[] = "0123456789abcdef";

void tool_pout_json_str(struct tool_pout *o, const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t run = 0;   /* bytes of p[i - run .. i) that need no escaping */
	tool_pout_putc(o, '"');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			continue;
		}
		tool_pout_put(o, (const char *)p + i - run, run);
		run = 0;
		char esc[6] = { '\\', 0, 0, 0, 0, 0 };
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			/* \u00XX: the code point U+00XX stands for byte XX. */
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexdig[c >> 4];
			esc[5] = hexdig[c & 15];
			elen = 6;
			break;
		}
		tool_pout_put(o, esc, elen);
	}
	tool_pout_put(o, (const char *)p + n - run, run);
	tool_pout_putc(o, '"');
}

/* ---- small formatting helpers ---------------------------------------------- */

static void put_hex(struct tool_pout *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hexdig[p[i] >> 4], hexdig[p[i] & 15] };
		tool_pout_put(o, h, 2);
	}
}

static void put_hex16(struct tool_pout *o, uint16_t v)
{
	char h[6] = { '0', 'x', hexdig[(v >> 12) & 15], hexdig[(v >> 8) & 15],
		      hexdig[(v >> 4) & 15], hexdig[v & 15] };
	tool_pout_put(o, h, 6);
}

static void put_mac(struct tool_pout *o, const uint8_t *m)
{
	char s[TR_MAC_STRLEN];
	tool_pout_put(o, s, tr_addr_mac_fmt(m, s));
}

static void put_ip4(struct tool_pout *o, const uint8_t *a)
{
	char s[TR_IPV4_STRLEN];
	tool_pout_put(o, s, tr_addr_ipv4_fmt(a, s));
}

static void put_ip6(struct tool_pout *o, const uint8_t *a)
{
	char s[TR_IPV6_STRLEN];
	tool_pout_put(o, s, tr_addr_ipv6_fmt(a, s));
}

/* JSON helpers. Keys are literals, quoted and measured at compile time:
 * K("eth") is the text `"eth":` and its length. jkey writes it with a
 * leading comma unless it is the first key of its object. */
struct jk {
	const char *s;
	size_t n;
};
#define JK_INIT(lit) { "\"" lit "\":", sizeof("\"" lit "\":") - 1 }
#define K(lit) ((struct jk)JK_INIT(lit))

static void jkey(struct tool_pout *o, int *first, struct jk key)
{
	if (!*first)
		tool_pout_putc(o, ',');
	*first = 0;
	tool_pout_put(o, key.s, key.n);
}

static void jnum(struct tool_pout *o, int *first, struct jk key, uint64_t v)
{
	jkey(o, first, key);
	tool_pout_u64(o, v);
}

static void jbool(struct tool_pout *o, int *first, struct jk key, int v)
{
	jkey(o, first, key);
	tool_pout_puts(o, v ? "true" : "false");
}

/* csum_ok: true/false when verified, null when it could not be (a
 * fragment, or a capture that does not hold the whole datagram). */
static void jcsum(struct tool_pout *o, int *first, int checked, int ok)
{
	jkey(o, first, K("csum_ok"));
	tool_pout_puts(o, !checked ? "null" : ok ? "true" : "false");
}

static void jmac(struct tool_pout *o, int *first, struct jk key, const uint8_t *m)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_mac(o, m);
	tool_pout_putc(o, '"');
}

static void jip4(struct tool_pout *o, int *first, struct jk key, const uint8_t *a)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_ip4(o, a);
	tool_pout_putc(o, '"');
}

static void jip6(struct tool_pout *o, int *first, struct jk key, const uint8_t *a)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_ip6(o, a);
	tool_pout_putc(o, '"');
}

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
		put_hex(o, rr->rdata, rr->rdlen);
		return;
	}
}

/* ---- text renderer ------------------------------------------------------------ */

static void put_ts(struct tool_pout *o, const struct tool_print_frame *fr)
{
	time_t t = (time_t)fr->ts_sec;
	struct tm tm;
	char s[32];
	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	uint32_t us = fr->ts_usec % 1000000u;
	s[0] = (char)('0' + tm.tm_hour / 10);
	s[1] = (char)('0' + tm.tm_hour % 10);
	s[2] = ':';
	s[3] = (char)('0' + tm.tm_min / 10);
	s[4] = (char)('0' + tm.tm_min % 10);
	s[5] = ':';
	s[6] = (char)('0' + tm.tm_sec / 10);
	s[7] = (char)('0' + tm.tm_sec % 10);
	s[8] = '.';
	for (int i = 14; i >= 9; i--) {
		s[i] = (char)('0' + us % 10);
		us /= 10;
	}
	tool_pout_put(o, s, 15);
}

static const char *icmp_unreach_name(uint8_t code)
{
	static const char *const n[] = {
		"net unreachable", "host unreachable", "protocol unreachable",
		"port unreachable", "need to frag", "source route failed",
	};
	return code < sizeof(n) / sizeof(n[0]) ? n[code] : NULL;
}

static void text_icmp(struct tool_pout *o, const struct tr_decoded *d)
{
	const struct tr_icmpv4_repr *r = &d->icmp.r;
	tool_pout_puts(o, "ICMP ");
	switch (r->type) {
	case TR_ICMP_ECHO_REQUEST:
	case TR_ICMP_ECHO_REPLY:
		tool_pout_puts(o, r->type == TR_ICMP_ECHO_REQUEST ? "echo request" : "echo reply");
		tool_pout_puts(o, ", id ");
		tool_pout_u64(o, r->u.echo.id);
		tool_pout_puts(o, ", seq ");
		tool_pout_u64(o, r->u.echo.seq);
		break;
	case TR_ICMP_DEST_UNREACH: {
		const char *n = icmp_unreach_name(r->code);
		/* Port unreachable quoting UDP/TCP: name the port, as tcpdump. */
		size_t qh = r->orig_ip_hlen;
		if (r->code == TR_ICMP_UNREACH_PORT && r->data && qh >= 20 &&
		    !(qh > r->data_len || 4 > r->data_len - qh) &&
		    (r->data[9] == 17 || r->data[9] == 6)) {
			put_ip4(o, r->data + 16);
			tool_pout_puts(o, r->data[9] == 17 ? " udp port " : " tcp port ");
			tool_pout_u64(o, tr_load_be16(r->data + qh + 2));
			tool_pout_puts(o, " unreachable");
			break;
		}
		if (n) {
			tool_pout_puts(o, n);
		} else {
			tool_pout_puts(o, "unreachable code ");
			tool_pout_u64(o, r->code);
		}
		break;
	}
	case TR_ICMP_TIME_EXCEEDED:
		tool_pout_puts(o, r->code == 0 ? "time exceeded in-transit" :
				r->code == 1 ? "ip reassembly time exceeded" : "time exceeded");
		break;
	case TR_ICMP_REDIRECT:
		tool_pout_puts(o, "redirect");
		break;
	case TR_ICMP_PARAM_PROBLEM:
		tool_pout_puts(o, "parameter problem");
		break;
	default:
		tool_pout_puts(o, "type ");
		tool_pout_u64(o, r->type);
		tool_pout_puts(o, ", code ");
		tool_pout_u64(o, r->code);
		break;
	}
	if (d->icmp.csum_checked && !d->icmp.csum_ok)
		tool_pout_puts(o, ", bad cksum");
}

static void text_icmp6(struct tool_pout *o, const struct tr_decoded *d)
{
	const uint8_t *tgt = d->icmp6.target;
	tool_pout_puts(o, "ICMP6, ");
	switch (d->icmp6.type) {
	case TR_ICMP6_ECHO_REQUEST:
	case TR_ICMP6_ECHO_REPLY:
		tool_pout_puts(o, d->icmp6.type == TR_ICMP6_ECHO_REQUEST ? "echo request" : "echo reply");
		tool_pout_puts(o, ", id ");
		tool_pout_u64(o, d->icmp6.rest >> 16);
		tool_pout_puts(o, ", seq ");
		tool_pout_u64(o, d->icmp6.rest & 0xffff);
		break;
	case TR_ICMP6_NEIGH_SOLICIT:
		tool_pout_puts(o, "neighbor solicitation");
		if (tgt) {
			tool_pout_puts(o, ", who has ");
			put_ip6(o, tgt);
		}
		break;
	case TR_ICMP6_NEIGH_ADVERT:
		tool_pout_puts(o, "neighbor advertisement");
		if (tgt) {
			tool_pout_puts(o, ", tgt is ");
			put_ip6(o, tgt);
		}
		break;
	case TR_ICMP6_ROUTER_SOLICIT:
		tool_pout_puts(o, "router solicitation");
		break;
	case TR_ICMP6_ROUTER_ADVERT:
		tool_pout_puts(o, "router advertisement");
		break;
	case TR_ICMP6_REDIRECT:
		tool_pout_puts(o, "redirect");
		if (tgt && d->icmp6.redirect_dst) {
			tool_pout_puts(o, ", ");
			put_ip6(o, d->icmp6.redirect_dst);
			tool_pout_puts(o, " to ");
			put_ip6(o, tgt);
		}
		break;
	case TR_ICMP6_DEST_UNREACH:
		tool_pout_puts(o, "destination unreachable");
		break;
	case TR_ICMP6_PACKET_TOO_BIG:
		tool_pout_puts(o, "packet too big");
		break;
	case TR_ICMP6_TIME_EXCEEDED:
		tool_pout_puts(o, "time exceeded");
		break;
	case TR_ICMP6_PARAM_PROBLEM:
		tool_pout_puts(o, "parameter problem");
		break;
	default:
		tool_pout_puts(o, "type ");
		tool_pout_u64(o, d->icmp6.type);
		tool_pout_puts(o, ", code ");
		tool_pout_u64(o, d->icmp6.code);
		break;
	}
	tool_pout_puts(o, ", length ");
	tool_pout_u64(o, d->icmp6.len);
	if (d->icmp6.csum_checked && !d->icmp6.csum_ok)
		tool_pout_puts(o, ", bad cksum");
}

/* TCP options in wire order, tcpdump style: "mss 1460,nop,wscale 7,...". */
static void text_tcp_opts(struct tool_pout *o, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int first = 1;
	while (i < n) {
		uint8_t kind = p[i];
		if (!first)
			tool_pout_putc(o, ',');
		first = 0;
		if (kind == TR_TCP_OPT_EOL) {
			tool_pout_puts(o, "eol");
			return;
		}
		if (kind == TR_TCP_OPT_NOP) {
			tool_pout_puts(o, "nop");
			i++;
			continue;
		}
		if (1 > n - i - 1 || p[i + 1] < 2 || p[i + 1] > n - i) {
			tool_pout_puts(o, "bad opt");
			return;
		}
		size_t l = p[i + 1];
		const uint8_t *v = p + i + 2;
		if (kind == TR_TCP_OPT_MSS && l == 4) {
			tool_pout_puts(o, "mss ");
			tool_pout_u64(o, tr_load_be16(v));
		} else if (kind == TR_TCP_OPT_WSCALE && l == 3) {
			tool_pout_puts(o, "wscale ");
			tool_pout_u64(o, v[0]);
		} else if (kind == TR_TCP_OPT_SACK_PERM && l == 2) {
			tool_pout_puts(o, "sackOK");
		} else if (kind == TR_TCP_OPT_TS && l == 10) {
			tool_pout_puts(o, "TS val ");
			tool_pout_u64(o, tr_load_be32(v));
			tool_pout_puts(o, " ecr ");
			tool_pout_u64(o, tr_load_be32(v + 4));
		} else if (kind == TR_TCP_OPT_SACK && l >= 10 && (l - 2) % 8 == 0) {
			tool_pout_puts(o, "sack ");
			tool_pout_u64(o, (l - 2) / 8);
			tool_pout_putc(o, ' ');
			for (size_t k = 0; k + 8 <= l - 2; k += 8) {
				tool_pout_putc(o, '{');
				tool_pout_u64(o, tr_load_be32(v + k));
				tool_pout_putc(o, ':');
				tool_pout_u64(o, tr_load_be32(v + k + 4));
				tool_pout_putc(o, '}');
			}
		} else {
			tool_pout_puts(o, "opt-");
			tool_pout_u64(o, kind);
			tool_pout_putc(o, ':');
			put_hex(o, v, l - 2);
		}
		i += l;
	}
}

static void text_tcp(struct tool_pout *o, const struct tool_print_frame *fr, const struct tr_decoded *d)
{
	static const struct { uint16_t bit; char c; } fl[] = {
		{ TR_TCP_FIN, 'F' }, { TR_TCP_SYN, 'S' }, { TR_TCP_RST, 'R' },
		{ TR_TCP_PSH, 'P' }, { TR_TCP_ACK, '.' }, { TR_TCP_URG, 'U' },
		{ TR_TCP_ECE, 'E' }, { TR_TCP_CWR, 'W' }, { TR_TCP_NS, 'N' },
	};
	const struct tr_tcp_repr *r = &d->tcp.r;
	tool_pout_puts(o, "Flags [");
	if (!r->flags)
		tool_pout_puts(o, "none");
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (r->flags & fl[i].bit)
			tool_pout_putc(o, fl[i].c);
	tool_pout_putc(o, ']');
	/* As tcpdump -S: the sequence range when data is carried, the number
	 * alone for SYN/FIN/RST, nothing for a pure ACK. */
	if (r->payload_len) {
		tool_pout_puts(o, ", seq ");
		tool_pout_u64(o, r->seq);
		tool_pout_putc(o, ':');
		tool_pout_u64(o, (uint32_t)(r->seq + (uint32_t)r->payload_len));
	} else if (r->flags & (TR_TCP_SYN | TR_TCP_FIN | TR_TCP_RST)) {
		tool_pout_puts(o, ", seq ");
		tool_pout_u64(o, r->seq);
	}
	if (r->flags & TR_TCP_ACK) {
		tool_pout_puts(o, ", ack ");
		tool_pout_u64(o, r->ack);
	}
	tool_pout_puts(o, ", win ");
	tool_pout_u64(o, r->window);
	size_t optoff = (size_t)d->tcp.off + TR_TCP_HDR_LEN;
	size_t optlen = d->tcp.hdr_len > TR_TCP_HDR_LEN ? d->tcp.hdr_len - TR_TCP_HDR_LEN : 0;
	if (optlen && optoff <= fr->caplen && optlen <= fr->caplen - optoff) {
		tool_pout_puts(o, ", options [");
		text_tcp_opts(o, fr->data + optoff, optlen);
		tool_pout_putc(o, ']');
	}
	if (d->tcp.csum_checked && !d->tcp.csum_ok)
		tool_pout_puts(o, ", bad cksum");
	tool_pout_puts(o, ", length ");
	tool_pout_u64(o, r->payload_len);
}

static const char *dns_rcode_name(unsigned rc)
{
	static const char *const n[] = { NULL, "FormErr", "ServFail", "NXDomain",
					 "NotImp", "Refused" };
	return rc < sizeof(n) / sizeof(n[0]) ? n[rc] : NULL;
}

/* tcpdump-like DNS summary. Returns a reason when the records are
 * malformed/truncated (printed up to that point). */
static const char *text_dns(struct tool_pout *o, const struct tool_print_frame *fr,
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

static void text_ports(struct tool_pout *o, const struct tr_decoded *d, uint16_t sp, uint16_t dp)
{
	if (d->layers & TR_DEC_IPV4) {
		put_ip4(o, d->ipv4.r.src);
		tool_pout_putc(o, '.');
		tool_pout_u64(o, sp);
		tool_pout_puts(o, " > ");
		put_ip4(o, d->ipv4.r.dst);
	} else {
		put_ip6(o, d->ipv6.r.src);
		tool_pout_putc(o, '.');
		tool_pout_u64(o, sp);
		tool_pout_puts(o, " > ");
		put_ip6(o, d->ipv6.r.dst);
	}
	tool_pout_putc(o, '.');
	tool_pout_u64(o, dp);
	tool_pout_puts(o, ": ");
}

static void text_addrs(struct tool_pout *o, const struct tr_decoded *d)
{
	if (d->layers & TR_DEC_IPV4) {
		put_ip4(o, d->ipv4.r.src);
		tool_pout_puts(o, " > ");
		put_ip4(o, d->ipv4.r.dst);
	} else {
		put_ip6(o, d->ipv6.r.src);
		tool_pout_puts(o, " > ");
		put_ip6(o, d->ipv6.r.dst);
	}
	tool_pout_puts(o, ": ");
}

/* ---- link layers (text and JSON) ------------------------------------------ */

static const char *sll_pkttype_name(uint16_t t)
{
	static const char *const n[] = { "In", "B", "M", "P", "Out" };
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : NULL;
}

static void put_padded(struct tool_pout *o, const char *s, size_t width)
{
	size_t n = strlen(s);
	tool_pout_put(o, s, n);
	for (; n < width; n++)
		tool_pout_putc(o, ' ');
}

/* What tcpdump prints before the network layer without -e: nothing,
 * except for SLL2, where it names the interface (as the reading host
 * knows that index, "?" otherwise) and the direction. */
static void text_link_prefix(struct tool_pout *o, const struct tr_decoded *d)
{
	if (!(d->layers & TR_DEC_LINK) || d->link.r.dlt != TR_DLT_LINUX_SLL2)
		return;
	char name[IF_NAMESIZE];
	if (!if_indextoname(d->link.r.ifindex, name))
		strcpy(name, "?");
	put_padded(o, name, 5);
	tool_pout_putc(o, ' ');
	const char *pt = sll_pkttype_name(d->link.r.pkttype);
	if (pt) {
		put_padded(o, pt, 3);
	} else {
		tool_pout_puts(o, "Unknown (");
		tool_pout_u64(o, d->link.r.pkttype);
		tool_pout_putc(o, ')');
	}
	tool_pout_putc(o, ' ');
}

static void put_link_addr(struct tool_pout *o, const struct tr_link_repr *r)
{
	size_t n = r->halen < TR_SLL_ADDR_LEN ? r->halen : TR_SLL_ADDR_LEN;
	for (size_t i = 0; i < n; i++) {
		char h[3] = { hexdig[r->addr[i] >> 4], hexdig[r->addr[i] & 15], ':' };
		tool_pout_put(o, h, i + 1 < n ? 3 : 2);
	}
}

/* A frame whose network layer was not decoded: tcpdump's -e header for
 * the link type (it prints that when it cannot go further), then the
 * length; raw bytes in hex for a link type we do not decode. */
static void text_link_rest(struct tool_pout *o, const struct tool_print_frame *fr,
			   const struct tr_decoded *d)
{
	if (d->layers & TR_DEC_ETH) {
		uint16_t t = d->eth.r.ethertype;
		if (t == 0x0800 || t == 0x86dd || t == 0x0806)
			tool_pout_puts(o, t == 0x0800 ? "IP" : t == 0x86dd ? "IP6" : "ARP");
		else {
			tool_pout_puts(o, "ethertype ");
			put_hex16(o, t);
		}
		tool_pout_puts(o, ", length ");
		tool_pout_u64(o, fr->wirelen);
		return;
	}
	if (d->layers & TR_DEC_LINK) {
		const struct tr_link_repr *r = &d->link.r;
		if (r->dlt == TR_DLT_LINUX_SLL || r->dlt == TR_DLT_LINUX_SLL2) {
			if (r->dlt == TR_DLT_LINUX_SLL) {
				const char *pt = sll_pkttype_name(r->pkttype);
				if (pt)
					tool_pout_puts(o, pt);
				tool_pout_putc(o, ' ');
			}
			put_link_addr(o, r);
			tool_pout_puts(o, " proto ");
			put_hex16(o, r->dlt == TR_DLT_LINUX_SLL ? tr_load_be16(fr->data + TR_SLL_OFF_PROTO)
								 : tr_load_be16(fr->data + TR_SLL2_OFF_PROTO));
		} else if (r->dlt == TR_DLT_NULL || r->dlt == TR_DLT_LOOP) {
			tool_pout_puts(o, "AF ");
			tool_pout_u64(o, r->family);
		} else {
			tool_pout_puts(o, "raw");
		}
		tool_pout_puts(o, ", length ");
		tool_pout_u64(o, fr->wirelen);
		return;
	}
	if (!tr_link_supported(d->dlt)) {
		tool_pout_puts(o, "link-type ");
		tool_pout_u64(o, d->dlt);
		tool_pout_puts(o, ", length ");
		tool_pout_u64(o, fr->wirelen);
		tool_pout_puts(o, ": ");
		put_hex(o, fr->data, fr->caplen);
		return;
	}
	tool_pout_puts(o, "frame, length ");
	tool_pout_u64(o, fr->wirelen);
}

/* "link" (every frame), then Ethernet's "eth" and "vlan" or the cooked
 * header's "sll" inside "link"; a link type we do not decode adds the
 * frame as "raw" hex. */
static void json_link(struct tool_pout *o, int *f, const struct tool_print_frame *fr,
		      const struct tr_decoded *d)
{
	int g = 1;
	jkey(o, f, K("link"));
	tool_pout_putc(o, '{');
	jnum(o, &g, K("type"), d->dlt);
	if (d->layers & TR_DEC_LINK) {
		const struct tr_link_repr *r = &d->link.r;
		if (r->dlt == TR_DLT_LINUX_SLL || r->dlt == TR_DLT_LINUX_SLL2) {
			int h = 1;
			jkey(o, &g, K("sll"));
			tool_pout_putc(o, '{');
			jnum(o, &h, K("pkttype"), r->pkttype);
			jnum(o, &h, K("hatype"), r->hatype);
			jkey(o, &h, K("addr"));
			tool_pout_putc(o, '"');
			put_link_addr(o, r);
			tool_pout_putc(o, '"');
			jnum(o, &h, K("proto"), r->dlt == TR_DLT_LINUX_SLL
					? tr_load_be16(fr->data + TR_SLL_OFF_PROTO)
					: tr_load_be16(fr->data + TR_SLL2_OFF_PROTO));
			if (r->dlt == TR_DLT_LINUX_SLL2)
				jnum(o, &h, K("ifindex"), r->ifindex);
			tool_pout_putc(o, '}');
		} else if (r->dlt == TR_DLT_NULL || r->dlt == TR_DLT_LOOP) {
			jnum(o, &g, K("family"), r->family);
		}
	}
	tool_pout_putc(o, '}');
	if (!(d->layers & (TR_DEC_ETH | TR_DEC_LINK)) && !tr_link_supported(d->dlt)) {
		jkey(o, f, K("raw"));
		tool_pout_putc(o, '"');
		put_hex(o, fr->data, fr->caplen);
		tool_pout_putc(o, '"');
		return;
	}
	if (!(d->layers & TR_DEC_ETH))
		return;
	const struct tr_eth_repr *e = &d->eth.r;
	g = 1;
	jkey(o, f, K("eth"));
	tool_pout_putc(o, '{');
	jmac(o, &g, K("src"), e->src);
	jmac(o, &g, K("dst"), e->dst);
	jnum(o, &g, K("type"), e->n_vlan ? e->vlan[0].tpid : e->ethertype);
	tool_pout_putc(o, '}');
	if (e->n_vlan) {
		jkey(o, f, K("vlan"));
		tool_pout_putc(o, '[');
		for (unsigned i = 0; i < e->n_vlan && i < TR_ETH_MAX_VLAN; i++) {
			const struct tr_vlan_tag *t = &e->vlan[i];
			int h = 1;
			if (i)
				tool_pout_putc(o, ',');
			tool_pout_putc(o, '{');
			jnum(o, &h, K("vid"), t->vid);
			jnum(o, &h, K("pcp"), t->pcp);
			jnum(o, &h, K("dei"), t->dei);
			jnum(o, &h, K("type"), t->inner_type);
			tool_pout_putc(o, '}');
		}
		tool_pout_putc(o, ']');
	}
}

static void print_text(struct tool_pout *o, const struct tool_print_frame *fr, const struct tr_decoded *d)
{
	const char *why = (d->layers & TR_DEC_ERROR) ? d->error : NULL;
	put_ts(o, fr);
	tool_pout_putc(o, ' ');
	text_link_prefix(o, d);
	if (d->layers & TR_DEC_ETH) {
		for (unsigned i = 0; i < d->eth.r.n_vlan && i < TR_ETH_MAX_VLAN; i++) {
			tool_pout_puts(o, "vlan ");
			tool_pout_u64(o, d->eth.r.vlan[i].vid);
			tool_pout_puts(o, ", ");
		}
	}
	if (d->layers & TR_DEC_ARP) {
		const struct tr_arp_repr *a = &d->arp.r;
		tool_pout_puts(o, "ARP, ");
		if (a->op == 1) {
			tool_pout_puts(o, "Request who-has ");
			put_ip4(o, a->tpa);
			tool_pout_puts(o, " tell ");
			put_ip4(o, a->spa);
		} else if (a->op == 2) {
			tool_pout_puts(o, "Reply ");
			put_ip4(o, a->spa);
			tool_pout_puts(o, " is-at ");
			put_mac(o, a->sha);
		} else {
			tool_pout_puts(o, "op ");
			tool_pout_u64(o, a->op);
		}
		tool_pout_puts(o, ", length 28");
	} else if (d->layers & (TR_DEC_IPV4 | TR_DEC_IPV6)) {
		int v4 = (d->layers & TR_DEC_IPV4) != 0;
		tool_pout_puts(o, v4 ? "IP " : "IP6 ");
		if (d->layers & TR_DEC_UDP) {
			text_ports(o, d, d->udp.r.src_port, d->udp.r.dst_port);
			if (d->layers & TR_DEC_DNS) {
				const char *dwhy = text_dns(o, fr, d);
				if (!why)
					why = dwhy;
			} else {
				tool_pout_puts(o, "UDP, length ");
				tool_pout_u64(o, d->udp.len >= 8 ? d->udp.len - 8u : 0);
			}
			if (d->udp.csum_checked && !d->udp.csum_ok)
				tool_pout_puts(o, ", bad udp cksum");
		} else if (d->layers & TR_DEC_TCP) {
			text_ports(o, d, d->tcp.r.src_port, d->tcp.r.dst_port);
			text_tcp(o, fr, d);
		} else if (d->layers & TR_DEC_ICMP) {
			text_addrs(o, d);
			text_icmp(o, d);
			tool_pout_puts(o, ", length ");
			tool_pout_u64(o, v4 ? d->ipv4.r.payload_len : 0);
		} else if (d->layers & TR_DEC_ICMP6) {
			text_addrs(o, d);
			text_icmp6(o, d);
		} else {
			text_addrs(o, d);
			uint8_t proto = v4 ? d->ipv4.r.proto : d->ipv6.r.upper;
			if (d->layers & TR_DEC_FRAG) {
				tool_pout_puts(o, "frag id ");
				tool_pout_u64(o, v4 ? d->ipv4.r.id : d->ipv6.r.frag_id);
				tool_pout_puts(o, ", offset ");
				tool_pout_u64(o, v4 ? d->ipv4.r.frag_off : d->ipv6.r.frag_off);
				tool_pout_puts(o, ", ");
			}
			tool_pout_puts(o, "ip-proto-");
			tool_pout_u64(o, proto);
		}
		if (v4 && !d->ipv4.r.csum_ok)
			tool_pout_puts(o, ", bad ip cksum");
		if (v4) {
			if (d->ipv4.r.mf)
				tool_pout_puts(o, " [MF]");
		}
	} else {
		text_link_rest(o, fr, d);
	}
	if (why) {
		tool_pout_puts(o, " [malformed: ");
		tool_pout_puts(o, why);
		tool_pout_putc(o, ']');
	}
	tool_pout_putc(o, '\n');
}

/* ---- JSON renderer --------------------------------------------------------------- */

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
	put_hex(o, rr->rdata, rr->rdlen);
	tool_pout_putc(o, '"');
}

static const char *json_dns(struct tool_pout *o, int *first, const struct tool_print_frame *fr,
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

static void print_json(struct tool_pout *o, const struct tool_print_frame *fr, const struct tr_decoded *d)
{
	int f = 1;
	const char *why = (d->layers & TR_DEC_ERROR) ? d->error : NULL;
	tool_pout_putc(o, '{');
	jnum(o, &f, K("frame"), fr->index);
	/* "ts": seconds with six decimals, written as a JSON number. */
	jkey(o, &f, K("ts"));
	if (fr->ts_sec < 0) {
		tool_pout_putc(o, '-');
		tool_pout_u64(o, (uint64_t)(-(fr->ts_sec + 1)) + 1);
	} else {
		tool_pout_u64(o, (uint64_t)fr->ts_sec);
	}
	{
		char us[7];
		uint32_t v = fr->ts_usec % 1000000u;
		us[0] = '.';
		for (int i = 6; i >= 1; i--) {
			us[i] = (char)('0' + v % 10);
			v /= 10;
		}
		tool_pout_put(o, us, 7);
	}
	jnum(o, &f, K("len"), fr->wirelen);
	jnum(o, &f, K("caplen"), fr->caplen);

	json_link(o, &f, fr, d);
	if (d->layers & TR_DEC_ARP) {
		const struct tr_arp_repr *a = &d->arp.r;
		int g = 1;
		jkey(o, &f, K("arp"));
		tool_pout_putc(o, '{');
		jnum(o, &g, K("op"), a->op);
		jmac(o, &g, K("sha"), a->sha);
		jip4(o, &g, K("spa"), a->spa);
		jmac(o, &g, K("tha"), a->tha);
		jip4(o, &g, K("tpa"), a->tpa);
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_IPV4) {
		const struct tr_ipv4_repr *r = &d->ipv4.r;
		int g = 1;
		jkey(o, &f, K("ipv4"));
		tool_pout_putc(o, '{');
		jip4(o, &g, K("src"), r->src);
		jip4(o, &g, K("dst"), r->dst);
		jnum(o, &g, K("ttl"), r->ttl);
		jnum(o, &g, K("proto"), r->proto);
		jnum(o, &g, K("id"), r->id);
		jnum(o, &g, K("len"), r->total_len);
		jbool(o, &g, K("df"), r->df);
		jbool(o, &g, K("mf"), r->mf);
		jnum(o, &g, K("frag_off"), r->frag_off);
		jbool(o, &g, K("csum_ok"), r->csum_ok);
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_IPV6) {
		const struct tr_ipv6_repr *r = &d->ipv6.r;
		int g = 1;
		jkey(o, &f, K("ipv6"));
		tool_pout_putc(o, '{');
		jip6(o, &g, K("src"), r->src);
		jip6(o, &g, K("dst"), r->dst);
		jnum(o, &g, K("hlim"), r->hop_limit);
		jnum(o, &g, K("plen"), r->payload_len);
		jnum(o, &g, K("next"), r->upper);
		jkey(o, &g, K("ext"));
		tool_pout_putc(o, '[');
		for (unsigned i = 0; i < r->n_ext && i < TR_IPV6_MAX_EXT; i++) {
			if (i)
				tool_pout_putc(o, ',');
			tool_pout_u64(o, r->ext[i]);
		}
		tool_pout_put(o, "]}", 2);
	}
	if (d->layers & TR_DEC_ICMP) {
		const struct tr_icmpv4_repr *r = &d->icmp.r;
		int g = 1;
		jkey(o, &f, K("icmp"));
		tool_pout_putc(o, '{');
		jnum(o, &g, K("type"), r->type);
		jnum(o, &g, K("code"), r->code);
		jcsum(o, &g, d->icmp.csum_checked, d->icmp.csum_ok);
		if (r->type == TR_ICMP_ECHO_REQUEST || r->type == TR_ICMP_ECHO_REPLY) {
			jnum(o, &g, K("id"), r->u.echo.id);
			jnum(o, &g, K("seq"), r->u.echo.seq);
		}
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_ICMP6) {
		int g = 1;
		uint8_t t = d->icmp6.type;
		jkey(o, &f, K("icmp6"));
		tool_pout_putc(o, '{');
		jnum(o, &g, K("type"), t);
		jnum(o, &g, K("code"), d->icmp6.code);
		jcsum(o, &g, d->icmp6.csum_checked, d->icmp6.csum_ok);
		if (t == TR_ICMP6_ECHO_REQUEST || t == TR_ICMP6_ECHO_REPLY) {
			jnum(o, &g, K("id"), d->icmp6.rest >> 16);
			jnum(o, &g, K("seq"), d->icmp6.rest & 0xffff);
		}
		if (d->icmp6.target)
			jip6(o, &g, K("target"), d->icmp6.target);
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_UDP) {
		int g = 1;
		jkey(o, &f, K("udp"));
		tool_pout_putc(o, '{');
		jnum(o, &g, K("sport"), d->udp.r.src_port);
		jnum(o, &g, K("dport"), d->udp.r.dst_port);
		jnum(o, &g, K("len"), d->udp.len);
		jcsum(o, &g, d->udp.csum_checked, d->udp.csum_ok);
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_TCP) {
		const struct tr_tcp_repr *r = &d->tcp.r;
		const struct tr_tcp_opts *op = &r->opts;
		int g = 1;
		jkey(o, &f, K("tcp"));
		tool_pout_putc(o, '{');
		jnum(o, &g, K("sport"), r->src_port);
		jnum(o, &g, K("dport"), r->dst_port);
		jnum(o, &g, K("seq"), r->seq);
		jnum(o, &g, K("ack"), r->ack);
		jnum(o, &g, K("flags"), r->flags);
		jnum(o, &g, K("win"), r->window);
		jcsum(o, &g, d->tcp.csum_checked, d->tcp.csum_ok);
		if (op->present & TR_TCP_HAS_MSS)
			jnum(o, &g, K("mss"), op->mss);
		if (op->present & TR_TCP_HAS_WSCALE)
			jnum(o, &g, K("wscale"), op->wscale);
		if (op->present & TR_TCP_HAS_SACK_PERM)
			jbool(o, &g, K("sack_ok"), 1);
		if (op->present & TR_TCP_HAS_TS) {
			jkey(o, &g, K("ts"));
			tool_pout_putc(o, '[');
			tool_pout_u64(o, op->ts_val);
			tool_pout_putc(o, ',');
			tool_pout_u64(o, op->ts_ecr);
			tool_pout_putc(o, ']');
		}
		if (op->present & TR_TCP_HAS_SACK) {
			jkey(o, &g, K("sack"));
			tool_pout_putc(o, '[');
			for (unsigned i = 0; i < op->sack_count && i < TR_TCP_SACK_MAX; i++) {
				if (i)
					tool_pout_putc(o, ',');
				tool_pout_putc(o, '[');
				tool_pout_u64(o, op->sack[i].left);
				tool_pout_putc(o, ',');
				tool_pout_u64(o, op->sack[i].right);
				tool_pout_putc(o, ']');
			}
			tool_pout_putc(o, ']');
		}
		tool_pout_putc(o, '}');
	}
	if (d->layers & TR_DEC_DNS) {
		const char *dwhy = json_dns(o, &f, fr, d);
		if (!why)
			why = dwhy;
	}
	if (why) {
		jkey(o, &f, K("error"));
		tool_pout_json_str(o, why, strlen(why));
	}
	tool_pout_put(o, "}\n", 2);
}

/* ---- entry points -------------------------------------------------------------------- */

void tool_print_frame(struct tool_pout *o, enum tool_print_fmt fmt, const struct tool_print_frame *fr)
{
	struct tr_decoded d;
	size_t wire = fr->wirelen >= fr->caplen ? fr->wirelen : fr->caplen;
	tr_decode_link(fr->dlt, fr->data, fr->caplen, wire, &d);
	if (fmt == TOOL_PRINT_JSON)
		print_json(o, fr, &d);
	else
		print_text(o, fr, &d);
}

int tool_print_frame_file(FILE *f, enum tool_print_fmt fmt, const struct tool_print_frame *fr)
{
	struct tool_pout o;
	tool_pout_file(&o, f);
	tool_print_frame(&o, fmt, fr);
	return tool_pout_flush(&o);
}

size_t tool_print_frame_buf(char *buf, size_t cap, enum tool_print_fmt fmt,
			  const struct tool_print_frame *fr)
{
	struct tool_pout o;
	tool_pout_buf(&o, buf, cap);
	tool_print_frame(&o, fmt, fr);
	tool_pout_flush(&o);
	return o.total;
}
