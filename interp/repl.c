/* repl.c: the interactive prompt, as CPython's: read a statement line by line (libedit on a
 * terminal), decide whether it is complete (the way codeop does: an error at the end of the
 * input means "more lines"), compile it in MV_COMPILE_SINGLE mode (expression results go to
 * sys.displayhook, which prints their repr and sets builtins._), run it in __main__, print any
 * traceback and prompt again.  The GIL is released while the prompt waits for a line.
 */
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "interp/repl.h"
#include "runtime/abstract.h"
#include "runtime/class.h"
#include "runtime/code.h"
#include "runtime/dict.h"
#include "runtime/exc.h"
#include "runtime/file.h"
#include "runtime/float.h"
#include "runtime/gil.h"
#include "runtime/module.h"
#include "runtime/str.h"
#include "runtime/tuple.h"

/* ---- exit() and quit(): CPython's _sitebuiltins.Quitter ---------------------------------------- */

typedef struct {
    mv_object ob;
    const char *name;
} quitter;

static Value quitter_repr(mv_thread *t, Value self) {
    char buf[64];
    snprintf(buf, sizeof buf, "Use %s() or Ctrl-D (i.e. EOF) to exit", ((quitter *)self)->name);
    return mv_str_from_cstr(buf);
}

/* exit(code=None): raise SystemExit(code).  (CPython also closes sys.stdin first; we keep it.) */
static Value quitter_call(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    if (nargs > 1)
        return mv_err_format(t, &mv_exc_TypeError,
                             "Quitter.__call__() takes from 1 to 2 positional arguments but %d were given", (int)nargs + 1);
    for (size_t i = 0; i < nkw; i++) {
        Value k = MV_TUPLE_GET(kwnames, i);
        if (!mv_str_eq_cstr(k, "code"))
            return mv_err_format(t, &mv_exc_TypeError, "Quitter.__call__() got an unexpected keyword argument '%U'", k);
        if (nargs + i > 0)
            return mv_err_format(t, &mv_exc_TypeError, "Quitter.__call__() got multiple values for argument 'code'");
    }
    /* the code, positional or keyword, is args[0] */
    Value exc = mv_call(t, (Value)&mv_exc_SystemExit, args, nargs + nkw, NULL);
    if (!exc) return NULL;
    mv_err_set_object(t, exc);
    MV_DECREF(exc);
    return NULL;
}

static mv_type quitter_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "Quitter",
    .basicsize = sizeof(quitter),
    .repr = quitter_repr,
    .call = quitter_call,
};

static quitter exit_obj = {MV_STATIC_HEAD(&quitter_type), "exit"};
static quitter quit_obj = {MV_STATIC_HEAD(&quitter_type), "quit"};

int mv_repl_add_quitters(mv_thread *t, Value builtins_dict) {
    if (!(quitter_type.flags & MV_TPFLAG_READY)) {
        quitter_type.module = mv_str_from_cstr("_sitebuiltins");
        if (mv_type_ready(&quitter_type) < 0) return -1;
    }
    if (mv_dict_set_cstr(t, builtins_dict, "exit", (Value)&exit_obj) < 0) return -1;
    return mv_dict_set_cstr(t, builtins_dict, "quit", (Value)&quit_obj);
}

/* ---- reading one line ------------------------------------------------------------------------ */

enum { LINE_OK, LINE_EOF, LINE_INTR };

/* The VM whose SIGINT flag the line reader polls (readline's getc hook gets no argument). */
static mv_vm *volatile repl_vm;
static volatile int repl_interrupted;

/* Is a Ctrl-C waiting?  Takes it (the prompt cancels the line instead of raising). */
static bool take_sigint(void) {
    mv_vm *vm = repl_vm;
    if (!vm || !vm->sigint_pending) return false;
    vm->sigint_pending = 0;
    atomic_fetch_and(&mv_eval_breaker, ~MV_BREAK_SIGINT);
    return true;
}

/* Read one byte from fd; 1 ok, 0 end of input, -1 error, -2 interrupted by Ctrl-C.  Polls with a
   timeout so that a SIGINT delivered to another thread (which does not interrupt our read) is
   still noticed promptly. */
static int read_byte(int fd, unsigned char *c) {
    for (;;) {
        if (take_sigint()) return -2;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, 100);
        if (n < 0 && errno != EINTR) return -1;
        if (n <= 0) continue;
        ssize_t r = read(fd, c, 1);
        if (r == 1) return 1;
        if (r == 0) return 0;
        if (errno != EINTR && errno != EAGAIN) return -1;
    }
}

