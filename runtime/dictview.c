/* dictview.c: dict views (dict_keys, dict_values, dict_items: len, iteration, `in`, repr, the
 * set operations and comparisons of keys/items views) and the dict iterators, forward and
 * reversed, with CPython's "dictionary changed size during iteration" checks.
 */
#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

/* ---- iterators ----------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value dict;     /* NULL once exhausted */
    int64_t pos;    /* next entry to look at (reversed: counts down) */
    int64_t used;   /* size when iteration started; -1 after a size change (sticky) */
    int64_t len;    /* items left to produce */
    Value result;   /* items: the last (key, value) tuple, reused when nobody else holds it */
} dict_iter;

static mv_type *iter_types[2][3] = {
    {&mv_dict_keyiter_type, &mv_dict_valueiter_type, &mv_dict_itemiter_type},
    {&mv_dict_revkeyiter_type, &mv_dict_revvalueiter_type, &mv_dict_revitemiter_type},
};

Value mv_dict_iter_new(Value dv, int kind, bool reversed) {
    mv_dict *d = (mv_dict *)dv;
    dict_iter *it = (dict_iter *)mv_object_new(iter_types[reversed][kind]);
    it->dict = mv_newref(dv);
    it->used = (int64_t)d->used;
    it->len = (int64_t)d->used;
    it->pos = reversed ? (int64_t)d->nentries - 1 : 0;
    return (Value)it;
}

static void dict_iter_dealloc(Value self) {
    dict_iter *it = (dict_iter *)self;
    MV_XDECREF(it->dict);
    MV_XDECREF(it->result);
}

/* The next live entry, or NULL (exhausted, or error set). */
static mv_dict_entry *dict_iter_step(mv_thread *t, dict_iter *it, bool reversed) {
    if (!it->dict) return NULL;
    mv_dict *d = (mv_dict *)it->dict;
    if (it->used != (int64_t)d->used) {
        mv_err_set(t, &mv_exc_RuntimeError, "dictionary changed size during iteration");
        it->used = -1;
        return NULL;
    }
    mv_dict_entry *e = NULL;
    if (reversed) {
        while (it->pos >= 0 && it->pos < (int64_t)d->nentries && !d->entries[it->pos].key) it->pos--;
        if (it->pos >= 0 && it->pos < (int64_t)d->nentries) e = &d->entries[it->pos--];
    } else {
        while (it->pos < (int64_t)d->nentries && !d->entries[it->pos].key) it->pos++;
        if (it->pos < (int64_t)d->nentries) e = &d->entries[it->pos++];
    }
    if (!e) {
        MV_CLEAR(it->dict);
        return NULL;
    }
    if (it->len == 0) {
        mv_err_set(t, &mv_exc_RuntimeError, "dictionary keys changed during iteration");
        MV_CLEAR(it->dict);
        return NULL;
    }
    it->len--;
    return e;
}

static Value keyiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, false);
    return e ? mv_newref(e->key) : NULL;
}
static Value valueiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, false);
    return e ? mv_newref(e->value) : NULL;
}
static Value make_item(dict_iter *it, mv_dict_entry *e) {
    Value r = it->result;
    if (r && r->refcnt == 1) {
        /* nobody kept the previous tuple: refill it (CPython's dictitems optimization) */
        Value ok = MV_TUPLE_GET(r, 0), ov = MV_TUPLE_GET(r, 1);
        MV_TUPLE_SET(r, 0, mv_newref(e->key));
        MV_TUPLE_SET(r, 1, mv_newref(e->value));
        MV_DECREF(ok);
        MV_DECREF(ov);
        return mv_newref(r);
    }
    MV_XDECREF(it->result);
    r = mv_tuple_new(2);
    MV_TUPLE_SET(r, 0, mv_newref(e->key));
    MV_TUPLE_SET(r, 1, mv_newref(e->value));
    it->result = mv_newref(r);
    return r;
}
static Value itemiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, false);
    return e ? make_item((dict_iter *)self, e) : NULL;
}
static Value revkeyiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, true);
    return e ? mv_newref(e->key) : NULL;
}
static Value revvalueiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, true);
    return e ? mv_newref(e->value) : NULL;
}
static Value revitemiter_next(mv_thread *t, Value self) {
    mv_dict_entry *e = dict_iter_step(t, (dict_iter *)self, true);
    return e ? make_item((dict_iter *)self, e) : NULL;
}

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static Value dict_iter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    dict_iter *it = (dict_iter *)self;
    int64_t n = 0;
    if (it->dict && it->used == (int64_t)((mv_dict *)it->dict)->used) n = it->len;
    return mv_int_from_i64(n);
}

