/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The `tapring read` input path, end to end: arbitrary bytes as a capture
 * file (pcap or pcapng) through libpcap, then every frame decoded and
 * printed as text and as JSON with the tool's printers (tool/print.c).
 * Printed JSON must stay one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../tool/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	static char line[1 << 16];
	FILE *f;
	pcap_t *p;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	uint64_t idx = 0;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	p = pcap_fopen_offline(f, errbuf); /* takes f */
	if (!p) {
		fclose(f);
		return 0;
	}
	while (pcap_next_ex(p, &h, &pkt) == 1 && idx < 4096) {
		struct tool_print_frame fr = {
			.index = ++idx,
			.ts_sec = h->ts.tv_sec,
			.ts_usec = (uint32_t)h->ts.tv_usec % 1000000u,
			.data = pkt,
			.caplen = h->caplen,
			.wirelen = h->len,
			.dlt = (uint32_t)pcap_datalink(p),
		};
		size_t n = tool_print_frame_buf(line, sizeof(line), TOOL_PRINT_JSON, &fr);
		if (n < sizeof(line) && memchr(line, '\n', n) != line + n - 1)
			abort(); /* JSON output must be exactly one line */
		tool_print_frame_buf(line, sizeof(line), TOOL_PRINT_TEXT, &fr);
	}
	pcap_close(p);
	return 0;
}
