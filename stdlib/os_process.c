/* os_process.c: the process half of the os module: fork (with register_at_fork callbacks and
 * threading's after-fork reset), wait/waitpid and the W* status macros, _exit, the exec family,
 * kill, process ids, and the raw file-descriptor functions (open, read, write, pipe, dup...).
 * Calls that may block release the GIL; EINTR runs pending signal handlers and retries (PEP 475).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "procsig.h"
#include "str.h"
#include "tuple.h"

extern char **environ;

/* ---- argument helpers ----------------------------------------------------------------------- */

static int int_arg(mv_thread *t, Value v, int *out) {
    int64_t n;
    if (mv_index_int64(t, v, &n) < 0) return -1;
    if (n > INT_MAX) {
        mv_err_set(t, &mv_exc_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    if (n < INT_MIN) {
        mv_err_set(t, &mv_exc_OverflowError, "signed integer is less than minimum");
        return -1;
    }
    *out = (int)n;
    return 0;
}

static const char *path_of(mv_thread *t, Value v, const char *fname, const char *argname) {
    if (mv_str_check(v)) return mv_str_data(v);
    if (mv_bytes_check(v)) return (const char *)mv_bytes_data(v);
    mv_err_format(t, &mv_exc_TypeError, "%s: %s should be string, bytes or os.PathLike, not %T", fname, argname, v);
    return NULL;
}

static Value none(void) { return mv_newref(MV_NONE); }

/* ---- fork ------------------------------------------------------------------------------------ */

/* register_at_fork's callbacks, in registration order (process-wide, as fork itself) */
static Value at_before, at_child, at_parent;

static void run_callbacks(mv_thread *t, Value list, bool reverse) {
    if (!list) return;
    /* a callback may register more: iterate over a snapshot */
    Value snap = mv_sequence_list(t, list);
    if (!snap) {
        mv_err_clear(t);
        return;
    }
    size_t n = mv_list_size(snap);
    for (size_t k = 0; k < n; k++) {
        Value f = mv_list_items(snap)[reverse ? n - 1 - k : k];
        Value r = mv_call0(t, f);
        if (r) {
            MV_DECREF(r);
            continue;
        }
        mv_err_write_unraisable(t, "Exception ignored in:", f); /* report and go on */
    }
    MV_DECREF(snap);
}

static Value os_register_at_fork(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"$before", "$after_in_child", "$after_in_parent", NULL};
    Value a[3];
    if (mv_parse_args(t, "register_at_fork", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    if (!a[0] && !a[1] && !a[2]) return mv_err_set(t, &mv_exc_TypeError, "At least one argument is required.");
    static const char *const names[] = {"before", "after_in_child", "after_in_parent"};
    for (int i = 0; i < 3; i++)
        if (a[i] && !mv_callable(a[i]))
            return mv_err_format(t, &mv_exc_TypeError, "'%s' must be callable, not %T", names[i], a[i]);
    Value *lists[] = {&at_before, &at_child, &at_parent};
    for (int i = 0; i < 3; i++) {
        if (!a[i]) continue;
        if (!*lists[i]) *lists[i] = mv_list_new(0);
        mv_list_append_steal(*lists[i], mv_newref(a[i]));
    }
    return none();
}

/* The child's interpreter-level reset: pending signals, then threading forgets the parent's
   threads (CPython registers threading._after_fork as an after_in_child callback on import). */
static void after_fork_child(mv_thread *t) {
    mv_signal_after_fork_child();
    Value th = mv_dict_get_cstr(t, t->vm->modules, "threading");
    if (th) {
        MV_INCREF(th);
        Value r = mv_call_method(t, th, "_after_fork", NULL, 0);
        if (!r) mv_err_write_unraisable(t, "Exception ignored in: threading._after_fork", NULL);
        MV_XDECREF(r);
        MV_DECREF(th);
    } else if (mv_err_occurred(t)) {
        mv_err_clear(t);
    }
    run_callbacks(t, at_child, false);
}

static Value os_fork(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "fork", nargs, 0, 0) < 0) return NULL;
    run_callbacks(t, at_before, true);
    /* As CPython, buffered file objects are NOT flushed: text still in sys.stdout's buffer is
       written by both processes.  The GIL stays held across fork(): the other threads are parked
       outside the interpreter, and thread.c's atfork handler gives the child a fresh GIL. */
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        run_callbacks(t, at_parent, false);
        return mv_err_errno(t, err, NULL);
    }
    if (pid == 0) after_fork_child(t);
    else run_callbacks(t, at_parent, false);
    return mv_int_from_i64(pid);
}

