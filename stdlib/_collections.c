/* _collections.c: the C half of the collections module: deque (as CPython's: a doubly linked
 * list of fixed-size blocks, so appends and pops at either end are O(1) and never move items),
 * its iterators, and _count_elements (Counter's counting loop).  defaultdict, namedtuple,
 * OrderedDict, Counter and ChainMap live in stdlib/collections.mv.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "str.h"
#include "tuple.h"

/* ---- blocks ----------------------------------------------------------------------------------
   Items live in blocks of BLOCKLEN slots linked both ways.  The deque holds [leftindex,
   rightindex] of its end blocks; an empty deque has one block with leftindex == rightindex + 1,
   centred so that either end can grow without a new block. */
#define BLOCKLEN 64
#define CENTER ((BLOCKLEN - 1) / 2)

typedef struct block {
    struct block *leftlink;
    Value data[BLOCKLEN];
    struct block *rightlink;
} block;

/* Freed blocks are kept for reuse: a queue that hovers around a block boundary would otherwise
   malloc and free on every 64th operation.  Process-wide, touched only under the GIL. */
#define MAXFREEBLOCKS 16
static block *freeblocks[MAXFREEBLOCKS];
static int numfreeblocks;

static block *newblock(void) {
    if (numfreeblocks) return freeblocks[--numfreeblocks];
    return mv_malloc(sizeof(block));
}

static void freeblock(block *b) {
    if (numfreeblocks < MAXFREEBLOCKS)
        freeblocks[numfreeblocks++] = b;
    else
        mv_free(b);
}

typedef struct {
    mv_object ob;
    block *leftblock, *rightblock;
    int64_t leftindex;  /* 0 <= leftindex < BLOCKLEN */
    int64_t rightindex; /* -1 <= rightindex < BLOCKLEN - 1 */
    int64_t len;
    int64_t maxlen;     /* -1: unbounded */
    uint64_t state;     /* bumped by every change of the item sequence: iterators check it */
} dequeobj;

extern mv_type mv_deque_type, mv_deque_iter_type, mv_deque_reviter_type;

static inline bool deque_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_deque_type); }

/* ---- raw end operations (no state change, no maxlen trimming) --------------------------- */

static void push_right(dequeobj *d, Value item) /* steals item */ {
    if (d->rightindex == BLOCKLEN - 1) {
        block *b = newblock();
        b->leftlink = d->rightblock;
        d->rightblock->rightlink = b;
        d->rightblock = b;
        d->rightindex = -1;
    }
    d->len++;
    d->rightblock->data[++d->rightindex] = item;
}

static void push_left(dequeobj *d, Value item) /* steals item */ {
    if (d->leftindex == 0) {
        block *b = newblock();
        b->rightlink = d->leftblock;
        d->leftblock->leftlink = b;
        d->leftblock = b;
        d->leftindex = BLOCKLEN;
    }
    d->len++;
    d->leftblock->data[--d->leftindex] = item;
}

/* Both require len > 0; return the item's reference. */
static Value take_right(dequeobj *d) {
    Value item = d->rightblock->data[d->rightindex--];
    d->len--;
    if (d->rightindex < 0) {
        if (d->len) {
            block *prev = d->rightblock->leftlink;
            freeblock(d->rightblock);
            d->rightblock = prev;
            d->rightindex = BLOCKLEN - 1;
        } else {
            d->leftindex = CENTER + 1; /* re-centre instead of freeing the last block */
            d->rightindex = CENTER;
        }
    }
    return item;
}

static Value take_left(dequeobj *d) {
    Value item = d->leftblock->data[d->leftindex++];
    d->len--;
    if (d->leftindex == BLOCKLEN) {
        if (d->len) {
            block *next = d->leftblock->rightlink;
            freeblock(d->leftblock);
            d->leftblock = next;
            d->leftindex = 0;
        } else {
            d->leftindex = CENTER + 1;
            d->rightindex = CENTER;
        }
    }
    return item;
}

/* The slot holding item i (0 <= i < len): walks from the nearer end. */
static Value *item_slot(dequeobj *d, int64_t i) {
    block *b;
    int64_t n, index = i;
    if (i == 0) return &d->leftblock->data[d->leftindex];
    if (i == d->len - 1) return &d->rightblock->data[d->rightindex];
    i += d->leftindex;
    n = i / BLOCKLEN;
    i %= BLOCKLEN;
    if (index < (d->len >> 1)) {
        b = d->leftblock;
        while (n--) b = b->rightlink;
    } else {
        n = (d->leftindex + d->len - 1) / BLOCKLEN - n;
        b = d->rightblock;
        while (n--) b = b->leftlink;
    }
    return &b->data[i];
}

/* ---- the operations the methods share ------------------------------------------------------ */

static void deque_append_steal(dequeobj *d, Value item) {
    push_right(d, item);
    d->state++;
    if (d->maxlen >= 0 && d->len > d->maxlen) MV_DECREF(take_left(d));
}

static void deque_appendleft_steal(dequeobj *d, Value item) {
    push_left(d, item);
    d->state++;
    if (d->maxlen >= 0 && d->len > d->maxlen) MV_DECREF(take_right(d));
}

