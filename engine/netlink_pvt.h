/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal rtnetlink client (private to engine/tap.c): open a NETLINK_ROUTE
 * socket in a given network namespace, build one request, send it and read
 * replies until the ACK (or NLMSG_DONE for a dump). Control path only:
 * one socket per operation, nothing shared, no allocation. On top of it,
 * the link and address requests tap.c makes (tr_nl_link_*, tr_nl_addr_*),
 * which fill tap.h's structs.
 */
#ifndef TAPRING_ENGINE_NETLINK_PVT_H
#define TAPRING_ENGINE_NETLINK_PVT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdbool.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <tapring/tap.h>   /* struct tr_tap_link_info, struct tr_tap_addr */

/* Request buffer: large enough for any request this module sends. */
#define TR_NL_REQ_MAX 512

struct tr_nl {
	int fd;
	uint32_t seq;
};

/* A request being built in a caller-provided buffer. */
struct tr_nl_req {
	union {
		struct nlmsghdr hdr;
		uint8_t bytes[TR_NL_REQ_MAX];
	} u;
	int overflow;   /* a put did not fit: tr_nl_call() returns -EMSGSIZE */
};

/*
 * Open a rtnetlink socket in namespace nsfd (-1: the calling thread's
 * current one). With nsfd >= 0 the calling thread is switched into the
 * namespace with setns(2) for the socket() call only and switched back;
 * if switching back fails the process aborts (continuing in a wrong
 * namespace would silently misconfigure everything after). O_CLOEXEC.
 */
int tr_nl_open(struct tr_nl *nl, int nsfd);
void tr_nl_close(struct tr_nl *nl);

/*
 * Open a namespace by name (a file under /run/netns) or path (contains '/').
 * Returns an O_CLOEXEC fd or -errno (-EINVAL for "", ".", "..", too long).
 */
int tr_nl_netns_open(const char *netns);

/* Start a request of type with flags (NLM_F_REQUEST is added) and a fixed
 * family header of hdr_len bytes (copied from hdr). */
void tr_nl_req_init(struct tr_nl_req *r, uint16_t type, uint16_t flags,
		    const void *hdr, size_t hdr_len);
void tr_nl_put(struct tr_nl_req *r, uint16_t type, const void *data, size_t len);
void tr_nl_put_u32(struct tr_nl_req *r, uint16_t type, uint32_t v);
void tr_nl_put_str(struct tr_nl_req *r, uint16_t type, const char *s);
/* Nested attributes: start returns an offset that end() patches. */
size_t tr_nl_nest_start(struct tr_nl_req *r, uint16_t type);
void tr_nl_nest_end(struct tr_nl_req *r, size_t start);

/*
 * Send the request and read replies. For each reply message that is not
 * NLMSG_ERROR/NLMSG_DONE, cb(msg, arg) is called; a non-zero return from cb
 * stops delivering but the replies are still drained. Returns 0, the
 * kernel's -errno from the ACK, or a socket error.
 */
typedef int (*tr_nl_cb)(const struct nlmsghdr *msg, void *arg);
int tr_nl_call(struct tr_nl *nl, struct tr_nl_req *r, tr_nl_cb cb, void *arg);

/*
 * Split attributes at data (len bytes) into tb[0..max] by type (later
 * duplicates win; types > max ignored). Every attribute's length is checked
 * against the remaining bytes first, so a truncated attribute stops the
 * walk. tb entries point into data.
 */
void tr_nl_parse(const void *data, size_t len, const struct rtattr **tb, unsigned max);
/* Payload of an attribute and its length. */
static inline const void *tr_nl_data(const struct rtattr *a)
{
	return (const uint8_t *)a + RTA_LENGTH(0);
}
static inline size_t tr_nl_len(const struct rtattr *a)
{
	/* memcpy: callers may hand in unaligned buffers; tr_nl_parse() only
	 * returns attributes with rta_len >= the header size */
	unsigned short l;
	memcpy(&l, (const uint8_t *)a + offsetof(struct rtattr, rta_len), sizeof(l));
	return (size_t)l - RTA_LENGTH(0);
}
/* Read a u8/u32 attribute if present and long enough; returns 1 if read. */
int tr_nl_get_u8(const struct rtattr *a, uint8_t *v);
int tr_nl_get_u32(const struct rtattr *a, uint32_t *v);

/* ---- links and addresses ----------------------------------------------------
 * nsfd: the namespace to talk to (-1: the caller's). A link is named by
 * ifindex (> 0) or, where an ifname is taken, by name when ifindex <= 0;
 * names are passed to the kernel as given (tap.c checks them first).
 * Each returns 0 or -errno (the kernel's, or -ENODEV / -EINVAL as said). */

/* Decode one RTM_NEWLINK message (tun/tap details from IFLA_LINKINFO);
 * 0 or -EIO if it is not one or is too short. */
int tr_nl_parse_link(const struct nlmsghdr *m, struct tr_tap_link_info *out);
/* RTM_GETLINK for one link; -ENODEV if the kernel sent none. */
int tr_nl_link_get(int nsfd, int ifindex, const char *ifname, struct tr_tap_link_info *out);
/* RTM_GETLINK dump of the tun/tap links: fills up to max, returns how many
 * there are (may exceed max). */
int tr_nl_link_list_tun(int nsfd, struct tr_tap_link_info *out, size_t max);

/* RTM_SETLINK: -1 / NULL leave a field unchanged. */
struct tr_nl_setlink {
	int mtu;
	const uint8_t *mac;   /* 6 bytes */
	int up;               /* 0 or 1 */
	int target_nsfd;      /* move the link into this namespace */
};
#define TR_NL_SETLINK_INIT { .mtu = -1, .mac = NULL, .up = -1, .target_nsfd = -1 }
int tr_nl_link_set(int nsfd, int ifindex, const struct tr_nl_setlink *s);
/* RTM_DELLINK by ifindex, or by a non-empty name. */
int tr_nl_link_del(int nsfd, int ifindex, const char *ifname);

/* RTM_NEWADDR (add) / RTM_DELADDR of a on ifindex; -EINVAL for a prefix
 * too long for the family, -EAFNOSUPPORT for a family other than 4/6. */
int tr_nl_addr_change(int nsfd, int ifindex, const struct tr_tap_addr *a, bool add);
/* RTM_GETADDR dump filtered to ifindex: fills up to max, returns how many
 * there are. */
int tr_nl_addr_list(int nsfd, int ifindex, struct tr_tap_addr *out, size_t max);

#endif /* TAPRING_ENGINE_NETLINK_PVT_H */
