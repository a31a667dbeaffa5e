/* exc.c: exception objects and the built-in hierarchy (CPython 3.11's bases), their args,
 * str/repr, the per-kind attributes (OSError errno/strerror/filename, StopIteration.value,
 * SystemExit.code, ImportError name/path, SyntaxError's location, ...), __traceback__/__cause__/
 * __context__/__suppress_context__, with_traceback and add_note.  Per-kind attributes live in the
 * instance __dict__ so that user subclasses see them uniformly.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "tuple.h"
#include "bytes.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static int set_attr(mv_thread *t, Value self, const char *name, Value v) {
    mv_exc *e = (mv_exc *)self;
    if (!e->dict) e->dict = mv_dict_new();
    return mv_dict_set_cstr(t, e->dict, name, v ? v : MV_NONE);
}

static Value get_attr(mv_thread *t, Value self, const char *name) {
    mv_exc *e = (mv_exc *)self;
    if (!e->dict) return NULL;
    return mv_dict_get_cstr(t, e->dict, name);
}

static Value kwarg(Value *args, size_t nargs, Value kwnames, const char *name) {
    if (!kwnames) return NULL;
    size_t nk = mv_tuple_size(kwnames);
    for (size_t i = 0; i < nk; i++)
        if (mv_str_eq_cstr(MV_TUPLE_GET(kwnames, i), name)) return args[nargs + i];
    return NULL;
}

static mv_type *errno_type(int64_t err) {
    switch (err) {
    case EAGAIN: case EALREADY: case EINPROGRESS: return &mv_exc_BlockingIOError;
    case ECHILD: return &mv_exc_ChildProcessError;
    case EPIPE: case ESHUTDOWN: return &mv_exc_BrokenPipeError;
    case ECONNABORTED: return &mv_exc_ConnectionAbortedError;
    case ECONNREFUSED: return &mv_exc_ConnectionRefusedError;
    case ECONNRESET: return &mv_exc_ConnectionResetError;
    case EEXIST: return &mv_exc_FileExistsError;
    case ENOENT: return &mv_exc_FileNotFoundError;
    case EISDIR: return &mv_exc_IsADirectoryError;
    case ENOTDIR: return &mv_exc_NotADirectoryError;
    case EINTR: return &mv_exc_InterruptedError;
    case EACCES: case EPERM: return &mv_exc_PermissionError;
    case ESRCH: return &mv_exc_ProcessLookupError;
    case ETIMEDOUT: return &mv_exc_TimeoutError;
    default: return NULL;
    }
}

/* Fill args and the per-kind attributes from the constructor arguments (new and __init__). */
static int exc_fill(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_exc *e = (mv_exc *)self;
    mv_type *tp = MV_TYPE(self);
    Value argt = mv_tuple_from_array(args, nargs);
    MV_SETREF(e->args, argt);
    Value a0 = nargs > 0 ? args[0] : MV_NONE;
    if (mv_type_is_subtype(tp, &mv_exc_OSError)) {
        Value vals[4] = {MV_NONE, MV_NONE, MV_NONE, MV_NONE};
        if (nargs >= 2 && nargs <= 5) {
            vals[0] = args[0];
            vals[1] = args[1];
            if (nargs >= 3) vals[2] = args[2];
            if (nargs >= 5) vals[3] = args[4];
            if (nargs >= 3) MV_SETREF(e->args, mv_tuple_pack(2, args[0], args[1]));
        }
        if (set_attr(t, self, "errno", vals[0]) < 0 || set_attr(t, self, "strerror", vals[1]) < 0 ||
            set_attr(t, self, "filename", vals[2]) < 0 || set_attr(t, self, "filename2", vals[3]) < 0)
            return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_StopIteration)) {
        if (set_attr(t, self, "value", a0) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_SystemExit)) {
        if (set_attr(t, self, "code", nargs > 1 ? e->args : a0) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_ImportError)) {
        if (set_attr(t, self, "msg", nargs == 1 ? a0 : MV_NONE) < 0) return -1;
        Value name = kwarg(args, nargs, kwnames, "name"), path = kwarg(args, nargs, kwnames, "path");
        if (set_attr(t, self, "name", name) < 0 || set_attr(t, self, "path", path) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_SyntaxError)) {
        static const char *const names[] = {"filename", "lineno", "offset", "text", "end_lineno",
                                            "end_offset"};
        if (set_attr(t, self, "msg", nargs >= 1 ? a0 : MV_NONE) < 0) return -1;
        Value info = nargs >= 2 ? args[1] : NULL;
        if (info && !mv_tuple_check(info)) info = NULL;
        for (size_t i = 0; i < 6; i++) {
            Value v = info && i < mv_tuple_size(info) ? MV_TUPLE_GET(info, i) : MV_NONE;
            if (set_attr(t, self, names[i], v) < 0) return -1;
        }
        if (set_attr(t, self, "print_file_and_line", MV_NONE) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_UnicodeError) && tp != &mv_exc_UnicodeError) {
        static const char *const names[] = {"encoding", "object", "start", "end", "reason"};
        if (nargs == 5)
            for (size_t i = 0; i < 5; i++)
                if (set_attr(t, self, names[i], args[i]) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_AttributeError)) {
        Value name = kwarg(args, nargs, kwnames, "name"), obj = kwarg(args, nargs, kwnames, "obj");
        if (set_attr(t, self, "name", name) < 0) return -1;
        if (obj && set_attr(t, self, "obj", obj) < 0) return -1;
    } else if (mv_type_is_subtype(tp, &mv_exc_NameError)) {
        if (set_attr(t, self, "name", kwarg(args, nargs, kwnames, "name")) < 0) return -1;
    }
    return 0;
}

