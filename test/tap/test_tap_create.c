/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_create: create and destroy TAP/TUN devices by name and by kernel
 * template (tap%d/tun%d); flags reach the kernel (no_pi default, vnet_hdr,
 * tun); fds are O_CLOEXEC; exclusive create of an existing name fails with
 * EBUSY; destroy makes the device vanish; a name still held by another
 * (exiting) process is retried until it frees up. Needs CAP_NET_ADMIN.
 */
#include <fcntl.h>
#include <net/if.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include <tapring/tap.h>
/* helpers.h's t_unique_name() trips gcc's -Wformat-truncation (a false
 * positive: the pid part is at most 8 characters), fatal under CI -Werror.
 * Drop this once helpers.h is fixed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

static int dev_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

static short kernel_flags(int fd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	T_ASSERT(ioctl(fd, TUNGETIFF, &ifr) == 0);
	return ifr.ifr_flags;
}

int main(void)
{
	t_require_net_admin();
	char name[16];
	int err = 1;

	/* by name, TAP, default no_pi */
	t_unique_name("trc", name);
	struct tr_tap_config cfg = TR_TAP_CONFIG_INIT;
	cfg.name = name;
	struct tr_tap *tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(err, 0);
	T_CHECK_STR(tr_tap_name(tap), name);
	T_CHECK(dev_exists(name));
	T_CHECK_EQ(tr_tap_ifindex(tap), (int)if_nametoindex(name));
	T_CHECK_EQ(tr_tap_queue_count(tap), 1);
	int fd = tr_tap_fd(tap, 0);
	T_CHECK(fd >= 0);
	T_CHECK_EQ(tr_tap_fd(tap, 1), -1);
	T_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	short kf = kernel_flags(fd);
	T_CHECK(kf & IFF_TAP);
	/* (TUNGETIFF reports bit 0x1000 as IFF_NOFILTER, so no_pi is read
	 * from rtnetlink's IFLA_TUN_PI instead.) */
	struct tr_tap_link_info li;
	T_CHECK_EQ(tr_tap_get_link(tap, &li), 0);
	T_CHECK(li.is_tun);
	T_CHECK_EQ(li.tun_flags & (TR_TAP_PI | TR_TAP_TUN | TR_TAP_PERSIST), 0);
	T_CHECK_EQ(li.mac_len, 6);
	T_CHECK_EQ(li.queues, 0);      /* reported for multi_queue only */
	T_CHECK(!(kf & IFF_VNET_HDR));
	T_CHECK(!(kf & IFF_PERSIST));
	T_CHECK_EQ(tr_tap_flags(tap) & TR_TAP_TUN, 0);

	/* exclusive create of an existing name: EBUSY (after the retry window) */
	struct tr_tap_config ex = cfg;
	ex.flags = TR_TAP_EXCL;
	err = 0;
	T_CHECK(tr_tap_create(&ex, &err) == NULL);
	T_CHECK_EQ(err, -EBUSY);

	/* a second single-queue open of a busy device fails too */
	err = 0;
	T_CHECK(tr_tap_create(&cfg, &err) == NULL);
	T_CHECK_EQ(err, -EBUSY);

	/* a TUN with the same name is a type mismatch */
	struct tr_tap_config mis = cfg;
	mis.flags = TR_TAP_TUN;
	err = 0;
	T_CHECK(tr_tap_create(&mis, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);

	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(!dev_exists(name));

	/* kernel-chosen name: tap%d */
	cfg.name = NULL;
	cfg.flags = TR_TAP_VNET_HDR | TR_TAP_ONE_QUEUE;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	char got[16];
	snprintf(got, sizeof(got), "%s", tr_tap_name(tap));
	T_CHECK(strncmp(got, "tap", 3) == 0 && strlen(got) > 3);
	T_CHECK(dev_exists(got));
	kf = kernel_flags(tr_tap_fd(tap, 0));
	T_CHECK(kf & IFF_VNET_HDR);
	T_CHECK(tr_tap_flags(tap) & TR_TAP_VNET_HDR);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(!dev_exists(got));

	/* TUN with a template of our own, packet info kept */
	char tmpl[16];
	snprintf(tmpl, sizeof(tmpl), "tt%x%%d", (unsigned)getpid() & 0xffff);
	cfg.name = tmpl;
	cfg.flags = TR_TAP_TUN | TR_TAP_PI;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	snprintf(got, sizeof(got), "%s", tr_tap_name(tap));
	T_CHECK(strchr(got, '%') == NULL);
	T_CHECK(dev_exists(got));
	kf = kernel_flags(tr_tap_fd(tap, 0));
	T_CHECK(kf & IFF_TUN);
	T_CHECK(tr_tap_flags(tap) & TR_TAP_TUN);
	T_CHECK_EQ(tr_tap_get_link(tap, &li), 0);
	T_CHECK(li.is_tun);
	T_CHECK(li.tun_flags & TR_TAP_TUN);
	T_CHECK(li.tun_flags & TR_TAP_PI);
	T_CHECK_EQ(li.mac_len, 0);
	T_CHECK_STR(li.name, got);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(!dev_exists(got));

	/* EBUSY retry: a child holds the name for ~300 ms, then exits; our
	 * create waits for it instead of failing */
	t_unique_name("trb", name);
	cfg.name = name;
	cfg.flags = 0;
	int pfd[2];
	T_ASSERT(pipe(pfd) == 0);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		int e;
		struct tr_tap *c = tr_tap_create(&cfg, &e);
		char ok = c ? 'y' : 'n';
		if (write(pfd[1], &ok, 1) != 1)
			_exit(1);
		struct timespec ts = { 0, 300000000L };
		nanosleep(&ts, NULL);
		_exit(0);   /* the fd closes with the process: device goes */
	}
	char ok = 0;
	T_CHECK_EQ(read(pfd[0], &ok, 1), 1);
	T_CHECK_EQ(ok, 'y');
	close(pfd[0]);
	close(pfd[1]);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tap = tr_tap_create(&cfg, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	T_CHECK(tap != NULL);
	T_CHECK(ms >= 150 && ms < 1100);       /* it did wait, within the window */
	int st = 0;
	T_CHECK_EQ(waitpid(pid, &st, 0), pid);
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (tap)
		T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(!dev_exists(name));

	/* NULL is a no-op */
	T_CHECK_EQ(tr_tap_destroy(NULL, 0), 0);
	return t_done();
}
