#!/usr/bin/env bash
# bench/ab.sh: A/B benchmark of two revisions in one run.
#
#   bench/ab.sh [-r ROUNDS] [--smoke] [--keep] REV_A REV_B
#
# Checks out both revisions as detached git worktrees under /tmp, builds
# each as a release build with the benchmarks on (only the four bench
# programs and what they link), then runs the ring, slab, echo-flood and
# TAP I/O benches alternately in the same run: for each round and each
# bench, A then B on odd rounds and B then A on even ones, so a drift in
# the machine's load hits both sides alike. It prints the machine stamp
# (bench/machine.h) and a before/after table (median over rounds of each
# figure, B/A and whether B is better), and writes bench/results/ab.json
# with a top-level "machine" object, the revisions and every figure.
#
# The echo and TAP I/O benches need root (CAP_NET_ADMIN); without it they
# exit 77 and are reported as skipped. --smoke runs each bench once with
# tiny sizes, to prove the script works on a busy machine; its figures
# mean nothing. --keep leaves the worktrees and builds in /tmp (reused by
# the next run for the same commits). Logs of every run: $WORK/logs.
#
# Example (the lead, on a quiet machine):
#   bench/ab.sh -r 3 db4976a main
set -euo pipefail

usage() { echo "usage: bench/ab.sh [-r ROUNDS] [--smoke] [--keep] REV_A REV_B" >&2; exit 2; }

ROUNDS=3
SMOKE=0
KEEP=0
REVS=()
while [ $# -gt 0 ]; do
	case "$1" in
	-r) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
	--smoke) SMOKE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage ;;
	-*) echo "ab: unknown option $1" >&2; usage ;;
	*) REVS+=("$1"); shift ;;
	esac
done
[ ${#REVS[@]} -eq 2 ] || usage
case "$ROUNDS" in ''|*[!0-9]*|0) echo "ab: -r takes a whole number >= 1" >&2; exit 2 ;; esac
[ "$SMOKE" = 1 ] && ROUNDS=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
for t in git meson ninja cc /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "ab: $t not found (./run build installs the build packages)" >&2; exit 1; }
done

SHA_A=$(git rev-parse --verify --quiet "${REVS[0]}^{commit}") || { echo "ab: no such revision: ${REVS[0]}" >&2; exit 1; }
SHA_B=$(git rev-parse --verify --quiet "${REVS[1]}^{commit}") || { echo "ab: no such revision: ${REVS[1]}" >&2; exit 1; }

WORK=/tmp/tapring-ab
mkdir -p "$WORK/logs"
# The four programs, as build-dir-relative ninja targets.
TARGETS=(bench/core/bench_ring bench/core/bench_slab bench/stack/bench_echo bench/io/bench_tap_io)

