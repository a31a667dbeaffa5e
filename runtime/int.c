/* int.c: the int type.  Small values are tagged Values (no allocation); the rest are mv_bigint
 * objects holding a GMP mpz_t.  Every operation tries the tagged fast path first (with overflow
 * builtins), falls back to GMP, and demotes results that fit.  bool (bool.c) and int subclasses
 * are accepted everywhere: bool instances carry no payload, subclass instances always use `z`.
 */
#include <math.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

#define HASH_MODULUS (((uint64_t)1 << 61) - 1)
#define MAX_STR_DIGITS 4300

/* ---- unpacking int-like values ------------------------------------------------------------- */

/* true (with the value) for tagged ints and bools; false for heap ints (use int_z). */
static inline bool int_small(Value v, int64_t *out) {
    if (MV_IS_SMALL(v)) {
        *out = MV_SMALL_VAL(v);
        return true;
    }
    if (v->type == &mv_bool_type) {
        *out = (v == MV_TRUE);
        return true;
    }
    return false;
}
static inline mpz_srcptr int_z(Value v) { return ((mv_bigint *)v)->z; }

/* An int operand as an mpz: borrowed from a heap int, or a temporary for small ones. */
typedef struct {
    mpz_t tmp;
    mpz_srcptr z;
    bool owned;
} zarg;

static void zarg_init(zarg *a, Value v) {
    int64_t i;
    if (int_small(v, &i)) {
        mpz_init_set_si(a->tmp, (long)i);
        a->z = a->tmp;
        a->owned = true;
    } else {
        a->z = int_z(v);
        a->owned = false;
    }
}
static void zarg_clear(zarg *a) {
    if (a->owned) mpz_clear(a->tmp);
}

/* Take ownership of an initialized mpz: demote it or move it into a new bigint. */
static Value int_from_mpz_steal(mpz_t z) {
    if (mpz_fits_slong_p(z)) {
        long l = mpz_get_si(z);
        if (MV_SMALL_FITS(l)) {
            mpz_clear(z);
            return MV_FROM_SMALL(l);
        }
    }
    mv_bigint *b = (mv_bigint *)mv_object_new(&mv_int_type);
    b->z[0] = z[0];
    return (Value)b;
}

static Value big_from_i64(int64_t i) {
    mv_bigint *b = (mv_bigint *)mv_object_new(&mv_int_type);
    mpz_init_set_si(b->z, (long)i);
    return (Value)b;
}

/* inline in this file: the arithmetic fast paths call it on every result */
static inline Value int_from_i64(int64_t i) { return MV_SMALL_FITS(i) ? MV_FROM_SMALL(i) : big_from_i64(i); }
Value mv_int_from_i64(int64_t i) { return int_from_i64(i); }

Value mv_int_from_u64(uint64_t u) {
    if (u <= (uint64_t)MV_SMALL_MAX) return MV_FROM_SMALL((int64_t)u);
    mv_bigint *b = (mv_bigint *)mv_object_new(&mv_int_type);
    mpz_init_set_ui(b->z, (unsigned long)u);
    return (Value)b;
}

Value mv_int_from_mpz(const mpz_t z) {
    mpz_t c;
    mpz_init_set(c, z);
    return int_from_mpz_steal(c);
}

void mv_int_to_mpz(Value v, mpz_t out) {
    int64_t i;
    if (int_small(v, &i))
        mpz_set_si(out, (long)i);
    else
        mpz_set(out, int_z(v));
}

/* An exact int with the value of an int-like (bool and subclasses become plain ints). */
static Value int_exact(Value v) {
    int64_t i;
    if (int_small(v, &i)) return MV_FROM_SMALL(i);
    if (v->type == &mv_int_type) return mv_newref(v);
    return mv_int_from_mpz(int_z(v));
}

int mv_int_sign(Value v) {
    int64_t i;
    if (int_small(v, &i)) return (i > 0) - (i < 0);
    return mpz_sgn(int_z(v));
}

int mv_int_as_i64(mv_thread *t, Value v, int64_t *out) {
    if (int_small(v, out)) return 0;
    if (mpz_fits_slong_p(int_z(v))) {
        *out = mpz_get_si(int_z(v));
        return 0;
    }
    mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C long");
    return -1;
}

/* ---- conversion to double, correctly rounded -------------------------------------------------- */

/* q * 2**e rounded half-even to a double, subnormals included.  q > 0; when q stands for an
   inexact quotient its lowest bit is a sticky bit (callers keep at least 2 extra bits).
   Sets *ovf when the result does not fit. */
static double mpz_scaled_to_double(mpz_srcptr q, long e, int *ovf) {
    long len = (long)mpz_sizeinbase(q, 2);
    long top = len + e; /* value in [2**(top-1), 2**top) */
    if (top > 1024) {
        *ovf = 1;
        return HUGE_VAL;
    }
    long p = 53;
    if (top - 1 < -1022) p = top + 1074; /* subnormal: fewer bits of precision */
    if (p < 0) return 0.0;
    long d = len - p;
    if (d <= 0) return ldexp(mpz_get_d(q), (int)e);
    mpz_t r;
    mpz_init(r);
    mpz_tdiv_q_2exp(r, q, (mp_bitcnt_t)d);
    if (mpz_tstbit(q, (mp_bitcnt_t)(d - 1))) {
        bool sticky = mpz_scan1(q, 0) < (mp_bitcnt_t)(d - 1);
        if (sticky || mpz_odd_p(r)) mpz_add_ui(r, r, 1);
    }
    double m = mpz_get_d(r);
    mpz_clear(r);
    double res = ldexp(m, (int)(d + e));
    if (isinf(res)) *ovf = 1;
    return res;
}

