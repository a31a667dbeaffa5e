/* select.c: placeholder, being written. */
#include "modules.h"

Value mv_select_module_init(mv_thread *t) {
    return mv_module_new(t, "select");
}
