/* parse_expr.c: expressions, by recursive descent following CPython 3.11's grammar (precedence
 * climbing for the binary operators), plus assignment/del targets, call arguments and parameter
 * lists.  Every node gets CPython's span: first token's start to last token's end.
 */
#include "parser_int.h"

#include <string.h>

#include "../runtime/exc.h"

#define ENTER(p)                                                                                   \
    do {                                                                                           \
        if (++(p)->depth > MV_PARSE_MAX_DEPTH) {                                                   \
            (p)->depth--;                                                                          \
            if (!(p)->error) {                                                                     \
                (p)->error = true;                                                                 \
                mv_err_set((p)->t, &mv_exc_RecursionError,                                         \
                           "maximum recursion depth exceeded during compilation");                 \
            }                                                                                      \
            return NULL;                                                                           \
        }                                                                                          \
    } while (0)
#define LEAVE(p) ((p)->depth--)

static mv_expr *atom(mv_parser *p);
static mv_expr *primary(mv_parser *p);
static mv_expr *factor(mv_parser *p);
static mv_expr *star_named_expression(mv_parser *p);
static int more_elements(mv_parser *p, int closer);
static int comp_for(mv_parser *p, mv_ast_seq *out);

static mv_expr *mk_name(mv_parser *p, mv_token *tk, mv_expr_ctx ctx) {
    mv_expr *e = mv_new_expr(p, E_NAME, tk->lineno, tk->col);
    if (!e) return NULL;
    e->span.end_lineno = tk->end_lineno;
    e->span.end_col_offset = tk->end_col;
    e->u.name.id = mv_tok_str(p, tk);
    e->u.name.ctx = ctx;
    return e->u.name.id ? e : mv_parse_nomem(p);
}

static mv_expr *mk_const(mv_parser *p, mv_token *tk, Value v) {
    mv_expr *e = mv_new_expr(p, E_CONSTANT, tk->lineno, tk->col);
    if (!e) return NULL;
    e->u.constant.value = v;
    return e;
}

/* ---- names of expressions for error messages (CPython's _PyPegen_get_expr_name) ---- */
const char *mv_expr_name(mv_expr *e) {
    switch (e->kind) {
    case E_ATTRIBUTE: return "attribute";
    case E_SUBSCRIPT: return "subscript";
    case E_STARRED: return "starred";
    case E_NAME: return "name";
    case E_LIST: return "list";
    case E_TUPLE: return "tuple";
    case E_LAMBDA: return "lambda";
    case E_CALL: return "function call";
    case E_BOOLOP: case E_BINOP: case E_UNARYOP: return "expression";
    case E_GENEXP: return "generator expression";
    case E_YIELD: case E_YIELDFROM: return "yield expression";
    case E_AWAIT: return "await expression";
    case E_LISTCOMP: return "list comprehension";
    case E_SETCOMP: return "set comprehension";
    case E_DICTCOMP: return "dict comprehension";
    case E_DICT: return "dict literal";
    case E_SET: return "set display";
    case E_JOINEDSTR: case E_FORMATTEDVALUE: return "f-string expression";
    case E_CONSTANT: {
        Value v = e->u.constant.value;
        if (v == MV_NONE) return "None";
        if (v == MV_TRUE) return "True";
        if (v == MV_FALSE) return "False";
        if (v == MV_ELLIPSIS) return "ellipsis";
        return "literal";
    }
    case E_COMPARE: return "comparison";
    case E_IFEXP: return "conditional expression";
    case E_NAMEDEXPR: return "named expression";
    case E_SLICE: return "slice";
    }
    return "expression";
}

/* The first sub-expression that cannot be a target (NULL if all is well). */
static mv_expr *invalid_target(mv_expr *e, mv_expr_ctx ctx) {
    switch (e->kind) {
    case E_NAME: case E_ATTRIBUTE: case E_SUBSCRIPT: return NULL;
    case E_STARRED:
        if (ctx == CTX_DEL) return e;
        return invalid_target(e->u.starred.value, ctx);
    case E_LIST: case E_TUPLE:
        for (size_t i = 0; i < e->u.list.elts.n; i++) {
            mv_expr *r = invalid_target(e->u.list.elts.items[i], ctx);
            if (r) return r;
        }
        return NULL;
    case E_COMPARE:
        /* for x in y in z: CPython points at the comparison's left part */
        if (ctx == CTX_STORE && e->u.compare.ops[0] == CMP_IN) return invalid_target(e->u.compare.left, ctx);
        return e;
    default: return e;
    }
}

static void set_ctx(mv_expr *e, mv_expr_ctx ctx) {
    switch (e->kind) {
    case E_NAME: e->u.name.ctx = ctx; break;
    case E_ATTRIBUTE: e->u.attribute.ctx = ctx; break;
    case E_SUBSCRIPT: e->u.subscript.ctx = ctx; break;
    case E_STARRED: e->u.starred.ctx = ctx; set_ctx(e->u.starred.value, ctx); break;
    case E_LIST: case E_TUPLE:
        e->u.list.ctx = ctx;
        for (size_t i = 0; i < e->u.list.elts.n; i++) set_ctx(e->u.list.elts.items[i], ctx);
        break;
    default: break;
    }
}

int mv_set_context(mv_parser *p, mv_expr *e, mv_expr_ctx ctx, bool maybe_eq) {
    mv_expr *bad = invalid_target(e, ctx);
    if (bad) {
        if (maybe_eq)
            mv_parse_error_node(p, e->span, "cannot assign to %s here. Maybe you meant '==' instead of '='?",
                                mv_expr_name(e));
        else
            mv_parse_error_node(p, bad->span, ctx == CTX_DEL ? "cannot delete %s" : "cannot assign to %s",
                                mv_expr_name(bad));
        return -1;
    }
    set_ctx(e, ctx);
    return 0;
}

/* ---- atoms ---- */

