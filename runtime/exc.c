/* exc.c: placeholder, being written. */
