/* test_thread_stack.c: runtime/thread_stack.c: stacks come with a guard page and a populated
 * top, a thread runs on one, a retired stack is reused only once its thread is gone (and with
 * its deep pages dropped), and stacks of another size are not mixed up. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread_stack.h"

#define MIB ((size_t)1 << 20)

static size_t pagesize(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* how many of the n pages from p are mapped in (mincore) */
static size_t resident(void *p, size_t n) {
    unsigned char vec[4096];
    cr_assert(n <= sizeof vec);
    cr_assert(mincore(p, n * pagesize(), vec) == 0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += vec[i] & 1;
    return k;
}

Test(thread_stack, guard_and_populated_top) {
    size_t usable;
    char *s = mv_thread_stack_get(2 * MIB, &usable);
    cr_assert_not_null(s);
    /* the guard page is part of the size, as with glibc; room for TLS comes on top */
    cr_assert_geq(usable, 2 * MIB - pagesize());
    cr_assert_lt(usable, 2 * MIB + 64 * 1024);
    /* the top 16 KiB are mapped in already; the bottom is not */
    cr_assert_eq(resident(s + usable - 4 * pagesize(), 4), 4);
    cr_assert_eq(resident(s, 4), 0);
    mv_thread_stack_discard(s, usable);
}

/* the protection of the mapping that holds address a, from /proc/self/maps ("rw-p", "---p") */
static void protection_at(void *a, char perms[5]) {
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    char line[512];
    perms[0] = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && (unsigned long)a >= lo && (unsigned long)a < hi) {
            memcpy(perms, p, 5);
            break;
        }
    }
    fclose(f);
}

Test(thread_stack, the_guard_page_is_inaccessible) {
    size_t usable;
    char *s = mv_thread_stack_get(1 * MIB, &usable);
    cr_assert_not_null(s);
    char perms[5];
    protection_at(s - 1, perms);
    cr_assert_str_eq(perms, "---p");
    protection_at(s, perms);
    cr_assert_str_eq(perms, "rw-p");
    mv_thread_stack_discard(s, usable);
}

Test(thread_stack, odd_sizes_round_up) {
    size_t usable;
    char *s = mv_thread_stack_get(100000, &usable);
    cr_assert_not_null(s);
    cr_assert_eq((usable + pagesize()) % pagesize(), 0);
    cr_assert_geq(usable + pagesize(), 100000);
    s[0] = 1; /* the whole usable range is writable */
    s[usable - 1] = 1;
    mv_thread_stack_discard(s, usable);
}

typedef struct {
    char *stack;
    size_t usable;
    pid_t tid;
    bool deep;
    sem_t ran;
} run_args;

static void touch_deep(char *stack) {
    /* what deep recursion would leave: pages near the bottom of the stack */
    memset(stack + 4 * pagesize(), 7, 4 * pagesize());
}

static void *body(void *arg) {
    run_args *a = arg;
    char here;
    a->tid = (pid_t)syscall(SYS_gettid);
    cr_assert((char *)&here > a->stack && (char *)&here < a->stack + a->usable, "runs on its stack");
    if (a->deep) touch_deep(a->stack);
    sem_post(&a->ran);
    mv_thread_stack_retire(a->stack, a->usable, a->tid);
    return NULL;
}

static void run_on(run_args *a) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstack(&attr, a->stack, a->usable);
    sem_init(&a->ran, 0, 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, &attr, body, a), 0);
    sem_wait(&a->ran);
    pthread_attr_destroy(&attr);
}

static void wait_gone(pid_t tid) {
    for (int i = 0; i < 2000 && syscall(SYS_tgkill, getpid(), tid, 0) == 0; i++) usleep(1000);
}

Test(thread_stack, reused_once_the_thread_is_gone) {
    run_args a = {.deep = true};
    a.stack = mv_thread_stack_get(4 * MIB, &a.usable);
    cr_assert_not_null(a.stack);
    run_on(&a);
    wait_gone(a.tid);
    /* the deep pages were dropped at retirement, the top kept */
    cr_assert_eq(resident(a.stack + 4 * pagesize(), 4), 0);
    cr_assert_eq(resident(a.stack + a.usable - 4 * pagesize(), 4), 4);
    /* a stack of another size is a new one */
    size_t u2;
    char *other = mv_thread_stack_get(2 * MIB, &u2);
    cr_assert(other != a.stack);
    /* the same size: the stack of the thread that is gone, top still mapped in */
    size_t u3;
    char *again = mv_thread_stack_get(4 * MIB, &u3);
    cr_assert_eq(again, a.stack);
    cr_assert_eq(u3, a.usable);
    mv_thread_stack_discard(other, u2);
    mv_thread_stack_discard(again, u3);
}

Test(thread_stack, not_reused_while_the_thread_runs) {
    /* a thread that has retired its stack but not yet exited still owns it: a thread that
       never exits (its id stays known) stands for it here */
    run_args a = {.deep = false};
    a.stack = mv_thread_stack_get(3 * MIB, &a.usable);
    cr_assert_not_null(a.stack);
    /* retire it on behalf of a thread that is alive: this one */
    mv_thread_stack_retire(a.stack, a.usable, (pid_t)syscall(SYS_gettid));
    size_t u;
    char *s = mv_thread_stack_get(3 * MIB, &u);
    cr_assert(s != a.stack, "handed out while its thread is alive");
    mv_thread_stack_discard(s, u);
}

Test(thread_stack, many_threads_in_turn) {
    /* 50 threads, one after another: after the first, each reuses a stack of a finished one */
    char *seen[50];
    for (int i = 0; i < 50; i++) {
        run_args a = {.deep = false};
        a.stack = mv_thread_stack_get(1 * MIB, &a.usable);
        cr_assert_not_null(a.stack);
        seen[i] = a.stack;
        run_on(&a);
        wait_gone(a.tid);
    }
    int distinct = 0;
    for (int i = 0; i < 50; i++) {
        bool dup = false;
        for (int j = 0; j < i; j++) dup |= seen[j] == seen[i];
        distinct += !dup;
    }
    cr_assert_leq(distinct, 2, "stacks are reused (%d distinct of 50)", distinct);
}
