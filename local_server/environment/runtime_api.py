"""The Runtime API (2018-06-01) of one execution environment, one connection at a time.

Each connection the runtime (or a worker of it, or an extension) opens is served by a
thread of its own: `/next` blocks until the environment has an invocation, responses are
read as they arrive (buffered, or chunked and streamed, with the error trailers), and
Extensions API calls on the same address go to the environment's ExtensionsApi.
Status codes as Lambda's (the runtime contract): 400 InvalidRequestID, 403
InvalidStateTransition, 413 for a buffered response over 6 MB; 410 InvokeTimeout for a
post after a managed-instance timeout (the RIE's lambda-managed-instances rapi).
"""

from __future__ import annotations

import base64
import binascii
import json
import select
import socket
import threading

from . import extensions_api, lambda_errors
from .http_wire import (
    BodyTooLarge,
    HttpError,
    PeerClosed,
    Reader,
    content_length,
    parse_request_head,
    response_head,
)
from .reports import ERROR

PREFIX = "/2018-06-01/runtime"
NEXT_PATH = PREFIX + "/invocation/next"
INVOCATION_PREFIX = PREFIX + "/invocation/"
INIT_ERROR_PATH = PREFIX + "/init/error"

MODE_HEADER = "lambda-runtime-function-response-mode"
ERROR_TYPE = "lambda-runtime-function-error-type"
ERROR_BODY = "lambda-runtime-function-error-body"
MAX_ERROR_BODY = lambda_errors.MAX_BUFFERED_RESPONSE
_PIECE = 64 * 1024

END = object()  # what Environment.park answers when the environment is gone
# How long a driver waits for the runtime's next /next before giving the connection back.
_REPARK_WAIT = 0.001

_ACCEPTED = (b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
             b'{"status":"OK"}')
_REFUSALS = {
    400: ("InvalidRequestID", "Invalid request ID"),
    403: ("InvalidStateTransition", "The invocation has already been answered"),
    410: ("InvokeTimeout", "Invoke timeout"),
    413: ("RequestEntityTooLarge", f"A buffered response is limited to {lambda_errors.MAX_BUFFERED_RESPONSE} bytes"),
}


def _reply(status: int, error_type: str, message: str) -> bytes:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return response_head(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]) + body


def _clean(value: bytes) -> bytes:
    # A header value is one line: JSON may hold raw line breaks, which are whitespace to it.
    return value.replace(b"\r", b" ").replace(b"\n", b" ")


def next_reply(inv, function_arn: bytes) -> bytes:
    """The `GET /next` answer for an invocation: the event and its headers (the runtime contract)."""
    head = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ",
            inv.request_id.encode(), b"\r\nLambda-Runtime-Deadline-Ms: ", str(inv.deadline_ms).encode(),
            b"\r\nLambda-Runtime-Invoked-Function-Arn: ", function_arn]
    if inv.trace_id:
        head += [b"\r\nLambda-Runtime-Trace-Id: ", _clean(inv.trace_id.encode("latin-1", "replace"))]
    if inv.client_context:
        head += [b"\r\nLambda-Runtime-Client-Context: ", _clean(inv.client_context)]
    head += [b"\r\nContent-Length: ", str(len(inv.payload)).encode(), b"\r\n\r\n", inv.payload]
    return b"".join(head)


def _pieces(reader: Reader, headers: dict):
    """A body as pieces as they arrive; returns its trailers."""
    length = content_length(headers)
    if length is None:
        return (yield from reader.chunks(_PIECE))
    while length:
        size = min(length, _PIECE)
        yield reader.read_exactly(size)
        length -= size
    return {}


def _trailer_error(trailers: dict) -> tuple:
    """(error type, error body) from a streamed response's trailers; (None, None) when it ended well."""
    error_type = trailers.get(ERROR_TYPE)
    if not error_type:
        return None, None
    try:
        # The body trailer is base64 of a JSON error object (Node's ResponseStream.js; facts C).
        body = base64.b64decode(trailers.get(ERROR_BODY, ""), validate=True)
    except (binascii.Error, ValueError):
        body = b""
    return error_type, body


