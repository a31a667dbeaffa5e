/* compiler.c: placeholder, being written. */
