/* symtable.c: scope analysis.  Pass 1 walks the AST recording, per scope, how each name is used
 * (bound, read, declared global/nonlocal, parameter).  Pass 2 resolves every name to local,
 * global (explicit or implicit), free or cell, following CPython's analyze_block rules, so that
 * closures capture exactly what CPython captures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exc.h"
#include "str.h"
#include "symtable.h"

/* ---- small helpers ---------------------------------------------------------------------- */

static size_t hash_name(const char *s) {
    size_t h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

static void ste_rehash(mv_ste *ste) {
    size_t cap = ste->hashcap ? ste->hashcap * 2 : 16;
    free(ste->hash);
    ste->hash = malloc(cap * sizeof(int));
    for (size_t i = 0; i < cap; i++) ste->hash[i] = -1;
    ste->hashcap = cap;
    for (size_t i = 0; i < ste->nsyms; i++) {
        size_t h = hash_name(ste->syms[i].name) & (cap - 1);
        while (ste->hash[h] >= 0) h = (h + 1) & (cap - 1);
        ste->hash[h] = (int)i;
    }
}

mv_symbol *mv_ste_lookup(mv_ste *ste, const char *name) {
    if (!ste->hashcap) return NULL;
    size_t h = hash_name(name) & (ste->hashcap - 1);
    while (ste->hash[h] >= 0) {
        mv_symbol *s = &ste->syms[ste->hash[h]];
        if (strcmp(s->name, name) == 0) return s;
        h = (h + 1) & (ste->hashcap - 1);
    }
    return NULL;
}

static mv_symbol *ste_add(mv_ste *ste, const char *name, unsigned flags) {
    mv_symbol *s = mv_ste_lookup(ste, name);
    if (s) {
        s->flags |= flags;
        return s;
    }
    if (ste->nsyms == ste->capsyms) {
        ste->capsyms = ste->capsyms ? ste->capsyms * 2 : 16;
        ste->syms = realloc(ste->syms, ste->capsyms * sizeof(mv_symbol));
    }
    s = &ste->syms[ste->nsyms++];
    s->name = name;
    s->flags = flags;
    s->scope = SC_NONE;
    memset(&s->decl, 0, sizeof s->decl);
    if (ste->nsyms * 2 > ste->hashcap) {
        ste_rehash(ste);
    } else {
        size_t h = hash_name(name) & (ste->hashcap - 1);
        while (ste->hash[h] >= 0) h = (h + 1) & (ste->hashcap - 1);
        ste->hash[h] = (int)(ste->nsyms - 1);
    }
    return s;
}

mv_ste *mv_ste_child(mv_ste *ste, const void *key) {
    /* The compiler asks for children in the order pass 1 created them: start at the one after
       the last hit, so a module with thousands of functions is not quadratic. */
    size_t n = ste->nchildren;
    for (size_t k = 0; k < n; k++) {
        size_t i = (ste->child_hint + k) % n;
        if (ste->children[i]->key == key) {
            ste->child_hint = i + 1;
            return ste->children[i];
        }
    }
    return NULL;
}

static void ste_free(mv_ste *ste) {
    for (size_t i = 0; i < ste->nchildren; i++) ste_free(ste->children[i]);
    free(ste->children);
    free(ste->syms);
    free(ste->hash);
    free(ste->varnames);
    free(ste);
}

void mv_symtable_free(mv_symtable *st) {
    if (st->top)
        for (size_t i = st->top->nvarnames; i < st->top->capvarnames; i++)
            free((char *)st->top->varnames[i]);
    if (st->top) ste_free(st->top);
    st->top = NULL;
}

void mv_syntax_error_at(mv_thread *t, const char *filename, const char *src, size_t srclen,
                        const char *msg, mv_span span) {
    /* the source line for the error display */
    const char *p = src, *end = src + srclen;
    char *text = NULL;
    if (src) {
        for (int l = 1; l < span.lineno && p < end; l++) {
            const char *nl = memchr(p, '\n', end - p);
            if (!nl) { p = end; break; }
            p = nl + 1;
        }
        const char *nl = memchr(p, '\n', end - p);
        size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
        text = malloc(n + 1);
        memcpy(text, p, n);
        text[n] = 0;
    }
    mv_err_syntax(t, &mv_exc_SyntaxError, msg, filename, span.lineno, span.col_offset + 1, text,
                  span.end_lineno, span.end_col_offset + 1);
    free(text);
}

const char *mv_mangle(const char *private_name, const char *name, char *buf, size_t bufsize) {
    if (!private_name || name[0] != '_' || name[1] != '_') return name;
    size_t n = strlen(name);
    if (n >= 4 && name[n - 1] == '_' && name[n - 2] == '_') return name;
    if (strchr(name, '.')) return name;
    while (*private_name == '_') private_name++;
    if (!*private_name) return name;
    size_t pn = strlen(private_name);
    if (pn + n + 2 > bufsize) return name;
    buf[0] = '_';
    memcpy(buf + 1, private_name, pn);
    memcpy(buf + 1 + pn, name, n + 1);
    return buf;
}

/* ---- pass 1: collect ---------------------------------------------------------------------- */

typedef struct {
    mv_symtable *st;
    /* malloc'd mangled names, freed with the table */
    char **pool;
    size_t npool, cappool;
} walker;

static walker *W; /* the active walker (compilation is not reentrant within one thread here) */

static const char *pool_str(const char *s) {
    if (W->npool == W->cappool) {
        W->cappool = W->cappool ? W->cappool * 2 : 16;
        W->pool = realloc(W->pool, W->cappool * sizeof(char *));
    }
    return W->pool[W->npool++] = strdup(s);
}

static int st_error(mv_symtable *st, const char *msg, mv_span span) {
    if (!st->error)
        mv_syntax_error_at(st->t, st->filename, st->src, st->srclen, msg, span);
    st->error = 1;
    return -1;
}

static const char *mangled(mv_symtable *st, const char *name) {
    char buf[512];
    const char *m = mv_mangle(st->private_name, name, buf, sizeof buf);
    return m == name ? name : pool_str(m);
}

static int add_def(mv_symtable *st, const char *name, unsigned flag, mv_span span) {
    name = mangled(st, name);
    mv_ste *ste = st->cur;
    mv_symbol *s = mv_ste_lookup(ste, name);
    if ((flag & SYM_PARAM) && s && (s->flags & SYM_PARAM)) {
        char msg[300];
        snprintf(msg, sizeof msg, "duplicate argument '%s' in function definition", name);
        return st_error(st, msg, span);
    }
    ste_add(ste, name, flag);
    if (flag & SYM_PARAM) {
        if (ste->nvarnames == ste->capvarnames) {
            ste->capvarnames = ste->capvarnames ? ste->capvarnames * 2 : 8;
            ste->varnames = realloc(ste->varnames, ste->capvarnames * sizeof(char *));
        }
        ste->varnames[ste->nvarnames++] = name;
    }
    return 0;
}

static mv_ste *enter(mv_symtable *st, int type, const char *name, const void *key, mv_span span) {
    mv_ste *ste = calloc(1, sizeof(mv_ste));
    ste->type = type;
    ste->name = name;
    ste->key = key;
    ste->parent = st->cur;
    ste->lineno = span.lineno;
    ste->col = span.col_offset;
    if (st->cur) {
        mv_ste *p = st->cur;
        ste->nested = p->nested || p->type == STE_FUNCTION;
        if (p->nchildren == p->capchildren) {
            p->capchildren = p->capchildren ? p->capchildren * 2 : 4;
            p->children = realloc(p->children, p->capchildren * sizeof(mv_ste *));
        }
        p->children[p->nchildren++] = ste;
    }
    st->cur = ste;
    return ste;
}

static void leave(mv_symtable *st) { st->cur = st->cur->parent; }

static int visit_stmt(mv_symtable *st, mv_stmt *s);
static int visit_expr(mv_symtable *st, mv_expr *e);

static int visit_stmts(mv_symtable *st, mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++)
        if (visit_stmt(st, seq.items[i]) < 0) return -1;
    return 0;
}

