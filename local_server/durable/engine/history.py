"""The execution history: events with Lambda's types, numbering and details.

Event types and details members: botocore 1.44.8's `Event` shape and its `*Details` shapes
(docs/facts.md D1). Numbering: "Event IDs increment sequentially" from 1 (model doc of
`EventId`). The conformance requirements (docs/facts.md D11) fix the order: one
`InvocationCompleted` per invocation after that invocation's operation events, service-side
completions between invocations, the terminal event after the last `InvocationCompleted`, and
every details key present even when empty (`StepStartedDetails: {}`, `InvocationCompletedDetails`).
"""

from __future__ import annotations

from typing import Optional

from ..model import CHAINED_INVOKE, Event, Execution, JsonObject, Operation

# Operation type -> the prefix of its event types (model enum `EventType`).
EVENT_PREFIX = {"EXECUTION": "Execution", "CONTEXT": "Context", "STEP": "Step", "WAIT": "Wait",
                "CALLBACK": "Callback", CHAINED_INVOKE: "ChainedInvoke"}


def payload(value: Optional[str]) -> JsonObject:
    """`EventInput` / `EventResult`: the payload and whether it was cut (never, here)."""
    out: JsonObject = {"Truncated": False}
    if value is not None:
        out["Payload"] = value
    return out


def error(value: Optional[JsonObject]) -> JsonObject:
    """`EventError`."""
    out: JsonObject = {"Truncated": False}
    if value is not None:
        out["Payload"] = dict(value)
    return out


def record(execution: Execution, event_type: str, now: float, op: Optional[Operation] = None,
           details: Optional[JsonObject] = None) -> Event:
    event = Event(event_id=len(execution.events) + 1, event_type=event_type, timestamp=now,
                  details=details if details is not None else {})
    if op is not None:
        event.op_id, event.name, event.sub_type, event.parent_id = op.id, op.name, op.sub_type, op.parent_id
    else:
        # Execution-level events name the execution (AWS's emulator, observed: docs/facts.md D12).
        event.op_id, event.name = execution.execution_id, execution.name
    execution.events.append(event)
    return event


def operation_event(execution: Execution, op: Operation, outcome: str, now: float,
                    details: Optional[JsonObject] = None) -> Event:
    """`<Type><Outcome>`: Started, Succeeded, Failed, TimedOut, Stopped, Cancelled."""
    return record(execution, EVENT_PREFIX[op.type] + outcome, now, op, details)


def execution_started(execution: Execution) -> Event:
    return record(execution, "ExecutionStarted", execution.start, None,
                  {"Input": payload(execution.input_payload), "ExecutionTimeout": execution.execution_timeout})


def execution_ended(execution: Execution, now: float) -> Event:
    status = execution.status
    if status == "SUCCEEDED":
        return record(execution, "ExecutionSucceeded", now, None, {"Result": payload(execution.result)})
    kind = {"FAILED": "ExecutionFailed", "TIMED_OUT": "ExecutionTimedOut", "STOPPED": "ExecutionStopped"}[status]
    return record(execution, kind, now, None, {"Error": error(execution.error)})


def invocation_completed(execution: Execution, request_id: str, start: float, end: float,
                         failure: Optional[JsonObject]) -> Event:
    details: JsonObject = {"StartTimestamp": round(start, 3), "EndTimestamp": round(end, 3), "RequestId": request_id}
    if failure is not None:
        details["Error"] = error(failure)
    # InvocationCompleted names no operation (conformance: only EventType, EventId, timestamp, details).
    event = Event(event_id=len(execution.events) + 1, event_type="InvocationCompleted", timestamp=end,
                  details=details)
    execution.events.append(event)
    return event


def reason(text: Optional[str]) -> Optional[JsonObject]:
    return None if text is None else {"Payload": text, "Truncated": False}
