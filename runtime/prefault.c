/* prefault.c: map, at start-up and in one system call each, the memory every run writes anyway.
 *
 * Every first write to a page of the heap, of .data or of .bss is a page fault.  Where page
 * faults are dear, and on virtual machines they are (12 us each on the PVM guest we measure on,
 * 40 us when the fault also needs a new page table), a run spends more time in them than in
 * the interpreter: `minivm -c "import threading"` took 220 faults, 2.5 ms.  madvise
 * (MADV_POPULATE_WRITE) maps a range at 0.8 us a page.  So, before anything else:
 *   - .data and .bss (the method cache alone is 32 pages, and hashing spreads its writes);
 *   - the first PREFAULT_HEAP bytes of the malloc heap: grown by allocating pieces below a small
 *     barrier block, populated, and freed again; the barrier keeps malloc from trimming the heap
 *     back, so the pieces serve the program's first allocations.
 * Measured (bench/io_sleep.mv, 100 threads x sleep(0.1), whole process, interleaved runs):
 * 567 faults -> 374, and 2.8 ms less wall time.  The cost: up to PREFAULT_HEAP of memory a tiny
 * script might not have touched.
 * Also: one malloc arena.  glibc gives threads arenas of their own (up to 8 per CPU, each a
 * 64 MiB reservation, mapped and faulted anew); under the GIL threads allocate one at a time,
 * so one arena serves them as well, with fewer faults and less memory.
 * Sanitizer builds keep their own allocator and skip all this.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "prefault.h"
#include "sanitizer.h"

#define PREFAULT_HEAP ((size_t)768 << 10)
#define PIECE ((size_t)64 << 10) /* below malloc's mmap threshold (128 KiB), so from the heap */

#if defined(MADV_POPULATE_WRITE) && !defined(MV_SANITIZED)

static uintptr_t page_down(uintptr_t a) { return a & ~(uintptr_t)4095; }
static uintptr_t page_up(uintptr_t a) { return (a + 4095) & ~(uintptr_t)4095; }

/* The executable's writable segment, minus the part made read-only after relocation. */
static int populate_data(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size;
    (void)unused;
    uintptr_t relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_GNU_RELRO) relro_end = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        uintptr_t lo = page_down(info->dlpi_addr + ph->p_vaddr);
        uintptr_t hi = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
        if (lo < relro_end) lo = relro_end;
        if (lo < hi) madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* best effort */
    }
    return 1; /* the first object is the executable: stop there */
}

static void populate_heap(void) {
    enum { N = PREFAULT_HEAP / PIECE };
    void *pieces[N];
    size_t n = 0;
    while (n < N && (pieces[n] = malloc(PIECE)) != NULL) n++;
    void *barrier = malloc(16); /* kept for good: it holds the heap's top in place */
    if (n == N && barrier) {
        uintptr_t lo = (uintptr_t)pieces[0], hi = (uintptr_t)barrier;
        for (size_t i = 1; i < n; i++)
            if ((uintptr_t)pieces[i] < lo) lo = (uintptr_t)pieces[i];
        /* contiguous, as a fresh brk heap is; anything else (an mmap'ed fallback): leave it */
        if (hi > lo && hi - lo < PREFAULT_HEAP + PIECE) madvise((void *)page_up(lo), page_down(hi) - page_up(lo), MADV_POPULATE_WRITE);
    }
    for (size_t i = 0; i < n; i++) free(pieces[i]);
}

void mv_prefault_startup(void) {
    mallopt(M_ARENA_MAX, 1);
    dl_iterate_phdr(populate_data, NULL);
    populate_heap();
}

#else

void mv_prefault_startup(void) {}

#endif
