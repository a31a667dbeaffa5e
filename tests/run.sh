#!/usr/bin/env bash
# tests/run.sh: the test driver. Runs every script test (tests/scripts/<area>/*.mv and *.sh)
# with BUILD_DIR/minivm and compares stdout, stderr and exit status with the expected files
# that CPython 3.11 produced (tests/regen.sh), then runs the Criterion unit tests
# (BUILD_DIR/tests/test_*). The last line is always "N passed, N failed".
#
# Per test tests/scripts/AREA/NAME.mv (or NAME.sh, run with bash and $MINIVM set):
#   NAME.out   expected stdout (always present)
#   NAME.err   expected stderr (absent = stderr must be empty)
#   NAME.rc    expected exit status (absent = 0)
#   NAME.args  optional: command-line arguments (one line, split on whitespace)
#   NAME.in    optional: standard input (default /dev/null)
# Each test runs from its own directory as `minivm NAME.mv ARGS`; the absolute test directory
# is replaced by @DIR@ (and the repo root by @ROOT@) in stdout and stderr before comparing.
# Directories named lib/ (importable helpers) and hidden directories are not tests.
set -uo pipefail

usage() {
    cat <<'EOF'
usage: tests/run.sh [options] [BUILD_DIR]      (BUILD_DIR defaults to "build")
  -k PATTERN   run only tests whose name (e.g. "strings/split.mv", "unit/test_list")
               matches the extended regex PATTERN
  -j N         run N tests in parallel (default 2)
  -q           print only failures and the summary (same as MINIVM_TEST_QUIET=1)
  -t SECONDS   per-test timeout (default 10, or $MINIVM_TEST_TIMEOUT)
  --no-unit    skip the Criterion unit tests
  --no-scripts skip the script tests
  -h           this help
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/tests/scripts
MODE=run
JOBS=2
PATTERN=""
QUIET=${MINIVM_TEST_QUIET:-0}
TIMEOUT=${MINIVM_TEST_TIMEOUT:-10}
BUILD=build
DO_UNIT=1
DO_SCRIPTS=1
REFPY=${MINIVM_REFERENCE_PYTHON:-/usr/bin/python3}

while [ $# -gt 0 ]; do
    case $1 in
        -k) PATTERN=${2:?-k needs a pattern}; shift 2 ;;
        -k*) PATTERN=${1#-k}; shift ;;
        -j) JOBS=${2:?-j needs a number}; shift 2 ;;
        -j*) JOBS=${1#-j}; shift ;;
        -t) TIMEOUT=${2:?-t needs seconds}; shift 2 ;;
        -q|--failures-only) QUIET=1; shift ;;
        --no-unit) DO_UNIT=0; shift ;;
        --no-scripts) DO_SCRIPTS=0; shift ;;
        --regen) MODE=regen; DO_UNIT=0; shift ;;      # used by tests/regen.sh
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) BUILD=$1; shift ;;
    esac
done
case $JOBS in ''|*[!0-9]*|0) echo "run.sh: bad -j value" >&2; exit 2 ;; esac

# The build directory may be given relative to the current directory or to the repo root.
if [ -d "$BUILD" ]; then BUILD=$(cd "$BUILD" && pwd)
elif [ -d "$ROOT/$BUILD" ]; then BUILD=$(cd "$ROOT/$BUILD" && pwd)
fi

# A stable environment: UTF-8 I/O, no user start-up files, UTC.
export LC_ALL=C.UTF-8 TZ=UTC
unset PYTHONSTARTUP PYTHONHOME PYTHONINSPECT PYTHONWARNINGS PYTHONIOENCODING PYTHONUTF8 \
      PYTHONPATH PYTHONOPTIMIZE PYTHONVERBOSE PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE 2>/dev/null || true

if [ "$MODE" = regen ]; then
    BIN=$REFPY
    # Lets CPython import the .mv helper modules (see tests/scripts/.cpython/sitecustomize.py).
    export PYTHONPATH=$SCRIPTS/.cpython PYTHONDONTWRITEBYTECODE=1
else
    BIN=$BUILD/minivm
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/minivm-tests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

sed_escape() { printf '%s' "$1" | sed 's/[][\.*^$|/]/\\&/g'; }
ROOT_RE=$(sed_escape "$ROOT")