/* Drop every item.  The deque is emptied first, so that item destructors running Python code see
   a consistent (empty) deque. */
static void deque_clear_items(dequeobj *d) {
    if (d->len == 0) return;
    block *b = d->leftblock;
    int64_t i = d->leftindex, n = d->len;
    block *fresh = newblock();
    d->leftblock = d->rightblock = fresh;
    d->leftindex = CENTER + 1;
    d->rightindex = CENTER;
    d->len = 0;
    d->state++;
    while (n > 0) {
        Value item = b->data[i++];
        n--;
        if (i == BLOCKLEN || n == 0) {
            block *next = b->rightlink;
            freeblock(b);
            b = next;
            i = 0;
        }
        MV_DECREF(item);
    }
}

static void deque_rotate_n(dequeobj *d, int64_t n) {
    int64_t len = d->len, half = len >> 1;
    if (len <= 1) return;
    if (n > half || n < -half) {
        n %= len;
        if (n > half) n -= len;
        else if (n < -half) n += len;
    }
    d->state++;
    for (; n > 0; n--) push_left(d, take_right(d));
    for (; n < 0; n++) push_right(d, take_left(d));
}

/* Swallow an iterable (extend of a deque with maxlen=0 still consumes its argument). */
static int consume(mv_thread *t, Value it) {
    Value x;
    while ((x = mv_next(t, it))) MV_DECREF(x);
    return mv_err_occurred(t) ? -1 : 0;
}

static int deque_extend_impl(mv_thread *t, dequeobj *d, Value iterable, bool left) {
    if ((Value)d == iterable) {
        Value l = mv_sequence_list(t, iterable);
        if (!l) return -1;
        int r = deque_extend_impl(t, d, l, left);
        MV_DECREF(l);
        return r;
    }
    Value it = mv_iter(t, iterable);
    if (!it) return -1;
    if (d->maxlen == 0) {
        int r = consume(t, it);
        MV_DECREF(it);
        return r;
    }
    Value x;
    while ((x = mv_next(t, it))) {
        if (left)
            deque_appendleft_steal(d, x);
        else
            deque_append_steal(d, x);
    }
    MV_DECREF(it);
    return mv_err_occurred(t) ? -1 : 0;
}

/* A new reference to each item, in order, in a malloc'd array (comparison and repr run Python
   code that may change the deque). */
static Value *snapshot(dequeobj *d) {
    Value *a = mv_malloc(sizeof(Value) * (size_t)(d->len ? d->len : 1));
    block *b = d->leftblock;
    int64_t i = d->leftindex;
    for (int64_t k = 0; k < d->len; k++) {
        a[k] = mv_newref(b->data[i]);
        if (++i == BLOCKLEN) {
            b = b->rightlink;
            i = 0;
        }
    }
    return a;
}

static void release_snapshot(Value *a, int64_t n) {
    for (int64_t k = 0; k < n; k++) MV_DECREF(a[k]);
    mv_free(a);
}

/* ---- construction ---------------------------------------------------------------------------- */

static Value deque_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    dequeobj *d = (dequeobj *)mv_object_new(type);
    d->leftblock = d->rightblock = newblock();
    d->leftindex = CENTER + 1;
    d->rightindex = CENTER;
    d->maxlen = -1;
    return (Value)d;
}

static void deque_dealloc(Value self) {
    dequeobj *d = (dequeobj *)self;
    if (!d->leftblock) return;
    deque_clear_items(d);
    freeblock(d->leftblock);
    d->leftblock = d->rightblock = NULL;
}

static int parse_maxlen(mv_thread *t, Value v, int64_t *out) {
    *out = -1;
    if (!v || v == MV_NONE) return 0;
    if (!mv_int_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "an integer is required");
        return -1;
    }
    if (mv_index_int64(t, v, out) < 0) return -1;
    if (*out < 0) {
        mv_err_set(t, &mv_exc_ValueError, "maxlen must be non-negative");
        return -1;
    }
    return 0;
}

static int deque_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    dequeobj *d = (dequeobj *)self;
    Value iterable = NULL, maxlenobj = NULL;
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    if (nargs + nkw > 2) {
        mv_err_format(t, &mv_exc_TypeError, "deque() takes at most 2 arguments (%d given)", (int)(nargs + nkw));
        return -1;
    }
    if (nargs > 0) iterable = args[0];
    if (nargs > 1) maxlenobj = args[1];
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        Value *slot = mv_str_eq_cstr(k, "iterable") ? &iterable : mv_str_eq_cstr(k, "maxlen") ? &maxlenobj : NULL;
        if (!slot) {
            mv_err_format(t, &mv_exc_TypeError, "'%U' is an invalid keyword argument for deque()", k);
            return -1;
        }
        if (*slot) {
            mv_err_format(t, &mv_exc_TypeError, "argument for deque() given by name ('%U') and position (%d)", k,
                          slot == &iterable ? 1 : 2);
            return -1;
        }
        *slot = args[nargs + i];
    }
    int64_t maxlen;
    if (parse_maxlen(t, maxlenobj, &maxlen) < 0) return -1;
    d->maxlen = maxlen;
    if (d->len) deque_clear_items(d);
    if (iterable) return deque_extend_impl(t, d, iterable, false);
    return 0;
}

