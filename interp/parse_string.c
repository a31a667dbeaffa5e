/* parse_string.c: literals.  Number tokens become int/float constants; adjacent string tokens are
 * decoded (prefixes, escapes, implicit concatenation) into a str/bytes Constant or, when any of
 * them is an f-string, a JoinedStr whose replacement fields are parsed by a sub-parser over the
 * same source bytes (so nested expressions keep their real positions), as CPython 3.11 does.
 */
#include "parser_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/bytes.h"
#include "../runtime/exc.h"
#include "../runtime/float.h"
#include "../runtime/int.h"
#include "../runtime/str.h"
#include "../runtime/unicodename.h"

/* ---- numbers ---- */

mv_expr *mv_parse_number(mv_parser *p, mv_token *tk) {
    const char *s = p->src + tk->start;
    size_t n = tk->end - tk->start;
    char small[64];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) return mv_parse_nomem(p);
    size_t m = 0;
    bool isfloat = false, hex = n > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') continue;
        if (!hex && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) isfloat = true;
        buf[m++] = s[i];
    }
    buf[m] = 0;
    Value v;
    if (isfloat) {
        v = mv_float_new(strtod(buf, NULL));
    } else if (m > 1 && buf[0] == '0' && strchr("xXoObB", buf[1])) {
        int base = (buf[1] | 0x20) == 'x' ? 16 : (buf[1] | 0x20) == 'o' ? 8 : 2;
        v = mv_int_from_string(p->t, buf + 2, m - 2, base);
    } else if (m <= 18) {
        int64_t x = 0;
        for (size_t i = 0; i < m; i++) x = x * 10 + (buf[i] - '0');
        v = mv_int_from_i64(x);
    } else {
        v = mv_int_from_string(p->t, buf, m, 10);
    }
    if (buf != small) free(buf);
    if (!v) {
        p->error = true;
        return NULL;
    }
    if (mv_ast_arena_keep(p->a, v) < 0) return mv_parse_nomem(p);
    mv_expr *e = mv_new_expr(p, E_CONSTANT, tk->lineno, tk->col);
    if (!e) return NULL;
    e->span.end_lineno = tk->end_lineno;
    e->span.end_col_offset = tk->end_col;
    e->u.constant.value = v;
    return e;
}

/* ---- a small byte buffer ---- */

typedef struct {
    char *b;
    size_t len, cap;
} sbuf;

static bool sb_add(sbuf *sb, const char *s, size_t n) {
    if (sb->len + n + 1 > sb->cap) {
        size_t nc = sb->cap ? sb->cap * 2 : 64;
        while (nc < sb->len + n + 1) nc *= 2;
        char *nb = realloc(sb->b, nc);
        if (!nb) return false;
        sb->b = nb;
        sb->cap = nc;
    }
    memcpy(sb->b + sb->len, s, n);
    sb->len += n;
    sb->b[sb->len] = 0;
    return true;
}

static bool sb_addcp(sbuf *sb, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* lone surrogates cannot be UTF-8 */
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    return sb_add(sb, u, n);
}

/* ---- decoding ---- */

typedef struct {
    mv_parser *p;
    mv_token *err_tok; /* the token after the strings: where CPython reports literal errors */
    mv_token *tok;     /* the string token being decoded */
    bool raw, bytes, fstr, u;
    size_t body, body_end; /* source offsets of the text between the quotes */
    mv_span span;          /* of all the strings together */
} strctx;

static void *str_error(strctx *c, const char *fmt, const char *arg) {
    mv_token *t = c->err_tok;
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    return mv_parse_error_at(c->p, &mv_exc_SyntaxError, t->lineno, t->col, t->lineno, t->col, "%s", msg);
}

static int hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

/* CPython decodes a str literal after rewriting each non-ASCII character as \UXXXXXXXX (and a
   backslash before one as \u005c): its error positions count bytes of that text up to s[upto]. */
static size_t escaped_offset(const char *s, size_t n, size_t upto) {
    size_t off = 0;
    for (size_t i = 0; i < upto; i++) {
        if (s[i] == '\\') {
            off++;
            if (++i >= n || (unsigned char)s[i] >= 0x80) off += 5;
            if (i >= upto) break;
        }
        unsigned char b = (unsigned char)s[i];
        off += b < 0x80 ? 1 : b >= 0xC0 ? 10 : 0;
    }
    return off;
}

