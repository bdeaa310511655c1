"""HTTP requests of the 12 durable operations to typed requests (botocore 1.44.8's URIs).

Path members are one percent-encoded segment each (an ARN's `/` arrives as `%2F`): the raw path
is split on `/` first, then each segment is unquoted (docs/facts.md D2; AWS's emulator
does the same, `web/routes.py` `Route.from_string`).
"""

from __future__ import annotations

import json
from typing import Callable, Optional
from urllib.parse import parse_qs, unquote

from ..model import EXECUTION_STATUSES, JsonObject
from . import requests as rq
from .arns import BASE64_ID, check_execution_name
from .errors import DurableError, invalid
from .timestamps import parse_query_timestamp

PREFIX = "/2025-12-01/"
MAX_CALLBACK_RESULT = 1_048_576  # SendDurableExecutionCallbackSuccess.Result: blob 0..1048576
Query = dict[str, list[str]]
DEFAULT_MAX_ITEMS = 100  # MaxItems: "default is 100 and the maximum allowed is 1000. A value of 0 uses the default"


def is_durable_path(target: str) -> bool:
    return target.startswith(PREFIX)


def route(method: str, target: str, body: bytes) -> rq.DurableRequest:
    """The request a `method` + `target` (path and query, as on the request line) + body names."""
    path, _, query_text = target.partition("?")
    segments = [unquote(part) for part in path[len(PREFIX):].split("/")] if is_durable_path(path) else []
    query = parse_qs(query_text, keep_blank_values=True)
    found = _dispatch(method, segments, query, body)
    if found is None:
        raise DurableError("UnknownOperationException", f"No durable execution operation at {method} {path}")
    return found


def _dispatch(method: str, seg: list[str], query: Query, body: bytes) -> Optional[rq.DurableRequest]:
    if len(seg) >= 2 and seg[0] == "durable-executions" and seg[1]:
        arn, rest = seg[1], seg[2:]
        return _execution_operation(method, arn, rest, query, body)
    if len(seg) == 3 and seg[0] == "durable-execution-callbacks" and method == "POST":
        return _callback_operation(seg[1], seg[2], body)
    if len(seg) == 3 and seg[0] == "functions" and seg[2] == "durable-executions" and method == "GET":
        return _list_by_function(seg[1], query)
    return None


