/* pickle.c: the pickle module (dumps/loads/dump/load, Pickler/Unpickler, the _pickle exception
 * classes) over minivm's own binary format, written by pickle_dump.c and read by pickle_load.c
 * (the format: pickle_internal.h).  Also the lookup of module-level names both halves share.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np: where this thread's stack ends */
#endif
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "modules.h"
#include "pickle.h"
#include "pickle_internal.h"
#include "str.h"
#include "tuple.h"

/* ---- the exception classes ----------------------------------------------------------------- */

/* Process-wide like the static exception types; created on first use.  CPython's are
   _pickle.PickleError etc., which is how they print in tracebacks. */
static mv_type *pickle_errors[3];

static mv_type *make_error(mv_thread *t, const char *name, mv_type *base) {
    Value ns = mv_dict_new(), nm = mv_str_from_cstr(name), mod = mv_str_from_cstr("_pickle");
    Value bases = mv_tuple_pack(1, (Value)base);
    mv_dict_set_cstr(t, ns, "__module__", mod);
    Value cls = mv_type_new_class(t, nm, bases, ns);
    MV_DECREF(ns);
    MV_DECREF(nm);
    MV_DECREF(mod);
    MV_DECREF(bases);
    return (mv_type *)cls;
}

mv_type *mv_pickle_error(mv_thread *t, int which) {
    if (!pickle_errors[0]) {
        Value pending = mv_err_fetch(t); /* creating a class must not see a pending error */
        pickle_errors[0] = make_error(t, "PickleError", &mv_exc_Exception);
        if (pickle_errors[0]) {
            pickle_errors[1] = make_error(t, "PicklingError", pickle_errors[0]);
            pickle_errors[2] = make_error(t, "UnpicklingError", pickle_errors[0]);
        }
        if (mv_err_occurred(t)) mv_err_clear(t);
        if (pending) mv_err_restore(t, pending);
    }
    return pickle_errors[which];
}

/* ---- the C stack --------------------------------------------------------------------------- */

uintptr_t mv_pickle_stack_limit(void) {
    static _Thread_local uintptr_t limit;
    if (!limit) {
        pthread_attr_t a;
        void *addr;
        size_t size;
        if (pthread_getattr_np(pthread_self(), &a) == 0) {
            if (pthread_attr_getstack(&a, &addr, &size) == 0) limit = (uintptr_t)addr + MV_PICKLE_STACK_MARGIN;
            pthread_attr_destroy(&a);
        }
        if (!limit) {
            char here;
            limit = (uintptr_t)&here - 1024 * 1024; /* unknown: assume 1 MiB more is there */
        }
    }
    return limit;
}

/* ---- module-level names -------------------------------------------------------------------- */

Value mv_pickle_import(mv_thread *t, Value module) {
    const char *name = mv_str_data(module);
    if (!*name || strlen(name) != mv_str_size(module))
        return mv_err_format(t, &mv_exc_ModuleNotFoundError, "No module named %R", module);
    /* the exception classes say they live in _pickle, as CPython's do */
    if (strcmp(name, "_pickle") == 0) name = "pickle";
    return mv_import_cstr(t, name);
}

Value mv_pickle_getattr_path(mv_thread *t, Value obj, Value qualname) {
    const char *s = mv_str_data(qualname), *end = s + mv_str_size(qualname);
    Value cur = mv_newref(obj);
    for (;;) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        size_t n = (size_t)((dot ? dot : end) - s);
        if (n == 0 || (n == 8 && memcmp(s, "<locals>", 8) == 0)) {
            MV_DECREF(cur);
            return mv_err_format(t, &mv_exc_AttributeError, "Can't get local attribute %R on %R", qualname, obj);
        }
        Value part = mv_str_intern(t, mv_str_new(s, n));
        Value next = mv_getattr(t, cur, part);
        MV_DECREF(part);
        MV_DECREF(cur);
        if (!next) return NULL;
        cur = next;
        if (!dot) return cur;
        s = dot + 1;
    }
}

