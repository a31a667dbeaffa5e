/* tuple.c: placeholder, being written. */
