/* _multiprocessing.c: the C half of multiprocessing (fork start method): SemLock, a POSIX
 * semaphore shared between processes (sem_t with pshared=1 in an anonymous MAP_SHARED page made
 * before fork), the pipe and wait helpers the .mv half builds Process, Queue and Pool on, and the
 * module table.  The Connection lives in mp_connection.c, shared memory in mp_shared.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "mp_internal.h"
#include "_thread.h"
#include "procsig.h"
#include "str.h"
#include "thread.h"
#include "tuple.h"

/* ---- shared helpers --------------------------------------------------------------------------- */

/* Incremented in every child after fork: a SemLock's ownership (count, owner thread) belongs to
   the process that acquired it, as CPython's _after_fork() resets it. */
static unsigned fork_gen;
static void mp_after_fork_child(void) { fork_gen++; }

double mv_mp_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int mv_mp_timeout_arg(mv_thread *t, Value v, double *out) {
    if (!v || v == MV_NONE) {
        *out = -1;
        return 0;
    }
    double d;
    if (mv_float_check(v)) {
        d = mv_float_val(v);
    } else if (mv_int_check(v)) {
        if (mv_as_double(t, v, &d) < 0) return -1;
    } else {
        mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", v);
        return -1;
    }
    if (isnan(d) || d < 0) d = 0;
    *out = d;
    return 0;
}

/* poll() on fds with the GIL released; revents filled.  >0 ready, 0 timed out, -1 exception. */
static int poll_nogil(mv_thread *t, struct pollfd *pfd, nfds_t n, double timeout) {
    double deadline = timeout >= 0 ? mv_mp_monotonic() + timeout : 0;
    for (;;) {
        int ms = -1;
        if (timeout >= 0) {
            double left = deadline - mv_mp_monotonic();
            ms = left <= 0 ? 0 : (int)ceil(left * 1000.0 > INT_MAX ? INT_MAX : left * 1000.0);
        }
        int r, err = 0;
        if (ms == 0) {
            r = poll(pfd, n, 0); /* no need to give up the GIL for a non-blocking look */
            err = r < 0 ? errno : 0;
        } else {
            MV_GIL_RELEASE(t);
            r = poll(pfd, n, ms);
            err = r < 0 ? errno : 0;
            MV_GIL_ACQUIRE(t);
        }
        if (r >= 0) return r;
        if (err != EINTR) {
            mv_err_errno(t, err, NULL);
            return -1;
        }
        if (mv_signal_check(t) < 0) return -1;
    }
}

int mv_mp_wait_readable(mv_thread *t, int fd, double timeout) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll_nogil(t, &p, 1, timeout);
}

/* ---- SemLock ---------------------------------------------------------------------------------- */

enum { RECURSIVE_MUTEX = 0, SEMAPHORE = 1 };
#define MP_SEM_VALUE_MAX INT_MAX

typedef struct {
    mv_object ob;
    sem_t *handle;          /* in a MAP_SHARED page of its own, visible to forked children */
    int kind, maxvalue;
    int count;              /* acquisitions by this process (CPython's count) */
    unsigned long last_tid; /* the thread that acquired it last */
    unsigned gen;           /* fork_gen when count was last changed */
} semlockobj;

static inline bool semlock_ismine(semlockobj *s) {
    return s->count > 0 && s->gen == fork_gen && s->last_tid == mv_thread_get_ident();
}
static inline void semlock_sync_gen(semlockobj *s) {
    if (s->gen != fork_gen) {
        s->count = 0;
        s->gen = fork_gen;
    }
}

