/* module.h: module objects, the import system (built-in C modules, embedded .mv modules,
 * .mv files next to the main script and on MVPATH), and the table of built-in modules.
 */
#ifndef MV_MODULE_H
#define MV_MODULE_H

#include "vm.h"

typedef struct {
    mv_object ob;
    Value dict; /* the module namespace: __name__, __file__, ... */
    Value name; /* str */
} mv_module;

extern mv_type mv_module_type;

Value mv_module_new(mv_thread *t, const char *name);   /* dict has __name__, __doc__=None */
Value mv_module_dict(Value m);
int mv_module_add(mv_thread *t, Value m, const char *name, Value v); /* increfs v */
int mv_module_add_methods(mv_thread *t, Value m, const mv_method_def *defs);
/* The same, the functions naming `modname` as their module (__module__, error messages) rather
   than m: CPython's os functions are posix's. */
int mv_module_add_methods_as(mv_thread *t, Value m, const mv_method_def *defs, const char *modname);

/* import name (dotted: "os.path"); returns the top-level module unless fromlist is given, as
   __import__ does.  ModuleNotFoundError: No module named 'x' */
Value mv_import(mv_thread *t, Value name, Value fromlist, int level);
Value mv_import_cstr(mv_thread *t, const char *name); /* returns the named (leaf) module */
/* IMPORT_FROM: module.name, else an already-imported submodule module.name, else ImportError
   "cannot import name 'x' from 'm' (/path/m.mv)". */
Value mv_import_from(mv_thread *t, Value module, Value name);
/* The namespace dict of a module object, or NULL if m is not a module (borrowed). */
Value mv_module_check_dict(Value m);

/* A built-in C module: its init creates and fills the module object. */
typedef struct {
    const char *name;
    Value (*init)(mv_thread *t);
} mv_builtin_module;
extern const mv_builtin_module mv_builtin_modules[]; /* stdlib/modules.c, NULL-terminated */

/* The frozen stdlib .mv modules (generated at build time by tools/freeze.c from the stdlib/NAME.mv
   files): the code compiled as "<frozen NAME>" and serialized by marshal.c, which import runs
   instead of compiling the source; the source stays for the lines of tracebacks. */
typedef struct {
    const char *name;
    const char *source;
    size_t size;
    const unsigned char *code; /* mv_marshal_dumps of the module's code; NULL = compile source */
    size_t code_size;
} mv_embedded_module;
extern const mv_embedded_module mv_embedded_modules[]; /* NULL-terminated */

/* The builtins module (stdlib/builtins.c) and the sys module (stdlib/sys.c), created by mv_vm_new. */
Value mv_builtins_module_init(mv_thread *t);
Value mv_sys_module_init(mv_thread *t);

/* Run a file as __main__ (main.c, the REPL's -i): returns 0 ok, -1 with exception set. */
int mv_run_main_file(mv_thread *t, const char *path);
/* Run source text as __main__ (-c: filename "<string>", stdin: "<stdin>"); sys.path[0] = ''. */
int mv_run_main_source(mv_thread *t, const char *src, size_t len, const char *filename);
/* Run source as the body of module `m` (its dict gets __file__ if filename is a real path). */
int mv_module_exec_source(mv_thread *t, Value m, const char *src, size_t len, const char *filename);

#endif
