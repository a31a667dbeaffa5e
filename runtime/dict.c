/* dict.c: the dict type: a compact insertion-ordered table (dense entries + an open-addressed
 * index probed as CPython's, perturb >>= 5), lookups with fast paths for small ints and str,
 * the dict methods, ==, |, repr with the "{...}" recursion guard, and __missing__ for
 * subclasses.  The views and the iterators are in dictview.c.
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

#define IX_EMPTY (-1)
#define IX_DUMMY (-2)
#define MIN_INDEX 8
#define USABLE(n) (((n) << 1) / 3)
#define PERTURB_SHIFT 5

/* Every mutation takes a fresh number from one process-wide counter, so that (dict, version)
   identifies a dict's contents even across a dict freed and another allocated at its address. */
static uint64_t dict_version_counter;
#define BUMP(d) ((d)->version = ++dict_version_counter)

#define HASH_MODULUS (((int64_t)1 << 61) - 1)

/* Hash with fast paths: tagged ints below the modulus hash to themselves, str caches its hash. */
static inline int key_hash(mv_thread *t, Value key, int64_t *h) {
    if (MV_IS_SMALL(key)) {
        int64_t v = MV_SMALL_VAL(key);
        if (v > -HASH_MODULUS && v < HASH_MODULUS) {
            *h = v == -1 ? -2 : v;
            return 0;
        }
    } else if (key->type == &mv_str_type) {
        *h = mv_str_hash(key);
        return 0;
    }
    return mv_hash(t, key, h);
}

int mv_dict_key_hash(mv_thread *t, Value key, int64_t *h) { return key_hash(t, key, h); }

Value mv_dict_new(void) {
    mv_dict *d = (mv_dict *)mv_object_new(&mv_dict_type);
    d->version = ++dict_version_counter;
    return (Value)d;
}

static void dict_alloc_tables(mv_dict *d, size_t index_cap) {
    d->index_cap = index_cap;
    d->index = mv_malloc(index_cap * sizeof(int32_t));
    memset(d->index, 0xff, index_cap * sizeof(int32_t)); /* all IX_EMPTY */
    d->entries_cap = USABLE(index_cap);
    d->usable = d->entries_cap;
    d->entries = mv_malloc(d->entries_cap * sizeof(mv_dict_entry));
}

/* First empty or dummy index slot on `hash`'s probe sequence. */
static size_t find_empty_slot(mv_dict *d, int64_t hash) {
    size_t mask = d->index_cap - 1;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    while (d->index[i] >= 0) {
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
    return i;
}

/* Rebuild with an index of `index_cap` slots, compacting away deleted entries. */
static void dict_resize(mv_dict *d, size_t index_cap) {
    mv_dict_entry *old = d->entries;
    size_t n = d->nentries;
    mv_free(d->index);
    dict_alloc_tables(d, index_cap);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (!old[j].key) continue;
        d->entries[k] = old[j];
        d->index[find_empty_slot(d, old[j].hash)] = (int32_t)k;
        k++;
    }
    d->nentries = k;
    d->usable = d->entries_cap - k;
    mv_free(old);
}

static void dict_grow(mv_dict *d) {
    if (!d->index) {
        dict_alloc_tables(d, MIN_INDEX);
        return;
    }
    size_t want = d->used * 3, cap = MIN_INDEX;
    while (cap < want) cap <<= 1;
    /* many deletions: compacting in place at the same size is enough */
    dict_resize(d, cap);
}

/* Find `key`: returns its entry number, -1 if absent, -2 on error.  A key's __eq__ may mutate
   the dict: then the search starts over, as CPython does. */
