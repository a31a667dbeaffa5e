/* lexer.c: the Python 3.11 tokenizer (see lexer.h).  One pass over the source produces the whole
 * token array: indentation (INDENT/DEDENT with CPython's tab rules), implicit line joining inside
 * brackets, backslash continuation, numbers, strings (kept whole, decoded by the parser) and
 * operators.  Errors carry CPython's messages and positions.
 */
#include "lexer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/exc.h"

#define MAXINDENT 100
#define MAXLEVEL 200

static const char *const kw_names[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield"};

static const char *const op_names[] = {
    "'('", "')'", "'['", "']'", "'{'", "'}'", "':'", "','", "';'", "'+'", "'-'", "'*'", "'/'",
    "'|'", "'&'", "'<'", "'>'", "'='", "'.'", "'%'", "'=='", "'!='", "'<='", "'>='", "'~'",
    "'^'", "'<<'", "'>>'", "'**'", "'//'", "'@'", "'->'", "'...'", "':='", "'+='", "'-='",
    "'*='", "'/='", "'//='", "'%='", "'**='", "'<<='", "'>>='", "'&='", "'|='", "'^='", "'@='"};

const char *mv_tok_name(int type) {
    static const char *const basic[] = {"ENDMARKER", "NAME", "NUMBER", "STRING", "NEWLINE",
                                        "INDENT", "DEDENT"};
    if (type <= TK_DEDENT) return basic[type];
    if (type < TK_ERRORTOKEN) return op_names[type - TK_LPAR];
    if (type == TK_ERRORTOKEN) return "ERRORTOKEN";
    if (type < TK__COUNT) return kw_names[type - TK_FALSE];
    return "?";
}

int mv_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    int len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else { *cp = 0xFFFD; return 1; }
    if ((size_t)len > n) { *cp = 0xFFFD; return 1; }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (len == 4 && (v < 0x10000 || v > 0x10FFFF))) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return len;
}

/* Without the Unicode database, treat non-ASCII code points as identifier characters except the
   common symbol and punctuation blocks, which CPython rejects as "invalid character". */
static bool cp_is_ident(uint32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' || (cp >= '0' && cp <= '9');
    if (cp <= 0xBF) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
    if (cp == 0xD7 || cp == 0xF7) return false;
    if (cp >= 0x2000 && cp <= 0x206F) return cp == 0x203F || cp == 0x2040 || cp == 0x2054;
    if (cp >= 0x20A0 && cp <= 0x20CF) return false;  /* currency */
    if (cp >= 0x2100 && cp <= 0x214F) return cp == 0x2102 || cp == 0x2107 || (cp >= 0x210A && cp <= 0x2113) ||
                                             cp == 0x2115 || (cp >= 0x2119 && cp <= 0x211D) || cp == 0x2124 ||
                                             cp == 0x2126 || cp == 0x2128 || (cp >= 0x212A && cp <= 0x2139) ||
                                             (cp >= 0x213C && cp <= 0x213F) || (cp >= 0x2145 && cp <= 0x2149) || cp == 0x214E;
    if (cp >= 0x2190 && cp <= 0x2BFF) return false;  /* arrows, math, technical, box drawing, shapes */
    if (cp >= 0x3000 && cp <= 0x303F) return (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x3021 && cp <= 0x302F) ||
                                             (cp >= 0x3031 && cp <= 0x3035) || (cp >= 0x3038 && cp <= 0x303C);
    if (cp >= 0xFE10 && cp <= 0xFE6F) return cp == 0xFE33 || cp == 0xFE34 || (cp >= 0xFE4D && cp <= 0xFE4F);
    if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
    if (cp >= 0xFF1A && cp <= 0xFF20) return false;
    if (cp >= 0xFF3B && cp <= 0xFF40) return cp == 0xFF3F;
    if (cp >= 0xFF5B && cp <= 0xFF65) return false;
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return false; /* emoji and pictographs */
    if (cp == 0xFFFD || cp == 0xFEFF) return false;
    return true;
}

