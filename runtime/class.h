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

/* Call after changing a type's dict (or slots) directly: invalidates the method cache used by
   mv_type_lookup.  type.__setattr__ and class creation do it themselves. */
void mv_type_modified(mv_type *type);

/* Slot wrappers (slots.c): `int.__add__`, `object.__init__`, ... expose a static type's C slots
   as methods; calling one calls the slot of the type that defined it. */
extern mv_type mv_slotwrapper_type, mv_methodwrapper_type;
/* Add slot wrappers for the non-NULL slots `type` defines itself (names already in the dict win). */
void mv_slots_add_wrappers(mv_type *type, Value dict);
/* Point a heap class's slots at functions that call the dunder methods its namespace defines. */
void mv_slots_fixup(mv_type *type, Value ns);
/* Multiple inheritance: take the slots of dunders defined by classes along the MRO. */
void mv_slots_fixup_mro(mv_type *type);
/* Re-point one slot after `C.__add__ = f` style assignment (name: the dunder). */
void mv_slots_update(mv_type *type, Value name);

/* format(v, spec) for types without their own __format__: builtins through mv_format_builtin,
   other objects str(v) (TypeError for a non-empty spec).  mv_is_object_format: is `m` the
   __format__ that object's dict holds. */
Value mv_object_format(mv_thread *t, Value v, Value spec);
bool mv_is_object_format(Value m);

/* X | Y of types: a types.UnionType; its members (a tuple of types, None as NoneType). */
extern mv_type mv_union_type;
Value mv_union_args(Value u);

/* Descriptors (descr.c). */
Value mv_method_descr_new(mv_type *owner, const mv_method_def *def);
Value mv_getset_descr_new(mv_type *owner, const mv_getset_def *def);
Value mv_staticmethod_new(Value f);
/* A __slots__ entry: the Value stored at `offset` in instances of owner. */
extern mv_type mv_member_descr_type;
Value mv_member_descr_new(mv_type *owner, Value name, size_t offset);
Value mv_classmethod_new(Value f);

#endif
