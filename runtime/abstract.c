/* abstract.c: the generic object protocols: attribute lookup (with a global method cache),
 * calls, binary/unary operators with CPython's reflection rules, rich comparison, truthiness,
 * hashing, containers, iteration and the conversions (repr/str/format/index/int/float).  Each
 * dispatches on the type's slots and raises CPython's TypeError texts when a slot is missing.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "bytes.h"
#include "func.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Static types are readied lazily: a type never passed to mv_type_ready still works once one of
   its missing slots is looked at (the slow paths below call this, then retry). */
static inline bool ensure_ready(mv_type *tp) {
    if (tp->flags & MV_TPFLAG_READY) return false;
    mv_type_ready(tp);
    return true;
}

static Value intern(Value *cache, const char *s) {
    if (!*cache) *cache = mv_str_intern_cstr(NULL, s);
    return *cache;
}

/* ---- type lookup with a global method cache ------------------------------------------------
   The cache maps (type, interned name) to the result of the MRO walk, misses included (most
   instance attributes are not on the type).  Any change to any type dict bumps the version,
   invalidating everything: type dicts change rarely (class creation, C.x = v). */

#define MCACHE_SIZE 4096
typedef struct {
    mv_type *type;
    Value name;
    Value value; /* borrowed (owned by a type dict), NULL = not found */
    unsigned version;
} mcache_entry;
static mcache_entry mcache[MCACHE_SIZE];
static unsigned mcache_version = 1;

void mv_type_modified(mv_type *type) {
    (void)type;
    if (++mcache_version == 0) { /* wrapped: really clear */
        memset(mcache, 0, sizeof mcache);
        mcache_version = 1;
    }
}

static Value lookup_uncached(mv_type *type, Value name) {
    if (UNLIKELY(type->flags & MV_TPFLAG_MULTI)) {
        Value v = mv_dict_get_str(type->dict, name);
        if (v) return v;
        for (size_t i = 0; i < mv_tuple_size(type->mro); i++) {
            mv_type *tp = (mv_type *)MV_TUPLE_GET(type->mro, i);
            if ((v = mv_dict_get_str(tp->dict, name))) return v;
        }
        return NULL;
    }
    for (mv_type *tp = type; tp; tp = tp->base) {
        if (UNLIKELY(!(tp->flags & MV_TPFLAG_READY))) mv_type_ready(tp);
        if (tp->dict) {
            Value v = mv_dict_get_str(tp->dict, name);
            if (v) return v;
        }
    }
    return NULL;
}

Value mv_type_lookup(mv_type *type, Value name) {
    if (UNLIKELY(!(type->flags & MV_TPFLAG_READY))) mv_type_ready(type);
    if (((mv_strobj *)name)->interned) {
        size_t h = (((uintptr_t)type >> 4) ^ ((uintptr_t)name >> 3) * 0x9E3779B1u) & (MCACHE_SIZE - 1);
        mcache_entry *e = &mcache[h];
        if (e->type == type && e->name == name && e->version == mcache_version) return e->value;
        Value v = lookup_uncached(type, name);
        e->type = type;
        e->name = name;
        e->value = v;
        e->version = mcache_version;
        return v;
    }
    return lookup_uncached(type, name);
}

/* ---- attributes ------------------------------------------------------------------------------ */

static inline Value *dict_ptr(Value obj, mv_type *tp) {
    return tp->dictoffset ? (Value *)((char *)obj + tp->dictoffset) : NULL;
}

static Value attribute_error(mv_thread *t, Value obj, Value name) {
    return mv_err_format(t, &mv_exc_AttributeError, "'%s' object has no attribute '%U'",
                         MV_TYPE(obj)->name, name);
}

/* The generic lookup; with `suppress`, a plain miss returns NULL without raising. */
static Value generic_getattr(mv_thread *t, Value obj, Value name, bool suppress) {
    mv_type *tp = MV_TYPE(obj);
    Value descr = mv_type_lookup(tp, name);
    mv_type *dt = NULL;
    if (descr) {
        dt = MV_TYPE(descr);
        if (dt->descr_get && dt->descr_set) return dt->descr_get(t, descr, obj, (Value)tp);
    }
    if (tp->dictoffset && !MV_IS_SMALL(obj)) {
        Value d = *dict_ptr(obj, tp);
        if (d) {
            Value v = mv_dict_get_str(d, name);
            if (v) return mv_newref(v);
        }
    }
    if (descr) {
        if (dt->descr_get) return dt->descr_get(t, descr, obj, (Value)tp);
        return mv_newref(descr);
    }
    if (!suppress) attribute_error(t, obj, name);
    return NULL;
}

