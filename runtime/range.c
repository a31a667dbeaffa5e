/* range.c: range objects (int64 bounds, O(1) length/indexing/`in` for ints, slicing into a new
 * range, count/index, ==/hash as sequences, repr) and the range iterator with a C counter.
 */
#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

/* Number of items, or -1 when it does not fit in an int64. */
static int64_t range_length(int64_t start, int64_t stop, int64_t step) {
    uint64_t n;
    if (step > 0) {
        if (start >= stop) return 0;
        n = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    } else {
        if (start <= stop) return 0;
        n = ((uint64_t)start - (uint64_t)stop - 1) / (0 - (uint64_t)step) + 1;
    }
    return n > (uint64_t)INT64_MAX ? -1 : (int64_t)n;
}

static Value range_alloc(int64_t start, int64_t stop, int64_t step) {
    mv_range *r = (mv_range *)mv_object_new(&mv_range_type);
    r->start = start;
    r->stop = stop;
    r->step = step;
    r->len = range_length(start, stop, step);
    return (Value)r;
}

Value mv_range_new(mv_thread *t, int64_t start, int64_t stop, int64_t step) {
    if (step == 0) return mv_err_set(t, &mv_exc_ValueError, "range() arg 3 must not be zero");
    return range_alloc(start, stop, step);
}

/* ---- big mode: bounds as int objects (arithmetic through the int type) ---------------------- */

#define ZERO MV_FROM_SMALL(0)
#define ONE MV_FROM_SMALL(1)
static Value add(mv_thread *t, Value a, Value b) { return mv_binary_op(t, a, b, MV_BINOP_ADD); }
static Value sub(mv_thread *t, Value a, Value b) { return mv_binary_op(t, a, b, MV_BINOP_SUB); }
static Value mul(mv_thread *t, Value a, Value b) { return mv_binary_op(t, a, b, MV_BINOP_MUL); }
static Value fdiv(mv_thread *t, Value a, Value b) { return mv_binary_op(t, a, b, MV_BINOP_FLOORDIV); }
static int cmp(mv_thread *t, Value a, Value b, int op) { return mv_richcompare_bool(t, a, b, op); }

/* CPython's compute_range_length */
static Value big_length(mv_thread *t, Value start, Value stop, Value step) {
    Value lo, hi, st;
    if (cmp(t, step, ZERO, MV_GT)) {
        lo = start;
        hi = stop;
        st = mv_newref(step);
    } else {
        lo = stop;
        hi = start;
        st = mv_unary_neg(t, step);
    }
    if (cmp(t, lo, hi, MV_GE)) {
        MV_DECREF(st);
        return ZERO;
    }
    Value d = sub(t, hi, lo), d1 = sub(t, d, ONE), q = fdiv(t, d1, st), r = add(t, q, ONE);
    MV_DECREF(d);
    MV_DECREF(d1);
    MV_DECREF(q);
    MV_DECREF(st);
    return r;
}

/* The four numbers of any range as int objects (new refs). */
static void range_values(mv_range *r, Value *start, Value *stop, Value *step, Value *len) {
    if (r->bstart) {
        *start = mv_newref(r->bstart);
        *stop = mv_newref(r->bstop);
        *step = mv_newref(r->bstep);
        *len = mv_newref(r->blen);
    } else {
        *start = mv_int_from_i64(r->start);
        *stop = mv_int_from_i64(r->stop);
        *step = mv_int_from_i64(r->step);
        *len = mv_int_from_i64(r->len);
    }
}

static void release4(Value a, Value b, Value c, Value d) {
    MV_DECREF(a);
    MV_DECREF(b);
    MV_DECREF(c);
    MV_DECREF(d);
}

static Value range_from_values(mv_thread *t, Value start, Value stop, Value step) {
    int64_t a, b, c;
    if (mv_int_as_i64(t, start, &a) == 0 && mv_int_as_i64(t, stop, &b) == 0 && mv_int_as_i64(t, step, &c) == 0 &&
        range_length(a, b, c) >= 0)
        return range_alloc(a, b, c);
    mv_err_clear(t);
    mv_range *r = (mv_range *)mv_object_new(&mv_range_type);
    r->bstart = mv_newref(start);
    r->bstop = mv_newref(stop);
    r->bstep = mv_newref(step);
    r->blen = big_length(t, start, stop, step);
    r->len = -1;
    return (Value)r;
}

