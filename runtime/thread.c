/* thread.c: thread states and OS threads.  Each Python-level thread is a pthread with its own
 * mv_thread (frame stack, current exception, GIL counters), linked into the vm's registry while
 * it lives.  A new thread blocks SIGINT so that Ctrl-C always lands in the main thread (where it
 * interrupts a blocking call and becomes KeyboardInterrupt), takes the GIL, runs its function,
 * and drops the GIL for good.  The fork handler gives the child a fresh GIL and one thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abstract.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "gil.h"
#include "module.h"
#include "str.h"
#include "thread.h"
#include "thread_stack.h"
#include "sanitizer.h"
#include "tuple.h"

#define DEFAULT_STACK_SIZE ((size_t)16 << 20) /* generous: C code may nest deep (repr, callbacks) */

static size_t stack_size_setting; /* 0 = default; changed under the GIL */
static int fork_generation;
static int started_alive; /* threads of mv_thread_start still running (under the GIL) */

size_t mv_thread_stack_size(void) { return stack_size_setting; }
void mv_thread_set_stack_size(size_t size) { stack_size_setting = size; }
int mv_thread_count(mv_vm *vm) { return started_alive; }
int mv_thread_fork_generation(void) { return fork_generation; }

unsigned long mv_thread_get_ident(void) { return (unsigned long)pthread_self(); }
unsigned long mv_thread_get_native_id(void) { return (unsigned long)syscall(SYS_gettid); }

/* ---- the registry (changed under the GIL) ---------------------------------------------------- */

static void registry_add(mv_vm *vm, mv_thread *t) {
    t->prev_thread = NULL;
    t->next_thread = vm->threads;
    if (vm->threads) vm->threads->prev_thread = t;
    vm->threads = t;
    vm->nthreads++;
}

static void registry_remove(mv_vm *vm, mv_thread *t) {
    if (t->prev_thread) t->prev_thread->next_thread = t->next_thread;
    else if (vm->threads == t) vm->threads = t->next_thread;
    if (t->next_thread) t->next_thread->prev_thread = t->prev_thread;
    t->next_thread = t->prev_thread = NULL;
    vm->nthreads--;
}

/* ---- fork ------------------------------------------------------------------------------------ */

static mv_vm *fork_vm;

/* Sanitizer builds only: a thread that has just finished is still tearing down in the sanitizer's
 * runtime (its allocator cache goes back under the allocator's locks) after it gave the GIL
 * away.  glibc's malloc takes its own locks around fork, GCC 12's ASan allocator does not: a fork
 * at that moment leaves a child that deadlocks at its first malloc (seen in
 * futures/process_broken, once in some 60 runs under load).  So the parent waits, before it
 * forks, until the threads that finished are gone (at most 50 ms each).  Threads being created
 * allocate in the sanitizer's runtime without the GIL too (pthread_create, which Thread.start()
 * calls with the GIL released, and the new thread's set-up before thread_main): the parent also
 * waits until every thread it started has reached thread_main (at most 50 ms). */
#ifdef MV_SANITIZED
#define MV_FORK_WAITS_FOR_EXITS 1
#endif

#ifdef MV_FORK_WAITS_FOR_EXITS
static pthread_mutex_t exiting_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t exiting[64]; /* kernel ids of finished threads that may still be tearing down */
static int nexiting;

/* the kernel id of a thread about to return from thread_main */
static void note_exiting(pid_t tid) {
    pthread_mutex_lock(&exiting_lock);
    if (nexiting == (int)(sizeof exiting / sizeof exiting[0])) {
        int k = 0;
        for (int i = 0; i < nexiting; i++)
            if (!mv_native_thread_gone(exiting[i])) exiting[k++] = exiting[i];
        nexiting = k;
    }
    if (nexiting < (int)(sizeof exiting / sizeof exiting[0])) exiting[nexiting++] = tid;
    pthread_mutex_unlock(&exiting_lock);
}

static atomic_int starting; /* threads from before pthread_create until thread_main runs */
static void note_starting(int delta) { atomic_fetch_add(&starting, delta); }

static void before_fork(void) {
    for (int waited = 0; atomic_load(&starting) > 0 && waited < 500; waited++) usleep(100);
    pthread_mutex_lock(&exiting_lock);
    for (int i = 0; i < nexiting; i++)
        for (int waited = 0; !mv_native_thread_gone(exiting[i]) && waited < 500; waited++) usleep(100);
    nexiting = 0;
    pthread_mutex_unlock(&exiting_lock);
}
#else
static void note_exiting(pid_t tid) { (void)tid; }
static void note_starting(int delta) { (void)delta; }
#define before_fork NULL
#endif

