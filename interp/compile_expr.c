/* compile_expr.c: code generation for expressions: names (fast/deref/global/name by scope),
 * operators and comparison chains, conditional jumps, calls (plain, method, with * and **),
 * displays, comprehensions (nested functions, as CPython), lambdas, f-strings, yield, and
 * assignment/deletion targets including starred unpacking.
 */
#include <string.h>

#include "abstract.h"
#include "compiler.h"
#include "list.h"
#include "exc.h"
#include "float.h"
#include "int.h"
#include "str.h"
#include "tuple.h"

/* ---- names ---- */

int mv_c_nameop(mv_compiler *c, const char *name, mv_expr_ctx ctx) {
    char buf[512];
    const char *m = mv_c_mangle(c, name, buf, sizeof buf);
    mv_cunit *u = c->u;
    mv_symbol *sym = mv_ste_lookup(u->ste, m);
    int scope = sym ? sym->scope : SC_NONE;
    bool func = u->scope_type == STE_FUNCTION;
    Value s = mv_c_intern(c, m);
    int op, idx;
    enum { K_FAST, K_DEREF, K_GLOBAL, K_NAME } kind;
    switch (scope) {
    case SC_FREE:
        kind = K_DEREF;
        idx = mv_ptrmap_get(&u->freemap, s);
        if (idx >= 0) idx += (int)mv_list_size(u->cellvars);
        break;
    case SC_CELL:
        kind = K_DEREF;
        idx = mv_ptrmap_get(&u->cellmap, s);
        break;
    case SC_LOCAL:
        kind = func ? K_FAST : K_NAME;
        idx = 0;
        break;
    case SC_GLOBAL_IMPLICIT:
        kind = func ? K_GLOBAL : K_NAME;
        idx = 0;
        break;
    case SC_GLOBAL_EXPLICIT:
        kind = K_GLOBAL;
        idx = 0;
        break;
    default:
        kind = func ? K_GLOBAL : K_NAME;
        idx = 0;
        break;
    }
    if (kind == K_DEREF && idx < 0) kind = func ? K_GLOBAL : K_NAME;
    switch (kind) {
    case K_FAST:
        idx = mv_ptrmap_get(&u->varmap, s);
        if (idx < 0) {
            idx = (int)mv_list_size(u->varnames);
            mv_list_append(u->varnames, s);
            mv_ptrmap_set(&u->varmap, s, idx);
        }
        op = ctx == CTX_LOAD ? OP_LOAD_FAST : ctx == CTX_STORE ? OP_STORE_FAST : OP_DELETE_FAST;
        break;
    case K_DEREF:
        if (ctx == CTX_LOAD)
            op = u->scope_type == STE_CLASS ? OP_LOAD_CLASSDEREF : OP_LOAD_DEREF;
        else
            op = ctx == CTX_STORE ? OP_STORE_DEREF : OP_DELETE_DEREF;
        break;
    case K_GLOBAL:
        idx = mv_c_add_name(c, m);
        op = ctx == CTX_LOAD ? OP_LOAD_GLOBAL : ctx == CTX_STORE ? OP_STORE_GLOBAL : OP_DELETE_GLOBAL;
        break;
    default:
        idx = mv_c_add_name(c, m);
        op = ctx == CTX_LOAD ? OP_LOAD_NAME : ctx == CTX_STORE ? OP_STORE_NAME : OP_DELETE_NAME;
        break;
    }
    MV_DECREF(s);
    mv_c_emit(c, op, idx);
    return 0;
}

/* ---- helpers ---- */

static int expr_seq(mv_compiler *c, mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++)
        if (mv_c_expr(c, seq.items[i]) < 0) return -1;
    return 0;
}

static bool has_starred(mv_ast_seq seq) {
    for (size_t i = 0; i < seq.n; i++)
        if (((mv_expr *)seq.items[i])->kind == E_STARRED) return true;
    return false;
}

static void emit_compare_op(mv_compiler *c, mv_cmpop_ast op) {
    switch (op) {
    case CMP_IS: mv_c_emit(c, OP_IS_OP, 0); break;
    case CMP_ISNOT: mv_c_emit(c, OP_IS_OP, 1); break;
    case CMP_IN: mv_c_emit(c, OP_CONTAINS_OP, 0); break;
    case CMP_NOTIN: mv_c_emit(c, OP_CONTAINS_OP, 1); break;
    default: mv_c_emit(c, OP_COMPARE_OP, (int)op); break;
    }
}

