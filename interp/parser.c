/* parser.c: tokens -> AST.  The entry point mv_parse (modes exec/eval/single), statements and
 * blocks, and the error machinery that reproduces CPython 3.11's SyntaxError messages and
 * positions.  Expressions live in parse_expr.c, literals in parse_string.c.
 */
#include "parser_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/code.h"
#include "../runtime/exc.h"

/* ---- scratch sequences ---- */

size_t mv_vmark(mv_parser *p) { return p->vs_len; }

bool mv_vpush(mv_parser *p, void *x) {
    if (p->vs_len == p->vs_cap) {
        size_t nc = p->vs_cap ? p->vs_cap * 2 : 256;
        void **nv = realloc(p->vs, nc * sizeof *nv);
        if (!nv) {
            mv_parse_nomem(p);
            return false;
        }
        p->vs = nv;
        p->vs_cap = nc;
    }
    p->vs[p->vs_len++] = x;
    return true;
}

mv_ast_seq mv_vseq(mv_parser *p, size_t mark) {
    mv_ast_seq s = {0, NULL};
    size_t n = p->vs_len - mark;
    if (n) {
        s.items = mv_ast_alloc(p->a, n * sizeof(void *));
        if (s.items) {
            memcpy(s.items, p->vs + mark, n * sizeof(void *));
            s.n = n;
        } else {
            mv_parse_nomem(p);
        }
    }
    p->vs_len = mark;
    return s;
}

mv_expr *mv_new_expr(mv_parser *p, mv_expr_kind kind, int lineno, int col) {
    mv_expr *e = mv_ast_alloc(p->a, sizeof *e);
    if (!e) return mv_parse_nomem(p);
    e->kind = kind;
    e->span.lineno = lineno;
    e->span.col_offset = col;
    mv_span_end(p, &e->span);
    return e;
}

/* A compound statement ends where the last statement of its last block ends. */
static void end_at_block(mv_stmt *s, mv_ast_seq body) {
    if (!body.n) return;
    mv_stmt *last = body.items[body.n - 1];
    s->span.end_lineno = last->span.end_lineno;
    s->span.end_col_offset = last->span.end_col_offset;
}

static mv_stmt *new_stmt(mv_parser *p, mv_stmt_kind kind, int lineno, int col) {
    mv_stmt *s = mv_ast_alloc(p->a, sizeof *s);
    if (!s) return mv_parse_nomem(p);
    s->kind = kind;
    s->span.lineno = lineno;
    s->span.col_offset = col;
    mv_span_end(p, &s->span);
    return s;
}

char *mv_tok_str(mv_parser *p, mv_token *tk) {
    char *s = mv_ast_strndup(p->a, p->src + tk->start, tk->end - tk->start);
    if (!s) mv_parse_nomem(p);
    return s;
}

/* ---- errors ---- */

/* The text of line `lineno` (1-based) and its length including the newline. */
static const char *line_text(mv_parser *p, int lineno, size_t *len) {
    mv_lexer *lx = p->main_lx;
    if (lineno < 1 || (size_t)lineno > lx->nlines) {
        *len = 0;
        return "";
    }
    size_t st = lx->line_starts[lineno - 1], e = st;
    while (e < p->len && p->src[e] != '\n') e++;
    if (e < p->len) e++;
    *len = e - st;
    return p->src + st;
}

static int char_offset(const char *line, size_t len, int col) {
    int n = 0;
    for (size_t i = 0; i < len && i < (size_t)col; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80) n++;
    if ((size_t)col > len) n += col - (int)len;
    return n;
}

static void raise_syntax(mv_parser *p, mv_type *type, const char *msg, int lineno, int col, int end_lineno,
                         int end_col, bool keep_nl) {
    size_t len;
    const char *line = line_text(p, lineno, &len);
    char *text = malloc(len + 1);
    if (!text) {
        mv_err_nomem(p->t);
        return;
    }
    memcpy(text, line, len);
    text[len] = 0;
    if (!keep_nl && len && text[len - 1] == '\n') text[len - 1] = 0;
    int off = col < 0 ? col : char_offset(line, len, col) + 1;
    int end_off = end_col == -2 ? 0 : end_col; /* -2: CPython reports end_offset 0 */
    if (end_col >= 0) {
        size_t elen;
        const char *eline = end_lineno == lineno ? line : line_text(p, end_lineno, &elen);
        if (end_lineno == lineno) elen = len;
        end_off = char_offset(eline, elen, end_col) + 1;
    }
    mv_err_syntax(p->t, type, msg, p->filename, lineno, off, text, end_lineno, end_off);
    free(text);
}

void *mv_parse_error_at(mv_parser *p, mv_type *type, int lineno, int col, int end_lineno, int end_col,
                        const char *fmt, ...) {
    if (p->error) return NULL;
    p->error = true;
    if (p->quiet) return NULL;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = 0;
    if (p->fstring && strncmp(fmt, "f-string", 8) != 0 && type == &mv_exc_SyntaxError) n = snprintf(msg, sizeof msg, "f-string: ");
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    mv_lexer *lx = p->main_lx;
    /* an error after a bracket that is never closed is reported as the bracket (CPython does so
       when the error comes after the bracket's line, or at the end of input) */
    if (lx->unclosed_char && (end_lineno > lx->unclosed_lineno || p_peek(p)->type == TK_ENDMARKER) && !p->fstring) {
        snprintf(msg, sizeof msg, "'%c' was never closed", lx->unclosed_char);
        raise_syntax(p, &mv_exc_SyntaxError, msg, lx->unclosed_lineno, lx->unclosed_col, lx->unclosed_lineno, -2, true);
        return NULL;
    }
    if (p->fstring && p->fstr_text) {
        /* CPython parses a replacement field as "(expr)" on its own: positions are relative */
        int l = lineno - p->fstr_line + 1, c = (lineno == p->fstr_line ? col - p->fstr_col : col) + 1;
        int el = end_lineno - p->fstr_line + 1;
        int ec = end_col < 0 ? end_col : (end_lineno == p->fstr_line ? end_col - p->fstr_col : end_col) + 1;
        mv_err_syntax(p->t, type, msg, p->filename, l, c + 1, p->fstr_text, el, ec < 0 ? ec : ec + 1);
        return NULL;
    }
    raise_syntax(p, type, msg, lineno, col, end_lineno, end_col, true);
    return NULL;
}

