#!/bin/bash
# tapring fwd between two namespaces joined only by it (each TAP's kernel
# side in its own namespace): ping and ping -6 across (ARP and ND pass
# through), a UDP echo server on one side and a client on the other with
# exact per-rule counts in both directions (count, caseless, drop, dump),
# iperf3 UDP for 3 s with a reload under traffic, a bad file on reload
# (old rules kept, failure counted) and at start (clear error, exit 2),
# and the final stats: every frame received is forwarded or dropped by a
# named reason, per port. Traffic stays in 10.77.9.0/24 and fd77:9::/64.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init fwd ping arping ndisc6 iperf3
nsb=trfb$$; tapb=trg$(($$ % 100000))
ip netns add "$nsb" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$nsb" link set lo up
trap 'live_cleanup; ip netns del "$nsb" 2>/dev/null; ip link del "$tapb" 2>/dev/null' EXIT INT TERM

cat >"$d/rules" <<'R'
# counted in both directions (the echo comes back)
hello:/hello/
cased:/SeCrEt/i
blocked:/forbidden/ drop
dumped:/dumpme[0-9]/ dump
R

out=$("$tapring" fwd --port "$tap",netns="$ns" --port "$tapb",netns="$nsb" --match /nonexistent 2>&1); rc=$?
check "missing rules file: exit 2" test "$rc" -eq 2
check "missing rules file: says so" grep -q "cannot read '/nonexistent'" <<<"$out"
printf 'ok:/fine/\nbad:/(unclosed/ drop\n' >"$d/bad"
out=$("$tapring" fwd --port "$tap",netns="$ns" --port "$tapb",netns="$nsb" --match "$d/bad" 2>&1); rc=$?
check "bad regex at start: exit 2" test "$rc" -eq 2
check "bad regex at start: names line 2 and Hyperscan's reason" grep -q "line 2: rule bad: Missing close parenthesis" <<<"$out"
check "bad regex at start: no TAP left behind" sh -c "! ip link show $tap >/dev/null 2>&1"
out=$("$tapring" fwd --port "$tap" 2>&1); rc=$?
check "one --port: exit 2" test "$rc" -eq 2

rm -f "$d/stats.json"
"$tapring" fwd --port "$tap",netns="$ns",addr=10.77.9.1/24,addr=fd77:9::1/64 \
	--port "$tapb",netns="$nsb",addr=10.77.9.2/24,addr=fd77:9::2/64 \
	--match "$d/rules" --dump-file "$d/dump.pcap" --stats-file "$d/stats.json" --quiet --block udp/7779 \
	--duration 120 2>"$d/fwd.err" &
uppid=$!
for _ in $(seq 100); do [ -s "$d/stats.json" ] && break; sleep 0.1; done
for _ in $(seq 40); do
	ip -n "$ns" -6 addr show tentative | grep -q fd77:9::1 ||
		ip -n "$nsb" -6 addr show tentative | grep -q fd77:9::2 || break
	sleep 0.1
done
check "fwd is running" kill -0 "$uppid"
ib() { timeout 30 ip netns exec "$nsb" "$@"; }

out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.9.2 2>&1)
check "ping across: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -6 -n -c 3 -i 0.2 -W 2 fd77:9::2 2>&1)
check "ping -6 across: 0% loss" grep -q " 0% packet loss" <<<"$out"
out=$(inns arping -c 2 -w 5 -I "$tap" 10.77.9.2 2>&1)
check "ARP through the bump: 2 replies" grep -qE "2 packets transmitted, 2 packets received|Received 2 response" <<<"$out"
out=$(inns ndisc6 -r 3 -w 1000 fd77:9::2 "$tap" 2>&1)
check "ND through the bump" grep -qi "Target link-layer address" <<<"$out"

# UDP echo server on B, client on A: each payload crosses twice.
ib $PY - >"$d/echo.out" 2>&1 <<'P' &
import socket, select
socks = []
for fam, addr in ((socket.AF_INET, "10.77.9.2"), (socket.AF_INET6, "fd77:9::2")):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((addr, 7777)); socks.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(socks, [], [], 25)
    if not r: break
    for s in r:
        data, peer = s.recvfrom(2048)
        if data == b"quit": raise SystemExit
        s.sendto(data, peer)
