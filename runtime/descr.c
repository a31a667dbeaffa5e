/* descr.c: C functions and descriptors: builtin functions and bound builtin methods (mv_cfunc),
 * method descriptors in a type's dict (mv_method_descr: bind on access, callable unbound as
 * list.append(lst, x)), getset descriptors, staticmethod, classmethod and property.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "int.h"
#include "module.h"
#include "str.h"
#include "tuple.h"

static Value none(void) { return mv_newref(MV_NONE); }

/* ---- builtin functions and bound builtin methods ----------------------------------------- */

Value mv_cfunc_new(const mv_method_def *def, Value self, Value module) {
    mv_cfunc *f = (mv_cfunc *)mv_object_new(&mv_cfunc_type);
    f->def = def;
    f->self = self ? mv_newref(self) : NULL;
    f->module = module ? mv_newref(module) : NULL;
    return (Value)f;
}

static void cfunc_dealloc(Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    MV_XDECREF(f->self);
    MV_XDECREF(f->module);
}

/* A MV_METH_NOARGS function called with arguments: CPython's messages, which name the function
   with its module. */
static Value noargs_error(mv_thread *t, mv_cfunc *f, size_t nargs, Value kwnames) {
    const char *mod = f->module ? mv_str_data(f->module) : NULL;
    if (kwnames && mv_tuple_size(kwnames))
        return mv_err_format(t, &mv_exc_TypeError, "%s%s%s() takes no keyword arguments", mod ? mod : "",
                             mod ? "." : "", f->def->name);
    return mv_err_format(t, &mv_exc_TypeError, "%s%s%s() takes no arguments (%zu given)", mod ? mod : "",
                         mod ? "." : "", f->def->name, nargs);
}

static Value cfunc_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_cfunc *f = (mv_cfunc *)self;
    if ((f->def->flags & MV_METH_NOARGS) && (nargs || (kwnames && mv_tuple_size(kwnames))))
        return noargs_error(t, f, nargs, kwnames);
    return f->def->fn(t, f->self, args, nargs, kwnames);
}

static bool cfunc_is_function(mv_cfunc *f) {
    return !f->self || (!MV_IS_SMALL(f->self) && mv_isinstance_of(f->self, &mv_module_type));
}

static Value cfunc_repr(mv_thread *t, Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    if (cfunc_is_function(f)) return mv_str_fromf("<built-in function %s>", f->def->name);
    return mv_str_fromf("<built-in method %s of %s object at %p>", f->def->name, mv_type_name(f->self),
                        (void *)f->self);
}

static Value cfunc_richcompare(mv_thread *t, Value a, Value b, int op) {
    if ((op != MV_EQ && op != MV_NE) || MV_IS_SMALL(b) || b->type != &mv_cfunc_type) return MV_NOTIMPL;
    mv_cfunc *x = (mv_cfunc *)a, *y = (mv_cfunc *)b;
    bool eq = x->def == y->def && x->self == y->self;
    return mv_newref(MV_BOOL(op == MV_EQ ? eq : !eq));
}

static int cfunc_hash(mv_thread *t, Value self, int64_t *out) {
    mv_cfunc *f = (mv_cfunc *)self;
    int64_t h = (int64_t)(((uintptr_t)f->def >> 4) ^ ((uintptr_t)f->self >> 4) * 1000003);
    *out = h == -1 ? -2 : h;
    return 0;
}

static Value cfunc_get_name(mv_thread *t, Value self) { return mv_str_from_cstr(((mv_cfunc *)self)->def->name); }
static Value cfunc_get_qualname(mv_thread *t, Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    if (cfunc_is_function(f)) return mv_str_from_cstr(f->def->name);
    const char *owner = mv_type_check(f->self) ? ((mv_type *)f->self)->name : mv_type_name(f->self);
    return mv_str_fromf("%s.%s", owner, f->def->name);
}
static Value cfunc_get_self(mv_thread *t, Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    return mv_newref(f->self ? f->self : MV_NONE);
}
static Value cfunc_get_module(mv_thread *t, Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    if (f->module) return mv_newref(f->module);
    if (f->self && mv_isinstance_of(f->self, &mv_module_type)) return mv_newref(((mv_module *)f->self)->name);
    return none();
}
static Value cfunc_get_doc(mv_thread *t, Value self) {
    mv_cfunc *f = (mv_cfunc *)self;
    return f->def->doc ? mv_str_from_cstr(f->def->doc) : none();
}

