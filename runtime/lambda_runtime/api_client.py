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
# A body below this size leaves in the same send as its head (one syscall); a larger
# one is sent after it, uncopied.
_COALESCE_BELOW = 64 * 1024
_RECV_SIZE = 65536
# Lambda's headers are small; a reply head larger than this is not the Runtime API.
_MAX_HEAD = 1024 * 1024


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
        if not sep or not port.isdigit() or not host or not host.isascii():
            raise RuntimeApiError(f"AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got {address!r}")
        self.address = address
        host = host.strip("[]")
        self._family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # Bytes, not str: a str host makes the socket module import the idna codec (~2 ms).
        self._host_port = (host.encode("ascii"), int(port))
        self._heads = proto.RequestHeads(address)
        self._startup_retry_seconds = startup_retry_seconds
        self._sock: socket.socket | None = None
        self._buf = bytearray()  # bytes received and not yet consumed
        self._reached = False  # has the API answered once? After that, refusal is fatal.

    # --- the four calls, named after the API actions -------------------------------

    def next_invocation(self) -> proto.Invocation:
        """GET /runtime/invocation/next: blocks (no timeout) until an event arrives."""
        status, headers, body = self._call(self._heads.next, b"", proto.NEXT_PATH)
        if status != 200:
            raise RuntimeApiError(_refusal("GET", proto.NEXT_PATH, status, body))
        try:
            return proto.parse_invocation(headers, body)
        except proto.ProtocolError as exc:
            raise RuntimeApiError(str(exc)) from None

    def post_response(self, inv: proto.Invocation, body: bytes, content_type: str) -> None:
        """POST /runtime/invocation/{id}/response with a buffered body."""
        head = self._heads.response(inv.request_id, body, content_type, inv.invocation_id)
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
                self._sock = None
                self._buf.clear()

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
            sock = socket.socket(self._family, socket.SOCK_STREAM)
            try:
                sock.connect(self._host_port)
                break
            except OSError as exc:
                sock.close()
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

    def _exchange(self, head: bytes, body: bytes) -> tuple[int, dict, bytes]:
        sock = self._sock
        if len(body) < _COALESCE_BELOW:
            sock.sendall(head + body)
        else:
            sock.sendall(head)
            sock.sendall(body)
        status, headers = proto.parse_head(self._read_head())
        while 100 <= status < 200:  # interim replies carry no body
            status, headers = proto.parse_head(self._read_head())
        self._reached = True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            reply = self._read_chunked()
        elif "content-length" in headers:
            reply = self._read_exactly(int(headers["content-length"]))
        else:  # no length: the body runs to the end of the connection
            while self._recv():
                pass
            reply = bytes(self._buf)
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, reply

    def _recv(self) -> int:
        chunk = self._sock.recv(_RECV_SIZE)
        self._buf += chunk
        return len(chunk)

    def _read_until(self, mark: bytes, limit: int) -> bytes:
        """The bytes before `mark`, consuming the mark too."""
        buf = self._buf
        start = 0
        while (end := buf.find(mark, start)) < 0:
            if len(buf) > limit:
                raise proto.ProtocolError(f"no {mark!r} in the first {limit} bytes of a reply")
            start = max(0, len(buf) - len(mark) + 1)
            if not self._recv():
                if not buf:
                    raise _EmptyReply("the connection closed before a reply")
                raise ConnectionResetError("the connection closed inside a reply")
        data = bytes(buf[:end])
        del buf[:end + len(mark)]
        return data

    def _read_head(self) -> bytes:
        return self._read_until(b"\r\n\r\n", _MAX_HEAD)

    def _read_exactly(self, n: int) -> bytes:
        buf = self._buf
        if len(buf) < n:
            # Large bodies (events up to 6 MB) are received in place, not appended piece by piece.
            body = bytearray(n)
            have = len(buf)
            body[:have] = buf
            buf.clear()
            view = memoryview(body)
            while have < n:
                got = self._sock.recv_into(view[have:])
                if not got:
                    raise ConnectionResetError(f"reply ended after {have} of {n} bytes")
                have += got
            return bytes(body)
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_until(b"\r\n", _MAX_HEAD).split(b";", 1)[0], 16)
            if size == 0:
                while self._read_until(b"\r\n", _MAX_HEAD):
                    pass  # trailers: none that the runtime needs
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_until(b"\r\n", 2)


class _EmptyReply(Exception):
    pass


def _refusal(method: str, path: str, status: int, body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    return f"the Runtime API answered {method} {path} with HTTP {status}" + (
        f": {text}" if text else "")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