/* Build a list/tuple/set with starred items: BUILD_x 0 then appends and extends. */
static int starred_display(mv_compiler *c, mv_ast_seq elts, int kind /* 0 list 1 tuple 2 set */) {
    mv_c_emit(c, kind == 2 ? OP_BUILD_SET : OP_BUILD_LIST, 0);
    for (size_t i = 0; i < elts.n; i++) {
        mv_expr *e = elts.items[i];
        if (e->kind == E_STARRED) {
            if (mv_c_expr(c, e->u.starred.value) < 0) return -1;
            mv_c_emit(c, kind == 2 ? OP_SET_UPDATE : OP_LIST_EXTEND, 1);
        } else {
            if (mv_c_expr(c, e) < 0) return -1;
            mv_c_emit(c, kind == 2 ? OP_SET_ADD : OP_LIST_APPEND, 1);
        }
    }
    if (kind == 1) mv_c_emit(c, OP_LIST_TO_TUPLE, 0);
    return 0;
}

static bool is_const(mv_expr *e) { return e->kind == E_CONSTANT; }

/* ---- calls ---- */

int mv_c_call_helper(mv_compiler *c, int n_pushed, mv_ast_seq args, mv_ast_seq keywords) {
    mv_position callpos = c->u->pos;
    bool dstar = false;
    for (size_t i = 0; i < keywords.n; i++) {
        mv_keyword *k = keywords.items[i];
        if (!k->arg) {
            dstar = true;
            continue;
        }
        for (size_t j = i + 1; j < keywords.n; j++) {
            mv_keyword *k2 = keywords.items[j];
            if (k2->arg && strcmp(k->arg, k2->arg) == 0) {
                char msg[300];
                snprintf(msg, sizeof msg, "keyword argument repeated: %s", k->arg);
                return mv_c_error(c, msg, k2->span);
            }
        }
    }
    if (!dstar && !has_starred(args)) {
        if (expr_seq(c, args) < 0) return -1;
        for (size_t i = 0; i < keywords.n; i++)
            if (mv_c_expr(c, ((mv_keyword *)keywords.items[i])->value) < 0) return -1;
        c->u->pos = callpos;
        if (keywords.n) {
            Value names = mv_tuple_new(keywords.n);
            for (size_t i = 0; i < keywords.n; i++)
                MV_TUPLE_SET(names, i, mv_c_intern(c, ((mv_keyword *)keywords.items[i])->arg));
            int idx = mv_c_add_const(c, names);
            MV_DECREF(names);
            mv_c_emit(c, OP_KW_NAMES, idx);
        }
        mv_c_emit(c, OP_CALL, n_pushed + (int)args.n + (int)keywords.n);
        return 0;
    }
    /* general form: a tuple of positional args and a dict of keyword args */
    if (n_pushed == 0 && args.n == 1 && ((mv_expr *)args.items[0])->kind == E_STARRED) {
        /* f(*x): x itself, made a tuple by CALL_FUNCTION_EX (with its error message) */
        if (mv_c_expr(c, ((mv_expr *)args.items[0])->u.starred.value) < 0) return -1;
        goto keywords;
    }
    mv_c_emit(c, OP_BUILD_LIST, n_pushed);
    for (size_t i = 0; i < args.n; i++) {
        mv_expr *e = args.items[i];
        if (e->kind == E_STARRED) {
            if (mv_c_expr(c, e->u.starred.value) < 0) return -1;
            mv_c_emit(c, OP_LIST_EXTEND, 1);
        } else {
            if (mv_c_expr(c, e) < 0) return -1;
            mv_c_emit(c, OP_LIST_APPEND, 1);
        }
    }
    mv_c_emit(c, OP_LIST_TO_TUPLE, 0);
keywords:
    if (keywords.n) {
        bool have_dict = false;
        int run = 0;
        for (size_t i = 0; i <= keywords.n; i++) {
            mv_keyword *k = i < keywords.n ? keywords.items[i] : NULL;
            if (k && k->arg) {
                Value name = mv_c_intern(c, k->arg);
                mv_c_load_const(c, name);
                MV_DECREF(name);
                if (mv_c_expr(c, k->value) < 0) return -1;
                run++;
                continue;
            }
            if (run) {
                mv_c_emit(c, OP_BUILD_MAP, run);
                if (have_dict) mv_c_emit(c, OP_DICT_MERGE, 1);
                have_dict = true;
                run = 0;
            }
            if (k) {
                if (!have_dict) {
                    mv_c_emit(c, OP_BUILD_MAP, 0);
                    have_dict = true;
                }
                if (mv_c_expr(c, k->value) < 0) return -1;
                c->u->pos = callpos;
                mv_c_emit(c, OP_DICT_MERGE, 1);
            }
        }
        c->u->pos = callpos;
        mv_c_emit(c, OP_CALL_FUNCTION_EX, 1);
    } else {
        c->u->pos = callpos;
        mv_c_emit(c, OP_CALL_FUNCTION_EX, 0);
    }
    return 0;
}

