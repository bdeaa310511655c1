"""HTTP/1.1 framing in the h11 way, bytes in and values out: request heads, chunk lines, reply heads.

No socket here: `local_server.http_io.Reader` moves the bytes and calls these. Both servers
use them: the front server (clients, boto3, curl) and each environment's Runtime API (the
runtime). Written for this server rather than taken from `http.server`, whose header parsing
goes through `email` (about 100 us a request and 2 MB of imports): this server's own cost is
added to every invocation's latency.
"""

from __future__ import annotations

from http import HTTPStatus

MAX_HEAD = 64 * 1024  # request line and headers; more is not an HTTP client we serve

# Every status's reason phrase (a function URL answers whatever status the function returns),
# with the older phrases for those Python renamed (413, "Content Too Large" since 3.13).
REASONS = {status.value: status.phrase for status in HTTPStatus}
REASONS |= {
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

    def __init__(self, method: str, target: str, version: str, headers: dict[str, str],
                 raw_headers: list[tuple[str, str]]) -> None:
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
    headers: dict[str, str] = {}
    raw_headers: list[tuple[str, str]] = []
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


def content_length(headers: dict[str, str]) -> int | None:
    """The declared body length; None when the body is chunked or absent."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    value = headers.get("content-length")
    if value is None:
        return 0
    if not value.isdigit():
        raise HttpError(400, f"malformed Content-Length: {value[:40]!r}")
    return int(value)


def response_head(status: int, headers: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> bytes:
    """A reply's status line and headers, ending with the blank line."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


LAST_CHUNK = b"0\r\n\r\n"


def head_end(buf: bytearray, start: int, limit: int) -> int:
    """Where the blank line ending the head in `buf` starts, searching from `start`; -1 if not there yet.

    Drops the empty lines a head may follow (RFC 9112 2.2); HttpError past `limit` bytes.
    """
    while buf[:2] == b"\r\n":
        del buf[:2]
    end = buf.find(b"\r\n\r\n", start)
    if end > limit or (end < 0 and len(buf) > limit):
        raise HttpError(431, f"request head larger than {limit} bytes")
    return end


def chunk_size(line: bytes) -> int:
    """The size on a chunk's first line (extensions after `;` ignored)."""
    try:
        size = int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        raise HttpError(400, f"malformed chunk size: {line[:40]!r}") from None
    if size < 0:
        raise HttpError(400, f"malformed chunk size: {line[:40]!r}")
    return size


def trailer(line: bytes) -> tuple[str, str]:
    """One trailer line: (name in lower case, value)."""
    name, sep, value = line.decode("latin-1").partition(":")
    if not sep:
        raise HttpError(400, f"malformed trailer line: {line[:100]!r}")
    return name.strip().lower(), value.strip()


class BodyTooLarge(Exception):
    """A body over the limit: `consumed` says whether it was read off the connection already."""

    def __init__(self, size: int, consumed: bool = False) -> None:
        super().__init__(f"body of {size} bytes")
        self.size = size
        self.consumed = consumed
