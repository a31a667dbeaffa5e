/* unicodename.c: Unicode character names (both directions) and properties, decoded on demand from
 * the compact const tables that tools/gen_unicode_names.py generates (unicodename_db.h, see its
 * docstring for the layout).  Name matching follows CPython 3.11's unicodedata _getcode exactly.
 */
#include "unicodename.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "unicodename_db.h"

const char mv_unicode_version[] = MV_UNIDATA_VERSION;

static int up(int ch) { return ch >= 'a' && ch <= 'z' ? ch - 32 : ch; }

/* ---- phrasebook decoding ---- */

static size_t phrase_pos(uint32_t entry) {
    size_t pos = name_phrase_offsets[entry / NAME_PHRASE_STEP];
    for (uint32_t k = entry % NAME_PHRASE_STEP; k; k--) pos += 1 + (size_t)name_phrasebook[pos];
    return pos;
}

/* The name of table entry `entry` into buf (NUL-terminated); its length, or -1 if too small. */
static int entry_name(uint32_t entry, char *buf, size_t size) {
    size_t pos = phrase_pos(entry), end = pos + 1 + name_phrasebook[pos], n = 0;
    bool prev_word = false;
    for (pos++; pos < end;) {
        unsigned k = name_phrasebook[pos++];
        if (k >= NAME_ONE_BYTE) k = NAME_ONE_BYTE + ((k - NAME_ONE_BYTE) << 8) + name_phrasebook[pos++];
        const char *w = name_lexicon + name_lexicon_offsets[k];
        size_t wl = (size_t)(name_lexicon_offsets[k + 1] - name_lexicon_offsets[k]);
        bool word = !(wl == 1 && (w[0] == ' ' || w[0] == '-'));
        if (n + wl + 2 > size) return -1;
        if (word && prev_word) buf[n++] = ' ';
        memcpy(buf + n, w, wl);
        n += wl;
        prev_word = word;
    }
    buf[n] = 0;
    return (int)n;
}

/* The code point of a plain (non-alias) entry: the run holding it by binary search. */
static uint32_t entry_cp(uint32_t entry) {
    size_t lo = 0, hi = NAME_RUNS; /* run_entry[lo] <= entry < run_entry[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (name_run_entry[mid] <= entry) lo = mid; else hi = mid;
    }
    return name_run_cp[lo] + (entry - name_run_entry[lo]);
}

/* ---- Hangul syllables (computed, as in CPython) ---- */

#define S_BASE 0xAC00
#define S_COUNT 11172
static const char *const jamo_l[19] = {"G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J",
                                       "JJ", "C", "K", "T", "P", "H"};
static const char *const jamo_v[21] = {"A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE",
                                       "OE", "YO", "U", "WEO", "WE", "WI", "YU", "EU", "YI", "I"};
static const char *const jamo_t[28] = {"", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB",
                                       "LS", "LT", "LP", "LH", "M", "B", "BS", "S", "SS", "NG", "J", "C",
                                       "K", "T", "P", "H"};

/* The longest jamo of tab[] at s (case-sensitive, as CPython); its length, *pos = -1 if none. */
static size_t find_syllable(const char *s, size_t n, const char *const *tab, int count, int *pos) {
    long best = -1;
    *pos = -1;
    for (int i = 0; i < count; i++) {
        size_t l = strlen(tab[i]);
        if ((long)l <= best || l > n || memcmp(s, tab[i], l) != 0) continue;
        best = (long)l;
        *pos = i;
    }
    return best < 0 ? 0 : (size_t)best;
}

static int hangul_lookup(const char *s, size_t n, uint32_t *cp) {
    int l, v, t;
    size_t k = find_syllable(s, n, jamo_l, 19, &l);
    s += k, n -= k;
    k = find_syllable(s, n, jamo_v, 21, &v);
    s += k, n -= k;
    k = find_syllable(s, n, jamo_t, 28, &t);
    if (l < 0 || v < 0 || t < 0 || k != n) return 0;
    *cp = S_BASE + (uint32_t)((l * 21 + v) * 28 + t);
    return 1;
}

/* ---- "PREFIX-HEX" names (CJK ideographs, Khitan, Nushu) ---- */

static int prefix_range_of(uint32_t cp) {
    for (int i = 0; i < NAME_PREFIX_RANGES; i++)
        if (name_prefix_ranges[i].first <= cp && cp <= name_prefix_ranges[i].last) return name_prefix_ranges[i].prefix;
    return -1;
}

static int parse_hex(const char *s, size_t n, bool upper_only, uint32_t *v) {
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)s[i], d;
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
        else if (!upper_only && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
        else return 0;
        *v = *v * 16 + (uint32_t)d;
    }
    return 1;
}

static bool iprefix(const char *s, size_t n, const char *prefix, size_t pl) {
    if (n < pl) return false;
    for (size_t i = 0; i < pl; i++)
        if (up((unsigned char)s[i]) != prefix[i]) return false;
    return true;
}

/* Names of the other prefixed ranges are ordinary names to CPython: matched case-insensitively
 * and exactly (so the hex must be the canonical %04X). */
