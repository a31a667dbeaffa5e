# The prompt without a terminal: syntax errors inside blocks are reported where CPython reports
# them, sys.ps1/sys.ps2 are used, -i after a script that failed (even with SystemExit), and
# exit(n) / quit() / SystemExit("msg") end the prompt with CPython's exit status.
"$MINIVM" -i -c 'import sys
x = 5
sys.exit(3)' <<'IN'
x
if 1:
    x = )
def f():

@dec
def g(): pass

if 1:
  pass
print("after")
x = (1,

2)
x
import sys
sys.ps1 = 'py> '
sys.ps2 = '.. '
if 1:
  3

  4
try:
    pass
finally:
    print("fin")

w = 1; w
exit(4)
print("not reached")
IN
echo "exit status: $?"
printf 'x\n' | "$MINIVM" -i -c 'x = 5
1/0'
echo "exit status: $?"
printf 'quit()\n' | "$MINIVM" -i -c 'print(1)'
echo "exit status: $?"
printf 'raise SystemExit("bye")\n' | "$MINIVM" -i -c 'print(1)'
echo "exit status: $?"
printf 'def f():\n  return 1\n' | "$MINIVM" -i -c pass
echo "exit status: $?"
