/* signal.c: the signal module.  As CPython: the C-level handler only records that a signal
 * arrived (an async-signal-safe flag per signal, a bit in the eval breaker, the wakeup fd); the
 * Python handler runs later in the main thread, at its next eval-breaker check point or when a
 * blocking call there returns EINTR.  SIGINT left at default_int_handler keeps vm.c's fast path
 * (vm->sigint_pending, which every blocking wait already turns into KeyboardInterrupt).
 * Signals, Handlers and Sigmasks are small IntEnum-like classes defined by embedded source.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "abstract.h"
#include "dict.h"
#include "exc.h"
#include "gil.h"
#include "int.h"
#include "modules.h"
#include "procsig.h"
#include "list.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

#ifndef NSIG
#define NSIG 65
#endif

/* ---- the state a C signal handler may touch (process-wide, as signals are) ---------------------- */

static mv_vm *volatile sig_vm;
static atomic_int tripped[NSIG]; /* lock-free atomics: safe in a signal handler */
static atomic_int any_tripped;
static volatile sig_atomic_t sigint_default = 1; /* SIGINT's Python handler is default_int_handler */
static volatile sig_atomic_t wakeup_fd = -1;
static volatile sig_atomic_t wakeup_warn = 1;
static pthread_t main_pthread;
static volatile sig_atomic_t main_known;

/* Python-level handlers (the objects getsignal returns); NULL = None (set from C, unknown) */
static Value handlers[NSIG];
static Value default_int_handler_obj, sig_dfl_obj, sig_ign_obj, signals_cls;

static void trip_handler(int sig) {
    int saved = errno;
    mv_vm *vm = sig_vm;
    if (vm) {
        if (sig == SIGINT && sigint_default) {
            vm->sigint_pending = 1;
            mv_eval_breaker_set(MV_BREAK_SIGINT);
        } else {
            atomic_store(&tripped[sig], 1);
            atomic_store(&any_tripped, 1);
            mv_eval_breaker_set(MV_BREAK_SIGNALS);
        }
        if (wakeup_fd >= 0) {
            unsigned char b = (unsigned char)sig;
            ssize_t r = write(wakeup_fd, &b, 1);
            (void)r;
        }
        /* the handler must run in the main thread: wake it if it is blocked in a system call */
        if (main_known && !pthread_equal(pthread_self(), main_pthread)) pthread_kill(main_pthread, sig);
    }
    errno = saved;
}

void mv_signal_after_fork_child(void) {
    for (int i = 0; i < NSIG; i++) atomic_store(&tripped[i], 0);
    atomic_store(&any_tripped, 0);
    if (sig_vm) atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGNALS);
    if (main_known) main_pthread = pthread_self();
    /* the forking thread may have blocked SIGINT (threads other than main do): unblock it */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

static bool is_main(mv_thread *t) { return t == t->vm->main_thread; }

int mv_signal_run_pending(mv_thread *t) {
    if (!is_main(t)) return 0;
    /* clear the bit, then take the flag: a signal arriving in between sets both again */
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGNALS);
    if (!atomic_exchange(&any_tripped, 0)) return 0;
    for (int sig = 1; sig < NSIG; sig++) {
        if (!atomic_exchange(&tripped[sig], 0)) continue;
        Value h = handlers[sig];
        if (!h || h == sig_dfl_obj || h == sig_ign_obj || !mv_callable(h)) continue;
        MV_INCREF(h);
        Value r = mv_call2(t, h, MV_FROM_SMALL(sig), MV_NONE);
        MV_DECREF(h);
        if (!r) {
            /* the others wait for the next check point */
            for (int k = sig + 1; k < NSIG; k++) {
                if (atomic_load(&tripped[k])) {
                    atomic_store(&any_tripped, 1);
                    mv_eval_breaker_set(MV_BREAK_SIGNALS);
                    break;
                }
            }
            return -1;
        }
        MV_DECREF(r);
    }
    return 0;
}