double mv_int_as_double(mv_thread *t, Value v, int *overflow) {
    int64_t i;
    *overflow = 0;
    if (int_small(v, &i)) return (double)i;
    mpz_srcptr z = int_z(v);
    if (mpz_sizeinbase(z, 2) <= 53) return mpz_get_d(z);
    mpz_t a;
    mpz_init(a);
    mpz_abs(a, z);
    double d = mpz_scaled_to_double(a, 0, overflow);
    mpz_clear(a);
    return mpz_sgn(z) < 0 ? -d : d;
}

/* float(int) with the OverflowError; 0 ok, -1 error. */
static int int_to_double_checked(mv_thread *t, Value v, double *out) {
    int ovf;
    *out = mv_int_as_double(t, v, &ovf);
    if (ovf) {
        mv_err_set(t, &mv_exc_OverflowError, "int too large to convert to float");
        return -1;
    }
    return 0;
}

Value mv_int_from_double(mv_thread *t, double d) {
    if (isnan(d)) return mv_err_set(t, &mv_exc_ValueError, "cannot convert float NaN to integer");
    if (isinf(d)) return mv_err_set(t, &mv_exc_OverflowError, "cannot convert float infinity to integer");
    if (fabs(d) < 9.0e18) return int_from_i64((int64_t)d);
    mpz_t z;
    mpz_init_set_d(z, d);
    return int_from_mpz_steal(z);
}

/* ---- hashing ------------------------------------------------------------------------------------ */

int mv_int_hash(Value v, int64_t *out) {
    int64_t i, h;
    if (int_small(v, &i)) {
        h = i >= 0 ? (int64_t)((uint64_t)i % HASH_MODULUS) : -(int64_t)((uint64_t)(-i) % HASH_MODULUS);
    } else {
        mpz_srcptr z = int_z(v);
        int64_t r = (int64_t)mpz_tdiv_ui(z, (unsigned long)HASH_MODULUS);
        h = mpz_sgn(z) < 0 ? -r : r;
    }
    if (h == -1) h = -2;
    *out = h;
    return 0;
}

static int int_hash(mv_thread *t, Value self, int64_t *out) { return mv_int_hash(self, out); }

/* ---- strings ------------------------------------------------------------------------------------ */

#define STR_CACHE_LO (-5)
#define STR_CACHE_HI 1024
static Value small_str_cache[STR_CACHE_HI - STR_CACHE_LO];

static Value small_to_str(int64_t i) {
    bool cache = i >= STR_CACHE_LO && i < STR_CACHE_HI;
    if (cache && small_str_cache[i - STR_CACHE_LO]) return mv_newref(small_str_cache[i - STR_CACHE_LO]);
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0) *--p = '-';
    Value s = mv_str_new(p, (size_t)(buf + sizeof buf - p));
    if (cache && s) small_str_cache[i - STR_CACHE_LO] = mv_newref(s);
    return s;
}

Value mv_int_to_string(Value v, int base) {
    int64_t i;
    mpz_t tmp;
    mpz_srcptr z;
    if (int_small(v, &i)) {
        if (base == 10) return small_to_str(i);
        mpz_init_set_si(tmp, (long)i);
        z = tmp;
    } else {
        z = int_z(v);
    }
    size_t n = mpz_sizeinbase(z, base) + 4;
    char *buf = mv_malloc(n), *p = buf;
    if (mpz_sgn(z) < 0) *p++ = '-';
    if (base != 10) {
        *p++ = '0';
        *p++ = base == 16 ? 'x' : base == 8 ? 'o' : 'b';
    }
    mpz_t a;
    mpz_init(a);
    mpz_abs(a, z);
    mpz_get_str(p, base, a);
    mpz_clear(a);
    Value s = mv_str_new(buf, strlen(buf));
    mv_free(buf);
    if (z == tmp) mpz_clear(tmp);
    return s;
}

