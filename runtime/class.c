/* class.c: the `type` and `object` types: readying static types (dict from methods, getsets and
 * slot wrappers; slot inheritance), classes created by class statements (heap types with single
 * inheritance, an instance __dict__ slot, dunder methods wired into the slots by slots.c),
 * __build_class__, and super().
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "int.h"
#include "list.h"
#include "set.h"
#include "str.h"
#include "tuple.h"
#include "bytes.h"

/* A heap type: the type object plus what it owns. */
typedef struct {
    mv_type tp;
    char *name_buf; /* owned copy of the name (tp.name points here) */
    size_t slots_offset, nslots; /* the __slots__ values this class adds to instances */
} mv_heaptype;

static Value intern(Value *cache, const char *s) {
    if (!*cache) *cache = mv_str_intern_cstr(NULL, s);
    return *cache;
}
#define NAME(var, lit) intern(&var, lit)
static Value s_module, s_qualname, s_doc, s_classcell, s_new, s_init_subclass, s_class_getitem,
    s_set_name, s_dict, s_name, s_getattr, s_slots;

/* mv_type_ready runs before any thread exists: dict operations on str keys cannot fail, so a
   zeroed stand-in thread carries their (absent) errors. */
static mv_thread ready_thread;

/* ---- readying static types ------------------------------------------------------------------ */

#define INHERIT(f) if (!type->f) type->f = base->f
static void inherit_slots(mv_type *type, mv_type *base) {
    INHERIT(basicsize);
    INHERIT(dictoffset);
    type->flags |= base->flags & (MV_TPFLAG_INT_SUBCLASS | MV_TPFLAG_STR_SUBCLASS | MV_TPFLAG_TUPLE_SUBCLASS |
                                  MV_TPFLAG_LIST_SUBCLASS | MV_TPFLAG_DICT_SUBCLASS | MV_TPFLAG_EXC_SUBCLASS |
                                  MV_TPFLAG_TYPE_SUBCLASS);
    INHERIT(tp_new);
    INHERIT(tp_init);
    INHERIT(dealloc);
    INHERIT(repr);
    INHERIT(str);
    /* as CPython: hash and comparison are inherited together, so a type defining __eq__ without
       __hash__ (list, dict) stays unhashable */
    if (!type->hash && !type->richcompare) {
        type->hash = base->hash;
        type->richcompare = base->richcompare;
    }
    INHERIT(bool_);
    INHERIT(getattr);
    INHERIT(setattr);
    INHERIT(call);
    INHERIT(iter);
    INHERIT(iternext);
    INHERIT(len);
    INHERIT(getitem);
    INHERIT(setitem);
    INHERIT(contains);
    INHERIT(descr_get);
    INHERIT(descr_set);
    for (int i = 0; i < MV_BINOP__COUNT; i++) {
        INHERIT(nb[i]);
        INHERIT(nb_inplace[i]);
    }
    INHERIT(nb_neg);
    INHERIT(nb_pos);
    INHERIT(nb_invert);
    INHERIT(nb_abs);
    INHERIT(nb_index);
    INHERIT(nb_int);
    INHERIT(nb_float);
}
#undef INHERIT

int mv_type_ready(mv_type *type) {
    if (type->flags & MV_TPFLAG_READY) return 0;
    /* set first: creating the dict below may ready the dict type, which must not recurse here */
    type->flags |= MV_TPFLAG_READY;
    mv_thread *t = &ready_thread;
    if (!type->ob.type) type->ob.type = &mv_type_type;
    if (!type->ob.refcnt) type->ob.refcnt = MV_IMMORTAL_REFCNT;
    if (!type->base && type != &mv_object_type) type->base = &mv_object_type;
    if (type->base) mv_type_ready(type->base);
    if (!type->dict) type->dict = mv_dict_new();
    Value d = type->dict;
    if (type->methods) {
        for (const mv_method_def *m = type->methods; m->name; m++) {
            Value key = mv_str_intern_cstr(t, m->name);
            if (mv_dict_get_str(d, key)) continue;
            Value v = mv_method_descr_new(type, m);
            mv_dict_set(t, d, key, v);
            MV_DECREF(v);
        }
    }
    if (type->getsets) {
        for (const mv_getset_def *g = type->getsets; g->name; g++) {
            Value key = mv_str_intern_cstr(t, g->name);
            if (mv_dict_get_str(d, key)) continue;
            Value v = mv_getset_descr_new(type, g);
            mv_dict_set(t, d, key, v);
            MV_DECREF(v);
        }
    }
    mv_slots_add_wrappers(type, d);
    if (!mv_dict_get_str(d, NAME(s_doc, "__doc__"))) {
        Value doc = type->doc ? mv_str_from_cstr(type->doc) : mv_newref(MV_NONE);
        mv_dict_set(t, d, s_doc, doc);
        MV_DECREF(doc);
    }
    if (type->base) inherit_slots(type, type->base);
    if (!type->hash) {
        Value key = mv_str_intern_cstr(t, "__hash__");
        if (!mv_dict_get_str(d, key)) mv_dict_set(t, d, key, MV_NONE);
    }
    mv_type_modified(type);
    if (ready_thread.curexc) MV_CLEAR(ready_thread.curexc);
    return 0;
}

/* ---- the type type ------------------------------------------------------------------------- */

Value mv_type_name_str(mv_type *type) {
    if (type->qualname) return mv_newref(type->qualname);
    /* a static type named "module.Name" (e.g. "collections.deque"): its __name__ is "Name" */
    const char *dot = (type->flags & MV_TPFLAG_HEAPTYPE) ? NULL : strrchr(type->name, '.');
    return mv_str_from_cstr(dot ? dot + 1 : type->name);
}

static Value type_module(mv_type *type) {
    if (type->flags & MV_TPFLAG_HEAPTYPE) {
        Value m = mv_dict_get_str(type->dict, NAME(s_module, "__module__"));
        if (m) return mv_newref(m);
    }
    if (type->module) return mv_newref(type->module);
    /* a static type named "module.Name" lives in that module, as in CPython */
    const char *dot = (type->flags & MV_TPFLAG_HEAPTYPE) ? NULL : strrchr(type->name, '.');
    if (dot) return mv_str_new(type->name, (size_t)(dot - type->name));
    return mv_str_from_cstr("builtins");
}

Value mv_type_repr(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    Value mod = type_module(type);
    Value qn = mv_type_name_str(type);
    Value r;
    if (mv_str_check(mod) && !mv_str_eq_cstr(mod, "builtins"))
        r = mv_str_fromf("<class '%s.%s'>", mv_str_data(mod), mv_str_data(qn));
    else
        r = mv_str_fromf("<class '%s'>", mv_str_data(qn));
    MV_DECREF(mod);
    MV_DECREF(qn);
    return r;
}

static Value type_getattr(mv_thread *t, Value self, Value name) {
    mv_type *type = (mv_type *)self, *meta = MV_TYPE(self);
    /* static types are readied lazily: __mro__, __dict__ ... must see a ready type */
    if (!(type->flags & MV_TPFLAG_READY)) mv_type_ready(type);
    Value meta_attr = mv_type_lookup(meta, name);
    Value (*meta_get)(mv_thread *, Value, Value, Value) = NULL;
    if (meta_attr) {
        mv_type *mt = MV_TYPE(meta_attr);
        meta_get = mt->descr_get;
        if (meta_get && mt->descr_set) return meta_get(t, meta_attr, self, (Value)meta);
    }
    Value attr = mv_type_lookup(type, name);
    if (attr) {
        mv_type *at = MV_TYPE(attr);
        if (at->descr_get) return at->descr_get(t, attr, NULL, self);
        return mv_newref(attr);
    }
    if (meta_get) return meta_get(t, meta_attr, self, (Value)meta);
    if (meta_attr) return mv_newref(meta_attr);
    if (meta->flags & MV_TPFLAG_HEAPTYPE) {
        /* a metaclass __getattr__ */
        Value ga = mv_type_lookup(meta, NAME(s_getattr, "__getattr__"));
        if (ga) return mv_call2(t, ga, self, name);
    }
    return mv_err_format(t, &mv_exc_AttributeError, "type object '%s' has no attribute '%U'", type->name, name);
}

