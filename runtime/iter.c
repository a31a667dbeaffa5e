/* iter.c: the small iterator types behind the builtins: enumerate (start=), zip (strict=), map
 * (several iterables), filter (None = truthiness), reversed (__reversed__ or __len__ +
 * __getitem__), the sequence iterator for types with __getitem__ but no __iter__, and the
 * callable iterator of iter(f, sentinel).
 */
#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static size_t nkw(Value kwnames) { return kwnames ? mv_tuple_size(kwnames) : 0; }

/* ---- enumerate ----------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value it;
    int64_t count;  /* used while `big` is NULL */
    Value big;      /* the count as an int object once it leaves the int64 range */
    Value result;   /* reused (index, item) tuple */
} enum_obj;

static Value enumerate_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"iterable", "start", NULL};
    Value out[2];
    if (nargs == 0 && !nkw(kwnames))
        return mv_err_set(t, &mv_exc_TypeError, "enumerate() missing required argument 'iterable'");
    if (mv_parse_args(t, "enumerate", args, nargs, kwnames, kwlist, 1, out) < 0) return NULL;
    Value start = out[1];
    if (start && !mv_int_check(start) && !MV_TYPE(start)->nb_index)
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer", mv_type_name(start));
    Value it = mv_iter(t, out[0]);
    if (!it) return NULL;
    enum_obj *e = (enum_obj *)mv_object_new(type);
    e->it = it;
    if (start) {
        Value idx = mv_number_index(t, start);
        if (!idx) {
            MV_DECREF((Value)e);
            return NULL;
        }
        if (MV_IS_SMALL(idx)) {
            e->count = MV_SMALL_VAL(idx);
            MV_DECREF(idx);
        } else {
            e->big = idx;
        }
    }
    return (Value)e;
}

static Value enumerate_next(mv_thread *t, Value self) {
    enum_obj *e = (enum_obj *)self;
    Value item = mv_next(t, e->it);
    if (!item) return NULL;
    Value idx;
    if (!e->big) {
        idx = mv_int_from_i64(e->count);
        if (e->count == INT64_MAX) e->big = mv_int_from_i64(e->count);
        e->count++;
        if (e->big) {
            Value one = MV_FROM_SMALL(1);
            Value nb = mv_binary_op(t, e->big, one, MV_BINOP_ADD);
            MV_DECREF(e->big);
            e->big = nb;
        }
    } else {
        idx = mv_newref(e->big);
        Value nb = mv_binary_op(t, e->big, MV_FROM_SMALL(1), MV_BINOP_ADD);
        if (!nb) {
            MV_DECREF(idx);
            MV_DECREF(item);
            return NULL;
        }
        MV_DECREF(e->big);
        e->big = nb;
    }
    Value r = e->result;
    if (r && r->refcnt == 1) {
        Value o0 = MV_TUPLE_GET(r, 0), o1 = MV_TUPLE_GET(r, 1);
        MV_TUPLE_SET(r, 0, idx);
        MV_TUPLE_SET(r, 1, item);
        MV_DECREF(o0);
        MV_DECREF(o1);
        return mv_newref(r);
    }
    MV_XDECREF(e->result);
    r = mv_tuple_new(2);
    MV_TUPLE_SET(r, 0, idx);
    MV_TUPLE_SET(r, 1, item);
    e->result = mv_newref(r);
    return r;
}

static void enumerate_dealloc(Value self) {
    enum_obj *e = (enum_obj *)self;
    MV_XDECREF(e->it);
    MV_XDECREF(e->big);
    MV_XDECREF(e->result);
}

mv_type mv_enumerate_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "enumerate",
    .basicsize = sizeof(enum_obj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Return an enumerate object.",
    .tp_new = enumerate_new,
    .dealloc = enumerate_dealloc,
    .iter = iter_self,
    .iternext = enumerate_next,
};

/* ---- zip ----------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value iters; /* tuple of iterators */
    bool strict;
    Value result;
} zip_obj;

