/* _asyncio_loop.c: the event loop's C core: Handle and TimerHandle, the ready queue (a ring
 * buffer of entries, most of them internal task steps that need no Handle object), the timer heap
 * (cancelled TimerHandles are dropped lazily when they reach the top) and the wait in epoll_wait
 * with the GIL released; an eventfd in the epoll set lets call_soon_threadsafe wake it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "_asyncio.h"
#include "procsig.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "func.h"
#include "gen.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "thread.h"
#include "tuple.h"

#define LOOP(v) ((aio_loop *)(v))
#define HANDLE(v) ((aio_handle *)(v))

double aio_time(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int aio_loop_check(mv_thread *t, Value loop) {
    if (aio_is_loop(loop)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "expected an _asyncio.EventLoop, got %T", loop);
    return -1;
}

/* ---- Handle / TimerHandle ---- */

static Value handle_make(mv_type *tp, Value loop, Value cb, Value args, Value ctx) {
    aio_handle *h = (aio_handle *)mv_object_new(tp);
    h->callback = mv_newref(cb);
    h->args = mv_newref(args);
    h->loop = mv_newref(loop);
    h->context = ctx && ctx != MV_NONE ? mv_newref(ctx) : NULL;
    h->is_timer = tp != &aio_handle_type && mv_type_is_subtype(tp, &aio_timerhandle_type);
    return (Value)h;
}

static Value handle_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"callback", "args", "loop", "context", NULL};
    Value a[4] = {NULL, NULL, NULL, NULL};
    if (mv_parse_args(t, "Handle", args, nargs, kwnames, kw, 3, a) < 0) return NULL;
    Value tup = mv_tuple_check(a[1]) ? mv_newref(a[1]) : mv_sequence_tuple(t, a[1]);
    if (!tup) return NULL;
    Value h = handle_make(type, a[2], a[0], tup, a[3]);
    MV_DECREF(tup);
    return h;
}

static Value timerhandle_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"when", "callback", "args", "loop", "context", NULL};
    Value a[5] = {NULL, NULL, NULL, NULL, NULL};
    if (mv_parse_args(t, "TimerHandle", args, nargs, kwnames, kw, 4, a) < 0) return NULL;
    double when;
    if (mv_as_double(t, a[0], &when) < 0) return NULL;
    Value tup = mv_tuple_check(a[2]) ? mv_newref(a[2]) : mv_sequence_tuple(t, a[2]);
    if (!tup) return NULL;
    Value h = handle_make(type, a[3], a[1], tup, a[4]);
    MV_DECREF(tup);
    HANDLE(h)->when = when;
    return h;
}

static void handle_dealloc(Value self) {
    aio_handle *h = HANDLE(self);
    MV_CLEAR(h->callback);
    MV_CLEAR(h->args);
    MV_CLEAR(h->loop);
    MV_CLEAR(h->context);
}

static void handle_cancel_impl(aio_handle *h) {
    if (h->cancelled) return;
    h->cancelled = true;
    MV_CLEAR(h->callback);
    MV_CLEAR(h->args);
}

static Value h_cancel(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    handle_cancel_impl(HANDLE(self));
    return mv_newref(MV_NONE);
}
static Value h_cancelled(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(HANDLE(self)->cancelled));
}
static Value h_when(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_float_new(HANDLE(self)->when);
}
static Value h_get_context(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(HANDLE(self)->context ? HANDLE(self)->context : MV_NONE);
}

/* Exception in a callback: what Handle._run reports. */
static void report_callback_error(mv_thread *t, Value loop, Value handle, Value cb, Value args) {
    Value exc = mv_err_fetch(t);
    Value src = aio_format_callback(t, cb, args);
    if (!src) {
        mv_err_clear(t);
        src = mv_str_from_cstr("?");
    }
    Value msg = mv_str_fromf("Exception in callback %s", mv_str_data(src));
    MV_DECREF(src);
    Value ctx = mv_dict_new();
    mv_dict_set_cstr(t, ctx, "message", msg);
    mv_dict_set_cstr(t, ctx, "exception", exc);
    if (handle) mv_dict_set_cstr(t, ctx, "handle", handle);
    MV_DECREF(msg);
    MV_DECREF(exc);
    aio_call_exception_handler(t, loop, ctx);
    MV_DECREF(ctx);
}

/* KeyboardInterrupt and SystemExit leave the loop; everything else is reported. */
static bool must_propagate(mv_thread *t) {
    return mv_err_matches(t, &mv_exc_KeyboardInterrupt) || mv_err_matches(t, &mv_exc_SystemExit);
}

static int handle_run(mv_thread *t, aio_handle *h) {
    if (h->cancelled) return 0;
    Value cb = mv_newref(h->callback), args = mv_newref(h->args);
    Value r = mv_call(t, cb, mv_tuple_items(args), mv_tuple_size(args), NULL);
    int rc = 0;
    if (r) {
        MV_DECREF(r);
    } else if (must_propagate(t)) {
        rc = -1;
    } else {
        report_callback_error(t, h->loop, (Value)h, cb, args);
    }
    MV_DECREF(cb);
    MV_DECREF(args);
    return rc;
}