void *mv_parse_error_tok(mv_parser *p, mv_token *tk, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mv_parse_error_at(p, &mv_exc_SyntaxError, tk->lineno, tk->col, tk->end_lineno, tk->end_col, "%s", msg);
}

void *mv_parse_error_node(mv_parser *p, mv_span sp, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mv_parse_error_at(p, &mv_exc_SyntaxError, sp.lineno, sp.col_offset, sp.end_lineno, sp.end_col_offset, "%s", msg);
}

void *mv_parse_invalid(mv_parser *p) {
    if (p->error) return NULL;
    mv_token *tk = &p->toks[p->furthest];
    if (tk->type == TK_INDENT)
        return mv_parse_error_at(p, &mv_exc_IndentationError, tk->lineno, tk->col - 1, tk->lineno, -1, "unexpected indent");
    if (tk->type == TK_DEDENT)
        return mv_parse_error_at(p, &mv_exc_IndentationError, tk->lineno, tk->col - 1, tk->lineno, -1, "unexpected unindent");
    if (tk->type == TK_ENDMARKER && !p->fstring && !p->main_lx->unclosed_char)
        return mv_parse_error_at(p, &mv_exc_SyntaxError, tk->lineno, tk->col, tk->lineno, tk->col,
                                 "unexpected EOF while parsing");
    return mv_parse_error_tok(p, tk, "invalid syntax");
}

void *mv_parse_nomem(mv_parser *p) {
    if (!p->error || p->quiet) {
        p->quiet = 0;
        p->error = true;
        mv_err_nomem(p->t);
    }
    return NULL;
}

/* ---- blocks ---- */

static mv_stmt *statement(mv_parser *p, size_t mark);
static int statements_into(mv_parser *p, size_t mark);

static bool expect_forced(mv_parser *p, int type, const char *what) {
    if (p_accept(p, type)) return true;
    mv_parse_error_tok(p, p_peek(p), "expected '%s'", what);
    return false;
}

/* block: NEWLINE INDENT statements DEDENT | simple_stmts.  `what` names the owner for the
   "expected an indented block after ..." message. */
static int block(mv_parser *p, mv_ast_seq *out, const char *what, int lineno) {
    size_t m = mv_vmark(p);
    if (p_accept(p, TK_NEWLINE)) {
        if (p_type(p) != TK_INDENT) {
            mv_token *tk = p_peek(p);
            char msg[160];
            snprintf(msg, sizeof msg, "expected an indented block after %s on line %d", what, lineno);
            mv_parse_error_at(p, &mv_exc_IndentationError, tk->lineno, tk->col, tk->end_lineno, tk->end_col, "%s", msg);
            return -1;
        }
        p_next(p);
        if (statements_into(p, m) < 0) return -1;
        if (!p_accept(p, TK_DEDENT)) {
            mv_parse_invalid(p);
            return -1;
        }
    } else {
        if (!statement(p, m)) return -1;
    }
    *out = mv_vseq(p, m);
    return p->error ? -1 : 0;
}

int mv_parse_block(mv_parser *p, mv_ast_seq *out, const char *what, int lineno) {
    return block(p, out, what, lineno);
}

/* ---- simple statements ---- */

static bool is_augassign(int tt) { return tt >= TK_PLUSEQUAL && tt <= TK_ATEQUAL; }

static mv_operator augassign_op(int tt) {
    static const mv_operator ops[] = {OP_ADD, OP_SUB, OP_MULT, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
                                      OP_LSHIFT, OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR, OP_MATMULT};
    return ops[tt - TK_PLUSEQUAL];
}

static mv_expr *yield_or_star_exprs(mv_parser *p) {
    if (p_type(p) == TK_YIELD) return mv_parse_yield_expr(p);
    return mv_parse_star_expressions(p);
}

/* Is e an expression that CPython's invalid_named_expression rule would match (a bitwise_or
   that is not a display, genexp, True/False/None)? */
static bool maybe_eq_target(mv_expr *e) {
    switch (e->kind) {
    case E_TUPLE: case E_LIST: case E_GENEXP: case E_COMPARE: case E_BOOLOP: case E_IFEXP:
    case E_LAMBDA: case E_NAMEDEXPR: case E_YIELD: case E_YIELDFROM: case E_STARRED:
        return false;
    case E_UNARYOP: return e->u.unaryop.op != UOP_NOT;
    case E_CONSTANT: {
        Value v = e->u.constant.value;
        return v != MV_TRUE && v != MV_FALSE && v != MV_NONE;
    }
    default: return true;
    }
}

static bool single_target_ok(mv_expr *e) {
    return e->kind == E_NAME || e->kind == E_ATTRIBUTE || e->kind == E_SUBSCRIPT;
}

