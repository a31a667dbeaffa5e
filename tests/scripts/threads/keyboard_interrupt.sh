# Ctrl-C (SIGINT) becomes KeyboardInterrupt in the main thread, also while it is blocked in a
# lock acquire, a join, a queue get, an Event wait, or sleep; other threads keep running.
cat > "${TMPDIR:-/tmp}/mv_kbd_$$.mv" <<'PY'
import threading, queue, time, sys
what = sys.argv[1]
stop = threading.Event()
bg = threading.Thread(target=stop.wait, daemon=True)
bg.start()
print("blocking in", what, flush=True)
try:
    if what == "lock":
        l = threading.Lock(); l.acquire(); l.acquire()
    elif what == "join":
        bg.join()
    elif what == "queue":
        queue.Queue().get()
    elif what == "event":
        threading.Event().wait()
    elif what == "sleep":
        time.sleep(30)
except KeyboardInterrupt:
    print("KeyboardInterrupt in", what)
stop.set()
bg.join()
print("clean exit")
PY
set -m  # job control: background jobs get SIGINT (not ignored as in a plain script)
exec 2>/dev/null  # (bash reports finished jobs on stderr; minivm's stderr goes to the .out file)
for what in lock join queue event sleep; do
    "$MINIVM" "${TMPDIR:-/tmp}/mv_kbd_$$.mv" $what > "${TMPDIR:-/tmp}/mv_kbd_$$.out" 2>&1 &
    pid=$!
    for i in $(seq 100); do grep -q blocking "${TMPDIR:-/tmp}/mv_kbd_$$.out" && break; sleep 0.05; done
    sleep 0.2
    kill -INT $pid
    ( sleep 5; kill -KILL $pid 2>/dev/null ) &  # never hang the suite
    killer=$!
    wait $pid
    echo "status: $?"
    kill $killer 2>/dev/null
    cat "${TMPDIR:-/tmp}/mv_kbd_$$.out"
done
rm -f "${TMPDIR:-/tmp}/mv_kbd_$$.mv" "${TMPDIR:-/tmp}/mv_kbd_$$.out"
