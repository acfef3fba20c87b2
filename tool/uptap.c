/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tool/uptap.c: how `tapring up` gets its TAP, QEMU style. A persistent
 * TAP that already exists in the calling namespace (for instance one made by
 * `tapring tap create NAME --owner UID --group GID --addr ... --up`) is
 * attached to, not created: the kernel lets its owner (and members of its
 * group) attach without any capability, so an unprivileged user can serve
 * it. What needs CAP_NET_ADMIN is skipped when the device already has it
 * (its addresses, its up state); what is still missing is reported with
 * the capability it needs and why. The device is left in place at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tapring/addr.h>
#include <tapring/tap.h>

#include "up.h"
#include "uptap.h"

#define SET_ERR(...) do { snprintf(err, errlen, __VA_ARGS__); } while (0)

int up_tap_plan(const struct up_opts *o, struct tr_tap_config *tc, struct tr_tap_link_info *li,
		char *err, size_t errlen)
{
	int rc = tr_tap_link_get(NULL, o->tap, li);

	if (rc == -ENODEV)
		return 0;               /* create it */
	if (rc < 0) {
		SET_ERR("cannot look up %s: %s", o->tap, tr_tap_strerror(rc));
		return rc;
	}
	if (!li->is_tun) {
		SET_ERR("%s exists and is not a TAP device", o->tap);
		return -EEXIST;
	}
	if (!(li->tun_flags & TR_TAP_PERSIST)) {
		/* a non-persistent TUN/TAP exists only while a process holds it */
		SET_ERR("TAP name %s is in use by another process", o->tap);
		return -EBUSY;
	}
	if ((li->tun_flags & TR_TAP_TUN) && !o->tun) {
		SET_ERR("%s is a TUN (layer 3) device: serve it with tapring up --tun", o->tap);
		return -EINVAL;
	}
	if (!(li->tun_flags & TR_TAP_TUN) && o->tun) {
		SET_ERR("%s is an Ethernet TAP, not a TUN: drop --tun", o->tap);
		return -EINVAL;
	}
	if (o->queues > 1 && !(li->tun_flags & TR_TAP_MULTI_QUEUE)) {
		SET_ERR("--queues %u: %s is a single-queue TAP (make it with tapring tap create %s "
			"--queues N)", o->queues, o->tap, o->tap);
		return -EINVAL;
	}
	if (li->queues + li->detached + o->queues > TR_TAP_MAX_QUEUES) {
		SET_ERR("--queues %u: %s already has %u queues open; the kernel allows %d", o->queues,
			o->tap, li->queues + li->detached, TR_TAP_MAX_QUEUES);
		return -EINVAL;
	}
	/* Attach: no EXCL (the name exists on purpose), and the device's own
	 * queue mode, which TUNSETIFF requires to match. */
	tc->flags &= ~(uint32_t)(TR_TAP_EXCL | TR_TAP_MULTI_QUEUE);
	if (li->tun_flags & TR_TAP_MULTI_QUEUE)
		tc->flags |= TR_TAP_MULTI_QUEUE;
	return 1;
}

const char *up_tap_attach_error(const struct tr_tap_link_info *li, int e, char *buf, size_t len)
{
	if (e == -EACCES && access("/dev/net/tun", R_OK | W_OK) != 0) {
		snprintf(buf, len, "attaching to TAP %s: cannot open /dev/net/tun (uid %u has no read/write "
			 "access; distributions make it mode 0666, this host restricts it)", li->name,
			 (unsigned)geteuid());
	} else if (e == -EPERM || e == -EACCES) {
		char who[96] = "";

		if (li->owner != TR_TAP_ID_NONE && li->group != TR_TAP_ID_NONE)
			snprintf(who, sizeof(who), "uid %lld and group %lld", (long long)li->owner,
				 (long long)li->group);
		else if (li->owner != TR_TAP_ID_NONE)
			snprintf(who, sizeof(who), "uid %lld", (long long)li->owner);
		else if (li->group != TR_TAP_ID_NONE)
			snprintf(who, sizeof(who), "group %lld", (long long)li->group);
		snprintf(buf, len, "attaching to TAP %s needs %s%sCAP_NET_ADMIN (we are uid %u)",
			 li->name, who, who[0] ? " or " : "", (unsigned)geteuid());
	} else if (e == -EBUSY) {
		snprintf(buf, len, "TAP name %s is in use by another process", li->name);
	} else {
		snprintf(buf, len, "cannot attach to TAP %s: %s", li->name, tr_tap_strerror(e));
	}
	return buf;
}

