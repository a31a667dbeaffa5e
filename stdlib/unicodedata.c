/* unicodedata.c: the unicodedata module over runtime/unicodename.c's generated tables: name,
 * lookup (aliases and named sequences too), category, bidirectional, combining, mirrored,
 * east_asian_width, decimal, digit, numeric and unidata_version.  No normalize/decomposition.
 */
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"
#include "unicodename.h"

/* The code point of a 1-character str argument, or -1 with CPython's TypeError. */
static long one_char(mv_thread *t, const char *fname, const char *argn, Value v) {
    if (!mv_str_check(v) || mv_str_len(v) != 1) {
        mv_err_format(t, &mv_exc_TypeError, "%s() argument %smust be a unicode character, not %s", fname, argn,
                      mv_type_name(v));
        return -1;
    }
    return (long)mv_str_codepoint_at(v, 0);
}

/* f(chr): the one-argument property functions. */
static long single_arg(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames,
                       mv_unicode_props *p) {
    char qual[48];
    snprintf(qual, sizeof qual, "unicodedata.%s", fname);
    if (mv_check_no_kwargs(t, qual, kwnames) < 0 || mv_check_nargs(t, qual, nargs, 1, 1) < 0) return -1;
    long cp = one_char(t, fname, "", args[0]);
    if (cp >= 0) mv_unicode_get_props((uint32_t)cp, p);
    return cp;
}

static Value ud_category(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_unicode_props p;
    if (single_arg(t, "category", args, nargs, kwnames, &p) < 0) return NULL;
    return mv_str_from_cstr(p.category);
}

static Value ud_bidirectional(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_unicode_props p;
    if (single_arg(t, "bidirectional", args, nargs, kwnames, &p) < 0) return NULL;
    return mv_str_from_cstr(p.bidirectional);
}

static Value ud_east_asian_width(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_unicode_props p;
    if (single_arg(t, "east_asian_width", args, nargs, kwnames, &p) < 0) return NULL;
    return mv_str_from_cstr(p.east_asian_width);
}

static Value ud_combining(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_unicode_props p;
    if (single_arg(t, "combining", args, nargs, kwnames, &p) < 0) return NULL;
    return mv_int_from_i64(p.combining);
}

static Value ud_mirrored(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    mv_unicode_props p;
    if (single_arg(t, "mirrored", args, nargs, kwnames, &p) < 0) return NULL;
    return mv_int_from_i64(p.mirrored);
}

/* f(chr[, default]): name, decimal, digit, numeric. */
static long with_default(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames) {
    char qual[48];
    snprintf(qual, sizeof qual, "unicodedata.%s", fname);
    if (mv_check_no_kwargs(t, qual, kwnames) < 0 || mv_check_nargs(t, fname, nargs, 1, 2) < 0) return -1;
    return one_char(t, fname, "1 ", args[0]);
}

static Value or_default(mv_thread *t, Value *args, size_t nargs, const char *msg) {
    if (nargs > 1) {
        MV_INCREF(args[1]);
        return args[1];
    }
    return mv_err_set(t, &mv_exc_ValueError, msg);
}

static Value ud_name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long cp = with_default(t, "name", args, nargs, kwnames);
    if (cp < 0) return NULL;
    char buf[MV_UNICODE_NAME_MAX];
    int n = mv_unicode_name((uint32_t)cp, buf, sizeof buf);
    if (n <= 0) return or_default(t, args, nargs, "no such name");
    return mv_str_new(buf, (size_t)n);
}

static Value ud_decimal(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long cp = with_default(t, "decimal", args, nargs, kwnames);
    if (cp < 0) return NULL;
    mv_unicode_props p;
    mv_unicode_get_props((uint32_t)cp, &p);
    if (p.decimal < 0) return or_default(t, args, nargs, "not a decimal");
    return mv_int_from_i64(p.decimal);
}

static Value ud_digit(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long cp = with_default(t, "digit", args, nargs, kwnames);
    if (cp < 0) return NULL;
    mv_unicode_props p;
    mv_unicode_get_props((uint32_t)cp, &p);
    if (p.digit < 0) return or_default(t, args, nargs, "not a digit");
    return mv_int_from_i64(p.digit);
}

static Value ud_numeric(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long cp = with_default(t, "numeric", args, nargs, kwnames);
    if (cp < 0) return NULL;
    mv_unicode_props p;
    mv_unicode_get_props((uint32_t)cp, &p);
    if (!p.has_numeric) return or_default(t, args, nargs, "not a numeric character");
    return mv_float_new(p.numeric);
}

static Value ud_lookup(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "unicodedata.lookup", kwnames) < 0 ||
        mv_check_nargs(t, "unicodedata.lookup", nargs, 1, 1) < 0)
        return NULL;
    const char *name;
    size_t len;
    if (mv_str_check(args[0])) {
        name = mv_str_data(args[0]);
        len = mv_str_size(args[0]);
    } else if (mv_bytes_check(args[0])) {
        name = (const char *)mv_bytes_data(args[0]);
        len = mv_bytes_size(args[0]);
    } else {
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%s'", mv_type_name(args[0]));
    }
    if (len > MV_UNICODE_NAME_MAX) return mv_err_set(t, &mv_exc_KeyError, "name too long");
    uint32_t cps[8];
    int n = mv_unicode_lookup_seq(name, len, cps, 8);
    if (n <= 0) {
        /* CPython formats the name as a C string: it stops at a NUL */
        return mv_err_format(t, &mv_exc_KeyError, "undefined character name '%s'", name);
    }
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (int i = 0; i < n; i++) mv_strbuf_add_codepoint(&b, cps[i]);
    return mv_strbuf_finish(&b);
}

static const mv_method_def unicodedata_methods[] = {
    {"name", ud_name, 0, NULL},
    {"lookup", ud_lookup, 0, NULL},
    {"category", ud_category, 0, NULL},
    {"bidirectional", ud_bidirectional, 0, NULL},
    {"combining", ud_combining, 0, NULL},
    {"mirrored", ud_mirrored, 0, NULL},
    {"east_asian_width", ud_east_asian_width, 0, NULL},
    {"decimal", ud_decimal, 0, NULL},
    {"digit", ud_digit, 0, NULL},
    {"numeric", ud_numeric, 0, NULL},
    {NULL, NULL, 0, NULL},
};

Value mv_unicodedata_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "unicodedata");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, unicodedata_methods) < 0) goto fail;
    Value v = mv_str_from_cstr(mv_unicode_version);
    int r = mv_module_add(t, m, "unidata_version", v);
    MV_DECREF(v);
    if (r < 0) goto fail;
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
