/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The `--filter-bpf FILE` format (tcpdump -ddd text: a count, then one
 * "code jt jf k" line per instruction; tr_bpf_load_ddd). Input: the text,
 * up to the first NUL byte; what follows the NUL is a packet. A program
 * the loader accepts must be valid (tr_bpf_validate agrees), hold exactly
 * the announced count, and run on the packet (which ends exactly at its
 * heap block) without reading past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/filter.h>

/* The count the text announces, found independently of the loader: the
 * first number after separators (space, tab, CR, LF, comma) and '#'
 * comments, which run to the end of their line. */
static unsigned long announced_count(const char *s)
{
	for (;;) {
		s += strspn(s, " \t\r\n,");
		if (*s != '#')
			return strtoul(s, NULL, 10);
		s += strcspn(s, "\n");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	size_t plen = nul ? size - tlen - 1 : 0;
	char *text, eb[256];
	uint8_t *pkt;
	struct tr_bpf_prog *p;
	int err = 0;

	if (size > (1u << 18))
		return 0;
	text = malloc(tlen + 1);
	pkt = malloc(plen ? plen : 1);
	if (!text || !pkt) {
		free(text);
		free(pkt);
		return 0;
	}
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	if (plen)
		memcpy(pkt, nul + 1, plen);
	p = tr_bpf_load_ddd(text, 0, eb, sizeof(eb), &err);
	if (p) {
		unsigned n;
		const struct tr_bpf_insn *ins = tr_bpf_insns(p, &n);
		unsigned long cnt = announced_count(text);

		if (n == 0 || n != cnt || tr_bpf_validate(ins, n, NULL, 0) != 0)
			abort();
		(void)tr_bpf_run(p, pkt, (uint32_t)plen + 100, (uint32_t)plen);
		tr_bpf_free(p);
	} else if (err != -EINVAL && err != -E2BIG && err != -ENOMEM) {
		abort();
	}
	free(text);
	free(pkt);
	return 0;
}