/* libedit's character source (rl_getc_function): returns a code point (libedit stores what it
   gets as a wide character, so UTF-8 is decoded here), or EOF, also on Ctrl-C (with
   repl_interrupted set: readline() then returns and the line is dropped). */
static int repl_getc(FILE *f) {
    int fd = fileno(f);
    unsigned char b;
    int r = read_byte(fd, &b);
    if (r == -2) repl_interrupted = 1;
    if (r != 1) return EOF;
    int need = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
    if (need < 0) return 0xFFFD;
    int cp = need == 0 ? b : need == 1 ? (b & 0x1F) : need == 2 ? (b & 0x0F) : (b & 0x07);
    for (int i = 0; i < need; i++) {
        r = read_byte(fd, &b);
        if (r == -2) repl_interrupted = 1;
        if (r != 1) return EOF;
        if ((b & 0xC0) != 0x80) return 0xFFFD;
        cp = (cp << 6) | (b & 0x3F);
    }
    return cp;
}

/* Without a terminal (minivm -i < file): read bytes up to a newline, prompt on stderr as CPython
   does.  Byte by byte, so that what follows stays in the pipe for the program's own input(). */
static int stdio_readline(const char *prompt, char **out) {
    fputs(prompt, stderr);
    fflush(stderr);
    size_t cap = 128, n = 0;
    char *s = malloc(cap);
    for (;;) {
        unsigned char c;
        int r = read_byte(0, &c);
        if (r == -2) {
            free(s);
            return LINE_INTR;
        }
        if (r != 1) {
            if (n == 0) {
                free(s);
                return LINE_EOF;
            }
            break;
        }
        if (c == '\n') break;
        if (n + 2 > cap) s = realloc(s, cap *= 2);
        s[n++] = (char)c;
    }
    s[n] = 0;
    *out = s;
    return LINE_OK;
}

/* libedit is loaded when an interactive prompt starts rather than linked: every other run
   (scripts, -c, the children of multiprocessing and subprocess) would pay for mapping it and
   the three libraries it needs, about 0.6 ms of each start-up.  Its header still gives the
   types; `el` holds what the REPL uses of it. */
static struct {
    char *(*readline)(const char *);
    int (*add_history)(const char *);
    void (*using_history)(void);
    void (*stifle_history)(int);
    int (*read_history)(const char *);
    int (*write_history)(const char *);
    int (*rl_initialize)(void);
    int (*rl_bind_key)(int, rl_command_func_t *);
    rl_command_func_t *rl_insert;
    int *rl_catch_signals;
    int (**rl_getc_function)(FILE *);
    FILE **rl_instream, **rl_outstream;
} el;

static bool libedit_load(void) {
    void *h = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) return false;
    void **slots[] = {
        (void **)&el.readline,         (void **)&el.add_history,   (void **)&el.using_history,
        (void **)&el.stifle_history,   (void **)&el.read_history,  (void **)&el.write_history,
        (void **)&el.rl_initialize,    (void **)&el.rl_bind_key,   (void **)&el.rl_insert,
        (void **)&el.rl_catch_signals, (void **)&el.rl_getc_function,
        (void **)&el.rl_instream,      (void **)&el.rl_outstream,
    };
    static const char *const names[] = {
        "readline",      "add_history",    "using_history",    "stifle_history", "read_history",
        "write_history", "rl_initialize",  "rl_bind_key",      "rl_insert",      "rl_catch_signals",
        "rl_getc_function", "rl_instream", "rl_outstream",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!(*slots[i] = dlsym(h, names[i]))) return false;
    return true;
}

static bool use_libedit;

/* The one place the prompt blocks: the GIL is released around it, so that background threads
   run while the user types.  Touches no object between release and acquire. */
static int prompt_for_line(mv_thread *t, const char *prompt, char **out) {
    *out = NULL;
    int status;
    MV_GIL_RELEASE(t);
    if (use_libedit) {
        repl_interrupted = 0;
        char *line = el.readline(prompt);
        if (repl_interrupted) {
            free(line);
            status = LINE_INTR;
        } else if (!line) {
            status = LINE_EOF;
        } else {
            *out = line;
            status = LINE_OK;
        }
    } else {
        status = stdio_readline(prompt, out);
    }
    MV_GIL_ACQUIRE(t);
    return status;
}

/* ---- history (~/.minivm_history) ------------------------------------------------------------- */

static char history_path[4096];

static void history_start(void) {
    const char *home = getenv("HOME");
    if (!home || !*home) return;
    snprintf(history_path, sizeof history_path, "%s/.minivm_history", home);
    el.using_history();
    el.stifle_history(1000);
    el.read_history(history_path);
}

