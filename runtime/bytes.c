/* bytes.c: placeholder, being written. */
