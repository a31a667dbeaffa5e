/* set.c: set and frozenset.  The table follows CPython 3.11's setobject.c step by step (8 initial
 * slots, LINEAR_PROBES = 9 then perturbed probing, the last dummy on the probe path reused, the
 * same resize rule, set_pop's finger, the merge/intersection/difference strategies) so that
 * sets iterate and print in exactly CPython's order.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#define MINSIZE 8
#define LINEAR_PROBES 9
#define PERTURB_SHIFT 5

static mv_object dummy_obj = MV_STATIC_HEAD(&mv_object_type);
#define DUMMY (&dummy_obj)

static inline int key_hash(mv_thread *t, Value key, int64_t *h) {
    if (!MV_IS_SMALL(key) && key->type == &mv_str_type) {
        *h = mv_str_hash(key);
        return 0;
    }
    return mv_dict_key_hash(t, key, h);
}

static inline bool is_set(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_set_type); }

static Value set_alloc(mv_type *type) {
    mv_set *so = (mv_set *)mv_object_new(type);
    so->mask = MINSIZE - 1;
    so->table = mv_calloc(MINSIZE, sizeof(mv_set_entry));
    so->hash = -1;
    return (Value)so;
}

/* Returns the entry holding key, or the empty entry ending its probe sequence (key NULL);
   NULL on error.  An __eq__ that mutates the set restarts the search, as CPython. */
