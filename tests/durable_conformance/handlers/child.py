"""Suite `child` (requirements 3-1 to 3-18): one handler per requirement, function `req-<id>`.

Child contexts are named after their function (`durable_with_child_context`) where the history
names them."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import ChildContextError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ChildConfig, Duration
from aws_durable_execution_sdk_python.context import durable_with_child_context
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext
from shared import NO_RETRY, crash_once, fail, fixed_retries, wait_until_recorded


@durable_with_child_context
def echo_child(ctx: DurableContext, value: Any) -> Any:
    return ctx.step(lambda _: value)


@durable_execution
def req_3_1(event, context: DurableContext):
    """A child context with one step that returns the input."""
    return context.run_in_child_context(echo_child(event))


@durable_execution
def req_3_2(event, context: DurableContext):
    """The child context is named after the input's `name`; its step returns `value`."""
    return context.run_in_child_context(lambda ctx: ctx.step(lambda _: event["value"]), name=event["name"])


@durable_with_child_context
def two_steps(ctx: DurableContext, value: Any) -> Any:
    first = ctx.step(lambda _: value)
    return ctx.step(lambda _: first)


@durable_execution
def req_3_3(event, context: DurableContext):
    """Two steps in a child context, the second given the first's result."""
    return context.run_in_child_context(two_steps(event))


@durable_with_child_context
def failing_child(ctx: DurableContext) -> Any:
    return ctx.step(lambda _: fail("the child's step fails"), config=NO_RETRY)


@durable_execution
def req_3_4(event, context: DurableContext):
    """The child's step fails without retry; the child and the execution fail."""
    return context.run_in_child_context(failing_child())


@durable_execution
def req_3_5(event, context: DurableContext):
    """The child's failure is caught; a recovery step returns the input."""
    try:
        context.run_in_child_context(failing_child())
    except ChildContextError:
        pass
    return context.step(lambda _: event)


@durable_with_child_context
def inner(ctx: DurableContext, value: Any) -> Any:
    return ctx.step(lambda _: value)


@durable_with_child_context
def outer(ctx: DurableContext, value: Any) -> Any:
    ctx.step(lambda _: value)
    return ctx.run_in_child_context(inner(value))


@durable_execution
def req_3_6(event, context: DurableContext):
    """A child context with a step and a nested child context with its own step."""
    return context.run_in_child_context(outer(event))


@durable_with_child_context
def retrying_child(ctx: DurableContext, value: Any) -> Any:
    def flaky(step) -> Any:
        if step.attempt == 1:
            raise RuntimeError("attempt 1 fails")
        return value
    return ctx.step(flaky, config=fixed_retries(3))


@durable_execution
def req_3_7(event, context: DurableContext):
    """The child's step fails once and succeeds on its retry."""
    return context.run_in_child_context(retrying_child(event))


@durable_with_child_context
def exhausted_child(ctx: DurableContext) -> Any:
    return ctx.step(lambda _: fail(), config=fixed_retries(2))


@durable_execution
def req_3_8(event, context: DurableContext):
    """The child's step always fails, 2 attempts: the child and the execution fail."""
    return context.run_in_child_context(exhausted_child())


@durable_execution
def req_3_9(event, context: DurableContext):
    """A child context, then a wait; on replay the child's result comes from its checkpoint."""
    result = context.run_in_child_context(echo_child(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_with_child_context
def step_then_wait(ctx: DurableContext, value: Any) -> Any:
    result = ctx.step(lambda _: value)
    ctx.wait(Duration.from_seconds(1))
    return result


@durable_execution
def req_3_10(event, context: DurableContext):
    """A child context with a step and a wait inside."""
    return context.run_in_child_context(step_then_wait(event))


@durable_with_child_context
def large_result(ctx: DurableContext, value: Any) -> Any:
    # Replay logging on (the SDK's logger skips replays by default): a second run shows.
    ctx.logger.with_is_replaying(lambda: False).info(f"building a large result for {value}")
    small = ctx.step(lambda _: value)
    return {"value": small, "padding": "x" * (300 * 1024)}  # past the SDK's 256 KB checkpoint limit


@durable_execution
def req_3_11(event, context: DurableContext):
    """A child whose result is too large to checkpoint: it is recorded in ReplayChildren mode and
    built again on replay (its log line shows twice)."""
    result = context.run_in_child_context(large_result(event))
    context.wait(Duration.from_seconds(1))
    return {"value": result["value"], "size": len(result["padding"])}


@durable_execution
def req_3_12(event, context: DurableContext):
    """The child's step crashes the process once its START is recorded; the replay runs the step
    again and checkpoints its success."""
    arn = context.execution_context.durable_execution_arn

    def crashes_once(step) -> Any:
        wait_until_recorded(arn, "StepStarted")
        crash_once(arn, "3-12")
        return event
    return context.run_in_child_context(lambda ctx: ctx.step(crashes_once))


@durable_with_child_context
def wait_only(ctx: DurableContext, value: Any) -> Any:
    ctx.wait(Duration.from_seconds(1))
    return value


@durable_execution
def req_3_13(event, context: DurableContext):
    """A child context holding only a wait, then a step outside it."""
    context.run_in_child_context(wait_only(event))
    return context.step(lambda _: event)


@durable_with_child_context
def uppercased(ctx: DurableContext, value: Any) -> Any:
    return ctx.step(lambda _: value)


@durable_execution
def req_3_14(event, context: DurableContext):
    """The child's result goes through a serializer that upper-cases it."""
    return context.run_in_child_context(uppercased(event), config=ChildConfig(serdes=RawUpper()))


class RawUpper(SerDes[Any]):
    """Writes a result upper-cased as plain text (not JSON), and reads it back as it is."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return str(value).upper()

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        return data


@durable_with_child_context
def raises(ctx: DurableContext) -> Any:
    raise ValueError("raised in the child's own body")


@durable_execution
def req_3_15(event, context: DurableContext):
    """The child's body raises without any durable operation: the child and the execution fail."""
    return context.run_in_child_context(raises())


@durable_with_child_context
def returns_none(ctx: DurableContext) -> Any:
    return None


@durable_execution
def req_3_16(event, context: DurableContext):
    """The child returns nothing and runs no operation."""
    return context.run_in_child_context(returns_none())


@durable_with_child_context
def logs_only(ctx: DurableContext, value: Any) -> Any:
    # Replay logging on: were the child's body run again on replay, a second line would show.
    ctx.logger.with_is_replaying(lambda: False).info(f"child logs {value}")
    return value


@durable_execution
def req_3_17(event, context: DurableContext):
    """A child that only logs, then a wait: on replay the child does not run again (one log line)."""
    result = context.run_in_child_context(logs_only(event))
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def req_3_18(event, context: DurableContext):
    """A step and a wait in a child context, then a step and a wait after it."""
    context.run_in_child_context(step_then_wait(event))
    result = context.step(lambda _: event)
    context.wait(Duration.from_seconds(1))
    return result