static const mv_getset_def cfunc_getsets[] = {
    {"__name__", cfunc_get_name, NULL},
    {"__qualname__", cfunc_get_qualname, NULL},
    {"__self__", cfunc_get_self, NULL},
    {"__module__", cfunc_get_module, NULL},
    {"__doc__", cfunc_get_doc, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_cfunc_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "builtin_function_or_method",
    .basicsize = sizeof(mv_cfunc),
    .dealloc = cfunc_dealloc,
    .repr = cfunc_repr,
    .hash = cfunc_hash,
    .richcompare = cfunc_richcompare,
    .call = cfunc_call,
    .getsets = cfunc_getsets,
};

/* ---- method descriptors ------------------------------------------------------------------- */

Value mv_method_descr_new(mv_type *owner, const mv_method_def *def) {
    mv_method_descr *d = (mv_method_descr *)mv_object_new(&mv_method_descr_type);
    d->def = def;
    d->owner = owner; /* borrowed: static types are immortal, and own their dict */
    return (Value)d;
}

static Value method_descr_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_method_descr *d = (mv_method_descr *)self;
    if (d->def->flags & MV_METH_STATIC) return d->def->fn(t, NULL, args, nargs, kwnames);
    if (nargs < 1)
        return mv_err_format(t, &mv_exc_TypeError, "unbound method %s.%s() needs an argument", d->owner->name,
                             d->def->name);
    if (d->def->flags & MV_METH_CLASS) {
        if (!mv_type_check(args[0]) || !mv_type_is_subtype((mv_type *)args[0], d->owner))
            return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' for type '%s' needs a subtype of '%s'",
                                 d->def->name, d->owner->name, d->owner->name);
    } else if (!mv_isinstance_of(args[0], d->owner)) {
        return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                             d->def->name, d->owner->name, mv_type_name(args[0]));
    }
    return d->def->fn(t, args[0], args + 1, nargs - 1, kwnames);
}

static Value method_descr_get(mv_thread *t, Value descr, Value obj, Value type) {
    mv_method_descr *d = (mv_method_descr *)descr;
    unsigned fl = d->def->flags;
    if (fl & MV_METH_STATIC) return mv_cfunc_new(d->def, NULL, NULL);
    if (fl & MV_METH_CLASS) return mv_cfunc_new(d->def, type ? type : (Value)MV_TYPE(obj), NULL);
    if (!obj) return mv_newref(descr);
    if (!mv_isinstance_of(obj, d->owner))
        return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                             d->def->name, d->owner->name, mv_type_name(obj));
    return mv_cfunc_new(d->def, obj, NULL);
}

static Value method_descr_repr(mv_thread *t, Value self) {
    mv_method_descr *d = (mv_method_descr *)self;
    return mv_str_fromf("<method '%s' of '%s' objects>", d->def->name, d->owner->name);
}

static Value method_descr_get_name(mv_thread *t, Value self) {
    return mv_str_from_cstr(((mv_method_descr *)self)->def->name);
}
static Value method_descr_get_qualname(mv_thread *t, Value self) {
    mv_method_descr *d = (mv_method_descr *)self;
    return mv_str_fromf("%s.%s", d->owner->name, d->def->name);
}
static Value method_descr_get_objclass(mv_thread *t, Value self) {
    return mv_newref((Value)((mv_method_descr *)self)->owner);
}
static Value method_descr_get_doc(mv_thread *t, Value self) {
    mv_method_descr *d = (mv_method_descr *)self;
    return d->def->doc ? mv_str_from_cstr(d->def->doc) : none();
}

