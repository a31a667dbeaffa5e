/* thread.h: thread states and OS threads (runtime/thread.c): creating an mv_thread for a new
 * pthread, the vm's registry of live threads, start-up (the new thread takes the GIL and calls
 * its function), exit (threading._shutdown waits for non-daemon threads; daemon threads are left
 * to die with the process), and fork (the child keeps only the forking thread).
 */
#ifndef MV_THREAD_H
#define MV_THREAD_H

#include "vm.h"

/* Start an OS thread that runs func(*args, **kwargs) (kwargs may be NULL) in a new thread state;
   *ident receives its identifier (_thread.get_ident() in that thread).  GIL held; 0 or -1. */
int mv_thread_start(mv_thread *t, Value func, Value args, Value kwargs, bool first, unsigned long *ident);
/* _thread.stack_size(): bytes for new threads (0 = the default: 16 MiB). */
size_t mv_thread_stack_size(void);
void mv_thread_set_stack_size(size_t size);
/* Threads started by mv_thread_start that have not finished (_thread._count()). */
int mv_thread_count(mv_vm *vm);
/* The calling OS thread's identifiers. */
unsigned long mv_thread_get_ident(void);
unsigned long mv_thread_get_native_id(void);
/* Number of fork()s seen so far (child side): threading uses it to forget the parent's threads. */
int mv_thread_fork_generation(void);

/* At interpreter exit, in the main thread with the GIL: call threading._shutdown() when threading
   was imported (waits for the non-daemon threads), then make sure no other thread runs again. */
void mv_thread_shutdown(mv_thread *t);

#endif
