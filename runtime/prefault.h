/* prefault.h: start-up memory policy of the minivm executable (see prefault.c). */
#ifndef MV_PREFAULT_H
#define MV_PREFAULT_H

/* Populate .data, .bss and the first part of the heap in a few system calls, and keep one
   malloc arena.  Call first thing in main(), on the main thread; a no-op where unsupported. */
void mv_prefault_startup(void);

#endif
