/* time.c: the time module: clocks (time, perf_counter, monotonic, process_time and their _ns
 * variants), sleep (interruptible by Ctrl-C; where the GIL will be released), struct_time
 * (a tuple subclass with tm_* attributes), localtime/gmtime/mktime, ctime/asctime/strftime.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "modules.h"
#include "procsig.h"
#include "str.h"
#include "tuple.h"

/* ---- clocks ------------------------------------------------------------------------------------ */

static int64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static Value clock_float(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return mv_float_new((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static Value time_time(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return clock_float(CLOCK_REALTIME);
}
static Value time_time_ns(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(clock_ns(CLOCK_REALTIME));
}
static Value time_monotonic(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return clock_float(CLOCK_MONOTONIC);
}
static Value time_monotonic_ns(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(clock_ns(CLOCK_MONOTONIC));
}
static Value time_process_time(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return clock_float(CLOCK_PROCESS_CPUTIME_ID);
}
static Value time_process_time_ns(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return mv_int_from_i64(clock_ns(CLOCK_PROCESS_CPUTIME_ID));
}
static Value time_thread_time(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    return clock_float(CLOCK_THREAD_CPUTIME_ID);
}

static Value time_sleep(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_no_kwargs(t, "sleep", kwnames) < 0 || mv_check_nargs(t, "sleep", nargs, 1, 1) < 0) return NULL;
    double secs;
    if (mv_float_check(args[0])) {
        secs = mv_float_val(args[0]);
        if (isnan(secs)) return mv_err_set(t, &mv_exc_ValueError, "Invalid value NaN (not a number)");
    } else if (mv_int_check(args[0])) {
        if (mv_as_double(t, args[0], &secs) < 0) return NULL;
    } else {
        return mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", args[0]);
    }
    if (secs < 0) return mv_err_set(t, &mv_exc_ValueError, "sleep length must be non-negative");
    struct timespec deadline, now;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double whole = floor(secs);
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((secs - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    MV_GIL_RELEASE(t); /* other threads run while this one sleeps */
    for (;;) {
        int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
        if (r == 0) break;
        if (r == EINTR) {
            if (t->vm->sigint_pending && t == t->vm->main_thread) {
                MV_GIL_ACQUIRE(t); /* before touching any object */
                t->vm->sigint_pending = 0;
                return mv_err_set_value(t, &mv_exc_KeyboardInterrupt, NULL);
            }
            /* other signals: run their Python handlers now (PEP 475: resume unless one raised) */
            if (t == t->vm->main_thread && (atomic_load(&mv_eval_breaker) & MV_BREAK_SIGNALS)) {
                MV_GIL_ACQUIRE(t);
                if (mv_signal_run_pending(t) < 0) return NULL;
                MV_GIL_RELEASE(t);
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            continue;
        }
        break;
    }
    MV_GIL_ACQUIRE(t);
    return mv_newref(MV_NONE);
}

/* ---- struct_time ------------------------------------------------------------------------------- */

#define ST_FIELDS 9
#define ST_SLOTS 11 /* + tm_zone, tm_gmtoff (attributes only, not items) */

static const char *const st_names[ST_SLOTS] = {"tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec",
                                               "tm_wday", "tm_yday", "tm_isdst", "tm_zone", "tm_gmtoff"};

extern mv_type mv_struct_time_type;

static Value st_get(Value self, int i) {
    Value v = ((mv_tuple *)self)->items[i];
    return mv_newref(v ? v : MV_NONE);
}

#define ST_GETTER(i) static Value st_get_##i(mv_thread *t, Value self) { return st_get(self, i); }
ST_GETTER(0) ST_GETTER(1) ST_GETTER(2) ST_GETTER(3) ST_GETTER(4) ST_GETTER(5) ST_GETTER(6) ST_GETTER(7)
ST_GETTER(8) ST_GETTER(9) ST_GETTER(10)

static const mv_getset_def st_getsets[] = {
    {"tm_year", st_get_0, NULL}, {"tm_mon", st_get_1, NULL}, {"tm_mday", st_get_2, NULL},
    {"tm_hour", st_get_3, NULL}, {"tm_min", st_get_4, NULL}, {"tm_sec", st_get_5, NULL},
    {"tm_wday", st_get_6, NULL}, {"tm_yday", st_get_7, NULL}, {"tm_isdst", st_get_8, NULL},
    {"tm_zone", st_get_9, NULL}, {"tm_gmtoff", st_get_10, NULL}, {NULL, NULL, NULL},
};

static Value st_alloc(void) {
    mv_tuple *tp = (mv_tuple *)mv_object_new_sized(&mv_struct_time_type, sizeof(mv_tuple) + ST_SLOTS * sizeof(Value));
    tp->size = ST_FIELDS;
    tp->hash = -1;
    for (int i = 0; i < ST_SLOTS; i++) tp->items[i] = NULL;
    return (Value)tp;
}

static Value st_from_tm(const struct tm *tm) {
    Value st = st_alloc();
    mv_tuple *tp = (mv_tuple *)st;
    int vals[ST_FIELDS] = {tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min,
                           tm->tm_sec, (tm->tm_wday + 6) % 7, tm->tm_yday + 1, tm->tm_isdst};
    for (int i = 0; i < ST_FIELDS; i++) tp->items[i] = MV_FROM_SMALL(vals[i]);
    tp->items[9] = mv_str_from_cstr(tm->tm_zone ? tm->tm_zone : "UTC");
    tp->items[10] = MV_FROM_SMALL(tm->tm_gmtoff);
    return st;
}

static void st_dealloc(Value self) {
    mv_tuple *tp = (mv_tuple *)self;
    for (int i = 0; i < ST_SLOTS; i++) MV_XDECREF(tp->items[i]);
}

static Value st_repr(mv_thread *t, Value self) {
    mv_strbuf b;
    mv_strbuf_init(&b);
    mv_strbuf_adds(&b, "time.struct_time(");
    for (int i = 0; i < ST_FIELDS; i++) {
        if (i) mv_strbuf_adds(&b, ", ");
        mv_strbuf_adds(&b, st_names[i]);
        mv_strbuf_addc(&b, '=');
        if (mv_strbuf_add_value_repr(t, &b, ((mv_tuple *)self)->items[i]) < 0) {
            mv_strbuf_free(&b);
            return NULL;
        }
    }
    mv_strbuf_addc(&b, ')');
    return mv_strbuf_finish(&b);
}

static Value st_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    if (nargs != 1) return mv_err_format(t, &mv_exc_TypeError, "struct_time() takes exactly 1 argument (%d given)", (int)nargs);
    Value seq = mv_sequence_tuple(t, args[0]);
    if (!seq) return NULL;
    size_t n = mv_tuple_size(seq);
    if (n < 9 || n > 11) {
        MV_DECREF(seq);
        return mv_err_format(t, &mv_exc_TypeError, "time.struct_time() takes an at least 9-sequence (%d-sequence given)", (int)n);
    }
    Value st = st_alloc();
    for (size_t i = 0; i < n; i++) ((mv_tuple *)st)->items[i] = mv_newref(MV_TUPLE_GET(seq, i));
    MV_DECREF(seq);
    return st;
}

mv_type mv_struct_time_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "struct_time",
    .basicsize = sizeof(mv_tuple) + ST_SLOTS * sizeof(Value),
    .flags = MV_TPFLAG_TUPLE_SUBCLASS,
    .base = &mv_tuple_type,
    .doc = "The time value as returned by gmtime(), localtime(), and strptime()",
    .tp_new = st_new,
    .dealloc = st_dealloc,
    .repr = st_repr,
    .getsets = st_getsets,
};

/* A struct_time / 9-tuple -> struct tm (CPython's gettmarg, without its range checks) */
static int tuple_to_tm(mv_thread *t, Value v, struct tm *tm) {
    if (!mv_tuple_check(v) || mv_tuple_size(v) != 9) {
        mv_err_set(t, &mv_exc_TypeError, "Tuple or struct_time argument required");
        return -1;
    }
    int64_t f[9];
    for (int i = 0; i < 9; i++)
        if (mv_index_int64(t, MV_TUPLE_GET(v, i), &f[i]) < 0) return -1;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = (int)f[0] - 1900;
    tm->tm_mon = (int)f[1] - 1;
    tm->tm_mday = (int)f[2];
    tm->tm_hour = (int)f[3];
    tm->tm_min = (int)f[4];
    tm->tm_sec = (int)f[5];
    tm->tm_wday = (int)((f[6] + 1) % 7);
    tm->tm_yday = (int)f[7] - 1;
    tm->tm_isdst = (int)f[8];
    if (v->type == &mv_struct_time_type) {
        Value z = ((mv_tuple *)v)->items[9], off = ((mv_tuple *)v)->items[10];
        if (z && mv_str_check(z)) tm->tm_zone = mv_str_data(z);
        if (off && MV_IS_SMALL(off)) tm->tm_gmtoff = MV_SMALL_VAL(off);
    }
    return 0;
}

static int secs_arg(mv_thread *t, Value *args, size_t nargs, time_t *out) {
    if (nargs == 0 || args[0] == MV_NONE) {
        *out = time(NULL);
        return 0;
    }
    double d;
    if (mv_float_check(args[0])) {
        d = mv_float_val(args[0]);
        if (isnan(d)) {
            mv_err_set(t, &mv_exc_ValueError, "Invalid value NaN (not a number)");
            return -1;
        }
        *out = (time_t)floor(d);
        return 0;
    }
    int64_t i;
    if (!mv_int_check(args[0])) {
        mv_err_format(t, &mv_exc_TypeError, "'%T' object cannot be interpreted as an integer", args[0]);
        return -1;
    }
    if (mv_int_as_i64(t, args[0], &i) < 0) return -1;
    *out = (time_t)i;
    return 0;
}

static Value time_localtime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "localtime", nargs, 0, 1) < 0) return NULL;
    time_t s;
    if (secs_arg(t, args, nargs, &s) < 0) return NULL;
    struct tm tm;
    if (!localtime_r(&s, &tm)) return mv_err_errno(t, errno ? errno : EOVERFLOW, NULL);
    return st_from_tm(&tm);
}

