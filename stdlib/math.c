/* math.c: the math module.  Float functions follow CPython's error conventions ("math domain
 * error" as ValueError, "math range error" as OverflowError); integer functions (factorial, gcd,
 * lcm, isqrt, comb, perm) and floor/ceil of huge values use GMP through int.h.
 */
#include <math.h>

#include "abstract.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

/* <float.h> is shadowed by runtime/float.h on the include path */
#define MV_DBL_MIN 2.2250738585072014e-308

static Value domain_error(mv_thread *t) { return mv_err_set(t, &mv_exc_ValueError, "math domain error"); }
static Value range_error(mv_thread *t) { return mv_err_set(t, &mv_exc_OverflowError, "math range error"); }

#define ONE_ARG(name)                                                   \
    if (mv_check_nargs(t, name, nargs, 1, 1) < 0) return NULL;         \
    if (kwnames && mv_check_no_kwargs(t, name, kwnames) < 0) return NULL
#define TWO_ARGS(name)                                                  \
    if (mv_check_nargs(t, name, nargs, 2, 2) < 0) return NULL;         \
    if (kwnames && mv_check_no_kwargs(t, name, kwnames) < 0) return NULL

/* CPython's math_1: NaN out of a non-NaN is a domain error; an infinity out of a finite input
   is a range error when the function can overflow, else a domain error (log(0)). */
static Value math_1(mv_thread *t, Value arg, double (*fn)(double), bool can_overflow) {
    double x;
    if (mv_as_double(t, arg, &x) < 0) return NULL;
    double r = fn(x);
    if (isnan(r) && !isnan(x)) return domain_error(t);
    if (isinf(r) && isfinite(x)) return can_overflow ? range_error(t) : domain_error(t);
    return mv_float_new(r);
}

#define MATH_FUNC_1(name, fn, ovf)                                                         \
    static Value math_##name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { \
        ONE_ARG(#name);                                                                      \
        return math_1(t, args[0], fn, ovf);                                                  \
    }

static double deg(double x) { return x * (180.0 / M_PI); }
static double rad(double x) { return x * (M_PI / 180.0); }

MATH_FUNC_1(sqrt, sqrt, false)
MATH_FUNC_1(exp, exp, true)
MATH_FUNC_1(exp2, exp2, true)
MATH_FUNC_1(expm1, expm1, true)
MATH_FUNC_1(fabs, fabs, false)
MATH_FUNC_1(sin, sin, false)
MATH_FUNC_1(cos, cos, false)
MATH_FUNC_1(tan, tan, false)
MATH_FUNC_1(asin, asin, false)
MATH_FUNC_1(acos, acos, false)
MATH_FUNC_1(atan, atan, false)
MATH_FUNC_1(sinh, sinh, true)
MATH_FUNC_1(cosh, cosh, true)
MATH_FUNC_1(tanh, tanh, false)
MATH_FUNC_1(asinh, asinh, false)
MATH_FUNC_1(acosh, acosh, false)
MATH_FUNC_1(atanh, atanh, false)
MATH_FUNC_1(log1p, log1p, false)
MATH_FUNC_1(cbrt, cbrt, false)
MATH_FUNC_1(erf, erf, false)
MATH_FUNC_1(erfc, erfc, false)
MATH_FUNC_1(degrees, deg, true)
MATH_FUNC_1(radians, rad, false)

/* gamma and lgamma: CPython's own Lanczos implementations (not libm's), so that results agree to
   the last bit.  errno-style status: 0 ok, 1 domain error, 2 range error. */
#define LANCZOS_N 13
static const double lanczos_g = 6.024680040776729583740234375;
static const double lanczos_g_minus_half = 5.524680040776729583740234375;
static const double lanczos_num_coeffs[LANCZOS_N] = {
    23531376880.410759688572007674451636754734846804940, 42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843, 17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708, 1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801, 31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768, 186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024, 210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408};
static const double lanczos_den_coeffs[LANCZOS_N] = {0.0, 39916800.0, 120543840.0, 150917976.0, 105258076.0,
                                                     45995730.0, 13339535.0, 2637558.0, 357423.0, 32670.0,
                                                     1925.0, 66.0, 1.0};
