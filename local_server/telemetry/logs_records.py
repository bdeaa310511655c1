"""The Logs API's records (2020-08-15, 2021-03-18), as Lambda sends them. Pure.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-logs-api.html and real payloads:
- platform.start {"requestId","version"}, platform.runtimeDone {"requestId","status"},
  platform.end {"requestId"}, platform.report {"requestId","metrics":{...}} and function lines
  ending in "\\n": a 2022 Logs API capture kept in a test of serverless/aws-lambda-otel-extension
  (reporter_test.go); the page's platform.start example has no "version", the capture has.
- platform.runtimeDone "only" with 2021-03-18 ("Set to 2021-03-18 for the extension to receive
  platform.runtimeDone messages"); its status is "success" | "failure" | "timeout", so a function
  error (Telemetry API "error") is "failure" here.
- platform.fault: a string, "RequestId: ... Status: error\\tErrorType: Runtime.ExitError" in the
  page's newer example (the older one: "... Process exited before completing request").
- function and extension records are strings. Whether the JSON log format makes them objects
  here is unconfirmed: the page shows strings only, and the Logs API predates that format.
- The page's SnapStart examples (platform.initRuntimeDone, initReport, restore*) are not sent:
  container images have no SnapStart, and no source shows init records on-demand.
- tenantId is not added: the Logs API pages predate tenant isolation and show none (unconfirmed).
"""

from __future__ import annotations

from typing import Optional

from .facts import SUCCESS, TIMEOUT, FunctionFacts, Invoke, Report, RuntimeDone
from .protocol import V2021_03_18
from .telemetry_records import JsonObject

# The page's platform.logsDropped example.
SLOW_CONSUMER = "Consumer seems to have fallen behind as it has not acknowledged receipt of logs."


def start(fn: FunctionFacts, invoke: Invoke) -> JsonObject:
    return {"requestId": invoke.request_id, "version": fn.version}


def runtime_done(version: str, invoke: Invoke, done: RuntimeDone) -> Optional[JsonObject]:
    if version != V2021_03_18:
        return None
    status = done.status if done.status in (SUCCESS, TIMEOUT) else "failure"
    return {"requestId": invoke.request_id, "status": status}


def fault(invoke: Invoke, done: Report) -> Optional[str]:
    """The platform's fault, when the platform ended the invocation; None for success and for the
    function's own error. It says what the REPORT line's tail says: "Status: timeout", or the
    status and error type of a crash (as local_server's text REPORT line does)."""
    if done.status == SUCCESS or done.function_error:
        return None
    line = f"RequestId: {invoke.request_id} Status: {done.status}"
    return line + (f"\tErrorType: {done.error_type}" if done.error_type and done.status != TIMEOUT else "")


def end(invoke: Invoke) -> JsonObject:
    return {"requestId": invoke.request_id}


def report(fn: FunctionFacts, invoke: Invoke, done: Report) -> JsonObject:
    metrics: JsonObject = {"durationMs": round(done.duration_ms, 3), "billedDurationMs": done.billed_ms,
                           "memorySizeMB": fn.memory_mb, "maxMemoryUsedMB": done.max_memory_used_mb}
    if done.init_duration_ms is not None:
        # "initDurationMs ... only if the invocation included a cold start"
        metrics["initDurationMs"] = round(done.init_duration_ms, 3)
    return {"requestId": invoke.request_id, "metrics": metrics}


def extension(name: str, state: str, events: list[str]) -> JsonObject:
    return {"name": name, "state": state, "events": events}


def subscription(name: str, state: str, types: list[str]) -> JsonObject:
    return {"name": name, "state": state, "types": types}


def logs_dropped(dropped_bytes: int, dropped_records: int, reason: str) -> JsonObject:
    # Key order of the page's example: reason, droppedRecords, droppedBytes.
    return {"reason": reason, "droppedRecords": dropped_records, "droppedBytes": dropped_bytes}
