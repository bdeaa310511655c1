"""The durable invocation: the event the handler gets, and the `{"Status": ...}` it returns.

Event (docs/facts.md D6; the SDK's `DurableExecutionInvocationInput.from_json_dict`):
`{"DurableExecutionArn", "CheckpointToken", "InitialExecutionState": {"Operations", "NextMarker"},
"UpdatedOperationIds"}`, operation timestamps in Unix milliseconds; a non-empty `NextMarker`
makes the SDK page the rest with GetDurableExecutionState. Output (docs/facts.md D6; the SDK's
`DurableExecutionInvocationOutput.to_dict`): `Status` SUCCEEDED (with `Result`, a JSON string),
FAILED (with `Error`, an ErrorObject) or PENDING.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Optional

from ..model import JsonObject, Operation
from .shapes import operation

# The first page of operations in the event: AWS's emulator's bound (5 MB,
# `checkpoint/processor.py` DEFAULT_MAX_INVOCATION_PAGE_BYTES), under Invoke's 6 MB payload limit.
DEFAULT_PAGE_BYTES = 5 * 1024 * 1024


def invocation_event(arn: str, token: str, operations: Sequence[Operation], updated: list[str],
                     page_bytes: int = DEFAULT_PAGE_BYTES) -> JsonObject:
    page: list[JsonObject] = []
    size = 0
    for op in operations:
        rendered = operation(op, millis=True)
        size += len(json.dumps(rendered))
        if page and size > page_bytes:
            break
        page.append(rendered)
    # The marker is the offset of the next operation, as GetDurableExecutionState reads it.
    marker = str(len(page)) if len(page) < len(operations) else ""
    return {"DurableExecutionArn": arn, "CheckpointToken": token,
            "InitialExecutionState": {"Operations": page, "NextMarker": marker},
            "UpdatedOperationIds": list(updated)}


@dataclasses.dataclass(frozen=True)
class HandlerOutput:
    status: str  # SUCCEEDED, FAILED or PENDING
    result: Optional[str] = None
    error: Optional[JsonObject] = None


class InvalidOutput(ValueError):
    """The handler's answer is no durable invocation output: the message says why."""


def parse_handler_output(payload: bytes) -> HandlerOutput:
    try:
        data = json.loads(payload)
    except ValueError:
        raise InvalidOutput("The durable function's response is not JSON: a durable handler returns "
                            '{"Status": "SUCCEEDED"|"FAILED"|"PENDING", ...} (is it wrapped with @durable_execution?)'
                            ) from None
    if not isinstance(data, dict) or data.get("Status") not in ("SUCCEEDED", "FAILED", "PENDING"):
        raise InvalidOutput("The durable function's response has no Status of SUCCEEDED, FAILED or PENDING "
                            "(is the handler wrapped with @durable_execution?)")
    status, result, error = data["Status"], data.get("Result"), data.get("Error")
    if result is not None and not isinstance(result, str):
        raise InvalidOutput("Result must be a string (the JSON of the handler's return value)")
    if error is not None and not isinstance(error, dict):
        raise InvalidOutput("Error must be an ErrorObject")
    # AWS's emulator's rules (docs/facts.md D12), which the SDK never breaks.
    if status == "FAILED" and result:
        raise InvalidOutput("Cannot provide a Result for FAILED status.")
    if status == "SUCCEEDED" and error:
        raise InvalidOutput("Cannot provide an Error for SUCCEEDED status.")
    return HandlerOutput(status, result, error)