/* '(' already consumed: tuple, group, generator expression, yield. */
static mv_expr *paren_atom(mv_parser *p, mv_token *open) {
    if (p_type(p) == TK_RPAR) {
        p_next(p);
        mv_expr *e = mv_new_expr(p, E_TUPLE, open->lineno, open->col);
        return e;
    }
    if (p_type(p) == TK_YIELD) {
        mv_expr *y = mv_parse_yield_expr(p);
        if (!y) return NULL;
        if (!p_accept(p, TK_RPAR)) return mv_parse_invalid(p);
        return y;
    }
    mv_expr *first = star_named_expression(p);
    if (!first) return NULL;
    if (p_type(p) == TK_FOR || p_type(p) == TK_ASYNC) {
        mv_ast_seq gens;
        if (first->kind == E_STARRED) return mv_parse_error_node(p, first->span, "iterable unpacking cannot be used in comprehension");
        if (comp_for(p, &gens) < 0) return NULL;
        if (!p_accept(p, TK_RPAR)) return mv_parse_invalid(p);
        mv_expr *e = mv_new_expr(p, E_GENEXP, open->lineno, open->col);
        if (!e) return NULL;
        e->u.comp.elt = first;
        e->u.comp.generators = gens;
        return e;
    }
    if (p_type(p) == TK_RPAR) {
        p_next(p);
        if (first->kind == E_STARRED) return mv_parse_error_node(p, first->span, "cannot use starred expression here");
        return first;
    }
    if (p_type(p) != TK_COMMA) return mv_parse_invalid(p);
    size_t m = mv_vmark(p);
    mv_vpush(p, first);
    if (more_elements(p, TK_RPAR) < 0) return NULL;
    if (!p_accept(p, TK_RPAR)) return mv_parse_invalid(p);
    mv_expr *e = mv_new_expr(p, E_TUPLE, open->lineno, open->col);
    if (!e) return NULL;
    e->u.tuple.elts = mv_vseq(p, m);
    return e;
}

/* After the first element of a tuple or list display: `, elt` pairs (a trailing comma allowed)
   pushed on the parser's value stack, up to the closing bracket `closer` (not consumed). */
static int more_elements(mv_parser *p, int closer) {
    while (p_accept(p, TK_COMMA)) {
        if (p_type(p) == closer) break;
        mv_expr *x = star_named_expression(p);
        if (!x) return -1;
        mv_vpush(p, x);
    }
    return 0;
}

static mv_expr *list_atom(mv_parser *p, mv_token *open) {
    size_t m = mv_vmark(p);
    if (p_type(p) != TK_RSQB) {
        mv_expr *first = star_named_expression(p);
        if (!first) return NULL;
        if (p_type(p) == TK_FOR || p_type(p) == TK_ASYNC) {
            mv_ast_seq gens;
            if (first->kind == E_STARRED) return mv_parse_error_node(p, first->span, "iterable unpacking cannot be used in comprehension");
            if (comp_for(p, &gens) < 0) return NULL;
            if (!p_accept(p, TK_RSQB)) return mv_parse_invalid(p);
            mv_expr *e = mv_new_expr(p, E_LISTCOMP, open->lineno, open->col);
            if (!e) return NULL;
            e->u.comp.elt = first;
            e->u.comp.generators = gens;
            return e;
        }
        mv_vpush(p, first);
        if (more_elements(p, TK_RSQB) < 0) return NULL;
    }
    if (!p_accept(p, TK_RSQB)) return mv_parse_invalid(p);
    mv_expr *e = mv_new_expr(p, E_LIST, open->lineno, open->col);
    if (!e) return NULL;
    e->u.list.elts = mv_vseq(p, m);
    return e;
}

/* '{' consumed: dict, set, and their comprehensions. */
static mv_expr *brace_atom(mv_parser *p, mv_token *open) {
    if (p_accept(p, TK_RBRACE)) return mv_new_expr(p, E_DICT, open->lineno, open->col);
    mv_expr *k = NULL, *v = NULL;
    bool is_dict;
    if (p_accept(p, TK_DOUBLESTAR)) {
        v = mv_parse_bitwise_or(p);
        if (!v) return NULL;
        is_dict = true;
    } else {
        k = star_named_expression(p);
        if (!k) return NULL;
        is_dict = p_type(p) == TK_COLON && k->kind != E_STARRED;
        if (is_dict) {
            p_next(p);
            v = mv_parse_expression(p);
            if (!v) return NULL;
        }
    }
    if (p_type(p) == TK_FOR || p_type(p) == TK_ASYNC) {
        mv_ast_seq gens;
        if (!k) return mv_parse_error_node(p, v->span, "dict unpacking cannot be used in dict comprehension");
        if (k->kind == E_STARRED) return mv_parse_error_node(p, k->span, "iterable unpacking cannot be used in comprehension");
        if (comp_for(p, &gens) < 0) return NULL;
        if (!p_accept(p, TK_RBRACE)) return mv_parse_invalid(p);
        mv_expr *e = mv_new_expr(p, is_dict ? E_DICTCOMP : E_SETCOMP, open->lineno, open->col);
        if (!e) return NULL;
        if (is_dict) {
            e->u.dictcomp.key = k;
            e->u.dictcomp.value = v;
            e->u.dictcomp.generators = gens;
        } else {
            e->u.comp.elt = k;
            e->u.comp.generators = gens;
        }
        return e;
    }
    if (is_dict) {
        size_t mk = mv_vmark(p);
        mv_vpush(p, k);
        mv_vpush(p, v);
        while (p_accept(p, TK_COMMA)) {
            if (p_type(p) == TK_RBRACE) break;
            if (p_accept(p, TK_DOUBLESTAR)) {
                k = NULL;
                v = mv_parse_bitwise_or(p);
                if (!v) return NULL;
            } else {
                k = mv_parse_expression(p);
                if (!k) return NULL;
                if (p_type(p) != TK_COLON) {
                    if (p_type(p) == TK_COMMA || p_type(p) == TK_RBRACE)
                        return mv_parse_error_at(p, &mv_exc_SyntaxError, k->span.lineno, k->span.col_offset,
                                                 k->span.end_lineno, -2, "':' expected after dictionary key");
                    return mv_parse_invalid(p);
                }
                p_next(p);
                v = mv_parse_expression(p);
                if (!v) return NULL;
            }
            mv_vpush(p, k);
            mv_vpush(p, v);
        }
        if (!p_accept(p, TK_RBRACE)) return mv_parse_invalid(p);
        size_t n = (p->vs_len - mk) / 2;
        mv_expr *e = mv_new_expr(p, E_DICT, open->lineno, open->col);
        if (!e) return NULL;
        void **keys = mv_ast_alloc(p->a, (n ? n : 1) * sizeof(void *));
        void **vals = mv_ast_alloc(p->a, (n ? n : 1) * sizeof(void *));
        if (!keys || !vals) return mv_parse_nomem(p);
        for (size_t i = 0; i < n; i++) {
            keys[i] = p->vs[mk + 2 * i];
            vals[i] = p->vs[mk + 2 * i + 1];
        }
        p->vs_len = mk;
        e->u.dict.keys.n = e->u.dict.values.n = n;
        e->u.dict.keys.items = keys;
        e->u.dict.values.items = vals;
        return e;
    }
    size_t m = mv_vmark(p);
    mv_vpush(p, k);
    while (p_accept(p, TK_COMMA)) {
        if (p_type(p) == TK_RBRACE) break;
        mv_expr *x = star_named_expression(p);
        if (!x) return NULL;
        mv_vpush(p, x);
    }
    if (!p_accept(p, TK_RBRACE)) return mv_parse_invalid(p);
    mv_expr *e = mv_new_expr(p, E_SET, open->lineno, open->col);
    if (!e) return NULL;
    e->u.set.elts = mv_vseq(p, m);
    return e;
}

