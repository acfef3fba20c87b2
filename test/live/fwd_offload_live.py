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
import hashlib, socket, sys, time

from vnetlib import SO_RCVBUFFORCE, family, gso_send, pattern as dgram, vnet_capture, vnet_check


def stream(n):
    blk = bytes((i * 7) & 0xff for i in range(65536))
    out = bytearray()
    while len(out) < n:
        out += blk
    return bytes(out[:n])


class Cap:
    def __init__(self, iface):
        self.s = vnet_capture(iface, 0.3, 64 << 20)
        self.frames = self.gso = 0
        self.err = None

    def check(self, data):
        counted, gso, err = vnet_check(data, (6, 17))
        self.frames += counted
        self.gso += gso
        return err

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
    fam = family(addr)
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


def tcprecv(addr, port, iface, nbytes, secs):
    fam = family(addr)
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
    fam = family(addr)
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
        gso_send(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]), 0.003)
    elif a[1] == "tcprecv":
        sys.exit(tcprecv(a[2], int(a[3]), a[4], int(a[5]), float(a[6])))
    else:
        tcpsend(a[2], int(a[3]), int(a[4]))