/* ---- argument checks with CPython's wording --------------------------------------------------- */

static int no_kwargs(mv_thread *t, const char *name, Value kwnames) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "deque.%s() takes no keyword arguments", name);
        return -1;
    }
    return 0;
}

static int exactly_one(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (no_kwargs(t, name, kwnames) < 0) return -1;
    if (nargs != 1) {
        mv_err_format(t, &mv_exc_TypeError, "deque.%s() takes exactly one argument (%d given)", name, (int)nargs);
        return -1;
    }
    return 0;
}

static int none_given(mv_thread *t, const char *name, size_t nargs, Value kwnames) {
    if (no_kwargs(t, name, kwnames) < 0) return -1;
    if (nargs != 0) {
        mv_err_format(t, &mv_exc_TypeError, "deque.%s() takes no arguments (%d given)", name, (int)nargs);
        return -1;
    }
    return 0;
}

/* ---- methods ------------------------------------------------------------------------------- */

static Value deque_append(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "append", nargs, kwnames) < 0) return NULL;
    deque_append_steal((dequeobj *)self, mv_newref(args[0]));
    return mv_newref(MV_NONE);
}

static Value deque_appendleft(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "appendleft", nargs, kwnames) < 0) return NULL;
    deque_appendleft_steal((dequeobj *)self, mv_newref(args[0]));
    return mv_newref(MV_NONE);
}

static Value deque_pop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "pop", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    if (d->len == 0) return mv_err_set(t, &mv_exc_IndexError, "pop from an empty deque");
    d->state++;
    return take_right(d);
}

static Value deque_popleft(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "popleft", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    if (d->len == 0) return mv_err_set(t, &mv_exc_IndexError, "pop from an empty deque");
    d->state++;
    return take_left(d);
}

static Value deque_extend(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "extend", nargs, kwnames) < 0) return NULL;
    if (deque_extend_impl(t, (dequeobj *)self, args[0], false) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value deque_extendleft(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "extendleft", nargs, kwnames) < 0) return NULL;
    if (deque_extend_impl(t, (dequeobj *)self, args[0], true) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value deque_rotate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_kwargs(t, "rotate", kwnames) < 0) return NULL;
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "deque.rotate expected at most 1 argument, got %d", (int)nargs);
    int64_t n = 1;
    if (nargs == 1) {
        if (!mv_int_check(args[0]) && !MV_TYPE(args[0])->nb_index)
            return mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", args[0]);
        if (mv_index_int64(t, args[0], &n) < 0) return NULL;
    }
    deque_rotate_n((dequeobj *)self, n);
    return mv_newref(MV_NONE);
}

static Value deque_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "clear", nargs, kwnames) < 0) return NULL;
    deque_clear_items((dequeobj *)self);
    return mv_newref(MV_NONE);
}

static Value deque_copy_impl(mv_thread *t, Value self) {
    dequeobj *d = (dequeobj *)self;
    if (self->type == &mv_deque_type) {
        dequeobj *r = (dequeobj *)deque_tp_new(t, &mv_deque_type, NULL, 0, NULL);
        r->maxlen = d->maxlen;
        block *b = d->leftblock;
        int64_t i = d->leftindex;
        for (int64_t k = 0; k < d->len; k++) {
            push_right(r, mv_newref(b->data[i]));
            if (++i == BLOCKLEN) {
                b = b->rightlink;
                i = 0;
            }
        }
        return (Value)r;
    }
    /* a subclass: through its constructor, as CPython does */
    if (d->maxlen < 0) return mv_call1(t, (Value)self->type, self);
    Value ml = mv_int_from_i64(d->maxlen);
    Value r = mv_call2(t, (Value)self->type, self, ml);
    MV_DECREF(ml);
    return r;
}

static Value deque_copy(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "copy", nargs, kwnames) < 0) return NULL;
    return deque_copy_impl(t, self);
}

static Value deque_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "count", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    uint64_t state = d->state;
    int64_t n = d->len, count = 0;
    block *b = d->leftblock;
    int64_t i = d->leftindex;
    while (n--) {
        Value x = mv_newref(b->data[i]);
        int k = mv_richcompare_bool(t, x, args[0], MV_EQ);
        MV_DECREF(x);
        if (k < 0) return NULL;
        count += k;
        if (state != d->state) return mv_err_set(t, &mv_exc_RuntimeError, "deque mutated during iteration");
        if (++i == BLOCKLEN) {
            b = b->rightlink;
            i = 0;
        }
    }
    return mv_int_from_i64(count);
}

/* Index of the first item == v in [start, stop): -1 not found (no error), -2 error.  mut_exc:
   the exception raised when a comparison changes the deque. */
static int64_t find_item(mv_thread *t, dequeobj *d, Value v, int64_t start, int64_t stop, mv_type *mut_exc) {
    uint64_t state = d->state;
    for (int64_t k = start; k < stop && k < d->len; k++) {
        Value x = mv_newref(*item_slot(d, k));
        int r = mv_richcompare_bool(t, x, v, MV_EQ);
        MV_DECREF(x);
        if (r < 0) return -2;
        if (state != d->state) {
            mv_err_set(t, mut_exc, "deque mutated during iteration");
            return -2;
        }
        if (r) return k;
    }
    return -1;
}

