/* parse_match.c: the `match` statement (PEP 634) for the parser: `match` and `case` are soft
 * keywords, recognized only where a match statement can start (speculatively, as CPython's PEG
 * parser does), and the pattern grammar producing CPython's Match* and match_case nodes.
 */
#include <string.h>

#include "parser_int.h"
#include "../runtime/exc.h"

static mv_pattern *pattern(mv_parser *p);
static mv_pattern *maybe_star_pattern(mv_parser *p);

static bool tok_is(mv_parser *p, mv_token *tk, const char *word) {
    size_t n = strlen(word);
    return tk->type == TK_NAME && tk->end - tk->start == n && memcmp(p->src + tk->start, word, n) == 0;
}

static mv_pattern *new_pat(mv_parser *p, mv_pattern_kind kind, mv_token *start) {
    mv_pattern *pt = mv_ast_alloc(p->a, sizeof *pt);
    if (!pt) return mv_parse_nomem(p);
    pt->kind = kind;
    pt->span.lineno = start->lineno;
    pt->span.col_offset = start->col;
    mv_span_end(p, &pt->span);
    return pt;
}

static mv_expr *name_expr(mv_parser *p, mv_token *tk) {
    mv_expr *e = mv_new_expr(p, E_NAME, tk->lineno, tk->col);
    if (!e) return NULL;
    e->span.end_lineno = tk->end_lineno;
    e->span.end_col_offset = tk->end_col;
    e->u.name.id = mv_tok_str(p, tk);
    e->u.name.ctx = CTX_LOAD;
    return e->u.name.id ? e : NULL;
}

/* name_or_attr: NAME ('.' NAME)*; the current token is a NAME. */
static mv_expr *name_or_attr(mv_parser *p) {
    mv_token *st = p_next(p);
    mv_expr *e = name_expr(p, st);
    while (e && p_type(p) == TK_DOT) {
        p_next(p);
        if (p_type(p) != TK_NAME) return mv_parse_invalid(p);
        mv_token *nt = p_next(p);
        mv_expr *a = mv_new_expr(p, E_ATTRIBUTE, st->lineno, st->col);
        if (!a) return NULL;
        a->u.attribute.value = e;
        a->u.attribute.attr = mv_tok_str(p, nt);
        a->u.attribute.ctx = CTX_LOAD;
        e = a;
    }
    return e;
}

/* signed_number ['+'|'-' NUMBER] (the complex form), or a string/None/True/False: as an expr */
static mv_expr *literal_expr(mv_parser *p) {
    mv_token *st = p_peek(p);
    switch (st->type) {
    case TK_NONE: case TK_TRUE: case TK_FALSE: {
        p_next(p);
        mv_expr *e = mv_new_expr(p, E_CONSTANT, st->lineno, st->col);
        if (e) e->u.constant.value = st->type == TK_NONE ? MV_NONE : st->type == TK_TRUE ? MV_TRUE : MV_FALSE;
        return e;
    }
    case TK_STRING: return mv_parse_strings(p);
    case TK_NUMBER: case TK_MINUS: {
        mv_expr *e;
        if (st->type == TK_MINUS) {
            p_next(p);
            if (p_type(p) != TK_NUMBER) return mv_parse_invalid(p);
            mv_token *nt = p_next(p);
            mv_expr *num = mv_parse_number(p, nt);
            if (!num) return NULL;
            e = mv_new_expr(p, E_UNARYOP, st->lineno, st->col);
            if (!e) return NULL;
            e->u.unaryop.op = UOP_USUB;
            e->u.unaryop.operand = num;
        } else {
            e = mv_parse_number(p, p_next(p));
            if (!e) return NULL;
        }
        int tt = p_type(p);
        if (tt == TK_PLUS || tt == TK_MINUS) {
            p_next(p);
            if (p_type(p) != TK_NUMBER) return mv_parse_invalid(p);
            mv_expr *im = mv_parse_number(p, p_next(p));
            if (!im) return NULL;
            mv_expr *b = mv_new_expr(p, E_BINOP, st->lineno, st->col);
            if (!b) return NULL;
            b->u.binop.left = e;
            b->u.binop.op = tt == TK_PLUS ? OP_ADD : OP_SUB;
            b->u.binop.right = im;
            e = b;
        }
        return e;
    }
    default:
        return mv_parse_invalid(p);
    }
}