Value mv_generic_getattr(mv_thread *t, Value obj, Value name) { return generic_getattr(t, obj, name, false); }
Value mv_generic_getattr_opt(mv_thread *t, Value obj, Value name) { return generic_getattr(t, obj, name, true); }

static int check_name(mv_thread *t, Value name) {
    if (UNLIKELY(MV_IS_SMALL(name) || name->type != &mv_str_type) && !mv_str_check(name)) {
        mv_err_format(t, &mv_exc_TypeError, "attribute name must be string, not '%s'", mv_type_name(name));
        return -1;
    }
    return 0;
}

Value mv_getattr(mv_thread *t, Value obj, Value name) {
    if (check_name(t, name) < 0) return NULL;
    mv_type *tp = MV_TYPE(obj);
    if (tp->getattr) return tp->getattr(t, obj, name);
    return generic_getattr(t, obj, name, false);
}

Value mv_getattr_cstr(mv_thread *t, Value obj, const char *name) {
    return mv_getattr(t, obj, mv_str_intern_cstr(t, name));
}

Value mv_getattr_opt(mv_thread *t, Value obj, Value name) {
    if (check_name(t, name) < 0) return NULL;
    mv_type *tp = MV_TYPE(obj);
    Value r;
    if (!tp->getattr || tp->getattr == mv_generic_getattr)
        r = generic_getattr(t, obj, name, true);
    else
        r = tp->getattr(t, obj, name);
    if (!r && t->curexc && mv_err_matches(t, &mv_exc_AttributeError)) mv_err_clear(t);
    return r;
}

int mv_hasattr(mv_thread *t, Value obj, Value name) {
    Value r = mv_getattr_opt(t, obj, name);
    if (r) {
        MV_DECREF(r);
        return 1;
    }
    return t->curexc ? -1 : 0;
}

int mv_setattr(mv_thread *t, Value obj, Value name, Value v) {
    if (check_name(t, name) < 0) return -1;
    mv_type *tp = MV_TYPE(obj);
    if (!tp->setattr && ensure_ready(tp)) return mv_setattr(t, obj, name, v);
    if (tp->setattr) return tp->setattr(t, obj, name, v);
    mv_err_format(t, &mv_exc_AttributeError, "'%s' object has no attribute '%U'", tp->name, name);
    return -1;
}

int mv_setattr_cstr(mv_thread *t, Value obj, const char *name, Value v) {
    return mv_setattr(t, obj, mv_str_intern_cstr(t, name), v);
}

int mv_generic_setattr(mv_thread *t, Value obj, Value name, Value v) {
    mv_type *tp = MV_TYPE(obj);
    Value descr = mv_type_lookup(tp, name);
    if (descr) {
        mv_type *dt = MV_TYPE(descr);
        if (dt->descr_set) return dt->descr_set(t, descr, obj, v);
    }
    if (!tp->dictoffset || MV_IS_SMALL(obj)) {
        if (descr)
            mv_err_format(t, &mv_exc_AttributeError, "'%s' object attribute '%U' is read-only", tp->name, name);
        else
            attribute_error(t, obj, name);
        return -1;
    }
    Value *dp = dict_ptr(obj, tp);
    if (v) {
        if (!*dp) *dp = mv_dict_new();
        return mv_dict_set(t, *dp, name, v);
    }
    if (*dp && mv_dict_get_str(*dp, name)) return mv_dict_del(t, *dp, name);
    attribute_error(t, obj, name);
    return -1;
}

int mv_get_method(mv_thread *t, Value obj, Value name, Value *method) {
    mv_type *tp = MV_TYPE(obj);
    if (tp->getattr && tp->getattr != mv_generic_getattr) {
        *method = mv_getattr(t, obj, name);
        return *method ? 0 : -1;
    }
    Value descr = mv_type_lookup(tp, name);
    if (descr && !MV_IS_SMALL(descr)) {
        mv_type *dt = descr->type;
        if (dt == &mv_func_type || dt == &mv_slotwrapper_type ||
            (dt == &mv_method_descr_type && !(((mv_method_descr *)descr)->def->flags & (MV_METH_STATIC | MV_METH_CLASS)))) {
            /* a method: unless the instance's own __dict__ shadows it, skip the bound object */
            if (tp->dictoffset) {
                Value d = *dict_ptr(obj, tp);
                Value v;
                if (d && (v = mv_dict_get_str(d, name))) {
                    *method = mv_newref(v);
                    return 0;
                }
            }
            *method = mv_newref(descr);
            return 1;
        }
    }
    *method = generic_getattr(t, obj, name, false);
    return *method ? 0 : -1;
}

/* ---- calls ----------------------------------------------------------------------------------- */

Value mv_call(mv_thread *t, Value callable, Value *args, size_t nargs, Value kwnames) {
    mv_type *tp = MV_TYPE(callable);
    if (tp->call) return tp->call(t, callable, args, nargs, kwnames);
    if (ensure_ready(tp)) return mv_call(t, callable, args, nargs, kwnames);
    return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not callable", tp->name);
}

