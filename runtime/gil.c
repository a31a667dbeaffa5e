/* gil.c: THE GIL.  One lock that every thread must hold to run bytecode or touch an object, handed
 * from thread to thread the way CPython 3.2+ does it (Antoine Pitrou's "new GIL").
 *
 * Why a GIL at all.  Refcounts are plain integers (object.h) and the dicts, lists and caches of
 * the runtime have no locks of their own.  Making each of them thread-safe would slow every
 * single-threaded program down; one lock around the whole interpreter costs nothing when there is
 * one thread, and makes the interpreter's internals simple.  The price: only one thread runs
 * Python code at a time, so CPU-bound threads take turns instead of running in parallel.
 *
 * The state is a mutex-protected flag (`locked`) plus two condition variables:
 *   cond         signalled when the GIL is dropped: waiters wake up and one of them takes it;
 *   switch_cond  signalled when the GIL is taken: a thread that dropped it on request waits here
 *                until someone else really got it (forced switching).
 *
 * The hand-off for CPU-bound threads.  The old GIL (Python 2) made the holder release and
 * re-acquire every 100 "ticks"; on a multicore machine the releaser usually won the race for the
 * lock again at once, so a waiting thread could starve, and the threads fought over the lock
 * (Beazley's "Understanding the GIL").  The new GIL is time-based and explicit:
 *   1. A thread that wants the GIL waits on `cond` for at most the switch interval (5 ms by
 *      default, sys.setswitchinterval).
 *   2. If the interval passes and no switch happened meanwhile (switch_number unchanged), it sets
 *      the drop request: a bit in the atomic eval-breaker word, which also arms the eval loop's
 *      check points (backward jumps, function entry, returns from C calls; vm.h says how), so
 *      the request costs the holder nothing until it is set.
 *   3. The holder sees the bit at its next check point, drops the GIL, signals `cond`, and then
 *      waits on `switch_cond` until another thread has taken the GIL; only then does it queue
 *      up again.  Without this step the dropping thread, already running on its CPU, would often
 *      re-take the lock before the woken thread is even scheduled.
 * So a CPU-bound thread runs for about one interval, then the other one does: slices are as
 * long as the interval, whatever the number of cores.
 *
 * The hand-off for blocking calls.  sleep, reads and writes, lock waits, join... run between
 * MV_GIL_RELEASE(t) and MV_GIL_ACQUIRE(t) (gil.h): the GIL is dropped (waking a waiter at once),
 * the call blocks without it, and the GIL is taken back afterwards like any waiter does.  This is
 * why I/O-bound threads do scale: 100 threads sleeping 0.1 s take 0.1 s, not 10 s.
 *
 * Lazy creation.  The GIL only exists once a second thread starts (mv_gil_create, as CPython's
 * old PyEval_InitThreads did): before that MV_GIL_RELEASE is one test of a NULL pointer and the
 * eval loop never sees a drop request.
 *
 * Statistics (sys.getgilstats()).  Counted only at hand-offs, never per bytecode, so a CPU-bound
 * thread pays for them once per slice: switches (the GIL changed owner), drop requests, forced
 * switches (the holder was asked and gave it to another thread), and per thread acquisitions,
 * time held, time waited, releases around blocking calls.
 *
 * fork.  In the child only the forking thread survives, possibly while another thread of the
 * parent held the mutex: the child builds a fresh GIL owned by its only thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dict.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "str.h"

struct mv_gil {
    pthread_mutex_t mutex;
    pthread_cond_t cond;        /* the GIL was dropped */
    pthread_cond_t switch_cond; /* the GIL was taken (forced switching waits for this) */
    _Atomic int locked;         /* somebody holds it (written under mutex; spinners read it) */
    int waiters;                /* threads blocked in take() */
    mv_thread *holder;          /* NULL when free */
    mv_thread *last_holder;     /* who held it last: a take by another thread is a switch */
    mv_thread *yielder;         /* dropped it on request, waiting for someone to take it */
    mv_thread *dropped_by;      /* the yielder the current holder took over from (slice_base) */
    int64_t taken_ns;           /* when the current holder took it */
    int64_t lateness_ns;        /* how late timed waits wake up, smoothed (see take_locked) */
    uint64_t switch_number;     /* incremented at every take */
    _Atomic int64_t interval_ns;
    mv_vm *vm;
    /* exit: threads other than `finalizer` that try to take the GIL end themselves */
    mv_thread *finalizer;
    /* global counters (under mutex) */
    uint64_t switches, drop_requests, forced_switches;
    /* counters of threads that have finished (their mv_thread is gone) */
    struct retired {
        Value name;
        mv_gil_tstats st;
    } *retired;
    size_t nretired, cap_retired;
};