static int64_t dict_lookup(mv_thread *t, mv_dict *d, Value key, int64_t hash) {
restart:
    if (!d->index) return -1;
    size_t mask = d->index_cap - 1;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        int32_t ix = d->index[i];
        if (ix == IX_EMPTY) return -1;
        if (ix >= 0) {
            mv_dict_entry *e = &d->entries[ix];
            Value sk = e->key;
            if (sk == key) return ix;
            if (e->hash == hash) {
                if (!MV_IS_SMALL(sk) && !MV_IS_SMALL(key) && sk->type == &mv_str_type && key->type == &mv_str_type) {
                    if (mv_str_eq(sk, key)) return ix;
                } else if (!(MV_IS_SMALL(sk) && MV_IS_SMALL(key))) {
                    int32_t *idx = d->index;
                    MV_INCREF(sk);
                    int k = mv_richcompare_bool(t, sk, key, MV_EQ);
                    MV_DECREF(sk);
                    if (k < 0) return -2;
                    if (idx != d->index || d->entries[ix].key != sk) goto restart;
                    if (k) return ix;
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* The index slot that points at entry `ix` (for deletion). */
static size_t slot_of_entry(mv_dict *d, int64_t hash, int64_t ix) {
    size_t mask = d->index_cap - 1;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    while (d->index[i] != ix) {
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
    return i;
}

Value mv_dict_get_known_hash(mv_thread *t, Value dv, Value key, int64_t hash) {
    mv_dict *d = (mv_dict *)dv;
    int64_t ix = dict_lookup(t, d, key, hash);
    return ix >= 0 ? d->entries[ix].value : NULL;
}

Value mv_dict_get(mv_thread *t, Value dv, Value key) {
    int64_t hash;
    if (key_hash(t, key, &hash) < 0) return NULL;
    return mv_dict_get_known_hash(t, dv, key, hash);
}

Value mv_dict_get_str(Value dv, Value key) {
    mv_dict *d = (mv_dict *)dv;
    if (!d->index) return NULL;
    int64_t hash = mv_str_hash(key);
    size_t mask = d->index_cap - 1;
    uint64_t perturb = (uint64_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        int32_t ix = d->index[i];
        if (ix == IX_EMPTY) return NULL;
        if (ix >= 0) {
            mv_dict_entry *e = &d->entries[ix];
            if (e->key == key) return e->value;
            if (e->hash == hash && !MV_IS_SMALL(e->key) && mv_str_check(e->key) && mv_str_eq(e->key, key))
                return e->value;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + perturb + 1) & mask;
    }
}

Value mv_dict_get_cstr(mv_thread *t, Value d, const char *key) {
    Value k = mv_str_from_cstr(key);
    Value r = mv_dict_get_str(d, k);
    MV_DECREF(k);
    return r;
}

/* Insert or replace; steals neither. */
int mv_dict_set_known_hash(mv_thread *t, Value dv, Value key, int64_t hash, Value v) {
    mv_dict *d = (mv_dict *)dv;
    int64_t ix = dict_lookup(t, d, key, hash);
    if (ix == -2) return -1;
    MV_INCREF(v);
    if (ix >= 0) {
        Value old = d->entries[ix].value;
        d->entries[ix].value = v;
        BUMP(d);
        MV_DECREF(old);
        return 0;
    }
    if (!d->index || d->usable == 0) dict_grow(d);
    MV_INCREF(key);
    d->usable--;
    size_t slot = find_empty_slot(d, hash);
    d->index[slot] = (int32_t)d->nentries;
    mv_dict_entry *e = &d->entries[d->nentries++];
    e->hash = hash;
    e->key = key;
    e->value = v;
    d->used++;
    BUMP(d);
    return 0;
}

int mv_dict_set(mv_thread *t, Value d, Value key, Value v) {
    int64_t hash;
    if (key_hash(t, key, &hash) < 0) return -1;
    return mv_dict_set_known_hash(t, d, key, hash, v);
}

int mv_dict_set_cstr(mv_thread *t, Value d, const char *key, Value v) {
    Value k = mv_str_intern_cstr(t, key);
    if (!k) return -1;
    int r = mv_dict_set(t, d, k, v);
    MV_DECREF(k);
    return r;
}

/* Remove entry ix; returns its value (new ref); the key is released. */
static Value dict_remove_entry(mv_dict *d, int64_t ix) {
    mv_dict_entry *e = &d->entries[ix];
    d->index[slot_of_entry(d, e->hash, ix)] = IX_DUMMY;
    Value k = e->key, v = e->value;
    e->key = NULL;
    e->value = NULL;
    d->used--;
    BUMP(d);
    /* a deleted last entry can be reused at once */
    if ((size_t)ix == d->nentries - 1) d->nentries--;
    MV_DECREF(k);
    return v;
}

/* Pop key: 1 found (*out new ref), 0 missing, -1 error. */
int mv_dict_pop(mv_thread *t, Value dv, Value key, Value *out) {
    mv_dict *d = (mv_dict *)dv;
    int64_t hash;
    if (key_hash(t, key, &hash) < 0) return -1;
    int64_t ix = dict_lookup(t, d, key, hash);
    if (ix == -2) return -1;
    if (ix < 0) return 0;
    *out = dict_remove_entry(d, ix);
    return 1;
}

int mv_dict_del(mv_thread *t, Value d, Value key) {
    Value v;
    int k = mv_dict_pop(t, d, key, &v);
    if (k < 0) return -1;
    if (k == 0) {
        mv_err_set_value(t, &mv_exc_KeyError, key);
        return -1;
    }
    MV_DECREF(v);
    return 0;
}

bool mv_dict_next(Value dv, size_t *pos, Value *key, Value *value) {
    mv_dict *d = (mv_dict *)dv;
    size_t i = *pos;
    while (i < d->nentries && !d->entries[i].key) i++;
    if (i >= d->nentries) {
        *pos = i;
        return false;
    }
    if (key) *key = d->entries[i].key;
    if (value) *value = d->entries[i].value;
    *pos = i + 1;
    return true;
}

bool mv_dict_next_hash(Value dv, size_t *pos, Value *key, Value *value, int64_t *hash) {
    mv_dict *d = (mv_dict *)dv;
    size_t i = *pos;
    bool r = mv_dict_next(dv, pos, key, value);
    if (r) {
        while (!d->entries[i].key) i++;
        *hash = d->entries[i].hash;
    }
    return r;
}

void mv_dict_clear(Value dv) {
    mv_dict *d = (mv_dict *)dv;
    mv_dict_entry *entries = d->entries;
    size_t n = d->nentries;
    mv_free(d->index);
    d->index = NULL;
    d->entries = NULL;
    d->index_cap = d->entries_cap = d->nentries = d->used = 0;
    BUMP(d);
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].key) continue;
        MV_DECREF(entries[i].key);
        MV_DECREF(entries[i].value);
    }
    mv_free(entries);
}

static Value dict_copy_into(mv_dict *src, mv_dict *dst) {
    /* same layout: copy the tables as they are when there is nothing to compact */
    if (src->used == src->nentries && src->index) {
        dst->index_cap = src->index_cap;
        dst->entries_cap = src->entries_cap;
        dst->usable = src->usable;
        dst->index = mv_malloc(src->index_cap * sizeof(int32_t));
        memcpy(dst->index, src->index, src->index_cap * sizeof(int32_t));
        dst->entries = mv_malloc(src->entries_cap * sizeof(mv_dict_entry));
        memcpy(dst->entries, src->entries, src->nentries * sizeof(mv_dict_entry));
        for (size_t i = 0; i < src->nentries; i++) {
            MV_INCREF(dst->entries[i].key);
            MV_INCREF(dst->entries[i].value);
        }
        dst->nentries = dst->used = src->used;
        BUMP(dst);
        return (Value)dst;
    }
    /* distinct keys: insert without comparing */
    size_t cap = MIN_INDEX;
    while (USABLE(cap) < src->used) cap <<= 1;
    if (src->used) dict_alloc_tables(dst, cap);
    for (size_t i = 0; i < src->nentries; i++) {
        mv_dict_entry *e = &src->entries[i];
        if (!e->key) continue;
        dst->index[find_empty_slot(dst, e->hash)] = (int32_t)dst->nentries;
        dst->entries[dst->nentries].hash = e->hash;
        dst->entries[dst->nentries].key = mv_newref(e->key);
        dst->entries[dst->nentries].value = mv_newref(e->value);
        dst->nentries++;
        dst->usable--;
    }
    dst->used = dst->nentries;
    BUMP(dst);
    return (Value)dst;
}

Value mv_dict_copy(mv_thread *t, Value d) {
    return dict_copy_into((mv_dict *)d, (mv_dict *)mv_dict_new());
}

Value mv_dict_keys_list(Value dv) {
    mv_dict *d = (mv_dict *)dv;
    Value r = mv_list_new(d->used);
    size_t pos = 0, i = 0;
    Value k;
    while (mv_dict_next(dv, &pos, &k, NULL)) MV_LIST_SET(r, i++, mv_newref(k));
    return r;
}

/* d.update(other) for a mapping: via keys() and [] unless other is a plain dict. */
static int dict_merge(mv_thread *t, Value d, Value other, bool override) {
    if (mv_dict_check(other) && (other->type == &mv_dict_type || MV_TYPE(other)->iter == mv_dict_type.iter)) {
        if (other == d) return 0;
        mv_dict *o = (mv_dict *)other;
        size_t pos = 0;
        Value k, v;
        int64_t h;
        if (((mv_dict *)d)->used == 0 && override && o->used == o->nentries && o->index) {
            mv_dict_clear(d);
            dict_copy_into(o, (mv_dict *)d);
            return 0;
        }
        while (mv_dict_next_hash(other, &pos, &k, &v, &h)) {
            MV_INCREF(k);
            MV_INCREF(v);
            int rc = 0;
            if (override || mv_dict_get_known_hash(t, d, k, h) == NULL) {
                if (mv_err_occurred(t)) rc = -1;
                else rc = mv_dict_set_known_hash(t, d, k, h, v);
            }
            MV_DECREF(k);
            MV_DECREF(v);
            if (rc < 0) return -1;
        }
        return 0;
    }
    Value keys = mv_call_method(t, other, "keys", NULL, 0);
    if (!keys) return -1;
    Value it = mv_iter(t, keys);
    MV_DECREF(keys);
    if (!it) return -1;
    Value k;
    while ((k = mv_next(t, it)) != NULL) {
        Value v = mv_getitem(t, other, k);
        if (!v || mv_dict_set(t, d, k, v) < 0) {
            MV_XDECREF(v);
            MV_DECREF(k);
            MV_DECREF(it);
            return -1;
        }
        MV_DECREF(v);
        MV_DECREF(k);
    }
    MV_DECREF(it);
    return mv_err_occurred(t) ? -1 : 0;
}

/* d.update(iterable of pairs) */
static int dict_merge_pairs(mv_thread *t, Value d, Value seq) {
    Value it = mv_iter(t, seq);
    if (!it) return -1;
    Value item;
    int64_t n = 0;
    while ((item = mv_next(t, it)) != NULL) {
        Value pair;
        if (!MV_IS_SMALL(item) && (item->type == &mv_tuple_type || item->type == &mv_list_type)) {
            pair = mv_newref(item);
        } else {
            pair = mv_sequence_tuple(t, item);
            if (!pair) {
                if (mv_err_matches(t, &mv_exc_TypeError)) {
                    mv_err_clear(t);
                    mv_err_format(t, &mv_exc_TypeError,
                                  "cannot convert dictionary update sequence element #%lld to a sequence",
                                  (long long)n);
                }
                goto fail;
            }
        }
        bool is_list = pair->type == &mv_list_type;
        size_t len = is_list ? mv_list_size(pair) : mv_tuple_size(pair);
        if (len != 2) {
            mv_err_format(t, &mv_exc_ValueError,
                          "dictionary update sequence element #%lld has length %zu; 2 is required",
                          (long long)n, len);
            MV_DECREF(pair);
            goto fail;
        }
        Value *kv = is_list ? mv_list_items(pair) : mv_tuple_items(pair);
        Value k = mv_newref(kv[0]), v = mv_newref(kv[1]);
        int rc = mv_dict_set(t, d, k, v);
        MV_DECREF(k);
        MV_DECREF(v);
        MV_DECREF(pair);
        if (rc < 0) goto fail;
        MV_DECREF(item);
        n++;
    }
    MV_DECREF(it);
    return mv_err_occurred(t) ? -1 : 0;
fail:
    MV_DECREF(item);
    MV_DECREF(it);
    return -1;
}

int mv_dict_update(mv_thread *t, Value d, Value other) {
    if (mv_dict_check(other)) return dict_merge(t, d, other, true);
    Value keys_name = mv_str_intern_cstr(t, "keys");
    int has = mv_hasattr(t, other, keys_name);
    MV_DECREF(keys_name);
    if (has < 0) return -1;
    if (has) return dict_merge(t, d, other, true);
    return dict_merge_pairs(t, d, other);
}

/* update(*args, **kwargs) shared by dict() and dict.update */
static int dict_update_args(mv_thread *t, const char *name, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs > 1) {
        mv_err_format(t, &mv_exc_TypeError, "%s expected at most 1 argument, got %d", name, (int)nargs);
        return -1;
    }
    if (nargs == 1 && mv_dict_update(t, self, args[0]) < 0) return -1;
    size_t nk = kwnames ? mv_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nk; i++)
        if (mv_dict_set(t, self, MV_TUPLE_GET(kwnames, i), args[nargs + i]) < 0) return -1;
    return 0;
}

