/* select.c: the select module: select.select (done with poll(2), still refusing descriptors past
 * FD_SETSIZE as CPython does), poll objects and epoll objects, with CPython 3.11's API and
 * messages.  Every wait runs
 * with the GIL released on a private copy of the descriptor set: other threads may register or
 * close meanwhile.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "socket_internal.h"
#include "procsig.h"
#include "str.h"
#include "tuple.h"

/* The descriptor of an int or of an object with fileno() (CPython's PyObject_AsFileDescriptor). */
static int fd_of(mv_thread *t, Value o, int *fd) {
    Value v;
    if (mv_int_check(o)) {
        v = mv_newref(o);
    } else {
        Value meth = mv_getattr_cstr(t, o, "fileno");
        if (!meth) {
            if (!mv_err_matches(t, &mv_exc_AttributeError)) return -1;
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_TypeError, "argument must be an int, or have a fileno() method.");
            return -1;
        }
        v = mv_call0(t, meth);
        MV_DECREF(meth);
        if (!v) return -1;
        if (!mv_int_check(v)) {
            MV_DECREF(v);
            mv_err_set(t, &mv_exc_TypeError, "fileno() returned a non-integer");
            return -1;
        }
    }
    int64_t x;
    int r = mv_int_as_i64(t, v, &x);
    MV_DECREF(v);
    if (r < 0 || x > INT_MAX || x < INT_MIN) {
        if (r == 0 || mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_OverflowError, x < 0 ? "Python int too small to convert to C int"
                                                       : "Python int too large to convert to C int");
        }
        return -1;
    }
    if (x < 0) {
        mv_err_format(t, &mv_exc_ValueError, "file descriptor cannot be a negative integer (%d)", (int)x);
        return -1;
    }
    *fd = (int)x;
    return 0;
}

/* poll(2) over a private array with the GIL released; EINTR retries with the time left (after
   giving KeyboardInterrupt its chance).  timeout_ms < 0: forever.  Returns poll's count or -1. */
static int poll_released(mv_thread *t, struct pollfd *fds, size_t n, int64_t timeout_ms) {
    int64_t deadline = timeout_ms >= 0 ? mv_gil_now_ns() + timeout_ms * 1000000 : 0;
    for (;;) {
        int ms = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - mv_gil_now_ns();
            if (left < 0) left = 0;
            int64_t lm = (left + 999999) / 1000000;
            ms = lm > INT_MAX ? INT_MAX : (int)lm;
        }
        MV_GIL_RELEASE(t);
        int r = poll(fds, n, ms);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (r >= 0) return r;
        if (err != EINTR) {
            mv_err_errno(t, err, NULL);
            return -1;
        }
        if (mv_signal_check(t) < 0) return -1;
    }
}

/* seconds (a float or int; None = forever) -> milliseconds rounded up, -1 forever */
static int seconds_to_ms(mv_thread *t, Value v, const char *type_msg, bool negative_is_forever, int64_t *ms) {
    if (!v || v == MV_NONE) {
        *ms = -1;
        return 0;
    }
    double d;
    if (mv_float_check(v)) {
        d = mv_float_val(v);
    } else if (mv_int_check(v)) {
        int ovf = 0;
        d = mv_int_as_double(t, v, &ovf);
        if (ovf) {
            mv_err_set(t, &mv_exc_OverflowError, "timeout is too large");
            return -1;
        }
    } else {
        mv_err_set(t, &mv_exc_TypeError, type_msg);
        return -1;
    }
    if (isnan(d)) {
        mv_err_set(t, &mv_exc_ValueError, "Invalid value NaN (not a number)");
        return -1;
    }
    if (d < 0) {
        if (negative_is_forever) {
            *ms = -1;
            return 0;
        }
        mv_err_set(t, &mv_exc_ValueError, "timeout must be non-negative");
        return -1;
    }
    double m = ceil(d * 1000.0);
    if (m > (double)INT_MAX) {
        mv_err_set(t, &mv_exc_OverflowError, "timeout is too large");
        return -1;
    }
    *ms = (int64_t)m;
    return 0;
}

/* ---- select.select --------------------------------------------------------------------------- */

