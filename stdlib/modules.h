/* modules.h: the init functions of the built-in C modules listed in mv_builtin_modules
 * (stdlib/modules.c).  Each creates its module object and fills it; the import system caches it
 * in sys.modules.  A new C module adds its init here and a row to the table in modules.c.
 */
#ifndef MV_MODULES_H
#define MV_MODULES_H

#include "runtime/module.h"

Value mv_math_module_init(mv_thread *t);   /* stdlib/math.c */
Value mv_time_module_init(mv_thread *t);   /* stdlib/time.c */
Value mv_os_module_init(mv_thread *t);     /* stdlib/os.c (also registers os.path) */
Value mv_random_module_init(mv_thread *t); /* stdlib/random.c */
Value mv__thread_module_init(mv_thread *t); /* stdlib/_thread.c */
Value mv_unicodedata_module_init(mv_thread *t); /* stdlib/unicodedata.c */
Value mv_atexit_module_init(mv_thread *t); /* stdlib/atexit.c */
Value mv_signal_module_init(mv_thread *t); /* stdlib/signal.c */
Value mv_pickle_module_init(mv_thread *t); /* stdlib/pickle.c */
Value mv_socket_module_init(mv_thread *t); /* stdlib/socket.c */
Value mv_select_module_init(mv_thread *t); /* stdlib/select.c */
Value mv__asyncio_module_init(mv_thread *t); /* stdlib/_asyncio.c */
Value mv__multiprocessing_module_init(mv_thread *t); /* stdlib/_multiprocessing.c */
Value mv__collections_module_init(mv_thread *t); /* stdlib/_collections.c */
Value mv__posixsubprocess_module_init(mv_thread *t); /* stdlib/_posixsubprocess.c */

#endif