static void range_dealloc(Value self) {
    mv_range *r = (mv_range *)self;
    MV_XDECREF(r->bstart);
    MV_XDECREF(r->bstop);
    MV_XDECREF(r->bstep);
    MV_XDECREF(r->blen);
}

/* the long-range iterator: counts with int objects */
typedef struct {
    mv_object ob;
    Value next, step, remaining;
} big_iter;

static mv_type big_iter_type;

static Value big_iter_new(Value next, Value step, Value n) {
    big_iter *it = (big_iter *)mv_object_new(&big_iter_type);
    it->next = next;
    it->step = step;
    it->remaining = n;
    return (Value)it;
}

static Value big_iter_next(mv_thread *t, Value self) {
    big_iter *it = (big_iter *)self;
    if (cmp(t, it->remaining, ZERO, MV_LE)) return NULL;
    Value v = it->next;
    it->next = add(t, v, it->step);
    Value rem = sub(t, it->remaining, ONE);
    MV_DECREF(it->remaining);
    it->remaining = rem;
    return v;
}

static void big_iter_dealloc(Value self) {
    big_iter *it = (big_iter *)self;
    MV_XDECREF(it->next);
    MV_XDECREF(it->step);
    MV_XDECREF(it->remaining);
}

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static mv_type big_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "longrange_iterator",
    .basicsize = sizeof(big_iter),
    .base = &mv_object_type,
    .dealloc = big_iter_dealloc,
    .iter = iter_self,
    .iternext = big_iter_next,
};

static Value range_arg(mv_thread *t, Value v) {
    if (MV_IS_SMALL(v)) return v;
    return mv_number_index(t, v);
}

static Value range_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "range() takes no keyword arguments");
    if (nargs == 0) return mv_err_set(t, &mv_exc_TypeError, "range expected at least 1 argument, got 0");
    if (nargs > 3) return mv_err_format(t, &mv_exc_TypeError, "range expected at most 3 arguments, got %d", (int)nargs);
    Value v[3] = {ZERO, NULL, ONE};
    for (size_t i = 0; i < nargs; i++) {
        Value x = range_arg(t, args[i]);
        if (!x) {
            for (size_t j = 0; j < 3; j++) MV_XDECREF(v[j]);
            return NULL;
        }
        v[nargs == 1 ? 1 : i] = x;
    }
    Value r;
    if (MV_IS_SMALL(v[0]) && MV_IS_SMALL(v[1]) && MV_IS_SMALL(v[2]))
        r = mv_range_new(t, MV_SMALL_VAL(v[0]), MV_SMALL_VAL(v[1]), MV_SMALL_VAL(v[2]));
    else if (MV_IS_SMALL(v[2]) && MV_SMALL_VAL(v[2]) == 0)
        r = mv_err_set(t, &mv_exc_ValueError, "range() arg 3 must not be zero");
    else
        r = range_from_values(t, v[0], v[1], v[2]);
    for (size_t j = 0; j < 3; j++) MV_XDECREF(v[j]);
    return r;
}

static Value big_repr(mv_thread *t, mv_range *r) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "range(");
    mv_strbuf_add_value_repr(t, &b, r->bstart);
    mv_strbuf_adds(&b, ", ");
    mv_strbuf_add_value_repr(t, &b, r->bstop);
    if (!(MV_IS_SMALL(r->bstep) && MV_SMALL_VAL(r->bstep) == 1)) {
        mv_strbuf_adds(&b, ", ");
        mv_strbuf_add_value_repr(t, &b, r->bstep);
    }
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
}

/* r[i] for big mode (i any int) */
static Value big_item(mv_thread *t, mv_range *r, Value key) {
    Value i = mv_number_index(t, key);
    if (!i) return NULL;
    if (cmp(t, i, ZERO, MV_LT)) {
        Value j = add(t, i, r->blen);
        MV_DECREF(i);
        i = j;
    }
    if (cmp(t, i, ZERO, MV_LT) || cmp(t, i, r->blen, MV_GE)) {
        MV_DECREF(i);
        return mv_err_set(t, &mv_exc_IndexError, "range object index out of range");
    }
    Value off = mul(t, i, r->bstep), res = add(t, r->bstart, off);
    MV_DECREF(off);
    MV_DECREF(i);
    return res;
}

