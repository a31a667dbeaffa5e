/* str_methods.c: the methods of str (split, join, strip, find, replace, partition, justify,
 * splitlines, encode, translate, ...) and mv_str_join.  Case mapping and the is*() predicates
 * live in str_case.c.  Indices are code points; the searching itself runs on UTF-8 bytes.
 */
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "dict.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "str_case.h"
#include "tuple.h"

#define S(v) ((mv_strobj *)(v))

/* A new str for the bytes [a, b) of s (boundaries on code points). */
static Value sub_bytes(Value s, size_t a, size_t b) {
    if (S(s)->ascii) return mv_str_new_len(S(s)->data + a, b - a, b - a);
    if (a == 0 && b == S(s)->size && s->type == &mv_str_type) return mv_newref(s);
    return mv_str_new(S(s)->data + a, b - a);
}

/* code point index of byte offset off */
static size_t cp_index(Value s, size_t off) {
    if (S(s)->ascii) return off;
    return mv_utf8_count(S(s)->data, off);
}

static Value self_or_copy(mv_thread *t, Value s) { return mv_str_exact(t, s); }

/* ---- argument helpers ---------------------------------------------------------------------- */

static int need_str(mv_thread *t, Value v, const char *what) {
    if (mv_str_check(v)) return 0;
    if (what)
        mv_err_format(t, &mv_exc_TypeError, "%s must be str, not %s", what, mv_type_name(v));
    else
        mv_err_format(t, &mv_exc_TypeError, "must be str, not %s", mv_type_name(v));
    return -1;
}

/* A slice bound as find()/count() take it: int, None or __index__. */
static int slice_bound(mv_thread *t, Value v, int64_t *out) {
    if (!v || v == MV_NONE) return 0;
    if (MV_IS_SMALL(v)) {
        *out = MV_SMALL_VAL(v);
        return 0;
    }
    if (!mv_int_check(v) && !MV_TYPE(v)->nb_index) {
        mv_err_set(t, &mv_exc_TypeError,
                   "slice indices must be integers or None or have an __index__ method");
        return -1;
    }
    if (mv_index_int64(t, v, out) < 0) {
        if (!mv_err_matches(t, &mv_exc_OverflowError)) return -1;
        mv_err_clear(t);
        *out = mv_int_sign(v) < 0 ? INT64_MIN / 2 : INT64_MAX / 2;
    }
    return 0;
}

/* Parse (sub[, start[, end]]) and clamp start/end to [0, len] as CPython's ADJUST_INDICES.
   Returns 1 when the range is non-empty or may match, 0 for an impossible range, -1 error. */
static int parse_range(mv_thread *t, const char *name, Value self, Value *args, size_t nargs,
                       Value kwnames, int64_t *start, int64_t *end) {
    if (mv_check_no_kwargs(t, name, kwnames) < 0) return -1;
    if (mv_check_nargs(t, name, nargs, 1, 3) < 0) return -1;
    int64_t len = (int64_t)mv_str_len(self);
    *start = 0;
    *end = INT64_MAX;
    if (nargs > 1 && slice_bound(t, args[1], start) < 0) return -1;
    if (nargs > 2 && slice_bound(t, args[2], end) < 0) return -1;
    if (*end > len) *end = len;
    else if (*end < 0) {
        *end += len;
        if (*end < 0) *end = 0;
    }
    if (*start < 0) {
        *start += len;
        if (*start < 0) *start = 0;
    }
    return 1;
}

/* Byte-level search of needle in hay[0..n): first (dir>0) or last (dir<0) occurrence. */
static const char *search_bytes(const char *hay, size_t n, const char *needle, size_t m, int dir) {
    if (m > n) return NULL;
    if (m == 0) return dir > 0 ? hay : hay + n;
    if (dir > 0) {
        if (m == 1) return memchr(hay, needle[0], n);
        return memmem(hay, n, needle, m);
    }
    if (m == 1) return memrchr(hay, needle[0], n);
    for (const char *p = hay + n - m;; p--) {
        if (*p == needle[0] && !memcmp(p, needle, m)) return p;
        if (p == hay) break;
    }
    return NULL;
}

/* find/rfind/index/rindex core: code point index or -1; -2 on error. */
static int64_t find_impl(mv_thread *t, const char *name, Value self, Value *args, size_t nargs,
                         Value kwnames, int dir) {
    int64_t start, end;
    if (parse_range(t, name, self, args, nargs, kwnames, &start, &end) < 0) return -2;
    Value sub = args[0];
    if (need_str(t, sub, NULL) < 0) return -2;
    if (end - start < (int64_t)mv_str_len(sub)) return -1;
    size_t a = mv_str_byte_offset(self, (size_t)start), b = mv_str_byte_offset(self, (size_t)end);
    const char *base = mv_str_data(self);
    const char *hit = search_bytes(base + a, b - a, mv_str_data(sub), mv_str_size(sub), dir);
    if (!hit) return -1;
    return (int64_t)cp_index(self, (size_t)(hit - base));
}