static bool cp_is_printable(uint32_t cp) {
    if (cp < 0x20 || cp == 0x7F) return false;
    if (cp >= 0x80 && cp <= 0xA0) return false;
    if (cp == 0xAD || cp == 0x3000 || cp == 0xFEFF || cp == 0x1680) return false;
    if (cp >= 0x2000 && cp <= 0x200F) return false;
    if (cp >= 0x2028 && cp <= 0x202F) return false;
    if (cp >= 0x205F && cp <= 0x206F) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    return true;
}

/* ---- the scanner state ------------------------------------------------------------------------ */

typedef struct {
    mv_lexer *lx;
    const unsigned char *s;
    size_t pos, end;
    int lineno;
    size_t line_start; /* offset of the current line's start (column base) */
    int col_base;      /* column of line_start (nonzero on the first line of an f-string field) */
    int level;
    char paren_stack[MAXLEVEL];
    int paren_line[MAXLEVEL], paren_col[MAXLEVEL];
    int indstack[MAXINDENT + 1], altstack[MAXINDENT + 1];
    int indent;
    bool expr_mode;
} scanner;

static inline int cur_col(scanner *sc, size_t pos) {
    return (int)(pos - sc->line_start) + sc->col_base;
}

static int push_tok(scanner *sc, int type, size_t start, int lineno, int col) {
    mv_lexer *lx = sc->lx;
    if (lx->ntoks == lx->cap) {
        /* first guess from the source size (about one token per 4 bytes) */
        size_t ncap = lx->cap ? lx->cap * 2 : 64 + (sc->end - sc->pos) / 4;
        mv_token *nt = realloc(lx->toks, ncap * sizeof *nt);
        if (!nt) return -1;
        lx->toks = nt;
        lx->cap = ncap;
    }
    mv_token *tk = &lx->toks[lx->ntoks++];
    tk->type = (uint8_t)type;
    tk->level = (uint8_t)(sc->level > 255 ? 255 : sc->level);
    tk->lineno = lineno;
    tk->col = col;
    tk->end_lineno = sc->lineno;
    tk->end_col = cur_col(sc, sc->pos);
    tk->start = (uint32_t)start;
    tk->end = (uint32_t)sc->pos;
    return 0;
}

static void add_line(scanner *sc, size_t start) {
    mv_lexer *lx = sc->lx;
    sc->lineno++;
    sc->line_start = start;
    sc->col_base = 0;
    if (sc->expr_mode) return;
    if (lx->nlines == lx->lines_cap) {
        size_t ncap = lx->lines_cap ? lx->lines_cap * 2 : 64;
        size_t *nl = realloc(lx->line_starts, ncap * sizeof *nl);
        if (!nl) return;
        lx->line_starts = nl;
        lx->lines_cap = ncap;
    }
    lx->line_starts[lx->nlines++] = start;
}

/* Record the tokenizer error: columns are 0-based byte columns (-1 for "none"). */
static int lex_error(scanner *sc, mv_type *type, int lineno, int col, int end_col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int lex_error(scanner *sc, mv_type *type, int lineno, int col, int end_col, const char *fmt, ...) {
    mv_lexer *lx = sc->lx;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err_msg, sizeof lx->err_msg, fmt, ap);
    va_end(ap);
    lx->err_type = type;
    lx->err_lineno = lineno;
    lx->err_end_lineno = lineno;
    lx->err_col = col;
    lx->err_end_col = end_col;
    return -1;
}

static int lookup_keyword(const char *s, size_t n) {
    if (n < 2 || n > 8) return TK_NAME;
    char c = s[0];
    if (!((c >= 'a' && c <= 'y') || c == 'F' || c == 'N' || c == 'T')) return TK_NAME;
    for (size_t i = 0; i < sizeof kw_names / sizeof kw_names[0]; i++) {
        if (kw_names[i][0] == c && strlen(kw_names[i]) == n && memcmp(kw_names[i], s, n) == 0)
            return TK_FALSE + (int)i;
    }
    return TK_NAME;
}

