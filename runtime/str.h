/* str.h: Python str.  UTF-8 bytes plus the length in code points; indexing is by code point
 * (O(1) when the string is ASCII, a scan otherwise).  Immutable; the hash is cached (-1 unset).
 * Interned strings (names, attributes) are unique per content, so lookups compare pointers first.
 */
#ifndef MV_STR_H
#define MV_STR_H

#include "vm.h"

typedef struct {
    mv_object ob;
    size_t size;   /* bytes of UTF-8, not counting the terminating NUL */
    size_t length; /* code points */
    int64_t hash;  /* -1 = not computed yet */
    bool ascii;    /* size == length */
    bool interned;
    char data[];   /* NUL-terminated UTF-8 */
} mv_strobj;

extern mv_type mv_str_type;

static inline bool mv_str_check(Value v) { return !MV_IS_SMALL(v) && mv_isinstance_of(v, &mv_str_type); }
static inline const char *mv_str_data(Value v) { return ((mv_strobj *)v)->data; }
static inline size_t mv_str_size(Value v) { return ((mv_strobj *)v)->size; }
static inline size_t mv_str_len(Value v) { return ((mv_strobj *)v)->length; }

Value mv_str_new(const char *utf8, size_t size);   /* copies; input must be valid UTF-8 */
Value mv_str_from_cstr(const char *s);
Value mv_str_fromf(const char *fmt, ...);          /* printf into a new str */
/* Decode bytes that may not be valid UTF-8 (errors: "strict" raises UnicodeDecodeError,
   "replace", "surrogateescape" approximated as replace). */
Value mv_str_decode_utf8(mv_thread *t, const char *s, size_t size, const char *errors);
Value mv_str_intern(mv_thread *t, Value s);   /* steals s, returns the interned copy (new ref) */
Value mv_str_intern_cstr(mv_thread *t, const char *s); /* new ref */
bool mv_str_eq(Value a, Value b);             /* both str: same contents */
bool mv_str_eq_cstr(Value a, const char *s);
int64_t mv_str_hash(Value s);
Value mv_str_concat(mv_thread *t, Value a, Value b);
Value mv_str_join(mv_thread *t, Value sep, Value iterable);
/* a + b where the caller gives up its reference to a (both exact str): when that was the only
   reference, a is grown in place (realloc) instead of copied, making `s += x` loops linear.
   For the eval loop's `x = x + y` / `x += y` when the next instruction stores into x. */
Value mv_str_append_steal(mv_thread *t, Value a, Value b);
Value mv_str_repr(Value s);                   /* 'abc' with CPython's quoting and escapes */
Value mv_str_from_codepoint(uint32_t cp);
/* Code point at index i (0 <= i < length). */
uint32_t mv_str_codepoint_at(Value s, size_t i);

/* A growable UTF-8 buffer for building strings in C. */
typedef struct {
    char *buf;
    size_t len, cap;
} mv_strbuf;
void mv_strbuf_init(mv_strbuf *b);
void mv_strbuf_add(mv_strbuf *b, const char *s, size_t n);
void mv_strbuf_adds(mv_strbuf *b, const char *s);
void mv_strbuf_addc(mv_strbuf *b, char c);
void mv_strbuf_addf(mv_strbuf *b, const char *fmt, ...);
void mv_strbuf_add_codepoint(mv_strbuf *b, uint32_t cp);
int mv_strbuf_add_value_str(mv_thread *t, mv_strbuf *b, Value v);  /* str(v); -1 error */
int mv_strbuf_add_value_repr(mv_thread *t, mv_strbuf *b, Value v); /* repr(v); -1 error */
Value mv_strbuf_finish(mv_strbuf *b); /* makes a str, frees the buffer */
void mv_strbuf_free(mv_strbuf *b);

/* format.c: the format mini-language, %-formatting, str.format, f-string conversions */
Value mv_format_builtin(mv_thread *t, Value v, Value spec);      /* format(v, spec) for builtins */
Value mv_str_percent_format(mv_thread *t, Value fmt, Value args); /* fmt % args */
Value mv_str_format_method(mv_thread *t, Value fmt, Value *args, size_t nargs, Value kwnames);

/* ---- internals shared by the text files (str.c, str_methods.c, strbuf.c, format.c, bytes.c) -- */
/* A fresh str with room for `size` bytes (data[size] is set to NUL, the rest is for the caller
   to fill) holding `length` code points.  Filling in place avoids a second copy. */
mv_strobj *mv_str_alloc(size_t size, size_t length);
Value mv_str_empty(void);                       /* new ref to "" */
Value mv_str_new_len(const char *utf8, size_t size, size_t length); /* length already known */
size_t mv_str_byte_offset(Value s, size_t index); /* byte offset of code point `index` (<= len) */
Value mv_str_substr(Value s, size_t start, size_t end); /* code points [start, end) */
Value mv_str_exact(mv_thread *t, Value s);      /* s itself if exactly str, else a plain copy */
size_t mv_utf8_count(const char *s, size_t size); /* code points in valid UTF-8 */
/* Is s[0..n) UTF-8 as a str holds it (no surrogates, no overlong forms)?  Counts code points:
   for bytes from outside (pickle, marshal) before they become a str. */
bool mv_utf8_valid(const char *s, size_t n, size_t *ncp);
uint32_t mv_utf8_next(const char **p);          /* decode one code point of valid UTF-8 */
int mv_utf8_encode(uint32_t cp, char *out);     /* 1-4 bytes written */
bool mv_unicode_isprintable(uint32_t cp);       /* as CPython's str.isprintable / repr */
int64_t mv_hash_bytes(const void *p, size_t n);  /* the str hash of raw bytes (never -1) */
void mv_strbuf_reserve(mv_strbuf *b, size_t n); /* room for n more bytes */
void mv_str_repr_into(mv_strbuf *b, const char *s, size_t size, bool ascii_only); /* with quotes */
extern const mv_method_def mv_str_methods[];    /* str_methods.c */
extern mv_type mv_str_iter_type, mv_str_ascii_iter_type;

/* Unicode character properties and case mapping (str_methods.c; C.UTF-8 tables via glibc). */
bool mv_unicode_isspace(uint32_t cp);
bool mv_unicode_isalpha(uint32_t cp);
bool mv_unicode_isdecimal(uint32_t cp);
bool mv_unicode_isdigit(uint32_t cp);
bool mv_unicode_isnumeric(uint32_t cp);
int mv_unicode_decimal_value(uint32_t cp);   /* 0-9, or -1 */
uint32_t mv_unicode_toupper(uint32_t cp);
uint32_t mv_unicode_tolower(uint32_t cp);
Value mv_str_format_map(mv_thread *t, Value fmt, Value mapping); /* format.c: str.format_map */

#endif