#define NGAMMA_INTEGRAL 23
static const double gamma_integral[NGAMMA_INTEGRAL] = {
    1.0, 1.0, 2.0, 6.0, 24.0, 120.0, 720.0, 5040.0, 40320.0, 362880.0, 3628800.0, 39916800.0, 479001600.0,
    6227020800.0, 87178291200.0, 1307674368000.0, 20922789888000.0, 355687428096000.0, 6402373705728000.0,
    121645100408832000.0, 2432902008176640000.0, 51090942171709440000.0, 1124000727777607680000.0};
static const double logpi = 1.144729885849400174143427351353058711647;

static double lanczos_sum(double x) {
    double num = 0.0, den = 0.0;
    if (x < 5.0) {
        for (int i = LANCZOS_N; --i >= 0;) {
            num = num * x + lanczos_num_coeffs[i];
            den = den * x + lanczos_den_coeffs[i];
        }
    } else {
        for (int i = 0; i < LANCZOS_N; i++) {
            num = num / x + lanczos_num_coeffs[i];
            den = den / x + lanczos_den_coeffs[i];
        }
    }
    return num / den;
}

static double m_sinpi(double x) {
    double y = fmod(fabs(x), 2.0), r;
    int n = (int)round(2.0 * y);
    switch (n) {
    case 0: r = sin(M_PI * y); break;
    case 1: r = cos(M_PI * (y - 0.5)); break;
    case 2: r = sin(M_PI * (1.0 - y)); break;
    case 3: r = -cos(M_PI * (y - 1.5)); break;
    default: r = sin(M_PI * (y - 2.0)); break;
    }
    return copysign(1.0, x) * r;
}

static double m_tgamma(double x, int *err) {
    double absx, r, y, z, sqrtpow;
    if (!isfinite(x)) {
        if (isnan(x) || x > 0.0) return x;
        *err = 1;
        return NAN;
    }
    if (x == 0.0) {
        *err = 1;
        return copysign(HUGE_VAL, x);
    }
    if (x == floor(x)) {
        if (x < 0.0) {
            *err = 1;
            return NAN;
        }
        if (x <= NGAMMA_INTEGRAL) return gamma_integral[(int)x - 1];
    }
    absx = fabs(x);
    if (absx < 1e-20) {
        r = 1.0 / x;
        if (isinf(r)) *err = 2;
        return r;
    }
    if (absx > 200.0) {
        if (x < 0.0) return 0.0 / m_sinpi(x);
        *err = 2;
        return HUGE_VAL;
    }
    y = absx + lanczos_g_minus_half;
    if (absx > lanczos_g_minus_half) {
        double q = y - absx;
        z = q - lanczos_g_minus_half;
    } else {
        double q = y - lanczos_g_minus_half;
        z = q - absx;
    }
    z = z * lanczos_g / y;
    if (x < 0.0) {
        r = -M_PI / m_sinpi(absx) / absx * exp(y) / lanczos_sum(absx);
        r -= z * r;
        if (absx < 140.0) {
            r /= pow(y, absx - 0.5);
        } else {
            sqrtpow = pow(y, absx / 2.0 - 0.25);
            r /= sqrtpow;
            r /= sqrtpow;
        }
    } else {
        r = lanczos_sum(absx) / exp(y);
        r += z * r;
        if (absx < 140.0) {
            r *= pow(y, absx - 0.5);
        } else {
            sqrtpow = pow(y, absx / 2.0 - 0.25);
            r *= sqrtpow;
            r *= sqrtpow;
        }
    }
    if (isinf(r)) *err = 2;
    return r;
}

static double m_lgamma(double x, int *err) {
    if (!isfinite(x)) return isnan(x) ? x : HUGE_VAL;
    if (x == floor(x) && x <= 2.0) {
        if (x <= 0.0) {
            *err = 1;
            return HUGE_VAL;
        }
        return 0.0;
    }
    double absx = fabs(x);
    if (absx < 1e-20) return -log(absx);
    double r = log(lanczos_sum(absx)) - lanczos_g;
    r += (absx - 0.5) * (log(absx + lanczos_g - 0.5) - 1);
    if (x < 0.0) r = logpi - log(fabs(m_sinpi(absx))) - log(absx) - r;
    if (isinf(r)) *err = 2;
    return r;
}

