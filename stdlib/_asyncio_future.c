/* _asyncio_future.c: _asyncio.Future (CPython 3.11's C Future: states, done callbacks scheduled
 * on the loop, the never-retrieved report) and FutureIter, the iterator `await fut` drives: it
 * yields the future while pending (the Task then waits on it) and returns its result.
 */
#include <stdio.h>
#include <string.h>

#include "_asyncio.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

#define FUT(v) ((aio_future *)(v))

static Value invalid_state(mv_thread *t, const char *msg) { return mv_err_set(t, aio_InvalidStateError, msg); }

static int check_init(mv_thread *t, aio_future *f) {
    if (!f->loop) {
        mv_err_set(t, &mv_exc_RuntimeError, "Future object is not initialized.");
        return -1;
    }
    return 0;
}

int aio_future_init(mv_thread *t, aio_future *f, Value loop) {
    if (!loop || loop == MV_NONE) {
        loop = aio_get_event_loop(t);
        if (!loop) return -1;
    } else {
        MV_INCREF(loop);
    }
    MV_SETREF(f->loop, loop);
    return 0;
}

/* ---- callbacks ---- */

static void cb_clear(aio_cb *c) {
    MV_CLEAR(c->fn);
    MV_CLEAR(c->context);
}

static int schedule_one(mv_thread *t, aio_future *f, aio_cb *c) {
    if (c->kind == AIO_CB_WAKEUP && aio_is_loop(f->loop)) {
        aio_loop_push((aio_loop *)f->loop, AIO_RQ_WAKEUP, mv_newref(c->fn), mv_newref((Value)f));
        return 0;
    }
    if (c->kind == AIO_CB_WAKEUP) {
        Value w = aio_task_wakeup_callable(c->fn);
        int r = aio_loop_call_soon1(t, f->loop, w, (Value)f, c->context);
        MV_DECREF(w);
        return r;
    }
    return aio_loop_call_soon1(t, f->loop, c->fn, (Value)f, c->context);
}

/* Called once the state left PENDING: hand every callback to the loop and forget them, which
   also breaks the future <-> task reference cycles the callbacks formed. */
static int schedule_callbacks(mv_thread *t, aio_future *f) {
    int rc = 0;
    if (f->cb0) {
        aio_cb c = {f->cb0, NULL, f->cb0_wakeup ? AIO_CB_WAKEUP : AIO_CB_CALL};
        f->cb0 = NULL;
        if (rc == 0 && schedule_one(t, f, &c) < 0) rc = -1;
        cb_clear(&c);
    }
    aio_cb *cbs = f->cbs;
    uint32_t n = f->ncbs;
    f->cbs = NULL;
    f->ncbs = f->capcbs = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (rc == 0 && cbs[i].fn && schedule_one(t, f, &cbs[i]) < 0) rc = -1;
        cb_clear(&cbs[i]);
    }
    mv_free(cbs);
    return rc;
}

int aio_future_add_cb(mv_thread *t, aio_future *f, Value fn, Value ctx, int kind) {
    if (f->state != AIO_PENDING) {
        aio_cb c = {fn, ctx, kind};
        return schedule_one(t, f, &c);
    }
    if (!f->cb0 && !f->ncbs && !ctx) {
        f->cb0 = mv_newref(fn);
        f->cb0_wakeup = kind == AIO_CB_WAKEUP;
        return 0;
    }
    aio_cb c = {mv_newref(fn), ctx ? mv_newref(ctx) : NULL, kind};
    if (f->ncbs == f->capcbs) {
        f->capcbs = f->capcbs ? f->capcbs * 2 : 4;
        f->cbs = mv_realloc(f->cbs, f->capcbs * sizeof(aio_cb));
    }
    f->cbs[f->ncbs++] = c;
    return 0;
}

/* ---- state changes ---- */

int aio_future_set_result(mv_thread *t, aio_future *f, Value v) {
    if (check_init(t, f) < 0) return -1;
    if (f->state != AIO_PENDING) {
        invalid_state(t, "invalid state");
        return -1;
    }
    f->result = mv_newref(v);
    f->is_exc = false;
    f->state = AIO_FINISHED;
    return schedule_callbacks(t, f);
}