static Value h_run(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (handle_run(t, HANDLE(self)) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value handle_repr(mv_thread *t, Value self) {
    aio_handle *h = HANDLE(self);
    mv_type *tp = MV_TYPE(self);
    Value n = tp->flags & MV_TPFLAG_HEAPTYPE ? mv_str_from_cstr(tp->name) : mv_str_from_cstr(h->is_timer ? "TimerHandle" : "Handle");
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_addc(&b, '<');
    mv_strbuf_add(&b, mv_str_data(n), mv_str_size(n));
    MV_DECREF(n);
    if (h->cancelled) mv_strbuf_adds(&b, " cancelled");
    if (h->is_timer) {
        Value w = mv_float_new(h->when);
        mv_strbuf_adds(&b, " when=");
        mv_strbuf_add_value_repr(t, &b, w);
        MV_DECREF(w);
    }
    if (h->callback) {
        Value s = aio_format_callback(t, h->callback, h->args);
        if (!s) {
            mv_strbuf_free(&b);
            return NULL;
        }
        mv_strbuf_addc(&b, ' ');
        mv_strbuf_add(&b, mv_str_data(s), mv_str_size(s));
        MV_DECREF(s);
    }
    mv_strbuf_addc(&b, '>');
    return mv_strbuf_finish(&b);
}

static Value hg_callback(mv_thread *t, Value self) { return mv_newref(HANDLE(self)->callback ? HANDLE(self)->callback : MV_NONE); }
static Value hg_args(mv_thread *t, Value self) { return mv_newref(HANDLE(self)->args ? HANDLE(self)->args : MV_NONE); }
static Value hg_cancelled(mv_thread *t, Value self) { return mv_newref(MV_BOOL(HANDLE(self)->cancelled)); }
static Value hg_loop(mv_thread *t, Value self) { return mv_newref(HANDLE(self)->loop); }
static Value hg_when(mv_thread *t, Value self) { return mv_float_new(HANDLE(self)->when); }
static Value hg_scheduled(mv_thread *t, Value self) { return mv_newref(MV_BOOL(HANDLE(self)->scheduled)); }

static const mv_method_def handle_methods[] = {
    {"cancel", h_cancel, 0, NULL},
    {"cancelled", h_cancelled, 0, NULL},
    {"get_context", h_get_context, 0, NULL},
    {"_run", h_run, 0, NULL},
    {NULL, NULL, 0, NULL},
};
static const mv_getset_def handle_getsets[] = {
    {"_callback", hg_callback, NULL},
    {"_args", hg_args, NULL},
    {"_cancelled", hg_cancelled, NULL},
    {"_loop", hg_loop, NULL},
    {NULL, NULL, NULL},
};
static const mv_method_def timer_methods[] = {
    {"when", h_when, 0, NULL},
    {NULL, NULL, 0, NULL},
};
static const mv_getset_def timer_getsets[] = {
    {"_when", hg_when, NULL},
    {"_scheduled", hg_scheduled, NULL},
    {NULL, NULL, NULL},
};

mv_type aio_handle_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "asyncio.events.Handle",
    .basicsize = sizeof(aio_handle),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Object returned by callback registration methods.",
    .tp_new = handle_new,
    .dealloc = handle_dealloc,
    .repr = handle_repr,
    .methods = handle_methods,
    .getsets = handle_getsets,
};

mv_type aio_timerhandle_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "asyncio.events.TimerHandle",
    .basicsize = sizeof(aio_handle),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &aio_handle_type,
    .doc = "Object returned by timed callback registration methods.",
    .tp_new = timerhandle_new,
    .dealloc = handle_dealloc,
    .repr = handle_repr,
    .methods = timer_methods,
    .getsets = timer_getsets,
};

/* ---- the ready queue ---- */

void aio_loop_push(aio_loop *l, int kind, Value a, Value b) {
    if (l->rq_len == l->rq_cap) {
        size_t ncap = l->rq_cap ? l->rq_cap * 2 : 64;
        aio_ready *nq = mv_malloc(ncap * sizeof(aio_ready));
        for (size_t i = 0; i < l->rq_len; i++) nq[i] = l->rq[(l->rq_head + i) % l->rq_cap];
        mv_free(l->rq);
        l->rq = nq;
        l->rq_cap = ncap;
        l->rq_head = 0;
    }
    size_t pos = l->rq_head + l->rq_len;
    if (pos >= l->rq_cap) pos -= l->rq_cap;
    l->rq[pos] = (aio_ready){(uintptr_t)a | (uintptr_t)kind, b};
    l->rq_len++;
}

static aio_ready rq_pop(aio_loop *l) {
    aio_ready e = l->rq[l->rq_head];
    if (++l->rq_head == l->rq_cap) l->rq_head = 0;
    l->rq_len--;
    return e;
}

/* ---- the timer heap ---- */

static bool timer_lt(aio_handle *a, aio_handle *b) { return a->when < b->when || (a->when == b->when && a->seq < b->seq); }

static void heap_push(aio_loop *l, aio_handle *h) {
    if (l->heap_len == l->heap_cap) {
        l->heap_cap = l->heap_cap ? l->heap_cap * 2 : 16;
        l->heap = mv_realloc(l->heap, l->heap_cap * sizeof(aio_handle *));
    }
    h->seq = ++l->timer_seq;
    size_t i = l->heap_len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!timer_lt(h, l->heap[p])) break;
        l->heap[i] = l->heap[p];
        i = p;
    }
    l->heap[i] = h;
}

