/* slots.c: the bridge between C slots and dunder methods, both ways.
 *   - slot wrappers: a static type's C slots appear in its dict as `__add__`, `__init__`, ...
 *     (`int.__add__(1, 2)`, `super().__init__(msg)`), calling the slot of the defining type;
 *   - slot functions: a class statement's `def __add__` etc. are wired into the heap type's
 *     slots by functions that look the dunder up on the type and call it (CPython's slot_*).
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

/* ---- dunder names ---------------------------------------------------------------------------- */

enum {
    D_REPR, D_STR, D_HASH, D_CALL, D_ITER, D_NEXT, D_LEN, D_GETITEM, D_SETITEM, D_DELITEM, D_CONTAINS,
    D_GETATTRIBUTE, D_GETATTR, D_SETATTR, D_DELATTR, D_GET, D_SET, D_DELETE, D_INIT, D_NEW, D_BOOL,
    D_NEG, D_POS, D_INVERT, D_ABS, D_INDEX, D_INT, D_FLOAT,
    D_LT, /* 6 comparisons: D_LT + op */
    D_ADD = D_LT + 6, /* 13 binary ops: D_ADD + op, then reflected, then in-place */
    D_RADD = D_ADD + MV_BINOP__COUNT,
    D_IADD = D_RADD + MV_BINOP__COUNT,
    D__COUNT = D_IADD + MV_BINOP__COUNT
};

static const char *const dunder_cstr[D__COUNT] = {
    "__repr__", "__str__", "__hash__", "__call__", "__iter__", "__next__", "__len__", "__getitem__",
    "__setitem__", "__delitem__", "__contains__", "__getattribute__", "__getattr__", "__setattr__",
    "__delattr__", "__get__", "__set__", "__delete__", "__init__", "__new__", "__bool__", "__neg__",
    "__pos__", "__invert__", "__abs__", "__index__", "__int__", "__float__",
    "__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__",
    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__", "__lshift__",
    "__rshift__", "__and__", "__or__", "__xor__", "__matmul__",
    "__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rmod__", "__rpow__",
    "__rlshift__", "__rrshift__", "__rand__", "__ror__", "__rxor__", "__rmatmul__",
    "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
    "__ilshift__", "__irshift__", "__iand__", "__ior__", "__ixor__", "__imatmul__",
};

static Value dunder[D__COUNT];

static inline Value DN(int id) {
    if (!dunder[0])
        for (int i = 0; i < D__COUNT; i++) dunder[i] = mv_str_intern_cstr(NULL, dunder_cstr[i]);
    return dunder[id];
}

/* ==== part 1: slot wrappers for static types ================================================= */

typedef struct {
    mv_object ob;
    int id;          /* dunder id */
    mv_type *owner;  /* the type whose slot is called */
} mv_slotwrapper;

typedef struct {
    mv_object ob;
    mv_slotwrapper *descr;
    Value self;
} mv_methodwrapper;

static void *unary_slot_ptr(mv_type *tp, int id) {
    switch (id) {
    case D_NEG: return &tp->nb_neg;
    case D_POS: return &tp->nb_pos;
    case D_INVERT: return &tp->nb_invert;
    case D_ABS: return &tp->nb_abs;
    case D_INDEX: return &tp->nb_index;
    case D_INT: return &tp->nb_int;
    default: return &tp->nb_float;
    }
}