static Value str_find(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "find", self, args, nargs, kw, 1);
    return r == -2 ? NULL : mv_int_from_i64(r);
}
static Value str_rfind(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "rfind", self, args, nargs, kw, -1);
    return r == -2 ? NULL : mv_int_from_i64(r);
}
static Value str_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "index", self, args, nargs, kw, 1);
    if (r == -1) return mv_err_set(t, &mv_exc_ValueError, "substring not found");
    return r == -2 ? NULL : mv_int_from_i64(r);
}
static Value str_rindex(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "rindex", self, args, nargs, kw, -1);
    if (r == -1) return mv_err_set(t, &mv_exc_ValueError, "substring not found");
    return r == -2 ? NULL : mv_int_from_i64(r);
}

static size_t count_bytes(const char *p, size_t n, const char *sub, size_t m, size_t maxcount) {
    size_t c = 0;
    const char *end = p + n;
    while (c < maxcount) {
        const char *hit = search_bytes(p, (size_t)(end - p), sub, m, 1);
        if (!hit) break;
        c++;
        p = hit + m;
    }
    return c;
}

static Value str_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t start, end;
    if (parse_range(t, "count", self, args, nargs, kw, &start, &end) < 0) return NULL;
    Value sub = args[0];
    if (need_str(t, sub, NULL) < 0) return NULL;
    if (start > (int64_t)mv_str_len(self)) return MV_FROM_SMALL(0);
    if (mv_str_size(sub) == 0) return MV_FROM_SMALL(end >= start ? end - start + 1 : 0);
    if (end - start < (int64_t)mv_str_len(sub)) return MV_FROM_SMALL(0);
    size_t a = mv_str_byte_offset(self, (size_t)start), b = mv_str_byte_offset(self, (size_t)end);
    size_t c = count_bytes(mv_str_data(self) + a, b - a, mv_str_data(sub), mv_str_size(sub), SIZE_MAX);
    return mv_int_from_u64(c);
}

/* startswith / endswith: prefix may be a tuple of str */
static Value starts_ends(mv_thread *t, const char *name, Value self, Value *args, size_t nargs,
                         Value kw, bool ends) {
    int64_t start, end;
    if (parse_range(t, name, self, args, nargs, kw, &start, &end) < 0) return NULL;
    Value pre = args[0];
    Value *items = &pre;
    size_t n = 1;
    if (mv_tuple_check(pre)) {
        items = mv_tuple_items(pre);
        n = mv_tuple_size(pre);
    } else if (!mv_str_check(pre)) {
        return mv_err_format(t, &mv_exc_TypeError,
                             "%s first arg must be str or a tuple of str, not %s", name,
                             mv_type_name(pre));
    }
    for (size_t i = 0; i < n; i++) {
        Value p = items[i];
        if (!mv_str_check(p))
            return mv_err_format(t, &mv_exc_TypeError,
                                 "tuple for %s must only contain str, not %s", name,
                                 mv_type_name(p));
        if (start > (int64_t)mv_str_len(self)) continue;
        if (end - start < (int64_t)mv_str_len(p)) continue;
        size_t a = mv_str_byte_offset(self, (size_t)start);
        size_t b = mv_str_byte_offset(self, (size_t)end);
        size_t m = mv_str_size(p);
        if (m > b - a) continue;
        const char *at = ends ? mv_str_data(self) + b - m : mv_str_data(self) + a;
        if (!memcmp(at, mv_str_data(p), m)) return MV_TRUE;
    }
    return MV_FALSE;
}

static Value str_startswith(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return starts_ends(t, "startswith", self, args, nargs, kw, false);
}
static Value str_endswith(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return starts_ends(t, "endswith", self, args, nargs, kw, true);
}

/* ---- split family ---------------------------------------------------------------------------- */

static int parse_split_args(mv_thread *t, const char *name, Value *args, size_t nargs, Value kw,
                            Value *sep, int64_t *maxsplit) {
    static const char *const kwlist[] = {"sep", "maxsplit", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, name, args, nargs, kw, kwlist, 0, a) < 0) return -1;
    *sep = a[0] == MV_NONE ? NULL : a[0];
    *maxsplit = -1;
    if (*sep && !mv_str_check(*sep)) {
        mv_err_format(t, &mv_exc_TypeError, "must be str or None, not %s", mv_type_name(*sep));
        return -1;
    }
    if (a[1]) {
        if (!mv_int_check(a[1])) {
            mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                          mv_type_name(a[1]));
            return -1;
        }
        if (mv_index_int64(t, a[1], maxsplit) < 0) return -1;
    }
    if (*maxsplit < 0) *maxsplit = INT64_MAX;
    if (*sep && mv_str_size(*sep) == 0) {
        mv_err_set(t, &mv_exc_ValueError, "empty separator");
        return -1;
    }
    return 0;
}

