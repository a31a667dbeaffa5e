/* module.c: placeholder, being written. */
