/* test_list.c: the list and tuple C layer: growth, slicing and slice assignment, the stable
 * sort, repr with the recursion guard, tuple hashing as CPython 3.11, set iteration order. */
#include <criterion/criterion.h>
#include <string.h>

#include "abstract.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(list, .init = setup);

static Value I(int64_t i) { return mv_int_from_i64(i); }

static void expect_repr(Value v, const char *s) {
    cr_assert_not_null(v);
    Value r = mv_repr(t, v);
    cr_assert_not_null(r);
    cr_assert_str_eq(mv_str_data(r), s);
    MV_DECREF(r);
}

static Value range_list(int64_t n) {
    Value l = mv_list_new(0);
    for (int64_t i = 0; i < n; i++) mv_list_append_steal(l, I(i));
    return l;
}

Test(list, append_and_index) {
    Value l = range_list(100);
    cr_assert_eq(mv_list_size(l), 100);
    cr_assert_eq(MV_SMALL_VAL(MV_LIST_GET(l, 57)), 57);
    Value x = mv_getitem(t, l, I(-1));
    cr_assert_eq(MV_SMALL_VAL(x), 99);
    cr_assert_null(mv_getitem(t, l, I(100)));
    cr_assert(mv_err_matches(t, &mv_exc_IndexError));
    mv_err_clear(t);
    MV_DECREF(l);
}

Test(list, repr_and_recursion_guard) {
    Value l = range_list(3);
    expect_repr(l, "[0, 1, 2]");
    mv_list_append(l, l);
    expect_repr(l, "[0, 1, 2, [...]]");
    /* break the cycle: there is no cycle collector */
    Value self = mv_list_items(l)[3];
    mv_list_items(l)[3] = MV_NONE;
    (void)self;
    Value e = mv_list_new(0);
    expect_repr(e, "[]");
    MV_DECREF(e);
    MV_DECREF(l);
}

Test(list, slices) {
    Value l = range_list(10);
    Value s = mv_slice_new(I(1), I(8), I(3));
    expect_repr(mv_getitem(t, l, s), "[1, 4, 7]");
    Value r = mv_slice_new(NULL, NULL, I(-1));
    expect_repr(mv_getitem(t, l, r), "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]");
    /* extended slice assignment with the wrong size */
    Value two = range_list(2);
    cr_assert_eq(mv_setitem(t, l, s, two), -1);
    cr_assert(mv_err_matches(t, &mv_exc_ValueError));
    mv_err_clear(t);
    /* plain slice assignment can resize */
    Value s2 = mv_slice_new(I(2), I(9), NULL);
    cr_assert_eq(mv_setitem(t, l, s2, two), 0);
    expect_repr(l, "[0, 1, 0, 1, 9]");
    cr_assert_eq(mv_delitem(t, l, r), 0);
    expect_repr(l, "[]");
    MV_DECREF(l);
}

Test(list, sort_is_stable_and_reversible) {
    Value l = mv_list_new(0);
    int64_t vals[] = {5, 3, 9, 1, 3, 7, 0, 2, 8, 6, 4};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) mv_list_append_steal(l, I(vals[i]));
    cr_assert_eq(mv_list_sort(t, l, NULL, false), 0);
    expect_repr(l, "[0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]");
    cr_assert_eq(mv_list_sort(t, l, NULL, true), 0);
    expect_repr(l, "[9, 8, 7, 6, 5, 4, 3, 3, 2, 1, 0]");
    /* a long list exercises the merge phase */
    Value big = mv_list_new(0);
    for (int64_t i = 0; i < 1000; i++) mv_list_append_steal(big, I((i * 7919) % 1000));
    cr_assert_eq(mv_list_sort(t, big, NULL, false), 0);
    for (int64_t i = 0; i < 1000; i++) cr_assert_eq(MV_SMALL_VAL(MV_LIST_GET(big, i)), i);
    MV_DECREF(big);
    MV_DECREF(l);
}

Test(list, tuple_hash_matches_cpython) {
    int64_t h;
    cr_assert_eq(mv_hash(t, MV_EMPTY_TUPLE, &h), 0);
    cr_assert_eq(h, 5740354900026072187LL); /* hash(()) in CPython 3.11 */
    Value tp = mv_tuple_pack(2, I(1), I(2));
    cr_assert_eq(mv_hash(t, tp, &h), 0);
    cr_assert_eq(h, -3550055125485641917LL); /* hash((1, 2)) */
    expect_repr(tp, "(1, 2)");
    Value one = mv_tuple_pack(1, I(1));
    expect_repr(one, "(1,)");
    MV_DECREF(one);
    MV_DECREF(tp);
}

Test(list, set_order_matches_cpython) {
    Value s = mv_set_new(t, NULL);
    int64_t vals[] = {3, 1, 2, -1, 5, 100};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) mv_set_add(t, s, I(vals[i]));
    expect_repr(s, "{1, 2, 3, 100, 5, -1}");
    MV_DECREF(s);
}
