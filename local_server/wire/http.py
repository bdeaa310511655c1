"""HTTP/1.1 on a blocking socket: request heads, bodies (sized or chunked, with trailers), reply heads.

Both servers use it: the front server (clients, boto3, curl) and each environment's
Runtime API (the runtime). Written against the socket rather than `http.server`, whose
header parsing goes through `email` (about 100 us a request and 2 MB of imports): this
server's own cost is added to every invocation's latency.
"""

from __future__ import annotations

import socket

MAX_HEAD = 64 * 1024  # request line and headers; more is not an HTTP client we serve
_RECV = 65536

REASONS = {
    100: "Continue", 200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 410: "Gone", 411: "Length Required",
    413: "Request Entity Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 504: "Gateway Timeout",
}


class HttpError(Exception):
    """The peer sent something that is not HTTP/1.1 we can serve: answer `status`, then close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PeerClosed(Exception):
    """The connection ended in the middle of a message."""


class Request:
    """One request head: method, target (path and query), version, headers keyed in lower case."""

    __slots__ = ("headers", "method", "path", "query", "raw_headers", "target", "version")

    def __init__(self, method: str, target: str, version: str, headers: dict, raw_headers: list) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.raw_headers = raw_headers  # [(name as sent, value)], for events that keep the case
        self.path, _, self.query = target.partition("?")

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def __repr__(self) -> str:
        return f"Request({self.method} {self.target})"


def check_request_line(line: str) -> list[str]:
    """The request line's method, target and version; HttpError 400 if it is not one."""
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha() or not parts[1]:
        raise HttpError(400, f"malformed request line: {line[:100]!r}")
    return parts


def parse_request_head(head: bytes) -> Request:
    """The request line and headers (the bytes before the blank line) as a Request."""
    # Header values are bytes to HTTP; Latin-1 maps each byte to one character, so any
    # value survives and UTF-8 text can be recovered where it matters (client context).
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = check_request_line(lines[0])
    if not (target.startswith("/") or target == "*"):
        # An absolute-form target (a proxy request): keep the path only.
        scheme, sep, rest = target.partition("://")
        if not sep or not scheme.isalpha():
            raise HttpError(400, f"malformed request target: {target[:100]!r}")
        target = "/" + rest.partition("/")[2]
    headers: dict = {}
    raw_headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            raise HttpError(400, f"malformed header line: {line[:100]!r}")
        value = value.strip()
        raw_headers.append((name, value))
        name = name.lower()
        if name in headers:
            # Repeated headers are one comma-separated list (RFC 9110 5.3); cookies use "; ".
            headers[name] += ("; " if name == "cookie" else ",") + value
        else:
            headers[name] = value
    if "transfer-encoding" in headers and "content-length" in headers:
        # Two framings for one body: whichever a server picks, a proxy in front may pick the
        # other and read the rest as a second request (RFC 9112 6.3: reject it, and close).
        raise HttpError(400, "both Content-Length and Transfer-Encoding: the body's length is ambiguous")
    return Request(method, target, version, headers, raw_headers)


def content_length(headers: dict) -> int | None:
    """The declared body length; None when the body is chunked or absent."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    value = headers.get("content-length")
    if value is None:
        return 0
    if not value.isdigit():
        raise HttpError(400, f"malformed Content-Length: {value[:40]!r}")
    return int(value)


def response_head(status: int, headers: list | tuple = ()) -> bytes:
    """A reply's status line and headers, ending with the blank line."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"