static bool starts_expr(int tt) {
    switch (tt) {
    case TK_NAME: case TK_NUMBER: case TK_STRING: case TK_LPAR: case TK_LSQB: case TK_LBRACE:
    case TK_MINUS: case TK_PLUS: case TK_TILDE: case TK_NOT: case TK_LAMBDA: case TK_AWAIT:
    case TK_TRUE: case TK_FALSE: case TK_NONE: case TK_ELLIPSIS:
        return true;
    default: return false;
    }
}

static mv_stmt *expr_stmt(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_expr *e = yield_or_star_exprs(p);
    if (!e) return NULL;
    int tt = p_type(p);
    if (tt == TK_COLON) {
        /* annotated assignment */
        if (e->kind == E_TUPLE || e->kind == E_LIST)
            return mv_parse_error_node(p, e->span, "only single target (not %s) can be annotated",
                                       e->kind == E_TUPLE ? "tuple" : "list");
        if (!single_target_ok(e)) return mv_parse_error_node(p, e->span, "illegal target for annotation");
        p_next(p);
        mv_expr *ann = mv_parse_expression(p);
        if (!ann) return NULL;
        mv_expr *val = NULL;
        if (p_accept(p, TK_EQUAL)) {
            val = yield_or_star_exprs(p);
            if (!val) return NULL;
        }
        if (mv_set_context(p, e, CTX_STORE, false) < 0) return NULL;
        mv_stmt *s = new_stmt(p, S_ANNASSIGN, st->lineno, st->col);
        if (!s) return NULL;
        s->u.annassign.target = e;
        s->u.annassign.annotation = ann;
        s->u.annassign.value = val;
        s->u.annassign.simple = e->kind == E_NAME && st->type != TK_LPAR;
        return s;
    }
    if (is_augassign(tt)) {
        if (!single_target_ok(e))
            return mv_parse_error_node(p, e->span, "'%s' is an illegal expression for augmented assignment", mv_expr_name(e));
        p_next(p);
        mv_expr *val = yield_or_star_exprs(p);
        if (!val) return NULL;
        if (mv_set_context(p, e, CTX_STORE, false) < 0) return NULL;
        mv_stmt *s = new_stmt(p, S_AUGASSIGN, st->lineno, st->col);
        if (!s) return NULL;
        s->u.augassign.target = e;
        s->u.augassign.op = augassign_op(tt);
        s->u.augassign.value = val;
        return s;
    }
    if (tt == TK_EQUAL) {
        size_t m = mv_vmark(p);
        mv_vpush(p, e);
        while (p_accept(p, TK_EQUAL)) {
            mv_expr *x = yield_or_star_exprs(p);
            if (!x) return NULL;
            mv_vpush(p, x);
        }
        size_t n = p->vs_len - m;
        mv_expr *value = p->vs[p->vs_len - 1];
        p->vs_len--;
        for (size_t i = m; i < p->vs_len; i++) {
            mv_expr *tg = p->vs[i];
            if (tg->kind == E_YIELD || tg->kind == E_YIELDFROM)
                return mv_parse_error_node(p, tg->span, "assignment to yield expression not possible");
            bool maybe_eq = n == 2 && maybe_eq_target(tg) && (tg->kind != E_NAME && tg->kind != E_ATTRIBUTE && tg->kind != E_SUBSCRIPT);
            if (mv_set_context(p, tg, CTX_STORE, maybe_eq) < 0) return NULL;
        }
        mv_stmt *s = new_stmt(p, S_ASSIGN, st->lineno, st->col);
        if (!s) return NULL;
        s->u.assign.targets = mv_vseq(p, m);
        s->u.assign.value = value;
        return s;
    }
    if (e->kind == E_NAME && starts_expr(tt) && tt != TK_LPAR &&
        (strcmp(e->u.name.id, "print") == 0 || strcmp(e->u.name.id, "exec") == 0)) {
        /* Python 2 style print statement */
        mv_expr *arg = mv_parse_star_expressions(p);
        if (!arg) return NULL;
        mv_span sp = {e->span.lineno, e->span.col_offset, arg->span.end_lineno, arg->span.end_col_offset};
        return mv_parse_error_node(p, sp, "Missing parentheses in call to '%s'. Did you mean %s(...)?",
                                   e->u.name.id, e->u.name.id);
    }
    mv_stmt *s = new_stmt(p, S_EXPR, st->lineno, st->col);
    if (!s) return NULL;
    s->u.expr.value = e;
    return s;
}

static const char *dotted_name(mv_parser *p) {
    mv_token *first = p_peek(p);
    if (first->type != TK_NAME) return mv_parse_invalid(p);
    p_next(p);
    mv_token *last = first;
    bool spaced = false;
    while (p_type(p) == TK_DOT) {
        p_next(p);
        if (p_type(p) != TK_NAME) return mv_parse_invalid(p);
        last = p_next(p);
        if (last->start != p->toks[p->pos - 2].end || p->toks[p->pos - 2].start != p->toks[p->pos - 3].end) spaced = true;
    }
    if (!spaced && first->lineno == last->end_lineno) return mv_ast_strndup(p->a, p->src + first->start, last->end - first->start);
    /* rebuild "a.b.c" without the whitespace */
    size_t n = 0;
    for (mv_token *t = first; t <= last; t++) n += t->end - t->start;
    char *s = mv_ast_alloc(p->a, n + 1);
    if (!s) return mv_parse_nomem(p);
    size_t k = 0;
    for (mv_token *t = first; t <= last; t++) {
        memcpy(s + k, p->src + t->start, t->end - t->start);
        k += t->end - t->start;
    }
    s[k] = 0;
    return s;
}