static aio_handle *heap_pop(aio_loop *l) {
    aio_handle *top = l->heap[0];
    aio_handle *last = l->heap[--l->heap_len];
    size_t n = l->heap_len, i = 0;
    if (n) {
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= n) break;
            if (c + 1 < n && timer_lt(l->heap[c + 1], l->heap[c])) c++;
            if (!timer_lt(l->heap[c], last)) break;
            l->heap[i] = l->heap[c];
            i = c;
        }
        l->heap[i] = last;
    }
    return top;
}

/* ---- the loop object ---- */

static Value loop_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    aio_loop *l = (aio_loop *)mv_object_new(type);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->evfd < 0) {
        int e = errno;
        if (l->epfd >= 0) close(l->epfd);
        if (l->evfd >= 0) close(l->evfd);
        l->epfd = l->evfd = -1;
        l->closed = true;
        MV_DECREF((Value)l);
        return mv_err_errno(t, e, NULL);
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->evfd};
    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->evfd, &ev);
    return (Value)l;
}

static int loop_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return 0; }

static void loop_clear_queues(aio_loop *l) {
    while (l->rq_len) {
        aio_ready e = rq_pop(l);
        MV_XDECREF(AIO_RQ_A(e));
        MV_XDECREF(e.b);
    }
    mv_free(l->rq);
    l->rq = NULL;
    l->rq_cap = l->rq_head = 0;
    for (size_t i = 0; i < l->heap_len; i++) {
        l->heap[i]->scheduled = false;
        MV_DECREF((Value)l->heap[i]);
    }
    mv_free(l->heap);
    l->heap = NULL;
    l->heap_len = l->heap_cap = 0;
    for (size_t i = 0; i < l->nfds; i++) {
        MV_CLEAR(l->fds[i].reader);
        MV_CLEAR(l->fds[i].writer);
    }
    mv_free(l->fds);
    l->fds = NULL;
    l->nfds = l->nwatched = 0;
}

static void loop_close_impl(aio_loop *l) {
    if (l->closed) return;
    l->closed = true;
    loop_clear_queues(l);
    if (l->epfd >= 0) close(l->epfd);
    if (l->evfd >= 0) close(l->evfd);
    l->epfd = l->evfd = -1;
}

static void loop_dealloc(Value self) {
    aio_loop *l = LOOP(self);
    loop_close_impl(l);
    loop_clear_queues(l);
    MV_CLEAR(l->dict);
    MV_CLEAR(l->exc_handler);
    MV_CLEAR(l->current_task);
    MV_CLEAR(l->task_factory);
}

static int check_closed(mv_thread *t, aio_loop *l) {
    if (l->closed) {
        mv_err_set(t, &mv_exc_RuntimeError, "Event loop is closed");
        return -1;
    }
    return 0;
}

static int check_callback(mv_thread *t, Value cb, const char *method) {
    mv_type *tp = MV_TYPE(cb);
    bool coro = tp == &mv_coro_type || (mv_func_check(cb) && (((mv_func *)cb)->code->flags & MV_CO_COROUTINE));
    if (coro) {
        mv_err_format(t, &mv_exc_TypeError, "coroutines cannot be used with %s()", method);
        return -1;
    }
    if (!mv_callable(cb)) {
        mv_err_format(t, &mv_exc_TypeError, "a callable object was expected by %s(), got %R", method, cb);
        return -1;
    }
    return 0;
}

/* The positional args after the callback, and the context= keyword. */
static int split_call_args(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames, size_t fixed,
                           Value *ctx, Value *tuple) {
    *ctx = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (!mv_str_eq_cstr(k, "context")) {
            mv_err_format(t, &mv_exc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, k);
            return -1;
        }
        *ctx = args[nargs + i];
    }
    if (nargs < fixed) {
        mv_err_format(t, &mv_exc_TypeError, "%s() missing %d required positional argument%s", fname, (int)(fixed - nargs),
                      fixed - nargs == 1 ? "" : "s");
        return -1;
    }
    *tuple = mv_tuple_from_array(args + fixed, nargs - fixed);
    return 0;
}

static Value l_call_soon(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    aio_loop *l = LOOP(self);
    Value ctx, tup;
    if (split_call_args(t, "BaseEventLoop.call_soon", args, nargs, kwnames, 1, &ctx, &tup) < 0) return NULL;
    if (check_closed(t, l) < 0 || (l->debug && check_callback(t, args[0], "call_soon") < 0)) {
        MV_DECREF(tup);
        return NULL;
    }
    Value h = handle_make(&aio_handle_type, self, args[0], tup, ctx);
    MV_DECREF(tup);
    aio_loop_push(l, AIO_RQ_HANDLE, mv_newref(h), NULL);
    return h;
}

static void wake_up(aio_loop *l) {
    uint64_t one = 1;
    if (l->evfd >= 0) {
        ssize_t r = write(l->evfd, &one, sizeof one);
        (void)r;
    }
}

static Value l_call_soon_threadsafe(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    aio_loop *l = LOOP(self);
    Value ctx, tup;
    if (split_call_args(t, "BaseEventLoop.call_soon_threadsafe", args, nargs, kwnames, 1, &ctx, &tup) < 0) return NULL;
    if (check_closed(t, l) < 0 || (l->debug && check_callback(t, args[0], "call_soon_threadsafe") < 0)) {
        MV_DECREF(tup);
        return NULL;
    }
    Value h = handle_make(&aio_handle_type, self, args[0], tup, ctx);
    MV_DECREF(tup);
    aio_loop_push(l, AIO_RQ_HANDLE, mv_newref(h), NULL);
    wake_up(l);
    return h;
}

