/* bytes.c: the immutable bytes type (creation, repr b'...', indexing to ints, slicing, concat,
 * `in`, iteration, hash, comparison, the bytes() constructor), the codecs (utf-8, ascii,
 * latin-1) behind str.encode / bytes.decode, and the methods shared with bytearray: each works
 * on any buffer and returns an object of self's kind.
 */
#include <ctype.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "str.h"
#include "tuple.h"

static mv_bytes *empty_bytes;

Value mv_bytes_new(const void *data, size_t size) {
    if (size == 0 && empty_bytes) return (Value)empty_bytes;
    mv_bytes *b = mv_mem_object_alloc(sizeof(mv_bytes) + size + 1);
    b->ob.refcnt = 1;
    b->ob.type = &mv_bytes_type;
    b->size = size;
    b->hash = -1;
    if (size) memcpy(b->data, data, size);
    b->data[size] = 0;
    if (size == 0) {
        b->ob.refcnt = MV_IMMORTAL_REFCNT;
        empty_bytes = b;
    }
    return (Value)b;
}

/* a fresh bytes of `size` bytes for the caller to fill */
static mv_bytes *bytes_alloc(size_t size) {
    mv_bytes *b = mv_mem_object_alloc(sizeof(mv_bytes) + size + 1);
    b->ob.refcnt = 1;
    b->ob.type = &mv_bytes_type;
    b->size = size;
    b->hash = -1;
    b->data[size] = 0;
    return b;
}

static bool is_bytearray(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_bytearray_type); }

/* a result of the same kind as self */
static Value make_like(Value self, const void *data, size_t size) {
    return is_bytearray(self) ? mv_bytearray_new(data, size) : mv_bytes_new(data, size);
}

static void buf_of(Value v, const unsigned char **d, size_t *n) {
    if (!mv_bytes_like(v, d, n)) {
        *d = (const unsigned char *)"";
        *n = 0;
    }
}

/* ---- repr ------------------------------------------------------------------------------------ */

void mv_bytes_repr_into(mv_strbuf *b, const unsigned char *d, size_t n) {
    bool sq = memchr(d, '\'', n) != NULL, dq = memchr(d, '"', n) != NULL;
    char quote = (sq && !dq) ? '"' : '\'';
    mv_strbuf_reserve(b, n + 3);
    mv_strbuf_addc(b, 'b');
    mv_strbuf_addc(b, quote);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = d[i];
        if (c == (unsigned char)quote || c == '\\') {
            mv_strbuf_addc(b, '\\');
            mv_strbuf_addc(b, (char)c);
        } else if (c == '\t') mv_strbuf_add(b, "\\t", 2);
        else if (c == '\n') mv_strbuf_add(b, "\\n", 2);
        else if (c == '\r') mv_strbuf_add(b, "\\r", 2);
        else if (c < 0x20 || c >= 0x7F) {
            static const char hx[] = "0123456789abcdef";
            char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 15]};
            mv_strbuf_add(b, e, 4);
        } else mv_strbuf_addc(b, (char)c);
    }
    mv_strbuf_addc(b, quote);
}

Value mv_bytes_repr(Value v) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_bytes_repr_into(&b, mv_bytes_data(v), mv_bytes_size(v));
    return mv_strbuf_finish(&b);
}

static Value bytes_repr_slot(mv_thread *t, Value self) {
    (void)t;
    return mv_bytes_repr(self);
}

/* ---- codecs ---------------------------------------------------------------------------------- */

/* canonical codec name: 'u' utf-8, 'a' ascii, 'l' latin-1, 0 unknown */
static char codec_of(const char *enc) {
    char n[32];
    size_t k = 0;
    for (; enc[k] && k < sizeof n - 1; k++) n[k] = enc[k] == '_' ? '-' : (char)tolower((unsigned char)enc[k]);
    n[k] = 0;
    if (!strcmp(n, "utf-8") || !strcmp(n, "utf8") || !strcmp(n, "u8") || !strcmp(n, "utf")) return 'u';
    if (!strcmp(n, "ascii") || !strcmp(n, "us-ascii") || !strcmp(n, "646")) return 'a';
    if (!strcmp(n, "latin-1") || !strcmp(n, "latin1") || !strcmp(n, "iso-8859-1") ||
        !strcmp(n, "iso8859-1") || !strcmp(n, "l1") || !strcmp(n, "8859") || !strcmp(n, "cp819") ||
        !strcmp(n, "latin"))
        return 'l';
    return 0;
}