static void history_save(void) {
    if (history_path[0]) el.write_history(history_path);
}

/* ---- is the statement complete? ------------------------------------------------------------ */

static bool is_blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\f' && *s != '\r') return *s == '#';
    return true;
}

/* Does the first line start a compound statement?  Then, as in CPython's REPL, it goes on until
   an empty line (a later `else:`/`except:` could still follow). */
static bool starts_compound(const char *line) {
    while (*line == ' ' || *line == '\t') line++;
    if (*line == '@') return true;
    size_t n = 0;
    while ((line[n] >= 'a' && line[n] <= 'z') || (line[n] >= 'A' && line[n] <= 'Z') || line[n] == '_' ||
           (line[n] >= '0' && line[n] <= '9'))
        n++;
    static const char *const kw[] = {"if", "while", "for", "try", "with", "def", "class", "async"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i]) == n && strncmp(line, kw[i], n) == 0) return true;
    if (n == 5 && strncmp(line, "match", 5) == 0) {
        /* the soft keyword: `match x:` opens a block, `match = 1` does not */
        const char *end = line + strlen(line);
        while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
        return end > line && end[-1] == ':';
    }
    return false;
}

enum { ERR_REAL, ERR_OPEN, ERR_BLOCK };

/* Classify a SyntaxError from compiling the buffer (nlines lines, ending with a newline):
   ERR_OPEN   the input stops inside a bracket, a triple-quoted string or after a backslash:
              more lines are needed, even after an empty line;
   ERR_BLOCK  the input stops where a block must follow (`def f():`, a decorator, `try:` without
              `except` yet), or the error sits past the last line (at the end marker): more
              lines are needed unless the user entered an empty line;
   ERR_REAL   a genuine syntax error: report it. */
