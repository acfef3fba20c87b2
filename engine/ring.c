/* engine/ring.c: placeholder, filled in by its owner. */
