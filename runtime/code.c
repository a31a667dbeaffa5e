/* code.c: placeholder, being written. */
