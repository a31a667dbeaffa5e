/* builtins.c: the builtins module: the built-in functions (print, len, min, sorted, getattr,
 * exec, ...), the built-in types and constants, and the exception classes.  Each function checks
 * its arguments with CPython's exact TypeError messages.  The hot ones (len, isinstance, print of
 * small values) avoid allocating beyond their result.
 */
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "float.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "repl.h"
#include "tuple.h"

/* ---- argument-count helpers in CPython's several styles ------------------------------------ */

/* METH_O style: "len() takes exactly one argument (2 given)" */
static int one_arg(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs != 1) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes exactly one argument (%zu given)", name, nargs);
        return -1;
    }
    return 0;
}

/* _PyArg_CheckPositional style: "divmod expected 2 arguments, got 1" */
static int unpack_args(mv_thread *t, const char *name, size_t nargs, Value kwnames, size_t min, size_t max) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs >= min && nargs <= max) return 0;
    if (min == max)
        mv_err_format(t, &mv_exc_TypeError, "%s expected %zu argument%s, got %zu", name, min, min == 1 ? "" : "s", nargs);
    else if (nargs < min)
        mv_err_format(t, &mv_exc_TypeError, "%s expected at least %zu argument%s, got %zu", name, min,
                      min == 1 ? "" : "s", nargs);
    else
        mv_err_format(t, &mv_exc_TypeError, "%s expected at most %zu argument%s, got %zu", name, max,
                      max == 1 ? "" : "s", nargs);
    return -1;
}

static int no_args(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no arguments (%zu given)", name, nargs);
        return -1;
    }
    return 0;
}

static Value interned(mv_thread *t, Value *cache, const char *s) {
    if (!*cache) *cache = mv_str_intern_cstr(t, s);
    return *cache;
}

/* ---- print / input ------------------------------------------------------------------------ */

/* sys.stdout as it is now (the user may have replaced it); borrowed. */
static Value current_std(mv_thread *t, const char *name, Value fallback) {
    mv_vm *vm = t->vm;
    if (vm->sys_module) {
        Value d = mv_module_check_dict(vm->sys_module);
        if (d) {
            Value f = mv_dict_get_cstr(t, d, name);
            if (f) return f;
            if (mv_err_occurred(t)) mv_err_clear(t);
        }
    }
    return fallback;
}

/* print() to a built-in file: one write of the joined line (same bytes as CPython's piecewise
   writes, and what was formatted before an error is still written). */
static int print_joined(mv_thread *t, Value file, Value *args, size_t nargs, Value sep, Value end) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    int err = 0;
    for (size_t i = 0; i < nargs; i++) {
        if (i) {
            if (sep)
                mv_strbuf_add(&b, mv_str_data(sep), mv_str_size(sep));
            else
                mv_strbuf_addc(&b, ' ');
        }
        if (mv_strbuf_add_value_str(t, &b, args[i]) < 0) {
            err = 1;
            break;
        }
    }
    if (!err) {
        if (end)
            mv_strbuf_add(&b, mv_str_data(end), mv_str_size(end));
        else
            mv_strbuf_addc(&b, '\n');
    }
    if (err && b.len == 0) {
        mv_strbuf_free(&b);
        return -1;
    }
    Value saved = err ? mv_err_fetch(t) : NULL;
    Value s = mv_strbuf_finish(&b);
    int w = s ? mv_file_write_str(t, file, s) : -1;
    MV_XDECREF(s);
    if (saved) {
        if (w >= 0)
            mv_err_restore(t, saved);
        else
            MV_DECREF(saved);
        return -1;
    }
    return w < 0 ? -1 : 0;
}

/* print() to any other object with a write method: one write per piece, as CPython does (the
   object may observe the calls). */
static int print_piecewise(mv_thread *t, Value file, Value *args, size_t nargs, Value sep, Value end) {
    static Value space, newline;
    if (!space) {
        space = mv_str_from_cstr(" ");
        newline = mv_str_from_cstr("\n");
    }
    for (size_t i = 0; i < nargs; i++) {
        if (i && mv_file_write_str(t, file, sep ? sep : space) < 0) return -1;
        Value s = mv_str(t, args[i]);
        if (!s) return -1;
        int w = mv_file_write_str(t, file, s);
        MV_DECREF(s);
        if (w < 0) return -1;
    }
    return mv_file_write_str(t, file, end ? end : newline);
}

static Value builtin_print(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value sep = NULL, end = NULL, file = NULL, flush = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i), v = args[nargs + i];
        if (mv_str_eq_cstr(k, "sep"))
            sep = v;
        else if (mv_str_eq_cstr(k, "end"))
            end = v;
        else if (mv_str_eq_cstr(k, "file"))
            file = v;
        else if (mv_str_eq_cstr(k, "flush"))
            flush = v;
        else
            return mv_err_format(t, &mv_exc_TypeError, "%R is an invalid keyword argument for print()", k);
    }
    if (sep == MV_NONE) sep = NULL;
    if (end == MV_NONE) end = NULL;
    if (sep && !mv_str_check(sep))
        return mv_err_format(t, &mv_exc_TypeError, "sep must be None or a string, not %s", mv_type_name(sep));
    if (end && !mv_str_check(end))
        return mv_err_format(t, &mv_exc_TypeError, "end must be None or a string, not %s", mv_type_name(end));
    if (!file || file == MV_NONE) {
        file = current_std(t, "stdout", t->vm->stdout_obj);
        if (!file || file == MV_NONE) return MV_NONE; /* CPython: print() to a missing stdout is a no-op */
    }
    if (MV_TYPE(file) != &mv_file_type) {
        if (print_piecewise(t, file, args, nargs, sep, end) < 0) return NULL;
    } else if (print_joined(t, file, args, nargs, sep, end) < 0) {
        return NULL;
    }
    if (flush) {
        int f = mv_truthy(t, flush);
        if (f < 0) return NULL;
        if (f) {
            Value r = mv_call_method(t, file, "flush", NULL, 0);
            if (!r) return NULL;
            MV_DECREF(r);
        }
    }
    return MV_NONE;
}

