/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Payload rules without an engine (tr_match_process on crafted frames):
 *  - the parser: comments, blank lines, CRLF, flags, actions, '/' inside a
 *    regex; errors name the line (bad syntax, bad flag, bad action,
 *    duplicate ID) and a bad regex carries Hyperscan's message;
 *  - exact counts for count, drop and caseless rules over UDP and TCP on
 *    IPv4 and IPv6 (with an extension header, behind a VLAN tag); a frame
 *    matching several rules counts for each; padding, ICMP and frames
 *    without payload are not scanned;
 *  - reload: counters of IDs that stay persist, new IDs start at 0, a bad
 *    file keeps the old rules and counts the failure.
 */
#include "match_test.h"

struct seen {
	char id[8][64];
	uint64_t n[8];
	unsigned k;
};

static void collect(void *arg, const char *id, uint64_t count)
{
	struct seen *s = arg;
	if (s->k < 8) {
		snprintf(s->id[s->k], 64, "%s", id);
		s->n[s->k++] = count;
	}
}

static uint64_t count_of(struct tr_match *m, const char *id)
{
	struct seen s = { .k = 0 };
	tr_match_foreach(m, collect, &s);
	for (unsigned i = 0; i < s.k; i++)
		if (!strcmp(s.id[i], id))
			return s.n[i];
	return UINT64_MAX;
}

/* Reload on its own thread while this thread, which drives both queues,
 * keeps passing quiescent points (empty bursts); returns 0 on success. */
static int reload_pump(struct tr_match *m, const char *path)
{
	struct tr_match_stats a, b;
	tr_match_stats(m, &a);
	T_ASSERT(tr_match_reload_async(m, path) == 0);
	for (unsigned t = 0; t < 20000; t++) {
		tr_match_process(m, 0, NULL, NULL, 0);
		tr_match_process(m, 1, NULL, NULL, 0);
		tr_match_stats(m, &b);
		if (b.reloads + b.reload_failures != a.reloads + a.reload_failures)
			break;
		usleep(100);
	}
	tr_match_reload_join(m);
	tr_match_stats(m, &b);
	return b.reloads > a.reloads ? 0 : -1;
}

static void expect_parse_error(const char *text, const char *want)
{
	char err[512] = "";
	int e = 0;
	struct tr_match_ruleset *rs = tr_match_ruleset_parse(text, strlen(text), err, sizeof(err), &e);
	if (rs && tr_match_ruleset_compile(rs, err, sizeof(err)) == 0) {
		T_CHECK(!"rules accepted");
		fprintf(stderr, "  accepted: %s\n", text);
	}
	if (!strstr(err, want)) {
		t_failures++;
		fprintf(stderr, "error '%s' lacks '%s'\n", err, want);
	}
	t_checks++;
	tr_match_ruleset_free(rs);
}

