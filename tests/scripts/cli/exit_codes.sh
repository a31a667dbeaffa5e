# Exit statuses of normal end, sys.exit variants, uncaught exceptions.
run() { "$MINIVM" -c "$1" >/dev/null 2>&1; echo "$1 -> $?"; }
run 'pass'
run 'import sys; sys.exit()'
run 'import sys; sys.exit(0)'
run 'import sys; sys.exit(1)'
run 'import sys; sys.exit(42)'
run 'import sys; sys.exit(None)'
run 'import sys; sys.exit("message")'
run 'raise SystemExit(3)'
run 'raise ValueError'
run '1/0'
run 'import sys; sys.exit(True)'