static int visit_exprs(mv_symtable *st, mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++)
        if (seq.items[i] && visit_expr(st, seq.items[i]) < 0) return -1;
    return 0;
}

static int visit_params(mv_symtable *st, mv_arguments *a) {
    for (size_t i = 0; i < a->posonlyargs.n; i++) {
        mv_arg *arg = a->posonlyargs.items[i];
        if (add_def(st, arg->arg, SYM_PARAM, arg->span) < 0) return -1;
    }
    for (size_t i = 0; i < a->args.n; i++) {
        mv_arg *arg = a->args.items[i];
        if (add_def(st, arg->arg, SYM_PARAM, arg->span) < 0) return -1;
    }
    for (size_t i = 0; i < a->kwonlyargs.n; i++) {
        mv_arg *arg = a->kwonlyargs.items[i];
        if (add_def(st, arg->arg, SYM_PARAM, arg->span) < 0) return -1;
    }
    /* CPython's order: positional, keyword-only, then *args, **kwargs */
    if (a->vararg) {
        if (add_def(st, a->vararg->arg, SYM_PARAM, a->vararg->span) < 0) return -1;
        st->cur->has_varargs = true;
    }
    if (a->kwarg) {
        if (add_def(st, a->kwarg->arg, SYM_PARAM, a->kwarg->span) < 0) return -1;
        st->cur->has_varkw = true;
    }
    return 0;
}

