/* format.c: the format-spec mini-language for int, float, str and bool (format(), f-strings,
 * str.format), exactly as CPython: [[fill]align][sign][z][#][0][width][,|_][.precision][type].
 * Floats get their digits from glibc's correctly rounded printf and CPython's rules on top
 * ('g' thresholds, trailing zeros, repr for the default type).  %-formatting and str.format
 * live in format_str.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "exc.h"
#include "float.h"
#include "format_internal.h"
#include "int.h"
#include "str.h"

/* ---- parsing the spec ------------------------------------------------------------------------ */

int mv_fmt_parse_spec(mv_thread *t, Value v, const char *s, size_t n, char default_align,
                      mv_fmt_spec *sp) {
    memset(sp, 0, sizeof *sp);
    sp->fill[0] = ' ';
    sp->fill_len = 1;
    sp->align = default_align;
    sp->width = -1;
    sp->precision = -1;
    size_t i = 0;
    bool fill_given = false, align_given = false;
    /* fill may be any code point: find the width of the first one */
    size_t w = 1;
    if (n > 0 && ((unsigned char)s[0] & 0x80)) {
        const char *p = s;
        mv_utf8_next(&p);
        w = (size_t)(p - s);
    }
    if (n >= w + 1 && strchr("<>=^", s[w]) && s[w]) {
        memcpy(sp->fill, s, w);
        sp->fill_len = (int)w;
        sp->align = s[w];
        fill_given = align_given = true;
        i = w + 1;
    } else if (n >= 1 && strchr("<>=^", s[0]) && s[0]) {
        sp->align = s[0];
        align_given = true;
        i = 1;
    }
    if (i < n && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp->sign = s[i++];
    if (i < n && s[i] == 'z') {
        sp->z = true;
        i++;
    }
    if (i < n && s[i] == '#') {
        sp->alt = true;
        i++;
    }
    if (!fill_given && i < n && s[i] == '0') {
        sp->fill[0] = '0';
        sp->fill_len = 1;
        if (!align_given && default_align == '>') sp->align = '=';
        sp->zero = true;
        i++;
    }
    if (i < n && s[i] >= '0' && s[i] <= '9') {
        int64_t wd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            wd = wd * 10 + (s[i++] - '0');
            if (wd > 0x7FFFFFFF) {
                mv_err_set(t, &mv_exc_ValueError, "Too many decimal digits in format string");
                return -1;
            }
        }
        sp->width = wd;
    }
    if (i < n && (s[i] == ',' || s[i] == '_')) {
        sp->grouping = s[i++];
        if (i < n && (s[i] == ',' || s[i] == '_')) {
            if (s[i] == sp->grouping)
                mv_err_format(t, &mv_exc_ValueError, "Cannot specify '%c' with '%c'.", s[i], s[i]);
            else
                mv_err_set(t, &mv_exc_ValueError, "Cannot specify both ',' and '_'.");
            return -1;
        }
    }
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9') {
            mv_err_set(t, &mv_exc_ValueError, "Format specifier missing precision");
            return -1;
        }
        int64_t p = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            p = p * 10 + (s[i++] - '0');
            if (p > 0x7FFFFFFF) {
                mv_err_set(t, &mv_exc_ValueError, "Too many decimal digits in format string");
                return -1;
            }
        }
        sp->precision = p;
    }
    if (n - i > 1 || (i < n && (s[i] == ',' || s[i] == '_'))) {
        if (i < n && (s[i] == ',' || s[i] == '_') && n - i == 1) {
            mv_err_set(t, &mv_exc_ValueError, "Cannot specify both ',' and '_'.");
            return -1;
        }
        mv_err_format(t, &mv_exc_ValueError, "Invalid format specifier '%.*s' for object of type '%s'",
                      (int)n, s, mv_type_name(v));
        return -1;
    }
    sp->type = i < n ? s[i] : 0;
    if (sp->grouping) {
        char ty = sp->type;
        bool ok;
        if (sp->grouping == ',')
            ok = !ty || strchr("deEfFgG%", ty);
        else
            ok = !ty || strchr("deEfFgG%bxXo", ty);
        if (!ok) {
            mv_err_format(t, &mv_exc_ValueError, "Cannot specify '%c' with '%c'.", sp->grouping, ty);
            return -1;
        }
    }
    return 0;
}