/* ---- the type ------------------------------------------------------------------------------ */

static void dict_dealloc(Value self) {
    mv_dict *d = (mv_dict *)self;
    for (size_t i = 0; i < d->nentries; i++) {
        if (!d->entries[i].key) continue;
        MV_DECREF(d->entries[i].key);
        MV_DECREF(d->entries[i].value);
    }
    mv_free(d->entries);
    mv_free(d->index);
}

static Value dict_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    mv_dict *d = (mv_dict *)mv_object_new(type);
    d->version = ++dict_version_counter;
    return (Value)d;
}

static int dict_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return dict_update_args(t, "dict", self, args, nargs, kwnames);
}

static Value dict_repr(mv_thread *t, Value self) {
    mv_dict *d = (mv_dict *)self;
    if (d->used == 0) return mv_str_from_cstr("{}");
    int rc = mv_repr_enter(t, self);
    if (rc != 0) return rc > 0 ? mv_str_from_cstr("{...}") : NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_addc(&b, '{');
    size_t pos = 0;
    Value k, v;
    bool first = true;
    while (mv_dict_next(self, &pos, &k, &v)) {
        if (!first) mv_strbuf_add(&b, ", ", 2);
        first = false;
        MV_INCREF(k);
        MV_INCREF(v);
        int e = mv_strbuf_add_value_repr(t, &b, k);
        if (e == 0) {
            mv_strbuf_add(&b, ": ", 2);
            e = mv_strbuf_add_value_repr(t, &b, v);
        }
        MV_DECREF(k);
        MV_DECREF(v);
        if (e < 0) {
            mv_strbuf_free(&b);
            mv_repr_leave(t, self);
            return NULL;
        }
    }
    mv_strbuf_addc(&b, '}');
    mv_repr_leave(t, self);
    return mv_strbuf_finish(&b);
}

