"""What several conformance handlers share: retry settings, batch settings and figures, errors,
serializers, a crash.

Written for this repository from the requirements' descriptions (AWS's own handlers are not used).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import boto3
from aws_durable_execution_sdk_python import BatchResult
from aws_durable_execution_sdk_python.config import CompletionConfig, Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets, RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())


def one_at_a_time(config_type: Any, **options: Any) -> Any:
    """A MapConfig or ParallelConfig running one item at a time (so the history is asserted event by
    event), the completion options among `options` in its CompletionConfig."""
    completion = {k: options.pop(k) for k in ("min_successful", "tolerated_failure_count",
                                              "tolerated_failure_percentage") if k in options}
    return config_type(max_concurrency=1, completion_config=CompletionConfig(**completion), **options)


def summary(result: BatchResult[Any], *fields: str) -> dict[str, Any]:
    """The batch result's figures the requirement names."""
    values = {"completionReason": result.completion_reason.value, "status": result.status.value,
              "successCount": result.success_count, "failureCount": result.failure_count,
              "totalCount": result.total_count}
    return {name: values[name] for name in fields}


ALL = ("completionReason", "status", "successCount", "failureCount", "totalCount")
NO_STATUS = ("completionReason", "successCount", "failureCount", "totalCount")


def fixed_retries(max_attempts: int, delay: int = 1, backoff: float = 1) -> StepConfig:
    """Retries without jitter: `delay` seconds, times `backoff` after each attempt."""
    return StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(
        max_attempts=max_attempts, initial_delay=Duration.from_seconds(delay), backoff_rate=backoff,
        jitter_strategy=JitterStrategy.NONE)))


class TransientError(Exception):
    """An error a retry strategy may single out by its type."""


def fail(message: str = "this step always fails") -> Any:
    raise RuntimeError(message)


def crash() -> None:
    """The runtime process exits in the middle of an invocation: Lambda reports Runtime.ExitError."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def crash_once(execution_arn: str, mark: str) -> None:
    """Crashes the first time an execution reaches this point; a marker file in /tmp remembers it
    (the environments of a function share the container's file system here; AWS's own handlers
    keep such a count in DynamoDB)."""
    path = os.path.join("/tmp", "conformance-" + (execution_arn + mark).replace("/", "_").replace(":", "_"))
    if not os.path.exists(path):
        with open(path, "w"):
            pass
        crash()


def wait_until_recorded(execution_arn: str, event_type: str) -> None:
    """Polls the execution's history (through the same endpoint the SDK checkpoints to) until an
    event of this type is there: a START the SDK sends asynchronously has then been recorded."""
    client = boto3.client("lambda")
    for _ in range(200):
        events = client.get_durable_execution_history(DurableExecutionArn=execution_arn)["Events"]
        if any(e["EventType"] == event_type for e in events):
            return
        time.sleep(0.05)
    raise TimeoutError(f"no {event_type} in the history of {execution_arn}")


class Uppercase(SerDes[Any]):
    """Serializes as JSON with every string upper-cased; reads JSON back as it is."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return json.dumps(_upper(value))

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        return json.loads(data)


def _upper(value: Any) -> Any:
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [_upper(v) for v in value]
    if isinstance(value, dict):
        return {k: _upper(v) for k, v in value.items()}
    return value


class Wrapped(SerDes[Any]):
    """Serializes a value v as {"wrapped": v} and reads it back as v."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        return json.loads(data)["wrapped"]
