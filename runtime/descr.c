/* descr.c: placeholder, being written. */
