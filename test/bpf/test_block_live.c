/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel blocklist on a TAP whose kernel side is in a namespace:
 *   1. rules set through the API: frames from a blocked IPv4/IPv6 prefix
 *      (fragments too) and to a blocked UDP/TCP port never reach the
 *      engine, the others all do, and the per-kind counters match;
 *   2. under traffic, `tapring block add` stops a source within 100 ms of
 *      returning and `tapring block del` lets it through again within
 *      100 ms; the other source loses nothing;
 *   3. bad rules, a del of an absent rule and an unknown tap are refused
 *      with the maps unchanged;
 *   4. the pins exist while attached and are gone after close;
 *   (throughout) the block_used slots that let an empty map's lookups be
 *      skipped follow the rules: 0 for an empty map, 1 once it holds one,
 *      0 again after its last rule goes (part 2 starts with the IPv4 map
 *      emptied, so its add and del must turn the slot on and off);
 *   5. the test switch that forces the TUN ioctls off gives the clear
 *      error and leaves no pins.
 *   usage: test_block_live TAPRING
 */
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "bpf_live.h"

static struct rec r;
static _Atomic uint32_t live[16];   /* tags 0..15 seen; written by the worker */

static void count_live(void *arg, struct tr_worker *w, struct tr_buf **bufs, uint32_t *acts, unsigned n)
{
	(void)arg;
	(void)w;
	(void)acts;
	for (unsigned i = 0; i < n; i++) {
		int t = bl_tag(bufs[i]->data, bufs[i]->len);
		if (t >= 0 && t < 16)
			/* relaxed: a counter the main thread polls; nothing
			 * else is published through it */
			atomic_fetch_add_explicit(&live[t], 1, memory_order_relaxed);
	}
}

static const char *tool;
static char dev[16];

static int cli(const char *args)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s block %s >/dev/null 2>&1", tool, args);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rules_text(struct tr_block *b, char *out, size_t len)
{
	struct tr_block_rule rr[64];
	int n = tr_block_list(b, rr, 64);
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < n && i < 64 && o < len; i++)
		o += (size_t)tr_block_rule_format(&rr[i], out + o, len - o), o += o < len ? (size_t)snprintf(out + o, len - o, " ") : 0;
	return n;
}

static void add(struct tr_block *b, const char *txt)
{
	struct tr_block_rule rule;
	T_ASSERT(tr_block_rule_parse(txt, &rule, NULL, 0) == 0);
	T_CHECK_EQ(tr_block_add(b, &rule), 0);
}

static void del(struct tr_block *b, const char *txt)
{
	struct tr_block_rule rule;
	T_ASSERT(tr_block_rule_parse(txt, &rule, NULL, 0) == 0);
	T_CHECK_EQ(tr_block_del(b, &rule), 0);
}

/* The pinned block_used slots (src4, src6, port) as "S4 S6 P", e.g. "1 0 1";
 * "?" if the map cannot be read. */
static const char *used(void)
{
	static char out[16];
	char path[128];
	unsigned v[3] = { 9, 9, 9 };
	snprintf(path, sizeof(path), "/sys/fs/bpf/tapring/%s/block_used", dev);
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return "?";
	for (uint32_t k = 0; k < 3; k++)
		if (bpf_map_lookup_elem(fd, &k, &v[k]) != 0)
			v[k] = 9;
	close(fd);
	snprintf(out, sizeof(out), "%u %u %u", v[0], v[1], v[2]);
	return out;
}

