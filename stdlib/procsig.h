/* procsig.h: the OS process layer shared by the os module (os.c, os_process.c), the signal
 * module (signal.c) and the eval loop: os's process functions, and the pending-signals
 * mechanism that runs Python signal handlers in the main thread at the next check point.
 */
#ifndef MV_PROCSIG_H
#define MV_PROCSIG_H

#include "runtime/vm.h"

/* os_process.c: add fork, waitpid, pipe, read, write, exec*, kill, the O_* / W* constants...
   to the os module `m`.  0 or -1. */
int mv_os_process_add(mv_thread *t, Value m);

/* signal.c.  The eval breaker's MV_BREAK_SIGNALS bit: in the main thread, call the Python
   handlers of the signals that arrived (and clear the bit); elsewhere do nothing.  -1 when a
   handler raised (the exception is set). */
int mv_signal_run_pending(mv_thread *t);
/* After a blocking call returned EINTR: in the main thread, a pending SIGINT becomes
   KeyboardInterrupt and pending handlers run; 0 = retry the call, -1 = exception set. */
int mv_signal_check(mv_thread *t);
/* In the child after fork (GIL held): forget signals tripped in the parent, and make the
   forking thread the one signals are routed to. */
void mv_signal_after_fork_child(void);

#endif
