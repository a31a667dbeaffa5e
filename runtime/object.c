/* object.c: object allocation and deallocation (mv_object_new, mv_dealloc) and the immortal
 * singletons None, NotImplemented and Ellipsis with their types.  (True/False live in bool.c;
 * `object` and `type` themselves in class.c.)
 */
#include <stdlib.h>
#include <stdio.h>

#include "class.h"
#include "code.h"
#include "file.h"
#include "abstract.h"
#include "exc.h"
#include "str.h"
#include "tuple.h"

/* Call v.__del__() on an object whose refcount just dropped to 0.  Returns true when the
   finalizer resurrected it (stored a new reference somewhere): then it must not be freed.
   Exceptions are reported as CPython's "Exception ignored in: ..." and swallowed. */
static bool call_finalizer(Value v) {
    static Value s_del;
    mv_thread *t = mv_current_thread();
    if (!t) return false;
    if (!s_del) s_del = mv_str_intern_cstr(t, "__del__");
    Value del = mv_type_lookup(v->type, s_del);
    if (!del) return false;
    v->refcnt = 1; /* alive again while __del__ runs */
    Value saved = mv_err_fetch(t);
    Value r = mv_call1(t, del, v);
    if (r) {
        MV_DECREF(r);
    } else if (t->curexc) {
        mv_err_write_unraisable(t, "Exception ignored in:", del);
    }
    if (saved) mv_err_restore(t, saved);
    return --v->refcnt != 0;
}

static void dealloc_now(Value v) {
    mv_type *tp = v->type;
    if ((tp->flags & MV_TPFLAG_FINALIZER) && call_finalizer(v)) return;
    if (tp->dealloc) tp->dealloc(v);
    mv_mem_object_free(v);
    /* instances of classes keep their class alive */
    if (tp->flags & MV_TPFLAG_HEAPTYPE) MV_DECREF((Value)tp);
}

/* The trashcan.  Freeing a container frees what it holds, recursively: dropping a list nested
 * 200,000 deep would overflow the C stack.  Past MV_DEALLOC_DEPTH nested deallocations the object
 * is parked instead, and the outermost mv_dealloc frees the parked ones in a loop (CPython's
 * Py_TRASHCAN does the same).  Per thread: deallocation happens under the GIL, but each thread
 * has its own C stack. */
#define MV_DEALLOC_DEPTH 2000
static _Thread_local unsigned dealloc_depth;
static _Thread_local struct {
    Value *items;
    size_t n, cap;
} parked;

void mv_dealloc(Value v) {
    if (dealloc_depth >= MV_DEALLOC_DEPTH) {
        if (parked.n == parked.cap) {
            size_t cap = parked.cap ? 2 * parked.cap : 256;
            Value *items = realloc(parked.items, cap * sizeof(Value));
            if (!items) abort(); /* out of memory while freeing memory: nothing sane is left */
            parked.items = items;
            parked.cap = cap;
        }
        parked.items[parked.n++] = v;
        return;
    }
    dealloc_depth++;
    dealloc_now(v);
    if (dealloc_depth == 1) {
        while (parked.n) dealloc_now(parked.items[--parked.n]);
        free(parked.items);
        parked.items = NULL;
        parked.cap = 0;
    }
    dealloc_depth--;
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
