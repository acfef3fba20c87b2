/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print.c: text and JSON renderings of one frame (see print.h), driven
 * by one table of layers (layers[] below) in which each layer renders
 * itself in both formats; link types have a table of their own
 * (link_printers[]). The sink and escaping are in pout.c.
 *
 * The frame is decoded with tr_decode() into a stack struct; what the
 * decoder does not keep is read back from the frame bytes, always within
 * caplen: the raw TCP option order for text mode here, DNS records
 * (through the DNS codec's iterator) in print_dns.c.
 * Every multi-byte read below is guarded by a bounds check of the
 * overflow-safe form `off > len || n > len - off` (STYLE.md rule 8).
 */
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <tapring/wire/icmp.h>
#include <tapring/wire/icmp6.h>
#include <tapring/wire/tcp.h>

#include "print_pvt.h"

/* One frame being printed. */
struct pctx {
	struct tool_pout *o;
	const struct tool_print_frame *fr;
	const struct tr_decoded *d;
	const char *why;          /* reason printed at the end of the line, or NULL */
	int first;                /* JSON: no member of the frame's object written yet */
};

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
			tool_pout_hex(o, v, l - 2);
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

/* ---- link types ------------------------------------------------------------- */

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

static void put_link_addr(struct tool_pout *o, const struct tr_link_repr *r)
{
	size_t n = r->halen < TR_SLL_ADDR_LEN ? r->halen : TR_SLL_ADDR_LEN;
	for (size_t i = 0; i < n; i++) {
		tool_pout_hex(o, r->addr + i, 1);
		if (i + 1 < n)
			tool_pout_putc(o, ':');
	}
}

/* The protocol field of a cooked header, as captured. */
static uint16_t sll_proto_of(const struct pctx *c)
{
	return tr_load_be16(c->fr->data + (c->d->link.r.dlt == TR_DLT_LINUX_SLL ? TR_SLL_OFF_PROTO
									    : TR_SLL2_OFF_PROTO));
}

/* SLL2, before the network layer: tcpdump (without -e) names the
 * interface (as the reading host knows that index, "?" otherwise) and the
 * direction. */
static void sll2_text_head(struct pctx *c)
{
	const struct tr_link_repr *r = &c->d->link.r;
	char name[IF_NAMESIZE];
	if (!if_indextoname(r->ifindex, name))
		strcpy(name, "?");
	put_padded(c->o, name, 5);
	tool_pout_putc(c->o, ' ');
	const char *pt = sll_pkttype_name(r->pkttype);
	if (pt) {
		put_padded(c->o, pt, 3);
	} else {
		tool_pout_puts(c->o, "Unknown (");
		tool_pout_u64(c->o, r->pkttype);
		tool_pout_putc(c->o, ')');
	}
	tool_pout_putc(c->o, ' ');
}

/* SLL and SLL2 whose network layer was not decoded: tcpdump's -e header
 * (it prints that when it cannot go further). */
static void sll_text_leaf(struct pctx *c)
{
	const struct tr_link_repr *r = &c->d->link.r;
	if (r->dlt == TR_DLT_LINUX_SLL) {
		const char *pt = sll_pkttype_name(r->pkttype);
		if (pt)
			tool_pout_puts(c->o, pt);
		tool_pout_putc(c->o, ' ');
	}
	put_link_addr(c->o, r);
	tool_pout_puts(c->o, " proto ");
	tool_pout_hex16(c->o, sll_proto_of(c));
}

static void sll_json(struct pctx *c, int *g)
{
	const struct tr_link_repr *r = &c->d->link.r;
	struct tool_pout *o = c->o;
	int h = 1;
	jkey(o, g, K("sll"));
	tool_pout_putc(o, '{');
	jnum(o, &h, K("pkttype"), r->pkttype);
	jnum(o, &h, K("hatype"), r->hatype);
	jkey(o, &h, K("addr"));
	tool_pout_putc(o, '"');
	put_link_addr(o, r);
	tool_pout_putc(o, '"');
	jnum(o, &h, K("proto"), sll_proto_of(c));
	if (r->dlt == TR_DLT_LINUX_SLL2)
		jnum(o, &h, K("ifindex"), r->ifindex);
	tool_pout_putc(o, '}');
}

static void null_text_leaf(struct pctx *c)
{
	tool_pout_puts(c->o, "AF ");
	tool_pout_u64(c->o, c->d->link.r.family);
}

static void null_json(struct pctx *c, int *g)
{
	jnum(c->o, g, K("family"), c->d->link.r.family);
}

static void raw_text_leaf(struct pctx *c)
{
	tool_pout_puts(c->o, "raw");
}

/*
 * One row per non-Ethernet link type the decoder knows (TR_DEC_LINK): what
 * its text shows before the network layer, what it shows when the network
 * layer was not decoded (then ", length N" follows), and its members inside
 * the JSON "link" object. A new link type is one row here. Types without a
 * row print as raw IP does.
 */
static const struct link_printer {
	uint32_t dlt;
	void (*text_head)(struct pctx *c);
	void (*text_leaf)(struct pctx *c);
	void (*json)(struct pctx *c, int *g);
} link_printers[] = {
	{ TR_DLT_LINUX_SLL, NULL, sll_text_leaf, sll_json },
	{ TR_DLT_LINUX_SLL2, sll2_text_head, sll_text_leaf, sll_json },
	{ TR_DLT_NULL, NULL, null_text_leaf, null_json },
	{ TR_DLT_LOOP, NULL, null_text_leaf, null_json },
};

static const struct link_printer link_printer_raw = { 0, NULL, raw_text_leaf, NULL };

static const struct link_printer *link_printer_of(uint32_t dlt)
{
	for (size_t i = 0; i < sizeof(link_printers) / sizeof(link_printers[0]); i++)
		if (link_printers[i].dlt == dlt)
			return &link_printers[i];
	return &link_printer_raw;
}

/* ---- layers --------------------------------------------------------------------- */

/*
 * Each layer below renders itself in both formats. The text line nests as
 * the frame does: every present layer writes its head, outermost first;
 * the innermost present layer writes its leaf (the summary tcpdump shows
 * for it); then every present layer writes its tail, innermost first. JSON
 * is one member per present layer, in frame order.
 */

/* "link": every frame. Its type, the cooked header's fields, and for a
 * type we do not decode the frame as "raw" hex. */
static void link_json(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("link"));
	tool_pout_putc(o, '{');
	jnum(o, &g, K("type"), d->dlt);
	if (d->layers & TR_DEC_LINK) {
		const struct link_printer *lp = link_printer_of(d->link.r.dlt);
		if (lp->json)
			lp->json(c, &g);
	}
	tool_pout_putc(o, '}');
	if (!(d->layers & (TR_DEC_ETH | TR_DEC_LINK)) && !tr_link_supported(d->dlt)) {
		jkey(o, &c->first, K("raw"));
		tool_pout_putc(o, '"');
		tool_pout_hex(o, c->fr->data, c->fr->caplen);
		tool_pout_putc(o, '"');
	}
}

