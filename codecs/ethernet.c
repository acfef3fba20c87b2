/* codecs/ethernet.c: placeholder, filled in by its owner. */