static Value call_at_impl(mv_thread *t, aio_loop *l, double when, Value cb, Value tup, Value ctx, const char *method) {
    if (check_closed(t, l) < 0 || (l->debug && check_callback(t, cb, method) < 0)) return NULL;
    Value h = handle_make(&aio_timerhandle_type, (Value)l, cb, tup, ctx);
    HANDLE(h)->when = when;
    HANDLE(h)->scheduled = true;
    heap_push(l, (aio_handle *)mv_newref(h));
    return h;
}

Value aio_loop_call_later(mv_thread *t, Value loop, double delay, Value fn, Value *args, size_t nargs) {
    Value tup = mv_tuple_from_array(args, nargs);
    Value h = call_at_impl(t, LOOP(loop), aio_time() + delay, fn, tup, NULL, "call_later");
    MV_DECREF(tup);
    return h;
}

static Value l_call_later(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value ctx, tup;
    if (split_call_args(t, "BaseEventLoop.call_later", args, nargs, kwnames, 2, &ctx, &tup) < 0) return NULL;
    double delay;
    Value h = NULL;
    if (args[0] == MV_NONE) mv_err_set(t, &mv_exc_TypeError, "delay must not be None");
    else if (mv_as_double(t, args[0], &delay) == 0) h = call_at_impl(t, LOOP(self), aio_time() + delay, args[1], tup, ctx, "call_later");
    MV_DECREF(tup);
    return h;
}

static Value l_call_at(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value ctx, tup;
    if (split_call_args(t, "BaseEventLoop.call_at", args, nargs, kwnames, 2, &ctx, &tup) < 0) return NULL;
    double when;
    Value h = NULL;
    if (args[0] == MV_NONE) mv_err_set(t, &mv_exc_TypeError, "when cannot be None");
    else if (mv_as_double(t, args[0], &when) == 0) h = call_at_impl(t, LOOP(self), when, args[1], tup, ctx, "call_at");
    MV_DECREF(tup);
    return h;
}

static Value l_time(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_float_new(aio_time()); }

int aio_loop_call_soon1(mv_thread *t, Value loop, Value fn, Value arg, Value ctx) {
    if (aio_is_loop(loop)) {
        aio_loop *l = LOOP(loop);
        if (check_closed(t, l) < 0) return -1;
        aio_loop_push(l, AIO_RQ_CALL, mv_newref(fn), mv_newref(arg));
        return 0;
    }
    Value argv[2] = {fn, arg};
    Value r = mv_call_method(t, loop, "call_soon", argv, 2);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

static Value l_create_future(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    aio_future *f = (aio_future *)mv_object_new(&aio_future_type);
    f->loop = mv_newref(self);
    return (Value)f;
}

static Value l_create_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"coro", "$name", "$context", NULL};
    Value a[3] = {NULL, NULL, NULL};
    if (mv_parse_args(t, "create_task", args, nargs, kwnames, kw, 1, a) < 0) return NULL;
    aio_loop *l = LOOP(self);
    if (check_closed(t, l) < 0) return NULL;
    if (l->task_factory) {
        Value argv[2] = {self, a[0]};
        Value task = mv_call(t, l->task_factory, argv, 2, NULL);
        if (!task) return NULL;
        if (a[1] && a[1] != MV_NONE) {
            Value r = mv_call_method(t, task, "set_name", &a[1], 1);
            if (!r) {
                MV_DECREF(task);
                return NULL;
            }
            MV_DECREF(r);
        }
        return task;
    }
    return aio_task_new(t, self, a[0], a[1], a[2]);
}

static Value l_set_task_factory(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_task_factory", nargs, 1, 1) < 0) return NULL;
    if (args[0] != MV_NONE && !mv_callable(args[0]))
        return mv_err_set(t, &mv_exc_TypeError, "task factory must be a callable or None");
    MV_SETREF(LOOP(self)->task_factory, args[0] == MV_NONE ? NULL : mv_newref(args[0]));
    return mv_newref(MV_NONE);
}

static Value l_get_task_factory(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(LOOP(self)->task_factory ? LOOP(self)->task_factory : MV_NONE);
}

/* ---- running ---- */