# Runs test number $1 (file $2); leaves $WORK/$1.res ("PASS|FAIL|NEW|SAME name") and $WORK/$1.log.
run_one() {
    local idx=$1 file=$2
    local dir base stem ext rel out err rc log status reason=""
    dir=$(dirname "$file"); base=$(basename "$file"); stem=${base%.*}; ext=${base##*.}
    rel=${file#"$SCRIPTS"/}
    out=$WORK/$idx.out; err=$WORK/$idx.err; log=$WORK/$idx.log
    : >"$log"
    local -a args=()
    if [ -f "$dir/$stem.args" ]; then read -r -a args <"$dir/$stem.args" || true; fi
    local input=/dev/null
    [ -f "$dir/$stem.in" ] && input=$dir/$stem.in

    if [ "$MODE" = run ] && [ ! -x "$BIN" ]; then
        echo "FAIL $rel" >"$WORK/$idx.res"
        echo "    $BIN does not exist (build first: ninja -C ${BUILD##*/})" >"$log"
        return
    fi
    if [ "$ext" = sh ]; then
        (cd "$dir" && MINIVM=$BIN timeout -k 2 "$TIMEOUT" bash "$base" "${args[@]}" \
            <"$input" >"$out" 2>"$err")
    else
        (cd "$dir" && timeout -k 2 "$TIMEOUT" "$BIN" "$base" "${args[@]}" \
            <"$input" >"$out" 2>"$err")
    fi
    rc=$?
    local dir_re; dir_re=$(sed_escape "$dir")
    sed -i -e "s/$dir_re/@DIR@/g" -e "s/$ROOT_RE/@ROOT@/g" "$out" "$err"

    if [ "$MODE" = regen ]; then
        local changed=0
        cmp -s "$out" "$dir/$stem.out" || changed=1
        cp "$out" "$dir/$stem.out"
        if [ -s "$err" ] || [ "$rc" -ne 0 ]; then
            cmp -s "$err" "$dir/$stem.err" || changed=1
            cp "$err" "$dir/$stem.err"
        else
            [ -e "$dir/$stem.err" ] && changed=1
            rm -f "$dir/$stem.err"
        fi
        if [ "$rc" -ne 0 ]; then
            [ "$(cat "$dir/$stem.rc" 2>/dev/null)" = "$rc" ] || changed=1
            echo "$rc" >"$dir/$stem.rc"
        else
            [ -e "$dir/$stem.rc" ] && changed=1
            rm -f "$dir/$stem.rc"
        fi
        [ "$rc" -eq 124 ] && echo "    WARNING: timed out under CPython" >>"$log"
        if [ "$changed" = 1 ]; then echo "NEW $rel (exit $rc)" >"$WORK/$idx.res"
        else echo "SAME $rel" >"$WORK/$idx.res"; fi
        return
    fi

    local exp_rc=0
    [ -f "$dir/$stem.rc" ] && exp_rc=$(tr -d ' \n' <"$dir/$stem.rc")
    status=PASS
    if [ ! -f "$dir/$stem.out" ]; then
        status=FAIL; reason="no expected output (run tests/regen.sh)"
    fi
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        status=FAIL; reason="${reason:+$reason; }timeout after ${TIMEOUT}s"
    elif [ "$rc" -ne "$exp_rc" ]; then
        status=FAIL; reason="${reason:+$reason; }exit status $rc, expected $exp_rc"
        [ "$rc" -ge 128 ] && reason="$reason (signal $((rc - 128)))"
    fi
    if [ -f "$dir/$stem.out" ] && ! cmp -s "$dir/$stem.out" "$out"; then
        status=FAIL; reason="${reason:+$reason; }stdout differs"
        echo "    --- stdout (expected vs actual)" >>"$log"
        diff -u --label expected --label actual "$dir/$stem.out" "$out" | sed -n '3,22s/^/    /p' >>"$log"
    fi
    if [ -f "$dir/$stem.err" ]; then
        if ! cmp -s "$dir/$stem.err" "$err"; then
            status=FAIL; reason="${reason:+$reason; }stderr differs"
            echo "    --- stderr (expected vs actual)" >>"$log"
            diff -u --label expected --label actual "$dir/$stem.err" "$err" | sed -n '3,22s/^/    /p' >>"$log"
        fi
    elif [ -s "$err" ]; then
        status=FAIL; reason="${reason:+$reason; }unexpected stderr"
        echo "    --- stderr" >>"$log"
        head -n 15 "$err" | sed 's/^/    /' >>"$log"
    fi
    echo "$status $rel${reason:+ ($reason)}" >"$WORK/$idx.res"
}

# ---- the script tests ---------------------------------------------------------------------
tests=()
if [ "$DO_SCRIPTS" = 1 ] && [ -d "$SCRIPTS" ]; then
    while IFS= read -r f; do
        rel=${f#"$SCRIPTS"/}
        if [ -n "$PATTERN" ] && ! printf '%s\n' "$rel" | grep -Eq -- "$PATTERN"; then continue; fi
        # a test whose first line says "minivm-only test" has a hand-written expected output
        if [ "$MODE" = regen ] && head -n 1 "$f" | grep -q 'minivm-only test'; then continue; fi
        tests+=("$f")
    done < <(find "$SCRIPTS" -mindepth 1 -type d \( -name lib -o -name '.*' \) -prune -o \
                  -type f \( -name '*.mv' -o -name '*.sh' \) -print | LC_ALL=C sort)
fi

if [ "$MODE" = run ] && [ "$DO_SCRIPTS" = 1 ] && [ ! -x "$BIN" ]; then
    echo "run.sh: $BIN not found; every script test counts as failed" >&2
fi

s_pass=0; s_fail=0; n_new=0
next=0
flush() {
    while [ -f "$WORK/$next.res" ]; do
        local line; line=$(cat "$WORK/$next.res")
        case $line in
            PASS*) s_pass=$((s_pass + 1)); [ "$QUIET" = 1 ] || echo "ok   ${line#PASS }" ;;
            FAIL*) s_fail=$((s_fail + 1)); echo "FAIL ${line#FAIL }"; cat "$WORK/$next.log" ;;
            NEW*) n_new=$((n_new + 1)); echo "regenerated ${line#NEW }"; cat "$WORK/$next.log" ;;
            SAME*) [ "$QUIET" = 1 ] || echo "unchanged ${line#SAME }"; cat "$WORK/$next.log" ;;
        esac
        next=$((next + 1))
    done
}

