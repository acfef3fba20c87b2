/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP echo flood: tapring's stack vs the Linux kernel, in the same run.
 *
 * tapring: a TAP whose kernel side lives in namespace A (no IP address on
 * it, so the kernel itself answers nothing); the engine + stack answer for
 * 10.77.8.1. The generator, inside A, writes echo requests onto the TAP
 * with an AF_PACKET socket (sendmmsg) and reads the replies back from it
 * (recvmmsg).
 *
 * kernel: a veth pair between namespaces B1 (10.77.9.1, the kernel answers)
 * and B2 (the generator's side, no address; a static neighbour entry on B1
 * points 10.77.9.2 at the generator's MAC). Same generator, same frames.
 *
 * The generator keeps at most WINDOW requests outstanding (a closed loop),
 * so the rate is the responder's and loss is real loss, not overrun. Each
 * run is bounded: COUNT requests or SECONDS, whichever comes first.
 *
 *   bench_echo [COUNT] [SECONDS]     (root; exits 77 otherwise)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tapring/checksum.h>
#include <tapring/engine.h>
#include <tapring/stack.h>
#include <tapring/tap.h>

#include "helpers.h"

#define BURST 64
#define WINDOW 512
#define FRAME_LEN 98   /* Ethernet + IPv4 + ICMP echo with 56 bytes of data */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int enter_netns(const char *ns)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc ? -errno : 0;
}

static int get_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(s, SIOCGIFHWADDR, &ifr);
	close(s);
	if (rc)
		return -errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static void build_request(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
			  const uint8_t sip[4], const uint8_t dip[4], uint16_t id, uint16_t seq)
{
	uint8_t *ip = f + 14, *icmp = f + 34;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 84;
	ip[4] = (uint8_t)(seq >> 8);
	ip[5] = (uint8_t)seq;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, sip, 4);
	memcpy(ip + 16, dip, 4);
	tr_cksum_store(ip + 10, tr_cksum(ip, 20));
	memset(icmp, 0, 64);
	icmp[0] = 8;
	icmp[4] = (uint8_t)(id >> 8);
	icmp[5] = (uint8_t)id;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	for (int i = 8; i < 64; i++)
		icmp[i] = (uint8_t)i;
	tr_cksum_store(icmp + 2, tr_cksum(icmp, 64));
}

struct result {
	uint64_t sent, replies;
	double secs;
};

/*
 * The generator: on ifname (in the current namespace), send requests to
 * dmac/dip from smac/sip and count echo replies with our id. Closed loop,
 * at most WINDOW outstanding; gives up on a stuck window after 20 ms.
 */
static int generate(const char *ifname, const uint8_t dmac[6], const uint8_t smac[6],
		    const uint8_t sip[4], const uint8_t dip[4], uint64_t count, double max_s,
		    struct result *r)
{
	static uint8_t tx[BURST][FRAME_LEN], rx[BURST][256];
	struct mmsghdr tmsg[BURST], rmsg[BURST];
	struct iovec tiov[BURST], riov[BURST];
	struct sockaddr_ll sll;
	uint16_t id = (uint16_t)getpid();
	int64_t outstanding = 0;
	int fd;
	double t0, last_progress;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0)
		return -errno;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -errno;
	}
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	/* outgoing copies of our own requests are not replies: skip them */
	int ign = 1;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &ign, sizeof(ign));

	for (int i = 0; i < BURST; i++) {
		tiov[i].iov_base = tx[i];
		tiov[i].iov_len = FRAME_LEN;
		memset(&tmsg[i], 0, sizeof(tmsg[i]));
		tmsg[i].msg_hdr.msg_iov = &tiov[i];
		tmsg[i].msg_hdr.msg_iovlen = 1;
		riov[i].iov_base = rx[i];
		riov[i].iov_len = sizeof(rx[i]);
		memset(&rmsg[i], 0, sizeof(rmsg[i]));
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	memset(r, 0, sizeof(*r));
	t0 = last_progress = now_s();
	while (r->sent < count || outstanding > 0) {
		double t = now_s();

		if (t - t0 > max_s)
			break;
		if (r->sent < count && outstanding < WINDOW) {
			unsigned n = (unsigned)(WINDOW - outstanding);
			if (n > BURST)
				n = BURST;
			if (n > count - r->sent)
				n = (unsigned)(count - r->sent);
			for (unsigned i = 0; i < n; i++)
				build_request(tx[i], dmac, smac, sip, dip, id,
					      (uint16_t)(r->sent + i));
			int s = sendmmsg(fd, tmsg, n, 0);
			if (s > 0) {
				r->sent += (uint64_t)s;
				outstanding += s;
			}
		}
		int g = recvmmsg(fd, rmsg, BURST, MSG_DONTWAIT, NULL);
		if (g > 0) {
			for (int i = 0; i < g; i++) {
				const uint8_t *f = rx[i];
				if (rmsg[i].msg_len >= 42 && f[12] == 0x08 && f[13] == 0 && f[23] == 1 &&
				    f[34] == 0 && f[38] == (uint8_t)(id >> 8) && f[39] == (uint8_t)id) {
					r->replies++;
					outstanding--;
				}
			}
			last_progress = t;
		} else if (t - last_progress > 0.02 && outstanding > 0) {
			/* a stuck window: whatever is outstanding is lost */
			outstanding = 0;
			last_progress = t;
			if (r->sent >= count)
				break;
		}
	}
	r->secs = now_s() - t0;
	close(fd);
	return 0;
}

