#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Attach to TUN device NAME (created if missing, IFF_TUN | IFF_NO_PI) and
read what the kernel sends it, so it has carrier and traffic routed to it
is transmitted (and seen by packet sockets). Prints "up" once attached;
exits after SECONDS (default 60) or when killed. With OUT, each frame read
is appended to OUT as one line of hex.

    tun_hold.py NAME [SECONDS [OUT]]
"""
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def main():
    name = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    print("up", flush=True)
    out = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            frame = os.read(fd, 65536)
            if out:
                out.write(frame.hex() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
