/* compiler.c: the compiler's frame: compilation units (one per code object), constants and
 * names, labels and instructions, the peephole fusion pass, the assembler (jump resolution with
 * EXTENDED_ARG, stack depth by flow analysis, the position table) and mv_compile itself.
 * Statements are in compile_stmt.c, expressions in compile_expr.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "abstract.h"
#include "compiler.h"
#include "exc.h"
#include "float.h"
#include "list.h"
#include "str.h"
#include "tuple.h"

const uint8_t mv_op_operand[MV_NUM_OPCODES] = {
#define OP(name, operand, effect) operand,
#include "opcodes.def"
#undef OP
};

const char *const mv_op_names[MV_NUM_OPCODES] = {
#define OP(name, operand, effect) #name,
#include "opcodes.def"
#undef OP
};

int mv_op_stack_effect(int op, int oparg) {
    switch (op) {
#define OP(name, operand, effect) case OP_##name: return (effect);
#include "opcodes.def"
#undef OP
    }
    return 0;
}

/* effect when the jump is taken */
static int jump_effect(int op, int oparg) {
    switch (op) {
    case OP_JUMP: return 0;
    case OP_POP_JUMP_IF_FALSE: case OP_POP_JUMP_IF_TRUE: return -1;
    case OP_JUMP_IF_FALSE_OR_POP: case OP_JUMP_IF_TRUE_OR_POP: return 0;
    case OP_FOR_ITER: return -1;
    case OP_SETUP_FINALLY: return 1;
    case OP_SETUP_CLEANUP: return 0;
    case OP_COMPARE_JUMP_IF_FALSE: case OP_COMPARE_JUMP_IF_TRUE: return -2;
    }
    (void)oparg;
    return 0;
}

static bool is_terminal(int op) {
    return op == OP_JUMP || op == OP_RETURN_VALUE || op == OP_RERAISE || op == OP_RAISE_VARARGS ||
           op == OP_POP_EXCEPT_AND_RERAISE;
}

/* ---- pointer maps ---- */

