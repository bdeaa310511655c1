"""The runtime loop in this process: `Runtime(config, client, environ).serve(n)` and `main()`.

A real RuntimeApiClient talks to the in-process fake Runtime API (tests/kit/fake_api.py), so
the loop, the client and the wire are all exercised without starting a process; the
subprocess tests show the same behaviour from outside. `Runtime.init` changes state of
the whole interpreter (sys.path, the root logger, imported modules): the `isolated`
fixture puts all of it back.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import tracemalloc
from pathlib import Path

import lambda_runtime
import pytest
from kit.paths import HANDLERS
from kit.runtime_process import environment
from kit.scripted_server import Exchange, ScriptedServer
from kit.source_lines import line_of
from lambda_runtime import api_client
from lambda_runtime.error_reports import UNHANDLED_EXCEPTION_WARNING
from lambda_runtime.loop import main

CASES = str(HANDLERS / "cases.py")
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
NEXT_PATH = "/2018-06-01/runtime/invocation/next"
EXECUTION_ENV = f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}"


def error_record(error_type: str, message: str, stack: list) -> str:
    """An error report as the TEXT log shows it: one record, lines joined by CR, indents kept."""
    lines = [f"[ERROR] {error_type}: {message}", "Traceback (most recent call last):"]
    for element in stack:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\r".join(lines) + "\n"


def xray_cause(error_type: str, message: str, stack: list) -> str:
    return json.dumps({"working_directory": os.getcwd(),
                       "exceptions": [{"message": message, "type": error_type, "stack": stack}],
                       "paths": list(dict.fromkeys(frame["path"] for frame in stack))})


# --- invocations ------------------------------------------------------------------------------


def test_serve_1_answers_exactly_one_event(api, make_runtime, capsys):
    runtime = make_runtime("cases.echo")
    assert runtime.init() is True
    api.queue_event({"k": [1, None, "é"]}, request_id="req-1")
    runtime.serve(1)
    post = api.next_post()
    assert (post.kind, post.request_id, post.status, post.body, post.headers["content-type"]) == (
        "response", "req-1", 202, b'{"k": [1, null, "\\u00e9"]}', "application/json")
    assert api.next_calls == 1  # served one, asked for no other
    assert capsys.readouterr() == ("", "")


def test_module_state_is_kept_across_warm_invocations(api, make_runtime):
    runtime = make_runtime("cases.counter")
    runtime.init()
    for _ in range(3):
        api.queue_event({})
    runtime.serve(3)
    assert [api.next_post().body for _ in range(3)] == [b"1", b"2", b"3"]


def test_a_handler_exception_is_posted_with_its_xray_cause_and_logged(api, make_runtime, capsys):
    runtime = make_runtime("cases.raise_error")
    runtime.init()
    api.queue_event("x", request_id="req-err")
    api.queue_event("y", request_id="req-2")
    runtime.serve(2)  # the loop goes on after an exception
    first, second = api.next_post(), api.next_post()
    call, raised = line_of(CASES, "    _inner(event)"), line_of(CASES, '    raise ValueError(f"bad value: {value}")')
    stack = [f'  File "{CASES}", line {call}, in raise_error\n    _inner(event)\n',
             f'  File "{CASES}", line {raised}, in _inner\n    raise ValueError(f"bad value: {{value}}")\n']
    error = {"errorMessage": "bad value: x", "errorType": "ValueError", "requestId": "req-err", "stackTrace": stack}
    assert (first.kind, first.status, first.body) == ("error", 202, json.dumps(error).encode())
    assert first.headers["lambda-runtime-function-error-type"] == "ValueError"
    assert first.headers["lambda-runtime-function-xray-error-cause"] == xray_cause("ValueError", "bad value: x", [
        {"label": "raise_error", "path": CASES, "line": call}, {"label": "_inner", "path": CASES, "line": raised}])
    assert (second.request_id, second.json()["errorMessage"]) == ("req-2", "bad value: y")
    out = capsys.readouterr().out
    assert out == (error_record("ValueError", "bad value: x", stack)
                   + error_record("ValueError", "bad value: y", stack))


def test_an_oversized_result_is_a_clean_error_and_the_loop_goes_on(api, make_runtime, capsys):
    runtime = make_runtime("cases.sized")
    runtime.init()
    api.queue_event({"size": 6_291_556}, request_id="req-big")  # 6,291,558 bytes with the quotes
    api.queue_event({"size": 6_291_554}, request_id="req-max")  # exactly the limit
    runtime.serve(2)
    too_large, at_limit = api.next_post(), api.next_post()
    message = ("Response payload size (6291558 bytes) exceeded maximum allowed payload size "
               "(6291556 bytes).")
    assert (too_large.kind, too_large.body) == ("error", json.dumps({
        "errorMessage": message, "errorType": "Function.ResponseSizeTooLarge", "requestId": "req-big",
        "stackTrace": []}).encode())
    assert too_large.headers["lambda-runtime-function-error-type"] == "Function.ResponseSizeTooLarge"
    assert too_large.headers["lambda-runtime-function-xray-error-cause"] == xray_cause(
        "LambdaValidationError", message, [])
    assert (at_limit.kind, at_limit.status, at_limit.body) == ("response", 202, b'"' + b"x" * 6_291_554 + b'"')
    assert capsys.readouterr().out == error_record("Function.ResponseSizeTooLarge", message, [])


@pytest.mark.parametrize("handler,kind,refusal", [
    ("cases.echo", "response", "close_on_handout"),
    ("cases.raise_error", "error", "close_on_handout"),
    ("cases.echo", "response", "max_buffered"),
])
def test_a_refused_post_is_one_line_on_stderr_and_the_loop_goes_on(api, make_runtime, capsys, handler, kind, refusal):
    runtime = make_runtime(handler)
    runtime.init()
    if refusal == "close_on_handout":
        api.close_on_handout = True  # as if the invocation timed out while the handler ran: 403
        status, error_type = 403, "InvalidStateTransition"
    else:
        api.max_buffered = 2  # the result is larger: 413
        status, error_type = 413, "RequestEntityTooLarge"
    api.queue_event("refused", request_id="req-r")
    runtime.serve(1)
    api.close_on_handout, api.max_buffered = False, 6_291_556
    api.queue_event("served", request_id="req-s")
    runtime.serve(1)
    assert [(p.kind, p.request_id, p.status) for p in (api.next_post(), api.next_post())] == [
        (kind, "req-r", status), (kind, "req-s", 202)]
    assert capsys.readouterr().err == (
        f"lambda-runtime: POST /2018-06-01/runtime/invocation/req-r/{kind} was refused with HTTP {status}: "
        f'{{"errorType": "{error_type}", "errorMessage": "fake {status}"}}\n')


def test_the_trace_id_is_set_for_its_invocation_and_removed_after(api, make_runtime, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-stale")  # left in the environment from before
    monkeypatch.setenv("AWS_EXECUTION_ENV", EXECUTION_ENV)  # init would add it to os.environ
    for name, value in environment(api.address, "cases.context_info").items():
        monkeypatch.setenv(name, value)
    runtime = make_runtime("cases.context_info", environ=os.environ)  # the handler reads os.environ
    runtime.init()
    api.queue_event({})
    api.queue_event({}, headers={"Lambda-Runtime-Trace-Id": "Root=1-a;Sampled=1"})
    api.queue_event({})
    traces = []
    for _ in range(3):
        runtime.serve(1)
        traces.append((api.next_post().json()["trace"], os.environ.get("_X_AMZN_TRACE_ID")))
    assert traces == [(None, None), ("Root=1-a;Sampled=1", "Root=1-a;Sampled=1"), (None, None)]


def test_a_system_exit_in_a_handler_ends_the_loop(api, make_runtime):
    runtime = make_runtime("cases.exit_now")
    runtime.init()
    api.queue_event({"code": 7})
    with pytest.raises(SystemExit) as exited:
        runtime.serve(1)
    assert exited.value.code == 7
    assert api.posts.empty()  # nothing posted: the platform reports Runtime.ExitError


# --- init -------------------------------------------------------------------------------------


def test_init_imports_the_handler_before_any_event(api, make_runtime):
    environ = environment(api.address, "cases.echo")
    runtime = make_runtime("cases.echo", environ=environ)
    assert runtime.init() is True
    assert runtime.invoke is not None and runtime.invoke.handler is sys.modules["cases"].echo
    assert api.next_calls == 0 and api.posts.empty()
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert sys.path[:3] == [str(HANDLERS), f"/opt/python/lib/{version}/site-packages", "/opt/python"]
    assert environ["AWS_EXECUTION_ENV"] == EXECUTION_ENV
    assert [type(h).__name__ for h in logging.getLogger().handlers].count("LambdaLoggerHandler") == 1


INIT_FAILURES = [
    # (files, handler, errorType, errorMessage, stackTrace given the task root)
    ({}, "app", "Runtime.MalformedHandlerName",
     "Bad handler 'app': not enough values to unpack (expected 2, got 1)", lambda root: []),
    ({}, "sys.handler", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module",
     lambda root: []),
    ({}, "missing.handler", "Runtime.ImportModuleError",
     "Unable to import module 'missing': No module named 'missing'", lambda root: []),
    ({"app.py": "import not_installed\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'not_installed'", lambda root: []),
    ({"app.py": "import helper\n", "helper.py": "def f(:\n    pass\n"}, "app.handler", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'app': invalid syntax (helper.py, line 1)",
     lambda root: [f'  File "{root}/helper.py" Line 1\n    def f(:\n']),
    ({"app.py": "x = 1\n"}, "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'",
     lambda root: []),
    ({"app.py": "import settings\n", "settings.py": "def load():\n    raise KeyError('TABLE')\nload()\n"},
     "app.handler", "KeyError", "'TABLE'",
     lambda root: [f'  File "{root}/app.py", line 1, in <module>\n    import settings\n',
                   f'  File "{root}/settings.py", line 3, in <module>\n    load()\n',
                   f'  File "{root}/settings.py", line 2, in load\n    raise KeyError(\'TABLE\')\n']),
]


INIT_IDS = [case[2] + ("-inside" if "not_installed" in str(case[0]) else "") for case in INIT_FAILURES]


@pytest.mark.parametrize("files,handler,error_type,message,stack", INIT_FAILURES, ids=INIT_IDS)
def test_each_init_failure_is_posted_to_init_error_and_logged(
        api, make_runtime, isolated, capsys, files, handler, error_type, message, stack):
    task_root = isolated / "task"
    task_root.mkdir()
    for name, text in files.items():
        (task_root / name).write_text(text)
    runtime = make_runtime(handler, task_root=task_root)
    assert runtime.init() is False
    post = api.next_post()
    error = {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": stack(task_root)}
    assert (post.kind, post.status, post.body) == ("init_error", 202, json.dumps(error).encode())
    assert post.headers["lambda-runtime-function-error-type"] == error_type
    assert "lambda-runtime-function-xray-error-cause" not in post.headers
    assert api.next_calls == 0
    out, err = capsys.readouterr()
    warning, record = out[:out.index("[ERROR]")], out[out.index("[ERROR]"):]
    assert re.fullmatch(rf"\[WARNING\]\t{STAMP}\t\t{re.escape(UNHANDLED_EXCEPTION_WARNING)}\n", warning)
    assert record == error_record(error_type, message, stack(task_root))
    assert err == ""


def test_an_init_error_the_api_refuses_is_one_line_on_stderr(make_runtime, capsys):
    server = ScriptedServer([Exchange(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\n\r\nalready running")])
    try:
        runtime = make_runtime("app", address=server.address)
        assert runtime.init() is False
        server.finish()
    finally:
        server.stop()
    error = {"errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
             "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}
    ((_, request),) = server.requests
    assert request.startswith(b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\n")
    assert request.endswith(b"\r\n\r\n" + json.dumps(error).encode())
    assert capsys.readouterr().err == (
        "lambda-runtime: the init error was not accepted: POST /2018-06-01/runtime/init/error was refused "
        "with HTTP 403: already running\n")


def test_json_logs_show_an_init_failure_as_two_records(api, make_runtime, capsys):
    environ = environment(api.address, "app", AWS_LAMBDA_LOG_FORMAT="JSON")
    assert make_runtime("app", environ=environ).init() is False
    warning, error = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", warning.pop("timestamp"))
    assert warning == {"level": "WARNING", "message": UNHANDLED_EXCEPTION_WARNING, "logger": "root", "requestId": ""}
    assert list(error) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert {**error, "timestamp": ""} == {
        "timestamp": "", "level": "ERROR", "errorType": "Runtime.MalformedHandlerName",
        "errorMessage": "Bad handler 'app': not enough values to unpack (expected 2, got 1)", "requestId": "",
        "stackTrace": []}
    assert api.next_post().kind == "init_error"


def test_json_log_records_of_an_invocation_carry_its_request_and_tenant(api, make_runtime, capsys):
    environ = environment(api.address, "cases.logs", AWS_LAMBDA_LOG_FORMAT="JSON")
    runtime = make_runtime("cases.logs", environ=environ)
    runtime.init()
    api.queue_event({}, request_id="req-t", headers={"Lambda-Runtime-Aws-Tenant-Id": "tenant-7"})
    runtime.serve(1)
    assert api.next_post().body == b'"logged"'
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    error = next(record for record in records if record["message"] == "error record")
    assert list(error) == ["timestamp", "level", "message", "logger", "requestId", "tenantId", "order"]
    assert {**error, "timestamp": ""} == {"timestamp": "", "level": "ERROR", "message": "error record",
                                          "logger": "cases", "requestId": "req-t", "tenantId": "tenant-7",
                                          "order": 7}


# --- main() -----------------------------------------------------------------------------------


def test_main_without_an_api_address_exits_1_with_one_line(capsys):
    assert main(["bootstrap"], {}) == 1
    assert capsys.readouterr() == ("", (
        "lambda-runtime: AWS_LAMBDA_RUNTIME_API is not set: start this under Lambda or the Runtime "
        "Interface Emulator (/lambda-entrypoint.sh does that)\n"))


def test_main_with_a_malformed_api_address_exits_1_with_one_line(capsys):
    assert main(["bootstrap"], {"AWS_LAMBDA_RUNTIME_API": "no-port"}) == 1
    assert capsys.readouterr() == ("", "lambda-runtime: AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got 'no-port'\n")


def test_main_gives_up_on_an_api_that_never_listens_with_one_line(isolated, capsys, monkeypatch):
    monkeypatch.setattr(api_client, "STARTUP_RETRY_SECONDS", 0.05)  # injected: no real 3 s wait
    with socket.socket() as bound:  # a port that is taken and never listens: refused, no race
        bound.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{bound.getsockname()[1]}"
        assert main(["bootstrap"], environment(address, "cases.echo")) == 1
    assert capsys.readouterr() == ("", f"lambda-runtime: cannot reach the Runtime API at {address}: "
                                       "[Errno 111] Connection refused (retried for 0.05 s)\n")


def test_main_exits_1_after_an_init_error(api, isolated, capsys):
    assert main(["bootstrap"], environment(api.address, "app")) == 1
    assert (api.next_post().kind, api.next_calls) == ("init_error", 0)
    assert capsys.readouterr().err == ""


def test_main_serves_the_handler_named_in_argv_until_the_api_fails(isolated, capsys):
    body = b'{"n": 1}'
    event = (b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-m\r\nContent-Type: application/json\r\n"
             b"Content-Length: 8\r\n\r\n" + body)
    accepted = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    down = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\ndown"
    server = ScriptedServer([Exchange(event), Exchange(accepted), Exchange(down)])
    try:
        environ = environment(server.address, "nothere.handler")  # argv wins over _HANDLER, as in AWS's images
        assert main(["bootstrap", "cases.echo"], environ) == 1
        server.finish()
    finally:
        server.stop()
    assert [request.split(b"\r\n", 1)[0] for _, request in server.requests] == [
        f"GET {NEXT_PATH} HTTP/1.1".encode(), b"POST /2018-06-01/runtime/invocation/req-m/response HTTP/1.1",
        f"GET {NEXT_PATH} HTTP/1.1".encode()]
    assert server.requests[1][1].endswith(b"\r\n\r\n" + body)
    assert capsys.readouterr().err == f"lambda-runtime: the Runtime API answered GET {NEXT_PATH} with HTTP 500: down\n"


# --- memory -----------------------------------------------------------------------------------


@pytest.mark.parametrize("handler", ["cases.echo", "cases.raise_error"])
def test_the_loop_keeps_no_memory_across_warm_invocations(api, make_runtime, capsys, handler):
    # tracemalloc counts the bytes still held that runtime/ code allocated: exact, unlike RSS.
    runtime = make_runtime(handler)
    runtime.init()
    event = {"records": [{"id": i, "body": "x" * 100} for i in range(20)]}

    def run(n):
        for _ in range(n):
            api.queue_event(event)
        runtime.serve(n)
        assert {api.next_post().status for _ in range(n)} == {202}
        capsys.readouterr()  # the error reports: kept by pytest, not by the runtime

    run(200)  # warm: caches, lazily built tables
    only_runtime = [tracemalloc.Filter(True, str(Path(lambda_runtime.__file__).parent / "*"))]
    tracemalloc.start()
    try:
        run(100)
        before = tracemalloc.take_snapshot().filter_traces(only_runtime)
        run(500)
        after = tracemalloc.take_snapshot().filter_traces(only_runtime)
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "lineno"))
    assert growth < 2048, [str(stat) for stat in after.compare_to(before, "lineno")[:5]]  # < 4 B an invocation


def test_main_ends_quietly_when_the_api_goes_away_between_invocations(isolated, capsys):
    # How SAM CLI ends a container: the API closes while the runtime waits for work.
    body = b'{"n": 1}'
    event = (b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-q\r\nContent-Type: application/json\r\n"
             b"Content-Length: 8\r\n\r\n" + body)
    accepted = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    server = ScriptedServer([Exchange(event), Exchange(accepted), Exchange(b"", close=True)])
    try:
        assert main(["bootstrap", "cases.echo"], environment(server.address, "cases.echo")) == 0
        server.finish()
    finally:
        server.stop()
    assert capsys.readouterr() == ("", "")


def test_serve_before_a_successful_init_is_a_programming_error(make_runtime):
    with pytest.raises(RuntimeError) as err:
        make_runtime("cases.echo").serve(1)
    assert str(err.value) == "Runtime.serve() before a successful init()"


def test_a_refused_extension_registration_is_one_clear_error(isolated, capsys):
    refused = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 12\r\n\r\nnot allowed!"
    server = ScriptedServer([Exchange(refused)])
    try:
        environ = environment(server.address, "cases.echo", LAMBDA_ENABLE_SIGTERM="true")
        assert main(["bootstrap"], environ) == 1
        server.finish()
    finally:
        server.stop()
    assert capsys.readouterr().err == ("lambda-runtime: the Runtime API answered POST /2020-01-01/extension/register "
                                       "with HTTP 403: not allowed!\n")