static Value builtin_input(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "input", nargs, kwnames, 0, 1) < 0) return NULL;
    Value out = current_std(t, "stdout", t->vm->stdout_obj);
    Value in = current_std(t, "stdin", t->vm->stdin_obj);
    if (!in || in == MV_NONE) return mv_err_set(t, &mv_exc_RuntimeError, "input(): lost sys.stdin");
    if (nargs == 1 && out && out != MV_NONE) {
        Value p = mv_str(t, args[0]);
        if (!p) return NULL;
        int w = mv_file_write_str(t, out, p);
        MV_DECREF(p);
        if (w < 0) return NULL;
    }
    if (out && out != MV_NONE) {
        Value r = mv_call_method(t, out, "flush", NULL, 0);
        if (!r) return NULL;
        MV_DECREF(r);
    }
    Value line = mv_call_method(t, in, "readline", NULL, 0);
    if (!line) return NULL;
    if (!mv_str_check(line)) {
        MV_DECREF(line);
        return mv_err_set(t, &mv_exc_TypeError, "object.readline() returned non-string");
    }
    size_t n = mv_str_size(line);
    if (n == 0) {
        MV_DECREF(line);
        return mv_err_set(t, &mv_exc_EOFError, "EOF when reading a line");
    }
    if (mv_str_data(line)[n - 1] == '\n') {
        Value s = mv_str_new(mv_str_data(line), n - 1);
        MV_DECREF(line);
        return s;
    }
    return line;
}

/* ---- simple one-argument functions -------------------------------------------------------- */

static Value builtin_len(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1 || kwnames) {
        if (one_arg(t, "len", nargs, kwnames) < 0) return NULL;
    }
    int64_t n = mv_len(t, args[0]);
    if (n < 0) return NULL;
    return MV_FROM_SMALL(n);
}

static Value builtin_abs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "abs", nargs, kwnames) < 0) return NULL;
    return mv_abs(t, args[0]);
}

static Value builtin_id(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "id", nargs, kwnames) < 0) return NULL;
    return mv_int_from_u64((uint64_t)(uintptr_t)args[0]);
}

static Value builtin_hash(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "hash", nargs, kwnames) < 0) return NULL;
    int64_t h;
    if (mv_hash(t, args[0], &h) < 0) return NULL;
    return mv_int_from_i64(h);
}

static Value builtin_repr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "repr", nargs, kwnames) < 0) return NULL;
    return mv_repr(t, args[0]);
}

static Value builtin_ascii(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "ascii", nargs, kwnames) < 0) return NULL;
    return mv_ascii(t, args[0]);
}

static Value builtin_callable(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "callable", nargs, kwnames) < 0) return NULL;
    return MV_BOOL(mv_callable(args[0]));
}

static Value builtin_chr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "chr", nargs, kwnames) < 0) return NULL;
    Value i = mv_number_index(t, args[0]);
    if (!i) return NULL;
    int64_t v;
    int r = mv_int_as_i64(t, i, &v);
    MV_DECREF(i);
    if (r < 0 || v > INT32_MAX || v < INT32_MIN) {
        if (r == 0 || mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            return mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C int");
        }
        return NULL;
    }
    if (v < 0 || v > 0x10ffff) return mv_err_set(t, &mv_exc_ValueError, "chr() arg not in range(0x110000)");
    return mv_str_from_codepoint((uint32_t)v);
}

static Value builtin_ord(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (one_arg(t, "ord", nargs, kwnames) < 0) return NULL;
    Value c = args[0];
    size_t len;
    if (mv_str_check(c)) {
        len = mv_str_len(c);
        if (len == 1) return MV_FROM_SMALL(mv_str_codepoint_at(c, 0));
    } else if (mv_bytes_check(c)) {
        len = mv_bytes_size(c);
        if (len == 1) return MV_FROM_SMALL(mv_bytes_data(c)[0]);
    } else if (!MV_IS_SMALL(c) && mv_isinstance_of(c, &mv_bytearray_type)) {
        len = ((mv_bytearray *)c)->size;
        if (len == 1) return MV_FROM_SMALL(((mv_bytearray *)c)->data[0]);
    } else {
        return mv_err_format(t, &mv_exc_TypeError, "ord() expected string of length 1, but %s found", mv_type_name(c));
    }
    return mv_err_format(t, &mv_exc_TypeError, "ord() expected a character, but string of length %zu found", len);
}

static Value int_to_base(mv_thread *t, const char *name, Value *args, size_t nargs, Value kwnames, int base) {
    if (one_arg(t, name, nargs, kwnames) < 0) return NULL;
    Value i = mv_number_index(t, args[0]);
    if (!i) return NULL;
    Value s = mv_int_to_string(i, base);
    MV_DECREF(i);
    return s;
}
static Value builtin_hex(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return int_to_base(t, "hex", args, nargs, kwnames, 16);
}
static Value builtin_oct(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return int_to_base(t, "oct", args, nargs, kwnames, 8);
}
static Value builtin_bin(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return int_to_base(t, "bin", args, nargs, kwnames, 2);
}