static bool slot_present(mv_type *tp, int id) {
    if (id >= D_IADD) return tp->nb_inplace[id - D_IADD] != NULL;
    if (id >= D_RADD) return tp->nb[id - D_RADD] != NULL;
    if (id >= D_ADD) return tp->nb[id - D_ADD] != NULL;
    if (id >= D_LT) return tp->richcompare != NULL;
    switch (id) {
    case D_REPR: return tp->repr != NULL;
    case D_STR: return tp->str != NULL;
    case D_HASH: return tp->hash != NULL;
    case D_CALL: return tp->call != NULL;
    case D_ITER: return tp->iter != NULL;
    case D_NEXT: return tp->iternext != NULL;
    case D_LEN: return tp->len != NULL;
    case D_GETITEM: return tp->getitem != NULL;
    case D_SETITEM: case D_DELITEM: return tp->setitem != NULL;
    case D_CONTAINS: return tp->contains != NULL;
    case D_GETATTRIBUTE: return tp->getattr != NULL;
    case D_SETATTR: case D_DELATTR: return tp->setattr != NULL;
    case D_GET: return tp->descr_get != NULL;
    case D_SET: case D_DELETE: return tp->descr_set != NULL;
    case D_INIT: return tp->tp_init != NULL;
    case D_BOOL: return tp->bool_ != NULL;
    case D_NEG: case D_POS: case D_INVERT: case D_ABS: case D_INDEX: case D_INT: case D_FLOAT:
        return *(mv_unaryfn *)unary_slot_ptr(tp, id) != NULL;
    default: return false;
    }
}

static Value none(void) { return mv_newref(MV_NONE); }

static Value wrapper_impl(mv_thread *t, mv_slotwrapper *w, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_type *tp = w->owner;
    int id = w->id;
    if (id != D_CALL && id != D_INIT && kwnames && mv_tuple_size(kwnames))
        return mv_err_format(t, &mv_exc_TypeError, "wrapper %s() takes no keyword arguments", dunder_cstr[id]);
    size_t want = 1;
    if (id == D_CALL || id == D_INIT) want = (size_t)-1;
    else if (id == D_REPR || id == D_STR || id == D_HASH || id == D_ITER || id == D_NEXT || id == D_LEN ||
             id == D_BOOL || (id >= D_NEG && id <= D_FLOAT))
        want = 0;
    else if (id == D_SETITEM || id == D_SETATTR || id == D_SET)
        want = 2;
    if (id == D_GET) {
        if (nargs < 1 || nargs > 2)
            return mv_err_format(t, &mv_exc_TypeError, "expected 1 or 2 arguments, got %zu", nargs);
    } else if ((id == D_ADD + MV_BINOP_POW || id == D_RADD + MV_BINOP_POW) && nargs == 2 && args[1] == MV_NONE) {
        nargs = 1;
    } else if (want != (size_t)-1 && nargs != want) {
        return mv_err_format(t, &mv_exc_TypeError, "expected %zu argument%s, got %zu", want, want == 1 ? "" : "s", nargs);
    }
    if (id >= D_IADD) return tp->nb_inplace[id - D_IADD](t, self, args[0]);
    if (id >= D_RADD) return tp->nb[id - D_RADD](t, args[0], self);
    if (id >= D_ADD) return tp->nb[id - D_ADD](t, self, args[0]);
    if (id >= D_LT) return tp->richcompare(t, self, args[0], id - D_LT);
    switch (id) {
    case D_REPR: return tp->repr(t, self);
    case D_STR: return tp->str(t, self);
    case D_HASH: {
        int64_t h;
        if (tp->hash(t, self, &h) < 0) return NULL;
        return mv_int_from_i64(h);
    }
    case D_CALL: return tp->call(t, self, args, nargs, kwnames);
    case D_ITER: return tp->iter(t, self);
    case D_NEXT: {
        Value r = tp->iternext(t, self);
        if (!r && !t->curexc) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
        return r;
    }
    case D_LEN: {
        int64_t n = tp->len(t, self);
        return n < 0 ? NULL : mv_int_from_i64(n);
    }
    case D_GETITEM: return tp->getitem(t, self, args[0]);
    case D_SETITEM: return tp->setitem(t, self, args[0], args[1]) < 0 ? NULL : none();
    case D_DELITEM: return tp->setitem(t, self, args[0], NULL) < 0 ? NULL : none();
    case D_CONTAINS: {
        int k = tp->contains(t, self, args[0]);
        return k < 0 ? NULL : mv_newref(MV_BOOL(k));
    }
    case D_GETATTRIBUTE:
        if (!mv_str_check(args[0]))
            return mv_err_format(t, &mv_exc_TypeError, "attribute name must be string, not '%s'", mv_type_name(args[0]));
        return tp->getattr(t, self, args[0]);
    case D_SETATTR:
    case D_DELATTR:
        if (!mv_str_check(args[0]))
            return mv_err_format(t, &mv_exc_TypeError, "attribute name must be string, not '%s'", mv_type_name(args[0]));
        return tp->setattr(t, self, args[0], id == D_SETATTR ? args[1] : NULL) < 0 ? NULL : none();
    case D_GET: {
        Value obj = args[0] == MV_NONE ? NULL : args[0];
        Value type = nargs > 1 && args[1] != MV_NONE ? args[1] : NULL;
        if (!obj && !type) return mv_err_set(t, &mv_exc_TypeError, "__get__(None, None) is invalid");
        return tp->descr_get(t, self, obj, type ? type : (Value)MV_TYPE(obj));
    }
    case D_SET: return tp->descr_set(t, self, args[0], args[1]) < 0 ? NULL : none();
    case D_DELETE: return tp->descr_set(t, self, args[0], NULL) < 0 ? NULL : none();
    case D_INIT: return tp->tp_init(t, self, args, nargs, kwnames) < 0 ? NULL : none();
    case D_BOOL: {
        int k = tp->bool_(t, self);
        return k < 0 ? NULL : mv_newref(MV_BOOL(k));
    }
    default: return (*(mv_unaryfn *)unary_slot_ptr(tp, id))(t, self);
    }
}

