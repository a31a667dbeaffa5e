#!/usr/bin/python3
"""Whole-process wall time of a few commands, run in alternation (command 1, 2, ..., then again)
so that the drift of a shared, noisy machine hits all of them alike.  Reports the median and the
quartiles of each.  For comparing two builds on one benchmark, for example:

  /usr/bin/python3 bench/ab.py 40 "old/minivm bench/io_sleep.mv" "build/minivm bench/io_sleep.mv" \
      "/usr/bin/python3 bench/io_sleep.mv"

A command may start with VAR=value assignments.  Output goes to /dev/null.
"""
import os
import shlex
import statistics
import sys
import time


def parse(command):
    env = dict(os.environ)
    argv = shlex.split(command)
    while argv and "=" in argv[0] and not argv[0].startswith(("/", ".")):
        name, value = argv.pop(0).split("=", 1)
        env[name] = value
    return argv, env


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = sys.argv[2:]
    parsed = [parse(c) for c in commands]
    times = [[] for _ in commands]
    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(rounds):
        for i, (argv, env) in enumerate(parsed):
            t0 = time.perf_counter()
            pid = os.posix_spawnp(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
            os.waitpid(pid, 0)
            times[i].append(time.perf_counter() - t0)
    for command, ts in zip(commands, times):
        ts.sort()
        q1, q3 = ts[len(ts) // 4], ts[3 * len(ts) // 4]
        print("%8.2f ms median  (quartiles %.2f, %.2f)   %s" % (statistics.median(ts) * 1e3, q1 * 1e3, q3 * 1e3, command))


if __name__ == "__main__":
    main()
