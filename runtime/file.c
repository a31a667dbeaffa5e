/* file.c: file objects (open(), sys.stdin/stdout/stderr): a POSIX fd with our own read and write
 * buffers; text mode (UTF-8 str, "\r\n" read as "\n") or binary (bytes).  stdout is line-buffered
 * on a tty and block-buffered otherwise, stderr unbuffered; every open file is on a list so that
 * mv_file_flush_all can flush them at exit, before tracebacks and before fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "tuple.h"

#define BUFSZ 8192

typedef struct mv_file {
    mv_object ob;
    int fd;
    Value name;           /* str or int */
    Value mode;           /* str, as CPython reports it ("r", "wb", ...) */
    bool readable, writable, binary, append, closed, closefd;
    bool line_buffered, unbuffered;
    char *wbuf;
    size_t wlen;
    char *rbuf;
    size_t rpos, rlen, rcap;
    bool eof;
    struct mv_file *prev, *next; /* the list of open files, for mv_file_flush_all */
} mv_file;

static mv_file *open_files;

static void link_file(mv_file *f) {
    f->next = open_files;
    if (open_files) open_files->prev = f;
    open_files = f;
}
static void unlink_file(mv_file *f) {
    if (f->prev) f->prev->next = f->next;
    else if (open_files == f) open_files = f->next;
    if (f->next) f->next->prev = f->prev;
    f->prev = f->next = NULL;
}

/* io.UnsupportedOperation (inherits OSError; CPython's also derives from ValueError) */
static mv_type unsupported_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "UnsupportedOperation",
    .basicsize = sizeof(mv_exc),
    .dictoffset = offsetof(mv_exc, dict),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_EXC_SUBCLASS,
    .base = &mv_exc_OSError,
};

static Value unsupported(mv_thread *t, const char *msg) {
    if (!(unsupported_type.flags & MV_TPFLAG_READY)) {
        unsupported_type.module = mv_str_from_cstr("io");
        mv_type_ready(&unsupported_type);
    }
    return mv_err_set(t, &unsupported_type, msg);
}

static Value closed_error(mv_thread *t) {
    return mv_err_set(t, &mv_exc_ValueError, "I/O operation on closed file.");
}

/* ---- low-level I/O ------------------------------------------------------------------------- */

static int write_all(mv_thread *t, mv_file *f, const char *p, size_t n) {
    int fd = f->fd;
    MV_GIL_RELEASE(t); /* write() may block on a pipe or terminal; p must stay ours meanwhile */
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            MV_GIL_ACQUIRE(t);
            mv_err_errno(t, err, NULL);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    MV_GIL_ACQUIRE(t);
    return 0;
}

static int file_flush_buf(mv_thread *t, mv_file *f) {
    if (f->wlen == 0) return 0;
    size_t n = f->wlen;
    f->wlen = 0; /* drop the data even on error, as CPython does for a broken pipe */
    /* detach the buffer while it is written: other threads may append to the file meanwhile */
    char *buf = f->wbuf;
    f->wbuf = NULL;
    int r = write_all(t, f, buf, n);
    if (!f->wbuf) f->wbuf = buf;
    else mv_free(buf);
    return r;
}

static int file_write_bytes(mv_thread *t, mv_file *f, const char *p, size_t n) {
    if (f->unbuffered) return write_all(t, f, p, n);
    if (!f->wbuf) f->wbuf = mv_malloc(BUFSZ);
    while (f->wlen + n > BUFSZ) { /* a loop: other threads may refill it while we flush */
        if (file_flush_buf(t, f) < 0) return -1;
        if (n >= BUFSZ) return write_all(t, f, p, n);
    }
    memcpy(f->wbuf + f->wlen, p, n);
    f->wlen += n;
    if (f->line_buffered && memchr(p, '\n', n)) return file_flush_buf(t, f);
    return 0;
}