static Value slotwrapper_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_slotwrapper *w = (mv_slotwrapper *)self;
    if (nargs < 1)
        return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' of '%s' object needs an argument",
                             dunder_cstr[w->id], w->owner->name);
    if (!mv_isinstance_of(args[0], w->owner))
        return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' requires a '%s' object but received a '%s'",
                             dunder_cstr[w->id], w->owner->name, mv_type_name(args[0]));
    return wrapper_impl(t, w, args[0], args + 1, nargs - 1, kwnames);
}

static Value slotwrapper_get(mv_thread *t, Value descr, Value obj, Value type) {
    if (!obj) return mv_newref(descr);
    mv_methodwrapper *m = (mv_methodwrapper *)mv_object_new(&mv_methodwrapper_type);
    m->descr = (mv_slotwrapper *)mv_newref(descr);
    m->self = mv_newref(obj);
    return (Value)m;
}

static Value slotwrapper_repr(mv_thread *t, Value self) {
    mv_slotwrapper *w = (mv_slotwrapper *)self;
    return mv_str_fromf("<slot wrapper '%s' of '%s' objects>", dunder_cstr[w->id], w->owner->name);
}

static Value slotwrapper_get_name(mv_thread *t, Value self) {
    return mv_newref(DN(((mv_slotwrapper *)self)->id));
}
static Value slotwrapper_get_objclass(mv_thread *t, Value self) {
    return mv_newref((Value)((mv_slotwrapper *)self)->owner);
}
static Value slotwrapper_get_qualname(mv_thread *t, Value self) {
    mv_slotwrapper *w = (mv_slotwrapper *)self;
    return mv_str_fromf("%s.%s", w->owner->name, dunder_cstr[w->id]);
}

static const mv_getset_def slotwrapper_getsets[] = {
    {"__name__", slotwrapper_get_name, NULL},
    {"__qualname__", slotwrapper_get_qualname, NULL},
    {"__objclass__", slotwrapper_get_objclass, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_slotwrapper_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "wrapper_descriptor",
    .basicsize = sizeof(mv_slotwrapper),
    .repr = slotwrapper_repr,
    .call = slotwrapper_call,
    .descr_get = slotwrapper_get,
    .getsets = slotwrapper_getsets,
};

static void methodwrapper_dealloc(Value self) {
    mv_methodwrapper *m = (mv_methodwrapper *)self;
    MV_DECREF((Value)m->descr);
    MV_DECREF(m->self);
}

static Value methodwrapper_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_methodwrapper *m = (mv_methodwrapper *)self;
    return wrapper_impl(t, m->descr, m->self, args, nargs, kwnames);
}

