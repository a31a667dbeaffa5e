#!/usr/bin/env python3
"""Generate runtime/unicodename_db.h (the compact Unicode name and property tables) at build time
from the running Python's unicodedata module, so minivm matches that Python's Unicode version.

usage: gen_unicode_names.py OUTPUT.h
Layout (decoded by runtime/unicodename.c):
  names: a word lexicon (most frequent words first) plus a "phrasebook" holding, per named code
    point, a length byte and 1- or 2-byte word indices; a space is implied between two words.
    CJK UNIFIED IDEOGRAPH-X, the other "PREFIX-HEX" names and HANGUL SYLLABLE X are computed.
  code point -> entry: runs of consecutive named code points; entry -> phrase: an offset every
    PHRASE_STEP entries; name -> entry: an open-addressing hash table (FNV-1a of the upper-cased
    name); aliases and named sequences (as CPython's unicodedata.lookup has them) follow the
    named code points as extra entries.
  properties: unique records (category, bidi, combining, mirrored, east asian width, decimal,
    digit, numeric) indexed through a two-level table.
"""
import re
import sys

try:
    import unicodedata
except ImportError:  # never silently build without names
    sys.exit('gen_unicode_names.py: this Python has no unicodedata module: cannot build the tables')

MAX_CP = 0x110000
PHRASE_STEP = 32
SPACE, HYPHEN = ' ', '-'
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def fnv(name: str) -> int:
    h = 2166136261
    for b in name.upper().encode('ascii'):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def hangul_name(cp: int) -> str:
    lead = ['G', 'GG', 'N', 'D', 'DD', 'R', 'M', 'B', 'BB', 'S', 'SS', '', 'J', 'JJ', 'C', 'K', 'T', 'P', 'H']
    vowel = ['A', 'AE', 'YA', 'YAE', 'EO', 'E', 'YEO', 'YE', 'O', 'WA', 'WAE', 'OE', 'YO', 'U', 'WEO',
             'WE', 'WI', 'YU', 'EU', 'YI', 'I']
    tail = ['', 'G', 'GG', 'GS', 'N', 'NJ', 'NH', 'D', 'L', 'LG', 'LM', 'LB', 'LS', 'LT', 'LP', 'LH', 'M',
            'B', 'BS', 'S', 'SS', 'NG', 'J', 'C', 'K', 'T', 'P', 'H']
    s = cp - HANGUL_FIRST
    return 'HANGUL SYLLABLE ' + lead[s // 588] + vowel[(s % 588) // 28] + tail[s % 28]


def extra_names():
    """Aliases and named sequences: CPython keeps them at private code points U+F0000.. that only
    its C API (the unicodedata._ucnhash_CAPI capsule) can name; each one is checked against
    unicodedata.lookup.  Returns ([(alias, cp)], [(sequence name, [cps])])."""
    aliases, seqs = [], []
    try:
        import ctypes
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype = ctypes.c_void_p
        get.argtypes = [ctypes.py_object, ctypes.c_char_p]
        ptr = get(unicodedata._ucnhash_CAPI, b'unicodedata._ucnhash_CAPI')
        getname_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32, ctypes.c_char_p, ctypes.c_int, ctypes.c_int)

        class CAPI(ctypes.Structure):
            _fields_ = [('getname', getname_t), ('getcode', ctypes.c_void_p)]
        capi = CAPI.from_address(ptr)
        buf = ctypes.create_string_buffer(512)
        for pua in range(0xF0000, 0xF0800):
            if not capi.getname(pua, buf, 512, 1):
                continue
            name = buf.value.decode('ascii')
            value = unicodedata.lookup(name)  # raises if the capsule gave us garbage
            if len(value) == 1:
                aliases.append((name, ord(value)))
            else:
                seqs.append((name, [ord(ch) for ch in value]))
    except Exception as exc:  # an unexpected CPython: build without aliases, but say so
        print('gen_unicode_names.py: WARNING: no name aliases/named sequences (%s)' % exc, file=sys.stderr)
        return [], []
    return aliases, seqs


def tokens(name: str):
    """Words and explicit separators; a space between two words is implied."""
    toks = re.findall(r'[^ -]+|[ -]', name)
    out = []
    for i, tok in enumerate(toks):
        if tok == SPACE and 0 < i < len(toks) - 1 and toks[i - 1] not in (SPACE, HYPHEN) \
                and toks[i + 1] not in (SPACE, HYPHEN):
            continue
        out.append(tok)
    return out


def untokens(toks) -> str:
    s = ''
    for i, tok in enumerate(toks):
        if i and tok not in (SPACE, HYPHEN) and toks[i - 1] not in (SPACE, HYPHEN):
            s += ' '
        s += tok
    return s


