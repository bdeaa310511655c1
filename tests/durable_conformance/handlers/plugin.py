"""Suite `plugin` (requirements 10-1 to 10-7): one handler per requirement, function `req-<id>`.

The plugins print one JSON object per hook to plain stdout, each stamped with the execution's
ARN (`durableExecutionArn`, from the invocation-start hook) so that the execution's log records
are found by it."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin, OperationType
from aws_durable_execution_sdk_python.types import StepContext
from shared import NO_RETRY, fail, fixed_retries

# Hooks of two plugins may run at once on different threads: one write per record, one at a time.
_PRINTING = threading.Lock()


class Recorder(DurableInstrumentationPlugin):
    """Prints what each hook sees; `hooks` names the hooks it reports."""

    def __init__(self, label: str, hooks: frozenset[str], faulty: bool = False) -> None:
        self.label, self.hooks, self.faulty = label, hooks, faulty
        self.arn: str | None = None

    def emit(self, hook: str, **fields: Any) -> None:
        if hook not in self.hooks:
            return
        line = json.dumps({"plugin": self.label, "hook": hook, **fields, "durableExecutionArn": self.arn})
        with _PRINTING:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        if self.faulty:
            raise RuntimeError(f"{self.label} fails in {hook}")

    def on_invocation_start(self, info: Any) -> None:
        self.arn = info.execution_arn
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: Any) -> None:
        self.emit("invocation-end", status=info.status.value)

    def on_operation_start(self, info: Any) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info: Any) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-end", op=info.operation_id, status=info.status.value)

    def on_user_function_start(self, info: Any) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info: Any) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("attempt-end", n=info.attempt, outcome=info.outcome.value, op=info.operation_id)


class Plugins:
    """The factory the SDK asks for one plugin per invocation."""

    def __init__(self, label: str, *hooks: str, faulty: bool = False) -> None:
        self.label, self.hooks, self.faulty = label, frozenset(hooks), faulty

    def create_plugin(self, info: Any) -> Recorder:
        return Recorder(self.label, self.hooks, self.faulty)


INVOCATION = ("invocation-start", "invocation-end")
EVERY_HOOK = (*INVOCATION, "operation-start", "operation-end", "attempt-start", "attempt-end")


def greet(name: str):
    def run(step: StepContext) -> str:
        step.logger.info(f"Greeting step running for: {name}")
        return f"Hello, {name}!"
    return run


@durable_execution(plugins=[Plugins("CONFPLUGIN", *INVOCATION)])
def req_10_1(event, context: DurableContext):
    """Invocation hooks around one step."""
    return context.step(greet(event))


@durable_execution(plugins=[Plugins("CONFPLUGIN", "operation-start", "operation-end")])
def req_10_2(event, context: DurableContext):
    """Operation hooks of one step."""
    return context.step(greet(event))


@durable_execution(plugins=[Plugins("CONFPLUGIN", "attempt-start", "attempt-end")])
def req_10_3(event, context: DurableContext):
    """Attempt hooks of a step that fails once and succeeds on its retry."""
    def unreliable(step: StepContext) -> str:
        if step.attempt == 1:
            raise RuntimeError("attempt 1 fails")
        return "Operation succeeded"
    return context.step(unreliable, config=fixed_retries(3))


@durable_execution(plugins=[Plugins("CONFPLUGIN-FAULTY", *EVERY_HOOK, faulty=True)])
def req_10_4(event, context: DurableContext):
    """Every hook prints, then raises: the execution goes on as without the plugin."""
    return context.step(greet(event))


@durable_execution(plugins=[Plugins("CONFPLUGIN-A", *INVOCATION), Plugins("CONFPLUGIN-B", *INVOCATION)])
def req_10_5(event, context: DurableContext):
    """Two plugins, both told of the invocation."""
    return context.step(greet(event))


@durable_execution(plugins=[Plugins("CONFPLUGIN", *INVOCATION)])
def req_10_6(event, context: DurableContext):
    """A 2-second wait: the first invocation is the first, the replay is not."""
    context.wait(Duration.from_seconds(2))
    return "waited"


@durable_execution(plugins=[Plugins("CONFPLUGIN", *INVOCATION)])
def req_10_7(event, context: DurableContext):
    """A step that fails without retry: the invocation ends FAILED."""
    return context.step(lambda _: fail(), config=NO_RETRY)
