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

static int range_arg(mv_thread *t, Value v, int64_t *out) {
    if (MV_IS_SMALL(v)) {
        *out = MV_SMALL_VAL(v);
        return 0;
    }
    if (mv_index_int64(t, v, out) < 0) {
        if (mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        }
        return -1;
    }
    return 0;
}

static Value range_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "range() takes no keyword arguments");
    int64_t start = 0, stop, step = 1;
    switch (nargs) {
    case 1:
        if (range_arg(t, args[0], &stop) < 0) return NULL;
        break;
    case 2:
    case 3:
        if (range_arg(t, args[0], &start) < 0 || range_arg(t, args[1], &stop) < 0) return NULL;
        if (nargs == 3 && range_arg(t, args[2], &step) < 0) return NULL;
        break;
    case 0: return mv_err_set(t, &mv_exc_TypeError, "range expected at least 1 argument, got 0");
    default: return mv_err_format(t, &mv_exc_TypeError, "range expected at most 3 arguments, got %d", (int)nargs);
    }
    return mv_range_new(t, start, stop, step);
}

static Value range_repr(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->step == 1) return mv_str_fromf("range(%lld, %lld)", (long long)r->start, (long long)r->stop);
    return mv_str_fromf("range(%lld, %lld, %lld)", (long long)r->start, (long long)r->stop, (long long)r->step);
}

static int64_t range_len(mv_thread *t, Value self) {
    mv_range *r = (mv_range *)self;
    if (r->len < 0) {
        mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        return -1;
    }
    return r->len;
}

static int range_bool(mv_thread *t, Value self) { return ((mv_range *)self)->len != 0; }

static int64_t item_at(mv_range *r, int64_t i) { return (int64_t)((uint64_t)r->start + (uint64_t)i * (uint64_t)r->step); }

static Value range_getitem(mv_thread *t, Value self, Value key) {
    mv_range *r = (mv_range *)self;
    int64_t i;
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
    if (x->len != y->len) eq = false;
    else if (x->len == 0) eq = true;
    else if (x->start != y->start) eq = false;
    else if (x->len == 1) eq = true;
    else eq = x->step == y->step;
    return mv_newref(MV_BOOL(op == MV_EQ ? eq : !eq));
}

/* CPython: hash((len, start, step)) with start/step replaced by None where they don't matter */
static int range_hash(mv_thread *t, Value self, int64_t *out) {
    mv_range *r = (mv_range *)self;
    Value len = mv_int_from_i64(r->len), start = mv_int_from_i64(r->start), step = mv_int_from_i64(r->step);
    Value tup;
    if (r->len == 0) tup = mv_tuple_pack(3, len, MV_NONE, MV_NONE);
    else if (r->len == 1) tup = mv_tuple_pack(3, len, start, MV_NONE);
    else tup = mv_tuple_pack(3, len, start, step);
    int rc = mv_hash(t, tup, out);
    MV_DECREF(tup);
    MV_DECREF(len);
    MV_DECREF(start);
    MV_DECREF(step);
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
    if (r->len <= 0) {
        if (r->len < 0) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C ssize_t");
        return range_iter_make(r->start, r->step, 0);
    }
    return range_iter_make(item_at(r, r->len - 1), (int64_t)(0 - (uint64_t)r->step), (uint64_t)r->len);
}

static Value range_get_start(mv_thread *t, Value self) { return mv_int_from_i64(((mv_range *)self)->start); }
static Value range_get_stop(mv_thread *t, Value self) { return mv_int_from_i64(((mv_range *)self)->stop); }
static Value range_get_step(mv_thread *t, Value self) { return mv_int_from_i64(((mv_range *)self)->step); }

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

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

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
