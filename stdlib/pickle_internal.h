/* pickle_internal.h: what pickle.c (module, API), pickle_dump.c and pickle_load.c share: the
 * tags of minivm's pickle format, the pickle exception classes and the lookup of module-level
 * names.  Not an API for other modules (that is pickle.h).
 *
 * The format: a version byte (MV_PICKLE_VERSION), the length of the payload as a varint, then
 * one value.  A value is a one-byte tag followed by its operands; varints are LEB128 (7 bits per
 * byte, low bits first), small ints are zigzag varints.  Objects that can be shared or can be
 * part of a cycle get the next memo index as they are written (mutable containers before their
 * items, tuples/frozensets/reduced objects after their parts), and a later reference to the same
 * object is PK_GET index.  The parts of a tuple, frozenset or reduced object are followed by
 * PK_KEEP, or by PK_REPLACE index when writing them already stored the object itself (a cycle
 * back into it): the reader then drops what it built and takes memo[index], so identity is kept
 * (CPython's POP_MARK + GET trick).  The marker is always there, as a nested tuple may end just
 * where its parent's marker starts.
 */
#ifndef MV_PICKLE_INTERNAL_H
#define MV_PICKLE_INTERNAL_H

#include "runtime/vm.h"

#define MV_PICKLE_VERSION 1
#define MV_PICKLE_HIGHEST_PROTOCOL 5
#define MV_PICKLE_DEFAULT_PROTOCOL 4
/* Dump and load recurse in C, a frame or two per level of nesting: besides the recursion limit
   (dump) and twice it (load), never deeper than this, and never closer than the margin to the
   end of the thread's C stack (sanitizer builds have big frames; threads may have small stacks). */
#define MV_PICKLE_HARD_DEPTH 100000
#define MV_PICKLE_STACK_MARGIN (256 * 1024)
/* The lowest address the calling thread's stack may reach while pickling (cached per thread). */
uintptr_t mv_pickle_stack_limit(void);
static inline bool mv_pickle_stack_low(uintptr_t limit) {
    char here;
    return (uintptr_t)&here < limit;
}

/* tags: printable letters, so "invalid load key, 'x'." points somewhere readable */
enum {
    PK_NONE = 'N',
    PK_TRUE = 'T',
    PK_FALSE = 'F',
    PK_ELLIPSIS = 'E',
    PK_NOTIMPL = 'n',
    PK_INT = 'i',       /* zigzag varint (the 63-bit small ints, and any int64) */
    PK_BIGINT = 'I',    /* sign byte (0 +, 1 -), varint n, n magnitude bytes little-endian */
    PK_FLOAT = 'f',     /* 8 bytes, IEEE 754 binary64 little-endian */
    PK_STR = 's',       /* varint n, n bytes of UTF-8; memoized */
    PK_BYTES = 'b',     /* varint n, n bytes; memoized */
    PK_BYTEARRAY = 'B', /* varint n, n bytes; memoized */
    PK_TUPLE = 't',     /* varint n, n values, marker; memoized after the items; n == 0: no marker */
    PK_LIST = 'l',      /* varint n, n values; memoized before the items */
    PK_DICT = 'd',      /* varint n, n key/value pairs; memoized before the items */
    PK_SET = 'S',       /* varint n, n values; memoized before the items */
    PK_FROZENSET = 'z', /* varint n, n values, marker; memoized after the items */
    PK_RANGE = 'r',     /* start, stop, step values */
    PK_SLICE = ':',     /* start, stop, step values */
    PK_GET = 'g',       /* varint memo index */
    PK_REPLACE = 'R',   /* varint memo index, only right after the parts of t / z / o */
    PK_KEEP = '.',      /* no replacement: the other marker after the parts of t / z / o */
    PK_METHOD = 'M',    /* self value, name str value: getattr(self, name), a bound method */
    PK_GLOBAL = 'G',    /* module str value, qualname str value: a module-level name; memoized */
    PK_REDUCE = 'o',    /* flags byte, class value, args tuple value [, kwargs dict value],
                           PK_KEEP (or PK_REPLACE, and nothing more), then the object is built
                           and memoized [, varint n + n list items] [, varint n + n key/value
                           pairs] [, state value]: CPython's order.  Only classes are called. */
};

/* PK_REDUCE flags */
enum {
    PKR_NEWOBJ = 1, /* obj = cls.__new__(cls, *args, **kwargs), else obj = cls(*args, **kwargs) */
    PKR_STATE = 2,  /* a state follows: obj.__setstate__(state), else __dict__ / slots update */
    PKR_LISTITEMS = 4,
    PKR_DICTITEMS = 8,
    PKR_KWARGS = 16,
};

enum { MV_PICKLE_ERR_BASE, MV_PICKLE_ERR_PICKLING, MV_PICKLE_ERR_UNPICKLING };
/* _pickle.PickleError / PicklingError / UnpicklingError (created on first use; borrowed). */
mv_type *mv_pickle_error(mv_thread *t, int which);

/* The object named by module + qualname (str Values): imports the module, walks the dotted
   qualname with getattr.  New reference, or NULL with the import/attribute error set. */
Value mv_pickle_find_global(mv_thread *t, Value module, Value qualname);
/* Its two halves: import the module (new ref), and walk a dotted qualname from obj (new ref);
   "<locals>" parts fail.  NULL with an exception set. */
Value mv_pickle_import(mv_thread *t, Value module);
Value mv_pickle_getattr_path(mv_thread *t, Value obj, Value qualname);

/* For load(file) (pickle_load.c): how many bytes the whole pickle takes, given its first len
   bytes (len >= 1): 0 = need another header byte, else the total; -1 with an exception set. */
int64_t mv_pickle_frame_size(mv_thread *t, const unsigned char *buf, size_t len);

#endif
