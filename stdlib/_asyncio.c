/* _asyncio.c: the _asyncio module (the C core under asyncio.mv): CancelledError and
 * InvalidStateError, the running loop of each thread, get/set_event_loop, current_task and
 * all_tasks, asyncio.sleep as a C awaitable, and the exception-handler output CPython's logger
 * prints.  Future, Task and the loop live in _asyncio_future.c, _asyncio_task.c, _asyncio_loop.c.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "_asyncio.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "float.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

mv_type *aio_CancelledError, *aio_InvalidStateError;

static _Thread_local Value tl_running_loop; /* borrowed: the loop holds itself while running */
static _Thread_local Value tl_event_loop;   /* set_event_loop (strong) */
static _Thread_local bool tl_set_called;
static Value loop_factory;

Value aio_get_running_loop(void) { return tl_running_loop; }
void aio_set_running_loop(Value loop) { tl_running_loop = loop; }

static Value new_event_loop(mv_thread *t) {
    if (loop_factory) return mv_call0(t, loop_factory);
    return mv_call0(t, (Value)&aio_loop_type);
}

static int set_event_loop(mv_thread *t, Value loop) {
    tl_set_called = true;
    if (loop != MV_NONE && !aio_is_loop(loop)) {
        static Value s_run;
        if (!s_run) s_run = mv_str_intern_cstr(t, "run_until_complete");
        if (!mv_type_lookup(MV_TYPE(loop), s_run)) {
            mv_err_format(t, &mv_exc_TypeError, "loop must be an instance of AbstractEventLoop or None, not '%s'",
                          mv_type_name(loop));
            return -1;
        }
    }
    Value old = tl_event_loop;
    tl_event_loop = loop == MV_NONE ? NULL : mv_newref(loop);
    MV_XDECREF(old);
    return 0;
}

Value aio_get_event_loop(mv_thread *t) {
    if (tl_running_loop) return mv_newref(tl_running_loop);
    if (!tl_event_loop && !tl_set_called && t == t->vm->main_thread) {
        Value l = new_event_loop(t);
        if (!l) return NULL;
        int r = set_event_loop(t, l);
        MV_DECREF(l);
        if (r < 0) return NULL;
    }
    if (!tl_event_loop) {
        Value name = t->name ? mv_newref(t->name) : mv_str_from_cstr("Thread");
        mv_err_format(t, &mv_exc_RuntimeError, "There is no current event loop in thread %R.", name);
        MV_DECREF(name);
        return NULL;
    }
    return mv_newref(tl_event_loop);
}

Value aio_new_cancelled_error(mv_thread *t, Value msg) {
    if (msg && msg != MV_NONE) return mv_call1(t, (Value)aio_CancelledError, msg);
    return mv_call0(t, (Value)aio_CancelledError);
}

/* ---- current task ---- */

static Value foreign_current; /* dict loop -> task, for loops that are not native */

static Value current_task_of(mv_thread *t, Value loop) {
    if (aio_is_loop(loop)) return ((aio_loop *)loop)->current_task;
    if (!foreign_current) return NULL;
    Value r = mv_dict_get(t, foreign_current, loop);
    if (!r) mv_err_clear(t);
    return r;
}

int aio_enter_task(mv_thread *t, Value loop, Value task) {
    Value cur = current_task_of(t, loop);
    if (cur && cur != MV_NONE) {
        mv_err_format(t, &mv_exc_RuntimeError, "Cannot enter into task %R while another task %R is being executed.", task, cur);
        return -1;
    }
    if (aio_is_loop(loop)) {
        ((aio_loop *)loop)->current_task = mv_newref(task);
        return 0;
    }
    if (!foreign_current) foreign_current = mv_dict_new();
    return mv_dict_set(t, foreign_current, loop, task);
}

