/* pickle_load.c: mv_pickle_loads, minivm's pickle format (pickle_internal.h) -> objects.  Safe
 * by design: it builds data, looks up module-level names and calls only classes (and their
 * __new__ / __setstate__ / append); every length is checked against the remaining input before
 * anything is allocated, and nesting is bounded, so malformed input raises UnpicklingError.
 */
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "list.h"
#include "pickle.h"
#include "pickle_internal.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

typedef struct {
    mv_thread *t;
    const unsigned char *p, *end;
    Value *memo; /* strong references, in the order the writer numbered them */
    size_t nmemo, memocap;
    int depth, limit;
    uintptr_t stack_limit;
} loader;

static Value s_setstate, s_new, s_append;

/* ---- errors and reading -------------------------------------------------------------------- */

static Value fail(loader *L, const char *fmt, ...) {
    mv_type *e = mv_pickle_error(L->t, MV_PICKLE_ERR_UNPICKLING);
    va_list ap;
    va_start(ap, fmt);
    mv_err_vformat(L->t, e ? e : &mv_exc_ValueError, fmt, ap);
    va_end(ap);
    return NULL;
}

static Value truncated(loader *L) { return fail(L, "pickle data was truncated"); }

/* CPython's message for an unknown opcode, which is also what it says for most garbage */
static Value bad_key(loader *L, unsigned char tag) {
    if (tag >= 0x20 && tag < 0x7f) return fail(L, "invalid load key, '%c'.", tag);
    return fail(L, "invalid load key, '\\x%02x'.", tag);
}

static inline size_t remaining(loader *L) { return (size_t)(L->end - L->p); }

static inline int read_varint(loader *L, uint64_t *out) {
    if (L->p < L->end && *L->p < 0x80) {
        *out = *L->p++;
        return 0;
    }
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (L->p >= L->end) {
            truncated(L);
            return -1;
        }
        unsigned char b = *L->p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = r;
            return 0;
        }
    }
    fail(L, "invalid varint in pickle data");
    return -1;
}

