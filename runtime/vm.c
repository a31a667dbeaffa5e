/* vm.c: creating the interpreter: readying every static type once per process, the main thread
 * state, sys.modules, the builtins and sys modules, sys.argv / sys.path, the interned-strings
 * table, and the SIGINT handler that asks the eval loop (through the eval breaker) to raise
 * KeyboardInterrupt.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "class.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "float.h"
#include "func.h"
#include "gen.h"
#include "int.h"
#include "list.h"
#include "module.h"
#include "range.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

void mv_types_init(void) {
    static bool done = false;
    if (done) return;
    done = true;
    /* Only the types whose instances exist without ever being allocated (the static singletons
       and type objects themselves) are readied here.  Every other type is readied on first use
       (mv_object_new, mv_type_lookup, class creation), so that start-up does not build the method
       tables of ~100 types a short script never touches: `minivm -c pass` must stay near 1 ms. */
    static mv_type *const types[] = {
        &mv_object_type, &mv_type_type, &mv_int_type, &mv_bool_type, &mv_tuple_type,
        &mv_none_type, &mv_notimpl_type, &mv_ellipsis_type,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) mv_type_ready(types[i]);
}

/* The one VM a signal handler can reach (signals are process-wide). */
static mv_vm *volatile sig_vm;

atomic_int mv_eval_breaker;
mv_check_patch mv_check_patches[MV_CHECK_MAX_PATCHES];
_Atomic int mv_check_npatches;
void *mv_check_targets;

static void check_patch_all(bool armed) {
    int n = atomic_load_explicit(&mv_check_npatches, memory_order_acquire);
    for (int i = 0; i < n; i++) {
        const mv_check_patch *p = &mv_check_patches[i];
        __atomic_store_n(p->slot, armed ? p->armed : p->normal, __ATOMIC_RELAXED);
    }
}

/* The two fences pair up: if a handler's disarm overwrote any of our arming stores, its fence
   comes after ours, so its read of the word sees our bit and it re-arms. */
void mv_eval_breaker_set(int bits) {
    atomic_fetch_or(&mv_eval_breaker, bits);
    atomic_thread_fence(memory_order_seq_cst);
    check_patch_all(true);
}

int mv_check_disarm(void) {
    check_patch_all(false);
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&mv_eval_breaker, memory_order_relaxed);
}

void mv_check_arm(void) { check_patch_all(true); }

static void on_sigint(int sig) {
    (void)sig;
    mv_vm *vm = sig_vm;
    if (!vm) return;
    vm->sigint_pending = 1;
    mv_eval_breaker_set(1);
}

static void install_sigint(mv_vm *vm) {
    sig_vm = vm;
    signal(SIGPIPE, SIG_IGN); /* as CPython: writes to a closed pipe raise BrokenPipeError */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR so sleep() can be interrupted */
    /* as CPython: leave SIGINT alone when it is ignored (e.g. a background job of a script) */
    struct sigaction old;
    if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler == SIG_IGN) return;
    sigaction(SIGINT, &sa, NULL);
}

static void add_mvpath(mv_vm *vm) {
    const char *p = getenv("MVPATH");
    if (!p || !*p) return;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n) mv_list_append_steal(vm->path, mv_str_new(p, n));
        if (!colon) break;
        p = colon + 1;
    }
}

mv_vm *mv_vm_new(int argc, char **argv) {
    mv_types_init();
    mv_vm *vm = mv_calloc(1, sizeof *vm);
    vm->recursion_limit = 1000;
    vm->switch_interval = 0.005;
    vm->main_dir = "";
    atomic_store(&mv_eval_breaker, 0);
    mv_eval_init();
    mv_thread *t = mv_calloc(1, sizeof *t);
    t->vm = vm;
    t->ident = (unsigned long)pthread_self();
    vm->main_thread = t;

    vm->interned = mv_dict_new();
    vm->modules = mv_dict_new();
    vm->argv = mv_list_new(0);
    for (int i = 0; i < argc; i++) mv_list_append_steal(vm->argv, mv_str_from_cstr(argv[i]));
    if (argc == 0) mv_list_append_steal(vm->argv, mv_str_from_cstr(""));
    vm->path = mv_list_new(0);
    add_mvpath(vm);

    vm->stdin_obj = mv_file_from_fd(t, 0, "r", "<stdin>");
    vm->stdout_obj = mv_file_from_fd(t, 1, "w", "<stdout>");
    vm->stderr_obj = mv_file_from_fd(t, 2, "w", "<stderr>");

    vm->builtins_module = mv_builtins_module_init(t);
    if (!vm->builtins_module) goto fail;
    vm->builtins = mv_newref(mv_module_dict(vm->builtins_module));
    if (mv_exc_register_builtins(t, vm->builtins) < 0) goto fail;
    if (mv_dict_set_cstr(t, vm->modules, "builtins", vm->builtins_module) < 0) goto fail;
    vm->sys_module = mv_sys_module_init(t);
    if (!vm->sys_module) goto fail;
    if (mv_dict_set_cstr(t, vm->modules, "sys", vm->sys_module) < 0) goto fail;
    install_sigint(vm);
    return vm;
fail:
    mv_err_print(t);
    return vm;
}

mv_thread *mv_vm_main_thread(mv_vm *vm) {
    return vm->main_thread;
}

void mv_vm_free(mv_vm *vm) {
    if (!vm) return;
    mv_thread *t = vm->main_thread;
    mv_file_flush_all(t);
    if (sig_vm == vm) sig_vm = NULL;
    /* Objects are left to the OS at exit: tearing down sys.modules would run arbitrary
       deallocation order for no benefit (CPython skips most of it too). */
}