int aio_leave_task(mv_thread *t, Value loop, Value task) {
    Value cur = current_task_of(t, loop);
    if (cur != task) {
        mv_err_format(t, &mv_exc_RuntimeError, "Leaving task %R does not match the current task %R.", task,
                      cur ? cur : MV_NONE);
        return -1;
    }
    if (aio_is_loop(loop)) {
        MV_CLEAR(((aio_loop *)loop)->current_task);
        return 0;
    }
    return mv_dict_del(t, foreign_current, loop);
}

/* ---- printing what the logger prints ---- */

Value aio_format_callback(mv_thread *t, Value fn, Value args) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    Value name = NULL;
    if (!MV_IS_SMALL(fn) && fn->type == &mv_cfunc_type && strcmp(((mv_cfunc *)fn)->def->name, "task_wakeup") == 0 &&
        ((mv_cfunc *)fn)->self && aio_is_task(((mv_cfunc *)fn)->self)) {
        name = mv_str_from_cstr("Task.task_wakeup");
    } else {
        name = mv_getattr_cstr(t, fn, "__qualname__");
        if (!name || !mv_str_check(name) || mv_str_len(name) == 0) {
            MV_XDECREF(name);
            mv_err_clear(t);
            name = mv_getattr_cstr(t, fn, "__name__");
            if (!name || !mv_str_check(name)) {
                MV_XDECREF(name);
                mv_err_clear(t);
                name = mv_repr(t, fn);
                if (!name) return NULL;
            }
        }
    }
    mv_strbuf_add(&b, mv_str_data(name), mv_str_size(name));
    MV_DECREF(name);
    mv_strbuf_addc(&b, '(');
    if (args) {
        for (size_t i = 0; i < mv_tuple_size(args); i++) {
            if (i) mv_strbuf_adds(&b, ", ");
            Value r = aio_short_repr(t, MV_TUPLE_GET(args, i));
            if (!r) {
                mv_strbuf_free(&b);
                return NULL;
            }
            mv_strbuf_add(&b, mv_str_data(r), mv_str_size(r));
            MV_DECREF(r);
        }
    }
    mv_strbuf_addc(&b, ')');
    Value f = mv_newref(fn);
    for (int depth = 0; depth < 100 && !mv_func_check(f); depth++) {
        Value w = mv_getattr_cstr(t, f, "__wrapped__");
        if (!w) {
            mv_err_clear(t);
            break;
        }
        MV_SETREF(f, w);
    }
    if (mv_func_check(f)) {
        mv_code *co = ((mv_func *)f)->code;
        mv_strbuf_addf(&b, " at %s:%d", mv_str_data(co->filename), co->firstlineno);
    }
    MV_DECREF(f);
    return mv_strbuf_finish(&b);
}

static void write_stderr(mv_strbuf *b) {
    const char *p = b->buf;
    size_t n = b->len;
    while (n > 0) {
        ssize_t w = write(2, p, n);
        if (w <= 0) break;
        p += w;
        n -= (size_t)w;
    }
}

