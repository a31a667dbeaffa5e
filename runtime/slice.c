/* slice.c: slice objects (start/stop/step, indices(), repr, comparison) and mv_slice_indices,
 * which resolves a slice against a sequence length exactly as CPython's PySlice_Unpack +
 * PySlice_AdjustIndices do.
 */
#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

Value mv_slice_new(Value start, Value stop, Value step) {
    mv_slice *s = (mv_slice *)mv_object_new(&mv_slice_type);
    s->start = mv_newref(start ? start : MV_NONE);
    s->stop = mv_newref(stop ? stop : MV_NONE);
    s->step = mv_newref(step ? step : MV_NONE);
    return (Value)s;
}

static void slice_dealloc(Value self) {
    mv_slice *s = (mv_slice *)self;
    MV_XDECREF(s->start);
    MV_XDECREF(s->stop);
    MV_XDECREF(s->step);
}

/* A slice bound as int64, clamped to [-INT64_MAX, INT64_MAX] as _PyEval_SliceIndex does. */
static int slice_bound(mv_thread *t, Value v, int64_t *out) {
    if (MV_IS_SMALL(v)) {
        *out = MV_SMALL_VAL(v);
        return 0;
    }
    if (!mv_int_check(v) && !MV_TYPE(v)->nb_index) {
        mv_err_set(t, &mv_exc_TypeError, "slice indices must be integers or None or have an __index__ method");
        return -1;
    }
    if (mv_index_int64(t, v, out) < 0) {
        if (!mv_err_matches(t, &mv_exc_OverflowError)) return -1;
        mv_err_clear(t);
        Value iv = mv_number_index(t, v);
        if (!iv) return -1;
        *out = mv_int_sign(iv) < 0 ? -INT64_MAX : INT64_MAX;
        MV_DECREF(iv);
    }
    return 0;
}

/* PySlice_Unpack */
static int slice_unpack(mv_thread *t, Value slice, int64_t *start, int64_t *stop, int64_t *step) {
    mv_slice *s = (mv_slice *)slice;
    if (s->step == MV_NONE) *step = 1;
    else {
        if (slice_bound(t, s->step, step) < 0) return -1;
        if (*step == 0) {
            mv_err_set(t, &mv_exc_ValueError, "slice step cannot be zero");
            return -1;
        }
        if (*step < -INT64_MAX) *step = -INT64_MAX;
    }
    if (s->start == MV_NONE) *start = *step < 0 ? INT64_MAX : 0;
    else if (slice_bound(t, s->start, start) < 0) return -1;
    if (s->stop == MV_NONE) *stop = *step < 0 ? -INT64_MAX : INT64_MAX;
    else if (slice_bound(t, s->stop, stop) < 0) return -1;
    return 0;
}

/* PySlice_AdjustIndices */
static int64_t slice_adjust(int64_t length, int64_t *start, int64_t *stop, int64_t step) {
    if (*start < 0) {
        *start += length;
        if (*start < 0) *start = (step < 0) ? -1 : 0;
    } else if (*start >= length) {
        *start = (step < 0) ? length - 1 : length;
    }
    if (*stop < 0) {
        *stop += length;
        if (*stop < 0) *stop = (step < 0) ? -1 : 0;
    } else if (*stop >= length) {
        *stop = (step < 0) ? length - 1 : length;
    }
    if (step < 0) {
        if (*stop < *start) return (*start - *stop - 1) / (-step) + 1;
    } else {
        if (*start < *stop) return (*stop - *start - 1) / step + 1;
    }
    return 0;
}

int64_t mv_slice_indices(mv_thread *t, Value slice, int64_t length, int64_t *start, int64_t *stop,
                         int64_t *step) {
    if (slice_unpack(t, slice, start, stop, step) < 0) return -1;
    return slice_adjust(length, start, stop, *step);
}