static mv_set_entry *set_lookkey(mv_thread *t, mv_set *so, Value key, int64_t hash) {
restart:;
    size_t perturb = (size_t)hash, mask = so->mask, i = (size_t)hash & mask;
    for (;;) {
        mv_set_entry *entry = &so->table[i];
        int probes = (i + LINEAR_PROBES <= mask) ? LINEAR_PROBES : 0;
        do {
            if (entry->key == NULL) return entry;
            if (entry->hash == hash) {
                Value sk = entry->key;
                if (sk == key) return entry;
                if (!MV_IS_SMALL(sk) && !MV_IS_SMALL(key) && sk->type == &mv_str_type && key->type == &mv_str_type) {
                    if (mv_str_eq(sk, key)) return entry;
                } else if (!(MV_IS_SMALL(sk) && MV_IS_SMALL(key))) {
                    mv_set_entry *table = so->table;
                    MV_INCREF(sk);
                    int cmp = mv_richcompare_bool(t, sk, key, MV_EQ);
                    MV_DECREF(sk);
                    if (cmp < 0) return NULL;
                    if (table != so->table || entry->key != sk) goto restart;
                    if (cmp > 0) return entry;
                    mask = so->mask;
                }
            }
            entry++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
}

static void set_insert_clean(mv_set_entry *table, size_t mask, Value key, int64_t hash) {
    size_t perturb = (size_t)hash, i = (size_t)hash & mask;
    mv_set_entry *entry;
    for (;;) {
        entry = &table[i];
        if (entry->key == NULL) goto found;
        if (i + LINEAR_PROBES <= mask) {
            for (size_t j = 0; j < LINEAR_PROBES; j++) {
                entry++;
                if (entry->key == NULL) goto found;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found:
    entry->key = key;
    entry->hash = hash;
}

static void set_table_resize(mv_set *so, size_t minused) {
    size_t newsize = MINSIZE;
    while (newsize <= minused) newsize <<= 1;
    mv_set_entry *oldtable = so->table;
    size_t oldmask = so->mask;
    mv_set_entry *newtable = mv_calloc(newsize, sizeof(mv_set_entry));
    so->mask = newsize - 1;
    so->table = newtable;
    so->fill = so->used;
    for (size_t i = 0; i <= oldmask; i++) {
        Value k = oldtable[i].key;
        if (k != NULL && k != DUMMY) set_insert_clean(newtable, so->mask, k, oldtable[i].hash);
    }
    mv_free(oldtable);
}

static int set_add_entry(mv_thread *t, mv_set *so, Value key, int64_t hash) {
    MV_INCREF(key);
restart:;
    size_t mask = so->mask, i = (size_t)hash & mask, perturb = (size_t)hash;
    mv_set_entry *freeslot = NULL, *entry;
    for (;;) {
        entry = &so->table[i];
        int probes = (i + LINEAR_PROBES <= mask) ? LINEAR_PROBES : 0;
        do {
            if (entry->key == NULL) goto found_unused_or_dummy;
            if (entry->hash == hash) {
                Value sk = entry->key;
                if (sk == key) goto found_active;
                if (!MV_IS_SMALL(sk) && !MV_IS_SMALL(key) && sk->type == &mv_str_type && key->type == &mv_str_type) {
                    if (mv_str_eq(sk, key)) goto found_active;
                } else if (!(MV_IS_SMALL(sk) && MV_IS_SMALL(key))) {
                    mv_set_entry *table = so->table;
                    MV_INCREF(sk);
                    int cmp = mv_richcompare_bool(t, sk, key, MV_EQ);
                    MV_DECREF(sk);
                    if (cmp > 0) goto found_active;
                    if (cmp < 0) {
                        MV_DECREF(key);
                        return -1;
                    }
                    if (table != so->table || entry->key != sk) goto restart;
                    mask = so->mask;
                }
            } else if (entry->hash == -1 && entry->key == DUMMY) {
                freeslot = entry;
            }
            entry++;
        } while (probes--);
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + perturb) & mask;
    }
found_unused_or_dummy:
    if (freeslot) {
        so->used++;
        freeslot->key = key;
        freeslot->hash = hash;
        return 0;
    }
    so->fill++;
    so->used++;
    entry->key = key;
    entry->hash = hash;
    if (so->fill * 5 < mask * 3) return 0;
    set_table_resize(so, so->used > 50000 ? so->used * 2 : so->used * 4);
    return 0;
found_active:
    MV_DECREF(key);
    return 0;
}

static int set_contains_entry(mv_thread *t, mv_set *so, Value key, int64_t hash) {
    mv_set_entry *e = set_lookkey(t, so, key, hash);
    if (!e) return -1;
    return e->key != NULL;
}

/* 1 discarded, 0 not found, -1 error */
static int set_discard_entry(mv_thread *t, mv_set *so, Value key, int64_t hash) {
    mv_set_entry *e = set_lookkey(t, so, key, hash);
    if (!e) return -1;
    if (e->key == NULL) return 0;
    Value old = e->key;
    e->key = DUMMY;
    e->hash = -1;
    so->used--;
    MV_DECREF(old);
    return 1;
}

static int set_add_key(mv_thread *t, mv_set *so, Value key) {
    int64_t h;
    if (key_hash(t, key, &h) < 0) return -1;
    return set_add_entry(t, so, key, h);
}

/* A mutable set used as a key is looked up as the equal frozenset (CPython's set_contains). */
static Value frozen_key_on_unhashable(mv_thread *t, Value key) {
    if (!is_set(key) || !mv_err_matches(t, &mv_exc_TypeError)) return NULL;
    mv_err_clear(t);
    return mv_frozenset_new(t, key);
}

static int set_contains_key(mv_thread *t, mv_set *so, Value key) {
    int64_t h;
    if (key_hash(t, key, &h) < 0) {
        Value fk = frozen_key_on_unhashable(t, key);
        if (!fk) return -1;
        int r = set_contains_key(t, so, fk);
        MV_DECREF(fk);
        return r;
    }
    return set_contains_entry(t, so, key, h);
}

static int set_discard_key(mv_thread *t, mv_set *so, Value key) {
    int64_t h;
    if (key_hash(t, key, &h) < 0) {
        Value fk = frozen_key_on_unhashable(t, key);
        if (!fk) return -1;
        int r = set_discard_key(t, so, fk);
        MV_DECREF(fk);
        return r;
    }
    return set_discard_entry(t, so, key, h);
}

static bool set_next_entry(mv_set *so, size_t *pos, mv_set_entry **out) {
    size_t i = *pos;
    while (i <= so->mask && (so->table[i].key == NULL || so->table[i].key == DUMMY)) i++;
    *pos = i + 1;
    if (i > so->mask) return false;
    *out = &so->table[i];
    return true;
}

static int set_merge(mv_thread *t, mv_set *so, mv_set *other) {
    if (other == so || other->used == 0) return 0;
    if ((so->fill + other->used) * 5 >= so->mask * 3) set_table_resize(so, (so->used + other->used) * 2);
    mv_set_entry *so_entry = so->table, *other_entry = other->table;
    if (so->fill == 0 && so->mask == other->mask && other->fill == other->used) {
        for (size_t i = 0; i <= other->mask; i++, so_entry++, other_entry++) {
            Value key = other_entry->key;
            if (key != NULL) {
                so_entry->key = mv_newref(key);
                so_entry->hash = other_entry->hash;
            }
        }
        so->fill = other->fill;
        so->used = other->used;
        return 0;
    }
    if (so->fill == 0) {
        so->fill = other->used;
        so->used = other->used;
        for (size_t i = other->mask + 1; i > 0; i--, other_entry++) {
            Value key = other_entry->key;
            if (key != NULL && key != DUMMY) set_insert_clean(so->table, so->mask, mv_newref(key), other_entry->hash);
        }
        return 0;
    }
    for (size_t i = 0; i <= other->mask; i++) {
        other_entry = &other->table[i];
        Value key = other_entry->key;
        if (key != NULL && key != DUMMY) {
            if (set_add_entry(t, so, key, other_entry->hash) < 0) return -1;
        }
    }
    return 0;
}

static int set_update_internal(mv_thread *t, mv_set *so, Value other) {
    if (mv_set_check(other)) return set_merge(t, so, (mv_set *)other);
    if (!MV_IS_SMALL(other) && other->type == &mv_dict_type) {
        size_t dictsize = mv_dict_size(other);
        if ((so->fill + dictsize) * 5 >= so->mask * 3) set_table_resize(so, (so->used + dictsize) * 2);
        size_t pos = 0;
        Value k, v;
        int64_t h;
        while (mv_dict_next_hash(other, &pos, &k, &v, &h))
            if (set_add_entry(t, so, k, h) < 0) return -1;
        return 0;
    }
    if (!MV_IS_SMALL(other) && (other->type == &mv_list_type || other->type == &mv_tuple_type)) {
        for (size_t i = 0;; i++) {
            bool l = other->type == &mv_list_type;
            if (i >= (l ? mv_list_size(other) : mv_tuple_size(other))) break;
            Value x = l ? MV_LIST_GET(other, i) : MV_TUPLE_GET(other, i);
            MV_INCREF(x);
            int r = set_add_key(t, so, x);
            MV_DECREF(x);
            if (r < 0) return -1;
        }
        return 0;
    }
    Value it = mv_iter(t, other);
    if (!it) return -1;
    Value key;
    while ((key = mv_next(t, it)) != NULL) {
        int r = set_add_key(t, so, key);
        MV_DECREF(key);
        if (r < 0) {
            MV_DECREF(it);
            return -1;
        }
    }
    MV_DECREF(it);
    return mv_err_occurred(t) ? -1 : 0;
}

static void set_clear_internal(mv_set *so) {
    mv_set_entry *table = so->table;
    size_t mask = so->mask;
    so->table = mv_calloc(MINSIZE, sizeof(mv_set_entry));
    so->mask = MINSIZE - 1;
    so->fill = so->used = 0;
    so->hash = -1;
    for (size_t i = 0; i <= mask; i++)
        if (table[i].key && table[i].key != DUMMY) MV_DECREF(table[i].key);
    mv_free(table);
}

static void set_swap_bodies(mv_set *a, mv_set *b) {
    mv_set tmp = *a;
    a->used = b->used;
    a->fill = b->fill;
    a->mask = b->mask;
    a->table = b->table;
    a->finger = b->finger;
    b->used = tmp.used;
    b->fill = tmp.fill;
    b->mask = tmp.mask;
    b->table = tmp.table;
    b->finger = tmp.finger;
    a->hash = b->hash = -1;
}

/* ---- public API ---------------------------------------------------------------------------- */

static Value make_new_set(mv_thread *t, mv_type *type, Value iterable) {
    Value so = set_alloc(type);
    if (iterable && set_update_internal(t, (mv_set *)so, iterable) < 0) {
        MV_DECREF(so);
        return NULL;
    }
    return so;
}

/* results of set operations on subclasses are plain sets/frozensets, as CPython */
static Value make_new_set_basetype(mv_thread *t, mv_type *type, Value iterable) {
    if (type != &mv_set_type && type != &mv_frozenset_type)
        type = mv_type_is_subtype(type, &mv_set_type) ? &mv_set_type : &mv_frozenset_type;
    return make_new_set(t, type, iterable);
}

Value mv_set_new(mv_thread *t, Value iterable) { return make_new_set(t, &mv_set_type, iterable); }
Value mv_frozenset_new(mv_thread *t, Value iterable) { return make_new_set(t, &mv_frozenset_type, iterable); }
int mv_set_add(mv_thread *t, Value set, Value key) { return set_add_key(t, (mv_set *)set, key); }
int mv_set_contains(mv_thread *t, Value set, Value key) { return set_contains_key(t, (mv_set *)set, key); }
int mv_set_discard(mv_thread *t, Value set, Value key) { return set_discard_key(t, (mv_set *)set, key); }
int mv_set_update(mv_thread *t, Value set, Value iterable) { return set_update_internal(t, (mv_set *)set, iterable); }
void mv_set_clear(Value set) { set_clear_internal((mv_set *)set); }

Value mv_frozenset_const(mv_thread *t, Value tuple) {
    Value first = mv_frozenset_new(t, tuple);
    if (!first) return NULL;
    /* CPython's compiler merges constants by rebuilding every frozenset from its own iteration
       order (compile.c: merge_consts_recursive); the table that results differs from `first`
       once collisions moved items, and SET_UPDATE copies it in table order. */
    Value items = mv_list_new(0);
    size_t pos = 0;
    Value k;
    while (mv_set_next(first, &pos, &k)) mv_list_append(items, k);
    Value r = mv_frozenset_new(t, items);
    MV_DECREF(items);
    MV_DECREF(first);
    return r;
}

bool mv_set_next(Value set, size_t *pos, Value *key) {
    mv_set_entry *e;
    if (!set_next_entry((mv_set *)set, pos, &e)) return false;
    *key = e->key;
    return true;
}

/* ---- set algebra (CPython's algorithms, for identical iteration orders) --------------------- */

static Value set_copy(mv_thread *t, Value so) { return make_new_set_basetype(t, so->type, so); }

static Value set_intersection(mv_thread *t, mv_set *so, Value other) {
    if ((Value)so == other) return set_copy(t, (Value)so);
    Value result = make_new_set_basetype(t, ((Value)so)->type, NULL);
    if (mv_set_check(other)) {
        if (mv_set_size(other) > so->used) {
            Value tmp = (Value)so;
            so = (mv_set *)other;
            other = tmp;
        }
        size_t pos = 0;
        mv_set_entry *e;
        while (set_next_entry((mv_set *)other, &pos, &e)) {
            Value key = mv_newref(e->key);
            int64_t h = e->hash;
            int rv = set_contains_entry(t, so, key, h);
            if (rv > 0) rv = set_add_entry(t, (mv_set *)result, key, h);
            MV_DECREF(key);
            if (rv < 0) {
                MV_DECREF(result);
                return NULL;
            }
        }
        return result;
    }
    Value it = mv_iter(t, other);
    if (!it) {
        MV_DECREF(result);
        return NULL;
    }
    Value key;
    while ((key = mv_next(t, it)) != NULL) {
        int64_t h;
        int rv = key_hash(t, key, &h);
        if (rv == 0) rv = set_contains_entry(t, so, key, h);
        if (rv > 0) rv = set_add_entry(t, (mv_set *)result, key, h);
        MV_DECREF(key);
        if (rv < 0) break;
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) {
        MV_DECREF(result);
        return NULL;
    }
    return result;
}

static int set_difference_update_internal(mv_thread *t, mv_set *so, Value other) {
    if ((Value)so == other) {
        set_clear_internal(so);
        return 0;
    }
    if (mv_set_check(other)) {
        if ((mv_set_size(other) >> 3) > so->used) {
            other = set_intersection(t, so, other);
            if (!other) return -1;
        } else {
            MV_INCREF(other);
        }
        size_t pos = 0;
        mv_set_entry *e;
        while (set_next_entry((mv_set *)other, &pos, &e)) {
            Value key = mv_newref(e->key);
            int r = set_discard_entry(t, so, key, e->hash);
            MV_DECREF(key);
            if (r < 0) {
                MV_DECREF(other);
                return -1;
            }
        }
        MV_DECREF(other);
    } else {
        Value it = mv_iter(t, other);
        if (!it) return -1;
        Value key;
        while ((key = mv_next(t, it)) != NULL) {
            int r = set_discard_key(t, so, key);
            MV_DECREF(key);
            if (r < 0) {
                MV_DECREF(it);
                return -1;
            }
        }
        MV_DECREF(it);
        if (mv_err_occurred(t)) return -1;
    }
    if ((so->fill - so->used) <= so->mask / 4) return 0;
    set_table_resize(so, so->used > 50000 ? so->used * 2 : so->used * 4);
    return 0;
}

static Value set_copy_and_difference(mv_thread *t, mv_set *so, Value other) {
    Value result = set_copy(t, (Value)so);
    if (result && set_difference_update_internal(t, (mv_set *)result, other) < 0) MV_CLEAR(result);
    return result;
}

static Value set_difference(mv_thread *t, mv_set *so, Value other) {
    size_t other_size;
    bool is_dict = !MV_IS_SMALL(other) && other->type == &mv_dict_type;
    if (mv_set_check(other)) other_size = mv_set_size(other);
    else if (is_dict) other_size = mv_dict_size(other);
    else return set_copy_and_difference(t, so, other);
    if ((so->used >> 2) > other_size) return set_copy_and_difference(t, so, other);
    Value result = make_new_set_basetype(t, ((Value)so)->type, NULL);
    size_t pos = 0;
    mv_set_entry *e;
    while (set_next_entry(so, &pos, &e)) {
        Value key = mv_newref(e->key);
        int64_t h = e->hash;
        int rv;
        if (is_dict) {
            Value v = mv_dict_get_known_hash(t, other, key, h);
            rv = v ? 1 : (mv_err_occurred(t) ? -1 : 0);
        } else {
            rv = set_contains_entry(t, (mv_set *)other, key, h);
        }
        if (rv == 0) rv = set_add_entry(t, (mv_set *)result, key, h);
        MV_DECREF(key);
        if (rv < 0) {
            MV_DECREF(result);
            return NULL;
        }
    }
    return result;
}

static int set_symmetric_difference_update_internal(mv_thread *t, mv_set *so, Value other) {
    if ((Value)so == other) {
        set_clear_internal(so);
        return 0;
    }
    if (!MV_IS_SMALL(other) && other->type == &mv_dict_type) {
        size_t pos = 0;
        Value k, v;
        int64_t h;
        while (mv_dict_next_hash(other, &pos, &k, &v, &h)) {
            MV_INCREF(k);
            int rv = set_discard_entry(t, so, k, h);
            if (rv == 0) rv = set_add_entry(t, so, k, h);
            MV_DECREF(k);
            if (rv < 0) return -1;
        }
        return 0;
    }
    Value otherset;
    if (mv_set_check(other)) otherset = mv_newref(other);
    else {
        otherset = make_new_set_basetype(t, ((Value)so)->type, other);
        if (!otherset) return -1;
    }
    size_t pos = 0;
    mv_set_entry *e;
    while (set_next_entry((mv_set *)otherset, &pos, &e)) {
        Value key = mv_newref(e->key);
        int64_t h = e->hash;
        int rv = set_discard_entry(t, so, key, h);
        if (rv == 0) rv = set_add_entry(t, so, key, h);
        MV_DECREF(key);
        if (rv < 0) {
            MV_DECREF(otherset);
            return -1;
        }
    }
    MV_DECREF(otherset);
    return 0;
}

static Value set_symmetric_difference(mv_thread *t, mv_set *so, Value other) {
    Value otherset = make_new_set_basetype(t, ((Value)so)->type, other);
    if (!otherset) return NULL;
    if (set_symmetric_difference_update_internal(t, (mv_set *)otherset, (Value)so) < 0) {
        MV_DECREF(otherset);
        return NULL;
    }
    return otherset;
}

/* 1/0/-1 */
static int set_issubset(mv_thread *t, mv_set *so, Value other) {
    if (!mv_set_check(other)) {
        Value tmp = set_intersection(t, so, other);
        if (!tmp) return -1;
        int r = mv_set_size(tmp) == so->used;
        MV_DECREF(tmp);
        return r;
    }
    if (so->used > mv_set_size(other)) return 0;
    size_t pos = 0;
    mv_set_entry *e;
    while (set_next_entry(so, &pos, &e)) {
        Value key = mv_newref(e->key);
        int rv = set_contains_entry(t, (mv_set *)other, key, e->hash);
        MV_DECREF(key);
        if (rv <= 0) return rv;
    }
    return 1;
}

static int set_issuperset(mv_thread *t, mv_set *so, Value other) {
    if (mv_set_check(other)) return set_issubset(t, (mv_set *)other, (Value)so);
    Value it = mv_iter(t, other);
    if (!it) return -1;
    Value key;
    int rv = 1;
    while ((key = mv_next(t, it)) != NULL) {
        rv = set_contains_key(t, so, key);
        MV_DECREF(key);
        if (rv <= 0) break;
    }
    MV_DECREF(it);
    if (rv > 0 && mv_err_occurred(t)) return -1;
    return rv;
}

static int set_isdisjoint(mv_thread *t, mv_set *so, Value other) {
    if ((Value)so == other) return so->used == 0;
    if (mv_set_check(other)) {
        if (mv_set_size(other) > so->used) {
            Value tmp = (Value)so;
            so = (mv_set *)other;
            other = tmp;
        }
        size_t pos = 0;
        mv_set_entry *e;
        while (set_next_entry((mv_set *)other, &pos, &e)) {
            Value key = mv_newref(e->key);
            int rv = set_contains_entry(t, so, key, e->hash);
            MV_DECREF(key);
            if (rv != 0) return rv < 0 ? -1 : 0;
        }
        return 1;
    }
    Value it = mv_iter(t, other);
    if (!it) return -1;
    Value key;
    int rv = 0;
    while ((key = mv_next(t, it)) != NULL) {
        rv = set_contains_key(t, so, key);
        MV_DECREF(key);
        if (rv != 0) break;
    }
    MV_DECREF(it);
    if (rv < 0 || mv_err_occurred(t)) return -1;
    return !rv;
}

/* ---- the types ------------------------------------------------------------------------------ */

static void set_dealloc(Value self) {
    mv_set *so = (mv_set *)self;
    for (size_t i = 0; i <= so->mask && so->table; i++)
        if (so->table[i].key && so->table[i].key != DUMMY) MV_DECREF(so->table[i].key);
    mv_free(so->table);
}

static bool has_kwargs(Value kwnames) { return kwnames && mv_tuple_size(kwnames); }

static Value set_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    return set_alloc(type);
}

static int set_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames) && self->type == &mv_set_type) {
        mv_err_set(t, &mv_exc_TypeError, "set() takes no keyword arguments");
        return -1;
    }
    if (nargs > 1) {
        mv_err_format(t, &mv_exc_TypeError, "set expected at most 1 argument, got %d", (int)nargs);
        return -1;
    }
    if (((mv_set *)self)->fill) set_clear_internal((mv_set *)self);
    if (nargs == 1) return set_update_internal(t, (mv_set *)self, args[0]);
    return 0;
}

