/* float.c: the float type (a C double).  Operators follow CPython's float object exactly: the
 * signs of % and //, the ZeroDivisionError messages, pow's special cases, comparisons with ints
 * that are exact even for huge ints, the numeric hash, the shortest round-trip repr, and round()
 * correctly rounded (through glibc's exact printf).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

#define HASH_BITS 61
#define HASH_MODULUS (((uint64_t)1 << HASH_BITS) - 1)

Value mv_float_new(double d) {
    mv_float *f = (mv_float *)mv_object_new(&mv_float_type);
    f->d = d;
    return (Value)f;
}

/* ---- repr ------------------------------------------------------------------------------------ */

/* Shortest digits that round-trip.  Fills `digits` (no dot, trailing zeros stripped) and the
   decimal exponent of the first digit; returns the number of digits. */
static int shortest_digits(double d, char *digits, int *exp10) {
    char buf[40];
    int lo = 1, hi = 17;
    bool have = false;
    if (d >= 2.2250738585072014e-308) {
        /* Normal doubles: every decimal of <= 15 digits survives decimal -> double -> 15 digits
           (DBL_DIG), so if the 15-digit rounding round-trips, the shortest string is it with
           trailing zeros stripped; otherwise 16, else 17 digits.  At most 3 printf+strtod. */
        for (lo = 15; lo < 17; lo++) {
            snprintf(buf, sizeof buf, "%.*e", lo - 1, d);
            if (strtod(buf, NULL) == d) break;
        }
        have = lo < 17;
        hi = lo;
    } else {
        /* subnormals have fewer digits of precision: binary search (p digits round-trip implies
           p+1 do) */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            snprintf(buf, sizeof buf, "%.*e", mid - 1, d);
            if (strtod(buf, NULL) == d)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    if (!have) snprintf(buf, sizeof buf, "%.*e", lo - 1, d);
    int n = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    *exp10 = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = 0;
    return n;
}

int mv_float_repr_buf(double d, char *buf, size_t size) {
    if (isnan(d)) return snprintf(buf, size, "nan");
    if (isinf(d)) return snprintf(buf, size, d > 0 ? "inf" : "-inf");
    char digits[24], out[64], *o = out;
    int e;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0.0) {
        strcpy(o, "0.0");
        return snprintf(buf, size, "%s", out);
    }
    if (d < 1e16 && d == (double)(int64_t)d) { /* integral: common, and needs no digit search */
        snprintf(o, sizeof out - 1, "%" PRId64 ".0", (int64_t)d);
        return snprintf(buf, size, "%s", out);
    }
    int n = shortest_digits(d, digits, &e);
    if (e < -4 || e >= 16) {
        *o++ = digits[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)n - 1);
            o += n - 1;
        }
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -e - 1; i++) *o++ = '0';
        memcpy(o, digits, (size_t)n);
        o += n;
    } else {
        for (int i = 0; i <= e; i++) *o++ = i < n ? digits[i] : '0';
        *o++ = '.';
        if (n > e + 1) {
            memcpy(o, digits + e + 1, (size_t)(n - e - 1));
            o += n - e - 1;
        } else {
            *o++ = '0';
        }
    }
    *o = 0;
    return snprintf(buf, size, "%s", out);
}

static Value float_repr(mv_thread *t, Value self) {
    char buf[64];
    int n = mv_float_repr_buf(mv_float_val(self), buf, sizeof buf);
    return mv_str_new(buf, (size_t)n);
}

/* ---- hashing ------------------------------------------------------------------------------------ */

int mv_float_hash(double v, int64_t *out) {
    if (!isfinite(v)) {
        *out = isinf(v) ? (v > 0 ? 314159 : -314159) : 0;
        return 0;
    }
    int e, sign = 1;
    double m = frexp(v, &e);
    if (m < 0) {
        sign = -1;
        m = -m;
    }
    uint64_t x = 0;
    while (m) {
        x = ((x << 28) & HASH_MODULUS) | x >> (HASH_BITS - 28);
        m *= 268435456.0; /* 2**28 */
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= HASH_MODULUS) x -= HASH_MODULUS;
    }
    e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
    x = ((x << e) & HASH_MODULUS) | x >> (HASH_BITS - e);
    int64_t h = (int64_t)x * sign;
    if (h == -1) h = -2;
    *out = h;
    return 0;
}

