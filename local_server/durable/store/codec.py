"""Executions, operations and events as JSON text for the state file, and back."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..model import Event, Execution, Operation, Pause


def execution_record(execution: Execution) -> str:
    """The execution's own fields: its operations and events have rows of their own."""
    fields = {f.name: getattr(execution, f.name) for f in dataclasses.fields(Execution)
              if f.name not in ("operations", "events")}
    fields["pause"] = dataclasses.asdict(execution.pause) if execution.pause else None
    return json.dumps(fields, separators=(",", ":"))


def operation_record(op: Operation) -> str:
    return json.dumps(dataclasses.asdict(op), separators=(",", ":"))


def event_record(event: Event) -> str:
    return json.dumps(dataclasses.asdict(event), separators=(",", ":"))


def load_execution(text: str) -> Execution:
    fields: dict[str, Any] = json.loads(text)
    pause = fields.pop("pause", None)
    execution = Execution(**fields)
    execution.pause = Pause(**pause) if pause else None
    return execution


def load_operation(text: str) -> Operation:
    return Operation(**json.loads(text))


def load_event(text: str) -> Event:
    return Event(**json.loads(text))
