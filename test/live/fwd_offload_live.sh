#!/bin/bash
# tapring fwd --offloads between two namespaces joined only by it:
#  - both TAPs get vnet headers and their own offload set (both reported);
#  - a UDP_SEGMENT sender in A reaches a receiver in B with every datagram,
#    in order, exact count and bytes; a TCP stream A -> B arrives complete
#    (sha256); the checksums of every TCP/UDP frame the engine wrote into
#    B are checked in the Python helper (the kernel's local delivery trusts
#    NEEDS_CSUM): the seed for NEEDS_CSUM frames, complete otherwise;
#  - all offloads on both ports: super-frames cross as super-frames (GSO
#    frames seen on B), nothing is segmented or checksummed in software;
#  - port B without USO/TSO (--offload-refuse b:...): A's super-frames are
#    segmented in software (offloads.tx_sw_gso), B sees only plain frames
#    with complete checksums; port B without any offload (b:csum): NEEDS_CSUM
#    frames are also checksummed in software (offloads.tx_sw_csum);
#  - the stats: rx == tx_forwarded + dropped (+ delivered + held), the wire
#    view rx_segments == tx_segments in total and per queue.
# Traffic stays in 10.77.12.0/24 inside the two namespaces.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init fof
H="$(dirname "$0")/fwd_offload_live.py"
nsb=trfob$$; tapb=trp$(($$ % 100000))
ip netns add "$nsb" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$nsb" link set lo up
trap 'live_cleanup; ip netns del "$nsb" 2>/dev/null; ip link del "$tapb" 2>/dev/null' EXIT INT TERM
ib() { timeout 30 ip netns exec "$nsb" "$@"; }
j() { $PY -c "import json,sys; s=json.load(open('$d/stats.json')); print(eval(sys.argv[1]))" "$1"; }

out=$("$tapring" fwd --port "$tap",netns="$ns" --port "$tapb",netns="$nsb" --offload-refuse csum 2>&1); rc=$?
check "--offload-refuse without --offloads: exit 2" test "$rc" -eq 2
out=$("$tapring" fwd --port "$tap",netns="$ns" --port "$tapb",netns="$nsb" --offloads --offload-refuse c:csum 2>&1); rc=$?
check "--offload-refuse c:...: exit 2, one message" test "$rc" -eq 2 -a "$(wc -l <<<"$out")" -eq 1

run_mode() { # NAME ARGS...
	local mode=$1; shift
	rm -f "$d/stats.json"
	"$tapring" fwd --port "$tap",netns="$ns",addr=10.77.12.1/24 --port "$tapb",netns="$nsb",addr=10.77.12.2/24 \
		--offloads "$@" --stats-file "$d/stats.json" --duration 60 2>"$d/fwd.err" &
	uppid=$!
	for _ in $(seq 100); do [ -s "$d/stats.json" ] && break; sleep 0.1; done
	check "$mode: fwd is running" kill -0 "$uppid"
	inns ping -c 1 -W 3 10.77.12.2 >/dev/null

	ib $PY "$H" udprecv 10.77.12.2 9 "$tapb" 20 1400 500 20 >"$d/urecv" 2>&1 &
	local rp=$!
	for _ in $(seq 300); do grep -q ready "$d/urecv" 2>/dev/null && break; sleep 0.1; done
	sent=$(inns $PY "$H" udpsend 10.77.12.2 9 20 1400 500)
	wait $rp
	read -r dg by <<<"$sent"
	check "$mode: sender sent 620 datagrams ($sent)" test "$dg" = 620
	check "$mode: UDP: every datagram in order, exact bytes, checksums verified ($(tail -1 "$d/urecv"))" \
		grep -q "^ok $dg $by " "$d/urecv"
	read -r _ _ _ uframes ugso < <(tail -1 "$d/urecv")

	ib $PY "$H" tcprecv 10.77.12.2 5001 "$tapb" 4000000 20 >"$d/trecv" 2>&1 &
	rp=$!
	for _ in $(seq 300); do grep -q ready "$d/trecv" 2>/dev/null && break; sleep 0.1; done
	inns $PY "$H" tcpsend 10.77.12.2 5001 4000000 >/dev/null
	wait $rp
	check "$mode: TCP: 4000000 bytes intact, checksums verified ($(tail -1 "$d/trecv"))" \
		grep -q "^ok 4000000 " "$d/trecv"
	read -r _ _ tframes tgso < <(tail -1 "$d/trecv")
	sleep 0.5   # last stats
	kill -TERM "$uppid"; wait "$uppid"; uprc=$?; uppid=
	check "$mode: clean exit" test "$uprc" -eq 0
	check "$mode: rx == tx_forwarded + dropped + delivered + held" \
		test "$(j "s['rx']")" = "$(j "s['tx_forwarded'] + s['dropped'] + s['delivered'] + s['held']")"
	check "$mode: nothing dropped ($(j "s['drops']"))" test "$(j "s['dropped']")" = 0
	check "$mode: rx_segments == tx_segments" \
		test "$(j "s['offloads']['rx_segments']")" = "$(j "s['offloads']['tx_segments']")"
	check "$mode: per-queue segments sum to the totals" \
		test "$(j "sum(q['segments']['tx'] for q in s['queues'])")" = "$(j "s['offloads']['tx_segments']")"
	check "$mode: more wire segments than frames (super-frames came in)" \
		test "$(j "s['offloads']['rx_segments']")" -gt "$(j "s['rx']")"
}

run_mode all
check "all: both ports report their offloads" \
	test "$(grep -c "offloads on .*: csum,tso4,tso6,tso_ecn,uso4,uso6$" "$d/fwd.err")" -eq 2
check "all: UDP super-frames crossed as super-frames ($ugso of $uframes frames GSO)" test "$ugso" -gt 0
check "all: TCP super-frames crossed as super-frames ($tgso of $tframes)" test "$tgso" -gt 0
check "all: nothing segmented in software" test "$(j "s['offloads']['tx_sw_gso']")" = 0
check "all: nothing checksummed in software" test "$(j "s['offloads']['tx_sw_csum']")" = 0
check "all: on_b reported" test "$(j "s['offloads']['on_b']")" = "csum,tso4,tso6,tso_ecn,uso4,uso6"

run_mode nogso --offload-refuse b:uso4,uso6,tso4,tso6
check "nogso: port B reports csum only" grep -q "offloads on $tapb: csum$" "$d/fwd.err"
check "nogso: B saw no GSO frame (UDP $ugso, TCP $tgso)" test "$ugso" = 0 -a "$tgso" = 0
check "nogso: super-frames segmented in software ($(j "s['offloads']['tx_sw_gso']"))" \
	test "$(j "s['offloads']['tx_sw_gso']")" -gt 0
check "nogso: B got more frames than A's super-frames (UDP $uframes >= 620)" test "$uframes" -ge 620

run_mode nocsum --offload-refuse b:csum
check "nocsum: port B reports none" grep -q "offloads on $tapb: none" "$d/fwd.err"
check "nocsum: B saw no GSO frame" test "$ugso" = 0 -a "$tgso" = 0
check "nocsum: super-frames segmented in software" test "$(j "s['offloads']['tx_sw_gso']")" -gt 0
check "nocsum: NEEDS_CSUM frames checksummed in software ($(j "s['offloads']['tx_sw_csum']"))" \
	test "$(j "s['offloads']['tx_sw_csum']")" -gt 0
live_done
