/* object.h: the object header, the Value word, reference counting and the type object.
 *
 * Every minivm value is a Value: one machine word.  Either
 *   - a tagged small int: low bit 1, the integer in the upper 63 bits (no allocation, no refcount), or
 *   - a pointer to a heap object that starts with an mv_object header (refcount + type).
 *
 * WHY REFCOUNTS ARE PLAIN INTEGERS: refcounts are ordinary, non-atomic increments.  That is safe
 * only because every bytecode, and every C function that touches objects, runs with the GIL held:
 * two threads can never race on `refcnt`.  This is exactly what the teaching material says the
 * GIL is for.  Code that releases the GIL (MV_GIL_RELEASE) must not touch any object until it has
 * re-acquired it.
 *
 * Conventions (as CPython's): functions return NEW references; arguments are BORROWED unless the
 * name says `_steal`.  A function that can fail returns NULL (or -1) with an exception set on the
 * thread (see vm.h).  Immortal objects (None, True, False, static types, ...) have a huge refcount
 * and are never freed.
 */
#ifndef MV_OBJECT_H
#define MV_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mv_object mv_object;
typedef struct mv_type mv_type;
typedef struct mv_thread mv_thread;
typedef struct mv_vm mv_vm;

/* A Value is a pointer-sized word: tagged small int or mv_object pointer. */
typedef mv_object *Value;

struct mv_object {
    intptr_t refcnt;
    mv_type *type;
};

#define MV_IMMORTAL_REFCNT ((intptr_t)1 << 60)
/* Static initializer for the header of an immortal object of type `tp`. */
#define MV_STATIC_HEAD(tp) { MV_IMMORTAL_REFCNT, (tp) }

/* ---- tagged small ints ---------------------------------------------------------------------- */
#define MV_SMALL_MAX (INT64_MAX >> 1)
#define MV_SMALL_MIN (INT64_MIN >> 1)
#define MV_IS_SMALL(v) (((uintptr_t)(v)) & 1u)
#define MV_SMALL_VAL(v) (((intptr_t)(v)) >> 1)
#define MV_FROM_SMALL(i) ((Value)(((uintptr_t)(intptr_t)(i) << 1) | 1u))
#define MV_SMALL_FITS(i) ((i) >= MV_SMALL_MIN && (i) <= MV_SMALL_MAX)

/* ---- type of any Value --------------------------------------------------------------------- */
extern mv_type mv_int_type;
static inline mv_type *mv_typeof(Value v) { return MV_IS_SMALL(v) ? &mv_int_type : v->type; }
#define MV_TYPE(v) mv_typeof(v)

/* ---- reference counting ------------------------------------------------------------------- */
void mv_dealloc(Value v); /* object.c: calls type->dealloc, then frees */

static inline void MV_INCREF(Value v) {
    if (!MV_IS_SMALL(v)) v->refcnt++;
}
static inline void MV_DECREF(Value v) {
    if (!MV_IS_SMALL(v) && --v->refcnt == 0) mv_dealloc(v);
}
static inline void MV_XINCREF(Value v) {
    if (v) MV_INCREF(v);
}
static inline void MV_XDECREF(Value v) {
    if (v) MV_DECREF(v);
}
static inline Value mv_newref(Value v) {
    MV_INCREF(v);
    return v;
}
#define MV_CLEAR(p) do { Value _tmp = (p); (p) = NULL; MV_XDECREF(_tmp); } while (0)
#define MV_SETREF(p, v) do { Value _tmp = (p); (p) = (v); MV_XDECREF(_tmp); } while (0)

/* ---- singletons (immortal) ------------------------------------------------------------------ */
extern mv_object mv_none_obj, mv_true_obj, mv_false_obj, mv_notimpl_obj, mv_ellipsis_obj;
#define MV_NONE (&mv_none_obj)
#define MV_TRUE (&mv_true_obj)
#define MV_FALSE (&mv_false_obj)
#define MV_NOTIMPL (&mv_notimpl_obj)
#define MV_ELLIPSIS (&mv_ellipsis_obj)
#define MV_BOOL(c) ((c) ? MV_TRUE : MV_FALSE)
/* bool is a subclass of int in Python: True == 1.  bool objects are not tagged ints; int code
   must accept them (mv_int_check covers bool). */

