# The prompt in a real terminal with background threads: runs tests/repl/run_repl_test.sh --only
# threads (a CPU-bound thread and a ticker; the switch interval changed at the prompt; the ticker
# keeps ticking and sys.getgilstats() moves while the prompt waits, i.e. the GIL is released).
# Under tests/regen.sh ($MINIVM is CPython) the expected line is printed as is.
case $(basename "$MINIVM") in
    minivm*) ;;
    *) echo "REPL threads in tmux: all checks passed"; exit 0 ;;
esac
if out=$(QUIET=1 bash ../../repl/run_repl_test.sh --only threads "$MINIVM" 2>&1); then
    echo "REPL threads in tmux: all checks passed"
else
    printf '%s\n' "$out"
fi
