/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error-reason helpers shared by the codecs' parse functions (private,
 * never installed). Two conventions, see the public headers:
 *
 *   L2/L3 (ethernet, arp, ipv4, ipv6): the caller passes a buffer
 *   (err, errlen) that receives a formatted reason; tr__codec_err() writes
 *   it, and does nothing when err is NULL or errlen 0.
 *
 *   L4 and DNS (udp, tcp, icmpv4, icmpv6, dns): a `const char **why`
 *   receives a static string; TR__FAIL(msg) stores it (when why is not
 *   NULL) and returns -EINVAL from the calling function, which must have
 *   a parameter or local named `why`.
 */
#ifndef TAPRING_CODECS_ERR_PVT_H
#define TAPRING_CODECS_ERR_PVT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Internal: format a parse error reason into err[0..errlen). */
__attribute__((format(printf, 3, 4), cold, unused))
static void tr__codec_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Internal: report the static reason msg through `why` and fail. */
#define TR__FAIL(msg) do { if (why) *why = (msg); return -EINVAL; } while (0)

#endif /* TAPRING_CODECS_ERR_PVT_H */