/* pattern_capture_target: a NAME other than "_" */
static const char *capture_target(mv_parser *p) {
    mv_token *tk = p_peek(p);
    if (tk->type != TK_NAME || tok_is(p, tk, "_")) return mv_parse_invalid(p);
    p_next(p);
    return mv_tok_str(p, tk);
}

/* a comma-separated list of maybe_star_patterns up to `close`; *trailing: ended with a comma */
static int pattern_list(mv_parser *p, int close, size_t mark, bool *trailing) {
    *trailing = false;
    while (p_type(p) != close) {
        mv_pattern *pt = maybe_star_pattern(p);
        if (!pt) return -1;
        mv_vpush(p, pt);
        if (!p_accept(p, TK_COMMA)) {
            *trailing = false;
            break;
        }
        *trailing = true;
    }
    (void)mark;
    return 0;
}

static mv_pattern *class_pattern(mv_parser *p, mv_token *st, mv_expr *cls) {
    p_next(p); /* '(' */
    size_t mp = mv_vmark(p);
    size_t npos = 0, nkw = 0;
    const char **attrs = NULL;
    mv_pattern **kwpats = NULL;
    size_t capkw = 0;
    mv_pattern *first_bad = NULL, *last_bad = NULL;
    while (p_type(p) != TK_RPAR) {
        if (p_type(p) == TK_NAME && p_type2(p) == TK_EQUAL) {
            mv_token *nt = p_next(p);
            p_next(p);
            mv_pattern *pt = pattern(p);
            if (!pt) return NULL;
            if (nkw == capkw) {
                size_t nc = capkw ? capkw * 2 : 4;
                const char **na = mv_ast_alloc(p->a, nc * sizeof *na);
                mv_pattern **np = mv_ast_alloc(p->a, nc * sizeof *np);
                if (!na || !np) return mv_parse_nomem(p);
                if (nkw) {
                    memcpy(na, attrs, nkw * sizeof *na);
                    memcpy(np, kwpats, nkw * sizeof *np);
                }
                attrs = na;
                kwpats = np;
                capkw = nc;
            }
            attrs[nkw] = mv_tok_str(p, nt);
            kwpats[nkw++] = pt;
        } else {
            mv_pattern *pt = pattern(p);
            if (!pt) return NULL;
            if (nkw) {
                if (!first_bad) first_bad = pt;
                last_bad = pt;
            } else {
                mv_vpush(p, pt);
                npos++;
            }
        }
        if (!p_accept(p, TK_COMMA)) break;
    }
    if (p_type(p) != TK_RPAR) return mv_parse_invalid(p);
    if (first_bad) {
        mv_span sp = {first_bad->span.lineno, first_bad->span.col_offset, last_bad->span.end_lineno,
                      last_bad->span.end_col_offset};
        return mv_parse_error_node(p, sp, "positional patterns follow keyword patterns");
    }
    p_next(p);
    mv_pattern *pt = new_pat(p, P_MATCHCLASS, st);
    if (!pt) return NULL;
    pt->u.cls.cls = cls;
    pt->u.cls.patterns = mv_vseq(p, mp);
    pt->u.cls.kwd_attrs = (mv_ast_seq){nkw, (void **)attrs};
    pt->u.cls.kwd_patterns = (mv_ast_seq){nkw, (void **)kwpats};
    return pt;
}