static Value builtin_format(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/value", "/format_spec", NULL};
    Value a[2];
    if (mv_parse_args(t, "format", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (a[1] && !mv_str_check(a[1]))
        return mv_err_format(t, &mv_exc_TypeError, "format() argument 2 must be str, not %s", mv_type_name(a[1]));
    return mv_format(t, a[0], a[1]);
}

/* ---- numbers ------------------------------------------------------------------------------ */

static Value builtin_round(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"number", "ndigits", NULL};
    Value a[2];
    if (mv_parse_args(t, "round", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value x = a[0];
    if (a[1] == MV_NONE) a[1] = NULL;
    if (!a[1] && MV_IS_SMALL(x)) return x;
    static Value round_name;
    Value meth = mv_type_lookup(MV_TYPE(x), interned(t, &round_name, "__round__"));
    if (!meth)
        return mv_err_format(t, &mv_exc_TypeError, "type %s doesn't define __round__ method", mv_type_name(x));
    return mv_call_method(t, x, "__round__", a[1] ? &a[1] : NULL, a[1] ? 1 : 0);
}

/* Call type(a).name(a, b) if it exists, else return NotImplemented. */
static Value call_dunder(mv_thread *t, Value a, Value b, const char *name) {
    Value key = mv_str_intern_cstr(t, name);
    if (!key) return NULL;
    Value m = mv_type_lookup(MV_TYPE(a), key);
    MV_DECREF(key);
    if (!m) return mv_newref(MV_NOTIMPL);
    return mv_call_method(t, a, name, &b, 1);
}

static Value builtin_divmod(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "divmod", nargs, kwnames, 2, 2) < 0) return NULL;
    Value a = args[0], b = args[1];
    if (mv_int_check(a) && mv_int_check(b) && MV_TYPE(a)->nb[MV_BINOP_FLOORDIV] == mv_int_type.nb[MV_BINOP_FLOORDIV] &&
        MV_TYPE(b)->nb[MV_BINOP_FLOORDIV] == mv_int_type.nb[MV_BINOP_FLOORDIV])
        return mv_int_divmod(t, a, b);
    bool af = mv_float_check(a) && MV_TYPE(a)->nb[MV_BINOP_MOD] == mv_float_type.nb[MV_BINOP_MOD];
    bool bf = mv_float_check(b) && MV_TYPE(b)->nb[MV_BINOP_MOD] == mv_float_type.nb[MV_BINOP_MOD];
    if ((af && (bf || mv_int_check_exact(b))) || (bf && mv_int_check_exact(a))) return mv_float_divmod(t, a, b);
    Value r = call_dunder(t, a, b, "__divmod__");
    if (r != MV_NOTIMPL) return r;
    MV_DECREF(r);
    if (MV_TYPE(a) != MV_TYPE(b)) {
        r = call_dunder(t, b, a, "__rdivmod__");
        if (r != MV_NOTIMPL) return r;
        MV_DECREF(r);
    }
    return mv_err_format(t, &mv_exc_TypeError, "unsupported operand type(s) for divmod(): '%s' and '%s'",
                         mv_type_name(a), mv_type_name(b));
}

static Value builtin_pow(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"base", "exp", "mod", NULL};
    Value a[3];
    if (mv_parse_args(t, "pow", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    if (!a[2] || a[2] == MV_NONE) return mv_binary_op(t, a[0], a[1], MV_BINOP_POW);
    return mv_int_pow_mod(t, a[0], a[1], a[2]);
}

/* sum(iterable, /, start=0): exact int accumulation while it fits, then generic +.  Floats are
   added left to right as CPython 3.11 does (no compensated summation). */
static Value builtin_sum(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/iterable", "start", NULL};
    Value a[2];
    if (nargs == 0 && !kwnames)
        return mv_err_set(t, &mv_exc_TypeError, "sum() takes at least 1 positional argument (0 given)");
    if (mv_parse_args(t, "sum", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value start = a[1] ? a[1] : MV_FROM_SMALL(0);
    if (mv_str_check(start)) return mv_err_set(t, &mv_exc_TypeError, "sum() can't sum strings [use ''.join(seq) instead]");
    if (mv_bytes_check(start)) return mv_err_set(t, &mv_exc_TypeError, "sum() can't sum bytes [use b''.join(seq) instead]");
    if (!MV_IS_SMALL(start) && mv_isinstance_of(start, &mv_bytearray_type))
        return mv_err_set(t, &mv_exc_TypeError, "sum() can't sum bytearray [use b''.join(seq) instead]");
    Value it = mv_iter(t, a[0]);
    if (!it) return NULL;
    Value acc = mv_newref(start);
    Value item;
    while ((item = mv_next(t, it))) {
        if (MV_IS_SMALL(acc) && MV_IS_SMALL(item)) {
            MV_SETREF(acc, mv_int_from_i64(MV_SMALL_VAL(acc) + MV_SMALL_VAL(item)));
            continue;
        }
        if (mv_float_check(acc) && acc->type == &mv_float_type) {
            double d = mv_float_val(acc);
            bool done = true;
            if (!MV_IS_SMALL(item) && item->type == &mv_float_type)
                d += mv_float_val(item);
            else if (MV_IS_SMALL(item))
                d += (double)MV_SMALL_VAL(item);
            else
                done = false;
            if (done) {
                MV_DECREF(item);
                MV_SETREF(acc, mv_float_new(d));
                continue;
            }
        }
        Value r = mv_binary_op(t, acc, item, MV_BINOP_ADD);
        MV_DECREF(item);
        MV_DECREF(acc);
        acc = r;
        if (!acc) break;
    }
    MV_DECREF(it);
    if (acc && mv_err_occurred(t)) MV_CLEAR(acc);
    return acc;
}

/* ---- min / max ---------------------------------------------------------------------------- */

static Value min_max(mv_thread *t, Value *args, size_t nargs, Value kwnames, int op, const char *name) {
    Value key = NULL, dflt = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (mv_str_eq_cstr(k, "key"))
            key = args[nargs + i];
        else if (mv_str_eq_cstr(k, "default"))
            dflt = args[nargs + i];
        else
            return mv_err_format(t, &mv_exc_TypeError, "%R is an invalid keyword argument for %s()", k, name);
    }
    if (nargs == 0) return mv_err_format(t, &mv_exc_TypeError, "%s expected at least 1 argument, got 0", name);
    if (key == MV_NONE) key = NULL;
    if (nargs > 1 && dflt)
        return mv_err_format(t, &mv_exc_TypeError,
                             "Cannot specify a default for %s() with multiple positional arguments", name);
    Value seq = nargs == 1 ? args[0] : NULL;
    Value it = NULL;
    size_t idx = 0;
    if (seq) {
        it = mv_iter(t, seq);
        if (!it) return NULL;
    }
    Value best = NULL, bestkey = NULL;
    for (;;) {
        Value item;
        if (it) {
            item = mv_next(t, it);
            if (!item) {
                if (mv_err_occurred(t)) goto fail;
                break;
            }
        } else {
            if (idx >= nargs) break;
            item = mv_newref(args[idx++]);
        }
        Value k = item;
        if (key) {
            k = mv_call1(t, key, item);
            if (!k) {
                MV_DECREF(item);
                goto fail;
            }
        } else {
            MV_INCREF(k);
        }
        if (!best) {
            best = item;
            bestkey = k;
            continue;
        }
        int c = mv_richcompare_bool(t, k, bestkey, op);
        if (c < 0) {
            MV_DECREF(item);
            MV_DECREF(k);
            goto fail;
        }
        if (c) {
            MV_DECREF(best);
            MV_DECREF(bestkey);
            best = item;
            bestkey = k;
        } else {
            MV_DECREF(item);
            MV_DECREF(k);
        }
    }
    MV_XDECREF(it);
    MV_XDECREF(bestkey);
    if (!best) {
        if (dflt) return mv_newref(dflt);
        return mv_err_format(t, &mv_exc_ValueError, "%s() arg is an empty sequence", name);
    }
    return best;
fail:
    MV_XDECREF(it);
    MV_XDECREF(best);
    MV_XDECREF(bestkey);
    return NULL;
}

static Value builtin_min(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return min_max(t, args, nargs, kwnames, MV_LT, "min");
}
static Value builtin_max(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return min_max(t, args, nargs, kwnames, MV_GT, "max");
}

/* ---- iteration ---------------------------------------------------------------------------- */

static Value all_any(mv_thread *t, Value *args, size_t nargs, Value kwnames, const char *name, int stop_on) {
    if (one_arg(t, name, nargs, kwnames) < 0) return NULL;
    Value it = mv_iter(t, args[0]);
    if (!it) return NULL;
    Value item;
    while ((item = mv_next(t, it))) {
        int r = mv_truthy(t, item);
        MV_DECREF(item);
        if (r < 0) {
            MV_DECREF(it);
            return NULL;
        }
        if (r == stop_on) {
            MV_DECREF(it);
            return MV_BOOL(stop_on);
        }
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) return NULL;
    return MV_BOOL(!stop_on);
}
static Value builtin_all(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return all_any(t, args, nargs, kwnames, "all", 0);
}
static Value builtin_any(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return all_any(t, args, nargs, kwnames, "any", 1);
}

static Value builtin_sorted(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "sorted expected 1 argument, got %zu", nargs);
    Value key = NULL, reverse = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (mv_str_eq_cstr(k, "key"))
            key = args[nargs + i];
        else if (mv_str_eq_cstr(k, "reverse"))
            reverse = args[nargs + i];
        else
            return mv_err_format(t, &mv_exc_TypeError, "%R is an invalid keyword argument for sort()", k);
    }
    if (key == MV_NONE) key = NULL;
    int rev = 0;
    if (reverse && (rev = mv_truthy(t, reverse)) < 0) return NULL;
    Value list = mv_sequence_list(t, args[0]);
    if (!list) return NULL;
    if (mv_list_sort(t, list, key, rev) < 0) {
        MV_DECREF(list);
        return NULL;
    }
    return list;
}

static Value builtin_iter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "iter", nargs, kwnames, 1, 2) < 0) return NULL;
    if (nargs == 1) return mv_iter(t, args[0]);
    if (!mv_callable(args[0])) return mv_err_set(t, &mv_exc_TypeError, "iter(v, w): v must be callable");
    return mv_call(t, (Value)&mv_callable_iter_type, args, 2, NULL);
}

