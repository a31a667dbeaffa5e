/* str_case.c: Unicode character properties (space, alpha, digits, printable, case) and the str
 * methods built on them: upper/lower/capitalize/title/swapcase/casefold and the is*() tests.
 * Non-ASCII letters use glibc's C.UTF-8 tables (towupper_l...) through a private locale object,
 * so the process locale is untouched; a few CPython specifics (ß, final sigma, digraphs) by hand.
 */
#include <locale.h>
#include <string.h>
#include <wctype.h>

#include "abstract.h"
#include "exc.h"
#include "str.h"
#include "str_case.h"

static locale_t uloc;
static bool uloc_tried;

static locale_t get_loc(void) {
    if (!uloc_tried) {
        uloc_tried = true;
        uloc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (!uloc) uloc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
        if (!uloc) uloc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    return uloc;
}

bool mv_unicode_isspace(uint32_t c) {
    if (c < 0x80) return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* first code points of the Unicode blocks of ten decimal digits (category Nd) */
static const uint32_t digit_blocks[] = {
    0x30,    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,
    0xC66,   0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,
    0x1810,  0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,
    0xA8D0,  0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
    0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
};

int mv_unicode_decimal_value(uint32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') ? (int)(c - '0') : -1;
    for (size_t i = 1; i < sizeof digit_blocks / sizeof digit_blocks[0]; i++)
        if (c >= digit_blocks[i] && c < digit_blocks[i] + 10) return (int)(c - digit_blocks[i]);
    return -1;
}

bool mv_unicode_isdecimal(uint32_t c) { return mv_unicode_decimal_value(c) >= 0; }

bool mv_unicode_isdigit(uint32_t c) {
    if (mv_unicode_isdecimal(c)) return true;
    if (c < 0xB2) return false;
    return c == 0xB2 || c == 0xB3 || c == 0xB9 || c == 0x2070 || (c >= 0x2074 && c <= 0x2079) ||
           (c >= 0x2080 && c <= 0x2089) || (c >= 0x2460 && c <= 0x2468) ||
           (c >= 0x2474 && c <= 0x247C) || (c >= 0x2488 && c <= 0x2490) || c == 0x24EA ||
           (c >= 0x24F5 && c <= 0x24FD) || c == 0x24FF || (c >= 0x2776 && c <= 0x277E) ||
           (c >= 0x2780 && c <= 0x2788) || (c >= 0x278A && c <= 0x2792) ||
           (c >= 0x1369 && c <= 0x1371) || c == 0x19DA;
}

bool mv_unicode_isnumeric(uint32_t c) {
    if (mv_unicode_isdigit(c)) return true;
    if (c < 0xBC) return false;
    if ((c >= 0xBC && c <= 0xBE) || (c >= 0x2150 && c <= 0x2189) || (c >= 0x2469 && c <= 0x2473) ||
        (c >= 0x247D && c <= 0x2487) || (c >= 0x2491 && c <= 0x249B) ||
        (c >= 0x24EB && c <= 0x24F4) || c == 0x24FE || (c >= 0x277F && c <= 0x277F) ||
        c == 0x2789 || c == 0x2793 || (c >= 0x3021 && c <= 0x3029) || c == 0x3007 ||
        (c >= 0x3038 && c <= 0x303A) || (c >= 0x1372 && c <= 0x137C) ||
        (c >= 0x16EE && c <= 0x16F0))
        return true;
    switch (c) { /* CJK numerals */
    case 0x96F6: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB: case 0x4E94: case 0x516D:
    case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341: case 0x767E: case 0x5343: case 0x4E07:
    case 0x5104: case 0x5146: case 0x58F9: case 0x8CB3: case 0x53C3: case 0x8086: case 0x4F0D:
    case 0x9678: case 0x67D2: case 0x634C: case 0x7396: case 0x62FE: case 0x4EDF: case 0x842C:
        return true;
    }
    return false;
}

static bool is_titlecase_char(uint32_t c) {
    return c == 0x1C5 || c == 0x1C8 || c == 0x1CB || c == 0x1F2 || (c >= 0x1F88 && c <= 0x1F8F) ||
           (c >= 0x1F98 && c <= 0x1F9F) || (c >= 0x1FA8 && c <= 0x1FAF) || c == 0x1FBC ||
           c == 0x1FCC || c == 0x1FFC;
}

static bool u_isupper(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z';
    locale_t l = get_loc();
    return l && iswupper_l((wint_t)c, l);
}

static bool u_islower(uint32_t c) {
    if (c < 0x80) return c >= 'a' && c <= 'z';
    if (c == 0xAA || c == 0xBA) return true; /* ª º are Lo in newer Unicode but lower in Python */
    locale_t l = get_loc();
    return l && iswlower_l((wint_t)c, l);
}

static bool u_iscased(uint32_t c) { return u_isupper(c) || u_islower(c) || is_titlecase_char(c); }

bool mv_unicode_isalpha(uint32_t c) {
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (mv_unicode_isnumeric(c)) return false;
    locale_t l = get_loc();
    return l && iswalpha_l((wint_t)c, l);
}

static bool u_isalnum(uint32_t c) { return mv_unicode_isalpha(c) || mv_unicode_isnumeric(c); }

uint32_t mv_unicode_toupper(uint32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    locale_t l = get_loc();
    return l ? (uint32_t)towupper_l((wint_t)c, l) : c;
}

uint32_t mv_unicode_tolower(uint32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    locale_t l = get_loc();
    return l ? (uint32_t)towlower_l((wint_t)c, l) : c;
}

static uint32_t u_totitle(uint32_t c) {
    switch (c) { /* the Latin digraphs have a distinct titlecase form */
    case 0x1C4: case 0x1C5: case 0x1C6: return 0x1C5;
    case 0x1C7: case 0x1C8: case 0x1C9: return 0x1C8;
    case 0x1CA: case 0x1CB: case 0x1CC: return 0x1CB;
    case 0x1F1: case 0x1F2: case 0x1F3: return 0x1F2;
    }
    return mv_unicode_toupper(c);
}

bool mv_unicode_isprintable(uint32_t c) {
    if (c < 0x7F) return c >= 0x20;
    if (c <= 0xA0 || c == 0xAD) return false;
    if (c < 0x300) return true;
    /* separators (Zs, Zl, Zp) other than space, format characters (Cf), surrogates, private use */
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
        (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF ||
        (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x600 && c <= 0x605) || c == 0x61C ||
        c == 0x6DD || c == 0x70F || c == 0x8E2 || c == 0x180E || (c >= 0xD800 && c <= 0xF8FF) ||
        c == 0x110BD || c == 0x110CD || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
        (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE007F) || c >= 0xF0000)
        return false;
    locale_t l = get_loc();
    return l ? iswprint_l((wint_t)c, l) != 0 : false;
}

/* ---- case-mapping methods -------------------------------------------------------------------- */

#define S(v) ((mv_strobj *)(v))

static int no_args(mv_thread *t, const char *name, size_t nargs, Value kw) {
    if (mv_check_no_kwargs(t, name, kw) < 0) return -1;
    return mv_check_nargs(t, name, nargs, 0, 0);
}

/* ASCII-only strings: map bytes in place in a fresh str */
static Value ascii_map(Value self, int mode) {
    size_t n = S(self)->size;
    mv_strobj *r = mv_str_alloc(n, n);
    const unsigned char *d = (const unsigned char *)S(self)->data;
    bool prev_cased = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = d[i];
        bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
        switch (mode) {
        case 'U': if (lo) c -= 32; break;
        case 'L': if (up) c += 32; break;
        case 'S': if (lo) c -= 32; else if (up) c += 32; break;
        case 'C':
            if (i == 0) { if (lo) c -= 32; }
            else if (up) c += 32;
            break;
        case 'T':
            if (prev_cased) { if (up) c += 32; }
            else if (lo) c -= 32;
            prev_cased = up || lo;
            break;
        }
        r->data[i] = (char)c;
    }
    return (Value)r;
}

static bool is_final_sigma(const uint32_t *cps, size_t n, size_t i) {
    /* preceded by a cased letter (skipping nothing fancy) and not followed by one */
    if (i == 0 || !u_iscased(cps[i - 1])) return false;
    return !(i + 1 < n && u_iscased(cps[i + 1]));
}

/* Unicode SpecialCasing: characters whose upper/title/folded forms are several characters */
static const struct {
    uint32_t c;
    const char *upper, *title, *fold;
} special_case[] = {
    {0xDF, "SS", "Ss", "ss"},
    {0x149, "\xCA\xBCN", "\xCA\xBCN", "\xCA\xBCn"},
    {0x1F0, "J\xCC\x8C", "J\xCC\x8C", "j\xCC\x8C"},
    {0xFB00, "FF", "Ff", "ff"},
    {0xFB01, "FI", "Fi", "fi"},
    {0xFB02, "FL", "Fl", "fl"},
    {0xFB03, "FFI", "Ffi", "ffi"},
    {0xFB04, "FFL", "Ffl", "ffl"},
    {0xFB05, "ST", "St", "st"},
    {0xFB06, "ST", "St", "st"},
};

/* which: 0 upper, 1 title, 2 fold; NULL when c maps to one character */
static const char *special(uint32_t c, int which) {
    if (c != 0xDF && c != 0x149 && c != 0x1F0 && (c < 0xFB00 || c > 0xFB06)) return NULL;
    for (size_t i = 0; i < sizeof special_case / sizeof special_case[0]; i++)
        if (special_case[i].c == c)
            return which == 0 ? special_case[i].upper : which == 1 ? special_case[i].title : special_case[i].fold;
    return NULL;
}

static void add_upper(mv_strbuf *b, uint32_t c) {
    const char *sp = c >= 0xDF ? special(c, 0) : NULL;
    if (sp) mv_strbuf_adds(b, sp);
    else mv_strbuf_add_codepoint(b, mv_unicode_toupper(c));
}

static void add_lower(mv_strbuf *b, const uint32_t *cps, size_t n, size_t i) {
    uint32_t c = cps[i];
    if (c == 0x3A3) mv_strbuf_add_codepoint(b, is_final_sigma(cps, n, i) ? 0x3C2 : 0x3C3);
    else if (c == 0x130) mv_strbuf_add(b, "i\xCC\x87", 3);
    else mv_strbuf_add_codepoint(b, mv_unicode_tolower(c));
}

static void add_title(mv_strbuf *b, uint32_t c) {
    const char *sp = c >= 0xDF ? special(c, 1) : NULL;
    if (sp) mv_strbuf_adds(b, sp);
    else mv_strbuf_add_codepoint(b, u_totitle(c));
}

static Value case_map(mv_thread *t, Value self, size_t nargs, Value kw, const char *name, int mode) {
    if (no_args(t, name, nargs, kw) < 0) return NULL;
    if (S(self)->ascii) return ascii_map(self, mode);
    size_t n = S(self)->length;
    uint32_t *cps = mv_malloc(sizeof(uint32_t) * n);
    const char *p = S(self)->data;
    for (size_t i = 0; i < n; i++) cps[i] = mv_utf8_next(&p);
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_reserve(&b, S(self)->size + 8);
    bool prev_cased = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cps[i];
        switch (mode) {
        case 'U': add_upper(&b, c); break;
        case 'L': add_lower(&b, cps, n, i); break;
        case 'F':
            if (c >= 0xDF && special(c, 2)) mv_strbuf_adds(&b, special(c, 2));
            else if (c == 0x3C2 || c == 0x3A3) mv_strbuf_add_codepoint(&b, 0x3C3);
            else add_lower(&b, cps, n, i);
            break;
        case 'S':
            if (u_isupper(c)) add_lower(&b, cps, n, i);
            else if (u_islower(c)) add_upper(&b, c);
            else mv_strbuf_add_codepoint(&b, c);
            break;
        case 'C':
            if (i == 0) add_title(&b, c);
            else add_lower(&b, cps, n, i);
            break;
        case 'T': {
            bool cased = u_iscased(c);
            if (prev_cased) add_lower(&b, cps, n, i);
            else add_title(&b, c);
            prev_cased = cased;
            break;
        }
        }
    }
    mv_free(cps);
    return mv_strbuf_finish(&b);
}

