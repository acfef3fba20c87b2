"""Shared by the live offload tests' traffic sides (offload_live.py,
fwd_offload_live.py): the Internet checksum, the byte patterns, the
UDP_SEGMENT sender, and the check of one frame the engine wrote, as an
AF_PACKET socket with PACKET_VNET_HDR sees it (virtio_net_hdr + frame).
"""
import socket, struct, time

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
    """The TCP/UDP pseudo-header of the IPv4 or IPv6 frame f (L3 at l3)."""
    if f[12:14] == b"\x86\xdd":
        return f[l3 + 8:l3 + 40] + struct.pack("!IxxxB", l4len, proto)
    return f[l3 + 12:l3 + 20] + struct.pack("!xBH", proto, l4len)


def pattern(k, n):
    """n bytes of datagram k's pattern."""
    return bytes(((k * 31 + i) & 0xff) for i in range(n))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def gso_send(addr, port, nsend, seg, tail, gap):
    """nsend UDP_SEGMENT sends of 30 segments of seg bytes (patterns 0..29)
    and a tail of tail bytes (pattern 99), gap seconds apart; prints
    "DGRAMS BYTES" that left."""
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
    dg = by = 0
    for _ in range(nsend):
        data = b"".join(pattern(k, seg) for k in range(30)) + pattern(99, tail)
        s.sendto(data, (addr, port))
        dg += 30 + (1 if tail else 0)
        by += len(data)
        time.sleep(gap)
    print(dg, by)


def vnet_capture(iface, timeout, rcvbuf=0):
    """An AF_PACKET socket on iface that reads frames with their
    virtio_net_hdr in front."""
    c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    if rcvbuf:
        c.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)
    c.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    c.bind((iface, 0))
    c.settimeout(timeout)
    return c


def vnet_check(data, protos, ip_len=True, gso_size=None):
    """Checks one captured frame (virtio_net_hdr + frame) of a protocol in
    protos (6, 17); others are not counted. A NEEDS_CSUM frame's field must
    be the pseudo-header seed for its full length at the right
    csum_start/csum_offset, any other frame must carry a complete checksum;
    UDP length (and with ip_len the IP length) must be the full length; a
    GSO frame must have NEEDS_CSUM (and gso_size, when given).
    Returns (counted, gso, error or None)."""
    flags, gtype, hlen, gsize, cstart, coff = struct.unpack("<BBHHHH", data[:10])
    f = data[10:]
    l3 = 14
    v6 = f[12:14] == b"\x86\xdd"
    if not v6 and f[12:14] != b"\x08\x00":
        return False, False, None
    proto = f[l3 + 6] if v6 else f[l3 + 9]
    if proto not in protos:
        return False, False, None
    l4 = l3 + (40 if v6 else (f[l3] & 15) * 4)
    l4len = len(f) - l4
    if ip_len:
        iplen = struct.unpack("!H", f[l3 + 4:l3 + 6] if v6 else f[l3 + 2:l3 + 4])[0]
        if iplen != len(f) - l3 - (40 if v6 else 0):
            return False, False, "IP length %d is not the full length" % iplen
    off = 6 if proto == 17 else 16
    if proto == 17:
        ulen = struct.unpack("!H", f[l4 + 4:l4 + 6])[0]
        if ulen != l4len:
            return False, False, "UDP length %d is not the full length %d" % (ulen, l4len)
    gso = bool(gtype & 0x7f)
    if gso:
        if not flags & 1:
            return True, gso, "GSO frame without NEEDS_CSUM"
        if gso_size is not None and gsize != gso_size:
            return True, gso, "gso_size %d != %d" % (gsize, gso_size)
    if flags & 1:
        if cstart != l4 or coff != off:
            return True, gso, "csum_start/offset %d/%d, want %d/%d" % (cstart, coff, l4, off)
        seed = csum16(pseudo(f, l3, proto, l4len))
        field = struct.unpack("!H", f[l4 + off:l4 + off + 2])[0]
        if field != seed:
            return True, gso, "NEEDS_CSUM field %#x != pseudo-header seed %#x" % (field, seed)
    elif csum16(pseudo(f, l3, proto, l4len) + f[l4:]) != 0xffff:
        return True, gso, "bad %s checksum in a complete frame" % ("UDP" if proto == 17 else "TCP")
    return True, gso, None
