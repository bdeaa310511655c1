"""Suite `wait_for_callback` (requirements 7-1 to 7-15): one handler per requirement, function
`req-<id>`. The submitter only notes the callback id; the requirement's validator answers it."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import JsonSerDes
from aws_durable_execution_sdk_python.types import WaitForCallbackContext


def register(callback_id: str, context: WaitForCallbackContext) -> None:
    """Hands the callback id to "the external system" (the validator reads it from the history)."""
    context.logger.info(f"callback {callback_id} registered")


def _seconds(n: int) -> Duration:
    return Duration.from_seconds(n)


@durable_execution
def req_7_1(event, context: DurableContext):
    """Named after the input; the answer is the result."""
    return context.wait_for_callback(register, name=event)


@durable_execution
def req_7_2(event, context: DurableContext):
    """Named "approval"."""
    return context.wait_for_callback(register, name="approval")


@durable_execution
def req_7_3(event, context: DurableContext):
    """An anonymous submitter and no name."""
    return context.wait_for_callback(lambda callback_id, ctx: None)


@durable_execution
def req_7_4(event, context: DurableContext):
    """The answer is a failure, not caught."""
    return context.wait_for_callback(register, name=event)


@durable_execution
def req_7_5(event, context: DurableContext):
    """A 3-second timeout, nobody answers, not caught."""
    return context.wait_for_callback(register, name=event, config=WaitForCallbackConfig(timeout=_seconds(3)))


@durable_execution
def req_7_6(event, context: DurableContext):
    """The answer is a failure, caught: "recovered"."""
    try:
        return context.wait_for_callback(register, name=event)
    except CallbackError:
        return "recovered"


def _always_fails(callback_id: str, context: WaitForCallbackContext) -> None:
    raise RuntimeError("the external system is down")


@durable_execution
def req_7_7(event, context: DurableContext):
    """The submitter always fails; 2 attempts, 1 second apart, then the execution fails."""
    retry = create_retry_strategy(RetryStrategyConfig(max_attempts=2, initial_delay=_seconds(1), backoff_rate=1,
                                                      jitter_strategy=JitterStrategy.NONE))
    return context.wait_for_callback(_always_fails, name=event, config=WaitForCallbackConfig(retry_strategy=retry))


@durable_execution
def req_7_8(event, context: DurableContext):
    """Inside a child context named "wrapper"."""
    return context.run_in_child_context(lambda ctx: ctx.wait_for_callback(register, name=event), name="wrapper")


@durable_execution
def req_7_9(event, context: DurableContext):
    """Two in a row, "first" and "second"; the second's answer is the result."""
    context.wait_for_callback(register, name="first")
    return context.wait_for_callback(register, name="second")


@durable_execution
def req_7_10(event, context: DurableContext):
    """A 1-second wait, a step, then the callback named after the input."""
    context.wait(_seconds(1))
    context.step(lambda _: {"fixed": "data"})
    return context.wait_for_callback(register, name=event)


@durable_execution
def req_7_11(event, context: DurableContext):
    """The answer is read as JSON; its "status" is the result."""
    answer: Any = context.wait_for_callback(register, name=event, config=WaitForCallbackConfig(serdes=JsonSerDes()))
    return answer["status"]


@durable_execution
def req_7_12(event, context: DurableContext):
    """A 5-second heartbeat timeout and no heartbeat: not caught."""
    return context.wait_for_callback(register, name=event,
                                     config=WaitForCallbackConfig(heartbeat_timeout=_seconds(5)))


@durable_execution
def req_7_13(event, context: DurableContext):
    """A 10-second heartbeat timeout: a heartbeat, then the answer."""
    return context.wait_for_callback(register, name=event,
                                     config=WaitForCallbackConfig(heartbeat_timeout=_seconds(10)))


@durable_execution
def req_7_14(event, context: DurableContext):
    """A 3-second timeout, caught: "timed-out-handled"."""
    try:
        return context.wait_for_callback(register, name=event, config=WaitForCallbackConfig(timeout=_seconds(3)))
    except CallbackError:
        return "timed-out-handled"


@durable_execution
def req_7_15(event, context: DurableContext):
    """Answered with success and no payload."""
    return context.wait_for_callback(register, name=event)
