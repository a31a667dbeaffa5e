/* compile_match.c: code generation for the `match` statement, following CPython 3.11's scheme:
 * the subject stays on the stack, captured values are stashed under it (rotated down) and stored
 * only once the whole pattern matched, failures jump to "pop n items" labels; plus the pattern
 * walker the symbol table uses and the compile-time checks (unreachable patterns, bindings).
 */
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "../runtime/abstract.h"
#include "../runtime/str.h"
#include "../runtime/tuple.h"

#define MAX_STORES 256

typedef struct {
    const char *stores[MAX_STORES]; /* names captured so far, in stack order (see store_name) */
    int nstores;
    bool allow_irrefutable;
    int *fail_pop; /* labels: fail_pop[n] pops n items then fails */
    int fail_pop_size;
    int on_top; /* items on the stack above the stashed captures that a failure must pop */
    mv_span loc; /* the last pattern compiled: where CPython reports compile errors */
} pctx;

static int compile_pattern(mv_compiler *c, mv_pattern *p, pctx *pc);

static bool is_wildcard(mv_pattern *p) { return p && p->kind == P_MATCHAS && !p->u.as.pattern && !p->u.as.name; }
static bool is_star_wildcard(mv_pattern *p) { return p && p->kind == P_MATCHSTAR && !p->u.star.name; }

/* ---- pattern walker for the symbol table ---- */

int mv_match_visit_pattern(mv_pattern *p, int (*expr)(void *, mv_expr *),
                           int (*store)(void *, const char *, mv_span), void *ctx) {
    switch (p->kind) {
    case P_MATCHVALUE: return expr(ctx, p->u.value.value);
    case P_MATCHSINGLETON: return 0;
    case P_MATCHSEQUENCE:
    case P_MATCHOR: {
        mv_ast_seq s = p->kind == P_MATCHOR ? p->u.or_.patterns : p->u.seq.patterns;
        for (size_t i = 0; i < s.n; i++)
            if (mv_match_visit_pattern(s.items[i], expr, store, ctx) < 0) return -1;
        return 0;
    }
    case P_MATCHMAPPING:
        for (size_t i = 0; i < p->u.mapping.keys.n; i++) {
            if (expr(ctx, p->u.mapping.keys.items[i]) < 0) return -1;
            if (mv_match_visit_pattern(p->u.mapping.patterns.items[i], expr, store, ctx) < 0) return -1;
        }
        return p->u.mapping.rest ? store(ctx, p->u.mapping.rest, p->span) : 0;
    case P_MATCHCLASS:
        if (expr(ctx, p->u.cls.cls) < 0) return -1;
        for (size_t i = 0; i < p->u.cls.patterns.n; i++)
            if (mv_match_visit_pattern(p->u.cls.patterns.items[i], expr, store, ctx) < 0) return -1;
        for (size_t i = 0; i < p->u.cls.kwd_patterns.n; i++)
            if (mv_match_visit_pattern(p->u.cls.kwd_patterns.items[i], expr, store, ctx) < 0) return -1;
        return 0;
    case P_MATCHSTAR: return p->u.star.name ? store(ctx, p->u.star.name, p->span) : 0;
    case P_MATCHAS:
        if (p->u.as.pattern && mv_match_visit_pattern(p->u.as.pattern, expr, store, ctx) < 0) return -1;
        return p->u.as.name ? store(ctx, p->u.as.name, p->span) : 0;
    }
    return 0;
}

/* ---- helpers ---- */

static int error_fmt(mv_compiler *c, mv_span sp, const char *fmt, const char *arg) {
    char msg[600];
    snprintf(msg, sizeof msg, fmt, arg);
    return mv_c_error(c, msg, sp);
}

/* move TOS down to position `count` (1 = TOS), keeping the order of the others */
static void rotate(mv_compiler *c, int count) {
    while (count > 1) mv_c_emit(c, OP_SWAP, count--);
}

static int ensure_fail_pop(mv_compiler *c, pctx *pc, int n) {
    int size = n + 1;
    if (size <= pc->fail_pop_size) return 0;
    int *np = realloc(pc->fail_pop, (size_t)size * sizeof(int));
    if (!np) {
        mv_err_nomem(c->t);
        c->error = 1;
        return -1;
    }
    pc->fail_pop = np;
    while (pc->fail_pop_size < size) pc->fail_pop[pc->fail_pop_size++] = mv_c_new_label(c);
    return 0;
}

