/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cost of the engine mirror (tr_mirror) on the receive path, in one run:
 *   off     no mirror (baseline)
 *   pcapng  mirror into a pcapng file in /dev/shm (every rx frame written)
 *   reject  mirror with a filter that rejects every frame (the filter
 *           runs before the engine takes a reference: no writer work)
 * The engine reads 60-byte frames from a SOCK_SEQPACKET socketpair (no root)
 * and a stage drops them all (no tx syscalls); a generator thread feeds the
 * other end with sendmmsg. Modes alternate (A B C A B C ...) because the
 * machine is shared and noisy; each prints rx frames/s, the ratio to the
 * preceding baseline, and the mirror's written/dropped counts.
 *
 *   bench_mirror [FRAMES] [ROUNDS]
 */
#include <pthread.h>
#include <sys/socket.h>

#include <tapring/capture.h>
#include <tapring/engine.h>
#include <tapring/filter.h>

#include "io/io_test.h"
#include "bench_json.h"

struct gen {
	int fd;
	unsigned count;
};

static void *gen_main(void *arg)
{
	struct gen *g = arg;
	enum { B = 64 };
	static uint8_t fr[B][64];
	struct mmsghdr mm[B];
	struct iovec iov[B];
	for (unsigned i = 0; i < B; i++) {
		io_frame(fr[i], 60, i, i);
		iov[i] = (struct iovec){ .iov_base = fr[i], .iov_len = 60 };
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned sent = 0;
	uint64_t end = io_now_ms() + 30000;
	while (sent < g->count && io_now_ms() < end) {
		unsigned n = g->count - sent < B ? g->count - sent : B;
		int r = sendmmsg(g->fd, mm, n, 0);
		if (r > 0)
			sent += (unsigned)r;
	}
	return NULL;
}

static int r_drop;

static void drop_all(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg; (void)w; (void)bufs;
	for (unsigned i = 0; i < n; i++)
		acts[i] = TR_ACT_DROP(r_drop);
}

/* One run; returns rx frames per second (0 on failure). */
static double run(int mode, unsigned frames, struct tr_mirror_stats *ms)
{
	int sp[2], err = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
		return 0;
	int sz = 8 << 20;
	setsockopt(sp[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	struct tr_engine_config cfg = { .fds = sp, .nqueues = 1, .nbufs = 8192, .batch = 64,
					.cpu_base = -1, .rx_mode = TR_ENGINE_RX_READ };
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	if (!e)
		return 0;
	r_drop = tr_engine_counter(e, "bench_drop");
	struct tr_stage st = { .name = "drop", .process = drop_all };
	tr_engine_add_stage(e, &st);
	struct tr_bpf_prog *p = NULL;
	struct tr_mirror *m = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/dev/shm/bench_mirror.%d.pcapng", (int)getpid());
	if (mode) {
		if (mode == 2)
			p = tr_bpf_compile("ether proto 0x1234", 65535, true, 0xffffffffu, 0, NULL, 0, &err);
		struct tr_mirror_config mc = { .path = path, .format = TR_PCAP_FORMAT_PCAPNG, .filter = p };
		m = tr_mirror_create(e, &mc, &err);
		if (!m)
			return 0;
	}
	tr_engine_start(e);
	struct gen g = { .fd = sp[1], .count = frames };
	pthread_t t;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pthread_create(&t, NULL, gen_main, &g);
	uint64_t got = io_wait_rx(e, frames, 30000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	tr_engine_stop(e);
	memset(ms, 0, sizeof(*ms));
	if (m)
		tr_mirror_destroy(m, ms);
	tr_engine_destroy(e);
	tr_bpf_free(p);
	unlink(path);
	close(sp[0]);
	close(sp[1]);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	return got == frames ? (double)frames / s : 0;
}

int main(int argc, char **argv)
{
	bench_machine_print(stdout);
	bench_json_begin("mirror", argc, argv);
	unsigned frames = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 200000;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 3;
	static const char *names[] = { "off", "pcapng", "reject" };
	double sum[3] = { 0 };
	for (unsigned r = 0; r < rounds; r++) {
		double base = 0;
		for (int mode = 0; mode < 3; mode++) {
			struct tr_mirror_stats ms;
			double pps = run(mode, frames, &ms);
			if (pps == 0) {
				fprintf(stderr, "run failed (mode %s)\n", names[mode]);
				return 1;
			}
			if (mode == 0)
				base = pps;
			sum[mode] += pps;
			printf("round %u %-7s %8.0f frames/s (%6.1f ns/frame)  ratio to off %.2f  written %llu dropped %llu filtered %llu\n",
			       r, names[mode], pps, 1e9 / pps, pps / base, (unsigned long long)ms.written,
			       (unsigned long long)ms.dropped, (unsigned long long)ms.filtered);
			bench_json_row("\"round\": %u, \"mode\": \"%s\", \"frames_per_s\": %.0f, \"written\": %llu, "
				       "\"dropped\": %llu", r, names[mode], pps, (unsigned long long)ms.written,
				       (unsigned long long)ms.dropped);
		}
	}
	printf("mean: off %.0f  pcapng %.0f (x%.2f)  reject %.0f (x%.2f) frames/s\n", sum[0] / rounds,
	       sum[1] / rounds, sum[1] / sum[0], sum[2] / rounds, sum[2] / sum[0]);
	return 0;
}