/* whitespace test on the code point starting at byte i; sets *w to its byte width */
static bool ws_at(const char *d, size_t i, size_t *w) {
    unsigned char c = (unsigned char)d[i];
    if (c < 0x80) {
        *w = 1;
        return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
    }
    const char *p = d + i;
    uint32_t cp = mv_utf8_next(&p);
    *w = (size_t)(p - (d + i));
    return mv_unicode_isspace(cp);
}

/* the byte offset of the code point before `i` */
static size_t prev_off(const char *d, size_t i) {
    do i--;
    while (i > 0 && ((unsigned char)d[i] & 0xC0) == 0x80);
    return i;
}

static Value split_ws(Value self, int64_t maxsplit, bool right) {
    const char *d = mv_str_data(self);
    size_t n = mv_str_size(self), w;
    Value list = mv_list_new(0);
    if (!right) {
        size_t i = 0;
        while (i < n) {
            while (i < n && ws_at(d, i, &w)) i += w;
            if (i >= n) break;
            if (maxsplit-- <= 0) {
                /* the rest, with its trailing whitespace kept (CPython) */
                mv_list_append_steal(list, sub_bytes(self, i, n));
                break;
            }
            size_t j = i;
            while (j < n && !ws_at(d, j, &w)) j += w;
            mv_list_append_steal(list, sub_bytes(self, i, j));
            i = j;
        }
        return list;
    }
    size_t i = n;
    while (i > 0) {
        size_t p;
        while (i > 0 && ws_at(d, p = prev_off(d, i), &w)) i = p;
        if (i == 0) break;
        if (maxsplit-- <= 0) {
            mv_list_append_steal(list, sub_bytes(self, 0, i));
            break;
        }
        size_t j = i;
        while (j > 0 && !ws_at(d, p = prev_off(d, j), &w)) j = p;
        mv_list_append_steal(list, sub_bytes(self, j, i));
        i = j;
    }
    /* built back to front */
    Value *it = mv_list_items(list);
    size_t m = mv_list_size(list);
    for (size_t k = 0; k < m / 2; k++) {
        Value tmp = it[k];
        it[k] = it[m - 1 - k];
        it[m - 1 - k] = tmp;
    }
    return list;
}

static Value split_sep(Value self, Value sep, int64_t maxsplit, bool right) {
    const char *d = mv_str_data(self), *sd = mv_str_data(sep);
    size_t n = mv_str_size(self), m = mv_str_size(sep);
    Value list = mv_list_new(0);
    if (!right) {
        size_t i = 0;
        while (maxsplit-- > 0) {
            const char *hit = search_bytes(d + i, n - i, sd, m, 1);
            if (!hit) break;
            size_t j = (size_t)(hit - d);
            mv_list_append_steal(list, sub_bytes(self, i, j));
            i = j + m;
        }
        mv_list_append_steal(list, i == 0 ? mv_str_exact(NULL, self) : sub_bytes(self, i, n));
        return list;
    }
    size_t end = n;
    while (maxsplit-- > 0) {
        const char *hit = search_bytes(d, end, sd, m, -1);
        if (!hit) break;
        size_t j = (size_t)(hit - d);
        mv_list_append_steal(list, sub_bytes(self, j + m, end));
        end = j;
    }
    mv_list_append_steal(list, end == n ? mv_str_exact(NULL, self) : sub_bytes(self, 0, end));
    Value *it = mv_list_items(list);
    size_t k2 = mv_list_size(list);
    for (size_t k = 0; k < k2 / 2; k++) {
        Value tmp = it[k];
        it[k] = it[k2 - 1 - k];
        it[k2 - 1 - k] = tmp;
    }
    return list;
}

static Value str_split(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    Value sep;
    int64_t maxsplit;
    if (parse_split_args(t, "split", args, nargs, kw, &sep, &maxsplit) < 0) return NULL;
    return sep ? split_sep(self, sep, maxsplit, false) : split_ws(self, maxsplit, false);
}

static Value str_rsplit(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    Value sep;
    int64_t maxsplit;
    if (parse_split_args(t, "rsplit", args, nargs, kw, &sep, &maxsplit) < 0) return NULL;
    return sep ? split_sep(self, sep, maxsplit, true) : split_ws(self, maxsplit, true);
}

