/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Engine mirror (tr_mirror): zero-copy capture of rx and tx frames, checked
 * by reading the file back with libpcap (and tshark when installed).
 *
 * The engine runs over SOCK_SEQPACKET socketpairs (no root, like the io
 * tests). Stage "cow" decides by seq s (4 bytes at offset 43):
 *   s%4==0 reply in place (tr_worker_unshare first, then swap the MACs and
 *          flip the payload) and TR_ACT_TX
 *   s%4==1 TR_ACT_DROP("t_bad")
 *   s%4==2 TR_ACT_DELIVER          s%4==3 NEXT (delivered after the stage)
 * The file must hold every rx frame exactly once with its ORIGINAL bytes
 * (dst MAC ...:01, payload intact, even for the replied ones: copy-on-write)
 * and every reply once (dst MAC ...:02). Then: pcap through libpcap with a
 * snaplen, a filter, a ring too small for the writer (dump_dropped), and
 * every buffer back in the pool after each run.
 */
#include <poll.h>
#include <sys/wait.h>

#include <pcap/pcap.h>

#include <tapring/capture.h>
#include <tapring/filter.h>

#include "../io/io_test.h"

#define NQ 2
#define NFRAMES 400u
#define NBUFS 2048u

struct cow_state {
	int r_bad;
	_Atomic unsigned unshare_fail;
};

static uint32_t seq_at(const uint8_t *p)
{
	uint32_t s;
	memcpy(&s, p + 43, 4);
	return s;
}

static void cow_process(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	struct cow_state *c = arg;
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = seq_at(bufs[i]->data);
		switch (s % 4) {
		case 0: {
			struct tr_buf *b = tr_worker_unshare(w, &bufs[i]);
			if (!b) {
				/* test tally only */
				atomic_fetch_add_explicit(&c->unshare_fail, 1, memory_order_relaxed);
				acts[i] = TR_ACT_DROP(TR_ENGINE_DROP_POOL_EMPTY);
				break;
			}
			uint8_t mac[6];
			memcpy(mac, b->data, 6);
			memcpy(b->data, b->data + 6, 6);
			memcpy(b->data + 6, mac, 6);
			for (unsigned k = 47; k < b->len; k++)
				b->data[k] ^= 0xff;
			acts[i] = TR_ACT_TX;
			break;
		}
		case 1: acts[i] = TR_ACT_DROP(c->r_bad); break;
		case 2: acts[i] = TR_ACT_DELIVER; break;
		default: acts[i] = TR_ACT_NEXT; break;
		}
	}
}

struct run_cfg {
	enum tr_pcap_format fmt;
	uint32_t snaplen;
	const char *filter;      /* NULL: none */
	unsigned ring_size;
	bool burst;              /* inject all frames at once (writer-too-slow case) */
};

struct run_out {
	struct tr_mirror_stats ms;
	struct tr_engine_stats es;
	unsigned avail, nbufs;
	unsigned unshare_fail;
	int destroy_rc;
};

