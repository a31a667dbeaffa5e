/* ast.h: the abstract syntax tree, produced by parser.c and consumed by the compiler.
 *
 * Node kinds and fields mirror CPython's `ast` module (Python 3.11), so `python3 -c "import ast;
 * print(ast.dump(ast.parse(src)))"` documents what each node holds.  Nodes live in an arena owned
 * by the mv_ast_arena and are freed together.  Every node carries its source span (1-based lines,
 * 0-based UTF-8 byte columns, as CPython's lineno/col_offset/end_lineno/end_col_offset).
 * Identifiers and string constants are C strings in the arena (UTF-8, NUL-terminated); numeric and
 * string constants are Values owned by the arena (released by mv_ast_arena_free).
 */
#ifndef MV_AST_H
#define MV_AST_H

#include "../runtime/vm.h"

typedef struct mv_ast_arena mv_ast_arena;
typedef struct mv_expr mv_expr;
typedef struct mv_stmt mv_stmt;

/* A growable array of node pointers (arena-allocated). */
typedef struct {
    size_t n;
    void **items;
} mv_ast_seq;
#define MV_SEQ_LEN(s) ((s).n)
#define MV_SEQ_GET(s, i) ((s).items[i])

typedef struct {
    int lineno, col_offset, end_lineno, end_col_offset;
} mv_span;

typedef enum { CTX_LOAD, CTX_STORE, CTX_DEL } mv_expr_ctx;

typedef enum {
    OP_ADD, OP_SUB, OP_MULT, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_LSHIFT, OP_RSHIFT,
    OP_BITAND, OP_BITOR, OP_BITXOR, OP_MATMULT /* same order as mv_binop in object.h */
} mv_operator;
typedef enum { UOP_INVERT, UOP_NOT, UOP_UADD, UOP_USUB } mv_unaryop;
typedef enum { BOOL_AND, BOOL_OR } mv_boolop;
typedef enum {
    CMP_LT, CMP_LTE, CMP_EQ, CMP_NOTEQ, CMP_GT, CMP_GTE, /* same order as mv_cmpop */
    CMP_IS, CMP_ISNOT, CMP_IN, CMP_NOTIN
} mv_cmpop_ast;

typedef struct { const char *arg; mv_expr *annotation; mv_span span; } mv_arg;
typedef struct {
    mv_ast_seq posonlyargs, args;  /* of mv_arg* */
    mv_arg *vararg;                /* or NULL */
    mv_ast_seq kwonlyargs;         /* of mv_arg* */
    mv_ast_seq kw_defaults;        /* of mv_expr* (NULL entries for required kw-only) */
    mv_arg *kwarg;                 /* or NULL */
    mv_ast_seq defaults;           /* of mv_expr*, for the last positional args */
} mv_arguments;
typedef struct { const char *arg; /* NULL for **kw */ mv_expr *value; mv_span span; } mv_keyword;
typedef struct { const char *name; const char *asname; mv_span span; } mv_alias;
typedef struct { mv_expr *target, *iter; mv_ast_seq ifs; /* mv_expr* */ bool is_async; } mv_comprehension;
typedef struct { mv_expr *context_expr, *optional_vars; } mv_withitem;
typedef struct {
    mv_expr *type; const char *name; mv_ast_seq body; mv_span span;
} mv_excepthandler;

typedef enum {
    E_BOOLOP, E_NAMEDEXPR, E_BINOP, E_UNARYOP, E_LAMBDA, E_IFEXP, E_DICT, E_SET, E_LISTCOMP,
    E_SETCOMP, E_DICTCOMP, E_GENEXP, E_AWAIT, E_YIELD, E_YIELDFROM, E_COMPARE, E_CALL,
    E_FORMATTEDVALUE, E_JOINEDSTR, E_CONSTANT, E_ATTRIBUTE, E_SUBSCRIPT, E_STARRED, E_NAME,
    E_LIST, E_TUPLE, E_SLICE
} mv_expr_kind;

struct mv_expr {
    mv_expr_kind kind;
    mv_span span;
    union {
        struct { mv_boolop op; mv_ast_seq values; } boolop;
        struct { mv_expr *target, *value; } namedexpr;
        struct { mv_expr *left; mv_operator op; mv_expr *right; } binop;
        struct { mv_unaryop op; mv_expr *operand; } unaryop;
        struct { mv_arguments *args; mv_expr *body; } lambda;
        struct { mv_expr *test, *body, *orelse; } ifexp;
        struct { mv_ast_seq keys, values; } dict; /* key NULL means **value */
        struct { mv_ast_seq elts; } set;
        struct { mv_expr *elt; mv_ast_seq generators; } comp; /* listcomp/setcomp/genexp */
        struct { mv_expr *key, *value; mv_ast_seq generators; } dictcomp;
        struct { mv_expr *value; } await_;
        struct { mv_expr *value; /* may be NULL */ } yield;
        struct { mv_expr *value; } yieldfrom;
        struct { mv_expr *left; size_t n; mv_cmpop_ast *ops; mv_expr **comparators; } compare;
        struct { mv_expr *func; mv_ast_seq args; mv_ast_seq keywords; /* mv_keyword* */ } call;
        struct { mv_expr *value; int conversion; /* -1, 's', 'r', 'a' */ mv_expr *format_spec; } formatted;
        struct { mv_ast_seq values; } joinedstr;
        struct { Value value; /* owned by the arena; None/True/False/Ellipsis/int/float/str/bytes */
                 const char *kind; /* "u" for a u'' string (ast's Constant.kind), else NULL */ } constant;
        struct { mv_expr *value; const char *attr; mv_expr_ctx ctx; } attribute;
        struct { mv_expr *value, *slice; mv_expr_ctx ctx; } subscript;
        struct { mv_expr *value; mv_expr_ctx ctx; } starred;
        struct { const char *id; mv_expr_ctx ctx; } name;
        struct { mv_ast_seq elts; mv_expr_ctx ctx; } list, tuple;
        struct { mv_expr *lower, *upper, *step; } slice;
    } u;
};

