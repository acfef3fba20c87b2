/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Engine offloads on a real TAP (IFF_VNET_HDR) inside a namespace the test
 * creates (root; skip otherwise):
 *  - set-up errors: a socketpair fd (-ENOTTY), a TAP without IFF_VNET_HDR
 *    (-EINVAL); probing with a forced fallback (offload_refuse USO: the
 *    rest stays on);
 *  - rx: a plain datagram arrives with TR_BUF_F_VNET | CSUM_PARTIAL and
 *    1 segment, tr_engine_csum_complete makes its checksum valid; a
 *    UDP_SEGMENT send of 12 x 1000 bytes arrives as ONE super-frame
 *    (TR_BUF_F_GSO, 12 segments, rx_segments), tr_engine_gso_segment cuts
 *    it into 12 frames with valid checksums and the original payload; a
 *    30000-byte super-frame, larger than the large class (16 KiB here), is
 *    dropped as rx_too_big;
 *  - tx: an application super-frame (tr_engine_set_gso, 20 x 1000 bytes)
 *    reaches a kernel socket as 20 datagrams with the right bytes;
 *    tx_segments counts 20;
 *  - accounting and both classes full at the end.
 */
#include <netinet/in.h>
#include <netinet/udp.h>

#include <tapring/checksum.h>

#include "io_test.h"

#define SEG 1000

static uint8_t pat(unsigned k, unsigned i)
{
	return (uint8_t)(k * 13 + i);
}

/* In a child inside ns: mode 's' sends one UDP_SEGMENT datagram train of
 * len bytes (SEG per segment) to 10.77.4.1:9 (len < SEG: a plain one);
 * mode 'r' receives datagrams on port 9999 for up to 3 s and returns how
 * many had SEG bytes of the expected pattern. */
