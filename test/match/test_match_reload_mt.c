/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reload under load (also run under TSan): two threads scan bursts on
 * their own queue without pause while the main thread reloads 30 times
 * (two good files in turn, and a bad one every third time). No frame is
 * scanned against a freed or half-built database (ASan/TSan would report
 * it), the rule present in every file counts every frame exactly, and the
 * bad files are counted as failures while the good rules keep working.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "match_test.h"

#define NQ 2
#define BURST 32

static struct tr_match *g_m;
static atomic_bool g_stop;
static uint64_t g_frames[NQ];

static void *scanner(void *arg)
{
	unsigned q = (unsigned)(uintptr_t)arg;
	static struct mframe f[NQ][BURST];
	struct tr_buf *bufs[BURST];
	uint32_t acts[BURST];
	for (unsigned i = 0; i < BURST; i++) {
		mframe_build(&f[q][i], i % 2 ? MF_TCP6 : MF_UDP4, "GET /always here", 16);
		bufs[i] = &f[q][i].b;
	}
	/* Acquire pairs with the release store in main: stop after the last reload. */
	while (!atomic_load_explicit(&g_stop, memory_order_acquire)) {
		tr_match_process(g_m, q, bufs, acts, BURST);
		g_frames[q] += BURST;
	}
	return NULL;
}

static uint64_t g_always;
static void collect(void *arg, const char *id, uint64_t n)
{
	(void)arg;
	if (!strcmp(id, "always"))
		g_always = n;
}

int main(void)
{
	char err[512];
	int e;
	if (tr_match_platform_check(err, sizeof(err)) != 0)
		t_skip("%s", err);
	char dir[] = "/tmp/trmatchmtXXXXXX";
	T_ASSERT(mkdtemp(dir) != NULL);
	const char *a = m_write_rules(dir, "a", "always:/always/\nget:/^GET /\n");
	const char *b = m_write_rules(dir, "b", "x1:/nomatch[0-9]/i\nalways:/alw(a)ys/\n");
	const char *bad = m_write_rules(dir, "bad", "always:/always/\nbroken:/[/\n");
	struct tr_match_ruleset *rs = tr_match_ruleset_load(a, err, sizeof(err), &e);
	T_ASSERT(rs != NULL);
	struct tr_match_config mc = { .nqueues = NQ };
	g_m = tr_match_create(NULL, rs, &mc, &e);
	T_ASSERT(g_m != NULL);
	pthread_t th[NQ];
	for (unsigned q = 0; q < NQ; q++)
		T_ASSERT(pthread_create(&th[q], NULL, scanner, (void *)(uintptr_t)q) == 0);
	unsigned good = 0, failed = 0;
	for (unsigned i = 0; i < 30; i++) {
		const char *p = i % 3 == 2 ? bad : (i % 2 ? b : a);
		if (tr_match_reload(g_m, p, err, sizeof(err)) == 0)
			good++;
		else
			failed++;
	}
	/* Release pairs with the scanners' acquire load. */
	atomic_store_explicit(&g_stop, true, memory_order_release);
	for (unsigned q = 0; q < NQ; q++)
		pthread_join(th[q], NULL);
	T_CHECK_EQ(good, 20);
	T_CHECK_EQ(failed, 10);
	struct tr_match_stats st;
	tr_match_stats(g_m, &st);
	T_CHECK_EQ(st.reloads, 20);
	T_CHECK_EQ(st.reload_failures, 10);
	T_CHECK_EQ(st.scanned, g_frames[0] + g_frames[1]);
	tr_match_foreach(g_m, collect, NULL);
	T_CHECK_EQ(g_always, g_frames[0] + g_frames[1]);
	T_CHECK(g_frames[0] > 0 && g_frames[1] > 0);
	printf("%llu frames scanned across 30 reloads\n", (unsigned long long)(g_frames[0] + g_frames[1]));
	tr_match_destroy(g_m);
	unlink(a); unlink(b); unlink(bad);
	rmdir(dir);
	return t_done();
}