int aio_future_set_exception(mv_thread *t, aio_future *f, Value exc) {
    if (check_init(t, f) < 0) return -1;
    if (f->state != AIO_PENDING) {
        invalid_state(t, "invalid state");
        return -1;
    }
    Value e;
    if (mv_type_check(exc) && mv_type_is_subtype((mv_type *)exc, &mv_exc_BaseException)) {
        e = mv_call0(t, exc);
        if (!e) return -1;
        if (!mv_exc_check(e)) {
            MV_DECREF(e);
            mv_err_set(t, &mv_exc_TypeError, "exception class must be a subclass of BaseException");
            return -1;
        }
    } else if (mv_exc_check(exc)) {
        e = mv_newref(exc);
    } else {
        mv_err_set(t, &mv_exc_TypeError, "invalid exception object");
        return -1;
    }
    if (mv_isinstance_of(e, &mv_exc_StopIteration)) {
        MV_DECREF(e);
        mv_err_set(t, &mv_exc_TypeError, "StopIteration interacts badly with generators and cannot be raised into a Future");
        return -1;
    }
    f->result = e;
    f->is_exc = true;
    f->state = AIO_FINISHED;
    f->log_tb = true;
    return schedule_callbacks(t, f);
}

int aio_future_cancel(mv_thread *t, aio_future *f, Value msg) {
    f->log_tb = false;
    if (f->state != AIO_PENDING) return 0;
    f->state = AIO_CANCELLED;
    MV_SETREF(f->cancel_msg, msg && msg != MV_NONE ? mv_newref(msg) : NULL);
    return schedule_callbacks(t, f) < 0 ? -1 : 1;
}

Value aio_future_make_cancelled_error(mv_thread *t, aio_future *f) {
    if (f->cancelled_exc) {
        Value e = f->cancelled_exc;
        f->cancelled_exc = NULL;
        return e;
    }
    return aio_new_cancelled_error(t, f->cancel_msg);
}

int aio_future_get_result(mv_thread *t, aio_future *f, Value *out) {
    *out = NULL;
    if (f->state == AIO_CANCELLED) {
        *out = aio_future_make_cancelled_error(t, f);
        return *out ? 1 : -1;
    }
    if (f->state != AIO_FINISHED) {
        invalid_state(t, "Result is not set.");
        return -1;
    }
    f->log_tb = false;
    *out = mv_newref(f->result);
    return f->is_exc ? 1 : 0;
}

/* ---- Python methods ---- */

static Value fut_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    return mv_object_new(type);
}

static int fut_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"$loop", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "Future", args, nargs, kwnames, kw, 0, a) < 0) return -1;
    return aio_future_init(t, FUT(self), a[0]);
}

static Value m_result(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "result", nargs, 0, 0) < 0) return NULL;
    Value r;
    int k = aio_future_get_result(t, FUT(self), &r);
    if (k < 0) return NULL;
    if (k == 1) {
        mv_err_restore(t, r);
        return NULL;
    }
    return r;
}

static Value m_exception(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "exception", nargs, 0, 0) < 0) return NULL;
    aio_future *f = FUT(self);
    if (f->state == AIO_CANCELLED) {
        Value e = aio_future_make_cancelled_error(t, f);
        if (e) mv_err_restore(t, e);
        return NULL;
    }
    if (f->state != AIO_FINISHED) return invalid_state(t, "Exception is not set.");
    f->log_tb = false;
    return mv_newref(f->is_exc ? f->result : MV_NONE);
}

static Value m_set_result(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_result", nargs, 1, 1) < 0) return NULL;
    if (aio_future_set_result(t, FUT(self), args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_set_exception(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_exception", nargs, 1, 1) < 0) return NULL;
    if (aio_future_set_exception(t, FUT(self), args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_cancel(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"msg", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "cancel", args, nargs, kwnames, kw, 0, a) < 0) return NULL;
    if (check_init(t, FUT(self)) < 0) return NULL;
    int r = aio_future_cancel(t, FUT(self), a[0]);
    if (r < 0) return NULL;
    return mv_newref(MV_BOOL(r));
}

static Value m_cancelled(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(FUT(self)->state == AIO_CANCELLED));
}

static Value m_done(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(FUT(self)->state != AIO_PENDING));
}

static Value m_get_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_init(t, FUT(self)) < 0) return NULL;
    return mv_newref(FUT(self)->loop);
}

