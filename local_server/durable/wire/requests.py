"""The durable API's requests as typed values, and the checks the model's shapes make.

Members, locations and limits: botocore 1.44.8 service-2.json (docs/facts.md D1).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional, Union

from ..model import ACTIONS, OPERATION_TYPES, JsonObject
from .errors import DurableError, invalid

OPERATION_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
SUB_TYPE = re.compile(r"[a-zA-Z0-9_-]{1,32}")
MAX_DELAY = 31_622_400  # WaitOptions.WaitSeconds, StepOptions.NextAttemptDelaySeconds: 1..31622400
MAX_CALLBACK_TIMEOUT = 99_999_999  # CallbackOptions.*TimeoutSeconds: 0..99999999


@dataclasses.dataclass(frozen=True)
class OperationUpdate:
    """One member of CheckpointDurableExecution's `Updates` (model shape `OperationUpdate`)."""

    id: str
    type: str
    action: str
    parent_id: Optional[str] = None
    name: Optional[str] = None
    sub_type: Optional[str] = None
    payload: Optional[str] = None
    error: Optional[JsonObject] = None
    replay_children: Optional[bool] = None  # ContextOptions.ReplayChildren
    next_attempt_delay: Optional[int] = None  # StepOptions.NextAttemptDelaySeconds
    wait_seconds: Optional[int] = None  # WaitOptions.WaitSeconds
    callback_timeout: int = 0  # CallbackOptions.TimeoutSeconds
    callback_heartbeat: int = 0  # CallbackOptions.HeartbeatTimeoutSeconds
    function_name: Optional[str] = None  # ChainedInvokeOptions.FunctionName
    tenant_id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    arn: str
    checkpoint_token: str
    updates: list[OperationUpdate]
    client_token: Optional[str]


@dataclasses.dataclass(frozen=True)
class GetState:
    arn: str
    checkpoint_token: str
    marker: Optional[str]
    max_items: int


@dataclasses.dataclass(frozen=True)
class GetExecution:
    arn: str
    include_data: bool


@dataclasses.dataclass(frozen=True)
class GetHistory:
    arn: str
    include_data: bool
    max_items: int
    marker: Optional[str]
    reverse: bool


@dataclasses.dataclass(frozen=True)
class ListByFunction:
    function_name: str
    qualifier: Optional[str]
    execution_name: Optional[str]
    statuses: list[str]
    started_after: Optional[float]
    started_before: Optional[float]
    reverse: bool  # the model: true = oldest first; the default is newest first
    marker: Optional[str]
    max_items: int


@dataclasses.dataclass(frozen=True)
class Stop:
    arn: str
    error: Optional[JsonObject]


@dataclasses.dataclass(frozen=True)
class Pause:
    arn: str
    client_token: Optional[str]
    reason: Optional[str]
    timeout_paused: bool  # the model: default true


@dataclasses.dataclass(frozen=True)
class Resume:
    arn: str
    client_token: Optional[str]
    reason: Optional[str]


@dataclasses.dataclass(frozen=True)
class Delete:
    arn: str


@dataclasses.dataclass(frozen=True)
class CallbackSuccess:
    callback_id: str
    result: bytes


@dataclasses.dataclass(frozen=True)
class CallbackFailure:
    callback_id: str
    error: Optional[JsonObject]


@dataclasses.dataclass(frozen=True)
class CallbackHeartbeat:
    callback_id: str


DurableRequest = Union[Checkpoint, GetState, GetExecution, GetHistory, ListByFunction, Stop, Pause, Resume,
                       Delete, CallbackSuccess, CallbackFailure, CallbackHeartbeat]


def _opt_str(value: object, member: str) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    raise invalid(f"{member} must be a string")


def _opt_int(value: object, member: str, low: int, high: int) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"{member} must be an integer from {low} to {high}")
    return value


def _options(raw: JsonObject, key: str, member: str) -> JsonObject:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise invalid(f"{member}.{key} must be an object")
    return value


