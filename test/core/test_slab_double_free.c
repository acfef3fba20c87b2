/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Double-free and write-after-free detection. Each case runs in a forked
 * child, which must die of SIGABRT with the pool's message; the parent
 * checks the signal. Freeing a buffer whose refcount is already 0 aborts in
 * every build; the poison check (write after free) needs TR_DEBUG_POOL.
 */
#include <fcntl.h>

#include <tapring/slab.h>

#include "helpers.h"

enum { CASE_DOUBLE_LOCAL, CASE_DOUBLE_REMOTE, CASE_DOUBLE_AFTER_REF, CASE_WRITE_AFTER_FREE, CASE_OK };

static void child(int which)
{
	int err;
	struct tr_slab_config cfg = { .nbufs = 8 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	if (!s)
		_exit(3);
	struct tr_slab_cache *c = tr_slab_cache_create(s, 4, &err);
	if (!c)
		_exit(3);
	struct tr_buf *b = tr_slab_alloc(c);
	if (!b)
		_exit(3);
	switch (which) {
	case CASE_DOUBLE_LOCAL:
		tr_slab_free_local(c, b);
		tr_slab_free_local(c, b);
		break;
	case CASE_DOUBLE_REMOTE:
		tr_slab_free_remote(s, b);
		tr_slab_free_remote(s, b);
		break;
	case CASE_DOUBLE_AFTER_REF:
		tr_buf_ref(b);
		tr_slab_free_local(c, b);
		tr_slab_free_remote(s, b);
		tr_slab_free_local(c, b);
		break;
	case CASE_WRITE_AFTER_FREE: {
		uint8_t *data = b->data;
		tr_slab_free_local(c, b);
		data[0] = 1;   /* a bug: the buffer is free */
		/* the cache hands the same buffer back first: poison broken */
		(void)tr_slab_alloc(c);
		break;
	}
	case CASE_OK:
		tr_slab_free_local(c, b);
		tr_slab_cache_destroy(c);
		tr_slab_destroy(s);
		_exit(0);
	}
	_exit(0); /* not detected */
}

/* Returns the signal that killed the child (0 if it exited), and checks
 * the message on its stderr. */
static int run_case(int which, const char *expect_msg)
{
	int pfd[2];
	T_ASSERT(pipe(pfd) == 0);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		signal(SIGABRT, SIG_DFL);
		child(which);
	}
	close(pfd[1]);
	char msg[4096] = { 0 };
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(msg) - 1 && (n = read(pfd[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += (size_t)n;
	close(pfd[0]);
	int st = 0;
	T_ASSERT(waitpid(pid, &st, 0) == pid);
	if (expect_msg)
		T_CHECK(strstr(msg, expect_msg) != NULL);
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	if (expect_msg)
		fprintf(stderr, "case %d: child exited %d instead of aborting: %s\n", which,
			WEXITSTATUS(st), msg);
	return 0;
}

int main(void)
{
	T_CHECK_EQ(run_case(CASE_OK, NULL), 0);
	T_CHECK_EQ(run_case(CASE_DOUBLE_LOCAL, "double free of buffer id"), SIGABRT);
	T_CHECK_EQ(run_case(CASE_DOUBLE_REMOTE, "double free of buffer id"), SIGABRT);
	T_CHECK_EQ(run_case(CASE_DOUBLE_AFTER_REF, "double free of buffer id"), SIGABRT);
#ifdef TR_DEBUG_POOL
	T_CHECK_EQ(run_case(CASE_WRITE_AFTER_FREE, "write after free"), SIGABRT);
#else
	printf("TR_DEBUG_POOL off: write-after-free (poison) case not run\n");
#endif
	return t_done();
}
