"""Operations, events and executions as the model's JSON shapes.

`Operation`, `Event`, `Execution` and `GetDurableExecutionResponse` of botocore 1.44.8's
service-2.json. One function renders an operation for both readers: epoch seconds in API
bodies, milliseconds in the handler's event (the SDK's `Operation.from_json_dict`, docs/facts.md D6).
"""

from __future__ import annotations

import copy
from typing import Callable, Optional, Union

from ..model import CALLBACK, CHAINED_INVOKE, CONTEXT, EXECUTION, STEP, WAIT, Event, Execution, JsonObject, Operation
from .timestamps import to_millis, to_seconds

TimeFormat = Callable[[Optional[float]], Union[float, int, None]]

# ExpectedExecutionTimeoutTimestamp while the pause holds the timeout: "366 days after the
# start time" (model doc of GetDurableExecutionResponse).
PAUSED_TIMEOUT_SECONDS = 366 * 24 * 3600


def _put(target: JsonObject, key: str, value: object) -> None:
    if value is not None:
        target[key] = value


def operation(op: Operation, millis: bool = False) -> JsonObject:
    fmt: TimeFormat = to_millis if millis else to_seconds
    out: JsonObject = {"Id": op.id}
    _put(out, "ParentId", op.parent_id)
    _put(out, "Name", op.name)
    out["Type"] = op.type
    _put(out, "SubType", op.sub_type)
    out["StartTimestamp"] = fmt(op.start)
    _put(out, "EndTimestamp", fmt(op.end))
    out["Status"] = op.status
    details: JsonObject = {}
    if op.type == EXECUTION:
        _put(details, "InputPayload", op.input_payload)
        out["ExecutionDetails"] = details
    elif op.type == CONTEXT:
        _put(details, "ReplayChildren", op.replay_children)
        _put(details, "Result", op.result)
        _put(details, "Error", op.error)
        out["ContextDetails"] = details
    elif op.type == STEP:
        details["Attempt"] = op.attempt or 0
        _put(details, "NextAttemptTimestamp", fmt(op.next_attempt))
        _put(details, "Result", op.result)
        _put(details, "Error", op.error)
        out["StepDetails"] = details
    elif op.type == WAIT:
        _put(details, "ScheduledEndTimestamp", fmt(op.scheduled_end))
        out["WaitDetails"] = details
    elif op.type == CALLBACK:
        _put(details, "CallbackId", op.callback_id)
        _put(details, "Result", op.result)
        _put(details, "Error", op.error)
        out["CallbackDetails"] = details
    elif op.type == CHAINED_INVOKE:
        _put(details, "Result", op.result)
        _put(details, "Error", op.error)
        out["ChainedInvokeDetails"] = details
    return out


# Where an event's details keep data that IncludeExecutionData=false leaves out ("This field is
# only present if you set IncludeExecutionData to true", model: EventInput/EventResult/EventError,
# EventPauseReason): these members are {Payload, Truncated} objects.
_DATA_MEMBERS = ("Input", "Result", "Error", "Reason")


def event(item: Event, include_data: bool = True) -> JsonObject:
    out: JsonObject = {"EventType": item.event_type}
    _put(out, "SubType", item.sub_type)
    out["EventId"] = item.event_id
    _put(out, "Id", item.op_id)
    _put(out, "Name", item.name)
    out["EventTimestamp"] = to_seconds(item.timestamp)
    _put(out, "ParentId", item.parent_id)
    details = copy.deepcopy(item.details)
    if not include_data:
        for key in _DATA_MEMBERS:
            member = details.get(key)
            if isinstance(member, dict) and "Payload" in member:
                details[key] = {"Truncated": True}
    out[f"{item.event_type}Details"] = details
    return out


def execution_summary(execution: Execution) -> JsonObject:
    """The `Execution` shape of ListDurableExecutionsByFunction."""
    out: JsonObject = {"DurableExecutionArn": execution.arn, "DurableExecutionName": execution.name,
                       "FunctionArn": execution.function_arn, "Status": execution.status,
                       "StartTimestamp": to_seconds(execution.start)}
    _put(out, "EndTimestamp", to_seconds(execution.end))
    return out


def get_execution(execution: Execution, include_data: bool) -> JsonObject:
    out = execution_summary(execution)
    out["Version"] = execution.version
    if include_data:
        out["InputPayload"] = execution.input_payload
        _put(out, "Result", execution.result if execution.status == "SUCCEEDED" else None)
    _put(out, "Error", execution.error if include_data and not execution.status == "SUCCEEDED" else None)
    out["ExecutionDataIncluded"] = include_data
    if execution.trace_id:
        out["TraceHeader"] = {"XAmznTraceId": execution.trace_id}
    out["DurableConfig"] = {"ExecutionTimeout": execution.execution_timeout,
                            "RetentionPeriodInDays": execution.retention_days}
    pause = execution.pause
    if pause is not None and execution.status in ("PAUSING", "PAUSED"):
        details: JsonObject = {"PauseRequestTimestamp": to_seconds(pause.requested),
                               "ExecutionTimeoutPaused": pause.timeout_paused}
        if include_data:
            _put(details, "Reason", pause.reason)
        out["PauseDetails"] = details
    if not execution.terminal:
        out["ExpectedExecutionTimeoutTimestamp"] = to_seconds(execution.timeout_deadline)
    return out
