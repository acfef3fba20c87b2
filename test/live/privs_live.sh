#!/bin/bash
# Least privilege (issue 11), with a real unprivileged user the test creates
# (useradd -M, unique name with the PID, removed on every exit path):
#  1. tapring up --user U with --netns, --stats-file in a root-only 0755
#     directory and --dump-file: every thread of the running process has
#     uid U, empty CapEff/CapPrm/CapInh/CapAmb and NoNewPrivs 1; the engine
#     answers a ping; SIGTERM under a ping flood and a UDP blast: exit 0, final
#     stats with the accounting equation and a capture file tshark reads.
#  2. --user with an unknown user or group: exit 2, one clear line.
#  3. tapring dump --user U -w FILE: the same per-thread checks; the file
#     reads back.
#  4. A user-owned persistent multiqueue TAP (tapring tap create --owner
#     --group --netns --addr --up) served by U with no capabilities inside
#     the namespace, --queues 2: ping answered, the device kept at exit;
#     a missing --host-addr and a down device each fail naming
#     CAP_NET_ADMIN; another user is refused naming the owner; --queues 2
#     on a single-queue TAP is refused.
# /dev/net/tun may be mode 0600 on a host: step 4 runs in a private mount
# namespace with a 0666 node bound over it (nothing changes outside).
# Traffic stays in 10.77.11.0/24 inside the namespace; loops are bounded.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init pv ping tshark useradd userdel setpriv unshare
live_other_user_can_run "$tapring" ||
	{ echo "SKIP: other users cannot run $tapring (a directory above it or its library is not searchable by them, e.g. a 0700 checkout)"; exit 77; }
user=trpv$$
useradd -M -N -g nogroup -s /usr/sbin/nologin "$user" >/dev/null 2>&1 ||
	{ echo "SKIP: cannot create a user"; exit 77; }
uid=$(id -u "$user")
tq=trq$(($$ % 100000))
priv_cleanup() {
	live_cleanup
	[ -n "${dpid:-}" ] && kill -KILL "$dpid" 2>/dev/null
	ip link del "$tq" 2>/dev/null
	userdel "$user" 2>/dev/null
}
trap priv_cleanup EXIT INT TERM
chmod 755 "$d"            # the user may not create files in $d
# After setresuid away from root the kernel makes the process non-dumpable,
# so LeakSanitizer's exit-time tracer cannot ptrace it and reports a fatal
# error: leak checking is off for the processes that drop (sanitizer build)
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"

# 1. up --user
up_bg --addr 10.77.11.1/24 --host-addr 10.77.11.2/24 --duration 60 --user "$user" \
	--dump-file "$d/cap.pcapng"
check "up --user is running" kill -0 "$uppid"
nthreads=$(ls /proc/"$uppid"/task 2>/dev/null | wc -l)
check "up has its worker and writer threads ($nthreads)" test "$nthreads" -ge 3
check "up: every thread uid $uid, no capabilities, NoNewPrivs 1" every_thread_dropped "$uppid"
check "stats file belongs to the user" test "$(stat -c %u "$d/stats.json")" = "$uid"
out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.11.1 2>&1)
check "after the drop: ping answered" grep -q " 0% packet loss" <<<"$out"
# SIGTERM under full load: a ping flood plus a UDP blast (to a closed port:
# ICMP errors, rate-limited) for at most 6 s, both still running at the stop
inns ping -n -f -w 6 10.77.11.1 >/dev/null 2>&1 &
fpid=$!
inns $PY - <<'P' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 6
while time.time() < end:
    try:
        s.sendto(b"x" * 200, ("10.77.11.1", 9))
    except OSError:
        pass
P
bpid=$!
sleep 2
stop_up
wait "$fpid" "$bpid" 2>/dev/null
check "SIGTERM after the drop: exit 0" test "$uprc" -eq 0
eq=$($PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
lhs = s["rx"]; rhs = s["delivered"] + s["tx_forwarded"] + s["dropped"] + s["held"]
print("ok" if lhs == rhs and s["held"] == 0 and lhs > 100 else f"rx {lhs} != {rhs}")
P
)
check "final stats written after the drop: rx == delivered + tx_forwarded + dropped ($eq)" test "$eq" = ok
n=$(tshark -r "$d/cap.pcapng" 2>/dev/null | wc -l)
w=$($PY -c "import json; print(json.load(open('$d/stats.json'))['dump']['written'])")
check "capture file finished after the drop: tshark reads $n frames = dump.written $w" \
	sh -c "[ '$n' -gt 100 ] && [ '$n' -eq '$w' ]"

# 1b. a local user plants a symlink where the old code put its temporary
# stats file (PATH.tmp.PID, predictable: bash's exec keeps the PID) in a
# world-writable sticky directory; tapring up, as root, must not follow it
sd=$(mktemp -d); chmod 1777 "$sd"; echo victim >"$d/victim"
bash -c 'ln -s "$1" "$2/stats.json.tmp.$$"; exec "${@:3}"' _ "$d/victim" "$sd" \
	"$tapring" up --tap "$tap" --addr 10.77.11.1/24 --stats-file "$sd/stats.json" --duration 1.5 \
	--quiet 2>"$d/sym.err"; rc=$?
