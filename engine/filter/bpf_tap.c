/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-kernel prescreen: TUNATTACHFILTER / TUNDETACHFILTER on a TAP fd, and the
 * device's tx_dropped counter over rtnetlink.
 *
 * Includes <linux/filter.h> (struct sock_filter), so it must never include
 * libpcap headers.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "bpf_pvt.h"

_Static_assert(sizeof(struct sock_filter) == sizeof(struct tr_bpf_insn),
	       "sock_filter layout");
_Static_assert(offsetof(struct sock_filter, code) == offsetof(struct tr_bpf_insn, code) &&
	       offsetof(struct sock_filter, jt) == offsetof(struct tr_bpf_insn, jt) &&
	       offsetof(struct sock_filter, jf) == offsetof(struct tr_bpf_insn, jf) &&
	       offsetof(struct sock_filter, k) == offsetof(struct tr_bpf_insn, k),
	       "sock_filter field offsets");

int tr_bpf_attach_tap(int tap_fd, const struct tr_bpf_prog *p)
{
	struct sock_fprog fp;

	if (tap_fd < 0 || !p)
		return -EINVAL;
	if (p->n > TR_BPF_KERNEL_MAX_INSNS)
		return -E2BIG;
	if (tr__bpf_fd_is_tun(tap_fd) == 1)
		return tr__bpf_attach_tun(tap_fd, p);
	fp.len = (unsigned short)p->n;
	/* The kernel copies the program; it only reads through this pointer. */
	fp.filter = (struct sock_filter *)(void *)p->insns;
	if (ioctl(tap_fd, TUNATTACHFILTER, &fp) < 0)
		return -errno;
	return 0;
}

int tr_bpf_detach_tap(int tap_fd)
{
	struct sock_fprog fp = { 0 };

	if (tap_fd < 0)
		return -EINVAL;
	if (tr__bpf_fd_is_tun(tap_fd) == 1)
		return tr__bpf_detach_tun(tap_fd);
	if (ioctl(tap_fd, TUNDETACHFILTER, &fp) < 0)
		return -errno;
	return 0;
}

/* RTM_GETLINK for one interface; returns tx_dropped from IFLA_STATS64 (or
 * IFLA_STATS on old kernels). */
int64_t tr_tap_kernel_dropped(const char *ifname)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req;
	union {
		struct nlmsghdr nh;
		char buf[16384];
	} resp;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	struct rtattr *rta;
	size_t nlen;
	int fd, rc;
	int64_t result = -ENODEV;

	if (!ifname || (nlen = strlen(ifname)) == 0 || nlen >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	rta = (struct rtattr *)(void *)req.attrs;
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = (unsigned short)RTA_LENGTH(nlen + 1);
	memcpy(RTA_DATA(rta), ifname, nlen + 1);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(rta->rta_len);

	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	ssize_t got = recv(fd, &resp, sizeof(resp), 0);
	if (got < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	close(fd);

	size_t left = (size_t)got;
	for (struct nlmsghdr *nh = &resp.nh; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EPROTO;
			return e->error ? e->error : -ENODEV;
		}
		if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			continue;
		struct ifinfomsg *ifi = NLMSG_DATA(nh);
		size_t alen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
		for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
			if (a->rta_type == IFLA_STATS64 &&
			    RTA_PAYLOAD(a) >= offsetof(struct rtnl_link_stats64, tx_dropped) + 8) {
				struct rtnl_link_stats64 st;
				memset(&st, 0, sizeof(st));
				memcpy(&st, RTA_DATA(a),
				       RTA_PAYLOAD(a) < sizeof(st) ? RTA_PAYLOAD(a) : sizeof(st));
				return (int64_t)(st.tx_dropped & INT64_MAX);
			}
			if (a->rta_type == IFLA_STATS &&
			    RTA_PAYLOAD(a) >= offsetof(struct rtnl_link_stats, tx_dropped) + 4) {
				struct rtnl_link_stats st;
				memset(&st, 0, sizeof(st));
				memcpy(&st, RTA_DATA(a),
				       RTA_PAYLOAD(a) < sizeof(st) ? RTA_PAYLOAD(a) : sizeof(st));
				result = st.tx_dropped;   /* keep looking for STATS64 */
			}
		}
		if (result >= 0)
			return result;
		return -ENODATA;
	}
	return result;
}
