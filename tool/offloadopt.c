/* SPDX-License-Identifier: BSD-2-Clause */
/* tool/offloadopt.c: names of the TUNSETOFFLOAD features for the CLI
 * (--offload-refuse, the offloads line and the stats JSON). */
#include <string.h>

#include <tapring/engine.h>

#include "up.h"

static const struct {
	const char *name;
	unsigned bits;
} feats[] = {
	{ "csum", TR_OFFLOAD_CSUM },
	{ "tso4", TR_OFFLOAD_TSO4 },
	{ "tso6", TR_OFFLOAD_TSO6 },
	{ "tso_ecn", TR_OFFLOAD_TSO_ECN },
	{ "uso4", TR_OFFLOAD_USO4 },
	{ "uso6", TR_OFFLOAD_USO6 },
	{ "tso", TR_OFFLOAD_TSO4 | TR_OFFLOAD_TSO6 },   /* input only */
	{ "uso", TR_OFFLOAD_USO4 | TR_OFFLOAD_USO6 },   /* input only */
};

int tool_parse_offloads(const char *s, unsigned *out)
{
	unsigned f = 0;
	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		size_t i;
		for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
			if (strlen(feats[i].name) == n && !strncmp(feats[i].name, s, n))
				break;
		if (i == sizeof(feats) / sizeof(feats[0]))
			return -1;
		f |= feats[i].bits;
		s = end ? end + 1 : NULL;
	}
	if (!f)
		return -1;
	*out = f;
	return 0;
}

int tool_parse_offload_refuse(const char *s, unsigned *a, unsigned *b)
{
	unsigned bits, which = 3;   /* bit 0: port A, bit 1: port B */

	if (!strncmp(s, "a:", 2) || !strncmp(s, "b:", 2)) {
		which = s[0] == 'a' ? 1 : 2;
		s += 2;
	}
	if (tool_parse_offloads(s, &bits))
		return -1;
	if (which & 1)
		*a |= bits;
	if (which & 2)
		*b |= bits;
	return 0;
}

const char *tool_offload_names(unsigned f, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < 6; i++) {
		if (!(f & feats[i].bits))
			continue;
		size_t n = strlen(feats[i].name);
		if (off + n + 2 > len)
			break;
		if (off)
			buf[off++] = ',';
		memcpy(buf + off, feats[i].name, n + 1);
		off += n;
	}
	return buf;
}