/* ---- wait ------------------------------------------------------------------------------------ */

static Value wait_result(pid_t pid, int status) {
    Value p = mv_int_from_i64(pid);
    Value r = mv_tuple_pack(2, p, MV_FROM_SMALL(status));
    MV_DECREF(p);
    return r;
}

static Value do_waitpid(mv_thread *t, pid_t pid, int options) {
    int status = 0;
    pid_t r;
    for (;;) {
        MV_GIL_RELEASE(t);
        r = waitpid(pid, &status, options);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (r >= 0) break;
        if (err != EINTR) return mv_err_errno(t, err, NULL);
        if (mv_signal_check(t) < 0) return NULL;
    }
    return wait_result(r, status);
}

static Value os_waitpid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/pid", "/options", NULL};
    Value a[2];
    if (mv_parse_args(t, "waitpid", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    int64_t pid;
    int options;
    if (mv_index_int64(t, a[0], &pid) < 0 || int_arg(t, a[1], &options) < 0) return NULL;
    return do_waitpid(t, (pid_t)pid, options);
}

static Value os_wait(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "wait", nargs, 0, 0) < 0) return NULL;
    return do_waitpid(t, -1, 0);
}

/* os.WIFEXITED(status) and friends: one positional-or-keyword `status` */
static int status_arg(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames, int *st) {
    static const char *const kwlist[] = {"status", NULL};
    Value a[1];
    if (mv_parse_args(t, fname, args, nargs, kwnames, kwlist, 1, a) < 0) return -1;
    return int_arg(t, a[0], st);
}

#define STATUS_FN(NAME, EXPR, BOOL)                                                                \
    static Value os_##NAME(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {   \
        int status;                                                                                \
        if (status_arg(t, #NAME, args, nargs, kwnames, &status) < 0) return NULL;                  \
        return BOOL ? mv_newref(MV_BOOL(EXPR)) : mv_int_from_i64(EXPR);                           \
    }
STATUS_FN(WIFEXITED, WIFEXITED(status), 1)
STATUS_FN(WEXITSTATUS, WEXITSTATUS(status), 0)
STATUS_FN(WIFSIGNALED, WIFSIGNALED(status), 1)
STATUS_FN(WTERMSIG, WTERMSIG(status), 0)
STATUS_FN(WIFSTOPPED, WIFSTOPPED(status), 1)
STATUS_FN(WSTOPSIG, WSTOPSIG(status), 0)
STATUS_FN(WIFCONTINUED, WIFCONTINUED(status), 1)
STATUS_FN(WCOREDUMP, WCOREDUMP(status), 1)

static Value os_waitstatus_to_exitcode(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    int status;
    if (status_arg(t, "waitstatus_to_exitcode", args, nargs, kwnames, &status) < 0) return NULL;
    if (WIFEXITED(status)) return mv_int_from_i64(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return mv_int_from_i64(-WTERMSIG(status));
    if (WIFSTOPPED(status))
        return mv_err_format(t, &mv_exc_ValueError, "process stopped by delivery of signal %d", WSTOPSIG(status));
    return mv_err_format(t, &mv_exc_ValueError, "invalid wait status: %d", status);
}

static Value os__exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"status", NULL};
    Value a[1];
    if (mv_parse_args(t, "_exit", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int code;
    if (int_arg(t, a[0], &code) < 0) return NULL;
    _exit(code);
}

/* ---- exec ------------------------------------------------------------------------------------ */

static void free_strv(char **v) {
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

static char *fs_string(mv_thread *t, Value v) {
    const char *s = NULL;
    if (mv_str_check(v)) s = mv_str_data(v);
    else if (mv_bytes_check(v)) s = (const char *)mv_bytes_data(v);
    if (!s) {
        mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", v);
        return NULL;
    }
    return strdup(s);
}

/* argv (a list or tuple) -> NULL-terminated strings, with CPython's checks and messages */
static char **argv_list(mv_thread *t, Value argv, const char *fname) {
    if (!mv_list_check(argv) && !mv_tuple_check(argv)) {
        mv_err_format(t, &mv_exc_TypeError, "%s() arg 2 must be a tuple or list", fname);
        return NULL;
    }
    size_t n = mv_list_check(argv) ? mv_list_size(argv) : mv_tuple_size(argv);
    Value *items = mv_list_check(argv) ? mv_list_items(argv) : mv_tuple_items(argv);
    if (n == 0) {
        mv_err_format(t, &mv_exc_ValueError, "%s() arg 2 must not be empty", fname);
        return NULL;
    }
    char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] = fs_string(t, items[i]))) {
            free_strv(v);
            return NULL;
        }
    }
    if (!v[0][0]) {
        free_strv(v);
        mv_err_format(t, &mv_exc_ValueError, "%s() arg 2 first element cannot be empty", fname);
        return NULL;
    }
    return v;
}

