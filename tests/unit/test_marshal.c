/* test_marshal.c: the serialized code of the frozen stdlib modules (runtime/marshal.c,
 * tools/freeze.c).  Every module frozen into this binary must load into exactly what compiling its
 * source gives now (field by field, nested code and positions included, the same sharing of
 * objects, the same disassembly); varied sources and constants round-trip; and every truncated or
 * corrupted blob is refused with an exception (never a crash: run it under ASan too).
 */
#include <criterion/criterion.h>
#include <gmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "interp/dis.h"
#include "marshal.h"
#include "module.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(marshal, .init = setup);

/* ---- structural comparison ---------------------------------------------------------------- */

/* The objects of the compiled graph mapped to those of the loaded one: sharing must be the same
   in both directions (a filename shared by all code objects stays one object, two distinct
   tuples stay two). */
typedef struct {
    Value *keys, *vals;
    size_t cap, n;
} pmap;

static Value *pmap_slot(pmap *m, Value k) {
    if ((m->n + 1) * 2 > m->cap) {
        pmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 1024;
        m->keys = calloc(m->cap, sizeof(Value));
        m->vals = calloc(m->cap, sizeof(Value));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                *pmap_slot(m, old.keys[i]) = old.vals[i];
            }
        free(old.keys);
        free(old.vals);
    }
    size_t h = ((uintptr_t)k >> 4) * 2654435761u & (m->cap - 1);
    while (m->keys[h] && m->keys[h] != k) h = (h + 1) & (m->cap - 1);
    if (!m->keys[h]) {
        m->keys[h] = k;
        m->n++;
    }
    return &m->vals[h];
}

typedef struct {
    pmap fwd, back;
    char why[512];
} cmp_state;

static bool fail(cmp_state *s, const char *path, const char *what) {
    snprintf(s->why, sizeof s->why, "%s: %s", path, what);
    return false;
}

static bool is_singleton(Value v) {
    return MV_IS_SMALL(v) || v == MV_NONE || v == MV_TRUE || v == MV_FALSE || v == MV_ELLIPSIS ||
           v == MV_EMPTY_TUPLE;
}

static bool same(cmp_state *s, Value a, Value b, const char *path);

static bool same_code(cmp_state *s, mv_code *a, mv_code *b, const char *path) {
    char sub[400];
    snprintf(sub, sizeof sub, "%s/%s", path, mv_str_data(a->qualname));
#define INT_FIELD(f) if (a->f != b->f) return fail(s, sub, #f " differs")
    INT_FIELD(firstlineno); INT_FIELD(flags); INT_FIELD(argcount); INT_FIELD(posonlyargcount);
    INT_FIELD(kwonlyargcount); INT_FIELD(nlocals); INT_FIELD(ncells); INT_FIELD(nfrees);
    INT_FIELD(stacksize); INT_FIELD(maxblocks); INT_FIELD(ncode);
#undef INT_FIELD
    if (memcmp(a->code, b->code, a->ncode * sizeof(mv_codeunit)) != 0) return fail(s, sub, "bytecode differs");
    for (size_t i = 0; i < a->ncode; i++) {
        mv_position p = a->positions[i], q = b->positions[i];
        if (p.line != q.line || p.end_line != q.end_line || p.col != q.col || p.end_col != q.end_col)
            return fail(s, sub, "positions differ");
    }
    if (!a->cell2arg != !b->cell2arg) return fail(s, sub, "cell2arg presence differs");
    if (a->cell2arg && memcmp(a->cell2arg, b->cell2arg, (size_t)a->ncells * sizeof(int)) != 0)
        return fail(s, sub, "cell2arg differs");
    if (b->cache || b->zombie) return fail(s, sub, "loaded code has run-time state");
    Value fa[] = {a->name, a->qualname, a->filename, a->consts, a->names, a->varnames, a->cellvars, a->freevars};
    Value fb[] = {b->name, b->qualname, b->filename, b->consts, b->names, b->varnames, b->cellvars, b->freevars};
    for (size_t i = 0; i < sizeof fa / sizeof *fa; i++)
        if (!same(s, fa[i], fb[i], sub)) return false;
    return true;
}