static int run_entry(mv_thread *t, aio_loop *l, aio_ready ent) {
    int rc = 0;
    int kind = AIO_RQ_KIND(ent);
    struct {
        Value a, b;
    } e = {AIO_RQ_A(ent), ent.b};
    switch (kind) {
    case AIO_RQ_HANDLE:
        rc = handle_run(t, HANDLE(e.a));
        break;
    case AIO_RQ_STEP:
    case AIO_RQ_WAKEUP:
        rc = kind == AIO_RQ_STEP ? aio_task_step_rc(t, (aio_task *)e.a, e.b) : aio_task_wakeup_rc(t, (aio_task *)e.a, e.b);
        if (rc < 0 && !must_propagate(t)) {
            Value cb = kind == AIO_RQ_STEP ? mv_getattr_cstr(t, e.a, "_Task__step") : aio_task_wakeup_callable(e.a);
            Value exc = mv_err_fetch(t);
            if (!cb) {
                mv_err_clear(t);
                cb = mv_newref(MV_NONE);
            }
            Value tup = e.b ? mv_tuple_pack(1, e.b) : mv_tuple_new(0);
            Value h = handle_make(&aio_handle_type, (Value)l, cb, tup, NULL);
            mv_err_restore(t, exc);
            report_callback_error(t, (Value)l, h, cb, tup);
            MV_DECREF(h);
            MV_DECREF(tup);
            MV_DECREF(cb);
            rc = 0;
        }
        break;
    case AIO_RQ_CALL: {
        Value r = mv_call(t, e.a, &e.b, 1, NULL);
        if (r) {
            MV_DECREF(r);
        } else if (must_propagate(t)) {
            rc = -1;
        } else {
            Value exc = mv_err_fetch(t);
            Value tup = mv_tuple_pack(1, e.b);
            Value h = handle_make(&aio_handle_type, (Value)l, e.a, tup, NULL);
            mv_err_restore(t, exc);
            report_callback_error(t, (Value)l, h, e.a, tup);
            MV_DECREF(h);
            MV_DECREF(tup);
        }
        break;
    }
    }
    MV_XDECREF(e.a);
    MV_XDECREF(e.b);
    return rc;
}

static int fd_remove(mv_thread *t, aio_loop *l, int fd, bool writer);

static void dispatch_fd(mv_thread *t, aio_loop *l, int fd, uint32_t ev) {
    if (fd < 0 || (size_t)fd >= l->nfds) return;
    aio_fdent *e = &l->fds[fd];
    bool rd = ev & ~(uint32_t)EPOLLOUT, wr = ev & ~(uint32_t)EPOLLIN;
    if (rd && e->reader) {
        if (HANDLE(e->reader)->cancelled) fd_remove(t, l, fd, false);
        else aio_loop_push(l, AIO_RQ_HANDLE, mv_newref(e->reader), NULL);
    }
    if (wr && e->writer) {
        if (HANDLE(e->writer)->cancelled) fd_remove(t, l, fd, true);
        else aio_loop_push(l, AIO_RQ_HANDLE, mv_newref(e->writer), NULL);
    }
}

static int run_once(mv_thread *t, aio_loop *l) {
    while (l->heap_len && l->heap[0]->cancelled) {
        aio_handle *h = heap_pop(l);
        h->scheduled = false;
        MV_DECREF((Value)h);
    }
    int timeout;
    if (l->rq_len || l->stopping) {
        timeout = 0;
    } else if (l->heap_len) {
        double d = l->heap[0]->when - aio_time();
        timeout = d <= 0 ? 0 : d > 86400.0 ? 86400000 : (int)ceil(d * 1000.0);
    } else {
        timeout = -1;
    }
    if (timeout != 0 || l->nwatched) {
        struct epoll_event evs[64];
        int n, err;
        MV_GIL_RELEASE(t);
        n = epoll_wait(l->epfd, evs, 64, timeout);
        err = errno;
        MV_GIL_ACQUIRE(t);
        if (n < 0) {
            if (err != EINTR) {
                mv_err_errno(t, err, NULL);
                return -1;
            }
            /* Ctrl-C and Python signal handlers (asyncio.Runner's SIGINT handler among them) */
            if (mv_signal_check(t) < 0) return -1;
            n = 0;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == l->evfd) {
                uint64_t v;
                ssize_t r = read(l->evfd, &v, sizeof v);
                (void)r;
                continue;
            }
            dispatch_fd(t, l, evs[i].data.fd, evs[i].events);
        }
    }
    double end = aio_time() + 1e-9;
    while (l->heap_len) {
        aio_handle *h = l->heap[0];
        if (h->cancelled) {
            heap_pop(l);
            h->scheduled = false;
            MV_DECREF((Value)h);
            continue;
        }
        if (h->when >= end) break;
        heap_pop(l);
        h->scheduled = false;
        aio_loop_push(l, AIO_RQ_HANDLE, (Value)h, NULL);
    }
    size_t ntodo = l->rq_len;
    for (size_t i = 0; i < ntodo && l->rq_len; i++) {
        if (run_entry(t, l, rq_pop(l)) < 0) return -1;
    }
    return 0;
}

static int run_forever_impl(mv_thread *t, aio_loop *l) {
    if (check_closed(t, l) < 0) return -1;
    if (l->running) {
        mv_err_set(t, &mv_exc_RuntimeError, "This event loop is already running");
        return -1;
    }
    if (aio_get_running_loop()) {
        mv_err_set(t, &mv_exc_RuntimeError, "Cannot run the event loop while another loop is running");
        return -1;
    }
    l->running = true;
    l->thread_id = t->ident;
    aio_set_running_loop((Value)l);
    int rc = 0;
    for (;;) {
        if (run_once(t, l) < 0) {
            rc = -1;
            break;
        }
        if (l->stopping) break;
    }
    l->stopping = false;
    l->running = false;
    l->thread_id = 0;
    aio_set_running_loop(NULL);
    return rc;
}

