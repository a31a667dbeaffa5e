/* random.c: the random module with CPython-identical sequences: MT19937 seeded by init_by_array
 * from the seed's 32-bit words, random() from two draws (53 bits), and ports of CPython 3.11's
 * Lib/random.py algorithms (randbelow via getrandbits, randrange, shuffle, sample, choices, gauss,
 * normalvariate ...).  Module functions are methods bound to a hidden Random instance.
 */
#include <gmp.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "func.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "set.h"
#include "str.h"
#include "bytes.h"
#include "tuple.h"

#define MT_N 624
#define MT_M 397

typedef struct {
    mv_object ob;
    Value dict;
    uint32_t mt[MT_N];
    int mti;
    double gauss_next;
    bool has_gauss;
} mv_random;

extern mv_type mv_random_type;

/* ---- MT19937 (as _randommodule.c) ----------------------------------------------------------------- */

static uint32_t genrand(mv_random *r) {
    static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
    uint32_t y;
    uint32_t *mt = r->mt;
    if (r->mti >= MT_N) {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1U];
        }
        y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
        r->mti = 0;
    }
    y = mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

static void init_genrand(mv_random *r, uint32_t s) {
    uint32_t *mt = r->mt;
    mt[0] = s;
    for (int mti = 1; mti < MT_N; mti++) mt[mti] = (1812433253U * (mt[mti - 1] ^ (mt[mti - 1] >> 30)) + (uint32_t)mti);
    r->mti = MT_N;
}

static void init_by_array(mv_random *r, const uint32_t *key, size_t keylen) {
    uint32_t *mt = r->mt;
    init_genrand(r, 19650218U);
    size_t i = 1, j = 0;
    size_t k = MT_N > keylen ? MT_N : keylen;
    for (; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= keylen) j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000U;
}