static mv_pattern *mapping_pattern(mv_parser *p, mv_token *st) {
    p_next(p); /* '{' */
    size_t mk = mv_vmark(p);
    size_t nkeys = 0;
    const char *rest = NULL;
    mv_expr **keys = NULL;
    size_t cap = 0;
    while (p_type(p) != TK_RBRACE) {
        if (p_accept(p, TK_DOUBLESTAR)) {
            rest = capture_target(p);
            if (!rest) return NULL;
            p_accept(p, TK_COMMA);
            break;
        }
        mv_expr *key;
        if (p_type(p) == TK_NAME) {
            key = name_or_attr(p);
            if (key && key->kind != E_ATTRIBUTE) return mv_parse_invalid(p);
        } else {
            key = literal_expr(p);
        }
        if (!key) return NULL;
        if (!p_accept(p, TK_COLON)) return mv_parse_invalid(p);
        mv_pattern *pt = pattern(p);
        if (!pt) return NULL;
        if (nkeys == cap) {
            size_t nc = cap ? cap * 2 : 4;
            mv_expr **nk = mv_ast_alloc(p->a, nc * sizeof *nk);
            if (!nk) return mv_parse_nomem(p);
            if (nkeys) memcpy(nk, keys, nkeys * sizeof *nk);
            keys = nk;
            cap = nc;
        }
        keys[nkeys++] = key;
        mv_vpush(p, pt);
        if (!p_accept(p, TK_COMMA)) break;
    }
    if (!p_accept(p, TK_RBRACE)) return mv_parse_invalid(p);
    mv_pattern *pt = new_pat(p, P_MATCHMAPPING, st);
    if (!pt) return NULL;
    pt->u.mapping.keys = (mv_ast_seq){nkeys, (void **)keys};
    pt->u.mapping.patterns = mv_vseq(p, mk);
    pt->u.mapping.rest = rest;
    return pt;
}

static mv_pattern *closed_pattern(mv_parser *p) {
    mv_token *st = p_peek(p);
    switch (st->type) {
    case TK_NONE: case TK_TRUE: case TK_FALSE: {
        p_next(p);
        mv_pattern *pt = new_pat(p, P_MATCHSINGLETON, st);
        if (pt) pt->u.singleton.value = st->type == TK_NONE ? MV_NONE : st->type == TK_TRUE ? MV_TRUE : MV_FALSE;
        return pt;
    }
    case TK_STRING: case TK_NUMBER: case TK_MINUS: {
        mv_expr *e = literal_expr(p);
        if (!e) return NULL;
        mv_pattern *pt = new_pat(p, P_MATCHVALUE, st);
        if (pt) pt->u.value.value = e;
        return pt;
    }
    case TK_NAME: {
        mv_expr *e = name_or_attr(p);
        if (!e) return NULL;
        if (p_type(p) == TK_LPAR) return class_pattern(p, st, e);
        if (e->kind == E_ATTRIBUTE) {
            mv_pattern *pt = new_pat(p, P_MATCHVALUE, st);
            if (pt) pt->u.value.value = e;
            return pt;
        }
        if (p_type(p) == TK_EQUAL) return mv_parse_invalid(p);
        mv_pattern *pt = new_pat(p, P_MATCHAS, st);
        if (pt && !tok_is(p, st, "_")) pt->u.as.name = e->u.name.id;
        return pt;
    }
    case TK_LPAR: case TK_LSQB: {
        int close = st->type == TK_LPAR ? TK_RPAR : TK_RSQB;
        p_next(p);
        size_t m = mv_vmark(p);
        bool trailing;
        if (pattern_list(p, close, m, &trailing) < 0) return NULL;
        if (!p_accept(p, close)) return mv_parse_invalid(p);
        size_t n = p->vs_len - m;
        if (close == TK_RPAR && n == 1 && !trailing) {
            /* a group pattern: the inner pattern itself (a star needs a comma) */
            mv_pattern *in = p->vs[m];
            p->vs_len = m;
            if (in->kind == P_MATCHSTAR) return mv_parse_invalid(p);
            return in;
        }
        mv_pattern *pt = new_pat(p, P_MATCHSEQUENCE, st);
        if (pt) pt->u.seq.patterns = mv_vseq(p, m);
        return pt;
    }
    case TK_LBRACE:
        return mapping_pattern(p, st);
    default:
        return mv_parse_invalid(p);
    }
}

