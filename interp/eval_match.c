/* eval_match.c: the runtime side of the match statement (the MATCH_* opcodes): which subjects are
 * sequences / mappings, looking keys up for mapping patterns and extracting the attributes of
 * class patterns (__match_args__, the builtins that match themselves), with CPython 3.11's errors.
 */
#include "eval_match.h"

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "list.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

bool mv_match_is_sequence(Value v) {
    mv_type *tp = MV_TYPE(v);
    if (tp == &mv_list_type || tp == &mv_tuple_type) return true;
    if (tp == &mv_str_type || tp == &mv_bytes_type || tp == &mv_bytearray_type) return false;
    if (mv_type_is_subtype(tp, &mv_str_type) || mv_type_is_subtype(tp, &mv_bytes_type) ||
        mv_type_is_subtype(tp, &mv_bytearray_type))
        return false;
    return mv_type_is_subtype(tp, &mv_list_type) || mv_type_is_subtype(tp, &mv_tuple_type) ||
           tp == &mv_range_type;
}

bool mv_match_is_mapping(Value v) { return mv_dict_check(v); }

/* keys: a tuple; a tuple of the values, None if one is missing, NULL on error */
Value mv_match_keys(mv_thread *t, Value subject, Value keys) {
    size_t n = mv_tuple_size(keys);
    Value *ks = mv_tuple_items(keys);
    Value vals = mv_tuple_new(n);
    if (!vals) return NULL;
    Value seen = NULL, get = NULL, dummy = NULL;
    bool exact = MV_TYPE(subject) == &mv_dict_type;
    if (n > 1 && !(seen = mv_set_new(t, NULL))) goto fail;
    if (!exact) {
        if (!(get = mv_getattr_cstr(t, subject, "get"))) goto fail;
        if (!(dummy = mv_object_new(&mv_object_type))) goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (seen) {
            int in = mv_set_contains(t, seen, ks[i]);
            if (in < 0) goto fail;
            if (in) {
                mv_err_format(t, &mv_exc_ValueError, "mapping pattern checks duplicate key (%R)", ks[i]);
                goto fail;
            }
            if (mv_set_add(t, seen, ks[i]) < 0) goto fail;
        }
        Value v;
        if (exact) {
            v = mv_dict_get(t, subject, ks[i]);
            if (!v) {
                if (mv_err_occurred(t)) goto fail;
                goto missing;
            }
            MV_INCREF(v);
        } else {
            v = mv_call2(t, get, ks[i], dummy);
            if (!v) goto fail;
            if (v == dummy) {
                MV_DECREF(v);
                goto missing;
            }
        }
        MV_TUPLE_SET(vals, i, v);
    }
    MV_XDECREF(seen);
    MV_XDECREF(get);
    MV_XDECREF(dummy);
    return vals;
missing:
    MV_XDECREF(seen);
    MV_XDECREF(get);
    MV_XDECREF(dummy);
    MV_DECREF(vals);
    return MV_NONE;
fail:
    MV_XDECREF(seen);
    MV_XDECREF(get);
    MV_XDECREF(dummy);
    MV_DECREF(vals);
    return NULL;
}

/* getattr(subject, name), remembering names in `seen` (a list) to report duplicates; NULL with no
   exception when missing */
static Value class_attr(mv_thread *t, Value subject, mv_type *type, Value name, Value seen) {
    size_t n = mv_list_size(seen);
    for (size_t i = 0; i < n; i++) {
        int eq = mv_richcompare_bool(t, mv_list_items(seen)[i], name, MV_EQ);
        if (eq < 0) return NULL;
        if (eq) return mv_err_format(t, &mv_exc_TypeError, "%s() got multiple sub-patterns for attribute %R",
                                     type->name, name);
    }
    mv_list_append(seen, name);
    return mv_getattr_opt(t, subject, name);
}

static bool match_self_type(mv_type *tp) {
    static mv_type *const self_types[] = {&mv_bool_type, &mv_int_type, &mv_float_type, &mv_str_type,
                                          &mv_bytes_type, &mv_bytearray_type, &mv_list_type, &mv_tuple_type,
                                          &mv_dict_type, &mv_set_type, &mv_frozenset_type};
    for (size_t i = 0; i < sizeof self_types / sizeof *self_types; i++)
        if (mv_type_is_subtype(tp, self_types[i])) return true;
    return false;
}

Value mv_match_class(mv_thread *t, Value subject, Value cls, int nargs, Value kwnames) {
    if (MV_IS_SMALL(cls) || !mv_isinstance_of(cls, &mv_type_type))
        return mv_err_set(t, &mv_exc_TypeError, "called match pattern must be a type");
    mv_type *type = (mv_type *)cls;
    int isinst = mv_isinstance(t, subject, cls);
    if (isinst < 0) return NULL;
    if (!isinst) return MV_NONE;
    size_t nkw = mv_tuple_size(kwnames);
    Value attrs = mv_tuple_new((size_t)nargs + nkw);
    if (!attrs) return NULL;
    size_t filled = 0;
    Value seen = mv_list_new(0), match_args = NULL;
    if (!seen) goto fail;
    if (nargs) {
        bool match_self = false;
        Value attr = mv_str_intern_cstr(t, "__match_args__");
        if (!attr) goto fail;
        match_args = mv_getattr_opt(t, cls, attr);
        MV_DECREF(attr);
        if (match_args) {
            if (MV_TYPE(match_args) != &mv_tuple_type) {
                mv_err_format(t, &mv_exc_TypeError, "%s.__match_args__ must be a tuple (got %s)", type->name,
                              mv_type_name(match_args));
                goto fail;
            }
        } else {
            if (mv_err_occurred(t)) goto fail;
            match_self = match_self_type(type);
        }
        size_t allowed = match_self ? 1 : match_args ? mv_tuple_size(match_args) : 0;
        if (allowed < (size_t)nargs) {
            mv_err_format(t, &mv_exc_TypeError, "%s() accepts %d positional sub-pattern%s (%d given)", type->name,
                          (int)allowed, allowed == 1 ? "" : "s", nargs);
            goto fail;
        }
        if (match_self) {
            MV_INCREF(subject);
            MV_TUPLE_SET(attrs, filled++, subject);
        } else {
            for (int i = 0; i < nargs; i++) {
                Value name = mv_tuple_items(match_args)[i];
                if (MV_TYPE(name) != &mv_str_type) {
                    mv_err_format(t, &mv_exc_TypeError, "__match_args__ elements must be strings (got %s)",
                                  mv_type_name(name));
                    goto fail;
                }
                Value v = class_attr(t, subject, type, name, seen);
                if (!v) {
                    if (mv_err_occurred(t)) goto fail;
                    goto nomatch;
                }
                MV_TUPLE_SET(attrs, filled++, v);
            }
        }
    }
    for (size_t i = 0; i < nkw; i++) {
        Value v = class_attr(t, subject, type, mv_tuple_items(kwnames)[i], seen);
        if (!v) {
            if (mv_err_occurred(t)) goto fail;
            goto nomatch;
        }
        MV_TUPLE_SET(attrs, filled++, v);
    }
    MV_XDECREF(match_args);
    MV_DECREF(seen);
    return attrs;
nomatch:
    MV_XDECREF(match_args);
    MV_DECREF(seen);
    MV_DECREF(attrs);
    return MV_NONE;
fail:
    MV_XDECREF(match_args);
    MV_XDECREF(seen);
    MV_DECREF(attrs);
    return NULL;
}