def _checkpoint(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    data = _json_object(body)
    updates = data.get("Updates") or []
    if not isinstance(updates, list):
        raise invalid("Updates must be a list of OperationUpdate")
    return rq.Checkpoint(arn, _required_str(data, "CheckpointToken"),
                         [rq.operation_update(raw, i) for i, raw in enumerate(updates)], _client_token(data))


def _get_state(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    token = _query_str(query, "CheckpointToken")
    if token is None:
        raise invalid("CheckpointToken is required")
    return rq.GetState(arn, token, _query_str(query, "Marker") or None, _max_items(query))


def _get_execution(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    return rq.GetExecution(arn, _query_bool(query, "IncludeExecutionData", True))


def _get_history(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    return rq.GetHistory(arn, _query_bool(query, "IncludeExecutionData", True), _max_items(query),
                         _query_str(query, "Marker") or None, _query_bool(query, "ReverseOrder", False))


def _stop(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    # The payload member `Error` is the whole body: the bare ErrorObject (docs/facts.md D2).
    return rq.Stop(arn, rq.error_object(_json_object(body), "Error") if body.strip() else None)


def _pause(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    data = _json_object(body)
    paused = data.get("ExecutionTimeoutPaused", True)
    if not isinstance(paused, bool):
        raise invalid("ExecutionTimeoutPaused must be a boolean")
    return rq.Pause(arn, _client_token(data), _reason(data, "Reason"), paused)


def _resume(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    data = _json_object(body)
    return rq.Resume(arn, _client_token(data), _reason(data, "Reason"))


def _delete(arn: str, query: Query, body: bytes) -> rq.DurableRequest:
    return rq.Delete(arn)


# (method, what follows the ARN) -> the request; the URIs of the model's 9 execution operations.
_EXECUTION_OPERATIONS: dict[tuple[str, str], Callable[[str, Query, bytes], rq.DurableRequest]] = {
    ("POST", "checkpoint"): _checkpoint, ("GET", "state"): _get_state, ("GET", ""): _get_execution,
    ("GET", "history"): _get_history, ("POST", "stop"): _stop, ("POST", "pause"): _pause,
    ("POST", "resume"): _resume, ("DELETE", ""): _delete,
}


def _execution_operation(method: str, arn: str, rest: list[str], query: Query,
                         body: bytes) -> Optional[rq.DurableRequest]:
    build = _EXECUTION_OPERATIONS.get((method, rest[0] if rest else "")) if len(rest) <= 1 else None
    return build(arn, query, body) if build else None


def _callback_operation(callback_id: str, action: str, body: bytes) -> Optional[rq.DurableRequest]:
    if not BASE64_ID.fullmatch(callback_id) or len(callback_id) > 1024:
        raise invalid(f"Invalid CallbackId: {callback_id!r}")
    if action == "succeed":
        # The payload member `Result` is a blob: the raw body bytes, no Content-Type (docs/facts.md D2).
        if len(body) > MAX_CALLBACK_RESULT:
            raise rq.too_large("Result", MAX_CALLBACK_RESULT)
        return rq.CallbackSuccess(callback_id, body)
    if action == "fail":
        return rq.CallbackFailure(callback_id, rq.error_object(_json_object(body), "Error") if body.strip() else None)
    if action == "heartbeat":
        return rq.CallbackHeartbeat(callback_id)
    return None


def _list_by_function(function_name: str, query: Query) -> rq.DurableRequest:
    name = _query_str(query, "DurableExecutionName")
    statuses = query.get("Statuses", [])  # a list member: repeated keys (docs/facts.md D2)
    for status in statuses:
        if status not in EXECUTION_STATUSES:
            raise invalid(f"Invalid Statuses value {status!r}: one of {', '.join(EXECUTION_STATUSES)}")
    after, before = _query_str(query, "StartedAfter"), _query_str(query, "StartedBefore")
    return rq.ListByFunction(
        function_name, _query_str(query, "Qualifier"), check_execution_name(name) if name else None,
        list(statuses), parse_query_timestamp("StartedAfter", after) if after else None,
        parse_query_timestamp("StartedBefore", before) if before else None,
        _query_bool(query, "ReverseOrder", False), _query_str(query, "Marker") or None, _max_items(query))


def _json_object(body: bytes) -> JsonObject:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise DurableError("InvalidRequestContentException", "The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise DurableError("InvalidRequestContentException", "The request body must be a JSON object")
    return data


def _required_str(data: JsonObject, member: str) -> str:
    value = data.get(member)
    if not isinstance(value, str) or not value:
        raise invalid(f"{member} is required")
    return value


def _client_token(data: JsonObject) -> Optional[str]:
    value = data.get("ClientToken")
    if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 64):
        raise invalid("ClientToken must be 1 to 64 printable characters")
    return value


def _reason(data: JsonObject, member: str) -> Optional[str]:
    value = data.get(member)
    if value is not None and (not isinstance(value, str) or len(value) > 1024):
        raise invalid(f"{member} must be a string of at most 1024 characters")
    return value


def _query_str(query: Query, name: str) -> Optional[str]:
    values = query.get(name)
    return values[-1] if values else None


def _query_bool(query: Query, name: str, default: bool) -> bool:
    value = _query_str(query, name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise invalid(f"{name} must be true or false")
    return value.lower() == "true"


def _max_items(query: Query) -> int:
    text = _query_str(query, "MaxItems")
    if text is None:
        return DEFAULT_MAX_ITEMS
    if not text.isdigit() or int(text) > 1000:
        raise invalid("MaxItems must be an integer from 0 to 1000")
    return int(text) or DEFAULT_MAX_ITEMS
