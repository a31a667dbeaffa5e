/* asyncgen.c: async generators (`async def` with `yield`).  The generator runs on gen.c's
 * machinery; its yields are wrapped (ASYNC_GEN_WRAP) so that the awaitables returned by
 * __anext__/asend (async_generator_asend) and athrow/aclose (async_generator_athrow) can tell a
 * yielded value (-> StopIteration(value) for the awaiting coroutine) from a value its awaits pass up.
 */
#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "gen.h"
#include "str.h"

#define AG(v) ((mv_gen *)(v))

enum { ST_INIT, ST_ITER, ST_CLOSED };

/* ---- the wrapped yielded value ---- */

typedef struct {
    mv_object ob;
    Value val;
} ag_wrapped;

static void wrapped_dealloc(Value self) { MV_XDECREF(((ag_wrapped *)self)->val); }

static mv_type wrapped_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "async_generator_wrapped_value",
    .basicsize = sizeof(ag_wrapped),
    .dealloc = wrapped_dealloc,
};

Value mv_asyncgen_wrap(Value v) {
    ag_wrapped *w = (ag_wrapped *)mv_object_new(&wrapped_type);
    w->val = v;
    return (Value)w;
}

Value mv_asyncgen_new(mv_thread *t, mv_frame *frame) { return mv_gen_new_type(t, frame, &mv_asyncgen_type); }

/* What the generator produced -> what the awaitable produces (CPython's async_gen_unwrap_value) */
static Value unwrap(mv_thread *t, mv_gen *g, Value r, Value ret) {
    if (!r) {
        if (ret) {
            MV_DECREF(ret); /* returned (always None) */
            mv_err_set_object(t, (Value)&mv_exc_StopAsyncIteration);
        } else if (!mv_err_occurred(t) || mv_err_matches(t, &mv_exc_StopIteration)) {
            mv_err_clear(t); /* exhausted before */
            mv_err_set_object(t, (Value)&mv_exc_StopAsyncIteration);
        }
        if (mv_err_matches(t, &mv_exc_StopAsyncIteration) || mv_err_matches(t, &mv_exc_GeneratorExit))
            g->closed = true;
        g->running_async = false;
        return NULL;
    }
    if (MV_TYPE(r) == &wrapped_type) {
        Value v = ((ag_wrapped *)r)->val;
        if (v == MV_NONE) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
        else mv_err_set_value(t, &mv_exc_StopIteration, v);
        MV_DECREF(r);
        g->running_async = false;
        return NULL;
    }
    return r;
}

static Value throw_unwrap(mv_thread *t, mv_gen *g, Value exc) {
    Value r = mv_gen_throw_value(t, (Value)g, exc);
    return unwrap(t, g, r, NULL);
}

/* ---- async_generator_asend: the awaitable of __anext__() and asend(v) ---- */

typedef struct {
    mv_object ob;
    Value gen;
    Value sendval;
    int state;
} ag_asend;

static mv_type asend_type;

static Value asend_send_impl(mv_thread *t, ag_asend *o, Value arg) {
    mv_gen *g = AG(o->gen);
    if (o->state == ST_CLOSED)
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
    if (o->state == ST_INIT) {
        if (g->running_async) {
            o->state = ST_CLOSED;
            return mv_err_set(t, &mv_exc_RuntimeError, "anext(): asynchronous generator is already running");
        }
        if (!arg || arg == MV_NONE) arg = o->sendval;
        o->state = ST_ITER;
    }
    g->running_async = true;
    Value ret = NULL;
    Value r = mv_gen_send_ex(t, o->gen, arg, 0, &ret);
    r = unwrap(t, g, r, ret);
    if (!r) o->state = ST_CLOSED;
    return r;
}

static Value asend_m_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "send", kwnames) < 0 || mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    return asend_send_impl(t, (ag_asend *)self, args[0]);
}

static Value asend_iternext(mv_thread *t, Value self) { return asend_send_impl(t, (ag_asend *)self, NULL); }

static Value asend_m_next(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return asend_iternext(t, self);
}

static Value asend_m_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ag_asend *o = (ag_asend *)self;
    if (o->state == ST_CLOSED)
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
    Value exc = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!exc) return NULL;
    Value r = throw_unwrap(t, AG(o->gen), exc);
    if (!r) o->state = ST_CLOSED;
    return r;
}

static Value asend_m_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ((ag_asend *)self)->state = ST_CLOSED;
    return mv_newref(MV_NONE);
}

static Value self_iter(mv_thread *t, Value self) { return mv_newref(self); }
static Value self_m(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_newref(self); }