static Value methodwrapper_repr(mv_thread *t, Value self) {
    mv_methodwrapper *m = (mv_methodwrapper *)self;
    return mv_str_fromf("<method-wrapper '%s' of %s object at %p>", dunder_cstr[m->descr->id],
                        mv_type_name(m->self), (void *)m->self);
}

static Value methodwrapper_get_self(mv_thread *t, Value self) { return mv_newref(((mv_methodwrapper *)self)->self); }
static Value methodwrapper_get_name(mv_thread *t, Value self) {
    return mv_newref(DN(((mv_methodwrapper *)self)->descr->id));
}

static const mv_getset_def methodwrapper_getsets[] = {
    {"__self__", methodwrapper_get_self, NULL},
    {"__name__", methodwrapper_get_name, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_methodwrapper_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "method-wrapper",
    .basicsize = sizeof(mv_methodwrapper),
    .dealloc = methodwrapper_dealloc,
    .repr = methodwrapper_repr,
    .call = methodwrapper_call,
    .getsets = methodwrapper_getsets,
};

/* T.__new__(S, ...): a builtin bound to T that checks S and calls T's tp_new for S. */
static Value tp_new_wrapper(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_type *type = (mv_type *)self;
    if (nargs < 1) return mv_err_format(t, &mv_exc_TypeError, "%s.__new__(): not enough arguments", type->name);
    Value sub = args[0];
    if (!mv_type_check(sub))
        return mv_err_format(t, &mv_exc_TypeError, "%s.__new__(X): X is not a type object (%s)", type->name,
                             mv_type_name(sub));
    if (!mv_type_is_subtype((mv_type *)sub, type))
        return mv_err_format(t, &mv_exc_TypeError, "%s.__new__(%s): %s is not a subtype of %s", type->name,
                             ((mv_type *)sub)->name, ((mv_type *)sub)->name, type->name);
    return type->tp_new(t, (mv_type *)sub, args + 1, nargs - 1, kwnames);
}
static const mv_method_def tp_new_def = {"__new__", tp_new_wrapper, 0,
                                         "Create and return a new object.  See help(type) for accurate signature."};

void mv_slots_add_wrappers(mv_type *type, Value dict) {
    static mv_thread dummy; /* str-keyed dict stores cannot fail */
    for (int id = 0; id < D__COUNT; id++) {
        if (id == D_NEW || id == D_GETATTR) continue;
        if (!slot_present(type, id)) continue;
        /* a type's richcompare answers all six; its hash defines __hash__ only when present */
        Value key = DN(id);
        if (mv_dict_get_str(dict, key)) continue;
        mv_slotwrapper *w = (mv_slotwrapper *)mv_object_new(&mv_slotwrapper_type);
        w->id = id;
        w->owner = type;
        mv_dict_set(&dummy, dict, key, (Value)w);
        MV_DECREF((Value)w);
    }
    if (type->tp_new && !mv_dict_get_str(dict, DN(D_NEW))) {
        Value f = mv_cfunc_new(&tp_new_def, (Value)type, NULL);
        mv_dict_set(&dummy, dict, DN(D_NEW), f);
        MV_DECREF(f);
    }
    if (dummy.curexc) MV_CLEAR(dummy.curexc);
}

/* ==== part 2: slot functions for heap types ================================================= */

static inline Value lookup(mv_type *tp, int id) { return mv_type_lookup(tp, DN(id)); }

/* Call descr (found on type(self)) as a method of self. */
static Value call_self(mv_thread *t, Value descr, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_type *dt = MV_TYPE(descr);
    if (dt == &mv_func_type || dt == &mv_slotwrapper_type ||
        (dt == &mv_method_descr_type && !(((mv_method_descr *)descr)->def->flags & (MV_METH_STATIC | MV_METH_CLASS)))) {
        size_t n = nargs + (kwnames ? mv_tuple_size(kwnames) : 0);
        Value small[8];
        Value *buf = n + 1 <= 8 ? small : mv_malloc((n + 1) * sizeof(Value));
        buf[0] = self;
        if (n) memcpy(buf + 1, args, n * sizeof(Value));
        Value r = mv_call(t, descr, buf, nargs + 1, kwnames);
        if (buf != small) mv_free(buf);
        return r;
    }
    if (dt->descr_get) {
        Value bound = dt->descr_get(t, descr, self, (Value)MV_TYPE(self));
        if (!bound) return NULL;
        Value r = mv_call(t, bound, args, nargs, kwnames);
        MV_DECREF(bound);
        return r;
    }
    return mv_call(t, descr, args, nargs, kwnames);
}

static Value call_dunder(mv_thread *t, Value self, int id, Value *args, size_t nargs) {
    Value d = lookup(MV_TYPE(self), id);
    if (!d) return mv_err_set_value(t, &mv_exc_AttributeError, DN(id));
    return call_self(t, d, self, args, nargs, NULL);
}

static Value slot_repr(mv_thread *t, Value self) { return call_dunder(t, self, D_REPR, NULL, 0); }
static Value slot_str(mv_thread *t, Value self) { return call_dunder(t, self, D_STR, NULL, 0); }

static int slot_hash(mv_thread *t, Value self, int64_t *out) {
    Value d = lookup(MV_TYPE(self), D_HASH);
    if (!d || d == MV_NONE) {
        mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
        return -1;
    }
    Value r = call_self(t, d, self, NULL, 0, NULL);
    if (!r) return -1;
    if (!mv_int_check(r)) {
        MV_DECREF(r);
        mv_err_set(t, &mv_exc_TypeError, "__hash__ method should return an integer");
        return -1;
    }
    int k = mv_int_hash(r, out);
    MV_DECREF(r);
    return k;
}

static Value slot_richcompare(mv_thread *t, Value a, Value b, int op) {
    Value d = lookup(MV_TYPE(a), D_LT + op);
    if (!d || d == MV_NONE) return MV_NOTIMPL;
    return call_self(t, d, a, &b, 1, NULL);
}

static int slot_bool(mv_thread *t, Value self) {
    Value d = lookup(MV_TYPE(self), D_BOOL);
    if (!d) {
        if (lookup(MV_TYPE(self), D_LEN)) {
            Value r = call_dunder(t, self, D_LEN, NULL, 0);
            if (!r) return -1;
            int k = mv_truthy(t, r);
            MV_DECREF(r);
            return k;
        }
        return 1;
    }
    Value r = call_self(t, d, self, NULL, 0, NULL);
    if (!r) return -1;
    if (r != MV_TRUE && r != MV_FALSE) {
        mv_err_format(t, &mv_exc_TypeError, "__bool__ should return bool, returned %s", mv_type_name(r));
        MV_DECREF(r);
        return -1;
    }
    return r == MV_TRUE;
}

static int64_t slot_len(mv_thread *t, Value self) {
    Value r = call_dunder(t, self, D_LEN, NULL, 0);
    if (!r) return -1;
    int64_t n;
    if (!mv_int_check(r)) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer", mv_type_name(r));
        MV_DECREF(r);
        return -1;
    }
    if (mv_int_as_i64(t, r, &n) < 0) {
        MV_DECREF(r);
        mv_err_clear(t);
        mv_err_set(t, &mv_exc_OverflowError, "cannot fit 'int' into an index-sized integer");
        return -1;
    }
    MV_DECREF(r);
    if (n < 0) {
        mv_err_set(t, &mv_exc_ValueError, "__len__() should return >= 0");
        return -1;
    }
    return n;
}