static Value frozenset_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames) && type == &mv_frozenset_type)
        return mv_err_set(t, &mv_exc_TypeError, "frozenset() takes no keyword arguments");
    if (nargs > 1) return mv_err_format(t, &mv_exc_TypeError, "frozenset expected at most 1 argument, got %d", (int)nargs);
    if (nargs == 1 && type == &mv_frozenset_type && !MV_IS_SMALL(args[0]) && args[0]->type == &mv_frozenset_type)
        return mv_newref(args[0]);
    return make_new_set(t, type, nargs ? args[0] : NULL);
}

static Value set_repr(mv_thread *t, Value self) {
    mv_set *so = (mv_set *)self;
    bool exact = self->type == &mv_set_type;
    const char *name = self->type->name;
    if (so->used == 0) return mv_str_fromf("%s()", name);
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_fromf("%s(...)", name) : NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (!exact) {
        mv_strbuf_adds(&b, name);
        mv_strbuf_addc(&b, '(');
    }
    /* repr the items of a snapshot: reprs may run code that mutates the set */
    Value items = mv_list_new(0);
    size_t pos = 0;
    Value k;
    while (mv_set_next(self, &pos, &k)) mv_list_append(items, k);
    mv_strbuf_addc(&b, '{');
    for (size_t i = 0; i < mv_list_size(items); i++) {
        if (i) mv_strbuf_add(&b, ", ", 2);
        if (mv_strbuf_add_value_repr(t, &b, MV_LIST_GET(items, i)) < 0) {
            MV_DECREF(items);
            mv_strbuf_free(&b);
            mv_repr_leave(t, self);
            return NULL;
        }
    }
    MV_DECREF(items);
    mv_strbuf_addc(&b, '}');
    if (!exact) mv_strbuf_addc(&b, ')');
    mv_repr_leave(t, self);
    return mv_strbuf_finish(&b);
}