/* Line boundaries: \n \r \r\n \v \f \x1c \x1d \x1e \x85 \u2028 \u2029 */
static Value str_splitlines(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"keepends", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "splitlines", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    int keep = 0;
    if (a[0] && (keep = mv_truthy(t, a[0])) < 0) return NULL;
    const char *d = mv_str_data(self);
    size_t n = mv_str_size(self), i = 0, start = 0;
    Value list = mv_list_new(0);
    while (i < n) {
        unsigned char c = (unsigned char)d[i];
        size_t w = 0; /* width of the line break at i */
        if (c == '\n' || c == '\v' || c == '\f' || c == 0x1C || c == 0x1D || c == 0x1E) w = 1;
        else if (c == '\r') w = (i + 1 < n && d[i + 1] == '\n') ? 2 : 1;
        else if (c == 0xC2 && i + 1 < n && (unsigned char)d[i + 1] == 0x85) w = 2;
        else if (c == 0xE2 && i + 2 < n && (unsigned char)d[i + 1] == 0x80 &&
                 ((unsigned char)d[i + 2] == 0xA8 || (unsigned char)d[i + 2] == 0xA9))
            w = 3;
        if (!w) {
            i++;
            continue;
        }
        mv_list_append_steal(list, sub_bytes(self, start, keep ? i + w : i));
        i += w;
        start = i;
    }
    if (start < n) mv_list_append_steal(list, sub_bytes(self, start, n));
    return list;
}

static Value partition_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw,
                            const char *name, bool right) {
    if (mv_check_no_kwargs(t, name, kw) < 0 || mv_check_nargs(t, name, nargs, 1, 1) < 0) return NULL;
    Value sep = args[0];
    if (need_str(t, sep, NULL) < 0) return NULL;
    if (mv_str_size(sep) == 0) return mv_err_set(t, &mv_exc_ValueError, "empty separator");
    const char *d = mv_str_data(self);
    size_t n = mv_str_size(self), m = mv_str_size(sep);
    const char *hit = search_bytes(d, n, mv_str_data(sep), m, right ? -1 : 1);
    Value e = mv_str_empty();
    if (!hit) {
        Value whole = self_or_copy(t, self);
        Value r = right ? mv_tuple_pack(3, e, e, whole) : mv_tuple_pack(3, whole, e, e);
        MV_DECREF(whole);
        return r;
    }
    size_t j = (size_t)(hit - d);
    Value r = mv_tuple_new(3);
    MV_TUPLE_SET(r, 0, sub_bytes(self, 0, j));
    MV_TUPLE_SET(r, 1, mv_str_exact(t, sep));
    MV_TUPLE_SET(r, 2, sub_bytes(self, j + m, n));
    return r;
}

static Value str_partition(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return partition_impl(t, self, args, nargs, kw, "partition", false);
}
static Value str_rpartition(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return partition_impl(t, self, args, nargs, kw, "rpartition", true);
}

/* ---- join ------------------------------------------------------------------------------------ */

Value mv_str_join(mv_thread *t, Value sep, Value iterable) {
    Value seq = NULL;
    Value *items;
    size_t n;
    if (mv_list_check(iterable) && iterable->type == &mv_list_type) {
        items = mv_list_items(iterable);
        n = mv_list_size(iterable);
    } else if (mv_tuple_check(iterable)) {
        items = mv_tuple_items(iterable);
        n = mv_tuple_size(iterable);
    } else {
        if (!(seq = mv_sequence_list(t, iterable))) {
            if (mv_err_matches(t, &mv_exc_TypeError) && !MV_TYPE(iterable)->iter) {
                mv_err_clear(t);
                mv_err_set(t, &mv_exc_TypeError, "can only join an iterable");
            }
            return NULL;
        }
        items = mv_list_items(seq);
        n = mv_list_size(seq);
    }
    Value r;
    if (n == 0) {
        r = mv_str_empty();
        goto done;
    }
    /* size the result once */
    const mv_strobj *s = (const mv_strobj *)sep;
    size_t size = s->size * (n - 1), length = s->length * (n - 1);
    for (size_t i = 0; i < n; i++) {
        if (!mv_str_check(items[i])) {
            mv_err_format(t, &mv_exc_TypeError, "sequence item %zu: expected str instance, %s found",
                          i, mv_type_name(items[i]));
            r = NULL;
            goto done;
        }
        size += mv_str_size(items[i]);
        length += mv_str_len(items[i]);
    }
    if (n == 1 && items[0]->type == &mv_str_type) {
        r = mv_newref(items[0]);
        goto done;
    }
    mv_strobj *o = mv_str_alloc(size, length);
    char *p = o->data;
    for (size_t i = 0; i < n; i++) {
        if (i && s->size) {
            memcpy(p, s->data, s->size);
            p += s->size;
        }
        size_t k = mv_str_size(items[i]);
        memcpy(p, mv_str_data(items[i]), k);
        p += k;
    }
    r = (Value)o;
done:
    MV_XDECREF(seq);
    return r;
}

