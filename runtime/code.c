/* code.c: code objects (the compiler's output, what frames execute) and cells (the boxes shared
 * between a function and its closures), plus mv_source_line for tracebacks.
 */
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "code.h"
#include "opcodes.h"
#include "str.h"
#include "tuple.h"

static void code_dealloc(Value self) {
    mv_code *co = (mv_code *)self;
    mv_frame_free_list(co);
    MV_XDECREF(co->name);
    MV_XDECREF(co->qualname);
    MV_XDECREF(co->filename);
    MV_XDECREF(co->consts);
    MV_XDECREF(co->names);
    MV_XDECREF(co->varnames);
    MV_XDECREF(co->cellvars);
    MV_XDECREF(co->freevars);
    mv_free(co->cell2arg);
    mv_free(co->code);
    mv_free(co->positions);
    mv_free(co->cache);
}

static Value code_repr(mv_thread *t, Value self) {
    mv_code *co = (mv_code *)self;
    return mv_str_fromf("<code object %s at %p, file \"%s\", line %d>", mv_str_data(co->name),
                        (void *)co, mv_str_data(co->filename), co->firstlineno);
}

static Value code_get_name(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->name); }
static Value code_get_qualname(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->qualname); }
static Value code_get_filename(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->filename); }
static Value code_get_consts(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->consts); }
static Value code_get_names(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->names); }
static Value code_get_varnames(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->varnames); }
static Value code_get_cellvars(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->cellvars); }
static Value code_get_freevars(mv_thread *t, Value self) { return mv_newref(((mv_code *)self)->freevars); }
static Value code_get_firstlineno(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->firstlineno); }
static Value code_get_argcount(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->argcount); }
static Value code_get_kwonlyargcount(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->kwonlyargcount); }
static Value code_get_posonlyargcount(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->posonlyargcount); }
static Value code_get_flags(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->flags); }
static Value code_get_nlocals(mv_thread *t, Value self) { return MV_FROM_SMALL(((mv_code *)self)->nlocals); }

static const mv_getset_def code_getsets[] = {
    {"co_name", code_get_name, NULL},
    {"co_qualname", code_get_qualname, NULL},
    {"co_filename", code_get_filename, NULL},
    {"co_consts", code_get_consts, NULL},
    {"co_names", code_get_names, NULL},
    {"co_varnames", code_get_varnames, NULL},
    {"co_cellvars", code_get_cellvars, NULL},
    {"co_freevars", code_get_freevars, NULL},
    {"co_firstlineno", code_get_firstlineno, NULL},
    {"co_argcount", code_get_argcount, NULL},
    {"co_kwonlyargcount", code_get_kwonlyargcount, NULL},
    {"co_posonlyargcount", code_get_posonlyargcount, NULL},
    {"co_flags", code_get_flags, NULL},
    {"co_nlocals", code_get_nlocals, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_code_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "code",
    .basicsize = sizeof(mv_code),
    .dealloc = code_dealloc,
    .repr = code_repr,
    .getsets = code_getsets,
};

/* The block stack never gets deeper than the number of SETUP_* instructions, nor than the
 * compiler's limit of 20 statically nested blocks. */
static int count_setups(const mv_codeunit *code, size_t n) {
    int count = 0;
    for (size_t i = 0; i < n && count < 20; i++) {
        unsigned op = code[i] & 0xff;
        if (op == OP_SETUP_FINALLY || op == OP_SETUP_CLEANUP) count++;
        if (op < MV_NUM_OPCODES && mv_op_operand[op] == 2) i++; /* skip the inline extra unit */
    }
    return count;
}

mv_code *mv_code_new(Value name, Value qualname, Value filename, int firstlineno, unsigned flags,
                     int argcount, int posonlyargcount, int kwonlyargcount, int stacksize,
                     Value consts, Value names, Value varnames, Value cellvars, Value freevars,
                     const mv_codeunit *code, size_t ncode, const mv_position *positions) {
    mv_code *co = (mv_code *)mv_object_new(&mv_code_type);
    co->name = mv_newref(name);
    co->qualname = mv_newref(qualname);
    co->filename = mv_newref(filename);
    co->firstlineno = firstlineno;
    co->flags = flags;
    co->argcount = argcount;
    co->posonlyargcount = posonlyargcount;
    co->kwonlyargcount = kwonlyargcount;
    co->nlocals = (int)mv_tuple_size(varnames);
    co->ncells = (int)mv_tuple_size(cellvars);
    co->nfrees = (int)mv_tuple_size(freevars);
    co->stacksize = stacksize;
    co->maxblocks = count_setups(code, ncode);
    co->consts = mv_newref(consts);
    co->names = mv_newref(names);
    co->varnames = mv_newref(varnames);
    co->cellvars = mv_newref(cellvars);
    co->freevars = mv_newref(freevars);
    co->code = mv_malloc((ncode ? ncode : 1) * sizeof(mv_codeunit));
    memcpy(co->code, code, ncode * sizeof(mv_codeunit));
    co->ncode = ncode;
    co->positions = mv_malloc((ncode ? ncode : 1) * sizeof(mv_position));
    memcpy(co->positions, positions, ncode * sizeof(mv_position));
    /* a cell that is also an argument starts out holding the argument's value */
    int nargs = argcount + kwonlyargcount + !!(flags & MV_CO_VARARGS) + !!(flags & MV_CO_VARKEYWORDS);
    for (int i = 0; i < co->ncells; i++) {
        Value cname = MV_TUPLE_GET(cellvars, i);
        for (int j = 0; j < nargs && j < co->nlocals; j++) {
            if (mv_str_eq(cname, MV_TUPLE_GET(varnames, j))) {
                if (!co->cell2arg) {
                    co->cell2arg = mv_malloc(co->ncells * sizeof(int));
                    for (int k = 0; k < co->ncells; k++) co->cell2arg[k] = -1;
                }
                co->cell2arg[i] = j;
                break;
            }
        }
    }
    return co;
}

int mv_code_line(mv_code *co, int lasti) {
    if (lasti < 0 || (size_t)lasti >= co->ncode) return co->firstlineno;
    int line = co->positions[lasti].line;
    return line > 0 ? line : co->firstlineno;
}

/* ---- cells ---- */

static void cell_dealloc(Value self) { MV_XDECREF(((mv_cell *)self)->ref); }

static Value cell_repr(mv_thread *t, Value self) {
    mv_cell *c = (mv_cell *)self;
    if (!c->ref) return mv_str_fromf("<cell at %p: empty>", (void *)c);
    return mv_str_fromf("<cell at %p: %s object at %p>", (void *)c, mv_type_name(c->ref),
                        (void *)c->ref);
}

static Value cell_get_contents(mv_thread *t, Value self) {
    mv_cell *c = (mv_cell *)self;
    if (!c->ref) return mv_err_set(t, &mv_exc_ValueError, "Cell is empty");
    return mv_newref(c->ref);
}

static int cell_set_contents(mv_thread *t, Value self, Value v) {
    MV_XINCREF(v);
    MV_SETREF(((mv_cell *)self)->ref, v);
    return 0;
}

static const mv_getset_def cell_getsets[] = {
    {"cell_contents", cell_get_contents, cell_set_contents},
    {NULL, NULL, NULL},
};

mv_type mv_cell_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "cell",
    .basicsize = sizeof(mv_cell),
    .dealloc = cell_dealloc,
    .repr = cell_repr,
    .getsets = cell_getsets,
};

Value mv_cell_new(Value v) {
    mv_cell *c = (mv_cell *)mv_object_new(&mv_cell_type);
    c->ref = v;
    MV_XINCREF(v);
    return (Value)c;
}
