# Errors the event loop reports on stderr as CPython 3.11 does: an exception in a task nobody
# awaited ("Task exception was never retrieved"), in a callback, with a custom exception
# handler, and a task failing while asyncio.run() cancels it at shutdown.
# Frames inside asyncio itself are filtered out (tests/lib/filtered_run.sh).
D=${TMPDIR:-/tmp}/mv_aioerr_$$
. ../../lib/filtered_run.sh

run never_retrieved <<'PY'
import asyncio

async def bad():
    raise KeyError("lost")

async def main():
    asyncio.create_task(bad())
    await asyncio.sleep(0.01)
    print("main done")

asyncio.run(main())
print("after run")
PY

run callback_error <<'PY'
import asyncio

def cb():
    1 / 0

async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(cb)
    await asyncio.sleep(0.01)
    print("loop survived")

asyncio.run(main())
PY

run custom_handler <<'PY'
import asyncio

async def bad():
    raise RuntimeError("handled")

def handler(loop, context):
    print("handler:", context["message"], repr(context.get("exception")))

async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)
    asyncio.create_task(bad())
    await asyncio.sleep(0.01)

asyncio.run(main())
PY

run shutdown_exception <<'PY'
import asyncio

async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        raise OSError("failed while cancelled")

async def main():
    asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    print("main returns")

asyncio.run(main())
PY
rm -rf "$D"
