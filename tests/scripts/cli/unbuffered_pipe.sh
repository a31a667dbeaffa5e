# Output through a pipe is complete and in order (buffers are flushed at exit).
"$MINIVM" -c '
for i in range(2000):
    print(i)
' | tail -n 3
"$MINIVM" -c '
import sys
sys.stdout.write("no newline at end")
' | od -c | head -n 2 | tail -n 1 | wc -w