int mv_ptrmap_get(mv_ptrmap *m, void *key) {
    if (!m->cap) return -1;
    size_t h = ((uintptr_t)key >> 4) * 2654435761u & (m->cap - 1);
    while (m->keys[h]) {
        if (m->keys[h] == key) return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    return -1;
}

void mv_ptrmap_set(mv_ptrmap *m, void *key, int val) {
    if ((m->n + 1) * 2 > m->cap) {
        size_t oldcap = m->cap;
        void **ok = m->keys;
        int *ov = m->vals;
        m->cap = m->cap ? m->cap * 2 : 16;
        m->keys = calloc(m->cap, sizeof(void *));
        m->vals = calloc(m->cap, sizeof(int));
        m->n = 0;
        for (size_t i = 0; i < oldcap; i++)
            if (ok[i]) mv_ptrmap_set(m, ok[i], ov[i]);
        free(ok);
        free(ov);
    }
    size_t h = ((uintptr_t)key >> 4) * 2654435761u & (m->cap - 1);
    while (m->keys[h]) {
        if (m->keys[h] == key) {
            m->vals[h] = val;
            return;
        }
        h = (h + 1) & (m->cap - 1);
    }
    m->keys[h] = key;
    m->vals[h] = val;
    m->n++;
}

static void ptrmap_free(mv_ptrmap *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- errors, positions ---- */

int mv_c_error(mv_compiler *c, const char *msg, mv_span span) {
    if (!c->error) mv_syntax_error_at(c->t, c->filename, c->src, c->srclen, msg, span);
    c->error = 1;
    return -1;
}

void mv_c_set_pos(mv_compiler *c, mv_span s) {
    c->u->pos.line = s.lineno;
    c->u->pos.end_line = s.end_lineno;
    c->u->pos.col = (int16_t)(s.col_offset > 32767 ? -1 : s.col_offset);
    c->u->pos.end_col = (int16_t)(s.end_col_offset > 32767 ? -1 : s.end_col_offset);
}

/* ---- instructions and labels ---- */

int mv_c_new_label(mv_compiler *c) {
    mv_cunit *u = c->u;
    if (u->nlabels == u->caplabels) {
        u->caplabels = u->caplabels ? u->caplabels * 2 : 32;
        u->labels = realloc(u->labels, u->caplabels * sizeof(int));
    }
    u->labels[u->nlabels] = -1;
    return (int)u->nlabels++;
}

void mv_c_use_label(mv_compiler *c, int label) { c->u->labels[label] = (int)c->u->ninstrs; }

static mv_instr *add_instr(mv_compiler *c) {
    mv_cunit *u = c->u;
    if (u->ninstrs == u->capinstrs) {
        u->capinstrs = u->capinstrs ? u->capinstrs * 2 : 64;
        u->instrs = realloc(u->instrs, u->capinstrs * sizeof(mv_instr));
    }
    mv_instr *i = &u->instrs[u->ninstrs++];
    i->pos = u->pos;
    i->arg = i->arg2 = 0;
    return i;
}

void mv_c_emit(mv_compiler *c, int op, int arg) {
    mv_instr *i = add_instr(c);
    i->op = op;
    i->arg = arg;
}

void mv_c_emit_jump(mv_compiler *c, int op, int label) {
    mv_instr *i = add_instr(c);
    i->op = op;
    i->arg = label;
}

/* ---- constants and names ---- */

static bool const_same(Value a, Value b) {
    if (a == b) return true;
    if (MV_IS_SMALL(a) || MV_IS_SMALL(b)) return false;
    if (a->type != b->type) return false;
    if (a->type == &mv_str_type) return mv_str_eq(a, b);
    if (a->type == &mv_float_type) {
        double x = mv_float_val(a), y = mv_float_val(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    return false;
}

int mv_c_add_const(mv_compiler *c, Value v) {
    Value consts = c->u->consts;
    size_t n = mv_list_size(consts);
    /* only scan a bounded window: constants are mostly local */
    if (MV_IS_SMALL(v) || v->type == &mv_str_type || v->type == &mv_float_type || v == MV_NONE ||
        v == MV_TRUE || v == MV_FALSE) {
        for (size_t i = 0; i < n; i++)
            if (const_same(MV_LIST_GET(consts, i), v)) return (int)i;
    }
    mv_list_append(consts, v);
    return (int)n;
}

void mv_c_load_const(mv_compiler *c, Value v) { mv_c_emit(c, OP_LOAD_CONST, mv_c_add_const(c, v)); }

Value mv_c_intern(mv_compiler *c, const char *s) { return mv_str_intern_cstr(c->t, s); }

static int list_index(mv_ptrmap *map, Value list, Value name) {
    int i = mv_ptrmap_get(map, name);
    if (i >= 0) return i;
    i = (int)mv_list_size(list);
    mv_list_append(list, name);
    mv_ptrmap_set(map, name, i);
    return i;
}

int mv_c_add_name(mv_compiler *c, const char *name) {
    Value s = mv_c_intern(c, name);
    int i = list_index(&c->u->namemap, c->u->names, s);
    MV_DECREF(s);
    return i;
}

const char *mv_c_mangle(mv_compiler *c, const char *name, char *buf, size_t size) {
    return mv_mangle(c->private_name, name, buf, size);
}

/* ---- fblocks ---- */

int mv_c_push_fblock(mv_compiler *c, int type, int start, int exit, const void *datum, mv_span span) {
    mv_cunit *u = c->u;
    if (u->nfblocks >= MV_MAX_FBLOCKS)
        return mv_c_error(c, "too many statically nested blocks", span);
    mv_fblock *f = &u->fblocks[u->nfblocks++];
    f->type = type;
    f->start = start;
    f->exit = exit;
    f->datum = datum;
    return 0;
}

void mv_c_pop_fblock(mv_compiler *c) { c->u->nfblocks--; }

/* ---- scopes ---- */

static int cmp_str_values(const void *a, const void *b) {
    return strcmp(mv_str_data(*(const Value *)a), mv_str_data(*(const Value *)b));
}

int mv_c_enter_scope(mv_compiler *c, const char *name, int scope_type, const void *key, int lineno) {
    mv_cunit *u = calloc(1, sizeof(mv_cunit));
    mv_ste *ste = c->u ? mv_ste_child(c->u->ste, key) : c->st.top;
    if (!ste) {
        free(u);
        mv_err_bad_internal(c->t, "compiler: missing symbol table entry");
        c->error = 1;
        return -1;
    }
    u->parent = c->u;
    u->ste = ste;
    u->scope_type = scope_type;
    u->name = mv_c_intern(c, name);
    u->consts = mv_list_new(0);
    u->names = mv_list_new(0);
    u->varnames = mv_list_new(0);
    u->cellvars = mv_list_new(0);
    u->freevars = mv_list_new(0);
    u->firstlineno = lineno;
    u->pos.line = lineno;
    u->pos.end_line = lineno;
    u->pos.col = u->pos.end_col = -1;
    c->u = u;
    /* varnames: parameters first, in order */
    for (size_t i = 0; i < ste->nvarnames && scope_type == STE_FUNCTION; i++) {
        Value s = mv_c_intern(c, ste->varnames[i]);
        list_index(&u->varmap, u->varnames, s);
        MV_DECREF(s);
    }
    /* cells and frees are sorted by name, as CPython does */
    Value cells = mv_list_new(0), frees = mv_list_new(0);
    for (size_t i = 0; i < ste->nsyms; i++) {
        mv_symbol *sym = &ste->syms[i];
        Value s = mv_c_intern(c, sym->name);
        if (sym->scope == SC_CELL) mv_list_append(cells, s);
        else if (sym->scope == SC_FREE || (sym->flags & SYM_FREE_CLASS)) mv_list_append(frees, s);
        else if (sym->scope == SC_LOCAL && scope_type == STE_FUNCTION)
            list_index(&u->varmap, u->varnames, s);
        MV_DECREF(s);
    }
    if (ste->needs_class_closure) {
        Value s = mv_c_intern(c, "__class__");
        mv_list_append(cells, s);
        MV_DECREF(s);
    }
    /* qsort's pointer must not be NULL even for zero items (UBSan) */
    if (mv_list_size(cells) > 1) qsort(mv_list_items(cells), mv_list_size(cells), sizeof(Value), cmp_str_values);
    if (mv_list_size(frees) > 1) qsort(mv_list_items(frees), mv_list_size(frees), sizeof(Value), cmp_str_values);
    for (size_t i = 0; i < mv_list_size(cells); i++)
        list_index(&u->cellmap, u->cellvars, MV_LIST_GET(cells, i));
    for (size_t i = 0; i < mv_list_size(frees); i++)
        list_index(&u->freemap, u->freevars, MV_LIST_GET(frees, i));
    MV_DECREF(cells);
    MV_DECREF(frees);

    /* qualified name */
    mv_cunit *p = u->parent;
    if (!p || p->scope_type == STE_MODULE) {
        u->qualname = mv_newref(u->name);
    } else {
        mv_symbol *sym = NULL;
        if (scope_type != STE_MODULE) sym = mv_ste_lookup(p->ste, name);
        if (sym && sym->scope == SC_GLOBAL_EXPLICIT) {
            u->qualname = mv_newref(u->name);
        } else if (p->scope_type == STE_FUNCTION) {
            u->qualname = mv_str_fromf("%s.<locals>.%s", mv_str_data(p->qualname), name);
        } else {
            u->qualname = mv_str_fromf("%s.%s", mv_str_data(p->qualname), name);
        }
    }
    if (ste->generator && ste->coroutine) u->flags |= MV_CO_ASYNC_GENERATOR;
    else if (ste->generator) u->flags |= MV_CO_GENERATOR;
    else if (ste->coroutine) u->flags |= MV_CO_COROUTINE;
    if (ste->has_varargs) u->flags |= MV_CO_VARARGS;
    if (ste->has_varkw) u->flags |= MV_CO_VARKEYWORDS;
    if (ste->nested) u->flags |= MV_CO_NESTED;
    if (scope_type != STE_FUNCTION) u->flags |= MV_CO_MODULE;
    return 0;
}

static void unit_free(mv_cunit *u) {
    MV_XDECREF(u->name);
    MV_XDECREF(u->qualname);
    MV_XDECREF(u->consts);
    MV_XDECREF(u->names);
    MV_XDECREF(u->varnames);
    MV_XDECREF(u->cellvars);
    MV_XDECREF(u->freevars);
    ptrmap_free(&u->namemap);
    ptrmap_free(&u->varmap);
    ptrmap_free(&u->cellmap);
    ptrmap_free(&u->freemap);
    free(u->instrs);
    free(u->labels);
    free(u);
}

/* ---- peephole: fuse hot pairs into superinstructions ---- */

static void fuse(mv_cunit *u) {
    size_t n = u->ninstrs;
    if (n < 2) return;
    bool *target = calloc(n + 1, sizeof(bool));
    for (size_t l = 0; l < u->nlabels; l++)
        if (u->labels[l] >= 0) target[u->labels[l]] = true;
    /* remap labels as instructions disappear */
    int *newidx = malloc((n + 1) * sizeof(int));
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        newidx[i] = (int)out;
        mv_instr a = u->instrs[i];
        if (i + 1 < n && !target[i + 1]) {
            mv_instr b = u->instrs[i + 1];
            int fused = -1;
            if (a.op == OP_LOAD_FAST && b.op == OP_LOAD_CONST && b.arg < 65536) fused = OP_LOAD_FAST_CONST;
            else if (a.op == OP_LOAD_FAST && b.op == OP_LOAD_FAST && b.arg < 65536) fused = OP_LOAD_FAST_FAST;
            else if (a.op == OP_COMPARE_OP && b.op == OP_POP_JUMP_IF_FALSE) fused = OP_COMPARE_JUMP_IF_FALSE;
            else if (a.op == OP_COMPARE_OP && b.op == OP_POP_JUMP_IF_TRUE) fused = OP_COMPARE_JUMP_IF_TRUE;
            else if (a.op == OP_BINARY_OP && b.op == OP_STORE_FAST && b.arg < 65536) fused = OP_BINARY_OP_STORE_FAST;
            if (fused >= 0) {
                a.op = fused;
                a.arg2 = b.arg;
                u->instrs[out++] = a;
                newidx[i + 1] = (int)out;
                i++;
                continue;
            }
        }
        u->instrs[out++] = a;
    }
    newidx[n] = (int)out;
    for (size_t l = 0; l < u->nlabels; l++)
        if (u->labels[l] >= 0) u->labels[l] = newidx[u->labels[l]];
    u->ninstrs = out;
    free(newidx);
    free(target);
}

/* ---- assembler ---- */

static int ext_units(int arg) {
    int n = 0;
    unsigned a = (unsigned)arg;
    while (a > 0xff) {
        a >>= 8;
        n++;
    }
    return n;
}

static int stack_depth(mv_compiler *c, mv_cunit *u) {
    size_t n = u->ninstrs;
    if (!n) return 0;
    int *depth = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) depth[i] = -1;
    size_t *work = malloc((n + 1) * sizeof(size_t));
    size_t nwork = 0;
    int maxd = 0;
    depth[0] = 0;
    work[nwork++] = 0;
    while (nwork) {
        size_t i = work[--nwork];
        int d = depth[i];
        for (; i < n; i++) {
            mv_instr *in = &u->instrs[i];
            depth[i] = d;
            bool jin = MV_OP_JUMP_IN_OPERAND(in->op), jex = MV_OP_JUMP_IN_EXTRA(in->op);
            if (jin || jex) {
                int tgt = u->labels[jin ? in->arg : in->arg2];
                int td = d + jump_effect(in->op, in->arg);
                if (in->op == OP_SETUP_CLEANUP) td = d; /* level d-1, plus the exception */
                if (td > maxd) maxd = td;
                if (tgt >= 0 && (size_t)tgt < n && depth[tgt] < 0) {
                    depth[tgt] = td;
                    work[nwork++] = (size_t)tgt;
                }
            }
            int eff = mv_op_stack_effect(in->op, in->arg);
            d += eff;
            if (d > maxd) maxd = d;
            if (d < 0) {
                free(depth);
                free(work);
                mv_err_bad_internal(c->t, "compiler: negative stack depth");
                c->error = 1;
                return -1;
            }
            if (is_terminal(in->op)) break;
            if (i + 1 < n && depth[i + 1] >= 0) break;
        }
    }
    free(depth);
    free(work);
    return maxd;
}

/* The opcode to emit for a jump at code offset `at` to `target`: a jump to the same or an earlier
 * instruction closes a loop and becomes the *_BACKWARD twin, the only jumps that poll the eval
 * breaker.  Deciding here, once offsets are final, keeps `target < ip` out of the eval loop. */
static int backward_twin(int op, int target, int at) {
    if (target > at) return op;
    int twin = op;
    switch (op) {
    case OP_JUMP: twin = OP_JUMP_BACKWARD; break;
    case OP_POP_JUMP_IF_FALSE: twin = OP_POP_JUMP_BACKWARD_IF_FALSE; break;
    case OP_POP_JUMP_IF_TRUE: twin = OP_POP_JUMP_BACKWARD_IF_TRUE; break;
    case OP_COMPARE_JUMP_IF_FALSE: twin = OP_COMPARE_JUMP_BACKWARD_IF_FALSE; break;
    case OP_COMPARE_JUMP_IF_TRUE: twin = OP_COMPARE_JUMP_BACKWARD_IF_TRUE; break;
    }
    return twin;
}

static mv_code *assemble(mv_compiler *c, mv_cunit *u) {
    fuse(u);
    int stacksize = stack_depth(c, u);
    if (stacksize < 0) return NULL;
    size_t n = u->ninstrs;
    int *offset = malloc((n + 1) * sizeof(int));
    int *size = malloc((n + 1) * sizeof(int));
    for (size_t i = 0; i < n; i++) size[i] = 1 + (mv_op_operand[u->instrs[i].op] == 2);
    /* iterate until the EXTENDED_ARG prefixes of jumps are stable */
    for (int pass = 0; pass < 10; pass++) {
        int off = 0;
        for (size_t i = 0; i < n; i++) {
            offset[i] = off;
            off += size[i];
        }
        offset[n] = off;
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            mv_instr *in = &u->instrs[i];
            int arg = in->arg;
            if (MV_OP_JUMP_IN_OPERAND(in->op)) arg = offset[u->labels[in->arg]];
            int sz = 1 + (mv_op_operand[in->op] == 2) + ext_units(arg);
            if (sz != size[i]) {
                size[i] = sz;
                changed = true;
            }
        }
        if (!changed) break;
    }
    size_t total = (size_t)offset[n];
    mv_codeunit *code = malloc((total + 1) * sizeof(mv_codeunit));
    mv_position *pos = malloc((total + 1) * sizeof(mv_position));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        mv_instr *in = &u->instrs[i];
        int arg = in->arg, arg2 = in->arg2;
        if (MV_OP_JUMP_IN_OPERAND(in->op)) arg = offset[u->labels[in->arg]];
        if (MV_OP_JUMP_IN_EXTRA(in->op)) arg2 = offset[u->labels[in->arg2]];
        int op = backward_twin(in->op, MV_OP_JUMP_IN_OPERAND(in->op) ? arg : arg2, offset[i]);
        if (arg2 > 0xffff) {
            free(code); free(pos); free(offset); free(size);
            mv_err_set(c->t, &mv_exc_SystemError, "code object too large");
            c->error = 1;
            return NULL;
        }
        int ext = ext_units(arg);
        for (int e = ext; e > 0; e--) {
            pos[k] = in->pos;
            code[k++] = (mv_codeunit)(OP_EXTENDED_ARG | ((((unsigned)arg >> (8 * e)) & 0xff) << 8));
        }
        pos[k] = in->pos;
        code[k++] = (mv_codeunit)(op | (((unsigned)arg & 0xff) << 8));
        if (mv_op_operand[op] == 2) {
            pos[k] = in->pos;
            code[k++] = (mv_codeunit)arg2;
        }
    }
    Value consts = mv_sequence_tuple(c->t, u->consts);
    Value names = mv_sequence_tuple(c->t, u->names);
    Value varnames = mv_sequence_tuple(c->t, u->varnames);
    Value cellvars = mv_sequence_tuple(c->t, u->cellvars);
    Value freevars = mv_sequence_tuple(c->t, u->freevars);
    mv_code *co = NULL;
    if (consts && names && varnames && cellvars && freevars)
        co = mv_code_new(u->name, u->qualname, c->filename_v, u->firstlineno, u->flags, u->argcount,
                         u->posonlyargcount, u->kwonlyargcount, stacksize, consts, names, varnames,
                         cellvars, freevars, code, total, pos);
    MV_XDECREF(consts);
    MV_XDECREF(names);
    MV_XDECREF(varnames);
    MV_XDECREF(cellvars);
    MV_XDECREF(freevars);
    free(code);
    free(pos);
    free(offset);
    free(size);
    if (!co) c->error = 1;
    return co;
}

