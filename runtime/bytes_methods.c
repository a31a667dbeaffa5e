/* bytes_methods.c: the methods bytes and bytearray share (decode, hex, fromhex, split, join,
 * strip, replace, find/count, startswith, case mapping and is*() on ASCII, justify...).  Each
 * reads self's buffer and builds its result with the type of self (bytes or bytearray).
 */
#include <ctype.h>
#include <string.h>

#include "abstract.h"
#include "bytes.h"
#include "exc.h"
#include "int.h"
#include "list.h"
#include "str.h"
#include "tuple.h"

static bool is_ba(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_bytearray_type); }

static Value like(Value self, const void *d, size_t n) {
    return is_ba(self) ? mv_bytearray_new(d, n) : mv_bytes_new(d, n);
}

static void bufof(Value v, const unsigned char **d, size_t *n) {
    if (!mv_bytes_like(v, d, n)) {
        *d = (const unsigned char *)"";
        *n = 0;
    }
}

static int need_buf(mv_thread *t, Value v, const unsigned char **d, size_t *n) {
    if (mv_bytes_like(v, d, n)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%s'", mv_type_name(v));
    return -1;
}

static int args_n(mv_thread *t, const char *name, size_t nargs, Value kw, size_t lo, size_t hi) {
    if (mv_check_no_kwargs(t, name, kw) < 0) return -1;
    return mv_check_nargs(t, name, nargs, lo, hi);
}

static const unsigned char *bsearch_(const unsigned char *h, size_t n, const unsigned char *s,
                                     size_t m, int dir) {
    if (m > n) return NULL;
    if (m == 0) return dir > 0 ? h : h + n;
    if (dir > 0) return memmem(h, n, s, m);
    for (const unsigned char *p = h + n - m;; p--) {
        if (*p == s[0] && !memcmp(p, s, m)) return p;
        if (p == h) break;
    }
    return NULL;
}

static bool bspace(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13); }

/* ---- decode / hex ---------------------------------------------------------------------------- */

Value mv_bytesm_decode(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"encoding", "errors", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, "decode", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    for (int k = 0; k < 2; k++)
        if (a[k] && !mv_str_check(a[k]))
            return mv_err_format(t, &mv_exc_TypeError, "decode() argument '%s' must be str, not %s",
                                 kwlist[k], mv_type_name(a[k]));
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    return mv_bytes_decode(t, d, n, a[0] ? mv_str_data(a[0]) : "utf-8",
                           a[1] ? mv_str_data(a[1]) : "strict");
}

Value mv_bytesm_hex(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"sep", "bytes_per_sep", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, "hex", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    const char *sep = NULL;
    int64_t per = 1;
    if (a[0]) {
        if (mv_str_check(a[0])) sep = mv_str_data(a[0]);
        else if (mv_bytes_check(a[0])) sep = (const char *)mv_bytes_data(a[0]);
        else return mv_err_set(t, &mv_exc_TypeError, "sep must be str or bytes.");
        if (strlen(sep) != 1) return mv_err_set(t, &mv_exc_ValueError, "sep must be length 1.");
    }
    if (a[1] && mv_index_int64(t, a[1], &per) < 0) return NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_reserve(&b, n * 3);
    static const char hx[] = "0123456789abcdef";
    size_t group = (size_t)(per < 0 ? -per : per);
    for (size_t i = 0; i < n; i++) {
        if (sep && i && group) {
            /* positive: groups counted from the right; negative: from the left */
            bool boundary = per > 0 ? (n - i) % group == 0 : i % group == 0;
            if (boundary) mv_strbuf_addc(&b, sep[0]);
        }
        mv_strbuf_addc(&b, hx[d[i] >> 4]);
        mv_strbuf_addc(&b, hx[d[i] & 15]);
    }
    return mv_strbuf_finish(&b);
}

