/* float.c: placeholder, being written. */
