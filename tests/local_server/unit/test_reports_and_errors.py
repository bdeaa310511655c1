"""The platform's lines and Lambda's error answers, exactly."""

import json
import signal

import pytest

from local_server.wire import lambda_errors
from local_server.wire.platform_log import ERROR, SUCCESS, TIMEOUT, Platform, billed_ms, iso_time, megabytes

TEXT = Platform("Text", "fn", "$LATEST", 256)
JSON = Platform("JSON", "fn", "$LATEST", 256)
T = 1795460638.39


def test_text_lines():
    assert TEXT.start("id-1", T) == b"START RequestId: id-1 Version: $LATEST\n"
    assert TEXT.end("id-1", T, 1.5, SUCCESS, None, 2) == b"END RequestId: id-1\n"
    assert TEXT.report("id-1", T, 16.004, 133.861, 66_000, SUCCESS, None) == (
        b"REPORT RequestId: id-1\tDuration: 16.00 ms\tBilled Duration: 150 ms\tMemory Size: 256 MB\t"
        b"Max Memory Used: 65 MB\tInit Duration: 133.86 ms\t\n")
    assert TEXT.report("id-1", T, 3000.0, None, 1024, TIMEOUT, "Sandbox.Timedout") == (
        b"REPORT RequestId: id-1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 256 MB\t"
        b"Max Memory Used: 1 MB\tStatus: timeout\n")
    assert TEXT.report("id-1", T, 1.0, None, 1024, ERROR, "Runtime.ExitError").endswith(
        b"\tStatus: error\tError Type: Runtime.ExitError\n")
    assert TEXT.report("id-1", T, 1.0, None, 1024, ERROR, "ValueError", function_error=True).endswith(b" MB\t\n")


def test_text_init_lines_only_when_init_failed():
    assert TEXT.init_start(T) == b""
    assert TEXT.init_done(T, 12.3, SUCCESS, None) == b""
    assert TEXT.init_done(T, 12.345, ERROR, "Runtime.ImportModuleError") == (
        b"INIT_REPORT Init Duration: 12.35 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n")


def test_json_records():
    records = [json.loads(line) for line in (JSON.init_start(T) + JSON.init_done(T, 173.7784, SUCCESS, None)
                                             + JSON.start("r", T) + JSON.end("r", T, 11.1854, SUCCESS, None, 40)
                                             + JSON.report("r", T, 11.642, 174.055, 68_000, SUCCESS, None)
                                             ).splitlines()]
    assert records == [
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.initStart", "record": {
            "initializationType": "on-demand", "phase": "init", "functionName": "fn", "functionVersion": "$LATEST"}},
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.initRuntimeDone", "record": {
            "initializationType": "on-demand", "phase": "init", "status": "success"}},
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.initReport", "record": {
            "initializationType": "on-demand", "phase": "init", "status": "success",
            "metrics": {"durationMs": 173.778}}},
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.start", "record": {"requestId": "r",
                                                                                   "version": "$LATEST"}},
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.runtimeDone", "record": {
            "requestId": "r", "status": "success", "metrics": {"durationMs": 11.185, "producedBytes": 40}}},
        {"time": "2026-11-23T19:03:58.390Z", "type": "platform.report", "record": {
            "requestId": "r", "status": "success", "metrics": {
                "durationMs": 11.642, "billedDurationMs": 186, "memorySizeMB": 256, "maxMemoryUsedMB": 67,
                "initDurationMs": 174.055}}}]
    timeout = json.loads(JSON.report("r", T, 5000.0, None, 96_000, TIMEOUT, "Sandbox.Timedout"))
    assert timeout["record"] == {"requestId": "r", "status": "timeout", "errorType": "Sandbox.Timedout", "metrics": {
        "durationMs": 5000.0, "billedDurationMs": 5000, "memorySizeMB": 256, "maxMemoryUsedMB": 94}}


def test_numbers():
    assert billed_ms(3000.0, 67.49) == 3068  # init billed with the duration: docs/facts.md L2
    assert billed_ms(0.2, None) == 1
    assert megabytes(1) == 1 and megabytes(1024) == 1 and megabytes(1025) == 2
    assert iso_time(0.0) == "1970-01-01T00:00:00.000Z"


def test_lambda_error_bodies():
    assert lambda_errors.timed_out("r-1", 3) == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: r-1 Error: Task timed out after 3.00 seconds"}')
    assert lambda_errors.runtime_exited("r-1", 129) == (
        b'{"errorType":"Runtime.ExitError","errorMessage":"RequestId: r-1 Error: Runtime exited with error: '
        b'exit status 129"}')
    assert json.loads(lambda_errors.runtime_exited("r-1", 0))["errorMessage"] == (
        "RequestId: r-1 Error: Runtime exited without providing a reason")
    assert lambda_errors.response_too_large(7_000_000) == (
        b'{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (7000000 bytes) '
        b'exceeded maximum allowed payload size (6291556 bytes)."}')


@pytest.mark.parametrize("code,text", [(0, "exit status 0"), (1, "exit status 1"), (-signal.SIGKILL, "signal: killed"),
                                       (-signal.SIGSEGV, "signal: segmentation fault"),
                                       (-signal.SIGTERM, "signal: terminated"), (-signal.SIGABRT, "signal: aborted")])
def test_exit_reasons_as_go_writes_them(code, text):
    assert lambda_errors.exit_reason(code) == text


def test_api_errors():
    assert lambda_errors.too_many_requests() == (429, [("X-Amzn-ErrorType", "TooManyRequestsException"), (
        "Content-Type", "application/json")], b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded",'
                                              b'"Type":"User","message":"Rate Exceeded."}')
    status, headers, body = lambda_errors.request_too_large(7_000_000)
    assert (status, headers[0], json.loads(body)) == (413, ("X-Amzn-ErrorType", "RequestEntityTooLargeException"), {
        "Type": "User", "message": "Request must be smaller than 6291456 bytes for the InvokeFunction operation"})
    assert lambda_errors.error_type_of(b'{"errorType": "X"}') == "X"
    assert lambda_errors.error_type_of(b"nope") == "Unhandled"