static Value int_repr(mv_thread *t, Value self) {
    int64_t i;
    if (int_small(self, &i)) return small_to_str(i);
    mpz_srcptr z = int_z(self);
    if (mpz_sizeinbase(z, 10) > MAX_STR_DIGITS) {
        /* sizeinbase may overshoot by one: only refuse when it surely exceeds */
        Value s = mv_int_to_string(self, 10);
        if (!s) return NULL;
        if (mv_str_size(s) - (mpz_sgn(z) < 0) <= MAX_STR_DIGITS) return s;
        MV_DECREF(s);
        return mv_err_format(t, &mv_exc_ValueError,
                             "Exceeds the limit (%d digits) for integer string conversion; use "
                             "sys.set_int_max_str_digits() to increase the limit",
                             MAX_STR_DIGITS);
    }
    return mv_int_to_string(self, 10);
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/* Parse as int(s, base); `orig` (str or bytes) is shown in the error message. */
static Value int_parse(mv_thread *t, const char *s, size_t len, int base, Value orig) {
    const char *p = s, *end = s + len;
    if (base != 0 && (base < 2 || base > 36))
        return mv_err_set(t, &mv_exc_ValueError, "int() base must be >= 2 and <= 36, or 0");
    int given_base = base;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    bool neg = false;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    bool prefixed = false, zero_start = false;
    if (end - p >= 2 && p[0] == '0') {
        char c = (char)(p[1] | 0x20);
        int pb = c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
        if (pb && (base == 0 || base == pb)) {
            base = pb;
            p += 2;
            prefixed = true;
        }
    }
    if (base == 0) {
        base = 10;
        zero_start = p < end && *p == '0';
    }
    if (prefixed && p < end && *p == '_') p++;
    size_t cap = (size_t)(end - p) + 2, nd = 0;
    char stackbuf[64];
    char *digits = cap <= sizeof stackbuf ? stackbuf : mv_malloc(cap);
    bool ok = p < end && *p != '_';
    for (const char *q = p; ok && q < end; q++) {
        if (*q == '_') {
            if (q + 1 >= end || q[1] == '_') ok = false;
            continue;
        }
        if (digit_value(*q) >= base) {
            ok = false;
            break;
        }
        if (zero_start && *q != '0') ok = false;
        digits[nd++] = *q;
    }
    if (!ok || nd == 0) {
        if (digits != stackbuf) mv_free(digits);
        Value r = orig ? mv_newref(orig) : mv_str_new(s, len);
        if (!r) return NULL;
        mv_err_format(t, &mv_exc_ValueError, "invalid literal for int() with base %d: %R", given_base, r);
        MV_DECREF(r);
        return NULL;
    }
    digits[nd] = 0;
    if ((base & (base - 1)) != 0 && nd > MAX_STR_DIGITS) {
        if (digits != stackbuf) mv_free(digits);
        return mv_err_format(t, &mv_exc_ValueError,
                             "Exceeds the limit (%d digits) for integer string conversion: value has "
                             "%zu digits; use sys.set_int_max_str_digits() to increase the limit",
                             MAX_STR_DIGITS, nd);
    }
    if (nd <= 12) { /* 36**12 < 2**63: no overflow */
        int64_t v = 0;
        for (size_t i = 0; i < nd; i++) v = v * base + digit_value(digits[i]);
        if (digits != stackbuf) mv_free(digits);
        return int_from_i64(neg ? -v : v);
    }
    mpz_t z;
    mpz_init_set_str(z, digits, base);
    if (digits != stackbuf) mv_free(digits);
    if (neg) mpz_neg(z, z);
    return int_from_mpz_steal(z);
}

/* A str as ASCII for parsing numbers: Unicode decimal digits become 0-9 and Unicode spaces
   become ' ', as CPython does before parsing int() and float() arguments.  Returns the chars
   (borrowed from s when it is already ASCII, else mv_malloc'ed into *owned). */
const char *mv_number_ascii(Value s, size_t *len, char **owned) {
    *owned = NULL;
    *len = mv_str_size(s);
    if (((mv_strobj *)s)->ascii) return mv_str_data(s);
    const char *p = mv_str_data(s), *end = p + mv_str_size(s);
    char *buf = mv_malloc(mv_str_size(s) + 1), *o = buf;
    while (p < end) {
        uint32_t cp = mv_utf8_next(&p);
        int d;
        if (cp < 128)
            *o++ = (char)cp;
        else if ((d = mv_unicode_decimal_value(cp)) >= 0)
            *o++ = (char)('0' + d);
        else if (mv_unicode_isspace(cp))
            *o++ = ' ';
        else
            *o++ = '?'; /* not part of any number: the parse fails with the original in the message */
    }
    *o = 0;
    *owned = buf;
    *len = (size_t)(o - buf);
    return buf;
}

/* int(str) and int(str, base) */
static Value int_parse_str(mv_thread *t, Value s, int base) {
    size_t len;
    char *owned;
    const char *p = mv_number_ascii(s, &len, &owned);
    Value r = int_parse(t, p, len, base, s);
    mv_free(owned);
    return r;
}

Value mv_int_from_string(mv_thread *t, const char *s, size_t len, int base) {
    return int_parse(t, s, len, base, NULL);
}

/* ---- arithmetic ----------------------------------------------------------------------------- */

#define BOTH_INTS(a, b) \
    if (!mv_int_check(a) || !mv_int_check(b)) return mv_newref(MV_NOTIMPL)

typedef void (*mpz_binfn)(mpz_ptr, mpz_srcptr, mpz_srcptr);

static Value big_binop(Value a, Value b, mpz_binfn fn) {
    zarg x, y;
    zarg_init(&x, a);
    zarg_init(&y, b);
    mpz_t r;
    mpz_init(r);
    fn(r, x.z, y.z);
    zarg_clear(&x);
    zarg_clear(&y);
    return int_from_mpz_steal(r);
}

static Value int_add(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return int_from_i64(x + y);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_add);
}

static Value int_sub(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return int_from_i64(x - y);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_sub);
}

static Value int_mul(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0, r;
    if (int_small(a, &x) && int_small(b, &y) && !__builtin_mul_overflow(x, y, &r)) return int_from_i64(r);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_mul);
}

static bool int_is_zero(Value v) {
    int64_t i;
    if (int_small(v, &i)) return i == 0;
    return mpz_sgn(int_z(v)) == 0;
}

static inline int64_t floordiv64(int64_t x, int64_t y) {
    int64_t q = x / y;
    if (x % y != 0 && ((x < 0) != (y < 0))) q--;
    return q;
}
static inline int64_t mod64(int64_t x, int64_t y) {
    int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return r;
}