static Value gamma_common(mv_thread *t, Value arg, double (*fn)(double, int *)) {
    double x;
    if (mv_as_double(t, arg, &x) < 0) return NULL;
    int err = 0;
    double r = fn(x, &err);
    if (err == 1) return domain_error(t);
    if (err == 2 && fabs(r) >= 1.0) return range_error(t);
    return mv_float_new(r);
}

static Value math_gamma(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("gamma");
    return gamma_common(t, args[0], m_tgamma);
}

static Value math_lgamma(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("lgamma");
    return gamma_common(t, args[0], m_lgamma);
}

/* ---- logarithms (ints too large for a double still have a logarithm) ---------------------- */

/* fn(x) for an int or float; big ints go through frexp-style (mantissa, exponent). */
static Value loghelper(mv_thread *t, Value arg, double (*fn)(double)) {
    if (mv_int_check(arg)) {
        if (mv_int_sign(arg) <= 0) return domain_error(t);
        int ovf;
        double d = mv_int_as_double(t, arg, &ovf);
        if (!ovf) return mv_float_new(fn(d));
        /* x = m * 2**e with m in [0.5, 1): log(x) = log(m) + log(2) * e */
        mpz_t z;
        mpz_init(z);
        mv_int_to_mpz(arg, z);
        size_t len = mpz_sizeinbase(z, 2);
        mpz_tdiv_q_2exp(z, z, len - 60);
        double m = ldexp(mpz_get_d(z), -60); /* 60 bits: rounding to 53 is then correct enough */
        long e = (long)len;
        mpz_clear(z);
        if (m >= 1.0) {
            m /= 2;
            e++;
        }
        return mv_float_new(fn(m) + fn(2.0) * (double)e);
    }
    return math_1(t, arg, fn, false);
}

static Value math_log(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "log", nargs, 1, 2) < 0) return NULL;
    if (kwnames && mv_check_no_kwargs(t, "log", kwnames) < 0) return NULL;
    Value num = loghelper(t, args[0], log);
    if (!num || nargs == 1) return num;
    Value den = loghelper(t, args[1], log);
    if (!den) {
        MV_DECREF(num);
        return NULL;
    }
    double n = mv_float_val(num), d = mv_float_val(den);
    MV_DECREF(num);
    MV_DECREF(den);
    if (d == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float division by zero");
    return mv_float_new(n / d);
}

static Value math_log2(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("log2");
    return loghelper(t, args[0], log2);
}
static Value math_log10(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("log10");
    return loghelper(t, args[0], log10);
}

/* ---- two-argument float functions ---------------------------------------------------------- */

static int two_doubles(mv_thread *t, Value *args, double *x, double *y) {
    if (mv_as_double(t, args[0], x) < 0 || mv_as_double(t, args[1], y) < 0) return -1;
    return 0;
}

static Value math_pow(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("pow");
    double x, y, r;
    if (two_doubles(t, args, &x, &y) < 0) return NULL;
    /* CPython's math_pow: C99 pow semantics, with errors for the finite cases */
    if (!isfinite(x) || !isfinite(y)) {
        if (isnan(x))
            r = y == 0.0 ? 1.0 : x;
        else if (isnan(y))
            r = x == 1.0 ? 1.0 : y;
        else
            r = pow(x, y);
        return mv_float_new(r);
    }
    if (x == 0.0 && y < 0.0) return domain_error(t);
    if (x < 0.0 && y != floor(y)) return domain_error(t);
    r = pow(x, y);
    if (isinf(r)) return range_error(t);
    return mv_float_new(r);
}

static Value math_atan2(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("atan2");
    double y, x;
    if (two_doubles(t, args, &y, &x) < 0) return NULL;
    return mv_float_new(atan2(y, x));
}

