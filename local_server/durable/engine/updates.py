"""CheckpointDurableExecution's updates: one table of transitions per operation type and action.

What each action does to an operation follows the model's docs (`OperationUpdate`,
`StepOptions`, `WaitOptions`, `CallbackOptions`, `ChainedInvokeOptions`), the SDK's use of them
(docs/facts.md D8, D9) and the histories AWS's conformance requirements expect (docs/facts.md D11):
a step's RETRY with an error is a `StepFailed`, with a payload only (wait_for_condition's
state) a `StepSucceeded`; `RetryDetails.CurrentAttempt` counts attempts from 1 (step/1-13).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from ..model import (
    CALLBACK,
    CANCELLED,
    CHAINED_INVOKE,
    CONTEXT,
    EXECUTION,
    FAILED,
    PENDING,
    READY,
    STARTED,
    STEP,
    SUCCEEDED,
    WAIT,
    Execution,
    JsonObject,
    Operation,
)
from ..wire.errors import invalid
from ..wire.requests import OperationUpdate
from . import history


@dataclasses.dataclass
class Services:
    """What applying updates needs from the engine."""

    new_callback_id: Callable[[Execution, Operation], str]
    # Starts the execution a chained invoke runs: (its ARN, its executed version) or an error.
    start_chained: Callable[[Execution, Operation, Optional[str]], tuple[Optional[str], str, Optional[JsonObject]]]


@dataclasses.dataclass
class Applied:
    touched: list[str] = dataclasses.field(default_factory=list)
    completion: Optional[JsonObject] = None  # the EXECUTION update: SUCCEED or FAIL
    cancelled_children: list[str] = dataclasses.field(default_factory=list)  # chained executions to stop


def apply_updates(execution: Execution, updates: list[OperationUpdate], now: float, services: Services) -> Applied:
    applied = Applied()
    kinds = [u.type for u in updates]
    if kinds.count(EXECUTION) > 1:
        raise invalid("Cannot checkpoint multiple EXECUTION updates.")
    if EXECUTION in kinds and kinds[-1] != EXECUTION:
        raise invalid("EXECUTION checkpoint must be the last update.")
    for update in updates:
        if update.type == EXECUTION:
            applied.completion = _execution_update(update)
            continue
        op = execution.operations.get(update.id)
        if op is not None and op.type != update.type:
            raise invalid(f"Inconsistent operation type: {update.id} is a {op.type}, not a {update.type}.")
        op = _ACTIONS[update.type](execution, op, update, now, services, applied)
        if op is not None and op.id not in applied.touched:
            applied.touched.append(op.id)
    return applied


def _execution_update(update: OperationUpdate) -> JsonObject:
    # The SDK's large-result path: an EXECUTION update with its own Id (docs/facts.md D6).
    if update.action == "SUCCEED":
        return {"status": SUCCEEDED, "result": update.payload}
    if update.action == "FAIL":
        return {"status": FAILED, "error": update.error}
    raise invalid(f"An EXECUTION update takes SUCCEED or FAIL, not {update.action}.")


def _new(execution: Execution, update: OperationUpdate, now: float) -> Operation:
    op = Operation(id=update.id, type=update.type, status=STARTED, start=now, seq=execution.next_seq,
                   parent_id=update.parent_id, name=update.name, sub_type=update.sub_type)
    execution.next_seq += 1
    execution.operations[op.id] = op
    return op


def _finish(op: Operation, status: str, now: float, update: OperationUpdate) -> None:
    op.status, op.end = status, now
    if status == SUCCEEDED:
        op.result = update.payload
    elif update.error is not None:
        op.error = update.error


def _not_open(op: Operation, action: str) -> None:
    raise invalid(f"Cannot {action} {op.type} {op.id}: it is {op.status}.")


def _existing_or_started(execution: Execution, op: Optional[Operation], update: OperationUpdate,
                         now: float) -> Operation:
    # A SUCCEED/FAIL/RETRY whose START was never sent: started here, so history still shows it.
    if op is None:
        op = _new(execution, update, now)
        history.operation_event(execution, op, "Started", now)
    return op


Action = Callable[[Execution, Optional[Operation], OperationUpdate, float, Services, Applied], Optional[Operation]]


def _step(execution: Execution, op: Optional[Operation], update: OperationUpdate, now: float,
          services: Services, applied: Applied) -> Optional[Operation]:
    action = update.action
    if action == "START":
        if op is None:
            op = _new(execution, update, now)
            op.attempt = 0
        elif op.done:
            raise invalid(f"Invalid current STEP state to start: {op.id} is {op.status}.")
        op.status, op.next_attempt = STARTED, None
        history.operation_event(execution, op, "Started", now)
        return op
    if action == "CANCEL":
        if op is not None and not op.done:
            op.status, op.end = CANCELLED, now
        return op
    op = _existing_or_started(execution, op, update, now)
    if op.done:
        _not_open(op, action)
    attempt = (op.attempt or 0) + 1
    if action == "RETRY":
        delay = update.next_attempt_delay or 0
        op.status, op.attempt, op.next_attempt = PENDING, attempt, now + delay
        op.result, op.error = update.payload, update.error
        retry = {"CurrentAttempt": attempt, "NextAttemptDelaySeconds": delay}
        if update.error is not None:
            history.operation_event(execution, op, "Failed", now,
                                    {"Error": history.error(update.error), "RetryDetails": retry})
        else:
            history.operation_event(execution, op, "Succeeded", now,
                                    {"Result": history.payload(update.payload), "RetryDetails": retry})
        return op
    op.attempt = attempt
    if action == "SUCCEED":
        _finish(op, SUCCEEDED, now, update)
        history.operation_event(execution, op, "Succeeded", now, {"Result": history.payload(update.payload),
                                                                  "RetryDetails": {"CurrentAttempt": attempt}})
    else:  # FAIL
        _finish(op, FAILED, now, update)
        history.operation_event(execution, op, "Failed", now, {"Error": history.error(update.error),
                                                               "RetryDetails": {"CurrentAttempt": attempt}})
    return op


def _context(execution: Execution, op: Optional[Operation], update: OperationUpdate, now: float,
             services: Services, applied: Applied) -> Optional[Operation]:
    action = update.action
    if action == "START":
        if op is not None:
            raise invalid(f"Cannot start a CONTEXT that already exists: {op.id}.")
        op = _new(execution, update, now)
        history.operation_event(execution, op, "Started", now)
        return op
    if action == "CANCEL":
        if op is not None and not op.done:
            op.status, op.end = CANCELLED, now
        return op
    if action == "RETRY":
        raise invalid("A CONTEXT takes START, SUCCEED, FAIL or CANCEL, not RETRY.")
    op = _existing_or_started(execution, op, update, now)
    if op.done:
        _not_open(op, action)
    if update.replay_children is not None:
        op.replay_children = update.replay_children
    if action == "SUCCEED":
        _finish(op, SUCCEEDED, now, update)
        history.operation_event(execution, op, "Succeeded", now, {"Result": history.payload(update.payload)})
    else:
        _finish(op, FAILED, now, update)
        history.operation_event(execution, op, "Failed", now, {"Error": history.error(update.error)})
    return op


def _start_only(execution: Execution, op: Optional[Operation], update: OperationUpdate) -> Operation:
    if op is not None:
        raise invalid(f"Cannot start a {update.type} that already exists: {op.id}.")
    return _new(execution, update, 0.0)


def _wait(execution: Execution, op: Optional[Operation], update: OperationUpdate, now: float,
          services: Services, applied: Applied) -> Optional[Operation]:
    if update.action == "START":
        op = _start_only(execution, op, update)
        seconds = update.wait_seconds or 1  # the SDK's default (WaitOptions, docs/facts.md D10)
        op.start, op.wait_seconds, op.scheduled_end = now, seconds, now + seconds
        history.operation_event(execution, op, "Started", now,
                                {"Duration": seconds, "ScheduledEndTimestamp": round(now + seconds, 3)})
        return op
    if update.action == "CANCEL":
        if op is not None and not op.done:
            op.status, op.end = CANCELLED, now
            details: JsonObject = {"Error": history.error(update.error)} if update.error else {}
            history.operation_event(execution, op, "Cancelled", now, details)
        return op
    raise invalid(f"A WAIT takes START or CANCEL, not {update.action}: the service ends it.")


def _callback(execution: Execution, op: Optional[Operation], update: OperationUpdate, now: float,
              services: Services, applied: Applied) -> Optional[Operation]:
    if update.action == "START":
        op = _start_only(execution, op, update)
        op.start, op.heartbeat_at = now, now
        op.timeout_seconds, op.heartbeat_seconds = update.callback_timeout, update.callback_heartbeat
        op.callback_id = services.new_callback_id(execution, op)
        history.operation_event(execution, op, "Started", now, {
            "CallbackId": op.callback_id, "HeartbeatTimeout": op.heartbeat_seconds, "Timeout": op.timeout_seconds})
        return op
    if update.action == "CANCEL":
        if op is not None and not op.done:
            op.status, op.end = CANCELLED, now
        return op
    raise invalid(f"A CALLBACK takes START or CANCEL, not {update.action}: its answer comes through the API.")


def _chained_invoke(execution: Execution, op: Optional[Operation], update: OperationUpdate, now: float,
                    services: Services, applied: Applied) -> Optional[Operation]:
    if update.action == "START":
        if not update.function_name:
            raise invalid("A CHAINED_INVOKE START needs ChainedInvokeOptions.FunctionName.")
        op = _start_only(execution, op, update)
        op.start, op.function_name, op.input_payload = now, update.function_name, update.payload
        child_arn, version, failure = services.start_chained(execution, op, update.tenant_id)
        op.child_arn = child_arn
        details: JsonObject = {"FunctionName": update.function_name, "Input": history.payload(update.payload),
                               "ExecutedVersion": version}
        if update.tenant_id is not None:
            details["TenantId"] = update.tenant_id  # ChainedInvokeStartedDetails.TenantId (conformance 5-8)
        if child_arn is not None:
            details["DurableExecutionArn"] = child_arn
        history.operation_event(execution, op, "Started", now, details)
        if failure is not None:
            execution.pending_external.append({"op": op.id, "status": FAILED, "error": failure})
        return op
    if update.action == "CANCEL":
        if op is not None and not op.done:
            op.status, op.end = CANCELLED, now
            if op.child_arn:
                applied.cancelled_children.append(op.child_arn)
        return op
    raise invalid(f"A CHAINED_INVOKE takes START or CANCEL, not {update.action}: the invoked function ends it.")


_ACTIONS: dict[str, Action] = {STEP: _step, CONTEXT: _context, WAIT: _wait, CALLBACK: _callback,
                               CHAINED_INVOKE: _chained_invoke}

# An operation the handler may resume on: READY is "run the step again now" (docs/facts.md D9).
RESUMABLE = frozenset({READY})