static Value m_add_done_callback(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"fn", "$context", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, "add_done_callback", args, nargs, kwnames, kw, 1, a) < 0) return NULL;
    if (check_init(t, FUT(self)) < 0) return NULL;
    Value ctx = a[1] && a[1] != MV_NONE ? a[1] : NULL;
    if (aio_future_add_cb(t, FUT(self), a[0], ctx, AIO_CB_CALL) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_remove_done_callback(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "remove_done_callback", nargs, 1, 1) < 0) return NULL;
    aio_future *f = FUT(self);
    if (check_init(t, f) < 0) return NULL;
    int64_t removed = 0;
    /* gather the callbacks into one array, drop the matches, and put the rest back in order */
    uint32_t n = (f->cb0 ? 1 : 0) + f->ncbs;
    aio_cb *all = mv_malloc((n ? n : 1) * sizeof(aio_cb));
    uint32_t k = 0;
    if (f->cb0) all[k++] = (aio_cb){f->cb0, NULL, f->cb0_wakeup ? AIO_CB_WAKEUP : AIO_CB_CALL};
    for (uint32_t i = 0; i < f->ncbs; i++) all[k++] = f->cbs[i];
    f->cb0 = NULL;
    f->ncbs = 0;
    int err = 0;
    uint32_t keep = 0;
    for (uint32_t i = 0; i < n; i++) {
        int eq = 0;
        if (!err && all[i].kind == AIO_CB_CALL) {
            eq = mv_richcompare_bool(t, all[i].fn, args[0], MV_EQ);
            if (eq < 0) {
                err = 1;
                eq = 0;
            }
        }
        if (eq) {
            removed++;
            cb_clear(&all[i]);
        } else {
            all[keep++] = all[i];
        }
    }
    for (uint32_t i = 0; i < keep; i++) {
        if (i == 0 && !all[0].context) {
            f->cb0 = all[0].fn;
            f->cb0_wakeup = all[0].kind == AIO_CB_WAKEUP;
            continue;
        }
        if (f->ncbs == f->capcbs) {
            f->capcbs = f->capcbs ? f->capcbs * 2 : 4;
            f->cbs = mv_realloc(f->cbs, f->capcbs * sizeof(aio_cb));
        }
        f->cbs[f->ncbs++] = all[i];
    }
    mv_free(all);
    if (err) return NULL;
    return mv_int_from_i64(removed);
}

typedef struct {
    mv_object ob;
    Value fut;
    bool yielded;
} futiter;

#define FI(v) ((futiter *)(v))

static Value m_await(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    futiter *it = (futiter *)mv_object_new(&aio_futureiter_type);
    it->fut = mv_newref(self);
    return (Value)it;
}

/* reprlib.repr for the result shown in reprs: long ints and strs are cut in the middle */
Value aio_short_repr(mv_thread *t, Value v) {
    Value r;
    size_t limit = 30;
    if (mv_str_check(v) && MV_TYPE(v) == &mv_str_type) {
        size_t len = mv_str_len(v);
        Value head = mv_str_substr(v, 0, len < 30 ? len : 30);
        r = mv_repr(t, head);
        MV_DECREF(head);
        if (!r || mv_str_len(r) <= 30) return r;
        MV_DECREF(r);
        int64_t st = (int64_t)len - 14;
        if (st < 0) st += (int64_t)len;
        if (st < 0) st = 0;
        Value a = mv_str_substr(v, 0, len < 13 ? len : 13), b = mv_str_substr(v, (size_t)st, len);
        Value ab = mv_str_concat(t, a, b);
        MV_DECREF(a);
        MV_DECREF(b);
        if (!ab) return NULL;
        r = mv_repr(t, ab);
        MV_DECREF(ab);
        if (!r) return NULL;
        size_t rl = mv_str_len(r);
        Value p = mv_str_substr(r, 0, rl < 13 ? rl : 13), q = mv_str_substr(r, rl > 14 ? rl - 14 : 0, rl);
        Value out = mv_str_fromf("%s...%s", mv_str_data(p), mv_str_data(q));
        MV_DECREF(p);
        MV_DECREF(q);
        MV_DECREF(r);
        return out;
    }
    if (mv_int_check(v) && MV_TYPE(v) == &mv_int_type) limit = 40;
    r = mv_repr(t, v);
    if (!r) return NULL;
    size_t rl = mv_str_len(r);
    if (rl <= limit) return r;
    size_t i = (limit - 3) / 2, j = limit - 3 - i;
    Value p = mv_str_substr(r, 0, i), q = mv_str_substr(r, rl - j, rl);
    Value out = mv_str_fromf("%s...%s", mv_str_data(p), mv_str_data(q));
    MV_DECREF(p);
    MV_DECREF(q);
    MV_DECREF(r);
    return out;
}