/* Part 1 frames: tag, how many, blocked? */
static void send_part1(int s)
{
	static uint8_t p[2048];
	struct fb f;
	for (unsigned tag = 1; tag <= 7; tag++) {
		memset(&f, 0, sizeof(f));
		f.payload = 16;
		f.proto = 17;
		f.sport = 3333;
		f.dport = 7;
		f.v6 = tag == 4 || tag == 5;
		if (f.v6) {
			fb_ip6(f.src, tag == 4 ? 0x5001 : 0x6001);
			fb_ip6(f.dst, 1);
		} else {
			fb_ip4(f.src, tag == 1 ? 5 : 1, 9);
			fb_ip4(f.dst, 0, 1);
		}
		if (tag == 2 || tag == 5) f.dport = 53;
		if (tag == 3) { f.proto = 6; f.dport = 22; }
		if (tag == 6) f.dport = 54;
		if (tag == 7) { f.proto = 6; f.dport = 23; }
		for (unsigned k = 0; k < 50; k++) {
			unsigned len = bl_build(&f, p, tag);
			(void)bl_send(s, p, len);
		}
	}
	/* a blocked source's datagram in 3 fragments */
	memset(&f, 0, sizeof(f));
	f.proto = 17; fb_ip4(f.src, 5, 10); fb_ip4(f.dst, 0, 1); f.payload = 64; f.frag_id = 0x77;
	for (int piece = 1; piece <= 3; piece++) {
		f.frag = piece;
		f.frag_off = (unsigned)(piece - 1) * 9;
		unsigned len = fb_build(&f, p);
		(void)bl_send(s, p, len);
	}
}

static pid_t child(const char *ns, void (*fn)(int s, int arg), int arg)
{
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		int s = bl_inject_socket(ns, dev);
		if (s < 0)
			_exit(1);
		fn(s, arg);
		_exit(0);
	}
	return pid;
}

static void part1(int s, int arg)
{
	(void)arg;
	send_part1(s);
}

/* Part 2: tags 10 (10.77.6.1, blocked then unblocked) and 11 (10.77.7.1)
 * alternately, one pair every 200 us, for at most `arg` ms; the counts
 * sent go out through a file the parent reads. */
