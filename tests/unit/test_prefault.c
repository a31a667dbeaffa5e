/* test_prefault.c: runtime/prefault.c maps the executable's .bss before it is first written
 * (checked with mincore), and the start of a fresh heap, so that the first allocations take no
 * page faults (checked in a fresh process, prefault_probe), and malloc works as before after it.
 * Sanitizer builds keep their own allocator: prefault does nothing there, and the checks skip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"
#include "sanitizer.h"

#if !defined(MV_SANITIZED) && defined(MADV_POPULATE_WRITE)
#define PREFAULT_ON 1

static char untouched_bss[64 * 1024]; /* never written before the check */

static size_t pagesize(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static bool resident(const void *p) {
    unsigned char vec;
    uintptr_t page = (uintptr_t)p & ~(uintptr_t)(pagesize() - 1);
    cr_assert_eq(mincore((void *)page, pagesize(), &vec), 0);
    return vec & 1;
}

/* the page faults prefault_probe counted writing 512 KiB of new heap blocks, and in *arena
   where a new thread's block came from */
static long probe(const char *arg, char arena[32]) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/prefault_probe %s", MV_TESTS_BUILD_DIR, arg);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    long faults = -1;
    cr_assert_eq(fscanf(p, "%ld %31s", &faults, arena), 2, "no output from %s", cmd);
    cr_assert_eq(pclose(p), 0);
    return faults;
}

#endif

Test(prefault, bss_is_mapped_in) {
#ifndef PREFAULT_ON
    cr_skip_test("prefault is off in this build");
#else
    /* Criterion runs each test in a fresh process: its .bss middle is not mapped yet */
    const char *mid = untouched_bss + sizeof untouched_bss / 2;
    cr_assert_not(resident(mid), "the test needs an untouched page to begin with");
    mv_prefault_startup();
    cr_assert(resident(mid), ".bss populated");
#endif
}

Test(prefault, first_heap_blocks_take_no_faults_and_threads_share_the_arena) {
#ifndef PREFAULT_ON
    cr_skip_test("prefault is off in this build");
#else
    char arena_off[32], arena_on[32];
    long off = probe("off", arena_off), on = probe("on", arena_on);
    cr_assert_geq(off, 100, "the probe sees the faults without prefault (%ld)", off);
    cr_assert_lt(on, 16, "%ld page faults with prefault (%ld without)", on, off);
    /* and one malloc arena: a new thread allocates from the main heap */
    cr_assert_str_eq(arena_off, "own-arena", "the probe tells the arenas apart");
    cr_assert_str_eq(arena_on, "main-arena");
#endif
}

Test(prefault, malloc_still_works_at_any_size) {
    mv_prefault_startup();
    size_t sizes[] = {1, 100, 4096, 65536, 200000, 4 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *p = malloc(sizes[i]);
        cr_assert_not_null(p);
        memset(p, 0x5a, sizes[i]);
        cr_assert_eq(p[sizes[i] - 1], 0x5a);
        free(p);
    }
}