static int visit_defaults(mv_symtable *st, mv_arguments *a) {
    if (visit_exprs(st, a->defaults) < 0) return -1;
    return visit_exprs(st, a->kw_defaults);
}

static int visit_annotations(mv_symtable *st, mv_arguments *a, mv_expr *returns) {
    mv_ast_seq *seqs[3] = {&a->posonlyargs, &a->args, &a->kwonlyargs};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < seqs[k]->n; i++) {
            mv_arg *arg = seqs[k]->items[i];
            if (arg->annotation && visit_expr(st, arg->annotation) < 0) return -1;
        }
    if (a->vararg && a->vararg->annotation && visit_expr(st, a->vararg->annotation) < 0) return -1;
    if (a->kwarg && a->kwarg->annotation && visit_expr(st, a->kwarg->annotation) < 0) return -1;
    if (returns && visit_expr(st, returns) < 0) return -1;
    return 0;
}

static int visit_comprehension(mv_symtable *st, mv_expr *e, const char *scope_name,
                               mv_ast_seq gens, mv_expr *elt, mv_expr *value) {
    mv_comprehension *first = gens.items[0];
    /* the outermost iterable is evaluated in the enclosing scope */
    if (visit_expr(st, first->iter) < 0) return -1;
    bool is_gen = e->kind == E_GENEXP;
    mv_ste *ste = enter(st, STE_FUNCTION, scope_name, e, e->span);
    ste->comprehension = true;
    if (is_gen) ste->generator = true;
    for (size_t i = 0; i < gens.n; i++)
        if (((mv_comprehension *)gens.items[i])->is_async) ste->coroutine = true;
    if (add_def(st, ".0", SYM_PARAM, e->span) < 0) return -1;
    for (size_t i = 0; i < gens.n; i++) {
        mv_comprehension *c = gens.items[i];
        if (visit_expr(st, c->target) < 0) return -1;
        if (i > 0 && visit_expr(st, c->iter) < 0) return -1;
        if (visit_exprs(st, c->ifs) < 0) return -1;
    }
    if (value && visit_expr(st, value) < 0) return -1;
    if (visit_expr(st, elt) < 0) return -1;
    if (!is_gen && ste->generator) {
        char msg[80];
        snprintf(msg, sizeof msg, "'yield' inside %s",
                 e->kind == E_LISTCOMP ? "list comprehension"
                 : e->kind == E_SETCOMP ? "set comprehension" : "dict comprehension");
        return st_error(st, msg, e->span);
    }
    leave(st);
    /* an asynchronous list/set/dict comprehension is awaited where it is used */
    if (ste->coroutine && !is_gen && st->cur->comprehension) st->cur->coroutine = true;
    return 0;
}

static int visit_walrus_target(mv_symtable *st, mv_expr *target) {
    const char *name = target->u.name.id;
    /* in a comprehension, the target binds in the nearest enclosing non-comprehension scope */
    if (st->cur->comprehension) {
        for (mv_ste *p = st->cur; p; p = p->parent) {
            if (p->comprehension) {
                mv_symbol *s = mv_ste_lookup(p, name);
                if (s && (s->flags & SYM_COMP_ITER))
                    return st_error(st, "assignment expression cannot rebind comprehension iteration variable", target->span);
                continue;
            }
            if (p->type == STE_CLASS)
                return st_error(st, "assignment expression within a comprehension cannot be used in a class body", target->span);
            unsigned inner = p->type == STE_FUNCTION ? SYM_NONLOCAL : SYM_GLOBAL;
            mv_symbol *ps = mv_ste_lookup(p, name);
            if (p->type == STE_MODULE || (ps && (ps->flags & SYM_GLOBAL))) inner = SYM_GLOBAL;
            ste_add(p, name, SYM_LOCAL);
            for (mv_ste *q = st->cur; q != p; q = q->parent) ste_add(q, name, inner | SYM_USE);
            return 0;
        }
    }
    return add_def(st, name, SYM_LOCAL, target->span);
}