cleanup() {
	[ "$KEEP" = 1 ] && return 0
	for s in "$SHA_A" "$SHA_B"; do
		[ -d "$WORK/$s" ] && git -C "$ROOT" worktree remove --force "$WORK/$s/src" >/dev/null 2>&1 || true
		rm -rf "${WORK:?}/$s"
	done
	git -C "$ROOT" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

# build SHA: worktree at $WORK/SHA/src, release build at $WORK/SHA/build.
build() {
	local sha=$1 dir=$WORK/$1
	if [ ! -d "$dir/src" ]; then
		mkdir -p "$dir"
		git -C "$ROOT" worktree add --detach "$dir/src" "$sha" >/dev/null 2>&1 ||
			{ echo "ab: git worktree add $sha failed" >&2; exit 1; }
	fi
	if [ ! -f "$dir/build/build.ninja" ]; then
		# Only options both old and new trees know. DPDK off: the A/B
		# pair is the baseline here, and it halves the ring/slab time.
		meson setup "$dir/build" "$dir/src" --buildtype=release -Dbenchmarks=enabled \
			-Ddpdk=disabled -Dfuzzing=false >"$dir/setup.log" 2>&1 ||
			{ tail -30 "$dir/setup.log" >&2; echo "ab: meson setup for $sha failed" >&2; exit 1; }
	fi
	ninja -C "$dir/build" "${TARGETS[@]}" >"$dir/build.log" 2>&1 ||
		{ grep -E 'error|FAILED' -A5 "$dir/build.log" | head -40 >&2; echo "ab: build of $sha failed" >&2; exit 1; }
}

echo "ab: building ${REVS[0]} (${SHA_A:0:12}) and ${REVS[1]} (${SHA_B:0:12}) in $WORK (release)" >&2
build "$SHA_A"
build "$SHA_B"

# The machine stamp, from this tree's bench/machine.h.
cat >"$WORK/stamp.c" <<'EOF'
#include "machine.h"
int main(void)
{
	struct bench_machine m;
	bench_machine_get(&m);
	/* one measurement, both forms: stderr the line, stdout the JSON */
	fprintf(stderr, "machine: cpu=\"%s\" cores=%ld kernel=%s syscall_ns=%.1f\n", m.cpu, m.cores,
		m.kernel, m.syscall_ns);
	bench_machine_json(stdout, &m);
	return 0;
}
EOF
cc -O2 -I"$ROOT/bench" -o "$WORK/stamp" "$WORK/stamp.c"
"$WORK/stamp" >"$WORK/machine.json" 2>"$WORK/machine.txt"
cat "$WORK/machine.txt"

# Bench arguments and environment: the benches' own defaults, or tiny ones.
if [ "$SMOKE" = 1 ]; then
	RING_ARGS=(1t); ECHO_ARGS=(2000 1); ECHO_ENV=(TR_ECHO_ONLY=tap1)
	TAPIO_ARGS=(1); TAPIO_ENV=(TR_BENCH_LEN=64 TR_BENCH_ONLY=tx)
else
	RING_ARGS=(); ECHO_ARGS=(); ECHO_ENV=()
	TAPIO_ARGS=(); TAPIO_ENV=()
fi

# run NAME SIDE ROUND: one bench of one side; its output in logs/.
run() {
	local name=$1 side=$2 round=$3 sha bin log rc=0
	sha=$([ "$side" = A ] && echo "$SHA_A" || echo "$SHA_B")
	log=$WORK/logs/$name.$side.$round.log
	local b=$WORK/$sha/build
	case "$name" in
	ring) "$b/bench/core/bench_ring" "${RING_ARGS[@]}" >"$log" 2>&1 || rc=$? ;;
	slab) "$b/bench/core/bench_slab" >"$log" 2>&1 || rc=$? ;;
	echo) env "${ECHO_ENV[@]}" "$b/bench/stack/bench_echo" "${ECHO_ARGS[@]}" >"$log" 2>&1 || rc=$? ;;
	tap_io) env "${TAPIO_ENV[@]}" "$b/bench/io/bench_tap_io" "${TAPIO_ARGS[@]}" >"$log" 2>&1 || rc=$? ;;
	esac
	echo "$rc" >"$log.rc"
	printf 'ab: round %s %-6s %s (%s) exit %s\n' "$round" "$name" "$side" "${sha:0:12}" "$rc" >&2
}

