/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_byname: the tr_tap_link_*() setters, which name a link by (netns,
 * ifname) and run the handle calls on a handle they resolve, do what the
 * handle calls do: MTU, MAC, up/down and addresses set by name are read
 * back through the handle (and the other way round), in our namespace and
 * in one made here; a TUN still refuses a MAC; and the argument errors
 * (NULL, a name too long, no such link or namespace) come out as before.
 * Needs CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <tapring/tap.h>
/* helpers.h's t_unique_name() trips gcc's -Wformat-truncation (a false
 * positive: the pid part is at most 8 characters), fatal under CI -Werror. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

static struct tr_tap_addr v4(const char *local, unsigned plen)
{
	struct tr_tap_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.prefix_len = (uint8_t)plen;
	T_ASSERT(inet_pton(AF_INET, local, a.local) == 1);
	return a;
}

/* Settings by name (ns may be NULL), each read back through the handle. */
static void by_name(struct tr_tap *tap, const char *ns, const char *name)
{
	unsigned mtu = 0;
	T_CHECK_EQ(tr_tap_link_set_mtu(ns, name, 1280), 0);
	T_CHECK_EQ(tr_tap_get_mtu(tap, &mtu), 0);
	T_CHECK_EQ(mtu, 1280);
	T_CHECK_EQ(tr_tap_link_set_mtu(ns, name, 10), -EINVAL);   /* below ETH_MIN_MTU: the kernel */
	T_CHECK_EQ(tr_tap_link_set_mtu(ns, name, 0x80000000u), -EINVAL);

	const uint8_t mac[6] = { 0x02, 0x77, 0x00, 0xab, 0xcd, 0xef };
	uint8_t got[6] = { 0 };
	T_CHECK_EQ(tr_tap_link_set_mac(ns, name, mac), 0);
	T_CHECK_EQ(tr_tap_get_mac(tap, got), 0);
	T_CHECK(memcmp(got, mac, 6) == 0);
	T_CHECK_EQ(tr_tap_link_set_mac(ns, name, NULL), -EINVAL);

	T_CHECK_EQ(tr_tap_link_set_up(ns, name, true), 0);
	T_CHECK_EQ(tr_tap_is_up(tap), 1);
	T_CHECK_EQ(tr_tap_link_set_up(ns, name, false), 0);
	T_CHECK_EQ(tr_tap_is_up(tap), 0);

	struct tr_tap_addr a = v4("10.77.41.1", 24), list[8];
	T_CHECK_EQ(tr_tap_link_addr_add(ns, name, &a), 0);
	T_CHECK_EQ(tr_tap_link_addr_add(ns, name, &a), -EEXIST);
	T_CHECK_EQ(tr_tap_addr_list(tap, list, 8), 1);
	T_CHECK_EQ(tr_tap_link_addr_list(ns, name, list, 8), 1);
	T_CHECK(list[0].family == AF_INET && list[0].prefix_len == 24 && !memcmp(list[0].local, a.local, 4));
	struct tr_tap_addr bad = v4("10.77.41.2", 33);
	T_CHECK_EQ(tr_tap_link_addr_add(ns, name, &bad), -EINVAL);
	bad.family = 99;
	T_CHECK_EQ(tr_tap_link_addr_add(ns, name, &bad), -EAFNOSUPPORT);
	T_CHECK_EQ(tr_tap_link_addr_add(ns, name, NULL), -EINVAL);
	T_CHECK_EQ(tr_tap_link_addr_del(ns, name, &a), 0);
	T_CHECK_EQ(tr_tap_link_addr_del(ns, name, &a), -EADDRNOTAVAIL);
	T_CHECK_EQ(tr_tap_addr_list(tap, list, 8), 0);

	/* and the handle's settings are what a by-name read sees */
	struct tr_tap_link_info li;
	T_CHECK_EQ(tr_tap_set_mtu(tap, 1400), 0);
	T_CHECK_EQ(tr_tap_link_get(ns, name, &li), 0);
	T_CHECK_EQ(li.mtu, 1400);
	T_CHECK_EQ(li.ifindex, tr_tap_ifindex(tap));
	T_CHECK(li.is_tun && !(li.tun_flags & TR_TAP_TUN));
}

int main(void)
{
	t_require_net_admin();
	char name[16], tun[16], ns[16];
	int err;

	t_unique_name("trn", name);
	struct tr_tap_config cfg = TR_TAP_CONFIG_INIT;
	cfg.name = name;
	struct tr_tap *tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	by_name(tap, NULL, name);

	/* no such link / namespace, bad names */
	char missing[16];
	t_unique_name("trx", missing);
	T_CHECK_EQ(tr_tap_link_set_mtu(NULL, missing, 1500), -ENODEV);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, missing, true), -ENODEV);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, NULL, true), -EINVAL);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, "", true), -EINVAL);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, "0123456789abcdef", true), -ENAMETOOLONG);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, "a/b", true), -EINVAL);
	T_CHECK_EQ(tr_tap_link_set_up("no-such-netns-trn", name, true), -ENOENT);
	struct tr_tap_addr list[4];
	T_CHECK_EQ(tr_tap_link_addr_list(NULL, missing, list, 4), -ENODEV);

	/* in another namespace: the handle follows its device there */
	t_netns_add(ns);
	T_CHECK_EQ(tr_tap_move_netns(tap, ns), 0);
	T_CHECK_EQ(tr_tap_link_set_up(NULL, name, true), -ENODEV);   /* gone from ours */
	by_name(tap, ns, name);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DELETE), 0);
	T_CHECK_EQ(tr_tap_link_set_up(ns, name, true), -ENODEV);

	/* a TUN has no MAC, by name as by handle (the kernel says so) */
	t_unique_name("trt", tun);
	cfg.name = tun;
	cfg.flags = TR_TAP_TUN;
	tap = tr_tap_create(&cfg, &err);
	T_ASSERT(tap != NULL);
	const uint8_t mac[6] = { 0x02, 0x77, 0, 0, 0, 9 };
	T_CHECK(tr_tap_link_set_mac(NULL, tun, mac) < 0);
	T_CHECK_EQ(tr_tap_set_mac(tap, mac), -EOPNOTSUPP);
	T_CHECK_EQ(tr_tap_link_set_mtu(NULL, tun, 1300), 0);
	unsigned mtu = 0;
	T_CHECK_EQ(tr_tap_get_mtu(tap, &mtu), 0);
	T_CHECK_EQ(mtu, 1300);
	T_CHECK_EQ(tr_tap_destroy(tap, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(if_nametoindex(tun) == 0);
	return t_done();
}
