/* compile_stmt.c: code generation for statements: definitions (functions, classes), control
 * flow (if/while/for with else, break/continue/return unwinding through try/with/except blocks
 * as CPython's fblocks do), exceptions (try/except/else/finally, raise, assert), with, imports.
 */
#include <string.h>

#include "compiler.h"
#include "list.h"
#include "exc.h"
#include "str.h"
#include "tuple.h"

static int compile_unwind_stack(mv_compiler *c, bool preserve_tos, mv_fblock **loop, mv_span sp);

/* ---- helpers ---- */

static bool is_docstring(mv_stmt *s) {
    return s && s->kind == S_EXPR && s->u.expr.value->kind == E_CONSTANT &&
           mv_str_check(s->u.expr.value->u.constant.value) &&
           s->u.expr.value->u.constant.value->type == &mv_str_type;
}

static bool find_ann(mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++) {
        mv_stmt *s = seq.items[i];
        switch (s->kind) {
        case S_ANNASSIGN: return true;
        case S_FOR: case S_ASYNCFOR:
            if (find_ann(s->u.for_.body) || find_ann(s->u.for_.orelse)) return true;
            break;
        case S_WHILE: case S_IF:
            if (find_ann(s->u.while_.body) || find_ann(s->u.while_.orelse)) return true;
            break;
        case S_WITH: case S_ASYNCWITH:
            if (find_ann(s->u.with.body)) return true;
            break;
        case S_TRY:
            if (find_ann(s->u.try_.body) || find_ann(s->u.try_.orelse) || find_ann(s->u.try_.finalbody))
                return true;
            for (size_t k = 0; k < s->u.try_.handlers.n; k++) {
                mv_excepthandler *h = s->u.try_.handlers.items[k];
                if (find_ann(h->body)) return true;
            }
            break;
        default: break;
        }
    }
    return false;
}

int mv_c_stmts(mv_compiler *c, mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++)
        if (mv_c_stmt(c, seq.items[i]) < 0) return -1;
    return 0;
}

/* Module and class bodies: the docstring goes to __doc__. */
int mv_c_body(mv_compiler *c, mv_ast_seq body, bool docstring_as_store) {
    size_t start = 0;
    if (find_ann(body)) mv_c_emit(c, OP_SETUP_ANNOTATIONS, 0);
    if (body.n && is_docstring(body.items[0]) && docstring_as_store && !c->interactive) {
        mv_stmt *s = body.items[0];
        mv_c_set_pos(c, s->span);
        mv_c_load_const(c, s->u.expr.value->u.constant.value);
        mv_c_nameop(c, "__doc__", CTX_STORE);
        start = 1;
    }
    for (size_t i = start; i < body.n; i++)
        if (mv_c_stmt(c, body.items[i]) < 0) return -1;
    return 0;
}

/* Push the closure cells for code `co` (from the current unit), then MAKE_FUNCTION. */
int mv_c_make_closure(mv_compiler *c, mv_code *co, int flags) {
    mv_cunit *u = c->u;
    if (co->nfrees) {
        for (int i = 0; i < co->nfrees; i++) {
            Value name = MV_TUPLE_GET(co->freevars, i);
            int idx = mv_ptrmap_get(&u->cellmap, name);
            if (idx < 0) {
                idx = mv_ptrmap_get(&u->freemap, name);
                if (idx < 0) {
                    mv_err_format(c->t, &mv_exc_SystemError, "compiler: no cell for free variable '%s'",
                                  mv_str_data(name));
                    c->error = 1;
                    return -1;
                }
                idx += (int)mv_list_size(u->cellvars);
            }
            mv_c_emit(c, OP_LOAD_CLOSURE, idx);
        }
        mv_c_emit(c, OP_BUILD_TUPLE, co->nfrees);
        flags |= 8;
    }
    mv_c_load_const(c, (Value)co);
    mv_c_emit(c, OP_MAKE_FUNCTION, flags);
    return 0;
}

/* ---- functions and classes ---- */

static int set_args(mv_compiler *c, mv_arguments *a) {
    c->u->argcount = (int)(a->posonlyargs.n + a->args.n);
    c->u->posonlyargcount = (int)a->posonlyargs.n;
    c->u->kwonlyargcount = (int)a->kwonlyargs.n;
    return 0;
}