static Value builtin_next(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "next", nargs, kwnames, 1, 2) < 0) return NULL;
    Value it = args[0];
    mv_type *tp = MV_TYPE(it);
    if (!tp->iternext)
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not an iterator", mv_type_name(it));
    Value r = tp->iternext(t, it);
    if (r) return r;
    if (mv_err_occurred(t)) {
        if (nargs < 2 || !mv_err_matches(t, &mv_exc_StopIteration)) return NULL;
        mv_err_clear(t);
    }
    if (nargs == 2) return mv_newref(args[1]);
    return mv_err_set_object(t, (Value)&mv_exc_StopIteration);
}

/* ---- attributes --------------------------------------------------------------------------- */

static int check_attr_name(mv_thread *t, Value name) {
    if (mv_str_check(name)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "attribute name must be string, not '%s'", mv_type_name(name));
    return -1;
}

static Value builtin_getattr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "getattr", nargs, kwnames, 2, 3) < 0) return NULL;
    if (check_attr_name(t, args[1]) < 0) return NULL;
    if (nargs == 2) return mv_getattr(t, args[0], args[1]);
    /* with a default, a missing attribute builds no AttributeError (CPython's
       _PyObject_LookupAttr): Condition(Lock()) probes three of them per Event */
    Value r = mv_getattr_opt(t, args[0], args[1]);
    if (r || mv_err_occurred(t)) return r;
    return mv_newref(args[2]);
}

static Value builtin_setattr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "setattr", nargs, kwnames, 3, 3) < 0) return NULL;
    if (check_attr_name(t, args[1]) < 0) return NULL;
    if (mv_setattr(t, args[0], args[1], args[2]) < 0) return NULL;
    return MV_NONE;
}

