/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `tapring replay` end to end, built from the tool's own sources: the input
 * is a capture file (pcap or pcapng, any link type, any damage) that goes
 * through libpcap, the replay loop, the manual engine and the whole stack
 * (filter, ARP, IP, ICMP, ND, UDP echo, DNS, reassembly), the replies into
 * a pcap writer. The first byte, when it is not the start of a capture
 * file's magic, picks the options: bit 0 --filter, bit 1 a second --addr.
 * Little-endian pcap and pcapng inputs get their timestamps rewritten 1 ms
 * apart (a huge gap costs up to 10 minutes of 10 ms ticks, the tool's
 * bound but far too slow for fuzzing); other byte orders keep theirs.
 * Checks beyond "no crash": the status is 0, 1 or 2, and after a
 * successful replay the stats hold the accounting equation with nothing
 * held, and frames fed + skipped == frames read.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../tool/cmds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char hosts_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	int fd = memfd_create("fuzz_replay_hosts", 0);
	static const char hosts[] = "10.77.5.5 host.test\nfd77::5 host.test\n";
	if (fd < 0 || write(fd, hosts, sizeof(hosts) - 1) != (ssize_t)sizeof(hosts) - 1)
		abort();
	snprintf(hosts_path, sizeof(hosts_path), "/proc/self/fd/%d", fd);
	/* Every rejected file is reported on stderr: keep the target quiet
	 * (libFuzzer's own reports use the FILE it saved at start).
	 * FUZZ_REPLAY_VERBOSE=1 keeps everything. */
	if (!getenv("FUZZ_REPLAY_VERBOSE")) {
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			stderr = null;
			stdout = null;
		}
	}
	return 0;
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Little-endian pcapng: enhanced packet blocks 1 ms apart (in place;
 * an interface's default microsecond resolution assumed). */
static void pace_ng(uint8_t *p, size_t n)
{
	uint64_t ts = 1764892800000000ull;
	for (size_t off = 0; off + 12 <= n;) {
		uint32_t type = ld32(p + off), len = ld32(p + off + 4);
		if (len < 12 || len > n - off)
			break;
		if (type == 6 && len >= 28) {
			uint32_t hi = (uint32_t)(ts >> 32), lo = (uint32_t)ts;
			memcpy(p + off + 12, &hi, 4);
			memcpy(p + off + 16, &lo, 4);
			ts += 1000;
		}
		off += len;
	}
}

/* Classic little-endian pcap: records 1 ms apart (in place). */
static void pace(uint8_t *p, size_t n)
{
	if (n >= 12 && ld32(p) == 0x0a0d0d0au && ld32(p + 8) == 0x1a2b3c4du) {
		pace_ng(p, n);
		return;
	}
	if (n < 24 || (ld32(p) != 0xa1b2c3d4u && ld32(p) != 0xa1b23c4du))
		return;
	uint32_t t = 1764892800u, frac = 0;
	bool nano = ld32(p) == 0xa1b23c4du;
	for (size_t off = 24; off + 16 <= n;) {
		uint32_t cap = ld32(p + off + 8);
		memcpy(p + off, &t, 4);
		memcpy(p + off + 4, &frac, 4);
		frac += nano ? 1000000u : 1000u;
		if (frac >= (nano ? 1000000000u : 1000000u)) {
			frac = 0;
			t++;
		}
		if (cap > n - off - 16)
			break;
		off += 16 + cap;
	}
}

static unsigned long long field(const char *json, const char *key)
{
	char pat[48];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(json, pat);
	if (!p)
		abort();
	return strtoull(p + strlen(pat), NULL, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	unsigned opts = 0;
	/* A leading options byte, unless the input starts like a capture file. */
	if (size > 4 && ld32(data) != 0xa1b2c3d4u && ld32(data) != 0xa1b23c4du &&
	    ld32(data) != 0x0a0d0d0au && ld32(data) != 0xd4c3b2a1u && ld32(data) != 0x4d3cb2a1u) {
		opts = data[0];
		data++;
		size--;
	}
	int in = memfd_create("fuzz_replay_in", 0), st = memfd_create("fuzz_replay_stats", 0);
	if (in < 0 || st < 0)
		abort();
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	pace(copy, size);
	if (write(in, copy, size) != (ssize_t)size)
		abort();
	free(copy);
	char inp[64], stp[64];
	snprintf(inp, sizeof(inp), "/proc/self/fd/%d", in);
	snprintf(stp, sizeof(stp), "/proc/self/fd/%d", st);
	char *argv[32];
	int argc = 0;
	argv[argc++] = "replay";
	argv[argc++] = "-r";
	argv[argc++] = inp;
	argv[argc++] = "-w";
	argv[argc++] = "/dev/null";
	argv[argc++] = "--addr";
	argv[argc++] = "10.77.0.1/24";
	argv[argc++] = "--addr";
	argv[argc++] = "fd77::1/64";
	argv[argc++] = "--udp-echo";
	argv[argc++] = "7";
	argv[argc++] = "--dns-hosts";
	argv[argc++] = hosts_path;
	argv[argc++] = "--stats";
	argv[argc++] = stp;
	argv[argc++] = "--quiet";
	if (opts & 1) {
		argv[argc++] = "--filter";
		argv[argc++] = "not udp port 9";
	}
	if (opts & 2) {
		argv[argc++] = "--addr";
		argv[argc++] = "10.77.1.1/24";
	}
	argv[argc] = NULL;
	int rc = tool_cmd_replay(argc, argv);
	if (rc < 0 || rc > 2)
		abort();
	if (rc == 0) {
		char js[8192];
		ssize_t n = pread(st, js, sizeof(js) - 1, 0);
		if (n <= 0)
			abort();
		js[n] = '\0';
		unsigned long long rx = field(js, "rx"), dl = field(js, "delivered"),
				   fw = field(js, "tx_forwarded"), dr = field(js, "dropped"), held = field(js, "held");
		if (held != 0 || rx != dl + fw + dr + held)
			abort();
		if (field(js, "frames") != field(js, "fed") + field(js, "skipped_empty") + field(js, "skipped_too_big"))
			abort();
		if (field(js, "fed") != rx)
			abort();
	}
	close(in);
	close(st);
	return 0;
}
