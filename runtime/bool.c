/* bool.c: placeholder, being written. */
