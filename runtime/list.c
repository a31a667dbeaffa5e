/* list.c: the list type: a growable array with CPython's over-allocation, indexing and slice
 * assignment, + * += *=, lexicographic comparison, repr (with the shared recursion guard that
 * prints "[...]"), the list methods, a stable merge sort using only `<`, and list iterators.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "float.h"
#include "list.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

/* ---- repr recursion guard (CPython's Py_ReprEnter): the objects whose repr is in progress,
   per thread; a plain array is enough since it is only touched with the GIL held. ---------- */

typedef struct {
    mv_thread *t;
    Value v;
} repr_entry;
static repr_entry *repr_stack;
static size_t repr_n, repr_cap;

int mv_repr_enter(mv_thread *t, Value v) {
    for (size_t i = 0; i < repr_n; i++)
        if (repr_stack[i].v == v && repr_stack[i].t == t) return 1;
    /* deeply nested containers: RecursionError rather than a C stack overflow */
    if (mv_enter_recursive_call(t, " while getting the repr of an object") < 0) return -1;
    if (repr_n == repr_cap) {
        repr_cap = repr_cap ? repr_cap * 2 : 16;
        repr_stack = mv_realloc(repr_stack, repr_cap * sizeof(repr_entry));
    }
    repr_stack[repr_n].t = t;
    repr_stack[repr_n].v = v;
    repr_n++;
    return 0;
}

void mv_repr_leave(mv_thread *t, Value v) {
    for (size_t i = repr_n; i-- > 0;) {
        if (repr_stack[i].v == v && repr_stack[i].t == t) {
            memmove(&repr_stack[i], &repr_stack[i + 1], (repr_n - i - 1) * sizeof(repr_entry));
            repr_n--;
            mv_leave_recursive_call(t);
            return;
        }
    }
}

/* ---- storage ------------------------------------------------------------------------------- */

/* Make room for `newsize` items, over-allocating as CPython's list_resize does. */
static void list_resize(mv_list *l, size_t newsize) {
    if (newsize <= l->cap && newsize >= (l->cap >> 1)) {
        l->size = newsize;
        return;
    }
    size_t newcap = (newsize + (newsize >> 3) + 6) & ~(size_t)3;
    if (newsize == 0) newcap = 0;
    if (newcap < newsize) newcap = newsize;
    l->items = mv_realloc(l->items, (newcap ? newcap : 1) * sizeof(Value));
    l->cap = newcap;
    l->size = newsize;
}

static Value list_alloc(mv_type *type, size_t size) {
    mv_list *l = (mv_list *)mv_object_new(type);
    l->size = size;
    l->cap = size;
    l->items = size ? mv_calloc(size, sizeof(Value)) : NULL;
    return (Value)l;
}

Value mv_list_new(size_t size) { return list_alloc(&mv_list_type, size); }

Value mv_list_from_array(Value *items, size_t n) {
    Value r = mv_list_new(n);
    for (size_t i = 0; i < n; i++) MV_LIST_SET(r, i, mv_newref(items[i]));
    return r;
}

void mv_list_append_steal(Value list, Value v) {
    mv_list *l = (mv_list *)list;
    if (l->size < l->cap) {
        l->items[l->size++] = v;
        return;
    }
    size_t n = l->size;
    list_resize(l, n + 1);
    l->items[n] = v;
}

void mv_list_append(Value list, Value v) {
    MV_INCREF(v);
    mv_list_append_steal(list, v);
}

/* Replace items [lo, hi) with the n items of `v` (borrowed; increfed here). */
static void list_replace(mv_list *l, size_t lo, size_t hi, Value *v, size_t n) {
    size_t old = hi - lo, size = l->size;
    Value *dead = NULL;
    if (old) {
        dead = mv_malloc(old * sizeof(Value));
        memcpy(dead, &l->items[lo], old * sizeof(Value));
    }
    for (size_t i = 0; i < n; i++) MV_INCREF(v[i]);
    if (n > old) {
        list_resize(l, size + (n - old));
        memmove(&l->items[hi + (n - old)], &l->items[hi], (size - hi) * sizeof(Value));
    } else if (n < old) {
        memmove(&l->items[lo + n], &l->items[hi], (size - hi) * sizeof(Value));
        list_resize(l, size - (old - n));
    }
    if (n) memcpy(&l->items[lo], v, n * sizeof(Value));
    /* release the old items last: their destructors may look at the list */
    for (size_t i = 0; i < old; i++) MV_DECREF(dead[i]);
    mv_free(dead);
}

