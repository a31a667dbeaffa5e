/* str_case.h: str's case-mapping and classification methods (str_case.c), spliced into the
 * method table of str_methods.c by MV_STR_CASE_METHODS. */
#ifndef MV_STR_CASE_H
#define MV_STR_CASE_H

#include "str.h"

#define MV_STR_CASE_FNS(X) \
    X(upper) X(lower) X(capitalize) X(title) X(swapcase) X(casefold) X(isdigit) X(isalpha) \
    X(isalnum) X(isspace) X(isupper) X(islower) X(isnumeric) X(isdecimal) X(isidentifier) \
    X(istitle) X(isprintable) X(isascii)

#define MV_STR_CASE_DECL(n) Value mv_strm_##n(mv_thread *t, Value self, Value *args, size_t nargs, Value kw);
MV_STR_CASE_FNS(MV_STR_CASE_DECL)
#undef MV_STR_CASE_DECL

#define MV_STR_CASE_ENTRY(n) {#n, mv_strm_##n, 0, NULL},
#define MV_STR_CASE_METHODS MV_STR_CASE_FNS(MV_STR_CASE_ENTRY)

#endif
