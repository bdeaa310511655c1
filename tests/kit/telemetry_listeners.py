"""Real listeners an extension would run, on 127.0.0.1: an HTTP server that keeps every batch it is
POSTed, and a TCP server that keeps every NDJSON line. Both can be held (to play a slow
consumer), and the HTTP one can refuse batches."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HttpListener:
    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []  # {"method", "path", "headers", "body"}
        self.connections = 0
        self.statuses: list[int] = []  # answers to give, one per request, then 200
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = 0  # requests read (held ones too)
        self.lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with listener.lock:
                    listener.connections += 1

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with listener.lock:
                    listener.arrived += 1
                    status = listener.statuses.pop(0) if listener.statuses else 200
                listener.gate.wait(30)
                with listener.lock:
                    listener.requests.append({"method": self.command, "path": self.path,
                                              "headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_PUT = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    @property
    def uri(self) -> str:
        return f"http://sandbox.localdomain:{self.port}"

    def batches(self) -> list[list[dict]]:
        """The accepted batches (answered 200), parsed."""
        with self.lock:
            return [json.loads(request["body"]) for request in self.requests if request["status"] == 200]

    def events(self) -> list[dict]:
        return [event for batch in self.batches() for event in batch]

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


class TcpListener:
    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.connections = 0
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()
        listener = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with listener.lock:
                    listener.connections += 1
                while True:
                    listener.gate.wait(30)
                    line = self.rfile.readline()
                    if not line:
                        return
                    with listener.lock:
                        listener.lines.append(line)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        with self.lock:
            assert all(line.endswith(b"\n") for line in self.lines)
            return [json.loads(line) for line in self.lines]

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    """A port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
