"""The first section: init, warm CPU and wall per invocation, and RSS, of each runtime (issue 2)."""

from __future__ import annotations

import statistics
import time

from fast_api import FastApi
from measure import Runtime, cpu_seconds, rss_kib, start, stop


def measure_init(runtime: Runtime, task_root: str) -> float:
    """Seconds from process start to the first `GET /next`."""
    api = FastApi()
    begin = time.perf_counter()
    proc = start(runtime, api, task_root)
    try:
        if not api.first_next_seen.wait(30):
            raise TimeoutError(f"{runtime.name} never called /next")
        assert api.first_next is not None
        return api.first_next - begin
    finally:
        stop(proc)
        api.close()


def measure_warm(runtime: Runtime, task_root: str, warmup: int, n: int,
                 handler: str = "app.handler") -> tuple[float, float, int]:
    """(CPU seconds per invocation, wall seconds per invocation, RSS KiB after)."""
    api = FastApi()
    proc = start(runtime, api, task_root, handler)
    try:
        for _ in range(warmup):
            api.permits.release()
        api.wait_posts(warmup)
        api.expect_posts(warmup + n)
        cpu_before = cpu_seconds(proc.pid)
        begin = time.perf_counter()
        api.permits.release(n)
        api.wait_posts(warmup + n)
        wall = time.perf_counter() - begin
        cpu = cpu_seconds(proc.pid) - cpu_before
        return cpu / n, wall / n, rss_kib(proc.pid)
    finally:
        stop(proc)
        api.close()


class Baseline:
    """Medians per runtime name: init seconds, CPU and wall seconds per invocation, RSS KiB."""

    def __init__(self, init: dict[str, float], cpu: dict[str, float], wall: dict[str, float],
                 rss: dict[str, float]) -> None:
        self.init = init
        self.cpu = cpu
        self.wall = wall
        self.rss = rss


def run(runtimes: list[Runtime], task_root: str, starts: int, rounds: int, invocations: int) -> Baseline:
    init: dict[str, list[float]] = {r.name: [] for r in runtimes}
    for _ in range(starts):  # interleaved, so drift on the machine hits all alike
        for r in runtimes:
            init[r.name].append(measure_init(r, task_root))
    warm: dict[str, list[tuple[float, float, int]]] = {r.name: [] for r in runtimes}
    for _ in range(rounds):
        for r in runtimes:
            warm[r.name].append(measure_warm(r, task_root, warmup=300, n=invocations))
    return Baseline(
        init={name: statistics.median(v) for name, v in init.items()},
        cpu={name: statistics.median(x[0] for x in v) for name, v in warm.items()},
        wall={name: statistics.median(x[1] for x in v) for name, v in warm.items()},
        rss={name: statistics.median(x[2] for x in v) for name, v in warm.items()},
    )
