/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring demo`: the live demo. Creates a network namespace and a TAP whose
 * kernel side lives there, runs the stack on it, then from inside the
 * namespace runs the real Debian clients (ping, ping -6, arping, dig, nc -u)
 * against it, prints what each got and the engine's stats, and cleans up,
 * even on Ctrl-C.
 *
 * Addresses: the stack answers for 10.77.0.1/24 and fd77::1/64; the kernel
 * side has 10.77.0.2/24 and fd77::2/64. Nothing leaves the namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "up.h"

extern char **environ;

static volatile sig_atomic_t demo_signalled;

static void on_signal(int sig)
{
	demo_signalled = sig;
}

static int have_net_admin(char *why, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;
	int fd;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &eff) == 1)
				break;
		fclose(f);
	}
	if (!((eff >> 12) & 1)) {
		snprintf(why, len, "the live demo needs CAP_NET_ADMIN (run it as root)");
		return 0;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "/dev/net/tun is not available: %s", strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

/* Runs argv, captures up to outlen-1 bytes of stdout+stderr, kills it after
 * timeout_s. Returns the exit status (128+sig if killed, -1 if not run). */
static int run_capture(char *const argv[], char *out, size_t outlen, int timeout_s,
		       bool interruptible)
{
	posix_spawn_file_actions_t fa;
	int p[2], status = 0;
	pid_t pid;
	size_t got = 0;
	time_t deadline = time(NULL) + timeout_s;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		snprintf(out, outlen, "%s: not installed\n", argv[0]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = read(p[0], out + got, outlen - 1 - got);
		pid_t w;

		if (n > 0) {
			got += (size_t)n;
			if (got >= outlen - 1)
				got = outlen - 1;
			out[got] = '\0';
			continue;
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (time(NULL) > deadline || (interruptible && demo_signalled)) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		struct timespec nap = { 0, 20 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
	/* drain what is left */
	for (;;) {
		ssize_t n = read(p[0], out + got, outlen - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(p[0]);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last non-empty line of s matching needle (or the last line). */
static void summary_of(const char *s, const char *needle, char *out, size_t len)
{
	const char *best = NULL, *p = s;

	out[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l && (!needle || memmem(p, l, needle, strlen(needle))))
			best = p;
		p += l + (nl ? 1 : 0);
	}
	if (!best)
		return;
	size_t l = strcspn(best, "\n");
	if (l >= len)
		l = len - 1;
	memcpy(out, best, l);
	out[l] = '\0';
}

struct step {
	const char *title;
	const char *argv[16];
	const char *needle;      /* line to show from the output */
	const char *expect;      /* substring that must appear for success */
};

int tool_cmd_demo(int argc, char **argv)
{
	char why[256], ns[32], tap[16], hosts[64], err[512];
	char out[16384], sum[256];
	struct up_opts o;
	struct up *u = NULL;
	struct sigaction sa;
	int status, failures = 0;
	char *ipargv[8];

	if (argc > 1 && !strcmp(argv[1], "--check-privileges"))
		return have_net_admin(why, sizeof(why)) ? 0 : (fprintf(stderr, "tapring demo: %s\n", why), 1);
	if (argc > 1) {
		fprintf(stderr, "tapring demo: takes no arguments (got '%s')\n", argv[1]);
		return 2;
	}
	if (!have_net_admin(why, sizeof(why))) {
		fprintf(stderr, "tapring demo: %s\n", why);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	snprintf(ns, sizeof(ns), "trdemo%d", (int)getpid());
	snprintf(tap, sizeof(tap), "trd%d", (int)getpid() % 1000000);
	snprintf(hosts, sizeof(hosts), "/tmp/tapring-demo-hosts.%d", (int)getpid());
	FILE *hf = fopen(hosts, "w");
	if (!hf) {
		fprintf(stderr, "tapring demo: cannot write %s: %s\n", hosts, strerror(errno));
		return 1;
	}
	fprintf(hf, "# tapring demo zone\n10.77.0.10 www.demo.tapring www\nfd77::10 www.demo.tapring\n"
		    "10.77.0.1 ns.demo.tapring\n");
	fclose(hf);

	ipargv[0] = "ip"; ipargv[1] = "netns"; ipargv[2] = "add"; ipargv[3] = ns; ipargv[4] = NULL;
	if (run_capture(ipargv, out, sizeof(out), 10, false) != 0) {
		fprintf(stderr, "tapring demo: cannot create network namespace %s: %s", ns, out);
		unlink(hosts);
		return 1;
	}
	ipargv[0] = "ip"; ipargv[1] = "-n"; ipargv[2] = ns; ipargv[3] = "link"; ipargv[4] = "set";
	ipargv[5] = "lo"; ipargv[6] = "up"; ipargv[7] = NULL;
	run_capture(ipargv, out, sizeof(out), 10, false);

	memset(&o, 0, sizeof(o));
	o.tap = tap;
	o.queues = 1;
	tool_parse_cidr("10.77.0.1/24", &o.addr[o.naddr++], false);
	tool_parse_cidr("fd77::1/64", &o.addr[o.naddr++], false);
	tool_parse_cidr("10.77.0.2/24", &o.host_addr[o.nhost_addr++], true);
	tool_parse_cidr("fd77::2/64", &o.host_addr[o.nhost_addr++], true);
	tool_parse_mac("02:74:72:00:00:01", o.mac);
	o.have_mac = true;
	o.netns = ns;
	o.udp_echo = 7;
	o.dns_hosts = hosts;
	o.dns_port = 53;

	printf("tapring demo: namespace %s, TAP %s\n", ns, tap);
	printf("  stack (tapring): 10.77.0.1/24 fd77::1/64 mac 02:74:72:00:00:01, UDP echo :7, DNS :53\n");
	printf("  kernel side    : 10.77.0.2/24 fd77::2/64 (inside %s)\n\n", ns);
	u = up_start(&o, err, sizeof(err), &status);
	if (!u) {
		fprintf(stderr, "tapring demo: %s\n", err);
		failures = 1;
		goto cleanup;
	}

	/* IPv6 addresses are tentative until DAD finishes (about a second). */
	for (int i = 0; i < 40 && !demo_signalled; i++) {
		char *a[] = { "ip", "-n", ns, "-6", "addr", "show", "tentative", NULL };
		run_capture(a, out, sizeof(out), 5, true);
		if (!strstr(out, "fd77::2"))
			break;
		struct timespec nap = { 0, 100 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}

	const struct step steps[] = {
		{ "ping 10.77.0.1 (ICMPv4 echo, replied in place)",
		  { "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "10.77.0.1", NULL },
		  "packets transmitted", " 0% packet loss" },
		{ "ping -6 fd77::1 (ND + ICMPv6 echo)",
		  { "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", "fd77::1", NULL },
		  "packets transmitted", " 0% packet loss" },
		{ "arping 10.77.0.1 (ARP responder)",
		  { "arping", "-c", "3", "-w", "5", "-I", tap, "10.77.0.1", NULL },
		  "packets transmitted", "3 packets received" },
		{ "dig A www.demo.tapring (DNS responder)",
		  { "dig", "@10.77.0.1", "+time=2", "+tries=2", "+short", "www.demo.tapring", "A", NULL },
		  NULL, "10.77.0.10" },
		{ "dig AAAA www.demo.tapring",
		  { "dig", "@fd77::1", "+time=2", "+tries=2", "+short", "www.demo.tapring", "AAAA", NULL },
		  NULL, "fd77::10" },
		{ "dig nosuch.demo.tapring (NXDOMAIN)",
		  { "dig", "@10.77.0.1", "+time=2", "+tries=2", "nosuch.demo.tapring", "A", NULL },
		  "status:", "NXDOMAIN" },
		{ "UDP echo on port 7 (nc -u)",
		  { "sh", "-c", "echo hello-tapring | nc -u -w 2 10.77.0.1 7", NULL },
		  NULL, "hello-tapring" },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !demo_signalled; i++) {
		const char *a[24];
		size_t n = 0;

		a[n++] = "ip";
		a[n++] = "netns";
		a[n++] = "exec";
		a[n++] = ns;
		for (size_t j = 0; steps[i].argv[j]; j++)
			a[n++] = steps[i].argv[j];
		a[n] = NULL;
		int rc = run_capture((char *const *)a, out, sizeof(out), 15, true);
		bool ok = rc == 0 && strstr(out, steps[i].expect) != NULL;
		summary_of(out, steps[i].needle, sum, sizeof(sum));
		printf("%-4s %s\n     %s\n", ok ? "ok" : "FAIL", steps[i].title, sum[0] ? sum : "(no output)");
		if (!ok)
			failures++;
		fflush(stdout);
	}
	if (demo_signalled)
		printf("\ninterrupted: cleaning up\n");

	up_stop(u);
	printf("\nengine stats:\n");
	up_stats_json(u, stdout);
	printf("\n%s: %d of 7 client checks failed\n", failures ? "FAIL" : "ok", failures);
cleanup:
	up_destroy(u);
	ipargv[0] = "ip"; ipargv[1] = "netns"; ipargv[2] = "del"; ipargv[3] = ns; ipargv[4] = NULL;
	run_capture(ipargv, out, sizeof(out), 10, false);
	unlink(hosts);
	return failures || demo_signalled ? 1 : 0;
}
