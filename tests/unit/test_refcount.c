/* test_refcount.c: the compiler and eval loop do not leak references: scripts without reference
 * cycles are run twice (the first run warms interned names and caches), and the second run must
 * leave exactly as many live objects behind as there were before it. */
#include <criterion/criterion.h>
#include <string.h>

#include "abstract.h"
#include "code.h"
#include "dict.h"
#include "str.h"

static mv_vm *vm;
static mv_thread *t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    t = mv_vm_main_thread(vm);
}

TestSuite(refcount, .init = setup);

static void run_once(const char *src) {
    Value globals = mv_dict_new();
    Value name = mv_str_from_cstr("__main__");
    mv_dict_set_cstr(t, globals, "__name__", name);
    MV_DECREF(name);
    Value code = mv_compile(t, src, strlen(src), "<refcount>", MV_COMPILE_EXEC);
    if (!code) mv_err_print(t);
    cr_assert_not_null(code);
    Value r = mv_eval_code(t, code, globals, NULL);
    if (!r) mv_err_print(t);
    cr_assert_not_null(r);
    MV_DECREF(r);
    MV_DECREF(code);
    mv_dict_clear(globals); /* functions refer to their globals: break that cycle */
    MV_DECREF(globals);
}

/* Live allocations (every object is one): balanced exactly when nothing leaks.  (Counting
   objects alone is not enough while some types allocate their objects with plain mv_malloc.) */
static void check_no_leak(const char *src) {
    run_once(src);
    run_once(src);
    size_t before = mv_mem_live_allocs();
    run_once(src);
    size_t after = mv_mem_live_allocs();
    cr_assert_eq(after, before, "leaked %ld allocations", (long)after - (long)before);
}

Test(refcount, loops_and_arith) {
    check_no_leak("def countdown(n):\n    while n > 0:\n        n -= 1\n    return n\n"
                  "countdown(1000)\nx = 0\nfor i in range(100):\n    x += i * 2 ** 70\n"
                  "s = ''\nfor c in 'abc':\n    s = s + c * 3\nf = 1.5 * 2\n");
}

Test(refcount, calls_and_closures) {
    check_no_leak("def fib(n): return n if n < 2 else fib(n-1) + fib(n-2)\nfib(12)\n"
                  "def mk(a, b=2, *args, c=3, **kw):\n    def inner(x):\n        return a + b + c + x + len(args) + len(kw)\n    return inner\n"
                  "mk(1)(2)\nmk(1, 2, 3, 4, c=5, d=6)(7)\nmk(*[1, 2], **{'c': 1})(0)\n"
                  "l = [i * i for i in range(20) if i % 2]\nd = {k: str(k) for k in range(5)}\n"
                  "t = tuple(x for x in range(10))\na, *b, c = range(7)\n"
                  "m = [1, 2, 3]; m[0] += 1; m.append(4); s = f'{m!r} {a:>4} {b}'\n");
}

Test(refcount, exceptions) {
    check_no_leak("def f(x):\n    return {}[x]\n"
                  "for i in range(5):\n    try:\n        f(i)\n    except KeyError as e:\n        r = repr(e)\n    finally:\n        z = i\n"
                  "def g():\n    try:\n        try:\n            1 / 0\n        except ZeroDivisionError as e:\n            raise ValueError('v') from e\n    except ValueError:\n        return 1\n"
                  "g()\n"
                  "def h():\n    for i in range(3):\n        try:\n            if i == 1:\n                continue\n            if i == 2:\n                break\n        finally:\n            pass\n    return i\nh()\n"
                  "def rec(n): return rec(n + 1)\n"
                  "try:\n    rec(0)\nexcept RecursionError:\n    pass\n");
}

Test(refcount, generators) {
    check_no_leak("def gen(n):\n    for i in range(n):\n        x = yield i\n    return n\n"
                  "list(gen(5))\ng = gen(3); next(g); g.send(1); g.close()\n"
                  "def deleg():\n    r = yield from gen(4)\n    yield r\nlist(deleg())\n"
                  "def fin():\n    try:\n        yield 1\n    finally:\n        pass\n"
                  "g = fin(); next(g); del g\nsum(x * 2 for x in range(10))\n"
                  "def stop():\n    raise StopIteration\n    yield\n"
                  "try:\n    list(stop())\nexcept RuntimeError:\n    pass\n");
}

Test(refcount, empty) { check_no_leak("pass\n"); }
Test(refcount, one_func) { check_no_leak("def f(): pass\n"); }
Test(refcount, one_call) { check_no_leak("x = 1 + 2\n"); }
