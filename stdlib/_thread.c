/* _thread.c: the low-level thread module: start_new_thread, locks (_thread.lock, a binary
 * semaphore) and reentrant locks (_thread.RLock), thread-local data (_thread._local), get_ident,
 * get_native_id, exit, interrupt_main, stack_size.  Lock waits release the GIL and use sem_t,
 * whose waits return EINTR on a signal, so Ctrl-C interrupts a blocked main thread.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "modules.h"
#include "procsig.h"
#include "_thread.h"
#include "str.h"
#include "thread.h"
#include "tuple.h"

#define TIMEOUT_MAX 9223372036.0 /* CPython's value on Linux: PY_TIMEOUT_MAX in seconds */

/* ---- waiting on a semaphore without the GIL ------------------------------------------------- */

/* 1 acquired, 0 timed out, -1 exception.  timeout < 0: forever. */
int mv_sem_acquire(mv_thread *t, sem_t *sem, double timeout) {
    if (sem_trywait(sem) == 0) return 1;
    if (timeout == 0) return 0;
    struct timespec dl;
    if (timeout > 0) {
        clock_gettime(CLOCK_MONOTONIC, &dl);
        double whole = floor(timeout);
        dl.tv_sec += (time_t)whole;
        dl.tv_nsec += (long)((timeout - whole) * 1e9);
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
    }
    for (;;) {
        int r, err;
        MV_GIL_RELEASE(t);
        /* spin briefly first: a lock handed back and forth is usually released within
           microseconds, and waking a sleeping thread costs more (see gil.c) */
        if (mv_spin_allowed()) {
            int64_t end = mv_gil_now_ns() + 20000;
            for (unsigned i = 1;; i++) {
                if (sem_trywait(sem) == 0) {
                    MV_GIL_ACQUIRE(t);
                    return 1;
                }
                mv_spin_pause(t);
                if (((i & 15) == 0 || t->spin_yields) && mv_gil_now_ns() > end) break;
            }
        }
        do {
            r = timeout < 0 ? sem_wait(sem) : sem_clockwait(sem, CLOCK_MONOTONIC, &dl);
            err = r ? errno : 0;
            /* only the main thread sees SIGINT; other threads just retry */
        } while (r && err == EINTR && t != t->vm->main_thread);
        MV_GIL_ACQUIRE(t);
        if (r == 0) return 1;
        if (err == ETIMEDOUT) return 0;
        if (err != EINTR) {
            mv_err_errno(t, err, NULL);
            return -1;
        }
        if (mv_signal_check(t) < 0) return -1;
    }
}

/* acquire(blocking=True, timeout=-1) arguments -> timeout (-1 forever, 0 non-blocking). */
static int parse_acquire(mv_thread *t, Value *args, size_t nargs, Value kwnames, double *timeout) {
    static const char *const kwlist[] = {"blocking", "timeout", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, "acquire", args, nargs, kwnames, kwlist, 0, a) < 0) return -1;
    int blocking = 1;
    if (a[0]) {
        blocking = mv_truthy(t, a[0]);
        if (blocking < 0) return -1;
    }
    double to = -1;
    if (a[1]) {
        if (mv_float_check(a[1])) {
            to = mv_float_val(a[1]);
        } else if (mv_int_check(a[1])) {
            if (mv_as_double(t, a[1], &to) < 0) return -1;
        } else {
            mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", a[1]);
            return -1;
        }
    }
    if (!blocking && to != -1) {
        mv_err_set(t, &mv_exc_ValueError, "can't specify a timeout for a non-blocking call");
        return -1;
    }
    if (to < 0 && to != -1) {
        mv_err_set(t, &mv_exc_ValueError, "timeout value must be positive");
        return -1;
    }
    if (to > TIMEOUT_MAX) {
        mv_err_set(t, &mv_exc_OverflowError, "timeout value is too large");
        return -1;
    }
    *timeout = blocking ? to : 0;
    return 0;
}

/* ---- _thread.lock ---------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    sem_t sem;
    bool locked; /* changed under the GIL, after the semaphore says so */
} lockobj;

extern mv_type mv_lock_type;
extern mv_type mv_rlock_type;

static Value lock_alloc(void) {
    lockobj *l = (lockobj *)mv_object_new(&mv_lock_type);
    sem_init(&l->sem, 0, 1);
    l->locked = false;
    return (Value)l;
}

static Value lock_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs || kwnames) return mv_err_set(t, &mv_exc_TypeError, "lock() takes no arguments");
    return lock_alloc();
}

