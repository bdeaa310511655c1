"""Every record type this package builds, for every schema version, checked against a JSON schema
written from AWS's "Telemetry schema reference" and "Logs API" pages (schemas/)."""

import json

import pytest
from kit.schema_check import LOGS, TELEMETRY, problems

from local_server.telemetry import logs_records as logs
from local_server.telemetry import telemetry_records as tel
from local_server.telemetry.encoding import encode
from local_server.telemetry.facts import (
    ERROR,
    MANAGED_INSTANCES,
    SUCCESS,
    TIMEOUT,
    FunctionFacts,
    Invoke,
    Report,
    ResponseTimes,
    RuntimeDone,
    Span,
)

T = 1795460638.39
FN = FunctionFacts("fn", "$LATEST", "arn:fn", 256, log_format="JSON")
MANAGED = FunctionFacts("fn", "$LATEST", "arn:fn", 256, init_type=MANAGED_INSTANCES, managed=True, log_format="JSON",
                        instance_id="i-1", instance_max_memory=2**32, runtime_version="python:3.13.v9",
                        runtime_version_arn="arn:runtime")
TIMES = ResponseTimes(T, T + 0.01, T + 0.011)
INVOKES = (Invoke("r-1"), Invoke("r-2", trace_id="Root=1-a;Sampled=1", tenant_id="BlueTenant"))
JSON_LINE = '{"timestamp":"t","level":"INFO","requestId":"r-1","message":"hi"}\n'


def telemetry_batch(version, fn):
    records = [("platform.initStart", tel.init_start(version, fn, "init")),
               ("platform.initStart", tel.init_start(version, fn, "invoke")),
               ("platform.initRuntimeDone", tel.init_runtime_done(fn, "init", SUCCESS, None)),
               ("platform.initRuntimeDone", tel.init_runtime_done(fn, "init", ERROR, "Runtime.ImportModuleError")),
               ("platform.initReport", tel.init_report(fn, "init", SUCCESS, None, 12.5)),
               ("platform.initReport", tel.init_report(fn, "invoke", ERROR, "Runtime.ExitError", 12.5)),
               ("platform.extension", tel.extension("ext", "Ready", ["INVOKE", "SHUTDOWN"], None)),
               ("platform.extension", tel.extension("ext", "Failed", [], "Extension.Crash")),
               ("platform.telemetrySubscription", tel.subscription("ext", "Subscribed", ["platform", "function"])),
               ("platform.telemetrySubscription", tel.subscription("ext", "Already subscribed", ["extension"])),
               ("platform.logsDropped", tel.logs_dropped(10, 1, tel.SLOW_CONSUMER)),
               ("function", tel.log_line(version, fn, "plain\n")),
               ("function", tel.log_line(version, fn, JSON_LINE)),
               ("extension", tel.log_line(version, fn, JSON_LINE))]
    for invoke in INVOKES:
        records += [("platform.start", tel.start(version, fn, invoke))]
        for done in (RuntimeDone(SUCCESS, TIMES, T + 0.012, 16),
                     RuntimeDone(ERROR, ResponseTimes(T), T + 1, 0, "Runtime.ExitError"),
                     RuntimeDone(TIMEOUT, ResponseTimes(T), T + 3)):
            record = tel.runtime_done(fn, invoke, done)
            if record is not None:
                records.append(("platform.runtimeDone", record))
        for report in (Report(SUCCESS, 12.0, 13, 60, 100.0, extension_overhead=Span("extensionOverhead", T, 1.0),
                              times=TIMES),
                       Report(ERROR, 12.0, 13, 60, error_type="Runtime.ExitError", times=TIMES),
                       Report(TIMEOUT, 3000.0, 3000, 60)):
            records.append(("platform.report", tel.report(fn, invoke, report)))
    # Through the wire and back, as a listener reads it.
    return [json.loads(encode(tel.event(kind, record, T))) for kind, record in records]


@pytest.mark.parametrize("version", ["2022-07-01", "2022-12-13", "2025-01-29"])
@pytest.mark.parametrize("fn", [FN, MANAGED], ids=["on-demand", "managed"])
def test_every_telemetry_record_passes_the_schema(version, fn):
    batch = telemetry_batch(version, fn)
    assert problems(TELEMETRY, batch) == []
    kinds = {event["type"] for event in batch}
    assert kinds == {"platform.initStart", "platform.initRuntimeDone", "platform.initReport", "platform.start",
                     "platform.report", "platform.extension", "platform.telemetrySubscription",
                     "platform.logsDropped", "function", "extension"} | (
                         set() if fn.managed else {"platform.runtimeDone"})


@pytest.mark.parametrize("version", ["2020-08-15", "2021-03-18"])
def test_every_logs_api_record_passes_the_schema(version):
    invoke = INVOKES[1]
    records = [("platform.start", logs.start(FN, invoke)), ("platform.end", logs.end(invoke)),
               ("platform.report", logs.report(FN, invoke, Report(SUCCESS, 1.5, 2, 60, 100.0))),
               ("platform.report", logs.report(FN, invoke, Report(SUCCESS, 1.5, 2, 60))),
               ("platform.fault", logs.fault(invoke, Report(ERROR, 1, 1, 1, error_type="Runtime.ExitError"))),
               ("platform.extension", logs.extension("ext", "Ready", ["INVOKE"])),
               ("platform.logsSubscription", logs.subscription("ext", "Subscribed", ["platform", "function"])),
               ("platform.logsDropped", logs.logs_dropped(1, 1, logs.SLOW_CONSUMER)),
               ("function", "a line\n"), ("extension", "a line\n")]
    for status in (SUCCESS, ERROR, TIMEOUT):
        record = logs.runtime_done(version, invoke, RuntimeDone(status, TIMES, T + 1))
        if record is not None:
            records.append(("platform.runtimeDone", record))
    batch = [json.loads(encode(tel.event(kind, record, T))) for kind, record in records]
    assert problems(LOGS, batch) == []
    assert ("platform.runtimeDone" in {event["type"] for event in batch}) == (version == "2021-03-18")


def test_the_schemas_refuse_what_the_pages_do_not_allow():
    good = telemetry_batch("2022-12-13", FN)
    start = next(event for event in good if event["type"] == "platform.start")
    report = next(event for event in good if event["type"] == "platform.report")
    assert problems(TELEMETRY, [dict(start, time="2026-11-23T19:03:58Z")]) != []
    assert problems(TELEMETRY, [dict(start, record=dict(start["record"], requestID="x"))]) != []
    assert problems(TELEMETRY, [dict(report, record=dict(report["record"], status="ok"))]) != []
    assert problems(TELEMETRY, [dict(report, record=dict(report["record"], status="success", errorType="X"))]) != []
    assert problems(TELEMETRY, [{"time": start["time"], "type": "platform.unknown", "record": {}}]) != []
    assert problems(LOGS, [{"time": start["time"], "type": "function", "record": {"message": "x"}}]) != []
    error = {"requestId": "r", "status": "error"}  # the Logs API says "failure"
    assert problems(LOGS, [dict(start, type="platform.runtimeDone", record=error)]) != []
