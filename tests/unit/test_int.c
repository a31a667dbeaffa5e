/* test_int.c: the int type's C layer: tagged/GMP representation and demotion, CPython's
 * floor-division and modulo signs, shifts, true division rounding, hashing, parsing, printing. */
#include <criterion/criterion.h>
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

TestSuite(int_type, .init = setup);

static Value I(int64_t i) { return mv_int_from_i64(i); }
static Value P(const char *s) { return mv_int_from_string(t, s, strlen(s), 10); }
static Value op(Value a, Value b, int o) { return mv_int_type.nb[o](t, a, b); }
static void expect_str(Value v, const char *s) {
    cr_assert_not_null(v);
    Value r = mv_int_to_string(v, 10);
    cr_assert_str_eq(mv_str_data(r), s);
    MV_DECREF(r);
}

Test(int_type, small_values_are_tagged) {
    cr_assert(MV_IS_SMALL(I(42)));
    cr_assert(MV_IS_SMALL(I(MV_SMALL_MAX)));
    Value big = I(INT64_MAX);
    cr_assert(!MV_IS_SMALL(big));
    expect_str(big, "9223372036854775807");
    MV_DECREF(big);
}

Test(int_type, overflow_promotes_and_demotes) {
    Value a = I(MV_SMALL_MAX);
    Value b = op(a, I(1), MV_BINOP_ADD);
    cr_assert(!MV_IS_SMALL(b));
    Value c = op(b, I(1), MV_BINOP_SUB);
    cr_assert(MV_IS_SMALL(c));
    cr_assert_eq(MV_SMALL_VAL(c), MV_SMALL_MAX);
    Value sq = op(b, b, MV_BINOP_MUL);
    expect_str(sq, "21267647932558653966460912964485513216");
    MV_DECREF(b);
    MV_DECREF(sq);
}

Test(int_type, floor_division_and_modulo_signs) {
    cr_assert_eq(MV_SMALL_VAL(op(I(-5), I(3), MV_BINOP_FLOORDIV)), -2);
    cr_assert_eq(MV_SMALL_VAL(op(I(-5), I(3), MV_BINOP_MOD)), 1);
    cr_assert_eq(MV_SMALL_VAL(op(I(5), I(-3), MV_BINOP_MOD)), -1);
    cr_assert_eq(MV_SMALL_VAL(op(I(5), I(-3), MV_BINOP_FLOORDIV)), -2);
    Value big = P("-100000000000000000000000");
    expect_str(op(big, I(7), MV_BINOP_FLOORDIV), "-14285714285714285714286");
    expect_str(op(big, I(7), MV_BINOP_MOD), "2");
}

Test(int_type, division_by_zero) {
    cr_assert_null(op(I(1), I(0), MV_BINOP_FLOORDIV));
    cr_assert(mv_err_matches(t, &mv_exc_ZeroDivisionError));
    mv_err_clear(t);
    cr_assert_null(op(I(1), I(0), MV_BINOP_MOD));
    mv_err_clear(t);
    cr_assert_null(op(I(1), I(0), MV_BINOP_TRUEDIV));
    mv_err_clear(t);
}

Test(int_type, true_division_is_correctly_rounded) {
    Value a = P("1" "0000000000" "0000000000" "0000000000" "0000000000" "0000000000");
    Value b = P("1" "0000000000" "0000000000" "0000000000" "0000000000" "000000000");
    Value q = op(a, b, MV_BINOP_TRUEDIV);
    cr_assert_eq(mv_float_val(q), 10.0);
    Value n = P("9007199254740993"); /* 2**53 + 1: a tie, rounds to even */
    Value r = op(n, I(1), MV_BINOP_TRUEDIV);
    cr_assert_eq(mv_float_val(r), 9007199254740992.0);
    MV_DECREF(q);
    MV_DECREF(r);
}

Test(int_type, shifts_and_bitwise_on_negatives) {
    cr_assert_eq(MV_SMALL_VAL(op(I(-1), I(3), MV_BINOP_RSHIFT)), -1);
    cr_assert_eq(MV_SMALL_VAL(op(I(-8), I(1), MV_BINOP_RSHIFT)), -4);
    cr_assert_eq(MV_SMALL_VAL(op(I(-6), I(3), MV_BINOP_AND)), 2);
    expect_str(op(I(1), I(100), MV_BINOP_LSHIFT), "1267650600228229401496703205376");
    cr_assert_null(op(I(1), I(-1), MV_BINOP_LSHIFT));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
}

Test(int_type, power_and_modular_inverse) {
    expect_str(op(I(3), I(40), MV_BINOP_POW), "12157665459056928801");
    Value f = op(I(2), I(-2), MV_BINOP_POW);
    cr_assert_eq(mv_float_val(f), 0.25);
    MV_DECREF(f);
    cr_assert_eq(MV_SMALL_VAL(mv_int_pow_mod(t, I(2), I(-1), I(5))), 3);
    cr_assert_eq(MV_SMALL_VAL(mv_int_pow_mod(t, I(3), I(4), I(-5))), -4);
}

Test(int_type, hash_like_cpython) {
    int64_t h;
    mv_int_hash(I(-1), &h);
    cr_assert_eq(h, -2);
    mv_int_hash(I(12345), &h);
    cr_assert_eq(h, 12345);
    Value big = P("2305843009213693952"); /* 2**61 */
    mv_int_hash(big, &h);
    cr_assert_eq(h, 1);
}

Test(int_type, parsing) {
    cr_assert_eq(MV_SMALL_VAL(mv_int_from_string(t, " -1_000 ", 8, 10)), -1000);
    cr_assert_eq(MV_SMALL_VAL(mv_int_from_string(t, "0x_1f", 5, 0)), 31);
    cr_assert_eq(MV_SMALL_VAL(mv_int_from_string(t, "ff", 2, 16)), 255);
    cr_assert_null(mv_int_from_string(t, "010", 3, 0));
    mv_err_clear(t);
    cr_assert_null(mv_int_from_string(t, "1__0", 4, 10));
    mv_err_clear(t);
    cr_assert_null(mv_int_from_string(t, "", 0, 10));
    mv_err_clear(t);
}

Test(int_type, to_string_bases) {
    Value s = mv_int_to_string(I(-255), 16);
    cr_assert_str_eq(mv_str_data(s), "-0xff");
    MV_DECREF(s);
    s = mv_int_to_string(I(0), 2);
    cr_assert_str_eq(mv_str_data(s), "0b0");
    MV_DECREF(s);
}

Test(int_type, from_double) {
    expect_str(mv_int_from_double(t, 1e20), "100000000000000000000");
    cr_assert_eq(MV_SMALL_VAL(mv_int_from_double(t, -3.9)), -3);
    cr_assert_null(mv_int_from_double(t, 1.0 / 0.0));
    cr_assert(mv_err_matches(t, &mv_exc_OverflowError));
    mv_err_clear(t);
}
