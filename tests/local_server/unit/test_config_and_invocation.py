"""Settings from options and the environment; an invocation's state machine; change descriptions."""

import threading

import pytest
from kit.responders import Recorder

from local_server.config import OPTIONS, Config, ConfigError, HelpRequested, usage
from local_server.environment.invocation import Invocation
from local_server.reload.code_watch import describe
from local_server.wire.platform_log import ERROR, TIMEOUT
from local_server.wire.runtime_api import new_request_id


def test_defaults_are_lambdas_and_the_ries():
    config = Config.from_args([], {})
    assert (config.port, config.command, config.handler, config.task_root) == (
        8080, ["/var/runtime/bootstrap"], "", "/var/task")
    assert (config.memory_mb, config.timeout, config.init_timeout, config.max_environments) == (128, 3.0, 10.0, 4)
    assert (config.function_name, config.log_format, config.http_events, config.max_concurrency) == (
        "test_function", "Text", "v2", None)
    assert config.function_arn == "arn:aws:lambda:us-east-1:012345678912:function:test_function"
    assert config.slots == 1 and config.code_dir is None and config.prewarm == 0
    assert config.init_type == "on-demand"


def test_environment_and_options():
    environ = {"_HANDLER": "app.handler", "AWS_LAMBDA_FUNCTION_TIMEOUT": "30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
               "AWS_LAMBDA_LOG_FORMAT": "json", "AWS_LAMBDA_MAX_CONCURRENCY": "8", "AWS_REGION": "eu-west-1",
               "AWS_LAMBDA_FUNCTION_NAME": "shop", "LAMBDA_TASK_ROOT": "/srv/task", "LAMBDA_LOCAL_CODE": "/live",
               "LAMBDA_LOCAL_MAX_ENVIRONMENTS": "16", "LAMBDA_LOCAL_HTTP_EVENTS": "v1"}
    config = Config.from_args(["--port", "9000", "/opt/bootstrap", "--flag"], environ)
    assert (config.port, config.command, config.handler, config.task_root, config.code_dir) == (
        9000, ["/opt/bootstrap", "--flag"], "app.handler", "/srv/task", "/live")
    assert (config.timeout, config.memory_mb, config.log_format, config.max_concurrency, config.slots) == (
        30.0, 512, "JSON", 8, 8)
    assert (config.max_environments, config.http_events) == (16, "v1")
    assert config.init_type == "lambda-managed-instances"  # AWS_LAMBDA_MAX_CONCURRENCY: managed instances
    assert config.function_arn == "arn:aws:lambda:eu-west-1:012345678912:function:shop"
    assert config.environ == environ
    assert Config.from_args(["--handler", "other.fn"], environ).handler == "other.fn"


@pytest.mark.parametrize("environ,argv,message", [
    ({"AWS_LAMBDA_FUNCTION_TIMEOUT": "soon"}, [], "AWS_LAMBDA_FUNCTION_TIMEOUT must be a number, got 'soon'"),
    ({"AWS_LAMBDA_FUNCTION_TIMEOUT": "0"}, [], "AWS_LAMBDA_FUNCTION_TIMEOUT must be above 0, got '0'"),
    ({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "-1"}, [], "AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be above 0, got '-1'"),
    ({}, ["--max-environments", "0"], "--max-environments must be at least 1"),
    ({}, ["--port", "eighty"], "--port must be a number, got 'eighty'"),
    ({}, ["--bogus", "1"], "unknown option --bogus: see --help"),
    ({}, ["--port"], "--port needs a value"),
    ({}, ["--http-events=v3"], "--http-events must be v2 or v1, not 'v3'"),
    ({"LAMBDA_LOCAL_PORT": "x"}, [], "--port must be a number, got 'x'"),
    ({}, ["--functions", "orders"], "--functions takes NAME=HANDLER,... (a name of 1 to 64 of [a-zA-Z0-9_-]), "
                                    "not 'orders'"),
    ({}, ["--functions", "a b=app.h"], "--functions takes NAME=HANDLER,... (a name of 1 to 64 of [a-zA-Z0-9_-]), "
                                       "not 'a b=app.h'"),
    ({}, ["--functions", "x=a.h,x=b.h"], "--functions: the function x is named twice"),
    ({"AWS_LAMBDA_FUNCTION_NAME": "shop"}, ["--functions", "shop=a.h"],
     "--functions: the function shop is named twice"),
])
def test_settings_that_cannot_work(environ, argv, message):  # one line each, for the CLI to print
    with pytest.raises(ConfigError) as raised:
        Config.from_args(argv, environ)
    assert str(raised.value) == message


