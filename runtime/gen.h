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
} mv_gen;

extern mv_type mv_gen_type;

Value mv_gen_new(mv_thread *t, mv_frame *frame); /* takes ownership of frame */
/* send(v): resume with v (None for next).  Returns the yielded value; on return, sets
   StopIteration(value) and returns NULL (or, when `*retval` is non-NULL, stores the return value
   there without raising: used by `yield from`). */
Value mv_gen_send(mv_thread *t, Value gen, Value v, Value *retval);

#endif
