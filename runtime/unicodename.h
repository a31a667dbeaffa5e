/* unicodename.h: the Unicode character database (names and per-character properties), from
 * tables generated at build time by tools/gen_unicode_names.py.  Used by the lexer's \N{NAME}
 * escapes and the unicodedata module.  Nothing is initialized at startup: the tables are const.
 */
#ifndef MV_UNICODENAME_H
#define MV_UNICODENAME_H

#include <stddef.h>
#include <stdint.h>

/* The Unicode version of the tables, e.g. "14.0.0". */
extern const char mv_unicode_version[];

/* The code point named `name` (not NUL-terminated), matched as CPython's \N{...} does: case-
 * insensitively, name aliases included, named sequences excluded.  Returns 1 and sets *cp, or 0. */
int mv_unicode_lookup(const char *name, size_t len, uint32_t *cp);

/* As unicodedata.lookup: like mv_unicode_lookup but named sequences are accepted too.  Returns the
 * number of code points (written to cps, up to max) or 0 when the name is unknown. */
int mv_unicode_lookup_seq(const char *name, size_t len, uint32_t *cps, int max);

/* The name of cp (as unicodedata.name: no aliases) into buf, NUL-terminated.  Returns the length,
 * 0 when cp has no name, -1 when buf is too small (MV_UNICODE_NAME_MAX is always enough). */
int mv_unicode_name(uint32_t cp, char *buf, size_t size);
#define MV_UNICODE_NAME_MAX 256

/* The properties of a code point (unicodedata's category, bidirectional, ...). */
typedef struct {
    const char *category;          /* "Lu", ...; "Cn" when unassigned */
    const char *bidirectional;     /* "" when unassigned */
    const char *east_asian_width;
    int combining, mirrored;
    int decimal, digit;            /* -1: none */
    int has_numeric;
    double numeric;
} mv_unicode_props;
void mv_unicode_get_props(uint32_t cp, mv_unicode_props *p);

#endif