int mv_list_extend(mv_thread *t, Value list, Value iterable) {
    mv_list *l = (mv_list *)list;
    if (!MV_IS_SMALL(iterable) && (iterable->type == &mv_list_type || iterable->type == &mv_tuple_type)) {
        size_t n = iterable->type == &mv_list_type ? mv_list_size(iterable) : mv_tuple_size(iterable);
        Value *src = iterable->type == &mv_list_type ? mv_list_items(iterable) : mv_tuple_items(iterable);
        size_t size = l->size;
        if (n == 0) return 0;
        list_resize(l, size + n);
        /* src may be l's own items (l.extend(l)): list_resize may have moved them */
        if (iterable == list) src = l->items;
        for (size_t i = 0; i < n; i++) l->items[size + i] = mv_newref(src[i]);
        return 0;
    }
    Value it = mv_iter(t, iterable);
    if (!it) return -1;
    Value x;
    while ((x = mv_next(t, it)) != NULL) mv_list_append_steal(list, x);
    MV_DECREF(it);
    return mv_err_occurred(t) ? -1 : 0;
}

static void list_clear_items(mv_list *l) {
    Value *items = l->items;
    size_t n = l->size;
    l->items = NULL;
    l->size = l->cap = 0;
    for (size_t i = 0; i < n; i++) MV_XDECREF(items[i]);
    mv_free(items);
}

static void list_dealloc(Value self) { list_clear_items((mv_list *)self); }

/* ---- construction -------------------------------------------------------------------------- */

static Value list_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    return list_alloc(type, 0);
}

static int list_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames) && self->type == &mv_list_type) {
        mv_err_set(t, &mv_exc_TypeError, "list() takes no keyword arguments");
        return -1;
    }
    if (nargs > 1) {
        mv_err_format(t, &mv_exc_TypeError, "list expected at most 1 argument, got %d", (int)nargs);
        return -1;
    }
    if (((mv_list *)self)->size) list_clear_items((mv_list *)self);
    if (nargs == 1) return mv_list_extend(t, self, args[0]);
    return 0;
}

/* ---- protocols ------------------------------------------------------------------------------ */

static Value list_repr(mv_thread *t, Value self) {
    mv_list *l = (mv_list *)self;
    if (l->size == 0) return mv_str_from_cstr("[]");
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_from_cstr("[...]") : NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_addc(&b, '[');
    /* the list may change while items' reprs run: re-check the size each time */
    for (size_t i = 0; i < l->size; i++) {
        if (i) mv_strbuf_add(&b, ", ", 2);
        Value x = mv_newref(l->items[i]);
        int k = mv_strbuf_add_value_repr(t, &b, x);
        MV_DECREF(x);
        if (k < 0) {
            mv_strbuf_free(&b);
            mv_repr_leave(t, self);
            return NULL;
        }
    }
    mv_strbuf_addc(&b, ']');
    mv_repr_leave(t, self);
    return mv_strbuf_finish(&b);
}

static Value list_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_list_check(a) || !mv_list_check(b)) return mv_newref(MV_NOTIMPL);
    /* compare on copies of the item arrays' references: __eq__ may mutate the lists */
    mv_list *la = (mv_list *)a, *lb = (mv_list *)b;
    if (la->size != lb->size && (op == MV_EQ || op == MV_NE)) return mv_newref(MV_BOOL(op == MV_NE));
    size_t i;
    for (i = 0; i < la->size && i < lb->size; i++) {
        Value x = la->items[i], y = lb->items[i];
        if (x == y) continue;
        MV_INCREF(x);
        MV_INCREF(y);
        int k = mv_richcompare_bool(t, x, y, MV_EQ);
        if (k == 1) {
            MV_DECREF(x);
            MV_DECREF(y);
            continue;
        }
        Value r;
        if (k < 0) r = NULL;
        else if (op == MV_EQ) r = mv_newref(MV_FALSE);
        else if (op == MV_NE) r = mv_newref(MV_TRUE);
        else r = mv_richcompare(t, x, y, op);
        MV_DECREF(x);
        MV_DECREF(y);
        return r;
    }
    return mv_seq_richcompare(t, NULL, la->size - i, NULL, lb->size - i, op);
}