static Value format_cb(mv_thread *t, aio_cb *c) {
    if (c->kind == AIO_CB_WAKEUP) return mv_str_from_cstr("Task.task_wakeup()");
    return aio_format_callback(t, c->fn, NULL);
}

Value aio_future_repr_info(mv_thread *t, aio_future *f) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, f->state == AIO_PENDING ? "pending" : f->state == AIO_CANCELLED ? "cancelled" : "finished");
    if (f->state == AIO_FINISHED) {
        if (f->is_exc) {
            mv_strbuf_adds(&b, " exception=");
            if (mv_strbuf_add_value_repr(t, &b, f->result) < 0) goto fail;
        } else {
            Value r = aio_short_repr(t, f->result);
            if (!r) goto fail;
            mv_strbuf_adds(&b, " result=");
            mv_strbuf_add(&b, mv_str_data(r), mv_str_size(r));
            MV_DECREF(r);
        }
    }
    uint32_t n = (f->cb0 ? 1 : 0) + f->ncbs;
    if (n) {
        aio_cb c0 = {f->cb0, NULL, f->cb0_wakeup ? AIO_CB_WAKEUP : AIO_CB_CALL};
        aio_cb *first = f->cb0 ? &c0 : &f->cbs[0];
        aio_cb *last = f->ncbs ? &f->cbs[f->ncbs - 1] : &c0;
        Value s1 = format_cb(t, first);
        if (!s1) goto fail;
        mv_strbuf_adds(&b, " cb=[");
        mv_strbuf_add(&b, mv_str_data(s1), mv_str_size(s1));
        MV_DECREF(s1);
        if (n >= 2) {
            Value s2 = format_cb(t, last);
            if (!s2) goto fail;
            if (n > 2) mv_strbuf_addf(&b, ", <%u more>", n - 2);
            mv_strbuf_adds(&b, ", ");
            mv_strbuf_add(&b, mv_str_data(s2), mv_str_size(s2));
            MV_DECREF(s2);
        }
        mv_strbuf_adds(&b, "]");
    }
    return mv_strbuf_finish(&b);
fail:
    mv_strbuf_free(&b);
    return NULL;
}

static Value type_display_name(Value self) {
    mv_type *tp = MV_TYPE(self);
    return tp->flags & MV_TPFLAG_HEAPTYPE ? mv_str_from_cstr(tp->name) : mv_str_from_cstr(strrchr(tp->name, '.') ? strrchr(tp->name, '.') + 1 : tp->name);
}

static Value fut_repr(mv_thread *t, Value self) {
    Value info = aio_future_repr_info(t, FUT(self));
    if (!info) return NULL;
    Value n = type_display_name(self);
    Value r = mv_str_fromf("<%s %s>", mv_str_data(n), mv_str_data(info));
    MV_DECREF(n);
    MV_DECREF(info);
    return r;
}

static Value m_repr_info(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value info = aio_future_repr_info(t, FUT(self));
    if (!info) return NULL;
    Value l = mv_list_new(0);
    mv_list_append_steal(l, info);
    return l;
}

