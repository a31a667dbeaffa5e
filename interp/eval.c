/* eval.c: placeholder, being written. */
