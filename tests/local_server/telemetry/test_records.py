"""Every record the Telemetry API and the Logs API send, exactly, per schema version."""

import pytest

from local_server.telemetry import logs_records as logs
from local_server.telemetry import telemetry_records as tel
from local_server.telemetry.facts import (
    ERROR,
    FAILURE,
    MANAGED_INSTANCES,
    SUCCESS,
    TIMEOUT,
    FunctionFacts,
    Invoke,
    Report,
    ResponseTimes,
    RuntimeDone,
    Span,
    fault_status,
)

T = 1795460638.39  # 2026-11-23T19:03:58.390Z
FN = FunctionFacts("fn", "$LATEST", "arn:aws:lambda:us-east-1:012345678912:function:fn", 256)
JSON_FN = FunctionFacts("fn", "$LATEST", "arn:fn", 256, log_format="JSON")
MANAGED = FunctionFacts("fn", "$LATEST", "arn:fn", 256, init_type=MANAGED_INSTANCES, managed=True,
                        instance_id="i-1", instance_max_memory=4_294_967_296, runtime_version="python:3.13.v9",
                        runtime_version_arn="arn:aws:lambda:us-east-1::runtime:abc")
INVOKE = Invoke("r-1")
TRACED = Invoke("r-2", trace_id="Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", tenant_id="BlueTenant")
TIMES = ResponseTimes(delivered=T, response_started=T + 0.0105, response_finished=T + 0.0125)
DONE = RuntimeDone(SUCCESS, TIMES, done=T + 0.0131, produced_bytes=16)
VERSIONS = ("2022-07-01", "2022-12-13", "2025-01-29")


def test_time_format():
    assert tel.iso_time(T) == "2026-11-23T19:03:58.390Z"
    assert tel.iso_time(1665532815.0649) == "2022-10-12T00:00:15.064Z"  # cut, not rounded (Go)
    # The second's text is kept between calls: each call still tells its own second.
    assert [tel.iso_time(t) for t in (T, T + 0.5, T + 0.61, T + 86400, T)] == [
        "2026-11-23T19:03:58.390Z", "2026-11-23T19:03:58.890Z", "2026-11-23T19:03:59.000Z",
        "2026-11-24T19:03:58.390Z", "2026-11-23T19:03:58.390Z"]
    # Seconds and milliseconds come from the same count: no time a second early at its end.
    assert tel.iso_time(1795460638.9999999) == "2026-11-23T19:03:59.000Z"
    assert tel.event("platform.start", {"requestId": "r"}, T) == {
        "time": "2026-11-23T19:03:58.390Z", "type": "platform.start", "record": {"requestId": "r"}}


@pytest.mark.parametrize("version", VERSIONS[:2])
def test_init_start_before_2025(version):
    assert tel.init_start(version, MANAGED, "init") == {
        "initializationType": "lambda-managed-instances", "phase": "init", "functionName": "fn",
        "functionVersion": "$LATEST", "runtimeVersion": "python:3.13.v9",
        "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:abc"}


def test_init_start_2025_01_29():
    assert tel.init_start("2025-01-29", FN, "init") == {
        "initializationType": "on-demand", "phase": "init", "functionName": "fn", "functionVersion": "$LATEST"}
    assert tel.init_start("2025-01-29", MANAGED, "invoke") == {
        "initializationType": "lambda-managed-instances", "phase": "invoke", "functionName": "fn",
        "functionVersion": "$LATEST", "runtimeVersion": "python:3.13.v9",
        "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:abc", "instanceId": "i-1",
        "instanceMaxMemory": 4_294_967_296}


def test_init_done_and_report():
    assert tel.init_runtime_done(FN, "init", SUCCESS, None) == {
        "initializationType": "on-demand", "phase": "init", "status": "success"}
    assert tel.init_runtime_done(FN, "init", ERROR, "Runtime.ImportModuleError") == {
        "initializationType": "on-demand", "phase": "init", "status": "error", "errorType": "Runtime.ImportModuleError"}
    assert tel.init_report(FN, "init", SUCCESS, None, 173.77849) == {
        "initializationType": "on-demand", "phase": "init", "status": "success", "metrics": {"durationMs": 173.778}}
    assert tel.init_report(FN, "invoke", TIMEOUT, "Sandbox.Timedout", 10000.0) == {
        "initializationType": "on-demand", "phase": "invoke", "status": "timeout", "metrics": {"durationMs": 10000.0}}