/* jump (op) to the label that pops everything this pattern put on the stack */
static int jump_to_fail_pop(mv_compiler *c, pctx *pc, int op) {
    int pops = pc->on_top + pc->nstores;
    if (ensure_fail_pop(c, pc, pops) < 0) return -1;
    mv_c_emit_jump(c, op, pc->fail_pop[pops]);
    return 0;
}

static void emit_and_reset_fail_pop(mv_compiler *c, pctx *pc) {
    if (!pc->fail_pop_size) return;
    while (--pc->fail_pop_size) {
        mv_c_use_label(c, pc->fail_pop[pc->fail_pop_size]);
        mv_c_emit(c, OP_POP_TOP, 0);
    }
    mv_c_use_label(c, pc->fail_pop[0]);
    free(pc->fail_pop);
    pc->fail_pop = NULL;
}

static int find_store(pctx *pc, const char *name) {
    for (int i = 0; i < pc->nstores; i++)
        if (strcmp(pc->stores[i], name) == 0) return i;
    return -1;
}

static int store_name(mv_compiler *c, const char *name, pctx *pc, mv_span sp) {
    if (!name) {
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    }
    (void)sp;
    if (strcmp(name, "__debug__") == 0) return mv_c_error(c, "cannot assign to __debug__", pc->loc);
    if (find_store(pc, name) >= 0) return error_fmt(c, pc->loc, "multiple assignments to name '%s' in pattern", name);
    if (pc->nstores >= MAX_STORES) return mv_c_error(c, "too many names bound in pattern", sp);
    rotate(c, pc->on_top + pc->nstores + 1);
    pc->stores[pc->nstores++] = name;
    return 0;
}

static int subpattern(mv_compiler *c, mv_pattern *p, pctx *pc) {
    bool allow = pc->allow_irrefutable;
    pc->allow_irrefutable = true;
    int rc = compile_pattern(c, p, pc);
    pc->allow_irrefutable = allow;
    return rc;
}

static void load_int(mv_compiler *c, long n) {
    mv_c_load_const(c, MV_FROM_SMALL(n));
}

/* ---- patterns ---- */

static int pattern_as(mv_compiler *c, mv_pattern *p, pctx *pc) {
    if (!p->u.as.pattern) {
        if (!pc->allow_irrefutable) {
            if (p->u.as.name)
                return error_fmt(c, p->span, "name capture '%s' makes remaining patterns unreachable", p->u.as.name);
            return mv_c_error(c, "wildcard makes remaining patterns unreachable", p->span);
        }
        return store_name(c, p->u.as.name, pc, p->span);
    }
    pc->on_top++;
    mv_c_emit(c, OP_COPY, 1);
    if (subpattern(c, p->u.as.pattern, pc) < 0) return -1;
    pc->on_top--;
    return store_name(c, p->u.as.name, pc, p->span);
}

static int sequence_subscr(mv_compiler *c, mv_ast_seq pats, int star, pctx *pc) {
    int size = (int)pats.n;
    pc->on_top++;
    for (int i = 0; i < size; i++) {
        mv_pattern *q = pats.items[i];
        if (is_wildcard(q) || i == star) continue;
        mv_c_emit(c, OP_COPY, 1);
        if (i < star) {
            load_int(c, i);
        } else {
            mv_c_emit(c, OP_GET_LEN, 0);
            load_int(c, size - i);
            mv_c_emit(c, OP_BINARY_OP, OP_SUB);
        }
        mv_c_emit(c, OP_BINARY_SUBSCR, 0);
        if (subpattern(c, q, pc) < 0) return -1;
    }
    pc->on_top--;
    mv_c_emit(c, OP_POP_TOP, 0);
    return 0;
}

