#!/bin/bash
# Fault (SECURITY.md): the namespace of the TAP's kernel side is deleted
# (`ip netns del`) while tapring up runs. What happens, checked here:
#  - the name goes (/run/netns/NS), the namespace does not: the engine holds
#    it open (its namespace fd, and each TAP queue's socket), so the device,
#    its addresses and a process already inside keep working: a ping
#    started before the deletion keeps getting answers after it;
#  - the engine reports no error, its stats keep moving, kernel_dropped is
#    still read (through the engine's own namespace fd);
#  - SIGTERM: exit 0, final stats with the accounting equation; the device
#    is removed through that fd, after which nothing holds the namespace
#    and the kernel frees it (no fd of any process refers to it any more).
# Traffic stays in 10.77.12.0/24 inside the namespace; loops are bounded.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init ng ping
up_bg --addr 10.77.12.1/24 --host-addr 10.77.12.2/24 --duration 60
check "up is running" kill -0 "$uppid"
nsid=$(stat -L -c %d:%i "/run/netns/$ns")
# fds_on PID|all: how many fds of that process (or of every process) are
# the namespace
fds_on() {
	$PY - "$nsid" "$1" <<'P'
import os, sys
want, who = sys.argv[1], sys.argv[2]
pids = [p for p in os.listdir("/proc") if p.isdigit()] if who == "all" else [who]
n = 0
for p in pids:
    try:
        fds = os.listdir(f"/proc/{p}/fd")
    except OSError:
        continue
    for f in fds:
        try:
            st = os.stat(f"/proc/{p}/fd/{f}")
        except OSError:
            continue
        n += f"{st.st_dev}:{st.st_ino}" == want
print(n)
P
}
holds() { [ "$(fds_on "$1")" -ge 1 ]; }
check "the engine holds the namespace open (fd on nsfs $nsid)" holds "$uppid"

timeout 20 ip netns exec "$ns" ping -n -i 0.1 -c 40 -W 1 10.77.12.1 >"$d/ping.out" 2>&1 &
ppid=$!
sleep 1
before=$(grep -c "bytes from" "$d/ping.out")
ip netns del "$ns"
check "the namespace name is gone" test ! -e "/run/netns/$ns"
rx0=$($PY -c "import json; print(json.load(open('$d/stats.json'))['rx'])")
wait "$ppid"
after=$(grep -c "bytes from" "$d/ping.out")
check "ping from inside keeps getting answers after the deletion ($before -> $after of 40)" \
	sh -c "[ $before -ge 3 ] && [ $after -ge 35 ]"
sleep 1.2
rx1=$($PY -c "import json; print(json.load(open('$d/stats.json'))['rx'])")
check "engine stats keep moving after the deletion ($rx0 -> $rx1)" test "$rx1" -gt "$rx0"
check "engine still running, no error" kill -0 "$uppid"
check "the engine still holds the namespace" holds "$uppid"
stop_up
check "SIGTERM: exit 0" test "$uprc" -eq 0
eq=$($PY - "$d/stats.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
lhs = s["rx"]; rhs = s["delivered"] + s["tx_forwarded"] + s["dropped"] + s["held"]
print("ok" if lhs == rhs and s["held"] == 0 and lhs >= 35 else f"rx {lhs} != {rhs}")
P
)
check "final stats: rx == delivered + tx_forwarded + dropped ($eq)" test "$eq" = ok
left=$(fds_on all)
check "after exit no process refers to the namespace ($left fds)" test "$left" -eq 0
live_done