/* Read more bytes into rbuf; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t fill(mv_thread *t, mv_file *f) {
    if (f->rpos > 0 && f->rpos == f->rlen) f->rpos = f->rlen = 0;
    if (f->rcap - f->rlen < BUFSZ / 2) {
        if (f->rpos > 0) {
            memmove(f->rbuf, f->rbuf + f->rpos, f->rlen - f->rpos);
            f->rlen -= f->rpos;
            f->rpos = 0;
        }
        if (f->rcap - f->rlen < BUFSZ / 2) {
            f->rcap = f->rcap ? f->rcap * 2 : BUFSZ;
            f->rbuf = mv_realloc(f->rbuf, f->rcap);
        }
    }
    /* flush our own stdout before blocking on stdin (prompts) */
    if (f->fd == 0) mv_file_flush_all(t);
    ssize_t r;
    int err = 0, fd = f->fd;
    size_t room = f->rcap - f->rlen;
    /* with other threads around, read into a private buffer: they may use the file meanwhile */
    char *tmp = mv_gil_active(t->vm) ? mv_malloc(room) : NULL;
    char *dst = tmp ? tmp : f->rbuf + f->rlen;
    MV_GIL_RELEASE(t); /* read() may block */
    for (;;) {
        r = read(fd, dst, room);
        err = errno;
        if (r < 0 && err == EINTR) {
            if (t->vm->sigint_pending && t == t->vm->main_thread) {
                MV_GIL_ACQUIRE(t);
                mv_free(tmp);
                t->vm->sigint_pending = 0;
                mv_err_set_value(t, &mv_exc_KeyboardInterrupt, NULL);
                return -1;
            }
            continue;
        }
        break;
    }
    MV_GIL_ACQUIRE(t);
    if (tmp) {
        if (r > 0) {
            if (f->rcap - f->rlen < (size_t)r) {
                f->rcap = f->rlen + (size_t)r;
                f->rbuf = mv_realloc(f->rbuf, f->rcap);
            }
            memcpy(f->rbuf + f->rlen, tmp, (size_t)r);
        }
        mv_free(tmp);
    }
    if (r < 0) {
        mv_err_errno(t, err, NULL);
        return -1;
    }
    if (r == 0) f->eof = true;
    f->rlen += (size_t)r;
    return r;
}

static Value make_result(mv_thread *t, mv_file *f, const char *p, size_t n) {
    if (f->binary) return mv_bytes_new(p, n);
    /* universal newlines: "\r\n" -> "\n" */
    if (memchr(p, '\r', n)) {
        char *tmp = mv_malloc(n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '\r') {
                tmp[k++] = '\n';
                if (i + 1 < n && p[i + 1] == '\n') i++;
            } else {
                tmp[k++] = p[i];
            }
        }
        Value r = mv_str_decode_utf8(t, tmp, k, "strict");
        mv_free(tmp);
        return r;
    }
    return mv_str_decode_utf8(t, p, n, "strict");
}

static int check_readable(mv_thread *t, mv_file *f) {
    if (f->closed) {
        closed_error(t);
        return -1;
    }
    if (!f->readable) {
        unsupported(t, "not readable");
        return -1;
    }
    if (f->wlen && file_flush_buf(t, f) < 0) return -1;
    return 0;
}

static int check_writable(mv_thread *t, mv_file *f) {
    if (f->closed) {
        closed_error(t);
        return -1;
    }
    if (!f->writable) {
        unsupported(t, "not writable");
        return -1;
    }
    return 0;
}

