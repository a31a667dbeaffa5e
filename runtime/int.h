/* int.h: Python ints.  Small values are tagged Values (object.h: MV_IS_SMALL); values outside the
 * 63-bit range are mv_bigint heap objects holding a GMP mpz_t.  Every operation demotes a result
 * that fits back to a tagged small int, so a bigint is never "small".  bool is a subclass of int
 * (its two instances are MV_TRUE/MV_FALSE, static objects of type mv_bool_type).
 */
#ifndef MV_INT_H
#define MV_INT_H

#include <gmp.h>
#include "vm.h"

typedef struct {
    mv_object ob;
    mpz_t z;
} mv_bigint;

extern mv_type mv_int_type, mv_bool_type;

static inline bool mv_int_check(Value v) { return MV_IS_SMALL(v) || mv_isinstance_of(v, &mv_int_type); }
static inline bool mv_int_check_exact(Value v) { return MV_IS_SMALL(v) || v->type == &mv_int_type; }

Value mv_int_from_i64(int64_t i);      /* tagged when it fits, else a bigint */
Value mv_int_from_u64(uint64_t u);
Value mv_int_from_mpz(const mpz_t z);  /* copies; demotes when it fits */
Value mv_int_from_double(mv_thread *t, double d); /* int(3.7) == 3; OverflowError / ValueError */
/* Parse like int(s, base): whitespace, sign, underscores, 0x/0o/0b prefixes with base 0.
   ValueError: invalid literal for int() with base 10: 'x' */
Value mv_int_from_string(mv_thread *t, const char *s, size_t len, int base);
/* The chars of str s for number parsing: Unicode digits/spaces mapped to ASCII; *owned is
   NULL or a buffer to mv_free.  (Shared by int() and float().) */
const char *mv_number_ascii(Value s, size_t *len, char **owned);
/* Value of an int (or bool) as int64; returns 0 ok, -1 with OverflowError if it does not fit. */
int mv_int_as_i64(mv_thread *t, Value v, int64_t *out);
/* Copy an int's value into an initialized mpz. */
void mv_int_to_mpz(Value v, mpz_t out);
double mv_int_as_double(mv_thread *t, Value v, int *overflow); /* overflow set to 1 if too big */
int mv_int_sign(Value v);
Value mv_int_to_string(Value v, int base); /* str: base 10 digits, or 2/8/16 with 0b/0o/0x prefix */
int mv_int_hash(Value v, int64_t *out);    /* CPython's numeric hash (mod 2**61-1) */
/* divmod(a, b) for ints (NotImplemented if either is not an int); pow(a, b, m) for the builtin
   (TypeError unless all are ints; negative b uses the modular inverse). */
Value mv_int_divmod(mv_thread *t, Value a, Value b);
Value mv_int_pow_mod(mv_thread *t, Value a, Value b, Value m);

#endif
