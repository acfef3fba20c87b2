#!/bin/bash
# tapring up against real clients from Debian packages, inside a namespace
# the test creates: ping (v4, v6, a flood of 2000 with 0% loss), arping,
# ndisc6, dig (A, AAAA, NXDOMAIN), nc -u (echo), a UDP socket to a closed
# port (ICMP port unreachable), malformed frames injected with AF_PACKET
# (counted and dropped; the engine keeps answering), SIGTERM (clean exit,
# final stats with the accounting equation), 2 queues both used, and bad
# arguments. All traffic stays in 10.77.2.0/24 / fd77:2::/64 in the
# namespace. Every loop is bounded in count and time.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init up ping arping ndisc6 dig nc
cat >"$d/hosts" <<'H'
# test zone
10.77.2.10   www.test.tapring www
fd77:2::10   www.test.tapring
10.77.2.11   mail.test.tapring
H

start_up() { # start_up EXTRA_ARGS...
	up_bg --addr 10.77.2.1/24 --addr fd77:2::1/64 --host-addr 10.77.2.2/24 \
		--host-addr fd77:2::2/64 --udp-echo 7 --dns-hosts "$d/hosts" --duration 120 "$@"
	# IPv6 addresses are tentative until DAD finishes
	for _ in $(seq 40); do
		ip -n "$ns" -6 addr show tentative | grep -q fd77:2::2 || break; sleep 0.1
	done
}

start_up
check "up is running" kill -0 "$uppid"

out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.2.1 2>&1)
check "ping v4: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -6 -n -c 3 -i 0.2 -W 2 fd77:2::1 2>&1)
check "ping v6: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -n -f -c 2000 -W 1 -w 20 10.77.2.1 2>&1)
check "ping -f -c 2000: 0% loss" grep -q "2000 packets transmitted, 2000 received, 0% packet loss" <<<"$out"
[ "$fail" -eq 0 ] || echo "$out" | tail -3
out=$(inns arping -c 3 -w 5 -I "$tap" 10.77.2.1 2>&1)
check "arping: 3 replies" grep -qE "3 packets transmitted, 3 packets received|Received 3 response" <<<"$out"
out=$(inns ndisc6 -r 3 -w 1000 fd77:2::1 "$tap" 2>&1)
check "ndisc6: link-layer address of fd77:2::1" grep -qi "Target link-layer address" <<<"$out"
out=$(inns ndisc6 -r 3 -w 1000 "fe80::74:72ff:fe00:0" "$tap" 2>&1)  # not ours: no answer
check "ndisc6: no answer for an address that is not ours" sh -c "! grep -qi 'Target link-layer address' <<'X'
$out
X"
out=$(inns dig @10.77.2.1 +time=2 +tries=2 +short www.test.tapring A)
check "dig A" test "$out" = "10.77.2.10"
out=$(inns dig @fd77:2::1 +time=2 +tries=2 +short www.test.tapring AAAA)
check "dig AAAA over IPv6" test "$out" = "fd77:2::10"
out=$(inns dig @10.77.2.1 +time=2 +tries=2 nosuch.test.tapring A)
check "dig NXDOMAIN" grep -q "status: NXDOMAIN" <<<"$out"
out=$(echo hello-echo | inns nc -u -w 2 10.77.2.1 7)
check "nc -u echo" test "$out" = "hello-echo"
out=$(inns $PY - <<'P'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("10.77.2.1", 9999))
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

# malformed frames from the kernel side: counted and dropped, never a crash
before=$(stat_of dropped)
inns $PY - "$tap" <<'P'
import socket, struct, sys, random
dev = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
dst = bytes.fromhex("027472000001")  # not our MAC: the stack ignores it too
src = bytes.fromhex("020000000002")
rng = random.Random(7)
ours = None
import fcntl
frames = []
# bad IPv4 header checksum, to the stack's address
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0xdead,
                           bytes([10,77,2,2]), bytes([10,77,2,1]))) + b"\0\x07\0\x07\0\x08\0\0"
