/* SPDX-License-Identifier: BSD-2-Clause */
/* tool/: the `tapring` command line tool. Uses only the public API. */
#ifndef TAPRING_TOOL_CMDS_H
#define TAPRING_TOOL_CMDS_H

/* Each subcommand gets argv with argv[0] == its own name ("read", "tap"...).
 * Returns the process exit status. Errors print one clear line to stderr,
 * prefixed "tapring <cmd>: ". */
int tool_cmd_read(int argc, char **argv);
int tool_cmd_tap(int argc, char **argv);
int tool_cmd_up(int argc, char **argv);
int tool_cmd_fwd(int argc, char **argv);
int tool_cmd_dump(int argc, char **argv);
int tool_cmd_demo(int argc, char **argv);
int tool_cmd_block(int argc, char **argv);   /* ebpfopt.h, cmd_block.c */
int tool_cmd_send(int argc, char **argv);
int tool_cmd_replay(int argc, char **argv);  /* cmd_replay.c */

#endif
