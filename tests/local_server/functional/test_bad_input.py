"""Bad input gets a clear answer, and the server goes on serving."""

import json
import socket

import pytest
from botocore.exceptions import ClientError
from kit.polling import wait_until
from kit.server_harness import (
    INVOKE,
    STREAM,
    Client,
    call,
    invoke,
    lambda_client,
    log_lines,
    raw,
    scripted_runtime,
)

SEVEN_MB = b"x" * (7 * 1024 * 1024)
TOO_LARGE = b'{"Type":"User","message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}'


def _still_serving(server) -> None:
    assert invoke(server.port, b'"alive"').body == b'"alive"'


@pytest.mark.parametrize("request_bytes,status", [
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40 + b"\r\n\r\n", 400),  # a TLS hello
    (b"POST /x HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"POST /x HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400),
    (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"GET /x HTTP/1.1\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431),
], ids=["not-http", "tls-hello", "header-without-colon", "bad-length", "bad-chunk", "70-kb-head"])
def test_malformed_http_gets_an_error_and_the_connection_closes(serve, request_bytes, status):
    server = serve("cases.echo")
    answer = raw(server.port, request_bytes)
    assert answer.startswith(b"HTTP/1.1 %d " % status)
    assert b"Connection: close\r\n" in answer
    _still_serving(server)


def test_a_client_that_hangs_up_mid_request(serve):
    server = serve("cases.echo")
    assert raw(server.port, b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\n"
                            b"partial") == b""
    _still_serving(server)


def test_7_mb_request_is_lambdas_413(serve):
    server = serve("cases.echo")
    with Client(server.port) as client:
        reply = client.invoke(SEVEN_MB)
        assert (reply.status, reply.headers["x-amzn-errortype"], reply.body) == (
            413, "RequestEntityTooLargeException", TOO_LARGE)
        assert client.invoke(b'"same connection"').body == b'"same connection"'
    with pytest.raises(ClientError) as raised:
        lambda_client(server.port).invoke(FunctionName="f", Payload=SEVEN_MB)
    assert raised.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert server.pool.stats()["started"] == 1  # the refused requests started nothing


def test_7_mb_with_expect_100_continue_is_refused_before_the_body(serve):
    server = serve("cases.echo")
    answer = raw(server.port, b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 7340032\r\n"
                              b"Expect: 100-continue\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ") and answer.endswith(TOO_LARGE)
    _still_serving(server)


def test_7_mb_function_url_request(serve):
    server = serve("cases.echo")
    reply = call(server.port, "POST", "/upload", SEVEN_MB, {"content-type": "application/octet-stream"})
    assert (reply.status, reply.body) == (413, TOO_LARGE)
    # 5 MB of binary is 6.7 MB as base64 in the event: too large as an event.
    assert call(server.port, "POST", "/upload", b"\xff" * (5 * 1024 * 1024)).status == 413
    _still_serving(server)


def test_event_invocation_over_1_mb(serve):
    server = serve("cases.echo")
    reply = invoke(server.port, b"x" * 1_100_000, {"X-Amz-Invocation-Type": "Event"})
    assert (reply.status, reply.json()["message"]) == (
        413, "1100000 byte payload is too large for the Event invocation type (limit 1048576 bytes)")


