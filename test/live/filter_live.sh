#!/bin/bash
# tapring up with an in-kernel prescreen (--kernel-filter, TUNATTACHFILTER)
# and a user-space prescreen (--filter): frames either filter rejects never
# reach the stack. 50 UDP datagrams to port 9 are rejected in the kernel
# (counted in "kernel_dropped", the TAP's tx_dropped), 50 to port 10 by the
# user-space stage ("filter.rejected"); the stack sees neither
# ("udp.no_port" stays 0) and still answers ping.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init fl ping

# a bad expression: one clear message, exit 2
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --kernel-filter 'udp port' --duration 1 2>"$d/bad"; rc=$?
check "bad --kernel-filter: exit 2" test "$rc" -eq 2
check "bad --kernel-filter: message" grep -q "kernel-filter" "$d/bad"
check "bad --kernel-filter: no TAP left behind" sh -c "! ip link show $tap >/dev/null 2>&1"

up_bg --addr 10.77.3.1/24 --host-addr 10.77.3.2/24 \
	--kernel-filter 'not udp port 9' --filter 'not udp port 10' --duration 60
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
stop_up
check "clean exit" test "$uprc" -eq 0
live_done