static int compile_function(mv_compiler *c, mv_stmt *s) {
    mv_arguments *a = s->u.funcdef.args;
    mv_ast_seq decos = s->u.funcdef.decorator_list;
    for (size_t i = 0; i < decos.n; i++)
        if (mv_c_expr(c, decos.items[i]) < 0) return -1;
    int flags = 0;
    if (mv_c_lambda_or_func_defaults(c, a, &flags) < 0) return -1;
    if (mv_c_annotations(c, a, s->u.funcdef.returns, &flags) < 0) return -1;
    int firstline = s->span.lineno;
    if (decos.n) firstline = ((mv_expr *)decos.items[0])->span.lineno;
    if (mv_c_enter_scope(c, s->u.funcdef.name, STE_FUNCTION, s, firstline) < 0) return -1;
    set_args(c, a);
    mv_ast_seq body = s->u.funcdef.body;
    size_t start = 0;
    if (body.n && is_docstring(body.items[0])) {
        mv_c_add_const(c, ((mv_stmt *)body.items[0])->u.expr.value->u.constant.value);
        c->u->flags |= MV_CO_HAS_DOCSTRING;
        start = 1;
    } else {
        mv_c_add_const(c, MV_NONE);
    }
    int rc = 0;
    for (size_t i = start; i < body.n && rc == 0; i++) rc = mv_c_stmt(c, body.items[i]);
    if (rc == 0) {
        /* the implicit `return None` */
        mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_RETURN_VALUE, 0);
    }
    mv_code *co = mv_c_exit_scope(c);
    if (!co) return -1;
    mv_c_set_pos(c, s->span);
    rc = mv_c_make_closure(c, co, flags);
    MV_DECREF((Value)co);
    if (rc < 0) return -1;
    for (size_t i = 0; i < decos.n; i++) mv_c_emit(c, OP_CALL, 1);
    return mv_c_nameop(c, s->u.funcdef.name, CTX_STORE);
}

static int compile_class(mv_compiler *c, mv_stmt *s) {
    mv_ast_seq decos = s->u.classdef.decorator_list;
    for (size_t i = 0; i < decos.n; i++)
        if (mv_c_expr(c, decos.items[i]) < 0) return -1;
    int firstline = s->span.lineno;
    if (decos.n) firstline = ((mv_expr *)decos.items[0])->span.lineno;
    mv_c_emit(c, OP_LOAD_BUILD_CLASS, 0);
    const char *saved_private = c->private_name;
    if (mv_c_enter_scope(c, s->u.classdef.name, STE_CLASS, s, firstline) < 0) return -1;
    c->private_name = s->u.classdef.name;
    mv_c_set_pos(c, s->span);
    int rc = mv_c_nameop(c, "__name__", CTX_LOAD);
    if (rc == 0) rc = mv_c_nameop(c, "__module__", CTX_STORE);
    if (rc == 0) {
        mv_c_load_const(c, c->u->qualname);
        rc = mv_c_nameop(c, "__qualname__", CTX_STORE);
    }
    if (rc == 0) rc = mv_c_body(c, s->u.classdef.body, true);
    if (rc == 0) {
        c->u->pos.col = c->u->pos.end_col = -1;
        if (c->u->ste->needs_class_closure) {
            Value cls = mv_c_intern(c, "__class__");
            int idx = mv_ptrmap_get(&c->u->cellmap, cls);
            MV_DECREF(cls);
            mv_c_emit(c, OP_LOAD_CLOSURE, idx);
            mv_c_emit(c, OP_DUP_TOP, 0);
            rc = mv_c_nameop(c, "__classcell__", CTX_STORE);
        } else {
            mv_c_load_const(c, MV_NONE);
        }
        mv_c_emit(c, OP_RETURN_VALUE, 0);
    }
    c->private_name = saved_private;
    mv_code *co = mv_c_exit_scope(c);
    if (!co || rc < 0) {
        MV_XDECREF((Value)co);
        return -1;
    }
    mv_c_set_pos(c, s->span);
    rc = mv_c_make_closure(c, co, 0);
    MV_DECREF((Value)co);
    if (rc < 0) return -1;
    Value name = mv_c_intern(c, s->u.classdef.name);
    mv_c_load_const(c, name);
    MV_DECREF(name);
    if (mv_c_call_helper(c, 2, s->u.classdef.bases, s->u.classdef.keywords) < 0) return -1;
    for (size_t i = 0; i < decos.n; i++) mv_c_emit(c, OP_CALL, 1);
    return mv_c_nameop(c, s->u.classdef.name, CTX_STORE);
}

/* ---- unwinding for break / continue / return ---- */