static int float_hash(mv_thread *t, Value self, int64_t *out) {
    double d = mv_float_val(self);
    if (isnan(d)) { /* as CPython 3.10+: NaNs hash by identity */
        *out = (int64_t)((uintptr_t)self >> 4);
        return 0;
    }
    return mv_float_hash(d, out);
}

/* ---- operand conversion -------------------------------------------------------------------- */

/* 1 with *out set, 0 if v is not a float or int (NotImplemented), -1 on error (huge int). */
static int operand_slow(mv_thread *t, Value v, double *out) {
    if (mv_float_check(v)) {
        *out = mv_float_val(v);
        return 1;
    }
    if (mv_int_check(v)) {
        int ovf;
        *out = mv_int_as_double(t, v, &ovf);
        if (ovf) {
            mv_err_set(t, &mv_exc_OverflowError, "int too large to convert to float");
            return -1;
        }
        return 1;
    }
    return 0;
}

/* the common cases inline: exact floats and tagged ints */
static inline int operand(mv_thread *t, Value v, double *out) {
    if (MV_IS_SMALL(v)) {
        *out = (double)MV_SMALL_VAL(v);
        return 1;
    }
    if (v->type == &mv_float_type) {
        *out = ((mv_float *)v)->d;
        return 1;
    }
    return operand_slow(t, v, out);
}

int mv_as_double(mv_thread *t, Value v, double *out) {
    int r = operand(t, v, out);
    if (r) return r < 0 ? -1 : 0;
    mv_type *tp = MV_TYPE(v);
    if (tp->nb_float) {
        Value f = tp->nb_float(t, v);
        if (!f) return -1;
        if (!mv_float_check(f)) {
            mv_err_format(t, &mv_exc_TypeError, "%s.__float__ returned non-float (type %s)", tp->name, mv_type_name(f));
            MV_DECREF(f);
            return -1;
        }
        *out = mv_float_val(f);
        MV_DECREF(f);
        return 0;
    }
    if (tp->nb_index) {
        Value i = mv_number_index(t, v);
        if (!i) return -1;
        r = operand(t, i, out);
        MV_DECREF(i);
        return r < 0 ? -1 : 0;
    }
    mv_err_format(t, &mv_exc_TypeError, "must be real number, not %s", mv_type_name(v));
    return -1;
}

#define OPERANDS(a, b, x, y)                       \
    do {                                           \
        int ra_ = operand(t, a, &x);               \
        if (ra_ <= 0) return ra_ < 0 ? NULL : mv_newref(MV_NOTIMPL); \
        int rb_ = operand(t, b, &y);               \
        if (rb_ <= 0) return rb_ < 0 ? NULL : mv_newref(MV_NOTIMPL); \
    } while (0)

/* ---- arithmetic ----------------------------------------------------------------------------- */

