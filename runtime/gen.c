/* gen.c: generator and coroutine objects.  A generator owns a suspended frame; send/next resume it
 * in the eval loop until the next YIELD_VALUE (the loop returns with the frame SUSPENDED) or the end
 * (DONE).  throw/close raise into the frame at its yield, delegating to the `yield from` target
 * first.  Coroutines (async def) share the machinery: `await` is GET_AWAITABLE + YIELD_FROM.
 */
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "int.h"
#include "func.h"
#include "gen.h"
#include "opcodes.h"
#include "str.h"
#include "tuple.h"

#define GEN(v) ((mv_gen *)(v))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

Value mv_gen_new(mv_thread *t, mv_frame *frame) { return mv_gen_new_type(t, frame, &mv_gen_type); }

Value mv_gen_new_type(mv_thread *t, mv_frame *frame, mv_type *type) {
    mv_gen *g = (mv_gen *)mv_object_new(type);
    g->frame = frame;
    frame->is_generator = true;
    frame->state = MV_FRAME_CREATED;
    if (frame->func && mv_func_check(frame->func)) {
        g->name = mv_newref(((mv_func *)frame->func)->name);
        g->qualname = mv_newref(((mv_func *)frame->func)->qualname);
    } else {
        g->name = mv_newref(frame->code->name);
        g->qualname = mv_newref(frame->code->qualname);
    }
    return (Value)g;
}

/* "generator", "coroutine" or "async generator": the kind named in error messages. */
static const char *gen_kind(mv_gen *g) {
    mv_type *tp = g->ob.type;
    return tp == &mv_coro_type ? "coroutine" : tp == &mv_asyncgen_type ? "async generator" : "generator";
}

/* A generator or coroutine: a delegate we can drive directly (no method lookup). */
static inline bool gen_like(Value v) {
    return !MV_IS_SMALL(v) && (v->type == &mv_gen_type || v->type == &mv_coro_type);
}

static void gen_finish(mv_gen *g) {
    mv_frame *f = g->frame;
    if (!f) return;
    g->frame = NULL;
    f->is_generator = false;
    mv_frame_release(f);
}

/* The iterator a suspended `yield from` delegates to (borrowed), or NULL. */
static Value gen_yf(mv_gen *g) {
    mv_frame *f = g->frame;
    if (!f || f->state != MV_FRAME_SUSPENDED) return NULL;
    if ((*f->ip & 0xff) != OP_YIELD_FROM) return NULL;
    return f->sp[-1];
}

static Value gen_send_ex(mv_thread *t, mv_gen *g, Value value, int exc, Value *retval) {
    mv_frame *f = g->frame;
    if (UNLIKELY(g->running)) return mv_err_format(t, &mv_exc_ValueError, "%s already executing", gen_kind(g));
    if (UNLIKELY(!f || f->state == MV_FRAME_DONE)) {
        if (g->ob.type == &mv_coro_type) {
            if (exc) mv_err_clear(t);
            return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited coroutine");
        }
        if (exc) return NULL; /* the thrown exception propagates */
        return mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    }
    if (UNLIKELY(f->state == MV_FRAME_CREATED) && !exc && value && value != MV_NONE)
        return mv_err_format(t, &mv_exc_TypeError, "can't send non-None value to a just-started %s", gen_kind(g));
    if (f->state == MV_FRAME_SUSPENDED && !exc) *f->sp++ = mv_newref(value ? value : MV_NONE);
    g->running = true;
    /* the generator has its own "exception being handled" while it runs */
    Value saved = t->handled;
    if (g->exc_state) {
        t->handled = g->exc_state;
        g->exc_state = NULL;
    } else {
        MV_XINCREF(saved);
    }
    Value r = mv_eval_frame_ex(t, f, exc);
    Value inner = t->handled;
    t->handled = saved;
    if (inner == saved) MV_XDECREF(inner);
    else if (f->state == MV_FRAME_SUSPENDED) g->exc_state = inner;
    else MV_XDECREF(inner);
    g->running = false;
    if (f->state == MV_FRAME_SUSPENDED) return r;
    gen_finish(g);
    if (r) {
        if (retval) {
            *retval = r;
            return NULL;
        }
        if (r == MV_NONE) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
        else mv_err_set_value(t, &mv_exc_StopIteration, r);
        MV_DECREF(r);
        return NULL;
    }
    /* PEP 479: StopIteration leaking out of a generator becomes RuntimeError (and
       StopAsyncIteration out of an async generator) */
    bool stopasync = false;
    if (mv_err_matches(t, &mv_exc_StopIteration) ||
        (g->ob.type == &mv_asyncgen_type && (stopasync = mv_err_matches(t, &mv_exc_StopAsyncIteration)))) {
        Value e = mv_err_fetch(t);
        mv_err_format(t, &mv_exc_RuntimeError, "%s raised %s", gen_kind(g),
                      stopasync ? "StopAsyncIteration" : "StopIteration");
        Value ne = t->curexc;
        if (ne && mv_exc_check(ne)) {
            mv_exc *x = (mv_exc *)ne;
            MV_INCREF(e);
            MV_SETREF(x->cause, e);
            MV_INCREF(e);
            MV_SETREF(x->context, e);
            x->suppress_context = true;
        }
        MV_DECREF(e);
    }
    return NULL;
}

