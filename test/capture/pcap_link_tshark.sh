#!/bin/sh
# A pcapng file with two interfaces of different link types (raw IP and
# Linux cooked v2), read back by tshark: every frame decodes as IPv4 over
# its own interface's link layer, with the SLL2 interface index.
set -eu
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
prog=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
"$prog" "$d" >/dev/null
out=$(tshark -r "$d/multi.pcapng" -T fields -e frame.interface_id -e frame.protocols -e sll.ifindex 2>"$d/err") || {
	cat "$d/err"; echo "tshark could not read the file"; exit 1; }
want=$(printf '0\traw:ip:icmp\t\n1\tsll:ethertype:ip:icmp\t7\n0\traw:ip:icmp\t\n1\tsll:ethertype:ip:icmp\t7')
[ "$out" = "$want" ] || { printf 'tshark saw:\n%s\nexpected:\n%s\n' "$out" "$want"; exit 1; }
echo "pcapng with raw IP and SLL2 interfaces read by tshark: 4 frames on the right interfaces"