static Value time_gmtime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "gmtime", nargs, 0, 1) < 0) return NULL;
    time_t s;
    if (secs_arg(t, args, nargs, &s) < 0) return NULL;
    struct tm tm;
    if (!gmtime_r(&s, &tm)) return mv_err_errno(t, errno ? errno : EOVERFLOW, NULL);
    return st_from_tm(&tm);
}

static Value time_mktime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "mktime", nargs, 1, 1) < 0) return NULL;
    struct tm tm;
    if (tuple_to_tm(t, args[0], &tm) < 0) return NULL;
    tm.tm_wday = -1;
    time_t r = mktime(&tm);
    if (r == (time_t)-1 && tm.tm_wday == -1) return mv_err_set(t, &mv_exc_OverflowError, "mktime argument out of range");
    return mv_float_new((double)r);
}

static Value format_asctime(const struct tm *tm) {
    static const char wday[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mon[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return mv_str_fromf("%s %s%3d %.2d:%.2d:%.2d %d", wday[(tm->tm_wday % 7 + 7) % 7], mon[(tm->tm_mon % 12 + 12) % 12],
                        tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, 1900 + tm->tm_year);
}

static Value time_asctime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "asctime", nargs, 0, 1) < 0) return NULL;
    struct tm tm;
    if (nargs == 0) {
        time_t s = time(NULL);
        localtime_r(&s, &tm);
    } else if (tuple_to_tm(t, args[0], &tm) < 0) {
        return NULL;
    }
    return format_asctime(&tm);
}