int mv_signal_check(mv_thread *t) {
    mv_vm *vm = t->vm;
    if (!is_main(t)) return 0;
    if (vm->sigint_pending) {
        vm->sigint_pending = 0;
        atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGINT);
        mv_err_set_object(t, (Value)&mv_exc_KeyboardInterrupt);
        return -1;
    }
    return mv_signal_run_pending(t);
}

/* ---- helpers -------------------------------------------------------------------------------------- */

static int signum_arg(mv_thread *t, Value v, int *out) {
    int64_t n;
    if (mv_index_int64(t, v, &n) < 0) return -1;
    if (n < 1 || n >= NSIG) {
        mv_err_set(t, &mv_exc_ValueError, "signal number out of range");
        return -1;
    }
    *out = (int)n;
    return 0;
}

static Value none(void) { return mv_newref(MV_NONE); }

/* Signals(n) when n names a signal, else the plain int */
static Value as_signals(mv_thread *t, int sig) {
    if (signals_cls) {
        Value r = mv_call1(t, signals_cls, MV_FROM_SMALL(sig));
        if (r) return r;
        mv_err_clear(t);
    }
    return MV_FROM_SMALL(sig);
}

static int eq_obj(mv_thread *t, Value a, Value b) {
    if (a == b) return 1;
    if (!mv_int_check(a)) return 0;
    return mv_richcompare_bool(t, a, b, MV_EQ);
}

/* ---- the module's functions ------------------------------------------------------------------------ */

static Value sig_signal(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/signalnum", "/handler", NULL};
    Value a[2];
    if (mv_parse_args(t, "signal", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    int sig;
    if (signum_arg(t, a[0], &sig) < 0) return NULL;
    if (!is_main(t)) return mv_err_set(t, &mv_exc_ValueError, "signal only works in main thread of the main interpreter");
    int ign = eq_obj(t, a[1], sig_ign_obj), dfl = ign ? 0 : eq_obj(t, a[1], sig_dfl_obj);
    if (ign < 0 || dfl < 0) return NULL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_ONSTACK; /* no SA_RESTART: blocking calls return EINTR, handlers run */
    if (ign) sa.sa_handler = SIG_IGN;
    else if (dfl) sa.sa_handler = SIG_DFL;
    else if (!mv_callable(a[1]))
        return mv_err_set(t, &mv_exc_TypeError, "signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object");
    else sa.sa_handler = trip_handler;
    /* flush a signal that arrived under the previous handler before it goes (CPython does too) */
    if (mv_signal_run_pending(t) < 0) return NULL;
    if (sig == SIGINT) sigint_default = a[1] == default_int_handler_obj;
    if (sigaction(sig, &sa, NULL) < 0) return mv_err_errno(t, errno, NULL);
    Value old = handlers[sig];
    handlers[sig] = mv_newref(ign ? sig_ign_obj : dfl ? sig_dfl_obj : a[1]);
    return old ? old : none();
}

static Value sig_getsignal(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getsignal", nargs, 1, 1) < 0) return NULL;
    int sig;
    if (signum_arg(t, args[0], &sig) < 0) return NULL;
    return handlers[sig] ? mv_newref(handlers[sig]) : none();
}

static Value sig_default_int_handler(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_err_set_object(t, (Value)&mv_exc_KeyboardInterrupt);
}

static Value sig_raise_signal(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "raise_signal", nargs, 1, 1) < 0) return NULL;
    int64_t sig;
    if (mv_index_int64(t, args[0], &sig) < 0) return NULL;
    if (sig < INT_MIN || sig > INT_MAX || raise((int)sig) != 0) return mv_err_errno(t, errno ? errno : EINVAL, NULL);
    if (mv_signal_check(t) < 0) return NULL;
    return none();
}

static Value sig_alarm(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "alarm", nargs, 1, 1) < 0) return NULL;
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) return NULL;
    return mv_int_from_i64(alarm((unsigned)n));
}

static Value sig_pause(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    MV_GIL_RELEASE(t);
    pause();
    MV_GIL_ACQUIRE(t);
    if (mv_signal_check(t) < 0) return NULL;
    return none();
}