static Value slot_getattr_hook(mv_thread *t, Value self, Value name) {
    mv_type *tp = MV_TYPE(self);
    Value ga = lookup(tp, D_GETATTRIBUTE);
    Value gf = lookup(tp, D_GETATTR);
    Value r;
    if (!ga || (!MV_IS_SMALL(ga) && ga->type == &mv_slotwrapper_type &&
                ((mv_slotwrapper *)ga)->owner->getattr == mv_generic_getattr)) {
        r = gf ? mv_generic_getattr_opt(t, self, name) : mv_generic_getattr(t, self, name);
    } else {
        r = call_self(t, ga, self, &name, 1, NULL);
    }
    if (r || !gf) return r;
    if (t->curexc) {
        if (!mv_err_matches(t, &mv_exc_AttributeError)) return NULL;
        mv_err_clear(t);
    }
    return call_self(t, gf, self, &name, 1, NULL);
}

static int slot_setattr(mv_thread *t, Value self, Value name, Value v) {
    Value args[2] = {name, v};
    Value r = call_dunder(t, self, v ? D_SETATTR : D_DELATTR, args, v ? 2 : 1);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static Value slot_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value d = lookup(MV_TYPE(self), D_CALL);
    if (!d) return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not callable", mv_type_name(self));
    return call_self(t, d, self, args, nargs, kwnames);
}

