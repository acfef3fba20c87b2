/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Address text: MAC, IPv4 and IPv6 (RFC 5952 examples and rules), parsers
 * (valid and invalid forms), and random round trips checked against glibc's
 * inet_ntop/inet_pton.
 */
#include <arpa/inet.h>

#include <tapring/addr.h>

#include "helpers.h"

static void v6(const char *in, const char *want)
{
	uint8_t a[16];
	char out[TR_IPV6_STRLEN];
	T_CHECK_EQ(inet_pton(AF_INET6, in, a), 1);
	size_t n = tr_addr_ipv6_fmt(a, out);
	T_CHECK_STR(out, want);
	T_CHECK_EQ(n, strlen(want));
	uint8_t b[16];
	T_CHECK_EQ(tr_addr_ipv6_parse(in, b), 0);
	T_CHECK(memcmp(a, b, 16) == 0);
}

int main(void)
{
	char s[64];
	uint8_t mac[6] = { 0x02, 0xab, 0x00, 0x77, 0xcd, 0xef }, m2[6];
	T_CHECK_EQ(tr_addr_mac_fmt(mac, s), 17);
	T_CHECK_STR(s, "02:ab:00:77:cd:ef");
	T_CHECK_EQ(tr_addr_mac_parse("02:AB:00:77:cd:ef", m2), 0);
	T_CHECK(memcmp(mac, m2, 6) == 0);
	T_CHECK_EQ(tr_addr_mac_parse("02-ab-00-77-cd-ef", m2), 0);
	T_CHECK_EQ(tr_addr_mac_parse("02:ab:00:77:cd", m2), -EINVAL);
	T_CHECK_EQ(tr_addr_mac_parse("02:ab:00:77:cd:ef:", m2), -EINVAL);
	T_CHECK_EQ(tr_addr_mac_parse("02:ab-00:77:cd:ef", m2), -EINVAL);
	T_CHECK_EQ(tr_addr_mac_parse("2:ab:00:77:cd:ef", m2), -EINVAL);
	T_CHECK_EQ(tr_addr_mac_parse("02:ab:00:77:cd:eg", m2), -EINVAL);
	T_CHECK_EQ(tr_addr_mac_parse("", m2), -EINVAL);

	uint8_t a4[4] = { 10, 77, 0, 255 }, b4[4];
	T_CHECK_EQ(tr_addr_ipv4_fmt(a4, s), 11);
	T_CHECK_STR(s, "10.77.0.255");
	T_CHECK_EQ(tr_addr_ipv4_parse("10.77.0.255", b4), 0);
	T_CHECK(memcmp(a4, b4, 4) == 0);
	static const char *bad4[] = { "10.77.0", "10.77.0.256", "10.77.0.1.", "10..0.1", "010.1.1.1",
				      "1.2.3.4 ", "a.b.c.d", "", "1.2.3.1000" };
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++)
		T_CHECK_EQ(tr_addr_ipv4_parse(bad4[i], b4), -EINVAL);
	T_CHECK_EQ(tr_addr_ipv4_parse("0.0.0.0", b4), 0);

	/* RFC 5952 §4 rules. */
	v6("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1");        /* 4.1, 4.2.1 */
	v6("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");                    /* 4.2.2 */
	v6("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");                              /* 4.2.3 longest */
	v6("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");                        /* 4.2.3 first */
	v6("2001:DB8::AAAA", "2001:db8::aaaa");                                 /* 4.3 */
	v6("::", "::");
	v6("::1", "::1");
	v6("1::", "1::");
	v6("fd77::", "fd77::");
	v6("1:0:0:0:0:0:0:0", "1::");
	v6("0:0:0:0:0:0:0:1", "::1");
	v6("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
	v6("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0");
	v6("::ffff:10.77.0.1", "::ffff:10.77.0.1");                             /* 5 */
	v6("::ffff:a4d:1", "::ffff:10.77.0.1");

	static const char *bad6[] = { ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
				      "12345::", "g::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", ":1::", "1:",
				      "1::2:", "::ffff:1.2.3.256", "" };
	uint8_t b6[16];
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		int rc = tr_addr_ipv6_parse(bad6[i], b6);
		if (rc != -EINVAL)
			fprintf(stderr, "accepted bad ipv6 '%s'\n", bad6[i]);
		T_CHECK_EQ(rc, -EINVAL);
	}
	T_CHECK_EQ(tr_addr_ipv6_parse("1:2:3:4:5:6:1.2.3.4", b6), 0);
	T_CHECK_EQ(b6[15], 4);
	T_CHECK_EQ(tr_addr_ipv6_parse("1:2:3:4:5:6:7::", b6), 0);

	/* Random addresses with zero runs: compare with glibc, which follows
	 * RFC 5952 except for its ::a.b.c.d form of ::/96 (skipped here). */
	uint64_t x = 0x243f6a8885a308d3ull;
	int diffs = 0;
	for (int it = 0; it < 20000; it++) {
		uint8_t a[16], back[16];
		for (int i = 0; i < 8; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			unsigned w = (x & 3) ? 0 : (unsigned)(x >> 16) & 0xffff;
			if ((x >> 40) % 5 == 0)
				w = (unsigned)(x >> 24) & 0xf;
			a[2 * i] = (uint8_t)(w >> 8);
			a[2 * i + 1] = (uint8_t)w;
		}
		static const uint8_t z12[12];
		if (memcmp(a, z12, 12) == 0)
			continue;
		char mine[TR_IPV6_STRLEN], ref[INET6_ADDRSTRLEN];
		tr_addr_ipv6_fmt(a, mine);
		inet_ntop(AF_INET6, a, ref, sizeof(ref));
		if (strcmp(mine, ref) != 0) {
			if (diffs++ < 5)
				fprintf(stderr, "fmt %s vs glibc %s\n", mine, ref);
		}
		if (tr_addr_ipv6_parse(mine, back) != 0 || memcmp(a, back, 16) != 0)
			diffs++;
	}
	T_CHECK_EQ(diffs, 0);
	return t_done();
}
