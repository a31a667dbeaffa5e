/* str_methods.c: placeholder, being written. */
