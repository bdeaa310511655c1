"""Suite `wait` (requirements 2-1 to 2-5): one handler per requirement, function `req-<id>`."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def req_2_1(event, context: DurableContext):
    """One 2-second wait."""
    context.wait(Duration.from_seconds(2))
    return "waited"


@durable_execution
def req_2_2(event, context: DurableContext):
    """One 2-second wait, named."""
    context.wait(Duration.from_seconds(2), name="custom_wait_name")
    return "waited"


@durable_execution
def req_2_3(event, context: DurableContext):
    """Two 2-second waits in a row, each ending an invocation."""
    context.wait(Duration.from_seconds(2), name="wait-1")
    context.wait(Duration.from_seconds(2), name="wait-2")
    return {"completedWaits": 2}


@durable_execution
def req_2_4(event, context: DurableContext):
    """A wait given in minutes (1 minute: 60 seconds)."""
    context.wait(Duration.from_minutes(1))
    return "waited"


@durable_execution
def req_2_5(event, context: DurableContext):
    """A wait given in hours (1 hour: 3600 seconds)."""
    context.wait(Duration.from_hours(1))
    return "waited"