static bool is_string_prefix(const unsigned char *s, size_t n) {
    char a[3] = {0};
    if (n == 0 || n > 2) return false;
    for (size_t i = 0; i < n; i++) a[i] = (char)(s[i] | 0x20);
    if (n == 1) return a[0] == 'r' || a[0] == 'u' || a[0] == 'b' || a[0] == 'f';
    return (a[0] == 'r' && (a[1] == 'b' || a[1] == 'f')) || (a[1] == 'r' && (a[0] == 'b' || a[0] == 'f'));
}

/* Scan a string literal whose quote starts at sc->pos; tok_start is where its prefix began. */
static int scan_string(scanner *sc, size_t tok_start, int lineno, int col) {
    const unsigned char *s = sc->s;
    unsigned char q = s[sc->pos];
    bool triple = sc->pos + 2 < sc->end && s[sc->pos + 1] == q && s[sc->pos + 2] == q;
    sc->pos += triple ? 3 : 1;
    for (;;) {
        if (sc->pos >= sc->end) {
            int at = sc->lineno - (sc->pos == sc->line_start && sc->lineno > lineno ? 1 : 0);
            if (triple)
                return lex_error(sc, &mv_exc_SyntaxError, lineno, col, col,
                                 "unterminated triple-quoted string literal (detected at line %d)", at);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, col, col,
                             "unterminated string literal (detected at line %d)", sc->lineno);
        }
        unsigned char c = s[sc->pos];
        if (c == q) {
            if (!triple) { sc->pos++; break; }
            if (sc->pos + 2 < sc->end && s[sc->pos + 1] == q && s[sc->pos + 2] == q) { sc->pos += 3; break; }
            sc->pos++;
        } else if (c == '\\') {
            sc->pos++;
            if (sc->pos < sc->end) {
                if (s[sc->pos] == '\n') add_line(sc, sc->pos + 1);
                sc->pos++;
            }
        } else if (c == '\n') {
            if (!triple)
                return lex_error(sc, &mv_exc_SyntaxError, lineno, col, col,
                                 "unterminated string literal (detected at line %d)", sc->lineno);
            sc->pos++;
            add_line(sc, sc->pos);
        } else {
            sc->pos++;
        }
    }
    return push_tok(sc, TK_STRING, tok_start, lineno, col);
}