rm -f "$WORK"/logs/*.log "$WORK"/logs/*.rc
for ((r = 1; r <= ROUNDS; r++)); do
	for name in ring slab echo tap_io; do
		if ((r % 2)); then run "$name" A "$r"; run "$name" B "$r"
		else run "$name" B "$r"; run "$name" A "$r"; fi
	done
done

mkdir -p "$ROOT/bench/results"
/usr/bin/python3 - "$WORK" "$ROUNDS" "${REVS[0]}" "$SHA_A" "${REVS[1]}" "$SHA_B" "$SMOKE" \
	"$ROOT/bench/results/ab.json" <<'PY'
import json, os, re, statistics, sys

work, rounds, rev_a, sha_a, rev_b, sha_b, smoke, out = sys.argv[1:]
rounds = int(rounds)

# Each parser yields (metric, unit, higher_is_better, value) from one log.
def p_ring(text):
    for m in re.finditer(r'^(\S.*?)\s+tapring\s+([\d.]+) cyc/elem', text, re.M):
        yield 'ring ' + m.group(1), 'cyc/elem', False, float(m.group(2))

def p_slab(text):
    for m in re.finditer(r'^(\S.*?)\s+tapring\s+([\d.]+) cyc/buf', text, re.M):
        yield 'slab ' + m.group(1), 'cyc/buf', False, float(m.group(2))

def p_echo(text):
    # the closing table: case, replies/s, ratio to the kernel, cpu ns/reply, ...
    tail = text.split('case (mean of rounds)', 1)
    if len(tail) == 2:
        for m in re.finditer(r'^(\S.*?)\s+(\d+)\s+[\d.]+x\s+(\d+)\s', tail[1], re.M):
            yield 'echo ' + m.group(1), 'replies/s', True, float(m.group(2))
            yield 'echo ' + m.group(1) + ' cpu', 'ns/reply', False, float(m.group(3))
        return
    # one case only (TR_ECHO_ONLY): no table, the mean of its run lines
    runs = {}
    for m in re.finditer(r'^(\S+)\s+sent\s+\d+\s+replies\s+\d+\s+[\d.]+ s\s+(\d+) replies/s.*?cpu/reply\s+(\d+) ns',
                         text, re.M):
        runs.setdefault(m.group(1), []).append((float(m.group(2)), float(m.group(3))))
    for name, v in runs.items():
        yield 'echo ' + name, 'replies/s', True, statistics.mean(x[0] for x in v)
        yield 'echo ' + name + ' cpu', 'ns/reply', False, statistics.mean(x[1] for x in v)

def p_tap_io(text):
    # the "mean of N" rows: DIR bytes engine plain_pps plain_cpu eng_pps eng_cpu pps_x cpu_x
    for m in re.finditer(r'^(TX|RX)\s+(\d+)\s+(\S+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+[\d.]+x\s+mean of',
                         text, re.M):
        name = 'tap_io %s %s %s' % (m.group(1).lower(), m.group(2), m.group(3))
        yield name, 'pps', True, float(m.group(4))
        yield name + ' cpu', 'ns/frame', False, float(m.group(5))
        yield name + ' vs plain', 'x', True, float(m.group(6))

parsers = {'ring': p_ring, 'slab': p_slab, 'echo': p_echo, 'tap_io': p_tap_io}
rows = {}      # metric -> dict
status = {}    # bench -> {side: [exit codes]}
for bench, parse in parsers.items():
    for side in 'AB':
        for r in range(1, rounds + 1):
            log = os.path.join(work, 'logs', '%s.%s.%d.log' % (bench, side, r))
            try:
                rc = int(open(log + '.rc').read().strip())
                text = open(log, errors='replace').read()
            except OSError:
                continue
            status.setdefault(bench, {}).setdefault(side, []).append(rc)
            if rc != 0:
                continue
            for metric, unit, hib, v in parse(text):
                row = rows.setdefault(metric, {'bench': bench, 'unit': unit,
                                               'higher_is_better': hib, 'A': [], 'B': []})
                row[side].append(v)

machine = json.load(open(os.path.join(work, 'machine.json')))
print(open(os.path.join(work, 'machine.txt')).read().strip())   # the stamp behind "machine"
print('A = %s (%s)   B = %s (%s)   release builds, %d round(s), alternated%s'
      % (rev_a, sha_a[:12], rev_b, sha_b[:12], rounds, ', SMOKE: figures meaningless' if smoke == '1' else ''))
w = max([len(k) for k in rows] + [10])
print('%-*s %-10s %12s %12s %7s  %s' % (w, 'metric', 'unit', 'A (median)', 'B (median)', 'B/A', 'B is'))
results = []
for metric, row in rows.items():
    a = statistics.median(row['A']) if row['A'] else None
    b = statistics.median(row['B']) if row['B'] else None
    ratio = (b / a) if a and b is not None else None
    verdict = ''
    if ratio is not None:
        change = ratio - 1 if row['higher_is_better'] else 1 - ratio
        verdict = 'same (within 3%)' if abs(change) < 0.03 else ('better %+.0f%%' if change > 0 else 'worse %+.0f%%') % (100 * change)
    fmt = lambda v: '%12.2f' % v if v is not None else '%12s' % '-'
    print('%-*s %-10s %s %s %7s  %s' % (w, metric, row['unit'], fmt(a), fmt(b),
                                        '%.3f' % ratio if ratio is not None else '-', verdict))
    results.append({'metric': metric, 'bench': row['bench'], 'unit': row['unit'],
                    'higher_is_better': row['higher_is_better'], 'a': row['A'], 'b': row['B'],
                    'a_median': a, 'b_median': b, 'b_over_a': ratio})
skipped = []
for bench, sides in status.items():
    codes = sides.get('A', []) + sides.get('B', [])
    if codes and all(c == 77 for c in codes):
        skipped.append(bench)
        print('%s: skipped (exit 77: needs root / CAP_NET_ADMIN)' % bench)
    elif any(c != 0 for c in codes):
        print('%s: FAILED in some runs (exit codes A %s, B %s; logs in %s/logs)'
              % (bench, sides.get('A'), sides.get('B'), work))
json.dump({'machine': machine,
           'a': {'rev': rev_a, 'commit': sha_a}, 'b': {'rev': rev_b, 'commit': sha_b},
           'rounds': rounds, 'smoke': smoke == '1', 'build': 'release, -Dbenchmarks=enabled -Ddpdk=disabled',
           'order': 'per round and bench: A then B on odd rounds, B then A on even ones',
           'exit_codes': status, 'skipped': skipped, 'results': results},
          open(out, 'w'), indent=1)
print('wrote %s' % out)
failed = [b for b, s in status.items() if any(c not in (0, 77) for c in s.get('A', []) + s.get('B', []))]
sys.exit(1 if failed else 0)
PY
