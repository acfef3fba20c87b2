/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Slab pool, single thread: config validation and defaults, region and
 * address arithmetic (bid == id, addr == base + id * buf_size), metadata
 * layout, alloc/free through a cache, exhaustion as backpressure with the
 * alloc_fail counter, reference counts, the 64 KiB class, hugepage
 * fallback, and available() == nbufs once everything is back.
 */
#include <errno.h>

#include <tapring/slab.h>

#include "helpers.h"

static void test_config(void)
{
	int err = 0;
	struct tr_slab_config bad[] = {
		{ .nbufs = 1000 },                               /* not a power of two */
		{ .nbufs = 64, .buf_size = 2000 },               /* not a multiple of 64 */
		{ .nbufs = 64, .buf_size = 2048, .headroom = 2048 }, /* no room for a frame */
		{ .nbufs = 1u << 25 },                           /* too many */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = 0;
		T_CHECK(tr_slab_create(&bad[i], &err) == NULL);
		T_CHECK_EQ(err, -EINVAL);
	}
	/* NULL config: all defaults */
	struct tr_slab *s = tr_slab_create(NULL, &err);
	T_ASSERT(s != NULL);
	T_CHECK_EQ(err, 0);
	T_CHECK_EQ(tr_slab_nbufs(s), TR_SLAB_DEFAULT_NBUFS);
	T_CHECK_EQ(tr_slab_buf_size(s), TR_SLAB_DEFAULT_BUF_SIZE);
	T_CHECK_EQ(tr_slab_headroom(s), TR_SLAB_DEFAULT_HEADROOM);
	T_CHECK(tr_slab_region_size(s) >= (size_t)TR_SLAB_DEFAULT_NBUFS * TR_SLAB_DEFAULT_BUF_SIZE);
	T_CHECK_EQ(tr_slab_available(s), TR_SLAB_DEFAULT_NBUFS);
	tr_slab_destroy(s);
	tr_slab_destroy(NULL);
}

