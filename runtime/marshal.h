/* marshal.h: code objects to bytes and back, for the frozen stdlib modules: tools/freeze.c
 * compiles every embedded .mv module at build time and stores its serialized code in
 * mv_embedded_modules, and the import system loads it instead of compiling the source on every
 * run (as CPython 3.11 freezes its start-up modules).  The format is private to one build of
 * minivm (a version byte guards against mixing builds); see marshal.c for its layout.
 */
#ifndef MV_MARSHAL_H
#define MV_MARSHAL_H

#include "vm.h"

/* Serialize v: a code object or any constant the compiler puts into co_consts (None, True,
   False, Ellipsis, int, float, str, bytes, tuple, frozenset, code).  Returns a new bytes object,
   or NULL with ValueError "unmarshallable object" for anything else. */
Value mv_marshal_dumps(mv_thread *t, Value v);
/* The value serialized in data[0..size).  Every read is bounds-checked: malformed or truncated
   input raises ValueError (never reads outside the buffer).  Returns a new reference. */
Value mv_marshal_loads(mv_thread *t, const void *data, size_t size);

#endif
