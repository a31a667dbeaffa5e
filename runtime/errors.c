/* errors.c: the thread's error state (raising, fetching, matching), mv_err_format's printf with
 * the extra conversions %R %S %T %U %N, implicit __context__ chaining from t->handled, and the
 * recursion guard for C code that calls back into Python.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abstract.h"
#include "class.h"
#include "exc.h"
#include "str.h"
#include "tuple.h"

/* CPython's _PyErr_SetObject: the exception raised while another one is being handled gets it as
   __context__; cycles in the context chain are broken first. */
static void set_context(mv_thread *t, Value exc) {
    Value handled = t->handled;
    if (!handled || handled == exc || !mv_exc_check(exc) || handled == MV_NONE) return;
    mv_exc *h = (mv_exc *)handled;
    /* break a cycle: if exc already appears in handled's context chain, cut it there */
    for (mv_exc *o = h; o && o->context; o = (mv_exc *)o->context) {
        if (o->context == exc) {
            MV_CLEAR(o->context);
            break;
        }
    }
    mv_exc *e = (mv_exc *)exc;
    MV_INCREF(handled);
    MV_SETREF(e->context, handled);
}

void mv_err_restore(mv_thread *t, Value exc) {
    if (exc && mv_exc_check(exc) && !((mv_exc *)exc)->context) set_context(t, exc);
    Value old = t->curexc;
    t->curexc = exc;
    MV_XDECREF(old);
}

/* Raise an instance (always overwrites __context__ as a fresh raise does in CPython). */
static Value raise_instance(mv_thread *t, Value exc) {
    set_context(t, exc);
    Value old = t->curexc;
    t->curexc = exc;
    MV_XDECREF(old);
    return NULL;
}

Value mv_err_set_object(mv_thread *t, Value exc) {
    if (mv_type_check(exc) && mv_type_is_subtype((mv_type *)exc, &mv_exc_BaseException)) {
        Value inst = mv_call0(t, exc);
        if (!inst) return NULL;
        if (!mv_exc_check(inst)) {
            mv_err_format(t, &mv_exc_TypeError,
                          "calling %R should have returned an instance of BaseException, not %T",
                          exc, inst);
            MV_DECREF(inst);
            return NULL;
        }
        return raise_instance(t, inst);
    }
    if (!mv_exc_check(exc)) return mv_err_set(t, &mv_exc_TypeError, "exceptions must derive from BaseException");
    MV_INCREF(exc);
    return raise_instance(t, exc);
}

/* Create type(*args) for a built-in or user exception type. */
static Value make_exc(mv_thread *t, mv_type *type, Value args) {
    return mv_exc_new(t, type, args);
}

Value mv_err_set_value(mv_thread *t, mv_type *exc_type, Value arg) {
    Value args = arg ? mv_tuple_pack(1, arg) : mv_newref(MV_EMPTY_TUPLE);
    Value exc = make_exc(t, exc_type, args);
    MV_DECREF(args);
    if (!exc) return NULL;
    return raise_instance(t, exc);
}

Value mv_err_set(mv_thread *t, mv_type *exc_type, const char *msg) {
    Value s = mv_str_from_cstr(msg);
    mv_err_set_value(t, exc_type, s);
    MV_DECREF(s);
    return NULL;
}

