"""Where the error trackers send what they report: a real HTTP server that records it.

Sentry posts envelopes (gzip-compressed) to /api/<project>/envelope/; Honeybadger posts a
JSON notice to /v1/notices/. Each report keeps the time it was received (time.monotonic,
comparable with tests/kit/fake_api.py's Post.received), so a test can tell whether it left the
function before the runtime posted its answer.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kit.polling import wait_until


class Report:
    """One item a tracker sent: its kind ("event", "transaction", ... or "notice") and payload."""

    def __init__(self, kind: str, payload: dict, received: float) -> None:
        self.kind = kind
        self.payload = payload
        self.received = received

    def __repr__(self) -> str:
        return f"Report({self.kind}, {json.dumps(self.payload)[:300]})"


class TrackerSink:
    """`with TrackerSink(host) as sink:` serves on host:<free port>; `sink.reports` fill up."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.reports: list[Report] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                received = time.monotonic()
                if self.path.endswith("/envelope/"):
                    reports = [Report(kind, payload, received) for kind, payload in _envelope_items(body)]
                elif self.path == "/v1/notices/":
                    reports = [Report("notice", json.loads(body), received)]
                else:
                    reports = [Report(f"unexpected {self.path}", {}, received)]
                with sink._lock:
                    sink.reports.extend(reports)
                status = 201 if self.path == "/v1/notices/" else 200  # what each service answers
                data = b'{"id": "recorded"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> TrackerSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of_kind(self, kind: str) -> list[Report]:
        with self._lock:
            return [report for report in self.reports if report.kind == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 30) -> list[Report]:
        """The first `count` reports of that kind, once they have arrived (polled)."""
        return wait_until(lambda: (found := self.of_kind(kind)) and len(found) >= count and found[:count],
                          f"{count} {kind} report(s) at the tracker sink", timeout)


def _envelope_items(body: bytes) -> list[tuple[str, dict]]:
    """(item type, payload) of each item of a Sentry envelope: a header line, then for each
    item a header line and a payload (of `length` bytes when the header says so, else a line)."""
    items = []
    rest = body.split(b"\n", 1)[1] if b"\n" in body else b""
    while rest.strip():
        header_line, _, rest = rest.partition(b"\n")
        header = json.loads(header_line)
        if "length" in header:
            payload, rest = rest[:header["length"]], rest[header["length"]:].lstrip(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        try:
            items.append((header.get("type", "?"), json.loads(payload)))
        except ValueError:
            items.append((header.get("type", "?"), {}))  # an attachment, not JSON
    return items
