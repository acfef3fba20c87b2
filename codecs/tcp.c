/* codecs/tcp.c: placeholder, filled in by its owner. */
