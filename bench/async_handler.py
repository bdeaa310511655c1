"""An `async def` handler's CPU per invocation next to the same sync handler's (issue 8, item 2)."""

from __future__ import annotations

import statistics

from baseline import measure_warm
from measure import Runtime

HANDLERS = {"sync": "app.handler", "async": "async_app.handler"}


def run(ours: Runtime, task_root: str, rounds: int, invocations: int) -> dict[str, float]:
    """Median CPU seconds per invocation of our runtime, per kind of handler, interleaved."""
    cpu: dict[str, list[float]] = {kind: [] for kind in HANDLERS}
    for _ in range(rounds):
        for kind, handler in HANDLERS.items():
            cpu[kind].append(measure_warm(ours, task_root, warmup=300, n=invocations, handler=handler)[0])
    return {kind: statistics.median(v) for kind, v in cpu.items()}
