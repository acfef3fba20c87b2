/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP echo flood: tapring's stack vs the Linux kernel, in the same run.
 *
 * tapring: a TAP whose kernel side lives in namespace A (no IP address on
 * it, so the kernel itself answers nothing); the engine + stack answer for
 * 10.77.8.1. The generator, inside A, writes echo requests onto the TAP
 * with an AF_PACKET socket (sendmmsg) and reads the replies back from it
 * (a TPACKET_V2 rx ring).
 *
 * kernel: a veth pair between namespaces B1 (10.77.9.1, the kernel answers)
 * and B2 (the generator's side, no address; a static neighbour entry on B1
 * points 10.77.9.2 at the generator's MAC). Same generator, same frames.
 *
 * The generator keeps at most WINDOW requests outstanding (a closed loop),
 * so the rate is the responder's and loss is real loss, not overrun. Each
 * run is bounded: COUNT requests or SECONDS, whichever comes first.
 *
 * Queues: with 2 queues the flows' placement decides the balance. The 8
 * flow sources are picked at start so that the steering hash (the user-space
 * build of the eBPF program, tr_steer_queue) puts 4 on each queue. The
 * "2q symmetric" case attaches that program (TUNSETSTEERINGEBPF); "2q
 * kernel" leaves the TUN driver's own flow hash (automq), which places the
 * same 8 flows by a different hash. TR_ECHO_SEQ_FLOWS=1 uses the old
 * sources 10.77.x.2-9 instead (the kernel put 2 of them on one queue and 6
 * on the other: the 50k/150k split, docs/perf/bpf.md).
 *
 *   bench_echo [COUNT] [SECONDS]     (root; exits 77 otherwise)
 *   TR_ECHO_ONLY=kernel|tap1|tap2|tap2k   one case only
 *   TR_ECHO_ONLY=ext TR_ECHO_EXT_NS=NS TR_ECHO_EXT_IF=DEV [TR_ECHO_EXT_PID=PID]
 *     [TR_ECHO_EXT_MAC=MAC] [TR_ECHO_EXT_NAME=LABEL]
 *     the same generator against a responder running elsewhere (dpdk-testpmd
 *     icmpecho, `tapring up`): DEV is its TAP's kernel side, already in the
 *     caller's namespace NS; requests go to MAC (default tapring's
 *     02:74:72:00:08:01) and 10.77.8.1; PID's CPU time (utime + stime)
 *     over the run is added to the CPU per reply (bench/peers/).
 *   TR_BENCH_JSON=PATH   every run also as a JSON row (bench/bench_json.h)
 *
 * TR_ECHO_PLACEMENT=1 measures worker placement instead (what `tapring up
 * --cpus` chooses), one queue, alternated rounds: the kernel; the worker
 * pinned to the generator's CPU (--cpus 0); pinned to the other CPU
 * (--cpus 1); unpinned with the generator on CPU 0 (--cpus none); and both
 * unpinned (--cpus none with a traffic source the scheduler places too).
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tapring/checksum.h>
#include <tapring/ebpf.h>
#include <tapring/engine.h>
#include <tapring/stack.h>
#include <tapring/tap.h>

#include "helpers.h"
#include "xcore.h"
#include "bench_json.h"

#define BURST 64
#define WINDOW 512
#define ROUNDS 2
#define NFLOWS 8      /* source addresses 10.77.x.2 .. 10.77.x.9 */
#define FRAME_LEN 98
#define RING_FRAME 256 /* TPACKET_V2 slot: header + 98-byte frame fit */   /* Ethernet + IPv4 + ICMP echo with 56 bytes of data */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The generator's source MAC. By default it is not the MAC of the device it
 * sends on, so the replies reach the kernel of the generator's namespace as
 * PACKET_OTHERHOST and ip_rcv drops them at once. With TR_ECHO_OWNMAC=1 it
 * is the device's own MAC (the earlier setup): then every reply also runs
 * the kernel's routing input (ip_route_input_slow -> ip_error, nothing
 * owns 10.77.x.2) inside the responder's write()/veth_xmit, which is kernel
 * time charged to whichever side writes the reply. Both sides use the same
 * choice, so the comparison stays fair.
 */
static const uint8_t dummy_mac[6] = { 0x02, 0x77, 0x00, 0x00, 0x00, 0x99 };
static uint8_t own_mac[6];
static bool use_own_mac;

static const uint8_t *gen_mac(void)
{
	return use_own_mac ? own_mac : dummy_mac;
}