static Value builtin_delattr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "delattr", nargs, kwnames, 2, 2) < 0) return NULL;
    if (check_attr_name(t, args[1]) < 0) return NULL;
    if (mv_setattr(t, args[0], args[1], NULL) < 0) return NULL;
    return MV_NONE;
}

static Value builtin_hasattr(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "hasattr", nargs, kwnames, 2, 2) < 0) return NULL;
    if (check_attr_name(t, args[1]) < 0) return NULL;
    int r = mv_hasattr(t, args[0], args[1]);
    if (r < 0) return NULL;
    return MV_BOOL(r);
}

static Value builtin_isinstance(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 2 || kwnames) {
        if (unpack_args(t, "isinstance", nargs, kwnames, 2, 2) < 0) return NULL;
    }
    /* fast path: an exact static type match needs no protocol */
    Value cls = args[1];
    if (!MV_IS_SMALL(cls) && cls->type == &mv_type_type && mv_type_is_subtype(MV_TYPE(args[0]), (mv_type *)cls))
        return MV_TRUE;
    int r = mv_isinstance(t, args[0], cls);
    if (r < 0) return NULL;
    return MV_BOOL(r);
}

static Value builtin_issubclass(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "issubclass", nargs, kwnames, 2, 2) < 0) return NULL;
    int r = mv_issubclass(t, args[0], args[1]);
    if (r < 0) return NULL;
    return MV_BOOL(r);
}

/* ---- namespaces: globals, locals, vars, dir ---------------------------------------------- */

/* The caller's locals as a dict (new ref): the frame's dict for module/class bodies, else a
   snapshot of the fast locals and cells. */
static Value frame_locals(mv_thread *t, mv_frame *f) {
    if (f->locals) return mv_newref(f->locals);
    Value d = mv_dict_new();
    if (!d) return NULL;
    mv_code *co = f->code;
    for (int i = 0; i < co->nlocals && i < (int)mv_tuple_size(co->varnames); i++) {
        Value v = f->localsplus[i];
        if (v && mv_dict_set(t, d, MV_TUPLE_GET(co->varnames, i), v) < 0) goto fail;
    }
    for (int i = 0; i < co->ncells + co->nfrees; i++) {
        Value names = i < co->ncells ? co->cellvars : co->freevars;
        int j = i < co->ncells ? i : i - co->ncells;
        if (!names || j >= (int)mv_tuple_size(names)) continue;
        Value cell = f->localsplus[co->nlocals + i];
        if (!cell || MV_IS_SMALL(cell) || cell->type != &mv_cell_type) continue;
        Value v = ((mv_cell *)cell)->ref;
        if (v && mv_dict_set(t, d, MV_TUPLE_GET(names, j), v) < 0) goto fail;
    }
    return d;
fail:
    MV_DECREF(d);
    return NULL;
}

static Value builtin_globals(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "globals", nargs, kwnames) < 0) return NULL;
    if (!t->frame) return mv_dict_new();
    return mv_newref(t->frame->globals);
}

static Value builtin_locals(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, "locals", nargs, kwnames) < 0) return NULL;
    if (!t->frame) return mv_dict_new();
    return frame_locals(t, t->frame);
}

static Value builtin_vars(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "vars", nargs, kwnames, 0, 1) < 0) return NULL;
    if (nargs == 0) return t->frame ? frame_locals(t, t->frame) : mv_dict_new();
    static Value dict_name;
    Value d = mv_getattr(t, args[0], interned(t, &dict_name, "__dict__"));
    if (!d && mv_err_matches(t, &mv_exc_AttributeError)) {
        mv_err_clear(t);
        return mv_err_set(t, &mv_exc_TypeError, "vars() argument must have __dict__ attribute");
    }
    return d;
}

static int add_keys(mv_thread *t, Value acc, Value d) {
    if (!d || !mv_dict_check(d)) return 0;
    size_t pos = 0;
    Value k, v;
    while (mv_dict_next(d, &pos, &k, &v))
        if (mv_dict_set(t, acc, k, MV_NONE) < 0) return -1;
    return 0;
}

static Value sorted_keys(mv_thread *t, Value d) {
    Value list = mv_dict_keys_list(d);
    if (!list) return NULL;
    if (mv_list_sort(t, list, NULL, false) < 0) {
        MV_DECREF(list);
        return NULL;
    }
    return list;
}

static Value builtin_dir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "dir", nargs, kwnames, 0, 1) < 0) return NULL;
    if (nargs == 0) {
        Value d = t->frame ? frame_locals(t, t->frame) : mv_dict_new();
        if (!d) return NULL;
        Value r = sorted_keys(t, d);
        MV_DECREF(d);
        return r;
    }
    Value obj = args[0];
    static Value dir_name, dict_name;
    Value meth = mv_type_lookup(MV_TYPE(obj), interned(t, &dir_name, "__dir__"));
    if (meth && !mv_type_check(obj)) {
        Value r = mv_call_method(t, obj, "__dir__", NULL, 0);
        if (!r) return NULL;
        Value list = mv_sequence_list(t, r);
        MV_DECREF(r);
        if (list && mv_list_sort(t, list, NULL, false) < 0) MV_CLEAR(list);
        return list;
    }
    Value acc = mv_dict_new();
    if (!acc) return NULL;
    Value md = mv_module_check_dict(obj);
    int err = 0;
    if (md) {
        err = add_keys(t, acc, md);
    } else if (mv_type_check(obj)) {
        for (mv_type *tp = (mv_type *)obj; tp && !err; tp = tp->base) err = add_keys(t, acc, tp->dict);
    } else {
        Value d = mv_getattr_opt(t, obj, interned(t, &dict_name, "__dict__"));
        if (d) {
            err = add_keys(t, acc, d);
            MV_DECREF(d);
        } else if (mv_err_occurred(t)) {
            mv_err_clear(t);
        }
        for (mv_type *tp = MV_TYPE(obj); tp && !err; tp = tp->base) err = add_keys(t, acc, tp->dict);
    }
    Value r = err ? NULL : sorted_keys(t, acc);
    MV_DECREF(acc);
    return r;
}