static const mv_method_def dict_iter_methods[] = {
    {"__length_hint__", dict_iter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

#define DICT_ITER_TYPE(var, tname, nextfn)                                                         \
    mv_type var = {                                                                                \
        .ob = MV_STATIC_HEAD(&mv_type_type),                                                       \
        .name = tname,                                                                             \
        .basicsize = sizeof(dict_iter),                                                            \
        .base = &mv_object_type,                                                                   \
        .dealloc = dict_iter_dealloc,                                                              \
        .iter = iter_self,                                                                         \
        .iternext = nextfn,                                                                        \
        .methods = dict_iter_methods,                                                              \
    };
DICT_ITER_TYPE(mv_dict_keyiter_type, "dict_keyiterator", keyiter_next)
DICT_ITER_TYPE(mv_dict_valueiter_type, "dict_valueiterator", valueiter_next)
DICT_ITER_TYPE(mv_dict_itemiter_type, "dict_itemiterator", itemiter_next)
DICT_ITER_TYPE(mv_dict_revkeyiter_type, "dict_reversekeyiterator", revkeyiter_next)
DICT_ITER_TYPE(mv_dict_revvalueiter_type, "dict_reversevalueiterator", revvalueiter_next)
DICT_ITER_TYPE(mv_dict_revitemiter_type, "dict_reverseitemiterator", revitemiter_next)

/* ---- views --------------------------------------------------------------------------------- */

static mv_type *view_types[3] = {&mv_dict_keys_type, &mv_dict_values_type, &mv_dict_items_type};

static int view_kind(Value v) {
    if (MV_IS_SMALL(v)) return -1;
    for (int k = 0; k < 3; k++)
        if (v->type == view_types[k]) return k;
    return -1;
}

/* keys and items views are set-like */
static bool is_setlike_view(Value v) {
    int k = view_kind(v);
    return k == 0 || k == 2;
}

Value mv_dict_view_new(Value d, int kind) {
    mv_dict_view *v = (mv_dict_view *)mv_object_new(view_types[kind]);
    v->dict = mv_newref(d);
    return (Value)v;
}

static void view_dealloc(Value self) { MV_XDECREF(((mv_dict_view *)self)->dict); }

static int64_t view_len(mv_thread *t, Value self) { return (int64_t)mv_dict_size(((mv_dict_view *)self)->dict); }

static Value view_iter(mv_thread *t, Value self) {
    return mv_dict_iter_new(((mv_dict_view *)self)->dict, view_kind(self), false);
}

static Value view_repr(mv_thread *t, Value self) {
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_from_cstr("...") : NULL;
    Value l = mv_sequence_list(t, self);
    Value r = NULL;
    if (l) {
        mv_strbuf b;
        mv_strbuf_init(&b);
        mv_strbuf_adds(&b, self->type->name);
        mv_strbuf_addc(&b, '(');
        if (mv_strbuf_add_value_repr(t, &b, l) < 0) mv_strbuf_free(&b);
        else {
            mv_strbuf_addc(&b, ')');
            r = mv_strbuf_finish(&b);
        }
        MV_DECREF(l);
    }
    mv_repr_leave(t, self);
    return r;
}

static int keys_contains(mv_thread *t, Value self, Value key) {
    return mv_dict_type.contains(t, ((mv_dict_view *)self)->dict, key);
}

static int items_contains(mv_thread *t, Value self, Value item) {
    if (!mv_tuple_check(item) || mv_tuple_size(item) != 2) return 0;
    Value v = mv_dict_get(t, ((mv_dict_view *)self)->dict, MV_TUPLE_GET(item, 0));
    if (!v) return mv_err_occurred(t) ? -1 : 0;
    MV_INCREF(v);
    int r = mv_richcompare_bool(t, v, MV_TUPLE_GET(item, 1), MV_EQ);
    MV_DECREF(v);
    return r;
}

static int values_contains(mv_thread *t, Value self, Value x) {
    Value d = ((mv_dict_view *)self)->dict;
    size_t pos = 0;
    Value v;
    while (mv_dict_next(d, &pos, NULL, &v)) {
        MV_INCREF(v);
        int r = mv_richcompare_bool(t, v, x, MV_EQ);
        MV_DECREF(v);
        if (r != 0) return r;
    }
    return 0;
}

static int view_hash(mv_thread *t, Value self, int64_t *out) {
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", self->type->name);
    return -1;
}

/* every item of a is in b: 1/0/-1 */
static int all_contained_in(mv_thread *t, Value a, Value b) {
    Value it = mv_iter(t, a);
    if (!it) return -1;
    Value x;
    int ok = 1;
    while ((x = mv_next(t, it)) != NULL) {
        ok = mv_contains(t, b, x);
        MV_DECREF(x);
        if (ok <= 0) break;
    }
    MV_DECREF(it);
    if (ok > 0 && mv_err_occurred(t)) return -1;
    return ok;
}

static Value view_richcompare(mv_thread *t, Value self, Value other, int op) {
    if (!mv_set_check(other) && !is_setlike_view(other)) return mv_newref(MV_NOTIMPL);
    int64_t ls = mv_len(t, self), lo = mv_len(t, other);
    if (ls < 0 || lo < 0) return NULL;
    int ok = 0;
    switch (op) {
    case MV_EQ:
    case MV_NE:
        if (ls == lo) ok = all_contained_in(t, self, other);
        if (op == MV_NE && ok >= 0) ok = !ok;
        break;
    case MV_LT: if (ls < lo) ok = all_contained_in(t, self, other); break;
    case MV_LE: if (ls <= lo) ok = all_contained_in(t, self, other); break;
    case MV_GT: if (ls > lo) ok = all_contained_in(t, other, self); break;
    case MV_GE: if (ls >= lo) ok = all_contained_in(t, other, self); break;
    }
    if (ok < 0) return NULL;
    return mv_newref(MV_BOOL(ok));
}

/* set(view) (through the dict itself for keys of a plain dict: the set fast path) */
static Value view_to_set(mv_thread *t, Value self) {
    if (view_kind(self) == 0 && ((mv_dict_view *)self)->dict->type == &mv_dict_type)
        return mv_set_new(t, ((mv_dict_view *)self)->dict);
    return mv_set_new(t, self);
}

static Value view_binop_via_set(mv_thread *t, Value self, Value other, const char *method) {
    Value r = view_to_set(t, self);
    if (!r) return NULL;
    Value x = mv_call_method(t, r, method, &other, 1);
    if (!x) {
        MV_DECREF(r);
        return NULL;
    }
    MV_DECREF(x);
    return r;
}

static Value view_sub(mv_thread *t, Value a, Value b) { return view_binop_via_set(t, a, b, "difference_update"); }
static Value view_or(mv_thread *t, Value a, Value b) { return view_binop_via_set(t, a, b, "update"); }
static Value view_xor(mv_thread *t, Value a, Value b) {
    return view_binop_via_set(t, a, b, "symmetric_difference_update");
}

/* CPython's _PyDictView_Intersect: iterate the smaller side, test membership in the view. */
static Value view_and(mv_thread *t, Value self, Value other) {
    if (!is_setlike_view(self)) {
        Value tmp = other;
        other = self;
        self = tmp;
    }
    int64_t len_self = mv_len(t, self);
    if (len_self < 0) return NULL;
    if (!MV_IS_SMALL(other) && other->type == &mv_set_type && len_self <= (int64_t)mv_set_size(other))
        return mv_call_method(t, other, "intersection", &self, 1);
    if (is_setlike_view(other)) {
        int64_t len_other = mv_len(t, other);
        if (len_other > len_self) {
            Value tmp = other;
            other = self;
            self = tmp;
        }
    }
    Value result = mv_set_new(t, NULL);
    if (!result) return NULL;
    Value it = mv_iter(t, other);
    if (!it) {
        MV_DECREF(result);
        return NULL;
    }
    int (*contains)(mv_thread *, Value, Value) = view_kind(self) == 0 ? keys_contains : items_contains;
    Value x;
    while ((x = mv_next(t, it)) != NULL) {
        int r = contains(t, self, x);
        if (r > 0) r = mv_set_add(t, result, x);
        MV_DECREF(x);
        if (r < 0) break;
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) {
        MV_DECREF(result);
        return NULL;
    }
    return result;
}

static Value view_isdisjoint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "isdisjoint", kwnames) < 0) return NULL;
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "isdisjoint() takes exactly one argument (%d given)", (int)nargs);
    Value other = args[0];
    if (other == self) return mv_newref(MV_BOOL(mv_len(t, self) == 0));
    if (mv_set_check(other) || is_setlike_view(other)) {
        int64_t ls = mv_len(t, self), lo = mv_len(t, other);
        if (lo > ls) {
            Value tmp = other;
            other = self;
            self = tmp;
        }
    }
    Value it = mv_iter(t, other);
    if (!it) return NULL;
    Value x;
    int found = 0;
    while ((x = mv_next(t, it)) != NULL) {
        found = mv_contains(t, self, x);
        MV_DECREF(x);
        if (found != 0) break;
    }
    MV_DECREF(it);
    if (found < 0 || mv_err_occurred(t)) return NULL;
    return mv_newref(MV_BOOL(!found));
}