static bool same(cmp_state *s, Value a, Value b, const char *path) {
    if (is_singleton(a) || is_singleton(b)) return a == b || fail(s, path, "singletons differ");
    Value *f = pmap_slot(&s->fwd, a), *g = pmap_slot(&s->back, b);
    if (*f || *g) return (*f == b && *g == a) || fail(s, path, "sharing of objects differs");
    *f = b;
    *g = a;
    if (a->type != b->type) return fail(s, path, "types differ");
    mv_type *tp = a->type;
    if (tp == &mv_int_type) {
        return mpz_cmp(((mv_bigint *)a)->z, ((mv_bigint *)b)->z) == 0 || fail(s, path, "ints differ");
    } else if (tp == &mv_float_type) {
        double x = mv_float_val(a), y = mv_float_val(b);
        return memcmp(&x, &y, sizeof x) == 0 || fail(s, path, "float bits differ");
    } else if (tp == &mv_str_type) {
        mv_strobj *x = (mv_strobj *)a, *y = (mv_strobj *)b;
        if (x->size != y->size || memcmp(x->data, y->data, x->size) != 0) return fail(s, path, "strs differ");
        if (x->length != y->length || x->ascii != y->ascii) return fail(s, path, "str length differs");
        return x->interned == y->interned || fail(s, path, "interning differs");
    } else if (tp == &mv_bytes_type) {
        return (mv_bytes_size(a) == mv_bytes_size(b) && memcmp(mv_bytes_data(a), mv_bytes_data(b), mv_bytes_size(a)) == 0) ||
               fail(s, path, "bytes differ");
    } else if (tp == &mv_tuple_type) {
        if (mv_tuple_size(a) != mv_tuple_size(b)) return fail(s, path, "tuple sizes differ");
        for (size_t i = 0; i < mv_tuple_size(a); i++)
            if (!same(s, MV_TUPLE_GET(a, i), MV_TUPLE_GET(b, i), path)) return false;
        return true;
    } else if (tp == &mv_frozenset_type) {
        if (mv_set_size(a) != mv_set_size(b)) return fail(s, path, "frozenset sizes differ");
        size_t pa = 0, pb = 0;
        Value ka, kb;
        while (mv_set_next(a, &pa, &ka)) {
            if (!mv_set_next(b, &pb, &kb)) return fail(s, path, "frozenset iteration differs");
            if (!same(s, ka, kb, path)) return false;
        }
        return true;
    } else if (tp == &mv_code_type) {
        return same_code(s, (mv_code *)a, (mv_code *)b, path);
    }
    return fail(s, path, "unexpected type");
}

static void assert_same(Value a, Value b, const char *what) {
    cmp_state s = {0};
    bool ok = same(&s, a, b, what);
    free(s.fwd.keys); free(s.fwd.vals); free(s.back.keys); free(s.back.vals);
    cr_assert(ok, "%s", s.why);
}

