/* _posixsubprocess.c: fork_exec, the C half of subprocess.Popen (stdlib/subprocess.mv).  The child
 * runs only async-signal-safe code between fork and exec (everything it needs is prepared before
 * the fork) and reports a failure (errno, and whether chdir or exec failed) through a close-on-exec
 * pipe, so the parent raises the same OSError CPython raises.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "exc.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

extern char **environ;

enum { STEP_EXEC = 0, STEP_CHDIR = 1, STEP_OTHER = 2 };

/* An argument that is str or bytes, as a C string owned by the Value; NULL + ValueError on an
   embedded NUL, TypeError otherwise. */
static const char *cstring_arg(mv_thread *t, Value v) {
    const char *s;
    size_t n;
    if (mv_str_check(v)) {
        s = mv_str_data(v);
        n = mv_str_size(v);
    } else if (mv_bytes_check(v)) {
        s = (const char *)mv_bytes_data(v);
        n = mv_bytes_size(v);
    } else {
        mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", v);
        return NULL;
    }
    if (strlen(s) != n) {
        mv_err_set(t, &mv_exc_ValueError, "embedded null byte");
        return NULL;
    }
    return s;
}

/* A NULL-terminated array of the C strings of a list or tuple (borrowed from its items). */
static char **cstring_array(mv_thread *t, Value seq) {
    Value *items;
    size_t n;
    if (mv_list_check(seq)) {
        items = mv_list_items(seq);
        n = mv_list_size(seq);
    } else if (mv_tuple_check(seq)) {
        items = mv_tuple_items(seq);
        n = mv_tuple_size(seq);
    } else {
        mv_err_format(t, &mv_exc_TypeError, "expected a list or tuple, not %T", seq);
        return NULL;
    }
    char **arr = mv_malloc((n + 1) * sizeof *arr);
    for (size_t i = 0; i < n; i++) {
        arr[i] = (char *)cstring_arg(t, items[i]);
        if (!arr[i]) {
            mv_free(arr);
            return NULL;
        }
    }
    arr[n] = NULL;
    return arr;
}

static int int_arg(mv_thread *t, Value v, int *out) {
    int64_t i;
    if (mv_int_as_i64(t, v, &i) < 0) return -1;
    *out = (int)i;
    return 0;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* ---- the child (async-signal-safe only) ---------------------------------------------------- */

static void close_range_safe(int lo, int hi, int maxfd) {
    if (lo > hi) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0u) == 0) return;
#endif
    if (hi > maxfd) hi = maxfd;
    for (int fd = lo; fd <= hi; fd++) close(fd);
}

/* Close every fd >= 3 except those in keep (sorted). */
static void close_other_fds(const int *keep, size_t nkeep, int maxfd) {
    int lo = 3;
    for (size_t i = 0; i < nkeep; i++) {
        if (keep[i] < lo) continue;
        close_range_safe(lo, keep[i] - 1, maxfd);
        lo = keep[i] + 1;
    }
    close_range_safe(lo, INT32_MAX, maxfd);
}