Value mv_strm_upper(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "upper", 'U');
}
Value mv_strm_lower(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "lower", 'L');
}
Value mv_strm_casefold(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "casefold", S(self)->ascii ? 'L' : 'F');
}
Value mv_strm_swapcase(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "swapcase", 'S');
}
Value mv_strm_capitalize(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "capitalize", 'C');
}
Value mv_strm_title(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_map(t, self, nargs, kw, "title", 'T');
}

/* ---- predicates ------------------------------------------------------------------------------ */

/* true when the string is non-empty and every code point passes */
static Value all_of(mv_thread *t, Value self, size_t nargs, Value kw, const char *name,
                    bool (*pred)(uint32_t)) {
    if (no_args(t, name, nargs, kw) < 0) return NULL;
    const char *p = S(self)->data, *end = p + S(self)->size;
    if (p == end) return MV_FALSE;
    while (p < end)
        if (!pred(mv_utf8_next(&p))) return MV_FALSE;
    return MV_TRUE;
}

Value mv_strm_isdigit(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isdigit", mv_unicode_isdigit);
}
Value mv_strm_isdecimal(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isdecimal", mv_unicode_isdecimal);
}
Value mv_strm_isnumeric(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isnumeric", mv_unicode_isnumeric);
}
Value mv_strm_isalpha(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isalpha", mv_unicode_isalpha);
}
Value mv_strm_isalnum(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isalnum", u_isalnum);
}
Value mv_strm_isspace(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return all_of(t, self, nargs, kw, "isspace", mv_unicode_isspace);
}

