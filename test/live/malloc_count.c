/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for malloc_live: counts the allocator calls of a whole
 * process (every thread) inside a window the test controls.
 *
 * TR_MALLOC_CTL=PATH names a file of at least 4096 bytes that the shim maps
 * shared at load time (constructor). Layout, native-endian uint64_t words:
 *   [0] armed: counting happens only while it is non-zero (the test flips it)
 *   [1] malloc  [2] calloc  [3] realloc  [4] free (non-NULL pointers)
 *   [5] posix_memalign / aligned_alloc / memalign / valloc / pvalloc
 *   [6] calls seen while disarmed (any kind): proof the shim is in the path
 *       even when the window is closed
 * No signals and no threads of its own, so the engine's signal handling is
 * untouched. Every call forwards to glibc's __libc_* entry points (no dlsym,
 * which could allocate while resolving).
 *
 * Not built in sanitizer configurations: the ASan/TSan runtimes intercept
 * the allocator themselves and must come first in the library list.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t sz);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

enum { W_ARMED, W_MALLOC, W_CALLOC, W_REALLOC, W_FREE, W_ALIGNED, W_IDLE, W_N };

static _Atomic uint64_t *ctl;   /* NULL until the constructor has mapped the file */

__attribute__((constructor)) static void mc_init(void)
{
	const char *path = getenv("TR_MALLOC_CTL");
	if (!path)
		return;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p != MAP_FAILED)
		ctl = p;   /* before main(): no other thread exists yet */
}

static inline void mc_count(int w)
{
	_Atomic uint64_t *c = ctl;
	if (!c)
		return;
	/* Relaxed load of the armed word: pairs with the test process's plain
	 * store through its own mapping of the file (another process, so no
	 * C11 pairing is possible; the window is made well defined by the
	 * test, which arms before and disarms after the traffic, with a
	 * settle time either side). Relaxed adds: independent counters, read
	 * by the test only after disarming. */
	if (atomic_load_explicit(&c[W_ARMED], memory_order_relaxed))
		atomic_fetch_add_explicit(&c[w], 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&c[W_IDLE], 1, memory_order_relaxed);
}

void *malloc(size_t n)
{
	mc_count(W_MALLOC);
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t sz)
{
	mc_count(W_CALLOC);
	return __libc_calloc(n, sz);
}

void *realloc(void *p, size_t n)
{
	mc_count(W_REALLOC);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		mc_count(W_FREE);
	__libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	mc_count(W_ALIGNED);
	if (align < sizeof(void *) || (align & (align - 1)))
		return 22; /* EINVAL */
	void *p = __libc_memalign(align, n);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	mc_count(W_ALIGNED);
	return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
	mc_count(W_ALIGNED);
	return __libc_memalign(align, n);
}

void *valloc(size_t n)
{
	mc_count(W_ALIGNED);
	return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	mc_count(W_ALIGNED);
	return __libc_memalign(pg, (n + pg - 1) & ~(pg - 1));
}