static Value l_run_forever(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "run_forever", nargs, 0, 0) < 0) return NULL;
    if (run_forever_impl(t, LOOP(self)) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value run_cb_fn(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_run_until_complete_cb", nargs, 1, 1) < 0) return NULL;
    Value fut = args[0];
    if (aio_is_future(fut)) {
        aio_future *f = (aio_future *)fut;
        if (f->state == AIO_FINISHED && f->is_exc &&
            (mv_isinstance_of(f->result, &mv_exc_SystemExit) || mv_isinstance_of(f->result, &mv_exc_KeyboardInterrupt)))
            return mv_newref(MV_NONE);
        if (aio_is_loop(f->loop)) LOOP(f->loop)->stopping = true;
        return mv_newref(MV_NONE);
    }
    Value loop = mv_call_method(t, fut, "get_loop", NULL, 0);
    if (!loop) return NULL;
    Value r = mv_call_method(t, loop, "stop", NULL, 0);
    MV_DECREF(loop);
    return r;
}

static const mv_method_def run_cb_def = {"_run_until_complete_cb", run_cb_fn, 0, NULL};
static Value run_cb;

/* ensure_future(x, loop=self) for run_until_complete */
static Value ensure_future(mv_thread *t, Value self, Value x) {
    if (aio_is_future(x)) {
        if (((aio_future *)x)->loop != self)
            return mv_err_set(t, &mv_exc_ValueError, "The future belongs to a different loop than the one specified as the loop argument");
        return mv_newref(x);
    }
    Value blk = mv_getattr_opt(t, x, mv_str_intern_cstr(t, "_asyncio_future_blocking"));
    if (blk) {
        MV_DECREF(blk);
        return mv_newref(x);
    }
    if (mv_err_occurred(t)) return NULL;
    return mv_call_method(t, self, "create_task", &x, 1);
}

static Value l_run_until_complete(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "run_until_complete", nargs, 1, 1) < 0) return NULL;
    aio_loop *l = LOOP(self);
    if (check_closed(t, l) < 0) return NULL;
    if (l->running) return mv_err_set(t, &mv_exc_RuntimeError, "This event loop is already running");
    if (aio_get_running_loop()) return mv_err_set(t, &mv_exc_RuntimeError, "Cannot run the event loop while another loop is running");
    bool new_task = !aio_is_future(args[0]);
    Value fut = ensure_future(t, self, args[0]);
    if (!fut) {
        if (mv_err_matches(t, &mv_exc_TypeError) && new_task && !mv_isinstance_of(args[0], &mv_coro_type)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_TypeError, "An asyncio.Future, a coroutine or an awaitable is required");
        }
        return NULL;
    }
    if (new_task && aio_is_task(fut)) ((aio_task *)fut)->log_destroy_pending = false;
    if (!run_cb) run_cb = mv_cfunc_new(&run_cb_def, NULL, NULL);
    bool native = aio_is_future(fut);
    if (native) {
        if (aio_future_add_cb(t, (aio_future *)fut, run_cb, NULL, AIO_CB_CALL) < 0) goto fail;
    } else {
        Value r = mv_call_method(t, fut, "add_done_callback", &run_cb, 1);
        if (!r) goto fail;
        MV_DECREF(r);
    }
    int rc = run_forever_impl(t, l);
    Value saved = rc < 0 ? mv_err_fetch(t) : NULL;
    if (saved && new_task && native && ((aio_future *)fut)->state == AIO_FINISHED) ((aio_future *)fut)->log_tb = false;
    Value r = mv_call_method(t, fut, "remove_done_callback", &run_cb, 1);
    if (saved) {
        MV_XDECREF(r);
        mv_err_clear(t);
        mv_err_restore(t, saved);
        goto fail;
    }
    if (!r) goto fail;
    MV_DECREF(r);
    Value res;
    if (native) {
        if (((aio_future *)fut)->state == AIO_PENDING) {
            mv_err_set(t, &mv_exc_RuntimeError, "Event loop stopped before Future completed.");
            goto fail;
        }
        res = mv_call_method(t, fut, "result", NULL, 0);
    } else {
        Value d = mv_call_method(t, fut, "done", NULL, 0);
        if (!d) goto fail;
        int ok = mv_truthy(t, d);
        MV_DECREF(d);
        if (ok < 0) goto fail;
        if (!ok) {
            mv_err_set(t, &mv_exc_RuntimeError, "Event loop stopped before Future completed.");
            goto fail;
        }
        res = mv_call_method(t, fut, "result", NULL, 0);
    }
    MV_DECREF(fut);
    return res;
fail:
    MV_DECREF(fut);
    return NULL;
}

static Value l_stop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    LOOP(self)->stopping = true;
    return mv_newref(MV_NONE);
}

static Value l_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    aio_loop *l = LOOP(self);
    if (l->running) return mv_err_set(t, &mv_exc_RuntimeError, "Cannot close a running event loop");
    loop_close_impl(l);
    return mv_newref(MV_NONE);
}

static Value l_is_running(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(LOOP(self)->running));
}
static Value l_is_closed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(LOOP(self)->closed));
}
static Value l_get_debug(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(LOOP(self)->debug));
}
static Value l_set_debug(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_debug", nargs, 1, 1) < 0) return NULL;
    int b = mv_truthy(t, args[0]);
    if (b < 0) return NULL;
    LOOP(self)->debug = b;
    return mv_newref(MV_NONE);
}

/* ---- file descriptors ---- */

