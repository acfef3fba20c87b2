#!/usr/bin/python3
"""Traffic side of fwd_offload_live.sh (run inside one of its namespaces).

  fwd_offload_live.py udprecv ADDR PORT IFACE NSEND SEG TAIL SECS
      receive the datagrams of `udpsend NSEND SEG TAIL`, in order, on
      ADDR:PORT while an AF_PACKET socket with PACKET_VNET_HDR on IFACE
      captures the frames the engine wrote; prints "ready", then
      "ok DGRAMS BYTES FRAMES GSO" or an error.
  fwd_offload_live.py udpsend ADDR PORT NSEND SEG TAIL
      NSEND UDP_SEGMENT sends of 30 x SEG + TAIL bytes; prints "DGRAMS BYTES".
  fwd_offload_live.py tcprecv ADDR PORT IFACE NBYTES SECS
      accept one connection, read NBYTES, check the pattern; capture as
      above; prints "ready", then "ok BYTES FRAMES GSO".
  fwd_offload_live.py tcpsend ADDR PORT NBYTES
      connect and send NBYTES of the pattern.

Checksums of every TCP/UDP frame that reached IFACE from the engine are
verified here (the kernel's local delivery trusts NEEDS_CSUM): a NEEDS_CSUM
frame's field must be the pseudo-header seed for its full length, at the
right csum_start/csum_offset; any other frame must carry a complete
checksum. A GSO frame must have NEEDS_CSUM and full IP/L4 lengths.
"""
import hashlib, socket, struct, sys, time

SOL_UDP = 17
UDP_SEGMENT = 103
SOL_PACKET = 263
PACKET_VNET_HDR = 15
SO_RCVBUFFORCE = 33


def csum16(data, s=0):
    if len(data) % 2:
        data += b"\0"
    s += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(f, l3, proto, l4len):
    if f[12:14] == b"\x86\xdd":
        return f[l3 + 8:l3 + 40] + struct.pack("!IxxxB", l4len, proto)
    return f[l3 + 12:l3 + 20] + struct.pack("!xBH", proto, l4len)


def dgram(k, n):
    return bytes(((k * 31 + i) & 0xff) for i in range(n))


def stream(n):
    blk = bytes((i * 7) & 0xff for i in range(65536))
    out = bytearray()
    while len(out) < n:
        out += blk
    return bytes(out[:n])


class Cap:
    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        self.s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.s.bind((iface, 0))
        self.s.settimeout(0.3)
        self.frames = self.gso = 0
        self.err = None

    def check(self, data):
        flags, gtype, hlen, gsize, cstart, coff = struct.unpack("<BBHHHH", data[:10])
        f = data[10:]
        l3 = 14
        v6 = f[12:14] == b"\x86\xdd"
        if not v6 and f[12:14] != b"\x08\x00":
            return None
        proto = f[l3 + 6] if v6 else f[l3 + 9]
        if proto not in (6, 17):
            return None
        l4 = l3 + (40 if v6 else (f[l3] & 15) * 4)
        l4len = len(f) - l4
        iplen = struct.unpack("!H", f[l3 + 4:l3 + 6] if v6 else f[l3 + 2:l3 + 4])[0]
        if iplen != len(f) - l3 - (40 if v6 else 0):
            return "IP length %d is not the full length" % iplen
        off = 6 if proto == 17 else 16
        if proto == 17 and struct.unpack("!H", f[l4 + 4:l4 + 6])[0] != l4len:
            return "UDP length is not the full length"
        self.frames += 1
        if gtype & 0x7f:
            self.gso += 1
            if not flags & 1:
                return "GSO frame without NEEDS_CSUM"
        if flags & 1:
            if cstart != l4 or coff != off:
                return "csum_start/offset %d/%d, want %d/%d" % (cstart, coff, l4, off)
            seed = csum16(pseudo(f, l3, proto, l4len))
            field = struct.unpack("!H", f[l4 + off:l4 + off + 2])[0]
            if field != seed:
                return "NEEDS_CSUM field %#x != pseudo-header seed %#x" % (field, seed)
        elif csum16(pseudo(f, l3, proto, l4len) + f[l4:]) != 0xffff:
            return "bad %s checksum in a complete frame" % ("UDP" if proto == 17 else "TCP")
        return None

    def drain(self, until):
        while time.time() < until:
            try:
                data, sa = self.s.recvfrom(70000)
            except socket.timeout:
                return
            if sa[2] == socket.PACKET_OUTGOING:
                continue
            e = self.check(data)
            if e and not self.err:
                self.err = e


def udprecv(addr, port, iface, nsend, seg, tail, secs):
    per = 30 + (1 if tail else 0)
    ndgram = nsend * per
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    cap = Cap(iface)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((addr, port))
    s.settimeout(0.5)
    print("ready", flush=True)
    end = time.time() + secs
    got = nbytes = 0
    while got < ndgram and time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        i = got % per   # 30 segments of SEG, then the tail (pattern 99)
        if d != (dgram(i, seg) if i < 30 else dgram(99, tail)):
            print("datagram %d: wrong bytes (%d)" % (got, len(d)))
            return 1
        got += 1
        nbytes += len(d)
    cap.drain(time.time() + 3.0)   # the capture buffer (64 MiB) holds them all
    if cap.err:
        print("frame:", cap.err)
        return 1
    print("ok", got, nbytes, cap.frames, cap.gso)
    return 0


def udpsend(addr, port, nsend, seg, tail):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
    dg = by = 0
    for _ in range(nsend):
        data = b"".join(dgram(k, seg) for k in range(30)) + (dgram(99, tail) if tail else b"")
        s.sendto(data, (addr, port))
        dg += 30 + (1 if tail else 0)
        by += len(data)
        time.sleep(0.003)
    print(dg, by)


def tcprecv(addr, port, iface, nbytes, secs):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    cap = Cap(iface)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(secs)
    print("ready", flush=True)
    end = time.time() + secs
    c, _ = ls.accept()
    c.settimeout(0.5)
    buf = bytearray()
    while len(buf) < nbytes and time.time() < end:
        try:
            d = c.recv(1 << 20)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
    c.close()
    cap.drain(time.time() + 3.0)   # the capture buffer (64 MiB) holds them all
    if hashlib.sha256(bytes(buf)).digest() != hashlib.sha256(stream(nbytes)).digest():
        print("stream: %d of %d bytes, or wrong bytes" % (len(buf), nbytes))
        return 1
    if cap.err:
        print("frame:", cap.err)
        return 1
    print("ok", len(buf), cap.frames, cap.gso)
    return 0


def tcpsend(addr, port, nbytes):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    end = time.time() + 15
    while True:   # the receiver may still be starting on a loaded machine
        try:
            s = socket.create_connection((addr, port), timeout=10)
            break
        except (ConnectionRefusedError, socket.timeout):
            if time.time() > end:
                raise
            time.sleep(0.2)
    s.sendall(stream(nbytes))
    s.shutdown(socket.SHUT_WR)
    s.settimeout(10)
    s.recv(1)
    s.close()
    print(nbytes)


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "udprecv":
        sys.exit(udprecv(a[2], int(a[3]), a[4], int(a[5]), int(a[6]), int(a[7]), float(a[8])))
    if a[1] == "udpsend":
        udpsend(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
    elif a[1] == "tcprecv":
        sys.exit(tcprecv(a[2], int(a[3]), a[4], int(a[5]), float(a[6])))
    else:
        tcpsend(a[2], int(a[3]), int(a[4]))