static bool is_dunder(Value name) {
    size_t n = mv_str_size(name);
    const char *s = mv_str_data(name);
    return n > 4 && s[0] == '_' && s[1] == '_' && s[n - 1] == '_' && s[n - 2] == '_';
}

static int type_setattr(mv_thread *t, Value self, Value name, Value v) {
    mv_type *type = (mv_type *)self, *meta = MV_TYPE(self);
    Value meta_attr = mv_type_lookup(meta, name);
    if (meta_attr && MV_TYPE(meta_attr)->descr_set) return MV_TYPE(meta_attr)->descr_set(t, meta_attr, self, v);
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '%U' attribute of immutable type '%s'", name, type->name);
        return -1;
    }
    int r;
    if (v) {
        r = mv_dict_set(t, type->dict, name, v);
    } else if (mv_dict_get_str(type->dict, name)) {
        r = mv_dict_del(t, type->dict, name);
    } else {
        mv_err_format(t, &mv_exc_AttributeError, "type object '%s' has no attribute '%U'", type->name, name);
        return -1;
    }
    mv_type_modified(type);
    if (r == 0 && is_dunder(name)) mv_slots_update(type, name);
    return r;
}

static void type_dealloc(Value self) {
    mv_type *type = (mv_type *)self;
    mv_type_modified(type); /* the address may be reused by a new class */
    MV_CLEAR(type->dict);
    MV_CLEAR(type->qualname);
    MV_CLEAR(type->module);
    MV_CLEAR(type->bases);
    MV_CLEAR(type->mro);
    if (type->base) MV_DECREF((Value)type->base);
    mv_free(((mv_heaptype *)type)->name_buf);
}

static Value type_or(mv_thread *t, Value a, Value b);

/* type(x) and type(name, bases, dict) */
static Value type_new_impl(mv_thread *t, mv_type *meta, Value name, Value bases, Value ns, Value kwargs);

static Value type_tp_new(mv_thread *t, mv_type *meta, Value *args, size_t nargs, Value kwnames) {
    if (meta == &mv_type_type && nargs == 1 && (!kwnames || mv_tuple_size(kwnames) == 0))
        return mv_newref((Value)MV_TYPE(args[0]));
    if (nargs != 3) {
        if (meta == &mv_type_type) return mv_err_set(t, &mv_exc_TypeError, "type() takes 1 or 3 arguments");
        return mv_err_format(t, &mv_exc_TypeError, "type.__new__() takes exactly 3 arguments (%zu given)", nargs);
    }
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "type.__new__() argument 1 must be str, not %s", mv_type_name(args[0]));
    if (!mv_tuple_check(args[1]))
        return mv_err_format(t, &mv_exc_TypeError, "type.__new__() argument 2 must be tuple, not %s", mv_type_name(args[1]));
    if (!mv_dict_check(args[2]))
        return mv_err_format(t, &mv_exc_TypeError, "type.__new__() argument 3 must be dict, not %s", mv_type_name(args[2]));
    Value kwargs = NULL;
    if (kwnames && mv_tuple_size(kwnames)) {
        kwargs = mv_dict_new();
        for (size_t i = 0; i < mv_tuple_size(kwnames); i++) mv_dict_set(t, kwargs, MV_TUPLE_GET(kwnames, i), args[nargs + i]);
    }
    Value r = type_new_impl(t, meta, args[0], args[1], args[2], kwargs);
    MV_XDECREF(kwargs);
    return r;
}

static int type_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1 && nargs != 3) {
        mv_err_set(t, &mv_exc_TypeError, "type.__init__() takes 1 or 3 arguments");
        return -1;
    }
    return 0;
}

static Value type_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_type *type = (mv_type *)self;
    if (!type->tp_new) {
        if (!(type->flags & MV_TPFLAG_READY)) mv_type_ready(type);
        if (!type->tp_new) return mv_err_format(t, &mv_exc_TypeError, "cannot create '%s' instances", type->name);
    }
    Value obj = type->tp_new(t, type, args, nargs, kwnames);
    if (!obj) return NULL;
    /* type(x) returns a type that is not an instance of... type(x) */
    if (type == &mv_type_type && nargs == 1) return obj;
    if (!mv_isinstance_of(obj, type)) return obj;
    mv_type *ot = MV_TYPE(obj);
    if (ot->tp_init && ot->tp_init(t, obj, args, nargs, kwnames) < 0) {
        MV_DECREF(obj);
        return NULL;
    }
    return obj;
}

static Value type_getitem(mv_thread *t, Value self, Value key) {
    mv_type *type = (mv_type *)self;
    Value cg = mv_type_lookup(type, NAME(s_class_getitem, "__class_getitem__"));
    if (cg) {
        Value f = MV_TYPE(cg)->descr_get ? MV_TYPE(cg)->descr_get(t, cg, NULL, self) : mv_newref(cg);
        if (!f) return NULL;
        Value r = mv_call1(t, f, key);
        MV_DECREF(f);
        return r;
    }
    /* list[int], dict[str, int] ... in annotations: the generic alias is approximated by the
       class itself */
    if (type == &mv_list_type || type == &mv_dict_type || type == &mv_tuple_type || type == &mv_set_type ||
        type == &mv_frozenset_type || type == &mv_type_type)
        return mv_newref(self);
    return mv_err_format(t, &mv_exc_TypeError, "type '%s' is not subscriptable", type->name);
}