static Value math_copysign(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("copysign");
    double x, y;
    if (two_doubles(t, args, &x, &y) < 0) return NULL;
    return mv_float_new(copysign(x, y));
}

static Value math_fmod(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("fmod");
    double x, y;
    if (two_doubles(t, args, &x, &y) < 0) return NULL;
    if (isinf(y) && isfinite(x)) return mv_float_new(x);
    double r = fmod(x, y);
    if (isnan(r) && !isnan(x) && !isnan(y)) return domain_error(t);
    return mv_float_new(r);
}

static Value math_remainder(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("remainder");
    double x, y;
    if (two_doubles(t, args, &x, &y) < 0) return NULL;
    double r = remainder(x, y);
    if (isnan(r) && !isnan(x) && !isnan(y)) return domain_error(t);
    return mv_float_new(r);
}

static Value math_nextafter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("nextafter");
    double x, y;
    if (two_doubles(t, args, &x, &y) < 0) return NULL;
    return mv_float_new(nextafter(x, y));
}

static Value math_ulp(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("ulp");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    if (isnan(x)) return mv_float_new(x);
    x = fabs(x);
    if (isinf(x)) return mv_float_new(x);
    double x2 = nextafter(x, INFINITY);
    if (isinf(x2)) return mv_float_new(x - nextafter(x, -INFINITY));
    return mv_float_new(x2 - x);
}

static Value math_ldexp(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("ldexp");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    if (!mv_int_check(args[1])) return mv_err_set(t, &mv_exc_TypeError, "Expected an int as second argument to ldexp.");
    int64_t e;
    if (mv_int_as_i64(t, args[1], &e) < 0) {
        mv_err_clear(t);
        e = mv_int_sign(args[1]) > 0 ? INT32_MAX : INT32_MIN;
    }
    if (e > INT32_MAX) e = INT32_MAX;
    if (e < INT32_MIN) e = INT32_MIN;
    if (x == 0.0 || !isfinite(x)) return mv_float_new(x);
    double r = ldexp(x, (int)e);
    if (isinf(r)) return range_error(t);
    return mv_float_new(r);
}

static Value math_frexp(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("frexp");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    int e = 0;
    double m = isfinite(x) && x != 0.0 ? frexp(x, &e) : x;
    Value mv = mv_float_new(m);
    Value r = mv_tuple_pack(2, mv, MV_FROM_SMALL(e));
    MV_DECREF(mv);
    return r;
}

static Value math_modf(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("modf");
    double x, ip;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    double frac = isinf(x) ? copysign(0.0, x) : modf(x, &ip);
    if (isinf(x)) ip = x;
    Value a = mv_float_new(frac), b = mv_float_new(ip);
    Value r = mv_tuple_pack(2, a, b);
    MV_DECREF(a);
    MV_DECREF(b);
    return r;
}

/* ---- predicates ---------------------------------------------------------------------------- */

static Value math_isfinite(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("isfinite");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    return MV_BOOL(isfinite(x));
}
static Value math_isinf(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("isinf");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    return MV_BOOL(isinf(x));
}
static Value math_isnan(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("isnan");
    double x;
    if (mv_as_double(t, args[0], &x) < 0) return NULL;
    return MV_BOOL(isnan(x));
}

static Value math_isclose(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/a", "/b", "$rel_tol", "$abs_tol", NULL};
    Value v[4];
    if (mv_parse_args(t, "isclose", args, nargs, kwnames, kwlist, 2, v) < 0) return NULL;
    double a, b, rel = 1e-09, abs_tol = 0.0;
    if (mv_as_double(t, v[0], &a) < 0 || mv_as_double(t, v[1], &b) < 0) return NULL;
    if (v[2] && mv_as_double(t, v[2], &rel) < 0) return NULL;
    if (v[3] && mv_as_double(t, v[3], &abs_tol) < 0) return NULL;
    if (rel < 0.0 || abs_tol < 0.0) return mv_err_set(t, &mv_exc_ValueError, "tolerances must be non-negative");
    if (a == b) return MV_TRUE;
    if (isinf(a) || isinf(b)) return MV_FALSE;
    double diff = fabs(b - a);
    return MV_BOOL((diff <= fabs(rel * b)) || (diff <= fabs(rel * a)) || (diff <= abs_tol));
}

