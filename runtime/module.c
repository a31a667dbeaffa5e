/* module.c: module objects: a namespace dict plus a name.  Attribute access reads the dict first
 * (math.sqrt is hot), then the type's attributes; a miss raises CPython's
 * "module 'm' has no attribute 'x'" (or calls a module-level __getattr__).
 */
#include <stddef.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "module.h"
#include "str.h"

Value mv_module_new(mv_thread *t, const char *name) {
    mv_module *m = (mv_module *)mv_object_new(&mv_module_type);
    m->dict = mv_dict_new();
    m->name = mv_str_from_cstr(name);
    if (mv_dict_set_cstr(t, m->dict, "__name__", m->name) < 0 ||
        mv_dict_set_cstr(t, m->dict, "__doc__", MV_NONE) < 0 ||
        mv_dict_set_cstr(t, m->dict, "__package__", MV_NONE) < 0 ||
        mv_dict_set_cstr(t, m->dict, "__loader__", MV_NONE) < 0 ||
        mv_dict_set_cstr(t, m->dict, "__spec__", MV_NONE) < 0) {
        MV_DECREF((Value)m);
        return NULL;
    }
    return (Value)m;
}

Value mv_module_dict(Value m) {
    return ((mv_module *)m)->dict;
}

int mv_module_add(mv_thread *t, Value m, const char *name, Value v) {
    return mv_dict_set_cstr(t, ((mv_module *)m)->dict, name, v);
}

int mv_module_add_methods_as(mv_thread *t, Value m, const mv_method_def *defs, const char *modname) {
    mv_module *mod = (mv_module *)m;
    Value name = modname ? mv_str_from_cstr(modname) : mv_newref(mod->name);
    int r = 0;
    for (; defs->name && r == 0; defs++) {
        Value f = mv_cfunc_new(defs, m, name);
        if (!f) {
            r = -1;
            break;
        }
        r = mv_dict_set_cstr(t, mod->dict, defs->name, f);
        MV_DECREF(f);
    }
    MV_DECREF(name);
    return r;
}

int mv_module_add_methods(mv_thread *t, Value m, const mv_method_def *defs) {
    return mv_module_add_methods_as(t, m, defs, NULL);
}

static void module_dealloc(Value self) {
    mv_module *m = (mv_module *)self;
    MV_CLEAR(m->dict);
    MV_CLEAR(m->name);
}

static Value module_repr(mv_thread *t, Value self) {
    mv_module *m = (mv_module *)self;
    Value name = mv_dict_get_cstr(t, m->dict, "__name__");
    if (!name || !mv_str_check(name)) name = m->name;
    Value file = mv_dict_get_cstr(t, m->dict, "__file__");
    if (file && mv_str_check(file))
        return mv_str_fromf("<module '%s' from '%s'>", mv_str_data(name), mv_str_data(file));
    Value frozen = mv_dict_get_cstr(t, m->dict, "__frozen__");
    if (frozen) return mv_str_fromf("<module '%s' (frozen)>", mv_str_data(name));
    return mv_str_fromf("<module '%s' (built-in)>", mv_str_data(name));
}

static Value module_getattr(mv_thread *t, Value self, Value name) {
    mv_module *m = (mv_module *)self;
    Value v = mv_dict_get_str(m->dict, name);
    if (v) return mv_newref(v);
    if (mv_str_eq_cstr(name, "__dict__")) return mv_newref(m->dict);
    if (mv_str_eq_cstr(name, "__class__")) return mv_newref((Value)&mv_module_type);
    Value r = mv_generic_getattr(t, self, name);
    if (r || !mv_err_matches(t, &mv_exc_AttributeError)) return r;
    mv_err_clear(t);
    Value ga = mv_dict_get_cstr(t, m->dict, "__getattr__");
    if (ga) return mv_call1(t, ga, name);
    Value mname = mv_dict_get_cstr(t, m->dict, "__name__");
    if (mname && mv_str_check(mname)) {
        mv_err_format(t, &mv_exc_AttributeError, "module '%U' has no attribute '%U'", mname, name);
        /* name and obj let the traceback printer suggest "Did you mean: ...?" */
        if (t->curexc && mv_exc_check(t->curexc)) {
            Value e = mv_err_fetch(t);
            mv_setattr_cstr(t, e, "name", name);
            mv_setattr_cstr(t, e, "obj", self);
            mv_err_clear(t);
            mv_err_restore(t, e);
        }
        return NULL;
    }
    return mv_err_format(t, &mv_exc_AttributeError, "module has no attribute '%U'", name);
}

static int module_setattr(mv_thread *t, Value self, Value name, Value v) {
    mv_module *m = (mv_module *)self;
    if (v) return mv_dict_set(t, m->dict, name, v);
    if (!mv_dict_get_str(m->dict, name)) {
        mv_err_format(t, &mv_exc_AttributeError, "module '%U' has no attribute '%U'", m->name, name);
        return -1;
    }
    return mv_dict_del(t, m->dict, name);
}

static Value module_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs < 1 || !mv_str_check(args[0]))
        return mv_err_set(t, &mv_exc_TypeError, "module.__init__() argument 'name' must be str");
    Value m = mv_module_new(t, mv_str_data(args[0]));
    if (m && nargs > 1) mv_dict_set_cstr(t, mv_module_dict(m), "__doc__", args[1]);
    return m;
}

static Value module_dir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value keys = mv_dict_keys_list(((mv_module *)self)->dict);
    return keys;
}

static const mv_method_def module_methods[] = {
    {"__dir__", module_dir, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_module_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "module",
    .basicsize = sizeof(mv_module),
    .dictoffset = offsetof(mv_module, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Create a module object.",
    .tp_new = module_tp_new,
    .dealloc = module_dealloc,
    .repr = module_repr,
    .getattr = module_getattr,
    .setattr = module_setattr,
    .methods = module_methods,
};