static void set_inheritable_safe(int fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

static void report_and_exit(int errpipe_w, int err, int step) {
    unsigned char msg[5] = {(unsigned char)(err >> 24), (unsigned char)(err >> 16), (unsigned char)(err >> 8),
                            (unsigned char)err, (unsigned char)step};
    ssize_t r = write(errpipe_w, msg, sizeof msg);
    (void)r;
    _exit(255);
}

typedef struct {
    char **argv, **envp, **exes;
    const char *cwd;
    int p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite, errpipe_w;
    bool close_fds, restore_signals, new_session;
    int *keep;
    size_t nkeep;
    int maxfd;
} child_spec;

static void child_exec(const child_spec *c) {
    int p2cread = c->p2cread, c2pwrite = c->c2pwrite, errwrite = c->errwrite, ew = c->errpipe_w;
    if (c->p2cwrite != -1) close(c->p2cwrite);
    if (c->c2pread != -1) close(c->c2pread);
    if (c->errread != -1) close(c->errread);
    /* keep the descriptors about to be dup2'ed out of the way of the lower standard ones */
    if (c2pwrite == 0) {
        c2pwrite = dup(c2pwrite);
        if (c2pwrite < 0) report_and_exit(ew, errno, STEP_OTHER);
        set_inheritable_safe(c2pwrite);
    }
    while (errwrite == 0 || errwrite == 1) {
        errwrite = dup(errwrite);
        if (errwrite < 0) report_and_exit(ew, errno, STEP_OTHER);
        set_inheritable_safe(errwrite);
    }
    if (p2cread == 0) set_inheritable_safe(0);
    else if (p2cread != -1 && dup2(p2cread, 0) < 0) report_and_exit(ew, errno, STEP_OTHER);
    if (c2pwrite == 1) set_inheritable_safe(1);
    else if (c2pwrite != -1 && dup2(c2pwrite, 1) < 0) report_and_exit(ew, errno, STEP_OTHER);
    if (errwrite == 2) set_inheritable_safe(2);
    else if (errwrite != -1 && dup2(errwrite, 2) < 0) report_and_exit(ew, errno, STEP_OTHER);
    if (p2cread > 2) close(p2cread);
    if (c2pwrite > 2 && c2pwrite != p2cread) close(c2pwrite);
    if (errwrite > 2 && errwrite != c2pwrite && errwrite != p2cread) close(errwrite);

    if (c->cwd && chdir(c->cwd) < 0) report_and_exit(ew, errno, STEP_CHDIR);
    if (c->restore_signals) {
        signal(SIGPIPE, SIG_DFL);
#ifdef SIGXFSZ
        signal(SIGXFSZ, SIG_DFL);
#endif
    }
    /* the parent's threads may block signals; the program we run must not inherit that */
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (c->new_session) setsid();
    if (c->close_fds) close_other_fds(c->keep, c->nkeep, c->maxfd);

    int saved = 0;
    for (char **e = c->exes; *e; e++) {
        if (c->envp) execve(*e, c->argv, c->envp);
        else execv(*e, c->argv);
        if (errno != ENOENT && errno != ENOTDIR && saved == 0) saved = errno;
    }
    report_and_exit(ew, saved ? saved : errno, STEP_EXEC);
}

/* ---- the parent ----------------------------------------------------------------------------- */

/* fork_exec(args, executable_list, close_fds, pass_fds, cwd, env, p2cread, p2cwrite, c2pread,
             c2pwrite, errread, errwrite, restore_signals, start_new_session, err_filename) -> pid
   args/executable_list/env: lists of str or bytes (env None: inherit); cwd: str, bytes or None.
   Raises the OSError of a failed exec (filename err_filename) or chdir (filename cwd). */
static Value ps_fork_exec(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    (void)self;
    if (mv_check_no_kwargs(t, "fork_exec", kwnames) < 0 || mv_check_nargs(t, "fork_exec", nargs, 15, 15) < 0)
        return NULL;
    child_spec c;
    memset(&c, 0, sizeof c);
    Value result = NULL;
    int fds[6];
    for (int i = 0; i < 6; i++)
        if (int_arg(t, args[6 + i], &fds[i]) < 0) return NULL;
    c.p2cread = fds[0], c.p2cwrite = fds[1], c.c2pread = fds[2], c.c2pwrite = fds[3], c.errread = fds[4];
    c.errwrite = fds[5];
    int b;
    if ((b = mv_truthy(t, args[2])) < 0) return NULL;
    c.close_fds = b;
    if ((b = mv_truthy(t, args[12])) < 0) return NULL;
    c.restore_signals = b;
    if ((b = mv_truthy(t, args[13])) < 0) return NULL;
    c.new_session = b;
    if (args[4] != MV_NONE && !(c.cwd = cstring_arg(t, args[4]))) return NULL;
    if (!(c.argv = cstring_array(t, args[0]))) return NULL;
    if (!(c.exes = cstring_array(t, args[1]))) goto done;
    if (!c.exes[0]) {
        mv_err_set(t, &mv_exc_ValueError, "no executable to run");
        goto done;
    }
    if (args[5] != MV_NONE && !(c.envp = cstring_array(t, args[5]))) goto done;

    Value pass = args[3];
    size_t npass = mv_tuple_check(pass) ? mv_tuple_size(pass) : mv_list_check(pass) ? mv_list_size(pass) : 0;
    Value *passv = mv_tuple_check(pass) ? mv_tuple_items(pass) : mv_list_check(pass) ? mv_list_items(pass) : NULL;
    c.keep = mv_malloc((npass + 1) * sizeof(int));
    for (size_t i = 0; i < npass; i++)
        if (int_arg(t, passv[i], &c.keep[c.nkeep++]) < 0) goto done;

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        mv_err_errno(t, errno, NULL);
        goto done;
    }
    c.errpipe_w = ep[1];
    c.keep[c.nkeep++] = ep[1];
    qsort(c.keep, c.nkeep, sizeof(int), cmp_int);
    struct rlimit rl;
    c.maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536
                  ? (int)rl.rlim_cur : 65536;

    pid_t pid = fork();
    if (pid == 0) child_exec(&c); /* does not return */
    int fork_errno = errno;
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        mv_err_errno(t, fork_errno, NULL);
        goto done;
    }
    unsigned char msg[5];
    size_t got = 0;
    MV_GIL_RELEASE(t);
    while (got < sizeof msg) {
        ssize_t r = read(ep[0], msg + got, sizeof msg - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    MV_GIL_ACQUIRE(t);
    close(ep[0]);
    if (got == 0) {
        result = mv_int_from_i64(pid);
        goto done;
    }
    /* the child failed before or at exec: reap it, then raise its error */
    int status;
    MV_GIL_RELEASE(t);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    MV_GIL_ACQUIRE(t);
    int err = got == sizeof msg ? (msg[0] << 24) | (msg[1] << 16) | (msg[2] << 8) | msg[3] : 0;
    int step = got == sizeof msg ? msg[4] : STEP_OTHER;
    if (err == 0) {
        mv_err_set(t, &mv_exc_RuntimeError, "Exception occurred in preexec_fn.");
        goto done;
    }
    Value fname = step == STEP_EXEC ? args[14] : step == STEP_CHDIR ? args[4] : NULL;
    mv_err_errno(t, err, fname == MV_NONE ? NULL : fname);
done:
    mv_free(c.argv);
    mv_free(c.exes);
    mv_free(c.envp);
    mv_free(c.keep);
    return result;
}

static const mv_method_def ps_methods[] = {
    {"fork_exec", ps_fork_exec, 0, NULL},
    {NULL, NULL, 0, NULL},
};

Value mv__posixsubprocess_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "_posixsubprocess");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, ps_methods) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
