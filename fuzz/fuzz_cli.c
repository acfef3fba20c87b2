/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The CLI's text parsers (tool/up.c, tool/privs.c), built from the tool's
 * own sources. The first byte picks the parser, the rest is its input:
 *   0  tool_parse_cidr, prefix optional    1  tool_parse_cidr, prefix needed
 *   2  tool_parse_mac                      3  tool_parse_uint (max from byte 1)
 *   4  `tapring up` argv: the rest split at NUL bytes, through up_parse
 *   5  tool_privs_parse ("USER[:GROUP]")
 * Checks beyond "no crash": an accepted CIDR has family 4 or 6 and a prefix
 * within it, and its address prints back to text that parses to the same
 * bytes; an accepted MAC is unicast; an accepted number is within max and
 * prints back to the same digits modulo leading zeros; up_parse returns 0,
 * 1 or 2 and on 0 every field it set stays within its documented range.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/addr.h>
#include <tapring/engine.h>
#include <tapring/tap.h>

#include "../tool/privs.h"
#include "../tool/up.h"
#include "fuzz_tool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
FUZZ_TOOL_INITIALIZE("FUZZ_CLI_VERBOSE")

static void check_cidr(const char *s, bool need)
{
	struct up_cidr c;
	char txt[TR_IPV6_STRLEN];
	uint8_t back[16];

	if (tool_parse_cidr(s, &c, need) != 0)
		return;
	if (c.family == 4) {
		if (c.prefix > 32)
			abort();
		tr_addr_ipv4_fmt(c.addr, txt);
		if (tr_addr_ipv4_parse(txt, back) != 0 || memcmp(back, c.addr, 4))
			abort();
	} else if (c.family == 6) {
		if (c.prefix > 128)
			abort();
		tr_addr_ipv6_fmt(c.addr, txt);
		if (tr_addr_ipv6_parse(txt, back) != 0 || memcmp(back, c.addr, 16))
			abort();
	} else {
		abort();
	}
	if (need && !strchr(s, '/'))
		abort();
}

static void check_up_argv(char *buf, size_t len)
{
	char *argv[64];
	int argc = fuzz_tool_argv(buf, len, "up", argv, 64);
	struct up_opts o;
	int rc = up_parse(argc, argv, &o, "fuzz");
	if (rc < 0 || rc > 2)
		abort();
	if (rc == 0) {
		if (!o.tap || strlen(o.tap) >= TR_TAP_NAME_MAX || o.naddr == 0 ||
		    o.naddr > UP_MAX_ADDRS || o.nhost_addr > UP_MAX_ADDRS || o.queues == 0 ||
		    o.queues > TR_ENGINE_MAX_QUEUES || (o.have_mac && (o.mac[0] & 1)) ||
		    o.snaplen > 262144)
			abort();
		for (unsigned k = 0; k < o.naddr; k++)
			if (o.addr[k].prefix > (o.addr[k].family == 4 ? 32 : 128))
				abort();
		/* --cpus: none, or at least one CPU per queue, each a CPU
		 * this process may use */
		fuzz_tool_check_cpus(o.cpus, o.ncpus, UP_MAX_CPUS, o.queues);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	unsigned long v, max;
	uint8_t mac[6];

	s = fuzz_tool_text(data, size);
	if (!s)
		return 0;
	switch (data[0] % 6) {
	case 0:
	case 1:
		check_cidr(s, data[0] % 6 == 1);
		break;
	case 2:
		if (tool_parse_mac(s, mac) == 0 && (mac[0] & 1))
			abort();
		break;
	case 3:
		max = size > 1 ? (unsigned long)data[1] << (data[1] % 48) : 0;
		if (tool_parse_uint(size > 1 ? s + 1 : s, max, &v) == 0) {
			char back[32];
			const char *p = size > 1 ? s + 1 : s;

			while (*p == '0' && p[1])
				p++;
			snprintf(back, sizeof(back), "%lu", v);
			if (v > max || strcmp(back, p))
				abort();
		}
		break;
	case 4:
		check_up_argv(s, size - 1);
		break;
	case 5: {
		struct tool_privs pv;
		char err[256];

		if (tool_privs_parse(s, &pv, err, sizeof(err)) == 0 &&
		    (pv.ngroups < 1 || pv.ngroups > TOOL_PRIVS_MAX_GROUPS))
			abort();
		break;
	}
	}
	free(s);
	return 0;
}