Value mv_gen_send(mv_thread *t, Value gen, Value v, Value *retval) {
    if (retval) *retval = NULL;
    return gen_send_ex(t, GEN(gen), v, 0, retval);
}

static Value gen_close(mv_thread *t, mv_gen *g);

static int gen_close_iter(mv_thread *t, Value yf) {
    if (gen_like(yf)) {
        Value r = gen_close(t, GEN(yf));
        if (!r) return -1;
        MV_DECREF(r);
        return 0;
    }
    Value meth = mv_getattr_cstr(t, yf, "close");
    if (!meth) {
        if (mv_err_matches(t, &mv_exc_AttributeError)) {
            mv_err_clear(t);
            return 0;
        }
        return -1;
    }
    Value r = mv_call0(t, meth);
    MV_DECREF(meth);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static Value gen_close(mv_thread *t, mv_gen *g) {
    mv_frame *f = g->frame;
    if (!f || f->state == MV_FRAME_DONE) return mv_newref(MV_NONE);
    if (f->state == MV_FRAME_CREATED) {
        gen_finish(g);
        return mv_newref(MV_NONE);
    }
    int err = 0;
    Value yf = gen_yf(g);
    if (yf) {
        MV_INCREF(yf);
        g->running = true;
        err = gen_close_iter(t, yf);
        g->running = false;
        MV_DECREF(yf);
    }
    if (err == 0) mv_err_set_object(t, (Value)&mv_exc_GeneratorExit);
    Value r = gen_send_ex(t, g, NULL, 1, NULL);
    if (r) {
        MV_DECREF(r);
        return mv_err_format(t, &mv_exc_RuntimeError, "%s ignored GeneratorExit", gen_kind(g));
    }
    if (mv_err_matches(t, &mv_exc_StopIteration) || mv_err_matches(t, &mv_exc_GeneratorExit)) {
        mv_err_clear(t);
        return mv_newref(MV_NONE);
    }
    return NULL;
}

/* Throw exc (a new reference to an exception instance) into the generator. */
static Value gen_throw_exc(mv_thread *t, mv_gen *g, Value exc) {
    Value yf = gen_yf(g);
    if (yf) {
        MV_INCREF(yf);
        Value ret = NULL;
        if (mv_isinstance_of(exc, &mv_exc_GeneratorExit)) {
            g->running = true;
            int err = gen_close_iter(t, yf);
            g->running = false;
            MV_DECREF(yf);
            if (err < 0) {
                MV_DECREF(exc);
                return gen_send_ex(t, g, NULL, 1, NULL);
            }
            goto throw_here;
        }
        if (gen_like(yf)) {
            g->running = true;
            ret = gen_throw_exc(t, GEN(yf), mv_newref(exc));
            g->running = false;
        } else {
            Value meth = mv_getattr_cstr(t, yf, "throw");
            if (!meth) {
                if (!mv_err_matches(t, &mv_exc_AttributeError)) {
                    MV_DECREF(yf);
                    MV_DECREF(exc);
                    return NULL;
                }
                mv_err_clear(t);
                MV_DECREF(yf);
                goto throw_here;
            }
            g->running = true;
            ret = mv_call1(t, meth, exc);
            g->running = false;
            MV_DECREF(meth);
        }
        MV_DECREF(yf);
        MV_DECREF(exc);
        if (ret) return ret;
        /* the delegate is finished: leave the YIELD_FROM with its value, or raise its error here */
        mv_frame *f = g->frame;
        if (mv_err_matches(t, &mv_exc_StopIteration)) {
            Value e = mv_err_fetch(t);
            Value val = mv_getattr_cstr(t, e, "value");
            MV_DECREF(e);
            if (!val) return NULL;
            Value top = *--f->sp;
            MV_DECREF(top);
            f->ip++;
            Value r = gen_send_ex(t, g, val, 0, NULL);
            MV_DECREF(val);
            return r;
        }
        return gen_send_ex(t, g, NULL, 1, NULL);
    }
throw_here:
    if ((!g->frame || g->frame->state == MV_FRAME_DONE) && g->ob.type != &mv_coro_type) {
        mv_err_restore(t, exc);
        return NULL;
    }
    mv_err_restore(t, exc);
    return gen_send_ex(t, g, NULL, 1, NULL);
}

/* ---- Python-visible methods ---- */

static Value gen_m_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "send", kwnames) < 0 || mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    return gen_send_ex(t, GEN(self), args[0], 0, NULL);
}