/* ---- floor / ceil / trunc: ints out, via __floor__ etc. for other types -------------------- */

static Value round_via(mv_thread *t, Value x, const char *dunder, double (*fn)(double)) {
    if (mv_float_check(x) && x->type == &mv_float_type) return mv_int_from_double(t, fn(mv_float_val(x)));
    if (mv_int_check(x)) return mv_number_index(t, x);
    Value name = mv_str_intern_cstr(t, dunder);
    if (!name) return NULL;
    Value m = mv_type_lookup(MV_TYPE(x), name);
    MV_DECREF(name);
    if (m) return mv_call_method(t, x, dunder, NULL, 0);
    double d;
    if (mv_as_double(t, x, &d) < 0) return NULL;
    return mv_int_from_double(t, fn(d));
}

static Value math_floor(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("floor");
    return round_via(t, args[0], "__floor__", floor);
}
static Value math_ceil(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("ceil");
    return round_via(t, args[0], "__ceil__", ceil);
}
static Value math_trunc(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("trunc");
    Value x = args[0];
    if (mv_float_check(x) && x->type == &mv_float_type) return mv_int_from_double(t, trunc(mv_float_val(x)));
    Value name = mv_str_intern_cstr(t, "__trunc__");
    if (!name) return NULL;
    Value m = mv_type_lookup(MV_TYPE(x), name);
    MV_DECREF(name);
    if (!m) return mv_err_format(t, &mv_exc_TypeError, "type %s doesn't define __trunc__ method", mv_type_name(x));
    return mv_call_method(t, x, "__trunc__", NULL, 0);
}

/* ---- integer functions ------------------------------------------------------------------- */

/* arg as an mpz via __index__; 0 ok, -1 error */
static int index_mpz(mv_thread *t, Value v, mpz_t out) {
    Value i = mv_number_index(t, v);
    if (!i) return -1;
    mv_int_to_mpz(i, out);
    MV_DECREF(i);
    return 0;
}

static Value mpz_result(mpz_t z) {
    Value r = mv_int_from_mpz(z);
    mpz_clear(z);
    return r;
}

static Value math_factorial(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("factorial");
    mpz_t n;
    mpz_init(n);
    if (index_mpz(t, args[0], n) < 0) {
        mpz_clear(n);
        return NULL;
    }
    if (mpz_sgn(n) < 0) {
        mpz_clear(n);
        return mv_err_set(t, &mv_exc_ValueError, "factorial() not defined for negative values");
    }
    if (!mpz_fits_slong_p(n)) {
        mpz_clear(n);
        return mv_err_set(t, &mv_exc_OverflowError, "factorial() argument should not exceed 9223372036854775807");
    }
    unsigned long k = mpz_get_ui(n);
    mpz_fac_ui(n, k);
    return mpz_result(n);
}

static Value gcd_lcm(mv_thread *t, Value *args, size_t nargs, Value kwnames, const char *name, bool lcm) {
    if (kwnames && mv_check_no_kwargs(t, name, kwnames) < 0) return NULL;
    mpz_t acc, x;
    mpz_init_set_ui(acc, lcm ? 1 : 0);
    mpz_init(x);
    for (size_t i = 0; i < nargs; i++) {
        if (index_mpz(t, args[i], x) < 0) {
            mpz_clear(acc);
            mpz_clear(x);
            return NULL;
        }
        if (lcm)
            mpz_lcm(acc, acc, x);
        else
            mpz_gcd(acc, acc, x);
    }
    if (nargs == 1) mpz_abs(acc, x);
    mpz_clear(x);
    return mpz_result(acc);
}
static Value math_gcd(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gcd_lcm(t, args, nargs, kwnames, "gcd", false);
}
static Value math_lcm(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return gcd_lcm(t, args, nargs, kwnames, "lcm", true);
}