/* ---- padding --------------------------------------------------------------------------------- */

static void add_fill(mv_strbuf *b, const mv_fmt_spec *sp, int64_t count) {
    if (count <= 0) return;
    if (sp->fill_len == 1) {
        mv_strbuf_reserve(b, (size_t)count);
        memset(b->buf + b->len, sp->fill[0], (size_t)count);
        b->len += (size_t)count;
        b->buf[b->len] = 0;
        return;
    }
    for (int64_t i = 0; i < count; i++) mv_strbuf_add(b, sp->fill, (size_t)sp->fill_len);
}

/* Place `body` (length in code points `len`) in the field as the alignment says. */
void mv_fmt_pad(mv_strbuf *b, const mv_fmt_spec *sp, const char *body, size_t size, size_t len) {
    int64_t pad = sp->width > (int64_t)len ? sp->width - (int64_t)len : 0;
    int64_t left = 0, right = 0;
    switch (sp->align) {
    case '<': right = pad; break;
    case '^': left = pad / 2; right = pad - left; break;
    default: left = pad; break;
    }
    add_fill(b, sp, left);
    mv_strbuf_add(b, body, size);
    add_fill(b, sp, right);
}

/* A number: sign + prefix, then the digits (integer part `ip` of `ipn` ASCII digits, grouped),
   then `rest` (fraction, exponent, '%').  '=' alignment pads between sign and digits; zero
   padding with grouping puts separators into the zeros, as CPython does. */
static void emit_number(mv_strbuf *b, const mv_fmt_spec *sp, const char *sign, const char *prefix,
                        const char *ip, size_t ipn, const char *rest, size_t restn, int group_size) {
    char sepc = sp->grouping;
    size_t signn = strlen(sign), prefn = strlen(prefix);
    size_t ndig = ipn;
    if (sepc && sp->align == '=' && sp->fill_len == 1 && sp->fill[0] == '0' && sp->width > 0) {
        /* zero padding counted in digits so that the grouped result fills the width */
        int64_t need = sp->width - (int64_t)(signn + prefn + restn);
        while ((int64_t)(ndig + (ndig - 1) / (size_t)group_size) < need) ndig++;
    }
    size_t grouped = sepc ? ndig + (ndig ? (ndig - 1) / (size_t)group_size : 0) : ndig;
    /* the number is built on the stack unless it is huge */
    char stackbuf[256];
    size_t cap = signn + prefn + grouped + restn;
    char *num = cap <= sizeof stackbuf ? stackbuf : mv_malloc(cap);
    size_t len = 0;
    memcpy(num, sign, signn);
    memcpy(num + signn, prefix, prefn);
    len = signn + prefn;
    size_t head = len;
    if (!sepc && ndig == ipn) {
        memcpy(num + len, ip, ipn);
        len += ipn;
    } else {
        for (size_t k = 0; k < ndig; k++) {
            size_t left = ndig - k; /* digits remaining including this one */
            num[len++] = k < ndig - ipn ? '0' : ip[k - (ndig - ipn)];
            if (sepc && left > 1 && (left - 1) % (size_t)group_size == 0) num[len++] = sepc;
        }
    }
    memcpy(num + len, rest, restn);
    len += restn;
    if (sp->align == '=') {
        int64_t pad = sp->width > (int64_t)len ? sp->width - (int64_t)len : 0;
        mv_strbuf_add(b, num, head);
        add_fill(b, sp, pad);
        mv_strbuf_add(b, num + head, len - head);
    } else {
        mv_fmt_pad(b, sp, num, len, len);
    }
    if (num != stackbuf) mv_free(num);
}

