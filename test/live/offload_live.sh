#!/bin/bash
# tapring up --offloads (and without) inside a namespace the test creates:
#  - a UDP_SEGMENT sender's super-frames reach --udp-discard with exact
#    datagram and byte counts (datagrams after segmentation, bytes = UDP
#    payload), IPv4 and IPv6; with offloads fewer frames than datagrams
#    cross (super-frames), without offloads one frame per datagram;
#  - a super-frame sent to --udp-echo comes back as one super-frame with
#    the same segmentation, and the kernel-side socket receives the same
#    datagrams; the checksums of the frames that cross are checked in the
#    Python helper (the kernel trusts NEEDS_CSUM on local delivery);
#  - offload probing with a forced fallback (--offload-refuse) reports the
#    features left on; --offload-refuse without --offloads is refused;
#  - the accounting equation holds on the final stats.
# Traffic stays in 10.77.3.0/24 / fd77:3::/64 inside the namespace.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init off
H="$(dirname "$0")/offload_live.py"

start() {
	up_bg --addr 10.77.3.1/24 --addr fd77:3::1/64 --host-addr 10.77.3.2/24 \
		--host-addr fd77:3::2/64 --udp-echo 7 --udp-discard 9 --duration 60 "$@"
	for _ in $(seq 40); do
		ip -n "$ns" -6 addr show tentative | grep -q fd77:3::2 || break; sleep 0.1
	done
	inns ping -c 1 -W 2 10.77.3.1 >/dev/null
	inns ping -6 -c 1 -W 2 fd77:3::1 >/dev/null
}

j() { $PY -c "import json,sys; s=json.load(open('$d/stats.json')); print(eval(sys.argv[1]))" "$1"; }

for mode in offloads plain; do
	args=(); [ $mode = offloads ] && args=(--offloads)
	start "${args[@]}"
	check "$mode: up is running" kill -0 "$uppid"
	r4=$(inns $PY "$H" send 10.77.3.1 9 20 1400 700)
	r6=$(inns $PY "$H" send fd77:3::1 9 20 1200 333)
	read -r dg4 by4 <<<"$r4"; read -r dg6 by6 <<<"$r6"
	want_dg=$((dg4 + dg6)); want_by=$((by4 + by6))
	for _ in $(seq 50); do
		[ "$(j "s['discard']['datagrams']" 2>/dev/null)" = "$want_dg" ] && break; sleep 0.1
	done
	out=$(inns $PY "$H" echo 10.77.3.1 7 "$tap" 1300)
	check "$mode: v4 super-frame echo returns the same datagrams, checksums verified ($out)" grep -q "^ok 21 " <<<"$out"
	if [ $mode = offloads ]; then
		check "$mode: the echo crossed as one GSO super-frame" grep -q "^ok 21 1 1$" <<<"$out"
	else
		check "$mode: the echo crossed as 21 frames" grep -q "^ok 21 21 0$" <<<"$out"
	fi
	out=$(inns $PY "$H" echo fd77:3::1 7 "$tap" 1200)
	check "$mode: v6 super-frame echo returns the same datagrams ($out)" grep -q "^ok 21 " <<<"$out"
	stop_up
	check "$mode: clean exit" test "$uprc" -eq 0
	check "$mode: discard datagrams == $want_dg" test "$(j "s['discard']['datagrams']")" = "$want_dg"
	check "$mode: discard bytes == $want_by" test "$(j "s['discard']['bytes']")" = "$want_by"
	check "$mode: udp.discarded frames counted" test "$(stat_of udp.discarded)" -gt 0
	if [ $mode = offloads ]; then
		check "$mode: super-frames: fewer frames than datagrams" test "$(stat_of udp.discarded)" -lt "$want_dg"
		check "$mode: offloads reported" test "$(j "s['offloads']['on']")" = "csum,tso4,tso6,tso_ecn,uso4,uso6"
		check "$mode: rx_segments > rx" test "$(j "s['offloads']['rx_segments']")" -gt "$(j "s['rx']")"
	else
		check "$mode: one frame per datagram" test "$(stat_of udp.discarded)" -eq "$want_dg"
	fi
	check "$mode: rx == delivered + fwd + dropped + held" \
		test "$(j "s['rx']")" -eq "$(j "s['delivered'] + s['tx_forwarded'] + s['dropped'] + s['held']")"
	check "$mode: no kernel drops" test "$(j "s['kernel_dropped']")" -eq 0
done

# Forced fallback: the kernel "refuses" USO, then CSUM (so everything).
"$tapring" up --tap "$tap" --netns "$ns" --addr 10.77.3.1/24 --offloads --offload-refuse uso \
	--duration 0.5 2>"$d/fb.err" >/dev/null
check "fallback without USO: csum,tso4,tso6,tso_ecn" grep -q "offloads on $tap: csum,tso4,tso6,tso_ecn$" "$d/fb.err"
"$tapring" up --tap "$tap" --netns "$ns" --addr 10.77.3.1/24 --offloads --offload-refuse tso_ecn \
	--duration 0.5 2>"$d/fb.err" >/dev/null
check "fallback without TSO_ECN keeps USO" grep -q "offloads on $tap: csum,tso4,tso6,uso4,uso6$" "$d/fb.err"
"$tapring" up --tap "$tap" --netns "$ns" --addr 10.77.3.1/24 --offloads --offload-refuse csum \
	--duration 0.5 2>"$d/fb.err" >/dev/null
check "fallback without CSUM: none" grep -q "offloads on $tap: none" "$d/fb.err"
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --offload-refuse uso 2>"$d/bad.err"
check "--offload-refuse without --offloads: exit 2" test $? -eq 2
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --offloads --offload-refuse bogus 2>"$d/bad.err"
check "--offload-refuse bogus: exit 2" test $? -eq 2
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --udp-echo 9 --udp-discard 9 2>"$d/bad.err"
check "--udp-discard on the echo port: exit 2" test $? -eq 2
"$tapring" up --tap "$tap" --addr 10.77.3.1/24 --tun --offloads 2>"$d/bad.err"
check "--offloads with --tun: exit 2" test $? -eq 2
# A persistent device made for offloads.
pt=tq$(($$ % 100000))
"$tapring" tap create "$pt" --vnet-hdr --offloads --netns "$ns" >"$d/pt.out" 2>"$d/pt.err"
check "tap create --vnet-hdr --offloads: name printed" grep -qx "$pt" "$d/pt.out"
check "tap create --vnet-hdr --offloads: features reported" \
	grep -q "offloads on $pt: csum tso4 tso6 tso_ecn uso4 uso6" "$d/pt.err"
check "tap list shows vnet_hdr" sh -c "'$tapring' tap list --netns '$ns' | grep '^$pt ' | grep -q vnet_hdr"
"$tapring" tap destroy "$pt" --netns "$ns"
"$tapring" tap create "x$pt" --offloads 2>/dev/null
check "tap create --offloads without --vnet-hdr: refused" test $? -ne 0
live_done