static int set_hash_unhashable(mv_thread *t, Value self, int64_t *out) {
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
    return -1;
}

static uint64_t shuffle_bits(uint64_t h) { return ((h ^ 89869747UL) ^ (h << 16)) * 3644798167UL; }

static int frozenset_hash(mv_thread *t, Value self, int64_t *out) {
    mv_set *so = (mv_set *)self;
    if (so->hash != -1) {
        *out = so->hash;
        return 0;
    }
    uint64_t hash = 0;
    for (size_t i = 0; i <= so->mask; i++) hash ^= shuffle_bits((uint64_t)so->table[i].hash);
    if ((so->mask + 1 - so->fill) & 1) hash ^= shuffle_bits(0);
    if ((so->fill - so->used) & 1) hash ^= shuffle_bits((uint64_t)-1);
    hash ^= ((uint64_t)so->used + 1) * 1927868237UL;
    hash ^= (hash >> 11) ^ (hash >> 25);
    hash = hash * 69069U + 907133923UL;
    if (hash == (uint64_t)-1) hash = 590923713UL;
    so->hash = (int64_t)hash;
    *out = so->hash;
    return 0;
}

static Value bool_result(int r) { return r < 0 ? NULL : mv_newref(MV_BOOL(r)); }

static Value set_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_set_check(a) || !mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    mv_set *v = (mv_set *)a, *w = (mv_set *)b;
    switch (op) {
    case MV_EQ:
    case MV_NE: {
        int r;
        if (v->used != w->used) r = 0;
        else if (v->hash != -1 && w->hash != -1 && v->hash != w->hash) r = 0;
        else r = set_issubset(t, v, b);
        if (r < 0) return NULL;
        return mv_newref(MV_BOOL(op == MV_EQ ? r : !r));
    }
    case MV_LE: return bool_result(set_issubset(t, v, b));
    case MV_GE: return bool_result(set_issuperset(t, v, b));
    case MV_LT: return bool_result(v->used >= w->used ? 0 : set_issubset(t, v, b));
    default: return bool_result(v->used <= w->used ? 0 : set_issuperset(t, v, b));
    }
}