static void lock_dealloc(Value self) { sem_destroy(&((lockobj *)self)->sem); }

static Value lock_acquire(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    lockobj *l = (lockobj *)self;
    double timeout;
    if (parse_acquire(t, args, nargs, kwnames, &timeout) < 0) return NULL;
    int r = mv_sem_acquire(t, &l->sem, timeout);
    if (r < 0) return NULL;
    if (r) l->locked = true;
    return mv_newref(MV_BOOL(r));
}

static Value lock_release(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    lockobj *l = (lockobj *)self;
    if (!l->locked) return mv_err_set(t, &mv_exc_RuntimeError, "release unlocked lock");
    l->locked = false;
    sem_post(&l->sem);
    return mv_newref(MV_NONE);
}

static Value lock_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return lock_release(t, self, NULL, 0, NULL);
}

static Value lock_locked(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(((lockobj *)self)->locked));
}

static Value lock_at_fork_reinit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    lockobj *l = (lockobj *)self;
    sem_destroy(&l->sem);
    sem_init(&l->sem, 0, 1);
    l->locked = false;
    return mv_newref(MV_NONE);
}

static Value lock_repr(mv_thread *t, Value self) {
    return mv_str_fromf("<%s _thread.lock object at %p>", ((lockobj *)self)->locked ? "locked" : "unlocked", (void *)self);
}

static const mv_method_def lock_methods[] = {
    {"acquire", lock_acquire, 0, NULL},
    {"acquire_lock", lock_acquire, 0, NULL},
    {"release", lock_release, 0, NULL},
    {"release_lock", lock_release, 0, NULL},
    {"locked", lock_locked, 0, NULL},
    {"locked_lock", lock_locked, 0, NULL},
    {"__enter__", lock_acquire, 0, NULL},
    {"__exit__", lock_exit, 0, NULL},
    {"_at_fork_reinit", lock_at_fork_reinit, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_lock_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_thread.lock",
    .basicsize = sizeof(lockobj),
    .base = &mv_object_type,
    .doc = "A lock object is a synchronization primitive.",
    .tp_new = lock_new,
    .dealloc = lock_dealloc,
    .repr = lock_repr,
    .methods = lock_methods,
};

/* ---- _thread.RLock --------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    sem_t sem;
    unsigned long owner; /* ident of the owning thread, 0 = none */
    unsigned long count;
} rlockobj;

static Value rlock_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)mv_object_new(type);
    sem_init(&l->sem, 0, 1);
    return (Value)l;
}

static void rlock_dealloc(Value self) { sem_destroy(&((rlockobj *)self)->sem); }

static Value rlock_acquire(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    double timeout;
    if (parse_acquire(t, args, nargs, kwnames, &timeout) < 0) return NULL;
    unsigned long me = mv_thread_get_ident();
    if (l->count > 0 && l->owner == me) {
        l->count++;
        return mv_newref(MV_TRUE);
    }
    int r = mv_sem_acquire(t, &l->sem, timeout);
    if (r < 0) return NULL;
    if (r) {
        l->owner = me;
        l->count = 1;
    }
    return mv_newref(MV_BOOL(r));
}

static Value rlock_release(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    if (l->count == 0 || l->owner != mv_thread_get_ident())
        return mv_err_set(t, &mv_exc_RuntimeError, "cannot release un-acquired lock");
    if (--l->count == 0) {
        l->owner = 0;
        sem_post(&l->sem);
    }
    return mv_newref(MV_NONE);
}

static Value rlock_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return rlock_release(t, self, NULL, 0, NULL);
}

static Value rlock_is_owned(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    return mv_newref(MV_BOOL(l->count > 0 && l->owner == mv_thread_get_ident()));
}

/* Condition.wait: release completely, remembering (count, owner) */
static Value rlock_release_save(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    if (l->count == 0) return mv_err_set(t, &mv_exc_RuntimeError, "cannot release un-acquired lock");
    Value c = mv_int_from_u64(l->count), o = mv_int_from_u64(l->owner);
    Value r = mv_tuple_pack(2, c, o);
    MV_DECREF(c);
    MV_DECREF(o);
    l->count = 0;
    l->owner = 0;
    sem_post(&l->sem);
    return r;
}