static void part2(int s, int arg)
{
	static uint8_t p[2048];
	struct fb a, b;
	memset(&a, 0, sizeof(a));
	a.proto = 17; a.payload = 16; a.sport = 4000; a.dport = 7;
	fb_ip4(a.src, 6, 1); fb_ip4(a.dst, 0, 1);
	b = a;
	fb_ip4(b.src, 7, 1);
	uint64_t end = io_now_ms() + (uint64_t)arg;
	unsigned sent = 0;
	while (io_now_ms() < end) {
		unsigned len = bl_build(&a, p, 10);
		if (bl_send(s, p, len) != 0)
			break;
		len = bl_build(&b, p, 11);
		if (bl_send(s, p, len) != 0)
			break;
		sent++;
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	char path[64];
	snprintf(path, sizeof(path), "/tmp/tr_block_live.%d", (int)getppid());
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%u\n", sent);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	char ns[16], msg[512], path[128], before[2048], after[2048];
	int fds[1], err;
	struct stat sb;

	if (argc < 2) {
		fprintf(stderr, "usage: %s TAPRING\n", argv[0]);
		return 1;
	}
	tool = argv[1];
	io_tap_setup(ns, dev, 1, fds);
	struct tr_block *b = tr_block_attach(fds[0], dev, msg, sizeof(msg), &err);
	if (!b && (err == -EPERM || err == -EINVAL))
		t_skip("%s", msg);
	T_ASSERT(b != NULL);
	snprintf(path, sizeof(path), "/sys/fs/bpf/tapring/%s/block_src4", dev);
	T_CHECK(stat(path, &sb) == 0);

	/* 1. rules from the API */
	T_CHECK_STR(used(), "0 0 0");
	add(b, "10.77.5.0/24");
	T_CHECK_STR(used(), "1 0 0");
	add(b, "fd77::5000/116");
	add(b, "udp/53");
	T_CHECK_STR(used(), "1 1 1");
	add(b, "tcp/22");
	struct tr_engine_config cfg = { .fds = fds, .nqueues = 1, .nbufs = 8192, .cpu_base = -1 };
	struct tr_engine *e = tr_engine_create(&cfg, &err);
	T_ASSERT(e != NULL);
	r.reason = tr_engine_counter(e, "test.recorded");
	struct tr_stage st1 = { .name = "live", .process = count_live };
	struct tr_stage st2 = { .name = "record", .arg = &r, .process = bl_record };
	T_ASSERT(tr_engine_add_stage(e, &st1) == 0 && tr_engine_add_stage(e, &st2) == 0);
	T_ASSERT(tr_engine_start(e) == 0);

	pid_t pid = child(ns, part1, 0);
	waitpid(pid, NULL, 0);
	io_wait_rx(e, 150, 3000);
	io_sleep_ms(100);
	uint64_t c[TR_BLOCK_NKINDS];
	T_CHECK_EQ(tr_block_stats(b, c), 0);
	printf("blocked: src4 %llu src6 %llu udp %llu tcp %llu\n", (unsigned long long)c[0],
	       (unsigned long long)c[1], (unsigned long long)c[2], (unsigned long long)c[3]);
	T_CHECK_EQ(c[TR_BLOCK_SRC4], 53);
	T_CHECK_EQ(c[TR_BLOCK_SRC6], 50);
	T_CHECK_EQ(c[TR_BLOCK_UDP], 100);
	T_CHECK_EQ(c[TR_BLOCK_TCP], 50);
	for (unsigned t = 1; t <= 7; t++) {
		int blocked = t != 6 && t != 7;
		T_CHECK_EQ(atomic_load_explicit(&live[t], memory_order_relaxed), blocked ? 0 : 50);
	}
	T_CHECK_EQ(r.count[0][TAG_FRAG + 0x77], 0);
	struct tr_engine_stats es;
	tr_engine_stats(e, &es);
	T_CHECK_EQ(es.rx, 100);

	/* 2. add/del under traffic, into an empty IPv4 map */
	del(b, "10.77.5.0/24");
	T_CHECK_STR(used(), "0 1 1");
	pid = child(ns, part2, 2500);
	uint64_t end = io_now_ms() + 2000;
	while (atomic_load_explicit(&live[10], memory_order_relaxed) < 200 && io_now_ms() < end)
		io_sleep_ms(5);
	T_CHECK(atomic_load_explicit(&live[10], memory_order_relaxed) >= 200);
	uint64_t blocked_before = c[TR_BLOCK_SRC4];
	char args[128];
	snprintf(args, sizeof(args), "add --tap %s 10.77.6.0/24", dev);
	T_CHECK_EQ(cli(args), 0);
	io_sleep_ms(100);
	uint32_t at100 = atomic_load_explicit(&live[10], memory_order_relaxed);
	io_sleep_ms(300);
	uint32_t at400 = atomic_load_explicit(&live[10], memory_order_relaxed);
	printf("after add: %u frames of the blocked source by +100 ms, %u by +400 ms\n", at100, at400);
	T_CHECK_EQ(at400, at100);                 /* blocked within 100 ms */
	T_CHECK_STR(used(), "1 1 1");
	snprintf(args, sizeof(args), "del --tap %s 10.77.6.0/24", dev);
	T_CHECK_EQ(cli(args), 0);
	uint64_t t_del = bl_now_ns(), t_seen = 0;
	end = io_now_ms() + 1000;
	while (io_now_ms() < end) {
		if (atomic_load_explicit(&live[10], memory_order_relaxed) > at400) {
			t_seen = bl_now_ns();
			break;
		}
		io_sleep_ms(1);
	}
	printf("after del: the source is back after %.1f ms\n", t_seen ? (double)(t_seen - t_del) / 1e6 : -1.0);
	T_CHECK(t_seen != 0 && t_seen - t_del < 100000000u);
	T_CHECK_STR(used(), "0 1 1");
	waitpid(pid, NULL, 0);
	io_sleep_ms(100);
	snprintf(path, sizeof(path), "/tmp/tr_block_live.%d", (int)getpid());
	FILE *f = fopen(path, "r");
	unsigned sent = 0;
	T_CHECK(f && fscanf(f, "%u", &sent) == 1);
	if (f)
		fclose(f);
	unlink(path);
	T_CHECK_EQ(tr_block_stats(b, c), 0);
	uint32_t got10 = atomic_load_explicit(&live[10], memory_order_relaxed);
	uint32_t got11 = atomic_load_explicit(&live[11], memory_order_relaxed);
	printf("sent %u pairs: unblocked source %u received, blocked source %u received + %llu blocked\n",
	       sent, got11, got10, (unsigned long long)(c[TR_BLOCK_SRC4] - blocked_before));
	T_CHECK_EQ(got11, sent);                  /* no frame lost to the changes */
	T_CHECK_EQ(got10 + (c[TR_BLOCK_SRC4] - blocked_before), sent);
	T_CHECK(c[TR_BLOCK_SRC4] > blocked_before);

	/* the port map: one of two rules gone keeps its slot, both clear it */
	del(b, "udp/53");
	T_CHECK_STR(used(), "0 1 1");
	del(b, "tcp/22");
	T_CHECK_STR(used(), "0 1 0");
	add(b, "tcp/22");
	add(b, "udp/53");
	add(b, "10.77.5.0/24");
	T_CHECK_STR(used(), "1 1 1");

	/* 3. refused changes leave the maps as they were */
	int n0 = rules_text(b, before, sizeof(before));
	T_CHECK_EQ(n0, 4);
	snprintf(args, sizeof(args), "add --tap %s udp/99 10.77.0.300/33", dev);
	T_CHECK_EQ(cli(args), 2);
	snprintf(args, sizeof(args), "add --tap %s udp/70000", dev);
	T_CHECK_EQ(cli(args), 2);
	snprintf(args, sizeof(args), "add --tap %s fd77::/129", dev);
	T_CHECK_EQ(cli(args), 2);
	snprintf(args, sizeof(args), "del --tap %s udp/53 tcp/9", dev);
	T_CHECK_EQ(cli(args), 1);
	T_CHECK_EQ(cli("add --tap trnosuch0 udp/5"), 1);
	T_CHECK_EQ(cli("add --tap ../x udp/5"), 1);
	T_CHECK_EQ(rules_text(b, after, sizeof(after)), n0);
	T_CHECK_STR(after, before);
	snprintf(args, sizeof(args), "list --tap %s", dev);
	T_CHECK_EQ(cli(args), 0);

	/* 4. pins go with the blocklist */
	T_CHECK_EQ(tr_engine_stop(e), 0);
	tr_engine_destroy(e);
	tr_block_close(b, fds[0]);
	snprintf(path, sizeof(path), "/sys/fs/bpf/tapring/%s", dev);
	T_CHECK(stat(path, &sb) != 0 && errno == ENOENT);
	snprintf(args, sizeof(args), "list --tap %s", dev);
	T_CHECK_EQ(cli(args), 1);

	/* 5. the kernel features forced off */
	tr_ebpf_test_no_tun_ioctls(true);
	b = tr_block_attach(fds[0], dev, msg, sizeof(msg), &err);
	T_CHECK(b == NULL && err == -EINVAL);
	printf("forced off: %s\n", msg);
	T_CHECK(strstr(msg, "TUNSETFILTEREBPF") != NULL);
	T_CHECK(stat(path, &sb) != 0);
	struct tr_steer *s = tr_steer_attach(fds[0], msg, sizeof(msg), &err);
	T_CHECK(s == NULL && err == -EINVAL);
	printf("forced off: %s\n", msg);
	T_CHECK(strstr(msg, "TUNSETSTEERINGEBPF") != NULL);
	tr_ebpf_test_no_tun_ioctls(false);
	return t_done();
}
