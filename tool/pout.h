/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/pout: the output sink of the tool's printers, and the escaping they
 * share (JSON strings, hex). Output goes through a struct tool_pout, which
 * is either
 *   - a caller buffer (tool_pout_buf): output past the capacity is dropped but
 *     still counted, so the caller learns the size it would need (snprintf
 *     semantics; the buffer is always NUL-terminated when cap > 0), or
 *   - a FILE (tool_pout_file): bytes collect in a fixed scratch area inside
 *     the sink and go to the FILE with fwrite whenever it fills, and at
 *     tool_pout_flush().
 * Nothing here allocates.
 */
#ifndef TAPRING_TOOL_POUT_H
#define TAPRING_TOOL_POUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TOOL_POUT_SCRATCH 2048

/* Output sink. Treat as opaque; set up with tool_pout_buf()/tool_pout_file(). */
struct tool_pout {
	char *buf;               /* caller buffer, or scratch below */
	size_t cap;              /* usable bytes in buf (one kept for the NUL) */
	size_t len;              /* bytes held in buf */
	size_t total;            /* bytes produced since init (may exceed cap) */
	FILE *f;                 /* non-NULL: flush to this FILE when full */
	int err;                 /* 0, or the errno of a failed fwrite */
	char scratch[TOOL_POUT_SCRATCH];
};

/* Write into buf[0..cap). cap may be 0 (count only). */
void tool_pout_buf(struct tool_pout *o, char *buf, size_t cap);
/* Write to f through the scratch area. */
void tool_pout_file(struct tool_pout *o, FILE *f);
/* FILE sinks: write out what is pending. Returns 0 or -errno. */
int tool_pout_flush(struct tool_pout *o);

/* Primitive writers (exported for the dump tool and tests). */
void tool_pout_put(struct tool_pout *o, const char *s, size_t n);
void tool_pout_puts(struct tool_pout *o, const char *s);
void tool_pout_putc(struct tool_pout *o, char c);
void tool_pout_u64(struct tool_pout *o, uint64_t v);
/* A JSON string literal, quotes included: '"' '\\' and bytes < 0x20 are
 * escaped, and so is every byte >= 0x7f (as \u00XX: the input is raw
 * bytes, e.g. a DNS label, not necessarily UTF-8). */
void tool_pout_json_str(struct tool_pout *o, const void *s, size_t n);
/* Bytes as lowercase hex, two digits each, no separator. */
void tool_pout_hex(struct tool_pout *o, const uint8_t *p, size_t n);
/* A 16-bit value as "0x" and four lowercase hex digits. */
void tool_pout_hex16(struct tool_pout *o, uint16_t v);

#endif /* TAPRING_TOOL_POUT_H */