/* ---- exec / eval / compile ---------------------------------------------------------------- */

static int compile_mode(mv_thread *t, Value m) {
    if (mv_str_check(m)) {
        if (mv_str_eq_cstr(m, "exec")) return MV_COMPILE_EXEC;
        if (mv_str_eq_cstr(m, "eval")) return MV_COMPILE_EVAL;
        if (mv_str_eq_cstr(m, "single")) return MV_COMPILE_SINGLE;
    }
    mv_err_set(t, &mv_exc_ValueError, "compile() mode must be 'exec', 'eval' or 'single'");
    return -1;
}

/* Source text of a str/bytes argument, or NULL (not an error) for anything else. */
static const char *source_text(Value src, size_t *len) {
    if (mv_str_check(src)) {
        *len = mv_str_size(src);
        return mv_str_data(src);
    }
    if (mv_bytes_check(src)) {
        *len = mv_bytes_size(src);
        return (const char *)mv_bytes_data(src);
    }
    return NULL;
}

static Value run_source(mv_thread *t, Value *args, size_t nargs, Value kwnames, bool is_eval) {
    const char *name = is_eval ? "eval" : "exec";
    static const char *const kwlist[] = {"/source", "globals", "locals", NULL};
    Value a[3];
    if (mv_parse_args(t, name, args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value globals = a[1] == MV_NONE ? NULL : a[1];
    Value locals = a[2] == MV_NONE ? NULL : a[2];
    if (globals && !mv_dict_check(globals)) {
        if (is_eval)
            return mv_err_set(t, &mv_exc_TypeError,
                              locals ? "globals must be a real dict; try eval(expr, {}, mapping)" : "globals must be a dict");
        return mv_err_format(t, &mv_exc_TypeError, "exec() globals must be a dict, not %s", mv_type_name(globals));
    }
    if (locals && !mv_dict_check(locals))
        return mv_err_set(t, &mv_exc_TypeError, is_eval ? "locals must be a mapping" : "locals must be a mapping");
    Value own_locals = NULL;
    if (!globals) {
        if (!t->frame) return mv_err_bad_internal(t, name);
        globals = t->frame->globals;
        if (!locals) {
            own_locals = frame_locals(t, t->frame);
            if (!own_locals) return NULL;
            locals = own_locals;
        }
    }
    if (!locals) locals = globals;
    if (!mv_dict_get_cstr(t, globals, "__builtins__")) {
        if (mv_err_occurred(t) || mv_dict_set_cstr(t, globals, "__builtins__", t->vm->builtins_module) < 0) {
            MV_XDECREF(own_locals);
            return NULL;
        }
    }
    Value code;
    size_t len;
    const char *src = source_text(a[0], &len);
    if (src) {
        if (is_eval)
            while (len && (*src == ' ' || *src == '\t')) src++, len--;
        code = mv_compile(t, src, len, "<string>", is_eval ? MV_COMPILE_EVAL : MV_COMPILE_EXEC);
    } else if (!MV_IS_SMALL(a[0]) && a[0]->type == &mv_code_type) {
        code = mv_newref(a[0]);
    } else {
        MV_XDECREF(own_locals);
        return mv_err_format(t, &mv_exc_TypeError, "%s() arg 1 must be a string, bytes or code object", name);
    }
    Value r = code ? mv_eval_code(t, code, globals, locals) : NULL;
    MV_XDECREF(code);
    MV_XDECREF(own_locals);
    if (r && !is_eval) MV_SETREF(r, MV_NONE);
    return r;
}

static Value builtin_exec(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return run_source(t, args, nargs, kwnames, false);
}
static Value builtin_eval(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return run_source(t, args, nargs, kwnames, true);
}

static Value builtin_compile(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"source", "filename", "mode", "flags", "dont_inherit", "optimize", NULL};
    Value a[6];
    if (mv_parse_args(t, "compile", args, nargs, kwnames, kwlist, 3, a) < 0) return NULL;
    int mode = compile_mode(t, a[2]);
    if (mode < 0) return NULL;
    if (!MV_IS_SMALL(a[0]) && a[0]->type == &mv_code_type) return mv_newref(a[0]);
    size_t len;
    const char *src = source_text(a[0], &len);
    if (!src) return mv_err_set(t, &mv_exc_TypeError, "compile() arg 1 must be a string, bytes or AST object");
    if (!mv_str_check(a[1]))
        return mv_err_format(t, &mv_exc_TypeError, "compile() argument 'filename' must be str, not %s", mv_type_name(a[1]));
    return mv_compile(t, src, len, mv_str_data(a[1]), mode);
}

static Value builtin_import(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"name", "globals", "locals", "fromlist", "level", NULL};
    Value a[5];
    if (mv_parse_args(t, "__import__", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (!mv_str_check(a[0]))
        return mv_err_format(t, &mv_exc_TypeError, "__import__() argument 1 must be str, not %s", mv_type_name(a[0]));
    int64_t level = 0;
    if (a[4] && mv_index_int64(t, a[4], &level) < 0) return NULL;
    Value fromlist = a[3] && a[3] != MV_NONE ? a[3] : NULL;
    return mv_import(t, a[0], fromlist, (int)level);
}

/* ---- aiter / anext ---------------------------------------------------------------------- */

/* anext(it, default): an awaitable driving it.__anext__()'s awaitable, whose StopAsyncIteration
   becomes the default value (CPython's anext_awaitable). */
typedef struct {
    mv_object ob;
    Value wrapped, deflt;
    Value it; /* the iterator being driven, once started */
} anext_awaitable;

static mv_type anext_awaitable_type;

static Value anext_iter(mv_thread *t, anext_awaitable *a) {
    if (!a->it) {
        Value it = mv_coro_get_awaitable(t, a->wrapped, 0);
        if (!it) return NULL;
        a->it = it;
    }
    return a->it;
}

static bool anext_is_gen(Value it) {
    return !MV_IS_SMALL(it) && (it->type == &mv_coro_type || it->type == &mv_gen_type);
}

static Value anext_result(mv_thread *t, anext_awaitable *a, Value r) {
    if (!r && mv_err_matches(t, &mv_exc_StopAsyncIteration)) {
        mv_err_clear(t);
        mv_err_set_value(t, &mv_exc_StopIteration, a->deflt);
    }
    return r;
}

static Value anext_send_value(mv_thread *t, anext_awaitable *a, Value v) {
    Value it = anext_iter(t, a);
    if (!it) return NULL;
    Value r;
    if (anext_is_gen(it)) r = mv_gen_send(t, it, v, NULL);
    else if (v == MV_NONE && MV_TYPE(it)->iternext) {
        r = MV_TYPE(it)->iternext(t, it);
        if (!r && !mv_err_occurred(t)) mv_err_set_object(t, (Value)&mv_exc_StopIteration);
    } else r = mv_call_method(t, it, "send", &v, 1);
    return anext_result(t, a, r);
}

static Value anext_aw_send(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "send", nargs, kwnames, 1, 1) < 0) return NULL;
    return anext_send_value(t, (anext_awaitable *)self, args[0]);
}

