/* eval_helpers.c: the eval loop's out-of-line helpers: CPython's error messages for unbound
 * names, raise/reraise, the with protocol, sequence unpacking, f-string formatting, calls with
 * * and ** (including their error messages), import *, the REPL echo, MAKE_FUNCTION, yield from,
 * the bodies of cold opcodes (name ops of module/class bodies, {*a}/{**m}, async for, del),
 * and mv_eval_code (running a module or exec() code object from C).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "gil.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "opcodes.h"
#include "procsig.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#include "eval_helpers.h"

static Value intern_static(mv_thread *t, Value *slot, const char *s) {
    if (!*slot) *slot = mv_str_intern_cstr(t, s);
    return *slot;
}

Value mv_evh_unbound_local(mv_thread *t, mv_code *co, int i) {
    return mv_err_format(t, &mv_exc_UnboundLocalError,
                         "cannot access local variable '%U' where it is not associated with a value",
                         MV_TUPLE_GET(co->varnames, i));
}

Value mv_evh_deref_name(mv_code *co, int i) {
    return i < co->ncells ? MV_TUPLE_GET(co->cellvars, i) : MV_TUPLE_GET(co->freevars, i - co->ncells);
}

Value mv_evh_unbound_deref(mv_thread *t, mv_code *co, int i) {
    if (i < co->ncells)
        return mv_err_format(t, &mv_exc_UnboundLocalError,
                             "cannot access local variable '%U' where it is not associated with a value",
                             mv_evh_deref_name(co, i));
    return mv_err_format(t, &mv_exc_NameError,
                         "cannot access free variable '%U' where it is not associated with a value in enclosing scope",
                         mv_evh_deref_name(co, i));
}

Value mv_evh_name_error(mv_thread *t, Value name) {
    Value r = mv_err_format(t, &mv_exc_NameError, "name '%U' is not defined", name);
    if (t->curexc && mv_exc_check(t->curexc)) mv_setattr_cstr(t, t->curexc, "name", name);
    if (t->curexc && !mv_isinstance_of(t->curexc, &mv_exc_NameError)) return r;
    return r;
}

Value mv_evh_mapping_get(mv_thread *t, Value m, Value name, int *err) {
    *err = 0;
    if (mv_dict_check(m)) {
        Value v = mv_dict_get(t, m, name);
        if (v) return mv_newref(v);
        if (mv_err_occurred(t)) *err = 1;
        return NULL;
    }
    Value v = mv_getitem(t, m, name);
    if (!v) {
        if (mv_err_matches(t, &mv_exc_KeyError)) mv_err_clear(t);
        else *err = 1;
    }
    return v;
}

int mv_evh_check_exc_match_type(mv_thread *t, Value type) {
    if (mv_tuple_check(type)) {
        for (size_t i = 0; i < mv_tuple_size(type); i++)
            if (mv_evh_check_exc_match_type(t, MV_TUPLE_GET(type, i)) < 0) return -1;
        return 0;
    }
    if (!mv_type_check(type) || !mv_type_is_subtype((mv_type *)type, &mv_exc_BaseException)) {
        mv_err_set(t, &mv_exc_TypeError,
                   "catching classes that do not inherit from BaseException is not allowed");
        return -1;
    }
    return 0;
}

bool mv_evh_exc_matches(Value exc, Value type) {
    if (mv_tuple_check(type)) {
        for (size_t i = 0; i < mv_tuple_size(type); i++)
            if (mv_evh_exc_matches(exc, MV_TUPLE_GET(type, i))) return true;
        return false;
    }
    return mv_type_is_subtype(MV_TYPE(exc), (mv_type *)type);
}

int mv_evh_do_raise(mv_thread *t, Value exc, Value cause) {
    if (!exc) {
        Value h = t->handled;
        if (!h || h == MV_NONE) {
            mv_err_set(t, &mv_exc_RuntimeError, "No active exception to reraise");
            return 0;
        }
        MV_INCREF(h);
        Value old = t->curexc;
        t->curexc = h;
        MV_XDECREF(old);
        return 1;
    }
    Value inst;
    if (mv_type_check(exc) && mv_type_is_subtype((mv_type *)exc, &mv_exc_BaseException)) {
        inst = mv_call0(t, exc);
        if (!inst) return 0;
        if (!mv_exc_check(inst)) {
            mv_err_format(t, &mv_exc_TypeError,
                          "calling %R should have returned an instance of BaseException, not %T", exc, inst);
            MV_DECREF(inst);
            return 0;
        }
    } else if (mv_exc_check(exc)) {
        inst = mv_newref(exc);
    } else {
        mv_err_set(t, &mv_exc_TypeError, "exceptions must derive from BaseException");
        return 0;
    }
    if (cause) {
        Value c;
        if (cause == MV_NONE) {
            c = NULL;
        } else if (mv_type_check(cause) && mv_type_is_subtype((mv_type *)cause, &mv_exc_BaseException)) {
            c = mv_call0(t, cause);
            if (!c) {
                MV_DECREF(inst);
                return 0;
            }
        } else if (mv_exc_check(cause)) {
            c = mv_newref(cause);
        } else {
            MV_DECREF(inst);
            mv_err_set(t, &mv_exc_TypeError, "exception causes must derive from BaseException");
            return 0;
        }
        mv_exc *e = (mv_exc *)inst;
        MV_SETREF(e->cause, c);
        e->suppress_context = true;
    }
    mv_err_set_object(t, inst);
    MV_DECREF(inst);
    return 0;
}

Value mv_evh_bind_special(mv_thread *t, Value descr, Value obj) {
    mv_type *dt = MV_TYPE(descr);
    if (dt == &mv_func_type) return mv_method_new(descr, obj);
    if (dt->descr_get) return dt->descr_get(t, descr, obj, (Value)MV_TYPE(obj));
    return mv_newref(descr);
}

int mv_evh_before_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out) {
    static Value s_enter, s_exit;
    mv_type *tp = MV_TYPE(mgr);
    Value enter = mv_type_lookup(tp, intern_static(t, &s_enter, "__enter__"));
    if (!enter) {
        mv_err_format(t, &mv_exc_TypeError,
                      "'%s' object does not support the context manager protocol", tp->name);
        return -1;
    }
    Value exit = mv_type_lookup(tp, intern_static(t, &s_exit, "__exit__"));
    if (!exit) {
        mv_err_format(t, &mv_exc_TypeError,
                      "'%s' object does not support the context manager protocol (missed __exit__ method)",
                      tp->name);
        return -1;
    }
    Value bexit = mv_evh_bind_special(t, exit, mgr);
    if (!bexit) return -1;
    Value benter = mv_evh_bind_special(t, enter, mgr);
    if (!benter) {
        MV_DECREF(bexit);
        return -1;
    }
    Value res = mv_call0(t, benter);
    MV_DECREF(benter);
    if (!res) {
        MV_DECREF(bexit);
        return -1;
    }
    *exit_out = bexit;
    *res_out = res;
    return 0;
}

/* BUILD_STRING: concatenate the str items; releases them (even on error). */
Value mv_evh_build_string(mv_thread *t, Value *items, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += mv_str_size(items[i]);
    char *buf = mv_malloc(total + 1);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + off, mv_str_data(items[i]), mv_str_size(items[i]));
        off += mv_str_size(items[i]);
    }
    Value r = mv_str_new(buf, total);
    mv_free(buf);
    for (size_t i = n; i-- > 0;) MV_DECREF(items[i]);
    return r;
}