static mv_expr *atom(mv_parser *p) {
    mv_token *tk = p_peek(p);
    switch (tk->type) {
    case TK_NAME: p_next(p); return mk_name(p, tk, CTX_LOAD);
    case TK_TRUE: p_next(p); return mk_const(p, tk, MV_TRUE);
    case TK_FALSE: p_next(p); return mk_const(p, tk, MV_FALSE);
    case TK_NONE: p_next(p); return mk_const(p, tk, MV_NONE);
    case TK_ELLIPSIS: p_next(p); return mk_const(p, tk, MV_ELLIPSIS);
    case TK_NUMBER: p_next(p); return mv_parse_number(p, tk);
    case TK_STRING: return mv_parse_strings(p);
    case TK_LPAR: {
        p_next(p);
        ENTER(p);
        mv_expr *e = paren_atom(p, tk);
        LEAVE(p);
        return e;
    }
    case TK_LSQB: {
        p_next(p);
        ENTER(p);
        mv_expr *e = list_atom(p, tk);
        LEAVE(p);
        return e;
    }
    case TK_LBRACE: {
        p_next(p);
        ENTER(p);
        mv_expr *e = brace_atom(p, tk);
        LEAVE(p);
        return e;
    }
    default:
        return mv_parse_invalid(p);
    }
}

/* ---- trailers ---- */

static mv_expr *slice_item(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_expr *lower = NULL, *upper = NULL, *step = NULL;
    if (p_type(p) == TK_STAR) {
        return star_named_expression(p);
    }
    if (p_type(p) != TK_COLON) {
        lower = mv_parse_named_expression(p);
        if (!lower) return NULL;
        if (p_type(p) != TK_COLON) return lower;
        if (lower->kind == E_NAMEDEXPR) return mv_parse_invalid(p);
    }
    p_next(p); /* ':' */
    if (p_type(p) != TK_COLON && p_type(p) != TK_COMMA && p_type(p) != TK_RSQB) {
        upper = mv_parse_expression(p);
        if (!upper) return NULL;
    }
    if (p_accept(p, TK_COLON)) {
        if (p_type(p) != TK_COMMA && p_type(p) != TK_RSQB) {
            step = mv_parse_expression(p);
            if (!step) return NULL;
        }
    }
    mv_expr *e = mv_new_expr(p, E_SLICE, st->lineno, st->col);
    if (!e) return NULL;
    e->u.slice.lower = lower;
    e->u.slice.upper = upper;
    e->u.slice.step = step;
    return e;
}

static mv_expr *slices(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_expr *first = slice_item(p);
    if (!first) return NULL;
    if (p_type(p) != TK_COMMA) {
        if (first->kind == E_STARRED) goto tuple1;
        return first;
    }
tuple1:;
    size_t m = mv_vmark(p);
    mv_vpush(p, first);
    while (p_accept(p, TK_COMMA)) {
        if (p_type(p) == TK_RSQB) break;
        mv_expr *x = slice_item(p);
        if (!x) return NULL;
        mv_vpush(p, x);
    }
    mv_expr *e = mv_new_expr(p, E_TUPLE, st->lineno, st->col);
    if (!e) return NULL;
    e->u.tuple.elts = mv_vseq(p, m);
    return e;
}

