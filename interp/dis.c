/* dis.c: placeholder, being written. */