static Value gen_m_next(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gen_send_ex(t, GEN(self), MV_NONE, 0, NULL);
}

static Value gen_m_iter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(self);
}

Value mv_gen_throw_args(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, fname, kwnames) < 0 || mv_check_nargs(t, fname, nargs, 1, 3) < 0) return NULL;
    Value typ = args[0], val = nargs > 1 ? args[1] : MV_NONE;
    Value exc;
    if (mv_type_check(typ) && mv_type_is_subtype((mv_type *)typ, &mv_exc_BaseException)) {
        if (val != MV_NONE && mv_isinstance_of(val, (mv_type *)typ)) {
            exc = mv_newref(val);
        } else {
            exc = val == MV_NONE ? mv_call0(t, typ)
                  : mv_tuple_check(val) ? mv_call(t, typ, mv_tuple_items(val), mv_tuple_size(val), NULL)
                                        : mv_call1(t, typ, val);
            if (!exc) return NULL;
        }
    } else if (mv_exc_check(typ)) {
        if (val != MV_NONE)
            return mv_err_set(t, &mv_exc_TypeError, "instance exception may not have a separate value");
        exc = mv_newref(typ);
    } else {
        return mv_err_format(t, &mv_exc_TypeError,
                             "exceptions must be classes or instances deriving from BaseException, not %s",
                             mv_type_name(typ));
    }
    return exc;
}

static Value gen_m_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value exc = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!exc) return NULL;
    return gen_throw_exc(t, GEN(self), exc);
}

static Value gen_m_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "close", nargs, 0, 0) < 0) return NULL;
    return gen_close(t, GEN(self));
}

static const mv_method_def gen_methods[] = {
    {"send", gen_m_send, 0, "send(arg) -> send 'arg' into generator,\nreturn next yielded value or raise StopIteration."},
    {"throw", gen_m_throw, 0, NULL},
    {"close", gen_m_close, 0, "close() -> raise GeneratorExit inside generator."},
    {"__next__", gen_m_next, 0, "Implement next(self)."},
    {"__iter__", gen_m_iter, 0, "Implement iter(self)."},
    {NULL, NULL, 0, NULL},
};

static Value gen_iter(mv_thread *t, Value self) { return mv_newref(self); }

static Value gen_iternext(mv_thread *t, Value self) {
    Value ret = NULL;
    Value r = gen_send_ex(t, GEN(self), MV_NONE, 0, &ret);
    if (r) return r;
    if (ret) {
        /* returned: exhausted; a non-None value travels in StopIteration (next() shows it) */
        if (ret != MV_NONE) mv_err_set_value(t, &mv_exc_StopIteration, ret);
        MV_DECREF(ret);
    }
    return NULL;
}

static Value gen_repr(mv_thread *t, Value self) {
    return mv_str_fromf("<generator object %s at %p>", mv_str_data(GEN(self)->qualname), (void *)self);
}