static inline bool isdig(int c) { return c >= '0' && c <= '9'; }
static inline bool ishex(int c) { return isdig(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

/* Digits with single underscores between them; returns false on a bad underscore. */
static bool scan_digits(scanner *sc, bool (*ok)(int)) {
    const unsigned char *s = sc->s;
    for (;;) {
        while (sc->pos < sc->end && ok(s[sc->pos])) sc->pos++;
        if (sc->pos < sc->end && s[sc->pos] == '_') {
            sc->pos++;
            if (sc->pos >= sc->end || !ok(s[sc->pos])) return false;
        } else {
            return true;
        }
    }
}
static bool ok_dec(int c) { return isdig(c); }
static bool ok_hex(int c) { return ishex(c); }
static bool ok_oct(int c) { return c >= '0' && c <= '7'; }
static bool ok_bin(int c) { return c == '0' || c == '1'; }

static bool ident_start_at(scanner *sc, size_t pos) {
    if (pos >= sc->end) return false;
    unsigned c = sc->s[pos];
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    uint32_t cp;
    mv_utf8_decode(sc->s + pos, sc->end - pos, &cp);
    return cp_is_ident(cp);
}

/* After a number: an identifier character right after it is an error, except the keywords CPython
   still accepts there with a deprecation warning (1if x else y). */
static int verify_end_of_number(scanner *sc, int lineno, int col, const char *kind) {
    const unsigned char *s = sc->s;
    if (!ident_start_at(sc, sc->pos)) return 0;
    static const char *const kws[] = {"and", "else", "for", "if", "in", "is", "not", "or"};
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        size_t n = strlen(kws[i]);
        if (sc->pos + n <= sc->end && memcmp(s + sc->pos, kws[i], n) == 0) return 0;
    }
    (void)col;
    int c = cur_col(sc, sc->pos - 1); /* CPython points at the number's last character */
    return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid %s literal", kind);
}

static int scan_number(scanner *sc, size_t start, int lineno, int col) {
    const unsigned char *s = sc->s;
    size_t e = sc->end;
    if (s[sc->pos] == '0' && sc->pos + 1 < e && strchr("xXoObB", s[sc->pos + 1]) && s[sc->pos + 1]) {
        char k = (char)(s[sc->pos + 1] | 0x20);
        const char *kind = k == 'x' ? "hexadecimal" : k == 'o' ? "octal" : "binary";
        bool (*ok)(int) = k == 'x' ? ok_hex : k == 'o' ? ok_oct : ok_bin;
        sc->pos += 2;
        if (sc->pos < e && s[sc->pos] == '_') sc->pos++;
        if (sc->pos >= e || !ok(s[sc->pos])) {
            if (sc->pos < e && isdig(s[sc->pos]) && k != 'x') {
                int c = cur_col(sc, sc->pos);
                return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid digit '%c' in %s literal", s[sc->pos], kind);
            }
            int c = cur_col(sc, sc->pos - 1);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid %s literal", kind);
        }
        if (!scan_digits(sc, ok)) {
            int c = cur_col(sc, sc->pos);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid %s literal", kind);
        }
        if (sc->pos < e && isdig(s[sc->pos])) {
            int c = cur_col(sc, sc->pos);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid digit '%c' in %s literal", s[sc->pos], kind);
        }
        if (verify_end_of_number(sc, lineno, col, kind) < 0) return -1;
        return push_tok(sc, TK_NUMBER, start, lineno, col);
    }
    bool isfloat = false;
    if (s[sc->pos] != '.') {
        bool leading_zero = s[sc->pos] == '0';
        if (!scan_digits(sc, ok_dec)) {
            int c = cur_col(sc, sc->pos);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c - 1, c - 1, "invalid decimal literal");
        }
        if (leading_zero) {
            /* 0, 00, 0_0 are fine; 07 only as the start of a float (07.5, 07e1, 07j) */
            bool nonzero = false;
            for (size_t i = start; i < sc->pos; i++)
                if (s[i] != '0' && s[i] != '_') nonzero = true;
            if (nonzero && !(sc->pos < e && (s[sc->pos] == '.' || (s[sc->pos] | 0x20) == 'e' || (s[sc->pos] | 0x20) == 'j'))) {
                size_t z = start;
                while (z < sc->pos && (s[z] == '0' || s[z] == '_')) z++;
                return lex_error(sc, &mv_exc_SyntaxError, lineno, col, cur_col(sc, z),
                                 "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
            }
        }
    }
    if (sc->pos < e && s[sc->pos] == '.') {
        isfloat = true;
        sc->pos++;
        if (sc->pos < e && isdig(s[sc->pos]) && !scan_digits(sc, ok_dec)) {
            int c = cur_col(sc, sc->pos);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c - 1, c - 1, "invalid decimal literal");
        }
    }
    if (sc->pos < e && (s[sc->pos] | 0x20) == 'e') {
        size_t save = sc->pos;
        sc->pos++;
        bool sign = sc->pos < e && (s[sc->pos] == '+' || s[sc->pos] == '-');
        if (sign) sc->pos++;
        if (sc->pos >= e || !isdig(s[sc->pos])) {
            if (sign) {
                int c = cur_col(sc, sc->pos - 1);
                return lex_error(sc, &mv_exc_SyntaxError, lineno, c, c, "invalid decimal literal");
            }
            sc->pos = save; /* "1e" : the 'e' is an identifier right after the number */
            if (verify_end_of_number(sc, lineno, col, "decimal") < 0) return -1;
            return push_tok(sc, TK_NUMBER, start, lineno, col);
        }
        if (!scan_digits(sc, ok_dec)) {
            int c = cur_col(sc, sc->pos);
            return lex_error(sc, &mv_exc_SyntaxError, lineno, c - 1, c - 1, "invalid decimal literal");
        }
        isfloat = true;
    }
    (void)isfloat;
    if (sc->pos < e && (s[sc->pos] | 0x20) == 'j') {
        sc->pos++;
        if (verify_end_of_number(sc, lineno, col, "imaginary") < 0) return -1;
        return lex_error(sc, &mv_exc_SyntaxError, lineno, col, cur_col(sc, sc->pos),
                         "complex numbers are not supported by minivm");
    }
    if (verify_end_of_number(sc, lineno, col, "decimal") < 0) return -1;
    return push_tok(sc, TK_NUMBER, start, lineno, col);
}

