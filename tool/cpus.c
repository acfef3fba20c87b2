/* SPDX-License-Identifier: BSD-2-Clause */
/* tool/cpus.c: the --cpus LIST option (worker placement), shared by the
 * subcommands that start an engine. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "up.h"

/* A cpu-list as in taskset/cpuset(7): "0,1", "1-3", "0,2-3"; or "none". */
int tool_parse_cpus(const char *s, int *out, unsigned max, unsigned *n, char *err, size_t errlen)
{
	cpu_set_t allowed;
	const char *p = s;

	*n = 0;
	if (!strcmp(s, "none"))
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		CPU_ZERO(&allowed);
	while (*p) {
		char *end;
		long a, b;

		if (*p < '0' || *p > '9')
			goto bad;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			goto bad;
		for (long c = a; c <= b; c++) {
			if (!CPU_ISSET((int)c, &allowed)) {
				snprintf(err, errlen, "CPU %ld is not available to this process (see taskset -p $$)", c);
				return -EINVAL;
			}
			if (*n == max) {
				snprintf(err, errlen, "more than %u CPUs listed", max);
				return -EINVAL;
			}
			out[(*n)++] = (int)c;
		}
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	if (*n == 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad CPU list '%s' (expected e.g. 0,1 or 1-3, or none)", s);
	return -EINVAL;
}