static void after_fork_child(void) {
    mv_vm *vm = fork_vm;
    mv_thread *t = mv_current_thread();
    if (!vm || !t || t->vm != vm) return;
    fork_generation++;
    /* only this thread survives: forget the others (their memory is left alone: their objects
       may still be referenced by this one) */
    vm->threads = NULL;
    vm->nthreads = 0;
    registry_add(vm, t);
    /* a thread other than main was started by mv_thread_start: its exit will count itself out */
    started_alive = t != vm->main_thread;
    t->ident = mv_thread_get_ident();
    t->native_id = mv_thread_get_native_id();
    vm->main_thread = t;
    mv_gil_after_fork_child(t);
}

/* The first extra thread: create the GIL (owned by the caller) and register the main thread. */
static void threads_init(mv_thread *t) {
    mv_vm *vm = t->vm;
    if (vm->gil) return;
    mv_thread *m = vm->main_thread;
    if (!m->name) m->name = mv_str_from_cstr("MainThread");
    m->native_id = mv_thread_get_native_id();
    m->serial = ++vm->thread_serial;
    registry_add(vm, m);
    mv_gil_create(vm, t);
    if (!fork_vm) {
        fork_vm = vm;
        pthread_atfork(before_fork, NULL, after_fork_child);
    }
}

/* ---- starting a thread ----------------------------------------------------------------------- */

typedef struct {
    mv_thread *t;
    Value func, args, kwargs;
    void *stack;     /* from mv_thread_stack_get: the thread retires it when it is done */
    size_t stack_size;
    bool pinned;     /* created on the starter's CPU: restore `cpus` first */
    cpu_set_t cpus;  /* the starter's affinity */
} boot_args;

/* What CPython's sys.unraisablehook prints for an exception escaping start_new_thread's function. */
static void report_exception(mv_thread *t, Value func) {
    Value exc = mv_err_fetch(t);
    if (!exc || mv_isinstance_of(exc, &mv_exc_SystemExit)) {
        MV_XDECREF(exc);
        return;
    }
    Value r = mv_repr(t, func);
    Value err = t->vm->stderr_obj;
    Value msg = mv_str_fromf("Exception ignored in thread started by: %s\n", r ? mv_str_data(r) : "?");
    if (!r) mv_err_clear(t);
    MV_XDECREF(r);
    Value w = mv_call_method(t, err, "write", &msg, 1);
    if (!w) mv_err_clear(t);
    MV_XDECREF(w);
    MV_DECREF(msg);
    mv_err_print_exception(t, exc);
    MV_DECREF(exc);
}

static void *thread_main(void *arg) {
    boot_args *b = arg;
    mv_thread *t = b->t;
    note_starting(-1);
    /* started on the starter's CPU (pin_to_this_cpu): may run anywhere from now on */
    if (b->pinned) sched_setaffinity(0, sizeof b->cpus, &b->cpus);
    mv_gil_take(t);
    /* set here, not by the starter: with `first` the thread may have finished (and freed t)
       before pthread_create returns there */
    t->ident = mv_thread_get_ident();
    t->native_id = mv_thread_get_native_id();
    Value r = mv_call_tuple_dict(t, b->func, b->args, b->kwargs);
    if (r) MV_DECREF(r);
    else report_exception(t, b->func);
    MV_DECREF(b->func);
    MV_DECREF(b->args);
    MV_XDECREF(b->kwargs);
    void *stack = b->stack;
    size_t stack_size = b->stack_size;
    mv_free(b);
    if (t->curexc) mv_err_clear(t);
    MV_CLEAR(t->handled);
    MV_CLEAR(t->local_dicts);
    mv_thread *self = t;
    mv_vm *vm = t->vm;
    registry_remove(vm, self);
    started_alive--;
    mv_gil_thread_retire(self);
    MV_CLEAR(self->name);
    pid_t tid = (pid_t)self->native_id;
    note_exiting(tid);
    /* the last thing: give the GIL away.  The memory of the state goes with it, so nothing after
       this line may touch it (or any object); only the stack we run on is handed back. */
    mv_gil_drop(self);
    free(self);
    mv_thread_stack_retire(stack, stack_size, tid);
    return NULL;
}

/* Starting a thread the caller waits for at once (`first`: threading.Thread.start, which waits
 * until the thread has started, and so, with the GIL, until it first blocks).  The plain way
 * costs two cross-CPU wake-ups per thread: the new thread is placed on an idle CPU, which takes
 * 40-70 us to wake on a VM, and the starter, asleep meanwhile, is woken the same way.  So:
 *   - the starter pins itself to its CPU around pthread_create, so that the new thread, which
 *     inherits the mask, is queued right here (it restores the starter's mask first thing);
 *   - the starter releases the GIL around pthread_create: the new thread, usually scheduled at
 *     once in the starter's place, takes the GIL and runs until it blocks;
 *   - while waiting for the thread, the starter's spins yield the CPU (mv_spin_pause) rather
 *     than pause, in case the new thread is still queued behind it.
 * Nothing observable changes: in CPython too the new thread runs first, until it blocks (or
 * for a switch interval), while the starter waits.  Starting 100 threads that sleep takes a
 * fifth less time (bench/io_sleep.mv).  Not for _thread.start_new_thread, whose caller keeps running.
 * Saves the starter's affinity in *saved; false when there is no point (one CPU allowed). */