static Value str_join_m(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "join", kw) < 0 || mv_check_nargs(t, "join", nargs, 1, 1) < 0) return NULL;
    return mv_str_join(t, self, args[0]);
}

/* ---- strip ----------------------------------------------------------------------------------- */

static Value strip_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw,
                        const char *name, bool left, bool right) {
    if (mv_check_no_kwargs(t, name, kw) < 0 || mv_check_nargs(t, name, nargs, 0, 1) < 0) return NULL;
    Value chars = nargs ? args[0] : NULL;
    if (chars == MV_NONE) chars = NULL;
    if (chars && !mv_str_check(chars))
        return mv_err_format(t, &mv_exc_TypeError, "%s arg must be None or str", name);
    const char *d = mv_str_data(self);
    size_t n = mv_str_size(self), i = 0, j = n, w;
    if (!chars) {
        if (left)
            while (i < n && ws_at(d, i, &w)) i += w;
        if (right)
            while (j > i) {
                size_t p = prev_off(d, j);
                if (!ws_at(d, p, &w)) break;
                j = p;
            }
    } else {
        const char *cs = mv_str_data(chars);
        size_t cn = mv_str_size(chars);
        bool ascii = S(chars)->ascii;
        if (left)
            while (i < n) {
                const char *p = d + i;
                size_t k = ascii ? 1 : 0;
                if (ascii) {
                    if (!memchr(cs, d[i], cn)) break;
                } else {
                    mv_utf8_next(&p);
                    k = (size_t)(p - (d + i));
                    if (!search_bytes(cs, cn, d + i, k, 1)) break;
                }
                i += k;
            }
        if (right)
            while (j > i) {
                size_t p = ascii ? j - 1 : prev_off(d, j);
                if (!search_bytes(cs, cn, d + p, j - p, 1)) break;
                j = p;
            }
    }
    if (i == 0 && j == n) return self_or_copy(t, self);
    return sub_bytes(self, i, j);
}

static Value str_strip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "strip", true, true);
}
static Value str_lstrip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "lstrip", true, false);
}
static Value str_rstrip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "rstrip", false, true);
}

/* ---- replace --------------------------------------------------------------------------------- */

static Value str_replace(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "replace", kw) < 0 || mv_check_nargs(t, "replace", nargs, 2, 3) < 0)
        return NULL;
    for (int k = 0; k < 2; k++)
        if (!mv_str_check(args[k]))
            return mv_err_format(t, &mv_exc_TypeError, "replace() argument %d must be str, not %s",
                                 k + 1, mv_type_name(args[k]));
    int64_t count = -1;
    if (nargs > 2) {
        if (!mv_int_check(args[2]))
            return mv_err_format(t, &mv_exc_TypeError,
                                 "'%s' object cannot be interpreted as an integer",
                                 mv_type_name(args[2]));
        if (mv_index_int64(t, args[2], &count) < 0) return NULL;
    }
    size_t maxc = count < 0 ? SIZE_MAX : (size_t)count;
    Value old = args[0], new_ = args[1];
    const char *d = mv_str_data(self), *od = mv_str_data(old), *nd = mv_str_data(new_);
    size_t n = mv_str_size(self), on = mv_str_size(old), nn = mv_str_size(new_);
    if (maxc == 0) return self_or_copy(t, self);
    if (on == 0) {
        /* insert `new` between every code point (and at both ends) */
        size_t len = mv_str_len(self);
        size_t k = len + 1 < maxc ? len + 1 : maxc;
        mv_strobj *r = mv_str_alloc(n + k * nn, len + k * mv_str_len(new_));
        char *p = r->data;
        const char *q = d;
        for (size_t i = 0; i < k; i++) {
            memcpy(p, nd, nn);
            p += nn;
            if (q < d + n) {
                const char *q0 = q;
                mv_utf8_next(&q);
                memcpy(p, q0, (size_t)(q - q0));
                p += q - q0;
            }
        }
        memcpy(p, q, (size_t)(d + n - q));
        return (Value)r;
    }
    size_t c = count_bytes(d, n, od, on, maxc);
    if (c == 0) return self_or_copy(t, self);
    size_t size = n - c * on + c * nn;
    size_t length = mv_str_len(self) - c * mv_str_len(old) + c * mv_str_len(new_);
    mv_strobj *r = mv_str_alloc(size, length);
    char *p = r->data;
    const char *q = d;
    for (size_t i = 0; i < c; i++) {
        const char *hit = search_bytes(q, (size_t)(d + n - q), od, on, 1);
        memcpy(p, q, (size_t)(hit - q));
        p += hit - q;
        memcpy(p, nd, nn);
        p += nn;
        q = hit + on;
    }
    memcpy(p, q, (size_t)(d + n - q));
    return (Value)r;
}