static void run(const char *path, const struct run_cfg *rc, struct run_out *out)
{
	int sp[NQ][2], fds[NQ];
	for (unsigned q = 0; q < NQ; q++) {
		T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp[q]) == 0);
		/* room for a whole burst on both sides */
		int sz = 4 << 20;
		setsockopt(sp[q][0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(sp[q][1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		fds[q] = sp[q][0];
	}
	struct tr_engine_config cfg = {
		.fds = fds, .nqueues = NQ, .nbufs = NBUFS, .batch = 32, .cpu_base = -1,
		.rx_mode = TR_ENGINE_RX_READ, .app_ring_size = 1024, .idle_us = 500,
	};
	int err = 0;
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	struct cow_state cs = { .r_bad = tr_engine_counter(e, "t_bad") };
	T_ASSERT(cs.r_bad >= 0);
	struct tr_stage st = { .name = "cow", .arg = &cs, .process = cow_process };
	T_ASSERT(tr_engine_add_stage(e, &st) == 0);
	struct tr_bpf_prog *prog = NULL;
	if (rc->filter) {
		char eb[256];
		prog = tr_bpf_compile(rc->filter, 65535, true, 0xffffffffu, 0, eb, sizeof(eb), &err);
		T_ASSERT(prog != NULL);
	}
	struct tr_mirror_config mc = {
		.path = path, .format = rc->fmt, .snaplen = rc->snaplen, .filter = prog,
		.ring_size = rc->ring_size, .ifname = "tmirror",
	};
	struct tr_mirror *m = tr_mirror_create(e, &mc, &err);
	T_ASSERT(m != NULL);
	T_CHECK_EQ(tr_engine_start(e), 0);

	uint8_t f[128];
	for (uint32_t s = 0; s < NFRAMES; s++) {
		io_frame(f, 60, s, s);
		memcpy(f + 43, &s, 4);
		T_ASSERT(write(sp[s % NQ][1], f, 60) == 60);
		if (!rc->burst && s % 16 == 15)
			io_sleep_ms(1);   /* let the writer keep up */
	}
	T_CHECK_EQ(io_wait_rx(e, NFRAMES, 5000), NFRAMES);
	/* Application: free delivered frames; drain the replies at the far end. */
	unsigned want_dl = NFRAMES / 2, got_dl = 0, want_tx = NFRAMES / 4, got_tx = 0;
	uint64_t end = io_now_ms() + 5000;
	while ((got_dl < want_dl || got_tx < want_tx) && io_now_ms() < end) {
		for (unsigned q = 0; q < NQ; q++) {
			struct tr_buf *b[32];
			unsigned n = tr_engine_rx_burst(e, q, b, 32);
			tr_engine_buf_free_burst(e, b, n);
			got_dl += n;
			uint8_t rb[2048];
			ssize_t r;
			while ((r = recv(sp[q][1], rb, sizeof(rb), MSG_DONTWAIT)) > 0) {
				T_CHECK_EQ(r, 60);
				T_CHECK_EQ(rb[5], 0x02);   /* a reply: MACs swapped */
				got_tx++;
			}
		}
		io_sleep_ms(1);
	}
	T_CHECK_EQ(got_dl, want_dl);
	T_CHECK_EQ(got_tx, want_tx);
	T_CHECK_EQ(tr_engine_stop(e), 0);
	out->destroy_rc = tr_mirror_destroy(m, &out->ms);
	tr_engine_stats(e, &out->es);
	out->avail = tr_slab_available(tr_engine_slab(e));
	out->nbufs = tr_slab_nbufs(tr_engine_slab(e));
	out->unshare_fail = atomic_load_explicit(&cs.unshare_fail, memory_order_relaxed);
	tr_engine_destroy(e);
	tr_bpf_free(prog);
	for (unsigned q = 0; q < NQ; q++) {
		close(sp[q][0]);
		close(sp[q][1]);
	}
}

/* Read the file with libpcap; count rx (dst ...:01) and tx (dst ...:02)
 * records per seq. Returns the record count or -1. */
static int read_back(const char *path, uint32_t want_caplen, uint8_t *rx_seen, uint8_t *tx_seen)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p) {
		fprintf(stderr, "pcap_open_offline: %s\n", eb);
		return -1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	int n = 0, r;
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		T_CHECK_EQ(h->len, 60);
		T_CHECK_EQ(h->caplen, want_caplen);
		if (h->caplen < 47)
			continue;
		uint32_t s = seq_at(d);
		if (s >= NFRAMES) {
			T_CHECK(!"seq out of range");
			continue;
		}
		uint8_t expect[128];
		io_frame(expect, 60, s, s);
		memcpy(expect + 43, &s, 4);
		if (d[5] == 0x01) {
			/* rx: the original request, byte for byte (not the reply) */
			T_CHECK(memcmp(d, expect, h->caplen) == 0);
			rx_seen[s]++;
		} else {
			T_CHECK_EQ(d[5], 0x02);
			T_CHECK_EQ(s % 4, 0);
			if (h->caplen == 60)
				T_CHECK_EQ(d[59], (uint8_t)(expect[59] ^ 0xff));
			tx_seen[s]++;
		}
	}
	T_CHECK_EQ(r, PCAP_ERROR_BREAK);   /* clean end of file */
	pcap_close(p);
	return n;
}

