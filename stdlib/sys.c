/* sys.c: the sys module: argv, path, modules, the standard streams, version information, exit,
 * recursion limit, switch interval (the GIL's), exc_info, intern, getrefcount.
 * It shares its lists and dicts with mv_vm (vm->argv, vm->path, vm->modules).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "str.h"
#include "tuple.h"

static Value sys_exit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "exit", kwnames) < 0 || mv_check_nargs(t, "exit", nargs, 0, 1) < 0) return NULL;
    return mv_err_set_value(t, &mv_exc_SystemExit, nargs ? args[0] : NULL);
}

static Value sys_getrecursionlimit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(t->vm->recursion_limit);
}

static Value sys_setrecursionlimit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setrecursionlimit", nargs, 1, 1) < 0) return NULL;
    if (mv_float_check(args[0])) return mv_err_set(t, &mv_exc_TypeError, "'float' object cannot be interpreted as an integer");
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) return NULL;
    if (n < 1) return mv_err_set(t, &mv_exc_ValueError, "recursion limit must be greater or equal than 1");
    if (n > INT_MAX) return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C int");
    if (t->depth >= n)
        return mv_err_format(t, &mv_exc_RecursionError,
                             "cannot set the recursion limit to %d at the recursion depth %d: the limit is too low",
                             (int)n, t->depth);
    t->vm->recursion_limit = (int)n;
    return mv_newref(MV_NONE);
}

static Value sys_getrefcount(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getrefcount", nargs, 1, 1) < 0) return NULL;
    Value v = args[0];
    if (MV_IS_SMALL(v)) return mv_int_from_i64(MV_IMMORTAL_REFCNT >> 40);
    /* the argument on the caller's stack holds one of these references, as in CPython */
    return mv_int_from_i64((int64_t)v->refcnt);
}

static Value sys_exc_info(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value h = t->handled;
    if (!h || h == MV_NONE) return mv_tuple_pack(3, MV_NONE, MV_NONE, MV_NONE);
    mv_exc *e = (mv_exc *)h;
    return mv_tuple_pack(3, (Value)MV_TYPE(h), h, e->traceback ? e->traceback : MV_NONE);
}

static Value sys_exception(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_newref(t->handled ? t->handled : MV_NONE);
}

static Value sys_intern(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "intern", nargs, 1, 1) < 0) return NULL;
    if (!MV_IS_SMALL(args[0]) && args[0]->type != &mv_str_type)
        return mv_err_format(t, &mv_exc_TypeError, "intern() argument must be str, not %T", args[0]);
    return mv_str_intern(t, mv_newref(args[0]));
}

static Value sys_getswitchinterval(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_float_new(t->vm->switch_interval);
}

static Value sys_setswitchinterval(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setswitchinterval", nargs, 1, 1) < 0) return NULL;
    double d;
    if (mv_as_double(t, args[0], &d) < 0) return NULL;
    if (d <= 0) return mv_err_set(t, &mv_exc_ValueError, "switch interval must be strictly positive");
    mv_gil_set_interval(t->vm, d); /* the GIL's waiters read it (runtime/gil.c) */
    return mv_newref(MV_NONE);
}

/* sys.getgilstats() (minivm only): the GIL's counters, see runtime/gil.c */
static Value sys_getgilstats(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getgilstats", nargs, 0, 0) < 0) return NULL;
    return mv_gil_stats(t);
}

static Value sys_getdefaultencoding(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_str_from_cstr("utf-8");
}

