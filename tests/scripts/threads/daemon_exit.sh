# Exit waits for non-daemon threads; daemon threads never crash or hang the exit.
cat > "${TMPDIR:-/tmp}/mv_daemon_$$.mv" <<'PY'
import threading, time

def spin():
    n = 0
    while True:
        n += 1

def sleeper():
    while True:
        time.sleep(0.01)

def late():
    time.sleep(0.1)
    print("non-daemon thread finished")

for f in (spin, sleeper):
    threading.Thread(target=f, daemon=True).start()
threading.Thread(target=late).start()
print("main done")
PY
"$MINIVM" "${TMPDIR:-/tmp}/mv_daemon_$$.mv"
echo "status: $?"
# sys.exit in main still waits for the non-daemon thread
"$MINIVM" -c '
import threading, time, sys
def late():
    time.sleep(0.05)
    print("worker done")
threading.Thread(target=late).start()
sys.exit(4)'
echo "status: $?"
# an uncaught exception in main: traceback, then the wait, then status 1
"$MINIVM" -c '
import threading, time
def late():
    time.sleep(0.05)
    print("worker done after main failed")
threading.Thread(target=late).start()
raise ValueError("main failed")' 2>&1
echo "status: $?"
rm -f "${TMPDIR:-/tmp}/mv_daemon_$$.mv"