static Value m_select(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "select() takes no keyword arguments");
    if (nargs < 3) return mv_err_format(t, &mv_exc_TypeError, "select expected at least 3 arguments, got %zu", nargs);
    if (nargs > 4) return mv_err_format(t, &mv_exc_TypeError, "select expected at most 4 arguments, got %zu", nargs);
    int64_t ms;
    if (seconds_to_ms(t, nargs > 3 ? args[3] : NULL, "timeout must be a float or None", false, &ms) < 0) return NULL;
    Value lists[3] = {NULL, NULL, NULL};
    Value result = NULL;
    struct pollfd *fds = NULL;
    size_t total = 0;
    for (int i = 0; i < 3; i++) {
        Value it = mv_iter(t, args[i]);
        if (!it) {
            if (mv_err_matches(t, &mv_exc_TypeError)) {
                mv_err_clear(t);
                mv_err_set(t, &mv_exc_TypeError, "arguments 1-3 must be sequences");
            }
            goto done;
        }
        MV_DECREF(it);
        lists[i] = mv_sequence_list(t, args[i]);
        if (!lists[i]) goto done;
        total += mv_list_size(lists[i]);
    }
    fds = mv_malloc((total ? total : 1) * sizeof *fds);
    static const short events[3] = {POLLIN, POLLOUT, POLLPRI};
    size_t k = 0;
    for (int i = 0; i < 3; i++) {
        for (size_t j = 0; j < mv_list_size(lists[i]); j++) {
            int fd;
            if (fd_of(t, mv_list_items(lists[i])[j], &fd) < 0) goto done;
            if (fd >= FD_SETSIZE) {
                mv_err_set(t, &mv_exc_ValueError, "filedescriptor out of range in select()");
                goto done;
            }
            fds[k].fd = fd;
            fds[k].events = events[i];
            fds[k].revents = 0;
            k++;
        }
    }
    if (poll_released(t, fds, total, ms) < 0) goto done;
    /* select(2)'s readiness sets, as Linux computes them from poll bits */
    static const short sets[3] = {POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR,
                                  POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR, POLLPRI};
    for (k = 0; k < total; k++) {
        if (fds[k].revents & POLLNVAL) {
            mv_err_errno(t, EBADF, NULL);
            goto done;
        }
    }
    result = mv_tuple_new(3);
    k = 0;
    for (int i = 0; i < 3; i++) {
        Value out = mv_list_new(0);
        for (size_t j = 0; j < mv_list_size(lists[i]); j++, k++)
            if (fds[k].revents & sets[i]) mv_list_append(out, mv_list_items(lists[i])[j]);
        MV_TUPLE_SET(result, i, out);
    }
done:
    mv_free(fds);
    for (int i = 0; i < 3; i++) MV_XDECREF(lists[i]);
    return result;
}

/* ---- poll objects ---------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    struct pollfd *fds; /* registration order, as CPython's dict keeps it */
    size_t n, cap;
    bool polling;
} pollobj;

extern mv_type mv_poll_type;

static long find_fd(pollobj *p, int fd) {
    for (size_t i = 0; i < p->n; i++)
        if (p->fds[i].fd == fd) return (long)i;
    return -1;
}

/* poll's eventmask: an unsigned short ("value must be positive"); epoll's: an unsigned int
   taken modulo 2**32 as CPython's "I" format does (a bad mask then fails in epoll_ctl). */
static int mask_arg(mv_thread *t, Value v, bool is_epoll, unsigned *out) {
    if (!mv_int_check(v)) {
        if (is_epoll) {
            int64_t x;
            if (mv_index_int64(t, v, &x) < 0) return -1;
            *out = (unsigned)(uint64_t)x;
            return 0;
        }
        mv_err_set(t, &mv_exc_TypeError, "an integer is required");
        return -1;
    }
    if (is_epoll) {
        Value m = mv_int_from_u64(0xffffffffu);
        Value r = mv_binary_op(t, v, m, MV_BINOP_AND);
        MV_DECREF(m);
        if (!r) return -1;
        int64_t x = 0;
        mv_int_as_i64(t, r, &x);
        MV_DECREF(r);
        *out = (unsigned)x;
        return 0;
    }
    if (mv_int_sign(v) < 0) {
        mv_err_set(t, &mv_exc_ValueError, "value must be positive");
        return -1;
    }
    int64_t x;
    if (mv_int_as_i64(t, v, &x) < 0 || x > 0xffff) {
        mv_err_clear(t);
        mv_err_set(t, &mv_exc_OverflowError, "Python int too large for C unsigned short");
        return -1;
    }
    *out = (unsigned)x;
    return 0;
}