/* ---- str ------------------------------------------------------------------------------------- */

static int format_str(mv_thread *t, mv_strbuf *b, Value v, const mv_fmt_spec *sp) {
    if (sp->type && sp->type != 's') {
        mv_err_format(t, &mv_exc_ValueError, "Unknown format code '%c' for object of type '%s'",
                      sp->type, mv_type_name(v));
        return -1;
    }
    if (sp->sign) {
        mv_err_set(t, &mv_exc_ValueError, sp->sign == ' ' ? "Space not allowed in string format specifier"
                                                          : "Sign not allowed in string format specifier");
        return -1;
    }
    if (sp->z) {
        mv_err_set(t, &mv_exc_ValueError, "Negative zero coercion (z) not allowed in string format specifier");
        return -1;
    }
    if (sp->alt) {
        mv_err_set(t, &mv_exc_ValueError, "Alternate form (#) not allowed in string format specifier");
        return -1;
    }
    if (sp->align == '=') {
        mv_err_set(t, &mv_exc_ValueError, "'=' alignment not allowed in string format specifier");
        return -1;
    }
    if (sp->grouping) {
        mv_err_format(t, &mv_exc_ValueError, "Cannot specify '%c' with 's'.", sp->grouping);
        return -1;
    }
    size_t size = mv_str_size(v), len = mv_str_len(v);
    if (sp->precision >= 0 && (size_t)sp->precision < len) {
        size = mv_str_byte_offset(v, (size_t)sp->precision);
        len = (size_t)sp->precision;
    }
    mv_fmt_pad(b, sp, mv_str_data(v), size, len);
    return 0;
}

/* ---- int ------------------------------------------------------------------------------------- */

/* Digits of |v| in `base` into out (no sign, no prefix); *neg set. */
int mv_fmt_int_digits(mv_thread *t, Value v, int base, bool upper, mv_strbuf *out, bool *neg) {
    int64_t i;
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (MV_IS_SMALL(v)) i = MV_SMALL_VAL(v);
    else if (v == MV_TRUE) i = 1;
    else if (v == MV_FALSE) i = 0;
    else if (mv_int_as_i64(t, v, &i) < 0) {
        mv_err_clear(t);
        Value s = mv_int_to_string(v, base);
        if (!s) return -1;
        const char *p = mv_str_data(s);
        *neg = *p == '-';
        if (*neg) p++;
        if (base != 10) p += 2; /* 0x / 0o / 0b */
        size_t k = strlen(p);
        mv_strbuf_reserve(out, k);
        for (size_t j = 0; j < k; j++) {
            char c = p[j];
            if (upper && c >= 'a' && c <= 'f') c = (char)(c - 32);
            out->buf[out->len++] = c;
        }
        out->buf[out->len] = 0;
        MV_DECREF(s);
        return 0;
    }
    *neg = i < 0;
    uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    char tmp[72];
    int k = 72;
    do {
        tmp[--k] = dig[u % (uint64_t)base];
        u /= (uint64_t)base;
    } while (u);
    mv_strbuf_add(out, tmp + k, (size_t)(72 - k));
    return 0;
}

static int format_float_value(mv_thread *t, mv_strbuf *b, Value v, double d, const mv_fmt_spec *sp);