const mv_method_def aio_future_methods[] = {
    {"result", m_result, 0, "Return the result this future represents."},
    {"exception", m_exception, 0, "Return the exception that was set on this future."},
    {"set_result", m_set_result, 0, "Mark the future done and set its result."},
    {"set_exception", m_set_exception, 0, "Mark the future done and set an exception."},
    {"cancel", m_cancel, 0, "Cancel the future and schedule callbacks."},
    {"cancelled", m_cancelled, 0, "Return True if the future was cancelled."},
    {"done", m_done, 0, "Return True if the future is done."},
    {"get_loop", m_get_loop, 0, "Return the event loop the Future is bound to."},
    {"add_done_callback", m_add_done_callback, 0, "Add a callback to be run when the future becomes done."},
    {"remove_done_callback", m_remove_done_callback, 0, "Remove all instances of a callback from the \"call when done\" list."},
    {"__await__", m_await, 0, NULL},
    {"__iter__", m_await, 0, NULL},
    {"_repr_info", m_repr_info, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- attributes ---- */

static Value g_state(mv_thread *t, Value self) {
    aio_future *f = FUT(self);
    return mv_str_from_cstr(f->state == AIO_PENDING ? "PENDING" : f->state == AIO_CANCELLED ? "CANCELLED" : "FINISHED");
}
static Value g_blocking(mv_thread *t, Value self) { return mv_newref(MV_BOOL(FUT(self)->blocking)); }
static int s_blocking(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_AttributeError, "cannot delete attribute");
        return -1;
    }
    int b = mv_truthy(t, v);
    if (b < 0) return -1;
    FUT(self)->blocking = b;
    return 0;
}
static Value g_loop(mv_thread *t, Value self) { return mv_newref(FUT(self)->loop ? FUT(self)->loop : MV_NONE); }
static Value g_callbacks(mv_thread *t, Value self) {
    aio_future *f = FUT(self);
    if (!f->cb0 && !f->ncbs) return mv_newref(MV_NONE);
    Value l = mv_list_new(0);
    aio_cb c0 = {f->cb0, NULL, f->cb0_wakeup ? AIO_CB_WAKEUP : AIO_CB_CALL};
    for (uint32_t i = 0; i <= f->ncbs; i++) {
        aio_cb *c = i == 0 ? &c0 : &f->cbs[i - 1];
        if (!c->fn) continue;
        Value fn = c->kind == AIO_CB_WAKEUP ? aio_task_wakeup_callable(c->fn) : mv_newref(c->fn);
        mv_list_append_steal(l, mv_tuple_pack(2, fn, c->context ? c->context : MV_NONE));
        MV_DECREF(fn);
    }
    return l;
}
static Value g_result(mv_thread *t, Value self) {
    aio_future *f = FUT(self);
    return mv_newref(f->result && !f->is_exc ? f->result : MV_NONE);
}
static Value g_exception(mv_thread *t, Value self) {
    aio_future *f = FUT(self);
    return mv_newref(f->result && f->is_exc ? f->result : MV_NONE);
}
static Value g_log_tb(mv_thread *t, Value self) { return mv_newref(MV_BOOL(FUT(self)->log_tb)); }
static int s_log_tb(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_AttributeError, "cannot delete attribute");
        return -1;
    }
    int b = mv_truthy(t, v);
    if (b < 0) return -1;
    if (b) {
        mv_err_set(t, &mv_exc_ValueError, "_log_traceback can only be set to False");
        return -1;
    }
    FUT(self)->log_tb = false;
    return 0;
}
static Value g_none(mv_thread *t, Value self) { return mv_newref(MV_NONE); }
static Value g_cancel_message(mv_thread *t, Value self) {
    return mv_newref(FUT(self)->cancel_msg ? FUT(self)->cancel_msg : MV_NONE);
}
static int s_cancel_message(mv_thread *t, Value self, Value v) {
    MV_SETREF(FUT(self)->cancel_msg, v && v != MV_NONE ? mv_newref(v) : NULL);
    return 0;
}

const mv_getset_def aio_future_getsets[] = {
    {"_state", g_state, NULL},
    {"_asyncio_future_blocking", g_blocking, s_blocking},
    {"_loop", g_loop, NULL},
    {"_callbacks", g_callbacks, NULL},
    {"_result", g_result, NULL},
    {"_exception", g_exception, NULL},
    {"_log_traceback", g_log_tb, s_log_tb},
    {"_source_traceback", g_none, NULL},
    {"_cancel_message", g_cancel_message, s_cancel_message},
    {NULL, NULL, NULL},
};