static double random_double(mv_random *r) {
    uint32_t a = genrand(r) >> 5, b = genrand(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* ---- seeding ------------------------------------------------------------------------------------ */

static void seed_from_mpz(mv_random *r, mpz_t z) {
    mpz_abs(z, z);
    size_t count = 0;
    uint32_t *key = NULL;
    if (mpz_sgn(z) != 0) key = mpz_export(NULL, &count, -1, sizeof(uint32_t), 0, 0, z);
    if (count == 0) {
        uint32_t zero = 0;
        init_by_array(r, &zero, 1);
    } else {
        init_by_array(r, key, count);
    }
    if (key) {
        void (*freefn)(void *, size_t);
        mp_get_memory_functions(NULL, NULL, &freefn);
        freefn(key, count * sizeof(uint32_t));
    }
}

static void seed_urandom(mv_random *r) {
    uint32_t key[MT_N];
    size_t got = 0;
    while (got < sizeof key) {
        ssize_t n = getrandom((char *)key + got, sizeof key - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got < sizeof key) {
        /* fall back to time and pid */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        key[0] = (uint32_t)ts.tv_sec;
        key[1] = (uint32_t)ts.tv_nsec;
        key[2] = (uint32_t)getpid();
        init_by_array(r, key, 3);
        return;
    }
    init_by_array(r, key, MT_N);
}

/* SHA-512 (FIPS 180-4), for CPython's str/bytes seeding: int.from_bytes(a + sha512(a).digest()) */
static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL,
    0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
    0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL, 0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
    0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL, 0x983e5152ee66dfabULL,
    0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
    0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL,
    0x53380d139d95b3dfULL, 0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
    0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL, 0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
    0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL,
    0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL, 0xca273eceea26619cULL,
    0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
    0x113f9804bef90daeULL, 0x1b710b35131c471bULL, 0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
    0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

#define ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

static void sha512_block(uint64_t h[8], const unsigned char *p) {
    uint64_t w[80];
    for (int i = 0; i < 16; i++) {
        w[i] = 0;
        for (int j = 0; j < 8; j++) w[i] = (w[i] << 8) | p[i * 8 + j];
    }
    for (int i = 16; i < 80; i++) {
        uint64_t s0 = ROR64(w[i - 15], 1) ^ ROR64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = ROR64(w[i - 2], 19) ^ ROR64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 80; i++) {
        uint64_t S1 = ROR64(e, 14) ^ ROR64(e, 18) ^ ROR64(e, 41);
        uint64_t ch = (e & f) ^ (~e & g);
        uint64_t t1 = hh + S1 + ch + sha512_k[i] + w[i];
        uint64_t S0 = ROR64(a, 28) ^ ROR64(a, 34) ^ ROR64(a, 39);
        uint64_t mj = (a & b) ^ (a & c) ^ (b & c);
        uint64_t t2 = S0 + mj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha512(const unsigned char *data, size_t len, unsigned char out[64]) {
    uint64_t h[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
                     0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
    size_t i = 0;
    for (; i + 128 <= len; i += 128) sha512_block(h, data + i);
    unsigned char buf[256];
    size_t rem = len - i;
    memset(buf, 0, sizeof buf);
    memcpy(buf, data + i, rem);
    buf[rem] = 0x80;
    size_t total = rem + 1 + 16 <= 128 ? 128 : 256;
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++) buf[total - 1 - k] = (unsigned char)(bits >> (8 * k));
    sha512_block(h, buf);
    if (total == 256) sha512_block(h, buf + 128);
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < 8; j++) out[k * 8 + j] = (unsigned char)(h[k] >> (56 - 8 * j));
}

static int do_seed(mv_thread *t, mv_random *r, Value a) {
    r->has_gauss = false;
    if (!a || a == MV_NONE) {
        seed_urandom(r);
        return 0;
    }
    mpz_t z;
    mpz_init(z);
    if (mv_int_check(a)) {
        mv_int_to_mpz(a, z);
    } else if (mv_str_check(a) || mv_bytes_check(a)) {
        /* CPython (version 2): int.from_bytes(a + sha512(a).digest(), 'big') */
        const void *p = mv_str_check(a) ? (const void *)mv_str_data(a) : (const void *)mv_bytes_data(a);
        size_t n = mv_str_check(a) ? mv_str_size(a) : mv_bytes_size(a);
        unsigned char *buf = mv_malloc(n + 64);
        memcpy(buf, p, n);
        sha512(buf, n, buf + n);
        mpz_import(z, n + 64, 1, 1, 0, 0, buf);
        mv_free(buf);
    } else if (mv_float_check(a) || a == MV_TRUE || a == MV_FALSE) {
        int64_t h;
        if (mv_hash(t, a, &h) < 0) {
            mpz_clear(z);
            return -1;
        }
        mpz_set_si(z, h);
    } else {
        mpz_clear(z);
        mv_err_set(t, &mv_exc_TypeError,
                   "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.");
        return -1;
    }
    seed_from_mpz(r, z);
    mpz_clear(z);
    return 0;
}

/* ---- integer draws -------------------------------------------------------------------------------- */

static Value getrandbits(mv_thread *t, mv_random *r, int64_t k) {
    if (k < 0) return mv_err_set(t, &mv_exc_ValueError, "number of bits must be non-negative");
    if (k == 0) return MV_FROM_SMALL(0);
    if (k <= 32) return mv_int_from_i64(genrand(r) >> (32 - k));
    if (k <= 64) {
        uint64_t lo = genrand(r);
        uint32_t hi = genrand(r);
        if (k < 64) hi >>= (64 - k);
        return mv_int_from_u64(lo | ((uint64_t)hi << 32));
    }
    size_t words = (size_t)((k - 1) / 32 + 1);
    uint32_t *w = mv_malloc(words * sizeof(uint32_t));
    for (size_t i = 0; i < words; i++, k -= 32) {
        uint32_t x = genrand(r);
        if (k < 32) x >>= (32 - k);
        w[i] = x;
    }
    mpz_t z;
    mpz_init(z);
    mpz_import(z, words, -1, sizeof(uint32_t), 0, 0, w);
    mv_free(w);
    Value v = mv_int_from_mpz(z);
    mpz_clear(z);
    return v;
}

static int bit_length_u64(uint64_t n) {
    return n ? 64 - __builtin_clzll(n) : 0;
}

/* 0 <= r < n for 0 < n < 2**63, as _randbelow_with_getrandbits */
static uint64_t randbelow_u64(mv_random *r, uint64_t n) {
    int k = bit_length_u64(n);
    for (;;) {
        uint64_t x;
        if (k <= 32) {
            x = k ? genrand(r) >> (32 - k) : 0;
        } else {
            uint64_t lo = genrand(r);
            uint32_t hi = genrand(r);
            hi >>= (64 - k);
            x = lo | ((uint64_t)hi << 32);
        }
        if (x < n) return x;
    }
}

/* randbelow for any positive int Value n */
static Value randbelow(mv_thread *t, mv_random *r, Value n) {
    if (MV_IS_SMALL(n) && MV_SMALL_VAL(n) > 0) return mv_int_from_i64((int64_t)randbelow_u64(r, (uint64_t)MV_SMALL_VAL(n)));
    mpz_t z;
    mpz_init(z);
    mv_int_to_mpz(n, z);
    if (mpz_sgn(z) <= 0) {
        mpz_clear(z);
        return MV_FROM_SMALL(0);
    }
    int64_t k = (int64_t)mpz_sizeinbase(z, 2);
    for (;;) {
        Value x = getrandbits(t, r, k);
        if (!x) {
            mpz_clear(z);
            return NULL;
        }
        int lt = mv_richcompare_bool(t, x, n, MV_LT);
        if (lt) {
            mpz_clear(z);
            return x;
        }
        MV_DECREF(x);
    }
}

/* int(v) for randrange's arguments (3.11: integral floats accepted, others ValueError) */
static Value index_arg(mv_thread *t, Value v, int argno) {
    if (mv_int_check(v)) return mv_number_index(t, v);
    if (mv_float_check(v)) {
        double d = mv_float_val(v);
        if (d == floor(d) && isfinite(d)) return mv_int_from_double(t, d);
        return mv_err_format(t, &mv_exc_ValueError, "non-integer arg %d for randrange()", argno);
    }
    return mv_number_index(t, v);
}

static Value randrange(mv_thread *t, mv_random *r, Value start, Value stop, Value step) {
    Value istart = index_arg(t, start, 1);
    if (!istart) return NULL;
    if (!stop || stop == MV_NONE) {
        if (step && !(MV_IS_SMALL(step) && MV_SMALL_VAL(step) == 1)) {
            MV_DECREF(istart);
            return mv_err_set(t, &mv_exc_TypeError, "Missing a non-None stop argument");
        }
        if (mv_int_sign(istart) > 0) {
            Value res = randbelow(t, r, istart);
            MV_DECREF(istart);
            return res;
        }
        MV_DECREF(istart);
        return mv_err_set(t, &mv_exc_ValueError, "empty range for randrange()");
    }
    Value istop = index_arg(t, stop, 2);
    if (!istop) {
        MV_DECREF(istart);
        return NULL;
    }
    Value result = NULL;
    Value width = mv_binary_op(t, istop, istart, MV_BINOP_SUB);
    Value istep = step ? index_arg(t, step, 3) : MV_FROM_SMALL(1);
    if (!width || !istep) goto done;
    if (MV_IS_SMALL(istep) && MV_SMALL_VAL(istep) == 1) {
        if (mv_int_sign(width) > 0) {
            Value x = randbelow(t, r, width);
            if (x) {
                result = mv_binary_op(t, istart, x, MV_BINOP_ADD);
                MV_DECREF(x);
            }
        } else {
            Value s1 = mv_repr(t, istart), s2 = mv_repr(t, istop), s3 = mv_repr(t, width);
            if (s1 && s2 && s3)
                mv_err_format(t, &mv_exc_ValueError, "empty range for randrange() (%U, %U, %U)", s1, s2, s3);
            MV_XDECREF(s1);
            MV_XDECREF(s2);
            MV_XDECREF(s3);
        }
        goto done;
    }
    int sign = mv_int_sign(istep);
    if (sign == 0) {
        mv_err_set(t, &mv_exc_ValueError, "zero step for randrange()");
        goto done;
    }
    Value adj = mv_binary_op(t, istep, MV_FROM_SMALL(sign > 0 ? -1 : 1), MV_BINOP_ADD);
    Value num = adj ? mv_binary_op(t, width, adj, MV_BINOP_ADD) : NULL;
    Value n = num ? mv_binary_op(t, num, istep, MV_BINOP_FLOORDIV) : NULL;
    MV_XDECREF(adj);
    MV_XDECREF(num);
    if (!n) goto done;
    if (mv_int_sign(n) <= 0) {
        MV_DECREF(n);
        mv_err_set(t, &mv_exc_ValueError, "empty range for randrange()");
        goto done;
    }
    Value x = randbelow(t, r, n);
    MV_DECREF(n);
    if (!x) goto done;
    Value prod = mv_binary_op(t, istep, x, MV_BINOP_MUL);
    MV_DECREF(x);
    if (prod) {
        result = mv_binary_op(t, istart, prod, MV_BINOP_ADD);
        MV_DECREF(prod);
    }
done:
    MV_DECREF(istart);
    MV_DECREF(istop);
    MV_XDECREF(width);
    MV_XDECREF(istep);
    return result;
}

/* ---- methods ------------------------------------------------------------------------------------- */

#define R ((mv_random *)self)

static Value m_seed(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"a", "version", NULL};
    Value a[2];
    if (mv_parse_args(t, "seed", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    if (do_seed(t, R, a[0]) < 0) return NULL;
    return mv_newref(MV_NONE);
}

static Value m_random(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "random", nargs, 0, 0) < 0) return NULL;
    return mv_float_new(random_double(R));
}

static Value m_getrandbits(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "getrandbits", nargs, 1, 1) < 0) return NULL;
    int64_t k;
    if (mv_index_int64(t, args[0], &k) < 0) return NULL;
    return getrandbits(t, R, k);
}

static Value m_randbelow(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "_randbelow", nargs, 1, 1) < 0) return NULL;
    return randbelow(t, R, args[0]);
}