static Value time_ctime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "ctime", nargs, 0, 1) < 0) return NULL;
    time_t s;
    if (secs_arg(t, args, nargs, &s) < 0) return NULL;
    struct tm tm;
    if (!localtime_r(&s, &tm)) return mv_err_set(t, &mv_exc_OverflowError, "timestamp out of range for platform time_t");
    return format_asctime(&tm);
}

static Value time_strftime(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "strftime", nargs, 1, 2) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "strftime() argument 1 must be str, not %T", args[0]);
    struct tm tm;
    if (nargs == 1) {
        time_t s = time(NULL);
        localtime_r(&s, &tm);
    } else if (tuple_to_tm(t, args[1], &tm) < 0) {
        return NULL;
    }
    const char *fmt = mv_str_data(args[0]);
    if (!*fmt) return mv_str_from_cstr("");
    for (size_t cap = 256;; cap *= 2) {
        char *buf = mv_malloc(cap);
        size_t n = strftime(buf, cap, fmt, &tm);
        if (n > 0 || cap > 256 * strlen(fmt) + 4096) {
            Value r = mv_str_decode_utf8(t, buf, n, "replace");
            mv_free(buf);
            return r;
        }
        mv_free(buf);
    }
}

static const mv_method_def time_methods[] = {
    {"time", time_time, MV_METH_NOARGS, NULL},
    {"time_ns", time_time_ns, MV_METH_NOARGS, NULL},
    {"perf_counter", time_monotonic, MV_METH_NOARGS, NULL},
    {"perf_counter_ns", time_monotonic_ns, MV_METH_NOARGS, NULL},
    {"monotonic", time_monotonic, MV_METH_NOARGS, NULL},
    {"monotonic_ns", time_monotonic_ns, MV_METH_NOARGS, NULL},
    {"process_time", time_process_time, MV_METH_NOARGS, NULL},
    {"process_time_ns", time_process_time_ns, MV_METH_NOARGS, NULL},
    {"thread_time", time_thread_time, MV_METH_NOARGS, NULL},
    {"sleep", time_sleep, 0, NULL},
    {"localtime", time_localtime, 0, NULL},
    {"gmtime", time_gmtime, 0, NULL},
    {"mktime", time_mktime, 0, NULL},
    {"asctime", time_asctime, 0, NULL},
    {"ctime", time_ctime, 0, NULL},
    {"strftime", time_strftime, 0, NULL},
    {NULL, NULL, 0, NULL},
};

