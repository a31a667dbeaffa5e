/* test_pickle.c: the C API of minivm's pickle (stdlib/pickle.h): round trips of the built-in
 * types, shared references and cycles, and malformed input: every truncation of a valid pickle
 * and every single-byte corruption raises an error (never crashes or leaks objects). */
#include <criterion/criterion.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "stdlib/pickle.h"
#include "tuple.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(pickle, .init = setup);

static Value eval(const char *expr) {
    Value code = mv_compile(t, expr, strlen(expr), "<test>", MV_COMPILE_EVAL);
    cr_assert_not_null(code, "compile %s", expr);
    Value globals = mv_dict_new();
    mv_dict_set_cstr(t, globals, "__builtins__", vm->builtins_module);
    Value v = mv_eval_code(t, code, globals, NULL);
    MV_DECREF(code);
    MV_DECREF(globals);
    cr_assert_not_null(v, "eval %s", expr);
    return v;
}

static Value roundtrip(Value v) {
    Value b = mv_pickle_dumps(t, v);
    cr_assert_not_null(b);
    cr_assert(mv_bytes_check(b));
    Value r = mv_pickle_loads(t, mv_bytes_data(b), mv_bytes_size(b));
    MV_DECREF(b);
    cr_assert_not_null(r);
    return r;
}

static const char *const samples[] = {
    "None", "True", "0", "-1", "2**62", "-2**62 - 1", "2**64", "-(3**100)", "1.5", "-0.0", "''", "'abc'",
    "'h\\u00e9\\u65e5\\U0001f600'", "b'\\x00\\xff'", "bytearray(b'xy')", "()", "(1, 'a', (2,))", "[1, [2, [3]]]",
    "{'a': 1, 2: [3], (4,): None}", "{1, 2, 3}", "frozenset({'x'})", "...", "range(1, 10, 3)", "slice(1, None, 2)",
    "[{'id': i, 'name': 'x', 'v': 1.5} for i in range(50)]", "list(range(-300, 300, 7))", "len", "ValueError('x', 1)",
};

Test(pickle, roundtrip_equal) {
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        Value v = eval(samples[i]);
        Value r = roundtrip(v);
        Value rv = mv_repr(t, v), rr = mv_repr(t, r);
        cr_assert_str_eq(mv_str_data(rr), mv_str_data(rv), "%s", samples[i]);
        cr_assert_eq(MV_TYPE(r), MV_TYPE(v), "%s", samples[i]);
        MV_DECREF(rv);
        MV_DECREF(rr);
        MV_DECREF(r);
        MV_DECREF(v);
    }
}

Test(pickle, shared_and_cycles) {
    Value x = mv_list_new(0);
    Value outer = mv_list_new(0);
    mv_list_append(outer, x);
    mv_list_append(outer, x);
    mv_list_append(outer, outer); /* a cycle */
    Value r = roundtrip(outer);
    cr_assert_eq(MV_LIST_GET(r, 0), MV_LIST_GET(r, 1));
    cr_assert_eq(MV_LIST_GET(r, 2), r);
    mv_list_items(r)[2] = MV_NONE; /* break the cycles so that both lists are freed */
    MV_DECREF(r);
    mv_list_items(outer)[2] = MV_NONE;
    MV_DECREF(outer);
    MV_DECREF(x);
}

Test(pickle, every_truncation_and_corruption_fails_cleanly) {
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        Value v = eval(samples[i]);
        Value b = mv_pickle_dumps(t, v);
        cr_assert_not_null(b);
        size_t n = mv_bytes_size(b);
        unsigned char *buf = malloc(n);
        for (size_t len = 0; len < n; len++) {
            memcpy(buf, mv_bytes_data(b), len);
            size_t before = 0;
            for (int pass = 0; pass < 2; pass++) { /* the first pass may create caches */
                if (pass) before = mv_mem_live_objects();
                Value r = mv_pickle_loads(t, buf, len);
                cr_assert_null(r, "%s cut at %zu loaded", samples[i], len);
                cr_assert(mv_err_occurred(t));
                mv_err_clear(t);
            }
            cr_assert_leq(mv_mem_live_objects(), before, "%s cut at %zu leaked", samples[i], len);
        }
        for (size_t pos = 0; pos < n; pos++) {
            static const unsigned char flips[] = {0x00, 0xff, 0x80, 0x7f, 'l', 'g', 'R'};
            for (size_t k = 0; k < sizeof flips; k++) {
                memcpy(buf, mv_bytes_data(b), n);
                buf[pos] = flips[k];
                Value r = mv_pickle_loads(t, buf, n);
                if (r) MV_DECREF(r);
                else mv_err_clear(t);
            }
        }
        free(buf);
        MV_DECREF(b);
        MV_DECREF(v);
    }
}

Test(pickle, too_deep_is_an_error) {
    Value v = mv_list_new(0);
    for (int i = 0; i < 50000; i++) {
        Value w = mv_list_new(0);
        mv_list_append_steal(w, v);
        v = w;
    }
    cr_assert_null(mv_pickle_dumps(t, v));
    cr_assert(mv_err_matches(t, &mv_exc_RecursionError));
    mv_err_clear(t);
    /* free it without deep recursion in the list dealloc */
    while (mv_list_size(v)) {
        Value inner = mv_newref(MV_LIST_GET(v, 0));
        MV_DECREF(v);
        v = inner;
    }
    MV_DECREF(v);
}