static int fileobj_to_fd(mv_thread *t, Value o, int *fd) {
    int64_t v;
    if (mv_int_check(o)) {
        if (mv_int_as_i64(t, o, &v) < 0) return -1;
    } else {
        Value m = mv_getattr_cstr(t, o, "fileno");
        if (!m) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_ValueError, "Invalid file object: %R", o);
            return -1;
        }
        Value r = mv_call0(t, m);
        MV_DECREF(m);
        if (!r) return -1;
        if (!mv_int_check(r) || mv_int_as_i64(t, r, &v) < 0) {
            MV_DECREF(r);
            if (!mv_err_occurred(t)) mv_err_format(t, &mv_exc_ValueError, "Invalid file object: %R", o);
            return -1;
        }
        MV_DECREF(r);
    }
    if (v < 0 || v > 0x7fffffff) {
        mv_err_format(t, &mv_exc_ValueError, "Invalid file descriptor: %lld", (long long)v);
        return -1;
    }
    *fd = (int)v;
    return 0;
}

static int fd_update(mv_thread *t, aio_loop *l, int fd) {
    aio_fdent *e = &l->fds[fd];
    uint32_t want = (e->reader ? EPOLLIN : 0) | (e->writer ? EPOLLOUT : 0);
    if (want == e->events) return 0;
    struct epoll_event ev = {.events = want, .data.fd = fd};
    int op = !e->events ? EPOLL_CTL_ADD : !want ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (epoll_ctl(l->epfd, op, fd, &ev) < 0 && !(op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))) {
        mv_err_errno(t, errno, NULL);
        return -1;
    }
    if (!e->events && want) l->nwatched++;
    if (e->events && !want) l->nwatched--;
    e->events = want;
    return 0;
}

static int fd_remove(mv_thread *t, aio_loop *l, int fd, bool writer) {
    if ((size_t)fd >= l->nfds) return 0;
    Value *slot = writer ? &l->fds[fd].writer : &l->fds[fd].reader;
    if (!*slot) return 0;
    Value h = *slot;
    *slot = NULL;
    handle_cancel_impl(HANDLE(h));
    MV_DECREF(h);
    if (fd_update(t, l, fd) < 0) mv_err_clear(t);
    return 1;
}

static Value add_fd(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames, bool writer) {
    const char *name = writer ? "add_writer" : "add_reader";
    aio_loop *l = LOOP(self);
    if (mv_check_no_kwargs(t, name, kwnames) < 0) return NULL;
    if (nargs < 2)
        return mv_err_format(t, &mv_exc_TypeError, "%s() missing %d required positional argument%s", name, (int)(2 - nargs),
                             nargs == 1 ? "" : "s");
    if (check_closed(t, l) < 0) return NULL;
    int fd;
    if (fileobj_to_fd(t, args[0], &fd) < 0) return NULL;
    if ((size_t)fd >= l->nfds) {
        size_t n = l->nfds ? l->nfds : 16;
        while (n <= (size_t)fd) n *= 2;
        l->fds = mv_realloc(l->fds, n * sizeof(aio_fdent));
        memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(aio_fdent));
        l->nfds = n;
    }
    Value tup = mv_tuple_from_array(args + 2, nargs - 2);
    Value h = handle_make(&aio_handle_type, self, args[1], tup, NULL);
    MV_DECREF(tup);
    Value *slot = writer ? &l->fds[fd].writer : &l->fds[fd].reader;
    Value old = *slot;
    *slot = h;
    if (fd_update(t, l, fd) < 0) {
        *slot = old;
        MV_DECREF(h);
        return NULL;
    }
    if (old) {
        handle_cancel_impl(HANDLE(old));
        MV_DECREF(old);
    }
    return mv_newref(MV_NONE);
}

static Value remove_fd(mv_thread *t, Value self, Value *args, size_t nargs, bool writer) {
    if (mv_check_nargs(t, writer ? "remove_writer" : "remove_reader", nargs, 1, 1) < 0) return NULL;
    aio_loop *l = LOOP(self);
    if (l->closed) return mv_newref(MV_FALSE);
    int fd;
    if (fileobj_to_fd(t, args[0], &fd) < 0) return NULL;
    return mv_newref(MV_BOOL(fd_remove(t, l, fd, writer)));
}

static Value l_add_reader(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return add_fd(t, self, args, nargs, kwnames, false);
}
static Value l_add_writer(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return add_fd(t, self, args, nargs, kwnames, true);
}
static Value l_remove_reader(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return remove_fd(t, self, args, nargs, false);
}
static Value l_remove_writer(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return remove_fd(t, self, args, nargs, true);
}

/* ---- exception handling ---- */

static Value l_default_exception_handler(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "default_exception_handler", nargs, 1, 1) < 0) return NULL;
    aio_default_handler_print(t, args[0]);
    if (mv_err_occurred(t)) return NULL;
    return mv_newref(MV_NONE);
}