/* ---- the type object ------------------------------------------------------------------------ */

/* Binary number slots, indexed by mv_binop.  The order is fixed: the compiler's BINARY_OP
   operand is this enum, and the in-place variants are op + MV_BINOP_INPLACE. */
typedef enum {
    MV_BINOP_ADD, MV_BINOP_SUB, MV_BINOP_MUL, MV_BINOP_TRUEDIV, MV_BINOP_FLOORDIV, MV_BINOP_MOD,
    MV_BINOP_POW, MV_BINOP_LSHIFT, MV_BINOP_RSHIFT, MV_BINOP_AND, MV_BINOP_OR, MV_BINOP_XOR,
    MV_BINOP_MATMUL,
    MV_BINOP__COUNT
} mv_binop;
#define MV_BINOP_INPLACE 16 /* BINARY_OP operand op+16 means the augmented form (a += b) */

/* Rich comparison ops (same order as CPython's Py_LT..Py_GE). */
typedef enum { MV_LT = 0, MV_LE = 1, MV_EQ = 2, MV_NE = 3, MV_GT = 4, MV_GE = 5 } mv_cmpop;

typedef Value (*mv_unaryfn)(mv_thread *t, Value a);
typedef Value (*mv_binaryfn)(mv_thread *t, Value a, Value b);
/* The one calling convention ("vectorcall"): positional args, then keyword args whose names are
   in the tuple `kwnames` (NULL if none).  nargs counts positional args only; the keyword values
   follow them in `args`.  `self` is the callable itself. */
typedef Value (*mv_callfn)(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);

enum {
    MV_TPFLAG_HEAPTYPE = 1u << 0,  /* created by a class statement */
    MV_TPFLAG_BASETYPE = 1u << 1,  /* may be subclassed */
    MV_TPFLAG_INT_SUBCLASS = 1u << 2,
    MV_TPFLAG_STR_SUBCLASS = 1u << 3,
    MV_TPFLAG_TUPLE_SUBCLASS = 1u << 4,
    MV_TPFLAG_LIST_SUBCLASS = 1u << 5,
    MV_TPFLAG_DICT_SUBCLASS = 1u << 6,
    MV_TPFLAG_EXC_SUBCLASS = 1u << 7, /* BaseException or a subclass */
    MV_TPFLAG_TYPE_SUBCLASS = 1u << 8,
    MV_TPFLAG_READY = 1u << 9,
    MV_TPFLAG_ABSTRACT = 1u << 10,
    MV_TPFLAG_MULTI = 1u << 11, /* a class with several bases: `mro` is its C3 linearization */
    MV_TPFLAG_FINALIZER = 1u << 12, /* a class whose MRO defines __del__ (called by mv_dealloc) */
};

struct mv_type {
    mv_object ob;
    const char *name;      /* "list", "ValueError", or the class name (heap types) */
    Value qualname;        /* str (heap types) or NULL: then `name` is used */
    Value module;          /* str module name, NULL for builtins */
    size_t basicsize;      /* size of an instance in bytes */
    size_t dictoffset;     /* offset of a `Value __dict__` slot in instances, 0 = none */
    unsigned flags;
    mv_type *base;         /* single inheritance; NULL only for object */
    Value dict;            /* the type's attributes (a dict): methods, class attributes */
    const char *doc;

    /* lifecycle */
    Value (*tp_new)(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames);
    int (*tp_init)(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);
    void (*dealloc)(Value self); /* release what self owns; the memory itself is freed by mv_dealloc */

    /* protocols: NULL means "not supported" (abstract.c raises CPython's TypeError) */
    Value (*repr)(mv_thread *t, Value self);
    Value (*str)(mv_thread *t, Value self);     /* NULL: use repr */
    int (*hash)(mv_thread *t, Value self, int64_t *out); /* 0 ok, -1 error */
    Value (*richcompare)(mv_thread *t, Value a, Value b, int op); /* may return MV_NOTIMPL */
    int (*bool_)(mv_thread *t, Value self);    /* 1/0, -1 error; NULL: use len, else true */
    Value (*getattr)(mv_thread *t, Value self, Value name); /* NULL: mv_generic_getattr */
    int (*setattr)(mv_thread *t, Value self, Value name, Value v); /* v NULL = delete */
    mv_callfn call;
    Value (*iter)(mv_thread *t, Value self);
    Value (*iternext)(mv_thread *t, Value self); /* NULL and no exception set = exhausted */
    int64_t (*len)(mv_thread *t, Value self);   /* -1 error */
    Value (*getitem)(mv_thread *t, Value self, Value key);
    int (*setitem)(mv_thread *t, Value self, Value key, Value v); /* v NULL = delete */
    int (*contains)(mv_thread *t, Value self, Value item);        /* 1/0, -1 error */
    Value (*descr_get)(mv_thread *t, Value descr, Value obj, Value type); /* obj may be NULL */
    int (*descr_set)(mv_thread *t, Value descr, Value obj, Value v);     /* v NULL = delete */

