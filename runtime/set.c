/* set.c: placeholder, being written. */