Value mv_pickle_find_global(mv_thread *t, Value module, Value qualname) {
    Value mod = mv_pickle_import(t, module);
    if (!mod) return NULL;
    Value r = mv_pickle_getattr_path(t, mod, qualname);
    if (!r && mv_err_matches(t, &mv_exc_AttributeError)) {
        mv_err_clear(t);
        mv_err_format(t, &mv_exc_AttributeError, "Can't get attribute %R on %R", qualname, mod);
    }
    MV_DECREF(mod);
    return r;
}

/* ---- the Python functions ------------------------------------------------------------------ */

static int check_protocol(mv_thread *t, Value proto) {
    if (!proto || proto == MV_NONE) return 0;
    int64_t p;
    if (mv_index_int64(t, proto, &p) < 0) return -1;
    if (p > MV_PICKLE_HIGHEST_PROTOCOL) {
        mv_err_format(t, &mv_exc_ValueError, "pickle protocol must be <= %d", MV_PICKLE_HIGHEST_PROTOCOL);
        return -1;
    }
    return 0;
}

static Value pickle_dumps(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"obj", "protocol", "$fix_imports", "$buffer_callback", NULL};
    Value a[4];
    if (mv_parse_args(t, "dumps", args, nargs, kwnames, kw, 1, a) < 0 || check_protocol(t, a[1]) < 0)
        return NULL;
    return mv_pickle_dumps(t, a[0]);
}

/* data as immutable bytes: a bytearray is copied, since loading may run code that resizes it */
static Value loads_bytes(mv_thread *t, Value data) {
    const unsigned char *p;
    size_t n;
    if (!MV_IS_SMALL(data) && data->type == &mv_bytes_type) {
        p = mv_bytes_data(data);
        n = mv_bytes_size(data);
        return mv_pickle_loads(t, p, n);
    }
    if (!mv_bytes_like(data, &p, &n))
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", data);
    Value copy = mv_bytes_new(p, n);
    Value r = mv_pickle_loads(t, mv_bytes_data(copy), n);
    MV_DECREF(copy);
    return r;
}

static Value pickle_loads(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"/data", "$fix_imports", "$encoding", "$errors", "$buffers", NULL};
    Value a[5];
    if (mv_parse_args(t, "loads", args, nargs, kwnames, kw, 1, a) < 0) return NULL;
    return loads_bytes(t, a[0]);
}

static Value pickle_dump(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"obj", "file", "protocol", "$fix_imports", "$buffer_callback", NULL};
    Value a[5];
    if (mv_parse_args(t, "dump", args, nargs, kwnames, kw, 2, a) < 0 || check_protocol(t, a[2]) < 0) return NULL;
    static Value s_write;
    if (!s_write) s_write = mv_str_intern_cstr(t, "write");
    Value write = mv_getattr_opt(t, a[1], s_write);
    if (!write) {
        if (!mv_err_occurred(t)) mv_err_set(t, &mv_exc_TypeError, "file must have a 'write' attribute");
        return NULL;
    }
    Value data = mv_pickle_dumps(t, a[0]), r = NULL;
    if (data) r = mv_call1(t, write, data);
    MV_XDECREF(data);
    MV_DECREF(write);
    if (!r) return NULL;
    MV_DECREF(r);
    return mv_newref(MV_NONE);
}

/* file.read(n) that must give bytes; NULL on error. */
static Value read_bytes(mv_thread *t, Value read, size_t n) {
    Value arg = mv_int_from_u64(n);
    Value b = mv_call1(t, read, arg);
    MV_DECREF(arg);
    if (b && !mv_bytes_check(b)) {
        mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", b);
        MV_CLEAR(b);
    }
    return b;
}