static Value math_isqrt(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("isqrt");
    mpz_t n;
    mpz_init(n);
    if (index_mpz(t, args[0], n) < 0) {
        mpz_clear(n);
        return NULL;
    }
    if (mpz_sgn(n) < 0) {
        mpz_clear(n);
        return mv_err_set(t, &mv_exc_ValueError, "isqrt() argument must be nonnegative");
    }
    mpz_sqrt(n, n);
    return mpz_result(n);
}

/* comb(n, k) and perm(n, k): n, k non-negative ints */
static Value comb_perm(mv_thread *t, Value *args, size_t nargs, Value kwnames, const char *name, bool comb) {
    if (mv_check_nargs(t, name, nargs, comb ? 2 : 1, 2) < 0) return NULL;
    if (kwnames && mv_check_no_kwargs(t, name, kwnames) < 0) return NULL;
    mpz_t n, k, r;
    mpz_init(n);
    mpz_init(k);
    mpz_init(r);
    Value res = NULL;
    if (index_mpz(t, args[0], n) < 0) goto done;
    if (nargs == 2 && args[1] != MV_NONE) {
        if (index_mpz(t, args[1], k) < 0) goto done;
    } else {
        mpz_set(k, n);
    }
    if (mpz_sgn(n) < 0) {
        mv_err_set(t, &mv_exc_ValueError, "n must be a non-negative integer");
        goto done;
    }
    if (mpz_sgn(k) < 0) {
        mv_err_set(t, &mv_exc_ValueError, "k must be a non-negative integer");
        goto done;
    }
    if (mpz_cmp(k, n) > 0) {
        res = MV_FROM_SMALL(0);
        goto done;
    }
    if (!mpz_fits_ulong_p(n)) {
        mv_err_format(t, &mv_exc_OverflowError, "%s must not exceed %ld", "n", (long)INT64_MAX);
        goto done;
    }
    unsigned long nn = mpz_get_ui(n), kk = mpz_get_ui(k);
    if (comb) {
        mpz_bin_uiui(r, nn, kk);
    } else {
        mpz_set_ui(r, 1);
        for (unsigned long i = 0; i < kk; i++) mpz_mul_ui(r, r, nn - i);
    }
    res = mv_int_from_mpz(r);
done:
    mpz_clear(n);
    mpz_clear(k);
    mpz_clear(r);
    return res;
}
static Value math_comb(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return comb_perm(t, args, nargs, kwnames, "comb", true);
}
static Value math_perm(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return comb_perm(t, args, nargs, kwnames, "perm", false);
}

/* ---- sums, products, norms ------------------------------------------------------------- */

/* fsum: Shewchuk's exact partials, as CPython's math_fsum (including its final half-even fix). */
static Value math_fsum(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    ONE_ARG("fsum");
    Value it = mv_iter(t, args[0]);
    if (!it) return NULL;
    size_t n = 0, cap = 32;
    double *p = mv_malloc(cap * sizeof(double));
    double special_sum = 0.0, inf_sum = 0.0, x, y, hi, lo = 0.0, yr;
    Value item, res = NULL;
    while ((item = mv_next(t, it))) {
        int r = mv_as_double(t, item, &x);
        MV_DECREF(item);
        if (r < 0) goto done;
        double xsave = x;
        size_t i = 0;
        for (size_t j = 0; j < n; j++) {
            y = p[j];
            if (fabs(x) < fabs(y)) {
                double tmp = x;
                x = y;
                y = tmp;
            }
            hi = x + y;
            yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) p[i++] = lo;
            x = hi;
        }
        n = i;
        if (x != 0.0) {
            if (!isfinite(x)) {
                if (isfinite(xsave)) {
                    mv_err_set(t, &mv_exc_OverflowError, "intermediate overflow in fsum");
                    goto done;
                }
                if (isinf(xsave)) inf_sum += xsave;
                special_sum += xsave;
                n = 0;
            } else {
                if (n == cap) {
                    cap *= 2;
                    p = mv_realloc(p, cap * sizeof(double));
                }
                p[n++] = x;
            }
        }
    }
    if (mv_err_occurred(t)) goto done;
    if (special_sum != 0.0) {
        if (isnan(inf_sum))
            mv_err_set(t, &mv_exc_ValueError, "-inf + inf in fsum");
        else
            res = mv_float_new(special_sum);
        goto done;
    }
    hi = 0.0;
    if (n > 0) {
        hi = p[--n];
        while (n > 0) {
            x = hi;
            y = p[--n];
            hi = x + y;
            yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0))) {
            y = lo * 2.0;
            x = hi + y;
            yr = x - hi;
            if (y == yr) hi = x;
        }
    }
    res = mv_float_new(hi);
