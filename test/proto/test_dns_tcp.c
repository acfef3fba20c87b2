/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS over TCP framing (RFC 1035 §4.2.2): "incomplete" (-EAGAIN) kept apart
 * from "malformed" (-EINVAL) at every split point, two messages in one
 * segment, byte-at-a-time feeding through the accumulating stream, buffer
 * compaction and overflow.
 */
#include <tapring/dns.h>

#include "helpers.h"
#include "vectors.h"

static void test_frame(void)
{
	uint8_t s[2 + sizeof(v_dns_query_a) + 2 + sizeof(v_dns_resp_cname_a)];
	size_t a = sizeof(v_dns_query_a), b = sizeof(v_dns_resp_cname_a);
	s[0] = 0, s[1] = (uint8_t)a;
	memcpy(s + 2, v_dns_query_a, a);
	s[2 + a] = 0, s[3 + a] = (uint8_t)b;
	memcpy(s + 4 + a, v_dns_resp_cname_a, b);

	const uint8_t *msg;
	size_t ml;
	const char *why;
	/* Every strict prefix of the first message is incomplete, never malformed. */
	int again = 0;
	for (size_t n = 0; n < 2 + a; n++) {
		uint8_t *g = t_guard_copy(s, n);
		why = NULL;
		again += tr_dns_tcp_frame(g, n, &msg, &ml, &why) == -EAGAIN;
		t_guard_free(g, n);
	}
	T_CHECK_EQ(again, (int)(2 + a));
	uint8_t *g = t_guard_copy(s, sizeof(s));
	T_CHECK_EQ(tr_dns_tcp_frame(g, sizeof(s), &msg, &ml, NULL), (int)(2 + a));
	T_CHECK_EQ(ml, a);
	T_CHECK(memcmp(msg, v_dns_query_a, a) == 0);
	T_CHECK_EQ(tr_dns_tcp_frame(g + 2 + a, sizeof(s) - 2 - a, &msg, &ml, NULL), (int)(2 + b));
	T_CHECK_EQ(ml, b);
	t_guard_free(g, sizeof(s));

	/* A length below the DNS header size is malformed, even before the
	 * body arrives. */
	for (unsigned l = 0; l < 12; l++) {
		uint8_t p[2] = { 0, (uint8_t)l };
		why = NULL;
		T_CHECK_EQ(tr_dns_tcp_frame(p, 2, &msg, &ml, &why), -EINVAL);
		T_CHECK_STR(why, "dns-tcp: message length < 12");
	}
	uint8_t big[2] = { 0xff, 0xff };
	T_CHECK_EQ(tr_dns_tcp_frame(big, 2, &msg, &ml, NULL), -EAGAIN);
}

static void test_stream(void)
{
	static uint8_t sb[70000];
	struct tr_dns_stream st;
	tr_dns_stream_init(&st, sb, sizeof(sb));
	uint8_t wire[2 + sizeof(v_dns_resp_mx)];
	wire[0] = 0, wire[1] = sizeof(v_dns_resp_mx);
	memcpy(wire + 2, v_dns_resp_mx, sizeof(v_dns_resp_mx));
	const uint8_t *msg;
	size_t ml;
	/* Three messages, fed one byte at a time. */
	int got = 0, again = 0, other = 0;
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < sizeof(wire); i++) {
			T_ASSERT(tr_dns_stream_feed(&st, wire + i, 1) == 1);
			int rc = tr_dns_stream_next(&st, &msg, &ml, NULL);
			if (rc == 1 && ml == sizeof(v_dns_resp_mx) && memcmp(msg, v_dns_resp_mx, ml) == 0)
				got++;
			else if (rc == -EAGAIN)
				again++;
			else
				other++;
		}
	T_CHECK_EQ(got, 3);
	T_CHECK_EQ(again, 3 * ((int)sizeof(wire) - 1));
	T_CHECK_EQ(other, 0);
	T_CHECK_EQ(st.have, 0);

	/* Small buffer: compaction lets a stream of messages through; a
	 * message bigger than the buffer reports -ENOSPC. */
	uint8_t small[2 * sizeof(wire) - 1];
	tr_dns_stream_init(&st, small, sizeof(small));
	got = 0;
	for (int k = 0; k < 10; k++) {
		T_ASSERT(tr_dns_stream_feed(&st, wire, 10) == 10);
		T_ASSERT(tr_dns_stream_next(&st, &msg, &ml, NULL) == -EAGAIN);
		T_ASSERT(tr_dns_stream_feed(&st, wire + 10, sizeof(wire) - 10) == (int)sizeof(wire) - 10);
		T_ASSERT(tr_dns_stream_feed(&st, wire, 5) == 5);   /* start of the next one */
		if (tr_dns_stream_next(&st, &msg, &ml, NULL) == 1 && ml == sizeof(v_dns_resp_mx))
			got++;
		T_ASSERT(tr_dns_stream_feed(&st, wire + 5, sizeof(wire) - 5) == (int)sizeof(wire) - 5);
		if (tr_dns_stream_next(&st, &msg, &ml, NULL) == 1 && memcmp(msg, v_dns_resp_mx, ml) == 0)
			got++;
	}
	T_CHECK_EQ(got, 20);
	T_CHECK_EQ(tr_dns_stream_feed(&st, wire, sizeof(small) + 1), -ENOSPC);

	/* Malformed prefix stays malformed. */
	tr_dns_stream_init(&st, sb, sizeof(sb));
	uint8_t bad[4] = { 0, 3, 1, 2 };
	tr_dns_stream_feed(&st, bad, sizeof(bad));
	const char *why = NULL;
	T_CHECK_EQ(tr_dns_stream_next(&st, &msg, &ml, &why), -EINVAL);
	T_CHECK_STR(why, "dns-tcp: message length < 12");
}

int main(void)
{
	test_frame();
	test_stream();
	return t_done();
}
