/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hosts(5) parser for the DNS responder: "ADDRESS NAME [ALIAS...]" per
 * line, '#' starts a comment, IPv4 and IPv6 addresses, any number of names.
 * Names are stored lowercase without a trailing dot. Lines whose address
 * does not parse are skipped (like glibc), overlong names are skipped.
 * Parsing happens once before start (malloc allowed); lookups allocate
 * nothing.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "stack_pvt.h"

static int hosts_add(struct tr_hosts *t, int family, const uint8_t *addr, const char *name, size_t nlen)
{
	if (nlen == 0 || nlen > 253)
		return 0;
	if (t->n == t->cap) {
		unsigned ncap = t->cap ? t->cap * 2 : 16;
		struct tr_hosts_ent *e = realloc(t->ent, ncap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		t->ent = e;
		t->cap = ncap;
	}
	if (t->names_len + nlen + 1 > t->names_cap) {
		size_t ncap = t->names_cap ? t->names_cap * 2 : 1024;
		while (ncap < t->names_len + nlen + 1)
			ncap *= 2;
		char *p = realloc(t->names, ncap);
		if (!p)
			return -ENOMEM;
		t->names = p;
		t->names_cap = ncap;
	}
	struct tr_hosts_ent *e = &t->ent[t->n++];
	e->name = (uint32_t)t->names_len;
	e->name_len = (uint16_t)nlen;
	e->family = (uint8_t)family;
	memset(e->addr, 0, sizeof(e->addr));
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	for (size_t i = 0; i < nlen; i++)
		t->names[t->names_len + i] = (char)tolower((unsigned char)name[i]);
	t->names[t->names_len + nlen] = '\0';
	t->names_len += nlen + 1;
	return 0;
}

int tr__hosts_parse(struct tr_hosts *t, const char *text, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t eol = i;
		while (eol < len && text[eol] != '\n')
			eol++;
		size_t end = i;
		while (end < eol && text[end] != '#')
			end++;
		/* tokens of [i, end) */
		char tok[256];
		int ntok = 0, family = 0;
		uint8_t addr[16];
		size_t p = i;
		while (p < end) {
			while (p < end && isspace((unsigned char)text[p]))
				p++;
			size_t q = p;
			while (q < end && !isspace((unsigned char)text[q]))
				q++;
			if (q == p)
				break;
			size_t tl = q - p;
			if (ntok == 0) {
				if (tl < sizeof(tok)) {
					memcpy(tok, text + p, tl);
					tok[tl] = '\0';
					if (inet_pton(AF_INET, tok, addr) == 1)
						family = 4;
					else if (inet_pton(AF_INET6, tok, addr) == 1)
						family = 6;
				}
				if (!family)
					break;
			} else {
				size_t nl = tl;
				if (nl > 1 && text[p + nl - 1] == '.')
					nl--;
				int rc = hosts_add(t, family, addr, text + p, nl);
				if (rc)
					return rc;
			}
			ntok++;
			p = q;
		}
		i = eol + 1;
	}
	return 0;
}

void tr__hosts_free(struct tr_hosts *t)
{
	free(t->ent);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

int tr__hosts_lookup(const struct tr_hosts *t, const char *name, size_t name_len,
		     int family, uint8_t *out, unsigned max)
{
	if (name_len > 1 && name[name_len - 1] == '.')
		name_len--;
	bool known = false;
	unsigned n = 0;
	for (unsigned i = 0; i < t->n; i++) {
		const struct tr_hosts_ent *e = &t->ent[i];
		if (e->name_len != name_len)
			continue;
		const char *en = t->names + e->name;
		size_t k = 0;
		while (k < name_len && en[k] == tolower((unsigned char)name[k]))
			k++;
		if (k != name_len)
			continue;
		known = true;
		if (e->family != family || n >= max)
			continue;
		/* Skip duplicates of an address already returned. */
		unsigned alen = family == 4 ? 4 : 16;
		bool dup = false;
		for (unsigned j = 0; j < n; j++)
			if (memcmp(out + j * alen, e->addr, alen) == 0)
				dup = true;
		if (!dup)
			memcpy(out + (n++) * alen, e->addr, alen);
	}
	return known ? (int)n : -ENOENT;
}
