#!/bin/sh
# Build the libFuzzer harness fuzz/fuzz_parse.c against libminivm.a compiled by clang with
# ASan+UBSan (a meson build directory of its own, build-fuzz/, so the file list stays meson's).
# Usage: fuzz/build.sh [-DFUZZ_PARSE_ONLY]   -> build-fuzz/fuzz_parse, build-fuzz/fuzz_pickle
# Run:   build-fuzz/fuzz_parse build-fuzz/corpus build-fuzz/seeds -dict=fuzz/python.dict \
#          -max_len=4096 -max_total_time=300
# (seeds: the parser test cases, one file each; a crash is saved as crash-*: reproduce it with
#  build-fuzz/fuzz_parse crash-..., then add it to tests/parser/cases.txt)
set -e
cd "$(dirname "$0")/.."
OUT=build-fuzz
if [ ! -f $OUT/build.ninja ]; then
    CC=clang meson setup $OUT --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" >/dev/null
fi
ninja -C $OUT -j2 libminivm.a
mkdir -p $OUT/corpus $OUT/seeds
python3 - <<'PY'
cases = open('tests/parser/cases.txt', encoding='utf-8').read().split('\n#----\n')
for i, c in enumerate(cases):
    open('build-fuzz/seeds/case%03d.py' % i, 'w', encoding='utf-8').write(c + '\n')
PY
clang -g -O1 -no-pie -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -Iruntime -Iinterp \
    "$@" fuzz/fuzz_parse.c $OUT/libminivm.a $(pkg-config --libs gmp libedit) -lm -lpthread -o $OUT/fuzz_parse
echo "built $OUT/fuzz_parse"
# pickle.loads: fuzz/fuzz_pickle.c; its seeds are valid dumps that the harness itself writes
clang -g -O1 -no-pie -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -Iruntime -Iinterp \
    fuzz/fuzz_pickle.c $OUT/libminivm.a $(pkg-config --libs gmp libedit) -lm -lpthread -o $OUT/fuzz_pickle
mkdir -p $OUT/pickle_corpus $OUT/pickle_seeds
FUZZ_PICKLE_WRITE_SEEDS=$OUT/pickle_seeds $OUT/fuzz_pickle
echo "built $OUT/fuzz_pickle"
