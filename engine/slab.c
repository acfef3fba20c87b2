/* engine/slab.c: placeholder, filled in by its owner. */