static mv_expr *primary(mv_parser *p) {
    mv_token *st = p_peek(p); /* a node starts at its first token, '(' of a group included */
    mv_expr *e = atom(p);
    if (!e) return NULL;
    int sl = st->lineno, sc = st->col;
    for (;;) {
        int tt = p_type(p);
        if (tt == TK_DOT) {
            p_next(p);
            mv_token *nm = p_peek(p);
            if (nm->type != TK_NAME) return mv_parse_invalid(p);
            p_next(p);
            mv_expr *a = mv_new_expr(p, E_ATTRIBUTE, sl, sc);
            if (!a) return NULL;
            a->u.attribute.value = e;
            a->u.attribute.attr = mv_tok_str(p, nm);
            a->u.attribute.ctx = CTX_LOAD;
            e = a;
        } else if (tt == TK_LPAR) {
            mv_token *open = p_next(p);
            mv_expr *c = mv_new_expr(p, E_CALL, sl, sc);
            if (!c) return NULL;
            c->u.call.func = e;
            ENTER(p);
            int r = mv_parse_call_args(p, c, open);
            LEAVE(p);
            if (r < 0) return NULL;
            mv_span_end(p, &c->span);
            e = c;
        } else if (tt == TK_LSQB) {
            p_next(p);
            ENTER(p);
            mv_expr *s = slices(p);
            LEAVE(p);
            if (!s) return NULL;
            if (!p_accept(p, TK_RSQB)) return mv_parse_invalid(p);
            mv_expr *x = mv_new_expr(p, E_SUBSCRIPT, sl, sc);
            if (!x) return NULL;
            x->u.subscript.value = e;
            x->u.subscript.slice = s;
            x->u.subscript.ctx = CTX_LOAD;
            e = x;
        } else {
            return e;
        }
    }
}

/* ---- call arguments ---- */

int mv_parse_call_args(mv_parser *p, mv_expr *call, mv_token *open) {
    size_t ma = mv_vmark(p);
    size_t nargs = 0;
    mv_keyword *first_dstar = NULL;
    bool seen_kw = false;
    const char *pending = NULL; /* CPython reports argument order errors at the closing ')' */
    /* positional args and keywords are pushed on the scratch stack tagged by a low bit */
    while (p_type(p) != TK_RPAR) {
        mv_token *st = p_peek(p);
        if (st->type == TK_DOUBLESTAR) {
            p_next(p);
            mv_expr *v = mv_parse_expression(p);
            if (!v) return -1;
            mv_keyword *k = mv_ast_alloc(p->a, sizeof *k);
            if (!k) return mv_parse_nomem(p), -1;
            k->value = v;
            k->span = (mv_span){st->lineno, st->col, v->span.end_lineno, v->span.end_col_offset};
            if (!first_dstar) first_dstar = k;
            mv_vpush(p, (void *)((uintptr_t)k | 1));
        } else if (st->type == TK_NAME && p_type2(p) == TK_EQUAL) {
            p_next(p);
            p_next(p);
            mv_expr *v = mv_parse_expression(p);
            if (!v) return -1;
            mv_keyword *k = mv_ast_alloc(p->a, sizeof *k);
            if (!k) return mv_parse_nomem(p), -1;
            k->arg = mv_tok_str(p, st);
            k->value = v;
            k->span = (mv_span){st->lineno, st->col, v->span.end_lineno, v->span.end_col_offset};
            seen_kw = true;
            mv_vpush(p, (void *)((uintptr_t)k | 1));
        } else {
            mv_expr *x;
            if (st->type == TK_STAR) {
                p_next(p);
                mv_expr *v = mv_parse_expression(p);
                if (!v) return -1;
                x = mv_new_expr(p, E_STARRED, st->lineno, st->col);
                if (!x) return -1;
                x->u.starred.value = v;
                x->u.starred.ctx = CTX_LOAD;
                if (first_dstar)
                    return mv_parse_error_node(p, first_dstar->span,
                                               "iterable argument unpacking follows keyword argument unpacking"), -1;
            } else {
                x = mv_parse_named_expression(p);
                if (!x) return -1;
                if (p_type(p) == TK_FOR || p_type(p) == TK_ASYNC) {
                    mv_ast_seq gens;
                    if (comp_for(p, &gens) < 0) return -1;
                    mv_expr *g = mv_new_expr(p, E_GENEXP, x->span.lineno, x->span.col_offset);
                    if (!g) return -1;
                    g->u.comp.elt = x;
                    g->u.comp.generators = gens;
                    if (nargs == 0 && p->vs_len == ma && p_type(p) == TK_RPAR) {
                        /* the sole argument: the generator expression spans the call's parentheses */
                        mv_token *r = p_peek(p);
                        g->span = (mv_span){open->lineno, open->col, r->end_lineno, r->end_col};
                        x = g;
                    } else {
                        return mv_parse_error_at(p, &mv_exc_SyntaxError, g->span.lineno, g->span.col_offset,
                                                 g->span.end_lineno, g->span.end_col_offset,
                                                 "Generator expression must be parenthesized"), -1;
                    }
                } else if (p_type(p) == TK_EQUAL) {
                    mv_token *eq = p_peek(p);
                    p_next(p);
                    mv_expr *v = mv_parse_expression(p);
                    if (!v) return -1;
                    if (x->kind == E_CONSTANT && (x->u.constant.value == MV_TRUE || x->u.constant.value == MV_FALSE ||
                                                  x->u.constant.value == MV_NONE))
                        return mv_parse_error_node(p, (mv_span){x->span.lineno, x->span.col_offset, eq->end_lineno, eq->end_col},
                                                   "cannot assign to %s", mv_expr_name(x)), -1;
                    return mv_parse_error_node(p, (mv_span){x->span.lineno, x->span.col_offset, eq->end_lineno, eq->end_col},
                                               "expression cannot contain assignment, perhaps you meant \"==\"?"), -1;
                }
                if (!pending && first_dstar) pending = "positional argument follows keyword argument unpacking";
                if (!pending && seen_kw) pending = "positional argument follows keyword argument";
            }
            nargs++;
            mv_vpush(p, x);
        }
        if (!p_accept(p, TK_COMMA)) break;
    }
    if (p_type(p) != TK_RPAR) {
        mv_parse_invalid(p);
        return -1;
    }
    if (pending) return mv_parse_error_tok(p, p_peek(p), "%s", pending), -1;
    p_next(p);
    /* split the scratch entries into args and keywords */
    size_t n = p->vs_len - ma, nk = n - nargs;
    void **args = mv_ast_alloc(p->a, (nargs ? nargs : 1) * sizeof(void *));
    void **kws = mv_ast_alloc(p->a, (nk ? nk : 1) * sizeof(void *));
    if (!args || !kws) return mv_parse_nomem(p), -1;
    size_t ia = 0, ik = 0;
    for (size_t i = ma; i < p->vs_len; i++) {
        uintptr_t v = (uintptr_t)p->vs[i];
        if (v & 1) kws[ik++] = (void *)(v & ~(uintptr_t)1);
        else args[ia++] = (void *)v;
    }
    p->vs_len = ma;
    call->u.call.args = (mv_ast_seq){nargs, args};
    call->u.call.keywords = (mv_ast_seq){nk, kws};
    return 0;
}