static Value semlock_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"kind", "value", "maxvalue", "name", "unlink", NULL};
    Value a[5];
    if (mv_parse_args(t, "SemLock", args, nargs, kwnames, kwlist, 3, a) < 0) return NULL;
    int64_t kind, value, maxvalue;
    if (mv_index_int64(t, a[0], &kind) < 0 || mv_index_int64(t, a[1], &value) < 0 ||
        mv_index_int64(t, a[2], &maxvalue) < 0)
        return NULL;
    if (kind != RECURSIVE_MUTEX && kind != SEMAPHORE) return mv_err_set(t, &mv_exc_ValueError, "unrecognized kind");
    if (value < 0 || value > MP_SEM_VALUE_MAX) return mv_err_set(t, &mv_exc_ValueError, "invalid value");
    if (maxvalue > MP_SEM_VALUE_MAX) maxvalue = MP_SEM_VALUE_MAX;
    void *mem = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return mv_err_errno(t, errno, NULL);
    if (sem_init((sem_t *)mem, 1, (unsigned)value) < 0) {
        int err = errno;
        munmap(mem, sizeof(sem_t));
        return mv_err_errno(t, err, NULL);
    }
    semlockobj *s = (semlockobj *)mv_object_new(type);
    s->handle = (sem_t *)mem;
    s->kind = (int)kind;
    s->maxvalue = (int)maxvalue;
    s->gen = fork_gen;
    return (Value)s;
}

static void semlock_dealloc(Value self) {
    semlockobj *s = (semlockobj *)self;
    /* other processes may still use the semaphore: only this process's mapping goes */
    if (s->handle) munmap(s->handle, sizeof(sem_t));
    s->handle = NULL;
}

static Value semlock_acquire(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"block", "timeout", NULL};
    semlockobj *s = (semlockobj *)self;
    Value a[2];
    if (mv_parse_args(t, "acquire", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int block = 1;
    if (a[0] && (block = mv_truthy(t, a[0])) < 0) return NULL;
    double timeout = -1;
    if (a[1] && mv_mp_timeout_arg(t, a[1], &timeout) < 0) return NULL;
    semlock_sync_gen(s);
    if (s->kind == RECURSIVE_MUTEX && semlock_ismine(s)) {
        s->count++;
        return mv_newref(MV_TRUE);
    }
    int r = mv_sem_acquire(t, s->handle, block ? timeout : 0);
    if (r < 0) return NULL;
    if (r) {
        s->count++;
        s->last_tid = mv_thread_get_ident();
    }
    return mv_newref(MV_BOOL(r));
}

static Value semlock_release(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    semlockobj *s = (semlockobj *)self;
    semlock_sync_gen(s);
    if (s->kind == RECURSIVE_MUTEX) {
        if (!semlock_ismine(s))
            return mv_err_set(t, &mv_exc_AssertionError, "attempt to release recursive lock not owned by thread");
        if (s->count > 1) {
            s->count--;
            return mv_newref(MV_NONE);
        }
    } else {
        int sval = 0;
        if (sem_getvalue(s->handle, &sval) < 0) return mv_err_errno(t, errno, NULL);
        if (sval >= s->maxvalue) return mv_err_set(t, &mv_exc_ValueError, "semaphore or lock released too many times");
    }
    if (sem_post(s->handle) < 0) return mv_err_errno(t, errno, NULL);
    s->count--;
    return mv_newref(MV_NONE);
}

static Value semlock_enter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return semlock_acquire(t, self, NULL, 0, NULL);
}

static Value semlock_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return semlock_release(t, self, NULL, 0, NULL);
}

static Value semlock_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    semlockobj *s = (semlockobj *)self;
    semlock_sync_gen(s);
    return mv_int_from_i64(s->count);
}

static Value semlock_is_mine(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(MV_BOOL(semlock_ismine((semlockobj *)self)));
}

