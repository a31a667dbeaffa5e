/* test_object.c: the object model's C layer: allocation accounting and failure injection, the
 * singletons, attribute lookup, slot wrappers, heap classes made with type(name, bases, ns),
 * operator dispatch and its error texts, argument parsing. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "func.h"
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

TestSuite(object, .init = setup);

static Value I(int64_t i) { return mv_int_from_i64(i); }
static Value S(const char *s) { return mv_str_intern_cstr(t, s); }

static void expect_str(Value v, const char *s) {
    cr_assert_not_null(v);
    cr_assert(mv_str_check(v));
    cr_assert_str_eq(mv_str_data(v), s);
    MV_DECREF(v);
}

/* the current exception is of `type` with message `msg`; clears it */
static void expect_error(mv_type *type, const char *msg) {
    cr_assert(mv_err_occurred(t));
    cr_assert(mv_err_matches(t, type), "wrong exception type");
    Value e = mv_err_fetch(t);
    Value s = mv_str(t, e);
    cr_assert_not_null(s);
    cr_assert_str_eq(mv_str_data(s), msg);
    MV_DECREF(s);
    MV_DECREF(e);
}

Test(object, alloc_accounting) {
    size_t objs = mv_mem_live_objects(), allocs = mv_mem_live_allocs();
    Value o = mv_object_new(&mv_object_type);
    cr_assert_eq(mv_mem_live_objects(), objs + 1);
    cr_assert_eq(o->refcnt, 1);
    MV_DECREF(o);
    cr_assert_eq(mv_mem_live_objects(), objs);
    cr_assert_eq(mv_mem_live_allocs(), allocs);
    void *p = mv_malloc(10);
    p = mv_realloc(p, 1000);
    cr_assert_eq(mv_mem_live_allocs(), allocs + 1);
    mv_free(p);
    cr_assert_eq(mv_mem_live_allocs(), allocs);
}

Test(object, injected_failure_aborts, .signal = SIGABRT) {
    mv_mem_fail_after(2);
    for (int i = 0; i < 3; i++) mv_malloc(8);
}

Test(object, singletons) {
    expect_str(mv_repr(t, MV_NONE), "None");
    expect_str(mv_repr(t, MV_NOTIMPL), "NotImplemented");
    expect_str(mv_repr(t, MV_ELLIPSIS), "Ellipsis");
    cr_assert_eq(mv_truthy(t, MV_NONE), 0);
    cr_assert_eq(mv_truthy(t, MV_ELLIPSIS), 1);
    cr_assert_str_eq(mv_type_name(MV_NONE), "NoneType");
    expect_str(mv_repr(t, (Value)&mv_none_type), "<class 'NoneType'>");
    expect_str(mv_repr(t, (Value)&mv_object_type), "<class 'object'>");
}

Test(object, plain_object_repr_and_attrs) {
    Value o = mv_call0(t, (Value)&mv_object_type);
    cr_assert_not_null(o);
    Value r = mv_repr(t, o);
    cr_assert(!strncmp(mv_str_data(r), "<object object at 0x", 20));
    MV_DECREF(r);
    cr_assert_null(mv_getattr(t, o, S("x")));
    expect_error(&mv_exc_AttributeError, "'object' object has no attribute 'x'");
    cr_assert_eq(mv_setattr(t, o, S("x"), I(1)), -1);
    expect_error(&mv_exc_AttributeError, "'object' object has no attribute 'x'");
    cr_assert_null(mv_getattr_opt(t, o, S("x")));
    cr_assert(!mv_err_occurred(t));
    Value c = mv_getattr(t, o, S("__class__"));
    cr_assert_eq(c, (Value)&mv_object_type);
    MV_DECREF(c);
    cr_assert_null(mv_call1(t, (Value)&mv_object_type, I(1)));
    expect_error(&mv_exc_TypeError, "object() takes no arguments");
    MV_DECREF(o);
}