static Value l_call_exception_handler(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "call_exception_handler", nargs, 1, 1) < 0) return NULL;
    aio_loop *l = LOOP(self);
    Value ctx = args[0];
    if (!l->exc_handler) {
        Value r = mv_call_method(t, self, "default_exception_handler", &ctx, 1);
        if (r) {
            MV_DECREF(r);
        } else if (must_propagate(t)) {
            return NULL;
        } else {
            Value e = mv_err_fetch(t);
            Value c = mv_dict_new();
            Value m = mv_str_from_cstr("Exception in default exception handler");
            mv_dict_set_cstr(t, c, "message", m);
            mv_dict_set_cstr(t, c, "exception", e);
            MV_DECREF(m);
            MV_DECREF(e);
            aio_default_handler_print(t, c);
            MV_DECREF(c);
            mv_err_clear(t);
        }
        return mv_newref(MV_NONE);
    }
    Value h = mv_newref(l->exc_handler);
    Value argv[2] = {self, ctx};
    Value r = mv_call(t, h, argv, 2, NULL);
    MV_DECREF(h);
    if (r) {
        MV_DECREF(r);
        return mv_newref(MV_NONE);
    }
    if (must_propagate(t)) return NULL;
    Value e = mv_err_fetch(t);
    Value c = mv_dict_new();
    Value m = mv_str_from_cstr("Unhandled error in exception handler");
    mv_dict_set_cstr(t, c, "message", m);
    mv_dict_set_cstr(t, c, "exception", e);
    mv_dict_set_cstr(t, c, "context", ctx);
    MV_DECREF(m);
    MV_DECREF(e);
    Value r2 = mv_call_method(t, self, "default_exception_handler", &c, 1);
    MV_DECREF(c);
    if (!r2) {
        if (must_propagate(t)) return NULL;
        mv_err_clear(t);
    }
    MV_XDECREF(r2);
    return mv_newref(MV_NONE);
}

static Value l_set_exception_handler(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_exception_handler", nargs, 1, 1) < 0) return NULL;
    Value h = args[0];
    if (h != MV_NONE && !mv_callable(h))
        return mv_err_format(t, &mv_exc_TypeError, "A callable object or None is expected, got %R", h);
    MV_SETREF(LOOP(self)->exc_handler, h == MV_NONE ? NULL : mv_newref(h));
    return mv_newref(MV_NONE);
}

static Value l_get_exception_handler(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(LOOP(self)->exc_handler ? LOOP(self)->exc_handler : MV_NONE);
}

static Value l_timer_handle_cancelled(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_NONE); /* dropped lazily when it reaches the top of the heap */
}

static Value l_repr(mv_thread *t, Value self) {
    aio_loop *l = LOOP(self);
    mv_type *tp = MV_TYPE(self);
    Value n = tp->flags & MV_TPFLAG_HEAPTYPE ? mv_str_from_cstr(tp->name) : mv_str_from_cstr("EventLoop");
    Value r = mv_str_fromf("<%s running=%s closed=%s debug=%s>", mv_str_data(n), l->running ? "True" : "False",
                           l->closed ? "True" : "False", l->debug ? "True" : "False");
    MV_DECREF(n);
    return r;
}

static Value lg_ready(mv_thread *t, Value self) { return mv_int_from_u64(LOOP(self)->rq_len); }
static Value lg_scheduled(mv_thread *t, Value self) { return mv_int_from_u64(LOOP(self)->heap_len); }
static Value lg_stopping(mv_thread *t, Value self) { return mv_newref(MV_BOOL(LOOP(self)->stopping)); }
static Value lg_thread_id(mv_thread *t, Value self) {
    return LOOP(self)->running ? mv_int_from_u64(LOOP(self)->thread_id) : mv_newref(MV_NONE);
}

static const mv_method_def loop_methods[] = {
    {"call_soon", l_call_soon, 0, NULL},
    {"call_soon_threadsafe", l_call_soon_threadsafe, 0, NULL},
    {"call_later", l_call_later, 0, NULL},
    {"call_at", l_call_at, 0, NULL},
    {"time", l_time, 0, NULL},
    {"create_future", l_create_future, 0, NULL},
    {"create_task", l_create_task, 0, NULL},
    {"set_task_factory", l_set_task_factory, 0, NULL},
    {"get_task_factory", l_get_task_factory, 0, NULL},
    {"run_forever", l_run_forever, 0, NULL},
    {"run_until_complete", l_run_until_complete, 0, NULL},
    {"stop", l_stop, 0, NULL},
    {"close", l_close, 0, NULL},
    {"is_running", l_is_running, 0, NULL},
    {"is_closed", l_is_closed, 0, NULL},
    {"get_debug", l_get_debug, 0, NULL},
    {"set_debug", l_set_debug, 0, NULL},
    {"add_reader", l_add_reader, 0, NULL},
    {"add_writer", l_add_writer, 0, NULL},
    {"remove_reader", l_remove_reader, 0, NULL},
    {"remove_writer", l_remove_writer, 0, NULL},
    {"call_exception_handler", l_call_exception_handler, 0, NULL},
    {"default_exception_handler", l_default_exception_handler, 0, NULL},
    {"set_exception_handler", l_set_exception_handler, 0, NULL},
    {"get_exception_handler", l_get_exception_handler, 0, NULL},
    {"_timer_handle_cancelled", l_timer_handle_cancelled, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def loop_getsets[] = {
    {"_ready_count", lg_ready, NULL},
    {"_scheduled_count", lg_scheduled, NULL},
    {"_stopping", lg_stopping, NULL},
    {"_thread_id", lg_thread_id, NULL},
    {NULL, NULL, NULL},
};

mv_type aio_loop_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio.EventLoop",
    .basicsize = sizeof(aio_loop),
    .dictoffset = offsetof(aio_loop, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "The event loop: ready queue, timers and epoll in C.",
    .tp_new = loop_new,
    .tp_init = loop_init,
    .dealloc = loop_dealloc,
    .repr = l_repr,
    .methods = loop_methods,
    .getsets = loop_getsets,
};