static Value rlock_acquire_restore(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    if (mv_check_nargs(t, "_acquire_restore", nargs, 1, 1) < 0) return NULL;
    if (!mv_tuple_check(args[0]) || mv_tuple_size(args[0]) != 2)
        return mv_err_set(t, &mv_exc_TypeError, "_acquire_restore() argument 1 must be tuple");
    int64_t count, owner;
    if (mv_int_as_i64(t, MV_TUPLE_GET(args[0], 0), &count) < 0 || mv_int_as_i64(t, MV_TUPLE_GET(args[0], 1), &owner) < 0)
        return NULL;
    int r = mv_sem_acquire(t, &l->sem, -1);
    if (r < 0) return NULL;
    l->owner = (unsigned long)owner;
    l->count = (unsigned long)count;
    return mv_newref(MV_NONE);
}

static Value rlock_at_fork_reinit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    rlockobj *l = (rlockobj *)self;
    sem_destroy(&l->sem);
    sem_init(&l->sem, 0, 1);
    l->owner = 0;
    l->count = 0;
    return mv_newref(MV_NONE);
}

static Value rlock_repr(mv_thread *t, Value self) {
    rlockobj *l = (rlockobj *)self;
    mv_type *tp = MV_TYPE(self);
    const char *st = l->count ? "locked" : "unlocked";
    if (tp->qualname && tp->module && mv_str_check(tp->module)) /* a subclass */
        return mv_str_fromf("<%s %s.%s object owner=%lu count=%lu at %p>", st, mv_str_data(tp->module),
                            mv_str_data(tp->qualname), l->owner, l->count, (void *)self);
    return mv_str_fromf("<%s %s object owner=%lu count=%lu at %p>", st, tp->name, l->owner, l->count, (void *)self);
}

static const mv_method_def rlock_methods[] = {
    {"acquire", rlock_acquire, 0, NULL},
    {"release", rlock_release, 0, NULL},
    {"__enter__", rlock_acquire, 0, NULL},
    {"__exit__", rlock_exit, 0, NULL},
    {"_is_owned", rlock_is_owned, 0, NULL},
    {"_release_save", rlock_release_save, 0, NULL},
    {"_acquire_restore", rlock_acquire_restore, 0, NULL},
    {"_at_fork_reinit", rlock_at_fork_reinit, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_rlock_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_thread.RLock",
    .basicsize = sizeof(rlockobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .tp_new = rlock_new,
    .dealloc = rlock_dealloc,
    .repr = rlock_repr,
    .methods = rlock_methods,
};

/* ---- _thread._local: thread-local attributes ------------------------------------------------ */

/* Each thread keeps, in t->local_dicts, one attribute dict per local object (keyed by the local's
   serial number).  An attribute access first points the object's __dict__ slot at the calling
   thread's dict (creating it, and running __init__ again, on a thread's first access), then does
   the ordinary lookup.  Everything happens under the GIL, so the swap is invisible to others. */
typedef struct {
    mv_object ob;
    Value dict;
    uint64_t serial;
    Value args, kwargs; /* __init__ arguments, replayed in each new thread */
} localobj;

extern mv_type mv_local_type;
static uint64_t local_serial;
static Value s_init;

/* Does the type define its own __init__ (not object's)? */
static bool has_own_init(mv_thread *t, mv_type *type) {
    if (!s_init) s_init = mv_str_intern_cstr(t, "__init__");
    Value init = mv_type_lookup(type, s_init);
    return init && init != mv_type_lookup(&mv_object_type, s_init);
}

static int local_select(mv_thread *t, localobj *lo) {
    if (!t->local_dicts) t->local_dicts = mv_dict_new();
    Value key = mv_int_from_u64(lo->serial);
    Value d = mv_dict_get(t, t->local_dicts, key);
    bool created = false;
    if (!d) {
        d = mv_dict_new();
        int r = mv_dict_set(t, t->local_dicts, key, d);
        MV_DECREF(d);
        if (r < 0) {
            MV_DECREF(key);
            return -1;
        }
        created = true;
    }
    MV_DECREF(key);
    if (lo->dict != d) {
        MV_XDECREF(lo->dict);
        lo->dict = mv_newref(d);
    }
    if (created && lo->args) {
        /* a new thread: run __init__ with the constructor's arguments, as CPython does */
        if (has_own_init(t, MV_TYPE((Value)lo))) {
            Value m = mv_getattr_cstr(t, (Value)lo, "__init__");
            if (!m) return -1;
            Value r = mv_call_tuple_dict(t, m, lo->args, lo->kwargs);
            MV_DECREF(m);
            if (!r) return -1;
            MV_DECREF(r);
        }
    }
    return 0;
}

static Value local_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs || kwnames) {
        if (!has_own_init(t, type)) return mv_err_set(t, &mv_exc_TypeError, "Initialization arguments are not supported");
    }
    localobj *lo = (localobj *)mv_object_new(type);
    lo->serial = ++local_serial;
    lo->args = mv_tuple_new(nargs);
    for (size_t i = 0; i < nargs; i++) mv_tuple_items(lo->args)[i] = mv_newref(args[i]);
    if (kwnames) {
        lo->kwargs = mv_dict_new();
        for (size_t i = 0; i < mv_tuple_size(kwnames); i++)
            if (mv_dict_set(t, lo->kwargs, MV_TUPLE_GET(kwnames, i), args[nargs + i]) < 0) {
                MV_DECREF((Value)lo);
                return NULL;
            }
    }
    /* the creating thread's dict; its __init__ is run by the type call itself */
    if (!t->local_dicts) t->local_dicts = mv_dict_new();
    Value key = mv_int_from_u64(lo->serial), d = mv_dict_new();
    int r = mv_dict_set(t, t->local_dicts, key, d);
    MV_DECREF(key);
    lo->dict = d;
    if (r < 0) {
        MV_DECREF((Value)lo);
        return NULL;
    }
    return (Value)lo;
}

