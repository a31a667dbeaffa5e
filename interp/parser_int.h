/* parser_int.h: the parser's internal state and helpers, shared by parser.c (statements, entry
 * point, errors), parse_expr.c (expressions and assignment targets) and parse_string.c (string
 * literals and f-strings).  Not a public interface.
 */
#ifndef MV_PARSER_INT_H
#define MV_PARSER_INT_H

#include "ast.h"
#include "lexer.h"

#define MV_PARSE_MAX_DEPTH 1000 /* nested expressions before "too many nested ..." errors */

typedef struct mv_parser {
    mv_thread *t;
    mv_ast_arena *a;
    mv_lexer *lx;          /* tokens of this (sub)parser */
    mv_lexer *main_lx;     /* the whole file's lexer: line table, unclosed brackets */
    mv_token *toks;
    size_t ntoks, pos, furthest;
    const char *src;
    size_t len;
    const char *filename;
    int depth;
    bool error;            /* an exception has been raised (or, when quiet, would have been) */
    int quiet;             /* >0 during a speculative parse: errors are not raised */
    bool no_hints;         /* inside a speculative parse: no "forgot a comma" lookahead */
    bool fstring;          /* parsing an f-string replacement field */
    int fstring_depth;     /* nesting of f-strings in format specs */
    const char *fstr_text; /* "(expr)\n" of the replacement field being parsed, for errors */
    int fstr_line, fstr_col; /* where the field's expression starts */
    /* scratch stack for building sequences (see vmark/vpush/vseq) */
    void **vs;
    size_t vs_len, vs_cap;
} mv_parser;

/* ---- tokens ---- */
static inline mv_token *p_peek(mv_parser *p) {
    if (p->pos > p->furthest) p->furthest = p->pos;
    return &p->toks[p->pos];
}
static inline int p_type(mv_parser *p) { return p_peek(p)->type; }
static inline int p_type2(mv_parser *p) { /* one token further */
    size_t i = p->pos + 1 < p->ntoks ? p->pos + 1 : p->ntoks - 1;
    if (i > p->furthest) p->furthest = i;
    return p->toks[i].type;
}
static inline mv_token *p_next(mv_parser *p) {
    mv_token *t = p_peek(p);
    if (p->pos + 1 < p->ntoks) p->pos++;
    return t;
}
static inline bool p_accept(mv_parser *p, int type) {
    if (p_type(p) != type) return false;
    p_next(p);
    return true;
}
static inline mv_token *p_last(mv_parser *p) { return &p->toks[p->pos ? p->pos - 1 : 0]; }

/* ---- errors (parser.c) ---- */
/* Raise at a span given in 0-based byte columns; returns NULL. */
void *mv_parse_error_at(mv_parser *p, mv_type *type, int lineno, int col, int end_lineno, int end_col,
                        const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void *mv_parse_error_tok(mv_parser *p, mv_token *tk, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *mv_parse_error_node(mv_parser *p, mv_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *mv_parse_invalid(mv_parser *p); /* generic "invalid syntax" at the furthest token */
void *mv_parse_nomem(mv_parser *p);

/* ---- sequences (parser.c) ---- */
size_t mv_vmark(mv_parser *p);
bool mv_vpush(mv_parser *p, void *x);
mv_ast_seq mv_vseq(mv_parser *p, size_t mark);

/* ---- nodes ---- */
mv_expr *mv_new_expr(mv_parser *p, mv_expr_kind kind, int lineno, int col); /* ends at the last token */
char *mv_tok_str(mv_parser *p, mv_token *tk); /* the token's text in the arena */
static inline void mv_span_end(mv_parser *p, mv_span *sp) {
    mv_token *l = p_last(p);
    sp->end_lineno = l->end_lineno;
    sp->end_col_offset = l->end_col;
}

/* ---- expressions (parse_expr.c) ---- */
mv_expr *mv_parse_expression(mv_parser *p);        /* expression (ifexp, lambda) */
mv_expr *mv_parse_named_expression(mv_parser *p);  /* allows NAME := expr */
mv_expr *mv_parse_star_expressions(mv_parser *p);  /* a, *b, c -> Tuple */
mv_expr *mv_parse_star_named_expressions_tuple(mv_parser *p); /* like above, := allowed */
mv_expr *mv_parse_yield_expr(mv_parser *p);
mv_expr *mv_parse_disjunction(mv_parser *p);
mv_expr *mv_parse_bitwise_or(mv_parser *p);
mv_expr *mv_parse_star_targets(mv_parser *p);      /* for-loop / comprehension / with targets */
mv_expr *mv_parse_del_targets(mv_parser *p);
mv_expr *mv_parse_star_target(mv_parser *p);       /* one target, no tuple (with ... as x) */
mv_arguments *mv_parse_params(mv_parser *p, bool lambda, int closing);
int mv_parse_call_args(mv_parser *p, mv_expr *call, mv_token *open);
/* Convert an expression to an assignment (CTX_STORE) or del (CTX_DEL) target; on failure raise
   CPython's "cannot assign to ..." and return -1. */
int mv_set_context(mv_parser *p, mv_expr *e, mv_expr_ctx ctx, bool maybe_eq);
const char *mv_expr_name(mv_expr *e); /* "function call", "literal", ... */

/* ---- blocks (parser.c) and the match statement (parse_match.c) ---- */
int mv_parse_block(mv_parser *p, mv_ast_seq *out, const char *what, int lineno);
/* At a NAME: if it starts a match statement, parse it into *out (NULL on error) and return 1;
   else return 0 with the position unchanged. */
int mv_parse_try_match(mv_parser *p, mv_stmt **out);

/* ---- strings (parse_string.c) ---- */
mv_expr *mv_parse_strings(mv_parser *p); /* one or more adjacent STRING tokens */
mv_expr *mv_parse_number(mv_parser *p, mv_token *tk);

#endif
