# How errors leave asyncio.run, as CPython 3.11 reports them: an exception escaping it (traceback
# through the main task), CancelledError of the main task, KeyboardInterrupt raised in a coroutine.
# Frames inside asyncio itself are filtered out (tests/lib/filtered_run.sh).
D=${TMPDIR:-/tmp}/mv_aiorun_$$
. ../../lib/filtered_run.sh

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
