/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers for the io tests (io_ prefix).
 *
 * Without root the engine is driven through SOCK_SEQPACKET socketpairs: one
 * end is the "queue fd" (each read returns one datagram, like a TAP read
 * returns one frame), the test writes and reads frames at the other end.
 * With root the tests open real multiqueue TAPs (raw TUNSETIFF) and move
 * the kernel side into a namespace they created.
 */
#ifndef TAPRING_TEST_IO_TEST_H
#define TAPRING_TEST_IO_TEST_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <tapring/engine.h>
#include <tapring/slab.h>

/* gcc -O2 warns (-Wformat-truncation) inside helpers.h's t_unique_name,
 * which is not ours to change; the output is bounded there by design. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

static inline uint64_t io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void io_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait (bounded) until the engine has received want frames and each of
 * them has reached its final counter (delivered, forwarded, dropped or held). */
static inline uint64_t io_wait_rx(struct tr_engine *e, uint64_t want, unsigned timeout_ms)
{
	struct tr_engine_stats st;
	uint64_t end = io_now_ms() + timeout_ms;
	for (;;) {
		tr_engine_stats(e, &st);
		/* Received, and every received frame already in its final
		 * counter (rx is counted before the stages run, so a check of
		 * delivered right after rx reached want could still race). */
		bool settled = st.delivered + st.tx_forwarded + st.dropped + st.held >= st.rx;
		if ((st.rx >= want && settled) || io_now_ms() > end)
			return st.rx;
		io_sleep_ms(2);
	}
}

/* Build a 10.77.0.0/16 UDP frame of len bytes (>= 42) into p. seq goes in
 * the first payload byte and the UDP source port varies with flow. */
static inline void io_frame(uint8_t *p, unsigned len, uint32_t seq, unsigned flow)
{
	static const uint8_t dst[6] = { 0x02, 0x77, 0, 0, 0, 0x01 };
	static const uint8_t src[6] = { 0x02, 0x77, 0, 0, 0, 0x02 };
	memset(p, 0, len);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08; p[13] = 0x00;                 /* IPv4 */
	uint8_t *ip = p + 14;
	unsigned iplen = len - 14;
	ip[0] = 0x45; ip[2] = (uint8_t)(iplen >> 8); ip[3] = (uint8_t)iplen;
	ip[8] = 64; ip[9] = 17;
	ip[12] = 10; ip[13] = 77; ip[14] = 1; ip[15] = (uint8_t)(2 + flow % 200);
	ip[16] = 10; ip[17] = 77; ip[18] = 0; ip[19] = 1;
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	ip[10] = (uint8_t)(sum >> 8); ip[11] = (uint8_t)sum;
	uint8_t *udp = ip + 20;
	unsigned sport = 10000 + flow * 7919 % 50000;
	udp[0] = (uint8_t)(sport >> 8); udp[1] = (uint8_t)sport;
	udp[2] = 0x30; udp[3] = 0x39;               /* 12345 */
	udp[4] = (uint8_t)((iplen - 20) >> 8); udp[5] = (uint8_t)(iplen - 20);
	if (len > 42) {
		p[42] = (uint8_t)seq;
		if (len >= 47)
			memcpy(p + 43, &seq, 4);
	}
}

/* Open one fd of the TAP called name, with IFF_TAP | IFF_NO_PI | flags
 * (IFF_MULTI_QUEUE, IFF_VNET_HDR, IFF_NAPI...). A queue still going away
 * (EBUSY) is retried for up to a second. The fd, or -errno. */
static inline int io_tap_open1(const char *name, int flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | flags);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	int tries = 0;
	while (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;
		if (err != EBUSY || ++tries > 100) {
			close(fd);
			return -err;
		}
		io_sleep_ms(10);
	}
	return fd;
}

/* Open nq queue fds of a multiqueue TAP called name. 0 or -errno. */
static inline int io_tap_open(const char *name, unsigned nq, int *fds)
{
	for (unsigned q = 0; q < nq; q++) {
		int fd = io_tap_open1(name, IFF_MULTI_QUEUE);
		if (fd < 0)
			return fd;
		fds[q] = fd;
	}
	return 0;
}

/* Move dev into ns, silence IPv6 (no stray router solicitations), set a
 * long tx queue and bring it up. 0 or -1. */
static inline int io_tap_to_ns(const char *dev, const char *ns)
{
	if (t_sh("ip link set %s netns %s", dev, ns) != 0)
		return -1;
	t_sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", ns, dev);
	if (t_sh("ip -n %s link set %s txqueuelen 10000 up", ns, dev) != 0)
		return -1;
	return 0;
}

