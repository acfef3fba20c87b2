/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the payload-rules file parser (tr_match_ruleset_parse).
 * Each input is parsed; a success must give rules whose fields hold the
 * parser's promises (IDs of the allowed characters and unique, non-empty
 * regex without a NUL, known flags and action, increasing lines); a failure
 * must leave a message naming a line or the reason. Small accepted rule
 * sets are also compiled by Hyperscan (a bad regex is an error, not a
 * crash). Seeds: fuzz/corpus/match/.
 */
#include <stdlib.h>
#include <string.h>

#include <tapring/match.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	int e = 0;
	struct tr_match_ruleset *rs = tr_match_ruleset_parse((const char *)data, size, err, sizeof(err), &e);
	if (!rs) {
		check(e < 0 && err[0] != '\0');
		return 0;
	}
	unsigned n = tr_match_ruleset_count(rs), last = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct tr_match_rule *r = tr_match_ruleset_rule(rs, i);
		size_t il = strlen(r->id);
		check(il > 0 && il < TR_MATCH_ID_MAX);
		for (size_t k = 0; k < il; k++) {
			char c = r->id[k];
			check((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			      c == '-' || c == '.');
		}
		check(r->regex && r->regex[0] != '\0');
		check((r->flags & ~7u) == 0);
		check(r->action <= TR_MATCH_DUMP);
		check(r->line > last);
		last = r->line;
		for (unsigned j = 0; j < i; j++)
			check(strcmp(tr_match_ruleset_rule(rs, j)->id, r->id) != 0);
	}
	check(tr_match_ruleset_rule(rs, n) == NULL);
	if (n <= 4 && size <= 256)
		(void)tr_match_ruleset_compile(rs, err, sizeof(err));
	tr_match_ruleset_free(rs);
	return 0;
}
