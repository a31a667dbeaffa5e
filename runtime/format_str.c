/* format_str.c: printf-style `fmt % args` (mv_str_percent_format) and str.format /
 * str.format_map (fields, auto/manual numbering, .attr and [key] access, !r/!s/!a, nested
 * replacement fields in the spec), with CPython's error messages.
 */
#include <math.h>
#include <string.h>

#include "abstract.h"
#include "exc.h"
#include "float.h"
#include "format_internal.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

/* ---- % formatting ------------------------------------------------------------------------------ */

typedef struct {
    Value args;   /* the right operand */
    Value *items; /* positional items */
    int64_t n;    /* number of items; -1: args is a single object */
    int64_t idx;
    Value dict;   /* mapping for %(name)s, or NULL */
} pct_state;

static Value next_arg(mv_thread *t, pct_state *st) {
    if (st->n < 0) {
        if (st->idx == 0) {
            st->idx = 1;
            return st->args;
        }
    } else if (st->idx < st->n) {
        return st->items[st->idx++];
    }
    return mv_err_set(t, &mv_exc_TypeError, "not enough arguments for format string");
}

static bool has_number_slots(Value v) {
    mv_type *tp = MV_TYPE(v);
    return mv_int_check(v) || mv_float_check(v) || tp->nb_index || tp->nb_int || tp->nb_float;
}

/* pad body per the %-flags: '-' left-justify, '0' zeros after the sign/prefix */
static void pct_emit(mv_strbuf *b, const char *sign, const char *prefix, const char *body,
                     size_t size, size_t len, int64_t width, bool left, bool zero) {
    size_t signn = strlen(sign), prefn = strlen(prefix);
    int64_t total = (int64_t)(signn + prefn + len);
    int64_t pad = width > total ? width - total : 0;
    if (!left && !zero)
        for (int64_t i = 0; i < pad; i++) mv_strbuf_addc(b, ' ');
    mv_strbuf_add(b, sign, signn);
    mv_strbuf_add(b, prefix, prefn);
    if (!left && zero)
        for (int64_t i = 0; i < pad; i++) mv_strbuf_addc(b, '0');
    mv_strbuf_add(b, body, size);
    if (left)
        for (int64_t i = 0; i < pad; i++) mv_strbuf_addc(b, ' ');
}

static int pct_int(mv_thread *t, mv_strbuf *b, Value v, char conv, int64_t width, int64_t prec,
                   bool left, bool zero, char signflag, bool alt) {
    Value iv = NULL;
    if (!mv_int_check(v)) {
        if (conv == 'x' || conv == 'X' || conv == 'o') {
            if (!MV_TYPE(v)->nb_index) {
                mv_err_format(t, &mv_exc_TypeError, "%%%c format: an integer is required, not %s",
                              conv, mv_type_name(v));
                return -1;
            }
            iv = mv_number_index(t, v);
        } else {
            if (!has_number_slots(v)) {
                mv_err_format(t, &mv_exc_TypeError, "%%%c format: a real number is required, not %s",
                              conv, mv_type_name(v));
                return -1;
            }
            iv = mv_number_int(t, v);
        }
        if (!iv) return -1;
        v = iv;
    }
    if (conv == 'i' || conv == 'u') conv = 'd';
    int base = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : 10;
    mv_strbuf digits;
    mv_strbuf_init(&digits);
    bool neg = false;
    int rc = mv_fmt_int_digits(t, v, base, conv == 'X', &digits, &neg);
    MV_XDECREF(iv);
    if (rc < 0) {
        mv_strbuf_free(&digits);
        return -1;
    }
    if (prec > 0 && (int64_t)digits.len < prec) {
        /* precision = minimum number of digits */
        mv_strbuf z;
        mv_strbuf_init(&z);
        for (int64_t i = (int64_t)digits.len; i < prec; i++) mv_strbuf_addc(&z, '0');
        mv_strbuf_add(&z, digits.buf, digits.len);
        mv_strbuf_free(&digits);
        digits = z;
    }
    const char *sign = neg ? "-" : signflag == '+' ? "+" : signflag == ' ' ? " " : "";
    const char *prefix = !alt ? "" : conv == 'x' ? "0x" : conv == 'X' ? "0X" : conv == 'o' ? "0o" : "";
    pct_emit(b, sign, prefix, digits.buf, digits.len, digits.len, width, left, zero);
    mv_strbuf_free(&digits);
    return 0;
}

