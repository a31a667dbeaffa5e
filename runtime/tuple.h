/* tuple.h: Python tuple: an immutable array of Values allocated inline. */
#ifndef MV_TUPLE_H
#define MV_TUPLE_H

#include "vm.h"

typedef struct {
    mv_object ob;
    size_t size;
    int64_t hash; /* cached, -1 unset */
    Value items[];
} mv_tuple;

extern mv_type mv_tuple_type;

static inline bool mv_tuple_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_tuple_type); }
static inline size_t mv_tuple_size(Value v) { return ((mv_tuple *)v)->size; }
static inline Value *mv_tuple_items(Value v) { return ((mv_tuple *)v)->items; }
#define MV_TUPLE_GET(v, i) (((mv_tuple *)(v))->items[i])
/* steals x; only for filling a fresh tuple */
#define MV_TUPLE_SET(v, i, x) (((mv_tuple *)(v))->items[i] = (x))

Value mv_tuple_new(size_t size);                 /* items NULL, to be filled with MV_TUPLE_SET */
Value mv_tuple_from_array(Value *items, size_t n); /* increfs the items */
Value mv_tuple_pack(size_t n, ...);              /* increfs */
extern mv_tuple mv_empty_tuple_obj;
#define MV_EMPTY_TUPLE ((Value)&mv_empty_tuple_obj)

extern mv_type mv_tuple_iter_type;

/* Helpers shared by the sequence types (tuple.c). */
/* Lexicographic rich comparison of two item arrays (list and tuple ==, <, ...). */
Value mv_seq_richcompare(mv_thread *t, Value *a, size_t na, Value *b, size_t nb, int op);
/* An index-like key as int64: 1 ok, 0 not an int/__index__ (caller raises its TypeError), -1 error. */
int mv_seq_index_arg(mv_thread *t, Value key, int64_t *out);
/* seq * n for sequence type `seqtype` (either operand order): 1 = repeat `*seq` `*n` times,
   2 = the other operand's reflected slot produced `*result`, -1 error (CPython's messages). */
int mv_seq_repeat_args(mv_thread *t, mv_type *seqtype, Value a, Value b, Value *seq, int64_t *n,
                       Value *result);
/* str, bytes, list, tuple ...: built-in types whose + and * are sequence operations. */
bool mv_seq_builtin_sequence(mv_type *tp);
/* The (x[, start[, stop]]) arguments of seq.index, clamped to [0, len]. */
int mv_seq_index_range(mv_thread *t, const char *fname, Value *args, size_t nargs, size_t len,
                       size_t *start, size_t *stop);

#endif
