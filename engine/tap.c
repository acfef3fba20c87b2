/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/tap.c: TUN/TAP devices (ioctls on /dev/net/tun queue fds) and their
 * link configuration through rtnetlink (netlink.c). Control path only.
 */
#include <tapring/tap.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_arp.h>
#include <linux/if_link.h>
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

static int tr_tap_nl_dellink(int nsfd, int ifindex, const char *ifname);

int tr_tap_destroy(struct tr_tap *tap, int mode)
{
	int rc = 0;
	if (!tap)
		return 0;
	if (mode == TR_TAP_DESTROY_DELETE) {
		rc = tr_tap_nl_dellink(tap->nsfd, tap->ifindex, NULL);
	} else if (mode != TR_TAP_DESTROY_KEEP && (tap->flags & TR_TAP_PERSIST)) {
		/* TUNSETPERSIST needs an attached queue: reattach one if all
		 * were detached. */
		if (tr_tap_ctl_fd(tap) < 0 && tap->nq)
			(void)tr_tap_queue_attach(tap, 0);
		rc = tr_tap_set_persist(tap, false);
		if (rc)   /* fall back to deleting the link */
			rc = tr_tap_nl_dellink(tap->nsfd, tap->ifindex, NULL);
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

/* ---- rtnetlink: links ------------------------------------------------------- */

static uint32_t tr_tap_tun_flags(const struct rtattr *data)
{
	const struct rtattr *tb[IFLA_TUN_MAX + 1];
	uint8_t v;
	uint32_t f = 0;

	tr_nl_parse(tr_nl_data(data), tr_nl_len(data), tb, IFLA_TUN_MAX);
	if (tr_nl_get_u8(tb[IFLA_TUN_TYPE], &v) && v == IFF_TUN)
		f |= TR_TAP_TUN;
	if (tr_nl_get_u8(tb[IFLA_TUN_PI], &v) && v)
		f |= TR_TAP_PI;
	if (tr_nl_get_u8(tb[IFLA_TUN_VNET_HDR], &v) && v)
		f |= TR_TAP_VNET_HDR;
	if (tr_nl_get_u8(tb[IFLA_TUN_MULTI_QUEUE], &v) && v)
		f |= TR_TAP_MULTI_QUEUE;
	if (tr_nl_get_u8(tb[IFLA_TUN_PERSIST], &v) && v)
		f |= TR_TAP_PERSIST;
	return f;
}

/* Decode one RTM_NEWLINK message; returns 0 or -EIO if malformed. */
static int tr_tap_parse_link(const struct nlmsghdr *m, struct tr_tap_link_info *out)
{
	struct ifinfomsg ifi;
	const struct rtattr *tb[IFLA_MAX + 1];

	if (m->nlmsg_type != RTM_NEWLINK || m->nlmsg_len < NLMSG_LENGTH(sizeof(ifi)))
		return -EIO;
	memcpy(&ifi, NLMSG_DATA(m), sizeof(ifi));
	memset(out, 0, sizeof(*out));
	out->owner = TR_TAP_ID_NONE;
	out->group = TR_TAP_ID_NONE;
	out->ifindex = ifi.ifi_index;
	out->ifflags = ifi.ifi_flags;

	size_t alen = m->nlmsg_len - NLMSG_LENGTH(sizeof(ifi));
	tr_nl_parse((const uint8_t *)NLMSG_DATA(m) + NLMSG_ALIGN(sizeof(ifi)), alen, tb, IFLA_MAX);
	if (tb[IFLA_IFNAME]) {
		size_t n = tr_nl_len(tb[IFLA_IFNAME]);
		if (n > TR_TAP_NAME_MAX - 1)
			n = TR_TAP_NAME_MAX - 1;
		memcpy(out->name, tr_nl_data(tb[IFLA_IFNAME]), n);
		out->name[TR_TAP_NAME_MAX - 1] = '\0';
	}
	uint32_t mtu;
	if (tr_nl_get_u32(tb[IFLA_MTU], &mtu))
		out->mtu = mtu;
	if (tb[IFLA_ADDRESS] && ifi.ifi_type == ARPHRD_ETHER && tr_nl_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(out->mac, tr_nl_data(tb[IFLA_ADDRESS]), 6);
		out->mac_len = 6;
	}
	if (tb[IFLA_STATS64] && tr_nl_len(tb[IFLA_STATS64]) >= sizeof(struct rtnl_link_stats64)) {
		struct rtnl_link_stats64 st;
		memcpy(&st, tr_nl_data(tb[IFLA_STATS64]), sizeof(st));
		out->stats.rx_packets = st.rx_packets;
		out->stats.tx_packets = st.tx_packets;
		out->stats.rx_bytes = st.rx_bytes;
		out->stats.tx_bytes = st.tx_bytes;
		out->stats.rx_dropped = st.rx_dropped;
		out->stats.tx_dropped = st.tx_dropped;
	}
	if (tb[IFLA_LINKINFO]) {
		const struct rtattr *li[IFLA_INFO_MAX + 1];
		tr_nl_parse(tr_nl_data(tb[IFLA_LINKINFO]), tr_nl_len(tb[IFLA_LINKINFO]), li, IFLA_INFO_MAX);
		if (li[IFLA_INFO_KIND] && tr_nl_len(li[IFLA_INFO_KIND]) >= 3 &&
		    !memcmp(tr_nl_data(li[IFLA_INFO_KIND]), "tun", 3) &&
		    (tr_nl_len(li[IFLA_INFO_KIND]) == 3 ||
		     ((const char *)tr_nl_data(li[IFLA_INFO_KIND]))[3] == '\0')) {
			out->is_tun = true;
			if (li[IFLA_INFO_DATA]) {
				const struct rtattr *td[IFLA_TUN_MAX + 1];
				uint32_t v;
				out->tun_flags = tr_tap_tun_flags(li[IFLA_INFO_DATA]);
				tr_nl_parse(tr_nl_data(li[IFLA_INFO_DATA]), tr_nl_len(li[IFLA_INFO_DATA]),
					    td, IFLA_TUN_MAX);
				if (tr_nl_get_u32(td[IFLA_TUN_OWNER], &v))
					out->owner = v;
				if (tr_nl_get_u32(td[IFLA_TUN_GROUP], &v))
					out->group = v;
				/* the kernel sends these two for multi_queue only */
				if (tr_nl_get_u32(td[IFLA_TUN_NUM_QUEUES], &v))
					out->queues = v;
				if (tr_nl_get_u32(td[IFLA_TUN_NUM_DISABLED_QUEUES], &v))
					out->detached = v;
			}
		}
	}
	return 0;
}

struct tr_tap_link_one {
	struct tr_tap_link_info *out;
	int found;
};

static int tr_tap_link_one_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_tap_link_one *o = arg;
	if (tr_tap_parse_link(m, o->out) != 0)
		return -EIO;
	o->found = 1;
	return 1;
}

/* RTM_GETLINK for one link by ifindex (> 0) or name. */
static int tr_tap_nl_getlink(int nsfd, int ifindex, const char *ifname,
			     struct tr_tap_link_info *out)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex > 0 ? ifindex : 0 };
	struct tr_tap_link_one o = { out, 0 };
	int rc;

	if (ifindex <= 0 && (!ifname || tr_tap_check_name(ifname) || !ifname[0]))
		return ifname && strnlen(ifname, TR_TAP_NAME_MAX) >= TR_TAP_NAME_MAX ? -ENAMETOOLONG : -EINVAL;
	tr_nl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (ifindex <= 0)
		tr_nl_put_str(&r, IFLA_IFNAME, ifname);
	if ((rc = tr_nl_open(&nl, nsfd)) != 0)
		return rc;
	rc = tr_nl_call(&nl, &r, tr_tap_link_one_cb, &o);
	tr_nl_close(&nl);
	if (rc == 0 && !o.found)
		rc = -ENODEV;
	return rc;
}

