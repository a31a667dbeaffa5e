/* ast.c: the AST arena (bump allocation in big chunks, freed at once, plus the constant Values it
 * owns) and mv_ast_dump, which prints a tree exactly as CPython 3.11's ast.dump() does: it is the
 * parser tests' oracle.
 */
#include "ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/abstract.h"
#include "../runtime/str.h"

/* ---- arena -------------------------------------------------------------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t size;
    _Alignas(16) char data[];
} chunk;

struct mv_ast_arena {
    chunk *chunks;
    char *cur, *end;
    Value *vals;
    size_t nvals, capvals;
};

mv_ast_arena *mv_ast_arena_new(void) {
    return calloc(1, sizeof(mv_ast_arena));
}

void mv_ast_arena_free(mv_ast_arena *a) {
    if (!a) return;
    for (size_t i = 0; i < a->nvals; i++) MV_DECREF(a->vals[i]);
    free(a->vals);
    chunk *c = a->chunks;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *mv_ast_alloc(mv_ast_arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if ((size_t)(a->end - a->cur) < size) {
        /* big calloc'd chunks come zeroed straight from mmap: no memset per node */
        size_t csize = size > 256 * 1024 ? size : 256 * 1024;
        chunk *c = calloc(1, sizeof(chunk) + csize);
        if (!c) return NULL;
        c->next = a->chunks;
        c->size = csize;
        a->chunks = c;
        a->cur = c->data;
        a->end = c->data + csize;
    }
    void *p = a->cur;
    a->cur += size;
    return p;
}

int mv_ast_arena_keep(mv_ast_arena *a, Value v) {
    if (MV_IS_SMALL(v)) return 0;
    if (a->nvals == a->capvals) {
        size_t ncap = a->capvals ? a->capvals * 2 : 64;
        Value *nv = realloc(a->vals, ncap * sizeof *nv);
        if (!nv) {
            MV_DECREF(v);
            return -1;
        }
        a->vals = nv;
        a->capvals = ncap;
    }
    a->vals[a->nvals++] = v;
    return 0;
}