static Value gget_name(mv_thread *t, Value s) { return mv_newref(GEN(s)->name); }
static int gset_name(mv_thread *t, Value s, Value v) {
    if (!v || !mv_str_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__name__ must be set to a string object");
        return -1;
    }
    MV_INCREF(v);
    MV_SETREF(GEN(s)->name, v);
    return 0;
}
static Value gget_qualname(mv_thread *t, Value s) { return mv_newref(GEN(s)->qualname); }
static int gset_qualname(mv_thread *t, Value s, Value v) {
    if (!v || !mv_str_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "__qualname__ must be set to a string object");
        return -1;
    }
    MV_INCREF(v);
    MV_SETREF(GEN(s)->qualname, v);
    return 0;
}
static Value gget_running(mv_thread *t, Value s) { return mv_newref(MV_BOOL(GEN(s)->running)); }
static Value gget_suspended(mv_thread *t, Value s) {
    return mv_newref(MV_BOOL(GEN(s)->frame && GEN(s)->frame->state == MV_FRAME_SUSPENDED));
}
static Value gget_code(mv_thread *t, Value s) {
    mv_gen *g = GEN(s);
    if (g->frame) return mv_newref((Value)g->frame->code);
    return mv_newref(MV_NONE);
}
static Value gget_frame(mv_thread *t, Value s) { return mv_newref(MV_NONE); }
static Value gget_yieldfrom(mv_thread *t, Value s) {
    Value yf = gen_yf(GEN(s));
    return mv_newref(yf ? yf : MV_NONE);
}

static const mv_getset_def gen_getsets[] = {
    {"__name__", gget_name, gset_name},
    {"__qualname__", gget_qualname, gset_qualname},
    {"gi_running", gget_running, NULL},
    {"gi_suspended", gget_suspended, NULL},
    {"gi_code", gget_code, NULL},
    {"gi_frame", gget_frame, NULL},
    {"gi_yieldfrom", gget_yieldfrom, NULL},
    {NULL, NULL, NULL},
};

/* CPython's RuntimeWarning for a coroutine that was created but never started, printed as the
   warnings module's default filter does: once per (text, line) of the frame running when the
   coroutine dies (registry in that frame's globals, __warningregistry__, as CPython). */
static void coro_warn_unawaited(mv_thread *t, mv_gen *g) {
    Value text = mv_str_fromf("coroutine '%s' was never awaited", mv_str_data(g->qualname));
    mv_frame *f = t->frame;
    mv_file_flush_all(t);
    if (!f || !f->globals) {
        fprintf(stderr, "sys:1: RuntimeWarning: %s\n", mv_str_data(text));
        MV_DECREF(text);
        return;
    }
    int line = mv_code_line(f->code, f->lasti);
    Value reg = mv_dict_get_cstr(t, f->globals, "__warningregistry__");
    Value key = NULL;
    if (!reg) {
        mv_err_clear(t);
        Value d = mv_dict_new();
        if (mv_dict_set_cstr(t, f->globals, "__warningregistry__", d) < 0) mv_err_clear(t);
        reg = d;
        MV_DECREF(d); /* the globals keep it alive */
    }
    if (reg && mv_dict_check(reg)) {
        Value ln = mv_int_from_i64(line);
        key = mv_tuple_pack(3, text, (Value)&mv_exc_RuntimeWarning, ln);
        MV_DECREF(ln);
        Value seen = mv_dict_get(t, reg, key);
        if (seen || mv_err_occurred(t)) {
            mv_err_clear(t);
            MV_DECREF(key);
            MV_DECREF(text);
            return;
        }
        if (mv_dict_set(t, reg, key, MV_TRUE) < 0) mv_err_clear(t);
        MV_DECREF(key);
    }
    fprintf(stderr, "%s:%d: RuntimeWarning: %s\n", mv_str_data(f->code->filename), line, mv_str_data(text));
    Value src = mv_source_line(t, f->code->filename, line);
    if (src) {
        const char *p = mv_str_data(src);
        size_t n = strlen(p);
        while (*p == ' ' || *p == '\t') p++, n--;
        while (n && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\r')) n--;
        fprintf(stderr, "  %.*s\n", (int)n, p);
        MV_DECREF(src);
    } else {
        mv_err_clear(t);
    }
    fprintf(stderr, "RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n");
    MV_DECREF(text);
}

static void gen_dealloc(Value self) {
    mv_gen *g = GEN(self);
    mv_thread *t = mv_current_thread();
    if (t && g->frame && g->frame->state == MV_FRAME_CREATED && self->type == &mv_coro_type) {
        Value saved = mv_err_fetch(t);
        self->refcnt = 1;
        coro_warn_unawaited(t, g);
        self->refcnt = 0;
        if (saved) mv_err_restore(t, saved);
    }
    if (g->frame && g->frame->state == MV_FRAME_SUSPENDED) {
        /* finalize: run the generator's finally blocks, as CPython does on collection; what
           escapes is reported as CPython's "Exception ignored in: <generator object ...>" */
        if (t) {
            self->refcnt = 1; /* resurrect while closing */
            Value saved = t->curexc;
            t->curexc = NULL;
            Value r = gen_close(t, g);
            if (r) {
                MV_DECREF(r);
            } else if (t->curexc) {
                /* as CPython's default unraisable hook: no chained exceptions; an exception
                   without a traceback gets the frame that was running */
                Value exc = mv_err_fetch(t);
                Value rep = mv_repr(t, self);
                mv_file_flush_all(t);
                fprintf(stderr, "Exception ignored in: %s\n", rep ? mv_str_data(rep) : "<generator>");
                if (!rep) mv_err_clear(t);
                MV_XDECREF(rep);
                if (mv_exc_check(exc)) {
                    mv_exc *x = (mv_exc *)exc;
                    if (!x->traceback && t->frame) mv_exc_add_traceback(t, exc, t->frame);
                    Value ctx = x->context, cause = x->cause;
                    x->context = x->cause = NULL;
                    mv_err_print_exception(t, exc);
                    x->context = ctx;
                    x->cause = cause;
                } else {
                    mv_err_print_exception(t, exc);
                }
                MV_DECREF(exc);
            }
            t->curexc = saved;
            self->refcnt = 0;
        }
    }
    gen_finish(g);
    MV_XDECREF(g->name);
    MV_XDECREF(g->qualname);
    MV_XDECREF(g->yieldfrom);
    MV_XDECREF(g->exc_state);
}

mv_type mv_gen_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "generator",
    .basicsize = sizeof(mv_gen),
    .dealloc = gen_dealloc,
    .repr = gen_repr,
    .iter = gen_iter,
    .iternext = gen_iternext,
    .methods = gen_methods,
    .getsets = gen_getsets,
};

