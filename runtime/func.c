/* func.c: Python function objects (code + globals + defaults + closure), bound methods, and the
 * binding of call arguments to parameters with CPython's exact error messages.  Calls from C
 * (mv_func_call) run the function's frame in a nested eval loop; calls from Python bytecode take
 * the eval loop's own fast path and never come here.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "gen.h"
#include "module.h"
#include "str.h"
#include "tuple.h"

/* ---- function objects ---- */

Value mv_func_new(mv_thread *t, Value code, Value globals, Value qualname) {
    mv_code *co = (mv_code *)code;
    mv_func *fn = (mv_func *)mv_object_new(&mv_func_type);
    fn->code = co;
    MV_INCREF(code);
    fn->globals = mv_newref(globals);
    Value b = mv_dict_get_cstr(t, globals, "__builtins__");
    if (b && !mv_dict_check(b)) {
        Value d = mv_module_check_dict(b);
        b = d;
    }
    if (!b) {
        if (mv_err_occurred(t)) mv_err_clear(t);
        b = t->vm->builtins;
    }
    fn->builtins = mv_newref(b);
    fn->name = mv_newref(co->name);
    fn->qualname = mv_newref(qualname ? qualname : co->qualname);
    Value mod = mv_dict_get_cstr(t, globals, "__name__");
    if (!mod && mv_err_occurred(t)) mv_err_clear(t);
    fn->module = mv_newref(mod ? mod : MV_NONE);
    if ((co->flags & MV_CO_HAS_DOCSTRING) && mv_tuple_size(co->consts) > 0)
        fn->doc = mv_newref(MV_TUPLE_GET(co->consts, 0));
    else
        fn->doc = mv_newref(MV_NONE);
    return (Value)fn;
}

static void func_dealloc(Value self) {
    mv_func *fn = (mv_func *)self;
    MV_XDECREF((Value)fn->code);
    MV_XDECREF(fn->globals);
    MV_XDECREF(fn->builtins);
    MV_XDECREF(fn->name);
    MV_XDECREF(fn->qualname);
    MV_XDECREF(fn->module);
    MV_XDECREF(fn->defaults);
    MV_XDECREF(fn->kwdefaults);
    MV_XDECREF(fn->closure);
    MV_XDECREF(fn->doc);
    MV_XDECREF(fn->dict);
    MV_XDECREF(fn->annotations);
}

static Value func_repr(mv_thread *t, Value self) {
    mv_func *fn = (mv_func *)self;
    return mv_str_fromf("<function %s at %p>", mv_str_data(fn->qualname), (void *)fn);
}

static Value func_descr_get(mv_thread *t, Value descr, Value obj, Value type) {
    if (!obj || obj == MV_NONE) return mv_newref(descr);
    return mv_method_new(descr, obj);
}

#define FN(v) ((mv_func *)(v))

