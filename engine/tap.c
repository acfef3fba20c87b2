/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/tap.c: TUN/TAP devices (ioctls on /dev/net/tun queue fds) and their
 * link configuration through rtnetlink (the requests are built and parsed
 * in netlink.c). Every link setting has one implementation, on a handle;
 * the tr_tap_link_*() calls by (netns, ifname) run it on a queue-less
 * handle they resolve first. Control path only.
 */
#include <tapring/tap.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "netlink_pvt.h"

#define TR_TAP_ALL_FLAGS (TR_TAP_TUN | TR_TAP_PI | TR_TAP_VNET_HDR | TR_TAP_EXCL | \
			  TR_TAP_MULTI_QUEUE | TR_TAP_ONE_QUEUE | TR_TAP_PERSIST)

/* EBUSY retry in create: 100 x 10 ms. */
#define TR_TAP_BUSY_TRIES 100
#define TR_TAP_BUSY_SLEEP_NS 10000000L

struct tr_tap {
	char name[TR_TAP_NAME_MAX];
	uint32_t flags;        /* TR_TAP_*, PERSIST tracks the current state */
	int ifindex;           /* in the namespace of nsfd */
	int nsfd;              /* namespace the device lives in; -1: ours */
	int64_t owner, group;
	unsigned nq;
	int *fds;
	uint8_t *attached;
};

/* ---- helpers -------------------------------------------------------------- */

static void tr_tap_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* The kernel's dev_valid_name(), checked up front for a clear error. */
static int tr_tap_check_name(const char *name)
{
	size_t n = strnlen(name, TR_TAP_NAME_MAX);
	if (n >= TR_TAP_NAME_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
			return -EINVAL;
	}
	return 0;
}

static int tr_tap_check_id(int64_t id)
{
	return id == TR_TAP_ID_NONE || (id >= 0 && id < (int64_t)UINT32_MAX) ? 0 : -EINVAL;
}

/* First attached queue fd (ioctls other than TUNSETQUEUE need one). */
static int tr_tap_ctl_fd(const struct tr_tap *tap)
{
	for (unsigned i = 0; i < tap->nq; i++)
		if (tap->attached[i])
			return tap->fds[i];
	return -1;
}

static int tr_tap_ioctl_int(const struct tr_tap *tap, unsigned long req, unsigned long v)
{
	int fd = tr_tap_ctl_fd(tap);
	if (fd < 0)
		return -EBADFD;
	return ioctl(fd, req, v) < 0 ? -errno : 0;
}

/* ---- create / destroy ------------------------------------------------------ */

static int tr_tap_setiff(int fd, struct ifreq *ifr, int retry_busy)
{
	struct ifreq saved = *ifr;
	for (int i = 0;; i++) {
		if (ioctl(fd, TUNSETIFF, ifr) == 0)
			return 0;
		int e = errno;
		if (e != EBUSY || !retry_busy || i + 1 >= TR_TAP_BUSY_TRIES)
			return -e;
		*ifr = saved;
		struct timespec ts = { 0, TR_TAP_BUSY_SLEEP_NS };
		nanosleep(&ts, NULL);
	}
}

struct tr_tap *tr_tap_create(const struct tr_tap_config *cfg, int *err)
{
	struct tr_tap *tap = NULL;
	int e = 0;
	int dummy;

	if (!err)
		err = &dummy;
	if (!cfg) {
		*err = -EINVAL;
		return NULL;
	}
	const char *name = cfg->name ? cfg->name : "";
	unsigned nq = cfg->queues ? cfg->queues : 1;
	if ((e = tr_tap_check_name(name)) != 0)
		goto fail;
	if ((cfg->flags & ~(uint32_t)TR_TAP_ALL_FLAGS) ||
	    nq > TR_TAP_MAX_QUEUES ||
	    (nq > 1 && !(cfg->flags & TR_TAP_MULTI_QUEUE)) ||
	    tr_tap_check_id(cfg->owner) || tr_tap_check_id(cfg->group)) {
		e = -EINVAL;
		goto fail;
	}