/* Operators: longest match first. */
static int scan_operator(scanner *sc) {
    const unsigned char *s = sc->s + sc->pos;
    size_t n = sc->end - sc->pos;
    unsigned char c = s[0], c1 = n > 1 ? s[1] : 0, c2 = n > 2 ? s[2] : 0;
#define R(len, tk) do { sc->pos += (len); return (tk); } while (0)
    switch (c) {
    case '(': R(1, TK_LPAR);
    case ')': R(1, TK_RPAR);
    case '[': R(1, TK_LSQB);
    case ']': R(1, TK_RSQB);
    case '{': R(1, TK_LBRACE);
    case '}': R(1, TK_RBRACE);
    case ',': R(1, TK_COMMA);
    case ';': R(1, TK_SEMI);
    case '~': R(1, TK_TILDE);
    case ':': if (c1 == '=') R(2, TK_COLONEQUAL); R(1, TK_COLON);
    case '+': if (c1 == '=') R(2, TK_PLUSEQUAL); R(1, TK_PLUS);
    case '-': if (c1 == '=') R(2, TK_MINEQUAL); if (c1 == '>') R(2, TK_RARROW); R(1, TK_MINUS);
    case '*':
        if (c1 == '*') { if (c2 == '=') R(3, TK_DOUBLESTAREQUAL); R(2, TK_DOUBLESTAR); }
        if (c1 == '=') R(2, TK_STAREQUAL);
        R(1, TK_STAR);
    case '/':
        if (c1 == '/') { if (c2 == '=') R(3, TK_DOUBLESLASHEQUAL); R(2, TK_DOUBLESLASH); }
        if (c1 == '=') R(2, TK_SLASHEQUAL);
        R(1, TK_SLASH);
    case '|': if (c1 == '=') R(2, TK_VBAREQUAL); R(1, TK_VBAR);
    case '&': if (c1 == '=') R(2, TK_AMPEREQUAL); R(1, TK_AMPER);
    case '^': if (c1 == '=') R(2, TK_CIRCUMFLEXEQUAL); R(1, TK_CIRCUMFLEX);
    case '%': if (c1 == '=') R(2, TK_PERCENTEQUAL); R(1, TK_PERCENT);
    case '@': if (c1 == '=') R(2, TK_ATEQUAL); R(1, TK_AT);
    case '=': if (c1 == '=') R(2, TK_EQEQUAL); R(1, TK_EQUAL);
    case '!': if (c1 == '=') R(2, TK_NOTEQUAL); R(1, TK_ERRORTOKEN);
    case '<':
        if (c1 == '<') { if (c2 == '=') R(3, TK_LEFTSHIFTEQUAL); R(2, TK_LEFTSHIFT); }
        if (c1 == '=') R(2, TK_LESSEQUAL);
        if (c1 == '>') R(2, TK_NOTEQUAL); /* only valid with barry_as_FLUFL; the parser rejects it */
        R(1, TK_LESS);
    case '>':
        if (c1 == '>') { if (c2 == '=') R(3, TK_RIGHTSHIFTEQUAL); R(2, TK_RIGHTSHIFT); }
        if (c1 == '=') R(2, TK_GREATEREQUAL);
        R(1, TK_GREATER);
    case '.': if (c1 == '.' && c2 == '.') R(3, TK_ELLIPSIS); R(1, TK_DOT);
    default: R(1, TK_ERRORTOKEN);
    }
#undef R
}