/* logger.error('\n'.join(lines), exc_info=exc) through logging's last-resort handler */
void aio_default_handler_print(mv_thread *t, Value context) {
    if (!mv_dict_check(context)) {
        mv_err_set(t, &mv_exc_TypeError, "context must be a dict");
        return;
    }
    mv_strbuf b;
    mv_strbuf_init(&b);
    Value msg = mv_dict_get_cstr(t, context, "message");
    int truth = msg ? mv_truthy(t, msg) : 0;
    if (truth < 0) goto fail;
    if (truth) {
        if (mv_strbuf_add_value_str(t, &b, msg) < 0) goto fail;
    } else {
        mv_strbuf_adds(&b, "Unhandled exception in event loop");
    }
    Value exc = mv_dict_get_cstr(t, context, "exception");
    Value keys = mv_dict_keys_list(context);
    if (mv_list_sort(t, keys, NULL, false) < 0) {
        MV_DECREF(keys);
        goto fail;
    }
    for (size_t i = 0; i < mv_list_size(keys); i++) {
        Value k = mv_list_items(keys)[i];
        if (mv_str_check(k) && (mv_str_eq_cstr(k, "message") || mv_str_eq_cstr(k, "exception"))) continue;
        Value v = mv_dict_get(t, context, k);
        if (!v) {
            mv_err_clear(t);
            continue;
        }
        mv_strbuf_addc(&b, '\n');
        if (mv_strbuf_add_value_str(t, &b, k) < 0) {
            MV_DECREF(keys);
            goto fail;
        }
        mv_strbuf_adds(&b, ": ");
        if (mv_strbuf_add_value_repr(t, &b, v) < 0) {
            MV_DECREF(keys);
            goto fail;
        }
    }
    MV_DECREF(keys);
    mv_strbuf_addc(&b, '\n');
    mv_file_flush_all(t);
    write_stderr(&b);
    mv_strbuf_free(&b);
    if (exc && exc != MV_NONE && mv_exc_check(exc)) mv_err_print_exception(t, exc);
    return;
fail:
    mv_strbuf_free(&b);
}

void aio_call_exception_handler(mv_thread *t, Value loop, Value context) {
    Value r = mv_call_method(t, loop, "call_exception_handler", &context, 1);
    if (r) {
        MV_DECREF(r);
        return;
    }
    mv_err_print(t);
}

/* ---- sleep ---- */

typedef struct {
    mv_object ob;
    Value delay, result, fut, timer;
    int state; /* 0 not started, 1 yielded (delay <= 0), 2 waiting on fut, 3 done */
} sleepobj;

#define SLEEP(v) ((sleepobj *)(v))

static Value set_result_unless_cancelled(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 2) return mv_err_set(t, &mv_exc_TypeError, "_set_result_unless_cancelled() takes 2 arguments");
    Value fut = args[0];
    if (aio_is_future(fut)) {
        aio_future *f = (aio_future *)fut;
        if (f->state == AIO_CANCELLED) return mv_newref(MV_NONE);
        if (aio_future_set_result(t, f, args[1]) < 0) return NULL;
        return mv_newref(MV_NONE);
    }
    Value c = mv_call_method(t, fut, "cancelled", NULL, 0);
    if (!c) return NULL;
    int k = mv_truthy(t, c);
    MV_DECREF(c);
    if (k < 0) return NULL;
    if (k) return mv_newref(MV_NONE);
    return mv_call_method(t, fut, "set_result", &args[1], 1);
}

static const mv_method_def surc_def = {"_set_result_unless_cancelled", set_result_unless_cancelled, 0, NULL};
static Value surc_fn;

static Value sleep_finish(mv_thread *t, sleepobj *s) {
    s->state = 3;
    if (s->result == MV_NONE) return NULL;
    mv_err_set_value(t, &mv_exc_StopIteration, s->result);
    return NULL;
}

static void sleep_cancel_timer(sleepobj *s) {
    if (s->timer) ((aio_handle *)s->timer)->cancelled = true;
    MV_CLEAR(s->timer);
}