static int pattern_sequence(mv_compiler *c, mv_pattern *p, pctx *pc) {
    mv_ast_seq pats = p->u.seq.patterns;
    int size = (int)pats.n, star = -1;
    bool only_wildcard = true, star_wildcard = false;
    for (int i = 0; i < size; i++) {
        mv_pattern *q = pats.items[i];
        if (q->kind == P_MATCHSTAR) {
            if (star >= 0) return mv_c_error(c, "multiple starred names in sequence pattern", p->span);
            star_wildcard = is_star_wildcard(q);
            only_wildcard &= star_wildcard;
            star = i;
            continue;
        }
        only_wildcard &= is_wildcard(q);
    }
    pc->on_top++;
    mv_c_emit(c, OP_MATCH_SEQUENCE, 0);
    if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    if (star < 0) {
        mv_c_emit(c, OP_GET_LEN, 0);
        load_int(c, size);
        mv_c_emit(c, OP_COMPARE_OP, CMP_EQ);
        if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    } else if (size - 1 > 0) {
        mv_c_emit(c, OP_GET_LEN, 0);
        load_int(c, size - 1);
        mv_c_emit(c, OP_COMPARE_OP, CMP_GTE);
        if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    }
    pc->on_top--;
    if (only_wildcard) {
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    }
    if (star_wildcard) return sequence_subscr(c, pats, star, pc);
    if (star < 0) {
        mv_c_emit(c, OP_UNPACK_SEQUENCE, size);
    } else {
        if (star > 255 || size - star - 1 > 255)
            return mv_c_error(c, "too many expressions in star-unpacking sequence pattern", p->span);
        mv_c_emit(c, OP_UNPACK_EX, star | ((size - star - 1) << 8));
    }
    pc->on_top += size;
    for (int i = 0; i < size; i++) {
        pc->on_top--;
        if (subpattern(c, pats.items[i], pc) < 0) return -1;
    }
    return 0;
}

static int pattern_mapping(mv_compiler *c, mv_pattern *p, pctx *pc) {
    mv_ast_seq keys = p->u.mapping.keys, pats = p->u.mapping.patterns;
    int size = (int)keys.n;
    const char *rest = p->u.mapping.rest;
    pc->on_top++;
    mv_c_emit(c, OP_MATCH_MAPPING, 0);
    if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    if (!size && !rest) {
        pc->on_top--;
        mv_c_emit(c, OP_POP_TOP, 0);
        return 0;
    }
    if (size) {
        mv_c_emit(c, OP_GET_LEN, 0);
        load_int(c, size);
        mv_c_emit(c, OP_COMPARE_OP, CMP_GTE);
        if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    }
    for (int i = 0; i < size; i++) {
        mv_expr *k = keys.items[i];
        if (k->kind == E_CONSTANT) {
            for (int j = 0; j < i; j++) {
                mv_expr *k2 = keys.items[j];
                if (k2->kind != E_CONSTANT) continue;
                int eq = mv_richcompare_bool(c->t, k->u.constant.value, k2->u.constant.value, MV_EQ);
                if (eq < 0) {
                    c->error = 1;
                    return -1;
                }
                if (eq) {
                    Value r = mv_repr(c->t, k->u.constant.value);
                    if (!r) return -1;
                    int rc = error_fmt(c, p->span, "mapping pattern checks duplicate key (%s)", mv_str_data(r));
                    MV_DECREF(r);
                    return rc;
                }
            }
        }
        if (mv_c_expr(c, k) < 0) return -1;
    }
    mv_c_emit(c, OP_BUILD_TUPLE, size);
    mv_c_emit(c, OP_MATCH_KEYS, 0);
    pc->on_top += 2;
    mv_c_emit(c, OP_COPY, 1);
    mv_c_load_const(c, MV_NONE);
    mv_c_emit(c, OP_IS_OP, 1);
    if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    mv_c_emit(c, OP_UNPACK_SEQUENCE, size);
    pc->on_top += size - 1;
    for (int i = 0; i < size; i++) {
        pc->on_top--;
        if (subpattern(c, pats.items[i], pc) < 0) return -1;
    }
    pc->on_top -= 2;
    if (rest) {
        mv_c_emit(c, OP_BUILD_MAP, 0);
        mv_c_emit(c, OP_SWAP, 3);
        mv_c_emit(c, OP_DICT_UPDATE, 2);
        mv_c_emit(c, OP_UNPACK_SEQUENCE, size);
        while (size) {
            mv_c_emit(c, OP_COPY, 1 + size--);
            mv_c_emit(c, OP_SWAP, 2);
            mv_c_emit(c, OP_DELETE_SUBSCR, 0);
        }
        return store_name(c, rest, pc, p->span);
    }
    mv_c_emit(c, OP_POP_TOP, 0);
    mv_c_emit(c, OP_POP_TOP, 0);
    return 0;
}

