/* test_dict.c: the dict C layer: insertion order across deletions and resizes, the str fast
 * path, version bumps on every mutation, update's error messages, copy and equality. */
#include <criterion/criterion.h>
#include <string.h>

#include "abstract.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "tuple.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(dict, .init = setup);

static Value I(int64_t i) { return mv_int_from_i64(i); }

static void expect_repr(Value v, const char *s) {
    cr_assert_not_null(v);
    Value r = mv_repr(t, v);
    cr_assert_not_null(r);
    cr_assert_str_eq(mv_str_data(r), s);
    MV_DECREF(r);
}

Test(dict, set_get_many) {
    Value d = mv_dict_new();
    for (int64_t i = 0; i < 5000; i++) cr_assert_eq(mv_dict_set(t, d, I(i * 31), I(i)), 0);
    cr_assert_eq(mv_dict_size(d), 5000);
    for (int64_t i = 0; i < 5000; i++) {
        Value v = mv_dict_get(t, d, I(i * 31));
        cr_assert_not_null(v);
        cr_assert_eq(MV_SMALL_VAL(v), i);
    }
    cr_assert_null(mv_dict_get(t, d, I(1)));
    cr_assert(!mv_err_occurred(t));
    MV_DECREF(d);
}

Test(dict, order_survives_deletions) {
    Value d = mv_dict_new();
    for (int64_t i = 0; i < 10; i++) mv_dict_set(t, d, I(i), I(i * i));
    for (int64_t i = 0; i < 10; i += 2) cr_assert_eq(mv_dict_del(t, d, I(i)), 0);
    mv_dict_set(t, d, I(0), I(-1));
    expect_repr(d, "{1: 1, 3: 9, 5: 25, 7: 49, 9: 81, 0: -1}");
    cr_assert_eq(mv_dict_del(t, d, I(42)), -1);
    cr_assert(mv_err_matches(t, &mv_exc_KeyError));
    mv_err_clear(t);
    for (int64_t i = 100; i < 200; i++) mv_dict_set(t, d, I(i), I(i));
    for (int64_t i = 100; i < 200; i++) mv_dict_del(t, d, I(i));
    expect_repr(d, "{1: 1, 3: 9, 5: 25, 7: 49, 9: 81, 0: -1}");
    MV_DECREF(d);
}

Test(dict, str_keys_fast_path) {
    Value d = mv_dict_new();
    Value k = mv_str_intern_cstr(t, "spam");
    mv_dict_set(t, d, k, I(1));
    Value k2 = mv_str_from_cstr("spam"); /* same contents, another object */
    cr_assert_eq(MV_SMALL_VAL(mv_dict_get_str(d, k2)), 1);
    cr_assert_eq(MV_SMALL_VAL(mv_dict_get_cstr(t, d, "spam")), 1);
    cr_assert_null(mv_dict_get_cstr(t, d, "eggs"));
    MV_DECREF(k2);
    MV_DECREF(k);
    MV_DECREF(d);
}

Test(dict, version_bumps) {
    Value d = mv_dict_new();
    uint64_t v0 = ((mv_dict *)d)->version;
    mv_dict_set(t, d, I(1), I(1));
    uint64_t v1 = ((mv_dict *)d)->version;
    cr_assert_neq(v0, v1);
    mv_dict_set(t, d, I(1), I(2)); /* replacing a value is a mutation too */
    cr_assert_neq(((mv_dict *)d)->version, v1);
    uint64_t v2 = ((mv_dict *)d)->version;
    mv_dict_clear(d);
    cr_assert_neq(((mv_dict *)d)->version, v2);
    MV_DECREF(d);
}

Test(dict, update_from_pairs_and_errors) {
    Value d = mv_dict_new();
    Value p1 = mv_tuple_pack(2, I(1), I(2));
    Value pairs = mv_list_from_array(&p1, 1);
    cr_assert_eq(mv_dict_update(t, d, pairs), 0);
    expect_repr(d, "{1: 2}");
    Value bad = mv_tuple_pack(1, I(1));
    Value badl = mv_list_from_array(&bad, 1);
    cr_assert_eq(mv_dict_update(t, d, badl), -1);
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    Value exc = mv_err_fetch(t);
    Value msg = mv_str(t, exc);
    cr_assert_str_eq(mv_str_data(msg), "dictionary update sequence element #0 has length 1; 2 is required");
    MV_DECREF(msg);
    MV_DECREF(exc);
    MV_DECREF(badl);
    MV_DECREF(bad);
    MV_DECREF(pairs);
    MV_DECREF(p1);
    MV_DECREF(d);
}

Test(dict, copy_and_equality) {
    Value d = mv_dict_new();
    for (int64_t i = 0; i < 20; i++) mv_dict_set(t, d, I(i), I(-i));
    mv_dict_del(t, d, I(3));
    Value c = mv_dict_copy(t, d);
    cr_assert_eq(mv_richcompare_bool(t, d, c, MV_EQ), 1);
    mv_dict_set(t, c, I(3), I(0));
    cr_assert_eq(mv_richcompare_bool(t, d, c, MV_EQ), 0);
    Value keys = mv_dict_keys_list(d);
    cr_assert_eq(mv_list_size(keys), 19);
    MV_DECREF(keys);
    MV_DECREF(c);
    MV_DECREF(d);
}