/* a mapping -> "KEY=VALUE" strings */
static char **env_list(mv_thread *t, Value env, const char *fname) {
    Value items = mv_call_method(t, env, "items", NULL, 0);
    if (!items) {
        mv_err_clear(t);
        mv_err_format(t, &mv_exc_TypeError, "%s: environment must be a mapping object", fname);
        return NULL;
    }
    Value l = mv_sequence_list(t, items);
    MV_DECREF(items);
    if (!l) return NULL;
    size_t n = mv_list_size(l);
    char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        Value kv = mv_list_items(l)[i];
        char *k = NULL, *val = NULL;
        if (!mv_tuple_check(kv) || mv_tuple_size(kv) != 2) {
            mv_err_set(t, &mv_exc_ValueError, "env.items() or env.values() is not a list");
            goto fail;
        }
        if (!(k = fs_string(t, mv_tuple_items(kv)[0])) || !(val = fs_string(t, mv_tuple_items(kv)[1]))) {
            free(k);
            goto fail;
        }
        if (!k[0] || strchr(k + 1, '=')) {
            free(k);
            free(val);
            mv_err_set(t, &mv_exc_ValueError, "illegal environment variable name");
            goto fail;
        }
        size_t len = strlen(k) + strlen(val) + 2;
        v[i] = malloc(len);
        snprintf(v[i], len, "%s=%s", k, val);
        free(k);
        free(val);
    }
    MV_DECREF(l);
    return v;
fail:
    MV_DECREF(l);
    free_strv(v);
    return NULL;
}

static Value os_execv(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "execv", nargs, 2, 2) < 0) return NULL;
    const char *path = path_of(t, args[0], "execv", "path");
    if (!path) return NULL;
    char **argv = argv_list(t, args[1], "execv");
    if (!argv) return NULL;
    execv(path, argv);
    int err = errno;
    free_strv(argv);
    return mv_err_errno(t, err, NULL);
}

static Value os_execve(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"path", "argv", "env", NULL};
    Value a[3];
    if (mv_parse_args(t, "execve", args, nargs, kwnames, kwlist, 3, a) < 0) return NULL;
    const char *path = path_of(t, a[0], "execve", "path");
    if (!path) return NULL;
    char **argv = argv_list(t, a[1], "execve");
    if (!argv) return NULL;
    char **envp = env_list(t, a[2], "execve");
    if (!envp) {
        free_strv(argv);
        return NULL;
    }
    execve(path, argv, envp);
    int err = errno;
    free_strv(argv);
    free_strv(envp);
    return mv_err_errno(t, err, NULL);
}