/* Indentation at the start of a logical line.  Returns 1 if the line is blank (skip it), 0 if
   tokens follow, -1 on error. */
static int do_indent(scanner *sc) {
    const unsigned char *s = sc->s;
    int col = 0, altcol = 0;
    size_t p = sc->pos;
    for (; p < sc->end; p++) {
        if (s[p] == ' ') { col++; altcol++; }
        else if (s[p] == '\t') { col = (col / 8 + 1) * 8; altcol++; }
        else if (s[p] == '\014') { col = altcol = 0; }
        else break;
    }
    sc->pos = p;
    if (p >= sc->end) { col = altcol = 0; }
    else if (s[p] == '#' || s[p] == '\n' || (s[p] == '\\' && p + 1 < sc->end && s[p + 1] == '\n')) {
        if (s[p] == '\\') return 0; /* a continued blank line: let the main loop join it */
        return 1;
    }
    int width = (int)(p - sc->line_start);
    if (col == sc->indstack[sc->indent]) {
        if (altcol != sc->altstack[sc->indent])
            return lex_error(sc, &mv_exc_TabError, sc->lineno, 0, -1, "inconsistent use of tabs and spaces in indentation");
    } else if (col > sc->indstack[sc->indent]) {
        if (sc->indent + 1 >= MAXINDENT)
            return lex_error(sc, &mv_exc_IndentationError, sc->lineno, width, -1, "too many levels of indentation");
        if (altcol <= sc->altstack[sc->indent])
            return lex_error(sc, &mv_exc_TabError, sc->lineno, 0, -1, "inconsistent use of tabs and spaces in indentation");
        sc->indent++;
        sc->indstack[sc->indent] = col;
        sc->altstack[sc->indent] = altcol;
        if (push_tok(sc, TK_INDENT, sc->line_start, sc->lineno, 0) < 0) return -1;
        sc->lx->toks[sc->lx->ntoks - 1].col = width; /* CPython reports "unexpected indent" here */
    } else {
        while (sc->indent > 0 && col < sc->indstack[sc->indent]) {
            sc->indent--;
            if (push_tok(sc, TK_DEDENT, p, sc->lineno, width) < 0) return -1;
        }
        if (col != sc->indstack[sc->indent]) {
            size_t eol = p;
            while (eol < sc->end && s[eol] != '\n') eol++;
            int off = (int)(eol - sc->line_start) + (eol < sc->end ? 1 : 0);
            sc->lx->err_text_nl = true;
            return lex_error(sc, &mv_exc_IndentationError, sc->lineno, off - 1, -1,
                             "unindent does not match any outer indentation level");
        }
        if (altcol != sc->altstack[sc->indent])
            return lex_error(sc, &mv_exc_TabError, sc->lineno, 0, -1, "inconsistent use of tabs and spaces in indentation");
    }
    return 0;
}