static int compile_call(mv_compiler *c, mv_expr *e) {
    mv_expr *func = e->u.call.func;
    bool dstar = false;
    for (size_t i = 0; i < e->u.call.keywords.n; i++)
        if (!((mv_keyword *)e->u.call.keywords.items[i])->arg) dstar = true;
    if (func->kind == E_ATTRIBUTE && func->u.attribute.ctx == CTX_LOAD && !dstar &&
        !has_starred(e->u.call.args)) {
        if (mv_c_expr(c, func->u.attribute.value) < 0) return -1;
        mv_c_set_pos(c, func->span);
        char buf[512];
        mv_c_emit(c, OP_LOAD_METHOD,
                  mv_c_add_name(c, mv_c_mangle(c, func->u.attribute.attr, buf, sizeof buf)));
        if (expr_seq(c, e->u.call.args) < 0) return -1;
        mv_ast_seq kws = e->u.call.keywords;
        for (size_t i = 0; i < kws.n; i++)
            if (mv_c_expr(c, ((mv_keyword *)kws.items[i])->value) < 0) return -1;
        mv_c_set_pos(c, e->span);
        if (kws.n) {
            for (size_t i = 0; i < kws.n; i++)
                for (size_t j = i + 1; j < kws.n; j++)
                    if (strcmp(((mv_keyword *)kws.items[i])->arg, ((mv_keyword *)kws.items[j])->arg) == 0) {
                        char msg[300];
                        snprintf(msg, sizeof msg, "keyword argument repeated: %s",
                                 ((mv_keyword *)kws.items[i])->arg);
                        return mv_c_error(c, msg, ((mv_keyword *)kws.items[j])->span);
                    }
            Value names = mv_tuple_new(kws.n);
            for (size_t i = 0; i < kws.n; i++)
                MV_TUPLE_SET(names, i, mv_c_intern(c, ((mv_keyword *)kws.items[i])->arg));
            int idx = mv_c_add_const(c, names);
            MV_DECREF(names);
            mv_c_emit(c, OP_KW_NAMES, idx);
        }
        mv_c_emit(c, OP_CALL_METHOD, (int)(e->u.call.args.n + kws.n));
        return 0;
    }
    if (mv_c_expr(c, func) < 0) return -1;
    mv_c_set_pos(c, e->span);
    return mv_c_call_helper(c, 0, e->u.call.args, e->u.call.keywords);
}

/* ---- functions: defaults, annotations, lambda ---- */

int mv_c_lambda_or_func_defaults(mv_compiler *c, mv_arguments *a, int *flags) {
    if (a->defaults.n) {
        if (expr_seq(c, a->defaults) < 0) return -1;
        mv_c_emit(c, OP_BUILD_TUPLE, (int)a->defaults.n);
        *flags |= 1;
    }
    int count = 0;
    for (size_t i = 0; i < a->kwonlyargs.n; i++) {
        mv_expr *d = i < a->kw_defaults.n ? a->kw_defaults.items[i] : NULL;
        if (!d) continue;
        mv_arg *arg = a->kwonlyargs.items[i];
        char buf[512];
        Value name = mv_c_intern(c, mv_c_mangle(c, arg->arg, buf, sizeof buf));
        mv_c_load_const(c, name);
        MV_DECREF(name);
        if (mv_c_expr(c, d) < 0) return -1;
        count++;
    }
    if (count) {
        mv_c_emit(c, OP_BUILD_MAP, count);
        *flags |= 2;
    }
    return 0;
}

static int ann_one(mv_compiler *c, const char *name, mv_expr *ann, int *count) {
    if (!ann) return 0;
    char buf[512];
    Value s = mv_c_intern(c, mv_c_mangle(c, name, buf, sizeof buf));
    mv_c_load_const(c, s);
    MV_DECREF(s);
    if (mv_c_expr(c, ann) < 0) return -1;
    (*count)++;
    return 0;
}

int mv_c_annotations(mv_compiler *c, mv_arguments *a, mv_expr *returns, int *flags) {
    int count = 0;
    mv_ast_seq *seqs[2] = {&a->posonlyargs, &a->args};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < seqs[k]->n; i++) {
            mv_arg *arg = seqs[k]->items[i];
            if (ann_one(c, arg->arg, arg->annotation, &count) < 0) return -1;
        }
    if (a->vararg && ann_one(c, a->vararg->arg, a->vararg->annotation, &count) < 0) return -1;
    for (size_t i = 0; i < a->kwonlyargs.n; i++) {
        mv_arg *arg = a->kwonlyargs.items[i];
        if (ann_one(c, arg->arg, arg->annotation, &count) < 0) return -1;
    }
    if (a->kwarg && ann_one(c, a->kwarg->arg, a->kwarg->annotation, &count) < 0) return -1;
    if (returns && ann_one(c, "return", returns, &count) < 0) return -1;
    if (count) {
        mv_c_emit(c, OP_BUILD_MAP, count);
        *flags |= 4;
    }
    return 0;
}