static Value m_randrange(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"start", "stop", "step", NULL};
    Value a[3];
    if (mv_parse_args(t, "randrange", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    return randrange(t, R, a[0], a[1], a[2]);
}

static Value m_randint(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"a", "b", NULL};
    Value a[2];
    if (mv_parse_args(t, "randint", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    Value b1 = mv_binary_op(t, a[1], MV_FROM_SMALL(1), MV_BINOP_ADD);
    if (!b1) return NULL;
    Value r = randrange(t, R, a[0], b1, NULL);
    MV_DECREF(b1);
    return r;
}

static Value m_choice(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "choice", nargs, 1, 1) < 0) return NULL;
    int64_t n = mv_len(t, args[0]);
    if (n < 0) return NULL;
    if (n == 0) return mv_err_set(t, &mv_exc_IndexError, "Cannot choose from an empty sequence");
    Value i = mv_int_from_i64((int64_t)randbelow_u64(R, (uint64_t)n));
    Value r = mv_getitem(t, args[0], i);
    MV_DECREF(i);
    return r;
}

static Value m_shuffle(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "shuffle", nargs, 1, 1) < 0) return NULL;
    Value x = args[0];
    int64_t n = mv_len(t, x);
    if (n < 0) return NULL;
    if (mv_list_check(x)) {
        for (int64_t i = n - 1; i >= 1; i--) {
            uint64_t j = randbelow_u64(R, (uint64_t)i + 1);
            if ((int64_t)mv_list_size(x) != n) break;
            Value *items = mv_list_items(x);
            Value tmp = items[i];
            items[i] = items[j];
            items[j] = tmp;
        }
        return mv_newref(MV_NONE);
    }
    for (int64_t i = n - 1; i >= 1; i--) {
        int64_t j = (int64_t)randbelow_u64(R, (uint64_t)i + 1);
        Value ki = mv_int_from_i64(i), kj = mv_int_from_i64(j);
        Value a = mv_getitem(t, x, ki), b = a ? mv_getitem(t, x, kj) : NULL;
        int ok = a && b && mv_setitem(t, x, ki, b) == 0 && mv_setitem(t, x, kj, a) == 0;
        MV_XDECREF(a);
        MV_XDECREF(b);
        if (!ok) return NULL;
    }
    return mv_newref(MV_NONE);
}