static int unwind_fblock(mv_compiler *c, mv_fblock *fb, bool preserve_tos, mv_span sp) {
    switch (fb->type) {
    case FB_WHILE_LOOP:
    case FB_EXCEPTION_HANDLER:
        return 0;
    case FB_FOR_LOOP:
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    case FB_TRY_EXCEPT:
        mv_c_emit(c, OP_POP_BLOCK, 0);
        return 0;
    case FB_FINALLY_TRY: {
        mv_c_emit(c, OP_POP_BLOCK, 0);
        if (preserve_tos && mv_c_push_fblock(c, FB_POP_VALUE, -1, -1, NULL, sp) < 0) return -1;
        const mv_ast_seq *body = fb->datum;
        if (mv_c_stmts(c, *body) < 0) return -1;
        if (preserve_tos) mv_c_pop_fblock(c);
        mv_c_set_pos(c, sp);
        return 0;
    }
    case FB_FINALLY_END:
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_POP_TOP, 0); /* the exception */
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_POP_BLOCK, 0);
        mv_c_emit(c, OP_POP_EXCEPT, 0);
        return 0;
    case FB_WITH:
    case FB_ASYNC_WITH:
        mv_c_emit(c, OP_POP_BLOCK, 0);
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_CALL_EXIT, 0);
        if (fb->type == FB_ASYNC_WITH) mv_c_emit_await(c, 2);
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    case FB_HANDLER_CLEANUP:
        if (fb->datum) mv_c_emit(c, OP_POP_BLOCK, 0);
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_POP_BLOCK, 0);
        mv_c_emit(c, OP_POP_EXCEPT, 0);
        if (fb->datum) {
            mv_c_load_const(c, MV_NONE);
            if (mv_c_nameop(c, fb->datum, CTX_STORE) < 0) return -1;
            if (mv_c_nameop(c, fb->datum, CTX_DEL) < 0) return -1;
        }
        return 0;
    case FB_POP_VALUE:
        if (preserve_tos) mv_c_emit(c, OP_SWAP, 2);
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    }
    return 0;
}

static int compile_unwind_stack(mv_compiler *c, bool preserve_tos, mv_fblock **loop, mv_span sp) {
    mv_cunit *u = c->u;
    if (u->nfblocks == 0) return 0;
    mv_fblock *top = &u->fblocks[u->nfblocks - 1];
    if (loop && (top->type == FB_WHILE_LOOP || top->type == FB_FOR_LOOP)) {
        *loop = top;
        return 0;
    }
    mv_fblock copy = *top;
    u->nfblocks--;
    if (unwind_fblock(c, &copy, preserve_tos, sp) < 0) return -1;
    if (compile_unwind_stack(c, preserve_tos, loop, sp) < 0) return -1;
    u->fblocks[u->nfblocks++] = copy;
    return 0;
}

static int compile_return(mv_compiler *c, mv_stmt *s) {
    if (c->u->scope_type != STE_FUNCTION) return mv_c_error(c, "'return' outside function", s->span);
    if (s->u.ret.value && c->u->ste->coroutine && c->u->ste->generator)
        return mv_c_error(c, "'return' with value in async generator", s->span);
    if (s->u.ret.value) {
        if (mv_c_expr(c, s->u.ret.value) < 0) return -1;
        if (compile_unwind_stack(c, true, NULL, s->span) < 0) return -1;
    } else {
        if (compile_unwind_stack(c, false, NULL, s->span) < 0) return -1;
        mv_c_load_const(c, MV_NONE);
    }
    mv_c_emit(c, OP_RETURN_VALUE, 0);
    return 0;
}

static int compile_break(mv_compiler *c, mv_stmt *s, bool is_break) {
    mv_fblock *loop = NULL;
    if (compile_unwind_stack(c, false, &loop, s->span) < 0) return -1;
    if (!loop)
        return mv_c_error(c, is_break ? "'break' outside loop" : "'continue' not properly in loop", s->span);
    if (is_break) {
        if (unwind_fblock(c, loop, false, s->span) < 0) return -1;
        mv_c_emit_jump(c, OP_JUMP, loop->exit);
    } else {
        mv_c_emit_jump(c, OP_JUMP, loop->start);
    }
    return 0;
}

/* ---- control flow ---- */

static bool const_truth(mv_expr *e, int *truth) {
    if (e->kind != E_CONSTANT) return false;
    Value v = e->u.constant.value;
    if (v == MV_TRUE) { *truth = 1; return true; }
    if (v == MV_FALSE || v == MV_NONE) { *truth = 0; return true; }
    if (MV_IS_SMALL(v)) { *truth = MV_SMALL_VAL(v) != 0; return true; }
    return false;
}

