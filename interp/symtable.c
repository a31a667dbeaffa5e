/* symtable.c: placeholder, being written. */