static void test_layout(uint32_t buf_size, bool huge)
{
	int err;
	struct tr_slab_config cfg = { .nbufs = 256, .buf_size = buf_size, .headroom = 192,
				      .hugepages = huge, .max_caches = 2 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	T_ASSERT(s != NULL);
	uint8_t *base = tr_slab_base(s);
	T_CHECK(((uintptr_t)base & 4095) == 0);
	T_CHECK(tr_slab_region_size(s) >= (size_t)256 * buf_size);
	if (tr_slab_hugepages(s))
		T_CHECK((tr_slab_region_size(s) & ((2u << 20) - 1)) == 0);
	int ok = 1;
	for (uint32_t id = 0; id < 256; id++) {
		struct tr_buf *b = tr_slab_buf(s, id);
		ok &= b != NULL && b->id == id;
		ok &= ((uintptr_t)b & 63) == 0;
		ok &= tr_slab_buf_addr(s, id) == base + (size_t)id * buf_size;
		ok &= tr_slab_buf_of(s, tr_slab_buf_addr(s, id)) == b;
		ok &= tr_slab_buf_of(s, tr_slab_buf_addr(s, id) + buf_size - 1) == b;
	}
	T_CHECK(ok);
	T_CHECK(tr_slab_buf(s, 256) == NULL);
	T_CHECK(tr_slab_buf_of(s, base - 1) == NULL);
	T_CHECK(tr_slab_buf_of(s, base + (size_t)256 * buf_size) == NULL);
	/* metadata is a separate array: not inside the data region */
	uintptr_t m = (uintptr_t)tr_slab_buf(s, 0);
	T_CHECK(m + 256 * sizeof(struct tr_buf) <= (uintptr_t)base ||
		m >= (uintptr_t)base + tr_slab_region_size(s));

	struct tr_slab_cache *c = tr_slab_cache_create(s, 32, &err);
	T_ASSERT(c != NULL);
	T_CHECK(tr_slab_cache_slab(c) == s);
	/* a whole frame fits after the headroom and can be written */
	struct tr_buf *b = tr_slab_alloc(c);
	T_ASSERT(b != NULL);
	T_CHECK(b->data == tr_slab_buf_addr(s, b->id) + 192);
	T_CHECK_EQ(b->len, 0);
	T_CHECK_EQ(tr_buf_refcnt(b), 1);
	memset(b->data, 0xab, buf_size - 192);
	b->len = buf_size - 192;
	tr_slab_free_local(c, b);
	T_CHECK_EQ(tr_buf_refcnt(b), 0);
	tr_slab_cache_destroy(c);
	T_CHECK_EQ(tr_slab_available(s), 256);
	tr_slab_destroy(s);
}

static void test_alloc_exhaust(void)
{
	int err;
	struct tr_slab_config cfg = { .nbufs = 128, .max_caches = 2 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	T_ASSERT(s != NULL);
	struct tr_slab_cache *c = tr_slab_cache_create(s, 16, &err);
	T_ASSERT(c != NULL);
	struct tr_slab_cache *c2 = tr_slab_cache_create(s, 16, &err);
	T_ASSERT(c2 != NULL);
	/* max_caches reached */
	err = 0;
	T_CHECK(tr_slab_cache_create(s, 16, &err) == NULL);
	T_CHECK_EQ(err, -ENOSPC);
	err = 0;
	T_CHECK(tr_slab_cache_create(s, 129, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);

	struct tr_buf *bufs[200];
	/* burst larger than the cache capacity still works (chunked) */
	T_CHECK_EQ(tr_slab_alloc_burst(c, bufs, 100), 100);
	/* 28 left; ask for 40: get 28, 12 counted as failures */
	T_CHECK_EQ(tr_slab_alloc_burst(c, bufs + 100, 40), 28);
	T_CHECK(tr_slab_alloc(c) == NULL);
	T_CHECK(tr_slab_alloc(c2) == NULL);
	struct tr_slab_stats st;
	tr_slab_stats(s, &st);
	T_CHECK_EQ(st.alloc_fail, 12 + 1 + 1);
	T_CHECK_EQ(st.allocs, 128);
	T_CHECK_EQ(st.in_use, 128);
	T_CHECK_EQ(st.available, 0);
	T_CHECK_EQ(st.caches, 2);
	T_CHECK_EQ(st.nbufs, 128);
	/* all distinct ids */
	uint8_t seen[128] = { 0 };
	int distinct = 1;
	for (int i = 0; i < 128; i++)
		distinct &= seen[bufs[i]->id]++ == 0;
	T_CHECK(distinct);
	/* free half local, half remote; the cache keeps at most 2 * size */
	tr_slab_free_burst_local(c, bufs, 64);
	for (int i = 64; i < 96; i++)
		tr_slab_free_remote(s, bufs[i]);
	tr_slab_free_burst_remote(s, bufs + 96, 32);
	tr_slab_stats(s, &st);
	T_CHECK_EQ(st.available, 128);
	T_CHECK(st.in_caches <= 32);
	T_CHECK_EQ(st.in_pool + st.in_caches, 128);
	/* alloc again: LIFO, the most recently freed local buffer comes first */
	struct tr_buf *b = tr_slab_alloc(c);
	T_CHECK(b == bufs[63]);
	tr_slab_free_local(c, b);
	/* destroying a cache flushes it and keeps its counters */
	tr_slab_cache_destroy(c);
	tr_slab_cache_destroy(c2);
	tr_slab_stats(s, &st);
	T_CHECK_EQ(st.in_caches, 0);
	T_CHECK_EQ(st.in_pool, 128);
	T_CHECK_EQ(st.caches, 0);
	T_CHECK_EQ(st.alloc_fail, 14);
	T_CHECK_EQ(st.allocs, 129);
	/* a freed slot can be reused */
	c = tr_slab_cache_create(s, 0, &err);
	T_CHECK(c != NULL);
	tr_slab_cache_destroy(c);
	tr_slab_destroy(s);
}

static void test_refcnt(void)
{
	int err;
	struct tr_slab_config cfg = { .nbufs = 64 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	T_ASSERT(s != NULL);
	struct tr_slab_cache *c = tr_slab_cache_create(s, 8, &err);
	T_ASSERT(c != NULL);
	struct tr_buf *b = tr_slab_alloc(c);
	T_ASSERT(b != NULL);
	tr_buf_ref(b);
	tr_buf_ref(b);
	T_CHECK_EQ(tr_buf_refcnt(b), 3);
	T_CHECK_EQ(tr_slab_available(s), 63);
	tr_slab_free_local(c, b);
	tr_slab_free_remote(s, b);
	T_CHECK_EQ(tr_buf_refcnt(b), 1);
	T_CHECK_EQ(tr_slab_available(s), 63);   /* still held */
	tr_slab_free_local(c, b);
	T_CHECK_EQ(tr_buf_refcnt(b), 0);
	T_CHECK_EQ(tr_slab_available(s), 64);
	/* a shared buffer in a burst free is only recycled at its last ref */
	struct tr_buf *v[4];
	T_CHECK_EQ(tr_slab_alloc_burst(c, v, 4), 4);
	tr_buf_ref(v[1]);
	tr_slab_free_burst_local(c, v, 4);
	T_CHECK_EQ(tr_slab_available(s), 63);
	tr_slab_free_burst_remote(s, &v[1], 1);
	T_CHECK_EQ(tr_slab_available(s), 64);
	tr_slab_cache_destroy(c);
	tr_slab_destroy(s);
}

#ifdef TR_DEBUG_POOL
static void test_poison(void)
{
	int err;
	struct tr_slab_config cfg = { .nbufs = 16 };
	struct tr_slab *s = tr_slab_create(&cfg, &err);
	T_ASSERT(s != NULL);
	struct tr_slab_cache *c = tr_slab_cache_create(s, 4, &err);
	T_ASSERT(c != NULL);
	struct tr_buf *b = tr_slab_alloc(c);
	T_ASSERT(b != NULL);
	memset(b->data, 0x11, 100);
	tr_slab_free_local(c, b);
	const uint8_t *p = tr_slab_buf_addr(s, b->id);
	int all = 1;
	for (uint32_t i = 0; i < tr_slab_buf_size(s); i++)
		all &= p[i] == TR_SLAB_POISON;
	T_CHECK(all);
	tr_slab_cache_destroy(c);
	tr_slab_destroy(s);
}
#endif

int main(void)
{
	test_config();
	test_layout(TR_SLAB_DEFAULT_BUF_SIZE, false);
	test_layout(TR_SLAB_BIG_BUF_SIZE, false);
	test_layout(TR_SLAB_DEFAULT_BUF_SIZE, true);  /* falls back if no hugepages */
	test_alloc_exhaust();
	test_refcnt();
#ifdef TR_DEBUG_POOL
	test_poison();
#endif
	return t_done();
}
