/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the live eBPF tests: a TAP in a namespace (io_test.h), an
 * engine whose one stage records, per queue, which tagged frame arrived
 * (and when), and an injector that sends crafted frames out of the TAP's
 * kernel side from inside the namespace (AF_PACKET: they take the
 * kernel's transmit path, so steering and the filter run on them).
 *
 * Tags: a UDP/TCP frame carries its tag in the first 4 payload bytes; a
 * fragment's tag is TAG_FRAG + its IP identification (v4) or fragment id
 * (v6). Tags are below MAXTAG.
 */
#ifndef TAPRING_TEST_BPF_LIVE_H
#define TAPRING_TEST_BPF_LIVE_H

#include <stdatomic.h>

#include <tapring/ebpf.h>

#include "io_test.h"
#include "frames.h"

#define MAXTAG 8192
#define TAG_FRAG 4096

struct rec {
	uint32_t count[2][MAXTAG];       /* [queue][tag], written by that queue's worker */
	uint64_t last_ns[2][MAXTAG];     /* arrival time of the latest one */
	uint32_t mispredicted[2];        /* queue != tr_steer_queue(frame) */
	uint32_t untagged[2];
	int reason;
	int check_prediction;
};

static inline uint64_t bl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The tag of a frame built by fb_build with fb_tag, or -1. */
static inline int bl_tag(const uint8_t *p, unsigned len)
{
	unsigned o = 12;
	uint16_t et;
	while (o + 2 <= len && ((et = (uint16_t)(p[o] << 8 | p[o + 1])) == 0x8100 || et == 0x88a8))
		o += 4;
	if (o + 2 > len)
		return -1;
	et = (uint16_t)(p[o] << 8 | p[o + 1]);
	o += 2;
	if (et == 0x0800 && o + 20 <= len) {
		if ((p[o + 6] & 0x3f) || p[o + 7])
			return TAG_FRAG + ((p[o + 4] << 8 | p[o + 5]) % TAG_FRAG);
		o += 20 + 8;
	} else if (et == 0x86dd && o + 40 <= len) {
		uint8_t nh = p[o + 6];
		o += 40;
		while ((nh == 60 || nh == 44) && o + 8 <= len) {
			if (nh == 44)
				return TAG_FRAG + (int)((uint32_t)(p[o + 4] << 24 | p[o + 5] << 16 | p[o + 6] << 8 | p[o + 7]) % TAG_FRAG);
			nh = p[o];
			o += 8;
		}
		o += 8;
	} else {
		return -1;
	}
	if (o + 4 > len)
		return -1;
	uint32_t t = (uint32_t)(p[o] | p[o + 1] << 8 | p[o + 2] << 16 | (uint32_t)p[o + 3] << 24);
	return t < TAG_FRAG ? (int)t : -1;
}

/* Builds f into p with tag in its first payload bytes (f->payload >= 4,
 * not a fragment); returns the length. */
static inline unsigned bl_build(const struct fb *f, uint8_t *p, uint32_t tag)
{
	unsigned len = fb_build(f, p);
	unsigned o = 14 + 4 * f->nvlan + (f->v6 ? 40 + 8 * f->next_ext : 20) + 8;
	memcpy(p + o, &tag, 4);
	return len;
}

static void bl_record(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct rec *r = arg;
	unsigned q = tr_worker_queue(w) & 1;
	uint64_t now = bl_now_ns();
	for (unsigned i = 0; i < n; i++) {
		int t = bl_tag(bufs[i]->data, bufs[i]->len);
		if (t < 0) {
			r->untagged[q]++;
		} else {
			r->count[q][t]++;
			r->last_ns[q][t] = now;
		}
		if (r->check_prediction && tr_steer_queue(bufs[i]->data, bufs[i]->len, 2) != q)
			r->mispredicted[q]++;
		acts[i] = TR_ACT_DROP(r->reason);
	}
}

/* An engine over fds[0..nq) with the recording stage. */
static inline struct tr_engine *bl_engine(int *fds, unsigned nq, struct rec *r)
{
	struct tr_engine_config cfg = { .fds = fds, .nqueues = nq, .nbufs = 8192, .cpu_base = -1 };
	int err;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	r->reason = tr_engine_counter(e, "test.recorded");
	T_ASSERT(r->reason >= 0);
	struct tr_stage st = { .name = "record", .arg = r, .process = bl_record };
	T_ASSERT(tr_engine_add_stage(e, &st) == 0);
	T_ASSERT(tr_engine_start(e) == 0);
	return e;
}

/* Child side of the injector: joined to ns, an AF_PACKET socket on dev. */
static inline int bl_inject_socket(const char *ns, const char *dev)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0)
		return -1;
	close(nsfd);
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (s < 0 || !sll.sll_ifindex || bind(s, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return -1;
	return s;
}

static inline int bl_send(int s, const uint8_t *p, unsigned len)
{
	for (int tries = 0; tries < 1000; tries++) {
		if (send(s, p, len, 0) == (ssize_t)len)
			return 0;
		if (errno != ENOBUFS && errno != EAGAIN)
			return -1;
		io_sleep_ms(1);
	}
	return -1;
}

#endif