static Value float_add(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    return mv_float_new(x + y);
}
static Value float_sub(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    return mv_float_new(x - y);
}
static Value float_mul(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    return mv_float_new(x * y);
}
static Value float_truediv(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    if (y == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float division by zero");
    return mv_float_new(x / y);
}

static Value float_mod(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    if (y == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float modulo");
    double mod = fmod(x, y);
    if (mod) {
        if ((y < 0) != (mod < 0)) mod += y;
    } else {
        mod = copysign(0.0, y);
    }
    return mv_float_new(mod);
}

/* CPython's _float_div_mod */
static void float_divmod_raw(double vx, double wx, double *floordiv, double *mod) {
    double m = fmod(vx, wx);
    double div = (vx - m) / wx;
    if (m) {
        if ((wx < 0) != (m < 0)) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, wx);
    }
    if (div) {
        double fd = floor(div);
        if (div - fd > 0.5) fd += 1.0;
        div = fd;
    } else {
        div = copysign(0.0, vx / wx);
    }
    *floordiv = div;
    *mod = m;
}

static Value float_floordiv(mv_thread *t, Value a, Value b) {
    double x, y, q, r;
    OPERANDS(a, b, x, y);
    if (y == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float floor division by zero");
    float_divmod_raw(x, y, &q, &r);
    return mv_float_new(q);
}

Value mv_float_divmod(mv_thread *t, Value a, Value b) {
    double x, y, q, r;
    OPERANDS(a, b, x, y);
    if (y == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float divmod()");
    float_divmod_raw(x, y, &q, &r);
    Value qv = mv_float_new(q), rv = mv_float_new(r);
    Value res = mv_tuple_pack(2, qv, rv);
    MV_DECREF(qv);
    MV_DECREF(rv);
    return res;
}

static bool is_odd_integer(double w) { return fmod(fabs(w), 2.0) == 1.0; }

static Value range_error(mv_thread *t) {
    /* CPython raises OverflowError(errno, strerror): "(34, 'Numerical result out of range')" */
    Value msg = mv_str_from_cstr("Numerical result out of range");
    Value args = mv_tuple_pack(2, MV_FROM_SMALL(ERANGE), msg);
    MV_DECREF(msg);
    Value exc = mv_exc_new(t, &mv_exc_OverflowError, args);
    MV_DECREF(args);
    if (exc) {
        mv_err_set_object(t, exc);
        MV_DECREF(exc);
    }
    return NULL;
}

/* float ** float with CPython's special cases; *err = 1 when an exception was set. */
double mv_float_pow_raw(mv_thread *t, double iv, double iw, int *err) {
    *err = 0;
    if (iw == 0) return 1.0;
    if (isnan(iv)) return iv;
    if (isnan(iw)) return iv == 1.0 ? 1.0 : iw;
    if (isinf(iw)) {
        iv = fabs(iv);
        if (iv == 1.0) return 1.0;
        if ((iw > 0) == (iv > 1)) return fabs(iw);
        return 0.0;
    }
    if (isinf(iv)) {
        bool odd = is_odd_integer(iw);
        if (iw > 0) return odd ? iv : fabs(iv);
        return odd ? copysign(0.0, iv) : 0.0;
    }
    if (iv == 0.0) {
        bool odd = is_odd_integer(iw);
        if (iw < 0) {
            mv_err_set(t, &mv_exc_ZeroDivisionError, "0.0 cannot be raised to a negative power");
            *err = 1;
            return 0;
        }
        return odd ? iv : 0.0;
    }
    bool negate = false;
    if (iv < 0) {
        if (iw != floor(iw)) {
            /* CPython returns a complex number here; minivm has no complex type */
            mv_err_set(t, &mv_exc_ValueError, "negative number cannot be raised to a fractional power");
            *err = 1;
            return 0;
        }
        iv = -iv;
        negate = is_odd_integer(iw);
    }
    if (iv == 1.0) return negate ? -1.0 : 1.0;
    double r = pow(iv, iw);
    if (isinf(r)) {
        range_error(t);
        *err = 1;
        return 0;
    }
    return negate ? -r : r;
}

static Value float_pow(mv_thread *t, Value a, Value b) {
    double x, y;
    OPERANDS(a, b, x, y);
    int err;
    double r = mv_float_pow_raw(t, x, y, &err);
    return err ? NULL : mv_float_new(r);
}

static Value float_neg(mv_thread *t, Value a) { return mv_float_new(-mv_float_val(a)); }
static Value float_pos(mv_thread *t, Value a) {
    return a->type == &mv_float_type ? mv_newref(a) : mv_float_new(mv_float_val(a));
}
static Value float_abs(mv_thread *t, Value a) { return mv_float_new(fabs(mv_float_val(a))); }
static int float_bool(mv_thread *t, Value a) { return mv_float_val(a) != 0.0; }
static Value float_int(mv_thread *t, Value a) { return mv_int_from_double(t, mv_float_val(a)); }

/* ---- comparison ----------------------------------------------------------------------------- */

/* Exact comparison of a finite double with an int: -1, 0, 1 for x <, ==, > n. */
static int compare_double_int(double x, Value n) {
    int64_t i;
    if (MV_IS_SMALL(n) || n->type == &mv_bool_type) {
        mv_int_as_i64(NULL, n, &i);
        if (i <= ((int64_t)1 << 53) && i >= -((int64_t)1 << 53)) {
            double d = (double)i;
            return (x > d) - (x < d);
        }
    }
    double ip;
    double frac = modf(x, &ip);
    mpz_t xi, nz;
    mpz_init_set_d(xi, ip);
    mpz_init(nz);
    mv_int_to_mpz(n, nz);
    int c = mpz_cmp(xi, nz);
    mpz_clear(xi);
    mpz_clear(nz);
    if (c) return c > 0 ? 1 : -1;
    return (frac > 0) - (frac < 0);
}

static bool cmp_result(int c, int op) {
    switch (op) {
    case MV_LT: return c < 0;
    case MV_LE: return c <= 0;
    case MV_EQ: return c == 0;
    case MV_NE: return c != 0;
    case MV_GT: return c > 0;
    default: return c >= 0;
    }
}

static const int swapped_op[] = {MV_GT, MV_GE, MV_EQ, MV_NE, MV_LT, MV_LE};

static Value float_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_float_check(a)) { /* called reflected: put the float first */
        Value tmp = a;
        a = b;
        b = tmp;
        op = swapped_op[op];
    }
    double x = mv_float_val(a);
    if (mv_float_check(b)) {
        double y = mv_float_val(b);
        bool r;
        switch (op) {
        case MV_LT: r = x < y; break;
        case MV_LE: r = x <= y; break;
        case MV_EQ: r = x == y; break;
        case MV_NE: r = x != y; break;
        case MV_GT: r = x > y; break;
        default: r = x >= y; break;
        }
        return MV_BOOL(r);
    }
    if (!mv_int_check(b)) return mv_newref(MV_NOTIMPL);
    if (isnan(x)) return MV_BOOL(op == MV_NE);
    if (isinf(x)) return MV_BOOL(cmp_result(x > 0 ? 1 : -1, op));
    return MV_BOOL(cmp_result(compare_double_int(x, b), op));
}

/* ---- parsing ------------------------------------------------------------------------------------ */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Copy a digit run with single underscores between digits into *o; false if malformed. */
static bool copy_digits(const char **pp, const char *end, char **o, int *count) {
    const char *p = *pp;
    *count = 0;
    while (p < end && is_digit(*p)) {
        *(*o)++ = *p++;
        (*count)++;
        if (p < end && *p == '_') {
            if (p + 1 >= end || !is_digit(p[1])) return false;
            p++;
        }
    }
    *pp = p;
    return true;
}

/* Parse a Python float literal (no surrounding whitespace); ok=false if malformed. */
static double parse_float(const char *s, size_t len, bool *ok) {
    const char *p = s, *end = s + len;
    *ok = false;
    char stackbuf[128];
    char *buf = len + 2 <= sizeof stackbuf ? stackbuf : mv_malloc(len + 2), *o = buf;
    double result = 0;
    if (p < end && (*p == '+' || *p == '-')) *o++ = *p++;
    size_t rest = (size_t)(end - p);
    if ((rest == 3 && strncasecmp(p, "inf", 3) == 0) || (rest == 8 && strncasecmp(p, "infinity", 8) == 0)) {
        result = (buf[0] == '-' && o > buf) ? -INFINITY : INFINITY;
        *ok = true;
        goto done;
    }
    if (rest == 3 && strncasecmp(p, "nan", 3) == 0) {
        result = (buf[0] == '-' && o > buf) ? -NAN : NAN;
        *ok = true;
        goto done;
    }
    int n1 = 0, n2 = 0, n3 = 0;
    if (!copy_digits(&p, end, &o, &n1)) goto done;
    if (p < end && *p == '.') {
        *o++ = *p++;
        if (!copy_digits(&p, end, &o, &n2)) goto done;
    }
    if (n1 + n2 == 0) goto done;
    if (p < end && (*p == 'e' || *p == 'E')) {
        *o++ = *p++;
        if (p < end && (*p == '+' || *p == '-')) *o++ = *p++;
        if (!copy_digits(&p, end, &o, &n3) || n3 == 0) goto done;
    }
    if (p != end) goto done;
    *o = 0;
    result = strtod(buf, NULL);
    *ok = true;
done:
    if (buf != stackbuf) mv_free(buf);
    return result;
}

static Value float_from_chars(mv_thread *t, const char *s, size_t len, Value orig) {
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    bool ok;
    double d = parse_float(p, (size_t)(end - p), &ok);
    if (!ok) return mv_err_format(t, &mv_exc_ValueError, "could not convert string to float: %R", orig);
    return mv_float_new(d);
}

Value mv_float_from_string(mv_thread *t, Value s) {
    size_t len;
    char *owned;
    const char *p = mv_number_ascii(s, &len, &owned);
    Value r = float_from_chars(t, p, len, s);
    mv_free(owned);
    return r;
}

static Value float_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_check_no_kwargs(t, "float", kwnames) < 0) return NULL;
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "float expected at most 1 argument, got %zu", nargs);
    Value v;
    if (nargs == 0) {
        v = mv_float_new(0.0);
    } else {
        Value x = args[0];
        if (mv_float_check(x) && x->type == &mv_float_type) {
            v = mv_newref(x);
        } else if (mv_str_check(x)) {
            v = mv_float_from_string(t, x);
        } else if (mv_bytes_check(x)) {
            v = float_from_chars(t, (const char *)mv_bytes_data(x), mv_bytes_size(x), x);
        } else {
            mv_type *tp = MV_TYPE(x);
            if (!tp->nb_float && !tp->nb_index)
                return mv_err_format(t, &mv_exc_TypeError, "float() argument must be a string or a real number, not '%s'",
                                     mv_type_name(x));
            double d;
            if (mv_as_double(t, x, &d) < 0) return NULL;
            v = mv_float_new(d);
        }
    }
    if (!v || type == &mv_float_type) return v;
    mv_float *obj = (mv_float *)mv_object_new(type);
    obj->d = mv_float_val(v);
    MV_DECREF(v);
    return (Value)obj;
}

