/* math.c: placeholder, being written. */
