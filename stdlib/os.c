/* os.c: the os module (environment, working directory, files and directories, process ids,
 * urandom, stat) and os.path (posixpath's pure string functions plus the ones asking the file
 * system).  os.path is a real submodule registered in sys.modules as "os.path".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "procsig.h"
#include "set.h"
#include "str.h"
#include "tuple.h"

extern char **environ;

/* ---- helpers ------------------------------------------------------------------------------------ */

static const char *path_arg(mv_thread *t, Value v, const char *fname, const char *argname) {
    if (mv_str_check(v)) return mv_str_data(v);
    if (mv_bytes_check(v)) return (const char *)mv_bytes_data(v);
    if (fname)
        mv_err_format(t, &mv_exc_TypeError, "%s: %s should be string, bytes or os.PathLike, not %T", fname, argname, v);
    else
        mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", v);
    return NULL;
}

static Value os_error2(mv_thread *t, int err, Value f1, Value f2) {
    Value msg = mv_str_from_cstr(strerror(err));
    Value args = mv_tuple_pack(5, MV_FROM_SMALL(err), msg, f1, MV_NONE, f2);
    MV_DECREF(msg);
    Value exc = mv_exc_new(t, &mv_exc_OSError, args);
    MV_DECREF(args);
    if (exc) {
        mv_err_set_object(t, exc);
        MV_DECREF(exc);
    }
    return NULL;
}

static Value none(void) { return mv_newref(MV_NONE); }

/* ---- os ------------------------------------------------------------------------------------------- */

static Value os_getcwd(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) return mv_err_errno(t, errno, NULL);
    return mv_str_from_cstr(buf);
}

static Value os_chdir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "chdir", nargs, 1, 1) < 0) return NULL;
    const char *p = path_arg(t, args[0], "chdir", "path");
    if (!p) return NULL;
    if (chdir(p) < 0) return mv_err_errno(t, errno, args[0]);
    return none();
}

static Value os_getenv(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"key", "default", NULL};
    Value a[2];
    if (mv_parse_args(t, "getenv", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (!mv_str_check(a[0])) return mv_err_format(t, &mv_exc_TypeError, "str expected, not %T", a[0]);
    Value mod = mv_import_cstr(t, "os");
    if (!mod) return NULL;
    Value env = mv_dict_get_cstr(t, mv_module_dict(mod), "environ");
    Value r = NULL;
    if (env) {
        Value ga[2] = {a[0], a[1] ? a[1] : MV_NONE};
        r = mv_call_method(t, env, "get", ga, 2);
    } else if (!mv_err_occurred(t)) {
        r = mv_newref(a[1] ? a[1] : MV_NONE);
    }
    MV_DECREF(mod);
    return r;
}

/* putenv/unsetenv change the process environment (what children inherit), not os.environ */
static const char *env_name(mv_thread *t, Value v) {
    const char *k = path_arg(t, v, NULL, NULL);
    if (k && strchr(k, '=')) {
        mv_err_set(t, &mv_exc_ValueError, "illegal environment variable name");
        return NULL;
    }
    return k;
}

static Value os_putenv(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "putenv", nargs, 2, 2) < 0) return NULL;
    const char *k = env_name(t, args[0]), *v = k ? path_arg(t, args[1], NULL, NULL) : NULL;
    if (!k || !v) return NULL;
    if (setenv(k, v, 1) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_unsetenv(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "unsetenv", nargs, 1, 1) < 0) return NULL;
    const char *k = env_name(t, args[0]);
    if (!k) return NULL;
    if (unsetenv(k) < 0) return mv_err_errno(t, errno, NULL);
    return none();
}

