/* object.c: object allocation and deallocation (mv_object_new, mv_dealloc) and the immortal
 * singletons None, NotImplemented and Ellipsis with their types.  (True/False live in bool.c;
 * `object` and `type` themselves in class.c.)
 */
#include "class.h"
#include "abstract.h"
#include "exc.h"
#include "str.h"
#include "tuple.h"

void mv_dealloc(Value v) {
    mv_type *tp = v->type;
    if (tp->dealloc) tp->dealloc(v);
    mv_mem_object_free(v);
    /* instances of classes keep their class alive */
    if (tp->flags & MV_TPFLAG_HEAPTYPE) MV_DECREF((Value)tp);
}

Value mv_object_new_sized(mv_type *type, size_t size) {
    if (!(type->flags & MV_TPFLAG_READY)) mv_type_ready(type);
    if (size < sizeof(mv_object)) size = sizeof(mv_object);
    mv_object *o = mv_mem_object_alloc(size);
    o->refcnt = 1;
    o->type = type;
    if (type->flags & MV_TPFLAG_HEAPTYPE) MV_INCREF((Value)type);
    return o;
}

Value mv_object_new(mv_type *type) {
    if (!(type->flags & MV_TPFLAG_READY)) mv_type_ready(type);
    return mv_object_new_sized(type, type->basicsize);
}

/* ---- the singletons ---------------------------------------------------------------------- */

static Value none_repr(mv_thread *t, Value self) { return mv_str_from_cstr("None"); }
static Value notimpl_repr(mv_thread *t, Value self) { return mv_str_from_cstr("NotImplemented"); }
static Value ellipsis_repr(mv_thread *t, Value self) { return mv_str_from_cstr("Ellipsis"); }
static int none_bool(mv_thread *t, Value self) { return 0; }

static int no_args(mv_thread *t, mv_type *type, size_t nargs, Value kwnames) {
    if (nargs || (kwnames && mv_tuple_size(kwnames))) {
        mv_err_format(t, &mv_exc_TypeError, "%s takes no arguments", type->name);
        return -1;
    }
    return 0;
}

static Value none_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, type, nargs, kwnames) < 0) return NULL;
    return MV_NONE;
}
static Value notimpl_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, type, nargs, kwnames) < 0) return NULL;
    return MV_NOTIMPL;
}
static Value ellipsis_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (no_args(t, type, nargs, kwnames) < 0) return NULL;
    return MV_ELLIPSIS;
}

mv_type mv_none_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "NoneType",
    .basicsize = sizeof(mv_object),
    .tp_new = none_new,
    .repr = none_repr,
    .bool_ = none_bool,
};

mv_type mv_notimpl_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "NotImplementedType",
    .basicsize = sizeof(mv_object),
    .tp_new = notimpl_new,
    .repr = notimpl_repr,
};

mv_type mv_ellipsis_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "ellipsis",
    .basicsize = sizeof(mv_object),
    .tp_new = ellipsis_new,
    .repr = ellipsis_repr,
};

mv_object mv_none_obj = MV_STATIC_HEAD(&mv_none_type);
mv_object mv_notimpl_obj = MV_STATIC_HEAD(&mv_notimpl_type);
mv_object mv_ellipsis_obj = MV_STATIC_HEAD(&mv_ellipsis_type);