static int pct_float(mv_thread *t, mv_strbuf *b, Value v, char conv, int64_t width, int64_t prec,
                     bool left, bool zero, char signflag, bool alt) {
    double d;
    if (mv_float_check(v)) d = mv_float_val(v);
    else if (MV_IS_SMALL(v)) d = (double)MV_SMALL_VAL(v);
    else {
        if (!has_number_slots(v)) {
            mv_err_format(t, &mv_exc_TypeError, "must be real number, not %s", mv_type_name(v));
            return -1;
        }
        Value f = mv_number_float(t, v);
        if (!f) return -1;
        d = mv_float_val(f);
        MV_DECREF(f);
    }
    if (prec < 0) prec = 6;
    mv_strbuf body;
    mv_strbuf_init(&body);
    bool neg = signbit(d) != 0;
    bool upper = conv == 'E' || conv == 'F' || conv == 'G';
    if (isnan(d) || isinf(d)) {
        if (isnan(d)) neg = false;
        mv_strbuf_adds(&body, isnan(d) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"));
    } else {
        mv_fmt_float_body(fabs(d), conv, prec, alt, false, &body);
    }
    const char *sign = neg ? "-" : signflag == '+' ? "+" : signflag == ' ' ? " " : "";
    pct_emit(b, sign, "", body.buf, body.len, body.len, width, left, zero);
    mv_strbuf_free(&body);
    return 0;
}

static int star_arg(mv_thread *t, pct_state *st, int64_t *out, bool *left) {
    Value v = next_arg(t, st);
    if (!v) return -1;
    if (!mv_int_check(v)) {
        mv_err_set(t, &mv_exc_TypeError, "* wants int");
        return -1;
    }
    if (mv_int_as_i64(t, v, out) < 0) return -1;
    if (left && *out < 0) {
        *left = true;
        *out = -*out;
    }
    return 0;
}

Value mv_str_percent_format(mv_thread *t, Value fmt, Value args) {
    pct_state st = {args, NULL, -1, 0, NULL};
    if (mv_tuple_check(args)) {
        st.items = mv_tuple_items(args);
        st.n = (int64_t)mv_tuple_size(args);
    } else if (MV_TYPE(args)->getitem && !mv_str_check(args)) {
        st.dict = args;
    }
    const char *s = mv_str_data(fmt), *end = s + mv_str_size(fmt);
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_reserve(&b, mv_str_size(fmt) + 16);
    bool used_dict = false;
    while (s < end) {
        const char *pct = memchr(s, '%', (size_t)(end - s));
        if (!pct) {
            mv_strbuf_add(&b, s, (size_t)(end - s));
            break;
        }
        mv_strbuf_add(&b, s, (size_t)(pct - s));
        const char *p = pct + 1;
        Value item = NULL, key_val = NULL;
        if (p < end && *p == '(') {
            if (!st.dict) {
                mv_err_set(t, &mv_exc_TypeError, "format requires a mapping");
                goto fail;
            }
            int depth = 1;
            const char *ks = ++p;
            while (p < end && depth) {
                if (*p == '(') depth++;
                else if (*p == ')') depth--;
                p++;
            }
            if (depth) {
                mv_err_set(t, &mv_exc_ValueError, "incomplete format key");
                goto fail;
            }
            Value key = mv_str_new(ks, (size_t)(p - 1 - ks));
            key_val = mv_getitem(t, st.dict, key);
            MV_DECREF(key);
            if (!key_val) goto fail;
            item = key_val;
            used_dict = true;
            st.n = -1;
            st.idx = 1; /* positional args no longer apply */
        }
        bool left = false, zero = false, alt = false;
        char signflag = 0;
        for (; p < end; p++) {
            if (*p == '-') left = true;
            else if (*p == '+') signflag = '+';
            else if (*p == ' ') { if (signflag != '+') signflag = ' '; }
            else if (*p == '#') alt = true;
            else if (*p == '0') zero = true;
            else break;
        }
        int64_t width = -1, prec = -1;
        if (p < end && *p == '*') {
            if (star_arg(t, &st, &width, &left) < 0) goto fail_item;
            p++;
        } else {
            while (p < end && *p >= '0' && *p <= '9') width = (width < 0 ? 0 : width * 10) + (*p++ - '0');
        }
        if (p < end && *p == '.') {
            p++;
            prec = 0;
            if (p < end && *p == '*') {
                if (star_arg(t, &st, &prec, NULL) < 0) goto fail_item;
                if (prec < 0) prec = 0;
                p++;
            } else {
                while (p < end && *p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
            }
        }
        while (p < end && (*p == 'h' || *p == 'l' || *p == 'L')) p++;
        if (p >= end) {
            mv_err_set(t, &mv_exc_ValueError, "incomplete format");
            goto fail_item;
        }
        char conv = *p++;
        if (conv == '%') {
            mv_strbuf_addc(&b, '%');
            MV_XDECREF(key_val);
            s = p;
            continue;
        }
        if (!item && !(item = next_arg(t, &st))) goto fail_item;
        if (left) zero = false;
        switch (conv) {
        case 's': case 'r': case 'a': {
            Value sv;
            if (conv == 's') sv = (!MV_IS_SMALL(item) && item->type == &mv_str_type) ? mv_newref(item) : mv_str(t, item);
            else if (conv == 'r') sv = mv_repr(t, item);
            else sv = mv_ascii(t, item);
            if (!sv) goto fail_item;
            size_t size = mv_str_size(sv), len = mv_str_len(sv);
            if (prec >= 0 && (size_t)prec < len) {
                size = mv_str_byte_offset(sv, (size_t)prec);
                len = (size_t)prec;
            }
            pct_emit(&b, "", "", mv_str_data(sv), size, len, width, left, false);
            MV_DECREF(sv);
            break;
        }
        case 'c': {
            char buf[4];
            int k;
            if (mv_str_check(item)) {
                if (mv_str_len(item) != 1) {
                    mv_err_set(t, &mv_exc_TypeError, "%c requires int or char");
                    goto fail_item;
                }
                k = (int)mv_str_size(item);
                memcpy(buf, mv_str_data(item), (size_t)k);
            } else if (mv_int_check(item)) {
                int64_t cp;
                if (mv_int_as_i64(t, item, &cp) < 0 || cp < 0 || cp > 0x10FFFF) {
                    mv_err_set(t, &mv_exc_OverflowError, "%c arg not in range(0x110000)");
                    goto fail_item;
                }
                k = mv_utf8_encode((uint32_t)cp, buf);
            } else {
                mv_err_set(t, &mv_exc_TypeError, "%c requires int or char");
                goto fail_item;
            }
            pct_emit(&b, "", "", buf, (size_t)k, 1, width, left, false);
            break;
        }
        case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
            if (pct_int(t, &b, item, conv, width, prec, left, zero,
                        signflag, alt) < 0)
                goto fail_item;
            break;
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
            if (pct_float(t, &b, item, conv, width, prec, left, zero, signflag, alt) < 0) goto fail_item;
            break;
        default: {
            const char *cs = p - 1;
            uint32_t cp = mv_utf8_next(&cs);
            size_t index = mv_utf8_count(mv_str_data(fmt), (size_t)(p - 1 - mv_str_data(fmt)));
            char ch[5] = {0};
            mv_utf8_encode(cp, ch);
            mv_err_format(t, &mv_exc_ValueError, "unsupported format character '%s' (0x%x) at index %zu",
                          ch, cp, index);
            goto fail_item;
        }
        }
        MV_XDECREF(key_val);
        s = p;
        continue;
    fail_item:
        MV_XDECREF(key_val);
        goto fail;
    }
    if (!used_dict && !st.dict && ((st.n >= 0 && st.idx < st.n) || (st.n < 0 && st.idx == 0))) {
        mv_err_set(t, &mv_exc_TypeError, "not all arguments converted during string formatting");
        goto fail;
    }
    return mv_strbuf_finish(&b);
fail:
    mv_strbuf_free(&b);
    return NULL;
}

/* ---- str.format -------------------------------------------------------------------------------- */

typedef struct {
    Value *args;
    size_t nargs;
    Value kwnames; /* tuple or NULL; values follow args[nargs] */
    Value mapping; /* format_map, or NULL */
    int auto_state; /* 0 unknown, 1 automatic, 2 manual */
    size_t next_auto;
} fmt_state;

static int format_string(mv_thread *t, mv_strbuf *b, const char *s, size_t n, fmt_state *st, int depth);

static Value lookup_kw(mv_thread *t, fmt_state *st, const char *name, size_t len) {
    if (st->mapping) {
        Value key = mv_str_new(name, len);
        Value v = mv_getitem(t, st->mapping, key);
        MV_DECREF(key);
        return v;
    }
    if (st->kwnames) {
        size_t nk = mv_tuple_size(st->kwnames);
        for (size_t i = 0; i < nk; i++) {
            Value k = MV_TUPLE_GET(st->kwnames, i);
            if (mv_str_size(k) == len && !memcmp(mv_str_data(k), name, len))
                return mv_newref(st->args[st->nargs + i]);
        }
    }
    Value key = mv_str_new(name, len);
    mv_err_set_value(t, &mv_exc_KeyError, key);
    MV_DECREF(key);
    return NULL;
}

static Value positional(mv_thread *t, fmt_state *st, size_t i) {
    if (st->mapping)
        return mv_err_set(t, &mv_exc_ValueError, "Format string contains positional fields");
    if (i >= st->nargs)
        return mv_err_format(t, &mv_exc_IndexError,
                             "Replacement index %zu out of range for positional args tuple", i);
    return mv_newref(st->args[i]);
}

static bool all_digits(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static size_t parse_index(const char *s, size_t n) {
    size_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (size_t)(s[i] - '0');
    return v;
}

/* Resolve a field name like "0", "", "name", "0.attr[key][1]" to a value (new ref). */
static Value resolve_field(mv_thread *t, const char *s, size_t n, fmt_state *st) {
    size_t i = 0;
    while (i < n && s[i] != '.' && s[i] != '[') i++;
    Value obj;
    if (i == 0) {
        if (st->auto_state == 2) {
            return mv_err_set(t, &mv_exc_ValueError,
                              "cannot switch from manual field specification to automatic field numbering");
        }
        st->auto_state = 1;
        obj = positional(t, st, st->next_auto++);
    } else if (all_digits(s, i)) {
        if (st->auto_state == 1) {
            return mv_err_set(t, &mv_exc_ValueError,
                              "cannot switch from automatic field numbering to manual field specification");
        }
        st->auto_state = 2;
        obj = positional(t, st, parse_index(s, i));
    } else {
        obj = lookup_kw(t, st, s, i);
    }
    if (!obj) return NULL;
    while (i < n) {
        if (s[i] == '.') {
            size_t a = ++i;
            while (i < n && s[i] != '.' && s[i] != '[') i++;
            if (i == a) {
                MV_DECREF(obj);
                return mv_err_set(t, &mv_exc_ValueError, "Empty attribute in format string");
            }
            Value name = mv_str_new(s + a, i - a);
            Value r = mv_getattr(t, obj, name);
            MV_DECREF(name);
            MV_DECREF(obj);
            if (!r) return NULL;
            obj = r;
        } else if (s[i] == '[') {
            size_t a = ++i;
            while (i < n && s[i] != ']') i++;
            if (i >= n) {
                MV_DECREF(obj);
                return mv_err_set(t, &mv_exc_ValueError, "Missing ']' in format string");
            }
            if (i == a) {
                MV_DECREF(obj);
                return mv_err_set(t, &mv_exc_ValueError, "Empty attribute in format string");
            }
            Value key = all_digits(s + a, i - a) ? mv_int_from_u64(parse_index(s + a, i - a))
                                                  : mv_str_new(s + a, i - a);
            i++;
            Value r = mv_getitem(t, obj, key);
            MV_DECREF(key);
            MV_DECREF(obj);
            if (!r) return NULL;
            obj = r;
            if (i < n && s[i] != '.' && s[i] != '[') {
                MV_DECREF(obj);
                return mv_err_set(t, &mv_exc_ValueError,
                                  "Only '.' or '[' may follow ']' in format field specifier");
            }
        } else {
            break;
        }
    }
    return obj;
}

static bool is_plain_builtin(Value v) {
    if (MV_IS_SMALL(v)) return true;
    mv_type *tp = v->type;
    return tp == &mv_str_type || tp == &mv_int_type || tp == &mv_float_type || tp == &mv_bool_type;
}

/* One replacement field: name [!conv] [:spec], the text between the braces. */
static int do_field(mv_thread *t, mv_strbuf *b, const char *name, size_t namen, char conv,
                    const char *spec, size_t specn, bool spec_nested, fmt_state *st, int depth) {
    Value obj = resolve_field(t, name, namen, st);
    if (!obj) return -1;
    if (conv && conv != 'r' && conv != 's' && conv != 'a') {
        MV_DECREF(obj);
        if ((unsigned char)conv > 32 && (unsigned char)conv < 127)
            mv_err_format(t, &mv_exc_ValueError, "Unknown conversion specifier %c", conv);
        else
            mv_err_format(t, &mv_exc_ValueError, "Unknown conversion specifier \\x%x", (unsigned char)conv);
        return -1;
    }
    if (conv) {
        Value c = conv == 'r' ? mv_repr(t, obj) : conv == 's' ? mv_str(t, obj) : mv_ascii(t, obj);
        MV_DECREF(obj);
        if (!c) return -1;
        obj = c;
    }
    mv_strbuf specbuf;
    mv_strbuf_init(&specbuf);
    if (spec_nested) {
        if (format_string(t, &specbuf, spec, specn, st, depth - 1) < 0) {
            mv_strbuf_free(&specbuf);
            MV_DECREF(obj);
            return -1;
        }
        spec = specbuf.buf ? specbuf.buf : "";
        specn = specbuf.len;
    }
    int rc = 0;
    if (is_plain_builtin(obj)) {
        rc = mv_fmt_value_into(t, b, obj, spec, specn);
    } else {
        Value sp = mv_str_new(spec, specn);
        Value r = mv_format(t, obj, sp);
        MV_DECREF(sp);
        if (!r) rc = -1;
        else {
            mv_strbuf_add(b, mv_str_data(r), mv_str_size(r));
            MV_DECREF(r);
        }
    }
    mv_strbuf_free(&specbuf);
    MV_DECREF(obj);
    return rc;
}

static int format_string(mv_thread *t, mv_strbuf *b, const char *s, size_t n, fmt_state *st, int depth) {
    if (depth <= 0) {
        mv_err_set(t, &mv_exc_ValueError, "Max string recursion exceeded");
        return -1;
    }
    size_t i = 0;
    while (i < n) {
        /* literal text up to the next brace */
        size_t a = i;
        while (i < n && s[i] != '{' && s[i] != '}') i++;
        mv_strbuf_add(b, s + a, i - a);
        if (i >= n) break;
        if (s[i] == '}') {
            if (i + 1 < n && s[i + 1] == '}') {
                mv_strbuf_addc(b, '}');
                i += 2;
                continue;
            }
            mv_err_set(t, &mv_exc_ValueError, "Single '}' encountered in format string");
            return -1;
        }
        /* '{' */
        if (i + 1 < n && s[i + 1] == '{') {
            mv_strbuf_addc(b, '{');
            i += 2;
            continue;
        }
        i++;
        if (i >= n) {
            mv_err_set(t, &mv_exc_ValueError, "Single '{' encountered in format string");
            return -1;
        }
        /* field name: up to ':' '!' or '}', skipping [...] */
        size_t ns = i;
        while (i < n && s[i] != ':' && s[i] != '!' && s[i] != '}') {
            if (s[i] == '[') {
                while (i < n && s[i] != ']') i++;
                if (i >= n) break;
            }
            if (s[i] == '{') {
                mv_err_set(t, &mv_exc_ValueError, "unexpected '{' in field name");
                return -1;
            }
            i++;
        }
        if (i >= n) {
            mv_err_set(t, &mv_exc_ValueError, "expected '}' before end of string");
            return -1;
        }
        size_t ne = i;
        char conv = 0;
        if (s[i] == '!') {
            i++;
            if (i >= n) {
                mv_err_set(t, &mv_exc_ValueError, "end of string while looking for conversion specifier");
                return -1;
            }
            conv = s[i++];
            if (i >= n) {
                mv_err_set(t, &mv_exc_ValueError, "unmatched '{' in format spec");
                return -1;
            }
            if (s[i] != ':' && s[i] != '}') {
                mv_err_set(t, &mv_exc_ValueError, "expected ':' after conversion specifier");
                return -1;
            }
        }
        const char *spec = "";
        size_t specn = 0;
        bool nested = false;
        if (s[i] == ':') {
            size_t ss = ++i;
            int level = 1;
            while (i < n) {
                if (s[i] == '{') {
                    level++;
                    nested = true;
                } else if (s[i] == '}') {
                    if (--level == 0) break;
                }
                i++;
            }
            if (i >= n) {
                mv_err_set(t, &mv_exc_ValueError, "unmatched '{' in format spec");
                return -1;
            }
            spec = s + ss;
            specn = i - ss;
        }
        /* s[i] == '}' */
        i++;
        if (do_field(t, b, s + ns, ne - ns, conv, spec, specn, nested, st, depth) < 0) return -1;
    }
    return 0;
}

Value mv_str_format_method(mv_thread *t, Value fmt, Value *args, size_t nargs, Value kwnames) {
    fmt_state st = {args, nargs, kwnames && mv_tuple_size(kwnames) ? kwnames : NULL, NULL, 0, 0};
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_reserve(&b, mv_str_size(fmt) + 16);
    if (format_string(t, &b, mv_str_data(fmt), mv_str_size(fmt), &st, 2) < 0) {
        mv_strbuf_free(&b);
        return NULL;
    }
    return mv_strbuf_finish(&b);
}

Value mv_str_format_map(mv_thread *t, Value fmt, Value mapping) {
    fmt_state st = {NULL, 0, NULL, mapping, 0, 0};
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (format_string(t, &b, mv_str_data(fmt), mv_str_size(fmt), &st, 2) < 0) {
        mv_strbuf_free(&b);
        return NULL;
    }
    return mv_strbuf_finish(&b);
}