/* Reads exactly one pickle: the header says how long it is, so the next one stays unread. */
static Value pickle_load(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kw[] = {"file", "$fix_imports", "$encoding", "$errors", "$buffers", NULL};
    Value a[5];
    if (mv_parse_args(t, "load", args, nargs, kwnames, kw, 1, a) < 0) return NULL;
    static Value s_read;
    if (!s_read) s_read = mv_str_intern_cstr(t, "read");
    Value read = mv_getattr_opt(t, a[0], s_read);
    if (!read) {
        if (!mv_err_occurred(t)) mv_err_set(t, &mv_exc_TypeError, "file must have 'read' and 'readline' attributes");
        return NULL;
    }
    unsigned char hdr[11];
    size_t have = 0;
    int64_t total = 0;
    Value result = NULL;
    while (have < sizeof hdr) {
        Value b = read_bytes(t, read, 1);
        if (!b) goto done;
        size_t n = mv_bytes_size(b);
        if (n) hdr[have++] = mv_bytes_data(b)[0];
        MV_DECREF(b);
        if (n == 0) {
            if (have == 0)
                mv_err_set(t, &mv_exc_EOFError, "Ran out of input");
            else
                mv_err_set(t, mv_pickle_error(t, MV_PICKLE_ERR_UNPICKLING), "pickle data was truncated");
            goto done;
        }
        total = mv_pickle_frame_size(t, hdr, have);
        if (total < 0) goto done;
        if (total > 0) break;
    }
    if (total <= 0) {
        mv_err_set(t, mv_pickle_error(t, MV_PICKLE_ERR_UNPICKLING), "invalid pickle header");
        goto done;
    }
    size_t rest = (size_t)total - have;
    Value body = read_bytes(t, read, rest);
    if (!body) goto done;
    if (mv_bytes_size(body) != rest) {
        MV_DECREF(body);
        mv_err_set(t, mv_pickle_error(t, MV_PICKLE_ERR_UNPICKLING), "pickle data was truncated");
        goto done;
    }
    unsigned char *all = mv_malloc((size_t)total);
    memcpy(all, hdr, have);
    memcpy(all + have, mv_bytes_data(body), rest);
    MV_DECREF(body);
    result = mv_pickle_loads(t, all, (size_t)total);
    mv_free(all);
done:
    MV_DECREF(read);
    return result;
}

static const mv_method_def pickle_functions[] = {
    {"dumps", pickle_dumps, 0, "Return the pickled representation of the object as a bytes object."},
    {"loads", pickle_loads, 0, "Read and return an object from the given pickle data."},
    {"dump", pickle_dump, 0, "Write a pickled representation of obj to the open file object file."},
    {"load", pickle_load, 0, "Read and return an object from the pickle data stored in a file."},
    {NULL, NULL, 0, NULL},
};

/* Pickler and Unpickler are thin: each dump is a complete pickle (no memo across dumps). */
static const char pickle_classes_src[] =
    "class Pickler:\n"
    "    __module__ = '_pickle'\n"
    "    def __init__(self, file, protocol=None, *, fix_imports=True, buffer_callback=None):\n"
    "        if not hasattr(file, 'write'):\n"
    "            raise TypeError(\"file must have a 'write' attribute\")\n"
    "        dumps(None, protocol)\n"
    "        self._file = file\n"
    "        self.protocol = protocol\n"
    "    def dump(self, obj):\n"
    "        self._file.write(dumps(obj))\n"
    "    def clear_memo(self):\n"
    "        pass\n"
    "class Unpickler:\n"
    "    __module__ = '_pickle'\n"
    "    def __init__(self, file, *, fix_imports=True, encoding='ASCII', errors='strict', buffers=()):\n"
    "        if not hasattr(file, 'read') or not hasattr(file, 'readline'):\n"
    "            raise TypeError(\"file must have 'read' and 'readline' attributes\")\n"
    "        self._file = file\n"
    "    def load(self):\n"
    "        return load(self._file)\n";

Value mv_pickle_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "pickle");
    if (!m) return NULL;
    if (!mv_pickle_error(t, MV_PICKLE_ERR_BASE) || mv_module_add_methods(t, m, pickle_functions) < 0) goto fail;
    static const char *const err_names[] = {"PickleError", "PicklingError", "UnpicklingError"};
    for (int i = 0; i < 3; i++)
        if (mv_module_add(t, m, err_names[i], (Value)pickle_errors[i]) < 0) goto fail;
    Value hp = MV_FROM_SMALL(MV_PICKLE_HIGHEST_PROTOCOL), dp = MV_FROM_SMALL(MV_PICKLE_DEFAULT_PROTOCOL);
    if (mv_module_add(t, m, "HIGHEST_PROTOCOL", hp) < 0 || mv_module_add(t, m, "DEFAULT_PROTOCOL", dp) < 0) goto fail;
    if (mv_module_exec_source(t, m, pickle_classes_src, sizeof pickle_classes_src - 1, "<pickle>") < 0) goto fail;
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