/* read everything (n < 0) or n units (bytes in binary mode, code points in text mode) */
static Value file_read_n(mv_thread *t, mv_file *f, int64_t n) {
    if (check_readable(t, f) < 0) return NULL;
    if (n < 0) {
        while (!f->eof || f->rpos < f->rlen) {
            ssize_t r = fill(t, f);
            if (r < 0) return NULL;
            if (r == 0) break;
        }
        Value res = make_result(t, f, f->rbuf ? f->rbuf + f->rpos : "", f->rlen - f->rpos);
        f->rpos = f->rlen = 0;
        f->eof = false; /* a later read() may see data appended to the file */
        return res;
    }
    for (;;) {
        size_t avail = f->rlen - f->rpos;
        size_t need;
        if (f->binary) {
            need = (size_t)n;
        } else {
            /* bytes covering n code points */
            size_t cps = 0, i = 0;
            const unsigned char *p = (const unsigned char *)f->rbuf + f->rpos;
            while (i < avail && cps < (size_t)n) {
                i++;
                while (i < avail && (p[i] & 0xC0) == 0x80) i++;
                cps++;
            }
            need = cps == (size_t)n ? i : avail + 1;
            if (cps == (size_t)n && i < avail && p[i - 1] == '\r' && p[i] == '\n') need = i + 1;
        }
        if (avail >= need) {
            Value res = make_result(t, f, f->rbuf + f->rpos, need);
            f->rpos += need;
            return res;
        }
        ssize_t r = fill(t, f);
        if (r < 0) return NULL;
        if (r == 0) {
            Value res = make_result(t, f, f->rbuf ? f->rbuf + f->rpos : "", f->rlen - f->rpos);
            f->rpos = f->rlen = 0;
            f->eof = false;
            return res;
        }
    }
}

static Value file_readline_n(mv_thread *t, mv_file *f, int64_t limit) {
    if (check_readable(t, f) < 0) return NULL;
    size_t scanned = 0;
    for (;;) {
        char *start = f->rbuf ? f->rbuf + f->rpos : NULL;
        size_t avail = f->rlen - f->rpos;
        char *nl = NULL;
        if (avail > scanned) nl = memchr(start + scanned, '\n', avail - scanned);
        if (!f->binary && !nl && avail > scanned) {
            /* a lone '\r' not at the buffer end also ends a line */
            char *cr = memchr(start + scanned, '\r', avail - scanned);
            if (cr && cr + 1 < start + avail) nl = cr;
        }
        if (!f->binary && nl && *nl == '\r' && nl + 1 < start + avail && nl[1] == '\n') nl++;
        if (limit >= 0 && (size_t)limit <= avail && (!nl || (size_t)(nl - start) >= (size_t)limit)) {
            Value res = make_result(t, f, start, (size_t)limit);
            f->rpos += (size_t)limit;
            return res;
        }
        if (nl) {
            size_t len = (size_t)(nl - start) + 1;
            Value res = make_result(t, f, start, len);
            f->rpos += len;
            return res;
        }
        scanned = avail;
        ssize_t r = fill(t, f);
        if (r < 0) return NULL;
        if (r == 0) {
            start = f->rbuf ? f->rbuf + f->rpos : "";
            avail = f->rlen - f->rpos;
            Value res = make_result(t, f, start, avail);
            f->rpos = f->rlen = 0;
            f->eof = false;
            return res;
        }
    }
}

static bool result_empty(Value v) {
    return mv_str_check(v) ? mv_str_size(v) == 0 : mv_bytes_size(v) == 0;
}

/* ---- methods ---------------------------------------------------------------------------------- */

static int64_t size_arg(mv_thread *t, Value *args, size_t nargs, bool *err) {
    *err = false;
    if (nargs < 1 || args[0] == MV_NONE) return -1;
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) {
        *err = true;
        return 0;
    }
    return n;
}

static Value file_read(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "read", nargs, 0, 1) < 0) return NULL;
    bool err;
    int64_t n = size_arg(t, args, nargs, &err);
    if (err) return NULL;
    return file_read_n(t, (mv_file *)self, n);
}

static Value file_readline(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "readline", nargs, 0, 1) < 0) return NULL;
    bool err;
    int64_t n = size_arg(t, args, nargs, &err);
    if (err) return NULL;
    return file_readline_n(t, (mv_file *)self, n);
}

