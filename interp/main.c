/* main.c: the minivm command line: `minivm FILE [ARGS]`, `-c CODE`, `-` / piped stdin,
 * --version, --help, and the exit status rules of CPython (0, 1 after an uncaught exception,
 * 2 for usage errors and missing files, SystemExit codes, SIGINT re-raised for KeyboardInterrupt).
 */
#include "dis.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/abstract.h"
#include "runtime/dict.h"
#include "runtime/exc.h"
#include "runtime/file.h"
#include "runtime/int.h"
#include "runtime/list.h"
#include "runtime/module.h"
#include "runtime/prefault.h"
#include "runtime/str.h"
#include "runtime/gil.h"
#include "runtime/thread.h"
#include "interp/repl.h"

#define VERSION_STRING "minivm 0.1.0 (Python 3.11 compatible)"

static const char *prog;

static void usage_hint(FILE *f) {
    fprintf(f, "usage: %s [option] ... [-c cmd | file | -] [arg] ...\n", prog);
    fprintf(f, "Try `minivm -h' for more information.\n");
}

static void help(void) {
    printf("usage: %s [option] ... [-c cmd | file | -] [arg] ...\n", prog);
    printf("Options:\n"
           "-c cmd : program passed in as string (terminates option list)\n"
           "-h     : print this help message and exit (also -? or --help)\n"
           "-i     : inspect interactively after running script; forces a prompt even\n"
           "         if stdin does not appear to be a terminal\n"
           "-u     : unbuffered stdout and stderr\n"
           "--switch-interval=S : the GIL's switch interval in seconds (default 0.005)\n"
           "-V     : print the minivm version number and exit (also --version)\n"
           "--dis  : disassemble the file instead of running it\n"
           "file   : program read from script file\n"
           "-      : program read from stdin (default; interactive mode if a tty)\n"
           "arg ...: arguments passed to program in sys.argv[1:]\n\n"
           "Environment variables:\n"
           "MVPATH : ':'-separated list of directories prefixed to the module search path.\n"
           "MINIVM_SWITCHINTERVAL : the GIL's switch interval in seconds (as --switch-interval).\n");
}

