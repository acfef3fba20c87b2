/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_persist: TUNSETPERSIST keeps the device after its fds close
 * (destroy KEEP), a later create re-attaches to it, owner and group reach
 * the kernel (sysfs and rtnetlink agree), destroy DEFAULT clears persist and
 * destroy DELETE removes the link via rtnetlink. Needs CAP_NET_ADMIN.
 */
#include <net/if.h>
#include <tapring/tap.h>
/* helpers.h's t_unique_name() trips gcc's -Wformat-truncation (a false
 * positive: the pid part is at most 8 characters), fatal under CI -Werror.
 * Drop this once helpers.h is fixed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

static long sysfs_long(const char *name, const char *attr)
{
	char path[128], buf[64];
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	FILE *f = fopen(path, "r");
	if (!f)
		return -100;
	long v = -100;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);
	fclose(f);
	return v;
}

int main(void)
{
	t_require_net_admin();
	char name[16];
	int err;

	t_unique_name("trp", name);
	struct tr_tap_config cfg = TR_TAP_CONFIG_INIT;
	cfg.name = name;
	cfg.flags = TR_TAP_PERSIST;
	cfg.owner = 4242;
	cfg.group = 4343;
	struct tr_tap *tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK(tr_tap_flags(tap) & TR_TAP_PERSIST);
	T_CHECK_EQ(tr_tap_owner(tap), 4242);
	T_CHECK_EQ(tr_tap_group(tap), 4343);
	T_CHECK_EQ(sysfs_long(name, "owner"), 4242);
	T_CHECK_EQ(sysfs_long(name, "group"), 4343);
	T_CHECK(sysfs_long(name, "tun_flags") & 0x0800);    /* IFF_PERSIST */
	struct tr_tap_link_info li;
	T_CHECK_EQ(tr_tap_link_get(NULL, name, &li), 0);
	T_CHECK(li.tun_flags & TR_TAP_PERSIST);
	T_CHECK_EQ(li.owner, 4242);
	T_CHECK_EQ(li.group, 4343);

	/* change the owner and group; the kernel cannot clear them */
	T_CHECK_EQ(tr_tap_set_owner(tap, 7), 0);
	T_CHECK_EQ(sysfs_long(name, "owner"), 7);
	T_CHECK_EQ(tr_tap_set_group(tap, 8), 0);
	T_CHECK_EQ(tr_tap_link_get(NULL, name, &li), 0);
	T_CHECK_EQ(li.owner, 7);
	T_CHECK_EQ(li.group, 8);
	T_CHECK_EQ(tr_tap_owner(tap), 7);
	T_CHECK_EQ(tr_tap_set_owner(tap, TR_TAP_ID_NONE), -EINVAL);
	T_CHECK_EQ(tr_tap_set_group(tap, TR_TAP_ID_NONE), -EINVAL);
	T_CHECK_EQ(tr_tap_set_owner(tap, -5), -EINVAL);
	T_CHECK_EQ(sysfs_long(name, "owner"), 7);

	/* KEEP: fds closed, the device stays */
	int idx = tr_tap_ifindex(tap);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_KEEP), 0);
	T_CHECK_EQ((int)if_nametoindex(name), idx);

	/* re-attach to the persistent device: same ifindex, persist seen */
	cfg.flags = 0;
	cfg.owner = cfg.group = TR_TAP_ID_NONE;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_ifindex(tap), idx);
	T_CHECK(tr_tap_flags(tap) & TR_TAP_PERSIST);
	/* DEFAULT: persist cleared, device gone */
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(if_nametoindex(name) == 0);

	/* clearing persist at runtime: the device then dies with its fd */
	cfg.flags = TR_TAP_PERSIST;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_set_persist(tap, false), 0);
	T_CHECK(!(tr_tap_flags(tap) & TR_TAP_PERSIST));
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_KEEP), 0);
	T_CHECK(if_nametoindex(name) == 0);

	/* DELETE: the link is removed through rtnetlink even though persistent */
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DELETE), 0);
	T_CHECK(if_nametoindex(name) == 0);

	/* by-name delete of a persistent device with no fds open */
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_KEEP), 0);
	T_CHECK(if_nametoindex(name) != 0);
	T_CHECK_EQ(tr_tap_link_delete(NULL, name), 0);
	T_CHECK(if_nametoindex(name) == 0);
	T_CHECK_EQ(tr_tap_link_delete(NULL, name), -ENODEV);
	return t_done();
}