Value mv_call0(mv_thread *t, Value callable) { return mv_call(t, callable, NULL, 0, NULL); }
Value mv_call1(mv_thread *t, Value callable, Value a) { return mv_call(t, callable, &a, 1, NULL); }
Value mv_call2(mv_thread *t, Value callable, Value a, Value b) {
    Value args[2] = {a, b};
    return mv_call(t, callable, args, 2, NULL);
}

Value mv_call_tuple_dict(mv_thread *t, Value callable, Value args, Value kwargs) {
    size_t na = args ? mv_tuple_size(args) : 0;
    size_t nk = kwargs ? mv_dict_size(kwargs) : 0;
    if (nk == 0) return mv_call(t, callable, na ? mv_tuple_items(args) : NULL, na, NULL);
    Value small[16];
    Value *buf = na + nk <= 16 ? small : mv_malloc((na + nk) * sizeof(Value));
    for (size_t i = 0; i < na; i++) buf[i] = MV_TUPLE_GET(args, i);
    Value kwnames = mv_tuple_new(nk);
    size_t pos = 0, i = 0;
    Value k, v, r = NULL;
    while (mv_dict_next(kwargs, &pos, &k, &v)) {
        if (!mv_str_check(k)) {
            mv_err_set(t, &mv_exc_TypeError, "keywords must be strings");
            for (size_t j = i; j < nk; j++) MV_TUPLE_SET(kwnames, j, mv_newref(MV_NONE));
            goto done;
        }
        MV_TUPLE_SET(kwnames, i, mv_newref(k));
        buf[na + i] = v;
        i++;
    }
    r = mv_call(t, callable, buf, na, kwnames);
done:
    MV_DECREF(kwnames);
    if (buf != small) mv_free(buf);
    return r;
}

/* Call with `self` prepended to args (args/nargs are positional only). */
static Value call_prepend(mv_thread *t, Value callable, Value self, Value *args, size_t nargs) {
    Value small[8];
    Value *buf = nargs + 1 <= 8 ? small : mv_malloc((nargs + 1) * sizeof(Value));
    buf[0] = self;
    if (nargs) memcpy(buf + 1, args, nargs * sizeof(Value));
    Value r = mv_call(t, callable, buf, nargs + 1, NULL);
    if (buf != small) mv_free(buf);
    return r;
}

Value mv_call_method(mv_thread *t, Value obj, const char *name, Value *args, size_t nargs) {
    Value m;
    int k = mv_get_method(t, obj, mv_str_intern_cstr(t, name), &m);
    if (k < 0) return NULL;
    Value r = k ? call_prepend(t, m, obj, args, nargs) : mv_call(t, m, args, nargs, NULL);
    MV_DECREF(m);
    return r;
}

bool mv_callable(Value v) {
    mv_type *tp = MV_TYPE(v);
    if (!tp->call) ensure_ready(tp);
    return tp->call != NULL;
}

/* ---- binary operators ----------------------------------------------------------------------- */

static const char *const binop_sym[MV_BINOP__COUNT] = {"+", "-", "*", "/", "//", "%", "** or pow()",
                                                       "<<", ">>", "&", "|", "^", "@"};
static const char *const ibinop_sym[MV_BINOP__COUNT] = {"+=", "-=", "*=", "/=", "//=", "%=", "**=",
                                                        "<<=", ">>=", "&=", "|=", "^=", "@="};

/* CPython's binary_op1: a's slot, then b's; b's first when b's type is a proper subclass of a's
   with a different slot.  Returns MV_NOTIMPL when neither side handles it. */
static Value binary_op1(mv_thread *t, Value a, Value b, int op) {
    mv_type *ta = MV_TYPE(a), *tb = MV_TYPE(b);
    mv_binaryfn fa = ta->nb[op], fb = NULL;
    if (tb != ta) {
        fb = tb->nb[op];
        if (fb == fa) fb = NULL;
    }
    Value r;
    if (fa) {
        if (fb && mv_type_is_subtype(tb, ta)) {
            r = fb(t, a, b);
            if (r != MV_NOTIMPL) return r;
            fb = NULL;
        }
        r = fa(t, a, b);
        if (r != MV_NOTIMPL) return r;
    }
    if (fb) return fb(t, a, b);
    return MV_NOTIMPL;
}

static bool is_sequence(Value v) {
    mv_type *tp = MV_TYPE(v);
    return mv_type_is_subtype(tp, &mv_str_type) || mv_type_is_subtype(tp, &mv_list_type) ||
           mv_type_is_subtype(tp, &mv_tuple_type) || mv_type_is_subtype(tp, &mv_bytes_type) ||
           mv_type_is_subtype(tp, &mv_bytearray_type);
}

