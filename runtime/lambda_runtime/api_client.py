"""The connection to the Runtime API: one keep-alive HTTP/1.1 socket.

A raw socket rather than `http.client`, which imports `ssl` and `email` (about 10 ms
and 6 MB at start, for a loopback connection that never uses either).
"""

from __future__ import annotations

import socket
import time

from . import api_protocol as proto

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

# A Runtime API that is not up yet at start is retried for this long, then the
# runtime gives up with one line (Lambda starts the API first; a mis-set address
# must not hang forever).
STARTUP_RETRY_SECONDS = 3.0
# A body below this size leaves in the same send as its head (one syscall); a larger
# one is sent after it, uncopied.
_COALESCE_BELOW = 64 * 1024
_RECV_SIZE = 65536
# Refusals of one invocation's post: 400 InvalidRequestID, 403 InvalidStateTransition,
# 410 InvokeTimeout (managed instances), 413 RequestEntityTooLarge.
_REFUSALS = frozenset((400, 403, 410, 413))
# Lambda's headers are small; a reply head larger than this is not the Runtime API.
_MAX_HEAD = 1024 * 1024


class RuntimeApiError(Exception):
    """The Runtime API is gone or broken: the runtime must exit (the platform restarts it)."""


class ConnectionLost(RuntimeApiError):
    """The Runtime API, reached before, stopped answering."""


class RuntimeApiClosed(ConnectionLost):
    """The API went away while the runtime waited for work: how an environment ends (SAM CLI
    stops its container this way), so nothing was lost and nothing needs saying."""


class InvocationRejected(Exception):
    """The Runtime API refused a post for one invocation (400, 403, 410, 413); the loop goes on.

    410 is what a managed-instance environment answers for an invocation that timed out.
    """

    def __init__(self, status: int, path: str, body: bytes) -> None:
        self.status = status
        super().__init__(
            f"POST {path} was refused with HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
        )