def test_more_functions_share_the_settings_but_their_name_and_handler():
    environ = {"_HANDLER": "app.main", "AWS_LAMBDA_FUNCTION_TIMEOUT": "30",
               "LAMBDA_LOCAL_FUNCTIONS": "orders=app.orders, refunds=billing.refund"}
    config = Config.from_args([], environ)
    assert config.functions == [("orders", "app.orders"), ("refunds", "billing.refund")]
    orders = config.of_function(*config.functions[0])
    assert (orders.function_name, orders.handler, orders.timeout, orders.functions) == (
        "orders", "app.orders", 30.0, [])
    assert orders.function_arn == "arn:aws:lambda:us-east-1:012345678912:function:orders"
    assert (config.function_name, config.handler) == ("test_function", "app.main")  # the main one is unchanged
    assert Config.from_args(["--functions", "a=x.y"], environ).functions == [("a", "x.y")]  # the option wins


def test_options_end_where_the_command_starts():
    config = Config.from_args(["--port=0", "--", "--not-an-option"], {})
    assert (config.port, config.command) == (0, ["--not-an-option"])
    config = Config.from_args(["/bootstrap", "--port", "1"], {})
    assert (config.port, config.command) == (8080, ["/bootstrap", "--port", "1"])


def test_relative_paths_mean_where_the_server_was_started(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = Config.from_args(["--task-root", "code", "--code", "src", "--extensions-dir", "ext",
                               "runtime/bootstrap", "-v"], {})
    assert config.task_root == str(tmp_path / "code") and config.code_dir == str(tmp_path / "src")
    assert config.extensions_dir == str(tmp_path / "ext")
    assert config.command == [str(tmp_path / "runtime" / "bootstrap"), "-v"]
    assert Config.from_args(["python3", "-m", "x"], {}).command == ["python3", "-m", "x"]  # found on PATH


def test_help_names_every_option():
    with pytest.raises(HelpRequested):
        Config.from_args(["--help"], {})
    text = usage()
    for name, *_ in OPTIONS:
        assert f"  --{name} " in text



def _claimed(inv, on_late_end=None):
    """The invocation as the runtime holds it: assigned, dispatched, taken at /next."""
    assert inv.assign(lambda inv: b"", lambda: None, on_late_end) and inv.dispatch(0)
    assert inv.claim("connection", b"START\n", lambda: None)
    return inv


def test_one_answer_per_invocation():
    inv = Invocation(b"{}", Recorder())
    assert inv.respond(b"early", "x") == 403  # not handed out yet
    _claimed(inv)
    assert not inv.claim("connection", b"", lambda: None)
    assert inv.respond(b"ok", "application/json") == 202 and inv.answered.is_set()
    assert inv.respond(b"again", "x") == inv.fail(b"{}", "E") == 403
    assert inv.abort(TIMEOUT, "Sandbox.Timedout", b"late") is False
    assert inv.responder.calls == [("response", b"ok", "application/json")]
    assert (inv.status, inv.produced) == ("success", 2)


def test_stream_then_a_timeout_ends_it_with_the_error():
    inv = _claimed(Invocation(b"{}", Recorder()))
    assert inv.stream_start("text/plain") == 202
    assert inv.stream_data(b"a") is True
    assert inv.time_out(b"body") is True
    # The rest of the stream comes after the timeout: 410 InvokeTimeout, what Lambda answers it.
    assert inv.stream_data(b"b") is False and inv.stream_end(None, None) == 410
    assert inv.responder.calls == [("stream_start", "text/plain"), ("stream_data", b"a"),
                                   ("stream_end", "Sandbox.Timedout", b"body")]
    assert (inv.status, inv.error_type, inv.function_error) == (TIMEOUT, "Sandbox.Timedout", False)


def test_function_error_and_a_late_post_after_a_managed_timeout():
    inv = _claimed(Invocation(b"{}", Recorder()))
    assert inv.fail(b'{"errorType":"E"}', "E") == 202
    assert (inv.status, inv.error_type, inv.function_error) == (ERROR, "E", True)
    freed = threading.Event()
    late = _claimed(Invocation(b"{}", Recorder()), on_late_end=freed.set)
    assert late.time_out(b"t") and late.overtime
    assert late.respond(b"too late", "x") == 410  # the managed-instance API's InvokeTimeout
    assert late.respond(b"twice", "x") == 403
    assert freed.wait(10)


def test_request_ids_are_version_4_uuids():
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    for request_id in ids:
        parts = request_id.split("-")
        assert [len(p) for p in parts] == [8, 4, 4, 4, 12]
        assert parts[2][0] == "4" and parts[3][0] in "89ab"


def test_change_descriptions():
    old = {"app.py": (10, 1), "gone.py": (1, 1), "same.py": (1, 1)}
    new = {"app.py": (11, 2), "same.py": (1, 1), "new.py": (3, 3)}
    assert describe(old, new) == "app.py changed, new.py added, gone.py removed"
    assert describe({}, {f"f{i}.py": (1, 1) for i in range(7)}) == (
        "f0.py added, f1.py added, f2.py added, f3.py added, f4.py added, and 2 more")
    assert describe(old, old) == ""
