#!/bin/bash
# Worker placement of tapring up (--cpus): with --cpus 1,0 and two queues,
# worker tr-io-q0 may run only on CPU 1 and tr-io-q1 only on CPU 0 (read
# from /proc), and the stack answers; with --cpus none (the default) the
# workers keep the process's whole CPU set; bad lists are exit 2 with one
# message. Needs 2 CPUs. Traffic: a few pings in 10.77.13.0/24 inside the
# namespace the test creates.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init cpus ping
[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs"; exit 77; }
all=$(awk '/Cpus_allowed_list/ {print $2}' /proc/self/status)

# worker_cpus QUEUE: the allowed CPU list of worker thread tr-io-qQUEUE
worker_cpus() {
	local t
	for t in /proc/"$uppid"/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = "tr-io-q$1" ]; then
			awk '/Cpus_allowed_list/ {print $2}' "$t/status"
			return
		fi
	done
	echo missing
}

up_bg --addr 10.77.13.1/24 --host-addr 10.77.13.2/24 --queues 2 --cpus 1,0 --duration 60
check "up --cpus 1,0 is running" kill -0 "$uppid"
q0=$(worker_cpus 0); q1=$(worker_cpus 1)
check "worker q0 pinned to CPU 1 ($q0)" test "$q0" = 1
check "worker q1 pinned to CPU 0 ($q1)" test "$q1" = 0
out=$(inns ping -n -c 2 -i 0.2 -W 2 10.77.13.1 2>&1)
check "answers with --cpus 1,0" grep -q " 0% packet loss" <<<"$out"
stop_up

up_bg --addr 10.77.13.1/24 --host-addr 10.77.13.2/24 --duration 60
q0=$(worker_cpus 0)
check "default (none): worker q0 unpinned ($q0 = $all)" test "$q0" = "$all"
stop_up
up_bg --addr 10.77.13.1/24 --host-addr 10.77.13.2/24 --cpus none --duration 60
q0=$(worker_cpus 0)
check "--cpus none: worker q0 unpinned ($q0 = $all)" test "$q0" = "$all"
stop_up

bad() { # bad DESC EXPECTED-MESSAGE ARGS...
	local out rc
	out=$("$tapring" up --tap "$tap" --addr 10.77.13.1/24 "${@:3}" 2>&1); rc=$?
	check "$1: exit 2, one message" sh -c "test $rc -eq 2 && test \$(printf '%s\n' \"\$0\" | wc -l) -eq 1 && printf '%s' \"\$0\" | grep -q -- \"\$1\"" "$out" "$2"
}
bad "--cpus with an unknown CPU" "not available" --cpus 1023
bad "--cpus garbage" "bad CPU list" --cpus 1,x
bad "--cpus shorter than the queues" "1 CPU listed for 2 queues" --cpus 1 --queues 2
live_done
