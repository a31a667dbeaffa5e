/* _asyncio_task.c: _asyncio.Task, a Future that drives a coroutine: each step sends into (or
 * throws into) the coroutine at C level and looks at what it yielded: a blocking future gets the
 * task's wakeup as a done callback, a bare yield reschedules the task (asyncio.sleep(0)).
 * Pending tasks sit on an intrusive list for all_tasks(); nothing here holds a task alive.
 */
#include <stdio.h>
#include <string.h>

#include "_asyncio.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#define TASK(v) ((aio_task *)(v))
#define FUT(v) ((aio_future *)(v))

static uint64_t task_name_counter;
static aio_task *pending_head; /* tasks not done yet, most recent first */
static Value foreign_tasks;    /* list: _register_task of objects that are not native tasks */

/* The context= of the few tasks that get one (contextvars are not modelled), keyed by address:
   a field in every task would cost 100,000 words in the benchmark for nothing. */
static Value contexts;

static Value key_of(aio_task *tk) { return mv_int_from_u64((uint64_t)(uintptr_t)tk); }

static int set_context(mv_thread *t, aio_task *tk, Value ctx) {
    if (!contexts) contexts = mv_dict_new();
    Value k = key_of(tk);
    int r = mv_dict_set(t, contexts, k, ctx);
    MV_DECREF(k);
    if (r == 0) tk->has_context = true;
    return r;
}

static void task_link(aio_task *tk) {
    if (tk->registered) return;
    tk->registered = true;
    tk->prev = NULL;
    tk->next = pending_head;
    if (pending_head) pending_head->prev = tk;
    pending_head = tk;
}

static void task_unlink(aio_task *tk) {
    if (!tk->registered) return;
    tk->registered = false;
    if (tk->prev) tk->prev->next = tk->next;
    else pending_head = tk->next;
    if (tk->next) tk->next->prev = tk->prev;
    tk->prev = tk->next = NULL;
}

static bool is_coroutine(Value coro) {
    mv_type *tp = MV_TYPE(coro);
    if (tp == &mv_coro_type) return true;
    if (tp == &mv_gen_type) {
        mv_gen *g = (mv_gen *)coro;
        return g->frame && (g->frame->code->flags & MV_CO_ITERABLE_COROUTINE);
    }
    static Value s_send, s_throw, s_await;
    mv_thread *t = mv_current_thread();
    if (!s_send) {
        s_send = mv_str_intern_cstr(t, "send");
        s_throw = mv_str_intern_cstr(t, "throw");
        s_await = mv_str_intern_cstr(t, "__await__");
    }
    return mv_type_lookup(tp, s_send) && mv_type_lookup(tp, s_throw) && mv_type_lookup(tp, s_await);
}

static Value task_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    return mv_object_new(type);
}

static int task_setup(mv_thread *t, aio_task *tk, Value loop, Value coro, Value name, Value context) {
    if (aio_future_init(t, &tk->fut, loop) < 0) return -1;
    if (!is_coroutine(coro)) {
        mv_err_format(t, &mv_exc_TypeError, "a coroutine was expected, got %R", coro);
        return -1;
    }
    MV_SETREF(tk->coro, mv_newref(coro));
    if ((MV_TYPE(coro) == &mv_coro_type || MV_TYPE(coro) == &mv_gen_type) && ((mv_gen *)coro)->frame)
        MV_SETREF(tk->code, mv_newref((Value)((mv_gen *)coro)->frame->code));
    if (name && name != MV_NONE) {
        Value s = mv_str_check(name) ? mv_newref(name) : mv_str(t, name);
        if (!s) return -1;
        MV_SETREF(tk->name, s);
    } else {
        MV_SETREF(tk->name, MV_FROM_SMALL(++task_name_counter));
    }
    if (context && context != MV_NONE && set_context(t, tk, context) < 0) return -1;
    tk->log_destroy_pending = true;
    tk->must_cancel = false;
    Value lp = tk->fut.loop;
    if (aio_is_loop(lp)) {
        if (((aio_loop *)lp)->closed) {
            mv_err_set(t, &mv_exc_RuntimeError, "Event loop is closed");
            tk->log_destroy_pending = false;
            return -1;
        }
        aio_loop_push((aio_loop *)lp, AIO_RQ_STEP, mv_newref((Value)tk), NULL);
    } else {
        Value step = mv_getattr_cstr(t, (Value)tk, "_Task__step");
        if (!step) return -1;
        Value r = mv_call_method(t, lp, "call_soon", &step, 1);
        MV_DECREF(step);
        if (!r) return -1;
        MV_DECREF(r);
    }
    task_link(tk);
    return 0;
}

