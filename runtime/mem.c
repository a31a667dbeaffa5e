/* mem.c: the one allocation funnel.  Every buffer and object goes through mv_malloc & co, so
 * that tests can count live allocations and live objects (leak checks) and inject an
 * out-of-memory failure.  Exhaustion is fatal: "minivm: out of memory", then abort().
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

/* The counters are atomics updated with relaxed load + store rather than a locked
   read-modify-write: the hot allocation path stays as cheap as a plain increment.  Objects are
   only allocated under the GIL, so their count is exact; raw buffers allocated while the GIL is
   released (blocking I/O) could race and lose an update, which only blurs a test statistic. */
static atomic_size_t live_allocs;
static atomic_size_t live_objects;
static atomic_long fail_countdown = -1; /* -1: no failure injection */

static void out_of_memory(void) {
    fputs("minivm: out of memory\n", stderr);
    abort();
}

static inline void bump(atomic_size_t *c, size_t delta) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta, memory_order_relaxed);
}

static inline void check_injected_failure(void) {
    if (__builtin_expect(atomic_load_explicit(&fail_countdown, memory_order_relaxed) >= 0, 0) &&
        atomic_fetch_sub_explicit(&fail_countdown, 1, memory_order_relaxed) == 0)
        out_of_memory();
}

void *mv_malloc(size_t n) {
    check_injected_failure();
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory();
    bump(&live_allocs, 1);
    return p;
}

/* Small blocks are malloc'ed and cleared here: glibc's calloc skips the per-thread cache
   (tcache) that malloc serves small blocks from, and costs several times as much per object.
   Large ones keep calloc, which gets fresh zero pages from the kernel without writing them. */
#define CALLOC_VIA_MALLOC 1024

void *mv_calloc(size_t n, size_t size) {
    check_injected_failure();
    size_t total;
    void *p;
    if (!__builtin_mul_overflow(n, size, &total) && total <= CALLOC_VIA_MALLOC) {
        p = malloc(total ? total : 1);
        if (p) memset(p, 0, total);
    } else {
        p = calloc(n ? n : 1, size ? size : 1);
    }
    if (!p) out_of_memory();
    bump(&live_allocs, 1);
    return p;
}

void *mv_realloc(void *p, size_t n) {
    if (!p) return mv_malloc(n);
    check_injected_failure();
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory();
    return q;
}

void mv_free(void *p) {
    if (!p) return;
    bump(&live_allocs, (size_t)-1);
    free(p);
}

void *mv_mem_object_alloc(size_t size) {
    void *p = mv_calloc(1, size);
    bump(&live_objects, 1);
    return p;
}

void mv_mem_object_free(void *p) {
    bump(&live_objects, (size_t)-1);
    mv_free(p);
}

size_t mv_mem_live_allocs(void) { return atomic_load_explicit(&live_allocs, memory_order_relaxed); }
size_t mv_mem_live_objects(void) { return atomic_load_explicit(&live_objects, memory_order_relaxed); }
void mv_mem_fail_after(long n) { atomic_store_explicit(&fail_countdown, n, memory_order_relaxed); }
