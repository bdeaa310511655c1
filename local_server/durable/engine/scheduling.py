"""What comes due without the handler: each execution's deadlines under the time scale.

The engine's scheduler thread calls `on_time` (the engine's lock held), then sleeps until the
real moment it answers, or until something changes. Each execution skips only its own skippable
deadlines (engine/clock.py), so one execution's skipped waits never shorten another's timeouts.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Optional

from ..model import TIMED_OUT, Execution, JsonObject
from . import progress

if TYPE_CHECKING:
    from .engine import DurableEngine

# Ended executions kept whole in memory, the latest first; older ones are read back from the state
# file when asked for, so that memory does not grow with every execution run (about 0.3 MiB each
# for a hundred steps) until retention ends. Without a state file every one stays in memory.
KEEP_ENDED = 32


# Both unpublished as words (docs/facts.md D13): AWS's emulator's message, an ErrorType in
# the style of the SDK's `Callback.Timeout`.
def timeout_error(seconds: int) -> JsonObject:
    return {"ErrorType": "Execution.Timeout", "ErrorMessage": f"Execution timed out after {seconds} seconds."}


def on_time(engine: DurableEngine) -> Optional[float]:
    """Applies what is due in every execution; the real seconds until the next deadline (None: none)."""
    earliest: Optional[float] = None
    for execution in list(engine.executions.values()):
        delay = _due(engine, execution)
        if delay is not None:
            earliest = delay if earliest is None else min(earliest, delay)
    engine.sweep()
    retire_ended(engine)
    return earliest


def retire_ended(engine: DurableEngine) -> None:
    """Keeps the latest KEEP_ENDED ended executions whole in memory; the others' summaries only."""
    store = engine.store
    if store is None:
        return
    ended = sorted((e for e in engine.executions.values() if e.terminal and not e.in_flight),
                   key=lambda e: e.end or 0.0)
    for execution in ended[:max(0, len(ended) - KEEP_ENDED)]:
        del engine.executions[execution.arn]
        engine.ended[execution.arn] = dataclasses.replace(
            execution, input_payload="", result=None, error=None, operations={}, events=[], tokens=[],
            unseen=[], pending_external=[], client_tokens={}, completion=None, last_failure=None)
        store.release(execution.arn)


def _due(engine: DurableEngine, execution: Execution) -> Optional[float]:
    """Applies what is due in one execution, skipping its own skippable deadlines as the time
    scale allows; the real seconds until its next deadline."""
    previous = None
    while not execution.terminal:
        _apply(engine, execution)
        found = None if execution.terminal else progress.next_deadline(execution)
        if found is None or found == previous:
            return None
        left = found[0] - engine.now(execution)
        delay = engine.clock.real_delay(left, found[1])
        if delay > 0:
            return delay
        if found[1] and left > 0:
            execution.skipped += left  # its model time jumps to the deadline
        previous = found
    return None


def _apply(engine: DurableEngine, execution: Execution) -> None:
    now = engine.now(execution)
    if execution.timeout_deadline <= now:
        engine.finish(execution, TIMED_OUT, None, timeout_error(execution.execution_timeout))
        return
    if execution.in_flight:
        return
    if progress.settle(execution, now):
        engine.save(execution)
    engine.maybe_invoke(execution)