static void link_text_head(struct pctx *c)
{
	if (c->d->layers & TR_DEC_LINK) {
		const struct link_printer *lp = link_printer_of(c->d->link.r.dlt);
		if (lp->text_head)
			lp->text_head(c);
	}
}

/* Nothing above the link layer decoded: the cooked header, or for a type
 * we do not decode the raw bytes in hex, or (a frame too short for its
 * link header) just the length. */
static void link_text_leaf(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	struct tool_pout *o = c->o;
	if (d->layers & TR_DEC_LINK) {
		link_printer_of(d->link.r.dlt)->text_leaf(c);
		tool_pout_puts(o, ", length ");
		tool_pout_u64(o, c->fr->wirelen);
		return;
	}
	if (!tr_link_supported(d->dlt)) {
		tool_pout_puts(o, "link-type ");
		tool_pout_u64(o, d->dlt);
		tool_pout_puts(o, ", length ");
		tool_pout_u64(o, c->fr->wirelen);
		tool_pout_puts(o, ": ");
		tool_pout_hex(o, c->fr->data, c->fr->caplen);
		return;
	}
	tool_pout_puts(o, "frame, length ");
	tool_pout_u64(o, c->fr->wirelen);
}

/* "eth" and "vlan". */
static void eth_json(struct pctx *c)
{
	const struct tr_eth_repr *e = &c->d->eth.r;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("eth"));
	tool_pout_putc(o, '{');
	jmac(o, &g, K("src"), e->src);
	jmac(o, &g, K("dst"), e->dst);
	jnum(o, &g, K("type"), e->n_vlan ? e->vlan[0].tpid : e->ethertype);
	tool_pout_putc(o, '}');
	if (!e->n_vlan)
		return;
	jkey(o, &c->first, K("vlan"));
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

