#!/usr/bin/python3
"""Traffic side of offload_live.sh, run inside the test namespace.

  offload_live.py send ADDR PORT NSEND SEG TAIL   UDP_SEGMENT sends: NSEND
      sendmsg calls of (SEG-sized segments x 30 + TAIL bytes); prints
      "datagrams bytes" that left.
  offload_live.py echo ADDR PORT IFACE SEG        one UDP_SEGMENT send of 20
      segments + a short tail to the echo port; the datagrams that come back
      must be the same ones (sizes, order, bytes). Meanwhile an AF_PACKET
      socket with PACKET_VNET_HDR on IFACE captures the frames that cross;
      every frame from the engine is checked here: a NEEDS_CSUM frame's
      field must hold the pseudo-header seed for its full length (what
      the kernel finishes per segment), any other frame a complete UDP
      checksum. Prints "ok N_DGRAMS N_FRAMES N_GSO" or an error.
"""
import socket, struct, sys, time

SOL_UDP = 17
UDP_SEGMENT = 103
SOL_PACKET = 263
PACKET_VNET_HDR = 15


def csum16(data, s=0):
    if len(data) % 2:
        data += b"\0"
    s += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(frame, l3, ulen):
    v6 = frame[12:14] == b"\x86\xdd"
    if v6:
        return frame[l3 + 8:l3 + 40] + struct.pack("!IxxxB", ulen, 17)
    return frame[l3 + 12:l3 + 20] + struct.pack("!xBH", 17, ulen)


def payload(seg, k, n):
    return bytes(((k * 31 + i) & 0xff) for i in range(n))


def send(addr, port, nsend, seg, tail):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
    dg = by = 0
    for i in range(nsend):
        data = b"".join(payload(seg, k, seg) for k in range(30)) + payload(seg, 99, tail)
        s.sendto(data, (addr, port))
        dg += 30 + (1 if tail else 0)
        by += len(data)
        time.sleep(0.002)
    print(dg, by)


def echo(addr, port, iface, seg):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    cap.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    cap.bind((iface, 0))
    cap.settimeout(0.2)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
    s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
    s.settimeout(3)
    sent = [payload(seg, k, seg) for k in range(20)] + [payload(seg, 50, seg // 3)]
    s.sendto(b"".join(sent), (addr, port))
    got = []
    try:
        while len(got) < len(sent):
            got.append(s.recv(65536))
    except socket.timeout:
        pass
    if got != sent:
        print("echo: %d of %d datagrams back, sizes %s" % (len(got), len(sent), [len(g) for g in got][:5]))
        return 1
    # the frames that crossed: incoming (from the engine) ones
    frames = gso = 0
    end = time.time() + 1.0
    while time.time() < end:
        try:
            data, sa = cap.recvfrom(70000)
        except socket.timeout:
            break
        if sa[2] == socket.PACKET_OUTGOING:
            continue
        flags, gtype, hlen, gsize, cstart, coff = struct.unpack("<BBHHHH", data[:10])
        f = data[10:]
        v6 = f[12:14] == b"\x86\xdd"
        l3 = 14
        l4 = l3 + (40 if v6 else (f[l3] & 15) * 4)
        if f[l3 + (6 if v6 else 9)] != 17:
            continue
        ulen = len(f) - l4
        if struct.unpack("!H", f[l4 + 4:l4 + 6])[0] != ulen:
            print("frame: udp length %d is not the full length %d" % (struct.unpack("!H", f[l4 + 4:l4 + 6])[0], ulen))
            return 1
        frames += 1
        if flags & 1:
            if cstart != l4 or coff != 6:
                print("frame: csum_start/offset %d/%d" % (cstart, coff))
                return 1
            seed = csum16(pseudo(f, l3, ulen))
            field = struct.unpack("!H", f[l4 + 6:l4 + 8])[0]
            if field != seed:
                print("frame: NEEDS_CSUM field %#x != pseudo-header seed %#x" % (field, seed))
                return 1
            if gtype & 0x7f:
                gso += 1
                if gsize != seg:
                    print("frame: gso_size %d != %d" % (gsize, seg))
                    return 1
        else:
            udp = bytearray(f[l4:])
            if csum16(pseudo(f, l3, ulen) + bytes(udp)) != 0xffff:
                print("frame: bad udp checksum")
                return 1
    print("ok", len(got), frames, gso)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(echo(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