int64_t mv_gil_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void init_sync(mv_gil *g) {
    pthread_mutex_init(&g->mutex, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timed waits immune to clock changes */
    pthread_cond_init(&g->cond, &ca);
    pthread_cond_init(&g->switch_cond, &ca);
    pthread_condattr_destroy(&ca);
}

void mv_gil_create(mv_vm *vm, mv_thread *holder) {
    if (vm->gil) return;
    mv_gil *g = calloc(1, sizeof *g);
    if (!g) abort();
    init_sync(g);
    g->vm = vm;
    int64_t us = (int64_t)(1e6 * vm->switch_interval);
    atomic_init(&g->interval_ns, (us < 1 ? 1 : us) * 1000);
    g->locked = 1;
    g->holder = g->last_holder = holder;
    g->switch_number = 1;
    holder->gil.acquisitions++;
    holder->gil.taken_at = mv_gil_now_ns();
    vm->gil = g;
}

/* ---- the two primitives: take and drop (called with g->mutex held) ---------------------------- */

/* ---- short spins before sleeping ------------------------------------------------------------
 * Handing the GIL (or a lock) to a thread asleep in the kernel costs a wake-up of several
 * microseconds.  When threads hand control back and forth quickly (a lock ping-pong, a queue
 * with a fast consumer) the holder usually lets go within a few microseconds, so a waiter first
 * spins briefly on another core before it blocks.  Never on a single CPU, where spinning only
 * delays the holder.  Bounded: at most MV_SPIN_NS per wait.  A thread that has just started
 * another one on its own CPU (thread.c, pin_to_this_cpu) yields instead of pausing, so that
 * the other one gets to run. */
#define MV_SPIN_NS 20000

/* Spinning pays only if the thread we wait for can run meanwhile: with more than one CPU in our
   affinity mask (taskset, os.sched_setaffinity), not merely online.  Cached; 0 = not known. */
static _Atomic int spin_cpus;

bool mv_spin_allowed(void) {
    int n = atomic_load_explicit(&spin_cpus, memory_order_relaxed);
    if (!n) {
        cpu_set_t cpus;
        long count = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                                   : sysconf(_SC_NPROCESSORS_ONLN);
        n = count > 1 ? 2 : 1;
        atomic_store_explicit(&spin_cpus, n, memory_order_relaxed);
    }
    return n > 1;
}

void mv_spin_recheck(void) { atomic_store_explicit(&spin_cpus, 0, memory_order_relaxed); }

void mv_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

void mv_spin_pause(mv_thread *t) {
    if (t->spin_yields) sched_yield();
    else mv_cpu_relax();
}

static void spin_until_free(mv_gil *g, mv_thread *t) {
    if (!mv_spin_allowed()) return;
    int64_t end = 0;
    for (unsigned i = 0; atomic_load_explicit(&g->locked, memory_order_relaxed); i++) {
        mv_spin_pause(t);
        if ((i & 63) == 0 || t->spin_yields) {
            int64_t now = mv_gil_now_ns();
            if (!end) end = now + MV_SPIN_NS;
            else if (now > end) return;
        }
    }
}

/* Exit: a thread other than the finalizing one never runs again (daemon threads). */
static void exit_if_finalizing(mv_gil *g, mv_thread *t) {
    if (g->finalizer && g->finalizer != t) {
        pthread_cond_signal(&g->switch_cond);
        pthread_mutex_unlock(&g->mutex);
        pthread_exit(NULL);
    }
}

/* Where a waiter's interval starts.  Normally when it starts waiting, as in CPython.  But a thread
 * that was just made to give the GIL away (forced switching) only gets to wait after it has
 * woken up from switch_cond, a wake-up latency after the new holder took over; counting from
 * then would make every slice that much longer than the interval (a fifth of it at 1 ms).  Its
 * interval counts from the switch itself, so that the holder gets one interval, not more. */
static int64_t slice_base(const mv_gil *g, const mv_thread *t, int64_t now) {
    return g->dropped_by == t && g->taken_ns <= now ? g->taken_ns : now;
}

static void take_locked(mv_gil *g, mv_thread *t) {
    exit_if_finalizing(g, t);
    if (g->locked) {
        int64_t t0 = mv_gil_now_ns();
        g->waiters++;
        bool asked = false; /* we have set the drop request for the current holder */
        while (g->locked) {
            uint64_t saved = g->switch_number;
            int64_t ns = atomic_load_explicit(&g->interval_ns, memory_order_relaxed);
            int64_t now = mv_gil_now_ns();
            /* The first wait ends one interval after the slice began.  Timed waits wake up late
               (timer slack, scheduling: 50-200 us on a VM): aim that much early, so that the
               mean slice is the interval even at 1 ms.  Once we have asked, wait whole intervals
               from now, as CPython does: a holder that shares our CPU only gets to see the
               request while we sleep. */
            int64_t deadline = asked ? now + ns : slice_base(g, t, now) + ns - g->lateness_ns;
            struct timespec dl = {(time_t)(deadline / 1000000000), (long)(deadline % 1000000000)};
            int r = pthread_cond_timedwait(&g->cond, &g->mutex, &dl);
            if (g->finalizer && g->finalizer != t) {
                g->waiters--;
                exit_if_finalizing(g, t);
            }
            if (g->switch_number != saved) {
                asked = false; /* a new holder: a new slice */
            } else if (r == ETIMEDOUT && g->locked) {
                /* a whole interval and nobody switched: ask the holder to let go */
                mv_eval_breaker_set(MV_BREAK_GIL_DROP);
                g->drop_requests++;
                if (!asked) {
                    /* learn how late this wait woke up, whatever we aimed at (an 1/8 moving
                       average, capped at a quarter interval) */
                    int64_t late = mv_gil_now_ns() - deadline;
                    if (late < 0) late = 0;
                    if (late > ns / 4) late = ns / 4;
                    g->lateness_ns += (late - g->lateness_ns) / 8;
                }
                asked = true;
            }
        }
        g->waiters--;
        t->gil.waited_ns += mv_gil_now_ns() - t0;
    }
    g->locked = 1;
    g->holder = t;
    t->spin_yields = false;
    g->dropped_by = g->yielder;
    g->yielder = NULL;
    if (g->last_holder != t) g->switches++;
    g->last_holder = t;
    g->switch_number++;
    /* a request made to the previous holder is served (others will ask again after their wait) */
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
    pthread_cond_signal(&g->switch_cond);
    t->gil.acquisitions++;
    t->gil.taken_at = g->taken_ns = mv_gil_now_ns();
}

static void drop_locked(mv_gil *g, mv_thread *t) {
    t->gil.held_ns += mv_gil_now_ns() - t->gil.taken_at;
    g->locked = 0;
    g->holder = NULL;
    if (g->waiters) pthread_cond_signal(&g->cond);
}

void mv_gil_take(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    spin_until_free(g, t);
    pthread_mutex_lock(&g->mutex);
    take_locked(g, t);
    pthread_mutex_unlock(&g->mutex);
}

void mv_gil_drop(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    pthread_mutex_lock(&g->mutex);
    drop_locked(g, t);
    pthread_mutex_unlock(&g->mutex);
}

/* ---- forced switching: the eval breaker saw a drop request ------------------------------------ */

void mv_gil_yield(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    if (!g) return;
    pthread_mutex_lock(&g->mutex);
    if (g->waiters == 0) {
        /* the requester got the GIL some other way meanwhile (we blocked in between) */
        atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
        pthread_mutex_unlock(&g->mutex);
        return;
    }
    g->yielder = t;
    drop_locked(g, t);
    t->gil.forced_drops++;
    uint64_t saved = g->switch_number;
    /* wait until another thread has really taken it: otherwise we, still on the CPU, would win */
    while (g->switch_number == saved && g->waiters > 0) pthread_cond_wait(&g->switch_cond, &g->mutex);
    if (g->switch_number != saved) g->forced_switches++;
    take_locked(g, t);
    pthread_mutex_unlock(&g->mutex);
}

/* ---- blocking calls -------------------------------------------------------------------------- */

void mv_gil_release_blocking(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    t->gil.blocking_releases++;
    t->gil_released = true;
    pthread_mutex_lock(&g->mutex);
    drop_locked(g, t);
    pthread_mutex_unlock(&g->mutex);
}

void mv_gil_acquire_blocking(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    spin_until_free(g, t);
    pthread_mutex_lock(&g->mutex);
    take_locked(g, t);
    pthread_mutex_unlock(&g->mutex);
    t->gil_released = false;
}

/* ---- the switch interval --------------------------------------------------------------------- */

void mv_gil_set_interval(mv_vm *vm, double seconds) {
    /* as CPython: kept in whole microseconds (getswitchinterval shows the truncation); the
       waits last at least 1 us */
    int64_t us = (int64_t)(1e6 * seconds);
    vm->switch_interval = 1e-6 * (double)us;
    if (us < 1) us = 1;
    if (vm->gil) atomic_store(&vm->gil->interval_ns, us * 1000);
}

double mv_gil_get_interval(mv_vm *vm) { return vm->switch_interval; }

/* ---- statistics ------------------------------------------------------------------------------ */

static int put_i64(mv_thread *t, Value d, const char *key, int64_t v) {
    Value x = mv_int_from_i64(v);
    int r = mv_dict_set_cstr(t, d, key, x);
    MV_DECREF(x);
    return r;
}

static int put_f(mv_thread *t, Value d, const char *key, double v) {
    Value x = mv_float_new(v);
    int r = mv_dict_set_cstr(t, d, key, x);
    MV_DECREF(x);
    return r;
}

/* One thread's dict: acquisitions, held, waited (seconds), blocking_releases, forced_drops. */
static Value thread_stats(mv_thread *t, const mv_gil_tstats *st, bool holding, int64_t now) {
    Value d = mv_dict_new();
    int64_t held = st->held_ns + (holding ? now - st->taken_at : 0);
    if (put_i64(t, d, "acquisitions", (int64_t)st->acquisitions) < 0 || put_f(t, d, "held", (double)held * 1e-9) < 0 ||
        put_f(t, d, "waited", (double)st->waited_ns * 1e-9) < 0 ||
        put_i64(t, d, "blocking_releases", (int64_t)st->blocking_releases) < 0 ||
        put_i64(t, d, "forced_drops", (int64_t)st->forced_drops) < 0) {
        MV_DECREF(d);
        return NULL;
    }
    return d;
}

/* threads[name] = stats, with " (2)", " (3)"... appended when a name repeats. */
static int add_thread(mv_thread *t, Value threads, Value name, Value st) {
    Value key = name ? mv_newref(name) : mv_str_from_cstr("?");
    for (int n = 2; mv_dict_get_str(threads, key); n++) {
        Value k2 = mv_str_fromf("%s (%d)", mv_str_data(name ? name : key), n);
        MV_DECREF(key);
        key = k2;
    }
    int r = mv_dict_set(t, threads, key, st);
    MV_DECREF(key);
    return r;
}

Value mv_gil_stats(mv_thread *t) {
    mv_vm *vm = t->vm;
    mv_gil *g = vm->gil;
    Value d = mv_dict_new(), threads = mv_dict_new();
    int64_t now = mv_gil_now_ns();
    uint64_t sw = 0, dr = 0, fs = 0;
    if (g) {
        pthread_mutex_lock(&g->mutex);
        sw = g->switches;
        dr = g->drop_requests;
        fs = g->forced_switches;
        pthread_mutex_unlock(&g->mutex);
    }
    uint64_t acq = 0;
    int64_t held = 0;
    int ok = put_i64(t, d, "switches", (int64_t)sw) == 0 && put_i64(t, d, "drop_requests", (int64_t)dr) == 0 &&
             put_i64(t, d, "forced_switches", (int64_t)fs) == 0 && put_f(t, d, "interval", vm->switch_interval) == 0 &&
             put_i64(t, d, "active", g != NULL) == 0;
    /* finished threads first, then the live ones (registry order: oldest first) */
    for (size_t i = 0; ok && g && i < g->nretired; i++) {
        Value st = thread_stats(t, &g->retired[i].st, false, now);
        ok = st && add_thread(t, threads, g->retired[i].name, st) == 0;
        acq += g->retired[i].st.acquisitions;
        held += g->retired[i].st.held_ns;
        MV_XDECREF(st);
    }
    mv_thread *last = vm->threads;
    while (last && last->next_thread) last = last->next_thread;
    for (mv_thread *th = last; ok && th; th = th->prev_thread) {
        /* a live thread's counters change under the GIL, which we hold: the snapshot is exact */
        bool holding = th == t;
        Value st = thread_stats(t, &th->gil, holding, now);
        ok = st && add_thread(t, threads, th->name, st) == 0;
        acq += th->gil.acquisitions;
        held += th->gil.held_ns + (holding ? now - th->gil.taken_at : 0);
        MV_XDECREF(st);
    }
    if (ok) ok = put_i64(t, d, "acquisitions", (int64_t)acq) == 0 && put_f(t, d, "held", (double)held * 1e-9) == 0 &&
                 mv_dict_set_cstr(t, d, "threads", threads) == 0;
    MV_DECREF(threads);
    if (!ok) {
        MV_DECREF(d);
        return NULL;
    }
    return d;
}

void mv_gil_thread_retire(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    if (!g) return;
    if (g->nretired == g->cap_retired) {
        if (g->cap_retired >= 4096) return; /* enough history */
        g->cap_retired = g->cap_retired ? g->cap_retired * 2 : 16;
        g->retired = realloc(g->retired, g->cap_retired * sizeof *g->retired);
        if (!g->retired) abort();
    }
    struct retired *r = &g->retired[g->nretired++];
    r->name = t->name ? mv_newref(t->name) : NULL;
    r->st = t->gil;
    r->st.held_ns += mv_gil_now_ns() - t->gil.taken_at; /* it is about to drop the GIL for good */
}

/* ---- exit and fork --------------------------------------------------------------------------- */

void mv_gil_finalize(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    if (!g) return;
    pthread_mutex_lock(&g->mutex);
    g->finalizer = t;
    pthread_cond_broadcast(&g->cond); /* waiting daemon threads wake up and end */
    pthread_mutex_unlock(&g->mutex);
}

void mv_gil_after_fork_child(mv_thread *t) {
    mv_gil *g = t->vm->gil;
    if (!g) return;
    /* the parent's mutex may have been held by a thread that does not exist here: start over */
    init_sync(g);
    g->locked = 1;
    g->waiters = 0;
    g->holder = g->last_holder = t;
    g->finalizer = NULL;
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
    t->gil.taken_at = mv_gil_now_ns();
}