static int dict_hash(mv_thread *t, Value self, int64_t *out) {
    mv_err_format(t, &mv_exc_TypeError, "unhashable type: '%s'", mv_type_name(self));
    return -1;
}

/* 1 equal, 0 not, -1 error */
static int dict_equal(mv_thread *t, mv_dict *a, mv_dict *b) {
    if (a->used != b->used) return 0;
    for (size_t i = 0; i < a->nentries; i++) {
        mv_dict_entry *e = &a->entries[i];
        if (!e->key) continue;
        Value k = mv_newref(e->key), av = mv_newref(e->value);
        Value bv = mv_dict_get_known_hash(t, (Value)b, k, e->hash);
        int r;
        if (!bv) r = mv_err_occurred(t) ? -1 : 0;
        else {
            MV_INCREF(bv);
            r = av == bv ? 1 : mv_richcompare_bool(t, av, bv, MV_EQ);
            MV_DECREF(bv);
        }
        MV_DECREF(k);
        MV_DECREF(av);
        if (r <= 0) return r;
        if (a->used != b->used) return 0;
    }
    return 1;
}

static Value dict_richcompare(mv_thread *t, Value a, Value b, int op) {
    if (!mv_dict_check(a) || !mv_dict_check(b) || (op != MV_EQ && op != MV_NE)) return mv_newref(MV_NOTIMPL);
    int r = dict_equal(t, (mv_dict *)a, (mv_dict *)b);
    if (r < 0) return NULL;
    return mv_newref(MV_BOOL(op == MV_EQ ? r : !r));
}