static const char *codec_name(char c) { return c == 'u' ? "utf-8" : c == 'a' ? "ascii" : "latin-1"; }

Value mv_bytes_decode(mv_thread *t, const unsigned char *d, size_t n, const char *enc,
                      const char *errors) {
    char c = codec_of(enc);
    if (!c) return mv_err_format(t, &mv_exc_LookupError, "unknown encoding: %s", enc);
    if (c == 'u') return mv_str_decode_utf8(t, (const char *)d, n, errors);
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_reserve(&b, n);
    for (size_t i = 0; i < n; i++) {
        if (d[i] < 0x80 || c == 'l') {
            mv_strbuf_add_codepoint(&b, d[i]);
            continue;
        }
        if (!strcmp(errors, "ignore")) continue;
        if (!strcmp(errors, "replace")) {
            mv_strbuf_add_codepoint(&b, 0xFFFD);
            continue;
        }
        if (!strcmp(errors, "backslashreplace")) {
            mv_strbuf_addf(&b, "\\x%02x", d[i]);
            continue;
        }
        mv_strbuf_free(&b);
        return mv_err_format(t, &mv_exc_UnicodeDecodeError,
                             "'ascii' codec can't decode byte 0x%02x in position %zu: ordinal not "
                             "in range(128)",
                             d[i], i);
    }
    return mv_strbuf_finish(&b);
}

static void add_escaped_char(mv_strbuf *b, uint32_t cp) {
    if (cp <= 0xFF) mv_strbuf_addf(b, "\\x%02x", cp);
    else if (cp <= 0xFFFF) mv_strbuf_addf(b, "\\u%04x", cp);
    else mv_strbuf_addf(b, "\\U%08x", cp);
}

Value mv_str_encode(mv_thread *t, Value s, const char *enc, const char *errors) {
    char c = codec_of(enc);
    if (!c) return mv_err_format(t, &mv_exc_LookupError, "unknown encoding: %s", enc);
    const char *d = mv_str_data(s);
    size_t n = mv_str_size(s);
    uint32_t limit = c == 'a' ? 0x80 : c == 'l' ? 0x100 : 0x110000;
    if (c == 'u' || ((mv_strobj *)s)->ascii) {
        /* surrogates (ED A0..BF xx) cannot be encoded */
        const char *sur = NULL;
        for (const char *p = d; c == 'u' && (p = memchr(p, 0xED, (size_t)(d + n - p)));) {
            if ((unsigned char)p[1] >= 0xA0) {
                sur = p;
                break;
            }
            p++;
        }
        if (!sur) return mv_bytes_new(d, n);
        if (strcmp(errors, "surrogateescape") && strcmp(errors, "ignore") && strcmp(errors, "replace")) {
            const char *p = sur;
            uint32_t cp = mv_utf8_next(&p);
            return mv_err_format(t, &mv_exc_UnicodeEncodeError,
                                 "'utf-8' codec can't encode character '\\u%04x' in position %zu: "
                                 "surrogates not allowed",
                                 cp, mv_utf8_count(d, (size_t)(sur - d)));
        }
        limit = 0xD800; /* fall through: treat surrogates as unencodable */
    }
    mv_strbuf b;
    mv_strbuf_init(&b);
    const char *p = d, *end = d + n;
    size_t pos = 0;
    while (p < end) {
        const char *c0 = p;
        uint32_t cp = mv_utf8_next(&p);
        bool bad = c == 'u' ? (cp >= 0xD800 && cp <= 0xDFFF) : cp >= limit;
        if (!bad) {
            if (c == 'u') mv_strbuf_add(&b, c0, (size_t)(p - c0));
            else mv_strbuf_addc(&b, (char)cp);
            pos++;
            continue;
        }
        if (!strcmp(errors, "ignore")) {
        } else if (!strcmp(errors, "replace")) {
            mv_strbuf_addc(&b, '?');
        } else if (!strcmp(errors, "backslashreplace")) {
            add_escaped_char(&b, cp);
        } else if (!strcmp(errors, "xmlcharrefreplace")) {
            mv_strbuf_addf(&b, "&#%u;", cp);
        } else {
            /* strict: report the whole run of unencodable characters */
            size_t startpos = pos, endpos = pos + 1;
            const char *q = p;
            while (q < end) {
                const char *q0 = q;
                uint32_t c2 = mv_utf8_next(&q);
                if (c2 < limit) {
                    q = q0;
                    break;
                }
                endpos++;
            }
            mv_strbuf_free(&b);
            const char *range = limit == 0x80 ? "ordinal not in range(128)" : "ordinal not in range(256)";
            if (endpos - startpos == 1) {
                mv_strbuf m;
                mv_strbuf_init(&m);
                add_escaped_char(&m, cp);
                mv_strbuf_addc(&m, 0);
                Value r = mv_err_format(t, &mv_exc_UnicodeEncodeError,
                                        "'%s' codec can't encode character '%s' in position %zu: %s",
                                        codec_name(c), m.buf, startpos, range);
                mv_strbuf_free(&m);
                return r;
            }
            return mv_err_format(t, &mv_exc_UnicodeEncodeError,
                                 "'%s' codec can't encode characters in position %zu-%zu: %s",
                                 codec_name(c), startpos, endpos - 1, range);
        }
        pos++;
    }
    Value r = mv_bytes_new(b.buf ? b.buf : "", b.len);
    mv_strbuf_free(&b);
    return r;
}