static int list_hash(mv_thread *t, Value self, int64_t *out) {
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
    return -1;
}

static int64_t list_len(mv_thread *t, Value self) { return (int64_t)((mv_list *)self)->size; }

static Value list_slice(mv_list *l, int64_t start, int64_t step, int64_t n) {
    Value r = mv_list_new((size_t)n);
    for (int64_t j = 0, s = start; j < n; j++, s += step) MV_LIST_SET(r, j, mv_newref(l->items[s]));
    return r;
}

static Value list_getitem(mv_thread *t, Value self, Value key) {
    mv_list *l = (mv_list *)self;
    int64_t i;
    if (MV_IS_SMALL(key)) {
        i = MV_SMALL_VAL(key);
        if (i < 0) i += (int64_t)l->size;
        if ((uint64_t)i >= l->size) return mv_err_set(t, &mv_exc_IndexError, "list index out of range");
        return mv_newref(l->items[i]);
    }
    int k = mv_seq_index_arg(t, key, &i);
    if (k > 0) {
        if (i < 0) i += (int64_t)l->size;
        if (i < 0 || (uint64_t)i >= l->size) return mv_err_set(t, &mv_exc_IndexError, "list index out of range");
        return mv_newref(l->items[i]);
    }
    if (k < 0) return NULL;
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t n = mv_slice_indices(t, key, (int64_t)l->size, &start, &stop, &step);
        if (n < 0) return NULL;
        return list_slice(l, start, step, n);
    }
    return mv_err_format(t, &mv_exc_TypeError, "list indices must be integers or slices, not %s", mv_type_name(key));
}

/* a[start:stop:step] = v  or  del a[...] (v NULL) */
static int list_ass_subscript_slice(mv_thread *t, mv_list *l, Value key, Value v) {
    int64_t start, stop, step;
    int64_t n = mv_slice_indices(t, key, (int64_t)l->size, &start, &stop, &step);
    if (n < 0) return -1;
    if (step == 1) {
        if (stop < start) stop = start;
        if (!v) {
            list_replace(l, (size_t)start, (size_t)stop, NULL, 0);
            return 0;
        }
        Value seq;
        if (!MV_IS_SMALL(v) && (v->type == &mv_list_type || v->type == &mv_tuple_type) && v != (Value)l) {
            seq = mv_newref(v);
        } else {
            seq = mv_sequence_list(t, v);
            if (!seq) {
                if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(v)->iter && !MV_TYPE(v)->getitem) {
                    mv_err_clear(t);
                    mv_err_set(t, &mv_exc_TypeError, "can only assign an iterable");
                }
                return -1;
            }
        }
        bool is_list = seq->type == &mv_list_type;
        list_replace(l, (size_t)start, (size_t)stop, is_list ? mv_list_items(seq) : mv_tuple_items(seq),
                     is_list ? mv_list_size(seq) : mv_tuple_size(seq));
        MV_DECREF(seq);
        return 0;
    }
    if (!v) {
        if (n == 0) return 0;
        if (step < 0) {
            /* delete the same items walking forward */
            start = start + step * (n - 1);
            step = -step;
        }
        Value *dead = mv_malloc((size_t)n * sizeof(Value));
        size_t w = (size_t)start, nd = 0;
        for (size_t r = (size_t)start; r < l->size; r++) {
            if (nd < (size_t)n && r == (size_t)start + nd * (size_t)step) dead[nd++] = l->items[r];
            else l->items[w++] = l->items[r];
        }
        list_resize(l, w);
        for (size_t i = 0; i < nd; i++) MV_DECREF(dead[i]);
        mv_free(dead);
        return 0;
    }
    Value seq = mv_sequence_list(t, v);
    if (!seq) {
        if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(v)->iter && !MV_TYPE(v)->getitem) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_TypeError, "must assign iterable to extended slice");
        }
        return -1;
    }
    if ((int64_t)mv_list_size(seq) != n) {
        mv_err_format(t, &mv_exc_ValueError, "attempt to assign sequence of size %zu to extended slice of size %ld",
                      mv_list_size(seq), (long)n);
        MV_DECREF(seq);
        return -1;
    }
    for (int64_t j = 0, s = start; j < n; j++, s += step) {
        Value old = l->items[s];
        l->items[s] = mv_newref(MV_LIST_GET(seq, j));
        MV_DECREF(old);
    }
    MV_DECREF(seq);
    return 0;
}