static const mv_getset_def method_descr_getsets[] = {
    {"__name__", method_descr_get_name, NULL},
    {"__qualname__", method_descr_get_qualname, NULL},
    {"__objclass__", method_descr_get_objclass, NULL},
    {"__doc__", method_descr_get_doc, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_method_descr_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "method_descriptor",
    .basicsize = sizeof(mv_method_descr),
    .repr = method_descr_repr,
    .call = method_descr_call,
    .descr_get = method_descr_get,
    .getsets = method_descr_getsets,
};

/* ---- getset descriptors ------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    const mv_getset_def *def;
    mv_type *owner;
} mv_getset_descr;

Value mv_getset_descr_new(mv_type *owner, const mv_getset_def *def) {
    mv_getset_descr *d = (mv_getset_descr *)mv_object_new(&mv_getset_descr_type);
    d->def = def;
    d->owner = owner; /* borrowed: the owner's dict holds us */
    return (Value)d;
}

static Value getset_get(mv_thread *t, Value descr, Value obj, Value type) {
    mv_getset_descr *d = (mv_getset_descr *)descr;
    if (!obj) return mv_newref(descr);
    if (!mv_isinstance_of(obj, d->owner))
        return mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                             d->def->name, d->owner->name, mv_type_name(obj));
    if (!d->def->get)
        return mv_err_format(t, &mv_exc_AttributeError, "attribute '%s' of '%s' objects is not readable",
                             d->def->name, d->owner->name);
    return d->def->get(t, obj);
}

static int getset_set(mv_thread *t, Value descr, Value obj, Value v) {
    mv_getset_descr *d = (mv_getset_descr *)descr;
    if (!mv_isinstance_of(obj, d->owner)) {
        mv_err_format(t, &mv_exc_TypeError, "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                      d->def->name, d->owner->name, mv_type_name(obj));
        return -1;
    }
    if (!d->def->set) {
        mv_err_format(t, &mv_exc_AttributeError, "attribute '%s' of '%s' objects is not writable", d->def->name,
                      d->owner->name);
        return -1;
    }
    return d->def->set(t, obj, v);
}

static Value getset_repr(mv_thread *t, Value self) {
    mv_getset_descr *d = (mv_getset_descr *)self;
    return mv_str_fromf("<attribute '%s' of '%s' objects>", d->def->name, d->owner->name);
}

static Value getset_get_name(mv_thread *t, Value self) { return mv_str_from_cstr(((mv_getset_descr *)self)->def->name); }
static Value getset_get_objclass(mv_thread *t, Value self) { return mv_newref((Value)((mv_getset_descr *)self)->owner); }

static const mv_getset_def getset_descr_getsets[] = {
    {"__name__", getset_get_name, NULL},
    {"__objclass__", getset_get_objclass, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_getset_descr_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "getset_descriptor",
    .basicsize = sizeof(mv_getset_descr),
    .repr = getset_repr,
    .descr_get = getset_get,
    .descr_set = getset_set,
    .getsets = getset_descr_getsets,
};

/* ---- staticmethod and classmethod ------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value func;
    Value dict; /* attributes (__doc__, __name__ copies, user attributes) */
} mv_funcwrap;

static Value funcwrap_new(mv_type *type, Value f) {
    mv_funcwrap *w = (mv_funcwrap *)mv_object_new(type);
    w->func = mv_newref(f);
    return (Value)w;
}

Value mv_staticmethod_new(Value f) { return funcwrap_new(&mv_staticmethod_type, f); }
Value mv_classmethod_new(Value f) { return funcwrap_new(&mv_classmethod_type, f); }

static Value funcwrap_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    const char *name = mv_type_is_subtype(type, &mv_staticmethod_type) ? "staticmethod" : "classmethod";
    if (kwnames && mv_tuple_size(kwnames))
        return mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", name);
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "%s expected 1 argument, got %zu", name, nargs);
    return funcwrap_new(type, args[0]);
}

static void funcwrap_dealloc(Value self) {
    mv_funcwrap *w = (mv_funcwrap *)self;
    MV_CLEAR(w->func);
    MV_CLEAR(w->dict);
}

static Value staticmethod_get(mv_thread *t, Value descr, Value obj, Value type) {
    return mv_newref(((mv_funcwrap *)descr)->func);
}