/* ---- coroutines (async def) ---- */

Value mv_coro_new(mv_thread *t, mv_frame *frame) { return mv_gen_new_type(t, frame, &mv_coro_type); }

/* await on a coroutine that is itself suspended in an await of another coroutine */
static Value coro_yf_check(mv_thread *t, Value coro) {
    Value yf = gen_yf(GEN(coro));
    if (yf) return mv_err_set(t, &mv_exc_RuntimeError, "coroutine is being awaited already");
    return mv_newref(coro);
}

Value mv_coro_get_awaitable(mv_thread *t, Value o, int where) {
    mv_type *tp = MV_TYPE(o);
    if (tp == &mv_coro_type) return coro_yf_check(t, o);
    if (tp == &mv_gen_type && GEN(o)->frame && (GEN(o)->frame->code->flags & MV_CO_ITERABLE_COROUTINE))
        return mv_newref(o);
    static Value s_await;
    if (!s_await) s_await = mv_str_intern_cstr(t, "__await__");
    Value meth = mv_type_lookup(tp, s_await);
    if (!meth) {
        if (where == 1)
            return mv_err_format(t, &mv_exc_TypeError,
                                 "'async with' received an object from __aenter__ that does not implement __await__: %s",
                                 tp->name);
        if (where == 2)
            return mv_err_format(t, &mv_exc_TypeError,
                                 "'async with' received an object from __aexit__ that does not implement __await__: %s",
                                 tp->name);
        return mv_err_format(t, &mv_exc_TypeError, "object %s can't be used in 'await' expression", tp->name);
    }
    Value r;
    if (MV_TYPE(meth)->descr_get) {
        Value bound = MV_TYPE(meth)->descr_get(t, meth, o, (Value)tp);
        if (!bound) return NULL;
        r = mv_call0(t, bound);
        MV_DECREF(bound);
    } else {
        r = mv_call0(t, meth);
    }
    if (!r) return NULL;
    mv_type *rt = MV_TYPE(r);
    if (rt == &mv_coro_type ||
        (rt == &mv_gen_type && GEN(r)->frame && (GEN(r)->frame->code->flags & MV_CO_ITERABLE_COROUTINE))) {
        MV_DECREF(r);
        return mv_err_set(t, &mv_exc_TypeError, "__await__() returned a coroutine");
    }
    if (!rt->iternext) {
        MV_DECREF(r);
        return mv_err_format(t, &mv_exc_TypeError, "__await__() returned non-iterator of type '%s'", rt->name);
    }
    return r;
}

