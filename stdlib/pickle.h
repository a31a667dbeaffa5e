/* pickle.h: the C entry points of minivm's pickle (stdlib/pickle.c), for modules that move
 * objects between processes without a Python-level call (multiprocessing's Connection, Queue).
 * The format is minivm's own compact binary format; the first byte is the format version.
 */
#ifndef MV_PICKLE_H
#define MV_PICKLE_H

#include "runtime/vm.h"

/* obj -> a new bytes object; NULL with PicklingError/TypeError set on failure. */
Value mv_pickle_dumps(mv_thread *t, Value obj);

/* Bytes produced by mv_pickle_dumps -> a new reference to the rebuilt object; NULL with
 * UnpicklingError set for malformed or truncated input. */
Value mv_pickle_loads(mv_thread *t, const unsigned char *buf, size_t len);

#endif
