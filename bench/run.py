#!/usr/bin/python3
"""bench/run.py: times minivm against CPython (and Lua 5.4 when installed) side by side.

Each benchmark runs on every implementation in turn (alternating, so that a noisy moment on
the machine hits all of them alike), several times; the table shows the median wall time per
implementation and the ratios minivm/CPython and Lua/CPython (below 1.0 = faster than CPython).

    /usr/bin/python3 bench/run.py              5 runs each (build/minivm)
    /usr/bin/python3 bench/run.py --quick      2 runs each, smaller inputs
    /usr/bin/python3 bench/run.py --build build-release --runs 9 fib
    /usr/bin/python3 bench/run.py --threads    threads and the GIL: the figures of issue 3

Not part of the test suite: timings depend on the machine.
"""
import argparse
import os
import shutil
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> (args for minivm/python, args for lua, full-size argument, quick argument)
BENCHMARKS = {
    "countdown": (["countdown.mv"], ["countdown.lua"], "10000000", "2000000"),
    "fib": (["fib.mv"], ["fib.lua"], "30", "25"),
    "startup": (["-c", "pass"], ["-e", ""], None, None),
    # threads and the GIL (issue 3): no Lua counterpart (None); arguments may be lists
    "thr_countdown_seq": (["threads_countdown.mv"], None, ["20000000", "seq"], ["4000000", "seq"]),
    "thr_countdown_2": (["threads_countdown.mv"], None, ["20000000", "2"], ["4000000", "2"]),
    "thr_countdown_4": (["threads_countdown.mv"], None, ["20000000", "4"], ["4000000", "4"]),
    "thr_countdown_gilseq": (["threads_countdown.mv"], None, ["20000000", "gilseq"], ["4000000", "gilseq"]),
    "thr_sleep100": (["io_sleep.mv"], None, "100", "100"),
    "thr_pingpong": (["lock_pingpong.mv"], None, "100000", "20000"),
    # generator send() ping-pong (issue 4): a generator echoing what it is sent, 10M times
    "gen_send": (["gen_send.mv"], None, "10000000", "1000000"),
    # asyncio (issue 4): 100,000 tasks each awaiting sleep(0) three times, gathered
    "async_tasks": (["async_tasks.mv"], None, "100000", "20000"),
    # asyncio (issue 4): 100 clients x 100 lines echoed over loopback, in one thread
    "async_echo": (["async_echo.mv"], None, ["100", "100"], ["20", "50"]),
    # pickle (issue 5): 3 round trips of dumps + loads each, no Lua counterpart
    "pickle_ints": (["pickle_ints.mv"], None, "1000000", "200000"),
    "pickle_dicts": (["pickle_dicts.mv"], None, "100000", "20000"),
    # collections.deque as a FIFO: 1,000,000 appends + poplefts, then as many interleaved pairs
    "deque": (["deque.mv"], None, "1000000", "200000"),
    # multiprocessing (issue 5): the seed's countdown (100M) over 2 processes vs sequential (fork and
    # start-up are a fixed ~10 ms, so a short countdown would measure them); Pipe round trips
    "mp_countdown_seq": (["countdown_processes.mv"], None, ["100000000", "seq"], ["4000000", "seq"]),
    "mp_countdown_2": (["countdown_processes.mv"], None, ["100000000", "2"], ["4000000", "2"]),
    "mp_pipe_pingpong": (["pipe_pingpong.mv"], None, "100000", "20000"),
}
THREAD_BENCHMARKS = [b for b in BENCHMARKS if b.startswith("thr_")]


def command(impl, exe, bench, quick):
    mv_args, lua_args, full, small = BENCHMARKS[bench]
    args = list(lua_args if impl == "lua5.4" else mv_args)
    if args and args[0].endswith((".mv", ".lua")):
        args[0] = os.path.join(HERE, args[0])
    n = small if quick else full
    return [exe] + args + (list(n) if isinstance(n, list) else [n] if n else [])


