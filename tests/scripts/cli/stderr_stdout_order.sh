# stdout and stderr both captured; stdout content is complete even when the program fails.
"$MINIVM" -c '
import sys
print("out 1")
print("err 1", file=sys.stderr)
print("out 2")
raise KeyError("k")
' 2>/dev/null
echo "exit status: $?"
"$MINIVM" -c '
import sys
print("out")
print("err", file=sys.stderr)
' 2>&1 >/dev/null
