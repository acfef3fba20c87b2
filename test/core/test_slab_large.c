/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The slab's large buffer class (tr_slab_config.large_nbufs):
 *  - defaults and validation (large_buf_size 0 = headroom + 12 + 65535
 *    rounded up to 64; not a power of two, not above buf_size: -EINVAL);
 *  - ids follow the small class, addresses lie in the second region,
 *    tr_slab_buf_of / tr_slab_buf_room / tr_slab_buf_size_of for both;
 *  - every free path (local, burst local, remote, burst remote, the last
 *    of several references) returns a large buffer to the large class and
 *    never into a cache, so the small count stays exact;
 *  - exhaustion returns NULL and counts large_alloc_fail;
 *  - two threads allocating and freeing concurrently (also under TSan).
 */
#include <pthread.h>

#include <tapring/slab.h>

#include "helpers.h"

static void test_config(void)
{
	int err;
	struct tr_slab_config c = { .nbufs = 64, .large_nbufs = 8 };
	struct tr_slab *s = tr_slab_create(&c, &err);
	T_ASSERT(s != NULL);
	T_CHECK_EQ(tr_slab_large_nbufs(s), 8);
	T_CHECK_EQ(tr_slab_large_buf_size(s), (128 + 12 + 65535 + 63) & ~63u);
	T_CHECK(tr_slab_large_region_size(s) >= (size_t)8 * tr_slab_large_buf_size(s));
	T_CHECK_EQ(tr_slab_large_available(s), 8);
	T_CHECK_EQ(tr_slab_available(s), 64);
	tr_slab_destroy(s);

	struct tr_slab_config bad[] = {
		{ .nbufs = 64, .large_nbufs = 6 },
		{ .nbufs = 64, .large_nbufs = 8, .large_buf_size = 2048 },     /* not above buf_size */
		{ .nbufs = 64, .large_nbufs = 8, .large_buf_size = 65537 },    /* not a multiple of 64 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = 0;
		T_CHECK(tr_slab_create(&bad[i], &err) == NULL);
		T_CHECK_EQ(err, -EINVAL);
	}
	/* No large class: the large calls answer "none". */
	s = tr_slab_create(&(struct tr_slab_config){ .nbufs = 64 }, &err);
	T_ASSERT(s != NULL);
	T_CHECK(tr_slab_alloc_large(s) == NULL);
	T_CHECK_EQ(tr_slab_large_nbufs(s), 0);
	T_CHECK(tr_slab_large_base(s) == NULL);
	T_CHECK(tr_slab_buf(s, 64) == NULL);
	tr_slab_destroy(s);
}

static void test_layout_and_free_paths(void)
{
	int err;
	struct tr_slab_config c = { .nbufs = 64, .headroom = 128, .large_nbufs = 4,
				    .large_buf_size = 16384 };
	struct tr_slab *s = tr_slab_create(&c, &err);
	T_ASSERT(s != NULL);
	struct tr_slab_cache *cache = tr_slab_cache_create(s, 16, &err);
	T_ASSERT(cache != NULL);

	struct tr_buf *l[5];
	for (int i = 0; i < 4; i++) {
		l[i] = tr_slab_alloc_large(s);
		T_ASSERT(l[i] != NULL);
		T_CHECK(l[i]->id >= 64 && l[i]->id < 68);
		T_CHECK(tr_slab_buf_is_large(s, l[i]));
		T_CHECK_EQ(tr_buf_refcnt(l[i]), 1);
		T_CHECK_EQ(l[i]->len, 0);
		uint8_t *base = tr_slab_buf_addr(s, l[i]->id);
		T_CHECK(base == tr_slab_large_base(s) + (size_t)(l[i]->id - 64) * 16384);
		T_CHECK(l[i]->data == base + 128);
		T_CHECK(tr_slab_buf_of(s, base) == l[i]);
		T_CHECK(tr_slab_buf_of(s, base + 16383) == l[i]);
		T_CHECK(tr_slab_buf(s, l[i]->id) == l[i]);
		T_CHECK_EQ(tr_slab_buf_size_of(s, l[i]), 16384);
		T_CHECK_EQ(tr_slab_buf_room(s, l[i]), 16384 - 128);
		memset(l[i]->data, 0xa5, 16384 - 128);   /* the whole room is writable */
	}
	l[4] = tr_slab_alloc_large(s);
	T_CHECK(l[4] == NULL);
	struct tr_slab_stats st;
	tr_slab_stats(s, &st);
	T_CHECK_EQ(st.large_alloc_fail, 1);
	T_CHECK_EQ(st.large_allocs, 4);
	T_CHECK_EQ(st.large_available, 0);
	T_CHECK_EQ(st.large_nbufs, 4);

	struct tr_buf *sm = tr_slab_alloc(cache);
	T_ASSERT(sm != NULL);
	T_CHECK(!tr_slab_buf_is_large(s, sm));
	T_CHECK_EQ(tr_slab_buf_room(s, sm), 2048 - 128);
	sm->data += 100;
	T_CHECK_EQ(tr_slab_buf_room(s, sm), 2048 - 228);
	T_CHECK(tr_slab_buf_of(s, (uint8_t *)tr_slab_large_base(s) + tr_slab_large_region_size(s)) == NULL);

	/* Every free path sends a large buffer home, never into the cache. */
	tr_slab_free_local(cache, l[0]);
	T_CHECK_EQ(tr_slab_large_available(s), 1);
	tr_slab_free_burst_local(cache, &l[1], 1);
	T_CHECK_EQ(tr_slab_large_available(s), 2);
	tr_slab_free_remote(s, l[2]);
	T_CHECK_EQ(tr_slab_large_available(s), 3);
	tr_buf_ref(l[3]);                       /* two holders */
	tr_slab_free_burst_remote(s, &l[3], 1);
	T_CHECK_EQ(tr_slab_large_available(s), 3);
	struct tr_buf *mix[2] = { sm, l[3] };
	tr_slab_free_burst_local(cache, mix, 2);
	T_CHECK_EQ(tr_slab_large_available(s), 4);
	tr_slab_cache_flush(cache);
	T_CHECK_EQ(tr_slab_available(s), 64);
	tr_slab_stats(s, &st);
	T_CHECK_EQ(st.in_caches, 0);

	/* Reuse after free: a fresh large buffer is reset. */
	struct tr_buf *again = tr_slab_alloc_large(s);
	T_ASSERT(again != NULL);
	T_CHECK_EQ(tr_buf_refcnt(again), 1);
	T_CHECK(again->data == tr_slab_buf_addr(s, again->id) + 128);
	tr_slab_free_remote(s, again);

	tr_slab_cache_destroy(cache);
	T_CHECK_EQ(tr_slab_available(s), 64);
	T_CHECK_EQ(tr_slab_large_available(s), 4);
	tr_slab_destroy(s);
}

#define MT_ROUNDS 20000

struct mt_arg {
	struct tr_slab *s;
	unsigned got;
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	int err;
	struct tr_slab_cache *c = tr_slab_cache_create(a->s, 8, &err);
	if (!c)
		return NULL;
	for (unsigned i = 0; i < MT_ROUNDS; i++) {
		struct tr_buf *b = tr_slab_alloc_large(a->s);
		if (!b)
			continue;
		a->got++;
		b->data[0] = (uint8_t)i;
		b->data[8000] = (uint8_t)i;
		if (i & 1)
			tr_slab_free_local(c, b);
		else
			tr_slab_free_remote(a->s, b);
	}
	tr_slab_cache_destroy(c);
	return NULL;
}

static void test_mt(void)
{
	int err;
	struct tr_slab_config c = { .nbufs = 64, .large_nbufs = 2, .large_buf_size = 16384 };
	struct tr_slab *s = tr_slab_create(&c, &err);
	T_ASSERT(s != NULL);
	pthread_t t[2];
	struct mt_arg a[2] = { { s, 0 }, { s, 0 } };
	for (int i = 0; i < 2; i++)
		T_ASSERT(pthread_create(&t[i], NULL, mt_worker, &a[i]) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	T_CHECK(a[0].got > 0 && a[1].got > 0);
	T_CHECK_EQ(tr_slab_large_available(s), 2);
	T_CHECK_EQ(tr_slab_available(s), 64);
	tr_slab_destroy(s);
}

int main(void)
{
	test_config();
	test_layout_and_free_paths();
	test_mt();
	return t_done();
}