/* Append a printf conversion (spec = "%...c") taking the next va_arg of the right C type. */
static void add_std_conversion(mv_strbuf *b, const char *spec, size_t speclen, va_list *ap) {
    char sp[32], tmp[512];
    if (speclen >= sizeof sp) speclen = sizeof sp - 1;
    memcpy(sp, spec, speclen);
    sp[speclen] = 0;
    char conv = sp[speclen - 1];
    int nlong = 0, z = 0;
    for (size_t i = 1; i + 1 < speclen; i++) {
        if (sp[i] == 'l') nlong++;
        else if (sp[i] == 'z' || sp[i] == 't' || sp[i] == 'j') z = 1;
    }
    bool star = strchr(sp, '*') != NULL;
    int starval = star ? va_arg(*ap, int) : 0;
    int n = 0;
    switch (conv) {
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
        if (z) {
            size_t v = va_arg(*ap, size_t);
            n = star ? snprintf(tmp, sizeof tmp, sp, starval, v) : snprintf(tmp, sizeof tmp, sp, v);
        } else if (nlong >= 2) {
            long long v = va_arg(*ap, long long);
            n = star ? snprintf(tmp, sizeof tmp, sp, starval, v) : snprintf(tmp, sizeof tmp, sp, v);
        } else if (nlong == 1) {
            long v = va_arg(*ap, long);
            n = star ? snprintf(tmp, sizeof tmp, sp, starval, v) : snprintf(tmp, sizeof tmp, sp, v);
        } else {
            int v = va_arg(*ap, int);
            n = star ? snprintf(tmp, sizeof tmp, sp, starval, v) : snprintf(tmp, sizeof tmp, sp, v);
        }
        break;
    case 'c': {
        int v = va_arg(*ap, int);
        n = snprintf(tmp, sizeof tmp, "%c", v);
        break;
    }
    case 'f': case 'g': case 'e': case 'G': case 'E': {
        double v = va_arg(*ap, double);
        n = star ? snprintf(tmp, sizeof tmp, sp, starval, v) : snprintf(tmp, sizeof tmp, sp, v);
        break;
    }
    case 'p': {
        void *v = va_arg(*ap, void *);
        n = snprintf(tmp, sizeof tmp, "%p", v);
        break;
    }
    case 's': {
        const char *v = va_arg(*ap, const char *);
        if (!v) v = "(null)";
        if (!star && speclen == 2) {
            mv_strbuf_adds(b, v);
            return;
        }
        if (star) {
            mv_strbuf_addf(b, sp, starval, v);
        } else {
            mv_strbuf_addf(b, sp, v);
        }
        return;
    }
    default:
        mv_strbuf_add(b, sp, speclen);
        return;
    }
    if (n > 0) mv_strbuf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Format into a str; returns NULL (exception set) if a %R/%S conversion raised. */
static Value format_message(mv_thread *t, const char *fmt, va_list ap0) {
    va_list ap;
    va_copy(ap, ap0);
    mv_strbuf b;
    mv_strbuf_init(&b);
    const char *p = fmt;
    while (*p) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            mv_strbuf_adds(&b, p);
            break;
        }
        mv_strbuf_add(&b, p, (size_t)(pct - p));
        const char *q = pct + 1;
        if (*q == '%') {
            mv_strbuf_addc(&b, '%');
            p = q + 1;
            continue;
        }
        /* flags, width, precision, length */
        while (*q && strchr("-+ #0123456789.*lhzjt", *q)) q++;
        char conv = *q;
        if (!conv) {
            mv_strbuf_adds(&b, pct);
            break;
        }
        switch (conv) {
        case 'R': case 'S': {
            Value v = va_arg(ap, Value);
            int r = conv == 'R' ? mv_strbuf_add_value_repr(t, &b, v) : mv_strbuf_add_value_str(t, &b, v);
            if (r < 0) {
                mv_strbuf_free(&b);
                va_end(ap);
                return NULL;
            }
            break;
        }
        case 'T': {
            Value v = va_arg(ap, Value);
            mv_type *tp = MV_TYPE(v);
            if (tp->qualname) mv_strbuf_add(&b, mv_str_data(tp->qualname), mv_str_size(tp->qualname));
            else mv_strbuf_adds(&b, tp->name);
            break;
        }
        case 'N': {
            mv_type *tp = va_arg(ap, mv_type *);
            if (tp->qualname) mv_strbuf_add(&b, mv_str_data(tp->qualname), mv_str_size(tp->qualname));
            else mv_strbuf_adds(&b, tp->name);
            break;
        }
        case 'U': {
            Value v = va_arg(ap, Value);
            if (v && mv_str_check(v)) mv_strbuf_add(&b, mv_str_data(v), mv_str_size(v));
            else if (v && mv_strbuf_add_value_str(t, &b, v) < 0) {
                mv_strbuf_free(&b);
                va_end(ap);
                return NULL;
            }
            break;
        }
        default:
            add_std_conversion(&b, pct, (size_t)(q - pct + 1), &ap);
            break;
        }
        p = q + 1;
    }
    va_end(ap);
    return mv_strbuf_finish(&b);
}

Value mv_err_vformat(mv_thread *t, mv_type *exc_type, const char *fmt, va_list ap) {
    Value msg = format_message(t, fmt, ap);
    if (!msg) return NULL; /* the repr/str failure is the exception */
    mv_err_set_value(t, exc_type, msg);
    MV_DECREF(msg);
    return NULL;
}

Value mv_err_format(mv_thread *t, mv_type *exc_type, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mv_err_vformat(t, exc_type, fmt, ap);
    va_end(ap);
    return NULL;
}

Value mv_err_nomem(mv_thread *t) {
    return mv_err_set_value(t, &mv_exc_MemoryError, NULL);
}

Value mv_err_errno(mv_thread *t, int err, Value filename) {
    Value code = MV_FROM_SMALL(err);
    Value msg = mv_str_from_cstr(strerror(err));
    Value args = filename ? mv_tuple_pack(3, code, msg, filename) : mv_tuple_pack(2, code, msg);
    MV_DECREF(msg);
    Value exc = mv_exc_new(t, &mv_exc_OSError, args);
    MV_DECREF(args);
    if (!exc) return NULL;
    return raise_instance(t, exc);
}

Value mv_err_bad_internal(mv_thread *t, const char *where) {
    return mv_err_format(t, &mv_exc_SystemError, "%s: bad internal call", where ? where : "?");
}

bool mv_err_matches(mv_thread *t, mv_type *exc_type) {
    return t->curexc && mv_isinstance_of(t->curexc, exc_type);
}

Value mv_err_fetch(mv_thread *t) {
    Value e = t->curexc;
    t->curexc = NULL;
    return e;
}

void mv_err_clear(mv_thread *t) {
    MV_CLEAR(t->curexc);
}

void mv_err_print(mv_thread *t) {
    Value e = mv_err_fetch(t);
    if (!e) return;
    mv_err_print_exception(t, e);
    MV_DECREF(e);
}

int mv_enter_recursive_call(mv_thread *t, const char *where) {
    if (t->depth + ++t->c_depth > t->vm->recursion_limit) {
        --t->c_depth;
        mv_err_format(t, &mv_exc_RecursionError, "maximum recursion depth exceeded%s", where ? where : "");
        return -1;
    }
    return 0;
}

void mv_leave_recursive_call(mv_thread *t) {
    --t->c_depth;
}