Value mv_evh_format_value(mv_thread *t, Value v, int flags, Value spec) {
    Value conv;
    switch (flags & 3) {
    case 1: conv = mv_str(t, v); break;
    case 2: conv = mv_repr(t, v); break;
    case 3: conv = mv_ascii(t, v); break;
    default: conv = mv_newref(v); break;
    }
    if (!conv) return NULL;
    if (!spec && !MV_IS_SMALL(conv) && conv->type == &mv_str_type) return conv;
    Value r = mv_format(t, conv, spec);
    MV_DECREF(conv);
    return r;
}

int mv_evh_unpack_sequence(mv_thread *t, Value seq, size_t n, Value *out) {
    Value *items = NULL;
    size_t size = 0;
    if (!MV_IS_SMALL(seq) && (seq->type == &mv_tuple_type || seq->type == &mv_list_type)) {
        if (seq->type == &mv_tuple_type) {
            items = mv_tuple_items(seq);
            size = mv_tuple_size(seq);
        } else {
            items = mv_list_items(seq);
            size = mv_list_size(seq);
        }
        if (size == n) {
            for (size_t i = 0; i < n; i++) out[n - 1 - i] = mv_newref(items[i]);
            return 0;
        }
        if (size < n)
            mv_err_format(t, &mv_exc_ValueError, "not enough values to unpack (expected %zu, got %zu)", n, size);
        else
            mv_err_format(t, &mv_exc_ValueError, "too many values to unpack (expected %zu)", n);
        return -1;
    }
    Value it = mv_iter(t, seq);
    if (!it) {
        if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(seq)->iter && !MV_TYPE(seq)->getitem) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_TypeError, "cannot unpack non-iterable %s object", mv_type_name(seq));
        }
        return -1;
    }
    size_t i = 0;
    for (; i < n; i++) {
        Value v = mv_next(t, it);
        if (!v) {
            if (!mv_err_occurred(t))
                mv_err_format(t, &mv_exc_ValueError, "not enough values to unpack (expected %zu, got %zu)", n, i);
            goto fail;
        }
        out[n - 1 - i] = v;
    }
    Value extra = mv_next(t, it);
    if (extra) {
        MV_DECREF(extra);
        mv_err_format(t, &mv_exc_ValueError, "too many values to unpack (expected %zu)", n);
        goto fail;
    }
    if (mv_err_occurred(t)) goto fail;
    MV_DECREF(it);
    return 0;