static Value sys_displayhook(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "displayhook", nargs, 1, 1) < 0) return NULL;
    Value v = args[0];
    if (v == MV_NONE) return mv_newref(MV_NONE);
    if (mv_dict_set_cstr(t, t->vm->builtins, "_", MV_NONE) < 0) return NULL;
    Value r = mv_repr(t, v);
    if (!r) return NULL;
    int rc = mv_file_write_str(t, t->vm->stdout_obj, r);
    MV_DECREF(r);
    if (rc < 0) return NULL;
    Value nl = mv_str_from_cstr("\n");
    rc = mv_file_write_str(t, t->vm->stdout_obj, nl);
    MV_DECREF(nl);
    if (rc < 0) return NULL;
    if (mv_dict_set_cstr(t, t->vm->builtins, "_", v) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static const mv_method_def sys_methods[] = {
    {"exit", sys_exit, 0, "Exit the interpreter by raising SystemExit(status)."},
    {"getrecursionlimit", sys_getrecursionlimit, MV_METH_NOARGS, NULL},
    {"setrecursionlimit", sys_setrecursionlimit, 0, NULL},
    {"getrefcount", sys_getrefcount, 0, NULL},
    {"exc_info", sys_exc_info, MV_METH_NOARGS, NULL},
    {"exception", sys_exception, MV_METH_NOARGS, NULL},
    {"intern", sys_intern, 0, NULL},
    {"getswitchinterval", sys_getswitchinterval, MV_METH_NOARGS, NULL},
    {"setswitchinterval", sys_setswitchinterval, 0, NULL},
    {"getgilstats", sys_getgilstats, 0, NULL},
    {"getdefaultencoding", sys_getdefaultencoding, MV_METH_NOARGS, NULL},
    {"getfilesystemencoding", sys_getdefaultencoding, MV_METH_NOARGS, NULL},
    {"displayhook", sys_displayhook, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* sys.version_info: a 5-tuple with named fields (a struct sequence in CPython) */
static const char *const vi_names[5] = {"major", "minor", "micro", "releaselevel", "serial"};
static Value vi_get(Value self, int i) { return mv_newref(MV_TUPLE_GET(self, i)); }
static Value vi_major(mv_thread *t, Value self) { return vi_get(self, 0); }
static Value vi_minor(mv_thread *t, Value self) { return vi_get(self, 1); }
static Value vi_micro(mv_thread *t, Value self) { return vi_get(self, 2); }
static Value vi_level(mv_thread *t, Value self) { return vi_get(self, 3); }
static Value vi_serial(mv_thread *t, Value self) { return vi_get(self, 4); }
static const mv_getset_def vi_getsets[] = {
    {"major", vi_major, NULL}, {"minor", vi_minor, NULL}, {"micro", vi_micro, NULL},
    {"releaselevel", vi_level, NULL}, {"serial", vi_serial, NULL}, {NULL, NULL, NULL},
};
static Value vi_repr(mv_thread *t, Value self) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "sys.version_info(");
    for (int i = 0; i < 5; i++) {
        if (i) mv_strbuf_adds(&b, ", ");
        mv_strbuf_adds(&b, vi_names[i]);
        mv_strbuf_addc(&b, '=');
        if (mv_strbuf_add_value_repr(t, &b, MV_TUPLE_GET(self, i)) < 0) {
            mv_strbuf_free(&b);
            return NULL;
        }
    }
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
}
static void vi_dealloc(Value self) {
    for (size_t i = 0; i < mv_tuple_size(self); i++) MV_XDECREF(MV_TUPLE_GET(self, i));
}
static mv_type version_info_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "version_info",
    .basicsize = sizeof(mv_tuple) + 5 * sizeof(Value),
    .flags = MV_TPFLAG_TUPLE_SUBCLASS,
    .base = &mv_tuple_type,
    .dealloc = vi_dealloc,
    .repr = vi_repr,
    .getsets = vi_getsets,
};

static Value make_version_info(void) {
    if (!(version_info_type.flags & MV_TPFLAG_READY)) {
        version_info_type.module = mv_str_from_cstr("sys");
        mv_type_ready(&version_info_type);
    }
    mv_tuple *tp = (mv_tuple *)mv_object_new_sized(&version_info_type, sizeof(mv_tuple) + 5 * sizeof(Value));
    tp->size = 5;
    tp->hash = -1;
    tp->items[0] = MV_FROM_SMALL(3);
    tp->items[1] = MV_FROM_SMALL(11);
    tp->items[2] = MV_FROM_SMALL(0);
    tp->items[3] = mv_str_from_cstr("final");
    tp->items[4] = MV_FROM_SMALL(0);
    return (Value)tp;
}

#define ADD(name, v) do { Value _v = (v); int _r = mv_module_add(t, m, name, _v); MV_DECREF(_v); if (_r < 0) goto fail; } while (0)

Value mv_sys_module_init(mv_thread *t) {
    mv_vm *vm = t->vm;
    Value m = mv_module_new(t, "sys");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, sys_methods) < 0) goto fail;
    ADD("argv", mv_newref(vm->argv));
    ADD("path", mv_newref(vm->path));
    ADD("modules", mv_newref(vm->modules));
    ADD("stdin", mv_newref(vm->stdin_obj));
    ADD("stdout", mv_newref(vm->stdout_obj));
    ADD("stderr", mv_newref(vm->stderr_obj));
    ADD("__stdin__", mv_newref(vm->stdin_obj));
    ADD("__stdout__", mv_newref(vm->stdout_obj));
    ADD("__stderr__", mv_newref(vm->stderr_obj));
    ADD("version", mv_str_from_cstr("3.11.0 (minivm 0.1.0) [C11]"));
    ADD("version_info", make_version_info());
    ADD("hexversion", mv_int_from_i64(0x030b00f0));
    {
        Value impl = mv_module_new(t, "implementation");
        if (!impl) goto fail;
        mv_module_add(t, impl, "name", mv_str_from_cstr("minivm"));
        mv_module_add(t, impl, "version", mv_tuple_pack(5, MV_FROM_SMALL(0), MV_FROM_SMALL(1), MV_FROM_SMALL(0),
                                                        mv_str_from_cstr("final"), MV_FROM_SMALL(0)));
        mv_module_add(t, impl, "cache_tag", MV_NONE);
        ADD("implementation", impl);
    }
    ADD("platform", mv_str_from_cstr("linux"));
    ADD("byteorder", mv_str_from_cstr("little"));
    ADD("maxsize", mv_int_from_i64(INT64_MAX));
    ADD("maxunicode", mv_int_from_i64(0x10FFFF));
    {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        ADD("executable", mv_str_from_cstr(exe));
    }
    ADD("prefix", mv_str_from_cstr("/usr/local"));
    ADD("dont_write_bytecode", mv_newref(MV_TRUE));
    ADD("builtin_module_names", mv_tuple_pack(7, mv_str_from_cstr("builtins"), mv_str_from_cstr("sys"),
                                              mv_str_from_cstr("math"), mv_str_from_cstr("time"),
                                              mv_str_from_cstr("os"), mv_str_from_cstr("random"),
                                              mv_str_from_cstr("posix")));
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