static long in_ns(const char *ns, char mode, unsigned len)
{
	int pfd[2];
	T_ASSERT(pipe(pfd) == 0);
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		char path[128];
		long res = -1;
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) == 0) {
			int s = socket(AF_INET, SOCK_DGRAM, 0);
			struct sockaddr_in a = { .sin_family = AF_INET };
			if (mode == 's') {
				static uint8_t buf[65536];
				for (unsigned i = 0; i < len; i++)
					buf[i] = pat(i / SEG, i % SEG);
				int seg = SEG;
				if (len > SEG)
					setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
				a.sin_port = htons(9);
				inet_pton(AF_INET, "10.77.4.1", &a.sin_addr);
				res = sendto(s, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
			} else {
				a.sin_port = htons(9999);
				struct timeval tv = { .tv_sec = 3 };
				setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
				res = -2;
				if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
					if (write(pfd[1], &res, sizeof(res)) != sizeof(res))   /* bound */
						_exit(1);
					res = 0;
					uint8_t buf[4096];
					for (unsigned k = 0; k < 40; k++) {
						ssize_t n = recv(s, buf, sizeof(buf), 0);
						if (n < 0)
							break;
						int ok = n == SEG;
						for (unsigned i = 0; ok && i < SEG; i++)
							ok = buf[i] == pat(k, i);
						res += ok;
					}
				}
			}
		}
		if (write(pfd[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	long res = -1;
	if (read(pfd[0], &res, sizeof(res)) != sizeof(res))
		res = -1;
	if (mode == 'r' && res == -2) {   /* bound: the caller sends now; collect later */
		static int keep_fd;
		keep_fd = pfd[0];
		return -(long)keep_fd - 100;
	}
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return res;
}

/* The UDP checksum of an Ethernet/IPv4/UDP frame verifies. */
static int udp4_ok(const uint8_t *f, size_t len)
{
	size_t l4 = 14 + (size_t)(f[14] & 0xf) * 4;
	uint32_t sum = tr_cksum_pseudo_ipv4(f + 26, f + 30, 17, (uint32_t)(len - l4));
	return tr_cksum_finish(tr_cksum_add(sum, f + l4, len - l4)) == 0;
}

static struct tr_buf *wait_frame(struct tr_engine *e, unsigned ms)
{
	struct tr_buf *b = NULL;
	uint64_t end = io_now_ms() + ms;
	while (io_now_ms() < end && tr_engine_rx_burst(e, 0, &b, 1) == 0)
		io_sleep_ms(2);
	return b;
}

int main(void)
{
	char ns[16], dev[16];
	int err;
	t_require_net_admin();
	t_netns_add(ns);
	t_unique_name("tof", dev);

	/* Set-up errors. */
	int sp[2];
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config c = { .fds = &sp[0], .nqueues = 1, .nbufs = 1024, .cpu_base = -1,
				      .offloads = true };
	T_CHECK(tr_engine_create(&c, &err) == NULL && err == -ENOTTY);
	close(sp[0]);
	close(sp[1]);
	int plain = io_tap_open1(dev, 0);
	if (plain < 0)
		t_skip("cannot create TAP %s: %s", dev, strerror(-plain));
	c.fds = &plain;
	T_CHECK(tr_engine_create(&c, &err) == NULL && err == -EINVAL);
	close(plain);

	int fd = io_tap_open1(dev, IFF_VNET_HDR);
	T_ASSERT(fd >= 0);
	c.fds = &fd;
	c.device = TR_ENGINE_DEV_TUN;   /* the vnet path parses Ethernet: TAPs only */
	T_CHECK(tr_engine_create(&c, &err) == NULL && err == -EINVAL);
	c.device = TR_ENGINE_DEV_TAP;
	c.offload_refuse = TR_OFFLOAD_USO4;
	struct tr_engine *e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_offloads(e), TR_OFFLOAD_CSUM | TR_OFFLOAD_TSO4 | TR_OFFLOAD_TSO6 | TR_OFFLOAD_TSO_ECN);
	T_CHECK_EQ(tr_slab_large_nbufs(tr_engine_slab(e)), 256);   /* the default with offloads */
	tr_engine_destroy(e);

	c.offload_refuse = 0;
	c.large_nbufs = 16;
	c.large_buf_size = 16384;
	e = tr_engine_create(&c, &err);
	T_ASSERT(e != NULL);
	T_CHECK_EQ(tr_engine_offloads(e), TR_OFFLOAD_ALL);
	T_CHECK(tr_engine_has_vnet(e));
	T_ASSERT(io_tap_to_ns(dev, ns) == 0);
	T_ASSERT(t_sh("ip -n %s addr add 10.77.4.2/24 dev %s", ns, dev) == 0);
	T_ASSERT(t_sh("ip -n %s neigh add 10.77.4.1 lladdr 02:77:00:00:04:01 dev %s", ns, dev) == 0);
	T_CHECK_EQ(tr_engine_start(e), 0);

	/* A plain datagram: NEEDS_CSUM, one segment. */
	T_CHECK_EQ(in_ns(ns, 's', 100), 100);
	struct tr_buf *b = wait_frame(e, 3000);
	T_ASSERT(b != NULL);
	T_CHECK_EQ(b->len, 14 + 20 + 8 + 100);
	T_CHECK((b->flags & (TR_BUF_F_VNET | TR_BUF_F_CSUM_PARTIAL)) == (TR_BUF_F_VNET | TR_BUF_F_CSUM_PARTIAL));
	T_CHECK(!(b->flags & TR_BUF_F_GSO));
	T_CHECK(tr_slab_buf_is_large(tr_engine_slab(e), b));
	T_CHECK_EQ(tr_engine_offload(e, b)->segs, 1);
	T_CHECK(!udp4_ok(b->data, b->len));      /* only the seed so far */
	T_CHECK_EQ(tr_engine_csum_complete(e, b), 0);
	T_CHECK(udp4_ok(b->data, b->len));
	T_CHECK(!(b->flags & TR_BUF_F_CSUM_PARTIAL));
	tr_engine_buf_free(e, b);

	/* 12 segments as one super-frame. */
	T_CHECK_EQ(in_ns(ns, 's', 12 * SEG), 12 * SEG);
	b = wait_frame(e, 3000);
	T_ASSERT(b != NULL);
	T_CHECK_EQ(b->len, 14 + 20 + 8 + 12 * SEG);
	T_CHECK(b->flags & TR_BUF_F_GSO);
	const struct tr_vnet_meta *m = tr_engine_offload(e, b);
	T_CHECK_EQ(m->segs, 12);
	T_CHECK_EQ(m->hdr.gso_size, SEG);
	T_CHECK_EQ(m->hdr.gso_type, TR_VNET_GSO_UDP_L4);
	struct tr_buf *segs[16];
	T_CHECK_EQ(tr_engine_gso_segment(e, 0, b, segs, 4), -ENOSPC);
	int ns_ = tr_engine_gso_segment(e, 0, b, segs, 16);
	T_CHECK_EQ(ns_, 12);
	for (int k = 0; k < ns_; k++) {
		int ok = segs[k]->len == 42 + SEG && udp4_ok(segs[k]->data, segs[k]->len);
		for (unsigned i = 0; ok && i < SEG; i++)
			ok = segs[k]->data[42 + i] == pat((unsigned)k, i);
		T_CHECK(ok);
	}
	if (ns_ > 0)
		tr_engine_buf_free_burst(e, segs, (unsigned)ns_);
	tr_engine_buf_free(e, b);

	/* Larger than the large class: rx_too_big. */
	T_CHECK_EQ(in_ns(ns, 's', 30 * SEG), 30 * SEG);
	for (unsigned t = 0; t < 150; t++) {
		struct tr_engine_reason_stat r;
		tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_RX_TOO_BIG, &r);
		if (r.count)
			break;
		io_sleep_ms(20);
	}
	struct tr_engine_reason_stat r;
	T_CHECK_EQ(tr_engine_reason(e, UINT32_MAX, TR_ENGINE_DROP_RX_TOO_BIG, &r), 0);
	T_CHECK_EQ(r.count, 1);
	T_CHECK_STR(r.name, "rx_too_big");
	if (getenv("TOF_DEBUG")) {
		struct tr_engine_stats ds;
		tr_engine_stats(e, &ds);
		fprintf(stderr, "rx %llu dropped %llu rearm %llu err %d\n", (unsigned long long)ds.rx,
			(unsigned long long)ds.dropped, (unsigned long long)ds.rx_rearm, tr_engine_error(e, NULL));
		for (unsigned i = 0; i < tr_engine_nreasons(e); i++) {
			tr_engine_reason(e, UINT32_MAX, i, &r);
			if (r.count || r.orig_count)
				fprintf(stderr, "  %s %llu/%llu\n", r.name, (unsigned long long)r.count,
					(unsigned long long)r.orig_count);
		}
	}

	/* TX: an application super-frame of 20 segments. */
	long rd = in_ns(ns, 'r', 0);
	T_ASSERT(rd <= -100);
	int rfd = (int)(-rd - 100);
	struct tr_buf *t = tr_slab_alloc_large(tr_engine_slab(e));
	T_ASSERT(t != NULL);
	t->queue = 0;
	t->flags = 0;
	uint8_t *f = t->data;
	unsigned plen = 20 * SEG;
	io_frame(f, 42 + 16, 0, 0);                        /* headers; fixed below */
	memcpy(f, "\x02\x77\x00\x00\x00\x02", 6);          /* to the kernel side's MAC? set below */
	T_ASSERT(t_sh("ip -n %s link show %s | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2 > /tmp/tof_mac.%d",
		      ns, dev, (int)getpid()) == 0);
	char path[64], macs[32] = "";
	snprintf(path, sizeof(path), "/tmp/tof_mac.%d", (int)getpid());
	FILE *mf = fopen(path, "r");
	T_ASSERT(mf && fgets(macs, sizeof(macs), mf));
	fclose(mf);
	unlink(path);
	unsigned mb[6];
	T_ASSERT(sscanf(macs, "%x:%x:%x:%x:%x:%x", &mb[0], &mb[1], &mb[2], &mb[3], &mb[4], &mb[5]) == 6);
	for (int i = 0; i < 6; i++)
		f[i] = (uint8_t)mb[i];
	memcpy(f + 6, "\x02\x77\x00\x00\x04\x01", 6);
	uint8_t *ip = f + 14;
	ip[12] = 10; ip[13] = 77; ip[14] = 4; ip[15] = 1;   /* 10.77.4.1 -> 10.77.4.2 */
	ip[16] = 10; ip[17] = 77; ip[18] = 4; ip[19] = 2;
	tr_store_be16(f + 34, 40000);
	tr_store_be16(f + 36, 9999);
	for (unsigned i = 0; i < plen; i++)
		f[42 + i] = pat(i / SEG, i % SEG);
	t->len = 42 + plen;
	T_CHECK_EQ(tr_engine_set_gso(e, t, SEG), 0);
	T_CHECK(t->flags & TR_BUF_F_GSO);
	T_CHECK_EQ(tr_engine_offload(e, t)->segs, 20);
	T_CHECK_EQ(tr_engine_tx_burst(e, 0, &t, 1), 1);
	long got = -1;
	T_CHECK(read(rfd, &got, sizeof(got)) == sizeof(got));
	close(rfd);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	T_CHECK_EQ(got, 20);

	T_CHECK_EQ(tr_engine_stop(e), 0);
	io_drain_app(e);
	struct tr_engine_stats st;
	tr_engine_stats(e, &st);
	T_CHECK(io_invariant(e, &st));
	T_CHECK_EQ(st.tx_app, 1);
	T_CHECK_EQ(st.tx_segments, st.tx - 1 + 20);
	T_CHECK_EQ(st.rx_segments, st.rx + 11);   /* the 12-segment frame; a dropped one counts 1 */
	T_CHECK_EQ(tr_slab_available(tr_engine_slab(e)), 1024);
	T_CHECK_EQ(tr_slab_large_available(tr_engine_slab(e)), 16);
	tr_engine_destroy(e);
	close(fd);
	return t_done();
}