def error_object(value: object, member: str) -> Optional[JsonObject]:
    """An `ErrorObject`: ErrorType, ErrorMessage, ErrorData (strings), StackTrace (strings)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"{member} must be an ErrorObject")
    out: JsonObject = {}
    for key in ("ErrorMessage", "ErrorType", "ErrorData"):
        if key in value:
            out[key] = _opt_str(value[key], f"{member}.{key}")
    trace = value.get("StackTrace")
    if trace is not None:
        if not isinstance(trace, list) or not all(isinstance(line, str) for line in trace):
            raise invalid(f"{member}.StackTrace must be a list of strings")
        out["StackTrace"] = list(trace)
    return out


def operation_update(raw: object, index: int) -> OperationUpdate:
    member = f"Updates[{index}]"
    if not isinstance(raw, dict):
        raise invalid(f"{member} must be an OperationUpdate object")
    op_id, op_type, action = raw.get("Id"), raw.get("Type"), raw.get("Action")
    if not isinstance(op_id, str) or not OPERATION_ID.fullmatch(op_id):
        raise invalid(f"{member}.Id must match [a-zA-Z0-9-_]+ (1 to 64 characters)")
    if op_type not in OPERATION_TYPES:
        raise invalid(f"{member}.Type must be one of {', '.join(OPERATION_TYPES)}")
    if action not in ACTIONS:
        raise invalid(f"{member}.Action must be one of {', '.join(ACTIONS)}")
    parent = _opt_str(raw.get("ParentId"), f"{member}.ParentId")
    if parent is not None and not OPERATION_ID.fullmatch(parent):
        raise invalid(f"{member}.ParentId must match [a-zA-Z0-9-_]+ (1 to 64 characters)")
    sub_type = _opt_str(raw.get("SubType"), f"{member}.SubType")
    if sub_type is not None and not SUB_TYPE.fullmatch(sub_type):
        raise invalid(f"{member}.SubType must match [a-zA-Z0-9-_]+ (1 to 32 characters)")
    context = _options(raw, "ContextOptions", member)
    step = _options(raw, "StepOptions", member)
    wait = _options(raw, "WaitOptions", member)
    callback = _options(raw, "CallbackOptions", member)
    chained = _options(raw, "ChainedInvokeOptions", member)
    replay = context.get("ReplayChildren")
    if replay is not None and not isinstance(replay, bool):
        raise invalid(f"{member}.ContextOptions.ReplayChildren must be a boolean")
    return OperationUpdate(
        id=op_id, type=op_type, action=action, parent_id=parent,
        name=_opt_str(raw.get("Name"), f"{member}.Name"), sub_type=sub_type,
        payload=_opt_str(raw.get("Payload"), f"{member}.Payload"),
        error=error_object(raw.get("Error"), f"{member}.Error"), replay_children=replay,
        next_attempt_delay=_opt_int(step.get("NextAttemptDelaySeconds"),
                                    f"{member}.StepOptions.NextAttemptDelaySeconds", 1, MAX_DELAY),
        wait_seconds=_opt_int(wait.get("WaitSeconds"), f"{member}.WaitOptions.WaitSeconds", 1, MAX_DELAY),
        callback_timeout=_opt_int(callback.get("TimeoutSeconds"), f"{member}.CallbackOptions.TimeoutSeconds",
                                  0, MAX_CALLBACK_TIMEOUT) or 0,
        callback_heartbeat=_opt_int(callback.get("HeartbeatTimeoutSeconds"),
                                    f"{member}.CallbackOptions.HeartbeatTimeoutSeconds", 0,
                                    MAX_CALLBACK_TIMEOUT) or 0,
        function_name=_opt_str(chained.get("FunctionName"), f"{member}.ChainedInvokeOptions.FunctionName"),
        tenant_id=_opt_str(chained.get("TenantId"), f"{member}.ChainedInvokeOptions.TenantId"))


def too_large(member: str, limit: int) -> DurableError:
    return DurableError("RequestTooLargeException", f"{member} must be at most {limit} bytes")
