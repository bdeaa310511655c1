"""Our runtime and awslambdaric 4.2.x, side by side against the same kind of fake Runtime API.

Each case runs the same handler on the same events through both runtimes and compares
what they post: kind (response or error), body, content type, X-Ray cause, and the
error record in the log. The deliberate differences are the tests at the end; each
one checks that the difference is real, and docs/runtime.md lists them with their reasons.
"""

from __future__ import annotations

import json

import awslambdaric
import pytest
from kit.fake_api import FakeRuntimeApi
from kit.paths import HANDLERS
from kit.runtime_process import RuntimeProcess, ours, run_events
from kit.runtime_process import awslambdaric as reference

assert awslambdaric.__version__.startswith("4.2."), awslambdaric.__version__


def run_both(tmp_path, handler, events, task_root=HANDLERS, env=None):
    """[(ours posts, ours process), (reference posts, reference process)] for the same events."""
    return [run_events(command, handler, task_root, tmp_path, events, env) for command in (ours, reference)]


def comparable(post):
    cause = post.headers.get("lambda-runtime-function-xray-error-cause")
    if cause:
        cause = json.loads(cause)
        cause["paths"] = sorted(cause["paths"])  # awslambdaric builds it from a set: no order
    return (post.kind, post.status, post.body, post.headers.get("content-type"), cause,
            post.headers.get("lambda-runtime-invocation-id"))


def error_records(stdout):
    return [line for line in stdout.split("\n") if line.startswith("[ERROR]")]


SAME = [
    ("cases.echo", [{"event": {"a": [1, 2.5, None, True], "é": "ü"}}, {"event": "text"}, {"event": None}]),
    ("cases.echo", [{"event": {"x": 1}, "headers": {"Lambda-Runtime-Invocation-Id": "inv-1"}}]),
    ("cases.counter", [{"event": {}}, {"event": {}}, {"event": {}}]),
    ("cases.nothing", [{"event": {}}]),
    ("cases.binary", [{"event": {}}]),
    ("cases.text", [{"event": {}}]),
    ("cases.decimals", [{"event": {}}]),
    ("cases.mixed", [{"event": {}}]),
    ("cases.bytes_event", [{"body": b"\x00\x01raw", "content_type": "application/octet-stream"}]),
    ("cases.raise_error", [{"event": "x"}, {"event": "y"}]),
    ("cases.raise_custom", [{"event": {}}]),
    ("cases.raise_unicode", [{"event": {}}]),
    ("cases.unserialisable", [{"event": {}}]),
    ("cases.echo", [{"body": b"nope", "content_type": "application/json"}]),  # same message in both parsers
    ("cases.echo", [{"event": {}, "headers": {"Lambda-Runtime-Client-Context": "[1, 2"}}]),
    ("cases.context_info", [{"event": {}, "headers": {
        "Lambda-Runtime-Client-Context": json.dumps({"custom": {"k": 1}, "client": {"app_title": "a"},
                                                     "w3c": {"traceparent": "00-1", "baggage": 3}}),
        "Lambda-Runtime-Cognito-Identity": json.dumps({"cognitoIdentityId": "i"}),
        "Lambda-Runtime-Aws-Tenant-Id": "t-1",
        "Lambda-Runtime-Trace-Id": "Root=1-2"}}, {"event": {}}]),
    # child processes with every multiprocessing start method, and a ProcessPoolExecutor
    ("cases.processes", [{"event": {"method": method, "executor": executor}}
                         for method in ("fork", "spawn", "forkserver") for executor in (False, True)]),
    # simplejson's defaults that awslambdaric relies on, one case each (tests/handlers/cases.py)
    *[("cases.simplejson_rules", [{"event": {"case": case}}]) for case in (
        "bytes_value", "bytes_in_list", "bytes_not_utf8", "bytes_key", "namedtuple", "nested_namedtuple",
        "asdict_object", "asdict_not_a_dict", "list_with_asdict", "decimal_key", "tuple_key", "scalar_keys",
        "circular", "set")],
]