/* ---- methods -------------------------------------------------------------------------------- */

#define NOARGS(name)                                                        \
    if (mv_check_nargs(t, name, nargs, 0, 0) < 0) return NULL;              \
    if (kwnames && mv_check_no_kwargs(t, name, kwnames) < 0) return NULL

static Value float_is_integer(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("is_integer");
    double d = mv_float_val(self);
    return MV_BOOL(isfinite(d) && floor(d) == d);
}

static Value float_as_integer_ratio(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("as_integer_ratio");
    double d = mv_float_val(self);
    if (isinf(d)) return mv_err_set(t, &mv_exc_OverflowError, "cannot convert Infinity to integer ratio");
    if (isnan(d)) return mv_err_set(t, &mv_exc_ValueError, "cannot convert NaN to integer ratio");
    int e;
    double m = frexp(d, &e);
    for (int i = 0; i < 300 && m != floor(m); i++) {
        m *= 2.0;
        e--;
    }
    mpz_t num, den;
    mpz_init_set_d(num, m);
    mpz_init_set_ui(den, 1);
    if (e > 0)
        mpz_mul_2exp(num, num, (mp_bitcnt_t)e);
    else
        mpz_mul_2exp(den, den, (mp_bitcnt_t)-e);
    Value n = mv_int_from_mpz(num), dv = mv_int_from_mpz(den);
    mpz_clear(num);
    mpz_clear(den);
    Value r = mv_tuple_pack(2, n, dv);
    MV_DECREF(n);
    MV_DECREF(dv);
    return r;
}

