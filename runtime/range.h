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

#endif