static Value m_uniform(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "uniform", nargs, 2, 2) < 0) return NULL;
    double a, b;
    if (mv_as_double(t, args[0], &a) < 0 || mv_as_double(t, args[1], &b) < 0) return NULL;
    return mv_float_new(a + (b - a) * random_double(R));
}

static Value m_sample(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"population", "k", "$counts", NULL};
    Value a[3];
    if (mv_parse_args(t, "sample", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    Value pop = a[0];
    if (mv_set_check(pop) || mv_dict_check(pop))
        return mv_err_set(t, &mv_exc_TypeError, "Population must be a sequence.  For dicts or sets, use sorted(d).");
    if (a[2] && a[2] != MV_NONE) {
        /* counts: expand the population as CPython does (sample from the repeated sequence) */
        Value c = mv_sequence_list(t, a[2]);
        if (!c) return NULL;
        Value expanded = mv_list_new(0);
        int64_t np = mv_len(t, pop);
        if (np < 0 || np != (int64_t)mv_list_size(c)) {
            MV_DECREF(c);
            MV_DECREF(expanded);
            if (np >= 0) mv_err_set(t, &mv_exc_ValueError, "The number of counts does not match the population");
            return NULL;
        }
        for (int64_t i = 0; i < np; i++) {
            int64_t cnt;
            if (mv_index_int64(t, mv_list_items(c)[i], &cnt) < 0) {
                MV_DECREF(c);
                MV_DECREF(expanded);
                return NULL;
            }
            Value idx = mv_int_from_i64(i);
            Value item = mv_getitem(t, pop, idx);
            if (!item) {
                MV_DECREF(c);
                MV_DECREF(expanded);
                return NULL;
            }
            for (int64_t k = 0; k < cnt; k++) mv_list_append(expanded, item);
            MV_DECREF(item);
        }
        MV_DECREF(c);
        Value args2[2] = {expanded, a[1]};
        Value r = m_sample(t, self, args2, 2, NULL);
        MV_DECREF(expanded);
        return r;
    }
    int64_t n = mv_len(t, pop);
    if (n < 0) return NULL;
    int64_t k;
    if (mv_index_int64(t, a[1], &k) < 0) return NULL;
    if (k < 0 || k > n) return mv_err_set(t, &mv_exc_ValueError, "Sample larger than population or is negative");
    Value result = mv_list_new((size_t)k);
    int64_t setsize = 21;
    if (k > 5) setsize += (int64_t)pow(4.0, ceil(log((double)k * 3) / log(4.0)));
    if (n <= setsize) {
        Value pool = mv_sequence_list(t, pop);
        if (!pool) {
            for (int64_t i = 0; i < k; i++) MV_LIST_SET(result, i, mv_newref(MV_NONE));
            MV_DECREF(result);
            return NULL;
        }
        Value *items = mv_list_items(pool);
        for (int64_t i = 0; i < k; i++) {
            uint64_t j = randbelow_u64(R, (uint64_t)(n - i));
            MV_LIST_SET(result, i, mv_newref(items[j]));
            Value last = items[n - i - 1];
            MV_INCREF(last);
            MV_DECREF(items[j]);
            items[j] = last;
        }
        MV_DECREF(pool);
        return result;
    }
    /* selected-set method: a small open-addressing set of indices */
    size_t cap = 16;
    while (cap < (size_t)k * 2 + 2) cap *= 2;
    int64_t *tab = mv_malloc(cap * sizeof(int64_t));
    for (size_t i = 0; i < cap; i++) tab[i] = -1;
    for (int64_t i = 0; i < k; i++) {
        int64_t j;
        for (;;) {
            j = (int64_t)randbelow_u64(R, (uint64_t)n);
            size_t h = (size_t)j * 0x9E3779B97F4A7C15ull % cap;
            bool found = false;
            while (tab[h] != -1) {
                if (tab[h] == j) {
                    found = true;
                    break;
                }
                h = (h + 1) % cap;
            }
            if (!found) {
                tab[h] = j;
                break;
            }
        }
        Value idx = mv_int_from_i64(j);
        Value item = mv_getitem(t, pop, idx);
        if (!item) {
            for (int64_t q = i; q < k; q++) MV_LIST_SET(result, q, mv_newref(MV_NONE));
            mv_free(tab);
            MV_DECREF(result);
            return NULL;
        }
        MV_LIST_SET(result, i, item);
    }
    mv_free(tab);
    return result;
}

static Value m_choices(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"population", "weights", "$cum_weights", "$k", NULL};
    Value a[4];
    if (mv_parse_args(t, "choices", args, nargs, kwnames, kwlist, 1, a) < 0) return NULL;
    Value pop = a[0];
    int64_t n = mv_len(t, pop);
    if (n < 0) return NULL;
    int64_t k = 1;
    if (a[3] && mv_index_int64(t, a[3], &k) < 0) return NULL;
    Value weights = a[1] && a[1] != MV_NONE ? a[1] : NULL, cum = a[2] && a[2] != MV_NONE ? a[2] : NULL;
    Value result = mv_list_new(0);
    if (!cum && !weights) {
        double dn = (double)n;
        for (int64_t i = 0; i < k; i++) {
            Value idx = mv_int_from_i64((int64_t)floor(random_double(R) * dn));
            Value item = mv_getitem(t, pop, idx);
            if (!item) {
                MV_DECREF(result);
                return NULL;
            }
            mv_list_append_steal(result, item);
        }
        return result;
    }
    if (cum && weights) {
        MV_DECREF(result);
        return mv_err_set(t, &mv_exc_TypeError, "Cannot specify both weights and cumulative weights");
    }
    Value wl;
    if (weights) {
        if (mv_int_check(weights)) {
            MV_DECREF(result);
            Value r = mv_repr(t, weights);
            if (r) mv_err_format(t, &mv_exc_TypeError, "The number of choices must be a keyword argument: k=%U", r);
            MV_XDECREF(r);
            return NULL;
        }
        /* cum_weights = list(accumulate(weights)) */
        Value w = mv_sequence_list(t, weights);
        if (!w) {
            MV_DECREF(result);
            return NULL;
        }
        wl = mv_list_new(0);
        Value acc = NULL;
        for (size_t i = 0; i < mv_list_size(w); i++) {
            Value x = mv_list_items(w)[i];
            Value nacc = acc ? mv_binary_op(t, acc, x, MV_BINOP_ADD) : mv_newref(x);
            MV_XDECREF(acc);
            acc = nacc;
            if (!acc) {
                MV_DECREF(w);
                MV_DECREF(wl);
                MV_DECREF(result);
                return NULL;
            }
            mv_list_append(wl, acc);
        }
        MV_XDECREF(acc);
        MV_DECREF(w);
    } else {
        wl = mv_sequence_list(t, cum);
        if (!wl) {
            MV_DECREF(result);
            return NULL;
        }
    }
    size_t nw = mv_list_size(wl);
    if ((int64_t)nw != n) {
        MV_DECREF(wl);
        MV_DECREF(result);
        return mv_err_set(t, &mv_exc_ValueError, "The number of weights does not match the population");
    }
    double *cw = mv_malloc((nw ? nw : 1) * sizeof(double));
    for (size_t i = 0; i < nw; i++) {
        if (mv_as_double(t, mv_list_items(wl)[i], &cw[i]) < 0) {
            mv_free(cw);
            MV_DECREF(wl);
            MV_DECREF(result);
            return NULL;
        }
    }
    MV_DECREF(wl);
    double total = nw ? cw[nw - 1] + 0.0 : 0.0;
    if (nw == 0) {
        mv_free(cw);
        MV_DECREF(result);
        return mv_err_set(t, &mv_exc_IndexError, "list index out of range");
    }
    if (total <= 0.0) {
        mv_free(cw);
        MV_DECREF(result);
        return mv_err_set(t, &mv_exc_ValueError, "Total of weights must be greater than zero");
    }
    if (!isfinite(total)) {
        mv_free(cw);
        MV_DECREF(result);
        return mv_err_set(t, &mv_exc_ValueError, "Total of weights must be finite");
    }
    size_t hi = nw - 1;
    for (int64_t i = 0; i < k; i++) {
        double x = random_double(R) * total;
        /* bisect_right(cw, x, 0, hi) */
        size_t lo = 0, h = hi;
        while (lo < h) {
            size_t mid = (lo + h) / 2;
            if (x < cw[mid]) h = mid;
            else lo = mid + 1;
        }
        Value idx = mv_int_from_i64((int64_t)lo);
        Value item = mv_getitem(t, pop, idx);
        if (!item) {
            mv_free(cw);
            MV_DECREF(result);
            return NULL;
        }
        mv_list_append_steal(result, item);
    }
    mv_free(cw);
    return result;
}