def test_a_payload_that_is_not_json_is_lambdas_400_and_no_payload_is_an_empty_object(serve):
    server = serve("cases.echo")
    with Client(server.port) as client:
        reply = client.invoke(b'{"name": ada')
        assert (reply.status, reply.headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
        assert json.loads(reply.body)["message"].startswith(
            "Could not parse request body into json: Could not parse payload into json: Expecting value")
        assert client.invoke(b"\xff\xfe{}").status == 400  # not UTF-8
        assert client.invoke(b"").body == b"{}"  # what Lambda hands the function for no payload
    with pytest.raises(ClientError) as raised:
        lambda_client(server.port).invoke(FunctionName="f", Payload=b"not json")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert json.loads(lambda_client(server.port).invoke(FunctionName="f")["Payload"].read()) == {}
    assert server.pool.stats()["started"] == 1  # only the valid ones ran


def test_chunked_request_body_is_read(serve):
    server = serve("cases.echo")
    answer = raw(server.port, b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                              b"Connection: close\r\n\r\n4\r\n{\"a\"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"a": 1}')


@pytest.mark.parametrize("method,path,status,error_type", [
    ("POST", "/2015-03-31/functions", 404, "UnknownOperationException"),
    ("GET", "/2015-03-31/functions/f/configuration", 404, "UnknownOperationException"),
    ("POST", "/2021-11-15/functions/f/invocations", 404, "UnknownOperationException"),
    ("POST", "/2015-03-31/functions/a/b/invocations", 404, "UnknownOperationException"),
    ("GET", INVOKE, 405, "MethodNotAllowedException"),
    ("PUT", STREAM, 405, "MethodNotAllowedException"),
])
def test_unknown_paths_and_methods_on_the_invoke_api(serve, method, path, status, error_type):
    server = serve("cases.echo")
    reply = call(server.port, method, path, b"{}")
    assert (reply.status, reply.headers["x-amzn-errortype"]) == (status, error_type)
    assert reply.json()["Type"] == "User"
    assert server.pool.stats()["started"] == 0


@pytest.mark.parametrize("headers,message", [
    ({"X-Amz-Client-Context": "not base64!"}, "X-Amz-Client-Context must be base64-encoded JSON: "),
    ({"X-Amz-Client-Context": "bm90IGpzb24="}, "X-Amz-Client-Context must be base64-encoded JSON: "),
    ({"X-Amz-Invocation-Type": "Later"}, "X-Amz-Invocation-Type must be one of RequestResponse, Event, DryRun, "
                                         "not 'Later'"),
])
def test_bad_invoke_headers(serve, headers, message):
    server = serve("cases.echo")
    reply = invoke(server.port, b"{}", headers)
    assert (reply.status, reply.headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
    assert reply.json()["message"].startswith(message)


def test_client_that_disconnects_mid_stream_leaves_the_function_running(serve, tmp_path):
    log = tmp_path / "log"
    gate = tmp_path / "gate"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)}, timeout=20)
    body = json.dumps({"stream": {"chunks": ["one", "two" * 100000, "three"], "gate": str(gate),
                                  "gate_after": 1}}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST " + STREAM.encode() + b" HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        wait_until(lambda: sock.recv(65536), what="the first chunk")
    gate.write_text("open")  # the client is gone; the function goes on and finishes its stream
    wait_until(lambda: {"call": "stream", "status": 202} in log_lines(log), what="the stream's end")
    wait_until(lambda: server.pool.stats()["busy"] == 0, what="the environment to be free")
    assert invoke(server.port, {"respond": '"next"'}).body == b'"next"'
    assert server.pool.stats()["started"] == 1


def test_client_that_disconnects_before_a_buffered_answer(serve, tmp_path):
    gate = tmp_path / "gate"
    server = serve("local_cases.gate", timeout=20)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        body = json.dumps({"gate": str(gate)}).encode()
        sock.sendall(b"POST " + INVOKE.encode() + b" HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        wait_until(lambda: server.pool.stats()["busy"] == 1, what="the invocation to start")
    gate.write_text("open")
    wait_until(lambda: server.pool.stats()["busy"] == 0, what="the invocation to end")
    assert invoke(server.port, {"gate": str(gate), "reply": "after"}).body == b'"after"'


def test_runtime_api_refusals(serve, tmp_path):
    log = tmp_path / "log"
    server = serve(command=scripted_runtime(), env={"SCRIPT_LOG": str(log)})
    assert invoke(server.port, {"post_twice": '"first"'}).body == b'"first"'
    wait_until(lambda: len(log_lines(log)) == 3, what="both posts")
    assert [(e["call"], e["status"]) for e in log_lines(log)] == [
        ("next", 200), ("response", 202), ("response again", 403)]