static Value binop_error(mv_thread *t, Value a, Value b, int op, bool inplace) {
    mv_type *ta = MV_TYPE(a);
    /* the sequence protocol's messages (CPython's sq_concat / sq_repeat fallbacks) */
    if (op == MV_BINOP_ADD) {
        const char *seq = mv_type_is_subtype(ta, &mv_str_type)     ? "str"
                          : mv_type_is_subtype(ta, &mv_list_type)  ? "list"
                          : mv_type_is_subtype(ta, &mv_tuple_type) ? "tuple"
                                                                   : NULL;
        if (seq)
            return mv_err_format(t, &mv_exc_TypeError, "can only concatenate %s (not \"%s\") to %s", seq,
                                 mv_type_name(b), seq);
        if (mv_type_is_subtype(ta, &mv_bytes_type) || mv_type_is_subtype(ta, &mv_bytearray_type))
            return mv_err_format(t, &mv_exc_TypeError, "can't concat %s to %s", mv_type_name(b), ta->name);
    } else if (op == MV_BINOP_MUL) {
        if (is_sequence(a) && !MV_TYPE(b)->nb_index && !mv_int_check(b))
            return mv_err_format(t, &mv_exc_TypeError, "can't multiply sequence by non-int of type '%s'",
                                 mv_type_name(b));
        if (is_sequence(b) && !ta->nb_index && !mv_int_check(a))
            return mv_err_format(t, &mv_exc_TypeError, "can't multiply sequence by non-int of type '%s'",
                                 mv_type_name(a));
    }
    return mv_err_format(t, &mv_exc_TypeError, "unsupported operand type(s) for %s: '%s' and '%s'",
                         inplace ? ibinop_sym[op] : binop_sym[op], ta->name, mv_type_name(b));
}

Value mv_binary_op(mv_thread *t, Value a, Value b, int op) {
    Value r;
    if (op & MV_BINOP_INPLACE) {
        op &= ~MV_BINOP_INPLACE;
        mv_binaryfn f = MV_TYPE(a)->nb_inplace[op];
        if (f) {
            r = f(t, a, b);
            if (r != MV_NOTIMPL) return r;
        }
        r = binary_op1(t, a, b, op);
        if (r != MV_NOTIMPL) return r;
        if (ensure_ready(MV_TYPE(a)) | ensure_ready(MV_TYPE(b))) return mv_binary_op(t, a, b, op | MV_BINOP_INPLACE);
        return binop_error(t, a, b, op, true);
    }
    r = binary_op1(t, a, b, op);
    if (r != MV_NOTIMPL) return r;
    if (ensure_ready(MV_TYPE(a)) | ensure_ready(MV_TYPE(b))) return mv_binary_op(t, a, b, op);
    return binop_error(t, a, b, op, false);
}

/* ---- unary operators ------------------------------------------------------------------------ */

static Value unary(mv_thread *t, Value a, size_t slot_off, const char *what) {
    mv_type *tp = MV_TYPE(a);
    mv_unaryfn f = *(mv_unaryfn *)((char *)tp + slot_off);
    if (!f && ensure_ready(tp)) f = *(mv_unaryfn *)((char *)tp + slot_off);
    if (f) return f(t, a);
    return mv_err_format(t, &mv_exc_TypeError, "bad operand type for %s: '%s'", what, tp->name);
}

Value mv_unary_neg(mv_thread *t, Value a) { return unary(t, a, offsetof(mv_type, nb_neg), "unary -"); }
Value mv_unary_pos(mv_thread *t, Value a) { return unary(t, a, offsetof(mv_type, nb_pos), "unary +"); }
Value mv_unary_invert(mv_thread *t, Value a) { return unary(t, a, offsetof(mv_type, nb_invert), "unary ~"); }
Value mv_abs(mv_thread *t, Value a) { return unary(t, a, offsetof(mv_type, nb_abs), "abs()"); }

/* ---- comparison ----------------------------------------------------------------------------- */

static const int swapped_op[6] = {MV_GT, MV_GE, MV_EQ, MV_NE, MV_LT, MV_LE};
static const char *const cmp_sym[6] = {"<", "<=", "==", "!=", ">", ">="};

