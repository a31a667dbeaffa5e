/* marshal.c: serialize code objects (and the constants inside them) to bytes and back, so that
 * tools/freeze.c can compile the embedded stdlib modules at build time and the import system can
 * load their code without running the compiler (see marshal.h).
 *
 * Layout: the header "MVF" + a version byte, then one object.  An object is a tag byte, with bit
 * 0x80 set when the object occurs more than once in the graph: the reader then appends it to a
 * table once it is complete, and later occurrences are written as REF + table index.  So the
 * loaded graph shares objects exactly as the compiled one did (one filename str for all the code
 * objects of a module, a name that is both in co_names and co_consts, ...) and each such object
 * is read, allocated and interned only once.  Numbers are LEB128 varints (zigzag for signed).
 *
 *   N T F .            None True False Ellipsis
 *   i zigzag           small int            l sign(0/1) n bytes(big-endian magnitude)   big int
 *   g 8 bytes          float (IEEE bits, little-endian: -0.0, inf and nan payloads survive)
 *   u / U n bytes      str / interned str (UTF-8)       b n bytes   bytes
 *   ( n items          tuple                            { n items   frozenset (iteration order)
 *   r index            an earlier flagged object
 *   c                  code: argcount posonlyargcount kwonlyargcount flags stacksize maxblocks
 *                      zigzag(firstlineno); ncode, ncode 16-bit units (little-endian); the
 *                      positions as runs (count, zigzag line delta, zigzag end_line - line,
 *                      col + 1, end_col + 1) covering the ncode units; name qualname filename
 *                      consts names varnames cellvars freevars; cell2arg: 0, or 1 and ncells
 *                      entries (arg index + 1).
 *
 * The reader bounds-checks every read and checks the invariants the rest of the VM relies on
 * (field types, counts that size frames, cell2arg indexes); like CPython's marshal it does not
 * verify the bytecode itself: the input is our own build output.
 */
#include <gmp.h>
#include <string.h>

#include "code.h"
#include "bytes.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "marshal.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#define MARSHAL_VERSION 1
/* Deeper nesting is refused by both sides (the reader recurses once per level). */
#define MAX_DEPTH 500
/* Frame sizes are computed from these counts: keep corrupted ones from asking for huge frames. */
#define MAX_COUNT (1 << 20)

enum {
    FLAG_REF = 0x80,
    TYPE_NONE = 'N', TYPE_TRUE = 'T', TYPE_FALSE = 'F', TYPE_ELLIPSIS = '.',
    TYPE_INT = 'i', TYPE_BIGINT = 'l', TYPE_FLOAT = 'g',
    TYPE_STR = 'u', TYPE_INTERNED = 'U', TYPE_BYTES = 'b',
    TYPE_TUPLE = '(', TYPE_FROZENSET = '{', TYPE_CODE = 'c', TYPE_REF = 'r',
};

/* ---- writing -------------------------------------------------------------------------------- */

/* Pointer -> count (first pass), then pointer -> table index (second pass). */
typedef struct {
    Value *keys;
    int *vals;
    size_t n, cap;
} ptrmap;

static size_t ptr_hash(Value k, size_t cap) { return (size_t)(((uintptr_t)k >> 4) * 2654435761u) & (cap - 1); }

static int *ptrmap_slot(ptrmap *m, Value key) {
    if ((m->n + 1) * 2 > m->cap) {
        ptrmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 256;
        m->keys = mv_calloc(m->cap, sizeof(Value));
        m->vals = mv_calloc(m->cap, sizeof(int));
        for (size_t i = 0; i < old.cap; i++) {
            if (!old.keys[i]) continue;
            size_t h = ptr_hash(old.keys[i], m->cap);
            while (m->keys[h]) h = (h + 1) & (m->cap - 1);
            m->keys[h] = old.keys[i];
            m->vals[h] = old.vals[i];
        }
        mv_free(old.keys);
        mv_free(old.vals);
    }
    size_t h = ptr_hash(key, m->cap);
    while (m->keys[h] && m->keys[h] != key) h = (h + 1) & (m->cap - 1);
    if (!m->keys[h]) {
        m->keys[h] = key;
        m->vals[h] = 0;
        m->n++;
    }
    return &m->vals[h];
}