static int task_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"coro", "$loop", "$name", "$context", NULL};
    Value a[4] = {NULL, NULL, NULL, NULL};
    if (mv_parse_args(t, "Task", args, nargs, kwnames, kw, 1, a) < 0) return -1;
    return task_setup(t, TASK(self), a[1], a[0], a[2], a[3]);
}

Value aio_task_new(mv_thread *t, Value loop, Value coro, Value name, Value context) {
    aio_task *tk = (aio_task *)mv_object_new(&aio_task_type);
    if (task_setup(t, tk, loop, coro, name, context) < 0) {
        tk->log_destroy_pending = false;
        MV_DECREF((Value)tk);
        return NULL;
    }
    return (Value)tk;
}

/* ---- stepping ---- */

static int call_step_soon(mv_thread *t, aio_task *tk, Value exc) {
    Value lp = tk->fut.loop;
    if (aio_is_loop(lp)) {
        aio_loop_push((aio_loop *)lp, AIO_RQ_STEP, mv_newref((Value)tk), exc ? mv_newref(exc) : NULL);
        return 0;
    }
    Value step = mv_getattr_cstr(t, (Value)tk, "_Task__step");
    if (!step) return -1;
    Value argv[2] = {step, exc};
    Value r = mv_call_method(t, lp, "call_soon", argv, exc ? 2 : 1);
    MV_DECREF(step);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static int set_error_soon(mv_thread *t, aio_task *tk, const char *fmt, Value a, Value b) {
    mv_err_format(t, &mv_exc_RuntimeError, fmt, a, b);
    Value e = mv_err_fetch(t);
    int r = call_step_soon(t, tk, e);
    MV_DECREF(e);
    return r;
}

static void task_finished(aio_task *tk) {
    if (tk->fut.state != AIO_PENDING) task_unlink(tk);
}

/* The coroutine said what it waits for (result: new ref). */
static int handle_yield(mv_thread *t, aio_task *tk, Value result) {
    int rc = 0;
    if (result == MV_NONE) {
        rc = call_step_soon(t, tk, NULL); /* bare yield: one loop iteration */
    } else if (result == (Value)tk) {
        rc = set_error_soon(t, tk, "Task cannot await on itself: %R", (Value)tk, NULL);
    } else if (aio_is_future(result)) {
        aio_future *f = FUT(result);
        if (f->loop != tk->fut.loop) {
            rc = set_error_soon(t, tk, "Task %R got Future %R attached to a different loop", (Value)tk, result);
        } else if (!f->blocking) {
            rc = set_error_soon(t, tk, "yield was used instead of yield from in task %R with %R", (Value)tk, result);
        } else {
            f->blocking = false;
            rc = aio_future_add_cb(t, f, (Value)tk, NULL, AIO_CB_WAKEUP);
            if (rc == 0) {
                tk->fut_waiter = mv_newref(result);
                if (tk->must_cancel) {
                    int c = mv_isinstance_of(result, &aio_task_type) ? -2 : aio_future_cancel(t, f, tk->fut.cancel_msg);
                    if (c == -2) {
                        Value msg = tk->fut.cancel_msg ? tk->fut.cancel_msg : MV_NONE;
                        Value r = mv_call_method(t, result, "cancel", &msg, 1);
                        c = r ? mv_truthy(t, r) : -1;
                        MV_XDECREF(r);
                    }
                    if (c < 0) rc = -1;
                    else if (c) tk->must_cancel = false;
                }
            }
        }
    } else {
        Value blk = mv_getattr_opt(t, result, mv_str_intern_cstr(t, "_asyncio_future_blocking"));
        if (!blk && mv_err_occurred(t)) {
            rc = -1;
        } else if (blk && blk != MV_NONE) {
            int blocking = mv_truthy(t, blk);
            Value oloop = mv_call_method(t, result, "get_loop", NULL, 0);
            if (blocking < 0 || !oloop) {
                rc = -1;
            } else if (oloop != tk->fut.loop) {
                rc = set_error_soon(t, tk, "Task %R got Future %R attached to a different loop", (Value)tk, result);
            } else if (!blocking) {
                rc = set_error_soon(t, tk, "yield was used instead of yield from in task %R with %R", (Value)tk, result);
            } else if (mv_setattr_cstr(t, result, "_asyncio_future_blocking", MV_FALSE) < 0) {
                rc = -1;
            } else {
                Value w = aio_task_wakeup_callable((Value)tk);
                Value r = mv_call_method(t, result, "add_done_callback", &w, 1);
                MV_DECREF(w);
                if (!r) {
                    rc = -1;
                } else {
                    MV_DECREF(r);
                    tk->fut_waiter = mv_newref(result);
                    if (tk->must_cancel) {
                        Value msg = tk->fut.cancel_msg ? tk->fut.cancel_msg : MV_NONE;
                        Value c = mv_call_method(t, result, "cancel", &msg, 1);
                        int ok = c ? mv_truthy(t, c) : -1;
                        MV_XDECREF(c);
                        if (ok < 0) rc = -1;
                        else if (ok) tk->must_cancel = false;
                    }
                }
            }
            MV_XDECREF(oloop);
        } else if (mv_isinstance_of(result, &mv_gen_type)) {
            rc = set_error_soon(t, tk, "yield was used instead of yield from for generator in task %R with %R", (Value)tk, result);
        } else {
            rc = set_error_soon(t, tk, "Task got bad yield: %R", result, NULL);
        }
        MV_XDECREF(blk);
    }
    MV_DECREF(result);
    return rc;
}

/* The coroutine ended: returned `retval` (new ref) or raised the current exception. */
static int handle_end(mv_thread *t, aio_task *tk, Value retval) {
    int rc = 0;
    if (!retval && mv_err_matches(t, &mv_exc_StopIteration)) {
        Value e = mv_err_fetch(t);
        retval = mv_getattr_cstr(t, e, "value");
        MV_DECREF(e);
        if (!retval) return -1;
    }
    if (retval) {
        if (tk->must_cancel) {
            tk->must_cancel = false;
            rc = aio_future_cancel(t, &tk->fut, tk->fut.cancel_msg) < 0 ? -1 : 0;
        } else {
            rc = aio_future_set_result(t, &tk->fut, retval);
        }
        MV_DECREF(retval);
        task_finished(tk);
        return rc;
    }
    Value exc = mv_err_fetch(t);
    if (mv_isinstance_of(exc, aio_CancelledError)) {
        MV_SETREF(tk->fut.cancelled_exc, exc);
        rc = aio_future_cancel(t, &tk->fut, NULL) < 0 ? -1 : 0;
        task_finished(tk);
        return rc;
    }
    rc = aio_future_set_exception(t, &tk->fut, exc);
    task_finished(tk);
    if (rc == 0 && (mv_isinstance_of(exc, &mv_exc_KeyboardInterrupt) || mv_isinstance_of(exc, &mv_exc_SystemExit))) {
        mv_err_restore(t, exc);
        return -1;
    }
    MV_DECREF(exc);
    return rc;
}

static int step_impl(mv_thread *t, aio_task *tk, Value exc) {
    if (tk->fut.state != AIO_PENDING) {
        mv_err_format(t, aio_InvalidStateError, "_step(): already done: %R, %R", (Value)tk, exc ? exc : MV_NONE);
        return -1;
    }
    Value own = NULL;
    if (tk->must_cancel) {
        if (exc && !mv_isinstance_of(exc, aio_CancelledError)) exc = NULL;
        if (!exc) {
            own = aio_future_make_cancelled_error(t, &tk->fut);
            if (!own) return -1;
            exc = own;
        }
        tk->must_cancel = false;
    }
    MV_CLEAR(tk->fut_waiter);
    Value coro = tk->coro;
    Value result, retval = NULL;
    if (MV_TYPE(coro) == &mv_coro_type || MV_TYPE(coro) == &mv_gen_type) {
        if (!exc) {
            result = mv_gen_send_ex(t, coro, MV_NONE, 0, &retval);
        } else {
            result = mv_gen_throw_value(t, coro, mv_newref(exc));
        }
    } else {
        if (!exc) {
            Value none = MV_NONE;
            result = mv_call_method(t, coro, "send", &none, 1);
        } else {
            result = mv_call_method(t, coro, "throw", &exc, 1);
        }
    }
    MV_XDECREF(own);
    if (result) return handle_yield(t, tk, result);
    return handle_end(t, tk, retval);
}

/* Returns -1 with an exception set for the loop to report (or propagate). */
static int task_step(mv_thread *t, aio_task *tk, Value exc) {
    Value loop = tk->fut.loop;
    if (aio_enter_task(t, loop, (Value)tk) < 0) return -1;
    int r = step_impl(t, tk, exc);
    Value saved = r < 0 ? mv_err_fetch(t) : NULL;
    int l = aio_leave_task(t, loop, (Value)tk);
    if (saved) {
        if (l < 0) mv_err_clear(t);
        mv_err_restore(t, saved);
        return -1;
    }
    return l;
}

int aio_task_step_rc(mv_thread *t, aio_task *tk, Value exc) { return task_step(t, tk, exc); }

int aio_task_wakeup_rc(mv_thread *t, aio_task *tk, Value fut) {
    if (aio_is_future(fut)) {
        aio_future *f = FUT(fut);
        if (f->state == AIO_FINISHED && !f->is_exc) return task_step(t, tk, NULL);
        Value r;
        int k = aio_future_get_result(t, f, &r);
        if (k < 0) return -1; /* not done: cannot happen from a done callback */
        if (k == 0) {
            MV_DECREF(r);
            return task_step(t, tk, NULL);
        }
        int rc = task_step(t, tk, r);
        MV_DECREF(r);
        return rc;
    }
    Value r = mv_call_method(t, fut, "result", NULL, 0);
    if (r) {
        MV_DECREF(r);
        return task_step(t, tk, NULL);
    }
    if (!mv_err_matches(t, &mv_exc_Exception) && !mv_err_matches(t, aio_CancelledError)) return -1;
    Value e = mv_err_fetch(t);
    int rc = task_step(t, tk, e);
    MV_DECREF(e);
    return rc;
}

/* ---- Python methods ---- */

static Value m_wakeup(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "task_wakeup", nargs, 1, 1) < 0) return NULL;
    if (aio_task_wakeup_rc(t, TASK(self), args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static const mv_method_def wakeup_def = {"task_wakeup", m_wakeup, 0, NULL};

Value aio_task_wakeup_callable(Value task) { return mv_cfunc_new(&wakeup_def, task, NULL); }

static Value m_step(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__step", nargs, 0, 1) < 0) return NULL;
    if (task_step(t, TASK(self), nargs && args[0] != MV_NONE ? args[0] : NULL) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_get_coro(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(TASK(self)->coro ? TASK(self)->coro : MV_NONE);
}

static Value task_name(aio_task *tk) {
    if (MV_IS_SMALL(tk->name)) tk->name = mv_str_fromf("Task-%lld", (long long)MV_SMALL_VAL(tk->name));
    return mv_newref(tk->name);
}

static Value m_get_name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return task_name(TASK(self)); }

static Value m_set_name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_name", nargs, 1, 1) < 0) return NULL;
    Value s = mv_str_check(args[0]) ? mv_newref(args[0]) : mv_str(t, args[0]);
    if (!s) return NULL;
    MV_SETREF(TASK(self)->name, s);
    return mv_newref(MV_NONE);
}

static Value m_cancel(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"msg", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "cancel", args, nargs, kwnames, kw, 0, a) < 0) return NULL;
    aio_task *tk = TASK(self);
    Value msg = a[0] && a[0] != MV_NONE ? a[0] : NULL;
    tk->fut.log_tb = false;
    if (tk->fut.state != AIO_PENDING) return mv_newref(MV_FALSE);
    tk->num_cancels_requested++;
    if (tk->fut_waiter) {
        Value w = tk->fut_waiter;
        int c;
        if (!MV_IS_SMALL(w) && w->type == &aio_future_type) { /* a subclass may override cancel() */
            c = aio_future_cancel(t, FUT(w), msg);
        } else {
            Value m = msg ? msg : MV_NONE;
            Value argv[1] = {m};
            Value kn = mv_tuple_pack(1, mv_str_intern_cstr(t, "msg"));
            MV_DECREF(MV_TUPLE_GET(kn, 0));
            Value meth = mv_getattr_cstr(t, w, "cancel");
            Value r = meth ? mv_call(t, meth, argv, 0, kn) : NULL;
            MV_XDECREF(meth);
            MV_DECREF(kn);
            c = r ? mv_truthy(t, r) : -1;
            MV_XDECREF(r);
        }
        if (c < 0) return NULL;
        if (c) return mv_newref(MV_TRUE);
    }
    tk->must_cancel = true;
    MV_SETREF(tk->fut.cancel_msg, msg ? mv_newref(msg) : NULL);
    return mv_newref(MV_TRUE);
}

