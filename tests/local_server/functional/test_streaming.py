"""InvokeWithResponseStream and streamed function URL answers, with a scripted runtime that streams.

The scripted runtime sends exactly what a streaming runtime sends (Lambda-Runtime-Function-
Response-Mode: streaming, chunked, the error trailers declared), byte for byte as Node's
runtime does; our own runtime streaming through the server is in test_our_runtime_features.py.
"""

import base64
import http.client
import json

from kit.polling import wait_until
from kit.server_harness import STREAM, Client, lambda_client, log_lines, scripted_runtime


def _events(reply) -> list:
    return list(reply["EventStream"])


def test_chunks_arrive_as_the_function_writes_them(serve, tmp_path):
    server = serve(command=scripted_runtime(), timeout=20)
    gate = tmp_path / "gate"
    reply = lambda_client(server.port).invoke_with_response_stream(
        FunctionName="function", Payload=json.dumps(
            {"stream": {"chunks": ["first ", "second ", "third"], "gate": str(gate), "gate_after": 1}}).encode())
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    assert reply["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    events = iter(reply["EventStream"])
    # The function is still waiting for the gate: the first chunk came before it finished.
    assert next(events) == {"PayloadChunk": {"Payload": b"first "}}
    assert not gate.exists()
    gate.write_text("open")
    assert list(events) == [{"PayloadChunk": {"Payload": b"second "}}, {"PayloadChunk": {"Payload": b"third"}},
                            {"InvokeComplete": {}}]


def test_mid_stream_error_from_the_trailers_in_invoke_complete(serve):
    server = serve(command=scripted_runtime())
    error = {"errorType": "Error", "errorMessage": "boom", "trace": ["at handler"]}
    reply = lambda_client(server.port).invoke_with_response_stream(FunctionName="f", Payload=json.dumps(
        {"stream": {"chunks": ["partial"], "error": {"type": "Function.Boom", "body": error}}}).encode())
    assert _events(reply) == [{"PayloadChunk": {"Payload": b"partial"}},
                              {"InvokeComplete": {"ErrorCode": "Function.Boom", "ErrorDetails": json.dumps(error)}}]


def test_buffered_response_through_the_streaming_api(serve):
    server = serve("cases.echo")  # the real runtime: buffered responses only
    reply = lambda_client(server.port).invoke_with_response_stream(FunctionName="f", Payload=b'{"a": 1}')
    assert _events(reply) == [{"PayloadChunk": {"Payload": b'{"a": 1}'}}, {"InvokeComplete": {}}]


def test_function_error_through_the_streaming_api(serve):
    server = serve("cases.raise_custom")
    events = _events(lambda_client(server.port).invoke_with_response_stream(FunctionName="f", Payload=b"{}"))
    assert len(events) == 1
    complete = events[0]["InvokeComplete"]
    assert complete["ErrorCode"] == "PaymentDeclined"
    assert json.loads(complete["ErrorDetails"])["errorMessage"] == "card declined"


def test_timeout_mid_stream(serve, tmp_path):
    server = serve(command=scripted_runtime(), timeout=0.5)
    reply = lambda_client(server.port).invoke_with_response_stream(FunctionName="f", Payload=json.dumps(
        {"stream": {"chunks": ["a", "b"], "gate": str(tmp_path / "never"), "gate_after": 1}}).encode())
    request_id = reply["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert _events(reply) == [{"PayloadChunk": {"Payload": b"a"}}, {"InvokeComplete": {
        "ErrorCode": "Sandbox.Timedout",
        "ErrorDetails": '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ' + request_id
                        + ' Error: Task timed out after 0.50 seconds"}'}}]


def test_log_tail_in_invoke_complete(serve):
    server = serve(command=scripted_runtime())
    reply = lambda_client(server.port).invoke_with_response_stream(
        FunctionName="f", LogType="Tail", Payload=json.dumps({"stream": {"chunks": ["x"]}}).encode())
    events = _events(reply)
    log = base64.b64decode(events[-1]["InvokeComplete"]["LogResult"]).decode()
    assert log.startswith("START RequestId: ") and "\nREPORT RequestId: " in log


def test_runtime_hears_202_after_a_stream(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    client = lambda_client(server.port)
    for _ in range(2):  # and the connection goes on to the next /next
        _events(client.invoke_with_response_stream(FunctionName="f", Payload=b'{"stream": {"chunks": ["x"]}}'))
    wait_until(lambda: len(log_lines(log)) == 4, what="two streams")
    assert [(entry["call"], entry["status"]) for entry in log_lines(log)] == [
        ("next", 200), ("stream", 202), ("next", 200), ("stream", 202)]


def _read_chunks(reply: http.client.HTTPResponse):
    while True:
        data = reply.read1(65536)
        if not data:
            return
        yield data


def test_function_url_stream_with_the_http_integration_prelude(serve, tmp_path):
    server = serve(command=scripted_runtime(), timeout=20)
    gate = tmp_path / "gate"
    body = {"stream": {"content_type": "application/vnd.awslambda.http-integration-response",
                       "prelude": {"statusCode": 201, "headers": {"content-type": "text/plain", "x-app": "yes"},
                                   "cookies": ["a=1", "b=2"]},
                       "chunks": ["hello ", "world"], "gate": str(gate), "gate_after": 2}}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    conn.request("POST", "/anything", body=json.dumps(body).encode(), headers={"content-type": "application/json"})
    reply = conn.getresponse()
    assert reply.status == 201
    assert reply.getheader("content-type") == "text/plain" and reply.getheader("x-app") == "yes"
    assert reply.msg.get_all("set-cookie") == ["a=1", "b=2"]
    assert reply.getheader("transfer-encoding") == "chunked"
    chunks = _read_chunks(reply)
    assert next(chunks) == b"hello "  # before the function has finished
    gate.write_text("open")
    assert b"".join(chunks) == b"world"
    conn.close()


def test_function_url_stream_without_prelude(serve):
    server = serve(command=scripted_runtime())
    with Client(server.port) as client:
        reply = client.request("POST", "/x", json.dumps(
            {"stream": {"content_type": "text/event-stream", "chunks": ["data: 1\n\n", "data: 2\n\n"]}}).encode(),
            {"content-type": "application/json"})
    assert (reply.status, reply.headers["content-type"], reply.body) == (200, "text/event-stream",
                                                                         b"data: 1\n\ndata: 2\n\n")


def test_event_is_passed_to_a_streaming_invoke_as_is(serve, tmp_path):
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(tmp_path / "log")})
    with Client(server.port) as client:
        reply = client.request("POST", STREAM, b'{"stream": {"chunks": ["z"]}}', {"X-Amzn-Trace-Id": "Root=1-a-b"})
    assert reply.status == 200 and reply.headers["content-type"] == "application/vnd.amazon.eventstream"
    assert log_lines(tmp_path / "log")[0]["trace_id"] == "Root=1-a-b"
