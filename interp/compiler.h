/* compiler.h: the compiler's internal state, shared by compiler.c (units, constants, names,
 * assembler), compile_stmt.c (statements) and compile_expr.c (expressions).  The public entry
 * point is mv_compile (code.h).
 */
#ifndef MV_COMPILER_H
#define MV_COMPILER_H

#include <stdio.h>

#include "ast.h"
#include "code.h"
#include "dis.h"
#include "opcodes.h"
#include "symtable.h"

typedef struct {
    int op, arg, arg2; /* for jumps, arg (or arg2 for fused jumps) is a label id until assembly */
    mv_position pos;
} mv_instr;

/* compile-time block kinds, for unwinding on break/continue/return (as CPython's fblocks) */
enum {
    FB_WHILE_LOOP, FB_FOR_LOOP, FB_TRY_EXCEPT, FB_FINALLY_TRY, FB_FINALLY_END, FB_WITH,
    FB_HANDLER_CLEANUP, FB_POP_VALUE, FB_EXCEPTION_HANDLER, FB_ASYNC_WITH
};

typedef struct {
    int type;
    int start, exit;     /* labels for loops */
    const void *datum;   /* finally body (mv_ast_seq*), handler name (const char*) */
} mv_fblock;

#define MV_MAX_FBLOCKS 20

typedef struct {
    void **keys;
    int *vals;
    size_t n, cap;
} mv_ptrmap;

typedef struct mv_cunit mv_cunit;
struct mv_cunit {
    mv_cunit *parent;
    mv_ste *ste;
    int scope_type; /* STE_* */
    Value name, qualname;
    mv_instr *instrs;
    size_t ninstrs, capinstrs;
    int *labels; /* label id -> instr index (-1 unplaced) */
    size_t nlabels, caplabels;
    Value consts;      /* list */
    Value names;       /* list of interned str */
    mv_ptrmap namemap;
    Value varnames, cellvars, freevars; /* lists of interned str */
    mv_ptrmap varmap, cellmap, freemap;
    mv_fblock fblocks[MV_MAX_FBLOCKS];
    int nfblocks;
    mv_position pos;
    int firstlineno;
    int argcount, posonlyargcount, kwonlyargcount;
    unsigned flags;
    bool in_comprehension_target;
};

typedef struct {
    mv_thread *t;
    const char *filename;
    Value filename_v;
    const char *src;
    size_t srclen;
    mv_symtable st;
    mv_cunit *u;
    int mode;
    int interactive;
    const char *private_name;
    int error;
} mv_compiler;

/* compiler.c */
int mv_c_error(mv_compiler *c, const char *msg, mv_span span);
int mv_c_new_label(mv_compiler *c);
void mv_c_use_label(mv_compiler *c, int label);
void mv_c_emit(mv_compiler *c, int op, int arg);
void mv_c_emit_jump(mv_compiler *c, int op, int label);
int mv_c_add_const(mv_compiler *c, Value v); /* borrowed v */
void mv_c_load_const(mv_compiler *c, Value v);
int mv_c_add_name(mv_compiler *c, const char *name); /* mangled by the caller */
Value mv_c_intern(mv_compiler *c, const char *s);  /* new ref */
int mv_c_enter_scope(mv_compiler *c, const char *name, int scope_type, const void *key, int lineno);
mv_code *mv_c_exit_scope(mv_compiler *c); /* assembles the current unit; NULL on error */
const char *mv_c_mangle(mv_compiler *c, const char *name, char *buf, size_t size);
void mv_c_set_pos(mv_compiler *c, mv_span span);
int mv_c_push_fblock(mv_compiler *c, int type, int start, int exit, const void *datum, mv_span span);
void mv_c_pop_fblock(mv_compiler *c);
int mv_ptrmap_get(mv_ptrmap *m, void *key);
void mv_ptrmap_set(mv_ptrmap *m, void *key, int val);

/* compile_stmt.c */
int mv_c_stmt(mv_compiler *c, mv_stmt *s);
int mv_c_stmts(mv_compiler *c, mv_ast_seq seq);
int mv_c_body(mv_compiler *c, mv_ast_seq body, bool docstring_as_store);
int mv_c_make_closure(mv_compiler *c, mv_code *co, int flags);

/* compile_match.c: the match statement */
int mv_c_match(mv_compiler *c, mv_stmt *s);

/* compile_expr.c */
int mv_c_expr(mv_compiler *c, mv_expr *e);
int mv_c_nameop(mv_compiler *c, const char *name, mv_expr_ctx ctx);
int mv_c_store_target(mv_compiler *c, mv_expr *e); /* stores TOS into target */
int mv_c_delete_target(mv_compiler *c, mv_expr *e);
int mv_c_jump_if(mv_compiler *c, mv_expr *e, bool cond, int label);
int mv_c_call_helper(mv_compiler *c, int n_pushed, mv_ast_seq args, mv_ast_seq keywords);
int mv_c_lambda_or_func_defaults(mv_compiler *c, mv_arguments *a, int *flags);
int mv_c_annotations(mv_compiler *c, mv_arguments *a, mv_expr *returns, int *flags);


/* `await` of the value on the stack (GET_AWAITABLE where; LOAD_CONST None; YIELD_FROM) */
void mv_c_emit_await(mv_compiler *c, int where);

#endif
