#!/bin/bash
# tapring fwd --user and --cpus: with one queue, --cpus 1 pins worker
# tr-io-q0 (both ports' queue 0) to CPU 1 (read from /proc); --user drops
# root for good before any thread starts, so every thread has the user's
# uid, no capability (CapEff/CapPrm/CapInh/CapAmb all zero) and
# NoNewPrivs 1; ping still crosses the bump after the drop; SIGTERM still
# writes the final stats (user-owned file) with every frame accounted for.
# The user is created here (useradd -M, unique name) and removed on every
# exit path. Traffic: pings in 10.77.14.0/24 between the two namespaces.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init fu ping useradd userdel
[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs"; exit 77; }
user=trfu$$
useradd -M -N -g nogroup -s /usr/sbin/nologin "$user" >/dev/null 2>&1 ||
	{ echo "SKIP: cannot create a user"; exit 77; }
uid=$(id -u "$user")
nsb=trfub$$; tapb=trv$(($$ % 100000))
fu_cleanup() {
	live_cleanup
	ip netns del "$nsb" 2>/dev/null
	ip link del "$tapb" 2>/dev/null
	userdel "$user" 2>/dev/null
}
trap fu_cleanup EXIT INT TERM
ip netns add "$nsb" || { echo "SKIP: cannot create a namespace"; exit 77; }
ip -n "$nsb" link set lo up
chmod 755 "$d"
# a process that left root is non-dumpable: LeakSanitizer cannot trace it
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"

out=$("$tapring" fwd --port a --port b --user "nouser$$" 2>&1); rc=$?
check "unknown user: exit 2 with one message" test "$rc" -eq 2 -a "$(wc -l <<<"$out")" -eq 1
out=$("$tapring" fwd --port a --port b --queues 2 --cpus 0 2>&1); rc=$?
check "--cpus shorter than --queues: exit 2" test "$rc" -eq 2

"$tapring" fwd --port "$tap",netns="$ns",addr=10.77.14.1/24 --port "$tapb",netns="$nsb",addr=10.77.14.2/24 \
	--user "$user" --cpus 1 --stats-file "$d/stats.json" --quiet --duration 60 2>"$d/fwd.err" &
uppid=$!
for _ in $(seq 100); do [ -s "$d/stats.json" ] && break; sleep 0.1; done
check "fwd --user --cpus 1 is running" kill -0 "$uppid"

check "every thread uid $uid, no capabilities, NoNewPrivs 1" every_thread_dropped "$uppid"
n=0; wq=missing
for t in /proc/"$uppid"/task/*; do
	n=$((n + 1))
	[ "$(cat "$t/comm" 2>/dev/null)" = tr-io-q0 ] && wq=$(awk '/Cpus_allowed_list/ {print $2}' "$t/status")
done
check "more than one thread ($n)" test "$n" -ge 2
check "worker tr-io-q0 pinned to CPU 1 ($wq)" test "$wq" = 1
out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.14.2 2>&1)
check "ping crosses the bump after the drop" grep -q " 0% packet loss" <<<"$out"

kill -TERM "$uppid"; wait "$uppid"; rc=$?; uppid=
check "fwd exits 0 on SIGTERM" test "$rc" -eq 0
out=$($PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
ok = (s["rx"] == s["tx_forwarded"] + s["dropped"] + s["held"] + s["delivered"] and s["rx"] >= 6)
print("ok" if ok else "bad", s["rx"], s["tx_forwarded"], s["dropped"], s["drops"])
P
)
echo "  $out"
check "final stats written after the drop, every frame accounted for" grep -q "^ok" <<<"$out"
check "the stats file belongs to the user" test "$(stat -c %u "$d/stats.json")" = "$uid"
live_done
