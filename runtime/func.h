/* func.h: Python functions (mv_func: code + globals + defaults + closure), C functions and
 * methods (mv_cfunc: an mv_method_def bound to `self`), bound methods, and the call binding of
 * arguments to parameters with CPython's error messages.
 */
#ifndef MV_FUNC_H
#define MV_FUNC_H

#include "code.h"

typedef struct {
    mv_object ob;
    mv_code *code;
    Value globals;   /* dict */
    Value builtins;  /* dict */
    Value name;      /* str */
    Value qualname;  /* str */
    Value module;    /* str or None */
    Value defaults;  /* tuple or NULL */
    Value kwdefaults;/* dict or NULL */
    Value closure;   /* tuple of cells or NULL */
    Value doc;       /* or NULL */
    Value dict;      /* function attributes, created on demand */
    Value annotations;
} mv_func;

typedef struct {
    mv_object ob;
    const mv_method_def *def;
    Value self;   /* bound object (may be NULL for static functions), module for module funcs */
    Value module; /* module name (str) or NULL */
} mv_cfunc;

typedef struct {
    mv_object ob;
    Value func;
    Value self;
} mv_method;

/* descriptor wrapping an mv_method_def in a type's dict: binds on attribute access */
typedef struct {
    mv_object ob;
    const mv_method_def *def;
    mv_type *owner;
} mv_method_descr;

extern mv_type mv_func_type, mv_cfunc_type, mv_method_type, mv_method_descr_type,
    mv_staticmethod_type, mv_classmethod_type, mv_property_type, mv_getset_descr_type;

static inline bool mv_func_check(Value v) { return !MV_IS_SMALL(v) && v->type == &mv_func_type; }

Value mv_func_new(mv_thread *t, Value code, Value globals, Value qualname);
Value mv_cfunc_new(const mv_method_def *def, Value self, Value module);
Value mv_method_new(Value func, Value self);
/* Fill a fresh frame's locals from call arguments; CPython's messages on mismatch
   ("f() missing 1 required positional argument: 'x'", "f() got multiple values for argument
   'x'", "f() takes 2 positional arguments but 3 were given", ...).  Returns 0 or -1. */
int mv_func_bind_args(mv_thread *t, mv_func *f, mv_frame *frame, Value *args, size_t nargs,
                      Value kwnames);

/* Fill a new frame's cells (fresh, or holding the argument for cell2arg) and free variables
   (from the closure). */
void mv_func_init_cells(mv_func *fn, mv_frame *f);

/* Run a function's code with `locals` (a dict) as its local namespace: class bodies (the body
   function's code has MV_CO_MODULE-style name access).  Returns the body's return value. */
Value mv_func_call_with_locals(mv_thread *t, Value func, Value locals);
/* func.__call__: bind args into a new frame and run it (or make a generator for generator code). */
Value mv_func_call(mv_thread *t, Value func, Value *args, size_t nargs, Value kwnames);

#endif