static void local_dealloc(Value self) {
    localobj *lo = (localobj *)self;
    MV_CLEAR(lo->dict);
    MV_CLEAR(lo->args);
    MV_CLEAR(lo->kwargs);
    /* the per-thread dicts go with their threads (or stay keyed by a serial never used again) */
    mv_thread *t = mv_current_thread();
    if (t && t->local_dicts) {
        Value key = mv_int_from_u64(lo->serial), out = NULL;
        if (mv_dict_pop(t, t->local_dicts, key, &out) > 0) MV_DECREF(out);
        if (t->curexc) mv_err_clear(t);
        MV_DECREF(key);
    }
}

static Value local_getattr(mv_thread *t, Value self, Value name) {
    if (local_select(t, (localobj *)self) < 0) return NULL;
    return mv_generic_getattr(t, self, name);
}

static int local_setattr(mv_thread *t, Value self, Value name, Value v) {
    if (local_select(t, (localobj *)self) < 0) return -1;
    if (mv_str_check(name) && strcmp(mv_str_data(name), "__dict__") == 0) {
        mv_err_format(t, &mv_exc_AttributeError, "'%T' object attribute '__dict__' is read-only", self);
        return -1;
    }
    return mv_generic_setattr(t, self, name, v);
}

static Value local_get_dict(mv_thread *t, Value self) {
    if (local_select(t, (localobj *)self) < 0) return NULL;
    return mv_newref(((localobj *)self)->dict);
}

static const mv_getset_def local_getsets[] = {
    {"__dict__", local_get_dict, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_local_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_thread._local",
    .basicsize = sizeof(localobj),
    .dictoffset = offsetof(localobj, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Thread-local data",
    .tp_new = local_new,
    .dealloc = local_dealloc,
    .getattr = local_getattr,
    .setattr = local_setattr,
    .getsets = local_getsets,
};

/* ---- module functions ------------------------------------------------------------------------ */

static Value start_thread(mv_thread *t, Value *args, size_t nargs, Value kwnames, bool first) {
    if (mv_check_no_kwargs(t, "start_new_thread", kwnames) < 0) return NULL;
    if (nargs < 2 || nargs > 3)
        return mv_err_format(t, &mv_exc_TypeError, "start_new_thread expected at %s %d argument%s, got %d",
                             nargs < 2 ? "least" : "most", nargs < 2 ? 2 : 3, "s", (int)nargs);
    if (!mv_callable(args[0])) return mv_err_set(t, &mv_exc_TypeError, "first arg must be callable");
    if (!mv_tuple_check(args[1])) return mv_err_set(t, &mv_exc_TypeError, "2nd arg must be a tuple");
    Value kw = nargs == 3 ? args[2] : NULL;
    if (kw && !mv_dict_check(kw)) return mv_err_set(t, &mv_exc_TypeError, "optional 3rd arg must be a dictionary");
    unsigned long ident;
    if (mv_thread_start(t, args[0], args[1], kw, first, &ident) < 0) return NULL;
    return mv_int_from_u64(ident);
}

static Value th_start_new_thread(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return start_thread(t, args, nargs, kwnames, false);
}

/* threading.Thread.start's: the same, for a caller that waits for the new thread at once */
static Value th_start_new_thread_first(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return start_thread(t, args, nargs, kwnames, true);
}

static Value th_allocate_lock(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "allocate_lock", nargs, 0, 0) < 0) return NULL;
    return lock_alloc();
}

