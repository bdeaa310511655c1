"""The durable function bench/durable.py runs on both servers: 100 steps, one wait, one callback.

The same module, unchanged, under our local server and under AWS's dex-local-runner (through
the RIE), with the durable SDK's own `boto3.client("lambda")` reaching each server through
AWS_ENDPOINT_URL_LAMBDA. Besides its work it tells the benchmark two things, the same way on
both servers:
- the callback's id, at once, over TCP to BENCH_DURABLE_CALLBACK (`host:port`): the submitter
  of `wait_for_callback` sends it, as a function hands its callback id to another system;
- after each invocation, one JSON line appended to BENCH_DURABLE_REPORT: the wall time of each
  CheckpointDurableExecution and GetDurableExecutionState call the SDK made in it (measured
  by botocore's before-call / after-call events on the default session, which the SDK's client
  is made from).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import time
from typing import Any

import boto3
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig
from aws_durable_execution_sdk_python.types import WaitForCallbackContext

STEPS = 100
WAIT_SECONDS = 60  # both servers skip it (bench/durable.py): its length does not count
CALLBACK_TIMEOUT_SECONDS = 300

_calls: dict[str, list[float]] = {"CheckpointDurableExecution": [], "GetDurableExecutionState": []}


def _call_started(context: dict[str, Any], **_: Any) -> None:
    context["bench_started"] = time.perf_counter()


def _call_ended(model: Any, context: dict[str, Any], **_: Any) -> None:
    started = context.get("bench_started")
    if started is not None:
        _calls[model.name].append(time.perf_counter() - started)


boto3.setup_default_session()
for _operation in _calls:
    boto3.DEFAULT_SESSION.events.register(f"before-call.lambda.{_operation}", _call_started)
    boto3.DEFAULT_SESSION.events.register(f"after-call.lambda.{_operation}", _call_ended)


def _add(value: int, index: int, _: StepContext) -> int:
    return value + index


def _send_callback_id(callback_id: str, _: WaitForCallbackContext) -> None:
    host, port = os.environ["BENCH_DURABLE_CALLBACK"].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(callback_id.encode() + b"\n")


@durable_execution
def _workflow(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    total = 0
    for index in range(STEPS):
        total = context.step(functools.partial(_add, total, index), name=f"add-{index}")
    context.wait(Duration.from_seconds(WAIT_SECONDS), name="pause")
    answer = context.wait_for_callback(
        _send_callback_id, name="approval",
        config=WaitForCallbackConfig(timeout=Duration.from_seconds(CALLBACK_TIMEOUT_SECONDS)))
    return {"run": event.get("run"), "total": total, "answer": answer}


def handler(event: dict[str, Any], context: Any) -> Any:
    """The function: the durable workflow, then one report line for this invocation."""
    for calls in _calls.values():
        calls.clear()
    try:
        return _workflow(event, context)
    finally:
        with open(os.environ["BENCH_DURABLE_REPORT"], "a") as report:
            report.write(json.dumps({"pid": os.getpid(), "calls": _calls}) + "\n")

