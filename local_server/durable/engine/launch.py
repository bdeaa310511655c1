"""The start of an invocation: a fresh checkpoint token, and the event the handler gets."""

from __future__ import annotations

from typing import Optional

from ..model import Execution
from ..wire.arns import random_token
from ..wire.invocation_event import DEFAULT_PAGE_BYTES, invocation_event
from . import progress
from .invocations import InvocationRequest


def begin_invocation(execution: Execution, now: float, request_id: str,
                     page_bytes: Optional[int]) -> InvocationRequest:
    token = random_token()
    execution.request_id, execution.invocation_start = request_id, now
    execution.token, execution.tokens = token, [token]
    # UpdatedOperationIds: what changed since the handler last looked (docs/facts.md D6).
    updated, execution.unseen = execution.unseen, []
    execution.invoke_wanted, execution.retry_at = False, None
    event = invocation_event(execution.arn, token, progress.visible_operations(execution), updated,
                             page_bytes or DEFAULT_PAGE_BYTES)
    return InvocationRequest(function_name=execution.function_name, version=execution.version,
                             execution_arn=execution.arn, request_id=request_id, event=event)
