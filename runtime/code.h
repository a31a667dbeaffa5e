/* code.h: code objects (what the compiler produces, what a frame executes) and frames.
 *
 * A code object holds the bytecode (16-bit units: 8-bit opcode, 8-bit operand, EXTENDED_ARG
 * for larger operands; see interp/opcodes.def), the constants, the names, the local variable
 * layout and a position table mapping each instruction to (line, end_line, col, end_col) so that
 * tracebacks print CPython 3.11's source line and ^^^^ carets.
 *
 * Frames are heap objects.  Python-to-Python calls push a frame and continue in the same C
 * invocation of the eval loop (no C recursion), so deep recursion ends in RecursionError, never in
 * a C stack overflow.
 */
#ifndef MV_CODE_H
#define MV_CODE_H

#include "vm.h"

typedef uint16_t mv_codeunit;

typedef struct {
    int32_t line, end_line;
    int16_t col, end_col; /* 0-based UTF-8 byte columns, -1 unknown */
} mv_position;

enum {
    MV_CO_VARARGS = 1,     /* *args */
    MV_CO_VARKEYWORDS = 2, /* **kwargs */
    MV_CO_GENERATOR = 4,
    MV_CO_COROUTINE = 8,
    MV_CO_ASYNC_GENERATOR = 16,
    MV_CO_NESTED = 32,     /* defined inside a function: not picklable by reference */
    MV_CO_MODULE = 64,     /* module or class body: names go through a dict */
    MV_CO_HAS_DOCSTRING = 128, /* consts[0] is the docstring (functions) */
};

typedef struct mv_code {
    mv_object ob;
    Value name;       /* str: function name, "<module>", "<lambda>", "<listcomp>", ... */
    Value qualname;   /* str: "C.method", "f.<locals>.g" */
    Value filename;   /* str */
    int firstlineno;
    unsigned flags;
    int argcount;        /* positional parameters (including positional-only) */
    int posonlyargcount;
    int kwonlyargcount;
    int nlocals;         /* fast locals: parameters first, then other locals */
    int ncells;          /* cell variables (captured by inner functions) */
    int nfrees;          /* free variables (captured from the enclosing function) */
    int stacksize;
    int maxblocks;       /* bound on the try/with block depth: frames reserve this many blocks */
    Value consts;     /* tuple */
    Value names;      /* tuple of str: globals, attributes, imports */
    Value varnames;   /* tuple of str: the fast locals */
    Value cellvars;   /* tuple of str */
    Value freevars;   /* tuple of str */
    int *cell2arg;    /* for each cell, the argument index it starts from, or -1 (NULL if none) */
    mv_codeunit *code;
    size_t ncode;     /* number of code units */
    mv_position *positions; /* one per code unit */
    void *cache;      /* eval's per-code inline caches (owned by eval.c), NULL until used */
    struct mv_frame *zombie; /* a free frame kept for reuse (eval.c) */
} mv_code;

extern mv_type mv_code_type;

/* A cell: a box shared between a function and its closures. */
typedef struct {
    mv_object ob;
    Value ref; /* NULL = empty */
} mv_cell;
extern mv_type mv_cell_type;
Value mv_cell_new(Value v); /* v may be NULL */

/* One entry of a frame's block stack (SETUP_FINALLY / SETUP_CLEANUP, see eval.c). */
typedef struct {
    int type, handler, level;
} mv_block;

