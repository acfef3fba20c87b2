/* engine/tap.c: placeholder, filled in by its owner. */