static Value deque_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_kwargs(t, "index", kwnames) < 0) return NULL;
    if (nargs < 1) return mv_err_format(t, &mv_exc_TypeError, "index() takes at least 1 argument (%d given)", (int)nargs);
    dequeobj *d = (dequeobj *)self;
    size_t start, stop;
    if (mv_seq_index_range(t, "index", args, nargs, (size_t)d->len, &start, &stop) < 0) return NULL;
    int64_t k = find_item(t, d, args[0], (int64_t)start, (int64_t)stop, &mv_exc_RuntimeError);
    if (k == -2) return NULL;
    if (k < 0) return mv_err_format(t, &mv_exc_ValueError, "%R is not in deque", args[0]);
    return mv_int_from_i64(k);
}

/* del d[i] for 0 <= i < len: rotate it to the left end, pop, rotate back. */
static void del_item(dequeobj *d, int64_t i) {
    deque_rotate_n(d, -i);
    Value x = take_left(d);
    deque_rotate_n(d, i);
    d->state++;
    MV_DECREF(x);
}

static Value deque_remove(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (exactly_one(t, "remove", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    int64_t k = find_item(t, d, args[0], 0, d->len, &mv_exc_IndexError);
    if (k == -2) return NULL;
    if (k < 0) return mv_err_format(t, &mv_exc_ValueError, "%R is not in deque", args[0]);
    del_item(d, k);
    return mv_newref(MV_NONE);
}

static Value deque_insert(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (no_kwargs(t, "insert", kwnames) < 0) return NULL;
    if (nargs != 2) return mv_err_format(t, &mv_exc_TypeError, "insert() takes exactly 2 arguments (%d given)", (int)nargs);
    dequeobj *d = (dequeobj *)self;
    int64_t i;
    if (!mv_int_check(args[0]) && !MV_TYPE(args[0])->nb_index)
        return mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", args[0]);
    if (mv_index_int64(t, args[0], &i) < 0) return NULL;
    if (d->maxlen == d->len) return mv_err_set(t, &mv_exc_IndexError, "deque already at its maximum size");
    int64_t n = d->len;
    if (i >= n) {
        deque_append_steal(d, mv_newref(args[1]));
    } else if (i <= -n || i == 0) {
        deque_appendleft_steal(d, mv_newref(args[1]));
    } else {
        if (i < 0) i += n;
        deque_rotate_n(d, -i);
        deque_appendleft_steal(d, mv_newref(args[1]));
        deque_rotate_n(d, i);
    }
    return mv_newref(MV_NONE);
}

static Value deque_reverse(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "reverse", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    block *lb = d->leftblock, *rb = d->rightblock;
    int64_t li = d->leftindex, ri = d->rightindex;
    for (int64_t n = d->len >> 1; n > 0; n--) {
        Value tmp = lb->data[li];
        lb->data[li] = rb->data[ri];
        rb->data[ri] = tmp;
        if (++li == BLOCKLEN) {
            lb = lb->rightlink;
            li = 0;
        }
        if (--ri < 0) {
            rb = rb->leftlink;
            ri = BLOCKLEN - 1;
        }
    }
    return mv_newref(MV_NONE);
}

static Value deque_reduce(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "__reduce__", nargs, kwnames) < 0) return NULL;
    dequeobj *d = (dequeobj *)self;
    Value *items = snapshot(d);
    Value list = mv_list_from_array(items, (size_t)d->len);
    release_snapshot(items, d->len);
    Value ml = d->maxlen < 0 ? mv_newref(MV_NONE) : mv_int_from_i64(d->maxlen);
    Value cargs = mv_tuple_pack(2, list, ml);
    MV_DECREF(list);
    MV_DECREF(ml);
    Value dict = NULL;
    mv_type *tp = MV_TYPE(self);
    if (tp->dictoffset) {
        dict = *(Value *)((char *)self + tp->dictoffset);
        if (dict && mv_dict_size(dict) == 0) dict = NULL;
    }
    Value r = dict ? mv_tuple_pack(3, (Value)tp, cargs, dict) : mv_tuple_pack(2, (Value)tp, cargs);
    MV_DECREF(cargs);
    return r;
}

static Value deque_class_getitem(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "__class_getitem__", nargs, 1, 1) < 0) return NULL;
    return mv_newref(self); /* no types.GenericAlias: deque[int] is deque, as list[int] is list */
}

static Value deque_sizeof(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    dequeobj *d = (dequeobj *)self;
    int64_t blocks = (d->leftindex + d->len + BLOCKLEN - 1) / BLOCKLEN;
    if (blocks < 1) blocks = 1;
    return mv_int_from_i64((int64_t)MV_TYPE(self)->basicsize + blocks * (int64_t)sizeof(block));
}

static Value deque_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames);

