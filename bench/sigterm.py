"""What `LAMBDA_ENABLE_SIGTERM=true` costs (issue 8, item 3): init time and RSS, with and without.

With it the runtime registers a no-op internal extension before its first /next (the fake
answers with an identifier) and keeps one more connection waiting on the extension's
`event/next`, which the fake never answers.
"""

from __future__ import annotations

import statistics
import time

from fast_api import FastApi
from measure import Runtime, cpu_seconds, rss_kib, start, stop

VARIANTS = {"off": {}, "on": {"LAMBDA_ENABLE_SIGTERM": "true"}}


def measure(ours: Runtime, task_root: str, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds from process start to the first /next, CPU seconds and RSS KiB then)."""
    api = FastApi()
    begin = time.perf_counter()
    proc = start(ours, api, task_root, env=env)
    try:
        if not api.first_next_seen.wait(30):
            raise TimeoutError("ours never called /next")
        assert api.first_next is not None
        init = api.first_next - begin
        cpu, rss = cpu_seconds(proc.pid), rss_kib(proc.pid)
        if env and not api.extension_waiting.wait(10):
            raise TimeoutError("the extension never called event/next")
        registered = (api.extensions_registered, api.extension_waits)
        if registered != ((1, 1) if env else (0, 0)):
            raise RuntimeError(f"with {env}: {registered[0]} registrations, {registered[1]} event/next calls")
        return init, cpu, rss
    finally:
        stop(proc)
        api.close()


def run(ours: Runtime, task_root: str, starts: int) -> dict[str, tuple[float, float, float]]:
    """Medians per variant ("off", "on"): (init seconds, CPU seconds and RSS KiB at the first /next)."""
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in VARIANTS}
    for _ in range(starts):
        for name, env in VARIANTS.items():
            runs[name].append(measure(ours, task_root, env))
    return {name: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                   statistics.median(x[2] for x in v)) for name, v in runs.items()}
