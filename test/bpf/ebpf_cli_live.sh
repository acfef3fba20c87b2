#!/bin/bash
# tapring up with the kernel eBPF programs, against real clients in a
# namespace:
#   - --queues 2 (symmetric steering by default): 16 UDP flows echo
#     completely, both queues take flows, every queue answers exactly what
#     it received (a reply leaves on its request's queue), and a 3000-byte
#     datagram (kernel-fragmented) is reassembled and echoed;
#   - --block: a blocked source prefix and a blocked UDP port never reach
#     the stack, "kernel_blocked" counts them by kind, `tapring block
#     list/del` work on the running engine, the pins go at exit;
#   - bad rules and values: one message, exit 2, no TAP left;
#   - with --kernel-filter too, the cBPF program runs first;
#   - TAPRING_TEST_NO_TUN_EBPF=1 (the kernel feature forced off): a fatal
#     error naming the ioctl when the user asked for the feature, a warning
#     and a working engine when not.
set -u
tapring=$1
. "$(dirname "$0")/../live/lib.sh"
live_init eb ping
pins=/sys/fs/bpf/tapring/$tap
q() { $PY -c "import json,sys; s=json.load(open('$d/stats.json')); print(eval(sys.argv[1]))" "$1"; }

# ---- bad input -------------------------------------------------------------
for bad in "--block 10.77.0.300/33" "--block udp/70000" "--block fd77::/129" "--steering sideways"; do
	# shellcheck disable=SC2086
	"$tapring" up --tap "$tap" --addr 10.77.4.1/24 $bad --duration 1 2>"$d/bad"; rc=$?
	check "$bad: exit 2" test "$rc" -eq 2
	check "$bad: one message" test "$(wc -l <"$d/bad")" -eq 1
	check "$bad: no TAP left" sh -c "! ip link show $tap >/dev/null 2>&1"
done

# ---- steering: 16 UDP flows over 2 queues ---------------------------------------
up_bg --queues 2 --addr 10.77.4.1/24 --host-addr 10.77.4.2/24 --udp-echo 7 --duration 60
check "steering reported" test "$(q "s['steering']")" = symmetric
out=$(inns $PY - <<'P'
import socket
socks = []
for i in range(16):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.4.2", 41000 + i * 7))
    s.settimeout(2)
    socks.append(s)
ok = 0
for r in range(20):
    for i, s in enumerate(socks):
        s.sendto(b"flow%d-%d" % (i, r), ("10.77.4.1", 7))
    for i, s in enumerate(socks):
        try:
            data, _ = s.recvfrom(2048)
            ok += data == b"flow%d-%d" % (i, r)
        except socket.timeout:
            pass
big = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
big.settimeout(3)
payload = bytes(range(256)) * 12
big.sendto(payload[:1800], ("10.77.4.1", 7))
try:
    data, _ = big.recvfrom(65535)
    bigok = data == payload[:1800]
except socket.timeout:
    bigok = False
print(ok, int(bigok))
P
)
check "320 of 320 echoes ($out)" test "${out%% *}" = 320
check "1800-byte datagram (2 fragments) reassembled and echoed" test "${out##* }" = 1
sleep 1.3
q0=$(q "s['queues'][0]['rx']"); q1=$(q "s['queues'][1]['rx']")
check "both queues received ($q0 / $q1)" test "$q0" -gt 0 -a "$q1" -gt 0
for i in 0 1; do
	bal=$(q "s['queues'][$i]['rx'] - s['queues'][$i]['dropped'] - s['queues'][$i]['tx']")
	check "queue $i answered on itself what it received (rx - dropped - tx = $bal)" test "$bal" -le 0
done
check "blocklist attached even without --block" test -e "$pins/block_src4"
stop_up
check "clean exit" test "$uprc" -eq 0
check "pins removed at exit" test ! -e "$pins"

# ---- blocklist ---------------------------------------------------------------------
up_bg --addr 10.77.4.1/24 --host-addr 10.77.4.2/24 --host-addr 10.77.4.200/24 \
	--block 10.77.4.128/25 --block udp/9 --duration 60
out=$(inns ping -n -c 2 -i 0.2 -W 1 10.77.4.1 2>&1)
check "ping from an allowed source" grep -q " 0% packet loss" <<<"$out"
out=$(inns ping -n -c 5 -i 0.2 -W 1 -I 10.77.4.200 10.77.4.1 2>&1)
check "ping from the blocked prefix gets nothing" grep -q "100% packet loss" <<<"$out"
inns $PY - <<'P'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(40):
    s.sendto(b"x", ("10.77.4.1", 9))
    time.sleep(0.001)
