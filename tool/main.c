/* SPDX-License-Identifier: BSD-2-Clause */
/* tapring: command line front end. Dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

struct tool_subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct tool_subcmd subcmds[] = {
	{ "read", tool_cmd_read, "decode a pcap/pcapng file (-r FILE [-c N] [--json] [FILTER])" },
	{ "tap", tool_cmd_tap, "create, destroy or list TUN/TAP devices" },
	{ "up", tool_cmd_up, "run the stack (ARP, ICMP, ND, UDP echo, DNS) on a TAP" },
	{ "fwd", tool_cmd_fwd, "forward between two TAPs (zero-copy bump in the wire, payload rules)" },
	{ "dump", tool_cmd_dump, "capture from an interface (tcpdump-like; -w FILE)" },
	{ "block", tool_cmd_block, "change a running engine's kernel blocklist (add|del|list --tap NAME)" },
	{ "replay", tool_cmd_replay, "run up's pipeline over a capture file (-r IN -w OUT, no device)" },
	{ "send", tool_cmd_send, "write a capture file's frames to an interface (-i IFACE -r FILE)" },
	{ "demo", tool_cmd_demo, "the live demo: stack in a namespace, real clients" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tapring COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].help);
	fprintf(f, "\n`tapring COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("tapring %s\n", TOOL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (!strcmp(argv[1], subcmds[i].name))
			return subcmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tapring: unknown command '%s' (try tapring --help)\n", argv[1]);
	return 2;
}
