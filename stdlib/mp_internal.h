/* mp_internal.h: what the three C files of _multiprocessing share: the types of the Connection
 * (mp_connection.c) and of the shared-memory arrays (mp_shared.c), and the helpers for waiting
 * without the GIL (_multiprocessing.c).  Nothing here is used outside the module.
 */
#ifndef MV_MP_INTERNAL_H
#define MV_MP_INTERNAL_H

#include "runtime/vm.h"

extern mv_type mv_mp_connection_type; /* multiprocessing.connection.Connection */
extern mv_type mv_mp_shared_type;     /* _multiprocessing.SharedArray */
extern mv_type mv_mp_semlock_type;    /* _multiprocessing.SemLock */

/* A timeout argument: None -> -1 (forever); an int or float, negative values clamp to 0.
   -1 with TypeError set for other types. */
int mv_mp_timeout_arg(mv_thread *t, Value v, double *out);
/* Wait until fd is readable (or at EOF/error) with the GIL released: 1 ready, 0 timed out,
   -1 exception (KeyboardInterrupt in the main thread, OSError).  timeout < 0: forever. */
int mv_mp_wait_readable(mv_thread *t, int fd, double timeout);
/* Monotonic seconds. */
double mv_mp_monotonic(void);

#endif