static int visit_expr(mv_symtable *st, mv_expr *e) {
    switch (e->kind) {
    case E_BOOLOP: return visit_exprs(st, e->u.boolop.values);
    case E_NAMEDEXPR:
        if (visit_expr(st, e->u.namedexpr.value) < 0) return -1;
        return visit_walrus_target(st, e->u.namedexpr.target);
    case E_BINOP:
        if (visit_expr(st, e->u.binop.left) < 0) return -1;
        return visit_expr(st, e->u.binop.right);
    case E_UNARYOP: return visit_expr(st, e->u.unaryop.operand);
    case E_LAMBDA: {
        if (visit_defaults(st, e->u.lambda.args) < 0) return -1;
        enter(st, STE_FUNCTION, "lambda", e, e->span);
        if (visit_params(st, e->u.lambda.args) < 0) return -1;
        if (visit_expr(st, e->u.lambda.body) < 0) return -1;
        leave(st);
        return 0;
    }
    case E_IFEXP:
        if (visit_expr(st, e->u.ifexp.test) < 0 || visit_expr(st, e->u.ifexp.body) < 0) return -1;
        return visit_expr(st, e->u.ifexp.orelse);
    case E_DICT:
        if (visit_exprs(st, e->u.dict.keys) < 0) return -1;
        return visit_exprs(st, e->u.dict.values);
    case E_SET: return visit_exprs(st, e->u.set.elts);
    case E_LISTCOMP:
        return visit_comprehension(st, e, "listcomp", e->u.comp.generators, e->u.comp.elt, NULL);
    case E_SETCOMP:
        return visit_comprehension(st, e, "setcomp", e->u.comp.generators, e->u.comp.elt, NULL);
    case E_GENEXP:
        return visit_comprehension(st, e, "genexpr", e->u.comp.generators, e->u.comp.elt, NULL);
    case E_DICTCOMP:
        return visit_comprehension(st, e, "dictcomp", e->u.dictcomp.generators, e->u.dictcomp.key,
                                   e->u.dictcomp.value);
    case E_AWAIT:
        /* an await makes a comprehension asynchronous; in a function, `async def` decides */
        if (st->cur->comprehension) st->cur->coroutine = true;
        return visit_expr(st, e->u.await_.value);
    case E_YIELD:
        st->cur->generator = true;
        return e->u.yield.value ? visit_expr(st, e->u.yield.value) : 0;
    case E_YIELDFROM:
        st->cur->generator = true;
        return visit_expr(st, e->u.yieldfrom.value);
    case E_COMPARE:
        if (visit_expr(st, e->u.compare.left) < 0) return -1;
        for (size_t i = 0; i < e->u.compare.n; i++)
            if (visit_expr(st, e->u.compare.comparators[i]) < 0) return -1;
        return 0;
    case E_CALL:
        if (visit_expr(st, e->u.call.func) < 0) return -1;
        if (visit_exprs(st, e->u.call.args) < 0) return -1;
        for (size_t i = 0; i < e->u.call.keywords.n; i++) {
            mv_keyword *k = e->u.call.keywords.items[i];
            if (visit_expr(st, k->value) < 0) return -1;
        }
        return 0;
    case E_FORMATTEDVALUE:
        if (visit_expr(st, e->u.formatted.value) < 0) return -1;
        return e->u.formatted.format_spec ? visit_expr(st, e->u.formatted.format_spec) : 0;
    case E_JOINEDSTR: return visit_exprs(st, e->u.joinedstr.values);
    case E_CONSTANT: return 0;
    case E_ATTRIBUTE: return visit_expr(st, e->u.attribute.value);
    case E_SUBSCRIPT:
        if (visit_expr(st, e->u.subscript.value) < 0) return -1;
        return visit_expr(st, e->u.subscript.slice);
    case E_STARRED: return visit_expr(st, e->u.starred.value);
    case E_NAME: {
        const char *id = e->u.name.id;
        if (e->u.name.ctx == CTX_LOAD) {
            if (add_def(st, id, SYM_USE, e->span) < 0) return -1;
            if (st->cur->type == STE_FUNCTION && strcmp(id, "super") == 0)
                if (add_def(st, "__class__", SYM_USE, e->span) < 0) return -1;
            return 0;
        }
        unsigned fl = SYM_LOCAL;
        /* comprehension iteration variables (for the walrus rebinding check) */
        if (st->cur->comprehension) fl |= SYM_COMP_ITER;
        return add_def(st, id, fl, e->span);
    }
    case E_LIST: return visit_exprs(st, e->u.list.elts);
    case E_TUPLE: return visit_exprs(st, e->u.tuple.elts);
    case E_SLICE:
        if (e->u.slice.lower && visit_expr(st, e->u.slice.lower) < 0) return -1;
        if (e->u.slice.upper && visit_expr(st, e->u.slice.upper) < 0) return -1;
        if (e->u.slice.step && visit_expr(st, e->u.slice.step) < 0) return -1;
        return 0;
    }
    return 0;
}