static int list_setitem(mv_thread *t, Value self, Value key, Value v) {
    mv_list *l = (mv_list *)self;
    int64_t i;
    int k = mv_seq_index_arg(t, key, &i);
    if (k > 0) {
        if (i < 0) i += (int64_t)l->size;
        if (i < 0 || (uint64_t)i >= l->size) {
            mv_err_set(t, &mv_exc_IndexError, "list assignment index out of range");
            return -1;
        }
        if (v) {
            Value old = l->items[i];
            l->items[i] = mv_newref(v);
            MV_DECREF(old);
        } else {
            list_replace(l, (size_t)i, (size_t)i + 1, NULL, 0);
        }
        return 0;
    }
    if (k < 0) return -1;
    if (mv_slice_check(key)) return list_ass_subscript_slice(t, l, key, v);
    mv_err_format(t, &mv_exc_TypeError, "list indices must be integers or slices, not %s", mv_type_name(key));
    return -1;
}

static int list_contains(mv_thread *t, Value self, Value item) {
    mv_list *l = (mv_list *)self;
    for (size_t i = 0; i < l->size; i++) {
        Value x = l->items[i];
        if (x == item) return 1;
        MV_INCREF(x);
        int k = mv_richcompare_bool(t, x, item, MV_EQ);
        MV_DECREF(x);
        if (k != 0) return k;
    }
    return 0;
}

static Value list_add(mv_thread *t, Value a, Value b) {
    if (!mv_list_check(a)) return mv_newref(MV_NOTIMPL);
    if (!mv_list_check(b)) {
        mv_type *bt = MV_TYPE(b);
        if (bt->nb[MV_BINOP_ADD] && !mv_seq_builtin_sequence(bt)) {
            Value r = bt->nb[MV_BINOP_ADD](t, a, b);
            if (r != MV_NOTIMPL) return r;
            MV_DECREF(r);
        }
        return mv_err_format(t, &mv_exc_TypeError, "can only concatenate list (not \"%s\") to list",
                             mv_type_name(b));
    }
    size_t na = mv_list_size(a), nb = mv_list_size(b);
    Value r = mv_list_new(na + nb);
    for (size_t i = 0; i < na; i++) MV_LIST_SET(r, i, mv_newref(MV_LIST_GET(a, i)));
    for (size_t i = 0; i < nb; i++) MV_LIST_SET(r, na + i, mv_newref(MV_LIST_GET(b, i)));
    return r;
}

static Value list_mul(mv_thread *t, Value a, Value b) {
    Value seq, res = NULL;
    int64_t n;
    int k = mv_seq_repeat_args(t, &mv_list_type, a, b, &seq, &n, &res);
    if (k < 0) return NULL;
    if (k == 2) return res;
    size_t sz = mv_list_size(seq);
    if (n == 0 || sz == 0) return mv_list_new(0);
    if ((uint64_t)n > (SIZE_MAX / sizeof(Value)) / sz) return mv_err_nomem(t);
    Value r = mv_list_new(sz * (size_t)n);
    Value *src = mv_list_items(seq), *dst = mv_list_items(r);
    if (sz == 1) {
        Value x = src[0];
        if (!MV_IS_SMALL(x)) x->refcnt += n;
        for (int64_t j = 0; j < n; j++) dst[j] = x;
        return r;
    }
    size_t k2 = 0;
    for (int64_t j = 0; j < n; j++)
        for (size_t i = 0; i < sz; i++) dst[k2++] = mv_newref(src[i]);
    return r;
}

static Value list_iadd(mv_thread *t, Value a, Value b) {
    if (!mv_list_check(a)) return mv_newref(MV_NOTIMPL);
    if (mv_list_extend(t, a, b) < 0) return NULL;
    return mv_newref(a);
}

