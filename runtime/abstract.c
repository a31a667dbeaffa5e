/* abstract.c: placeholder, being written. */