static void check_pool(const struct run_out *o)
{
	T_CHECK_EQ(o->avail, o->nbufs);
	T_CHECK_EQ(o->unshare_fail, 0);
	T_CHECK_EQ(o->destroy_rc, 0);
	T_CHECK_EQ(o->es.rx, NFRAMES);
	T_CHECK_EQ(o->es.tx_forwarded, NFRAMES / 4);
	T_CHECK_EQ(o->es.dropped, NFRAMES / 4);
	T_CHECK_EQ(o->es.delivered, NFRAMES / 2);
}

static void test_pcapng(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/m.pcapng", dir);
	struct run_cfg rc = { .fmt = TR_PCAP_FORMAT_PCAPNG };
	struct run_out o;
	run(path, &rc, &o);
	check_pool(&o);
	T_CHECK_EQ(o.ms.written, NFRAMES + NFRAMES / 4);
	T_CHECK_EQ(o.ms.dropped, 0);
	T_CHECK_EQ(o.ms.filtered, 0);
	T_CHECK_EQ(o.ms.write_errors, 0);
	static uint8_t rx[NFRAMES], tx[NFRAMES];
	int n = read_back(path, 60, rx, tx);
	T_CHECK_EQ(n, (int)(NFRAMES + NFRAMES / 4));
	unsigned bad = 0;
	for (unsigned s = 0; s < NFRAMES; s++)
		if (rx[s] != 1 || tx[s] != (s % 4 == 0))
			bad++;
	T_CHECK_EQ(bad, 0);

	/* tshark: direction flags and drop comments */
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("tshark missing: direction/comment check skipped\n");
		return;
	}
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -e frame.packet_flags_direction -e eth.dst -e frame.comment 2>/dev/null", path);
	FILE *f = popen(cmd, "r");
	T_ASSERT(f != NULL);
	char line[512];
	unsigned in = 0, outd = 0, com = 0, lines = 0, mismatch = 0;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		char *dirf = line, *dst = strchr(line, '\t');
		if (!dst)
			continue;
		*dst++ = 0;
		char *cm = strchr(dst, '\t');
		if (cm)
			*cm++ = 0;
		unsigned long d = strtoul(dirf, NULL, 0);
		bool is_rx = strstr(dst, ":01") == dst + strlen("02:77:00:00:00");
		if (d == 1)
			in++;
		else if (d == 2)
			outd++;
		if ((d == 1) != is_rx)
			mismatch++;
		if (cm && strstr(cm, "drop: t_bad"))
			com++;
	}
	T_CHECK_EQ(pclose(f), 0);
	T_CHECK_EQ(lines, NFRAMES + NFRAMES / 4);
	T_CHECK_EQ(in, NFRAMES);
	T_CHECK_EQ(outd, NFRAMES / 4);
	T_CHECK_EQ(mismatch, 0);
	T_CHECK_EQ(com, NFRAMES / 4);   /* the s%4==1 frames */
}

static void test_pcap_snaplen_filter(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/m.pcap", dir);
	/* Only the requests (rx); the replies are filtered. */
	struct run_cfg rc = { .fmt = TR_PCAP_FORMAT_PCAP, .snaplen = 50,
			      .filter = "ether dst 02:77:00:00:00:01" };
	struct run_out o;
	run(path, &rc, &o);
	check_pool(&o);
	T_CHECK_EQ(o.ms.written, NFRAMES);
	T_CHECK_EQ(o.ms.filtered, NFRAMES / 4);
	T_CHECK_EQ(o.ms.dropped, 0);
	static uint8_t rx[NFRAMES], tx[NFRAMES];
	int n = read_back(path, 50, rx, tx);
	T_CHECK_EQ(n, (int)NFRAMES);
	unsigned bad = 0;
	for (unsigned s = 0; s < NFRAMES; s++)
		if (rx[s] != 1 || tx[s] != 0)
			bad++;
	T_CHECK_EQ(bad, 0);
}