P
"$tapring" block list --tap "$tap" >"$d/list"; rc=$?
check "block list: exit 0" test "$rc" -eq 0
check "block list shows the prefix" grep -qx "10.77.4.128/25" "$d/list"
check "block list shows the port" grep -qx "udp/9" "$d/list"
sleep 1.3
s4=$(q "s['kernel_blocked']['src4']"); u=$(q "s['kernel_blocked']['udp']"); tot=$(q "s['kernel_blocked']['total']")
np=$(stat_of udp.no_port)
check "kernel_blocked.src4 counts the 5 pings ($s4)" test "$s4" -eq 5
check "kernel_blocked.udp counts the 40 datagrams ($u)" test "$u" -eq 40
check "kernel_blocked.total ($tot)" test "$tot" -eq $((s4 + u))
check "the stack saw none (udp.no_port $np)" test "$np" -eq 0
"$tapring" block del --tap "$tap" 10.77.4.128/25; rc=$?
check "block del: exit 0" test "$rc" -eq 0
out=$(inns ping -n -c 2 -i 0.2 -W 1 -I 10.77.4.200 10.77.4.1 2>&1)
check "after del the prefix gets answers" grep -q " 0% packet loss" <<<"$out"
"$tapring" block del --tap "$tap" 10.77.4.128/25 2>"$d/err"; rc=$?
check "del of an absent rule: exit 1" test "$rc" -eq 1
check "del of an absent rule: message" grep -q "not in the blocklist" "$d/err"
stop_up
check "clean exit" test "$uprc" -eq 0
check "pins removed at exit" test ! -e "$pins"
"$tapring" block list --tap "$tap" 2>"$d/err"; rc=$?
check "block on a tap with no engine: exit 1" test "$rc" -eq 1
check "block on a tap with no engine: message" grep -q "no running tapring engine" "$d/err"

# ---- --user: the pins are handed over before root is dropped, and removed -------
if id nobody >/dev/null 2>&1; then
	up_bg --addr 10.77.4.1/24 --host-addr 10.77.4.2/24 --block udp/9 --user nobody --duration 60
	"$tapring" block list --tap "$tap" >"$d/list"; rc=$?
	check "--user: block list works (exit $rc)" test "$rc" -eq 0 -a "$(grep -c . "$d/list")" -eq 2
	stop_up
	check "--user: clean exit" test "$uprc" -eq 0
	check "--user: no pin left" test -z "$(ls -A "$pins" 2>/dev/null)"
	rmdir "$pins" 2>/dev/null
fi

# ---- order: the cBPF --kernel-filter runs before the blocklist ------------------
up_bg --addr 10.77.4.1/24 --host-addr 10.77.4.2/24 --kernel-filter 'not udp port 9' \
	--block udp/9 --block udp/10 --duration 60
inns $PY - <<'P'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"x", ("10.77.4.1", 9))
    s.sendto(b"y", ("10.77.4.1", 10))
    time.sleep(0.001)
P
sleep 1.3
u=$(q "s['kernel_blocked']['udp']"); kd=$(stat_of kernel_dropped)
check "port 9 went to the cBPF filter first: kernel_blocked.udp counts only port 10 ($u)" test "$u" -eq 20
check "both count in kernel_dropped ($kd)" test "$kd" -ge 40
stop_up
check "clean exit" test "$uprc" -eq 0

# ---- the kernel feature forced off ---------------------------------------------
TAPRING_TEST_NO_TUN_EBPF=1 "$tapring" up --tap "$tap" --addr 10.77.4.1/24 --block udp/9 \
	--duration 1 --quiet 2>"$d/off"; rc=$?
check "forced off + --block: non-zero exit" test "$rc" -ne 0
check "forced off + --block: names the ioctl" grep -q "TUNSETFILTEREBPF" "$d/off"
TAPRING_TEST_NO_TUN_EBPF=1 "$tapring" up --tap "$tap" --queues 2 --addr 10.77.4.1/24 \
	--steering symmetric --duration 1 --quiet 2>"$d/off"; rc=$?
check "forced off + --steering symmetric: non-zero exit" test "$rc" -ne 0
check "forced off + --steering symmetric: names the ioctl" grep -q "TUNSETSTEERINGEBPF" "$d/off"
check "forced off: no TAP left" sh -c "! ip link show $tap >/dev/null 2>&1"
TAPRING_TEST_NO_TUN_EBPF=1 up_bg --queues 2 --addr 10.77.4.1/24 --host-addr 10.77.4.2/24 --duration 60
out=$(inns ping -n -c 2 -i 0.2 -W 2 10.77.4.1 2>&1)
check "forced off, not asked for: the engine runs" grep -q " 0% packet loss" <<<"$out"
check "forced off, not asked for: kernel steering" test "$(q "s['steering']")" = kernel
stop_up
check "clean exit" test "$uprc" -eq 0
live_done
