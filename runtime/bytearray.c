/* bytearray.c: placeholder, being written. */
