"""The AWS services a requirement's validation reaches besides Lambda, stood in by the local
server's own output.

- CloudFormation: the validator resolves a function's logical id (in the stack) to its physical
  name, to invoke it and to find its log group. Here the "stack" is the local server: each
  function's logical id is its name.
- CloudWatch Logs: the validator reads `/aws/lambda/<function>` with FilterLogEvents and a JSON
  filter on the execution's ARN. Here every line the server wrote (its stdout and stderr: what
  the functions printed and logged, and the platform's lines) is kept with the time it came,
  and the same filter is applied to it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import IO, Any

ARN_FILTER = re.compile(r'\{ \(\$\.durableExecutionArn = "((?:[^"\\]|\\.)*)"\) \|\| '
                        r'\(\$\.executionArn = "((?:[^"\\]|\\.)*)"\) \}')


class LogStore:
    """Lines as they come from the server's pipes, each with its arrival time (epoch ms)."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def follow(self, pipe: IO[bytes], copy: IO[str] | None = None) -> threading.Thread:
        def read() -> None:
            for raw in iter(pipe.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self.lock:
                    self.lines.append((int(time.time() * 1000), line))
                if copy is not None:
                    copy.write(line + "\n")
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        return thread

    def snapshot(self) -> list[tuple[int, str]]:
        with self.lock:
            return list(self.lines)


class CloudFormation:
    """describe_stack_resource and the list_stack_resources paginator, for the server's functions."""

    def __init__(self, stack: str, functions: list[str]) -> None:
        self.stack = stack
        self.functions = functions

    def _check(self, stack: str) -> None:
        if stack != self.stack:
            raise ValueError(f"no stack {stack}: the local server is stack {self.stack}")

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:
        self._check(StackName)
        if LogicalResourceId not in self.functions:
            raise KeyError(f"{LogicalResourceId} is not a function of the local server")
        return {"StackResourceDetail": {"LogicalResourceId": LogicalResourceId, "PhysicalResourceId": LogicalResourceId,
                                        "ResourceType": "AWS::Lambda::Function"}}

    def get_paginator(self, operation: str) -> CloudFormation:
        assert operation == "list_stack_resources", operation
        return self

    def paginate(self, StackName: str) -> list[dict[str, Any]]:
        self._check(StackName)
        return [{"StackResourceSummaries": [{"LogicalResourceId": name, "PhysicalResourceId": name,
                                             "ResourceType": "AWS::Lambda::Function"} for name in self.functions]}]


class Logs:
    """filter_log_events over the kept lines, with the execution-ARN filter the validator sends."""

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def filter_log_events(self, logGroupName: str, startTime: int, endTime: int,
                          filterPattern: str, nextToken: str | None = None) -> dict[str, Any]:
        match = ARN_FILTER.fullmatch(filterPattern)
        if match is None or match.group(1) != match.group(2):
            raise ValueError(f"this stand-in takes only the execution-ARN filter, not {filterPattern!r}")
        arn = json.loads(f'"{match.group(1)}"')
        function = logGroupName.removeprefix("/aws/lambda/")
        if f":function:{function}:" not in arn:
            return {"events": []}  # another function's log group has none of this execution's lines
        events = []
        for index, (stamp, line) in enumerate(self.store.snapshot()):
            record = _json_object(line)
            if startTime <= stamp <= endTime and record is not None and arn in (
                    record.get("durableExecutionArn"), record.get("executionArn")):
                events.append({"logStreamName": f"local/{function}", "timestamp": stamp, "message": line,
                               "ingestionTime": stamp, "eventId": str(index)})
        return {"events": events}


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