/* tcpdump without -e shows only the tags. */
static void eth_text_head(struct pctx *c)
{
	const struct tr_eth_repr *e = &c->d->eth.r;
	for (unsigned i = 0; i < e->n_vlan && i < TR_ETH_MAX_VLAN; i++) {
		tool_pout_puts(c->o, "vlan ");
		tool_pout_u64(c->o, e->vlan[i].vid);
		tool_pout_puts(c->o, ", ");
	}
}

/* Nothing above Ethernet decoded: its type and the length. */
static void eth_text_leaf(struct pctx *c)
{
	struct tool_pout *o = c->o;
	uint16_t t = c->d->eth.r.ethertype;
	if (t == 0x0800 || t == 0x86dd || t == 0x0806) {
		tool_pout_puts(o, t == 0x0800 ? "IP" : t == 0x86dd ? "IP6" : "ARP");
	} else {
		tool_pout_puts(o, "ethertype ");
		tool_pout_hex16(o, t);
	}
	tool_pout_puts(o, ", length ");
	tool_pout_u64(o, c->fr->wirelen);
}

static void arp_json(struct pctx *c)
{
	const struct tr_arp_repr *a = &c->d->arp.r;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("arp"));
	tool_pout_putc(o, '{');
	jnum(o, &g, K("op"), a->op);
	jmac(o, &g, K("sha"), a->sha);
	jip4(o, &g, K("spa"), a->spa);
	jmac(o, &g, K("tha"), a->tha);
	jip4(o, &g, K("tpa"), a->tpa);
	tool_pout_putc(o, '}');
}

static void arp_text_leaf(struct pctx *c)
{
	const struct tr_arp_repr *a = &c->d->arp.r;
	struct tool_pout *o = c->o;
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
}

static void ipv4_json(struct pctx *c)
{
	const struct tr_ipv4_repr *r = &c->d->ipv4.r;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("ipv4"));
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

static void ipv4_text_head(struct pctx *c)
{
	tool_pout_puts(c->o, "IP ");
}

static void ipv4_text_tail(struct pctx *c)
{
	if (!c->d->ipv4.r.csum_ok)
		tool_pout_puts(c->o, ", bad ip cksum");
	if (c->d->ipv4.r.mf)
		tool_pout_puts(c->o, " [MF]");
}

/* IPv4 or IPv6 with no upper layer decoded: addresses, the fragment, the
 * protocol number. */
static void ip_text_leaf(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	struct tool_pout *o = c->o;
	int v4 = (d->layers & TR_DEC_IPV4) != 0;
	text_addrs(o, d);
	if (d->layers & TR_DEC_FRAG) {
		tool_pout_puts(o, "frag id ");
		tool_pout_u64(o, v4 ? d->ipv4.r.id : d->ipv6.r.frag_id);
		tool_pout_puts(o, ", offset ");
		tool_pout_u64(o, v4 ? d->ipv4.r.frag_off : d->ipv6.r.frag_off);
		tool_pout_puts(o, ", ");
	}
	tool_pout_puts(o, "ip-proto-");
	tool_pout_u64(o, v4 ? d->ipv4.r.proto : d->ipv6.r.upper);
}