static Value staticmethod_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_call(t, ((mv_funcwrap *)self)->func, args, nargs, kwnames);
}

static Value classmethod_get(mv_thread *t, Value descr, Value obj, Value type) {
    if (!type) type = (Value)MV_TYPE(obj);
    return mv_method_new(((mv_funcwrap *)descr)->func, type);
}

static Value funcwrap_repr(mv_thread *t, Value self) {
    Value fr = mv_repr(t, ((mv_funcwrap *)self)->func);
    if (!fr) return NULL;
    Value r = mv_str_fromf("<%s(%s)>", MV_TYPE(self)->name, mv_str_data(fr));
    MV_DECREF(fr);
    return r;
}

static Value funcwrap_get_func(mv_thread *t, Value self) { return mv_newref(((mv_funcwrap *)self)->func); }

/* __doc__, __name__, __qualname__, __module__ come from the wrapped function (3.10+) unless
   set on the wrapper */
static Value funcwrap_getattr(mv_thread *t, Value self, Value name) {
    Value r = mv_generic_getattr_opt(t, self, name);
    if (r || t->curexc) return r;
    const char *n = mv_str_data(name);
    if (!strcmp(n, "__doc__") || !strcmp(n, "__name__") || !strcmp(n, "__qualname__") || !strcmp(n, "__module__") ||
        !strcmp(n, "__wrapped__")) {
        if (!strcmp(n, "__wrapped__")) return mv_newref(((mv_funcwrap *)self)->func);
        return mv_getattr(t, ((mv_funcwrap *)self)->func, name);
    }
    return mv_err_format(t, &mv_exc_AttributeError, "'%s' object has no attribute '%U'", mv_type_name(self), name);
}

static Value funcwrap_isabstract(mv_thread *t, Value self) {
    static Value s_abs;
    if (!s_abs) s_abs = mv_str_intern_cstr(t, "__isabstractmethod__");
    Value r = mv_getattr_opt(t, ((mv_funcwrap *)self)->func, s_abs);
    if (r || t->curexc) return r;
    return mv_newref(MV_FALSE);
}

static const mv_getset_def funcwrap_getsets[] = {
    {"__func__", funcwrap_get_func, NULL},
    {"__isabstractmethod__", funcwrap_isabstract, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_staticmethod_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "staticmethod",
    .basicsize = sizeof(mv_funcwrap),
    .dictoffset = offsetof(mv_funcwrap, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .doc = "staticmethod(function) -> method\n\nConvert a function to be a static method.",
    .tp_new = funcwrap_tp_new,
    .dealloc = funcwrap_dealloc,
    .repr = funcwrap_repr,
    .getattr = funcwrap_getattr,
    .call = staticmethod_call,
    .descr_get = staticmethod_get,
    .getsets = funcwrap_getsets,
};

mv_type mv_classmethod_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "classmethod",
    .basicsize = sizeof(mv_funcwrap),
    .dictoffset = offsetof(mv_funcwrap, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .doc = "classmethod(function) -> method\n\nConvert a function to be a class method.",
    .tp_new = funcwrap_tp_new,
    .dealloc = funcwrap_dealloc,
    .repr = funcwrap_repr,
    .getattr = funcwrap_getattr,
    .descr_get = classmethod_get,
    .getsets = funcwrap_getsets,
};

/* ---- property ------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value fget, fset, fdel, doc; /* NULL when absent */
    Value name;                  /* from __set_name__, for the error messages */
    bool getter_doc;             /* doc was taken from fget */
} mv_property;

static Value prop_arg(Value v) { return v && v != MV_NONE ? mv_newref(v) : NULL; }

static Value property_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    return mv_object_new(type);
}

