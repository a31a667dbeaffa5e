/* tuple.c: the tuple type: creation, CPython 3.11's xxHash-based tuplehash (so that sets of
 * tuples iterate in CPython's order), comparison, indexing and slicing, repr, count/index, and
 * the tuple iterator.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

mv_tuple mv_empty_tuple_obj = {MV_STATIC_HEAD(&mv_tuple_type), 0, -1};

static Value tuple_alloc(mv_type *type, size_t size) {
    Value v = mv_object_new_sized(type, (type == &mv_tuple_type ? sizeof(mv_tuple) : type->basicsize) +
                                            size * sizeof(Value));
    ((mv_tuple *)v)->size = size;
    ((mv_tuple *)v)->hash = -1;
    return v;
}

Value mv_tuple_new(size_t size) {
    if (size == 0) return MV_EMPTY_TUPLE;
    return tuple_alloc(&mv_tuple_type, size);
}

Value mv_tuple_from_array(Value *items, size_t n) {
    if (n == 0) return MV_EMPTY_TUPLE;
    Value r = tuple_alloc(&mv_tuple_type, n);
    for (size_t i = 0; i < n; i++) {
        MV_INCREF(items[i]);
        MV_TUPLE_SET(r, i, items[i]);
    }
    return r;
}

Value mv_tuple_pack(size_t n, ...) {
    va_list ap;
    Value r = mv_tuple_new(n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        Value x = va_arg(ap, Value);
        MV_INCREF(x);
        MV_TUPLE_SET(r, i, x);
    }
    va_end(ap);
    return r;
}

static void tuple_dealloc(Value self) {
    mv_tuple *tp = (mv_tuple *)self;
    for (size_t i = 0; i < tp->size; i++) MV_XDECREF(tp->items[i]);
}

/* tuple(iterable), also for subclasses (items copied into an instance of `type`). */
static Value tuple_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames) && type == &mv_tuple_type)
        return mv_err_set(t, &mv_exc_TypeError, "tuple() takes no keyword arguments");
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "tuple expected at most 1 argument, got %d", (int)nargs);
    Value seq;
    if (nargs == 0) seq = mv_newref(MV_EMPTY_TUPLE);
    else if (!MV_IS_SMALL(args[0]) && args[0]->type == &mv_tuple_type) seq = mv_newref(args[0]);
    else if (!MV_IS_SMALL(args[0]) && args[0]->type == &mv_list_type)
        seq = mv_tuple_from_array(mv_list_items(args[0]), mv_list_size(args[0]));
    else {
        Value l = mv_sequence_list(t, args[0]);
        if (!l) return NULL;
        seq = mv_tuple_from_array(mv_list_items(l), mv_list_size(l));
        MV_DECREF(l);
    }
    if (type == &mv_tuple_type) return seq;
    size_t n = mv_tuple_size(seq);
    Value r = tuple_alloc(type, n);
    for (size_t i = 0; i < n; i++) MV_TUPLE_SET(r, i, mv_newref(MV_TUPLE_GET(seq, i)));
    MV_DECREF(seq);
    return r;
}

static Value tuple_repr(mv_thread *t, Value self) {
    size_t n = mv_tuple_size(self);
    if (n == 0) return mv_str_from_cstr("()");
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_from_cstr("(...)") : NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_addc(&b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i) mv_strbuf_add(&b, ", ", 2);
        if (mv_strbuf_add_value_repr(t, &b, MV_TUPLE_GET(self, i)) < 0) {
            mv_strbuf_free(&b);
            mv_repr_leave(t, self);
            return NULL;
        }
    }
    if (n == 1) mv_strbuf_addc(&b, ',');
    mv_strbuf_addc(&b, ')');
    mv_repr_leave(t, self);
    return mv_strbuf_finish(&b);
}

/* CPython 3.11's tuplehash (xxHash-style lanes). */
#define XXPRIME_1 ((uint64_t)11400714785074694791ULL)
#define XXPRIME_2 ((uint64_t)14029467366897019727ULL)
#define XXPRIME_5 ((uint64_t)2870177450012600261ULL)
#define XXROTATE(x) (((x) << 31) | ((x) >> 33))

static int tuple_hash(mv_thread *t, Value self, int64_t *out) {
    mv_tuple *tp = (mv_tuple *)self;
    if (tp->hash != -1) {
        *out = tp->hash;
        return 0;
    }
    uint64_t acc = XXPRIME_5;
    for (size_t i = 0; i < tp->size; i++) {
        int64_t h;
        if (mv_hash(t, tp->items[i], &h) < 0) return -1;
        acc += (uint64_t)h * XXPRIME_2;
        acc = XXROTATE(acc);
        acc *= XXPRIME_1;
    }
    acc += tp->size ^ (XXPRIME_5 ^ 3527539UL);
    if (acc == (uint64_t)-1) acc = 1546275796;
    tp->hash = (int64_t)acc;
    *out = (int64_t)acc;
    return 0;
}

