"""What moves an execution on without its handler: timers, answers from outside, its end.

Pure functions of an `Execution` and the current model time (the engine holds the lock).
- Due timers (AWS's emulator, docs/facts.md D12): a WAIT whose `ScheduledEndTimestamp` has come
  succeeds; a STEP PENDING retry whose `NextAttemptTimestamp` has come becomes READY (no event);
  a CALLBACK past its timeout or heartbeat timeout times out with the SDK's `CallbackTimeoutType`
  values as ErrorType (`Callback.Timeout`, `Callback.Heartbeat`: docs/facts.md D10).
- Completions from outside (callback answers, a chained execution's end) are queued while an
  invocation runs and applied at its next checkpoint or its end: the history then keeps Lambda's
  order (the suspending invocation's `InvocationCompleted` before `WaitSucceeded`,
  `CallbackSucceeded`, ...: docs/facts.md D11), and a checkpoint still delivers what is due
  ("such as completed callbacks or expired timers", model doc of `NewExecutionState`).
"""

from __future__ import annotations

from typing import Optional

from ..model import (
    CALLBACK,
    CHAINED_INVOKE,
    CONTEXT,
    PENDING,
    READY,
    STARTED,
    STEP,
    SUCCEEDED,
    TIMED_OUT,
    WAIT,
    Execution,
    JsonObject,
    Operation,
)
from . import history

CALLBACK_TIMEOUT = {"ErrorType": "Callback.Timeout", "ErrorMessage": "Callback timed out"}
HEARTBEAT_TIMEOUT = {"ErrorType": "Callback.Heartbeat", "ErrorMessage": "Callback timed out on heartbeat"}
RETENTION_SECONDS_PER_DAY = 86_400


def _changed(execution: Execution, op: Operation) -> None:
    if op.id not in execution.unseen:
        execution.unseen.append(op.id)


def callback_deadline(op: Operation) -> Optional[tuple[float, JsonObject]]:
    """When an open callback times out, and with which error."""
    candidates = []
    if op.timeout_seconds:
        candidates.append((op.start + op.timeout_seconds, CALLBACK_TIMEOUT))
    if op.heartbeat_seconds:
        candidates.append(((op.heartbeat_at or op.start) + op.heartbeat_seconds, HEARTBEAT_TIMEOUT))
    return min(candidates, key=lambda c: c[0]) if candidates else None


def settle(execution: Execution, now: float) -> list[str]:
    """Apply queued outside completions and due timers; the ids of the operations changed."""
    before = len(execution.unseen)
    queued, execution.pending_external = execution.pending_external, []
    for change in queued:
        op = execution.operations.get(change["op"])
        if op is not None and not op.done:
            complete(execution, op, change["status"], now, change.get("result"), change.get("error"))
    for op in list(execution.operations.values()):
        if op.done:
            continue
        if op.type == WAIT and op.scheduled_end is not None and op.scheduled_end <= now:
            op.status, op.end = SUCCEEDED, now
            history.operation_event(execution, op, "Succeeded", now, {"Duration": op.wait_seconds})
            _changed(execution, op)
        elif op.type == STEP and op.status == PENDING and op.next_attempt is not None and op.next_attempt <= now:
            op.status = READY
            _changed(execution, op)
        elif op.type == CALLBACK:
            deadline = callback_deadline(op)
            if deadline is not None and deadline[0] <= now:
                complete(execution, op, TIMED_OUT, now, None, deadline[1])
    return execution.unseen[before:]


def complete(execution: Execution, op: Operation, status: str, now: float, result: Optional[str],
             error: Optional[JsonObject]) -> None:
    """A CALLBACK or CHAINED_INVOKE ended from outside: its status and its event."""
    op.status, op.end = status, now
    if status == SUCCEEDED:
        op.result = result
        details: JsonObject = {"Result": history.payload(result)}
    else:
        op.error = error
        details = {"Error": history.error(error)}
    outcome = {"SUCCEEDED": "Succeeded", "FAILED": "Failed", "TIMED_OUT": "TimedOut", "STOPPED": "Stopped"}[status]
    history.operation_event(execution, op, outcome, now, details)
    _changed(execution, op)


def next_deadline(execution: Execution) -> Optional[tuple[float, bool]]:
    """The earliest moment something is due for this execution, and whether time may skip to it."""
    if execution.terminal:
        return None  # its open operations stay as they were: nothing is due any more
    found: list[tuple[float, bool]] = []
    if not (execution.pause and execution.pause.timeout_paused
                                       and execution.status == "PAUSED"):
        found.append((execution.timeout_deadline, False))
    if execution.in_flight:
        return min(found) if found else None  # timers wait for the invocation's checkpoint or end
    if execution.retry_at is not None and execution.status == "RUNNING":
        found.append((execution.retry_at, True))
    for op in execution.operations.values():
        if op.done:
            continue
        if op.type == WAIT and op.scheduled_end is not None:
            found.append((op.scheduled_end, True))
        elif op.type == STEP and op.status == PENDING and op.next_attempt is not None:
            found.append((op.next_attempt, True))
        elif op.type == CALLBACK:
            deadline = callback_deadline(op)
            if deadline is not None:
                found.append((deadline[0], False))
    return min(found) if found else None


def has_pending(execution: Execution) -> bool:
    """Whether anything can still move the execution on without its handler (docs/facts.md D9)."""
    if execution.pending_external or execution.unseen:
        return True
    for op in execution.operations.values():
        if op.done:
            continue
        if op.type in (WAIT, CALLBACK, CHAINED_INVOKE) and op.status == STARTED:
            return True
        if op.type == STEP and op.status in (PENDING, READY):
            return True
    return False


def visible_operations(execution: Execution) -> list[Operation]:
    """Operations in start order, without the children of completed contexts that do not replay
    them ("Completed operations with children don't include child operation details",
    model doc of GetDurableExecutionState; `ContextOptions.ReplayChildren`)."""
    ops = sorted(execution.operations.values(), key=lambda op: op.seq)
    hidden: set[str] = set()
    out = []
    for op in ops:
        parent = execution.operations.get(op.parent_id) if op.parent_id else None
        if op.parent_id in hidden or (parent is not None and parent.type == CONTEXT and parent.done
                                      and not parent.replay_children):
            hidden.add(op.id)
            continue
        out.append(op)
    return out


def finish(execution: Execution, status: str, now: float, result: Optional[str] = None,
           error: Optional[JsonObject] = None) -> None:
    """The execution ends: its record, its EXECUTION operation, its terminal event."""
    execution.status, execution.end = status, now
    execution.result = result if status == SUCCEEDED else None
    execution.error = error if status != SUCCEEDED else None
    execution.expires_at = now + execution.retention_days * RETENTION_SECONDS_PER_DAY
    execution.token, execution.retry_at, execution.invoke_wanted = None, None, False
    own = execution.operations.get(execution.execution_id)
    if own is not None:
        own.status, own.end = status, now
    history.execution_ended(execution, now)