/* Decode s[i..n) (a literal part of a string body) into sb. */
static int decode(strctx *c, sbuf *sb, const char *s, size_t n) {
    if (c->raw) {
        if (c->bytes) {
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] >= 0x80) return str_error(c, "bytes can only contain ASCII literal characters", NULL), -1;
        }
        return sb_add(sb, s, n) ? 0 : -1;
    }
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '\\') {
            if (c->bytes && (unsigned char)s[j] >= 0x80)
                return str_error(c, "bytes can only contain ASCII literal characters", NULL), -1;
            j++;
        }
        if (j > i && !sb_add(sb, s + i, j - i)) return -1;
        if (j >= n) break;
        /* backslash at j */
        size_t bpos = j - (size_t)0;
        j++;
        if (j >= n) { sb_add(sb, "\\", 1); break; }
        char e = s[j++];
        char ch;
        switch (e) {
        case '\n': i = j; continue;
        case '\\': ch = '\\'; break;
        case '\'': ch = '\''; break;
        case '"': ch = '"'; break;
        case 'a': ch = '\a'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'v': ch = '\v'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            unsigned v = (unsigned)(e - '0');
            for (int k = 0; k < 2 && j < n && s[j] >= '0' && s[j] <= '7'; k++) v = v * 8 + (unsigned)(s[j++] - '0');
            if (c->bytes) {
                char b = (char)(v & 0xFF);
                if (!sb_add(sb, &b, 1)) return -1;
            } else if (!sb_addcp(sb, v)) {
                return -1;
            }
            i = j;
            continue;
        }
        case 'x': case 'u': case 'U': {
            if (c->bytes && e != 'x') {
                if (!sb_add(sb, s + bpos, 2)) return -1;
                i = j;
                continue;
            }
            int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t v = 0;
            int k;
            for (k = 0; k < digits && j < n && hexval((unsigned char)s[j]) >= 0; k++) v = v * 16 + (uint32_t)hexval((unsigned char)s[j++]);
            if (k < digits) {
                char msg[200];
                size_t rel = bpos - (size_t)(s - (c->p->src + c->body)) ;
                (void)rel;
                if (c->bytes) {
                    snprintf(msg, sizeof msg, "(value error) invalid \\x escape at position %zu", (size_t)0);
                } else {
                    snprintf(msg, sizeof msg,
                             "(unicode error) 'unicodeescape' codec can't decode bytes in position %%s: truncated \\%s escape",
                             e == 'x' ? "xXX" : e == 'u' ? "uXXXX" : "UXXXXXXXX");
                }
                char pos[48];
                snprintf(pos, sizeof pos, "%zu-%zu", (size_t)0, (size_t)(1 + k));
                return str_error(c, msg, pos), -1;
            }
            if (v > 0x10FFFF)
                return str_error(c, "(unicode error) 'unicodeescape' codec can't decode bytes in position %s: illegal Unicode character", "0-9"), -1;
            if (c->bytes) {
                char b = (char)v;
                if (!sb_add(sb, &b, 1)) return -1;
            } else if (!sb_addcp(sb, v)) {
                return -1;
            }
            i = j;
            continue;
        }
        case 'N':
            if (!c->bytes) {
                const char *why = "malformed \\N character escape";
                size_t stop = j; /* where CPython's decoder stops, for the error position */
                if (j < n && s[j] == '{') {
                    size_t close = j + 1;
                    while (close < n && s[close] != '}') close++;
                    stop = close;
                    if (close < n && close > j + 1) {
                        uint32_t cp;
                        if (mv_unicode_lookup(s + j + 1, close - j - 1, &cp)) {
                            if (!sb_addcp(sb, cp)) return -1;
                            i = close + 1;
                            continue;
                        }
                        why = "unknown Unicode character name";
                        stop = close + 1;
                    }
                }
                char msg[200];
                snprintf(msg, sizeof msg, "(unicode error) 'unicodeescape' codec can't decode bytes in position %zu-%zu: %s",
                         escaped_offset(s, n, bpos), escaped_offset(s, n, stop) - 1, why);
                return str_error(c, "%s", msg), -1;
            }
            /* fallthrough - in bytes, \N is not an escape */
        default:
            /* unknown escape: kept as is (CPython warns) */
            if (!sb_add(sb, s + bpos, 1)) return -1;
            i = j - 1;
            continue;
        }
        if (!sb_add(sb, &ch, 1)) return -1;
        i = j;
    }
    return 0;
}

/* ---- f-strings ---- */

typedef struct {
    mv_ast_seq *unused;
    size_t mark;      /* scratch mark of the JoinedStr's values */
    sbuf lit;         /* pending literal text */
} joined;