static Value m_cancelling(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(TASK(self)->num_cancels_requested);
}

static Value m_uncancel(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    aio_task *tk = TASK(self);
    if (tk->num_cancels_requested > 0) tk->num_cancels_requested--;
    return mv_int_from_i64(tk->num_cancels_requested);
}

static Value m_set_result(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_err_set(t, &mv_exc_RuntimeError, "Task does not support set_result operation");
}

static Value m_set_exception(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_err_set(t, &mv_exc_RuntimeError, "Task does not support set_exception operation");
}

static Value m_get_stack(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_list_new(0); }

static Value m_get_context(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value k = key_of(TASK(self));
    Value c = contexts ? mv_dict_get(t, contexts, k) : NULL;
    MV_DECREF(k);
    if (!c && mv_err_occurred(t)) return NULL;
    return mv_newref(c ? c : MV_NONE);
}

/* "coro=<f() running at x.py:4>" as CPython's coroutines._format_coroutine */
static Value format_coro(mv_thread *t, Value coro, Value code) {
    mv_type *tp = MV_TYPE(coro);
    if (tp == &mv_coro_type || tp == &mv_gen_type) {
        mv_gen *g = (mv_gen *)coro;
        const char *name = mv_str_data(g->qualname);
        if (g->frame) {
            mv_frame *f = g->frame;
            int line = f->state == MV_FRAME_CREATED || f->lasti < 0 ? f->code->firstlineno : mv_code_line(f->code, f->lasti);
            return mv_str_fromf("%s() running at %s:%d", name, mv_str_data(f->code->filename), line);
        }
        if (code)
            return mv_str_fromf("%s() done, defined at %s:%d", name, mv_str_data(((mv_code *)code)->filename),
                                ((mv_code *)code)->firstlineno);
        return mv_str_fromf("%s()", name);
    }
    Value qn = mv_getattr_cstr(t, coro, "__qualname__");
    if (!qn) {
        mv_err_clear(t);
        qn = mv_getattr_cstr(t, coro, "__name__");
    }
    if (!qn) {
        mv_err_clear(t);
        return mv_str_fromf("<%s without __name__>()", tp->name);
    }
    Value s = mv_str(t, qn);
    MV_DECREF(qn);
    if (!s) return NULL;
    Value r = mv_str_fromf("%s()", mv_str_data(s));
    MV_DECREF(s);
    return r;
}

