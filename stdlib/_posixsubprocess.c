/* _posixsubprocess.c: placeholder, being written. */
#include "modules.h"

Value mv__posixsubprocess_module_init(mv_thread *t) {
    return mv_module_new(t, "_posixsubprocess");
}