/* Shared by list and tuple: lexicographic comparison of two item arrays, as CPython. */
Value mv_seq_richcompare(mv_thread *t, Value *a, size_t na, Value *b, size_t nb, int op) {
    if (na != nb && (op == MV_EQ || op == MV_NE)) return mv_newref(MV_BOOL(op == MV_NE));
    size_t i;
    for (i = 0; i < na && i < nb; i++) {
        if (a[i] == b[i]) continue;
        Value x = a[i], y = b[i];
        MV_INCREF(x);
        MV_INCREF(y);
        int k = mv_richcompare_bool(t, x, y, MV_EQ);
        if (k != 1) {
            MV_DECREF(x);
            MV_DECREF(y);
            if (k < 0) return NULL;
            if (op == MV_EQ) return mv_newref(MV_FALSE);
            if (op == MV_NE) return mv_newref(MV_TRUE);
            /* re-read: a comparison may have mutated a list */
            Value r = mv_richcompare(t, x, y, op);
            return r;
        }
        MV_DECREF(x);
        MV_DECREF(y);
    }
    bool res;
    switch (op) {
    case MV_LT: res = na < nb; break;
    case MV_LE: res = na <= nb; break;
    case MV_EQ: res = na == nb; break;
    case MV_NE: res = na != nb; break;
    case MV_GT: res = na > nb; break;
    default: res = na >= nb; break;
    }
    return mv_newref(MV_BOOL(res));
}

static Value tuple_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_tuple_check(a) || !mv_tuple_check(b)) return mv_newref(MV_NOTIMPL);
    return mv_seq_richcompare(t, mv_tuple_items(a), mv_tuple_size(a), mv_tuple_items(b),
                              mv_tuple_size(b), op);
}

static int64_t tuple_len(mv_thread *t, Value self) { return (int64_t)mv_tuple_size(self); }

/* Convert an index-like key to int64: returns 1 ok, 0 not an index (caller raises), -1 error. */
int mv_seq_index_arg(mv_thread *t, Value key, int64_t *out) {
    if (MV_IS_SMALL(key)) {
        *out = MV_SMALL_VAL(key);
        return 1;
    }
    if (mv_int_check(key) || MV_TYPE(key)->nb_index) {
        if (mv_index_int64(t, key, out) < 0) {
            if (mv_err_matches(t, &mv_exc_OverflowError)) {
                mv_err_clear(t);
                mv_err_format(t, &mv_exc_IndexError, "cannot fit '%s' into an index-sized integer",
                              mv_type_name(key));
            }
            return -1;
        }
        return 1;
    }
    return 0;
}

static Value tuple_getitem(mv_thread *t, Value self, Value key) {
    mv_tuple *tp = (mv_tuple *)self;
    int64_t i;
    int k = mv_seq_index_arg(t, key, &i);
    if (k > 0) {
        if (i < 0) i += (int64_t)tp->size;
        if (i < 0 || (uint64_t)i >= tp->size) return mv_err_set(t, &mv_exc_IndexError, "tuple index out of range");
        return mv_newref(tp->items[i]);
    }
    if (k < 0) return NULL;
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t n = mv_slice_indices(t, key, (int64_t)tp->size, &start, &stop, &step);
        if (n < 0) return NULL;
        if (step == 1 && n == (int64_t)tp->size && self->type == &mv_tuple_type) return mv_newref(self);
        if (n == 0) return mv_newref(MV_EMPTY_TUPLE);
        Value r = mv_tuple_new((size_t)n);
        for (int64_t j = 0, s = start; j < n; j++, s += step) MV_TUPLE_SET(r, j, mv_newref(tp->items[s]));
        return r;
    }
    return mv_err_format(t, &mv_exc_TypeError, "tuple indices must be integers or slices, not %s", mv_type_name(key));
}

static int tuple_contains(mv_thread *t, Value self, Value item) {
    mv_tuple *tp = (mv_tuple *)self;
    for (size_t i = 0; i < tp->size; i++) {
        int k = mv_richcompare_bool(t, tp->items[i], item, MV_EQ);
        if (k != 0) return k;
    }
    return 0;
}

