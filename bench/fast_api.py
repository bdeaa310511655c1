"""The benchmark's fake Runtime API: lean, so that its own time hides little of a runtime's.

One pre-built event per permit (`permits.release(n)` lets n `/next` calls through), 202 for
every post. Besides the buffered posts of the warm benchmark it takes streamed responses
(chunked, consumed at full speed and timed), counts the connections that wait on `/next`
(managed-instance workers), and answers the Extensions API as Lambda does for an internal
extension that subscribed to no events (`register` with an identifier, `event/next` left
pending).
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from pathlib import Path

# The Runtime API's definition the runtime and the local server share, from runtime/ (where
# the runtime finds it, beside itself).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))
from lambda_runtime_api import (
    DEADLINE_HEADER,
    EXTENSION_ID_HEADER,
    EXTENSION_PREFIX,
    FUNCTION_ARN_HEADER,
    REQUEST_ID_HEADER,
    RUNTIME_PREFIX,
    TRACE_ID_HEADER,
)

# An API Gateway HTTP API (v2) event: a typical small Lambda event.
EVENT = json.dumps({
    "version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/items/42", "rawQueryString": "q=1",
    "headers": {"accept": "*/*", "host": "abc.execute-api.us-east-1.amazonaws.com",
                "user-agent": "curl/8.5.0", "x-forwarded-for": "203.0.113.7"},
    "queryStringParameters": {"q": "1"},
    "requestContext": {"accountId": "123456789012", "apiId": "abc", "domainName": "abc.execute-api.us-east-1"
                       ".amazonaws.com", "http": {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                                                  "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
                       "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": "GET /items/{id}",
                       "stage": "$default", "time": "23/Nov/2026:19:03:58 +0000", "timeEpoch": 1795460638000},
    "pathParameters": {"id": "42"}, "isBase64Encoded": False,
}).encode()

_ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
_REGISTERED_BODY = b'{"functionName":"bench","functionVersion":"$LATEST","handler":"app.handler"}'
_REGISTERED = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               f"{EXTENSION_ID_HEADER}: 8e8c8f56-bench-4e1b-9c35-0a7e3e6a1c2d\r\n"
               f"Content-Length: {len(_REGISTERED_BODY)}\r\n\r\n").encode() + _REGISTERED_BODY
# How the requests this fake tells apart begin: GET /next, GET .../event/next, POST .../register.
_GET_NEXT = f"GET {RUNTIME_PREFIX}/".encode()
_POST_EXTENSION = f"POST {EXTENSION_PREFIX}/".encode()
_RECV_INTO = 1 << 20


class StreamedResponse:
    """One chunked POST as the fake received it: body size, seconds from its head to its end."""

    __slots__ = ("seconds", "size", "trailers")

    def __init__(self, size: int, seconds: float, trailers: bytes) -> None:
        self.size = size
        self.seconds = seconds
        self.trailers = trailers


class FastApi:
    """A minimal Runtime API: one pre-built event per permit, 202 for every post.

    Lean on purpose: wall time per invocation is the runtime's and this server's time
    added up, so every microsecond here hides the difference between runtimes.
    """

    def __init__(self, posts_wanted: int = 0, event: bytes = EVENT, workers: int = 1) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.permits = threading.Semaphore(0)
        self.first_next: float | None = None
        self.first_next_seen = threading.Event()
        # Connections that sent a /next (one per worker), and when the wanted number did.
        self.waiting = 0
        self.waiting_wanted = workers
        self.all_waiting_at: float | None = None
        self.all_waiting = threading.Event()
        self._waiting_count = itertools.count(1)
        self.posts = 0
        self.posts_wanted = posts_wanted  # `reached` is set when this many posts arrived
        self.reached = threading.Event()
        self._post_count = itertools.count(1)  # atomic under the GIL, unlike `+= 1`
        self.streams: list[StreamedResponse] = []
        self.stream_done = threading.Event()
        self.extensions_registered = 0
        self.extension_waits = 0
        self.extension_waiting = threading.Event()
        self._connections: list[socket.socket] = []
        self._next_head = b""
        self._event = b""
        self.set_event(event)
        threading.Thread(target=self._accept, daemon=True).start()

    def set_event(self, event: bytes) -> None:
        """The event the next `/next` calls get (set it before releasing their permits)."""
        deadline = int(time.time() * 1000) + 3_600_000
        self._next_head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"{REQUEST_ID_HEADER}: req-%d\r\n"
            f"{DEADLINE_HEADER}: {deadline}\r\n"
            f"{FUNCTION_ARN_HEADER}: arn:aws:lambda:us-east-1:123456789012:function:b\r\n"
            f"{TRACE_ID_HEADER}: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\r\n"
            f"Content-Length: {len(event)}\r\n\r\n").encode()
        self._event = event

    def expect_posts(self, n: int) -> None:
        self.posts_wanted = n
        self.reached.clear()
        if self.posts >= n:
            self.reached.set()

    def wait_posts(self, n: int, timeout: float = 120) -> None:
        self.expect_posts(n)
        if not self.reached.wait(timeout):
            raise TimeoutError(f"{self.posts} of {n} posts arrived")

    def wait_waiting(self, timeout: float = 60) -> float:
        """Waits until `workers` connections have called /next; returns when the last did (perf_counter)."""
        if not self.all_waiting.wait(timeout):
            raise TimeoutError(f"{self.waiting} of {self.waiting_wanted} connections called /next")
        assert self.all_waiting_at is not None
        return self.all_waiting_at

    def wait_stream(self, count: int, timeout: float = 120) -> StreamedResponse:
        """Waits for the `count`-th streamed response to end, and returns it."""
        deadline = time.monotonic() + timeout
        while len(self.streams) < count:
            self.stream_done.clear()
            if len(self.streams) >= count:
                break
            if not self.stream_done.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"{len(self.streams)} of {count} streamed responses ended")
        return self.streams[count - 1]

    def close(self) -> None:
        """Stops listening, and ends every connection and the threads that serve them."""
        self.listener.close()
        connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.permits.release(len(connections))  # a thread waiting for a permit then fails to send

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _connection_waits(self) -> None:
        """The first /next on a connection."""
        now = time.perf_counter()
        self.waiting = n = next(self._waiting_count)
        if n == 1:
            self.first_next = now
            self.first_next_seen.set()
        if n >= self.waiting_wanted and self.all_waiting_at is None:
            self.all_waiting_at = now
            self.all_waiting.set()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._serve_requests(conn)
            except OSError:
                return

    def _serve_requests(self, conn: socket.socket) -> None:
        accepted = _ACCEPTED
        buf = b""
        counter = 0
        waiting = False
        while True:
            while (end := buf.find(b"\r\n\r\n")) < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, buf = buf[:end], buf[end + 4:]
            if head.startswith(_GET_NEXT):
                if not waiting:
                    waiting = True
                    self._connection_waits()
                self.permits.acquire()
                counter += 1
                conn.sendall(self._next_head % counter + self._event)
                continue
            if head.startswith(b"GET "):  # the extension's event/next: never answered
                self.extension_waits += 1
                self.extension_waiting.set()
                continue
            at = head.lower().find(b"content-length:")
            if at < 0:  # a streamed response
                began = time.perf_counter()
                data = bytearray(buf)
                size, trailers = read_chunked(conn, data)
                seconds = time.perf_counter() - began
                buf = bytes(data)
                conn.sendall(accepted)
                self.streams.append(StreamedResponse(size, seconds, trailers))
                self.stream_done.set()
                self.posts = next(self._post_count)
                continue
            length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
            while len(buf) < length:
                buf += conn.recv(65536)
            buf = buf[length:]
            if head.startswith(_POST_EXTENSION):  # extension/register
                self.extensions_registered += 1
                conn.sendall(_REGISTERED)
                continue
            conn.sendall(accepted)
            self.posts = n = next(self._post_count)
            if n >= self.posts_wanted:
                self.reached.set()


def read_chunked(conn: socket.socket, data: bytearray) -> tuple[int, bytes]:
    """Consumes a chunked body, `data` holding what was received already: (body size, trailers).

    The payload is received into one reused buffer and dropped, never joined: what the
    sender may send after the body is left in `data`.
    """
    view = memoryview(bytearray(_RECV_INTO))
    total = 0
    while True:
        while (eol := data.find(b"\r\n")) < 0:
            _fill(conn, data, view)
        size = int(bytes(data[:eol]).split(b";", 1)[0], 16)
        del data[:eol + 2]
        if size == 0:  # the last chunk, then trailers up to an empty line
            while not data.startswith(b"\r\n") and data.find(b"\r\n\r\n") < 0:
                _fill(conn, data, view)
            if data.startswith(b"\r\n"):
                del data[:2]
                return total, b""
            end = data.find(b"\r\n\r\n")
            trailers = bytes(data[:end])
            del data[:end + 4]
            return total, trailers
        total += size
        if len(data) >= size:
            del data[:size]
        else:
            left = size - len(data)
            data.clear()
            while left:
                got = conn.recv_into(view)
                if not got:
                    raise ConnectionError("the connection closed inside a chunk")
                if got > left:
                    data += view[left:got]
                    got = left
                left -= got
        while len(data) < 2:
            _fill(conn, data, view)
        if data[:2] != b"\r\n":
            raise ValueError("a chunk is longer than its size")
        del data[:2]


def _fill(conn: socket.socket, data: bytearray, view: memoryview) -> None:
    got = conn.recv_into(view)
    if not got:
        raise ConnectionError("the connection closed inside a chunked body")
    data += view[:got]