static void report(const char *name, const struct result *r)
{
	double rate = r->replies / r->secs;
	double loss = r->sent ? 100.0 * (double)(r->sent - r->replies) / (double)r->sent : 0;

	printf("%-28s sent %8llu  replies %8llu  %6.3f s  %9.0f replies/s  %6.0f ns/reply  loss %.3f%%\n",
	       name, (unsigned long long)r->sent, (unsigned long long)r->replies, r->secs, rate,
	       rate > 0 ? 1e9 / rate : 0, loss);
}

/* ---- tapring side ------------------------------------------------------- */

struct tside {
	char ns[16], tap[16];
	struct tr_tap *t;
	struct tr_engine *e;
	struct tr_stack_host *h;
};

static int tapring_start(struct tside *s, unsigned queues)
{
	struct tr_tap_config tc = TR_TAP_CONFIG_INIT;
	struct tr_stack_config sc;
	struct tr_engine_config ec;
	int fds[8], err;
	static const uint8_t mac[6] = { 0x02, 0x74, 0x72, 0x00, 0x08, 0x01 };

	t_unique_name("tbe", s->tap);
	tc.name = s->tap;
	tc.flags = TR_TAP_EXCL | (queues > 1 ? TR_TAP_MULTI_QUEUE : 0);
	tc.queues = queues;
	s->t = tr_tap_create(&tc, &err);
	if (!s->t)
		return err;
	if ((err = tr_tap_move_netns(s->t, s->ns)) || (err = tr_tap_set_up(s->t, true)))
		return err;
	memset(&sc, 0, sizeof(sc));
	memcpy(sc.mac, mac, 6);
	sc.n_ip4 = 1;
	memcpy(sc.ip4[0], (uint8_t[]){ 10, 77, 8, 1 }, 4);
	sc.icmp_rate = 1000000;
	s->h = tr_stack_host_create(&sc, &err);
	if (!s->h)
		return err;
	memset(&ec, 0, sizeof(ec));
	for (unsigned q = 0; q < queues; q++)
		fds[q] = tr_tap_fd(s->t, q);
	ec.fds = fds;
	ec.nqueues = queues;
	ec.cpu_base = 1;     /* the generator runs on core 0 */
	s->e = tr_engine_create(&ec, &err);
	if (!s->e)
		return err;
	if ((err = tr_stack_stage_add(s->e, s->h)) != 0)
		return err;
	return tr_engine_start(s->e);
}

static void tapring_stop(struct tside *s)
{
	if (s->e) {
		struct tr_engine_stats st;
		tr_engine_stop(s->e);
		tr_engine_stats(s->e, &st);
		printf("    engine: rx %llu tx %llu tx_forwarded %llu dropped %llu batches %llu enters %llu\n",
		       (unsigned long long)st.rx, (unsigned long long)st.tx,
		       (unsigned long long)st.tx_forwarded, (unsigned long long)st.dropped,
		       (unsigned long long)st.batches, (unsigned long long)st.enters);
		for (unsigned id = 0; id < tr_engine_nreasons(s->e); id++) {
			struct tr_engine_reason_stat rs;
			if (tr_engine_reason(s->e, UINT32_MAX, id, &rs) == 0 && rs.count + rs.orig_count)
				printf("    drop %s: %llu\n", rs.name,
				       (unsigned long long)(rs.count + rs.orig_count));
		}
		tr_engine_destroy(s->e);
	}
	if (s->t)
		tr_tap_destroy(s->t, TR_TAP_DESTROY_DELETE);
	tr_stack_host_destroy(s->h);
}