static mv_expr *mk_str_const(strctx *c, const char *s, size_t n, bool kind_u) {
    mv_parser *p = c->p;
    Value v = mv_str_new(s ? s : "", n);
    if (!v || mv_ast_arena_keep(p->a, v) < 0) return mv_parse_nomem(p);
    mv_expr *e = mv_new_expr(p, E_CONSTANT, c->span.lineno, c->span.col_offset);
    if (!e) return NULL;
    e->span = c->span;
    e->u.constant.value = v;
    if (kind_u) e->u.constant.kind = "u";
    return e;
}

static int flush_lit(strctx *c, joined *j, bool kind_u) {
    if (j->lit.len == 0) return 0;
    mv_expr *e = mk_str_const(c, j->lit.b, j->lit.len, kind_u);
    j->lit.len = 0;
    if (!e) return -1;
    mv_vpush(c->p, e);
    return 0;
}

static int fstring_body(strctx *c, joined *j, size_t *pos, size_t end, int depth, bool spec, bool *kind_u);

/* Parse the replacement field expression src[start, end) with a sub-parser. */
static mv_expr *parse_field_expr(strctx *c, size_t start, size_t end) {
    mv_parser *p = c->p;
    /* position of `start` in the file */
    int lineno = c->tok->lineno, col = c->tok->col;
    mv_lexer *mlx = p->main_lx;
    for (size_t i = c->tok->start; i < start; i++) {
        if (p->src[i] == '\n') { lineno++; col = 0; }
        else col++;
    }
    (void)mlx;
    mv_lexer lx;
    memset(&lx, 0, sizeof lx);
    if (mv_lex(&lx, p->src, start, end, lineno, col, true) < 0) {
        mv_token *t = c->err_tok;
        char msg[260];
        snprintf(msg, sizeof msg, "f-string: %s", lx.err_msg);
        mv_parse_error_at(p, lx.err_type, t->lineno, t->col, t->lineno, t->col, "%s", msg);
        mv_lexer_free(&lx);
        return NULL;
    }
    mv_parser sub = *p;
    sub.lx = &lx;
    sub.toks = lx.toks;
    sub.ntoks = lx.ntoks;
    sub.pos = sub.furthest = 0;
    sub.fstring = true;
    char *ftext = malloc(end - start + 4);
    if (!ftext) {
        mv_lexer_free(&lx);
        return mv_parse_nomem(p);
    }
    ftext[0] = '(';
    memcpy(ftext + 1, p->src + start, end - start);
    memcpy(ftext + 1 + (end - start), ")\n", 3);
    sub.fstr_text = ftext;
    sub.fstr_line = lineno;
    sub.fstr_col = col;
    sub.vs = p->vs;
    sub.vs_len = p->vs_len;
    sub.vs_cap = p->vs_cap;
    mv_expr *e;
    if (p_type(&sub) == TK_YIELD) e = mv_parse_yield_expr(&sub);
    else e = mv_parse_star_named_expressions_tuple(&sub);
    if (e && p_type(&sub) != TK_ENDMARKER) e = mv_parse_invalid(&sub);
    if (e && (e->kind == E_TUPLE || e->kind == E_GENEXP) && e->span.lineno == lineno && e->span.col_offset == col) {
        /* CPython parses the field as "(expr)": a bare tuple spans those parentheses */
        e->span.col_offset--;
        e->span.end_col_offset++;
    }
    /* the scratch stack may have been reallocated */
    p->vs = sub.vs;
    p->vs_cap = sub.vs_cap;
    p->error = sub.error;
    mv_lexer_free(&lx);
    free(ftext);
    return e;
}

