/* frame.c: frame allocation and reuse.  Each code object keeps a free list of frames sized for it
 * (linked through `back`), so a call costs no malloc in the steady state, even in recursion.
 */
#include <string.h>

#include "class.h"
#include "code.h"

mv_type mv_frame_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "frame",
    .basicsize = sizeof(mv_frame),
};

mv_frame *mv_frame_alloc(mv_code *co) {
    size_t nvalues = (size_t)co->nlocals + co->ncells + co->nfrees + (size_t)co->stacksize + 1;
    mv_frame *f = mv_malloc(sizeof(mv_frame) + nvalues * sizeof(Value) + (size_t)co->maxblocks * sizeof(mv_block));
    f->ob.type = &mv_frame_type;
    f->blocks = (mv_block *)(f->localsplus + nvalues);
    return f;
}

mv_frame *mv_frame_new(mv_code *co, Value func, Value globals, Value builtins, Value locals) {
    mv_frame *f = co->zombie;
    size_t nslots = (size_t)co->nlocals + co->ncells + co->nfrees;
    if (f) {
        co->zombie = f->back;
    } else {
        f = mv_frame_alloc(co);
    }
    f->ob.refcnt = 1;
    f->back = NULL;
    f->code = co;
    f->func = func;
    f->globals = globals;
    f->builtins = builtins;
    f->locals = locals;
    if (func) {
        MV_INCREF(func);
    } else {
        MV_INCREF((Value)co);
        MV_INCREF(globals);
        MV_INCREF(builtins);
    }
    MV_XINCREF(locals);
    f->ip = co->code;
    f->lasti = -1;
    f->is_generator = false;
    f->entry = false;
    f->state = MV_FRAME_CREATED;
    f->nblocks = 0;
    for (size_t i = 0; i < nslots; i++) f->localsplus[i] = NULL;
    f->sp = f->localsplus + nslots;
    return f;
}

void mv_frame_clear(mv_frame *f) {
    mv_code *co = f->code;
    size_t nslots = (size_t)co->nlocals + co->ncells + co->nfrees;
    Value *base = f->localsplus + nslots;
    if (f->sp) {
        while (f->sp > base) {
            Value v = *--f->sp;
            MV_XDECREF(v);
        }
    }
    for (size_t i = 0; i < nslots; i++) MV_CLEAR(f->localsplus[i]);
    f->nblocks = 0;
}

void mv_frame_release(mv_frame *f) {
    mv_code *co = f->code;
    mv_frame_clear(f);
    Value func = f->func, locals = f->locals;
    Value globals = f->globals, builtins = f->builtins;
    /* keep the code alive until the frame is back on its free list */
    if (func) {
        MV_INCREF((Value)co);
        MV_DECREF(func);
    } else {
        MV_DECREF(globals);
        MV_DECREF(builtins);
    }
    MV_XDECREF(locals);
    f->func = f->globals = f->builtins = f->locals = NULL;
    f->back = co->zombie;
    co->zombie = f;
    MV_DECREF((Value)co); /* may free co, and with it the free list */
}

void mv_frame_free_list(mv_code *co) {
    mv_frame *f = co->zombie;
    while (f) {
        mv_frame *next = f->back;
        mv_free(f);
        f = next;
    }
    co->zombie = NULL;
}