	tap = calloc(1, sizeof(*tap));
	if (!tap) {
		e = -ENOMEM;
		goto fail;
	}
	tap->nsfd = -1;
	tap->owner = TR_TAP_ID_NONE;
	tap->group = TR_TAP_ID_NONE;
	tap->fds = malloc(nq * sizeof(int));
	tap->attached = calloc(nq, 1);
	if (!tap->fds || !tap->attached) {
		e = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < nq; i++)
		tap->fds[i] = -1;
	tap->nq = nq;

	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	short f = (cfg->flags & TR_TAP_TUN) ? IFF_TUN : IFF_TAP;
	if (!(cfg->flags & TR_TAP_PI))
		f |= IFF_NO_PI;
	if (cfg->flags & TR_TAP_VNET_HDR)
		f |= IFF_VNET_HDR;
	if (cfg->flags & TR_TAP_MULTI_QUEUE)
		f |= IFF_MULTI_QUEUE;
	if (cfg->flags & TR_TAP_ONE_QUEUE)
		f |= IFF_ONE_QUEUE;   /* ignored by the kernel since 3.8 */
	if (name[0])
		memcpy(ifr.ifr_name, name, strlen(name));
	else
		memcpy(ifr.ifr_name, (cfg->flags & TR_TAP_TUN) ? "tun%d" : "tap%d", 6);

	for (unsigned i = 0; i < nq; i++) {
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			e = -errno;
			goto fail;
		}
		tap->fds[i] = fd;
		/* EXCL only on the first queue: the others join our device. */
		ifr.ifr_flags = (short)(f | ((i == 0 && (cfg->flags & TR_TAP_EXCL)) ? IFF_TUN_EXCL : 0));
		if ((e = tr_tap_setiff(fd, &ifr, i == 0)) != 0)
			goto fail;
		tap->attached[i] = 1;
		/* ifr_name now holds the kernel's name for the next queues. */
	}
	memcpy(tap->name, ifr.ifr_name, IFNAMSIZ);
	tap->name[TR_TAP_NAME_MAX - 1] = '\0';

	/* Learn the real state (an existing device may already be persistent). */
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(tap->fds[0], TUNGETIFF, &ifr) < 0) {
		e = -errno;
		goto fail;
	}
	tap->flags = cfg->flags & ~(uint32_t)(TR_TAP_PERSIST | TR_TAP_EXCL);
	if (ifr.ifr_flags & IFF_PERSIST)
		tap->flags |= TR_TAP_PERSIST;

	if (cfg->owner != TR_TAP_ID_NONE && (e = tr_tap_set_owner(tap, cfg->owner)) != 0)
		goto fail;
	if (cfg->group != TR_TAP_ID_NONE && (e = tr_tap_set_group(tap, cfg->group)) != 0)
		goto fail;

	tap->ifindex = (int)if_nametoindex(tap->name);
	if (tap->ifindex == 0) {
		e = errno ? -errno : -ENODEV;
		goto fail;
	}
	/* Persist last: nothing after it can fail, so a failed create never
	 * leaves a persistent device behind. */
	if ((cfg->flags & TR_TAP_PERSIST) && !(tap->flags & TR_TAP_PERSIST)) {
		if ((e = tr_tap_set_persist(tap, true)) != 0)
			goto fail;
	}
	*err = 0;
	return tap;

fail:
	if (tap) {
		/* A device we created is not persistent yet (persist is set
		 * last), so it goes away with its last fd; an existing one
		 * is left as it was. */
		if (tap->fds)
			tr_tap_close_fds(tap->fds, tap->nq);
		free(tap->fds);
		free(tap->attached);
		free(tap);
	}
	*err = e ? e : -EINVAL;
	return NULL;
}

int tr_tap_destroy(struct tr_tap *tap, int mode)
{
	int rc = 0;
	if (!tap)
		return 0;
	if (mode == TR_TAP_DESTROY_DELETE) {
		rc = tr_nl_link_del(tap->nsfd, tap->ifindex, NULL);
	} else if (mode != TR_TAP_DESTROY_KEEP && (tap->flags & TR_TAP_PERSIST)) {
		/* TUNSETPERSIST needs an attached queue: reattach one if all
		 * were detached. */
		if (tr_tap_ctl_fd(tap) < 0 && tap->nq)
			(void)tr_tap_queue_attach(tap, 0);
		rc = tr_tap_set_persist(tap, false);
		if (rc)   /* fall back to deleting the link */
			rc = tr_nl_link_del(tap->nsfd, tap->ifindex, NULL);
	}
	tr_tap_close_fds(tap->fds, tap->nq);
	if (tap->nsfd >= 0)
		close(tap->nsfd);
	free(tap->fds);
	free(tap->attached);
	free(tap);
	return rc;
}

/* ---- getters ----------------------------------------------------------------- */

const char *tr_tap_name(const struct tr_tap *tap) { return tap->name; }
uint32_t tr_tap_flags(const struct tr_tap *tap) { return tap->flags; }
int tr_tap_ifindex(const struct tr_tap *tap) { return tap->ifindex; }
unsigned tr_tap_queue_count(const struct tr_tap *tap) { return tap->nq; }
int tr_tap_netns_fd(const struct tr_tap *tap) { return tap->nsfd; }
int64_t tr_tap_owner(const struct tr_tap *tap) { return tap->owner; }
int64_t tr_tap_group(const struct tr_tap *tap) { return tap->group; }