static Value anext_aw_iternext(mv_thread *t, Value self) {
    Value r = anext_send_value(t, (anext_awaitable *)self, MV_NONE);
    if (!r && mv_err_matches(t, &mv_exc_StopIteration)) {
        Value e = mv_err_fetch(t);
        Value v = mv_getattr_cstr(t, e, "value");
        MV_DECREF(e);
        if (v && v != MV_NONE) mv_err_set_value(t, &mv_exc_StopIteration, v);
        MV_XDECREF(v);
    }
    return r;
}

static Value anext_aw_throw(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    anext_awaitable *a = (anext_awaitable *)self;
    Value it = anext_iter(t, a);
    if (!it) return NULL;
    if (anext_is_gen(it)) {
        Value e = mv_gen_throw_args(t, "throw", args, nargs, kwnames);
        if (!e) return NULL;
        return anext_result(t, a, mv_gen_throw_value(t, it, e));
    }
    Value m = mv_getattr_cstr(t, it, "throw");
    if (!m) return NULL;
    Value r = mv_call(t, m, args, nargs, kwnames);
    MV_DECREF(m);
    return anext_result(t, a, r);
}

static Value anext_aw_close(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    anext_awaitable *a = (anext_awaitable *)self;
    Value it = anext_iter(t, a);
    if (!it) return NULL;
    if (anext_is_gen(it)) return anext_result(t, a, mv_gen_close(t, it));
    Value m = mv_getattr_opt(t, it, mv_str_intern_cstr(t, "close"));
    if (!m) return mv_err_occurred(t) ? NULL : mv_newref(MV_NONE);
    Value r = mv_call0(t, m);
    MV_DECREF(m);
    return anext_result(t, a, r);
}

static Value anext_aw_self(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) { return mv_newref(self); }
static Value anext_aw_iter(mv_thread *t, Value self) { return mv_newref(self); }

static void anext_aw_dealloc(Value self) {
    anext_awaitable *a = (anext_awaitable *)self;
    MV_XDECREF(a->wrapped);
    MV_XDECREF(a->deflt);
    MV_XDECREF(a->it);
}

static const mv_method_def anext_aw_methods[] = {
    {"send", anext_aw_send, 0, NULL},
    {"throw", anext_aw_throw, 0, NULL},
    {"close", anext_aw_close, 0, NULL},
    {"__await__", anext_aw_self, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static mv_type anext_awaitable_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "anext_awaitable",
    .basicsize = sizeof(anext_awaitable),
    .base = &mv_object_type,
    .dealloc = anext_aw_dealloc,
    .iter = anext_aw_iter,
    .iternext = anext_aw_iternext,
    .methods = anext_aw_methods,
};

static Value builtin_aiter(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "aiter() takes no keyword arguments");
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "aiter() takes exactly one argument (%zu given)", nargs);
    mv_type *tp = MV_TYPE(args[0]);
    Value m = mv_type_lookup(tp, mv_str_intern_cstr(t, "__aiter__"));
    if (!m) return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not an async iterable", mv_type_name(args[0]));
    Value it = mv_call_method(t, args[0], "__aiter__", NULL, 0);
    if (!it) return NULL;
    if (!mv_type_lookup(MV_TYPE(it), mv_str_intern_cstr(t, "__anext__"))) {
        mv_err_format(t, &mv_exc_TypeError, "aiter() returned not an async iterator of type '%s'", mv_type_name(it));
        MV_DECREF(it);
        return NULL;
    }
    return it;
}

static Value builtin_anext(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (unpack_args(t, "anext", nargs, kwnames, 1, 2) < 0) return NULL;
    if (!mv_type_lookup(MV_TYPE(args[0]), mv_str_intern_cstr(t, "__anext__")))
        return mv_err_format(t, &mv_exc_TypeError, "'%s' object is not an async iterator", mv_type_name(args[0]));
    Value aw = mv_call_method(t, args[0], "__anext__", NULL, 0);
    if (!aw || nargs == 1) return aw;
    anext_awaitable *a = (anext_awaitable *)mv_object_new(&anext_awaitable_type);
    a->wrapped = aw;
    a->deflt = mv_newref(args[1]);
    return (Value)a;
}

/* ---- the module -------------------------------------------------------------------------- */

