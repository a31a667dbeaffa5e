/* range.h: range objects, slice objects, and the small iterator types the builtins return
 * (enumerate, zip, map, filter, reversed, the sequence iterator for __getitem__ iteration). */
#ifndef MV_RANGE_H
#define MV_RANGE_H

#include "vm.h"

extern mv_type mv_range_type, mv_slice_type, mv_enumerate_type, mv_zip_type, mv_map_type,
    mv_filter_type, mv_reversed_type, mv_seqiter_type, mv_callable_iter_type;

typedef struct {
    mv_object ob;
    Value start, stop, step; /* may be None */
} mv_slice;

static inline bool mv_slice_check(Value v) { return !MV_IS_SMALL(v) && v->type == &mv_slice_type; }
Value mv_slice_new(Value start, Value stop, Value step); /* NULL means None; increfs */
/* Resolve a slice against a sequence length as CPython's PySlice_GetIndicesEx; returns the
   number of items selected, or -1 on error (ValueError: slice step cannot be zero). */
int64_t mv_slice_indices(mv_thread *t, Value slice, int64_t length, int64_t *start, int64_t *stop,
                         int64_t *step);
Value mv_range_new(mv_thread *t, int64_t start, int64_t stop, int64_t step);

/* A range holds C int64 bounds when its bounds and length fit (the fast common case), else int
   objects (big mode). */
typedef struct {
    mv_object ob;
    int64_t start, stop, step, len;
    /* big mode (range(10**20)): the bounds and length as int objects, NULL otherwise; the C
       fields above are then unused */
    Value bstart, bstop, bstep, blen;
} mv_range;
/* The range iterator: a C counter (FOR_ITER may special-case it: yield `next`, then
   next += step, while remaining-- > 0). */
typedef struct {
    mv_object ob;
    int64_t next, step;
    uint64_t remaining;
} mv_range_iter;
extern mv_type mv_range_iter_type;

/* iter(seq) for objects with __getitem__ but no __iter__ (index 0, 1, ... until IndexError or
   StopIteration), and iter(callable, sentinel). */
Value mv_seqiter_new(Value seq);
Value mv_callable_iter_new(Value callable, Value sentinel);
/* reversed(seq) as the builtin: __reversed__, else __len__ + __getitem__; TypeError
   "'int' object is not reversible". */
Value mv_reversed(mv_thread *t, Value seq);

#endif
