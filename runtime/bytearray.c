/* bytearray.c: the mutable byte buffer: construction, repr bytearray(b'...'), item and slice
 * assignment and deletion, append/extend/pop/insert/remove/clear/copy/reverse, +=, and every
 * read-only method shared with bytes (bytes_methods.c).
 */
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "range.h"
#include "str.h"

#define BA(v) ((mv_bytearray *)(v))

static void ba_reserve(mv_bytearray *b, size_t n) {
    if (n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 16;
    while (cap < n + 1) cap *= 2;
    b->data = mv_realloc(b->data, cap);
    b->cap = cap;
}

static void ba_set_size(mv_bytearray *b, size_t n) {
    ba_reserve(b, n);
    b->size = n;
    b->data[n] = 0;
}

static Value ba_alloc(mv_type *type, const void *data, size_t size) {
    mv_bytearray *b = (mv_bytearray *)mv_object_new(type);
    b->data = NULL;
    b->cap = 0;
    ba_set_size(b, size);
    if (size) memcpy(b->data, data, size);
    return (Value)b;
}

Value mv_bytearray_new(const void *data, size_t size) { return ba_alloc(&mv_bytearray_type, data, size); }

static void ba_dealloc(Value self) { mv_free(BA(self)->data); }

static Value ba_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    unsigned char *d;
    size_t n;
    if (mv_bytes_from_args(t, "bytearray", args, nargs, kwnames, &d, &n) < 0) return NULL;
    Value r = ba_alloc(type, d, n);
    mv_free(d);
    return r;
}

static Value ba_repr(mv_thread *t, Value self) {
    (void)t;
    mv_strbuf b;
    mv_strbuf_init(&b);
    const char *name = self->type->name;
    mv_strbuf_adds(&b, name);
    mv_strbuf_addc(&b, '(');
    mv_bytes_repr_into(&b, BA(self)->data, BA(self)->size);
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
}

static int ba_hash(mv_thread *t, Value self, int64_t *out) {
    (void)out;
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
    return -1;
}

static int64_t ba_len(mv_thread *t, Value self) {
    (void)t;
    return (int64_t)BA(self)->size;
}

static Value ba_iter(mv_thread *t, Value self) {
    (void)t;
    return mv_bytes_iter_new(self);
}

static int ba_index(mv_thread *t, Value self, Value key, size_t *out) {
    int64_t i, n = (int64_t)BA(self)->size;
    if (mv_index_int64(t, key, &i) < 0) return -1;
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
        mv_err_set(t, &mv_exc_IndexError, "bytearray index out of range");
        return -1;
    }
    *out = (size_t)i;
    return 0;
}

static Value ba_getitem(mv_thread *t, Value self, Value key) {
    mv_bytearray *b = BA(self);
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t k = mv_slice_indices(t, key, (int64_t)b->size, &start, &stop, &step);
        if (k < 0) return NULL;
        Value r = ba_alloc(&mv_bytearray_type, NULL, 0);
        ba_set_size(BA(r), (size_t)k);
        for (int64_t i = 0, j = start; i < k; i++, j += step) BA(r)->data[i] = b->data[j];
        return r;
    }
    if (!mv_int_check(key) && !MV_TYPE(key)->nb_index)
        return mv_err_format(t, &mv_exc_TypeError,
                             "bytearray indices must be integers or slices, not %s",
                             mv_type_name(key));
    size_t i;
    if (ba_index(t, self, key, &i) < 0) return NULL;
    return MV_FROM_SMALL(b->data[i]);
}

/* bytes of the right-hand side of a slice assignment: a buffer or an iterable of ints */
static int rhs_bytes(mv_thread *t, Value v, unsigned char **out, size_t *n) {
    const unsigned char *d;
    size_t k;
    if (mv_bytes_like(v, &d, &k)) {
        *out = mv_malloc(k + 1);
        memcpy(*out, d, k);
        *n = k;
        return 0;
    }
    if (mv_int_check(v) || mv_str_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "can assign only bytes, buffers, or iterables of ints in range(0, 256)");
        return -1;
    }
    return mv_bytes_from_args(t, "bytearray", &v, 1, NULL, out, n);
}

