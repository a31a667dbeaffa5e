/* str.c: the str type: creation (one allocation, filled in place), the shared "" and
 * one-character strings, interning, hashing, equality and ordering, concatenation, repetition,
 * `in`, indexing and slicing by code point, iteration, repr and the str() constructor.
 * The methods live in str_methods.c, the formatting in format.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "range.h"
#include "str.h"

/* ---- UTF-8 helpers ------------------------------------------------------------------------ */

/* From p[i], past the whole 8-byte words that are all ASCII: the fast path of the two scans
   below (most text is ASCII). */
static inline size_t skip_ascii_words(const unsigned char *p, size_t i, size_t n) {
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
    }
    return i;
}

size_t mv_utf8_count(const char *s, size_t size) {
    size_t n = 0, i = 0;
    const unsigned char *p = (const unsigned char *)s;
    /* count the bytes that are not continuation bytes */
    for (;;) {
        size_t j = skip_ascii_words(p, i, size);
        n += j - i;
        i = j;
        if (i + 8 > size) break;
        for (size_t k = 0; k < 8; k++) n += (p[i + k] & 0xC0) != 0x80;
        i += 8;
    }
    for (; i < size; i++) n += (p[i] & 0xC0) != 0x80;
    return n;
}

/* Valid UTF-8 as minivm's str holds it (no surrogates, no overlong forms); counts code points. */
bool mv_utf8_valid(const char *str, size_t n, size_t *ncp) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, cp = 0;
    while (i < n) {
        size_t ascii_end = skip_ascii_words(s, i, n);
        cp += ascii_end - i;
        i = ascii_end;
        if (i == n) break;
        unsigned char c = s[i];
        size_t k;
        if (c < 0x80) {
            i++;
            cp++;
            continue;
        }
        if (c < 0xC2) return false;
        k = c < 0xE0 ? 1 : c < 0xF0 ? 2 : c < 0xF5 ? 3 : 0;
        if (!k || n - i <= k) return false;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) || (c == 0xF0 && s[i + 1] < 0x90) ||
            (c == 0xF4 && s[i + 1] >= 0x90))
            return false;
        i += k + 1;
        cp++;
    }
    *ncp = cp;
    return true;
}

