# How errors leave asyncio.run, as CPython 3.11 reports them: an exception escaping it (traceback
# through the main task), CancelledError of the main task, KeyboardInterrupt raised in a coroutine.
# Frames inside asyncio itself are filtered out (CPython's are files, minivm's are embedded).
D=${TMPDIR:-/tmp}/mv_aiorun_$$
mkdir -p "$D"
filter() {
    sed -e 's/0x[0-9a-f]*/0xADDR/g' -e "s#$D/##g" "$1" | awk '
        /^  File ".*asyncio/ { skip = 1; next }
        skip && /^    / { next }
        { skip = 0; print }'
}
run() {
    cat > "$D/$1.mv"
    (cd "$D" && "$MINIVM" "$1.mv" > "$1.out" 2> "$1.err")
    echo "== $1: status $?"
    cat "$D/$1.out"
    filter "$D/$1.err"
}

run uncaught <<'PY'
import asyncio

async def inner():
    await asyncio.sleep(0)
    raise ValueError("bad value")

async def main():
    print("main starts")
    await inner()

asyncio.run(main())
PY

run cancelled_main <<'PY'
import asyncio

async def main():
    asyncio.current_task().cancel()
    await asyncio.sleep(1)

asyncio.run(main())
PY

run keyboard_interrupt <<'PY'
import asyncio

async def main():
    await asyncio.sleep(0)
    raise KeyboardInterrupt

try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("KeyboardInterrupt caught outside run")
PY
rm -rf "$D"