/* type getsets */
static Value type_get_name(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    const char *dot = (type->flags & MV_TPFLAG_HEAPTYPE) ? NULL : strrchr(type->name, '.');
    return mv_str_from_cstr(dot ? dot + 1 : type->name);
}
static int type_set_name(mv_thread *t, Value self, Value v) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '__name__' attribute of immutable type '%s'", type->name);
        return -1;
    }
    if (!v || !mv_str_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "can only assign string to %s.__name__, not '%s'", type->name,
                      v ? mv_type_name(v) : "NoneType");
        return -1;
    }
    mv_heaptype *ht = (mv_heaptype *)type;
    char *buf = mv_malloc(mv_str_size(v) + 1);
    memcpy(buf, mv_str_data(v), mv_str_size(v) + 1);
    mv_free(ht->name_buf);
    ht->name_buf = buf;
    type->name = buf;
    return 0;
}
static Value type_get_qualname(mv_thread *t, Value self) { return mv_type_name_str((mv_type *)self); }
static int type_set_qualname(mv_thread *t, Value self, Value v) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '__qualname__' attribute of immutable type '%s'", type->name);
        return -1;
    }
    if (!v || !mv_str_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "can only assign string to %s.__qualname__, not '%s'", type->name,
                      v ? mv_type_name(v) : "NoneType");
        return -1;
    }
    MV_SETREF(type->qualname, mv_newref(v));
    return 0;
}
static Value type_get_module(mv_thread *t, Value self) { return type_module((mv_type *)self); }
static int type_set_module(mv_thread *t, Value self, Value v) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '__module__' attribute of immutable type '%s'", type->name);
        return -1;
    }
    mv_type_modified(type);
    if (!v) return mv_dict_del(t, type->dict, NAME(s_module, "__module__"));
    return mv_dict_set(t, type->dict, NAME(s_module, "__module__"), v);
}
static Value type_get_dict(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_READY)) mv_type_ready(type);
    return mv_newref(type->dict);
}
static Value type_get_bases(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    if (type->bases) return mv_newref(type->bases);
    if (!type->base) return mv_newref(MV_EMPTY_TUPLE);
    return mv_tuple_pack(1, (Value)type->base);
}
static Value type_get_base(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    return mv_newref(type->base ? (Value)type->base : MV_NONE);
}
static Value type_get_mro(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    if (type->mro) {
        size_t m = mv_tuple_size(type->mro);
        Value r = mv_tuple_new(m + 1);
        MV_TUPLE_SET(r, 0, mv_newref(self));
        for (size_t i = 0; i < m; i++) MV_TUPLE_SET(r, i + 1, mv_newref(MV_TUPLE_GET(type->mro, i)));
        return r;
    }
    size_t n = 0;
    for (mv_type *tp = (mv_type *)self; tp; tp = tp->base) n++;
    Value r = mv_tuple_new(n);
    n = 0;
    for (mv_type *tp = (mv_type *)self; tp; tp = tp->base) MV_TUPLE_SET(r, n++, mv_newref((Value)tp));
    return r;
}
static Value type_get_doc(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) return type->doc ? mv_str_from_cstr(type->doc) : mv_newref(MV_NONE);
    Value d = mv_dict_get_str(type->dict, NAME(s_doc, "__doc__"));
    if (!d) return mv_newref(MV_NONE);
    if (MV_TYPE(d)->descr_get) return MV_TYPE(d)->descr_get(t, d, NULL, self);
    return mv_newref(d);
}
static int type_set_doc(mv_thread *t, Value self, Value v) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '__doc__' attribute of immutable type '%s'", type->name);
        return -1;
    }
    mv_type_modified(type);
    return mv_dict_set(t, type->dict, NAME(s_doc, "__doc__"), v ? v : MV_NONE);
}

/* __abstractmethods__: abc's ABCMeta stores the abstract names here; a non-empty value makes
   the class refuse instantiation (object.__new__). */
static Value s_abstract;
static Value type_get_abstract(mv_thread *t, Value self) {
    mv_type *type = (mv_type *)self;
    Value v = (type->flags & MV_TPFLAG_HEAPTYPE) ? mv_dict_get_str(type->dict, NAME(s_abstract, "__abstractmethods__"))
                                                  : NULL;
    if (!v) return mv_err_set_value(t, &mv_exc_AttributeError, NAME(s_abstract, "__abstractmethods__"));
    return mv_newref(v);
}
static int type_set_abstract(mv_thread *t, Value self, Value v) {
    mv_type *type = (mv_type *)self;
    if (!(type->flags & MV_TPFLAG_HEAPTYPE)) {
        mv_err_format(t, &mv_exc_TypeError, "cannot set '__abstractmethods__' attribute of immutable type '%s'",
                      type->name);
        return -1;
    }
    int r, abstract = 0;
    if (v) {
        abstract = mv_truthy(t, v);
        if (abstract < 0) return -1;
        r = mv_dict_set(t, type->dict, NAME(s_abstract, "__abstractmethods__"), v);
    } else {
        r = mv_dict_get_str(type->dict, NAME(s_abstract, "__abstractmethods__")) ? mv_dict_del(t, type->dict, s_abstract) : 0;
    }
    if (abstract)
        type->flags |= MV_TPFLAG_ABSTRACT;
    else
        type->flags &= ~MV_TPFLAG_ABSTRACT;
    mv_type_modified(type);
    return r;
}

static const mv_getset_def type_getsets[] = {
    {"__abstractmethods__", type_get_abstract, type_set_abstract},
    {"__name__", type_get_name, type_set_name},
    {"__qualname__", type_get_qualname, type_set_qualname},
    {"__module__", type_get_module, type_set_module},
    {"__dict__", type_get_dict, NULL},
    {"__bases__", type_get_bases, NULL},
    {"__base__", type_get_base, NULL},
    {"__mro__", type_get_mro, NULL},
    {"__doc__", type_get_doc, type_set_doc},
    {NULL, NULL, NULL},
};

static Value type_mro_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "mro", nargs, 0, 0) < 0) return NULL;
    Value tup = type_get_mro(t, self);
    Value r = mv_sequence_list(t, tup);
    MV_DECREF(tup);
    return r;
}
static Value type_subclasses(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_list_new(0); /* subclasses are not tracked */
}
static Value type_instancecheck(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__instancecheck__", nargs, 1, 1) < 0) return NULL;
    return mv_newref(MV_BOOL(mv_isinstance_of(args[0], (mv_type *)self)));
}
static Value type_subclasscheck(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__subclasscheck__", nargs, 1, 1) < 0) return NULL;
    /* the plain check: a metaclass's own __subclasscheck__ calls this one */
    if (!mv_type_check(args[0])) return mv_err_set(t, &mv_exc_TypeError, "issubclass() arg 1 must be a class");
    return mv_newref(MV_BOOL(mv_type_is_subtype((mv_type *)args[0], (mv_type *)self)));
}
static Value type_prepare(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_dict_new();
}
static void add_keys(mv_thread *t, Value set_dict, Value d) {
    size_t pos = 0;
    Value k, v;
    while (mv_dict_next(d, &pos, &k, &v)) mv_dict_set(t, set_dict, k, MV_NONE);
}
static Value type_dir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value acc = mv_dict_new();
    for (mv_type *tp = (mv_type *)self; tp; tp = tp->base) {
        if (!(tp->flags & MV_TPFLAG_READY)) mv_type_ready(tp);
        add_keys(t, acc, tp->dict);
    }
    Value r = mv_dict_keys_list(acc);
    MV_DECREF(acc);
    return r;
}

static const mv_method_def type_methods[] = {
    {"mro", type_mro_method, 0, "Return a type's method resolution order."},
    {"__subclasses__", type_subclasses, 0, "Return a list of immediate subclasses."},
    {"__instancecheck__", type_instancecheck, 0, "Check if an object is an instance."},
    {"__subclasscheck__", type_subclasscheck, 0, "Check if a class is a subclass."},
    {"__prepare__", type_prepare, MV_METH_CLASS, "Create the namespace for the class statement"},
    {"__dir__", type_dir, 0, "Specialized __dir__ implementation for types."},
    {NULL, NULL, 0, NULL},
};

mv_type mv_type_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "type",
    .basicsize = sizeof(mv_heaptype),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_TYPE_SUBCLASS,
    .base = &mv_object_type,
    .doc = "type(object) -> the object's type\ntype(name, bases, dict, **kwds) -> a new type",
    .tp_new = type_tp_new,
    .tp_init = type_tp_init,
    .dealloc = type_dealloc,
    .repr = mv_type_repr,
    .getattr = type_getattr,
    .setattr = type_setattr,
    .call = type_call,
    .getitem = type_getitem,
    .nb = {[MV_BINOP_OR] = type_or},
    .methods = type_methods,
    .getsets = type_getsets,
};

/* ---- the object type ---------------------------------------------------------------------- */

static Value object_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames);
static int object_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);

static bool excess_args(size_t nargs, Value kwnames) { return nargs || (kwnames && mv_tuple_size(kwnames)); }

