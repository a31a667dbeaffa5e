/* gen.c: placeholder, being written. */