static int ba_setitem(mv_thread *t, Value self, Value key, Value v) {
    mv_bytearray *b = BA(self);
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t k = mv_slice_indices(t, key, (int64_t)b->size, &start, &stop, &step);
        if (k < 0) return -1;
        unsigned char *src = NULL;
        size_t n = 0;
        if (v && rhs_bytes(t, v, &src, &n) < 0) return -1;
        if (step == 1) {
            if (stop < start) stop = start;
            size_t old = (size_t)(stop - start), tail = b->size - (size_t)stop;
            size_t newsize = b->size - old + n;
            ba_reserve(b, newsize);
            memmove(b->data + start + n, b->data + stop, tail);
            if (n) memcpy(b->data + start, src, n);
            ba_set_size(b, newsize);
            mv_free(src);
            return 0;
        }
        if (!v) {
            /* delete an extended slice: keep the bytes not selected */
            size_t w = 0;
            for (size_t i = 0; i < b->size; i++) {
                bool sel = step > 0 ? ((int64_t)i >= start && (int64_t)i < stop && ((int64_t)i - start) % step == 0)
                                    : ((int64_t)i <= start && (int64_t)i > stop && (start - (int64_t)i) % (-step) == 0);
                if (!sel) b->data[w++] = b->data[i];
            }
            ba_set_size(b, w);
            return 0;
        }
        if ((int64_t)n != k) {
            mv_free(src);
            mv_err_format(t, &mv_exc_ValueError,
                          "attempt to assign bytes of size %zu to extended slice of size %lld", n,
                          (long long)k);
            return -1;
        }
        for (int64_t i = 0, j = start; i < k; i++, j += step) b->data[j] = src[i];
        mv_free(src);
        return 0;
    }
    size_t i;
    if (!mv_int_check(key) && !MV_TYPE(key)->nb_index) {
        mv_err_format(t, &mv_exc_TypeError, "bytearray indices must be integers or slices, not %s",
                      mv_type_name(key));
        return -1;
    }
    if (ba_index(t, self, key, &i) < 0) return -1;
    if (!v) {
        memmove(b->data + i, b->data + i + 1, b->size - i - 1);
        ba_set_size(b, b->size - 1);
        return 0;
    }
    unsigned char c;
    if (mv_bytes_byte_value(t, v, &c) < 0) {
        if (mv_err_matches(t, &mv_exc_ValueError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_ValueError, "byte must be in range(0, 256)");
        }
        return -1;
    }
    b->data[i] = c;
    return 0;
}

static int ba_extend_impl(mv_thread *t, Value self, Value v) {
    unsigned char *src;
    size_t n;
    const unsigned char *d;
    if (mv_bytes_like(v, &d, &n)) {
        mv_bytearray *b = BA(self);
        size_t old = b->size;
        ba_reserve(b, old + n);
        memmove(b->data + old, d, n); /* d may be b->data itself */
        ba_set_size(b, old + n);
        return 0;
    }
    if (mv_str_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "expected iterable of integers; got: 'str'");
        return -1;
    }
    if (mv_bytes_from_args(t, "bytearray", &v, 1, NULL, &src, &n) < 0) {
        if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(v)->iter) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_TypeError, "can't extend bytearray with %s", mv_type_name(v));
        }
        return -1;
    }
    mv_bytearray *b = BA(self);
    size_t old = b->size;
    ba_set_size(b, old + n);
    if (n) memcpy(b->data + old, src, n);
    mv_free(src);
    return 0;
}

static Value ba_iadd(mv_thread *t, Value a, Value b) {
    const unsigned char *d;
    size_t n;
    if (!mv_bytes_like(b, &d, &n))
        return mv_err_format(t, &mv_exc_TypeError, "can't concat %s to %s", mv_type_name(b),
                             mv_type_name(a));
    if (ba_extend_impl(t, a, b) < 0) return NULL;
    return mv_newref(a);
}

/* ---- methods --------------------------------------------------------------------------------- */

static int nargs_ok(mv_thread *t, const char *name, size_t nargs, Value kw, size_t lo, size_t hi) {
    if (mv_check_no_kwargs(t, name, kw) < 0) return -1;
    return mv_check_nargs(t, name, nargs, lo, hi);
}

static Value ba_append(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "append", nargs, kw, 1, 1) < 0) return NULL;
    unsigned char c;
    if (mv_bytes_byte_value(t, args[0], &c) < 0) {
        if (mv_err_matches(t, &mv_exc_ValueError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_ValueError, "byte must be in range(0, 256)");
        }
        return NULL;
    }
    mv_bytearray *b = BA(self);
    ba_set_size(b, b->size + 1);
    b->data[b->size - 1] = c;
    return MV_NONE;
}