static mv_alias *alias_(mv_parser *p, bool dotted) {
    mv_token *st = p_peek(p);
    mv_alias *a = mv_ast_alloc(p->a, sizeof *a);
    if (!a) return mv_parse_nomem(p);
    if (dotted) {
        a->name = dotted_name(p);
        if (!a->name) return NULL;
    } else {
        if (st->type != TK_NAME) return mv_parse_invalid(p);
        a->name = mv_tok_str(p, p_next(p));
    }
    if (p_accept(p, TK_AS)) {
        if (p_type(p) != TK_NAME) return mv_parse_invalid(p);
        a->asname = mv_tok_str(p, p_next(p));
    }
    a->span = (mv_span){st->lineno, st->col, 0, 0};
    mv_span_end(p, &a->span);
    return a;
}

static mv_stmt *import_stmt(mv_parser *p) {
    mv_token *st = p_next(p);
    size_t m = mv_vmark(p);
    do {
        mv_alias *a = alias_(p, true);
        if (!a) return NULL;
        mv_vpush(p, a);
    } while (p_accept(p, TK_COMMA));
    mv_stmt *s = new_stmt(p, S_IMPORT, st->lineno, st->col);
    if (!s) return NULL;
    s->u.import.names = mv_vseq(p, m);
    return s;
}

static mv_stmt *from_stmt(mv_parser *p) {
    mv_token *st = p_next(p);
    int level = 0;
    for (;;) {
        if (p_accept(p, TK_DOT)) level++;
        else if (p_accept(p, TK_ELLIPSIS)) level += 3;
        else break;
    }
    const char *module = NULL;
    if (p_type(p) != TK_IMPORT || level == 0) {
        module = dotted_name(p);
        if (!module) return NULL;
    }
    if (!p_accept(p, TK_IMPORT)) return mv_parse_invalid(p);
    size_t m = mv_vmark(p);
    mv_token *star = p_peek(p);
    if (p_accept(p, TK_STAR)) {
        mv_alias *a = mv_ast_alloc(p->a, sizeof *a);
        if (!a) return mv_parse_nomem(p);
        a->name = "*";
        a->span = (mv_span){star->lineno, star->col, star->end_lineno, star->end_col};
        mv_vpush(p, a);
    } else {
        bool paren = p_accept(p, TK_LPAR);
        do {
            if (paren && p_type(p) == TK_RPAR && p->vs_len > m) break;
            if (!paren && p_type(p) == TK_NEWLINE && p->vs_len > m) {
                mv_token *nl = p_peek(p);
                return mv_parse_error_at(p, &mv_exc_SyntaxError, nl->lineno, nl->col, nl->lineno, nl->col,
                                         "trailing comma not allowed without surrounding parentheses");
            }
            mv_alias *a = alias_(p, false);
            if (!a) return NULL;
            mv_vpush(p, a);
        } while (p_accept(p, TK_COMMA));
        if (paren && !p_accept(p, TK_RPAR)) return mv_parse_invalid(p);
    }
    mv_stmt *s = new_stmt(p, S_IMPORTFROM, st->lineno, st->col);
    if (!s) return NULL;
    s->u.importfrom.module = module;
    s->u.importfrom.names = mv_vseq(p, m);
    s->u.importfrom.level = level;
    return s;
}

static mv_stmt *simple_stmt(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_stmt *s;
    switch (st->type) {
    case TK_PASS: p_next(p); return new_stmt(p, S_PASS, st->lineno, st->col);
    case TK_BREAK: p_next(p); return new_stmt(p, S_BREAK, st->lineno, st->col);
    case TK_CONTINUE: p_next(p); return new_stmt(p, S_CONTINUE, st->lineno, st->col);
    case TK_RETURN: {
        p_next(p);
        mv_expr *v = NULL;
        if (p_type(p) != TK_NEWLINE && p_type(p) != TK_SEMI) {
            v = mv_parse_star_expressions(p);
            if (!v) return NULL;
        }
        s = new_stmt(p, S_RETURN, st->lineno, st->col);
        if (s) s->u.ret.value = v;
        return s;
    }
    case TK_RAISE: {
        p_next(p);
        mv_expr *exc = NULL, *cause = NULL;
        if (p_type(p) != TK_NEWLINE && p_type(p) != TK_SEMI) {
            exc = mv_parse_expression(p);
            if (!exc) return NULL;
            if (p_accept(p, TK_FROM)) {
                cause = mv_parse_expression(p);
                if (!cause) return NULL;
            }
        }
        s = new_stmt(p, S_RAISE, st->lineno, st->col);
        if (s) {
            s->u.raise.exc = exc;
            s->u.raise.cause = cause;
        }
        return s;
    }
    case TK_GLOBAL: case TK_NONLOCAL: {
        p_next(p);
        size_t m = mv_vmark(p);
        do {
            if (p_type(p) != TK_NAME) return mv_parse_invalid(p);
            mv_vpush(p, mv_tok_str(p, p_next(p)));
        } while (p_accept(p, TK_COMMA));
        s = new_stmt(p, st->type == TK_GLOBAL ? S_GLOBAL : S_NONLOCAL, st->lineno, st->col);
        if (s) s->u.global.names = mv_vseq(p, m);
        return s;
    }
    case TK_DEL: {
        p_next(p);
        mv_expr *tg = mv_parse_del_targets(p);
        if (!tg) return NULL;
        s = new_stmt(p, S_DELETE, st->lineno, st->col);
        if (!s) return NULL;
        mv_expr *f0 = tg->kind == E_TUPLE && tg->u.tuple.elts.n ? tg->u.tuple.elts.items[0] : NULL;
        if (f0 && f0->span.lineno == tg->span.lineno && f0->span.col_offset == tg->span.col_offset) {
            /* del a, b: the targets themselves, not a tuple */
            s->u.del.targets = tg->u.tuple.elts;
        } else {
            mv_expr **one = mv_ast_alloc(p->a, sizeof *one);
            if (!one) return mv_parse_nomem(p);
            one[0] = tg;
            s->u.del.targets = (mv_ast_seq){1, (void **)one};
        }
        return s;
    }
    case TK_ASSERT: {
        p_next(p);
        mv_expr *test = mv_parse_expression(p), *msg = NULL;
        if (!test) return NULL;
        if (p_accept(p, TK_COMMA)) {
            msg = mv_parse_expression(p);
            if (!msg) return NULL;
        }
        s = new_stmt(p, S_ASSERT, st->lineno, st->col);
        if (s) {
            s->u.assert_.test = test;
            s->u.assert_.msg = msg;
        }
        return s;
    }
    case TK_IMPORT: return import_stmt(p);
    case TK_FROM: return from_stmt(p);
    case TK_INDENT:
        return mv_parse_error_at(p, &mv_exc_IndentationError, st->lineno, st->col - 1, st->lineno, -1, "unexpected indent");
    default:
        return expr_stmt(p);
    }
}

