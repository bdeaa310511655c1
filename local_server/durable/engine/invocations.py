"""One invocation of the durable function: its event going in, its outcome coming back.

The engine calls the function through an injected callable, `invoke(InvocationRequest) ->
InvocationOutcome`: the server sends the event to an execution environment, a test calls the
handler in-process. At most one invocation per execution is in flight (AWS's emulator gates it
the same way, docs/facts.md D12; PauseDurableExecution's doc speaks of "an in-progress
invocation").

Failed invocations (an unhandled error, a crash, a timeout, a PENDING with nothing pending):
Lambda publishes no policy (docs/facts.md D13). Ours: `RetryPolicy` below.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from ..model import Execution, JsonObject
from ..wire.invocation_event import HandlerOutput, InvalidOutput, parse_handler_output

NOTHING_PENDING = "Cannot return PENDING status with no pending operations."  # AWS's emulator's words


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How failed invocations are retried: `max_attempts` in a row, then the execution fails
    with the last error; the n-th retry waits `first_delay * multiplier**(n-1)` seconds (model
    time: the time scale shortens it like a step's retry delay).

    Why: the one retry rule Lambda publishes for invocations nobody waits on is the
    asynchronous invocation's: "If the function returns an error, by default Lambda attempts
    to run it two more times, with a one-minute wait between the first two attempts, and two
    minutes between the second and third attempts. Function errors include errors returned by
    the function's code and errors returned by the function's runtime, such as timeouts."
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). A
    durable execution's invocations are of that kind, so: three attempts, a doubling delay; the
    delay starts at 1 second instead of a minute because this is a development server (a crash
    shows its retry at once), and it is configurable. A clean invocation (any valid durable
    output) starts the count again.
    """

    max_attempts: int = 3
    first_delay: float = 1.0
    multiplier: float = 2.0

    def delay(self, failures: int) -> float:
        return self.first_delay * self.multiplier ** max(0, failures - 1)


@dataclasses.dataclass(frozen=True)
class InvocationRequest:
    """What the invoke callable runs: `event` (JSON-serializable) with this request id."""

    function_name: str
    version: str
    execution_arn: str
    request_id: str
    event: JsonObject


@dataclasses.dataclass(frozen=True)
class InvocationOutcome:
    """The function's answer: the payload it returned, or the error Lambda reports for it
    (`errorType`/`errorMessage`, e.g. `Runtime.ExitError`, `Sandbox.Timedout`)."""

    payload: Optional[bytes] = None
    error_type: Optional[str] = None
    error_message: Optional[str] = None

    @classmethod
    def returned(cls, payload: bytes) -> InvocationOutcome:
        return cls(payload=payload)

    @classmethod
    def failed(cls, error_type: str, error_message: str) -> InvocationOutcome:
        return cls(error_type=error_type, error_message=error_message)


Invoke = Callable[[InvocationRequest], InvocationOutcome]


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What an outcome means for the execution."""

    output: Optional[HandlerOutput] = None  # a valid durable output
    failure: Optional[JsonObject] = None  # an invocation failure: retried by the policy
    fatal: Optional[JsonObject] = None  # the execution fails at once (no durable output at all)


def judge(outcome: InvocationOutcome, pending: bool) -> Verdict:
    if outcome.payload is None:
        return Verdict(failure={"ErrorType": outcome.error_type or "Unknown",
                                "ErrorMessage": outcome.error_message or ""})
    try:
        output = parse_handler_output(outcome.payload)
    except InvalidOutput as problem:
        return Verdict(fatal={"ErrorType": "InvalidParameterValueException", "ErrorMessage": str(problem)})
    if output.status == "PENDING" and not pending:
        return Verdict(failure={"ErrorType": "InvalidParameterValueException", "ErrorMessage": NOTHING_PENDING})
    return Verdict(output=output)


def after_failure(execution: Execution, failure: JsonObject, now: float, policy: RetryPolicy) -> bool:
    """Count a failed invocation; True when the policy gives up (the execution then fails)."""
    execution.failures += 1
    execution.last_failure = failure
    if execution.failures >= policy.max_attempts:
        return True
    execution.retry_at = now + policy.delay(execution.failures)
    execution.invoke_wanted = True
    return False