static int property_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fget", "fset", "fdel", "doc", NULL};
    Value a[4];
    if (mv_parse_args(t, "property", args, nargs, kwnames, kwlist, 0, a) < 0) return -1;
    mv_property *p = (mv_property *)self;
    MV_SETREF(p->fget, prop_arg(a[0]));
    MV_SETREF(p->fset, prop_arg(a[1]));
    MV_SETREF(p->fdel, prop_arg(a[2]));
    MV_SETREF(p->doc, prop_arg(a[3]));
    p->getter_doc = false;
    if (!p->doc && p->fget) {
        static Value s_doc;
        if (!s_doc) s_doc = mv_str_intern_cstr(t, "__doc__");
        Value d = mv_getattr_opt(t, p->fget, s_doc);
        if (!d && t->curexc) return -1;
        if (d && d != MV_NONE) {
            p->doc = d;
            p->getter_doc = true;
        } else {
            MV_XDECREF(d);
        }
    }
    return 0;
}

static void property_dealloc(Value self) {
    mv_property *p = (mv_property *)self;
    MV_CLEAR(p->fget);
    MV_CLEAR(p->fset);
    MV_CLEAR(p->fdel);
    MV_CLEAR(p->doc);
    MV_CLEAR(p->name);
}

static Value property_error(mv_thread *t, mv_property *p, Value obj, const char *what) {
    if (p->name)
        return mv_err_format(t, &mv_exc_AttributeError, "property '%U' of '%s' object has no %s", p->name,
                             mv_type_name(obj), what);
    return mv_err_format(t, &mv_exc_AttributeError, "property of '%s' object has no %s", mv_type_name(obj), what);
}

static Value property_get(mv_thread *t, Value descr, Value obj, Value type) {
    mv_property *p = (mv_property *)descr;
    if (!obj) return mv_newref(descr);
    if (!p->fget) return property_error(t, p, obj, "getter");
    return mv_call1(t, p->fget, obj);
}

static int property_set(mv_thread *t, Value descr, Value obj, Value v) {
    mv_property *p = (mv_property *)descr;
    Value r;
    if (v) {
        if (!p->fset) return property_error(t, p, obj, "setter"), -1;
        r = mv_call2(t, p->fset, obj, v);
    } else {
        if (!p->fdel) return property_error(t, p, obj, "deleter"), -1;
        r = mv_call1(t, p->fdel, obj);
    }
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

/* p.getter(f) / p.setter(f) / p.deleter(f): a copy with one accessor replaced */
static Value property_copy(mv_thread *t, Value self, int which, Value f) {
    mv_property *p = (mv_property *)self;
    Value a[4] = {p->fget ? p->fget : MV_NONE, p->fset ? p->fset : MV_NONE, p->fdel ? p->fdel : MV_NONE,
                  p->doc && !p->getter_doc ? p->doc : MV_NONE};
    a[which] = f;
    mv_type *tp = MV_TYPE(self);
    Value np = mv_call(t, (Value)tp, a, 4, NULL);
    if (np && !MV_IS_SMALL(np) && mv_isinstance_of(np, &mv_property_type) && p->name)
        MV_SETREF(((mv_property *)np)->name, mv_newref(p->name));
    return np;
}

static Value property_getter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getter", nargs, 1, 1) < 0) return NULL;
    return property_copy(t, self, 0, args[0]);
}
static Value property_setter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setter", nargs, 1, 1) < 0) return NULL;
    return property_copy(t, self, 1, args[0]);
}
static Value property_deleter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "deleter", nargs, 1, 1) < 0) return NULL;
    return property_copy(t, self, 2, args[0]);
}
static Value property_set_name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__set_name__", nargs, 2, 2) < 0) return NULL;
    MV_SETREF(((mv_property *)self)->name, mv_newref(args[1]));
    return none();
}

static const mv_method_def property_methods[] = {
    {"getter", property_getter, 0, "Descriptor to obtain a copy of the property with a different getter."},
    {"setter", property_setter, 0, "Descriptor to obtain a copy of the property with a different setter."},
    {"deleter", property_deleter, 0, "Descriptor to obtain a copy of the property with a different deleter."},
    {"__set_name__", property_set_name, 0, "Method to set name of a property."},
    {NULL, NULL, 0, NULL},
};

