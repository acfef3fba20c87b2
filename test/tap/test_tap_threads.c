/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap_threads: link configuration in other namespaces from several threads
 * at once. Each thread drives a device in its own namespace (MTU set and
 * read back) while the main thread keeps configuring a device in the host
 * namespace; the per-call setns switch must never leak into another thread
 * nor leave a thread in a foreign namespace. Needs CAP_NET_ADMIN.
 */
#include <pthread.h>
#include <net/if.h>
#include <tapring/tap.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"   /* helpers.h t_unique_name */
#endif
#include "helpers.h"

#define ITERS 200

struct job {
	struct tr_tap *tap;
	char ns[16];
	int errors;
};

static int same_ns(const char *want)
{
	char now[64] = "";
	if (readlink("/proc/thread-self/ns/net", now, sizeof(now) - 1) <= 0)
		return 0;
	return strcmp(now, want) == 0;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	char start[64] = "";
	if (readlink("/proc/thread-self/ns/net", start, sizeof(start) - 1) <= 0) {
		j->errors++;
		return NULL;
	}
	for (int i = 0; i < ITERS; i++) {
		unsigned want = 1300 + (unsigned)(i % 100), got = 0;
		if (tr_tap_set_mtu(j->tap, want) != 0 || tr_tap_get_mtu(j->tap, &got) != 0 || got != want)
			j->errors++;
		struct tr_tap_link_info li;
		/* by name in the namespace; absent from ours */
		if (tr_tap_link_get(j->ns, tr_tap_name(j->tap), &li) != 0 || li.mtu != want)
			j->errors++;
		if (tr_tap_link_get(NULL, tr_tap_name(j->tap), &li) != -ENODEV)
			j->errors++;
		if (!same_ns(start))
			j->errors++;
	}
	return NULL;
}

int main(void)
{
	t_require_net_admin();
	struct job jobs[2];
	pthread_t th[2];
	char host[16], start[64] = "";
	int err;

	T_ASSERT(readlink("/proc/thread-self/ns/net", start, sizeof(start) - 1) > 0);
	for (int k = 0; k < 2; k++) {
		char name[16];
		memset(&jobs[k], 0, sizeof(jobs[k]));
		t_netns_add(jobs[k].ns);
		t_unique_name("trt", name);
		struct tr_tap_config cfg = TR_TAP_CONFIG_INIT;
		cfg.name = name;
		jobs[k].tap = tr_tap_create(&cfg, &err);
		T_ASSERT(jobs[k].tap != NULL);
		T_ASSERT(tr_tap_move_netns(jobs[k].tap, jobs[k].ns) == 0);
	}
	t_unique_name("trh", host);
	struct tr_tap_config hc = TR_TAP_CONFIG_INIT;
	hc.name = host;
	struct tr_tap *ht = tr_tap_create(&hc, &err);
	T_ASSERT(ht != NULL);

	for (int k = 0; k < 2; k++)
		T_ASSERT(pthread_create(&th[k], NULL, worker, &jobs[k]) == 0);
	int herr = 0;
	for (int i = 0; i < ITERS; i++) {
		unsigned want = 1400 + (unsigned)(i % 50), got = 0;
		if (tr_tap_set_mtu(ht, want) != 0 || tr_tap_get_mtu(ht, &got) != 0 || got != want)
			herr++;
		if (if_nametoindex(host) == 0 || !same_ns(start))
			herr++;
	}
	for (int k = 0; k < 2; k++)
		T_CHECK_EQ(pthread_join(th[k], NULL), 0);
	T_CHECK_EQ(herr, 0);
	for (int k = 0; k < 2; k++) {
		T_CHECK_EQ(jobs[k].errors, 0);
		T_CHECK_EQ(tr_tap_destroy(jobs[k].tap, TR_TAP_DESTROY_DELETE), 0);
	}
	T_CHECK_EQ(tr_tap_destroy(ht, TR_TAP_DESTROY_DEFAULT), 0);
	T_CHECK(if_nametoindex(host) == 0);
	T_CHECK(same_ns(start));
	return t_done();
}