static Value sig_strsignal(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "strsignal", nargs, 1, 1) < 0) return NULL;
    int sig;
    if (signum_arg(t, args[0], &sig) < 0) return NULL;
    const char *s = strsignal(sig);
    if (!s || strstr(s, "Unknown signal")) return none();
    return mv_str_from_cstr(s);
}

static Value set_of(mv_thread *t, const sigset_t *s) {
    Value set = mv_set_new(t, NULL);
    if (!set) return NULL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sigismember(s, sig) != 1) continue;
        Value v = as_signals(t, sig);
        int r = mv_set_add(t, set, v);
        MV_DECREF(v);
        if (r < 0) {
            MV_DECREF(set);
            return NULL;
        }
    }
    return set;
}

static Value sig_valid_signals(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    sigset_t all;
    sigfillset(&all);
    return set_of(t, &all);
}

static Value sig_pthread_kill(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "pthread_kill", nargs, 2, 2) < 0) return NULL;
    int64_t id, sig;
    if (mv_index_int64(t, args[0], &id) < 0 || mv_index_int64(t, args[1], &sig) < 0) return NULL;
    int err = pthread_kill((pthread_t)id, (int)sig);
    if (err) return mv_err_errno(t, err, NULL);
    if (mv_signal_check(t) < 0) return NULL;
    return none();
}

static int sigset_from(mv_thread *t, Value it, sigset_t *s) {
    sigemptyset(s);
    Value l = mv_sequence_list(t, it);
    if (!l) return -1;
    int rc = 0;
    for (size_t i = 0; i < mv_list_size(l); i++) {
        int64_t n;
        if (mv_index_int64(t, mv_list_items(l)[i], &n) < 0) {
            rc = -1;
            break;
        }
        if (n < 1 || n >= NSIG) {
            mv_err_format(t, &mv_exc_ValueError, "signal number %lld out of range [1; %d]", (long long)n, NSIG - 1);
            rc = -1;
            break;
        }
        sigaddset(s, (int)n);
    }
    MV_DECREF(l);
    return rc;
}

static Value sig_pthread_sigmask(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "pthread_sigmask", nargs, 2, 2) < 0) return NULL;
    int64_t how;
    sigset_t s, old;
    if (mv_index_int64(t, args[0], &how) < 0 || sigset_from(t, args[1], &s) < 0) return NULL;
    int err = pthread_sigmask((int)how, &s, &old);
    if (err) return mv_err_errno(t, err, NULL);
    if (mv_signal_check(t) < 0) return NULL;
    return set_of(t, &old);
}

static Value sig_sigpending(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    sigset_t s;
    if (sigpending(&s) < 0) return mv_err_errno(t, errno, NULL);
    return set_of(t, &s);
}

