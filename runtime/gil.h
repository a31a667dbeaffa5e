/* gil.h: the Global Interpreter Lock (runtime/gil.c): one lock that guards bytecode execution and
 * every refcount, handed between threads as CPython's "new GIL" does.  Blocking calls release it
 * through the one macro pair below; the eval loop gives it up when another thread asks for it.
 */
#ifndef MV_GIL_H
#define MV_GIL_H

#include "vm.h"

typedef struct mv_gil mv_gil;

/* Bits of mv_eval_breaker (vm.h: the word the eval loop polls at its check points). */
enum {
    MV_BREAK_SIGINT = 1,   /* SIGINT arrived: the main thread raises KeyboardInterrupt */
    MV_BREAK_GIL_DROP = 2, /* a thread has waited a whole switch interval: holder, drop the GIL */
    MV_BREAK_SIGNALS = 4,  /* other signals arrived: the main thread runs their Python handlers */
};

/* Create the GIL, owned by `holder` (the running thread).  Called when the first extra thread
   starts: until then there is no GIL at all and a single-threaded program pays nothing. */
void mv_gil_create(mv_vm *vm, mv_thread *holder);
/* Is there a GIL (has a second thread ever started)? */
static inline bool mv_gil_active(mv_vm *vm) { return vm->gil != NULL; }

/* Take / drop the GIL (t must not / must hold it).  Used by thread start-up and exit. */
void mv_gil_take(mv_thread *t);
void mv_gil_drop(mv_thread *t);
/* The eval breaker's handler for MV_BREAK_GIL_DROP: drop the GIL, wait until another thread has
   taken it (forced switching), take it back. */
void mv_gil_yield(mv_thread *t);

/* Release around a call that may block (sleep, read, write, lock waits, join...).  Between the two,
   the code must not touch any object, refcount or interpreter state: other threads run. */
void mv_gil_release_blocking(mv_thread *t);
void mv_gil_acquire_blocking(mv_thread *t);
#define MV_GIL_RELEASE(t)                                                                          \
    do {                                                                                           \
        if ((t)->vm->gil) mv_gil_release_blocking(t);                                              \
    } while (0)
#define MV_GIL_ACQUIRE(t)                                                                          \
    do {                                                                                           \
        if ((t)->gil_released) mv_gil_acquire_blocking(t);                                         \
    } while (0)

/* The switch interval in seconds (sys.setswitchinterval / getswitchinterval). */
void mv_gil_set_interval(mv_vm *vm, double seconds);
double mv_gil_get_interval(mv_vm *vm);

/* sys.getgilstats(): a dict of the global counters and, under "threads", one dict per thread. */
Value mv_gil_stats(mv_thread *t);
/* Keep an exiting thread's counters for mv_gil_stats (called with the GIL held). */
void mv_gil_thread_retire(mv_thread *t);

/* Exit: from now on, threads other than `t` that try to take the GIL end silently (daemon
   threads never run again once the interpreter is going away). */
void mv_gil_finalize(mv_thread *t);
/* In a child after fork(): a fresh GIL, owned by the only surviving thread t. */
void mv_gil_after_fork_child(mv_thread *t);

/* Monotonic clock in nanoseconds. */
int64_t mv_gil_now_ns(void);
/* Spinning before blocking (gil.c): allowed only with more than one CPU in our affinity mask;
   one pause. */
bool mv_spin_allowed(void);
/* The affinity mask changed (os.sched_setaffinity): mv_spin_allowed looks again. */
void mv_spin_recheck(void);
void mv_cpu_relax(void);
/* One step of a spin-wait by t: yields the CPU when t->spin_yields, else mv_cpu_relax(). */
void mv_spin_pause(mv_thread *t);

#endif
