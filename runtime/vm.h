/* vm.h: the interpreter (mv_vm), the per-thread state (mv_thread), and the error API.
 *
 * There is no global VM: shared state lives in mv_vm, per-thread state (frame stack, current
 * exception, recursion depth) in mv_thread, and functions take `mv_thread *t` explicitly; t->vm
 * reaches the shared state.  Static type objects and singletons are process-wide and immortal.
 *
 * Errors work as in CPython: a failing function sets the thread's current exception (an
 * exception instance) and returns NULL / -1; callers propagate.
 */
#ifndef MV_VM_H
#define MV_VM_H

#include <stdatomic.h>
#include <stdarg.h>

#include "object.h"

typedef struct mv_frame mv_frame;

struct mv_vm {
    Value modules;   /* dict: sys.modules */
    Value builtins;  /* dict: the builtins module's namespace */
    Value builtins_module;
    Value sys_module;
    Value interned;  /* dict str->str: interned strings (names, attributes) */
    Value argv;      /* list for sys.argv */
    Value atexit;    /* list of (func, args, kwargs) or None: atexit.register (stdlib/atexit.c) */
    Value path;      /* list for sys.path */
    const char *main_dir; /* directory of the main script, for imports ("" for -c / stdin) */
    int recursion_limit;  /* sys.setrecursionlimit; default 1000 */
    double switch_interval; /* seconds; GIL (issue 3) */
    atomic_int sigint_pending; /* set by the SIGINT handler and _thread.interrupt_main (any thread) */
    mv_thread *main_thread;
    Value stdout_obj, stderr_obj, stdin_obj; /* sys.stdout etc. (file objects) */
    int exit_code;
    /* the GIL and the threads (runtime/gil.c, runtime/thread.c); gil is NULL until a second
       thread starts.  The registry is a list through mv_thread.next_thread, changed under the GIL. */
    struct mv_gil *gil;
    mv_thread *threads;
    int nthreads;
    uint64_t thread_serial; /* last mv_thread.serial handed out */
};

/* The eval breaker: nonzero asks every running eval loop to stop at its next check point
 * (signals, GIL drop requests; bits in gil.h).  Atomic because other threads and signal handlers
 * set it.  One word for the whole process, like signals themselves, rather than a field of
 * mv_vm.
 *
 * The loop does not test this word at its check points: setting a bit patches the loop instead.
 * mv_eval_breaker_set stores the "armed" value into each slot of mv_check_patches, which the
 * eval loop publishes at start-up (mv_eval_init):
 *   - the entries of its dispatch table for the backward jumps, the instructions that close
 *     loops: armed, they lead to the loop's check handler, so a loop pays nothing at all for
 *     its check point while nothing is pending;
 *   - mv_check_targets, the table function entry dispatches its first instruction through
 *     (one load per call): armed, a table whose every entry is the entry check handler.
 * A handler first puts every slot back (mv_check_disarm), then reads the word: a bit set in
 * between is seen then, or re-arms the slots after the handler is done (the fences in vm.c
 * order the two sides), so no bit is ever lost.  Clearing bits needs no care: a stray visit to
 * a handler finds nothing to do. */
#if defined(__GNUC__)
/* hidden: where libminivm.a is compiled as PIC (meson -Db_staticpic=true), a default-visibility
   global would be reached through the GOT (one more load per check) */
#define MV_HIDDEN __attribute__((visibility("hidden")))
#else
#define MV_HIDDEN
#endif
MV_HIDDEN extern atomic_int mv_eval_breaker;
/* One patch: *slot holds `normal`, or `armed` while a bit is pending.  Slots are read and
   written with relaxed atomic accesses (__atomic builtins on plain pointers). */
typedef struct {
    void **slot;
    void *normal, *armed;
} mv_check_patch;
#define MV_CHECK_MAX_PATCHES 8
MV_HIDDEN extern mv_check_patch mv_check_patches[MV_CHECK_MAX_PATCHES];
MV_HIDDEN extern _Atomic int mv_check_npatches;
/* the dispatch table of function entry (a `void **`; vm.h keeps it generic to be a slot) */
MV_HIDDEN extern void *mv_check_targets;
/* Set `bits` in the breaker and arm the check points.  Async-signal-safe. */
void mv_eval_breaker_set(int bits);
/* A check handler: disarm, then return the breaker word; mv_check_arm() if bits stay pending. */
int mv_check_disarm(void);
void mv_check_arm(void);

/* Per-thread GIL counters (sys.getgilstats), written by their thread while it holds the GIL. */
typedef struct {
    uint64_t acquisitions;      /* times this thread took the GIL */
    uint64_t blocking_releases; /* MV_GIL_RELEASE: given up around a blocking call */
    uint64_t forced_drops;      /* given up because another thread asked (drop request) */
    int64_t held_ns, waited_ns; /* total time holding / waiting for the GIL */
    int64_t taken_at;           /* when it last took the GIL */
} mv_gil_tstats;