static Value os_fspath(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"path", NULL};
    Value a[1];
    if (mv_parse_args(t, "fspath", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    if (mv_str_check(a[0]) || mv_bytes_check(a[0])) return mv_newref(a[0]);
    Value r = mv_call_method(t, a[0], "__fspath__", NULL, 0);
    if (!r) {
        if (!mv_err_matches(t, &mv_exc_AttributeError)) return NULL;
        mv_err_clear(t);
        return mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", a[0]);
    }
    if (!mv_str_check(r) && !mv_bytes_check(r)) {
        mv_err_format(t, &mv_exc_TypeError, "expected %T.__fspath__() to return str or bytes, not %T", a[0], r);
        MV_DECREF(r);
        return NULL;
    }
    return r;
}

/* the MutableMapping methods os._Environ inherits in CPython, on their lines of
   "<frozen _collections_abc>" */
typedef struct {
    int line;
    const char *text;
} src_chunk;

static const src_chunk environ_abc_src[] = {
    {770, "class _EnvironBase:\n"
          "    def get(self, key, default=None):\n"
          "        'D.get(k[,d]) -> D[k] if k in D, else d.  d defaults to None.'\n"
          "        try:\n"
          "            return self[key]\n"
          "        except KeyError:\n"
          "            return default\n"
          "\n"
          "    def __contains__(self, key):\n"
          "        try:\n"
          "            self[key]\n"
          "        except KeyError:\n"
          "            return False\n"
          "        else:\n"
          "            return True\n"
          "\n"
          "    def keys(self):\n"
          "        return self._data.keys()\n"
          "\n"
          "    def items(self):\n"
          "        return self._data.items()\n"
          "\n"
          "    def values(self):\n"
          "        return self._data.values()\n"
          "\n"
          "    def __eq__(self, other):\n"
          "        if isinstance(other, _Environ):\n"
          "            other = other._data\n"
          "        if not isinstance(other, dict):\n"
          "            return NotImplemented\n"
          "        return self._data == other\n"
          "\n"
          "    __hash__ = None\n"},
    {905, "    __marker = object()\n"
          "\n"
          "    def pop(self, key, default=__marker):\n"
          "        try:\n"
          "            value = self[key]\n"
          "        except KeyError:\n"
          "            if default is self.__marker:\n"
          "                raise\n"
          "            return default\n"
          "        else:\n"
          "            del self[key]\n"
          "            return value\n"
          "\n"
          "    def popitem(self):\n"
          "        try:\n"
          "            key = next(iter(self))\n"
          "        except StopIteration:\n"
          "            raise KeyError from None\n"
          "        value = self[key]\n"
          "        del self[key]\n"
          "        return key, value\n"
          "\n"
          "    def clear(self):\n"
          "        try:\n"
          "            while True:\n"
          "                self.popitem()\n"
          "        except KeyError:\n"
          "            pass\n"
          "\n"
          "    def update(self, other=(), /, **kwds):\n"
          "        if hasattr(other, 'keys'):\n"
          "            for key in other.keys():\n"
          "                self[key] = other[key]\n"
          "        else:\n"
          "            for key, value in other:\n"
          "                self[key] = value\n"
          "        for key, value in kwds.items():\n"
          "            self[key] = value\n"},
};

/* os.environ: CPython's os._Environ (a mapping that calls putenv/unsetenv), placed on the same
   lines of "<frozen os>" so that tracebacks through it read as CPython's. */
static const src_chunk environ_src[] = {
    {666, "class _Environ(_EnvironBase):\n"
          "    def __init__(self, data):\n"
          "        self._data = data\n"},
    {674, "    def __getitem__(self, key):\n"
          "        try:\n"
          "            value = self._data[_encode(key)]\n"
          "        except KeyError:\n"
          "            # raise KeyError with the original key value\n"
          "            raise KeyError(key) from None\n"
          "        return value\n"
          "\n"
          "    def __setitem__(self, key, value):\n"
          "        key = _encode(key)\n"
          "        value = _encode(value)\n"
          "        putenv(key, value)\n"
          "        self._data[key] = value\n"
          "\n"
          "    def __delitem__(self, key):\n"
          "        encodedkey = _encode(key)\n"
          "        unsetenv(encodedkey)\n"
          "        try:\n"
          "            del self._data[encodedkey]\n"
          "        except KeyError:\n"
          "            # raise KeyError with the original key value\n"
          "            raise KeyError(key) from None\n"
          "\n"
          "    def __iter__(self):\n"
          "        return iter(list(self._data))\n"
          "\n"
          "    def __len__(self):\n"
          "        return len(self._data)\n"
          "\n"
          "    def __repr__(self):\n"
          "        formatted_items = ', '.join(\n"
          "            f'{key!r}: {value!r}'\n"
          "            for key, value in self._data.items()\n"
          "        )\n"
          "        return f'environ({{{formatted_items}}})'\n"
          "\n"
          "    def copy(self):\n"
          "        return dict(self._data)\n"
          "\n"
          "    def setdefault(self, key, value):\n"
          "        if key not in self:\n"
          "            self[key] = value\n"
          "        return self[key]\n"
          "\n"
          "    def __ior__(self, other):\n"
          "        self.update(other)\n"
          "        return self\n"
          "\n"
          "    def __or__(self, other):\n"
          "        if not hasattr(other, 'keys'):\n"
          "            return NotImplemented\n"
          "        new = dict(self._data)\n"
          "        new.update(other)\n"
          "        return new\n"},
    {756, "def encode(value):\n"
          "    if not isinstance(value, str):\n"
          "        raise TypeError(\"str expected, not %s\" % type(value).__name__)\n"
          "    return value\n"
          "_encode = encode\n"
          "environ = _Environ(_environ_data)\n"
          "del _environ_data, _EnvironBase, encode\n"},
};

/* Run chunks of source placed at the given line numbers of `filename` in module m. */
static int exec_at_lines(mv_thread *t, Value m, const src_chunk *c, size_t n, const char *filename) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    int line = 1;
    for (size_t i = 0; i < n; i++) {
        for (; line < c[i].line; line++) mv_strbuf_addc(&b, '\n');
        for (const char *p = c[i].text; *p; p++)
            if (*p == '\n') line++;
        mv_strbuf_adds(&b, c[i].text);
    }
    Value src = mv_strbuf_finish(&b);
    int r = mv_module_exec_source(t, m, mv_str_data(src), mv_str_size(src), filename);
    MV_DECREF(src);
    return r;
}