static int mu_sigma(mv_thread *t, const char *name, Value *args, size_t nargs, Value kwnames, double *mu, double *sigma) {
    static const char *const kwlist[] = {"mu", "sigma", NULL};
    Value a[2];
    if (mv_parse_args(t, name, args, nargs, kwnames, kwlist, 0, a) < 0) return -1;
    *mu = 0.0;
    *sigma = 1.0;
    if (a[0] && mv_as_double(t, a[0], mu) < 0) return -1;
    if (a[1] && mv_as_double(t, a[1], sigma) < 0) return -1;
    return 0;
}

static Value m_gauss(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    double mu, sigma;
    if (mu_sigma(t, "gauss", args, nargs, kwnames, &mu, &sigma) < 0) return NULL;
    double z;
    if (R->has_gauss) {
        z = R->gauss_next;
        R->has_gauss = false;
    } else {
        double x2pi = random_double(R) * (2.0 * M_PI);
        double g2rad = sqrt(-2.0 * log(1.0 - random_double(R)));
        z = cos(x2pi) * g2rad;
        R->gauss_next = sin(x2pi) * g2rad;
        R->has_gauss = true;
    }
    return mv_float_new(mu + z * sigma);
}

static Value m_normalvariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    double mu, sigma;
    if (mu_sigma(t, "normalvariate", args, nargs, kwnames, &mu, &sigma) < 0) return NULL;
    const double NV_MAGICCONST = 4 * exp(-0.5) / sqrt(2.0);
    double z;
    for (;;) {
        double u1 = random_double(R);
        double u2 = 1.0 - random_double(R);
        z = NV_MAGICCONST * (u1 - 0.5) / u2;
        double zz = z * z / 4.0;
        if (zz <= -log(u2)) break;
    }
    return mv_float_new(mu + z * sigma);
}