/* os.py's _execvpe: try each directory of PATH; report the first error that is not "not
   there" (ENOENT, ENOTDIR), else the last one. */
static Value execvpe_impl(mv_thread *t, Value file, Value argvv, Value env, const char *fname) {
    char *f = fs_string(t, file);
    if (!f) return NULL;
    char **argv = argv_list(t, argvv, "execv");
    if (!argv) {
        free(f);
        return NULL;
    }
    char **envp = NULL;
    if (env && !(envp = env_list(t, env, "execve"))) {
        free(f);
        free_strv(argv);
        return NULL;
    }
    char **use_env = envp ? envp : environ;
    int saved = 0, last = ENOENT;
    if (strchr(f, '/')) {
        execve(f, argv, use_env);
        last = errno;
    } else {
        const char *path = NULL;
        for (char **e = use_env; e && *e; e++)
            if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
        if (!path) path = "/bin:/usr/bin";
        const char *p = path;
        for (;;) {
            const char *colon = strchr(p, ':');
            size_t dl = colon ? (size_t)(colon - p) : strlen(p);
            size_t len = dl + strlen(f) + 2;
            char *full = malloc(len);
            if (dl) snprintf(full, len, "%.*s/%s", (int)dl, p, f);
            else snprintf(full, len, "%s", f);
            execve(full, argv, use_env);
            int err = errno;
            free(full);
            last = err;
            if (err != ENOENT && err != ENOTDIR && !saved) saved = err;
            if (!colon) break;
            p = colon + 1;
        }
    }
    free(f);
    free_strv(argv);
    free_strv(envp);
    (void)fname;
    return mv_err_errno(t, saved ? saved : last, NULL);
}

static Value os_execvp(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"file", "args", NULL};
    Value a[2];
    if (mv_parse_args(t, "execvp", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    return execvpe_impl(t, a[0], a[1], NULL, "execvp");
}

static Value os_execvpe(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"file", "args", "env", NULL};
    Value a[3];
    if (mv_parse_args(t, "execvpe", args, nargs, kwnames, kwlist, 3, a) < 0) return NULL;
    return execvpe_impl(t, a[0], a[1], a[2], "execvpe");
}

/* ---- signals and ids ------------------------------------------------------------------------- */

static Value os_kill(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "kill", nargs, 2, 2) < 0) return NULL;
    int64_t pid;
    int sig;
    if (mv_index_int64(t, args[0], &pid) < 0 || int_arg(t, args[1], &sig) < 0) return NULL;
    if (kill((pid_t)pid, sig) < 0) return mv_err_errno(t, errno, NULL);
    /* a signal sent to ourselves is handled now, as CPython (its handler runs before kill returns) */
    if (mv_signal_run_pending(t) < 0) return NULL;
    return none();
}

static Value os_killpg(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "killpg", nargs, 2, 2) < 0) return NULL;
    int64_t pg;
    int sig;
    if (mv_index_int64(t, args[0], &pg) < 0 || int_arg(t, args[1], &sig) < 0) return NULL;
    if (killpg((pid_t)pg, sig) < 0) return mv_err_errno(t, errno, NULL);
    if (mv_signal_run_pending(t) < 0) return NULL;
    return none();
}

static Value os_getpgid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getpgid", nargs, 1, 1) < 0) return NULL;
    int64_t pid;
    if (mv_index_int64(t, args[0], &pid) < 0) return NULL;
    pid_t r = getpgid((pid_t)pid);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(r);
}

static Value os_setpgid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setpgid", nargs, 2, 2) < 0) return NULL;
    int64_t pid, pg;
    if (mv_index_int64(t, args[0], &pid) < 0 || mv_index_int64(t, args[1], &pg) < 0) return NULL;
    if (setpgid((pid_t)pid, (pid_t)pg) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_getpgrp(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(getpgrp());
}

static Value os_setsid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (setsid() < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_getsid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getsid", nargs, 1, 1) < 0) return NULL;
    int64_t pid;
    if (mv_index_int64(t, args[0], &pid) < 0) return NULL;
    pid_t r = getsid((pid_t)pid);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(r);
}

static Value os_getuid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_int_from_i64(getuid()); }
static Value os_geteuid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_int_from_i64(geteuid()); }
static Value os_getgid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_int_from_i64(getgid()); }
static Value os_getegid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_int_from_i64(getegid()); }