frames.append(ip)
frames.append(bytes([0x45, 0, 0, 10]))                       # truncated IPv4 header
frames.append(bytes([0x4f]) + bytes(19))                      # IHL 15 > buffer
frames.append(bytes([0x60]) + bytes(10))                      # truncated IPv6
frames.append(bytes(rng.randrange(256) for _ in range(40)))   # garbage
for i in range(200):
    body = frames[i % len(frames)]
    et = b"\x86\xdd" if body[:1] == b"\x60" else b"\x08\x00"
    s.send(b"\xff\xff\xff\xff\xff\xff" + src + et + bytes(body))
P
sleep 0.5
out=$(inns ping -n -c 2 -i 0.2 -W 2 10.77.2.1 2>&1)
check "still answers after malformed frames" grep -q " 0% packet loss" <<<"$out"
sleep 1.2
after=$(stat_of dropped)
check "malformed frames were counted as drops ($before -> $after)" test "$after" -ge $((before + 200))

stop_up
check "SIGTERM: exit 0" test "$uprc" -eq 0
check "SIGTERM: TAP removed" sh -c "! ip -n $ns link show $tap >/dev/null 2>&1"
eq=$($PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
lhs = s["rx"]; rhs = s["delivered"] + s["tx_forwarded"] + s["dropped"] + s["held"]
print("ok" if lhs == rhs and s["held"] == 0 and lhs > 2000 else f"rx {lhs} != {rhs}")
P
)
check "final stats: rx == delivered + tx_forwarded + dropped (+ held 0)" test "$eq" = ok

# two queues: many UDP flows spread over both
start_up --queues 2
inns $PY - <<'P'
import socket
for port in range(40000, 40064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.2.2", port))
    s.settimeout(1)
    s.sendto(b"q", ("10.77.2.1", 7))
    try: s.recv(16)
    except socket.timeout: pass
    s.close()
P
sleep 1.2
q=$($PY -c "import json; s=json.load(open('$d/stats.json')); print(' '.join(str(x['rx']) for x in s['queues']))")
check "2 queues both receive traffic ($q)" sh -c "set -- $q; [ \$# -eq 2 ] && [ \$1 -gt 0 ] && [ \$2 -gt 0 ]"

stop_up

# an existing persistent TAP is attached to (QEMU style) and kept at exit;
# while one up serves it, a second one finds the name in use
ip tuntap add dev "$tap" mode tap
"$tapring" up --tap "$tap" --addr 10.77.2.1/24 --duration 3 --quiet 2>"$d/attach.err" &
apid=$!
sleep 1
"$tapring" up --tap "$tap" --addr 10.77.2.1/24 --duration 1 --quiet 2>"$d/inuse.err"; rc=$?
check "TAP name in use: exit 1 with a message" sh -c "[ $rc -eq 1 ] && grep -q 'in use' '$d/inuse.err'"
wait "$apid"; rc=$?
check "a persistent TAP is attached to: exit 0" test "$rc" -eq 0
check "the attached TAP is kept at exit" ip link show "$tap"
ip link del "$tap"

# bad arguments: one message, non-zero exit
"$tapring" up --tap x --queues 0 --addr 10.77.2.1 2>"$d/e1"; rc=$?
check "--queues 0: exit 2" sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$d/e1') -eq 1 ]"
"$tapring" up --tap x --queues " +2" --addr 10.77.2.1 2>"$d/e1b"; rc=$?
check "--queues ' +2' (white space, sign; fuzz_cli regression): exit 2" test "$rc" -eq 2
"$tapring" up --tap x 2>"$d/e2"; rc=$?
check "missing --addr: exit 2" test "$rc" -eq 2
"$tapring" up --tap x --addr 10.77.2.300 2>"$d/e3"; rc=$?
check "bad --addr: exit 2" test "$rc" -eq 2
"$tapring" up --tap waytoolongname12345 --addr 10.77.2.1 2>"$d/e4"; rc=$?
check "long TAP name: exit 2" test "$rc" -eq 2
if command -v setpriv >/dev/null; then
	setpriv --inh-caps=-all --bounding-set=-all "$tapring" up --tap "$tap" --addr 10.77.2.1 \
		--duration 1 2>"$d/e5"; rc=$?
	check "no CAP_NET_ADMIN: exit 1 with a message" sh -c "[ $rc -eq 1 ] && grep -q CAP_NET_ADMIN '$d/e5'"
fi

live_done