static Value ba_extend(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "extend", nargs, kw, 1, 1) < 0) return NULL;
    return ba_extend_impl(t, self, args[0]) < 0 ? NULL : MV_NONE;
}

static Value ba_pop(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "pop", nargs, kw, 0, 1) < 0) return NULL;
    mv_bytearray *b = BA(self);
    if (b->size == 0) return mv_err_set(t, &mv_exc_IndexError, "pop from empty bytearray");
    int64_t i = -1;
    if (nargs && mv_index_int64(t, args[0], &i) < 0) return NULL;
    if (i < 0) i += (int64_t)b->size;
    if (i < 0 || i >= (int64_t)b->size) return mv_err_set(t, &mv_exc_IndexError, "pop index out of range");
    unsigned char c = b->data[i];
    memmove(b->data + i, b->data + i + 1, b->size - (size_t)i - 1);
    ba_set_size(b, b->size - 1);
    return MV_FROM_SMALL(c);
}

static Value ba_insert(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "insert", nargs, kw, 2, 2) < 0) return NULL;
    int64_t i;
    unsigned char c;
    if (mv_index_int64(t, args[0], &i) < 0 || mv_bytes_byte_value(t, args[1], &c) < 0) return NULL;
    mv_bytearray *b = BA(self);
    int64_t n = (int64_t)b->size;
    if (i < 0 && (i += n) < 0) i = 0;
    if (i > n) i = n;
    ba_set_size(b, b->size + 1);
    memmove(b->data + i + 1, b->data + i, (size_t)(n - i));
    b->data[i] = c;
    return MV_NONE;
}

static Value ba_remove(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "remove", nargs, kw, 1, 1) < 0) return NULL;
    unsigned char c;
    if (mv_bytes_byte_value(t, args[0], &c) < 0) return NULL;
    mv_bytearray *b = BA(self);
    unsigned char *p = memchr(b->data, c, b->size);
    if (!p) return mv_err_set(t, &mv_exc_ValueError, "value not found in bytearray");
    memmove(p, p + 1, b->size - (size_t)(p - b->data) - 1);
    ba_set_size(b, b->size - 1);
    return MV_NONE;
}

static Value ba_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "clear", nargs, kw, 0, 0) < 0) return NULL;
    ba_set_size(BA(self), 0);
    return MV_NONE;
}

static Value ba_copy(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "copy", nargs, kw, 0, 0) < 0) return NULL;
    return mv_bytearray_new(BA(self)->data, BA(self)->size);
}

static Value ba_reverse(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (nargs_ok(t, "reverse", nargs, kw, 0, 0) < 0) return NULL;
    mv_bytearray *b = BA(self);
    for (size_t i = 0, j = b->size; i + 1 < j; i++, j--) {
        unsigned char c = b->data[i];
        b->data[i] = b->data[j - 1];
        b->data[j - 1] = c;
    }
    return MV_NONE;
}

static const mv_method_def ba_methods[] = {
    {"append", ba_append, 0, NULL},
    {"extend", ba_extend, 0, NULL},
    {"pop", ba_pop, 0, NULL},
    {"insert", ba_insert, 0, NULL},
    {"remove", ba_remove, 0, NULL},
    {"clear", ba_clear, 0, NULL},
    {"copy", ba_copy, 0, NULL},
    {"reverse", ba_reverse, 0, NULL},
    {"fromhex", mv_bytesm_fromhex, MV_METH_CLASS, NULL},
    MV_BYTES_SHARED_METHODS
    {NULL, NULL, 0, NULL},
};

mv_type mv_bytearray_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "bytearray",
    .basicsize = sizeof(mv_bytearray),
    .flags = MV_TPFLAG_BASETYPE,
    .tp_new = ba_new,
    .dealloc = ba_dealloc,
    .repr = ba_repr,
    .hash = ba_hash,
    .richcompare = mv_bytes_richcompare,
    .iter = ba_iter,
    .len = ba_len,
    .getitem = ba_getitem,
    .setitem = ba_setitem,
    .contains = mv_bytes_contains,
    .nb = {[MV_BINOP_ADD] = mv_bytes_add, [MV_BINOP_MUL] = mv_bytes_mul},
    .nb_inplace = {[MV_BINOP_ADD] = ba_iadd},
    .methods = ba_methods,
};