static Value int_floordiv(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    BOTH_INTS(a, b);
    if (int_is_zero(b)) return mv_err_set(t, &mv_exc_ZeroDivisionError, "integer division or modulo by zero");
    if (int_small(a, &x) && int_small(b, &y)) return int_from_i64(floordiv64(x, y));
    return big_binop(a, b, mpz_fdiv_q);
}

static Value int_mod(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    BOTH_INTS(a, b);
    if (int_is_zero(b)) return mv_err_set(t, &mv_exc_ZeroDivisionError, "integer modulo by zero");
    if (int_small(a, &x) && int_small(b, &y)) return int_from_i64(mod64(x, y));
    return big_binop(a, b, mpz_fdiv_r);
}

Value mv_int_divmod(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    BOTH_INTS(a, b);
    if (int_is_zero(b)) return mv_err_set(t, &mv_exc_ZeroDivisionError, "integer division or modulo by zero");
    Value qv, rv;
    if (int_small(a, &x) && int_small(b, &y)) {
        qv = int_from_i64(floordiv64(x, y));
        rv = MV_FROM_SMALL(mod64(x, y));
        Value res = mv_tuple_pack(2, qv, rv);
        MV_DECREF(qv);
        return res;
    }
    zarg xa, ya;
    zarg_init(&xa, a);
    zarg_init(&ya, b);
    mpz_t q, r;
    mpz_init(q);
    mpz_init(r);
    mpz_fdiv_qr(q, r, xa.z, ya.z);
    zarg_clear(&xa);
    zarg_clear(&ya);
    qv = int_from_mpz_steal(q);
    rv = int_from_mpz_steal(r);
    Value res = mv_tuple_pack(2, qv, rv);
    MV_DECREF(qv);
    MV_DECREF(rv);
    return res;
}

static Value int_truediv(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    const int64_t lim = (int64_t)1 << 53;
    BOTH_INTS(a, b);
    if (int_is_zero(b)) return mv_err_set(t, &mv_exc_ZeroDivisionError, "division by zero");
    if (int_small(a, &x) && int_small(b, &y) && x <= lim && x >= -lim && y <= lim && y >= -lim)
        return mv_float_new((double)x / (double)y);
    zarg xa, ya;
    zarg_init(&xa, a);
    zarg_init(&ya, b);
    bool neg = (mpz_sgn(xa.z) < 0) != (mpz_sgn(ya.z) < 0);
    double res = 0.0;
    int ovf = 0;
    if (mpz_sgn(xa.z) != 0) {
        long na = (long)mpz_sizeinbase(xa.z, 2), nb = (long)mpz_sizeinbase(ya.z, 2);
        long shift = na - nb;
        if (shift > 1026) {
            ovf = 1;
        } else if (shift >= -1080) {
            long k = 55 - shift; /* quotient gets 55 or 56 bits: 2 spare for rounding */
            mpz_t n, d, q, r;
            mpz_init(n);
            mpz_init(d);
            mpz_init(q);
            mpz_init(r);
            mpz_abs(n, xa.z);
            mpz_abs(d, ya.z);
            if (k > 0)
                mpz_mul_2exp(n, n, (mp_bitcnt_t)k);
            else if (k < 0)
                mpz_mul_2exp(d, d, (mp_bitcnt_t)-k);
            mpz_tdiv_qr(q, r, n, d);
            if (mpz_sgn(r) != 0) mpz_setbit(q, 0);
            res = mpz_scaled_to_double(q, -k, &ovf);
            mpz_clear(n);
            mpz_clear(d);
            mpz_clear(q);
            mpz_clear(r);
        }
    }
    zarg_clear(&xa);
    zarg_clear(&ya);
    if (ovf) return mv_err_set(t, &mv_exc_OverflowError, "integer division result too large for a float");
    return mv_float_new(neg ? -res : res);
}

/* int ** negative int: computed in floating point, as CPython does. */
static Value int_pow_negative(mv_thread *t, Value a, Value b) {
    double x, y;
    if (int_to_double_checked(t, a, &x) < 0 || int_to_double_checked(t, b, &y) < 0) return NULL;
    if (x == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "0.0 cannot be raised to a negative power");
    return mv_float_new(pow(x, y));
}

static Value int_pow(mv_thread *t, Value a, Value b) {
    BOTH_INTS(a, b);
    if (mv_int_sign(b) < 0) return int_pow_negative(t, a, b);
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) {
        int64_t result = 1, base = x, e = y;
        bool ovf = false;
        while (e && !ovf) {
            if (e & 1) ovf = __builtin_mul_overflow(result, base, &result);
            e >>= 1;
            if (e && !ovf) ovf = __builtin_mul_overflow(base, base, &base);
        }
        if (!ovf) return int_from_i64(result);
    }
    zarg xa;
    zarg_init(&xa, a);
    if (!int_small(b, &y) || y > (int64_t)1 << 40) {
        /* only trivial bases survive such exponents */
        int s = mpz_cmpabs_ui(xa.z, 1);
        bool base01 = mpz_sgn(xa.z) == 0 || s == 0;
        if (!base01) {
            zarg_clear(&xa);
            return mv_err_nomem(t);
        }
        bool even = int_small(b, &y) ? (y % 2 == 0) : mpz_even_p(int_z(b));
        Value r = mpz_sgn(xa.z) == 0 ? MV_FROM_SMALL(0)
                  : mpz_sgn(xa.z) > 0 || even ? MV_FROM_SMALL(1) : MV_FROM_SMALL(-1);
        zarg_clear(&xa);
        return r;
    }
    mpz_t r;
    mpz_init(r);
    mpz_pow_ui(r, xa.z, (unsigned long)y);
    zarg_clear(&xa);
    return int_from_mpz_steal(r);
}

