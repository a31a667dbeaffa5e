/* _asyncio.h: the layouts and internal API shared by the files of the asyncio C core:
 * _asyncio.c (module, running loop, sleep), _asyncio_future.c (Future), _asyncio_task.c (Task)
 * and _asyncio_loop.c (EventLoop, Handle, TimerHandle, the epoll wait).
 */
#ifndef MV_ASYNCIO_H
#define MV_ASYNCIO_H

#include "abstract.h"

enum { AIO_PENDING, AIO_CANCELLED, AIO_FINISHED };

/* A done callback.  kind AIO_CB_WAKEUP: fn is a Task waiting on the future (CPython's
   task_wakeup method, kept without allocating a bound method). */
enum { AIO_CB_CALL, AIO_CB_WAKEUP };
typedef struct {
    Value fn;
    Value context; /* or NULL */
    int kind;
} aio_cb;

/* Kept small: 100,000 tasks are 100,000 of these (a Task is 136 bytes). */
typedef struct {
    mv_object ob;
    Value loop;          /* NULL until __init__ ran */
    Value result;        /* the result, or the exception (state FINISHED), or NULL */
    Value cb0;           /* the first callback inline when it has no context: most futures have one */
    aio_cb *cbs;         /* the others, in order after cb0 */
    uint32_t ncbs, capcbs;
    Value cancel_msg;    /* cancel(msg) */
    Value cancelled_exc; /* the CancelledError that finished it, kept for result()/exception() */
    uint8_t state;
    bool is_exc;         /* `result` is an exception */
    bool blocking;       /* _asyncio_future_blocking */
    bool log_tb;         /* an exception nobody retrieved yet */
    bool cb0_wakeup;     /* cb0 is a Task's wakeup */
} aio_future;

typedef struct aio_task {
    aio_future fut;
    Value coro;
    Value code;       /* the coroutine's code, for "done, defined at" once its frame is gone */
    Value name;       /* a str, or a small int N until "Task-N" is asked for */
    Value fut_waiter; /* the future it waits for */
    int num_cancels_requested;
    bool must_cancel, log_destroy_pending, registered, has_context;
    struct aio_task *prev, *next; /* the list of pending tasks (all_tasks) */
} aio_task;

typedef struct {
    mv_object ob;
    Value callback;
    Value args; /* tuple */
    Value loop;
    Value context;
    double when;   /* TimerHandle */
    uint64_t seq;  /* TimerHandle: ties of `when` run in scheduling order */
    bool cancelled, scheduled, is_timer;
} aio_handle;

/* An entry of the ready queue: a Handle, or an internal call that needs no object.  The kind
   lives in the low bits of `a` (an object pointer, so at least 8-aligned): 16 bytes an entry. */
enum { AIO_RQ_HANDLE, AIO_RQ_STEP, AIO_RQ_WAKEUP, AIO_RQ_CALL };
typedef struct {
    uintptr_t a; /* HANDLE: handle; STEP: task (b: exception or NULL); WAKEUP: task, future; CALL: fn(b) */
    Value b;
} aio_ready;
#define AIO_RQ_KIND(e) ((int)((e).a & 3))
#define AIO_RQ_A(e) ((Value)((e).a & ~(uintptr_t)3))

typedef struct {
    Value reader, writer; /* Handles or NULL */
    uint32_t events;      /* registered in epoll */
} aio_fdent;

typedef struct {
    mv_object ob;
    Value dict;
    aio_ready *rq; /* ring buffer */
    size_t rq_head, rq_len, rq_cap;
    aio_handle **heap; /* timers, a binary heap on (when, seq) */
    size_t heap_len, heap_cap;
    uint64_t timer_seq;
    aio_fdent *fds;
    size_t nfds; /* size of fds */
    size_t nwatched;
    int epfd, evfd;
    bool running, closed, stopping, debug;
    unsigned long thread_id; /* thread running it */
    Value exc_handler;
    Value current_task;
    Value task_factory;
} aio_loop;

