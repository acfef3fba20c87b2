#!/bin/sh
# Our pcapng writer, read back by tshark: 50 frames, direction flags
# (every third inbound, the rest outbound) and 10 packet comments.
set -eu
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
writer=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
"$writer" "$d/t.pcapng" >/dev/null
out=$(tshark -r "$d/t.pcapng" -T fields -e frame.number -e frame.packet_flags_direction -e frame.comment 2>"$d/err") || {
	cat "$d/err"; echo "tshark could not read the file"; exit 1; }
n=$(printf '%s\n' "$out" | wc -l)
[ "$n" -eq 50 ] || { echo "expected 50 frames, tshark saw $n"; exit 1; }
inb=$(printf '%s\n' "$out" | awk -F"\t" '$2 ~ /^(0x)?0*1$/' | wc -l)
outb=$(printf '%s\n' "$out" | awk -F"\t" '$2 ~ /^(0x)?0*2$/' | wc -l)
com=$(printf '%s\n' "$out" | grep -c 'dropped: ip4.bad_csum' || true)
[ "$inb" -eq 17 ] || { echo "expected 17 inbound, got $inb"; printf '%s\n' "$out" | head; exit 1; }
[ "$outb" -eq 33 ] || { echo "expected 33 outbound, got $outb"; exit 1; }
[ "$com" -eq 10 ] || { echo "expected 10 comments, got $com"; exit 1; }
echo "pcapng read by tshark: 50 frames, 17 in, 33 out, 10 comments"