def test_start():
    assert tel.start("2022-12-13", FN, INVOKE) == {"requestId": "r-1", "version": "$LATEST"}
    assert tel.start("2022-07-01", FN, TRACED) == {
        "requestId": "r-2", "tenantId": "BlueTenant", "version": "$LATEST",
        "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}}
    assert tel.start("2025-01-29", FN, INVOKE) == {
        "requestId": "r-1", "version": "$LATEST", "functionArn": "arn:aws:lambda:us-east-1:012345678912:function:fn"}


def test_runtime_done_with_its_metrics_and_spans():
    assert tel.runtime_done(FN, INVOKE, DONE) == {
        "requestId": "r-1", "status": "success", "metrics": {"durationMs": 13.1, "producedBytes": 16},
        "spans": [{"name": "responseLatency", "start": "2026-11-23T19:03:58.390Z", "durationMs": 10.5},
                  {"name": "responseDuration", "start": "2026-11-23T19:03:58.400Z", "durationMs": 2.0},
                  {"name": "runtimeOverhead", "start": "2026-11-23T19:03:58.402Z", "durationMs": 0.6}]}


def test_runtime_done_of_a_crash_has_no_spans():
    crashed = RuntimeDone(fault_status("Runtime.ExitError"), ResponseTimes(T), done=T + 0.25,
                          error_type="Runtime.ExitError")
    assert tel.runtime_done(FN, TRACED, crashed) == {
        "requestId": "r-2", "tenantId": "BlueTenant", "status": "error", "errorType": "Runtime.ExitError",
        "metrics": {"durationMs": 250.0, "producedBytes": 0},
        "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}}
    assert fault_status("Sandbox.Failure") == FAILURE
    # A timeout carries no errorType ("If the status is either failure or error ...").
    timed_out = RuntimeDone(TIMEOUT, ResponseTimes(T), done=T + 3, error_type="Sandbox.Timedout")
    assert tel.runtime_done(FN, INVOKE, timed_out) == {
        "requestId": "r-1", "status": "timeout", "metrics": {"durationMs": 3000.0, "producedBytes": 0}}


def test_managed_instances_have_no_runtime_done():
    assert tel.runtime_done(MANAGED, INVOKE, DONE) is None


def test_report():
    report = Report(SUCCESS, 11.6421, 186, 67, init_duration_ms=174.0554,
                    extension_overhead=Span("extensionOverhead", T + 0.02, 1.25))
    assert tel.report(FN, INVOKE, report) == {
        "requestId": "r-1", "status": "success",
        "metrics": {"durationMs": 11.642, "billedDurationMs": 186, "memorySizeMB": 256, "maxMemoryUsedMB": 67,
                    "initDurationMs": 174.055},
        "spans": [{"name": "extensionOverhead", "start": "2026-11-23T19:03:58.410Z", "durationMs": 1.25}]}
    failed = Report(ERROR, 5.0, 5, 60, error_type="Runtime.ExitError")
    assert tel.report(FN, TRACED, failed) == {
        "requestId": "r-2", "tenantId": "BlueTenant", "status": "error", "errorType": "Runtime.ExitError",
        "metrics": {"durationMs": 5.0, "billedDurationMs": 5, "memorySizeMB": 256, "maxMemoryUsedMB": 60},
        "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}}


def test_managed_instance_report():
    # Only metrics.durationMs, and the spans responseLatency and responseDuration (schema reference).
    report = Report(SUCCESS, 13.1004, 14, 70, init_duration_ms=100.0, times=TIMES)
    assert tel.report(MANAGED, INVOKE, report) == {
        "requestId": "r-1", "status": "success", "metrics": {"durationMs": 13.1},
        "spans": [{"name": "responseLatency", "start": "2026-11-23T19:03:58.390Z", "durationMs": 10.5},
                  {"name": "responseDuration", "start": "2026-11-23T19:03:58.400Z", "durationMs": 2.0}]}


def test_extension_subscription_and_dropped_records():
    assert tel.extension("otel", "Ready", ["INVOKE", "SHUTDOWN"], None) == {
        "name": "otel", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}
    assert tel.extension("bad", "Failed", [], "Extension.Crash") == {
        "name": "bad", "state": "Failed", "events": [], "errorType": "Extension.Crash"}
    assert tel.subscription("otel", "Subscribed", ["platform", "function"]) == {
        "name": "otel", "state": "Subscribed", "types": ["platform", "function"]}
    assert tel.logs_dropped(12345, 123, tel.SLOW_CONSUMER) == {
        "droppedBytes": 12345, "droppedRecords": 123,
        "reason": "Some logs were dropped because the downstream consumer is slower than the logs production rate"}


def test_log_lines_are_strings_before_2022_12_13_and_in_text_format():
    line = '{"timestamp":"2026-11-23T19:03:58Z","level":"INFO","requestId":"r-1","message":"hi"}\n'
    assert tel.log_line("2022-07-01", JSON_FN, line) == line
    for version in VERSIONS:
        assert tel.log_line(version, FN, line) == line
        assert tel.log_line(version, JSON_FN, "[INFO] Hello world\n") == "[INFO] Hello world\n"
        assert tel.log_line(version, JSON_FN, "[1, 2]\n") == "[1, 2]\n"
    for version in VERSIONS[1:]:
        assert tel.log_line(version, JSON_FN, line) == {
            "timestamp": "2026-11-23T19:03:58Z", "level": "INFO", "requestId": "r-1", "message": "hi"}


def test_logs_api_records():
    assert logs.start(FN, TRACED) == {"requestId": "r-2", "version": "$LATEST"}
    assert logs.end(INVOKE) == {"requestId": "r-1"}
    assert logs.report(FN, INVOKE, Report(SUCCESS, 537.6789, 538, 92, init_duration_ms=397.68)) == {
        "requestId": "r-1", "metrics": {"durationMs": 537.679, "billedDurationMs": 538, "memorySizeMB": 256,
                                        "maxMemoryUsedMB": 92, "initDurationMs": 397.68}}
    assert logs.extension("otel-extension", "Ready", ["INVOKE", "SHUTDOWN"]) == {
        "name": "otel-extension", "state": "Ready", "events": ["INVOKE", "SHUTDOWN"]}
    assert logs.subscription("otel-extension", "Subscribed", ["platform"]) == {
        "name": "otel-extension", "state": "Subscribed", "types": ["platform"]}
    assert logs.logs_dropped(1, 2, logs.SLOW_CONSUMER) == {
        "reason": "Consumer seems to have fallen behind as it has not acknowledged receipt of logs.",
        "droppedRecords": 2, "droppedBytes": 1}


def test_logs_api_runtime_done_only_with_2021_03_18():
    assert logs.runtime_done("2020-08-15", INVOKE, DONE) is None
    assert logs.runtime_done("2021-03-18", INVOKE, DONE) == {"requestId": "r-1", "status": "success"}
    for status, shown in ((ERROR, "failure"), (FAILURE, "failure"), (TIMEOUT, "timeout")):
        done = RuntimeDone(status, ResponseTimes(T), done=T + 1, error_type="X")
        assert logs.runtime_done("2021-03-18", INVOKE, done) == {"requestId": "r-1", "status": shown}


def test_logs_api_fault():
    assert logs.fault(INVOKE, Report(SUCCESS, 1, 1, 1)) is None
    assert logs.fault(INVOKE, Report(ERROR, 1, 1, 1, error_type="ValueError", function_error=True)) is None
    assert logs.fault(INVOKE, Report(ERROR, 1, 1, 1, error_type="Runtime.ExitError")) == (
        "RequestId: r-1 Status: error\tErrorType: Runtime.ExitError")
    timed_out = Report(TIMEOUT, 1, 1, 1, error_type="Sandbox.Timedout")
    assert logs.fault(INVOKE, timed_out) == "RequestId: r-1 Status: timeout"