/* `minivm --dis` output, with the addresses of nested code objects blanked. */
static char *dis_text(Value code) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mv_dis(t, code, f);
    fclose(f);
    char *out = malloc(2 * len + 1), *w = out; /* " at 0x" may precede fewer than 2 hex digits */
    for (const char *r = buf; *r;) {
        if (strncmp(r, " at 0x", 6) == 0) {
            memcpy(w, " at ADDR", 8);
            w += 8;
            r += 6;
            while ((*r >= '0' && *r <= '9') || (*r >= 'a' && *r <= 'f')) r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    free(buf);
    return out;
}

static Value compile(const char *src, const char *filename) {
    Value co = mv_compile(t, src, strlen(src), filename, MV_COMPILE_EXEC);
    if (!co) mv_err_print(t);
    cr_assert_not_null(co, "compile %s", filename);
    return co;
}

/* dumps, loads, compare with the original, and dumps again to the same bytes */
static Value roundtrip(Value v, const char *what) {
    Value b = mv_marshal_dumps(t, v);
    cr_assert_not_null(b, "dumps %s", what);
    Value r = mv_marshal_loads(t, mv_bytes_data(b), mv_bytes_size(b));
    if (!r) mv_err_print(t);
    cr_assert_not_null(r, "loads %s", what);
    assert_same(v, r, what);
    Value b2 = mv_marshal_dumps(t, r);
    cr_assert(mv_bytes_size(b2) == mv_bytes_size(b) && memcmp(mv_bytes_data(b2), mv_bytes_data(b), mv_bytes_size(b)) == 0,
              "%s: dumps(loads(x)) differs", what);
    MV_DECREF(b2);
    MV_DECREF(b);
    return r;
}

/* ---- the frozen stdlib ---------------------------------------------------------------------- */

Test(marshal, every_frozen_module_equals_its_fresh_compilation) {
    int n = 0;
    for (const mv_embedded_module *e = mv_embedded_modules; e->name; e++, n++) {
        cr_assert_not_null(e->code, "%s has no frozen code", e->name);
        char filename[300];
        snprintf(filename, sizeof filename, "<frozen %s>", e->name);
        Value fresh = mv_compile(t, e->source, e->size, filename, MV_COMPILE_EXEC);
        cr_assert_not_null(fresh, "compile %s", e->name);
        Value frozen = mv_marshal_loads(t, e->code, e->code_size);
        if (!frozen) mv_err_print(t);
        cr_assert_not_null(frozen, "load %s", e->name);
        cr_assert_str_eq(mv_str_data(((mv_code *)frozen)->filename), filename);
        assert_same(fresh, frozen, e->name);
        char *d1 = dis_text(fresh), *d2 = dis_text(frozen);
        cr_assert_str_eq(d2, d1, "disassembly of %s", e->name);
        free(d1);
        free(d2);
        MV_DECREF(frozen);
        MV_DECREF(fresh);
    }
    cr_assert_geq(n, 20, "only %d frozen modules", n);
}

/* ---- varied sources ------------------------------------------------------------------------- */

static const char varied_src[] =
    "'''module doc'''\n"
    "import sys\n"
    "from os import path as p, sep\n"
    "from . import nothing\n"
    "T = (1, -2, (3, 'a', (b'b\\x00\\xff', None, ...)), True, False, ())\n"
    "BIG = 123456789012345678901234567890123456789\n"
    "NBIG = -123456789012345678901234567890123456789\n"
    "EDGE = (4611686018427387903, -4611686018427387904, 4611686018427387904, -4611686018427387905)\n"
    "HEX = 0xffffffffffffffffffffffffffffffff\n"
    "FL = (-0.0, 0.0, 1.5, -2.25e-308, 5e-324, 1e308, 1e999, -1e999)\n"
    "S = ('', 'x', '\\xe9', 'h\\u00e9llo \\u65e5\\u672c \\U0001f600', 'a\\x00b', 'x' * 3, 'x' 'y')\n"
    "def f(a, b=1, /, c=2, *args, d, e=T, **kw):\n"
    "    '''f doc'''\n"
    "    def g(x=a):\n"
    "        nonlocal c\n"
    "        c += 1\n"
    "        return a + c + x\n"
    "    return g\n"
    "class C(object, metaclass=type):\n"
    "    __slots__ = ('q',)\n"
    "    def m(self):\n"
    "        return super().m(), __class__\n"
    "    @property\n"
    "    def __p(self): return self.__p\n"
    "def gen(n):\n"
    "    yield from range(n)\n"
    "    x = yield 1\n"
    "    return x\n"
    "async def co(x, y, z):\n"
    "    await x\n"
    "    async with y as w:\n"
    "        pass\n"
    "    async for i in z:\n"
    "        break\n"
    "    return [i async for i in z]\n"
    "async def agen():\n"
    "    yield 1\n"
    "lam = lambda q, *, r=3: q + r\n"
    "comps = [i for i in range(10) if i], {k: v for k, v in {}.items()}, {s for s in ''}, (g for g in ())\n"
    "def exc():\n"
    "    try:\n"
    "        1 / 0\n"
    "    except (ZeroDivisionError, ValueError) as e:\n"
    "        raise RuntimeError('x') from e\n"
    "    else:\n"
    "        pass\n"
    "    finally:\n"
    "        print('finally', 1.5)\n"
    "    with open('a') as a, open('b'):\n"
    "        pass\n"
    "def m(x):\n"
    "    match x:\n"
    "        case [1, 2, *rest]: return rest\n"
    "        case {'k': v, **kw}: return v\n"
    "        case C(q=0) | C(q=1): return 'c'\n"
    "        case (1 | 2) as n if n: return n\n"
    "        case None | True | -1.5 | 'str' | b'b': return 0\n"
    "        case _: return None\n"
    "w = 5\n"
    "fs = f'{w!r:>{w}} {w=} {{x}}'\n"
    "f(1, c=2, d=3, **{})\n"
    "print(*T, sep='', end='')\n"
    "global_var: int = 3\n"
    "del w\n"
    "assert T, 'msg'\n"
    "for i in range(3):\n"
    "    while i:\n"
    "        i -= 1\n"
    "        continue\n"
    "else:\n"
    "    pass\n";

Test(marshal, varied_sources_roundtrip) {
    Value co = compile(varied_src, "<varied>");
    Value r = roundtrip(co, "varied");
    char *d1 = dis_text(co), *d2 = dis_text(r);
    cr_assert_str_eq(d2, d1);
    free(d1);
    free(d2);
    MV_DECREF(r);
    MV_DECREF(co);
    static const char *const more[] = {
        "",
        "pass\n",
        "x = 1\n",
        "def f():\n    def g():\n        def h():\n            return x\n        x = 1\n        return h\n    return g\n",
        /* a long function: EXTENDED_ARG jumps and more than 256 constants and names */
        NULL,
    };
    for (size_t i = 0; more[i]; i++) {
        Value c = compile(more[i], "<more>");
        MV_DECREF(roundtrip(c, more[i]));
        MV_DECREF(c);
    }
    char *big = malloc(200000);
    size_t k = (size_t)sprintf(big, "def big(a):\n    if a:\n");
    for (int i = 0; i < 600; i++)
        k += (size_t)sprintf(big + k, "        v%d = a.attr%d + %d.5 + 'c%d' + %d\n", i, i, i, i, i * 1000003);
    k += (size_t)sprintf(big + k, "    return a\n");
    Value c = compile(big, "<big>");
    free(big);
    MV_DECREF(roundtrip(c, "big"));
    MV_DECREF(c);
}

/* The loaded code runs: a program using closures, generators, classes and constants gives the
   same result as the freshly compiled one. */
Test(marshal, loaded_code_runs) {
    const char *src =
        "def counter(start):\n"
        "    n = start\n"
        "    def step(k=1):\n"
        "        nonlocal n\n"
        "        n += k\n"
        "        return n\n"
        "    return step\n"
        "class P:\n"
        "    def __init__(self, *xs): self.xs = xs\n"
        "    def total(self): return sum(x for x in self.xs)\n"
        "c = counter(10)\n"
        "c(); c(5)\n"
        "result = (c(), P(1, 2.5, 10**30).total(), -0.0, 'h\\u00e9' * 2, frozenset({1}) | {2})\n";
    Value co = compile(src, "<run>");
    Value loaded = roundtrip(co, "run");
    Value results[2];
    Value codes[2] = {co, loaded};
    for (int i = 0; i < 2; i++) {
        Value g = mv_dict_new();
        mv_dict_set_cstr(t, g, "__builtins__", vm->builtins_module);
        Value r = mv_eval_code(t, codes[i], g, NULL);
        if (!r) mv_err_print(t);
        cr_assert_not_null(r);
        MV_DECREF(r);
        Value res = mv_dict_get_cstr(t, g, "result");
        cr_assert_not_null(res);
        results[i] = mv_repr(t, res);
        MV_DECREF(g);
    }
    cr_assert_str_eq(mv_str_data(results[1]), mv_str_data(results[0]));
    cr_assert_str_eq(mv_str_data(results[0]),
                     "(17, 1e+30, -0.0, 'h\xc3\xa9h\xc3\xa9', frozenset({1, 2}))");
    MV_DECREF(results[0]);
    MV_DECREF(results[1]);
    MV_DECREF(loaded);
    MV_DECREF(co);
}

/* ---- constants -------------------------------------------------------------------------------- */

Test(marshal, constants_roundtrip) {
    double nan_payload;
    uint64_t bits = 0x7ff8000000000123ull;
    memcpy(&nan_payload, &bits, sizeof bits);
    Value vals[] = {
        MV_NONE, MV_TRUE, MV_FALSE, MV_ELLIPSIS, MV_FROM_SMALL(0), MV_FROM_SMALL(MV_SMALL_MAX),
        MV_FROM_SMALL(MV_SMALL_MIN), mv_int_from_u64(UINT64_MAX), mv_float_new(-0.0),
        mv_float_new(INFINITY), mv_float_new(-INFINITY), mv_float_new(NAN), mv_float_new(nan_payload),
        mv_str_from_cstr(""), mv_str_from_cstr("z"), mv_str_from_cstr("\xe6\x97\xa5\xf0\x9f\x98\x80"),
        mv_str_intern_cstr(t, "an_interned_name"), mv_bytes_new("", 0), mv_bytes_new("\x00\xff", 2),
        MV_EMPTY_TUPLE,
    };
    size_t n = sizeof vals / sizeof *vals;
    for (size_t i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "constant %zu", i);
        MV_DECREF(roundtrip(vals[i], what));
    }
    /* big ints both signs, and around the tagged range */
    mpz_t z;
    mpz_init_set_str(z, "-987654321098765432109876543210987654321", 10);
    Value bigs[] = {mv_int_from_mpz(z), mv_int_from_i64(INT64_MIN), mv_int_from_i64(MV_SMALL_MAX), mv_int_from_u64((uint64_t)MV_SMALL_MAX + 1)};
    mpz_clear(z);
    for (size_t i = 0; i < 4; i++) {
        Value r = roundtrip(bigs[i], "bigint");
        cr_assert_eq(MV_IS_SMALL(r), MV_IS_SMALL(bigs[i]));
        MV_DECREF(r);
        MV_DECREF(bigs[i]);
    }
    /* nested tuples and frozensets (colliding hashes keep their iteration order), sharing */
    Value inner = mv_tuple_pack(3, vals[8], vals[15], vals[18]);
    Value items = mv_tuple_pack(6, MV_FROM_SMALL(1), MV_FROM_SMALL(1025), MV_FROM_SMALL(9), vals[15], inner, vals[7]);
    Value fs = mv_frozenset_const(t, items);
    cr_assert_not_null(fs);
    Value outer = mv_tuple_pack(5, inner, fs, inner, items, mv_tuple_pack(1, fs));
    MV_DECREF(MV_TUPLE_GET(outer, 4)); /* the pack took its own reference */
    Value r = roundtrip(outer, "nested");
    cr_assert_eq(MV_TUPLE_GET(r, 0), MV_TUPLE_GET(r, 2), "a shared tuple stays one object");
    cr_assert_eq(MV_TUPLE_GET(MV_TUPLE_GET(r, 4), 0), MV_TUPLE_GET(r, 1), "a shared frozenset stays one object");
    MV_DECREF(r);
    MV_DECREF(outer);
    MV_DECREF(fs);
    MV_DECREF(items);
    MV_DECREF(inner);
    for (size_t i = 0; i < n; i++) MV_DECREF(vals[i]);
}

