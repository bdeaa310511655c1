"""The real durable SDK against the engine: steps, waits, history."""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration
from kit.durable_harness import FUNCTION


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def step_then_wait(event, context: DurableContext):
    message = context.step(greet(event))
    context.wait(Duration.from_seconds(2))
    return message


def brief(events):
    return [(e["EventId"], e["EventType"]) for e in events]


def test_step_and_wait_run_to_success_with_lambdas_history(served):
    server = served()
    server.function.handler = step_then_wait
    started = server.engine.start_execution(FUNCTION, "$LATEST", '"World"', name="demo1")
    body = server.engine.wait_for_end(started.arn, 20)
    assert body is not None and body["Status"] == "SUCCEEDED", body
    assert body["Result"] == '"Hello, World!"'
    client = server.client()
    events = client.get_durable_execution_history(DurableExecutionArn=started.arn)["Events"]
    assert brief(events) == [(1, "ExecutionStarted"), (2, "StepStarted"), (3, "StepSucceeded"), (4, "WaitStarted"),
                             (5, "InvocationCompleted"), (6, "WaitSucceeded"), (7, "InvocationCompleted"),
                             (8, "ExecutionSucceeded")]