static bool pin_to_this_cpu(cpu_set_t *saved) {
    if (!mv_spin_allowed()) return false;
    if (sched_getaffinity(0, sizeof *saved, saved) != 0 || CPU_COUNT(saved) < 2) return false;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, saved)) return false;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0;
}

int mv_thread_start(mv_thread *t, Value func, Value args, Value kwargs, bool first, unsigned long *ident) {
    mv_vm *vm = t->vm;
    threads_init(t);
    mv_thread *nt = calloc(1, sizeof *nt);
    if (!nt) {
        mv_err_nomem(t);
        return -1;
    }
    nt->vm = vm;
    nt->serial = ++vm->thread_serial;
    nt->name = mv_str_fromf("Thread-%llu", (unsigned long long)nt->serial - 1);
    boot_args *b = mv_malloc(sizeof *b);
    b->t = nt;
    b->func = mv_newref(func);
    b->args = mv_newref(args);
    b->kwargs = kwargs ? mv_newref(kwargs) : NULL;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    size_t stack_size = stack_size_setting ? stack_size_setting : DEFAULT_STACK_SIZE;
    b->stack = mv_thread_stack_get(stack_size, &b->stack_size);
    if (b->stack) pthread_attr_setstack(&attr, b->stack, b->stack_size);
    int err = b->stack ? 0 : EAGAIN;
    /* the new thread inherits our signal mask: block SIGINT in it so Ctrl-C goes to main */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    registry_add(vm, nt);
    started_alive++;
    pthread_t th;
    /* `first`: see the comment above pin_to_this_cpu.  From pthread_create on, b and nt belong
       to the new thread. */
    cpu_set_t cpus;
    bool pinned = first && pin_to_this_cpu(&cpus);
    b->pinned = pinned;
    if (pinned) b->cpus = cpus;
    nt->spin_yields = pinned;
    if (first) MV_GIL_RELEASE(t);
    note_starting(1);
    if (!err) err = pthread_create(&th, &attr, thread_main, b);
    if (err) note_starting(-1);
    if (pinned) sched_setaffinity(0, sizeof cpus, &cpus);
    if (first) MV_GIL_ACQUIRE(t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err) {
        if (b->stack) mv_thread_stack_discard(b->stack, b->stack_size);
        registry_remove(vm, nt);
        started_alive--;
        MV_DECREF(b->func);
        MV_DECREF(b->args);
        MV_XDECREF(b->kwargs);
        mv_free(b);
        MV_XDECREF(nt->name);
        free(nt);
        mv_err_set(t, &mv_exc_RuntimeError, "can't start new thread");
        return -1;
    }
    t->spin_yields = pinned; /* until our next GIL take: our wait for the thread yields to it */
    *ident = (unsigned long)th;
    return 0;
}

/* ---- exit ------------------------------------------------------------------------------------ */

/* The atexit module's callbacks (multiprocessing's exit handler among them), run after the
   threads are joined, as CPython orders it. */
static void run_atexit(mv_thread *t) {
    Value m = mv_dict_get_cstr(t, t->vm->modules, "atexit");
    if (!m) {
        if (mv_err_occurred(t)) mv_err_clear(t);
        return;
    }
    MV_INCREF(m);
    Value r = mv_call_method(t, m, "_run_exitfuncs", NULL, 0);
    if (r) MV_DECREF(r);
    else mv_err_clear(t); /* each callback's error was already reported */
    MV_DECREF(m);
}

void mv_thread_shutdown(mv_thread *t) {
    mv_vm *vm = t->vm;
    if (!vm->gil) { /* never had a second thread */
        run_atexit(t);
        return;
    }
    Value m = mv_dict_get_cstr(t, vm->modules, "threading");
    if (m) {
        MV_INCREF(m);
        Value r = mv_call_method(t, m, "_shutdown", NULL, 0);
        if (!r) mv_err_write_unraisable(t, "Exception ignored on threading shutdown:", NULL);
        MV_XDECREF(r);
        MV_DECREF(m);
    } else if (mv_err_occurred(t)) {
        mv_err_clear(t);
    }
    run_atexit(t);
    mv_gil_finalize(t);
}