Value mv_bytesm_fromhex(mv_thread *t, Value cls, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "fromhex", nargs, kw, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "fromhex() argument must be str, not %s",
                             mv_type_name(args[0]));
    const char *s = mv_str_data(args[0]);
    size_t n = mv_str_size(args[0]), k = 0;
    unsigned char *out = mv_malloc(n / 2 + 1);
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || (s[i] >= 9 && s[i] <= 13)) {
            i++;
            continue;
        }
        int hi = isxdigit((unsigned char)s[i]) ? s[i] : -1;
        int lo = i + 1 < n && isxdigit((unsigned char)s[i + 1]) ? s[i + 1] : -1;
        if (hi < 0 || lo < 0) {
            mv_free(out);
            size_t pos = mv_utf8_count(s, hi < 0 ? i : i + 1);
            return mv_err_format(t, &mv_exc_ValueError,
                                 "non-hexadecimal number found in fromhex() arg at position %zu", pos);
        }
        hi = isdigit(hi) ? hi - '0' : (tolower(hi) - 'a' + 10);
        lo = isdigit(lo) ? lo - '0' : (tolower(lo) - 'a' + 10);
        out[k++] = (unsigned char)(hi * 16 + lo);
        i += 2;
    }
    Value r;
    if (!MV_IS_SMALL(cls) && cls == (Value)&mv_bytearray_type) r = mv_bytearray_new(out, k);
    else r = mv_bytes_new(out, k);
    mv_free(out);
    return r;
}

/* ---- split / join ---------------------------------------------------------------------------- */

static Value split_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw, bool right) {
    static const char *const kwlist[] = {"sep", "maxsplit", NULL};
    Value a[2] = {NULL, NULL};
    if (mv_parse_args(t, right ? "rsplit" : "split", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    int64_t maxsplit = -1;
    if (a[1] && mv_index_int64(t, a[1], &maxsplit) < 0) return NULL;
    if (maxsplit < 0) maxsplit = INT64_MAX;
    const unsigned char *d, *sd = NULL;
    size_t n, m = 0;
    bufof(self, &d, &n);
    if (a[0] && a[0] != MV_NONE) {
        if (need_buf(t, a[0], &sd, &m) < 0) return NULL;
        if (m == 0) return mv_err_set(t, &mv_exc_ValueError, "empty separator");
    }
    Value list = mv_list_new(0);
    if (!sd) {
        if (!right) {
            size_t i = 0;
            while (i < n) {
                while (i < n && bspace(d[i])) i++;
                if (i >= n) break;
                if (maxsplit-- <= 0) {
                    mv_list_append_steal(list, like(self, d + i, n - i));
                    break;
                }
                size_t j = i;
                while (j < n && !bspace(d[j])) j++;
                mv_list_append_steal(list, like(self, d + i, j - i));
                i = j;
            }
        } else {
            size_t i = n;
            while (i > 0) {
                while (i > 0 && bspace(d[i - 1])) i--;
                if (i == 0) break;
                if (maxsplit-- <= 0) {
                    mv_list_append_steal(list, like(self, d, i));
                    break;
                }
                size_t j = i;
                while (j > 0 && !bspace(d[j - 1])) j--;
                mv_list_append_steal(list, like(self, d + j, i - j));
                i = j;
            }
        }
    } else if (!right) {
        size_t i = 0;
        while (maxsplit-- > 0) {
            const unsigned char *hit = bsearch_(d + i, n - i, sd, m, 1);
            if (!hit) break;
            mv_list_append_steal(list, like(self, d + i, (size_t)(hit - d) - i));
            i = (size_t)(hit - d) + m;
        }
        mv_list_append_steal(list, like(self, d + i, n - i));
    } else {
        size_t end = n;
        while (maxsplit-- > 0) {
            const unsigned char *hit = bsearch_(d, end, sd, m, -1);
            if (!hit) break;
            size_t j = (size_t)(hit - d);
            mv_list_append_steal(list, like(self, d + j + m, end - j - m));
            end = j;
        }
        mv_list_append_steal(list, like(self, d, end));
    }
    if (right) {
        Value *it = mv_list_items(list);
        size_t k = mv_list_size(list);
        for (size_t i = 0; i < k / 2; i++) {
            Value tmp = it[i];
            it[i] = it[k - 1 - i];
            it[k - 1 - i] = tmp;
        }
    }
    return list;
}

Value mv_bytesm_split(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return split_impl(t, self, args, nargs, kw, false);
}
Value mv_bytesm_rsplit(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return split_impl(t, self, args, nargs, kw, true);
}

Value mv_bytesm_join(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "join", nargs, kw, 1, 1) < 0) return NULL;
    Value seq = mv_sequence_list(t, args[0]);
    if (!seq) return NULL;
    const unsigned char *sd;
    size_t sn, total = 0, n = mv_list_size(seq);
    bufof(self, &sd, &sn);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *d;
        size_t k;
        if (!mv_bytes_like(MV_LIST_GET(seq, i), &d, &k)) {
            mv_err_format(t, &mv_exc_TypeError,
                          "sequence item %zu: expected a bytes-like object, %s found", i,
                          mv_type_name(MV_LIST_GET(seq, i)));
            MV_DECREF(seq);
            return NULL;
        }
        total += k + (i ? sn : 0);
    }
    unsigned char *buf = mv_malloc(total + 1), *p = buf;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *d = NULL;
        size_t k = 0;
        mv_bytes_like(MV_LIST_GET(seq, i), &d, &k);
        if (i) {
            memcpy(p, sd, sn);
            p += sn;
        }
        memcpy(p, d, k);
        p += k;
    }
    MV_DECREF(seq);
    Value r = like(self, buf, total);
    mv_free(buf);
    return r;
}