static const mv_method_def builtin_methods[] = {
    {"print", builtin_print, 0, "Prints the values to a stream, or to sys.stdout by default."},
    {"input", builtin_input, 0, "Read a string from standard input."},
    {"len", builtin_len, 0, "Return the number of items in a container."},
    {"abs", builtin_abs, 0, "Return the absolute value of the argument."},
    {"id", builtin_id, 0, "Return the identity of an object."},
    {"hash", builtin_hash, 0, "Return the hash value for the given object."},
    {"repr", builtin_repr, 0, "Return the canonical string representation of the object."},
    {"ascii", builtin_ascii, 0, "Return an ASCII-only representation of an object."},
    {"callable", builtin_callable, 0, "Return whether the object is callable."},
    {"chr", builtin_chr, 0, "Return a Unicode string of one character with ordinal i."},
    {"ord", builtin_ord, 0, "Return the Unicode code point for a one-character string."},
    {"hex", builtin_hex, 0, "Return the hexadecimal representation of an integer."},
    {"oct", builtin_oct, 0, "Return the octal representation of an integer."},
    {"bin", builtin_bin, 0, "Return the binary representation of an integer."},
    {"format", builtin_format, 0, "Return value.__format__(format_spec)."},
    {"round", builtin_round, 0, "Round a number to a given precision in decimal digits."},
    {"divmod", builtin_divmod, 0, "Return the tuple (x//y, x%y)."},
    {"pow", builtin_pow, 0, "Equivalent to base**exp with 2 arguments or base**exp % mod with 3 arguments"},
    {"sum", builtin_sum, 0, "Return the sum of a 'start' value (default: 0) plus an iterable of numbers"},
    {"min", builtin_min, 0, "With a single iterable argument, return its smallest item."},
    {"max", builtin_max, 0, "With a single iterable argument, return its biggest item."},
    {"all", builtin_all, 0, "Return True if bool(x) is True for all values x in the iterable."},
    {"any", builtin_any, 0, "Return True if bool(x) is True for any x in the iterable."},
    {"sorted", builtin_sorted, 0, "Return a new list containing all items from the iterable in ascending order."},
    {"iter", builtin_iter, 0, "Get an iterator from an object."},
    {"next", builtin_next, 0, "Return the next item from the iterator."},
    {"aiter", builtin_aiter, 0, "Return an AsyncIterator for an AsyncIterable object."},
    {"anext", builtin_anext, 0, "Return the next item from the async iterator."},
    {"getattr", builtin_getattr, 0, "Get a named attribute from an object."},
    {"setattr", builtin_setattr, 0, "Sets the named attribute on the given object to the specified value."},
    {"delattr", builtin_delattr, 0, "Deletes the named attribute from the given object."},
    {"hasattr", builtin_hasattr, 0, "Return whether the object has an attribute with the given name."},
    {"isinstance", builtin_isinstance, 0, "Return whether an object is an instance of a class or of a subclass thereof."},
    {"issubclass", builtin_issubclass, 0, "Return whether 'cls' is derived from another class or is the same class."},
    {"globals", builtin_globals, 0, "Return the dictionary containing the current scope's global variables."},
    {"locals", builtin_locals, 0, "Return a dictionary containing the current scope's local variables."},
    {"vars", builtin_vars, 0, "Show vars."},
    {"dir", builtin_dir, 0, "Show attributes of an object."},
    {"exec", builtin_exec, 0, "Execute the given source in the context of globals and locals."},
    {"eval", builtin_eval, 0, "Evaluate the given source in the context of globals and locals."},
    {"compile", builtin_compile, 0, "Compile source into a code object."},
    {"open", mv_builtin_open, 0, "Open file and return a stream."},
    {"__import__", builtin_import, 0, "Import a module."},
    {"__build_class__", mv_build_class, 0, "Internal helper function used by the class statement."},
    {NULL, NULL, 0, NULL},
};

static const struct {
    const char *name;
    mv_type *type;
} builtin_types[] = {
    {"object", &mv_object_type},
    {"type", &mv_type_type},
    {"int", &mv_int_type},
    {"bool", &mv_bool_type},
    {"float", &mv_float_type},
    {"str", &mv_str_type},
    {"bytes", &mv_bytes_type},
    {"bytearray", &mv_bytearray_type},
    {"list", &mv_list_type},
    {"tuple", &mv_tuple_type},
    {"dict", &mv_dict_type},
    {"set", &mv_set_type},
    {"frozenset", &mv_frozenset_type},
    {"range", &mv_range_type},
    {"slice", &mv_slice_type},
    {"enumerate", &mv_enumerate_type},
    {"zip", &mv_zip_type},
    {"map", &mv_map_type},
    {"filter", &mv_filter_type},
    {"reversed", &mv_reversed_type},
    {"super", &mv_super_type},
    {"property", &mv_property_type},
    {"staticmethod", &mv_staticmethod_type},
    {"classmethod", &mv_classmethod_type},
    {NULL, NULL},
};

Value mv_builtins_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "builtins");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, builtin_methods) < 0) goto fail;
    for (size_t i = 0; builtin_types[i].name; i++)
        if (mv_module_add(t, m, builtin_types[i].name, (Value)builtin_types[i].type) < 0) goto fail;
    if (mv_module_add(t, m, "None", MV_NONE) < 0 || mv_module_add(t, m, "True", MV_TRUE) < 0 ||
        mv_module_add(t, m, "False", MV_FALSE) < 0 || mv_module_add(t, m, "Ellipsis", MV_ELLIPSIS) < 0 ||
        mv_module_add(t, m, "NotImplemented", MV_NOTIMPL) < 0 || mv_module_add(t, m, "__debug__", MV_TRUE) < 0)
        goto fail;
    if (mv_exc_register_builtins(t, mv_module_dict(m)) < 0) goto fail;
    if (mv_repl_add_quitters(t, mv_module_dict(m)) < 0) goto fail; /* exit(), quit() (interp/repl.c) */
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