/* simple_stmts: simple_stmt (';' simple_stmt)* [';'] NEWLINE, pushed onto the scratch stack */
static mv_stmt *simple_stmts(mv_parser *p) {
    mv_stmt *last = NULL;
    for (;;) {
        last = simple_stmt(p);
        if (!last) return NULL;
        mv_vpush(p, last);
        if (!p_accept(p, TK_SEMI)) break;
        if (p_type(p) == TK_NEWLINE) break;
    }
    if (!p_accept(p, TK_NEWLINE)) return mv_parse_invalid(p);
    return last;
}

/* ---- compound statements ---- */

/* `if x = 1:` and friends: CPython's hints for '=' where a condition was expected. */
static void *eq_in_condition(mv_parser *p, mv_expr *test) {
    p_next(p); /* '=' */
    p->quiet++;
    mv_expr *rhs = mv_parse_bitwise_or(p);
    p->quiet--;
    p->error = false;
    if (test->kind == E_NAME && rhs) {
        mv_span sp = {test->span.lineno, test->span.col_offset, rhs->span.end_lineno, rhs->span.end_col_offset};
        return mv_parse_error_node(p, sp, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
    }
    return mv_parse_error_node(p, test->span, "cannot assign to %s here. Maybe you meant '==' instead of '='?",
                               mv_expr_name(test));
}

static mv_stmt *if_stmt(mv_parser *p, bool elif) {
    mv_token *st = p_next(p);
    mv_expr *test = mv_parse_named_expression(p);
    if (!test) return NULL;
    if (p_type(p) == TK_EQUAL) return eq_in_condition(p, test);
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body, orelse = {0, NULL};
    if (block(p, &body, elif ? "'elif' statement" : "'if' statement", st->lineno) < 0) return NULL;
    if (p_type(p) == TK_ELIF) {
        mv_stmt *e = if_stmt(p, true);
        if (!e) return NULL;
        mv_stmt **one = mv_ast_alloc(p->a, sizeof *one);
        if (!one) return mv_parse_nomem(p);
        one[0] = e;
        orelse = (mv_ast_seq){1, (void **)one};
    } else if (p_type(p) == TK_ELSE) {
        mv_token *el = p_next(p);
        if (!expect_forced(p, TK_COLON, ":")) return NULL;
        if (block(p, &orelse, "'else' statement", el->lineno) < 0) return NULL;
    }
    mv_stmt *s = new_stmt(p, S_IF, st->lineno, st->col);
    if (!s) return NULL;
    s->u.if_.test = test;
    s->u.if_.body = body;
    s->u.if_.orelse = orelse;
    end_at_block(s, orelse.n ? orelse : body);
    return s;
}

static int else_block(mv_parser *p, mv_ast_seq *orelse) {
    if (p_type(p) != TK_ELSE) return 0;
    mv_token *el = p_next(p);
    if (!expect_forced(p, TK_COLON, ":")) return -1;
    return block(p, orelse, "'else' statement", el->lineno);
}

static mv_stmt *while_stmt(mv_parser *p) {
    mv_token *st = p_next(p);
    mv_expr *test = mv_parse_named_expression(p);
    if (!test) return NULL;
    if (p_type(p) == TK_EQUAL) return eq_in_condition(p, test);
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body, orelse = {0, NULL};
    if (block(p, &body, "'while' statement", st->lineno) < 0) return NULL;
    if (else_block(p, &orelse) < 0) return NULL;
    mv_stmt *s = new_stmt(p, S_WHILE, st->lineno, st->col);
    if (!s) return NULL;
    s->u.while_.test = test;
    s->u.while_.body = body;
    s->u.while_.orelse = orelse;
    end_at_block(s, orelse.n ? orelse : body);
    return s;
}

static mv_stmt *for_stmt(mv_parser *p, mv_token *st, bool is_async) {
    mv_token *kw = p_next(p); /* 'for' */
    mv_expr *target = mv_parse_star_targets(p);
    if (!target) return NULL;
    if (!p_accept(p, TK_IN)) return mv_parse_invalid(p);
    mv_expr *iter = mv_parse_star_expressions(p);
    if (!iter) return NULL;
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body, orelse = {0, NULL};
    if (block(p, &body, "'for' statement", kw->lineno) < 0) return NULL;
    if (else_block(p, &orelse) < 0) return NULL;
    mv_stmt *s = new_stmt(p, is_async ? S_ASYNCFOR : S_FOR, st->lineno, st->col);
    if (!s) return NULL;
    s->u.for_.target = target;
    s->u.for_.iter = iter;
    s->u.for_.body = body;
    s->u.for_.orelse = orelse;
    end_at_block(s, orelse.n ? orelse : body);
    return s;
}

static mv_withitem *with_item(mv_parser *p) {
    mv_withitem *w = mv_ast_alloc(p->a, sizeof *w);
    if (!w) return mv_parse_nomem(p);
    w->context_expr = mv_parse_expression(p);
    if (!w->context_expr) return NULL;
    if (p_accept(p, TK_AS)) {
        w->optional_vars = mv_parse_star_target(p);
        if (!w->optional_vars) return NULL;
    }
    return w;
}

static mv_stmt *with_stmt(mv_parser *p, mv_token *st, bool is_async) {
    mv_token *kw = p_next(p); /* 'with' */
    size_t m = mv_vmark(p);
    bool done = false;
    if (p_type(p) == TK_LPAR) {
        /* parenthesized with items: try it, fall back to an expression if it is not one */
        size_t save = p->pos;
        p_next(p);
        bool ok = true;
        do {
            if (p_type(p) == TK_RPAR) break;
            size_t q = p->pos;
            (void)q;
            mv_withitem *w = mv_ast_alloc(p->a, sizeof *w);
            if (!w) return mv_parse_nomem(p);
            /* a speculative parse: errors are not raised while we decide */
            w->context_expr = mv_parse_expression(p);
            if (!w->context_expr) return NULL;
            if (p_accept(p, TK_AS)) {
                mv_token *tst = p_peek(p);
                (void)tst;
                w->optional_vars = mv_parse_star_target(p);
                if (!w->optional_vars) return NULL;
            }
            mv_vpush(p, w);
        } while (p_accept(p, TK_COMMA));
        if (ok && p_type(p) == TK_RPAR && p_type2(p) == TK_COLON) {
            p_next(p);
            done = true;
        } else {
            p->vs_len = m;
            p->pos = save;
        }
    }
    if (!done) {
        do {
            mv_withitem *w = with_item(p);
            if (!w) return NULL;
            mv_vpush(p, w);
        } while (p_accept(p, TK_COMMA));
    }
    mv_ast_seq items = mv_vseq(p, m);
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body;
    if (block(p, &body, "'with' statement", kw->lineno) < 0) return NULL;
    mv_stmt *s = new_stmt(p, is_async ? S_ASYNCWITH : S_WITH, st->lineno, st->col);
    if (!s) return NULL;
    s->u.with.items = items;
    s->u.with.body = body;
    end_at_block(s, body);
    return s;
}

static mv_stmt *try_stmt(mv_parser *p) {
    mv_token *st = p_next(p);
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body, orelse = {0, NULL}, finalbody = {0, NULL};
    if (block(p, &body, "'try' statement", st->lineno) < 0) return NULL;
    size_t m = mv_vmark(p);
    while (p_type(p) == TK_EXCEPT) {
        mv_token *ex = p_next(p);
        mv_excepthandler *h = mv_ast_alloc(p->a, sizeof *h);
        if (!h) return mv_parse_nomem(p);
        if (p_type(p) == TK_STAR) return mv_parse_error_tok(p, p_peek(p), "except* is not supported by minivm");
        if (p_type(p) != TK_COLON) {
            h->type = mv_parse_expression(p);
            if (!h->type) return NULL;
            if (p_type(p) == TK_COMMA) {
                /* except A, B: -> CPython requires parentheses */
                while (p_accept(p, TK_COMMA))
                    if (!mv_parse_expression(p)) return NULL;
                mv_span sp = h->type->span;
                mv_span_end(p, &sp);
                return mv_parse_error_node(p, sp, "multiple exception types must be parenthesized");
            }
            if (p_accept(p, TK_AS)) {
                if (p_type(p) != TK_NAME) return mv_parse_invalid(p);
                h->name = mv_tok_str(p, p_next(p));
            }
        }
        if (!expect_forced(p, TK_COLON, ":")) return NULL;
        if (block(p, &h->body, "'except' statement", ex->lineno) < 0) return NULL;
        h->span = (mv_span){ex->lineno, ex->col, 0, 0};
        if (h->body.n) {
            mv_stmt *lst = h->body.items[h->body.n - 1];
            h->span.end_lineno = lst->span.end_lineno;
            h->span.end_col_offset = lst->span.end_col_offset;
        }
        mv_vpush(p, h);
    }
    mv_ast_seq handlers = mv_vseq(p, m);
    if (handlers.n && else_block(p, &orelse) < 0) return NULL;
    if (p_type(p) == TK_FINALLY) {
        mv_token *fi = p_next(p);
        if (!expect_forced(p, TK_COLON, ":")) return NULL;
        if (block(p, &finalbody, "'finally' statement", fi->lineno) < 0) return NULL;
    }
    if (!handlers.n && !finalbody.n) {
        size_t i = p->pos;
        while (i > 0 && p->toks[i].type != TK_NEWLINE) i--;
        mv_token *tk = &p->toks[i];
        return mv_parse_error_at(p, &mv_exc_SyntaxError, tk->lineno, tk->col, tk->lineno, -1,
                                 "expected 'except' or 'finally' block");
    }
    mv_stmt *s = new_stmt(p, S_TRY, st->lineno, st->col);
    if (!s) return NULL;
    s->u.try_.body = body;
    s->u.try_.handlers = handlers;
    s->u.try_.orelse = orelse;
    s->u.try_.finalbody = finalbody;
    if (finalbody.n) end_at_block(s, finalbody);
    else if (orelse.n) end_at_block(s, orelse);
    else {
        mv_excepthandler *h = handlers.items[handlers.n - 1];
        s->span.end_lineno = h->span.end_lineno;
        s->span.end_col_offset = h->span.end_col_offset;
    }
    return s;
}

static mv_stmt *funcdef(mv_parser *p, mv_token *st, bool is_async, mv_ast_seq decos) {
    mv_token *kw = p_next(p); /* 'def' */
    mv_token *nm = p_peek(p);
    if (nm->type != TK_NAME) return mv_parse_invalid(p);
    p_next(p);
    if (!expect_forced(p, TK_LPAR, "(")) return NULL;
    mv_arguments *args = mv_parse_params(p, false, TK_RPAR);
    if (!args) return NULL;
    if (!p_accept(p, TK_RPAR)) return mv_parse_invalid(p);
    mv_expr *returns = NULL;
    if (p_accept(p, TK_RARROW)) {
        returns = mv_parse_expression(p);
        if (!returns) return NULL;
    }
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body;
    if (block(p, &body, "function definition", kw->lineno) < 0) return NULL;
    mv_stmt *s = new_stmt(p, is_async ? S_ASYNCFUNCTIONDEF : S_FUNCTIONDEF, st->lineno, st->col);
    if (!s) return NULL;
    s->u.funcdef.name = mv_tok_str(p, nm);
    s->u.funcdef.args = args;
    s->u.funcdef.body = body;
    s->u.funcdef.decorator_list = decos;
    s->u.funcdef.returns = returns;
    end_at_block(s, body);
    return s;
}

static mv_stmt *classdef(mv_parser *p, mv_token *st, mv_ast_seq decos) {
    mv_token *kw = p_next(p); /* 'class' */
    mv_token *nm = p_peek(p);
    if (nm->type != TK_NAME) return mv_parse_invalid(p);
    p_next(p);
    mv_expr call;
    memset(&call, 0, sizeof call);
    mv_token *open = p_peek(p);
    if (p_accept(p, TK_LPAR)) {
        if (mv_parse_call_args(p, &call, open) < 0) return NULL;
    }
    if (!expect_forced(p, TK_COLON, ":")) return NULL;
    mv_ast_seq body;
    if (block(p, &body, "class definition", kw->lineno) < 0) return NULL;
    mv_stmt *s = new_stmt(p, S_CLASSDEF, st->lineno, st->col);
    if (!s) return NULL;
    s->u.classdef.name = mv_tok_str(p, nm);
    s->u.classdef.bases = call.u.call.args;
    s->u.classdef.keywords = call.u.call.keywords;
    s->u.classdef.body = body;
    s->u.classdef.decorator_list = decos;
    end_at_block(s, body);
    return s;
}

static mv_stmt *compound_or_simple(mv_parser *p) {
    mv_token *st = p_peek(p);
    switch (st->type) {
    case TK_IF: return if_stmt(p, false);
    case TK_WHILE: return while_stmt(p);
    case TK_FOR: return for_stmt(p, st, false);
    case TK_WITH: return with_stmt(p, st, false);
    case TK_TRY: return try_stmt(p);
    case TK_DEF: return funcdef(p, st, false, (mv_ast_seq){0, NULL});
    case TK_CLASS: return classdef(p, st, (mv_ast_seq){0, NULL});
    case TK_ASYNC: {
        int nt = p_type2(p);
        if (nt == TK_DEF) { p_next(p); return funcdef(p, st, true, (mv_ast_seq){0, NULL}); }
        if (nt == TK_FOR) { p_next(p); return for_stmt(p, st, true); }
        if (nt == TK_WITH) { p_next(p); return with_stmt(p, st, true); }
        p_next(p);
        return mv_parse_invalid(p);
    }
    case TK_AT: {
        size_t m = mv_vmark(p);
        while (p_accept(p, TK_AT)) {
            mv_expr *d = mv_parse_named_expression(p);
            if (!d) return NULL;
            mv_vpush(p, d);
            if (!p_accept(p, TK_NEWLINE)) return mv_parse_invalid(p);
        }
        mv_ast_seq decos = mv_vseq(p, m);
        mv_token *d = p_peek(p);
        if (d->type == TK_DEF) return funcdef(p, d, false, decos);
        if (d->type == TK_CLASS) return classdef(p, d, decos);
        if (d->type == TK_ASYNC && p_type2(p) == TK_DEF) {
            p_next(p);
            return funcdef(p, d, true, decos);
        }
        return mv_parse_invalid(p);
    }
    default:
        return NULL; /* not compound */
    }
}

/* One statement (compound, or a line of simple statements), pushed onto the scratch stack. */
static mv_stmt *statement(mv_parser *p, size_t mark) {
    (void)mark;
    int tt = p_type(p);
    if (tt == TK_IF || tt == TK_WHILE || tt == TK_FOR || tt == TK_WITH || tt == TK_TRY || tt == TK_DEF ||
        tt == TK_CLASS || tt == TK_AT || (tt == TK_ASYNC && (p_type2(p) == TK_DEF || p_type2(p) == TK_FOR || p_type2(p) == TK_WITH))) {
        if (p->depth > MV_PARSE_MAX_DEPTH) return mv_parse_invalid(p);
        p->depth++;
        mv_stmt *s = compound_or_simple(p);
        p->depth--;
        if (!s) return NULL;
        mv_vpush(p, s);
        return s;
    }
    if (tt == TK_NAME) { /* `match` is a soft keyword (parse_match.c) */
        mv_stmt *ms;
        if (mv_parse_try_match(p, &ms)) {
            if (ms) mv_vpush(p, ms);
            return ms;
        }
    }
    return simple_stmts(p);
}

static int statements_into(mv_parser *p, size_t mark) {
    do {
        if (!statement(p, mark)) return -1;
    } while (p_type(p) != TK_DEDENT && p_type(p) != TK_ENDMARKER);
    return 0;
}

/* ---- entry point ---- */

static mv_module_ast *parse_tokens(mv_parser *p, int mode) {
    mv_module_ast *m = mv_ast_alloc(p->a, sizeof *m);
    if (!m) return mv_parse_nomem(p);
    size_t mark = mv_vmark(p);
    if (mode == MV_COMPILE_EVAL) {
        while (p_type(p) == TK_INDENT || p_type(p) == TK_NEWLINE) p_next(p);
        mv_token *st = p_peek(p);
        mv_expr *e = mv_parse_star_expressions(p);
        if (!e) return NULL;
        while (p_type(p) == TK_NEWLINE || p_type(p) == TK_DEDENT) p_next(p);
        if (p_type(p) != TK_ENDMARKER) return mv_parse_invalid(p);
        mv_stmt *s = new_stmt(p, S_EXPR, st->lineno, st->col);
        if (!s) return NULL;
        s->span = e->span;
        s->u.expr.value = e;
        mv_vpush(p, s);
    } else if (mode == MV_COMPILE_SINGLE) {
        while (p_type(p) == TK_NEWLINE) p_next(p);
        if (p_type(p) != TK_ENDMARKER) {
            mv_stmt *s = statement(p, mark);
            if (!s) return NULL;
            while (p_type(p) == TK_NEWLINE || p_type(p) == TK_DEDENT) p_next(p);
            if (p_type(p) != TK_ENDMARKER) {
                mv_token *tk = p_peek(p);
                /* as CPython: a compound statement must be followed by the empty line (REPL) */
                if ((s->kind >= S_FUNCTIONDEF && s->kind <= S_CLASSDEF) || (s->kind >= S_FOR && s->kind <= S_ASYNCWITH) ||
                    s->kind == S_TRY)
                    return mv_parse_error_tok(p, tk, "invalid syntax");
                return mv_parse_error_tok(p, tk, "multiple statements found while compiling a single statement");
            }
        }
    } else {
        while (p_type(p) != TK_ENDMARKER) {
            if (!statement(p, mark)) return NULL;
        }
    }
    m->body = mv_vseq(p, mark);
    if (p->error) return NULL;
    return m;
}

/* Check the source: no NUL bytes, valid UTF-8.  Returns 0 or raises. */
static int check_source(mv_thread *t, const char *src, size_t len, const char *filename) {
    if (memchr(src, 0, len)) {
        mv_err_syntax(t, &mv_exc_SyntaxError, "source code cannot contain null bytes", filename, -1, -1, NULL, -1, -1);
        return -1;
    }
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) { i++; continue; }
        uint32_t cp;
        int n = mv_utf8_decode(s + i, len - i, &cp);
        if (cp == 0xFFFD && n == 1) {
            int lineno = 1;
            for (size_t k = 0; k < i; k++) lineno += s[k] == '\n';
            char msg[160];
            snprintf(msg, sizeof msg, "(unicode error) 'utf-8' codec can't decode byte 0x%02x in position %zu: %s",
                     s[i], i, (s[i] >= 0x80 && s[i] < 0xC2) || s[i] > 0xF4 ? "invalid start byte" : "invalid continuation byte");
            mv_err_syntax(t, &mv_exc_SyntaxError, msg, filename, lineno, -1, NULL, -1, -1);
            return -1;
        }
        i += (size_t)n;
    }
    return 0;
}