static int worker_cpu;   /* -1: workers unpinned */
static uint8_t flow_octet[NFLOWS];   /* last source-address byte of each flow */

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

/* The flows' sources: 4 per queue under the steering hash, unless
 * TR_ECHO_SEQ_FLOWS=1 (then .2-.9 whatever the hash says). */
static void pick_flows(void)
{
	static const uint8_t mac[6] = { 0x02, 0x74, 0x72, 0x00, 0x08, 0x01 };
	unsigned per[2] = { 0, 0 }, n = 0;
	uint8_t f[FRAME_LEN];
	bool seq = getenv("TR_ECHO_SEQ_FLOWS") && atoi(getenv("TR_ECHO_SEQ_FLOWS"));

	for (unsigned oct = 2; oct < 250 && n < NFLOWS; oct++) {
		build_request(f, mac, dummy_mac, (uint8_t[]){ 10, 77, 8, (uint8_t)oct },
			      (uint8_t[]){ 10, 77, 8, 1 }, 1, 0);
		unsigned q = tr_steer_queue(f, FRAME_LEN, 2);
		if (!seq && per[q] >= NFLOWS / 2)
			continue;
		per[q]++;
		flow_octet[n++] = (uint8_t)oct;
	}
	printf("flows: sources 10.77.x.{");
	for (unsigned i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", flow_octet[i]);
	printf("}: %u on queue 0, %u on queue 1 under the steering hash\n", per[0], per[1]);
}

struct result {
	uint64_t sent, replies, resets;
	double secs;
	double cpu_self, cpu_gen;   /* CPU seconds: whole process, generator thread */
};

static double cpu_s(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * The generator: on ifname (in the current namespace), send requests to
 * dmac/dip from smac/sip and count echo replies with our id. Closed loop,
 * at most WINDOW outstanding (WINDOW < txqueuelen 1000 of the TAP, so the
 * generator alone can never overflow the TAP's queue).
 *
 * Sending stops at `count` or after max_s; the requests still in flight
 * then get up to DRAIN_S to come back, so the end of a run is not counted
 * as loss. The rate is replies over the time to the last reply. A window
 * with no reply for STUCK_S (not 20 ms: a loaded 2-core machine deschedules
 * a thread for that long, and a premature reset lets a new window overrun
 * the TAP queue, which is what made the earlier runs lose 1-5%) is counted
 * as lost and reset.
 */
#define DRAIN_S 0.5
#define STUCK_S 0.5
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
	double t0, last_progress, t_last_reply, t_stop = 0;
	bool sending = true;

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
	/* Replies arrive in a TPACKET_V2 ring read without a syscall: with
	 * recvmmsg the generator spent about half its CPU in receive
	 * syscalls, and on the tapring side the generator, not the
	 * responder, set the pace (perf record -e cpu-clock -a). The kernel
	 * side gets the same generator. TR_ECHO_RECVMMSG=1: the old path. */
	struct tpacket_req treq = { .tp_block_size = 1u << 16, .tp_block_nr = 64,
				    .tp_frame_size = RING_FRAME, .tp_frame_nr = 0 };
	uint8_t *ring = NULL;
	size_t ring_len = 0;
	unsigned ring_n = 0, ring_i = 0;
	int v2 = TPACKET_V2;
	treq.tp_frame_nr = treq.tp_block_size / treq.tp_frame_size * treq.tp_block_nr;
	if (!getenv("TR_ECHO_RECVMMSG") &&
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)) == 0 &&
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &treq, sizeof(treq)) == 0) {
		ring_len = (size_t)treq.tp_block_size * treq.tp_block_nr;
		ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		if (ring == MAP_FAILED) {
			close(fd);
			return -errno;
		}
		ring_n = treq.tp_frame_nr;
	}

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
	double c0 = cpu_s(RUSAGE_SELF), g0 = cpu_s(RUSAGE_THREAD);
	t0 = last_progress = t_last_reply = now_s();
	for (;;) {
		double t = now_s();

		if (sending && (r->sent >= count || t - t0 > max_s)) {
			sending = false;
			t_stop = t;
		}
		if (!sending && (outstanding <= 0 || t - t_stop > DRAIN_S))
			break;
		if (sending && outstanding < WINDOW) {
			unsigned n = (unsigned)(WINDOW - outstanding);
			if (n > BURST)
				n = BURST;
			if (n > count - r->sent)
				n = (unsigned)(count - r->sent);
			for (unsigned i = 0; i < n; i++)
			{
				/* NFLOWS source addresses, round robin: the TAP
				 * spreads flows over its queues by address hash. */
				uint8_t s4[4] = { sip[0], sip[1], sip[2],
						  flow_octet[(r->sent + i) % NFLOWS] };
				build_request(tx[i], dmac, smac, s4, dip, id,
					      (uint16_t)(r->sent + i));
			}
			int s = sendmmsg(fd, tmsg, n, 0);
			if (s > 0) {
				r->sent += (uint64_t)s;
				outstanding += s;
			}
		}
		int g = 0;
		if (ring) {
			while (g < BURST) {
				struct tpacket2_hdr *h = (void *)(ring + (size_t)ring_i * RING_FRAME);
				/* Acquire pairs with the kernel's release of tp_status
				 * (smp_wmb + store in __packet_set_status): the frame
				 * bytes are complete once TP_STATUS_USER is seen. */
				uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
				if (!(st & TP_STATUS_USER))
					break;
				unsigned len = h->tp_snaplen < 256 ? h->tp_snaplen : 256;
				memcpy(rx[g], (uint8_t *)h + h->tp_mac, len);
				rmsg[g].msg_len = len;
				/* Release: our reads of the frame are done before the
				 * kernel may reuse the slot (it reads tp_status). */
				__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
				ring_i = ring_i + 1 == ring_n ? 0 : ring_i + 1;
				g++;
			}
		} else {
			g = recvmmsg(fd, rmsg, BURST, MSG_DONTWAIT, NULL);
		}
		if (g <= 0 && (!sending || outstanding >= WINDOW)) {
			/* Nothing to send and nothing received: sleep until a
			 * reply arrives (at most 1 ms) instead of spinning, so
			 * the generator's CPU time per reply is its real cost
			 * and a responder sharing the machine is not starved. */
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			poll(&pfd, 1, 1);
		}
		if (g > 0) {
			for (int i = 0; i < g; i++) {
				const uint8_t *f = rx[i];
				if (rmsg[i].msg_len >= 42 && f[12] == 0x08 && f[13] == 0 && f[23] == 1 &&
				    f[34] == 0 && f[38] == (uint8_t)(id >> 8) && f[39] == (uint8_t)id) {
					r->replies++;
					outstanding--;
					t_last_reply = t;
				}
			}
			last_progress = t;
		} else if (t - last_progress > STUCK_S && outstanding > 0) {
			/* a stuck window: whatever is outstanding is lost */
			outstanding = 0;
			last_progress = t;
			r->resets++;
		}
	}
	r->cpu_self = cpu_s(RUSAGE_SELF) - c0;
	if (ring)
		munmap(ring, ring_len);
	r->cpu_gen = cpu_s(RUSAGE_THREAD) - g0;
	r->secs = t_last_reply - t0;
	if (r->secs <= 0)
		r->secs = 1e-9;
	close(fd);
	return 0;
}

