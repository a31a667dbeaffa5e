/* set.h: Python set and frozenset: open-addressed hash tables of keys. */
#ifndef MV_SET_H
#define MV_SET_H

#include "vm.h"

typedef struct {
    int64_t hash;
    Value key; /* NULL empty; MV_SET_DUMMY deleted */
} mv_set_entry;

typedef struct {
    mv_object ob;
    size_t used, fill, mask; /* table size is mask + 1 (power of two) */
    mv_set_entry *table;
    int64_t hash; /* frozenset: cached, -1 unset */
    size_t finger; /* where set.pop() resumes its search (CPython's set_pop) */
} mv_set;

extern mv_type mv_set_type, mv_frozenset_type;

static inline bool mv_set_check(Value v) { return !MV_IS_SMALL(v) && (mv_isinstance_of(v, &mv_set_type) || mv_isinstance_of(v, &mv_frozenset_type)); }

Value mv_set_new(mv_thread *t, Value iterable);       /* iterable may be NULL */
Value mv_frozenset_new(mv_thread *t, Value iterable);
int mv_set_add(mv_thread *t, Value set, Value key);
int mv_set_contains(mv_thread *t, Value set, Value key);
int mv_set_discard(mv_thread *t, Value set, Value key); /* 1 removed, 0 absent, -1 error */
bool mv_set_next(Value set, size_t *pos, Value *key);   /* borrowed */
static inline size_t mv_set_size(Value v) { return ((mv_set *)v)->used; }
int mv_set_update(mv_thread *t, Value set, Value iterable); /* set |= iterable; 0 / -1 */
void mv_set_clear(Value set);
/* The constant for a set display whose n > 2 items are all constants, as CPython 3.11 compiles
   {1, 2, 3}: BUILD_SET 0; LOAD_CONST <this frozenset>; SET_UPDATE 1.  Built exactly as CPython
   builds that constant, so that the displayed set iterates in CPython's order. */
Value mv_frozenset_const(mv_thread *t, Value tuple);
extern mv_type mv_set_iter_type;

#endif