static Value float_trunc(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("__trunc__");
    return mv_int_from_double(t, trunc(mv_float_val(self)));
}
static Value float_floor(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("__floor__");
    return mv_int_from_double(t, floor(mv_float_val(self)));
}
static Value float_ceil(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("__ceil__");
    return mv_int_from_double(t, ceil(mv_float_val(self)));
}

/* round(x, ndigits) for ndigits < 0: exact arithmetic on the dyadic value of x */
static Value round_negative(mv_thread *t, double x, int64_t nd) {
    int e;
    double m = frexp(x, &e);
    mpz_t num, den, p, q, r;
    mpz_init_set_d(num, ldexp(m, 53));
    e -= 53;
    mpz_init_set_ui(den, 1);
    if (e > 0)
        mpz_mul_2exp(num, num, (mp_bitcnt_t)e);
    else
        mpz_mul_2exp(den, den, (mp_bitcnt_t)-e);
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, (unsigned long)-nd);
    mpz_mul(den, den, p); /* x / 10**k = num / den */
    mpz_init(q);
    mpz_init(r);
    mpz_fdiv_qr(q, r, num, den);
    mpz_mul_2exp(r, r, 1);
    int c = mpz_cmp(r, den);
    if (c > 0 || (c == 0 && mpz_odd_p(q))) mpz_add_ui(q, q, 1);
    mpz_mul(q, q, p);
    Value iv = mv_int_from_mpz(q);
    mpz_clear(num);
    mpz_clear(den);
    mpz_clear(p);
    mpz_clear(q);
    mpz_clear(r);
    int ovf;
    double res = mv_int_as_double(t, iv, &ovf);
    MV_DECREF(iv);
    if (ovf) return mv_err_set(t, &mv_exc_OverflowError, "rounded value too large to represent");
    return mv_float_new(copysign(res, x));
}

