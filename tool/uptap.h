/* SPDX-License-Identifier: BSD-2-Clause */
/* tool/uptap.h: `tapring up` on an existing persistent (user-owned) TAP. */
#ifndef TAPRING_TOOL_UPTAP_H
#define TAPRING_TOOL_UPTAP_H

#include <stddef.h>

#include <tapring/tap.h>

struct up_opts;

/* Looks o->tap up in the calling namespace. 0: absent, create it (tc
 * unchanged). 1: a persistent TAP to attach to; tc's flags are adjusted
 * (no EXCL, the device's queue mode) and *li describes it. < 0: an error
 * (not a TAP, held by another process, TUN, too many queues) in err. */
int up_tap_plan(const struct up_opts *o, struct tr_tap_config *tc, struct tr_tap_link_info *li,
		char *err, size_t errlen);

/* One line for a failed attach (tr_tap_create's error e): who may attach
 * and which capability would override that. Returns buf. */
const char *up_tap_attach_error(const struct tr_tap_link_info *li, int e, char *buf, size_t len);

/* The kernel side of an attached TAP: moves it (--netns), adds only the
 * --host-addr addresses it lacks, brings it up only if it is down. Each
 * step that needs CAP_NET_ADMIN and fails says so and why. 0 or -errno. */
int up_tap_attach_side(struct tr_tap *tap, const struct up_opts *o, char *err, size_t errlen);

#endif
