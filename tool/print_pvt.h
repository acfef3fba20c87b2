/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print_pvt.h (the printers' own, never installed): formatting and
 * JSON helpers shared by print.c (the layer table) and print_dns.c (DNS
 * messages), and the DNS renderers print.c's DNS layer calls.
 */
#ifndef TAPRING_TOOL_PRINT_PVT_H
#define TAPRING_TOOL_PRINT_PVT_H

#include <tapring/addr.h>
#include <tapring/decode.h>

#include "print.h"

/* ---- small formatting helpers ---------------------------------------------- */

static inline void put_mac(struct tool_pout *o, const uint8_t *m)
{
	char s[TR_MAC_STRLEN];
	tool_pout_put(o, s, tr_addr_mac_fmt(m, s));
}

static inline void put_ip4(struct tool_pout *o, const uint8_t *a)
{
	char s[TR_IPV4_STRLEN];
	tool_pout_put(o, s, tr_addr_ipv4_fmt(a, s));
}

static inline void put_ip6(struct tool_pout *o, const uint8_t *a)
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

static inline void jkey(struct tool_pout *o, int *first, struct jk key)
{
	if (!*first)
		tool_pout_putc(o, ',');
	*first = 0;
	tool_pout_put(o, key.s, key.n);
}

static inline void jnum(struct tool_pout *o, int *first, struct jk key, uint64_t v)
{
	jkey(o, first, key);
	tool_pout_u64(o, v);
}

static inline void jbool(struct tool_pout *o, int *first, struct jk key, int v)
{
	jkey(o, first, key);
	tool_pout_puts(o, v ? "true" : "false");
}

/* csum_ok: true/false when verified, null when it could not be (a
 * fragment, or a capture that does not hold the whole datagram). */
static inline void jcsum(struct tool_pout *o, int *first, int checked, int ok)
{
	jkey(o, first, K("csum_ok"));
	tool_pout_puts(o, !checked ? "null" : ok ? "true" : "false");
}

static inline void jmac(struct tool_pout *o, int *first, struct jk key, const uint8_t *m)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_mac(o, m);
	tool_pout_putc(o, '"');
}

static inline void jip4(struct tool_pout *o, int *first, struct jk key, const uint8_t *a)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_ip4(o, a);
	tool_pout_putc(o, '"');
}

static inline void jip6(struct tool_pout *o, int *first, struct jk key, const uint8_t *a)
{
	jkey(o, first, key);
	tool_pout_putc(o, '"');
	put_ip6(o, a);
	tool_pout_putc(o, '"');
}

/* DNS over UDP, tcpdump-like text (records the codec's iterator reads).
 * Returns a reason when the records are malformed or cut (printed up to
 * that point), else NULL. */
const char *tool_print_dns_text(struct tool_pout *o, const struct tool_print_frame *fr,
				const struct tr_decoded *d);
/* The "dns" member (after a comma unless *first). Returns a reason like
 * tool_print_dns_text; nothing is written when the header is unreadable. */
const char *tool_print_dns_json(struct tool_pout *o, int *first, const struct tool_print_frame *fr,
				const struct tr_decoded *d);

#endif /* TAPRING_TOOL_PRINT_PVT_H */
