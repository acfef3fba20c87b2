/* engine/engine.c: placeholder, filled in by its owner. */