Value mv_time_module_init(mv_thread *t) {
    if (!(mv_struct_time_type.flags & MV_TPFLAG_READY)) {
        mv_struct_time_type.module = mv_str_from_cstr("time");
        if (mv_type_ready(&mv_struct_time_type) < 0) return NULL;
    }
    Value m = mv_module_new(t, "time");
    if (!m) return NULL;
    if (mv_module_add_methods(t, m, time_methods) < 0 ||
        mv_module_add(t, m, "struct_time", (Value)&mv_struct_time_type) < 0) {
        MV_DECREF(m);
        return NULL;
    }
    tzset();
    Value v;
    v = mv_int_from_i64((int64_t)timezone);
    mv_module_add(t, m, "timezone", v);
    v = mv_int_from_i64((int64_t)(timezone - (daylight ? 3600 : 0)));
    mv_module_add(t, m, "altzone", v);
    mv_module_add(t, m, "daylight", mv_int_from_i64(daylight));
    Value a = mv_str_from_cstr(tzname[0]), b = mv_str_from_cstr(tzname[1]);
    Value tn = mv_tuple_pack(2, a, b);
    MV_DECREF(a);
    MV_DECREF(b);
    mv_module_add(t, m, "tzname", tn);
    MV_DECREF(tn);
    return m;
}