static Value fget_name(mv_thread *t, Value s) { return mv_newref(FN(s)->name); }
static int fset_name(mv_thread *t, Value s, Value v) {
    if (!v || !mv_str_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__name__ must be set to a string object");
        return -1;
    }
    MV_INCREF(v);
    MV_SETREF(FN(s)->name, v);
    return 0;
}
static Value fget_qualname(mv_thread *t, Value s) { return mv_newref(FN(s)->qualname); }
static int fset_qualname(mv_thread *t, Value s, Value v) {
    if (!v || !mv_str_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__qualname__ must be set to a string object");
        return -1;
    }
    MV_INCREF(v);
    MV_SETREF(FN(s)->qualname, v);
    return 0;
}
static Value fget_doc(mv_thread *t, Value s) { return mv_newref(FN(s)->doc ? FN(s)->doc : MV_NONE); }
static int fset_doc(mv_thread *t, Value s, Value v) {
    Value nv = v ? v : MV_NONE;
    MV_INCREF(nv);
    MV_SETREF(FN(s)->doc, nv);
    return 0;
}
static Value fget_module(mv_thread *t, Value s) { return mv_newref(FN(s)->module ? FN(s)->module : MV_NONE); }
static int fset_module(mv_thread *t, Value s, Value v) {
    Value nv = v ? v : MV_NONE;
    MV_INCREF(nv);
    MV_SETREF(FN(s)->module, nv);
    return 0;
}
static Value fget_defaults(mv_thread *t, Value s) { return mv_newref(FN(s)->defaults ? FN(s)->defaults : MV_NONE); }
static int fset_defaults(mv_thread *t, Value s, Value v) {
    if (v == MV_NONE) v = NULL;
    if (v && !mv_tuple_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__defaults__ must be set to a tuple object");
        return -1;
    }
    MV_XINCREF(v);
    MV_SETREF(FN(s)->defaults, v);
    return 0;
}
static Value fget_kwdefaults(mv_thread *t, Value s) { return mv_newref(FN(s)->kwdefaults ? FN(s)->kwdefaults : MV_NONE); }
static int fset_kwdefaults(mv_thread *t, Value s, Value v) {
    if (v == MV_NONE) v = NULL;
    if (v && !mv_dict_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__kwdefaults__ must be set to a dict object");
        return -1;
    }
    MV_XINCREF(v);
    MV_SETREF(FN(s)->kwdefaults, v);
    return 0;
}
static Value fget_dict(mv_thread *t, Value s) {
    if (!FN(s)->dict) FN(s)->dict = mv_dict_new();
    return mv_newref(FN(s)->dict);
}
static int fset_dict(mv_thread *t, Value s, Value v) {
    if (!v || !mv_dict_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "__dict__ must be set to a dictionary, not a '%s'",
                      v ? mv_type_name(v) : "NoneType");
        return -1;
    }
    MV_INCREF(v);
    MV_SETREF(FN(s)->dict, v);
    return 0;
}
static Value fget_code(mv_thread *t, Value s) { return mv_newref((Value)FN(s)->code); }
static Value fget_globals(mv_thread *t, Value s) { return mv_newref(FN(s)->globals); }
static Value fget_builtins(mv_thread *t, Value s) { return mv_newref(FN(s)->builtins); }
static Value fget_closure(mv_thread *t, Value s) { return mv_newref(FN(s)->closure ? FN(s)->closure : MV_NONE); }
static Value fget_annotations(mv_thread *t, Value s) {
    if (!FN(s)->annotations) FN(s)->annotations = mv_dict_new();
    return mv_newref(FN(s)->annotations);
}
static int fset_annotations(mv_thread *t, Value s, Value v) {
    if (v == MV_NONE) v = NULL;
    MV_XINCREF(v);
    MV_SETREF(FN(s)->annotations, v);
    return 0;
}

static const mv_getset_def func_getsets[] = {
    {"__name__", fget_name, fset_name},
    {"__qualname__", fget_qualname, fset_qualname},
    {"__doc__", fget_doc, fset_doc},
    {"__module__", fget_module, fset_module},
    {"__defaults__", fget_defaults, fset_defaults},
    {"__kwdefaults__", fget_kwdefaults, fset_kwdefaults},
    {"__dict__", fget_dict, fset_dict},
    {"__code__", fget_code, NULL},
    {"__globals__", fget_globals, NULL},
    {"__builtins__", fget_builtins, NULL},
    {"__closure__", fget_closure, NULL},
    {"__annotations__", fget_annotations, fset_annotations},
    {NULL, NULL, NULL},
};

mv_type mv_func_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "function",
    .basicsize = sizeof(mv_func),
    .dictoffset = offsetof(mv_func, dict),
    .dealloc = func_dealloc,
    .repr = func_repr,
    .call = mv_func_call,
    .descr_get = func_descr_get,
    .getsets = func_getsets,
};

/* ---- argument binding ---- */

static Value join_names(Value *names, size_t n) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (i) {
            if (n == 2) mv_strbuf_adds(&b, " and ");
            else if (i + 1 == n) mv_strbuf_adds(&b, ", and ");
            else mv_strbuf_adds(&b, ", ");
        }
        mv_strbuf_addf(&b, "'%s'", mv_str_data(names[i]));
    }
    return mv_strbuf_finish(&b);
}