fail:
    for (size_t k = 0; k < i; k++) MV_DECREF(out[n - 1 - k]);
    MV_DECREF(it);
    return -1;
}

int mv_evh_unpack_ex(mv_thread *t, Value seq, int before, int after, Value *out) {
    Value list = mv_sequence_list(t, seq);
    if (!list) {
        if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(seq)->iter && !MV_TYPE(seq)->getitem) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_TypeError, "cannot unpack non-iterable %s object", mv_type_name(seq));
        }
        return -1;
    }
    size_t n = mv_list_size(list);
    if (n < (size_t)(before + after)) {
        mv_err_format(t, &mv_exc_ValueError, "not enough values to unpack (expected at least %d, got %zu)",
                      before + after, n);
        MV_DECREF(list);
        return -1;
    }
    size_t total = (size_t)before + 1 + after;
    Value *items = mv_list_items(list);
    for (int i = 0; i < before; i++) out[total - 1 - i] = mv_newref(items[i]);
    size_t mid = n - before - after;
    Value midlist = mv_list_from_array(items + before, mid);
    out[total - 1 - before] = midlist;
    for (int i = 0; i < after; i++) out[after - 1 - i] = mv_newref(items[before + mid + i]);
    MV_DECREF(list);
    return 0;
}

Value mv_evh_func_str(mv_thread *t, Value func) {
    /* CPython's _PyObject_FunctionStr: module.qualname() unless builtins */
    Value qn = mv_getattr_cstr(t, func, "__qualname__");
    if (!qn) {
        mv_err_clear(t);
        return mv_str_fromf("%s object", mv_type_name(func));
    }
    Value mod = mv_getattr_cstr(t, func, "__module__");
    if (!mod) mv_err_clear(t);
    Value r;
    if (mod && mv_str_check(mod) && !mv_str_eq_cstr(mod, "builtins"))
        r = mv_str_fromf("%s.%s()", mv_str_data(mod), mv_str_check(qn) ? mv_str_data(qn) : "?");
    else
        r = mv_str_fromf("%s()", mv_str_check(qn) ? mv_str_data(qn) : "?");
    MV_XDECREF(mod);
    MV_DECREF(qn);
    return r;
}

int mv_evh_dict_merge(mv_thread *t, Value func, Value dict, Value other) {
    if (!mv_dict_check(other)) {
        Value keys = mv_getattr_cstr(t, other, "keys");
        if (!keys) {
            mv_err_clear(t);
            Value fs = mv_evh_func_str(t, func);
            mv_err_format(t, &mv_exc_TypeError, "%U argument after ** must be a mapping, not %s", fs,
                          mv_type_name(other));
            MV_DECREF(fs);
            return -1;
        }
        Value kl = mv_call0(t, keys);
        MV_DECREF(keys);
        if (!kl) return -1;
        Value it = mv_iter(t, kl);
        MV_DECREF(kl);
        if (!it) return -1;
        Value k;
        while ((k = mv_next(t, it))) {
            Value v = mv_getitem(t, other, k);
            int rc = -1;
            if (v) {
                Value existing = mv_dict_get(t, dict, k);
                if (existing) {
                    Value fs = mv_evh_func_str(t, func);
                    mv_err_format(t, &mv_exc_TypeError, "%U got multiple values for keyword argument '%S'", fs, k);
                    MV_DECREF(fs);
                } else if (!mv_err_occurred(t)) {
                    rc = mv_dict_set(t, dict, k, v);
                }
                MV_DECREF(v);
            }
            MV_DECREF(k);
            if (rc < 0) {
                MV_DECREF(it);
                return -1;
            }
        }
        MV_DECREF(it);
        return mv_err_occurred(t) ? -1 : 0;
    }
    size_t pos = 0;
    Value k, v;
    while (mv_dict_next(other, &pos, &k, &v)) {
        if (mv_dict_get(t, dict, k)) {
            Value fs = mv_evh_func_str(t, func);
            if (mv_str_check(k))
                mv_err_format(t, &mv_exc_TypeError, "%U got multiple values for keyword argument '%U'", fs, k);
            else
                mv_err_set(t, &mv_exc_TypeError, "keywords must be strings");
            MV_DECREF(fs);
            return -1;
        }
        if (mv_dict_set(t, dict, k, v) < 0) return -1;
    }
    return 0;
}