uint32_t mv_utf8_next(const char **pp) {
    const unsigned char *p = (const unsigned char *)*pp;
    uint32_t c = p[0];
    if (c < 0x80) {
        *pp += 1;
        return c;
    }
    if (c < 0xE0) {
        *pp += 2;
        return ((c & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if (c < 0xF0) {
        *pp += 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
    *pp += 4;
    return ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) |
           (p[3] & 0x3F);
}

int mv_utf8_encode(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- creation ----------------------------------------------------------------------------- */

mv_strobj *mv_str_alloc(size_t size, size_t length) {
    /* counted as an object (mem.c's leak statistics); mv_dealloc releases it */
    mv_strobj *s = mv_mem_object_alloc(sizeof(mv_strobj) + size + 1);
    s->ob.refcnt = 1;
    s->ob.type = &mv_str_type;
    s->size = size;
    s->length = length;
    s->hash = -1;
    s->ascii = size == length;
    s->interned = false;
    s->data[size] = '\0';
    return s;
}

/* "" and the strings of one code point below 256 are shared and immortal: indexing, iteration
   and split produce them all the time. */
static mv_strobj *empty_str;
static mv_strobj *char_cache[256];

static mv_strobj *make_immortal(mv_strobj *s) {
    s->ob.refcnt = MV_IMMORTAL_REFCNT;
    return s;
}

Value mv_str_empty(void) {
    if (!empty_str) empty_str = make_immortal(mv_str_alloc(0, 0));
    return (Value)empty_str;
}

Value mv_str_from_codepoint(uint32_t cp) {
    if (cp < 256) {
        mv_strobj *s = char_cache[cp];
        if (!s) {
            char buf[4];
            int n = mv_utf8_encode(cp, buf);
            s = mv_str_alloc((size_t)n, 1);
            memcpy(s->data, buf, (size_t)n);
            char_cache[cp] = s = make_immortal(s);
        }
        return (Value)s;
    }
    char buf[4];
    int n = mv_utf8_encode(cp, buf);
    mv_strobj *s = mv_str_alloc((size_t)n, 1);
    memcpy(s->data, buf, (size_t)n);
    return (Value)s;
}

Value mv_str_new_len(const char *utf8, size_t size, size_t length) {
    if (size == 0) return mv_str_empty();
    if (length == 1) {
        const char *p = utf8;
        uint32_t cp = mv_utf8_next(&p);
        if (cp < 256) return mv_str_from_codepoint(cp);
    }
    mv_strobj *s = mv_str_alloc(size, length);
    memcpy(s->data, utf8, size);
    return (Value)s;
}

Value mv_str_new(const char *utf8, size_t size) {
    if (size == 0) return mv_str_empty();
    if (size == 1) return mv_str_from_codepoint((unsigned char)utf8[0]);
    return mv_str_new_len(utf8, size, mv_utf8_count(utf8, size));
}

Value mv_str_from_cstr(const char *s) { return mv_str_new(s, strlen(s)); }

Value mv_str_fromf(const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return mv_str_empty();
    if ((size_t)n < sizeof small) return mv_str_new(small, (size_t)n);
    char *big = mv_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    Value s = mv_str_new(big, (size_t)n);
    mv_free(big);
    return s;
}

Value mv_str_exact(mv_thread *t, Value s) {
    (void)t;
    if (s->type == &mv_str_type) return mv_newref(s);
    mv_strobj *o = (mv_strobj *)s;
    return mv_str_new_len(o->data, o->size, o->length);
}

/* ---- UTF-8 decoding of untrusted bytes ------------------------------------------------------ */

/* Length of the valid sequence at p (1-4), or 0 with *why set when it is invalid. */
static int utf8_valid_seq(const unsigned char *p, size_t avail, const char **why, size_t *badlen) {
    unsigned c = p[0];
    *badlen = 1;
    if (c < 0x80) return 1;
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *why = "invalid start byte";
        return 0;
    }
    for (int k = 1; k < n; k++) {
        if ((size_t)k >= avail) {
            *why = "unexpected end of data";
            *badlen = avail;
            return 0;
        }
        unsigned cc = p[k];
        unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (cc < l || cc > h) {
            *why = "invalid continuation byte";
            *badlen = (size_t)k;
            return 0;
        }
    }
    return n;
}

Value mv_str_decode_utf8(mv_thread *t, const char *s, size_t size, const char *errors) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, count = 0;
    /* Fast path: valid input is copied once. */
    while (i < size) {
        if (p[i] < 0x80) {
            i++;
            count++;
            continue;
        }
        const char *why;
        size_t bad;
        int n = utf8_valid_seq(p + i, size - i, &why, &bad);
        if (!n) break;
        i += (size_t)n;
        count++;
    }
    if (i == size) return mv_str_new_len(s, size, count);

    bool replace = errors && (!strcmp(errors, "replace") || !strcmp(errors, "surrogateescape") ||
                              !strcmp(errors, "backslashreplace"));
    bool ignore = errors && !strcmp(errors, "ignore");
    bool backslash = errors && !strcmp(errors, "backslashreplace");
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_add(&b, s, i);
    while (i < size) {
        const char *why = NULL;
        size_t bad;
        int n = utf8_valid_seq(p + i, size - i, &why, &bad);
        if (n) {
            mv_strbuf_add(&b, s + i, (size_t)n);
            i += (size_t)n;
            continue;
        }
        if (!replace && !ignore) {
            mv_strbuf_free(&b);
            if (bad > 1)
                return mv_err_format(t, &mv_exc_UnicodeDecodeError,
                                     "'utf-8' codec can't decode bytes in position %zu-%zu: %s", i,
                                     i + bad - 1, why);
            return mv_err_format(t, &mv_exc_UnicodeDecodeError,
                                 "'utf-8' codec can't decode byte 0x%02x in position %zu: %s", p[i],
                                 i, why);
        }
        if (backslash) {
            for (size_t k = 0; k < bad; k++) mv_strbuf_addf(&b, "\\x%02x", p[i + k]);
        } else if (replace) {
            mv_strbuf_add(&b, "\xEF\xBF\xBD", 3);
        }
        i += bad;
    }
    return mv_strbuf_finish(&b);
}

/* ---- code point offsets ---------------------------------------------------------------------- */

/* Indexing a non-ASCII string needs a scan; remember the last position looked up so that loops
   walking a string by index stay linear.  Invalidated when that string dies. */
static const mv_strobj *pos_cache_str;
static size_t pos_cache_idx, pos_cache_off;

size_t mv_str_byte_offset(Value v, size_t index) {
    const mv_strobj *s = (const mv_strobj *)v;
    if (s->ascii) return index;
    if (index >= s->length) return s->size;
    size_t idx = 0, off = 0;
    if (pos_cache_str == s && pos_cache_idx <= index) {
        idx = pos_cache_idx;
        off = pos_cache_off;
    }
    const unsigned char *p = (const unsigned char *)s->data;
    if (index - idx > s->length - index) {
        /* closer to the end: walk backward */
        idx = s->length;
        off = s->size;
        while (idx > index) {
            off--;
            while ((p[off] & 0xC0) == 0x80) off--;
            idx--;
        }
    } else {
        while (idx < index) {
            off++;
            while ((p[off] & 0xC0) == 0x80) off++;
            idx++;
        }
    }
    pos_cache_str = s;
    pos_cache_idx = index;
    pos_cache_off = off;
    return off;
}

uint32_t mv_str_codepoint_at(Value s, size_t i) {
    const mv_strobj *o = (const mv_strobj *)s;
    if (o->ascii) return (unsigned char)o->data[i];
    const char *p = o->data + mv_str_byte_offset(s, i);
    return mv_utf8_next(&p);
}

Value mv_str_substr(Value v, size_t start, size_t end) {
    const mv_strobj *s = (const mv_strobj *)v;
    if (start >= end) return mv_str_empty();
    if (start == 0 && end >= s->length && s->ob.type == &mv_str_type) return mv_newref(v);
    if (s->ascii) return mv_str_new_len(s->data + start, end - start, end - start);
    size_t a = mv_str_byte_offset(v, start);
    size_t b = mv_str_byte_offset(v, end);
    return mv_str_new_len(s->data + a, b - a, end - start);
}

/* ---- interning ------------------------------------------------------------------------------- */

/* A process-wide open-addressed set of interned strings (all access is under the GIL).  Interned
   strings are immortal: names live as long as the program anyway. */
static mv_strobj **intern_tab;
static size_t intern_cap, intern_used;

static void intern_insert_raw(mv_strobj *s) {
    size_t mask = intern_cap - 1, i = (size_t)s->hash & mask;
    while (intern_tab[i]) i = (i + 1) & mask;
    intern_tab[i] = s;
}

Value mv_str_intern(mv_thread *t, Value v) {
    mv_strobj *s = (mv_strobj *)v;
    if (s->interned) return v;
    if (s->ob.type != &mv_str_type) {
        Value e = mv_str_new_len(s->data, s->size, s->length);
        MV_DECREF(v);
        v = e;
        s = (mv_strobj *)e;
        if (s->interned) return v;
    }
    int64_t h = mv_str_hash(v);
    if (intern_cap) {
        size_t mask = intern_cap - 1, i = (size_t)h & mask;
        for (mv_strobj *e; (e = intern_tab[i]); i = (i + 1) & mask) {
            if (e->hash == h && e->size == s->size && !memcmp(e->data, s->data, s->size)) {
                MV_DECREF(v);
                return (Value)e;
            }
        }
    }
    if ((intern_used + 1) * 2 > intern_cap) {
        size_t old = intern_cap;
        mv_strobj **otab = intern_tab;
        intern_cap = old ? old * 2 : 1024;
        intern_tab = mv_calloc(intern_cap, sizeof(mv_strobj *));
        for (size_t i = 0; i < old; i++)
            if (otab[i]) intern_insert_raw(otab[i]);
        mv_free(otab);
    }
    s->interned = true;
    s->ob.refcnt = MV_IMMORTAL_REFCNT;
    intern_insert_raw(s);
    intern_used++;
    (void)t;
    return v;
}

Value mv_str_intern_cstr(mv_thread *t, const char *s) { return mv_str_intern(t, mv_str_from_cstr(s)); }

/* ---- hash and equality ---------------------------------------------------------------------- */

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

int64_t mv_hash_bytes(const void *data, size_t n) {
    /* FxHash-style word-at-a-time mixing with a murmur finalizer: fast and well spread. */
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    const uint64_t K = 0x517CC1B727220A95ull;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (rotl64(h, 5) ^ w) * K;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (rotl64(h, 5) ^ w) * K;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return (int64_t)(h >> 1); /* non-negative, never -1 */
}

int64_t mv_str_hash(Value v) {
    mv_strobj *s = (mv_strobj *)v;
    if (s->hash == -1) s->hash = mv_hash_bytes(s->data, s->size);
    return s->hash;
}

bool mv_str_eq(Value a, Value b) {
    if (a == b) return true;
    const mv_strobj *x = (const mv_strobj *)a, *y = (const mv_strobj *)b;
    if (x->size != y->size) return false;
    if (x->interned && y->interned) return false;
    if (x->hash != -1 && y->hash != -1 && x->hash != y->hash) return false;
    return memcmp(x->data, y->data, x->size) == 0;
}

bool mv_str_eq_cstr(Value a, const char *s) {
    size_t n = strlen(s);
    return mv_str_size(a) == n && memcmp(mv_str_data(a), s, n) == 0;
}

static int str_hash_slot(mv_thread *t, Value self, int64_t *out) {
    (void)t;
    *out = mv_str_hash(self);
    return 0;
}

/* UTF-8 byte order is code point order, so memcmp orders strings as Python does. */
static Value str_richcompare(mv_thread *t, Value a, Value b, int op) {
    (void)t;
    if (!mv_str_check(a) || !mv_str_check(b)) return MV_NOTIMPL;
    if (op == MV_EQ) return MV_BOOL(mv_str_eq(a, b));
    if (op == MV_NE) return MV_BOOL(!mv_str_eq(a, b));
    size_t na = mv_str_size(a), nb = mv_str_size(b);
    int c = memcmp(mv_str_data(a), mv_str_data(b), na < nb ? na : nb);
    if (c == 0) c = na < nb ? -1 : na > nb;
    switch (op) {
    case MV_LT: return MV_BOOL(c < 0);
    case MV_LE: return MV_BOOL(c <= 0);
    case MV_GT: return MV_BOOL(c > 0);
    default: return MV_BOOL(c >= 0);
    }
}

/* ---- operators ------------------------------------------------------------------------------- */

Value mv_str_concat(mv_thread *t, Value a, Value b) {
    (void)t;
    const mv_strobj *x = (const mv_strobj *)a, *y = (const mv_strobj *)b;
    if (y->size == 0 && x->ob.type == &mv_str_type) return mv_newref(a);
    if (x->size == 0 && y->ob.type == &mv_str_type) return mv_newref(b);
    mv_strobj *r = mv_str_alloc(x->size + y->size, x->length + y->length);
    memcpy(r->data, x->data, x->size);
    memcpy(r->data + x->size, y->data, y->size);
    return (Value)r;
}

Value mv_str_append_steal(mv_thread *t, Value a, Value b) {
    mv_strobj *x = (mv_strobj *)a;
    const mv_strobj *y = (const mv_strobj *)b;
    if (a == b || x->ob.refcnt != 1 || x->ob.type != &mv_str_type || x->interned || x->size == 0 ||
        y->ob.type != &mv_str_type) {
        Value r = mv_str_concat(t, a, b);
        MV_DECREF(a);
        return r;
    }
    if (y->size == 0) return a;
    if (pos_cache_str == x) pos_cache_str = NULL;
    size_t n = x->size, m = y->size;
    x = mv_realloc(x, sizeof(mv_strobj) + n + m + 1);
    memcpy(x->data + n, y->data, m); /* b != a: a had a single reference, ours */
    x->data[n + m] = '\0';
    x->size = n + m;
    x->length += y->length;
    x->ascii = x->ascii && y->ascii;
    x->hash = -1;
    return (Value)x;
}

static Value str_add(mv_thread *t, Value a, Value b) {
    if (!mv_str_check(a)) return MV_NOTIMPL;
    if (!mv_str_check(b)) {
        /* Let a user class's __radd__ have its turn; otherwise raise str's own message. */
        mv_type *bt = MV_TYPE(b);
        if ((bt->flags & MV_TPFLAG_HEAPTYPE) && bt->nb[MV_BINOP_ADD]) return MV_NOTIMPL;
        return mv_err_format(t, &mv_exc_TypeError, "can only concatenate str (not \"%s\") to str",
                             mv_type_name(b));
    }
    return mv_str_concat(t, a, b);
}

static Value str_repeat(mv_thread *t, Value s, int64_t n) {
    const mv_strobj *x = (const mv_strobj *)s;
    if (n <= 0 || x->size == 0) return mv_str_empty();
    if (n == 1 && x->ob.type == &mv_str_type) return mv_newref(s);
    if ((uint64_t)n > (SIZE_MAX / 2) / x->size) return mv_err_nomem(t);
    size_t total = x->size * (size_t)n;
    mv_strobj *r = mv_str_alloc(total, x->length * (size_t)n);
    if (x->size == 1) {
        memset(r->data, x->data[0], total);
    } else {
        /* doubling copies: log(n) memcpy calls */
        memcpy(r->data, x->data, x->size);
        size_t done = x->size;
        while (done < total) {
            size_t c = done < total - done ? done : total - done;
            memcpy(r->data + done, r->data, c);
            done += c;
        }
    }
    return (Value)r;
}

static Value str_mul(mv_thread *t, Value a, Value b) {
    Value s = a, n = b;
    if (!mv_str_check(a)) {
        s = b;
        n = a;
    }
    mv_type *nt = MV_TYPE(n);
    if (!mv_int_check(n) && !nt->nb_index) {
        if ((nt->flags & MV_TPFLAG_HEAPTYPE) && nt->nb[MV_BINOP_MUL]) return MV_NOTIMPL;
        return mv_err_format(t, &mv_exc_TypeError, "can't multiply sequence by non-int of type '%s'",
                             mv_type_name(n));
    }
    int64_t k;
    if (mv_index_int64(t, n, &k) < 0) {
        if (mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            return mv_err_format(t, &mv_exc_OverflowError,
                                 "cannot fit 'int' into an index-sized integer");
        }
        return NULL;
    }
    return str_repeat(t, s, k);
}

static Value str_mod(mv_thread *t, Value a, Value b) {
    if (!mv_str_check(a)) return MV_NOTIMPL;
    return mv_str_percent_format(t, a, b);
}

static int str_contains(mv_thread *t, Value self, Value item) {
    if (!mv_str_check(item)) {
        mv_err_format(t, &mv_exc_TypeError, "'in <string>' requires string as left operand, not %s",
                      mv_type_name(item));
        return -1;
    }
    size_t n = mv_str_size(item);
    if (n == 0) return 1;
    if (n > mv_str_size(self)) return 0;
    if (n == 1) return memchr(mv_str_data(self), mv_str_data(item)[0], mv_str_size(self)) != NULL;
    return memmem(mv_str_data(self), mv_str_size(self), mv_str_data(item), n) != NULL;
}

static int64_t str_len(mv_thread *t, Value self) {
    (void)t;
    return (int64_t)mv_str_len(self);
}

static int str_bool(mv_thread *t, Value self) {
    (void)t;
    return mv_str_size(self) != 0;
}

static Value str_getitem(mv_thread *t, Value self, Value key) {
    const mv_strobj *s = (const mv_strobj *)self;
    int64_t len = (int64_t)s->length;
    if (MV_IS_SMALL(key) || (!mv_slice_check(key) && (mv_int_check(key) || MV_TYPE(key)->nb_index))) {
        int64_t i;
        if (MV_IS_SMALL(key)) i = MV_SMALL_VAL(key);
        else if (mv_index_int64(t, key, &i) < 0) {
            if (mv_err_matches(t, &mv_exc_OverflowError)) {
                mv_err_clear(t);
                return mv_err_format(t, &mv_exc_IndexError,
                                     "cannot fit 'int' into an index-sized integer");
            }
            return NULL;
        }
        if (i < 0) i += len;
        if (i < 0 || i >= len) return mv_err_set(t, &mv_exc_IndexError, "string index out of range");
        if (s->ascii) return mv_str_from_codepoint((unsigned char)s->data[i]);
        return mv_str_from_codepoint(mv_str_codepoint_at(self, (size_t)i));
    }
    if (mv_slice_check(key)) {
        int64_t start, stop, step;
        int64_t n = mv_slice_indices(t, key, len, &start, &stop, &step);
        if (n < 0) return NULL;
        if (n == 0) return mv_str_empty();
        if (step == 1) return mv_str_substr(self, (size_t)start, (size_t)stop);
        if (s->ascii) {
            mv_strobj *r = mv_str_alloc((size_t)n, (size_t)n);
            for (int64_t k = 0, i = start; k < n; k++, i += step) r->data[k] = s->data[i];
            if (n == 1) {
                Value c = mv_str_from_codepoint((unsigned char)r->data[0]);
                mv_mem_object_free(r);
                return c;
            }
            return (Value)r;
        }
        /* decode once into code points, then pick */
        uint32_t *cps = mv_malloc(sizeof(uint32_t) * s->length);
        const char *p = s->data;
        for (size_t k = 0; k < s->length; k++) cps[k] = mv_utf8_next(&p);
        mv_strbuf b;
        mv_strbuf_init(&b);
        for (int64_t k = 0, i = start; k < n; k++, i += step) mv_strbuf_add_codepoint(&b, cps[i]);
        mv_free(cps);
        return mv_strbuf_finish(&b);
    }
    return mv_err_format(t, &mv_exc_TypeError, "string indices must be integers, not '%s'",
                         mv_type_name(key));
}

/* ---- repr ------------------------------------------------------------------------------------ */

void mv_str_repr_into(mv_strbuf *b, const char *s, size_t size, bool ascii_only) {
    /* CPython: use single quotes unless the string has ' and no " */
    bool sq = memchr(s, '\'', size) != NULL, dq = memchr(s, '"', size) != NULL;
    char quote = (sq && !dq) ? '"' : '\'';
    mv_strbuf_reserve(b, size + 2);
    mv_strbuf_addc(b, quote);
    const char *p = s, *end = s + size;
    while (p < end) {
        /* copy runs of plain printable ASCII at once */
        const char *run = p;
        while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7F && *p != '\\' &&
               *p != quote)
            p++;
        if (p > run) mv_strbuf_add(b, run, (size_t)(p - run));
        if (p >= end) break;
        const char *cstart = p;
        uint32_t c = mv_utf8_next(&p);
        if (c == (uint32_t)quote || c == '\\') {
            mv_strbuf_addc(b, '\\');
            mv_strbuf_addc(b, (char)c);
        } else if (c == '\n') mv_strbuf_add(b, "\\n", 2);
        else if (c == '\t') mv_strbuf_add(b, "\\t", 2);
        else if (c == '\r') mv_strbuf_add(b, "\\r", 2);
        else if (c < 0x20 || c == 0x7F) mv_strbuf_addf(b, "\\x%02x", c);
        else if (c < 0x7F) mv_strbuf_addc(b, (char)c);
        else if (!ascii_only && mv_unicode_isprintable(c)) mv_strbuf_add(b, cstart, (size_t)(p - cstart));
        else if (c <= 0xFF) mv_strbuf_addf(b, "\\x%02x", c);
        else if (c <= 0xFFFF) mv_strbuf_addf(b, "\\u%04x", c);
        else mv_strbuf_addf(b, "\\U%08x", c);
    }
    mv_strbuf_addc(b, quote);
}

Value mv_str_repr(Value s) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_str_repr_into(&b, mv_str_data(s), mv_str_size(s), false);
    return mv_strbuf_finish(&b);
}

