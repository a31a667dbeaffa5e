#!/usr/bin/env bash
# tests/repl/run_repl_test.sh [--only basic|threads] [MINIVM]: drives minivm's interactive prompt in a real terminal
# (tmux send-keys / capture-pane) and checks the banner, echo and _, a multi-line def, a traceback
# that leaves you at the prompt, Ctrl-C cancelling a line and interrupting running code, Ctrl-D,
# the history file, and (once threading exists) that background threads run while the prompt
# waits: a ticker keeps ticking and sys.getgilstats() counters move.  Only timing-independent
# facts are checked ("ticks increased").  Every wait is bounded; the tmux server is private and
# killed on exit.  The last line is "N passed, N failed"; exit status 0 when nothing failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PART=all # --only basic: sections 1-6 and 8; --only threads: sections 1, 7 and 8
if [ "${1:-}" = --only ]; then
    PART=${2:?--only needs basic or threads}
    shift 2
fi
MINIVM=${1:-${MINIVM:-$ROOT/build/minivm}}
case $MINIVM in /*) ;; *) MINIVM=$PWD/$MINIVM ;; esac
if ! command -v tmux >/dev/null 2>&1; then
    echo "run_repl_test.sh: tmux is required (tools/install-deps.sh installs it)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$MINIVM" ]; then
    echo "run_repl_test.sh: $MINIVM not found" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

SOCK=minivm-repl-test-$$
SESSION=repl
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/minivm-repl.XXXXXX")
cleanup() {
    tmux -L "$SOCK" kill-server >/dev/null 2>&1
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ok() { passed=$((passed + 1)); [ "${QUIET:-0}" = 1 ] || echo "ok   $1${TIMING:+ $(date +%S.%N | cut -c1-5)}"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1"
    screen | tail -n 15 | sed 's/^/    | /'
}

# The whole scrollback of the pane, lines joined where the terminal wrapped them.
screen() { tmux -L "$SOCK" capture-pane -p -J -S -1000 -t "$SESSION" 2>/dev/null; }
# Type text literally, then Enter (no argument: just Enter).
send() {
    if [ $# -gt 0 ] && [ -n "$1" ]; then
        tmux -L "$SOCK" send-keys -t "$SESSION" -l -- "$1" \; send-keys -t "$SESSION" Enter
    else
        tmux -L "$SOCK" send-keys -t "$SESSION" Enter
    fi
}
key() { tmux -L "$SOCK" send-keys -t "$SESSION" "$@"; }
now_ms() { local us=${EPOCHREALTIME/./}; echo $((us / 1000)); }
# wait_for REGEX [SECONDS]: until the screen has a line matching REGEX (extended), bounded by
# wall-clock time (a loaded machine makes each capture slow).
wait_for() {
    local re=$1 deadline=$(($(now_ms) + ${2:-5} * 1000))
    while :; do
        screen | grep -Eq -- "$re" && return 0
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
# count REGEX: how many screen lines match.
count() { screen | grep -Ec -- "$1"; }
# check NAME REGEX [SECONDS]
check() { if wait_for "$2" "${3:-5}"; then ok "$1"; else bad "$1"; fi; }
# The prompt is back when the last non-empty line is exactly ">>>".
at_prompt() {
    local deadline=$(($(now_ms) + ${1:-5} * 1000))
    while :; do
        [ "$(screen | sed '/^[[:space:]]*$/d' | tail -n 1 | sed 's/[[:space:]]*$//')" = ">>>" ] && return 0
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# timeout: a session left behind by an interrupted run (its minivm may be running a CPU-bound
# thread) must not spin for ever
mkdir -p "$TMPD/home"
tmux -L "$SOCK" -f /dev/null new-session -d -s "$SESSION" -x 150 -y 50 \
    "cd '$TMPD' && env HOME='$TMPD/home' LC_ALL=C.UTF-8 timeout --foreground 60 '$MINIVM'; echo \"[exit status \$?]\"; sleep 60"

# 1. banner and prompt
check "banner names the version" '^minivm [0-9]' 5
check "banner names the switch interval" 'switch interval is [0-9.e-]+ s'
check "banner says how to change it" 'sys\.setswitchinterval\(s\).*--switch-interval'
if at_prompt 3; then ok "prompt >>> shown"; else bad "prompt >>> shown"; fi

if [ "$PART" != threads ]; then
# 2. an expression is echoed by repr, and kept in _
send '6 * 7'
check "expression echoed" '^42$'
send '_ + 1000'
check "_ holds the last result" '^1042$'
send "'a' + 'b'"
check "repr used for echo" "^'ab'$"

# 3. a multi-line block (prompt ...), ended by an empty line, then a call
send 'def twice(n):'
check "continuation prompt" '^\.\.\. ?$'
send '    return n * 2'
send ''
at_prompt 3
send 'twice(3210)'
check "multi-line def then call" '^6420$'

# 4. a traceback that leaves you at the prompt
send '1/0'
check "traceback printed" '^ZeroDivisionError: division by zero$'
check "traceback names <stdin>" 'File "<stdin>", line 1, in <module>'
send "'still alive ' * 1"
check "prompt works after a traceback" "^'still alive '$"

# 5. Ctrl-C cancels the line being typed
tmux -L "$SOCK" send-keys -t "$SESSION" -l -- "print('cancelled' + 'LINE')"
sleep 0.2
key C-c
check "Ctrl-C prints KeyboardInterrupt" '^KeyboardInterrupt$'
send "'after ' + 'cancel'"
check "prompt works after Ctrl-C" "^'after cancel'$"
if [ "$(count '^cancelledLINE$')" -eq 0 ]; then ok "cancelled line was not run"; else bad "cancelled line was not run"; fi

# 6. Ctrl-C while code runs raises KeyboardInterrupt and comes back to the prompt
before=$(count '^KeyboardInterrupt$')
send 'while True: pass'
send ''
sleep 0.25
key C-c
if wait_for 'File "<stdin>", line 1, in <module>' 5 && [ "$(count '^KeyboardInterrupt$')" -gt "$before" ]; then
    ok "Ctrl-C interrupts running code"
else
    bad "Ctrl-C interrupts running code"
fi
send "'back ' + 'again'"
check "prompt works after interrupting code" "^'back again'$"

fi

if [ "$PART" != basic ]; then
# 7. The teaching scenario: a CPU-bound thread and a ticking I/O thread run in the background;
#    the switch interval is changed at the prompt; while the prompt waits (GIL released) the
#    ticker keeps ticking and the counters of sys.getgilstats() move.  Uses _thread (threading
#    is built on it) and only checks timing-independent facts.
send 'import sys; print("THREADS", end=" "); import _thread, time; print("available", hasattr(sys, "getgilstats"))'
wait_for '^(THREADS available (True|False)|[A-Za-z]*Error.*)$' 5
if screen | grep -q '^THREADS available True$'; then
    # (the blocks are one-liners through exec: typing blocks was checked above)
    send 'ticks = []; done = []; stop = False; exec("def ticker():\n    while not stop:\n        time.sleep(0.05)\n        ticks.append(1)\n    done.append(1)")'
    send 'exec("def burn():\n    n = 0\n    while not stop:\n        n += 1\n    done.append(2)")'
    send 'sys.setswitchinterval(0.002); print("SI", sys.getswitchinterval())'
    check "switch interval changed at the prompt" '^SI 0\.002$'
    send '_thread.start_new_thread(ticker, ()); _thread.start_new_thread(burn, ()); time.sleep(0.1)'
    send 'g1 = sys.getgilstats(); t1 = len(ticks)'
    at_prompt 3
    sleep 0.3 # the prompt waits: the GIL must be released, so the ticker ticks
    send 'print("TICKED", len(ticks) > t1)'
    check "ticker ticked while the prompt waited" '^TICKED True$'
    send 'g2 = sys.getgilstats(); print("GILSTATS", g2 != g1, g2["switches"] > g1["switches"])'
    check "sys.getgilstats() counters changed" '^GILSTATS True True$'
    send 'sys.setswitchinterval(0.02); t2 = len(ticks)'
    at_prompt 3
    sleep 0.25
    send 'print("TICKED2", len(ticks) > t2, sys.getswitchinterval())'
    check "ticker ticks at the new interval" '^TICKED2 True 0\.02$'
    send 'stop = True; exec("while len(done) < 2: time.sleep(0.01)"); print("STOPPED", sorted(done))'
    check "threads stopped" '^STOPPED \[1, 2\]$'
else
    echo "skip threads: _thread or sys.getgilstats not available yet"
fi
fi

# 8. Ctrl-D leaves with status 0, and the history was saved
at_prompt 3
key C-d
check "Ctrl-D exits with status 0" '^\[exit status 0\]$'
if grep -Eq 'twice\(3210\)|setswitchinterval\(0\.002\)' "$TMPD/home/.minivm_history" 2>/dev/null; then
    ok "history saved to ~/.minivm_history"
else
    bad "history saved to ~/.minivm_history"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