/* coro.__await__() returns a coroutine_wrapper: an iterator view of the coroutine */
typedef struct {
    mv_object ob;
    Value coro;
} coro_wrapper;

static Value coro_m_await(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    coro_wrapper *w = (coro_wrapper *)mv_object_new(&mv_coro_wrapper_type);
    w->coro = mv_newref(self);
    return (Value)w;
}

static Value coro_repr(mv_thread *t, Value self) {
    return mv_str_fromf("<coroutine object %s at %p>", mv_str_data(GEN(self)->qualname), (void *)self);
}

static Value cget_await(mv_thread *t, Value s) {
    Value yf = gen_yf(GEN(s));
    return mv_newref(yf ? yf : MV_NONE);
}
static Value cget_origin(mv_thread *t, Value s) { return mv_newref(MV_NONE); }

static const mv_method_def coro_methods[] = {
    {"send", gen_m_send, 0, "send(arg) -> send 'arg' into coroutine,\nreturn next iterated value or raise StopIteration."},
    {"throw", gen_m_throw, 0, NULL},
    {"close", gen_m_close, 0, "close() -> raise GeneratorExit inside coroutine."},
    {"__await__", coro_m_await, 0, "Return an iterator to be used in await expression."},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def coro_getsets[] = {
    {"__name__", gget_name, gset_name},
    {"__qualname__", gget_qualname, gset_qualname},
    {"cr_running", gget_running, NULL},
    {"cr_suspended", gget_suspended, NULL},
    {"cr_code", gget_code, NULL},
    {"cr_frame", gget_frame, NULL},
    {"cr_await", cget_await, NULL},
    {"cr_origin", cget_origin, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_coro_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "coroutine",
    .basicsize = sizeof(mv_gen),
    .dealloc = gen_dealloc,
    .repr = coro_repr,
    .methods = coro_methods,
    .getsets = coro_getsets,
};

#define CW(v) (((coro_wrapper *)(v))->coro)

static Value cw_m_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gen_m_send(t, CW(self), args, nargs, kwnames);
}
static Value cw_m_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gen_m_throw(t, CW(self), args, nargs, kwnames);
}
static Value cw_m_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gen_m_close(t, CW(self), args, nargs, kwnames);
}
static Value cw_m_next(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gen_send_ex(t, GEN(CW(self)), MV_NONE, 0, NULL);
}
static Value cw_iternext(mv_thread *t, Value self) { return gen_iternext(t, CW(self)); }
static void cw_dealloc(Value self) { MV_XDECREF(CW(self)); }

static const mv_method_def cw_methods[] = {
    {"send", cw_m_send, 0, NULL},
    {"throw", cw_m_throw, 0, NULL},
    {"close", cw_m_close, 0, NULL},
    {"__next__", cw_m_next, 0, "Implement next(self)."},
    {"__iter__", gen_m_iter, 0, "Implement iter(self)."},
    {NULL, NULL, 0, NULL},
};

mv_type mv_coro_wrapper_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "coroutine_wrapper",
    .basicsize = sizeof(coro_wrapper),
    .dealloc = cw_dealloc,
    .iter = gen_iter,
    .iternext = cw_iternext,
    .methods = cw_methods,
};

/* ---- shared with asyncgen.c ---- */

Value mv_gen_send_ex(mv_thread *t, Value gen, Value v, int exc, Value *retval) {
    if (retval) *retval = NULL;
    return gen_send_ex(t, GEN(gen), v, exc, retval);
}
Value mv_gen_throw_value(mv_thread *t, Value gen, Value exc) { return gen_throw_exc(t, GEN(gen), exc); }
Value mv_gen_close(mv_thread *t, Value gen) { return gen_close(t, GEN(gen)); }
Value mv_gen_yieldfrom(Value gen) { return gen_yf(GEN(gen)); }
void mv_gen_dealloc(Value gen) { gen_dealloc(gen); }