mv_module_ast *mv_parse(mv_thread *t, mv_ast_arena *arena, const char *src, size_t len, const char *filename,
                        int mode) {
    if (!filename) filename = "<string>";
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    if (check_source(t, src, len, filename) < 0) return NULL;
    /* normalize \r\n and \r to \n: every later stage sees only \n */
    char *norm = NULL;
    if (memchr(src, '\r', len)) {
        norm = malloc(len + 1);
        if (!norm) {
            mv_err_nomem(t);
            return NULL;
        }
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            if (src[i] == '\r') {
                norm[k++] = '\n';
                if (i + 1 < len && src[i + 1] == '\n') i++;
            } else {
                norm[k++] = src[i];
            }
        }
        norm[k] = 0;
        src = norm;
        len = k;
    }
    mv_lexer lx;
    memset(&lx, 0, sizeof lx);
    mv_parser p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.a = arena;
    p.lx = p.main_lx = &lx;
    p.src = src;
    p.len = len;
    p.filename = filename;
    mv_module_ast *m = NULL;
    if (mv_lex(&lx, src, 0, len, 1, 0, false) < 0) {
        if (lx.err_type) {
            int end_col = lx.err_end_col;
            size_t ll;
            const char *line = line_text(&p, lx.err_lineno, &ll);
            (void)line;
            p.error = true;
            if (lx.err_type == &mv_exc_TabError) {
                raise_syntax(&p, lx.err_type, lx.err_msg, lx.err_lineno, 0, lx.err_lineno, -1, true);
            } else {
                raise_syntax(&p, lx.err_type, lx.err_msg, lx.err_lineno, lx.err_col, lx.err_end_lineno, end_col,
                             lx.err_text_nl);
            }
        } else {
            mv_err_nomem(t);
        }
        goto done;
    }
    p.toks = lx.toks;
    p.ntoks = lx.ntoks;
    m = parse_tokens(&p, mode);
    if (!m && !mv_err_occurred(t)) mv_err_nomem(t);
done:
    mv_lexer_free(&lx);
    free(p.vs);
    free(norm);
    return m;
}
