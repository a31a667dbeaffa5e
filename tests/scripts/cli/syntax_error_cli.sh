# SyntaxError in -c code and in stdin code.
"$MINIVM" -c 'x = (1,' 2>&1
echo "exit status: $?"
echo 'def f(:' | "$MINIVM" 2>&1
echo "exit status: $?"