static int visit_global_nonlocal(mv_symtable *st, mv_stmt *s, bool is_global) {
    mv_ast_seq names = is_global ? s->u.global.names : s->u.nonlocal.names;
    const char *kw = is_global ? "global" : "nonlocal";
    if (!is_global && st->cur->type == STE_MODULE)
        return st_error(st, "nonlocal declaration not allowed at module level", s->span);
    for (size_t i = 0; i < names.n; i++) {
        const char *name = mangled(st, names.items[i]);
        mv_symbol *sym = mv_ste_lookup(st->cur, name);
        if (sym) {
            unsigned fl = sym->flags;
            const char *fmt = NULL;
            if (fl & SYM_PARAM) fmt = "name '%s' is parameter and %s";
            else if (fl & SYM_USE) fmt = "name '%s' is used prior to %s declaration";
            else if (fl & SYM_ANNOT) fmt = "annotated name '%s' can't be %s";
            else if (fl & SYM_LOCAL) fmt = "name '%s' is assigned to before %s declaration";
            if (!is_global && (fl & SYM_GLOBAL)) fmt = "name '%s' is nonlocal and global";
            if (is_global && (fl & SYM_NONLOCAL)) fmt = "name '%s' is nonlocal and global";
            if (fmt) {
                char msg[400];
                snprintf(msg, sizeof msg, fmt, name, kw);
                return st_error(st, msg, s->span);
            }
        }
        mv_symbol *ns = ste_add(st->cur, name, is_global ? SYM_GLOBAL : SYM_NONLOCAL);
        ns->decl = s->span;
    }
    return 0;
}

/* match patterns (walked by compile_match.c) */
static int match_expr_cb(void *st, mv_expr *e) { return visit_expr(st, e); }
static int match_store_cb(void *st, const char *name, mv_span sp) { return add_def(st, name, SYM_LOCAL, sp); }