static Value abstract_error(mv_thread *t, mv_type *type) {
    Value names = mv_dict_get_str(type->dict, NAME(s_abstract, "__abstractmethods__"));
    Value l = names ? mv_sequence_list(t, names) : mv_list_new(0);
    if (!l) return NULL;
    if (mv_list_sort(t, l, NULL, false) < 0) {
        MV_DECREF(l);
        return NULL;
    }
    Value sep = mv_str_from_cstr(", ");
    Value joined = mv_str_join(t, sep, l);
    MV_DECREF(sep);
    if (joined)
        mv_err_format(t, &mv_exc_TypeError, "Can't instantiate abstract class %s with abstract method%s %U", type->name,
                      mv_list_size(l) == 1 ? "" : "s", joined);
    MV_XDECREF(joined);
    MV_DECREF(l);
    return NULL;
}

static Value object_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (excess_args(nargs, kwnames)) {
        if (type->tp_new != object_tp_new)
            return mv_err_set(t, &mv_exc_TypeError, "object.__new__() takes exactly one argument (the type to instantiate)");
        if (type->tp_init == object_tp_init)
            return mv_err_format(t, &mv_exc_TypeError, "%s() takes no arguments", type->name);
    }
    if (type->flags & MV_TPFLAG_ABSTRACT) return abstract_error(t, type);
    return mv_object_new(type);
}

static int object_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (excess_args(nargs, kwnames)) {
        mv_type *type = MV_TYPE(self);
        if (type->tp_init != object_tp_init) {
            mv_err_set(t, &mv_exc_TypeError, "object.__init__() takes exactly one argument (the instance to initialize)");
            return -1;
        }
        if (type->tp_new == object_tp_new) {
            mv_err_format(t, &mv_exc_TypeError, "%s() takes no arguments", type->name);
            return -1;
        }
    }
    return 0;
}

static Value object_repr(mv_thread *t, Value self) {
    mv_type *tp = MV_TYPE(self);
    Value mod = type_module(tp);
    Value qn = mv_type_name_str(tp);
    Value r;
    if (mv_str_check(mod) && !mv_str_eq_cstr(mod, "builtins"))
        r = mv_str_fromf("<%s.%s object at %p>", mv_str_data(mod), mv_str_data(qn), (void *)self);
    else
        r = mv_str_fromf("<%s object at %p>", mv_str_data(qn), (void *)self);
    MV_DECREF(mod);
    MV_DECREF(qn);
    return r;
}

static Value object_str(mv_thread *t, Value self) { return mv_repr(t, self); }

static int object_hash(mv_thread *t, Value self, int64_t *out) {
    /* CPython's _Py_HashPointer: rotate by 4 so that the alignment zeros do not collide */
    uintptr_t p = (uintptr_t)self;
    int64_t h = (int64_t)((p >> 4) | (p << (8 * sizeof(p) - 4)));
    if (h == -1) h = -2;
    *out = h;
    return 0;
}

static Value object_richcompare(mv_thread *t, Value a, Value b, int op) {
    switch (op) {
    case MV_EQ: return a == b ? mv_newref(MV_TRUE) : MV_NOTIMPL;
    case MV_NE: {
        /* by default, != is the inverse of the type's == */
        mv_type *tp = MV_TYPE(a);
        if (!tp->richcompare) return MV_NOTIMPL;
        Value r = tp->richcompare(t, a, b, MV_EQ);
        if (!r || r == MV_NOTIMPL) return r;
        int k = mv_truthy(t, r);
        MV_DECREF(r);
        if (k < 0) return NULL;
        return mv_newref(MV_BOOL(!k));
    }
    default: return MV_NOTIMPL;
    }
}

static Value object_format_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__format__", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "__format__() argument must be str, not %s", mv_type_name(args[0]));
    return mv_object_format(t, self, args[0]);
}

static Value object_dir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value acc = mv_dict_new();
    mv_type *tp = MV_TYPE(self);
    if (tp->dictoffset && !MV_IS_SMALL(self)) {
        Value d = *(Value *)((char *)self + tp->dictoffset);
        if (d) add_keys(t, acc, d);
    }
    for (; tp; tp = tp->base) {
        if (!(tp->flags & MV_TPFLAG_READY)) mv_type_ready(tp);
        add_keys(t, acc, tp->dict);
    }
    Value r = mv_dict_keys_list(acc);
    MV_DECREF(acc);
    return r;
}

static Value object_init_subclass(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs || (kwnames && mv_tuple_size(kwnames)))
        return mv_err_format(t, &mv_exc_TypeError, "%s.__init_subclass__() takes no keyword arguments",
                             ((mv_type *)self)->name);
    return mv_newref(MV_NONE);
}

static Value object_subclasshook(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return MV_NOTIMPL;
}

static Value object_sizeof(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_u64(MV_TYPE(self)->basicsize);
}

static const mv_method_def object_methods[] = {
    {"__format__", object_format_method, 0, "Default object formatter."},
    {"__dir__", object_dir, 0, "Default dir() implementation."},
    {"__init_subclass__", object_init_subclass, MV_METH_CLASS,
     "This method is called when a class is subclassed."},
    {"__subclasshook__", object_subclasshook, MV_METH_CLASS, "Abstract classes can override this to customize issubclass()."},
    {"__sizeof__", object_sizeof, 0, "Size of object in memory, in bytes."},
    {NULL, NULL, 0, NULL},
};

bool mv_is_object_format(Value m) {
    return !MV_IS_SMALL(m) && m->type == &mv_method_descr_type &&
           ((mv_method_descr *)m)->def == &object_methods[0];
}

static Value object_get_class(mv_thread *t, Value self) { return mv_newref((Value)MV_TYPE(self)); }
static int object_set_class(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "can't delete __class__ attribute");
        return -1;
    }
    if (!mv_type_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "__class__ must be set to a class, not '%s' object", mv_type_name(v));
        return -1;
    }
    mv_type *old = MV_TYPE(self), *nt = (mv_type *)v;
    if (MV_IS_SMALL(self) || !(old->flags & MV_TPFLAG_HEAPTYPE) || !(nt->flags & MV_TPFLAG_HEAPTYPE) ||
        old->basicsize != nt->basicsize || old->dictoffset != nt->dictoffset) {
        mv_err_format(t, &mv_exc_TypeError, "__class__ assignment: '%s' object layout differs from '%s'", nt->name,
                      old->name);
        return -1;
    }
    MV_INCREF(v);
    self->type = nt;
    MV_DECREF((Value)old);
    return 0;
}

static const mv_getset_def object_getsets[] = {
    {"__class__", object_get_class, object_set_class},
    {NULL, NULL, NULL},
};

mv_type mv_object_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "object",
    .basicsize = sizeof(mv_object),
    .flags = MV_TPFLAG_BASETYPE,
    .doc = "The base class of the class hierarchy.\n\nWhen called, it accepts no arguments and returns a new "
           "featureless\ninstance that has no instance attributes and cannot be given any.\n",
    .tp_new = object_tp_new,
    .tp_init = object_tp_init,
    .repr = object_repr,
    .str = object_str,
    .hash = object_hash,
    .richcompare = object_richcompare,
    .getattr = mv_generic_getattr,
    .setattr = mv_generic_setattr,
    .methods = object_methods,
    .getsets = object_getsets,
};

/* ---- heap classes -------------------------------------------------------------------------- */

/* The static type whose layout (and dealloc) a heap type's instances use. */
static mv_type *solid_base(mv_type *type) {
    while (type->flags & MV_TPFLAG_HEAPTYPE) type = type->base;
    return type;
}

static void subtype_dealloc(Value self) {
    mv_type *tp = self->type;
    mv_type *solid = solid_base(tp);
    for (mv_type *h = tp; h->flags & MV_TPFLAG_HEAPTYPE; h = h->base) {
        mv_heaptype *ht = (mv_heaptype *)h;
        for (size_t i = 0; i < ht->nslots; i++) MV_CLEAR(*(Value *)((char *)self + ht->slots_offset + i * sizeof(Value)));
    }
    if (tp->dictoffset && !solid->dictoffset) MV_CLEAR(*(Value *)((char *)self + tp->dictoffset));
    if (solid->dealloc) solid->dealloc(self);
}