static int compile_lambda(mv_compiler *c, mv_expr *e) {
    mv_arguments *a = e->u.lambda.args;
    int flags = 0;
    if (mv_c_lambda_or_func_defaults(c, a, &flags) < 0) return -1;
    if (mv_c_enter_scope(c, "<lambda>", STE_FUNCTION, e, e->span.lineno) < 0) return -1;
    c->u->argcount = (int)(a->posonlyargs.n + a->args.n);
    c->u->posonlyargcount = (int)a->posonlyargs.n;
    c->u->kwonlyargcount = (int)a->kwonlyargs.n;
    int rc = mv_c_expr(c, e->u.lambda.body);
    if (rc == 0) {
        if (c->u->ste->generator) {
            mv_c_emit(c, OP_POP_TOP, 0);
            mv_c_load_const(c, MV_NONE);
        }
        mv_c_emit(c, OP_RETURN_VALUE, 0);
    }
    mv_code *co = mv_c_exit_scope(c);
    if (!co || rc < 0) {
        MV_XDECREF((Value)co);
        return -1;
    }
    mv_c_set_pos(c, e->span);
    rc = mv_c_make_closure(c, co, flags);
    MV_DECREF((Value)co);
    return rc;
}

/* ---- comprehensions ---- */

void mv_c_emit_await(mv_compiler *c, int where) {
    mv_c_emit(c, OP_GET_AWAITABLE, where);
    mv_c_load_const(c, MV_NONE);
    mv_c_emit(c, OP_YIELD_FROM, 0);
}

static int comp_generator(mv_compiler *c, mv_expr *e, mv_ast_seq gens, size_t idx, mv_expr *elt,
                          mv_expr *val) {
    mv_comprehension *g = gens.items[idx];
    int l_start = mv_c_new_label(c), l_end = mv_c_new_label(c);
    if (idx == 0) {
        mv_c_emit(c, OP_LOAD_FAST, 0);
    } else {
        if (mv_c_expr(c, g->iter) < 0) return -1;
        mv_c_emit(c, g->is_async ? OP_GET_AITER : OP_GET_ITER, 0);
    }
    mv_c_use_label(c, l_start);
    mv_c_set_pos(c, e->span);
    if (g->is_async) {
        /* the loop ends with StopAsyncIteration from __anext__, caught by END_ASYNC_FOR at l_end */
        mv_c_emit_jump(c, OP_SETUP_FINALLY, l_end);
        mv_c_emit(c, OP_GET_ANEXT, 0);
        mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_YIELD_FROM, 0);
        mv_c_emit(c, OP_POP_BLOCK, 0);
    } else {
        mv_c_emit_jump(c, OP_FOR_ITER, l_end);
    }
    if (mv_c_store_target(c, g->target) < 0) return -1;
    for (size_t i = 0; i < g->ifs.n; i++)
        if (mv_c_jump_if(c, g->ifs.items[i], false, l_start) < 0) return -1;
    if (idx + 1 < gens.n) {
        if (comp_generator(c, e, gens, idx + 1, elt, val) < 0) return -1;
    } else {
        int depth = (int)gens.n + 1;
        switch (e->kind) {
        case E_GENEXP:
            if (mv_c_expr(c, elt) < 0) return -1;
            mv_c_set_pos(c, elt->span);
            if (c->u->ste->coroutine) mv_c_emit(c, OP_ASYNC_GEN_WRAP, 0);
            mv_c_emit(c, OP_YIELD_VALUE, 0);
            mv_c_emit(c, OP_POP_TOP, 0);
            break;
        case E_LISTCOMP:
            if (mv_c_expr(c, elt) < 0) return -1;
            mv_c_emit(c, OP_LIST_APPEND, depth);
            break;
        case E_SETCOMP:
            if (mv_c_expr(c, elt) < 0) return -1;
            mv_c_emit(c, OP_SET_ADD, depth);
            break;
        default:
            if (mv_c_expr(c, elt) < 0 || mv_c_expr(c, val) < 0) return -1;
            mv_c_emit(c, OP_MAP_ADD, depth);
            break;
        }
    }
    mv_c_set_pos(c, e->span);
    mv_c_emit_jump(c, OP_JUMP, l_start);
    mv_c_use_label(c, l_end);
    if (g->is_async) mv_c_emit(c, OP_END_ASYNC_FOR, 0);
    return 0;
}

