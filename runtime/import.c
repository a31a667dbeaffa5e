/* import.c: the import system: sys.modules, built-in C modules (mv_builtin_modules), frozen .mv
 * modules (mv_embedded_modules: code compiled at build time), then NAME.mv / NAME/__init__.mv in
 * sys.path (main script dir, MVPATH); packages and dotted names, relative imports, fromlist
 * semantics, partially initialized modules for circular imports; and running the main script as
 * __main__.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abstract.h"
#include "code.h"
#include "dict.h"
#include "exc.h"
#include "list.h"
#include "marshal.h"
#include "module.h"
#include "str.h"
#include "tuple.h"

/* ---- files and paths ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 16384, n = 0;
    char *buf = mv_malloc(cap);
    for (;;) {
        if (cap - n < 4096) buf = mv_realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* os.path.abspath: join with the cwd and normalize "." / ".." / "//" (no symlink resolution). */
static void abspath(const char *path, char *out, size_t size) {
    char tmp[PATH_MAX * 2];
    if (path[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
        snprintf(tmp, sizeof tmp, "%s/%s", cwd, path);
    }
    /* normalize into out */
    size_t n = 0;
    const char *p = tmp;
    out[0] = 0;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 1 && p[0] == '.') {
            /* skip */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (n > 0 && out[n - 1] != '/') n--;
            if (n > 0) n--;
        } else if (n + len + 2 < size) {
            out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
    }
    if (n == 0) out[n++] = '/';
    out[n] = 0;
}

/* ---- executing module code -------------------------------------------------------------------- */

/* Run a module body given as source (src, len, filename) or, for a frozen module, as the
   serialized code object compiled at build time (frozen != NULL: see tools/freeze.c). */
static int module_exec(mv_thread *t, Value m, const char *src, size_t len, const char *filename,
                       const mv_embedded_module *frozen) {
    Value dict = mv_module_dict(m);
    if (!mv_dict_get_cstr(t, dict, "__builtins__") &&
        mv_dict_set_cstr(t, dict, "__builtins__", t->vm->builtins_module) < 0)
        return -1;
    Value code;
    if (frozen) {
        code = mv_marshal_loads(t, frozen->code, frozen->code_size);
        if (code && MV_TYPE(code) != &mv_code_type) {
            MV_DECREF(code);
            code = mv_err_format(t, &mv_exc_SystemError, "frozen module %s: not a code object", frozen->name);
        }
    } else {
        code = mv_compile(t, src, len, filename, MV_COMPILE_EXEC);
    }
    if (!code) return -1;
    Value r = mv_eval_code(t, code, dict, NULL);
    MV_DECREF(code);
    if (!r) return -1;
    MV_DECREF(r);
    return 0;
}

int mv_module_exec_source(mv_thread *t, Value m, const char *src, size_t len, const char *filename) {
    return module_exec(t, m, src, len, filename, NULL);
}

