/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_errors: argument validation that happens before any syscall (so it
 * runs without privileges) and tr_tap_strerror() messages.
 */
#include <tapring/tap.h>
/* helpers.h's t_unique_name() trips gcc's -Wformat-truncation (a false
 * positive: the pid part is at most 8 characters), fatal under CI -Werror.
 * Drop this once helpers.h is fixed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

static void expect_fail(const struct tr_tap_config *cfg, int want)
{
	int err = 0;
	struct tr_tap *t = tr_tap_create(cfg, &err);
	T_CHECK(t == NULL);
	T_CHECK_EQ(err, want);
	if (t)
		tr_tap_destroy(t, TR_TAP_DESTROY_DELETE);
}

int main(void)
{
	struct tr_tap_config c = TR_TAP_CONFIG_INIT;

	expect_fail(NULL, -EINVAL);
	c.name = "0123456789abcdef";          /* 16 bytes */
	expect_fail(&c, -ENAMETOOLONG);
	c.name = "a/b";
	expect_fail(&c, -EINVAL);
	c.name = "a b";
	expect_fail(&c, -EINVAL);
	c.name = "..";
	expect_fail(&c, -EINVAL);
	c.name = "ok";
	c.queues = 2;                         /* needs multi_queue */
	expect_fail(&c, -EINVAL);
	c.flags = TR_TAP_MULTI_QUEUE;
	c.queues = TR_TAP_MAX_QUEUES + 1;
	expect_fail(&c, -EINVAL);
	c.queues = 1;
	c.flags = 1u << 20;                   /* unknown flag */
	expect_fail(&c, -EINVAL);
	c.flags = 0;
	c.owner = -2;
	expect_fail(&c, -EINVAL);
	c.owner = TR_TAP_ID_NONE;
	c.group = (int64_t)1 << 40;
	expect_fail(&c, -EINVAL);
	/* NULL err is allowed */
	T_CHECK(tr_tap_create(NULL, NULL) == NULL);

	T_CHECK_STR(tr_tap_strerror(-EPERM), "needs CAP_NET_ADMIN (run as root)");
	T_CHECK_STR(tr_tap_strerror(EPERM), "needs CAP_NET_ADMIN (run as root)");
	T_CHECK(strstr(tr_tap_strerror(-ENAMETOOLONG), "15 bytes") != NULL);
	T_CHECK(strstr(tr_tap_strerror(-EBUSY), "busy") != NULL);
	T_CHECK(tr_tap_strerror(-ENOSPC) != NULL && tr_tap_strerror(-ENOSPC)[0] != '\0');
	T_CHECK(tr_tap_strerror(-99999) != NULL);

	/* link calls by name validate before opening sockets */
	struct tr_tap_link_info li;
	T_CHECK_EQ(tr_tap_link_get(NULL, "0123456789abcdef", &li), -ENAMETOOLONG);
	T_CHECK_EQ(tr_tap_link_delete(NULL, ""), -EINVAL);
	T_CHECK_EQ(tr_tap_link_delete("..", "x"), -EINVAL);
	T_CHECK_EQ(tr_tap_link_list("no-such-netns-tr", NULL, 0), -ENOENT);
	return t_done();
}
