/* thread_stack.c: the stacks of the threads minivm starts.
 *
 * glibc maps a new thread's stack and leaves every page of it to be faulted in as it is first
 * touched: the top page by pthread_create (the thread's descriptor and TLS live there), then
 * the pages the new thread's first calls run on.  On a VM those faults are dear: 12 us each,
 * about 40 us for the first, which also needs a new page table (each stack has its own 2 MiB
 * region).  madvise(MADV_POPULATE_WRITE) maps the same pages in one call for about a tenth of
 * that.  So minivm maps its threads' stacks itself (pthread_attr_setstack), with the top
 * POPULATE bytes populated, and keeps a few stacks of finished threads for the next ones, hot.
 *
 * A thread cannot unmap the stack it runs on, and it runs on it until its very end, after
 * thread_main has returned; the kernel even writes to it then (it clears the thread id glibc
 * keeps there).  So a finishing thread only hands its stack in (mv_thread_stack_retire), and the
 * stack is reaped later, by whoever next takes or hands in a stack, once the kernel no longer
 * knows the thread's id (tgkill with signal 0 fails with ESRCH): by then it has released the
 * thread's memory for good.  (Should the id be reused meanwhile, the stack only waits longer.)
 * Threads stay detached, so nothing has to join them.  Reaped stacks beyond the cache are
 * unmapped there, mostly by finishing threads, as glibc does, so that the exit of the process
 * does not tear down a hundred stacks at once.
 *
 * A stack handed back keeps only its top: the retiring thread drops the pages below the frames
 * it still runs on (deep recursion may have touched megabytes).
 *
 * Fork: the child has one thread; the retired stacks of the others can never be reaped there
 * and are forgotten (the cached ones are idle memory and stay).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_stack.h"

#define GUARD ((size_t)4096)       /* the lowest page: an overflow faults instead of corrupting */
#define POPULATE ((size_t)16 << 10) /* the descriptor, TLS and first frames of a new thread */
#define CACHE_MAX 8                 /* stacks of finished threads kept for new ones */

typedef struct stack_rec {
    void *base; /* the whole mapping: the guard page, then the stack */
    size_t size;
    pid_t owner; /* retired list: the kernel id of the thread that may still be on it */
    struct stack_rec *next;
} stack_rec;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static stack_rec *retired; /* handed in by threads that may still be running on them */
static stack_rec *cache;   /* free to use */
static int ncached;
static bool atfork_set;

/* glibc puts a thread's static TLS at the top of a stack given to it, out of the stack: add
   room for it, as glibc and the sanitizers do for the stacks they map (under ThreadSanitizer it
   is some 900 KiB).  The sum of the loaded objects' TLS segments, plus a page for the thread's
   descriptor. */
static int add_tls(struct dl_phdr_info *info, size_t size, void *total) {
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        size_t align = ph->p_align ? ph->p_align : 1;
        if (ph->p_type == PT_TLS) *(size_t *)total += (ph->p_memsz + align - 1) / align * align;
    }
    return 0;
}

static size_t tls_room(void) { /* under the lock */
    static size_t room;
    if (!room) {
        size_t total = 4096;
        dl_iterate_phdr(add_tls, &total);
        room = total;
    }
    return room;
}

bool mv_native_thread_gone(pid_t tid) { return syscall(SYS_tgkill, getpid(), tid, 0) != 0 && errno == ESRCH; }

static void populate_top(void *base, size_t size) {
#ifdef MADV_POPULATE_WRITE
    madvise((char *)base + size - POPULATE, POPULATE, MADV_POPULATE_WRITE); /* best effort */
#else
    (void)base;
    (void)size;
#endif
}

/* Under the lock: move the stacks of threads that are gone to the cache, and those the cache
   has no room for to *unmap (returned, to be unmapped outside the lock). */
static stack_rec *reap_locked(void) {
    stack_rec *unmap = NULL, **p = &retired;
    while (*p) {
        stack_rec *r = *p;
        if (!mv_native_thread_gone(r->owner)) { /* still exiting */
            p = &r->next;
            continue;
        }
        *p = r->next;
        if (ncached < CACHE_MAX) {
            r->next = cache;
            cache = r;
            ncached++;
        } else {
            r->next = unmap;
            unmap = r;
        }
    }
    return unmap;
}

static void unmap_all(stack_rec *r) {
    while (r) {
        stack_rec *next = r->next;
        munmap(r->base, r->size);
        free(r);
        r = next;
    }
}

static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&lock); }
static void after_fork_child(void) {
    /* their threads do not exist here: leave the mappings, forget the records */
    while (retired) {
        stack_rec *next = retired->next;
        free(retired);
        retired = next;
    }
    pthread_mutex_unlock(&lock);
}

void *mv_thread_stack_get(size_t size, size_t *usable) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > SIZE_MAX / 2) return NULL; /* no such memory; and no overflow below */
    pthread_mutex_lock(&lock);
    size = (size + tls_room() + page - 1) / page * page;
    if (size < GUARD + 2 * POPULATE) size = GUARD + 2 * POPULATE;
    if (!atfork_set) {
        atfork_set = true;
        pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    }
    stack_rec *unmap = reap_locked();
    stack_rec *r = NULL, **p = &cache;
    for (; *p; p = &(*p)->next)
        if ((*p)->size == size) {
            r = *p;
            *p = r->next;
            ncached--;
            break;
        }
    pthread_mutex_unlock(&lock);
    unmap_all(unmap);
    void *base;
    if (r) {
        base = r->base;
        free(r);
    } else {
        base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (base == MAP_FAILED) return NULL;
        if (mprotect(base, GUARD, PROT_NONE) != 0) {
            munmap(base, size);
            return NULL;
        }
        populate_top(base, size);
    }
    *usable = size - GUARD;
    return (char *)base + GUARD;
}

void mv_thread_stack_discard(void *stack, size_t usable) { munmap((char *)stack - GUARD, usable + GUARD); }

void mv_thread_stack_retire(void *stack, size_t usable, pid_t tid) {
    void *base = (char *)stack - GUARD;
    size_t size = usable + GUARD;
    /* Drop what deep calls touched, below the frames we still run on (and a page of margin):
       everything above them is in use, the thread's TLS included (large under sanitizers).
       The populated top stays, hot for the next thread. */
    char here;
    uintptr_t low = (uintptr_t)stack, top = low + usable;
    uintptr_t end = (((uintptr_t)&here) & ~(uintptr_t)4095) - 4096;
    if (end > top - POPULATE) end = top - POPULATE;
    if (end > low) madvise(stack, end - low, MADV_DONTNEED);
    stack_rec *r = malloc(sizeof *r);
    if (!r) return; /* leak the mapping rather than unmap what we run on */
    r->base = base;
    r->size = size;
    r->owner = tid;
    pthread_mutex_lock(&lock);
    stack_rec *unmap = reap_locked();
    r->next = retired;
    retired = r;
    pthread_mutex_unlock(&lock);
    unmap_all(unmap);
}