static Value str_removeprefix(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "removeprefix", kw) < 0 ||
        mv_check_nargs(t, "removeprefix", nargs, 1, 1) < 0)
        return NULL;
    Value p = args[0];
    if (!mv_str_check(p))
        return mv_err_format(t, &mv_exc_TypeError, "removeprefix() argument must be str, not %s",
                             mv_type_name(p));
    size_t m = mv_str_size(p);
    if (m <= mv_str_size(self) && !memcmp(mv_str_data(self), mv_str_data(p), m) && m)
        return sub_bytes(self, m, mv_str_size(self));
    return self_or_copy(t, self);
}

static Value str_removesuffix(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "removesuffix", kw) < 0 ||
        mv_check_nargs(t, "removesuffix", nargs, 1, 1) < 0)
        return NULL;
    Value p = args[0];
    if (!mv_str_check(p))
        return mv_err_format(t, &mv_exc_TypeError, "removesuffix() argument must be str, not %s",
                             mv_type_name(p));
    size_t m = mv_str_size(p), n = mv_str_size(self);
    if (m && m <= n && !memcmp(mv_str_data(self) + n - m, mv_str_data(p), m))
        return sub_bytes(self, 0, n - m);
    return self_or_copy(t, self);
}

/* ---- justify --------------------------------------------------------------------------------- */

static int width_arg(mv_thread *t, Value v, int64_t *out) {
    if (!mv_int_check(v)) {
        mv_err_format(t, &mv_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                      mv_type_name(v));
        return -1;
    }
    return mv_index_int64(t, v, out);
}

static Value pad(mv_thread *t, Value self, int64_t left, int64_t right, const char *fill, size_t fw) {
    if (left < 0) left = 0;
    if (right < 0) right = 0;
    if (left == 0 && right == 0) return self_or_copy(t, self);
    size_t n = mv_str_size(self);
    mv_strobj *r = mv_str_alloc(n + (size_t)(left + right) * fw, mv_str_len(self) + (size_t)(left + right));
    char *p = r->data;
    if (fw == 1) {
        memset(p, fill[0], (size_t)left);
        p += left;
    } else
        for (int64_t i = 0; i < left; i++, p += fw) memcpy(p, fill, fw);
    memcpy(p, mv_str_data(self), n);
    p += n;
    if (fw == 1) memset(p, fill[0], (size_t)right);
    else
        for (int64_t i = 0; i < right; i++, p += fw) memcpy(p, fill, fw);
    return (Value)r;
}

static Value justify(mv_thread *t, Value self, Value *args, size_t nargs, Value kw, const char *name,
                     int how) {
    if (mv_check_no_kwargs(t, name, kw) < 0 || mv_check_nargs(t, name, nargs, 1, 2) < 0) return NULL;
    int64_t width;
    if (width_arg(t, args[0], &width) < 0) return NULL;
    const char *fill = " ";
    size_t fw = 1;
    if (nargs > 1) {
        Value f = args[1];
        if (!mv_str_check(f))
            return mv_err_format(t, &mv_exc_TypeError,
                                 "%s() argument 2 must be str, not %s", name, mv_type_name(f));
        if (mv_str_len(f) != 1)
            return mv_err_set(t, &mv_exc_TypeError,
                              "The fill character must be exactly one character long");
        fill = mv_str_data(f);
        fw = mv_str_size(f);
    }
    int64_t len = (int64_t)mv_str_len(self);
    if (width <= len) return self_or_copy(t, self);
    int64_t marg = width - len;
    if (how < 0) return pad(t, self, 0, marg, fill, fw);
    if (how > 0) return pad(t, self, marg, 0, fill, fw);
    int64_t left = marg / 2 + (marg & width & 1);
    return pad(t, self, left, marg - left, fill, fw);
}

static Value str_ljust(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return justify(t, self, args, nargs, kw, "ljust", -1);
}
static Value str_rjust(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return justify(t, self, args, nargs, kw, "rjust", 1);
}
static Value str_center(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return justify(t, self, args, nargs, kw, "center", 0);
}

static Value str_zfill(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "zfill", kw) < 0 || mv_check_nargs(t, "zfill", nargs, 1, 1) < 0) return NULL;
    int64_t width;
    if (width_arg(t, args[0], &width) < 0) return NULL;
    int64_t len = (int64_t)mv_str_len(self);
    if (width <= len) return self_or_copy(t, self);
    Value r = pad(t, self, width - len, 0, "0", 1);
    mv_strobj *o = S(r);
    size_t fill = (size_t)(width - len);
    if (o->data[fill] == '+' || o->data[fill] == '-') {
        o->data[0] = o->data[fill];
        o->data[fill] = '0';
    }
    return r;
}

