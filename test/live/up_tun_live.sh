#!/bin/bash
# tapring up --tun: the engine and the stack on a TUN (raw IP, no Ethernet,
# no ARP/ND), against real clients in a namespace the test creates. The
# kernel side is 10.77.7.2 peer 10.77.7.1 and fd77:7::2/64; the stack is
# 10.77.7.1 and fd77:7::1. Checks: ping, ping -6, a UDP echo (nc -u), dig
# A/AAAA, a UDP socket to a closed port (port unreachable), a flood of 500
# pings with no loss, no ARP or ND anywhere in the engine's own capture, --dump-file writes raw IP that tshark reads,
# --kernel-filter (compiled for raw IP, attached with TUNATTACHFILTER)
# keeps ICMP out, --queues 2 (multiqueue TUN) answers, and the accounting
# equation holds at exit. All traffic in 10.77.7.0/24 / fd77:7::/64.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init tun ping dig nc
cat >"$d/hosts" <<'H'
10.77.7.10   www.tun.tapring
fd77:7::10   www.tun.tapring
H

start_up() { # start_up EXTRA_ARGS...
	up_bg --tun --addr 10.77.7.1/24 --addr fd77:7::1/64 --host-addr 10.77.7.2/32 \
		--peer 10.77.7.1 --host-addr fd77:7::2/64 --udp-echo 7 --dns-hosts "$d/hosts" \
		--duration 60 "$@"
	for _ in $(seq 40); do
		ip -n "$ns" -6 addr show tentative | grep -q fd77:7::2 || break; sleep 0.1
	done
}

start_up --dump-file "$d/tun.pcapng"
check "up --tun is running" kill -0 "$uppid"
check "the device is a TUN (no link-layer address)" \
	sh -c "ip -n $ns -d link show $tap | grep -q 'tun type tun'"
out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.7.1 2>&1)
check "ping: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -6 -n -c 3 -i 0.2 -W 2 fd77:7::1 2>&1)
check "ping -6: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -n -f -c 500 -W 1 -w 15 10.77.7.1 2>&1)
check "ping -f -c 500: 0% loss" grep -q "500 packets transmitted, 500 received, 0% packet loss" <<<"$out"
out=$(echo hello-tun | inns nc -u -w 2 10.77.7.1 7)
check "nc -u echo" test "$out" = "hello-tun"
out=$(inns dig @10.77.7.1 +time=2 +tries=2 +short www.tun.tapring A)
check "dig A" test "$out" = "10.77.7.10"
out=$(inns dig @fd77:7::1 +time=2 +tries=2 +short www.tun.tapring AAAA)
check "dig AAAA over IPv6" test "$out" = "fd77:7::10"
out=$(inns $PY - <<'P'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("10.77.7.1", 9999))
s.send(b"closed?")
try:
    s.recv(100)
    print("no error")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
P
)
check "UDP to a closed port gets ICMP port unreachable" test "$out" = "refused"
sleep 1.2   # one more stats write
stop_up
check "SIGTERM: exit 0" test "$uprc" -eq 0
check "accounting: rx == delivered + tx_forwarded + dropped + held" $PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["rx"] == s["delivered"] + s["tx_forwarded"] + s["dropped"] + s["held"] and s["rx"] > 500 else 1)
P
if command -v tshark >/dev/null; then
	prot=$(tshark -r "$d/tun.pcapng" -T fields -e frame.protocols 2>/dev/null | sort | uniq -c)
	check "--dump-file: raw IP frames, tshark reads them" grep -q "raw:ip:icmp" <<<"$prot"
	check "--dump-file: no ARP and no Ethernet" sh -c "! grep -qE 'arp|eth:' <<'X'
$prot
X"
	check "--dump-file: the stack sends no neighbour discovery" \
		test "$(tshark -r "$d/tun.pcapng" -Y "icmpv6.type >= 133 and icmpv6.type <= 137 and frame.packet_flags_direction == 2" 2>/dev/null | wc -l)" -eq 0
	check "--dump-file: the engine did transmit (direction flags present)" \
		test "$(tshark -r "$d/tun.pcapng" -Y "frame.packet_flags_direction == 2" 2>/dev/null | wc -l)" -ge 500
	check "--dump-file: echo replies are there" \
		test "$(tshark -r "$d/tun.pcapng" -Y 'icmp.type == 0' 2>/dev/null | wc -l)" -ge 500
fi

# --kernel-filter for raw IP (TUNSETFILTEREBPF: TUNATTACHFILTER is TAP-only):
# no ICMP reaches the engine
start_up --kernel-filter "not icmp"
out=$(inns ping -n -c 2 -i 0.2 -W 1 10.77.7.1 2>&1)
check "--kernel-filter 'not icmp': ping gets no answer" grep -q " 100% packet loss" <<<"$out"
out=$(echo still-udp | inns nc -u -w 2 10.77.7.1 7)
check "--kernel-filter 'not icmp': UDP echo still answered" test "$out" = "still-udp"
stop_up
# a program with ldx msh (the IPv4 header length) and both families
start_up --kernel-filter "udp port 7 or icmp6"
out=$(inns ping -n -c 2 -i 0.2 -W 1 10.77.7.1 2>&1)
check "--kernel-filter 'udp port 7 or icmp6': ping v4 filtered" grep -q " 100% packet loss" <<<"$out"
out=$(inns ping -6 -n -c 2 -i 0.2 -W 2 fd77:7::1 2>&1)
check "--kernel-filter 'udp port 7 or icmp6': ping -6 answered" grep -q " 0% packet loss" <<<"$out"
out=$(echo port-7 | inns nc -u -w 2 10.77.7.1 7)
check "--kernel-filter 'udp port 7 or icmp6': UDP echo answered" test "$out" = "port-7"
stop_up
inns "$tapring" up --tun --tap "$tap" --addr 10.77.7.1/24 --filter "ether host 02:00:00:00:00:01" \
	--duration 1 >/dev/null 2>"$d/e1"; rc=$?
check "an Ethernet filter on a TUN: exit 2, one clear line" \
	sh -c "test $rc -eq 2 && grep -q 'supported only on ethernet' '$d/e1'"
"$tapring" up --tap "$tap" --addr 10.77.7.1/24 --peer 10.77.7.2 >/dev/null 2>"$d/e2"; rc=$?
check "--peer without --tun: exit 2" test "$rc" -eq 2
"$tapring" up --tun --tap "$tap" --addr 10.77.7.1/24 --block udp/53 >/dev/null 2>"$d/e3"; rc=$?
check "--block with --tun (Ethernet-only eBPF): exit 2, says so" \
	sh -c "test $rc -eq 2 && grep -q 'not available with --tun' '$d/e3'"

# multiqueue TUN
start_up --queues 2
out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.7.1 2>&1)
check "--queues 2: ping answered" grep -q " 0% packet loss" <<<"$out"
check "--queues 2: the TUN is multiqueue" sh -c "ip -n $ns -d link show $tap | grep -q multi_queue"
stop_up
check "--queues 2: exit 0" test "$uprc" -eq 0
live_done