/* ---- operators ---- */

static mv_expr *await_primary(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type == TK_AWAIT) {
        p_next(p);
        mv_expr *v = primary(p);
        if (!v) return NULL;
        mv_expr *e = mv_new_expr(p, E_AWAIT, st->lineno, st->col);
        if (!e) return NULL;
        e->u.await_.value = v;
        return e;
    }
    return primary(p);
}

static mv_expr *power(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_expr *l = await_primary(p);
    if (!l) return NULL;
    if (p_type(p) != TK_DOUBLESTAR) return l;
    p_next(p);
    ENTER(p);
    mv_expr *r = factor(p);
    LEAVE(p);
    if (!r) return NULL;
    mv_expr *e = mv_new_expr(p, E_BINOP, st->lineno, st->col);
    if (!e) return NULL;
    e->u.binop.left = l;
    e->u.binop.op = OP_POW;
    e->u.binop.right = r;
    return e;
}

static mv_expr *factor(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_unaryop op;
    switch (st->type) {
    case TK_PLUS: op = UOP_UADD; break;
    case TK_MINUS: op = UOP_USUB; break;
    case TK_TILDE: op = UOP_INVERT; break;
    default: return power(p);
    }
    p_next(p);
    ENTER(p);
    mv_expr *v = factor(p);
    LEAVE(p);
    if (!v) return NULL;
    mv_expr *e = mv_new_expr(p, E_UNARYOP, st->lineno, st->col);
    if (!e) return NULL;
    e->u.unaryop.op = op;
    e->u.unaryop.operand = v;
    return e;
}

static int binop_prec(int tt, mv_operator *op) {
    switch (tt) {
    case TK_VBAR: *op = OP_BITOR; return 1;
    case TK_CIRCUMFLEX: *op = OP_BITXOR; return 2;
    case TK_AMPER: *op = OP_BITAND; return 3;
    case TK_LEFTSHIFT: *op = OP_LSHIFT; return 4;
    case TK_RIGHTSHIFT: *op = OP_RSHIFT; return 4;
    case TK_PLUS: *op = OP_ADD; return 5;
    case TK_MINUS: *op = OP_SUB; return 5;
    case TK_STAR: *op = OP_MULT; return 6;
    case TK_SLASH: *op = OP_DIV; return 6;
    case TK_DOUBLESLASH: *op = OP_FLOORDIV; return 6;
    case TK_PERCENT: *op = OP_MOD; return 6;
    case TK_AT: *op = OP_MATMULT; return 6;
    default: return 0;
    }
}

static mv_expr *binary(mv_parser *p, int minprec) {
    mv_token *st = p_peek(p);
    mv_expr *left = factor(p);
    if (!left) return NULL;
    int chain = 0;
    for (;;) {
        mv_operator op;
        int prec = binop_prec(p_type(p), &op);
        if (prec == 0 || prec < minprec) return left;
        p_next(p);
        mv_expr *right = prec == 6 ? factor(p) : binary(p, prec + 1);
        if (!right) return NULL;
        mv_expr *e = mv_new_expr(p, E_BINOP, st->lineno, st->col);
        if (!e) return NULL;
        e->u.binop.left = left;
        e->u.binop.op = op;
        e->u.binop.right = right;
        left = e;
        /* a left-deep chain is as deep for the compiler as nesting */
        if (++chain + p->depth > MV_PARSE_MAX_DEPTH * 3) {
            ENTER(p); /* bump past the limit to raise */
            p->depth = MV_PARSE_MAX_DEPTH + 1;
            ENTER(p);
        }
    }
}

mv_expr *mv_parse_bitwise_or(mv_parser *p) {
    return binary(p, 1);
}

static mv_expr *comparison(mv_parser *p) {
    mv_token *st = p_peek(p);
    mv_expr *left = mv_parse_bitwise_or(p);
    if (!left) return NULL;
    size_t m = mv_vmark(p);
    for (;;) {
        int tt = p_type(p);
        mv_cmpop_ast op;
        switch (tt) {
        case TK_LESS: op = CMP_LT; break;
        case TK_LESSEQUAL: op = CMP_LTE; break;
        case TK_EQEQUAL: op = CMP_EQ; break;
        case TK_NOTEQUAL:
            if (p->src[p_peek(p)->start] == '<') goto done; /* '<>' */
            op = CMP_NOTEQ;
            break;
        case TK_GREATER: op = CMP_GT; break;
        case TK_GREATEREQUAL: op = CMP_GTE; break;
        case TK_IN: op = CMP_IN; break;
        case TK_IS:
            op = CMP_IS;
            if (p_type2(p) == TK_NOT) { p_next(p); op = CMP_ISNOT; }
            break;
        case TK_NOT:
            if (p_type2(p) != TK_IN) goto done;
            p_next(p);
            op = CMP_NOTIN;
            break;
        default: goto done;
        }
        p_next(p);
        mv_expr *r = mv_parse_bitwise_or(p);
        if (!r) return NULL;
        mv_vpush(p, (void *)(uintptr_t)op);
        mv_vpush(p, r);
    }
done:
    if (p->vs_len == m) return left;
    size_t n = (p->vs_len - m) / 2;
    mv_expr *e = mv_new_expr(p, E_COMPARE, st->lineno, st->col);
    if (!e) return NULL;
    e->u.compare.left = left;
    e->u.compare.n = n;
    e->u.compare.ops = mv_ast_alloc(p->a, n * sizeof(mv_cmpop_ast));
    e->u.compare.comparators = mv_ast_alloc(p->a, n * sizeof(mv_expr *));
    if (!e->u.compare.ops || !e->u.compare.comparators) return mv_parse_nomem(p);
    for (size_t i = 0; i < n; i++) {
        e->u.compare.ops[i] = (mv_cmpop_ast)(uintptr_t)p->vs[m + 2 * i];
        e->u.compare.comparators[i] = p->vs[m + 2 * i + 1];
    }
    p->vs_len = m;
    return e;
}

