"""Streamed responses at their edges, with the loop in this process: the 200 MB limit, an
empty async stream, a clean-up that fails, a refused or lost stream, and the client's
partial sends."""

from __future__ import annotations

import base64
import json
import socket
import threading

import pytest
from lambda_runtime import api_client, invoke
from lambda_runtime.api_client import ConnectionLost, RuntimeApiError


def trailer_error(post) -> dict:
    return json.loads(base64.b64decode(post.trailers["lambda-runtime-function-error-body"]))


@pytest.mark.parametrize("handler", ["streams.endless", "streams.endless_async"])
def test_a_stream_past_the_limit_ends_with_response_size_too_large(api, make_runtime, capsys, monkeypatch, handler):
    monkeypatch.setattr(invoke, "MAX_STREAMED_RESPONSE", 4096)  # 200 MB, on Lambda
    runtime = make_runtime(handler)
    assert runtime.init()
    api.queue_event({})
    runtime.serve(1)
    post = api.next_post()
    assert b"".join(post.chunks) == b"x" * 4096
    assert trailer_error(post)["errorType"] == "Function.ResponseSizeTooLarge"
    assert trailer_error(post)["errorMessage"] == (
        "Response payload size (5120 bytes) exceeded maximum allowed payload size (4096 bytes).")
    assert "[ERROR] Function.ResponseSizeTooLarge" in capsys.readouterr().out


def test_an_empty_async_stream_is_an_empty_response(api, make_runtime):
    runtime = make_runtime("streams.empty_async")
    assert runtime.init()
    api.queue_event({})
    runtime.serve(1)
    post = api.next_post()
    assert (post.kind, post.chunks, post.trailers) == ("response", [], {})


def test_a_clean_up_that_fails_is_one_line_and_the_stream_still_ends(api, make_runtime, capsys):
    runtime = make_runtime("streams.cleanup_fails")
    assert runtime.init()
    api.queue_event({})
    runtime.serve(1)
    post = api.next_post()
    assert (post.chunks, trailer_error(post)["errorType"]) == ([b"ok;"], "TypeError")
    assert "lambda-runtime: closing the response's generator failed: OSError: ...and its clean-up fails too\n" in (
        capsys.readouterr().err)


def test_a_refused_stream_is_one_line_and_the_loop_goes_on(api, make_runtime, capsys):
    api.close_on_handout = True  # the invocation is closed (as by a timeout) once handed out: 403
    runtime = make_runtime("streams.generator")
    assert runtime.init()
    api.queue_event({"count": 1}, request_id="req-late")
    runtime.serve(1)
    assert api.next_post().status == 403
    assert capsys.readouterr().err.startswith(
        "lambda-runtime: POST /2018-06-01/runtime/invocation/req-late/response was refused with HTTP 403")


class _ClosingSocket:
    """A connected socket whose sends fail: the Runtime API went away mid-stream."""

    def sendmsg(self, buffers):
        raise BrokenPipeError(32, "Broken pipe")

    sendall = sendmsg

    def close(self):
        pass


def test_a_stream_whose_connection_is_lost_is_a_lost_api(api):
    client = api_client.RuntimeApiClient(api.address)
    client._sock = _ClosingSocket()
    stream = api_client.ResponseStream(client, "/path")
    with pytest.raises(ConnectionLost) as lost:
        stream.write(b"data")
    assert str(lost.value) == f"lost the Runtime API at {api.address} during /path: [Errno 32] Broken pipe"
    client._sock = _ClosingSocket()
    with pytest.raises(ConnectionLost):
        stream.finish()
    with pytest.raises(RuntimeApiError) as refused:
        client.start_streamed_response.__self__._sock = _ClosingSocket()
        client.start_streamed_response(_invocation(), "text/plain")
    assert "during /2018-06-01/runtime/invocation/r-1/response" in str(refused.value)


def _invocation():
    from lambda_runtime.api_protocol import Invocation

    return Invocation("r-1", 0, None, None, None, None, None, None, "application/json", b"{}")


def test_partial_sends_deliver_every_byte_in_order():
    # A small send buffer and a slow reader: sendmsg takes part of the parts, the rest follows.
    left, right = socket.socketpair()
    left.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    parts = (b"head", b"x" * 300_000, bytearray(b"y" * 70_000), memoryview(b"tail"))
    received = bytearray()

    def read() -> None:
        while len(received) < sum(len(p) for p in parts):
            received.extend(right.recv(1024))

    reader = threading.Thread(target=read)
    reader.start()
    api_client._send_parts(left, parts)
    reader.join(20)
    left.close()
    right.close()
    assert bytes(received) == b"".join(bytes(p) for p in parts)