static Value list_imul(mv_thread *t, Value a, Value b) {
    if (!mv_list_check(a)) return mv_newref(MV_NOTIMPL);
    Value seq, res = NULL;
    int64_t n;
    int k = mv_seq_repeat_args(t, &mv_list_type, a, b, &seq, &n, &res);
    if (k < 0) return NULL;
    if (k == 2) return res;
    mv_list *l = (mv_list *)a;
    size_t sz = l->size;
    if (n == 0 || sz == 0) {
        list_clear_items(l);
        return mv_newref(a);
    }
    if ((uint64_t)n > (SIZE_MAX / sizeof(Value)) / sz) return mv_err_nomem(t);
    list_resize(l, sz * (size_t)n);
    for (int64_t j = 1; j < n; j++)
        for (size_t i = 0; i < sz; i++) l->items[j * sz + i] = mv_newref(l->items[i]);
    return mv_newref(a);
}

/* ---- methods ------------------------------------------------------------------------------- */

static int one_arg(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "list.%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs != 1) {
        mv_err_format(t, &mv_exc_TypeError, "list.%s() takes exactly one argument (%d given)", name, (int)nargs);
        return -1;
    }
    return 0;
}

static int no_args(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "list.%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs != 0) {
        mv_err_format(t, &mv_exc_TypeError, "list.%s() takes no arguments (%d given)", name, (int)nargs);
        return -1;
    }
    return 0;
}

static Value list_m_append(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1 || kwnames) {
        if (one_arg(t, "append", nargs, kwnames) < 0) return NULL;
    }
    mv_list_append(self, args[0]);
    return mv_newref(MV_NONE);
}

static Value list_m_extend(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "extend", nargs, kwnames) < 0) return NULL;
    if (mv_list_extend(t, self, args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value list_m_insert(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "insert", kwnames) < 0) return NULL;
    if (nargs != 2) return mv_err_format(t, &mv_exc_TypeError, "insert expected 2 arguments, got %d", (int)nargs);
    int64_t i;
    if (mv_index_int64(t, args[0], &i) < 0) return NULL;
    mv_list *l = (mv_list *)self;
    int64_t n = (int64_t)l->size;
    if (i < 0) {
        i += n;
        if (i < 0) i = 0;
    }
    if (i > n) i = n;
    list_resize(l, (size_t)n + 1);
    memmove(&l->items[i + 1], &l->items[i], (size_t)(n - i) * sizeof(Value));
    l->items[i] = mv_newref(args[1]);
    return mv_newref(MV_NONE);
}

static Value list_m_pop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "pop", kwnames) < 0) return NULL;
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "pop expected at most 1 argument, got %d", (int)nargs);
    mv_list *l = (mv_list *)self;
    int64_t i = -1;
    if (nargs == 1 && mv_index_int64(t, args[0], &i) < 0) return NULL;
    if (l->size == 0) return mv_err_set(t, &mv_exc_IndexError, "pop from empty list");
    if (i < 0) i += (int64_t)l->size;
    if (i < 0 || (uint64_t)i >= l->size) return mv_err_set(t, &mv_exc_IndexError, "pop index out of range");
    Value r = l->items[i];
    memmove(&l->items[i], &l->items[i + 1], (l->size - (size_t)i - 1) * sizeof(Value));
    list_resize(l, l->size - 1);
    return r;
}

static Value list_m_remove(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "remove", nargs, kwnames) < 0) return NULL;
    mv_list *l = (mv_list *)self;
    for (size_t i = 0; i < l->size; i++) {
        Value x = mv_newref(l->items[i]);
        int k = x == args[0] ? 1 : mv_richcompare_bool(t, x, args[0], MV_EQ);
        MV_DECREF(x);
        if (k < 0) return NULL;
        if (k && i < l->size) {
            list_replace(l, i, i + 1, NULL, 0);
            return mv_newref(MV_NONE);
        }
    }
    return mv_err_set(t, &mv_exc_ValueError, "list.remove(x): x not in list");
}

static Value list_m_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "clear", nargs, kwnames) < 0) return NULL;
    list_clear_items((mv_list *)self);
    return mv_newref(MV_NONE);
}

static Value list_m_copy(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "copy", nargs, kwnames) < 0) return NULL;
    return mv_list_from_array(mv_list_items(self), mv_list_size(self));
}

