"""Suite `invoke` (requirements 5-1 to 5-16): one handler per requirement, function `req-<id>`,
and the functions they invoke (`TARGETS` in ../catalog.py), durable functions the same server
serves."""

from __future__ import annotations

import json
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, InvokeError, durable_execution
from aws_durable_execution_sdk_python.config import Duration, InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

ECHO = "invoke-echo:$LATEST"
FAILING = "invoke-fail:$LATEST"
MEASURE = "invoke-measure:$LATEST"
GREET = "invoke-greet:$LATEST"


# --- the invoked functions -------------------------------------------------------------------

@durable_execution
def echo_target(event, context: DurableContext):
    """Answers what it is given."""
    return event


@durable_execution
def failing_target(event, context: DurableContext):
    """Always fails."""
    raise RuntimeError("the invoked function fails")


@durable_execution
def measuring_target(event, context: DurableContext):
    """Answers the size of what it is given."""
    return {"received": len(json.dumps(event))}


@durable_execution
def greeting_target(event, context: DurableContext):
    return f"Hello, {event}!"


# --- the requirements ------------------------------------------------------------------------

@durable_execution
def req_5_1(event, context: DurableContext):
    """Invokes the echo function with the input and returns its answer."""
    return context.invoke(ECHO, event)


@durable_execution
def req_5_2(event, context: DurableContext):
    """The invoke is named after the input's `name`."""
    return context.invoke(ECHO, event["payload"], name=event["name"])


@durable_execution
def req_5_3(event, context: DurableContext):
    """A nested object, echoed."""
    return context.invoke(ECHO, event)


@durable_execution
def req_5_4(event, context: DurableContext):
    """Nothing (null), echoed."""
    return context.invoke(ECHO, None)


@durable_execution
def req_5_5(event, context: DurableContext):
    """The invoked function fails; the error is not caught."""
    return context.invoke(FAILING, event)


@durable_execution
def req_5_6(event, context: DurableContext):
    """The invoked function fails; the error is caught and a fallback returned."""
    try:
        return context.invoke(FAILING, event)
    except InvokeError:
        return "fallback"


@durable_execution
def req_5_7(event, context: DurableContext):
    """A large payload (about 200 KB) to a function that measures it."""
    return context.invoke(MEASURE, {"blob": "x" * 200_000})


@durable_execution
def req_5_8(event, context: DurableContext):
    """The invoke carries a tenant id from the input."""
    return context.invoke(ECHO, event["payload"], config=InvokeConfig(tenant_id=event["tenantId"]))


@durable_execution
def req_5_9(event, context: DurableContext):
    """An invoke, then a 1-second wait; on replay the invoke's result comes from its checkpoint."""
    result = context.invoke(ECHO, "cached")
    context.wait(Duration.from_seconds(1))
    return result


@durable_execution
def req_5_10(event, context: DurableContext):
    """A failing invoke is caught, then a 1-second wait; on replay the error is raised again."""
    try:
        outcome = context.invoke(FAILING, None)
    except InvokeError as error:
        outcome = f"caught: {error}"
    context.wait(Duration.from_seconds(1))
    return outcome


@durable_execution
def req_5_11(event, context: DurableContext):
    """A step, then an invoke of its result."""
    value = context.step(lambda _: "from the step")
    return context.invoke(ECHO, value)


@durable_execution
def req_5_12(event, context: DurableContext):
    """An invoke, then a step given its result."""
    answer = context.invoke(ECHO, "from the invoke")
    return context.step(lambda _: f"step got: {answer}")


@durable_execution
def req_5_13(event, context: DurableContext):
    """An invoke inside a child context."""
    return context.run_in_child_context(lambda ctx: ctx.invoke(ECHO, "inside"))


@durable_execution
def req_5_14(event, context: DurableContext):
    """Two invokes, one after the other."""
    first = context.invoke(ECHO, "first")
    second = context.invoke(GREET, first)
    return [first, second]


class UppercasePayload(SerDes[Any]):
    """Serializes the outgoing payload as JSON with its strings upper-cased."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return json.dumps({k: v.upper() if isinstance(v, str) else v for k, v in value.items()})

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        return json.loads(data)


class UppercaseResult(SerDes[str]):
    """Reads the invoke's serialized result upper-cased, as it is."""

    def serialize(self, value: str, context: SerDesContext) -> str:
        return value

    def deserialize(self, data: str, context: SerDesContext) -> str:
        return data.upper()


@durable_execution
def req_5_15(event, context: DurableContext):
    """The outgoing payload goes through a custom serializer."""
    return context.invoke(ECHO, event, config=InvokeConfig(serdes_payload=UppercasePayload()))


@durable_execution
def req_5_16(event, context: DurableContext):
    """The invoke's result goes through a custom deserializer."""
    return context.invoke(ECHO, event, config=InvokeConfig(serdes_result=UppercaseResult()))