static int prefixed_lookup(const char *name, size_t len, uint32_t *cp) {
    for (int p = 0; p < (int)(sizeof name_prefixes / sizeof *name_prefixes); p++) {
        size_t pl = strlen(name_prefixes[p]);
        if (strcmp(name_prefixes[p], "CJK UNIFIED IDEOGRAPH-") == 0 || !iprefix(name, len, name_prefixes[p], pl))
            continue;
        uint32_t v;
        char canon[16];
        if (len - pl < 4 || len - pl > 6 || !parse_hex(name + pl, len - pl, false, &v)) return 0;
        snprintf(canon, sizeof canon, "%04X", (unsigned)v);
        if (strlen(canon) != len - pl || prefix_range_of(v) != p) return 0;
        for (size_t i = 0; i < len - pl; i++)
            if (up((unsigned char)name[pl + i]) != canon[i]) return 0;
        *cp = v;
        return 1;
    }
    return 0;
}

/* ---- lookup by name ---- */

static int lookup(const char *name, size_t len, uint32_t *cps, int max, bool with_seq) {
    uint32_t cp;
    if (len >= 16 && memcmp(name, "HANGUL SYLLABLE ", 16) == 0) { /* case-sensitive, as CPython */
        if (!hangul_lookup(name + 16, len - 16, &cp)) return 0;
        goto one;
    }
    if (len >= 22 && memcmp(name, "CJK UNIFIED IDEOGRAPH-", 22) == 0) {
        /* four or five upper-case hex digits (CPython's rule, not the canonical form) */
        if ((len - 22 != 4 && len - 22 != 5) || !parse_hex(name + 22, len - 22, true, &cp)) return 0;
        int p = prefix_range_of(cp);
        if (p < 0 || strcmp(name_prefixes[p], "CJK UNIFIED IDEOGRAPH-") != 0) return 0;
        goto one;
    }
    if (prefixed_lookup(name, len, &cp)) goto one;
    if (len == 0 || len > NAME_MAXLEN) return 0;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint32_t)up((unsigned char)name[i])) * 16777619u;
    char buf[MV_UNICODE_NAME_MAX];
    for (uint32_t slot = h % NAME_HASH_SIZE; name_hash[slot] != NAME_HASH_EMPTY; slot = (slot + 1) % NAME_HASH_SIZE) {
        uint32_t e = name_hash[slot];
        int n = entry_name(e, buf, sizeof buf);
        if (n != (int)len) continue;
        size_t i = 0;
        while (i < len && up((unsigned char)name[i]) == buf[i]) i++;
        if (i < len) continue;
        if (e < NAME_PLAIN) {
            cp = entry_cp(e);
        } else if (e < NAME_PLAIN + NAME_ALIASES) {
            cp = name_alias_cp[e - NAME_PLAIN];
        } else {
            if (!with_seq) return 0;
            uint32_t s = e - NAME_PLAIN - NAME_ALIASES;
            int k = 0;
            for (uint32_t j = name_seq_offsets[s]; j < name_seq_offsets[s + 1] && k < max; j++) cps[k++] = name_seq_cps[j];
            return k;
        }
        goto one;
    }
    return 0;
one:
    if (max < 1) return 0;
    cps[0] = cp;
    return 1;
}

int mv_unicode_lookup(const char *name, size_t len, uint32_t *cp) {
    return lookup(name, len, cp, 1, false);
}

int mv_unicode_lookup_seq(const char *name, size_t len, uint32_t *cps, int max) {
    return lookup(name, len, cps, max, true);
}

/* ---- name of a code point ---- */

int mv_unicode_name(uint32_t cp, char *buf, size_t size) {
    if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
        uint32_t s = cp - S_BASE;
        int n = snprintf(buf, size, "HANGUL SYLLABLE %s%s%s", jamo_l[s / 588], jamo_v[(s % 588) / 28], jamo_t[s % 28]);
        return n < 0 || (size_t)n >= size ? -1 : n;
    }
    int p = prefix_range_of(cp);
    if (p >= 0) {
        int n = snprintf(buf, size, "%s%04X", name_prefixes[p], (unsigned)cp);
        return n < 0 || (size_t)n >= size ? -1 : n;
    }
    if (NAME_RUNS == 0 || cp < name_run_cp[0]) return 0;
    size_t lo = 0, hi = NAME_RUNS; /* run_cp[lo] <= cp < run_cp[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (name_run_cp[mid] <= cp) lo = mid; else hi = mid;
    }
    uint32_t off = cp - name_run_cp[lo];
    if (off >= name_run_entry[lo + 1] - name_run_entry[lo]) return 0;
    return entry_name(name_run_entry[lo] + off, buf, size);
}

/* ---- properties ---- */

void mv_unicode_get_props(uint32_t cp, mv_unicode_props *p) {
    unsigned r = 0;
    if (cp < 0x110000) {
        uint32_t block = prop_index1[cp >> PROP_SHIFT];
        r = prop_index2[(block << PROP_SHIFT) + (cp & ((1u << PROP_SHIFT) - 1))];
    }
    p->category = prop_categories[prop_records[r].category];
    p->bidirectional = prop_bidis[prop_records[r].bidi];
    p->east_asian_width = prop_eaws[prop_records[r].eaw];
    p->combining = prop_records[r].combining;
    p->mirrored = prop_records[r].mirrored;
    p->decimal = prop_records[r].decimal;
    p->digit = prop_records[r].digit;
    p->has_numeric = prop_records[r].numeric >= 0;
    p->numeric = p->has_numeric ? prop_numerics[prop_records[r].numeric] : 0.0;
}
