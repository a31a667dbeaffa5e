/* repl.h: the interactive prompt (interp/repl.c): `minivm` on a terminal and `minivm -i`, as
 * CPython's: >>> / ... prompts (sys.ps1 / sys.ps2), libedit line editing and history, results
 * echoed by sys.displayhook, tracebacks that leave you at the prompt; the GIL is released while
 * the prompt waits, so background threads keep running.  Also the exit()/quit() builtins.
 */
#ifndef MV_REPL_H
#define MV_REPL_H

#include "runtime/vm.h"

/* Run the prompt in the namespace of sys.modules['__main__'] (which must exist: run the script,
   or empty source, as __main__ first).  `banner_version` non-NULL: print the banner naming it,
   the switch interval and how to change it (to stderr, as CPython).  Line editing is used when
   stdin is a terminal; otherwise lines are read from stdin and prompts go to stderr (as CPython).
   Returns 0 at end of input (Ctrl-D), or -1 with the exception set when the code raised
   SystemExit (exit(), quit(), sys.exit()): the caller turns it into the exit status. */
int mv_repl_run(mv_thread *t, const char *banner_version);

/* Add `exit` and `quit` (CPython's _sitebuiltins.Quitter: repr "Use exit() or Ctrl-D (i.e. EOF)
   to exit", calling raises SystemExit(code)) to the builtins dict. */
int mv_repl_add_quitters(mv_thread *t, Value builtins_dict);

#endif
