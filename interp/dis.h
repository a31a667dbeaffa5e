/* dis.h: the disassembler (dis.c), used by `minivm --dis`: prints every instruction of a code
 * object and of the code objects nested in its constants. */
#ifndef MV_DIS_H
#define MV_DIS_H

#include <stdio.h>

#include "../runtime/vm.h"

void mv_dis(mv_thread *t, Value code, FILE *out);

#endif
