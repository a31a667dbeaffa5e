/* gen.h: generators (and later coroutines): an object that owns a suspended frame.  Resuming
 * runs the frame in the eval loop; suspending (YIELD_VALUE) returns from the loop, so a
 * generator never holds a C stack of its own.
 */
#ifndef MV_GEN_H
#define MV_GEN_H

#include "code.h"

typedef struct {
    mv_object ob;
    mv_frame *frame;  /* NULL once finished */
    Value name, qualname;
    bool running;
    Value yieldfrom;  /* the iterator being delegated to by `yield from`, or NULL */
    Value exc_state;  /* the exception its suspended frame is handling (its own sys.exc_info) */
    bool running_async, closed; /* async generators: an asend/athrow is in progress; finished */
} mv_gen;

/* Coroutines (async def) and async generators (async def with yield) are mv_gen objects too,
   told apart by their type. */
extern mv_type mv_gen_type, mv_coro_type, mv_coro_wrapper_type, mv_asyncgen_type;
/* The frame's code of a generator decorated by types.coroutine: awaitable (flag in code->flags). */
#define MV_CO_ITERABLE_COROUTINE 256

Value mv_gen_new(mv_thread *t, mv_frame *frame); /* takes ownership of frame */
/* send(v): resume with v (None for next).  Returns the yielded value; on return, sets
   StopIteration(value) and returns NULL (or, when `*retval` is non-NULL, stores the return value
   there without raising: used by `yield from`). */
Value mv_gen_send(mv_thread *t, Value gen, Value v, Value *retval);

Value mv_gen_new_type(mv_thread *t, mv_frame *frame, mv_type *type);
Value mv_coro_new(mv_thread *t, mv_frame *frame);     /* takes ownership of frame */
Value mv_asyncgen_new(mv_thread *t, mv_frame *frame); /* takes ownership of frame (asyncgen.c) */
/* GET_AWAITABLE: the iterator `await o` drives (o itself for a coroutine, else o.__await__()).
   where: 0 await, 1 the result of __aenter__, 2 of __aexit__ (for CPython's messages). */
/* ASYNC_GEN_WRAP: an async generator's yielded value, told apart from what its awaits yield
   (steals v). */
Value mv_asyncgen_wrap(Value v);
Value mv_coro_get_awaitable(mv_thread *t, Value o, int where);

/* The machinery, shared with asyncgen.c.  send_ex: exc=1 resumes by raising the current
   exception.  throw_value steals exc (an exception instance).  yieldfrom: borrowed or NULL. */
Value mv_gen_send_ex(mv_thread *t, Value gen, Value v, int exc, Value *retval);
Value mv_gen_throw_value(mv_thread *t, Value gen, Value exc);
Value mv_gen_close(mv_thread *t, Value gen);
Value mv_gen_yieldfrom(Value gen);
void mv_gen_dealloc(Value gen); /* the dealloc slot of the three types */
/* throw(type[, value[, tb]]) arguments -> the exception instance to raise (new ref) */
Value mv_gen_throw_args(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames);

#endif