static void ipv6_json(struct pctx *c)
{
	const struct tr_ipv6_repr *r = &c->d->ipv6.r;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("ipv6"));
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

static void ipv6_text_head(struct pctx *c)
{
	tool_pout_puts(c->o, "IP6 ");
}

static void icmp_json(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	const struct tr_icmpv4_repr *r = &d->icmp.r;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("icmp"));
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

static void icmp_text_leaf(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	text_addrs(c->o, d);
	text_icmp(c->o, d);
	tool_pout_puts(c->o, ", length ");
	tool_pout_u64(c->o, (d->layers & TR_DEC_IPV4) ? d->ipv4.r.payload_len : 0);
}

static void icmp6_json(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	struct tool_pout *o = c->o;
	int g = 1;
	uint8_t t = d->icmp6.type;
	jkey(o, &c->first, K("icmp6"));
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

static void icmp6_text_leaf(struct pctx *c)
{
	text_addrs(c->o, c->d);
	text_icmp6(c->o, c->d);
}

static void udp_json(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("udp"));
	tool_pout_putc(o, '{');
	jnum(o, &g, K("sport"), d->udp.r.src_port);
	jnum(o, &g, K("dport"), d->udp.r.dst_port);
	jnum(o, &g, K("len"), d->udp.len);
	jcsum(o, &g, d->udp.csum_checked, d->udp.csum_ok);
	tool_pout_putc(o, '}');
}

static void udp_text_head(struct pctx *c)
{
	text_ports(c->o, c->d, c->d->udp.r.src_port, c->d->udp.r.dst_port);
}

static void udp_text_leaf(struct pctx *c)
{
	tool_pout_puts(c->o, "UDP, length ");
	tool_pout_u64(c->o, c->d->udp.len >= 8 ? c->d->udp.len - 8u : 0);
}

static void udp_text_tail(struct pctx *c)
{
	if (c->d->udp.csum_checked && !c->d->udp.csum_ok)
		tool_pout_puts(c->o, ", bad udp cksum");
}

