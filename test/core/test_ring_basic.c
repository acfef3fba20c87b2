/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Single-threaded ring semantics, for both flavours: create errors,
 * capacity == count, burst (partial) vs bulk (all or nothing), full and
 * empty edges, FIFO order, indices wrapping past UINT32_MAX, switching
 * between _spsc and _mpmc on a quiescent ring, and tr_ring_valid().
 */
#include <errno.h>

#include <tapring/ring.h>

#include "helpers.h"
#include "../../engine/ring_pvt.h"   /* tr__ring_set_index (static library only) */

typedef unsigned (*ring_fn)(struct tr_ring *, void **, unsigned);

struct flavour {
	const char *name;
	unsigned (*enq_burst)(struct tr_ring *, void *const *, unsigned);
	unsigned (*enq_bulk)(struct tr_ring *, void *const *, unsigned);
	unsigned (*deq_burst)(struct tr_ring *, void **, unsigned);
	unsigned (*deq_bulk)(struct tr_ring *, void **, unsigned);
};

static unsigned eb_sp(struct tr_ring *r, void *const *o, unsigned n) { return tr_ring_enqueue_burst_spsc(r, o, n); }
static unsigned ek_sp(struct tr_ring *r, void *const *o, unsigned n) { return tr_ring_enqueue_bulk_spsc(r, o, n); }
static unsigned db_sp(struct tr_ring *r, void **o, unsigned n) { return tr_ring_dequeue_burst_spsc(r, o, n); }
static unsigned dk_sp(struct tr_ring *r, void **o, unsigned n) { return tr_ring_dequeue_bulk_spsc(r, o, n); }
static unsigned eb_mp(struct tr_ring *r, void *const *o, unsigned n) { return tr_ring_enqueue_burst_mpmc(r, o, n); }
static unsigned ek_mp(struct tr_ring *r, void *const *o, unsigned n) { return tr_ring_enqueue_bulk_mpmc(r, o, n); }
static unsigned db_mp(struct tr_ring *r, void **o, unsigned n) { return tr_ring_dequeue_burst_mpmc(r, o, n); }
static unsigned dk_mp(struct tr_ring *r, void **o, unsigned n) { return tr_ring_dequeue_bulk_mpmc(r, o, n); }

static const struct flavour flavours[] = {
	{ "spsc", eb_sp, ek_sp, db_sp, dk_sp },
	{ "mpmc", eb_mp, ek_mp, db_mp, dk_mp },
};

#define V(x) ((void *)(uintptr_t)(x))

