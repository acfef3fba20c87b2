#!/bin/bash
# tapring dump on link types other than Ethernet. In a namespace made here:
# a TUN (held open by tun_hold.py) with 10.77.2.1 peer 10.77.2.2, and a veth
# pair to a second namespace (10.77.3.1/10.77.3.2). Pings are bounded in
# count and time. Checks:
#   - dump -i TUN says link-type RAW; its pcap and pcapng files read back in
#     tshark as raw IP (LINKTYPE_RAW 101 in the header / IDB), every frame
#     ICMP (the filter was compiled for raw IP and ran in the kernel);
#   - an Ethernet-only filter on the TUN fails with one clear line;
#   - dump -i any writes LINUX_SLL2 (276): tshark sees sll frames whose
#     interface index is the veth's, pcapng too; the text lines start with
#     the interface name and direction, as tcpdump's;
#   - dump -i VETH still writes Ethernet (EN10MB).
set -u
tapring=$1
here=$(dirname "$0")
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (CAP_NET_ADMIN, CAP_NET_RAW)"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
command -v ping >/dev/null || { echo "SKIP: ping not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

id=$$
n1=trl1$id; n2=trl2$id; tun=tlt$id; va=tla$id; vb=tlb$id
d=$(mktemp -d)
fail=0; checks=0
cleanup() {
	[ -n "${holdpid:-}" ] && kill "$holdpid" 2>/dev/null
	[ -n "${pingpid:-}" ] && kill "$pingpid" 2>/dev/null
	[ -n "${ping2pid:-}" ] && kill "$ping2pid" 2>/dev/null
	ip netns del "$n1" 2>/dev/null; ip netns del "$n2" 2>/dev/null; rm -rf "$d"
}
trap cleanup EXIT INT TERM
check() { # check DESC CMD...
	checks=$((checks + 1))
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=$((fail + 1)); fi
}
linktype() { # the link type field of a classic pcap header (little-endian)
	/usr/bin/python3 -c 'import struct,sys; print(struct.unpack_from("<I", open(sys.argv[1],"rb").read(), 20)[0])' "$1"
}

ip netns add "$n1" && ip netns add "$n2" || { echo "SKIP: cannot create namespaces"; exit 77; }
ip -n "$n1" link set lo up
ip netns exec "$n1" /usr/bin/python3 "$here/tun_hold.py" "$tun" 60 >"$d/hold" &
holdpid=$!
for _ in $(seq 50); do grep -q up "$d/hold" 2>/dev/null && break; sleep 0.1; done
grep -q up "$d/hold" || { echo "FAIL: the TUN holder did not start"; exit 1; }
ip -n "$n1" addr add 10.77.2.1 peer 10.77.2.2 dev "$tun"
ip -n "$n1" link set "$tun" up
ip -n "$n1" link add "$va" type veth peer name "$vb" netns "$n2"
ip -n "$n1" addr add 10.77.3.1/24 dev "$va"; ip -n "$n1" link set "$va" up
ip -n "$n2" addr add 10.77.3.2/24 dev "$vb"; ip -n "$n2" link set "$vb" up; ip -n "$n2" link set lo up

in1() { timeout 20 ip netns exec "$n1" "$@"; }
# echo requests out of the TUN (nobody answers) and across the veth
timeout 40 ip netns exec "$n1" ping -q -i 0.02 -c 1500 10.77.2.2 >/dev/null 2>&1 &
pingpid=$!
timeout 40 ip netns exec "$n2" ping -q -i 0.02 -c 1500 10.77.3.1 >/dev/null 2>&1 &
ping2pid=$!
sleep 0.3

# TUN: raw IP
in1 "$tapring" dump -i "$tun" -c 8 -w "$d/t.pcap" icmp 2>"$d/t.err"; rc=$?
check "dump -i TUN -w t.pcap exits 0" test "$rc" -eq 0
check "dump -i TUN: link-type RAW on stderr" grep -q "link-type RAW" "$d/t.err"
check "t.pcap header: LINKTYPE_RAW (101)" test "$(linktype "$d/t.pcap")" -eq 101
check "tshark: 8 raw IP ICMP frames in t.pcap" \
	test "$(tshark -r "$d/t.pcap" -T fields -e frame.protocols 2>/dev/null | grep -c '^raw:ip:icmp')" -eq 8
in1 "$tapring" dump -i "$tun" -c 5 -w "$d/t.pcapng" icmp 2>/dev/null
check "tshark: 5 raw IP frames in t.pcapng" \
	test "$(tshark -r "$d/t.pcapng" -T fields -e frame.protocols 2>/dev/null | grep -c '^raw:ip:icmp')" -eq 5
check "t.pcapng IDB names the TUN" \
	test "$(tshark -r "$d/t.pcapng" -T fields -e frame.interface_name 2>/dev/null | grep -c "$tun")" -eq 5
in1 "$tapring" dump -i "$tun" -c 3 --json icmp >"$d/t.json" 2>/dev/null
check "dump -i TUN --json: link type 12, ipv4, no eth" \
	test "$(grep '"link":{"type":12}' "$d/t.json" | grep '"ipv4"' | grep -vc '"eth"')" -eq 3
in1 "$tapring" dump -i "$tun" -c 3 icmp >"$d/t.txt" 2>/dev/null
check "dump -i TUN text: IP lines" test "$(grep -c '^[0-9:.]* IP 10.77.2.1 > 10.77.2.2: ICMP echo request' "$d/t.txt")" -eq 3
in1 "$tapring" dump -i "$tun" -c 1 ether host 02:00:00:00:00:01 >/dev/null 2>"$d/e1"; rc=$?
check "TUN + ethernet filter: exit 1" test "$rc" -eq 1
check "TUN + ethernet filter: one clear line" sh -c "grep -q 'bad filter expression' '$d/e1' && test \$(wc -l <'$d/e1') -eq 1"

# any: Linux cooked v2 with the interface index
vaidx=$(ip -n "$n1" -o link show "$va" | cut -d: -f1)
in1 "$tapring" dump -i any -c 6 -w "$d/a.pcap" icmp and host 10.77.3.2 2>"$d/a.err"; rc=$?
check "dump -i any exits 0" test "$rc" -eq 0
check "dump -i any: link-type LINUX_SLL2 on stderr" grep -q "link-type LINUX_SLL2" "$d/a.err"
check "a.pcap header: LINUX_SLL2 (276)" test "$(linktype "$d/a.pcap")" -eq 276
check "tshark: 6 sll frames on the veth's index ($vaidx)" \
	test "$(tshark -r "$d/a.pcap" -T fields -e frame.protocols -e sll.ifindex 2>/dev/null | grep -c "^sll:ethertype:ip:icmp.*	$vaidx\$")" -eq 6
check "tshark: both directions (In 0 and Out 4)" \
	test "$(tshark -r "$d/a.pcap" -T fields -e sll.pkttype 2>/dev/null | sort -u | tr '\n' ' ')" = "0 4 "
in1 "$tapring" dump -i any -c 4 -w "$d/a.pcapng" icmp and host 10.77.3.2 2>/dev/null
check "tshark: 4 sll frames in a.pcapng" \
	test "$(tshark -r "$d/a.pcapng" -T fields -e frame.protocols 2>/dev/null | grep -c '^sll:ethertype:ip:icmp')" -eq 4
in1 "$tapring" dump -i any -c 4 icmp and host 10.77.3.2 >"$d/a.txt" 2>/dev/null
check "dump -i any text: interface and direction columns" \
	test "$(grep -cE "^[0-9:.]+ $va (In |Out) IP 10.77.3.[12] > 10.77.3.[12]: ICMP echo" "$d/a.txt")" -eq 4
in1 "$tapring" dump -i any -c 2 --json icmp and host 10.77.3.2 >"$d/a.json" 2>/dev/null
check "dump -i any --json: sll with ifindex, no eth" \
	test "$(grep "\"ifindex\":$vaidx" "$d/a.json" | grep '"link":{"type":276,"sll"' | grep -vc '"eth"')" -eq 2

# a length test cannot run in the kernel on a cooked socket: user space
in1 "$tapring" dump -i any -c 3 --json icmp and host 10.77.3.2 and greater 90 >"$d/g.json" 2>/dev/null; rc=$?
check "dump -i any 'greater 90' (user-space filter): 3 frames, all longer" \
	test "$rc" -eq 0 -a "$(grep -c '"len":1[0-9][0-9]' "$d/g.json")" -eq 3

# an Ethernet device stays Ethernet
in1 "$tapring" dump -i "$va" -c 2 -w "$d/v.pcap" icmp 2>"$d/v.err"
check "dump -i VETH: link-type EN10MB" grep -q "link-type EN10MB" "$d/v.err"
check "v.pcap header: EN10MB (1)" test "$(linktype "$d/v.pcap")" -eq 1

echo "$((checks - fail)) of $checks checks passed"
[ "$fail" -eq 0 ]
