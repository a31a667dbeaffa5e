/* _multiprocessing.c: placeholder, being written. */
#include "modules.h"

Value mv__multiprocessing_module_init(mv_thread *t) {
    return mv_module_new(t, "_multiprocessing");
}