static Value m_expovariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "expovariate", nargs, 1, 1) < 0) return NULL;
    double lambd;
    if (mv_as_double(t, args[0], &lambd) < 0) return NULL;
    if (lambd == 0.0) return mv_err_set(t, &mv_exc_ZeroDivisionError, "float division by zero");
    return mv_float_new(-log(1.0 - random_double(R)) / lambd);
}

static Value m_triangular(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    static const char *const kwlist[] = {"low", "high", "mode", NULL};
    Value a[3];
    if (mv_parse_args(t, "triangular", args, nargs, kwnames, kwlist, 0, a) < 0) return NULL;
    double low = 0.0, high = 1.0, mode;
    if (a[0] && mv_as_double(t, a[0], &low) < 0) return NULL;
    if (a[1] && mv_as_double(t, a[1], &high) < 0) return NULL;
    double u = random_double(R);
    double c;
    if (a[2] && a[2] != MV_NONE) {
        if (mv_as_double(t, a[2], &mode) < 0) return NULL;
        if (high == low) return mv_float_new(low);
        c = (mode - low) / (high - low);
    } else {
        c = 0.5;
    }
    if (u > c) {
        u = 1.0 - u;
        c = 1.0 - c;
        double tmp = low;
        low = high;
        high = tmp;
    }
    return mv_float_new(low + (high - low) * sqrt(u * c));
}