static int make_environ(mv_thread *t, Value m) {
    Value env = mv_dict_new();
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        Value k = mv_str_decode_utf8(t, *e, (size_t)(eq - *e), "surrogateescape");
        Value v = mv_str_decode_utf8(t, eq + 1, strlen(eq + 1), "surrogateescape");
        if (k && v) mv_dict_set(t, env, k, v);
        else mv_err_clear(t);
        MV_XDECREF(k);
        MV_XDECREF(v);
    }
    int r = mv_module_add(t, m, "_environ_data", env);
    MV_DECREF(env);
    if (r < 0) return -1;
    if (exec_at_lines(t, m, environ_abc_src, sizeof environ_abc_src / sizeof environ_abc_src[0],
                      "<frozen _collections_abc>") < 0)
        return -1;
    return exec_at_lines(t, m, environ_src, sizeof environ_src / sizeof environ_src[0], "<frozen os>");
}

static Value os_listdir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "listdir", nargs, 0, 1) < 0) return NULL;
    const char *p = ".";
    if (nargs && args[0] != MV_NONE && !(p = path_arg(t, args[0], "listdir", "path"))) return NULL;
    DIR *d = opendir(p);
    if (!d) return mv_err_errno(t, errno, nargs ? args[0] : NULL);
    Value list = mv_list_new(0);
    bool bytes = nargs && mv_bytes_check(args[0]);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        Value s = bytes ? mv_bytes_new(de->d_name, strlen(de->d_name))
                        : mv_str_decode_utf8(t, de->d_name, strlen(de->d_name), "surrogateescape");
        if (!s) {
            closedir(d);
            MV_DECREF(list);
            return NULL;
        }
        mv_list_append_steal(list, s);
    }
    closedir(d);
    return list;
}

static Value os_mkdir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"path", "mode", "$dir_fd", NULL};
    Value a[3];
    if (mv_parse_args(t, "mkdir", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    const char *p = path_arg(t, a[0], "mkdir", "path");
    if (!p) return NULL;
    int64_t mode = 0777;
    if (a[1] && mv_index_int64(t, a[1], &mode) < 0) return NULL;
    if (mkdir(p, (mode_t)mode) < 0) return mv_err_errno(t, errno, a[0]);
    return none();
}

static int makedirs(const char *p, mode_t mode, bool exist_ok, int *err) {
    struct stat st;
    if (stat(p, &st) == 0) {
        if (exist_ok && S_ISDIR(st.st_mode)) return 0;
        *err = EEXIST;
        return -1;
    }
    char *copy = strdup(p);
    size_t n = strlen(copy);
    while (n > 1 && copy[n - 1] == '/') copy[--n] = 0;
    char *slash = strrchr(copy, '/');
    if (slash && slash != copy) {
        *slash = 0;
        if (stat(copy, &st) != 0) {
            if (makedirs(copy, mode, true, err) < 0) {
                free(copy);
                return -1;
            }
        }
    }
    free(copy);
    if (mkdir(p, mode) < 0) {
        if (errno == EEXIST && exist_ok && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
        *err = errno;
        return -1;
    }
    return 0;
}

static Value os_makedirs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"name", "mode", "exist_ok", NULL};
    Value a[3];
    if (mv_parse_args(t, "makedirs", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    const char *p = path_arg(t, a[0], "makedirs", "name");
    if (!p) return NULL;
    int64_t mode = 0777;
    if (a[1] && mv_index_int64(t, a[1], &mode) < 0) return NULL;
    int ok = a[2] ? mv_truthy(t, a[2]) : 0;
    if (ok < 0) return NULL;
    int err = 0;
    if (makedirs(p, (mode_t)mode, ok, &err) < 0) return mv_err_errno(t, err, a[0]);
    return none();
}

static Value os_remove(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "remove", nargs, 1, 1) < 0) return NULL;
    const char *p = path_arg(t, args[0], "remove", "path");
    if (!p) return NULL;
    if (unlink(p) < 0) return mv_err_errno(t, errno, args[0]);
    return none();
}

static Value os_rmdir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "rmdir", nargs, 1, 1) < 0) return NULL;
    const char *p = path_arg(t, args[0], "rmdir", "path");
    if (!p) return NULL;
    if (rmdir(p) < 0) return mv_err_errno(t, errno, args[0]);
    return none();
}

static Value os_rename(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "rename", nargs, 2, 2) < 0) return NULL;
    const char *a = path_arg(t, args[0], "rename", "src");
    if (!a) return NULL;
    const char *b = path_arg(t, args[1], "rename", "dst");
    if (!b) return NULL;
    if (rename(a, b) < 0) return os_error2(t, errno, args[0], args[1]);
    return none();
}

static Value os_getpid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(getpid());
}
static Value os_getppid(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(getppid());
}
static Value os_cpu_count(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return none();
    return mv_int_from_i64(n);
}

/* The sched_* functions' arguments: `nargs` positional ones, the first a pid (an index, with
   CPython's pid_t converter's errors). */