Value aio_task_repr_info(mv_thread *t, aio_task *tk) {
    Value info = aio_future_repr_info(t, &tk->fut);
    if (!info) return NULL;
    const char *s = mv_str_data(info);
    const char *rest = strchr(s, ' ');
    if (!rest) rest = "";
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (tk->num_cancels_requested > 0 && tk->fut.state == AIO_PENDING) mv_strbuf_adds(&b, "cancelling");
    else mv_strbuf_add(&b, s, (size_t)(*rest ? rest - s : (ptrdiff_t)strlen(s)));
    Value name = task_name(tk);
    mv_strbuf_adds(&b, " name=");
    int err = mv_strbuf_add_value_repr(t, &b, name);
    MV_DECREF(name);
    if (err < 0) goto fail;
    if (tk->coro) {
        Value c = format_coro(t, tk->coro, tk->code);
        if (!c) goto fail;
        mv_strbuf_adds(&b, " coro=<");
        mv_strbuf_add(&b, mv_str_data(c), mv_str_size(c));
        mv_strbuf_adds(&b, ">");
        MV_DECREF(c);
    }
    if (tk->fut_waiter) {
        mv_strbuf_adds(&b, " wait_for=");
        if (mv_strbuf_add_value_repr(t, &b, tk->fut_waiter) < 0) goto fail;
    }
    mv_strbuf_adds(&b, rest);
    MV_DECREF(info);
    return mv_strbuf_finish(&b);
fail:
    MV_DECREF(info);
    mv_strbuf_free(&b);
    return NULL;
}