static double ext_cpu;   /* CPU seconds of the external responder in the last ext run */

static void report(const char *name, const struct result *r)
{
	double rate = r->replies / r->secs;
	double loss = r->sent ? 100.0 * (double)(r->sent - r->replies) / (double)r->sent : 0;

	double rep_n = r->replies ? (double)r->replies : 1;

	bench_json_row("\"case\": \"%s\", \"sent\": %llu, \"replies\": %llu, \"secs\": %.4f, "
		       "\"replies_per_s\": %.0f, \"loss_pct\": %.4f, \"cpu_ns_per_reply\": %.1f, "
		       "\"gen_cpu_ns_per_reply\": %.1f, \"ext_cpu_ns_per_reply\": %.1f, \"resets\": %llu",
		       name, (unsigned long long)r->sent, (unsigned long long)r->replies, r->secs, rate,
		       loss, r->cpu_self * 1e9 / rep_n, r->cpu_gen * 1e9 / rep_n, ext_cpu * 1e9 / rep_n,
		       (unsigned long long)r->resets);

	printf("%-22s sent %8llu  replies %8llu  %6.3f s  %8.0f replies/s  %5.0f ns/reply  loss %.3f%%"
	       "  cpu/reply %5.0f ns (generator %5.0f)%s\n",
	       name, (unsigned long long)r->sent, (unsigned long long)r->replies, r->secs, rate,
	       rate > 0 ? 1e9 / rate : 0, loss, r->cpu_self * 1e9 / rep_n, r->cpu_gen * 1e9 / rep_n,
	       r->resets ? "  (stuck resets)" : "");
}

