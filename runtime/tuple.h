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

#endif