static int64_t dict_len(mv_thread *t, Value self) { return (int64_t)((mv_dict *)self)->used; }

static Value str_missing;

static Value dict_getitem(mv_thread *t, Value self, Value key) {
    int64_t hash;
    if (key_hash(t, key, &hash) < 0) return NULL;
    Value v = mv_dict_get_known_hash(t, self, key, hash);
    if (v) return mv_newref(v);
    if (mv_err_occurred(t)) return NULL;
    if (self->type != &mv_dict_type) {
        if (!str_missing) str_missing = mv_str_intern_cstr(t, "__missing__");
        Value m = mv_type_lookup(self->type, str_missing);
        if (m) return mv_call2(t, m, self, key);
    }
    return mv_err_set_value(t, &mv_exc_KeyError, key);
}

static int dict_setitem(mv_thread *t, Value self, Value key, Value v) {
    if (v) return mv_dict_set(t, self, key, v);
    return mv_dict_del(t, self, key);
}

static int dict_contains(mv_thread *t, Value self, Value key) {
    int64_t hash;
    if (key_hash(t, key, &hash) < 0) return -1;
    int64_t ix = dict_lookup(t, (mv_dict *)self, key, hash);
    return ix == -2 ? -1 : ix >= 0;
}

static Value dict_or(mv_thread *t, Value a, Value b) {
    if (!mv_dict_check(a) || !mv_dict_check(b)) return mv_newref(MV_NOTIMPL);
    Value r = mv_dict_copy(t, a);
    if (r && dict_merge(t, r, b, true) < 0) MV_CLEAR(r);
    return r;
}