@pytest.mark.parametrize("handler,events", SAME, ids=[f"{h}-{i}" for i, (h, _) in enumerate(SAME)])
@pytest.mark.parametrize("execution_env", ["AWS_Lambda_python3.13", "AWS_Lambda_python3.11"])
def test_same_posts_as_awslambdaric(tmp_path, handler, events, execution_env):
    (mine, my_process), (theirs, their_process) = run_both(
        tmp_path, handler, events, env={"AWS_EXECUTION_ENV": execution_env})
    assert [comparable(p) for p in mine] == [comparable(p) for p in theirs]
    assert error_records(my_process.stdout) == error_records(their_process.stdout)


INIT = [
    ({}, "app"),
    ({}, "sys.handler"),
    ({}, "missing.handler"),
    ({"app.py": "import not_installed\n"}, "app.handler"),
    ({"app.py": "import helper\n", "helper.py": "def f(:\n"}, "app.handler"),
    ({"app.py": "x = 1\n"}, "app.handler"),
    ({"app.py": "raise RuntimeError('no config')\n"}, "app.handler"),
]


@pytest.mark.parametrize("files,handler", INIT)
def test_same_init_errors_as_awslambdaric(tmp_path, files, handler):
    bodies = []
    for command in (ours, reference):
        root = tmp_path / command.__name__
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text)
        with FakeRuntimeApi() as api:
            process = RuntimeProcess(api.address, handler, root, tmp_path, command=command)
            assert process.wait() == 1
            post = api.next_post()
        body = post.json()
        body["stackTrace"] = [line.replace(str(root), "ROOT") for line in body["stackTrace"]
                              if "importlib" not in line]  # see test_init_stack_trace_has_no_importlib_frames
        bodies.append((post.kind, body, post.headers.get("lambda-runtime-function-error-type")))
    assert bodies[0] == bodies[1]


# --- deliberate differences (docs/runtime.md, "Differences from awslambdaric") -------


def test_invocation_errors_carry_the_error_type_header(tmp_path):
    (mine, _), (theirs, _) = run_both(tmp_path, "cases.raise_custom", [{"event": {}}])
    assert mine[0].headers["lambda-runtime-function-error-type"] == "PaymentDeclined"
    assert "lambda-runtime-function-error-type" not in theirs[0].headers


def test_init_stack_trace_has_no_importlib_frames(tmp_path):
    (tmp_path / "app.py").write_text("raise RuntimeError('no config')\n")
    traces = []
    for command in (ours, reference):
        with FakeRuntimeApi() as api:
            RuntimeProcess(api.address, "app.handler", tmp_path, tmp_path, command=command).wait()
            traces.append(api.next_post().json()["stackTrace"])
    assert not any("importlib" in line for line in traces[0])
    assert any("importlib" in line for line in traces[1])


def test_unmarshal_messages_come_from_the_standard_json_parser(tmp_path):
    (mine, _), (theirs, _) = run_both(tmp_path, "cases.echo", [{"body": b"{bad", "content_type": "application/json"}])
    assert mine[0].json()["errorMessage"] == (
        "Unable to unmarshal input: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")
    assert theirs[0].json()["errorMessage"] == (
        "Unable to unmarshal input: Expecting property name enclosed in double quotes or '}': "
        "line 1 column 2 (char 1)")


def test_json_with_a_charset_parameter_is_decoded(tmp_path):
    (mine, _), (theirs, _) = run_both(
        tmp_path, "cases.bytes_event", [{"event": {"a": 1}, "content_type": "application/json; charset=utf-8"}])
    assert mine[0].json() == {"type": "dict", "value": {"a": 1}}
    assert theirs[0].json() == {"type": "bytes", "value": '{"a": 1}'}


def test_a_handler_that_cannot_be_called_shows_no_runtime_frames(tmp_path):
    (mine, _), (theirs, _) = run_both(tmp_path, "cases.not_callable", [{"event": {}}])
    ours_error, their_error = mine[0].json(), theirs[0].json()
    assert ours_error == {"errorMessage": "'int' object is not callable", "errorType": "TypeError",
                          "requestId": "req-0", "stackTrace": []}
    assert their_error["stackTrace"] and all("awslambdaric" in line for line in their_error["stackTrace"])
    assert {**their_error, "stackTrace": []} == ours_error