Value mv_richcompare(mv_thread *t, Value a, Value b, int op) {
    mv_type *ta = MV_TYPE(a), *tb = MV_TYPE(b);
    bool checked_reverse = false;
    Value r;
    if (ta != tb && tb->richcompare && mv_type_is_subtype(tb, ta)) {
        checked_reverse = true;
        r = tb->richcompare(t, b, a, swapped_op[op]);
        if (r != MV_NOTIMPL) return r;
    }
    if (ta->richcompare) {
        r = ta->richcompare(t, a, b, op);
        if (r != MV_NOTIMPL) return r;
    }
    if (!checked_reverse && tb->richcompare) {
        r = tb->richcompare(t, b, a, swapped_op[op]);
        if (r != MV_NOTIMPL) return r;
    }
    if (ensure_ready(ta) | ensure_ready(tb)) return mv_richcompare(t, a, b, op);
    if (op == MV_EQ) return mv_newref(MV_BOOL(a == b));
    if (op == MV_NE) return mv_newref(MV_BOOL(a != b));
    return mv_err_format(t, &mv_exc_TypeError, "'%s' not supported between instances of '%s' and '%s'",
                         cmp_sym[op], ta->name, tb->name);
}

int mv_richcompare_bool(mv_thread *t, Value a, Value b, int op) {
    if (a == b) {
        if (op == MV_EQ) return 1;
        if (op == MV_NE) return 0;
    }
    if (MV_IS_SMALL(a) && MV_IS_SMALL(b)) {
        intptr_t x = (intptr_t)a, y = (intptr_t)b; /* same order as the values */
        switch (op) {
        case MV_LT: return x < y;
        case MV_LE: return x <= y;
        case MV_EQ: return x == y;
        case MV_NE: return x != y;
        case MV_GT: return x > y;
        default: return x >= y;
        }
    }
    Value r = mv_richcompare(t, a, b, op);
    if (!r) return -1;
    if (r == MV_TRUE) return 1;
    if (r == MV_FALSE) return 0;
    int k = mv_truthy(t, r);
    MV_DECREF(r);
    return k;
}

/* ---- truth, containment, hashing, containers -------------------------------------------------- */

int mv_truthy(mv_thread *t, Value v) {
    if (v == MV_TRUE) return 1;
    if (v == MV_FALSE || v == MV_NONE) return 0;
    if (MV_IS_SMALL(v)) return MV_SMALL_VAL(v) != 0;
    mv_type *tp = v->type;
    if (tp->bool_) return tp->bool_(t, v);
    if (tp->len) {
        int64_t n = tp->len(t, v);
        return n < 0 ? -1 : n > 0;
    }
    if (ensure_ready(tp)) return mv_truthy(t, v);
    return 1;
}

int mv_contains(mv_thread *t, Value container, Value item) {
    mv_type *tp = MV_TYPE(container);
    if (!tp->contains && !tp->iter) ensure_ready(tp);
    if (tp->contains) return tp->contains(t, container, item);
    if (!tp->iter && !tp->getitem)
        return mv_err_format(t, &mv_exc_TypeError, "argument of type '%s' is not iterable", tp->name), -1;
    Value it = mv_iter(t, container);
    if (!it) return -1;
    for (;;) {
        Value x = mv_next(t, it);
        if (!x) {
            MV_DECREF(it);
            return t->curexc ? -1 : 0;
        }
        int k = mv_richcompare_bool(t, x, item, MV_EQ);
        MV_DECREF(x);
        if (k != 0) {
            MV_DECREF(it);
            return k;
        }
    }
}

int mv_hash(mv_thread *t, Value v, int64_t *out) {
    if (MV_IS_SMALL(v)) return mv_int_hash(v, out);
    mv_type *tp = v->type;
    if (tp->hash) return tp->hash(t, v, out);
    if (ensure_ready(tp)) return mv_hash(t, v, out);
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", tp->name);
    return -1;
}

int64_t mv_len(mv_thread *t, Value v) {
    mv_type *tp = MV_TYPE(v);
    if (tp->len) return tp->len(t, v);
    if (ensure_ready(tp)) return mv_len(t, v);
    mv_err_format(t, &mv_exc_TypeError, "object of type '%s' has no len()", tp->name);
    return -1;
}

Value mv_getitem(mv_thread *t, Value obj, Value key) {
    mv_type *tp = MV_TYPE(obj);
    if (tp->getitem) return tp->getitem(t, obj, key);
    if (ensure_ready(tp)) return mv_getitem(t, obj, key);
    return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not subscriptable", tp->name);
}

int mv_setitem(mv_thread *t, Value obj, Value key, Value v) {
    mv_type *tp = MV_TYPE(obj);
    if (tp->setitem) return tp->setitem(t, obj, key, v);
    if (ensure_ready(tp)) return mv_setitem(t, obj, key, v);
    if (!v) /* a deletion through this entry point */
        mv_err_format(t, &mv_exc_TypeError, "'%s' object doesn't support item deletion", tp->name);
    else
        mv_err_format(t, &mv_exc_TypeError, "'%s' object does not support item assignment", tp->name);
    return -1;
}