static int missing_arguments(mv_thread *t, mv_func *fn, Value *locals, int start, int end,
                             const char *kind) {
    mv_code *co = fn->code;
    Value names[256];
    size_t n = 0;
    for (int i = start; i < end && n < 256; i++)
        if (!locals[i]) names[n++] = MV_TUPLE_GET(co->varnames, i);
    Value s = join_names(names, n);
    mv_err_format(t, &mv_exc_TypeError, "%U() missing %d required %s argument%s: %U", fn->qualname, (int)n,
                  kind, n == 1 ? "" : "s", s);
    MV_DECREF(s);
    return -1;
}

static int too_many_positional(mv_thread *t, mv_func *fn, Value *locals, size_t given) {
    mv_code *co = fn->code;
    int kwonly_given = 0;
    for (int i = co->argcount; i < co->argcount + co->kwonlyargcount; i++)
        if (locals[i]) kwonly_given++;
    int defcount = fn->defaults ? (int)mv_tuple_size(fn->defaults) : 0;
    char sig[64], kwsig[128];
    bool plural;
    if (defcount) {
        plural = true;
        snprintf(sig, sizeof sig, "from %d to %d", co->argcount - defcount, co->argcount);
    } else {
        plural = co->argcount != 1;
        snprintf(sig, sizeof sig, "%d", co->argcount);
    }
    if (kwonly_given)
        snprintf(kwsig, sizeof kwsig, " positional argument%s (and %d keyword-only argument%s)",
                 given != 1 ? "s" : "", kwonly_given, kwonly_given != 1 ? "s" : "");
    else
        kwsig[0] = 0;
    mv_err_format(t, &mv_exc_TypeError, "%U() takes %s positional argument%s but %zu%s %s given",
                  fn->qualname, sig, plural ? "s" : "", given, kwsig,
                  given == 1 && !kwonly_given ? "was" : "were");
    return -1;
}

int mv_func_bind_args(mv_thread *t, mv_func *fn, mv_frame *frame, Value *args, size_t nargs,
                      Value kwnames) {
    mv_code *co = fn->code;
    Value *locals = frame->localsplus;
    int argcount = co->argcount, total = co->argcount + co->kwonlyargcount;
    size_t n = nargs < (size_t)argcount ? nargs : (size_t)argcount;
    for (size_t i = 0; i < n; i++) locals[i] = mv_newref(args[i]);
    int extra = total;
    if (co->flags & MV_CO_VARARGS) {
        Value tup = nargs > n ? mv_tuple_from_array(args + n, nargs - n) : mv_newref(MV_EMPTY_TUPLE);
        locals[extra++] = tup;
    }
    Value kwdict = NULL;
    if (co->flags & MV_CO_VARKEYWORDS) {
        kwdict = mv_dict_new();
        locals[extra] = kwdict;
    }
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    Value *varnames = mv_tuple_items(co->varnames);
    for (size_t k = 0; k < nkw; k++) {
        Value name = MV_TUPLE_GET(kwnames, k);
        Value value = args[nargs + k];
        if (!mv_str_check(name)) {
            mv_err_format(t, &mv_exc_TypeError, "%U() keywords must be strings", fn->qualname);
            return -1;
        }
        int j;
        for (j = co->posonlyargcount; j < total; j++)
            if (varnames[j] == name) break;
        if (j == total)
            for (j = co->posonlyargcount; j < total; j++)
                if (mv_str_eq(varnames[j], name)) break;
        if (j == total) {
            if (kwdict) {
                if (mv_dict_set(t, kwdict, name, value) < 0) return -1;
                continue;
            }
            /* positional-only parameters passed by keyword */
            Value posonly[64];
            size_t np = 0;
            for (size_t k2 = 0; k2 < nkw && np < 64; k2++) {
                Value nm = MV_TUPLE_GET(kwnames, k2);
                for (int p = 0; p < co->posonlyargcount; p++)
                    if (mv_str_check(nm) && mv_str_eq(varnames[p], nm)) posonly[np++] = nm;
            }
            if (np) {
                mv_strbuf b;
                mv_strbuf_init(&b);
                for (size_t i = 0; i < np; i++) {
                    if (i) mv_strbuf_adds(&b, ", ");
                    mv_strbuf_adds(&b, mv_str_data(posonly[i]));
                }
                Value s = mv_strbuf_finish(&b);
                mv_err_format(t, &mv_exc_TypeError,
                              "%U() got some positional-only arguments passed as keyword arguments: '%U'",
                              fn->qualname, s);
                MV_DECREF(s);
                return -1;
            }
            mv_err_format(t, &mv_exc_TypeError, "%U() got an unexpected keyword argument '%U'", fn->qualname,
                          name);
            return -1;
        }
        if (locals[j]) {
            mv_err_format(t, &mv_exc_TypeError, "%U() got multiple values for argument '%U'", fn->qualname, name);
            return -1;
        }
        locals[j] = mv_newref(value);
    }
    if (nargs > (size_t)argcount && !(co->flags & MV_CO_VARARGS))
        return too_many_positional(t, fn, locals, nargs);
    if (nargs < (size_t)argcount) {
        int defcount = fn->defaults ? (int)mv_tuple_size(fn->defaults) : 0;
        int m = argcount - defcount;
        for (int i = (int)nargs; i < m; i++)
            if (!locals[i]) return missing_arguments(t, fn, locals, 0, m, "positional");
        for (int i = m > (int)nargs ? m : (int)nargs; i < argcount; i++)
            if (!locals[i]) locals[i] = mv_newref(MV_TUPLE_GET(fn->defaults, i - m));
    }
    if (co->kwonlyargcount) {
        bool missing = false;
        for (int i = argcount; i < total; i++) {
            if (locals[i]) continue;
            Value d = fn->kwdefaults ? mv_dict_get_str(fn->kwdefaults, varnames[i]) : NULL;
            if (d) locals[i] = mv_newref(d);
            else missing = true;
        }
        if (missing) return missing_arguments(t, fn, locals, argcount, total, "keyword-only");
    }
    return 0;
}