static Value str_expandtabs(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"tabsize", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "expandtabs", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    int64_t tab = 8;
    if (a[0] && width_arg(t, a[0], &tab) < 0) return NULL;
    if (!memchr(mv_str_data(self), '\t', mv_str_size(self))) return self_or_copy(t, self);
    mv_strbuf b;
    mv_strbuf_init(&b);
    const char *d = mv_str_data(self), *end = d + mv_str_size(self);
    int64_t col = 0;
    while (d < end) {
        char c = *d;
        if (c == '\t') {
            if (tab > 0) {
                int64_t k = tab - col % tab;
                for (int64_t i = 0; i < k; i++) mv_strbuf_addc(&b, ' ');
                col += k;
            }
            d++;
        } else {
            const char *p = d;
            mv_utf8_next(&p);
            mv_strbuf_add(&b, d, (size_t)(p - d));
            col++;
            if (c == '\n' || c == '\r') col = 0;
            d = p;
        }
    }
    return mv_strbuf_finish(&b);
}

/* ---- encode, translate, format --------------------------------------------------------------- */

static Value str_encode_m(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"encoding", "errors", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, "encode", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    for (int k = 0; k < 2; k++)
        if (a[k] && !mv_str_check(a[k]))
            return mv_err_format(t, &mv_exc_TypeError, "encode() argument '%s' must be str, not %s",
                                 kwlist[k], mv_type_name(a[k]));
    return mv_str_encode(t, self, a[0] ? mv_str_data(a[0]) : "utf-8",
                         a[1] ? mv_str_data(a[1]) : "strict");
}

static Value str_maketrans(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    (void)self;
    if (mv_check_no_kwargs(t, "maketrans", kw) < 0 || mv_check_nargs(t, "maketrans", nargs, 1, 3) < 0)
        return NULL;
    Value d = mv_dict_new();
    if (nargs == 1) {
        Value x = args[0];
        if (!mv_dict_check(x)) {
            MV_DECREF(d);
            return mv_err_set(t, &mv_exc_TypeError,
                              "if you give only one argument to maketrans it must be a dict");
        }
        size_t pos = 0;
        Value k, v;
        while (mv_dict_next(x, &pos, &k, &v)) {
            Value key;
            if (mv_str_check(k)) {
                if (mv_str_len(k) != 1) {
                    MV_DECREF(d);
                    return mv_err_set(t, &mv_exc_ValueError,
                                      "string keys in translate table must be of length 1");
                }
                key = mv_int_from_i64(mv_str_codepoint_at(k, 0));
            } else if (mv_int_check(k)) {
                key = mv_newref(k);
            } else {
                MV_DECREF(d);
                return mv_err_set(t, &mv_exc_TypeError,
                                  "keys in translate table must be strings or integers");
            }
            int rc = mv_dict_set(t, d, key, v);
            MV_DECREF(key);
            if (rc < 0) {
                MV_DECREF(d);
                return NULL;
            }
        }
        return d;
    }
    Value x = args[0], y = args[1];
    if (!mv_str_check(x) || !mv_str_check(y)) {
        MV_DECREF(d);
        return mv_err_format(t, &mv_exc_TypeError, "maketrans() argument %d must be str, not %s",
                             mv_str_check(x) ? 2 : 1, mv_type_name(mv_str_check(x) ? y : x));
    }
    if (mv_str_len(x) != mv_str_len(y)) {
        MV_DECREF(d);
        return mv_err_set(t, &mv_exc_ValueError,
                          "the first two maketrans arguments must have equal length");
    }
    const char *p = mv_str_data(x), *q = mv_str_data(y);
    for (size_t i = 0; i < mv_str_len(x); i++) {
        Value k = mv_int_from_i64(mv_utf8_next(&p));
        Value v = mv_int_from_i64(mv_utf8_next(&q));
        mv_dict_set(t, d, k, v);
        MV_DECREF(k);
        MV_DECREF(v);
    }
    if (nargs > 2) {
        Value z = args[2];
        if (!mv_str_check(z)) {
            MV_DECREF(d);
            return mv_err_format(t, &mv_exc_TypeError, "maketrans() argument 3 must be str, not %s",
                                 mv_type_name(z));
        }
        p = mv_str_data(z);
        for (size_t i = 0; i < mv_str_len(z); i++) {
            Value k = mv_int_from_i64(mv_utf8_next(&p));
            mv_dict_set(t, d, k, MV_NONE);
            MV_DECREF(k);
        }
    }
    return d;
}