Value mv_evh_call_function_ex(mv_thread *t, Value func, Value args, Value kwargs) {
    if (!mv_tuple_check(args)) {
        Value tup = mv_sequence_tuple(t, args);
        if (!tup) {
            if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(args)->iter && !MV_TYPE(args)->getitem) {
                mv_err_clear(t);
                Value fs = mv_evh_func_str(t, func);
                mv_err_format(t, &mv_exc_TypeError, "%U argument after * must be an iterable, not %s", fs,
                              mv_type_name(args));
                MV_DECREF(fs);
            }
            return NULL;
        }
        Value r = mv_evh_call_function_ex(t, func, tup, kwargs);
        MV_DECREF(tup);
        return r;
    }
    size_t npos = mv_tuple_size(args);
    if (!kwargs || mv_dict_size(kwargs) == 0) return mv_call(t, func, mv_tuple_items(args), npos, NULL);
    size_t nkw = mv_dict_size(kwargs);
    Value *buf = mv_malloc((npos + nkw) * sizeof(Value));
    memcpy(buf, mv_tuple_items(args), npos * sizeof(Value));
    Value kwnames = mv_tuple_new(nkw);
    size_t pos = 0, i = 0;
    Value k, v;
    while (mv_dict_next(kwargs, &pos, &k, &v)) {
        if (!mv_str_check(k)) {
            mv_err_set(t, &mv_exc_TypeError, "keywords must be strings");
            for (size_t j = 0; j < i; j++) MV_TUPLE_SET(kwnames, j, MV_TUPLE_GET(kwnames, j));
            /* fill the rest so the tuple can be released */
            for (size_t j = i; j < nkw; j++) MV_TUPLE_SET(kwnames, j, mv_newref(MV_NONE));
            MV_DECREF(kwnames);
            mv_free(buf);
            return NULL;
        }
        MV_TUPLE_SET(kwnames, i, mv_newref(k));
        buf[npos + i] = v;
        i++;
    }
    Value r = mv_call(t, func, buf, npos, kwnames);
    MV_DECREF(kwnames);
    mv_free(buf);
    return r;
}

int mv_evh_import_star(mv_thread *t, mv_frame *f, Value mod) {
    Value locals = f->locals;
    if (!locals) {
        mv_err_set(t, &mv_exc_SystemError, "no locals found during 'import *'");
        return -1;
    }
    Value all = mv_getattr_cstr(t, mod, "__all__");
    Value names;
    bool skip_private = false;
    if (all) {
        names = mv_sequence_list(t, all);
        MV_DECREF(all);
        if (!names) return -1;
    } else {
        if (!mv_err_matches(t, &mv_exc_AttributeError)) return -1;
        mv_err_clear(t);
        Value d = mv_getattr_cstr(t, mod, "__dict__");
        if (!d) return -1;
        names = mv_sequence_list(t, d);
        MV_DECREF(d);
        if (!names) return -1;
        skip_private = true;
    }
    int rc = 0;
    for (size_t i = 0; i < mv_list_size(names) && rc == 0; i++) {
        Value name = MV_LIST_GET(names, i);
        if (skip_private && mv_str_check(name) && mv_str_data(name)[0] == '_') continue;
        Value v = mv_getattr(t, mod, name);
        if (!v) {
            rc = -1;
            break;
        }
        rc = mv_dict_check(locals) ? mv_dict_set(t, locals, name, v) : mv_setitem(t, locals, name, v);
        MV_DECREF(v);
    }
    MV_DECREF(names);
    return rc;
}

int mv_evh_print_expr(mv_thread *t, Value v) {
    mv_vm *vm = t->vm;
    if (vm->sys_module) {
        Value hook = mv_getattr_cstr(t, vm->sys_module, "displayhook");
        if (hook) {
            Value r = mv_call1(t, hook, v);
            MV_DECREF(hook);
            if (!r) return -1;
            MV_DECREF(r);
            return 0;
        }
        mv_err_clear(t);
    }
    if (v == MV_NONE) return 0;
    if (mv_dict_set_cstr(t, vm->builtins, "_", MV_NONE) < 0) return -1;
    Value s = mv_repr(t, v);
    if (!s) return -1;
    int rc = mv_file_write_str(t, vm->stdout_obj, s);
    MV_DECREF(s);
    if (rc < 0) return -1;
    Value nl = mv_str_new("\n", 1);
    rc = mv_file_write_str(t, vm->stdout_obj, nl);
    MV_DECREF(nl);
    if (rc < 0) return -1;
    return mv_dict_set_cstr(t, vm->builtins, "_", v);
}

