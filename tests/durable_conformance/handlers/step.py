"""Suite `step` (requirements 1-1 to 1-20): one handler per requirement, function `req-<id>`."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, StepError, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryDecision, RetryPresets
from aws_durable_execution_sdk_python.types import StepContext
from shared import NO_RETRY, TransientError, Uppercase, crash, fail, fixed_retries


@durable_step
def greet(step: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def req_1_1(event, context: DurableContext):
    """A step returns a greeting of the input."""
    return context.step(greet(event))


@durable_execution
def req_1_2(event, context: DurableContext):
    """The same, with the step named explicitly."""
    return context.step(greet(event), name="custom_step_name")


@durable_execution
def req_1_3(event, context: DurableContext):
    """The second step uses the result of the first."""
    first = context.step(lambda _: "first")
    return context.step(lambda _: f"{first}_second")


@durable_execution
def req_1_4(event, context: DurableContext):
    """A step returns a nested object."""
    return context.step(lambda _: {"user": {"name": event["name"], "tags": event["tags"]},
                                   "count": len(event["tags"])})


@durable_execution
def req_1_5(event, context: DurableContext):
    """A step returns nothing."""
    return context.step(lambda _: None)


@durable_execution
def req_1_6(event, context: DurableContext):
    """A step's result goes through a serializer that upper-cases strings."""
    return context.step(lambda _: event, config=StepConfig(serdes=Uppercase()))


@durable_execution
def req_1_7(event, context: DurableContext):
    """The step logs through its own logger before and after making the greeting."""
    def logged(step: StepContext) -> str:
        step.logger.info(f"Greeting step started for: {event}")
        greeting = f"Hello, {event}!"
        step.logger.info(f"Greeting step completed with: {greeting}")
        return greeting
    return context.step(logged)


@durable_execution
def req_1_8(event, context: DurableContext):
    """A step, then a 2-second wait; replay skips the step."""
    result = context.step(lambda _: "computed")
    context.wait(Duration.from_seconds(2))
    return result


@durable_execution
def req_1_9(event, context: DurableContext):
    """A step, then a 1-second wait; on replay the step's result comes from its checkpoint."""
    def once(step: StepContext) -> str:
        step.logger.info("step executed")
        return "cached_value"
    result = context.step(once)
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def req_1_10(event, context: DurableContext):
    """A failing step (no retry) is caught, then a wait; on replay the same error is raised again."""
    try:
        context.step(lambda _: fail("step executed and failed"), config=NO_RETRY)
    except StepError as error:
        caught = str(error)
    context.wait(Duration.from_seconds(1))
    return {"caught": caught}


@durable_execution
def req_1_11(event, context: DurableContext):
    """Fails on attempt 1, succeeds on attempt 2 (retries 1 second apart)."""
    def unreliable(step: StepContext) -> str:
        if step.attempt == 1:
            raise RuntimeError("attempt 1 fails")
        return "Operation succeeded"
    return context.step(unreliable, config=fixed_retries(3))


@durable_execution
def req_1_12(event, context: DurableContext):
    """Always fails; 4 attempts in all, 1 second apart."""
    return context.step(lambda _: fail(), config=fixed_retries(4))


@durable_execution
def req_1_13(event, context: DurableContext):
    """Fails twice, succeeds on attempt 3, with the SDK's default retry strategy."""
    def unreliable(step: StepContext) -> str:
        if step.attempt < 3:
            raise RuntimeError(f"attempt {step.attempt} fails")
        return "third time lucky"
    return context.step(unreliable)


@durable_execution
def req_1_14(event, context: DurableContext):
    """Fails twice, succeeds on attempt 3: retries after 2 s, then 6 s (backoff 3, no jitter)."""
    def unreliable(step: StepContext) -> str:
        if step.attempt < 3:
            raise RuntimeError(f"attempt {step.attempt} fails")
        return "succeeded"
    return context.step(unreliable, config=fixed_retries(5, delay=2, backoff=3))


def _retry_transient(error: Exception, attempts: int) -> RetryDecision:
    if isinstance(error, TransientError) and attempts < 3:
        return RetryDecision.retry(Duration.from_seconds(1))
    return RetryDecision.no_retry()


def _never_retry_transient(error: Exception, attempts: int) -> RetryDecision:
    if isinstance(error, TransientError):
        return RetryDecision.no_retry()
    return RetryPresets.default()(error, attempts)


@durable_execution
def req_1_15(event, context: DurableContext):
    """A TransientError on attempt 1; the strategy retries only that type."""
    def flaky(step: StepContext) -> str:
        if step.attempt == 1:
            raise TransientError("a transient failure")
        return "recovered"
    return context.step(flaky, config=StepConfig(retry_strategy=_retry_transient))


@durable_execution
def req_1_16(event, context: DurableContext):
    """A TransientError, which this strategy never retries: the step and the execution fail."""
    def flaky(step: StepContext) -> str:
        raise TransientError("a transient failure")
    return context.step(flaky, config=StepConfig(retry_strategy=_never_retry_transient))


@durable_execution
def req_1_17(event, context: DurableContext):
    """An at-most-once step without retries logs the input and crashes the process; the replay
    finds it interrupted, and the step and the execution fail."""
    def crashes(step: StepContext) -> str:
        step.logger.info(f"at most once: {event}")
        crash()
        return "unreachable"
    return context.step(crashes, name="at_most_once_flaky_step", config=StepConfig(
        step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, retry_strategy=RetryPresets.none()))


@durable_execution
def req_1_18(event, context: DurableContext):
    """An at-most-once step with retries: attempt 1 logs and crashes, is recorded as interrupted
    and retried; attempt 2 logs and succeeds."""
    def crashes_first(step: StepContext) -> str:
        step.logger.info(f"attempt {step.attempt}: {event}")
        if step.attempt == 1:
            crash()
        return "succeeded on second attempt"
    config = fixed_retries(3)
    return context.step(crashes_first, config=StepConfig(
        step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, retry_strategy=config.retry_strategy))


@durable_execution
def req_1_19(event, context: DurableContext):
    """A step that always fails, without retries: the execution fails."""
    return context.step(lambda _: fail(), config=NO_RETRY)


@durable_execution
def req_1_20(event, context: DurableContext):
    """A failing step (no retry) is caught; a second step supplies the fallback."""
    try:
        context.step(lambda _: fail(), config=NO_RETRY)
    except StepError:
        pass
    return context.step(lambda _: "fallback_result")