/* instance.__dict__ for classes that added the dict slot */
static Value subtype_get_dict(mv_thread *t, Value self) {
    mv_type *tp = MV_TYPE(self);
    if (!tp->dictoffset) return mv_err_set(t, &mv_exc_AttributeError, "This object has no __dict__");
    Value *dp = (Value *)((char *)self + tp->dictoffset);
    if (!*dp) *dp = mv_dict_new();
    return mv_newref(*dp);
}
static int subtype_set_dict(mv_thread *t, Value self, Value v) {
    mv_type *tp = MV_TYPE(self);
    if (!v || !mv_dict_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "__dict__ must be set to a dictionary, not a '%s'", v ? mv_type_name(v) : "NoneType");
        return -1;
    }
    Value *dp = (Value *)((char *)self + tp->dictoffset);
    MV_SETREF(*dp, mv_newref(v));
    return 0;
}
static const mv_getset_def subtype_dict_getset = {"__dict__", subtype_get_dict, subtype_set_dict};

/* Objects whose instances have a variable size (items inline) cannot take a dict slot at a
   fixed offset after the base struct. */
static bool varsized(mv_type *solid) {
    return solid == &mv_str_type || solid == &mv_tuple_type || solid == &mv_bytes_type;
}

static Value current_module_name(mv_thread *t) {
    if (t->frame && t->frame->globals) {
        Value n = mv_dict_get_str(t->frame->globals, NAME(s_name, "__name__"));
        if (n) return mv_newref(n);
    }
    return NULL;
}

static int wrap_special(mv_thread *t, Value dict, Value name, Value (*wrap)(Value)) {
    Value f = mv_dict_get_str(dict, name);
    if (f && mv_func_check(f)) {
        Value w = wrap(f);
        int r = mv_dict_set(t, dict, name, w);
        MV_DECREF(w);
        return r;
    }
    return 0;
}

static int call_set_name(mv_thread *t, Value cls) {
    mv_type *type = (mv_type *)cls;
    Value items = mv_dict_copy(t, type->dict);
    if (!items) return -1;
    size_t pos = 0;
    Value k, v;
    int rc = 0;
    while (mv_dict_next(items, &pos, &k, &v)) {
        if (MV_IS_SMALL(v) || !((v->type->flags & MV_TPFLAG_HEAPTYPE) || v->type == &mv_property_type)) continue;
        Value sn = mv_type_lookup(v->type, NAME(s_set_name, "__set_name__"));
        if (!sn) continue;
        Value m;
        int kk = mv_get_method(t, v, s_set_name, &m);
        if (kk < 0) {
            rc = -1;
            break;
        }
        Value r;
        if (kk) {
            Value a[3] = {v, cls, k};
            r = mv_call(t, m, a, 3, NULL);
        } else {
            r = mv_call2(t, m, cls, k);
        }
        MV_DECREF(m);
        if (!r) {
            rc = -1;
            break;
        }
        MV_DECREF(r);
    }
    MV_DECREF(items);
    return rc;
}

