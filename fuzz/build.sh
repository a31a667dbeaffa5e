#!/bin/sh
# Build the libFuzzer harness fuzz/fuzz_parse.c against the whole library with ASan+UBSan.
# Usage: fuzz/build.sh [-DFUZZ_PARSE_ONLY]   -> build-fuzz/fuzz_parse
# Run:   build-fuzz/fuzz_parse build-fuzz/corpus build-fuzz/seeds -dict=fuzz/python.dict \
#          -max_len=4096 -max_total_time=300
# (seeds: the parser test cases, one file each; crashes land in crash-* files: add them to
#  tests/parser/cases.txt)
set -e
cd "$(dirname "$0")/.."
OUT=build-fuzz
mkdir -p $OUT/obj
python3 tools/embed.py $OUT/embedded_modules.c stdlib/*.mv
mkdir -p $OUT/corpus $OUT/seeds
python3 - <<'PY'
cases = open('tests/parser/cases.txt', encoding='utf-8').read().split('\n#----\n')
for i, c in enumerate(cases):
    open('build-fuzz/seeds/case%03d.py' % i, 'w', encoding='utf-8').write(c + '\n')
PY
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-strict-aliasing -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I. -Iruntime -Iinterp -Istdlib $*"
objs=""
for f in runtime/*.c interp/*.c stdlib/*.c $OUT/embedded_modules.c; do
    case $f in interp/main.c) continue;; esac
    o=$OUT/obj/$(echo $f | tr / _).o
    if [ ! -f $o ] || [ $f -nt $o ] || [ -n "$(find runtime interp -name '*.h' -newer $o)" ]; then
        clang $CFLAGS -c $f -o $o
    fi
    objs="$objs $o"
done
clang $CFLAGS -fsanitize=fuzzer fuzz/fuzz_parse.c $objs -lgmp -lm -lpthread -o $OUT/fuzz_parse
echo "built $OUT/fuzz_parse"