P
echopid=$!
for _ in $(seq 50); do grep -q ready "$d/echo.out" 2>/dev/null && break; sleep 0.1; done
client() { # client FAMILY ADDR COUNT PAYLOAD: prints the number of echoes
	inns $PY - "$@" <<'P'
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(0.5)
got = 0
for i in range(int(sys.argv[3])):
    s.sendto(sys.argv[4].encode() + str(i % 10).encode(), (sys.argv[2], 7777))
    try:
        s.recv(2048); got += 1
    except socket.timeout:
        pass
print(got)
P
}
check "20 hello over IPv4 echoed" test "$(client 4 10.77.9.2 20 'say hello ')" = 20
check "10 hello over IPv6 echoed" test "$(client 6 fd77:9::2 10 'hello v6 ')" = 10
check "5 secret (lower case) echoed" test "$(client 4 10.77.9.2 5 'my secret ')" = 5
check "4 SECRET over IPv6 echoed" test "$(client 6 fd77:9::2 4 'THE SECRET ')" = 4
check "3 forbidden: none echoed (dropped)" test "$(client 4 10.77.9.2 3 'forbidden ')" = 0
check "4 dumpme echoed" test "$(client 4 10.77.9.2 4 'dumpme')" = 4
inns $PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"hello blocked", ("10.77.9.2", 7779)) for _ in range(3)]'
sleep 1.2
check "--block udp/7779: 3 frames blocked in the kernel at port A" \
	test "$($PY -c "import json; print(json.load(open('$d/stats.json')).get('kernel_blocked', {}).get('total', -1))")" = 3
check "--block: port B's blocklist reported too" \
	test "$($PY -c "import json; print(json.load(open('$d/stats.json'))['port_b']['kernel_blocked']['total'])")" = 0
check "hello counted 60 times (30 each way)" test "$(stat_of match_hello)" = 60
check "cased counted 18 times (caseless, both ways)" test "$(stat_of match_cased)" = 18
check "blocked counted 3 times (requests only)" test "$(stat_of match_blocked)" = 3
check "dumped counted 8 times" test "$(stat_of match_dumped)" = 8
check "drops.match = 3" test "$($PY -c "import json; print(json.load(open('$d/stats.json'))['drops'].get('match', 0))")" = 3

# iperf3 UDP for 3 s through the bump, with a reload in the middle and a
# bad file on a second reload.
ib iperf3 -s -1 -B 10.77.9.2 >"$d/iperf-s.out" 2>&1 &
ipid=$!
sleep 0.5
inns iperf3 -u -c 10.77.9.2 -b 200M -t 3 -l 1200 >"$d/iperf.out" 2>&1 &
icl=$!
sleep 1
printf 'hello:/hello/\ncased:/SeCrEt/i\nblocked:/forbidden/ drop\ndumped:/dumpme[0-9]/ dump\nnewrule:/newrule/\n' >"$d/rules"
kill -HUP "$uppid"
sleep 0.7
printf 'hello:/hello/\nbroken:/[/\n' >"$d/rules"
kill -HUP "$uppid"
wait "$icl"; icrc=$?
wait "$ipid" 2>/dev/null
check "iperf3 UDP ran" test "$icrc" -eq 0
sleep 1.2
check "reload under traffic counted" test "$(stat_of match_reloads)" = 1
check "bad file on reload: failure counted" test "$(stat_of match_reload_failures)" = 1
check "bad file on reload: logged with its line" grep -q "line 2: rule broken" "$d/fwd.err"
check "hello kept its count across the reloads" test "$(stat_of match_hello)" = 60
check "5 more hello after the reloads" test "$(client 4 10.77.9.2 5 'hello again ')" = 5
check "5 newrule echoed" test "$(client 4 10.77.9.2 5 'newrule ')" = 5
sleep 1.2
check "hello now 70" test "$(stat_of match_hello)" = 70
check "newrule (loaded by the reload) 10" test "$(stat_of match_newrule)" = 10
ib $PY -c 'import socket; s=socket.socket(); s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"quit", ("10.77.9.2", 7777))'
wait "$echopid" 2>/dev/null

kill -TERM "$uppid"; wait "$uppid"; uprc=$?; uppid=
check "fwd exits 0 on SIGTERM" test "$uprc" -eq 0
out=$($PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
p = s["ports"]
other = {k: v for k, v in s["drops"].items() if k != "match"}
ok = (s["rx"] == s["tx_forwarded"] + s["dropped"] + s["held"] + s["delivered"]
      and s["held"] == 0 and s["delivered"] == 0 and not other
      and s["dropped"] == s["drops"].get("match", 0) == 3
      and p[0]["rx"] + p[1]["rx"] == s["rx"] and p[0]["tx"] + p[1]["tx"] == s["tx"]
      and p[1]["tx"] + p[0]["tx"] == s["tx_forwarded"]
      and s["rx"] > 3000)
print("ok" if ok else "bad", s["rx"], s["tx_forwarded"], s["dropped"], s["drops"], p)
P
)
echo "  $out"
check "0 frames unaccounted: rx = forwarded + dropped(match), per port" grep -q "^ok" <<<"$out"
n=$($PY -c "
import struct,sys
f=open('$d/dump.pcap','rb'); f.read(24); n=0
while True:
    h=f.read(16)
    if len(h)<16: break
    l=struct.unpack('<IIII',h)[2]; b=f.read(l); n+=1
    assert b.find(b'dumpme')>0
print(n)")
check "dump file holds the 8 dumpme frames" test "$n" = 8
live_done
