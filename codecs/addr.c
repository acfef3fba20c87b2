/* SPDX-License-Identifier: BSD-2-Clause */
/* Address text formatting and parsing (MAC, IPv4, IPv6 per RFC 5952). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <tapring/addr.h>

static const char tr__hex[] = "0123456789abcdef";

size_t tr_addr_mac_fmt(const uint8_t mac[6], char out[TR_MAC_STRLEN])
{
	char *p = out;
	for (int i = 0; i < 6; i++) {
		if (i)
			*p++ = ':';
		*p++ = tr__hex[mac[i] >> 4];
		*p++ = tr__hex[mac[i] & 15];
	}
	*p = '\0';
	return (size_t)(p - out);
}

static char *put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

size_t tr_addr_ipv4_fmt(const uint8_t a[4], char out[TR_IPV4_STRLEN])
{
	char *p = out;
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec(p, a[i]);
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* Lowercase hex without leading zeros (RFC 5952 §4.1, §4.3). */
static char *put_hex16(char *p, unsigned v)
{
	bool started = false;
	for (int s = 12; s >= 0; s -= 4) {
		unsigned d = (v >> s) & 15u;
		if (d || started || s == 0) {
			*p++ = tr__hex[d];
			started = true;
		}
	}
	return p;
}

size_t tr_addr_ipv6_fmt(const uint8_t a[16], char out[TR_IPV6_STRLEN])
{
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];

	char *p = out;
	/* RFC 5952 §5: IPv4-mapped addresses end in dotted decimal. */
	if (!w[0] && !w[1] && !w[2] && !w[3] && !w[4] && w[5] == 0xffff) {
		memcpy(p, "::ffff:", 7);
		p += 7;
		p += tr_addr_ipv4_fmt(a + 12, p);
		return (size_t)(p - out);
	}
	/* §4.2.2/4.2.3: compress the longest run of >= 2 zero groups, the
	 * first one on a tie; a single zero group is never compressed. */
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p = put_hex16(p, w[i]);
	}
	*p = '\0';
	return (size_t)(p - out);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tr_addr_mac_parse(const char *s, uint8_t mac[6])
{
	char sep = 0;
	for (int i = 0; i < 6; i++) {
		if (i) {
			if (i == 1 && (*s == ':' || *s == '-'))
				sep = *s;
			if (*s != sep || !sep)
				return -EINVAL;
			s++;
		}
		int h = hexval(s[0]);
		if (h < 0)
			return -EINVAL;
		int l = hexval(s[1]);
		if (l < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(h << 4 | l);
		s += 2;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

/* Parse a dotted quad at s; *end receives the first byte after it. */
static int parse_ipv4_prefix(const char *s, uint8_t a[4], const char **end)
{
	for (int i = 0; i < 4; i++) {
		if (i) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned v = 0;
		int nd = 0;
		const char *start = s;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++nd > 3 || v > 255)
				return -EINVAL;
			s++;
		}
		if (nd > 1 && *start == '0')
			return -EINVAL;   /* "010" is ambiguous (octal in inet_aton) */
		a[i] = (uint8_t)v;
	}
	*end = s;
	return 0;
}

int tr_addr_ipv4_parse(const char *s, uint8_t a[4])
{
	const char *end;
	uint8_t tmp[4];
	if (parse_ipv4_prefix(s, tmp, &end) != 0 || *end != '\0')
		return -EINVAL;
	memcpy(a, tmp, 4);
	return 0;
}

int tr_addr_ipv6_parse(const char *s, uint8_t a[16])
{
	uint16_t w[8];
	int n = 0;           /* groups written */
	int gap = -1;        /* index in w where "::" sits */

	if (s[0] == ':') {
		if (s[1] != ':')
			return -EINVAL;
		gap = 0;
		s += 2;
		if (*s == '\0')
			goto finish;
	}
	for (;;) {
		/* A group, or a trailing dotted quad taking two groups. */
		const char *q = s;
		unsigned v = 0;
		int nd = 0;
		while (hexval(*q) >= 0 && nd < 5) {
			v = v << 4 | (unsigned)hexval(*q);
			q++;
			nd++;
		}
		if (*q == '.') {
			uint8_t v4[4];
			const char *end;
			if (n > 6 || parse_ipv4_prefix(s, v4, &end) != 0 || *end != '\0')
				return -EINVAL;
			w[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (nd == 0 || nd > 4 || n == 8)
			return -EINVAL;
		w[n++] = (uint16_t)v;
		s = q;
		if (*s == '\0')
			break;
		if (*s != ':')
			return -EINVAL;
		s++;
		if (*s == ':') {
			if (gap >= 0)
				return -EINVAL;   /* at most one "::" */
			gap = n;
			s++;
			if (*s == '\0')
				break;
		}
	}
finish:
	if (gap < 0 ? n != 8 : n > 7)
		return -EINVAL;
	int fill = 8 - n;
	uint16_t out[8];
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (i == gap)
			for (int z = 0; z < fill; z++)
				out[k++] = 0;
		out[k++] = w[i];
	}
	if (gap == n)
		for (int z = 0; z < fill; z++)
			out[k++] = 0;
	for (int i = 0; i < 8; i++) {
		a[2 * i] = (uint8_t)(out[i] >> 8);
		a[2 * i + 1] = (uint8_t)out[i];
	}
	return 0;
}