int mv_delitem(mv_thread *t, Value obj, Value key) {
    mv_type *tp = MV_TYPE(obj);
    if (tp->setitem) return tp->setitem(t, obj, key, NULL);
    if (ensure_ready(tp)) return mv_delitem(t, obj, key);
    if (tp->getitem)
        mv_err_format(t, &mv_exc_TypeError, "'%s' object doesn't support item deletion", tp->name);
    else
        mv_err_format(t, &mv_exc_TypeError, "'%s' object does not support item deletion", tp->name);
    return -1;
}

/* ---- iteration ------------------------------------------------------------------------------ */

Value mv_iter(mv_thread *t, Value v) {
    mv_type *tp = MV_TYPE(v);
    if (tp->iter) {
        Value it = tp->iter(t, v);
        if (it && !MV_TYPE(it)->iternext) {
            ensure_ready(MV_TYPE(it));
            if (!MV_TYPE(it)->iternext) {
                mv_err_format(t, &mv_exc_TypeError, "iter() returned non-iterator of type '%s'", mv_type_name(it));
                MV_DECREF(it);
                return NULL;
            }
        }
        return it;
    }
    if (ensure_ready(tp)) return mv_iter(t, v);
    if (tp->getitem) return mv_call1(t, (Value)&mv_seqiter_type, v);
    return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not iterable", tp->name);
}

Value mv_next(mv_thread *t, Value iter) {
    mv_type *tp = MV_TYPE(iter);
    if (UNLIKELY(!tp->iternext)) {
        if (ensure_ready(tp)) return mv_next(t, iter);
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not an iterator", tp->name);
    }
    Value r = tp->iternext(t, iter);
    if (!r && t->curexc && mv_err_matches(t, &mv_exc_StopIteration)) mv_err_clear(t);
    return r;
}

Value mv_sequence_list(mv_thread *t, Value iterable) {
    Value l = mv_list_new(0);
    if (mv_list_extend(t, l, iterable) < 0) {
        MV_DECREF(l);
        return NULL;
    }
    return l;
}

Value mv_sequence_tuple(mv_thread *t, Value iterable) {
    if (!MV_IS_SMALL(iterable) && iterable->type == &mv_tuple_type) return mv_newref(iterable);
    if (!MV_IS_SMALL(iterable) && iterable->type == &mv_list_type)
        return mv_tuple_from_array(mv_list_items(iterable), mv_list_size(iterable));
    Value l = mv_sequence_list(t, iterable);
    if (!l) return NULL;
    Value r = mv_tuple_from_array(mv_list_items(l), mv_list_size(l));
    MV_DECREF(l);
    return r;
}

/* ---- conversions ---------------------------------------------------------------------------- */

static Value default_repr(mv_thread *t, Value v) {
    mv_type *tp = MV_TYPE(v);
    if (tp->module && mv_str_check(tp->module) && !mv_str_eq_cstr(tp->module, "builtins")) {
        Value qn = mv_type_name_str(tp);
        Value r = mv_str_fromf("<%s.%s object at %p>", mv_str_data(tp->module), mv_str_data(qn), (void *)v);
        MV_DECREF(qn);
        return r;
    }
    return mv_str_fromf("<%s object at %p>", tp->name, (void *)v);
}

Value mv_repr(mv_thread *t, Value v) {
    mv_type *tp = MV_TYPE(v);
    if (!tp->repr && ensure_ready(tp)) return mv_repr(t, v);
    if (!tp->repr) return default_repr(t, v);
    Value r = tp->repr(t, v);
    if (r && UNLIKELY(!mv_str_check(r))) {
        mv_err_format(t, &mv_exc_TypeError, "__repr__ returned non-string (type %s)", mv_type_name(r));
        MV_DECREF(r);
        return NULL;
    }
    return r;
}

Value mv_str(mv_thread *t, Value v) {
    if (!MV_IS_SMALL(v) && v->type == &mv_str_type) return mv_newref(v);
    mv_type *tp = MV_TYPE(v);
    if (!tp->str && ensure_ready(tp)) return mv_str(t, v);
    if (!tp->str) return mv_repr(t, v);
    Value r = tp->str(t, v);
    if (r && UNLIKELY(!mv_str_check(r))) {
        mv_err_format(t, &mv_exc_TypeError, "__str__ returned non-string (type %s)", mv_type_name(r));
        MV_DECREF(r);
        return NULL;
    }
    return r;
}

Value mv_ascii(mv_thread *t, Value v) {
    Value r = mv_repr(t, v);
    if (!r) return NULL;
    if (((mv_strobj *)r)->ascii) return r;
    mv_strbuf b;
    mv_strbuf_init(&b);
    size_t n = mv_str_len(r);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = mv_str_codepoint_at(r, i);
        if (c < 128)
            mv_strbuf_addc(&b, (char)c);
        else if (c < 256)
            mv_strbuf_addf(&b, "\\x%02x", c);
        else if (c < 0x10000)
            mv_strbuf_addf(&b, "\\u%04x", c);
        else
            mv_strbuf_addf(&b, "\\U%08x", c);
    }
    MV_DECREF(r);
    return mv_strbuf_finish(&b);
}