static Value new_main_module(mv_thread *t) {
    Value m = mv_module_new(t, "__main__");
    if (!m) return NULL;
    if (mv_dict_set_cstr(t, t->vm->modules, "__main__", m) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}

static void path_insert0(mv_vm *vm, const char *dir) {
    Value path = vm->path;
    mv_list_append_steal(path, mv_str_from_cstr(dir));
    size_t n = mv_list_size(path);
    Value last = mv_list_items(path)[n - 1];
    memmove(mv_list_items(path) + 1, mv_list_items(path), (n - 1) * sizeof(Value));
    mv_list_items(path)[0] = last;
}

int mv_run_main_file(mv_thread *t, const char *path) {
    static char abs[PATH_MAX * 2];
    abspath(path, abs, sizeof abs);
    size_t len;
    char *src = read_file(abs, &len);
    if (!src) {
        Value fn = mv_str_from_cstr(abs);
        mv_err_errno(t, errno, fn);
        MV_DECREF(fn);
        return -1;
    }
    static char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s", abs);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = 0;
    else if (slash) *slash = 0;
    t->vm->main_dir = dir;
    path_insert0(t->vm, dir);
    Value m = new_main_module(t);
    int r = -1;
    if (m) {
        Value f = mv_str_from_cstr(abs);
        r = mv_module_add(t, m, "__file__", f);
        MV_DECREF(f);
        if (r == 0) r = mv_module_exec_source(t, m, src, len, abs);
        MV_DECREF(m);
    }
    mv_free(src);
    return r;
}

int mv_run_main_source(mv_thread *t, const char *src, size_t len, const char *filename) {
    path_insert0(t->vm, "");
    Value m = new_main_module(t);
    if (!m) return -1;
    int r = mv_module_exec_source(t, m, src, len, filename);
    MV_DECREF(m);
    return r;
}

/* ---- finding and loading one module ------------------------------------------------------------ */

static Value not_found(mv_thread *t, const char *fullname) {
    Value name = mv_str_from_cstr(fullname);
    Value msg = mv_str_fromf("No module named '%s'", fullname);
    Value args = mv_tuple_pack(1, msg);
    Value exc = mv_exc_new(t, &mv_exc_ModuleNotFoundError, args);
    MV_DECREF(args);
    MV_DECREF(msg);
    if (exc) {
        mv_dict_set_cstr(t, ((mv_exc *)exc)->dict, "name", name);
        mv_err_set_object(t, exc);
        MV_DECREF(exc);
    }
    MV_DECREF(name);
    return NULL;
}

/* Register m in sys.modules, run its source, drop it again on failure (as CPython). */
/* Modules whose body is running (for "partially initialized module" in circular imports). */
#define MAX_INIT 64
static Value initializing[MAX_INIT];
static int ninitializing;

static bool is_initializing(Value m) {
    for (int i = 0; i < ninitializing; i++)
        if (initializing[i] == m) return true;
    return false;
}

static Value exec_new_module(mv_thread *t, Value m, const char *fullname, const char *src, size_t len,
                             const char *filename, const mv_embedded_module *frozen) {
    if (mv_dict_set_cstr(t, t->vm->modules, fullname, m) < 0) return NULL;
    if (ninitializing < MAX_INIT) initializing[ninitializing] = m;
    ninitializing++;
    int rc = module_exec(t, m, src, len, filename, frozen);
    ninitializing--;
    if (rc < 0) {
        Value exc = mv_err_fetch(t);
        Value key = mv_str_from_cstr(fullname);
        if (mv_dict_get(t, t->vm->modules, key)) mv_dict_del(t, t->vm->modules, key);
        MV_DECREF(key);
        mv_err_clear(t);
        mv_err_restore(t, exc);
        return NULL;
    }
    /* the module may have replaced itself in sys.modules */
    Value final = mv_dict_get_cstr(t, t->vm->modules, fullname);
    return mv_newref(final ? final : m);
}

static const mv_embedded_module *find_embedded(const char *name) {
    for (const mv_embedded_module *e = mv_embedded_modules; e->name; e++)
        if (strcmp(e->name, name) == 0) return e;
    return NULL;
}

static bool embedded_is_package(const char *name) {
    size_t n = strlen(name);
    for (const mv_embedded_module *e = mv_embedded_modules; e->name; e++)
        if (strncmp(e->name, name, n) == 0 && e->name[n] == '.') return true;
    return false;
}

static Value load_embedded(mv_thread *t, const mv_embedded_module *e, const char *fullname) {
    Value m = mv_module_new(t, fullname);
    if (!m) return NULL;
    Value dict = mv_module_dict(m);
    bool pkg = embedded_is_package(fullname);
    const char *dot = strrchr(fullname, '.');
    Value package = pkg ? mv_str_from_cstr(fullname) : mv_str_new(fullname, dot ? (size_t)(dot - fullname) : 0);
    mv_dict_set_cstr(t, dict, "__package__", package);
    MV_DECREF(package);
    mv_dict_set_cstr(t, dict, "__frozen__", MV_TRUE);
    if (pkg) {
        Value l = mv_list_new(0);
        mv_dict_set_cstr(t, dict, "__path__", l);
        MV_DECREF(l);
    }
    char fname[256];
    snprintf(fname, sizeof fname, "<frozen %s>", fullname);
    Value r = exec_new_module(t, m, fullname, e->source, e->size, fname, e->code ? e : NULL);
    MV_DECREF(m);
    return r;
}

static Value load_file(mv_thread *t, const char *fullname, const char *file, const char *pkgdir) {
    char abs[PATH_MAX * 2];
    abspath(file, abs, sizeof abs);
    size_t len;
    char *src = read_file(abs, &len);
    if (!src) {
        Value fn = mv_str_from_cstr(abs);
        mv_err_errno(t, errno, fn);
        MV_DECREF(fn);
        return NULL;
    }
    Value m = mv_module_new(t, fullname);
    if (!m) {
        mv_free(src);
        return NULL;
    }
    Value dict = mv_module_dict(m);
    Value f = mv_str_from_cstr(abs);
    mv_dict_set_cstr(t, dict, "__file__", f);
    MV_DECREF(f);
    const char *dot = strrchr(fullname, '.');
    Value package = pkgdir ? mv_str_from_cstr(fullname) : mv_str_new(fullname, dot ? (size_t)(dot - fullname) : 0);
    mv_dict_set_cstr(t, dict, "__package__", package);
    MV_DECREF(package);
    if (pkgdir) {
        char pabs[PATH_MAX * 2];
        abspath(pkgdir, pabs, sizeof pabs);
        Value l = mv_list_new(0);
        mv_list_append_steal(l, mv_str_from_cstr(pabs));
        mv_dict_set_cstr(t, dict, "__path__", l);
        MV_DECREF(l);
    }
    Value r = exec_new_module(t, m, fullname, src, len, abs, NULL);
    MV_DECREF(m);
    mv_free(src);
    return r;
}

/* Search the directories of `paths` (a list of str) for NAME.mv or NAME/__init__.mv. */
static Value find_in_path(mv_thread *t, const char *fullname, const char *shortname, Value paths, bool *found) {
    *found = false;
    if (!paths || !mv_list_check(paths)) return NULL;
    char buf[PATH_MAX * 2 + 32], dirbuf[PATH_MAX * 2];
    for (size_t i = 0; i < mv_list_size(paths); i++) {
        Value d = mv_list_items(paths)[i];
        if (!mv_str_check(d)) continue;
        const char *dir = mv_str_data(d);
        const char *sep = *dir ? "/" : "";
        snprintf(dirbuf, sizeof dirbuf, "%s%s%s", dir, sep, shortname);
        snprintf(buf, sizeof buf, "%s/__init__.mv", dirbuf);
        if (is_dir(dirbuf) && is_file(buf)) {
            *found = true;
            return load_file(t, fullname, buf, dirbuf);
        }
        snprintf(buf, sizeof buf, "%s%s%s.mv", dir, sep, shortname);
        if (is_file(buf)) {
            *found = true;
            return load_file(t, fullname, buf, NULL);
        }
    }
    return NULL;
}

/* Import one module whose parent (if any) is already imported. Returns a new ref. */
static Value import_one(mv_thread *t, const char *fullname, Value parent) {
    Value m = mv_dict_get_cstr(t, t->vm->modules, fullname);
    if (m) return mv_newref(m);
    if (mv_err_occurred(t)) return NULL;
    for (const mv_builtin_module *b = mv_builtin_modules; b->name; b++) {
        if (strcmp(b->name, fullname) == 0) {
            m = b->init(t);
            if (!m) return NULL;
            /* an init may have registered itself (and submodules) already */
            if (!mv_dict_get_cstr(t, t->vm->modules, fullname) &&
                mv_dict_set_cstr(t, t->vm->modules, fullname, m) < 0) {
                MV_DECREF(m);
                return NULL;
            }
            return m;
        }
    }
    const mv_embedded_module *e = find_embedded(fullname);
    if (e) return load_embedded(t, e, fullname);
    const char *dot = strrchr(fullname, '.');
    const char *shortname = dot ? dot + 1 : fullname;
    Value paths = t->vm->path;
    if (parent) {
        paths = mv_dict_get_cstr(t, mv_module_dict(parent), "__path__");
        if (!paths) {
            if (mv_err_occurred(t)) return NULL;
            char buf[512];
            snprintf(buf, sizeof buf, "No module named '%s'; '%.*s' is not a package", fullname,
                     (int)(dot - fullname), fullname);
            Value msg = mv_str_from_cstr(buf);
            mv_err_set_value(t, &mv_exc_ModuleNotFoundError, msg);
            MV_DECREF(msg);
            return NULL;
        }
    }
    bool found;
    m = find_in_path(t, fullname, shortname, paths, &found);
    if (found) return m;
    return not_found(t, fullname);
}

/* Import every prefix of a dotted name; returns the leaf (new ref). */
static Value import_dotted(mv_thread *t, const char *name) {
    Value cached = mv_dict_get_cstr(t, t->vm->modules, name);
    if (cached) return mv_newref(cached);
    Value parent = NULL;
    size_t n = strlen(name);
    char *buf = mv_malloc(n + 1);
    size_t start = 0;
    for (;;) {
        const char *dot = strchr(name + start, '.');
        size_t end = dot ? (size_t)(dot - name) : n;
        memcpy(buf, name, end);
        buf[end] = 0;
        Value m = import_one(t, buf, parent);
        if (!m) {
            MV_XDECREF(parent);
            mv_free(buf);
            return NULL;
        }
        if (parent) {
            /* bind the submodule as an attribute of its parent package */
            Value attr = mv_str_from_cstr(buf + start);
            mv_setattr(t, parent, attr, m);
            MV_DECREF(attr);
            if (mv_err_occurred(t)) mv_err_clear(t);
            MV_DECREF(parent);
        }
        parent = m;
        if (!dot) break;
        start = end + 1;
    }
    mv_free(buf);
    return parent;
}

/* The package that relative imports in the running code are relative to. */
static Value current_package(mv_thread *t) {
    if (!t->frame || !t->frame->globals) return NULL;
    Value g = t->frame->globals;
    Value pkg = mv_dict_get_cstr(t, g, "__package__");
    if (pkg && mv_str_check(pkg)) return mv_newref(pkg);
    Value name = mv_dict_get_cstr(t, g, "__name__");
    if (!name || !mv_str_check(name)) return NULL;
    if (mv_dict_get_cstr(t, g, "__path__")) return mv_newref(name);
    const char *s = mv_str_data(name);
    const char *dot = strrchr(s, '.');
    return mv_str_new(s, dot ? (size_t)(dot - s) : 0);
}

static Value resolve_name(mv_thread *t, Value name, int level) {
    Value pkg = current_package(t);
    if (!pkg || mv_str_size(pkg) == 0) {
        MV_XDECREF(pkg);
        return mv_err_set(t, &mv_exc_ImportError, "attempted relative import with no known parent package");
    }
    const char *p = mv_str_data(pkg);
    size_t end = mv_str_size(pkg);
    for (int i = 1; i < level; i++) {
        while (end > 0 && p[end - 1] != '.') end--;
        if (end == 0) {
            MV_DECREF(pkg);
            return mv_err_set(t, &mv_exc_ImportError, "attempted relative import beyond top-level package");
        }
        end--;
    }
    Value r;
    if (name && mv_str_size(name)) r = mv_str_fromf("%.*s.%s", (int)end, p, mv_str_data(name));
    else r = mv_str_new(p, end);
    MV_DECREF(pkg);
    return r;
}

static bool fromlist_empty(Value fromlist) {
    if (!fromlist || fromlist == MV_NONE) return true;
    if (mv_tuple_check(fromlist)) return mv_tuple_size(fromlist) == 0;
    if (mv_list_check(fromlist)) return mv_list_size(fromlist) == 0;
    return false;
}

/* from pkg import a, b: import submodules that are not attributes yet */
static int handle_fromlist(mv_thread *t, Value m, Value fromlist) {
    Value dict = mv_module_check_dict(m);
    if (!dict || !mv_dict_get_cstr(t, dict, "__path__")) return 0;
    Value seq = mv_sequence_tuple(t, fromlist);
    if (!seq) return -1;
    Value mname = mv_dict_get_cstr(t, dict, "__name__");
    for (size_t i = 0; i < mv_tuple_size(seq); i++) {
        Value x = MV_TUPLE_GET(seq, i);
        if (!mv_str_check(x) || mv_str_eq_cstr(x, "*")) continue;
        if (mv_dict_get_str(dict, x)) continue;
        if (!mname || !mv_str_check(mname)) continue;
        Value full = mv_str_fromf("%s.%s", mv_str_data(mname), mv_str_data(x));
        Value sub = import_dotted(t, mv_str_data(full));
        if (!sub) {
            /* a missing submodule is fine: IMPORT_FROM reports the missing name */
            if (mv_err_matches(t, &mv_exc_ModuleNotFoundError)) {
                mv_exc *e = (mv_exc *)t->curexc;
                Value nm = e->dict ? mv_dict_get_cstr(t, e->dict, "name") : NULL;
                if (nm && mv_str_check(nm) && mv_str_eq(nm, full)) mv_err_clear(t);
            }
            MV_DECREF(full);
            if (mv_err_occurred(t)) {
                MV_DECREF(seq);
                return -1;
            }
            continue;
        }
        MV_DECREF(sub);
        MV_DECREF(full);
    }
    MV_DECREF(seq);
    return 0;
}

Value mv_module_check_dict(Value m) {
    if (MV_IS_SMALL(m) || !mv_isinstance_of(m, &mv_module_type)) return NULL;
    return mv_module_dict(m);
}

Value mv_import(mv_thread *t, Value name, Value fromlist, int level) {
    Value absname;
    if (level > 0) {
        absname = resolve_name(t, name, level);
        if (!absname) return NULL;
    } else {
        if (!name || mv_str_size(name) == 0) return mv_err_set(t, &mv_exc_ValueError, "Empty module name");
        absname = mv_newref(name);
    }
    Value m = import_dotted(t, mv_str_data(absname));
    if (!m) {
        MV_DECREF(absname);
        return NULL;
    }
    if (fromlist_empty(fromlist)) {
        if (level == 0) {
            const char *s = mv_str_data(absname);
            const char *dot = strchr(s, '.');
            if (dot) {
                /* `import a.b.c` binds a */
                Value top_name = mv_str_new(s, (size_t)(dot - s));
                Value top = mv_dict_get(t, t->vm->modules, top_name);
                MV_DECREF(top_name);
                if (top) {
                    MV_DECREF(m);
                    m = mv_newref(top);
                }
            }
        }
        MV_DECREF(absname);
        return m;
    }
    MV_DECREF(absname);
    if (handle_fromlist(t, m, fromlist) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    return m;
}

Value mv_import_cstr(mv_thread *t, const char *name) {
    return import_dotted(t, name);
}

Value mv_import_from(mv_thread *t, Value module, Value name) {
    Value v = mv_getattr_opt(t, module, name);
    if (v || mv_err_occurred(t)) return v;
    Value dict = mv_module_check_dict(module);
    Value mname = dict ? mv_dict_get_cstr(t, dict, "__name__") : NULL;
    if (mname && mv_str_check(mname)) {
        /* a submodule imported as a side effect of a circular import */
        Value full = mv_str_fromf("%s.%s", mv_str_data(mname), mv_str_data(name));
        Value sub = mv_dict_get(t, t->vm->modules, full);
        MV_DECREF(full);
        if (sub) return mv_newref(sub);
        Value file = mv_dict_get_cstr(t, dict, "__file__");
        Value msg;
        if (is_initializing(module))
            msg = mv_str_fromf("cannot import name '%s' from partially initialized module '%s' "
                               "(most likely due to a circular import) (%s)",
                               mv_str_data(name), mv_str_data(mname),
                               file && mv_str_check(file) ? mv_str_data(file) : "unknown location");
        else if (file && mv_str_check(file))
            msg = mv_str_fromf("cannot import name '%s' from '%s' (%s)", mv_str_data(name), mv_str_data(mname),
                               mv_str_data(file));
        else
            msg = mv_str_fromf("cannot import name '%s' from '%s' (unknown location)", mv_str_data(name),
                               mv_str_data(mname));
        Value args = mv_tuple_pack(1, msg);
        MV_DECREF(msg);
        Value exc = mv_exc_new(t, &mv_exc_ImportError, args);
        MV_DECREF(args);
        if (exc) {
            mv_dict_set_cstr(t, ((mv_exc *)exc)->dict, "name", mname);
            if (file) mv_dict_set_cstr(t, ((mv_exc *)exc)->dict, "path", file);
            mv_err_set_object(t, exc);
            MV_DECREF(exc);
        }
        return NULL;
    }
    return mv_err_format(t, &mv_exc_ImportError, "cannot import name '%U'", name);
}
