/* mp_connection.c: multiprocessing.connection.Connection in C: one end of a pipe or socketpair
 * carrying length-prefixed frames (CPython's wire format: a 4-byte big-endian length, or -1 and
 * an 8-byte length for frames of 2 GiB and more).  send/recv pickle through stdlib/pickle.h.  The
 * GIL is released around every read, write and poll; a frame small enough for the stack is read
 * header and body in one release.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "gil.h"
#include "int.h"
#include "modules.h"
#include "mp_internal.h"
#include "procsig.h"
#include "pickle.h"
#include "str.h"

typedef struct {
    mv_object ob;
    int fd; /* -1 once closed */
    bool readable, writable;
} connobj;

#define STACK_FRAME 32768 /* frames up to this size are read into a stack buffer */

static Value conn_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"handle", "readable", "writable", NULL};
    Value a[3];
    if (mv_parse_args(t, "Connection", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int64_t fd;
    if (mv_index_int64(t, a[0], &fd) < 0) return NULL;
    int r = a[1] ? mv_truthy(t, a[1]) : 1, w = a[2] ? mv_truthy(t, a[2]) : 1;
    if (r < 0 || w < 0) return NULL;
    if (fd < 0 || fd > 0x7fffffff) return mv_err_set(t, &mv_exc_ValueError, "invalid handle");
    if (!r && !w) return mv_err_set(t, &mv_exc_ValueError, "at least one of `readable` and `writable` must be True");
    connobj *c = (connobj *)mv_object_new(type);
    c->fd = (int)fd;
    c->readable = r;
    c->writable = w;
    return (Value)c;
}

static void conn_dealloc(Value self) {
    connobj *c = (connobj *)self;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static int check_closed(mv_thread *t, connobj *c) {
    if (c->fd >= 0) return 0;
    mv_err_set(t, &mv_exc_OSError, "handle is closed");
    return -1;
}
static int check_readable(mv_thread *t, connobj *c) {
    if (check_closed(t, c) < 0) return -1;
    if (c->readable) return 0;
    mv_err_set(t, &mv_exc_OSError, "connection is write-only");
    return -1;
}
static int check_writable(mv_thread *t, connobj *c) {
    if (check_closed(t, c) < 0) return -1;
    if (c->writable) return 0;
    mv_err_set(t, &mv_exc_OSError, "connection is read-only");
    return -1;
}

/* A blocking call saw EINTR: should it stop (SIGINT for the main thread) or retry?  Reads only a
   volatile flag, so it may run without the GIL. */
static bool interrupted(mv_thread *t) { return t == t->vm->main_thread && t->vm->sigint_pending; }

/* ---- writing ------------------------------------------------------------------------------------ */

/* Write header + data, whole, with the GIL released.  0 ok, -1 exception. */
static int write_frame(mv_thread *t, int fd, const unsigned char *data, size_t n) {
    unsigned char hdr[12];
    size_t hl;
    if (n > 0x7fffffff) {
        memset(hdr, 0xff, 4);
        for (int i = 0; i < 8; i++) hdr[4 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
        hl = 12;
    } else {
        for (int i = 0; i < 4; i++) hdr[i] = (unsigned char)((uint32_t)n >> (24 - 8 * i));
        hl = 4;
    }
    struct iovec iov[2] = {{hdr, hl}, {(void *)data, n}};
    int first = 0, cnt = n ? 2 : 1, err = 0;
    MV_GIL_RELEASE(t);
    while (first < cnt) {
        ssize_t w = writev(fd, iov + first, cnt - first);
        if (w < 0) {
            if (errno == EINTR && !interrupted(t)) continue;
            err = errno;
            break;
        }
        size_t left = (size_t)w;
        while (first < cnt && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (first < cnt) {
            iov[first].iov_base = (char *)iov[first].iov_base + left;
            iov[first].iov_len -= left;
        }
    }
    MV_GIL_ACQUIRE(t);
    if (!err) return 0;
    if (err == EINTR) {
        if (mv_signal_check(t) < 0) return -1;
        err = EINTR;
    }
    mv_err_errno(t, err, NULL);
    return -1;
}

/* ---- reading ------------------------------------------------------------------------------------ */

/* Read exactly n bytes without the GIL: 0 ok, or an errno; *got says how many arrived (a short
   count with error 0 means end of file). */
static int read_full(mv_thread *t, int fd, unsigned char *buf, size_t n, size_t *got) {
    size_t have = 0;
    while (have < n) {
        ssize_t r = read(fd, buf + have, n - have);
        if (r > 0) {
            have += (size_t)r;
            continue;
        }
        if (r == 0) break;
        if (errno == EINTR && !interrupted(t)) continue;
        *got = have;
        return errno;
    }
    *got = have;
    return 0;
}

/* A received frame: data is either the caller's stack buffer or `heap` (mv_malloc'd). */
typedef struct {
    unsigned char *data;
    size_t len;
    unsigned char *heap;
} frame;

/* Raise for a failed read: errno err, or end of file after `got` bytes of a part of `want`. */
static int read_error(mv_thread *t, int err, size_t got, size_t want, bool at_start) {
    if (err == EINTR) {
        if (mv_signal_check(t) < 0) return -1;
    }
    if (err) {
        mv_err_errno(t, err, NULL);
        return -1;
    }
    (void)want;
    if (at_start && got == 0) mv_err_set_value(t, &mv_exc_EOFError, NULL);
    else mv_err_set(t, &mv_exc_OSError, "got end of file during message");
    return -1;
}

/* A reply between two processes usually comes back within a few microseconds when each has a
 * CPU of its own; sleeping in read() instead costs two kernel wake-ups per round trip (about
 * 25 us each on a VM).  So, as the GIL and lock waits do, watch the fd for a short while before
 * blocking, and never on a single CPU. */
#define SPIN_NS 50000
static void spin_for_data(int fd) {
    if (!mv_spin_allowed()) return;
    struct pollfd p = {fd, POLLIN, 0};
    int64_t end = mv_gil_now_ns() + SPIN_NS;
    while (poll(&p, 1, 0) == 0 && mv_gil_now_ns() < end) mv_cpu_relax();
}

/* Receive one frame.  maxlength < 0: no limit; a longer frame gives 1 (the caller raises "bad
   message length").  0 ok, 1 too long, -1 exception. */
static int recv_frame(mv_thread *t, connobj *c, unsigned char *stackbuf, int64_t maxlength, frame *f) {
    unsigned char hdr[8];
    size_t got = 0, n;
    int fd = c->fd, err;
    f->heap = NULL;
    MV_GIL_RELEASE(t);
    spin_for_data(fd);
    err = read_full(t, fd, hdr, 4, &got);
    if (err || got < 4) {
        MV_GIL_ACQUIRE(t);
        return read_error(t, err, got, 4, true);
    }
    n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    if (n == 0xffffffffu) {
        err = read_full(t, fd, hdr, 8, &got);
        if (err || got < 8) {
            MV_GIL_ACQUIRE(t);
            return read_error(t, err, got, 8, false);
        }
        n = 0;
        for (int i = 0; i < 8; i++) n = n << 8 | hdr[i];
    }
    if (n <= STACK_FRAME && (maxlength < 0 || (int64_t)n <= maxlength)) {
        err = read_full(t, fd, stackbuf, n, &got);
        MV_GIL_ACQUIRE(t);
        if (err || got < n) return read_error(t, err, got, n, false);
        f->data = stackbuf;
        f->len = n;
        return 0;
    }
    MV_GIL_ACQUIRE(t);
    if (maxlength >= 0 && (int64_t)n > maxlength) return 1;
    f->heap = mv_malloc(n ? n : 1);
    MV_GIL_RELEASE(t);
    err = read_full(t, fd, f->heap, n, &got);
    MV_GIL_ACQUIRE(t);
    if (err || got < n) {
        mv_free(f->heap);
        f->heap = NULL;
        return read_error(t, err, got, n, false);
    }
    f->data = f->heap;
    f->len = n;
    return 0;
}

static Value bad_length(mv_thread *t, connobj *c) {
    /* as CPython's _bad_message_length: the stream is out of step from here on */
    if (c->writable) {
        c->readable = false;
    } else if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    return mv_err_set(t, &mv_exc_OSError, "bad message length");
}

/* ---- methods ------------------------------------------------------------------------------------- */

static Value conn_send_bytes(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"buf", "offset", "size", NULL};
    connobj *c = (connobj *)self;
    Value a[3];
    if (mv_parse_args(t, "send_bytes", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (check_closed(t, c) < 0 || check_writable(t, c) < 0) return NULL;
    const unsigned char *data;
    size_t n;
    if (!mv_bytes_like(a[0], &data, &n))
        return mv_err_format(t, &mv_exc_TypeError, "memoryview: a bytes-like object is required, not '%T'", a[0]);
    int64_t off = 0, size;
    if (a[1] && mv_index_int64(t, a[1], &off) < 0) return NULL;
    if (off < 0) return mv_err_set(t, &mv_exc_ValueError, "offset is negative");
    if ((int64_t)n < off) return mv_err_set(t, &mv_exc_ValueError, "buffer length < offset");
    if (!a[2] || a[2] == MV_NONE) {
        size = (int64_t)n - off;
    } else {
        if (mv_index_int64(t, a[2], &size) < 0) return NULL;
        if (size < 0) return mv_err_set(t, &mv_exc_ValueError, "size is negative");
        if (off + size > (int64_t)n) return mv_err_set(t, &mv_exc_ValueError, "buffer length < offset + size");
    }
    /* a bytearray could be resized by another thread while the GIL is released: send a copy */
    Value keep = mv_bytes_check(a[0]) ? mv_newref(a[0]) : mv_bytes_new(data + off, (size_t)size);
    if (!mv_bytes_check(a[0])) off = 0;
    int r = write_frame(t, c->fd, mv_bytes_data(keep) + off, (size_t)size);
    MV_DECREF(keep);
    return r < 0 ? NULL : mv_newref(MV_NONE);
}

static Value conn_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    connobj *c = (connobj *)self;
    if (mv_check_no_kwargs(t, "send", kwnames) < 0 || mv_check_nargs(t, "send", nargs, 1, 1) < 0) return NULL;
    if (check_closed(t, c) < 0 || check_writable(t, c) < 0) return NULL;
    Value buf = mv_pickle_dumps(t, args[0]);
    if (!buf) return NULL;
    int r = write_frame(t, c->fd, mv_bytes_data(buf), mv_bytes_size(buf));
    MV_DECREF(buf);
    return r < 0 ? NULL : mv_newref(MV_NONE);
}

static Value conn_recv_bytes(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"maxlength", NULL};
    connobj *c = (connobj *)self;
    Value a[1];
    if (mv_parse_args(t, "recv_bytes", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    if (check_closed(t, c) < 0 || check_readable(t, c) < 0) return NULL;
    int64_t maxlength = -1;
    if (a[0] && a[0] != MV_NONE) {
        if (mv_index_int64(t, a[0], &maxlength) < 0) return NULL;
        if (maxlength < 0) return mv_err_set(t, &mv_exc_ValueError, "negative maxlength");
    }
    unsigned char stackbuf[STACK_FRAME];
    frame f;
    int r = recv_frame(t, c, stackbuf, maxlength, &f);
    if (r < 0) return NULL;
    if (r > 0) return bad_length(t, c);
    Value b = mv_bytes_new(f.data, f.len);
    if (f.heap) mv_free(f.heap);
    return b;
}

static Value conn_recv(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    connobj *c = (connobj *)self;
    if (mv_check_nargs(t, "recv", nargs, 0, 0) < 0 || mv_check_no_kwargs(t, "recv", kwnames) < 0) return NULL;
    if (check_closed(t, c) < 0 || check_readable(t, c) < 0) return NULL;
    unsigned char stackbuf[STACK_FRAME];
    frame f;
    if (recv_frame(t, c, stackbuf, -1, &f) < 0) return NULL;
    Value obj = mv_pickle_loads(t, f.data, f.len);
    if (f.heap) mv_free(f.heap);
    return obj;
}

static Value conn_poll(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"timeout", NULL};
    connobj *c = (connobj *)self;
    Value a[1];
    if (mv_parse_args(t, "poll", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    if (check_closed(t, c) < 0 || check_readable(t, c) < 0) return NULL;
    double timeout = 0;
    if (a[0] && mv_mp_timeout_arg(t, a[0], &timeout) < 0) return NULL;
    int r = mv_mp_wait_readable(t, c->fd, timeout);
    if (r < 0) return NULL;
    return mv_newref(MV_BOOL(r > 0));
}

static Value conn_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    connobj *c = (connobj *)self;
    if (c->fd >= 0) {
        int fd = c->fd;
        c->fd = -1;
        if (close(fd) < 0 && errno != EINTR) return mv_err_errno(t, errno, NULL);
    }
    return mv_newref(MV_NONE);
}

static Value conn_fileno(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    connobj *c = (connobj *)self;
    if (check_closed(t, c) < 0) return NULL;
    return mv_int_from_i64(c->fd);
}

/* Hand the fd over (CPython's detach): the connection no longer owns or closes it. */
static Value conn_detach(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    connobj *c = (connobj *)self;
    if (check_closed(t, c) < 0) return NULL;
    int fd = c->fd;
    c->fd = -1;
    return mv_int_from_i64(fd);
}

static Value conn_enter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(self);
}

static Value conn_get_closed(mv_thread *t, Value self) { return mv_newref(MV_BOOL(((connobj *)self)->fd < 0)); }
static Value conn_get_readable(mv_thread *t, Value self) { return mv_newref(MV_BOOL(((connobj *)self)->readable)); }
static Value conn_get_writable(mv_thread *t, Value self) { return mv_newref(MV_BOOL(((connobj *)self)->writable)); }

static const mv_method_def conn_methods[] = {
    {"send", conn_send, 0, NULL},
    {"recv", conn_recv, 0, NULL},
    {"send_bytes", conn_send_bytes, 0, NULL},
    {"recv_bytes", conn_recv_bytes, 0, NULL},
    {"poll", conn_poll, 0, NULL},
    {"close", conn_close, 0, NULL},
    {"fileno", conn_fileno, 0, NULL},
    {"_detach", conn_detach, 0, NULL},
    {"__enter__", conn_enter, 0, NULL},
    {"__exit__", conn_close, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def conn_getsets[] = {
    {"closed", conn_get_closed, NULL},
    {"readable", conn_get_readable, NULL},
    {"writable", conn_get_writable, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_mp_connection_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "multiprocessing.connection.Connection",
    .basicsize = sizeof(connobj),
    .base = &mv_object_type,
    .doc = "Connection type whose constructor signature is\n\n    Connection(handle, readable=True, writable=True).",
    .tp_new = conn_new,
    .dealloc = conn_dealloc,
    .methods = conn_methods,
    .getsets = conn_getsets,
};