int tr_tap_fd(const struct tr_tap *tap, unsigned q)
{
	return q < tap->nq ? tap->fds[q] : -1;
}

int tr_tap_queue_attached(const struct tr_tap *tap, unsigned q)
{
	return q < tap->nq ? tap->attached[q] : -EINVAL;
}

/* ---- queues and device ioctls ---------------------------------------------- */

static int tr_tap_setqueue(struct tr_tap *tap, unsigned q, int attach)
{
	if (q >= tap->nq)
		return -EINVAL;
	if (!(tap->flags & TR_TAP_MULTI_QUEUE))
		return -EOPNOTSUPP;
	if (tap->attached[q] == attach)
		return 0;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	if (ioctl(tap->fds[q], TUNSETQUEUE, &ifr) < 0)
		return -errno;
	tap->attached[q] = (uint8_t)attach;
	return 0;
}

int tr_tap_queue_detach(struct tr_tap *tap, unsigned q) { return tr_tap_setqueue(tap, q, 0); }
int tr_tap_queue_attach(struct tr_tap *tap, unsigned q) { return tr_tap_setqueue(tap, q, 1); }

int tr_tap_set_persist(struct tr_tap *tap, bool persist)
{
	int rc = tr_tap_ioctl_int(tap, TUNSETPERSIST, persist ? 1 : 0);
	if (rc == 0) {
		if (persist)
			tap->flags |= TR_TAP_PERSIST;
		else
			tap->flags &= ~(uint32_t)TR_TAP_PERSIST;
	}
	return rc;
}

/* The kernel rejects an invalid id ((uid_t)-1) with EINVAL: once set, an
 * owner or group can be changed but not cleared. */
int tr_tap_set_owner(struct tr_tap *tap, int64_t uid)
{
	if (uid == TR_TAP_ID_NONE || tr_tap_check_id(uid))
		return -EINVAL;
	int rc = tr_tap_ioctl_int(tap, TUNSETOWNER, (unsigned long)uid);
	if (rc == 0)
		tap->owner = uid;
	return rc;
}

int tr_tap_set_group(struct tr_tap *tap, int64_t gid)
{
	if (gid == TR_TAP_ID_NONE || tr_tap_check_id(gid))
		return -EINVAL;
	int rc = tr_tap_ioctl_int(tap, TUNSETGROUP, (unsigned long)gid);
	if (rc == 0)
		tap->group = gid;
	return rc;
}

/* ---- link settings (rtnetlink requests in netlink.c) ------------------------ */

/* RTM_GETLINK by a caller's name, checked first for a clear error. */
static int tr_tap_getlink_name(int nsfd, const char *ifname, struct tr_tap_link_info *out)
{
	if (!ifname || tr_tap_check_name(ifname) || !ifname[0])
		return ifname && strnlen(ifname, TR_TAP_NAME_MAX) >= TR_TAP_NAME_MAX ? -ENAMETOOLONG : -EINVAL;
	return tr_nl_link_get(nsfd, 0, ifname, out);
}

int tr_tap_get_link(const struct tr_tap *tap, struct tr_tap_link_info *out)
{
	return tr_nl_link_get(tap->nsfd, tap->ifindex, NULL, out);
}

int tr_tap_set_mtu(struct tr_tap *tap, unsigned mtu)
{
	if (mtu > INT32_MAX)
		return -EINVAL;
	struct tr_nl_setlink s = TR_NL_SETLINK_INIT;
	s.mtu = (int)mtu;
	return tr_nl_link_set(tap->nsfd, tap->ifindex, &s);
}

int tr_tap_get_mtu(const struct tr_tap *tap, unsigned *mtu)
{
	struct tr_tap_link_info li;
	int rc = tr_tap_get_link(tap, &li);
	if (rc == 0)
		*mtu = li.mtu;
	return rc;
}

int tr_tap_set_mac(struct tr_tap *tap, const uint8_t mac[6])
{
	if (tap->flags & TR_TAP_TUN)
		return -EOPNOTSUPP;
	struct tr_nl_setlink s = TR_NL_SETLINK_INIT;
	s.mac = mac;
	return tr_nl_link_set(tap->nsfd, tap->ifindex, &s);
}