/* ---- lifetime ---- */

void aio_future_report(aio_future *f) {
    mv_thread *t = mv_current_thread();
    if (!t || !f->log_tb || !f->loop || !f->is_exc) return;
    f->log_tb = false;
    Value self = (Value)f;
    Value saved = mv_err_fetch(t);
    self->refcnt = 1; /* alive while the handler looks at it */
    Value n = type_display_name(self);
    Value msg = mv_str_fromf("%s exception was never retrieved", mv_str_data(n));
    MV_DECREF(n);
    Value ctx = mv_dict_new();
    mv_dict_set_cstr(t, ctx, "message", msg);
    mv_dict_set_cstr(t, ctx, "exception", f->result);
    mv_dict_set_cstr(t, ctx, "future", self);
    MV_DECREF(msg);
    aio_call_exception_handler(t, f->loop, ctx);
    MV_DECREF(ctx);
    self->refcnt = 0;
    if (saved) mv_err_restore(t, saved);
}

void aio_future_clear(aio_future *f) {
    MV_CLEAR(f->cb0);
    for (uint32_t i = 0; i < f->ncbs; i++) cb_clear(&f->cbs[i]);
    mv_free(f->cbs);
    f->cbs = NULL;
    f->ncbs = f->capcbs = 0;
    MV_CLEAR(f->loop);
    MV_CLEAR(f->result);
    MV_CLEAR(f->cancel_msg);
    MV_CLEAR(f->cancelled_exc);
}

static Value fut_iter(mv_thread *t, Value self) { return m_await(t, self, NULL, 0, NULL); }

static void fut_dealloc(Value self) {
    aio_future_report(FUT(self));
    aio_future_clear(FUT(self));
}

mv_type aio_future_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio.Future",
    .basicsize = sizeof(aio_future),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "This class is *almost* compatible with concurrent.futures.Future.",
    .tp_new = fut_new,
    .tp_init = fut_init,
    .dealloc = fut_dealloc,
    .repr = fut_repr,
    .iter = fut_iter,
    .methods = aio_future_methods,
    .getsets = aio_future_getsets,
};

/* ---- FutureIter ---- */

static Value fi_next_value(mv_thread *t, futiter *it) {
    Value fv = it->fut;
    if (!fv) return NULL;
    aio_future *f = FUT(fv);
    if (f->state == AIO_PENDING) {
        if (!it->yielded) {
            it->yielded = true;
            f->blocking = true;
            return mv_newref(fv);
        }
        return mv_err_set(t, &mv_exc_RuntimeError, "await wasn't used with future");
    }
    it->fut = NULL;
    Value r;
    int k = aio_future_get_result(t, f, &r);
    MV_DECREF(fv);
    if (k < 0) return NULL;
    if (k == 1) {
        mv_err_restore(t, r);
        return NULL;
    }
    if (r == MV_NONE) {
        MV_DECREF(r);
        return NULL; /* exhausted: the await's value is None */
    }
    mv_err_set_value(t, &mv_exc_StopIteration, r);
    MV_DECREF(r);
    return NULL;
}

static Value fi_iternext(mv_thread *t, Value self) { return fi_next_value(t, FI(self)); }

static Value fi_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    Value r = fi_next_value(t, FI(self));
    if (!r && !mv_err_occurred(t)) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    return r;
}

static Value fi_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value e = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!e) return NULL;
    MV_CLEAR(FI(self)->fut);
    mv_err_restore(t, e);
    return NULL;
}

static Value fi_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    MV_CLEAR(FI(self)->fut);
    return mv_newref(MV_NONE);
}

static Value fi_iter(mv_thread *t, Value self) { return mv_newref(self); }
static void fi_dealloc(Value self) { MV_CLEAR(FI(self)->fut); }

static const mv_method_def fi_methods[] = {
    {"send", fi_send, 0, NULL},
    {"throw", fi_throw, 0, NULL},
    {"close", fi_close, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type aio_futureiter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio.FutureIter",
    .basicsize = sizeof(futiter),
    .base = &mv_object_type,
    .dealloc = fi_dealloc,
    .iter = fi_iter,
    .iternext = fi_iternext,
    .methods = fi_methods,
};