Value mv_evh_make_function(mv_thread *t, mv_frame *f, int flags, Value *sp) {
    /* stack: [defaults] [kwdefaults] [annotations] [closure] code */
    Value code = sp[-1];
    int k = 2;
    mv_func *fn = (mv_func *)mv_func_new(t, code, f->globals, ((mv_code *)code)->qualname);
    if (!fn) return NULL;
    if (flags & 8) fn->closure = mv_newref(sp[-k++]);
    if (flags & 4) fn->annotations = mv_newref(sp[-k++]);
    if (flags & 2) fn->kwdefaults = mv_newref(sp[-k++]);
    if (flags & 1) fn->defaults = mv_newref(sp[-k++]);
    for (int i = 1; i < k; i++) MV_DECREF(sp[-i]); /* on success the loop drops them */
    return (Value)fn;
}

Value mv_evh_yield_from_send(mv_thread *t, Value recv, Value v, Value *result) {
    *result = NULL;
    if (!MV_IS_SMALL(recv) && (recv->type == &mv_gen_type || recv->type == &mv_coro_type)) {
        Value r = mv_gen_send(t, recv, v, result);
        return r;
    }
    Value r;
    if (v == MV_NONE && MV_TYPE(recv)->iternext) {
        r = MV_TYPE(recv)->iternext(t, recv);
    } else {
        Value arg = v;
        r = mv_call_method(t, recv, "send", &arg, 1);
    }
    if (r) return r;
    if (!mv_err_occurred(t)) {
        *result = mv_newref(MV_NONE);
        return NULL;
    }
    if (mv_err_matches(t, &mv_exc_StopIteration)) {
        Value exc = mv_err_fetch(t);
        Value val = mv_getattr_cstr(t, exc, "value");
        MV_DECREF(exc);
        if (!val) return NULL;
        *result = val;
    }
    return NULL;
}


/* ---- coroutines ---- */

/* Call the special method `descr` (found on the type) on obj: new ref or NULL. */
static Value call_special(mv_thread *t, Value descr, Value obj) {
    Value b = mv_evh_bind_special(t, descr, obj);
    if (!b) return NULL;
    Value r = mv_call0(t, b);
    MV_DECREF(b);
    return r;
}

Value mv_evh_get_aiter(mv_thread *t, Value obj) {
    static Value s_aiter, s_anext;
    mv_type *tp = MV_TYPE(obj);
    Value m = mv_type_lookup(tp, intern_static(t, &s_aiter, "__aiter__"));
    if (!m)
        return mv_err_format(t, &mv_exc_TypeError, "'async for' requires an object with __aiter__ method, got %s",
                             tp->name);
    Value it = call_special(t, m, obj);
    if (!it) return NULL;
    if (!mv_type_lookup(MV_TYPE(it), intern_static(t, &s_anext, "__anext__"))) {
        mv_err_format(t, &mv_exc_TypeError,
                      "'async for' received an object from __aiter__ that does not implement __anext__: %s",
                      MV_TYPE(it)->name);
        MV_DECREF(it);
        return NULL;
    }
    return it;
}

Value mv_evh_get_anext(mv_thread *t, Value aiter) {
    static Value s_anext, s_await;
    mv_type *tp = MV_TYPE(aiter);
    Value m = mv_type_lookup(tp, intern_static(t, &s_anext, "__anext__"));
    if (!m)
        return mv_err_format(t, &mv_exc_TypeError, "'async for' requires an iterator with __anext__ method, got %s",
                             tp->name);
    Value aw = call_special(t, m, aiter);
    if (!aw) return NULL;
    if (MV_TYPE(aw) != &mv_coro_type && !mv_type_lookup(MV_TYPE(aw), intern_static(t, &s_await, "__await__"))) {
        mv_err_format(t, &mv_exc_TypeError, "'async for' received an invalid object from __anext__: %s",
                      MV_TYPE(aw)->name);
        MV_DECREF(aw);
        return NULL;
    }
    Value it = mv_coro_get_awaitable(t, aw, 0);
    MV_DECREF(aw);
    return it;
}

int mv_evh_before_async_with(mv_thread *t, Value mgr, Value *exit_out, Value *res_out) {
    static Value s_aenter, s_aexit;
    mv_type *tp = MV_TYPE(mgr);
    Value enter = mv_type_lookup(tp, intern_static(t, &s_aenter, "__aenter__"));
    if (!enter) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object does not support the asynchronous context manager protocol",
                      tp->name);
        return -1;
    }
    Value exit = mv_type_lookup(tp, intern_static(t, &s_aexit, "__aexit__"));
    if (!exit) {
        mv_err_format(t, &mv_exc_TypeError,
                      "'%s' object does not support the asynchronous context manager protocol (missed __aexit__ method)",
                      tp->name);
        return -1;
    }
    Value bexit = mv_evh_bind_special(t, exit, mgr);
    if (!bexit) return -1;
    Value res = call_special(t, enter, mgr);
    if (!res) {
        MV_DECREF(bexit);
        return -1;
    }
    *exit_out = bexit;
    *res_out = res;
    return 0;
}