/* 1/0: x (an int) is in the range, by arithmetic on int objects */
static int big_contains_int(mv_thread *t, mv_range *r, Value x) {
    Value start, stop, step, len;
    range_values(r, &start, &stop, &step, &len);
    int in;
    if (cmp(t, step, ZERO, MV_GT)) in = cmp(t, start, x, MV_LE) && cmp(t, x, stop, MV_LT);
    else in = cmp(t, stop, x, MV_LT) && cmp(t, x, start, MV_LE);
    if (in) {
        Value d = sub(t, x, start), m = mv_binary_op(t, d, step, MV_BINOP_MOD);
        in = MV_IS_SMALL(m) && MV_SMALL_VAL(m) == 0;
        MV_DECREF(d);
        MV_DECREF(m);
    }
    release4(start, stop, step, len);
    return in;
}

static Value range_repr(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) return big_repr(t, r);
    if (r->step == 1) return mv_str_fromf("range(%lld, %lld)", (long long)r->start, (long long)r->stop);
    return mv_str_fromf("range(%lld, %lld, %lld)", (long long)r->start, (long long)r->stop, (long long)r->step);
}

static int64_t range_len(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) {
        int64_t n;
        if (mv_int_as_i64(t, r->blen, &n) == 0) return n;
        mv_err_clear(t);
    }
    if (r->len < 0) {
        mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        return -1;
    }
    return r->len;
}

static int range_bool(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) return !(MV_IS_SMALL(r->blen) && MV_SMALL_VAL(r->blen) == 0);
    return r->len != 0;
}

static int64_t item_at(mv_range *r, int64_t i) { return (int64_t)((uint64_t)r->start + (uint64_t)i * (uint64_t)r->step); }

static Value range_getitem(mv_thread *t, Value self, Value key) {
    mv_range *r = (mv_range *)self;
    int64_t i;
    if (r->bstart) {
        if (mv_int_check(key) || MV_TYPE(key)->nb_index) return big_item(t, r, key);
        if (mv_slice_check(key)) {
            int64_t n, start, stop, step;
            if (mv_int_as_i64(t, r->blen, &n) < 0) return NULL;
            if (mv_slice_indices(t, key, n, &start, &stop, &step) < 0) return NULL;
            Value a = mv_int_from_i64(start), b = mv_int_from_i64(stop), c = mv_int_from_i64(step);
            Value oa = mul(t, a, r->bstep), ob = mul(t, b, r->bstep);
            Value na = add(t, r->bstart, oa), nb = add(t, r->bstart, ob), nc = mul(t, c, r->bstep);
            Value res = range_from_values(t, na, nb, nc);
            release4(a, b, c, oa);
            release4(ob, na, nb, nc);
            return res;
        }
        return mv_err_format(t, &mv_exc_TypeError, "range indices must be integers or slices, not %s", mv_type_name(key));
    }
    int k = mv_seq_index_arg(t, key, &i);
    if (k > 0) {
        if (r->len < 0) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        if (i < 0) i += r->len;
        if (i < 0 || i >= r->len) return mv_err_set(t, &mv_exc_IndexError, "range object index out of range");
        return mv_int_from_i64(item_at(r, i));
    }
    if (k < 0) return NULL;
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        if (mv_slice_indices(t, key, r->len < 0 ? INT64_MAX : r->len, &start, &stop, &step) < 0) return NULL;
        return range_alloc(item_at(r, start), item_at(r, stop), (int64_t)((uint64_t)r->step * (uint64_t)step));
    }
    return mv_err_format(t, &mv_exc_TypeError, "range indices must be integers or slices, not %s", mv_type_name(key));
}

/* 1/0 for an exact int (or bool) value: arithmetic instead of a scan */
static int range_contains_int(mv_range *r, Value v) {
    int64_t x;
    if (MV_IS_SMALL(v)) x = MV_SMALL_VAL(v);
    else if (v == MV_TRUE) x = 1;
    else if (v == MV_FALSE) x = 0;
    else return 0; /* a bigint: outside every int64 range */
    if (r->step > 0) {
        if (x < r->start || x >= r->stop) return 0;
        return ((uint64_t)x - (uint64_t)r->start) % (uint64_t)r->step == 0;
    }
    if (x > r->start || x <= r->stop) return 0;
    return ((uint64_t)r->start - (uint64_t)x) % (0 - (uint64_t)r->step) == 0;
}

static bool is_exact_int(Value v) { return MV_IS_SMALL(v) || v->type == &mv_int_type || v->type == &mv_bool_type; }

