"""Durable handlers written for these tests: one per SDK operation, each returning what it saw."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration, InvokeConfig, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

# What the handlers leave for the test to read (one test at a time in a process).
SEEN: dict[str, list] = {"attempts": [], "callback_ids": []}


class Flaky(Exception):
    pass


@durable_step
def flaky_double(step_context: StepContext, value: int) -> int:
    SEEN["attempts"].append(value)
    if len(SEEN["attempts"]) < 3:
        raise Flaky(f"attempt {len(SEEN['attempts'])} fails")
    return value * 2


RETRY_TWICE = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(2), jitter_strategy=JitterStrategy.NONE)))


@durable_execution
def step_with_retries(event, context: DurableContext):
    return context.step(flaky_double(event["value"]), config=RETRY_TWICE)


@durable_execution
def child_context(event, context: DurableContext):
    def inner(child: DurableContext) -> str:
        first = child.step(lambda _: "a", name="first")
        child.wait(Duration.from_seconds(1), name="pause")
        return first + child.step(lambda _: "b", name="second")

    return context.run_in_child_context(inner, name="grouped")


@durable_execution
def callback(event, context: DurableContext):
    config = CallbackConfig(timeout=Duration.from_seconds(event["timeout"]))
    cb = context.create_callback(name="approval", config=config)
    return {"answer": cb.result()}


@durable_execution
def wait_for_callback(event, context: DurableContext):
    def submit(callback_id: str, _ctx) -> None:
        SEEN["callback_ids"].append(callback_id)

    return context.wait_for_callback(submit, name="external")


@durable_execution
def chained(event, context: DurableContext):
    if event.get("role") == "child":
        return context.step(lambda _: event["n"] + 1, name="increment")
    return context.invoke(event["target"], {"role": "child", "n": event["n"]}, name="call-myself",
                          config=InvokeConfig(tenant_id=event.get("tenant")))


@durable_execution
def wait_for_condition(event, context: DurableContext):
    def check(state: int, _ctx) -> int:
        return state + 1

    def strategy(state: int, attempts: int) -> WaitForConditionDecision:
        if state >= event["threshold"]:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(3))

    return context.wait_for_condition(check, WaitForConditionConfig(wait_strategy=strategy, initial_state=0),
                                      name="count")


@durable_execution
def parallel(event, context: DurableContext):
    def branch(n: int):
        def run(ctx: DurableContext) -> int:
            ctx.wait(Duration.from_seconds(n), name=f"wait-{n}")
            return ctx.step(lambda _: n * 10, name=f"times-ten-{n}")
        return run

    return context.parallel([branch(1), branch(2), branch(3)], name="fan-out").get_results()


@durable_execution
def map_items(event, context: DurableContext):
    def square(ctx: DurableContext, item: int, index: int, items) -> int:
        return ctx.step(lambda _: item * item, name=f"square-{index}")

    return context.map(event["items"], square, name="squares").get_results()


@durable_execution
def fails(event, context: DurableContext):
    context.step(lambda _: 1, name="fine")
    raise ValueError(f"boom: {event}")


@durable_execution
def waits_long(event, context: DurableContext):
    context.wait(Duration.from_seconds(event["seconds"]), name="long")
    return "woke"


@durable_execution
def waits_or_callback(event, context: DurableContext):
    """`{"waits": n, "seconds": s}`: n waits in a row; `{"timeout": s}`: a callback with that timeout."""
    if "waits" in event:
        for n in range(event["waits"]):
            context.wait(Duration.from_seconds(event["seconds"]), name=f"wait-{n}")
        return "waited"
    config = CallbackConfig(timeout=Duration.from_seconds(event["timeout"]))
    return {"answer": context.create_callback(name="approval", config=config).result()}