static double gammavariate(mv_random *r, double alpha, double beta) {
    const double LOG4 = log(4.0), SG_MAGICCONST = 1.0 + log(4.5);
    if (alpha > 1.0) {
        double ainv = sqrt(2.0 * alpha - 1.0), bbb = alpha - LOG4, ccc = alpha + ainv;
        for (;;) {
            double u1 = random_double(r);
            if (!(1e-7 < u1 && u1 < 0.9999999)) continue;
            double u2 = 1.0 - random_double(r);
            double v = log(u1 / (1.0 - u1)) / ainv;
            double x = alpha * exp(v);
            double z = u1 * u1 * u2;
            double rr = bbb + ccc * v - x;
            if (rr + SG_MAGICCONST - 4.5 * z >= 0.0 || rr >= log(z)) return x * beta;
        }
    }
    if (alpha == 1.0) return -log(1.0 - random_double(r)) * beta;
    double x;
    for (;;) {
        double u = random_double(r);
        double b = (M_E + alpha) / M_E;
        double p = b * u;
        if (p <= 1.0) x = pow(p, 1.0 / alpha);
        else x = -log((b - p) / alpha);
        double u1 = random_double(r);
        if (p > 1.0) {
            if (u1 <= pow(x, alpha - 1.0)) break;
        } else if (u1 <= exp(-x)) {
            break;
        }
    }
    return x * beta;
}

static int two_doubles(mv_thread *t, const char *name, Value *args, size_t nargs, double *a, double *b) {
    if (mv_check_nargs(t, name, nargs, 2, 2) < 0) return -1;
    if (mv_as_double(t, args[0], a) < 0 || mv_as_double(t, args[1], b) < 0) return -1;
    return 0;
}

static Value m_gammavariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    double a, b;
    if (two_doubles(t, "gammavariate", args, nargs, &a, &b) < 0) return NULL;
    if (a <= 0.0 || b <= 0.0) return mv_err_set(t, &mv_exc_ValueError, "gammavariate: alpha and beta must be > 0.0");
    return mv_float_new(gammavariate(R, a, b));
}

static Value m_betavariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    double a, b;
    if (two_doubles(t, "betavariate", args, nargs, &a, &b) < 0) return NULL;
    if (a <= 0.0 || b <= 0.0) return mv_err_set(t, &mv_exc_ValueError, "gammavariate: alpha and beta must be > 0.0");
    double y = gammavariate(R, a, 1.0);
    if (y != 0.0) return mv_float_new(y / (y + gammavariate(R, b, 1.0)));
    return mv_float_new(0.0);
}

static Value m_lognormvariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value z = m_normalvariate(t, self, args, nargs, kwnames);
    if (!z) return NULL;
    double d = exp(mv_float_val(z));
    MV_DECREF(z);
    return mv_float_new(d);
}

static Value m_paretovariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "paretovariate", nargs, 1, 1) < 0) return NULL;
    double a;
    if (mv_as_double(t, args[0], &a) < 0) return NULL;
    double u = 1.0 - random_double(R);
    return mv_float_new(pow(u, -1.0 / a));
}

static Value m_weibullvariate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    double a, b;
    if (two_doubles(t, "weibullvariate", args, nargs, &a, &b) < 0) return NULL;
    double u = 1.0 - random_double(R);
    return mv_float_new(a * pow(-log(u), 1.0 / b));
}

static Value m_getstate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    Value st = mv_tuple_new(MT_N + 1);
    for (int i = 0; i < MT_N; i++) MV_TUPLE_SET(st, i, mv_int_from_i64(R->mt[i]));
    MV_TUPLE_SET(st, MT_N, mv_int_from_i64(R->mti));
    Value g = R->has_gauss ? mv_float_new(R->gauss_next) : mv_newref(MV_NONE);
    Value r = mv_tuple_pack(3, MV_FROM_SMALL(3), st, g);
    MV_DECREF(st);
    MV_DECREF(g);
    return r;
}

