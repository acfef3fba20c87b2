/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/pout.c: the printers' output sink and escaping (see pout.h).
 */
#include "pout.h"

#include <errno.h>
#include <string.h>

#include <tapring/wire/common.h>

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

/* ---- hex ------------------------------------------------------------------- */

void tool_pout_hex(struct tool_pout *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hexdig[p[i] >> 4], hexdig[p[i] & 15] };
		tool_pout_put(o, h, 2);
	}
}

void tool_pout_hex16(struct tool_pout *o, uint16_t v)
{
	char h[6] = { '0', 'x', hexdig[(v >> 12) & 15], hexdig[(v >> 8) & 15],
		      hexdig[(v >> 4) & 15], hexdig[v & 15] };
	tool_pout_put(o, h, 6);
}
