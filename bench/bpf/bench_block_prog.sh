#!/bin/bash
# The blocklist program's own run time per frame, in the kernel's test-run
# harness (BPF_PROG_TEST_RUN through `bpftool prog run`, REPEAT runs, the
# kernel's average), for the paths a frame can take:
#
#   empty      no rule anywhere (the default of `tapring up`): the block_used
#              slots are all 0, the program returns before parsing
#   miss       one rule in each map (IPv4 192.168.0.0/16, IPv6 fd77:ffff::/32,
#              udp/53): the frame is parsed and looked up in all three maps
#   blocked    the frame's source prefix 10.77.0.0/16 in block_src4: parse,
#              one lookup, the drop counter
#
#   bench_block_prog.sh BUILD_DIR [REPEAT] [ROUNDS]   (root; 77 otherwise)
#
# The frame: 64-byte UDP/IPv4 (10.77.1.2 -> 10.77.1.1:9) behind one more
# Ethernet header, since the harness strips one (eth_type_trans) before a
# socket filter runs and the TUN driver does not. The harness's own cost is
# in every figure (the "empty" path is close to it). First lines: the
# machine stamp (bench/machine.h). Medians of ROUNDS (default 5) runs.
set -u
b=${1:?usage: bench_block_prog.sh BUILD_DIR [REPEAT] [ROUNDS]}
repeat=${2:-2000000}
rounds=${3:-5}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_BPF, CAP_SYS_ADMIN)"; exit 77; }
command -v bpftool >/dev/null || { echo "SKIP: bpftool not installed"; exit 77; }
obj=$b/engine/bpf/block.bpf.o
[ -f "$obj" ] || { echo "bench_block_prog: no $obj (build with eBPF)"; exit 1; }
"$b/bench/bench_machine" --text
pin=/sys/fs/bpf/trbench_block_$$
d=$(mktemp -d)
cleanup() { rm -rf "$pin" "${pin}_maps" "$d"; }
trap cleanup EXIT INT TERM
# 14 + 14 + 20 + 8 + 8 bytes: outer Ethernet, inner Ethernet, IPv4, UDP, payload
printf '\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00' >"$d/frame"
printf '\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00' >>"$d/frame"
printf '\x45\x00\x00\x24\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x4d\x01\x02\x0a\x4d\x01\x01' >>"$d/frame"
printf '\x04\xd2\x00\x09\x00\x10\x00\x00xxxxxxxx' >>"$d/frame"
mkdir -p "${pin}_maps"
bpftool prog load "$obj" "$pin" type socket pinmaps "${pin}_maps" ||
	{ echo "bench_block_prog: bpftool prog load failed"; exit 1; }
m=${pin}_maps

run() {   # median of $rounds averages, ns
	for _ in $(seq "$rounds"); do
		bpftool prog run pinned "$pin" data_in "$d/frame" repeat "$repeat" 2>&1 |
			sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p'
	done | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
used() { bpftool map update pinned "$m/block_used" key "$1" 0 0 0 value "$2" 0 0 0; }

e=$(run)
bpftool map update pinned "$m/block_src4" key 16 0 0 0 192 168 0 0 value 1
bpftool map update pinned "$m/block_src6" key 32 0 0 0 0xfd 0x77 0xff 0xff 0 0 0 0 0 0 0 0 0 0 0 0 value 1
bpftool map update pinned "$m/block_port" key 17 0 53 0 value 1
used 0 1; used 1 1; used 2 1
mi=$(run)
bpftool map update pinned "$m/block_src4" key 16 0 0 0 10 77 0 0 value 1
bl=$(run)
echo "blocklist program per frame (bpftool prog run, $repeat runs, median of $rounds):"
printf '  empty    %4s ns   (no rule: returns before parsing)\n' "$e"
printf '  miss     %4s ns   (a rule in each map: parse + 3 lookups)\n' "$mi"
printf '  blocked  %4s ns   (source prefix matches: parse + lookup + counter)\n' "$bl"
