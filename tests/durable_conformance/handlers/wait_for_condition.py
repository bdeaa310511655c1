"""Suite `wait_for_condition` (requirements 6-1 to 6-13): one handler per requirement, function
`req-<id>`."""

from __future__ import annotations

import json
from typing import Any, Callable

from aws_durable_execution_sdk_python import DurableContext, WaitForConditionError, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitStrategyConfig, create_wait_strategy


def poll(keep_polling: Callable[[Any], bool], initial: Any, delay: int = 1, max_attempts: int = 60,
         serdes: SerDes[Any] | None = None) -> WaitForConditionConfig[Any]:
    """Polls every `delay` seconds (no backoff, no jitter) while `keep_polling(state)`."""
    return WaitForConditionConfig(create_wait_strategy(WaitStrategyConfig(
        should_continue_polling=keep_polling, max_attempts=max_attempts, initial_delay=Duration.from_seconds(delay),
        backoff_rate=1, jitter_strategy=JitterStrategy.NONE)), initial_state=initial, serdes=serdes)


def add_one(state: int, check: Any) -> int:
    return state + 1


@durable_execution
def req_6_1(event, context: DurableContext):
    """Counts up from 0 until the input (3)."""
    return context.wait_for_condition(add_one, poll(lambda n: n < event, 0))


@durable_execution
def req_6_2(event, context: DurableContext):
    """The state (5) already satisfies the condition on the first check."""
    return context.wait_for_condition(lambda state, check: state, poll(lambda n: n < event, 5))


@durable_execution
def req_6_3(event, context: DurableContext):
    """Named "poll-status"; counts up from 0 until the input (2)."""
    return context.wait_for_condition(add_one, poll(lambda n: n < event, 0), name="poll-status")


@durable_execution
def req_6_4(event, context: DurableContext):
    """Counts up from an initial state of 5 until the input (8)."""
    return context.wait_for_condition(add_one, poll(lambda n: n < event, 5))


@durable_execution
def req_6_5(event, context: DurableContext):
    """Polls every 2 seconds while counting up from 0 until the input (3)."""
    return context.wait_for_condition(add_one, poll(lambda n: n < event, 0, delay=2))


@durable_execution
def req_6_6(event, context: DurableContext):
    """The condition is never met: the third check exhausts the attempts and the execution fails."""
    return context.wait_for_condition(add_one, poll(lambda n: True, 0, max_attempts=3))


def _raises(state: Any, check: Any) -> Any:
    raise RuntimeError("the check fails")


@durable_execution
def req_6_7(event, context: DurableContext):
    """The check raises on its first run: the operation and the execution fail."""
    return context.wait_for_condition(_raises, poll(lambda s: True, None))


@durable_execution
def req_6_8(event, context: DurableContext):
    """The check raises; the handler catches it and returns "recovered"."""
    try:
        return context.wait_for_condition(_raises, poll(lambda s: True, None))
    except WaitForConditionError:
        return "recovered"


def _progress(state: dict, check: Any) -> dict:
    attempts = state["attempts"] + 1
    return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}


@durable_execution
def req_6_9(event, context: DurableContext):
    """An object state: PENDING until its second check, then DONE."""
    return context.wait_for_condition(_progress, poll(lambda s: s["status"] == "PENDING",
                                                      {"status": "PENDING", "attempts": 0}))


@durable_execution
def req_6_10(event, context: DurableContext):
    """The check answers null and polling stops at once."""
    return context.wait_for_condition(lambda state, check: None, poll(lambda s: s is not None, "start"))


class Reversed(SerDes[str]):
    """Keeps a string state as JSON of the reversed text."""

    def serialize(self, value: str, context: SerDesContext) -> str:
        return json.dumps({"reversed": value[::-1]})

    def deserialize(self, data: str, context: SerDesContext) -> str:
        return str(json.loads(data)["reversed"])[::-1]


@durable_execution
def req_6_11(event, context: DurableContext):
    """A string state kept through a custom serializer: "x", then "xx"."""
    return context.wait_for_condition(lambda state, check: state + "x",
                                      poll(lambda s: len(s) < 2, "", serdes=Reversed()))


@durable_execution
def req_6_12(event, context: DurableContext):
    """Counts up to the input (2), then a step multiplies the result by 10."""
    reached = context.wait_for_condition(add_one, poll(lambda n: n < event, 0))
    return context.step(lambda _: reached * 10)


@durable_execution
def req_6_13(event, context: DurableContext):
    """Counts from 0 to 2, then a second poll counts on from there to 4."""
    halfway = context.wait_for_condition(add_one, poll(lambda n: n < 2, 0))
    return context.wait_for_condition(add_one, poll(lambda n: n < 4, halfway))
