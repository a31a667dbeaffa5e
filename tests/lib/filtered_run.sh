# tests/lib/filtered_run.sh: sourced by script tests (.sh) that run several small programs and
# compare their stderr with CPython's without the frames inside asyncio (CPython's are files,
# minivm's are frozen modules).  Usage: D=<a scratch dir>; . ../../lib/filtered_run.sh;
# run NAME <<'PY' ... PY  (prints "== NAME: status N", stdout, then the filtered stderr).
mkdir -p "$D"
filter() {
    sed -e 's/0x[0-9a-f]*/0xADDR/g' -e "s#$D/##g" "$1" | awk '
        /^  File ".*asyncio/ { skip = 1; next }
        skip && /^    / { next }
        { skip = 0; print }'
}
run() {
    cat > "$D/$1.mv"
    (cd "$D" && "$MINIVM" "$1.mv" > "$1.out" 2> "$1.err")
    echo "== $1: status $?"
    cat "$D/$1.out"
    filter "$D/$1.err"
}
