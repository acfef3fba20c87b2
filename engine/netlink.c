/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/netlink.c: a minimal rtnetlink client for TUN/TAP control (see
 * netlink_pvt.h). One socket per operation, opened in the target network
 * namespace; requests are built in a fixed buffer on the caller's stack.
 * The link and address requests tap.c needs are built and their replies
 * parsed here too, so tap.c speaks only of devices.
 */
#include "netlink_pvt.h"

#include <net/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Replies are read into this much stack; the kernel sizes dump messages to
 * the reader's buffer (at least a page), and a link message with stats and
 * link info is a few KiB. */
#define TR_NL_RX_MAX 32768

/* A wedged kernel reply must not hang a CLI forever. */
#define TR_NL_TIMEOUT_S 5

int tr_nl_netns_open(const char *netns)
{
	char path[4096];
	int n;

	if (!netns || !netns[0] || !strcmp(netns, ".") || !strcmp(netns, ".."))
		return -EINVAL;
	if (strchr(netns, '/'))
		n = snprintf(path, sizeof(path), "%s", netns);
	else
		n = snprintf(path, sizeof(path), "/run/netns/%s", netns);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int tr_nl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = TR_NL_TIMEOUT_S, .tv_usec = 0 };
	/* Best effort: without the timeout a reply is still expected. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	/* Keep ACKs small: the kernel then does not echo our request. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

int tr_nl_open(struct tr_nl *nl, int nsfd)
{
	int fd, orig = -1;

	nl->fd = -1;
	nl->seq = 0;
	if (nsfd >= 0) {
		/* Remember where this thread is, so it can be put back. */
		orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (orig < 0)
			return -errno;
		if (setns(nsfd, CLONE_NEWNET) != 0) {
			int e = -errno;
			close(orig);
			return e;
		}
	}
	/* The socket stays bound to the namespace current at socket(). */
	fd = tr_nl_socket();
	if (orig >= 0) {
		if (setns(orig, CLONE_NEWNET) != 0) {
			/* We got in with the same privileges, so this cannot
			 * normally fail; if it does, this thread would run on
			 * in a foreign namespace. Refuse to continue. */
			fprintf(stderr, "tapring: cannot return to the original network namespace: %s\n",
				strerror(errno));
			abort();
		}
		close(orig);
	}
	if (fd < 0)
		return fd;
	nl->fd = fd;
	return 0;
}

void tr_nl_close(struct tr_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

void tr_nl_req_init(struct tr_nl_req *r, uint16_t type, uint16_t flags,
		    const void *hdr, size_t hdr_len)
{
	memset(r, 0, sizeof(*r));
	if (NLMSG_LENGTH(hdr_len) > sizeof(r->u.bytes)) {
		r->overflow = 1;
		return;
	}
	r->u.hdr.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdr_len);
	r->u.hdr.nlmsg_type = type;
	r->u.hdr.nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST);
	if (hdr_len)
		memcpy(r->u.bytes + NLMSG_HDRLEN, hdr, hdr_len);
}

void tr_nl_put(struct tr_nl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.hdr.nlmsg_len);
	size_t cap = sizeof(r->u.bytes);
	size_t need = RTA_SPACE(len);

	if (r->overflow || len > 0xffff - RTA_LENGTH(0) || off > cap || need > cap - off) {
		r->overflow = 1;
		return;
	}
	struct rtattr ra = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };
	memcpy(r->u.bytes + off, &ra, sizeof(ra));
	if (len)
		memcpy(r->u.bytes + off + RTA_LENGTH(0), data, len);
	/* zero the alignment padding (the buffer was zeroed; keep it so) */
	r->u.hdr.nlmsg_len = (uint32_t)(off + need);
}

void tr_nl_put_u32(struct tr_nl_req *r, uint16_t type, uint32_t v)
{
	tr_nl_put(r, type, &v, sizeof(v));
}

void tr_nl_put_str(struct tr_nl_req *r, uint16_t type, const char *s)
{
	tr_nl_put(r, type, s, strlen(s) + 1);
}

size_t tr_nl_nest_start(struct tr_nl_req *r, uint16_t type)
{
	size_t start = NLMSG_ALIGN(r->u.hdr.nlmsg_len);
	tr_nl_put(r, (uint16_t)(type | NLA_F_NESTED), NULL, 0);
	return start;
}

void tr_nl_nest_end(struct tr_nl_req *r, size_t start)
{
	if (r->overflow)
		return;
	size_t len = r->u.hdr.nlmsg_len - start;
	if (len > 0xffff) {
		r->overflow = 1;
		return;
	}
	unsigned short l = (unsigned short)len;
	memcpy(r->u.bytes + start + offsetof(struct rtattr, rta_len), &l, sizeof(l));
}

