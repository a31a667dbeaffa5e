/* class.h: type objects as values: readying static types (filling their dict from methods,
 * getsets and slot wrappers such as __add__ / __repr__ / __init__), creating classes from class
 * statements (heap types, single inheritance, their dunder methods wired into the slots), plain
 * instances, super, property, staticmethod, classmethod.
 */
#ifndef MV_CLASS_H
#define MV_CLASS_H

#include "vm.h"

extern mv_type mv_type_type, mv_object_type, mv_super_type, mv_none_type, mv_notimpl_type,
    mv_ellipsis_type, mv_module_type;

static inline bool mv_type_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_type_type); }

/* Fill type->dict from methods/getsets/slots and inherit missing slots from the base. */
int mv_type_ready(mv_type *type);
/* type(name, bases, ns): create a class.  bases: tuple (at most one non-object base). */
Value mv_type_new_class(mv_thread *t, Value name, Value bases, Value ns);
/* The __build_class__ builtin: run the class body function, then make the class. */
Value mv_build_class(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);
Value mv_type_repr(mv_thread *t, Value type); /* <class 'int'>, <class '__main__.C'> */
Value mv_type_name_str(mv_type *type);        /* new ref str of the (qual)name */

#endif