static int64_t set_len(mv_thread *t, Value self) { return (int64_t)((mv_set *)self)->used; }

static int set_contains_slot(mv_thread *t, Value self, Value key) { return set_contains_key(t, (mv_set *)self, key); }

/* operators: both operands must be sets or frozensets */
static Value set_or(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(a) || !mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    Value r = set_copy(t, a);
    if (r && a != b && set_update_internal(t, (mv_set *)r, b) < 0) MV_CLEAR(r);
    return r;
}
static Value set_and(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(a) || !mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    return set_intersection(t, (mv_set *)a, b);
}
static Value set_sub(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(a) || !mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    return set_difference(t, (mv_set *)a, b);
}
static Value set_xor(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(a) || !mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    return set_symmetric_difference(t, (mv_set *)a, b);
}
static Value set_ior(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    if (set_update_internal(t, (mv_set *)a, b) < 0) return NULL;
    return mv_newref(a);
}
static Value set_iand(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    Value tmp = set_intersection(t, (mv_set *)a, b);
    if (!tmp) return NULL;
    set_swap_bodies((mv_set *)a, (mv_set *)tmp);
    MV_DECREF(tmp);
    return mv_newref(a);
}
static Value set_isub(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    if (set_difference_update_internal(t, (mv_set *)a, b) < 0) return NULL;
    return mv_newref(a);
}
static Value set_ixor(mv_thread *t, Value a, Value b) {
    if (!mv_set_check(b)) return mv_newref(MV_NOTIMPL);
    if (set_symmetric_difference_update_internal(t, (mv_set *)a, b) < 0) return NULL;
    return mv_newref(a);
}