static int format_int(mv_thread *t, mv_strbuf *b, Value v, const mv_fmt_spec *sp) {
    char ty = sp->type;
    if (ty && strchr("eEfFgG%", ty)) {
        int overflow = 0;
        double d = mv_int_as_double(t, v, &overflow);
        if (overflow) {
            mv_err_set(t, &mv_exc_OverflowError, "int too large to convert to float");
            return -1;
        }
        return format_float_value(t, b, v, d, sp);
    }
    if (ty && !strchr("bcdoxXn", ty)) {
        mv_err_format(t, &mv_exc_ValueError, "Unknown format code '%c' for object of type '%s'", ty,
                      mv_type_name(v));
        return -1;
    }
    if (sp->precision >= 0) {
        mv_err_set(t, &mv_exc_ValueError, "Precision not allowed in integer format specifier");
        return -1;
    }
    if (sp->z) {
        mv_err_set(t, &mv_exc_ValueError,
                   "Negative zero coercion (z) not allowed in integer format specifier");
        return -1;
    }
    if (ty == 'c') {
        if (sp->sign) {
            mv_err_set(t, &mv_exc_ValueError, "Sign not allowed with integer format specifier 'c'");
            return -1;
        }
        if (sp->alt) {
            mv_err_set(t, &mv_exc_ValueError,
                       "Alternate form (#) not allowed with integer format specifier 'c'");
            return -1;
        }
        int64_t cp;
        if (mv_int_as_i64(t, v, &cp) < 0) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C long");
            return -1;
        }
        if (cp < 0 || cp > 0x10FFFF) {
            mv_err_set(t, &mv_exc_OverflowError, "%c arg not in range(0x110000)");
            return -1;
        }
        char buf[4];
        int k = mv_utf8_encode((uint32_t)cp, buf);
        mv_fmt_pad(b, sp, buf, (size_t)k, 1);
        return 0;
    }
    int base = 10;
    const char *prefix = "";
    switch (ty) {
    case 'b': base = 2; prefix = "0b"; break;
    case 'o': base = 8; prefix = "0o"; break;
    case 'x': base = 16; prefix = "0x"; break;
    case 'X': base = 16; prefix = "0X"; break;
    }
    if (!sp->alt) prefix = "";
    mv_strbuf digits;
    mv_strbuf_init(&digits);
    bool neg = false;
    if (mv_fmt_int_digits(t, v, base, ty == 'X', &digits, &neg) < 0) {
        mv_strbuf_free(&digits);
        return -1;
    }
    const char *sign = neg ? "-" : sp->sign == '+' ? "+" : sp->sign == ' ' ? " " : "";
    emit_number(b, sp, sign, prefix, digits.buf, digits.len, "", 0, base == 10 ? 3 : 4);
    mv_strbuf_free(&digits);
    return 0;
}

/* ---- float ----------------------------------------------------------------------------------- */

/* Fixed-point digits without printf for the common case (small values, few decimals): a*10^p
   is computed with an error below 2^-17, so when its fraction is not within 1e-4 of one half the
   nearest integer is certainly the correctly rounded result.  Returns -1 to defer to printf. */
static int fast_fixed(double a, int64_t prec, bool alt, char *out) {
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11};
    if (prec > 11) return -1;
    double r = a * p10[prec];
    if (!(r < 68719476736.0)) return -1; /* 2^36 */
    double n = floor(r), frac = r - n;
    if (fabs(frac - 0.5) < 1e-4) return -1;
    uint64_t v = (uint64_t)n + (frac > 0.5);
    char tmp[32];
    int k = 0, len = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k < prec + 1) tmp[k++] = '0';
    for (int i = k - 1; i >= prec; i--) out[len++] = tmp[i];
    if (prec > 0 || alt) out[len++] = '.';
    for (int i = (int)prec - 1; i >= 0; i--) out[len++] = tmp[i];
    return len;
}

