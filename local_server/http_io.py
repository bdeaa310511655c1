"""HTTP/1.1 on a blocking socket: the bytes of heads and bodies, read through one buffer.

The I/O half of `wire.http` (which says what the bytes mean): both servers read with it, the
front server its clients and each environment's Runtime API its runtime. A large body is
received in place, never appended piece by piece.
"""

from __future__ import annotations

import socket
from collections.abc import Generator

from .wire.http import (
    MAX_HEAD,
    BodyTooLarge,
    HttpError,
    PeerClosed,
    check_request_line,
    chunk_size,
    content_length,
    head_end,
    trailer,
)

_RECV = 65536


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
        while (end := head_end(buf, start, limit)) < 0:
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

    def read_line(self) -> bytes:
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

    def chunks(self, piece: int = _RECV) -> Generator[bytes, None, dict[str, str]]:
        """Yields a chunked body's data as it arrives (pieces of at most `piece` bytes).

        Returns the trailers, keyed in lower case, as the generator's value.
        """
        while size := chunk_size(self.read_line()):
            while size:
                buf = self.buf
                if not buf and not self._recv():
                    raise PeerClosed("the connection closed inside a chunk")
                take = min(size, piece, len(buf))
                data = bytes(buf[:take])
                del buf[:take]
                size -= take
                yield data
            if self.read_line():
                raise HttpError(400, "a chunk does not end with CRLF")
        trailers = {}
        while line := self.read_line():
            name, value = trailer(line)
            trailers[name] = value
        return trailers

    def pieces(self, headers: dict[str, str], piece: int) -> Generator[bytes, None, dict[str, str]]:
        """A body, sized or chunked, in pieces of at most `piece` bytes as they arrive; returns its trailers."""
        length = content_length(headers)
        if length is None:
            return (yield from self.chunks(piece))
        while length:
            size = min(length, piece)
            yield self.read_exactly(size)
            length -= size
        return {}

    def read_body(self, headers: dict[str, str], limit: int) -> tuple[bytes, dict[str, str]]:
        """The whole body and its trailers; BodyTooLarge past `limit` (a chunked body is then consumed)."""
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
            trailers: dict[str, str] = done.value
        if size > limit:
            raise BodyTooLarge(size, consumed=True)
        return b"".join(parts), trailers