static Value poll_register(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pollobj *p = (pollobj *)self;
    if (mv_check_no_kwargs(t, "register", kwnames) < 0 || mv_check_nargs(t, "register", nargs, 1, 2) < 0) return NULL;
    int fd;
    unsigned mask = POLLIN | POLLPRI | POLLOUT;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    if (nargs > 1 && mask_arg(t, args[1], false, &mask) < 0) return NULL;
    long i = find_fd(p, fd);
    if (i < 0) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 8;
            p->fds = mv_realloc(p->fds, p->cap * sizeof *p->fds);
        }
        i = (long)p->n++;
        p->fds[i].fd = fd;
    }
    p->fds[i].events = (short)mask;
    return mv_newref(MV_NONE);
}

static Value poll_modify(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pollobj *p = (pollobj *)self;
    if (mv_check_no_kwargs(t, "modify", kwnames) < 0 || mv_check_nargs(t, "modify", nargs, 2, 2) < 0) return NULL;
    int fd;
    unsigned mask;
    if (fd_of(t, args[0], &fd) < 0 || mask_arg(t, args[1], false, &mask) < 0) return NULL;
    long i = find_fd(p, fd);
    if (i < 0) return mv_err_errno(t, ENOENT, NULL);
    p->fds[i].events = (short)mask;
    return mv_newref(MV_NONE);
}

static Value poll_unregister(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pollobj *p = (pollobj *)self;
    if (mv_check_no_kwargs(t, "unregister", kwnames) < 0 || mv_check_nargs(t, "unregister", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (fd_of(t, args[0], &fd) < 0) return NULL;
    long i = find_fd(p, fd);
    if (i < 0) {
        Value k = mv_int_from_i64(fd);
        mv_err_set_value(t, &mv_exc_KeyError, k);
        MV_DECREF(k);
        return NULL;
    }
    memmove(&p->fds[i], &p->fds[i + 1], (p->n - (size_t)i - 1) * sizeof *p->fds);
    p->n--;
    return mv_newref(MV_NONE);
}

/* poll(timeout=None): milliseconds; None or negative waits forever */
static Value poll_poll(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pollobj *p = (pollobj *)self;
    if (mv_check_no_kwargs(t, "poll", kwnames) < 0 || mv_check_nargs(t, "poll", nargs, 0, 1) < 0) return NULL;
    int64_t ms = -1;
    if (nargs && args[0] != MV_NONE) {
        double d;
        if (mv_float_check(args[0])) d = mv_float_val(args[0]);
        else if (mv_int_check(args[0])) {
            int ovf = 0;
            d = mv_int_as_double(t, args[0], &ovf);
            if (ovf) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C int");
        } else {
            return mv_err_set(t, &mv_exc_TypeError, "timeout must be an integer or None");
        }
        if (isnan(d)) return mv_err_set(t, &mv_exc_ValueError, "Invalid value NaN (not a number)");
        if (d > (double)INT_MAX) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C int");
        ms = d < 0 ? -1 : (int64_t)ceil(d);
    }
    if (p->polling) return mv_err_set(t, &mv_exc_RuntimeError, "concurrent poll() invocation");
    size_t n = p->n;
    struct pollfd *fds = mv_malloc((n ? n : 1) * sizeof *fds);
    memcpy(fds, p->fds, n * sizeof *fds);
    for (size_t i = 0; i < n; i++) fds[i].revents = 0;
    p->polling = true;
    int r = poll_released(t, fds, n, ms);
    p->polling = false;
    if (r < 0) {
        mv_free(fds);
        return NULL;
    }
    Value list = mv_list_new(0);
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents) continue;
        Value fd = mv_int_from_i64(fds[i].fd), ev = mv_int_from_i64((unsigned short)fds[i].revents);
        mv_list_append_steal(list, mv_tuple_pack(2, fd, ev));
        MV_DECREF(fd);
        MV_DECREF(ev);
    }
    mv_free(fds);
    return list;
}

static void poll_dealloc(Value self) { mv_free(((pollobj *)self)->fds); }

static Value poll_repr(mv_thread *t, Value self) { return mv_str_fromf("<select.poll object at %p>", (void *)self); }

static const mv_method_def poll_methods[] = {
    {"register", poll_register, 0, NULL},
    {"modify", poll_modify, 0, NULL},
    {"unregister", poll_unregister, 0, NULL},
    {"poll", poll_poll, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_poll_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "select.poll",
    .basicsize = sizeof(pollobj),
    .base = &mv_object_type,
    .dealloc = poll_dealloc,
    .repr = poll_repr,
    .methods = poll_methods,
};

static Value m_poll(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "select.poll() takes no keyword arguments");
    if (nargs) return mv_err_format(t, &mv_exc_TypeError, "select.poll() takes no arguments (%zu given)", nargs);
    return mv_object_new(&mv_poll_type);
}

/* ---- epoll objects --------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    int epfd; /* -1 once closed */
} epollobj;

