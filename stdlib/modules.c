/* modules.c: the table of built-in C modules that `import` finds before embedded .mv modules and
 * .mv files (sys and builtins are created by mv_vm_new and already sit in sys.modules).
 * Modules are initialized lazily on first import, which keeps `minivm -c pass` fast.
 */
#include "modules.h"

const mv_builtin_module mv_builtin_modules[] = {
    {"math", mv_math_module_init},
    {"time", mv_time_module_init},
    {"os", mv_os_module_init},
    {"posix", mv_os_module_init}, /* the same module: CPython's os is posix's functions */
    {"random", mv_random_module_init},
    {"_thread", mv__thread_module_init},
    {"unicodedata", mv_unicodedata_module_init},
    {"atexit", mv_atexit_module_init},
    {"signal", mv_signal_module_init},
    {"pickle", mv_pickle_module_init},
    {"socket", mv_socket_module_init},
    {"select", mv_select_module_init},
    {"_asyncio", mv__asyncio_module_init},
    {"_multiprocessing", mv__multiprocessing_module_init},
    {"_collections", mv__collections_module_init},
    {"_posixsubprocess", mv__posixsubprocess_module_init},
    {NULL, NULL},
};