static Value os_umask(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "umask", nargs, 1, 1) < 0) return NULL;
    int m;
    if (int_arg(t, args[0], &m) < 0) return NULL;
    return mv_int_from_i64(umask((mode_t)m));
}

/* ---- file descriptors ------------------------------------------------------------------------ */

static int fd_of(mv_thread *t, Value v, int *fd) { return int_arg(t, v, fd); }

static Value os_open(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"path", "flags", "mode", "$dir_fd", NULL};
    Value a[4];
    if (mv_parse_args(t, "open", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    const char *p = path_of(t, a[0], "open", "path");
    if (!p) return NULL;
    int flags, mode = 0777, dirfd = AT_FDCWD;
    if (int_arg(t, a[1], &flags) < 0 || (a[2] && int_arg(t, a[2], &mode) < 0)) return NULL;
    if (a[3] && a[3] != MV_NONE && int_arg(t, a[3], &dirfd) < 0) return NULL;
    int fd;
    for (;;) {
        MV_GIL_RELEASE(t); /* a FIFO's open blocks until the other end opens */
        fd = openat(dirfd, p, flags | O_CLOEXEC, (mode_t)mode);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (fd >= 0) break;
        if (err != EINTR) return mv_err_errno(t, err, a[0]);
        if (mv_signal_check(t) < 0) return NULL;
    }
    return mv_int_from_i64(fd);
}

static Value os_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fd", NULL};
    Value a[1];
    if (mv_parse_args(t, "close", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int fd;
    if (fd_of(t, a[0], &fd) < 0) return NULL;
    /* EINTR from close() still closed the descriptor on Linux: never retry */
    if (close(fd) < 0 && errno != EINTR) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_closerange(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "closerange", nargs, 2, 2) < 0) return NULL;
    int lo, hi;
    if (fd_of(t, args[0], &lo) < 0 || fd_of(t, args[1], &hi) < 0) return NULL;
    for (int fd = lo < 0 ? 0 : lo; fd < hi; fd++) close(fd);
    return none();
}

static Value os_read(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "read", nargs, 2, 2) < 0) return NULL;
    int fd;
    int64_t n;
    if (fd_of(t, args[0], &fd) < 0 || mv_index_int64(t, args[1], &n) < 0) return NULL;
    if (n < 0) return mv_err_errno(t, EINVAL, NULL);
    char *buf = mv_malloc((size_t)n + 1);
    ssize_t r;
    for (;;) {
        MV_GIL_RELEASE(t);
        r = read(fd, buf, (size_t)n);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (r >= 0) break;
        if (err != EINTR) {
            mv_free(buf);
            return mv_err_errno(t, err, NULL);
        }
        if (mv_signal_check(t) < 0) {
            mv_free(buf);
            return NULL;
        }
    }
    Value b = mv_bytes_new(buf, (size_t)r);
    mv_free(buf);
    return b;
}

static Value os_write(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "write", nargs, 2, 2) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    const unsigned char *data;
    size_t size;
    if (!mv_bytes_like(args[1], &data, &size))
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", args[1]);
    /* copy: with the GIL released another thread may resize a bytearray */
    char *copy = NULL;
    if (mv_gil_active(t->vm)) {
        copy = mv_malloc(size + 1);
        memcpy(copy, data, size);
        data = (const unsigned char *)copy;
    }
    ssize_t r;
    for (;;) {
        MV_GIL_RELEASE(t);
        r = write(fd, data, size);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (r >= 0) break;
        if (err != EINTR) {
            mv_free(copy);
            return mv_err_errno(t, err, NULL);
        }
        if (mv_signal_check(t) < 0) {
            mv_free(copy);
            return NULL;
        }
    }
    mv_free(copy);
    return mv_int_from_i64(r);
}

