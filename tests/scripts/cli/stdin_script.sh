# The program is read from standard input when no script is given (or with "-").
echo 'print("from stdin")' | "$MINIVM"
printf 'import sys\nprint(sys.argv)\n' | "$MINIVM" - x y
printf 'print(1)\nprint(undefined)\n' | "$MINIVM" 2>&1
echo "exit status: $?"
