/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/print: text and JSON renderings of one decoded frame of any link type
 * tr_decode_link() knows, shared by `tapring read` and `tapring dump`.
 *
 * Output goes through a struct tool_pout sink (pout.h: a caller buffer or a
 * FILE). Nothing here allocates: a frame is printed with stack memory only.
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

#include "pout.h"

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

/* Print one frame (decoded here) as one line, '\n' included. */
void tool_print_frame(struct tool_pout *o, enum tool_print_fmt fmt, const struct tool_print_frame *fr);

/* Convenience: one frame to f. Returns 0 or -errno (write failure). */
int tool_print_frame_file(FILE *f, enum tool_print_fmt fmt, const struct tool_print_frame *fr);

/* Convenience: one frame into buf (NUL-terminated when cap > 0). Returns the
 * length the full line needs, without the NUL, like snprintf. */
size_t tool_print_frame_buf(char *buf, size_t cap, enum tool_print_fmt fmt,
			  const struct tool_print_frame *fr);

#endif /* TAPRING_TOOL_PRINT_H */