mv_code *mv_c_exit_scope(mv_compiler *c) {
    mv_cunit *u = c->u;
    mv_code *co = c->error ? NULL : assemble(c, u);
    c->u = u->parent;
    unit_free(u);
    return co;
}

/* ---- entry point ---- */

Value mv_compile(mv_thread *t, const char *src, size_t len, const char *filename, int mode) {
    mv_ast_arena *arena = mv_ast_arena_new();
    mv_module_ast *mod = mv_parse(t, arena, src, len, filename, mode);
    if (!mod) {
        mv_ast_arena_free(arena);
        return NULL;
    }
    mv_compiler cc;
    memset(&cc, 0, sizeof cc);
    mv_compiler *c = &cc;
    c->t = t;
    c->filename = filename;
    c->src = src;
    c->srclen = len;
    c->mode = mode;
    c->interactive = mode == MV_COMPILE_SINGLE;
    mv_code *co = NULL;
    if (mv_symtable_build(&c->st, t, mod, filename, src, len) < 0) goto done;
    c->filename_v = mv_str_from_cstr(filename);
    if (mv_c_enter_scope(c, "<module>", STE_MODULE, mod, 1) < 0) goto done;
    if (mode == MV_COMPILE_EVAL) {
        /* the parser wraps the expression in one Expr statement */
        mv_stmt *s = mod->body.n ? mod->body.items[0] : NULL;
        if (s && s->kind == S_EXPR) {
            mv_c_set_pos(c, s->span);
            if (mv_c_expr(c, s->u.expr.value) == 0) mv_c_emit(c, OP_RETURN_VALUE, 0);
        } else {
            mv_c_load_const(c, MV_NONE);
            mv_c_emit(c, OP_RETURN_VALUE, 0);
        }
    } else if (mv_c_body(c, mod->body, true) == 0) {
        c->u->pos.col = c->u->pos.end_col = -1;
        mv_c_load_const(c, MV_NONE);
        mv_c_emit(c, OP_RETURN_VALUE, 0);
    }
    co = mv_c_exit_scope(c);
done:
    while (c->u) {
        mv_cunit *p = c->u->parent;
        unit_free(c->u);
        c->u = p;
    }
    mv_symtable_free(&c->st);
    MV_XDECREF(c->filename_v);
    mv_ast_arena_free(arena);
    if (c->error && co) {
        MV_DECREF((Value)co);
        co = NULL;
    }
    return (Value)co;
}