static Value tuple_add(mv_thread *t, Value a, Value b) {
    if (!mv_tuple_check(a)) return mv_newref(MV_NOTIMPL);
    if (!mv_tuple_check(b)) {
        mv_type *bt = MV_TYPE(b);
        if (bt->nb[MV_BINOP_ADD] && !mv_seq_builtin_sequence(bt)) {
            Value r = bt->nb[MV_BINOP_ADD](t, a, b);
            if (r != MV_NOTIMPL) return r;
            MV_DECREF(r);
        }
        return mv_err_format(t, &mv_exc_TypeError, "can only concatenate tuple (not \"%s\") to tuple",
                             mv_type_name(b));
    }
    size_t na = mv_tuple_size(a), nb = mv_tuple_size(b);
    if (nb == 0 && a->type == &mv_tuple_type) return mv_newref(a);
    if (na == 0 && b->type == &mv_tuple_type) return mv_newref(b);
    Value r = mv_tuple_new(na + nb);
    for (size_t i = 0; i < na; i++) MV_TUPLE_SET(r, i, mv_newref(MV_TUPLE_GET(a, i)));
    for (size_t i = 0; i < nb; i++) MV_TUPLE_SET(r, na + i, mv_newref(MV_TUPLE_GET(b, i)));
    return r;
}

/* A built-in sequence type (str, bytes, list ...): its + and * slots are sequence concatenation
   and repetition, which CPython never tries as the reflected operation of another sequence. */
bool mv_seq_builtin_sequence(mv_type *tp) { return !(tp->flags & MV_TPFLAG_HEAPTYPE) && tp->getitem != NULL; }

/* Shared by list and tuple `seq * n`: resolves which side is the sequence and the count.
   Returns 1 (count in *n, sequence in *seq), 0 = NotImplemented, -1 error. */
int mv_seq_repeat_args(mv_thread *t, mv_type *seqtype, Value a, Value b, Value *seq, int64_t *n,
                       Value *result) {
    Value other;
    if (mv_isinstance_of(a, seqtype)) {
        *seq = a;
        other = b;
    } else {
        *seq = b;
        other = a;
    }
    if (MV_IS_SMALL(other) || mv_int_check(other) || MV_TYPE(other)->nb_index) {
        if (mv_index_int64(t, other, n) < 0) {
            if (mv_err_matches(t, &mv_exc_OverflowError)) {
                mv_err_clear(t);
                mv_err_format(t, &mv_exc_OverflowError, "cannot fit '%s' into an index-sized integer",
                              mv_type_name(other));
            }
            return -1;
        }
        if (*n < 0) *n = 0;
        return 1;
    }
    if (other == b) {
        /* seq * x where x is no int: give x's reflected operation its chance first, as CPython's
           binary_op1 does before falling back to sq_repeat's error. */
        mv_type *bt = MV_TYPE(b);
        if (bt->nb[MV_BINOP_MUL] && !mv_isinstance_of(b, seqtype) && !mv_seq_builtin_sequence(bt)) {
            Value r = bt->nb[MV_BINOP_MUL](t, a, b);
            if (!r) return -1;
            if (r != MV_NOTIMPL) {
                *result = r;
                return 2;
            }
            MV_DECREF(r);
        }
    }
    mv_err_format(t, &mv_exc_TypeError, "can't multiply sequence by non-int of type '%s'",
                  mv_type_name(other));
    return -1;
}

static Value tuple_mul(mv_thread *t, Value a, Value b) {
    Value seq, res = NULL;
    int64_t n;
    int k = mv_seq_repeat_args(t, &mv_tuple_type, a, b, &seq, &n, &res);
    if (k < 0) return NULL;
    if (k == 2) return res;
    size_t sz = mv_tuple_size(seq);
    if (n == 1 && seq->type == &mv_tuple_type) return mv_newref(seq);
    if (n == 0 || sz == 0) return mv_newref(MV_EMPTY_TUPLE);
    if ((uint64_t)n > (SIZE_MAX / sizeof(Value)) / sz) return mv_err_nomem(t);
    Value r = mv_tuple_new(sz * (size_t)n);
    size_t k2 = 0;
    for (int64_t j = 0; j < n; j++)
        for (size_t i = 0; i < sz; i++) MV_TUPLE_SET(r, k2++, mv_newref(MV_TUPLE_GET(seq, i)));
    return r;
}

/* ---- methods ------------------------------------------------------------------------------- */

static Value tuple_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "count", kwnames) < 0) return NULL;
    if (nargs != 1)
        return mv_err_format(t, &mv_exc_TypeError, "tuple.count() takes exactly one argument (%d given)", (int)nargs);
    int64_t c = 0;
    for (size_t i = 0; i < mv_tuple_size(self); i++) {
        int k = mv_richcompare_bool(t, MV_TUPLE_GET(self, i), args[0], MV_EQ);
        if (k < 0) return NULL;
        c += k;
    }
    return mv_int_from_i64(c);
}

