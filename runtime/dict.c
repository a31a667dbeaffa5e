/* dict.c: placeholder, being written. */