int tr_tap_get_mac(const struct tr_tap *tap, uint8_t mac[6])
{
	struct tr_tap_link_info li;
	int rc = tr_tap_get_link(tap, &li);
	if (rc == 0 && li.mac_len != 6)
		rc = -EOPNOTSUPP;
	if (rc == 0)
		memcpy(mac, li.mac, 6);
	return rc;
}

int tr_tap_set_up(struct tr_tap *tap, bool up)
{
	struct tr_nl_setlink s = TR_NL_SETLINK_INIT;
	s.up = up ? 1 : 0;
	return tr_nl_link_set(tap->nsfd, tap->ifindex, &s);
}

int tr_tap_is_up(const struct tr_tap *tap)
{
	struct tr_tap_link_info li;
	int rc = tr_tap_get_link(tap, &li);
	return rc ? rc : (li.ifflags & IFF_UP) ? 1 : 0;
}

/* ---- netns --------------------------------------------------------------- */

int tr_tap_move_netns_fd(struct tr_tap *tap, int nsfd)
{
	struct tr_tap_link_info li;
	int rc, mine;

	if (nsfd < 0)
		return -EBADF;
	mine = fcntl(nsfd, F_DUPFD_CLOEXEC, 0);
	if (mine < 0)
		return -errno;
	struct tr_nl_setlink s = TR_NL_SETLINK_INIT;
	s.target_nsfd = nsfd;
	rc = tr_nl_link_set(tap->nsfd, tap->ifindex, &s);
	if (rc) {
		close(mine);
		return rc;
	}
	if (tap->nsfd >= 0)
		close(tap->nsfd);
	tap->nsfd = mine;
	/* The name survives the move (the kernel refuses a clash with
	 * EEXIST); the ifindex is kept when free in the target, else a new
	 * one is chosen: read it back. */
	rc = tr_nl_link_get(tap->nsfd, 0, tap->name, &li);
	if (rc == 0)
		tap->ifindex = li.ifindex;
	return rc;
}

int tr_tap_move_netns(struct tr_tap *tap, const char *netns)
{
	int fd = tr_nl_netns_open(netns);
	if (fd < 0)
		return fd;
	int rc = tr_tap_move_netns_fd(tap, fd);
	close(fd);
	return rc;
}

/* ---- addresses -------------------------------------------------------------- */

int tr_tap_addr_add(struct tr_tap *tap, const struct tr_tap_addr *a)
{
	return tr_nl_addr_change(tap->nsfd, tap->ifindex, a, true);
}

int tr_tap_addr_del(struct tr_tap *tap, const struct tr_tap_addr *a)
{
	return tr_nl_addr_change(tap->nsfd, tap->ifindex, a, false);
}

int tr_tap_addr_list(const struct tr_tap *tap, struct tr_tap_addr *out, size_t max)
{
	return tr_nl_addr_list(tap->nsfd, tap->ifindex, out, max);
}

/* ---- links by name ----------------------------------------------------------
 * The same operations on a link named by (netns, ifname) instead of a
 * handle: each opens the namespace, resolves the name, and runs the handle
 * call above on a handle that holds just that (no queues, flags 0: the
 * kernel, not the handle, says what the link supports). */

/* Open the namespace named by netns (NULL: none, *fd = -1). */
static int tr_tap_ns_open(const char *netns, int *fd)
{
	*fd = -1;
	if (!netns)
		return 0;
	int r = tr_nl_netns_open(netns);
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

/* A queue-less handle on (netns, ifname); li gets the link as resolved.
 * tr_tap_ref_close() releases it. */
static int tr_tap_ref_open(const char *netns, const char *ifname, struct tr_tap *ref,
			   struct tr_tap_link_info *li)
{
	int rc;
	memset(ref, 0, sizeof(*ref));
	ref->owner = TR_TAP_ID_NONE;
	ref->group = TR_TAP_ID_NONE;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, &ref->nsfd)) != 0)
		return rc;
	rc = tr_tap_getlink_name(ref->nsfd, ifname, li);
	if (rc) {
		if (ref->nsfd >= 0)
			close(ref->nsfd);
		return rc;
	}
	ref->ifindex = li->ifindex;
	memcpy(ref->name, li->name, sizeof(ref->name));
	return 0;
}

static void tr_tap_ref_close(struct tr_tap *ref)
{
	if (ref->nsfd >= 0)
		close(ref->nsfd);
}

int tr_tap_link_get(const char *netns, const char *ifname, struct tr_tap_link_info *out)
{
	struct tr_tap ref;
	int rc = tr_tap_ref_open(netns, ifname, &ref, out);
	if (rc == 0)
		tr_tap_ref_close(&ref);
	return rc;
}