def c_array(ctype: str, name: str, values, per_line: int = 20) -> str:
    vals = [str(v) for v in values] or ['0']
    lines = [', '.join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    return 'static const %s %s[%d] = {\n    %s\n};\n' % (ctype, name, len(vals), ',\n    '.join(lines))


def c_string(name: str, data: bytes) -> str:
    parts = []
    for i in range(0, len(data), 100):
        chunk = data[i:i + 100]
        parts.append('"' + ''.join('\\%03o' % b if b < 32 or b >= 127 or b in (34, 63, 92) else chr(b)
                                   for b in chunk) + '"')
    return 'static const char %s[%d] =\n    %s;\n' % (name, len(data) + 1, '\n    '.join(parts or ['""']))


def smallest_type(values) -> str:
    m = max(values, default=0)
    return 'uint8_t' if m < 256 else 'uint16_t' if m < 65536 else 'uint32_t'


def two_level(values, name: str):
    """Split a per-code-point table into index1[cp >> shift] -> block, choosing the smallest shift."""
    best = None
    for shift in range(4, 11):
        size = 1 << shift
        blocks, index1, data = {}, [], []
        for start in range(0, len(values), size):
            blk = tuple(values[start:start + size])
            if blk not in blocks:
                blocks[blk] = len(data) >> shift
                data.extend(blk)
            index1.append(blocks[blk])
        t1, t2 = smallest_type(index1), smallest_type(data)
        nbytes = len(index1) * int(t1[4:-2]) // 8 + len(data) * int(t2[4:-2]) // 8
        if best is None or nbytes < best[0]:
            best = (nbytes, shift, index1, data, t1, t2)
    _, shift, index1, data, t1, t2 = best
    return ('#define %s_SHIFT %d\n' % (name.upper(), shift) + c_array(t1, name + '_index1', index1)
            + c_array(t2, name + '_index2', data))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = []
    w = out.append
    w('/* generated by tools/gen_unicode_names.py from Python %s unicodedata %s: do not edit */\n'
      % (sys.version.split()[0], unicodedata.unidata_version))
    w('#define MV_UNIDATA_VERSION "%s"\n' % unicodedata.unidata_version)

    # ---- names ----
    plain = []           # (cp, name), sorted by code point
    prefixed = {}        # prefix -> [(first, last)] for "PREFIX-HEX" names
    for cp in range(MAX_CP):
        name = unicodedata.name(chr(cp), None)
        if name is None:
            continue
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            if name != hangul_name(cp):
                sys.exit('gen_unicode_names.py: unexpected Hangul syllable name %r' % name)
            continue
        m = re.fullmatch(r'(.*-)([0-9A-F]{4,6})', name)
        if m and int(m.group(2), 16) == cp and '%04X' % cp == m.group(2):
            ranges = prefixed.setdefault(m.group(1), [])
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
            continue
        plain.append((cp, name))
    if 'CJK UNIFIED IDEOGRAPH-' not in prefixed:
        sys.exit('gen_unicode_names.py: no CJK unified ideographs found: broken unicodedata?')
    aliases, seqs = extra_names()

    all_names = [n for _, n in plain] + [n for n, _ in aliases] + [n for n, _ in seqs]
    tokenized = [tokens(n) for n in all_names]
    for n, toks in zip(all_names, tokenized):
        assert untokens(toks) == n, n
    freq = {}
    for toks in tokenized:
        for tok in toks:
            freq[tok] = freq.get(tok, 0) + 1
    lexicon = sorted(freq, key=lambda k: (-freq[k], k))
    nwords = len(lexicon)
    one_byte = 255
    while one_byte + (256 - one_byte) * 256 < nwords:
        one_byte -= 1
    index = {word: i for i, word in enumerate(lexicon)}
    book = bytearray()
    phrase_offsets = []
    for i, toks in enumerate(tokenized):
        if i % PHRASE_STEP == 0:
            phrase_offsets.append(len(book))
        enc = bytearray()
        for tok in toks:
            k = index[tok]
            if k < one_byte:
                enc.append(k)
            else:
                k -= one_byte
                enc += bytes([one_byte + (k >> 8), k & 0xFF])
        assert len(enc) < 256
        book.append(len(enc))
        book += enc
    lex_text = ''.join(lexicon).encode('ascii')
    lex_offsets, pos = [], 0
    for word in lexicon:
        lex_offsets.append(pos)
        pos += len(word)
    lex_offsets.append(pos)

    runs = []  # [first cp, count, first entry]
    for i, (cp, _) in enumerate(plain):
        if runs and runs[-1][0] + runs[-1][1] == cp:
            runs[-1][1] += 1
        else:
            runs.append([cp, 1, i])

    nentries = len(all_names)
    hsize = nentries * 3 // 2 | 1
    empty = 0xFFFF if nentries < 0xFFFF else 0xFFFFFFFF
    table = [empty] * hsize
    for i, name in enumerate(all_names):
        h = fnv(name) % hsize
        while table[h] != empty:
            h = (h + 1) % hsize
        table[h] = i

    seq_offsets, seq_cps = [], []
    for _, cps in seqs:
        seq_offsets.append(len(seq_cps))
        seq_cps.extend(cps)
    seq_offsets.append(len(seq_cps))

    w('#define NAME_PHRASE_STEP %d\n#define NAME_ONE_BYTE %d\n' % (PHRASE_STEP, one_byte))
    w('#define NAME_PLAIN %d\n#define NAME_ALIASES %d\n#define NAME_SEQS %d\n'
      % (len(plain), len(aliases), len(seqs)))
    w('#define NAME_MAXLEN %d\n' % max(len(n) for n in all_names + ['CJK COMPATIBILITY IDEOGRAPH-2FA1D']))
    w('#define NAME_HASH_SIZE %d\n#define NAME_HASH_EMPTY %d\n' % (hsize, empty))
    w(c_string('name_lexicon', lex_text))
    w(c_array(smallest_type(lex_offsets), 'name_lexicon_offsets', lex_offsets))
    w(c_array('uint8_t', 'name_phrasebook', list(book), 40))
    w(c_array('uint32_t', 'name_phrase_offsets', phrase_offsets))
    w('#define NAME_RUNS %d\n' % len(runs))
    w(c_array('uint32_t', 'name_run_cp', [r[0] for r in runs]))
    w(c_array('uint32_t', 'name_run_entry', [r[2] for r in runs] + [len(plain)]))
    w(c_array('uint32_t', 'name_alias_cp', [cp for _, cp in aliases]))
    w(c_array('uint16_t', 'name_seq_offsets', seq_offsets))
    w(c_array('uint32_t', 'name_seq_cps', seq_cps))
    w(c_array('uint16_t' if empty == 0xFFFF else 'uint32_t', 'name_hash', table))
    pfx = sorted(prefixed)
    w('static const char *const name_prefixes[%d] = {%s};\n' % (len(pfx), ', '.join('"%s"' % p for p in pfx)))
    prange = [(a, b, pfx.index(p)) for p in pfx for a, b in prefixed[p]]
    prange.sort()
    w('#define NAME_PREFIX_RANGES %d\n' % len(prange))
    w('static const struct { uint32_t first, last; uint8_t prefix; } name_prefix_ranges[%d] = {\n    %s\n};\n'
      % (len(prange), ',\n    '.join('{0x%X, 0x%X, %d}' % r for r in prange)))

    # ---- properties ----
    cats, bidis, eaws, numerics = {}, {}, {}, {}
    records, rec_index, per_cp = [], {}, []

    def intern(d, v):
        if v not in d:
            d[v] = len(d)
        return d[v]
    intern(cats, 'Cn')
    intern(bidis, '')
    intern(eaws, 'N')
    for cp in range(MAX_CP):
        ch = chr(cp)
        num = unicodedata.numeric(ch, None)
        rec = (intern(cats, unicodedata.category(ch)), intern(bidis, unicodedata.bidirectional(ch)),
               unicodedata.combining(ch), unicodedata.mirrored(ch), intern(eaws, unicodedata.east_asian_width(ch)),
               unicodedata.decimal(ch, -1), unicodedata.digit(ch, -1),
               -1 if num is None else intern(numerics, repr(num)))
        if rec not in rec_index:
            rec_index[rec] = len(records)
            records.append(rec)
        per_cp.append(rec_index[rec])

    def names_of(d):
        return sorted(d, key=d.get)
    w('static const char *const prop_categories[] = {%s};\n' % ', '.join('"%s"' % c for c in names_of(cats)))
    w('static const char *const prop_bidis[] = {%s};\n' % ', '.join('"%s"' % c for c in names_of(bidis)))
    w('static const char *const prop_eaws[] = {%s};\n' % ', '.join('"%s"' % c for c in names_of(eaws)))
    w('static const double prop_numerics[] = {%s};\n' % ', '.join(names_of(numerics) or ['0']))
    w('static const struct { uint8_t category, bidi, combining, mirrored, eaw; int8_t decimal, digit; '
      'int16_t numeric; } prop_records[%d] = {\n    %s\n};\n'
      % (len(records), ',\n    '.join('{%d, %d, %d, %d, %d, %d, %d, %d}' % r for r in records)))
    w(two_level(per_cp, 'prop'))

    with open(sys.argv[1], 'w') as f:
        f.write(''.join(out))


if __name__ == '__main__':
    main()
