# The default threading.excepthook: "Exception in thread NAME:" and the traceback on stderr, the
# main thread goes on, the exit status stays 0.  Frames inside threading itself are filtered out
# (CPython's threading.py is a file, minivm's is embedded).
cat > "${TMPDIR:-/tmp}/mv_exc_$$.mv" <<'PY'
import threading

def boom():
    raise ValueError("boom in thread")

t = threading.Thread(target=boom, name="Worker-1")
t.start()
t.join()
print("main still running")
import _thread, time
done = []
def raw():
    done.append(1)
    raise KeyError("raw")
_thread.start_new_thread(raw, ())
while not done:
    time.sleep(0.001)
time.sleep(0.05)
print("end")
PY
"$MINIVM" "${TMPDIR:-/tmp}/mv_exc_$$.mv" > "${TMPDIR:-/tmp}/mv_exc_$$.out" 2> "${TMPDIR:-/tmp}/mv_exc_$$.err"
echo "status: $?"
cat "${TMPDIR:-/tmp}/mv_exc_$$.out"
sed -e 's/0x[0-9a-f]*/0xADDR/' -e "s#${TMPDIR:-/tmp}/mv_exc_$$.mv#SCRIPT#" -e '/File ".*threading/,+1d' "${TMPDIR:-/tmp}/mv_exc_$$.err"
rm -f "${TMPDIR:-/tmp}/mv_exc_$$".*
