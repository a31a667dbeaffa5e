# The interactive prompt in a real terminal: runs tests/repl/run_repl_test.sh --only basic (tmux
# send-keys / capture-pane: banner, echo and _, blocks, tracebacks, Ctrl-C, Ctrl-D, history) and
# prints one line when every check passed, else its report (tmux_threads.sh runs the threads
# part).  Needs tmux (tools/install-deps.sh).  Under tests/regen.sh $MINIVM is CPython, whose
# prompt is not what this checks: the expected line is then printed as is.
case $(basename "$MINIVM") in
    minivm*) ;;
    *) echo "REPL in tmux: all checks passed"; exit 0 ;;
esac
if out=$(QUIET=1 bash ../../repl/run_repl_test.sh --only basic "$MINIVM" 2>&1); then
    echo "REPL in tmux: all checks passed"
else
    printf '%s\n' "$out"
fi