static Value sleep_iternext(mv_thread *t, Value self) {
    sleepobj *s = SLEEP(self);
    switch (s->state) {
    case 0: {
        Value zero = MV_FROM_SMALL(0);
        int le = mv_richcompare_bool(t, s->delay, zero, MV_LE);
        if (le < 0) return NULL;
        if (le) {
            s->state = 1;
            return mv_newref(MV_NONE);
        }
        Value loop = tl_running_loop;
        if (!loop) return mv_err_set(t, &mv_exc_RuntimeError, "no running event loop");
        double d;
        if (mv_as_double(t, s->delay, &d) < 0) return NULL;
        aio_future *f = (aio_future *)mv_object_new(&aio_future_type);
        f->loop = mv_newref(loop);
        s->fut = (Value)f;
        if (!surc_fn) surc_fn = mv_cfunc_new(&surc_def, NULL, NULL);
        if (aio_is_loop(loop)) {
            Value argv[2] = {s->fut, s->result};
            s->timer = aio_loop_call_later(t, loop, d, surc_fn, argv, 2);
        } else {
            Value argv[4] = {s->delay, surc_fn, s->fut, s->result};
            s->timer = mv_call_method(t, loop, "call_later", argv, 4);
        }
        if (!s->timer) return NULL;
        s->state = 2;
        f->blocking = true;
        return mv_newref(s->fut);
    }
    case 1:
        return sleep_finish(t, s);
    case 2: {
        aio_future *f = (aio_future *)s->fut;
        if (f->state == AIO_PENDING) return mv_err_set(t, &mv_exc_RuntimeError, "await wasn't used with future");
        sleep_cancel_timer(s);
        Value r;
        int k = aio_future_get_result(t, f, &r);
        MV_CLEAR(s->fut);
        s->state = 3;
        if (k < 0) return NULL;
        if (k == 1) {
            mv_err_restore(t, r);
            return NULL;
        }
        if (r == MV_NONE) {
            MV_DECREF(r);
            return NULL;
        }
        mv_err_set_value(t, &mv_exc_StopIteration, r);
        MV_DECREF(r);
        return NULL;
    }
    default:
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot reuse already awaited coroutine");
    }
}

static Value sleep_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    Value r = sleep_iternext(t, self);
    if (!r && !mv_err_occurred(t)) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    return r;
}

static Value sleep_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value e = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!e) return NULL;
    sleepobj *s = SLEEP(self);
    sleep_cancel_timer(s);
    MV_CLEAR(s->fut);
    s->state = 3;
    mv_err_restore(t, e);
    return NULL;
}

static Value sleep_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    sleepobj *s = SLEEP(self);
    sleep_cancel_timer(s);
    MV_CLEAR(s->fut);
    s->state = 3;
    return mv_newref(MV_NONE);
}

static Value sleep_await(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_newref(self); }
static Value sleep_iter(mv_thread *t, Value self) { return mv_newref(self); }

static void sleep_dealloc(Value self) {
    sleepobj *s = SLEEP(self);
    sleep_cancel_timer(s);
    MV_CLEAR(s->fut);
    MV_CLEAR(s->delay);
    MV_CLEAR(s->result);
}

static Value sleep_repr(mv_thread *t, Value self) { return mv_str_fromf("<coroutine object sleep at %p>", (void *)self); }

static const mv_method_def sleep_methods[] = {
    {"send", sleep_send, 0, NULL},
    {"throw", sleep_throw, 0, NULL},
    {"close", sleep_close, 0, NULL},
    {"__await__", sleep_await, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type aio_sleep_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio._Sleep",
    .basicsize = sizeof(sleepobj),
    .base = &mv_object_type,
    .dealloc = sleep_dealloc,
    .repr = sleep_repr,
    .iter = sleep_iter,
    .iternext = sleep_iternext,
    .methods = sleep_methods,
};

/* sleep(0) (the common case: "yield to the other tasks") needs only one bit of state: whether
   it yielded already.  A small object of its own keeps 100,000 suspended tasks cheap. */
typedef struct {
    mv_object ob;
    bool yielded;
} sleep0obj;

static Value sleep0_iternext(mv_thread *t, Value self) {
    sleep0obj *s = (sleep0obj *)self;
    if (s->yielded) return NULL;
    s->yielded = true;
    return mv_newref(MV_NONE);
}

static Value sleep0_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    Value r = sleep0_iternext(t, self);
    if (!r) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    return r;
}

static Value sleep0_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value e = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
    if (!e) return NULL;
    ((sleep0obj *)self)->yielded = true;
    mv_err_restore(t, e);
    return NULL;
}

static Value sleep0_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ((sleep0obj *)self)->yielded = true;
    return mv_newref(MV_NONE);
}