int main(void)
{
	char err[512];
	int e;
	if (tr_match_platform_check(err, sizeof(err)) != 0)
		t_skip("%s", err);

	/* parser */
	const char *good =
		"# comment\n"
		"\n"
		"  hello:/hello/\r\n"
		"Caseless_1:/secret/i   count\n"
		"drop.me:/dr[o0]p/ drop\n"
		"dump-it:/du+mp/s dump\n"
		"slash:/a\\/b/ # trailing text is an error? no: this line is bad\n";
	struct tr_match_ruleset *rs = tr_match_ruleset_parse(good, strlen(good), err, sizeof(err), &e);
	T_CHECK(rs == NULL);
	T_CHECK(strstr(err, "line 7") != NULL);
	good =  "# comment\n"
		"\n"
		"  hello:/hello/\r\n"
		"Caseless_1:/secret/i   count\n"
		"drop.me:/dr[o0]p/ drop\n"
		"dump-it:/du+mp/s dump\n"
		"slash:/a/b/ims\n";
	rs = tr_match_ruleset_parse(good, strlen(good), err, sizeof(err), &e);
	T_ASSERT(rs != NULL);
	T_CHECK_EQ(tr_match_ruleset_count(rs), 5);
	T_CHECK_STR(tr_match_ruleset_rule(rs, 0)->id, "hello");
	T_CHECK_EQ(tr_match_ruleset_rule(rs, 0)->line, 3);
	T_CHECK_EQ(tr_match_ruleset_rule(rs, 1)->flags, TR_MATCH_F_CASELESS);
	T_CHECK_EQ(tr_match_ruleset_rule(rs, 2)->action, TR_MATCH_DROP);
	T_CHECK_EQ(tr_match_ruleset_rule(rs, 3)->action, TR_MATCH_DUMP);
	T_CHECK_STR(tr_match_ruleset_rule(rs, 4)->regex, "a/b");
	T_CHECK_EQ(tr_match_ruleset_rule(rs, 4)->flags, TR_MATCH_F_CASELESS | TR_MATCH_F_DOTALL | TR_MATCH_F_MULTILINE);
	T_CHECK_EQ(tr_match_ruleset_compile(rs, err, sizeof(err)), 0);
	tr_match_ruleset_free(rs);

	expect_parse_error("a:/x/\nb:/(unclosed/\n", "line 2: rule b: ");
	expect_parse_error("a:/x/\nb:/(unclosed/\n", "Missing close parenthesis");
	expect_parse_error("a:/x/\n# c\na:/y/\n", "line 3: duplicate ID a (first on line 1)");
	expect_parse_error("a:/x/ reject\n", "line 1: rule a: bad action 'reject'");
	expect_parse_error("a:/x/q\n", "line 1: rule a: unknown flag 'q'");
	expect_parse_error("a:/x/ii\n", "flag 'i' given twice");
	expect_parse_error("x\n", "line 1: expected ID:/REGEX/FLAGS");
	expect_parse_error("a:x/\n", "must start with '/'");
	expect_parse_error("a://\n", "empty regex");
	expect_parse_error("a:/x\n", "missing the closing '/'");
	expect_parse_error("a:/x*/\n", "line 1: rule a: ");   /* matches the empty buffer: Hyperscan refuses */

	/* scanning, exact counts */
	char dir[] = "/tmp/trmatchXXXXXX";
	T_ASSERT(mkdtemp(dir) != NULL);
	const char *p1 = m_write_rules(dir, "r1",
		"hello:/hello/\n"
		"sec:/secret/i\n"
		"bad:/evil[0-9]+/ drop\n"
		"both:/hel+o.*secret/is\n");
	rs = tr_match_ruleset_load(p1, err, sizeof(err), &e);
	T_ASSERT(rs != NULL);
	struct tr_match_config mc = { .nqueues = 2 };
	struct tr_match *m = tr_match_create(NULL, rs, &mc, &e);
	T_ASSERT(m != NULL);

	static struct mframe f[64];
	struct tr_buf *bufs[64];
	uint32_t acts[64];
	const int kinds[] = { MF_UDP4, MF_TCP4, MF_UDP6, MF_TCP6, MF_UDP6_EXT, MF_UDP4_VLAN };
	const unsigned nk = sizeof(kinds) / sizeof(kinds[0]);
	unsigned n = 0;
	/* per kind: hello; SECRET (caseless); hello\nSecret (both, with s); evil42 (drop); nothing */
	for (unsigned k = 0; k < nk; k++) {
		mframe_build(&f[n++], kinds[k], "say hello", 9);
		mframe_build(&f[n++], kinds[k], "the SECRET", 10);
		mframe_build(&f[n++], kinds[k], "hello\nSecret", 12);
		mframe_build(&f[n++], kinds[k], "an evil42 one", 13);
		mframe_build(&f[n++], kinds[k], "nothing", 7);
	}
	mframe_build(&f[n++], MF_ICMP4, "hello secret evil1", 18);   /* not TCP/UDP */
	mframe_build(&f[n++], MF_UDP4, "", 0);                        /* no payload */
	mframe_build(&f[n++], MF_UDP4, "x", 1);                       /* padding 'X's after: not scanned */
	for (unsigned i = 0; i < n; i++) {
		bufs[i] = &f[i].b;
		acts[i] = TR_ACT_NEXT;
	}
	tr_match_process(m, 0, bufs, acts, n);
	T_CHECK_EQ(count_of(m, "hello"), 2 * nk);
	T_CHECK_EQ(count_of(m, "sec"), 2 * nk);
	T_CHECK_EQ(count_of(m, "bad"), nk);
	T_CHECK_EQ(count_of(m, "both"), nk);
	unsigned drops = 0;
	for (unsigned i = 0; i < n; i++)
		if (TR_ACT_KIND(acts[i]) == 4)
			drops++;
		else
			T_CHECK_EQ(acts[i], TR_ACT_NEXT);
	T_CHECK_EQ(drops, nk);
	struct tr_match_stats st;
	tr_match_stats(m, &st);
	T_CHECK_EQ(st.scanned, 5 * nk + 1);
	T_CHECK_EQ(st.matched, 4 * nk);
	T_CHECK_EQ(st.dropped, nk);
	T_CHECK_EQ(st.generation, 1);

	/* reload: "hello" stays, "sec" goes, "new" comes */
	const char *p2 = m_write_rules(dir, "r2", "hello:/hello/\nnew:/nothing/\n");
	T_CHECK_EQ(reload_pump(m, p2), 0);
	tr_match_process(m, 0, bufs, acts, n);
	T_CHECK_EQ(count_of(m, "hello"), 4 * nk);
	T_CHECK_EQ(count_of(m, "new"), nk);
	T_CHECK_EQ(count_of(m, "sec"), UINT64_MAX);   /* not in the current rules */
	const char *p3 = m_write_rules(dir, "r3", "hello:/hello/\nsec:/secret/i\n");
	T_CHECK_EQ(reload_pump(m, p3), 0);
	tr_match_process(m, 1, bufs, acts, n);
	T_CHECK_EQ(count_of(m, "sec"), 4 * nk);       /* its old count came back with it */

	const char *bad = m_write_rules(dir, "bad", "hello:/hello/\nsec:/(/\n");
	T_CHECK(reload_pump(m, bad) < 0);
	char le[512];
	tr_match_last_error(m, le, sizeof(le));
	T_CHECK(strstr(le, "line 2: rule sec:") != NULL);
	tr_match_stats(m, &st);
	T_CHECK_EQ(st.reloads, 2);
	T_CHECK_EQ(st.reload_failures, 1);
	tr_match_process(m, 1, bufs, acts, n);
	T_CHECK_EQ(count_of(m, "sec"), 6 * nk);       /* the old rules still scan */
	T_CHECK(tr_match_reload(m, "/nonexistent/rules", err, sizeof(err)) < 0);
	T_CHECK(strstr(err, "cannot read /nonexistent/rules") != NULL);
	tr_match_destroy(m);
	unlink(p1); unlink(p2); unlink(p3); unlink(bad);
	rmdir(dir);
	return t_done();
}
