/* list.c: placeholder, being written. */