/* A replacement field; *pos is just after '{'. */
static int fstring_field(strctx *c, joined *j, size_t *pos, size_t end, int depth, bool *kind_u) {
    mv_parser *p = c->p;
    const char *s = p->src;
    if (depth >= 2) return str_error(c, "f-string: expressions nested too deeply", NULL), -1;
    size_t i = *pos, expr_start = i;
    char stack[200];
    int nest = 0;
    char quote = 0;
    int qlen = 0;
    for (; i < end; i++) {
        char ch = s[i];
        if (ch == '\\') return str_error(c, "f-string expression part cannot include a backslash", NULL), -1;
        if (quote) {
            if (ch == quote && (qlen == 1 || (i + 2 < end && s[i + 1] == quote && s[i + 2] == quote))) {
                i += (size_t)qlen - 1;
                quote = 0;
            }
            continue;
        }
        if (ch == '\'' || ch == '"') {
            quote = ch;
            qlen = (i + 2 < end && s[i + 1] == ch && s[i + 2] == ch) ? 3 : 1;
            i += (size_t)qlen - 1;
            continue;
        }
        if (ch == '[' || ch == '(' || ch == '{') {
            if (nest >= 200) return str_error(c, "f-string: too many nested parenthesis", NULL), -1;
            stack[nest++] = ch;
            continue;
        }
        if (ch == '#') return str_error(c, "f-string expression part cannot include '#'", NULL), -1;
        if (nest == 0) {
            char nx = i + 1 < end ? s[i + 1] : 0;
            if ((ch == '!' || ch == '=' || ch == '<' || ch == '>') && nx == '=') { i++; continue; }
            if (ch == '=' || ch == '!' || ch == ':' || ch == '}') break;
        }
        if (ch == ']' || ch == ')' || ch == '}') {
            char buf[4] = {ch, 0, 0, 0};
            if (nest == 0) return str_error(c, "f-string: unmatched '%s'", buf), -1;
            char open = stack[--nest];
            if (!((open == '(' && ch == ')') || (open == '[' && ch == ']') || (open == '{' && ch == '}'))) {
                char msg[120];
                snprintf(msg, sizeof msg, "f-string: closing parenthesis '%c' does not match opening parenthesis '%c'", ch, open);
                return str_error(c, "%s", msg), -1;
            }
        }
    }
    if (quote) return str_error(c, "f-string: unterminated string", NULL), -1;
    if (i >= end) {
        if (nest) return str_error(c, "f-string: expecting '}'", NULL), -1;
        return str_error(c, "f-string: expecting '}'", NULL), -1;
    }
    size_t expr_end = i;
    bool empty = true;
    for (size_t k = expr_start; k < expr_end; k++)
        if (s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && s[k] != '\f') empty = false;
    if (empty) {
        if (s[i] == '!') return str_error(c, "f-string: expression required before '!'", NULL), -1;
        if (s[i] == ':') return str_error(c, "f-string: expression required before ':'", NULL), -1;
        if (s[i] == '=') return str_error(c, "f-string: expression required before '='", NULL), -1;
        return str_error(c, "f-string: empty expression not allowed", NULL), -1;
    }
    mv_expr *value = parse_field_expr(c, expr_start, expr_end);
    if (!value) return -1;
    int conversion = -1;
    bool debug = false;
    if (s[i] == '=') {
        debug = true;
        i++;
        while (i < end && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) i++;
        /* the expression's text, '=' and the whitespace after it, as literal text */
        if (!sb_add(&j->lit, s + expr_start, i - expr_start)) return mv_parse_nomem(p), -1;
        if (i >= end) return str_error(c, "f-string: expecting '}'", NULL), -1;
    }
    if (s[i] == '!') {
        i++;
        if (i >= end) return str_error(c, "f-string: expecting '}'", NULL), -1;
        char conv = s[i];
        if (conv != 's' && conv != 'r' && conv != 'a')
            return str_error(c, "f-string: invalid conversion character: expected 's', 'r', or 'a'", NULL), -1;
        conversion = conv;
        i++;
        if (i >= end || (s[i] != ':' && s[i] != '}')) return str_error(c, "f-string: expecting '}'", NULL), -1;
    }
    mv_expr *spec = NULL;
    if (i < end && s[i] == ':') {
        i++;
        joined sj = {NULL, mv_vmark(p), {NULL, 0, 0}};
        bool ku = false;
        int r = fstring_body(c, &sj, &i, end, depth + 1, true, &ku);
        if (r == 0) r = flush_lit(c, &sj, false);
        free(sj.lit.b);
        if (r < 0) return -1;
        spec = mv_new_expr(p, E_JOINEDSTR, c->span.lineno, c->span.col_offset);
        if (!spec) return -1;
        spec->span = c->span;
        spec->u.joinedstr.values = mv_vseq(p, sj.mark);
    }
    if (i >= end || s[i] != '}') return str_error(c, "f-string: expecting '}'", NULL), -1;
    i++;
    if (debug && conversion == -1 && !spec) conversion = 'r';
    if (flush_lit(c, j, *kind_u) < 0) return -1;
    *kind_u = false;
    mv_expr *fv = mv_new_expr(p, E_FORMATTEDVALUE, c->span.lineno, c->span.col_offset);
    if (!fv) return -1;
    fv->span = c->span;
    fv->u.formatted.value = value;
    fv->u.formatted.conversion = conversion;
    fv->u.formatted.format_spec = spec;
    mv_vpush(p, fv);
    *pos = i;
    return 0;
}