static int compile_if(mv_compiler *c, mv_stmt *s) {
    int l_else = mv_c_new_label(c), l_end = mv_c_new_label(c);
    if (mv_c_jump_if(c, s->u.if_.test, false, l_else) < 0) return -1;
    if (mv_c_stmts(c, s->u.if_.body) < 0) return -1;
    if (s->u.if_.orelse.n) {
        mv_c_set_pos(c, s->span);
        c->u->pos.end_line = c->u->pos.line; /* keep the jump on the `if` line */
        mv_c_emit_jump(c, OP_JUMP, l_end);
    }
    mv_c_use_label(c, l_else);
    if (mv_c_stmts(c, s->u.if_.orelse) < 0) return -1;
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_while(mv_compiler *c, mv_stmt *s) {
    int truth;
    int l_body = mv_c_new_label(c), l_cont = mv_c_new_label(c), l_else = mv_c_new_label(c),
        l_end = mv_c_new_label(c);
    bool forever = const_truth(s->u.while_.test, &truth) && truth;
    if (forever) {
        mv_c_use_label(c, l_cont);
        if (mv_c_push_fblock(c, FB_WHILE_LOOP, l_cont, l_end, NULL, s->span) < 0) return -1;
        if (mv_c_stmts(c, s->u.while_.body) < 0) return -1;
        mv_c_pop_fblock(c);
        mv_c_set_pos(c, s->span);
        mv_c_emit_jump(c, OP_JUMP, l_cont);
        mv_c_use_label(c, l_end);
        return 0;
    }
    /* loop inversion: the test runs at the bottom, one conditional jump per iteration */
    if (mv_c_jump_if(c, s->u.while_.test, false, l_else) < 0) return -1;
    mv_c_use_label(c, l_body);
    if (mv_c_push_fblock(c, FB_WHILE_LOOP, l_cont, l_end, NULL, s->span) < 0) return -1;
    if (mv_c_stmts(c, s->u.while_.body) < 0) return -1;
    mv_c_pop_fblock(c);
    mv_c_use_label(c, l_cont);
    if (mv_c_jump_if(c, s->u.while_.test, true, l_body) < 0) return -1;
    mv_c_use_label(c, l_else);
    if (mv_c_stmts(c, s->u.while_.orelse) < 0) return -1;
    mv_c_use_label(c, l_end);
    return 0;
}

/* async for: the loop ends when __anext__'s awaitable raises StopAsyncIteration, caught by the
   SETUP_FINALLY handler END_ASYNC_FOR (which re-raises anything else) */
static int compile_async_for(mv_compiler *c, mv_stmt *s) {
    if (c->u->scope_type != STE_FUNCTION || !c->u->ste->coroutine)
        return mv_c_error(c, "'async for' outside async function", s->span);
    int l_start = mv_c_new_label(c), l_except = mv_c_new_label(c), l_end = mv_c_new_label(c);
    if (mv_c_expr(c, s->u.for_.iter) < 0) return -1;
    mv_c_set_pos(c, s->u.for_.iter->span);
    mv_c_emit(c, OP_GET_AITER, 0);
    mv_c_use_label(c, l_start);
    mv_c_set_pos(c, s->span);
    mv_c_emit_jump(c, OP_SETUP_FINALLY, l_except);
    mv_c_emit(c, OP_GET_ANEXT, 0);
    mv_c_load_const(c, MV_NONE);
    mv_c_emit(c, OP_YIELD_FROM, 0);
    mv_c_emit(c, OP_POP_BLOCK, 0);
    if (mv_c_store_target(c, s->u.for_.target) < 0) return -1;
    if (mv_c_push_fblock(c, FB_FOR_LOOP, l_start, l_end, NULL, s->span) < 0) return -1;
    if (mv_c_stmts(c, s->u.for_.body) < 0) return -1;
    mv_c_pop_fblock(c);
    mv_c_set_pos(c, s->span);
    mv_c_emit_jump(c, OP_JUMP, l_start);
    mv_c_use_label(c, l_except);
    mv_c_emit(c, OP_END_ASYNC_FOR, 0);
    if (mv_c_stmts(c, s->u.for_.orelse) < 0) return -1;
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_for(mv_compiler *c, mv_stmt *s) {
    if (s->kind == S_ASYNCFOR) return compile_async_for(c, s);
    int l_start = mv_c_new_label(c), l_cleanup = mv_c_new_label(c), l_end = mv_c_new_label(c);
    if (mv_c_expr(c, s->u.for_.iter) < 0) return -1;
    mv_c_set_pos(c, s->u.for_.iter->span);
    mv_c_emit(c, OP_GET_ITER, 0);
    mv_c_use_label(c, l_start);
    mv_c_set_pos(c, s->span);
    mv_c_emit_jump(c, OP_FOR_ITER, l_cleanup);
    if (mv_c_store_target(c, s->u.for_.target) < 0) return -1;
    if (mv_c_push_fblock(c, FB_FOR_LOOP, l_start, l_end, NULL, s->span) < 0) return -1;
    if (mv_c_stmts(c, s->u.for_.body) < 0) return -1;
    mv_c_pop_fblock(c);
    /* the jump back is CPython's artificial instruction: it takes the position of the body's
       last instruction, which a KeyboardInterrupt at this check point then names */
    c->u->pos = c->u->instrs[c->u->ninstrs - 1].pos;
    mv_c_emit_jump(c, OP_JUMP, l_start);
    mv_c_use_label(c, l_cleanup);
    if (mv_c_stmts(c, s->u.for_.orelse) < 0) return -1;
    mv_c_use_label(c, l_end);
    return 0;
}

/* ---- exceptions ---- */

static int compile_try_except(mv_compiler *c, mv_stmt *s) {
    int l_except = mv_c_new_label(c), l_end = mv_c_new_label(c), l_cleanup = mv_c_new_label(c);
    mv_c_emit_jump(c, OP_SETUP_FINALLY, l_except);
    if (mv_c_push_fblock(c, FB_TRY_EXCEPT, -1, -1, NULL, s->span) < 0) return -1;
    if (mv_c_stmts(c, s->u.try_.body) < 0) return -1;
    mv_c_pop_fblock(c);
    c->u->pos.col = c->u->pos.end_col = -1;
    mv_c_emit(c, OP_POP_BLOCK, 0);
    if (mv_c_stmts(c, s->u.try_.orelse) < 0) return -1;
    mv_c_emit_jump(c, OP_JUMP, l_end);
    mv_c_use_label(c, l_except);
    mv_c_set_pos(c, s->span);
    mv_c_emit(c, OP_PUSH_EXC_INFO, 0);
    mv_c_emit_jump(c, OP_SETUP_CLEANUP, l_cleanup);
    if (mv_c_push_fblock(c, FB_EXCEPTION_HANDLER, -1, -1, NULL, s->span) < 0) return -1;
    size_t nh = s->u.try_.handlers.n;
    for (size_t i = 0; i < nh; i++) {
        mv_excepthandler *h = s->u.try_.handlers.items[i];
        mv_c_set_pos(c, h->span);
        if (!h->type && i + 1 < nh) return mv_c_error(c, "default 'except:' must be last", h->span);
        int l_next = mv_c_new_label(c);
        if (h->type) {
            if (mv_c_expr(c, h->type) < 0) return -1;
            mv_c_set_pos(c, h->span);
            mv_c_emit(c, OP_CHECK_EXC_MATCH, 0);
            mv_c_emit_jump(c, OP_POP_JUMP_IF_FALSE, l_next);
        }
        if (h->name) {
            int l_cleanup_body = mv_c_new_label(c);
            if (mv_c_nameop(c, h->name, CTX_STORE) < 0) return -1;
            mv_c_emit_jump(c, OP_SETUP_FINALLY, l_cleanup_body);
            if (mv_c_push_fblock(c, FB_HANDLER_CLEANUP, -1, -1, h->name, h->span) < 0) return -1;
            if (mv_c_stmts(c, h->body) < 0) return -1;
            mv_c_pop_fblock(c);
            c->u->pos.col = c->u->pos.end_col = -1;
            mv_c_emit(c, OP_POP_BLOCK, 0);
            mv_c_emit(c, OP_POP_BLOCK, 0);
            mv_c_emit(c, OP_POP_EXCEPT, 0);
            mv_c_load_const(c, MV_NONE);
            if (mv_c_nameop(c, h->name, CTX_STORE) < 0) return -1;
            if (mv_c_nameop(c, h->name, CTX_DEL) < 0) return -1;
            mv_c_emit_jump(c, OP_JUMP, l_end);
            mv_c_use_label(c, l_cleanup_body);
            mv_c_load_const(c, MV_NONE);
            if (mv_c_nameop(c, h->name, CTX_STORE) < 0) return -1;
            if (mv_c_nameop(c, h->name, CTX_DEL) < 0) return -1;
            mv_c_emit(c, OP_RERAISE, 0);
        } else {
            mv_c_emit(c, OP_POP_TOP, 0);
            if (mv_c_push_fblock(c, FB_HANDLER_CLEANUP, -1, -1, NULL, h->span) < 0) return -1;
            if (mv_c_stmts(c, h->body) < 0) return -1;
            mv_c_pop_fblock(c);
            c->u->pos.col = c->u->pos.end_col = -1;
            mv_c_emit(c, OP_POP_BLOCK, 0);
            mv_c_emit(c, OP_POP_EXCEPT, 0);
            mv_c_emit_jump(c, OP_JUMP, l_end);
        }
        mv_c_use_label(c, l_next);
    }
    mv_c_pop_fblock(c);
    /* no handler matched */
    mv_c_emit(c, OP_RERAISE, 0);
    mv_c_use_label(c, l_cleanup);
    mv_c_emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_try_finally(mv_compiler *c, mv_stmt *s) {
    int l_exc = mv_c_new_label(c), l_end = mv_c_new_label(c), l_cleanup = mv_c_new_label(c);
    mv_ast_seq *final = &s->u.try_.finalbody;
    mv_c_emit_jump(c, OP_SETUP_FINALLY, l_exc);
    if (mv_c_push_fblock(c, FB_FINALLY_TRY, -1, -1, final, s->span) < 0) return -1;
    if (s->u.try_.handlers.n) {
        if (compile_try_except(c, s) < 0) return -1;
    } else if (mv_c_stmts(c, s->u.try_.body) < 0) {
        return -1;
    }
    mv_c_pop_fblock(c);
    c->u->pos.col = c->u->pos.end_col = -1;
    mv_c_emit(c, OP_POP_BLOCK, 0);
    if (mv_c_stmts(c, *final) < 0) return -1;
    mv_c_emit_jump(c, OP_JUMP, l_end);
    mv_c_use_label(c, l_exc);
    mv_c_set_pos(c, s->span);
    c->u->pos.col = c->u->pos.end_col = -1;
    mv_c_emit(c, OP_PUSH_EXC_INFO, 0);
    mv_c_emit_jump(c, OP_SETUP_CLEANUP, l_cleanup);
    if (mv_c_push_fblock(c, FB_FINALLY_END, -1, -1, NULL, s->span) < 0) return -1;
    if (mv_c_stmts(c, *final) < 0) return -1;
    mv_c_pop_fblock(c);
    mv_c_emit(c, OP_RERAISE, 0);
    mv_c_use_label(c, l_cleanup);
    mv_c_emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_with(mv_compiler *c, mv_stmt *s, size_t pos) {
    bool is_async = s->kind == S_ASYNCWITH;
    if (is_async && (c->u->scope_type != STE_FUNCTION || !c->u->ste->coroutine))
        return mv_c_error(c, "'async with' outside async function", s->span);
    mv_withitem *w = s->u.with.items.items[pos];
    int l_exc = mv_c_new_label(c), l_end = mv_c_new_label(c), l_cleanup = mv_c_new_label(c),
        l_supp = mv_c_new_label(c);
    if (mv_c_expr(c, w->context_expr) < 0) return -1;
    mv_c_set_pos(c, w->context_expr->span);
    if (is_async) {
        mv_c_emit(c, OP_BEFORE_ASYNC_WITH, 0);
        mv_c_emit_await(c, 1);
    } else {
        mv_c_emit(c, OP_BEFORE_WITH, 0);
    }
    mv_c_emit_jump(c, OP_SETUP_CLEANUP, l_exc);
    if (mv_c_push_fblock(c, is_async ? FB_ASYNC_WITH : FB_WITH, -1, -1, NULL, s->span) < 0) return -1;
    if (w->optional_vars) {
        if (mv_c_store_target(c, w->optional_vars) < 0) return -1;
    } else {
        mv_c_emit(c, OP_POP_TOP, 0);
    }
    if (pos + 1 < s->u.with.items.n) {
        if (compile_with(c, s, pos + 1) < 0) return -1;
    } else if (mv_c_stmts(c, s->u.with.body) < 0) {
        return -1;
    }
    mv_c_pop_fblock(c);
    mv_c_set_pos(c, s->span);
    c->u->pos.end_line = c->u->pos.line;
    mv_c_emit(c, OP_POP_BLOCK, 0);
    mv_c_emit(c, OP_CALL_EXIT, 0);
    if (is_async) mv_c_emit_await(c, 2);
    mv_c_emit(c, OP_POP_TOP, 0);
    mv_c_emit_jump(c, OP_JUMP, l_end);
    mv_c_use_label(c, l_exc);
    mv_c_emit(c, OP_PUSH_EXC_INFO, 0);
    mv_c_emit_jump(c, OP_SETUP_CLEANUP, l_cleanup);
    mv_c_emit(c, OP_WITH_EXCEPT_START, 0);
    if (is_async) mv_c_emit_await(c, 2);
    mv_c_emit_jump(c, OP_POP_JUMP_IF_TRUE, l_supp);
    mv_c_emit(c, OP_RERAISE, 0);
    mv_c_use_label(c, l_supp);
    mv_c_emit(c, OP_POP_TOP, 0);
    mv_c_emit(c, OP_POP_BLOCK, 0);
    mv_c_emit(c, OP_POP_EXCEPT, 0);
    mv_c_emit(c, OP_POP_TOP, 0);
    mv_c_emit_jump(c, OP_JUMP, l_end);
    mv_c_use_label(c, l_cleanup);
    mv_c_emit(c, OP_POP_EXCEPT_AND_RERAISE, 0);
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_raise(mv_compiler *c, mv_stmt *s) {
    int n = 0;
    if (s->u.raise.exc) {
        if (mv_c_expr(c, s->u.raise.exc) < 0) return -1;
        n = 1;
        if (s->u.raise.cause) {
            if (mv_c_expr(c, s->u.raise.cause) < 0) return -1;
            n = 2;
        }
    }
    mv_c_set_pos(c, s->span);
    mv_c_emit(c, OP_RAISE_VARARGS, n);
    return 0;
}

static int compile_assert(mv_compiler *c, mv_stmt *s) {
    int l_ok = mv_c_new_label(c);
    if (mv_c_jump_if(c, s->u.assert_.test, true, l_ok) < 0) return -1;
    /* CPython 3.11 reports a failed assert at the test expression */
    mv_c_set_pos(c, s->u.assert_.test->span);
    mv_c_emit(c, OP_LOAD_ASSERTION_ERROR, 0);
    if (s->u.assert_.msg) {
        if (mv_c_expr(c, s->u.assert_.msg) < 0) return -1;
        mv_c_set_pos(c, s->u.assert_.test->span);
        mv_c_emit(c, OP_CALL, 1);
    }
    mv_c_emit(c, OP_RAISE_VARARGS, 1);
    mv_c_use_label(c, l_ok);
    return 0;
}

/* ---- imports ---- */

static int compile_import(mv_compiler *c, mv_stmt *s) {
    for (size_t i = 0; i < s->u.import.names.n; i++) {
        mv_alias *a = s->u.import.names.items[i];
        mv_c_load_const(c, MV_FROM_SMALL(0));
        mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_IMPORT_NAME, mv_c_add_name(c, a->name));
        if (a->asname) {
            const char *p = strchr(a->name, '.');
            while (p) {
                const char *q = strchr(p + 1, '.');
                size_t n = q ? (size_t)(q - p - 1) : strlen(p + 1);
                char buf[256];
                if (n >= sizeof buf) n = sizeof buf - 1;
                memcpy(buf, p + 1, n);
                buf[n] = 0;
                mv_c_emit(c, OP_IMPORT_FROM, mv_c_add_name(c, buf));
                mv_c_emit(c, OP_SWAP, 2);
                mv_c_emit(c, OP_POP_TOP, 0);
                p = q;
            }
            if (mv_c_nameop(c, a->asname, CTX_STORE) < 0) return -1;
        } else {
            char buf[256];
            const char *dot = strchr(a->name, '.');
            size_t n = dot ? (size_t)(dot - a->name) : strlen(a->name);
            if (n >= sizeof buf) n = sizeof buf - 1;
            memcpy(buf, a->name, n);
            buf[n] = 0;
            if (mv_c_nameop(c, buf, CTX_STORE) < 0) return -1;
        }
    }
    return 0;
}

static int compile_importfrom(mv_compiler *c, mv_stmt *s) {
    const char *mod = s->u.importfrom.module ? s->u.importfrom.module : "";
    size_t n = s->u.importfrom.names.n;
    if (strcmp(mod, "__future__") == 0) return 0; /* compile-time features only */
    Value names = mv_tuple_new(n);
    for (size_t i = 0; i < n; i++) {
        mv_alias *a = s->u.importfrom.names.items[i];
        MV_TUPLE_SET(names, i, mv_c_intern(c, a->name));
    }
    mv_c_load_const(c, MV_FROM_SMALL(s->u.importfrom.level));
    mv_c_load_const(c, names);
    MV_DECREF(names);
    mv_c_emit(c, OP_IMPORT_NAME, mv_c_add_name(c, mod));
    for (size_t i = 0; i < n; i++) {
        mv_alias *a = s->u.importfrom.names.items[i];
        if (strcmp(a->name, "*") == 0) {
            mv_c_emit(c, OP_IMPORT_STAR, 0);
            return 0;
        }
        mv_c_emit(c, OP_IMPORT_FROM, mv_c_add_name(c, a->name));
        if (mv_c_nameop(c, a->asname ? a->asname : a->name, CTX_STORE) < 0) return -1;
    }
    mv_c_emit(c, OP_POP_TOP, 0);
    return 0;
}

/* ---- assignments ---- */

static int compile_annassign(mv_compiler *c, mv_stmt *s) {
    mv_expr *tg = s->u.annassign.target;
    if (s->u.annassign.value) {
        if (mv_c_expr(c, s->u.annassign.value) < 0) return -1;
        if (mv_c_store_target(c, tg) < 0) return -1;
    }
    if (c->u->scope_type == STE_FUNCTION) return 0;
    if (tg->kind == E_NAME && s->u.annassign.simple) {
        if (mv_c_expr(c, s->u.annassign.annotation) < 0) return -1;
        mv_c_set_pos(c, s->span);
        if (mv_c_nameop(c, "__annotations__", CTX_LOAD) < 0) return -1;
        char buf[512];
        Value key = mv_c_intern(c, mv_c_mangle(c, tg->u.name.id, buf, sizeof buf));
        mv_c_load_const(c, key);
        MV_DECREF(key);
        mv_c_emit(c, OP_STORE_SUBSCR, 0);
    } else if (!s->u.annassign.value) {
        if (tg->kind == E_ATTRIBUTE) {
            if (mv_c_expr(c, tg->u.attribute.value) < 0) return -1;
            mv_c_emit(c, OP_POP_TOP, 0);
        }
        if (mv_c_expr(c, s->u.annassign.annotation) < 0) return -1;
        mv_c_emit(c, OP_POP_TOP, 0);
    }
    return 0;
}

static int compile_augassign(mv_compiler *c, mv_stmt *s) {
    mv_expr *tg = s->u.augassign.target;
    int op = (int)s->u.augassign.op | MV_BINOP_INPLACE;
    switch (tg->kind) {
    case E_NAME:
        mv_c_set_pos(c, tg->span);
        if (mv_c_nameop(c, tg->u.name.id, CTX_LOAD) < 0) return -1;
        if (mv_c_expr(c, s->u.augassign.value) < 0) return -1;
        mv_c_set_pos(c, s->span);
        mv_c_emit(c, OP_BINARY_OP, op);
        mv_c_set_pos(c, tg->span);
        return mv_c_nameop(c, tg->u.name.id, CTX_STORE);
    case E_ATTRIBUTE: {
        if (mv_c_expr(c, tg->u.attribute.value) < 0) return -1;
        mv_c_set_pos(c, tg->span);
        mv_c_emit(c, OP_DUP_TOP, 0);
        char buf[512];
        int idx = mv_c_add_name(c, mv_c_mangle(c, tg->u.attribute.attr, buf, sizeof buf));
        mv_c_emit(c, OP_LOAD_ATTR, idx);
        if (mv_c_expr(c, s->u.augassign.value) < 0) return -1;
        mv_c_set_pos(c, s->span);
        mv_c_emit(c, OP_BINARY_OP, op);
        mv_c_emit(c, OP_ROT_TWO, 0);
        mv_c_set_pos(c, tg->span);
        mv_c_emit(c, OP_STORE_ATTR, idx);
        return 0;
    }
    case E_SUBSCRIPT:
        if (mv_c_expr(c, tg->u.subscript.value) < 0) return -1;
        if (mv_c_expr(c, tg->u.subscript.slice) < 0) return -1;
        mv_c_set_pos(c, tg->span);
        mv_c_emit(c, OP_DUP_TOP_TWO, 0);
        mv_c_emit(c, OP_BINARY_SUBSCR, 0);
        if (mv_c_expr(c, s->u.augassign.value) < 0) return -1;
        mv_c_set_pos(c, s->span);
        mv_c_emit(c, OP_BINARY_OP, op);
        mv_c_emit(c, OP_ROT_THREE, 0);
        mv_c_set_pos(c, tg->span);
        mv_c_emit(c, OP_STORE_SUBSCR, 0);
        return 0;
    default:
        return mv_c_error(c, "'expression' is an illegal expression for augmented assignment", tg->span);
    }
}

/* ---- dispatch ---- */

int mv_c_stmt(mv_compiler *c, mv_stmt *s) {
    mv_c_set_pos(c, s->span);
    switch (s->kind) {
    case S_FUNCTIONDEF:
    case S_ASYNCFUNCTIONDEF:
        return compile_function(c, s);
    case S_CLASSDEF:
        return compile_class(c, s);
    case S_RETURN:
        return compile_return(c, s);
    case S_DELETE:
        for (size_t i = 0; i < s->u.del.targets.n; i++)
            if (mv_c_delete_target(c, s->u.del.targets.items[i]) < 0) return -1;
        return 0;
    case S_ASSIGN: {
        if (mv_c_expr(c, s->u.assign.value) < 0) return -1;
        size_t n = s->u.assign.targets.n;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n) mv_c_emit(c, OP_DUP_TOP, 0);
            if (mv_c_store_target(c, s->u.assign.targets.items[i]) < 0) return -1;
        }
        return 0;
    }
    case S_AUGASSIGN:
        return compile_augassign(c, s);
    case S_ANNASSIGN:
        return compile_annassign(c, s);
    case S_FOR:
    case S_ASYNCFOR:
        return compile_for(c, s);
    case S_WHILE:
        return compile_while(c, s);
    case S_IF:
        return compile_if(c, s);
    case S_WITH:
    case S_ASYNCWITH:
        return compile_with(c, s, 0);
    case S_RAISE:
        return compile_raise(c, s);
    case S_TRY:
        if (s->u.try_.finalbody.n) return compile_try_finally(c, s);
        return compile_try_except(c, s);
    case S_ASSERT:
        return compile_assert(c, s);
    case S_IMPORT:
        return compile_import(c, s);
    case S_IMPORTFROM:
        return compile_importfrom(c, s);
    case S_GLOBAL:
    case S_NONLOCAL:
    case S_PASS:
        return 0;
    case S_EXPR: {
        mv_expr *e = s->u.expr.value;
        if (c->interactive && c->u->scope_type == STE_MODULE) {
            if (mv_c_expr(c, e) < 0) return -1;
            mv_c_set_pos(c, s->span);
            mv_c_emit(c, OP_PRINT_EXPR, 0);
            return 0;
        }
        if (e->kind == E_CONSTANT) return 0;
        if (mv_c_expr(c, e) < 0) return -1;
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    }
    case S_BREAK:
        return compile_break(c, s, true);
    case S_CONTINUE:
        return compile_break(c, s, false);
    case S_MATCH:
        return mv_c_match(c, s);
    }
    return 0;
}