static Value list_m_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "index", kwnames) < 0) return NULL;
    size_t start, stop;
    if (mv_seq_index_range(t, "index", args, nargs, mv_list_size(self), &start, &stop) < 0) return NULL;
    mv_list *l = (mv_list *)self;
    for (size_t i = start; i < stop && i < l->size; i++) {
        Value x = mv_newref(l->items[i]);
        int k = x == args[0] ? 1 : mv_richcompare_bool(t, x, args[0], MV_EQ);
        MV_DECREF(x);
        if (k < 0) return NULL;
        if (k) return mv_int_from_i64((int64_t)i);
    }
    return mv_err_format(t, &mv_exc_ValueError, "%R is not in list", args[0]);
}

static Value list_m_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "count", nargs, kwnames) < 0) return NULL;
    mv_list *l = (mv_list *)self;
    int64_t c = 0;
    for (size_t i = 0; i < l->size; i++) {
        Value x = mv_newref(l->items[i]);
        int k = x == args[0] ? 1 : mv_richcompare_bool(t, x, args[0], MV_EQ);
        MV_DECREF(x);
        if (k < 0) return NULL;
        c += k;
    }
    return mv_int_from_i64(c);
}

static void reverse_array(Value *a, size_t n) {
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        Value x = a[i];
        a[i] = a[j];
        a[j] = x;
    }
}

static Value list_m_reverse(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "reverse", nargs, kwnames) < 0) return NULL;
    reverse_array(mv_list_items(self), mv_list_size(self));
    return mv_newref(MV_NONE);
}

/* ---- sort: stable binary-insertion + bottom-up merge sort on (key, value) pairs, using only
   `<` as CPython's timsort does; fast paths for homogeneous small ints, floats and strs. ----- */

typedef struct {
    Value key, val;
} sort_pair;

enum { CMP_GENERIC, CMP_SMALLINT, CMP_FLOAT, CMP_STR };

typedef struct {
    mv_thread *t;
    int kind;
} sort_ctx;

static int sort_lt(sort_ctx *c, Value a, Value b) {
    switch (c->kind) {
    case CMP_SMALLINT: return MV_SMALL_VAL(a) < MV_SMALL_VAL(b);
    case CMP_FLOAT: return mv_float_val(a) < mv_float_val(b);
    case CMP_STR: {
        size_t na = mv_str_size(a), nb = mv_str_size(b);
        int k = memcmp(mv_str_data(a), mv_str_data(b), na < nb ? na : nb);
        return k < 0 || (k == 0 && na < nb);
    }
    default: return mv_richcompare_bool(c->t, a, b, MV_LT);
    }
}

static int binary_insertion(sort_ctx *c, sort_pair *a, size_t lo, size_t hi, size_t start) {
    for (size_t i = start; i < hi; i++) {
        sort_pair x = a[i];
        size_t l = lo, r = i;
        while (l < r) {
            size_t m = l + (r - l) / 2;
            int k = sort_lt(c, x.key, a[m].key);
            if (k < 0) return -1;
            if (k) r = m;
            else l = m + 1;
        }
        memmove(&a[l + 1], &a[l], (i - l) * sizeof(sort_pair));
        a[l] = x;
    }
    return 0;
}

static int merge_runs(sort_ctx *c, sort_pair *a, sort_pair *tmp, size_t lo, size_t mid, size_t hi) {
    /* already in order? one comparison saves the merge for presorted input */
    int k = sort_lt(c, a[mid].key, a[mid - 1].key);
    if (k <= 0) return k;
    memcpy(tmp, &a[lo], (mid - lo) * sizeof(sort_pair));
    size_t i = 0, n1 = mid - lo, j = mid, o = lo;
    while (i < n1 && j < hi) {
        k = sort_lt(c, a[j].key, tmp[i].key);
        if (k < 0) {
            memcpy(&a[o], &tmp[i], (n1 - i) * sizeof(sort_pair)); /* keep every item */
            return -1;
        }
        if (k) a[o++] = a[j++];
        else a[o++] = tmp[i++];
    }
    while (i < n1) a[o++] = tmp[i++];
    return 0;
}

static int sort_pairs(sort_ctx *c, sort_pair *a, size_t n) {
    const size_t RUN = 32;
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        if (binary_insertion(c, a, lo, hi, lo + 1) < 0) return -1;
    }
    if (n <= RUN) return 0;
    sort_pair *tmp = mv_malloc((n / 2 + RUN) * sizeof(sort_pair));
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n;
            if (mid - lo > n / 2 + RUN) {
                tmp = mv_realloc(tmp, (mid - lo) * sizeof(sort_pair));
            }
            if (merge_runs(c, a, tmp, lo, mid, hi) < 0) {
                mv_free(tmp);
                return -1;
            }
        }
    }
    mv_free(tmp);
    return 0;
}

