/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/match/rules.c: the rules-file parser and the Hyperscan compile.
 *
 * A line is `ID:/REGEX/FLAGS [ACTION]`. The regex runs from the first '/'
 * after the colon to the LAST '/' of the line, so a pattern may contain
 * '/' (escaped or not) as long as the flags and action after the last one
 * parse. Every error names its 1-based line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage_pvt.h"
#include "match_pvt.h"

#define LINE_MAX_BYTES 8192

/* Write the reason (the engine's one formatter) and evaluate to code. */
#define fail(err, errlen, code, ...) (tr__errf((err), (errlen), __VA_ARGS__), (code))

int tr_match_platform_check(char *err, size_t errlen)
{
	if (hs_valid_platform() != HS_SUCCESS)
		return fail(err, errlen, -ENOTSUP,
			    "Hyperscan does not run on this CPU (hs_valid_platform: needs SSSE3; "
			    "use a Vectorscan build)");
	return 0;
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

void tr_match_ruleset_free(struct tr_match_ruleset *rs)
{
	if (!rs)
		return;
	if (rs->db)
		hs_free_database(rs->db);
	free(rs->rules);
	free(rs->text);
	free(rs);
}

/* Parse one non-empty, non-comment line [s, e) (NUL-terminated at e) into r. */
static int parse_line(char *s, char *e, unsigned line, struct tr_match_rule *r, char *err, size_t errlen)
{
	char *p = s, *colon = NULL;
	while (p < e && id_char(*p))
		p++;
	if (p == s || p >= e || *p != ':')
		return fail(err, errlen, -EINVAL, "line %u: expected ID:/REGEX/FLAGS [ACTION] "
			    "(ID of letters, digits, '_', '-', '.')", line);
	if ((size_t)(p - s) >= TR_MATCH_ID_MAX)
		return fail(err, errlen, -EINVAL, "line %u: ID longer than %d bytes", line, TR_MATCH_ID_MAX - 1);
	colon = p;
	memcpy(r->id, s, (size_t)(colon - s));
	r->id[colon - s] = '\0';
	p = colon + 1;
	if (p >= e || *p != '/')
		return fail(err, errlen, -EINVAL, "line %u: rule %s: the regex must start with '/'", line, r->id);
	char *open = p;
	char *close = NULL;
	for (char *q = e - 1; q > open; q--)
		if (*q == '/') {
			close = q;
			break;
		}
	if (!close)
		return fail(err, errlen, -EINVAL, "line %u: rule %s: missing the closing '/'", line, r->id);
	if (close == open + 1)
		return fail(err, errlen, -EINVAL, "line %u: rule %s: empty regex", line, r->id);
	/* flags */
	p = close + 1;
	r->flags = 0;
	while (p < e && !is_space(*p)) {
		unsigned f = *p == 'i' ? TR_MATCH_F_CASELESS : *p == 's' ? TR_MATCH_F_DOTALL
			     : *p == 'm' ? TR_MATCH_F_MULTILINE : 0;
		if (!f)
			return fail(err, errlen, -EINVAL, "line %u: rule %s: unknown flag '%c' (i, s, m)", line, r->id,
				    *p);
		if (r->flags & f)
			return fail(err, errlen, -EINVAL, "line %u: rule %s: flag '%c' given twice", line, r->id, *p);
		r->flags |= f;
		p++;
	}
	while (p < e && is_space(*p))
		p++;
	char *act = p;
	while (p < e && !is_space(*p))
		p++;
	char *act_end = p;
	while (p < e && is_space(*p))
		p++;
	if (p < e)
		return fail(err, errlen, -EINVAL, "line %u: rule %s: unexpected text after the action", line, r->id);
	size_t al = (size_t)(act_end - act);
	if (al == 0 || (al == 5 && !memcmp(act, "count", 5)))
		r->action = TR_MATCH_COUNT;
	else if (al == 4 && !memcmp(act, "drop", 4))
		r->action = TR_MATCH_DROP;
	else if (al == 4 && !memcmp(act, "dump", 4))
		r->action = TR_MATCH_DUMP;
	else
		return fail(err, errlen, -EINVAL, "line %u: rule %s: bad action '%.*s' (count, drop or dump)", line,
			    r->id, (int)(al > 32 ? 32 : al), act);
	*close = '\0';
	r->regex = open + 1;
	r->line = line;
	return 0;
}

struct tr_match_ruleset *tr_match_ruleset_parse(const char *text, size_t len, char *err, size_t errlen,
						int *errp)
{
	struct tr_match_ruleset *rs = calloc(1, sizeof(*rs));
	int r = -ENOMEM;
	unsigned cap = 0, line = 0;
	if (!rs || !(rs->text = malloc(len + 1))) {
		tr__errf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(rs->text, text, len);
	rs->text[len] = '\0';
	char *s = rs->text, *end = rs->text + len;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *e = nl ? nl : end;
		line++;
		if (e - s > LINE_MAX_BYTES) {
			r = fail(err, errlen, -EINVAL, "line %u: longer than %d bytes", line, LINE_MAX_BYTES);
			goto out;
		}
		if (memchr(s, '\0', (size_t)(e - s))) {
			r = fail(err, errlen, -EINVAL, "line %u: NUL byte", line);
			goto out;
		}
		*e = '\0';
		char *le = e;
		if (le > s && le[-1] == '\r')
			*--le = '\0';
		while (s < le && is_space(*s))
			s++;
		while (le > s && is_space(le[-1]))
			*--le = '\0';
		if (s < le && *s != '#') {
			if (rs->n == TR_MATCH_MAX_RULES) {
				r = fail(err, errlen, -E2BIG, "line %u: more than %d rules", line, TR_MATCH_MAX_RULES);
				goto out;
			}
			if (rs->n == cap) {
				unsigned nc = cap ? 2 * cap : 16;
				struct tr_match_rule *nr = realloc(rs->rules, nc * sizeof(*nr));
				if (!nr) {
					r = fail(err, errlen, -ENOMEM, "out of memory");
					goto out;
				}
				rs->rules = nr;
				cap = nc;
			}
			struct tr_match_rule *rule = &rs->rules[rs->n];
			memset(rule, 0, sizeof(*rule));
			if ((r = parse_line(s, le, line, rule, err, errlen)) < 0)
				goto out;
			for (unsigned i = 0; i < rs->n; i++)
				if (!strcmp(rs->rules[i].id, rule->id)) {
					r = fail(err, errlen, -EINVAL, "line %u: duplicate ID %s (first on line %u)", line,
						 rule->id, rs->rules[i].line);
					goto out;
				}
			rs->n++;
		}
		s = e + 1;
	}
	*errp = 0;
	return rs;
out:
	tr_match_ruleset_free(rs);
	*errp = r;
	return NULL;
}

int tr_match_ruleset_compile(struct tr_match_ruleset *rs, char *err, size_t errlen)
{
	if (rs->db || rs->n == 0)
		return 0;
	const char **ex = calloc(rs->n, sizeof(*ex));
	unsigned *fl = calloc(rs->n, sizeof(*fl));
	unsigned *ids = calloc(rs->n, sizeof(*ids));
	int r = 0;
	if (!ex || !fl || !ids) {
		r = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < rs->n; i++) {
		ex[i] = rs->rules[i].regex;
		/* SINGLEMATCH: one callback per rule and scan, so a frame counts
		 * once per rule however often the pattern occurs in it. */
		fl[i] = HS_FLAG_SINGLEMATCH;
		if (rs->rules[i].flags & TR_MATCH_F_CASELESS)
			fl[i] |= HS_FLAG_CASELESS;
		if (rs->rules[i].flags & TR_MATCH_F_DOTALL)
			fl[i] |= HS_FLAG_DOTALL;
		if (rs->rules[i].flags & TR_MATCH_F_MULTILINE)
			fl[i] |= HS_FLAG_MULTILINE;
		ids[i] = i;
	}
	hs_compile_error_t *ce = NULL;
	if (hs_compile_multi(ex, fl, ids, rs->n, HS_MODE_BLOCK, NULL, &rs->db, &ce) != HS_SUCCESS) {
		if (ce && ce->expression >= 0 && (unsigned)ce->expression < rs->n) {
			const struct tr_match_rule *bad = &rs->rules[ce->expression];
			r = fail(err, errlen, -EINVAL, "line %u: rule %s: %s", bad->line, bad->id, ce->message);
		} else {
			r = fail(err, errlen, -EINVAL, "Hyperscan compile failed: %s", ce ? ce->message : "unknown error");
		}
		hs_free_compile_error(ce);
		rs->db = NULL;
	}
out:
	free(ex);
	free(fl);
	free(ids);
	return r;
}

struct tr_match_ruleset *tr_match_ruleset_load(const char *path, char *err, size_t errlen, int *errp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	struct tr_match_ruleset *rs = NULL;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*errp = fail(err, errlen, -errno, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		close(fd);
		*errp = fail(err, errlen, -EINVAL, "%s: not a regular file of at most 64 MiB", path);
		return NULL;
	}
	size_t len = (size_t)st.st_size, got = 0;
	buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		*errp = fail(err, errlen, -ENOMEM, "out of memory");
		return NULL;
	}
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)k;
	}
	close(fd);
	char perr[512] = "";
	rs = tr_match_ruleset_parse(buf, got, perr, sizeof(perr), errp);
	free(buf);
	if (!rs) {
		tr__errf(err, errlen, "%s: %s", path, perr);
		return NULL;
	}
	int r = tr_match_ruleset_compile(rs, perr, sizeof(perr));
	if (r < 0) {
		tr__errf(err, errlen, "%s: %s", path, perr);
		tr_match_ruleset_free(rs);
		*errp = r;
		return NULL;
	}
	*errp = 0;
	return rs;
}

unsigned tr_match_ruleset_count(const struct tr_match_ruleset *rs)
{
	return rs ? rs->n : 0;
}

const struct tr_match_rule *tr_match_ruleset_rule(const struct tr_match_ruleset *rs, unsigned i)
{
	return rs && i < rs->n ? &rs->rules[i] : NULL;
}