/* ---- bodies of rarely-executed opcodes (module/class-body names, containers built with
 * unpacking, yield from / async for support): out of line so the loop stays small ---- */

/* The eval breaker fired.  In CPython's order (eval_frame_handle_pending): first signals (a
 * pending SIGINT becomes KeyboardInterrupt, other signals run their Python handlers; main thread
 * only), then the GIL hand-over if asked.  A signal that arrives while the GIL is away is left
 * for the next check point, as in CPython.  -1 with the exception set. */
int mv_evh_handle_breaker(mv_thread *t) {
    mv_vm *vm = t->vm;
    if (vm->sigint_pending && t == vm->main_thread) {
        vm->sigint_pending = 0;
        atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGINT);
        mv_err_set_object(t, (Value)&mv_exc_KeyboardInterrupt);
        return -1;
    }
    if (!vm->sigint_pending) atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGINT);
    /* other signals: their Python handlers run in the main thread (stdlib/signal.c) */
    if ((atomic_load_explicit(&mv_eval_breaker, memory_order_relaxed) & MV_BREAK_SIGNALS) &&
        t == vm->main_thread && mv_signal_run_pending(t) < 0)
        return -1;
    /* another thread has waited a whole switch interval for the GIL: hand it over (gil.c) */
    if (atomic_load_explicit(&mv_eval_breaker, memory_order_relaxed) & MV_BREAK_GIL_DROP) mv_gil_yield(t);
    return 0;
}

/* An armed check point (eval.c): disarm, serve what is pending, and re-arm for what this thread
 * cannot serve (a signal, in a thread other than the main one) or what came meanwhile. */
int mv_evh_check_point(mv_thread *t) {
    if (!mv_check_disarm()) return 0;
    int r = mv_evh_handle_breaker(t);
    if (atomic_load(&mv_eval_breaker)) mv_check_arm();
    return r;
}

/* LOAD_GLOBAL on a cache miss: look the name up and refill the cache entry `c`. */
Value mv_evh_load_global_slow(mv_thread *t, mv_frame *f, Value name, mv_global_cache *c) {
    Value v = mv_dict_get_str(f->globals, name);
    if (!v) {
        v = mv_dict_get_str(f->builtins, name);
        if (!v) return mv_evh_name_error(t, name);
    }
    c->gver = ((mv_dict *)f->globals)->version;
    c->bver = ((mv_dict *)f->builtins)->version;
    c->value = v;
    return mv_newref(v);
}

/* LOAD_CLASSDEREF: a class body reads its own namespace before the enclosing cell. */
Value mv_evh_load_classderef(mv_thread *t, mv_frame *f, int i) {
    mv_code *co = f->code;
    if (f->locals) {
        int err;
        Value v = mv_evh_mapping_get(t, f->locals, mv_evh_deref_name(co, i), &err);
        if (err) return NULL;
        if (v) return v;
    }
    Value v = ((mv_cell *)f->localsplus[co->nlocals + i])->ref;
    if (!v) return mv_evh_unbound_deref(t, co, i);
    return mv_newref(v);
}

/* LOAD_NAME: locals (any mapping), then globals, then builtins. */
Value mv_evh_load_name(mv_thread *t, mv_frame *f, Value name) {
    if (f->locals) {
        int err;
        Value v = mv_evh_mapping_get(t, f->locals, name, &err);
        if (err) return NULL;
        if (v) return v;
    }
    Value v = mv_dict_get_str(f->globals, name);
    if (!v) v = mv_dict_get_str(f->builtins, name);
    if (!v) return mv_evh_name_error(t, name);
    return mv_newref(v);
}

int mv_evh_store_name(mv_thread *t, mv_frame *f, Value name, Value v) {
    Value locals = f->locals;
    if (!locals) {
        mv_err_format(t, &mv_exc_SystemError, "no locals found when storing %R", name);
        return -1;
    }
    if (!MV_IS_SMALL(locals) && locals->type == &mv_dict_type) return mv_dict_set(t, locals, name, v) < 0 ? -1 : 0;
    return mv_setitem(t, locals, name, v) < 0 ? -1 : 0;
}