check "a planted symlink is not followed: victim intact, stats written" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$d/victim')\" = victim ] && $PY -c 'import json; json.load(open(\"$sd/stats.json\"))'"
rm -rf "$sd"

# 2. unknown user / group
"$tapring" up --tap "$tap" --addr 10.77.11.1/24 --user nosuchuser$$ 2>"$d/e1"; rc=$?
check "--user unknown: exit 2, one line naming it" \
	sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$d/e1') -eq 1 ] && grep -q \"unknown user 'nosuchuser$$'\" '$d/e1'"
"$tapring" up --tap "$tap" --addr 10.77.11.1/24 --user "$user:nosuchgroup$$" 2>"$d/e2"; rc=$?
check "--user U:unknown-group: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'unknown group' '$d/e2'"
"$tapring" dump -i lo --user nosuchuser$$ 2>"$d/e3"; rc=$?
check "dump --user unknown: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'unknown user' '$d/e3'"

# 3. dump --user (on the namespace's loopback: ping -c 2 gives 4 ICMP frames)
inns "$tapring" dump -i lo --user "$user" -c 4 -w "$d/dump.pcap" icmp 2>"$d/dump.err" &
dpid=$!
for _ in $(seq 50); do [ -s "$d/dump.pcap" ] && break; sleep 0.1; done
sleep 0.3
dtp=$(pgrep -u "$user" -f "tapring dump -i lo" | head -1)
check "dump: every thread uid $uid, no capabilities, NoNewPrivs 1" every_thread_dropped "${dtp:-0}"
inns ping -n -c 2 -i 0.2 -W 1 127.0.0.1 >/dev/null
wait "$dpid"; rc=$?; dpid=
n=$(tshark -r "$d/dump.pcap" 2>/dev/null | wc -l)
check "dump after the drop: exit 0, 4 frames read back ($n)" sh -c "[ $rc -eq 0 ] && [ '$n' -eq 4 ]"
[ "$rc" -eq 0 ] || cat "$d/dump.err"

# 4. a user-owned multiqueue TAP, served with no capabilities
"$tapring" tap create "$tq" --owner "$user" --group nogroup --queues 2 --netns "$ns" \
	--addr 10.77.11.6/24 --up >/dev/null
check "tap create --owner --group --queues 2 --netns" ip -n "$ns" link show "$tq"
cat >"$d/asuser.sh" <<'S'
# asuser.sh USER NS CMD...: in a private mount namespace with a 0666
# /dev/net/tun node, enter NS, become USER with no capabilities at all.
set -e
u=$1 ns=$2; shift 2
m=$(mktemp -d)
mount -t tmpfs -o mode=755 none "$m"
mknod -m 666 "$m/tun" c 10 200
mount --bind "$m/tun" /dev/net/tun
exec ip netns exec "$ns" setpriv --reuid "$u" --regid nogroup --clear-groups \
	--inh-caps=-all --bounding-set=-all --no-new-privs "$@"
S
asuser() { timeout 30 unshare --mount --propagation private bash "$d/asuser.sh" "$@"; }
asuser "$user" "$ns" "$tapring" up --tap "$tq" --queues 2 --addr 10.77.11.5/24 \
	--host-addr 10.77.11.6/24 --duration 20 --quiet --stats-file /tmp/trpv$$.json 2>"$d/own.err" &
uppid=$!
for _ in $(seq 50); do [ -s /tmp/trpv$$.json ] && break; sleep 0.1; done
check "user-owned TAP: up runs as the user" kill -0 "$uppid"
upid=$(pgrep -u "$user" -f "tapring up --tap $tq" | head -1)
check "user-owned TAP: the process has uid $uid, no capabilities" every_thread_dropped "${upid:-0}"
out=$(inns ping -n -c 3 -i 0.2 -W 2 10.77.11.5 2>&1)
check "user-owned TAP: ping answered without any capability" grep -q " 0% packet loss" <<<"$out"
q=$(ip -n "$ns" -d link show "$tq" | grep -o 'numqueues [0-9]*')
check "user-owned TAP: 2 queues attached ($q)" test "$q" = "numqueues 2"
kill -TERM "${upid:-0}"; wait "$uppid"; rc=$?; uppid=
rm -f /tmp/trpv$$.json
check "user-owned TAP: clean exit 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$d/own.err"
check "user-owned TAP: the device is kept" ip -n "$ns" link show "$tq"
asuser "$user" "$ns" "$tapring" up --tap "$tq" --addr 10.77.11.5/24 --host-addr 10.77.11.7/24 \
	--duration 1 --quiet 2>"$d/e4"; rc=$?
check "missing host address: exit 1 naming CAP_NET_ADMIN" \
	sh -c "[ $rc -eq 1 ] && grep -q 'adding an address to $tq needs CAP_NET_ADMIN' '$d/e4'"
asuser nobody "$ns" "$tapring" up --tap "$tq" --addr 10.77.11.5/24 --duration 1 --quiet 2>"$d/e5"; rc=$?
check "another user: exit 1 naming the owner" \
	sh -c "[ $rc -eq 1 ] && grep -q 'needs uid $uid and group' '$d/e5'"
ip -n "$ns" link set "$tq" down
asuser "$user" "$ns" "$tapring" up --tap "$tq" --addr 10.77.11.5/24 --duration 1 --quiet 2>"$d/e6"; rc=$?
check "device down: exit 1 naming CAP_NET_ADMIN" \
	sh -c "[ $rc -eq 1 ] && grep -q 'bringing $tq up needs CAP_NET_ADMIN' '$d/e6'"
ip -n "$ns" link del "$tq"
"$tapring" tap create "$tq" --owner "$user" --netns "$ns" --up >/dev/null
asuser "$user" "$ns" "$tapring" up --tap "$tq" --queues 2 --addr 10.77.11.5/24 --duration 1 \
	--quiet 2>"$d/e7"; rc=$?
check "--queues 2 on a single-queue TAP: exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'single-queue' '$d/e7'"

live_done
