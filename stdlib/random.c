/* random.c: placeholder, being written. */