static Value os_pipe(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "pipe", nargs, 0, 0) < 0) return NULL;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return mv_err_errno(t, errno, NULL);
    return mv_tuple_pack(2, MV_FROM_SMALL(fds[0]), MV_FROM_SMALL(fds[1]));
}

static Value os_pipe2(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "pipe2", nargs, 1, 1) < 0) return NULL;
    int flags, fds[2];
    if (int_arg(t, args[0], &flags) < 0) return NULL;
    if (pipe2(fds, flags) < 0) return mv_err_errno(t, errno, NULL);
    return mv_tuple_pack(2, MV_FROM_SMALL(fds[0]), MV_FROM_SMALL(fds[1]));
}

static Value os_dup(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "dup", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(r);
}

static Value os_dup2(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fd", "fd2", "inheritable", NULL};
    Value a[3];
    if (mv_parse_args(t, "dup2", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    int fd, fd2;
    if (fd_of(t, a[0], &fd) < 0 || fd_of(t, a[1], &fd2) < 0) return NULL;
    int inh = a[2] ? mv_truthy(t, a[2]) : 1;
    if (inh < 0) return NULL;
    int r = fd == fd2 ? (fcntl(fd, F_GETFD) < 0 ? -1 : fd) : dup3(fd, fd2, inh ? 0 : O_CLOEXEC);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(r);
}

static Value os_lseek(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "lseek", nargs, 3, 3) < 0) return NULL;
    int fd, how;
    int64_t pos;
    if (fd_of(t, args[0], &fd) < 0 || mv_index_int64(t, args[1], &pos) < 0 || int_arg(t, args[2], &how) < 0)
        return NULL;
    off_t r = lseek(fd, (off_t)pos, how);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(r);
}

static Value os_fsync(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "fsync", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    MV_GIL_RELEASE(t);
    int r = fsync(fd);
    int err = errno;
    MV_GIL_ACQUIRE(t);
    if (r < 0) return mv_err_errno(t, err, NULL);
    return none();
}

static Value os_ftruncate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "ftruncate", nargs, 2, 2) < 0) return NULL;
    int fd;
    int64_t len;
    if (fd_of(t, args[0], &fd) < 0 || mv_index_int64(t, args[1], &len) < 0) return NULL;
    if (ftruncate(fd, (off_t)len) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_isatty(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "isatty", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    return mv_newref(MV_BOOL(isatty(fd)));
}

static Value os_get_blocking(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "get_blocking", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_BOOL(!(fl & O_NONBLOCK)));
}

static Value os_set_blocking(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_blocking", nargs, 2, 2) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    int b = mv_truthy(t, args[1]);
    if (b < 0) return NULL;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, b ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_get_inheritable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "get_inheritable", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_BOOL(!(fl & FD_CLOEXEC)));
}