struct mv_thread {
    mv_vm *vm;
    mv_frame *frame;   /* innermost executing frame (frames link through f->back) */
    Value curexc;      /* the exception being raised (an exception instance), or NULL */
    Value handled;     /* the exception being handled (sys.exc_info()), or NULL: for implicit
                          __context__ chaining and bare `raise` */
    int depth;         /* Python call depth, checked against vm->recursion_limit */
    int c_depth;       /* nested C-level evaluations (C calling back into Python) */
    Value name;        /* thread name (str) or NULL */
    unsigned long ident;
    /* threads (runtime/thread.c) */
    mv_thread *next_thread, *prev_thread; /* vm->threads registry */
    unsigned long native_id;  /* the kernel's thread id (gettid) */
    uint64_t serial;          /* unique per thread: keys thread-local data (idents get reused) */
    Value local_dicts;        /* dict: _thread._local serial -> this thread's attribute dict */
    bool gil_released;        /* between MV_GIL_RELEASE and MV_GIL_ACQUIRE (gil.h) */
    bool spin_yields;         /* until its next GIL take, its spins yield the CPU instead of
                                 pausing: a thread it waits for may be queued on its CPU
                                 (thread.c, pin_to_this_cpu) */
    mv_gil_tstats gil;
};

/* ---- raising -------------------------------------------------------------------------------- */
/* All return NULL so that `return mv_err_format(...)` works in Value-returning functions. */
Value mv_err_set(mv_thread *t, mv_type *exc_type, const char *msg);            /* exc(msg) */
Value mv_err_format(mv_thread *t, mv_type *exc_type, const char *fmt, ...);    /* printf-style;
        extra conversions: %R = repr(Value), %S = str(Value), %T = type name of Value, %U = str
        Value contents, %N = name of an mv_type* */
Value mv_err_vformat(mv_thread *t, mv_type *exc_type, const char *fmt, va_list ap);
Value mv_err_set_value(mv_thread *t, mv_type *exc_type, Value arg);  /* exc(arg), e.g. KeyError(k) */
Value mv_err_set_object(mv_thread *t, Value exc);   /* raise an instance (or a class: instantiated) */
Value mv_err_nomem(mv_thread *t);                   /* MemoryError */
Value mv_err_errno(mv_thread *t, int err, Value filename); /* OSError subclass by errno, e.g.
        FileNotFoundError: [Errno 2] No such file or directory: 'x' (filename may be NULL) */
Value mv_err_bad_internal(mv_thread *t, const char *where); /* SystemError */

/* ---- inspecting ------------------------------------------------------------------------------ */
static inline bool mv_err_occurred(mv_thread *t) { return t->curexc != NULL; }
bool mv_err_matches(mv_thread *t, mv_type *exc_type); /* current exception is an instance of it */
Value mv_err_fetch(mv_thread *t);          /* take the current exception (new ref), clear it */
void mv_err_restore(mv_thread *t, Value exc); /* steal: set it as current */
void mv_err_clear(mv_thread *t);
/* The exception about to be set gets `t->handled` as its __context__ (done in mv_err_restore /
   mv_err_set*, as CPython does when raising inside an except/finally block). */

/* Print exc with its traceback in CPython's format to stderr (exc.c). */
void mv_err_print_exception(mv_thread *t, Value exc);
/* CPython's PyErr_WriteUnraisable: take the current exception and report it on stderr after
   the line `msg` (then " " and repr(obj) when obj is given), for errors nobody can catch (a
   __del__, an atexit or at-fork callback, threading's shutdown).  Clears the exception. */
void mv_err_write_unraisable(mv_thread *t, const char *msg, Value obj);
/* Print and clear the current exception; SystemExit is NOT special-cased here. */
void mv_err_print(mv_thread *t);

/* Recursion guard for C code that calls back into Python (repr of nested containers, etc.):
   raises RecursionError("maximum recursion depth exceeded" + where) and returns -1 when too deep. */
int mv_enter_recursive_call(mv_thread *t, const char *where);
void mv_leave_recursive_call(mv_thread *t);

/* ---- VM lifecycle (vm.c) ---------------------------------------------------------------------- */
mv_vm *mv_vm_new(int argc, char **argv); /* argv: sys.argv; initializes types, builtins, sys */
mv_thread *mv_vm_main_thread(mv_vm *vm);
void mv_vm_free(mv_vm *vm);

/* The type-readying pass for all static types, run once per process by mv_vm_new. */
void mv_types_init(void);

#endif
