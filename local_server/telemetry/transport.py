"""Sending one batch to a subscriber's destination, over HTTP or TCP: the only module with a socket.

"Lambda sends telemetry only to destinations that are inside the execution environment"
(telemetry-api.html): the destination's host is sandbox.localdomain or sandbox, this very
environment, so we connect to 127.0.0.1 without asking a resolver (AWS's managed-instances RIE
does the same, internal/client.go "http://127.0.0.1:" + port). The extension may listen on
"sandbox.localdomain" itself; that is the container's affair (docker run --add-host).

A failure says whether trying again can help: a listener that is not there (yet) or went
away can be tried again ("Lambda retries to send telemetry (with backoff) in the absence of a
listener, or if the POST request encounters an error", telemetry-api.html); an answer of
400 or more, or no answer within the timeout, cannot (the batch may have been read: sending it
again could deliver it twice), and the batch is lost. The RIE does not retry at all.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import BinaryIO, Optional, Protocol

from .encoding import MAX_RESPONSE_HEAD, chunk_size, http_body, http_request, parse_response_head, tcp_body
from .protocol import SANDBOX_ADDRESS
from .subscription import HTTP, Destination

# How long a listener may take to answer a batch (Lambda's: unconfirmed). Past it the batch is
# given up; the sender never waits longer than this for one batch, and close() cuts it short.
ANSWER_TIMEOUT = 10.0


class SendError(Exception):
    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class Transport(Protocol):
    def send(self, events: Sequence[bytes]) -> None:
        """Delivers one batch, or raises SendError."""

    def abort(self) -> None:
        """From another thread: ends a send in progress (the environment is going away)."""

    def close(self) -> None: ...


def transport_for(destination: Destination, address: str = SANDBOX_ADDRESS,
                  timeout: float = ANSWER_TIMEOUT) -> Transport:
    if destination.protocol == HTTP:
        return HttpTransport(destination, address, timeout)
    return TcpTransport(destination, address, timeout)


class _Connection:
    def __init__(self, address: str, port: int, timeout: float) -> None:
        self.target = (address, port)
        self.timeout = timeout
        self.sock: Optional[socket.socket] = None
        self.reader: Optional[BinaryIO] = None

    def open(self) -> socket.socket:
        if self.sock is None:
            try:
                self.sock = socket.create_connection(self.target, timeout=self.timeout)
            except OSError as error:
                raise SendError(f"could not connect to {self.target[0]}:{self.target[1]}: {error}", retry=True) \
                    from error
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reader = self.sock.makefile("rb")
        return self.sock

    def abort(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None


class TcpTransport:
    """Newline-delimited JSON on one connection, opened on the first batch and kept."""

    def __init__(self, destination: Destination, address: str, timeout: float) -> None:
        self.connection = _Connection(address, destination.port, timeout)

    def send(self, events: Sequence[bytes]) -> None:
        sock = self.connection.open()
        try:
            sock.sendall(tcp_body(events))
        except OSError as error:
            # The connection is gone or stuck (a reader that stopped reading): a new one next time.
            self.connection.close()
            raise SendError(f"could not send events: {error}", retry=not isinstance(error, socket.timeout)) \
                from error

    def abort(self) -> None:
        self.connection.abort()

    def close(self) -> None:
        self.connection.close()


class HttpTransport:
    """One POST (or PUT) per batch, the connection kept alive between them."""

    def __init__(self, destination: Destination, address: str, timeout: float) -> None:
        self.destination = destination
        self.connection = _Connection(address, destination.port, timeout)

    def send(self, events: Sequence[bytes]) -> None:
        request = http_request(self.destination.method, self.destination.path, self.destination.host,
                               http_body(events))
        reused = self.connection.sock is not None
        try:
            status = self._exchange(request)
        except _ClosedBeforeAnswer as error:
            if not reused:
                raise SendError(str(error), retry=True) from error
            status = self._exchange_once_more(request)  # a kept connection the listener had closed
        if status >= 400:
            raise SendError(f"could not send events: the listener answered {status}", retry=False)

    def _exchange_once_more(self, request: bytes) -> int:
        try:
            return self._exchange(request)
        except _ClosedBeforeAnswer as error:
            raise SendError(str(error), retry=True) from error

    def _exchange(self, request: bytes) -> int:
        sock = self.connection.open()
        reader = self.connection.reader
        assert reader is not None
        try:
            sock.sendall(request)
            line = reader.readline(MAX_RESPONSE_HEAD)
        except socket.timeout as error:
            self.connection.close()
            raise SendError(f"could not send events: no answer within {self.connection.timeout} s", retry=False) \
                from error
        except OSError as error:
            self.connection.close()
            raise _ClosedBeforeAnswer(f"could not send events: {error}") from error
        if not line:
            self.connection.close()
            raise _ClosedBeforeAnswer("could not send events: the listener closed the connection without an answer")
        try:
            return self._read_answer(line, reader)
        except (OSError, ValueError) as error:  # it has read the batch (or some of it): not sent again
            self.connection.close()
            raise SendError(f"could not send events: {error}", retry=False) from error

    def _read_answer(self, status_line: bytes, reader: BinaryIO) -> int:
        """Reads the listener's whole answer (so the connection can carry the next batch)."""
        head = [status_line.rstrip(b"\r\n")]
        while True:
            line = reader.readline(MAX_RESPONSE_HEAD)
            if not line:
                raise ValueError("the listener closed the connection in its answer's head")
            if line in (b"\r\n", b"\n"):
                break
            head.append(line.rstrip(b"\r\n"))
        answer = parse_response_head(b"\r\n".join(head))
        framing, length = answer.framing(self.destination.method)
        if framing == "length":
            self._skip(reader, length)
        elif framing == "chunked":
            while (size := chunk_size(reader.readline(MAX_RESPONSE_HEAD))) > 0:
                self._skip(reader, size + 2)
            while reader.readline(MAX_RESPONSE_HEAD) not in (b"\r\n", b"\n", b""):
                pass  # trailers
        elif framing == "close":
            while reader.read(65536):
                pass
        if framing == "close" or not answer.keep_alive:
            self.connection.close()
        return answer.status

    @staticmethod
    def _skip(reader: BinaryIO, count: int) -> None:
        while count > 0:
            data = reader.read(min(count, 65536))
            if not data:
                raise ValueError("the listener closed the connection in its answer's body")
            count -= len(data)

    def abort(self) -> None:
        self.connection.abort()

    def close(self) -> None:
        self.connection.close()


class _ClosedBeforeAnswer(Exception):
    pass