static const mv_method_def deque_methods[] = {
    {"append", deque_append, 0, "Add an element to the right side of the deque."},
    {"appendleft", deque_appendleft, 0, "Add an element to the left side of the deque."},
    {"pop", deque_pop, 0, "Remove and return the rightmost element."},
    {"popleft", deque_popleft, 0, "Remove and return the leftmost element."},
    {"extend", deque_extend, 0, "Extend the right side of the deque with elements from the iterable"},
    {"extendleft", deque_extendleft, 0, "Extend the left side of the deque with elements from the iterable"},
    {"rotate", deque_rotate, 0, "Rotate the deque n steps to the right (default n=1).  If n is negative, rotates left."},
    {"clear", deque_clear, 0, "Remove all elements from the deque."},
    {"copy", deque_copy, 0, "Return a shallow copy of a deque."},
    {"__copy__", deque_copy, 0, "Return a shallow copy of a deque."},
    {"count", deque_count, 0, "D.count(value) -- return number of occurrences of value"},
    {"index", deque_index, 0, "D.index(value, [start, [stop]]) -- return first index of value."},
    {"insert", deque_insert, 0, "D.insert(index, object) -- insert object before index"},
    {"remove", deque_remove, 0, "D.remove(value) -- remove first occurrence of value."},
    {"reverse", deque_reverse, 0, "D.reverse() -- reverse *IN PLACE*"},
    {"__reversed__", deque_reversed, 0, "D.__reversed__() -- return a reverse iterator over the deque"},
    {"__reduce__", deque_reduce, 0, "Return state information for pickling."},
    {"__sizeof__", deque_sizeof, 0, "D.__sizeof__() -- size of D in memory, in bytes"},
    {"__class_getitem__", deque_class_getitem, MV_METH_CLASS, "See PEP 585"},
    {NULL, NULL, 0, NULL},
};

static Value deque_get_maxlen(mv_thread *t, Value self) {
    dequeobj *d = (dequeobj *)self;
    return d->maxlen < 0 ? mv_newref(MV_NONE) : mv_int_from_i64(d->maxlen);
}

static const mv_getset_def deque_getsets[] = {
    {"maxlen", deque_get_maxlen, NULL},
    {NULL, NULL, NULL},
};

/* ---- protocols ----------------------------------------------------------------------------- */

static int64_t deque_len(mv_thread *t, Value self) { return ((dequeobj *)self)->len; }

static int deque_bool(mv_thread *t, Value self) { return ((dequeobj *)self)->len != 0; }

static int deque_hash(mv_thread *t, Value self, int64_t *out) {
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
    return -1;
}

/* The item index from a subscript key: 1 ok (in range), -1 error.  getitem and setitem word the
   TypeError differently, as CPython does. */
static int subscript_index(mv_thread *t, dequeobj *d, Value key, bool get, int64_t *out) {
    if (!mv_int_check(key) && !MV_TYPE(key)->nb_index) {
        if (get)
            mv_err_format(t, &mv_exc_TypeError, "sequence index must be integer, not '%T'", key);
        else
            mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", key);
        return -1;
    }
    int64_t i;
    if (mv_index_int64(t, key, &i) < 0) {
        if (!mv_err_matches(t, &mv_exc_OverflowError)) return -1;
        mv_err_clear(t);
        mv_err_set(t, &mv_exc_IndexError, "deque index out of range");
        return -1;
    }
    if (i < 0) i += d->len;
    if (i < 0 || i >= d->len) {
        mv_err_set(t, &mv_exc_IndexError, "deque index out of range");
        return -1;
    }
    *out = i;
    return 1;
}

static Value deque_getitem(mv_thread *t, Value self, Value key) {
    dequeobj *d = (dequeobj *)self;
    int64_t i;
    if (subscript_index(t, d, key, true, &i) < 0) return NULL;
    return mv_newref(*item_slot(d, i));
}

static int deque_setitem(mv_thread *t, Value self, Value key, Value v) {
    dequeobj *d = (dequeobj *)self;
    int64_t i;
    if (subscript_index(t, d, key, false, &i) < 0) return -1;
    if (!v) {
        del_item(d, i);
        return 0;
    }
    Value *slot = item_slot(d, i);
    Value old = *slot;
    *slot = mv_newref(v);
    MV_DECREF(old);
    return 0;
}

static int deque_contains(mv_thread *t, Value self, Value item) {
    dequeobj *d = (dequeobj *)self;
    int64_t k = find_item(t, d, item, 0, d->len, &mv_exc_RuntimeError);
    if (k == -2) return -1;
    return k >= 0;
}

static Value deque_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!deque_check(a) || !deque_check(b)) return mv_newref(MV_NOTIMPL);
    dequeobj *da = (dequeobj *)a, *db = (dequeobj *)b;
    if ((op == MV_EQ || op == MV_NE) && da->len != db->len) return mv_newref(MV_BOOL(op == MV_NE));
    int64_t na = da->len, nb = db->len;
    Value *xa = snapshot(da), *xb = snapshot(db);
    Value r = mv_seq_richcompare(t, xa, (size_t)na, xb, (size_t)nb, op);
    release_snapshot(xa, na);
    release_snapshot(xb, nb);
    return r;
}