static Value str_repr_slot(mv_thread *t, Value self) {
    (void)t;
    return mv_str_repr(self);
}

static Value str_str_slot(mv_thread *t, Value self) { return mv_str_exact(t, self); }

/* ---- str(object='', encoding='utf-8', errors='strict') --------------------------------------- */

static Value str_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"object", "encoding", "errors", NULL};
    Value a[3] = {NULL, NULL, NULL};
    Value r;
    if (nargs == 1 && !kwnames && type == &mv_str_type) return mv_str(t, args[0]);
    if (mv_parse_args(t, "str", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    if (!a[0]) {
        r = mv_str_empty();
    } else if (!a[1] && !a[2]) {
        r = mv_str(t, a[0]);
    } else {
        for (int k = 1; k <= 2; k++)
            if (a[k] && !mv_str_check(a[k]))
                return mv_err_format(t, &mv_exc_TypeError,
                                     "str() argument '%s' must be str, not %s", kwlist[k],
                                     mv_type_name(a[k]));
        const char *enc = a[1] ? mv_str_data(a[1]) : "utf-8";
        const char *errs = a[2] ? mv_str_data(a[2]) : "strict";
        if (mv_bytes_check(a[0]))
            r = mv_bytes_decode(t, mv_bytes_data(a[0]), mv_bytes_size(a[0]), enc, errs);
        else if (!MV_IS_SMALL(a[0]) && mv_isinstance_of(a[0], &mv_bytearray_type))
            r = mv_bytes_decode(t, ((mv_bytearray *)a[0])->data, ((mv_bytearray *)a[0])->size, enc,
                                errs);
        else if (mv_str_check(a[0]))
            return mv_err_set(t, &mv_exc_TypeError, "decoding str is not supported");
        else
            return mv_err_format(t, &mv_exc_TypeError,
                                 "decoding to str: need a bytes-like object, %s found",
                                 mv_type_name(a[0]));
    }
    if (!r || type == &mv_str_type) return r;
    /* a subclass: same layout, the class's type, its extra space after the text */
    const mv_strobj *src = (const mv_strobj *)r;
    size_t extra = type->basicsize > sizeof(mv_strobj) ? type->basicsize - sizeof(mv_strobj) : 0;
    mv_strobj *s = (mv_strobj *)mv_object_new_sized(type, sizeof(mv_strobj) + src->size + 1 + extra);
    s->size = src->size;
    s->length = src->length;
    s->hash = -1;
    s->ascii = src->ascii;
    s->interned = false;
    memcpy(s->data, src->data, src->size + 1);
    MV_DECREF(r);
    return (Value)s;
}

static void str_dealloc(Value self) {
    if (pos_cache_str == (const mv_strobj *)self) pos_cache_str = NULL;
}

/* ---- iteration ------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    Value str; /* NULL when exhausted */
    size_t off; /* byte offset of the next code point */
} str_iter;