/* A count of things that take at least `unit` bytes each: no larger than the input allows. */
static int read_count(loader *L, size_t unit, size_t *out) {
    uint64_t n;
    if (read_varint(L, &n) < 0) return -1;
    if (n > remaining(L) / unit) {
        truncated(L);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

static int enter(loader *L) {
    if (++L->depth > L->limit || mv_pickle_stack_low(L->stack_limit)) {
        fail(L, "pickle data nested too deeply");
        return -1;
    }
    return 0;
}

static void memo_push(loader *L, Value v) {
    if (L->nmemo == L->memocap) {
        L->memocap = L->memocap ? 2 * L->memocap : 64;
        L->memo = mv_realloc(L->memo, L->memocap * sizeof(Value));
    }
    L->memo[L->nmemo++] = mv_newref(v);
}

static Value memo_get(loader *L, uint64_t idx) {
    if (idx >= L->nmemo) return fail(L, "Memo value not found at index %llu", (unsigned long long)idx);
    return mv_newref(L->memo[idx]);
}

/* The marker after the parts of a tuple / frozenset / reduced object: PK_REPLACE means the
   object was stored while its parts were read (a cycle); *out is then memo's object.
   1 replaced, 0 PK_KEEP, -1 error. */
static int check_replace(loader *L, Value *out) {
    if (L->p >= L->end) {
        truncated(L);
        return -1;
    }
    unsigned char m = *L->p++;
    if (m == PK_KEEP) return 0;
    if (m != PK_REPLACE) {
        fail(L, "invalid marker after a tuple, frozenset or object");
        return -1;
    }
    uint64_t idx;
    if (read_varint(L, &idx) < 0) return -1;
    *out = memo_get(L, idx);
    return *out ? 1 : -1;
}

static Value load(loader *L);

/* ---- state and reduce ---------------------------------------------------------------------- */

static int set_attrs(loader *L, Value obj, Value attrs, bool into_dict) {
    mv_thread *t = L->t;
    if (!mv_dict_check(attrs)) {
        fail(L, "state is not a dictionary");
        return -1;
    }
    mv_type *tp = MV_TYPE(obj);
    Value *dp = into_dict && tp->dictoffset ? (Value *)((char *)obj + tp->dictoffset) : NULL;
    if (dp && *dp && !mv_dict_check(*dp)) dp = NULL;
    size_t pos = 0;
    Value k, v;
    while (mv_dict_next(attrs, &pos, &k, &v)) {
        if (!mv_str_check(k)) {
            fail(L, "state key is not a str");
            return -1;
        }
        int r;
        if (dp) {
            if (!*dp) *dp = mv_dict_new();
            Value key = mv_str_intern(t, mv_str_exact(t, k));
            r = mv_dict_set(t, *dp, key, v);
            MV_DECREF(key);
        } else {
            r = mv_setattr(t, obj, k, v);
        }
        if (r < 0) return -1;
    }
    return 0;
}

/* CPython's BUILD: __setstate__(state) if the class has one, else update __dict__ (and the
   slots, for a (dict, slots) pair). */
static int apply_state(loader *L, Value obj, Value state) {
    mv_thread *t = L->t;
    if (!s_setstate) s_setstate = mv_str_intern_cstr(t, "__setstate__");
    if (mv_type_lookup(MV_TYPE(obj), s_setstate)) {
        Value r = mv_call_method(t, obj, "__setstate__", &state, 1);
        if (!r) return -1;
        MV_DECREF(r);
        return 0;
    }
    Value slots = NULL;
    if (mv_tuple_check(state) && mv_tuple_size(state) == 2) {
        slots = MV_TUPLE_GET(state, 1);
        state = MV_TUPLE_GET(state, 0);
    }
    if (state != MV_NONE && set_attrs(L, obj, state, true) < 0) return -1;
    if (slots && slots != MV_NONE && set_attrs(L, obj, slots, false) < 0) return -1;
    return 0;
}

static Value construct(loader *L, unsigned flags, Value cls, Value args, Value kwargs) {
    mv_thread *t = L->t;
    if (!(flags & PKR_NEWOBJ)) return mv_call_tuple_dict(t, cls, args, kwargs);
    if (!s_new) s_new = mv_str_intern_cstr(t, "__new__");
    Value new = mv_getattr(t, cls, s_new);
    if (!new) return NULL;
    size_t n = mv_tuple_size(args);
    Value full = mv_tuple_new(n + 1);
    MV_TUPLE_SET(full, 0, mv_newref(cls));
    for (size_t i = 0; i < n; i++) MV_TUPLE_SET(full, i + 1, mv_newref(MV_TUPLE_GET(args, i)));
    Value obj = mv_call_tuple_dict(t, new, full, kwargs);
    MV_DECREF(full);
    MV_DECREF(new);
    return obj;
}

/* Classes are called because that builds data, but a few act on the system when built
   (subprocess.Popen runs a command, sockets and files open things): the classes of the modules
   below are refused, so that no pickle can start a process or open a file.  Their exception
   classes stay loadable. */
static bool may_call_class(loader *L, mv_type *tp) {
    static const char *const denied[] = {"os", "posix", "subprocess", "_posixsubprocess", "socket", "io", "_io",
                                         "tempfile", NULL};
    if (mv_type_is_subtype(tp, &mv_exc_BaseException)) return true;
    const char *mod = NULL;
    size_t n = 0;
    Value m = (tp->flags & MV_TPFLAG_HEAPTYPE) ? mv_dict_get_cstr(L->t, tp->dict, "__module__") : tp->module;
    if (m && mv_str_check(m)) {
        mod = mv_str_data(m);
        n = strcspn(mod, ".");
    } else if (!m && strchr(tp->name, '.')) {
        mod = tp->name;
        n = strcspn(mod, ".");
    }
    if (mv_err_occurred(L->t)) mv_err_clear(L->t);
    for (size_t i = 0; mod && denied[i]; i++)
        if (strlen(denied[i]) == n && memcmp(denied[i], mod, n) == 0) return false;
    return true;
}

static Value load_reduce(loader *L) {
    mv_thread *t = L->t;
    if (L->p >= L->end) return truncated(L);
    unsigned flags = *L->p++;
    if (flags & ~(unsigned)(PKR_NEWOBJ | PKR_STATE | PKR_LISTITEMS | PKR_DICTITEMS | PKR_KWARGS))
        return fail(L, "invalid reduce flags 0x%02x", flags);
    Value cls = NULL, args = NULL, kwargs = NULL, obj = NULL;
    if (!(cls = load(L))) return NULL;
    if (!mv_type_check(cls)) {
        fail(L, "unpickling calls only classes, not '%s' objects", MV_TYPE(cls)->name);
        goto error;
    }
    if (!may_call_class(L, (mv_type *)cls)) {
        fail(L, "unpickling does not call %R: minivm's pickle only builds data", cls);
        goto error;
    }
    if (!(args = load(L))) goto error;
    if (!mv_tuple_check(args)) {
        fail(L, "reduce arguments are not a tuple");
        goto error;
    }
    if (flags & PKR_KWARGS) {
        if (!(kwargs = load(L))) goto error;
        if (!mv_dict_check(kwargs)) {
            fail(L, "reduce keyword arguments are not a dict");
            goto error;
        }
    }
    int rep = check_replace(L, &obj);
    if (rep < 0) goto error;
    if (rep) goto done;
    if (!(obj = construct(L, flags, cls, args, kwargs))) goto error;
    memo_push(L, obj);
    size_t n;
    if (flags & PKR_LISTITEMS) {
        if (read_count(L, 1, &n) < 0) goto error;
        if (!s_append) s_append = mv_str_intern_cstr(t, "append");
        for (size_t i = 0; i < n; i++) {
            Value item = load(L);
            if (!item) goto error;
            if (mv_list_check(obj)) {
                mv_list_append_steal(obj, item);
                continue;
            }
            Value r = mv_call_method(t, obj, "append", &item, 1);
            MV_DECREF(item);
            if (!r) goto error;
            MV_DECREF(r);
        }
    }
    if (flags & PKR_DICTITEMS) {
        if (read_count(L, 2, &n) < 0) goto error;
        for (size_t i = 0; i < n; i++) {
            Value k = load(L), v = k ? load(L) : NULL;
            int r = v ? mv_setitem(t, obj, k, v) : -1;
            MV_XDECREF(k);
            MV_XDECREF(v);
            if (r < 0) goto error;
        }
    }
    if (flags & PKR_STATE) {
        Value state = load(L);
        if (!state) goto error;
        int r = apply_state(L, obj, state);
        MV_DECREF(state);
        if (r < 0) goto error;
    }
done:
    MV_DECREF(cls);
    MV_DECREF(args);
    MV_XDECREF(kwargs);
    return obj;
error:
    MV_XDECREF(cls);
    MV_XDECREF(args);
    MV_XDECREF(kwargs);
    MV_XDECREF(obj);
    return NULL;
}

/* ---- values -------------------------------------------------------------------------------- */

static Value load_str(loader *L) {
    size_t n, ncp;
    if (read_count(L, 1, &n) < 0) return NULL;
    const unsigned char *s = L->p;
    if (!mv_utf8_valid((const char *)s, n, &ncp)) return fail(L, "invalid UTF-8 in a pickled str");
    L->p += n;
    Value v;
    if (ncp == 1) {
        const char *q = (const char *)s;
        v = mv_str_from_codepoint(mv_utf8_next(&q));
    } else if (n == 0) {
        v = mv_str_empty();
    } else {
        mv_strobj *o = mv_str_alloc(n, ncp);
        memcpy(o->data, s, n);
        v = (Value)o;
    }
    memo_push(L, v);
    return v;
}

static Value load_list(loader *L) {
    size_t n;
    if (read_count(L, 1, &n) < 0) return NULL;
    Value list = mv_list_new(n);
    mv_list *l = (mv_list *)list;
    l->size = 0; /* filled as items arrive: the list is visible (memo) while they are read */
    memo_push(L, list);
    if (enter(L) < 0) goto error;
    for (size_t i = 0; i < n; i++) {
        Value x;
        if (L->p + 1 < L->end && L->p[0] == PK_INT && L->p[1] < 0x80) {
            unsigned u = L->p[1];
            L->p += 2;
            x = MV_FROM_SMALL((intptr_t)(u >> 1) ^ -(intptr_t)(u & 1));
        } else if (!(x = load(L))) {
            goto error;
        }
        if (l->size < l->cap)
            l->items[l->size++] = x;
        else
            mv_list_append_steal(list, x);
    }
    L->depth--;
    return list;
error:
    MV_DECREF(list);
    return NULL;
}

static Value load_dict(loader *L) {
    mv_thread *t = L->t;
    size_t n;
    if (read_count(L, 2, &n) < 0) return NULL;
    Value d = mv_dict_new();
    memo_push(L, d);
    if (enter(L) < 0) goto error;
    for (size_t i = 0; i < n; i++) {
        Value k = load(L), v = k ? load(L) : NULL;
        int r = v ? mv_dict_set(t, d, k, v) : -1;
        MV_XDECREF(k);
        MV_XDECREF(v);
        if (r < 0) goto error;
    }
    L->depth--;
    return d;
error:
    MV_DECREF(d);
    return NULL;
}

static Value load_tuple(loader *L) {
    size_t n;
    if (read_count(L, 1, &n) < 0) return NULL;
    if (n == 0) return mv_newref(MV_EMPTY_TUPLE);
    if (enter(L) < 0) return NULL;
    Value tup = mv_tuple_new(n), rep = NULL;
    mv_tuple *tp = (mv_tuple *)tup;
    tp->size = 0; /* so that an error half-way frees only what was read */
    for (size_t i = 0; i < n; i++) {
        Value x = load(L);
        if (!x) goto error;
        tp->items[tp->size++] = x;
    }
    L->depth--;
    int r = check_replace(L, &rep);
    if (r < 0) goto error;
    if (r) {
        MV_DECREF(tup);
        return rep;
    }
    memo_push(L, tup);
    return tup;
error:
    MV_DECREF(tup);
    return NULL;
}

static Value load_set(loader *L, bool frozen) {
    mv_thread *t = L->t;
    size_t n;
    if (read_count(L, 1, &n) < 0) return NULL;
    Value s = frozen ? mv_list_new(0) : mv_set_new(t, NULL), rep = NULL;
    if (!s) return NULL;
    if (!frozen) memo_push(L, s);
    if (enter(L) < 0) goto error;
    for (size_t i = 0; i < n; i++) {
        Value x = load(L);
        if (!x) goto error;
        int r = 0;
        if (frozen)
            mv_list_append_steal(s, x);
        else {
            r = mv_set_add(t, s, x);
            MV_DECREF(x);
        }
        if (r < 0) goto error;
    }
    L->depth--;
    if (!frozen) return s;
    int r = check_replace(L, &rep);
    if (r < 0) goto error;
    if (r) {
        MV_DECREF(s);
        return rep;
    }
    Value fs = mv_frozenset_new(t, s);
    MV_DECREF(s);
    if (fs) memo_push(L, fs);
    return fs;
error:
    MV_DECREF(s);
    return NULL;
}

static Value load_bigint(loader *L) {
    if (L->p >= L->end) return truncated(L);
    unsigned char sign = *L->p++;
    size_t n;
    if (sign > 1) return fail(L, "invalid sign of a pickled int");
    if (read_count(L, 1, &n) < 0) return NULL;
    mpz_t z;
    mpz_init(z);
    if (n) mpz_import(z, n, -1, 1, 0, 0, L->p);
    L->p += n;
    if (sign) mpz_neg(z, z);
    Value v = mv_int_from_mpz(z);
    mpz_clear(z);
    return v;
}

/* range / slice: three values */
static Value load_triple(loader *L, bool is_range) {
    Value parts[3] = {NULL, NULL, NULL}, r = NULL;
    if (enter(L) < 0) return NULL;
    for (int i = 0; i < 3; i++)
        if (!(parts[i] = load(L))) goto done;
    if (!is_range) {
        r = mv_slice_new(parts[0], parts[1], parts[2]);
    } else {
        for (int i = 0; i < 3; i++)
            if (!mv_int_check(parts[i]) || MV_TYPE(parts[i]) == &mv_bool_type) {
                fail(L, "range bounds are not ints");
                goto done;
            }
        r = mv_call(L->t, (Value)&mv_range_type, parts, 3, NULL);
    }
    L->depth--;
done:
    for (int i = 0; i < 3; i++) MV_XDECREF(parts[i]);
    return r;
}

static Value load_global(loader *L) {
    if (enter(L) < 0) return NULL;
    Value module = load(L), qualname = module ? load(L) : NULL, r = NULL;
    if (qualname) {
        if (!mv_str_check(module) || !mv_str_check(qualname))
            fail(L, "a global name is not a str");
        else if ((r = mv_pickle_find_global(L->t, module, qualname)) != NULL)
            memo_push(L, r);
    }
    MV_XDECREF(module);
    MV_XDECREF(qualname);
    L->depth--;
    return r;
}

static Value load_method(loader *L) {
    if (enter(L) < 0) return NULL;
    Value self = load(L), fname = self ? load(L) : NULL, r = NULL;
    if (fname) {
        if (!mv_str_check(fname))
            fail(L, "a method name is not a str");
        else
            r = mv_getattr(L->t, self, fname);
    }
    MV_XDECREF(self);
    MV_XDECREF(fname);
    L->depth--;
    return r;
}

static Value load(loader *L) {
    if (L->p >= L->end) return truncated(L);
    unsigned char tag = *L->p++;
    uint64_t u;
    size_t n;
    switch (tag) {
    case PK_INT: {
        if (read_varint(L, &u) < 0) return NULL;
        int64_t i = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        return MV_SMALL_FITS(i) ? MV_FROM_SMALL(i) : mv_int_from_i64(i);
    }
    case PK_STR:
        return load_str(L);
    case PK_GET:
        if (read_varint(L, &u) < 0) return NULL;
        return memo_get(L, u);
    case PK_FLOAT: {
        if (remaining(L) < 8) return truncated(L);
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++) bits |= (uint64_t)L->p[i] << (8 * i);
        L->p += 8;
        double x;
        memcpy(&x, &bits, sizeof x);
        return mv_float_new(x);
    }
    case PK_DICT:
        return load_dict(L);
    case PK_LIST:
        return load_list(L);
    case PK_TUPLE:
        return load_tuple(L);
    case PK_NONE:
        return MV_NONE;
    case PK_TRUE:
        return MV_TRUE;
    case PK_FALSE:
        return MV_FALSE;
    case PK_ELLIPSIS:
        return MV_ELLIPSIS;
    case PK_NOTIMPL:
        return MV_NOTIMPL;
    case PK_BIGINT:
        return load_bigint(L);
    case PK_BYTES:
    case PK_BYTEARRAY: {
        if (read_count(L, 1, &n) < 0) return NULL;
        Value v = tag == PK_BYTES ? mv_bytes_new(L->p, n) : mv_bytearray_new(L->p, n);
        L->p += n;
        memo_push(L, v);
        return v;
    }
    case PK_SET:
    case PK_FROZENSET:
        return load_set(L, tag == PK_FROZENSET);
    case PK_RANGE:
    case PK_SLICE:
        return load_triple(L, tag == PK_RANGE);
    case PK_GLOBAL:
        return load_global(L);
    case PK_METHOD:
        return load_method(L);
    case PK_REDUCE: {
        if (enter(L) < 0) return NULL;
        Value v = load_reduce(L);
        L->depth--;
        return v;
    }
    default:
        return bad_key(L, tag);
    }
}

/* The payload length after the version byte: sets *start and *len, or raises. */
static int read_header(mv_thread *t, const unsigned char *buf, size_t size, size_t *start, uint64_t *len) {
    loader L = {.t = t, .p = buf, .end = buf + size};
    if (size == 0) {
        mv_err_set(t, &mv_exc_EOFError, "Ran out of input");
        return -1;
    }
    if (buf[0] == 0x80) {
        fail(&L, "this is a CPython pickle: minivm's pickle reads only its own format");
        return -1;
    }
    if (buf[0] != MV_PICKLE_VERSION) {
        bad_key(&L, buf[0]);
        return -1;
    }
    L.p++;
    if (read_varint(&L, len) < 0) return -1;
    *start = (size_t)(L.p - buf);
    return 0;
}

Value mv_pickle_loads(mv_thread *t, const unsigned char *buf, size_t len) {
    size_t start;
    uint64_t plen;
    if (read_header(t, buf, len, &start, &plen) < 0) return NULL;
    loader L = {.t = t, .p = buf + start, .end = buf + len, .stack_limit = mv_pickle_stack_limit()};
    if (plen > remaining(&L)) return truncated(&L);
    L.end = L.p + plen;
    int limit = t->vm->recursion_limit * 2;
    L.limit = limit < 2000 ? 2000 : limit > MV_PICKLE_HARD_DEPTH ? MV_PICKLE_HARD_DEPTH : limit;
    Value v = load(&L);
    if (v && L.p != L.end) {
        MV_DECREF(v);
        v = fail(&L, "pickle data goes on after the object (%zu more bytes)", remaining(&L));
    }
    for (size_t i = 0; i < L.nmemo; i++) MV_DECREF(L.memo[i]);
    mv_free(L.memo);
    return v;
}

int64_t mv_pickle_frame_size(mv_thread *t, const unsigned char *buf, size_t len) {
    if (len > 1 && len < 11 && (buf[len - 1] & 0x80)) return 0;
    if (len == 1 && buf[0] == MV_PICKLE_VERSION) return 0;
    size_t start;
    uint64_t plen;
    if (read_header(t, buf, len, &start, &plen) < 0) return -1;
    if (plen > (uint64_t)INT64_MAX - start) {
        mv_err_set(t, mv_pickle_error(t, MV_PICKLE_ERR_UNPICKLING), "pickle data was truncated");
        return -1;
    }
    return (int64_t)(start + plen);
}
