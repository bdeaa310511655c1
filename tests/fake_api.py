"""An in-process Runtime API (2018-06-01) on 127.0.0.1, port 0: a real HTTP/1.1 peer.

It behaves like Lambda's: `/next` long-polls until an event is queued, a buffered
response over 6,291,556 bytes gets 413 and closes the invocation, a second post for
the same invocation gets 403, an unknown request id gets 400. A streamed response
(chunked, with trailers) is read chunk by chunk as it arrives. The Extensions API
answers `register`, and leaves `event/next` pending, as Lambda does for an internal
extension that subscribed to no events. Tests queue events and read back what the
runtime posted.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from polling import wait_until

MAX_BUFFERED = 6_291_556
PREFIX = "/2018-06-01/runtime"
EXTENSION_PREFIX = "/2020-01-01/extension"


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a runtime that hangs up mid-request is what some tests do on purpose


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
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API

            def setup(self) -> None:
                super().setup()
                # Head and body are separate writes: without NODELAY, Nagle's algorithm and
                # delayed ACKs stall every reply by up to 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with api.lock:
                    api.connections += 1
                    api._sockets.append(self.connection)

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == EXTENSION_PREFIX + "/event/next":
                    with api.lock:
                        api.extension_waits += 1
                    api._closing.wait()  # no events were subscribed to: nothing ever comes
                    return self._reply(500, {"errorType": "ShutDown"})
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404, {"errorType": "NotFound"})
                with api.lock:
                    api.next_calls += 1
                if api.next_status is not None:
                    return self._reply(api.next_status, {"errorType": "Fake", "errorMessage": "forced"})
                event = api._events.get()
                if event is None:  # shutting down
                    return self._reply(500, {"errorType": "ShutDown"})
                body, headers = event
                with api.lock:
                    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
                    (api.closed if api.close_on_handout else api.open).add(request_id)
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                chunks = trailers = None
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    chunks, trailers = self._read_chunked()
                    body = b"".join(chunks)
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                length = len(body)
                if self.path == EXTENSION_PREFIX + "/register":
                    with api.lock:
                        api.extensions.append((headers.get("lambda-extension-name"), json.loads(body)))
                        extension_id = f"ext-{len(api.extensions)}"
                    data = b'{"functionName": "test", "functionVersion": "$LATEST", "handler": "x"}'
                    self.send_response(200)
                    self.send_header("Lambda-Extension-Identifier", extension_id)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    return self.wfile.write(data)
                if self.path == PREFIX + "/init/error":
                    return self._record("init_error", None, headers, body, 202)
                parts = self.path[len(PREFIX):].split("/")  # ['', 'invocation', id, kind]
                if len(parts) != 4 or parts[1] != "invocation" or parts[3] not in ("response", "error"):
                    return self._reply(404, {"errorType": "NotFound"})
                request_id, kind = parts[2], parts[3]
                with api.lock:
                    known = request_id in api.open or request_id in api.closed
                    is_open = request_id in api.open
                    if is_open:
                        api.open.discard(request_id)
                        api.closed.add(request_id)
                if not known:
                    return self._record(kind, request_id, headers, body, 400, "InvalidRequestID")
                if not is_open:
                    return self._record(kind, request_id, headers, body, 403, "InvalidStateTransition")
                if kind == "response" and chunks is None and length > api.max_buffered:
                    return self._record(kind, request_id, headers, body, 413, "RequestEntityTooLarge")
                self._record(kind, request_id, headers, body, 202, chunks=chunks, trailers=trailers)

            def _read_chunked(self) -> tuple:
                chunks, trailers = [], {}
                request_id = self.path.split("/")[-2]
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        break
                    chunk = self.rfile.read(size)
                    assert self.rfile.read(2) == b"\r\n"
                    chunks.append(chunk)
                    api.stream_chunks.put((request_id, chunk))
                while (line := self.rfile.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    trailers[name.strip().lower()] = value.strip()
                return chunks, trailers

            def _record(self, kind, request_id, headers, body, status, error_type=None, chunks=None,
                        trailers=None) -> None:
                api.posts.put(Post(kind, request_id, headers, body, status, chunks, trailers))
                if status == 202:
                    self._reply(202, {"status": "OK"})
                else:
                    self._reply(status, {"errorType": error_type, "errorMessage": f"fake {status}"})

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = _Server(("127.0.0.1", port), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> FakeRuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        for _ in range(8):
            self._events.put(None)
        self.server.shutdown()
        self.server.server_close()

    def drop_connections(self) -> None:
        """The API dies: stops listening and cuts every open connection."""
        self.server.shutdown()
        self.server.server_close()
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
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms or int(time.time() * 1000) + 300_000),
            "Lambda-Runtime-Invoked-Function-Arn":
                "arn:aws:lambda:us-east-1:123456789012:function:test",
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
