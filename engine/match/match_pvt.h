/* SPDX-License-Identifier: BSD-2-Clause */
/* engine/match/match_pvt.h: the ruleset behind <tapring/match.h> (private). */
#ifndef TAPRING_MATCH_PVT_H
#define TAPRING_MATCH_PVT_H

#include <hs/hs.h>

#include <tapring/match.h>

struct tr_match_ruleset {
	struct tr_match_rule *rules;
	unsigned n;
	char *text;              /* regex strings point in here */
	hs_database_t *db;       /* after tr_match_ruleset_compile; NULL with 0 rules */
};

#endif
