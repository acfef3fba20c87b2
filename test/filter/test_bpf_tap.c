/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-kernel prescreen (root, suite net): attach a compiled filter to a TAP
 * with TUNATTACHFILTER, move the TAP into a fresh namespace, inject matching
 * (EtherType 0x88b5) and non-matching (0x88b6) frames from the kernel side
 * with an AF_PACKET socket, and read the TAP fd: only matching frames
 * arrive, and tx_dropped (tr_tap_kernel_dropped) counts the others. After
 * tr_bpf_detach_tap everything arrives again.
 */
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include <tapring/filter.h>

/* helpers.h's t_unique_name trips gcc's -Wformat-truncation (a false
 * positive: the name is meant to be cut at 15 bytes); keep -Werror builds
 * green until the helper is changed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include "helpers.h"

#define T_MATCH   0x88b5
#define T_OTHER   0x88b6

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int send_frames(int ps, int ifindex, unsigned type, unsigned count)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
	uint8_t f[64] = { 0x02, 0, 0, 0, 0, 0x22, 0x02, 0, 0, 0, 0, 0x11 };
	int sent = 0;
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	memcpy(sll.sll_addr, f, 6);
	for (unsigned i = 0; i < count; i++) {
		f[20] = (uint8_t)i;
		if (sendto(ps, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)sizeof(f))
			sent++;
	}
	return sent;
}

/* Read frames from the TAP for up to ms milliseconds or until want frames of
 * either kind arrived; counts per EtherType. */
static void drain(int tap, unsigned want, unsigned ms, unsigned *match, unsigned *other, unsigned *rest)
{
	uint8_t buf[2048];
	uint64_t end = mono_ms() + (uint64_t)ms;
	*match = *other = *rest = 0;
	for (int iter = 0; iter < 10000; iter++) {
		uint64_t now = mono_ms();
		if (now >= end)
			break;
		struct pollfd pfd = { .fd = tap, .events = POLLIN };
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			break;
		ssize_t r = read(tap, buf, sizeof(buf));
		if (r < 14)
			continue;
		unsigned t = (unsigned)buf[12] << 8 | buf[13];
		if (t == T_MATCH)
			(*match)++;
		else if (t == T_OTHER)
			(*other)++;
		else
			(*rest)++;
		if (*match + *other >= want && end > mono_ms() + 100)
			end = mono_ms() + 100;   /* keep reading briefly for stragglers */
	}
}

int main(void)
{
	char name[16], ns[16], err[256], path[64];
	struct ifreq ifr;
	int rc;

	t_require_net_admin();

	/* API errors that need no privileges beyond this point */
	T_CHECK_EQ(tr_tap_kernel_dropped("trnope0"), -ENODEV);
	T_CHECK_EQ(tr_tap_kernel_dropped(""), -EINVAL);

	int tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	T_ASSERT(tap >= 0);
	t_unique_name("bf", name);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_ASSERT(ioctl(tap, TUNSETIFF, &ifr) == 0);

	struct tr_bpf_prog *p = tr_bpf_compile("ether proto 0x88b5", 0, true, 0, 0, err, sizeof(err), &rc);
	T_ASSERT(p);
	T_CHECK_EQ(tr_bpf_attach_tap(tap, p), 0);

	/* too long for the kernel, and a non-TAP fd */
	static struct tr_bpf_insn big[TR_BPF_KERNEL_MAX_INSNS + 1];
	for (unsigned i = 0; i <= TR_BPF_KERNEL_MAX_INSNS; i++)
		big[i] = (struct tr_bpf_insn){ TR_BPF_RET | TR_BPF_K, 0, 0, 0 };
	struct tr_bpf_prog *pbig = tr_bpf_from_insns(big, TR_BPF_KERNEL_MAX_INSNS + 1, 0, err, sizeof(err), &rc);
	T_ASSERT(pbig);
	T_CHECK_EQ(tr_bpf_attach_tap(tap, pbig), -E2BIG);
	tr_bpf_free(pbig);
	int pfds[2];
	T_ASSERT(pipe(pfds) == 0);
	T_CHECK(tr_bpf_attach_tap(pfds[0], p) < 0);
	close(pfds[0]);
	close(pfds[1]);

	t_netns_add(ns);
	T_ASSERT(t_sh("ip link set dev %s netns %s", name, ns) == 0);
	/* no IPv6 autoconf/DAD/MLD traffic: tx_dropped then counts only ours */
	t_sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", ns, name);
	T_ASSERT(t_sh("ip -n %s link set dev %s up", ns, name) == 0);

	int self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int tgt_ns = open(path, O_RDONLY | O_CLOEXEC);
	T_ASSERT(self_ns >= 0 && tgt_ns >= 0);
	T_ASSERT(setns(tgt_ns, CLONE_NEWNET) == 0);
	int ps = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	int ifindex = (int)if_nametoindex(name);
	int64_t drop0 = tr_tap_kernel_dropped(name);
	T_ASSERT(ps >= 0 && ifindex > 0);
	T_CHECK(drop0 >= 0);

	unsigned m, o, r;
	/* let any frames queued by link-up settle, then start counting */
	drain(tap, 1000, 200, &m, &o, &r);
	drop0 = tr_tap_kernel_dropped(name);

	int sm = send_frames(ps, ifindex, T_MATCH, 5);
	int so = send_frames(ps, ifindex, T_OTHER, 7);
	T_CHECK_EQ(sm, 5);
	T_CHECK_EQ(so, 7);
	drain(tap, 5, 2000, &m, &o, &r);
	printf("filtered: match %u, other %u, unrelated %u\n", m, o, r);
	T_CHECK_EQ(m, 5);
	T_CHECK_EQ(o, 0);
	int64_t drop1 = tr_tap_kernel_dropped(name);
	printf("tx_dropped %lld -> %lld\n", (long long)drop0, (long long)drop1);
	T_CHECK(drop1 - drop0 >= 7);
	T_CHECK(drop1 - drop0 <= 7 + (int64_t)r + 4);   /* only our rejects (+ stray kernel frames) */

	/* detached: everything arrives */
	T_CHECK_EQ(tr_bpf_detach_tap(tap), 0);
	so = send_frames(ps, ifindex, T_OTHER, 3);
	T_CHECK_EQ(so, 3);
	drain(tap, 3, 2000, &m, &o, &r);
	T_CHECK_EQ(o, 3);
	int64_t drop2 = tr_tap_kernel_dropped(name);
	T_CHECK_EQ(drop2, drop1);

	T_ASSERT(setns(self_ns, CLONE_NEWNET) == 0);
	close(ps);
	close(self_ns);
	close(tgt_ns);
	close(tap);
	tr_bpf_free(p);
	return t_done();
}