static Value str_translate(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "translate", kw) < 0 || mv_check_nargs(t, "translate", nargs, 1, 1) < 0)
        return NULL;
    Value table = args[0];
    mv_strbuf b;
    mv_strbuf_init(&b);
    const char *p = mv_str_data(self), *end = p + mv_str_size(self);
    while (p < end) {
        const char *c0 = p;
        uint32_t c = mv_utf8_next(&p);
        Value key = mv_int_from_i64(c), v;
        if (mv_dict_check(table) && table->type == &mv_dict_type) {
            v = mv_dict_get(t, table, key);
            if (v) MV_INCREF(v);
            else if (mv_err_occurred(t)) {
                MV_DECREF(key);
                mv_strbuf_free(&b);
                return NULL;
            }
        } else {
            v = mv_getitem(t, table, key);
            if (!v) {
                if (!mv_err_matches(t, &mv_exc_LookupError)) {
                    MV_DECREF(key);
                    mv_strbuf_free(&b);
                    return NULL;
                }
                mv_err_clear(t);
            }
        }
        MV_DECREF(key);
        if (!v) {
            mv_strbuf_add(&b, c0, (size_t)(p - c0));
            continue;
        }
        if (v == MV_NONE) {
        } else if (mv_str_check(v)) {
            mv_strbuf_add(&b, mv_str_data(v), mv_str_size(v));
        } else if (mv_int_check(v)) {
            int64_t cp;
            if (mv_int_as_i64(t, v, &cp) < 0 || cp < 0 || cp > 0x10FFFF) {
                MV_DECREF(v);
                mv_strbuf_free(&b);
                mv_err_clear(t);
                return mv_err_set(t, &mv_exc_ValueError,
                                  "character mapping must be in range(0x110000)");
            }
            mv_strbuf_add_codepoint(&b, (uint32_t)cp);
        } else {
            MV_DECREF(v);
            mv_strbuf_free(&b);
            return mv_err_set(t, &mv_exc_TypeError,
                              "character mapping must return integer, None or str");
        }
        MV_DECREF(v);
    }
    return mv_strbuf_finish(&b);
}

static Value str_format_m(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return mv_str_format_method(t, self, args, nargs, kw);
}

static Value str_format_map_m(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "format_map", kw) < 0 ||
        mv_check_nargs(t, "format_map", nargs, 1, 1) < 0)
        return NULL;
    return mv_str_format_map(t, self, args[0]);
}

static Value str_dunder_format(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, "__format__", kw) < 0 ||
        mv_check_nargs(t, "__format__", nargs, 1, 1) < 0)
        return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "__format__() argument must be str, not %s",
                             mv_type_name(args[0]));
    return mv_format_builtin(t, self, args[0]);
}

static Value str_getnewargs(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    Value s = mv_str_exact(t, self);
    Value r = mv_tuple_pack(1, s);
    MV_DECREF(s);
    return r;
}

const mv_method_def mv_str_methods[] = {
    {"find", str_find, 0, NULL},
    {"rfind", str_rfind, 0, NULL},
    {"index", str_index, 0, NULL},
    {"rindex", str_rindex, 0, NULL},
    {"count", str_count, 0, NULL},
    {"startswith", str_startswith, 0, NULL},
    {"endswith", str_endswith, 0, NULL},
    {"split", str_split, 0, NULL},
    {"rsplit", str_rsplit, 0, NULL},
    {"splitlines", str_splitlines, 0, NULL},
    {"partition", str_partition, 0, NULL},
    {"rpartition", str_rpartition, 0, NULL},
    {"join", str_join_m, 0, NULL},
    {"strip", str_strip, 0, NULL},
    {"lstrip", str_lstrip, 0, NULL},
    {"rstrip", str_rstrip, 0, NULL},
    {"replace", str_replace, 0, NULL},
    {"removeprefix", str_removeprefix, 0, NULL},
    {"removesuffix", str_removesuffix, 0, NULL},
    {"ljust", str_ljust, 0, NULL},
    {"rjust", str_rjust, 0, NULL},
    {"center", str_center, 0, NULL},
    {"zfill", str_zfill, 0, NULL},
    {"expandtabs", str_expandtabs, 0, NULL},
    {"encode", str_encode_m, 0, NULL},
    {"maketrans", str_maketrans, MV_METH_STATIC, NULL},
    {"translate", str_translate, 0, NULL},
    {"format", str_format_m, 0, NULL},
    {"format_map", str_format_map_m, 0, NULL},
    {"__format__", str_dunder_format, 0, NULL},
    {"__getnewargs__", str_getnewargs, 0, NULL},
    MV_STR_CASE_METHODS
    {NULL, NULL, 0, NULL},
};