static Value view_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_dict_iter_new(((mv_dict_view *)self)->dict, view_kind(self), true);
}

static const mv_method_def setview_methods[] = {
    {"isdisjoint", view_isdisjoint, 0, "Return True if the view and the given iterable have a null intersection."},
    {"__reversed__", view_reversed, 0, "Return a reverse iterator over the dict keys."},
    {NULL, NULL, 0, NULL},
};

static const mv_method_def values_methods[] = {
    {"__reversed__", view_reversed, 0, "Return a reverse iterator over the dict values."},
    {NULL, NULL, 0, NULL},
};

#define SETVIEW_NB {[MV_BINOP_SUB] = view_sub, [MV_BINOP_AND] = view_and, [MV_BINOP_OR] = view_or, [MV_BINOP_XOR] = view_xor}

mv_type mv_dict_keys_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "dict_keys",
    .basicsize = sizeof(mv_dict_view),
    .base = &mv_object_type,
    .dealloc = view_dealloc,
    .repr = view_repr,
    .hash = view_hash,
    .richcompare = view_richcompare,
    .iter = view_iter,
    .len = view_len,
    .contains = keys_contains,
    .nb = SETVIEW_NB,
    .methods = setview_methods,
};

mv_type mv_dict_items_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "dict_items",
    .basicsize = sizeof(mv_dict_view),
    .base = &mv_object_type,
    .dealloc = view_dealloc,
    .repr = view_repr,
    .hash = view_hash,
    .richcompare = view_richcompare,
    .iter = view_iter,
    .len = view_len,
    .contains = items_contains,
    .nb = SETVIEW_NB,
    .methods = setview_methods,
};

mv_type mv_dict_values_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "dict_values",
    .basicsize = sizeof(mv_dict_view),
    .base = &mv_object_type,
    .dealloc = view_dealloc,
    .repr = view_repr,
    .iter = view_iter,
    .len = view_len,
    .contains = values_contains,
    .methods = values_methods,
};