int tr_nl_call(struct tr_nl *nl, struct tr_nl_req *r, tr_nl_cb cb, void *arg)
{
	/* On the stack: control path only, and no per-thread TLS cost for
	 * threads that never configure links. Aligned for nlmsghdr access. */
	union {
		struct nlmsghdr hdr;
		uint8_t bytes[TR_NL_RX_MAX];
	} rx;
	int dump, stop = 0, result = 0;

	if (r->overflow)
		return -EMSGSIZE;
	if (nl->fd < 0)
		return -EBADF;
	r->u.hdr.nlmsg_seq = ++nl->seq;
	dump = (r->u.hdr.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t s = sendto(nl->fd, r->u.bytes, r->u.hdr.nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	if (s < 0)
		return -errno;
	if ((size_t)s != r->u.hdr.nlmsg_len)
		return -EIO;

	/* Bounded by the kernel's reply (ends with an ACK or NLMSG_DONE) and
	 * by SO_RCVTIMEO on each read. */
	for (;;) {
		ssize_t n = recv(nl->fd, rx.bytes, sizeof(rx.bytes), MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if ((size_t)n > sizeof(rx.bytes))
			return -EMSGSIZE;
		size_t len = (size_t)n, off = 0;
		while (off < len) {
			struct nlmsghdr h;
			if (len - off < sizeof(h))
				break;
			memcpy(&h, rx.bytes + off, sizeof(h));
			if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
				return -EIO;
			const struct nlmsghdr *m = (const struct nlmsghdr *)(rx.bytes + off);
			size_t step = NLMSG_ALIGN(h.nlmsg_len);
			off = step > len - off ? len : off + step;

			if (h.nlmsg_seq != nl->seq)
				continue;        /* a stale reply: not ours */
			if (h.nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;
				if (h.nlmsg_len < NLMSG_LENGTH(sizeof(int)))
					return -EIO;
				memset(&e, 0, sizeof(e));
				memcpy(&e.error, NLMSG_DATA(m), sizeof(int));
				/* error 0 is the ACK of a non-dump request */
				return e.error ? e.error : result;
			}
			if (h.nlmsg_type == NLMSG_DONE) {
				int e = 0;
				if (h.nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(m), sizeof(int));
				return e < 0 ? e : result;
			}
			if (cb && !stop) {
				int rc = cb(m, arg);
				if (rc) {
					stop = 1;
					if (rc < 0)
						result = rc;
				}
			}
			if (!dump && !(h.nlmsg_flags & NLM_F_MULTI) &&
			    !(r->u.hdr.nlmsg_flags & NLM_F_ACK))
				return result;   /* a single reply, no ACK asked */
		}
	}
}

void tr_nl_parse(const void *data, size_t len, const struct rtattr **tb, unsigned max)
{
	const uint8_t *p = data;
	size_t off = 0;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len - off >= sizeof(struct rtattr)) {
		struct rtattr a;
		memcpy(&a, p + off, sizeof(a));
		if (a.rta_len < sizeof(a) || a.rta_len > len - off)
			break;
		unsigned type = a.rta_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = (const struct rtattr *)(p + off);
		size_t step = RTA_ALIGN(a.rta_len);
		if (step > len - off)
			break;
		off += step;
	}
}

int tr_nl_get_u8(const struct rtattr *a, uint8_t *v)
{
	if (!a || tr_nl_len(a) < 1)
		return 0;
	memcpy(v, tr_nl_data(a), 1);
	return 1;
}

int tr_nl_get_u32(const struct rtattr *a, uint32_t *v)
{
	if (!a || tr_nl_len(a) < 4)
		return 0;
	memcpy(v, tr_nl_data(a), 4);
	return 1;
}

/* ---- links and addresses (RTM_*LINK, RTM_*ADDR) ---------------------------- */

static uint32_t tr_nl_tun_flags(const struct rtattr *data)
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

/* IFLA_LINKINFO of a tun/tap link: its kind and driver data. */
static void tr_nl_parse_tun_info(const struct rtattr *linkinfo, struct tr_tap_link_info *out)
{
	const struct rtattr *li[IFLA_INFO_MAX + 1];
	tr_nl_parse(tr_nl_data(linkinfo), tr_nl_len(linkinfo), li, IFLA_INFO_MAX);
	const struct rtattr *kind = li[IFLA_INFO_KIND];
	if (!kind || tr_nl_len(kind) < 3 || memcmp(tr_nl_data(kind), "tun", 3) != 0 ||
	    (tr_nl_len(kind) != 3 && ((const char *)tr_nl_data(kind))[3] != '\0'))
		return;
	out->is_tun = true;
	if (!li[IFLA_INFO_DATA])
		return;
	const struct rtattr *td[IFLA_TUN_MAX + 1];
	uint32_t v;
	out->tun_flags = tr_nl_tun_flags(li[IFLA_INFO_DATA]);
	tr_nl_parse(tr_nl_data(li[IFLA_INFO_DATA]), tr_nl_len(li[IFLA_INFO_DATA]), td, IFLA_TUN_MAX);
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

int tr_nl_parse_link(const struct nlmsghdr *m, struct tr_tap_link_info *out)
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
	if (tb[IFLA_LINKINFO])
		tr_nl_parse_tun_info(tb[IFLA_LINKINFO], out);
	return 0;
}

/* Open a socket in nsfd, send r, deliver the replies to cb, close. */
static int tr_nl_request(int nsfd, struct tr_nl_req *r, tr_nl_cb cb, void *arg)
{
	struct tr_nl nl;
	int rc = tr_nl_open(&nl, nsfd);
	if (rc != 0)
		return rc;
	rc = tr_nl_call(&nl, r, cb, arg);
	tr_nl_close(&nl);
	return rc;
}

struct tr_nl_link_one {
	struct tr_tap_link_info *out;
	int found;
};

static int tr_nl_link_one_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_nl_link_one *o = arg;
	if (tr_nl_parse_link(m, o->out) != 0)
		return -EIO;
	o->found = 1;
	return 1;
}

int tr_nl_link_get(int nsfd, int ifindex, const char *ifname, struct tr_tap_link_info *out)
{
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex > 0 ? ifindex : 0 };
	struct tr_nl_link_one o = { out, 0 };

	if (ifindex <= 0 && !ifname)
		return -EINVAL;
	tr_nl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (ifindex <= 0)
		tr_nl_put_str(&r, IFLA_IFNAME, ifname);
	int rc = tr_nl_request(nsfd, &r, tr_nl_link_one_cb, &o);
	if (rc == 0 && !o.found)
		rc = -ENODEV;
	return rc;
}