int mv_lex(mv_lexer *lx, const char *src, size_t start, size_t end, int lineno, int col, bool expr_mode) {
    scanner sc;
    memset(&sc, 0, sizeof sc);
    sc.lx = lx;
    sc.s = (const unsigned char *)src;
    sc.pos = start;
    sc.end = end;
    sc.expr_mode = expr_mode;
    lx->src = src;
    lx->len = end;
    lx->err_type = NULL;
    lx->unclosed_char = 0;
    sc.lineno = lineno - 1;
    add_line(&sc, start);
    sc.col_base = col;
    const unsigned char *s = sc.s;
    bool atbol = !expr_mode;
    bool line_has_tokens = false;

    for (;;) {
        if (atbol) {
            atbol = false;
            if (sc.level == 0) {
                int r = do_indent(&sc);
                if (r < 0) return -1;
                if (r == 1) {
                    /* blank or comment-only line: skip to its end */
                    while (sc.pos < end && s[sc.pos] != '\n') sc.pos++;
                    if (sc.pos < end) {
                        sc.pos++;
                        add_line(&sc, sc.pos);
                        atbol = true;
                        continue;
                    }
                }
            }
        }
        /* skip whitespace and comments */
        while (sc.pos < end && (s[sc.pos] == ' ' || s[sc.pos] == '\t' || s[sc.pos] == '\014')) sc.pos++;
        if (sc.pos < end && s[sc.pos] == '#')
            while (sc.pos < end && s[sc.pos] != '\n') sc.pos++;
        if (sc.pos >= end) break;
        size_t tstart = sc.pos;
        int tcol = cur_col(&sc, tstart);
        unsigned char c = s[sc.pos];
        if (c == '\n') {
            sc.pos++;
            if (sc.level == 0 && !expr_mode && line_has_tokens) {
                if (push_tok(&sc, TK_NEWLINE, tstart, sc.lineno, tcol) < 0) return -1;
                lx->toks[lx->ntoks - 1].end_col = tcol; /* CPython leaves the '\n' out */
                line_has_tokens = false;
                atbol = true;
            }
            add_line(&sc, sc.pos);
            if (sc.level == 0 && !expr_mode) atbol = true;
            continue;
        }
        if (c == '\\') {
            if (sc.pos + 1 >= end) {
                sc.pos++;
                lx->err_text_nl = true;
                return lex_error(&sc, &mv_exc_SyntaxError, sc.lineno, tcol + 1, -1, "unexpected EOF while parsing");
            }
            if (s[sc.pos + 1] != '\n') {
                lx->err_text_nl = true;
                return lex_error(&sc, &mv_exc_SyntaxError, sc.lineno, tcol + 1, -2,
                                 "unexpected character after line continuation character");
            }
            sc.pos += 2;
            add_line(&sc, sc.pos);
            if (sc.pos >= end) {
                lx->err_text_nl = true;
                return lex_error(&sc, &mv_exc_SyntaxError, sc.lineno - 1, tcol + 1, -1, "unexpected EOF while parsing");
            }
            continue;
        }
        line_has_tokens = true;
        int lno = sc.lineno;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80) {
            /* identifier (or string prefix) */
            bool ascii = true;
            while (sc.pos < end) {
                unsigned char d = s[sc.pos];
                if (d < 0x80) {
                    if ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d == '_' || (d >= '0' && d <= '9')) {
                        sc.pos++;
                        continue;
                    }
                    break;
                }
                uint32_t cp;
                int n = mv_utf8_decode(s + sc.pos, end - sc.pos, &cp);
                if (!cp_is_ident(cp) || (sc.pos == tstart && cp >= 0x300 && cp <= 0x36F)) {
                    if (sc.pos > tstart) break;
                    char buf[8] = {0};
                    memcpy(buf, s + sc.pos, (size_t)n);
                    int ccol = cur_col(&sc, sc.pos);
                    if (!cp_is_printable(cp))
                        return lex_error(&sc, &mv_exc_SyntaxError, lno, ccol, ccol, "invalid non-printable character U+%04X", cp);
                    return lex_error(&sc, &mv_exc_SyntaxError, lno, ccol, ccol, "invalid character '%s' (U+%04X)", buf, cp);
                }
                ascii = false;
                sc.pos += (size_t)n;
            }
            if (sc.pos < end && (s[sc.pos] == '\'' || s[sc.pos] == '"') && ascii && is_string_prefix(s + tstart, sc.pos - tstart)) {
                if (scan_string(&sc, tstart, lno, tcol) < 0) return -1;
                continue;
            }
            int type = ascii ? lookup_keyword((const char *)s + tstart, sc.pos - tstart) : TK_NAME;
            if (push_tok(&sc, type, tstart, lno, tcol) < 0) return -1;
            continue;
        }
        if (isdig(c) || (c == '.' && sc.pos + 1 < end && isdig(s[sc.pos + 1]))) {
            if (scan_number(&sc, tstart, lno, tcol) < 0) return -1;
            continue;
        }
        if (c == '\'' || c == '"') {
            if (scan_string(&sc, tstart, lno, tcol) < 0) return -1;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            if (c == '\r') { sc.pos++; continue; }
            return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol, "invalid non-printable character U+%04X", c);
        }
        int type = scan_operator(&sc);
        if (type == TK_ERRORTOKEN && c != '!' && c != '$' && c != '?' && c != '`')
            return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol, "invalid character '%c' (U+%04X)", c, c);
        if (type == TK_LPAR || type == TK_LSQB || type == TK_LBRACE) {
            if (sc.level >= MAXLEVEL)
                return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol, "too many nested parentheses");
            sc.paren_stack[sc.level] = (char)c;
            sc.paren_line[sc.level] = lno;
            sc.paren_col[sc.level] = tcol;
            sc.level++;
        } else if (type == TK_RPAR || type == TK_RSQB || type == TK_RBRACE) {
            if (sc.level == 0 && !expr_mode)
                return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol, "unmatched '%c'", c);
            if (sc.level > 0) {
                char open = sc.paren_stack[sc.level - 1];
                char want = open == '(' ? ')' : open == '[' ? ']' : '}';
                if (want != (char)c) {
                    if (sc.paren_line[sc.level - 1] != lno)
                        return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol,
                                         "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d",
                                         c, open, sc.paren_line[sc.level - 1]);
                    return lex_error(&sc, &mv_exc_SyntaxError, lno, tcol, tcol,
                                     "closing parenthesis '%c' does not match opening parenthesis '%c'", c, open);
                }
                sc.level--;
            }
        }
        if (push_tok(&sc, type, tstart, lno, tcol) < 0) return -1;
    }
    /* end of input */
    if (sc.level > 0) {
        lx->unclosed_char = sc.paren_stack[sc.level - 1];
        lx->unclosed_lineno = sc.paren_line[sc.level - 1];
        lx->unclosed_col = sc.paren_col[sc.level - 1];
    }
    if (!expr_mode) {
        /* a last line without '\n' still ends with NEWLINE, unless inside brackets */
        if (line_has_tokens && sc.level == 0 && push_tok(&sc, TK_NEWLINE, sc.pos, sc.lineno, cur_col(&sc, sc.pos)) < 0)
            return -1;
        /* ENDMARKER and DEDENTs sit at the start of the line after the last one */
        if (sc.pos > sc.line_start) {
            sc.lineno++;
            sc.line_start = sc.pos;
            sc.col_base = 0;
        }
        while (sc.indent > 0) {
            sc.indent--;
            if (push_tok(&sc, TK_DEDENT, sc.pos, sc.lineno, 0) < 0) return -1;
        }
    }
    return push_tok(&sc, TK_ENDMARKER, sc.pos, sc.lineno, cur_col(&sc, sc.pos));
}

void mv_lexer_free(mv_lexer *lx) {
    free(lx->toks);
    free(lx->line_starts);
    lx->toks = NULL;
    lx->line_starts = NULL;
    lx->ntoks = lx->cap = lx->nlines = lx->lines_cap = 0;
}