static int sched_args(mv_thread *t, const char *name, Value *args, size_t nargs, Value kwnames, size_t want,
                      pid_t *pid) {
    if (mv_check_no_kwargs(t, name, kwnames) < 0) return -1;
    /* CPython's two messages: sched_getaffinity is a one-argument function named with its
       module, sched_setaffinity an argument-clinic one */
    if (want == 1 && mv_check_nargs(t, "posix.sched_getaffinity", nargs, 1, 1) < 0) return -1;
    if (want == 2 && nargs != 2) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes exactly 2 arguments (%d given)", name, (int)nargs);
        return -1;
    }
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) {
        if (mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C long");
        }
        return -1;
    }
    if (n < INT_MIN || n > INT_MAX) {
        mv_err_set(t, &mv_exc_OverflowError,
                   n < 0 ? "signed integer is less than minimum" : "signed integer is greater than maximum");
        return -1;
    }
    *pid = (pid_t)n;
    return 0;
}

static Value os_sched_getaffinity(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pid_t pid;
    if (sched_args(t, "sched_getaffinity", args, nargs, kwnames, 1, &pid) < 0) return NULL;
    cpu_set_t cpus;
    if (sched_getaffinity(pid, sizeof cpus, &cpus) < 0) return mv_err_errno(t, errno, NULL);
    Value set = mv_set_new(t, NULL);
    if (!set) return NULL;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &cpus)) continue;
        Value n = mv_int_from_i64(cpu);
        int r = mv_set_add(t, set, n);
        MV_DECREF(n);
        if (r < 0) {
            MV_DECREF(set);
            return NULL;
        }
    }
    return set;
}

/* sched_setaffinity(pid, mask): mask is an iterable of CPU numbers.  A CPU beyond what cpu_set_t
   holds exists on no machine we run on: the kernel's EINVAL, as CPython gets it. */
static Value os_sched_setaffinity(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    pid_t pid;
    if (sched_args(t, "sched_setaffinity", args, nargs, kwnames, 2, &pid) < 0) return NULL;
    Value it = mv_iter(t, args[1]);
    if (!it) return NULL;
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    bool beyond = false;
    Value item;
    while ((item = mv_next(t, it))) {
        int64_t cpu;
        int r = -1;
        if (!mv_int_check(item))
            mv_err_format(t, &mv_exc_TypeError, "expected an iterator of ints, but iterator yielded %R",
                          (Value)item->type);
        else if (mv_int_as_i64(t, item, &cpu) < 0) {
            if (mv_err_matches(t, &mv_exc_OverflowError)) {
                mv_err_clear(t);
                mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C long");
            }
        } else if (cpu < 0)
            mv_err_set(t, &mv_exc_ValueError, "negative CPU number");
        else {
            r = 0;
            if (cpu >= CPU_SETSIZE) beyond = true;
            else CPU_SET((int)cpu, &cpus);
        }
        MV_DECREF(item);
        if (r < 0) {
            MV_DECREF(it);
            return NULL;
        }
    }
    MV_DECREF(it);
    if (mv_err_occurred(t)) return NULL;
    if (beyond) return mv_err_errno(t, EINVAL, NULL);
    if (sched_setaffinity(pid, sizeof cpus, &cpus) < 0) return mv_err_errno(t, errno, NULL);
    mv_spin_recheck();
    return none();
}

static Value os_urandom(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "urandom", nargs, 1, 1) < 0) return NULL;
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) return NULL;
    if (n < 0) return mv_err_set(t, &mv_exc_ValueError, "negative argument not allowed");
    unsigned char *buf = mv_malloc((size_t)n + 1);
    size_t got = 0;
    while (got < (size_t)n) {
        ssize_t r = getrandom(buf + got, (size_t)n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            mv_free(buf);
            return mv_err_errno(t, errno, NULL);
        }
        got += (size_t)r;
    }
    Value b = mv_bytes_new(buf, (size_t)n);
    mv_free(buf);
    return b;
}

static Value os_strerror(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "strerror", nargs, 1, 1) < 0) return NULL;
    int64_t n;
    if (mv_index_int64(t, args[0], &n) < 0) return NULL;
    return mv_str_from_cstr(strerror((int)n));
}

/* os.stat_result: a 10-tuple subclass with st_* attributes (float times as attributes) */
#define SR_FIELDS 10
#define SR_SLOTS 13
static const char *const sr_names[SR_SLOTS] = {"st_mode", "st_ino", "st_dev", "st_nlink", "st_uid",
                                               "st_gid", "st_size", "st_atime", "st_mtime", "st_ctime",
                                               "st_atime_f", "st_mtime_f", "st_ctime_f"};