class RuntimeApiConnection:
    """One connection from the runtime (or a worker, or an extension) to the environment's API.

    Its own thread reads what the runtime sends. When the runtime waits at `/next` with no
    invocation queued, the connection is parked, and the thread that receives the next
    request (the front server's) drives it: it writes the event and reads the answer
    itself, so that no other thread has to wake up between a caller and the runtime.
    Then the connection is given back to its own thread.
    """

    def __init__(self, env, sock: socket.socket) -> None:
        self.env = env
        self.sock = sock
        self.reader = Reader(sock)
        self.resume = threading.Event()  # set when the connection is given back (or closed)
        self.assigned = None  # an invocation handed to this connection's own thread to drive
        self.closed = False
        self.at_next = False  # the runtime has asked for its next event (the head is read)

    def serve(self) -> None:
        """The connection's own thread."""
        reader = self.reader
        try:
            while not self.closed:
                if not self.at_next:
                    head = reader.read_head()
                    if head is None:
                        break
                    req = parse_request_head(head)
                    if not (req.path == NEXT_PATH and req.method == "GET"):
                        if not self._handle(req, reader):
                            break
                        continue
                self.at_next = False
                inv = self.env.park(self)
                if inv is None:  # parked: a driver takes it from here, and gives it back
                    self.resume.wait()
                    self.resume.clear()
                    inv, self.assigned = self.assigned, None
                    if inv is None:
                        continue
                if inv is END or not self.drive(inv):
                    break
        except HttpError as error:
            self._send(_reply(error.status, "InvalidRequest", error.message))
        except (OSError, PeerClosed):
            pass
        finally:
            self.closed = True
            try:
                self.sock.close()
            finally:
                self.env.connection_closed(self)

    def drive(self, inv) -> bool:
        """Gives `inv` to the runtime waiting at /next and serves the connection until it is answered.

        False if the connection broke (as it does when a timeout kills the runtime).
        """
        if not self.env.begin(inv, self):
            self.at_next = True  # it ended before it started: the runtime still waits
            return True
        reader = self.reader
        try:
            self.sock.sendall(next_reply(inv, self.env.function_arn_bytes))
            alive = True
            while alive and not inv.done.is_set():
                head = reader.read_head()
                if head is None:
                    return False
                req = parse_request_head(head)
                if req.path == NEXT_PATH and req.method == "GET":
                    self.at_next = True  # asks for more without answering: it stays parked
                    break
                alive = self._handle(req, reader)
            return alive
        except HttpError as error:
            self._send(_reply(error.status, "InvalidRequest", error.message))
            return False
        except (OSError, PeerClosed):
            return False

    def finish(self, usable: bool) -> None:
        """A driver is done: park the connection again if the runtime is back at /next, else give it back.

        A runtime asks for its next event as soon as it hears 202: reading that request here
        saves waking the connection's own thread for it.
        """
        if usable and not self.at_next:
            usable = self._read_next()
        if not usable or not self.at_next:
            self.give_back(broken=not usable)
            return
        self.at_next = False
        inv = self.env.park(self)
        if inv is END:
            self.give_back(broken=True)
        elif inv is not None:
            self.hand_over(inv)

    def _read_next(self) -> bool:
        """Reads the runtime's GET /next if it comes at once (sets at_next); False if the connection broke."""
        reader = self.reader
        try:
            if b"\r\n\r\n" not in reader.buf:
                data = self._recv_soon()
                if data is None:
                    return True  # not back yet: its own thread waits for it
                if not data:
                    return False
                reader.buf += data
            head = reader.read_head()  # (the rest of a head split across packets, if ever)
        except (OSError, PeerClosed, HttpError):
            return False
        if head is None:
            return False
        if head.startswith(b"GET ") and parse_request_head(head).path == NEXT_PATH:
            self.at_next = True
        else:
            reader.buf[:0] = head + b"\r\n\r\n"  # something else: for the connection's own thread
        return True

    def _recv_soon(self) -> bytes | None:
        """What the runtime sent, waiting at most _REPARK_WAIT; None if nothing came."""
        try:
            return self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass
        if not select.select([self.sock], [], [], _REPARK_WAIT)[0]:
            return None
        try:
            return self.sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None

    def give_back(self, broken: bool = False) -> None:
        """A driver is done with the connection: its own thread goes on reading it (or ends)."""
        if broken:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.resume.set()

    def hand_over(self, inv) -> None:
        """Gives a parked connection's own thread an invocation to drive (managed instances)."""
        self.assigned = inv
        self.resume.set()

    def _send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def _handle(self, req, reader: Reader) -> bool:
        """Serves one request; False when the connection must end."""
        path = req.path
        if path.startswith(INVOCATION_PREFIX) and req.method == "POST":
            reply = self._invocation_post(path, req, reader)
        elif path == INIT_ERROR_PATH and req.method == "POST":
            reply = self._init_error(req, reader)
        elif path.startswith(extensions_api.PREFIX):
            reply = self._extensions(path, req, reader)
        else:
            self._body(req, reader)
            reply = _reply(404, "NotFound", f"no Runtime API call at {req.method} {path}")
        if reply is None:
            return False
        self.sock.sendall(reply)
        return True

    def _invocation_post(self, path: str, req, reader: Reader) -> bytes:
        request_id, _, kind = path[len(INVOCATION_PREFIX):].partition("/")
        if kind == "response":
            return self._response(request_id, req, reader)
        if kind == "error":
            return self._error(request_id, req, reader)
        self._body(req, reader)
        return _reply(404, "NotFound", f"no Runtime API call at {req.method} {path}")

    def _init_error(self, req, reader: Reader) -> bytes:
        body = self._body(req, reader)
        if body is None:
            return _reply(413, *_REFUSALS[413])
        error_type = req.headers.get(ERROR_TYPE) or lambda_errors.error_type_of(body, "Runtime.Unknown")
        if self.env.init_error(error_type, body):
            return _ACCEPTED
        return _reply(403, "InvalidStateTransition", "Init has ended: too late for /init/error")

    def _extensions(self, path: str, req, reader: Reader) -> bytes | None:
        body = self._body(req, reader)
        answer = self.env.extensions.handle(req.method, path, req.headers, body or b"")
        if answer is None:
            return None
        status, headers, data = answer
        return response_head(status, [*headers, ("Content-Length", str(len(data)))]) + data

    def _body(self, req, reader: Reader) -> bytes | None:
        """The whole body; None (consumed and dropped) when it is over the limit."""
        try:
            return reader.read_body(req.headers, MAX_ERROR_BODY)[0]
        except BodyTooLarge as too_large:
            if not too_large.consumed:
                reader.discard(too_large.size)
            return None

    def _error(self, request_id: str, req, reader: Reader) -> bytes:
        body = self._body(req, reader)
        inv = self.env.find_invocation(request_id)
        if inv is None:
            return _reply(400, *_REFUSALS[400])
        if body is None:
            return _reply(413, *_REFUSALS[413])
        error_type = req.headers.get(ERROR_TYPE) or lambda_errors.error_type_of(body)
        status = inv.fail(body, error_type)
        return _ACCEPTED if status == 202 else _reply(status, *_REFUSALS[status])

    def _response(self, request_id: str, req, reader: Reader) -> bytes:
        headers = req.headers
        inv = self.env.find_invocation(request_id)
        mode = headers.get(MODE_HEADER, "")
        if inv is None or mode not in ("", "streaming"):
            self._body(req, reader)
            if inv is None:
                return _reply(400, *_REFUSALS[400])
            return _reply(400, "InvalidFunctionResponseMode", f"unknown response mode {mode!r}")
        if mode == "streaming":
            return self._streamed(inv, req, reader)
        length = content_length(headers)
        if length is not None and length > lambda_errors.MAX_BUFFERED_RESPONSE:
            reader.discard(length)
            inv.abort(ERROR, lambda_errors.RESPONSE_TOO_LARGE, lambda_errors.response_too_large(length))
            return _reply(413, *_REFUSALS[413])
        try:
            body = reader.read_body(headers, lambda_errors.MAX_BUFFERED_RESPONSE)[0]
        except BodyTooLarge as too_large:
            inv.abort(ERROR, lambda_errors.RESPONSE_TOO_LARGE, lambda_errors.response_too_large(too_large.size))
            return _reply(413, *_REFUSALS[413])
        status = inv.respond(body, headers.get("content-type") or "application/json")
        return _ACCEPTED if status == 202 else _reply(status, *_REFUSALS[status])

    def _streamed(self, inv, req, reader: Reader) -> bytes:
        # Lambda-Runtime-Function-Response-Mode: streaming; the body arrives chunk by chunk and
        # each piece is passed on at once. Its default type is Node's DEFAULT_CONTENT_TYPE.
        status = inv.stream_start(req.headers.get("content-type") or "application/octet-stream")
        pieces = _pieces(reader, req.headers)
        total = 0
        passing = status == 202
        while True:
            try:
                piece = next(pieces)
            except StopIteration as end:
                trailers = end.value or {}
                break
            total += len(piece)
            if passing and total <= lambda_errors.MAX_STREAMED_RESPONSE:
                passing = inv.stream_data(piece)
        if status != 202:
            return _reply(status, *_REFUSALS[status])
        if total > lambda_errors.MAX_STREAMED_RESPONSE:
            inv.stream_end(lambda_errors.RESPONSE_TOO_LARGE,
                           lambda_errors.response_too_large(total, lambda_errors.MAX_STREAMED_RESPONSE))
            return _reply(413, "RequestEntityTooLarge",
                          f"A streamed response is limited to {lambda_errors.MAX_STREAMED_RESPONSE} bytes")
        error_type, error_body = _trailer_error(trailers)
        status = inv.stream_end(error_type, error_body)
        return _ACCEPTED if status == 202 else _reply(status, *_REFUSALS[status])