/* ---- construction ---------------------------------------------------------------------------- */

int mv_bytes_byte_value(mv_thread *t, Value v, unsigned char *out) {
    if (!mv_int_check(v) && !MV_TYPE(v)->nb_index) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                      mv_type_name(v));
        return -1;
    }
    int64_t i;
    if (mv_index_int64(t, v, &i) < 0) {
        if (!mv_err_matches(t, &mv_exc_OverflowError)) return -1;
        mv_err_clear(t);
        i = -1;
    }
    if (i < 0 || i > 255) {
        mv_err_set(t, &mv_exc_ValueError, "bytes must be in range(0, 256)");
        return -1;
    }
    *out = (unsigned char)i;
    return 0;
}

int mv_bytes_from_args(mv_thread *t, const char *tname, Value *args, size_t nargs, Value kwnames,
                       unsigned char **out, size_t *outsize) {
    static const char *const kwlist[] = {"source", "encoding", "errors", NULL};
    Value a[3] = {NULL, NULL, NULL};
    *out = NULL;
    *outsize = 0;
    if (mv_parse_args(t, tname, args, nargs, kwnames, kwlist, 0, a) < 0) return -1;
    Value src = a[0];
    if (!src) {
        if (a[1] || a[2]) {
            mv_err_set(t, &mv_exc_TypeError,
                       a[1] ? "encoding without a string argument" : "errors without a string argument");
            return -1;
        }
        return 0;
    }
    if (mv_str_check(src)) {
        if (!a[1]) {
            mv_err_set(t, &mv_exc_TypeError, "string argument without an encoding");
            return -1;
        }
        if (!mv_str_check(a[1]) || (a[2] && !mv_str_check(a[2]))) {
            mv_err_format(t, &mv_exc_TypeError, "%s() argument 'encoding' must be str, not %s",
                          tname, mv_type_name(a[1]));
            return -1;
        }
        Value b = mv_str_encode(t, src, mv_str_data(a[1]), a[2] ? mv_str_data(a[2]) : "strict");
        if (!b) return -1;
        *outsize = mv_bytes_size(b);
        *out = mv_malloc(*outsize + 1);
        memcpy(*out, mv_bytes_data(b), *outsize);
        MV_DECREF(b);
        return 0;
    }
    if (a[1] || a[2]) {
        mv_err_set(t, &mv_exc_TypeError,
                   a[1] ? "encoding without a string argument" : "errors without a string argument");
        return -1;
    }
    const unsigned char *d;
    size_t n;
    if (mv_bytes_like(src, &d, &n)) {
        *out = mv_malloc(n + 1);
        memcpy(*out, d, n);
        *outsize = n;
        return 0;
    }
    if (mv_int_check(src)) {
        int64_t k;
        if (mv_index_int64(t, src, &k) < 0) return -1;
        if (k < 0) {
            mv_err_set(t, &mv_exc_ValueError, "negative count");
            return -1;
        }
        *out = mv_calloc((size_t)k + 1, 1);
        *outsize = (size_t)k;
        return 0;
    }
    Value it = mv_iter(t, src);
    if (!it) {
        if (mv_err_matches(t, &mv_exc_TypeError)) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_TypeError, "cannot convert '%s' object to %s",
                          mv_type_name(src), tname);
        }
        return -1;
    }
    size_t cap = 16, len = 0;
    unsigned char *buf = mv_malloc(cap);
    Value x;
    while ((x = mv_next(t, it))) {
        unsigned char c;
        int rc = mv_bytes_byte_value(t, x, &c);
        MV_DECREF(x);
        if (rc < 0) break;
        if (len + 1 >= cap) buf = mv_realloc(buf, cap *= 2);
        buf[len++] = c;
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) {
        mv_free(buf);
        return -1;
    }
    *out = buf;
    *outsize = len;
    return 0;
}