static void asend_dealloc(Value self) {
    ag_asend *o = (ag_asend *)self;
    MV_XDECREF(o->gen);
    MV_XDECREF(o->sendval);
}

static const mv_method_def asend_methods[] = {
    {"send", asend_m_send, 0, NULL},
    {"throw", asend_m_throw, 0, NULL},
    {"close", asend_m_close, 0, NULL},
    {"__next__", asend_m_next, 0, "Implement next(self)."},
    {"__iter__", self_m, 0, "Implement iter(self)."},
    {"__await__", self_m, 0, "Return an iterator to be used in await expression."},
    {NULL, NULL, 0, NULL},
};

static mv_type asend_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "async_generator_asend",
    .basicsize = sizeof(ag_asend),
    .dealloc = asend_dealloc,
    .iter = self_iter,
    .iternext = asend_iternext,
    .methods = asend_methods,
};

static Value asend_new(Value gen, Value v) {
    ag_asend *o = (ag_asend *)mv_object_new(&asend_type);
    o->gen = mv_newref(gen);
    o->sendval = mv_newref(v);
    o->state = ST_INIT;
    return (Value)o;
}

/* ---- async_generator_athrow: the awaitable of athrow() and aclose() (args == NULL) ---- */

typedef struct {
    mv_object ob;
    Value gen;
    Value exc; /* the exception to throw (athrow), NULL for aclose */
    int state;
} ag_athrow;

static Value athrow_check_error(mv_thread *t, ag_athrow *o) {
    AG(o->gen)->running_async = false;
    o->state = ST_CLOSED;
    if (!o->exc && (mv_err_matches(t, &mv_exc_StopAsyncIteration) || mv_err_matches(t, &mv_exc_GeneratorExit))) {
        mv_err_clear(t);
        mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    }
    return NULL;
}

static Value athrow_yield_close(mv_thread *t, ag_athrow *o) {
    AG(o->gen)->running_async = false;
    o->state = ST_CLOSED;
    return mv_err_set(t, &mv_exc_RuntimeError, "async generator ignored GeneratorExit");
}

static Value athrow_send_impl(mv_thread *t, ag_athrow *o, Value arg) {
    mv_gen *g = AG(o->gen);
    if (!g->frame || g->frame->state == MV_FRAME_DONE) {
        o->state = ST_CLOSED;
        return mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    }
    if (o->state == ST_CLOSED)
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
    Value r;
    if (o->state == ST_INIT) {
        if (g->running_async) {
            o->state = ST_CLOSED;
            return mv_err_set(t, &mv_exc_RuntimeError, o->exc ? "athrow(): asynchronous generator is already running"
                                                                : "aclose(): asynchronous generator is already running");
        }
        if (g->closed) {
            o->state = ST_CLOSED;
            return mv_err_set_object(t, (Value)&mv_exc_StopAsyncIteration);
        }
        if (arg && arg != MV_NONE)
            return mv_err_set(t, &mv_exc_RuntimeError, "can't send non-None value to a just-started coroutine");
        o->state = ST_ITER;
        g->running_async = true;
        if (!o->exc) {
            g->closed = true;
            Value ge = mv_call0(t, (Value)&mv_exc_GeneratorExit);
            if (!ge) return NULL;
            r = mv_gen_throw_value(t, o->gen, ge);
            if (r && MV_TYPE(r) == &wrapped_type) {
                MV_DECREF(r);
                return athrow_yield_close(t, o);
            }
        } else {
            r = throw_unwrap(t, g, mv_newref(o->exc));
        }
        if (!r) return athrow_check_error(t, o);
        return r;
    }
    Value ret = NULL;
    r = mv_gen_send_ex(t, o->gen, arg ? arg : MV_NONE, 0, &ret);
    if (o->exc) return unwrap(t, g, r, ret);
    if (r) {
        if (MV_TYPE(r) == &wrapped_type) {
            MV_DECREF(r);
            return athrow_yield_close(t, o);
        }
        return r;
    }
    if (ret) {
        MV_DECREF(ret);
        mv_err_set_object(t, (Value)&mv_exc_StopAsyncIteration);
    }
    return athrow_check_error(t, o);
}

static Value athrow_m_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "send", kwnames) < 0 || mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    return athrow_send_impl(t, (ag_athrow *)self, args[0]);
}

static Value athrow_iternext(mv_thread *t, Value self) { return athrow_send_impl(t, (ag_athrow *)self, NULL); }

static Value athrow_m_next(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return athrow_iternext(t, self);
}

