/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print: text and JSON renderings of one decoded frame of any link type
 * tr_decode_link() knows, shared by `tapring read` and `tapring dump`.
 *
 * Output goes through a struct tool_pout sink, which is either
 *   - a caller buffer (tool_pout_buf): output past the capacity is dropped but
 *     still counted, so the caller learns the size it would need (snprintf
 *     semantics; the buffer is always NUL-terminated when cap > 0), or
 *   - a FILE (tool_pout_file): bytes collect in a fixed scratch area inside
 *     the sink and go to the FILE with fwrite whenever it fills, and at
 *     tool_pout_flush().
 * Nothing here allocates: a frame is printed with stack memory only.
 *
 * Formats (one line per frame, terminated by '\n'):
 *   TOOL_PRINT_TEXT  tcpdump-like: "HH:MM:SS.uuuuuu [vlan N, ]IP a.p > b.q: ..."
 *                  (UTC timestamps).
 *   TOOL_PRINT_JSON  one JSON object; key names are a public interface and are
 *                  listed in docs/CLI.md.
 */
#ifndef TAPRING_TOOL_PRINT_H
#define TAPRING_TOOL_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tool_print_fmt {
	TOOL_PRINT_TEXT = 0,
	TOOL_PRINT_JSON = 1,
};

/* One captured frame, as a capture source hands it over. */
struct tool_print_frame {
	uint64_t index;          /* 1-based frame number in its capture */
	int64_t ts_sec;          /* capture time, seconds since the epoch */
	uint32_t ts_usec;        /* and microseconds (0..999999) */
	const uint8_t *data;     /* caplen readable bytes */
	uint32_t caplen;         /* bytes captured */
	uint32_t wirelen;        /* bytes on the wire (>= caplen normally) */
	uint32_t dlt;            /* link type (TR_DLT_*, 1 = Ethernet): always set it */
};

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

/* Print one frame (decoded here) as one line, '\n' included. */
void tool_print_frame(struct tool_pout *o, enum tool_print_fmt fmt, const struct tool_print_frame *fr);

/* Convenience: one frame to f. Returns 0 or -errno (write failure). */
int tool_print_frame_file(FILE *f, enum tool_print_fmt fmt, const struct tool_print_frame *fr);

/* Convenience: one frame into buf (NUL-terminated when cap > 0). Returns the
 * length the full line needs, without the NUL, like snprintf. */
size_t tool_print_frame_buf(char *buf, size_t cap, enum tool_print_fmt fmt,
			  const struct tool_print_frame *fr);

#endif /* TAPRING_TOOL_PRINT_H */
