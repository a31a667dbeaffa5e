/* bool.c: the bool type and its two immortal instances, True and False.  bool subclasses int:
 * every int slot accepts bools (int.c treats them as 0/1); only repr, the bitwise operators
 * (bool & bool stays a bool) and the constructor are bool's own.
 */
#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "int.h"
#include "str.h"

mv_object mv_true_obj = MV_STATIC_HEAD(&mv_bool_type);
mv_object mv_false_obj = MV_STATIC_HEAD(&mv_bool_type);

static Value bool_repr(mv_thread *t, Value self) {
    static Value true_str, false_str; /* created once, kept forever */
    Value *slot = self == MV_TRUE ? &true_str : &false_str;
    if (!*slot) {
        *slot = mv_str_from_cstr(self == MV_TRUE ? "True" : "False");
        if (!*slot) return NULL;
    }
    return mv_newref(*slot);
}

static Value bool_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (kwnames && mv_check_no_kwargs(t, "bool", kwnames) < 0) return NULL;
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "bool expected at most 1 argument, got %zu", nargs);
    if (nargs == 0) return MV_FALSE;
    int r = mv_truthy(t, args[0]);
    if (r < 0) return NULL;
    return MV_BOOL(r);
}

static bool is_bool(Value v) { return !MV_IS_SMALL(v) && v->type == &mv_bool_type; }

static Value bool_and(mv_thread *t, Value a, Value b) {
    if (is_bool(a) && is_bool(b)) return MV_BOOL(a == MV_TRUE && b == MV_TRUE);
    return mv_int_type.nb[MV_BINOP_AND](t, a, b);
}
static Value bool_or(mv_thread *t, Value a, Value b) {
    if (is_bool(a) && is_bool(b)) return MV_BOOL(a == MV_TRUE || b == MV_TRUE);
    return mv_int_type.nb[MV_BINOP_OR](t, a, b);
}
static Value bool_xor(mv_thread *t, Value a, Value b) {
    if (is_bool(a) && is_bool(b)) return MV_BOOL(a != b);
    return mv_int_type.nb[MV_BINOP_XOR](t, a, b);
}

static int bool_bool(mv_thread *t, Value self) { return self == MV_TRUE; }

mv_type mv_bool_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "bool",
    .basicsize = sizeof(mv_object),
    .flags = MV_TPFLAG_INT_SUBCLASS,
    .base = &mv_int_type,
    .doc = "bool(x) -> bool",
    .tp_new = bool_new,
    .repr = bool_repr,
    .bool_ = bool_bool,
    .nb = {
        [MV_BINOP_AND] = bool_and,
        [MV_BINOP_OR] = bool_or,
        [MV_BINOP_XOR] = bool_xor,
    },
};