/* Read all of a stream into a malloc'd buffer. */
static char *read_all(FILE *f, size_t *len) {
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 4096 > cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Turn the uncaught exception into the exit status, printing what CPython prints. */
static int handle_exception(mv_thread *t) {
    Value exc = mv_err_fetch(t);
    if (!exc) return 1;
    if (mv_isinstance_of(exc, &mv_exc_SystemExit)) {
        Value code = NULL;
        mv_exc *e = (mv_exc *)exc;
        if (e->dict) code = mv_dict_get_cstr(t, e->dict, "code");
        int rc = 0;
        if (!code || code == MV_NONE) {
            rc = 0;
        } else if (mv_int_check(code)) {
            int64_t v = 0;
            if (mv_int_as_i64(t, code, &v) < 0) {
                mv_err_clear(t);
                v = -1;
            }
            rc = (int)v;
        } else {
            mv_file_flush_all(t);
            Value s = mv_str(t, code);
            if (s) {
                fprintf(stderr, "%s\n", mv_str_data(s));
                MV_DECREF(s);
            } else {
                mv_err_clear(t);
            }
            rc = 1;
        }
        MV_DECREF(exc);
        return rc;
    }
    bool kbd = mv_isinstance_of(exc, &mv_exc_KeyboardInterrupt);
    mv_file_flush_all(t);
    mv_err_print_exception(t, exc);
    MV_DECREF(exc);
    if (kbd) {
        /* as CPython: die of SIGINT so the parent sees it (a shell reports 130) */
        mv_file_flush_all(t);
        fflush(NULL);
        signal(SIGINT, SIG_DFL);
        kill(getpid(), SIGINT);
        return 130;
    }
    return 1;
}

static int finish(mv_vm *vm, int rc) {
    mv_thread *t = mv_vm_main_thread(vm);
    if (mv_err_occurred(t)) mv_err_clear(t);
    mv_thread_shutdown(t); /* threading._shutdown(): wait for the non-daemon threads */
    mv_file_flush_all(t);
    if (mv_err_occurred(t)) mv_err_clear(t);
    mv_vm_free(vm);
    fflush(NULL);
    return rc;
}

/* -i and the bare prompt: print what the program left uncaught (even SystemExit, as CPython),
   then run the prompt in its __main__; exit() and Ctrl-D end it. */
static int inspect_after(mv_vm *vm, mv_thread *t, const char *banner) {
    if (mv_err_occurred(t)) {
        mv_file_flush_all(t);
        mv_err_print(t);
    }
    int rc = mv_repl_run(t, banner) < 0 ? handle_exception(t) : 0;
    return finish(vm, rc);
}

int main(int argc, char **argv) {
    mv_prefault_startup();
    prog = argv[0];
    const char *code = NULL;
    bool use_stdin = false;
    bool inspect = false; /* -i: the prompt after the program */
    bool dis = false; /* --dis: print the bytecode instead of running */
    int i = 1;
    double switch_interval = 0; /* 0: MINIVM_SWITCHINTERVAL or the default 0.005 */
    const char *env_si = getenv("MINIVM_SWITCHINTERVAL");
    if (env_si && *env_si) {
        char *end;
        double d = strtod(env_si, &end);
        if (!*end && d > 0) switch_interval = d;
        else fprintf(stderr, "minivm: ignoring MINIVM_SWITCHINTERVAL='%s' (not a positive number)\n", env_si);
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("%s\n", VERSION_STRING);
            return 0;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-?") == 0) {
            help();
            return 0;
        }
        if (strcmp(a, "--dis") == 0) {
            dis = true;
            continue;
        }
        if (strcmp(a, "-i") == 0) {
            inspect = true;
            continue;
        }
        if (strcmp(a, "-u") == 0) {
            setenv("MVUNBUFFERED", "1", 1);
            continue;
        }
        if (strncmp(a, "--switch-interval", 17) == 0 && (a[17] == '=' || a[17] == 0)) {
            const char *v = a[17] == '=' ? a + 18 : (i + 1 < argc ? argv[++i] : "");
            char *end;
            switch_interval = strtod(v, &end);
            if (!*v || *end || !(switch_interval > 0)) {
                fprintf(stderr, "--switch-interval: expected a positive number of seconds, got '%s'\n", v);
                usage_hint(stderr);
                return 2;
            }
            continue;
        }
        if (strncmp(a, "-c", 2) == 0) {
            if (a[2]) {
                code = a + 2;
            } else if (i + 1 < argc) {
                code = argv[++i];
            } else {
                fprintf(stderr, "Argument expected for the -c option\n");
                usage_hint(stderr);
                return 2;
            }
            break;
        }
        if (a[1] == '-') fprintf(stderr, "unknown option %s\n", a);
        else fprintf(stderr, "Unknown option: -%c\n", a[1]);
        usage_hint(stderr);
        return 2;
    }

    /* sys.argv: as CPython: ['-c', args...], [script, args...], ['-', args...] or [''] */
    int sargc;
    char **sargv;
    char *dash_c[1] = {"-c"};
    char *empty[1] = {""};
    if (code) {
        sargc = argc - i;
        sargv = malloc(sizeof(char *) * (size_t)(sargc > 0 ? sargc : 1));
        sargv[0] = dash_c[0];
        for (int k = 1; k < sargc; k++) sargv[k] = argv[i + k];
    } else if (i < argc) {
        sargc = argc - i;
        sargv = argv + i;
        use_stdin = strcmp(argv[i], "-") == 0;
    } else {
        sargc = 1;
        sargv = empty;
        use_stdin = true;
    }
    if (code && sargc < 1) sargc = 1;

    mv_vm *vm = mv_vm_new(sargc, sargv);
    if (code) free(sargv); /* sys.argv holds copies */
    mv_thread *t = mv_vm_main_thread(vm);
    if (switch_interval > 0) mv_gil_set_interval(vm, switch_interval);
    int rc = 0;
    if (code) {
        if (mv_run_main_source(t, code, strlen(code), "<string>") < 0 && !inspect) rc = handle_exception(t);
        if (inspect) return inspect_after(vm, t, NULL);
        return finish(vm, rc);
    }
    if (use_stdin) {
        if ((isatty(0) && i >= argc) || inspect) {
            /* the prompt: an empty __main__ (sys.path[0] = '') first */
            mv_run_main_source(t, "", 0, "<stdin>");
            return inspect_after(vm, t, VERSION_STRING);
        }
        size_t len;
        char *src = read_all(stdin, &len);
        if (mv_run_main_source(t, src, len, "<stdin>") < 0) rc = handle_exception(t);
        free(src);
        return finish(vm, rc);
    }
    const char *path = argv[i];
    FILE *f = fopen(path, "rb");
    if (!f) {
        int err = errno;
        char abspath[PATH_MAX * 2];
        if (path[0] == '/') {
            snprintf(abspath, sizeof abspath, "%s", path);
        } else {
            char cwd[PATH_MAX];
            if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
            snprintf(abspath, sizeof abspath, "%s/%s", cwd, path);
        }
        fprintf(stderr, "%s: can't open file '%s': [Errno %d] %s\n", prog, abspath, err, strerror(err));
        return finish(vm, 2);
    }
    if (dis) {
        size_t len;
        char *src = read_all(f, &len);
        fclose(f);
        Value co = mv_compile(t, src, len, path, MV_COMPILE_EXEC);
        free(src);
        if (!co) return finish(vm, handle_exception(t));
        mv_dis(t, co, stdout);
        MV_DECREF(co);
        return finish(vm, 0);
    }
    fclose(f);
    if (mv_run_main_file(t, path) < 0 && !inspect) rc = handle_exception(t);
    if (inspect) return inspect_after(vm, t, NULL);
    return finish(vm, rc);
}