/* RTM_SETLINK on ifindex with optional MTU, MAC, up/down, netns fd. */
struct tr_tap_setlink {
	int mtu;              /* -1: unchanged */
	const uint8_t *mac;   /* NULL: unchanged */
	int up;               /* -1: unchanged */
	int target_nsfd;      /* -1: unchanged */
};

static int tr_tap_nl_setlink(int nsfd, int ifindex, const struct tr_tap_setlink *s)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	int rc;

	if (ifindex <= 0)
		return -ENODEV;
	if (s->up >= 0) {
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = s->up ? IFF_UP : 0;
	}
	tr_nl_req_init(&r, RTM_SETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (s->mtu >= 0)
		tr_nl_put_u32(&r, IFLA_MTU, (uint32_t)s->mtu);
	if (s->mac)
		tr_nl_put(&r, IFLA_ADDRESS, s->mac, 6);
	if (s->target_nsfd >= 0)
		tr_nl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)s->target_nsfd);
	if ((rc = tr_nl_open(&nl, nsfd)) != 0)
		return rc;
	rc = tr_nl_call(&nl, &r, NULL, NULL);
	tr_nl_close(&nl);
	return rc;
}

static int tr_tap_nl_dellink(int nsfd, int ifindex, const char *ifname)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex > 0 ? ifindex : 0 };
	int rc;

	if (ifindex <= 0) {
		if (!ifname || !ifname[0])
			return -EINVAL;
		if ((rc = tr_tap_check_name(ifname)) != 0)
			return rc;
	}
	tr_nl_req_init(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (ifindex <= 0)
		tr_nl_put_str(&r, IFLA_IFNAME, ifname);
	if ((rc = tr_nl_open(&nl, nsfd)) != 0)
		return rc;
	rc = tr_nl_call(&nl, &r, NULL, NULL);
	tr_nl_close(&nl);
	return rc;
}

