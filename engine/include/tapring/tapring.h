/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Umbrella header: everything an embedding program needs.
 *   #include <tapring/tapring.h>
 * Link with `pkg-config --cflags --libs tapring`.
 */
#ifndef TAPRING_TAPRING_H
#define TAPRING_TAPRING_H

/* codecs (pure, no I/O) */
#include <tapring/wire/common.h>
#include <tapring/checksum.h>

/* engine */
#include <tapring/engine.h>

#endif /* TAPRING_TAPRING_H */
