/* traceback.c: placeholder, being written. */