int tr_tap_get_link(const struct tr_tap *tap, struct tr_tap_link_info *out)
{
	return tr_tap_nl_getlink(tap->nsfd, tap->ifindex, NULL, out);
}

int tr_tap_set_mtu(struct tr_tap *tap, unsigned mtu)
{
	if (mtu > INT32_MAX)
		return -EINVAL;
	struct tr_tap_setlink s = { .mtu = (int)mtu, .mac = NULL, .up = -1, .target_nsfd = -1 };
	return tr_tap_nl_setlink(tap->nsfd, tap->ifindex, &s);
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
	struct tr_tap_setlink s = { .mtu = -1, .mac = mac, .up = -1, .target_nsfd = -1 };
	return tr_tap_nl_setlink(tap->nsfd, tap->ifindex, &s);
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
	struct tr_tap_setlink s = { .mtu = -1, .mac = NULL, .up = up ? 1 : 0, .target_nsfd = -1 };
	return tr_tap_nl_setlink(tap->nsfd, tap->ifindex, &s);
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
	struct tr_tap_setlink s = { .mtu = -1, .mac = NULL, .up = -1, .target_nsfd = nsfd };
	rc = tr_tap_nl_setlink(tap->nsfd, tap->ifindex, &s);
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
	rc = tr_tap_nl_getlink(tap->nsfd, 0, tap->name, &li);
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

static int tr_tap_addr_len(const struct tr_tap_addr *a)
{
	if (a->family == AF_INET)
		return a->prefix_len <= 32 ? 4 : -EINVAL;
	if (a->family == AF_INET6)
		return a->prefix_len <= 128 ? 16 : -EINVAL;
	return -EAFNOSUPPORT;
}

static int tr_tap_nl_addr(int nsfd, int ifindex, const struct tr_tap_addr *a, int add)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	int alen = tr_tap_addr_len(a), rc;

	if (alen < 0)
		return alen;
	if (ifindex <= 0)
		return -ENODEV;
	struct ifaddrmsg ifa = {
		.ifa_family = (uint8_t)a->family,
		.ifa_prefixlen = a->prefix_len,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	tr_nl_req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
		       (uint16_t)(NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0)),
		       &ifa, sizeof(ifa));
	/* IFA_LOCAL is our address; IFA_ADDRESS is the peer on a
	 * point-to-point link and equals IFA_LOCAL otherwise. */
	tr_nl_put(&r, IFA_LOCAL, a->local, (size_t)alen);
	tr_nl_put(&r, IFA_ADDRESS, a->has_peer ? a->peer : a->local, (size_t)alen);
	if ((rc = tr_nl_open(&nl, nsfd)) != 0)
		return rc;
	rc = tr_nl_call(&nl, &r, NULL, NULL);
	tr_nl_close(&nl);
	return rc;
}