static mv_expr *inversion(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type != TK_NOT) return comparison(p);
    p_next(p);
    ENTER(p);
    mv_expr *v = inversion(p);
    LEAVE(p);
    if (!v) return NULL;
    mv_expr *e = mv_new_expr(p, E_UNARYOP, st->lineno, st->col);
    if (!e) return NULL;
    e->u.unaryop.op = UOP_NOT;
    e->u.unaryop.operand = v;
    return e;
}

static mv_expr *boolop(mv_parser *p, int tk, mv_boolop op, mv_expr *(*sub)(mv_parser *)) {
    mv_token *st = p_peek(p);
    mv_expr *first = sub(p);
    if (!first || p_type(p) != tk) return first;
    size_t m = mv_vmark(p);
    mv_vpush(p, first);
    while (p_accept(p, tk)) {
        mv_expr *x = sub(p);
        if (!x) return NULL;
        mv_vpush(p, x);
    }
    mv_expr *e = mv_new_expr(p, E_BOOLOP, st->lineno, st->col);
    if (!e) return NULL;
    e->u.boolop.op = op;
    e->u.boolop.values = mv_vseq(p, m);
    return e;
}

static mv_expr *conjunction(mv_parser *p) {
    return boolop(p, TK_AND, BOOL_AND, inversion);
}

mv_expr *mv_parse_disjunction(mv_parser *p) {
    return boolop(p, TK_OR, BOOL_OR, conjunction);
}

static mv_expr *lambdef(mv_parser *p) {
    mv_token *st = p_next(p); /* 'lambda' */
    mv_arguments *args = mv_parse_params(p, true, TK_COLON);
    if (!args) return NULL;
    if (!p_accept(p, TK_COLON)) return mv_parse_invalid(p);
    mv_expr *body = mv_parse_expression(p);
    if (!body) return NULL;
    mv_expr *e = mv_new_expr(p, E_LAMBDA, st->lineno, st->col);
    if (!e) return NULL;
    e->u.lambda.args = args;
    e->u.lambda.body = body;
    return e;
}

/* CPython's "invalid syntax. Perhaps you forgot a comma?": inside brackets, an expression directly
   followed by another one. */
static mv_expr *comma_hint(mv_parser *p, mv_expr *a) {
    if (p->no_hints || !(p_last(p)->level > 0 || p->fstring)) return a;
    int tt = p_type(p);
    switch (tt) {
    case TK_NAME: case TK_NUMBER: case TK_LPAR: case TK_LSQB: case TK_LBRACE: case TK_TILDE:
    case TK_LAMBDA: case TK_AWAIT: case TK_TRUE: case TK_FALSE: case TK_NONE: case TK_ELLIPSIS:
        break;
    case TK_STRING:
        if (a->kind == E_NAME) return a;
        break;
    default:
        return a;
    }
    size_t save = p->pos, furthest = p->furthest;
    p->quiet++;
    p->no_hints = true;
    mv_expr *b = mv_parse_expression(p);
    p->no_hints = false;
    p->quiet--;
    bool ok = b && !p->error;
    p->error = false;
    if (ok) {
        mv_span sp = {a->span.lineno, a->span.col_offset, b->span.end_lineno, b->span.end_col_offset};
        return mv_parse_error_node(p, sp, "invalid syntax. Perhaps you forgot a comma?");
    }
    p->pos = save;
    p->furthest = furthest;
    return a;
}

mv_expr *mv_parse_expression(mv_parser *p) {
    ENTER(p);
    mv_expr *r;
    if (p_type(p) == TK_LAMBDA) {
        r = lambdef(p);
        LEAVE(p);
        return r;
    }
    mv_token *st = p_peek(p);
    mv_expr *body = mv_parse_disjunction(p);
    if (!body || p_type(p) != TK_IF) {
        LEAVE(p);
        return body ? comma_hint(p, body) : NULL;
    }
    p_next(p);
    mv_expr *test = mv_parse_disjunction(p);
    if (!test) { LEAVE(p); return NULL; }
    if (!p_accept(p, TK_ELSE)) {
        LEAVE(p);
        if (p_type(p) == TK_COLON) return mv_parse_invalid(p);
        return mv_parse_error_at(p, &mv_exc_SyntaxError, body->span.lineno, body->span.col_offset,
                                 test->span.end_lineno, test->span.end_col_offset, "expected 'else' after 'if' expression");
    }
    mv_expr *orelse = mv_parse_expression(p);
    LEAVE(p);
    if (!orelse) return NULL;
    mv_expr *e = mv_new_expr(p, E_IFEXP, st->lineno, st->col);
    if (!e) return NULL;
    e->u.ifexp.test = test;
    e->u.ifexp.body = body;
    e->u.ifexp.orelse = orelse;
    return e;
}

mv_expr *mv_parse_named_expression(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type == TK_NAME && p_type2(p) == TK_COLONEQUAL) {
        p_next(p);
        p_next(p);
        mv_expr *target = mk_name(p, st, CTX_STORE);
        mv_expr *v = mv_parse_expression(p);
        if (!target || !v) return NULL;
        mv_expr *e = mv_new_expr(p, E_NAMEDEXPR, st->lineno, st->col);
        if (!e) return NULL;
        e->u.namedexpr.target = target;
        e->u.namedexpr.value = v;
        return e;
    }
    mv_expr *e = mv_parse_expression(p);
    if (e && p_type(p) == TK_COLONEQUAL)
        return mv_parse_error_node(p, e->span, "cannot use assignment expressions with %s", mv_expr_name(e));
    return e;
}

