/* socket.c: the socket object of the socket module (CPython's socket.socket over _socket.socket):
 * creation, bind/listen/accept/connect, send/recv and friends, timeouts, options, makefile.
 * Every call that may block runs with the GIL released; timeouts wait in poll() (mv_sock_wait),
 * the fd being O_NONBLOCK whenever a timeout is set, as CPython does it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "file.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "modules.h"
#include "procsig.h"
#include "socket_internal.h"
#include "str.h"
#include "tuple.h"

double mv_socket_default_timeout = -1;

#define SELF ((mv_sockobj *)self)
#define METH(name) static Value name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames)

/* ---- argument checks with CPython's messages ------------------------------------------------ */

static int no_kwargs(mv_thread *t, const char *name, Value kwnames) {
    if (!kwnames || !mv_tuple_size(kwnames)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "socket.%s() takes no keyword arguments", name);
    return -1;
}

/* PyArg_ParseTuple-style methods ("recv() takes at least 1 argument (0 given)") */
static int tuple_args(mv_thread *t, const char *name, size_t nargs, Value kwnames, size_t min, size_t max) {
    if (no_kwargs(t, name, kwnames) < 0) return -1;
    if (nargs >= min && nargs <= max) return 0;
    size_t n = nargs < min ? min : max;
    const char *how = min == max ? "exactly" : nargs < min ? "at least" : "at most";
    mv_err_format(t, &mv_exc_TypeError, "%s() takes %s %zu argument%s (%zu given)", name, how, n, n == 1 ? "" : "s",
                  nargs);
    return -1;
}

/* METH_O methods ("socket.bind() takes exactly one argument (0 given)") */
static int one_arg(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (no_kwargs(t, name, kwnames) < 0) return -1;
    if (nargs == 1) return 0;
    mv_err_format(t, &mv_exc_TypeError, "socket.%s() takes exactly one argument (%zu given)", name, nargs);
    return -1;
}

/* METH_NOARGS methods ("socket.fileno() takes no arguments (1 given)") */
static int no_args(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (no_kwargs(t, name, kwnames) < 0) return -1;
    if (nargs == 0) return 0;
    mv_err_format(t, &mv_exc_TypeError, "socket.%s() takes no arguments (%zu given)", name, nargs);
    return -1;
}

/* Methods CPython writes in Python (socket.py): "socket.close() takes 1 positional argument but 2
   were given" */
static int py_no_args(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "socket.%s() got an unexpected keyword argument '%U'", name,
                      MV_TUPLE_GET(kwnames, 0));
        return -1;
    }
    if (nargs == 0) return 0;
    mv_err_format(t, &mv_exc_TypeError, "socket.%s() takes 1 positional argument but %zu were given", name, nargs + 1);
    return -1;
}

int mv_sock_int_arg(mv_thread *t, Value v, int *out) {
    if (mv_float_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "'float' object cannot be interpreted as an integer");
        return -1;
    }
    int64_t x;
    if (mv_index_int64(t, v, &x) < 0) return -1;
    if (x > INT32_MAX || x < INT32_MIN) {
        mv_err_set(t, &mv_exc_OverflowError, x > 0 ? "signed integer is greater than maximum"
                                                   : "signed integer is less than minimum");
        return -1;
    }
    *out = (int)x;
    return 0;
}

int mv_sock_parse_timeout(mv_thread *t, Value v, double *out) {
    if (v == MV_NONE) {
        *out = -1;
        return 0;
    }
    double d;
    if (mv_float_check(v)) {
        d = mv_float_val(v);
    } else {
        Value i = mv_number_index(t, v);
        if (!i) return -1;
        int ovf = 0;
        d = mv_int_as_double(t, i, &ovf);
        MV_DECREF(i);
        if (ovf) {
            mv_err_set(t, &mv_exc_OverflowError, "timestamp too large to convert to C _PyTime_t");
            return -1;
        }
    }
    if (isnan(d)) {
        mv_err_set(t, &mv_exc_ValueError, "Invalid value NaN (not a number)");
        return -1;
    }
    if (d < 0) {
        mv_err_set(t, &mv_exc_ValueError, "Timeout value out of range");
        return -1;
    }
    *out = d;
    return 0;
}

/* ---- waiting -------------------------------------------------------------------------------- */


int mv_sock_wait(mv_thread *t, int fd, bool writing, double timeout) {
    int64_t deadline = timeout >= 0 ? mv_gil_now_ns() + (int64_t)(timeout * 1e9) : 0;
    for (;;) {
        int ms = -1;
        if (timeout >= 0) {
            int64_t left = deadline - mv_gil_now_ns();
            if (left < 0) left = 0;
            ms = (int)((left + 999999) / 1000000); /* round up: never wake before the deadline */
        }
        struct pollfd p = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
        MV_GIL_RELEASE(t);
        int n = poll(&p, 1, ms);
        int err = errno;
        MV_GIL_ACQUIRE(t);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (err != EINTR) {
            mv_err_errno(t, err, NULL);
            return -1;
        }
        if (mv_signal_check(t) < 0) return -1;
    }
}

static Value timeout_error(mv_thread *t) { return mv_err_set(t, &mv_exc_TimeoutError, "timed out"); }

/* One socket operation, run without the GIL; returns the syscall's result, errno kept. */
typedef ssize_t (*sock_op)(int fd, void *ctx);

