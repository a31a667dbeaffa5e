/* int.c: placeholder, being written. */