Test(marshal, unmarshallable_values_are_refused) {
    Value l = mv_dict_new();
    cr_assert_null(mv_marshal_dumps(t, l));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
    Value tup = mv_tuple_pack(2, MV_FROM_SMALL(1), l);
    cr_assert_null(mv_marshal_dumps(t, tup));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
    MV_DECREF(tup);
    MV_DECREF(l);
    /* too deep a nesting fails on both sides instead of overflowing the C stack */
    Value v = MV_EMPTY_TUPLE;
    for (int i = 0; i < 2000; i++) {
        Value w = mv_tuple_pack(1, v);
        MV_DECREF(v);
        v = w;
    }
    cr_assert_null(mv_marshal_dumps(t, v));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
    MV_DECREF(v); /* tuple dealloc recursion of 2000 levels is fine */
    unsigned char deep[4 + 4000];
    memcpy(deep, "MVF\001", 4);
    for (int i = 0; i < 2000; i++) {
        deep[4 + 2 * i] = '(';
        deep[5 + 2 * i] = 1;
    }
    cr_assert_null(mv_marshal_loads(t, deep, sizeof deep));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
}

/* ---- malformed input ------------------------------------------------------------------------ */

static void expect_error(const unsigned char *buf, size_t n, const char *what, size_t at) {
    Value r = mv_marshal_loads(t, buf, n);
    cr_assert_null(r, "%s at %zu loaded", what, at);
    cr_assert(mv_err_matches(t, &mv_exc_ValueError), "%s at %zu: not a ValueError", what, at);
    mv_err_clear(t);
}