static Value float_round(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__round__", nargs, 0, 1) < 0) return NULL;
    double x = mv_float_val(self);
    if (nargs == 0 || args[0] == MV_NONE) {
        double r = round(x);
        if (fabs(x - r) == 0.5) r = 2.0 * round(x / 2.0); /* half to even */
        return mv_int_from_double(t, r);
    }
    int64_t nd;
    if (mv_index_int64(t, args[0], &nd) < 0) return NULL;
    if (!isfinite(x) || x == 0.0 || nd > 323) return mv_float_new(x);
    if (nd < -308) return mv_float_new(0.0 * x);
    if (nd < 0) return round_negative(t, x, nd);
    /* glibc's printf rounds the exact binary value, ties to even: CPython's semantics */
    char stackbuf[400];
    int n = snprintf(stackbuf, sizeof stackbuf, "%.*f", (int)nd, x);
    double r;
    if ((size_t)n < sizeof stackbuf) {
        r = strtod(stackbuf, NULL);
    } else {
        char *buf = mv_malloc((size_t)n + 1);
        snprintf(buf, (size_t)n + 1, "%.*f", (int)nd, x);
        r = strtod(buf, NULL);
        mv_free(buf);
    }
    return mv_float_new(r);
}

static Value float_format(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__format__", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "__format__() argument must be str, not %s", mv_type_name(args[0]));
    return mv_format_builtin(t, self, args[0]);
}

static Value float_conjugate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("conjugate");
    return float_pos(t, self);
}

static Value float_getnewargs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value f = float_pos(t, self);
    Value r = mv_tuple_pack(1, f);
    MV_DECREF(f);
    return r;
}

/* float.hex(): as CPython's float_hex */
static Value float_hex(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    NOARGS("hex");
    double x = mv_float_val(self);
    char buf[64];
    if (isnan(x) || isinf(x)) {
        int n = mv_float_repr_buf(x, buf, sizeof buf);
        return mv_str_new(buf, (size_t)n);
    }
    if (x == 0.0) return mv_str_from_cstr(copysign(1.0, x) == -1.0 ? "-0x0.0p+0" : "0x0.0p+0");
    int e;
    double m = frexp(fabs(x), &e);
    int below = -1021 - e; /* DBL_MIN_EXP - e: subnormals keep a leading 0 digit */
    int shift = 1 - (below > 0 ? below : 0);
    m = ldexp(m, shift);
    e -= shift;
    char *o = buf;
    if (x < 0) *o++ = '-';
    *o++ = '0';
    *o++ = 'x';
    int lead = (int)m;
    *o++ = "0123456789abcdef"[lead];
    m -= lead;
    *o++ = '.';
    for (int i = 0; i < 13; i++) {
        m *= 16.0;
        int dg = (int)m;
        *o++ = "0123456789abcdef"[dg];
        m -= dg;
    }
    o += sprintf(o, "p%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    return mv_str_new(buf, (size_t)(o - buf));
}

static Value float_fromhex(mv_thread *t, Value cls, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "fromhex", nargs, 1, 1) < 0) return NULL;
    Value s = args[0];
    if (!mv_str_check(s)) return mv_err_format(t, &mv_exc_TypeError, "fromhex() argument must be str, not %s", mv_type_name(s));
    const char *p = mv_str_data(s), *end = p + mv_str_size(s);
    while (p < end && is_space(*p)) p++;
    while (end > p && is_space(end[-1])) end--;
    size_t len = (size_t)(end - p);
    /* strtod reads C99 hex floats, "inf" and "nan"; CPython also accepts hex without 0x */
    char *buf = mv_malloc(len + 4), *o = buf, *stop;
    const char *q = p;
    if (q < end && (*q == '+' || *q == '-')) *o++ = *q++;
    bool has_prefix = end - q >= 2 && q[0] == '0' && (q[1] | 0x20) == 'x';
    if (!has_prefix && q < end && (isxdigit((unsigned char)*q) || *q == '.')) {
        *o++ = '0';
        *o++ = 'x';
    }
    memcpy(o, q, (size_t)(end - q));
    o += end - q;
    *o = 0;
    double d = strtod(buf, &stop);
    bool ok = len > 0 && stop == o;
    mv_free(buf);
    if (!ok) return mv_err_set(t, &mv_exc_ValueError, "invalid hexadecimal floating-point string");
    if (isinf(d) && isxdigit((unsigned char)(has_prefix ? q[2] : *q)))
        return mv_err_set(t, &mv_exc_OverflowError, "hexadecimal value too large to represent as a float");
    Value f = mv_float_new(d);
    if ((mv_type *)cls == &mv_float_type) return f;
    Value r = mv_call1(t, cls, f);
    MV_DECREF(f);
    return r;
}