static Value athrow_m_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ag_athrow *o = (ag_athrow *)self;
    if (o->state == ST_CLOSED)
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
    Value exc = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!exc) return NULL;
    Value r = mv_gen_throw_value(t, o->gen, exc);
    if (o->exc) return unwrap(t, AG(o->gen), r, NULL);
    if (r && MV_TYPE(r) == &wrapped_type) {
        MV_DECREF(r);
        return athrow_yield_close(t, o);
    }
    if (!r && (mv_err_matches(t, &mv_exc_StopAsyncIteration) || mv_err_matches(t, &mv_exc_GeneratorExit))) {
        mv_err_clear(t);
        mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    }
    return r;
}

static Value athrow_m_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ((ag_athrow *)self)->state = ST_CLOSED;
    return mv_newref(MV_NONE);
}

static void athrow_dealloc(Value self) {
    ag_athrow *o = (ag_athrow *)self;
    MV_XDECREF(o->gen);
    MV_XDECREF(o->exc);
}

static const mv_method_def athrow_methods[] = {
    {"send", athrow_m_send, 0, NULL},
    {"throw", athrow_m_throw, 0, NULL},
    {"close", athrow_m_close, 0, NULL},
    {"__next__", athrow_m_next, 0, "Implement next(self)."},
    {"__iter__", self_m, 0, "Implement iter(self)."},
    {"__await__", self_m, 0, "Return an iterator to be used in await expression."},
    {NULL, NULL, 0, NULL},
};

static mv_type athrow_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "async_generator_athrow",
    .basicsize = sizeof(ag_athrow),
    .dealloc = athrow_dealloc,
    .iter = self_iter,
    .iternext = athrow_iternext,
    .methods = athrow_methods,
};

static Value athrow_new(Value gen, Value exc) {
    ag_athrow *o = (ag_athrow *)mv_object_new(&athrow_type);
    o->gen = mv_newref(gen);
    o->exc = exc;
    o->state = ST_INIT;
    return (Value)o;
}

/* ---- the async generator's methods ---- */

static Value ag_m_anext(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return asend_new(self, MV_NONE);
}

static Value ag_m_asend(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "asend", kwnames) < 0 || mv_check_nargs(t, "asend", nargs, 1, 1) < 0) return NULL;
    return asend_new(self, args[0]);
}

static Value ag_m_athrow(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value exc = mv_gen_throw_args(t, "athrow", args, nargs, kwnames);
    if (!exc) return NULL;
    return athrow_new(self, exc);
}

static Value ag_m_aclose(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "aclose", nargs, 0, 0) < 0) return NULL;
    return athrow_new(self, NULL);
}

static Value ag_repr(mv_thread *t, Value self) {
    return mv_str_fromf("<async_generator object %s at %p>", mv_str_data(AG(self)->qualname), (void *)self);
}

static Value agget_name(mv_thread *t, Value s) { return mv_newref(AG(s)->name); }
static Value agget_qualname(mv_thread *t, Value s) { return mv_newref(AG(s)->qualname); }
static Value agget_running(mv_thread *t, Value s) { return mv_newref(MV_BOOL(AG(s)->running_async)); }
static Value agget_code(mv_thread *t, Value s) {
    return mv_newref(AG(s)->frame ? (Value)AG(s)->frame->code : MV_NONE);
}
static Value agget_none(mv_thread *t, Value s) { return mv_newref(MV_NONE); }
static Value agget_await(mv_thread *t, Value s) {
    Value yf = mv_gen_yieldfrom(s);
    return mv_newref(yf ? yf : MV_NONE);
}

static const mv_method_def ag_methods[] = {
    {"__aiter__", self_m, 0, "Return an awaitable, that resolves in asynchronous iterator."},
    {"__anext__", ag_m_anext, 0, "Return a value or raise StopAsyncIteration."},
    {"asend", ag_m_asend, 0, "asend(v) -> send 'v' in generator."},
    {"athrow", ag_m_athrow, 0, "athrow(typ[,val[,tb]]) -> raise exception in generator."},
    {"aclose", ag_m_aclose, 0, "aclose() -> raise GeneratorExit inside generator."},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def ag_getsets[] = {
    {"__name__", agget_name, NULL},
    {"__qualname__", agget_qualname, NULL},
    {"ag_running", agget_running, NULL},
    {"ag_code", agget_code, NULL},
    {"ag_frame", agget_none, NULL},
    {"ag_await", agget_await, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_asyncgen_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "async_generator",
    .basicsize = sizeof(mv_gen),
    .dealloc = mv_gen_dealloc,
    .repr = ag_repr,
    .methods = ag_methods,
    .getsets = ag_getsets,
};
