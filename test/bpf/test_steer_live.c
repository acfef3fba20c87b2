/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Symmetric steering in the kernel: a 2-queue TAP with the steering
 * program, crafted frames sent from its kernel side (inside a namespace):
 *   - 16 IPv4 UDP flows, 8 IPv6 UDP flows (0-2 extension headers), 4
 *     VLAN/QinQ-tagged flows and 4 TCP flows, 10 frames each way;
 *   - 8 IPv4 and 8 IPv6 datagrams in 3 fragments each (both directions);
 *   - ARP frames.
 * Checks: every frame arrives; both queues take flows; every frame of a
 * flow, both directions, lands on one queue, and all fragments of a
 * datagram do too; every frame's queue is the one tr_steer_queue()
 * predicts in user space from the same source (so the BPF build and the
 * C build agree); non-IP frames go to queue 0. Then with the program
 * detached, the kernel's own choice takes over.
 */
#include "bpf_live.h"

static struct rec r;

#define REPS 10

static long inject_all(const char *ns, const char *dev, unsigned *expect)
{
	int pfd[2];
	T_ASSERT(pipe(pfd) == 0);
	/* the expected count per tag is computed here, the same way */
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	int child = pid == 0;
	int s = -1;
	long sent = 0;
	if (child) {
		close(pfd[0]);
		s = bl_inject_socket(ns, dev);
		if (s < 0)
			_exit(1);
	}
	static uint8_t p[2048];
	struct fb f;
#define SEND(frame_len, tag) do { \
		if (child) { if (bl_send(s, p, (frame_len)) == 0) sent++; } \
		else { expect[(tag)]++; sent++; } \
	} while (0)
	/* flows: 0..15 v4 UDP, 16..23 v6 UDP, 24..27 VLAN, 28..31 TCP */
	for (unsigned fl = 0; fl < 32; fl++) {
		memset(&f, 0, sizeof(f));
		f.proto = fl >= 28 ? 6 : 17;
		f.payload = 16;
		if (fl >= 16 && fl < 24) {
			f.v6 = 1;
			fb_ip6(f.src, 0x100 + fl);
			fb_ip6(f.dst, 1);
			f.next_ext = fl % 3;
		} else {
			fb_ip4(f.src, 1, 2 + fl);
			fb_ip4(f.dst, 0, 1);
		}
		if (fl >= 24 && fl < 28) {
			f.nvlan = 1 + fl % 2;
			f.vlan_tpid = fl % 2 ? 0x88a8 : 0x8100;
		}
		f.sport = (uint16_t)(40000 + fl * 11);
		f.dport = 7;
		struct fb rv = fb_reverse(&f);
		for (unsigned k = 0; k < REPS; k++) {
			unsigned len = bl_build(&f, p, fl);
			SEND(len, fl);
			len = bl_build(&rv, p, fl);
			SEND(len, fl);
		}
	}
	/* fragments: ids 0x100.. (v4) and 0x200.. (v6), each direction a
	 * different datagram */
	for (unsigned v6 = 0; v6 < 2; v6++)
		for (unsigned d = 0; d < 16; d++) {
			memset(&f, 0, sizeof(f));
			f.v6 = (int)v6;
			f.proto = 17;
			if (v6) { fb_ip6(f.src, 0x300 + d / 2); fb_ip6(f.dst, 1); f.next_ext = d % 2; }
			else { fb_ip4(f.src, 2, 2 + d / 2); fb_ip4(f.dst, 0, 1); }
			f.sport = 5000;
			f.dport = 7;
			f.payload = 64;
			f.frag_id = (v6 ? 0x200u : 0x100u) + d;
			if (d % 2) {
				struct fb t = fb_reverse(&f);
				f = t;
			}
			unsigned tag = TAG_FRAG + f.frag_id;
			for (int piece = 1; piece <= 3; piece++) {
				f.frag = piece;
				f.frag_off = piece == 1 ? 0 : (unsigned)(piece - 1) * 9;
				unsigned len = fb_build(&f, p);
				SEND(len, tag);
			}
		}
	/* ARP: not IP, queue 0 */
	for (unsigned k = 0; k < 8; k++) {
		memset(p, 0, 60);
		memset(p, 0xff, 6);
		p[6] = 0x02; p[7] = 0x77; p[11] = (uint8_t)k;
		p[12] = 0x08; p[13] = 0x06;
		p[14] = 0; p[15] = 1; p[16] = 8; p[17] = 0; p[18] = 6; p[19] = 4; p[21] = 1;
		if (child) { if (bl_send(s, p, 60) == 0) sent++; } else sent++;
	}
	if (child) {
		if (write(pfd[1], &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	long got = -1;
	if (read(pfd[0], &got, sizeof(got)) != (ssize_t)sizeof(got))
		got = -1;
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	T_CHECK_EQ(got, sent);
	return sent;
}

int main(void)
{
	char ns[16], dev[16], msg[512];
	int fds[2], err;
	static unsigned expect[MAXTAG];

	io_tap_setup(ns, dev, 2, fds);
	struct tr_steer *st = tr_steer_attach(fds[0], msg, sizeof(msg), &err);
	if (!st && (err == -EPERM || err == -EINVAL))
		t_skip("%s", msg);
	T_ASSERT(st != NULL);
	r.check_prediction = 1;
	struct tr_engine *e = bl_engine(fds, 2, &r);

	long n = inject_all(ns, dev, expect);
	T_CHECK_EQ(io_wait_rx(e, (uint64_t)n, 5000), n);
	io_sleep_ms(50);
	T_CHECK_EQ(tr_engine_stop(e), 0);

	struct tr_engine_stats st0, st1, tot;
	tr_engine_queue_stats(e, 0, &st0);
	tr_engine_queue_stats(e, 1, &st1);
	tr_engine_stats(e, &tot);
	printf("queue 0: %llu frames, queue 1: %llu frames\n",
	       (unsigned long long)st0.rx, (unsigned long long)st1.rx);
	T_CHECK_EQ(tot.rx, n);
	T_CHECK(io_invariant(e, &tot));
	T_CHECK_EQ(r.mispredicted[0], 0);
	T_CHECK_EQ(r.mispredicted[1], 0);
	T_CHECK_EQ(r.untagged[1], 0);          /* ARP: queue 0 only */
	T_CHECK_EQ(r.untagged[0], 8);

	unsigned flows_on[2] = { 0, 0 }, split = 0, lost = 0;
	for (unsigned t = 0; t < MAXTAG; t++) {
		if (!expect[t])
			continue;
		if (r.count[0][t] && r.count[1][t]) {
			split++;
			printf("tag %u split: %u on queue 0, %u on queue 1\n", t, r.count[0][t], r.count[1][t]);
		}
		if (r.count[0][t] + r.count[1][t] != expect[t])
			lost++;
		if (t < 16)
			flows_on[r.count[1][t] ? 1 : 0]++;
	}
	printf("16 IPv4 UDP flows: %u on queue 0, %u on queue 1\n", flows_on[0], flows_on[1]);
	T_CHECK_EQ(split, 0);
	T_CHECK_EQ(lost, 0);
	T_CHECK(flows_on[0] > 0 && flows_on[1] > 0);

	/* detach: the kernel's own choice again (frames still all arrive) */
	tr_steer_detach(st, fds[0]);
	tr_engine_destroy(e);
	memset(&r, 0, sizeof(r));
	memset(expect, 0, sizeof(expect));
	e = bl_engine(fds, 2, &r);
	n = inject_all(ns, dev, expect);
	T_CHECK_EQ(io_wait_rx(e, (uint64_t)n, 5000), n);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_destroy(e);
	return t_done();
}