extern mv_type mv_epoll_type;
#define EP ((epollobj *)self)

static Value closed_epoll(mv_thread *t) { return mv_err_set(t, &mv_exc_ValueError, "I/O operation on closed epoll object"); }

static Value epoll_wrap(mv_thread *t, mv_type *type, int fd) {
    epollobj *e = (epollobj *)mv_object_new(type);
    e->epfd = fd;
    return (Value)e;
}

/* epoll(sizehint=-1, flags=0) */
static Value epoll_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"sizehint", "flags", NULL};
    Value a[2];
    if (mv_parse_args(t, "epoll", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int sizehint = -1, flags = 0;
    if (a[0] && mv_sock_int_arg(t, a[0], &sizehint) < 0) return NULL;
    if (a[1] && mv_sock_int_arg(t, a[1], &flags) < 0) return NULL;
    if (sizehint == 0 || sizehint < -1) return mv_err_set(t, &mv_exc_ValueError, "negative sizehint");
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return mv_err_errno(t, errno, NULL);
    return epoll_wrap(t, type, fd);
}

static void epoll_dealloc(Value self) {
    if (EP->epfd >= 0) close(EP->epfd);
    EP->epfd = -1;
}

static Value epoll_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    int fd = EP->epfd;
    EP->epfd = -1;
    if (fd >= 0) close(fd); /* CPython 3.11 never reports close()'s error here */
    return mv_newref(MV_NONE);
}

static Value epoll_fileno(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (EP->epfd < 0) return closed_epoll(t);
    return mv_int_from_i64(EP->epfd);
}

static Value epoll_fromfd(mv_thread *t, Value cls, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "fromfd", nargs, 1, 1) < 0) return NULL;
    int fd;
    if (mv_sock_int_arg(t, args[0], &fd) < 0) return NULL;
    return epoll_wrap(t, mv_type_check(cls) ? (mv_type *)cls : &mv_epoll_type, fd);
}