Value mv_bytesm_splitlines(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"keepends", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "splitlines", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    int keep = 0;
    if (a[0] && (keep = mv_truthy(t, a[0])) < 0) return NULL;
    const unsigned char *d;
    size_t n, i = 0, start = 0;
    bufof(self, &d, &n);
    Value list = mv_list_new(0);
    while (i < n) {
        size_t w = d[i] == '\n' ? 1 : d[i] == '\r' ? (i + 1 < n && d[i + 1] == '\n' ? 2 : 1) : 0;
        if (!w) {
            i++;
            continue;
        }
        mv_list_append_steal(list, like(self, d + start, (keep ? i + w : i) - start));
        i += w;
        start = i;
    }
    if (start < n) mv_list_append_steal(list, like(self, d + start, n - start));
    return list;
}

/* ---- strip / replace ------------------------------------------------------------------------- */

static Value strip_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw,
                        const char *name, bool l, bool r) {
    if (args_n(t, name, nargs, kw, 0, 1) < 0) return NULL;
    const unsigned char *d, *cs = NULL;
    size_t n, cn = 0;
    bufof(self, &d, &n);
    if (nargs && args[0] != MV_NONE && need_buf(t, args[0], &cs, &cn) < 0) return NULL;
    size_t i = 0, j = n;
    if (l)
        while (i < n && (cs ? memchr(cs, d[i], cn) != NULL : bspace(d[i]))) i++;
    if (r)
        while (j > i && (cs ? memchr(cs, d[j - 1], cn) != NULL : bspace(d[j - 1]))) j--;
    return like(self, d + i, j - i);
}

Value mv_bytesm_strip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "strip", true, true);
}
Value mv_bytesm_lstrip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "lstrip", true, false);
}
Value mv_bytesm_rstrip(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return strip_impl(t, self, args, nargs, kw, "rstrip", false, true);
}

Value mv_bytesm_replace(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "replace", nargs, kw, 2, 3) < 0) return NULL;
    const unsigned char *d, *od, *nd;
    size_t n, on, nn;
    bufof(self, &d, &n);
    if (need_buf(t, args[0], &od, &on) < 0 || need_buf(t, args[1], &nd, &nn) < 0) return NULL;
    int64_t count = -1;
    if (nargs > 2 && mv_index_int64(t, args[2], &count) < 0) return NULL;
    mv_strbuf b;
    mv_strbuf_init(&b);
    size_t i = 0;
    int64_t done = 0;
    if (on == 0) {
        while (count < 0 || done < count) {
            mv_strbuf_add(&b, (const char *)nd, nn);
            done++;
            if (i >= n) break;
            mv_strbuf_addc(&b, (char)d[i++]);
        }
    } else {
        while (count < 0 || done < count) {
            const unsigned char *hit = bsearch_(d + i, n - i, od, on, 1);
            if (!hit) break;
            mv_strbuf_add(&b, (const char *)d + i, (size_t)(hit - d) - i);
            mv_strbuf_add(&b, (const char *)nd, nn);
            i = (size_t)(hit - d) + on;
            done++;
        }
    }
    mv_strbuf_add(&b, (const char *)d + i, n - i);
    Value r = like(self, b.buf ? b.buf : "", b.len);
    mv_strbuf_free(&b);
    return r;
}

Value mv_bytesm_removeprefix(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "removeprefix", nargs, kw, 1, 1) < 0) return NULL;
    const unsigned char *d, *p;
    size_t n, m;
    bufof(self, &d, &n);
    if (need_buf(t, args[0], &p, &m) < 0) return NULL;
    if (m <= n && !memcmp(d, p, m)) return like(self, d + m, n - m);
    return like(self, d, n);
}