static int compile_comprehension(mv_compiler *c, mv_expr *e) {
    const char *name;
    mv_ast_seq gens;
    mv_expr *elt, *val = NULL;
    switch (e->kind) {
    case E_LISTCOMP: name = "<listcomp>"; break;
    case E_SETCOMP: name = "<setcomp>"; break;
    case E_GENEXP: name = "<genexpr>"; break;
    default: name = "<dictcomp>"; break;
    }
    if (e->kind == E_DICTCOMP) {
        gens = e->u.dictcomp.generators;
        elt = e->u.dictcomp.key;
        val = e->u.dictcomp.value;
    } else {
        gens = e->u.comp.generators;
        elt = e->u.comp.elt;
    }
    mv_cunit *outer = c->u;
    if (mv_c_enter_scope(c, name, STE_FUNCTION, e, e->span.lineno) < 0) return -1;
    bool is_async = c->u->ste->coroutine;
    if (is_async && e->kind != E_GENEXP && !outer->ste->comprehension &&
        !(outer->scope_type == STE_FUNCTION && outer->ste->coroutine)) {
        mv_code *co = mv_c_exit_scope(c);
        MV_XDECREF((Value)co);
        return mv_c_error(c, "asynchronous comprehension outside of an asynchronous function", e->span);
    }
    c->u->argcount = 1;
    mv_c_set_pos(c, e->span);
    if (e->kind == E_LISTCOMP) mv_c_emit(c, OP_BUILD_LIST, 0);
    else if (e->kind == E_SETCOMP) mv_c_emit(c, OP_BUILD_SET, 0);
    else if (e->kind == E_DICTCOMP) mv_c_emit(c, OP_BUILD_MAP, 0);
    int rc = comp_generator(c, e, gens, 0, elt, val);
    if (rc == 0) {
        if (e->kind == E_GENEXP) mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_RETURN_VALUE, 0);
    }
    mv_code *co = mv_c_exit_scope(c);
    if (!co || rc < 0) {
        MV_XDECREF((Value)co);
        return -1;
    }
    mv_c_set_pos(c, e->span);
    rc = mv_c_make_closure(c, co, 0);
    MV_DECREF((Value)co);
    if (rc < 0) return -1;
    mv_comprehension *first = gens.items[0];
    if (mv_c_expr(c, first->iter) < 0) return -1;
    mv_c_set_pos(c, e->span);
    mv_c_emit(c, first->is_async ? OP_GET_AITER : OP_GET_ITER, 0);
    mv_c_emit(c, OP_CALL, 1);
    if (is_async && e->kind != E_GENEXP) mv_c_emit_await(c, 0);
    return 0;
}

/* ---- conditional jumps ---- */

int mv_c_jump_if(mv_compiler *c, mv_expr *e, bool cond, int label) {
    mv_position saved = c->u->pos;
    int rc = 0;
    switch (e->kind) {
    case E_UNARYOP:
        if (e->u.unaryop.op == UOP_NOT) return mv_c_jump_if(c, e->u.unaryop.operand, !cond, label);
        break;
    case E_BOOLOP: {
        bool cond2 = e->u.boolop.op == BOOL_OR;
        int next2 = label;
        if (cond2 != cond) next2 = mv_c_new_label(c);
        mv_ast_seq vals = e->u.boolop.values;
        for (size_t i = 0; i + 1 < vals.n; i++)
            if (mv_c_jump_if(c, vals.items[i], cond2, next2) < 0) return -1;
        if (mv_c_jump_if(c, vals.items[vals.n - 1], cond, label) < 0) return -1;
        if (next2 != label) mv_c_use_label(c, next2);
        return 0;
    }
    case E_CONSTANT: {
        Value v = e->u.constant.value;
        int truth = -1;
        if (v == MV_TRUE) truth = 1;
        else if (v == MV_FALSE || v == MV_NONE) truth = 0;
        else if (MV_IS_SMALL(v)) truth = MV_SMALL_VAL(v) != 0;
        if (truth >= 0) {
            if (truth == (int)cond) mv_c_emit_jump(c, OP_JUMP, label);
            return 0;
        }
        break;
    }
    case E_COMPARE:
        if (e->u.compare.n == 1) {
            if (mv_c_expr(c, e->u.compare.left) < 0) return -1;
            if (mv_c_expr(c, e->u.compare.comparators[0]) < 0) return -1;
            mv_c_set_pos(c, e->span);
            emit_compare_op(c, e->u.compare.ops[0]);
            mv_c_emit_jump(c, cond ? OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE, label);
            c->u->pos = saved;
            return 0;
        }
        break;
    default:
        break;
    }
    rc = mv_c_expr(c, e);
    if (rc < 0) return -1;
    mv_c_set_pos(c, e->span);
    mv_c_emit_jump(c, cond ? OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE, label);
    c->u->pos = saved;
    return 0;
}

/* ---- targets ---- */

static int unpack_target(mv_compiler *c, mv_expr *e, mv_ast_seq elts) {
    size_t n = elts.n;
    int star = -1;
    for (size_t i = 0; i < n; i++) {
        if (((mv_expr *)elts.items[i])->kind == E_STARRED) {
            if (star >= 0) return mv_c_error(c, "multiple starred expressions in assignment", e->span);
            star = (int)i;
        }
    }
    mv_c_set_pos(c, e->span);
    if (star >= 0) {
        int after = (int)n - star - 1;
        if (star > 255 || after > 255)
            return mv_c_error(c, "too many expressions in star-unpacking assignment", e->span);
        mv_c_emit(c, OP_UNPACK_EX, star | (after << 8));
    } else {
        mv_c_emit(c, OP_UNPACK_SEQUENCE, (int)n);
    }
    for (size_t i = 0; i < n; i++) {
        mv_expr *t = elts.items[i];
        if (t->kind == E_STARRED) t = t->u.starred.value;
        if (mv_c_store_target(c, t) < 0) return -1;
    }
    return 0;
}