typedef struct {
    mv_thread *t;
    unsigned char *buf;
    size_t len, cap;
    ptrmap counts;  /* occurrences of each heap object */
    ptrmap index;   /* table index + 1 of each flagged object already written */
    int nrefs;
} writer;

static void w_reserve(writer *w, size_t n) {
    if (w->cap - w->len >= n) return;
    while (w->cap - w->len < n) w->cap = w->cap ? w->cap * 2 : 4096;
    w->buf = mv_realloc(w->buf, w->cap);
}

static void w_byte(writer *w, unsigned b) {
    w_reserve(w, 1);
    w->buf[w->len++] = (unsigned char)b;
}

static void w_bytes(writer *w, const void *p, size_t n) {
    w_reserve(w, n);
    if (n) memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void w_uvar(writer *w, uint64_t v) {
    w_reserve(w, 10);
    while (v >= 0x80) {
        w->buf[w->len++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    w->buf[w->len++] = (unsigned char)v;
}

static void w_svar(writer *w, int64_t v) { w_uvar(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

/* The objects that are never flagged: static singletons, and tagged ints (not pointers). */
static bool is_singleton(Value v) {
    return MV_IS_SMALL(v) || v == MV_NONE || v == MV_TRUE || v == MV_FALSE || v == MV_ELLIPSIS ||
           v == MV_EMPTY_TUPLE;
}

/* First pass: count how often each object is reached (children only on the first visit). */
static void count_refs(writer *w, Value v, int depth) {
    if (is_singleton(v) || depth > MAX_DEPTH) return; /* too deep: w_object reports it */
    int *c = ptrmap_slot(&w->counts, v);
    if ((*c)++) return;
    if (v->type == &mv_tuple_type) {
        for (size_t i = 0; i < mv_tuple_size(v); i++) count_refs(w, MV_TUPLE_GET(v, i), depth + 1);
    } else if (v->type == &mv_frozenset_type) {
        size_t pos = 0;
        Value k;
        while (mv_set_next(v, &pos, &k)) count_refs(w, k, depth + 1);
    } else if (v->type == &mv_code_type) {
        mv_code *co = (mv_code *)v;
        Value parts[] = {co->name, co->qualname, co->filename, co->consts, co->names,
                         co->varnames, co->cellvars, co->freevars};
        for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) count_refs(w, parts[i], depth + 1);
    }
}

static int w_object(writer *w, Value v, int depth);

static int w_seq(writer *w, Value *items, size_t n, int depth) {
    w_uvar(w, n);
    for (size_t i = 0; i < n; i++)
        if (w_object(w, items[i], depth + 1) < 0) return -1;
    return 0;
}

static void w_positions(writer *w, const mv_position *pos, size_t n) {
    int32_t prev_line = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && memcmp(&pos[j], &pos[i], sizeof *pos) == 0) j++;
        w_uvar(w, j - i);
        w_svar(w, (int64_t)pos[i].line - prev_line);
        w_svar(w, (int64_t)pos[i].end_line - pos[i].line);
        w_uvar(w, (uint64_t)(pos[i].col + 1));
        w_uvar(w, (uint64_t)(pos[i].end_col + 1));
        prev_line = pos[i].line;
        i = j;
    }
}

static int w_code(writer *w, mv_code *co, int depth) {
    w_uvar(w, (uint64_t)co->argcount);
    w_uvar(w, (uint64_t)co->posonlyargcount);
    w_uvar(w, (uint64_t)co->kwonlyargcount);
    w_uvar(w, co->flags);
    w_uvar(w, (uint64_t)co->stacksize);
    w_uvar(w, (uint64_t)co->maxblocks);
    w_svar(w, co->firstlineno);
    w_uvar(w, co->ncode);
    w_reserve(w, co->ncode * 2);
    for (size_t i = 0; i < co->ncode; i++) {
        w->buf[w->len++] = (unsigned char)(co->code[i] & 0xff);
        w->buf[w->len++] = (unsigned char)(co->code[i] >> 8);
    }
    w_positions(w, co->positions, co->ncode);
    Value parts[] = {co->name, co->qualname, co->filename, co->consts, co->names,
                     co->varnames, co->cellvars, co->freevars};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (w_object(w, parts[i], depth + 1) < 0) return -1;
    w_byte(w, co->cell2arg != NULL);
    if (co->cell2arg)
        for (int i = 0; i < co->ncells; i++) w_uvar(w, (uint64_t)(co->cell2arg[i] + 1));
    return 0;
}

static int w_object(writer *w, Value v, int depth) {
    if (depth > MAX_DEPTH) {
        mv_err_set(w->t, &mv_exc_ValueError, "object too deeply nested to marshal");
        return -1;
    }
    if (MV_IS_SMALL(v)) {
        w_byte(w, TYPE_INT);
        w_svar(w, MV_SMALL_VAL(v));
        return 0;
    }
    if (v == MV_NONE) return w_byte(w, TYPE_NONE), 0;
    if (v == MV_TRUE) return w_byte(w, TYPE_TRUE), 0;
    if (v == MV_FALSE) return w_byte(w, TYPE_FALSE), 0;
    if (v == MV_ELLIPSIS) return w_byte(w, TYPE_ELLIPSIS), 0;
    unsigned flag = 0;
    if (v != MV_EMPTY_TUPLE) {
        int *idx = ptrmap_slot(&w->index, v);
        if (*idx) {
            w_byte(w, TYPE_REF);
            w_uvar(w, (uint64_t)(*idx - 1));
            return 0;
        }
        if (*ptrmap_slot(&w->counts, v) > 1) flag = FLAG_REF;
    }
    mv_type *tp = v->type;
    if (tp == &mv_int_type) {
        mpz_srcptr z = ((mv_bigint *)v)->z;
        size_t n = mpz_sgn(z) ? (mpz_sizeinbase(z, 2) + 7) / 8 : 0;
        w_byte(w, TYPE_BIGINT | flag);
        w_byte(w, mpz_sgn(z) < 0);
        w_uvar(w, n);
        w_reserve(w, n);
        size_t written = 0;
        mpz_export(w->buf + w->len, &written, 1, 1, 0, 0, z);
        w->len += written;
    } else if (tp == &mv_float_type) {
        double d = mv_float_val(v);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        w_byte(w, TYPE_FLOAT | flag);
        for (int i = 0; i < 8; i++) w_byte(w, (unsigned)(bits >> (8 * i)) & 0xff);
    } else if (tp == &mv_str_type) {
        /* "" and the one-character strings below U+0100 are shared process-wide (str.c), so their
           interned bit depends on what ran before: always intern them (as the compiler does for
           names), which keeps the output independent of the order modules are frozen in */
        bool shared = mv_str_len(v) == 0 || (mv_str_len(v) == 1 && mv_str_codepoint_at(v, 0) < 256);
        w_byte(w, (((mv_strobj *)v)->interned || shared ? TYPE_INTERNED : TYPE_STR) | flag);
        w_uvar(w, mv_str_size(v));
        w_bytes(w, mv_str_data(v), mv_str_size(v));
    } else if (tp == &mv_bytes_type) {
        w_byte(w, TYPE_BYTES | flag);
        w_uvar(w, mv_bytes_size(v));
        w_bytes(w, mv_bytes_data(v), mv_bytes_size(v));
    } else if (tp == &mv_tuple_type) {
        w_byte(w, TYPE_TUPLE | flag);
        if (w_seq(w, mv_tuple_items(v), mv_tuple_size(v), depth) < 0) return -1;
    } else if (tp == &mv_frozenset_type) {
        size_t n = mv_set_size(v), pos = 0, i = 0;
        Value *items = mv_malloc((n ? n : 1) * sizeof(Value));
        Value k;
        while (i < n && mv_set_next(v, &pos, &k)) items[i++] = k;
        w_byte(w, TYPE_FROZENSET | flag);
        int rc = w_seq(w, items, i, depth);
        mv_free(items);
        if (rc < 0) return -1;
    } else if (tp == &mv_code_type) {
        w_byte(w, TYPE_CODE | flag);
        if (w_code(w, (mv_code *)v, depth) < 0) return -1;
    } else {
        mv_err_set(w->t, &mv_exc_ValueError, "unmarshallable object");
        return -1;
    }
    /* indexes are assigned once an object is complete, in the order the reader completes them */
    if (flag) *ptrmap_slot(&w->index, v) = ++w->nrefs;
    return 0;
}

Value mv_marshal_dumps(mv_thread *t, Value v) {
    writer w = {.t = t};
    w_bytes(&w, "MVF", 3);
    w_byte(&w, MARSHAL_VERSION);
    count_refs(&w, v, 0);
    Value r = w_object(&w, v, 0) < 0 ? NULL : mv_bytes_new(w.buf, w.len);
    mv_free(w.buf);
    mv_free(w.counts.keys);
    mv_free(w.counts.vals);
    mv_free(w.index.keys);
    mv_free(w.index.vals);
    return r;
}

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct {
    mv_thread *t;
    const unsigned char *p, *end;
    Value *refs;    /* borrowed: each is owned by the graph being built */
    size_t nrefs, caprefs;
} reader;

static Value bad(reader *r, const char *what) {
    if (!mv_err_occurred(r->t)) mv_err_format(r->t, &mv_exc_ValueError, "bad marshal data (%s)", what);
    return NULL;
}

static Value too_short(reader *r) {
    if (!mv_err_occurred(r->t)) mv_err_set(r->t, &mv_exc_ValueError, "marshal data too short");
    return NULL;
}

static bool r_uvar_slow(reader *r, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end) return too_short(r), false;
        unsigned b = *r->p++;
        if (shift == 63 && b > 1) return bad(r, "varint overflow"), false;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return bad(r, "varint overflow"), false;
}

/* Most numbers (counts, indexes, columns, line deltas) fit in one byte. */
static inline bool r_uvar(reader *r, uint64_t *out) {
    if (r->p != r->end && *r->p < 0x80) {
        *out = *r->p++;
        return true;
    }
    return r_uvar_slow(r, out);
}

static inline bool r_svar(reader *r, int64_t *out) {
    uint64_t u;
    if (!r_uvar(r, &u)) return false;
    *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return true;
}

/* A count in [0, limit]; also never more than the bytes left (each item takes at least
   `minbytes`), so a corrupted count cannot ask for a huge allocation. */
static bool r_count(reader *r, size_t limit, size_t minbytes, size_t *out) {
    uint64_t v;
    if (!r_uvar(r, &v)) return false;
    if (v > limit) return bad(r, "count out of range"), false;
    if (minbytes && v > (uint64_t)(r->end - r->p) / minbytes) return too_short(r), false;
    *out = (size_t)v;
    return true;
}

static bool r_int(reader *r, int lo, int hi, int *out) {
    int64_t v;
    if (!r_svar(r, &v)) return false;
    if (v < lo || v > hi) return bad(r, "field out of range"), false;
    *out = (int)v;
    return true;
}

static bool r_uint(reader *r, int hi, int *out) {
    uint64_t v;
    if (!r_uvar(r, &v)) return false;
    if (v > (uint64_t)hi) return bad(r, "field out of range"), false;
    *out = (int)v;
    return true;
}

static Value r_object(reader *r, int depth);

static Value r_tuple_items(reader *r, int depth) {
    size_t n;
    if (!r_count(r, SIZE_MAX / sizeof(Value), 1, &n)) return NULL;
    Value tup = mv_tuple_new(n);
    for (size_t i = 0; i < n; i++) {
        Value item = r_object(r, depth + 1);
        if (!item) {
            MV_DECREF(tup);
            return NULL;
        }
        MV_TUPLE_SET(tup, i, item);
    }
    return tup;
}

/* A tuple whose items are all exact str (co_names, co_varnames, ...): eval indexes them
   without checking. */
static Value r_name_tuple(reader *r, int depth) {
    Value v = r_object(r, depth + 1);
    if (!v) return NULL;
    if (MV_IS_SMALL(v) || v->type != &mv_tuple_type) goto fail;
    for (size_t i = 0; i < mv_tuple_size(v); i++) {
        Value s = MV_TUPLE_GET(v, i);
        if (MV_IS_SMALL(s) || s->type != &mv_str_type) goto fail;
    }
    return v;
fail:
    MV_DECREF(v);
    return bad(r, "code field of the wrong type");
}

static Value r_str_field(reader *r, int depth) {
    Value v = r_object(r, depth + 1);
    if (v && (MV_IS_SMALL(v) || v->type != &mv_str_type)) {
        MV_DECREF(v);
        return bad(r, "code field of the wrong type");
    }
    return v;
}

static bool r_positions(reader *r, mv_position *pos, size_t n) {
    int64_t line = 0;
    for (size_t i = 0; i < n;) {
        uint64_t count, col, end_col;
        int64_t dline, dend;
        if (!r_uvar(r, &count) || !r_svar(r, &dline) || !r_svar(r, &dend) || !r_uvar(r, &col) ||
            !r_uvar(r, &end_col))
            return false;
        /* line stays within int32 before each addition, so nothing here can overflow int64 */
        if (dline < INT32_MIN || dline > INT32_MAX || dend < INT32_MIN || dend > INT32_MAX)
            return bad(r, "bad position table"), false;
        line += dline;
        if (count == 0 || count > n - i || line < INT32_MIN || line > INT32_MAX || line + dend < INT32_MIN ||
            line + dend > INT32_MAX || col > INT16_MAX + 1u || end_col > INT16_MAX + 1u)
            return bad(r, "bad position table"), false;
        mv_position p = {(int32_t)line, (int32_t)(line + dend), (int16_t)((int)col - 1), (int16_t)((int)end_col - 1)};
        for (size_t k = 0; k < count; k++) pos[i + k] = p;
        i += count;
    }
    return true;
}

static Value r_code(reader *r, int depth) {
    mv_code *co = (mv_code *)mv_object_new(&mv_code_type);
    size_t ncode;
    int flags, maxblocks;
    if (!r_uint(r, MAX_COUNT, &co->argcount) || !r_uint(r, MAX_COUNT, &co->posonlyargcount) ||
        !r_uint(r, MAX_COUNT, &co->kwonlyargcount) || !r_uint(r, 0xffff, &flags) ||
        !r_uint(r, MAX_COUNT, &co->stacksize) || !r_uint(r, MAX_COUNT, &maxblocks) ||
        !r_int(r, INT32_MIN, INT32_MAX, &co->firstlineno) || !r_count(r, MAX_COUNT * 16, 2, &ncode))
        goto fail;
    co->flags = (unsigned)flags;
    co->maxblocks = maxblocks;
    co->ncode = ncode;
    co->code = mv_malloc((ncode ? ncode : 1) * sizeof(mv_codeunit));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(co->code, r->p, ncode * 2);
#else
    for (size_t i = 0; i < ncode; i++) co->code[i] = (mv_codeunit)(r->p[2 * i] | r->p[2 * i + 1] << 8);
#endif
    r->p += ncode * 2;
    co->positions = mv_malloc((ncode ? ncode : 1) * sizeof(mv_position));
    if (!r_positions(r, co->positions, ncode)) goto fail;
    if (!(co->name = r_str_field(r, depth)) || !(co->qualname = r_str_field(r, depth)) ||
        !(co->filename = r_str_field(r, depth)))
        goto fail;
    co->consts = r_object(r, depth + 1);
    if (!co->consts) goto fail;
    if (MV_IS_SMALL(co->consts) || co->consts->type != &mv_tuple_type) {
        bad(r, "code field of the wrong type");
        goto fail;
    }
    if (!(co->names = r_name_tuple(r, depth)) || !(co->varnames = r_name_tuple(r, depth)) ||
        !(co->cellvars = r_name_tuple(r, depth)) || !(co->freevars = r_name_tuple(r, depth)))
        goto fail;
    size_t nlocals = mv_tuple_size(co->varnames), ncells = mv_tuple_size(co->cellvars),
           nfrees = mv_tuple_size(co->freevars);
    /* calls copy the arguments into the first fast locals: they must fit */
    size_t nargs = (size_t)co->argcount + (size_t)co->kwonlyargcount + !!(co->flags & MV_CO_VARARGS) +
                   !!(co->flags & MV_CO_VARKEYWORDS);
    if (nlocals > MAX_COUNT || ncells > MAX_COUNT || nfrees > MAX_COUNT || nargs > nlocals ||
        co->posonlyargcount > co->argcount) {
        bad(r, "inconsistent code counts");
        goto fail;
    }
    co->nlocals = (int)nlocals;
    co->ncells = (int)ncells;
    co->nfrees = (int)nfrees;
    if (r->p == r->end) {
        too_short(r);
        goto fail;
    }
    unsigned has_cell2arg = *r->p++;
    if (has_cell2arg > 1 || (has_cell2arg && !ncells)) {
        bad(r, "bad cell2arg");
        goto fail;
    }
    if (has_cell2arg) {
        co->cell2arg = mv_malloc(ncells * sizeof(int));
        for (size_t i = 0; i < ncells; i++) {
            int a;
            if (!r_uint(r, (int)nlocals, &a)) goto fail;
            co->cell2arg[i] = a - 1;
        }
    }
    return (Value)co;
fail:
    MV_DECREF((Value)co);
    return NULL;
}

static Value r_object(reader *r, int depth) {
    if (depth > MAX_DEPTH) return bad(r, "nested too deeply");
    if (r->p == r->end) return too_short(r);
    unsigned code = *r->p++;
    unsigned flag = code & FLAG_REF;
    Value v;
    switch (code & ~FLAG_REF) {
    case TYPE_NONE: v = mv_newref(MV_NONE); break;
    case TYPE_TRUE: v = mv_newref(MV_TRUE); break;
    case TYPE_FALSE: v = mv_newref(MV_FALSE); break;
    case TYPE_ELLIPSIS: v = mv_newref(MV_ELLIPSIS); break;
    case TYPE_INT: {
        int64_t i;
        if (!r_svar(r, &i)) return NULL;
        if (!MV_SMALL_FITS(i)) return bad(r, "small int out of range");
        v = MV_FROM_SMALL(i);
        break;
    }
    case TYPE_BIGINT: {
        size_t n;
        if (r->p == r->end) return too_short(r);
        unsigned neg = *r->p++;
        if (neg > 1) return bad(r, "bad int sign");
        if (!r_count(r, SIZE_MAX / 8, 1, &n)) return NULL;
        mpz_t z;
        mpz_init(z);
        mpz_import(z, n, 1, 1, 0, 0, r->p);
        r->p += n;
        if (neg) mpz_neg(z, z);
        v = mv_int_from_mpz(z);
        mpz_clear(z);
        break;
    }
    case TYPE_FLOAT: {
        if (r->end - r->p < 8) return too_short(r);
        uint64_t bits = 0;
        for (int i = 7; i >= 0; i--) bits = bits << 8 | r->p[i];
        r->p += 8;
        double d;
        memcpy(&d, &bits, sizeof d);
        v = mv_float_new(d);
        break;
    }
    case TYPE_STR:
    case TYPE_INTERNED: {
        size_t n, length;
        if (!r_count(r, SIZE_MAX / 2, 1, &n)) return NULL;
        if (!mv_utf8_valid((const char *)r->p, n, &length)) return bad(r, "invalid UTF-8 in str");
        v = mv_str_new_len((const char *)r->p, n, length);
        r->p += n;
        if ((code & ~FLAG_REF) == TYPE_INTERNED) v = mv_str_intern(r->t, v);
        break;
    }
    case TYPE_BYTES: {
        size_t n;
        if (!r_count(r, SIZE_MAX / 2, 1, &n)) return NULL;
        v = mv_bytes_new(r->p, n);
        r->p += n;
        break;
    }
    case TYPE_TUPLE:
        v = r_tuple_items(r, depth);
        break;
    case TYPE_FROZENSET: {
        Value items = r_tuple_items(r, depth);
        if (!items) return NULL;
        v = mv_frozenset_new(r->t, items);
        MV_DECREF(items);
        break;
    }
    case TYPE_CODE:
        v = r_code(r, depth);
        break;
    case TYPE_REF: {
        uint64_t i;
        if (flag) return bad(r, "flagged reference");
        if (!r_uvar(r, &i)) return NULL;
        if (i >= r->nrefs) return bad(r, "invalid reference");
        return mv_newref(r->refs[i]);
    }
    default:
        return bad(r, "unknown type code");
    }
    if (v && flag) {
        if (r->nrefs == r->caprefs) {
            r->caprefs = r->caprefs ? r->caprefs * 2 : 64;
            r->refs = mv_realloc(r->refs, r->caprefs * sizeof(Value));
        }
        r->refs[r->nrefs++] = v;
    }
    return v;
}

Value mv_marshal_loads(mv_thread *t, const void *data, size_t size) {
    reader r = {.t = t, .p = data, .end = (const unsigned char *)data + size};
    if (size < 4) return too_short(&r);
    if (memcmp(data, "MVF", 3) != 0 || r.p[3] != MARSHAL_VERSION) return bad(&r, "bad header");
    r.p += 4;
    Value v = r_object(&r, 0);
    if (v && r.p != r.end) {
        MV_DECREF(v);
        v = bad(&r, "trailing bytes");
    }
    mv_free(r.refs);
    return v;
}