extern mv_type mv_stat_result_type;
static Value sr_get(Value self, int i) {
    Value v = ((mv_tuple *)self)->items[i];
    return mv_newref(v ? v : MV_NONE);
}
#define SR_GETTER(i) static Value sr_get_##i(mv_thread *t, Value self) { return sr_get(self, i); }
SR_GETTER(0) SR_GETTER(1) SR_GETTER(2) SR_GETTER(3) SR_GETTER(4) SR_GETTER(5) SR_GETTER(6)
SR_GETTER(10) SR_GETTER(11) SR_GETTER(12)
static const mv_getset_def sr_getsets[] = {
    {"st_mode", sr_get_0, NULL}, {"st_ino", sr_get_1, NULL}, {"st_dev", sr_get_2, NULL},
    {"st_nlink", sr_get_3, NULL}, {"st_uid", sr_get_4, NULL}, {"st_gid", sr_get_5, NULL},
    {"st_size", sr_get_6, NULL}, {"st_atime", sr_get_10, NULL}, {"st_mtime", sr_get_11, NULL},
    {"st_ctime", sr_get_12, NULL}, {NULL, NULL, NULL},
};
static void sr_dealloc(Value self) {
    for (int i = 0; i < SR_SLOTS; i++) MV_XDECREF(((mv_tuple *)self)->items[i]);
}
static Value sr_repr(mv_thread *t, Value self) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "os.stat_result(");
    for (int i = 0; i < SR_FIELDS; i++) {
        if (i) mv_strbuf_adds(&b, ", ");
        mv_strbuf_adds(&b, sr_names[i]);
        mv_strbuf_addc(&b, '=');
        if (mv_strbuf_add_value_repr(t, &b, ((mv_tuple *)self)->items[i]) < 0) {
            mv_strbuf_free(&b);
            return NULL;
        }
    }
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
}
mv_type mv_stat_result_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "stat_result",
    .basicsize = sizeof(mv_tuple) + SR_SLOTS * sizeof(Value),
    .flags = MV_TPFLAG_TUPLE_SUBCLASS,
    .base = &mv_tuple_type,
    .dealloc = sr_dealloc,
    .repr = sr_repr,
    .getsets = sr_getsets,
};

static Value make_stat(const struct stat *st) {
    mv_tuple *tp = (mv_tuple *)mv_object_new_sized(&mv_stat_result_type, sizeof(mv_tuple) + SR_SLOTS * sizeof(Value));
    tp->size = SR_FIELDS;
    tp->hash = -1;
    tp->items[0] = mv_int_from_i64(st->st_mode);
    tp->items[1] = mv_int_from_u64(st->st_ino);
    tp->items[2] = mv_int_from_u64(st->st_dev);
    tp->items[3] = mv_int_from_i64((int64_t)st->st_nlink);
    tp->items[4] = mv_int_from_i64(st->st_uid);
    tp->items[5] = mv_int_from_i64(st->st_gid);
    tp->items[6] = mv_int_from_i64(st->st_size);
    tp->items[7] = mv_int_from_i64(st->st_atim.tv_sec);
    tp->items[8] = mv_int_from_i64(st->st_mtim.tv_sec);
    tp->items[9] = mv_int_from_i64(st->st_ctim.tv_sec);
    tp->items[10] = mv_float_new((double)st->st_atim.tv_sec + st->st_atim.tv_nsec * 1e-9);
    tp->items[11] = mv_float_new((double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec * 1e-9);
    tp->items[12] = mv_float_new((double)st->st_ctim.tv_sec + st->st_ctim.tv_nsec * 1e-9);
    return (Value)tp;
}

static Value os_stat(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "stat", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    if (mv_int_check(args[0])) {
        int64_t fd;
        if (mv_int_as_i64(t, args[0], &fd) < 0) return NULL;
        if (fstat((int)fd, &st) < 0) return mv_err_errno(t, errno, NULL);
        return make_stat(&st);
    }
    const char *p = path_arg(t, args[0], "stat", "path");
    if (!p) return NULL;
    if (stat(p, &st) < 0) return mv_err_errno(t, errno, args[0]);
    return make_stat(&st);
}

static Value os_fstat(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"fd", NULL};
    Value a[1];
    if (mv_parse_args(t, "fstat", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    int64_t fd;
    if (mv_index_int64(t, a[0], &fd) < 0) return NULL;
    struct stat st;
    if (fstat((int)fd, &st) < 0) return mv_err_errno(t, errno, NULL);
    return make_stat(&st);
}

static Value os_system(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "system", nargs, 1, 1) < 0) return NULL;
    const char *c = path_arg(t, args[0], "system", "command");
    if (!c) return NULL;
    /* as CPython: Python-level buffers are not flushed first (so `print(); os.system()` to a
       pipe shows the command's output first); the GIL is released while the command runs */
    MV_GIL_RELEASE(t);
    int r = system(c);
    MV_GIL_ACQUIRE(t);
    return mv_int_from_i64(r);
}