static const mv_method_def sleep0_methods[] = {
    {"send", sleep0_send, 0, NULL},
    {"throw", sleep0_throw, 0, NULL},
    {"close", sleep0_close, 0, NULL},
    {"__await__", sleep_await, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type aio_sleep0_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_asyncio._Sleep0",
    .basicsize = sizeof(sleep0obj),
    .base = &mv_object_type,
    .repr = sleep_repr,
    .iter = sleep_iter,
    .iternext = sleep0_iternext,
    .methods = sleep0_methods,
};

static Value f_sleep(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs == 1 && !kwnames && args[0] == MV_FROM_SMALL(0)) return mv_object_new(&aio_sleep0_type);
    static const char *const kw[] = {"delay", "result", NULL};
    Value a[2] = {NULL, NULL};
    if (kwnames || nargs != 1) {
        if (mv_parse_args(t, "sleep", args, nargs, kwnames, kw, 1, a) < 0) return NULL;
    } else {
        a[0] = args[0];
    }
    sleepobj *s = (sleepobj *)mv_object_new(&aio_sleep_type);
    s->delay = mv_newref(a[0]);
    s->result = mv_newref(a[1] ? a[1] : MV_NONE);
    return (Value)s;
}

/* ---- module functions ---- */

static Value f_get_running_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (!tl_running_loop) return mv_err_set(t, &mv_exc_RuntimeError, "no running event loop");
    return mv_newref(tl_running_loop);
}

static Value f__get_running_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(tl_running_loop ? tl_running_loop : MV_NONE);
}

static Value f__set_running_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_set_running_loop", nargs, 1, 1) < 0) return NULL;
    tl_running_loop = args[0] == MV_NONE ? NULL : args[0];
    return mv_newref(MV_NONE);
}

static Value f_get_event_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "get_event_loop", nargs, 0, 0) < 0) return NULL;
    return aio_get_event_loop(t);
}

static Value f_set_event_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_event_loop", nargs, 1, 1) < 0) return NULL;
    if (set_event_loop(t, args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value f_new_event_loop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "new_event_loop", nargs, 0, 0) < 0) return NULL;
    return new_event_loop(t);
}

static Value f_set_loop_factory(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_set_loop_factory", nargs, 1, 1) < 0) return NULL;
    Value old = loop_factory;
    loop_factory = args[0] == MV_NONE ? NULL : mv_newref(args[0]);
    MV_XDECREF(old);
    return mv_newref(MV_NONE);
}

static Value loop_arg(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"loop", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, fname, args, nargs, kwnames, kw, 0, a) < 0) return NULL;
    if (a[0] && a[0] != MV_NONE) return mv_newref(a[0]);
    if (!tl_running_loop) return mv_err_set(t, &mv_exc_RuntimeError, "no running event loop");
    return mv_newref(tl_running_loop);
}

static Value f_current_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value loop = loop_arg(t, "current_task", args, nargs, kwnames);
    if (!loop) return NULL;
    Value cur = current_task_of(t, loop);
    MV_DECREF(loop);
    return mv_newref(cur ? cur : MV_NONE);
}

static Value f_all_tasks(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value loop = loop_arg(t, "all_tasks", args, nargs, kwnames);
    if (!loop) return NULL;
    Value r = aio_all_tasks(t, loop);
    MV_DECREF(loop);
    return r;
}

static Value f_register_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_register_task", nargs, 1, 1) < 0) return NULL;
    return aio_register_task(t, args[0]);
}

static Value f_unregister_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_unregister_task", nargs, 1, 1) < 0) return NULL;
    return aio_unregister_task(t, args[0]);
}