/* format(v) for builtin scalars and plain objects: object.__format__'s behaviour. */
Value mv_object_format(mv_thread *t, Value v, Value spec) {
    if (mv_int_check(v) || mv_float_check(v) || mv_str_check(v)) return mv_format_builtin(t, v, spec);
    if (spec && mv_str_len(spec) > 0)
        return mv_err_format(t, &mv_exc_TypeError, "unsupported format string passed to %s.__format__",
                             MV_TYPE(v)->name);
    return mv_str(t, v);
}

Value mv_format(mv_thread *t, Value v, Value spec) {
    static Value s_format;
    Value empty = NULL;
    if (!spec) spec = empty = mv_str_from_cstr("");
    Value r;
    mv_type *tp = MV_TYPE(v);
    if (tp == &mv_str_type && mv_str_len(spec) == 0) {
        r = mv_newref(v);
    } else if (tp == &mv_int_type || tp == &mv_float_type || tp == &mv_str_type || tp == &mv_bool_type) {
        r = mv_format_builtin(t, v, spec);
    } else {
        Value meth = mv_type_lookup(tp, intern(&s_format, "__format__"));
        if (!meth || mv_is_object_format(meth)) {
            r = mv_object_format(t, v, spec);
        } else {
            Value m;
            int k = mv_get_method(t, v, s_format, &m);
            if (k < 0) {
                r = NULL;
            } else {
                r = k ? mv_call2(t, m, v, spec) : mv_call1(t, m, spec);
                MV_DECREF(m);
            }
            if (r && !mv_str_check(r)) {
                mv_err_format(t, &mv_exc_TypeError, "__format__ must return a str, not %s", mv_type_name(r));
                MV_CLEAR(r);
            }
        }
    }
    MV_XDECREF(empty);
    return r;
}

Value mv_number_index(mv_thread *t, Value v) {
    if (MV_IS_SMALL(v)) return v;
    if (v->type == &mv_int_type) return mv_newref(v);
    mv_type *tp = v->type;
    if (!tp->nb_index && ensure_ready(tp)) return mv_number_index(t, v);
    if (!tp->nb_index) {
        if (mv_int_check(v)) return mv_newref(v);
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer", tp->name);
    }
    Value r = tp->nb_index(t, v);
    if (r && !mv_int_check(r)) {
        mv_err_format(t, &mv_exc_TypeError, "__index__ returned non-int (type %s)", mv_type_name(r));
        MV_DECREF(r);
        return NULL;
    }
    return r;
}