/* keyword arguments each kind accepts (CPython rejects any for most) */
static bool accepts_kw(mv_type *tp, Value name) {
    if (mv_type_is_subtype(tp, &mv_exc_ImportError))
        return mv_str_eq_cstr(name, "name") || mv_str_eq_cstr(name, "path");
    if (mv_type_is_subtype(tp, &mv_exc_AttributeError))
        return mv_str_eq_cstr(name, "name") || mv_str_eq_cstr(name, "obj");
    if (mv_type_is_subtype(tp, &mv_exc_NameError)) return mv_str_eq_cstr(name, "name");
    return false;
}

static Value exc_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (type == &mv_exc_OSError && nargs >= 2 && MV_IS_SMALL(args[0])) {
        mv_type *sub = errno_type(MV_SMALL_VAL(args[0]));
        if (sub) type = sub;
    }
    Value self = mv_object_new(type);
    if (!self) return mv_err_nomem(t);
    if (exc_fill(t, self, args, nargs, kwnames) < 0) {
        MV_DECREF(self);
        return NULL;
    }
    return self;
}

static int exc_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_type *tp = MV_TYPE(self);
    if (kwnames) {
        for (size_t i = 0; i < mv_tuple_size(kwnames); i++) {
            Value k = MV_TUPLE_GET(kwnames, i);
            if (!accepts_kw(tp, k)) {
                if (mv_type_is_subtype(tp, &mv_exc_ImportError) || mv_type_is_subtype(tp, &mv_exc_AttributeError) ||
                    mv_type_is_subtype(tp, &mv_exc_NameError)) {
                    mv_type *base = tp;
                    while (base->flags & MV_TPFLAG_HEAPTYPE) base = base->base;
                    mv_err_format(t, &mv_exc_TypeError, "'%U' is an invalid keyword argument for %s()", k,
                                  base->name);
                } else {
                    mv_err_format(t, &mv_exc_TypeError, "%N() takes no keyword arguments", tp);
                }
                return -1;
            }
        }
    }
    /* OSError's attributes are fixed by __new__ (the errno mapping); re-filling is harmless. */
    return exc_fill(t, self, args, nargs, kwnames);
}

static void exc_dealloc(Value self) {
    mv_exc *e = (mv_exc *)self;
    MV_CLEAR(e->dict);
    MV_CLEAR(e->args);
    MV_CLEAR(e->traceback);
    MV_CLEAR(e->cause);
    MV_CLEAR(e->context);
    MV_CLEAR(e->notes);
}