static Value deque_repr(mv_thread *t, Value self) {
    dequeobj *d = (dequeobj *)self;
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_from_cstr("[...]") : NULL;
    Value *items = snapshot(d);
    int64_t n = d->len, maxlen = d->maxlen;
    Value list = mv_list_from_array(items, (size_t)n);
    release_snapshot(items, n);
    Value lr = mv_repr(t, list);
    MV_DECREF(list);
    mv_repr_leave(t, self);
    if (!lr) return NULL;
    mv_type *tp = MV_TYPE(self);
    const char *dot = (tp->flags & MV_TPFLAG_HEAPTYPE) ? NULL : strrchr(tp->name, '.');
    const char *name = dot ? dot + 1 : tp->name;
    Value r = maxlen < 0 ? mv_str_fromf("%s(%s)", name, mv_str_data(lr))
                         : mv_str_fromf("%s(%s, maxlen=%lld)", name, mv_str_data(lr), (long long)maxlen);
    MV_DECREF(lr);
    return r;
}

static Value deque_add(mv_thread *t, Value a, Value b) {
    if (!deque_check(a)) return mv_newref(MV_NOTIMPL);
    if (!deque_check(b)) {
        mv_type *bt = MV_TYPE(b);
        if (bt->nb[MV_BINOP_ADD] && !mv_seq_builtin_sequence(bt)) {
            Value r = bt->nb[MV_BINOP_ADD](t, a, b);
            if (r != MV_NOTIMPL) return r;
            MV_DECREF(r);
        }
        return mv_err_format(t, &mv_exc_TypeError, "can only concatenate deque (not \"%s\") to deque", mv_type_name(b));
    }
    Value r = deque_copy_impl(t, a);
    if (!r) return NULL;
    if (deque_extend_impl(t, (dequeobj *)r, b, false) < 0) {
        MV_DECREF(r);
        return NULL;
    }
    return r;
}

static Value deque_iadd(mv_thread *t, Value a, Value b) {
    if (!deque_check(a)) return mv_newref(MV_NOTIMPL);
    if (deque_extend_impl(t, (dequeobj *)a, b, false) < 0) return NULL;
    return mv_newref(a);
}

/* d *= n in place.  With a maxlen only the last maxlen items of the repetition survive, so a
   huge n costs no more than maxlen appends. */
static void repeat_inplace(dequeobj *d, int64_t n) {
    int64_t size = d->len;
    if (n <= 0 || size == 0) {
        deque_clear_items(d);
        return;
    }
    if (n == 1) return;
    Value *items = snapshot(d);
    int64_t start = size, total = size * n;
    if (d->maxlen >= 0 && total - d->maxlen > size) {
        start = total - d->maxlen;
        deque_clear_items(d);
    }
    for (int64_t k = start; k < total; k++) deque_append_steal(d, mv_newref(items[k % size]));
    release_snapshot(items, size);
}

static Value deque_imul(mv_thread *t, Value a, Value b) {
    if (!deque_check(a)) return mv_newref(MV_NOTIMPL);
    Value seq, res = NULL;
    int64_t n;
    int k = mv_seq_repeat_args(t, &mv_deque_type, a, b, &seq, &n, &res);
    if (k < 0) return NULL;
    if (k == 2) return res;
    dequeobj *d = (dequeobj *)a;
    if (n > 1 && d->len && (uint64_t)d->len * (uint64_t)n > (uint64_t)1 << 40 && d->maxlen < 0) return mv_err_nomem(t);
    repeat_inplace(d, n);
    return mv_newref(a);
}

static Value deque_mul(mv_thread *t, Value a, Value b) {
    Value seq, res = NULL;
    int64_t n;
    int k = mv_seq_repeat_args(t, &mv_deque_type, a, b, &seq, &n, &res);
    if (k < 0) return NULL;
    if (k == 2) return res;
    Value r = deque_copy_impl(t, seq);
    if (!r) return NULL;
    dequeobj *d = (dequeobj *)r;
    if (n > 1 && d->len && (uint64_t)d->len * (uint64_t)n > (uint64_t)1 << 40 && d->maxlen < 0) {
        MV_DECREF(r);
        return mv_err_nomem(t);
    }
    repeat_inplace(d, n);
    return r;
}

/* ---- iterators ------------------------------------------------------------------------------- */

typedef struct {
    mv_object ob;
    dequeobj *deque;
    block *b;
    int64_t index;
    int64_t counter; /* items left */
    uint64_t state;
} dequeiter;

static Value iter_new(dequeobj *d, bool reversed) {
    dequeiter *it = (dequeiter *)mv_object_new(reversed ? &mv_deque_reviter_type : &mv_deque_iter_type);
    it->deque = (dequeobj *)mv_newref((Value)d);
    it->b = reversed ? d->rightblock : d->leftblock;
    it->index = reversed ? d->rightindex : d->leftindex;
    it->counter = d->len;
    it->state = d->state;
    return (Value)it;
}

static Value deque_iter(mv_thread *t, Value self) { return iter_new((dequeobj *)self, false); }

static Value deque_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (none_given(t, "__reversed__", nargs, kwnames) < 0) return NULL;
    return iter_new((dequeobj *)self, true);
}