static Value semlock_get_value(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    int sval = 0;
    if (sem_getvalue(((semlockobj *)self)->handle, &sval) < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(sval < 0 ? 0 : sval); /* some systems count the waiters as negative */
}

static Value semlock_is_zero(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    int sval = 0;
    if (sem_getvalue(((semlockobj *)self)->handle, &sval) < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_BOOL(sval <= 0));
}

static Value semlock_after_fork(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ((semlockobj *)self)->count = 0;
    return mv_newref(MV_NONE);
}

static Value semlock_get_handle(mv_thread *t, Value self) {
    return mv_int_from_u64((uint64_t)(uintptr_t)((semlockobj *)self)->handle);
}
static Value semlock_get_kind(mv_thread *t, Value self) { return mv_int_from_i64(((semlockobj *)self)->kind); }
static Value semlock_get_maxvalue(mv_thread *t, Value self) {
    return mv_int_from_i64(((semlockobj *)self)->maxvalue);
}
static Value semlock_get_name(mv_thread *t, Value self) { return mv_newref(MV_NONE); }

static const mv_method_def semlock_methods[] = {
    {"acquire", semlock_acquire, 0, NULL},
    {"release", semlock_release, 0, NULL},
    {"__enter__", semlock_enter, 0, NULL},
    {"__exit__", semlock_exit, 0, NULL},
    {"_count", semlock_count, 0, NULL},
    {"_is_mine", semlock_is_mine, 0, NULL},
    {"_get_value", semlock_get_value, 0, NULL},
    {"_is_zero", semlock_is_zero, 0, NULL},
    {"_after_fork", semlock_after_fork, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def semlock_getsets[] = {
    {"handle", semlock_get_handle, NULL},
    {"kind", semlock_get_kind, NULL},
    {"maxvalue", semlock_get_maxvalue, NULL},
    {"name", semlock_get_name, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_mp_semlock_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_multiprocessing.SemLock",
    .basicsize = sizeof(semlockobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Semaphore/Mutex type",
    .tp_new = semlock_new,
    .dealloc = semlock_dealloc,
    .methods = semlock_methods,
    .getsets = semlock_getsets,
};

/* ---- pipes, waiting and children -------------------------------------------------------------- */

/* Queues pass many small frames through one pipe: a bigger kernel buffer (1 MiB where allowed)
   lets producers run ahead of consumers, as CPython's feeder thread buffer does. */
static void grow_pipe(int fd) {
#ifdef F_SETPIPE_SZ
    if (fcntl(fd, F_SETPIPE_SZ, 1 << 20) < 0) (void)fcntl(fd, F_SETPIPE_SZ, 1 << 18);
#else
    (void)fd;
#endif
}

static Value fd_pair(int fds[2]) {
    Value a = MV_FROM_SMALL(fds[0]), b = MV_FROM_SMALL(fds[1]);
    return mv_tuple_pack(2, a, b);
}

/* _pipe(big=False) -> (read_fd, write_fd), close-on-exec. */
static Value mp_pipe(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"big", NULL};
    Value a[1];
    if (mv_parse_args(t, "_pipe", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return mv_err_errno(t, errno, NULL);
    if (a[0] && a[0] != MV_FALSE && a[0] != MV_NONE) grow_pipe(fds[1]);
    return fd_pair(fds);
}

/* _socketpair() -> (fd1, fd2): a connected AF_UNIX stream pair, for duplex Pipe(). */
static Value mp_socketpair(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return mv_err_errno(t, errno, NULL);
    return fd_pair(fds);
}

/* _wait_fds(fds, timeout=None) -> the list of those fds that are readable (or at EOF). */
static Value mp_wait_fds(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fds", "timeout", NULL};
    Value a[2];
    if (mv_parse_args(t, "_wait_fds", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    double timeout;
    if (mv_mp_timeout_arg(t, a[1], &timeout) < 0) return NULL;
    Value seq = mv_sequence_list(t, a[0]);
    if (!seq) return NULL;
    size_t n = mv_list_size(seq);
    struct pollfd stackp[64];
    struct pollfd *p = n <= 64 ? stackp : mv_malloc(n * sizeof *p);
    Value res = NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t fd;
        if (mv_index_int64(t, mv_list_items(seq)[i], &fd) < 0) goto done;
        p[i].fd = (int)fd;
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    if (poll_nogil(t, p, n, timeout) < 0) goto done;
    res = mv_list_new(0);
    for (size_t i = 0; i < n; i++)
        if (p[i].revents) mv_list_append(res, MV_FROM_SMALL(p[i].fd));
done:
    if (p != stackp) mv_free(p);
    MV_DECREF(seq);
    return res;
}

/* _waitpid(pid, block) -> the exit code (-N for a signal) or None if still running (block false). */
static Value mp_waitpid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_waitpid", nargs, 2, 2) < 0) return NULL;
    int64_t pid;
    if (mv_index_int64(t, args[0], &pid) < 0) return NULL;
    int block = mv_truthy(t, args[1]);
    if (block < 0) return NULL;
    for (;;) {
        int status = 0, err = 0;
        pid_t r;
        if (block) {
            MV_GIL_RELEASE(t);
            r = waitpid((pid_t)pid, &status, 0);
            err = r < 0 ? errno : 0;
            MV_GIL_ACQUIRE(t);
        } else {
            r = waitpid((pid_t)pid, &status, WNOHANG);
            err = r < 0 ? errno : 0;
        }
        if (r == 0) return mv_newref(MV_NONE);
        if (r > 0) {
            if (WIFSIGNALED(status)) return mv_int_from_i64(-WTERMSIG(status));
            return mv_int_from_i64(WEXITSTATUS(status));
        }
        if (err != EINTR) return mv_err_errno(t, err, NULL);
        if (mv_signal_check(t) < 0) return NULL;
    }
}

/* _close_fds(fds): close each, ignoring errors (a forked child dropping its parent's ends). */
static Value mp_close_fds(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_close_fds", nargs, 1, 1) < 0) return NULL;
    Value seq = mv_sequence_list(t, args[0]);
    if (!seq) return NULL;
    for (size_t i = 0; i < mv_list_size(seq); i++) {
        int64_t fd;
        if (mv_index_int64(t, mv_list_items(seq)[i], &fd) < 0) {
            MV_DECREF(seq);
            return NULL;
        }
        close((int)fd);
    }
    MV_DECREF(seq);
    return mv_newref(MV_NONE);
}

static Value mp_cpu_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return mv_int_from_i64(n < 1 ? 1 : n);
}

static const mv_method_def mp_methods[] = {
    {"_pipe", mp_pipe, 0, NULL},
    {"_socketpair", mp_socketpair, 0, NULL},
    {"_wait_fds", mp_wait_fds, 0, NULL},
    {"_waitpid", mp_waitpid, 0, NULL},
    {"_close_fds", mp_close_fds, 0, NULL},
    {"_cpu_count", mp_cpu_count, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int ready(mv_type *tp) {
    if (tp->flags & MV_TPFLAG_READY) return 0;
    return mv_type_ready(tp);
}

Value mv__multiprocessing_module_init(mv_thread *t) {
    static bool atfork_done;
    if (!atfork_done) {
        atfork_done = true;
        pthread_atfork(NULL, NULL, mp_after_fork_child);
    }
    if (ready(&mv_mp_semlock_type) < 0 || ready(&mv_mp_connection_type) < 0 || ready(&mv_mp_shared_type) < 0)
        return NULL;
    Value m = mv_module_new(t, "_multiprocessing");
    if (!m) return NULL;
    Value vmax = mv_int_from_i64(MP_SEM_VALUE_MAX);
    int ok = mv_module_add_methods(t, m, mp_methods) == 0 &&
             mv_module_add(t, m, "SemLock", (Value)&mv_mp_semlock_type) == 0 &&
             mv_module_add(t, m, "Connection", (Value)&mv_mp_connection_type) == 0 &&
             mv_module_add(t, m, "SharedArray", (Value)&mv_mp_shared_type) == 0 &&
             mv_module_add(t, m, "SEM_VALUE_MAX", vmax) == 0 &&
             mv_dict_set_cstr(t, mv_mp_semlock_type.dict, "SEM_VALUE_MAX", vmax) == 0;
    mv_type_modified(&mv_mp_semlock_type);
    MV_DECREF(vmax);
    if (!ok) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
