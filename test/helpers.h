/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helpers (t_ prefix). Header-only so every test is one .c file.
 *
 * Exit codes: 0 pass, 1 fail, 77 skip (meson counts 77 as skipped).
 *   T_CHECK(cond)            record a failure (file:line) and continue
 *   T_CHECK_EQ(a, b)         integer equality with both values printed
 *   t_done()                 exit 0 if no check failed, else 1
 *   t_skip(fmt, ...)         print the reason and exit 77
 *   t_guard_buf(len)         a buffer whose last byte is followed by a
 *                            PROT_NONE page, so any over-read faults
 *   t_require_net_admin()    skip unless CAP_NET_ADMIN and /dev/net/tun
 *   t_unique_name(pfx, out)  an interface/netns name unique to this process
 *   t_netns_add(name)        create a namespace; deleted at exit (even on
 *                            failure paths that call exit() or get SIGTERM)
 */
#ifndef TAPRING_TEST_HELPERS_H
#define TAPRING_TEST_HELPERS_H

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int t_failures;
static int t_checks;

#define T_CHECK(cond) do { \
	t_checks++; \
	if (!(cond)) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define T_CHECK_EQ(a, b) do { \
	long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
	t_checks++; \
	if (t_a_ != t_b_) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", \
			__FILE__, __LINE__, #a, #b, t_a_, t_b_); \
	} \
} while (0)

#define T_CHECK_STR(a, b) do { \
	const char *t_a_ = (a), *t_b_ = (b); \
	t_checks++; \
	if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) { \
		t_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", \
			__FILE__, __LINE__, #a, #b, t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} \
} while (0)

/* Fatal precondition: report and exit 1 at once. */
#define T_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fatal: %s\n", __FILE__, __LINE__, #cond); \
		exit(1); \
	} \
} while (0)

static inline int t_done(void)
{
	if (t_checks == 0) {
		fprintf(stderr, "no checks ran: a test that asserts nothing is a defect\n");
		return 1;
	}
	if (t_failures) {
		fprintf(stderr, "%d of %d checks failed\n", t_failures, t_checks);
		return 1;
	}
	printf("%d checks passed\n", t_checks);
	return 0;
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void t_skip(const char *fmt, ...)
{
	va_list ap;
	fputs("SKIP: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(77);
}

/*
 * Guard-page buffers (STYLE.md rule 12): len bytes that end exactly where a
 * PROT_NONE page begins. Free with t_guard_free(p, len).
 */
static inline uint8_t *t_guard_buf(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + pg - 1) / pg;
	if (data_pages == 0)
		data_pages = 1;
	uint8_t *base = mmap(NULL, (data_pages + 1) * pg, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(base != MAP_FAILED);
	T_ASSERT(mprotect(base + data_pages * pg, pg, PROT_NONE) == 0);
	return base + data_pages * pg - len;
}

static inline void t_guard_free(uint8_t *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t end = (uintptr_t)(p + len);
	uintptr_t start = ((uintptr_t)p) & ~(uintptr_t)(pg - 1);
	munmap((void *)start, end - start + pg);
}

/* Copy src into a fresh guard buffer (caller frees with t_guard_free). */
static inline uint8_t *t_guard_copy(const void *src, size_t len)
{
	uint8_t *p = t_guard_buf(len);
	if (len)
		memcpy(p, src, len);
	return p;
}

/* CAP_NET_ADMIN is bit 12 of CapEff in /proc/self/status. */
static inline int t_have_cap(int bit)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> bit) & 1;
}

static inline void t_require_net_admin(void)
{
	if (!t_have_cap(12))
		t_skip("needs CAP_NET_ADMIN (run as root) to create TAP devices and namespaces");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		t_skip("/dev/net/tun is not available: %s", strerror(errno));
}

/*
 * A name unique to this process and call: "<pfx><pid36><n>", at most 15
 * bytes (IFNAMSIZ - 1). pfx should be short (2-4 chars).
 */
static inline void t_unique_name(const char *pfx, char out[16])
{
	static unsigned n;
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char pid36[16];
	unsigned long v = (unsigned long)getpid();
	int i = 0;
	do {
		pid36[i++] = digits[v % 36];
		v /= 36;
	} while (v && i < 8);
	pid36[i] = '\0';
	snprintf(out, 16, "%.4s%.7s%x", pfx, pid36, (n++) & 0xfffu);
}

/* ---- network namespaces, removed at exit and on SIGINT/SIGTERM ---------- */

#define T_MAX_NETNS 8
static char t_netns_names[T_MAX_NETNS][16];
static int t_netns_count;

static inline int t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int t_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc == -1)
		return -1;
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static inline void t_netns_cleanup(void)
{
	for (int i = 0; i < t_netns_count; i++)
		if (t_netns_names[i][0])
			t_sh("ip netns del %s >/dev/null 2>&1", t_netns_names[i]);
	t_netns_count = 0;
}

static inline void t_on_signal(int sig)
{
	t_netns_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline void t_netns_add(char out[16])
{
	static int hooked;
	T_ASSERT(t_netns_count < T_MAX_NETNS);
	t_unique_name("trn", out);
	if (!hooked) {
		atexit(t_netns_cleanup);
		signal(SIGINT, t_on_signal);
		signal(SIGTERM, t_on_signal);
		hooked = 1;
	}
	if (t_sh("ip netns add %s", out) != 0)
		t_skip("cannot create network namespace %s", out);
	memcpy(t_netns_names[t_netns_count++], out, 16);
	t_sh("ip -n %s link set lo up", out);
}

#endif /* TAPRING_TEST_HELPERS_H */