def threads_sleep_inside(impls, runs):
    """examples/io_threads.mv's own figure: the wall time from the first start() to the last
    join() of 100 threads sleeping 0.1 s (no start-up or exit), median per implementation."""
    script = os.path.join(ROOT, "examples", "io_threads.mv")
    times = {impl: [] for impl, _ in impls}
    for _ in range(runs):
        for impl, exe in impls:
            out = subprocess.run([exe, script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True).stdout
            m = re.search(r"threads x sleep\(0\.1\): ([0-9.]+) s wall", out)
            if m:
                times[impl].append(float(m.group(1)))
    return {impl: statistics.median(v) for impl, v in times.items() if v}


def thread_figures(results, opts, impls):
    """The figures of issue 3, derived from the medians (and gil_slices.mv for minivm)."""
    inside = threads_sleep_inside([(i, e) for i, e in impls if i != "lua5.4"], opts.runs_used)
    print("\nthreads and the GIL (issue 3 figures):")
    for impl, exe in impls:
        med = results.get
        if not med("thr_countdown_seq") or impl not in med("thr_countdown_seq"):
            continue
        seq = med("thr_countdown_seq")[impl]
        line = [f"  {impl:8s}"]
        for k in ("2", "4"):
            r = med(f"thr_countdown_{k}")
            if r and impl in r:
                line.append(f"countdown {k} threads / sequential: {r[impl] / seq:.3f}")
        r = med("thr_countdown_gilseq")
        if r and impl in r:
            line.append(f"single thread with GIL / without: {r[impl] / seq:.3f}")
        print(";  ".join(line))

        def cpu(b):
            return statistics.median(CPU_TIMES.get((impl, b), [0])) or float("nan")
        print(f"  {impl:8s}(user+sys CPU medians: seq {cpu('thr_countdown_seq'):.3f} s, 2 threads "
              f"{cpu('thr_countdown_2'):.3f} s, 4 threads {cpu('thr_countdown_4'):.3f} s, with GIL "
              f"{cpu('thr_countdown_gilseq'):.3f} s)")
        r = med("thr_sleep100")
        if r and impl in r:
            print(f"  {impl:8s}100 threads x sleep(0.1): {r[impl]:.3f} s wall (whole process)"
                  + (f", {inside[impl]:.3f} s from the first start() to the last join() "
                     f"(examples/io_threads.mv)" if impl in inside else ""))
        r = med("thr_pingpong")
        if r and impl in r:
            n = 20000 if opts.quick else 100000
            print(f"  {impl:8s}lock ping-pong: {n / r[impl]:,.0f} round trips/s (incl. start-up)")
    for impl, exe in impls:
        if impl == "minivm":
            print("  minivm mean time slice, 2 CPU-bound threads (bench/gil_slices.mv):")
            proc = subprocess.run([exe, os.path.join(HERE, "gil_slices.mv")], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            for ln in proc.stdout.splitlines():
                print("    " + ln)


CPU_TIMES = {}  # (impl, bench) -> [user+sys seconds of each run]: steadier than wall on a busy machine


def run_once(cmd):
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = os.times()
    run_once.cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, proc.returncode, proc.stdout


def main():
    ap = argparse.ArgumentParser(description="time minivm against CPython and Lua")
    ap.add_argument("benchmarks", nargs="*", help="subset of: " + ", ".join(BENCHMARKS))
    ap.add_argument("--quick", action="store_true", help="2 runs and smaller inputs")
    ap.add_argument("--runs", type=int, help="runs per implementation (default 5, 2 with --quick)")
    ap.add_argument("--build", default=os.environ.get("MINIVM_BUILD", "build"),
                    help="build directory holding minivm (default: build)")
    ap.add_argument("--python", default="/usr/bin/python3", help="reference CPython")
    ap.add_argument("--threads", action="store_true",
                    help="only the thread/GIL benchmarks, plus the derived figures of issue 3")
    opts = ap.parse_args()

    runs = opts.runs_used = opts.runs or (2 if opts.quick else 5)
    names = opts.benchmarks or (THREAD_BENCHMARKS if opts.threads else list(BENCHMARKS))
    for n in names:
        if n not in BENCHMARKS:
            ap.error(f"unknown benchmark {n!r}")

    build = opts.build if os.path.isabs(opts.build) else os.path.join(ROOT, opts.build)
    impls = []
    minivm = os.path.join(build, "minivm")
    if os.access(minivm, os.X_OK):
        impls.append(("minivm", minivm))
    else:
        print(f"note: {minivm} not found, minivm column skipped", file=sys.stderr)
    impls.append(("python3", opts.python))
    lua = shutil.which("lua5.4")
    if lua:
        impls.append(("lua5.4", lua))

    results = {}
    for bench in names:
        times = {impl: [] for impl, _ in impls}
        outputs = {}
        for _ in range(runs):
            for impl, exe in impls:
                if impl == "lua5.4" and BENCHMARKS[bench][1] is None:
                    continue
                elapsed, rc, out = run_once(command(impl, exe, bench, opts.quick))
                CPU_TIMES.setdefault((impl, bench), []).append(run_once.cpu)
                if rc != 0:
                    print(f"warning: {impl} {bench} exited with status {rc}", file=sys.stderr)
                times[impl].append(elapsed)
                outputs.setdefault(impl, out)
        if "minivm" in outputs and outputs["minivm"] != outputs["python3"]:
            print(f"warning: minivm and python3 print different results for {bench}", file=sys.stderr)
        results[bench] = {impl: statistics.median(ts) for impl, ts in times.items() if ts}

    cols = [impl for impl, _ in impls]
    header = ["benchmark"] + [f"{c} (s)" for c in cols]
    if "minivm" in cols:
        header.append("minivm/CPython")
    if "lua5.4" in cols:
        header.append("Lua/CPython")
    rows = []
    for bench, med in results.items():
        row = [bench] + [f"{med[c]:.3f}" if c in med else "-" for c in cols]
        if "minivm" in cols:
            row.append(f"{med['minivm'] / med['python3']:.2f}")
        if "lua5.4" in cols:
            row.append(f"{med['lua5.4'] / med['python3']:.2f}" if "lua5.4" in med else "-")
        rows.append(row)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    print(f"median of {runs} runs{' (quick inputs)' if opts.quick else ''}")
    for r in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths))))
    if any(b in THREAD_BENCHMARKS for b in names):
        thread_figures(results, opts, impls)


if __name__ == "__main__":
    main()