static const mv_method_def os_methods[] = {
    {"getcwd", os_getcwd, MV_METH_NOARGS, NULL},
    {"chdir", os_chdir, 0, NULL},
    {"getenv", os_getenv, 0, NULL},
    {"putenv", os_putenv, 0, NULL},
    {"unsetenv", os_unsetenv, 0, NULL},
    {"fspath", os_fspath, 0, NULL},
    {"listdir", os_listdir, 0, NULL},
    {"mkdir", os_mkdir, 0, NULL},
    {"makedirs", os_makedirs, 0, NULL},
    {"remove", os_remove, 0, NULL},
    {"unlink", os_remove, 0, NULL},
    {"rmdir", os_rmdir, 0, NULL},
    {"rename", os_rename, 0, NULL},
    {"replace", os_rename, 0, NULL},
    {"getpid", os_getpid, MV_METH_NOARGS, NULL},
    {"getppid", os_getppid, MV_METH_NOARGS, NULL},
    {"cpu_count", os_cpu_count, MV_METH_NOARGS, NULL},
    {"sched_getaffinity", os_sched_getaffinity, 0, NULL},
    {"sched_setaffinity", os_sched_setaffinity, 0, NULL},
    {"urandom", os_urandom, 0, NULL},
    {"strerror", os_strerror, 0, NULL},
    {"stat", os_stat, 0, NULL},
    {"fstat", os_fstat, 0, NULL},
    {"system", os_system, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- os.path ------------------------------------------------------------------------------------ */

static Value str_arg(mv_thread *t, Value v) {
    if (mv_str_check(v)) return v;
    mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", v);
    return NULL;
}

static Value path_join(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs < 1) return mv_err_set(t, &mv_exc_TypeError, "join() missing 1 required positional argument: 'a'");
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (size_t i = 0; i < nargs; i++) {
        if (!mv_str_check(args[i])) {
            mv_strbuf_free(&b);
            if (i == 0) return mv_err_format(t, &mv_exc_TypeError, "expected str, bytes or os.PathLike object, not %T", args[i]);
            return mv_err_format(t, &mv_exc_TypeError, "join() argument must be str, bytes, or os.PathLike object, not '%T'", args[i]);
        }
        const char *s = mv_str_data(args[i]);
        size_t n = mv_str_size(args[i]);
        if (i > 0 && s[0] == '/') b.len = 0;
        else if (i > 0 && b.len > 0 && b.buf[b.len - 1] != '/') mv_strbuf_addc(&b, '/');
        mv_strbuf_add(&b, s, n);
    }
    return mv_strbuf_finish(&b);
}

/* index just after the last '/' */
static size_t tail_start(const char *s, size_t n) {
    size_t i = n;
    while (i > 0 && s[i - 1] != '/') i--;
    return i;
}

static Value head_of(const char *s, size_t n) {
    size_t i = tail_start(s, n);
    size_t h = i;
    bool all_slash = true;
    for (size_t k = 0; k < h; k++)
        if (s[k] != '/') all_slash = false;
    if (h && !all_slash)
        while (h > 0 && s[h - 1] == '/') h--;
    return mv_str_new(s, h);
}

static Value path_split(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "split", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    const char *s = mv_str_data(args[0]);
    size_t n = mv_str_size(args[0]);
    Value head = head_of(s, n);
    size_t i = tail_start(s, n);
    Value tail = mv_str_new(s + i, n - i);
    Value r = mv_tuple_pack(2, head, tail);
    MV_DECREF(head);
    MV_DECREF(tail);
    return r;
}

static Value path_basename(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "basename", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    const char *s = mv_str_data(args[0]);
    size_t n = mv_str_size(args[0]);
    size_t i = tail_start(s, n);
    return mv_str_new(s + i, n - i);
}

static Value path_dirname(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "dirname", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    return head_of(mv_str_data(args[0]), mv_str_size(args[0]));
}

static Value path_splitext(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "splitext", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    const char *s = mv_str_data(args[0]);
    size_t n = mv_str_size(args[0]);
    const char *sep = memrchr(s, '/', n), *dot = memrchr(s, '.', n);
    long sepi = sep ? sep - s : -1, doti = dot ? dot - s : -1;
    if (doti > sepi) {
        for (long fi = sepi + 1; fi < doti; fi++) {
            if (s[fi] != '.') {
                Value a = mv_str_new(s, (size_t)doti), b = mv_str_new(s + doti, n - (size_t)doti);
                Value r = mv_tuple_pack(2, a, b);
                MV_DECREF(a);
                MV_DECREF(b);
                return r;
            }
        }
    }
    Value e = mv_str_from_cstr("");
    Value r = mv_tuple_pack(2, args[0], e);
    MV_DECREF(e);
    return r;
}

static Value normpath_c(const char *s, size_t n) {
    if (n == 0) return mv_str_from_cstr(".");
    int initial = s[0] == '/' ? 1 : 0;
    if (initial && n >= 2 && s[1] == '/' && !(n >= 3 && s[2] == '/')) initial = 2;
    /* components */
    const char **comp = mv_malloc(sizeof(char *) * (n + 1));
    size_t *clen = mv_malloc(sizeof(size_t) * (n + 1));
    size_t nc = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '/') j++;
        const char *c = s + i;
        size_t len = j - i;
        if (len == 0 || (len == 1 && c[0] == '.')) {
            /* skip */
        } else if (!(len == 2 && c[0] == '.' && c[1] == '.') || (!initial && nc == 0) ||
                   (nc > 0 && clen[nc - 1] == 2 && comp[nc - 1][0] == '.' && comp[nc - 1][1] == '.')) {
            comp[nc] = c;
            clen[nc++] = len;
        } else if (nc > 0) {
            nc--;
        }
        i = j + 1;
    }
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (int k = 0; k < initial; k++) mv_strbuf_addc(&b, '/');
    for (size_t k = 0; k < nc; k++) {
        if (k) mv_strbuf_addc(&b, '/');
        mv_strbuf_add(&b, comp[k], clen[k]);
    }
    mv_free(comp);
    mv_free(clen);
    if (b.len == 0) mv_strbuf_addc(&b, '.');
    return mv_strbuf_finish(&b);
}

