/* codecs/addr.c: placeholder, filled in by its owner. */
