/* modules.c: placeholder, being written. */