void mv_func_init_cells(mv_func *fn, mv_frame *f) {
    mv_code *co = fn->code;
    Value *cells = f->localsplus + co->nlocals;
    for (int i = 0; i < co->ncells; i++) {
        int a = co->cell2arg ? co->cell2arg[i] : -1;
        cells[i] = mv_cell_new(a >= 0 ? f->localsplus[a] : NULL);
    }
    for (int i = 0; i < co->nfrees; i++) cells[co->ncells + i] = mv_newref(MV_TUPLE_GET(fn->closure, i));
}

/* ---- calling from C ---- */

Value mv_func_call(mv_thread *t, Value func, Value *args, size_t nargs, Value kwnames) {
    mv_func *fn = (mv_func *)func;
    mv_code *co = fn->code;
    mv_frame *f = mv_frame_new(co, func, fn->globals, fn->builtins, NULL);
    if (mv_func_bind_args(t, fn, f, args, nargs, kwnames) < 0) {
        mv_frame_release(f);
        return NULL;
    }
    if (co->ncells || co->nfrees) mv_func_init_cells(fn, f);
    if (co->flags & MV_CO_GENERATOR) return mv_gen_new(t, f);
    if (co->flags & MV_CO_COROUTINE) return mv_coro_new(t, f);
    if (co->flags & MV_CO_ASYNC_GENERATOR) return mv_asyncgen_new(t, f);
    Value r = mv_eval_frame(t, f);
    mv_frame_release(f);
    return r;
}

Value mv_func_call_with_locals(mv_thread *t, Value func, Value locals) {
    mv_func *fn = (mv_func *)func;
    mv_code *co = fn->code;
    mv_frame *f = mv_frame_new(co, func, fn->globals, fn->builtins, locals);
    if (co->ncells || co->nfrees) mv_func_init_cells(fn, f);
    Value r = mv_eval_frame(t, f);
    mv_frame_release(f);
    return r;
}

/* ---- bound methods ---- */

Value mv_method_new(Value func, Value self) {
    mv_method *m = (mv_method *)mv_object_new(&mv_method_type);
    m->func = mv_newref(func);
    m->self = mv_newref(self);
    return (Value)m;
}