struct tr_nl_link_dump {
	struct tr_tap_link_info *out;
	size_t max, count;
};

static int tr_nl_link_dump_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_nl_link_dump *d = arg;
	struct tr_tap_link_info li;
	if (tr_nl_parse_link(m, &li) != 0 || !li.is_tun)
		return 0;
	if (d->count < d->max)
		d->out[d->count] = li;
	d->count++;
	return 0;
}

int tr_nl_link_list_tun(int nsfd, struct tr_tap_link_info *out, size_t max)
{
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct tr_nl_link_dump d = { out, out ? max : 0, 0 };

	tr_nl_req_init(&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	int rc = tr_nl_request(nsfd, &r, tr_nl_link_dump_cb, &d);
	if (rc)
		return rc;
	return d.count > INT32_MAX ? INT32_MAX : (int)d.count;
}

int tr_nl_link_set(int nsfd, int ifindex, const struct tr_nl_setlink *s)
{
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };

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
	return tr_nl_request(nsfd, &r, NULL, NULL);
}

int tr_nl_link_del(int nsfd, int ifindex, const char *ifname)
{
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex > 0 ? ifindex : 0 };

	if (ifindex <= 0 && (!ifname || !ifname[0]))
		return -EINVAL;
	tr_nl_req_init(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (ifindex <= 0)
		tr_nl_put_str(&r, IFLA_IFNAME, ifname);
	return tr_nl_request(nsfd, &r, NULL, NULL);
}

static int tr_nl_addr_len(const struct tr_tap_addr *a)
{
	if (a->family == AF_INET)
		return a->prefix_len <= 32 ? 4 : -EINVAL;
	if (a->family == AF_INET6)
		return a->prefix_len <= 128 ? 16 : -EINVAL;
	return -EAFNOSUPPORT;
}

int tr_nl_addr_change(int nsfd, int ifindex, const struct tr_tap_addr *a, bool add)
{
	struct tr_nl_req r;
	int alen = tr_nl_addr_len(a);

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
	return tr_nl_request(nsfd, &r, NULL, NULL);
}

struct tr_nl_addr_dump {
	int ifindex;
	struct tr_tap_addr *out;
	size_t max, count;
};

static int tr_nl_addr_cb(const struct nlmsghdr *m, void *arg)
{
	struct tr_nl_addr_dump *d = arg;
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

int tr_nl_addr_list(int nsfd, int ifindex, struct tr_tap_addr *out, size_t max)
{
	struct tr_nl_req r;
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct tr_nl_addr_dump d = { ifindex, out, out ? max : 0, 0 };

	tr_nl_req_init(&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	int rc = tr_nl_request(nsfd, &r, tr_nl_addr_cb, &d);
	if (rc)
		return rc;
	return d.count > INT32_MAX ? INT32_MAX : (int)d.count;
}