int mv_c_store_target(mv_compiler *c, mv_expr *e) {
    mv_position saved = c->u->pos;
    int rc = 0;
    char buf[512];
    switch (e->kind) {
    case E_NAME:
        mv_c_set_pos(c, e->span);
        rc = mv_c_nameop(c, e->u.name.id, CTX_STORE);
        break;
    case E_ATTRIBUTE:
        if (mv_c_expr(c, e->u.attribute.value) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_STORE_ATTR, mv_c_add_name(c, mv_c_mangle(c, e->u.attribute.attr, buf, sizeof buf)));
        break;
    case E_SUBSCRIPT:
        if (mv_c_expr(c, e->u.subscript.value) < 0) return -1;
        if (mv_c_expr(c, e->u.subscript.slice) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_STORE_SUBSCR, 0);
        break;
    case E_TUPLE:
        rc = unpack_target(c, e, e->u.tuple.elts);
        break;
    case E_LIST:
        rc = unpack_target(c, e, e->u.list.elts);
        break;
    case E_STARRED:
        return mv_c_error(c, "starred assignment target must be in a list or tuple", e->span);
    default:
        return mv_c_error(c, "cannot assign to expression", e->span);
    }
    c->u->pos = saved;
    return rc;
}

int mv_c_delete_target(mv_compiler *c, mv_expr *e) {
    char buf[512];
    mv_c_set_pos(c, e->span);
    switch (e->kind) {
    case E_NAME:
        return mv_c_nameop(c, e->u.name.id, CTX_DEL);
    case E_ATTRIBUTE:
        if (mv_c_expr(c, e->u.attribute.value) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_DELETE_ATTR, mv_c_add_name(c, mv_c_mangle(c, e->u.attribute.attr, buf, sizeof buf)));
        return 0;
    case E_SUBSCRIPT:
        if (mv_c_expr(c, e->u.subscript.value) < 0) return -1;
        if (mv_c_expr(c, e->u.subscript.slice) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_DELETE_SUBSCR, 0);
        return 0;
    case E_TUPLE:
    case E_LIST: {
        mv_ast_seq elts = e->kind == E_TUPLE ? e->u.tuple.elts : e->u.list.elts;
        for (size_t i = 0; i < elts.n; i++)
            if (mv_c_delete_target(c, elts.items[i]) < 0) return -1;
        return 0;
    }
    default:
        return mv_c_error(c, "cannot delete expression", e->span);
    }
}

/* ---- expressions ---- */

static int compile_compare(mv_compiler *c, mv_expr *e) {
    size_t n = e->u.compare.n;
    if (mv_c_expr(c, e->u.compare.left) < 0) return -1;
    if (n == 1) {
        if (mv_c_expr(c, e->u.compare.comparators[0]) < 0) return -1;
        mv_c_set_pos(c, e->span);
        emit_compare_op(c, e->u.compare.ops[0]);
        return 0;
    }
    int l_cleanup = mv_c_new_label(c), l_end = mv_c_new_label(c);
    for (size_t i = 0; i + 1 < n; i++) {
        if (mv_c_expr(c, e->u.compare.comparators[i]) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_DUP_TOP, 0);
        mv_c_emit(c, OP_ROT_THREE, 0);
        emit_compare_op(c, e->u.compare.ops[i]);
        mv_c_emit_jump(c, OP_JUMP_IF_FALSE_OR_POP, l_cleanup);
    }
    if (mv_c_expr(c, e->u.compare.comparators[n - 1]) < 0) return -1;
    mv_c_set_pos(c, e->span);
    emit_compare_op(c, e->u.compare.ops[n - 1]);
    mv_c_emit_jump(c, OP_JUMP, l_end);
    mv_c_use_label(c, l_cleanup);
    mv_c_emit(c, OP_ROT_TWO, 0);
    mv_c_emit(c, OP_POP_TOP, 0);
    mv_c_use_label(c, l_end);
    return 0;
}

static int compile_dict(mv_compiler *c, mv_expr *e) {
    mv_ast_seq keys = e->u.dict.keys, vals = e->u.dict.values;
    bool unpack = false;
    for (size_t i = 0; i < keys.n; i++)
        if (!keys.items[i]) unpack = true;
    if (!unpack) {
        for (size_t i = 0; i < keys.n; i++) {
            if (mv_c_expr(c, keys.items[i]) < 0) return -1;
            if (mv_c_expr(c, vals.items[i]) < 0) return -1;
        }
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_BUILD_MAP, (int)keys.n);
        return 0;
    }
    bool have = false;
    int run = 0;
    for (size_t i = 0; i <= keys.n; i++) {
        if (i < keys.n && keys.items[i]) {
            if (mv_c_expr(c, keys.items[i]) < 0) return -1;
            if (mv_c_expr(c, vals.items[i]) < 0) return -1;
            run++;
            continue;
        }
        mv_c_set_pos(c, e->span);
        if (run || !have) {
            mv_c_emit(c, OP_BUILD_MAP, run);
            if (have) mv_c_emit(c, OP_DICT_UPDATE, 1);
            have = true;
            run = 0;
        }
        if (i < keys.n) {
            if (mv_c_expr(c, vals.items[i]) < 0) return -1;
            mv_c_set_pos(c, e->span);
            mv_c_emit(c, OP_DICT_UPDATE, 1);
        }
    }
    return 0;
}