Value mv_bytesm_removesuffix(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "removesuffix", nargs, kw, 1, 1) < 0) return NULL;
    const unsigned char *d, *p;
    size_t n, m;
    bufof(self, &d, &n);
    if (need_buf(t, args[0], &p, &m) < 0) return NULL;
    if (m && m <= n && !memcmp(d + n - m, p, m)) return like(self, d, n - m);
    return like(self, d, n);
}

/* ---- find family ----------------------------------------------------------------------------- */

static int sub_arg(mv_thread *t, Value v, const unsigned char **s, size_t *m, unsigned char *one) {
    if (mv_int_check(v)) {
        if (mv_bytes_byte_value(t, v, one) < 0) {
            if (mv_err_matches(t, &mv_exc_ValueError)) {
                mv_err_clear(t);
                mv_err_set(t, &mv_exc_ValueError, "byte must be in range(0, 256)");
            }
            return -1;
        }
        *s = one;
        *m = 1;
        return 0;
    }
    if (mv_bytes_like(v, s, m)) return 0;
    mv_err_format(t, &mv_exc_TypeError, "argument should be integer or bytes-like object, not '%s'",
                  mv_type_name(v));
    return -1;
}

static int range_args(mv_thread *t, const char *name, Value *args, size_t nargs, Value kw, size_t n,
                      int64_t *start, int64_t *end) {
    if (args_n(t, name, nargs, kw, 1, 3) < 0) return -1;
    *start = 0;
    *end = (int64_t)n;
    if (nargs > 1 && args[1] != MV_NONE && mv_index_int64(t, args[1], start) < 0) return -1;
    if (nargs > 2 && args[2] != MV_NONE && mv_index_int64(t, args[2], end) < 0) return -1;
    int64_t len = (int64_t)n;
    if (*end > len) *end = len;
    else if (*end < 0 && (*end += len) < 0) *end = 0;
    if (*start < 0 && (*start += len) < 0) *start = 0;
    return 0;
}

static int64_t find_impl(mv_thread *t, const char *name, Value self, Value *args, size_t nargs,
                         Value kw, int dir) {
    const unsigned char *d, *s;
    size_t n, m;
    unsigned char one;
    int64_t st, en;
    bufof(self, &d, &n);
    if (range_args(t, name, args, nargs, kw, n, &st, &en) < 0) return -2;
    if (sub_arg(t, args[0], &s, &m, &one) < 0) return -2;
    if (en - st < (int64_t)m) return -1;
    const unsigned char *hit = bsearch_(d + st, (size_t)(en - st), s, m, dir);
    return hit ? hit - d : -1;
}

Value mv_bytesm_find(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "find", self, args, nargs, kw, 1);
    return r == -2 ? NULL : mv_int_from_i64(r);
}
Value mv_bytesm_rfind(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "rfind", self, args, nargs, kw, -1);
    return r == -2 ? NULL : mv_int_from_i64(r);
}
Value mv_bytesm_index(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "index", self, args, nargs, kw, 1);
    if (r == -1) return mv_err_set(t, &mv_exc_ValueError, "subsection not found");
    return r == -2 ? NULL : mv_int_from_i64(r);
}
Value mv_bytesm_rindex(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    int64_t r = find_impl(t, "rindex", self, args, nargs, kw, -1);
    if (r == -1) return mv_err_set(t, &mv_exc_ValueError, "subsection not found");
    return r == -2 ? NULL : mv_int_from_i64(r);
}

Value mv_bytesm_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    const unsigned char *d, *s;
    size_t n, m;
    unsigned char one;
    int64_t st, en;
    bufof(self, &d, &n);
    if (range_args(t, "count", args, nargs, kw, n, &st, &en) < 0) return NULL;
    if (sub_arg(t, args[0], &s, &m, &one) < 0) return NULL;
    if (st > (int64_t)n || en < st) return MV_FROM_SMALL(0);
    if (m == 0) return mv_int_from_i64(en - st + 1);
    int64_t c = 0;
    const unsigned char *p = d + st, *end = d + en;
    for (const unsigned char *hit; (hit = bsearch_(p, (size_t)(end - p), s, m, 1)); p = hit + m) c++;
    return mv_int_from_i64(c);
}