static Value path_normpath(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "normpath", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    return normpath_c(mv_str_data(args[0]), mv_str_size(args[0]));
}

static Value abspath_v(mv_thread *t, Value p) {
    const char *s = mv_str_data(p);
    if (s[0] == '/') return normpath_c(s, mv_str_size(p));
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return mv_err_errno(t, errno, NULL);
    Value j = mv_str_fromf("%s/%s", cwd, s);
    Value r = normpath_c(mv_str_data(j), mv_str_size(j));
    MV_DECREF(j);
    return r;
}

static Value path_abspath(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "abspath", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    return abspath_v(t, args[0]);
}

static Value path_realpath(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs < 1 || !str_arg(t, args[0])) return nargs < 1 ? mv_err_set(t, &mv_exc_TypeError, "realpath() missing 1 required positional argument: 'filename'") : NULL;
    char buf[PATH_MAX];
    if (realpath(mv_str_data(args[0]), buf)) return mv_str_from_cstr(buf);
    return abspath_v(t, args[0]);
}

static Value path_isabs(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "isabs", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    return mv_newref(MV_BOOL(mv_str_data(args[0])[0] == '/'));
}

static int stat_of(mv_thread *t, Value v, struct stat *st) {
    if (!mv_str_check(v) && !mv_bytes_check(v)) {
        if (mv_int_check(v)) {
            int64_t fd;
            if (mv_int_as_i64(t, v, &fd) < 0) return -2;
            return fstat((int)fd, st);
        }
        mv_err_format(t, &mv_exc_TypeError, "stat: path should be string, bytes, os.PathLike or integer, not %T", v);
        return -2;
    }
    return stat(mv_str_check(v) ? mv_str_data(v) : (const char *)mv_bytes_data(v), st);
}

static Value path_exists(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "exists", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    int r = stat_of(t, args[0], &st);
    if (r == -2) return NULL;
    return mv_newref(MV_BOOL(r == 0));
}

static Value path_isfile(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "isfile", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    int r = stat_of(t, args[0], &st);
    if (r == -2) return NULL;
    return mv_newref(MV_BOOL(r == 0 && S_ISREG(st.st_mode)));
}

static Value path_isdir(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "isdir", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    int r = stat_of(t, args[0], &st);
    if (r == -2) return NULL;
    return mv_newref(MV_BOOL(r == 0 && S_ISDIR(st.st_mode)));
}

static Value path_getsize(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getsize", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    int r = stat_of(t, args[0], &st);
    if (r == -2) return NULL;
    if (r < 0) return mv_err_errno(t, errno, args[0]);
    return mv_int_from_i64(st.st_size);
}

static Value path_getmtime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getmtime", nargs, 1, 1) < 0) return NULL;
    struct stat st;
    int r = stat_of(t, args[0], &st);
    if (r == -2) return NULL;
    if (r < 0) return mv_err_errno(t, errno, args[0]);
    return mv_float_new((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9);
}

static Value path_expanduser(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "expanduser", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    const char *s = mv_str_data(args[0]);
    if (s[0] != '~' || (s[1] && s[1] != '/')) return mv_newref(args[0]);
    const char *home = getenv("HOME");
    if (!home) return mv_newref(args[0]);
    size_t hl = strlen(home);
    while (hl > 1 && home[hl - 1] == '/') hl--;
    return mv_str_fromf("%.*s%s", (int)hl, home, s + 1);
}

static Value split_components(Value abs) {
    Value l = mv_list_new(0);
    const char *s = mv_str_data(abs);
    size_t n = mv_str_size(abs), i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '/') j++;
        if (j > i) mv_list_append_steal(l, mv_str_new(s + i, j - i));
        i = j + 1;
    }
    return l;
}

static Value path_relpath(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"path", "start", NULL};
    Value a[2];
    if (mv_parse_args(t, "relpath", args, nargs, kwnames, kwlist, 1, a) < 0 || !str_arg(t, a[0])) return NULL;
    if (mv_str_size(a[0]) == 0) return mv_err_set(t, &mv_exc_ValueError, "no path specified");
    Value start = a[1] && a[1] != MV_NONE ? a[1] : NULL;
    if (start && !str_arg(t, start)) return NULL;
    Value dot = mv_str_from_cstr(".");
    Value sa = abspath_v(t, start ? start : dot), pa = abspath_v(t, a[0]);
    MV_DECREF(dot);
    if (!sa || !pa) {
        MV_XDECREF(sa);
        MV_XDECREF(pa);
        return NULL;
    }
    Value sl = split_components(sa), pl = split_components(pa);
    MV_DECREF(sa);
    MV_DECREF(pa);
    size_t i = 0;
    while (i < mv_list_size(sl) && i < mv_list_size(pl) && mv_str_eq(mv_list_items(sl)[i], mv_list_items(pl)[i])) i++;
    mv_strbuf b;
    mv_strbuf_init(&b);
    for (size_t k = i; k < mv_list_size(sl); k++) {
        if (b.len) mv_strbuf_addc(&b, '/');
        mv_strbuf_adds(&b, "..");
    }
    for (size_t k = i; k < mv_list_size(pl); k++) {
        if (b.len) mv_strbuf_addc(&b, '/');
        Value c = mv_list_items(pl)[k];
        mv_strbuf_add(&b, mv_str_data(c), mv_str_size(c));
    }
    MV_DECREF(sl);
    MV_DECREF(pl);
    if (b.len == 0) mv_strbuf_addc(&b, '.');
    return mv_strbuf_finish(&b);
}