/* A filter that rejects every rx frame: the engine never references them
 * (mirror filter hook) and the rx callback is never called. */
static void test_rx_filtered(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/replies.pcapng", dir);
	struct run_cfg rc = { .fmt = TR_PCAP_FORMAT_PCAPNG, .filter = "ether dst 02:77:00:00:00:02" };
	struct run_out o;
	run(path, &rc, &o);
	check_pool(&o);
	T_CHECK_EQ(o.ms.written, NFRAMES / 4);
	T_CHECK_EQ(o.ms.filtered, NFRAMES);
	T_CHECK_EQ(o.ms.dropped, 0);
	static uint8_t rx[NFRAMES], tx[NFRAMES];
	int n = read_back(path, 60, rx, tx);
	T_CHECK_EQ(n, (int)(NFRAMES / 4));
	unsigned bad = 0;
	for (unsigned s = 0; s < NFRAMES; s++)
		if (rx[s] != 0 || tx[s] != (s % 4 == 0))
			bad++;
	T_CHECK_EQ(bad, 0);
}

static void test_slow_writer(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/slow.pcapng", dir);
	/* One record per queue ring: bursts of 32 cannot all fit. */
	struct run_cfg rc = { .fmt = TR_PCAP_FORMAT_PCAPNG, .ring_size = 1, .burst = true };
	struct run_out o;
	run(path, &rc, &o);
	check_pool(&o);
	T_CHECK(o.ms.dropped > 0);
	T_CHECK_EQ(o.ms.written + o.ms.dropped, NFRAMES + NFRAMES / 4);
	static uint8_t rx[NFRAMES], tx[NFRAMES];
	int n = read_back(path, 60, rx, tx);
	T_CHECK_EQ((uint64_t)n, o.ms.written);
	unsigned dup = 0;
	for (unsigned s = 0; s < NFRAMES; s++)
		if (rx[s] > 1 || tx[s] > 1)
			dup++;
	T_CHECK_EQ(dup, 0);
	printf("slow writer: written %llu dropped %llu\n", (unsigned long long)o.ms.written,
	       (unsigned long long)o.ms.dropped);
}

static void test_errors(void)
{
	int sp[2], err = 0;
	T_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
	struct tr_engine_config cfg = { .fds = sp, .nqueues = 1, .nbufs = 256, .cpu_base = -1,
					.rx_mode = TR_ENGINE_RX_READ };
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	struct tr_mirror_config mc = { .path = "/nonexistent-dir/x.pcapng", .format = TR_PCAP_FORMAT_PCAPNG };
	err = 0;
	T_CHECK(tr_mirror_create(e, &mc, &err) == NULL);
	T_CHECK(err < 0);
	mc.path = "/dev/null";
	mc.ring_size = 3;   /* not a power of two */
	err = 0;
	T_CHECK(tr_mirror_create(e, &mc, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);
	T_CHECK_STR(tr_engine_reason_name(e, TR_ENGINE_DROP_APP_RING_FULL), "app_ring_full");
	T_CHECK(tr_engine_reason_name(e, 63) == NULL);
	struct tr_engine_mirror half = { .rx = NULL };
	T_CHECK_EQ(tr_engine_set_mirror(e, &half), -EINVAL);
	tr_engine_destroy(e);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	char dir[] = "/tmp/t_mirror.XXXXXX";
	T_ASSERT(mkdtemp(dir) != NULL);
	test_errors();
	test_pcapng(dir);
	test_pcap_snaplen_filter(dir);
	test_rx_filtered(dir);
	test_slow_writer(dir);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_CHECK_EQ(system(cmd), 0);
	return t_done();
}
