/* codecs/arp.c: placeholder, filled in by its owner. */