/* Format |d| (finite) into out per type/precision with CPython's rules; no sign. */
void mv_fmt_float_body(double d, char type, int64_t prec, bool alt, bool add_dot_0, mv_strbuf *out) {
    char fmt[16];
    char small[512];
    int n;
    switch (type) {
    case 'e': case 'E': case 'f': case 'F': {
        if (type == 'f' || type == 'F') {
            char fast[48];
            int k = fast_fixed(d, prec, alt, fast);
            if (k >= 0) {
                mv_strbuf_add(out, fast, (size_t)k);
                return;
            }
        }
        snprintf(fmt, sizeof fmt, alt ? "%%#.*%c" : "%%.*%c", type);
        n = snprintf(small, sizeof small, fmt, (int)prec, d);
        if ((size_t)n < sizeof small) {
            mv_strbuf_add(out, small, (size_t)n);
        } else {
            mv_strbuf_reserve(out, (size_t)n + 1);
            snprintf(out->buf + out->len, (size_t)n + 1, fmt, (int)prec, d);
            out->len += (size_t)n;
        }
        return;
    }
    case 'r': {
        char buf[64];
        int k = mv_float_repr_buf(d, buf, sizeof buf);
        mv_strbuf_add(out, buf, (size_t)k);
        return;
    }
    default: { /* 'g' / 'G' */
        if (prec == 0) prec = 1;
        bool upper = type == 'G';
        /* the significant digits and the exponent after rounding to prec digits */
        n = snprintf(small, sizeof small, "%.*e", (int)(prec - 1), d);
        char *e = strchr(small, 'e');
        int exp10 = atoi(e + 1);
        int decpt = exp10 + 1;
        char digits[400];
        size_t nd = 0;
        for (char *p = small; p < e; p++)
            if (*p != '.') digits[nd++] = *p;
        /* CPython's format_float_short: 'g' goes exponential when decpt <= -4 or
           decpt > precision (precision - 1 when a ".0" would be added) */
        bool use_exp = decpt <= -4 || decpt > (add_dot_0 ? prec - 1 : prec);
        if (!alt)
            while (nd > 1 && digits[nd - 1] == '0') nd--;
        if (use_exp) {
            mv_strbuf_addc(out, digits[0]);
            if (nd > 1 || alt) mv_strbuf_addc(out, '.');
            mv_strbuf_add(out, digits + 1, nd - 1);
            mv_strbuf_addf(out, "%c%c%02d", upper ? 'E' : 'e', exp10 < 0 ? '-' : '+',
                           exp10 < 0 ? -exp10 : exp10);
            return;
        }
        if (decpt <= 0) {
            mv_strbuf_add(out, "0.", 2);
            for (int k = 0; k < -decpt; k++) mv_strbuf_addc(out, '0');
            mv_strbuf_add(out, digits, nd);
            return;
        }
        if ((size_t)decpt >= nd) {
            mv_strbuf_add(out, digits, nd);
            for (size_t k = nd; k < (size_t)decpt; k++) mv_strbuf_addc(out, '0');
            if (alt) mv_strbuf_addc(out, '.');
            else if (add_dot_0) mv_strbuf_add(out, ".0", 2);
            return;
        }
        mv_strbuf_add(out, digits, (size_t)decpt);
        mv_strbuf_addc(out, '.');
        mv_strbuf_add(out, digits + decpt, nd - (size_t)decpt);
        return;
    }
    }
}

static bool all_zero_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 'e' || s[i] == 'E' || s[i] == '%') break;
        if (s[i] >= '1' && s[i] <= '9') return false;
    }
    return true;
}

