/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring fwd`: an inline, zero-copy L2 bump in the wire between two TAPs.
 * Every frame read on one port leaves by the other from the same buffer,
 * after the optional prescreen (--filter) and payload rules (--match). The
 * session, stats and main loop are `tapring up`'s (up.c, cmd_up.c); the
 * options are parsed in fwdopt.c.
 */
#include "cmds.h"
#include "up.h"

int tool_cmd_fwd(int argc, char **argv)
{
	struct up_opts o;
	int rc = tool_fwd_parse(argc, argv, &o);

	if (rc)
		return rc == 1 ? 0 : rc;
	return up_run(&o, "tapring fwd");
}
