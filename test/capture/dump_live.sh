#!/bin/bash
# tapring dump, live: two namespaces joined by a veth pair (10.77.1.1 and
# 10.77.1.2), ping across it (bounded: 1500 pings at most, 40 s at most),
# capture on one end. Checks: -c stops exactly at COUNT; the written pcap and
# pcapng files are read back by tshark with the same count; SIGINT leaves a
# complete file; the exit counts are printed; bad interface / filter / args
# fail with one clear message.
set -u
tapring=$1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_NET_ADMIN, CAP_NET_RAW)"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
command -v ping >/dev/null || { echo "SKIP: ping not installed"; exit 77; }

id=$$
n1=trd1$id; n2=trd2$id; va=tva$id; vb=tvb$id
d=$(mktemp -d)
fail=0; checks=0
cleanup() {
	[ -n "${pingpid:-}" ] && kill "$pingpid" 2>/dev/null
	ip netns del "$n1" 2>/dev/null; ip netns del "$n2" 2>/dev/null; rm -rf "$d"
}
trap cleanup EXIT INT TERM
check() { # check DESC CMD...
	checks=$((checks + 1))
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

ip netns add "$n1" && ip netns add "$n2" || { echo "SKIP: cannot create namespaces"; exit 77; }
ip -n "$n1" link add "$va" type veth peer name "$vb" netns "$n2"
ip -n "$n1" addr add 10.77.1.1/24 dev "$va"; ip -n "$n1" link set "$va" up; ip -n "$n1" link set lo up
ip -n "$n2" addr add 10.77.1.2/24 dev "$vb"; ip -n "$n2" link set "$vb" up; ip -n "$n2" link set lo up

in1() { timeout 20 ip netns exec "$n1" "$@"; }
timeout 40 ip netns exec "$n2" ping -q -i 0.02 -c 1500 10.77.1.1 >/dev/null 2>&1 &
pingpid=$!
sleep 0.3

# -c stops exactly at COUNT; pcap read back by tshark
in1 "$tapring" dump -i "$va" -c 10 -w "$d/a.pcap" icmp 2>"$d/a.err"
rc=$?
check "dump -c 10 -w a.pcap exits 0" test "$rc" -eq 0
check "tshark reads 10 frames from a.pcap" test "$(tshark -r "$d/a.pcap" 2>/dev/null | wc -l)" -eq 10
check "every captured frame is ICMP" test "$(tshark -r "$d/a.pcap" -Y icmp 2>/dev/null | wc -l)" -eq 10
check "exit counts: captured" grep -q "^10 packets captured" "$d/a.err"
check "exit counts: received by filter" grep -q "packets received by filter" "$d/a.err"
check "exit counts: dropped by kernel" grep -q "packets dropped by kernel" "$d/a.err"
check "exit counts: dropped by interface" grep -q "packets dropped by interface" "$d/a.err"

# pcapng with direction flags
in1 "$tapring" dump -i "$va" -c 6 -w "$d/b.pcapng" icmp 2>/dev/null
check "tshark reads 6 frames from b.pcapng" test "$(tshark -r "$d/b.pcapng" 2>/dev/null | wc -l)" -eq 6
check "pcapng frames carry a direction" test "$(tshark -r "$d/b.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | grep -c .)" -eq 6

# text and JSON output
in1 "$tapring" dump -i "$va" -c 4 icmp >"$d/t.txt" 2>/dev/null
check "text: 4 lines" test "$(wc -l <"$d/t.txt")" -eq 4
check "text: ICMP echo lines" test "$(grep -ci 'icmp' "$d/t.txt")" -eq 4
in1 "$tapring" dump -i "$va" -c 4 --json icmp >"$d/j.txt" 2>/dev/null
check "json: 4 objects with icmp" test "$(grep -c '"icmp"' "$d/j.txt")" -eq 4

# SIGINT leaves a complete, readable file
ip netns exec "$n1" "$tapring" dump -i "$va" -w "$d/c.pcapng" 2>"$d/c.err" &
dpid=$!
sleep 1
kill -INT "$dpid"; wait "$dpid"; rc=$?
check "SIGINT: exit 0" test "$rc" -eq 0
nc=$(tshark -r "$d/c.pcapng" 2>/dev/null | wc -l)
check "SIGINT: file readable with frames ($nc)" test "$nc" -gt 0
check "SIGINT: counts printed" grep -q "packets captured" "$d/c.err"

# -D lists the interface with its address
check "-D lists the veth and its address" sh -c "ip netns exec $n1 $tapring dump -D | grep -A4 '$va' | grep -q '10.77.1.1/24'"

# errors: one clear line, non-zero exit
in1 "$tapring" dump -i nosuchif0 -c 1 >/dev/null 2>"$d/e1"; rc=$?
check "bad interface: exit 1" test "$rc" -eq 1
check "bad interface: message" grep -q "no such interface" "$d/e1"
in1 "$tapring" dump -i "$va" -c 1 'tcp port' >/dev/null 2>"$d/e2"; rc=$?
check "bad filter: exit 1" test "$rc" -eq 1
check "bad filter: message" grep -q "bad filter expression" "$d/e2"
check "bad filter: one line" test "$(wc -l <"$d/e2")" -eq 1
"$tapring" dump -c 0 -i "$va" >/dev/null 2>"$d/e3"; rc=$?
check "bad -c: exit 2" test "$rc" -eq 2
"$tapring" dump >/dev/null 2>"$d/e4"; rc=$?
check "missing -i: exit 2" test "$rc" -eq 2
printf '2\n6 0 0 1\n' >"$d/bad.ddd"   # claims 2 instructions, has 1
in1 "$tapring" dump -i "$va" -c 1 --filter-bpf "$d/bad.ddd" >/dev/null 2>"$d/e5"; rc=$?
check "invalid BPF program: exit 1" test "$rc" -eq 1
check "invalid BPF program: message" grep -q "invalid BPF program" "$d/e5"

# without CAP_NET_RAW: a clear message (drop every capability)
if command -v setpriv >/dev/null; then
	in1 setpriv --inh-caps=-all --bounding-set=-all "$tapring" dump -i "$va" -c 1 >/dev/null 2>"$d/e6"; rc=$?
	check "no CAP_NET_RAW: exit 1" test "$rc" -eq 1
	check "no CAP_NET_RAW: message" grep -q "CAP_NET_RAW" "$d/e6"
fi

echo "$((checks - fail)) of $checks checks passed"
[ "$fail" -eq 0 ]