/* ---- tapring side ------------------------------------------------------- */

struct tside {
	char ns[16], tap[16];
	struct tr_tap *t;
	struct tr_engine *e;
	struct tr_stack_host *h;
	struct tr_steer *steer;
};

static int tapring_start(struct tside *s, unsigned queues, bool steer)
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
	if (steer) {
		char msg[512];
		s->steer = tr_steer_attach(fds[0], msg, sizeof(msg), &err);
		if (!s->steer) {
			fprintf(stderr, "bench_echo: %s\n", msg);
			return err;
		}
	}
	ec.fds = fds;
	ec.nqueues = queues;
	/* The generator runs on core 0. Worker q goes to (worker_cpu + q) % 2:
	 * 0 shares the generator's core (as the kernel's echo does: veth runs
	 * it inline in the generator's send), 1 puts it on the other core. */
	ec.cpu_base = worker_cpu;
	/* knobs for experiments (engine defaults when unset) */
	if (getenv("TR_BENCH_RXBUFS"))
		ec.rx_bufs = (unsigned)atoi(getenv("TR_BENCH_RXBUFS"));
	if (getenv("TR_BENCH_NBUFS"))
		ec.nbufs = (unsigned)atoi(getenv("TR_BENCH_NBUFS"));
	if (getenv("TR_BENCH_BATCH"))
		ec.batch = (unsigned)atoi(getenv("TR_BENCH_BATCH"));
	if (getenv("TR_BENCH_READ"))
		ec.rx_mode = TR_ENGINE_RX_READ;
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
		for (unsigned q = 0; q < tr_engine_nqueues(s->e) && tr_engine_nqueues(s->e) > 1; q++) {
			struct tr_engine_stats qs;
			if (tr_engine_queue_stats(s->e, q, &qs) == 0)
				printf("    queue %u: rx %llu batches %llu\n", q,
				       (unsigned long long)qs.rx, (unsigned long long)qs.batches);
		}
		for (unsigned id = 0; id < tr_engine_nreasons(s->e); id++) {
			struct tr_engine_reason_stat rs;
			if (tr_engine_reason(s->e, UINT32_MAX, id, &rs) == 0 && rs.count + rs.orig_count)
				printf("    drop %s: %llu\n", rs.name,
				       (unsigned long long)(rs.count + rs.orig_count));
		}
		tr_engine_destroy(s->e);
	}
	if (s->t) {
		tr_steer_detach(s->steer, tr_tap_fd(s->t, 0));
		tr_tap_destroy(s->t, TR_TAP_DESTROY_DELETE);
	}
	tr_stack_host_destroy(s->h);
}