/* Run op following s's timeout mode: blocking (GIL released), non-blocking (EAGAIN raises
   BlockingIOError), or poll() for readiness within the timeout (TimeoutError 'timed out').
   deadline > 0 replaces now + timeout (sendall's deadline covers the whole call). */
static int sock_call_until(mv_thread *t, mv_sockobj *s, bool writing, sock_op op, void *ctx, ssize_t *out,
                           int64_t deadline) {
    int fd = s->fd;
    if (fd < 0) {
        mv_err_errno(t, EBADF, NULL);
        return -1;
    }
    double timeout = s->timeout;
    if (timeout > 0 && deadline == 0) deadline = mv_gil_now_ns() + (int64_t)(timeout * 1e9);
    bool waited = false;
    for (;;) {
        ssize_t r;
        int err;
        if (timeout == 0) {
            r = op(fd, ctx); /* the fd is O_NONBLOCK: no need to let other threads run */
            err = errno;
        } else {
            if (timeout > 0 && waited) {
                double left = (double)(deadline - mv_gil_now_ns()) / 1e9;
                int w = mv_sock_wait(t, fd, writing, left > 0 ? left : 0);
                if (w < 0) return -1;
                if (w == 0) {
                    timeout_error(t);
                    return -1;
                }
            }
            MV_GIL_RELEASE(t);
            r = op(fd, ctx);
            err = errno;
            MV_GIL_ACQUIRE(t);
        }
        if (r >= 0) {
            *out = r;
            return 0;
        }
        if (err == EINTR) {
            if (mv_signal_check(t) < 0) return -1;
            continue;
        }
        if (timeout > 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
            waited = true;
            continue;
        }
        mv_err_errno(t, err, NULL);
        return -1;
    }
}

static int sock_call(mv_thread *t, mv_sockobj *s, bool writing, sock_op op, void *ctx, ssize_t *out) {
    return sock_call_until(t, s, writing, op, ctx, out, 0);
}

/* ---- creation -------------------------------------------------------------------------------- */

static int set_nonblocking(int fd, bool nonblock) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -1;
    int nfl = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0) return -1;
    return 0;
}

/* A new socket object owning fd (closed on failure). */
static Value sock_wrap(mv_thread *t, mv_type *type, int fd, int family, int stype, int proto) {
    mv_sockobj *s = (mv_sockobj *)mv_object_new(type);
    s->fd = fd;
    s->family = family;
    s->type = stype & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    s->proto = proto;
    if (stype & SOCK_NONBLOCK) {
        s->timeout = 0;
    } else {
        s->timeout = mv_socket_default_timeout;
        if (s->timeout >= 0 && set_nonblocking(fd, true) < 0) {
            int err = errno;
            MV_DECREF((Value)s);
            return mv_err_errno(t, err, NULL);
        }
    }
    return (Value)s;
}

static Value sock_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    mv_sockobj *s = (mv_sockobj *)mv_object_new(type);
    s->fd = -1;
    s->family = AF_INET;
    s->type = SOCK_STREAM;
    s->timeout = -1;
    return (Value)s;
}

/* socket(family=-1, type=-1, proto=-1, fileno=None) */
static int sock_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"family", "type", "proto", "fileno", NULL};
    if (nargs > 4) {
        mv_err_format(t, &mv_exc_TypeError,
                      "socket.__init__() takes from 1 to 5 positional arguments but %zu were given", nargs + 1);
        return -1;
    }
    for (size_t k = 0; kwnames && k < mv_tuple_size(kwnames); k++) {
        const char *ks = mv_str_data(MV_TUPLE_GET(kwnames, k));
        bool known = false;
        for (int i = 0; kwlist[i]; i++) known |= !strcmp(ks, kwlist[i]);
        if (!known) {
            mv_err_format(t, &mv_exc_TypeError, "socket.__init__() got an unexpected keyword argument '%s'", ks);
            return -1;
        }
    }
    Value a[4];
    if (mv_parse_args(t, "socket", args, nargs, kwnames, kwlist, 0, a) < 0) return -1;
    int family = -1, stype = -1, proto = -1;
    if (a[0] && a[0] != MV_NONE && mv_sock_int_arg(t, a[0], &family) < 0) return -1;
    if (a[1] && a[1] != MV_NONE && mv_sock_int_arg(t, a[1], &stype) < 0) return -1;
    if (a[2] && a[2] != MV_NONE && mv_sock_int_arg(t, a[2], &proto) < 0) return -1;
    int fd;
    if (a[3] && a[3] != MV_NONE) {
        int64_t v;
        if (mv_float_check(a[3])) {
            mv_err_set(t, &mv_exc_TypeError, "'float' object cannot be interpreted as an integer");
            return -1;
        }
        if (mv_index_int64(t, a[3], &v) < 0) return -1;
        if (v < 0) {
            mv_err_set(t, &mv_exc_ValueError, "negative file descriptor");
            return -1;
        }
        if (v > INT32_MAX) {
            mv_err_set(t, &mv_exc_OverflowError, "fd is greater than maximum");
            return -1;
        }
        fd = (int)v;
        int val;
        socklen_t len = sizeof val;
        if (family == -1) {
            if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len) < 0) goto fd_error;
            family = val;
        }
        if (stype == -1) {
            len = sizeof val;
            if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len) < 0) goto fd_error;
            stype = val;
        }
        if (proto == -1) {
            len = sizeof val;
            if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val, &len) < 0) goto fd_error;
            proto = val;
        }
    } else {
        if (family == -1) family = AF_INET;
        if (stype == -1) stype = SOCK_STREAM;
        if (proto == -1) proto = 0;
        fd = socket(family, stype | SOCK_CLOEXEC, proto);
        if (fd < 0) {
            mv_err_errno(t, errno, NULL);
            return -1;
        }
    }
    mv_sockobj *s = SELF;
    if (s->fd >= 0) close(s->fd); /* __init__ called again */
    s->fd = fd;
    s->family = family;
    s->type = stype & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    s->proto = proto;
    if (stype & SOCK_NONBLOCK) {
        s->timeout = 0;
    } else {
        s->timeout = mv_socket_default_timeout;
        if (s->timeout >= 0 && set_nonblocking(fd, true) < 0) {
            mv_err_errno(t, errno, NULL);
            return -1;
        }
    }
    return 0;