class Reader:
    """A socket read through one buffer: heads, sized bodies, chunked bodies."""

    __slots__ = ("buf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _recv(self) -> int:
        data = self.sock.recv(_RECV)
        self.buf += data
        return len(data)

    def read_head(self, limit: int = MAX_HEAD) -> bytes | None:
        """The next head without its blank line; None if the peer closed between messages."""
        buf = self.buf
        start = 0
        line_checked = False
        while True:
            # RFC 9112 2.2: ignore empty lines before a request line.
            while buf[:2] == b"\r\n":
                del buf[:2]
            end = buf.find(b"\r\n\r\n", start)
            if end >= 0:
                if end > limit:
                    raise HttpError(431, f"request head larger than {limit} bytes")
                break
            if len(buf) > limit:
                raise HttpError(431, f"request head larger than {limit} bytes")
            if not line_checked and (eol := buf.find(b"\r\n")) > 0:
                # A head that is not complete yet: its request line is, so check it now. A
                # line without a version (`GET /`, HTTP/0.9) is all such a client sends: it
                # would wait for our answer while we wait for its blank line.
                line_checked = True
                check_request_line(bytes(buf[:eol]).decode("latin-1"))
            start = max(0, len(buf) - 3)
            if not self._recv():
                if buf:
                    raise PeerClosed("the connection closed inside a request head")
                return None
        head = bytes(buf[:end])
        del buf[:end + 4]
        return head

    def read_exactly(self, n: int) -> bytes:
        buf = self.buf
        if len(buf) >= n:
            data = bytes(buf[:n])
            del buf[:n]
            return data
        # A large body is received in place rather than appended piece by piece.
        body = bytearray(n)
        have = len(buf)
        body[:have] = buf
        buf.clear()
        view = memoryview(body)
        while have < n:
            got = self.sock.recv_into(view[have:])
            if not got:
                raise PeerClosed(f"the connection closed after {have} of {n} body bytes")
            have += got
        return bytes(body)

    def discard(self, n: int) -> None:
        """Reads and drops n bytes (a body that is refused but must be consumed)."""
        buf = self.buf
        take = min(n, len(buf))
        del buf[:take]
        n -= take
        while n > 0:
            data = self.sock.recv(min(n, 1 << 20))
            if not data:
                raise PeerClosed("the connection closed inside a body")
            n -= len(data)

    def _line(self) -> bytes:
        buf = self.buf
        start = 0
        while (end := buf.find(b"\r\n", start)) < 0:
            if len(buf) > MAX_HEAD:
                raise HttpError(400, "a chunk-size or trailer line is too long")
            start = max(0, len(buf) - 1)
            if not self._recv():
                raise PeerClosed("the connection closed inside a chunked body")
        line = bytes(buf[:end])
        del buf[:end + 2]
        return line

    def chunks(self, piece: int = _RECV):
        """Yields a chunked body's data as it arrives (pieces of at most `piece` bytes).

        Returns the trailers, keyed in lower case, as the generator's value.
        """
        while True:
            line = self._line()
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError(400, f"malformed chunk size: {line[:40]!r}") from None
            if size < 0:
                raise HttpError(400, f"malformed chunk size: {line[:40]!r}")
            if size == 0:
                break
            while size:
                buf = self.buf
                if not buf and not self._recv():
                    raise PeerClosed("the connection closed inside a chunk")
                take = min(size, piece, len(buf))
                data = bytes(buf[:take])
                del buf[:take]
                size -= take
                yield data
            if self._line():
                raise HttpError(400, "a chunk does not end with CRLF")
        trailers = {}
        while line := self._line():
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise HttpError(400, f"malformed trailer line: {line[:100]!r}")
            trailers[name.strip().lower()] = value.strip()
        return trailers

    def read_body(self, headers: dict, limit: int) -> tuple[bytes, dict]:
        """The whole body and its trailers; HttpError 413 past `limit` (the body is then consumed)."""
        length = content_length(headers)
        if length is not None:
            if length > limit:
                raise BodyTooLarge(length)
            return self.read_exactly(length), {}
        parts = []
        size = 0
        chunks = self.chunks()
        try:
            while True:
                data = next(chunks)
                size += len(data)
                if size <= limit:
                    parts.append(data)
        except StopIteration as done:
            trailers = done.value
        if size > limit:
            raise BodyTooLarge(size, consumed=True)
        return b"".join(parts), trailers


class BodyTooLarge(Exception):
    """A body over the limit: `consumed` says whether it was read off the connection already."""

    def __init__(self, size: int, consumed: bool = False) -> None:
        super().__init__(f"body of {size} bytes")
        self.size = size
        self.consumed = consumed