Value mv_int_pow_mod(mv_thread *t, Value a, Value b, Value m) {
    if (!mv_int_check(a) || !mv_int_check(b) || !mv_int_check(m))
        return mv_err_set(t, &mv_exc_TypeError, "pow() 3rd argument not allowed unless all arguments are integers");
    if (int_is_zero(m)) return mv_err_set(t, &mv_exc_ValueError, "pow() 3rd argument cannot be 0");
    zarg xa, ya, ma;
    zarg_init(&xa, a);
    zarg_init(&ya, b);
    zarg_init(&ma, m);
    mpz_t base, mod, r;
    mpz_init_set(base, xa.z);
    mpz_init(mod);
    mpz_abs(mod, ma.z);
    mpz_init(r);
    Value res = NULL;
    if (mpz_sgn(ya.z) < 0) {
        if (!mpz_invert(base, base, mod)) {
            /* mpz_invert fails for mod 1 too, where the answer is 0 */
            if (mpz_cmp_ui(mod, 1) != 0) {
                mv_err_set(t, &mv_exc_ValueError, "base is not invertible for the given modulus");
                goto done;
            }
            mpz_set_ui(base, 0);
        }
        mpz_t e;
        mpz_init(e);
        mpz_neg(e, ya.z);
        mpz_powm(r, base, e, mod);
        mpz_clear(e);
    } else {
        mpz_powm(r, base, ya.z, mod);
    }
    if (mpz_sgn(ma.z) < 0 && mpz_sgn(r) != 0) mpz_add(r, r, ma.z); /* sign follows the modulus */
    res = int_from_mpz_steal(r);
    mpz_init(r);
done:
    mpz_clear(r);
    mpz_clear(base);
    mpz_clear(mod);
    zarg_clear(&xa);
    zarg_clear(&ya);
    zarg_clear(&ma);
    return res;
}

static Value int_lshift(mv_thread *t, Value a, Value b) {
    BOTH_INTS(a, b);
    int64_t x = 0, y = 0;
    if (mv_int_sign(b) < 0) return mv_err_set(t, &mv_exc_ValueError, "negative shift count");
    if (int_is_zero(a)) return MV_FROM_SMALL(0);
    if (!int_small(b, &y) || y > ((int64_t)1 << 40))
        return mv_err_set(t, &mv_exc_OverflowError, "too many digits in integer");
    if (int_small(a, &x) && y < 63) {
        int64_t r = (int64_t)((uint64_t)x << y);
        if ((r >> y) == x) return int_from_i64(r);
    }
    zarg xa;
    zarg_init(&xa, a);
    mpz_t r;
    mpz_init(r);
    mpz_mul_2exp(r, xa.z, (mp_bitcnt_t)y);
    zarg_clear(&xa);
    return int_from_mpz_steal(r);
}

static Value int_rshift(mv_thread *t, Value a, Value b) {
    BOTH_INTS(a, b);
    int64_t x = 0, y = 0;
    if (mv_int_sign(b) < 0) return mv_err_set(t, &mv_exc_ValueError, "negative shift count");
    if (!int_small(b, &y)) return MV_FROM_SMALL(mv_int_sign(a) < 0 ? -1 : 0);
    if (int_small(a, &x)) return MV_FROM_SMALL(y >= 63 ? (x < 0 ? -1 : 0) : x >> y);
    mpz_t r;
    mpz_init(r);
    mpz_fdiv_q_2exp(r, int_z(a), (mp_bitcnt_t)y);
    return int_from_mpz_steal(r);
}

static Value int_and(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return MV_FROM_SMALL(x & y);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_and);
}
static Value int_or(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return MV_FROM_SMALL(x | y);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_ior);
}
static Value int_xor(mv_thread *t, Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return MV_FROM_SMALL(x ^ y);
    BOTH_INTS(a, b);
    return big_binop(a, b, mpz_xor);
}

static Value int_neg(mv_thread *t, Value a) {
    int64_t x;
    if (int_small(a, &x)) return int_from_i64(-x);
    mpz_t r;
    mpz_init(r);
    mpz_neg(r, int_z(a));
    return int_from_mpz_steal(r);
}
static Value int_pos(mv_thread *t, Value a) { return int_exact(a); }
static Value int_abs(mv_thread *t, Value a) { return mv_int_sign(a) < 0 ? int_neg(t, a) : int_exact(a); }
static Value int_invert(mv_thread *t, Value a) {
    int64_t x;
    if (int_small(a, &x)) return MV_FROM_SMALL(~x);
    mpz_t r;
    mpz_init(r);
    mpz_com(r, int_z(a));
    return int_from_mpz_steal(r);
}
static Value int_float(mv_thread *t, Value a) {
    double d;
    if (int_to_double_checked(t, a, &d) < 0) return NULL;
    return mv_float_new(d);
}
static int int_bool(mv_thread *t, Value a) { return !int_is_zero(a); }

