/* pickle_dump.c: mv_pickle_dumps, objects -> minivm's pickle format (pickle_internal.h).  One
 * recursive pass writes into a growable byte buffer; a memo keyed by object address (an
 * open-addressing pointer table holding strong references) gives shared objects and cycles a
 * back reference.  Depth is bounded: too deep a structure raises RecursionError as CPython does.
 */
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "func.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "pickle.h"
#include "pickle_internal.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

typedef struct {
    mv_thread *t;
    unsigned char *buf;
    size_t len, cap;
    Value *mkeys;     /* memo table: object address -> memo index; NULL = empty slot */
    uint32_t *mvals;
    size_t mmask, mcount;
    int depth, limit;
    uintptr_t stack_limit;
} dumper;

#define HEADER_ROOM 11 /* version byte + the payload length as a varint (at most 10 bytes) */

static Value names[12];
enum { N_REDUCE_EX, N_REDUCE, N_GETSTATE, N_GETNEWARGS, N_GETNEWARGS_EX, N_SLOTS, N_MODULE };
static const char *const name_strs[] = {"__reduce_ex__", "__reduce__", "__getstate__", "__getnewargs__",
                                        "__getnewargs_ex__", "__slots__", "__module__"};
static Value name(mv_thread *t, int i) {
    if (!names[i]) names[i] = mv_str_intern_cstr(t, name_strs[i]);
    return names[i];
}

/* ---- output buffer ------------------------------------------------------------------------- */

static void grow(dumper *d, size_t need) {
    size_t cap = d->cap ? d->cap : 256;
    while (cap - d->len < need) cap *= 2;
    d->buf = mv_realloc(d->buf, cap);
    d->cap = cap;
}

static inline unsigned char *reserve(dumper *d, size_t n) {
    if (d->cap - d->len < n) grow(d, n);
    return d->buf + d->len;
}

static inline void put_byte(dumper *d, unsigned char b) {
    reserve(d, 1);
    d->buf[d->len++] = b;
}

