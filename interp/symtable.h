/* symtable.h: scope analysis before code generation.  One mv_ste (symbol table entry) per module,
 * function, lambda, class body and comprehension; each name in it gets a scope (local, global
 * explicit/implicit, free, cell) by the same rules as CPython's symtable.c.
 */
#ifndef MV_SYMTABLE_H
#define MV_SYMTABLE_H

#include "ast.h"

/* symbol flags (as CPython's DEF_*) */
enum {
    SYM_GLOBAL = 1,      /* global statement */
    SYM_LOCAL = 2,       /* assigned in this scope */
    SYM_PARAM = 4,
    SYM_NONLOCAL = 8,
    SYM_USE = 16,        /* read in this scope */
    SYM_FREE_CLASS = 32, /* free in a child of a class, also bound in the class */
    SYM_IMPORT = 64,
    SYM_ANNOT = 128,
    SYM_COMP_ITER = 256,
};
#define SYM_BOUND (SYM_LOCAL | SYM_PARAM | SYM_IMPORT)

/* resolved scopes */
enum { SC_NONE, SC_LOCAL, SC_GLOBAL_EXPLICIT, SC_GLOBAL_IMPLICIT, SC_FREE, SC_CELL };

enum { STE_MODULE, STE_FUNCTION, STE_CLASS };

typedef struct {
    const char *name;
    unsigned flags;
    int scope;
    mv_span decl; /* where a nonlocal declaration is (for its error) */
} mv_symbol;

typedef struct mv_ste mv_ste;
struct mv_ste {
    int type;
    const char *name;
    const void *key; /* the AST node (stmt, lambda or comprehension expr) or the module */
    mv_ste *parent;
    mv_symbol *syms;
    size_t nsyms, capsyms;
    int *hash; size_t hashcap; /* open-addressed index into syms, -1 empty */
    mv_ste **children;
    size_t nchildren, capchildren;
    size_t child_hint; /* where mv_ste_child looks first */
    const char **varnames; /* parameters first, in order */
    size_t nvarnames, capvarnames;
    bool nested;        /* inside a function */
    bool generator, coroutine;
    bool comprehension; /* a comprehension/genexp scope */
    bool needs_class_closure;
    bool has_varargs, has_varkw;
    bool returns_value; /* a `return expr` appeared (generators) */
    int lineno, col;
};

typedef struct {
    mv_ste *top;
    mv_thread *t;
    const char *filename;
    const char *src; size_t srclen;
    mv_ste *cur;
    const char *private_name; /* current class name for name mangling */
    int error;
} mv_symtable;

/* Build and analyze; on error raises SyntaxError and returns -1. */
int mv_symtable_build(mv_symtable *st, mv_thread *t, mv_module_ast *mod, const char *filename,
                      const char *src, size_t srclen);
void mv_symtable_free(mv_symtable *st);
mv_symbol *mv_ste_lookup(mv_ste *ste, const char *name);
mv_ste *mv_ste_child(mv_ste *ste, const void *key);
/* Raise SyntaxError at span (used by the compiler too). */
void mv_syntax_error_at(mv_thread *t, const char *filename, const char *src, size_t srclen,
                        const char *msg, mv_span span);
/* Walk a match pattern (compile_match.c): expr() for each value/key/class expression, store() for
   each name it binds; stops at the first negative return. */
int mv_match_visit_pattern(mv_pattern *p, int (*expr)(void *, mv_expr *),
                           int (*store)(void *, const char *, mv_span), void *ctx);
/* Private name mangling (__x inside class C -> _C__x); returns `name` or an arena string. */
const char *mv_mangle(const char *private_name, const char *name, char *buf, size_t bufsize);

#endif