int mv_index_int64(mv_thread *t, Value v, int64_t *out) {
    if (MV_IS_SMALL(v)) {
        *out = MV_SMALL_VAL(v);
        return 0;
    }
    Value i = mv_number_index(t, v);
    if (!i) return -1;
    int r = mv_int_as_i64(t, i, out);
    if (r < 0 && mv_err_matches(t, &mv_exc_OverflowError)) {
        mv_err_clear(t);
        mv_err_format(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
    }
    MV_DECREF(i);
    return r;
}

Value mv_number_int(mv_thread *t, Value v) {
    if (MV_IS_SMALL(v)) return v;
    if (v->type == &mv_int_type) return mv_newref(v);
    mv_type *tp = v->type;
    ensure_ready(tp);
    Value r;
    if (tp->nb_int) {
        r = tp->nb_int(t, v);
        if (r && !mv_int_check(r)) {
            mv_err_format(t, &mv_exc_TypeError, "__int__ returned non-int (type %s)", mv_type_name(r));
            MV_DECREF(r);
            return NULL;
        }
        return r;
    }
    if (tp->nb_index) return mv_number_index(t, v);
    if (mv_int_check(v)) return mv_int_from_mpz(((mv_bigint *)v)->z);
    if (mv_str_check(v)) return mv_int_from_string(t, mv_str_data(v), mv_str_size(v), 10);
    if (mv_bytes_check(v)) return mv_int_from_string(t, (const char *)mv_bytes_data(v), mv_bytes_size(v), 10);
    return mv_err_format(t, &mv_exc_TypeError,
                         "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                         tp->name);
}

Value mv_number_float(mv_thread *t, Value v) {
    if (!MV_IS_SMALL(v) && v->type == &mv_float_type) return mv_newref(v);
    mv_type *tp = MV_TYPE(v);
    ensure_ready(tp);
    if (tp->nb_float) {
        Value r = tp->nb_float(t, v);
        if (r && !mv_float_check(r)) {
            mv_err_format(t, &mv_exc_TypeError, "%s.__float__ returned non-float (type %s)", tp->name,
                          mv_type_name(r));
            MV_DECREF(r);
            return NULL;
        }
        return r;
    }
    if (mv_int_check(v) || tp->nb_index) {
        Value i = mv_number_index(t, v);
        if (!i) return NULL;
        int overflow = 0;
        double d = mv_int_as_double(t, i, &overflow);
        MV_DECREF(i);
        if (overflow)
            return mv_err_set(t, &mv_exc_OverflowError, "int too large to convert to float");
        return mv_float_new(d);
    }
    if (mv_str_check(v)) return mv_float_from_string(t, v);
    return mv_err_format(t, &mv_exc_TypeError, "float() argument must be a string or a real number, not '%s'",
                         tp->name);
}

/* ---- isinstance / issubclass ---------------------------------------------------------------- */

/* A class whose metaclass is a class statement's (abc.ABCMeta ...) may define __instancecheck__ /
   __subclasscheck__: call it (1/0, -1 error; -2 when the metaclass has none). */
static int meta_check(mv_thread *t, Value cls, Value arg, Value *cache, const char *name) {
    mv_type *meta = MV_TYPE(cls);
    Value f = mv_type_lookup(meta, intern(cache, name));
    if (!f || f == mv_dict_get_str(mv_type_type.dict, *cache)) return -2; /* type's own: the plain check */
    Value bound = MV_TYPE(f)->descr_get ? MV_TYPE(f)->descr_get(t, f, cls, (Value)meta) : mv_newref(f);
    if (!bound) return -1;
    if (mv_enter_recursive_call(t, name[2] == 'i' ? " in __instancecheck__" : " in __subclasscheck__") < 0) {
        MV_DECREF(bound);
        return -1;
    }
    Value r = mv_call1(t, bound, arg);
    mv_leave_recursive_call(t);
    MV_DECREF(bound);
    if (!r) return -1;
    int k = mv_truthy(t, r);
    MV_DECREF(r);
    return k;
}
static Value s_instancecheck, s_subclasscheck;

int mv_isinstance(mv_thread *t, Value obj, Value cls) {
    if (mv_type_check(cls)) {
        if (__builtin_expect(cls->type->flags & MV_TPFLAG_HEAPTYPE, 0) && MV_TYPE(obj) != (mv_type *)cls) {
            int k = meta_check(t, cls, obj, &s_instancecheck, "__instancecheck__");
            if (k != -2) return k;
        }
        return mv_isinstance_of(obj, (mv_type *)cls);
    }
    if (mv_tuple_check(cls)) {
        for (size_t i = 0; i < mv_tuple_size(cls); i++) {
            int k = mv_isinstance(t, obj, MV_TUPLE_GET(cls, i));
            if (k) return k;
        }
        return 0;
    }
    if (!MV_IS_SMALL(cls) && cls->type == &mv_union_type) return mv_isinstance(t, obj, mv_union_args(cls));
    mv_err_set(t, &mv_exc_TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union");
    return -1;
}

static int issubclass_inner(mv_thread *t, Value derived, Value cls) {
    if (mv_type_check(cls)) {
        if (__builtin_expect(cls->type->flags & MV_TPFLAG_HEAPTYPE, 0)) {
            int k = meta_check(t, cls, derived, &s_subclasscheck, "__subclasscheck__");
            if (k != -2) return k;
        }
        if (!mv_type_check(derived)) {
            mv_err_set(t, &mv_exc_TypeError, "issubclass() arg 1 must be a class");
            return -1;
        }
        return mv_type_is_subtype((mv_type *)derived, (mv_type *)cls);
    }
    if (mv_tuple_check(cls)) {
        for (size_t i = 0; i < mv_tuple_size(cls); i++) {
            int k = issubclass_inner(t, derived, MV_TUPLE_GET(cls, i));
            if (k) return k;
        }
        return 0;
    }
    if (!MV_IS_SMALL(cls) && cls->type == &mv_union_type) return issubclass_inner(t, derived, mv_union_args(cls));
    mv_err_set(t, &mv_exc_TypeError, "issubclass() arg 2 must be a class, a tuple of classes, or a union");
    return -1;
}

int mv_issubclass(mv_thread *t, Value derived, Value cls) {
    if (!mv_type_check(derived) && !(mv_type_check(cls) && (cls->type->flags & MV_TPFLAG_HEAPTYPE))) {
        mv_err_set(t, &mv_exc_TypeError, "issubclass() arg 1 must be a class");
        return -1;
    }
    return issubclass_inner(t, derived, cls);
}

const char *mv_type_name(Value v) { return MV_TYPE(v)->name; }