static void method_dealloc(Value self) {
    mv_method *m = (mv_method *)self;
    MV_XDECREF(m->func);
    MV_XDECREF(m->self);
}

static Value method_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_method *m = (mv_method *)self;
    size_t total = nargs + (kwnames ? mv_tuple_size(kwnames) : 0);
    Value small[8];
    Value *buf = total + 1 <= 8 ? small : mv_malloc((total + 1) * sizeof(Value));
    buf[0] = m->self;
    if (total) memcpy(buf + 1, args, total * sizeof(Value));
    Value r = mv_call(t, m->func, buf, nargs + 1, kwnames);
    if (buf != small) mv_free(buf);
    return r;
}

static Value method_repr(mv_thread *t, Value self) {
    mv_method *m = (mv_method *)self;
    Value name = mv_getattr_cstr(t, m->func, "__qualname__");
    if (!name) {
        mv_err_clear(t);
        name = mv_getattr_cstr(t, m->func, "__name__");
        if (!name) {
            mv_err_clear(t);
            name = mv_str_from_cstr("?");
        }
    }
    Value r = mv_repr(t, m->self);
    if (!r) {
        MV_DECREF(name);
        return NULL;
    }
    Value s = mv_str_fromf("<bound method %s of %s>", mv_str_check(name) ? mv_str_data(name) : "?",
                           mv_str_data(r));
    MV_DECREF(name);
    MV_DECREF(r);
    return s;
}

static Value method_getattr(mv_thread *t, Value self, Value name) {
    mv_method *m = (mv_method *)self;
    Value v = mv_generic_getattr(t, self, name);
    if (v || !mv_err_matches(t, &mv_exc_AttributeError)) return v;
    mv_err_clear(t);
    return mv_getattr(t, m->func, name);
}

static Value mget_func(mv_thread *t, Value s) { return mv_newref(((mv_method *)s)->func); }
static Value mget_self(mv_thread *t, Value s) { return mv_newref(((mv_method *)s)->self); }

static Value mget_delegate(mv_thread *t, Value s, const char *name) {
    return mv_getattr_cstr(t, ((mv_method *)s)->func, name);
}
static Value mget_doc(mv_thread *t, Value s) { return mget_delegate(t, s, "__doc__"); }
static Value mget_name(mv_thread *t, Value s) { return mget_delegate(t, s, "__name__"); }
static Value mget_qualname(mv_thread *t, Value s) { return mget_delegate(t, s, "__qualname__"); }
static Value mget_module(mv_thread *t, Value s) { return mget_delegate(t, s, "__module__"); }

static const mv_getset_def method_getsets[] = {
    {"__func__", mget_func, NULL},
    {"__self__", mget_self, NULL},
    {"__doc__", mget_doc, NULL},
    {"__name__", mget_name, NULL},
    {"__qualname__", mget_qualname, NULL},
    {"__module__", mget_module, NULL},
    {NULL, NULL, NULL},
};

static Value method_richcompare(mv_thread *t, Value a, Value b, int op) {
    if ((op != MV_EQ && op != MV_NE) || MV_IS_SMALL(b) || b->type != &mv_method_type) return mv_newref(MV_NOTIMPL);
    mv_method *x = (mv_method *)a, *y = (mv_method *)b;
    int eq = mv_richcompare_bool(t, x->func, y->func, MV_EQ);
    if (eq < 0) return NULL;
    bool r = eq && x->self == y->self;
    return mv_newref(MV_BOOL(op == MV_EQ ? r : !r));
}

static int method_hash(mv_thread *t, Value self, int64_t *out) {
    mv_method *m = (mv_method *)self;
    int64_t h;
    if (mv_hash(t, m->func, &h) < 0) return -1;
    *out = h ^ (int64_t)((uintptr_t)m->self >> 4);
    if (*out == -1) *out = -2;
    return 0;
}

mv_type mv_method_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "method",
    .basicsize = sizeof(mv_method),
    .dealloc = method_dealloc,
    .repr = method_repr,
    .call = method_call,
    .getattr = method_getattr,
    .richcompare = method_richcompare,
    .hash = method_hash,
    .getsets = method_getsets,
};