Value mv_exc_new(mv_thread *t, mv_type *type, Value args_tuple) {
    Value *items = args_tuple ? mv_tuple_items(args_tuple) : NULL;
    size_t n = args_tuple ? mv_tuple_size(args_tuple) : 0;
    if (type->flags & MV_TPFLAG_HEAPTYPE) return mv_call(t, (Value)type, items, n, NULL);
    return exc_tp_new(t, type, items, n, NULL);
}

/* ---- str / repr ---------------------------------------------------------------------------- */

static Value base_str(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    size_t n = e->args ? mv_tuple_size(e->args) : 0;
    if (n == 0) return mv_str_from_cstr("");
    if (n == 1) return mv_str(t, MV_TUPLE_GET(e->args, 0));
    return mv_str(t, e->args);
}

static Value exc_repr(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    mv_type *tp = MV_TYPE(self);
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, tp->name);
    size_t n = e->args ? mv_tuple_size(e->args) : 0;
    int r = 0;
    if (n == 1) {
        mv_strbuf_addc(&b, '(');
        r = mv_strbuf_add_value_repr(t, &b, MV_TUPLE_GET(e->args, 0));
        mv_strbuf_addc(&b, ')');
    } else if (n == 0) {
        mv_strbuf_adds(&b, "()");
    } else {
        r = mv_strbuf_add_value_repr(t, &b, e->args);
    }
    if (r < 0) {
        mv_strbuf_free(&b);
        return NULL;
    }
    return mv_strbuf_finish(&b);
}

static Value keyerror_str(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    if (e->args && mv_tuple_size(e->args) == 1) return mv_repr(t, MV_TUPLE_GET(e->args, 0));
    return base_str(t, self);
}

static Value oserror_str(mv_thread *t, Value self) {
    Value no = get_attr(t, self, "errno"), msg = get_attr(t, self, "strerror");
    Value fn = get_attr(t, self, "filename"), fn2 = get_attr(t, self, "filename2");
    if (fn && fn != MV_NONE) {
        if (fn2 && fn2 != MV_NONE) {
            mv_strbuf b;
            mv_strbuf_init(&b);
            mv_strbuf_adds(&b, "[Errno ");
            if (mv_strbuf_add_value_str(t, &b, no ? no : MV_NONE) < 0) goto fail2;
            mv_strbuf_adds(&b, "] ");
            if (mv_strbuf_add_value_str(t, &b, msg ? msg : MV_NONE) < 0) goto fail2;
            mv_strbuf_adds(&b, ": ");
            if (mv_strbuf_add_value_repr(t, &b, fn) < 0) goto fail2;
            mv_strbuf_adds(&b, " -> ");
            if (mv_strbuf_add_value_repr(t, &b, fn2) < 0) goto fail2;
            return mv_strbuf_finish(&b);
        fail2:
            mv_strbuf_free(&b);
            return NULL;
        }
        mv_strbuf b;
        mv_strbuf_init(&b);
        mv_strbuf_adds(&b, "[Errno ");
        if (mv_strbuf_add_value_str(t, &b, no ? no : MV_NONE) < 0) goto fail;
        mv_strbuf_adds(&b, "] ");
        if (mv_strbuf_add_value_str(t, &b, msg ? msg : MV_NONE) < 0) goto fail;
        mv_strbuf_adds(&b, ": ");
        if (mv_strbuf_add_value_repr(t, &b, fn) < 0) goto fail;
        return mv_strbuf_finish(&b);
    fail:
        mv_strbuf_free(&b);
        return NULL;
    }
    if (no && no != MV_NONE && msg && msg != MV_NONE) {
        mv_strbuf b;
        mv_strbuf_init(&b);
        mv_strbuf_adds(&b, "[Errno ");
        if (mv_strbuf_add_value_str(t, &b, no) < 0 || (mv_strbuf_adds(&b, "] "), 0) ||
            mv_strbuf_add_value_str(t, &b, msg) < 0) {
            mv_strbuf_free(&b);
            return NULL;
        }
        return mv_strbuf_finish(&b);
    }
    return base_str(t, self);
}

static Value importerror_str(mv_thread *t, Value self) {
    Value msg = get_attr(t, self, "msg");
    if (msg && msg != MV_NONE) return mv_str(t, msg);
    return base_str(t, self);
}

