"""The benchmark's fake Runtime API: lean, so that its own time hides little of a runtime's."""

from __future__ import annotations

import json
import socket
import threading
import time

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


class FastApi:
    """A minimal Runtime API: one pre-built event per permit, 202 for every post.

    Lean on purpose: wall time per invocation is the runtime's and this server's time
    added up, so every microsecond here hides the difference between runtimes.
    """

    def __init__(self, posts_wanted: int = 0) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.permits = threading.Semaphore(0)
        self.first_next: float | None = None
        self.first_next_seen = threading.Event()
        self.posts = 0
        self.posts_wanted = posts_wanted  # `reached` is set when this many posts arrived
        self.reached = threading.Event()
        deadline = int(time.time() * 1000) + 3_600_000
        self._next_head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Lambda-Runtime-Aws-Request-Id: req-%d\r\n"
            b"Lambda-Runtime-Deadline-Ms: " + str(deadline).encode() + b"\r\n"
            b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:b\r\n"
            b"Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1\r\n"
            b"Content-Length: " + str(len(EVENT)).encode() + b"\r\n\r\n")
        threading.Thread(target=self._accept, daemon=True).start()

    def expect_posts(self, n: int) -> None:
        self.posts_wanted = n
        self.reached.clear()
        if self.posts >= n:
            self.reached.set()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        accepted = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
        buf = b""
        counter = 0
        try:
            while True:
                while (end := buf.find(b"\r\n\r\n")) < 0:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                head, buf = buf[:end], buf[end + 4:]
                if head.startswith(b"GET "):
                    if self.first_next is None:
                        self.first_next = time.perf_counter()
                        self.first_next_seen.set()
                    self.permits.acquire()
                    counter += 1
                    conn.sendall(self._next_head % counter + EVENT)
                    continue
                at = head.lower().find(b"content-length:")
                length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
                while len(buf) < length:
                    buf += conn.recv(65536)
                buf = buf[length:]
                conn.sendall(accepted)
                self.posts += 1
                if self.posts >= self.posts_wanted:
                    self.reached.set()
        except OSError:
            return

    def wait_posts(self, n: int, timeout: float = 120) -> None:
        self.expect_posts(n)
        if not self.reached.wait(timeout):
            raise TimeoutError(f"{self.posts} of {n} posts arrived")

    def close(self) -> None:
        self.listener.close()
