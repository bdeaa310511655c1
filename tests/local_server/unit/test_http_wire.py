"""HTTP/1.1 parsing and framing, byte for byte, against an in-memory socket."""

import pytest

from local_server.http_io import Reader
from local_server.wire.http import (
    BodyTooLarge,
    HttpError,
    PeerClosed,
    chunk,
    parse_request_head,
    response_head,
)


class FakeSocket:
    """Hands out the given pieces one recv at a time, as a network would split them."""

    def __init__(self, *pieces: bytes) -> None:
        self.pieces = list(pieces)

    def recv(self, size: int) -> bytes:
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > size:
            self.pieces.insert(0, piece[size:])
            piece = piece[:size]
        return piece

    def recv_into(self, view) -> int:
        data = self.recv(len(view))
        view[:len(data)] = data
        return len(data)


def test_request_head():
    req = parse_request_head(b"POST /2015-03-31/functions/f/invocations?Qualifier=1 HTTP/1.1\r\n"
                             b"Host: x\r\nX-Amz-Log-Type: Tail\r\nCookie: a=1\r\ncookie: b=2\r\nX-A: 1\r\nx-a: 2")
    assert (req.method, req.path, req.query, req.version) == (
        "POST", "/2015-03-31/functions/f/invocations", "Qualifier=1", "HTTP/1.1")
    assert req.headers == {"host": "x", "x-amz-log-type": "Tail", "cookie": "a=1; b=2", "x-a": "1,2"}
    assert req.raw_headers[:2] == [("Host", "x"), ("X-Amz-Log-Type", "Tail")]
    assert req.keep_alive


@pytest.mark.parametrize("head,keep_alive", [
    (b"GET / HTTP/1.0", False), (b"GET / HTTP/1.0\r\nConnection: keep-alive", True),
    (b"GET / HTTP/1.1\r\nConnection: close", False), (b"GET / HTTP/1.1", True)])
def test_keep_alive(head, keep_alive):
    assert parse_request_head(head).keep_alive is keep_alive


def test_absolute_form_target_keeps_the_path():
    assert parse_request_head(b"GET http://example.com/a/b?c=1 HTTP/1.1").target == "/a/b?c=1"


@pytest.mark.parametrize("head", [b"GARBAGE", b"GET / HTTP/2.0", b"GET  / HTTP/1.1", b"G3T / HTTP/1.1",
                                  b"GET / HTTP/1.1\r\nNo-Colon", b"GET / HTTP/1.1\r\n Folded: x",
                                  b"GET / HTTP/1.1\r\nBad Name: x", b"GET ftp:/x HTTP/1.1"])
def test_malformed_heads(head):
    with pytest.raises(HttpError) as raised:
        parse_request_head(head)
    assert raised.value.status == 400


def test_response_head_and_chunk():
    assert response_head(202, [("A", "b")]) == b"HTTP/1.1 202 Accepted\r\nA: b\r\n\r\n"
    assert response_head(599) == b"HTTP/1.1 599 Unknown\r\n\r\n"
    assert response_head(409) == b"HTTP/1.1 409 Conflict\r\n\r\n"  # DurableExecutionAlreadyStartedException
    assert chunk(b"hello") == b"5\r\nhello\r\n"
    assert chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"


def test_heads_split_across_reads_and_pipelined():
    reader = Reader(FakeSocket(b"\r\nGET /a HTT", b"P/1.1\r\nA: 1\r", b"\n\r\nGET /b HTTP/1.1\r\n\r\n"))
    assert reader.read_head() == b"GET /a HTTP/1.1\r\nA: 1"
    assert reader.read_head() == b"GET /b HTTP/1.1"
    assert reader.read_head() is None


def test_head_cut_short():
    with pytest.raises(PeerClosed):
        Reader(FakeSocket(b"GET / HTTP/1.1\r\n")).read_head()


def test_sized_body():
    reader = Reader(FakeSocket(b"abc", b"defgh", b"NEXT"))
    assert reader.read_body({"content-length": "8"}, 10) == (b"abcdefgh", {})
    assert reader.buf == bytearray(b"") and reader.read_exactly(4) == b"NEXT"


def test_sized_body_over_the_limit_is_not_read():
    reader = Reader(FakeSocket(b"x" * 20))
    with pytest.raises(BodyTooLarge) as raised:
        reader.read_body({"content-length": "20"}, 10)
    assert (raised.value.size, raised.value.consumed) == (20, False)
    reader.discard(20)
    assert reader.read_head() is None


def test_chunked_body_with_trailers_in_pieces():
    data = (b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n"
            b"Lambda-Runtime-Function-Error-Type: Function.X\r\nLambda-Runtime-Function-Error-Body: e30=\r\n\r\n")
    reader = Reader(FakeSocket(*[data[i:i + 3] for i in range(0, len(data), 3)]))
    pieces = reader.chunks(piece=4)
    received = []
    while True:
        try:
            received.append(next(pieces))
        except StopIteration as end:
            trailers = end.value
            break
    assert b"".join(received) == b"hello world" and max(len(p) for p in received) <= 4
    assert trailers == {"lambda-runtime-function-error-type": "Function.X",
                        "lambda-runtime-function-error-body": "e30="}


def test_chunked_body_over_the_limit_is_consumed():
    reader = Reader(FakeSocket(b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
    with pytest.raises(BodyTooLarge) as raised:
        reader.read_body({"transfer-encoding": "chunked"}, 10)
    assert (raised.value.size, raised.value.consumed) == (16, True)
    assert reader.read_head() == b"GET / HTTP/1.1"


@pytest.mark.parametrize("data", [b"zz\r\n", b"-1\r\n", b"3\r\nabcX\r\n", b"5\r\nab"])
def test_malformed_chunks(data):
    with pytest.raises((HttpError, PeerClosed)):
        Reader(FakeSocket(data)).read_body({"transfer-encoding": "chunked"}, 100)
