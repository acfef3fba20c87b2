/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Blocklist rule text: what tr_block_rule_parse accepts (with host bits
 * cleared), what it refuses with a message, and the format round trip.
 */
#include <tapring/ebpf.h>

#include "helpers.h"

static void good(const char *in, enum tr_block_kind kind, const char *out)
{
	struct tr_block_rule r, r2;
	char msg[256] = "", txt[80];

	T_CHECK_EQ(tr_block_rule_parse(in, &r, msg, sizeof(msg)), 0);
	T_CHECK_EQ(r.kind, kind);
	tr_block_rule_format(&r, txt, sizeof(txt));
	T_CHECK_STR(txt, out);
	T_CHECK_EQ(tr_block_rule_parse(txt, &r2, msg, sizeof(msg)), 0);
	T_CHECK(memcmp(&r, &r2, sizeof(r)) == 0);
}

static void bad(const char *in)
{
	struct tr_block_rule r;
	char msg[256] = "";

	T_CHECK_EQ(tr_block_rule_parse(in, &r, msg, sizeof(msg)), -EINVAL);
	T_CHECK(msg[0] != '\0');
	printf("refused %-22s %s\n", in, msg);
}

int main(void)
{
	good("10.77.0.128/25", TR_BLOCK_SRC4, "10.77.0.128/25");
	good("10.77.0.129/25", TR_BLOCK_SRC4, "10.77.0.128/25");
	good("10.77.3.4", TR_BLOCK_SRC4, "10.77.3.4/32");
	good("0.0.0.0/0", TR_BLOCK_SRC4, "0.0.0.0/0");
	good("10.77.255.255/12", TR_BLOCK_SRC4, "10.64.0.0/12");
	good("fd77::/64", TR_BLOCK_SRC6, "fd77::/64");
	good("fd77::1:2:3:4/64", TR_BLOCK_SRC6, "fd77::/64");
	good("fd77::ff/121", TR_BLOCK_SRC6, "fd77::80/121");
	good("fd77::5", TR_BLOCK_SRC6, "fd77::5/128");
	good("udp/53", TR_BLOCK_UDP, "udp/53");
	good("tcp/22", TR_BLOCK_TCP, "tcp/22");
	good("udp/65535", TR_BLOCK_UDP, "udp/65535");

	bad("10.77.0.300/33");
	bad("10.77.0.1/33");
	bad("10.77.0.1/");
	bad("10.77.0.1/-1");
	bad("10.77.0.1/+8");
	bad("10.77.0.1/ 8");
	bad("fd77::/129");
	bad("udp/70000");
	bad("udp/0");
	bad("udp/");
	bad("udp/53x");
	bad("udp/+53");
	bad("sctp/5");
	bad("UDP/53");
	bad("");
	bad("/8");
	bad("eth0");
	struct tr_block_rule r;
	T_CHECK_EQ(tr_block_rule_parse(NULL, &r, NULL, 0), -EINVAL);
	T_CHECK_STR(tr_block_kind_name(TR_BLOCK_UDP), "udp");
	return t_done();
}