struct mv_frame {
    mv_object ob;
    mv_frame *back;    /* caller (borrowed while executing) */
    mv_code *code;
    Value func;        /* the function object being run, or NULL (module code) */
    Value globals;     /* dict */
    Value builtins;    /* dict */
    Value locals;      /* dict for module / class bodies (MV_CO_MODULE), else NULL */
    const mv_codeunit *ip; /* next instruction */
    Value *sp;         /* value stack pointer (into localsplus after the cells) */
    int lasti;         /* index of the instruction being executed (for positions/tracebacks) */
    bool is_generator; /* owned by a generator/coroutine object, not freed on return */
    bool entry;        /* the eval loop returns to C when this frame returns */
    uint8_t state;     /* MV_FRAME_* (generators: created / suspended / running / done) */
    /* block stack for try/with/except (see eval.c): code->maxblocks entries after the value
       stack, so that a coroutine without try blocks does not carry 20 of them */
    int nblocks;
    mv_block *blocks;
    /* localsplus: nlocals fast locals, ncells+nfrees cells, the value stack, then the blocks */
    Value localsplus[];
};
extern mv_type mv_frame_type;
enum { MV_FRAME_CREATED, MV_FRAME_SUSPENDED, MV_FRAME_RUNNING, MV_FRAME_DONE };

/* ---- code objects (code.c) ---- */
/* Build a code object; steals nothing (increfs the Values).  `code`/`positions` are copied. */
mv_code *mv_code_new(Value name, Value qualname, Value filename, int firstlineno, unsigned flags,
                     int argcount, int posonlyargcount, int kwonlyargcount, int stacksize,
                     Value consts, Value names, Value varnames, Value cellvars, Value freevars,
                     const mv_codeunit *code, size_t ncode, const mv_position *positions);
/* Source line number of the instruction at code-unit index lasti (or firstlineno). */
int mv_code_line(mv_code *co, int lasti);

/* ---- frames (frame.c): allocated from a per-code free list, released explicitly ---- */
/* A fresh frame for co: fast locals and cells zeroed (NULL), sp at the stack base.  Takes a
   reference to func (which keeps code/globals/builtins alive), or, when func is NULL, to code,
   globals and builtins.  locals (may be NULL) is referenced too. */
mv_frame *mv_frame_new(mv_code *co, Value func, Value globals, Value builtins, Value locals);
/* Fresh uninitialized memory for a frame of co (type and block stack set): for the free-list
   misses of mv_frame_new and of the eval loop's own call path. */
mv_frame *mv_frame_alloc(mv_code *co);
/* Drop everything the frame references and recycle its memory. */
void mv_frame_release(mv_frame *f);
/* Clear fast locals, cells and the value stack (the frame stays allocated). */
void mv_frame_clear(mv_frame *f);
/* Free a code object's recycled frames (code dealloc). */
void mv_frame_free_list(mv_code *co);
static inline Value *mv_frame_stack_base(mv_frame *f) {
    return f->localsplus + f->code->nlocals + f->code->ncells + f->code->nfrees;
}

/* ---- interp/compile.h-like entry points used by the runtime (implemented in interp/) ---- */
enum { MV_COMPILE_EXEC = 0, MV_COMPILE_EVAL = 1, MV_COMPILE_SINGLE = 2 /* REPL: echo results */ };
/* Compile source text into a module-level code object; SyntaxError (with filename, line, offset,
   text) on bad input. */
Value mv_compile(mv_thread *t, const char *src, size_t len, const char *filename, int mode);
/* Run a module-level code object with the given globals (and locals; NULL = globals). */
Value mv_eval_code(mv_thread *t, Value code, Value globals, Value locals);
/* Run a frame until it returns (used for function calls from C and generator resumption). */
Value mv_eval_frame(mv_thread *t, mv_frame *f);
/* As mv_eval_frame; with throwflag set, the frame is resumed by raising the thread's current
   exception at its current instruction (generator.throw). */
Value mv_eval_frame_ex(mv_thread *t, mv_frame *f, int throwflag);
/* Publish the eval loop's check-point tables (vm.h); mv_vm_new calls it. */
void mv_eval_init(void);
/* The thread running on this OS thread (set by the eval loop); for deallocators, which get no
   thread argument (a generator's close on collection). */
mv_thread *mv_current_thread(void);
/* The source line `line` of file `filename` (for tracebacks), or NULL. */
Value mv_source_line(mv_thread *t, Value filename, int line);

#endif
