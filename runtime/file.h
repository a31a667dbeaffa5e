/* file.h: file objects (open(), sys.stdin/stdout/stderr): text (UTF-8) and binary modes,
 * buffered, with CPython's API (read, readline, readlines, write, writelines, iteration, seek,
 * tell, flush, close, with).  Blocking reads and writes are where the GIL will be released. */
#ifndef MV_FILE_H
#define MV_FILE_H

#include "vm.h"

extern mv_type mv_file_type;

/* The open() builtin: open(file, mode='r', buffering=-1, encoding=None, errors=None, newline=None) */
Value mv_builtin_open(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);
/* Wrap an OS file descriptor (sys.stdin/stdout/stderr): mode "r"/"w", name like "<stdout>". */
Value mv_file_from_fd(mv_thread *t, int fd, const char *mode, const char *name);
/* Flush every open file object's buffer (at exit, before fork). */
void mv_file_flush_all(mv_thread *t);

#endif
