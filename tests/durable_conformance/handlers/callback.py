"""Suite `callback` (requirements 4-1 to 4-19): one handler per requirement, function `req-<id>`.

The requirement's validator answers each callback (CallbackActions) from outside."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


def _seconds(n: int) -> Duration:
    return Duration.from_seconds(n)


@durable_execution
def req_4_1(event, context: DurableContext):
    """A callback named after the input; its answer is the result."""
    return context.create_callback(name=event).result()


@durable_execution
def req_4_2(event, context: DurableContext):
    """A callback named "approval"."""
    return context.create_callback(name="approval").result()


@durable_execution
def req_4_3(event, context: DurableContext):
    """A callback with a 5-second timeout that nobody answers: the execution fails."""
    return context.create_callback(name=event, config=CallbackConfig(timeout=_seconds(5))).result()


@durable_execution
def req_4_4(event, context: DurableContext):
    """A callback with a 5-second heartbeat timeout and no heartbeat: the execution fails."""
    return context.create_callback(name=event, config=CallbackConfig(heartbeat_timeout=_seconds(5))).result()


@durable_execution
def req_4_5(event, context: DurableContext):
    """A callback with a 10-second heartbeat timeout: a heartbeat, then its answer."""
    return context.create_callback(name=event, config=CallbackConfig(heartbeat_timeout=_seconds(10))).result()


@durable_execution
def req_4_6(event, context: DurableContext):
    """The callback is answered with a failure, which the handler does not catch."""
    return context.create_callback(name=event).result()


@durable_execution
def req_4_7(event, context: DurableContext):
    """A callback, a step, then the callback's failure (not caught)."""
    callback = context.create_callback(name=event)
    context.step(lambda _: "meanwhile")
    return callback.result()


@durable_execution
def req_4_8(event, context: DurableContext):
    """A callback with a 5-second timeout, a step, then the callback times out (not caught)."""
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=_seconds(5)))
    context.step(lambda _: "meanwhile")
    return callback.result()


@durable_execution
def req_4_9(event, context: DurableContext):
    """A callback, a 5-second wait during which it is answered, then its result."""
    callback = context.create_callback(name=event)
    context.wait(_seconds(5))
    return callback.result()


@durable_execution
def req_4_10(event, context: DurableContext):
    """A callback, a 5-second wait during which it fails, then its failure (not caught)."""
    callback = context.create_callback(name=event)
    context.wait(_seconds(5))
    return callback.result()


@durable_execution
def req_4_11(event, context: DurableContext):
    """A callback with a 3-second timeout, a 6-second wait during which it times out, then the
    timeout (not caught)."""
    callback = context.create_callback(name=event, config=CallbackConfig(timeout=_seconds(3)))
    context.wait(_seconds(6))
    return callback.result()


@durable_execution
def req_4_12(event, context: DurableContext):
    """The callback's answer, then a 2-second wait, then the answer is returned."""
    result = context.create_callback(name=event).result()
    context.wait(_seconds(2))
    return result


@durable_execution
def req_4_13(event, context: DurableContext):
    """The callback's failure is caught, then a 2-second wait, then its message is returned."""
    try:
        message = context.create_callback(name=event).result()
    except CallbackError as error:
        message = f"callback failed: {error}"
    context.wait(_seconds(2))
    return message


@durable_execution
def req_4_14(event, context: DurableContext):
    """The callback's 3-second timeout is caught, then a 2-second wait."""
    try:
        message = context.create_callback(name=event, config=CallbackConfig(timeout=_seconds(3))).result()
    except CallbackError as error:
        message = f"callback timed out: {error}"
    context.wait(_seconds(2))
    return message


class Order(SerDes[Any]):
    """Reads a JSON answer into a typed object whose ISO timestamp becomes epoch seconds."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        raw = json.loads(data)
        when = datetime.fromisoformat(raw["timestamp"].replace("Z", "+00:00"))
        return {"id": raw["id"], "message": raw["message"], "timestamp": int(when.timestamp())}


@durable_execution
def req_4_15(event, context: DurableContext):
    """The answer is read by a custom deserializer into an object with a timestamp."""
    return {"received": context.create_callback(name=event, config=CallbackConfig(serdes=Order())).result()}


class Number(SerDes[int]):
    def serialize(self, value: int, context: SerDesContext) -> str:
        return str(value)

    def deserialize(self, data: str, context: SerDesContext) -> int:
        return int(json.loads(data))


@durable_execution
def req_4_16(event, context: DurableContext):
    """The answer is read by a custom deserializer as a number."""
    count = context.create_callback(name=event, config=CallbackConfig(serdes=Number())).result()
    assert count is not None
    return {"count": count, "doubled": count * 2}


@durable_execution
def req_4_17(event, context: DurableContext):
    """Callback A and its answer, then callback B and its answer."""
    first = context.create_callback(name=event[0]).result()
    second = context.create_callback(name=event[1]).result()
    return [first, second]


@durable_execution
def req_4_18(event, context: DurableContext):
    """Callbacks A and B, then A's answer, then B's."""
    a, b = context.create_callback(name=event[0]), context.create_callback(name=event[1])
    return [a.result(), b.result()]


@durable_execution
def req_4_19(event, context: DurableContext):
    """Callbacks A and B, then B's answer, then A's."""
    a, b = context.create_callback(name=event[0]), context.create_callback(name=event[1])
    second = b.result()
    return [a.result(), second]
