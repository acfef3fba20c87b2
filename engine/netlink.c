/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/netlink.c: a minimal rtnetlink client for TUN/TAP control (see
 * netlink_pvt.h). One socket per operation, opened in the target network
 * namespace; requests are built in a fixed buffer on the caller's stack.
 */
#include "netlink_pvt.h"

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