static bool has_addr(const struct tr_tap_addr *have, int n, const struct tr_tap_addr *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	for (int i = 0; i < n; i++)
		if (have[i].family == a->family && have[i].prefix_len == a->prefix_len &&
		    !memcmp(have[i].local, a->local, alen))
			return true;
	return false;
}

int up_tap_attach_side(struct tr_tap *tap, const struct up_opts *o, char *err, size_t errlen)
{
	struct tr_tap_addr have[64];
	const char *name = tr_tap_name(tap);
	int n = 0, e;

	if (o->netns && (e = tr_tap_move_netns(tap, o->netns)) != 0) {
		if (e == -EPERM || e == -EACCES)
			SET_ERR("moving %s into netns %s needs CAP_SYS_ADMIN (to open the namespace) and "
				"CAP_NET_ADMIN in both namespaces; to serve a user-owned TAP without them, "
				"create it there (tapring tap create %s --netns %s ...) and run tapring up "
				"inside %s without --netns", name, o->netns, name, o->netns, o->netns);
		else
			SET_ERR("cannot move %s into netns %s: %s", name, o->netns, tr_tap_strerror(e));
		return e;
	}
	if (o->nhost_addr) {
		n = tr_tap_addr_list(tap, have, sizeof(have) / sizeof(have[0]));
		if (n < 0) {
			SET_ERR("cannot list the addresses of %s: %s", name, tr_tap_strerror(n));
			return n;
		}
		if (n > (int)(sizeof(have) / sizeof(have[0])))
			n = (int)(sizeof(have) / sizeof(have[0]));
	}
	for (unsigned i = 0; i < o->nhost_addr; i++) {
		struct tr_tap_addr a = { 0 };
		char txt[TR_IPV6_STRLEN];

		a.family = o->host_addr[i].family == 4 ? AF_INET : AF_INET6;
		a.prefix_len = o->host_addr[i].prefix;
		memcpy(a.local, o->host_addr[i].addr, 16);
		if (has_addr(have, n, &a))
			continue;       /* already there: nothing to do, nothing to need */
		if ((e = tr_tap_addr_add(tap, &a)) != 0) {
			if (a.family == AF_INET)
				tr_addr_ipv4_fmt(a.local, txt);
			else
				tr_addr_ipv6_fmt(a.local, txt);
			if (e == -EPERM || e == -EACCES)
				SET_ERR("--host-addr %s/%u: adding an address to %s needs CAP_NET_ADMIN "
					"(the device does not have it; give it at creation: tapring tap "
					"create %s --addr %s/%u)", txt, a.prefix_len, name, name, txt,
					a.prefix_len);
			else
				SET_ERR("cannot add host address %s/%u to %s: %s", txt, a.prefix_len, name,
					tr_tap_strerror(e));
			return e;
		}
	}
	e = tr_tap_is_up(tap);
	if (e == 1)
		return 0;               /* already up: no CAP_NET_ADMIN needed */
	if (e == 0)
		e = tr_tap_set_up(tap, true);
	if (e != 0) {
		if (e == -EPERM || e == -EACCES)
			SET_ERR("bringing %s up needs CAP_NET_ADMIN (it is down; create it with "
				"tapring tap create %s --up, or run ip link set %s up as root)", name,
				name, name);
		else
			SET_ERR("cannot bring %s up: %s", name, tr_tap_strerror(e));
		return e;
	}
	return 0;
}
