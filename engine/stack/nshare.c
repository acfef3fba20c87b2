/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Neighbour hints shared between workers.
 *
 * Each worker has its own neighbour cache (no locks on the hot path), but
 * with several TAP queues the answer to one worker's ARP request or NS may
 * arrive on another worker. Every worker therefore publishes what it
 * learns from ARP/ND into this small direct-mapped table, and a worker
 * with an unresolved entry looks there (when creating the entry and on
 * each timer tick) before asking the network again.
 *
 * It is a hint cache: a colliding entry is overwritten, a slot being
 * written is skipped, and a hint older than the reachable time is ignored.
 * Each slot is a seqlock that any worker may write: the writer takes the
 * slot by moving seq from even to odd with a CAS (losers just skip), so
 * there is never more than one writer per slot.
 *
 * Ordering (labels as in DPDK's rte_ring_c11_pvt.h):
 *   writer: W0 CAS seq even->odd (relaxed)   W1 release fence
 *           W2 data stores (relaxed)         W3 store seq odd+1 (release)
 *   reader: R0 load seq (acquire)  R1 data loads (relaxed)
 *           R2 acquire fence       R3 load seq (relaxed)
 * R0 pairs with W3: a reader that sees the even value published by W3 sees
 * that writer's data. R2 pairs with W1: a reader whose R1 saw any store of
 * a later W2 also sees that writer's W0 at R3, so it detects the change
 * and discards the torn read.
 */
#include <errno.h>
#include <stdlib.h>

#include "stack_pvt.h"

int tr__nshare_init(struct tr_nshare *t, uint32_t slots)
{
	t->slot = calloc(slots, sizeof(*t->slot));
	if (!t->slot)
		return -ENOMEM;
	t->mask = slots - 1;
	return 0;
}

void tr__nshare_fini(struct tr_nshare *t)
{
	free(t->slot);
	t->slot = NULL;
}

static uint32_t nshare_hash(const uint8_t ip[16])
{
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ ip[i]) * 16777619u;
	return h ^ (h >> 13);
}

/* The key: 16 address bytes (IPv4 in the first 4, rest zero) + family. */
static void nshare_key(uint64_t k[2], int family, const uint8_t *ip)
{
	uint8_t a[16] = { 0 };
	memcpy(a, ip, family == 4 ? 4 : 16);
	memcpy(k, a, 16);
	k[1] ^= (uint64_t)family << 56;  /* v4 keys have zero upper bytes */
}

void tr__nshare_publish(struct tr_nshare *t, int family, const uint8_t *ip, const uint8_t mac[6],
			uint64_t now)
{
	uint64_t k[2];
	nshare_key(k, family, ip);
	struct tr_nshare_slot *sl = &t->slot[nshare_hash((const uint8_t *)k) & t->mask];
	/* relaxed: only an even value we may take over matters; the CAS
	 * below decides ownership. */
	uint32_t seq = atomic_load_explicit(&sl->seq, memory_order_relaxed);
	if (seq & 1)
		return;  /* another worker is writing this slot: a hint can be lost */
	/* W0: take the slot. Relaxed: W1 orders it before the data stores. */
	if (!atomic_compare_exchange_strong_explicit(&sl->seq, &seq, seq + 1,
						     memory_order_relaxed, memory_order_relaxed))
		return;
	/* W1: pairs with the reader's acquire fence R2. */
	atomic_thread_fence(memory_order_release);
	uint64_t m = 0;
	memcpy(&m, mac, 6);
	/* W2: relaxed, published by W3. */
	atomic_store_explicit(&sl->k0, k[0], memory_order_relaxed);
	atomic_store_explicit(&sl->k1, k[1], memory_order_relaxed);
	atomic_store_explicit(&sl->mac, m | (1ull << 63), memory_order_relaxed);
	atomic_store_explicit(&sl->t, now, memory_order_relaxed);
	/* W3: pairs with the reader's acquire load R0. */
	atomic_store_explicit(&sl->seq, seq + 2, memory_order_release);
}

bool tr__nshare_lookup(struct tr_nshare *t, int family, const uint8_t *ip, uint64_t now,
		       uint64_t max_age, uint8_t mac[6], uint64_t *learned)
{
	uint64_t k[2];
	nshare_key(k, family, ip);
	struct tr_nshare_slot *sl = &t->slot[nshare_hash((const uint8_t *)k) & t->mask];
	/* R0: pairs with W3. */
	uint32_t s1 = atomic_load_explicit(&sl->seq, memory_order_acquire);
	if (s1 & 1)
		return false;
	/* R1: relaxed, validated by R3. */
	uint64_t k0 = atomic_load_explicit(&sl->k0, memory_order_relaxed);
	uint64_t k1 = atomic_load_explicit(&sl->k1, memory_order_relaxed);
	uint64_t m = atomic_load_explicit(&sl->mac, memory_order_relaxed);
	uint64_t ts = atomic_load_explicit(&sl->t, memory_order_relaxed);
	/* R2: pairs with W1. */
	atomic_thread_fence(memory_order_acquire);
	/* R3: relaxed, ordered by R2. */
	if (atomic_load_explicit(&sl->seq, memory_order_relaxed) != s1)
		return false;
	if (!(m >> 63) || k0 != k[0] || k1 != k[1])
		return false;
	if (now > ts && now - ts >= max_age)
		return false;
	memcpy(mac, &m, 6);
	*learned = ts;
	return true;
}
