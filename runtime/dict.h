/* dict.h: Python dict: insertion-ordered hash table (a dense entries array plus an open-addressed
 * index, as CPython's compact dict).  Keys compare by hash, then identity, then __eq__.
 */
#ifndef MV_DICT_H
#define MV_DICT_H

#include "vm.h"

typedef struct {
    int64_t hash;
    Value key;   /* NULL = deleted entry */
    Value value;
} mv_dict_entry;

typedef struct {
    mv_object ob;
    size_t used;       /* live entries */
    size_t nentries;   /* entries used in `entries`, including deleted ones */
    size_t entries_cap;
    size_t usable;     /* insertions left before the index is rebuilt: deletions never give
                          slots back, because their index slots stay dummies */
    size_t index_cap;  /* power of two */
    int32_t *index;    /* -1 empty, -2 dummy, else entry number */
    mv_dict_entry *entries;
    uint64_t version;  /* bumped on every mutation (iteration checks, caches) */
} mv_dict;

extern mv_type mv_dict_type;

static inline bool mv_dict_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_dict_type); }
static inline size_t mv_dict_size(Value v) { return ((mv_dict *)v)->used; }

Value mv_dict_new(void);
/* Borrowed ref, or NULL: when missing (no exception) or on error (exception set: check
   mv_err_occurred).  Raising __eq__/__hash__ are errors. */
Value mv_dict_get(mv_thread *t, Value d, Value key);
Value mv_dict_get_str(Value d, Value key);          /* key is a str: cannot fail; borrowed */
Value mv_dict_get_cstr(mv_thread *t, Value d, const char *key); /* borrowed */
int mv_dict_set(mv_thread *t, Value d, Value key, Value v); /* increfs both */
int mv_dict_set_cstr(mv_thread *t, Value d, const char *key, Value v);
int mv_dict_del(mv_thread *t, Value d, Value key);  /* KeyError if missing */
/* Iterate: size_t pos = 0; while (mv_dict_next(d, &pos, &k, &v)) {...}  (borrowed refs) */
bool mv_dict_next(Value d, size_t *pos, Value *key, Value *value);
Value mv_dict_copy(mv_thread *t, Value d);
int mv_dict_update(mv_thread *t, Value d, Value other); /* other: mapping or iterable of pairs */
void mv_dict_clear(Value d);
Value mv_dict_keys_list(Value d);

/* Lower-level entry points (dict.c) for callers that already hold the key's hash. */
int mv_dict_key_hash(mv_thread *t, Value key, int64_t *hash); /* mv_hash with int/str fast paths */
Value mv_dict_get_known_hash(mv_thread *t, Value d, Value key, int64_t hash); /* as mv_dict_get */
int mv_dict_set_known_hash(mv_thread *t, Value d, Value key, int64_t hash, Value v);
int mv_dict_pop(mv_thread *t, Value d, Value key, Value *out); /* 1 popped (*out new ref), 0 absent, -1 */
bool mv_dict_next_hash(Value d, size_t *pos, Value *key, Value *value, int64_t *hash);

/* Views and iterators (dictview.c).  kind: 0 keys, 1 values, 2 items. */
extern mv_type mv_dict_keys_type, mv_dict_values_type, mv_dict_items_type;
extern mv_type mv_dict_keyiter_type, mv_dict_valueiter_type, mv_dict_itemiter_type,
    mv_dict_revkeyiter_type, mv_dict_revvalueiter_type, mv_dict_revitemiter_type;
typedef struct {
    mv_object ob;
    Value dict;
} mv_dict_view;
Value mv_dict_view_new(Value d, int kind);
Value mv_dict_iter_new(Value d, int kind, bool reversed);

#endif