static int int_compare(Value a, Value b) {
    int64_t x = 0, y = 0;
    if (int_small(a, &x) && int_small(b, &y)) return (x > y) - (x < y);
    zarg xa, ya;
    zarg_init(&xa, a);
    zarg_init(&ya, b);
    int c = mpz_cmp(xa.z, ya.z);
    zarg_clear(&xa);
    zarg_clear(&ya);
    return (c > 0) - (c < 0);
}

static Value int_richcompare(mv_thread *t, Value a, Value b, int op) {
    BOTH_INTS(a, b);
    int c = int_compare(a, b);
    bool r;
    switch (op) {
    case MV_LT: r = c < 0; break;
    case MV_LE: r = c <= 0; break;
    case MV_EQ: r = c == 0; break;
    case MV_NE: r = c != 0; break;
    case MV_GT: r = c > 0; break;
    default: r = c >= 0; break;
    }
    return MV_BOOL(r);
}

/* ---- construction --------------------------------------------------------------------------- */

/* int(x) for a non-string x, through __int__ / __index__. */
static Value int_from_number(mv_thread *t, Value x) {
    if (mv_int_check(x)) return int_exact(x);
    mv_type *tp = MV_TYPE(x);
    mv_unaryfn fn = tp->nb_int ? tp->nb_int : tp->nb_index;
    if (!fn) {
        /* deprecated in 3.11 but still honoured: __trunc__ */
        Value name = mv_str_intern_cstr(t, "__trunc__");
        Value m = name ? mv_type_lookup(tp, name) : NULL;
        MV_XDECREF(name);
        if (m) {
            Value r = mv_call_method(t, x, "__trunc__", NULL, 0);
            if (!r || mv_int_check(r)) {
                Value e = r ? int_exact(r) : NULL;
                MV_XDECREF(r);
                return e;
            }
            Value e = mv_number_index(t, r);
            if (!e && mv_err_matches(t, &mv_exc_TypeError)) {
                mv_err_clear(t);
                mv_err_format(t, &mv_exc_TypeError, "__trunc__ returned non-Integral (type %s)", mv_type_name(r));
            }
            MV_DECREF(r);
            return e;
        }
    }
    if (!fn)
        return mv_err_format(t, &mv_exc_TypeError,
                             "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                             mv_type_name(x));
    Value r = fn(t, x);
    if (!r) return NULL;
    if (!mv_int_check(r)) {
        mv_err_format(t, &mv_exc_TypeError, "%s returned non-int (type %s)",
                      tp->nb_int ? "__int__" : "__index__", mv_type_name(r));
        MV_DECREF(r);
        return NULL;
    }
    Value e = int_exact(r);
    MV_DECREF(r);
    return e;
}

static Value int_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    Value a[2] = {NULL, NULL};
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    if (nargs + nkw > 2) return mv_err_format(t, &mv_exc_TypeError, "int() takes at most 2 arguments (%zu given)", nargs + nkw);
    for (size_t i = 0; i < nargs; i++) a[i] = args[i];
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (!mv_str_eq_cstr(k, "base")) return mv_err_format(t, &mv_exc_TypeError, "%R is an invalid keyword argument for int()", k);
        if (a[1]) return mv_err_set(t, &mv_exc_TypeError, "argument for int() given by name ('base') and position (2)");
        a[1] = args[nargs + i];
    }
    Value x = a[0], v;
    if (a[1]) {
        int64_t base;
        if (!x) return mv_err_set(t, &mv_exc_TypeError, "int() missing string argument");
        if (mv_index_int64(t, a[1], &base) < 0) return NULL;
        if (base != 0 && (base < 2 || base > 36))
            return mv_err_set(t, &mv_exc_ValueError, "int() base must be >= 2 and <= 36, or 0");
        if (mv_str_check(x))
            v = int_parse_str(t, x, (int)base);
        else if (mv_bytes_check(x))
            v = int_parse(t, (const char *)mv_bytes_data(x), mv_bytes_size(x), (int)base, x);
        else if (!MV_IS_SMALL(x) && mv_isinstance_of(x, &mv_bytearray_type))
            v = int_parse(t, (const char *)((mv_bytearray *)x)->data, ((mv_bytearray *)x)->size, (int)base, x);
        else
            return mv_err_set(t, &mv_exc_TypeError, "int() can't convert non-string with explicit base");
    } else if (!x) {
        v = MV_FROM_SMALL(0);
    } else if (mv_str_check(x)) {
        v = int_parse_str(t, x, 10);
    } else if (mv_bytes_check(x)) {
        v = int_parse(t, (const char *)mv_bytes_data(x), mv_bytes_size(x), 10, x);
    } else if (!MV_IS_SMALL(x) && mv_isinstance_of(x, &mv_bytearray_type)) {
        v = int_parse(t, (const char *)((mv_bytearray *)x)->data, ((mv_bytearray *)x)->size, 10, x);
    } else {
        v = int_from_number(t, x);
    }
    if (!v || type == &mv_int_type) return v;
    /* a subclass: its instances always keep the value in the mpz */
    mv_bigint *obj = (mv_bigint *)mv_object_new(type);
    mpz_init(obj->z);
    mv_int_to_mpz(v, obj->z);
    MV_DECREF(v);
    return (Value)obj;
}

static void int_dealloc(Value self) { mpz_clear(((mv_bigint *)self)->z); }

/* ---- methods -------------------------------------------------------------------------------- */

