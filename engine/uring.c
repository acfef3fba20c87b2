/* engine/uring.c: placeholder, filled in by its owner. */