extern mv_type aio_future_type, aio_task_type, aio_loop_type, aio_handle_type, aio_timerhandle_type,
    aio_futureiter_type, aio_sleep_type, aio_sleep0_type;
extern mv_type *aio_CancelledError, *aio_InvalidStateError;

static inline bool aio_is_future(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &aio_future_type); }
static inline bool aio_is_task(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &aio_task_type); }
static inline bool aio_is_loop(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &aio_loop_type); }

/* _asyncio.c */
Value aio_get_running_loop(void); /* borrowed, or NULL */
void aio_set_running_loop(Value loop);
Value aio_get_event_loop(mv_thread *t); /* new ref */
int aio_enter_task(mv_thread *t, Value loop, Value task);
int aio_leave_task(mv_thread *t, Value loop, Value task);
Value aio_new_cancelled_error(mv_thread *t, Value msg); /* new instance; msg may be NULL */
/* Prints what CPython's logger prints for an exception-handler context (a dict). */
void aio_default_handler_print(mv_thread *t, Value context);
/* loop.call_exception_handler(context), errors reported and cleared. */
void aio_call_exception_handler(mv_thread *t, Value loop, Value context);
Value aio_format_callback(mv_thread *t, Value fn, Value args); /* "f() at x.py:3" */
Value aio_short_repr(mv_thread *t, Value v); /* reprlib.repr for results and arguments */

/* _asyncio_future.c */
int aio_future_init(mv_thread *t, aio_future *f, Value loop); /* loop NULL: the event loop */
int aio_future_set_result(mv_thread *t, aio_future *f, Value v);
int aio_future_set_exception(mv_thread *t, aio_future *f, Value exc);
int aio_future_cancel(mv_thread *t, aio_future *f, Value msg); /* 1 cancelled, 0 already done */
int aio_future_add_cb(mv_thread *t, aio_future *f, Value fn, Value ctx, int kind);
/* 0: result in *out (new ref); 1: exception in *out (new ref); -1: error set (not done). */
int aio_future_get_result(mv_thread *t, aio_future *f, Value *out);
Value aio_future_make_cancelled_error(mv_thread *t, aio_future *f);
Value aio_future_repr_info(mv_thread *t, aio_future *f); /* "pending cb=[...]" */
void aio_future_clear(aio_future *f);                   /* for dealloc */
void aio_future_report(aio_future *f);                  /* never-retrieved report, dealloc */
extern const mv_method_def aio_future_methods[];
extern const mv_getset_def aio_future_getsets[];

/* _asyncio_task.c */
/* Run one step / the wakeup of a task (exc, fut borrowed): -1 with the error for the loop. */
int aio_task_step_rc(mv_thread *t, aio_task *task, Value exc);
int aio_task_wakeup_rc(mv_thread *t, aio_task *task, Value fut);
Value aio_register_task(mv_thread *t, Value task);
Value aio_unregister_task(mv_thread *t, Value task);
Value aio_task_new(mv_thread *t, Value loop, Value coro, Value name, Value context);
Value aio_all_tasks(mv_thread *t, Value loop); /* set of pending tasks */
Value aio_task_repr_info(mv_thread *t, aio_task *task);
Value aio_task_wakeup_callable(Value task); /* the bound method Task.task_wakeup */

/* _asyncio_loop.c */
int aio_loop_check(mv_thread *t, Value loop); /* a native EventLoop, else TypeError */
/* Append to the ready queue (steals a and b). */
void aio_loop_push(aio_loop *l, int kind, Value a, Value b);
/* call_soon(fn, arg) for a done callback: native loops skip the Handle. */
int aio_loop_call_soon1(mv_thread *t, Value loop, Value fn, Value arg, Value ctx);
double aio_time(void);
Value aio_loop_call_later(mv_thread *t, Value loop, double delay, Value fn, Value *args, size_t nargs);

#endif