static int visit_stmt(mv_symtable *st, mv_stmt *s) {
    switch (s->kind) {
    case S_FUNCTIONDEF:
    case S_ASYNCFUNCTIONDEF: {
        if (add_def(st, s->u.funcdef.name, SYM_LOCAL, s->span) < 0) return -1;
        if (visit_defaults(st, s->u.funcdef.args) < 0) return -1;
        if (visit_annotations(st, s->u.funcdef.args, s->u.funcdef.returns) < 0) return -1;
        if (visit_exprs(st, s->u.funcdef.decorator_list) < 0) return -1;
        mv_ste *ste = enter(st, STE_FUNCTION, s->u.funcdef.name, s, s->span);
        if (s->kind == S_ASYNCFUNCTIONDEF) ste->coroutine = true;
        if (visit_params(st, s->u.funcdef.args) < 0) return -1;
        if (visit_stmts(st, s->u.funcdef.body) < 0) return -1;
        leave(st);
        return 0;
    }
    case S_CLASSDEF: {
        if (add_def(st, s->u.classdef.name, SYM_LOCAL, s->span) < 0) return -1;
        if (visit_exprs(st, s->u.classdef.bases) < 0) return -1;
        for (size_t i = 0; i < s->u.classdef.keywords.n; i++) {
            mv_keyword *k = s->u.classdef.keywords.items[i];
            if (visit_expr(st, k->value) < 0) return -1;
        }
        if (visit_exprs(st, s->u.classdef.decorator_list) < 0) return -1;
        const char *saved = st->private_name;
        enter(st, STE_CLASS, s->u.classdef.name, s, s->span);
        st->private_name = s->u.classdef.name;
        if (visit_stmts(st, s->u.classdef.body) < 0) return -1;
        st->private_name = saved;
        leave(st);
        return 0;
    }
    case S_RETURN:
        if (s->u.ret.value) {
            st->cur->returns_value = true;
            return visit_expr(st, s->u.ret.value);
        }
        return 0;
    case S_DELETE: return visit_exprs(st, s->u.del.targets);
    case S_ASSIGN:
        if (visit_exprs(st, s->u.assign.targets) < 0) return -1;
        return visit_expr(st, s->u.assign.value);
    case S_AUGASSIGN:
        if (visit_expr(st, s->u.augassign.target) < 0) return -1;
        if (s->u.augassign.target->kind == E_NAME)
            add_def(st, s->u.augassign.target->u.name.id, SYM_USE, s->span);
        return visit_expr(st, s->u.augassign.value);
    case S_ANNASSIGN: {
        mv_expr *tg = s->u.annassign.target;
        if (tg->kind == E_NAME) {
            mv_symbol *sym = mv_ste_lookup(st->cur, mangled(st, tg->u.name.id));
            if (sym && (sym->flags & (SYM_GLOBAL | SYM_NONLOCAL)) && s->u.annassign.simple) {
                char msg[400];
                snprintf(msg, sizeof msg, "annotated name '%s' can't be %s", tg->u.name.id,
                         (sym->flags & SYM_GLOBAL) ? "global" : "nonlocal");
                return st_error(st, msg, s->span);
            }
            if (add_def(st, tg->u.name.id, SYM_LOCAL | (s->u.annassign.simple ? SYM_ANNOT : 0), tg->span) < 0)
                return -1;
        } else if (visit_expr(st, tg) < 0) {
            return -1;
        }
        if (st->cur->type != STE_FUNCTION && visit_expr(st, s->u.annassign.annotation) < 0) return -1;
        return s->u.annassign.value ? visit_expr(st, s->u.annassign.value) : 0;
    }
    case S_FOR:
    case S_ASYNCFOR:
        if (visit_expr(st, s->u.for_.target) < 0 || visit_expr(st, s->u.for_.iter) < 0) return -1;
        if (visit_stmts(st, s->u.for_.body) < 0) return -1;
        return visit_stmts(st, s->u.for_.orelse);
    case S_WHILE:
    case S_IF:
        if (visit_expr(st, s->u.while_.test) < 0) return -1;
        if (visit_stmts(st, s->u.while_.body) < 0) return -1;
        return visit_stmts(st, s->u.while_.orelse);
    case S_WITH:
    case S_ASYNCWITH:
        for (size_t i = 0; i < s->u.with.items.n; i++) {
            mv_withitem *w = s->u.with.items.items[i];
            if (visit_expr(st, w->context_expr) < 0) return -1;
            if (w->optional_vars && visit_expr(st, w->optional_vars) < 0) return -1;
        }
        return visit_stmts(st, s->u.with.body);
    case S_RAISE:
        if (s->u.raise.exc && visit_expr(st, s->u.raise.exc) < 0) return -1;
        if (s->u.raise.cause && visit_expr(st, s->u.raise.cause) < 0) return -1;
        return 0;
    case S_TRY:
        if (visit_stmts(st, s->u.try_.body) < 0) return -1;
        for (size_t i = 0; i < s->u.try_.handlers.n; i++) {
            mv_excepthandler *h = s->u.try_.handlers.items[i];
            if (h->type && visit_expr(st, h->type) < 0) return -1;
            if (h->name && add_def(st, h->name, SYM_LOCAL, h->span) < 0) return -1;
            if (visit_stmts(st, h->body) < 0) return -1;
        }
        if (visit_stmts(st, s->u.try_.orelse) < 0) return -1;
        return visit_stmts(st, s->u.try_.finalbody);
    case S_ASSERT:
        if (visit_expr(st, s->u.assert_.test) < 0) return -1;
        return s->u.assert_.msg ? visit_expr(st, s->u.assert_.msg) : 0;
    case S_IMPORT:
    case S_IMPORTFROM: {
        mv_ast_seq names = s->kind == S_IMPORT ? s->u.import.names : s->u.importfrom.names;
        for (size_t i = 0; i < names.n; i++) {
            mv_alias *a = names.items[i];
            if (strcmp(a->name, "*") == 0) {
                if (st->cur->type != STE_MODULE)
                    return st_error(st, "import * only allowed at module level", a->span);
                continue;
            }
            const char *bind = a->asname;
            if (!bind) {
                const char *dot = strchr(a->name, '.');
                bind = dot ? pool_str(a->name) : a->name;
                if (dot) ((char *)bind)[dot - a->name] = 0;
            }
            if (add_def(st, bind, SYM_IMPORT, a->span) < 0) return -1;
        }
        return 0;
    }
    case S_GLOBAL: return visit_global_nonlocal(st, s, true);
    case S_NONLOCAL: return visit_global_nonlocal(st, s, false);
    case S_EXPR: return visit_expr(st, s->u.expr.value);
    case S_PASS:
    case S_BREAK:
    case S_CONTINUE: return 0;
    case S_MATCH:
        if (visit_expr(st, s->u.match.subject) < 0) return -1;
        for (size_t i = 0; i < s->u.match.cases.n; i++) {
            mv_match_case *mc = s->u.match.cases.items[i];
            if (mv_match_visit_pattern(mc->pattern, match_expr_cb, match_store_cb, st) < 0) return -1;
            if (mc->guard && visit_expr(st, mc->guard) < 0) return -1;
            if (visit_stmts(st, mc->body) < 0) return -1;
        }
        return 0;
    }
    return 0;
}