static Value float_divmod_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__divmod__", nargs, 1, 1) < 0) return NULL;
    return mv_float_divmod(t, self, args[0]);
}
static Value float_rdivmod_method(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__rdivmod__", nargs, 1, 1) < 0) return NULL;
    return mv_float_divmod(t, args[0], self);
}

static Value float_getformat(mv_thread *t, Value cls, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__getformat__", nargs, 1, 1) < 0) return NULL;
    Value a = args[0];
    if (!mv_str_check(a))
        return mv_err_format(t, &mv_exc_TypeError, "__getformat__() argument must be str, not %s", mv_type_name(a));
    if (!mv_str_eq_cstr(a, "double") && !mv_str_eq_cstr(a, "float"))
        return mv_err_set(t, &mv_exc_ValueError, "__getformat__() argument 1 must be 'double' or 'float'");
    return mv_str_from_cstr("IEEE, little-endian");
}

static Value float_get_real(mv_thread *t, Value self) { return float_pos(t, self); }
static Value float_get_imag(mv_thread *t, Value self) { return mv_float_new(0.0); }

static const mv_method_def float_methods[] = {
    {"is_integer", float_is_integer, 0, "Return True if the float is an integer."},
    {"as_integer_ratio", float_as_integer_ratio, 0, "Return integer ratio."},
    {"conjugate", float_conjugate, 0, "Return self, the complex conjugate of any float."},
    {"hex", float_hex, 0, "Return a hexadecimal representation of a floating-point number."},
    {"fromhex", float_fromhex, MV_METH_CLASS, "Create a floating-point number from a hexadecimal string."},
    {"__trunc__", float_trunc, 0, "Return the Integral closest to x between 0 and x."},
    {"__floor__", float_floor, 0, "Return the floor as an Integral."},
    {"__ceil__", float_ceil, 0, "Return the ceiling as an Integral."},
    {"__round__", float_round, 0, "Return the Integral closest to x, rounding half toward even."},
    {"__format__", float_format, 0, "Formats the float according to format_spec."},
    {"__getnewargs__", float_getnewargs, 0, NULL},
    {"__getformat__", float_getformat, MV_METH_CLASS, "You probably don't want to use this function."},
    {"__divmod__", float_divmod_method, 0, "Return divmod(self, value)."},
    {"__rdivmod__", float_rdivmod_method, 0, "Return divmod(value, self)."},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def float_getsets[] = {
    {"real", float_get_real, NULL},
    {"imag", float_get_imag, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_float_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "float",
    .basicsize = sizeof(mv_float),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Convert a string or number to a floating point number, if possible.",
    .tp_new = float_new,
    .repr = float_repr,
    .hash = float_hash,
    .richcompare = float_richcompare,
    .bool_ = float_bool,
    .nb = {
        [MV_BINOP_ADD] = float_add,
        [MV_BINOP_SUB] = float_sub,
        [MV_BINOP_MUL] = float_mul,
        [MV_BINOP_TRUEDIV] = float_truediv,
        [MV_BINOP_FLOORDIV] = float_floordiv,
        [MV_BINOP_MOD] = float_mod,
        [MV_BINOP_POW] = float_pow,
    },
    .nb_neg = float_neg,
    .nb_pos = float_pos,
    .nb_abs = float_abs,
    .nb_int = float_int,
    .nb_float = float_pos,
    .methods = float_methods,
    .getsets = float_getsets,
};
