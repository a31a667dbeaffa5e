/* test_float.c: the float type's C layer: the shortest round-trip repr, CPython's numeric hash,
 * parsing float literals, and the special cases of ** . */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "exc.h"
#include "float.h"
#include "int.h"
#include "str.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(float_type, .init = setup);

static void expect_repr(double d, const char *s) {
    char buf[64];
    mv_float_repr_buf(d, buf, sizeof buf);
    cr_assert_str_eq(buf, s, "repr(%.17g) = %s, expected %s", d, buf, s);
}

Test(float_type, repr_shortest_round_trip) {
    expect_repr(0.1, "0.1");
    expect_repr(1e16, "1e+16");
    expect_repr(1e-5, "1e-05");
    expect_repr(0.0001, "0.0001");
    expect_repr(123456789012345678.0, "1.2345678901234568e+17");
    expect_repr(1e15, "1000000000000000.0");
    expect_repr(1.5, "1.5");
    expect_repr(-0.0, "-0.0");
    expect_repr(INFINITY, "inf");
    expect_repr(-INFINITY, "-inf");
    expect_repr(NAN, "nan");
    expect_repr(0.1 + 0.2, "0.30000000000000004");
    expect_repr(1.0 / 3.0, "0.3333333333333333");
    expect_repr(5e-324, "5e-324");
    expect_repr(1.7976931348623157e308, "1.7976931348623157e+308");
}

Test(float_type, hash_like_cpython) {
    int64_t h;
    mv_float_hash(1.5, &h);
    cr_assert_eq(h, 1152921504606846977LL);
    mv_float_hash(-1.0, &h);
    cr_assert_eq(h, -2);
    mv_float_hash(INFINITY, &h);
    cr_assert_eq(h, 314159);
    mv_float_hash(3.0, &h);
    cr_assert_eq(h, 3);
}

static double parse(const char *s) {
    Value str = mv_str_from_cstr(s);
    Value f = mv_float_from_string(t, str);
    MV_DECREF(str);
    if (!f) {
        mv_err_clear(t);
        return -12345.0;
    }
    double d = mv_float_val(f);
    MV_DECREF(f);
    return d;
}

Test(float_type, parsing) {
    cr_assert_eq(parse("  3.5  "), 3.5);
    cr_assert_eq(parse("1_0.5"), 10.5);
    cr_assert_eq(parse("1e5"), 1e5);
    cr_assert_eq(parse(".5"), 0.5);
    cr_assert_eq(parse("-iNF"), -INFINITY);
    cr_assert(isnan(parse("nan")));
    cr_assert_eq(parse("1__0"), -12345.0);
    cr_assert_eq(parse("1e"), -12345.0);
    cr_assert_eq(parse(""), -12345.0);
    cr_assert_eq(parse("0x10"), -12345.0);
}

Test(float_type, pow_special_cases) {
    int err;
    cr_assert_eq(mv_float_pow_raw(t, 0.0, 0.0, &err), 1.0);
    cr_assert_eq(mv_float_pow_raw(t, -2.0, 3.0, &err), -8.0);
    cr_assert_eq(mv_float_pow_raw(t, 1.0, NAN, &err), 1.0);
    mv_float_pow_raw(t, 0.0, -1.0, &err);
    cr_assert_eq(err, 1);
    cr_assert(mv_err_matches(t, &mv_exc_ZeroDivisionError));
    mv_err_clear(t);
    mv_float_pow_raw(t, 10.0, 400.0, &err);
    cr_assert(mv_err_matches(t, &mv_exc_OverflowError));
    mv_err_clear(t);
}