static int range_contains(mv_thread *t, Value self, Value v) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) {
        if (is_exact_int(v)) return big_contains_int(t, r, v);
        /* other values: a scan, as CPython's _PySequence_IterSearch */
        Value it = mv_iter(t, self), x;
        int found = 0;
        if (!it) return -1;
        while (!found && (x = mv_next(t, it)) != NULL) {
            found = mv_richcompare_bool(t, x, v, MV_EQ);
            MV_DECREF(x);
        }
        MV_DECREF(it);
        return found < 0 || mv_err_occurred(t) ? -1 : found;
    }
    if (is_exact_int(v)) return range_contains_int(r, v);
    for (int64_t i = 0; i < r->len; i++) {
        Value x = mv_int_from_i64(item_at(r, i));
        int k = mv_richcompare_bool(t, x, v, MV_EQ);
        MV_DECREF(x);
        if (k != 0) return k;
    }
    return 0;
}

static Value range_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (MV_IS_SMALL(a) || MV_IS_SMALL(b) || a->type != &mv_range_type || b->type != &mv_range_type ||
        (op != MV_EQ && op != MV_NE))
        return mv_newref(MV_NOTIMPL);
    mv_range *x = (mv_range *)a, *y = (mv_range *)b;
    bool eq;
    if (x->bstart || y->bstart) {
        Value s1, e1, st1, l1, s2, e2, st2, l2;
        range_values(x, &s1, &e1, &st1, &l1);
        range_values(y, &s2, &e2, &st2, &l2);
        if (!cmp(t, l1, l2, MV_EQ)) eq = false;
        else if (cmp(t, l1, ZERO, MV_EQ)) eq = true;
        else if (!cmp(t, s1, s2, MV_EQ)) eq = false;
        else if (cmp(t, l1, ONE, MV_EQ)) eq = true;
        else eq = cmp(t, st1, st2, MV_EQ);
        release4(s1, e1, st1, l1);
        release4(s2, e2, st2, l2);
    } else if (x->len != y->len) eq = false;
    else if (x->len == 0) eq = true;
    else if (x->start != y->start) eq = false;
    else if (x->len == 1) eq = true;
    else eq = x->step == y->step;
    return mv_newref(MV_BOOL(op == MV_EQ ? eq : !eq));
}

/* CPython: hash((len, start, step)) with start/step replaced by None where they don't matter */
static int range_hash(mv_thread *t, Value self, int64_t *out) {
    mv_range *r = (mv_range *)self;
    Value start, stop, step, len;
    range_values(r, &start, &stop, &step, &len);
    Value tup;
    if (cmp(t, len, ZERO, MV_EQ)) tup = mv_tuple_pack(3, len, MV_NONE, MV_NONE);
    else if (cmp(t, len, ONE, MV_EQ)) tup = mv_tuple_pack(3, len, start, MV_NONE);
    else tup = mv_tuple_pack(3, len, start, step);
    int rc = mv_hash(t, tup, out);
    MV_DECREF(tup);
    release4(start, stop, step, len);
    return rc;
}

static Value range_iter_make(int64_t next, int64_t step, uint64_t n) {
    mv_range_iter *it = (mv_range_iter *)mv_object_new(&mv_range_iter_type);
    it->next = next;
    it->step = step;
    it->remaining = n;
    return (Value)it;
}

static Value range_iter(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) return big_iter_new(mv_newref(r->bstart), mv_newref(r->bstep), mv_newref(r->blen));
    uint64_t n = (uint64_t)r->len;
    if (r->len < 0) {
        /* more items than an int64 counts: count in unsigned */
        n = r->step > 0 ? ((uint64_t)r->stop - (uint64_t)r->start - 1) / (uint64_t)r->step + 1
                        : ((uint64_t)r->start - (uint64_t)r->stop - 1) / (0 - (uint64_t)r->step) + 1;
    }
    return range_iter_make(r->start, r->step, n);
}

/* ---- methods ------------------------------------------------------------------------------- */

static Value range_m_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "count", kwnames) < 0) return NULL;
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "range.count() takes exactly one argument (%d given)", (int)nargs);
    mv_range *r = (mv_range *)self;
    if (r->bstart && is_exact_int(args[0])) return mv_int_from_i64(big_contains_int(t, r, args[0]));
    if (is_exact_int(args[0])) return mv_int_from_i64(range_contains_int(r, args[0]));
    int64_t c = 0;
    for (int64_t i = 0; i < r->len; i++) {
        Value x = mv_int_from_i64(item_at(r, i));
        int k = mv_richcompare_bool(t, x, args[0], MV_EQ);
        MV_DECREF(x);
        if (k < 0) return NULL;
        c += k;
    }
    return mv_int_from_i64(c);
}

