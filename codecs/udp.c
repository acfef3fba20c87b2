/* codecs/udp.c: placeholder, filled in by its owner. */