static Value opt(Value v) { return mv_newref(v ? v : MV_NONE); }
static Value property_get_fget(mv_thread *t, Value self) { return opt(((mv_property *)self)->fget); }
static Value property_get_fset(mv_thread *t, Value self) { return opt(((mv_property *)self)->fset); }
static Value property_get_fdel(mv_thread *t, Value self) { return opt(((mv_property *)self)->fdel); }
static Value property_get_doc(mv_thread *t, Value self) { return opt(((mv_property *)self)->doc); }
static int property_set_doc(mv_thread *t, Value self, Value v) {
    MV_SETREF(((mv_property *)self)->doc, v ? mv_newref(v) : NULL);
    return 0;
}
static Value property_isabstract(mv_thread *t, Value self) { return mv_newref(MV_FALSE); }

static const mv_getset_def property_getsets[] = {
    {"fget", property_get_fget, NULL},
    {"fset", property_get_fset, NULL},
    {"fdel", property_get_fdel, NULL},
    {"__doc__", property_get_doc, property_set_doc},
    {"__isabstractmethod__", property_isabstract, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_property_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "property",
    .basicsize = sizeof(mv_property),
    .flags = MV_TPFLAG_BASETYPE,
    .doc = "Property attribute.",
    .tp_new = property_tp_new,
    .tp_init = property_tp_init,
    .dealloc = property_dealloc,
    .descr_get = property_get,
    .descr_set = property_set,
    .methods = property_methods,
    .getsets = property_getsets,
};

/* ---- member descriptors (__slots__ entries) ------------------------------------------------ */

typedef struct {
    mv_object ob;
    Value name;
    size_t offset;
    mv_type *owner; /* borrowed: the owner's dict holds us */
} mv_member_descr;

Value mv_member_descr_new(mv_type *owner, Value name, size_t offset) {
    mv_member_descr *d = (mv_member_descr *)mv_object_new(&mv_member_descr_type);
    d->name = mv_newref(name);
    d->offset = offset;
    d->owner = owner;
    return (Value)d;
}

static void member_dealloc(Value self) { MV_CLEAR(((mv_member_descr *)self)->name); }

static int member_check(mv_thread *t, mv_member_descr *d, Value obj) {
    if (mv_isinstance_of(obj, d->owner)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "descriptor '%U' for '%s' objects doesn't apply to a '%s' object", d->name,
                  d->owner->name, mv_type_name(obj));
    return -1;
}

static Value member_get(mv_thread *t, Value descr, Value obj, Value type) {
    mv_member_descr *d = (mv_member_descr *)descr;
    if (!obj) return mv_newref(descr);
    if (member_check(t, d, obj) < 0) return NULL;
    Value v = *(Value *)((char *)obj + d->offset);
    if (!v)
        return mv_err_format(t, &mv_exc_AttributeError, "'%s' object has no attribute '%U'", mv_type_name(obj), d->name);
    return mv_newref(v);
}

static int member_set(mv_thread *t, Value descr, Value obj, Value v) {
    mv_member_descr *d = (mv_member_descr *)descr;
    if (member_check(t, d, obj) < 0) return -1;
    Value *p = (Value *)((char *)obj + d->offset);
    if (!v && !*p) {
        mv_err_set_value(t, &mv_exc_AttributeError, d->name);
        return -1;
    }
    MV_SETREF(*p, v ? mv_newref(v) : NULL);
    return 0;
}

static Value member_repr(mv_thread *t, Value self) {
    mv_member_descr *d = (mv_member_descr *)self;
    return mv_str_fromf("<member '%s' of '%s' objects>", mv_str_data(d->name), d->owner->name);
}

static Value member_get_name(mv_thread *t, Value self) { return mv_newref(((mv_member_descr *)self)->name); }
static Value member_get_objclass(mv_thread *t, Value self) { return mv_newref((Value)((mv_member_descr *)self)->owner); }

static const mv_getset_def member_getsets[] = {
    {"__name__", member_get_name, NULL},
    {"__objclass__", member_get_objclass, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_member_descr_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "member_descriptor",
    .basicsize = sizeof(mv_member_descr),
    .dealloc = member_dealloc,
    .repr = member_repr,
    .descr_get = member_get,
    .descr_set = member_set,
    .getsets = member_getsets,
};