Test(object, slot_wrappers) {
    Value add = mv_getattr(t, (Value)&mv_int_type, S("__add__"));
    cr_assert_not_null(add);
    expect_str(mv_repr(t, add), "<slot wrapper '__add__' of 'int' objects>");
    Value r = mv_call2(t, add, I(2), I(3));
    cr_assert_eq(r, I(5));
    MV_DECREF(add);
    Value radd = mv_getattr(t, I(10), S("__radd__"));
    r = mv_call1(t, radd, I(1));
    cr_assert_eq(r, I(11));
    MV_DECREF(radd);
    Value lt = mv_getattr(t, I(1), S("__lt__"));
    r = mv_call1(t, lt, I(2));
    cr_assert_eq(r, MV_TRUE);
    MV_DECREF(lt);
    Value e = mv_getattr(t, (Value)&mv_object_type, S("__eq__"));
    expect_str(mv_repr(t, e), "<slot wrapper '__eq__' of 'object' objects>");
    r = mv_call2(t, e, MV_NONE, MV_NONE);
    cr_assert_eq(r, MV_TRUE);
    r = mv_call2(t, e, MV_NONE, I(1));
    cr_assert_eq(r, MV_NOTIMPL);
    MV_DECREF(e);
}

Test(object, operator_errors) {
    Value s = mv_str_from_cstr("a");
    cr_assert_null(mv_binary_op(t, I(1), s, MV_BINOP_ADD));
    expect_error(&mv_exc_TypeError, "unsupported operand type(s) for +: 'int' and 'str'");
    cr_assert_null(mv_binary_op(t, I(1), s, MV_BINOP_ADD | MV_BINOP_INPLACE));
    expect_error(&mv_exc_TypeError, "unsupported operand type(s) for +=: 'int' and 'str'");
    cr_assert_null(mv_binary_op(t, s, I(1), MV_BINOP_POW));
    expect_error(&mv_exc_TypeError, "unsupported operand type(s) for ** or pow(): 'str' and 'int'");
    cr_assert_null(mv_unary_neg(t, s));
    expect_error(&mv_exc_TypeError, "bad operand type for unary -: 'str'");
    cr_assert_null(mv_richcompare(t, I(1), s, MV_LT));
    expect_error(&mv_exc_TypeError, "'<' not supported between instances of 'int' and 'str'");
    cr_assert_eq(mv_richcompare_bool(t, I(1), s, MV_EQ), 0);
    cr_assert_eq(mv_richcompare_bool(t, I(1), s, MV_NE), 1);
    Value l = mv_list_new(0);
    int64_t hv;
    cr_assert_eq(mv_hash(t, l, &hv), -1);
    expect_error(&mv_exc_TypeError, "unhashable type: 'list'");
    cr_assert_null(mv_call0(t, I(3)));
    expect_error(&mv_exc_TypeError, "'int' object is not callable");
    cr_assert_null(mv_iter(t, I(3)));
    expect_error(&mv_exc_TypeError, "'int' object is not iterable");
    cr_assert_eq(mv_len(t, I(3)), -1);
    expect_error(&mv_exc_TypeError, "object of type 'int' has no len()");
    cr_assert_null(mv_getitem(t, I(3), I(0)));
    expect_error(&mv_exc_TypeError, "'int' object is not subscriptable");
    cr_assert_eq(mv_contains(t, I(3), I(0)), -1);
    expect_error(&mv_exc_TypeError, "argument of type 'int' is not iterable");
    MV_DECREF(l);
    MV_DECREF(s);
}

