"""The durable operations' results as typed values, and their HTTP answers.

Success codes are the model's `http.responseCode` (docs/facts.md D1): 200, but
202 for Pause, Resume and Delete. Output members are the model's output shapes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional, Union

from ..model import Event, Execution, JsonObject, Operation
from . import shapes
from .errors import Answer, dumps
from .timestamps import to_seconds


@dataclasses.dataclass(frozen=True)
class CheckpointResult:
    token: Optional[str]  # None: the execution ended with this batch, or the token was revoked
    operations: list[Operation]
    next_marker: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class StatePage:
    operations: list[Operation]
    next_marker: Optional[str]


@dataclasses.dataclass(frozen=True)
class ExecutionView:
    execution: Execution
    include_data: bool


@dataclasses.dataclass(frozen=True)
class HistoryPage:
    events: list[Event]
    next_marker: Optional[str]
    include_data: bool


@dataclasses.dataclass(frozen=True)
class ExecutionList:
    executions: list[Execution]
    next_marker: Optional[str]


@dataclasses.dataclass(frozen=True)
class Stopped:
    timestamp: float


@dataclasses.dataclass(frozen=True)
class Accepted:
    """Pause and Resume: 202, no output members."""


@dataclasses.dataclass(frozen=True)
class Deleted:
    timestamp: float


@dataclasses.dataclass(frozen=True)
class CallbackAccepted:
    """SendDurableExecutionCallback{Success,Failure,Heartbeat}: 200, no output members."""


DurableResult = Union[CheckpointResult, StatePage, ExecutionView, HistoryPage, ExecutionList, Stopped, Accepted,
                      Deleted, CallbackAccepted]


def checkpoint_body(result: CheckpointResult) -> JsonObject:
    state: JsonObject = {"Operations": [shapes.operation(op) for op in result.operations]}
    if result.next_marker:
        state["NextMarker"] = result.next_marker
    body: JsonObject = {"NewExecutionState": state}
    if result.token is not None:
        body["CheckpointToken"] = result.token
    return body


def _state_body(result: StatePage) -> JsonObject:
    page: JsonObject = {"Operations": [shapes.operation(op) for op in result.operations]}
    _marker(page, result.next_marker)
    return page


def _history_body(result: HistoryPage) -> JsonObject:
    history: JsonObject = {"Events": [shapes.event(e, result.include_data) for e in result.events]}
    _marker(history, result.next_marker)
    return history


def _list_body(result: ExecutionList) -> JsonObject:
    listing: JsonObject = {"DurableExecutions": [shapes.execution_summary(e) for e in result.executions]}
    _marker(listing, result.next_marker)
    return listing


def _marker(body: JsonObject, marker: Optional[str]) -> None:
    if marker:
        body["NextMarker"] = marker


# Each result's output shape; Accepted and CallbackAccepted have no members.
_BODIES: dict[type, Callable[[Any], JsonObject]] = {
    CheckpointResult: checkpoint_body, StatePage: _state_body, HistoryPage: _history_body, ExecutionList: _list_body,
    ExecutionView: lambda r: shapes.get_execution(r.execution, r.include_data),
    Stopped: lambda r: {"StopTimestamp": to_seconds(r.timestamp)},
    Deleted: lambda r: {"DeletionRequestTimestamp": to_seconds(r.timestamp)},
}


def body_of(result: DurableResult) -> JsonObject:
    build = _BODIES.get(type(result))
    return build(result) if build else {}


def status_of(result: DurableResult) -> int:
    return 202 if isinstance(result, (Accepted, Deleted)) else 200


def answer(result: DurableResult) -> Answer:
    return status_of(result), [("Content-Type", "application/json")], dumps(body_of(result))
