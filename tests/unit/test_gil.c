/* test_gil.c: the GIL itself (runtime/gil.c), driven from C with raw pthreads: hand-off around a
 * blocking call, drop requests after a switch interval, forced switching through mv_gil_yield,
 * interval changes, and the statistics.  No bytecode runs here: the "threads" only take and drop
 * the GIL and bump counters that the GIL protects. */
#include <sched.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "gil.h"
#include "vm.h"

static mv_vm *vm;
static mv_thread *main_t;

static void setup(void) {
    vm = mv_vm_new(0, NULL);
    main_t = mv_vm_main_thread(vm);
    if (!vm->gil) mv_gil_create(vm, main_t);
}

TestSuite(gil, .init = setup);

static mv_thread *new_state(void) {
    mv_thread *t = calloc(1, sizeof *t);
    t->vm = vm;
    return t;
}

static int shared;          /* protected by the GIL */
static atomic_int phase;    /* test choreography (not protected) */

static void *taker(void *arg) {
    mv_thread *t = arg;
    atomic_store(&phase, 1);
    mv_gil_take(t);
    shared++;
    atomic_store(&phase, 2);
    mv_gil_drop(t);
    return NULL;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

Test(gil, create_is_owned_by_creator) {
    cr_assert_not_null(vm->gil);
    cr_assert(mv_gil_active(vm));
    cr_assert_geq(main_t->gil.acquisitions, 1);
}

Test(gil, handoff_around_blocking_call) {
    mv_thread *b = new_state();
    shared = 0;
    atomic_store(&phase, 0);
    pthread_t th;
    pthread_create(&th, NULL, taker, b);
    while (atomic_load(&phase) < 1) sleep_ms(1);
    sleep_ms(2);
    cr_assert_eq(shared, 0, "the other thread must wait while we hold the GIL");
    /* a blocking call: release, the other thread runs, take it back */
    MV_GIL_RELEASE(main_t);
    cr_assert(main_t->gil_released);
    while (atomic_load(&phase) < 2) sleep_ms(1);
    MV_GIL_ACQUIRE(main_t);
    cr_assert_not(main_t->gil_released);
    cr_assert_eq(shared, 1);
    pthread_join(th, NULL);
    cr_assert_eq(b->gil.acquisitions, 1);
    cr_assert_geq(main_t->gil.blocking_releases, 1);
    free(b);
}

/* Every slot of the check points' patches (vm.h) holds its armed, or its normal, value.  A
   build without computed goto has no patches: its check points test the word itself. */
static bool check_points_are(bool armed) {
    int n = atomic_load(&mv_check_npatches);
    for (int i = 0; i < n; i++) {
        const mv_check_patch *p = &mv_check_patches[i];
        if (__atomic_load_n(p->slot, __ATOMIC_RELAXED) != (armed ? p->armed : p->normal)) return false;
    }
    return true;
}

/* Spinning before blocking pays only when another CPU can run the thread we wait for: the
   affinity mask decides (taskset, os.sched_setaffinity), not the number of CPUs online. */
Test(gil, spinning_follows_the_affinity_mask) {
    cpu_set_t mine;
    cr_assert_eq(sched_getaffinity(0, sizeof mine, &mine), 0);
    if (CPU_COUNT(&mine) < 2) cr_skip_test("one CPU allowed: never spins");
    mv_spin_recheck();
    cr_assert(mv_spin_allowed());
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    mv_spin_recheck();
    cr_assert_not(mv_spin_allowed(), "one CPU in the mask: no spinning");
    cr_assert_eq(sched_setaffinity(0, sizeof mine, &mine), 0);
    mv_spin_recheck();
    cr_assert(mv_spin_allowed());
}

Test(gil, check_point_patches) {
    if (atomic_load(&mv_check_npatches) == 0) cr_skip_test("no dispatch-table check points in this build");
    cr_assert_eq(atomic_load(&mv_check_npatches), 6, "function entry and the five backward jumps");
    atomic_store(&mv_eval_breaker, 0);
    cr_assert_eq(mv_check_disarm(), 0, "nothing pending");
    cr_assert(check_points_are(false));
    cr_assert_eq(mv_check_patches[0].slot, &mv_check_targets, "function entry's table is a patch");
    mv_eval_breaker_set(MV_BREAK_GIL_DROP);
    cr_assert(check_points_are(true), "setting a bit arms every check point");
    cr_assert_eq(mv_check_disarm(), MV_BREAK_GIL_DROP, "a handler disarms and sees the bit");
    cr_assert(check_points_are(false));
    mv_check_arm();
    cr_assert(check_points_are(true), "a bit it cannot serve: the handler re-arms");
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
    cr_assert_eq(mv_check_disarm(), 0, "a stray visit finds nothing to do");
    cr_assert(check_points_are(false));
}

Test(gil, drop_request_after_interval_and_forced_switch) {
    mv_gil_set_interval(vm, 0.002);
    mv_thread *b = new_state();
    shared = 0;
    atomic_store(&phase, 0);
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
    cr_assert(check_points_are(false), "check points start disarmed");
    pthread_t th;
    pthread_create(&th, NULL, taker, b);
    /* we keep the GIL like a CPU-bound thread: the waiter must ask for it after ~2 ms */
    int waited = 0;
    while (!(atomic_load(&mv_eval_breaker) & MV_BREAK_GIL_DROP) && waited < 2000) {
        sleep_ms(1);
        waited++;
    }
    cr_assert(atomic_load(&mv_eval_breaker) & MV_BREAK_GIL_DROP, "no drop request after 2 s");
    cr_assert(check_points_are(true), "the request armed the check points");
    Value st = mv_gil_stats(main_t);
    cr_assert_not_null(st);
    MV_DECREF(st);
    /* the eval loop's check point: hand over, wait until the other thread took it, take it back */
    uint64_t forced_before = main_t->gil.forced_drops;
    mv_gil_yield(main_t);
    cr_assert_eq(shared, 1, "the waiter ran during the forced switch");
    cr_assert_eq(main_t->gil.forced_drops, forced_before + 1);
    cr_assert_not(atomic_load(&mv_eval_breaker) & MV_BREAK_GIL_DROP, "request served");
    pthread_join(th, NULL);
    free(b);
    mv_gil_set_interval(vm, 0.005);
}

Test(gil, yield_without_waiters_is_a_no_op) {
    uint64_t acq = main_t->gil.acquisitions;
    atomic_fetch_or(&mv_eval_breaker, MV_BREAK_GIL_DROP);
    mv_gil_yield(main_t);
    cr_assert_eq(main_t->gil.acquisitions, acq, "nobody waits: keep the GIL");
    cr_assert_not(atomic_load(&mv_eval_breaker) & MV_BREAK_GIL_DROP);
}

Test(gil, interval_changes) {
    mv_gil_set_interval(vm, 0.008);
    cr_assert_float_eq(mv_gil_get_interval(vm), 0.008, 1e-12);
    mv_gil_set_interval(vm, 0.0001);
    cr_assert_float_eq(mv_gil_get_interval(vm), 0.0001, 1e-9);
    mv_gil_set_interval(vm, 1e-7); /* below a microsecond: CPython shows 0.0 (waits stay >= 1 us) */
    cr_assert_float_eq(mv_gil_get_interval(vm), 0.0, 1e-12);
    /* a long interval: no drop request within a few ms */
    mv_gil_set_interval(vm, 1.0);
    mv_thread *b = new_state();
    atomic_store(&phase, 0);
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_GIL_DROP);
    cr_assert(check_points_are(false), "check points start disarmed");
    pthread_t th;
    pthread_create(&th, NULL, taker, b);
    while (atomic_load(&phase) < 1) sleep_ms(1);
    sleep_ms(20);
    cr_assert_not(atomic_load(&mv_eval_breaker) & MV_BREAK_GIL_DROP, "1 s interval: too early to ask");
    /* shorten it: the waiter picks the new value up at its next wait */
    mv_gil_set_interval(vm, 0.001);
    MV_GIL_RELEASE(main_t);
    pthread_join(th, NULL);
    MV_GIL_ACQUIRE(main_t);
    free(b);
    mv_gil_set_interval(vm, 0.005);
}

Test(gil, many_threads_take_turns) {
    enum { N = 8 };
    mv_thread *ts[N];
    pthread_t th[N];
    shared = 0;
    for (int i = 0; i < N; i++) {
        ts[i] = new_state();
        pthread_create(&th[i], NULL, taker, ts[i]);
    }
    MV_GIL_RELEASE(main_t);
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    MV_GIL_ACQUIRE(main_t);
    cr_assert_eq(shared, N, "every increment happened under the GIL");
    for (int i = 0; i < N; i++) free(ts[i]);
}
