#!/bin/bash
# tapring up --dump-file: the engine mirrors its own rx and tx frames into a
# capture file (zero-copy, writer thread). In a namespace the test creates:
# ping -c 5 and one frame with a bad IPv4 header checksum injected with
# AF_PACKET; after SIGTERM tshark reads the pcapng: 5 echo requests with
# direction "in" whose bytes are still requests (type 8, although the stack
# answered in place), 5 replies with direction "out" (type 0), the bad frame
# with the comment "drop: ip4.bad_csum", and the stats JSON "dump" counts.
# Then --dump-filter icmp (no ARP in the file), a pcap file read by libpcap
# (tcpdump -r) with --snaplen, and a bad --dump-filter (exit 2). Traffic
# stays in 10.77.3.0/24 inside the namespace; loops are bounded.
set -u
tapring=$1
. "$(dirname "$0")/lib.sh"
live_init df ping tshark
dump_stat() { # dump_stat KEY -> the stats JSON's dump.KEY
	$PY -c "import json,sys; print(json.load(open('$d/stats.json'))['dump'][sys.argv[1]])" "$1"
}

start_up() { # start_up EXTRA_ARGS...
	up_bg --addr 10.77.3.1/24 --host-addr 10.77.3.2/24 --mac 02:74:72:00:03:01 \
		--duration 60 "$@"
}
inject_bad_csum() {
	inns $PY - "$tap" <<'P'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst = bytes.fromhex("027472000301")
src = bytes.fromhex("020000000002")
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0xdead,
                 bytes([10,77,3,2]), bytes([10,77,3,1])) + b"\0\x07\0\x07\0\x08\0\0"
s.send(dst + src + b"\x08\x00" + ip)
P
}

# 1. pcapng, no filter
start_up --dump-file "$d/all.pcapng"
check "up with --dump-file is running" kill -0 "$uppid"
out=$(inns ping -n -c 5 -i 0.2 -W 2 10.77.3.1 2>&1)
check "ping -c 5: 0% loss" grep -q " 0% packet loss" <<<"$out"
inject_bad_csum
sleep 1.2
stop_up
check "SIGTERM: exit 0" test "$uprc" -eq 0
tshark -r "$d/all.pcapng" -T fields -E separator='|' -e frame.packet_flags_direction \
	-e icmp.type -e arp.opcode -e frame.comment >"$d/all.txt" 2>"$d/tshark.err"
check "tshark reads the pcapng" test $? -eq 0
dir_of() { awk -F'|' -v t="$1" -v dir="$2" '$2 == t && $1 ~ ("^(0x)?0*" dir "$")' "$d/all.txt" | wc -l; }
req_in=$(dir_of 8 1); rep_out=$(dir_of 0 2); req_out=$(dir_of 8 2); rep_in=$(dir_of 0 1)
check "5 echo requests (type 8) with direction in ($req_in)" test "$req_in" -eq 5
check "5 echo replies (type 0) with direction out ($rep_out)" test "$rep_out" -eq 5
check "no reply captured as rx, no request as tx ($rep_in, $req_out)" test $((rep_in + req_out)) -eq 0
bad=$(grep -c 'drop: ip4.bad_csum' "$d/all.txt")
check "bad-checksum frame commented 'drop: ip4.bad_csum' ($bad)" test "$bad" -eq 1
arp=$(awk -F'|' '$3 != ""' "$d/all.txt" | wc -l)
check "ARP frames are in the unfiltered file ($arp)" test "$arp" -ge 1
n=$(wc -l <"$d/all.txt")
w=$(dump_stat written); dr=$(dump_stat dropped)
check "stats dump.written == frames in the file ($w == $n), dropped 0 ($dr)" \
	sh -c "[ '$w' -eq '$n' ] && [ '$dr' -eq 0 ]"

# 2. pcapng with --dump-filter icmp
start_up --dump-file "$d/icmp.pcapng" --dump-filter icmp
inns ping -n -c 3 -i 0.2 -W 2 10.77.3.1 >/dev/null 2>&1
inject_bad_csum
sleep 1.2
stop_up
tshark -r "$d/icmp.pcapng" -T fields -E separator='|' -e arp.opcode -e icmp.type >"$d/icmp.txt" 2>/dev/null
arp=$(awk -F'|' '$1 != ""' "$d/icmp.txt" | wc -l)
icmp=$(awk -F'|' '$2 != ""' "$d/icmp.txt" | wc -l)
check "--dump-filter icmp: no ARP ($arp), 6 ICMP ($icmp)" sh -c "[ $arp -eq 0 ] && [ $icmp -eq 6 ]"
f=$(dump_stat filtered)
check "--dump-filter icmp: filtered frames counted ($f)" test "$f" -ge 1

# 3. classic pcap through libpcap, --snaplen 40
start_up --dump-file "$d/p.pcap" --snaplen 40
inns ping -n -c 2 -i 0.2 -W 2 10.77.3.1 >/dev/null 2>&1
sleep 1.2
stop_up
if command -v tcpdump >/dev/null; then
	out=$(tcpdump -n -r "$d/p.pcap" icmp 2>/dev/null | wc -l)
	check "pcap: tcpdump (libpcap) reads 4 ICMP frames ($out)" test "$out" -eq 4
fi
cap=$(tshark -r "$d/p.pcap" -T fields -e frame.cap_len 2>/dev/null | sort -u | tr '\n' ' ')
check "pcap: every frame cut to snaplen 40 ($cap)" test "$cap" = "40 "

# 4. bad arguments
"$tapring" up --tap x --addr 10.77.3.1 --dump-file "$d/x.pcapng" --dump-filter "icmp and and" 2>"$d/e1"; rc=$?
check "bad --dump-filter: exit 2 with one message" sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$d/e1') -eq 1 ]"
"$tapring" up --tap x --addr 10.77.3.1 --dump-file "$d/x.pcapng" --snaplen 0 2>/dev/null; rc=$?
check "--snaplen 0: exit 2" test "$rc" -eq 2

live_done
