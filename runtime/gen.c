/* gen.c: generator objects.  A generator owns a suspended frame; send/next resume it in the eval
 * loop until the next YIELD_VALUE (the loop returns with the frame SUSPENDED) or the end (DONE).
 * throw/close raise into the frame at its yield, delegating to the `yield from` target first.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "func.h"
#include "gen.h"
#include "opcodes.h"
#include "str.h"
#include "tuple.h"

#define GEN(v) ((mv_gen *)(v))

Value mv_gen_new(mv_thread *t, mv_frame *frame) {
    mv_gen *g = (mv_gen *)mv_object_new(&mv_gen_type);
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
    if (g->running) return mv_err_set(t, &mv_exc_ValueError, "generator already executing");
    if (!f || f->state == MV_FRAME_DONE) {
        if (exc) return NULL; /* the thrown exception propagates */
        return mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    }
    if (f->state == MV_FRAME_CREATED && !exc && value && value != MV_NONE)
        return mv_err_set(t, &mv_exc_TypeError, "can't send non-None value to a just-started generator");
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
    /* PEP 479: StopIteration leaking out of a generator becomes RuntimeError */
    if (mv_err_matches(t, &mv_exc_StopIteration)) {
        Value e = mv_err_fetch(t);
        mv_err_set(t, &mv_exc_RuntimeError, "generator raised StopIteration");
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
    if (!MV_IS_SMALL(yf) && yf->type == &mv_gen_type) {
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
        return mv_err_set(t, &mv_exc_RuntimeError, "generator ignored GeneratorExit");
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
        if (!MV_IS_SMALL(yf) && yf->type == &mv_gen_type) {
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
    if (!g->frame || g->frame->state == MV_FRAME_DONE) {
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

static Value gen_m_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "throw", kwnames) < 0 || mv_check_nargs(t, "throw", nargs, 1, 3) < 0) return NULL;
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

static void gen_dealloc(Value self) {
    mv_gen *g = GEN(self);
    if (g->frame && g->frame->state == MV_FRAME_SUSPENDED) {
        /* finalize: run the generator's finally blocks, as CPython does on collection */
        mv_thread *t = mv_current_thread();
        if (t) {
            self->refcnt = 1; /* resurrect while closing */
            Value saved = t->curexc;
            t->curexc = NULL;
            Value r = gen_close(t, g);
            if (r) MV_DECREF(r);
            else mv_err_clear(t);
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
