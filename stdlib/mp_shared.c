/* mp_shared.c: _multiprocessing.SharedArray, a typed array in an anonymous MAP_SHARED mapping:
 * made before fork, the same memory in the parent and every child.  multiprocessing's Value,
 * Array, RawValue and RawArray wrap it; items convert as ctypes' c_int, c_double, c_char ... do
 * (integers wrap around silently, CPython's error messages for the wrong types).
 */
#include <errno.h>
#include <gmp.h>
#include <string.h>
#include <sys/mman.h>
#include <wchar.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "mp_internal.h"
#include "range.h"
#include "str.h"

typedef struct {
    mv_object ob;
    unsigned char *mem; /* the shared mapping (mapsize bytes) */
    size_t mapsize;
    size_t itemsize;
    int64_t length;
    char typecode;
} sharedobj;

static size_t item_size(char tc) {
    switch (tc) {
    case 'c': case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'u': return sizeof(wchar_t);
    case 'l': case 'L': case 'q': case 'Q': case 'd': return 8;
    default: return 0;
    }
}

static Value shared_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"typecode", "length", NULL};
    Value a[2];
    if (mv_parse_args(t, "SharedArray", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    size_t isz = mv_str_check(a[0]) && mv_str_size(a[0]) == 1 ? item_size(mv_str_data(a[0])[0]) : 0;
    if (!isz) return mv_err_set(t, &mv_exc_TypeError, "this type has no size");
    int64_t n;
    if (mv_index_int64(t, a[1], &n) < 0) return NULL;
    if (n < 0) return mv_err_set(t, &mv_exc_ValueError, "Array length must be >= 0");
    size_t size = (size_t)n * isz;
    void *mem = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return mv_err_errno(t, errno, NULL);
    sharedobj *s = (sharedobj *)mv_object_new(type);
    s->mem = mem;
    s->mapsize = size ? size : 1;
    s->itemsize = isz;
    s->length = n;
    s->typecode = mv_str_data(a[0])[0];
    return (Value)s;
}

static void shared_dealloc(Value self) {
    sharedobj *s = (sharedobj *)self;
    if (s->mem) munmap(s->mem, s->mapsize);
    s->mem = NULL;
}

/* ---- one item -------------------------------------------------------------------------------- */

static Value get_item(sharedobj *s, int64_t i) {
    unsigned char *p = s->mem + (size_t)i * s->itemsize;
    switch (s->typecode) {
    case 'c': return mv_bytes_new(p, 1);
    case 'b': return mv_int_from_i64(*(int8_t *)p);
    case 'B': return mv_int_from_i64(*(uint8_t *)p);
    case 'h': { int16_t v; memcpy(&v, p, 2); return mv_int_from_i64(v); }
    case 'H': { uint16_t v; memcpy(&v, p, 2); return mv_int_from_i64(v); }
    case 'i': { int32_t v; memcpy(&v, p, 4); return mv_int_from_i64(v); }
    case 'I': { uint32_t v; memcpy(&v, p, 4); return mv_int_from_i64(v); }
    case 'l': case 'q': { int64_t v; memcpy(&v, p, 8); return mv_int_from_i64(v); }
    case 'L': case 'Q': { uint64_t v; memcpy(&v, p, 8); return mv_int_from_u64(v); }
    case 'f': { float v; memcpy(&v, p, 4); return mv_float_new(v); }
    case 'd': { double v; memcpy(&v, p, 8); return mv_float_new(v); }
    case 'u': {
        wchar_t v;
        memcpy(&v, p, sizeof v);
        return mv_str_from_codepoint((uint32_t)v);
    }
    }
    return mv_newref(MV_NONE);
}

/* The low 64 bits of an int (two's complement), as ctypes' integer types keep them. */
static int int_bits(mv_thread *t, Value v, uint64_t *out) {
    if (!mv_int_check(v)) {
        if (mv_float_check(v) || !MV_TYPE(v)->nb_index) {
            mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", v);
            return -1;
        }
        Value i = mv_number_index(t, v);
        if (!i) return -1;
        int r = int_bits(t, i, out);
        MV_DECREF(i);
        return r;
    }
    int64_t x;
    if (MV_IS_SMALL(v) || mv_int_as_i64(t, v, &x) == 0) {
        if (MV_IS_SMALL(v)) x = MV_SMALL_VAL(v);
        *out = (uint64_t)x;
        return 0;
    }
    mv_err_clear(t);
    mpz_t z, r;
    mpz_init(z);
    mpz_init(r);
    mv_int_to_mpz(v, z);
    mpz_fdiv_r_2exp(r, z, 64);
    *out = (uint64_t)mpz_get_ui(r);
    mpz_clear(z);
    mpz_clear(r);
    return 0;
}

static int set_item(mv_thread *t, sharedobj *s, int64_t i, Value v) {
    unsigned char *p = s->mem + (size_t)i * s->itemsize;
    uint64_t u;
    switch (s->typecode) {
    case 'c': {
        const unsigned char *d;
        size_t n;
        if (mv_bytes_like(v, &d, &n) && n == 1) {
            *p = d[0];
            return 0;
        }
        if (mv_int_check(v) && !mv_isinstance_of(v, &mv_bool_type)) {
            int64_t x;
            if (mv_int_as_i64(t, v, &x) == 0 && x >= 0 && x < 256) {
                *p = (unsigned char)x;
                return 0;
            }
            mv_err_clear(t);
        }
        mv_err_set(t, &mv_exc_TypeError, "one character bytes, bytearray or integer expected");
        return -1;
    }
    case 'u': {
        if (!mv_str_check(v) || mv_str_len(v) != 1) {
            mv_err_set(t, &mv_exc_TypeError, "one character unicode string expected");
            return -1;
        }
        wchar_t w = (wchar_t)mv_str_codepoint_at(v, 0);
        memcpy(p, &w, sizeof w);
        return 0;
    }
    case 'f': case 'd': {
        double d;
        if (mv_float_check(v)) {
            d = mv_float_val(v);
        } else if (mv_int_check(v)) {
            if (mv_as_double(t, v, &d) < 0) return -1;
        } else {
            mv_err_format(t, &mv_exc_TypeError, "must be real number, not %T", v);
            return -1;
        }
        if (s->typecode == 'f') {
            float f = (float)d;
            memcpy(p, &f, 4);
        } else {
            memcpy(p, &d, 8);
        }
        return 0;
    }
    }
    if (int_bits(t, v, &u) < 0) return -1;
    switch (s->itemsize) {
    case 1: *p = (unsigned char)u; break;
    case 2: { uint16_t x = (uint16_t)u; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)u; memcpy(p, &x, 4); break; }
    default: memcpy(p, &u, 8); break;
    }
    return 0;
}