static void tcp_json(struct pctx *c)
{
	const struct tr_decoded *d = c->d;
	const struct tr_tcp_repr *r = &d->tcp.r;
	const struct tr_tcp_opts *op = &r->opts;
	struct tool_pout *o = c->o;
	int g = 1;
	jkey(o, &c->first, K("tcp"));
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

static void tcp_text_leaf(struct pctx *c)
{
	text_ports(c->o, c->d, c->d->tcp.r.src_port, c->d->tcp.r.dst_port);
	text_tcp(c->o, c->fr, c->d);
}

/* DNS: a records walk that may fail; its reason is reported when the
 * decoder had none. */
static void dns_json(struct pctx *c)
{
	const char *why = tool_print_dns_json(c->o, &c->first, c->fr, c->d);
	if (!c->why)
		c->why = why;
}

static void dns_text_leaf(struct pctx *c)
{
	const char *why = tool_print_dns_text(c->o, c->fr, c->d);
	if (!c->why)
		c->why = why;
}

/*
 * The layers in frame order. bit 0: every frame. A new layer (a protocol
 * the decoder learns, with its TR_DEC_* bit) is one row here; a new link
 * type is a row in link_printers[].
 */
static const struct layer {
	uint32_t bit;
	void (*json)(struct pctx *c);
	void (*text_head)(struct pctx *c);
	void (*text_leaf)(struct pctx *c);
	void (*text_tail)(struct pctx *c);
} layers[] = {
	{ 0, link_json, link_text_head, link_text_leaf, NULL },
	{ TR_DEC_ETH, eth_json, eth_text_head, eth_text_leaf, NULL },
	{ TR_DEC_ARP, arp_json, NULL, arp_text_leaf, NULL },
	{ TR_DEC_IPV4, ipv4_json, ipv4_text_head, ip_text_leaf, ipv4_text_tail },
	{ TR_DEC_IPV6, ipv6_json, ipv6_text_head, ip_text_leaf, NULL },
	{ TR_DEC_ICMP, icmp_json, NULL, icmp_text_leaf, NULL },
	{ TR_DEC_ICMP6, icmp6_json, NULL, icmp6_text_leaf, NULL },
	{ TR_DEC_UDP, udp_json, udp_text_head, udp_text_leaf, udp_text_tail },
	{ TR_DEC_TCP, tcp_json, NULL, tcp_text_leaf, NULL },
	{ TR_DEC_DNS, dns_json, NULL, dns_text_leaf, NULL },
};

#define N_LAYERS (sizeof(layers) / sizeof(layers[0]))

static bool layer_present(const struct tr_decoded *d, size_t i)
{
	return layers[i].bit == 0 || (d->layers & layers[i].bit);
}

static void print_text(struct pctx *c)
{
	size_t inner = 0;
	put_ts(c->o, c->fr);
	tool_pout_putc(c->o, ' ');
	for (size_t i = 0; i < N_LAYERS; i++) {
		if (!layer_present(c->d, i))
			continue;
		inner = i;
		if (layers[i].text_head)
			layers[i].text_head(c);
	}
	layers[inner].text_leaf(c);
	for (size_t i = N_LAYERS; i-- > 0;)
		if (layer_present(c->d, i) && layers[i].text_tail)
			layers[i].text_tail(c);
	if (c->why) {
		tool_pout_puts(c->o, " [malformed: ");
		tool_pout_puts(c->o, c->why);
		tool_pout_putc(c->o, ']');
	}
	tool_pout_putc(c->o, '\n');
}

static void print_json(struct pctx *c)
{
	const struct tool_print_frame *fr = c->fr;
	struct tool_pout *o = c->o;
	tool_pout_putc(o, '{');
	jnum(o, &c->first, K("frame"), fr->index);
	/* "ts": seconds with six decimals, written as a JSON number. */
	jkey(o, &c->first, K("ts"));
	if (fr->ts_sec < 0) {
		tool_pout_putc(o, '-');
		tool_pout_u64(o, (uint64_t)(-(fr->ts_sec + 1)) + 1);
	} else {
		tool_pout_u64(o, (uint64_t)fr->ts_sec);
	}
	char us[7];
	uint32_t v = fr->ts_usec % 1000000u;
	us[0] = '.';
	for (int i = 6; i >= 1; i--) {
		us[i] = (char)('0' + v % 10);
		v /= 10;
	}
	tool_pout_put(o, us, 7);
	jnum(o, &c->first, K("len"), fr->wirelen);
	jnum(o, &c->first, K("caplen"), fr->caplen);
	for (size_t i = 0; i < N_LAYERS; i++)
		if (layer_present(c->d, i))
			layers[i].json(c);
	if (c->why) {
		jkey(o, &c->first, K("error"));
		tool_pout_json_str(o, c->why, strlen(c->why));
	}
	tool_pout_put(o, "}\n", 2);
}

/* ---- entry points -------------------------------------------------------------------- */

void tool_print_frame(struct tool_pout *o, enum tool_print_fmt fmt, const struct tool_print_frame *fr)
{
	struct tr_decoded d;
	size_t wire = fr->wirelen >= fr->caplen ? fr->wirelen : fr->caplen;
	tr_decode_link(fr->dlt, fr->data, fr->caplen, wire, &d);
	struct pctx c = { o, fr, &d, (d.layers & TR_DEC_ERROR) ? d.error : NULL, 1 };
	if (fmt == TOOL_PRINT_JSON)
		print_json(&c);
	else
		print_text(&c);
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
