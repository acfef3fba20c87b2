#!/bin/bash
# tapring up with an in-kernel prescreen (--kernel-filter, TUNATTACHFILTER)
# and a user-space prescreen (--filter): frames either filter rejects never
# reach the stack. 50 UDP datagrams to port 9 are rejected in the kernel
# (counted in "kernel_dropped", the TAP's tx_dropped), 50 to port 10 by the
# user-space stage ("filter.rejected"); the stack sees neither
# ("udp.no_port" stays 0) and still answers ping.
set -u
tapring=$1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_NET_ADMIN)"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun missing"; exit 77; }
command -v ping >/dev/null || { echo "SKIP: ping not installed"; exit 77; }
PY=/usr/bin/python3
id=$$
ns=trfl$id; tap=trf$((id % 100000))
d=$(mktemp -d)
fail=0; checks=0; uppid=
cleanup() {
	[ -n "$uppid" ] && kill -KILL "$uppid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null; ip link del "$tap" 2>/dev/null; rm -rf "$d"
}
trap cleanup EXIT INT TERM
check() {
	checks=$((checks + 1))
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}
stat_of() {
	$PY -c "import json,sys; s=json.load(open('$d/stats.json')); k=sys.argv[1]; print(s.get(k, s['drops'].get(k, 0)))" "$1"
}
ip netns add "$ns" || { echo "SKIP: cannot create a namespace"; exit 77; }

# a bad expression: one clear message, exit 2
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --kernel-filter 'udp port' --duration 1 2>"$d/bad"; rc=$?
check "bad --kernel-filter: exit 2" test "$rc" -eq 2
check "bad --kernel-filter: message" grep -q "kernel-filter" "$d/bad"
check "bad --kernel-filter: no TAP left behind" sh -c "! ip link show $tap >/dev/null 2>&1"

"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --host-addr 10.77.3.2/24 --netns "$ns" \
	--kernel-filter 'not udp port 9' --filter 'not udp port 10' \
	--stats-file "$d/stats.json" --duration 60 --quiet 2>"$d/up.err" &
uppid=$!
for _ in $(seq 100); do [ -s "$d/stats.json" ] && break; sleep 0.1; done
out=$(timeout 20 ip netns exec "$ns" ping -n -c 2 -i 0.2 -W 2 10.77.3.1 2>&1)
check "ping through both filters" grep -q " 0% packet loss" <<<"$out"
timeout 20 ip netns exec "$ns" $PY - <<'P'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50):
    s.sendto(b"k", ("10.77.3.1", 9))
    s.sendto(b"u", ("10.77.3.1", 10))
    time.sleep(0.002)
P
sleep 1.3
kd=$(stat_of kernel_dropped); fr=$(stat_of filter.rejected); np=$(stat_of udp.no_port)
check "kernel filter dropped >= 50 ($kd)" test "$kd" -ge 50
check "user-space filter rejected exactly 50 ($fr)" test "$fr" -eq 50
check "the stack saw none of them (udp.no_port = $np)" test "$np" -eq 0
kill -TERM "$uppid"; wait "$uppid"; rc=$?; uppid=
check "clean exit" test "$rc" -eq 0
echo "$((checks - fail)) of $checks checks passed"
[ "$fail" -eq 0 ]