static Value slot_iter(mv_thread *t, Value self) {
    Value d = lookup(MV_TYPE(self), D_ITER);
    if (!d || d == MV_NONE) return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not iterable", mv_type_name(self));
    return call_self(t, d, self, NULL, 0, NULL);
}

static Value slot_iternext(mv_thread *t, Value self) {
    Value r = call_dunder(t, self, D_NEXT, NULL, 0);
    if (!r && mv_err_matches(t, &mv_exc_StopIteration)) mv_err_clear(t);
    return r;
}

static Value slot_getitem(mv_thread *t, Value self, Value key) { return call_dunder(t, self, D_GETITEM, &key, 1); }

static int slot_setitem(mv_thread *t, Value self, Value key, Value v) {
    Value args[2] = {key, v};
    Value r = call_dunder(t, self, v ? D_SETITEM : D_DELITEM, args, v ? 2 : 1);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static int slot_contains(mv_thread *t, Value self, Value item) {
    Value d = lookup(MV_TYPE(self), D_CONTAINS);
    if (!d || d == MV_NONE) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object is not a container", mv_type_name(self));
        return -1;
    }
    Value r = call_self(t, d, self, &item, 1, NULL);
    if (!r) return -1;
    int k = mv_truthy(t, r);
    MV_DECREF(r);
    return k;
}

static Value slot_descr_get(mv_thread *t, Value descr, Value obj, Value type) {
    Value d = lookup(MV_TYPE(descr), D_GET);
    if (!d) return mv_newref(descr);
    Value args[2] = {obj ? obj : MV_NONE, type ? type : MV_NONE};
    return call_self(t, d, descr, args, 2, NULL);
}

static int slot_descr_set(mv_thread *t, Value descr, Value obj, Value v) {
    Value args[2] = {obj, v};
    Value r = call_dunder(t, descr, v ? D_SET : D_DELETE, args, v ? 2 : 1);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static int slot_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value d = lookup(MV_TYPE(self), D_INIT);
    if (!d) return 0;
    Value r = call_self(t, d, self, args, nargs, kwnames);
    if (!r) return -1;
    if (r != MV_NONE) {
        mv_err_format(t, &mv_exc_TypeError, "__init__() should return None, not '%s'", mv_type_name(r));
        MV_DECREF(r);
        return -1;
    }
    MV_DECREF(r);
    return 0;
}

static Value slot_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    Value d = lookup(type, D_NEW);
    if (!d) return mv_err_format(t, &mv_exc_TypeError, "cannot create '%s' instances", type->name);
    Value f = MV_TYPE(d)->descr_get ? MV_TYPE(d)->descr_get(t, d, NULL, (Value)type) : mv_newref(d);
    if (!f) return NULL;
    size_t n = nargs + (kwnames ? mv_tuple_size(kwnames) : 0);
    Value small[8];
    Value *buf = n + 1 <= 8 ? small : mv_malloc((n + 1) * sizeof(Value));
    buf[0] = (Value)type;
    if (n) memcpy(buf + 1, args, n * sizeof(Value));
    Value r = mv_call(t, f, buf, nargs + 1, kwnames);
    if (buf != small) mv_free(buf);
    MV_DECREF(f);
    return r;
}

