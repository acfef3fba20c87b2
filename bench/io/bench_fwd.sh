#!/bin/bash
# bench_fwd.sh TAPRING FWD_GEN [FRAMES]: `tapring fwd` throughput between two
# namespaces, in Mpps at 64 B and Gbit/s at 1514 B, with 0 and 100 payload
# rules, against two baselines measured in the same run, alternated:
#   copy   a plain loop: read() from TAP A, write() to TAP B, one syscall
#          per frame each (fwd_gen copy)
#   veth   the kernel's own path between the same two namespaces: a veth
#          pair, sender on one end, receiver on the other
# The sender (AF_PACKET sendmmsg, fwd_gen send) offers FRAMES (default
# 300000) IPv4/UDP frames as fast as it can on A's kernel side; the
# receiver counts them on B's kernel side from the first to the last.
# Root only (exits 77 otherwise). Traffic: 10.77.99.0/24, L2 broadcast,
# inside the two namespaces this script makes. TR_BENCH_ROUNDS (default 2).
set -u
tapring=$1; gen=$2; frames=${3:-300000}; rounds=${TR_BENCH_ROUNDS:-2}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
na=trbfa$$; nb=trbfb$$; ta=trba$(($$ % 100000)); tb=trbb$(($$ % 100000)); d=$(mktemp -d)
cleanup() { ip netns del "$na" 2>/dev/null; ip netns del "$nb" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT INT TERM
ip netns add "$na" && ip netns add "$nb" || exit 77
"$gen" stamp
for r in $(seq 100); do printf 'r%d:/lit%02dzq%cx/\n' "$r" "$r" "$(printf "\\x$(printf %x $((97 + r % 26)))")"; done >"$d/rules100"

recv_start() { # IFACE NS
	ip netns exec "$2" "$gen" recv "$1" 30 >"$d/recv.out" &
	rp=$!
	for _ in $(seq 50); do grep -q ready "$d/recv.out" 2>/dev/null && break; sleep 0.1; done
}
recv_result() { wait "$rp"; tail -1 "$d/recv.out"; }
wait_link() { for _ in $(seq 50); do ip -n "$1" link show "$2" >/dev/null 2>&1 && break; sleep 0.1; done; }

run_engine() { # LEN [RULES]
	local extra=()
	[ -n "${2:-}" ] && extra=(--match "$2")
	"$tapring" fwd --port "$ta,netns=$na" --port "$tb,netns=$nb" --quiet --duration 60 "${extra[@]}" &
	local fp=$!
	wait_link "$na" "$ta"; wait_link "$nb" "$tb"; sleep 0.3
	recv_start "$tb" "$nb"
	ip netns exec "$na" "$gen" send "$ta" "$frames" "$1" >/dev/null
	recv_result
	kill -TERM "$fp"; wait "$fp" 2>/dev/null
}
run_copy() { # LEN
	"$gen" copy "$ta" "$tb" 60 >/dev/null &
	local cp=$!
	wait_link "" "$ta" 2>/dev/null; sleep 0.3
	ip link set "$ta" netns "$na"; ip link set "$tb" netns "$nb"
	ip -n "$na" link set "$ta" up; ip -n "$nb" link set "$tb" up
	sleep 0.3
	recv_start "$tb" "$nb"
	ip netns exec "$na" "$gen" send "$ta" "$frames" "$1" >/dev/null
	recv_result
	kill -TERM "$cp"; wait "$cp" 2>/dev/null
	ip -n "$na" link del "$ta" 2>/dev/null; ip -n "$nb" link del "$tb" 2>/dev/null
}
run_veth() { # LEN
	ip link add "$ta" netns "$na" type veth peer name "$tb" netns "$nb"
	ip -n "$na" link set "$ta" up; ip -n "$nb" link set "$tb" up
	sleep 0.3
	recv_start "$tb" "$nb"
	ip netns exec "$na" "$gen" send "$ta" "$frames" "$1" >/dev/null
	recv_result
	ip -n "$na" link del "$ta"
}
pps() { sed -n 's/.*pps \([0-9.]*\).*/\1/p' <<<"$1"; }
gbps() { sed -n 's/.*gbps \([0-9.]*\).*/\1/p' <<<"$1"; }

for len in 64 1514; do
	for round in $(seq "$rounds"); do
		e0=$(run_engine "$len"); e100=$(run_engine "$len" "$d/rules100"); c=$(run_copy "$len"); v=$(run_veth "$len")
		for name in e0 e100 c v; do
			line=${!name}
			case $name in e0) lab="tapring fwd, 0 rules  ";; e100) lab="tapring fwd, 100 rules";;
				c) lab="plain copy loop       ";; v) lab="kernel veth pair      ";; esac
			printf '%4d B round %d  %s  %s\n' "$len" "$round" "$lab" "$line"
		done
		pc=$(pps "$c"); pv=$(pps "$v")
		/usr/bin/python3 - "$(pps "$e0")" "$(pps "$e100")" "$pc" "$pv" "$len" <<'P'
import sys
e0, e100, c, v, ln = (float(x or 0) for x in sys.argv[1:6])
unit = lambda p: f"{p/1e6:.2f} Mpps" if ln < 100 else f"{p*ln*8/1e9:.2f} Gbit/s"
r = lambda a, b: f"{a/b:.2f}x" if b else "n/a"
print(f"      => fwd 0 rules {unit(e0)} ({r(e0,c)} the copy loop, {r(e0,v)} veth); "
      f"100 rules {unit(e100)} ({r(e100,c)} copy, {r(e100,e0)} of 0 rules)")
P
	done
done
