/* test_str.c: the str type's C layer: UTF-8 lengths and indexing by code point, interning,
 * repr's quoting and escapes, the format mini-language, %-formatting and str.format. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(str_type, .init = setup);

static Value S(const char *s) { return mv_str_from_cstr(s); }

static void expect_str(Value v, const char *want) {
    cr_assert(v != NULL, "unexpected error (expected '%s')", want);
    cr_assert(mv_str_check(v));
    cr_assert_str_eq(mv_str_data(v), want);
    cr_assert_eq(mv_str_size(v), strlen(want));
    MV_DECREF(v);
}

Test(str_type, utf8_length_and_indexing) {
    Value s = S("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80!");
    cr_assert_eq(mv_str_len(s), 10);
    cr_assert_eq(mv_str_codepoint_at(s, 0), 'h');
    cr_assert_eq(mv_str_codepoint_at(s, 1), 0xE9);
    cr_assert_eq(mv_str_codepoint_at(s, 6), 0x20AC);
    cr_assert_eq(mv_str_codepoint_at(s, 8), 0x1F600);
    cr_assert_eq(mv_str_codepoint_at(s, 9), '!');
    /* backwards after forwards uses the position cache both ways */
    cr_assert_eq(mv_str_codepoint_at(s, 2), 'l');
    expect_str(mv_str_substr(s, 6, 9), "\xE2\x82\xAC \xF0\x9F\x98\x80");
    Value neg = mv_getitem(t, s, MV_FROM_SMALL(-2));
    expect_str(neg, "\xF0\x9F\x98\x80");
    cr_assert_null(mv_getitem(t, s, MV_FROM_SMALL(10)));
    cr_assert(mv_err_matches(t, &mv_exc_IndexError));
    mv_err_clear(t);
    MV_DECREF(s);
}

Test(str_type, ascii_fast_path) {
    Value s = S("hello");
    cr_assert(((mv_strobj *)s)->ascii);
    cr_assert_eq(mv_str_codepoint_at(s, 4), 'o');
    Value c1 = mv_getitem(t, s, MV_FROM_SMALL(1));
    Value c2 = mv_str_from_codepoint('e');
    cr_assert_eq(c1, c2, "one-character strings are shared");
    MV_DECREF(c1);
    MV_DECREF(c2);
    MV_DECREF(s);
}

Test(str_type, intern_hash_eq) {
    Value a = mv_str_intern_cstr(t, "spam");
    Value b = mv_str_intern(t, S("spam"));
    cr_assert_eq(a, b);
    Value c = S("spam");
    cr_assert(mv_str_eq(a, c));
    cr_assert_eq(mv_str_hash(a), mv_str_hash(c));
    cr_assert_neq(mv_str_hash(c), -1);
    cr_assert(!mv_str_eq(c, mv_str_intern_cstr(t, "eggs")));
    MV_DECREF(a);
    MV_DECREF(b);
    MV_DECREF(c);
}

Test(str_type, concat_and_join) {
    Value a = S("ab"), b = S("\xC3\xA9z");
    Value c = mv_str_concat(t, a, b);
    cr_assert_eq(mv_str_len(c), 4);
    expect_str(c, "ab\xC3\xA9z");
    Value tup = mv_tuple_pack(3, a, b, a);
    expect_str(mv_str_join(t, S(", "), tup), "ab, \xC3\xA9z, ab");
    MV_DECREF(tup);
    Value bad = mv_tuple_pack(2, a, MV_FROM_SMALL(1));
    cr_assert_null(mv_str_join(t, S(""), bad));
    cr_assert(mv_err_matches(t, &mv_exc_TypeError));
    mv_err_clear(t);
    MV_DECREF(bad);
    MV_DECREF(a);
    MV_DECREF(b);
}

Test(str_type, repr_quotes_and_escapes) {
    expect_str(mv_str_repr(S("abc")), "'abc'");
    expect_str(mv_str_repr(S("it's")), "\"it's\"");
    expect_str(mv_str_repr(S("both ' and \"")), "'both \\' and \"'");
    expect_str(mv_str_repr(S("a\nb\tc\\d\r")), "'a\\nb\\tc\\\\d\\r'");
    expect_str(mv_str_repr(S("\x01\x7f")), "'\\x01\\x7f'");
    expect_str(mv_str_repr(S("\xC2\x80\xC2\xA0\xC3\xA9")), "'\\x80\\xa0\xC3\xA9'");
    expect_str(mv_str_repr(S("\xE2\x80\x8B\xF0\x9F\x98\x80")), "'\\u200b\xF0\x9F\x98\x80'");
}

static Value fmt(Value v, const char *spec) {
    Value sp = S(spec);
    Value r = mv_format_builtin(t, v, sp);
    MV_DECREF(sp);
    return r;
}

Test(str_type, format_spec_ints) {
    expect_str(fmt(MV_FROM_SMALL(1234567), ","), "1,234,567");
    expect_str(fmt(MV_FROM_SMALL(1234), "08,"), "0,001,234");
    expect_str(fmt(MV_FROM_SMALL(255), "#010x"), "0x000000ff");
    expect_str(fmt(MV_FROM_SMALL(-5), "=+8"), "-      5");
    expect_str(fmt(MV_FROM_SMALL(12345678), "_b"), "1011_1100_0110_0001_0100_1110");
    expect_str(fmt(MV_FROM_SMALL(42), "*^9"), "***42****");
    expect_str(fmt(MV_TRUE, ""), "True");
    expect_str(fmt(MV_TRUE, ">5"), "    1");
    cr_assert_null(fmt(MV_FROM_SMALL(1), ".2d"));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
}

