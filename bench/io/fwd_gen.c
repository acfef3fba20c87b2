/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fwd_gen: the traffic ends and the plain baseline for bench_fwd.sh.
 *   fwd_gen send IFNAME COUNT LEN      AF_PACKET: COUNT IPv4/UDP frames of LEN
 *                                      bytes (broadcast MAC, 10.77.99.1 ->
 *                                      10.77.99.2:7709, letters as payload),
 *                                      sendmmsg bursts of 64, as fast as the
 *                                      kernel takes them
 *   fwd_gen recv IFNAME SECONDS        counts those frames for at most
 *                                      SECONDS (stops 0.5 s after the last);
 *                                      prints "frames N pps P gbps G"
 *                                      measured from the first to the last
 *   fwd_gen copy TAPA TAPB SECONDS     the plain copy loop: creates two TAPs,
 *                                      read() from A, write() to B, one
 *                                      syscall per frame each, no batching
 *   fwd_gen stamp                      the machine stamp (bench/machine.h)
 * Run each in the namespace it belongs to (ip netns exec).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <signal.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETYPE ETH_P_IP
#define DPORT 7709

#include "machine.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int pkt_socket(const char *ifname, int proto)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons((uint16_t)proto));
	if (s < 0) {
		perror("socket(AF_PACKET)");
		exit(1);
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons((uint16_t)proto),
				   .sll_ifindex = (int)if_nametoindex(ifname) };
	if (!sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "bind %s: %s\n", ifname, strerror(errno));
		exit(1);
	}
	int big = 16 << 20;
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	return s;
}

static int do_send(const char *ifname, unsigned long count, unsigned len)
{
	int s = pkt_socket(ifname, ETYPE);
	static uint8_t f[64][2048];
	struct mmsghdr mm[64];
	struct iovec iov[64];
	if (len < 60 || len > 1514)
		return 2;
	for (unsigned i = 0; i < 64; i++) {
		uint8_t *p = f[i], *ip = p + 14, *udp = ip + 20;
		unsigned iplen = len - 14;
		memset(p, 0, len);
		memset(p, 0xff, 6);                       /* broadcast: passes every bridge */
		memcpy(p + 6, "\x02\x77\x00\x00\x00\x09", 6);
		p[12] = 0x08;
		ip[0] = 0x45; ip[2] = (uint8_t)(iplen >> 8); ip[3] = (uint8_t)iplen; ip[8] = 64; ip[9] = 17;
		ip[12] = 10; ip[13] = 77; ip[14] = 99; ip[15] = 1; ip[16] = 10; ip[17] = 77; ip[18] = 99; ip[19] = 2;
		uint32_t sum = 0;
		for (int k = 0; k < 20; k += 2)
			sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		ip[10] = (uint8_t)(~sum >> 8); ip[11] = (uint8_t)~sum;
		udp[0] = 0x1e; udp[1] = 0x1d; udp[2] = DPORT >> 8; udp[3] = DPORT & 0xff;
		udp[4] = (uint8_t)((iplen - 20) >> 8); udp[5] = (uint8_t)(iplen - 20);
		for (unsigned k = 42; k < len; k++)
			p[k] = (uint8_t)('a' + (k * 7 + i) % 26);
		iov[i].iov_base = f[i];
		iov[i].iov_len = len;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long sent = 0;
	uint64_t t0 = now_ns();
	while (sent < count) {
		unsigned n = count - sent < 64 ? (unsigned)(count - sent) : 64;
		for (unsigned i = 0; i < n; i++)
			memcpy(f[i] + 42, &(uint64_t){ sent + i }, len >= 50 ? 8 : 0);
		int k = sendmmsg(s, mm, n, 0);
		if (k < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(50);
				continue;
			}
			perror("sendmmsg");
			return 1;
		}
		sent += (unsigned)k;
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("sent %lu frames of %u B in %.3f s (%.2f Mpps offered)\n", sent, len, secs, sent / secs / 1e6);
	return 0;
}

static int do_recv(const char *ifname, double seconds)
{
	int s = pkt_socket(ifname, ETH_P_ALL);
	uint8_t buf[2048];
	unsigned long n = 0;
	uint64_t bytes = 0, first = 0, last = 0, end = now_ns() + (uint64_t)(seconds * 1e9);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		uint64_t t = now_ns();
		if (t > end || (n && t - last > 500000000ull))
			break;
		ssize_t r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0) {
			struct pollfd p = { .fd = s, .events = POLLIN };
			poll(&p, 1, 50);
			continue;
		}
		if (r < 42 || buf[23] != 17 || buf[36] != (DPORT >> 8) || buf[37] != (DPORT & 0xff))
			continue;
		last = now_ns();
		if (!n)
			first = last;
		n++;
		bytes += (uint64_t)r;
	}
	double secs = n > 1 ? (double)(last - first) / 1e9 : 0;
	printf("frames %lu pps %.0f gbps %.3f\n", n, secs > 0 ? n / secs : 0, secs > 0 ? bytes * 8 / secs / 1e9 : 0);
	return 0;
}

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static volatile sig_atomic_t stop_copy;

static void on_alarm(int sig)
{
	(void)sig;
	stop_copy = 1;
}

static int do_copy(const char *a, const char *b, double seconds)
{
	int fa = tap_open(a), fb = tap_open(b);
	uint8_t buf[2048];
	if (fa < 0 || fb < 0) {
		fprintf(stderr, "cannot create TAPs %s/%s: %s\n", a, b, strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	unsigned long n = 0;
	/* Blocking read, then write: one syscall each per frame. SIGALRM
	 * (no SA_RESTART) ends the blocked read at the deadline. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)(seconds + 0.999));
	while (!stop_copy) {
		ssize_t r = read(fa, buf, sizeof(buf));
		if (r > 0 && write(fb, buf, (size_t)r) == r)
			n++;
	}
	printf("copied %lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], strtoul(argv[3], NULL, 10), (unsigned)atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atof(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "stamp")) {
		bench_machine_print(stdout);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "copy"))
		return do_copy(argv[2], argv[3], atof(argv[4]));
	fprintf(stderr, "usage: fwd_gen send IF COUNT LEN | recv IF SECONDS | copy TAPA TAPB SECONDS\n");
	return 2;
}