static inline long long io_ns_stat(const char *ns, const char *dev, const char *stat)
{
	char cmd[256];
	long long v = -1;
	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/%s/statistics/%s", ns, dev, stat);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	pclose(f);
	return v;
}

/*
 * Send n frames of len bytes out of dev inside ns (so they arrive on the
 * TAP fds), from a forked child that joins the namespace: AF_PACKET +
 * sendmmsg in bursts of 64, flows cycling over nflows source ports.
 * Returns the count sent, or -1.
 */
static inline long io_inject(const char *ns, const char *dev, unsigned n, unsigned len, unsigned nflows)
{
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char path[128];
		long sent = -1;
		close(pfd[0]);
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == 0) {
			int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
			unsigned idx = if_nametoindex(dev);
			struct sockaddr_ll sll;
			memset(&sll, 0, sizeof(sll));
			sll.sll_family = AF_PACKET;
			sll.sll_ifindex = (int)idx;
			sll.sll_protocol = htons(ETH_P_IP);
			if (s >= 0 && idx && bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0) {
				static uint8_t frames[64][2048];
				struct mmsghdr mh[64];
				struct iovec iov[64];
				sent = 0;
				uint64_t end = io_now_ms() + 10000;
				while ((unsigned long)sent < n && io_now_ms() < end) {
					unsigned k = n - (unsigned)sent > 64 ? 64 : n - (unsigned)sent;
					for (unsigned i = 0; i < k; i++) {
						io_frame(frames[i], len, (uint32_t)sent + i, ((unsigned)sent + i) % nflows);
						iov[i].iov_base = frames[i];
						iov[i].iov_len = len;
						memset(&mh[i], 0, sizeof(mh[i]));
						mh[i].msg_hdr.msg_iov = &iov[i];
						mh[i].msg_hdr.msg_iovlen = 1;
					}
					int r = sendmmsg(s, mh, k, 0);
					if (r < 0) {
						if (errno == ENOBUFS || errno == EAGAIN) {
							io_sleep_ms(1);
							continue;
						}
						break;
					}
					sent += r;
				}
			}
		}
		if (write(pfd[1], &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	long sent = -1;
	if (read(pfd[0], &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
		sent = -1;
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return sent;
}

/* Root tests: a fresh namespace with a new nq-queue TAP inside it (the
 * fds stay with us). Skips without CAP_NET_ADMIN. */
static inline void io_tap_setup(char ns[16], char dev[16], unsigned nq, int *fds)
{
	t_require_net_admin();
	t_netns_add(ns);
	t_unique_name("tio", dev);
	int r = io_tap_open(dev, nq, fds);
	if (r < 0)
		t_skip("cannot create TAP %s: %s", dev, strerror(-r));
	T_ASSERT(io_tap_to_ns(dev, ns) == 0);
}

/* rx == delivered + tx_forwarded + dropped + held, with dropped == the sum
 * over reasons. Returns 1 if it holds. */
static inline int io_invariant(const struct tr_engine *e, const struct tr_engine_stats *st)
{
	uint64_t sum = 0, osum = 0;
	for (unsigned i = 0; i < tr_engine_nreasons(e); i++) {
		struct tr_engine_reason_stat r;
		if (tr_engine_reason(e, UINT32_MAX, i, &r) != 0)
			return 0;
		sum += r.count;
		osum += r.orig_count;
	}
	if (sum != st->dropped || osum != st->orig_dropped) {
		fprintf(stderr, "reason sums %llu/%llu != dropped %llu/%llu\n",
			(unsigned long long)sum, (unsigned long long)osum,
			(unsigned long long)st->dropped, (unsigned long long)st->orig_dropped);
		return 0;
	}
	if (st->rx != st->delivered + st->tx_forwarded + st->dropped + st->held) {
		fprintf(stderr, "rx %llu != delivered %llu + fwd %llu + dropped %llu + held %llu\n",
			(unsigned long long)st->rx, (unsigned long long)st->delivered,
			(unsigned long long)st->tx_forwarded, (unsigned long long)st->dropped,
			(unsigned long long)st->held);
		return 0;
	}
	return 1;
}

/* Free everything still on the app rings; then the pool must be full. */
static inline unsigned io_drain_app(struct tr_engine *e)
{
	struct tr_buf *b[64];
	unsigned n, total = 0;
	for (unsigned q = 0; q < tr_engine_nqueues(e); q++)
		while ((n = tr_engine_rx_burst(e, q, b, 64)) > 0) {
			tr_engine_buf_free_burst(e, b, n);
			total += n;
		}
	return total;
}

#endif /* TAPRING_TEST_IO_TEST_H */
