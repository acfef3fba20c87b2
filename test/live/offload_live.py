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
import socket, sys, time

from vnetlib import SOL_UDP, UDP_SEGMENT, family, gso_send, pattern, vnet_capture, vnet_check


def echo(addr, port, iface, seg):
    fam = family(addr)
    cap = vnet_capture(iface, 0.2)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
    s.setsockopt(SOL_UDP, UDP_SEGMENT, seg)
    s.settimeout(3)
    sent = [pattern(k, seg) for k in range(20)] + [pattern(50, seg // 3)]
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
        counted, g, err = vnet_check(data, (17,), gso_size=seg)
        if err:
            print("frame:", err)
            return 1
        frames += counted
        gso += g
    print("ok", len(got), frames, gso)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "send":
        gso_send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), 0.002)
    else:
        sys.exit(echo(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
