/* float.h: Python floats (C doubles).  repr/str use the shortest string that round-trips, as
 * CPython's float_repr does ("0.1", "1e+16", "inf", "nan", "-0.0").
 */
#ifndef MV_FLOAT_H
#define MV_FLOAT_H

#include "vm.h"

typedef struct {
    mv_object ob;
    double d;
} mv_float;

extern mv_type mv_float_type;

static inline bool mv_float_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_float_type); }
static inline double mv_float_val(Value v) { return ((mv_float *)v)->d; }

Value mv_float_new(double d);
/* repr of a double into buf (at least 32 bytes), CPython's format; returns length. */
int mv_float_repr_buf(double d, char *buf, size_t size);
/* float(x) for a str: ValueError: could not convert string to float: 'x' */
Value mv_float_from_string(mv_thread *t, Value s);
int mv_float_hash(double d, int64_t *out);
/* Convert an int or float Value to double; TypeError if neither (used by math). */
int mv_as_double(mv_thread *t, Value v, double *out);
/* divmod(a, b) where either is a float (NotImplemented for other types). */
Value mv_float_divmod(mv_thread *t, Value a, Value b);
/* x ** y with CPython's special cases (math.pow shares them); on error sets *err = 1 and the
   exception (ZeroDivisionError, OverflowError, ValueError for a negative base and fractional y). */
double mv_float_pow_raw(mv_thread *t, double x, double y, int *err);

#endif