static inline size_t encode_varint(unsigned char *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static inline void put_tag_varint(dumper *d, unsigned char tag, uint64_t v) {
    unsigned char *p = reserve(d, 11);
    p[0] = tag;
    d->len += 1 + encode_varint(p + 1, v);
}

static inline void put_varint(dumper *d, uint64_t v) {
    unsigned char *p = reserve(d, 10);
    d->len += encode_varint(p, v);
}

static inline void put_int(dumper *d, int64_t i) {
    put_tag_varint(d, PK_INT, ((uint64_t)i << 1) ^ (uint64_t)(i >> 63));
}

static void put_data(dumper *d, unsigned char tag, const void *s, size_t n) {
    put_tag_varint(d, tag, n);
    memcpy(reserve(d, n), s, n);
    d->len += n;
}

/* ---- memo ---------------------------------------------------------------------------------- */

static inline size_t memo_slot(Value v, size_t mask) {
    uint64_t h = (uint64_t)(uintptr_t)v * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & mask;
}

static inline int64_t memo_find(dumper *d, Value v) {
    if (!d->mcount) return -1;
    for (size_t i = memo_slot(v, d->mmask);; i = (i + 1) & d->mmask) {
        if (d->mkeys[i] == v) return d->mvals[i];
        if (!d->mkeys[i]) return -1;
    }
}

static void memo_put(dumper *d, Value v) {
    if (2 * (d->mcount + 1) > d->mmask + 1) {
        size_t ncap = d->mmask ? 2 * (d->mmask + 1) : 256;
        Value *keys = mv_calloc(ncap, sizeof(Value));
        uint32_t *vals = mv_malloc(ncap * sizeof(uint32_t));
        for (size_t i = 0; d->mmask && i <= d->mmask; i++) {
            if (!d->mkeys[i]) continue;
            size_t j = memo_slot(d->mkeys[i], ncap - 1);
            while (keys[j]) j = (j + 1) & (ncap - 1);
            keys[j] = d->mkeys[i];
            vals[j] = d->mvals[i];
        }
        mv_free(d->mkeys);
        mv_free(d->mvals);
        d->mkeys = keys;
        d->mvals = vals;
        d->mmask = ncap - 1;
    }
    size_t i = memo_slot(v, d->mmask);
    while (d->mkeys[i]) i = (i + 1) & d->mmask;
    /* a strong reference: __reduce__ and __getstate__ results are temporaries whose address
       could otherwise be reused by a later, different object */
    d->mkeys[i] = mv_newref(v);
    d->mvals[i] = (uint32_t)d->mcount++;
}

/* The marker after the parts of a tuple / frozenset / reduced object: PK_REPLACE if writing
   them stored v itself (the reader must take the memo's), else PK_KEEP. */
static bool put_replace_if_memoized(dumper *d, Value v) {
    int64_t idx = memo_find(d, v);
    if (idx < 0) {
        put_byte(d, PK_KEEP);
        return false;
    }
    put_tag_varint(d, PK_REPLACE, (uint64_t)idx);
    return true;
}

/* ---- errors -------------------------------------------------------------------------------- */

static mv_type *pickling_error(mv_thread *t) {
    mv_type *e = mv_pickle_error(t, MV_PICKLE_ERR_PICKLING);
    return e ? e : &mv_exc_TypeError;
}

static int enter(dumper *d) {
    if (++d->depth > d->limit || mv_pickle_stack_low(d->stack_limit)) {
        mv_err_set(d->t, &mv_exc_RecursionError, "maximum recursion depth exceeded while pickling an object");
        return -1;
    }
    return 0;
}

static int cannot_pickle(dumper *d, Value v) {
    mv_err_format(d->t, &mv_exc_TypeError, "cannot pickle '%s' object", MV_TYPE(v)->name);
    return -1;
}

static int save(dumper *d, Value v);

/* ---- containers ---------------------------------------------------------------------------- */

/* Items are held while they are written: a __reduce__ further down may mutate the container. */
static int save_item(dumper *d, Value x) {
    if (MV_IS_SMALL(x)) {
        put_int(d, MV_SMALL_VAL(x));
        return 0;
    }
    MV_INCREF(x);
    int r = save(d, x);
    MV_DECREF(x);
    return r;
}

static int save_items(dumper *d, Value *items, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (save_item(d, items[i]) < 0) return -1;
    return 0;
}

static int save_list(dumper *d, Value v) {
    memo_put(d, v);
    size_t n = mv_list_size(v);
    put_tag_varint(d, PK_LIST, n);
    if (enter(d) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (i >= mv_list_size(v)) {
            mv_err_set(d->t, &mv_exc_RuntimeError, "list changed size during iteration");
            return -1;
        }
        if (save_item(d, MV_LIST_GET(v, i)) < 0) return -1;
    }
    d->depth--;
    return 0;
}

static int save_dict_items(dumper *d, Value v) {
    size_t n = mv_dict_size(v), pos = 0, count = 0;
    uint64_t version = ((mv_dict *)v)->version;
    Value k, x;
    put_varint(d, n);
    while (count < n && mv_dict_next(v, &pos, &k, &x)) {
        MV_INCREF(k);
        MV_INCREF(x);
        int r = save(d, k);
        if (r == 0) r = save(d, x);
        MV_DECREF(k);
        MV_DECREF(x);
        if (r < 0) return -1;
        if (((mv_dict *)v)->version != version) break;
        count++;
    }
    if (count != n) {
        mv_err_set(d->t, &mv_exc_RuntimeError, "dictionary changed size during iteration");
        return -1;
    }
    return 0;
}

static int save_dict(dumper *d, Value v) {
    memo_put(d, v);
    put_byte(d, PK_DICT);
    if (enter(d) < 0 || save_dict_items(d, v) < 0) return -1;
    d->depth--;
    return 0;
}

static int save_tuple(dumper *d, Value v) {
    size_t n = mv_tuple_size(v);
    put_tag_varint(d, PK_TUPLE, n);
    if (n == 0) return 0;
    if (enter(d) < 0 || save_items(d, mv_tuple_items(v), n) < 0) return -1;
    d->depth--;
    if (!put_replace_if_memoized(d, v)) memo_put(d, v);
    return 0;
}

/* set and frozenset: a set is memoized before its items, a frozenset after them */
static int save_set(dumper *d, Value v, bool frozen) {
    if (!frozen) memo_put(d, v);
    size_t n = mv_set_size(v), pos = 0, count = 0;
    put_tag_varint(d, frozen ? PK_FROZENSET : PK_SET, n);
    if (enter(d) < 0) return -1;
    mv_set_entry *table = ((mv_set *)v)->table;
    Value k;
    while (count < n && mv_set_next(v, &pos, &k)) {
        MV_INCREF(k);
        int r = save(d, k);
        MV_DECREF(k);
        if (r < 0) return -1;
        if (((mv_set *)v)->table != table) break;
        count++;
    }
    if (count != n) {
        mv_err_set(d->t, &mv_exc_RuntimeError, "Set changed size during iteration");
        return -1;
    }
    d->depth--;
    if (frozen && !put_replace_if_memoized(d, v)) memo_put(d, v);
    return 0;
}

static void save_bigint(dumper *d, Value v) {
    mv_bigint *b = (mv_bigint *)v;
    size_t nbytes = (mpz_sizeinbase(b->z, 2) + 7) / 8, count = 0;
    put_tag_varint(d, PK_BIGINT, mpz_sgn(b->z) < 0);
    put_varint(d, nbytes);
    mpz_export(reserve(d, nbytes), &count, -1, 1, 0, 0, b->z);
    d->len += count;
}

static void save_float(dumper *d, double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    unsigned char *p = reserve(d, 9);
    p[0] = PK_FLOAT;
    for (int i = 0; i < 8; i++) p[1 + i] = (unsigned char)(u >> (8 * i));
    d->len += 9;
}

/* ---- module-level names -------------------------------------------------------------------- */

static int save_global_named(dumper *d, Value obj, Value module, Value qualname) {
    mv_thread *t = d->t;
    if (!mv_str_check(module) || !mv_str_check(qualname)) return cannot_pickle(d, obj);
    if (strstr(mv_str_data(qualname), "<locals>")) {
        mv_err_format(t, &mv_exc_AttributeError, "Can't pickle local object %R", qualname);
        return -1;
    }
    Value mod = mv_pickle_import(t, module);
    if (!mod) {
        mv_err_clear(t);
        mv_err_format(t, pickling_error(t), "Can't pickle %R: import of module %R failed", obj, module);
        return -1;
    }
    Value found = mv_pickle_getattr_path(t, mod, qualname);
    MV_DECREF(mod);
    if (!found) {
        mv_err_clear(t);
        mv_err_format(t, pickling_error(t), "Can't pickle %R: attribute lookup %U on %U failed", obj, qualname,
                      module);
        return -1;
    }
    MV_DECREF(found);
    if (found != obj) {
        mv_err_format(t, pickling_error(t), "Can't pickle %R: it's not the same object as %U.%U", obj, module,
                      qualname);
        return -1;
    }
    put_byte(d, PK_GLOBAL);
    if (save(d, module) < 0 || save(d, qualname) < 0) return -1;
    memo_put(d, obj);
    return 0;
}

static int save_global(dumper *d, Value obj) {
    mv_thread *t = d->t;
    Value module = NULL, qualname = NULL;
    mv_type *tp = obj->type;
    if (mv_type_check(obj)) {
        mv_type *c = (mv_type *)obj;
        if (c->flags & MV_TPFLAG_HEAPTYPE) {
            module = mv_dict_get_str(c->dict, name(t, N_MODULE));
            module = module ? mv_newref(module) : mv_str_from_cstr("__main__");
            qualname = mv_type_name_str(c);
        } else if (c->module) {
            module = mv_newref(c->module);
            qualname = mv_str_from_cstr(c->name);
        } else {
            const char *dot = strrchr(c->name, '.');
            module = dot ? mv_str_new(c->name, (size_t)(dot - c->name)) : mv_str_from_cstr("builtins");
            qualname = mv_str_from_cstr(dot ? dot + 1 : c->name);
        }
    } else if (tp == &mv_func_type) {
        mv_func *f = (mv_func *)obj;
        module = mv_str_check(f->module) ? mv_newref(f->module) : mv_str_from_cstr("__main__");
        qualname = mv_newref(f->qualname);
    } else {
        mv_cfunc *f = (mv_cfunc *)obj;
        Value mdict = f->self ? mv_module_check_dict(f->self) : NULL;
        if (f->module && mv_str_check(f->module))
            module = mv_newref(f->module);
        else if (mdict && (module = mv_dict_get_cstr(t, mdict, "__name__")) != NULL)
            MV_INCREF(module);
        if (!module || (f->self && !mdict)) {
            MV_XDECREF(module);
            return cannot_pickle(d, obj);
        }
        qualname = mv_str_from_cstr(f->def->name);
    }
    int r = save_global_named(d, obj, module, qualname);
    MV_DECREF(module);
    MV_DECREF(qualname);
    return r;
}

/* A bound method: its object and the name to look up on it again (CPython reduces it to
   getattr(obj, name)). */
static int save_method(dumper *d, Value m) {
    Value self, fname;
    if (m->type == &mv_method_type) {
        mv_method *bm = (mv_method *)m;
        self = bm->self;
        fname = mv_getattr_cstr(d->t, bm->func, "__name__");
        if (!fname) return -1;
    } else {
        self = ((mv_cfunc *)m)->self;
        fname = mv_str_from_cstr(((mv_cfunc *)m)->def->name);
    }
    int r = -1;
    if (!mv_str_check(fname)) {
        r = cannot_pickle(d, m);
    } else if (enter(d) == 0) {
        put_byte(d, PK_METHOD);
        MV_INCREF(self);
        r = save(d, self);
        MV_DECREF(self);
        if (r == 0) r = save(d, fname);
        d->depth--;
    }
    MV_DECREF(fname);
    return r;
}

/* ---- objects: __reduce__ and the default protocol ------------------------------------------ */

/* PK_REDUCE: flags, class, args [, kwargs], then (unless a cycle already stored obj) the memo
   entry, list items, dict items and the state. */
static int emit_reduce(dumper *d, Value obj, unsigned flags, Value cls, Value args, Value kwargs,
                       Value listitems, Value dictitems, Value state) {
    if (enter(d) < 0) return -1;
    unsigned char *p = reserve(d, 2);
    p[0] = PK_REDUCE;
    p[1] = (unsigned char)flags;
    d->len += 2;
    if (save(d, cls) < 0 || save(d, args) < 0 || (kwargs && save(d, kwargs) < 0)) return -1;
    if (put_replace_if_memoized(d, obj)) {
        d->depth--;
        return 0;
    }
    memo_put(d, obj);
    if (listitems) {
        put_varint(d, mv_tuple_size(listitems));
        if (save_items(d, mv_tuple_items(listitems), mv_tuple_size(listitems)) < 0) return -1;
    }
    if (dictitems) {
        size_t n = mv_tuple_size(dictitems) / 2;
        put_varint(d, n);
        if (save_items(d, mv_tuple_items(dictitems), 2 * n) < 0) return -1;
    }
    if (state && save(d, state) < 0) return -1;
    d->depth--;
    return 0;
}

/* A tuple k0, v0, k1, v1, ... of an iterator of (key, value) pairs (or of a dict). */
static Value flatten_pairs(mv_thread *t, Value src, bool is_dict) {
    Value out = mv_list_new(0);
    if (is_dict) {
        size_t pos = 0;
        Value k, v;
        while (mv_dict_next(src, &pos, &k, &v)) {
            mv_list_append(out, k);
            mv_list_append(out, v);
        }
    } else {
        Value it = mv_iter(t, src), pair;
        if (!it) goto fail;
        while ((pair = mv_next(t, it)) != NULL) {
            if (!mv_tuple_check(pair) || mv_tuple_size(pair) != 2) {
                MV_DECREF(pair);
                MV_DECREF(it);
                mv_err_set(t, pickling_error(t), "dict items iterator must return 2-tuples");
                goto fail;
            }
            mv_list_append(out, MV_TUPLE_GET(pair, 0));
            mv_list_append(out, MV_TUPLE_GET(pair, 1));
            MV_DECREF(pair);
        }
        MV_DECREF(it);
        if (mv_err_occurred(t)) goto fail;
    }
    Value r = mv_tuple_from_array(mv_list_items(out), mv_list_size(out));
    MV_DECREF(out);
    return r;
fail:
    MV_DECREF(out);
    return NULL;
}

static int save_reduce_value(dumper *d, Value obj, Value rv) {
    mv_thread *t = d->t;
    if (mv_str_check(rv)) {
        Value module = mv_getattr(t, obj, name(t, N_MODULE));
        if (!module) return -1;
        int r = save_global_named(d, obj, module, rv);
        MV_DECREF(module);
        return r;
    }
    if (!mv_tuple_check(rv)) {
        mv_err_set(t, pickling_error(t), "__reduce__ must return a string or tuple");
        return -1;
    }
    size_t n = mv_tuple_size(rv);
    if (n < 2 || n > 6) {
        mv_err_set(t, pickling_error(t), "tuple returned by __reduce__ must contain 2 through 6 elements");
        return -1;
    }
    Value *it = mv_tuple_items(rv);
    Value cls = it[0], args = it[1];
    Value state = n > 2 && it[2] != MV_NONE ? it[2] : NULL;
    if (!mv_type_check(cls)) {
        mv_err_format(t, pickling_error(t),
                      "Can't pickle '%s' object: its __reduce__ callable %R is not a class "
                      "(minivm's pickle calls only classes)", MV_TYPE(obj)->name, cls);
        return -1;
    }
    if (!mv_tuple_check(args)) {
        mv_err_set(t, pickling_error(t), "second item of the tuple returned by __reduce__ must be a tuple");
        return -1;
    }
    if (n > 5 && it[5] != MV_NONE) {
        mv_err_format(t, pickling_error(t), "Can't pickle '%s' object: state setters are not supported",
                      MV_TYPE(obj)->name);
        return -1;
    }
    Value listitems = NULL, dictitems = NULL;
    if (n > 3 && it[3] != MV_NONE && !(listitems = mv_sequence_tuple(t, it[3]))) return -1;
    if (n > 4 && it[4] != MV_NONE && !(dictitems = flatten_pairs(t, it[4], false))) {
        MV_XDECREF(listitems);
        return -1;
    }
    unsigned flags = (state ? PKR_STATE : 0) | (listitems ? PKR_LISTITEMS : 0) | (dictitems ? PKR_DICTITEMS : 0);
    int r = emit_reduce(d, obj, flags, cls, args, NULL, listitems, dictitems, state);
    MV_XDECREF(listitems);
    MV_XDECREF(dictitems);
    return r;
}

/* obj.__dict__ plus its __slots__ values, as CPython 3.11's object.__getstate__: None, the dict,
   or (dict or None, {slot: value}). */
static Value default_state(dumper *d, Value obj) {
    mv_thread *t = d->t;
    mv_type *tp = MV_TYPE(obj);
    Value dict = NULL, slots = NULL;
    if (tp->dictoffset) {
        Value dv = *(Value *)((char *)obj + tp->dictoffset);
        if (dv && mv_dict_check(dv) && mv_dict_size(dv)) dict = dv;
    }
    size_t nmro = tp->mro ? mv_tuple_size(tp->mro) : 0;
    mv_type *c = tp;
    for (size_t i = 0; c; i++) {
        Value sl = (c->flags & MV_TPFLAG_HEAPTYPE) ? mv_dict_get_str(c->dict, name(t, N_SLOTS)) : NULL;
        if (sl) {
            Value seq = mv_str_check(sl) ? mv_tuple_pack(1, sl) : mv_sequence_tuple(t, sl);
            if (!seq) goto fail;
            for (size_t j = 0; j < mv_tuple_size(seq); j++) {
                Value sn = MV_TUPLE_GET(seq, j);
                if (!mv_str_check(sn) || mv_str_eq_cstr(sn, "__dict__") || mv_str_eq_cstr(sn, "__weakref__"))
                    continue;
                Value x = mv_getattr_opt(t, obj, sn);
                if (!x) {
                    if (mv_err_occurred(t)) {
                        MV_DECREF(seq);
                        goto fail;
                    }
                    continue;
                }
                if (!slots) slots = mv_dict_new();
                int r = mv_dict_set(t, slots, sn, x);
                MV_DECREF(x);
                if (r < 0) {
                    MV_DECREF(seq);
                    goto fail;
                }
            }
            MV_DECREF(seq);
        }
        if (tp->mro)
            c = i < nmro ? (mv_type *)MV_TUPLE_GET(tp->mro, i) : NULL;
        else
            c = c->base;
    }
    if (slots) {
        Value r = mv_tuple_pack(2, dict ? dict : MV_NONE, slots);
        MV_DECREF(slots);
        return r;
    }
    return mv_newref(dict ? dict : MV_NONE);
fail:
    MV_XDECREF(slots);
    return NULL;
}

static Value call_hook(dumper *d, Value obj, int which) {
    return mv_call_method(d->t, obj, name_strs[which], NULL, 0);
}

/* Instances of classes without __reduce__: cls.__new__(cls, *newargs), then the state (and the
   items of list / dict subclasses). */
static int save_default(dumper *d, Value obj) {
    mv_thread *t = d->t;
    mv_type *tp = MV_TYPE(obj), *solid = tp;
    while (solid->flags & MV_TPFLAG_HEAPTYPE) solid = solid->base;
    Value args = NULL, kwargs = NULL, listitems = NULL, dictitems = NULL, state = NULL;
    int r = -1;
    if (mv_type_lookup(tp, name(t, N_GETNEWARGS_EX))) {
        Value nx = call_hook(d, obj, N_GETNEWARGS_EX);
        if (!nx) return -1;
        if (!mv_tuple_check(nx) || mv_tuple_size(nx) != 2) {
            if (mv_tuple_check(nx))
                mv_err_format(t, &mv_exc_ValueError, "__getnewargs_ex__ should return a tuple of length 2, not %zu",
                              mv_tuple_size(nx));
            else
                mv_err_format(t, &mv_exc_TypeError, "__getnewargs_ex__ should return a tuple, not '%T'", nx);
            MV_DECREF(nx);
            return -1;
        }
        args = mv_newref(MV_TUPLE_GET(nx, 0));
        kwargs = mv_newref(MV_TUPLE_GET(nx, 1));
        MV_DECREF(nx);
        if (!mv_tuple_check(args)) {
            mv_err_format(t, &mv_exc_TypeError,
                          "first item of the tuple returned by __getnewargs_ex__ must be a tuple, not '%T'", args);
            goto done;
        }
        if (!mv_dict_check(kwargs)) {
            mv_err_format(t, &mv_exc_TypeError,
                          "second item of the tuple returned by __getnewargs_ex__ must be a dict, not '%T'", kwargs);
            goto done;
        }
        if (!mv_dict_size(kwargs)) MV_CLEAR(kwargs);
    } else if (mv_type_lookup(tp, name(t, N_GETNEWARGS))) {
        if (!(args = call_hook(d, obj, N_GETNEWARGS))) return -1;
        if (!mv_tuple_check(args)) {
            mv_err_format(t, &mv_exc_TypeError, "__getnewargs__ should return a tuple, not '%T'", args);
            goto done;
        }
    }
    if (solid == &mv_list_type) {
        listitems = mv_tuple_from_array(mv_list_items(obj), mv_list_size(obj));
    } else if (solid == &mv_dict_type) {
        if (!(dictitems = flatten_pairs(t, obj, true))) goto done;
    } else if (solid == &mv_int_type || solid == &mv_float_type || solid == &mv_str_type ||
               solid == &mv_bytes_type || solid == &mv_tuple_type || solid == &mv_frozenset_type) {
        if (!args) {
            Value base = mv_call1(t, (Value)solid, obj);
            if (!base) goto done;
            args = mv_tuple_pack(1, base);
            MV_DECREF(base);
        }
    } else if (solid != &mv_object_type) {
        r = cannot_pickle(d, obj);
        goto done;
    }
    if (mv_type_lookup(tp, name(t, N_GETSTATE)))
        state = call_hook(d, obj, N_GETSTATE);
    else
        state = default_state(d, obj);
    if (!state) goto done;
    if (state == MV_NONE) MV_CLEAR(state);
    unsigned flags = PKR_NEWOBJ | (kwargs ? PKR_KWARGS : 0) | (state ? PKR_STATE : 0) |
                     (listitems ? PKR_LISTITEMS : 0) | (dictitems ? PKR_DICTITEMS : 0);
    r = emit_reduce(d, obj, flags, (Value)tp, args ? args : MV_EMPTY_TUPLE, kwargs, listitems, dictitems, state);
done:
    MV_XDECREF(args);
    MV_XDECREF(kwargs);
    MV_XDECREF(listitems);
    MV_XDECREF(dictitems);
    MV_XDECREF(state);
    return r;
}

static int save_object(dumper *d, Value obj) {
    mv_thread *t = d->t;
    mv_type *tp = obj->type;
    Value rv = NULL;
    if (mv_type_lookup(tp, name(t, N_REDUCE_EX))) {
        Value proto = MV_FROM_SMALL(MV_PICKLE_DEFAULT_PROTOCOL);
        rv = mv_call_method(t, obj, "__reduce_ex__", &proto, 1);
    } else if (mv_type_lookup(tp, name(t, N_REDUCE))) {
        rv = mv_call_method(t, obj, "__reduce__", NULL, 0);
    } else if ((tp->flags & MV_TPFLAG_HEAPTYPE) || tp == &mv_object_type) {
        return save_default(d, obj);
    } else {
        return cannot_pickle(d, obj);
    }
    if (!rv) return -1;
    int r = save_reduce_value(d, obj, rv);
    MV_DECREF(rv);
    return r;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static int save(dumper *d, Value v) {
    if (MV_IS_SMALL(v)) {
        put_int(d, MV_SMALL_VAL(v));
        return 0;
    }
    mv_type *tp = v->type;
    if (tp == &mv_float_type) {
        save_float(d, mv_float_val(v));
        return 0;
    }
    if (v == MV_NONE || tp == &mv_bool_type) {
        put_byte(d, v == MV_NONE ? PK_NONE : v == MV_TRUE ? PK_TRUE : PK_FALSE);
        return 0;
    }
    int64_t idx = memo_find(d, v);
    if (idx >= 0) {
        put_tag_varint(d, PK_GET, (uint64_t)idx);
        return 0;
    }
    if (tp == &mv_str_type) {
        put_data(d, PK_STR, mv_str_data(v), mv_str_size(v));
        memo_put(d, v);
        return 0;
    }
    if (tp == &mv_dict_type) return save_dict(d, v);
    if (tp == &mv_list_type) return save_list(d, v);
    if (tp == &mv_tuple_type) return save_tuple(d, v);
    if (tp == &mv_int_type) {
        save_bigint(d, v);
        return 0;
    }
    if (tp == &mv_bytes_type || tp == &mv_bytearray_type) {
        const unsigned char *data = NULL;
        size_t size = 0;
        mv_bytes_like(v, &data, &size);
        put_data(d, tp == &mv_bytes_type ? PK_BYTES : PK_BYTEARRAY, data, size);
        memo_put(d, v);
        return 0;
    }
    if (tp == &mv_set_type || tp == &mv_frozenset_type) return save_set(d, v, tp == &mv_frozenset_type);
    if (v == MV_ELLIPSIS || v == MV_NOTIMPL) {
        put_byte(d, v == MV_ELLIPSIS ? PK_ELLIPSIS : PK_NOTIMPL);
        return 0;
    }
    if (tp == &mv_range_type || tp == &mv_slice_type) {
        Value parts[3];
        if (tp == &mv_range_type) {
            mv_range *r = (mv_range *)v;
            if (r->bstart) {
                parts[0] = r->bstart, parts[1] = r->bstop, parts[2] = r->bstep;
            } else {
                put_byte(d, PK_RANGE);
                put_int(d, r->start);
                put_int(d, r->stop);
                put_int(d, r->step);
                return 0;
            }
        } else {
            mv_slice *s = (mv_slice *)v;
            parts[0] = s->start, parts[1] = s->stop, parts[2] = s->step;
        }
        put_byte(d, tp == &mv_range_type ? PK_RANGE : PK_SLICE);
        if (enter(d) < 0 || save_items(d, parts, 3) < 0) return -1;
        d->depth--;
        return 0;
    }
    if (v == (Value)&mv_none_type || v == (Value)&mv_notimpl_type || v == (Value)&mv_ellipsis_type) {
        /* not reachable by name: type(None), as CPython's save_type writes them */
        Value inst = v == (Value)&mv_none_type ? MV_NONE : v == (Value)&mv_notimpl_type ? MV_NOTIMPL : MV_ELLIPSIS;
        Value args = mv_tuple_pack(1, inst);
        int r = emit_reduce(d, v, 0, (Value)&mv_type_type, args, NULL, NULL, NULL, NULL);
        MV_DECREF(args);
        return r;
    }
    if (tp == &mv_method_type || (tp == &mv_cfunc_type && ((mv_cfunc *)v)->self &&
                                  !mv_module_check_dict(((mv_cfunc *)v)->self)))
        return save_method(d, v);
    if (mv_type_check(v) || tp == &mv_func_type || tp == &mv_cfunc_type) return save_global(d, v);
    return save_object(d, v);
}

Value mv_pickle_dumps(mv_thread *t, Value obj) {
    dumper d = {.t = t, .stack_limit = mv_pickle_stack_limit()};
    int limit = t->vm->recursion_limit - t->depth - t->c_depth;
    d.limit = limit < 1 ? 1 : limit > MV_PICKLE_HARD_DEPTH ? MV_PICKLE_HARD_DEPTH : limit;
    reserve(&d, 4096);
    d.len = HEADER_ROOM;
    Value result = NULL;
    if (save(&d, obj) == 0) {
        unsigned char hdr[HEADER_ROOM];
        hdr[0] = MV_PICKLE_VERSION;
        size_t h = 1 + encode_varint(hdr + 1, d.len - HEADER_ROOM);
        memcpy(d.buf + HEADER_ROOM - h, hdr, h);
        result = mv_bytes_new(d.buf + HEADER_ROOM - h, d.len - HEADER_ROOM + h);
    }
    for (size_t i = 0; d.mcount && i <= d.mmask; i++) MV_XDECREF(d.mkeys[i]);
    mv_free(d.mkeys);
    mv_free(d.mvals);
    mv_free(d.buf);
    return result;
}
