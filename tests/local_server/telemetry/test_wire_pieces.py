"""The pure pieces of delivery: event bytes, batch bodies, the HTTP request and answer, batching,
log lines."""

import pytest

from local_server.telemetry.batching import Buffer
from local_server.telemetry.encoding import (
    ResponseHead,
    chunk_size,
    encode,
    http_body,
    http_request,
    parse_response_head,
    tcp_body,
)
from local_server.telemetry.lines import MAX_LINE, LineSplitter
from local_server.telemetry.subscription import Buffering


def test_events_are_compact_utf8_json():
    assert encode({"time": "t", "type": "function", "record": "héllo ✓\n"}) == (
        '{"time":"t","type":"function","record":"héllo ✓\\n"}'.encode())


def test_an_http_batch_is_a_json_array_and_a_tcp_batch_is_ndjson():
    events = [b'{"a":1}', b'{"b":2}']
    assert http_body(events) == b'[{"a":1},{"b":2}]'
    assert http_body([]) == b"[]"
    assert tcp_body(events) == b'{"a":1}\n{"b":2}\n'


def test_the_delivery_request():
    assert http_request("POST", "/logs?x=1", "sandbox.localdomain:4243", b"[]") == (
        b"POST /logs?x=1 HTTP/1.1\r\nHost: sandbox.localdomain:4243\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\n\r\n[]")


def test_the_listeners_answer():
    head = parse_response_head(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b")
    assert head == ResponseHead("HTTP/1.1", 200, {"content-length": "2", "x-a": "b"})
    assert (head.keep_alive, head.framing("POST")) == (True, ("length", 2))
    chunked = parse_response_head(b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nConnection: close")
    assert (chunked.keep_alive, chunked.framing("POST")) == (False, ("chunked", 0))
    old = parse_response_head(b"HTTP/1.0 500 Internal Server Error")
    assert (old.status, old.keep_alive, old.framing("PUT")) == (500, False, ("close", 0))
    assert parse_response_head(b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive").keep_alive is True
    assert parse_response_head(b"HTTP/1.1 204 No Content").framing("POST") == ("none", 0)
    with pytest.raises(ValueError, match=r"not an HTTP/1\.x status line"):
        parse_response_head(b"SSH-2.0-OpenSSH")
    with pytest.raises(ValueError, match="bad Content-Length"):
        parse_response_head(b"HTTP/1.1 200 OK\r\nContent-Length: -1").framing("POST")
    assert (chunk_size(b"1a\r\n"), chunk_size(b"0;ext=1\r\n")) == (26, 0)


def test_a_batch_is_ready_at_max_items():
    buffer = Buffer(Buffering(max_items=1000, max_bytes=262144, timeout_ms=1000))
    for i in range(999):
        assert buffer.add(b"x", 10.0 + i / 1000)
    assert (buffer.ready(10.5), buffer.full, buffer.due_at()) == (False, False, 11.0)
    buffer.add(b"x", 10.6)
    assert buffer.ready(10.6) and buffer.full
    assert len(buffer.take()) == 1000 and buffer.due_at() is None and not buffer.ready(99.0)


def test_a_batch_takes_max_items_and_what_is_left_is_due_with_it():
    buffer = Buffer(Buffering(max_items=1000, max_bytes=262144, timeout_ms=1000))
    for i in range(1500):
        buffer.add(b"%d" % i, 10.0)
    assert buffer.take() == [b"%d" % i for i in range(1000)]
    assert (len(buffer.events), buffer.size, buffer.due_at(), buffer.ready(11.0)) == (500, 500 * 4, 11.0, True)


def test_a_batch_is_ready_at_max_bytes():
    buffer = Buffer(Buffering(max_items=10000, max_bytes=262144, timeout_ms=1000))
    buffer.add(b"x" * 262143, 5.0)
    assert not buffer.ready(5.0)
    buffer.add(b"y", 5.0)
    assert buffer.ready(5.0) and buffer.size == 262144
    buffer.add(b"z", 5.0)
    assert buffer.take() == [b"x" * 262143, b"y"] and buffer.events == [b"z"] and buffer.size == 1
    # The record that reaches maxBytes goes with the batch (a batch may pass maxBytes by one record).
    buffer.add(b"w" * 262144, 5.0)
    assert buffer.take() == [b"z", b"w" * 262144] and buffer.size == 0


def test_a_batch_is_ready_timeout_ms_after_its_first_record():
    buffer = Buffer(Buffering(timeout_ms=25))
    buffer.add(b"a", 100.0)
    buffer.add(b"b", 100.02)
    assert (buffer.ready(100.0249), buffer.ready(100.025)) == (False, True)
    assert buffer.take() == [b"a", b"b"]
    buffer.add(b"c", 200.0)  # the next batch has its own clock
    assert buffer.due_at() == 200.025


def test_past_twice_the_bounds_records_are_refused():
    buffer = Buffer(Buffering(max_items=1000, max_bytes=262144, timeout_ms=25))
    assert all(buffer.add(b"x", 0.0) for _ in range(2000))
    assert not buffer.add(b"x", 0.0) and len(buffer.events) == 2000
    buffer = Buffer(Buffering(max_items=1000, max_bytes=262144, timeout_ms=25))
    assert buffer.add(b"x" * 400_000, 0.0) and buffer.add(b"x" * 124_288, 0.0)
    assert not buffer.add(b"x", 0.0) and buffer.size == 2 * 262144
    # One record bigger than everything is still taken into an empty buffer.
    assert Buffer(Buffering()).add(b"x" * 600_000, 0.0)


def test_lines_keep_their_newline_and_wait_to_be_complete():
    splitter = LineSplitter()
    assert splitter.feed(b"one\ntw") == ["one\n"]
    assert splitter.feed(b"o\n\nthree") == ["two\n", "\n"]
    assert splitter.end() == ["three"]
    assert splitter.end() == []
    # A character cut between two reads is whole; bytes that are not UTF-8 are replaced.
    assert splitter.feed("é".encode()[:1]) == []
    assert splitter.feed("é".encode()[1:] + b"\xff\n") == ["é\ufffd\n"]


def test_a_very_long_line_is_cut():
    splitter = LineSplitter()
    assert splitter.feed(b"a" * (MAX_LINE + 10)) == ["a" * MAX_LINE]
    assert splitter.feed(b"b\n" + b"c" * (2 * MAX_LINE + 1) + b"\n") == [
        "a" * 10 + "b\n", "c" * MAX_LINE, "c" * MAX_LINE, "c\n"]
