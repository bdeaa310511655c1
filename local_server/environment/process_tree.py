"""Processes of an execution environment and their memory, from Linux's /proc.

Lambda's `Max Memory Used` is the peak of the whole environment (its cgroup): the runtime
and every process it started. Without a cgroup of our own, the closest honest figure is
the sum of each process's own peak resident set (VmHWM), taken over the process tree;
the caller samples it while an invocation runs, so children that exit are counted too.
"""

from __future__ import annotations

import os
import threading


def children(pid: int) -> list[int]:
    """Direct children of `pid` (every thread's list: a child belongs to the thread that forked it)."""
    found: list[int] = []
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


def tree(pid: int) -> list[int]:
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


def tree_peak_kib(roots: list[int]) -> int:
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


class PeakMemory:
    """The peak memory of one environment's processes, as its REPORT lines give it.

    `sample(roots)` walks the whole tree (the supervisor does, while an invocation runs);
    `quick()` reads only the runtime's own peak, through a descriptor kept open (one system
    call, at every REPORT) and adds its children's and the extensions' as last sampled.
    """

    def __init__(self) -> None:
        self.kib = 0
        self._others_kib = 0
        self._pid = 0
        self._fd = -1
        self._lock = threading.Lock()

    def watch(self, pid: int) -> None:
        self._pid = pid
        try:
            self._fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
        except OSError:
            pass  # no /proc: nothing to report but what the tree walk finds

    def _own(self) -> int:
        with self._lock:  # never a read on a closed (and maybe reused) descriptor
            if self._fd < 0:
                return 0
            try:
                status = os.pread(self._fd, 4096, 0)
            except OSError:
                return 0
        start = status.find(b"VmHWM:")
        return int(status[start + 6:status.index(b"kB", start)]) if start >= 0 else 0

    def sample(self, roots: list[int]) -> None:
        if roots:
            total = tree_peak_kib(roots)
            self._others_kib = max(self._others_kib, total - self._own())
            self.kib = max(self.kib, total)

    def quick(self) -> None:
        own = self._own()
        if own:
            self.kib = max(self.kib, own + self._others_kib)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
