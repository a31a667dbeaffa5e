/* bytes.h: Python bytes (immutable) and bytearray (mutable). */
#ifndef MV_BYTES_H
#define MV_BYTES_H

#include "str.h"

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

/* Decode bytes with a codec name ("utf-8", "ascii", "latin-1" and their aliases) and an errors
   policy ("strict", "replace", "ignore", "backslashreplace"): str(b, enc), b.decode(enc). */
Value mv_bytes_decode(mv_thread *t, const unsigned char *data, size_t size, const char *encoding,
                      const char *errors);
/* Encode a str: str.encode(enc, errors); returns bytes. */
Value mv_str_encode(mv_thread *t, Value s, const char *encoding, const char *errors);

/* Methods shared by bytes and bytearray (bytes.c); results have the type of self. */
#define MV_BYTES_SHARED_FNS(X) \
    X(decode) X(hex) X(split) X(rsplit) X(join) X(strip) X(lstrip) X(rstrip) X(replace) X(find) \
    X(rfind) X(index) X(rindex) X(count) X(startswith) X(endswith) X(upper) X(lower) \
    X(partition) X(rpartition) X(isdigit) X(isalpha) X(isalnum) X(isspace) X(isupper) \
    X(islower) X(isascii) X(capitalize) X(title) X(swapcase) X(splitlines) X(center) X(ljust) \
    X(rjust) X(zfill) X(removeprefix) X(removesuffix) X(expandtabs)
#define MV_BYTES_DECL(n) Value mv_bytesm_##n(mv_thread *t, Value self, Value *args, size_t nargs, Value kw);
MV_BYTES_SHARED_FNS(MV_BYTES_DECL)
#undef MV_BYTES_DECL
#define MV_BYTES_ENTRY(n) {#n, mv_bytesm_##n, 0, NULL},
#define MV_BYTES_SHARED_METHODS MV_BYTES_SHARED_FNS(MV_BYTES_ENTRY)
Value mv_bytesm_fromhex(mv_thread *t, Value cls, Value *args, size_t nargs, Value kw); /* classmethod */

/* Any bytes-like object (bytes, bytearray): its buffer, or false. */
static inline bool mv_bytes_like(Value v, const unsigned char **data, size_t *size) {
    if (MV_IS_SMALL(v)) return false;
    if (mv_isinstance_of(v, &mv_bytes_type)) {
        *data = ((mv_bytes *)v)->data;
        *size = ((mv_bytes *)v)->size;
        return true;
    }
    if (mv_isinstance_of(v, &mv_bytearray_type)) {
        *data = ((mv_bytearray *)v)->data;
        *size = ((mv_bytearray *)v)->size;
        return true;
    }
    return false;
}
/* The contents of bytes(x) / bytearray(x) for the constructor argument forms (int, iterable of
   ints, buffer, str with encoding) into a malloc'd buffer; -1 on error. */
int mv_bytes_from_args(mv_thread *t, const char *tname, Value *args, size_t nargs, Value kwnames,
                       unsigned char **out, size_t *outsize);
/* repr body b'...' of raw bytes */
void mv_bytes_repr_into(mv_strbuf *b, const unsigned char *data, size_t size);
Value mv_bytes_richcompare(mv_thread *t, Value a, Value b, int op);
/* slots shared with bytearray */
Value mv_bytes_iter_new(Value seq);  /* iterator of ints over bytes or bytearray */
int mv_bytes_contains(mv_thread *t, Value self, Value item);
Value mv_bytes_add(mv_thread *t, Value a, Value b);
Value mv_bytes_mul(mv_thread *t, Value a, Value b);
int mv_bytes_byte_value(mv_thread *t, Value v, unsigned char *out); /* int in 0..255 */
extern mv_type mv_bytes_iter_type;

#endif