static void corrupt_all(Value blob, const char *what) {
    size_t n = mv_bytes_size(blob);
    unsigned char *buf = malloc(n);
    /* every truncation fails, and leaks nothing (the first pass interns the names) */
    for (size_t len = 0; len < n; len++) {
        memcpy(buf, mv_bytes_data(blob), len);
        size_t before = 0;
        for (int pass = 0; pass < 2; pass++) {
            if (pass) before = mv_mem_live_objects();
            expect_error(buf, len, what, len);
        }
        cr_assert_leq(mv_mem_live_objects(), before, "%s cut at %zu leaked", what, len);
    }
    /* trailing garbage */
    unsigned char *longer = malloc(n + 1);
    memcpy(longer, mv_bytes_data(blob), n);
    longer[n] = 'N';
    expect_error(longer, n + 1, what, n);
    free(longer);
    /* every byte replaced by values that hit type codes, flags, varint continuations, limits */
    static const unsigned char flips[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 'r', '(', 'c', 'l', 'U', 'r' | 0x80};
    for (size_t pos = 0; pos < n; pos++) {
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(buf, mv_bytes_data(blob), n);
            if (buf[pos] == flips[k]) continue;
            buf[pos] = flips[k];
            Value r = mv_marshal_loads(t, buf, n);
            if (r) MV_DECREF(r);
            else {
                cr_assert(mv_err_occurred(t));
                mv_err_clear(t);
            }
        }
    }
    /* random multi-byte damage (fixed seed) */
    unsigned seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, mv_bytes_data(blob), n);
        for (int j = 0; j < 4; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = (unsigned char)(seed >> 16);
        }
        Value r = mv_marshal_loads(t, buf, n);
        if (r) MV_DECREF(r);
        else mv_err_clear(t);
    }
    free(buf);
}