static Value file_readlines(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "readlines", nargs, 0, 1) < 0) return NULL;
    bool err;
    int64_t hint = size_arg(t, args, nargs, &err);
    if (err) return NULL;
    Value list = mv_list_new(0);
    int64_t total = 0;
    for (;;) {
        Value line = file_readline_n(t, (mv_file *)self, -1);
        if (!line) {
            MV_DECREF(list);
            return NULL;
        }
        if (result_empty(line)) {
            MV_DECREF(line);
            break;
        }
        total += (int64_t)(mv_str_check(line) ? mv_str_len(line) : mv_bytes_size(line));
        mv_list_append_steal(list, line);
        if (hint > 0 && total >= hint) break;
    }
    return list;
}

static Value write_value(mv_thread *t, mv_file *f, Value v) {
    if (check_writable(t, f) < 0) return NULL;
    if (f->binary) {
        if (mv_bytes_check(v)) {
            if (file_write_bytes(t, f, (const char *)mv_bytes_data(v), mv_bytes_size(v)) < 0) return NULL;
            return mv_int_from_i64((int64_t)mv_bytes_size(v));
        }
        if (!MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_bytearray_type)) {
            mv_bytearray *ba = (mv_bytearray *)v;
            size_t n = ba->size;
            if (file_write_bytes(t, f, (const char *)ba->data, n) < 0) return NULL;
            return mv_int_from_i64((int64_t)n);
        }
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", v);
    }
    if (!mv_str_check(v)) return mv_err_format(t, &mv_exc_TypeError, "write() argument must be str, not %T", v);
    if (file_write_bytes(t, f, mv_str_data(v), mv_str_size(v)) < 0) return NULL;
    return mv_int_from_i64((int64_t)mv_str_len(v));
}

static Value file_write(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "write", nargs, 1, 1) < 0) return NULL;
    return write_value(t, (mv_file *)self, args[0]);
}

static Value file_writelines(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "writelines", nargs, 1, 1) < 0) return NULL;
    Value it = mv_iter(t, args[0]);
    if (!it) return NULL;
    Value x;
    while ((x = mv_next(t, it))) {
        Value r = write_value(t, (mv_file *)self, x);
        MV_DECREF(x);
        if (!r) {
            MV_DECREF(it);
            return NULL;
        }
        MV_DECREF(r);
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) return NULL;
    return mv_newref(MV_NONE);
}

static Value file_flush(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    if (file_flush_buf(t, f) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static int file_close_impl(mv_thread *t, mv_file *f) {
    if (f->closed) return 0;
    int r = file_flush_buf(t, f);
    f->closed = true;
    unlink_file(f);
    if (f->closefd && f->fd > 2) close(f->fd);
    mv_free(f->wbuf);
    f->wbuf = NULL;
    mv_free(f->rbuf);
    f->rbuf = NULL;
    f->rpos = f->rlen = f->rcap = 0;
    return r;
}

static Value file_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (file_close_impl(t, (mv_file *)self) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value file_tell(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    off_t pos = lseek(f->fd, 0, SEEK_CUR);
    if (pos < 0) return mv_err_errno(t, errno, NULL);
    pos = pos - (off_t)(f->rlen - f->rpos) + (off_t)f->wlen;
    return mv_int_from_i64((int64_t)pos);
}

static Value file_seek(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (mv_check_nargs(t, "seek", nargs, 1, 2) < 0) return NULL;
    if (f->closed) return closed_error(t);
    int64_t off, whence = 0;
    if (mv_index_int64(t, args[0], &off) < 0) return NULL;
    if (nargs > 1 && mv_index_int64(t, args[1], &whence) < 0) return NULL;
    if (whence < 0 || whence > 2)
        return mv_err_format(t, &mv_exc_ValueError, "invalid whence (%ld, should be 0, 1 or 2)", (long)whence);
    if (!f->binary && whence != 0 && off != 0) return unsupported(t, whence == 1 ? "can't do nonzero cur-relative seeks" : "can't do nonzero end-relative seeks");
    if (file_flush_buf(t, f) < 0) return NULL;
    if (whence == 1) off -= (int64_t)(f->rlen - f->rpos);
    f->rpos = f->rlen = 0;
    f->eof = false;
    off_t pos = lseek(f->fd, (off_t)off, (int)whence);
    if (pos < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64((int64_t)pos);
}

static Value file_truncate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (check_writable(t, f) < 0) return NULL;
    if (file_flush_buf(t, f) < 0) return NULL;
    int64_t size;
    if (nargs > 0 && args[0] != MV_NONE) {
        if (mv_index_int64(t, args[0], &size) < 0) return NULL;
    } else {
        size = (int64_t)lseek(f->fd, 0, SEEK_CUR);
    }
    if (ftruncate(f->fd, (off_t)size) < 0) return mv_err_errno(t, errno, NULL);
    return mv_int_from_i64(size);
}

static Value file_fileno(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_int_from_i64(f->fd);
}

static Value file_isatty(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(MV_BOOL(isatty(f->fd)));
}

static Value file_readable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(MV_BOOL(f->readable));
}

static Value file_writable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(MV_BOOL(f->writable));
}

static Value file_seekable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(MV_BOOL(lseek(f->fd, 0, SEEK_CUR) >= 0));
}