static int compile_joinedstr(mv_compiler *c, mv_expr *e) {
    mv_ast_seq vals = e->u.joinedstr.values;
    if (vals.n == 0) {
        Value s = mv_str_new("", 0);
        mv_c_load_const(c, s);
        MV_DECREF(s);
        return 0;
    }
    if (expr_seq(c, vals) < 0) return -1;
    mv_c_set_pos(c, e->span);
    if (vals.n == 1 && ((mv_expr *)vals.items[0])->kind == E_FORMATTEDVALUE) return 0;
    mv_c_emit(c, OP_BUILD_STRING, (int)vals.n);
    return 0;
}

static int compile_expr_inner(mv_compiler *c, mv_expr *e) {
    char buf[512];
    switch (e->kind) {
    case E_BOOLOP: {
        int l_end = mv_c_new_label(c);
        int op = e->u.boolop.op == BOOL_AND ? OP_JUMP_IF_FALSE_OR_POP : OP_JUMP_IF_TRUE_OR_POP;
        mv_ast_seq vals = e->u.boolop.values;
        for (size_t i = 0; i + 1 < vals.n; i++) {
            if (mv_c_expr(c, vals.items[i]) < 0) return -1;
            mv_c_emit_jump(c, op, l_end);
        }
        if (mv_c_expr(c, vals.items[vals.n - 1]) < 0) return -1;
        mv_c_use_label(c, l_end);
        return 0;
    }
    case E_NAMEDEXPR:
        if (mv_c_expr(c, e->u.namedexpr.value) < 0) return -1;
        mv_c_emit(c, OP_DUP_TOP, 0);
        return mv_c_store_target(c, e->u.namedexpr.target);
    case E_BINOP:
        if (mv_c_expr(c, e->u.binop.left) < 0) return -1;
        if (mv_c_expr(c, e->u.binop.right) < 0) return -1;
        mv_c_emit(c, OP_BINARY_OP, (int)e->u.binop.op);
        return 0;
    case E_UNARYOP: {
        mv_expr *o = e->u.unaryop.operand;
        if (e->u.unaryop.op == UOP_USUB && o->kind == E_CONSTANT) {
            Value v = o->u.constant.value;
            if ((mv_int_check_exact(v) || (!MV_IS_SMALL(v) && v->type == &mv_float_type))) {
                Value r = mv_unary_neg(c->t, v);
                if (r) {
                    mv_c_load_const(c, r);
                    MV_DECREF(r);
                    return 0;
                }
                mv_err_clear(c->t);
            }
        }
        if (mv_c_expr(c, o) < 0) return -1;
        static const int ops[] = {OP_UNARY_INVERT, OP_UNARY_NOT, OP_UNARY_POSITIVE, OP_UNARY_NEGATIVE};
        mv_c_emit(c, ops[e->u.unaryop.op], 0);
        return 0;
    }
    case E_LAMBDA:
        return compile_lambda(c, e);
    case E_IFEXP: {
        int l_else = mv_c_new_label(c), l_end = mv_c_new_label(c);
        if (mv_c_jump_if(c, e->u.ifexp.test, false, l_else) < 0) return -1;
        if (mv_c_expr(c, e->u.ifexp.body) < 0) return -1;
        mv_c_emit_jump(c, OP_JUMP, l_end);
        mv_c_use_label(c, l_else);
        if (mv_c_expr(c, e->u.ifexp.orelse) < 0) return -1;
        mv_c_use_label(c, l_end);
        return 0;
    }
    case E_DICT:
        return compile_dict(c, e);
    case E_SET:
        if (has_starred(e->u.set.elts)) return starred_display(c, e->u.set.elts, 2);
        if (expr_seq(c, e->u.set.elts) < 0) return -1;
        mv_c_emit(c, OP_BUILD_SET, (int)e->u.set.elts.n);
        return 0;
    case E_LISTCOMP:
    case E_SETCOMP:
    case E_DICTCOMP:
    case E_GENEXP:
        return compile_comprehension(c, e);
    case E_AWAIT:
        if (c->u->scope_type != STE_FUNCTION) return mv_c_error(c, "'await' outside function", e->span);
        if (!c->u->ste->coroutine) return mv_c_error(c, "'await' outside async function", e->span);
        if (mv_c_expr(c, e->u.await_.value) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit_await(c, 0);
        return 0;
    case E_YIELD:
        if (c->u->scope_type != STE_FUNCTION) return mv_c_error(c, "'yield' outside function", e->span);
        if (e->u.yield.value) {
            if (mv_c_expr(c, e->u.yield.value) < 0) return -1;
        } else {
            mv_c_load_const(c, MV_NONE);
        }
        if (c->u->ste->coroutine) mv_c_emit(c, OP_ASYNC_GEN_WRAP, 0);
        mv_c_emit(c, OP_YIELD_VALUE, 0);
        return 0;
    case E_YIELDFROM:
        if (c->u->scope_type != STE_FUNCTION) return mv_c_error(c, "'yield' outside function", e->span);
        if (c->u->ste->coroutine) return mv_c_error(c, "'yield from' inside async function", e->span);
        if (mv_c_expr(c, e->u.yieldfrom.value) < 0) return -1;
        mv_c_emit(c, OP_GET_YIELD_FROM_ITER, 0);
        mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_YIELD_FROM, 0);
        return 0;
    case E_COMPARE:
        return compile_compare(c, e);
    case E_CALL:
        return compile_call(c, e);
    case E_FORMATTEDVALUE: {
        if (mv_c_expr(c, e->u.formatted.value) < 0) return -1;
        int flags = 0;
        switch (e->u.formatted.conversion) {
        case 's': flags = 1; break;
        case 'r': flags = 2; break;
        case 'a': flags = 3; break;
        default: break;
        }
        if (e->u.formatted.format_spec) {
            if (mv_c_expr(c, e->u.formatted.format_spec) < 0) return -1;
            flags |= 4;
        }
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_FORMAT_VALUE, flags);
        return 0;
    }
    case E_JOINEDSTR:
        return compile_joinedstr(c, e);
    case E_CONSTANT:
        mv_c_load_const(c, e->u.constant.value);
        return 0;
    case E_ATTRIBUTE:
        if (e->u.attribute.ctx != CTX_LOAD) return mv_c_store_target(c, e);
        if (mv_c_expr(c, e->u.attribute.value) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_LOAD_ATTR, mv_c_add_name(c, mv_c_mangle(c, e->u.attribute.attr, buf, sizeof buf)));
        return 0;
    case E_SUBSCRIPT:
        if (mv_c_expr(c, e->u.subscript.value) < 0) return -1;
        if (mv_c_expr(c, e->u.subscript.slice) < 0) return -1;
        mv_c_set_pos(c, e->span);
        mv_c_emit(c, OP_BINARY_SUBSCR, 0);
        return 0;
    case E_STARRED:
        return mv_c_error(c, "can't use starred expression here", e->span);
    case E_NAME:
        return mv_c_nameop(c, e->u.name.id, e->u.name.ctx);
    case E_LIST:
        if (has_starred(e->u.list.elts)) return starred_display(c, e->u.list.elts, 0);
        if (expr_seq(c, e->u.list.elts) < 0) return -1;
        mv_c_emit(c, OP_BUILD_LIST, (int)e->u.list.elts.n);
        return 0;
    case E_TUPLE: {
        mv_ast_seq elts = e->u.tuple.elts;
        if (has_starred(elts)) return starred_display(c, elts, 1);
        bool allconst = elts.n > 0;
        for (size_t i = 0; i < elts.n && allconst; i++) allconst = is_const(elts.items[i]);
        if (allconst) {
            Value tup = mv_tuple_new(elts.n);
            for (size_t i = 0; i < elts.n; i++)
                MV_TUPLE_SET(tup, i, mv_newref(((mv_expr *)elts.items[i])->u.constant.value));
            mv_c_emit(c, OP_LOAD_CONST, (int)mv_list_size(c->u->consts));
            mv_list_append(c->u->consts, tup);
            MV_DECREF(tup);
            return 0;
        }
        if (expr_seq(c, elts) < 0) return -1;
        mv_c_emit(c, OP_BUILD_TUPLE, (int)elts.n);
        return 0;
    }
    case E_SLICE:
        if (e->u.slice.lower) {
            if (mv_c_expr(c, e->u.slice.lower) < 0) return -1;
        } else {
            mv_c_load_const(c, MV_NONE);
        }
        if (e->u.slice.upper) {
            if (mv_c_expr(c, e->u.slice.upper) < 0) return -1;
        } else {
            mv_c_load_const(c, MV_NONE);
        }
        if (e->u.slice.step) {
            if (mv_c_expr(c, e->u.slice.step) < 0) return -1;
        }
        mv_c_emit(c, OP_BUILD_SLICE, e->u.slice.step ? 3 : 2);
        return 0;
    }
    return 0;
}

int mv_c_expr(mv_compiler *c, mv_expr *e) {
    mv_position saved = c->u->pos;
    mv_c_set_pos(c, e->span);
    int rc = compile_expr_inner(c, e);
    c->u->pos = saved;
    return rc;
}