class RuntimeApiClient:
    """Sends next / response / error / init-error over one persistent connection."""

    def __init__(self, address: str, startup_retry_seconds: float | None = None) -> None:
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit() or not host or not host.isascii():
            raise RuntimeApiError(f"AWS_LAMBDA_RUNTIME_API must be HOST:PORT, got {address!r}")
        self.address = address
        host = host.strip("[]")
        self._family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # Bytes, not str: a str host makes the socket module import the idna codec (~2 ms).
        self._host_port = (host.encode("ascii"), int(port))
        self._heads = proto.RequestHeads(address)
        self._startup_retry_seconds = STARTUP_RETRY_SECONDS if startup_retry_seconds is None else startup_retry_seconds
        self._sock: socket.socket | None = None
        self._buf = bytearray()  # bytes received and not yet consumed
        self._reached = False  # has the API answered once? After that, refusal is fatal.
        self._reply_began = False  # has a byte of the current reply arrived? Then no retry.

    # --- the four calls, named after the API actions -------------------------------

    def next_invocation(self) -> proto.Invocation:
        """GET /runtime/invocation/next: blocks (no timeout) until an event arrives."""
        try:
            status, headers, body = self._call(self._heads.next, b"", proto.NEXT_PATH)
        except ConnectionLost as exc:
            if not self._reached:
                raise
            raise RuntimeApiClosed(str(exc)) from None
        if status != 200:
            raise RuntimeApiError(_refusal("GET", proto.NEXT_PATH, status, body))
        try:
            return proto.parse_invocation(headers, body)
        except proto.ProtocolError as exc:
            raise RuntimeApiError(str(exc)) from None

    def post_response(self, request_id: str, body: bytes, content_type: str,
                      invocation_id: str | None = None) -> None:
        """POST /runtime/invocation/{id}/response with a buffered body."""
        head = self._heads.response(request_id, body, content_type, invocation_id)
        self._expect_accepted(head, body, proto.response_path(request_id))

    def post_error(self, request_id: str, body: bytes, error_type: str, xray_cause: str | None,
                   invocation_id: str | None = None) -> None:
        """POST /runtime/invocation/{id}/error."""
        head = proto.error_request(self.address, request_id, body, error_type, xray_cause, invocation_id)
        self._expect_accepted(head, body, proto.error_path(request_id))

    def post_init_error(self, body: bytes, error_type: str) -> None:
        """POST /runtime/init/error: only before the first /next."""
        head = proto.init_error_request(self.address, body, error_type)
        self._expect_accepted(head, body, proto.INIT_ERROR_PATH)

    def start_streamed_response(self, inv: proto.Invocation, content_type: str) -> ResponseStream:
        """POST /runtime/invocation/{id}/response, streamed: sends the head; the body follows."""
        head = proto.streaming_response_request(self.address, inv.request_id, content_type, inv.invocation_id)
        path = proto.response_path(inv.request_id)
        try:
            self._socket().sendall(head)
        except OSError as exc:
            self.close()
            raise ConnectionLost(f"lost the Runtime API at {self.address} during {path}: {_describe(exc)}") from None
        return ResponseStream(self, path)

    def register_extension(self, name: str) -> str:
        """POST /2020-01-01/extension/register, subscribing to no events: the extension's id."""
        head, body = proto.extension_register_request(self.address, name)
        status, headers, reply = self._call(head, body, proto.EXTENSION_REGISTER_PATH)
        extension_id = headers.get("lambda-extension-identifier")
        if status != 200 or not extension_id:
            raise RuntimeApiError(_refusal("POST", proto.EXTENSION_REGISTER_PATH, status, reply))
        return extension_id

    def wait_for_extension_event(self, extension_id: str) -> socket.socket:
        """GET /2020-01-01/extension/event/next on a connection of its own, left pending.

        An extension is ready once it waits for its next event; one that subscribed to none
        is never answered. The caller keeps the socket for the life of the process.
        """
        sock = self._open_connection()
        sock.sendall(proto.extension_next_request(self.address, extension_id))
        return sock

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
        if status in _REFUSALS:
            raise InvocationRejected(status, path, reply)
        raise RuntimeApiError(_refusal("POST", path, status, reply))

    def _call(self, head: bytes, body: bytes, path: str) -> tuple[int, dict[str, str], bytes]:
        reused = self._sock is not None
        try:
            return self._exchange(self._socket(), head, body)
        except (OSError, _EmptyReply, proto.ProtocolError) as exc:
            began = self._reply_began
            self.close()
            # A keep-alive connection the server closed while idle fails before any
            # reply byte: send once more, on a fresh connection (so never more than once).
            # Once the reply has begun, the request was taken: sending it again could lose an
            # event (/next) or be refused (/response).
            if reused and not began and isinstance(exc, (ConnectionError, _EmptyReply)):
                return self._call(head, body, path)
            if isinstance(exc, proto.ProtocolError):
                raise RuntimeApiError(str(exc)) from None
            raise ConnectionLost(f"lost the Runtime API at {self.address} during {path}: "
                                 f"{_describe(exc)}") from None

    def _socket(self) -> socket.socket:
        """The connection, made on first use (and after the server closed the last one)."""
        if self._sock is None:
            self._sock = self._open_connection()
        return self._sock

    def _open_connection(self) -> socket.socket:
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
                        raise ConnectionLost(f"lost the Runtime API at {self.address}: "
                                             f"cannot reconnect: {_describe(exc)}") from None
                    raise RuntimeApiError(
                        f"cannot reach the Runtime API at {self.address}: {_describe(exc)}"
                        f" (retried for {self._startup_retry_seconds:g} s)") from None
                time.sleep(delay)  # backoff while the API starts, bounded by give_up
                delay = min(delay * 2, 0.25)
        # Head and body may leave in two sends: without NODELAY, Nagle's algorithm and
        # delayed ACKs would hold the second for up to 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _exchange(self, sock: socket.socket, head: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._reply_began = False
        if len(body) < _COALESCE_BELOW:
            sock.sendall(head + body)
        else:
            sock.sendall(head)
            sock.sendall(body)
        return self._read_reply()

    def _read_reply(self) -> tuple[int, dict[str, str], bytes]:
        status, headers = proto.parse_head(self._read_head())
        while 100 <= status < 200:  # interim replies carry no body
            status, headers = proto.parse_head(self._read_head())
        self._reached = True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            reply = self._read_chunked()
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit():
                raise proto.ProtocolError(f"malformed Content-Length from the Runtime API: {length[:100]!r}")
            reply = self._read_exactly(int(length))
        else:  # no length: the body runs to the end of the connection
            while self._recv():
                pass
            reply = bytes(self._buf)
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, reply

    def _recv(self) -> int:
        chunk = self._socket().recv(_RECV_SIZE)
        if chunk:
            self._reply_began = True
        self._buf += chunk
        return len(chunk)

    def _read_until(self, mark: bytes, limit: int) -> bytes:
        """The bytes before `mark`, consuming the mark too."""
        buf = self._buf
        start = 0
        while (end := buf.find(mark, start)) < 0 or end > limit:
            if end > limit or len(buf) > limit:
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
            sock = self._socket()
            while have < n:
                got = sock.recv_into(view[have:])
                self._reply_began = True
                if not got:
                    raise ConnectionResetError(f"reply ended after {have} of {n} bytes")
                have += got
            return bytes(body)
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self._read_until(b"\r\n", _MAX_HEAD)
            try:
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                raise proto.ProtocolError(f"malformed chunk size from the Runtime API: "
                                          f"{line[:100].decode('latin-1')!r}") from None
            if size == 0:
                while self._read_until(b"\r\n", _MAX_HEAD):
                    pass  # trailers: none that the runtime needs
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            if self._read_until(b"\r\n", 2):
                raise proto.ProtocolError("a chunk from the Runtime API is longer than its size")