static int format_float_value(mv_thread *t, mv_strbuf *b, Value v, double d, const mv_fmt_spec *sp) {
    char ty = sp->type;
    if (ty && !strchr("eEfFgGn%", ty)) {
        mv_err_format(t, &mv_exc_ValueError, "Unknown format code '%c' for object of type '%s'", ty,
                      mv_type_name(v));
        return -1;
    }
    if (sp->grouping && ty == 'n') {
        mv_err_format(t, &mv_exc_ValueError, "Cannot specify '%c' with 'n'.", sp->grouping);
        return -1;
    }
    int64_t prec = sp->precision;
    bool add_dot_0 = false;
    char mode = ty;
    if (ty == 0) {
        add_dot_0 = true;
        mode = prec < 0 ? 'r' : 'g';
    } else if (ty == 'n') {
        mode = 'g';
    }
    if (prec < 0) prec = 6;
    bool neg = signbit(d) != 0;
    double a = fabs(d);
    mv_strbuf bb; /* only for the forms that need printf */
    mv_strbuf_init(&bb);
    char sbody[64];
    const char *body = sbody;
    size_t bodyn = 0;
    int k;
    bool upper = ty == 'E' || ty == 'F' || ty == 'G';
    if (isnan(d) || isinf(d)) {
        if (isnan(d)) neg = false;
        bodyn = (size_t)snprintf(sbody, sizeof sbody, "%s%s",
                                 isnan(d) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"),
                                 ty == '%' ? "%" : "");
    } else if (mode == 'r') {
        bodyn = (size_t)mv_float_repr_buf(a, sbody, sizeof sbody);
    } else if ((mode == 'f' || mode == 'F') && (k = fast_fixed(a, prec, sp->alt, sbody)) >= 0) {
        bodyn = (size_t)k;
    } else if (ty == '%' && (k = fast_fixed(a * 100.0, prec, sp->alt, sbody)) >= 0) {
        sbody[k] = '%';
        bodyn = (size_t)k + 1;
    } else {
        if (ty == '%') {
            mv_fmt_float_body(a * 100.0, 'f', prec, sp->alt, false, &bb);
            mv_strbuf_addc(&bb, '%');
        } else {
            mv_fmt_float_body(a, mode, prec, sp->alt, add_dot_0, &bb);
        }
        body = bb.buf;
        bodyn = bb.len;
    }
    if (neg && sp->z && isfinite(d) && all_zero_digits(body, bodyn)) neg = false;
    const char *sign = neg ? "-" : sp->sign == '+' ? "+" : sp->sign == ' ' ? " " : "";
    /* split the integer digits (for grouping) from the rest */
    size_t ipn = 0;
    while (ipn < bodyn && body[ipn] >= '0' && body[ipn] <= '9') ipn++;
    if (ipn == 0) {
        /* inf / nan: no grouping; '0' fill still applies */
        mv_fmt_spec s2 = *sp;
        s2.grouping = 0;
        emit_number(b, &s2, sign, "", "", 0, body, bodyn, 3);
    } else {
        emit_number(b, sp, sign, "", body, ipn, body + ipn, bodyn - ipn, 3);
    }
    mv_strbuf_free(&bb);
    return 0;
}

/* ---- entry points ---------------------------------------------------------------------------- */

int mv_fmt_value_into(mv_thread *t, mv_strbuf *b, Value v, const char *spec, size_t n) {
    if (mv_str_check(v)) {
        if (n == 0) {
            mv_strbuf_add(b, mv_str_data(v), mv_str_size(v));
            return 0;
        }
        mv_fmt_spec sp;
        if (mv_fmt_parse_spec(t, v, spec, n, '<', &sp) < 0) return -1;
        return format_str(t, b, v, &sp);
    }
    if (mv_int_check(v)) {
        if (n == 0) return mv_strbuf_add_value_str(t, b, v);
        mv_fmt_spec sp;
        if (mv_fmt_parse_spec(t, v, spec, n, '>', &sp) < 0) return -1;
        return format_int(t, b, v, &sp);
    }
    if (mv_float_check(v)) {
        mv_fmt_spec sp;
        if (n == 0) return mv_strbuf_add_value_str(t, b, v);
        if (mv_fmt_parse_spec(t, v, spec, n, '>', &sp) < 0) return -1;
        return format_float_value(t, b, v, mv_float_val(v), &sp);
    }
    /* object.__format__: only the empty spec */
    if (n != 0) {
        mv_err_format(t, &mv_exc_TypeError, "unsupported format string passed to %s.__format__",
                      mv_type_name(v));
        return -1;
    }
    return mv_strbuf_add_value_str(t, b, v);
}

Value mv_format_builtin(mv_thread *t, Value v, Value spec) {
    size_t n = spec ? mv_str_size(spec) : 0;
    if (n == 0) {
        if (mv_str_check(v)) return mv_str_exact(t, v);
        return mv_str(t, v);
    }
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (mv_fmt_value_into(t, &b, v, mv_str_data(spec), n) < 0) {
        mv_strbuf_free(&b);
        return NULL;
    }
    return mv_strbuf_finish(&b);
}
