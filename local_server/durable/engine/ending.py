"""The end of an invocation: its InvocationCompleted, then what its outcome means.

Order (docs/facts.md D11): the invocation's `InvocationCompleted` first, then what came due or
was answered while it ran, then the terminal event if the execution ended. A failure counts
against the retry policy (engine/invocations.py); a checkpointed EXECUTION update ends the
execution now that the invocation is over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..model import PAUSING, Execution, JsonObject
from . import history, progress
from .invocations import InvocationOutcome, after_failure, judge

if TYPE_CHECKING:
    from .engine import DurableEngine


def record_end(execution: Execution, now: float, failure: Optional[JsonObject]) -> None:
    assert execution.request_id is not None and execution.invocation_start is not None
    history.invocation_completed(execution, execution.request_id, execution.invocation_start, now, failure)
    execution.request_id = execution.invocation_start = execution.token = None
    execution.tokens = []

def end_invocation(engine: DurableEngine, execution: Execution, outcome: InvocationOutcome) -> None:
    now = engine.now(execution)
    verdict = judge(outcome, progress.has_pending(execution) or execution.completion is not None)
    record_end(execution, now, verdict.failure or verdict.fatal)
    # What came due or was answered during the invocation lands after its InvocationCompleted.
    progress.settle(execution, now)
    if execution.terminal:  # stopped or timed out meanwhile
        engine.save(execution)
        return
    pausing = execution.status == PAUSING
    completion, execution.completion = execution.completion, None
    if completion is not None:
        engine.finish(execution, completion["status"], completion.get("result"), completion.get("error"))
    elif verdict.fatal is not None:
        engine.finish(execution, "FAILED", None, verdict.fatal)
    elif verdict.failure is not None:
        if after_failure(execution, verdict.failure, now, engine.config.retry):
            engine.finish(execution, "FAILED", None, verdict.failure)
    else:
        assert verdict.output is not None
        execution.failures = 0
        if verdict.output.status in ("SUCCEEDED", "FAILED"):
            engine.finish(execution, verdict.output.status, verdict.output.result, verdict.output.error)
    if pausing and not execution.terminal:
        engine.paused(execution, now, interrupted=verdict.failure is not None)
    engine.maybe_invoke(execution)
    engine.save(execution)