/* ---- methods ------------------------------------------------------------------------------- */

static int check_args(mv_thread *t, Value self, const char *name, size_t nargs, Value kwnames, size_t n) {
    if (has_kwargs(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "%s.%s() takes no keyword arguments", self->type->name, name);
        return -1;
    }
    if (nargs != n) {
        if (n == 0)
            mv_err_format(t, &mv_exc_TypeError, "%s.%s() takes no arguments (%d given)", self->type->name, name, (int)nargs);
        else
            mv_err_format(t, &mv_exc_TypeError, "%s.%s() takes exactly one argument (%d given)", self->type->name, name,
                          (int)nargs);
        return -1;
    }
    return 0;
}

static Value m_add(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "add", nargs, kwnames, 1) < 0) return NULL;
    if (set_add_key(t, (mv_set *)self, args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_discard(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "discard", nargs, kwnames, 1) < 0) return NULL;
    if (set_discard_key(t, (mv_set *)self, args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_remove(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "remove", nargs, kwnames, 1) < 0) return NULL;
    int r = set_discard_key(t, (mv_set *)self, args[0]);
    if (r < 0) return NULL;
    if (r == 0) return mv_err_set_value(t, &mv_exc_KeyError, args[0]);
    return mv_newref(MV_NONE);
}

static Value m_pop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "pop", nargs, kwnames, 0) < 0) return NULL;
    mv_set *so = (mv_set *)self;
    if (so->used == 0) return mv_err_set(t, &mv_exc_KeyError, "pop from an empty set");
    mv_set_entry *entry = so->table + (so->finger & so->mask), *limit = so->table + so->mask;
    while (entry->key == NULL || entry->key == DUMMY) {
        entry++;
        if (entry > limit) entry = so->table;
    }
    Value key = entry->key;
    entry->key = DUMMY;
    entry->hash = -1;
    so->used--;
    so->finger = (size_t)(entry - so->table) + 1;
    return key;
}

