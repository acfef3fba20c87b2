/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error-reason helpers shared by the codecs' parse functions (private,
 * never installed). One convention for every codec (see docs/API.md):
 * a parse function returns 0 or a negative errno, and on failure stores a
 * static reason string ("ipv4: header length < 20") through its last
 * parameter `const char **why`, when that is not NULL. Static strings cost
 * one store on the (cold) error path, cannot be truncated, and need no
 * buffer from the caller.
 */
#ifndef TAPRING_CODECS_ERR_PVT_H
#define TAPRING_CODECS_ERR_PVT_H

#include <errno.h>
#include <stddef.h>

/* Internal: store the static reason msg through why (when not NULL) and
 * return rc, so a failing branch is one line: return tr__why(why, -EINVAL, "...");. */
static inline int tr__why(const char **why, int rc, const char *msg)
{
	if (why)
		*why = msg;
	return rc;
}

/* Internal: report the static reason msg through `why` and fail with
 * -EINVAL; the calling function must have a parameter named `why`. */
#define TR__FAIL(msg) return tr__why(why, -EINVAL, (msg))

/* Internal: a decimal literal of a numeric macro, for static reasons. */
#define TR__STR_(x) #x
#define TR__STR(x) TR__STR_(x)

#endif /* TAPRING_CODECS_ERR_PVT_H */
