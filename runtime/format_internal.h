/* format_internal.h: the parsed format spec and the helpers format.c shares with format_str.c
 * (%-formatting and str.format). */
#ifndef MV_FORMAT_INTERNAL_H
#define MV_FORMAT_INTERNAL_H

#include "str.h"

typedef struct {
    char fill[4];   /* UTF-8 of the fill code point */
    int fill_len;
    char align;     /* '<' '>' '=' '^' */
    char sign;      /* 0, '+', '-', ' ' */
    bool z, alt, zero;
    int64_t width;     /* -1: none */
    char grouping;     /* 0, ',' or '_' */
    int64_t precision; /* -1: none */
    char type;         /* 0: default */
} mv_fmt_spec;

int mv_fmt_parse_spec(mv_thread *t, Value v, const char *s, size_t n, char default_align,
                      mv_fmt_spec *sp);
void mv_fmt_pad(mv_strbuf *b, const mv_fmt_spec *sp, const char *body, size_t size, size_t len);
int mv_fmt_int_digits(mv_thread *t, Value v, int base, bool upper, mv_strbuf *out, bool *neg);
void mv_fmt_float_body(double d, char type, int64_t prec, bool alt, bool add_dot_0, mv_strbuf *out);
/* format(v, spec) appended to b, for builtin values (str, int, bool, float; others: str(v)) */
int mv_fmt_value_into(mv_thread *t, mv_strbuf *b, Value v, const char *spec, size_t n);

#endif
