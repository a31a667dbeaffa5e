/* _asyncio.c: placeholder, being written. */
#include "modules.h"

Value mv__asyncio_module_init(mv_thread *t) {
    return mv_module_new(t, "_asyncio");
}