Test(marshal, truncated_and_corrupted_blobs_raise) {
    const char *src =
        "'''d'''\nimport os\nX = (1, 2**70, -0.5, 'h\\u00e9', b'b', ('n',), ...)\n"
        "def f(a, *b, c=1, **d):\n    def g():\n        return a, c\n    return g\n"
        "class K:\n    def m(self): return __class__\n";
    Value co = compile(src, "<bad>");
    Value blob = mv_marshal_dumps(t, co);
    cr_assert_not_null(blob);
    corrupt_all(blob, "code");
    MV_DECREF(blob);
    MV_DECREF(co);
    /* hand-made bad blobs */
    static const struct { const char *bytes; size_t n; } bad[] = {
        {"", 0}, {"MVF", 3}, {"XVF\001N", 5}, {"MVF\002N", 5}, {"MVF\001", 4}, {"MVF\001?", 5},
        {"MVF\001r\000", 6},                                  /* reference before any object */
        {"MVF\001i\377\377\377\377\377\377\377\377\377\377", 15}, /* varint too long */
        {"MVF\001i\376\377\377\377\377\377\377\377\377\001", 15}, /* beyond the tagged range */
        {"MVF\001u\002\303(", 8},                             /* invalid UTF-8 */
        {"MVF\001u\001\200", 7},                              /* lone continuation byte */
        {"MVF\001u\002\370\210", 8},                          /* 5-byte sequence */
        {"MVF\001(\377\377\377\377\017", 10},                 /* huge tuple count */
        {"MVF\001b\005ab", 8},                                /* short bytes */
        {"MVF\001l\002\001\001", 8},                          /* bad int sign */
        {"MVF\001g\000\000", 7},                              /* short float */
        {"MVF\001{\001(\000", 8},                             /* fine: frozenset({()}) */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        Value r = mv_marshal_loads(t, bad[i].bytes, bad[i].n);
        if (i == sizeof bad / sizeof *bad - 1) {
            cr_assert_not_null(r);
            MV_DECREF(r);
            continue;
        }
        cr_assert_null(r, "bad blob %zu loaded", i);
        cr_assert(mv_err_matches(t, &mv_exc_ValueError), "bad blob %zu: not a ValueError", i);
        mv_err_clear(t);
    }
}

/* The frozen blob of a real module survives the same treatment (only a bounded sample of its
   positions: the blobs are tens of kilobytes). */
Test(marshal, frozen_blob_corruption_raises) {
    const mv_embedded_module *e = mv_embedded_modules;
    while (e->name && strcmp(e->name, "queue") != 0) e++;
    cr_assert_not_null(e->name);
    size_t n = e->code_size;
    unsigned char *buf = malloc(n);
    for (size_t len = 0; len < n; len += 7) {
        memcpy(buf, e->code, len);
        expect_error(buf, len, "queue", len);
    }
    for (size_t pos = 0; pos < n; pos += 3) {
        memcpy(buf, e->code, n);
        buf[pos] ^= 0xa5;
        Value r = mv_marshal_loads(t, buf, n);
        if (r) MV_DECREF(r);
        else mv_err_clear(t);
    }
    free(buf);
}
