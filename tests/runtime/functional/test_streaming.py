"""Response streaming against the fake Runtime API: the request, the chunks, the trailers."""

import base64
import json

import pytest


def streamed(api, event, **kwargs):
    request_id = api.queue_event(event, **kwargs)
    post = api.next_post()
    assert (post.request_id, post.kind, post.status) == (request_id, "response", 202), post
    return post


def test_a_generator_function_streams_its_chunks(api, start):
    start("streams.generator")
    post = streamed(api, {"count": 3})
    assert post.chunks == [b"chunk 0\n", b"chunk 1\n", b"chunk 2\n"]
    assert post.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert post.headers["transfer-encoding"] == "chunked"
    assert post.headers["trailer"] == "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    assert post.headers["content-type"] == "application/octet-stream"
    assert "content-length" not in post.headers
    assert post.trailers == {}


@pytest.mark.parametrize("handler,chunks", [
    ("streams.returns_generator", [b"a", b"b", b"c"]),
    ("streams.async_generator", [b"async 0;", b"async 1;", b"async 2;"]),
])
def test_returned_and_async_generators_stream(api, start, handler, chunks):
    start(handler)
    assert streamed(api, {}).chunks == chunks


def test_chunks_leave_before_the_function_finishes(api, start, tmp_path):
    start("streams.gated")
    cue = tmp_path / "go"
    request_id = api.queue_event({"cue": str(cue)})
    assert api.stream_chunks.get(timeout=20) == (request_id, b"first")
    assert api.posts.empty()  # the handler is still running: nothing was buffered
    cue.touch()
    assert api.next_post().chunks == [b"first", b"second"]


def test_the_http_prelude_sets_status_headers_and_cookies(api, start):
    start("streams.http_stream")
    post = streamed(api, {})
    assert post.headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    prelude, body = post.body.split(b"\0" * 8, 1)
    assert json.loads(prelude) == {"statusCode": 201, "headers": {"x-custom": "1", "content-type": "text/html"},
                                   "cookies": ["a=1", "b=2"]}
    assert body == b"<p>hi</p>"


def test_a_content_type_alone_is_a_plain_stream(api, start):
    start("streams.typed_stream")
    post = streamed(api, {})
    assert (post.headers["content-type"], post.chunks) == ("text/plain", [b"one chunk of text"])


def test_an_empty_http_stream_still_sends_its_prelude(api, start):
    start("streams.empty_stream")
    post = streamed(api, {})
    assert post.body == b'{"statusCode": 204, "headers": {}, "cookies": []}' + b"\0" * 8


def test_an_error_before_the_first_chunk_is_an_ordinary_error(api, start):
    start("streams.fails_before_first_chunk")
    request_id = api.queue_event({})
    post = api.next_post()
    assert (post.request_id, post.kind, post.chunks) == (request_id, "error", None)
    assert post.json()["errorType"] == "ValueError" and post.json()["errorMessage"] == "nothing to stream"


def trailer_error(post) -> dict:
    assert post.trailers["lambda-runtime-function-error-type"] == json.loads(
        base64.b64decode(post.trailers["lambda-runtime-function-error-body"]))["errorType"]
    return json.loads(base64.b64decode(post.trailers["lambda-runtime-function-error-body"]))


def test_an_error_after_the_first_chunk_goes_in_the_trailers(api, start):
    process = start("streams.fails_mid_stream")
    post = streamed(api, {}, request_id="req-7")
    assert post.chunks == [b"part one;"]
    error = trailer_error(post)
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        "RuntimeError", "the database went away", "req-7")
    assert error["stackTrace"][-1].endswith('    raise RuntimeError("the database went away")\n')
    assert "[ERROR] RuntimeError: the database went away" in process.stdout  # logged as any error
    assert streamed(api, {}).chunks == [b"part one;"]  # and the runtime keeps serving


def test_a_chunk_that_is_not_bytes_or_str_stops_the_stream(api, start):
    start("streams.bad_chunk")
    post = streamed(api, {})
    assert post.chunks == [b"ok;"]
    assert trailer_error(post)["errorMessage"] == "a streamed chunk must be bytes or str, not int"


def test_a_stopped_generator_runs_its_finally_block_at_once(api, start):
    start("streams.cleanup_on_close")
    assert trailer_error(streamed(api, {}, request_id="req-1"))["errorType"] == "TypeError"
    # Closed when its stream stopped, not whenever the event loop would next run a finaliser.
    request_id = api.queue_event({"report": True})
    post = api.next_post()
    assert (post.request_id, post.json()) == (request_id, ["req-1"])


def test_the_connection_is_closed_after_a_streamed_response_and_the_next_event_is_served(api, start):
    # AWS's custom-runtime documentation: close the connection after a streamed response.
    start("streams.generator")
    for streams in (1, 2):
        assert streamed(api, {"count": streams}).chunks == [f"chunk {i}\n".encode() for i in range(streams)]
        api.wait_for_next_calls(streams + 1)  # the runtime asks for its next event...
        assert api.connections == streams + 1  # ...on a new connection each time


def test_a_large_stream_runs_in_constant_memory(api, start):
    process = start("streams.big_stream")
    total, chunk = 64 * 1024 * 1024, 256 * 1024
    request_id = api.queue_event({"total": total, "chunk": chunk})
    received = peak_kib = 0
    while received < total:
        got_id, data = api.stream_chunks.get(timeout=30)
        assert got_id == request_id
        received += len(data)
        peak_kib = max(peak_kib, process.rss_kib())
    assert api.next_post().status == 202
    assert peak_kib < 40 * 1024  # 64 MB went through; the runtime never held more than a few chunks


def test_bytearray_and_memoryview_chunks_are_sent_byte_for_byte(api, start):
    import sys

    start("streams.typed_memory")
    expected = b"cdef" if sys.byteorder == "little" else b"dcfe"
    assert streamed(api, {}).chunks == [b"ab", expected]
