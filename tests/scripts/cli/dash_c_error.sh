# An uncaught exception in -c code: traceback names "<string>", exit status 1.
"$MINIVM" -c 'x = 1
y = x / 0' 2>&1
echo "exit status: $?"
"$MINIVM" -c 'raise SystemExit("bye")' 2>&1
echo "exit status: $?"