    /* numbers */
    mv_binaryfn nb[MV_BINOP__COUNT];         /* a OP b; may return MV_NOTIMPL */
    mv_binaryfn nb_inplace[MV_BINOP__COUNT]; /* a OP= b; NULL: falls back to nb */
    mv_unaryfn nb_neg, nb_pos, nb_invert, nb_abs;
    mv_unaryfn nb_index; /* __index__: return an int */
    mv_unaryfn nb_int;   /* __int__ */
    mv_unaryfn nb_float; /* __float__ */

    /* methods registered into `dict` by mv_type_ready (see class.h) */
    const struct mv_method_def *methods;
    const struct mv_getset_def *getsets;

    /* classes with several bases (MV_TPFLAG_MULTI, class.c): `base` is the base that gives the
       instance layout; `bases` the tuple of direct bases and `mro` the C3 order after the
       class itself (tuple of types, ending with object).  Subclasses of such a class are
       MV_TPFLAG_MULTI too.  Both NULL for single-inheritance types. */
    Value bases;
    Value mro;
};

/* A C-implemented method or function.  flags: MV_METH_STATIC / MV_METH_CLASS for those;
   MV_METH_NOARGS for a module function of no arguments, whose call then raises CPython's
   TypeError for any argument before fn sees it. */
typedef struct mv_method_def {
    const char *name;
    mv_callfn fn; /* self = the bound object (instance, class or module) */
    unsigned flags;
    const char *doc;
} mv_method_def;
enum { MV_METH_STATIC = 1, MV_METH_CLASS = 2, MV_METH_NOARGS = 4 };

typedef struct mv_getset_def {
    const char *name;
    Value (*get)(mv_thread *t, Value self);
    int (*set)(mv_thread *t, Value self, Value v); /* NULL: read-only */
} mv_getset_def;

bool mv_type_is_subtype_mro(mv_type *a, mv_type *b); /* class.c: the MV_TPFLAG_MULTI case */
static inline bool mv_type_is_subtype(mv_type *a, mv_type *b) {
    if (__builtin_expect(a->flags & MV_TPFLAG_MULTI, 0)) return mv_type_is_subtype_mro(a, b);
    for (; a; a = a->base)
        if (a == b) return true;
    return false;
}
static inline bool mv_isinstance_of(Value v, mv_type *tp) { return mv_type_is_subtype(MV_TYPE(v), tp); }

/* ---- allocation (mem.c: the one funnel) -------------------------------------------------- */
void *mv_malloc(size_t n);              /* aborts with a message on exhaustion of the process */
void *mv_calloc(size_t n, size_t size);
void *mv_realloc(void *p, size_t n);
void mv_free(void *p);
/* Allocate a zeroed object of `type` (size type->basicsize or `size`), refcnt 1, type set.
   Increments the type's refcount for heap types. */
Value mv_object_new(mv_type *type);
Value mv_object_new_sized(mv_type *type, size_t size);
/* Accounting for tests (mem.c): blocks from mv_malloc/mv_calloc not yet freed, and objects from
   mv_object_new* not yet deallocated.  mv_mem_fail_after(n): the allocation after the next n
   ones fails as out-of-memory (the process prints "minivm: out of memory" and aborts); -1 = off. */
size_t mv_mem_live_allocs(void);
size_t mv_mem_live_objects(void);
void mv_mem_fail_after(long n);
/* Zeroed object memory, counted as a live object (used by mv_object_new*, freed by mv_dealloc). */
void *mv_mem_object_alloc(size_t size);
void mv_mem_object_free(void *p);

#endif
