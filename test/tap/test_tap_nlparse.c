/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_nlparse: the private rtnetlink attribute walker and request builder
 * (engine/netlink_pvt.h) on crafted and random input, each buffer ending at
 * a PROT_NONE page: truncated headers, lengths below the header or past the
 * end stop the walk; every attribute returned lies inside the buffer; the
 * request builder flags overflow instead of writing past its buffer.
 */
#include <linux/if_link.h>
#include "../../engine/netlink_pvt.h"
#include "helpers.h"

static size_t put_attr(uint8_t *b, size_t off, uint16_t len, uint16_t type, uint8_t fill)
{
	memcpy(b + off, &len, 2);
	memcpy(b + off + 2, &type, 2);
	if (len > 4)
		memset(b + off + 4, fill, len - 4u);
	return off + RTA_ALIGN(len);
}

int main(void)
{
	const struct rtattr *tb[8];
	uint8_t raw[256];

	/* well-formed: two attributes, second unaligned length */
	size_t n = put_attr(raw, 0, 8, 1, 0xaa);
	n = put_attr(raw, n, 5, 3, 0xbb);
	uint8_t *g = t_guard_copy(raw, 8 + 5);        /* last one unpadded at the end */
	tr_nl_parse(g, 8 + 5, tb, 7);
	T_CHECK(tb[1] == (const struct rtattr *)g);
	T_CHECK(tb[3] == (const struct rtattr *)(g + 8));
	T_CHECK(tb[2] == NULL);
	uint32_t v32 = 0;
	uint8_t v8 = 0;
	T_CHECK_EQ(tr_nl_get_u32(tb[1], &v32), 1);
	T_CHECK_EQ(v32, 0xaaaaaaaau);
	T_CHECK_EQ(tr_nl_get_u8(tb[3], &v8), 1);
	T_CHECK_EQ(v8, 0xbb);
	T_CHECK_EQ(tr_nl_get_u32(tb[3], &v32), 0);    /* 1-byte payload: no u32 */
	T_CHECK_EQ(tr_nl_get_u32(NULL, &v32), 0);
	t_guard_free(g, 13);

	/* second attribute claims more than remains: walk stops before it */
	n = put_attr(raw, 0, 8, 1, 1);
	put_attr(raw, n, 40, 2, 2);
	g = t_guard_copy(raw, 16);
	tr_nl_parse(g, 16, tb, 7);
	T_CHECK(tb[1] != NULL);
	T_CHECK(tb[2] == NULL);
	t_guard_free(g, 16);

	/* rta_len below the header size (0 and 3): no infinite loop, nothing */
	for (uint16_t bl = 0; bl < 4; bl++) {
		put_attr(raw, 0, bl, 1, 0);
		g = t_guard_copy(raw, 8);
		tr_nl_parse(g, 8, tb, 7);
		T_CHECK(tb[1] == NULL);
		t_guard_free(g, 8);
	}

	/* a tail shorter than an attribute header is ignored */
	n = put_attr(raw, 0, 4, 5, 0);
	g = t_guard_copy(raw, 6);
	tr_nl_parse(g, 6, tb, 7);
	T_CHECK(tb[5] != NULL);
	T_CHECK_EQ(tr_nl_len(tb[5]), 0);
	t_guard_free(g, 6);

	/* types above max are skipped, NLA_F_NESTED is masked off */
	n = put_attr(raw, 0, 8, 200, 0);
	n = put_attr(raw, n, 8, (uint16_t)(6 | NLA_F_NESTED), 0);
	g = t_guard_copy(raw, n);
	tr_nl_parse(g, n, tb, 7);
	T_CHECK(tb[6] != NULL);
	for (int i = 0; i < 6; i++)
		T_CHECK(tb[i] == NULL);
	t_guard_free(g, n);

	/* random streams: every returned attribute lies inside the buffer */
	uint32_t seed = 12345;
	int bad = 0;
	for (int it = 0; it < 20000; it++) {
		size_t len = (size_t)(it % 64);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			raw[i] = (uint8_t)(seed >> 16);
			if (i % 4 == 1 && (seed & 0x300))
				raw[i] = 0;           /* keep lengths small often */
		}
		g = t_guard_copy(raw, len);
		const struct rtattr *rt[IFLA_MAX + 1];
		tr_nl_parse(g, len, rt, IFLA_MAX);
		for (int i = 0; i <= IFLA_MAX; i++) {
			if (!rt[i])
				continue;
			const uint8_t *p = (const uint8_t *)rt[i];
			size_t off = (size_t)(p - g);
			uint16_t rl;
			if (off > len || 4 > len - off) {
				bad++;
				continue;
			}
			memcpy(&rl, p, 2);
			if (rl < 4 || rl > len - off || tr_nl_len(rt[i]) != rl - 4u)
				bad++;
		}
		t_guard_free(g, len);
	}
	T_CHECK_EQ(bad, 0);

	/* request builder: overflow is flagged, never written past the end */
	struct tr_nl_req r;
	struct ifinfomsg ifi = { .ifi_family = 0 };
	tr_nl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	T_CHECK_EQ(r.u.hdr.nlmsg_len, NLMSG_LENGTH(sizeof(ifi)));
	T_CHECK(r.u.hdr.nlmsg_flags & NLM_F_REQUEST);
	tr_nl_put_u32(&r, IFLA_MTU, 1500);
	T_CHECK_EQ(r.u.hdr.nlmsg_len, NLMSG_LENGTH(sizeof(ifi)) + 8);
	size_t nest = tr_nl_nest_start(&r, IFLA_LINKINFO);
	tr_nl_put_str(&r, IFLA_INFO_KIND, "tun");
	tr_nl_nest_end(&r, nest);
	uint16_t nl;
	memcpy(&nl, r.u.bytes + nest, 2);
	T_CHECK_EQ(nl, 4 + 8);
	T_CHECK_EQ(r.overflow, 0);
	uint8_t big[TR_NL_REQ_MAX];
	memset(big, 0, sizeof(big));
	tr_nl_put(&r, IFLA_IFALIAS, big, sizeof(big));
	T_CHECK_EQ(r.overflow, 1);
	struct tr_nl dead = { .fd = -1, .seq = 0 };
	T_CHECK_EQ(tr_nl_call(&dead, &r, NULL, NULL), -EMSGSIZE);
	tr_nl_req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	T_CHECK_EQ(tr_nl_call(&dead, &r, NULL, NULL), -EBADF);

	/* namespace names */
	T_CHECK_EQ(tr_nl_netns_open(""), -EINVAL);
	T_CHECK_EQ(tr_nl_netns_open(".."), -EINVAL);
	T_CHECK_EQ(tr_nl_netns_open(NULL), -EINVAL);
	T_CHECK_EQ(tr_nl_netns_open("no-such-netns-tr"), -ENOENT);
	int fd = tr_nl_netns_open("/proc/self/ns/net");
	T_CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	return t_done();
}