static Value m_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "clear", nargs, kwnames, 0) < 0) return NULL;
    set_clear_internal((mv_set *)self);
    return mv_newref(MV_NONE);
}

static Value m_copy(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "copy", nargs, kwnames, 0) < 0) return NULL;
    if (self->type == &mv_frozenset_type) return mv_newref(self);
    return set_copy(t, self);
}

static Value m_update(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "set.update() takes no keyword arguments");
    for (size_t i = 0; i < nargs; i++)
        if (set_update_internal(t, (mv_set *)self, args[i]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_union(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames)) return mv_err_format(t, &mv_exc_TypeError, "%s.union() takes no keyword arguments", self->type->name);
    Value r = set_copy(t, self);
    for (size_t i = 0; r && i < nargs; i++) {
        if (args[i] == self) continue;
        if (set_update_internal(t, (mv_set *)r, args[i]) < 0) MV_CLEAR(r);
    }
    return r;
}

static Value m_intersection(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames)) return mv_err_format(t, &mv_exc_TypeError, "%s.intersection() takes no keyword arguments", self->type->name);
    if (nargs == 0) return set_copy(t, self);
    Value result = mv_newref(self);
    for (size_t i = 0; i < nargs; i++) {
        Value nr = set_intersection(t, (mv_set *)result, args[i]);
        MV_DECREF(result);
        if (!nr) return NULL;
        result = nr;
    }
    return result;
}

static Value m_intersection_update(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value tmp = m_intersection(t, self, args, nargs, kwnames);
    if (!tmp) return NULL;
    if (tmp != self) set_swap_bodies((mv_set *)self, (mv_set *)tmp);
    MV_DECREF(tmp);
    return mv_newref(MV_NONE);
}

static Value m_difference(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames)) return mv_err_format(t, &mv_exc_TypeError, "%s.difference() takes no keyword arguments", self->type->name);
    if (nargs == 0) return set_copy(t, self);
    Value result = set_difference(t, (mv_set *)self, args[0]);
    for (size_t i = 1; result && i < nargs; i++)
        if (set_difference_update_internal(t, (mv_set *)result, args[i]) < 0) MV_CLEAR(result);
    return result;
}

static Value m_difference_update(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (has_kwargs(kwnames)) return mv_err_set(t, &mv_exc_TypeError, "set.difference_update() takes no keyword arguments");
    for (size_t i = 0; i < nargs; i++)
        if (set_difference_update_internal(t, (mv_set *)self, args[i]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_symmetric_difference(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "symmetric_difference", nargs, kwnames, 1) < 0) return NULL;
    return set_symmetric_difference(t, (mv_set *)self, args[0]);
}

static Value m_symmetric_difference_update(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "symmetric_difference_update", nargs, kwnames, 1) < 0) return NULL;
    if (set_symmetric_difference_update_internal(t, (mv_set *)self, args[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_issubset(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "issubset", nargs, kwnames, 1) < 0) return NULL;
    return bool_result(set_issubset(t, (mv_set *)self, args[0]));
}

static Value m_issuperset(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "issuperset", nargs, kwnames, 1) < 0) return NULL;
    return bool_result(set_issuperset(t, (mv_set *)self, args[0]));
}

static Value m_isdisjoint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "isdisjoint", nargs, kwnames, 1) < 0) return NULL;
    return bool_result(set_isdisjoint(t, (mv_set *)self, args[0]));
}

static Value m_contains(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, self, "__contains__", nargs, kwnames, 1) < 0) return NULL;
    return bool_result(set_contains_key(t, (mv_set *)self, args[0]));
}