int mv_list_sort(mv_thread *t, Value list, Value key, bool reverse) {
    mv_list *l = (mv_list *)list;
    /* Empty the list while sorting, as CPython: a key function or __lt__ that mutates it is
       detected afterwards ("list modified during sort"). */
    Value *items = l->items;
    size_t n = l->size, cap = l->cap;
    l->items = NULL;
    l->size = l->cap = 0;
    sort_pair *pairs = mv_malloc((n ? n : 1) * sizeof(sort_pair));
    size_t nkeys = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) pairs[i].val = items[i];
    for (size_t i = 0; i < n; i++) {
        if (key && key != MV_NONE) {
            Value k = mv_call1(t, key, items[i]);
            if (!k) {
                rc = -1;
                break;
            }
            pairs[i].key = k;
            nkeys++;
        } else {
            pairs[i].key = items[i];
        }
    }
    if (rc == 0 && n > 1) {
        sort_ctx c = {t, CMP_GENERIC};
        mv_type *tp0 = MV_TYPE(pairs[0].key);
        if (MV_IS_SMALL(pairs[0].key)) c.kind = CMP_SMALLINT;
        else if (tp0 == &mv_float_type) c.kind = CMP_FLOAT;
        else if (tp0 == &mv_str_type) c.kind = CMP_STR;
        for (size_t i = 1; i < n && c.kind != CMP_GENERIC; i++) {
            Value k = pairs[i].key;
            if (c.kind == CMP_SMALLINT ? !MV_IS_SMALL(k) : (MV_IS_SMALL(k) || k->type != tp0)) c.kind = CMP_GENERIC;
        }
        /* reverse=True keeps stability by sorting the reversed list, then reversing back */
        if (reverse)
            for (size_t i = 0, j = n - 1; i < j; i++, j--) {
                sort_pair x = pairs[i];
                pairs[i] = pairs[j];
                pairs[j] = x;
            }
        rc = sort_pairs(&c, pairs, n);
        if (reverse)
            for (size_t i = 0, j = n - 1; i < j; i++, j--) {
                sort_pair x = pairs[i];
                pairs[i] = pairs[j];
                pairs[j] = x;
            }
    }
    if (key && key != MV_NONE)
        for (size_t i = 0; i < nkeys; i++) MV_DECREF(pairs[i].key);
    for (size_t i = 0; i < n; i++) items[i] = pairs[i].val;
    mv_free(pairs);
    bool modified = l->items != NULL || l->size != 0;
    Value *junk = l->items;
    size_t njunk = l->size;
    l->items = items;
    l->size = n;
    l->cap = cap;
    if (modified) {
        for (size_t i = 0; i < njunk; i++) MV_XDECREF(junk[i]);
        mv_free(junk);
        if (rc == 0) {
            mv_err_set(t, &mv_exc_ValueError, "list modified during sort");
            rc = -1;
        }
    }
    return rc;
}

static Value list_m_sort(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs) return mv_err_set(t, &mv_exc_TypeError, "sort() takes no positional arguments");
    Value key = NULL;
    bool reverse = false;
    size_t nk = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nk; i++) {
        Value name = MV_TUPLE_GET(kwnames, i);
        if (mv_str_eq_cstr(name, "key")) key = args[i];
        else if (mv_str_eq_cstr(name, "reverse")) {
            int k = mv_truthy(t, args[i]);
            if (k < 0) return NULL;
            reverse = k;
        } else
            return mv_err_format(t, &mv_exc_TypeError, "'%U' is an invalid keyword argument for sort()", name);
    }
    if (mv_list_sort(t, self, key, reverse) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value list_m_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "__reversed__", nargs, kwnames) < 0) return NULL;
    return mv_list_reversed_iter(self);
}

static Value list_m_sizeof(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64((int64_t)(40 + 8 * ((mv_list *)self)->cap));
}