static Value dict_ior(mv_thread *t, Value a, Value b) {
    if (mv_dict_update(t, a, b) < 0) return NULL;
    return mv_newref(a);
}

/* ---- methods ------------------------------------------------------------------------------- */

static int check_args(mv_thread *t, const char *name, size_t nargs, Value kwnames, size_t min, size_t max) {
    if (kwnames && mv_tuple_size(kwnames)) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", name);
        return -1;
    }
    if (nargs < min || nargs > max) {
        if (min == max && min == 0)
            mv_err_format(t, &mv_exc_TypeError, "dict.%s() takes no arguments (%d given)", name, (int)nargs);
        else if (min == max)
            mv_err_format(t, &mv_exc_TypeError, "dict.%s() takes exactly one argument (%d given)", name, (int)nargs);
        else if (nargs < min)
            mv_err_format(t, &mv_exc_TypeError, "%s expected at least %d argument%s, got %d", name, (int)min,
                          min == 1 ? "" : "s", (int)nargs);
        else
            mv_err_format(t, &mv_exc_TypeError, "%s expected at most %d argument%s, got %d", name, (int)max,
                          max == 1 ? "" : "s", (int)nargs);
        return -1;
    }
    return 0;
}

static Value dict_m_get(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "get", nargs, kwnames, 1, 2) < 0) return NULL;
    Value v = mv_dict_get(t, self, args[0]);
    if (v) return mv_newref(v);
    if (mv_err_occurred(t)) return NULL;
    return mv_newref(nargs > 1 ? args[1] : MV_NONE);
}

static Value dict_m_setdefault(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "setdefault", nargs, kwnames, 1, 2) < 0) return NULL;
    int64_t hash;
    if (key_hash(t, args[0], &hash) < 0) return NULL;
    Value v = mv_dict_get_known_hash(t, self, args[0], hash);
    if (v) return mv_newref(v);
    if (mv_err_occurred(t)) return NULL;
    Value dflt = nargs > 1 ? args[1] : MV_NONE;
    if (mv_dict_set_known_hash(t, self, args[0], hash, dflt) < 0) return NULL;
    return mv_newref(dflt);
}

static Value dict_m_pop(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "pop", nargs, kwnames, 1, 2) < 0) return NULL;
    Value v;
    int k = mv_dict_pop(t, self, args[0], &v);
    if (k < 0) return NULL;
    if (k) return v;
    if (nargs > 1) return mv_newref(args[1]);
    return mv_err_set_value(t, &mv_exc_KeyError, args[0]);
}

static Value dict_m_popitem(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "popitem", nargs, kwnames, 0, 0) < 0) return NULL;
    mv_dict *d = (mv_dict *)self;
    if (d->used == 0) return mv_err_set(t, &mv_exc_KeyError, "popitem(): dictionary is empty");
    int64_t ix = (int64_t)d->nentries - 1;
    while (!d->entries[ix].key) ix--;
    Value k = mv_newref(d->entries[ix].key);
    Value v = dict_remove_entry(d, ix);
    d->nentries = (size_t)ix; /* LIFO: the slots after ix are all deleted */
    Value r = mv_tuple_new(2);
    MV_TUPLE_SET(r, 0, k);
    MV_TUPLE_SET(r, 1, v);
    return r;
}