static Value f_enter_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_enter_task", nargs, 2, 2) < 0) return NULL;
    if (aio_enter_task(t, args[0], args[1]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value f_leave_task(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_leave_task", nargs, 2, 2) < 0) return NULL;
    if (aio_leave_task(t, args[0], args[1]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value f_format_callback(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_format_callback_source", nargs, 1, 2) < 0) return NULL;
    Value a = nargs > 1 && mv_tuple_check(args[1]) ? args[1] : NULL;
    return aio_format_callback(t, args[0], a);
}

static const mv_method_def module_methods[] = {
    {"sleep", f_sleep, 0, "Coroutine that completes after a given time (in seconds)."},
    {"get_running_loop", f_get_running_loop, 0, "Return the running event loop.  Raise a RuntimeError if there is none."},
    {"_get_running_loop", f__get_running_loop, 0, NULL},
    {"_set_running_loop", f__set_running_loop, 0, NULL},
    {"get_event_loop", f_get_event_loop, 0, NULL},
    {"set_event_loop", f_set_event_loop, 0, NULL},
    {"new_event_loop", f_new_event_loop, 0, NULL},
    {"_set_loop_factory", f_set_loop_factory, 0, NULL},
    {"current_task", f_current_task, 0, NULL},
    {"all_tasks", f_all_tasks, 0, NULL},
    {"_register_task", f_register_task, 0, NULL},
    {"_unregister_task", f_unregister_task, 0, NULL},
    {"_enter_task", f_enter_task, 0, NULL},
    {"_leave_task", f_leave_task, 0, NULL},
    {"_format_callback_source", f_format_callback, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static mv_type *make_exc(mv_thread *t, const char *name, mv_type *base, const char *doc) {
    Value n = mv_str_from_cstr(name);
    Value bases = mv_tuple_pack(1, (Value)base);
    Value ns = mv_dict_new();
    Value mod = mv_str_from_cstr("asyncio.exceptions");
    Value d = mv_str_from_cstr(doc);
    mv_dict_set_cstr(t, ns, "__module__", mod);
    mv_dict_set_cstr(t, ns, "__doc__", d);
    Value cls = mv_type_new_class(t, n, bases, ns);
    MV_DECREF(n);
    MV_DECREF(bases);
    MV_DECREF(ns);
    MV_DECREF(mod);
    MV_DECREF(d);
    return (mv_type *)cls;
}

static int ready(mv_type *tp) { return tp->flags & MV_TPFLAG_READY ? 0 : mv_type_ready(tp); }

Value mv__asyncio_module_init(mv_thread *t) {
    mv_type *types[] = {&aio_future_type, &aio_task_type, &aio_loop_type, &aio_handle_type, &aio_timerhandle_type,
                        &aio_futureiter_type, &aio_sleep_type, &aio_sleep0_type};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (ready(types[i]) < 0) return NULL;
    if (!aio_CancelledError) {
        aio_CancelledError = make_exc(t, "CancelledError", &mv_exc_BaseException, "The Future or Task was cancelled.");
        if (!aio_CancelledError) return NULL;
        aio_InvalidStateError = make_exc(t, "InvalidStateError", &mv_exc_Exception, "The operation is not allowed in this state.");
        if (!aio_InvalidStateError) return NULL;
    }
    Value m = mv_module_new(t, "_asyncio");
    if (!m) return NULL;
    int ok = mv_module_add_methods(t, m, module_methods) == 0 &&
             mv_module_add(t, m, "Future", (Value)&aio_future_type) == 0 &&
             mv_module_add(t, m, "Task", (Value)&aio_task_type) == 0 &&
             mv_module_add(t, m, "EventLoop", (Value)&aio_loop_type) == 0 &&
             mv_module_add(t, m, "Handle", (Value)&aio_handle_type) == 0 &&
             mv_module_add(t, m, "TimerHandle", (Value)&aio_timerhandle_type) == 0 &&
             mv_module_add(t, m, "FutureIter", (Value)&aio_futureiter_type) == 0 &&
             mv_module_add(t, m, "CancelledError", (Value)aio_CancelledError) == 0 &&
             mv_module_add(t, m, "InvalidStateError", (Value)aio_InvalidStateError) == 0;
    if (!ok) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
