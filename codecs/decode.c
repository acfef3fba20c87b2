/* codecs/decode.c: placeholder, filled in by its owner. */
