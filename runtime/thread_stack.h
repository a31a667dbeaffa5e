/* thread_stack.h: stacks for the threads minivm starts, mapped with their top pages populated,
 * and reused after their threads are gone (see thread_stack.c). */
#ifndef MV_THREAD_STACK_H
#define MV_THREAD_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A stack for pthread_attr_setstack(attr, stack, *usable): `size` bytes as for
   pthread_attr_setstacksize (guard page included), plus room for the thread's TLS, which glibc
   places at the top of a stack it is given; NULL when there is no memory. */
void *mv_thread_stack_get(size_t size, size_t *usable);

/* Give back a stack no thread ever ran on (pthread_create failed). */
void mv_thread_stack_discard(void *stack, size_t usable);

/* Called by the thread running on `stack` (kernel id `tid`), as the last thing it does: the
   stack is reused or unmapped once the thread is gone. */
void mv_thread_stack_retire(void *stack, size_t usable, pid_t tid);

/* Whether the thread with kernel id `tid` (of this process) is gone for good: the kernel no
   longer knows the id, and has let go of the thread's memory. */
bool mv_native_thread_gone(pid_t tid);

#endif
