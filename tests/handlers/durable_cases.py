"""Durable handlers (aws-durable-execution-sdk-python) run by our runtime under the local server.

Each shows one thing the server does for a durable function: steps and a wait, a callback
answered from the host, a failure, a long wait, and what the environment tells the SDK.
"""

import os

import aws_durable_execution_sdk_python
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def order(event, context: DurableContext):
    """Two steps around a wait: the result names what it did."""
    reserved = context.step(lambda _: f"reserved {event['item']}", name="reserve")
    context.wait(Duration.from_seconds(event.get("wait", 5)), name="cool-off")
    charged = context.step(lambda _: f"charged {event['price']}", name="charge")
    return {"order": [reserved, charged], "sdk": aws_durable_execution_sdk_python.__version__, "environment": {
        name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL_LAMBDA", "AWS_DEFAULT_REGION")}}


@durable_execution
def approval(event, context: DurableContext):
    """Waits for a callback that someone answers with SendDurableExecutionCallbackSuccess."""
    callback = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_seconds(3600)))
    return {"approved_by": callback.result()}


@durable_execution
def fails(event, context: DurableContext):
    context.step(lambda _: "fine", name="first")
    raise ValueError(f"the order {event['item']} cannot be shipped")


@durable_execution
def sleeps(event, context: DurableContext):
    context.wait(Duration.from_seconds(event["seconds"]), name="long")
    return "woke"


def not_durable(event, context):
    return {"durable": False}


@durable_execution
def web(event, context: DurableContext):
    """A function URL request: the result is an HTTP response."""
    path = context.step(lambda _: event["rawPath"], name="read-path")
    return {"statusCode": 201, "headers": {"content-type": "text/plain"}, "body": f"made {path}"}


@durable_execution
def chained(event, context: DurableContext):
    """Invokes another durable function the server serves (event["target"]) and answers its result."""
    return {"answer": context.invoke(event["target"], event["payload"], name="ask")}


@durable_execution
def echo(event, context: DurableContext):
    return context.step(lambda _: event, name="echo")
