/* args.c: argument parsing for C functions exposed to Python (the mv_callfn convention:
 * positional args, then keyword values named by `kwnames`), with the TypeError texts of
 * CPython 3.11's Argument Clinic.
 */
#include <string.h>

#include "abstract.h"
#include "exc.h"
#include "str.h"
#include "tuple.h"

#define MAX_PARAMS 32

int mv_parse_args(mv_thread *t, const char *fname, Value *args, size_t nargs, Value kwnames,
                  const char *const *kwlist, size_t required, Value *out) {
    size_t n = 0, maxpos = 0, posonly = 0;
    const char *names[MAX_PARAMS];
    bool kwonly[MAX_PARAMS];
    for (; kwlist[n]; n++) {
        const char *s = kwlist[n];
        kwonly[n] = false;
        if (*s == '$') {
            kwonly[n] = true;
            s++;
        } else if (*s == '/') {
            posonly = n + 1;
            s++;
        }
        names[n] = s;
        if (!kwonly[n]) maxpos = n + 1;
        out[n] = NULL;
    }
    if (nargs > maxpos) {
        if (maxpos == 0)
            mv_err_format(t, &mv_exc_TypeError, "%s() takes no positional arguments", fname);
        else
            mv_err_format(t, &mv_exc_TypeError, "%s() takes %s %zu %sargument%s (%zu given)", fname,
                          required == maxpos ? "exactly" : "at most", maxpos, maxpos < n ? "positional " : "",
                          maxpos == 1 ? "" : "s", nargs);
        return -1;
    }
    for (size_t i = 0; i < nargs; i++) out[i] = args[i];
    size_t nkw = kwnames ? mv_tuple_size(kwnames) : 0;
    if (nkw > n) {
        mv_err_format(t, &mv_exc_TypeError, "%s() takes at most %zu keyword argument%s (%zu given)", fname, n,
                      n == 1 ? "" : "s", nkw);
        return -1;
    }
    for (size_t k = 0; k < nkw; k++) {
        Value key = MV_TUPLE_GET(kwnames, k);
        const char *ks = mv_str_data(key);
        size_t i;
        for (i = 0; i < n; i++)
            if (!strcmp(ks, names[i])) break;
        if (i == n) {
            mv_err_format(t, &mv_exc_TypeError, "'%U' is an invalid keyword argument for %s()", key, fname);
            return -1;
        }
        if (i < posonly) {
            mv_err_format(t, &mv_exc_TypeError,
                          "%s() got some positional-only arguments passed as keyword arguments: '%s'", fname, names[i]);
            return -1;
        }
        if (out[i]) {
            mv_err_format(t, &mv_exc_TypeError, "argument for %s() given by name ('%s') and position (%zu)", fname,
                          names[i], i + 1);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (size_t i = 0; i < required && i < n; i++) {
        if (!out[i]) {
            if (kwonly[i])
                mv_err_format(t, &mv_exc_TypeError, "%s() missing required keyword-only argument: '%s'", fname, names[i]);
            else
                mv_err_format(t, &mv_exc_TypeError, "%s() missing required argument '%s' (pos %zu)", fname, names[i], i + 1);
            return -1;
        }
    }
    return 0;
}

int mv_check_nargs(mv_thread *t, const char *fname, size_t nargs, size_t min, size_t max) {
    if (nargs >= min && nargs <= max) return 0;
    if (min == max && min == 0)
        mv_err_format(t, &mv_exc_TypeError, "%s() takes no arguments (%zu given)", fname, nargs);
    else if (min == max && min == 1)
        mv_err_format(t, &mv_exc_TypeError, "%s() takes exactly one argument (%zu given)", fname, nargs);
    else if (nargs < min)
        mv_err_format(t, &mv_exc_TypeError, "%s expected %s%zu argument%s, got %zu", fname,
                      min == max ? "" : "at least ", min, min == 1 ? "" : "s", nargs);
    else
        mv_err_format(t, &mv_exc_TypeError, "%s expected %s%zu argument%s, got %zu", fname,
                      min == max ? "" : "at most ", max, max == 1 ? "" : "s", nargs);
    return -1;
}

int mv_check_no_kwargs(mv_thread *t, const char *fname, Value kwnames) {
    if (!kwnames || mv_tuple_size(kwnames) == 0) return 0;
    mv_err_format(t, &mv_exc_TypeError, "%s() takes no keyword arguments", fname);
    return -1;
}