static Value task_repr(mv_thread *t, Value self) {
    Value info = aio_task_repr_info(t, TASK(self));
    if (!info) return NULL;
    mv_type *tp = MV_TYPE(self);
    Value n = tp->flags & MV_TPFLAG_HEAPTYPE ? mv_str_from_cstr(tp->name) : mv_str_from_cstr("Task");
    Value r = mv_str_fromf("<%s %s>", mv_str_data(n), mv_str_data(info));
    MV_DECREF(n);
    MV_DECREF(info);
    return r;
}

static Value m_repr_info(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value info = aio_task_repr_info(t, TASK(self));
    if (!info) return NULL;
    Value l = mv_list_new(0);
    mv_list_append_steal(l, info);
    return l;
}

static const mv_method_def task_methods[] = {
    {"get_coro", m_get_coro, 0, NULL},
    {"get_name", m_get_name, 0, NULL},
    {"set_name", m_set_name, 0, NULL},
    {"get_context", m_get_context, 0, NULL},
    {"cancel", m_cancel, 0, "Request that this task cancel itself."},
    {"cancelling", m_cancelling, 0, NULL},
    {"uncancel", m_uncancel, 0, NULL},
    {"set_result", m_set_result, 0, NULL},
    {"set_exception", m_set_exception, 0, NULL},
    {"get_stack", m_get_stack, 0, NULL},
    {"_Task__step", m_step, 0, NULL},
    {"_Task__wakeup", m_wakeup, 0, NULL},
    {"_repr_info", m_repr_info, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static Value g_coro(mv_thread *t, Value self) { return mv_newref(TASK(self)->coro ? TASK(self)->coro : MV_NONE); }
static Value g_fut_waiter(mv_thread *t, Value self) {
    return mv_newref(TASK(self)->fut_waiter ? TASK(self)->fut_waiter : MV_NONE);
}
static Value g_must_cancel(mv_thread *t, Value self) { return mv_newref(MV_BOOL(TASK(self)->must_cancel)); }
static Value g_log_destroy(mv_thread *t, Value self) { return mv_newref(MV_BOOL(TASK(self)->log_destroy_pending)); }
static int s_log_destroy(mv_thread *t, Value self, Value v) {
    int b = v ? mv_truthy(t, v) : 0;
    if (b < 0) return -1;
    TASK(self)->log_destroy_pending = b;
    return 0;
}

static const mv_getset_def task_getsets[] = {
    {"_coro", g_coro, NULL},
    {"_fut_waiter", g_fut_waiter, NULL},
    {"_must_cancel", g_must_cancel, NULL},
    {"_log_destroy_pending", g_log_destroy, s_log_destroy},
    {NULL, NULL, NULL},
};

static void task_dealloc(Value self) {
    aio_task *tk = TASK(self);
    mv_thread *t = mv_current_thread();
    task_unlink(tk);
    if (t && tk->fut.state == AIO_PENDING && tk->log_destroy_pending && tk->fut.loop) {
        tk->log_destroy_pending = false;
        Value saved = mv_err_fetch(t);
        self->refcnt = 1;
        Value ctx = mv_dict_new();
        Value msg = mv_str_from_cstr("Task was destroyed but it is pending!");
        mv_dict_set_cstr(t, ctx, "task", self);
        mv_dict_set_cstr(t, ctx, "message", msg);
        MV_DECREF(msg);
        aio_call_exception_handler(t, tk->fut.loop, ctx);
        MV_DECREF(ctx);
        self->refcnt = 0;
        if (saved) mv_err_restore(t, saved);
    }
    aio_future_report(&tk->fut);
    MV_CLEAR(tk->coro);
    MV_CLEAR(tk->code);
    MV_CLEAR(tk->name);
    if (tk->has_context) {
        Value k = key_of(tk);
        Value old;
        if (mv_dict_pop(t, contexts, k, &old) == 1) MV_DECREF(old);
        MV_DECREF(k);
    }
    MV_CLEAR(tk->fut_waiter);
    aio_future_clear(&tk->fut);
}

mv_type aio_task_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio.Task",
    .basicsize = sizeof(aio_task),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &aio_future_type,
    .doc = "A coroutine wrapped in a Future.",
    .tp_new = task_new,
    .tp_init = task_init,
    .dealloc = task_dealloc,
    .repr = task_repr,
    .methods = task_methods,
    .getsets = task_getsets,
};

/* ---- all_tasks ---- */

Value aio_all_tasks(mv_thread *t, Value loop) {
    Value s = mv_set_new(t, NULL);
    if (!s) return NULL;
    for (aio_task *tk = pending_head; tk; tk = tk->next) {
        if (tk->fut.loop == loop && tk->fut.state == AIO_PENDING && mv_set_add(t, s, (Value)tk) < 0) {
            MV_DECREF(s);
            return NULL;
        }
    }
    if (foreign_tasks) {
        for (size_t i = 0; i < mv_list_size(foreign_tasks); i++) {
            Value x = mv_list_items(foreign_tasks)[i];
            Value l = mv_call_method(t, x, "get_loop", NULL, 0);
            if (!l) {
                MV_DECREF(s);
                return NULL;
            }
            Value d = l == loop ? mv_call_method(t, x, "done", NULL, 0) : NULL;
            MV_DECREF(l);
            if (d && d == MV_FALSE && mv_set_add(t, s, x) < 0) {
                MV_DECREF(d);
                MV_DECREF(s);
                return NULL;
            }
            MV_XDECREF(d);
            if (mv_err_occurred(t)) {
                MV_DECREF(s);
                return NULL;
            }
        }
    }
    return s;
}

Value aio_register_task(mv_thread *t, Value task) {
    if (aio_is_task(task)) {
        if (TASK(task)->fut.state == AIO_PENDING) task_link(TASK(task));
    } else {
        if (!foreign_tasks) foreign_tasks = mv_list_new(0);
        mv_list_append(foreign_tasks, task);
    }
    return mv_newref(MV_NONE);
}

Value aio_unregister_task(mv_thread *t, Value task) {
    if (aio_is_task(task)) {
        task_unlink(TASK(task));
    } else if (foreign_tasks) {
        Value *it = mv_list_items(foreign_tasks);
        size_t n = mv_list_size(foreign_tasks);
        for (size_t i = 0; i < n; i++) {
            if (it[i] == task) {
                Value idx = mv_int_from_i64((int64_t)i);
                Value r = mv_call_method(t, foreign_tasks, "pop", &idx, 1);
                MV_XDECREF(r);
                break;
            }
        }
    }
    return mv_newref(MV_NONE);
}