static Value bytes_new_slot(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    unsigned char *d;
    size_t n;
    if (nargs == 1 && !kwnames && mv_bytes_check(args[0]) && args[0]->type == &mv_bytes_type &&
        type == &mv_bytes_type)
        return mv_newref(args[0]);
    if (mv_bytes_from_args(t, "bytes", args, nargs, kwnames, &d, &n) < 0) return NULL;
    Value r;
    if (type == &mv_bytes_type) {
        r = mv_bytes_new(d ? (const void *)d : "", n);
    } else {
        mv_bytes *b = (mv_bytes *)mv_object_new_sized(type, sizeof(mv_bytes) + n + 1 +
                                                      (type->basicsize > sizeof(mv_bytes) ? type->basicsize - sizeof(mv_bytes) : 0));
        b->size = n;
        b->hash = -1;
        if (n) memcpy(b->data, d, n);
        r = (Value)b;
    }
    mv_free(d);
    return r;
}

/* ---- protocols ------------------------------------------------------------------------------- */

static int bytes_hash(mv_thread *t, Value self, int64_t *out) {
    (void)t;
    mv_bytes *b = (mv_bytes *)self;
    if (b->hash == -1) b->hash = mv_hash_bytes(b->data, b->size);
    *out = b->hash;
    return 0;
}

Value mv_bytes_richcompare(mv_thread *t, Value a, Value b, int op) {
    (void)t;
    const unsigned char *x, *y;
    size_t nx, ny;
    if (!mv_bytes_like(a, &x, &nx) || !mv_bytes_like(b, &y, &ny)) return MV_NOTIMPL;
    if (op == MV_EQ || op == MV_NE) {
        bool eq = nx == ny && !memcmp(x, y, nx);
        return MV_BOOL(op == MV_EQ ? eq : !eq);
    }
    int c = memcmp(x, y, nx < ny ? nx : ny);
    if (c == 0) c = nx < ny ? -1 : nx > ny;
    switch (op) {
    case MV_LT: return MV_BOOL(c < 0);
    case MV_LE: return MV_BOOL(c <= 0);
    case MV_GT: return MV_BOOL(c > 0);
    default: return MV_BOOL(c >= 0);
    }
}

static int64_t bytes_len(mv_thread *t, Value self) {
    (void)t;
    return (int64_t)mv_bytes_size(self);
}

static Value bytes_getitem(mv_thread *t, Value self, Value key) {
    const unsigned char *d = mv_bytes_data(self);
    int64_t n = (int64_t)mv_bytes_size(self);
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t k = mv_slice_indices(t, key, n, &start, &stop, &step);
        if (k < 0) return NULL;
        if (step == 1) return mv_bytes_new(d + start, (size_t)k);
        mv_bytes *r = bytes_alloc((size_t)k);
        for (int64_t i = 0, j = start; i < k; i++, j += step) r->data[i] = d[j];
        return (Value)r;
    }
    if (!mv_int_check(key) && !MV_TYPE(key)->nb_index)
        return mv_err_format(t, &mv_exc_TypeError, "byte indices must be integers or slices, not %s",
                             mv_type_name(key));
    int64_t i;
    if (mv_index_int64(t, key, &i) < 0) return NULL;
    if (i < 0) i += n;
    if (i < 0 || i >= n) return mv_err_set(t, &mv_exc_IndexError, "index out of range");
    return MV_FROM_SMALL(d[i]);
}

/* `x in b` for bytes and bytearray: an int byte or a bytes-like substring */
int mv_bytes_contains(mv_thread *t, Value self, Value item) {
    const unsigned char *d, *s;
    size_t n, m;
    buf_of(self, &d, &n);
    if (mv_int_check(item)) {
        unsigned char c;
        if (mv_bytes_byte_value(t, item, &c) < 0) {
            if (mv_err_matches(t, &mv_exc_ValueError)) {
                mv_err_clear(t);
                mv_err_set(t, &mv_exc_ValueError, "byte must be in range(0, 256)");
            }
            return -1;
        }
        return memchr(d, c, n) != NULL;
    }
    if (!mv_bytes_like(item, &s, &m)) {
        mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%s'",
                      mv_type_name(item));
        return -1;
    }
    return m == 0 || memmem(d, n, s, m) != NULL;
}