static void test_create_errors(void)
{
	int err = 0;
	T_CHECK(tr_ring_create(0, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);
	err = 0;
	T_CHECK(tr_ring_create(12, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);
	err = 0;
	T_CHECK(tr_ring_create(UINT32_MAX, &err) == NULL);
	T_CHECK_EQ(err, -EINVAL);
	T_CHECK_EQ(tr_ring_memsize(3), 0);
	T_CHECK(tr_ring_memsize(8) >= sizeof(struct tr_ring) + 8 * sizeof(void *));

	struct tr_ring *r = tr_ring_create(1, &err);
	T_ASSERT(r != NULL);
	T_CHECK_EQ(err, 0);
	T_CHECK_EQ(tr_ring_capacity(r), 1);
	T_CHECK(((uintptr_t)r & (TR_RING_ALIGN - 1)) == 0);
	void *o = V(7), *out = NULL;
	T_CHECK_EQ(tr_ring_enqueue_burst_spsc(r, &o, 1), 1);
	T_CHECK_EQ(tr_ring_enqueue_burst_spsc(r, &o, 1), 0);
	T_CHECK_EQ(tr_ring_dequeue_bulk_spsc(r, &out, 1), 1);
	T_CHECK(out == V(7));
	tr_ring_destroy(r);
	tr_ring_destroy(NULL);

	/* caller memory */
	size_t sz = tr_ring_memsize(16);
	struct tr_ring *m = aligned_alloc(TR_RING_ALIGN, sz);
	T_ASSERT(m != NULL);
	T_CHECK_EQ(tr_ring_init(m, 16), 0);
	T_CHECK_EQ(tr_ring_capacity(m), 16);
	T_CHECK_EQ(tr_ring_init((struct tr_ring *)((char *)m + 64), 16), -EINVAL);
	T_CHECK_EQ(tr_ring_init(m, 17), -EINVAL);
	free(m);
}

/* Fill, overfill, drain, over-drain; burst and bulk edges; FIFO values. */
static void test_edges(const struct flavour *f, uint32_t start)
{
	enum { N = 16 };
	int err;
	struct tr_ring *r = tr_ring_create(N, &err);
	T_ASSERT(r != NULL);
	T_CHECK_EQ(tr__ring_set_index(r, start), 0);
	void *in[2 * N], *out[2 * N];
	for (unsigned i = 0; i < 2 * N; i++)
		in[i] = V(1000 + i);
	uintptr_t next_in = 0, next_out = 0;

	for (int round = 0; round < 5; round++) {
		T_CHECK_EQ(tr_ring_count(r), 0);
		T_CHECK_EQ(tr_ring_free_count(r), N);
		/* empty: both dequeues return 0 and leave out[] alone */
		out[0] = V(0xdead);
		T_CHECK_EQ(f->deq_burst(r, out, 4), 0);
		T_CHECK_EQ(f->deq_bulk(r, out, 1), 0);
		T_CHECK(out[0] == V(0xdead));
		/* bulk larger than capacity: nothing */
		T_CHECK_EQ(f->enq_bulk(r, in, N + 1), 0);
		T_CHECK_EQ(tr_ring_count(r), 0);
		/* 5 + 7 via bulk, then bulk 5 must fail (only 4 free), burst 5 moves 4 */
		void *src[N + 4];
		for (unsigned i = 0; i < N + 4; i++)
			src[i] = V(next_in + i);
		T_CHECK_EQ(f->enq_bulk(r, src, 5), 5);
		T_CHECK_EQ(f->enq_bulk(r, src + 5, 7), 7);
		T_CHECK_EQ(tr_ring_count(r), 12);
		T_CHECK_EQ(f->enq_bulk(r, src + 12, 5), 0);
		T_CHECK_EQ(tr_ring_count(r), 12);
		T_CHECK_EQ(f->enq_burst(r, src + 12, 5), 4);
		T_CHECK_EQ(tr_ring_count(r), N);
		T_CHECK_EQ(tr_ring_free_count(r), 0);
		/* full: burst 0, bulk 0 */
		T_CHECK_EQ(f->enq_burst(r, src, 1), 0);
		T_CHECK_EQ(f->enq_bulk(r, src, 1), 0);
		next_in += N;
		/* bulk dequeue more than present: nothing; then 3, then burst 20 -> 13 */
		T_CHECK_EQ(f->deq_bulk(r, out, N + 1), 0);
		T_CHECK_EQ(f->deq_bulk(r, out, 3), 3);
		T_CHECK_EQ(f->deq_burst(r, out + 3, 20), N - 3);
		int order_ok = 1;
		for (unsigned i = 0; i < N; i++)
			order_ok &= out[i] == V(next_out + i);
		T_CHECK(order_ok);
		next_out += N;
		T_CHECK(tr_ring_valid(r));
		/* a zero-length call is a no-op */
		T_CHECK_EQ(f->enq_burst(r, src, 0), 0);
		T_CHECK_EQ(f->deq_burst(r, out, 0), 0);
		/* odd-sized chunks so that copies straddle the array end */
		unsigned moved_in = 0, moved_out = 0;
		for (unsigned k = 1; k <= 9; k++) {
			void *tmp[9];
			for (unsigned i = 0; i < k; i++)
				tmp[i] = V(next_in + moved_in + i);
			moved_in += f->enq_burst(r, tmp, k);
			unsigned got = f->deq_burst(r, out, k > 2 ? k - 2 : k);
			for (unsigned i = 0; i < got; i++)
				order_ok &= out[i] == V(next_out + moved_out + i);
			moved_out += got;
		}
		while (moved_out < moved_in) {
			unsigned got = f->deq_burst(r, out, 3);
			if (!got)
				break;
			for (unsigned i = 0; i < got; i++)
				order_ok &= out[i] == V(next_out + moved_out + i);
			moved_out += got;
		}
		T_CHECK(order_ok);
		T_CHECK_EQ(moved_out, moved_in);
		next_in += moved_in;
		next_out += moved_out;
	}
	T_CHECK(tr_ring_valid(r));
	/* the indices really wrapped when started near the top */
	if (start > UINT32_MAX - 1000)
		T_CHECK(atomic_load_explicit(&r->tr__prod.tail, memory_order_relaxed) < 1000);
	/* set_index refuses a non-empty ring */
	void *one = V(1);
	T_CHECK_EQ(f->enq_burst(r, &one, 1), 1);
	T_CHECK_EQ(tr__ring_set_index(r, 5), -EBUSY);
	tr_ring_destroy(r);
}

/* Switching flavour on a quiescent ring (e.g. pool filled spsc at create,
 * then used mpmc) keeps the contents and never overfills. */
static void test_switch(void)
{
	int err;
	struct tr_ring *r = tr_ring_create(8, &err);
	T_ASSERT(r != NULL);
	T_CHECK_EQ(tr__ring_set_index(r, UINT32_MAX - 20), 0);
	void *in[8], *out[8];
	for (unsigned i = 0; i < 8; i++)
		in[i] = V(i + 1);
	for (int round = 0; round < 40; round++) {
		/* mpmc moves the indices far beyond the spsc private copies */
		T_CHECK_EQ(tr_ring_enqueue_bulk_mpmc(r, in, 8), 8);
		T_CHECK_EQ(tr_ring_dequeue_bulk_mpmc(r, out, 8), 8);
		T_CHECK_EQ(tr_ring_enqueue_bulk_mpmc(r, in, 5), 5);
		/* spsc must see exactly 3 free and 5 present */
		T_CHECK_EQ(tr_ring_enqueue_burst_spsc(r, in, 8), 3);
		T_CHECK_EQ(tr_ring_enqueue_burst_spsc(r, in, 1), 0);
		T_CHECK_EQ(tr_ring_dequeue_burst_spsc(r, out, 8), 8);
		T_CHECK(out[0] == V(1) && out[4] == V(5) && out[5] == V(1) && out[7] == V(3));
		T_CHECK_EQ(tr_ring_dequeue_burst_spsc(r, out, 8), 0);
		T_CHECK(tr_ring_valid(r));
	}
	tr_ring_destroy(r);
}

/* tr_ring_valid() catches a broken invariant. */
static void test_valid_detects(void)
{
	int err;
	struct tr_ring *r = tr_ring_create(4, &err);
	T_ASSERT(r != NULL);
	T_CHECK(tr_ring_valid(r));
	atomic_store_explicit(&r->tr__prod.head, 9, memory_order_relaxed); /* > tail + size */
	atomic_store_explicit(&r->tr__prod.tail, 9, memory_order_relaxed);
	T_CHECK(!tr_ring_valid(r));
	atomic_store_explicit(&r->tr__prod.head, 3, memory_order_relaxed);
	atomic_store_explicit(&r->tr__prod.tail, 4, memory_order_relaxed); /* tail > head */
	T_CHECK(!tr_ring_valid(r));
	tr_ring_destroy(r);
}

int main(void)
{
	test_create_errors();
	const uint32_t starts[] = { 0, 12345, UINT32_MAX - 40, UINT32_MAX - 3, UINT32_MAX };
	for (unsigned f = 0; f < 2; f++)
		for (unsigned s = 0; s < sizeof(starts) / sizeof(starts[0]); s++)
			test_edges(&flavours[f], starts[s]);
	test_switch();
	test_valid_detects();
	return t_done();
}
