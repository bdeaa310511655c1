"""The runtime's features beyond awslambdaric under a server that supports them: the local
server with our real runtime (the RIE buffers streams and has no managed instances)."""

from __future__ import annotations

import json
import threading

from kit.polling import wait_until
from kit.server_harness import call, invoke, lambda_client


def test_a_generator_streams_through_invoke_with_response_stream(serve, tmp_path):
    server = serve("streams.gated", timeout=20)
    cue = tmp_path / "cue"
    reply = lambda_client(server.port).invoke_with_response_stream(
        FunctionName="f", Payload=json.dumps({"cue": str(cue)}).encode())
    events = iter(reply["EventStream"])
    assert next(events) == {"PayloadChunk": {"Payload": b"first"}}  # while the handler waits for its cue
    cue.touch()
    assert list(events) == [{"PayloadChunk": {"Payload": b"second"}}, {"InvokeComplete": {}}]


def test_an_error_after_the_first_chunk_reaches_the_caller_in_invoke_complete(serve):
    server = serve("streams.fails_mid_stream")
    events = list(lambda_client(server.port).invoke_with_response_stream(FunctionName="f", Payload=b"{}")
                  ["EventStream"])
    assert events[0] == {"PayloadChunk": {"Payload": b"part one;"}}
    complete = events[1]["InvokeComplete"]
    assert complete["ErrorCode"] == "RuntimeError"
    assert json.loads(complete["ErrorDetails"])["errorMessage"] == "the database went away"


def test_a_streaming_response_with_status_headers_and_cookies_as_a_function_url(serve):
    server = serve("streams.http_stream")
    reply = call(server.port, "GET", "/page")
    assert (reply.status, reply.headers["x-custom"], reply.headers["content-type"], reply.body) == (
        201, "1", "text/html", b"<p>hi</p>")


def test_an_async_handler_keeps_its_client_across_requests(serve):
    server = serve("async_cases.async_handler", max_environments=1)
    assert [invoke(server.port).json()["calls"] for _ in range(3)] == [1, 2, 3]


def test_managed_instances_our_workers_take_n_requests_at_once(serve, tmp_path):
    server = serve("lifecycle.whoami", max_environments=1, max_concurrency=3, timeout=20)
    cue, started = tmp_path / "cue", tmp_path / "started"
    started.mkdir()
    event = {"cue": str(cue), "started": str(started)}
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(invoke(server.port, event).json())) for _ in range(3)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(list(started.iterdir())) == 3, what="three invocations in the handler at once")
    cue.touch()
    for thread in threads:
        thread.join(20)
    assert len({answer["pid"] for answer in answers}) == 3  # three worker processes of one runtime
    assert server.pool.stats()["started"] == 1


def test_sigterm_reaches_the_runtime_that_opted_in_and_its_atexit_hooks_run(serve, tmp_path):
    # LAMBDA_ENABLE_SIGTERM registers the runtime's no-op internal extension: at shutdown the
    # server sends SIGTERM as Lambda does with an extension (and only then).
    marks = tmp_path / "marks"
    server = serve("lifecycle.prints", env={"LAMBDA_ENABLE_SIGTERM": "true", "MARKS": str(marks)})
    assert invoke(server.port).json() == "ok"
    server.stop()
    assert marks.read_text() == "atexit ran\n"
