/* sys.c: placeholder, being written. */
