/* bytes.h: Python bytes (immutable) and bytearray (mutable). */
#ifndef MV_BYTES_H
#define MV_BYTES_H

#include "vm.h"

typedef struct {
    mv_object ob;
    size_t size;
    int64_t hash;
    unsigned char data[]; /* NUL-terminated for convenience */
} mv_bytes;

typedef struct {
    mv_object ob;
    size_t size, cap;
    unsigned char *data;
} mv_bytearray;

extern mv_type mv_bytes_type, mv_bytearray_type;

static inline bool mv_bytes_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_bytes_type); }
static inline const unsigned char *mv_bytes_data(Value v) { return ((mv_bytes *)v)->data; }
static inline size_t mv_bytes_size(Value v) { return ((mv_bytes *)v)->size; }

Value mv_bytes_new(const void *data, size_t size);
Value mv_bytes_repr(Value b); /* b'...' as CPython */
Value mv_bytearray_new(const void *data, size_t size);

#endif