static int iter_check(mv_thread *t, dequeiter *it) {
    if (it->deque->state != it->state) {
        it->counter = 0;
        mv_err_set(t, &mv_exc_RuntimeError, "deque mutated during iteration");
        return -1;
    }
    return 0;
}

static Value dequeiter_next(mv_thread *t, Value self) {
    dequeiter *it = (dequeiter *)self;
    if (iter_check(t, it) < 0 || it->counter == 0) return NULL;
    Value item = it->b->data[it->index];
    it->index++;
    it->counter--;
    if (it->index == BLOCKLEN && it->counter > 0) {
        it->b = it->b->rightlink;
        it->index = 0;
    }
    return mv_newref(item);
}

static Value dequereviter_next(mv_thread *t, Value self) {
    dequeiter *it = (dequeiter *)self;
    if (iter_check(t, it) < 0 || it->counter == 0) return NULL;
    Value item = it->b->data[it->index];
    it->index--;
    it->counter--;
    if (it->index < 0 && it->counter > 0) {
        it->b = it->b->leftlink;
        it->index = BLOCKLEN - 1;
    }
    return mv_newref(item);
}

static void dequeiter_dealloc(Value self) { MV_DECREF((Value)((dequeiter *)self)->deque); }

static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static Value dequeiter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(((dequeiter *)self)->counter);
}

static const mv_method_def dequeiter_methods[] = {
    {"__length_hint__", dequeiter_length_hint, 0, "Private method returning an estimate of len(list(it))."},
    {NULL, NULL, 0, NULL},
};

mv_type mv_deque_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_collections._deque_iterator",
    .basicsize = sizeof(dequeiter),
    .base = &mv_object_type,
    .dealloc = dequeiter_dealloc,
    .iter = iter_self,
    .iternext = dequeiter_next,
    .methods = dequeiter_methods,
};

mv_type mv_deque_reviter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_collections._deque_reverse_iterator",
    .basicsize = sizeof(dequeiter),
    .base = &mv_object_type,
    .dealloc = dequeiter_dealloc,
    .iter = iter_self,
    .iternext = dequereviter_next,
    .methods = dequeiter_methods,
};

mv_type mv_deque_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "collections.deque",
    .basicsize = sizeof(dequeobj),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "deque([iterable[, maxlen]]) --> deque object\n\nA list-like sequence optimized for data accesses near its endpoints.",
    .tp_new = deque_tp_new,
    .tp_init = deque_tp_init,
    .dealloc = deque_dealloc,
    .repr = deque_repr,
    .hash = deque_hash,
    .richcompare = deque_richcompare,
    .bool_ = deque_bool,
    .iter = deque_iter,
    .len = deque_len,
    .getitem = deque_getitem,
    .setitem = deque_setitem,
    .contains = deque_contains,
    .nb = {[MV_BINOP_ADD] = deque_add, [MV_BINOP_MUL] = deque_mul},
    .nb_inplace = {[MV_BINOP_ADD] = deque_iadd, [MV_BINOP_MUL] = deque_imul},
    .methods = deque_methods,
    .getsets = deque_getsets,
};

/* ---- _count_elements(mapping, iterable): Counter's hot loop ------------------------------- */

static Value count_elements(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "_count_elements", kwnames) < 0 ||
        mv_check_nargs(t, "_count_elements", nargs, 2, 2) < 0)
        return NULL;
    Value mapping = args[0];
    Value it = mv_iter(t, args[1]);
    if (!it) return NULL;
    /* a dict (or a subclass that keeps dict's item access, as Counter does): straight to the table */
    bool fast = mv_dict_check(mapping) && MV_TYPE(mapping)->getitem == mv_dict_type.getitem &&
                MV_TYPE(mapping)->setitem == mv_dict_type.setitem;
    Value get = NULL, one = MV_FROM_SMALL(1), x;
    if (!fast && !(get = mv_getattr_cstr(t, mapping, "get"))) {
        MV_DECREF(it);
        return NULL;
    }
    while ((x = mv_next(t, it))) {
        Value old, nv;
        if (fast) {
            int64_t h;
            if (mv_dict_key_hash(t, x, &h) < 0) goto fail;
            old = mv_dict_get_known_hash(t, mapping, x, h);
            if (!old && mv_err_occurred(t)) goto fail;
            nv = old ? mv_binary_op(t, old, one, MV_BINOP_ADD) : mv_newref(one);
            if (!nv) goto fail;
            int r = mv_dict_set_known_hash(t, mapping, x, h, nv);
            MV_DECREF(nv);
            if (r < 0) goto fail;
        } else {
            old = mv_call2(t, get, x, MV_FROM_SMALL(0));
            if (!old) goto fail;
            nv = mv_binary_op(t, old, one, MV_BINOP_ADD);
            MV_DECREF(old);
            if (!nv) goto fail;
            int r = mv_setitem(t, mapping, x, nv);
            MV_DECREF(nv);
            if (r < 0) goto fail;
        }
        MV_DECREF(x);
    }
    MV_DECREF(it);
    MV_XDECREF(get);
    if (mv_err_occurred(t)) return NULL;
    return mv_newref(MV_NONE);
fail:
    MV_DECREF(x);
    MV_DECREF(it);
    MV_XDECREF(get);
    return NULL;
}