/* Parse the optional start/stop arguments of list.index / tuple.index (slice-like clamping). */
int mv_seq_index_range(mv_thread *t, const char *fname, Value *args, size_t nargs, size_t len,
                       size_t *start, size_t *stop) {
    int64_t s = 0, e = (int64_t)len;
    if (nargs < 1 || nargs > 3) {
        if (nargs < 1)
            mv_err_format(t, &mv_exc_TypeError, "%s expected at least 1 argument, got %d", fname, (int)nargs);
        else
            mv_err_format(t, &mv_exc_TypeError, "%s expected at most 3 arguments, got %d", fname, (int)nargs);
        return -1;
    }
    for (size_t i = 1; i < nargs; i++) {
        int64_t v;
        if (!mv_int_check(args[i]) && !MV_TYPE(args[i])->nb_index) {
            mv_err_set(t, &mv_exc_TypeError, "slice indices must be integers or have an __index__ method");
            return -1;
        }
        if (mv_index_int64(t, args[i], &v) < 0) {
            if (!mv_err_matches(t, &mv_exc_OverflowError)) return -1;
            mv_err_clear(t);
            v = mv_int_sign(args[i]) < 0 ? INT64_MIN / 2 : INT64_MAX / 2;
        }
        if (v < 0) {
            v += (int64_t)len;
            if (v < 0) v = 0;
        }
        if (v > (int64_t)len) v = (int64_t)len;
        if (i == 1) s = v;
        else e = v;
    }
    *start = (size_t)s;
    *stop = (size_t)e;
    return 0;
}

static Value tuple_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "index", kwnames) < 0) return NULL;
    size_t start, stop;
    if (mv_seq_index_range(t, "index", args, nargs, mv_tuple_size(self), &start, &stop) < 0) return NULL;
    for (size_t i = start; i < stop && i < mv_tuple_size(self); i++) {
        int k = mv_richcompare_bool(t, MV_TUPLE_GET(self, i), args[0], MV_EQ);
        if (k < 0) return NULL;
        if (k) return mv_int_from_i64((int64_t)i);
    }
    return mv_err_set(t, &mv_exc_ValueError, "tuple.index(x): x not in tuple");
}

static Value tuple_getnewargs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value c = mv_tuple_from_array(mv_tuple_items(self), mv_tuple_size(self));
    Value r = mv_tuple_pack(1, c);
    MV_DECREF(c);
    return r;
}

static const mv_method_def tuple_methods[] = {
    {"count", tuple_count, 0, "Return number of occurrences of value."},
    {"index", tuple_index, 0, "Return first index of value."},
    {"__getnewargs__", tuple_getnewargs, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- iterator ------------------------------------------------------------------------------ */

typedef struct {
    mv_object ob;
    Value seq; /* NULL once exhausted */
    size_t index;
} tuple_iter;


static Value tuple_iter_new(mv_thread *t, Value self) {
    tuple_iter *it = (tuple_iter *)mv_object_new(&mv_tuple_iter_type);
    it->seq = mv_newref(self);
    it->index = 0;
    return (Value)it;
}

static Value tuple_iter_next(mv_thread *t, Value self) {
    tuple_iter *it = (tuple_iter *)self;
    if (!it->seq) return NULL;
    if (it->index < mv_tuple_size(it->seq)) return mv_newref(MV_TUPLE_GET(it->seq, it->index++));
    MV_CLEAR(it->seq);
    return NULL;
}

static void tuple_iter_dealloc(Value self) { MV_XDECREF(((tuple_iter *)self)->seq); }

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static Value tuple_iter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    tuple_iter *it = (tuple_iter *)self;
    return mv_int_from_i64(it->seq ? (int64_t)(mv_tuple_size(it->seq) - it->index) : 0);
}

static const mv_method_def tuple_iter_methods[] = {
    {"__length_hint__", tuple_iter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_tuple_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "tuple_iterator",
    .basicsize = sizeof(tuple_iter),
    .base = &mv_object_type,
    .dealloc = tuple_iter_dealloc,
    .iter = iter_self,
    .iternext = tuple_iter_next,
    .methods = tuple_iter_methods,
};

mv_type mv_tuple_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "tuple",
    .basicsize = sizeof(mv_tuple),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_TUPLE_SUBCLASS,
    .base = &mv_object_type,
    .doc = "Built-in immutable sequence.",
    .tp_new = tuple_tp_new,
    .dealloc = tuple_dealloc,
    .repr = tuple_repr,
    .hash = tuple_hash,
    .richcompare = tuple_richcompare,
    .iter = tuple_iter_new,
    .len = tuple_len,
    .getitem = tuple_getitem,
    .contains = tuple_contains,
    .nb = {[MV_BINOP_ADD] = tuple_add, [MV_BINOP_MUL] = tuple_mul},
    .methods = tuple_methods,
};
