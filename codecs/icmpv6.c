/* codecs/icmpv6.c: placeholder, filled in by its owner. */