static int call_init_subclass(mv_thread *t, Value cls, Value kwargs) {
    mv_type *type = (mv_type *)cls;
    Value d = mv_type_lookup(type->base, NAME(s_init_subclass, "__init_subclass__"));
    if (!d) return 0;
    bool has_kw = kwargs && mv_dict_size(kwargs);
    if (!has_kw && !MV_IS_SMALL(d) && d->type == &mv_method_descr_type) return 0; /* object's: no-op */
    Value f = MV_TYPE(d)->descr_get ? MV_TYPE(d)->descr_get(t, d, NULL, cls) : mv_newref(d);
    if (!f) return -1;
    Value r = mv_call_tuple_dict(t, f, MV_EMPTY_TUPLE, kwargs);
    MV_DECREF(f);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

/* ---- multiple inheritance: C3 linearization and the layout base ---- */

bool mv_type_is_subtype_mro(mv_type *a, mv_type *b) {
    if (a == b) return true;
    Value mro = a->mro;
    for (size_t i = 0; i < mv_tuple_size(mro); i++)
        if (MV_TUPLE_GET(mro, i) == (Value)b) return true;
    return false;
}

/* A type's full MRO (itself first) as a new list. */
static Value mro_list(mv_type *tp) {
    Value l = mv_list_new(0);
    mv_list_append(l, (Value)tp);
    if (tp->mro) {
        for (size_t i = 0; i < mv_tuple_size(tp->mro); i++) mv_list_append(l, MV_TUPLE_GET(tp->mro, i));
    } else {
        for (mv_type *b = tp->base; b; b = b->base) mv_list_append(l, (Value)b);
    }
    return l;
}

static bool in_tail(Value seq, size_t head, Value x) {
    for (size_t i = head + 1; i < mv_list_size(seq); i++)
        if (MV_LIST_GET(seq, i) == x) return true;
    return false;
}

/* The C3 merge of the bases' MROs and the bases list: the MRO after the class itself. */
static Value c3_mro(mv_thread *t, Value bases) {
    size_t nb = mv_tuple_size(bases);
    for (size_t i = 0; i < nb; i++)
        for (size_t j = i + 1; j < nb; j++)
            if (MV_TUPLE_GET(bases, i) == MV_TUPLE_GET(bases, j))
                return mv_err_format(t, &mv_exc_TypeError, "duplicate base class %s",
                                     ((mv_type *)MV_TUPLE_GET(bases, i))->name);
    size_t nseq = nb + 1;
    Value seqs[nseq];
    size_t heads[nseq];
    for (size_t i = 0; i < nb; i++) seqs[i] = mro_list((mv_type *)MV_TUPLE_GET(bases, i));
    seqs[nb] = mv_sequence_list(t, bases);
    for (size_t i = 0; i < nseq; i++) heads[i] = 0;
    Value out = mv_list_new(0), r = NULL;
    for (;;) {
        bool empty = true, found = false;
        for (size_t i = 0; i < nseq && !found; i++) {
            if (heads[i] >= mv_list_size(seqs[i])) continue;
            empty = false;
            Value cand = MV_LIST_GET(seqs[i], heads[i]);
            bool ok = true;
            for (size_t j = 0; j < nseq && ok; j++)
                if (heads[j] < mv_list_size(seqs[j]) && in_tail(seqs[j], heads[j], cand)) ok = false;
            if (!ok) continue;
            found = true;
            mv_list_append(out, cand);
            for (size_t j = 0; j < nseq; j++)
                if (heads[j] < mv_list_size(seqs[j]) && MV_LIST_GET(seqs[j], heads[j]) == cand) heads[j]++;
        }
        if (empty) {
            r = mv_tuple_from_array(mv_list_items(out), mv_list_size(out));
            break;
        }
        if (!found) {
            mv_strbuf b;
            mv_strbuf_init(&b);
            Value seen = mv_list_new(0);
            for (size_t i = 0; i < nseq; i++) {
                if (heads[i] >= mv_list_size(seqs[i])) continue;
                Value h = MV_LIST_GET(seqs[i], heads[i]);
                bool dup = false;
                for (size_t k = 0; k < mv_list_size(seen); k++) dup |= MV_LIST_GET(seen, k) == h;
                if (dup) continue;
                mv_list_append(seen, h);
                if (mv_list_size(seen) > 1) mv_strbuf_adds(&b, ", ");
                mv_strbuf_adds(&b, ((mv_type *)h)->name);
            }
            MV_DECREF(seen);
            Value names = mv_strbuf_finish(&b);
            mv_err_format(t, &mv_exc_TypeError,
                          "Cannot create a consistent method resolution\norder (MRO) for bases %U", names);
            MV_DECREF(names);
            break;
        }
    }
    MV_DECREF(out);
    for (size_t i = 0; i < nseq; i++) MV_DECREF(seqs[i]);
    return r;
}

static mv_type *solid_base(mv_type *type);

/* The base whose instance layout the class extends: the one with the most derived solid base
   (all others' solid bases must be its ancestors). */
static mv_type *best_base(mv_thread *t, Value bases) {
    mv_type *best = NULL, *best_solid = NULL;
    for (size_t i = 0; i < mv_tuple_size(bases); i++) {
        mv_type *b = (mv_type *)MV_TUPLE_GET(bases, i);
        mv_type *s = solid_base(b);
        if (!best) {
            best = b;
            best_solid = s;
        } else if (mv_type_is_subtype(best_solid, s)) {
            /* fine: b's layout is contained in best's */
        } else if (mv_type_is_subtype(s, best_solid)) {
            best = b;
            best_solid = s;
        } else {
            mv_err_set(t, &mv_exc_TypeError, "multiple bases have instance lay-out conflict");
            return NULL;
        }
    }
    return best;
}

static Value type_new_impl(mv_thread *t, mv_type *meta, Value name, Value bases, Value ns, Value kwargs) {
    mv_type *base = NULL;
    size_t nb = mv_tuple_size(bases);
    for (size_t i = 0; i < nb; i++) {
        Value b = MV_TUPLE_GET(bases, i);
        if (!mv_type_check(b)) return mv_err_format(t, &mv_exc_TypeError, "bases must be types");
        if (!(((mv_type *)b)->flags & MV_TPFLAG_READY)) mv_type_ready((mv_type *)b);
    }
    Value mro = NULL;
    if (nb > 1 || (nb == 1 && (((mv_type *)MV_TUPLE_GET(bases, 0))->flags & MV_TPFLAG_MULTI))) {
        mro = c3_mro(t, bases);
        if (!mro) return NULL;
        base = best_base(t, bases);
        if (!base) {
            MV_DECREF(mro);
            return NULL;
        }
    } else {
        base = nb ? (mv_type *)MV_TUPLE_GET(bases, 0) : &mv_object_type;
    }
    for (size_t i = 0; i < nb; i++) {
        mv_type *b = (mv_type *)MV_TUPLE_GET(bases, i);
        if ((!(b->flags & MV_TPFLAG_BASETYPE) && !b->tp_new) || b == &mv_bool_type) {
            MV_XDECREF(mro);
            return mv_err_format(t, &mv_exc_TypeError, "type '%s' is not an acceptable base type", b->name);
        }
    }
    /* the metaclass: the most derived of meta and the base's */
    mv_type *bmeta = MV_TYPE((Value)base);
    if (mv_type_is_subtype(bmeta, meta)) meta = bmeta;

    Value dict = mv_dict_copy(t, ns);
    if (!dict) {
        MV_XDECREF(mro);
        return NULL;
    }
    size_t tsize = meta->basicsize > sizeof(mv_heaptype) ? meta->basicsize : sizeof(mv_heaptype);
    mv_heaptype *ht = (mv_heaptype *)mv_object_new_sized(meta, tsize);
    mv_type *type = &ht->tp;
    size_t nlen = mv_str_size(name);
    ht->name_buf = mv_malloc(nlen + 1);
    memcpy(ht->name_buf, mv_str_data(name), nlen + 1);
    type->name = ht->name_buf;
    type->dict = dict;
    type->base = base;
    MV_INCREF((Value)base);
    type->flags = MV_TPFLAG_HEAPTYPE | MV_TPFLAG_BASETYPE | MV_TPFLAG_READY;
    if (mro) {
        type->flags |= MV_TPFLAG_MULTI;
        type->mro = mro;
        type->bases = mv_newref(bases);
    }
    if (mv_type_is_subtype(base, &mv_type_type)) type->flags |= MV_TPFLAG_TYPE_SUBCLASS;

    Value qn = mv_dict_get_str(dict, NAME(s_qualname, "__qualname__"));
    if (qn) {
        if (!mv_str_check(qn)) {
            mv_err_format(t, &mv_exc_TypeError, "type __qualname__ must be a str, not %s", mv_type_name(qn));
            goto fail;
        }
        type->qualname = mv_newref(qn);
        if (mv_dict_del(t, dict, s_qualname) < 0) goto fail;
    } else {
        type->qualname = mv_newref(name);
    }
    if (!mv_dict_get_str(dict, NAME(s_module, "__module__"))) {
        Value m = current_module_name(t);
        if (m) {
            mv_dict_set(t, dict, s_module, m);
            MV_DECREF(m);
        }
    }
    if (!mv_dict_get_str(dict, NAME(s_doc, "__doc__"))) mv_dict_set(t, dict, s_doc, MV_NONE);
    if (wrap_special(t, dict, NAME(s_new, "__new__"), mv_staticmethod_new) < 0 ||
        wrap_special(t, dict, NAME(s_init_subclass, "__init_subclass__"), mv_classmethod_new) < 0 ||
        wrap_special(t, dict, NAME(s_class_getitem, "__class_getitem__"), mv_classmethod_new) < 0)
        goto fail;

    /* layout: the base's, then the __slots__ values, then a __dict__ slot unless the base
       already has one (or __slots__ leaves it out) */
    mv_type *solid = solid_base(base);
    type->basicsize = base->basicsize;
    type->dictoffset = base->dictoffset;
    bool want_dict = true;
    Value slots = mv_dict_get_str(dict, NAME(s_slots, "__slots__"));
    if (slots) {
        Value names = mv_str_check(slots) ? mv_tuple_pack(1, slots) : mv_sequence_tuple(t, slots);
        if (!names) goto fail;
        want_dict = false;
        size_t off = (base->basicsize + sizeof(Value) - 1) & ~(sizeof(Value) - 1);
        ht->slots_offset = off;
        for (size_t i = 0; i < mv_tuple_size(names); i++) {
            Value sn = MV_TUPLE_GET(names, i);
            if (!mv_str_check(sn)) {
                mv_err_format(t, &mv_exc_TypeError, "__slots__ items must be strings, not '%s'", mv_type_name(sn));
                MV_DECREF(names);
                goto fail;
            }
            if (mv_str_eq_cstr(sn, "__dict__")) {
                want_dict = true;
                continue;
            }
            if (mv_str_eq_cstr(sn, "__weakref__")) continue;
            if (mv_dict_get_str(dict, sn)) {
                mv_err_format(t, &mv_exc_ValueError, "'%U' in __slots__ conflicts with class variable", sn);
                MV_DECREF(names);
                goto fail;
            }
            if (varsized(solid)) {
                mv_err_format(t, &mv_exc_TypeError, "nonempty __slots__ not supported for subtype of '%s'", solid->name);
                MV_DECREF(names);
                goto fail;
            }
            Value key = mv_str_intern(t, mv_newref(sn));
            Value md = mv_member_descr_new(type, key, off + ht->nslots * sizeof(Value));
            mv_dict_set(t, dict, key, md);
            MV_DECREF(md);
            MV_DECREF(key);
            ht->nslots++;
        }
        MV_DECREF(names);
        if (ht->nslots) type->basicsize = off + ht->nslots * sizeof(Value);
    }
    if (want_dict && !type->dictoffset && !varsized(solid)) {
        size_t off = (type->basicsize + sizeof(Value) - 1) & ~(sizeof(Value) - 1);
        type->dictoffset = off;
        type->basicsize = off + sizeof(Value);
    }
    if (type->dictoffset && !mv_type_lookup(base, NAME(s_dict, "__dict__"))) {
        Value gd = mv_getset_descr_new(type, &subtype_dict_getset);
        mv_dict_set(t, dict, s_dict, gd);
        MV_DECREF(gd);
    }
    inherit_slots(type, base);
    type->dealloc = subtype_dealloc;
    {
        static Value s_del;
        if (mv_type_lookup(type, NAME(s_del, "__del__"))) type->flags |= MV_TPFLAG_FINALIZER;
    }
    if (mro) mv_slots_fixup_mro(type);
    mv_slots_fixup(type, dict);

    Value cell = mv_dict_get_str(dict, NAME(s_classcell, "__classcell__"));
    if (cell) {
        if (MV_IS_SMALL(cell) || cell->type != &mv_cell_type) {
            mv_err_format(t, &mv_exc_TypeError, "__classcell__ must be a nonlocal cell, not %s", mv_type_name(cell));
            goto fail;
        }
        MV_SETREF(((mv_cell *)cell)->ref, mv_newref((Value)type));
        if (mv_dict_del(t, dict, s_classcell) < 0) goto fail;
    }
    mv_type_modified(type);
    if (call_set_name(t, (Value)type) < 0 || call_init_subclass(t, (Value)type, kwargs) < 0) goto fail;
    return (Value)type;
fail:
    MV_DECREF((Value)type);
    return NULL;
}

Value mv_type_new_class(mv_thread *t, Value name, Value bases, Value ns) {
    return type_new_impl(t, &mv_type_type, name, bases, ns, NULL);
}

Value mv_build_class(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs < 2) return mv_err_set(t, &mv_exc_TypeError, "__build_class__: not enough arguments");
    Value func = args[0], name = args[1];
    if (!mv_func_check(func)) return mv_err_set(t, &mv_exc_TypeError, "__build_class__: func must be a function");
    if (!mv_str_check(name)) return mv_err_set(t, &mv_exc_TypeError, "__build_class__: name is not a string");
    Value meta = NULL, kwargs = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (mv_str_eq_cstr(k, "metaclass")) {
            meta = args[nargs + i];
        } else {
            if (!kwargs) kwargs = mv_dict_new();
            mv_dict_set(t, kwargs, k, args[nargs + i]);
        }
    }
    Value bases = mv_tuple_from_array(args + 2, nargs - 2);
    if (!meta) {
        meta = (Value)&mv_type_type;
        for (size_t i = 0; i < nargs - 2; i++) {
            mv_type *bm = MV_TYPE(args[2 + i]);
            if (mv_type_is_subtype(bm, (mv_type *)meta)) meta = (Value)bm;
        }
    }
    Value ns = NULL, cls = NULL;
    if (meta != (Value)&mv_type_type && mv_type_check(meta)) {
        static Value s_prepare;
        Value prep = mv_type_lookup((mv_type *)meta, NAME(s_prepare, "__prepare__"));
        if (prep && !(!MV_IS_SMALL(prep) && prep->type == &mv_method_descr_type)) {
            Value f = mv_getattr(t, meta, s_prepare);
            if (!f) goto done;
            Value a[2] = {name, bases};
            ns = mv_call(t, f, a, 2, NULL);
            MV_DECREF(f);
            if (!ns) goto done;
        }
    }
    if (!ns) ns = mv_dict_new();
    Value r = mv_func_call_with_locals(t, func, ns);
    if (!r) goto done;
    MV_DECREF(r);
    if (meta == (Value)&mv_type_type) {
        cls = type_new_impl(t, &mv_type_type, name, bases, ns, kwargs);
    } else {
        Value a[3] = {name, bases, ns};
        if (kwargs) {
            Value targs = mv_tuple_from_array(a, 3);
            cls = mv_call_tuple_dict(t, meta, targs, kwargs);
            MV_DECREF(targs);
        } else {
            cls = mv_call(t, meta, a, 3, NULL);
        }
    }
