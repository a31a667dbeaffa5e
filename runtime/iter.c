/* iter.c: placeholder, being written. */
