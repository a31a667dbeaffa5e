/* abstract.h: the generic object protocols (abstract.c), used by the eval loop, builtins and
 * every type: attribute access, calls, operators, comparison, hashing, iteration, conversion.
 * Each dispatches on the type's slots and raises CPython's TypeError messages when a slot is
 * missing.  All follow the conventions of object.h (new references out, NULL/-1 on error).
 */
#ifndef MV_ABSTRACT_H
#define MV_ABSTRACT_H

#include "vm.h"

/* attributes (name must be a str; interned names are faster) */
Value mv_getattr(mv_thread *t, Value obj, Value name);
Value mv_getattr_cstr(mv_thread *t, Value obj, const char *name);
/* Like mv_getattr, but returns NULL WITHOUT an exception when the attribute is missing. */
Value mv_getattr_opt(mv_thread *t, Value obj, Value name);
int mv_setattr(mv_thread *t, Value obj, Value name, Value v); /* v NULL = delete */
int mv_setattr_cstr(mv_thread *t, Value obj, const char *name, Value v);
int mv_hasattr(mv_thread *t, Value obj, Value name); /* 1/0; -1 on a non-AttributeError */
/* object's default attribute machinery: descriptors on the type (MRO), then the instance
   __dict__, then __getattr__ (for heap types).  Used as the getattr slot of most types. */
Value mv_generic_getattr(mv_thread *t, Value obj, Value name);
int mv_generic_setattr(mv_thread *t, Value obj, Value name, Value v);
/* mv_generic_getattr without the AttributeError: NULL and no exception when missing. */
Value mv_generic_getattr_opt(mv_thread *t, Value obj, Value name);
/* Look a name up along the type's MRO (its dict, then its bases'); borrowed ref or NULL. */
Value mv_type_lookup(mv_type *type, Value name);
/* For LOAD_METHOD: if obj.name is a plain function found on the type (not shadowed by the
   instance), store it (new ref) in *method and return 1 ("call it with obj as first arg");
   otherwise store the bound attribute in *method and return 0; -1 on error. */
int mv_get_method(mv_thread *t, Value obj, Value name, Value *method);

/* calls */
Value mv_call(mv_thread *t, Value callable, Value *args, size_t nargs, Value kwnames);
Value mv_call0(mv_thread *t, Value callable);
Value mv_call1(mv_thread *t, Value callable, Value a);
Value mv_call2(mv_thread *t, Value callable, Value a, Value b);
/* callable(*args_tuple, **kwargs_dict); kwargs may be NULL */
Value mv_call_tuple_dict(mv_thread *t, Value callable, Value args, Value kwargs);
/* obj.name(args...) */
Value mv_call_method(mv_thread *t, Value obj, const char *name, Value *args, size_t nargs);
bool mv_callable(Value v);

/* operators */
Value mv_binary_op(mv_thread *t, Value a, Value b, int op); /* op: mv_binop, or op|MV_BINOP_INPLACE */
Value mv_unary_neg(mv_thread *t, Value a);
Value mv_unary_pos(mv_thread *t, Value a);
Value mv_unary_invert(mv_thread *t, Value a);
Value mv_abs(mv_thread *t, Value a);
Value mv_richcompare(mv_thread *t, Value a, Value b, int op); /* returns an object (usually bool) */
int mv_richcompare_bool(mv_thread *t, Value a, Value b, int op); /* 1/0/-1; identity implies
                                                                   equality for EQ/NE as CPython */
int mv_truthy(mv_thread *t, Value v); /* 1/0/-1 */
int mv_contains(mv_thread *t, Value container, Value item); /* `item in container`: 1/0/-1 */
int mv_hash(mv_thread *t, Value v, int64_t *out); /* TypeError: unhashable type: 'list' */

/* containers */
int64_t mv_len(mv_thread *t, Value v);
Value mv_getitem(mv_thread *t, Value obj, Value key);
int mv_setitem(mv_thread *t, Value obj, Value key, Value v);
int mv_delitem(mv_thread *t, Value obj, Value key);

/* iteration */
Value mv_iter(mv_thread *t, Value v);
/* next item (new ref); NULL with no exception set = exhausted (StopIteration is cleared). */
Value mv_next(mv_thread *t, Value iter);
/* Materialize any iterable as a new list. */
Value mv_sequence_list(mv_thread *t, Value iterable);
Value mv_sequence_tuple(mv_thread *t, Value iterable);

/* conversions */
Value mv_repr(mv_thread *t, Value v);  /* returns a str */
Value mv_str(mv_thread *t, Value v);   /* returns a str */
Value mv_ascii(mv_thread *t, Value v);
Value mv_format(mv_thread *t, Value v, Value spec); /* format(v, spec); spec NULL = "" */
Value mv_number_index(mv_thread *t, Value v);     /* __index__ -> int */
/* v as a C int64 via __index__; OverflowError ("... too large to convert to C ssize_t") */
int mv_index_int64(mv_thread *t, Value v, int64_t *out);
Value mv_number_int(mv_thread *t, Value v);   /* int(v) */
Value mv_number_float(mv_thread *t, Value v); /* float(v) */

/* isinstance / issubclass with tuples and heap classes */
int mv_isinstance(mv_thread *t, Value obj, Value cls);
int mv_issubclass(mv_thread *t, Value derived, Value cls);

/* printing (used by print() and the REPL): write str to a file object */
int mv_file_write_str(mv_thread *t, Value file, Value str);

/* argument parsing for C functions.
   kwlist: NULL-terminated parameter names; a name starting with '$' is keyword-only (the '$' is
   not part of the name); a name starting with '/' is positional-only.  `required` = how many
   leading parameters are required.  out[i] is set to a BORROWED ref or NULL when not passed.
   Raises CPython's messages: "f() takes at most 2 arguments (3 given)", "f() missing required
   argument 'x' (pos 1)", "f() got an unexpected keyword argument 'y'", ... */
int mv_parse_args(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames,
                  const char *const *kwlist, size_t required, Value *out);
/* Quick checks for the common cases: */
int mv_check_nargs(mv_thread *t, const char *fname, size_t nargs, size_t min, size_t max);
int mv_check_no_kwargs(mv_thread *t, const char *fname, Value kwnames);

/* NotImplemented / type name helpers */
const char *mv_type_name(Value v); /* "int", "MyClass" */

#endif