done:
    MV_XDECREF(ns);
    MV_DECREF(bases);
    MV_XDECREF(kwargs);
    return cls;
}

/* ---- super -------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    mv_type *type;     /* the class super() was called in */
    Value obj;         /* the instance (or class, for classmethods) */
    mv_type *obj_type; /* where the MRO search starts */
} mv_super;

static Value super_new(mv_thread *t, mv_type *stype, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "super() takes no keyword arguments");
    Value type = NULL, obj = NULL;
    if (nargs == 0) {
        mv_frame *f = t->frame;
        if (!f || !f->code) return mv_err_set(t, &mv_exc_RuntimeError, "super(): no current frame");
        mv_code *co = f->code;
        if (co->argcount == 0 && !(co->flags & MV_CO_VARARGS))
            return mv_err_set(t, &mv_exc_RuntimeError, "super(): no arguments");
        obj = f->localsplus[0];
        if (obj && !MV_IS_SMALL(obj) && obj->type == &mv_cell_type) {
            obj = ((mv_cell *)obj)->ref;
        } else if (co->cell2arg) {
            for (int i = 0; i < co->ncells; i++) {
                if (co->cell2arg[i] == 0) {
                    Value c = f->localsplus[co->nlocals + i];
                    if (c && !MV_IS_SMALL(c) && c->type == &mv_cell_type) obj = ((mv_cell *)c)->ref;
                    break;
                }
            }
        }
        if (!obj) return mv_err_set(t, &mv_exc_RuntimeError, "super(): arg[0] deleted");
        for (int i = 0; i < co->nfrees; i++) {
            Value n = MV_TUPLE_GET(co->freevars, i);
            if (mv_str_eq_cstr(n, "__class__")) {
                Value c = f->localsplus[co->nlocals + co->ncells + i];
                if (!c || MV_IS_SMALL(c) || c->type != &mv_cell_type)
                    return mv_err_set(t, &mv_exc_RuntimeError, "super(): bad __class__ cell");
                type = ((mv_cell *)c)->ref;
                if (!type) return mv_err_set(t, &mv_exc_RuntimeError, "super(): empty __class__ cell");
                if (!mv_type_check(type))
                    return mv_err_format(t, &mv_exc_RuntimeError, "super(): __class__ is not a type (%s)", mv_type_name(type));
                break;
            }
        }
        if (!type) return mv_err_set(t, &mv_exc_RuntimeError, "super(): __class__ cell not found");
    } else if (nargs <= 2) {
        type = args[0];
        if (!mv_type_check(type))
            return mv_err_format(t, &mv_exc_TypeError, "super() argument 1 must be a type, not %s", mv_type_name(type));
        obj = nargs == 2 ? args[1] : NULL;
    } else {
        return mv_err_format(t, &mv_exc_TypeError, "super() takes at most 2 arguments (%zu given)", nargs);
    }
    mv_type *obj_type = NULL;
    if (obj == MV_NONE) obj = NULL;
    if (obj) {
        if (mv_type_check(obj) && mv_type_is_subtype((mv_type *)obj, (mv_type *)type))
            obj_type = (mv_type *)obj;
        else if (mv_isinstance_of(obj, (mv_type *)type))
            obj_type = MV_TYPE(obj);
        else
            return mv_err_set(t, &mv_exc_TypeError, "super(type, obj): obj must be an instance or subtype of type");
    }
    mv_super *s = (mv_super *)mv_object_new(stype);
    s->type = (mv_type *)mv_newref(type);
    s->obj = obj ? mv_newref(obj) : NULL;
    s->obj_type = obj_type ? (mv_type *)mv_newref((Value)obj_type) : NULL;
    return (Value)s;
}