running=0
for i in "${!tests[@]}"; do
    run_one "$i" "${tests[$i]}" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
        flush
    fi
done
wait
flush

if [ "$MODE" = regen ]; then
    echo "${#tests[@]} tests run with $BIN, $n_new expected-output sets changed"
    exit 0
fi

# ---- the Criterion unit tests -------------------------------------------------------------
u_pass=0; u_fail=0
if [ "$DO_UNIT" = 1 ] && [ -d "$BUILD/tests" ]; then
    while IFS= read -r exe; do
        name=unit/$(basename "$exe")
        if [ -n "$PATTERN" ] && ! printf '%s\n' "$name" | grep -Eq -- "$PATTERN"; then continue; fi
        uout=$WORK/unit.out
        timeout -k 5 300 "$exe" --jobs "$JOBS" --ascii >"$uout" 2>&1
        urc=$?
        sed -i 's/\x1b\[[0-9;]*m//g' "$uout"
        syn=$(grep -E 'Synthesis: Tested: [0-9]+' "$uout" | tail -n 1)
        if [ -n "$syn" ]; then
            tested=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$syn")
            passing=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$syn")
            failed=$((tested - passing))
        else
            tested=1; passing=0; failed=1
        fi
        if [ "$failed" -eq 0 ] && [ "$urc" -ne 0 ]; then failed=1; fi
        u_pass=$((u_pass + passing)); u_fail=$((u_fail + failed))
        if [ "$failed" -gt 0 ]; then
            echo "FAIL $name ($passing of $tested passing, exit status $urc)"
            grep -E '^\[(----|FAIL)\]' "$uout" | head -n 20 | sed 's/^/    /'
            [ -n "$syn" ] || tail -n 10 "$uout" | sed 's/^/    /'
        elif [ "$QUIET" != 1 ]; then
            echo "ok   $name ($passing tests)"
        fi
    done < <(find "$BUILD/tests" -maxdepth 1 -type f -name 'test_*' -perm -u+x | LC_ALL=C sort)
fi

echo "scripts: $s_pass passed, $s_fail failed"
echo "unit: $u_pass passed, $u_fail failed"
echo "$((s_pass + u_pass)) passed, $((s_fail + u_fail)) failed"
[ $((s_fail + u_fail)) -eq 0 ]