/* ---- pass 2: analyze ------------------------------------------------------------------------ */

/* A set of names with a hash index: scopes can hold thousands of names (a generated module), so
   membership must not be a linear scan. */
typedef struct {
    const char **v;
    size_t n, cap;
    int *idx;      /* open-addressed positions into v, -1 empty; idxcap is a power of two */
    size_t idxcap;
} nameset;

static void ns_reindex(nameset *s) {
    size_t cap = 16;
    while (cap < s->n * 2 + 2) cap *= 2;
    if (cap != s->idxcap) {
        free(s->idx);
        s->idx = malloc(cap * sizeof(int));
        s->idxcap = cap;
    }
    for (size_t i = 0; i < cap; i++) s->idx[i] = -1;
    for (size_t i = 0; i < s->n; i++) {
        size_t h = hash_name(s->v[i]) & (cap - 1);
        while (s->idx[h] >= 0) h = (h + 1) & (cap - 1);
        s->idx[h] = (int)i;
    }
}
/* position of n in s->v, or -1 */
static long ns_find(nameset *s, const char *n) {
    if (!s->n) return -1;
    size_t h = hash_name(n) & (s->idxcap - 1);
    while (s->idx[h] >= 0) {
        if (strcmp(s->v[s->idx[h]], n) == 0) return s->idx[h];
        h = (h + 1) & (s->idxcap - 1);
    }
    return -1;
}
static bool ns_has(nameset *s, const char *n) { return ns_find(s, n) >= 0; }
static void ns_add(nameset *s, const char *n) {
    if (ns_has(s, n)) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = realloc(s->v, s->cap * sizeof(char *));
    }
    s->v[s->n++] = n;
    if (s->n * 2 + 2 > s->idxcap) {
        ns_reindex(s);
    } else {
        size_t h = hash_name(n) & (s->idxcap - 1);
        while (s->idx[h] >= 0) h = (h + 1) & (s->idxcap - 1);
        s->idx[h] = (int)(s->n - 1);
    }
}
static void ns_del(nameset *s, const char *n) {
    long i = ns_find(s, n);
    if (i < 0) return;
    s->v[i] = s->v[--s->n];
    ns_reindex(s); /* deletions are rare (explicit globals, captured names) */
}
static void ns_copy(nameset *dst, nameset *src) {
    for (size_t i = 0; i < src->n; i++) ns_add(dst, src->v[i]);
}
static void ns_free(nameset *s) {
    free(s->v);
    free(s->idx);
    s->v = NULL;
    s->idx = NULL;
    s->n = s->cap = s->idxcap = 0;
}

static int analyze_block(mv_symtable *st, mv_ste *ste, nameset *bound, nameset *free_,
                         nameset *global);

static int analyze_name(mv_symtable *st, mv_ste *ste, mv_symbol *sym, nameset *bound,
                        nameset *local, nameset *free_, nameset *global) {
    const char *name = sym->name;
    unsigned fl = sym->flags;
    if (fl & SYM_GLOBAL) {
        sym->scope = SC_GLOBAL_EXPLICIT;
        ns_add(global, name);
        if (bound) ns_del(bound, name);
        return 0;
    }
    if (fl & SYM_NONLOCAL) {
        if (!bound || !ns_has(bound, name)) {
            char msg[300];
            snprintf(msg, sizeof msg, "no binding for nonlocal '%s' found", name);
            return st_error(st, msg, sym->decl);
        }
        sym->scope = SC_FREE;
        ns_add(free_, name);
        return 0;
    }
    if (fl & SYM_BOUND) {
        sym->scope = SC_LOCAL;
        ns_add(local, name);
        ns_del(global, name);
        return 0;
    }
    if (bound && ns_has(bound, name)) {
        sym->scope = SC_FREE;
        ns_add(free_, name);
        return 0;
    }
    sym->scope = SC_GLOBAL_IMPLICIT;
    return 0;
}

