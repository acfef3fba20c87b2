/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel-side cost of the eBPF programs, per frame, in the same run:
 *
 *   automq      2-queue TAP, no program: the TUN driver's own queue choice
 *   steering    the same with the symmetric steering program
 *   filter      1 queue, the blocklist program with no rule (every frame
 *               is looked up and passes)
 *   engine-drop 1 queue, no program: the engine reads every frame and a
 *               stage drops it (the baseline for a blocked frame)
 *   blocked     1 queue, the blocklist with the frames' source prefix:
 *               every frame is dropped in the kernel, the engine reads none
 *
 * A generator thread inside the namespace sends 64-byte UDP frames (16
 * flows) out of the TAP's kernel side with AF_PACKET sendmmsg, bursts of
 * 64, at most WINDOW frames ahead of what the engine has read (so the TAP
 * queues never overflow). The generator's thread CPU is the kernel-side
 * cost per frame (its sendmmsg runs the xmit path, queue selection with
 * the steering program, and the filter); the rest of the process CPU is
 * the engine's. Cases alternate A B C D E, ROUNDS times; ratios are
 * against automq (kernel side) and engine-drop (total) of the same run.
 * First line: the machine stamp (bench/machine.h).
 *
 *   bench_kbpf [FRAMES] [SECONDS]     (root; exits 77 otherwise)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tapring/ebpf.h>
#include <tapring/engine.h>
#include <tapring/tap.h>

#include "helpers.h"
#include "machine.h"

#define BURST 64
#define WINDOW 1024
#define ROUNDS 3
#define FLEN 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

enum { AUTOMQ, STEER, FILTER, EDROP, BLOCKED, NCASE };
static const char *names[NCASE] = { "automq (2q)", "steering (2q)", "filter, no rule (1q)",
				    "engine-drop (1q)", "blocked (1q)" };

struct gen {
	char ns[16], dev[16];
	struct tr_engine *e;
	uint64_t frames;
	double max_s;
	bool blocked;         /* nothing reaches the engine: no window */
	uint64_t sent;
	double secs, cpu;
	int err;
};

static void frame(uint8_t *p, unsigned flow, uint32_t seq)
{
	memset(p, 0, FLEN);
	memcpy(p, (uint8_t[]){ 0x02, 0x77, 0, 0, 0, 1, 0x02, 0x77, 0, 0, 0, 2, 0x08, 0x00 }, 14);
	uint8_t *ip = p + 14;
	ip[0] = 0x45; ip[3] = FLEN - 14; ip[8] = 64; ip[9] = 17;
	ip[12] = 10; ip[13] = 77; ip[14] = 1; ip[15] = (uint8_t)(2 + flow);
	ip[16] = 10; ip[17] = 77; ip[18] = 0; ip[19] = 1;
	uint8_t *u = ip + 20;
	u[0] = 0x9c; u[1] = (uint8_t)flow; u[3] = 7; u[5] = FLEN - 34;
	memcpy(u + 8, &seq, 4);
}

static void *gen_main(void *arg)
{
	struct gen *g = arg;
	char path[64];
	static uint8_t buf[BURST][FLEN];
	struct mmsghdr mh[BURST];
	struct iovec iov[BURST];

	snprintf(path, sizeof(path), "/run/netns/%s", g->ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		g->err = -errno;
		return NULL;
	}
	close(nsfd);
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(g->dev) };
	if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		g->err = -errno;
		return NULL;
	}
	int big = 8 << 20;
	setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	for (int i = 0; i < BURST; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = FLEN;
		memset(&mh[i], 0, sizeof(mh[i]));
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	double c0 = cpu_s(RUSAGE_THREAD), t0 = now_s();
	while (g->sent < g->frames && now_s() - t0 < g->max_s) {
		if (!g->blocked) {
			struct tr_engine_stats st;
			tr_engine_stats(g->e, &st);
			/* signed: stray frames can make rx run ahead */
			if ((int64_t)(g->sent - st.rx) > WINDOW) {
				sched_yield();
				continue;
			}
		}
		for (int i = 0; i < BURST; i++)
			frame(buf[i], (unsigned)(g->sent + (uint64_t)i) % 16, (uint32_t)(g->sent + (uint64_t)i));
		int n = sendmmsg(s, mh, BURST, 0);
		if (n > 0)
			g->sent += (uint64_t)n;
		else if (errno != ENOBUFS && errno != EAGAIN)
			break;
	}
	g->cpu = cpu_s(RUSAGE_THREAD) - c0;
	g->secs = now_s() - t0;
	close(s);
	return NULL;
}

static void drop_all(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)w;
	(void)bufs;
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_DROP(*(int *)arg);
}

struct res { double kern_ns, eng_ns, total_ns, mpps; uint64_t rx; };