static void super_dealloc(Value self) {
    mv_super *s = (mv_super *)self;
    MV_DECREF((Value)s->type);
    MV_XDECREF(s->obj);
    if (s->obj_type) MV_DECREF((Value)s->obj_type);
}

static Value super_getattr(mv_thread *t, Value self, Value name) {
    mv_super *s = (mv_super *)self;
    if (s->obj_type && !mv_str_eq_cstr(name, "__class__")) {
        mv_type *tp = s->obj_type;
        if (tp->flags & MV_TPFLAG_MULTI) {
            Value mro = tp->mro;
            size_t n = mv_tuple_size(mro), i = 0;
            if (tp != s->type) {
                while (i < n && MV_TUPLE_GET(mro, i) != (Value)s->type) i++;
                i++;
            }
            for (; i < n; i++) {
                mv_type *m = (mv_type *)MV_TUPLE_GET(mro, i);
                Value res = mv_dict_get_str(m->dict, name);
                if (!res) continue;
                mv_type *rt = MV_TYPE(res);
                if (rt->descr_get)
                    return rt->descr_get(t, res, s->obj == (Value)s->obj_type ? NULL : s->obj, (Value)s->obj_type);
                return mv_newref(res);
            }
            return mv_generic_getattr(t, self, name);
        }
        while (tp && tp != s->type) tp = tp->base;
        if (tp) tp = tp->base;
        for (; tp; tp = tp->base) {
            if (!(tp->flags & MV_TPFLAG_READY)) mv_type_ready(tp);
            Value res = mv_dict_get_str(tp->dict, name);
            if (!res) continue;
            mv_type *rt = MV_TYPE(res);
            if (rt->descr_get)
                return rt->descr_get(t, res, s->obj == (Value)s->obj_type ? NULL : s->obj, (Value)s->obj_type);
            return mv_newref(res);
        }
    }
    return mv_generic_getattr(t, self, name);
}

static Value super_repr(mv_thread *t, Value self) {
    mv_super *s = (mv_super *)self;
    Value tn = mv_type_name_str(s->type);
    Value r;
    if (s->obj_type) {
        Value on = mv_type_name_str(s->obj_type);
        r = mv_str_fromf("<super: <class '%s'>, <%s object>>", mv_str_data(tn), mv_str_data(on));
        MV_DECREF(on);
    } else {
        r = mv_str_fromf("<super: <class '%s'>, NULL>", mv_str_data(tn));
    }
    MV_DECREF(tn);
    return r;
}

static Value super_get_thisclass(mv_thread *t, Value self) { return mv_newref((Value)((mv_super *)self)->type); }
static Value super_get_self(mv_thread *t, Value self) {
    Value o = ((mv_super *)self)->obj;
    return mv_newref(o ? o : MV_NONE);
}
static Value super_get_self_class(mv_thread *t, Value self) {
    mv_type *o = ((mv_super *)self)->obj_type;
    return mv_newref(o ? (Value)o : MV_NONE);
}
static const mv_getset_def super_getsets[] = {
    {"__thisclass__", super_get_thisclass, NULL},
    {"__self__", super_get_self, NULL},
    {"__self_class__", super_get_self_class, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_super_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "super",
    .basicsize = sizeof(mv_super),
    .flags = MV_TPFLAG_BASETYPE,
    .doc = "super() -> same as super(__class__, <first argument>)",
    .tp_new = super_new,
    .dealloc = super_dealloc,
    .repr = super_repr,
    .getattr = super_getattr,
    .getsets = super_getsets,
};

/* ---- X | Y on types (types.UnionType), for annotations and isinstance ------------------- */

typedef struct {
    mv_object ob;
    Value args; /* tuple of types (None stored as NoneType) */
} mv_union;

static bool unionable(Value v) {
    return v == MV_NONE || mv_type_check(v) || (!MV_IS_SMALL(v) && v->type == &mv_union_type);
}

static void union_add(Value list, Value v) {
    if (v == MV_NONE) v = (Value)&mv_none_type;
    if (!MV_IS_SMALL(v) && v->type == &mv_union_type) {
        Value a = ((mv_union *)v)->args;
        for (size_t i = 0; i < mv_tuple_size(a); i++) union_add(list, MV_TUPLE_GET(a, i));
        return;
    }
    for (size_t i = 0; i < mv_list_size(list); i++)
        if (MV_LIST_GET(list, i) == v) return;
    mv_list_append(list, v);
}

static Value type_or(mv_thread *t, Value a, Value b) {
    if (!unionable(a) || !unionable(b)) return MV_NOTIMPL;
    Value l = mv_list_new(0);
    union_add(l, a);
    union_add(l, b);
    if (mv_list_size(l) == 1) {
        Value r = mv_newref(MV_LIST_GET(l, 0));
        MV_DECREF(l);
        return r;
    }
    mv_union *u = (mv_union *)mv_object_new(&mv_union_type);
    u->args = mv_tuple_from_array(mv_list_items(l), mv_list_size(l));
    MV_DECREF(l);
    return (Value)u;
}

Value mv_union_args(Value u) { return ((mv_union *)u)->args; }

static void union_dealloc(Value self) { MV_CLEAR(((mv_union *)self)->args); }

static Value union_repr(mv_thread *t, Value self) {
    Value a = ((mv_union *)self)->args;
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (size_t i = 0; i < mv_tuple_size(a); i++) {
        if (i) mv_strbuf_adds(&b, " | ");
        mv_type *tp = (mv_type *)MV_TUPLE_GET(a, i);
        if (tp == &mv_none_type) {
            mv_strbuf_adds(&b, "None");
            continue;
        }
        Value mod = type_module(tp), qn = mv_type_name_str(tp);
        if (mv_str_check(mod) && !mv_str_eq_cstr(mod, "builtins")) mv_strbuf_addf(&b, "%s.", mv_str_data(mod));
        mv_strbuf_adds(&b, mv_str_data(qn));
        MV_DECREF(mod);
        MV_DECREF(qn);
    }
    return mv_strbuf_finish(&b);
}

static Value union_richcompare(mv_thread *t, Value a, Value b, int op) {
    if ((op != MV_EQ && op != MV_NE) || MV_IS_SMALL(b) || b->type != &mv_union_type) return MV_NOTIMPL;
    Value x = ((mv_union *)a)->args, y = ((mv_union *)b)->args;
    bool eq = mv_tuple_size(x) == mv_tuple_size(y);
    for (size_t i = 0; eq && i < mv_tuple_size(x); i++) {
        bool found = false;
        for (size_t j = 0; j < mv_tuple_size(y); j++)
            if (MV_TUPLE_GET(x, i) == MV_TUPLE_GET(y, j)) found = true;
        eq = found;
    }
    return mv_newref(MV_BOOL(op == MV_EQ ? eq : !eq));
}

static int union_hash(mv_thread *t, Value self, int64_t *out) {
    Value a = ((mv_union *)self)->args;
    uint64_t h = 0x345678;
    for (size_t i = 0; i < mv_tuple_size(a); i++) h ^= (uintptr_t)MV_TUPLE_GET(a, i) >> 4;
    *out = (int64_t)(h >> 1);
    return 0;
}

static Value union_get_args(mv_thread *t, Value self) { return mv_newref(((mv_union *)self)->args); }
static const mv_getset_def union_getsets[] = {
    {"__args__", union_get_args, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_union_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "UnionType",
    .basicsize = sizeof(mv_union),
    .dealloc = union_dealloc,
    .repr = union_repr,
    .hash = union_hash,
    .richcompare = union_richcompare,
    .nb = {[MV_BINOP_OR] = type_or},
    .getsets = union_getsets,
};