static int run_tapring(const char *ns, unsigned queues, uint64_t count, double secs,
		       struct result *r)
{
	struct tside s;
	uint8_t kmac[6];
	static const uint8_t smac_dummy[6];
	int rc, self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	(void)smac_dummy;
	memset(&s, 0, sizeof(s));
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	rc = tapring_start(&s, queues);
	if (rc) {
		fprintf(stderr, "bench_echo: tapring setup failed: %s\n", strerror(-rc));
		tapring_stop(&s);
		close(self);
		return rc;
	}
	enter_netns(ns);
	get_mac(s.tap, kmac);
	usleep(200 * 1000);
	rc = generate(s.tap, (uint8_t[]){ 0x02, 0x74, 0x72, 0x00, 0x08, 0x01 }, kmac,
		      (uint8_t[]){ 10, 77, 8, 2 }, (uint8_t[]){ 10, 77, 8, 1 }, count, secs, r);
	setns(self, CLONE_NEWNET);
	close(self);
	tapring_stop(&s);
	return rc;
}

static int run_kernel(const char *nb1, const char *nb2, uint64_t count, double secs,
		      struct result *r)
{
	char va[16], vb[16];
	uint8_t amac[6], bmac[6];
	int rc, self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	t_unique_name("tva", va);
	t_unique_name("tvb", vb);
	if (t_sh("ip -n %s link add %s type veth peer name %s netns %s", nb1, va, vb, nb2) ||
	    t_sh("ip -n %s addr add 10.77.9.1/24 dev %s", nb1, va) ||
	    t_sh("ip -n %s link set %s up", nb1, va) || t_sh("ip -n %s link set %s up", nb2, vb)) {
		close(self);
		return -EIO;
	}
	enter_netns(nb2);
	get_mac(vb, bmac);
	setns(self, CLONE_NEWNET);
	enter_netns(nb1);
	get_mac(va, amac);
	setns(self, CLONE_NEWNET);
	t_sh("ip -n %s neigh replace 10.77.9.2 lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s nud permanent",
	     nb1, bmac[0], bmac[1], bmac[2], bmac[3], bmac[4], bmac[5], va);
	enter_netns(nb2);
	usleep(200 * 1000);
	rc = generate(vb, amac, bmac, (uint8_t[]){ 10, 77, 9, 2 }, (uint8_t[]){ 10, 77, 9, 1 },
		      count, secs, r);
	setns(self, CLONE_NEWNET);
	close(self);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 300000;
	double secs = argc > 2 ? atof(argv[2]) : 10;
	char na[16], nb1[16], nb2[16];
	struct result rt1[2], rk[2], rt2;
	cpu_set_t cs;

	t_require_net_admin();
	t_netns_add(na);
	t_netns_add(nb1);
	t_netns_add(nb2);
	/* the generator stays on core 0; tapring's worker is pinned to core 1 */
	CPU_ZERO(&cs);
	CPU_SET(0, &cs);
	sched_setaffinity(0, sizeof(cs), &cs);

	printf("ICMP echo flood, %llu requests per run (<= %.0f s), window %d, burst %d, 98-byte frames\n",
	       (unsigned long long)count, secs, WINDOW, BURST);
	/* alternate A B A B: the machine is noisy */
	for (int i = 0; i < 2; i++) {
		if (run_kernel(nb1, nb2, count, secs, &rk[i]))
			return 1;
		report("kernel (veth, netns)", &rk[i]);
		t_sh("ip -n %s link del $(ip -n %s -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | head -1) 2>/dev/null", nb1, nb1);
		if (run_tapring(na, 1, count, secs, &rt1[i]))
			return 1;
		report("tapring 1 queue", &rt1[i]);
	}
	if (run_tapring(na, 2, count, secs, &rt2))
		return 1;
	report("tapring 2 queues", &rt2);

	double k = (rk[0].replies / rk[0].secs + rk[1].replies / rk[1].secs) / 2;
	double t1 = (rt1[0].replies / rt1[0].secs + rt1[1].replies / rt1[1].secs) / 2;
	double loss = 100.0 * (double)((rt1[0].sent - rt1[0].replies) + (rt1[1].sent - rt1[1].replies)) /
		      (double)(rt1[0].sent + rt1[1].sent);
	printf("\nratio tapring(1q)/kernel: %.2fx  (tapring %.0f/s, kernel %.0f/s, tapring loss %.3f%%)\n",
	       t1 / k, t1, k, loss);
	printf("ratio tapring(2q)/kernel: %.2fx\n", (rt2.replies / rt2.secs) / k);
	return 0;
}