static Value int_bit_length(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "bit_length", nargs, 0, 0) < 0 || mv_check_no_kwargs(t, "bit_length", kwnames) < 0) return NULL;
    int64_t x;
    if (int_small(self, &x)) {
        uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        return MV_FROM_SMALL(u ? 64 - __builtin_clzll(u) : 0);
    }
    return MV_FROM_SMALL((int64_t)mpz_sizeinbase(int_z(self), 2));
}

static Value int_bit_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "bit_count", nargs, 0, 0) < 0 || mv_check_no_kwargs(t, "bit_count", kwnames) < 0) return NULL;
    int64_t x;
    if (int_small(self, &x)) {
        uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        return MV_FROM_SMALL(__builtin_popcountll(u));
    }
    mpz_t a;
    mpz_init(a);
    mpz_abs(a, int_z(self));
    int64_t n = (int64_t)mpz_popcount(a);
    mpz_clear(a);
    return MV_FROM_SMALL(n);
}

/* byteorder argument: 1 little, 0 big, -1 error */
static int parse_byteorder(mv_thread *t, Value v) {
    if (!v) return 0;
    if (!mv_str_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "to_bytes() argument 'byteorder' must be str, not %s", mv_type_name(v));
        return -1;
    }
    if (mv_str_eq_cstr(v, "little")) return 1;
    if (mv_str_eq_cstr(v, "big")) return 0;
    mv_err_set(t, &mv_exc_ValueError, "byteorder must be either 'little' or 'big'");
    return -1;
}

static Value int_to_bytes(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"length", "byteorder", "$signed", NULL};
    Value a[3];
    if (mv_parse_args(t, "to_bytes", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    int64_t length = 1;
    if (a[0] && mv_index_int64(t, a[0], &length) < 0) return NULL;
    if (length < 0) return mv_err_set(t, &mv_exc_ValueError, "length argument must be non-negative");
    int little = parse_byteorder(t, a[1]);
    if (little < 0) return NULL;
    int sgn = 0;
    if (a[2] && (sgn = mv_truthy(t, a[2])) < 0) return NULL;
    mpz_t z;
    mpz_init(z);
    mv_int_to_mpz(self, z);
    if (mpz_sgn(z) < 0 && !sgn) {
        mpz_clear(z);
        return mv_err_set(t, &mv_exc_OverflowError, "can't convert negative int to unsigned");
    }
    /* two's complement: add 2**(8*length) to negatives, then check the range */
    bool fits;
    if (sgn) {
        mpz_t lim;
        mpz_init(lim);
        mpz_setbit(lim, length ? (mp_bitcnt_t)(8 * length - 1) : 0);
        if (length == 0)
            fits = mpz_sgn(z) == 0;
        else
            fits = mpz_cmp(z, lim) < 0 && mpz_cmpabs(z, lim) <= 0;
        if (fits && mpz_sgn(z) < 0) {
            mpz_mul_2exp(lim, lim, 1);
            mpz_add(z, z, lim);
        }
        mpz_clear(lim);
    } else {
        fits = mpz_sizeinbase(z, 2) <= (size_t)(8 * length) || mpz_sgn(z) == 0;
    }
    if (!fits) {
        mpz_clear(z);
        return mv_err_set(t, &mv_exc_OverflowError, "int too big to convert");
    }
    unsigned char *buf = mv_calloc((size_t)length + 1, 1);
    size_t count = 0;
    if (mpz_sgn(z) != 0) {
        size_t n = (mpz_sizeinbase(z, 2) + 7) / 8;
        /* export big-endian into the tail of the buffer */
        mpz_export(buf + length - n, &count, 1, 1, 1, 0, z);
    }
    if (little)
        for (int64_t i = 0; i < length / 2; i++) {
            unsigned char c = buf[i];
            buf[i] = buf[length - 1 - i];
            buf[length - 1 - i] = c;
        }
    Value r = mv_bytes_new(buf, (size_t)length);
    mv_free(buf);
    mpz_clear(z);
    return r;
}

static Value int_from_bytes(mv_thread *t, Value cls, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"bytes", "byteorder", "$signed", NULL};
    Value a[3];
    if (mv_parse_args(t, "from_bytes", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int little = parse_byteorder(t, a[1]);
    if (little < 0) return NULL;
    int sgn = 0;
    if (a[2] && (sgn = mv_truthy(t, a[2])) < 0) return NULL;
    Value data = a[0];
    Value owned = NULL;
    if (!mv_bytes_check(data)) {
        /* bytes(x): bytearray, list of ints, ... */
        owned = mv_call1(t, (Value)&mv_bytes_type, data);
        if (!owned) return NULL;
        data = owned;
    }
    size_t n = mv_bytes_size(data);
    const unsigned char *p = mv_bytes_data(data);
    mpz_t z;
    mpz_init(z);
    if (n) mpz_import(z, n, little ? -1 : 1, 1, 1, 0, p);
    if (sgn && n && (p[little ? n - 1 : 0] & 0x80)) {
        mpz_t lim;
        mpz_init(lim);
        mpz_setbit(lim, (mp_bitcnt_t)(8 * n));
        mpz_sub(z, z, lim);
        mpz_clear(lim);
    }
    MV_XDECREF(owned);
    Value r = int_from_mpz_steal(z);
    if ((mv_type *)cls != &mv_int_type && r) {
        Value sub = mv_call1(t, cls, r);
        MV_DECREF(r);
        return sub;
    }
    return r;
}

static Value int_conjugate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "conjugate", nargs, 0, 0) < 0) return NULL;
    return int_exact(self);
}

