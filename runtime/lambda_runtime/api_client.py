"""The connection to the Runtime API: one keep-alive HTTP/1.1 socket.

A raw socket rather than `http.client`, which imports `ssl` and `email` (about 10 ms
and 6 MB at start, for a loopback connection that never uses either).
"""

from __future__ import annotations

import socket
import time

from . import api_protocol as proto

# A Runtime API that is not up yet at start is retried for this long, then the
# runtime gives up with one line (Lambda starts the API first; a mis-set address
# must not hang forever).
STARTUP_RETRY_SECONDS = 3.0
# Sizes one body is sent with the head in a single send (fewer syscalls) or after it.
_COALESCE_BELOW = 64 * 1024
_MAX_LINE = 65536


class RuntimeApiError(Exception):
    """The Runtime API is gone or broken: the runtime must exit (the platform restarts it)."""


class InvocationRejected(Exception):
    """The Runtime API refused a post for one invocation (400, 403, 413); the loop goes on."""

    def __init__(self, status: int, path: str, body: bytes) -> None:
        self.status = status
        super().__init__(
            f"POST {path} was refused with HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
        )


class RuntimeApiClient:
    """Sends next / response / error / init-error over one persistent connection."""

    def __init__(self, address: str, startup_retry_seconds: float = STARTUP_RETRY_SECONDS) -> None:
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit():
            raise RuntimeApiError(
                f"AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got {address!r}")
        self.address = address
        self._host_port = (host.strip("[]"), int(port))
        self._startup_retry_seconds = startup_retry_seconds
        self._sock: socket.socket | None = None
        self._reader = None
        self._reached = False  # has the API answered once? After that, refusal is fatal.

    # --- the four calls, named after the API actions -------------------------------

    def next_invocation(self) -> proto.Invocation:
        """GET /runtime/invocation/next: blocks (no timeout) until an event arrives."""
        status, headers, body = self._call(proto.next_request(self.address), b"", proto.NEXT_PATH)
        if status != 200:
            raise RuntimeApiError(_refusal("GET", proto.NEXT_PATH, status, body))
        try:
            return proto.parse_invocation(headers, body)
        except proto.ProtocolError as exc:
            raise RuntimeApiError(str(exc)) from None

    def post_response(self, inv: proto.Invocation, body: bytes, content_type: str) -> None:
        """POST /runtime/invocation/{id}/response with a buffered body."""
        head = proto.response_request(self.address, inv.request_id, body, content_type,
                                      inv.invocation_id)
        self._expect_accepted(head, body, proto.response_path(inv.request_id))

    def post_error(self, inv: proto.Invocation, body: bytes, error_type: str,
                   xray_cause: str | None) -> None:
        """POST /runtime/invocation/{id}/error."""
        head = proto.error_request(self.address, inv.request_id, body, error_type, xray_cause,
                                   inv.invocation_id)
        self._expect_accepted(head, body, proto.error_path(inv.request_id))

    def post_init_error(self, body: bytes, error_type: str) -> None:
        """POST /runtime/init/error: only before the first /next."""
        head = proto.init_error_request(self.address, body, error_type)
        self._expect_accepted(head, body, proto.INIT_ERROR_PATH)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = self._reader = None

    # --- the connection -------------------------------------------------------------

    def _expect_accepted(self, head: bytes, body: bytes, path: str) -> None:
        status, _, reply = self._call(head, body, path)
        if status == 202:
            return
        if status in (400, 403, 413):
            raise InvocationRejected(status, path, reply)
        raise RuntimeApiError(_refusal("POST", path, status, reply))

    def _call(self, head: bytes, body: bytes, path: str) -> tuple[int, dict, bytes]:
        reused = self._sock is not None
        try:
            if not reused:
                self._connect()
            return self._exchange(head, body)
        except (OSError, _EmptyReply, proto.ProtocolError) as exc:
            self.close()
            # A keep-alive connection the server closed while idle fails before any
            # reply byte: send once more, on a fresh connection (so never more than once).
            if reused and isinstance(exc, (ConnectionError, _EmptyReply)):
                return self._call(head, body, path)
            if isinstance(exc, proto.ProtocolError):
                raise RuntimeApiError(str(exc)) from None
            raise RuntimeApiError(f"lost the Runtime API at {self.address} during {path}: "
                                  f"{_describe(exc)}") from None

    def _connect(self) -> None:
        give_up = time.monotonic() + (0 if self._reached else self._startup_retry_seconds)
        delay = 0.005
        while True:
            try:
                sock = socket.create_connection(self._host_port)
                break
            except OSError as exc:
                if time.monotonic() + delay > give_up:
                    if self._reached:
                        raise RuntimeApiError(f"lost the Runtime API at {self.address}: "
                                              f"cannot reconnect: {_describe(exc)}") from None
                    raise RuntimeApiError(
                        f"cannot reach the Runtime API at {self.address}: {_describe(exc)}"
                        f" (retried for {self._startup_retry_seconds:g} s)") from None
                time.sleep(delay)  # backoff while the API starts, bounded by give_up
                delay = min(delay * 2, 0.25)
        # Head and body may leave in two sends: without NODELAY, Nagle's algorithm and
        # delayed ACKs would hold the second for up to 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._reader = sock.makefile("rb")

    def _exchange(self, head: bytes, body: bytes) -> tuple[int, dict, bytes]:
        sock = self._sock
        if len(body) < _COALESCE_BELOW:
            sock.sendall(head + body)
        else:
            sock.sendall(head)
            sock.sendall(body)
        reader = self._reader
        line = reader.readline(_MAX_LINE)
        if not line:
            raise _EmptyReply("the connection closed before a reply")
        status = proto.parse_status_line(line)
        while 100 <= status < 200:  # interim replies carry no body
            self._read_headers(reader)
            status = proto.parse_status_line(reader.readline(_MAX_LINE))
        headers = self._read_headers(reader)
        self._reached = True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            reply = self._read_chunked(reader)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            reply = reader.read(length)
            if len(reply) != length:
                raise ConnectionResetError(f"reply ended after {len(reply)} of {length} bytes")
        else:
            reply = reader.read()  # no length: the body runs to the end of the connection
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, reply

    @staticmethod
    def _read_headers(reader) -> dict:
        headers: dict = {}
        while True:
            line = reader.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n"):
                return headers
            if not line:
                raise ConnectionResetError("the connection closed inside the reply headers")
            proto.parse_header_line(line, headers)

    @staticmethod
    def _read_chunked(reader) -> bytes:
        parts = []
        while True:
            size_line = reader.readline(_MAX_LINE)
            if not size_line:
                raise ConnectionResetError("the connection closed inside a chunked reply")
            size = int(size_line.split(b";", 1)[0], 16)
            if size == 0:
                while reader.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: none that the runtime needs
                return b"".join(parts)
            parts.append(reader.read(size))
            reader.readline(_MAX_LINE)


class _EmptyReply(Exception):
    pass


def _refusal(method: str, path: str, status: int, body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    return f"the Runtime API answered {method} {path} with HTTP {status}" + (
        f": {text}" if text else "")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