static Value slice_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "slice() takes no keyword arguments");
    if (nargs == 0) return mv_err_set(t, &mv_exc_TypeError, "slice expected at least 1 argument, got 0");
    if (nargs > 3) return mv_err_format(t, &mv_exc_TypeError, "slice expected at most 3 arguments, got %d", (int)nargs);
    if (nargs == 1) return mv_slice_new(NULL, args[0], NULL);
    return mv_slice_new(args[0], args[1], nargs == 3 ? args[2] : NULL);
}

static Value slice_repr(mv_thread *t, Value self) {
    mv_slice *s = (mv_slice *)self;
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "slice(");
    if (mv_strbuf_add_value_repr(t, &b, s->start) < 0) goto fail;
    mv_strbuf_adds(&b, ", ");
    if (mv_strbuf_add_value_repr(t, &b, s->stop) < 0) goto fail;
    mv_strbuf_adds(&b, ", ");
    if (mv_strbuf_add_value_repr(t, &b, s->step) < 0) goto fail;
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
fail:
    mv_strbuf_free(&b);
    return NULL;
}

static Value slice_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_slice_check(a) || !mv_slice_check(b)) return mv_newref(MV_NOTIMPL);
    mv_slice *x = (mv_slice *)a, *y = (mv_slice *)b;
    Value ta = mv_tuple_pack(3, x->start, x->stop, x->step);
    Value tb = mv_tuple_pack(3, y->start, y->stop, y->step);
    Value r = mv_richcompare(t, ta, tb, op);
    MV_DECREF(ta);
    MV_DECREF(tb);
    return r;
}

static int slice_hash(mv_thread *t, Value self, int64_t *out) {
    mv_err_set(t, &mv_exc_TypeError, "unhashable type: 'slice'");
    return -1;
}

/* slice.indices(length) -> (start, stop, step) */
static Value slice_m_indices(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "indices", kwnames) < 0) return NULL;
    if (nargs != 1)
        return mv_err_format(t, &mv_exc_TypeError, "slice.indices() takes exactly one argument (%d given)", (int)nargs);
    int64_t len;
    if (mv_index_int64(t, args[0], &len) < 0) return NULL;
    if (len < 0) return mv_err_set(t, &mv_exc_ValueError, "length should not be negative");
    int64_t start, stop, step;
    if (slice_unpack(t, self, &start, &stop, &step) < 0) return NULL;
    /* indices() clamps without PySlice_AdjustIndices's count: start/stop within [0, len] or
       [-1, len-1] for negative steps */
    slice_adjust(len, &start, &stop, step);
    Value a = mv_int_from_i64(start), b = mv_int_from_i64(stop), c = mv_int_from_i64(step);
    Value r = mv_tuple_pack(3, a, b, c);
    MV_DECREF(a);
    MV_DECREF(b);
    MV_DECREF(c);
    return r;
}

static Value slice_get_start(mv_thread *t, Value self) { return mv_newref(((mv_slice *)self)->start); }
static Value slice_get_stop(mv_thread *t, Value self) { return mv_newref(((mv_slice *)self)->stop); }
static Value slice_get_step(mv_thread *t, Value self) { return mv_newref(((mv_slice *)self)->step); }

static const mv_getset_def slice_getsets[] = {
    {"start", slice_get_start, NULL},
    {"stop", slice_get_stop, NULL},
    {"step", slice_get_step, NULL},
    {NULL, NULL, NULL},
};

static const mv_method_def slice_methods[] = {
    {"indices", slice_m_indices, 0, "S.indices(len) -> (start, stop, stride)"},
    {NULL, NULL, 0, NULL},
};

mv_type mv_slice_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "slice",
    .basicsize = sizeof(mv_slice),
    .base = &mv_object_type,
    .tp_new = slice_tp_new,
    .dealloc = slice_dealloc,
    .repr = slice_repr,
    .hash = slice_hash,
    .richcompare = slice_richcompare,
    .methods = slice_methods,
    .getsets = slice_getsets,
};