#define UNARY_SLOT(name, ID) \
    static Value slot_##name(mv_thread *t, Value self) { return call_dunder(t, self, ID, NULL, 0); }
UNARY_SLOT(neg, D_NEG)
UNARY_SLOT(pos, D_POS)
UNARY_SLOT(invert, D_INVERT)
UNARY_SLOT(abs, D_ABS)
UNARY_SLOT(index, D_INDEX)
UNARY_SLOT(int, D_INT)
UNARY_SLOT(float, D_FLOAT)

/* CPython's SLOT1BINFULL: a.__op__(b), or b.__rop__(a); the right operand first when its type is
   a subclass that overrides the reflected method. */
static Value slot_binop(mv_thread *t, Value a, Value b, int op, mv_binaryfn self_fn) {
    mv_type *ta = MV_TYPE(a), *tb = MV_TYPE(b);
    bool do_other = ta != tb && tb->nb[op] == self_fn;
    Value r;
    if (ta->nb[op] == self_fn) {
        if (do_other && mv_type_is_subtype(tb, ta)) {
            Value rb = lookup(tb, D_RADD + op), ra = lookup(ta, D_RADD + op);
            if (rb && rb != ra) {
                r = call_self(t, rb, b, &a, 1, NULL);
                if (r != MV_NOTIMPL) return r;
                do_other = false;
            }
        }
        Value f = lookup(ta, D_ADD + op);
        if (f && f != MV_NONE) {
            r = call_self(t, f, a, &b, 1, NULL);
            if (r != MV_NOTIMPL || ta == tb) return r;
        } else if (ta == tb) {
            return MV_NOTIMPL;
        }
    }
    if (do_other) {
        Value f = lookup(tb, D_RADD + op);
        if (f && f != MV_NONE) return call_self(t, f, b, &a, 1, NULL);
    }
    return MV_NOTIMPL;
}

static Value slot_inplace(mv_thread *t, Value a, Value b, int op) {
    Value f = lookup(MV_TYPE(a), D_IADD + op);
    if (!f || f == MV_NONE) return MV_NOTIMPL;
    return call_self(t, f, a, &b, 1, NULL);
}

#define BINOP_SLOTS(name, OP)                                                              \
    static Value slot_nb_##name(mv_thread *t, Value a, Value b) {                           \
        return slot_binop(t, a, b, OP, slot_nb_##name);                                     \
    }                                                                                      \
    static Value slot_nbi_##name(mv_thread *t, Value a, Value b) { return slot_inplace(t, a, b, OP); }
BINOP_SLOTS(add, MV_BINOP_ADD)
BINOP_SLOTS(sub, MV_BINOP_SUB)
BINOP_SLOTS(mul, MV_BINOP_MUL)
BINOP_SLOTS(truediv, MV_BINOP_TRUEDIV)
BINOP_SLOTS(floordiv, MV_BINOP_FLOORDIV)
BINOP_SLOTS(mod, MV_BINOP_MOD)
BINOP_SLOTS(pow, MV_BINOP_POW)
BINOP_SLOTS(lshift, MV_BINOP_LSHIFT)
BINOP_SLOTS(rshift, MV_BINOP_RSHIFT)
BINOP_SLOTS(and, MV_BINOP_AND)
BINOP_SLOTS(or, MV_BINOP_OR)
BINOP_SLOTS(xor, MV_BINOP_XOR)
BINOP_SLOTS(matmul, MV_BINOP_MATMUL)

static const mv_binaryfn binop_slots[MV_BINOP__COUNT] = {
    slot_nb_add, slot_nb_sub, slot_nb_mul, slot_nb_truediv, slot_nb_floordiv, slot_nb_mod, slot_nb_pow,
    slot_nb_lshift, slot_nb_rshift, slot_nb_and, slot_nb_or, slot_nb_xor, slot_nb_matmul,
};
static const mv_binaryfn inplace_slots[MV_BINOP__COUNT] = {
    slot_nbi_add, slot_nbi_sub, slot_nbi_mul, slot_nbi_truediv, slot_nbi_floordiv, slot_nbi_mod, slot_nbi_pow,
    slot_nbi_lshift, slot_nbi_rshift, slot_nbi_and, slot_nbi_or, slot_nbi_xor, slot_nbi_matmul,
};