static int pattern_class(mv_compiler *c, mv_pattern *p, pctx *pc) {
    mv_ast_seq pats = p->u.cls.patterns, attrs = p->u.cls.kwd_attrs, kwps = p->u.cls.kwd_patterns;
    int nargs = (int)pats.n, nattrs = (int)attrs.n;
    for (int i = 0; i < nattrs; i++) {
        for (int j = i + 1; j < nattrs; j++)
            if (strcmp(attrs.items[i], attrs.items[j]) == 0) {
                mv_pattern *kp = kwps.items[j];
                return error_fmt(c, kp->span, "attribute name repeated in class pattern: %s", attrs.items[i]);
            }
    }
    if (mv_c_expr(c, p->u.cls.cls) < 0) return -1;
    Value names = mv_tuple_new((size_t)nattrs);
    if (!names) {
        c->error = 1;
        return -1;
    }
    for (int i = 0; i < nattrs; i++) {
        Value s = mv_c_intern(c, attrs.items[i]);
        if (!s) {
            MV_DECREF(names);
            return -1;
        }
        MV_TUPLE_SET(names, i, s);
    }
    mv_c_load_const(c, names);
    MV_DECREF(names);
    mv_c_emit(c, OP_MATCH_CLASS, nargs);
    mv_c_emit(c, OP_COPY, 1);
    mv_c_load_const(c, MV_NONE);
    mv_c_emit(c, OP_IS_OP, 1);
    pc->on_top++;
    if (jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE) < 0) return -1;
    mv_c_emit(c, OP_UNPACK_SEQUENCE, nargs + nattrs);
    pc->on_top += nargs + nattrs - 1;
    for (int i = 0; i < nargs + nattrs; i++) {
        pc->on_top--;
        mv_pattern *q = i < nargs ? pats.items[i] : kwps.items[i - nargs];
        if (is_wildcard(q)) {
            mv_c_emit(c, OP_POP_TOP, 0);
            continue;
        }
        if (subpattern(c, q, pc) < 0) return -1;
    }
    return 0;
}

/* swap the stack items at depths a and b (1 = TOS) */
static void swap_depths(mv_compiler *c, int a, int b) {
    if (a == b) return;
    if (a == 1) { mv_c_emit(c, OP_SWAP, b); return; }
    if (b == 1) { mv_c_emit(c, OP_SWAP, a); return; }
    mv_c_emit(c, OP_SWAP, a);
    mv_c_emit(c, OP_SWAP, b);
    mv_c_emit(c, OP_SWAP, a);
}

static int pattern_or(mv_compiler *c, mv_pattern *p, pctx *pc) {
    mv_ast_seq alts = p->u.or_.patterns;
    int end = mv_c_new_label(c);
    pctx *sub = calloc(1, sizeof *sub);
    const char **control = calloc(MAX_STORES, sizeof *control);
    int ncontrol = 0;
    if (!sub || !control) {
        free(sub);
        free(control);
        mv_err_nomem(c->t);
        c->error = 1;
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < alts.n; i++) {
        mv_pattern *alt = alts.items[i];
        mv_c_set_pos(c, alt->span);
        sub->nstores = 0;
        sub->allow_irrefutable = (i == alts.n - 1) && pc->allow_irrefutable;
        sub->fail_pop = NULL;
        sub->fail_pop_size = 0;
        sub->on_top = 0;
        mv_c_emit(c, OP_COPY, 1);
        sub->loc = alt->span;
        int arc = compile_pattern(c, alt, sub);
        pc->loc = sub->loc;
        if (arc < 0) goto done;
        if (i == 0) {
            ncontrol = sub->nstores;
            memcpy(control, sub->stores, (size_t)ncontrol * sizeof *control);
        } else {
            if (sub->nstores != ncontrol) goto diff;
            /* reorder the captured values on the stack to the first alternative's order:
               stores[k] lives at depth k + 1 */
            for (int k = 0; k < ncontrol; k++) {
                int j = find_store(sub, control[k]);
                if (j < 0) goto diff;
                if (j != k) {
                    swap_depths(c, k + 1, j + 1);
                    const char *tmp = sub->stores[k];
                    sub->stores[k] = sub->stores[j];
                    sub->stores[j] = tmp;
                }
            }
        }
        mv_c_emit_jump(c, OP_JUMP, end);
        emit_and_reset_fail_pop(c, sub);
    }
    /* no alternative matched: pop the subject and fail */
    mv_c_emit(c, OP_POP_TOP, 0);
    if (jump_to_fail_pop(c, pc, OP_JUMP) < 0) goto done;
    mv_c_use_label(c, end);
    int nrots = ncontrol + 1 + pc->on_top + pc->nstores;
    for (int i = 0; i < ncontrol; i++) {
        rotate(c, nrots);
        if (find_store(pc, control[i]) >= 0) {
            error_fmt(c, pc->loc, "multiple assignments to name '%s' in pattern", control[i]);
            goto done;
        }
        if (pc->nstores >= MAX_STORES) {
            mv_c_error(c, "too many names bound in pattern", p->span);
            goto done;
        }
        pc->stores[pc->nstores++] = control[i];
    }
    mv_c_emit(c, OP_POP_TOP, 0);
    rc = 0;
    goto done;
diff:
    mv_c_error(c, "alternative patterns bind different names", pc->loc);
done:
    free(sub->fail_pop);
    free(sub);
    free(control);
    return rc;
}