static Value epoll_ctl_common(mv_thread *t, Value self, const char *name, Value *args, size_t nargs, Value kwnames,
                              int op) {
    static const char *const kw2[] = {"fd", "eventmask", NULL};
    static const char *const kw1[] = {"fd", NULL};
    Value a[2];
    size_t req = op == EPOLL_CTL_MOD ? 2 : 1;
    if (mv_parse_args(t, name, args, nargs, kwnames, op == EPOLL_CTL_DEL ? kw1 : kw2, req, a) < 0) return NULL;
    int fd;
    if (fd_of(t, a[0], &fd) < 0) return NULL;
    unsigned mask = EPOLLIN | EPOLLPRI | EPOLLOUT;
    if (op != EPOLL_CTL_DEL && a[1] && mask_arg(t, a[1], true, &mask) < 0) return NULL;
    if (EP->epfd < 0) return closed_epoll(t);
    struct epoll_event ev = {.events = mask, .data.fd = fd};
    if (epoll_ctl(EP->epfd, op, fd, &ev) < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

static Value epoll_register(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return epoll_ctl_common(t, self, "register", args, nargs, kwnames, EPOLL_CTL_ADD);
}
static Value epoll_modify(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return epoll_ctl_common(t, self, "modify", args, nargs, kwnames, EPOLL_CTL_MOD);
}
static Value epoll_unregister(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return epoll_ctl_common(t, self, "unregister", args, nargs, kwnames, EPOLL_CTL_DEL);
}

/* poll(timeout=None, maxevents=-1): seconds; None or negative waits forever */
static Value epoll_poll(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"timeout", "maxevents", NULL};
    Value a[2];
    if (mv_parse_args(t, "poll", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int64_t ms;
    if (seconds_to_ms(t, a[0], "timeout must be an integer or None", true, &ms) < 0) return NULL;
    int maxevents = -1;
    if (a[1] && mv_sock_int_arg(t, a[1], &maxevents) < 0) return NULL;
    if (EP->epfd < 0) return closed_epoll(t);
    if (maxevents == -1) maxevents = FD_SETSIZE - 1;
    else if (maxevents < 1)
        return mv_err_format(t, &mv_exc_ValueError, "maxevents must be greater than 0, got %d", maxevents);
    struct epoll_event *evs = mv_malloc((size_t)maxevents * sizeof *evs);
    int epfd = EP->epfd, n;
    int64_t deadline = ms >= 0 ? mv_gil_now_ns() + ms * 1000000 : 0;
    for (;;) {
        int wait_ms = -1;
        if (ms >= 0) {
            int64_t left = deadline - mv_gil_now_ns();
            wait_ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        MV_GIL_RELEASE(t);
        n = epoll_wait(epfd, evs, maxevents, wait_ms);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (n >= 0) break;
        if (err != EINTR) {
            mv_free(evs);
            return mv_err_errno(t, err, NULL);
        }
        if (mv_signal_check(t) < 0) {
            mv_free(evs);
            return NULL;
        }
    }
    Value list = mv_list_new(0);
    for (int i = 0; i < n; i++) {
        Value fd = mv_int_from_i64(evs[i].data.fd), ev = mv_int_from_u64(evs[i].events);
        mv_list_append_steal(list, mv_tuple_pack(2, fd, ev));
        MV_DECREF(fd);
        MV_DECREF(ev);
    }
    mv_free(evs);
    return list;
}

static Value epoll_enter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (EP->epfd < 0) return closed_epoll(t);
    return mv_newref(self);
}

static Value epoll_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return epoll_close(t, self, NULL, 0, NULL);
}

static Value epoll_get_closed(mv_thread *t, Value self) { return mv_newref(MV_BOOL(EP->epfd < 0)); }

static Value epoll_repr(mv_thread *t, Value self) { return mv_str_fromf("<select.epoll object at %p>", (void *)self); }

static const mv_method_def epoll_methods[] = {
    {"close", epoll_close, 0, NULL},
    {"fileno", epoll_fileno, 0, NULL},
    {"fromfd", epoll_fromfd, MV_METH_CLASS, NULL},
    {"register", epoll_register, 0, NULL},
    {"modify", epoll_modify, 0, NULL},
    {"unregister", epoll_unregister, 0, NULL},
    {"poll", epoll_poll, 0, NULL},
    {"__enter__", epoll_enter, 0, NULL},
    {"__exit__", epoll_exit, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def epoll_getsets[] = {
    {"closed", epoll_get_closed, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_epoll_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "select.epoll",
    .basicsize = sizeof(epollobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "select.epoll(sizehint=-1, flags=0)",
    .tp_new = epoll_new,
    .dealloc = epoll_dealloc,
    .repr = epoll_repr,
    .methods = epoll_methods,
    .getsets = epoll_getsets,
};

/* ---- the module ------------------------------------------------------------------------------ */

static const mv_method_def select_funcs[] = {
    {"select", m_select, 0, NULL},
    {"poll", m_poll, 0, NULL},
    {NULL, NULL, 0, NULL},
};

#define C(name) {#name, (long)(name)}
static const struct {
    const char *name;
    long value;
} select_constants[] = {
    C(POLLIN), C(POLLPRI), C(POLLOUT), C(POLLERR), C(POLLHUP), C(POLLNVAL), C(POLLRDNORM),
    C(POLLRDBAND), C(POLLWRNORM), C(POLLWRBAND), C(POLLMSG), C(POLLRDHUP),
    C(EPOLLIN), C(EPOLLOUT), C(EPOLLPRI), C(EPOLLERR), C(EPOLLHUP), C(EPOLLRDHUP), C(EPOLLONESHOT),
    C(EPOLLEXCLUSIVE), C(EPOLLRDNORM), C(EPOLLRDBAND), C(EPOLLWRNORM), C(EPOLLWRBAND), C(EPOLLMSG),
    C(EPOLL_CLOEXEC), C(PIPE_BUF),
};
#undef C

Value mv_select_module_init(mv_thread *t) {
    if (!(mv_poll_type.flags & MV_TPFLAG_READY) && mv_type_ready(&mv_poll_type) < 0) return NULL;
    if (!(mv_epoll_type.flags & MV_TPFLAG_READY) && mv_type_ready(&mv_epoll_type) < 0) return NULL;
    Value m = mv_module_new(t, "select");
    if (!m) return NULL;
    int ok = mv_module_add_methods(t, m, select_funcs) == 0 && mv_module_add(t, m, "epoll", (Value)&mv_epoll_type) == 0 &&
             mv_module_add(t, m, "error", (Value)&mv_exc_OSError) == 0;
    for (size_t i = 0; ok && i < sizeof select_constants / sizeof select_constants[0]; i++) {
        Value v = mv_int_from_i64(select_constants[i].value);
        ok = mv_module_add(t, m, select_constants[i].name, v) == 0;
        MV_DECREF(v);
    }
    /* EPOLLET is 1 << 31: CPython shows it as the unsigned 2147483648 */
    Value et = mv_int_from_u64((uint32_t)EPOLLET);
    ok = ok && mv_module_add(t, m, "EPOLLET", et) == 0;
    MV_DECREF(et);
    if (!ok) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