static Value th_get_ident(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_u64(mv_thread_get_ident());
}

static Value th_get_native_id(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_u64(mv_thread_get_native_id());
}

static Value th_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_err_set_object(t, (Value)&mv_exc_SystemExit);
}

static Value th_interrupt_main(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_vm *vm = t->vm;
    /* as if SIGINT arrived: the flag, the eval breaker, and a real signal to the main thread so a
       blocking call there returns EINTR */
    vm->sigint_pending = 1;
    mv_eval_breaker_set(MV_BREAK_SIGINT);
    if (t != vm->main_thread) pthread_kill((pthread_t)vm->main_thread->ident, SIGINT);
    return mv_newref(MV_NONE);
}

static Value th_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(mv_thread_count(t->vm));
}

static Value th_stack_size(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "stack_size", nargs, 0, 1) < 0) return NULL;
    size_t old = mv_thread_stack_size();
    if (nargs == 1) {
        int64_t n;
        if (mv_index_int64(t, args[0], &n) < 0) return NULL;
        if (n < 0) return mv_err_set(t, &mv_exc_ValueError, "size must be 0 or a positive value");
        if (n != 0 && n < 32768) return mv_err_format(t, &mv_exc_ValueError, "size not valid: %lld bytes", (long long)n);
        mv_thread_set_stack_size((size_t)n);
    }
    return mv_int_from_u64(old);
}

/* threading helpers: the name sys.getgilstats() shows for the calling thread */
static Value th_set_name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_set_name", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0])) return mv_err_set(t, &mv_exc_TypeError, "name must be a str");
    MV_XDECREF(t->name);
    t->name = mv_newref(args[0]);
    return mv_newref(MV_NONE);
}

static Value th_fork_generation(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(mv_thread_fork_generation());
}

/* threading.excepthook: print exc with its traceback to stderr, in CPython's format */
static Value th_print_exception(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_print_exception", nargs, 1, 1) < 0) return NULL;
    mv_err_print_exception(t, args[0]);
    return mv_newref(MV_NONE);
}

static const mv_method_def thread_methods[] = {
    {"_print_exception", th_print_exception, 0, NULL},
    {"start_new_thread", th_start_new_thread, 0, NULL},
    {"start_new", th_start_new_thread, 0, NULL},
    {"_start_new_thread_first", th_start_new_thread_first, 0, NULL},
    {"allocate_lock", th_allocate_lock, 0, NULL},
    {"allocate", th_allocate_lock, 0, NULL},
    {"get_ident", th_get_ident, 0, NULL},
    {"get_native_id", th_get_native_id, 0, NULL},
    {"exit", th_exit, 0, NULL},
    {"exit_thread", th_exit, 0, NULL},
    {"interrupt_main", th_interrupt_main, 0, NULL},
    {"_count", th_count, MV_METH_NOARGS, NULL},
    {"stack_size", th_stack_size, 0, NULL},
    {"_set_name", th_set_name, 0, NULL},
    {"_fork_generation", th_fork_generation, MV_METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static int ready(mv_type *tp) {
    if (tp->flags & MV_TPFLAG_READY) return 0;
    return mv_type_ready(tp); /* the names carry the module: "_thread.lock", as in CPython */
}

Value mv__thread_module_init(mv_thread *t) {
    if (ready(&mv_lock_type) < 0 || ready(&mv_rlock_type) < 0 || ready(&mv_local_type) < 0) return NULL;
    Value m = mv_module_new(t, "_thread");
    if (!m) return NULL;
    Value tm = mv_float_new(TIMEOUT_MAX);
    int ok = mv_module_add_methods(t, m, thread_methods) == 0 && mv_module_add(t, m, "LockType", (Value)&mv_lock_type) == 0 &&
             mv_module_add(t, m, "RLock", (Value)&mv_rlock_type) == 0 &&
             mv_module_add(t, m, "_local", (Value)&mv_local_type) == 0 && mv_module_add(t, m, "TIMEOUT_MAX", tm) == 0 &&
             mv_module_add(t, m, "error", (Value)&mv_exc_RuntimeError) == 0;
    MV_DECREF(tm);
    if (!ok) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
