/* engine/netlink.c: placeholder, filled in by its owner. */
