"""The Telemetry API's records, per schema version, as Lambda sends them. Pure.

Fields: https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html (the
current page, one field set for all versions) and the model Lambda's RAPID serialises (RIE
internal/lambda/interop/events_api.go: InitStartData, InvokeStartData, InvokeRuntimeDoneData,
ReportData, ExtensionInitData). What differs by schema version:
- function and extension log lines: "If the schema version you're using is older than the
  2022-12-13 version, then the "record" is always rendered as a string even when your
  function's logging format is configured as JSON" (schema reference) - so from 2022-12-13 a
  JSON line is an object;
- 2025-01-29, which the page does not split by field (unconfirmed which fields it added): we give
  platform.start its functionArn and platform.initStart its instanceId and instanceMaxMemory, the
  fields AWS's managed-instances RIE (2025-01-29 only) sends and the older pages never show;
- managed instances (2025-01-29 only): "The platform.runtimeDone event is not supported for
  Lambda Managed Instances", and their platform.report has metrics.durationMs and the spans
  responseLatency and responseDuration only (schema reference).
Optional fields are left out when there is nothing to say (Go's omitempty in RAPID's model).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Optional, Union

from .facts import ERROR, FAILURE, FunctionFacts, Invoke, Report, RuntimeDone, Span
from .protocol import V2022_07_01, V2025_01_29

JsonObject = dict[str, object]


_second: tuple[int, str] = (-1, "")  # the last second formatted: most records share it


def iso_time(epoch: float) -> str:
    """2022-10-12T00:00:15.064Z: UTC, milliseconds cut (Go's "2006-01-02T15:04:05.000Z", RIE
    telemetry/constants.go TimeFormat). Every invocation formats a few: the second's text is
    kept from one call to the next (a tuple, replaced whole: safe across threads)."""
    global _second
    second, millisecond = divmod(int(epoch * 1000), 1000)
    known = _second
    if known[0] != second:
        known = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{known[1]}.{millisecond:03d}Z"


def event(kind: str, record: object, epoch: float) -> JsonObject:
    """The envelope of every record: {"time", "type", "record"} ("The time property defines when
    the Lambda platform generated the event")."""
    return {"time": iso_time(epoch), "type": kind, "record": record}


def tracing(trace_id: Optional[str]) -> Optional[JsonObject]:
    # TraceContext {spanId?, type: "X-Amzn-Trace-Id", value}; we have no span id of our own.
    return {"type": "X-Amzn-Trace-Id", "value": trace_id} if trace_id else None


def span(value: Span) -> JsonObject:
    return {"name": value.name, "start": iso_time(value.start), "durationMs": value.duration_ms}


def _put(record: JsonObject, key: str, value: object) -> None:
    if value is not None and value != []:
        record[key] = value


def _error_type(record: JsonObject, status: str, error_type: Optional[str]) -> None:
    # "If the status is either failure or error, then the Status object also contains an errorType."
    if status in (ERROR, FAILURE) and error_type:
        record["errorType"] = error_type


def init_start(version: str, fn: FunctionFacts, phase: str) -> JsonObject:
    record: JsonObject = {"initializationType": fn.init_type, "phase": phase,
                          "functionName": fn.name, "functionVersion": fn.version}
    _put(record, "runtimeVersion", fn.runtime_version)
    _put(record, "runtimeVersionArn", fn.runtime_version_arn)
    if version == V2025_01_29:
        _put(record, "instanceId", fn.instance_id)
        _put(record, "instanceMaxMemory", fn.instance_max_memory)
    return record


def init_runtime_done(fn: FunctionFacts, phase: str, status: str, error_type: Optional[str]) -> JsonObject:
    record: JsonObject = {"initializationType": fn.init_type, "phase": phase, "status": status}
    _error_type(record, status, error_type)
    return record


def init_report(fn: FunctionFacts, phase: str, status: str, error_type: Optional[str],
                duration_ms: float) -> JsonObject:
    record = init_runtime_done(fn, phase, status, error_type)
    record["metrics"] = {"durationMs": round(duration_ms, 3)}
    return record


def start(version: str, fn: FunctionFacts, invoke: Invoke) -> JsonObject:
    record: JsonObject = {"requestId": invoke.request_id}
    _put(record, "tenantId", invoke.tenant_id)  # tenant-isolation-monitor.html: start and report
    record["version"] = fn.version
    if version == V2025_01_29 and fn.arn:
        record["functionArn"] = fn.arn
    _put(record, "tracing", tracing(invoke.trace_id))
    return record


def runtime_done(fn: FunctionFacts, invoke: Invoke, done: RuntimeDone) -> Optional[JsonObject]:
    """None under managed instances, which have no platform.runtimeDone."""
    if fn.managed:
        return None
    record: JsonObject = {"requestId": invoke.request_id}
    _put(record, "tenantId", invoke.tenant_id)
    record["status"] = done.status
    _error_type(record, done.status, done.error_type)
    record["metrics"] = {"durationMs": done.duration_ms, "producedBytes": done.produced_bytes}
    _put(record, "spans", [span(value) for value in done.spans()])
    _put(record, "tracing", tracing(invoke.trace_id))
    return record


def report(fn: FunctionFacts, invoke: Invoke, done: Report) -> JsonObject:
    record: JsonObject = {"requestId": invoke.request_id}
    _put(record, "tenantId", invoke.tenant_id)
    record["status"] = done.status
    _error_type(record, done.status, done.error_type)
    spans: Iterable[Span]
    if fn.managed:
        record["metrics"] = {"durationMs": round(done.duration_ms, 3)}
        spans = done.times.response_spans() if done.times else ()
    else:
        metrics: JsonObject = {"durationMs": round(done.duration_ms, 3), "billedDurationMs": done.billed_ms,
                               "memorySizeMB": fn.memory_mb, "maxMemoryUsedMB": done.max_memory_used_mb}
        if done.init_duration_ms is not None:
            metrics["initDurationMs"] = round(done.init_duration_ms, 3)
        record["metrics"] = metrics
        spans = [done.extension_overhead] if done.extension_overhead else ()
    _put(record, "spans", [span(value) for value in spans])
    _put(record, "tracing", tracing(invoke.trace_id))
    return record


def extension(name: str, state: str, events: list[str], error_type: Optional[str]) -> JsonObject:
    record: JsonObject = {"name": name, "state": state, "events": events}
    _put(record, "errorType", error_type)  # ExtensionInitData's errorType, when its init failed
    return record


def subscription(name: str, state: str, types: list[str]) -> JsonObject:
    return {"name": name, "state": state, "types": types}


def logs_dropped(dropped_bytes: int, dropped_records: int, reason: str) -> JsonObject:
    return {"droppedBytes": dropped_bytes, "droppedRecords": dropped_records, "reason": reason}


# The schema reference's reason; the Logs API's is in logs_records.
SLOW_CONSUMER = "Some logs were dropped because the downstream consumer is slower than the logs production rate"


def log_line(version: str, fn: FunctionFacts, line: str) -> Union[str, JsonObject]:
    """A function or extension log line: the line itself, or from 2022-12-13 with the JSON log
    format, the object the line holds (e.g. {"timestamp","level","requestId","message"}). A line
    that is not a JSON object (a print under the JSON format) stays a string."""
    if fn.json_logs and version != V2022_07_01:
        try:
            value = json.loads(line)
        except ValueError:
            return line
        if isinstance(value, dict):
            return value
    return line