static int classify_error(mv_thread *t, Value exc, int nlines) {
    if (!mv_isinstance_of(exc, &mv_exc_SyntaxError)) return ERR_REAL;
    mv_exc *e = (mv_exc *)exc;
    if (!e->dict) return ERR_REAL;
    Value msg = mv_dict_get_cstr(t, e->dict, "msg");
    Value lineno = mv_dict_get_cstr(t, e->dict, "lineno");
    if (mv_err_occurred(t)) mv_err_clear(t);
    const char *m = msg && mv_str_check(msg) ? mv_str_data(msg) : "";
    if (strstr(m, "was never closed") || strncmp(m, "unterminated triple-quoted string", 33) == 0 ||
        strcmp(m, "unexpected EOF while parsing") == 0)
        return ERR_OPEN;
    if (strncmp(m, "expected an indented block", 26) == 0 || strcmp(m, "expected 'except' or 'finally' block") == 0)
        return ERR_BLOCK;
    if (lineno && MV_IS_SMALL(lineno) && MV_SMALL_VAL(lineno) > nlines) return ERR_BLOCK;
    return ERR_REAL;
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* sys.<name> as a malloc'd C string (str() of it, as CPython), or the default. */
static char *get_prompt(mv_thread *t, const char *name, const char *dflt) {
    Value v = mv_getattr_cstr(t, t->vm->sys_module, name);
    if (!v) {
        mv_err_clear(t);
        return strdup(dflt);
    }
    Value s = mv_str(t, v);
    MV_DECREF(v);
    if (!s) {
        mv_err_clear(t);
        return strdup(dflt);
    }
    char *r = strdup(mv_str_data(s));
    MV_DECREF(s);
    return r;
}

static void set_default_prompt(mv_thread *t, const char *name, const char *value) {
    Value sys = t->vm->sys_module;
    Value cur = mv_getattr_cstr(t, sys, name);
    if (cur) {
        MV_DECREF(cur);
        return;
    }
    mv_err_clear(t);
    Value s = mv_str_from_cstr(value);
    if (mv_module_add(t, sys, name, s) < 0) mv_err_clear(t);
    MV_DECREF(s);
}

static void print_banner(mv_thread *t, const char *version) {
    char interval[64] = "0.005";
    Value f = mv_getattr_cstr(t, t->vm->sys_module, "getswitchinterval");
    Value v = f ? mv_call0(t, f) : NULL;
    Value r = v ? mv_repr(t, v) : NULL;
    if (r) snprintf(interval, sizeof interval, "%s", mv_str_data(r));
    else mv_err_clear(t);
    MV_XDECREF(r);
    MV_XDECREF(v);
    MV_XDECREF(f);
    fprintf(stderr,
            "%s on linux\n"
            "The GIL switch interval is %s s (sys.getswitchinterval()); change it with\n"
            "sys.setswitchinterval(s) or minivm --switch-interval=S.  exit() or Ctrl-D leaves.\n",
            version, interval);
}

/* Print an exception the way the prompt does: flush what the program wrote first. */
static void report(mv_thread *t, Value exc) {
    mv_file_flush_all(t);
    mv_err_print_exception(t, exc);
    fflush(stderr);
}

int mv_repl_run(mv_thread *t, const char *banner_version) {
    mv_vm *vm = t->vm;
    Value main_mod = mv_dict_get_cstr(t, vm->modules, "__main__");
    if (!main_mod) {
        if (!mv_err_occurred(t)) mv_err_set(t, &mv_exc_RuntimeError, "no __main__ module");
        return -1;
    }
    Value globals = mv_module_dict(main_mod);
    MV_INCREF(globals);

    set_default_prompt(t, "ps1", ">>> ");
    set_default_prompt(t, "ps2", "... ");
    repl_vm = vm;
    /* without libedit (not installed), a terminal gets the plain line reader */
    use_libedit = isatty(0) && libedit_load();
    if (use_libedit) {
        setlocale(LC_CTYPE, ""); /* libedit edits wide characters: it needs the UTF-8 locale */
        *el.rl_catch_signals = 0; /* our SIGINT handler stays: repl_getc sees the flag */
        *el.rl_getc_function = repl_getc;
        *el.rl_instream = stdin;
        *el.rl_outstream = stdout;
        el.rl_initialize();
        el.rl_bind_key('\t', el.rl_insert); /* as CPython without a completer: Tab indents */
        history_start();
    }
    if (banner_version) print_banner(t, banner_version);

    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    int nlines = 0, rc = 0;
    bool compound = false;
    for (;;) {
        mv_file_flush_all(t);
        fflush(stdout);
        char *prompt = get_prompt(t, nlines ? "ps2" : "ps1", nlines ? "... " : ">>> ");
        char *line;
        int st = prompt_for_line(t, prompt, &line);
        free(prompt);
        if (st == LINE_INTR) {
            /* as CPython: the line is dropped, "KeyboardInterrupt" on a line of its own */
            fputs("\n", use_libedit ? stdout : stderr);
            fflush(stdout);
            fputs("KeyboardInterrupt\n", stderr);
            fflush(stderr);
            len = 0;
            nlines = 0;
            continue;
        }
        bool eof = st == LINE_EOF;
        if (eof) {
            /* as CPython: end the prompt's line; a pending block ends as with an empty line */
            fputs("\n", use_libedit ? stdout : stderr);
            fflush(use_libedit ? stdout : stderr);
            if (nlines == 0) break;
            line = strdup("");
        }
        if (use_libedit && !is_blank(line)) el.add_history(line);
        bool blank = is_blank(line);
        if (nlines == 0 && blank) {
            free(line);
            continue;
        }
        size_t n = strlen(line), before = len;
        if (len + n + 2 > cap) {
            while (len + n + 2 > cap) cap *= 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, line, n);
        len += n;
        buf[len++] = '\n';
        buf[len] = 0;
        if (nlines++ == 0) compound = starts_compound(line);
        free(line);

        /* An empty line ends the statement unless a bracket or string is open: compile what came
           before it (so that errors point where CPython's do); the line stays in the buffer in
           case it belongs to a string. */
        Value code = mv_compile(t, buf, blank ? before : len, "<stdin>", MV_COMPILE_SINGLE);
        if (!code) {
            Value exc = mv_err_fetch(t);
            int kind = classify_error(t, exc, blank ? nlines - 1 : nlines);
            if (!eof && (kind == ERR_OPEN || (kind == ERR_BLOCK && !blank))) {
                MV_DECREF(exc);
                continue; /* more lines */
            }
            len = 0;
            nlines = 0;
            report(t, exc);
            MV_DECREF(exc);
            continue;
        }
        if (compound && !blank) {
            MV_DECREF(code);
            continue; /* a block goes on until an empty line */
        }
        len = 0;
        nlines = 0;
        Value r = mv_eval_code(t, code, globals, NULL);
        MV_DECREF(code);
        if (r) {
            MV_DECREF(r);
            continue;
        }
        Value exc = mv_err_fetch(t);
        if (exc && mv_isinstance_of(exc, &mv_exc_SystemExit)) {
            mv_err_restore(t, exc);
            rc = -1;
            break;
        }
        if (exc) report(t, exc);
        MV_XDECREF(exc);
    }
    free(buf);
    MV_DECREF(globals);
    if (use_libedit) history_save();
    mv_file_flush_all(t);
    return rc;
}