static Value syntaxerror_str(mv_thread *t, Value self) {
    Value msg = get_attr(t, self, "msg"), fn = get_attr(t, self, "filename");
    Value ln = get_attr(t, self, "lineno");
    const char *base = NULL;
    if (fn && mv_str_check(fn)) {
        base = mv_str_data(fn);
        const char *slash = strrchr(base, '/');
        if (slash) base = slash + 1;
    }
    bool have_line = ln && MV_IS_SMALL(ln);
    Value ms = mv_str(t, msg ? msg : MV_NONE);
    if (!ms) return NULL;
    if (!base && !have_line) return ms;
    Value r;
    if (base && have_line) r = mv_str_fromf("%s (%s, line %ld)", mv_str_data(ms), base, (long)MV_SMALL_VAL(ln));
    else if (base) r = mv_str_fromf("%s (%s)", mv_str_data(ms), base);
    else r = mv_str_fromf("%s (line %ld)", mv_str_data(ms), (long)MV_SMALL_VAL(ln));
    MV_DECREF(ms);
    return r;
}

static Value unicodeerror_str(mv_thread *t, Value self) {
    Value enc = get_attr(t, self, "encoding"), obj = get_attr(t, self, "object");
    Value st = get_attr(t, self, "start"), en = get_attr(t, self, "end"), rs = get_attr(t, self, "reason");
    if (!enc || !obj || !st || !en || !rs || !MV_IS_SMALL(st) || !MV_IS_SMALL(en) || !mv_str_check(enc) ||
        !mv_str_check(rs))
        return base_str(t, self);
    int64_t s = MV_SMALL_VAL(st), e = MV_SMALL_VAL(en);
    bool decode = mv_isinstance_of(self, &mv_exc_UnicodeDecodeError);
    if (decode && mv_bytes_check(obj)) {
        if (e == s + 1 && s >= 0 && (size_t)s < mv_bytes_size(obj))
            return mv_str_fromf("'%s' codec can't decode byte 0x%02x in position %ld: %s", mv_str_data(enc),
                                mv_bytes_data(obj)[s], (long)s, mv_str_data(rs));
        return mv_str_fromf("'%s' codec can't decode bytes in position %ld-%ld: %s", mv_str_data(enc), (long)s,
                            (long)(e - 1), mv_str_data(rs));
    }
    if (!decode && mv_str_check(obj)) {
        if (e == s + 1 && s >= 0 && (size_t)s < mv_str_len(obj)) {
            uint32_t c = mv_str_codepoint_at(obj, (size_t)s);
            char cb[16];
            if (c <= 0xff) snprintf(cb, sizeof cb, "\\x%02x", c);
            else if (c <= 0xffff) snprintf(cb, sizeof cb, "\\u%04x", c);
            else snprintf(cb, sizeof cb, "\\U%08x", c);
            return mv_str_fromf("'%s' codec can't encode character '%s' in position %ld: %s", mv_str_data(enc), cb,
                                (long)s, mv_str_data(rs));
        }
        return mv_str_fromf("'%s' codec can't encode characters in position %ld-%ld: %s", mv_str_data(enc),
                            (long)s, (long)(e - 1), mv_str_data(rs));
    }
    return base_str(t, self);
}

/* ---- attributes and methods ----------------------------------------------------------------- */