Test(str_type, format_spec_floats) {
    Value x = mv_float_new(1234567.891);
    expect_str(fmt(x, ",.2f"), "1,234,567.89");
    expect_str(fmt(x, ".3e"), "1.235e+06");
    expect_str(fmt(x, "g"), "1.23457e+06");
    expect_str(fmt(x, ""), "1234567.891");
    MV_DECREF(x);
    x = mv_float_new(100.0);
    expect_str(fmt(x, ".3"), "1e+02");
    expect_str(fmt(x, ".4"), "100.0");
    expect_str(fmt(x, "#g"), "100.000");
    expect_str(fmt(x, "%"), "10000.000000%");
    MV_DECREF(x);
    x = mv_float_new(2.5);
    expect_str(fmt(x, ".0f"), "2");
    expect_str(fmt(x, "010.3f"), "000002.500");
    MV_DECREF(x);
    x = mv_float_new(-0.0001);
    expect_str(fmt(x, "z.2f"), "0.00");
    expect_str(fmt(x, ".2f"), "-0.00");
    MV_DECREF(x);
    x = mv_float_new(INFINITY);
    expect_str(fmt(x, "010"), "0000000inf");
    MV_DECREF(x);
}

Test(str_type, format_spec_strings) {
    Value s = S("h\xC3\xA9llo");
    expect_str(fmt(s, "<8"), "h\xC3\xA9llo   ");
    expect_str(fmt(s, "\xE2\x82\xAC^9"), "\xE2\x82\xAC\xE2\x82\xAC" "h\xC3\xA9llo" "\xE2\x82\xAC\xE2\x82\xAC");
    expect_str(fmt(s, ".2"), "h\xC3\xA9");
    cr_assert_null(fmt(s, "d"));
    mv_err_clear(t);
    MV_DECREF(s);
}

Test(str_type, percent_format) {
    Value args = mv_tuple_pack(3, S("x"), MV_FROM_SMALL(42), mv_float_new(3.14159));
    expect_str(mv_str_percent_format(t, S("%s|%5d|%-6.2f|%%"), args), "x|   42|3.14  |%");
    expect_str(mv_str_percent_format(t, S("%r %x %08.3e"),
                                     mv_tuple_pack(3, S("a'b"), MV_FROM_SMALL(255), mv_float_new(1.5))),
               "\"a'b\" ff 1.500e+00");
    cr_assert_null(mv_str_percent_format(t, S("%s %s"), MV_FROM_SMALL(1)));
    cr_assert(mv_err_matches(t, &mv_exc_TypeError));
    mv_err_clear(t);
    cr_assert_null(mv_str_percent_format(t, S("%d"), S("x")));
    mv_err_clear(t);
    MV_DECREF(args);
}

Test(str_type, format_method) {
    Value args[3] = {S("ab"), MV_FROM_SMALL(7), mv_float_new(2.0)};
    expect_str(mv_str_format_method(t, S("{0} {1}!r {{x}} {2:>{1}.1f}"), args, 3, NULL),
               "ab 7!r {x}     2.0");
    expect_str(mv_str_format_method(t, S("{0!r:>6}|{0[1]}"), args, 1, NULL), "  'ab'|b");
    cr_assert_null(mv_str_format_method(t, S("{} {1}"), args, 3, NULL));
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
    cr_assert_null(mv_str_format_method(t, S("{5}"), args, 3, NULL));
    cr_assert(mv_err_matches(t, &mv_exc_IndexError));
    mv_err_clear(t);
}

Test(str_type, codecs) {
    Value s = S("caf\xC3\xA9");
    Value b = mv_str_encode(t, s, "latin-1", "strict");
    cr_assert_eq(mv_bytes_size(b), 4);
    cr_assert_eq(mv_bytes_data(b)[3], 0xE9);
    expect_str(mv_bytes_decode(t, mv_bytes_data(b), 4, "latin1", "strict"), "caf\xC3\xA9");
    cr_assert_null(mv_str_encode(t, s, "ascii", "strict"));
    cr_assert(mv_err_matches(t, &mv_exc_UnicodeEncodeError));
    mv_err_clear(t);
    cr_assert_null(mv_str_decode_utf8(t, "\xFF", 1, "strict"));
    mv_err_clear(t);
    expect_str(mv_str_decode_utf8(t, "a\xFF", 2, "replace"), "a\xEF\xBF\xBD");
    MV_DECREF(b);
    MV_DECREF(s);
}

Test(str_type, object_accounting_balanced) {
    MV_DECREF(mv_str_from_codepoint('x')); /* the shared one-character str exists from now on */
    size_t objs = mv_mem_live_objects(), allocs = mv_mem_live_allocs();
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (int i = 0; i < 100; i++) mv_strbuf_addf(&b, "%d,", i);
    Value s = mv_strbuf_finish(&b);
    Value big = mv_str_concat(t, s, s);
    Value grown = mv_str_append_steal(t, mv_str_concat(t, s, s), s); /* in place */
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "never finished");
    mv_strbuf_free(&b);
    mv_strbuf_init(&b);
    mv_strbuf_addc(&b, 'x'); /* a shared one-character str */
    Value x = mv_strbuf_finish(&b);
    cr_assert_eq(mv_str_size(grown), 3 * mv_str_size(s));
    MV_DECREF(x);
    MV_DECREF(grown);
    MV_DECREF(big);
    MV_DECREF(s);
    cr_assert_eq(mv_mem_live_objects(), objs);
    cr_assert_eq(mv_mem_live_allocs(), allocs);
}