static Value dict_m_update(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (dict_update_args(t, "update", self, args, nargs, kwnames) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value dict_m_clear(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "clear", nargs, kwnames, 0, 0) < 0) return NULL;
    mv_dict_clear(self);
    return mv_newref(MV_NONE);
}

static Value dict_m_copy(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "copy", nargs, kwnames, 0, 0) < 0) return NULL;
    return mv_dict_copy(t, self);
}

/* dict.fromkeys(iterable, value=None): a classmethod, self is the class */
static Value dict_m_fromkeys(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "fromkeys", nargs, kwnames, 1, 2) < 0) return NULL;
    Value value = nargs > 1 ? args[1] : MV_NONE;
    Value d = mv_call0(t, self);
    if (!d) return NULL;
    bool fast = d->type == &mv_dict_type;
    Value it = mv_iter(t, args[0]);
    if (!it) {
        MV_DECREF(d);
        return NULL;
    }
    Value k;
    while ((k = mv_next(t, it)) != NULL) {
        int rc = fast ? mv_dict_set(t, d, k, value) : mv_setitem(t, d, k, value);
        MV_DECREF(k);
        if (rc < 0) break;
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) {
        MV_DECREF(d);
        return NULL;
    }
    return d;
}

static Value dict_m_keys(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "keys", nargs, kwnames, 0, 0) < 0) return NULL;
    return mv_dict_view_new(self, 0);
}

static Value dict_m_values(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "values", nargs, kwnames, 0, 0) < 0) return NULL;
    return mv_dict_view_new(self, 1);
}

static Value dict_m_items(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (check_args(t, "items", nargs, kwnames, 0, 0) < 0) return NULL;
    return mv_dict_view_new(self, 2);
}

static Value dict_m_reversed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_dict_iter_new(self, 0, true);
}

static Value dict_m_getitem(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "expected 1 argument, got %d", (int)nargs);
    return dict_getitem(t, self, args[0]);
}

static const mv_method_def dict_methods[] = {
    {"get", dict_m_get, 0, "Return the value for key if key is in the dictionary, else default."},
    {"setdefault", dict_m_setdefault, 0, "Insert key with a value of default if key is not in the dictionary."},
    {"pop", dict_m_pop, 0, "D.pop(k[,d]) -> v, remove specified key and return the corresponding value."},
    {"popitem", dict_m_popitem, 0, "Remove and return a (key, value) pair as a 2-tuple."},
    {"update", dict_m_update, 0, "D.update([E, ]**F) -> None.  Update D from dict/iterable E and F."},
    {"clear", dict_m_clear, 0, "D.clear() -> None.  Remove all items from D."},
    {"copy", dict_m_copy, 0, "D.copy() -> a shallow copy of D"},
    {"fromkeys", dict_m_fromkeys, MV_METH_CLASS, "Create a new dictionary with keys from iterable and values set to value."},
    {"keys", dict_m_keys, 0, "D.keys() -> a set-like object providing a view on D's keys"},
    {"values", dict_m_values, 0, "D.values() -> an object providing a view on D's values"},
    {"items", dict_m_items, 0, "D.items() -> a set-like object providing a view on D's items"},
    {"__reversed__", dict_m_reversed, 0, "Return a reverse iterator over the dict keys."},
    {"__getitem__", dict_m_getitem, 0, "x.__getitem__(y) <==> x[y]"},
    {NULL, NULL, 0, NULL},
};

static Value dict_iter(mv_thread *t, Value self) { return mv_dict_iter_new(self, 0, false); }

mv_type mv_dict_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "dict",
    .basicsize = sizeof(mv_dict),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_DICT_SUBCLASS,
    .base = &mv_object_type,
    .doc = "dict() -> new empty dictionary",
    .tp_new = dict_tp_new,
    .tp_init = dict_tp_init,
    .dealloc = dict_dealloc,
    .repr = dict_repr,
    .hash = dict_hash,
    .richcompare = dict_richcompare,
    .iter = dict_iter,
    .len = dict_len,
    .getitem = dict_getitem,
    .setitem = dict_setitem,
    .contains = dict_contains,
    .nb = {[MV_BINOP_OR] = dict_or},
    .nb_inplace = {[MV_BINOP_OR] = dict_ior},
    .methods = dict_methods,
};
