/* prefault_probe.c: a fresh process for test_prefault.  Runs mv_prefault_startup (unless given
 * "off"), then allocates and writes 32 blocks of 16 KiB, and prints how many page faults the
 * writing took; then whether a new thread's first block comes from the main (brk) heap, the one
 * malloc arena.  A Criterion worker cannot measure this itself: its heap is not fresh. */
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "prefault.h"

static long minor_faults(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static void *thread_block(void *unused) {
    (void)unused;
    return malloc(100);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "off") != 0) mv_prefault_startup();
    enum { N = 32, SIZE = 16 * 1024 };
    char *blocks[N];
    long before = minor_faults();
    for (int i = 0; i < N; i++) {
        blocks[i] = malloc(SIZE);
        if (!blocks[i]) return 1;
        memset(blocks[i], i, SIZE);
    }
    printf("%ld\n", minor_faults() - before);
    for (int i = 0; i < N; i++) free(blocks[i]);
    pthread_t th;
    void *block;
    if (pthread_create(&th, NULL, thread_block, NULL) != 0 || pthread_join(th, &block) != 0) return 1;
    uintptr_t b = (uintptr_t)block, heap_start = (uintptr_t)blocks[0] - 65536, heap_end = (uintptr_t)sbrk(0);
    printf("%s\n", b >= heap_start && b < heap_end ? "main-arena" : "own-arena");
    free(block);
    return 0;
}