int tr_tap_addr_add(struct tr_tap *tap, const struct tr_tap_addr *a)
{
	return tr_tap_nl_addr(tap->nsfd, tap->ifindex, a, 1);
}

int tr_tap_addr_del(struct tr_tap *tap, const struct tr_tap_addr *a)
{
	return tr_tap_nl_addr(tap->nsfd, tap->ifindex, a, 0);
}

struct tr_tap_addr_dump {
	int ifindex;
	struct tr_tap_addr *out;
	size_t max, count;
};

static int tr_tap_addr_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_tap_addr_dump *d = arg;
	struct ifaddrmsg ifa;
	const struct rtattr *tb[IFA_MAX + 1];

	if (m->nlmsg_type != RTM_NEWADDR || m->nlmsg_len < NLMSG_LENGTH(sizeof(ifa)))
		return 0;
	memcpy(&ifa, NLMSG_DATA(m), sizeof(ifa));
	if ((int)ifa.ifa_index != d->ifindex)
		return 0;
	size_t alen = ifa.ifa_family == AF_INET ? 4 : ifa.ifa_family == AF_INET6 ? 16 : 0;
	if (!alen)
		return 0;
	tr_nl_parse((const uint8_t *)NLMSG_DATA(m) + NLMSG_ALIGN(sizeof(ifa)),
		    m->nlmsg_len - NLMSG_LENGTH(sizeof(ifa)), tb, IFA_MAX);
	const struct rtattr *loc = tb[IFA_LOCAL], *adr = tb[IFA_ADDRESS];
	if (loc && tr_nl_len(loc) != alen)
		loc = NULL;
	if (adr && tr_nl_len(adr) != alen)
		adr = NULL;
	if (!loc && !adr)
		return 0;
	if (d->count < d->max) {
		struct tr_tap_addr *a = &d->out[d->count];
		memset(a, 0, sizeof(*a));
		a->family = ifa.ifa_family;
		a->prefix_len = ifa.ifa_prefixlen;
		memcpy(a->local, tr_nl_data(loc ? loc : adr), alen);
		if (loc && adr && memcmp(tr_nl_data(loc), tr_nl_data(adr), alen)) {
			a->has_peer = true;
			memcpy(a->peer, tr_nl_data(adr), alen);
		}
	}
	d->count++;
	return 0;
}

static int tr_tap_nl_addr_list(int nsfd, int ifindex, struct tr_tap_addr *out, size_t max)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct tr_tap_addr_dump d = { ifindex, out, out ? max : 0, 0 };
	int rc;

	tr_nl_req_init(&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	if ((rc = tr_nl_open(&nl, nsfd)) != 0)
		return rc;
	rc = tr_nl_call(&nl, &r, tr_tap_addr_cb, &d);
	tr_nl_close(&nl);
	if (rc)
		return rc;
	return d.count > INT32_MAX ? INT32_MAX : (int)d.count;
}

int tr_tap_addr_list(const struct tr_tap *tap, struct tr_tap_addr *out, size_t max)
{
	return tr_tap_nl_addr_list(tap->nsfd, tap->ifindex, out, max);
}

/* ---- links by name ---------------------------------------------------------- */

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

int tr_tap_link_get(const char *netns, const char *ifname, struct tr_tap_link_info *out)
{
	int nsfd, rc;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	rc = tr_tap_nl_getlink(nsfd, 0, ifname, out);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

struct tr_tap_link_dump {
	struct tr_tap_link_info *out;
	size_t max, count;
};

static int tr_tap_link_dump_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_tap_link_dump *d = arg;
	struct tr_tap_link_info li;
	if (tr_tap_parse_link(m, &li) != 0 || !li.is_tun)
		return 0;
	if (d->count < d->max)
		d->out[d->count] = li;
	d->count++;
	return 0;
}

