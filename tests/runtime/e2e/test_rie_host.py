"""Our bootstrap under AWS's real RIE on the host: invokes over HTTP, as `docker run` + curl would."""

import base64
import json

import pytest
from kit.paths import BOOTSTRAP, HANDLERS
from kit.rie_process import RieProcess
from kit.runtime_process import PYTHON_DIR
from kit.source_lines import line_of


@pytest.fixture
def rie(tmp_path):
    started = []

    def _start(handler, env=None, task_root=HANDLERS):
        env = {"PATH": PYTHON_DIR + ":/usr/bin:/bin", **(env or {})}
        process = RieProcess([str(BOOTSTRAP)], handler, task_root, tmp_path / f"rie-{len(started)}.log", env)
        started.append(process)
        return process

    yield _start
    for process in started:
        process.stop()


def test_echo_and_warm_state(rie):
    server = rie("cases.counter")
    assert [server.invoke(b"{}")[2] for _ in range(3)] == [b"1", b"2", b"3"]


def test_json_round_trip(rie):
    status, _, body = rie("cases.echo").invoke(json.dumps({"k": ["v", 1, None]}).encode())
    assert (status, json.loads(body)) == (200, {"k": ["v", 1, None]})


def test_handler_error_body(rie):
    status, _, body = rie("cases.raise_custom").invoke(b"{}")
    error = json.loads(body)
    raised = line_of(HANDLERS / "cases.py", '    raise PaymentDeclined("card declined")')
    assert status == 200  # the RIE answers 200 with the error body (a known RIE limit)
    assert (error["errorType"], error["errorMessage"]) == ("PaymentDeclined", "card declined")
    assert error["stackTrace"] == [
        f'  File "{HANDLERS / "cases.py"}", line {raised}, in raise_custom\n'
        '    raise PaymentDeclined("card declined")\n']


def test_context_and_client_context_through_the_rie(rie):
    client_context = {"custom": {"tenant": "acme"}, "env": {"locale": "en"}, "client": {"app_title": "shop"}}
    status, _, body = rie("cases.context_info").invoke(
        b"{}", {"X-Amz-Client-Context": base64.b64encode(json.dumps(client_context).encode()).decode()})
    info = json.loads(body)
    assert status == 200
    assert info["client_context"] == {"custom": {"tenant": "acme"}, "env": {"locale": "en"}, "client": "shop"}
    assert info["invoked_function_arn"].startswith("arn:aws:lambda:")
    assert info["remaining_positive"] is True


def test_init_error_surfaces_through_the_rie(rie, tmp_path):
    (tmp_path / "app.py").write_text("import nope\n")
    server = rie("app.handler", task_root=tmp_path)
    _, _, body = server.invoke(b"{}")
    assert json.loads(body)["errorType"] == "Runtime.ImportModuleError"


def test_oversized_response_through_the_rie_and_the_loop_goes_on(rie):
    server = rie("cases.sized")
    _, _, body = server.invoke(b'{"size": 7000000}')
    assert json.loads(body)["errorType"] == "Function.ResponseSizeTooLarge"
    assert server.invoke(b'{"size": 2}')[2] == b'"xx"'


# --- beyond awslambdaric, under a real server (the RIE buffers streams: see the local server's tests)


def test_a_streamed_response_through_the_rie(rie):
    server = rie("streams.generator")
    assert server.invoke(b'{"count": 3}')[2] == b"chunk 0\nchunk 1\nchunk 2\n"
    assert server.invoke(b'{"count": 1}')[2] == b"chunk 0\n"  # a new connection after each stream


def test_an_http_stream_through_the_rie_keeps_its_prelude(rie):
    body = rie("streams.http_stream").invoke(b"{}")[2]
    assert body == (b'{"statusCode": 201, "headers": {"x-custom": "1", "content-type": "text/html"}, '
                    b'"cookies": ["a=1", "b=2"]}' + b"\0" * 8 + b"<p>hi</p>")


def test_an_async_handler_through_the_rie(rie):
    server = rie("async_cases.async_handler")
    assert [json.loads(server.invoke(b"{}")[2])["calls"] for _ in range(3)] == [1, 2, 3]


def test_the_examples_of_handler_features(rie):
    from kit.paths import ROOT

    examples = ROOT / "handler"
    lookup = rie("features.lookup", task_root=examples)
    assert json.loads(lookup.invoke(b'{"keys": ["x", "y"]}')[2]) == {"found": ["X", "Y"]}
    report = rie("features.stream_report", task_root=examples).invoke(b"{}")[2]
    assert report.split(b"\0" * 8) == [b'{"statusCode": 200, "headers": {"content-type": "text/plain"}, '
                                       b'"cookies": []}', b"".join(b"step %d of 5 done\n" % i for i in range(1, 6))]
    error = json.loads(rie("features.failing_lookup", task_root=examples).invoke(b"{}")[2])
    assert (error["errorType"], error["errorMessage"]) == ("LookupError", "no price for coffee")