/* ---- the sequence protocol ----------------------------------------------------------------- */

static int64_t shared_len(mv_thread *t, Value self) { return ((sharedobj *)self)->length; }

static int index_of(mv_thread *t, sharedobj *s, Value key, int64_t *out) {
    int64_t i;
    if (mv_index_int64(t, key, &i) < 0) return -1;
    if (i < 0) i += s->length;
    if (i < 0 || i >= s->length) {
        mv_err_set(t, &mv_exc_IndexError, "invalid index");
        return -1;
    }
    *out = i;
    return 0;
}

static Value shared_getitem(mv_thread *t, Value self, Value key) {
    sharedobj *s = (sharedobj *)self;
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t n = mv_slice_indices(t, key, s->length, &start, &stop, &step);
        if (n < 0) return NULL;
        if (s->typecode == 'c') {
            unsigned char *buf = mv_malloc((size_t)n + 1);
            for (int64_t k = 0; k < n; k++) buf[k] = s->mem[start + k * step];
            Value b = mv_bytes_new(buf, (size_t)n);
            mv_free(buf);
            return b;
        }
        Value l = mv_list_new(0);
        for (int64_t k = 0; k < n; k++) mv_list_append_steal(l, get_item(s, start + k * step));
        return l;
    }
    int64_t i;
    if (index_of(t, s, key, &i) < 0) return NULL;
    return get_item(s, i);
}

