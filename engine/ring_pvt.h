/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/ring_pvt.h (internal, never installed): test hooks of the rings.
 * Not exported from libtapring.so; tests that use them link the static
 * library.
 */
#ifndef TAPRING_RING_PVT_H
#define TAPRING_RING_PVT_H

#include <stdint.h>

#include <tapring/ring.h>

/* Test-only: set all indices of an EMPTY, quiescent ring to `start`, e.g.
 * UINT32_MAX - 5 to exercise the wraparound. Returns 0, or -EBUSY if the
 * ring is not empty. */
int tr__ring_set_index(struct tr_ring *r, uint32_t start);

#endif /* TAPRING_RING_PVT_H */