static Value sig_set_wakeup_fd(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"/fd", "$warn_on_full_buffer", NULL};
    Value a[2];
    if (mv_parse_args(t, "set_wakeup_fd", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int64_t fd;
    if (mv_index_int64(t, a[0], &fd) < 0) return NULL;
    int warn = a[1] ? mv_truthy(t, a[1]) : 1;
    if (warn < 0) return NULL;
    if (!is_main(t)) return mv_err_set(t, &mv_exc_ValueError, "set_wakeup_fd only works in main thread of the main interpreter");
    if (fd != -1) {
        int fl = fcntl((int)fd, F_GETFL);
        if (fl < 0) return mv_err_errno(t, errno, NULL);
        if (!(fl & O_NONBLOCK)) return mv_err_format(t, &mv_exc_ValueError, "the fd %lld must be in non-blocking mode", (long long)fd);
    }
    int old = wakeup_fd;
    wakeup_fd = (int)fd;
    wakeup_warn = warn;
    return mv_int_from_i64(old);
}

static Value sig_siginterrupt(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "siginterrupt", nargs, 2, 2) < 0) return NULL;
    int sig;
    if (signum_arg(t, args[0], &sig) < 0) return NULL;
    int flag = mv_truthy(t, args[1]);
    if (flag < 0) return NULL;
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) < 0) return mv_err_errno(t, errno, NULL);
    if (flag) sa.sa_flags &= ~SA_RESTART;
    else sa.sa_flags |= SA_RESTART;
    if (sigaction(sig, &sa, NULL) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static const mv_method_def signal_methods[] = {
    {"signal", sig_signal, 0, NULL},
    {"getsignal", sig_getsignal, 0, NULL},
    {"default_int_handler", sig_default_int_handler, 0, NULL},
    {"raise_signal", sig_raise_signal, 0, NULL},
    {"alarm", sig_alarm, 0, NULL},
    {"pause", sig_pause, 0, NULL},
    {"strsignal", sig_strsignal, 0, NULL},
    {"valid_signals", sig_valid_signals, 0, NULL},
    {"pthread_kill", sig_pthread_kill, 0, NULL},
    {"pthread_sigmask", sig_pthread_sigmask, 0, NULL},
    {"sigpending", sig_sigpending, 0, NULL},
    {"set_wakeup_fd", sig_set_wakeup_fd, 0, NULL},
    {"siginterrupt", sig_siginterrupt, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- the enums ----------------------------------------------------------------------------------- */

/* Just enough of enum.IntEnum for CPython's reprs: <Signals.SIGINT: 2>, str() is the number,
   Signals(2), Signals['SIGINT'], iteration, .name/.value; aliases (SIGIOT, SIGPOLL) map to the
   canonical member as in CPython. */
static const char enum_src[] =
    "class EnumMeta(type):\n"
    "    def __getitem__(cls, name):\n"
    "        return cls._member_map_[name]\n"
    "    def __iter__(cls):\n"
    "        return iter(cls._member_list_)\n"
    "    def __len__(cls):\n"
    "        return len(cls._member_list_)\n"
    "    def __contains__(cls, value):\n"
    "        return value in cls._member_list_\n"
    "    def __repr__(cls):\n"
    "        return '<enum %r>' % cls.__name__\n"
    "    def __call__(cls, value):\n"
    "        if type(value) is cls:\n"
    "            return value\n"
    "        try:\n"
    "            return cls._value2member_map_[value]\n"
    "        except (KeyError, TypeError):\n"
    "            pass\n"
    "        raise ValueError('%r is not a valid %s' % (value, cls.__qualname__))\n"
    "    @property\n"
    "    def __members__(cls):\n"
    "        return dict(cls._member_map_)\n"
    "class _IntEnum(int, metaclass=EnumMeta):\n"
    "    _member_map_ = {}\n"
    "    _value2member_map_ = {}\n"
    "    _member_list_ = []\n"
    "    def __repr__(self):\n"
    "        return '<%s.%s: %r>' % (self.__class__.__name__, self._name_, int(self))\n"
    "    def __str__(self):\n"
    "        return int.__repr__(self)\n"
    "    def __format__(self, spec):\n"
    "        return int.__format__(int(self), spec)\n"
    "    def __reduce_ex__(self, proto):\n"
    "        return self.__class__, (int(self),)\n"
    "    @property\n"
    "    def name(self):\n"
    "        return self._name_\n"
    "    @property\n"
    "    def value(self):\n"
    "        return int(self)\n"
    "def _make_enum(clsname, pairs, g):\n"
    "    cls = EnumMeta(clsname, (_IntEnum,), {'_member_map_': {}, '_value2member_map_': {},\n"
    "                                        '_member_list_': [], '__module__': 'signal'})\n"
    "    for n, v in pairs:\n"
    "        m = cls._value2member_map_.get(v)\n"
    "        if m is None:\n"
    "            m = int.__new__(cls, v)\n"
    "            m._name_ = n\n"
    "            cls._value2member_map_[v] = m\n"
    "            cls._member_list_.append(m)\n"
    "        cls._member_map_[n] = m\n"
    "        setattr(cls, n, m)\n"
    "        g[n] = m\n"
    "    return cls\n"
    "Signals = _make_enum('Signals', _signal_pairs, globals())\n"
    "Handlers = _make_enum('Handlers', [('SIG_DFL', 0), ('SIG_IGN', 1)], globals())\n"
    "Sigmasks = _make_enum('Sigmasks', [('SIG_BLOCK', 0), ('SIG_UNBLOCK', 1), ('SIG_SETMASK', 2)], globals())\n"
    "del EnumMeta, _IntEnum, _make_enum, _signal_pairs\n";

static const struct {
    const char *name;
    int value;
} signal_names[] = {
    {"SIGHUP", SIGHUP}, {"SIGINT", SIGINT}, {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT}, {"SIGIOT", SIGIOT}, {"SIGBUS", SIGBUS},
    {"SIGFPE", SIGFPE}, {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV},
    {"SIGUSR2", SIGUSR2}, {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM},
    {"SIGSTKFLT", SIGSTKFLT}, {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT}, {"SIGSTOP", SIGSTOP},
    {"SIGTSTP", SIGTSTP}, {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU}, {"SIGURG", SIGURG},
    {"SIGXCPU", SIGXCPU}, {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},
    {"SIGWINCH", SIGWINCH}, {"SIGIO", SIGIO}, {"SIGPOLL", SIGPOLL}, {"SIGPWR", SIGPWR},
    {"SIGSYS", SIGSYS},
};

static int build_enums(mv_thread *t, Value m) {
    Value pairs = mv_list_new(0);
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++) {
        Value n = mv_str_from_cstr(signal_names[i].name);
        mv_list_append_steal(pairs, mv_tuple_pack(2, n, MV_FROM_SMALL(signal_names[i].value)));
        MV_DECREF(n);
    }
    Value rt[2] = {mv_str_from_cstr("SIGRTMIN"), mv_str_from_cstr("SIGRTMAX")};
    mv_list_append_steal(pairs, mv_tuple_pack(2, rt[0], MV_FROM_SMALL(SIGRTMIN)));
    mv_list_append_steal(pairs, mv_tuple_pack(2, rt[1], MV_FROM_SMALL(SIGRTMAX)));
    MV_DECREF(rt[0]);
    MV_DECREF(rt[1]);
    int r = mv_module_add(t, m, "_signal_pairs", pairs);
    MV_DECREF(pairs);
    if (r < 0) return -1;
    return mv_module_exec_source(t, m, enum_src, sizeof enum_src - 1, "<frozen signal>");
}

Value mv_signal_module_init(mv_thread *t) {
    Value m = mv_module_new(t, "signal");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, signal_methods) < 0 || build_enums(t, m) < 0) goto fail;
    Value d = mv_module_dict(m);
    Value nsig = MV_FROM_SMALL(NSIG);
    if (mv_module_add(t, m, "NSIG", nsig) < 0) goto fail;
    if (mv_module_add(t, m, "ITIMER_REAL", MV_FROM_SMALL(0)) < 0) goto fail;
    /* process-wide state: the first signal module sets it up (reimports reuse it) */
    if (!sig_vm) {
        default_int_handler_obj = mv_newref(mv_dict_get_cstr(t, d, "default_int_handler"));
        sig_dfl_obj = mv_newref(mv_dict_get_cstr(t, d, "SIG_DFL"));
        sig_ign_obj = mv_newref(mv_dict_get_cstr(t, d, "SIG_IGN"));
        signals_cls = mv_newref(mv_dict_get_cstr(t, d, "Signals"));
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction sa;
            if (sigaction(sig, NULL, &sa) < 0) continue;
            if (sa.sa_handler == SIG_DFL) handlers[sig] = mv_newref(sig_dfl_obj);
            else if (sa.sa_handler == SIG_IGN) handlers[sig] = mv_newref(sig_ign_obj);
        }
        /* vm.c's SIGINT handler is default_int_handler's C half */
        if (!handlers[SIGINT]) handlers[SIGINT] = mv_newref(default_int_handler_obj);
        main_pthread = (pthread_t)t->vm->main_thread->ident;
        main_known = 1;
        sig_vm = t->vm;
    } else {
        /* a fresh module object (e.g. after del sys.modules['signal']): keep the identities */
        mv_dict_set_cstr(t, d, "default_int_handler", default_int_handler_obj);
    }
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
