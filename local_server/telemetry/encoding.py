"""Records on the wire: an event's bytes, a batch's body, the HTTP request that carries it and the
head of the listener's answer. Pure.

- HTTP: "Lambda delivers telemetry to a local HTTP endpoint ... as an array of records in JSON
  format ... through POST requests" (telemetry-api.md, awsdocs source of 2023: docs/facts.md T3).
- TCP: "Lambda delivers telemetry to a TCP port in Newline delimited JSON (NDJSON) format" (same);
  AWS's managed-instances RIE writes each event, then "\\n".
Content-Type application/json as the RIE sends it (internal/client.go; Lambda's: unconfirmed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .telemetry_records import JsonObject

MAX_RESPONSE_HEAD = 64 * 1024


def encode(event: JsonObject) -> bytes:
    # Compact, UTF-8 as it is (Go's encoder, RAPID's, adds no spaces and no \\u escapes of text).
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def http_body(events: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(events) + b"]"


def tcp_body(events: Sequence[bytes]) -> bytes:
    return b"".join(event + b"\n" for event in events)


def http_request(method: str, path: str, host: str, body: bytes) -> bytes:
    """One delivery, keep-alive (HTTP/1.1's default), the whole request in one buffer."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


@dataclass(frozen=True)
class ResponseHead:
    version: str
    status: int
    headers: dict[str, str]  # names in lower case; a repeated header keeps its last value

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection

    def framing(self, method: str) -> tuple[str, int]:
        """How the body ends: ("none", 0), ("length", n), ("chunked", 0) or ("close", 0)."""
        if method == "HEAD" or self.status in (204, 304) or 100 <= self.status < 200:
            return "none", 0
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return "chunked", 0
        length = self.headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise ValueError(f"bad Content-Length: {length!r}")
            return "length", int(length)
        return "close", 0


def parse_response_head(head: bytes) -> ResponseHead:
    """The status line and headers (the bytes before the blank line); ValueError if not HTTP/1.x."""
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ValueError(f"not an HTTP/1.x status line: {lines[0][:100]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return ResponseHead(version, int(code), headers)


def chunk_size(line: bytes) -> int:
    """The size on a chunk's line ("1a;ext=1\\r\\n" -> 26); ValueError if it is not one."""
    return int(line.split(b";", 1)[0].strip(), 16)