static int analyze_block(mv_symtable *st, mv_ste *ste, nameset *bound, nameset *free_,
                         nameset *global) {
    nameset local = {0}, newbound = {0}, newglobal = {0}, newfree = {0};
    int rc = -1;
    for (size_t i = 0; i < ste->nsyms; i++)
        if (analyze_name(st, ste, &ste->syms[i], bound, &local, free_, global) < 0) goto done;
    if (ste->type != STE_CLASS) {
        if (ste->type == STE_FUNCTION) ns_copy(&newbound, &local);
        if (bound) ns_copy(&newbound, bound);
        ns_copy(&newglobal, global);
    } else {
        if (bound) ns_copy(&newbound, bound);
        ns_copy(&newglobal, global);
    }
    if (ste->type == STE_CLASS) ns_add(&newbound, "__class__");
    for (size_t i = 0; i < ste->nchildren; i++) {
        nameset cbound = {0}, cglobal = {0}, cfree = {0};
        ns_copy(&cbound, &newbound);
        ns_copy(&cglobal, &newglobal);
        int r = analyze_block(st, ste->children[i], &cbound, &cfree, &cglobal);
        ns_copy(&newfree, &cfree);
        ns_free(&cbound);
        ns_free(&cglobal);
        ns_free(&cfree);
        if (r < 0) goto done;
    }
    if (ste->type == STE_FUNCTION) {
        /* locals captured by children become cells */
        for (size_t i = 0; i < ste->nsyms; i++) {
            mv_symbol *sym = &ste->syms[i];
            if (sym->scope == SC_LOCAL && ns_has(&newfree, sym->name)) {
                sym->scope = SC_CELL;
                ns_del(&newfree, sym->name);
            }
        }
    }
    if (ste->type == STE_CLASS && ns_has(&newfree, "__class__")) {
        ste->needs_class_closure = true;
        ns_del(&newfree, "__class__");
    }
    /* names free in children pass through this scope */
    for (size_t i = 0; i < newfree.n; i++) {
        const char *name = newfree.v[i];
        mv_symbol *sym = mv_ste_lookup(ste, name);
        if (sym) {
            if (ste->type == STE_CLASS && (sym->flags & SYM_BOUND)) sym->flags |= SYM_FREE_CLASS;
            else if (sym->scope == SC_GLOBAL_IMPLICIT || sym->scope == SC_NONE) sym->scope = SC_FREE;
            continue;
        }
        if (ste->type == STE_MODULE) continue;
        sym = ste_add(ste, name, 0);
        sym->scope = SC_FREE;
    }
    if (ste->type != STE_MODULE) ns_copy(free_, &newfree);
    rc = 0;
done:
    ns_free(&local);
    ns_free(&newbound);
    ns_free(&newglobal);
    ns_free(&newfree);
    return rc;
}

int mv_symtable_build(mv_symtable *st, mv_thread *t, mv_module_ast *mod, const char *filename,
                      const char *src, size_t srclen) {
    memset(st, 0, sizeof *st);
    st->t = t;
    st->filename = filename;
    st->src = src;
    st->srclen = srclen;
    walker w = {st, NULL, 0, 0};
    walker *saved = W;
    W = &w;
    mv_span sp = {1, 0, 1, 0};
    st->top = enter(st, STE_MODULE, "top", mod, sp);
    int rc = visit_stmts(st, mod->body);
    W = saved;
    /* pool strings must outlive the table: they are referenced by symbols; keep them leaked into
       the top entry's lifetime by freeing them at mv_symtable_free.  Simplest: attach to top. */
    if (rc == 0) {
        nameset global = {0}, free_ = {0};
        rc = analyze_block(st, st->top, NULL, &free_, &global);
        ns_free(&global);
        ns_free(&free_);
    }
    /* The pooled names are referenced until mv_symtable_free; stash them. */
    st->top->varnames = realloc(st->top->varnames, (st->top->nvarnames + w.npool + 1) * sizeof(char *));
    for (size_t i = 0; i < w.npool; i++) st->top->varnames[st->top->nvarnames + i] = w.pool[i];
    st->top->capvarnames = st->top->nvarnames + w.npool; /* pooled entries follow nvarnames */
    free(w.pool);
    return rc;
}
