/* codecs/dns.c: placeholder, filled in by its owner. */