static Value range_m_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "index", kwnames) < 0) return NULL;
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "range.index() takes exactly one argument (%d given)", (int)nargs);
    mv_range *r = (mv_range *)self;
    Value v = args[0];
    if (r->bstart) {
        if (is_exact_int(v) && big_contains_int(t, r, v)) {
            Value d = sub(t, v, r->bstart), q = fdiv(t, d, r->bstep);
            MV_DECREF(d);
            return q;
        }
        return mv_err_format(t, &mv_exc_ValueError, "%R is not in range", v);
    }
    if (is_exact_int(v)) {
        if (range_contains_int(r, v)) {
            int64_t x = MV_IS_SMALL(v) ? MV_SMALL_VAL(v) : (v == MV_TRUE);
            return mv_int_from_i64((int64_t)(((uint64_t)x - (uint64_t)r->start) / (uint64_t)r->step));
        }
    } else {
        for (int64_t i = 0; i < r->len; i++) {
            Value x = mv_int_from_i64(item_at(r, i));
            int k = mv_richcompare_bool(t, x, v, MV_EQ);
            MV_DECREF(x);
            if (k < 0) return NULL;
            if (k) return mv_int_from_i64(i);
        }
    }
    return mv_err_format(t, &mv_exc_ValueError, "%R is not in range", v);
}

static Value range_m_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_range *r = (mv_range *)self;
    if (r->bstart) {
        if (cmp(t, r->blen, ZERO, MV_EQ)) return big_iter_new(mv_newref(r->bstart), mv_newref(r->bstep), ZERO);
        Value l1 = sub(t, r->blen, ONE), off = mul(t, l1, r->bstep), last = add(t, r->bstart, off);
        MV_DECREF(l1);
        MV_DECREF(off);
        return big_iter_new(last, mv_unary_neg(t, r->bstep), mv_newref(r->blen));
    }
    if (r->len <= 0) {
        if (r->len < 0) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        return range_iter_make(r->start, r->step, 0);
    }
    return range_iter_make(item_at(r, r->len - 1), (int64_t)(0 - (uint64_t)r->step), (uint64_t)r->len);
}

static Value range_get_start(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    return r->bstart ? mv_newref(r->bstart) : mv_int_from_i64(r->start);
}
static Value range_get_stop(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    return r->bstart ? mv_newref(r->bstop) : mv_int_from_i64(r->stop);
}
static Value range_get_step(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    return r->bstart ? mv_newref(r->bstep) : mv_int_from_i64(r->step);
}

static const mv_getset_def range_getsets[] = {
    {"start", range_get_start, NULL},
    {"stop", range_get_stop, NULL},
    {"step", range_get_step, NULL},
    {NULL, NULL, NULL},
};

static const mv_method_def range_methods[] = {
    {"count", range_m_count, 0, "rangeobject.count(value) -> integer -- return number of occurrences of value"},
    {"index", range_m_index, 0, "rangeobject.index(value) -> integer -- return index of value."},
    {"__reversed__", range_m_reversed, 0, "Return a reverse iterator."},
    {NULL, NULL, 0, NULL},
};

mv_type mv_range_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "range",
    .basicsize = sizeof(mv_range),
    .base = &mv_object_type,
    .doc = "range(stop) -> range object\nrange(start, stop[, step]) -> range object",
    .tp_new = range_tp_new,
    .dealloc = range_dealloc,
    .repr = range_repr,
    .hash = range_hash,
    .richcompare = range_richcompare,
    .bool_ = range_bool,
    .iter = range_iter,
    .len = range_len,
    .getitem = range_getitem,
    .contains = range_contains,
    .methods = range_methods,
    .getsets = range_getsets,
};

/* ---- iterator ------------------------------------------------------------------------------ */

static Value range_iter_next(mv_thread *t, Value self) {
    mv_range_iter *it = (mv_range_iter *)self;
    if (it->remaining == 0) return NULL;
    it->remaining--;
    int64_t v = it->next;
    it->next = (int64_t)((uint64_t)v + (uint64_t)it->step);
    return mv_int_from_i64(v);
}


static Value range_iter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_u64(((mv_range_iter *)self)->remaining);
}

static const mv_method_def range_iter_methods[] = {
    {"__length_hint__", range_iter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_range_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "range_iterator",
    .basicsize = sizeof(mv_range_iter),
    .base = &mv_object_type,
    .iter = iter_self,
    .iternext = range_iter_next,
    .methods = range_iter_methods,
};
