/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_mq: a multiqueue TAP with N distinct queue fds; detach and re-attach
 * a queue (TUNSETQUEUE) and see the kernel's attached/detached counts
 * (read back over rtnetlink) follow. Needs CAP_NET_ADMIN.
 */
#include <fcntl.h>
#include <net/if.h>
#include <tapring/tap.h>
/* helpers.h's t_unique_name() trips gcc's -Wformat-truncation (a false
 * positive: the pid part is at most 8 characters), fatal under CI -Werror.
 * Drop this once helpers.h is fixed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

#define NQ 4

static void counts(struct tr_tap *tap, unsigned *att, unsigned *det)
{
	struct tr_tap_link_info li;
	T_ASSERT(tr_tap_get_link(tap, &li) == 0);
	T_CHECK(li.tun_flags & TR_TAP_MULTI_QUEUE);
	*att = li.queues;
	*det = li.detached;
}

int main(void)
{
	t_require_net_admin();
	char name[16];
	int err;
	unsigned att, det;

	t_unique_name("trq", name);
	struct tr_tap_config cfg = TR_TAP_CONFIG_INIT;
	cfg.name = name;
	cfg.flags = TR_TAP_MULTI_QUEUE;
	cfg.queues = NQ;
	struct tr_tap *tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_queue_count(tap), NQ);
	for (unsigned i = 0; i < NQ; i++) {
		int fd = tr_tap_fd(tap, i);
		T_CHECK(fd >= 0);
		T_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		T_CHECK_EQ(tr_tap_queue_attached(tap, i), 1);
		for (unsigned j = 0; j < i; j++)
			T_CHECK(tr_tap_fd(tap, j) != fd);
	}
	T_CHECK_EQ(tr_tap_queue_attached(tap, NQ), -EINVAL);
	counts(tap, &att, &det);
	T_CHECK_EQ(att, NQ);
	T_CHECK_EQ(det, 0);

	/* the device must be up for writes to be accepted */
	T_CHECK_EQ(tr_tap_set_up(tap, true), 0);
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5 };
	T_CHECK_EQ(write(tr_tap_fd(tap, 2), frame, sizeof(frame)), (ssize_t)sizeof(frame));

	T_CHECK_EQ(tr_tap_queue_detach(tap, 2), 0);
	T_CHECK_EQ(tr_tap_queue_attached(tap, 2), 0);
	T_CHECK_EQ(tr_tap_queue_detach(tap, 2), 0);   /* idempotent */
	counts(tap, &att, &det);
	T_CHECK_EQ(att, NQ - 1);
	T_CHECK_EQ(det, 1);

	T_CHECK_EQ(tr_tap_queue_detach(tap, 0), 0);
	counts(tap, &att, &det);
	T_CHECK_EQ(att, NQ - 2);
	T_CHECK_EQ(det, 2);

	T_CHECK_EQ(tr_tap_queue_attach(tap, 2), 0);
	T_CHECK_EQ(tr_tap_queue_attach(tap, 0), 0);
	counts(tap, &att, &det);
	T_CHECK_EQ(att, NQ);
	T_CHECK_EQ(det, 0);
	T_CHECK_EQ(write(tr_tap_fd(tap, 2), frame, sizeof(frame)), (ssize_t)sizeof(frame));
	T_CHECK_EQ(tr_tap_queue_attach(tap, NQ), -EINVAL);

	/* detaching every queue keeps the device (the kernel counts detached
	 * queues); destroy still removes it */
	for (unsigned i = 0; i < NQ; i++)
		T_CHECK_EQ(tr_tap_queue_detach(tap, i), 0);
	T_CHECK(if_nametoindex(name) != 0);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(if_nametoindex(name) == 0);

	/* single-queue devices have no queue control */
	cfg.flags = 0;
	cfg.queues = 1;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_queue_detach(tap, 0), -EOPNOTSUPP);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);

	/* a template name: queues after the first join the chosen name */
	char tmpl[16];
	snprintf(tmpl, sizeof(tmpl), "tm%x%%d", (unsigned)getpid() & 0xffff);
	cfg.name = tmpl;
	cfg.flags = TR_TAP_MULTI_QUEUE;
	cfg.queues = 3;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	counts(tap, &att, &det);
	T_CHECK_EQ(att, 3);
	T_CHECK(strchr(tr_tap_name(tap), '%') == NULL);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	cfg.name = name;

	/* the kernel limit */
	cfg.flags = TR_TAP_MULTI_QUEUE;
	cfg.queues = TR_TAP_MAX_QUEUES + 1;
	T_CHECK(tr_tap_create(&cfg, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);
	T_CHECK(if_nametoindex(name) == 0);
	return t_done();
}