/* '*' bitwise_or | named_expression */
static mv_expr *star_named_expression(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type != TK_STAR) return mv_parse_named_expression(p);
    p_next(p);
    mv_expr *v = mv_parse_bitwise_or(p);
    if (!v) return NULL;
    mv_expr *e = mv_new_expr(p, E_STARRED, st->lineno, st->col);
    if (!e) return NULL;
    e->u.starred.value = v;
    e->u.starred.ctx = CTX_LOAD;
    return e;
}

static mv_expr *star_expression(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type != TK_STAR) return mv_parse_expression(p);
    p_next(p);
    mv_expr *v = mv_parse_bitwise_or(p);
    if (!v) return NULL;
    mv_expr *e = mv_new_expr(p, E_STARRED, st->lineno, st->col);
    if (!e) return NULL;
    e->u.starred.value = v;
    e->u.starred.ctx = CTX_LOAD;
    return e;
}

static bool starts_expression(int tt) {
    switch (tt) {
    case TK_NAME: case TK_NUMBER: case TK_STRING: case TK_LPAR: case TK_LSQB: case TK_LBRACE:
    case TK_MINUS: case TK_PLUS: case TK_TILDE: case TK_STAR: case TK_NOT: case TK_LAMBDA:
    case TK_AWAIT: case TK_TRUE: case TK_FALSE: case TK_NONE: case TK_ELLIPSIS:
        return true;
    default:
        return false;
    }
}

static mv_expr *expr_list(mv_parser *p, mv_expr *(*item)(mv_parser *)) {
    mv_token *st = p_peek(p);
    mv_expr *first = item(p);
    if (!first || p_type(p) != TK_COMMA) return first;
    size_t m = mv_vmark(p);
    mv_vpush(p, first);
    while (p_accept(p, TK_COMMA)) {
        if (!starts_expression(p_type(p))) break;
        mv_expr *x = item(p);
        if (!x) return NULL;
        mv_vpush(p, x);
    }
    mv_expr *e = mv_new_expr(p, E_TUPLE, st->lineno, st->col);
    if (!e) return NULL;
    e->u.tuple.elts = mv_vseq(p, m);
    e->u.tuple.ctx = CTX_LOAD;
    return e;
}

mv_expr *mv_parse_star_expressions(mv_parser *p) {
    return expr_list(p, star_expression);
}

mv_expr *mv_parse_star_named_expressions_tuple(mv_parser *p) {
    return expr_list(p, star_named_expression);
}

mv_expr *mv_parse_yield_expr(mv_parser *p) {
    mv_token *st = p_next(p); /* 'yield' */
    if (p_accept(p, TK_FROM)) {
        mv_expr *v = mv_parse_expression(p);
        if (!v) return NULL;
        mv_expr *e = mv_new_expr(p, E_YIELDFROM, st->lineno, st->col);
        if (!e) return NULL;
        e->u.yieldfrom.value = v;
        return e;
    }
    mv_expr *v = NULL;
    if (starts_expression(p_type(p))) {
        v = mv_parse_star_expressions(p);
        if (!v) return NULL;
    }
    mv_expr *e = mv_new_expr(p, E_YIELD, st->lineno, st->col);
    if (!e) return NULL;
    e->u.yield.value = v;
    return e;
}

/* ---- targets ---- */

static mv_expr *star_target(mv_parser *p) {
    mv_token *st = p_peek(p);
    if (st->type == TK_STAR) {
        p_next(p);
        ENTER(p);
        mv_expr *v = star_target(p);
        LEAVE(p);
        if (!v) return NULL;
        mv_expr *e = mv_new_expr(p, E_STARRED, st->lineno, st->col);
        if (!e) return NULL;
        e->u.starred.value = v;
        return e;
    }
    return primary(p);
}

static mv_expr *targets(mv_parser *p, mv_expr_ctx ctx) {
    mv_token *st = p_peek(p);
    mv_expr *first = star_target(p);
    if (!first) return NULL;
    mv_expr *e = first;
    if (p_type(p) == TK_COMMA) {
        size_t m = mv_vmark(p);
        mv_vpush(p, first);
        while (p_accept(p, TK_COMMA)) {
            int tt = p_type(p);
            if (tt != TK_NAME && tt != TK_LPAR && tt != TK_LSQB && tt != TK_STAR) break;
            mv_expr *x = star_target(p);
            if (!x) return NULL;
            mv_vpush(p, x);
        }
        e = mv_new_expr(p, E_TUPLE, st->lineno, st->col);
        if (!e) return NULL;
        e->u.tuple.elts = mv_vseq(p, m);
    }
    if (mv_set_context(p, e, ctx, false) < 0) return NULL;
    return e;
}

mv_expr *mv_parse_star_targets(mv_parser *p) {
    return targets(p, CTX_STORE);
}

mv_expr *mv_parse_star_target(mv_parser *p) {
    mv_expr *e = star_target(p);
    if (!e || mv_set_context(p, e, CTX_STORE, false) < 0) return NULL;
    return e;
}

mv_expr *mv_parse_del_targets(mv_parser *p) {
    return targets(p, CTX_DEL);
}

/* ---- comprehensions ---- */