static Value starts_ends(mv_thread *t, const char *name, Value self, Value *args, size_t nargs,
                         Value kw, bool ends) {
    const unsigned char *d;
    size_t n;
    int64_t st, en;
    bufof(self, &d, &n);
    if (range_args(t, name, args, nargs, kw, n, &st, &en) < 0) return NULL;
    Value pre = args[0];
    Value *items = &pre;
    size_t k = 1;
    if (mv_tuple_check(pre)) {
        items = mv_tuple_items(pre);
        k = mv_tuple_size(pre);
    }
    for (size_t i = 0; i < k; i++) {
        const unsigned char *p;
        size_t m;
        if (!mv_bytes_like(items[i], &p, &m))
            return mv_err_format(t, &mv_exc_TypeError,
                                 "%s first arg must be bytes or a tuple of bytes, not %s", name,
                                 mv_type_name(items[i]));
        if (st > (int64_t)n || en - st < (int64_t)m) continue;
        if (!memcmp(ends ? d + en - m : d + st, p, m)) return MV_TRUE;
    }
    return MV_FALSE;
}

Value mv_bytesm_startswith(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return starts_ends(t, "startswith", self, args, nargs, kw, false);
}
Value mv_bytesm_endswith(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return starts_ends(t, "endswith", self, args, nargs, kw, true);
}

static Value partition_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw, bool right) {
    if (args_n(t, right ? "rpartition" : "partition", nargs, kw, 1, 1) < 0) return NULL;
    const unsigned char *d, *s;
    size_t n, m;
    bufof(self, &d, &n);
    if (need_buf(t, args[0], &s, &m) < 0) return NULL;
    if (m == 0) return mv_err_set(t, &mv_exc_ValueError, "empty separator");
    const unsigned char *hit = bsearch_(d, n, s, m, right ? -1 : 1);
    Value r = mv_tuple_new(3);
    if (!hit) {
        MV_TUPLE_SET(r, right ? 2 : 0, like(self, d, n));
        MV_TUPLE_SET(r, 1, like(self, "", 0));
        MV_TUPLE_SET(r, right ? 0 : 2, like(self, "", 0));
        return r;
    }
    size_t j = (size_t)(hit - d);
    MV_TUPLE_SET(r, 0, like(self, d, j));
    MV_TUPLE_SET(r, 1, like(self, s, m));
    MV_TUPLE_SET(r, 2, like(self, d + j + m, n - j - m));
    return r;
}

Value mv_bytesm_partition(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return partition_impl(t, self, args, nargs, kw, false);
}
Value mv_bytesm_rpartition(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return partition_impl(t, self, args, nargs, kw, true);
}

/* ---- ASCII case mapping and predicates ------------------------------------------------------- */

static Value map_impl(mv_thread *t, Value self, size_t nargs, Value kw, const char *name, int mode) {
    if (args_n(t, name, nargs, kw, 0, 0) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    unsigned char *o = mv_malloc(n + 1);
    bool prev = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = d[i];
        bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
        switch (mode) {
        case 'U': if (lo) c -= 32; break;
        case 'L': if (up) c += 32; break;
        case 'S': if (lo) c -= 32; else if (up) c += 32; break;
        case 'C': if (i == 0) { if (lo) c -= 32; } else if (up) c += 32; break;
        case 'T':
            if (prev) { if (up) c += 32; } else if (lo) c -= 32;
            prev = up || lo;
            break;
        }
        o[i] = c;
    }
    Value r = like(self, o, n);
    mv_free(o);
    return r;
}

Value mv_bytesm_upper(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return map_impl(t, self, nargs, kw, "upper", 'U');
}
Value mv_bytesm_lower(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return map_impl(t, self, nargs, kw, "lower", 'L');
}
Value mv_bytesm_swapcase(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return map_impl(t, self, nargs, kw, "swapcase", 'S');
}
Value mv_bytesm_capitalize(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return map_impl(t, self, nargs, kw, "capitalize", 'C');
}
Value mv_bytesm_title(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return map_impl(t, self, nargs, kw, "title", 'T');
}

static Value pred_impl(mv_thread *t, Value self, size_t nargs, Value kw, const char *name, int (*f)(int)) {
    if (args_n(t, name, nargs, kw, 0, 0) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    if (!n) return MV_FALSE;
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 0x80 || !f(d[i])) return MV_FALSE;
    return MV_TRUE;
}

