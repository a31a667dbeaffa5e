/* atexit.c: the atexit module.  Callbacks registered here run last-in first-out when the
 * interpreter exits normally, after threading's shutdown has joined the non-daemon threads
 * (runtime/thread.c calls _run_exitfuncs), as in CPython.  An exception in a callback is
 * reported as CPython reports it and the next callback still runs.
 */
#include <stdio.h>

#include "abstract.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

static Value callbacks(mv_thread *t) {
    if (!t->vm->atexit) t->vm->atexit = mv_list_new(0);
    return t->vm->atexit;
}

static Value ae_register(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0, npos = nargs;
    if (npos < 1) return mv_err_set(t, &mv_exc_TypeError, "register() takes at least 1 argument (0 given)");
    if (!mv_callable(args[0])) return mv_err_set(t, &mv_exc_TypeError, "the first argument must be callable");
    Value pos = mv_tuple_new(npos - 1);
    for (size_t i = 1; i < npos; i++) MV_TUPLE_SET(pos, i - 1, mv_newref(args[i]));
    Value kw = mv_dict_new();
    for (size_t i = 0; i < nkw; i++) mv_dict_set(t, kw, MV_TUPLE_GET(kwnames, i), args[npos + i]);
    Value entry = mv_tuple_pack(3, args[0], pos, kw);
    MV_DECREF(pos);
    MV_DECREF(kw);
    mv_list_append_steal(callbacks(t), entry);
    return mv_newref(args[0]);
}

static Value ae_unregister(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "unregister", kwnames) < 0 || mv_check_nargs(t, "unregister", nargs, 1, 1) < 0)
        return NULL;
    Value l = callbacks(t);
    for (size_t i = 0; i < mv_list_size(l); i++) {
        Value e = MV_LIST_GET(l, i);
        if (e == MV_NONE) continue;
        int eq = mv_richcompare_bool(t, MV_TUPLE_GET(e, 0), args[0], MV_EQ);
        if (eq < 0) return NULL;
        if (eq) {
            /* as CPython: the slot is emptied, _ncallbacks() still counts it */
            MV_LIST_SET(l, i, mv_newref(MV_NONE));
            MV_DECREF(e);
        }
    }
    return mv_newref(MV_NONE);
}

/* Remove and return the last entry (a new reference). */
static Value pop_last(Value l) {
    mv_list *x = (mv_list *)l;
    return x->items[--x->size];
}

/* CPython's unraisable-hook report: the callback's repr, then the traceback. */
static void report(mv_thread *t, Value func) {
    mv_err_write_unraisable(t, "Exception ignored in atexit callback:", func);
}

static Value ae_run_exitfuncs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value l = callbacks(t);
    while (mv_list_size(l)) {
        Value e = pop_last(l); /* new reference */
        if (e != MV_NONE) {
            Value r = mv_call_tuple_dict(t, MV_TUPLE_GET(e, 0), MV_TUPLE_GET(e, 1), MV_TUPLE_GET(e, 2));
            if (r) MV_DECREF(r);
            else report(t, MV_TUPLE_GET(e, 0));
        }
        MV_DECREF(e);
    }
    return mv_newref(MV_NONE);
}

static Value ae_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value l = callbacks(t);
    while (mv_list_size(l)) MV_DECREF(pop_last(l));
    return mv_newref(MV_NONE);
}

static Value ae_ncallbacks(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64((int64_t)mv_list_size(callbacks(t)));
}

static const mv_method_def atexit_methods[] = {
    {"register", ae_register, 0, "Register a function to be executed upon normal program termination."},
    {"unregister", ae_unregister, 0, "Unregister an exit function which was previously registered."},
    {"_run_exitfuncs", ae_run_exitfuncs, 0, "Run all registered exit functions."},
    {"_clear", ae_clear, 0, "Clear the list of previously registered exit functions."},
    {"_ncallbacks", ae_ncallbacks, 0, "Return the number of registered exit functions."},
    {NULL, NULL, 0, NULL},
};

Value mv_atexit_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "atexit");
    if (m && mv_module_add_methods(t, m, atexit_methods) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