/* DELETE_NAME: a missing name (KeyError from a mapping) is a NameError. */
int mv_evh_delete_name(mv_thread *t, mv_frame *f, Value name) {
    Value locals = f->locals;
    int rc = mv_dict_check(locals) ? (mv_dict_get_str(locals, name) ? mv_dict_del(t, locals, name) : -2)
                                   : mv_delitem(t, locals, name);
    if (rc == -2 || (rc < 0 && mv_err_matches(t, &mv_exc_KeyError))) {
        mv_err_clear(t);
        mv_evh_name_error(t, name);
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

int mv_evh_delete_global(mv_thread *t, mv_frame *f, Value name) {
    if (!mv_dict_get_str(f->globals, name)) {
        mv_evh_name_error(t, name);
        return -1;
    }
    return mv_dict_del(t, f->globals, name) < 0 ? -1 : 0;
}

/* BUILD_SET: a set of items[0..n-1]; releases the items (even on error). */
Value mv_evh_build_set(mv_thread *t, Value *items, int n) {
    Value set = mv_set_new(t, NULL);
    int rc = set ? 0 : -1;
    for (int i = 0; i < n; i++)
        if (rc == 0) rc = mv_set_add(t, set, items[i]);
    for (int i = n - 1; i >= 0; i--) MV_DECREF(items[i]);
    if (rc < 0) {
        MV_XDECREF(set);
        return NULL;
    }
    return set;
}

/* BUILD_MAP: a dict of the n key/value pairs at items; releases the items (even on error). */
Value mv_evh_build_map(mv_thread *t, Value *items, int n) {
    Value d = mv_dict_new();
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) rc = mv_dict_set(t, d, items[2 * i], items[2 * i + 1]);
    for (int i = 2 * n - 1; i >= 0; i--) MV_DECREF(items[i]);
    if (rc < 0) {
        MV_DECREF(d);
        return NULL;
    }
    return d;
}

/* LIST_EXTEND ([*it]): CPython's message when `it` is not iterable at all. */
int mv_evh_list_extend(mv_thread *t, Value list, Value it) {
    if (mv_list_extend(t, list, it) >= 0) return 0;
    if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(it)->iter && !MV_TYPE(it)->getitem) {
        mv_err_clear(t);
        mv_err_format(t, &mv_exc_TypeError, "Value after * must be an iterable, not %s", mv_type_name(it));
    }
    return -1;
}

/* SET_UPDATE ({*src}) */
int mv_evh_set_update(mv_thread *t, Value set, Value src) {
    Value it = mv_iter(t, src);
    if (!it) return -1;
    Value v;
    int rc = 0;
    while (rc == 0 && (v = mv_next(t, it))) {
        rc = mv_set_add(t, set, v);
        MV_DECREF(v);
    }
    MV_DECREF(it);
    return rc < 0 || mv_err_occurred(t) ? -1 : 0;
}

/* DICT_UPDATE ({**src}): anything with keys() is a mapping. */
int mv_evh_dict_update(mv_thread *t, Value dict, Value src) {
    static Value s_keys;
    if (!mv_dict_check(src) && !mv_hasattr(t, src, intern_static(t, &s_keys, "keys"))) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object is not a mapping", mv_type_name(src));
        return -1;
    }
    return mv_dict_update(t, dict, src) < 0 ? -1 : 0;
}

Value mv_evh_load_build_class(mv_thread *t, mv_frame *f) {
    Value bc = mv_dict_get_cstr(t, f->builtins, "__build_class__");
    if (!bc) {
        if (!mv_err_occurred(t)) mv_err_set(t, &mv_exc_NameError, "__build_class__ not found");
        return NULL;
    }
    return mv_newref(bc);
}

/* SETUP_ANNOTATIONS: give a module or class body its __annotations__ dict if it has none. */
int mv_evh_setup_annotations(mv_thread *t, Value locals) {
    static Value s_annotations;
    int err;
    Value a = mv_evh_mapping_get(t, locals, intern_static(t, &s_annotations, "__annotations__"), &err);
    if (err) return -1;
    if (a) {
        MV_DECREF(a);
        return 0;
    }
    Value d = mv_dict_new();
    int rc = mv_setitem(t, locals, intern_static(t, &s_annotations, "__annotations__"), d);
    MV_DECREF(d);
    return rc < 0 ? -1 : 0;
}

/* WITH_EXCEPT_START: __exit__(type, exc, tb) */
Value mv_evh_with_except_start(mv_thread *t, Value exitf, Value exc) {
    Value tb = ((mv_exc *)exc)->traceback;
    Value cargs[3] = {(Value)MV_TYPE(exc), exc, tb ? tb : MV_NONE};
    return mv_call(t, exitf, cargs, 3, NULL);
}