int tr_tap_link_list(const char *netns, struct tr_tap_link_info *out, size_t max)
{
	struct tr_nl nl;
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct tr_tap_link_dump d = { out, out ? max : 0, 0 };
	int nsfd, rc;

	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	tr_nl_req_init(&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	rc = tr_nl_open(&nl, nsfd);
	if (nsfd >= 0)
		close(nsfd);
	if (rc)
		return rc;
	rc = tr_nl_call(&nl, &r, tr_tap_link_dump_cb, &d);
	tr_nl_close(&nl);
	if (rc)
		return rc;
	return d.count > INT32_MAX ? INT32_MAX : (int)d.count;
}

int tr_tap_link_addr_list(const char *netns, const char *ifname,
			  struct tr_tap_addr *out, size_t max)
{
	struct tr_tap_link_info li;
	int nsfd, rc;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	rc = tr_tap_nl_getlink(nsfd, 0, ifname, &li);
	if (rc == 0)
		rc = tr_tap_nl_addr_list(nsfd, li.ifindex, out, max);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

int tr_tap_link_delete(const char *netns, const char *ifname)
{
	int nsfd, rc;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, &nsfd)) != 0)
		return rc;
	rc = tr_tap_nl_dellink(nsfd, 0, ifname);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

/* Resolve (netns, ifname) to an open namespace fd (or -1) and an ifindex.
 * On success the caller closes *nsfd if >= 0. */
static int tr_tap_resolve(const char *netns, const char *ifname, int *nsfd, int *ifindex)
{
	struct tr_tap_link_info li;
	int rc;
	if (!ifname)
		return -EINVAL;
	if ((rc = tr_tap_ns_open(netns, nsfd)) != 0)
		return rc;
	rc = tr_tap_nl_getlink(*nsfd, 0, ifname, &li);
	if (rc) {
		if (*nsfd >= 0)
			close(*nsfd);
		*nsfd = -1;
		return rc;
	}
	*ifindex = li.ifindex;
	return 0;
}

static int tr_tap_link_setlink(const char *netns, const char *ifname, const struct tr_tap_setlink *s)
{
	int nsfd, ifindex, rc;
	if ((rc = tr_tap_resolve(netns, ifname, &nsfd, &ifindex)) != 0)
		return rc;
	rc = tr_tap_nl_setlink(nsfd, ifindex, s);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

int tr_tap_link_set_mtu(const char *netns, const char *ifname, unsigned mtu)
{
	if (mtu > INT32_MAX)
		return -EINVAL;
	struct tr_tap_setlink s = { .mtu = (int)mtu, .mac = NULL, .up = -1, .target_nsfd = -1 };
	return tr_tap_link_setlink(netns, ifname, &s);
}

int tr_tap_link_set_mac(const char *netns, const char *ifname, const uint8_t mac[6])
{
	if (!mac)
		return -EINVAL;
	struct tr_tap_setlink s = { .mtu = -1, .mac = mac, .up = -1, .target_nsfd = -1 };
	return tr_tap_link_setlink(netns, ifname, &s);
}

int tr_tap_link_set_up(const char *netns, const char *ifname, bool up)
{
	struct tr_tap_setlink s = { .mtu = -1, .mac = NULL, .up = up ? 1 : 0, .target_nsfd = -1 };
	return tr_tap_link_setlink(netns, ifname, &s);
}

static int tr_tap_link_addr(const char *netns, const char *ifname, const struct tr_tap_addr *a, int add)
{
	int nsfd, ifindex, rc;
	if (!a)
		return -EINVAL;
	if ((rc = tr_tap_resolve(netns, ifname, &nsfd, &ifindex)) != 0)
		return rc;
	rc = tr_tap_nl_addr(nsfd, ifindex, a, add);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}

int tr_tap_link_addr_add(const char *netns, const char *ifname, const struct tr_tap_addr *a)
{
	return tr_tap_link_addr(netns, ifname, a, 1);
}

int tr_tap_link_addr_del(const char *netns, const char *ifname, const struct tr_tap_addr *a)
{
	return tr_tap_link_addr(netns, ifname, a, 0);
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