static Value get_args(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    return mv_newref(e->args ? e->args : MV_EMPTY_TUPLE);
}
static int set_args(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "args may not be deleted");
        return -1;
    }
    Value tup = mv_sequence_tuple(t, v);
    if (!tup) return -1;
    MV_SETREF(((mv_exc *)self)->args, tup);
    return 0;
}
static Value get_tb(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    return mv_newref(e->traceback ? e->traceback : MV_NONE);
}
static int set_tb(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "__traceback__ may not be deleted");
        return -1;
    }
    if (v == MV_NONE) v = NULL;
    else if (MV_TYPE(v) != &mv_traceback_type) {
        mv_err_set(t, &mv_exc_TypeError, "__traceback__ must be a traceback or None");
        return -1;
    }
    MV_XINCREF(v);
    MV_SETREF(((mv_exc *)self)->traceback, v);
    return 0;
}
static Value get_cause(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    return mv_newref(e->cause ? e->cause : MV_NONE);
}
static int set_cause(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "__cause__ may not be deleted");
        return -1;
    }
    if (v == MV_NONE) v = NULL;
    else if (!mv_exc_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "exception cause must be None or derive from BaseException");
        return -1;
    }
    MV_XINCREF(v);
    MV_SETREF(((mv_exc *)self)->cause, v);
    ((mv_exc *)self)->suppress_context = true;
    return 0;
}
static Value get_context(mv_thread *t, Value self) {
    mv_exc *e = (mv_exc *)self;
    return mv_newref(e->context ? e->context : MV_NONE);
}
static int set_context_attr(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "__context__ may not be deleted");
        return -1;
    }
    if (v == MV_NONE) v = NULL;
    else if (!mv_exc_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "exception context must be None or derive from BaseException");
        return -1;
    }
    MV_XINCREF(v);
    MV_SETREF(((mv_exc *)self)->context, v);
    return 0;
}
static Value get_suppress(mv_thread *t, Value self) {
    return MV_BOOL(((mv_exc *)self)->suppress_context);
}
static int set_suppress(mv_thread *t, Value self, Value v) {
    if (!v) {
        mv_err_set(t, &mv_exc_TypeError, "__suppress_context__ may not be deleted");
        return -1;
    }
    int r = mv_truthy(t, v);
    if (r < 0) return -1;
    ((mv_exc *)self)->suppress_context = r;
    return 0;
}

static const mv_getset_def exc_getsets[] = {
    {"args", get_args, set_args},
    {"__traceback__", get_tb, set_tb},
    {"__cause__", get_cause, set_cause},
    {"__context__", get_context, set_context_attr},
    {"__suppress_context__", get_suppress, set_suppress},
    {NULL, NULL, NULL},
};

static Value exc_with_traceback(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "with_traceback", nargs, 1, 1) < 0) return NULL;
    if (set_tb(t, self, args[0]) < 0) return NULL;
    return mv_newref(self);
}

static Value exc_add_note(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "add_note", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "note must be a str, not '%T'", args[0]);
    mv_exc *e = (mv_exc *)self;
    if (!e->dict) e->dict = mv_dict_new();
    Value notes = mv_dict_get_cstr(t, e->dict, "__notes__");
    if (!notes) {
        if (mv_err_occurred(t)) return NULL;
        notes = mv_list_new(0);
        if (mv_dict_set_cstr(t, e->dict, "__notes__", notes) < 0) {
            MV_DECREF(notes);
            return NULL;
        }
        MV_DECREF(notes);
    }
    if (!mv_list_check(notes)) return mv_err_set(t, &mv_exc_TypeError, "Cannot add note: __notes__ is not a list");
    mv_list_append(notes, args[0]);
    return mv_newref(MV_NONE);
}

static Value exc_reduce(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_exc *e = (mv_exc *)self;
    Value a = e->args ? e->args : MV_EMPTY_TUPLE;
    if (e->dict && mv_dict_size(e->dict)) return mv_tuple_pack(3, (Value)MV_TYPE(self), a, e->dict);
    return mv_tuple_pack(2, (Value)MV_TYPE(self), a);
}