static Value str_iter_self(mv_thread *t, Value self) {
    (void)t;
    return mv_newref(self);
}

static Value str_iter_next(mv_thread *t, Value self) {
    (void)t;
    str_iter *it = (str_iter *)self;
    if (!it->str) return NULL;
    const mv_strobj *s = (const mv_strobj *)it->str;
    if (it->off >= s->size) {
        MV_CLEAR(it->str);
        return NULL;
    }
    const char *p = s->data + it->off;
    uint32_t c = mv_utf8_next(&p);
    it->off = (size_t)(p - s->data);
    return mv_str_from_codepoint(c);
}

static void str_iter_dealloc(Value self) { MV_XDECREF(((str_iter *)self)->str); }

static Value str_iter_slot(mv_thread *t, Value self) {
    (void)t;
    mv_type *tp = ((mv_strobj *)self)->ascii ? &mv_str_ascii_iter_type : &mv_str_iter_type;
    str_iter *it = (str_iter *)mv_object_new(tp);
    it->str = mv_newref(self);
    it->off = 0;
    return (Value)it;
}

mv_type mv_str_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "str_iterator",
    .basicsize = sizeof(str_iter),
    .dealloc = str_iter_dealloc,
    .iter = str_iter_self,
    .iternext = str_iter_next,
};

mv_type mv_str_ascii_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "str_ascii_iterator",
    .basicsize = sizeof(str_iter),
    .dealloc = str_iter_dealloc,
    .iter = str_iter_self,
    .iternext = str_iter_next,
};

mv_type mv_str_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "str",
    .basicsize = sizeof(mv_strobj),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_STR_SUBCLASS,
    .doc = "str(object='') -> str\nstr(bytes_or_buffer[, encoding[, errors]]) -> str",
    .tp_new = str_new,
    .dealloc = str_dealloc,
    .repr = str_repr_slot,
    .str = str_str_slot,
    .hash = str_hash_slot,
    .richcompare = str_richcompare,
    .bool_ = str_bool,
    .iter = str_iter_slot,
    .len = str_len,
    .getitem = str_getitem,
    .contains = str_contains,
    .nb = {[MV_BINOP_ADD] = str_add, [MV_BINOP_MUL] = str_mul, [MV_BINOP_MOD] = str_mod},
    .methods = mv_str_methods,
};
