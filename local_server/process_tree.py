"""Processes of an execution environment and their memory, from Linux's /proc.

Lambda's `Max Memory Used` is the peak of the whole environment (its cgroup): the runtime
and every process it started. Without a cgroup of our own, the closest honest figure is
the sum of each process's own peak resident set (VmHWM), taken over the process tree;
the caller samples it while an invocation runs, so children that exit are counted too.
"""

from __future__ import annotations

import os


def children(pid: int) -> list:
    """Direct children of `pid` (every thread's list: a child belongs to the thread that forked it)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                found.extend(int(child) for child in f.read().split())
        except OSError:
            continue
    return found


def tree(pid: int) -> list:
    """`pid` and all its descendants that are alive."""
    pids = [pid]
    index = 0
    while index < len(pids):
        pids.extend(children(pids[index]))
        index += 1
    return pids


def peak_kib(pid: int) -> int:
    """A process's peak resident set size (VmHWM) in KiB; 0 when it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_peak_kib(roots: list) -> int:
    """The sum of the peaks of every process in the trees under `roots`."""
    return sum(peak_kib(pid) for root in roots for pid in tree(root))


def rss_kib(pid: int) -> int:
    """A process's current resident set size in KiB (for the benchmark and tests)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