/* GET_YIELD_FROM_ITER: generators (and coroutines, in a coroutine) are used as they are. */
Value mv_evh_yield_from_iter(mv_thread *t, mv_code *co, Value v) {
    if (!MV_IS_SMALL(v) && v->type == &mv_coro_type) {
        if (!(co->flags & (MV_CO_COROUTINE | MV_CO_ITERABLE_COROUTINE))) {
            mv_err_set(t, &mv_exc_TypeError, "cannot 'yield from' a coroutine object in a non-coroutine generator");
            return NULL;
        }
        return mv_newref(v);
    }
    if (!MV_IS_SMALL(v) && v->type == &mv_gen_type) return mv_newref(v);
    return mv_iter(t, v);
}

/* RERAISE and friends: takes exc and makes it the current exception as it is (no new
 * __context__, no traceback entry). */
void mv_evh_reraise(mv_thread *t, Value exc) {
    Value cur = t->curexc;
    t->curexc = exc;
    MV_XDECREF(cur);
}

/* CALL_EXIT: __exit__(None, None, None) at the normal end of a with block. */
Value mv_evh_call_exit(mv_thread *t, Value exitf) {
    Value cargs[3] = {MV_NONE, MV_NONE, MV_NONE};
    return mv_call(t, exitf, cargs, 3, NULL);
}

/* END_ASYNC_FOR: takes exc.  True if it is StopAsyncIteration (the loop ends normally);
 * otherwise exc becomes the current exception again (to be re-raised as it is). */
bool mv_evh_end_async_for(mv_thread *t, Value exc) {
    if (mv_isinstance_of(exc, &mv_exc_StopAsyncIteration)) {
        MV_DECREF(exc);
        return true;
    }
    mv_evh_reraise(t, exc);
    return false;
}

/* Entering the loop too deep: the C stack (c_deep), else the recursion limit with CPython's
 * message for C code calling back into Python.  Returns NULL. */
Value mv_evh_recursion_error(mv_thread *t, bool c_deep) {
    mv_err_set(t, &mv_exc_RecursionError,
               c_deep ? "maximum recursion depth exceeded" : "maximum recursion depth exceeded while calling a Python object");
    return NULL;
}

/* IMPORT_NAME: fromlist None means a plain `import x`. */
Value mv_evh_import_name(mv_thread *t, Value name, Value fromlist, Value level) {
    return mv_import(t, name, fromlist == MV_NONE ? NULL : fromlist, MV_IS_SMALL(level) ? (int)MV_SMALL_VAL(level) : 0);
}

int mv_evh_delete_fast(mv_thread *t, mv_frame *f, int i) {
    Value old = f->localsplus[i];
    if (!old) {
        mv_evh_unbound_local(t, f->code, i);
        return -1;
    }
    f->localsplus[i] = NULL;
    MV_DECREF(old);
    return 0;
}

int mv_evh_delete_deref(mv_thread *t, mv_frame *f, int i) {
    mv_code *co = f->code;
    mv_cell *cell = (mv_cell *)f->localsplus[co->nlocals + i];
    Value old = cell->ref;
    if (!old) {
        mv_evh_unbound_deref(t, co, i);
        return -1;
    }
    cell->ref = NULL;
    MV_DECREF(old);
    return 0;
}

/* GET_LEN (match statement) */
Value mv_evh_get_len(mv_thread *t, Value v) {
    int64_t n = mv_len(t, v);
    return n < 0 ? NULL : mv_int_from_i64(n);
}

/* ---- running code from C ---- */

Value mv_eval_code(mv_thread *t, Value code, Value globals, Value locals) {
    mv_code *co = (mv_code *)code;
    Value builtins = mv_dict_get_cstr(t, globals, "__builtins__");
    if (builtins) {
        if (!mv_dict_check(builtins)) {
            Value d = mv_getattr_cstr(t, builtins, "__dict__");
            if (!d) {
                mv_err_clear(t);
                builtins = t->vm->builtins;
            } else {
                MV_DECREF(d); /* the module keeps its dict alive */
                builtins = d;
            }
        }
    } else {
        if (mv_err_occurred(t)) return NULL;
        builtins = t->vm->builtins;
        Value bm = t->vm->builtins_module ? t->vm->builtins_module : builtins;
        if (mv_dict_set_cstr(t, globals, "__builtins__", bm) < 0) return NULL;
    }
    mv_frame *f = mv_frame_new(co, NULL, globals, builtins, locals ? locals : globals);
    if (co->ncells || co->nfrees)
        for (int i = 0; i < co->ncells; i++) f->localsplus[co->nlocals + i] = mv_cell_new(NULL);
    Value r = mv_eval_frame(t, f);
    mv_frame_release(f);
    return r;
}