static int c_space(int c) { return bspace((unsigned char)c); }

Value mv_bytesm_isdigit(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return pred_impl(t, self, nargs, kw, "isdigit", isdigit);
}
Value mv_bytesm_isalpha(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return pred_impl(t, self, nargs, kw, "isalpha", isalpha);
}
Value mv_bytesm_isalnum(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return pred_impl(t, self, nargs, kw, "isalnum", isalnum);
}
Value mv_bytesm_isspace(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return pred_impl(t, self, nargs, kw, "isspace", c_space);
}

static Value case_pred(mv_thread *t, Value self, size_t nargs, Value kw, const char *name, bool upper) {
    if (args_n(t, name, nargs, kw, 0, 0) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    bool cased = false;
    for (size_t i = 0; i < n; i++) {
        bool up = d[i] >= 'A' && d[i] <= 'Z', lo = d[i] >= 'a' && d[i] <= 'z';
        if (upper ? lo : up) return MV_FALSE;
        if (upper ? up : lo) cased = true;
    }
    return MV_BOOL(cased);
}

Value mv_bytesm_isupper(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_pred(t, self, nargs, kw, "isupper", true);
}
Value mv_bytesm_islower(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_pred(t, self, nargs, kw, "islower", false);
}
Value mv_bytesm_isascii(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (args_n(t, "isascii", nargs, kw, 0, 0) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 0x80) return MV_FALSE;
    return MV_TRUE;
}

/* ---- justify --------------------------------------------------------------------------------- */

static Value just_impl(mv_thread *t, Value self, Value *args, size_t nargs, Value kw, const char *name,
                       int how) {
    if (args_n(t, name, nargs, kw, 1, how == 'z' ? 1 : 2) < 0) return NULL;
    int64_t width;
    if (mv_index_int64(t, args[0], &width) < 0) return NULL;
    unsigned char fill = how == 'z' ? '0' : ' ';
    if (nargs > 1) {
        const unsigned char *f;
        size_t fn;
        if (!mv_bytes_like(args[1], &f, &fn) || fn != 1)
            return mv_err_format(t, &mv_exc_TypeError,
                                 "%s() argument 2 must be a byte string of length 1, not %s", name,
                                 mv_type_name(args[1]));
        fill = f[0];
    }
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    if (width <= (int64_t)n) return like(self, d, n);
    size_t marg = (size_t)width - n, left;
    if (how == 'l') left = 0;
    else if (how == 'r' || how == 'z') left = marg;
    else left = marg / 2 + (marg & (size_t)width & 1);
    unsigned char *o = mv_malloc((size_t)width + 1);
    memset(o, fill, (size_t)width);
    memcpy(o + left, d, n);
    if (how == 'z' && n && (d[0] == '+' || d[0] == '-')) {
        o[0] = d[0];
        o[left] = '0';
    }
    Value r = like(self, o, (size_t)width);
    mv_free(o);
    return r;
}

Value mv_bytesm_center(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return just_impl(t, self, args, nargs, kw, "center", 'c');
}
Value mv_bytesm_ljust(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return just_impl(t, self, args, nargs, kw, "ljust", 'l');
}
Value mv_bytesm_rjust(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return just_impl(t, self, args, nargs, kw, "rjust", 'r');
}
Value mv_bytesm_zfill(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return just_impl(t, self, args, nargs, kw, "zfill", 'z');
}

Value mv_bytesm_expandtabs(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    static const char *const kwlist[] = {"tabsize", NULL};
    Value a[1] = {NULL};
    if (mv_parse_args(t, "expandtabs", args, nargs, kw, kwlist, 0, a) < 0) return NULL;
    int64_t tab = 8;
    if (a[0] && mv_index_int64(t, a[0], &tab) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    bufof(self, &d, &n);
    mv_strbuf b;
    mv_strbuf_init(&b);
    int64_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '\t') {
            if (tab > 0) {
                int64_t k = tab - col % tab;
                for (int64_t j = 0; j < k; j++) mv_strbuf_addc(&b, ' ');
                col += k;
            }
        } else {
            mv_strbuf_addc(&b, (char)d[i]);
            col = (d[i] == '\n' || d[i] == '\r') ? 0 : col + 1;
        }
    }
    Value r = like(self, b.buf ? b.buf : "", b.len);
    mv_strbuf_free(&b);
    return r;
}