fd_error:
    mv_err_errno(t, errno, NULL);
    return -1;
}

static void sock_dealloc(Value self) {
    mv_sockobj *s = SELF;
    if (s->fd >= 0) {
        close(s->fd); /* CPython warns (ResourceWarning) only under -W: nothing to print here */
        s->fd = -1;
    }
}

/* ---- the methods -------------------------------------------------------------------------- */

METH(sock_fileno) {
    if (no_args(t, "fileno", nargs, kwnames) < 0) return NULL;
    return mv_int_from_i64(SELF->fd);
}

METH(sock_close) {
    if (py_no_args(t, "close", nargs, kwnames) < 0) return NULL;
    int fd = SELF->fd;
    if (fd >= 0) {
        SELF->fd = -1;
        /* close() never blocks long on a socket without SO_LINGER; ECONNRESET is ignored as
           CPython does */
        if (close(fd) < 0 && errno != ECONNRESET && errno != EINTR) return mv_err_errno(t, errno, NULL);
    }
    return mv_newref(MV_NONE);
}

METH(sock_detach) {
    if (py_no_args(t, "detach", nargs, kwnames) < 0) return NULL;
    int fd = SELF->fd;
    SELF->fd = -1;
    return mv_int_from_i64(fd);
}

METH(sock_enter) { return mv_newref(self); }

METH(sock_exit) {
    return sock_close(t, self, NULL, 0, NULL);
}