static int compile_pattern(mv_compiler *c, mv_pattern *p, pctx *pc) {
    mv_c_set_pos(c, p->span);
    pc->loc = p->span;
    switch (p->kind) {
    case P_MATCHVALUE:
        if (mv_c_expr(c, p->u.value.value) < 0) return -1;
        mv_c_emit(c, OP_COMPARE_OP, CMP_EQ);
        return jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE);
    case P_MATCHSINGLETON:
        mv_c_load_const(c, p->u.singleton.value);
        mv_c_emit(c, OP_IS_OP, 0);
        return jump_to_fail_pop(c, pc, OP_POP_JUMP_IF_FALSE);
    case P_MATCHSEQUENCE: return pattern_sequence(c, p, pc);
    case P_MATCHMAPPING: return pattern_mapping(c, p, pc);
    case P_MATCHCLASS: return pattern_class(c, p, pc);
    case P_MATCHSTAR: return store_name(c, p->u.star.name, pc, p->span);
    case P_MATCHAS: return pattern_as(c, p, pc);
    case P_MATCHOR: return pattern_or(c, p, pc);
    }
    return 0;
}

/* ---- the statement ---- */

int mv_c_match(mv_compiler *c, mv_stmt *s) {
    if (mv_c_expr(c, s->u.match.subject) < 0) return -1;
    int end = mv_c_new_label(c);
    mv_ast_seq cases = s->u.match.cases;
    int ncases = (int)cases.n;
    mv_match_case *lastc = cases.items[ncases - 1];
    int has_default = is_wildcard(lastc->pattern) && ncases > 1;
    pctx *pc = calloc(1, sizeof *pc);
    if (!pc) {
        mv_err_nomem(c->t);
        return -1;
    }
    int rc = -1;
    for (int i = 0; i < ncases - has_default; i++) {
        mv_match_case *m = cases.items[i];
        bool last = i == ncases - has_default - 1;
        mv_c_set_pos(c, m->pattern->span);
        if (!last) mv_c_emit(c, OP_COPY, 1);
        pc->nstores = 0;
        pc->allow_irrefutable = m->guard != NULL || i == ncases - 1;
        pc->fail_pop = NULL;
        pc->fail_pop_size = 0;
        pc->on_top = 0;
        if (compile_pattern(c, m->pattern, pc) < 0) goto done;
        for (int n = 0; n < pc->nstores; n++)
            if (mv_c_nameop(c, pc->stores[n], CTX_STORE) < 0) goto done;
        if (m->guard) {
            if (ensure_fail_pop(c, pc, 0) < 0) goto done;
            if (mv_c_jump_if(c, m->guard, false, pc->fail_pop[0]) < 0) goto done;
        }
        if (!last) mv_c_emit(c, OP_POP_TOP, 0);
        if (mv_c_stmts(c, m->body) < 0) goto done;
        mv_c_emit_jump(c, OP_JUMP, end);
        mv_c_set_pos(c, m->pattern->span);
        emit_and_reset_fail_pop(c, pc);
    }
    if (has_default) {
        mv_c_set_pos(c, lastc->pattern->span);
        if (ncases == 1) mv_c_emit(c, OP_POP_TOP, 0);
        else mv_c_emit(c, OP_NOP, 0);
        if (lastc->guard && mv_c_jump_if(c, lastc->guard, false, end) < 0) goto done;
        if (mv_c_stmts(c, lastc->body) < 0) goto done;
    }
    mv_c_use_label(c, end);
    rc = 0;
done:
    free(pc->fail_pop);
    free(pc);
    return rc;
}
