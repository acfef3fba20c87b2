/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/fault_pvt.h: fault injection for tests (not part of the public
 * API, not installed).
 *
 * The io_uring paths that handle a write completing with -EAGAIN or with
 * fewer bytes than the frame cannot be provoked on demand: for pollable
 * files (TAP, sockets) io_uring waits for room instead of returning
 * -EAGAIN, and a TAP write is all or nothing. This hook rewrites the
 * results of the next successful write completions on one queue, so tests
 * can drive the retry bound, the give-up and both accounting equations.
 * The frame has really been written each time: a receiver sees it once
 * per attempt.
 *
 * Compiled in only with TR_FAULT_INJECTION (meson -Dfault_injection,
 * on by default in debug and debugoptimized builds, off in release ones),
 * so a release worker's tx completion path has no test switch to load.
 */
#ifndef TAPRING_FAULT_PVT_H
#define TAPRING_FAULT_PVT_H

#include <stdint.h>

#include <tapring/engine.h>

/* Turn the next `eagain` successful write completions of queue q into
 * -EAGAIN (then the next `short_writes` into a result one byte short; the
 * -EAGAIN ones come first). Adds to what is still pending; callable before
 * start or while running, from any thread. 0, -EINVAL, or -EOPNOTSUPP in
 * a build without TR_FAULT_INJECTION. */
int tr__engine_inject_tx_faults(struct tr_engine *e, unsigned q, uint32_t eagain, uint32_t short_writes);

#endif /* TAPRING_FAULT_PVT_H */