/* Literal text and fields up to `end` (or, in a format spec, up to the closing '}'). */
static int fstring_body(strctx *c, joined *j, size_t *pos, size_t end, int depth, bool spec, bool *kind_u) {
    const char *s = c->p->src;
    size_t i = *pos;
    while (i < end) {
        size_t k = i;
        while (k < end && s[k] != '{' && s[k] != '}') {
            if (s[k] == '\\' && !c->raw && k + 1 < end && (s[k + 1] == '\\' || s[k + 1] == 'N')) {
                /* skip \\ and \N{NAME} so that the name's braces are not a field (as CPython) */
                k += 2;
                if (s[k - 1] == 'N' && k < end && s[k] == '{') {
                    while (k < end && s[k] != '}') k++;
                    if (k < end) k++;
                }
                continue;
            }
            k++;
        }
        if (k > i && decode(c, &j->lit, s + i, k - i) < 0) return -1;
        i = k;
        if (i >= end) break;
        if (s[i] == '{') {
            if (!spec && i + 1 < end && s[i + 1] == '{') {
                if (!sb_add(&j->lit, "{", 1)) return -1;
                i += 2;
                continue;
            }
            i++;
            if (fstring_field(c, j, &i, end, depth, kind_u) < 0) return -1;
            continue;
        }
        /* '}' */
        if (spec) break;
        if (i + 1 < end && s[i + 1] == '}') {
            if (!sb_add(&j->lit, "}", 1)) return -1;
            i += 2;
            continue;
        }
        return str_error(c, "f-string: single '}' is not allowed", NULL), -1;
    }
    *pos = i;
    return 0;
}

/* ---- the atom: adjacent string tokens ---- */

mv_expr *mv_parse_strings(mv_parser *p) {
    size_t first = p->pos;
    while (p_type(p) == TK_STRING) p_next(p);
    size_t last = p->pos; /* exclusive */
    strctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.err_tok = p_peek(p);
    mv_token *ft = &p->toks[first], *lt = &p->toks[last - 1];
    c.span = (mv_span){ft->lineno, ft->col, lt->end_lineno, lt->end_col};
    bool any_f = false, any_bytes = false, any_str = false;
    for (size_t i = first; i < last; i++) {
        const char *s = p->src + p->toks[i].start;
        bool b = false;
        for (; *s != '\'' && *s != '"'; s++) {
            if ((*s | 0x20) == 'f') any_f = true;
            if ((*s | 0x20) == 'b') b = true;
        }
        if (b) any_bytes = true;
        else any_str = true;
    }
    if (any_bytes && any_str) return str_error(&c, "cannot mix bytes and nonbytes literals", NULL);
    joined j = {NULL, mv_vmark(p), {NULL, 0, 0}};
    bool kind_u = false;
    for (size_t i = first; i < last; i++) {
        mv_token *tk = &p->toks[i];
        const char *s = p->src + tk->start;
        c.tok = tk;
        c.raw = c.bytes = c.fstr = c.u = false;
        size_t k = 0;
        for (; s[k] != '\'' && s[k] != '"'; k++) {
            char ch = (char)(s[k] | 0x20);
            if (ch == 'r') c.raw = true;
            else if (ch == 'b') c.bytes = true;
            else if (ch == 'f') c.fstr = true;
            else if (ch == 'u') c.u = true;
        }
        if (i == first && c.u) kind_u = true;
        char q = s[k];
        size_t ql = (tk->end - tk->start - k >= 6 && s[k + 1] == q && s[k + 2] == q) ? 3 : 1;
        c.body = tk->start + k + ql;
        c.body_end = tk->end - ql;
        int r;
        if (c.fstr) {
            size_t pos = c.body;
            r = fstring_body(&c, &j, &pos, c.body_end, 0, false, &kind_u);
        } else {
            r = decode(&c, &j.lit, p->src + c.body, c.body_end - c.body);
        }
        if (r < 0) {
            free(j.lit.b);
            if (!p->error) mv_parse_nomem(p);
            return NULL;
        }
    }
    mv_expr *e;
    if (!any_f) {
        Value v = any_bytes ? mv_bytes_new(j.lit.b ? j.lit.b : "", j.lit.len) : mv_str_new(j.lit.b ? j.lit.b : "", j.lit.len);
        free(j.lit.b);
        if (!v || mv_ast_arena_keep(p->a, v) < 0) return mv_parse_nomem(p);
        e = mv_new_expr(p, E_CONSTANT, c.span.lineno, c.span.col_offset);
        if (!e) return NULL;
        e->u.constant.value = v;
        if (kind_u) e->u.constant.kind = "u";
        return e;
    }
    int r = flush_lit(&c, &j, kind_u);
    free(j.lit.b);
    if (r < 0) return NULL;
    e = mv_new_expr(p, E_JOINEDSTR, c.span.lineno, c.span.col_offset);
    if (!e) return NULL;
    e->span = c.span;
    e->u.joinedstr.values = mv_vseq(p, j.mark);
    return e;
}