static const mv_method_def exc_methods[] = {
    {"with_traceback", exc_with_traceback, 0, "Set self.__traceback__ to tb and return self."},
    {"add_note", exc_add_note, 0, "Add a note to the exception"},
    {"__reduce__", exc_reduce, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- the type objects ---------------------------------------------------------------------- */

#define EXC_TYPE(NAME, BASE, STR, DOC)                                                              \
    mv_type mv_exc_##NAME = {                                                                      \
        .ob = MV_STATIC_HEAD(&mv_type_type),                                                       \
        .name = #NAME,                                                                             \
        .basicsize = sizeof(mv_exc),                                                               \
        .dictoffset = offsetof(mv_exc, dict),                                                      \
        .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_EXC_SUBCLASS,                                      \
        .base = BASE,                                                                              \
        .doc = DOC,                                                                                \
        .tp_new = exc_tp_new,                                                                      \
        .tp_init = exc_tp_init,                                                                    \
        .dealloc = exc_dealloc,                                                                    \
        .repr = exc_repr,                                                                          \
        .str = STR,                                                                                \
        .getattr = mv_generic_getattr,                                                             \
        .setattr = mv_generic_setattr,                                                             \
        .methods = exc_methods,                                                                    \
        .getsets = exc_getsets,                                                                    \
    };

EXC_TYPE(BaseException, &mv_object_type, base_str, "Common base class for all exceptions")
EXC_TYPE(Exception, &mv_exc_BaseException, base_str, "Common base class for all non-exit exceptions.")
EXC_TYPE(SystemExit, &mv_exc_BaseException, base_str, "Request to exit from the interpreter.")
EXC_TYPE(KeyboardInterrupt, &mv_exc_BaseException, base_str, "Program interrupted by user.")
EXC_TYPE(GeneratorExit, &mv_exc_BaseException, base_str, "Request that a generator exit.")
EXC_TYPE(StopIteration, &mv_exc_Exception, base_str, "Signal the end from iterator.__next__().")
EXC_TYPE(StopAsyncIteration, &mv_exc_Exception, base_str, "Signal the end from iterator.__anext__().")
EXC_TYPE(ArithmeticError, &mv_exc_Exception, base_str, "Base class for arithmetic errors.")
EXC_TYPE(ZeroDivisionError, &mv_exc_ArithmeticError, base_str, "Second argument to a division or modulo operation was zero.")
EXC_TYPE(OverflowError, &mv_exc_ArithmeticError, base_str, "Result too large to be represented.")
EXC_TYPE(FloatingPointError, &mv_exc_ArithmeticError, base_str, "Floating point operation failed.")
EXC_TYPE(AssertionError, &mv_exc_Exception, base_str, "Assertion failed.")
EXC_TYPE(AttributeError, &mv_exc_Exception, base_str, "Attribute not found.")
EXC_TYPE(BufferError, &mv_exc_Exception, base_str, "Buffer error.")
EXC_TYPE(EOFError, &mv_exc_Exception, base_str, "Read beyond end of file.")
EXC_TYPE(ImportError, &mv_exc_Exception, importerror_str, "Import can't find module, or can't find name in module.")
EXC_TYPE(ModuleNotFoundError, &mv_exc_ImportError, importerror_str, "Module not found.")
EXC_TYPE(LookupError, &mv_exc_Exception, base_str, "Base class for lookup errors.")
EXC_TYPE(IndexError, &mv_exc_LookupError, base_str, "Sequence index out of range.")
EXC_TYPE(KeyError, &mv_exc_LookupError, keyerror_str, "Mapping key not found.")
EXC_TYPE(MemoryError, &mv_exc_Exception, base_str, "Out of memory.")
EXC_TYPE(NameError, &mv_exc_Exception, base_str, "Name not found globally.")
EXC_TYPE(UnboundLocalError, &mv_exc_NameError, base_str, "Local name referenced but not bound to a value.")
EXC_TYPE(OSError, &mv_exc_Exception, oserror_str, "Base class for I/O related errors.")
EXC_TYPE(FileNotFoundError, &mv_exc_OSError, oserror_str, "File not found.")
EXC_TYPE(FileExistsError, &mv_exc_OSError, oserror_str, "File already exists.")
EXC_TYPE(PermissionError, &mv_exc_OSError, oserror_str, "Not enough permissions.")
EXC_TYPE(IsADirectoryError, &mv_exc_OSError, oserror_str, "Operation doesn't work on directories.")
EXC_TYPE(NotADirectoryError, &mv_exc_OSError, oserror_str, "Operation only works on directories.")
EXC_TYPE(TimeoutError, &mv_exc_OSError, oserror_str, "Timeout expired.")
EXC_TYPE(InterruptedError, &mv_exc_OSError, oserror_str, "Interrupted by signal.")
EXC_TYPE(BlockingIOError, &mv_exc_OSError, oserror_str, "I/O operation would block.")
EXC_TYPE(ChildProcessError, &mv_exc_OSError, oserror_str, "Child process error.")
EXC_TYPE(ConnectionError, &mv_exc_OSError, oserror_str, "Connection error.")
EXC_TYPE(BrokenPipeError, &mv_exc_ConnectionError, oserror_str, "Broken pipe.")
EXC_TYPE(ConnectionResetError, &mv_exc_ConnectionError, oserror_str, "Connection reset.")
EXC_TYPE(ConnectionRefusedError, &mv_exc_ConnectionError, oserror_str, "Connection refused.")
EXC_TYPE(ConnectionAbortedError, &mv_exc_ConnectionError, oserror_str, "Connection aborted.")
EXC_TYPE(ProcessLookupError, &mv_exc_OSError, oserror_str, "Process not found.")
EXC_TYPE(ReferenceError, &mv_exc_Exception, base_str, "Weak ref proxy used after referent went away.")
EXC_TYPE(RuntimeError, &mv_exc_Exception, base_str, "Unspecified run-time error.")
EXC_TYPE(NotImplementedError, &mv_exc_RuntimeError, base_str, "Method or function hasn't been implemented yet.")
EXC_TYPE(RecursionError, &mv_exc_RuntimeError, base_str, "Recursion limit exceeded.")
EXC_TYPE(SyntaxError, &mv_exc_Exception, syntaxerror_str, "Invalid syntax.")
EXC_TYPE(IndentationError, &mv_exc_SyntaxError, syntaxerror_str, "Improper indentation.")
EXC_TYPE(TabError, &mv_exc_IndentationError, syntaxerror_str, "Improper mixture of spaces and tabs.")
EXC_TYPE(SystemError, &mv_exc_Exception, base_str, "Internal error in the Python interpreter.")
EXC_TYPE(TypeError, &mv_exc_Exception, base_str, "Inappropriate argument type.")
EXC_TYPE(ValueError, &mv_exc_Exception, base_str, "Inappropriate argument value (of correct type).")
EXC_TYPE(UnicodeError, &mv_exc_ValueError, base_str, "Unicode related error.")
EXC_TYPE(UnicodeDecodeError, &mv_exc_UnicodeError, unicodeerror_str, "Unicode decoding error.")
EXC_TYPE(UnicodeEncodeError, &mv_exc_UnicodeError, unicodeerror_str, "Unicode encoding error.")
EXC_TYPE(Warning, &mv_exc_Exception, base_str, "Base class for warning categories.")
EXC_TYPE(UserWarning, &mv_exc_Warning, base_str, "Base class for warnings generated by user code.")
EXC_TYPE(DeprecationWarning, &mv_exc_Warning, base_str, "Base class for warnings about deprecated features.")
EXC_TYPE(RuntimeWarning, &mv_exc_Warning, base_str, "Base class for warnings about dubious runtime behavior.")

/* ---- SyntaxError helper and builtins registration ----------------------------------------- */

Value mv_err_syntax(mv_thread *t, mv_type *type, const char *msg, const char *filename, int lineno,
                    int offset, const char *text, int end_lineno, int end_offset) {
    Value m = mv_str_from_cstr(msg);
    Value fn = filename ? mv_str_from_cstr(filename) : mv_newref(MV_NONE);
    Value tx = text ? mv_str_decode_utf8(t, text, strlen(text), "replace") : mv_newref(MV_NONE);
    if (!tx) {
        mv_err_clear(t);
        tx = mv_newref(MV_NONE);
    }
    Value info = mv_tuple_pack(6, fn, mv_int_from_i64(lineno), mv_int_from_i64(offset), tx,
                               mv_int_from_i64(end_lineno), mv_int_from_i64(end_offset));
    Value args = mv_tuple_pack(2, m, info);
    MV_DECREF(m);
    MV_DECREF(fn);
    MV_DECREF(tx);
    MV_DECREF(info);
    Value exc = mv_exc_new(t, type ? type : &mv_exc_SyntaxError, args);
    MV_DECREF(args);
    if (!exc) return NULL;
    mv_err_set_object(t, exc);
    MV_DECREF(exc);
    return NULL;
}

int mv_exc_register_builtins(mv_thread *t, Value builtins) {
#define REG(name) if (mv_dict_set_cstr(t, builtins, #name, (Value)&mv_exc_##name) < 0) return -1;
    MV_EXC_TYPES(REG)
#undef REG
    if (mv_dict_set_cstr(t, builtins, "EnvironmentError", (Value)&mv_exc_OSError) < 0) return -1;
    if (mv_dict_set_cstr(t, builtins, "IOError", (Value)&mv_exc_OSError) < 0) return -1;
    return 0;
}