/* ---- _tuplegetter: namedtuple's field descriptors ---------------------------------------- */

typedef struct {
    mv_object ob;
    int64_t index;
    Value doc;
} tuplegetter;

extern mv_type mv_tuplegetter_type;

static Value tuplegetter_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "_tuplegetter", kwnames) < 0 || mv_check_nargs(t, "_tuplegetter", nargs, 2, 2) < 0)
        return NULL;
    int64_t index;
    if (mv_index_int64(t, args[0], &index) < 0) return NULL;
    tuplegetter *g = (tuplegetter *)mv_object_new(type);
    g->index = index;
    g->doc = mv_newref(args[1]);
    return (Value)g;
}

static void tuplegetter_dealloc(Value self) { MV_CLEAR(((tuplegetter *)self)->doc); }

static Value tuplegetter_get(mv_thread *t, Value descr, Value obj, Value type) {
    tuplegetter *g = (tuplegetter *)descr;
    if (!obj || obj == MV_NONE) return mv_newref(descr);
    if (!mv_tuple_check(obj))
        return mv_err_format(t, &mv_exc_TypeError,
                             "descriptor for index '%lld' for tuple subclasses doesn't apply to '%T' object",
                             (long long)g->index, obj);
    if (g->index < 0 || (size_t)g->index >= mv_tuple_size(obj)) return mv_err_set(t, &mv_exc_IndexError, "tuple index out of range");
    return mv_newref(MV_TUPLE_GET(obj, g->index));
}

static int tuplegetter_set(mv_thread *t, Value descr, Value obj, Value v) {
    mv_err_set(t, &mv_exc_AttributeError, v ? "can't set attribute" : "can't delete attribute");
    return -1;
}

static Value tuplegetter_get_doc(mv_thread *t, Value self) { return mv_newref(((tuplegetter *)self)->doc); }

static int tuplegetter_set_doc(mv_thread *t, Value self, Value v) {
    MV_SETREF(((tuplegetter *)self)->doc, mv_newref(v ? v : MV_NONE));
    return 0;
}

static Value tuplegetter_reduce(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    tuplegetter *g = (tuplegetter *)self;
    Value i = mv_int_from_i64(g->index);
    Value a = mv_tuple_pack(2, i, g->doc);
    Value r = mv_tuple_pack(2, (Value)MV_TYPE(self), a);
    MV_DECREF(i);
    MV_DECREF(a);
    return r;
}

static const mv_method_def tuplegetter_methods[] = {
    {"__reduce__", tuplegetter_reduce, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const mv_getset_def tuplegetter_getsets[] = {
    {"__doc__", tuplegetter_get_doc, tuplegetter_set_doc},
    {NULL, NULL, NULL},
};

mv_type mv_tuplegetter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "_collections._tuplegetter",
    .basicsize = sizeof(tuplegetter),
    .base = &mv_object_type,
    .tp_new = tuplegetter_new,
    .dealloc = tuplegetter_dealloc,
    .descr_get = tuplegetter_get,
    .descr_set = tuplegetter_set,
    .methods = tuplegetter_methods,
    .getsets = tuplegetter_getsets,
};

/* _caller_module(depth=1): __name__ of the globals of the Python frame `depth` levels above the
   caller, '__main__' if none.  namedtuple's stand-in for sys._getframe(1).f_globals['__name__']. */
static Value caller_module(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "_caller_module", kwnames) < 0 || mv_check_nargs(t, "_caller_module", nargs, 0, 1) < 0)
        return NULL;
    int64_t depth = 1;
    if (nargs && mv_index_int64(t, args[0], &depth) < 0) return NULL;
    mv_frame *f = t->frame;
    while (f && depth-- > 0) f = f->back;
    Value name = f && f->globals ? mv_dict_get_cstr(t, f->globals, "__name__") : NULL;
    if (!name) {
        if (mv_err_occurred(t)) return NULL;
        return mv_str_from_cstr("__main__");
    }
    return mv_newref(name);
}

static const mv_method_def collections_functions[] = {
    {"_count_elements", count_elements, 0, "Count elements in the iterable, updating the mapping"},
    {"_caller_module", caller_module, 0, "The __name__ of a calling frame's module"},
    {NULL, NULL, 0, NULL},
};

static int ready(mv_type *tp) {
    if (tp->flags & MV_TPFLAG_READY) return 0;
    return mv_type_ready(tp);
}

Value mv__collections_module_init(mv_thread *t) {
    if (ready(&mv_deque_type) < 0 || ready(&mv_deque_iter_type) < 0 || ready(&mv_deque_reviter_type) < 0 ||
        ready(&mv_tuplegetter_type) < 0)
        return NULL;
    Value m = mv_module_new(t, "_collections");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, collections_functions) < 0 || mv_module_add(t, m, "deque", (Value)&mv_deque_type) < 0 ||
        mv_module_add(t, m, "_deque_iterator", (Value)&mv_deque_iter_type) < 0 ||
        mv_module_add(t, m, "_deque_reverse_iterator", (Value)&mv_deque_reviter_type) < 0 ||
        mv_module_add(t, m, "_tuplegetter", (Value)&mv_tuplegetter_type) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}