class ResponseStream:
    """The body of a streamed response, written chunk by chunk (HTTP/1.1 chunked encoding)."""

    def __init__(self, client: RuntimeApiClient, path: str) -> None:
        self._client = client
        self._path = path
        self.bytes_sent = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        size = len(data)
        if not size:
            return  # an empty chunk would end the body
        try:
            _send_parts(self._client._socket(), (proto.chunk_head(size), data, b"\r\n"))
        except OSError as exc:
            self._lost(exc)
        self.bytes_sent += size

    def finish(self, error_type: str | None = None, error_body: bytes | None = None) -> None:
        """Ends the body (with the error trailers when `error_type` is given) and reads the reply.

        The connection is closed afterwards, as AWS's custom-runtime documentation asks of a
        streamed response; the next call opens a new one.
        """
        client = self._client
        try:
            client._socket().sendall(proto.last_chunk(error_type, error_body))
            status, _, reply = client._read_reply()
        except (OSError, _EmptyReply, proto.ProtocolError) as exc:
            self._lost(exc)
        finally:
            client.close()
        if status == 202:
            return
        if status in _REFUSALS:
            raise InvocationRejected(status, self._path, reply)
        raise RuntimeApiError(_refusal("POST", self._path, status, reply))

    def _lost(self, exc: BaseException) -> NoReturn:
        self._client.close()
        raise ConnectionLost(f"lost the Runtime API at {self._client.address} during {self._path}: "
                              f"{_describe(exc)}") from None


def _send_parts(sock: socket.socket, parts: tuple[bytes | bytearray | memoryview, ...]) -> None:
    """Sends the parts in one system call where the socket takes them all (sendmsg), never
    copying them; what a partial send leaves goes in the calls after it."""
    views = [memoryview(part) for part in parts]
    while views:
        sent = sock.sendmsg(views)
        while views and sent >= len(views[0]):
            sent -= len(views.pop(0))
        if sent:
            views[0] = views[0][sent:]


class _EmptyReply(Exception):
    pass


def _refusal(method: str, path: str, status: int, body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace").strip()
    return f"the Runtime API answered {method} {path} with HTTP {status}" + (
        f": {text}" if text else "")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
