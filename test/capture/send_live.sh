#!/bin/bash
# tapring send, live. Two namespaces made here joined by a veth pair, and a
# TUN held open by tun_hold.py (which records what it reads). Checks:
#   - 1000 mixed Ethernet frames sent on one end arrive byte-identical and
#     in order on the other (tcpdump there), the 5 frames over MTU + 14 are
#     counted as skipped, and the exit counts say so;
#   - the same with --qdisc-bypass and --topspeed, and -c / --loop counts;
#   - a filter selects what is sent; --pps never runs ahead of its rate;
#   - a raw IP file sent to the TUN arrives at its reader byte for byte;
#   - an Ethernet file to the TUN, a raw file to the veth: one clear error;
#   - SIGINT stops a long send cleanly with the counts printed.
set -u
tapring=$1
here=$(dirname "$0")
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_NET_ADMIN, CAP_NET_RAW)"; exit 77; }
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "SKIP: scapy not installed"; exit 77; }

id=$$
n1=trs1$id; n2=trs2$id; va=tsa$id; vb=tsb$id; tun=tst$id
d=$(mktemp -d)
fail=0; checks=0
cleanup() {
	[ -n "${holdpid:-}" ] && kill "$holdpid" 2>/dev/null
	[ -n "${tdpid:-}" ] && kill "$tdpid" 2>/dev/null
	ip netns del "$n1" 2>/dev/null; ip netns del "$n2" 2>/dev/null; rm -rf "$d"
}
trap cleanup EXIT INT TERM
check() { # check DESC CMD...
	checks=$((checks + 1))
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

/usr/bin/python3 "$here/gen_send.py" "$d" 2>/dev/null || { echo "FAIL: gen_send.py"; exit 1; }
ip netns add "$n1" && ip netns add "$n2" || { echo "SKIP: cannot create namespaces"; exit 77; }
ip -n "$n1" link add "$va" type veth peer name "$vb" netns "$n2"
ip -n "$n1" link set "$va" up; ip -n "$n2" link set "$vb" up
in1() { timeout 30 ip netns exec "$n1" "$@"; }

# capture COUNT frames from our source MAC on vb into FILE (background)
capture() {
	rm -f "$d/td.err"
	timeout 30 ip netns exec "$n2" tcpdump -i "$vb" -U -n -c "$1" -w "$2" ether src 02:77:00:00:00:aa 2>"$d/td.err" &
	tdpid=$!
	for _ in $(seq 100); do grep -q listening "$d/td.err" 2>/dev/null && break; sleep 0.05; done
}
same() { # same SENT_PCAP RECV_PCAP N: the first N frames of both are equal
	/usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys
from scapy.all import conf
conf.logLevel = 40
from scapy.utils import rdpcap
a = [bytes(p) for p in rdpcap(sys.argv[1])][:int(sys.argv[3])]
b = [bytes(p) for p in rdpcap(sys.argv[2])]
if len(b) != len(a) or a != b:
    bad = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print("frames differ: sent %d, received %d, first difference at %d" % (len(a), len(b), bad))
    sys.exit(1)
PY
}

capture 1000 "$d/r1.pcap"
in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --topspeed 2>"$d/s1.err"; rc=$?
wait "$tdpid"; tdpid=
check "send --topspeed exits 0" test "$rc" -eq 0
check "counts: 1000 sent, 5 skipped, 0 failed" grep -q "^1000 frames sent, 5 skipped (larger than 1514 bytes: MTU + link header), 0 failed" "$d/s1.err"
check "1000 frames arrive byte-identical, in order" same "$d/mixed.pcap" "$d/r1.pcap" 1000

capture 1000 "$d/r2.pcap"
in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --topspeed --qdisc-bypass 2>"$d/s2.err"; rc=$?
wait "$tdpid"; tdpid=
check "--qdisc-bypass: exits 0, 1000 sent" sh -c "test $rc -eq 0 && grep -q '^1000 frames sent' '$d/s2.err'"
check "--qdisc-bypass: byte-identical" same "$d/mixed.pcap" "$d/r2.pcap" 1000

in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --topspeed -c 150 2>"$d/s3.err"
check "-c 150: 150 sent" grep -q "^150 frames sent" "$d/s3.err"
in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --topspeed --loop 3 2>"$d/s4.err"
check "--loop 3: 3000 sent, 15 skipped" grep -q "^3000 frames sent, 15 skipped" "$d/s4.err"
in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --topspeed arp 2>"$d/s5.err"
check "filter 'arp': 143 sent, 862 filtered out" sh -c "grep -q '^143 frames sent' '$d/s5.err' && grep -q '862 filtered out' '$d/s5.err'"
start=$(date +%s%N)
in1 "$tapring" send -i "$va" -r "$d/mixed.pcap" --pps 2000 -c 400 2>"$d/s6.err"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--pps 2000 -c 400: 400 sent, not faster than the rate (${ms} ms >= 195)" \
	sh -c "grep -q '^400 frames sent' '$d/s6.err' && test $ms -ge 195"

# SIGINT during a long paced send
ip netns exec "$n1" "$tapring" send -i "$va" -r "$d/mixed.pcap" --pps 200 --loop 100 2>"$d/s7.err" &
spid=$!
sleep 0.5
kill -INT "$spid"; wait "$spid"; rc=$?
check "SIGINT: exit 0 with counts" sh -c "test $rc -eq 0 && grep -q 'frames sent' '$d/s7.err'"

# raw IP to a TUN: arrives at the reader byte for byte
ip netns exec "$n1" /usr/bin/python3 "$here/tun_hold.py" "$tun" 40 "$d/tun.hex" >"$d/hold" &
holdpid=$!
for _ in $(seq 50); do grep -q up "$d/hold" 2>/dev/null && break; sleep 0.1; done
ip -n "$n1" link set "$tun" up
in1 "$tapring" send -i "$tun" -r "$d/raw.pcap" --topspeed 2>"$d/s8.err"; rc=$?
check "raw IP to the TUN: exit 0, 200 sent" sh -c "test $rc -eq 0 && grep -q '^200 frames sent' '$d/s8.err'"
for _ in $(seq 50); do [ "$(wc -l <"$d/tun.hex" 2>/dev/null)" -ge 200 ] 2>/dev/null && break; sleep 0.1; done
check "the TUN reader got the 200 packets byte for byte" /usr/bin/python3 -c '
import sys
from scapy.all import conf
conf.logLevel = 40
from scapy.utils import rdpcap
sent = [bytes(p).hex() for p in rdpcap(sys.argv[1])]
got = [l.strip() for l in open(sys.argv[2]) if l.strip()]
ours = [g for g in got if g in set(sent)]
sys.exit(0 if ours == sent else 1)' "$d/raw.pcap" "$d/tun.hex"

# link type mismatches and bad arguments: one clear line, exit 1/2
in1 "$tapring" send -i "$tun" -r "$d/mixed.pcap" 2>"$d/e1"; rc=$?
check "Ethernet file to a TUN: exit 1, one line naming both" \
	sh -c "test $rc -eq 1 && test \$(wc -l <'$d/e1') -eq 1 && grep -q 'EN10MB frames but $tun takes raw IP' '$d/e1'"
in1 "$tapring" send -i "$va" -r "$d/raw.pcap" 2>"$d/e2"; rc=$?
check "raw file to a veth: exit 1, clear error" \
	sh -c "test $rc -eq 1 && grep -q 'RAW frames but $va takes Ethernet' '$d/e2'"
in1 "$tapring" send -i nosuchif0 -r "$d/raw.pcap" 2>"$d/e3"; rc=$?
check "unknown interface: exit 1" sh -c "test $rc -eq 1 && grep -q 'no such interface' '$d/e3'"
"$tapring" send -i "$va" 2>"$d/e4"; rc=$?
check "missing -r: exit 2" test "$rc" -eq 2
"$tapring" send -i "$va" -r "$d/raw.pcap" --pps 10 --topspeed 2>"$d/e5"; rc=$?
check "--pps with --topspeed: exit 2" test "$rc" -eq 2
in1 "$tapring" send -i "$tun" -r "$d/raw.pcap" ether host 02:00:00:00:00:01 2>"$d/e6"; rc=$?
check "Ethernet filter on a raw file: exit 1" sh -c "test $rc -eq 1 && grep -q 'bad filter expression' '$d/e6'"
if command -v setpriv >/dev/null; then
	in1 setpriv --inh-caps=-all --bounding-set=-all "$tapring" send -i "$va" -r "$d/mixed.pcap" 2>"$d/e7"; rc=$?
	check "no CAP_NET_RAW: exit 1, names it" sh -c "test $rc -eq 1 && grep -q CAP_NET_RAW '$d/e7'"
fi

echo "$((checks - fail)) of $checks checks passed"
[ "$fail" -eq 0 ]
