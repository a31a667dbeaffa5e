/* list.h: Python list: a growable array of Values. */
#ifndef MV_LIST_H
#define MV_LIST_H

#include "vm.h"

typedef struct {
    mv_object ob;
    size_t size, cap;
    Value *items;
} mv_list;

extern mv_type mv_list_type;

static inline bool mv_list_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_list_type); }
static inline size_t mv_list_size(Value v) { return ((mv_list *)v)->size; }
static inline Value *mv_list_items(Value v) { return ((mv_list *)v)->items; }
#define MV_LIST_GET(v, i) (((mv_list *)(v))->items[i])

Value mv_list_new(size_t size);  /* `size` slots, all NULL: fill with MV_LIST_SET */
#define MV_LIST_SET(v, i, x) (((mv_list *)(v))->items[i] = (x)) /* steals x */
Value mv_list_from_array(Value *items, size_t n); /* increfs */
void mv_list_append(Value list, Value v);         /* increfs v */
void mv_list_append_steal(Value list, Value v);
int mv_list_extend(mv_thread *t, Value list, Value iterable);
/* Sort in place (stable, Timsort-compatible results): key may be NULL. */
int mv_list_sort(mv_thread *t, Value list, Value key, bool reverse);

/* The list iterator (FOR_ITER may special-case it) and reversed(list)'s iterator. */
typedef struct {
    mv_object ob;
    Value list;   /* NULL once exhausted */
    size_t index; /* next item (reverse iterator: one past the next item) */
} mv_list_iter;
extern mv_type mv_list_iter_type, mv_list_reviter_type;
Value mv_list_reversed_iter(Value list);

/* Recursion guard for container reprs, as CPython's Py_ReprEnter/Py_ReprLeave: returns 1 if v's
   repr is already in progress on this thread (print "[...]"), else registers v and returns 0. */
int mv_repr_enter(mv_thread *t, Value v);
void mv_repr_leave(mv_thread *t, Value v);

#endif
