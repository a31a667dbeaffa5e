/* _thread.h: what other modules share with _thread (stdlib/_thread.c). */
#ifndef MV__THREAD_H
#define MV__THREAD_H

#include <semaphore.h>

#include "runtime/vm.h"

/* Wait on a semaphore without the GIL: a short spin on another CPU, then a sleep, with signals
 * handled as everywhere else (KeyboardInterrupt and Python handlers in the main thread).
 * timeout < 0 waits forever, 0 only tries.  1 acquired, 0 timed out, -1 exception set.
 * _thread's locks and multiprocessing's SemLock both wait here. */
int mv_sem_acquire(mv_thread *t, sem_t *sem, double timeout);

#endif