static Value zip_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    bool strict = false;
    for (size_t i = 0; i < nkw(kwnames); i++) {
        Value name = MV_TUPLE_GET(kwnames, i);
        if (!mv_str_eq_cstr(name, "strict"))
            return mv_err_format(t, &mv_exc_TypeError, "zip() got an unexpected keyword argument '%U'", name);
        int k = mv_truthy(t, args[nargs + i]);
        if (k < 0) return NULL;
        strict = k;
    }
    Value iters = mv_tuple_new(nargs);
    for (size_t i = 0; i < nargs; i++) {
        Value it = mv_iter(t, args[i]);
        if (!it) {
            for (size_t j = i; j < nargs; j++) MV_TUPLE_SET(iters, j, mv_newref(MV_NONE));
            MV_DECREF(iters);
            return NULL;
        }
        MV_TUPLE_SET(iters, i, it);
    }
    zip_obj *z = (zip_obj *)mv_object_new(type);
    z->iters = iters;
    z->strict = strict;
    return (Value)z;
}

static Value zip_strict_error(mv_thread *t, zip_obj *z, size_t i) {
    if (i) {
        const char *plural = i == 1 ? " " : "s 1-";
        return mv_err_format(t, &mv_exc_ValueError, "zip() argument %d is shorter than argument%s%d", (int)i + 1,
                             plural, (int)i);
    }
    size_t n = mv_tuple_size(z->iters);
    for (i = 1; i < n; i++) {
        Value item = mv_next(t, MV_TUPLE_GET(z->iters, i));
        if (item) {
            MV_DECREF(item);
            const char *plural = i == 1 ? " " : "s 1-";
            return mv_err_format(t, &mv_exc_ValueError, "zip() argument %d is longer than argument%s%d", (int)i + 1,
                                 plural, (int)i);
        }
        if (mv_err_occurred(t)) return NULL;
    }
    return NULL;
}

static Value zip_next(mv_thread *t, Value self) {
    zip_obj *z = (zip_obj *)self;
    size_t n = mv_tuple_size(z->iters);
    if (n == 0) return NULL;
    Value r = z->result;
    bool reuse = r && r->refcnt == 1;
    if (!reuse) r = mv_tuple_new(n);
    for (size_t i = 0; i < n; i++) {
        Value item = mv_next(t, MV_TUPLE_GET(z->iters, i));
        if (!item) {
            if (!reuse) {
                for (size_t j = i; j < n; j++) MV_TUPLE_SET(r, j, mv_newref(MV_NONE));
                MV_DECREF(r);
            }
            if (mv_err_occurred(t) || !z->strict) return NULL;
            return zip_strict_error(t, z, i);
        }
        if (reuse) {
            Value old = MV_TUPLE_GET(r, i);
            MV_TUPLE_SET(r, i, item);
            MV_DECREF(old);
        } else {
            MV_TUPLE_SET(r, i, item);
        }
    }
    if (reuse) return mv_newref(r);
    MV_XDECREF(z->result);
    z->result = mv_newref(r);
    return r;
}

static void zip_dealloc(Value self) {
    zip_obj *z = (zip_obj *)self;
    MV_XDECREF(z->iters);
    MV_XDECREF(z->result);
}

mv_type mv_zip_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "zip",
    .basicsize = sizeof(zip_obj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "zip(*iterables, strict=False) --> Yield tuples until an input is exhausted.",
    .tp_new = zip_new,
    .dealloc = zip_dealloc,
    .iter = iter_self,
    .iternext = zip_next,
};

/* ---- map ----------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value func;
    Value iters; /* tuple */
} map_obj;

static Value map_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nkw(kwnames) && type == &mv_map_type) return mv_err_set(t, &mv_exc_TypeError, "map() takes no keyword arguments");
    if (nargs < 2) return mv_err_set(t, &mv_exc_TypeError, "map() must have at least two arguments.");
    Value iters = mv_tuple_new(nargs - 1);
    for (size_t i = 1; i < nargs; i++) {
        Value it = mv_iter(t, args[i]);
        if (!it) {
            for (size_t j = i; j < nargs; j++) MV_TUPLE_SET(iters, j - 1, mv_newref(MV_NONE));
            MV_DECREF(iters);
            return NULL;
        }
        MV_TUPLE_SET(iters, i - 1, it);
    }
    map_obj *m = (map_obj *)mv_object_new(type);
    m->func = mv_newref(args[0]);
    m->iters = iters;
    return (Value)m;
}