static const mv_method_def list_methods[] = {
    {"append", list_m_append, 0, "Append object to the end of the list."},
    {"extend", list_m_extend, 0, "Extend list by appending elements from the iterable."},
    {"insert", list_m_insert, 0, "Insert object before index."},
    {"pop", list_m_pop, 0, "Remove and return item at index (default last)."},
    {"remove", list_m_remove, 0, "Remove first occurrence of value."},
    {"clear", list_m_clear, 0, "Remove all items from list."},
    {"copy", list_m_copy, 0, "Return a shallow copy of the list."},
    {"index", list_m_index, 0, "Return first index of value."},
    {"count", list_m_count, 0, "Return number of occurrences of value."},
    {"reverse", list_m_reverse, 0, "Reverse *IN PLACE*."},
    {"sort", list_m_sort, 0, "Sort the list in ascending order and return None."},
    {"__reversed__", list_m_reversed, 0, "Return a reverse iterator over the list."},
    {"__sizeof__", list_m_sizeof, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- iterators ----------------------------------------------------------------------------- */

static Value list_iter_new(mv_thread *t, Value self) {
    mv_list_iter *it = (mv_list_iter *)mv_object_new(&mv_list_iter_type);
    it->list = mv_newref(self);
    it->index = 0;
    return (Value)it;
}

static Value list_iter_next(mv_thread *t, Value self) {
    mv_list_iter *it = (mv_list_iter *)self;
    if (!it->list) return NULL;
    if (it->index < mv_list_size(it->list)) return mv_newref(MV_LIST_GET(it->list, it->index++));
    MV_CLEAR(it->list);
    return NULL;
}

static Value list_iter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_list_iter *it = (mv_list_iter *)self;
    if (!it->list || it->index >= mv_list_size(it->list)) return mv_int_from_i64(0);
    return mv_int_from_i64((int64_t)(mv_list_size(it->list) - it->index));
}

static void list_iter_dealloc(Value self) { MV_XDECREF(((mv_list_iter *)self)->list); }

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static const mv_method_def list_iter_methods[] = {
    {"__length_hint__", list_iter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_list_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "list_iterator",
    .basicsize = sizeof(mv_list_iter),
    .base = &mv_object_type,
    .dealloc = list_iter_dealloc,
    .iter = iter_self,
    .iternext = list_iter_next,
    .methods = list_iter_methods,
};

/* reversed(list): index counts down; index == size_max means exhausted */
Value mv_list_reversed_iter(Value list) {
    mv_list_iter *it = (mv_list_iter *)mv_object_new(&mv_list_reviter_type);
    it->list = mv_newref(list);
    it->index = mv_list_size(list);
    return (Value)it;
}

static Value list_reviter_next(mv_thread *t, Value self) {
    mv_list_iter *it = (mv_list_iter *)self;
    if (!it->list) return NULL;
    if (it->index > 0 && it->index <= mv_list_size(it->list)) return mv_newref(MV_LIST_GET(it->list, --it->index));
    MV_CLEAR(it->list);
    return NULL;
}

static Value list_reviter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_list_iter *it = (mv_list_iter *)self;
    if (!it->list || it->index > mv_list_size(it->list)) return mv_int_from_i64(0);
    return mv_int_from_i64((int64_t)it->index);
}

static const mv_method_def list_reviter_methods[] = {
    {"__length_hint__", list_reviter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_list_reviter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "list_reverseiterator",
    .basicsize = sizeof(mv_list_iter),
    .base = &mv_object_type,
    .dealloc = list_iter_dealloc,
    .iter = iter_self,
    .iternext = list_reviter_next,
    .methods = list_reviter_methods,
};

mv_type mv_list_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "list",
    .basicsize = sizeof(mv_list),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_LIST_SUBCLASS,
    .base = &mv_object_type,
    .doc = "Built-in mutable sequence.",
    .tp_new = list_tp_new,
    .tp_init = list_tp_init,
    .dealloc = list_dealloc,
    .repr = list_repr,
    .hash = list_hash,
    .richcompare = list_richcompare,
    .iter = list_iter_new,
    .len = list_len,
    .getitem = list_getitem,
    .setitem = list_setitem,
    .contains = list_contains,
    .nb = {[MV_BINOP_ADD] = list_add, [MV_BINOP_MUL] = list_mul},
    .nb_inplace = {[MV_BINOP_ADD] = list_iadd, [MV_BINOP_MUL] = list_imul},
    .methods = list_methods,
};