static Value int_as_integer_ratio(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "as_integer_ratio", nargs, 0, 0) < 0) return NULL;
    Value e = int_exact(self);
    Value r = mv_tuple_pack(2, e, MV_FROM_SMALL(1));
    MV_DECREF(e);
    return r;
}

static Value int_trunc(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__trunc__", nargs, 0, 0) < 0) return NULL;
    return int_exact(self);
}

/* round(n, ndigits) with ndigits < 0: round half to even at 10**-ndigits */
static Value int_round(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__round__", nargs, 0, 1) < 0) return NULL;
    if (nargs == 0) return int_exact(self);
    int64_t nd;
    if (mv_index_int64(t, args[0], &nd) < 0) return NULL;
    if (nd >= 0) return int_exact(self);
    if (nd < -100000) return MV_FROM_SMALL(0);
    mpz_t p, q, r, n;
    mpz_init(p);
    mpz_init(q);
    mpz_init(r);
    mpz_init(n);
    mv_int_to_mpz(self, n);
    mpz_ui_pow_ui(p, 10, (unsigned long)-nd);
    mpz_fdiv_qr(q, r, n, p);
    mpz_mul_2exp(r, r, 1);
    int c = mpz_cmp(r, p);
    if (c > 0 || (c == 0 && mpz_odd_p(q))) mpz_add_ui(q, q, 1);
    mpz_mul(q, q, p);
    mpz_clear(p);
    mpz_clear(r);
    mpz_clear(n);
    return int_from_mpz_steal(q);
}

static Value int_format(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__format__", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "__format__() argument must be str, not %s", mv_type_name(args[0]));
    return mv_format_builtin(t, self, args[0]);
}

static Value int_getnewargs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value e = int_exact(self);
    Value r = mv_tuple_pack(1, e);
    MV_DECREF(e);
    return r;
}

static Value int_divmod_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__divmod__", nargs, 1, 1) < 0) return NULL;
    return mv_int_divmod(t, self, args[0]);
}
static Value int_rdivmod_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__rdivmod__", nargs, 1, 1) < 0) return NULL;
    return mv_int_divmod(t, args[0], self);
}

static Value int_get_self(mv_thread *t, Value self) { return int_exact(self); }
static Value int_get_zero(mv_thread *t, Value self) { return MV_FROM_SMALL(0); }
static Value int_get_one(mv_thread *t, Value self) { return MV_FROM_SMALL(1); }

static const mv_method_def int_methods[] = {
    {"bit_length", int_bit_length, 0, "Number of bits necessary to represent self in binary."},
    {"bit_count", int_bit_count, 0, "Number of ones in the binary representation of abs(self)."},
    {"to_bytes", int_to_bytes, 0, "Return an array of bytes representing an integer."},
    {"from_bytes", int_from_bytes, MV_METH_CLASS, "Return the integer represented by the given array of bytes."},
    {"conjugate", int_conjugate, 0, "Returns self, the complex conjugate of any int."},
    {"as_integer_ratio", int_as_integer_ratio, 0, "Return integer ratio."},
    {"__trunc__", int_trunc, 0, "Truncating an Integral returns itself."},
    {"__floor__", int_trunc, 0, "Flooring an Integral returns itself."},
    {"__ceil__", int_trunc, 0, "Ceiling of an Integral returns itself."},
    {"__round__", int_round, 0, "Rounding an Integral returns itself."},
    {"__format__", int_format, 0, "Convert to a string according to format_spec."},
    {"__getnewargs__", int_getnewargs, 0, NULL},
    {"__divmod__", int_divmod_method, 0, "Return divmod(self, value)."},
    {"__rdivmod__", int_rdivmod_method, 0, "Return divmod(value, self)."},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def int_getsets[] = {
    {"real", int_get_self, NULL},
    {"imag", int_get_zero, NULL},
    {"numerator", int_get_self, NULL},
    {"denominator", int_get_one, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_int_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "int",
    .basicsize = sizeof(mv_bigint),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_INT_SUBCLASS,
    .base = &mv_object_type,
    .doc = "int([x]) -> integer\nint(x, base=10) -> integer",
    .tp_new = int_new,
    .dealloc = int_dealloc,
    .repr = int_repr,
    .hash = int_hash,
    .richcompare = int_richcompare,
    .bool_ = int_bool,
    .nb = {
        [MV_BINOP_ADD] = int_add,
        [MV_BINOP_SUB] = int_sub,
        [MV_BINOP_MUL] = int_mul,
        [MV_BINOP_TRUEDIV] = int_truediv,
        [MV_BINOP_FLOORDIV] = int_floordiv,
        [MV_BINOP_MOD] = int_mod,
        [MV_BINOP_POW] = int_pow,
        [MV_BINOP_LSHIFT] = int_lshift,
        [MV_BINOP_RSHIFT] = int_rshift,
        [MV_BINOP_AND] = int_and,
        [MV_BINOP_OR] = int_or,
        [MV_BINOP_XOR] = int_xor,
    },
    .nb_neg = int_neg,
    .nb_pos = int_pos,
    .nb_invert = int_invert,
    .nb_abs = int_abs,
    .nb_index = int_pos,
    .nb_int = int_pos,
    .nb_float = int_float,
    .methods = int_methods,
    .getsets = int_getsets,
};