def test_an_event_without_content_type_is_served_not_fatal(tmp_path):
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.bytes_event", HANDLERS, tmp_path, command=reference)
        api.queue_event(body=b"raw", content_type=None)
        assert process.wait() != 0  # awslambdaric's client fails on /next and the process dies
        assert api.posts.empty()
    with FakeRuntimeApi() as api:
        process = RuntimeProcess(api.address, "cases.bytes_event", HANDLERS, tmp_path, command=ours)
        api.queue_event(body=b"raw", content_type=None)
        assert api.next_post().json() == {"type": "bytes", "value": "raw"}
        process.stop()


def test_an_oversized_response_is_an_error_not_a_crash(tmp_path):
    for command in (ours, reference):
        with FakeRuntimeApi() as api:
            process = RuntimeProcess(api.address, "cases.sized", HANDLERS, tmp_path, command=command)
            api.queue_event({"size": 7_000_000})
            post = api.next_post()
            if command is ours:
                assert post.kind == "error" and post.json()["errorType"] == "Function.ResponseSizeTooLarge"
                api.queue_event({"size": 3})
                assert api.next_post().body == b'"xxx"'
                process.stop()
            else:
                assert (post.kind, post.status) == ("response", 413)
                assert process.wait() != 0  # awslambdaric raises on the 413 and exits


@pytest.mark.parametrize("handler,link", [
    ("cases.raise_from", "Caused by: KeyError: 'customers'"),
    ("cases.raise_while_handling", "While handling: KeyError: 'customers'"),
    ("cases.raise_from_none", None),
])
def test_the_log_carries_the_cause_chain_and_the_posted_error_is_awslambdarics(tmp_path, handler, link):
    (mine, my_process), (theirs, their_process) = run_both(tmp_path, handler, [{"event": {}}])
    assert [comparable(p) for p in mine] == [comparable(p) for p in theirs]
    [my_record], [their_record] = error_records(my_process.stdout), error_records(their_process.stdout)
    if link is None:  # `raise ... from None`: no chain, the records are the same
        assert my_record == their_record
    else:  # awslambdaric's record, then the chain
        assert my_record.startswith(their_record + "\r" + link + "\rTraceback (most recent call last):\r")
        assert '_lookup("customers")' in my_record[len(their_record):]


@pytest.mark.parametrize("handler,events", [
    ("cases.echo", [{"event": {"a": 1}}, {"event": [1, 2]}, {"event": "x"}]),
    ("cases.raise_error", [{"event": "x"}]),
    ("cases.context_info", [{"event": {}, "headers": {"Lambda-Runtime-Trace-Id": "Root=1-2"}}]),
])
def test_managed_instance_mode_posts_the_same(tmp_path, handler, events):
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "2", "AWS_LAMBDA_LOG_FORMAT": "JSON"}
    (mine, my_process), (theirs, their_process) = run_both(tmp_path, handler, events, env=env)
    assert [comparable(p) for p in mine] == [comparable(p) for p in theirs]

    def json_errors(stdout):
        records = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"timestamp"')]
        return [{k: v for k, v in r.items() if k != "timestamp"} for r in records if r["level"] == "ERROR"]

    assert json_errors(my_process.stdout) == json_errors(their_process.stdout)


@pytest.mark.parametrize("env", [{}, {"AWS_LAMBDA_LOG_FORMAT": "JSON"}, {"AWS_LAMBDA_LOG_LEVEL": "INFO"}])
def test_the_root_loggers_handler_has_awslambdarics_class_name(tmp_path, env):
    (mine, _), (theirs, _) = run_both(tmp_path, "cases.root_handlers", [{"event": {}}], env=env)
    assert mine[0].json() == theirs[0].json() and len(mine[0].json()) == 1