/* Point the slot(s) behind dunder `id` at the slot functions (value: what the class dict holds). */
static void set_slot(mv_type *tp, int id, Value value) {
    if (id >= D_IADD) {
        tp->nb_inplace[id - D_IADD] = inplace_slots[id - D_IADD];
        return;
    }
    if (id >= D_RADD) {
        tp->nb[id - D_RADD] = binop_slots[id - D_RADD];
        return;
    }
    if (id >= D_ADD) {
        tp->nb[id - D_ADD] = binop_slots[id - D_ADD];
        return;
    }
    if (id >= D_LT) {
        tp->richcompare = slot_richcompare;
        return;
    }
    switch (id) {
    case D_REPR: tp->repr = slot_repr; break;
    case D_STR: tp->str = slot_str; break;
    case D_HASH: tp->hash = value == MV_NONE ? NULL : slot_hash; break;
    case D_CALL: tp->call = slot_call; break;
    case D_ITER: tp->iter = slot_iter; break;
    case D_NEXT: tp->iternext = slot_iternext; break;
    case D_LEN: tp->len = slot_len; break;
    case D_GETITEM: tp->getitem = slot_getitem; break;
    case D_SETITEM: case D_DELITEM: tp->setitem = slot_setitem; break;
    case D_CONTAINS: tp->contains = slot_contains; break;
    case D_GETATTRIBUTE: case D_GETATTR: tp->getattr = slot_getattr_hook; break;
    case D_SETATTR: case D_DELATTR: tp->setattr = slot_setattr; break;
    case D_GET: tp->descr_get = slot_descr_get; break;
    case D_SET: case D_DELETE: tp->descr_set = slot_descr_set; break;
    case D_INIT: tp->tp_init = slot_init; break;
    case D_NEW: tp->tp_new = slot_new; break;
    case D_BOOL: tp->bool_ = slot_bool; break;
    case D_NEG: tp->nb_neg = slot_neg; break;
    case D_POS: tp->nb_pos = slot_pos; break;
    case D_INVERT: tp->nb_invert = slot_invert; break;
    case D_ABS: tp->nb_abs = slot_abs; break;
    case D_INDEX: tp->nb_index = slot_index; break;
    case D_INT: tp->nb_int = slot_int; break;
    case D_FLOAT: tp->nb_float = slot_float; break;
    default: break;
    }
}

void mv_slots_fixup(mv_type *type, Value ns) {
    static mv_thread dummy;
    for (int id = 0; id < D__COUNT; id++) {
        Value v = mv_dict_get_str(ns, DN(id));
        if (v) set_slot(type, id, v);
    }
    /* __eq__ without __hash__: instances become unhashable, as in CPython */
    if (mv_dict_get_str(ns, DN(D_LT + MV_EQ)) && !mv_dict_get_str(ns, DN(D_HASH))) {
        type->hash = NULL;
        mv_dict_set(&dummy, ns, DN(D_HASH), MV_NONE);
    }
    if (dummy.curexc) MV_CLEAR(dummy.curexc);
}

void mv_slots_fixup_mro(mv_type *type) {
    for (int id = 0; id < D__COUNT; id++) {
        for (size_t i = 0; i < mv_tuple_size(type->mro); i++) {
            mv_type *tp = (mv_type *)MV_TUPLE_GET(type->mro, i);
            Value v = mv_dict_get_str(tp->dict, DN(id));
            if (!v) continue;
            if (tp->flags & MV_TPFLAG_HEAPTYPE) set_slot(type, id, v);
            break;
        }
    }
}

void mv_slots_update(mv_type *type, Value name) {
    DN(0);
    for (int id = 0; id < D__COUNT; id++) {
        if (dunder[id] == name || mv_str_eq(dunder[id], name)) {
            Value v = mv_dict_get_str(type->dict, dunder[id]);
            if (v) set_slot(type, id, v);
            return;
        }
    }
}
