/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine/errf_pvt.h (internal, never installed): the one printf-style
 * writer of caller error buffers (char *err, size_t errlen) for the engine
 * and its stages. The filter (tr__bpf_err), eBPF (tr__ebpf_msg) and match
 * modules use it under their own names instead of a vsnprintf wrapper each.
 * (The codecs need none: they report static strings, see err_pvt.h.)
 */
#ifndef TAPRING_ERRF_PVT_H
#define TAPRING_ERRF_PVT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Internal: format into err[0..errlen); nothing when err is NULL or errlen 0. */
__attribute__((format(printf, 3, 4), cold, unused))
static void tr__errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif /* TAPRING_ERRF_PVT_H */