/* or_pattern ['as' NAME] */
static mv_pattern *pattern(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (p->depth > MV_PARSE_MAX_DEPTH) return mv_parse_invalid(p);
    p->depth++;
    size_t m = mv_vmark(p);
    mv_pattern *pt = closed_pattern(p);
    if (pt && p_type(p) == TK_VBAR) {
        mv_vpush(p, pt);
        while (p_accept(p, TK_VBAR)) {
            mv_pattern *alt = closed_pattern(p);
            if (!alt) break;
            mv_vpush(p, alt);
        }
        pt = p->error ? NULL : new_pat(p, P_MATCHOR, st);
        if (pt) pt->u.or_.patterns = mv_vseq(p, m);
    }
    p->depth--;
    if (!pt) return NULL;
    if (p_type(p) == TK_AS) {
        p_next(p);
        mv_token *nt = p_peek(p);
        if (tok_is(p, nt, "_")) return mv_parse_error_tok(p, nt, "cannot use '_' as a target");
        if (nt->type == TK_NAME && (p_type2(p) == TK_DOT || p_type2(p) == TK_LPAR || p_type2(p) == TK_EQUAL)) {
            p_next(p);
            p_peek(p);
            return mv_parse_invalid(p);
        }
        if (nt->type != TK_NAME) {
            p->quiet++;
            size_t save = p->pos;
            mv_expr *e = mv_parse_expression(p);
            p->quiet--;
            p->error = false;
            if (e) return mv_parse_error_node(p, e->span, "invalid pattern target");
            p->pos = save;
            return mv_parse_invalid(p);
        }
        p_next(p);
        mv_pattern *as = new_pat(p, P_MATCHAS, st);
        if (!as) return NULL;
        as->u.as.pattern = pt;
        as->u.as.name = mv_tok_str(p, nt);
        return as;
    }
    return pt;
}

static mv_pattern *maybe_star_pattern(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type != TK_STAR) return pattern(p);
    p_next(p);
    mv_token *nt = p_peek(p);
    if (nt->type != TK_NAME) return mv_parse_invalid(p);
    p_next(p);
    mv_pattern *pt = new_pat(p, P_MATCHSTAR, st);
    if (pt && !tok_is(p, nt, "_")) pt->u.star.name = mv_tok_str(p, nt);
    return pt;
}

/* patterns: an open sequence pattern (a, b, *c) or a single pattern */
static mv_pattern *patterns(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_pattern *first = maybe_star_pattern(p);
    if (!first) return NULL;
    if (p_type(p) != TK_COMMA) {
        if (first->kind == P_MATCHSTAR) return mv_parse_invalid(p);
        return first;
    }
    size_t m = mv_vmark(p);
    mv_vpush(p, first);
    while (p_accept(p, TK_COMMA)) {
        int tt = p_type(p);
        if (tt == TK_COLON || tt == TK_IF) break;
        mv_pattern *pt = maybe_star_pattern(p);
        if (!pt) return NULL;
        mv_vpush(p, pt);
    }
    mv_pattern *pt = new_pat(p, P_MATCHSEQUENCE, st);
    if (pt) pt->u.seq.patterns = mv_vseq(p, m);
    return pt;
}