static int shared_setitem(mv_thread *t, Value self, Value key, Value v) {
    sharedobj *s = (sharedobj *)self;
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "Array does not support item deletion");
        return -1;
    }
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t n = mv_slice_indices(t, key, s->length, &start, &stop, &step);
        if (n < 0) return -1;
        Value seq = mv_sequence_list(t, v);
        if (!seq) return -1;
        int r = 0;
        if ((int64_t)mv_list_size(seq) != n) {
            mv_err_set(t, &mv_exc_ValueError, "Can only assign sequence of same size");
            r = -1;
        }
        for (int64_t k = 0; r == 0 && k < n; k++) {
            Value item = mv_list_items(seq)[k];
            if (s->typecode == 'c' && mv_int_check(item)) { /* iterating bytes gives ints */
                int64_t x;
                if (mv_int_as_i64(t, item, &x) < 0) { r = -1; break; }
                s->mem[start + k * step] = (unsigned char)x;
                continue;
            }
            r = set_item(t, s, start + k * step, item);
        }
        MV_DECREF(seq);
        return r;
    }
    int64_t i;
    if (index_of(t, s, key, &i) < 0) return -1;
    return set_item(t, s, i, v);
}

/* ---- methods --------------------------------------------------------------------------------- */

static Value shared_get_raw(mv_thread *t, Value self) {
    sharedobj *s = (sharedobj *)self;
    return mv_bytes_new(s->mem, (size_t)s->length * s->itemsize);
}

static int shared_set_raw(mv_thread *t, Value self, Value v) {
    sharedobj *s = (sharedobj *)self;
    const unsigned char *d;
    size_t n;
    if (!v || !mv_bytes_like(v, &d, &n)) {
        mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", v ? v : MV_NONE);
        return -1;
    }
    if (n > (size_t)s->length * s->itemsize) {
        mv_err_set(t, &mv_exc_ValueError, "byte string too long");
        return -1;
    }
    memcpy(s->mem, d, n);
    return 0;
}

/* c_char arrays: .value is the bytes up to the first NUL; assigning adds a NUL if room. */
static Value shared_get_value(mv_thread *t, Value self) {
    sharedobj *s = (sharedobj *)self;
    size_t n = 0, len = (size_t)s->length;
    while (n < len && s->mem[n]) n++;
    return mv_bytes_new(s->mem, n);
}

static int shared_set_value(mv_thread *t, Value self, Value v) {
    sharedobj *s = (sharedobj *)self;
    if (!v || !mv_bytes_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "bytes expected instead of %T instance", v ? v : MV_NONE);
        return -1;
    }
    const unsigned char *d = mv_bytes_data(v);
    size_t n = mv_bytes_size(v);
    if (n > (size_t)s->length) {
        mv_err_set(t, &mv_exc_ValueError, "byte string too long");
        return -1;
    }
    memcpy(s->mem, d, n);
    if (n < (size_t)s->length) s->mem[n] = 0;
    return 0;
}

static Value shared_get_typecode(mv_thread *t, Value self) {
    char tc[2] = {((sharedobj *)self)->typecode, 0};
    return mv_str_from_cstr(tc);
}

static const mv_getset_def shared_getsets[] = {
    {"raw", shared_get_raw, shared_set_raw},
    {"value", shared_get_value, shared_set_value},
    {"typecode", shared_get_typecode, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_mp_shared_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_multiprocessing.SharedArray",
    .basicsize = sizeof(sharedobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "A typed array in memory shared with forked children.",
    .tp_new = shared_new,
    .dealloc = shared_dealloc,
    .len = shared_len,
    .getitem = shared_getitem,
    .setitem = shared_setitem,
    .getsets = shared_getsets,
};