static int run_case(const char *ns, int c, uint64_t frames, double secs, struct res *out)
{
	struct tr_tap_config tc = TR_TAP_CONFIG_INIT;
	unsigned nq = c <= STEER ? 2 : 1;
	char dev[16], msg[512];
	int fds[2], err, reason;
	struct tr_steer *st = NULL;
	struct tr_block *bl = NULL;

	t_unique_name("tbk", dev);
	tc.name = dev;
	tc.flags = TR_TAP_EXCL | (nq > 1 ? TR_TAP_MULTI_QUEUE : 0);
	tc.queues = nq;
	struct tr_tap *t = tr_tap_create(&tc, &err);
	if (!t)
		return err;
	if ((err = tr_tap_move_netns(t, ns)) || (err = tr_tap_set_up(t, true)))
		goto out;
	t_sh("ip netns exec %s sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", ns, dev);
	t_sh("ip -n %s link set %s txqueuelen 10000", ns, dev);
	for (unsigned q = 0; q < nq; q++)
		fds[q] = tr_tap_fd(t, q);
	if (c == STEER && !(st = tr_steer_attach(fds[0], msg, sizeof(msg), &err))) {
		fprintf(stderr, "bench_kbpf: %s\n", msg);
		goto out;
	}
	if (c == FILTER || c == BLOCKED) {
		if (!(bl = tr_block_attach(fds[0], NULL, msg, sizeof(msg), &err))) {
			fprintf(stderr, "bench_kbpf: %s\n", msg);
			goto out;
		}
		struct tr_block_rule r;
		/* FILTER: a prefix nothing matches; BLOCKED: the senders' */
		tr_block_rule_parse(c == BLOCKED ? "10.77.1.0/24" : "10.77.200.0/24", &r, NULL, 0);
		tr_block_add(bl, &r);
	}
	struct tr_engine_config ec = { .fds = fds, .nqueues = nq, .cpu_base = 1 };
	struct tr_engine *e = tr_engine_create(&ec, &err);
	if (!e)
		goto out;
	reason = tr_engine_counter(e, "bench.dropped");
	struct tr_stage sg = { .name = "drop", .arg = &reason, .process = drop_all };
	tr_engine_add_stage(e, &sg);
	if ((err = tr_engine_start(e)) != 0) {
		tr_engine_destroy(e);
		goto out;
	}
	struct gen g = { .e = e, .frames = frames, .max_s = secs, .blocked = c == BLOCKED };
	snprintf(g.ns, sizeof(g.ns), "%s", ns);
	snprintf(g.dev, sizeof(g.dev), "%s", dev);
	usleep(100 * 1000);
	pthread_t th;
	double p0 = cpu_s(RUSAGE_SELF);
	pthread_create(&th, NULL, gen_main, &g);
	pthread_join(th, NULL);
	/* let the engine finish what is queued */
	struct tr_engine_stats es;
	for (int i = 0; i < 200; i++) {
		tr_engine_stats(e, &es);
		if (c == BLOCKED || es.rx >= g.sent)
			break;
		usleep(5000);
	}
	double p1 = cpu_s(RUSAGE_SELF);
	tr_engine_stop(e);
	tr_engine_stats(e, &es);
	tr_engine_destroy(e);
	err = g.err;
	if (!err && !g.sent)
		err = -EIO;
	if (!err) {
		out->kern_ns = g.cpu * 1e9 / (double)g.sent;
		out->total_ns = (p1 - p0) * 1e9 / (double)g.sent;
		out->eng_ns = out->total_ns - out->kern_ns;
		out->mpps = (double)g.sent / g.secs / 1e6;
		out->rx = es.rx;
		printf("  %-22s sent %9llu  engine rx %9llu  %6.2f Mpps  kernel side %6.0f ns/frame  engine %6.0f  total %6.0f\n",
		       names[c], (unsigned long long)g.sent, (unsigned long long)es.rx, out->mpps,
		       out->kern_ns, out->eng_ns, out->total_ns);
	}
out:
	tr_steer_detach(st, fds[0]);
	tr_block_close(bl, fds[0]);
	tr_tap_destroy(t, TR_TAP_DESTROY_DELETE);
	return err;
}

int main(int argc, char **argv)
{
	uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	double secs = argc > 2 ? atof(argv[2]) : 10;
	char ns[16];
	cpu_set_t cs;

	t_require_net_admin();
	t_netns_add(ns);
	bench_machine_print(stdout);
	printf("kernel-side eBPF cost: %llu 64-byte frames per case (<= %.0f s), %d rounds\n",
	       (unsigned long long)frames, secs, ROUNDS);
	/* the generator (and this thread) on core 0, the engine's workers from core 1 */
	CPU_ZERO(&cs);
	CPU_SET(0, &cs);
	sched_setaffinity(0, sizeof(cs), &cs);
	struct res sum[NCASE];
	memset(sum, 0, sizeof(sum));
	for (int round = 0; round < ROUNDS; round++)
		for (int c = 0; c < NCASE; c++) {
			struct res r = { 0 };
			int rc = run_case(ns, c, frames, secs, &r);
			if (rc) {
				fprintf(stderr, "bench_kbpf: %s failed: %s\n", names[c], strerror(-rc));
				return rc == -EPERM ? 77 : 1;
			}
			sum[c].kern_ns += r.kern_ns / ROUNDS;
			sum[c].eng_ns += r.eng_ns / ROUNDS;
			sum[c].total_ns += r.total_ns / ROUNDS;
			sum[c].mpps += r.mpps / ROUNDS;
		}
	printf("\n%-22s %10s %14s %8s %12s %12s %8s\n", "case (mean)", "Mpps", "kernel ns/fr",
	       "vs automq", "engine ns/fr", "total ns/fr", "vs e-drop");
	for (int c = 0; c < NCASE; c++)
		printf("%-22s %10.2f %14.0f %7.2fx %12.0f %12.0f %7.2fx\n", names[c], sum[c].mpps,
		       sum[c].kern_ns, sum[c].kern_ns / sum[AUTOMQ].kern_ns, sum[c].eng_ns,
		       sum[c].total_ns, sum[c].total_ns / sum[EDROP].total_ns);
	printf("steering adds %.0f ns of kernel CPU per frame; the empty blocklist %.0f ns;\n"
	       "a frame blocked in the kernel costs %.2fx (1/%.1f) of one the engine reads and drops\n",
	       sum[STEER].kern_ns - sum[AUTOMQ].kern_ns, sum[FILTER].kern_ns - sum[EDROP].kern_ns,
	       sum[BLOCKED].total_ns / sum[EDROP].total_ns, sum[EDROP].total_ns / sum[BLOCKED].total_ns);
	return 0;
}