char *mv_ast_strndup(mv_ast_arena *a, const char *s, size_t n) {
    char *p = mv_ast_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* ---- dump ------------------------------------------------------------------------------------ */

typedef struct {
    mv_thread *t;
    char *buf;
    size_t len, cap;
    bool failed;
    bool attrs; /* also print positions, as ast.dump(include_attributes=True) */
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->len + n + 1 > o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 256;
        while (ncap < o->len + n + 1) ncap *= 2;
        char *nb = realloc(o->buf, ncap);
        if (!nb) {
            o->failed = true;
            return;
        }
        o->buf = nb;
        o->cap = ncap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}
static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static void dump_expr(out *o, mv_expr *e);
static void dump_stmt(out *o, mv_stmt *s);

/* Python's repr of a str held as a C string (identifiers, attribute names). */
static void put_strrepr(out *o, const char *s) {
    Value v = mv_str_new(s, strlen(s));
    Value r = v ? mv_repr(o->t, v) : NULL;
    if (r) put(o, mv_str_data(r), mv_str_size(r));
    else o->failed = true;
    MV_XDECREF(r);
    MV_XDECREF(v);
}

static void field_sep(out *o, bool *first) {
    if (!*first) puts_(o, ", ");
    *first = false;
}

static void put_span(out *o, bool first, mv_span sp) {
    char b[128];
    if (!o->attrs) return;
    snprintf(b, sizeof b, "%slineno=%d, col_offset=%d, end_lineno=%d, end_col_offset=%d", first ? "" : ", ",
             sp.lineno, sp.col_offset, sp.end_lineno, sp.end_col_offset);
    puts_(o, b);
}

static void f_expr(out *o, bool *first, const char *name, mv_expr *e) {
    if (!e) return; /* optional fields that are None are omitted */
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=");
    dump_expr(o, e);
}
static void f_str(out *o, bool *first, const char *name, const char *s) {
    if (!s) return;
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=");
    put_strrepr(o, s);
}
static void f_int(out *o, bool *first, const char *name, long v) {
    char b[32];
    field_sep(o, first);
    puts_(o, name);
    snprintf(b, sizeof b, "=%ld", v);
    puts_(o, b);
}
static void f_exprs(out *o, bool *first, const char *name, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=[");
    for (size_t i = 0; i < s.n; i++) {
        if (i) puts_(o, ", ");
        if (s.items[i]) dump_expr(o, s.items[i]);
        else puts_(o, "None");
    }
    puts_(o, "]");
}
static void f_stmts(out *o, bool *first, const char *name, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=[");
    for (size_t i = 0; i < s.n; i++) {
        if (i) puts_(o, ", ");
        dump_stmt(o, s.items[i]);
    }
    puts_(o, "]");
}
static void f_ctx(out *o, bool *first, mv_expr_ctx ctx) {
    field_sep(o, first);
    puts_(o, ctx == CTX_LOAD ? "ctx=Load()" : ctx == CTX_STORE ? "ctx=Store()" : "ctx=Del()");
}

static const char *const op_names[] = {"Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "LShift",
                                       "RShift", "BitAnd", "BitOr", "BitXor", "MatMult"};
static const char *const cmp_names[] = {"Lt", "LtE", "Eq", "NotEq", "Gt", "GtE", "Is", "IsNot", "In", "NotIn"};
static const char *const uop_names[] = {"Invert", "Not", "UAdd", "USub"};

static void f_op(out *o, bool *first, const char *name) {
    field_sep(o, first);
    puts_(o, "op=");
    puts_(o, name);
    puts_(o, "()");
}

static void dump_arg(out *o, mv_arg *a) {
    bool first = true;
    puts_(o, "arg(");
    f_str(o, &first, "arg", a->arg);
    f_expr(o, &first, "annotation", a->annotation);
    put_span(o, first, a->span);
    puts_(o, ")");
}
static void f_args(out *o, bool *first, const char *name, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=[");
    for (size_t i = 0; i < s.n; i++) {
        if (i) puts_(o, ", ");
        dump_arg(o, s.items[i]);
    }
    puts_(o, "]");
}
static void f_arg(out *o, bool *first, const char *name, mv_arg *a) {
    if (!a) return;
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=");
    dump_arg(o, a);
}

static void dump_arguments(out *o, mv_arguments *a) {
    bool first = true;
    puts_(o, "arguments(");
    f_args(o, &first, "posonlyargs", a->posonlyargs);
    f_args(o, &first, "args", a->args);
    f_arg(o, &first, "vararg", a->vararg);
    f_args(o, &first, "kwonlyargs", a->kwonlyargs);
    f_exprs(o, &first, "kw_defaults", a->kw_defaults);
    f_arg(o, &first, "kwarg", a->kwarg);
    f_exprs(o, &first, "defaults", a->defaults);
    puts_(o, ")");
}

static void f_keywords(out *o, bool *first, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, "keywords=[");
    for (size_t i = 0; i < s.n; i++) {
        mv_keyword *k = s.items[i];
        bool f2 = true;
        if (i) puts_(o, ", ");
        puts_(o, "keyword(");
        f_str(o, &f2, "arg", k->arg);
        f_expr(o, &f2, "value", k->value);
        put_span(o, f2, k->span);
        puts_(o, ")");
    }
    puts_(o, "]");
}

static void f_generators(out *o, bool *first, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, "generators=[");
    for (size_t i = 0; i < s.n; i++) {
        mv_comprehension *c = s.items[i];
        bool f2 = true;
        if (i) puts_(o, ", ");
        puts_(o, "comprehension(");
        f_expr(o, &f2, "target", c->target);
        f_expr(o, &f2, "iter", c->iter);
        f_exprs(o, &f2, "ifs", c->ifs);
        f_int(o, &f2, "is_async", c->is_async);
        puts_(o, ")");
    }
    puts_(o, "]");
}

static void dump_constant(out *o, Value v) {
    Value r = mv_repr(o->t, v);
    if (!r) {
        o->failed = true;
        return;
    }
    put(o, mv_str_data(r), mv_str_size(r));
    MV_DECREF(r);
}

static void dump_expr(out *o, mv_expr *e) {
    static const char *const names[] = {
        "BoolOp", "NamedExpr", "BinOp", "UnaryOp", "Lambda", "IfExp", "Dict", "Set", "ListComp",
        "SetComp", "DictComp", "GeneratorExp", "Await", "Yield", "YieldFrom", "Compare", "Call",
        "FormattedValue", "JoinedStr", "Constant", "Attribute", "Subscript", "Starred", "Name",
        "List", "Tuple", "Slice"};
    bool first = true;
    puts_(o, names[e->kind]);
    puts_(o, "(");
    switch (e->kind) {
    case E_BOOLOP:
        f_op(o, &first, e->u.boolop.op == BOOL_AND ? "And" : "Or");
        f_exprs(o, &first, "values", e->u.boolop.values);
        break;
    case E_NAMEDEXPR:
        f_expr(o, &first, "target", e->u.namedexpr.target);
        f_expr(o, &first, "value", e->u.namedexpr.value);
        break;
    case E_BINOP:
        f_expr(o, &first, "left", e->u.binop.left);
        f_op(o, &first, op_names[e->u.binop.op]);
        f_expr(o, &first, "right", e->u.binop.right);
        break;
    case E_UNARYOP:
        f_op(o, &first, uop_names[e->u.unaryop.op]);
        f_expr(o, &first, "operand", e->u.unaryop.operand);
        break;
    case E_LAMBDA:
        field_sep(o, &first);
        puts_(o, "args=");
        dump_arguments(o, e->u.lambda.args);
        f_expr(o, &first, "body", e->u.lambda.body);
        break;
    case E_IFEXP:
        f_expr(o, &first, "test", e->u.ifexp.test);
        f_expr(o, &first, "body", e->u.ifexp.body);
        f_expr(o, &first, "orelse", e->u.ifexp.orelse);
        break;
    case E_DICT:
        f_exprs(o, &first, "keys", e->u.dict.keys);
        f_exprs(o, &first, "values", e->u.dict.values);
        break;
    case E_SET:
        f_exprs(o, &first, "elts", e->u.set.elts);
        break;
    case E_LISTCOMP: case E_SETCOMP: case E_GENEXP:
        f_expr(o, &first, "elt", e->u.comp.elt);
        f_generators(o, &first, e->u.comp.generators);
        break;
    case E_DICTCOMP:
        f_expr(o, &first, "key", e->u.dictcomp.key);
        f_expr(o, &first, "value", e->u.dictcomp.value);
        f_generators(o, &first, e->u.dictcomp.generators);
        break;
    case E_AWAIT: f_expr(o, &first, "value", e->u.await_.value); break;
    case E_YIELD: f_expr(o, &first, "value", e->u.yield.value); break;
    case E_YIELDFROM: f_expr(o, &first, "value", e->u.yieldfrom.value); break;
    case E_COMPARE:
        f_expr(o, &first, "left", e->u.compare.left);
        puts_(o, ", ops=[");
        for (size_t i = 0; i < e->u.compare.n; i++) {
            if (i) puts_(o, ", ");
            puts_(o, cmp_names[e->u.compare.ops[i]]);
            puts_(o, "()");
        }
        puts_(o, "], comparators=[");
        for (size_t i = 0; i < e->u.compare.n; i++) {
            if (i) puts_(o, ", ");
            dump_expr(o, e->u.compare.comparators[i]);
        }
        puts_(o, "]");
        break;
    case E_CALL:
        f_expr(o, &first, "func", e->u.call.func);
        f_exprs(o, &first, "args", e->u.call.args);
        f_keywords(o, &first, e->u.call.keywords);
        break;
    case E_FORMATTEDVALUE:
        f_expr(o, &first, "value", e->u.formatted.value);
        f_int(o, &first, "conversion", e->u.formatted.conversion);
        f_expr(o, &first, "format_spec", e->u.formatted.format_spec);
        break;
    case E_JOINEDSTR:
        f_exprs(o, &first, "values", e->u.joinedstr.values);
        break;
    case E_CONSTANT:
        puts_(o, "value=");
        dump_constant(o, e->u.constant.value);
        first = false;
        f_str(o, &first, "kind", e->u.constant.kind);
        break;
    case E_ATTRIBUTE:
        f_expr(o, &first, "value", e->u.attribute.value);
        f_str(o, &first, "attr", e->u.attribute.attr);
        f_ctx(o, &first, e->u.attribute.ctx);
        break;
    case E_SUBSCRIPT:
        f_expr(o, &first, "value", e->u.subscript.value);
        f_expr(o, &first, "slice", e->u.subscript.slice);
        f_ctx(o, &first, e->u.subscript.ctx);
        break;
    case E_STARRED:
        f_expr(o, &first, "value", e->u.starred.value);
        f_ctx(o, &first, e->u.starred.ctx);
        break;
    case E_NAME:
        f_str(o, &first, "id", e->u.name.id);
        f_ctx(o, &first, e->u.name.ctx);
        break;
    case E_LIST: case E_TUPLE:
        f_exprs(o, &first, "elts", e->u.list.elts);
        f_ctx(o, &first, e->u.list.ctx);
        break;
    case E_SLICE:
        f_expr(o, &first, "lower", e->u.slice.lower);
        f_expr(o, &first, "upper", e->u.slice.upper);
        f_expr(o, &first, "step", e->u.slice.step);
        break;
    }
    put_span(o, first, e->span);
    puts_(o, ")");
}

/* match patterns (CPython's Match* nodes) */
static void f_patterns(out *o, bool *first, const char *name, mv_ast_seq s);
static void f_pattern(out *o, bool *first, const char *name, mv_pattern *pt) {
    static const char *const names[] = {"MatchValue", "MatchSingleton", "MatchSequence", "MatchMapping",
                                        "MatchClass", "MatchStar", "MatchAs", "MatchOr"};
    bool f2 = true;
    if (!pt) return;
    if (name) {
        field_sep(o, first);
        puts_(o, name);
        puts_(o, "=");
    }
    puts_(o, names[pt->kind]);
    puts_(o, "(");
    switch (pt->kind) {
    case P_MATCHVALUE: f_expr(o, &f2, "value", pt->u.value.value); break;
    case P_MATCHSINGLETON:
        puts_(o, "value=");
        dump_constant(o, pt->u.singleton.value);
        f2 = false;
        break;
    case P_MATCHSEQUENCE: f_patterns(o, &f2, "patterns", pt->u.seq.patterns); break;
    case P_MATCHOR: f_patterns(o, &f2, "patterns", pt->u.or_.patterns); break;
    case P_MATCHMAPPING:
        f_exprs(o, &f2, "keys", pt->u.mapping.keys);
        f_patterns(o, &f2, "patterns", pt->u.mapping.patterns);
        f_str(o, &f2, "rest", pt->u.mapping.rest);
        break;
    case P_MATCHCLASS:
        f_expr(o, &f2, "cls", pt->u.cls.cls);
        f_patterns(o, &f2, "patterns", pt->u.cls.patterns);
        puts_(o, ", kwd_attrs=[");
        for (size_t i = 0; i < pt->u.cls.kwd_attrs.n; i++) {
            if (i) puts_(o, ", ");
            put_strrepr(o, pt->u.cls.kwd_attrs.items[i]);
        }
        puts_(o, "]");
        f_patterns(o, &f2, "kwd_patterns", pt->u.cls.kwd_patterns);
        break;
    case P_MATCHSTAR: f_str(o, &f2, "name", pt->u.star.name); break;
    case P_MATCHAS:
        f_pattern(o, &f2, "pattern", pt->u.as.pattern);
        f_str(o, &f2, "name", pt->u.as.name);
        break;
    }
    put_span(o, f2, pt->span);
    puts_(o, ")");
}
static void f_patterns(out *o, bool *first, const char *name, mv_ast_seq s) {
    field_sep(o, first);
    puts_(o, name);
    puts_(o, "=[");
    for (size_t i = 0; i < s.n; i++) {
        bool f2 = true;
        if (i) puts_(o, ", ");
        f_pattern(o, &f2, NULL, s.items[i]);
    }
    puts_(o, "]");
}

static void dump_stmt(out *o, mv_stmt *s) {
    static const char *const names[] = {
        "FunctionDef", "AsyncFunctionDef", "ClassDef", "Return", "Delete", "Assign", "AugAssign",
        "AnnAssign", "For", "AsyncFor", "While", "If", "With", "AsyncWith", "Raise", "Try",
        "Assert", "Import", "ImportFrom", "Global", "Nonlocal", "Expr", "Pass", "Break", "Continue",
        "Match"};
    bool first = true;
    puts_(o, names[s->kind]);
    puts_(o, "(");
    switch (s->kind) {
    case S_FUNCTIONDEF: case S_ASYNCFUNCTIONDEF:
        f_str(o, &first, "name", s->u.funcdef.name);
        puts_(o, ", args=");
        dump_arguments(o, s->u.funcdef.args);
        f_stmts(o, &first, "body", s->u.funcdef.body);
        f_exprs(o, &first, "decorator_list", s->u.funcdef.decorator_list);
        f_expr(o, &first, "returns", s->u.funcdef.returns);
        break;
    case S_CLASSDEF:
        f_str(o, &first, "name", s->u.classdef.name);
        f_exprs(o, &first, "bases", s->u.classdef.bases);
        f_keywords(o, &first, s->u.classdef.keywords);
        f_stmts(o, &first, "body", s->u.classdef.body);
        f_exprs(o, &first, "decorator_list", s->u.classdef.decorator_list);
        break;
    case S_RETURN: f_expr(o, &first, "value", s->u.ret.value); break;
    case S_DELETE: f_exprs(o, &first, "targets", s->u.del.targets); break;
    case S_ASSIGN:
        f_exprs(o, &first, "targets", s->u.assign.targets);
        f_expr(o, &first, "value", s->u.assign.value);
        break;
    case S_AUGASSIGN:
        f_expr(o, &first, "target", s->u.augassign.target);
        f_op(o, &first, op_names[s->u.augassign.op]);
        f_expr(o, &first, "value", s->u.augassign.value);
        break;
    case S_ANNASSIGN:
        f_expr(o, &first, "target", s->u.annassign.target);
        f_expr(o, &first, "annotation", s->u.annassign.annotation);
        f_expr(o, &first, "value", s->u.annassign.value);
        f_int(o, &first, "simple", s->u.annassign.simple);
        break;
    case S_FOR: case S_ASYNCFOR:
        f_expr(o, &first, "target", s->u.for_.target);
        f_expr(o, &first, "iter", s->u.for_.iter);
        f_stmts(o, &first, "body", s->u.for_.body);
        f_stmts(o, &first, "orelse", s->u.for_.orelse);
        break;
    case S_WHILE: case S_IF:
        f_expr(o, &first, "test", s->u.if_.test);
        f_stmts(o, &first, "body", s->u.if_.body);
        f_stmts(o, &first, "orelse", s->u.if_.orelse);
        break;
    case S_WITH: case S_ASYNCWITH:
        puts_(o, "items=[");
        for (size_t i = 0; i < s->u.with.items.n; i++) {
            mv_withitem *w = s->u.with.items.items[i];
            bool f2 = true;
            if (i) puts_(o, ", ");
            puts_(o, "withitem(");
            f_expr(o, &f2, "context_expr", w->context_expr);
            f_expr(o, &f2, "optional_vars", w->optional_vars);
            puts_(o, ")");
        }
        puts_(o, "]");
        first = false;
        f_stmts(o, &first, "body", s->u.with.body);
        break;
    case S_RAISE:
        f_expr(o, &first, "exc", s->u.raise.exc);
        f_expr(o, &first, "cause", s->u.raise.cause);
        break;
    case S_TRY:
        f_stmts(o, &first, "body", s->u.try_.body);
        puts_(o, ", handlers=[");
        for (size_t i = 0; i < s->u.try_.handlers.n; i++) {
            mv_excepthandler *h = s->u.try_.handlers.items[i];
            bool f2 = true;
            if (i) puts_(o, ", ");
            puts_(o, "ExceptHandler(");
            f_expr(o, &f2, "type", h->type);
            f_str(o, &f2, "name", h->name);
            f_stmts(o, &f2, "body", h->body);
            put_span(o, f2, h->span);
            puts_(o, ")");
        }
        puts_(o, "]");
        f_stmts(o, &first, "orelse", s->u.try_.orelse);
        f_stmts(o, &first, "finalbody", s->u.try_.finalbody);
        break;
    case S_ASSERT:
        f_expr(o, &first, "test", s->u.assert_.test);
        f_expr(o, &first, "msg", s->u.assert_.msg);
        break;
    case S_IMPORT: case S_IMPORTFROM: {
        mv_ast_seq al_names = s->kind == S_IMPORT ? s->u.import.names : s->u.importfrom.names;
        if (s->kind == S_IMPORTFROM) f_str(o, &first, "module", s->u.importfrom.module);
        field_sep(o, &first);
        puts_(o, "names=[");
        for (size_t i = 0; i < al_names.n; i++) {
            mv_alias *al = al_names.items[i];
            bool f2 = true;
            if (i) puts_(o, ", ");
            puts_(o, "alias(");
            f_str(o, &f2, "name", al->name);
            f_str(o, &f2, "asname", al->asname);
            put_span(o, f2, al->span);
            puts_(o, ")");
        }
        puts_(o, "]");
        if (s->kind == S_IMPORTFROM) f_int(o, &first, "level", s->u.importfrom.level);
        break;
    }
    case S_GLOBAL: case S_NONLOCAL:
        puts_(o, "names=[");
        for (size_t i = 0; i < s->u.global.names.n; i++) {
            if (i) puts_(o, ", ");
            put_strrepr(o, s->u.global.names.items[i]);
        }
        puts_(o, "]");
        first = false;
        break;
    case S_EXPR: f_expr(o, &first, "value", s->u.expr.value); break;
    case S_PASS: case S_BREAK: case S_CONTINUE: break;
    case S_MATCH:
        f_expr(o, &first, "subject", s->u.match.subject);
        puts_(o, ", cases=[");
        for (size_t i = 0; i < s->u.match.cases.n; i++) {
            mv_match_case *mc = s->u.match.cases.items[i];
            bool f2 = true;
            if (i) puts_(o, ", ");
            puts_(o, "match_case(");
            f_pattern(o, &f2, "pattern", mc->pattern);
            f_expr(o, &f2, "guard", mc->guard);
            f_stmts(o, &f2, "body", mc->body);
            puts_(o, ")");
        }
        puts_(o, "]");
        break;
    }
    put_span(o, first, s->span);
    puts_(o, ")");
}

char *mv_ast_dump(mv_thread *t, mv_module_ast *m) {
    return mv_ast_dump_ex(t, m, false);
}

char *mv_ast_dump_ex(mv_thread *t, mv_module_ast *m, bool attributes) {
    out o = {t, NULL, 0, 0, false, attributes};
    bool first = true;
    puts_(&o, "Module(");
    f_stmts(&o, &first, "body", m->body);
    puts_(&o, ", type_ignores=[])");
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}

char *mv_ast_dump_expr(mv_thread *t, mv_expr *e) {
    out o = {t, NULL, 0, 0, false, false};
    dump_expr(&o, e);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