done:
    mv_free(p);
    MV_DECREF(it);
    return res;
}

static Value math_prod(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/iterable", "$start", NULL};
    Value a[2];
    if (mv_parse_args(t, "prod", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value it = mv_iter(t, a[0]);
    if (!it) return NULL;
    Value acc = mv_newref(a[1] ? a[1] : MV_FROM_SMALL(1)), item;
    while ((item = mv_next(t, it))) {
        Value r = mv_binary_op(t, acc, item, MV_BINOP_MUL);
        MV_DECREF(item);
        MV_DECREF(acc);
        acc = r;
        if (!acc) break;
    }
    MV_DECREF(it);
    if (acc && mv_err_occurred(t)) MV_CLEAR(acc);
    return acc;
}

typedef struct {
    double hi, lo;
} dbl2;
static dbl2 dl_fast_sum(double a, double b) {
    double x = a + b, z = x - a, y = b - z;
    return (dbl2){x, y};
}
static dbl2 dl_mul(double x, double y) {
    double z = x * y;
    return (dbl2){z, fma(x, y, -z)};
}

/* CPython's vector_norm: a nearly correctly rounded sqrt(sum(x*x)) without overflow. */
static double vector_norm(size_t n, double *vec, double max, bool found_nan) {
    if (isinf(max)) return max;
    if (found_nan) return NAN;
    if (max == 0.0 || n <= 1) return max;
    int max_e;
    frexp(max, &max_e);
    if (max_e < -1023) {
        for (size_t i = 0; i < n; i++) vec[i] /= MV_DBL_MIN;
        return MV_DBL_MIN * vector_norm(n, vec, max / MV_DBL_MIN, found_nan);
    }
    double scale = ldexp(1.0, -max_e), csum = 1.0, frac1 = 0.0, frac2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x = vec[i] * scale;
        dbl2 pr = dl_mul(x, x), sm = dl_fast_sum(csum, pr.hi);
        csum = sm.hi;
        frac1 += pr.lo;
        frac2 += sm.lo;
    }
    double h = sqrt(csum - 1.0 + (frac1 + frac2));
    dbl2 pr = dl_mul(-h, h), sm = dl_fast_sum(csum, pr.hi);
    csum = sm.hi;
    frac1 += pr.lo;
    frac2 += sm.lo;
    double x = csum - 1.0 + (frac1 + frac2);
    h += x / (2.0 * h);
    return h / scale;
}

static Value math_hypot(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_check_no_kwargs(t, "hypot", kwnames) < 0) return NULL;
    double stackbuf[16], *v = nargs <= 16 ? stackbuf : mv_malloc(nargs * sizeof(double));
    double max = 0.0;
    bool nan = false;
    for (size_t i = 0; i < nargs; i++) {
        double x;
        if (mv_as_double(t, args[i], &x) < 0) {
            if (v != stackbuf) mv_free(v);
            return NULL;
        }
        x = fabs(x);
        v[i] = x;
        nan |= isnan(x);
        if (x > max) max = x;
    }
    double r = vector_norm(nargs, v, max, nan);
    if (v != stackbuf) mv_free(v);
    return mv_float_new(r);
}