static int comp_for(mv_parser *p, mv_ast_seq *out) {
    size_t m = mv_vmark(p);
    while (p_type(p) == TK_FOR || (p_type(p) == TK_ASYNC && p_type2(p) == TK_FOR)) {
        mv_comprehension *c = mv_ast_alloc(p->a, sizeof *c);
        if (!c) return mv_parse_nomem(p), -1;
        if (p_accept(p, TK_ASYNC)) c->is_async = true;
        p_next(p); /* for */
        c->target = mv_parse_star_targets(p);
        if (!c->target) return -1;
        if (!p_accept(p, TK_IN)) return mv_parse_invalid(p), -1;
        c->iter = mv_parse_disjunction(p);
        if (!c->iter) return -1;
        size_t mi = mv_vmark(p);
        while (p_accept(p, TK_IF)) {
            mv_expr *x = mv_parse_disjunction(p);
            if (!x) return -1;
            mv_vpush(p, x);
        }
        c->ifs = mv_vseq(p, mi);
        mv_vpush(p, c);
    }
    *out = mv_vseq(p, m);
    return 0;
}

/* ---- parameters (def and lambda) ---- */

static mv_arg *param(mv_parser *p, bool lambda) {
    mv_token *nm = p_peek(p);
    if (nm->type != TK_NAME) return mv_parse_invalid(p);
    p_next(p);
    mv_arg *a = mv_ast_alloc(p->a, sizeof *a);
    if (!a) return mv_parse_nomem(p);
    a->arg = mv_tok_str(p, nm);
    if (!lambda && p_accept(p, TK_COLON)) {
        a->annotation = mv_parse_expression(p);
        if (!a->annotation) return NULL;
    }
    a->span = (mv_span){nm->lineno, nm->col, 0, 0};
    mv_span_end(p, &a->span);
    return a;
}

mv_arguments *mv_parse_params(mv_parser *p, bool lambda, int closing) {
    mv_arguments *args = mv_ast_alloc(p->a, sizeof *args);
    if (!args) return mv_parse_nomem(p);
    size_t mpos = mv_vmark(p);
    /* positional params (and their defaults) go on the scratch stack as pairs */
    bool star_seen = false, seen_default = false, slash_seen = false;
    size_t nposonly = 0;
    size_t mkw = 0;
    while (p_type(p) != closing) {
        mv_token *st = p_peek(p);
        if (st->type == TK_SLASH) {
            if (slash_seen) return mv_parse_error_tok(p, st, "/ may appear only once");
            if (star_seen) return mv_parse_error_tok(p, st, "/ must be ahead of *");
            if (p->vs_len == mpos) return mv_parse_error_tok(p, st, "at least one argument must precede /");
            p_next(p);
            slash_seen = true;
            nposonly = (p->vs_len - mpos) / 2;
        } else if (st->type == TK_STAR) {
            if (star_seen) return mv_parse_error_tok(p, st, "* argument may appear only once");
            p_next(p);
            star_seen = true;
            mkw = p->vs_len;
            if (p_type(p) == TK_NAME) {
                args->vararg = param(p, lambda);
                if (!args->vararg) return NULL;
            } else if (p_type(p) == closing || (p_type(p) == TK_COMMA && (p_type2(p) == closing || p_type2(p) == TK_DOUBLESTAR))) {
                return mv_parse_error_tok(p, st, "named arguments must follow bare *");
            } else if (p_type(p) != TK_COMMA) {
                return mv_parse_invalid(p);
            }
        } else if (st->type == TK_DOUBLESTAR) {
            p_next(p);
            args->kwarg = param(p, lambda);
            if (!args->kwarg) return NULL;
            p_accept(p, TK_COMMA);
            if (p_type(p) != closing) {
                mv_token *bad = p_peek(p);
                if (bad->type == TK_NAME || bad->type == TK_STAR || bad->type == TK_DOUBLESTAR || bad->type == TK_SLASH)
                    return mv_parse_error_tok(p, bad, "arguments cannot follow var-keyword argument");
                return mv_parse_invalid(p);
            }
            break;
        } else {
            mv_arg *a = param(p, lambda);
            if (!a) return NULL;
            mv_expr *def = NULL;
            if (p_accept(p, TK_EQUAL)) {
                def = mv_parse_expression(p);
                if (!def) return NULL;
                if (!star_seen) seen_default = true;
            } else if (seen_default && !star_seen) {
                return mv_parse_error_node(p, a->span, "non-default argument follows default argument");
            }
            mv_vpush(p, a);
            mv_vpush(p, def);
        }
        if (!p_accept(p, TK_COMMA)) break;
    }
    if (p_type(p) != closing) return mv_parse_invalid(p);
    size_t npos = ((star_seen ? mkw : p->vs_len) - mpos) / 2;
    size_t nkw = star_seen ? (p->vs_len - mkw) / 2 : 0;
    void **po = mv_ast_alloc(p->a, (nposonly + 1) * sizeof(void *));
    void **pa = mv_ast_alloc(p->a, (npos - nposonly + 1) * sizeof(void *));
    void **defs = mv_ast_alloc(p->a, (npos + 1) * sizeof(void *));
    void **ka = mv_ast_alloc(p->a, (nkw + 1) * sizeof(void *));
    void **kd = mv_ast_alloc(p->a, (nkw + 1) * sizeof(void *));
    if (!po || !pa || !defs || !ka || !kd) return mv_parse_nomem(p);
    size_t ndefs = 0;
    for (size_t i = 0; i < npos; i++) {
        mv_arg *a = p->vs[mpos + 2 * i];
        mv_expr *d = p->vs[mpos + 2 * i + 1];
        if (i < nposonly) po[i] = a;
        else pa[i - nposonly] = a;
        if (d) defs[ndefs++] = d;
    }
    for (size_t i = 0; i < nkw; i++) {
        ka[i] = p->vs[mkw + 2 * i];
        kd[i] = p->vs[mkw + 2 * i + 1];
    }
    p->vs_len = mpos;
    args->posonlyargs = (mv_ast_seq){nposonly, po};
    args->args = (mv_ast_seq){npos - nposonly, pa};
    args->defaults = (mv_ast_seq){ndefs, defs};
    args->kwonlyargs = (mv_ast_seq){nkw, ka};
    args->kw_defaults = (mv_ast_seq){nkw, kd};
    return args;
}
