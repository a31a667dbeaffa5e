/* slice.c: placeholder, being written. */