Value mv_bytes_add(mv_thread *t, Value a, Value b) {
    const unsigned char *x, *y;
    size_t nx, ny;
    if (!mv_bytes_like(a, &x, &nx)) return MV_NOTIMPL;
    if (!mv_bytes_like(b, &y, &ny)) {
        mv_type *bt = MV_TYPE(b);
        if ((bt->flags & MV_TPFLAG_HEAPTYPE) && bt->nb[MV_BINOP_ADD]) return MV_NOTIMPL;
        return mv_err_format(t, &mv_exc_TypeError, "can't concat %s to %s", mv_type_name(b),
                             mv_type_name(a));
    }
    if (is_bytearray(a)) {
        Value r = mv_bytearray_new(x, nx);
        mv_bytearray *ba = (mv_bytearray *)r;
        if (ba->size + ny + 1 > ba->cap) {
            ba->cap = ba->size + ny + 1;
            ba->data = mv_realloc(ba->data, ba->cap);
        }
        memcpy(ba->data + ba->size, y, ny);
        ba->size += ny;
        ba->data[ba->size] = 0;
        return r;
    }
    mv_bytes *r = bytes_alloc(nx + ny);
    memcpy(r->data, x, nx);
    memcpy(r->data + nx, y, ny);
    return (Value)r;
}

Value mv_bytes_mul(mv_thread *t, Value a, Value b) {
    Value s = a, n = b;
    const unsigned char *d;
    size_t len;
    if (!mv_bytes_like(a, &d, &len)) {
        s = b;
        n = a;
        if (!mv_bytes_like(s, &d, &len)) return MV_NOTIMPL;
    }
    if (!mv_int_check(n) && !MV_TYPE(n)->nb_index)
        return mv_err_format(t, &mv_exc_TypeError, "can't multiply sequence by non-int of type '%s'",
                             mv_type_name(n));
    int64_t k;
    if (mv_index_int64(t, n, &k) < 0) return NULL;
    if (k < 0) k = 0;
    size_t total = len * (size_t)k;
    unsigned char *buf = mv_malloc(total + 1);
    for (int64_t i = 0; i < k; i++) memcpy(buf + (size_t)i * len, d, len);
    Value r = make_like(s, buf, total);
    mv_free(buf);
    return r;
}

/* ---- iteration ------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value seq; /* bytes or bytearray; NULL when exhausted */
    size_t i;
} bytes_iter;

static Value bytes_iter_next(mv_thread *t, Value self) {
    (void)t;
    bytes_iter *it = (bytes_iter *)self;
    if (!it->seq) return NULL;
    const unsigned char *d;
    size_t n;
    buf_of(it->seq, &d, &n);
    if (it->i >= n) {
        MV_CLEAR(it->seq);
        return NULL;
    }
    return MV_FROM_SMALL(d[it->i++]);
}

static Value bytes_iter_self(mv_thread *t, Value self) {
    (void)t;
    return mv_newref(self);
}

static void bytes_iter_dealloc(Value self) { MV_XDECREF(((bytes_iter *)self)->seq); }

mv_type mv_bytes_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "bytes_iterator",
    .basicsize = sizeof(bytes_iter),
    .dealloc = bytes_iter_dealloc,
    .iter = bytes_iter_self,
    .iternext = bytes_iter_next,
};

Value mv_bytes_iter_new(Value seq) {
    bytes_iter *it = (bytes_iter *)mv_object_new(&mv_bytes_iter_type);
    it->seq = mv_newref(seq);
    it->i = 0;
    return (Value)it;
}

static Value bytes_iter_slot(mv_thread *t, Value self) {
    (void)t;
    return mv_bytes_iter_new(self);
}

static Value bytes_str_slot(mv_thread *t, Value self) { return mv_repr(t, self); }

static const mv_method_def bytes_methods[] = {
    MV_BYTES_SHARED_METHODS
    {"fromhex", mv_bytesm_fromhex, MV_METH_CLASS, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_bytes_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "bytes",
    .basicsize = sizeof(mv_bytes),
    .flags = MV_TPFLAG_BASETYPE,
    .tp_new = bytes_new_slot,
    .repr = bytes_repr_slot,
    .str = bytes_str_slot,
    .hash = bytes_hash,
    .richcompare = mv_bytes_richcompare,
    .iter = bytes_iter_slot,
    .len = bytes_len,
    .getitem = bytes_getitem,
    .contains = mv_bytes_contains,
    .nb = {[MV_BINOP_ADD] = mv_bytes_add, [MV_BINOP_MUL] = mv_bytes_mul},
    .methods = bytes_methods,
};