Value mv_strm_isprintable(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (no_args(t, "isprintable", nargs, kw) < 0) return NULL;
    const char *p = S(self)->data, *end = p + S(self)->size;
    while (p < end)
        if (!mv_unicode_isprintable(mv_utf8_next(&p))) return MV_FALSE;
    return MV_TRUE;
}

Value mv_strm_isascii(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (no_args(t, "isascii", nargs, kw) < 0) return NULL;
    return MV_BOOL(S(self)->ascii);
}

/* isupper / islower: at least one cased character, none of the other case */
static Value case_test(mv_thread *t, Value self, size_t nargs, Value kw, const char *name, bool upper) {
    if (no_args(t, name, nargs, kw) < 0) return NULL;
    const char *p = S(self)->data, *end = p + S(self)->size;
    bool cased = false;
    while (p < end) {
        uint32_t c = mv_utf8_next(&p);
        bool u = u_isupper(c), l = u_islower(c);
        if (upper ? (l || is_titlecase_char(c)) : (u || is_titlecase_char(c))) return MV_FALSE;
        if (upper ? u : l) cased = true;
    }
    return MV_BOOL(cased);
}

Value mv_strm_isupper(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_test(t, self, nargs, kw, "isupper", true);
}
Value mv_strm_islower(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    return case_test(t, self, nargs, kw, "islower", false);
}