static Value os_set_inheritable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "set_inheritable", nargs, 2, 2) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    int b = mv_truthy(t, args[1]);
    if (b < 0) return NULL;
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, b ? fl & ~FD_CLOEXEC : fl | FD_CLOEXEC) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static const mv_method_def proc_methods[] = {
    {"fork", os_fork, 0, NULL},
    {"register_at_fork", os_register_at_fork, 0, NULL},
    {"waitpid", os_waitpid, 0, NULL},
    {"wait", os_wait, 0, NULL},
    {"WIFEXITED", os_WIFEXITED, 0, NULL},
    {"WEXITSTATUS", os_WEXITSTATUS, 0, NULL},
    {"WIFSIGNALED", os_WIFSIGNALED, 0, NULL},
    {"WTERMSIG", os_WTERMSIG, 0, NULL},
    {"WIFSTOPPED", os_WIFSTOPPED, 0, NULL},
    {"WSTOPSIG", os_WSTOPSIG, 0, NULL},
    {"WIFCONTINUED", os_WIFCONTINUED, 0, NULL},
    {"WCOREDUMP", os_WCOREDUMP, 0, NULL},
    {"waitstatus_to_exitcode", os_waitstatus_to_exitcode, 0, NULL},
    {"_exit", os__exit, 0, NULL},
    {"execv", os_execv, 0, NULL},
    {"execve", os_execve, 0, NULL},
    {"execvp", os_execvp, 0, NULL},
    {"execvpe", os_execvpe, 0, NULL},
    {"kill", os_kill, 0, NULL},
    {"killpg", os_killpg, 0, NULL},
    {"getpgid", os_getpgid, 0, NULL},
    {"setpgid", os_setpgid, 0, NULL},
    {"getpgrp", os_getpgrp, MV_METH_NOARGS, NULL},
    {"setsid", os_setsid, MV_METH_NOARGS, NULL},
    {"getsid", os_getsid, 0, NULL},
    {"getuid", os_getuid, MV_METH_NOARGS, NULL},
    {"geteuid", os_geteuid, MV_METH_NOARGS, NULL},
    {"getgid", os_getgid, MV_METH_NOARGS, NULL},
    {"getegid", os_getegid, MV_METH_NOARGS, NULL},
    {"umask", os_umask, 0, NULL},
    {"open", os_open, 0, NULL},
    {"close", os_close, 0, NULL},
    {"closerange", os_closerange, 0, NULL},
    {"read", os_read, 0, NULL},
    {"write", os_write, 0, NULL},
    {"pipe", os_pipe, 0, NULL},
    {"pipe2", os_pipe2, 0, NULL},
    {"dup", os_dup, 0, NULL},
    {"dup2", os_dup2, 0, NULL},
    {"lseek", os_lseek, 0, NULL},
    {"fsync", os_fsync, 0, NULL},
    {"ftruncate", os_ftruncate, 0, NULL},
    {"isatty", os_isatty, 0, NULL},
    {"get_blocking", os_get_blocking, 0, NULL},
    {"set_blocking", os_set_blocking, 0, NULL},
    {"get_inheritable", os_get_inheritable, 0, NULL},
    {"set_inheritable", os_set_inheritable, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const struct {
    const char *name;
    long value;
} proc_consts[] = {
    {"WNOHANG", WNOHANG}, {"WUNTRACED", WUNTRACED}, {"WCONTINUED", WCONTINUED},
    {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR}, {"O_CREAT", O_CREAT},
    {"O_TRUNC", O_TRUNC}, {"O_APPEND", O_APPEND}, {"O_EXCL", O_EXCL}, {"O_NONBLOCK", O_NONBLOCK},
    {"O_NDELAY", O_NDELAY}, {"O_CLOEXEC", O_CLOEXEC}, {"O_NOCTTY", O_NOCTTY}, {"O_SYNC", O_SYNC},
    {"O_DSYNC", O_DSYNC}, {"O_DIRECTORY", O_DIRECTORY}, {"O_NOFOLLOW", O_NOFOLLOW},
    {"O_ACCMODE", O_ACCMODE}, {"O_ASYNC", O_ASYNC}, {"O_TMPFILE", O_TMPFILE},
    {"SEEK_SET", SEEK_SET}, {"SEEK_CUR", SEEK_CUR}, {"SEEK_END", SEEK_END},
    {"F_OK", F_OK}, {"R_OK", R_OK}, {"W_OK", W_OK}, {"X_OK", X_OK},
    {"EX_OK", 0}, {"P_PID", P_PID}, {"P_PGID", P_PGID}, {"P_ALL", P_ALL},
};

int mv_os_process_add(mv_thread *t, Value m) {
    if (mv_module_add_methods_as(t, m, proc_methods, "posix") < 0) return -1;
    for (size_t i = 0; i < sizeof proc_consts / sizeof proc_consts[0]; i++) {
        Value v = mv_int_from_i64(proc_consts[i].value);
        int r = mv_module_add(t, m, proc_consts[i].name, v);
        MV_DECREF(v);
        if (r < 0) return -1;
    }
    return 0;
}
