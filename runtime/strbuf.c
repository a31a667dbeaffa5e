/* strbuf.c: mv_strbuf, a growable UTF-8 byte buffer for building strings in C (repr, format,
 * join, error messages).  The buffer is allocated with room for a str header in front of it, so
 * mv_strbuf_finish turns it into the str in place, without copying the text.  `buf` is always
 * NUL-terminated; it must only be released with mv_strbuf_free / mv_strbuf_finish.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "str.h"

void mv_strbuf_init(mv_strbuf *b) {
    b->buf = NULL;
    b->len = 0;
    b->cap = 0;
}

#define HDR offsetof(mv_strobj, data)

/* Make room for n more bytes plus a terminating NUL. */
static void strbuf_grow(mv_strbuf *b, size_t n) {
    size_t need = b->len + n + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < need) cap *= 2;
    /* the first block is allocated as an object (it may become the str) */
    char *base = b->buf ? mv_realloc(b->buf - HDR, HDR + cap) : mv_mem_object_alloc(HDR + cap);
    b->buf = base + HDR;
    b->cap = cap;
}

void mv_strbuf_reserve(mv_strbuf *b, size_t n) { strbuf_grow(b, n); }

void mv_strbuf_add(mv_strbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) strbuf_grow(b, n);
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

void mv_strbuf_adds(mv_strbuf *b, const char *s) { mv_strbuf_add(b, s, strlen(s)); }

void mv_strbuf_addc(mv_strbuf *b, char c) {
    if (b->len + 2 > b->cap) strbuf_grow(b, 1);
    b->buf[b->len++] = c;
    b->buf[b->len] = 0;
}

void mv_strbuf_addf(mv_strbuf *b, const char *fmt, ...) {
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        mv_strbuf_add(b, small, (size_t)n);
        return;
    }
    strbuf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mv_strbuf_add_codepoint(mv_strbuf *b, uint32_t cp) {
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        mv_strbuf_addc(b, (char)cp);
        return;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    mv_strbuf_add(b, tmp, n);
}

int mv_strbuf_add_value_str(mv_thread *t, mv_strbuf *b, Value v) {
    if (!MV_IS_SMALL(v) && v->type == &mv_str_type) {
        mv_strbuf_add(b, mv_str_data(v), mv_str_size(v));
        return 0;
    }
    Value s = mv_str(t, v);
    if (!s) return -1;
    mv_strbuf_add(b, mv_str_data(s), mv_str_size(s));
    MV_DECREF(s);
    return 0;
}

int mv_strbuf_add_value_repr(mv_thread *t, mv_strbuf *b, Value v) {
    Value s = mv_repr(t, v);
    if (!s) return -1;
    mv_strbuf_add(b, mv_str_data(s), mv_str_size(s));
    MV_DECREF(s);
    return 0;
}

Value mv_strbuf_finish(mv_strbuf *b) {
    size_t n = b->len;
    if (n <= 1) {
        /* "" and single characters are shared objects */
        Value s = n ? mv_str_from_codepoint((unsigned char)b->buf[0]) : mv_str_empty();
        mv_strbuf_free(b);
        return s;
    }
    mv_strobj *s = (mv_strobj *)(b->buf - HDR);
    if (b->cap - n > 256 && b->cap > 2 * n) s = mv_realloc(s, HDR + n + 1); /* give back slack */
    s->ob.refcnt = 1;
    s->ob.type = &mv_str_type;
    s->size = n;
    s->length = mv_utf8_count(s->data, n);
    s->hash = -1;
    s->ascii = s->length == n;
    s->interned = false;
    s->data[n] = '\0';
    b->buf = NULL;
    b->len = b->cap = 0;
    if (s->length == 1) {
        /* one non-ASCII character: use the shared one when there is one */
        const char *p = s->data;
        uint32_t cp = mv_utf8_next(&p);
        if (cp < 256) {
            mv_mem_object_free(s);
            return mv_str_from_codepoint(cp);
        }
    }
    return (Value)s;
}

void mv_strbuf_free(mv_strbuf *b) {
    if (b->buf) mv_mem_object_free(b->buf - HDR);
    b->buf = NULL;
    b->len = b->cap = 0;
}