typedef enum {
    S_FUNCTIONDEF, S_ASYNCFUNCTIONDEF, S_CLASSDEF, S_RETURN, S_DELETE, S_ASSIGN, S_AUGASSIGN,
    S_ANNASSIGN, S_FOR, S_ASYNCFOR, S_WHILE, S_IF, S_WITH, S_ASYNCWITH, S_RAISE, S_TRY,
    S_ASSERT, S_IMPORT, S_IMPORTFROM, S_GLOBAL, S_NONLOCAL, S_EXPR, S_PASS, S_BREAK, S_CONTINUE,
    S_MATCH
} mv_stmt_kind;

/* match statement patterns (CPython's `pattern` nodes) */
typedef enum {
    P_MATCHVALUE, P_MATCHSINGLETON, P_MATCHSEQUENCE, P_MATCHMAPPING, P_MATCHCLASS, P_MATCHSTAR,
    P_MATCHAS, P_MATCHOR
} mv_pattern_kind;
typedef struct mv_pattern mv_pattern;
struct mv_pattern {
    mv_pattern_kind kind;
    mv_span span;
    union {
        struct { mv_expr *value; } value;
        struct { Value value; /* None, True or False */ } singleton;
        struct { mv_ast_seq patterns; } seq, or_; /* of mv_pattern* */
        struct { mv_ast_seq keys /* mv_expr* */, patterns; const char *rest; /* or NULL */ } mapping;
        struct { mv_expr *cls; mv_ast_seq patterns, kwd_attrs /* const char* */, kwd_patterns; } cls;
        struct { const char *name; /* NULL for *_ */ } star;
        struct { mv_pattern *pattern; /* or NULL */ const char *name; /* NULL for _ */ } as;
    } u;
};
typedef struct { mv_pattern *pattern; mv_expr *guard; /* or NULL */ mv_ast_seq body; } mv_match_case;

struct mv_stmt {
    mv_stmt_kind kind;
    mv_span span;
    union {
        struct { const char *name; mv_arguments *args; mv_ast_seq body, decorator_list; mv_expr *returns; } funcdef;
        struct { const char *name; mv_ast_seq bases, keywords, body, decorator_list; } classdef;
        struct { mv_expr *value; } ret;
        struct { mv_ast_seq targets; } del;
        struct { mv_ast_seq targets; mv_expr *value; } assign;
        struct { mv_expr *target; mv_operator op; mv_expr *value; } augassign;
        struct { mv_expr *target, *annotation, *value; int simple; } annassign;
        struct { mv_expr *target, *iter; mv_ast_seq body, orelse; } for_;
        struct { mv_expr *test; mv_ast_seq body, orelse; } while_, if_;
        struct { mv_ast_seq items; /* mv_withitem* */ mv_ast_seq body; } with;
        struct { mv_expr *exc, *cause; } raise;
        struct { mv_ast_seq body, handlers /* mv_excepthandler* */, orelse, finalbody; } try_;
        struct { mv_expr *test, *msg; } assert_;
        struct { mv_ast_seq names; /* mv_alias* */ } import;
        struct { const char *module; /* may be NULL */ mv_ast_seq names; int level; } importfrom;
        struct { mv_ast_seq names; /* const char* */ } global, nonlocal;
        struct { mv_expr *value; } expr;
        struct { mv_expr *subject; mv_ast_seq cases; /* mv_match_case* */ } match;
    } u;
};

typedef struct {
    mv_ast_seq body; /* mv_stmt* */
} mv_module_ast;

/* ---- the parser's interface (parser.c) -------------------------------------------------- */
mv_ast_arena *mv_ast_arena_new(void);
void mv_ast_arena_free(mv_ast_arena *a);
void *mv_ast_alloc(mv_ast_arena *a, size_t size); /* zeroed */

/* Parse a whole module (mode MV_COMPILE_EXEC), a single expression (MV_COMPILE_EVAL), or one
   interactive statement (MV_COMPILE_SINGLE).  On a syntax error, raises SyntaxError (or
   IndentationError / TabError) whose attributes are as CPython's: msg, filename, lineno, offset
   (1-based column), text (the source line), end_lineno, end_offset, and returns NULL. */
mv_module_ast *mv_parse(mv_thread *t, mv_ast_arena *arena, const char *src, size_t len,
                        const char *filename, int mode);

/* Debugging aid and parser tests: the tree in the same format as Python's ast.dump() (without
   positions), as a malloc'd C string. */
char *mv_ast_dump(mv_thread *t, mv_module_ast *m);

/* Arena helpers (ast.c).  mv_ast_arena_keep steals v: it is released by mv_ast_arena_free
   (returns -1 on allocation failure, after releasing v). */
int mv_ast_arena_keep(mv_ast_arena *a, Value v);
char *mv_ast_strndup(mv_ast_arena *a, const char *s, size_t n); /* NUL-terminated copy */
/* With attributes: positions too, as ast.dump(tree, include_attributes=True). */
char *mv_ast_dump_ex(mv_thread *t, mv_module_ast *m, bool attributes);
/* Dump one expression in ast.dump() format (malloc'd). */
char *mv_ast_dump_expr(mv_thread *t, mv_expr *e);

#endif