static Value path_commonprefix(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "commonprefix", nargs, 1, 1) < 0) return NULL;
    Value l = mv_sequence_list(t, args[0]);
    if (!l) return NULL;
    size_t n = mv_list_size(l);
    if (n == 0) {
        MV_DECREF(l);
        return mv_str_from_cstr("");
    }
    Value *it = mv_list_items(l);
    for (size_t i = 0; i < n; i++) {
        if (!mv_str_check(it[i])) {
            MV_DECREF(l);
            return mv_err_set(t, &mv_exc_TypeError, "commonprefix() supports only lists of str here");
        }
    }
    size_t common = mv_str_size(it[0]);
    const char *s0 = mv_str_data(it[0]);
    for (size_t i = 1; i < n; i++) {
        const char *si = mv_str_data(it[i]);
        size_t k = 0;
        while (k < common && k < mv_str_size(it[i]) && s0[k] == si[k]) k++;
        common = k;
    }
    while (common > 0 && ((unsigned char)s0[common] & 0xC0) == 0x80 && common < mv_str_size(it[0])) common--;
    Value r = mv_str_new(s0, common);
    MV_DECREF(l);
    return r;
}

static Value path_islink(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "islink", nargs, 1, 1) < 0 || !str_arg(t, args[0])) return NULL;
    struct stat st;
    return mv_newref(MV_BOOL(lstat(mv_str_data(args[0]), &st) == 0 && S_ISLNK(st.st_mode)));
}

static const mv_method_def path_methods[] = {
    {"relpath", path_relpath, 0, NULL},
    {"commonprefix", path_commonprefix, 0, NULL},
    {"islink", path_islink, 0, NULL},
    {"join", path_join, 0, NULL},
    {"split", path_split, 0, NULL},
    {"basename", path_basename, 0, NULL},
    {"dirname", path_dirname, 0, NULL},
    {"splitext", path_splitext, 0, NULL},
    {"normpath", path_normpath, 0, NULL},
    {"abspath", path_abspath, 0, NULL},
    {"realpath", path_realpath, 0, NULL},
    {"isabs", path_isabs, 0, NULL},
    {"exists", path_exists, 0, NULL},
    {"isfile", path_isfile, 0, NULL},
    {"isdir", path_isdir, 0, NULL},
    {"getsize", path_getsize, 0, NULL},
    {"getmtime", path_getmtime, 0, NULL},
    {"expanduser", path_expanduser, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static int add_str(mv_thread *t, Value m, const char *name, const char *v) {
    Value s = mv_str_from_cstr(v);
    int r = mv_module_add(t, m, name, s);
    MV_DECREF(s);
    return r;
}

Value mv_os_module_init(mv_thread *t) {
    if (!(mv_stat_result_type.flags & MV_TPFLAG_READY)) {
        mv_stat_result_type.module = mv_str_from_cstr("os");
        if (mv_type_ready(&mv_stat_result_type) < 0) return NULL;
    }
    Value m = mv_module_new(t, "os");
    Value p = mv_module_new(t, "posixpath");
    if (!m || !p) return NULL;
    /* as CPython's, whose os re-exports the C module posix: os.getpid.__module__ is 'posix' */
    if (mv_module_add_methods_as(t, m, os_methods, "posix") < 0 || mv_module_add_methods(t, p, path_methods) < 0)
        goto fail;
    if (mv_os_process_add(t, m) < 0) goto fail;
    if (add_str(t, m, "name", "posix") < 0 || add_str(t, m, "sep", "/") < 0 || add_str(t, m, "linesep", "\n") < 0 ||
        add_str(t, m, "curdir", ".") < 0 || add_str(t, m, "pardir", "..") < 0 || add_str(t, m, "extsep", ".") < 0 ||
        add_str(t, m, "pathsep", ":") < 0 || add_str(t, m, "devnull", "/dev/null") < 0)
        goto fail;
    if (add_str(t, p, "sep", "/") < 0 || add_str(t, p, "curdir", ".") < 0 || add_str(t, p, "pardir", "..") < 0 ||
        add_str(t, p, "extsep", ".") < 0 || add_str(t, p, "pathsep", ":") < 0)
        goto fail;
    if (make_environ(t, m) < 0) goto fail;
    mv_module_add(t, m, "stat_result", (Value)&mv_stat_result_type);
    mv_module_add(t, m, "error", (Value)&mv_exc_OSError);
    mv_module_add(t, m, "path", p);
    mv_dict_set_cstr(t, t->vm->modules, "os", m);
    mv_dict_set_cstr(t, t->vm->modules, "posix", m);
    mv_dict_set_cstr(t, t->vm->modules, "os.path", p);
    mv_dict_set_cstr(t, t->vm->modules, "posixpath", p);
    MV_DECREF(p);
    return m;
fail:
    MV_DECREF(m);
    MV_DECREF(p);
    return NULL;
}
