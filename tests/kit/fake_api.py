"""An in-process Runtime API (2018-06-01) on 127.0.0.1, port 0: a real HTTP/1.1 peer.

It behaves like Lambda's: `/next` long-polls until an event is queued, a buffered
response over 6,291,556 bytes gets 413 and closes the invocation, a second post for
the same invocation gets 403, an unknown request id gets 400. A streamed response
(chunked, with trailers) is read chunk by chunk as it arrives. The Extensions API
answers `register`, and leaves `event/next` pending, as Lambda does for an internal
extension that subscribed to no events. Tests queue events and read back what the
runtime posted.

A thin user of the local server's own code for the Runtime API: its HTTP framing
(`local_server.http_io`, `local_server.wire.http`), its routes (`local_server.wire.runtime_api`)
and the API's definition the runtime shares (`lambda_runtime_api`). What is the fake's own:
the events it is given, what it records, and the switches tests turn.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid

from lambda_runtime_api import (
    DEADLINE_HEADER,
    EXTENSION_ID_HEADER,
    EXTENSION_NAME_HEADER,
    EXTENSION_NEXT_PATH,
    EXTENSION_REGISTER_PATH,
    FUNCTION_ARN_HEADER,
    MAX_BUFFERED_RESPONSE,
    REQUEST_ID_HEADER,
)

from kit.polling import wait_until
from local_server.http_io import Reader
from local_server.wire import runtime_api as api
from local_server.wire.http import (
    HttpError,
    PeerClosed,
    Request,
    chunk_size,
    parse_request_head,
    response_head,
    trailer,
)

MAX_BUFFERED = MAX_BUFFERED_RESPONSE
_REFUSED = {400: "InvalidRequestID", 403: "InvalidStateTransition", 413: "RequestEntityTooLarge"}


class Post:
    """One request the runtime sent: which call, for which invocation, with what."""

    def __init__(self, kind: str, request_id: str | None, headers: dict, body: bytes, status: int,
                 chunks: list | None = None, trailers: dict | None = None):
        self.kind = kind  # "response", "error" or "init_error"
        self.request_id = request_id
        self.headers = headers  # lower-case names
        self.body = body
        self.status = status  # what the fake answered
        self.chunks = chunks  # the chunks of a streamed response, as they arrived
        self.trailers = trailers or {}  # lower-case names
        self.received = time.monotonic()  # when the whole request had arrived

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"Post({self.kind}, {self.request_id}, {self.status}, {self.body[:200]!r})"


def _reply(status: int, payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return response_head(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]) + body


class FakeRuntimeApi:
    def __init__(self, port: int = 0) -> None:
        self._events: queue.Queue = queue.Queue()
        self.posts: queue.Queue = queue.Queue()
        self.next_calls = 0
        self.open: set = set()  # invocations handed out and not yet answered
        self.closed: set = set()
        self.lock = threading.Lock()
        # Test hooks: the status /next answers with instead of an event (e.g. 500).
        self.next_status: int | None = None
        self.max_buffered = MAX_BUFFERED  # a buffered response above this gets 413
        self.close_on_handout = False  # close invocations as they go out, as a timeout would
        self.connections = 0
        self._sockets: list = []
        self.stream_chunks: queue.Queue = queue.Queue()  # (request id, chunk) as streamed chunks arrive
        self.extensions: list = []  # (name, body) of each registration
        self.extension_waits = 0  # event/next calls left pending
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", port))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> FakeRuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        for _ in range(8):
            self._events.put(None)
        self.drop_connections()

    def drop_connections(self) -> None:
        """The API dies: stops listening and cuts every open connection."""
        self._listener.close()
        with self.lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def queue_event(self, event=None, *, body: bytes | None = None,
                    content_type: str | None = "application/json", request_id: str | None = None,
                    deadline_ms: int | None = None, headers: dict | None = None) -> str:
        """Queues one invocation; returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        if body is None:
            body = json.dumps(event).encode()
        all_headers = {
            REQUEST_ID_HEADER: request_id,
            DEADLINE_HEADER: str(deadline_ms or int(time.time() * 1000) + 300_000),
            FUNCTION_ARN_HEADER: "arn:aws:lambda:us-east-1:123456789012:function:test",
        }
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        self._events.put((body, all_headers))
        return request_id

    def next_post(self, timeout: float = 20.0) -> Post:
        """The next thing the runtime posted, waiting for it (a poll, not a sleep)."""
        return self.posts.get(timeout=timeout)

    def wait_for_next_calls(self, n: int, timeout: float = 20.0) -> None:
        """Waits until the runtime has called /next n times (it is then idle, waiting)."""
        wait_until(lambda: self.next_calls >= n, f"the runtime calling /next {n} times", timeout)

    # --- the server ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # closed
            # Head and body are separate writes: without NODELAY, Nagle's algorithm and
            # delayed ACKs stall every reply by up to 40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.connections += 1
                self._sockets.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        reader = Reader(sock)
        with sock:
            try:
                while (head := reader.read_head()) is not None:
                    req = parse_request_head(head)
                    if "100-continue" in req.headers.get("expect", "").lower():
                        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # awslambdaric's curl asks for it
                    reply = self._handle(req, reader)
                    if reply is None:
                        return
                    sock.sendall(reply)
            except (OSError, PeerClosed, HttpError):
                return  # a runtime that hangs up mid-request is what some tests do on purpose

    def _handle(self, req: Request, reader: Reader) -> bytes | None:
        action, request_id = api.route(req.method, req.path)
        if action == api.NEXT:
            return self._next()
        if req.path == EXTENSION_NEXT_PATH and req.method == "GET":
            with self.lock:
                self.extension_waits += 1
            self._closing.wait()  # no events were subscribed to: nothing ever comes
            return _reply(500, {"errorType": "ShutDown"})
        chunks = trailers = None
        if "chunked" in req.headers.get("transfer-encoding", "").lower():
            chunks, trailers = self._chunks(reader, request_id)
            body = b"".join(chunks)
        else:
            body = reader.read_body(req.headers, 1 << 40)[0]
        if action == api.EXTENSIONS and req.path == EXTENSION_REGISTER_PATH:
            with self.lock:
                self.extensions.append((req.headers.get(EXTENSION_NAME_HEADER.lower()), json.loads(body)))
                extension_id = f"ext-{len(self.extensions)}"
            data = b'{"functionName": "test", "functionVersion": "$LATEST", "handler": "x"}'
            return response_head(200, [(EXTENSION_ID_HEADER, extension_id), ("Content-Length", str(len(data)))]) + data
        if action == api.INIT_ERROR:
            return self._record("init_error", None, req.headers, body, 202)
        if action not in (api.RESPOND, api.FAIL):
            return _reply(404, {"errorType": "NotFound"})
        return self._post("response" if action == api.RESPOND else "error", request_id, req, body, chunks, trailers)

    def _post(self, kind: str, request_id: str, req: Request, body: bytes, chunks: list | None,
              trailers: dict | None) -> bytes:
        """A response or an error for an invocation: 202, or what Lambda refuses it with."""
        with self.lock:
            known = request_id in self.open or request_id in self.closed
            is_open = request_id in self.open
            if is_open:
                self.open.discard(request_id)
                self.closed.add(request_id)
        if not known:
            return self._record(kind, request_id, req.headers, body, 400)
        if not is_open:
            return self._record(kind, request_id, req.headers, body, 403)
        if kind == "response" and chunks is None and len(body) > self.max_buffered:
            return self._record(kind, request_id, req.headers, body, 413)
        return self._record(kind, request_id, req.headers, body, 202, chunks, trailers)

    def _next(self) -> bytes:
        with self.lock:
            self.next_calls += 1
        if self.next_status is not None:
            return _reply(self.next_status, {"errorType": "Fake", "errorMessage": "forced"})
        event = self._events.get()
        if event is None:  # shutting down
            return _reply(500, {"errorType": "ShutDown"})
        body, headers = event
        with self.lock:
            (self.closed if self.close_on_handout else self.open).add(headers[REQUEST_ID_HEADER])
        return response_head(200, [*headers.items(), ("Content-Length", str(len(body)))]) + body

    def _chunks(self, reader: Reader, request_id: str) -> tuple[list, dict]:
        """A chunked body chunk by chunk as each arrives whole, and its trailers."""
        chunks = []
        while size := chunk_size(reader.read_line()):
            data = reader.read_exactly(size)
            if reader.read_line():
                raise HttpError(400, "a chunk does not end with CRLF")
            chunks.append(data)
            self.stream_chunks.put((request_id, data))
        trailers = {}
        while line := reader.read_line():
            name, value = trailer(line)
            trailers[name] = value
        return chunks, trailers

    def _record(self, kind, request_id, headers, body, status, chunks=None, trailers=None) -> bytes:
        self.posts.put(Post(kind, request_id, headers, body, status, chunks, trailers))
        if status == 202:
            return _reply(202, {"status": "OK"})
        return _reply(status, {"errorType": _REFUSED[status], "errorMessage": f"fake {status}"})