static Value math_dist(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    TWO_ARGS("dist");
    Value p = mv_sequence_tuple(t, args[0]);
    if (!p) return NULL;
    Value q = mv_sequence_tuple(t, args[1]);
    if (!q) {
        MV_DECREF(p);
        return NULL;
    }
    size_t n = mv_tuple_size(p);
    Value res = NULL;
    double *v = NULL;
    if (n != mv_tuple_size(q)) {
        mv_err_set(t, &mv_exc_ValueError, "both points must have the same number of dimensions");
        goto done;
    }
    v = mv_malloc((n ? n : 1) * sizeof(double));
    double max = 0.0;
    bool nan = false;
    for (size_t i = 0; i < n; i++) {
        double a, b;
        if (mv_as_double(t, MV_TUPLE_GET(p, i), &a) < 0 || mv_as_double(t, MV_TUPLE_GET(q, i), &b) < 0) goto done;
        double x = fabs(a - b);
        v[i] = x;
        nan |= isnan(x);
        if (x > max) max = x;
    }
    res = mv_float_new(vector_norm(n, v, max, nan));
done:
    mv_free(v);
    MV_DECREF(p);
    MV_DECREF(q);
    return res;
}

static const mv_method_def math_methods[] = {
    {"sqrt", math_sqrt, 0, NULL},       {"exp", math_exp, 0, NULL},
    {"exp2", math_exp2, 0, NULL},       {"expm1", math_expm1, 0, NULL},
    {"log", math_log, 0, NULL},         {"log2", math_log2, 0, NULL},
    {"log10", math_log10, 0, NULL},     {"log1p", math_log1p, 0, NULL},
    {"pow", math_pow, 0, NULL},         {"fabs", math_fabs, 0, NULL},
    {"floor", math_floor, 0, NULL},     {"ceil", math_ceil, 0, NULL},
    {"trunc", math_trunc, 0, NULL},     {"sin", math_sin, 0, NULL},
    {"cos", math_cos, 0, NULL},         {"tan", math_tan, 0, NULL},
    {"asin", math_asin, 0, NULL},       {"acos", math_acos, 0, NULL},
    {"atan", math_atan, 0, NULL},       {"atan2", math_atan2, 0, NULL},
    {"sinh", math_sinh, 0, NULL},       {"cosh", math_cosh, 0, NULL},
    {"tanh", math_tanh, 0, NULL},       {"asinh", math_asinh, 0, NULL},
    {"acosh", math_acosh, 0, NULL},     {"atanh", math_atanh, 0, NULL},
    {"hypot", math_hypot, 0, NULL},     {"degrees", math_degrees, 0, NULL},
    {"radians", math_radians, 0, NULL}, {"factorial", math_factorial, 0, NULL},
    {"gcd", math_gcd, 0, NULL},         {"lcm", math_lcm, 0, NULL},
    {"isqrt", math_isqrt, 0, NULL},     {"comb", math_comb, 0, NULL},
    {"perm", math_perm, 0, NULL},       {"isfinite", math_isfinite, 0, NULL},
    {"isinf", math_isinf, 0, NULL},     {"isnan", math_isnan, 0, NULL},
    {"isclose", math_isclose, 0, NULL}, {"copysign", math_copysign, 0, NULL},
    {"fmod", math_fmod, 0, NULL},       {"remainder", math_remainder, 0, NULL},
    {"frexp", math_frexp, 0, NULL},     {"ldexp", math_ldexp, 0, NULL},
    {"modf", math_modf, 0, NULL},       {"fsum", math_fsum, 0, NULL},
    {"prod", math_prod, 0, NULL},       {"dist", math_dist, 0, NULL},
    {"cbrt", math_cbrt, 0, NULL},       {"erf", math_erf, 0, NULL},
    {"erfc", math_erfc, 0, NULL},       {"gamma", math_gamma, 0, NULL},
    {"lgamma", math_lgamma, 0, NULL},   {"nextafter", math_nextafter, 0, NULL},
    {"ulp", math_ulp, 0, NULL},         {NULL, NULL, 0, NULL},
};

Value mv_math_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "math");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, math_methods) < 0) goto fail;
    static const struct {
        const char *name;
        double v;
    } consts[] = {{"pi", M_PI}, {"e", M_E}, {"tau", 2 * M_PI}, {"inf", INFINITY}, {"nan", NAN}};
    for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
        Value f = mv_float_new(consts[i].v);
        int r = mv_module_add(t, m, consts[i].name, f);
        MV_DECREF(f);
        if (r < 0) goto fail;
    }
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
