/* engine/worker.c: placeholder, filled in by its owner. */
