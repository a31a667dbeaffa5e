/* os.c: placeholder, being written. */