int tr_tap_link_list(const char *netns, struct tr_tap_link_info *out, size_t max)
{
	int nsfd, rc;
	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	rc = tr_nl_link_list_tun(nsfd, out, max);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

int tr_tap_link_addr_list(const char *netns, const char *ifname,
			  struct tr_tap_addr *out, size_t max)
{
	struct tr_tap ref;
	struct tr_tap_link_info li;
	int rc = tr_tap_ref_open(netns, ifname, &ref, &li);
	if (rc == 0) {
		rc = tr_tap_addr_list(&ref, out, max);
		tr_tap_ref_close(&ref);
	}
	return rc;
}

int tr_tap_link_delete(const char *netns, const char *ifname)
{
	int nsfd, rc;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	/* By name in one request (no lookup first: nothing to race with). */
	rc = ifname[0] ? tr_tap_check_name(ifname) : -EINVAL;
	if (rc == 0)
		rc = tr_nl_link_del(nsfd, 0, ifname);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

/* Which handle call a by-name setter runs. */
enum tr_tap_ref_op { TR_TAP_OP_MTU, TR_TAP_OP_MAC, TR_TAP_OP_UP, TR_TAP_OP_ADDR_ADD, TR_TAP_OP_ADDR_DEL };

static int tr_tap_ref_do(const char *netns, const char *ifname, enum tr_tap_ref_op op,
			 unsigned mtu, const uint8_t *mac, bool up, const struct tr_tap_addr *a)
{
	struct tr_tap ref;
	struct tr_tap_link_info li;
	int rc = tr_tap_ref_open(netns, ifname, &ref, &li);
	if (rc)
		return rc;
	switch (op) {
	case TR_TAP_OP_MTU: rc = tr_tap_set_mtu(&ref, mtu); break;
	case TR_TAP_OP_MAC: rc = tr_tap_set_mac(&ref, mac); break;
	case TR_TAP_OP_UP: rc = tr_tap_set_up(&ref, up); break;
	case TR_TAP_OP_ADDR_ADD: rc = tr_tap_addr_add(&ref, a); break;
	case TR_TAP_OP_ADDR_DEL: rc = tr_tap_addr_del(&ref, a); break;
	}
	tr_tap_ref_close(&ref);
	return rc;
}

int tr_tap_link_set_mtu(const char *netns, const char *ifname, unsigned mtu)
{
	if (mtu > INT32_MAX)
		return -EINVAL;
	return tr_tap_ref_do(netns, ifname, TR_TAP_OP_MTU, mtu, NULL, false, NULL);
}

int tr_tap_link_set_mac(const char *netns, const char *ifname, const uint8_t mac[6])
{
	if (!mac)
		return -EINVAL;
	return tr_tap_ref_do(netns, ifname, TR_TAP_OP_MAC, 0, mac, false, NULL);
}

int tr_tap_link_set_up(const char *netns, const char *ifname, bool up)
{
	return tr_tap_ref_do(netns, ifname, TR_TAP_OP_UP, 0, NULL, up, NULL);
}

int tr_tap_link_addr_add(const char *netns, const char *ifname, const struct tr_tap_addr *a)
{
	if (!a)
		return -EINVAL;
	return tr_tap_ref_do(netns, ifname, TR_TAP_OP_ADDR_ADD, 0, NULL, false, a);
}

int tr_tap_link_addr_del(const char *netns, const char *ifname, const struct tr_tap_addr *a)
{
	if (!a)
		return -EINVAL;
	return tr_tap_ref_do(netns, ifname, TR_TAP_OP_ADDR_DEL, 0, NULL, false, a);
}

/* ---- messages ------------------------------------------------------------------ */

const char *tr_tap_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case EPERM:
	case EACCES: return "needs CAP_NET_ADMIN (run as root)";
	case EBUSY: return "device busy: the name is in use (held by another process, or exists and exclusive create was asked)";
	case ENAMETOOLONG: return "name too long (interface names are at most 15 bytes)";
	case EINVAL: return "invalid argument (bad name, flags, queue count, or device type mismatch)";
	case ENOENT: return "no such file: /dev/net/tun or the network namespace does not exist";
	case ENODEV: return "no such device";
	case EEXIST: return "already exists";
	case EOPNOTSUPP: return "not supported for this device (a TUN has no MAC; queues need multi_queue)";
	case EADDRNOTAVAIL: return "address not assigned to this device";
	case EBADFD: return "no attached queue to issue the request on";
	case EAFNOSUPPORT: return "address family must be IPv4 or IPv6";
	case ERANGE: return "value out of range";
	default: {
		const char *s = strerrordesc_np(err);
		return s ? s : "unknown error";
	}
	}
}
