# Shared set-up for the live tests (sourced): root and tool checks, a unique
# namespace and TAP name, cleanup on every exit path, check/inns/stat_of
# helpers and the closing line.
#   live_init PREFIX TOOL...   skip (77) without root, /dev/net/tun or a tool;
#                              sets ns, tap, d (scratch dir), PY
#   check DESC CMD...          one check; counts failures
#   inns CMD...                run in the test namespace (30 s bound)
#   stat_of KEY                a number from $d/stats.json (top level or drops)
#   live_done                  prints the tally; exit status 0 iff no failure
PY=/usr/bin/python3
fail=0; checks=0; uppid=

live_init() {
	local pfx=$1; shift
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_NET_ADMIN)"; exit 77; }
	[ -c /dev/net/tun ] || { echo "SKIP: /dev/net/tun missing"; exit 77; }
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
	done
	ns=tr$pfx$$; tap=tr${pfx:0:1}$(($$ % 100000))
	d=$(mktemp -d)
	trap live_cleanup EXIT INT TERM
	ip netns add "$ns" || { echo "SKIP: cannot create a namespace"; exit 77; }
	ip -n "$ns" link set lo up
}

live_cleanup() {
	[ -n "$uppid" ] && kill -KILL "$uppid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$tap" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$d"
}

check() {
	checks=$((checks + 1))
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}

inns() { timeout 30 ip netns exec "$ns" "$@"; }

stat_of() { # KEY: top level, drops, match_ID (rule count), match_NAME (match_stats)
	$PY -c "import json,sys; s=json.load(open('$d/stats.json')); k=sys.argv[1]
m = s.get('match', {}); ms = s.get('match_stats', {})
if k.startswith('match_') and k[6:] in m: print(m[k[6:]])
elif k.startswith('match_') and k[6:] in ms: print(ms[k[6:]])
else: print(s.get(k, s['drops'].get(k, 0)))" "$1"
}

live_done() {
	echo "$((checks - fail)) of $checks checks passed"
	[ "$fail" -eq 0 ]
}

# every_thread_dropped PID: each thread of PID has $uid as all four uids,
# the four capability sets empty and NoNewPrivs 1 (a failing thread's
# status goes to stderr).
every_thread_dropped() {
	local t n=0 bad=0
	for t in /proc/"$1"/task/*; do
		n=$((n + 1))
		awk -v u="$uid" '
			/^Uid:/ { if ($2 != u || $3 != u || $4 != u || $5 != u) bad = 1 }
			/^Cap(Inh|Prm|Eff|Amb):/ { if ($2 != "0000000000000000") bad = 1 }
			/^NoNewPrivs:/ { nnp = $2 }
			END { exit (bad || nnp != 1) }' "$t/status" || { bad=1; cat "$t/status" >&2; }
	done
	echo "threads checked: $n" >&2
	[ "$bad" -eq 0 ] && [ "$n" -ge 1 ]
}

# up_bg ARGS...: tapring up on $tap with its kernel side in $ns, stats in
# $d/stats.json, in the background; returns once the first stats are out.
up_bg() {
	rm -f "$d/stats.json"
	"$tapring" up --tap "$tap" --netns "$ns" --stats-file "$d/stats.json" --quiet \
		"$@" 2>"$d/up.err" &
	uppid=$!
	for _ in $(seq 100); do [ -s "$d/stats.json" ] && break; sleep 0.1; done
}

# stop_up: SIGTERM, wait; the exit status lands in $uprc.
stop_up() {
	kill -TERM "$uppid"; wait "$uppid"; uprc=$?; uppid=
}

# live_other_user_can_run TAPRING: 0 if an unprivileged user (uid 65534)
# can run the tool (`--help`): it and its library sit below directories
# others can search (a checkout under a 0700 directory, such as mktemp -d's,
# does not: the loader then fails with 127).
live_other_user_can_run() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$1" --help >/dev/null 2>&1
}
