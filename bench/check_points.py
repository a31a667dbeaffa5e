#!/usr/bin/python3
"""What the eval breaker's check points cost one thread: minivm against a build of the same
source with the check points compiled out (meson -Dcheck_points=false; no GIL hand-off, no
Ctrl-C: a measurement build only).  The runs alternate between the two binaries (in a random
order each round, on one CPU), so that the machine's drift hits both alike; it reports medians,
minima and their ratios.

usage: /usr/bin/python3 bench/check_points.py [--build build] [--nocheck build-nocheck] [--runs 21]
(builds NOCHECK with meson first if it does not exist)
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = {
    "countdown": [os.path.join(HERE, "countdown.mv"), "100000000"],  # backward jumps
    "fib": [os.path.join(HERE, "fib.mv"), "34"],                     # function entries
}


def run(binary, args):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, check=True)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t1 - t0, r1.ru_utime - r0.ru_utime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--nocheck", default="build-nocheck")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("cases", nargs="*", default=list(CASES))
    a = ap.parse_args()
    if not os.path.exists(os.path.join(ROOT, a.nocheck, "build.ninja")):
        subprocess.run(["meson", "setup", a.nocheck, "-Dcheck_points=false"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    for d in (a.build, a.nocheck):
        subprocess.run(["ninja", "-C", d, "minivm"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with_checks = os.path.join(ROOT, a.build, "minivm")
    without = os.path.join(ROOT, a.nocheck, "minivm")
    # Both binaries on one CPU, in a random order each round: on the shared CI machine one vCPU
    # can run at half speed for minutes, and strictly alternating processes can land on the two
    # vCPUs in turn, which once made one binary look twice as slow as the other.
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    print(f"{'case':10s} {'wall median (checks / none)':>30s} {'ratio':>7s} {'wall min':>22s} "
          f"{'ratio':>7s} {'user median':>22s} {'ratio':>7s}")
    for case in a.cases:
        res = {with_checks: [], without: []}
        for _ in range(a.runs):
            for b in random.sample((with_checks, without), 2):
                res[b].append(run(b, CASES[case]))
        w = [sorted(x[0] for x in res[b]) for b in (with_checks, without)]
        u = [sorted(x[1] for x in res[b]) for b in (with_checks, without)]
        wm = [statistics.median(x) for x in w]
        um = [statistics.median(x) for x in u]
        print(f"{case:10s} {wm[0]:14.4f} / {wm[1]:.4f} s {wm[0] / wm[1]:7.3f} "
              f"{w[0][0]:9.4f} / {w[1][0]:.4f} s {w[0][0] / w[1][0]:7.3f} "
              f"{um[0]:9.4f} / {um[1]:.4f} s {um[0] / um[1]:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