Value mv_strm_istitle(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (no_args(t, "istitle", nargs, kw) < 0) return NULL;
    const char *p = S(self)->data, *end = p + S(self)->size;
    bool cased = false, prev_cased = false;
    while (p < end) {
        uint32_t c = mv_utf8_next(&p);
        if (u_isupper(c) || is_titlecase_char(c)) {
            if (prev_cased) return MV_FALSE;
            prev_cased = cased = true;
        } else if (u_islower(c)) {
            if (!prev_cased) return MV_FALSE;
            prev_cased = cased = true;
        } else {
            prev_cased = false;
        }
    }
    return MV_BOOL(cased);
}

/* category Nl (Roman numerals...): identifier characters though not alphabetic */
static bool is_letter_number(uint32_t c) {
    return (c >= 0x16EE && c <= 0x16F0) || (c >= 0x2160 && c <= 0x2188) || c == 0x3007 ||
           (c >= 0x3021 && c <= 0x3029) || (c >= 0x3038 && c <= 0x303A);
}

Value mv_strm_isidentifier(mv_thread *t, Value self, Value *args, size_t nargs, Value kw) {
    if (no_args(t, "isidentifier", nargs, kw) < 0) return NULL;
    const char *p = S(self)->data, *end = p + S(self)->size;
    if (p == end) return MV_FALSE;
    uint32_t c = mv_utf8_next(&p);
    if (c != '_' && !mv_unicode_isalpha(c) && !is_letter_number(c)) return MV_FALSE;
    while (p < end) {
        c = mv_utf8_next(&p);
        if (c != '_' && !mv_unicode_isalpha(c) && !mv_unicode_isdecimal(c) && c != 0xB7 &&
            !is_letter_number(c))
            return MV_FALSE;
    }
    return MV_TRUE;
}