Test(object, isinstance) {
    Value tup = mv_tuple_pack(2, (Value)&mv_str_type, (Value)&mv_int_type);
    cr_assert_eq(mv_isinstance(t, MV_TRUE, tup), 1);
    cr_assert_eq(mv_isinstance(t, MV_NONE, tup), 0);
    cr_assert_eq(mv_isinstance(t, MV_NONE, (Value)&mv_object_type), 1);
    cr_assert_eq(mv_isinstance(t, MV_NONE, I(1)), -1);
    expect_error(&mv_exc_TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union");
    cr_assert_eq(mv_issubclass(t, (Value)&mv_bool_type, (Value)&mv_int_type), 1);
    MV_DECREF(tup);
}

Test(object, heap_class) {
    Value ns = mv_dict_new();
    mv_dict_set(t, ns, S("__module__"), S("__main__"));
    mv_dict_set(t, ns, S("k"), I(42));
    Value bases = mv_tuple_new(0);
    Value C = mv_type_new_class(t, S("C"), bases, ns);
    cr_assert_not_null(C);
    expect_str(mv_repr(t, C), "<class '__main__.C'>");
    Value o = mv_call0(t, C);
    cr_assert_not_null(o);
    Value r = mv_repr(t, o);
    cr_assert(!strncmp(mv_str_data(r), "<__main__.C object at 0x", 24));
    MV_DECREF(r);
    Value k = mv_getattr(t, o, S("k"));
    cr_assert_eq(k, I(42));
    cr_assert_eq(mv_setattr(t, o, S("x"), I(7)), 0);
    cr_assert_eq(mv_getattr(t, o, S("x")), I(7));
    cr_assert_null(mv_getattr(t, o, S("y")));
    expect_error(&mv_exc_AttributeError, "'C' object has no attribute 'y'");
    cr_assert_null(mv_getattr(t, C, S("y")));
    expect_error(&mv_exc_AttributeError, "type object 'C' has no attribute 'y'");
    /* class attribute assignment is seen through the method cache */
    cr_assert_eq(mv_setattr(t, C, S("k"), I(5)), 0);
    cr_assert_eq(mv_getattr(t, o, S("k")), I(5));
    MV_DECREF(o);
    /* a subclass of list with a __dict__ */
    Value ns2 = mv_dict_new();
    Value b2 = mv_tuple_pack(1, (Value)&mv_list_type);
    Value L = mv_type_new_class(t, S("L"), b2, ns2);
    cr_assert_not_null(L);
    Value lo = mv_call0(t, L);
    cr_assert_not_null(lo);
    cr_assert(mv_list_check(lo));
    cr_assert_eq(mv_setattr(t, lo, S("tag"), I(1)), 0);
    cr_assert_eq(mv_len(t, lo), 0);
    MV_DECREF(lo);
    /* two bases: single inheritance only */
    Value b3 = mv_tuple_pack(2, (Value)&mv_list_type, (Value)&mv_dict_type);
    cr_assert_null(mv_type_new_class(t, S("X"), b3, ns2));
    cr_assert(mv_err_matches(t, &mv_exc_TypeError));
    mv_err_clear(t);
    MV_DECREF(b3);
    MV_DECREF(b2);
    MV_DECREF(ns2);
    MV_DECREF(L);
    MV_DECREF(C);
    MV_DECREF(bases);
    MV_DECREF(ns);
}

Test(object, parse_args) {
    static const char *const kwlist[] = {"a", "b", "$c", NULL};
    Value out[3];
    Value args[4] = {I(1), I(2), I(3), I(4)};
    cr_assert_eq(mv_parse_args(t, "f", args, 2, NULL, kwlist, 1, out), 0);
    cr_assert_eq(out[0], I(1));
    cr_assert_eq(out[1], I(2));
    cr_assert_null(out[2]);
    cr_assert_eq(mv_parse_args(t, "f", args, 3, NULL, kwlist, 1, out), -1);
    expect_error(&mv_exc_TypeError, "f() takes at most 2 positional arguments (3 given)");
    cr_assert_eq(mv_parse_args(t, "f", args, 0, NULL, kwlist, 1, out), -1);
    expect_error(&mv_exc_TypeError, "f() missing required argument 'a' (pos 1)");
    Value kw = mv_tuple_pack(1, S("c"));
    cr_assert_eq(mv_parse_args(t, "f", args, 1, kw, kwlist, 1, out), 0);
    cr_assert_eq(out[2], I(2));
    MV_DECREF(kw);
    kw = mv_tuple_pack(1, S("zz"));
    cr_assert_eq(mv_parse_args(t, "f", args, 1, kw, kwlist, 1, out), -1);
    expect_error(&mv_exc_TypeError, "'zz' is an invalid keyword argument for f()");
    MV_DECREF(kw);
    cr_assert_eq(mv_check_nargs(t, "divmod", 1, 2, 2), -1);
    expect_error(&mv_exc_TypeError, "divmod expected 2 arguments, got 1");
}