static Value map_next(mv_thread *t, Value self) {
    map_obj *m = (map_obj *)self;
    size_t n = mv_tuple_size(m->iters);
    if (n == 1) {
        Value x = mv_next(t, MV_TUPLE_GET(m->iters, 0));
        if (!x) return NULL;
        Value r = mv_call1(t, m->func, x);
        MV_DECREF(x);
        return r;
    }
    Value small[8];
    Value *argv = n <= 8 ? small : mv_malloc(n * sizeof(Value));
    size_t got = 0;
    Value r = NULL;
    for (; got < n; got++) {
        argv[got] = mv_next(t, MV_TUPLE_GET(m->iters, got));
        if (!argv[got]) break;
    }
    if (got == n) r = mv_call(t, m->func, argv, n, NULL);
    for (size_t i = 0; i < got; i++) MV_DECREF(argv[i]);
    if (argv != small) mv_free(argv);
    return r;
}

static void map_dealloc(Value self) {
    map_obj *m = (map_obj *)self;
    MV_XDECREF(m->func);
    MV_XDECREF(m->iters);
}

mv_type mv_map_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "map",
    .basicsize = sizeof(map_obj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "map(func, *iterables) --> map object",
    .tp_new = map_new,
    .dealloc = map_dealloc,
    .iter = iter_self,
    .iternext = map_next,
};

/* ---- filter -------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value func; /* None: keep truthy items */
    Value it;
} filter_obj;

static Value filter_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nkw(kwnames) && type == &mv_filter_type) return mv_err_set(t, &mv_exc_TypeError, "filter() takes no keyword arguments");
    if (nargs != 2) return mv_err_format(t, &mv_exc_TypeError, "filter expected 2 arguments, got %d", (int)nargs);
    Value it = mv_iter(t, args[1]);
    if (!it) return NULL;
    filter_obj *f = (filter_obj *)mv_object_new(type);
    f->func = mv_newref(args[0]);
    f->it = it;
    return (Value)f;
}

static Value filter_next(mv_thread *t, Value self) {
    filter_obj *f = (filter_obj *)self;
    for (;;) {
        Value x = mv_next(t, f->it);
        if (!x) return NULL;
        int ok;
        if (f->func == MV_NONE || f->func == (Value)&mv_bool_type) {
            ok = mv_truthy(t, x);
        } else {
            Value r = mv_call1(t, f->func, x);
            if (!r) {
                MV_DECREF(x);
                return NULL;
            }
            ok = mv_truthy(t, r);
            MV_DECREF(r);
        }
        if (ok > 0) return x;
        MV_DECREF(x);
        if (ok < 0) return NULL;
    }
}

static void filter_dealloc(Value self) {
    filter_obj *f = (filter_obj *)self;
    MV_XDECREF(f->func);
    MV_XDECREF(f->it);
}

mv_type mv_filter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "filter",
    .basicsize = sizeof(filter_obj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "filter(function or None, iterable) --> filter object",
    .tp_new = filter_new,
    .dealloc = filter_dealloc,
    .iter = iter_self,
    .iternext = filter_next,
};

/* ---- reversed and the sequence iterator ----------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value seq;     /* NULL once exhausted */
    int64_t index; /* reversed: next index to fetch (counts down); seqiter: counts up */
} seq_iter;

static Value str_reversed_name;

Value mv_reversed(mv_thread *t, Value seq) {
    if (!MV_IS_SMALL(seq)) {
        if (seq->type == &mv_list_type) return mv_list_reversed_iter(seq);
        if (seq->type == &mv_dict_type) return mv_dict_iter_new(seq, 0, true);
    }
    if (!str_reversed_name) str_reversed_name = mv_str_intern_cstr(t, "__reversed__");
    Value m = mv_type_lookup(MV_TYPE(seq), str_reversed_name);
    if (m == MV_NONE) return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not reversible", mv_type_name(seq));
    if (m) return mv_call_method(t, seq, "__reversed__", NULL, 0);
    mv_type *tp = MV_TYPE(seq);
    if (!tp->getitem || !tp->len || mv_isinstance_of(seq, &mv_dict_type))
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not reversible", mv_type_name(seq));
    int64_t n = mv_len(t, seq);
    if (n < 0) return NULL;
    seq_iter *it = (seq_iter *)mv_object_new(&mv_reversed_type);
    it->seq = mv_newref(seq);
    it->index = n - 1;
    return (Value)it;
}

static Value reversed_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nkw(kwnames) && type == &mv_reversed_type) return mv_err_set(t, &mv_exc_TypeError, "reversed() takes no keyword arguments");
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "reversed expected 1 argument, got %d", (int)nargs);
    return mv_reversed(t, args[0]);
}

