#!/bin/bash
# tapring send --topspeed against Debian's tcpreplay --topspeed, same file,
# same device, same run: frames/s (wall) and CPU ns per frame (user + sys
# of the sender process), alternated A B A B, medians and their ratio.
#
#   bench_send.sh TAPRING [FRAMES_PER_RUN] [ROUNDS]
#
# Device: one end of a veth pair in a namespace made here (the other end up,
# in a second namespace, so frames are really delivered). File: 1000 UDP
# frames of 64 bytes (and a second run at 1514 bytes), looped to
# FRAMES_PER_RUN (default 2000000). Prints a machine stamp first (CPU model,
# kernel, a getppid() syscall cost measured now).
set -u
tapring=$1
total=${2:-2000000}
rounds=${3:-5}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v tcpreplay >/dev/null || { echo "SKIP: tcpreplay not installed"; exit 77; }
id=$$
n1=tbs1$id; n2=tbs2$id; va=tba$id; vb=tbb$id
d=$(mktemp -d)
cleanup() { ip netns del "$n1" 2>/dev/null; ip netns del "$n2" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT INT TERM

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "kernel: $(uname -r)"
/usr/bin/python3 - <<'PY'
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
n = 200000
t = time.perf_counter_ns()
for _ in range(n):
    libc.syscall(110)          # getppid
t2 = time.perf_counter_ns()
for _ in range(n):
    libc.abs(1)                # the loop and ctypes call overhead alone
t3 = time.perf_counter_ns()
print("syscall getppid: %.0f ns (python ctypes loop, overhead %.0f ns subtracted)"
      % (((t2 - t) - (t3 - t2)) / n, (t3 - t2) / n))
PY

ip netns add "$n1" && ip netns add "$n2" || { echo "SKIP: cannot create namespaces"; exit 77; }
ip -n "$n1" link add "$va" type veth peer name "$vb" netns "$n2"
ip -n "$n1" link set "$va" up; ip -n "$n2" link set "$vb" up

/usr/bin/python3 - "$d" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
for size in (64, 1514):
    pk = []
    for i in range(1000):
        f = Ether(src="02:77:00:00:00:aa", dst="02:77:00:00:00:bb") / IP(src="10.77.5.1", dst="10.77.5.2", id=i) / UDP(sport=4000 + i, dport=9)
        f = f / Raw(b"x" * (size - len(f)))
        pk.append(f)
    wrpcap("%s/f%d.pcap" % (sys.argv[1], size), pk)
PY
loops=$(( total / 1000 ))

run() { # run WHAT SIZE -> "wall_ns cpu_ns"
	local cmd
	if [ "$1" = tapring ]; then
		cmd=("$tapring" send -i "$va" -r "$d/f$2.pcap" --topspeed --loop "$loops")
	else
		cmd=(tcpreplay -q -i "$va" --topspeed --loop "$loops" "$d/f$2.pcap")
	fi
	local s e
	s=$(date +%s%N)
	ip netns exec "$n1" /usr/bin/time -f "%U %S" -o "$d/time" "${cmd[@]}" >/dev/null 2>"$d/err" || {
		echo "$1 failed: $(tail -2 "$d/err")" >&2; echo "0 0"; return; }
	e=$(date +%s%N)
	read -r u sy <"$d/time"
	echo "$((e - s)) $(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.0f", (u + s) * 1e9 }')"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for size in 64 1514; do
	: >"$d/a_rate"; : >"$d/a_cpu"; : >"$d/b_rate"; : >"$d/b_cpu"
	for r in $(seq "$rounds"); do
		for who in tapring tcpreplay; do
			read -r w c < <(run "$who" "$size")
			[ "$w" -gt 0 ] || continue
			f=$([ "$who" = tapring ] && echo a || echo b)
			awk -v w="$w" -v n="$total" 'BEGIN { printf "%.0f\n", n / (w / 1e9) }' >>"$d/${f}_rate"
			awk -v c="$c" -v n="$total" 'BEGIN { printf "%.1f\n", c / n }' >>"$d/${f}_cpu"
		done
	done
	ar=$(median <"$d/a_rate"); br=$(median <"$d/b_rate")
	ac=$(median <"$d/a_cpu"); bc=$(median <"$d/b_cpu")
	echo "size $size B, $total frames x $rounds rounds (median):"
	echo "  tapring send --topspeed : $ar frames/s, $ac CPU ns/frame"
	echo "  tcpreplay --topspeed    : $br frames/s, $bc CPU ns/frame"
	awk -v a="$ar" -v b="$br" -v ac="$ac" -v bc="$bc" \
		'BEGIN { printf "  ratio tapring/tcpreplay : %.2fx frames/s, %.2fx CPU per frame\n", a / b, ac / bc }'
done