static mv_match_case *case_block(mv_parser *p) {
    mv_token *st = p_next(p); /* "case" */
    mv_match_case *mc = mv_ast_alloc(p->a, sizeof *mc);
    if (!mc) return mv_parse_nomem(p);
    mc->pattern = patterns(p);
    if (!mc->pattern) return NULL;
    if (p_accept(p, TK_IF)) {
        mc->guard = mv_parse_named_expression(p);
        if (!mc->guard) return NULL;
    }
    if (p_type(p) == TK_NEWLINE) return mv_parse_error_tok(p, p_peek(p), "expected ':'");
    if (!p_accept(p, TK_COLON)) return mv_parse_invalid(p);
    if (mv_parse_block(p, &mc->body, "'case' statement", st->lineno) < 0) return NULL;
    return mc;
}

/* subject_expr: star_named_expression ',' star_named_expressions? | named_expression */
static mv_expr *subject_expr(mv_parser *p) {
    int tt = p_type(p);
    if (tt == TK_COLON || tt == TK_NEWLINE || tt == TK_EQUAL || tt == TK_DOT || tt == TK_ENDMARKER) return NULL;
    return mv_parse_star_named_expressions_tuple(p);
}

int mv_parse_try_match(mv_parser *p, mv_stmt **out) {
    mv_token *st = p_peek(p);
    *out = NULL;
    if (!tok_is(p, st, "match")) return 0;
    /* speculative: "match" subject ':' NEWLINE (else it is an ordinary statement using the name) */
    size_t save = p->pos, furthest = p->furthest, vs = p->vs_len;
    p->quiet++;
    p_next(p);
    mv_expr *subj = subject_expr(p);
    bool is_match = subj && !p->error && p_type(p) == TK_COLON && p_type2(p) == TK_NEWLINE;
    bool missing_colon = subj && !p->error && p_type(p) == TK_NEWLINE;
    p->quiet--;
    p->error = false;
    p->pos = save;
    p->furthest = furthest;
    p->vs_len = vs;
    if (!is_match) {
        if (!missing_colon) return 0;
        /* `match x` alone: CPython says "expected ':'" unless it is a valid simple statement */
        p->quiet++;
        mv_expr *e = mv_parse_star_expressions(p);
        bool ok = e && !p->error && p_type(p) == TK_NEWLINE;
        p->quiet--;
        p->error = false;
        p->pos = save;
        p->furthest = furthest;
        p->vs_len = vs;
        if (ok) return 0;
        p_next(p);
        subject_expr(p);
        mv_parse_error_tok(p, p_peek(p), "expected ':'");
        return 1;
    }
    p_next(p);
    mv_expr *subject = subject_expr(p);
    if (!subject) return 1;
    p_next(p); /* ':' */
    p_next(p); /* NEWLINE */
    if (p_type(p) != TK_INDENT) {
        mv_token *tk = p_peek(p);
        mv_parse_error_at(p, &mv_exc_IndentationError, tk->lineno, tk->col, tk->end_lineno, tk->end_col,
                          "expected an indented block after 'match' statement on line %d", st->lineno);
        return 1;
    }
    p_next(p);
    size_t m = mv_vmark(p);
    do {
        if (!tok_is(p, p_peek(p), "case")) {
            mv_parse_invalid(p);
            return 1;
        }
        mv_match_case *mc = case_block(p);
        if (!mc) return 1;
        mv_vpush(p, mc);
    } while (p_type(p) != TK_DEDENT && p_type(p) != TK_ENDMARKER);
    if (!p_accept(p, TK_DEDENT)) {
        mv_parse_invalid(p);
        return 1;
    }
    mv_ast_seq cases = mv_vseq(p, m);
    mv_stmt *s = mv_ast_alloc(p->a, sizeof *s);
    if (!s) {
        mv_parse_nomem(p);
        return 1;
    }
    s->kind = S_MATCH;
    s->span.lineno = st->lineno;
    s->span.col_offset = st->col;
    mv_match_case *last = cases.items[cases.n - 1];
    mv_stmt *ls = last->body.items[last->body.n - 1];
    s->span.end_lineno = ls->span.end_lineno;
    s->span.end_col_offset = ls->span.end_col_offset;
    s->u.match.subject = subject;
    s->u.match.cases = cases;
    *out = s;
    return 1;
}