static Value reversed_next(mv_thread *t, Value self) {
    seq_iter *it = (seq_iter *)self;
    if (!it->seq) return NULL;
    if (it->index >= 0) {
        Value k = mv_int_from_i64(it->index);
        Value x = mv_getitem(t, it->seq, k);
        MV_DECREF(k);
        if (x) {
            it->index--;
            return x;
        }
        if (!mv_err_matches(t, &mv_exc_IndexError) && !mv_err_matches(t, &mv_exc_StopIteration)) return NULL;
        mv_err_clear(t);
    }
    it->index = -1;
    MV_CLEAR(it->seq);
    return NULL;
}

static Value reversed_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    seq_iter *it = (seq_iter *)self;
    if (!it->seq) return mv_int_from_i64(0);
    int64_t n = mv_len(t, it->seq);
    if (n < 0) return NULL;
    return mv_int_from_i64(n < it->index + 1 ? 0 : it->index + 1);
}

static void seq_iter_dealloc(Value self) { MV_XDECREF(((seq_iter *)self)->seq); }

static const mv_method_def reversed_methods[] = {
    {"__length_hint__", reversed_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_reversed_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "reversed",
    .basicsize = sizeof(seq_iter),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Return a reverse iterator over the values of the given sequence.",
    .tp_new = reversed_new,
    .dealloc = seq_iter_dealloc,
    .iter = iter_self,
    .iternext = reversed_next,
    .methods = reversed_methods,
};

Value mv_seqiter_new(Value seq) {
    seq_iter *it = (seq_iter *)mv_object_new(&mv_seqiter_type);
    it->seq = mv_newref(seq);
    it->index = 0;
    return (Value)it;
}

static Value seqiter_next(mv_thread *t, Value self) {
    seq_iter *it = (seq_iter *)self;
    if (!it->seq) return NULL;
    Value k = mv_int_from_i64(it->index);
    Value x = mv_getitem(t, it->seq, k);
    MV_DECREF(k);
    if (x) {
        it->index++;
        return x;
    }
    if (mv_err_matches(t, &mv_exc_IndexError) || mv_err_matches(t, &mv_exc_StopIteration)) {
        mv_err_clear(t);
        MV_CLEAR(it->seq);
    }
    return NULL;
}

/* called as a type by abstract.c: iterator(seq) */
static Value seqiter_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1) return mv_err_set(t, &mv_exc_TypeError, "cannot create 'iterator' instances");
    return mv_seqiter_new(args[0]);
}

mv_type mv_seqiter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "iterator",
    .basicsize = sizeof(seq_iter),
    .base = &mv_object_type,
    .tp_new = seqiter_tp_new,
    .dealloc = seq_iter_dealloc,
    .iter = iter_self,
    .iternext = seqiter_next,
};

/* ---- iter(callable, sentinel) ---------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value func; /* NULL once exhausted */
    Value sentinel;
} call_iter;

Value mv_callable_iter_new(Value callable, Value sentinel) {
    call_iter *it = (call_iter *)mv_object_new(&mv_callable_iter_type);
    it->func = mv_newref(callable);
    it->sentinel = mv_newref(sentinel);
    return (Value)it;
}

static Value call_iter_next(mv_thread *t, Value self) {
    call_iter *it = (call_iter *)self;
    if (!it->func) return NULL;
    Value r = mv_call0(t, it->func);
    if (!r) {
        if (mv_err_matches(t, &mv_exc_StopIteration)) {
            mv_err_clear(t);
            MV_CLEAR(it->func);
        }
        return NULL;
    }
    int k = mv_richcompare_bool(t, r, it->sentinel, MV_EQ);
    if (k == 0) return r;
    MV_DECREF(r);
    if (k > 0) MV_CLEAR(it->func);
    return NULL;
}

static void call_iter_dealloc(Value self) {
    call_iter *it = (call_iter *)self;
    MV_XDECREF(it->func);
    MV_XDECREF(it->sentinel);
}

/* called as a type by the iter(f, sentinel) builtin */
static Value call_iter_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 2) return mv_err_set(t, &mv_exc_TypeError, "cannot create 'callable_iterator' instances");
    return mv_callable_iter_new(args[0], args[1]);
}

mv_type mv_callable_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "callable_iterator",
    .basicsize = sizeof(call_iter),
    .base = &mv_object_type,
    .tp_new = call_iter_tp_new,
    .dealloc = call_iter_dealloc,
    .iter = iter_self,
    .iternext = call_iter_next,
};
