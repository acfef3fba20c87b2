/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring block add|del|list --tap NAME [RULE...]`: change or show the
 * kernel blocklist of a running engine through the maps it pinned under
 * /sys/fs/bpf/tapring/NAME/. Every rule is checked before any map is
 * touched, so a bad rule, or a del of a rule that is not there, leaves the
 * maps as they were. A change applies to the next frame the kernel sends.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tapring/ebpf.h>

#include "ebpfopt.h"

#define MAX_LIST (2 * 4096 + 1024)

static const char block_usage[] =
	"usage: tapring block add  --tap NAME RULE...\n"
	"       tapring block del  --tap NAME RULE...\n"
	"       tapring block list --tap NAME\n"
	"  RULE: a source CIDR (10.77.0.128/25, fd77::/64, or one address) or a\n"
	"        destination port, udp/PORT or tcp/PORT\n";

static bool same_rule(const struct tr_block_rule *a, const struct tr_block_rule *b)
{
	return a->kind == b->kind && a->prefix == b->prefix && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

int tool_cmd_block(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tr_block_rule rules[TOOL_MAX_BLOCK];
	const char *tap = NULL, *verb;
	struct tr_block_rule *cur = NULL;
	struct tr_block *b;
	unsigned nrules = 0;
	char msg[512];
	int c, e, n, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(block_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	if (strcmp(verb, "add") && strcmp(verb, "del") && strcmp(verb, "list")) {
		fprintf(stderr, "tapring block: unknown action '%s' (add, del or list)\n", verb);
		return 2;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			tap = optarg;
			break;
		case 'h':
			fputs(block_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "tapring block: option %s needs a value\n", argv[optind]);
			return 2;
		default:
			fprintf(stderr, "tapring block: unknown option '%s'\n", argv[optind]);
			return 2;
		}
	}
	if (!tap) {
		fprintf(stderr, "tapring block: --tap NAME is required\n");
		return 2;
	}
	for (int i = optind + 1; i < argc; i++) {
		if (nrules >= TOOL_MAX_BLOCK) {
			fprintf(stderr, "tapring block: at most %d rules at once\n", TOOL_MAX_BLOCK);
			return 2;
		}
		if (tr_block_rule_parse(argv[i], &rules[nrules], msg, sizeof(msg)) != 0) {
			fprintf(stderr, "tapring block %s: %s; nothing changed\n", verb, msg);
			return 2;
		}
		nrules++;
	}
	if (!strcmp(verb, "list") ? nrules != 0 : nrules == 0) {
		fprintf(stderr, "tapring block %s: %s\n", verb,
			nrules ? "takes no rules" : "give at least one RULE");
		return 2;
	}

	b = tr_block_open(tap, msg, sizeof(msg), &e);
	if (!b) {
		fprintf(stderr, "tapring block %s: %s\n", verb, msg);
		return 1;
	}
	cur = calloc(MAX_LIST, sizeof(*cur));
	n = cur ? tr_block_list(b, cur, MAX_LIST) : -ENOMEM;
	if (n < 0) {
		fprintf(stderr, "tapring block %s: cannot read the rules of %s: %s\n", verb, tap, strerror(-n));
		rc = 1;
		goto out;
	}
	if (n > MAX_LIST)
		n = MAX_LIST;

	if (!strcmp(verb, "list")) {
		uint64_t cnt[TR_BLOCK_NKINDS], total = 0;
		char r[64];

		for (int i = 0; i < n; i++) {
			tr_block_rule_format(&cur[i], r, sizeof(r));
			printf("%s\n", r);
		}
		if ((e = tr_block_stats(b, cnt)) != 0) {
			fprintf(stderr, "tapring block list: cannot read the counters: %s\n", strerror(-e));
			rc = 1;
			goto out;
		}
		for (int k = 0; k < TR_BLOCK_NKINDS; k++)
			total += cnt[k];
		printf("# %d rule%s; blocked %llu (src4 %llu, src6 %llu, udp %llu, tcp %llu)\n",
		       n, n == 1 ? "" : "s", (unsigned long long)total, (unsigned long long)cnt[0],
		       (unsigned long long)cnt[1], (unsigned long long)cnt[2], (unsigned long long)cnt[3]);
		goto out;
	}

	if (!strcmp(verb, "del")) {
		/* all present, or nothing is removed */
		for (unsigned i = 0; i < nrules; i++) {
			bool found = false;
			char r[64];

			for (int j = 0; j < n && !found; j++)
				found = same_rule(&rules[i], &cur[j]);
			if (!found) {
				tr_block_rule_format(&rules[i], r, sizeof(r));
				fprintf(stderr, "tapring block del: %s is not in the blocklist of %s; "
					"nothing changed\n", r, tap);
				rc = 1;
				goto out;
			}
		}
		for (unsigned i = 0; i < nrules; i++)
			if ((e = tr_block_del(b, &rules[i])) != 0 && e != -ENOENT) {
				fprintf(stderr, "tapring block del: %s\n", strerror(-e));
				for (unsigned j = 0; j < i; j++)   /* put back what went */
					(void)tr_block_add(b, &rules[j]);
				rc = 1;
				goto out;
			}
		goto out;
	}

	/* add: roll back this call's new rules if one fails */
	for (unsigned i = 0; i < nrules; i++) {
		if ((e = tr_block_add(b, &rules[i])) != 0) {
			char r[64];

			tr_block_rule_format(&rules[i], r, sizeof(r));
			fprintf(stderr, "tapring block add: %s: %s; nothing changed\n", r,
				e == -ENOSPC ? "the blocklist is full" : strerror(-e));
			for (unsigned j = 0; j < i; j++) {
				bool existed = false;

				for (int k = 0; k < n && !existed; k++)
					existed = same_rule(&rules[j], &cur[k]);
				if (!existed)
					(void)tr_block_del(b, &rules[j]);
			}
			rc = 1;
			goto out;
		}
	}
out:
	free(cur);
	tr_block_close(b, -1);
	return rc;
}