static Value m_setstate(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (mv_check_nargs(t, "setstate", nargs, 1, 1) < 0) return NULL;
    Value s = args[0];
    if (!mv_tuple_check(s) || mv_tuple_size(s) != 3 || !mv_tuple_check(MV_TUPLE_GET(s, 1)) ||
        mv_tuple_size(MV_TUPLE_GET(s, 1)) != MT_N + 1)
        return mv_err_set(t, &mv_exc_ValueError, "state vector is the wrong size");
    Value st = MV_TUPLE_GET(s, 1);
    for (int i = 0; i <= MT_N; i++) {
        int64_t v;
        if (mv_int_as_i64(t, MV_TUPLE_GET(st, i), &v) < 0) return NULL;
        if (i < MT_N) R->mt[i] = (uint32_t)v;
        else R->mti = (int)v;
    }
    Value g = MV_TUPLE_GET(s, 2);
    if (g == MV_NONE) {
        R->has_gauss = false;
    } else {
        if (mv_as_double(t, g, &R->gauss_next) < 0) return NULL;
        R->has_gauss = true;
    }
    return mv_newref(MV_NONE);
}

static const mv_method_def random_methods[] = {
    {"seed", m_seed, 0, NULL},
    {"random", m_random, 0, NULL},
    {"getrandbits", m_getrandbits, 0, NULL},
    {"_randbelow", m_randbelow, 0, NULL},
    {"randrange", m_randrange, 0, NULL},
    {"randint", m_randint, 0, NULL},
    {"choice", m_choice, 0, NULL},
    {"shuffle", m_shuffle, 0, NULL},
    {"uniform", m_uniform, 0, NULL},
    {"sample", m_sample, 0, NULL},
    {"choices", m_choices, 0, NULL},
    {"gauss", m_gauss, 0, NULL},
    {"normalvariate", m_normalvariate, 0, NULL},
    {"expovariate", m_expovariate, 0, NULL},
    {"triangular", m_triangular, 0, NULL},
    {"gammavariate", m_gammavariate, 0, NULL},
    {"betavariate", m_betavariate, 0, NULL},
    {"lognormvariate", m_lognormvariate, 0, NULL},
    {"paretovariate", m_paretovariate, 0, NULL},
    {"weibullvariate", m_weibullvariate, 0, NULL},
    {"getstate", m_getstate, 0, NULL},
    {"setstate", m_setstate, 0, NULL},
    {NULL, NULL, 0, NULL},
};

static Value random_tp_new(mv_thread *t, mv_type *type, Value *args, size_t nargs, Value kwnames) {
    Value self = mv_object_new(type);
    if (!self) return NULL;
    if (do_seed(t, R, nargs ? args[0] : NULL) < 0) {
        MV_DECREF(self);
        return NULL;
    }
    return self;
}

static int random_tp_init(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames) {
    if (nargs > 1) {
        mv_err_format(t, &mv_exc_TypeError, "Random() takes at most 1 argument (%d given)", (int)nargs);
        return -1;
    }
    return do_seed(t, R, nargs ? args[0] : NULL);
}

static void random_dealloc(Value self) {
    MV_CLEAR(R->dict);
}

mv_type mv_random_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "Random",
    .basicsize = sizeof(mv_random),
    .dictoffset = offsetof(mv_random, dict),
    .flags = MV_TPFLAG_BASETYPE,
    .base = &mv_object_type,
    .doc = "Random number generator base class used by bound module functions.",
    .tp_new = random_tp_new,
    .tp_init = random_tp_init,
    .dealloc = random_dealloc,
    .getattr = mv_generic_getattr,
    .setattr = mv_generic_setattr,
    .methods = random_methods,
};

Value mv_random_module_init(mv_thread *t) {
    if (!(mv_random_type.flags & MV_TPFLAG_READY)) {
        mv_random_type.module = mv_str_from_cstr("random");
        if (mv_type_ready(&mv_random_type) < 0) return NULL;
    }
    Value m = mv_module_new(t, "random");
    if (!m) return NULL;
    Value inst = random_tp_new(t, &mv_random_type, NULL, 0, NULL);
    if (!inst) goto fail;
    Value modname = mv_str_from_cstr("random");
    for (const mv_method_def *d = random_methods; d->name; d++) {
        Value f = mv_cfunc_new(d, inst, modname);
        int r = mv_module_add(t, m, d->name, f);
        MV_DECREF(f);
        if (r < 0) {
            MV_DECREF(modname);
            MV_DECREF(inst);
            goto fail;
        }
    }
    MV_DECREF(modname);
    mv_module_add(t, m, "_inst", inst);
    MV_DECREF(inst);
    mv_module_add(t, m, "Random", (Value)&mv_random_type);
    return m;
fail:
    MV_DECREF(m);
    return NULL;
}