static int run_tapring(const char *ns, unsigned queues, bool steer, uint64_t count, double secs,
		       struct result *r)
{
	struct tside s;
	int rc, self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	memset(&s, 0, sizeof(s));
	snprintf(s.ns, sizeof(s.ns), "%s", ns);
	rc = tapring_start(&s, queues, steer);
	if (rc) {
		fprintf(stderr, "bench_echo: tapring setup failed: %s\n", strerror(-rc));
		tapring_stop(&s);
		close(self);
		return rc;
	}
	enter_netns(ns);
	get_mac(s.tap, own_mac);
	usleep(200 * 1000);
	rc = generate(s.tap, (uint8_t[]){ 0x02, 0x74, 0x72, 0x00, 0x08, 0x01 }, gen_mac(),
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
	if (!use_own_mac)
		memcpy(bmac, dummy_mac, 6);
	setns(self, CLONE_NEWNET);
	enter_netns(nb1);
	get_mac(va, amac);
	setns(self, CLONE_NEWNET);
	for (int f = 0; f < NFLOWS; f++)
		t_sh("ip -n %s neigh replace 10.77.9.%d lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s nud permanent",
		     nb1, flow_octet[f], bmac[0], bmac[1], bmac[2], bmac[3], bmac[4], bmac[5], va);
	enter_netns(nb2);
	usleep(200 * 1000);
	rc = generate(vb, amac, bmac, (uint8_t[]){ 10, 77, 9, 2 }, (uint8_t[]){ 10, 77, 9, 1 },
		      count, secs, r);
	setns(self, CLONE_NEWNET);
	close(self);
	return rc;
}

/* utime + stime of process pid, in seconds (0 if unreadable). */
static double proc_cpu_s(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The generator against an external responder (see the header comment). */
static int run_ext(uint64_t count, double secs, struct result *r)
{
	const char *ns = getenv("TR_ECHO_EXT_NS"), *dev = getenv("TR_ECHO_EXT_IF");
	int pid = getenv("TR_ECHO_EXT_PID") ? atoi(getenv("TR_ECHO_EXT_PID")) : 0;
	unsigned m[6] = { 0x02, 0x74, 0x72, 0x00, 0x08, 0x01 };
	uint8_t dmac[6];
	int rc, self;

	if (!ns || !dev) {
		fprintf(stderr, "bench_echo: TR_ECHO_ONLY=ext needs TR_ECHO_EXT_NS and TR_ECHO_EXT_IF\n");
		return -EINVAL;
	}
	if (getenv("TR_ECHO_EXT_MAC") &&
	    sscanf(getenv("TR_ECHO_EXT_MAC"), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6) {
		fprintf(stderr, "bench_echo: bad TR_ECHO_EXT_MAC\n");
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		dmac[i] = (uint8_t)m[i];
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if ((rc = enter_netns(ns)) != 0) {
		fprintf(stderr, "bench_echo: namespace %s: %s\n", ns, strerror(-rc));
		close(self);
		return rc;
	}
	if ((rc = get_mac(dev, own_mac)) != 0) {
		fprintf(stderr, "bench_echo: %s in %s: %s\n", dev, ns, strerror(-rc));
		setns(self, CLONE_NEWNET);
		close(self);
		return rc;
	}
	usleep(200 * 1000);
	double c0 = pid ? proc_cpu_s(pid) : 0;
	rc = generate(dev, dmac, gen_mac(), (uint8_t[]){ 10, 77, 8, 2 }, (uint8_t[]){ 10, 77, 8, 1 },
		      count, secs, r);
	ext_cpu = pid ? proc_cpu_s(pid) - c0 : 0;
	r->cpu_self += ext_cpu;
	setns(self, CLONE_NEWNET);
	close(self);
	return rc;
}

static void gen_on(bool pinned)
{
	cpu_set_t cs;
	CPU_ZERO(&cs);
	CPU_SET(0, &cs);
	if (!pinned)
		CPU_SET(1, &cs);
	sched_setaffinity(0, sizeof(cs), &cs);
}

/* Worker placement, one queue: see the header comment. */
static int placement(const char *na, const char *nb1, const char *nb2, uint64_t count, double secs)
{
	enum { K, SAME, OTHER, NONE, NONE2, NCASE };
	static const char *names[NCASE] = { "kernel (veth, netns)", "worker on gen's CPU", "worker on other CPU",
					    "worker unpinned", "both unpinned" };
	static const int wcpu[NCASE] = { 0, 0, 1, -1, -1 };
	double rate[NCASE] = { 0 }, cpu[NCASE] = { 0 };
	uint64_t sent[NCASE] = { 0 }, got[NCASE] = { 0 };
	printf("worker placement, 1 queue, generator pinned to CPU 0 unless said otherwise\n");
	for (int i = 0; i < ROUNDS; i++) {
		for (int c = 0; c < NCASE; c++) {
			struct result r;
			int rc;
			gen_on(c != NONE2);
			if (c == K) {
				rc = run_kernel(nb1, nb2, count, secs, &r);
				t_sh("ip -n %s link del $(ip -n %s -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | head -1) 2>/dev/null", nb1, nb1);
			} else {
				worker_cpu = wcpu[c];
				rc = run_tapring(na, 1, false, count, secs, &r);
			}
			gen_on(true);
			if (rc)
				return 1;
			report(names[c], &r);
			rate[c] += r.replies / r.secs / ROUNDS;
			cpu[c] += r.cpu_self * 1e9 / (double)(r.replies ? r.replies : 1) / ROUNDS;
			sent[c] += r.sent;
			got[c] += r.replies;
		}
	}
	printf("\n%-22s %12s %8s %14s %8s\n", "case (mean of rounds)", "replies/s", "ratio", "cpu ns/reply", "loss");
	for (int c = 0; c < NCASE; c++)
		printf("%-22s %12.0f %7.2fx %14.0f %7.3f%%\n", names[c], rate[c], rate[c] / rate[K], cpu[c],
		       sent[c] ? 100.0 * (double)(sent[c] - got[c]) / (double)sent[c] : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	bench_machine_print(stdout);
	bench_json_begin("echo", argc, argv);
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 300000;
	double secs = argc > 2 ? atof(argv[2]) : 10;
	char na[16], nb1[16], nb2[16];
	cpu_set_t cs;

	t_require_net_admin();
	use_own_mac = getenv("TR_ECHO_OWNMAC") && atoi(getenv("TR_ECHO_OWNMAC"));
	t_netns_add(na);
	t_netns_add(nb1);
	t_netns_add(nb2);
	/* the generator stays on core 0; see tapring_start for the workers */
	CPU_ZERO(&cs);
	CPU_SET(0, &cs);
	sched_setaffinity(0, sizeof(cs), &cs);

	pick_flows();
	printf("ICMP echo flood, %llu requests per run (<= %.0f s), window %d, burst %d, 98-byte frames\n",
	       (unsigned long long)count, secs, WINDOW, BURST);
	/* TR_ECHO_ONLY=kernel|tap1|tap2: one side only (for profiling);
	 * TR_BENCH_CPU: worker core base for it (default 0) */
	const char *only = getenv("TR_ECHO_ONLY");
	if (only) {
		struct result r1;
		int rc = -EINVAL;
		worker_cpu = getenv("TR_BENCH_CPU") ? atoi(getenv("TR_BENCH_CPU")) : 0;
		if (!strcmp(only, "kernel"))
			rc = run_kernel(nb1, nb2, count, secs, &r1);
		else if (!strcmp(only, "ext"))
			rc = run_ext(count, secs, &r1);
		else if (!strcmp(only, "tap1") || !strcmp(only, "tap2") || !strcmp(only, "tap2k"))
			rc = run_tapring(na, (unsigned)(only[3] - '0'), !strcmp(only, "tap2"), count, secs, &r1);
		if (rc)
			return 1;
		report(!strcmp(only, "ext") && getenv("TR_ECHO_EXT_NAME") ? getenv("TR_ECHO_EXT_NAME")
									    : only, &r1);
		return 0;
	}
	if (getenv("TR_ECHO_PLACEMENT") && atoi(getenv("TR_ECHO_PLACEMENT")))
		return placement(na, nb1, nb2, count, secs);
	/* alternate A B C D A B C D: the machine is noisy */
	enum { K, T1, T1X, T2, T2K, NCASE };
	static const char *names[NCASE] = { "kernel (veth, netns)", "tapring 1q same core",
					    "tapring 1q other core", "tapring 2q symmetric",
					    "tapring 2q kernel" };
	struct result res[NCASE][ROUNDS];
	double xrt[NCASE][ROUNDS] = { { 0 } };
	double rate[NCASE] = { 0 }, cpu[NCASE] = { 0 };
	uint64_t sent[NCASE] = { 0 }, got[NCASE] = { 0 };
	for (int i = 0; i < ROUNDS; i++) {
		for (int c = 0; c < NCASE; c++) {
			struct result *r = &res[c][i];
			int rc;
			if (c == K) {
				rc = run_kernel(nb1, nb2, count, secs, r);
				t_sh("ip -n %s link del $(ip -n %s -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | head -1) 2>/dev/null", nb1, nb1);
			} else {
				worker_cpu = c == T1X ? 1 : 0;
				if (c == T1X || c == T2 || c == T2K) {
					double rt = xcore_round_trip_ns(0, 1);
					printf("    core 0 <-> core 1 cache-line round trip: %.0f ns\n", rt);
					xrt[c][i] = rt;
				}
				rc = run_tapring(na, c == T2 || c == T2K ? 2 : 1, c == T2, count, secs, r);
			}
			if (rc)
				return 1;
			report(names[c], r);
			rate[c] += r->replies / r->secs / ROUNDS;
			cpu[c] += r->cpu_self * 1e9 / (double)(r->replies ? r->replies : 1) / ROUNDS;
			sent[c] += r->sent;
			got[c] += r->replies;
		}
	}
	printf("\n%-22s %12s %8s %14s %8s %8s  %s\n", "case (mean of rounds)", "replies/s", "ratio",
	       "cpu ns/reply", "cpu_x", "loss", "core0<->1 round trip per round");
	for (int c = 0; c < NCASE; c++) {
		printf("%-22s %12.0f %7.2fx %14.0f %7.2fx %7.3f%%", names[c], rate[c], rate[c] / rate[K],
		       cpu[c], cpu[K] / cpu[c],
		       sent[c] ? 100.0 * (double)(sent[c] - got[c]) / (double)sent[c] : 0.0);
		for (int i = 0; i < ROUNDS && (c == T1X || c == T2 || c == T2K); i++)
			printf("  %.0f ns", xrt[c][i]);
		printf("\n");
	}
	return 0;
}