static Value file_enter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(self);
}

static Value file_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (file_close_impl(t, (mv_file *)self) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static const mv_method_def file_methods[] = {
    {"read", file_read, 0, NULL},
    {"readline", file_readline, 0, NULL},
    {"readlines", file_readlines, 0, NULL},
    {"write", file_write, 0, NULL},
    {"writelines", file_writelines, 0, NULL},
    {"flush", file_flush, 0, NULL},
    {"close", file_close, 0, NULL},
    {"tell", file_tell, 0, NULL},
    {"seek", file_seek, 0, NULL},
    {"truncate", file_truncate, 0, NULL},
    {"fileno", file_fileno, 0, NULL},
    {"isatty", file_isatty, 0, NULL},
    {"readable", file_readable, 0, NULL},
    {"writable", file_writable, 0, NULL},
    {"seekable", file_seekable, 0, NULL},
    {"__enter__", file_enter, 0, NULL},
    {"__exit__", file_exit, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static Value get_closed(mv_thread *t, Value self) { return mv_newref(MV_BOOL(((mv_file *)self)->closed)); }
static Value get_name(mv_thread *t, Value self) { return mv_newref(((mv_file *)self)->name); }
static Value get_mode(mv_thread *t, Value self) { return mv_newref(((mv_file *)self)->mode); }
static Value get_encoding(mv_thread *t, Value self) {
    if (((mv_file *)self)->binary) return mv_err_set(t, &mv_exc_AttributeError, "'_io.BufferedReader' object has no attribute 'encoding'");
    return mv_str_from_cstr("utf-8");
}
static Value get_buffer(mv_thread *t, Value self) {
    /* text files' .buffer: a binary view of the same fd (shares nothing; flush first) */
    mv_file *f = (mv_file *)self;
    if (f->binary) return mv_err_set(t, &mv_exc_AttributeError, "'_io.BufferedWriter' object has no attribute 'buffer'");
    if (file_flush_buf(t, f) < 0) return NULL;
    mv_file *b = (mv_file *)mv_file_from_fd(t, f->fd, f->writable ? "wb" : "rb", mv_str_check(f->name) ? mv_str_data(f->name) : "<fd>");
    if (b) b->closefd = false;
    return (Value)b;
}

static const mv_getset_def file_getsets[] = {
    {"closed", get_closed, NULL},
    {"name", get_name, NULL},
    {"mode", get_mode, NULL},
    {"encoding", get_encoding, NULL},
    {"buffer", get_buffer, NULL},
    {NULL, NULL, NULL},
};

static Value file_iter(mv_thread *t, Value self) {
    mv_file *f = (mv_file *)self;
    if (f->closed) return closed_error(t);
    return mv_newref(self);
}

static Value file_iternext(mv_thread *t, Value self) {
    Value line = file_readline_n(t, (mv_file *)self, -1);
    if (!line) return NULL;
    if (result_empty(line)) {
        MV_DECREF(line);
        return NULL;
    }
    return line;
}

static Value file_repr(mv_thread *t, Value self) {
    mv_file *f = (mv_file *)self;
    const char *cls = f->binary ? (f->readable && !f->writable ? "_io.BufferedReader" : (f->readable ? "_io.BufferedRandom" : "_io.BufferedWriter")) : "_io.TextIOWrapper";
    if (f->closed && !f->binary) return mv_str_fromf("<%s name=? mode='%s' encoding='utf-8'>", cls, mv_str_data(f->mode));
    Value nr = mv_repr(t, f->name);
    if (!nr) return NULL;
    Value r;
    if (f->binary) r = mv_str_fromf("<%s name=%s>", cls, mv_str_data(nr));
    else r = mv_str_fromf("<%s name=%s mode='%s' encoding='utf-8'>", cls, mv_str_data(nr), mv_str_data(f->mode));
    MV_DECREF(nr);
    return r;
}

static void file_dealloc(Value self) {
    mv_file *f = (mv_file *)self;
    if (!f->closed) {
        if (f->wlen) {
            ssize_t w = write(f->fd, f->wbuf, f->wlen);
            (void)w;
        }
        f->closed = true;
        unlink_file(f);
        if (f->closefd && f->fd > 2) close(f->fd);
    }
    mv_free(f->wbuf);
    mv_free(f->rbuf);
    MV_CLEAR(f->name);
    MV_CLEAR(f->mode);
}

mv_type mv_file_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_io.TextIOWrapper",
    .basicsize = sizeof(mv_file),
    .base = &mv_object_type,
    .doc = "A file object (open()).",
    .dealloc = file_dealloc,
    .repr = file_repr,
    .iter = file_iter,
    .iternext = file_iternext,
    .methods = file_methods,
    .getsets = file_getsets,
};

/* ---- construction ----------------------------------------------------------------------------- */

static mv_file *file_alloc(int fd, Value name, const char *mode_str, bool r, bool w, bool bin, bool app) {
    mv_file *f = (mv_file *)mv_object_new(&mv_file_type);
    f->fd = fd;
    f->name = mv_newref(name);
    f->mode = mv_str_from_cstr(mode_str);
    f->readable = r;
    f->writable = w;
    f->binary = bin;
    f->append = app;
    f->closefd = true;
    link_file(f);
    return f;
}

Value mv_file_from_fd(mv_thread *t, int fd, const char *mode, const char *name) {
    bool w = strchr(mode, 'w') || strchr(mode, 'a');
    bool bin = strchr(mode, 'b') != NULL;
    Value n = mv_str_from_cstr(name);
    mv_file *f = file_alloc(fd, n, mode, !w, w, bin, false);
    MV_DECREF(n);
    f->closefd = false;
    if (w) {
        const char *unbuf = getenv("MVUNBUFFERED");
        if (fd == 2 || (unbuf && *unbuf)) f->unbuffered = true;
        else if (isatty(fd)) f->line_buffered = true;
    }
    return (Value)f;
}

void mv_file_flush_all(mv_thread *t) {
    for (mv_file *f = open_files; f; f = f->next) {
        if (f->wlen && !f->closed) {
            if (file_flush_buf(t, f) < 0) mv_err_clear(t);
        }
    }
}

Value mv_builtin_open(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"file", "mode", "buffering", "encoding", "errors", "newline",
                                         "closefd", "opener", NULL};
    Value a[8];
    if (mv_parse_args(t, "open", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value file = a[0];
    const char *mode = "r";
    if (a[1]) {
        if (!mv_str_check(a[1]))
            return mv_err_format(t, &mv_exc_TypeError, "open() argument 'mode' must be str, not %T", a[1]);
        mode = mv_str_data(a[1]);
    }
    int nr = 0, nw = 0, na = 0, nx = 0, nb = 0, nt = 0, np = 0;
    for (const char *p = mode; *p; p++) {
        switch (*p) {
        case 'r': nr++; break;
        case 'w': nw++; break;
        case 'a': na++; break;
        case 'x': nx++; break;
        case 'b': nb++; break;
        case 't': nt++; break;
        case '+': np++; break;
        default: return mv_err_format(t, &mv_exc_ValueError, "invalid mode: '%s'", mode);
        }
    }
    if (nr > 1 || nw > 1 || na > 1 || nx > 1 || nb > 1 || nt > 1 || np > 1)
        return mv_err_format(t, &mv_exc_ValueError, "invalid mode: '%s'", mode);
    if (nb && nt) return mv_err_set(t, &mv_exc_ValueError, "can't have text and binary mode at once");
    if (nr + nw + na + nx != 1)
        return mv_err_set(t, &mv_exc_ValueError, "must have exactly one of create/read/write/append mode");
    if (nb && a[3] && a[3] != MV_NONE)
        return mv_err_set(t, &mv_exc_ValueError, "binary mode doesn't take an encoding argument");
    int flags = 0;
    bool readable = nr || np, writable = nw || na || nx || np;
    if (readable && writable) flags = O_RDWR;
    else if (writable) flags = O_WRONLY;
    else flags = O_RDONLY;
    if (nw) flags |= O_CREAT | O_TRUNC;
    if (na) flags |= O_CREAT | O_APPEND;
    if (nx) flags |= O_CREAT | O_EXCL;
    flags |= O_CLOEXEC;
    int fd;
    bool closefd = true;
    if (a[6] && a[6] != MV_NONE) {
        /* (CPython rejects closefd=False with a file name; tempfile.mkstemp relies on it here) */
        int c = mv_truthy(t, a[6]);
        if (c < 0) return NULL;
        closefd = c;
    }
    if (mv_int_check(file)) {
        int64_t v;
        if (mv_int_as_i64(t, file, &v) < 0) return NULL;
        fd = (int)v;
    } else if (mv_str_check(file)) {
        /* MV_GIL_RELEASE() goes here: open() may block (FIFOs, network filesystems) */
        fd = open(mv_str_data(file), flags, 0666);
        /* MV_GIL_ACQUIRE() */
        if (fd < 0) return mv_err_errno(t, errno, file);
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            return mv_err_errno(t, EISDIR, file);
        }
    } else {
        return mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", file);
    }
    /* CPython reports the mode normalized for binary files ("rb", "wb", "ab", "rb+") */
    char m[8];
    size_t k = 0;
    if (nb) {
        m[k++] = nr ? 'r' : nw ? 'w' : na ? 'a' : 'x';
        m[k++] = 'b';
        if (np) m[k++] = '+';
        m[k] = 0;
    } else {
        snprintf(m, sizeof m, "%s", mode);
    }
    mv_file *f = file_alloc(fd, file, m, readable, writable, nb != 0, na != 0);
    f->closefd = closefd;
    if (a[2] && MV_IS_SMALL(a[2]) && MV_SMALL_VAL(a[2]) == 0) {
        if (!nb) {
            MV_DECREF((Value)f);
            return mv_err_set(t, &mv_exc_ValueError, "can't have unbuffered text I/O");
        }
        f->unbuffered = true;
    } else if (a[2] && MV_IS_SMALL(a[2]) && MV_SMALL_VAL(a[2]) == 1 && !nb) {
        f->line_buffered = true;
    }
    if (na) lseek(fd, 0, SEEK_END);
    return (Value)f;
}

int mv_file_write_str(mv_thread *t, Value file, Value str) {
    if (!MV_IS_SMALL(file) && file->type == &mv_file_type) {
        mv_file *f = (mv_file *)file;
        if (check_writable(t, f) < 0) return -1;
        if (f->binary) {
            mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", str);
            return -1;
        }
        return file_write_bytes(t, f, mv_str_data(str), mv_str_size(str));
    }
    Value r = mv_call_method(t, file, "write", &str, 1);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}
