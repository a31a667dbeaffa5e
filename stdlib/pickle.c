/* pickle.c: placeholder, being written. */
#include "modules.h"

Value mv_pickle_module_init(mv_thread *t) {
    return mv_module_new(t, "pickle");
}
