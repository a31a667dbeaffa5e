/* class.c: placeholder, being written. */