METH(sock_bind) {
    if (one_arg(t, "bind", nargs, kwnames) < 0) return NULL;
    struct sockaddr_storage ss;
    socklen_t len;
    if (mv_sock_parse_addr(t, SELF->family, args[0], "bind", &ss, &len) < 0) return NULL;
    if (bind(SELF->fd, (struct sockaddr *)&ss, len) < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

METH(sock_listen) {
    if (tuple_args(t, "listen", nargs, kwnames, 0, 1) < 0) return NULL;
    int backlog = SOMAXCONN < 128 ? SOMAXCONN : 128;
    if (nargs && mv_sock_int_arg(t, args[0], &backlog) < 0) return NULL;
    if (backlog < 0) backlog = 0;
    if (listen(SELF->fd, backlog) < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;
} accept_ctx;

static ssize_t op_accept(int fd, void *ctx) {
    accept_ctx *c = ctx;
    c->len = sizeof c->ss;
    return accept4(fd, (struct sockaddr *)&c->ss, &c->len, SOCK_CLOEXEC);
}

METH(sock_accept) {
    if (py_no_args(t, "accept", nargs, kwnames) < 0) return NULL;
    accept_ctx c;
    ssize_t fd;
    if (sock_call(t, SELF, false, op_accept, &c, &fd) < 0) return NULL;
    Value addr = mv_sock_make_addr(t, (struct sockaddr *)&c.ss, c.len);
    if (!addr) {
        close((int)fd);
        return NULL;
    }
    /* a plain socket even for subclasses, as socket.py's accept() makes it */
    Value ns = sock_wrap(t, &mv_socket_type, (int)fd, SELF->family, SELF->type, SELF->proto);
    if (!ns) {
        MV_DECREF(addr);
        return NULL;
    }
    Value r = mv_tuple_pack(2, ns, addr);
    MV_DECREF(ns);
    MV_DECREF(addr);
    return r;
}

/* connect: 0 connected, else the errno (raise=false) or -1 with an exception */
static int do_connect(mv_thread *t, mv_sockobj *s, Value addr, const char *caller, bool raise) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (mv_sock_parse_addr(t, s->family, addr, caller, &ss, &len) < 0) return -1;
    int fd = s->fd, r, err;
    if (s->timeout == 0) {
        r = connect(fd, (struct sockaddr *)&ss, len);
    } else {
        MV_GIL_RELEASE(t);
        r = connect(fd, (struct sockaddr *)&ss, len);
        err = errno;
        MV_GIL_ACQUIRE(t);
        errno = err;
    }
    err = r < 0 ? errno : 0;
    if (err == EINTR && mv_signal_check(t) < 0) return -1;
    if ((err == EINPROGRESS && s->timeout > 0) || (err == EINTR && s->timeout != 0)) {
        /* wait for the connection to complete, then ask how it went */
        int w = mv_sock_wait(t, fd, true, s->timeout > 0 ? s->timeout : -1);
        if (w < 0) return -1;
        if (w == 0) {
            if (!raise) return EWOULDBLOCK;
            timeout_error(t);
            return -1;
        }
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) err = errno;
    }
    if (err && raise) {
        mv_err_errno(t, err, NULL);
        return -1;
    }
    return err;
}

METH(sock_connect) {
    if (one_arg(t, "connect", nargs, kwnames) < 0) return NULL;
    if (do_connect(t, SELF, args[0], "connect", true) < 0) return NULL;
    return mv_newref(MV_NONE);
}

METH(sock_connect_ex) {
    if (one_arg(t, "connect_ex", nargs, kwnames) < 0) return NULL;
    int r = do_connect(t, SELF, args[0], "connect_ex", false);
    if (r < 0) return NULL;
    return mv_int_from_i64(r);
}

/* -- receiving -- */

typedef struct {
    char *buf;
    size_t n;
    int flags;
    struct sockaddr_storage ss;
    socklen_t len;
} io_ctx;

static ssize_t op_recv(int fd, void *ctx) {
    io_ctx *c = ctx;
    return recv(fd, c->buf, c->n, c->flags);
}

static ssize_t op_recvfrom(int fd, void *ctx) {
    io_ctx *c = ctx;
    c->len = sizeof c->ss;
    return recvfrom(fd, c->buf, c->n, c->flags, (struct sockaddr *)&c->ss, &c->len);
}

static int recv_args(mv_thread *t, const char *name, Value *args, size_t nargs, Value kwnames, io_ctx *c) {
    if (tuple_args(t, name, nargs, kwnames, 1, 2) < 0) return -1;
    int64_t n;
    if (mv_float_check(args[0])) {
        mv_err_set(t, &mv_exc_TypeError, "'float' object cannot be interpreted as an integer");
        return -1;
    }
    if (mv_index_int64(t, args[0], &n) < 0) return -1;
    if (n < 0) {
        mv_err_format(t, &mv_exc_ValueError, "negative buffersize in %s", name);
        return -1;
    }
    c->n = (size_t)n;
    c->flags = 0;
    if (nargs > 1 && mv_sock_int_arg(t, args[1], &c->flags) < 0) return -1;
    return 0;
}

static Value recv_common(mv_thread *t, Value self, io_ctx *c, sock_op op) {
    char small[4096];
    c->buf = c->n <= sizeof small ? small : mv_malloc(c->n);
    ssize_t r;
    int rc = sock_call(t, SELF, false, op, c, &r);
    Value b = rc < 0 ? NULL : mv_bytes_new(c->buf, (size_t)r);
    if (c->buf != small) mv_free(c->buf);
    return b;
}

METH(sock_recv) {
    io_ctx c;
    if (recv_args(t, "recv", args, nargs, kwnames, &c) < 0) return NULL;
    return recv_common(t, self, &c, op_recv);
}

/* (v, the sender's address or None): the result of the recvfrom calls; steals v */
static Value with_sender(mv_thread *t, Value v, io_ctx *c) {
    Value addr = c->len ? mv_sock_make_addr(t, (struct sockaddr *)&c->ss, c->len) : mv_newref(MV_NONE);
    if (!addr) {
        MV_DECREF(v);
        return NULL;
    }
    Value r = mv_tuple_pack(2, v, addr);
    MV_DECREF(v);
    MV_DECREF(addr);
    return r;
}

METH(sock_recvfrom) {
    io_ctx c;
    if (recv_args(t, "recvfrom", args, nargs, kwnames, &c) < 0) return NULL;
    Value b = recv_common(t, self, &c, op_recvfrom);
    return b ? with_sender(t, b, &c) : NULL;
}

/* recv_into(buffer, nbytes=0, flags=0): into a bytearray */
static Value recv_into_common(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames, bool from) {
    static const char *const kwlist[] = {"buffer", "nbytes", "flags", NULL};
    const char *name = from ? "recvfrom_into" : "recv_into";
    Value a[3];
    if (mv_parse_args(t, name, args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (MV_IS_SMALL(a[0]) || !mv_isinstance_of(a[0], &mv_bytearray_type)) {
        if (mv_bytes_check(a[0]))
            return mv_err_format(t, &mv_exc_TypeError, "%s() argument 1 must be read-write bytes-like object, not bytes", name);
        return mv_err_format(t, &mv_exc_TypeError, "%s() argument 1 must be read-write bytes-like object, not %T", name, a[0]);
    }
    mv_bytearray *ba = (mv_bytearray *)a[0];
    int64_t n = 0;
    io_ctx c = {.flags = 0};
    if (a[1] && mv_index_int64(t, a[1], &n) < 0) return NULL;
    if (a[2] && mv_sock_int_arg(t, a[2], &c.flags) < 0) return NULL;
    if (n < 0) return mv_err_format(t, &mv_exc_ValueError, "negative buffersize in %s", name);
    if (n == 0) n = (int64_t)ba->size;
    if ((size_t)n > ba->size) return mv_err_format(t, &mv_exc_ValueError, "%s", from ? "nbytes is greater than the length of the buffer" : "buffer too small for requested bytes");
    /* receive into a private buffer: another thread may resize the bytearray while we wait */
    c.n = (size_t)n;
    Value got = recv_common(t, self, &c, from ? op_recvfrom : op_recv);
    if (!got) return NULL;
    size_t k = mv_bytes_size(got);
    if (k > ba->size) k = ba->size;
    memcpy(ba->data, mv_bytes_data(got), k);
    MV_DECREF(got);
    Value cnt = mv_int_from_i64((int64_t)k);
    return from ? with_sender(t, cnt, &c) : cnt;
}

METH(sock_recv_into) { return recv_into_common(t, self, args, nargs, kwnames, false); }
METH(sock_recvfrom_into) { return recv_into_common(t, self, args, nargs, kwnames, true); }

/* -- sending -- */

typedef struct {
    const char *buf;
    size_t n;
    int flags;
    const struct sockaddr *to;
    socklen_t tolen;
} send_ctx;

static ssize_t op_send(int fd, void *ctx) {
    send_ctx *c = ctx;
    return send(fd, c->buf, c->n, c->flags | MSG_NOSIGNAL);
}

static ssize_t op_sendto(int fd, void *ctx) {
    send_ctx *c = ctx;
    return sendto(fd, c->buf, c->n, c->flags | MSG_NOSIGNAL, c->to, c->tolen);
}

/* The data argument's bytes; a bytearray is copied (*owned), since other threads may resize it
   while the GIL is released. */
static int data_arg(mv_thread *t, Value v, const char **p, size_t *n, char **owned) {
    const unsigned char *d;
    *owned = NULL;
    if (!mv_bytes_like(v, &d, n)) {
        mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", v);
        return -1;
    }
    if (!mv_bytes_check(v)) {
        *owned = mv_malloc(*n ? *n : 1);
        memcpy(*owned, d, *n);
        d = (const unsigned char *)*owned;
    }
    *p = (const char *)d;
    return 0;
}

METH(sock_send) {
    if (tuple_args(t, "send", nargs, kwnames, 1, 2) < 0) return NULL;
    send_ctx c = {0};
    char *owned;
    if (nargs > 1 && mv_sock_int_arg(t, args[1], &c.flags) < 0) return NULL;
    if (data_arg(t, args[0], &c.buf, &c.n, &owned) < 0) return NULL;
    ssize_t r;
    int rc = sock_call(t, SELF, true, op_send, &c, &r);
    mv_free(owned);
    return rc < 0 ? NULL : mv_int_from_i64(r);
}

METH(sock_sendall) {
    if (tuple_args(t, "sendall", nargs, kwnames, 1, 2) < 0) return NULL;
    send_ctx c = {0};
    char *owned;
    if (nargs > 1 && mv_sock_int_arg(t, args[1], &c.flags) < 0) return NULL;
    if (data_arg(t, args[0], &c.buf, &c.n, &owned) < 0) return NULL;
    /* the timeout bounds the whole call (CPython 3.11's sendall deadline) */
    double timeout = SELF->timeout;
    int64_t deadline = timeout > 0 ? mv_gil_now_ns() + (int64_t)(timeout * 1e9) : 0;
    int rc = 0;
    while (c.n > 0) {
        ssize_t r;
        if (timeout > 0 && deadline - mv_gil_now_ns() <= 0) {
            timeout_error(t);
            rc = -1;
            break;
        }
        rc = sock_call_until(t, SELF, true, op_send, &c, &r, deadline);
        if (rc < 0) break;
        c.buf += r;
        c.n -= (size_t)r;
        if (c.n && (rc = mv_signal_check(t)) < 0) break;
    }
    mv_free(owned);
    return rc < 0 ? NULL : mv_newref(MV_NONE);
}

METH(sock_sendto) {
    if (kwnames && mv_tuple_size(kwnames))
        return mv_err_set(t, &mv_exc_TypeError, "socket.sendto() takes no keyword arguments");
    if (nargs < 2 || nargs > 3)
        return mv_err_format(t, &mv_exc_TypeError, "sendto() takes 2 or 3 arguments (%zu given)", nargs);
    send_ctx c = {0};
    char *owned;
    Value addr = args[nargs - 1];
    if (nargs == 3 && mv_sock_int_arg(t, args[1], &c.flags) < 0) return NULL;
    if (data_arg(t, args[0], &c.buf, &c.n, &owned) < 0) return NULL;
    struct sockaddr_storage ss;
    if (mv_sock_parse_addr(t, SELF->family, addr, "sendto", &ss, &c.tolen) < 0) {
        mv_free(owned);
        return NULL;
    }
    c.to = (struct sockaddr *)&ss;
    ssize_t r;
    int rc = sock_call(t, SELF, true, op_sendto, &c, &r);
    mv_free(owned);
    return rc < 0 ? NULL : mv_int_from_i64(r);
}

/* -- modes and options -- */

static Value set_timeout(mv_thread *t, mv_sockobj *s, double timeout) {
    s->timeout = timeout;
    if (s->fd < 0 || set_nonblocking(s->fd, timeout >= 0) < 0) return mv_err_errno(t, s->fd < 0 ? EBADF : errno, NULL);
    return mv_newref(MV_NONE);
}

METH(sock_setblocking) {
    if (one_arg(t, "setblocking", nargs, kwnames) < 0) return NULL;
    int b = mv_truthy(t, args[0]);
    if (b < 0) return NULL;
    return set_timeout(t, SELF, b ? -1.0 : 0.0);
}

METH(sock_getblocking) {
    if (no_args(t, "getblocking", nargs, kwnames) < 0) return NULL;
    return mv_newref(MV_BOOL(SELF->timeout != 0));
}

METH(sock_settimeout) {
    if (one_arg(t, "settimeout", nargs, kwnames) < 0) return NULL;
    double to;
    if (mv_sock_parse_timeout(t, args[0], &to) < 0) return NULL;
    return set_timeout(t, SELF, to);
}

static Value timeout_value(double to) { return to < 0 ? mv_newref(MV_NONE) : mv_float_new(to); }

METH(sock_gettimeout) {
    if (no_args(t, "gettimeout", nargs, kwnames) < 0) return NULL;
    return timeout_value(SELF->timeout);
}

/* setsockopt's int form: an int (or bool) that fits a C int */
static bool int32_value(mv_thread *t, Value v, int *out) {
    int64_t x;
    if (!mv_int_check(v)) return false;
    if (mv_int_as_i64(t, v, &x) < 0) {
        mv_err_clear(t); /* too big for 64 bits: the caller's TypeError, as in CPython */
        return false;
    }
    if (x < INT32_MIN || x > INT32_MAX) return false;
    *out = (int)x;
    return true;
}

METH(sock_setsockopt) {
    if (kwnames && mv_tuple_size(kwnames))
        return mv_err_set(t, &mv_exc_TypeError, "socket.setsockopt() takes no keyword arguments");
    if (nargs != 3 && nargs != 4)
        return mv_err_format(t, &mv_exc_TypeError, "setsockopt() takes exactly %d arguments (%zu given)",
                             nargs < 3 ? 3 : 4, nargs);
    int level, opt, ival;
    if (mv_sock_int_arg(t, args[0], &level) < 0 || mv_sock_int_arg(t, args[1], &opt) < 0) return NULL;
    int r;
    if (nargs == 4) {
        int optlen;
        if (args[2] != MV_NONE)
            return mv_err_format(t, &mv_exc_TypeError, "setsockopt() argument 3 must be NoneType, not %T", args[2]);
        if (mv_sock_int_arg(t, args[3], &optlen) < 0) return NULL;
        r = setsockopt(SELF->fd, level, opt, NULL, (socklen_t)optlen);
    } else if (int32_value(t, args[2], &ival)) {
        /* bools too: setsockopt(..., SO_REUSEADDR, True); an int out of range falls through
           to the bytes-like TypeError, as in CPython */
        r = setsockopt(SELF->fd, level, opt, &ival, sizeof ival);
    } else {
        const unsigned char *d;
        size_t n;
        if (!mv_bytes_like(args[2], &d, &n))
            return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", args[2]);
        r = setsockopt(SELF->fd, level, opt, d, (socklen_t)n);
    }
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

METH(sock_getsockopt) {
    if (tuple_args(t, "getsockopt", nargs, kwnames, 2, 3) < 0) return NULL;
    int level, opt;
    if (mv_sock_int_arg(t, args[0], &level) < 0 || mv_sock_int_arg(t, args[1], &opt) < 0) return NULL;
    if (nargs == 2) {
        int v = 0;
        socklen_t len = sizeof v;
        if (getsockopt(SELF->fd, level, opt, &v, &len) < 0) return mv_err_errno(t, errno, NULL);
        return mv_int_from_i64(v);
    }
    int buflen;
    if (mv_sock_int_arg(t, args[2], &buflen) < 0) return NULL;
    if (buflen == 0) {
        int v = 0;
        socklen_t len = sizeof v;
        if (getsockopt(SELF->fd, level, opt, &v, &len) < 0) return mv_err_errno(t, errno, NULL);
        return mv_int_from_i64(v);
    }
    if (buflen < 0 || buflen > 1024) return mv_err_set(t, &mv_exc_OSError, "getsockopt buflen out of range");
    char buf[1024];
    socklen_t len = (socklen_t)buflen;
    if (getsockopt(SELF->fd, level, opt, buf, &len) < 0) return mv_err_errno(t, errno, NULL);
    return mv_bytes_new(buf, len);
}

static Value name_common(mv_thread *t, Value self, size_t nargs, Value kwnames, bool peer) {
    if (no_args(t, peer ? "getpeername" : "getsockname", nargs, kwnames) < 0) return NULL;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len = sizeof ss;
    int r = peer ? getpeername(SELF->fd, (struct sockaddr *)&ss, &len) : getsockname(SELF->fd, (struct sockaddr *)&ss, &len);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    return mv_sock_make_addr(t, (struct sockaddr *)&ss, len);
}

METH(sock_getsockname) { return name_common(t, self, nargs, kwnames, false); }
METH(sock_getpeername) { return name_common(t, self, nargs, kwnames, true); }

METH(sock_shutdown) {
    if (one_arg(t, "shutdown", nargs, kwnames) < 0) return NULL;
    int how;
    if (mv_sock_int_arg(t, args[0], &how) < 0) return NULL;
    if (shutdown(SELF->fd, how) < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

METH(sock_dup) {
    if (py_no_args(t, "dup", nargs, kwnames) < 0) return NULL;
    int fd = fcntl(SELF->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return mv_err_errno(t, errno, NULL);
    Value ns = sock_wrap(t, &mv_socket_type, fd, SELF->family, SELF->type, SELF->proto);
    if (!ns) return NULL;
    Value r = set_timeout(t, (mv_sockobj *)ns, SELF->timeout);
    if (!r) {
        MV_DECREF(ns);
        return NULL;
    }
    MV_DECREF(r);
    return ns;
}

METH(sock_get_inheritable) {
    if (py_no_args(t, "get_inheritable", nargs, kwnames) < 0) return NULL;
    int fl = fcntl(SELF->fd, F_GETFD);
    if (fl < 0) return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_BOOL(!(fl & FD_CLOEXEC)));
}

METH(sock_set_inheritable) {
    if (mv_check_nargs(t, "set_inheritable", nargs, 1, 1) < 0) return NULL;
    int b = mv_truthy(t, args[0]);
    if (b < 0) return NULL;
    int fl = fcntl(SELF->fd, F_GETFD);
    if (fl < 0 || fcntl(SELF->fd, F_SETFD, b ? fl & ~FD_CLOEXEC : fl | FD_CLOEXEC) < 0)
        return mv_err_errno(t, errno, NULL);
    return mv_newref(MV_NONE);
}

/* makefile(mode='r', buffering=None, *, encoding=None, errors=None, newline=None): a file object
   over a dup of the fd, so that the socket and the file close independently (CPython counts
   _io_refs for the same effect). */
METH(sock_makefile) {
    static const char *const kwlist[] = {"mode", "buffering", "$encoding", "$errors", "$newline", NULL};
    Value a[5];
    if (mv_parse_args(t, "makefile", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    const char *mode = "r";
    if (a[0]) {
        if (!mv_str_check(a[0])) return mv_err_format(t, &mv_exc_TypeError, "'in <string>' requires string as left operand, not %T", a[0]);
        mode = mv_str_data(a[0]);
    }
    bool r = false, w = false, b = false;
    for (const char *p = mode; *p; p++) {
        if (*p == 'r') r = true;
        else if (*p == 'w') w = true;
        else if (*p == 'b') b = true;
        else return mv_err_format(t, &mv_exc_ValueError, "invalid mode %R (only r, w, b allowed)", a[0]);
    }
    if (!r && !w) r = true;
    char m[5], *q = m;
    *q++ = w && !r ? 'w' : 'r';
    if (b) *q++ = 'b';
    if (r && w) *q++ = '+';
    *q = 0;
    int fd = fcntl(SELF->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return mv_err_errno(t, errno, NULL);
    Value fdv = mv_int_from_i64(fd), mv = mv_str_from_cstr(m);
    Value oargs[6] = {fdv, mv, a[1] && a[1] != MV_NONE ? a[1] : MV_FROM_SMALL(-1), a[2] ? a[2] : MV_NONE,
                      a[3] ? a[3] : MV_NONE, a[4] ? a[4] : MV_NONE};
    Value f = mv_builtin_open(t, MV_NONE, oargs, 6, NULL);
    MV_DECREF(fdv);
    MV_DECREF(mv);
    if (!f) close(fd);
    return f;
}

static Value sock_repr(mv_thread *t, Value self) {
    mv_sockobj *s = SELF;
    mv_type *tp = MV_TYPE(self);
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (tp == &mv_socket_type) {
        mv_strbuf_addf(&b, "<%s", tp->name);
    } else { /* a subclass: <module.qualname ...> */
        Value mod = mv_getattr_cstr(t, (Value)tp, "__module__");
        Value qn = mod ? mv_getattr_cstr(t, (Value)tp, "__qualname__") : NULL;
        mv_strbuf_addc(&b, '<');
        int bad = !qn || mv_strbuf_add_value_str(t, &b, mod) < 0;
        if (!bad) mv_strbuf_addc(&b, '.');
        bad = bad || mv_strbuf_add_value_str(t, &b, qn) < 0;
        MV_XDECREF(mod);
        MV_XDECREF(qn);
        if (bad) {
            mv_strbuf_free(&b);
            return NULL;
        }
    }
    mv_strbuf_addf(&b, "%s fd=%d, family=%d, type=%d, proto=%d", s->fd < 0 ? " [closed]" : "", s->fd, s->family,
                   s->type, s->proto);
    if (s->fd >= 0) {
        for (int peer = 0; peer < 2; peer++) {
            struct sockaddr_storage ss;
            memset(&ss, 0, sizeof ss);
            socklen_t len = sizeof ss;
            int r = peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len) : getsockname(s->fd, (struct sockaddr *)&ss, &len);
            if (r < 0) continue;
            Value addr = mv_sock_make_addr(t, (struct sockaddr *)&ss, len);
            if (!addr) {
                mv_err_clear(t);
                continue;
            }
            int truth = mv_truthy(t, addr);
            if (truth > 0) {
                mv_strbuf_adds(&b, peer ? ", raddr=" : ", laddr=");
                if (mv_strbuf_add_value_str(t, &b, addr) < 0) mv_err_clear(t);
            } else if (truth < 0) {
                mv_err_clear(t);
            }
            MV_DECREF(addr);
        }
    }
    mv_strbuf_addc(&b, '>');
    return mv_strbuf_finish(&b);
}

static Value get_family(mv_thread *t, Value self) { return mv_sock_family_value(t, SELF->family); }
static Value get_type(mv_thread *t, Value self) { return mv_sock_kind_value(t, SELF->type); }
static Value get_proto(mv_thread *t, Value self) { return mv_int_from_i64(SELF->proto); }
static Value get_timeout(mv_thread *t, Value self) { return timeout_value(SELF->timeout); }

static const mv_getset_def sock_getsets[] = {
    {"family", get_family, NULL},
    {"type", get_type, NULL},
    {"proto", get_proto, NULL},
    {"timeout", get_timeout, NULL},
    {NULL, NULL, NULL},
};

static const mv_method_def sock_methods[] = {
    {"accept", sock_accept, 0, NULL},
    {"bind", sock_bind, 0, NULL},
    {"close", sock_close, 0, NULL},
    {"connect", sock_connect, 0, NULL},
    {"connect_ex", sock_connect_ex, 0, NULL},
    {"detach", sock_detach, 0, NULL},
    {"dup", sock_dup, 0, NULL},
    {"fileno", sock_fileno, 0, NULL},
    {"get_inheritable", sock_get_inheritable, 0, NULL},
    {"set_inheritable", sock_set_inheritable, 0, NULL},
    {"getpeername", sock_getpeername, 0, NULL},
    {"getsockname", sock_getsockname, 0, NULL},
    {"getsockopt", sock_getsockopt, 0, NULL},
    {"setsockopt", sock_setsockopt, 0, NULL},
    {"listen", sock_listen, 0, NULL},
    {"makefile", sock_makefile, 0, NULL},
    {"recv", sock_recv, 0, NULL},
    {"recvfrom", sock_recvfrom, 0, NULL},
    {"recv_into", sock_recv_into, 0, NULL},
    {"recvfrom_into", sock_recvfrom_into, 0, NULL},
    {"send", sock_send, 0, NULL},
    {"sendall", sock_sendall, 0, NULL},
    {"sendto", sock_sendto, 0, NULL},
    {"setblocking", sock_setblocking, 0, NULL},
    {"getblocking", sock_getblocking, 0, NULL},
    {"settimeout", sock_settimeout, 0, NULL},
    {"gettimeout", sock_gettimeout, 0, NULL},
    {"shutdown", sock_shutdown, 0, NULL},
    {"__enter__", sock_enter, 0, NULL},
    {"__exit__", sock_exit, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_socket_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "socket.socket",
    .basicsize = sizeof(mv_sockobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "A subclass of _socket.socket adding the makefile() method.",
    .tp_new = sock_new,
    .tp_init = sock_init,
    .dealloc = sock_dealloc,
    .repr = sock_repr,
    .methods = sock_methods,
    .getsets = sock_getsets,
};

/* socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0) */
static Value m_socketpair(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"family", "type", "proto", NULL};
    if (nargs > 3)
        return mv_err_format(t, &mv_exc_TypeError, "socketpair() takes from 0 to 3 positional arguments but %zu were given",
                             nargs);
    Value a[3];
    if (mv_parse_args(t, "socketpair", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int family = AF_UNIX, stype = SOCK_STREAM, proto = 0;
    if (a[0] && a[0] != MV_NONE && mv_sock_int_arg(t, a[0], &family) < 0) return NULL;
    if (a[1] && mv_sock_int_arg(t, a[1], &stype) < 0) return NULL;
    if (a[2] && mv_sock_int_arg(t, a[2], &proto) < 0) return NULL;
    int sv[2];
    if (socketpair(family, stype | SOCK_CLOEXEC, proto, sv) < 0) return mv_err_errno(t, errno, NULL);
    Value s0 = sock_wrap(t, &mv_socket_type, sv[0], family, stype, proto);
    if (!s0) {
        close(sv[1]);
        return NULL;
    }
    Value s1 = sock_wrap(t, &mv_socket_type, sv[1], family, stype, proto);
    if (!s1) {
        MV_DECREF(s0);
        return NULL;
    }
    Value r = mv_tuple_pack(2, s0, s1);
    MV_DECREF(s0);
    MV_DECREF(s1);
    return r;
}

/* fromfd(fd, family, type, proto=0): a socket over a dup of fd */
static Value m_fromfd(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fd", "family", "type", "proto", NULL};
    Value a[4];
    if (mv_parse_args(t, "fromfd", args, nargs, kwnames, kwlist, 3, a) < 0) return NULL;
    int fd, family, stype, proto = 0;
    if (mv_sock_int_arg(t, a[0], &fd) < 0 || mv_sock_int_arg(t, a[1], &family) < 0 ||
        mv_sock_int_arg(t, a[2], &stype) < 0 || (a[3] && mv_sock_int_arg(t, a[3], &proto) < 0))
        return NULL;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (nfd < 0) return mv_err_errno(t, errno, NULL);
    return sock_wrap(t, &mv_socket_type, nfd, family, stype, proto);
}

static Value m_getdefaulttimeout(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return timeout_value(mv_socket_default_timeout);
}

static Value m_setdefaulttimeout(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setdefaulttimeout", nargs, 1, 1) < 0) return NULL;
    double to;
    if (mv_sock_parse_timeout(t, args[0], &to) < 0) return NULL;
    mv_socket_default_timeout = to;
    return mv_newref(MV_NONE);
}

static const mv_method_def socket_funcs[] = {
    {"socketpair", m_socketpair, 0, NULL},
    {"fromfd", m_fromfd, 0, NULL},
    {"getdefaulttimeout", m_getdefaulttimeout, 0, NULL},
    {"setdefaulttimeout", m_setdefaulttimeout, 0, NULL},
    {NULL, NULL, 0, NULL},
};

Value mv_socket_module_init(mv_thread *t) {
    if (!(mv_socket_type.flags & MV_TPFLAG_READY) && mv_type_ready(&mv_socket_type) < 0) return NULL;
    Value m = mv_module_new(t, "socket");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, socket_funcs) < 0 || mv_module_add(t, m, "socket", (Value)&mv_socket_type) < 0 ||
        mv_module_add(t, m, "SocketType", (Value)&mv_socket_type) < 0 || mv_socket_addr_init(t, m) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