static const mv_method_def set_methods[] = {
    {"add", m_add, 0, "Add an element to a set."},
    {"discard", m_discard, 0, "Remove an element from a set if it is a member."},
    {"remove", m_remove, 0, "Remove an element from a set; it must be a member."},
    {"pop", m_pop, 0, "Remove and return an arbitrary set element."},
    {"clear", m_clear, 0, "Remove all elements from this set."},
    {"copy", m_copy, 0, "Return a shallow copy of a set."},
    {"update", m_update, 0, "Update a set with the union of itself and others."},
    {"union", m_union, 0, "Return the union of sets as a new set."},
    {"intersection", m_intersection, 0, "Return the intersection of two sets as a new set."},
    {"intersection_update", m_intersection_update, 0, "Update a set with the intersection of itself and another."},
    {"difference", m_difference, 0, "Return the difference of two or more sets as a new set."},
    {"difference_update", m_difference_update, 0, "Remove all elements of another set from this set."},
    {"symmetric_difference", m_symmetric_difference, 0, "Return the symmetric difference of two sets as a new set."},
    {"symmetric_difference_update", m_symmetric_difference_update, 0, "Update a set with the symmetric difference of itself and another."},
    {"issubset", m_issubset, 0, "Report whether another set contains this set."},
    {"issuperset", m_issuperset, 0, "Report whether this set contains another set."},
    {"isdisjoint", m_isdisjoint, 0, "Return True if two sets have a null intersection."},
    {"__contains__", m_contains, 0, "x.__contains__(y) <==> y in x."},
    {NULL, NULL, 0, NULL},
};

static const mv_method_def frozenset_methods[] = {
    {"copy", m_copy, 0, "Return a shallow copy of a set."},
    {"union", m_union, 0, "Return the union of sets as a new set."},
    {"intersection", m_intersection, 0, "Return the intersection of two sets as a new set."},
    {"difference", m_difference, 0, "Return the difference of two or more sets as a new set."},
    {"symmetric_difference", m_symmetric_difference, 0, "Return the symmetric difference of two sets as a new set."},
    {"issubset", m_issubset, 0, "Report whether another set contains this set."},
    {"issuperset", m_issuperset, 0, "Report whether this set contains another set."},
    {"isdisjoint", m_isdisjoint, 0, "Return True if two sets have a null intersection."},
    {"__contains__", m_contains, 0, "x.__contains__(y) <==> y in x."},
    {NULL, NULL, 0, NULL},
};

/* ---- iterator ------------------------------------------------------------------------------ */

typedef struct {
    mv_object ob;
    Value set; /* NULL once exhausted */
    size_t pos, used, len;
} set_iter;

static Value set_iter_new(mv_thread *t, Value self) {
    set_iter *it = (set_iter *)mv_object_new(&mv_set_iter_type);
    it->set = mv_newref(self);
    it->pos = 0;
    it->used = it->len = ((mv_set *)self)->used;
    return (Value)it;
}

static Value set_iter_next(mv_thread *t, Value self) {
    set_iter *it = (set_iter *)self;
    if (!it->set) return NULL;
    mv_set *so = (mv_set *)it->set;
    if (it->used != so->used) {
        mv_err_set(t, &mv_exc_RuntimeError, "Set changed size during iteration");
        it->used = (size_t)-1;
        return NULL;
    }
    mv_set_entry *e;
    if (!set_next_entry(so, &it->pos, &e)) {
        MV_CLEAR(it->set);
        return NULL;
    }
    it->len--;
    return mv_newref(e->key);
}

static void set_iter_dealloc(Value self) { MV_XDECREF(((set_iter *)self)->set); }
static Value iter_self(mv_thread *t, Value self) { return mv_newref(self); }

static Value set_iter_length_hint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    set_iter *it = (set_iter *)self;
    return mv_int_from_i64(it->set && it->used == ((mv_set *)it->set)->used ? (int64_t)it->len : 0);
}

static const mv_method_def set_iter_methods[] = {
    {"__length_hint__", set_iter_length_hint, 0, NULL},
    {NULL, NULL, 0, NULL},
};

mv_type mv_set_iter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "set_iterator",
    .basicsize = sizeof(set_iter),
    .base = &mv_object_type,
    .dealloc = set_iter_dealloc,
    .iter = iter_self,
    .iternext = set_iter_next,
    .methods = set_iter_methods,
};

mv_type mv_set_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "set",
    .basicsize = sizeof(mv_set),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "set() -> new empty set object",
    .tp_new = set_tp_new,
    .tp_init = set_tp_init,
    .dealloc = set_dealloc,
    .repr = set_repr,
    .hash = set_hash_unhashable,
    .richcompare = set_richcompare,
    .iter = set_iter_new,
    .len = set_len,
    .contains = set_contains_slot,
    .nb = {[MV_BINOP_OR] = set_or, [MV_BINOP_AND] = set_and, [MV_BINOP_SUB] = set_sub, [MV_BINOP_XOR] = set_xor},
    .nb_inplace = {[MV_BINOP_OR] = set_ior, [MV_BINOP_AND] = set_iand, [MV_BINOP_SUB] = set_isub,
                   [MV_BINOP_XOR] = set_ixor},
    .methods = set_methods,
};

mv_type mv_frozenset_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "frozenset",
    .basicsize = sizeof(mv_set),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "frozenset() -> empty frozenset object",
    .tp_new = frozenset_tp_new,
    .dealloc = set_dealloc,
    .repr = set_repr,
    .hash = frozenset_hash,
    .richcompare = set_richcompare,
    .iter = set_iter_new,
    .len = set_len,
    .contains = set_contains_slot,
    .nb = {[MV_BINOP_OR] = set_or, [MV_BINOP_AND] = set_and, [MV_BINOP_SUB] = set_sub, [MV_BINOP_XOR] = set_xor},
    .methods = frozenset_methods,
};
